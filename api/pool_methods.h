// SPDX-License-Identifier: MIT
// The pool methods (spec/xmlrpc.md §5.3): decoding of their argument structs
// into the operations' arguments, and how their results are written.
#pragma once

#include <vector>

#include "api/value.h"
#include "api/value_writer.h"
#include "backend/pool_operations.h"

namespace prefixd::api {

ops::AddPool::Args decode_add_pool(const Value::Struct& args);
ops::ListPool::Args decode_list_pool(const Value::Struct& args);
ops::EditPool::Args decode_edit_pool(const Value::Struct& args);
ops::RemovePool::Args decode_remove_pool(const Value::Struct& args);

void write_pool_result(ValueWriter& out, const Value::Struct& args, const Pool& pool);
// list_pool: `prefixes` is [] for a pool without members.
void write_pool_list(ValueWriter& out, const Value::Struct& args, const std::vector<Pool>& pools);
// edit_pool: `prefixes` is nil for a pool without members (pool.jsonl seq 75).
void write_edited_pools(ValueWriter& out, const Value::Struct& args,
                        const std::vector<Pool>& pools);
void write_pool_search(ValueWriter& out, const Value::Struct& args, const ops::Found<Pool>& found);

}  // namespace prefixd::api

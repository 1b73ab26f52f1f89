// SPDX-License-Identifier: MIT
// The pool methods as operations (spec/xmlrpc.md §5.3; backend/operation.h).
#pragma once

#include <vector>

#include "backend/operation.h"

namespace prefixd::ops {

struct AddPool : Operation<Effect::kWrite, Shape::kTransaction> {
  using Args = PoolChanges;
  using Result = Pool;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& attr);
};

struct ListPool : Operation<Effect::kRead, Shape::kStatement> {
  using Args = PoolSpec;  // empty: every pool
  using Result = std::vector<Pool>;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& spec);
};

struct EditPool : Operation<Effect::kWrite, Shape::kTransaction> {
  struct Args {
    PoolSpec pool;
    PoolChanges attr;
  };
  using Result = std::vector<Pool>;  // as they are after the edit
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

struct RemovePool : Operation<Effect::kWrite, Shape::kTransaction> {
  using Args = PoolSpec;
  using Result = std::vector<Pool>;  // the removed pools as they were
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& spec);
};

struct SearchPool : Operation<Effect::kRead, Shape::kStatement> {
  using Args = SearchArgs;
  using Result = Found<Pool>;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

}  // namespace prefixd::ops

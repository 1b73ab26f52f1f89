// SPDX-License-Identifier: MIT
// The prefix methods and find_free_prefix as operations (spec/xmlrpc.md
// §5.4; backend/operation.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backend/allocator.h"
#include "backend/operation.h"
#include "backend/prefix_store.h"

namespace prefixd::ops {

// add_prefix in all its modes (spec/allocation.md §1): explicit (attr.prefix
// set, no allocation), from-pool or from-prefix (`allocation` set): the VRF
// resolved once, the allocation planned once and its position claimed, the
// pool's default type applied when attr has no type, then the insert with
// its checks: one statement for the common explicit add (issue 13).
struct AddPrefix : Operation<Effect::kWrite, Shape::kTransaction> {
  struct Args {
    PrefixChanges attr;
    std::optional<AllocationArgs> allocation;
  };
  using Result = Prefix;
  static Shape shape(const Args& args) {
    return !args.allocation && add_prefix_is_one_statement(args.attr) ? Shape::kStatement
                                                                      : Shape::kTransaction;
  }
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

// Several add_prefix calls of one caller in a transaction, as one statement
// (a batch's runs, issue 13): each result is what the call would return
// made on its own, one after another. `calls` are explicit adds whose
// prefixes are given, or `count` identical allocating calls (calls[0]).
// Returns nullopt, having changed nothing, when they cannot go at once (a
// refusal among them included): the caller then runs them one by one.
std::optional<std::vector<Prefix>> add_prefixes_at_once(Transaction& transaction,
                                                        const Actor& actor,
                                                        const std::vector<AddPrefix::Args>& calls);
std::optional<std::vector<Prefix>> allocate_prefixes_at_once(Transaction& transaction,
                                                             const Actor& actor,
                                                             const AddPrefix::Args& call,
                                                             int count);

struct ListPrefix : Operation<Effect::kRead, Shape::kStatement> {
  using Args = PrefixSpec;  // empty: every prefix
  using Result = std::vector<Prefix>;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& spec);
};

struct EditPrefix : Operation<Effect::kWrite, Shape::kTransaction> {
  struct Args {
    PrefixSpec prefix;
    PrefixChanges attr;
  };
  using Result = std::vector<Prefix>;  // as they are after the edit, in search order
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

struct RemovePrefix : Operation<Effect::kWrite, Shape::kTransaction> {
  struct Args {
    PrefixSpec prefix;
    bool recursive = false;
  };
  // The prefixes the spec matched, as they were (not the descendants a
  // recursive removal takes with them).
  using Result = std::vector<Prefix>;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

// search_prefix: one statement, unless parent_prefix needs the parent looked
// up first.
struct SearchPrefix : Operation<Effect::kRead, Shape::kStatement> {
  struct Args {
    Query query;
    PrefixSearchOptions options;
  };
  using Result = Found<Prefix>;
  static Shape shape(const Args& args) {
    return args.options.parent_prefix ? Shape::kTransaction : Shape::kStatement;
  }
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

struct FindFreePrefix : Operation<Effect::kRead, Shape::kTransaction> {
  struct Args {
    std::optional<VrfSpec> vrf;  // none named: see allocation.md §5.1
    AllocationArgs args;
  };
  using Result = std::vector<std::string>;  // inet text, lowest first
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

}  // namespace prefixd::ops

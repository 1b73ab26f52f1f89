// SPDX-License-Identifier: MIT
// The VRF methods as operations (spec/xmlrpc.md §5.2; backend/operation.h).
#pragma once

#include <vector>

#include "backend/operation.h"

namespace prefixd::ops {

struct AddVrf : Operation<Effect::kWrite, Shape::kTransaction> {
  using Args = VrfChanges;
  using Result = Vrf;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& attr);
};

struct ListVrf : Operation<Effect::kRead, Shape::kStatement> {
  using Args = VrfSpec;  // empty: every VRF
  using Result = std::vector<Vrf>;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& spec);
};

struct EditVrf : Operation<Effect::kWrite, Shape::kTransaction> {
  struct Args {
    VrfSpec vrf;
    VrfChanges attr;
  };
  using Result = std::vector<Vrf>;  // as they are after the edit
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

struct RemoveVrf : Operation<Effect::kWrite, Shape::kTransaction> {
  using Args = VrfSpec;
  using Result = std::vector<Vrf>;  // the removed VRFs as they were
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& spec);
};

struct SearchVrf : Operation<Effect::kRead, Shape::kStatement> {
  using Args = SearchArgs;
  using Result = Found<Vrf>;
  static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
};

}  // namespace prefixd::ops

// SPDX-License-Identifier: MIT
// The operations layer: every public method is one backend operation that
// takes decoded arguments (plain backend types) and owns everything below
// them: the transaction shape, locks, validation, audit rows and the rows it
// returns. An operation is a type:
//
//   struct AddVrf : Operation<Effect::kWrite, Shape::kTransaction> {
//     using Args = VrfChanges;
//     using Result = Vrf;
//     static Result run(pqxx::transaction_base& tx, const Actor& actor, const Args& args);
//   };
//
// `run` works inside any transaction, so several operations can share one
// (a batch, ops::in_transaction); ops::execute lets the operation choose its
// own shape instead. Callers outside backend/ never see a libpqxx type.
#pragma once

#include <pqxx/pqxx>
#include <type_traits>
#include <utility>
#include <vector>

#include "backend/db_session.h"
#include "backend/model.h"
#include "backend/query.h"

namespace prefixd::ops {

// Whether an operation changes stored data (read-only users may not call it).
enum class Effect { kRead, kWrite };

// How an operation uses the database when it runs on its own.
enum class Shape {
  kStatement,    // exactly one statement, which is its own transaction (no BEGIN/COMMIT)
  kTransaction,  // several statements in one transaction
};

// The declarations every operation makes; an operation whose shape depends on
// its arguments defines its own `static Shape shape(const Args&)`.
template <Effect E, Shape S>
struct Operation {
  static constexpr Effect kEffect = E;
  template <typename Args>
  static constexpr Shape shape(const Args&) {
    return S;
  }
};

// What a search answers: the rows, and the query as the search rewrote it
// (spec/search.md §1.3), which smart search sends back as its interpretation.
template <typename Row>
struct Found {
  Query query;
  std::vector<Row> rows;
};

// The arguments of a VRF, pool, ASN or tag search (search.md §2.1).
struct SearchArgs {
  Query query;
  SearchOptions options;
};

// A transaction a caller already holds: operations given one run inside it.
class Transaction {
 public:
  explicit Transaction(pqxx::transaction_base& tx) : tx_(tx) {}
  pqxx::transaction_base& tx() const { return tx_; }

 private:
  pqxx::transaction_base& tx_;
};

// Runs Op inside `transaction` when one is given, else on `db` in the shape
// the operation chooses for these arguments. Errors are NipapErrors; a lost
// connection is DatabaseUnavailable.
template <typename Op>
typename Op::Result execute(DbSession& db, Transaction* transaction, const Actor& actor,
                            const typename Op::Args& args) {
  if (transaction != nullptr) return Op::run(transaction->tx(), actor, args);
  auto body = [&](pqxx::transaction_base& tx) { return Op::run(tx, actor, args); };
  auto once = [&] {
    return Op::shape(args) == Shape::kStatement ? db.run_read(body) : db.run(body);
  };
  if constexpr (Op::kEffect == Effect::kWrite) {
    auto result = db.retry_conflicts(once);  // (a write on its own can be made again)
    db.wrote();
    return result;
  } else {
    return once();
  }
}

// Runs fn(Transaction&) in one transaction on `db` and commits it: the
// operations fn executes with that Transaction commit or roll back together.
// Marks the session for a statistics fold after the commit.
template <typename Fn>
auto in_transaction(DbSession& db, Fn&& fn) {
  auto body = [&](pqxx::transaction_base& tx) {
    Transaction t(tx);
    return fn(t);
  };
  if constexpr (std::is_void_v<decltype(db.run(body))>) {
    db.run(body);
    db.wrote();
  } else {
    auto result = db.run(body);
    db.wrote();
    return result;
  }
}

}  // namespace prefixd::ops

// The rules of who the application user is (SPEC "Identity"): where a backend takes it from,
// how long a given identity counts, and in which modes SQL may name a user. Pure functions
// over plain values: src/pg/identity reads PostgreSQL's state into them and acts on the
// answer.
#pragma once

#include <cstdint>

namespace customer_access {

// customer_access.identity and customer_access.identity_scope.
enum class IdentityMode { kSetting = 0, kClaims = 1, kToken = 2, kLogin = 3 };
enum class IdentityScope { kTransaction = 0, kSession = 1 };

// A backend's local transaction number (PostgreSQL's LocalTransactionId). kNoTransaction
// stamps a value given outside any transaction: the configuration, ALTER ROLE/DATABASE SET,
// connection options.
using TransactionStamp = std::uint32_t;
inline constexpr TransactionStamp kNoTransaction = 0;

enum class Lifetime { kTransaction, kSession };

// How long an identity given in `mode` lasts: a token for the rest of the transaction that
// presented it, whatever the scope; a login's mapping for the session; settings and claims
// as identity_scope says.
Lifetime identity_lifetime(IdentityMode mode, IdentityScope scope) noexcept;

// The transaction-stamp rule, the one test of freshness: whether an identity given in
// transaction `given_in` counts in transaction `now`. A session lifetime counts always; a
// transaction lifetime only in the very transaction that gave it, never for a value given
// outside any transaction. The same rule holds a parallel worker to its leader (the stamp
// the leader handed against the leader's current transaction) and a remembered lookup to
// the transaction it was made in.
bool identity_counts(Lifetime lifetime, TransactionStamp given_in, TransactionStamp now) noexcept;

// What a backend is to identity: one that establishes its own, a Citus node that takes only
// the identity its coordinator carried to it, or one that may have none.
enum class NodeRole { kOwn, kCarried, kNone };

// Where current_user_id() is read from.
enum class UserSource {
    kLeader,     // a parallel worker: its leader's, never its own
    kCarrier,    // a Citus node running the coordinator's shard queries
    kNothing,    // no user
    kUntrusted,  // no user, and a warning: the DBA's identity settings were overridden
    kSetting,    // customer_access.user_id
    kClaims,     // request.jwt.claims
    kToken,      // authenticate()
    kLogin,      // login_users
};

// The precedence of the sources: a parallel worker takes its leader's identity; then the
// node's role decides (a carried identity, or none); a session whose superuser-only identity
// settings were overridden before the module loaded has none; otherwise the mode's own
// source, and only it (customer_access.user_id is read in mode setting only,
// request.jwt.claims in mode claims only).
UserSource user_source(bool parallel_worker, NodeRole node, bool settings_trusted,
                       IdentityMode mode) noexcept;

// Whether SQL may name a user through customer_access.user_id: never in modes token and
// login, where only a signed token or the DBA's table make a session someone.
bool user_id_settable(IdentityMode mode) noexcept;

}  // namespace customer_access

// The identity a Citus coordinator hands to the nodes that run its shard queries, and the rule
// by which a node believes it.
//
// A carrier holds the user (or the lack of one) the coordinator established, the claims, the
// database role Citus connects as, the distributed transaction it is for, what its statement
// may change on the nodes (its purpose), when it was sealed, and the connections it may be
// presented on. It is encrypted and authenticated (AES-256-GCM) under the cluster's shared
// secret, so reading it (a node's pg_stat_activity, a log) tells nothing and changes nothing.
//
// It is bound to connections, not to names: each node backend draws a random session tag at
// startup and reports it to its client (the coordinator backend reads it from its connection),
// and each coordinator backend sends a random link key in the startup packet of the
// connections it opens in a transaction. A carrier lists the session tags of the coordinator
// backend's connections that existed when it was sealed, and the fingerprint of the link key
// of that transaction (for connections Citus opens later). A node believes a carrier only on a
// connection so named, in its own distributed transaction, for its own session role, while
// fresh, and only for what the carrier's purpose allows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grant_cache.hpp"
#include "sealed_box.hpp"

namespace customer_access {

// What the coordinator's current_user_id() found: the same four outcomes on every node.
enum class CarriedStatus : char { kNone = 'n', kUser = 'u', kStale = 's', kInvalid = 'i' };

// What the statement the carrier was sealed for may change on the nodes, besides reading.
enum class CarrierPurpose : char {
    kRead = 'r',      // nothing
    kChange = 'c',    // rows of the grants: INSERT, UPDATE, DELETE, MERGE, COPY FROM
    kTruncate = 't',  // TRUNCATE of the grants
    kFill = 'f',      // distribute(): Citus copying the existing grants into the new copies
};

// Citus's distributed transaction id: the initiating node, its transaction number and the
// transaction's start (microseconds, as PostgreSQL counts them).
struct DistributedTransaction {
    std::int32_t initiator;
    std::uint64_t number;
    std::int64_t started;
};

inline bool same_transaction(const DistributedTransaction &a, const DistributedTransaction &b) {
    return a.initiator == b.initiator && a.number == b.number && a.started == b.started;
}

// A node backend's random tag (never 0), reported to its client when the connection starts.
using SessionTag = std::uint64_t;

struct CarriedIdentity {
    CarriedStatus status;
    Uuid user;           // meaningful for kUser only
    std::string claims;  // JSON text; empty when there are none
    std::string role;    // the database role the nodes run the shard queries as
    DistributedTransaction transaction;
    std::int64_t sealed_at;  // microseconds, as PostgreSQL counts them
    CarrierPurpose purpose;
    std::vector<SessionTag> sessions;  // the connections that existed when it was sealed
    std::string link;  // link_fingerprint() of the link key of later connections; "" for none
};

// The shortest secret accepted (bytes).
inline constexpr std::size_t kMinCarrierSecret = 32;
// The longest claims carried (bytes): claims are sent to every node of a transaction.
inline constexpr std::size_t kMaxCarriedClaims = 8192;
// The most connections one carrier names.
inline constexpr std::size_t kMaxCarriedSessions = 1024;
// How long a carrier is believed after it was sealed (microseconds); the coordinator seals
// a new one when half of it has passed.
inline constexpr std::int64_t kCarrierLifetime = 120LL * 1000 * 1000;

// Whether a carrier sealed at sealed_at is still to be believed at now (either clock may be
// ahead by up to the lifetime).
inline constexpr bool carrier_fresh(std::int64_t sealed_at, std::int64_t now) {
    return now - sealed_at <= kCarrierLifetime && sealed_at - now <= kCarrierLifetime;
}

// The carrier text: "ca3." and lowercase hex separated by dots (safe in a quoted SET);
// `database` is bound too, so one database's carrier does not open another's. "" when
// libcrypto fails or the identity exceeds the limits above.
std::string seal_carrier(std::string_view secret, std::string_view database,
                         const CarriedIdentity &identity, const BoxNonce &nonce) noexcept;

// The identity in a carrier sealed under secret and database; nullopt for any other text.
std::optional<CarriedIdentity> open_carrier(std::string_view secret, std::string_view database,
                                            std::string_view text) noexcept;

// Session tags as their clients read them: 16 lowercase hex digits, not all zero.
std::string session_tag_text(SessionTag tag);
std::optional<SessionTag> parse_session_tag(std::string_view text) noexcept;

// A link key is 32 lowercase hex digits (128 random bits); what a carrier names is its keyed
// fingerprint, so reading a carrier does not tell the key. "" for anything else.
bool is_link_key(std::string_view text) noexcept;
std::string link_fingerprint(std::string_view secret, std::string_view link_key) noexcept;

// What a node backend knows about itself when a carrier is presented to it.
struct NodeBackend {
    std::optional<DistributedTransaction> transaction;  // its current one, if assigned
    std::string_view session_role;                      // the role the connection logged in as
    std::int64_t now;
    SessionTag session;     // its own session tag
    std::string_view link;  // link_fingerprint() of the link key its connection brought; "" none
};

// What the node is about to do with the carrier's identity.
enum class CarrierUse {
    kRead,        // answer the checks
    kInsertRows,  // a statement that only adds rows to its copy of the grants
    kChangeRows,  // a statement that changes or removes rows of its copy
    kTruncate,    // TRUNCATE of its copy
};

enum class CarrierVerdict {
    kAccepted,
    kOtherConnection,   // not sealed for this connection
    kOtherTransaction,  // not sealed for this distributed transaction
    kOtherRole,         // not sealed for this session role
    kExpired,           // older than its lifetime
    kNotThisChange,     // its statement does not change the grants this way (or it names this
                        // connection only by the link key, which allows reading and filling)
};

// The rule: a carrier is believed only on a connection it names, in its distributed
// transaction, for its role, while fresh; reading is allowed on any connection it names,
// changing rows and TRUNCATE only on a connection named by its session tag and only for the
// purpose it was sealed for; filling new copies (distribute()) adds rows only.
CarrierVerdict judge_carrier(const CarriedIdentity &carrier, const NodeBackend &backend,
                             CarrierUse use) noexcept;

// Citus copying a shard of the grants into another node (a node added, a placement copied):
// the source node's backend seals which shard goes to which node group, and sends the proof
// in the startup packet of the one connection that copies the rows.
struct CopyProof {
    std::int64_t shard;
    std::int32_t group;  // the receiving node's Citus group
    std::int64_t sealed_at;
};

std::string seal_copy_proof(std::string_view secret, std::string_view database,
                            const CopyProof &proof, const BoxNonce &nonce) noexcept;
std::optional<CopyProof> open_copy_proof(std::string_view secret, std::string_view database,
                                         std::string_view text) noexcept;

// Whether a proof admits rows copied into `shard` on the node of `group` at `now`.
bool copy_proof_admits(const CopyProof &proof, std::int64_t shard, std::int32_t group,
                       std::int64_t now) noexcept;

// Citus's intermediate results (the rows of a recursively planned subquery, the partitions
// of a repartition join) are files named by the role and the distributed transaction, and any
// backend of that role that takes the transaction's id (assign_distributed_transaction_id()
// is PUBLIC) could read or write them. A backend may touch them only when it is the
// transaction's originator, or was admitted to the transaction on its connection: by a
// carrier accepted there, or, on the connections a node opens to fetch results from another
// node, by a result pass the fetching backend sealed and sent in the startup packet.
struct ResultPass {
    DistributedTransaction transaction;
    std::string role;  // the role the fetching backend connects as
    std::int64_t sealed_at;
};

std::string seal_result_pass(std::string_view secret, std::string_view database,
                             const ResultPass &pass, const BoxNonce &nonce) noexcept;
std::optional<ResultPass> open_result_pass(std::string_view secret, std::string_view database,
                                           std::string_view text) noexcept;

// What a node backend knows about itself when it is about to touch intermediate results.
struct ResultsAccess {
    std::optional<DistributedTransaction> transaction;  // its current one, if any
    bool originator;                 // it started that transaction (not assigned it)
    bool carrier_accepted;           // a carrier for reading was accepted on this connection for it
    std::optional<ResultPass> pass;  // the pass in this connection's startup packet, opened
    std::string_view session_role;
    std::int64_t now;
};

// The rule: without a distributed transaction the files are the backend's own; within one,
// only its originator, a connection a carrier admitted, or a connection with a fresh pass
// sealed for that transaction and role may touch them.
bool may_use_intermediate_results(const ResultsAccess &access) noexcept;

}  // namespace customer_access

// The identity a Citus coordinator hands to the nodes that run its shard queries: the user
// (or the lack of one) it established, the claims, the database role Citus connects as, the
// distributed transaction it is for, the coordinator backend whose connections may present
// it, whether its statement changes the grants, and when it was sealed, sealed with HMAC-SHA256
// under the cluster's shared secret. A node believes a carrier only when the seal holds, it names
// the node's own current distributed transaction (number and start time) and session role, and it
// is fresh: a value read elsewhere is worth nothing in another transaction, for another role,
// after its lifetime or under another secret.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "grant_cache.hpp"

namespace customer_access {

// What the coordinator's current_user_id() found: the same four outcomes on every node.
enum class CarriedStatus : char { kNone = 'n', kUser = 'u', kStale = 's', kInvalid = 'i' };

// Citus's distributed transaction id: the initiating node, its transaction number and the
// transaction's start (microseconds, as PostgreSQL counts them).
struct CarrierBinding {
    std::int32_t initiator;
    std::uint64_t transaction;
    std::int64_t started;
};

struct CarriedIdentity {
    CarriedStatus status;
    Uuid user;           // meaningful for kUser only
    std::string claims;  // JSON text; empty when there are none
    std::string role;    // the database role the nodes run the shard queries as
    CarrierBinding binding;
    std::int64_t sealed_at;  // microseconds, as PostgreSQL counts them
    std::uint64_t gpid;      // the coordinator backend's Citus global pid (names its connections)
    bool writes_grants;      // sealed for a statement that changes the grants
};

// The shortest secret accepted (bytes).
inline constexpr std::size_t kMinCarrierSecret = 32;
// The longest claims carried (bytes): claims are sent to every node of a transaction.
inline constexpr std::size_t kMaxCarriedClaims = 8192;
// How long a carrier is believed after it was sealed (microseconds); the coordinator seals
// a new one when half of it has passed.
inline constexpr std::int64_t kCarrierLifetime = 120LL * 1000 * 1000;

// Whether a carrier sealed at sealed_at is still to be believed at now (either clock may be
// ahead by up to the lifetime).
inline constexpr bool carrier_fresh(std::int64_t sealed_at, std::int64_t now) {
    return now - sealed_at <= kCarrierLifetime && sealed_at - now <= kCarrierLifetime;
}

// The carrier text: digits, "-", lowercase hex, the status letter, '.' and nothing else (safe in a
// quoted SET). `database` is bound too, so one database's carrier does not open another's.
std::string seal_carrier(std::string_view secret, std::string_view database,
                         const CarriedIdentity &identity);

// The identity in a carrier whose seal holds under secret and database; nullopt for any other
// text (never throws).
std::optional<CarriedIdentity> open_carrier(std::string_view secret, std::string_view database,
                                            std::string_view text) noexcept;

}  // namespace customer_access

// The identity a Citus coordinator hands to the nodes that run its shard queries: the user
// (or the lack of one) it established, the claims, and the distributed transaction it is for,
// sealed with HMAC-SHA256 under the cluster's shared secret. A node believes a carrier only
// when the seal holds and it names the node's own current distributed transaction, so a value
// read elsewhere is worth nothing in another transaction or with another secret.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "grant_cache.hpp"

namespace customer_access {

// What the coordinator's current_user_id() found: the same four outcomes on every node.
enum class CarriedStatus : char { kNone = 'n', kUser = 'u', kStale = 's', kInvalid = 'i' };

// Citus's distributed transaction id: the initiating node and its transaction number.
struct CarrierBinding {
    std::int32_t initiator;
    std::uint64_t transaction;
};

struct CarriedIdentity {
    CarriedStatus status;
    Uuid user;           // meaningful for kUser only
    std::string claims;  // JSON text; empty when there are none
    CarrierBinding binding;
};

// The shortest secret accepted (bytes).
inline constexpr std::size_t kMinCarrierSecret = 32;

// The carrier text: digits, lowercase hex, the status letter, '.' and nothing else (safe in a quoted SET).
// `database` is bound too, so one database's carrier does not open another's.
std::string seal_carrier(std::string_view secret, std::string_view database,
                         const CarriedIdentity &identity);

// The identity in a carrier whose seal holds under secret and database; nullopt for any other
// text (never throws).
std::optional<CarriedIdentity> open_carrier(std::string_view secret, std::string_view database,
                                            std::string_view text) noexcept;

}  // namespace customer_access

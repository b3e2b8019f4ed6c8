// The extension's settings (GUCs): where the application user comes from, its scope, the
// Owner-revoke exit. Values that name a user carry a stamp: the transaction that gave them.
#pragma once

#include "core/grant_cache.hpp"
#include "core/identity_rules.hpp"
#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

void define_settings();

IdentityMode identity_mode();
IdentityScope identity_scope();
const char *identity_claim();  // customer_access.claim: a claim name, or a dotted path
int clock_skew_seconds();
bool identity_required();  // customer_access.require_identity
// customer_access.allow_token_literals: authenticate() accepts a token that appears in the
// statement text (for tests; superuser-only).
bool token_literals_allowed();

// A setting's value with the local transaction id (current_local_transaction()) that was current
// when the value was given; a value restored by a transaction's end keeps the stamp it had.
struct StampedValue {
    const char *text;  // nullptr or "" when unset
    LocalTransactionId given_in;
};

// customer_access.user_id, parsed when it is set (the checks run per row): unset, a uuid, or
// text that is no uuid (possible only for a value SET before the module was loaded).
enum class ParsedUser { kUnset, kValid, kInvalid };
ParsedUser user_id_parsed(Uuid *user);
StampedValue user_id_setting_value();     // customer_access.user_id
StampedValue jwt_claims_setting_value();  // request.jwt.claims
const char *worker_identity_setting();    // the leader's identity, for parallel workers
void set_worker_identity_setting(const char *value);

// customer_access.cluster_secret ("" when unset) and customer_access.carrier (the sealed
// identity a Citus coordinator sent, "" when none).
const char *cluster_secret();
const char *carrier_setting_value();
std::uint64_t carrier_setting_changes();  // counts every change of customer_access.carrier

// Counts every change of a setting the application user depends on: customer_access.user_id,
// request.jwt.claims, customer_access.identity, identity_scope, claim, worker_identity and
// carrier. PostgreSQL calls a setting's assign hook for every change of its value (SET, SET
// LOCAL, set_config, RESET, a function's SET clause on entry and exit, the values restored
// at the end of a subtransaction or transaction, a reload), so an unchanged count means that
// none of them changed.
// (Read on every row: an inline read of the counter the assign hooks increment.)
extern std::uint64_t identity_changes;
inline std::uint64_t identity_setting_changes() {
    return identity_changes;
}

// False when a superuser-only identity setting was given, before the module loaded, by a
// role that may not set it: PostgreSQL refused it, and the DBA's own value is lost with it.
// No identity is then used in this session (fail closed).
bool identity_settings_trusted();

// customer_access.allow_owner_revoke, honoured only while a superuser is in control.
bool owner_revoke_allowed();

}  // namespace customer_access::pg

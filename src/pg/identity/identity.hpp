// Who the application user is: current_user_id() in every identity mode, in transaction or
// session scope, in the parallel leader and its workers alike.
#pragma once

#include "core/grant_cache.hpp"
#include "core/identity_carrier.hpp"
#include "pg/boundary/postgres.hpp"

extern "C" {
#include "utils/jsonb.h"
}

namespace customer_access::pg {

// The application user whose access is checked; false when there is none. A stale value
// (given in an earlier transaction, in transaction scope) counts as none, with one WARNING
// per transaction. customer_access.user_id that is no uuid is 22P02.
bool current_application_user(Uuid *user);

// The same for a check: with customer_access.require_identity, no user is 28000.
bool checked_application_user(Uuid *user);

// The claims of the current identity as JSON text (claims and token modes), or nullptr.
const char *current_identity_claims();

// The claim at a dotted path ("sub", "app_metadata.user") of a JSON object, as text when it
// is a string; nullptr otherwise.
char *claim_text(Jsonb *claims, const char *path);

// authenticate(): the verified user and claims for the rest of the transaction.
void establish_token_identity(const Uuid &user, const char *claims_json);

// The identity current_user_id() would use now, without its warnings, as a Citus
// coordinator hands it to the other nodes (claims: JSON text or nullptr).
CarriedStatus identity_to_hand_on(Uuid *user, const char **claims);

// Whether the identity of the current mode and scope ends with the transaction that gave it
// (settings and claims in transaction scope, tokens); false for a login's and for session
// scope. Reads only the settings: safe at a transaction's end.
bool identity_ends_with_transaction();

// Installs the executor hooks that hand the leader's identity to parallel workers and Citus
// nodes, and the callbacks that follow subtransactions and forget identity-shaped plans.
void install_identity_hooks();

}  // namespace customer_access::pg

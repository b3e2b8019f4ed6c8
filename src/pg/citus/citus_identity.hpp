// The application user on Citus, once the grants are distributed:
// - the coordinator (group 0) uses its own identity modes, and seals the identity it
//   established into customer_access.carrier (SET LOCAL on every node its transaction uses,
//   bound to the distributed transaction, the role Citus connects as and the time);
// - every other node takes the user only from a valid carrier of its current distributed
//   transaction: none arrived means no user (and 28000 in a Citus shard-query connection,
//   where one must have arrived); its own settings never name a user.
// Single-node servers never come here.
#pragma once

#include "core/identity_carrier.hpp"
#include "pg/boundary/postgres.hpp"

extern "C" {
#include "executor/execdesc.h"
}

namespace customer_access::pg {

enum class IdentitySource { kOwn, kCarried, kNone };

// Where this backend's application user comes from.
IdentitySource identity_source();

// The identity carried for this distributed transaction (claims: JSON text or nullptr);
// 28000 when its seal, transaction, role or time does not hold.
CarriedStatus carried_identity(Uuid *user, const char **claims);

// Before a query whose plan reaches Citus tables (at its start and at each run, so cursors
// follow the identity too): hands the identity this backend would use to every node of the
// transaction, when it differs from the one handed last or half its lifetime has passed.
void hand_identity_to_citus(QueryDesc *query);

// The same before a utility statement that reaches Citus nodes (COPY ... TO).
void hand_identity_before_utility(Node *statement);

// Whether a change of the grants' shard on this node is one Citus made for a change of
// customer_access.external_access (local execution on the coordinator; a shard-query
// connection with a valid carrier, or Citus copying the rows, on the other nodes).
bool change_through_citus(Oid shard);

// The executor's start and end of every query, to know the task Citus's local executor runs
// on the coordinator's copy of the grants.
void note_query_start(QueryDesc *query);
void note_query_end(QueryDesc *query);

// Whether customer_access.carrier may be set in this backend (never on the coordinator).
bool carrier_settable_here();

// Registers the subtransaction callback (Citus forgets SET LOCALs at a subtransaction's end).
void install_citus_identity();

}  // namespace customer_access::pg

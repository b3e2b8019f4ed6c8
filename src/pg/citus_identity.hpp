// The application user on Citus: a coordinator seals the identity it established into
// customer_access.carrier (SET LOCAL on every node its transaction uses, bound to the
// distributed transaction); a node that runs shard queries for it takes that identity and
// no other, or refuses (28000). Single-node servers never come here.
#pragma once

#include "../core/identity_carrier.hpp"
#include "postgres.hpp"

extern "C" {
#include "executor/execdesc.h"
}

namespace customer_access::pg {

// Whether this backend runs shard queries for a Citus coordinator while the grants are a
// Citus table: its identity is then the carried one.
bool takes_carried_identity();

// The identity carried for this distributed transaction (claims: JSON text or nullptr);
// 28000 when none arrived, its seal does not hold, or it is for another transaction.
CarriedStatus carried_identity(Uuid *user, const char **claims);

// Before a query whose plan reaches Citus tables: hands the identity this backend would use
// to every node of the transaction, when it differs from the one handed last.
void hand_identity_to_citus(QueryDesc *query);

// Registers the subtransaction callback (Citus forgets SET LOCALs at a subtransaction's end).
void install_citus_identity();

}  // namespace customer_access::pg

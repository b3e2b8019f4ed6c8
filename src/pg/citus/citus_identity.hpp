// The application user on Citus, once the grants are distributed:
// - the coordinator uses its own identity modes, and before each statement that reaches Citus
//   seals the identity it established into customer_access.carrier (SET LOCAL on every node its
//   transaction uses), bound to the distributed transaction, the role Citus connects as, the
//   statement's purpose, the time and the connections it may be presented on
//   (core/identity_carrier.hpp, pg/citus/citus_link.hpp);
// - a connection Citus opened to a node (the coordinator's own shard-query connections too)
//   takes the user only from a carrier that the rule admits on it; none arrived means no user
//   (and 28000 in a Citus shard-query connection, where one must have arrived); a node's own
//   settings never name a user.
// Single-node servers never come here.
#pragma once

#include "core/identity_carrier.hpp"
#include "pg/boundary/postgres.hpp"
#include "pg/citus/copy_guard.hpp"

extern "C" {
#include "executor/execdesc.h"
}

namespace customer_access::pg {

enum class IdentitySource { kOwn, kCarried, kNone };

// Where this backend's application user comes from.
IdentitySource identity_source();

// The identity carried for this distributed transaction (claims: JSON text or nullptr);
// 28000 when it does not open, or the rule does not admit it on this connection.
CarriedStatus carried_identity(Uuid *user, const char **claims);

// Whether a carrier came with this connection's transaction, and the rule's verdict on it for
// a change of this node's copy of the grants (28000 when it does not open).
bool carrier_present();
CarrierVerdict carrier_verdict(CarrierUse use);
// The purpose of this connection's carrier (after carrier_verdict() opened it).
CarrierPurpose carrier_purpose();

// Before a query whose plan reaches Citus tables (at its start and at each run, so cursors
// follow the identity too): hands the identity this backend would use to every node of the
// transaction, when it differs from the one handed last, its purpose changes, or half its
// lifetime has passed.
void hand_identity_to_citus(QueryDesc *query);

// The same before a utility statement that reaches Citus nodes: COPY, TRUNCATE of the
// grants.
void hand_identity_before_utility(Node *statement);

// Whether this backend hands its identity to the Citus nodes (the coordinator's own sessions,
// with the grants distributed).
bool identity_goes_with_citus();

// Whether customer_access.carrier may be set now: by a top-level SET of a connection (never
// by a function), and on the coordinator only in Citus's own connections.
bool carrier_settable_here();
// Set by the utility hook around a top-level SET of customer_access.carrier.
void note_carrier_statement(bool top_level);

// distribute(): hands the identity for Citus copying the existing grants into the new copies.
void hand_identity_for_fill();

// Registers the callbacks that forget per-transaction state, and the utility hook.
void install_citus_identity();

}  // namespace customer_access::pg

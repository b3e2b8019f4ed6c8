// How a Citus connection is named, so that a carrier is believed only on the connections it
// was sealed for (core/identity_carrier.hpp):
// - every backend draws a random session tag and reports it to its client when the
//   connection starts (the setting customer_access.session, sent as a ParameterStatus);
// - a coordinator backend that hands an identity to the nodes draws a random link key for the
//   transaction and sends it in the startup packet of every connection it opens during that
//   transaction (PGOPTIONS: -c customer_access.link=...), and forgets it when the transaction
//   ends;
// - a backend copying a shard of the grants to another node sends the copy proof in the
//   startup packet of the one connection that copies the rows (customer_access.copy_proof);
// - a backend admitted to a distributed transaction that fetches intermediate results from
//   another node sends a result pass for that transaction in the startup packet of the
//   connection that fetches them (customer_access.result_pass).
// Startup packets are seen by no other session, and the received values are shown to nobody.
#pragma once

#include "core/identity_carrier.hpp"
#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// Defines customer_access.session, .link, .copy_proof and .result_pass.
void define_link_settings();

// This backend's session tag (drawn on first use).
SessionTag own_session_tag();

// The fingerprint of the link key this connection brought in its startup packet; "" when none.
const char *connection_link_fingerprint();

// The copy proof this connection brought in its startup packet; "" when none.
const char *connection_copy_proof();

// The result pass this connection brought in its startup packet; "" when none.
const char *connection_result_pass();

// The fingerprint of this transaction's link key: drawn at the first call in a transaction,
// and from then on in the startup packet of every connection this backend opens until the
// transaction ends.
const char *transaction_link_fingerprint();

// While a shard copy runs: the proof in the startup packet of the connections opened meanwhile
// (nullptr: none again).
void set_copy_proof_for_connections(const char *proof);

// While intermediate results are fetched: the pass in the startup packet of the connections
// opened meanwhile (nullptr: none again; forgotten at the transaction's end too).
void set_result_pass_for_connections(const char *pass);

// Registers the transaction callback that forgets the link key.
void install_link_callbacks();

}  // namespace customer_access::pg

// Changes of a copy of the grants on a Citus node (its shard of
// customer_access.external_access): only Citus makes them, for a statement that changes the
// grants through the coordinator, so the copies never disagree and every change is in the
// history.
// - On the coordinator: Citus's local executor's task on its copy (DML, TRUNCATE) and Citus's
//   local COPY of the rows of an INSERT ... SELECT or COPY FROM, while such a statement runs.
// - On every other node: a statement the connection's client sent (not one run inside another
//   statement) with a carrier that the rule admits for that change on this connection, or
//   Citus copying a shard into this node with a copy proof for this shard and node.
// Checked when a statement starts (so a copy that has no triggers yet is held too) and again
// by the extension's triggers. The source side of a shard copy seals the copy proof here.
#pragma once

#include <optional>

#include "core/identity_carrier.hpp"
#include "pg/boundary/postgres.hpp"

extern "C" {
#include "executor/execdesc.h"
#include "nodes/plannodes.h"
#include "tcop/utility.h"
}

namespace customer_access::pg {

// Whether a query changes customer_access.external_access (the distributed table itself).
bool statement_changes_grants(QueryDesc *query);

// The purpose of the innermost statement running that changes (or truncates) the grants, if
// any: Citus's own queries inside it (an INSERT ... SELECT's SELECT) serve it.
std::optional<CarrierPurpose> running_grants_statement();

// The executor's start and end of every query.
void note_query_start(QueryDesc *query);
void note_query_end(QueryDesc *query);

// Around a utility statement (COPY ... FROM and TRUNCATE of the grants or of a copy): true
// when something was noted that note_utility_end() must forget.
bool note_utility_start(PlannedStmt *statement, ProcessUtilityContext context);
void note_utility_end(PlannedStmt *statement);

// The extension's triggers: whether a change of rows, or a TRUNCATE, of this node's copy of
// the grants is one the checks above admitted.
bool change_through_citus(Oid shard);
bool truncate_through_citus(Oid shard);

// Whether the rows being added to this node's copy are existing grants that Citus copies
// (distribute(), a shard copy): they keep their object_version, and their history is already
// recorded.
bool copying_existing_grants();

// Registers the transaction callbacks that forget what ran.
void install_copy_guard();

}  // namespace customer_access::pg

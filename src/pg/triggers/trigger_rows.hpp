// The extension's trigger functions and the grant rows they see: each trigger function runs
// only on the extension's own table (identified by OID), and reads rows by the verified
// layout, never by column names a caller could choose.
#pragma once

#include "core/grant_row.hpp"
#include "core/owner_rule.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/boundary/postgres.hpp"

extern "C" {
#include "commands/trigger.h"
#include "utils/rel.h"
}

namespace customer_access::pg {

// The trigger data of a call of `function`, which the extension attaches to `table` only.
// Called other than as a trigger: 39P01. Fired on any other table: 0A000, before anything
// of that table is read. `shard`, when valid, is the table's Citus shard on this node,
// which the extension's triggers reach through Citus.
TriggerData *bound_trigger(FunctionCallInfo fcinfo, const char *function, Oid table,
                           Oid shard = InvalidOid);

// A row of external_access, read by the verified layout (its text lives in the current
// memory context).
GrantRow read_grant_row(HeapTuple row, TupleDesc desc, const GrantsLayout &layout);

// What a change of `before` into `after` (nullptr: a delete) does to an Owner.
OwnerChange owner_change(const GrantRow &before, const GrantRow *after);

// Whether this INSERT loads saved rows back (restore mode, core/restore_mode.hpp): a
// superuser's COPY ... FROM or INSERT of constant rows (pg_dump --inserts) into the grants,
// the session's own statement, in a session set up as pg_dump's scripts and pg_restore set
// up every connection (row_security and check_function_bodies off). Such rows keep their
// object_version and add no history entry, so a dump and restore is a faithful round trip.
bool restoring_saved_rows();
// The same for another of the extension's tables (login_users keeps its dumped role binding).
bool restoring_saved_rows_into(Oid table);

// Records every grant of `rel` (the grants, before a TRUNCATE empties them) in the history as
// a DELETE: TRUNCATE fires no row trigger.
void record_truncated_grants(Relation rel);

// " with customer_id = ..., user_id = ...": the keys of a grant, for messages.
char *describe_grant_keys(const GrantRow &row);

}  // namespace customer_access::pg

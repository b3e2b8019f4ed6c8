// The DDL guard on a Citus node: the local shard of the grants table (a reference table
// since distribute()) holds the rows the checks read there, so DDL may not weaken it either.
// Citus builds a shard with CREATE TABLE, GRANT, OWNER TO, ENABLE ROW LEVEL SECURITY,
// CREATE POLICY, PRIMARY KEY and UNIQUE constraints, indexes, and the extension's triggers
// enabled ALWAYS: all of these are allowed; disabling, dropping, renaming or replacing what
// protects the rows is refused (42501) as on the table itself.
#pragma once

#include "pg/boundary/postgres.hpp"

extern "C" {
#include "nodes/nodes.h"
}

namespace customer_access::pg {

// Refuses a statement that would weaken this node's shard of the grants table.
void check_shard_statement(Oid extension, Oid schema, Node *parsetree);

// This node's shard of the grants table, or InvalidOid (no Citus, not distributed).
Oid local_grants_shard(Oid schema);

// Whether a relation is customer_access.external_access itself.
bool is_grants_table(Oid relid);

// The shard id when a relation is a copy of the grants on this node
// (customer_access.external_access_<shard id>), registered in Citus's metadata or not yet
// (while Citus fills a new copy); 0 otherwise.
int64 grants_copy_shard(Oid relid);

}  // namespace customer_access::pg

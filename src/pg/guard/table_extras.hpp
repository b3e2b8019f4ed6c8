// The user's own FOREIGN KEY and CHECK constraints and indexes on the extension's tables,
// kept in customer_access.table_extras so that they survive pg_dump and pg_restore (pg_dump
// writes no constraint or index of an extension's table, only its rows).
#pragma once

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// At the end of DDL (and after rows are loaded into table_extras, `loading`), for a
// superuser: re-creates the constraints and indexes a restore brought back as rows (each
// once its prerequisites exist: the referenced table's key may come with the restore's later
// DDL), and, when `ours_changed` (the statement concerns the extension's tables or what their
// foreign keys reference: extras_scope.hpp), records the current ones.
void keep_table_extras(Oid extension, Oid schema, bool ours_changed, bool loading);

// The extension's OID and schema for keep_table_extras(), or false when it is not installed
// or its own script is running.
bool table_extras_target(Oid *extension, Oid *schema);

}  // namespace customer_access::pg

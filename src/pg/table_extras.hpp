// The user's own FOREIGN KEY and CHECK constraints and indexes on the extension's tables,
// kept in customer_access.table_extras so that they survive pg_dump and pg_restore (pg_dump
// writes no constraint or index of an extension's table, only its rows).
#pragma once

#include "postgres.hpp"

namespace customer_access::pg {

// At the end of DDL, for a superuser: re-creates the constraints and indexes a restore
// brought back as rows (each once its prerequisites exist: the referenced table's key comes
// with the restore's later DDL), and, when `ours_changed`, records the current ones.
void keep_table_extras(Oid extension, Oid schema, bool ours_changed);

}  // namespace customer_access::pg

// Which DDL concerns table_extras, decided from the parse tree and by OID: the end-of-DDL
// guard does nothing at all (no read, no write, no lock) for a statement that concerns
// neither the extension's tables nor the tables their foreign keys reference.
#pragma once

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

struct ExtrasWork {
    bool record;  // the statement may change what table_extras records
    bool replay;  // it may complete what a restored record waits for (a unique key, superuser)
};

// Decided at the start of the statement, while the names it uses still resolve, and kept for
// its end (guard_ddl_end), which asks for it with the same parse tree.
void note_extras_work(Oid extension, Oid schema, Node *parsetree);
ExtrasWork noted_extras_work(Oid extension, Oid schema, Node *parsetree);

}  // namespace customer_access::pg

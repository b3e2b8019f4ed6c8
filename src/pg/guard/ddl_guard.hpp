// The DDL guard (SPEC "Tamper resistance"): the event triggers guard_ddl() and
// guard_ddl_end() are SQL-callable; this is what the module itself installs.
#pragma once

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// The ProcessUtility hook for the statements event triggers never see (ALTER/DROP EVENT
// TRIGGER, REASSIGN OWNED): active in every session where the module is preloaded.
void install_utility_guard();

// Whether a function is code some role wrote: not PostgreSQL's own and not owned by a
// superuser (the rule the guard holds the extension's tables' expressions to).
bool function_written_by_a_role(Oid function);

}  // namespace customer_access::pg

// The DDL guard (SPEC "Tamper resistance"): the event triggers guard_ddl() and
// guard_ddl_end() are SQL-callable; this is what the module itself installs.
#pragma once

namespace customer_access::pg {

// The ProcessUtility hook for the statements event triggers never see (ALTER/DROP EVENT
// TRIGGER, REASSIGN OWNED): active in every session where the module is preloaded.
void install_utility_guard();

}  // namespace customer_access::pg

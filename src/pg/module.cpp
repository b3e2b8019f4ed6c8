// Module entry: PG_MODULE_MAGIC and _PG_init, which defines the settings and installs the
// utility hook of the DDL guard (it sees the statements event triggers never fire for) and
// the executor hook that hands the identity to parallel workers.
#include "pg/identity/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

#include "pg/checks/check_cache.hpp"
#include "pg/citus/citus_link.hpp"
#include "pg/guard/ddl_guard.hpp"
#include "pg/identity/identity.hpp"
#include "pg/triggers/change_notify.hpp"

void _PG_init(void) {
    customer_access::pg::define_link_settings();
    customer_access::pg::define_settings();
    customer_access::pg::install_utility_guard();
    customer_access::pg::install_identity_hooks();
    customer_access::pg::install_check_cache_callbacks();
    customer_access::pg::install_change_notifications();
}

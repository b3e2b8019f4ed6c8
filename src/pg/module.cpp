// Module entry: PG_MODULE_MAGIC and _PG_init, which defines the settings.
#include "settings.hpp"

extern "C" {
PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

void _PG_init(void) {
    customer_access::pg::define_settings();
}

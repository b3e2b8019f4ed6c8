// Every query the extension runs through SPI names its tables and functions with their
// schemas; its operators (and anything else resolved by name) are pinned by running it with
// search_path = pg_catalog, pg_temp, so an operator that a role created in a schema of the
// caller's search_path can never be chosen by a query that runs with a superuser's rights.
#pragma once

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// Returns the GUC nest level to give back to unpin_search_path(). An ERROR in between needs
// nothing: the transaction's (or subtransaction's) abort unwinds the level.
int pin_search_path();
void unpin_search_path(int nest_level);

}  // namespace customer_access::pg

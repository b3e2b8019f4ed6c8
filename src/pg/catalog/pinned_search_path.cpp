#include "pg/catalog/pinned_search_path.hpp"

extern "C" {
#include "utils/guc.h"
}

namespace customer_access::pg {

int pin_search_path() {
    int nest_level = NewGUCNestLevel();
    (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_SAVE, true, 0, false);
    return nest_level;
}

void unpin_search_path(int nest_level) {
    AtEOXact_GUC(true, nest_level);
}

}  // namespace customer_access::pg

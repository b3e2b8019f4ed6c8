#include "pg/citus/placement_guard.hpp"

#include "pg/boundary/compat.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/citus/citus_bridge.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/snapmgr.h"
}

namespace customer_access::pg {
namespace {

// The grants and their shard when they are a Citus table here, and what the metadata said of
// them when the call started (the functions do not nest).
Oid grants = InvalidOid;
int64 shard = 0;
CitusTableMetadata before{};

}  // namespace

void placement_metadata_call(FmgrHookEventType event) {
    if (superuser())
        return;
    if (event == FHET_START) {
        grants = InvalidOid;
        if (!OidIsValid(installed_extension()) || !extension_catalog().distributed)
            return;
        grants = extension_catalog().grants;
        shard = extension_catalog().grants_shard;
        InvalidateCatalogSnapshot();
        before = citus_table_metadata(grants, shard);
    } else if (event == FHET_END && OidIsValid(grants)) {
        // (by what was noted at the start: the catalog's view of the grants may be gone now)
        InvalidateCatalogSnapshot();
        if (!(citus_table_metadata(grants, shard) == before))
            ereport(ERROR,
                    (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                     errmsg("only a superuser may change the Citus metadata of "
                            "customer_access.external_access"),
                     errdetail("Citus does not check who changes it; a copy of the grants left "
                               "out, or the table made a single-shard one, would keep "
                               "answering the checks with grants that no longer change "
                               "there.")));
    }
}

}  // namespace customer_access::pg

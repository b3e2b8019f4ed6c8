// make_reference_table(): called by distribute() (src/sql), superuser-only, not PUBLIC.
#include "pg/citus/distribute.hpp"

#include <initializer_list>

#include "pg/boundary/boundary.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/citus/citus_identity.hpp"

extern "C" {
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/guc.h"
}

using namespace customer_access::pg;

namespace {

bool copying = false;

}  // namespace

namespace customer_access::pg {

bool copying_grants_into_shards() {
    return copying;
}

}  // namespace customer_access::pg

CUSTOMER_ACCESS_FUNCTION(make_reference_table) {
    if (!superuser())
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("only a superuser may distribute customer_access")));
    if (PG_ARGISNULL(0) || PG_GETARG_OID(0) != extension_catalog().grants)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("make_reference_table() takes customer_access.external_access")));
    Oid argtypes[1] = {REGCLASSOID};
    Datum args[1] = {PG_GETARG_DATUM(0)};
    // Citus refuses a table with triggers unless told the triggers are safe: they are (each
    // copy protects itself, the coordinator's records); only for this call.
    int nest = NewGUCNestLevel();
    (void)set_config_option("citus.enable_unsafe_triggers", "on", PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_SAVE, true, 0, false);
    // Citus copies the rows into the other nodes' copies in its own connections: they need the
    // identity sealed for that (and only that).
    hand_identity_for_fill();
    SPI_connect();
    copying = true;
    PG_TRY();
    {
        // The rows move into the copies; the ones left behind in the table itself are
        // removed, so nothing could ever read them again.
        for (const char *sql :
             {"SELECT pg_catalog.create_reference_table($1)",
              "SELECT pg_catalog.truncate_local_data_after_distributing_table($1)"})
            if (SPI_execute_with_args(sql, 1, argtypes, args, nullptr, false, 0) != SPI_OK_SELECT)
                elog(ERROR, "%s failed", sql);
    }
    PG_FINALLY();
    { copying = false; }
    PG_END_TRY();
    SPI_finish();
    AtEOXact_GUC(true, nest);
    PG_RETURN_VOID();
}

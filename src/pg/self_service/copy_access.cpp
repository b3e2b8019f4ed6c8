// copy_access(from_user, to_user, customer_id DEFAULT NULL) -> integer: gives to_user the
// grants of from_user (role, window, notes, expiry) on every customer, or on the one named,
// that the caller may give: all of them for a caller that reads and writes every grant, the
// ones core's delegation rule allows otherwise (an Admin copies up to Admin, within their own
// window and expiry). Pairs where to_user has a grant already are left as they are; expired
// grants are not copied (they give nothing). Reads and writes run as the caller, so the DBA's
// privileges and the row-security policies hold as for any other change, and each new grant
// is in the history with the acting application user.
#include "pg/boundary/boundary.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/catalog/pinned_search_path.hpp"
#include "pg/checks/delegation.hpp"
#include "pg/checks/grant_lookup.hpp"
#include "pg/checks/grant_readers.hpp"
#include "pg/type/access_role_datum.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/timestamp.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

// from_user's grants the caller can see, in customer order.
const char *const kSource =
    "SELECT customer_id, role, days_back_access, notes, expires_at "
    "FROM customer_access.external_access WHERE user_id = $1 "
    "AND ($2::pg_catalog.uuid IS NULL OR customer_id = $2) ORDER BY customer_id";
enum { kCustomer = 1, kRole, kDaysBack, kNotes, kExpiresAt };

const char *const kCopy =
    "INSERT INTO customer_access.external_access (customer_id, user_id, role, "
    "days_back_access, notes, expires_at) VALUES ($1, $2, $3, $4, $5, $6) "
    "ON CONFLICT ON CONSTRAINT external_access_user_customer_key DO NOTHING";

bool caller_copies_every_grant() {
    bool may_insert =
        pg_class_aclcheck(extension_catalog().grants, GetUserId(), ACL_INSERT) == ACLCHECK_OK;
    return copies_every_grant(may_read_every_grant(), may_insert);
}

}  // namespace

CUSTOMER_ACCESS_FUNCTION(copy_access) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        refuse_null("from_user and to_user");
    bool every_grant = caller_copies_every_grant();
    if (!every_grant) {
        Uuid me;
        require_application_user(&me);
    }
    Timestamp now = rule_now();
    Oid role_type = extension_catalog().role_type;

    int pinned = pin_search_path();
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    Oid source_types[2] = {UUIDOID, UUIDOID};
    Datum source_values[2] = {PG_GETARG_DATUM(0), PG_ARGISNULL(2) ? Datum(0) : PG_GETARG_DATUM(2)};
    char source_nulls[2] = {' ', PG_ARGISNULL(2) ? 'n' : ' '};
    int rc = SPI_execute_with_args(kSource, 2, source_types, source_values, source_nulls, true, 0);
    if (rc != SPI_OK_SELECT)
        elog(ERROR, "copy_access: reading the grants failed: %s", SPI_result_code_string(rc));
    SPITupleTable *source = SPI_tuptable;
    uint64 rows = SPI_processed;

    int32 made = 0;
    Oid copy_types[6] = {UUIDOID, UUIDOID, role_type, INT4OID, TEXTOID, TIMESTAMPTZOID};
    for (uint64 i = 0; i < rows; ++i) {
        HeapTuple row = source->vals[i];
        Datum values[6];
        char nulls[6];
        bool isnull[6] = {};
        for (int column = kCustomer; column <= kExpiresAt; ++column) {
            int at = column == kCustomer ? 0 : column;  // $2 is to_user
            values[at] = SPI_getbinval(row, source->tupdesc, column, &isnull[at]);
            nulls[at] = isnull[at] ? 'n' : ' ';
        }
        values[1] = PG_GETARG_DATUM(1);
        nulls[1] = ' ';
        if (isnull[0] || isnull[2])
            continue;  // not a row of the table's NOT NULL columns
        Uuid customer = from_pg_uuid(DatumGetUUIDP(values[0]));
        Grant grant{true, role_from_datum(values[2]), Window{true, 0}};
        if (!isnull[3])
            grant.window = Window{false, DatumGetInt32(values[3])};
        if (!isnull[5])
            grant.expires_at = DatumGetTimestampTz(values[5]);
        if (!grant_in_force(grant, now))
            continue;
        if (!every_grant && judge_own_delegation(customer, grant) != Delegation::kAllowed)
            continue;
        rc = SPI_execute_with_args(kCopy, 6, copy_types, values, nulls, false, 0);
        if (rc != SPI_OK_INSERT)
            elog(ERROR, "copy_access: the insert failed: %s", SPI_result_code_string(rc));
        made += static_cast<int32>(SPI_processed);
    }
    SPI_finish();
    unpin_search_path(pinned);
    PG_RETURN_INT32(made);
}

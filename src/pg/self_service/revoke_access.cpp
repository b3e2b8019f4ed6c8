// revoke_access(customer_id, user_id) and customer_users(customer_id): removing a grant of,
// and listing the grants of, a customer the application user manages (core's delegation
// rule, through can_manage's test). They run as the caller: row security and the caller's
// privileges hold, and Owners stay (the Owner trigger).
#include "pg/boundary/boundary.hpp"
#include "pg/catalog/pinned_search_path.hpp"
#include "pg/checks/delegation.hpp"
#include "pg/checks/grant_lookup.hpp"

#include "core/grant_row.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/tuplestore.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

// 42501 unless the application user manages the customer's users.
void require_manager(const Uuid &customer) {
    Uuid me;
    require_application_user(&me);
    Grant own = own_grant(customer);
    if (!manages_customer(own, rule_now()))
        refuse_delegation(Delegation::kNotManager, customer, own, own);
}

}  // namespace

CUSTOMER_ACCESS_FUNCTION(revoke_access) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        refuse_null("customer_id and user_id");
    Uuid customer = from_pg_uuid(PG_GETARG_UUID_P(0));
    require_manager(customer);
    Oid types[2] = {UUIDOID, UUIDOID};
    Datum values[2] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)};
    int pinned = pin_search_path();
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    int rc = SPI_execute_with_args(
        "DELETE FROM customer_access.external_access WHERE customer_id = $1 AND user_id = $2 "
        "RETURNING *",
        2, types, values, nullptr, false, 0);
    if (rc != SPI_OK_DELETE_RETURNING)
        elog(ERROR, "revoke_access: the delete failed: %s", SPI_result_code_string(rc));
    if (SPI_processed == 0) {
        char user_text[37], customer_text[37];
        uuid_to_text(from_pg_uuid(PG_GETARG_UUID_P(1)), user_text);
        uuid_to_text(customer, customer_text);
        ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                        errmsg("user %s has no grant on customer %s", user_text, customer_text)));
    }
    Datum row = PointerGetDatum(SPI_returntuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc));
    SPI_finish();
    unpin_search_path(pinned);
    return row;
}

CUSTOMER_ACCESS_FUNCTION(customer_users) {
    InitMaterializedSRF(fcinfo, 0);
    if (PG_ARGISNULL(0))
        refuse_null("customer_id");
    require_manager(from_pg_uuid(PG_GETARG_UUID_P(0)));
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    Oid types[1] = {UUIDOID};
    Datum values[1] = {PG_GETARG_DATUM(0)};
    int pinned = pin_search_path();
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    int rc = SPI_execute_with_args(
        "SELECT * FROM customer_access.external_access WHERE customer_id = $1 "
        "ORDER BY role DESC, user_id",
        1, types, values, nullptr, true, 0);
    if (rc != SPI_OK_SELECT)
        elog(ERROR, "customer_users: reading the grants failed: %s", SPI_result_code_string(rc));
    for (uint64 i = 0; i < SPI_processed; ++i)
        tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
    SPI_finish();
    unpin_search_path(pinned);
    PG_RETURN_NULL();
}

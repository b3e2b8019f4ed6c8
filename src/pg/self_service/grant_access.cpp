// grant_access(customer_id, user_id, role, days_back_access, notes, expires_at): creates or
// updates a grant of a customer the application user manages, after core's delegation rule
// has allowed it, with a message that names the rule that refused. The write runs as the
// caller, so the DBA's privileges and the row-security policies (the same rule) apply too.
#include "pg/boundary/boundary.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/catalog/pinned_search_path.hpp"
#include "pg/checks/delegation.hpp"
#include "pg/checks/grant_lookup.hpp"
#include "pg/type/access_role_datum.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

constexpr int kParams = 6;

// As the caller: row security and the caller's privileges hold.
const char *const kUpsert =
    "INSERT INTO customer_access.external_access AS e (customer_id, user_id, role, "
    "days_back_access, notes, expires_at) VALUES ($1, $2, $3, $4, $5, $6) "
    "ON CONFLICT ON CONSTRAINT external_access_user_customer_key DO UPDATE "
    "SET role = EXCLUDED.role, days_back_access = EXCLUDED.days_back_access, "
    "notes = coalesce(EXCLUDED.notes, e.notes), expires_at = EXCLUDED.expires_at "
    "RETURNING *";

}  // namespace

CUSTOMER_ACCESS_FUNCTION(grant_access) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
        refuse_null("customer_id, user_id and role");
    Uuid me;
    require_application_user(&me);
    Uuid customer = from_pg_uuid(PG_GETARG_UUID_P(0));
    Grant given{true, PG_GETARG_ACCESS_ROLE(2), Window{true, 0}};
    if (!PG_ARGISNULL(3))
        given.window = Window{false, PG_GETARG_INT32(3)};
    if (!PG_ARGISNULL(5))
        given.expires_at = PG_GETARG_TIMESTAMPTZ(5);
    Grant own = own_grant(customer);
    Delegation verdict = judge_delegation(own, given, rule_now());
    if (verdict != Delegation::kAllowed)
        refuse_delegation(verdict, customer, own, given);

    Oid types[kParams] = {UUIDOID, UUIDOID, extension_catalog().role_type,
                          INT4OID, TEXTOID, TIMESTAMPTZOID};
    Datum values[kParams];
    char nulls[kParams];
    for (int i = 0; i < kParams; ++i) {
        values[i] = PG_ARGISNULL(i) ? Datum(0) : PG_GETARG_DATUM(i);
        nulls[i] = PG_ARGISNULL(i) ? 'n' : ' ';
    }
    int pinned = pin_search_path();
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    int rc = SPI_execute_with_args(kUpsert, kParams, types, values, nulls, false, 1);
    if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
        elog(ERROR, "grant_access: the upsert failed: %s", SPI_result_code_string(rc));
    // Copied into the caller's memory context before SPI lets go of its own.
    Datum row = PointerGetDatum(SPI_returntuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc));
    SPI_finish();
    unpin_search_path(pinned);
    return row;
}

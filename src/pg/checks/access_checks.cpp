// The access checks: has_customer_access, can_access, accessible_customers and
// current_user_id. None is STRICT: a NULL argument is an answer (FALSE), never NULL.
#include "core/grant_cache.hpp"
#include "pg/type/access_role_datum.hpp"
#include "pg/boundary/boundary.hpp"
#include "pg/checks/check_cache.hpp"
#include "pg/checks/grant_readers.hpp"
#include "pg/identity/identity.hpp"
#include "pg/identity/settings.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/jsonb.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

// How the checked row is dated.
enum class Dating { kDate, kTimestamp, kUndated };

// The date argument at `arg`: false for NULL. Timestamps count by their date in the
// session's time zone; the infinities map to the infinite dates.
bool doc_date(FunctionCallInfo fcinfo, int arg, Dating dating, DayNumber *date) {
    if (PG_ARGISNULL(arg))
        return false;
    if (dating == Dating::kDate)
        *date = PG_GETARG_DATEADT(arg);
    else
        *date = DatumGetDateADT(DirectFunctionCall1(timestamptz_date, PG_GETARG_DATUM(arg)));
    return true;
}

// The shared body: args are (customer, [date,] need), starting at `first`.
bool check(FunctionCallInfo fcinfo, const Uuid &user, int first, Dating dating) {
    int need_arg = dating == Dating::kUndated ? first + 1 : first + 2;
    if (PG_ARGISNULL(first) || PG_ARGISNULL(need_arg))
        return false;
    Uuid customer = from_pg_uuid(PG_GETARG_UUID_P(first));
    Level need = PG_GETARG_ACCESS_ROLE(need_arg);
    DayNumber date = 0;
    bool has_date = dating == Dating::kUndated || doc_date(fcinfo, first + 1, dating, &date);
    DayNumber today;
    Grant grant = cached_grant(user, customer, &today);
    // Undated data: no window applies.
    if (dating == Dating::kUndated)
        grant.window = Window{true, 0};
    return grant_admits(grant, need, has_date, date, today, rule_now());
}

bool check_for_user_arg(FunctionCallInfo fcinfo, Dating dating) {
    if (PG_ARGISNULL(0))
        return false;
    Uuid user = from_pg_uuid(PG_GETARG_UUID_P(0));
    require_grant_reader(user, "has_customer_access");
    return check(fcinfo, user, 1, dating);
}

bool check_for_current_user(FunctionCallInfo fcinfo, Dating dating) {
    Uuid user;
    if (!checked_application_user(&user))
        return false;
    return check(fcinfo, user, 0, dating);
}

}  // namespace

CUSTOMER_ACCESS_FUNCTION(has_customer_access_date) {
    PG_RETURN_BOOL(check_for_user_arg(fcinfo, Dating::kDate));
}
CUSTOMER_ACCESS_FUNCTION(has_customer_access_timestamptz) {
    PG_RETURN_BOOL(check_for_user_arg(fcinfo, Dating::kTimestamp));
}
CUSTOMER_ACCESS_FUNCTION(has_customer_access_undated) {
    PG_RETURN_BOOL(check_for_user_arg(fcinfo, Dating::kUndated));
}
CUSTOMER_ACCESS_FUNCTION(can_access_date) {
    PG_RETURN_BOOL(check_for_current_user(fcinfo, Dating::kDate));
}
CUSTOMER_ACCESS_FUNCTION(can_access_timestamptz) {
    PG_RETURN_BOOL(check_for_current_user(fcinfo, Dating::kTimestamp));
}
CUSTOMER_ACCESS_FUNCTION(can_access_undated) {
    PG_RETURN_BOOL(check_for_current_user(fcinfo, Dating::kUndated));
}

CUSTOMER_ACCESS_FUNCTION(current_user_id) {
    Uuid user;
    if (!current_application_user(&user))
        PG_RETURN_NULL();
    return uuid_datum(user);
}

namespace {

struct GrantRows {
    Tuplestorestate *store;
    TupleDesc desc;
    Level need;
    DayNumber today;
    Timestamp now;
};

// One row (key: a customer, or for who_can_access a user) with the grant, its window and its
// expiry, for a grant in force.
void emit_grant_row(void *context, const Uuid &key, const Grant &grant) {
    GrantRows *rows = static_cast<GrantRows *>(context);
    if (grant.level < rows->need || !grant_in_force(grant, rows->now))
        return;
    // (a grant with expires_at 'infinity' is shown as never expiring, as NULL)
    bool never = grant.expires_at == kNeverExpires;
    Datum values[5] = {uuid_datum(key), role_to_datum(grant.level), 0, 0,
                       never ? Datum(0) : TimestampTzGetDatum(grant.expires_at)};
    bool nulls[5] = {false, false, grant.window.unlimited, grant.window.unlimited, never};
    if (!grant.window.unlimited) {
        values[2] = Int32GetDatum(grant.window.days_back);
        // A window reaching before the first representable date starts at -infinity.
        std::int64_t first = first_visible_day(rows->today, grant.window.days_back);
        constexpr std::int64_t kFirstDate = DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE;
        values[3] =
            DateADTGetDatum(first < kFirstDate ? DATEVAL_NOBEGIN : static_cast<DateADT>(first));
    }
    tuplestore_putvalues(rows->store, rows->desc, values, nulls);
}

}  // namespace

// accessible_customers(user_id, need): the user's grants with role >= need.
CUSTOMER_ACCESS_FUNCTION(accessible_customers) {
    InitMaterializedSRF(fcinfo, 0);
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        PG_RETURN_NULL();
    Uuid user = from_pg_uuid(PG_GETARG_UUID_P(0));
    require_grant_reader(user, "accessible_customers");
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    GrantRows rows{rsinfo->setResult, rsinfo->setDesc, PG_GETARG_ACCESS_ROLE(1),
                   GetSQLCurrentDate(), rule_now()};
    scan_user_grants(find_grant_source(), GetActiveSnapshot(), user, emit_grant_row, &rows);
    PG_RETURN_NULL();
}

// who_can_access(customer_id, need): every user whose grant on the customer has role >= need;
// for callers that may read every grant.
CUSTOMER_ACCESS_FUNCTION(who_can_access) {
    InitMaterializedSRF(fcinfo, 0);
    require_full_grant_reader("who_can_access");
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        PG_RETURN_NULL();
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    GrantRows rows{rsinfo->setResult, rsinfo->setDesc, PG_GETARG_ACCESS_ROLE(1),
                   GetSQLCurrentDate(), rule_now()};
    scan_customer_grants(find_grant_source(), GetActiveSnapshot(),
                         from_pg_uuid(PG_GETARG_UUID_P(0)), emit_grant_row, &rows);
    PG_RETURN_NULL();
}

namespace {

struct CustomerList {
    Datum *items;
    int count;
    int allocated;
    Level need;
    Timestamp now;
};

void collect_customer(void *context, const Uuid &customer, const Grant &grant) {
    CustomerList *list = static_cast<CustomerList *>(context);
    if (grant.level < list->need || !grant_in_force(grant, list->now))
        return;
    if (list->count == list->allocated) {
        list->allocated *= 2;
        list->items = static_cast<Datum *>(repalloc(list->items, sizeof(Datum) * list->allocated));
    }
    list->items[list->count++] = uuid_datum(customer);
}

}  // namespace

// accessible_customer_ids(user_id, need) -> uuid[]: the customers whose grant in force has role
// >= need (whatever the window). The planner's index condition for the checks; NULL user: empty.
CUSTOMER_ACCESS_FUNCTION(accessible_customer_ids) {
    CustomerList list{static_cast<Datum *>(palloc(sizeof(Datum) * 16)), 0, 16, 0, rule_now()};
    if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1)) {
        Uuid user = from_pg_uuid(PG_GETARG_UUID_P(0));
        require_grant_reader(user, "accessible_customer_ids");
        list.need = PG_GETARG_ACCESS_ROLE(1);
        scan_user_grants(find_grant_source(), GetActiveSnapshot(), user, collect_customer, &list);
    }
    PG_RETURN_ARRAYTYPE_P(
        construct_array(list.items, list.count, UUIDOID, sizeof(pg_uuid_t), false, TYPALIGN_CHAR));
}

namespace {

struct EarliestDay {
    EarliestVisibleDay fold;
    Level need;
    DayNumber today;
    Timestamp now;
};

// Stops at the first unlimited window: nothing can reach further back.
bool fold_window(void *context, const Uuid &, const Grant &grant) {
    EarliestDay *e = static_cast<EarliestDay *>(context);
    if (grant.level >= e->need && grant_in_force(grant, e->now))
        e->fold.add(grant.window, e->today);
    return e->fold.day() != kMinusInfinityDay;
}

}  // namespace

// earliest_visible_date(user_id, need) -> date: no dated row the user's grants in force with
// role >= need admit is older; -infinity when a window is unlimited, infinity when there is no
// grant. The planner's lower bound on an indexed date column; NULL user or need: infinity.
CUSTOMER_ACCESS_FUNCTION(earliest_visible_date) {
    EarliestDay e{EarliestVisibleDay(), 0, GetSQLCurrentDate(), rule_now()};
    if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1)) {
        Uuid user = from_pg_uuid(PG_GETARG_UUID_P(0));
        require_grant_reader(user, "earliest_visible_date");
        e.need = PG_GETARG_ACCESS_ROLE(1);
        scan_user_grants_until(find_grant_source(), GetActiveSnapshot(), user, fold_window, &e);
    }
    PG_RETURN_DATEADT(e.fold.day());
}

// current_claims(): the claims of the current identity (claims and token modes), or NULL.
CUSTOMER_ACCESS_FUNCTION(current_claims) {
    const char *claims = current_identity_claims();
    if (claims == nullptr)
        PG_RETURN_NULL();
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(claims));
}

// peak_cache_bytes(): the largest per-query grant cache this backend has built.
CUSTOMER_ACCESS_FUNCTION(peak_cache_bytes) {
    PG_RETURN_INT64(static_cast<int64>(cache_stats().peak_bytes));
}

// cache_stats(): this backend's check counters, one row.
CUSTOMER_ACCESS_FUNCTION(cache_stats) {
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    const CacheCounters &s = cache_stats();
    Datum values[5] = {Int64GetDatum(static_cast<int64>(s.calls)),
                       Int64GetDatum(static_cast<int64>(s.hits)),
                       Int64GetDatum(static_cast<int64>(s.index_lookups)),
                       Int64GetDatum(static_cast<int64>(s.bulk_loads)),
                       Int64GetDatum(static_cast<int64>(s.peak_bytes))};
    bool nulls[5] = {false, false, false, false, false};
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    PG_RETURN_NULL();
}

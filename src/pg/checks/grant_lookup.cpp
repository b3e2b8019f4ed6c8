#include "pg/checks/grant_lookup.hpp"

#include "pg/boundary/compat.hpp"
#include "pg/catalog/extension_catalog.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "executor/tuptable.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
}

namespace customer_access::pg {
namespace {

Grant grant_in(TupleTableSlot *slot, const GrantSource &source) {
    bool isnull;
    Datum role = slot_getattr(slot, source.role_column, &isnull);
    Grant grant{!isnull, isnull ? Level{0} : DatumGetUInt8(role), Window{true, 0}};
    Datum days = slot_getattr(slot, source.days_back_column, &isnull);
    if (!isnull)
        grant.window = Window{false, DatumGetInt32(days)};
    if (source.expires_at_column != InvalidAttrNumber) {
        // NULL and 'infinity' never come; '-infinity' has always passed.
        Datum expires = slot_getattr(slot, source.expires_at_column, &isnull);
        if (!isnull)
            grant.expires_at = DatumGetTimestampTz(expires);
    }
    return grant;
}

// An index scan over the pair index (or another uuid index) with its leading key columns fixed.
struct PairScan {
    Relation table;
    Relation index;
    IndexScanDesc scan;
    TupleTableSlot *slot;
};

PairScan begin_scan(const GrantSource &source, Snapshot snapshot, const Uuid &first,
                    const Uuid *customer, Oid index = InvalidOid) {
    PairScan s;
    s.table = table_open(source.table, AccessShareLock);
    s.index = index_open(OidIsValid(index) ? index : source.pair_index, AccessShareLock);
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(as_pg_uuid(first)));
    int nkeys = 1;
    if (customer != nullptr)
        ScanKeyInit(&keys[nkeys++], 2, BTEqualStrategyNumber, F_UUID_EQ,
                    UUIDPGetDatum(as_pg_uuid(*customer)));
    s.scan = begin_index_scan(s.table, s.index, snapshot, nkeys);
    index_rescan(s.scan, keys, nkeys, nullptr, 0);
    s.slot = table_slot_create(s.table, nullptr);
    return s;
}

void end_scan(PairScan &s) {
    ExecDropSingleTupleTableSlot(s.slot);
    index_endscan(s.scan);
    index_close(s.index, AccessShareLock);
    table_close(s.table, AccessShareLock);
}

}  // namespace

GrantSource find_grant_source() {
    const ExtensionCatalog &c = extension_catalog();
    return GrantSource{c.grant_rows,       c.grant_rows_pair_index, c.grant_rows_customer_index,
                       c.layout.user,      c.layout.customer,       c.layout.role,
                       c.layout.days_back, c.layout.expires_at};
}

Timestamp rule_now() {
    return GetCurrentTransactionStartTimestamp();
}

Grant lookup_grant(const GrantSource &source, Snapshot snapshot, const Uuid &user,
                   const Uuid &customer) {
    PairScan s = begin_scan(source, snapshot, user, &customer);
    Grant grant{false, 0, Window{true, 0}};
    if (index_getnext_slot(s.scan, ForwardScanDirection, s.slot))
        grant = grant_in(s.slot, source);
    end_scan(s);
    return grant;
}

void scan_user_grants_until(const GrantSource &source, Snapshot snapshot, const Uuid &user,
                            GrantVisitorUntil visit, void *context) {
    PairScan s = begin_scan(source, snapshot, user, nullptr);
    while (index_getnext_slot(s.scan, ForwardScanDirection, s.slot)) {
        bool isnull;
        Datum customer = slot_getattr(s.slot, source.customer_column, &isnull);
        if (isnull)
            continue;
        if (!visit(context, from_pg_uuid(DatumGetUUIDP(customer)), grant_in(s.slot, source)))
            break;
    }
    end_scan(s);
}

void scan_user_grants(const GrantSource &source, Snapshot snapshot, const Uuid &user,
                      GrantVisitor visit, void *context) {
    struct Forward {
        GrantVisitor visit;
        void *context;
    } forward{visit, context};
    scan_user_grants_until(
        source, snapshot, user,
        [](void *c, const Uuid &customer, const Grant &grant) {
            Forward *f = static_cast<Forward *>(c);
            f->visit(f->context, customer, grant);
            return true;
        },
        &forward);
}

void scan_customer_grants(const GrantSource &source, Snapshot snapshot, const Uuid &customer,
                          GrantVisitor visit, void *context) {
    // The customer index's one key takes the place of the pair index's first.
    PairScan s = begin_scan(source, snapshot, customer, nullptr, source.customer_index);
    while (index_getnext_slot(s.scan, ForwardScanDirection, s.slot)) {
        bool isnull;
        Datum user = slot_getattr(s.slot, source.user_column, &isnull);
        if (isnull)
            continue;
        visit(context, from_pg_uuid(DatumGetUUIDP(user)), grant_in(s.slot, source));
    }
    end_scan(s);
}

namespace {

struct Estimate {
    Uuid user;
    Level need;
    bool used;
    std::uint64_t generation;
    TimestampTz counted_at;
    InForceSpan span;  // the now()s that see the same grants in force as the count did
    double count;
};

constexpr int kEstimates = 32;
constexpr long kEstimateLifetimeMs = 1000;
Estimate estimates[kEstimates];
int next_estimate = 0;
std::uint64_t grants_generation = 0;

// One index scan over the user's grants: those in force at now with role >= need, and the
// span of now()s over which the same ones are in force.
double count_user_grants(const GrantSource &source, Snapshot snapshot, const Uuid &user, Level need,
                         Timestamp now, InForceSpan *span) {
    struct Counter {
        Level need;
        Timestamp now;
        InForceSpan *span;
        double count;
    } counter{need, now, span, 0};
    scan_user_grants(
        source, snapshot, user,
        [](void *context, const Uuid &, const Grant &grant) {
            Counter *c = static_cast<Counter *>(context);
            if (grant.level < c->need)
                return;
            c->span->add(grant.expires_at, c->now);
            if (grant_in_force(grant, c->now))
                c->count += 1;
        },
        &counter);
    return counter.count;
}

}  // namespace

void note_grants_changed() {
    ++grants_generation;
}

double estimated_user_grants(const GrantSource &source, Snapshot snapshot, const Uuid &user,
                             Level need) {
    TimestampTz now = GetCurrentTimestamp();
    Timestamp asked_at = rule_now();
    for (Estimate &e : estimates)
        if (e.used && e.need == need && same_uuid(e.user, user) &&
            e.generation == grants_generation &&
            !TimestampDifferenceExceeds(e.counted_at, now, kEstimateLifetimeMs) &&
            e.span.covers(asked_at))
            return e.count;
    InForceSpan span;
    double count = count_user_grants(source, snapshot, user, need, asked_at, &span);
    estimates[next_estimate] = Estimate{user, need, true, grants_generation, now, span, count};
    next_estimate = (next_estimate + 1) % kEstimates;
    return count;
}

}  // namespace customer_access::pg

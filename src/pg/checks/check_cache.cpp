#include "pg/boundary/boundary.hpp"
#include "pg/boundary/compat.hpp"
#include "pg/checks/check_cache.hpp"

#include <new>

extern "C" {
#include "pgtime.h"
#include "utils/date.h"
#include "storage/proc.h"
#include "utils/memutils.h"
#include "access/xact.h"
#include "utils/snapmgr.h"
}

namespace customer_access::pg {
namespace {

CacheCounters stats{};

// Counts subtransaction aborts in this backend. In REPEATABLE READ and SERIALIZABLE a
// statement after ROLLBACK TO SAVEPOINT (or a PL/pgSQL exception block) has the same
// snapshot and command id as one before it, yet no longer sees the rows the aborted
// subtransaction wrote: the count is part of the key, so such a statement starts afresh.
std::uint64_t subtransaction_aborts = 0;

void count_subtransaction_abort(SubXactEvent event, SubTransactionId, SubTransactionId, void *) {
    if (event == SUBXACT_EVENT_ABORT_SUB)
        ++subtransaction_aborts;
}

// Which statement the cached answers belong to. Two snapshots that agree on all four see
// exactly the same rows, so a new statement (or a PL/pgSQL expression state reused across
// statements) starts a fresh cache, and one statement never reads the table twice.
struct SnapshotIdentity {
    TransactionId xmin;
    TransactionId xmax;
    CommandId curcid;
    uint64 completion_count;
    std::uint64_t aborts;

    static SnapshotIdentity of(Snapshot s) {
        return {s->xmin, s->xmax, s->curcid, s->snapXactCompletionCount, subtransaction_aborts};
    }
    bool operator==(const SnapshotIdentity &o) const {
        return xmin == o.xmin && xmax == o.xmax && curcid == o.curcid &&
               completion_count == o.completion_count && aborts == o.aborts;
    }
};

struct CheckState {
    MemoryContext context;
    GrantSource source;
    Snapshot snapshot;  // the statement's, while a check runs
    SnapshotIdentity statement;
    DayNumber today;
    pg_tz *today_zone;  // the session time zone "today" was taken in
    StatementGrantCache cache;
};

// The cache's view of the grants table: this statement's snapshot, its memory context.
Grant store_lookup(void *context, const Uuid &user, const Uuid &customer) {
    auto *state = static_cast<CheckState *>(context);
    return lookup_grant(state->source, state->snapshot, user, customer);
}

void store_scan_user(void *context, const Uuid &user, GrantSink sink, void *sink_context) {
    auto *state = static_cast<CheckState *>(context);
    scan_user_grants(state->source, state->snapshot, user, sink, sink_context);
}

void *store_allocate_zeroed(void *context, std::size_t bytes) {
    return MemoryContextAllocZero(static_cast<CheckState *>(context)->context, bytes);
}

void store_release(void *, void *memory) {
    pfree(memory);
}

// Every call site of a statement shares one cache: the statements running in this
// transaction (a query and the queries of functions it calls) each have theirs, keyed by
// their snapshot, the least recently used one given up past kStatements. Each lives in its
// own memory context under TopTransactionContext, so all go with the transaction.
constexpr int kStatements = 4;

struct Statements {
    LocalTransactionId transaction;
    CheckState *states[kStatements];
    std::uint64_t used_at[kStatements];
    std::uint64_t clock;
    int last;  // the state used last
} statements{InvalidLocalTransactionId, {}, {}, 0, 0};

CheckState *new_state(SnapshotIdentity now) {
    MemoryContext context = AllocSetContextCreate(
        TopTransactionContext, "customer_access check cache", ALLOCSET_SMALL_SIZES);
    auto *state = static_cast<CheckState *>(MemoryContextAllocZero(context, sizeof(CheckState)));
    new (&state->cache) StatementGrantCache();
    state->context = context;
    state->source = find_grant_source();
    state->statement = now;
    return state;
}

CheckState *statement_state(Snapshot snapshot) {
    SnapshotIdentity now = SnapshotIdentity::of(snapshot);
    LocalTransactionId transaction = current_local_transaction();
    if (statements.transaction != transaction) {
        // The previous transaction's contexts went with its TopTransactionContext.
        statements = Statements{transaction, {}, {}, 0, 0};
    }
    ++statements.clock;
    CheckState *last = statements.states[statements.last];
    if (last != nullptr && last->statement == now) {
        statements.used_at[statements.last] = statements.clock;
        return last;
    }
    int victim = 0;
    for (int i = 0; i < kStatements; ++i) {
        CheckState *state = statements.states[i];
        if (state != nullptr && state->statement == now) {
            statements.last = i;
            statements.used_at[i] = statements.clock;
            return state;
        }
        if (state == nullptr || statements.used_at[i] < statements.used_at[victim])
            victim = i;
    }
    CheckState *state = new_state(now);
    if (statements.states[victim] != nullptr)
        MemoryContextDelete(statements.states[victim]->context);
    statements.states[victim] = state;
    statements.used_at[victim] = statements.clock;
    statements.last = victim;
    return state;
}

CheckState *state_for(Snapshot snapshot) {
    CheckState *state = statement_state(snapshot);
    // "Today" is the transaction's date in the session's time zone at the time of the call:
    // a SET TimeZone within one snapshot changes it.
    if (state->today_zone != session_timezone) {
        state->today = GetSQLCurrentDate();
        state->today_zone = session_timezone;
    }
    return state;
}

}  // namespace

Grant cached_grant(const Uuid &user_id, const Uuid &customer, DayNumber *today) {
    Snapshot snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
    CheckState *state = state_for(snapshot);
    *today = state->today;
    Grant known;
    if (state->cache.known(user_id, customer, &known, stats))
        return known;
    state->snapshot = snapshot;
    GrantStore store{state, guarded<store_lookup>::call, guarded<store_scan_user>::call,
                     guarded<store_allocate_zeroed>::call, guarded<store_release>::call};
    return from_core([&] { return state->cache.grant(store, user_id, customer, stats); });
}

void install_check_cache_callbacks() {
    RegisterSubXactCallback(count_subtransaction_abort, nullptr);
}

const CacheCounters &cache_stats() {
    return stats;
}

}  // namespace customer_access::pg

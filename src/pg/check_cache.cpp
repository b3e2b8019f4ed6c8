#include "check_cache.hpp"

#include <algorithm>

extern "C" {
#include "pgtime.h"
#include "utils/date.h"
#include "storage/proc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
}

namespace customer_access::pg {
namespace {

// 65,536 slots (1.6 MB, 49,152 grants) at most: past that the cache starts over, so a user
// with any number of grants works in bounded memory.
constexpr std::uint32_t kMaxSlots = 1u << 16;

CacheStats stats{};

// Which statement the cached answers belong to. Two snapshots that agree on all four see
// exactly the same rows, so a new statement (or a PL/pgSQL expression state reused across
// statements) starts a fresh cache, and one statement never reads the table twice.
struct SnapshotIdentity {
    TransactionId xmin;
    TransactionId xmax;
    CommandId curcid;
    uint64 completion_count;

    static SnapshotIdentity of(Snapshot s) {
        return {s->xmin, s->xmax, s->curcid, s->snapXactCompletionCount};
    }
    bool operator==(const SnapshotIdentity &o) const {
        return xmin == o.xmin && xmax == o.xmax && curcid == o.curcid &&
               completion_count == o.completion_count;
    }
};

struct CheckState {
    MemoryContext context;
    GrantSource source;
    SnapshotIdentity statement;
    DayNumber today;
    pg_tz *today_zone;  // the session time zone "today" was taken in
    UserSlots users;
    GrantTable table;
    bool has_last;
    int last_user;
    Uuid last_customer;
    Grant last_grant;
};

void forget_everything(CheckState *state) {
    state->table.clear();
    state->users.clear();
    state->has_last = false;
}

// Grows the table up to kMaxSlots; false when it is as large as it may be.
bool grow(CheckState *state) {
    GrantTable &table = state->table;
    std::uint32_t capacity = GrantTable::next_capacity(table.capacity(), kMaxSlots);
    if (capacity == table.capacity())
        return false;
    GrantTable bigger;
    bigger.attach(MemoryContextAllocZero(state->context, GrantTable::bytes_for(capacity)), capacity);
    table.copy_into(bigger);
    if (table.capacity() != 0)
        pfree(table.memory());
    table = bigger;
    stats.peak_bytes = std::max<std::uint64_t>(stats.peak_bytes, GrantTable::bytes_for(capacity));
    return true;
}

// Stores a looked-up grant; when the table is full at its largest, it starts over.
void remember(CheckState *state, int user, const Uuid &customer, const Grant &grant) {
    if (state->table.insert(user, customer, grant))
        return;
    if (!grow(state)) {
        state->table.clear();
        state->users.forget_completeness();
    }
    state->table.insert(user, customer, grant);
}

struct BulkLoad {
    CheckState *state;
    int user;
    bool overflow;
};

void load_grant(void *context, const Uuid &customer, const Grant &grant) {
    BulkLoad *load = static_cast<BulkLoad *>(context);
    if (load->overflow)
        return;
    if (!load->state->table.insert(load->user, customer, grant) &&
        !(grow(load->state) && load->state->table.insert(load->user, customer, grant)))
        load->overflow = true;
}

// Reads every grant of the user into the table; if they all fit, the user is complete.
void bulk_load(CheckState *state, Snapshot snapshot, int user, const Uuid &user_id) {
    ++stats.bulk_loads;
    BulkLoad load{state, user, false};
    scan_user_grants(state->source, snapshot, user_id, load_grant, &load);
    if (!load.overflow)
        state->users.set_complete(user);
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
    MemoryContext context = AllocSetContextCreate(TopTransactionContext,
                                                  "customer_access check cache",
                                                  ALLOCSET_SMALL_SIZES);
    auto *state = static_cast<CheckState *>(MemoryContextAllocZero(context, sizeof(CheckState)));
    state->context = context;
    state->source = find_grant_source();
    state->statement = now;
    return state;
}

CheckState *statement_state(Snapshot snapshot) {
    SnapshotIdentity now = SnapshotIdentity::of(snapshot);
    LocalTransactionId transaction = MyProc->lxid;
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
    ++stats.calls;

    int user = state->users.slot_of(user_id);
    if (user < 0) {  // more distinct users in one query than slots: start over
        forget_everything(state);
        user = state->users.slot_of(user_id);
    }
    if (state->has_last && state->last_user == user && same_uuid(state->last_customer, customer)) {
        ++stats.hits;
        return state->last_grant;
    }

    Grant grant;
    if (state->table.find(user, customer, &grant)) {
        ++stats.hits;
    } else {
        if (!state->users.complete(user) && state->users.bulk_load_due(user))
            bulk_load(state, snapshot, user, user_id);
        if (state->users.complete(user)) {
            // A complete user's misses are not stored: they would fill the table and start it
            // over, and the user would be looked up row by row from then on.
            ++stats.hits;
            if (!state->table.find(user, customer, &grant))
                grant = Grant{false, 0, Window{true, 0}};
        } else {
            ++stats.index_lookups;
            grant = lookup_grant(state->source, snapshot, user_id, customer);
            remember(state, user, customer, grant);
        }
    }
    state->has_last = true;
    state->last_user = user;
    state->last_customer = customer;
    state->last_grant = grant;
    return grant;
}

const CacheStats &cache_stats() {
    return stats;
}

}  // namespace customer_access::pg

#include "check_cache.hpp"

extern "C" {
#include "utils/date.h"
#include "utils/snapmgr.h"
}

namespace customer_access::pg {
namespace {

// 65,536 slots (about 3 MB) at most: past that the cache starts over, so a user with any
// number of grants works in bounded memory.
constexpr std::uint32_t kMaxSlots = 1u << 16;

std::size_t peak_bytes = 0;

// Which statement the cached answers belong to. Two snapshots that agree on all four see
// exactly the same rows, so a new statement (or a PL/pgSQL expression state reused across
// statements) starts a fresh cache, and one statement never reads the table twice.
struct SnapshotIdentity {
    TransactionId xmin;
    TransactionId xmax;
    CommandId curcid;
    uint64 completion_count;

    static SnapshotIdentity of(Snapshot s) { return {s->xmin, s->xmax, s->curcid, s->snapXactCompletionCount}; }
    bool operator==(const SnapshotIdentity &o) const {
        return xmin == o.xmin && xmax == o.xmax && curcid == o.curcid && completion_count == o.completion_count;
    }
};

struct CheckState {
    GrantSource source;
    SnapshotIdentity statement;
    DayNumber today;
    GrantTable table;
    bool has_last;
    GrantKey last_key;
    Grant last_grant;
};

void allocate_slots(MemoryContext context, GrantTable &table, std::uint32_t capacity) {
    auto *slots = static_cast<GrantSlot *>(MemoryContextAllocZero(context, sizeof(GrantSlot) * capacity));
    table.attach(slots, capacity);
    peak_bytes = std::max(peak_bytes, sizeof(GrantSlot) * capacity);
}

// Makes room for one more entry: grows up to kMaxSlots, then forgets everything.
void make_room(FunctionCallInfo fcinfo, CheckState *state) {
    GrantTable &table = state->table;
    std::uint32_t capacity = GrantTable::next_capacity(table.capacity(), kMaxSlots);
    if (capacity == table.capacity()) {
        table.clear();
        return;
    }
    GrantTable bigger;
    allocate_slots(fcinfo->flinfo->fn_mcxt, bigger, capacity);
    table.copy_into(bigger);
    GrantTable old = table;
    table = bigger;
    if (old.capacity() != 0) pfree(old.slot_memory());
}

CheckState *state_for(FunctionCallInfo fcinfo, Snapshot snapshot) {
    auto *state = static_cast<CheckState *>(fcinfo->flinfo->fn_extra);
    SnapshotIdentity now = SnapshotIdentity::of(snapshot);
    if (state == nullptr) {
        state = static_cast<CheckState *>(MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CheckState)));
        state->source = find_grant_source();
        state->statement = now;
        state->today = GetSQLCurrentDate();
        fcinfo->flinfo->fn_extra = state;
    } else if (!(state->statement == now)) {
        state->statement = now;
        state->today = GetSQLCurrentDate();
        state->table.clear();
        state->has_last = false;
    }
    return state;
}

}  // namespace

Grant cached_grant(FunctionCallInfo fcinfo, const GrantKey &key, DayNumber *today) {
    Snapshot snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
    CheckState *state = state_for(fcinfo, snapshot);
    *today = state->today;
    if (state->has_last && same_key(state->last_key, key)) return state->last_grant;
    const Grant *found = state->table.find(key);
    Grant grant = found != nullptr ? *found : lookup_grant(state->source, snapshot, key);
    if (found == nullptr && !state->table.insert(key, grant)) {
        make_room(fcinfo, state);
        state->table.insert(key, grant);
    }
    state->has_last = true;
    state->last_key = key;
    state->last_grant = grant;
    return grant;
}

std::size_t peak_cache_bytes() { return peak_bytes; }

}  // namespace customer_access::pg

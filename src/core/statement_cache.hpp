// One statement's grant cache: every check of a statement asks it, and it reads the grants
// table at most once per distinct (user, customer) pair, or once per user when it is cheaper
// to read all of a user's grants (after kLookupsBeforeBulkLoad single lookups). Bounded at
// kMaxSlots slots: past that it starts over. The PostgreSQL side feeds it through GrantStore
// (index lookups, a user's grants, memory); everything here is plain data, so the cache can
// live in PostgreSQL memory and a lookup may raise a PostgreSQL error through it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "grant_cache.hpp"

namespace customer_access {

// Receives each grant of a user during GrantStore::scan_user.
using GrantSink = void (*)(void *sink, const Uuid &customer, const Grant &grant);

// What the cache needs from where the grants live.
struct GrantStore {
    void *context;
    // The grant of one pair (exists false when there is none).
    Grant (*lookup)(void *context, const Uuid &user, const Uuid &customer);
    // Every grant of the user, into sink.
    void (*scan_user)(void *context, const Uuid &user, GrantSink sink, void *sink_context);
    // `bytes` zeroed bytes, aligned for any object; and giving them back.
    void *(*allocate_zeroed)(void *context, std::size_t bytes);
    void (*release)(void *context, void *memory);
};

struct CacheCounters {
    std::uint64_t calls;
    std::uint64_t hits;           // answered without reading the grants
    std::uint64_t index_lookups;  // single-pair reads
    std::uint64_t bulk_loads;     // reads of all of a user's grants
    std::uint64_t peak_bytes;     // the largest table any statement built
};

class StatementGrantCache {
  public:
    // 65,536 slots (2.1 MB, 49,152 grants) at most: past that the cache starts over, so a user
    // with any number of grants works in bounded memory.
    static constexpr std::uint32_t kMaxSlots = 1u << 16;

    // The grant of (user, customer).
    Grant grant(const GrantStore &store, const Uuid &user, const Uuid &customer,
                CacheCounters &counters);

    // The per-row path: the grant of (user, customer) when the cache can answer without
    // reading the grants table (the pair is in the table, or the user is complete and has no
    // grant on the customer) and the user is the one asked about last; counted as a call and
    // a hit. False otherwise: grant() then answers.
    bool known(const Uuid &user_id, const Uuid &customer, Grant *out, CacheCounters &counters) {
        int user = users_.last_slot_of(user_id);
        if (user < 0)
            return false;
        if (!table_.find(user, customer, out)) {
            if (!users_.complete(user))
                return false;
            *out = Grant{false, 0, Window{true, 0}};
        }
        ++counters.calls;
        ++counters.hits;
        return true;
    }

    // Forgets every answer (the table's memory is kept).
    void forget_everything();

    // Gives the table's memory back (where the memory goes with its context, not needed).
    void release(const GrantStore &store);

  private:
    bool grow(const GrantStore &store, CacheCounters &counters);
    void remember(const GrantStore &store, int user, const Uuid &customer, const Grant &grant,
                  CacheCounters &counters);
    void bulk_load(const GrantStore &store, int user, const Uuid &user_id, CacheCounters &counters);
    static void load_one(void *sink, const Uuid &customer, const Grant &grant);

    UserSlots users_;
    GrantTable table_;
    bool has_last_ = false;
    int last_user_ = 0;
    Uuid last_customer_{};
    Grant last_grant_{false, 0, Window{true, 0}};
    // set during a bulk load
    const GrantStore *loading_store_ = nullptr;
    CacheCounters *loading_counters_ = nullptr;
    int loading_user_ = 0;
    bool loading_overflow_ = false;
};

static_assert(std::is_trivially_destructible_v<StatementGrantCache>);

}  // namespace customer_access

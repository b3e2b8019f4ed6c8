// The per-query state of the access checks, kept in fn_extra and allocated in fn_mcxt, so
// it lives exactly as long as the query's expression state and is never shared.
#pragma once

#include "../core/grant_cache.hpp"
#include "grant_lookup.hpp"

namespace customer_access::pg {

// Answers "what is the grant of (user, customer)?" for one query: the grants table is read
// at most once per distinct pair (and once per user who is checked against many customers),
// under the statement's snapshot.
Grant cached_grant(FunctionCallInfo fcinfo, const Uuid &user, const Uuid &customer,
                   DayNumber *today);

// This backend's counters, for cache_stats(): checks answered, answers from the cache, single
// index lookups, bulk loads of a user's grants, and the largest cache any query built.
struct CacheStats {
    std::uint64_t calls;
    std::uint64_t hits;
    std::uint64_t index_lookups;
    std::uint64_t bulk_loads;
    std::uint64_t peak_bytes;
};
const CacheStats &cache_stats();

}  // namespace customer_access::pg

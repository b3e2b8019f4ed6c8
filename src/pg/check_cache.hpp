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

// The largest cache (in bytes) any query of this backend has built; for scripts/bench.
std::size_t peak_cache_bytes();

}  // namespace customer_access::pg

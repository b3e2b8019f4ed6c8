// The per-statement state of the access checks: one cache per statement snapshot, shared by
// every call site of the statement, freed with the transaction.
#pragma once

#include "core/grant_cache.hpp"
#include "core/statement_cache.hpp"
#include "pg/checks/grant_lookup.hpp"

namespace customer_access::pg {

// Answers "what is the grant of (user, customer)?" for one statement: the grants table is
// read at most once per distinct pair (and once per user who is checked against many
// customers), however many calls in the statement ask, under the statement's snapshot.
Grant cached_grant(const Uuid &user, const Uuid &customer, DayNumber *today);

// This backend's counters, for cache_stats(): checks answered, answers from the cache, single
// index lookups, bulk loads of a user's grants, and the largest cache any statement built.
const CacheCounters &cache_stats();

// At module load: the cache follows subtransaction aborts.
void install_check_cache_callbacks();

}  // namespace customer_access::pg

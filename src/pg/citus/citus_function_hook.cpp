#include "pg/citus/citus_function_hook.hpp"

#include "pg/boundary/compat.hpp"
#include "pg/citus/citus_bridge.hpp"
#include "pg/citus/placement_guard.hpp"
#include "pg/citus/result_guard.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "utils/catcache.h"
#include "utils/inval.h"
#include "utils/syscache.h"
}

namespace customer_access::pg {
namespace {

needs_fmgr_hook_type previous_needs = nullptr;
fmgr_hook_type previous_hook = nullptr;

struct WatchedName {
    const char *schema;
    const char *name;
    WatchedCitusFunction kind;
};

// (citus_internal.x and the older pg_catalog.citus_internal_x are the same functions)
constexpr WatchedName kWatched[] = {
    {"citus_internal", "delete_placement_metadata", WatchedCitusFunction::kPlacementMetadata},
    {"pg_catalog", "citus_internal_delete_placement_metadata",
     WatchedCitusFunction::kPlacementMetadata},
    {"citus_internal", "update_none_dist_table_metadata", WatchedCitusFunction::kPlacementMetadata},
    {"pg_catalog", "citus_internal_update_none_dist_table_metadata",
     WatchedCitusFunction::kPlacementMetadata},
    {"pg_catalog", "read_intermediate_result", WatchedCitusFunction::kIntermediateResults},
    {"pg_catalog", "read_intermediate_results", WatchedCitusFunction::kIntermediateResults},
    {"pg_catalog", "create_intermediate_result", WatchedCitusFunction::kIntermediateResults},
    {"pg_catalog", "broadcast_intermediate_result", WatchedCitusFunction::kIntermediateResults},
    {"pg_catalog", "worker_partition_query_result", WatchedCitusFunction::kIntermediateResults},
    {"pg_catalog", "fetch_intermediate_results", WatchedCitusFunction::kFetchResults},
};

constexpr int kMaxFound = 32;
struct Found {
    Oid function;
    WatchedCitusFunction kind;
};
Found found[kMaxFound];
int found_count = 0;
bool resolved = false;
bool resolving = false;

void add_overloads(const WatchedName &watched) {
    Oid schema = get_namespace_oid(watched.schema, true);
    if (!OidIsValid(schema))
        return;
    CatCList *list = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(watched.name));
    for (int i = 0; i < list->n_members; ++i) {
        auto *proc = reinterpret_cast<Form_pg_proc>(GETSTRUCT(&list->members[i]->tuple));
        if (proc->pronamespace != schema)
            continue;
        if (found_count == kMaxFound) {
            ReleaseSysCacheList(list);
            elog(ERROR, "too many overloads of Citus function %s.%s", watched.schema, watched.name);
        }
        found[found_count++] = Found{proc->oid, watched.kind};
    }
    ReleaseSysCacheList(list);
}

void resolve() {
    if (resolved || resolving || !IsTransactionState())
        return;
    // (the lookups call functions, which ask needs_watch again: not resolved meanwhile; an
    // ERROR in them must not leave the flag set, which would switch the guards off for good)
    resolving = true;
    PG_TRY();
    {
        found_count = 0;
        for (const WatchedName &watched : kWatched)
            add_overloads(watched);
        resolved = true;
    }
    PG_FINALLY();
    { resolving = false; }
    PG_END_TRY();
}

WatchedCitusFunction kind_of(Oid function) {
    if (!resolved || !OidIsValid(function))
        return WatchedCitusFunction::kNone;
    for (int i = 0; i < found_count; ++i)
        if (found[i].function == function)
            return found[i].kind;
    return WatchedCitusFunction::kNone;
}

void forget_functions(Datum, int, uint32) {
    resolved = false;
}

bool needs_watch(Oid function) {
    // (built-in functions first: the catalog caches look theirs up while being built)
    if (function >= FirstNormalObjectId && citus_loaded()) {
        resolve();
        if (kind_of(function) != WatchedCitusFunction::kNone)
            return true;
    }
    return previous_needs != nullptr && previous_needs(function);
}

void watch_call(FmgrHookEventType event, FmgrInfo *flinfo, Datum *arg) {
    // (again here: a change of pg_proc since the function was looked up must not let its
    // call through unwatched)
    if (citus_loaded())
        resolve();
    WatchedCitusFunction kind = kind_of(flinfo->fn_oid);
    switch (kind) {
        case WatchedCitusFunction::kNone:
            // (the previous hook keeps its own state in *arg only for functions it asked for)
            if (previous_hook != nullptr)
                previous_hook(event, flinfo, arg);
            return;
        case WatchedCitusFunction::kPlacementMetadata:
            placement_metadata_call(event);
            return;
        case WatchedCitusFunction::kIntermediateResults:
        case WatchedCitusFunction::kFetchResults:
            intermediate_results_call(event, kind == WatchedCitusFunction::kFetchResults);
            return;
    }
}

}  // namespace

void install_citus_function_hook() {
    previous_needs = needs_fmgr_hook;
    needs_fmgr_hook = needs_watch;
    previous_hook = fmgr_hook;
    fmgr_hook = watch_call;
    CacheRegisterSyscacheCallback(PROCOID, forget_functions, 0);
}

}  // namespace customer_access::pg

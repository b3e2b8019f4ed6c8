#include "pg/citus/placement_guard.hpp"

#include "pg/boundary/compat.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/citus/citus_bridge.hpp"

extern "C" {
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/inval.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace customer_access::pg {
namespace {

needs_fmgr_hook_type previous_needs = nullptr;
fmgr_hook_type previous_hook = nullptr;

// The function under both of its names (citus_internal.delete_placement_metadata and the
// older pg_catalog.citus_internal_delete_placement_metadata), found once and again after any
// change of pg_proc.
bool resolved = false;
bool resolving = false;
Oid guarded[2] = {InvalidOid, InvalidOid};

Oid lookup(const char *schema, const char *name) {
    Oid types[1] = {INT8OID};
    return LookupFuncName(list_make2(makeString(pstrdup(schema)), makeString(pstrdup(name))), 1,
                          types, true);
}

void resolve() {
    if (resolved || resolving || !IsTransactionState())
        return;
    resolving = true;
    guarded[0] = get_namespace_oid("citus_internal", true) != InvalidOid
                     ? lookup("citus_internal", "delete_placement_metadata")
                     : InvalidOid;
    guarded[1] = lookup("pg_catalog", "citus_internal_delete_placement_metadata");
    resolving = false;
    resolved = true;
}

void forget_functions(Datum, int, uint32) {
    resolved = false;
}

bool needs_guard(Oid function) {
    // (built-in functions first: the catalog caches look theirs up while being built)
    if (function >= FirstNormalObjectId && citus_loaded()) {
        resolve();
        if (OidIsValid(function) && (function == guarded[0] || function == guarded[1]))
            return true;
    }
    return previous_needs != nullptr && previous_needs(function);
}

// The grants' shard when they are a Citus table here, else 0.
int64 grants_shard() {
    if (!OidIsValid(installed_extension()))
        return 0;
    const ExtensionCatalog &c = extension_catalog();
    return c.distributed ? c.grants_shard : 0;
}

int64 placements_of(int64 shard) {
    InvalidateCatalogSnapshot();
    return placement_count(shard);
}

// The placements of the grants' shard when the call started (the function does not nest).
int64 placements_before = 0;

void guard_call(FmgrHookEventType event, FmgrInfo *flinfo, Datum *arg) {
    bool ours = OidIsValid(flinfo->fn_oid) &&
                (flinfo->fn_oid == guarded[0] || flinfo->fn_oid == guarded[1]);
    // (the previous hook keeps its own state in *arg only for functions it asked for)
    if (!ours) {
        if (previous_hook != nullptr)
            previous_hook(event, flinfo, arg);
        return;
    }
    if (superuser())
        return;
    if (event == FHET_START) {
        int64 shard = grants_shard();
        *arg = Int64GetDatum(shard);
        placements_before = shard != 0 ? placements_of(shard) : 0;
    } else if (event == FHET_END) {
        // (by the shard id noted at the start: the catalog's view of it may be gone now)
        int64 shard = DatumGetInt64(*arg);
        if (shard != 0 && placements_of(shard) < placements_before)
            ereport(ERROR,
                    (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                     errmsg("only a superuser may take a copy of customer_access.external_access "
                            "out of the Citus metadata"),
                     errdetail("Citus does not check who deletes a placement; the node's copy "
                               "would keep answering the checks with grants that no longer "
                               "change there.")));
    }
}

}  // namespace

void install_placement_guard() {
    previous_needs = needs_fmgr_hook;
    needs_fmgr_hook = needs_guard;
    previous_hook = fmgr_hook;
    fmgr_hook = guard_call;
    CacheRegisterSyscacheCallback(PROCOID, forget_functions, 0);
}

}  // namespace customer_access::pg

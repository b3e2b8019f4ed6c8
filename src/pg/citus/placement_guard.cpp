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

// The functions under both of their names (citus_internal.x and the older
// pg_catalog.citus_internal_x), found once and again after any change of pg_proc.
constexpr int kGuarded = 4;
bool resolved = false;
bool resolving = false;
Oid guarded[kGuarded] = {InvalidOid, InvalidOid, InvalidOid, InvalidOid};

Oid lookup(const char *schema, const char *name, int nargs, const Oid *types) {
    return LookupFuncName(list_make2(makeString(pstrdup(schema)), makeString(pstrdup(name))), nargs,
                          types, true);
}

void resolve() {
    if (resolved || resolving || !IsTransactionState())
        return;
    // (the lookups call functions, which ask needs_guard again: not resolved meanwhile; an
    // ERROR in them must not leave the flag set, which would switch the guard off for good)
    resolving = true;
    PG_TRY();
    {
        const Oid delete_types[1] = {INT8OID};
        const Oid update_types[4] = {OIDOID, CHAROID, INT8OID, BOOLOID};
        bool schema = OidIsValid(get_namespace_oid("citus_internal", true));
        guarded[0] = schema ? lookup("citus_internal", "delete_placement_metadata", 1, delete_types)
                            : InvalidOid;
        guarded[1] =
            lookup("pg_catalog", "citus_internal_delete_placement_metadata", 1, delete_types);
        guarded[2] =
            schema ? lookup("citus_internal", "update_none_dist_table_metadata", 4, update_types)
                   : InvalidOid;
        guarded[3] =
            lookup("pg_catalog", "citus_internal_update_none_dist_table_metadata", 4, update_types);
        resolved = true;
    }
    PG_FINALLY();
    { resolving = false; }
    PG_END_TRY();
}

bool is_guarded(Oid function) {
    if (!OidIsValid(function))
        return false;
    for (Oid each : guarded)
        if (function == each)
            return true;
    return false;
}

void forget_functions(Datum, int, uint32) {
    resolved = false;
}

bool needs_guard(Oid function) {
    // (built-in functions first: the catalog caches look theirs up while being built)
    if (function >= FirstNormalObjectId && citus_loaded()) {
        resolve();
        if (is_guarded(function))
            return true;
    }
    return previous_needs != nullptr && previous_needs(function);
}

// The grants and their shard when they are a Citus table here, and what the metadata said of
// them when the call started (the functions do not nest).
Oid grants = InvalidOid;
int64 shard = 0;
CitusTableMetadata before{};

void guard_call(FmgrHookEventType event, FmgrInfo *flinfo, Datum *arg) {
    bool ours = is_guarded(flinfo->fn_oid);
    // (the previous hook keeps its own state in *arg only for functions it asked for)
    if (!ours) {
        if (previous_hook != nullptr)
            previous_hook(event, flinfo, arg);
        return;
    }
    if (superuser())
        return;
    if (event == FHET_START) {
        grants = InvalidOid;
        if (!OidIsValid(installed_extension()) || !extension_catalog().distributed)
            return;
        grants = extension_catalog().grants;
        shard = extension_catalog().grants_shard;
        InvalidateCatalogSnapshot();
        before = citus_table_metadata(grants, shard);
    } else if (event == FHET_END && OidIsValid(grants)) {
        // (by what was noted at the start: the catalog's view of the grants may be gone now)
        InvalidateCatalogSnapshot();
        if (!(citus_table_metadata(grants, shard) == before))
            ereport(ERROR,
                    (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                     errmsg("only a superuser may change the Citus metadata of "
                            "customer_access.external_access"),
                     errdetail("Citus does not check who changes it; a copy of the grants left "
                               "out, or the table made a single-shard one, would keep "
                               "answering the checks with grants that no longer change "
                               "there.")));
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

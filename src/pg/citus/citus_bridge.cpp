#include "pg/citus/citus_bridge.hpp"

#include <dlfcn.h>

#include <cstring>

extern "C" {
#include "access/heapam.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "commands/extension.h"
#include "nodes/extensible.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

namespace customer_access::pg {
namespace {

// Citus's DistributedTransactionId (transaction_identifier.h).
struct DistributedTransactionId {
    int initiatorNodeIdentifier;
    bool transactionOriginator;
    uint64 transactionNumber;
    TimestampTz timestamp;
};

// A Citus function by name, or nullptr when Citus is not loaded. Libraries are loaded with
// RTLD_GLOBAL, so the default scope finds them without loading anything.
template <typename F>
F citus_symbol(const char *name) {
    return reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
}

// Looked up once per backend (the checks call some of these per row).
template <typename F>
F required_symbol(const char *name, F &cached) {
    if (cached != nullptr)
        return cached;
    F f = citus_symbol<F>(name);
    cached = f;
    // Builds with PGXS's default symbol visibility on newer PostgreSQL versions keep Citus's
    // internal functions to itself: the distributed identity cannot be handed on then.
    if (f == nullptr)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("this build of Citus does not export %s()", name),
                        errdetail("customer_access hands the application user to the Citus "
                                  "nodes through Citus's internal functions."),
                        errhint("customer_access supports Citus 13 built with its symbols "
                                "visible (README, \"Scaling out\").")));
    return f;
}

// The first row of a Citus metadata table whose column equals key, as a copy of the column
// `wanted` (byval types only); nullopt when there is none.
std::optional<Datum> metadata_value(const char *table, const char *column, Datum key,
                                    RegProcedure equal, const char *wanted) {
    Oid relid = get_relname_relid(table, PG_CATALOG_NAMESPACE);
    if (!OidIsValid(relid))
        return std::nullopt;
    Relation rel = table_open(relid, AccessShareLock);
    AttrNumber key_column = get_attnum(relid, column);
    AttrNumber wanted_column = get_attnum(relid, wanted);
    if (key_column == InvalidAttrNumber || wanted_column == InvalidAttrNumber)
        elog(ERROR, "unexpected layout of %s", table);
    ScanKeyData scan_key;
    ScanKeyInit(&scan_key, key_column, BTEqualStrategyNumber, equal, key);
    Snapshot snapshot = RegisterSnapshot(GetCatalogSnapshot(relid));
    TableScanDesc scan = table_beginscan(rel, snapshot, 1, &scan_key);
    HeapTuple tuple = heap_getnext(scan, ForwardScanDirection);
    std::optional<Datum> value;
    if (tuple != nullptr) {
        bool isnull;
        Datum d = heap_getattr(tuple, wanted_column, RelationGetDescr(rel), &isnull);
        if (!isnull)
            value = d;
    }
    table_endscan(scan);
    UnregisterSnapshot(snapshot);
    table_close(rel, AccessShareLock);
    return value;
}

bool placement_in_group(int64 shard, int32 group) {
    Oid relid = get_relname_relid("pg_dist_placement", PG_CATALOG_NAMESPACE);
    if (!OidIsValid(relid))
        return false;
    Relation rel = table_open(relid, AccessShareLock);
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], get_attnum(relid, "shardid"), BTEqualStrategyNumber, F_INT8EQ,
                Int64GetDatum(shard));
    ScanKeyInit(&keys[1], get_attnum(relid, "groupid"), BTEqualStrategyNumber, F_INT4EQ,
                Int32GetDatum(group));
    Snapshot snapshot = RegisterSnapshot(GetCatalogSnapshot(relid));
    TableScanDesc scan = table_beginscan(rel, snapshot, 2, keys);
    bool found = heap_getnext(scan, ForwardScanDirection) != nullptr;
    table_endscan(scan);
    UnregisterSnapshot(snapshot);
    table_close(rel, AccessShareLock);
    return found;
}

int32 local_group() {
    Oid relid = get_relname_relid("pg_dist_local_group", PG_CATALOG_NAMESPACE);
    if (!OidIsValid(relid))
        return 0;
    Relation rel = table_open(relid, AccessShareLock);
    Snapshot snapshot = RegisterSnapshot(GetCatalogSnapshot(relid));
    TableScanDesc scan = table_beginscan(rel, snapshot, 0, nullptr);
    HeapTuple tuple = heap_getnext(scan, ForwardScanDirection);
    int32 group = 0;
    if (tuple != nullptr) {
        bool isnull;
        Datum d = heap_getattr(tuple, get_attnum(relid, "groupid"), RelationGetDescr(rel), &isnull);
        if (!isnull)
            group = DatumGetInt32(d);
    }
    table_endscan(scan);
    UnregisterSnapshot(snapshot);
    table_close(rel, AccessShareLock);
    return group;
}

}  // namespace

bool citus_loaded() {
    // Citus loads only through shared_preload_libraries, so a backend's answer never changes;
    // asked once (the checks ask per row). An SQL-callable function's symbol: exported by
    // every build, whatever its symbol visibility.
    static int loaded = -1;
    if (loaded < 0)
        loaded = citus_symbol<void *>("citus_version") != nullptr ? 1 : 0;
    return loaded == 1;
}

bool in_citus_internal_backend() {
    return citus_loaded() && application_name != nullptr &&
           strncmp(application_name, "citus_internal gpid=", 20) == 0;
}

std::optional<CarrierBinding> current_distributed_transaction() {
    if (!citus_loaded())
        return std::nullopt;
    static DistributedTransactionId *(*get)() = nullptr;
    auto current = required_symbol("GetCurrentDistributedTransactionId", get);
    DistributedTransactionId *id = current();
    if (id == nullptr || id->transactionNumber == 0)
        return std::nullopt;
    return CarrierBinding{id->initiatorNodeIdentifier, id->transactionNumber, id->timestamp};
}

CarrierBinding start_coordinated_transaction() {
    static void (*use)() = nullptr;
    required_symbol("UseCoordinatedTransaction", use)();
    std::optional<CarrierBinding> id = current_distributed_transaction();
    if (!id)
        elog(ERROR, "Citus assigned no distributed transaction id");
    return *id;
}

void propagate_set_local(const char *name, const char *value) {
    static void (*post)(VariableSetStmt *, const char *) = nullptr;
    auto propagate = required_symbol("PostprocessVariableSetStmt", post);
    VariableSetStmt *stmt = makeNode(VariableSetStmt);
    stmt->kind = VAR_SET_VALUE;
    stmt->name = pstrdup(name);
    stmt->is_local = true;
    propagate(stmt, psprintf("SET LOCAL %s = '%s'", name, value));
}

uint64 citus_global_pid() {
    static uint64 (*get)() = nullptr;
    return required_symbol("GetGlobalPID", get)();
}

namespace {

uint64 local_executor_shard() {
    static uint64 *executing = nullptr;
    if (executing == nullptr && citus_loaded())
        executing = citus_symbol<uint64 *>("LocalExecutorShardId");
    return executing != nullptr ? *executing : 0;
}

}  // namespace

bool in_local_execution_of(int64 shard) {
    return local_executor_shard() == static_cast<uint64>(shard);
}

bool in_local_execution() {
    return local_executor_shard() != 0;
}

namespace {

// Citus's distributed scans carry the methods it registered under these names when it
// loaded (citus_custom_scan.c): found by name, since a build may keep IsCitusPlan() to itself.
bool is_citus_scan(const Plan *plan) {
    static const CustomScanMethods *citus_methods[4] = {};
    if (!IsA(plan, CustomScan))
        return false;
    if (citus_methods[0] == nullptr) {
        const char *names[4] = {"Citus Adaptive", "Citus INSERT ... SELECT", "Citus MERGE INTO ...",
                                "Citus Delayed Error"};
        for (int i = 0; i < 4; ++i)
            citus_methods[i] = GetCustomScanMethods(names[i], true);
    }
    const CustomScanMethods *methods = reinterpret_cast<const CustomScan *>(plan)->methods;
    for (const CustomScanMethods *m : citus_methods)
        if (m != nullptr && methods == m)
            return true;
    return false;
}

}  // namespace

bool is_citus_plan(Plan *plan) {
    if (plan == nullptr || !citus_loaded())
        return false;
    return is_citus_scan(plan) || is_citus_plan(plan->lefttree) || is_citus_plan(plan->righttree);
}

RowHome row_home(Oid table) {
    RowHome home{false, table, 0, 0};
    if (!citus_loaded() || !OidIsValid(get_extension_oid("citus", true)))
        return home;
    if (!metadata_value("pg_dist_partition", "logicalrelid", ObjectIdGetDatum(table), F_OIDEQ,
                        "logicalrelid"))
        return home;
    home.distributed = true;
    home.relation = InvalidOid;
    home.group = local_group();
    std::optional<Datum> shard = metadata_value("pg_dist_shard", "logicalrelid",
                                                ObjectIdGetDatum(table), F_OIDEQ, "shardid");
    if (!shard)
        return home;
    home.shard = DatumGetInt64(*shard);
    if (placement_in_group(home.shard, home.group))
        home.relation =
            get_relname_relid(psprintf("%s_" INT64_FORMAT, get_rel_name(table), home.shard),
                              get_rel_namespace(table));
    return home;
}

}  // namespace customer_access::pg

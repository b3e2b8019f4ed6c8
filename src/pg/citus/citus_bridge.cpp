#include "pg/citus/citus_bridge.hpp"

#include <dlfcn.h>

#include <cstring>

extern "C" {
#include "access/heapam.h"
#include "lib/ilist.h"
#include "portability/instr_time.h"
#include "utils/hsearch.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "nodes/extensible.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "storage/spin.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "executor/spi.h"
}

#include "pg/catalog/pinned_search_path.hpp"

namespace customer_access::pg {
namespace {

// Citus's DistributedTransactionId (transaction_identifier.h).
struct DistributedTransactionId {
    int initiatorNodeIdentifier;
    bool transactionOriginator;
    uint64 transactionNumber;
    TimestampTz timestamp;
};

// The layout of Citus 13's connection cache (connection_management.h): the hash key and entry,
// and the leading fields of a connection up to its list node. Checked against each other
// where they are read.
constexpr int kMaxNodeLength = 255;
struct CitusConnectionKey {
    char hostname[kMaxNodeLength];
    int32 port;
    char user[NAMEDATALEN];
    char database[NAMEDATALEN];
    bool replicationConnParam;
};
struct CitusConnectionEntry {
    CitusConnectionKey key;
    dlist_head *connections;
    bool isValid;
};
struct CitusConnection {
    char hostname[kMaxNodeLength];
    int32 port;
    char user[NAMEDATALEN];
    char database[NAMEDATALEN];
    void *pgConn;
    uint64 connectionId;
    int connectionState;
    bool ioReady;
    int waitFlags;
    bool forceCloseAtTransactionEnd;
    bool claimedExclusively;
    bool isReplicationOriginSessionSetup;
    bool useForMetadataOperations;
    instr_time connectionEstablishmentStart;
    instr_time connectionEstablishmentEnd;
    dlist_node connectionNode;
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

int32 read_local_group() {
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

int *citus_procedure_level() {
    static int *level = nullptr;
    if (level == nullptr && citus_loaded())
        required_symbol("StoredProcedureLevel", level);
    return level;
}

int32 local_group_id() {
    return read_local_group();
}

std::optional<int32> group_of_node(int32 node) {
    std::optional<Datum> group =
        metadata_value("pg_dist_node", "nodeid", Int32GetDatum(node), F_INT4EQ, "groupid");
    if (!group)
        return std::nullopt;
    return DatumGetInt32(*group);
}

CitusTableMetadata citus_table_metadata(Oid table, int64 shard) {
    CitusTableMetadata m{placement_count(shard), {0, 0, 0}};
    const char *columns[3] = {"partmethod", "repmodel", "colocationid"};
    for (int i = 0; i < 3; ++i) {
        std::optional<Datum> value = metadata_value("pg_dist_partition", "logicalrelid",
                                                    ObjectIdGetDatum(table), F_OIDEQ, columns[i]);
        m.partition[i] = value ? static_cast<int64>(*value) : -1;
    }
    return m;
}

int64 placement_count(int64 shard) {
    Oid relid = get_relname_relid("pg_dist_placement", PG_CATALOG_NAMESPACE);
    if (!OidIsValid(relid))
        return 0;
    Relation rel = table_open(relid, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, get_attnum(relid, "shardid"), BTEqualStrategyNumber, F_INT8EQ,
                Int64GetDatum(shard));
    Snapshot snapshot = RegisterSnapshot(GetCatalogSnapshot(relid));
    TableScanDesc scan = table_beginscan(rel, snapshot, 1, &key);
    int64 count = 0;
    while (heap_getnext(scan, ForwardScanDirection) != nullptr)
        ++count;
    table_endscan(scan);
    UnregisterSnapshot(snapshot);
    table_close(rel, AccessShareLock);
    return count;
}

bool citus_local_execution_enabled() {
    const char *value = GetConfigOption("citus.enable_local_execution", true, false);
    return value == nullptr || strcmp(value, "off") != 0;
}

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

std::optional<DistributedTransaction> current_distributed_transaction() {
    if (!citus_loaded())
        return std::nullopt;
    static DistributedTransactionId *(*get)() = nullptr;
    auto current = required_symbol("GetCurrentDistributedTransactionId", get);
    DistributedTransactionId *id = current();
    if (id == nullptr || id->transactionNumber == 0)
        return std::nullopt;
    return DistributedTransaction{id->initiatorNodeIdentifier, id->transactionNumber,
                                  id->timestamp};
}

bool distributed_transaction_originator() {
    if (!citus_loaded())
        return false;
    static DistributedTransactionId *(*get)() = nullptr;
    DistributedTransactionId *id = required_symbol("GetCurrentDistributedTransactionId", get)();
    return id != nullptr && id->transactionNumber != 0 && id->transactionOriginator;
}

DistributedTransaction start_coordinated_transaction() {
    static void (*use)() = nullptr;
    required_symbol("UseCoordinatedTransaction", use)();
    std::optional<DistributedTransaction> id = current_distributed_transaction();
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

int connection_sessions(const char *user, SessionTag **tags) {
    static HTAB **hash = nullptr;
    static const char *(*parameter_status)(const void *, const char *) = nullptr;
    if (hash == nullptr)
        hash = required_symbol("ConnectionHash", hash);
    required_symbol("PQparameterStatus", parameter_status);
    const char *database = get_database_name(MyDatabaseId);
    int count = 0, capacity = 16;
    *tags = static_cast<SessionTag *>(palloc(capacity * sizeof(SessionTag)));
    if (*hash == nullptr)
        return 0;
    HASH_SEQ_STATUS status;
    hash_seq_init(&status, *hash);
    auto *entry = static_cast<CitusConnectionEntry *>(nullptr);
    while ((entry = static_cast<CitusConnectionEntry *>(hash_seq_search(&status))) != nullptr) {
        if (entry->connections == nullptr || strcmp(entry->key.user, user) != 0 ||
            strcmp(entry->key.database, database) != 0)
            continue;
        // (dlist_foreach and dlist_container are C-only macros)
        dlist_node *end = &entry->connections->head;
        for (dlist_node *node = end->next != nullptr ? end->next : end; node != end;
             node = node->next) {
            auto *connection = reinterpret_cast<CitusConnection *>(
                reinterpret_cast<char *>(node) - offsetof(CitusConnection, connectionNode));
            if (strcmp(connection->hostname, entry->key.hostname) != 0 ||
                connection->port != entry->key.port || strcmp(connection->user, user) != 0) {
                hash_seq_term(&status);
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("customer_access does not know this Citus version's "
                                       "connections"),
                                errhint("customer_access supports Citus 13.")));
            }
            const char *text = connection->pgConn != nullptr
                                   ? parameter_status(connection->pgConn, "customer_access.session")
                                   : nullptr;
            std::optional<SessionTag> tag =
                text != nullptr ? parse_session_tag(text) : std::nullopt;
            if (!tag)
                continue;
            if (count == capacity) {
                capacity *= 2;
                *tags = static_cast<SessionTag *>(repalloc(*tags, capacity * sizeof(SessionTag)));
            }
            (*tags)[count++] = *tag;
        }
    }
    return count;
}

namespace {

// Citus's BackendData (backend_data.h), which GetBackendDataForProc() copies whole: kept in a
// buffer larger than the struct, and checked against this backend's own before it is used.
struct CitusBackendData {
    Oid databaseId;
    slock_t mutex;
    bool cancelledDueToDeadlock;
    uint64 globalPID;
    bool distributedCommandOriginator;
    DistributedTransactionId transactionId;
    bool activeBackend;
};
union BackendDataBuffer {
    CitusBackendData data;
    char room[512];
};

}  // namespace

bool transaction_held_in_other_database(const DistributedTransaction &transaction) {
    static void (*get)(PGPROC *, void *) = nullptr;
    required_symbol("GetBackendDataForProc", get);
    BackendDataBuffer mine{};
    get(MyProc, &mine);
    std::optional<DistributedTransaction> current = current_distributed_transaction();
    if (mine.data.databaseId != MyDatabaseId || !current ||
        mine.data.transactionId.transactionNumber != current->number ||
        mine.data.transactionId.initiatorNodeIdentifier != current->initiator)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("customer_access does not know this Citus version's backend data"),
                        errhint("customer_access supports Citus 13.")));
    // (what names the files is the initiator and the number, not the stamp; and every backend
    // counts, whoever it logged in as)
    for (int i = 0; i < MaxBackends; ++i) {
        PGPROC *proc = GetPGProcByNumber(i);
        if (proc->pid == 0 || proc == MyProc)
            continue;
        BackendDataBuffer other{};
        get(proc, &other);
        if (other.data.activeBackend && OidIsValid(other.data.databaseId) &&
            other.data.databaseId != MyDatabaseId &&
            other.data.transactionId.transactionNumber == transaction.number &&
            other.data.transactionId.initiatorNodeIdentifier == transaction.initiator)
            return true;
    }
    return false;
}

void connect_to_placements(int64 shard, const char *user, bool include_local) {
    static void *(*connect)(uint32, const char *, int32, const char *, const char *) = nullptr;
    required_symbol("GetNodeUserDatabaseConnection", connect);
    Oid types[2] = {INT8OID, INT4OID};
    Datum values[2] = {Int64GetDatum(shard), Int32GetDatum(include_local ? -1 : local_group_id())};
    int nest = pin_search_path();
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    if (SPI_execute_with_args(
            "SELECT n.nodename, n.nodeport FROM pg_catalog.pg_dist_placement p "
            "JOIN pg_catalog.pg_dist_node n ON n.groupid OPERATOR(pg_catalog.=) p.groupid "
            "WHERE p.shardid OPERATOR(pg_catalog.=) $1 AND n.isactive "
            "AND n.noderole OPERATOR(pg_catalog.=) 'primary' "
            "AND p.groupid OPERATOR(pg_catalog.<>) $2",
            2, types, values, nullptr, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "could not read the placements of shard " INT64_FORMAT, shard);
    for (uint64 i = 0; i < SPI_processed; ++i) {
        HeapTuple row = SPI_tuptable->vals[i];
        TupleDesc desc = SPI_tuptable->tupdesc;
        bool isnull = false;
        char *host = SPI_getvalue(row, desc, 1);
        int32 port = DatumGetInt32(SPI_getbinval(row, desc, 2, &isnull));
        if (host != nullptr && !isnull)
            (void)connect(0, host, port, user, nullptr);
    }
    SPI_finish();
    unpin_search_path(nest);
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
    home.group = local_group_id();
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

#include "pg/guard/table_extras.hpp"

#include "pg/boundary/boundary.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/triggers/trigger_rows.hpp"
#include "pg/catalog/pinned_search_path.hpp"
#include "pg/catalog/own_objects.hpp"
#include "pg/guard/code_rule.hpp"
#include "pg/catalog/relation_owner.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/extension.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "tcop/tcopprot.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "storage/lmgr.h"
}

namespace customer_access::pg {
namespace {

bool replaying = false;

template <std::size_t N>
Datum name_array(const char *const (&names)[N]) {
    Datum items[N];
    for (std::size_t i = 0; i < N; ++i)
        items[i] = CStringGetTextDatum(names[i]);
    return PointerGetDatum(construct_array(items, N, TEXTOID, -1, false, TYPALIGN_INT));
}

Datum oid_array(List *oids) {
    int count = list_length(oids);
    Datum *items = static_cast<Datum *>(palloc(sizeof(Datum) * (count > 0 ? count : 1)));
    ListCell *cell;
    int i = 0;
    foreach (cell, oids)
        items[i++] = ObjectIdGetDatum(lfirst_oid(cell));
    return PointerGetDatum(construct_array(items, count, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
}

// Whether a parsed statement is exactly what a row may re-create: one ALTER TABLE of the
// extension's table `relation` adding the FOREIGN KEY or CHECK constraint `name`, or one
// CREATE INDEX `name` on it. Anything else a row says is never run.
bool is_recorded_kind(Node *statement, const char *relation, const char *name) {
    auto ours = [&](const RangeVar *rv) {
        return rv != nullptr && rv->schemaname != nullptr &&
               strcmp(rv->schemaname, "customer_access") == 0 && rv->relname != nullptr &&
               strcmp(rv->relname, relation) == 0;
    };
    if (IsA(statement, AlterTableStmt)) {
        auto *stmt = castNode(AlterTableStmt, statement);
        if (!ours(stmt->relation) || list_length(stmt->cmds) != 1)
            return false;
        auto *cmd = castNode(AlterTableCmd, linitial(stmt->cmds));
        auto *constraint = reinterpret_cast<Constraint *>(cmd->def);
        return cmd->subtype == AT_AddConstraint && constraint != nullptr &&
               IsA(constraint, Constraint) &&
               (constraint->contype == CONSTR_FOREIGN || constraint->contype == CONSTR_CHECK) &&
               constraint->conname != nullptr && strcmp(constraint->conname, name) == 0;
    }
    if (IsA(statement, IndexStmt)) {
        auto *stmt = castNode(IndexStmt, statement);
        return ours(stmt->relation) && stmt->idxname != nullptr &&
               strcmp(stmt->idxname, name) == 0 && !stmt->concurrent;
    }
    return false;
}

// Runs SQL in a subtransaction; false (and nothing changed) when it fails. With `relation`
// and `name`, the SQL must be exactly one statement of a recorded kind (is_recorded_kind).
// The failures of an attempt that may simply be tried again later: what a record needs is
// missing or busy (55: our own lock_timeout while another session builds it), a deadlock or
// serialization failure with a restore's other session (40), a record the rules or the rows
// do not admit (42, 23, 22, 0A), or the elog() of a record that is no statement of its kind.
// Anything else (a query cancel or statement timeout, 57; a shutdown; out of memory, 53) is
// the caller's.
bool attempt_may_fail_with(int sqlerrcode) {
    if (sqlerrcode == ERRCODE_INTERNAL_ERROR)
        return true;
    int category = ERRCODE_TO_CATEGORY(sqlerrcode);
    for (int allowed :
         {ERRCODE_SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION, ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION,
          ERRCODE_DATA_EXCEPTION, ERRCODE_FEATURE_NOT_SUPPORTED,
          ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, ERRCODE_TRANSACTION_ROLLBACK})
        if (category == allowed)
            return true;
    return false;
}

bool load_order_lock(Oid extension, LOCKMODE mode, bool wait);

// `refused` (when given) tells a record the code or foreign-key rule refused (42501) from one
// that failed for a reason a later attempt may not meet. With `lock_extension`, takes the
// load order lock of that extension in `mode` (load_order_lock) instead of running SQL.
bool try_in_subtransaction(const char *sql, const char *relation, const char *name,
                           bool *refused = nullptr, Oid lock_extension = InvalidOid,
                           LOCKMODE mode = NoLock) {
    MemoryContext context = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    volatile bool ok = true;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(context);
    PG_TRY();
    {
        if (relation != nullptr) {
            List *statements = pg_parse_query(sql);
            if (list_length(statements) != 1 ||
                !is_recorded_kind(castNode(RawStmt, linitial(statements))->stmt, relation, name))
                elog(ERROR, "not one statement of a recorded kind: %s", sql);
            // The code and foreign-key rules, before anything of it is analysed or run (its
            // own event triggers would judge it only after a CHECK or key was validated, and
            // not at all with the exit on).
            Oid extension = get_extension_oid(kExtensionName, false);
            judge_recorded_statement(extension,
                                     get_relname_relid(relation, extension_schema(extension)),
                                     castNode(RawStmt, linitial(statements))->stmt, sql);
        }
        if (OidIsValid(lock_extension))
            (void)load_order_lock(lock_extension, mode, true);
        else if (SPI_execute(sql, false, 0) < 0)
            elog(ERROR, "could not run: %s", sql);
        ReleaseCurrentSubTransaction();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(context);
        ErrorData *error = CopyErrorData();
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(context);
        CurrentResourceOwner = owner;
        // Only the failures of an attempt that may be tried again later are ours to absorb
        // (what it needs is missing or busy, a deadlock with a concurrent restore); a query
        // cancel, a statement timeout, a shutdown and everything else go to the caller.
        if (!attempt_may_fail_with(error->sqlerrcode))
            ReThrowError(error);
        bool by_rule = error->sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE && relation != nullptr;
        if (refused != nullptr)
            *refused = by_rule;
        if (by_rule)
            ereport(
                WARNING,
                (errmsg("customer_access: a restored constraint or index was not re-created: %s",
                        error->message),
                 errdetail("The record of customer_access.table_extras was: %s", sql),
                 errhint("The record is removed: it will not be tried again.")));
        else
            ereport(DEBUG1, (errmsg_internal("customer_access: table_extras: %s: %s", sql,
                                             error->message)));
        FreeErrorData(error);
        ok = false;
    }
    PG_END_TRY();
    MemoryContextSwitchTo(context);
    CurrentResourceOwner = owner;
    return ok;
}

// Rows still to re-create here. A foreign key is tried only once the table it references has
// a valid unique index this session can see: trying earlier would only wait on, or deadlock
// with, the session that is building it, which re-creates the key itself when it is done.
const char *kPending =
    "SELECT e.relation::text, e.name::text, e.kind, e.definition "
    "  FROM customer_access.table_extras e "
    " WHERE e.created_in <> $1 "
    "   AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c "
    "        WHERE c.conrelid = pg_catalog.to_regclass('customer_access.' || "
    "                                                   pg_catalog.quote_ident(e.relation)) "
    "          AND c.conname = e.name) "
    "   AND pg_catalog.to_regclass('customer_access.' || pg_catalog.quote_ident(e.name)) IS NULL "
    "   AND (e.refers_to IS NULL OR EXISTS (SELECT FROM pg_catalog.pg_index x "
    "        WHERE x.indrelid = pg_catalog.to_regclass(e.refers_to) "
    "          AND x.indisunique AND x.indisvalid))";

const char *kRecord =
    "WITH ours AS (SELECT objid AS oid FROM pg_catalog.pg_depend WHERE refobjid = $2 AND deptype = "
    "'e' "
    "   AND classid = 'pg_catalog.pg_class'::pg_catalog.regclass) "
    "INSERT INTO customer_access.table_extras (relation, name, kind, definition, refers_to, "
    "                                          created_in) "
    "SELECT t.relname, c.conname, 'constraint', pg_catalog.pg_get_constraintdef(c.oid), "
    "       CASE WHEN c.contype = 'f' THEN pg_catalog.quote_ident(n.nspname) || '.' || "
    "                                      pg_catalog.quote_ident(r.relname) END, $1 "
    "  FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class t ON t.oid = c.conrelid "
    "  LEFT JOIN pg_catalog.pg_class r ON r.oid = c.confrelid "
    "  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace "
    " WHERE c.conrelid IN (SELECT oid FROM ours) AND c.contype IN ('f', 'c') "
    "   AND c.conname::text <> ALL ($3) AND c.oid <> ALL ($5) "
    "UNION ALL "
    "SELECT t.relname, i.relname, 'index', pg_catalog.pg_get_indexdef(i.oid), NULL, $1 "
    "  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
    "  JOIN pg_catalog.pg_class t ON t.oid = x.indrelid "
    " WHERE x.indrelid IN (SELECT oid FROM ours) AND i.relname::text <> ALL ($4) "
    "   AND i.oid <> ALL ($6) "
    "   AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.conindid = i.oid "
    "                      AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x')) "
    "ON CONFLICT DO NOTHING";

// The statement that re-creates a recorded object (checked again by is_recorded_kind).
char *statement_for(const char *relation, const char *name, const char *kind,
                    const char *definition) {
    if (strcmp(kind, "constraint") == 0)
        return psprintf("ALTER TABLE customer_access.%s ADD CONSTRAINT %s %s",
                        quote_identifier(relation), quote_identifier(name), definition);
    if (strcmp(kind, "index") == 0)
        return pstrdup(definition);
    return nullptr;
}

// The lock that orders a session loading restored rows (exclusive, to its commit) against
// sessions ending DDL (shared): a DDL session that finds nothing to do while rows are being
// loaded waits for the load to commit and looks again, so the second of the two always sees
// the first's work. A lock on the extension's own catalog entry, with a sub-id no command
// uses: no SQL takes it (an advisory lock key is anyone's, and a login holding it would make
// every superuser's primary key or unique index in the database wait).
constexpr uint16 kLoadLockSubId = 1;

// Takes it in `mode`, waiting when `wait`; without waiting, false when another session holds
// it in a conflicting mode.
bool load_order_lock(Oid extension, LOCKMODE mode, bool wait) {
    if (!wait)
        return ConditionalLockDatabaseObject(ExtensionRelationId, extension, kLoadLockSubId, mode);
    LockDatabaseObject(ExtensionRelationId, extension, kLoadLockSubId, mode);
    return true;
}

bool pending_rows(Datum database) {
    Oid types[1] = {OIDOID};
    Datum values[1] = {database};
    return SPI_execute_with_args(kPending, 1, types, values, nullptr, false, 1) == SPI_OK_SELECT &&
           SPI_processed > 0;
}

void replay_rows(Datum database);

void replay_pending(Datum database) {
    Oid types[1] = {OIDOID};
    Datum values[1] = {database};
    // Not read-only: the rows the current statement loaded must be seen.
    if (SPI_execute_with_args(kPending, 1, types, values, nullptr, false, 0) != SPI_OK_SELECT ||
        SPI_processed == 0)
        return;
    // Sessions of a parallel restore replay one after the other on the grants table (waiting
    // as long as it takes), and an attempt gives up at once on a referenced table another
    // session is still creating: that session replays it after us, so no two wait on each
    // other.
    if (SPI_execute("LOCK TABLE customer_access.external_access IN SHARE ROW EXCLUSIVE MODE", false,
                    0) != SPI_OK_UTILITY)
        elog(ERROR, "could not lock customer_access.external_access");
    char *lock_timeout = pstrdup(GetConfigOption("lock_timeout", false, false));
    (void)set_config_option("lock_timeout", "200", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                            true, 0, false);
    if (SPI_execute_with_args(kPending, 1, types, values, nullptr, false, 0) == SPI_OK_SELECT)
        replay_rows(database);
    (void)set_config_option("lock_timeout", lock_timeout, PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_SAVE, true, 0, false);
}

// Re-creates each pending row of SPI_tuptable it can; marks the ones it made.
void replay_rows(Datum database) {
    uint64 count = SPI_processed;
    SPITupleTable *rows = SPI_tuptable;
    for (uint64 i = 0; i < count; ++i) {
        HeapTuple row = rows->vals[i];
        char *relation = SPI_getvalue(row, rows->tupdesc, 1);
        char *name = SPI_getvalue(row, rows->tupdesc, 2);
        char *statement = statement_for(relation, name, SPI_getvalue(row, rows->tupdesc, 3),
                                        SPI_getvalue(row, rows->tupdesc, 4));
        if (statement == nullptr)
            continue;
        bool refused = false;
        Oid key_types[3] = {OIDOID, TEXTOID, TEXTOID};
        Datum key[3] = {database, CStringGetTextDatum(relation), CStringGetTextDatum(name)};
        if (try_in_subtransaction(statement, relation, name, &refused))
            SPI_execute_with_args(
                "UPDATE customer_access.table_extras SET created_in = $1 "
                "WHERE relation = $2::name AND name = $3::name",
                3, key_types, key, nullptr, false, 0);
        else if (refused)  // what the rules refuse is never made: the record goes
            SPI_execute_with_args(
                "DELETE FROM customer_access.table_extras "
                "WHERE relation = $2::name AND name = $3::name AND created_in <> $1",
                3, key_types, key, nullptr, false, 0);
    }
}

}  // namespace

namespace {

// Records the user's constraints and indexes of this database anew, as the owner of
// table_extras: the SQL is fixed and calls only deparsing functions, and any role's rename of
// a referenced table must reach the record, not only a superuser's.
void record_current(Oid extension, Oid schema, Datum database) {
    Oid acting_role;
    int context;
    GetUserIdAndSecContext(&acting_role, &context);
    Oid owner = relation_owner(get_relname_relid("table_extras", schema));
    if (!OidIsValid(owner))
        return;
    // What breaks the code or foreign-key rule (made before 1.3, say) is never recorded.
    List *refused_constraints = NIL, *refused_indexes = NIL;
    refused_table_objects(extension, &refused_constraints, &refused_indexes);
    SetUserIdAndSecContext(owner,
                           context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
    Oid types[1] = {OIDOID};
    Datum values[1] = {database};
    SPI_execute_with_args("DELETE FROM customer_access.table_extras WHERE created_in = $1", 1,
                          types, values, nullptr, false, 0);
    Oid record_types[6] = {OIDOID, OIDOID, TEXTARRAYOID, TEXTARRAYOID, OIDARRAYOID, OIDARRAYOID};
    Datum record[6] = {database,
                       ObjectIdGetDatum(extension),
                       name_array(kOwnConstraints),
                       name_array(kOwnIndexes),
                       oid_array(refused_constraints),
                       oid_array(refused_indexes)};
    int rc = SPI_execute_with_args(kRecord, 6, record_types, record, nullptr, false, 0);
    SetUserIdAndSecContext(acting_role, context);
    if (rc != SPI_OK_INSERT)
        elog(ERROR, "could not record the constraints and indexes of customer_access");
}

}  // namespace

void keep_table_extras(Oid extension, Oid schema, bool ours_changed, bool loading) {
    if (replaying || !OidIsValid(get_relname_relid("table_extras", schema)))
        return;
    Datum database = ObjectIdGetDatum(MyDatabaseId);
    // Definitions are written and read with every name schema-qualified. Under pg_restore -j
    // the sessions that load the rows and that create what they refer to run at once: each
    // replays what it can see (ordered by load_order_lock), waiting for the other's locks, and a
    // deadlock between two of them only undoes one attempt (each runs in its own
    // subtransaction); the other session then succeeds.
    int nest = pin_search_path();
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    replaying = true;
    PG_TRY();
    {
        bool replay = false;
        if (!superuser()) {
            // Only a superuser re-creates; any role's DDL may have renamed what a key refers to.
        } else if (loading) {
            replay =
                try_in_subtransaction(nullptr, nullptr, nullptr, nullptr, extension, ExclusiveLock);
        } else {
            replay = pending_rows(database);
            if (!replay && !load_order_lock(extension, ShareLock, false))
                replay = try_in_subtransaction(nullptr, nullptr, nullptr, nullptr, extension,
                                               ShareLock) &&
                         pending_rows(database);
        }
        if (replay)
            replay_pending(database);
        if (!loading && ours_changed)
            record_current(extension, schema, database);
    }
    PG_FINALLY();
    { replaying = false; }
    PG_END_TRY();
    SPI_finish();
    unpin_search_path(nest);
}

bool table_extras_target(Oid *extension, Oid *schema) {
    *extension = get_extension_oid("customer_access", true);
    if (!OidIsValid(*extension) || (creating_extension && CurrentExtensionObject == *extension))
        return false;
    *schema = extension_schema(*extension);
    return true;
}

}  // namespace customer_access::pg

using namespace customer_access::pg;

// replay_table_extras(): AFTER INSERT FOR EACH STATEMENT on table_extras only. Rows a restore
// loads are re-created at once when what they refer to exists already.
CUSTOMER_ACCESS_FUNCTION(replay_table_extras) {
    Oid extension, schema;
    if (!table_extras_target(&extension, &schema))
        return PointerGetDatum(nullptr);
    bound_trigger(fcinfo, "replay_table_extras", get_relname_relid("table_extras", schema));
    keep_table_extras(extension, schema, false, true);
    return PointerGetDatum(nullptr);
}

// protect_table_extras(): BEFORE INSERT, UPDATE OR DELETE (row) and BEFORE TRUNCATE on
// table_extras only. Its rows become constraints and indexes of the extension's tables when
// a superuser's session re-creates them: only superusers (a restore) and the extension
// itself write them, whatever privileges a role was granted on the table.
CUSTOMER_ACCESS_FUNCTION(protect_table_extras) {
    Oid extension, schema;
    if (!table_extras_target(&extension, &schema))
        return PointerGetDatum(nullptr);
    TriggerData *trigger =
        bound_trigger(fcinfo, "protect_table_extras", get_relname_relid("table_extras", schema));
    if (!TRIGGER_FIRED_BEFORE(trigger->tg_event))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("protect_table_extras() must be fired BEFORE")));
    if (!superuser() && !replaying)
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("only superusers and customer_access itself write "
                        "customer_access.table_extras"),
                 errdetail("Its rows become constraints and indexes of the extension's tables "
                           "in a superuser's session.")));
    if (!TRIGGER_FIRED_FOR_ROW(trigger->tg_event))
        return PointerGetDatum(nullptr);
    return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(trigger->tg_event) ? trigger->tg_newtuple
                                                                      : trigger->tg_trigtuple);
}

#include "table_extras.hpp"

#include "boundary.hpp"
#include "extension_catalog.hpp"
#include "grant_row.hpp"
#include "own_objects.hpp"

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

// Runs one statement in a subtransaction; false (and nothing changed) when it fails.
bool try_statement(const char *sql) {
    MemoryContext context = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    volatile bool ok = true;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(context);
    PG_TRY();
    {
        // Exactly one ALTER TABLE or CREATE INDEX, whatever the row says.
        List *statements = pg_parse_query(sql);
        Node *statement =
            list_length(statements) == 1 ? castNode(RawStmt, linitial(statements))->stmt : nullptr;
        if (statement == nullptr || !(IsA(statement, AlterTableStmt) || IsA(statement, IndexStmt)))
            elog(ERROR, "not one ALTER TABLE or CREATE INDEX: %s", sql);
        if (SPI_execute(sql, false, 0) < 0)
            elog(ERROR, "could not run: %s", sql);
        ReleaseCurrentSubTransaction();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(context);
        ErrorData *error = CopyErrorData();
        FlushErrorState();
        ereport(DEBUG1, (errmsg_internal("customer_access: not yet re-created: %s: %s", sql,
                                         error->message)));
        FreeErrorData(error);
        RollbackAndReleaseCurrentSubTransaction();
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
    "   AND (e.definition NOT LIKE 'FOREIGN KEY %' OR EXISTS (SELECT FROM pg_catalog.pg_index x "
    "        WHERE x.indrelid = pg_catalog.to_regclass(pg_catalog.substring(e.definition, "
    "                                                  'REFERENCES (.+?)\\(')) "
    "          AND x.indisunique AND x.indisvalid))";

const char *kRecord =
    "WITH ours AS (SELECT objid AS oid FROM pg_catalog.pg_depend WHERE refobjid = $2 AND deptype = "
    "'e' "
    "   AND classid = 'pg_catalog.pg_class'::pg_catalog.regclass) "
    "INSERT INTO customer_access.table_extras (relation, name, kind, definition, created_in) "
    "SELECT t.relname, c.conname, 'constraint', pg_catalog.pg_get_constraintdef(c.oid), $1 "
    "  FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class t ON t.oid = c.conrelid "
    " WHERE c.conrelid IN (SELECT oid FROM ours) AND c.contype IN ('f', 'c') "
    "   AND c.conname::text <> ALL ($3) "
    "UNION ALL "
    "SELECT t.relname, i.relname, 'index', pg_catalog.pg_get_indexdef(i.oid), $1 "
    "  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
    "  JOIN pg_catalog.pg_class t ON t.oid = x.indrelid "
    " WHERE x.indrelid IN (SELECT oid FROM ours) AND i.relname::text <> ALL ($4) "
    "   AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.conindid = i.oid) "
    "ON CONFLICT DO NOTHING";

bool starts_with(const char *text, const char *prefix) {
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

// The statement that re-creates a recorded object, or nullptr for a row that is no
// constraint or index of ours (the table is the extension's; its rows come from a dump).
char *statement_for(const char *relation, const char *name, const char *kind,
                    const char *definition) {
    if (strcmp(kind, "constraint") == 0 &&
        (starts_with(definition, "FOREIGN KEY ") || starts_with(definition, "CHECK ")))
        return psprintf("ALTER TABLE customer_access.%s ADD CONSTRAINT %s %s",
                        quote_identifier(relation), quote_identifier(name), definition);
    char *on = psprintf(" ON customer_access.%s ", quote_identifier(relation));
    if (strcmp(kind, "index") == 0 &&
        (starts_with(definition, "CREATE INDEX ") ||
         starts_with(definition, "CREATE UNIQUE INDEX ")) &&
        strstr(definition, on) != nullptr && strchr(definition, ';') == nullptr)
        return pstrdup(definition);
    return nullptr;
}

// The advisory lock that orders a session loading restored rows (exclusive, to its commit)
// against sessions ending DDL (shared): a DDL session that finds nothing to do while rows are
// being loaded waits for the load to commit and looks again, so the second of the two always
// sees the first's work.
constexpr const char *kLoadLock = "-4242424242";

bool pending_rows(Datum database) {
    Oid types[1] = {OIDOID};
    Datum values[1] = {database};
    return SPI_execute_with_args(kPending, 1, types, values, nullptr, false, 1) == SPI_OK_SELECT &&
           SPI_processed > 0;
}

bool try_lock_shared() {
    if (SPI_execute(psprintf("SELECT pg_catalog.pg_try_advisory_xact_lock_shared(%s)", kLoadLock),
                    false, 1) != SPI_OK_SELECT ||
        SPI_processed != 1)
        return false;
    bool isnull;
    return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

void replay_pending(Datum database) {
    Oid types[1] = {OIDOID};
    Datum values[1] = {database};
    // Not read-only: the rows the current statement loaded must be seen.
    if (SPI_execute_with_args(kPending, 1, types, values, nullptr, false, 0) != SPI_OK_SELECT)
        return;
    uint64 count = SPI_processed;
    SPITupleTable *rows = SPI_tuptable;
    for (uint64 i = 0; i < count; ++i) {
        HeapTuple row = rows->vals[i];
        char *relation = SPI_getvalue(row, rows->tupdesc, 1);
        char *name = SPI_getvalue(row, rows->tupdesc, 2);
        char *statement = statement_for(relation, name, SPI_getvalue(row, rows->tupdesc, 3),
                                        SPI_getvalue(row, rows->tupdesc, 4));
        if (statement != nullptr && try_statement(statement)) {
            Oid key_types[3] = {OIDOID, TEXTOID, TEXTOID};
            Datum key[3] = {database, CStringGetTextDatum(relation), CStringGetTextDatum(name)};
            SPI_execute_with_args(
                "UPDATE customer_access.table_extras SET created_in = $1 "
                "WHERE relation = $2::name AND name = $3::name",
                3, key_types, key, nullptr, false, 0);
        }
    }
}

}  // namespace

void keep_table_extras(Oid extension, Oid schema, bool ours_changed, bool loading) {
    if (replaying || !superuser() || !OidIsValid(get_relname_relid("table_extras", schema)))
        return;
    Datum database = ObjectIdGetDatum(MyDatabaseId);
    int nest = NewGUCNestLevel();
    // Definitions are written and read with every name schema-qualified. Under pg_restore -j
    // the sessions that load the rows and that create what they refer to run at once: each
    // replays what it can see (ordered by kLoadLock), waiting for the other's locks, and a
    // deadlock between two of them only undoes one attempt (each runs in its own
    // subtransaction); the other session then succeeds.
    (void)set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_SAVE, true, 0, false);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    replaying = true;
    PG_TRY();
    {
        bool replay;
        if (loading) {
            replay =
                try_statement(psprintf("SELECT pg_catalog.pg_advisory_xact_lock(%s)", kLoadLock));
        } else {
            replay = pending_rows(database);
            if (!replay && !try_lock_shared())
                replay = try_statement(psprintf(
                             "SELECT pg_catalog.pg_advisory_xact_lock_shared(%s)", kLoadLock)) &&
                         pending_rows(database);
        }
        if (replay)
            replay_pending(database);
        if (ours_changed) {
            Oid types[1] = {OIDOID};
            Datum values[1] = {database};
            SPI_execute_with_args("DELETE FROM customer_access.table_extras WHERE created_in = $1",
                                  1, types, values, nullptr, false, 0);
            Oid record_types[4] = {OIDOID, OIDOID, TEXTARRAYOID, TEXTARRAYOID};
            Datum record[4] = {database, ObjectIdGetDatum(extension), name_array(kOwnConstraints),
                               name_array(kOwnIndexes)};
            if (SPI_execute_with_args(kRecord, 4, record_types, record, nullptr, false, 0) !=
                SPI_OK_INSERT)
                elog(ERROR, "could not record the constraints and indexes of customer_access");
        }
    }
    PG_FINALLY();
    { replaying = false; }
    PG_END_TRY();
    SPI_finish();
    AtEOXact_GUC(true, nest);
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

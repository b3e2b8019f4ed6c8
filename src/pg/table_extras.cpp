#include "table_extras.hpp"

#include "own_objects.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
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
        if (SPI_execute(sql, false, 0) < 0)
            elog(ERROR, "could not run: %s", sql);
        ReleaseCurrentSubTransaction();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(context);
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
        ok = false;
    }
    PG_END_TRY();
    MemoryContextSwitchTo(context);
    CurrentResourceOwner = owner;
    return ok;
}

const char *kPending =
    "SELECT e.relation::text, e.name::text, e.kind, e.definition FROM customer_access.table_extras "
    "e "
    "WHERE e.created_in <> $1 AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c "
    "  WHERE c.conrelid = pg_catalog.to_regclass('customer_access.' || "
    "pg_catalog.quote_ident(e.relation)) "
    "    AND c.conname = e.name) "
    "AND pg_catalog.to_regclass('customer_access.' || pg_catalog.quote_ident(e.name)) IS NULL";

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

void replay_pending(Datum database) {
    Oid types[1] = {OIDOID};
    Datum values[1] = {database};
    if (SPI_execute_with_args(kPending, 1, types, values, nullptr, true, 0) != SPI_OK_SELECT)
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

void keep_table_extras(Oid extension, Oid schema, bool ours_changed) {
    if (replaying || !superuser() || !OidIsValid(get_relname_relid("table_extras", schema)))
        return;
    Datum database = ObjectIdGetDatum(MyDatabaseId);
    int nest = NewGUCNestLevel();
    // Definitions are written and read with every name schema-qualified.
    (void)set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_SAVE, true, 0, false);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    replaying = true;
    PG_TRY();
    {
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

}  // namespace customer_access::pg

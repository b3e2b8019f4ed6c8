#include "pg/catalog/extension_catalog.hpp"

#include "pg/citus/citus_bridge.hpp"

#include <cstdint>

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

namespace customer_access::pg {
namespace {

ExtensionCatalog cached;
bool cached_valid = false;
bool callback_registered = false;
// Counts invalidations, so that one arriving while the catalog is being resolved is not lost.
std::uint64_t invalidations = 0;

// The installed extension's OID and schema, which every DDL statement's guard asks for, kept
// per backend (pg_extension has no system cache, and reading it costs more than the guard's
// whole decision). Kept only while one of the extension's tables (the anchor) exists: DROP
// EXTENSION drops it, and its relcache invalidation (at commit in other backends, at abort
// for a CREATE EXTENSION that failed here) or a reset of the whole relcache forgets them; so
// does any change to an event trigger (DROP EXTENSION drops the guard's, even after a
// superuser detached the anchor with ALTER EXTENSION ... DROP). The extension's OID and
// schema cannot change otherwise (not relocatable, no rename).
struct Installed {
    Oid extension;
    Oid schema;
    Oid anchor;
    bool valid;
} installed{InvalidOid, InvalidOid, InvalidOid, false};
std::uint64_t installed_invalidations = 0;
// Counts the times they were forgotten: what is remembered about the extension's members
// (member_cache) holds for one value of it.
std::uint64_t installed_generation = 1;

void forget_installed_now() {
    installed.valid = false;
    ++installed_generation;
}

void forget(Datum, Oid relid) {
    // Any invalidation while they are looked up (the anchor is not known yet) keeps them
    // from being remembered.
    ++installed_invalidations;
    if (relid == InvalidOid || relid == installed.anchor)
        forget_installed_now();
    if (relid == InvalidOid || relid == cached.grants || relid == cached.grants_pair_index ||
        relid == cached.grants_customer_index || relid == cached.grant_rows ||
        relid == cached.grant_rows_pair_index || relid == cached.grant_rows_customer_index ||
        relid == cached.history || relid == cached.history_counter) {
        cached_valid = false;
        ++invalidations;
    }
}

void forget_installed(Datum, int, uint32) {
    ++installed_invalidations;
    forget_installed_now();
}

void register_callback() {
    if (!callback_registered) {
        CacheRegisterRelcacheCallback(forget, 0);
        CacheRegisterSyscacheCallback(EVENTTRIGGEROID, forget_installed, 0);
        callback_registered = true;
    }
}

[[noreturn]] void layout_changed(const char *what) {
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("the layout of customer_access was changed: %s", what),
                    errhint("Reinstall the extension, or restore its objects as the extension "
                            "script creates them.")));
    pg_unreachable();
}

Oid member_relation(Oid extension, Oid schema, const char *name, char relkind) {
    Oid relid = get_relname_relid(name, schema);
    if (!OidIsValid(relid) || get_rel_relkind(relid) != relkind ||
        getExtensionOfObject(RelationRelationId, relid) != extension)
        layout_changed(psprintf("%s is missing or not the extension's own", name));
    return relid;
}

AttrNumber column(Oid table, const char *name, Oid type) {
    // (also used for a Citus shard, which must have the same layout)
    AttrNumber attnum = get_attnum(table, name);
    if (attnum == InvalidAttrNumber)
        layout_changed(psprintf("column %s of external_access is missing", name));
    Oid actual;
    int32 typmod;
    Oid collation;
    get_atttypetypmodcoll(table, attnum, &actual, &typmod, &collation);
    if (actual != type)
        layout_changed(psprintf("column %s of external_access has another type", name));
    return attnum;
}

int live_columns(Oid table) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(table));
    if (!HeapTupleIsValid(tuple))
        elog(ERROR, "cache lookup failed for relation %u", table);
    int natts = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relnatts;
    ReleaseSysCache(tuple);
    int live = 0;
    for (int i = 1; i <= natts; ++i) {
        HeapTuple att = SearchSysCache2(ATTNUM, ObjectIdGetDatum(table), Int16GetDatum(i));
        if (!HeapTupleIsValid(att))
            continue;
        if (!reinterpret_cast<Form_pg_attribute>(GETSTRUCT(att))->attisdropped)
            ++live;
        ReleaseSysCache(att);
    }
    return live;
}

// Whether the installed extension's version is one without expires_at (1.0, 1.1, 1.2).
bool installed_before_1_3(Oid extension) {
    Relation rel = table_open(ExtensionRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(extension));
    SysScanDesc scan = systable_beginscan(rel, ExtensionOidIndexId, true, nullptr, 1, &key);
    HeapTuple tuple = systable_getnext(scan);
    bool before = false;
    if (HeapTupleIsValid(tuple)) {
        bool isnull;
        Datum version =
            heap_getattr(tuple, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);
        if (!isnull) {
            char *installed = TextDatumGetCString(version);
            before = strcmp(installed, "1.0") == 0 || strcmp(installed, "1.1") == 0 ||
                     strcmp(installed, "1.2") == 0;
        }
    }
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
    return before;
}

// How many columns the grants table has: seven, and expires_at since 1.3.
int grants_columns(const GrantsLayout &l) {
    return l.expires_at == InvalidAttrNumber ? 7 : 8;
}

// An index the checks scan with uuid keys on its leading columns: it must be a valid,
// complete btree with exactly those key columns, in that order, with the default uuid
// operator class, and no expression or predicate (which could hide rows).
bool verified_uuid_index(Oid index, Oid table, const AttrNumber *columns, int count, bool unique) {
    if (!OidIsValid(index) || get_rel_relkind(index) != RELKIND_INDEX)
        return false;
    HeapTuple cls = SearchSysCache1(RELOID, ObjectIdGetDatum(index));
    if (!HeapTupleIsValid(cls))
        return false;
    Oid am = reinterpret_cast<Form_pg_class>(GETSTRUCT(cls))->relam;
    ReleaseSysCache(cls);
    HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
    if (!HeapTupleIsValid(tuple))
        return false;
    auto *form = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple));
    bool isnull;
    Datum classes = SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indclass, &isnull);
    oidvector *opclasses = reinterpret_cast<oidvector *>(DatumGetPointer(classes));
    Oid uuid_ops = GetDefaultOpClass(UUIDOID, BTREE_AM_OID);
    bool ok = !isnull && am == BTREE_AM_OID && form->indrelid == table && form->indisvalid &&
              form->indisready && form->indislive && form->indnkeyatts == count &&
              (!unique || form->indisunique) &&
              heap_attisnull(tuple, Anum_pg_index_indexprs, nullptr) &&
              heap_attisnull(tuple, Anum_pg_index_indpred, nullptr);
    for (int i = 0; ok && i < count; ++i)
        ok = form->indkey.values[i] == columns[i] && opclasses->values[i] == uuid_ops;
    ReleaseSysCache(tuple);
    return ok;
}

// The local shard of a grants table that is a Citus reference table, verified like the table.
void find_grant_rows(ExtensionCatalog &c) {
    RowHome home = row_home(c.grants);
    c.distributed = home.distributed;
    c.grants_shard = home.shard;
    c.history_here = !home.distributed || home.group == 0;
    c.grant_rows = c.grants;
    c.grant_rows_pair_index = c.grants_pair_index;
    c.grant_rows_customer_index = c.grants_customer_index;
    if (!home.distributed)
        return;
    if (!OidIsValid(home.relation))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("this Citus node holds no shard of customer_access.external_access"),
                        errhint("Reference tables are copied to every node in the Citus "
                                "metadata; run SELECT replicate_reference_tables() on the "
                                "coordinator.")));
    const GrantsLayout &l = c.layout;
    const struct {
        const char *name;
        Oid type;
        AttrNumber expected;
    } columns[] = {{"id", UUIDOID, l.id},
                   {"customer_id", UUIDOID, l.customer},
                   {"user_id", UUIDOID, l.user},
                   {"role", c.role_type, l.role},
                   {"days_back_access", INT4OID, l.days_back},
                   {"notes", TEXTOID, l.notes},
                   {"object_version", INT4OID, l.object_version},
                   {"expires_at", TIMESTAMPTZOID, l.expires_at}};
    for (const auto &col : columns)
        if (col.expected != InvalidAttrNumber &&
            column(home.relation, col.name, col.type) != col.expected)
            layout_changed("the local shard of external_access has another column order");
    if (live_columns(home.relation) != grants_columns(l))
        layout_changed("the local shard of external_access has other columns");
    c.grant_rows = home.relation;
    c.grant_rows_pair_index = get_relname_relid(
        psprintf("external_access_user_customer_key_" INT64_FORMAT, home.shard), c.schema);
    AttrNumber pair[2] = {l.user, l.customer};
    if (!verified_uuid_index(c.grant_rows_pair_index, c.grant_rows, pair, 2, true))
        layout_changed("the local shard of external_access has no valid pair index");
    c.grant_rows_customer_index = get_relname_relid(
        psprintf("external_access_customer_idx_" INT64_FORMAT, home.shard), c.schema);
    if (!verified_uuid_index(c.grant_rows_customer_index, c.grant_rows, &l.customer, 1, false))
        layout_changed("the local shard of external_access has no valid customer index");
}

ExtensionCatalog resolve() {
    ExtensionCatalog c{};
    c.extension = installed_extension();
    if (!OidIsValid(c.extension))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("extension customer_access is not installed in this database"),
                        errhint("CREATE EXTENSION customer_access;")));
    c.schema = extension_schema(c.extension);
    c.role_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("access_role"),
                                  ObjectIdGetDatum(c.schema));
    if (!OidIsValid(c.role_type) ||
        getExtensionOfObject(TypeRelationId, c.role_type) != c.extension)
        layout_changed("type access_role is missing");
    c.grants = member_relation(c.extension, c.schema, "external_access", RELKIND_RELATION);
    c.history = member_relation(c.extension, c.schema, "external_access_history", RELKIND_RELATION);
    c.history_counter =
        member_relation(c.extension, c.schema, "external_access_history_counter", RELKIND_SEQUENCE);
    GrantsLayout &l = c.layout;
    l.id = column(c.grants, "id", UUIDOID);
    l.customer = column(c.grants, "customer_id", UUIDOID);
    l.user = column(c.grants, "user_id", UUIDOID);
    l.role = column(c.grants, "role", c.role_type);
    l.days_back = column(c.grants, "days_back_access", INT4OID);
    l.notes = column(c.grants, "notes", TEXTOID);
    l.object_version = column(c.grants, "object_version", INT4OID);
    // Since 1.3; a database still at an earlier version has no such column until ALTER
    // EXTENSION ... UPDATE adds it (the guard lets no one else add it). Missing at 1.3 (which
    // the update script adds first), expired grants would count again: an error.
    l.expires_at =
        get_attnum(c.grants, "expires_at") == InvalidAttrNumber && installed_before_1_3(c.extension)
            ? InvalidAttrNumber
            : column(c.grants, "expires_at", TIMESTAMPTZOID);
    if (live_columns(c.grants) != grants_columns(l))
        layout_changed("external_access has columns the extension did not create");
    c.grants_pair_index = get_relname_relid("external_access_user_customer_key", c.schema);
    AttrNumber pair[2] = {l.user, l.customer};
    if (!verified_uuid_index(c.grants_pair_index, c.grants, pair, 2, true))
        layout_changed(
            "external_access_user_customer_key is no longer a valid unique btree "
            "index on (user_id, customer_id)");
    c.grants_customer_index = get_relname_relid("external_access_customer_idx", c.schema);
    if (!verified_uuid_index(c.grants_customer_index, c.grants, &l.customer, 1, false))
        layout_changed(
            "external_access_customer_idx is no longer a valid btree index on "
            "(customer_id)");
    find_grant_rows(c);
    return c;
}

}  // namespace

namespace {

// A column of the extension's pg_extension row.
Oid extension_field(Oid extension, bool owner) {
    Relation rel = table_open(ExtensionRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(extension));
    SysScanDesc scan = systable_beginscan(rel, ExtensionOidIndexId, true, nullptr, 1, &key);
    HeapTuple tuple = systable_getnext(scan);
    Oid field = InvalidOid;
    if (HeapTupleIsValid(tuple)) {
        auto *form = reinterpret_cast<Form_pg_extension>(GETSTRUCT(tuple));
        field = owner ? form->extowner : form->extnamespace;
    }
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
    return field;
}

}  // namespace

Oid extension_schema(Oid extension) {
    if (installed.valid && extension == installed.extension)
        return installed.schema;
    return extension_field(extension, false);
}

Oid extension_owner(Oid extension) {
    return extension_field(extension, true);
}

Oid installed_extension() {
    if (installed.valid)
        return installed.extension;
    register_callback();
    std::uint64_t seen = installed_invalidations;
    Oid extension = get_extension_oid(kExtensionName, true);
    if (!OidIsValid(extension))
        return InvalidOid;  // not remembered: CREATE EXTENSION sends no invalidation we see
    Oid schema = extension_field(extension, false);
    // The grants table, once the extension's script has made it; until then nothing is kept.
    Oid anchor = get_relname_relid("external_access", schema);
    if (OidIsValid(anchor) && getExtensionOfObject(RelationRelationId, anchor) == extension &&
        seen == installed_invalidations)
        installed = Installed{extension, schema, anchor, true};
    return extension;
}

std::uint64_t remembered_generation(Oid extension) {
    if (!installed.valid || installed.extension != extension ||
        (creating_extension && CurrentExtensionObject == extension))
        return 0;
    return installed_generation;
}

void announce_membership_change() {
    Oid extension = installed_extension();
    if (!OidIsValid(extension) || !installed.valid)
        return;  // nothing of it is remembered anywhere (see installed_extension)
    // Every backend, this one at the end of the command, forgets the extension (and what it
    // remembered of its members) when this transaction commits.
    CacheInvalidateRelcacheByRelid(installed.anchor);
    forget_installed_now();
}

const ExtensionCatalog &extension_catalog() {
    register_callback();
    while (!cached_valid) {
        std::uint64_t seen = invalidations;
        ExtensionCatalog fresh = resolve();  // may ereport: nothing cached is changed then
        cached = fresh;
        cached_valid = seen == invalidations;
    }
    return cached;
}

bool is_extension_member(Oid classid, Oid objid) {
    Oid extension = installed_extension();
    return OidIsValid(extension) && getExtensionOfObject(classid, objid) == extension;
}

Oid extension_function(const char *name, int nargs, const Oid *argtypes) {
    const ExtensionCatalog &c = extension_catalog();
    List *qualified =
        list_make2(makeString(get_namespace_name(c.schema)), makeString(pstrdup(name)));
    return LookupFuncName(qualified, nargs, argtypes, false);
}

}  // namespace customer_access::pg

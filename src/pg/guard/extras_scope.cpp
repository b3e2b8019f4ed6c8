#include "pg/guard/extras_scope.hpp"

#include "pg/catalog/extension_catalog.hpp"
#include "pg/catalog/member_cache.hpp"

#include <cstdint>

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
}

namespace customer_access::pg {
namespace {

// The extension's tables that a user's foreign key can start from.
constexpr const char *kTables[] = {"external_access", "external_access_history", "trusted_keys",
                                   "login_users"};

bool ours(Oid extension, Oid relid) {
    return OidIsValid(relid) && extension_has_member(extension, RelationRelationId, relid);
}

// The tables that the foreign keys of the extension's tables reference, remembered per
// backend until one of the extension's tables changes (adding or dropping a constraint, the
// table's or a referenced table's DROP, invalidates the extension's table's relcache entry),
// the whole relcache is reset, or the extension is forgotten (remembered_generation).
constexpr int kMaxReferenced = 32;
struct ReferencedTables {
    bool valid;
    std::uint64_t generation;
    Oid schema;
    Oid tables[lengthof(kTables)];
    int count;
    Oid referenced[kMaxReferenced];
} remembered{};
std::uint64_t referenced_invalidations = 0;
bool referenced_callback = false;

void forget_referenced(Datum, Oid relid) {
    ++referenced_invalidations;
    if (relid == InvalidOid)
        remembered.valid = false;
    for (Oid table : remembered.tables)
        if (table == relid)
            remembered.valid = false;
}

// Reads pg_constraint by its conrelid index. False when there are too many to remember.
bool read_referenced(Oid schema, ReferencedTables *into) {
    into->count = 0;
    bool fits = true;
    Relation constraints = table_open(ConstraintRelationId, AccessShareLock);
    for (size_t i = 0; i < lengthof(kTables); ++i) {
        Oid table = get_relname_relid(kTables[i], schema);
        into->tables[i] = table;
        if (!OidIsValid(table))
            continue;
        ScanKeyData key;
        ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ,
                    ObjectIdGetDatum(table));
        SysScanDesc scan = systable_beginscan(constraints, ConstraintRelidTypidNameIndexId, true,
                                              nullptr, 1, &key);
        HeapTuple tuple;
        while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
            auto *c = reinterpret_cast<Form_pg_constraint>(GETSTRUCT(tuple));
            if (c->contype != CONSTRAINT_FOREIGN)
                continue;
            if (into->count == kMaxReferenced)
                fits = false;
            else
                into->referenced[into->count++] = c->confrelid;
        }
        systable_endscan(scan);
    }
    table_close(constraints, AccessShareLock);
    return fits;
}

const ReferencedTables &referenced_tables(Oid extension, Oid schema, ReferencedTables *scratch) {
    if (!referenced_callback) {
        CacheRegisterRelcacheCallback(forget_referenced, 0);
        referenced_callback = true;
    }
    std::uint64_t generation = remembered_generation(extension);
    if (remembered.valid && generation != 0 && remembered.generation == generation &&
        remembered.schema == schema)
        return remembered;
    std::uint64_t seen = referenced_invalidations;
    bool fits = read_referenced(schema, scratch);
    scratch->schema = schema;
    scratch->generation = generation;
    // Kept only when no invalidation arrived while reading (the read takes locks).
    scratch->valid = fits && generation != 0 && seen == referenced_invalidations;
    if (!scratch->valid)
        return *scratch;
    remembered = *scratch;
    return remembered;
}

// Whether a foreign key of one of the extension's tables references `relid` (or, with
// `in_schema`, any table of that schema).
bool referenced(Oid extension, Oid schema, Oid relid, Oid in_schema) {
    ReferencedTables scratch;
    const ReferencedTables &r = referenced_tables(extension, schema, &scratch);
    for (int i = 0; i < r.count; ++i)
        if (OidIsValid(in_schema) ? get_rel_namespace(r.referenced[i]) == in_schema
                                  : r.referenced[i] == relid)
            return true;
    return false;
}

Oid relation_named(const RangeVar *rv) {
    return rv == nullptr ? InvalidOid : RangeVarGetRelid(rv, NoLock, true);
}

bool ours_or_referenced(Oid extension, Oid schema, Oid relid) {
    return OidIsValid(relid) &&
           (ours(extension, relid) || referenced(extension, schema, relid, InvalidOid));
}

bool adds_unique_key(const AlterTableStmt *stmt) {
    ListCell *cell;
    foreach (cell, stmt->cmds) {
        auto *cmd = castNode(AlterTableCmd, lfirst(cell));
        if (cmd->subtype == AT_AddIndex || cmd->subtype == AT_AddIndexConstraint)
            return true;
        if (cmd->subtype == AT_AddConstraint && cmd->def != nullptr && IsA(cmd->def, Constraint)) {
            ConstrType type = castNode(Constraint, cmd->def)->contype;
            if (type == CONSTR_PRIMARY || type == CONSTR_UNIQUE)
                return true;
        }
    }
    return false;
}

ExtrasWork decide(Oid extension, Oid schema, Node *parsetree) {
    ExtrasWork work{false, false};
    switch (nodeTag(parsetree)) {
        case T_AlterTableStmt: {
            auto *stmt = castNode(AlterTableStmt, parsetree);
            work.record = ours_or_referenced(extension, schema, relation_named(stmt->relation));
            // Only a superuser re-creates restored records (table_extras.cpp).
            work.replay = superuser() && adds_unique_key(stmt);
            break;
        }
        case T_IndexStmt: {
            auto *stmt = castNode(IndexStmt, parsetree);
            work.record = ours(extension, relation_named(stmt->relation));
            work.replay = superuser() && (stmt->unique || stmt->primary);
            break;
        }
        case T_DropStmt: {
            auto *stmt = castNode(DropStmt, parsetree);
            if (stmt->removeType != OBJECT_INDEX)
                break;
            ListCell *cell;
            foreach (cell, stmt->objects) {
                RangeVar *rv = makeRangeVarFromNameList(castNode(List, lfirst(cell)));
                Oid index = RangeVarGetRelid(rv, NoLock, true);
                Oid table = OidIsValid(index) ? IndexGetRelation(index, true) : InvalidOid;
                // Dropping a referenced key drops the foreign key only with CASCADE.
                if (ours(extension, table) ||
                    (stmt->behavior == DROP_CASCADE && OidIsValid(table) &&
                     referenced(extension, schema, table, InvalidOid)))
                    work.record = true;
            }
            break;
        }
        case T_RenameStmt: {
            auto *stmt = castNode(RenameStmt, parsetree);
            if (stmt->renameType == OBJECT_SCHEMA) {
                Oid namespace_oid = get_namespace_oid(stmt->subname, true);
                work.record = OidIsValid(namespace_oid) &&
                              (namespace_oid == schema ||
                               referenced(extension, schema, InvalidOid, namespace_oid));
            } else {
                work.record = ours_or_referenced(extension, schema, relation_named(stmt->relation));
            }
            break;
        }
        case T_AlterObjectSchemaStmt:
            work.record = ours_or_referenced(
                extension, schema,
                relation_named(castNode(AlterObjectSchemaStmt, parsetree)->relation));
            break;
        default:
            break;
    }
    return work;
}

struct Noted {
    Node *parsetree;
    ExtrasWork work;
} noted{nullptr, {false, false}};

bool may_end_in_guard(Node *parsetree) {
    switch (nodeTag(parsetree)) {
        case T_AlterTableStmt:
        case T_IndexStmt:
        case T_RenameStmt:
        case T_AlterObjectSchemaStmt:
            return true;
        case T_DropStmt:
            return castNode(DropStmt, parsetree)->removeType == OBJECT_INDEX;
        default:
            return false;
    }
}

}  // namespace

void note_extras_work(Oid extension, Oid schema, Node *parsetree) {
    noted = Noted{parsetree, may_end_in_guard(parsetree) ? decide(extension, schema, parsetree)
                                                         : ExtrasWork{false, false}};
}

ExtrasWork noted_extras_work(Oid extension, Oid schema, Node *parsetree) {
    if (noted.parsetree == parsetree) {
        noted.parsetree = nullptr;
        return noted.work;
    }
    // Not seen at its start (a nested statement): decided now, with the names as they are.
    return decide(extension, schema, parsetree);
}

}  // namespace customer_access::pg

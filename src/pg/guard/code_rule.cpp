#include "pg/guard/code_rule.hpp"

#include "core/foreign_key_rule.hpp"
#include "pg/boundary/compat.hpp"
#include "pg/catalog/dependents.hpp"
#include "pg/catalog/member_cache.hpp"
#include "pg/guard/expression_facts.hpp"
#include "pg/catalog/relation_owner.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "commands/tablecmds.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "parser/parse_type.h"
#include "parser/parse_utilcmd.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

namespace customer_access::pg {
namespace {

bool member_relation(Oid extension, Oid relid) {
    return OidIsValid(relid) && relid >= FirstNormalObjectId &&
           extension_has_member(extension, RelationRelationId, relid);
}

char *relation_label(Oid relid) {
    const char *name = get_rel_name(relid);
    if (name == nullptr)
        return psprintf("relation %u", relid);
    return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), name);
}

char *column_label(Oid relid, AttrNumber attnum) {
    char *column = get_attname(relid, attnum, true);
    return psprintf("%s.%s", relation_label(relid),
                    column != nullptr ? quote_identifier(column) : "?");
}

// --- the code rule -------------------------------------------------------------------

[[noreturn]] void refuse_code(const char *what, Oid relid, const ReachedList &list,
                              const ExpressionVerdict &verdict) {
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("customer_access protects its objects: %s on %s %s", what,
                    relation_label(relid), expression_fault_text(verdict.fault)),
             errdetail("It reaches %s. The constraints and indexes of the extension's tables run "
                       "with the rights of whoever changes a grant or maintains the table, "
                       "superusers included: they may call only IMMUTABLE built-in functions and "
                       "functions of superusers, use only types of PostgreSQL and of superusers, "
                       "convert text only to built-in types, and have no sub-select.",
                       reached_name(list, verdict)),
             errhint("Use IMMUTABLE built-in functions, or have a superuser own the functions and "
                     "types it uses.")));
    pg_unreachable();
}

Node *stored_tree(Datum stored) {
    return static_cast<Node *>(stringToNode(TextDatumGetCString(stored)));
}

// A CHECK constraint (by OID): its expression.
ExpressionVerdict judge_check(Oid extension, Oid constraint, ReachedList *list) {
    *list = reached_list(extension);
    HeapTuple tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(constraint));
    if (!HeapTupleIsValid(tuple))
        return ExpressionVerdict{};
    bool isnull;
    Datum bin = SysCacheGetAttr(CONSTROID, tuple, Anum_pg_constraint_conbin, &isnull);
    Node *expression = isnull ? nullptr : stored_tree(bin);
    ReleaseSysCache(tuple);
    describe_expression(list, expression);
    return judge_list(*list);
}

// An index (by OID): its expressions, its predicate and its columns' operator classes.
ExpressionVerdict judge_index(Oid extension, Oid index, ReachedList *list) {
    *list = reached_list(extension);
    HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
    if (!HeapTupleIsValid(tuple))
        return ExpressionVerdict{};
    Node *trees[2] = {nullptr, nullptr};
    AttrNumber columns[2] = {Anum_pg_index_indexprs, Anum_pg_index_indpred};
    for (int i = 0; i < 2; ++i) {
        bool isnull;
        Datum stored = SysCacheGetAttr(INDEXRELID, tuple, columns[i], &isnull);
        if (!isnull)
            trees[i] = stored_tree(stored);
    }
    bool isnull;
    Datum classes = SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indclass, &isnull);
    oidvector *opclasses =
        isnull ? nullptr : reinterpret_cast<oidvector *>(DatumGetPointer(classes));
    List *opclass_list = NIL;
    for (int i = 0; opclasses != nullptr && i < opclasses->dim1; ++i)
        opclass_list = lappend_oid(opclass_list, opclasses->values[i]);
    ReleaseSysCache(tuple);
    describe_expression(list, trees[0]);
    describe_expression(list, trees[1]);
    ListCell *cell;
    foreach (cell, opclass_list)
        describe_opclass(list, lfirst_oid(cell));
    return judge_list(*list);
}

// The CHECK constraints (contype 'c') and indexes of a table, by OID.
void table_objects(Oid relid, List **checks, List **indexes) {
    Relation constraints = table_open(ConstraintRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(relid));
    SysScanDesc scan =
        systable_beginscan(constraints, ConstraintRelidTypidNameIndexId, true, nullptr, 1, &key);
    HeapTuple tuple;
    while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
        auto *c = reinterpret_cast<Form_pg_constraint>(GETSTRUCT(tuple));
        if (c->contype == CONSTRAINT_CHECK)
            *checks = lappend_oid(*checks, c->oid);
    }
    systable_endscan(scan);
    table_close(constraints, AccessShareLock);

    Relation index_catalog = table_open(IndexRelationId, AccessShareLock);
    ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(relid));
    scan = systable_beginscan(index_catalog, IndexIndrelidIndexId, true, nullptr, 1, &key);
    while (HeapTupleIsValid(tuple = systable_getnext(scan)))
        *indexes =
            lappend_oid(*indexes, reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple))->indexrelid);
    systable_endscan(scan);
    table_close(index_catalog, AccessShareLock);
}

// The extension's tables (members of kind 'r' or 'p').
List *member_tables(Oid extension) {
    List *tables = NIL;
    for_each_dependent(ExtensionRelationId, extension, [&tables](const FormData_pg_depend &d) {
        if (d.classid != RelationRelationId || d.deptype != DEPENDENCY_EXTENSION)
            return;
        char kind = get_rel_relkind(d.objid);
        if (kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE)
            tables = lappend_oid(tables, d.objid);
    });
    return tables;
}

// --- the foreign-key rule --------------------------------------------------------------

struct StoredKey {
    Oid conrelid;
    Oid confrelid;
    int count;
    AttrNumber conkey[INDEX_MAX_KEYS];
    AttrNumber confkey[INDEX_MAX_KEYS];
    Oid operators[3][INDEX_MAX_KEYS];  // conpfeqop, conppeqop, conffeqop
    char *name;
    char on_delete;  // confdeltype
    char on_update;  // confupdtype
};

int array_length_of(Datum array) {
    ArrayType *a = DatumGetArrayTypeP(array);
    return ARR_NDIM(a) == 1 ? ARR_DIMS(a)[0] : 0;
}

// Reads a foreign key's columns and operators; false for anything that is no foreign key.
bool read_key(Oid constraint, StoredKey *key) {
    HeapTuple tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(constraint));
    if (!HeapTupleIsValid(tuple))
        return false;
    auto *c = reinterpret_cast<Form_pg_constraint>(GETSTRUCT(tuple));
    if (c->contype != CONSTRAINT_FOREIGN) {
        ReleaseSysCache(tuple);
        return false;
    }
    key->conrelid = c->conrelid;
    key->confrelid = c->confrelid;
    key->name = pstrdup(NameStr(c->conname));
    key->on_delete = c->confdeltype;
    key->on_update = c->confupdtype;
    key->count = 0;
    AttrNumber keys[2] = {Anum_pg_constraint_conkey, Anum_pg_constraint_confkey};
    AttrNumber *key_out[2] = {key->conkey, key->confkey};
    AttrNumber ops[3] = {Anum_pg_constraint_conpfeqop, Anum_pg_constraint_conppeqop,
                         Anum_pg_constraint_conffeqop};
    bool ok = true;
    for (int k = 0; k < 2 && ok; ++k) {
        bool isnull;
        Datum d = SysCacheGetAttr(CONSTROID, tuple, keys[k], &isnull);
        int n = isnull ? 0 : array_length_of(d);
        ok = n > 0 && n <= INDEX_MAX_KEYS && (k == 0 || n == key->count);
        if (!ok)
            break;
        key->count = n;
        auto *values = reinterpret_cast<int16 *>(ARR_DATA_PTR(DatumGetArrayTypeP(d)));
        for (int i = 0; i < n; ++i)
            key_out[k][i] = values[i];
    }
    for (int k = 0; k < 3 && ok; ++k) {
        bool isnull;
        Datum d = SysCacheGetAttr(CONSTROID, tuple, ops[k], &isnull);
        ok = !isnull && array_length_of(d) == key->count;
        if (!ok)
            break;
        Oid *values = reinterpret_cast<Oid *>(ARR_DATA_PTR(DatumGetArrayTypeP(d)));
        for (int i = 0; i < key->count; ++i)
            key->operators[k][i] = values[i];
    }
    ReleaseSysCache(tuple);
    if (!ok)
        key->count = 0;  // judged as a key whose columns cannot be told: refused
    return true;
}

ObjectFacts operator_facts(Oid extension, Oid op) {
    ObjectFacts facts;
    facts.oid = op;
    facts.found = OidIsValid(op) && SearchSysCacheExists1(OPEROID, ObjectIdGetDatum(op));
    facts.extension_member = facts.found && op >= FirstNormalObjectId &&
                             extension_has_member(extension, OperatorRelationId, op);
    return facts;
}

[[noreturn]] void refuse_key(const char *label, const ForeignKeyVerdict &verdict,
                             const ForeignKeyPair &pair, const char *referencing,
                             const char *referenced) {
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("customer_access protects its objects: %s %s", label,
                    foreign_key_fault_text(verdict.fault)),
             errdetail("Column %s (%s) references column %s (%s). PostgreSQL checks a foreign key "
                       "as the referenced table's owner and runs its actions as the referencing "
                       "table's owner, casting and comparing the other table's values: with the "
                       "extension's tables on either side, both columns must have the same type, "
                       "compared by built-in operators.",
                       referencing,
                       OidIsValid(pair.referencing_type) ? format_type_be(pair.referencing_type)
                                                         : "unknown type",
                       referenced,
                       OidIsValid(pair.referenced_type) ? format_type_be(pair.referenced_type)
                                                        : "unknown type"),
             errhint("Declare the referencing column with exactly the referenced column's type "
                     "(not a domain over it, not a type with a cast to it).")));
    pg_unreachable();
}

// ON DELETE / ON UPDATE CASCADE, SET NULL or SET DEFAULT.
bool acts(char action) {
    return action == FKCONSTR_ACTION_CASCADE || action == FKCONSTR_ACTION_SETNULL ||
           action == FKCONSTR_ACTION_SETDEFAULT;
}

// The action rule (core/foreign_key_rule.hpp) for a key from `referencing` (owned by
// `owner`; InvalidOid while CREATE TABLE makes it) to `referenced`.
void check_key_actions(Oid extension, const char *label, Oid referencing, Oid owner, Oid referenced,
                       char on_delete, char on_update) {
    ForeignKeyActions key;
    key.references_extension = member_relation(extension, referenced);
    key.from_extension = member_relation(extension, referencing);
    key.referencing_owner_trusted = OidIsValid(owner) && superuser_arg(owner);
    key.acts = acts(on_delete) || acts(on_update);
    ForeignKeyFault fault = judge_key_actions(key);
    if (fault == ForeignKeyFault::kNone)
        return;
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("customer_access protects its objects: %s %s", label,
                    foreign_key_fault_text(fault)),
             errdetail("PostgreSQL runs a foreign key's ON DELETE / ON UPDATE action on the "
                       "referencing table as its owner, in the session of whoever deletes or "
                       "re-keys the referenced row: that table's triggers, defaults and "
                       "constraints would run there, and a deferred constraint trigger would "
                       "fire as the role that commits (a superuser who deleted a grant)."),
             errhint("Use ON DELETE/UPDATE NO ACTION or RESTRICT, or have a superuser own the "
                     "referencing table.")));
}

// A foreign key as the catalogs hold it: its types and the operators PostgreSQL chose.
// False when `constraint` is no foreign key.
bool judge_stored_key(Oid extension, Oid constraint, StoredKey *key, ForeignKeyPair *pairs,
                      ForeignKeyVerdict *verdict) {
    if (!read_key(constraint, key))
        return false;
    for (int i = 0; i < key->count; ++i) {
        pairs[i] = ForeignKeyPair{};
        pairs[i].referencing_type = get_atttype(key->conrelid, key->conkey[i]);
        pairs[i].referenced_type = get_atttype(key->confrelid, key->confkey[i]);
        pairs[i].operators_known = true;
        for (int k = 0; k < 3; ++k)
            pairs[i].operators[k] = operator_facts(extension, key->operators[k][i]);
    }
    *verdict = judge_foreign_key(pairs, static_cast<std::size_t>(key->count));
    return true;
}

void check_stored_key(Oid extension, Oid constraint) {
    StoredKey key;
    ForeignKeyPair pairs[INDEX_MAX_KEYS];
    ForeignKeyVerdict verdict;
    if (!judge_stored_key(extension, constraint, &key, pairs, &verdict))
        return;
    check_key_actions(extension,
                      psprintf("foreign key \"%s\" from %s to %s", key.name,
                               relation_label(key.conrelid), relation_label(key.confrelid)),
                      key.conrelid, relation_owner(key.conrelid), key.confrelid, key.on_delete,
                      key.on_update);
    if (verdict.allowed())
        return;
    std::size_t i = verdict.index;
    bool known = key.count > 0;
    refuse_key(psprintf("foreign key \"%s\" from %s to %s", key.name, relation_label(key.conrelid),
                        relation_label(key.confrelid)),
               verdict, known ? pairs[i] : ForeignKeyPair{},
               known ? column_label(key.conrelid, key.conkey[i]) : pstrdup("?"),
               known ? column_label(key.confrelid, key.confkey[i]) : pstrdup("?"));
}

// Foreign keys (OIDs) that start from `relid`.
List *keys_from(Oid relid) {
    List *keys = NIL;
    Relation constraints = table_open(ConstraintRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(relid));
    SysScanDesc scan =
        systable_beginscan(constraints, ConstraintRelidTypidNameIndexId, true, nullptr, 1, &key);
    HeapTuple tuple;
    while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
        auto *c = reinterpret_cast<Form_pg_constraint>(GETSTRUCT(tuple));
        if (c->contype == CONSTRAINT_FOREIGN)
            keys = lappend_oid(keys, c->oid);
    }
    systable_endscan(scan);
    table_close(constraints, AccessShareLock);
    return keys;
}

// Foreign keys (OIDs) that reference `relid`: a foreign key depends on its referenced
// table (pg_depend, read by its reference index; pg_constraint has no index on confrelid).
List *keys_to(Oid relid) {
    List *keys = NIL;
    for_each_dependent(RelationRelationId, relid, [&keys](const FormData_pg_depend &d) {
        if (d.classid == ConstraintRelationId && !list_member_oid(keys, d.objid))
            keys = lappend_oid(keys, d.objid);
    });
    List *foreign = NIL;
    ListCell *cell;
    foreach (cell, keys) {
        HeapTuple c = SearchSysCache1(CONSTROID, ObjectIdGetDatum(lfirst_oid(cell)));
        if (!HeapTupleIsValid(c))
            continue;
        auto *form = reinterpret_cast<Form_pg_constraint>(GETSTRUCT(c));
        if (form->contype == CONSTRAINT_FOREIGN && form->confrelid == relid)
            foreign = lappend_oid(foreign, form->oid);
        ReleaseSysCache(c);
    }
    return foreign;
}

bool involves(Oid extension, const StoredKey &key) {
    return member_relation(extension, key.conrelid) || member_relation(extension, key.confrelid);
}

// Start of DDL: a foreign key the statement adds (`fk`, on `relid`, whose columns may be
// added or retyped by `cmds`; `column` for a column's REFERENCES). Whether it involves the
// extension's tables.
Oid type_named(const TypeName *name) {
    return name == nullptr ? InvalidOid : LookupTypeNameOid(nullptr, name, true);
}

// The type a column will have after `cmds` (an ADD COLUMN or ALTER COLUMN ... TYPE of
// the same statement), else its type now.
Oid column_type(Oid relid, List *cmds, const char *column) {
    Oid type = InvalidOid;
    ListCell *cell;
    foreach (cell, cmds) {
        auto *cmd = castNode(AlterTableCmd, lfirst(cell));
        if (table_command_kind(cmd) == AT_AddColumn && cmd->def != nullptr &&
            IsA(cmd->def, ColumnDef) && strcmp(castNode(ColumnDef, cmd->def)->colname, column) == 0)
            type = type_named(castNode(ColumnDef, cmd->def)->typeName);
        if (cmd->subtype == AT_AlterColumnType && cmd->name != nullptr &&
            strcmp(cmd->name, column) == 0 && cmd->def != nullptr && IsA(cmd->def, ColumnDef))
            type = type_named(castNode(ColumnDef, cmd->def)->typeName);
    }
    if (OidIsValid(type) || !OidIsValid(relid))
        return type;
    AttrNumber attnum = get_attnum(relid, column);
    return attnum == InvalidAttrNumber ? InvalidOid : get_atttype(relid, attnum);
}

// The columns of a table's primary key, as a foreign key without a column list uses them.
int primary_key_columns(Oid relid, AttrNumber *columns) {
    int count = 0;
    Relation index_catalog = table_open(IndexRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(relid));
    SysScanDesc scan =
        systable_beginscan(index_catalog, IndexIndrelidIndexId, true, nullptr, 1, &key);
    HeapTuple tuple;
    while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
        auto *index = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple));
        if (!index->indisprimary)
            continue;
        count = index->indnkeyatts;
        for (int i = 0; i < count && i < INDEX_MAX_KEYS; ++i)
            columns[i] = index->indkey.values[i];
    }
    systable_endscan(scan);
    table_close(index_catalog, AccessShareLock);
    return count;
}

// Where the referencing columns' types come from: the table being altered (and the columns
// its statement adds or retypes), or a table being created.
struct ReferencingSide {
    Oid relid;                  // the table, when it exists
    List *cmds;                 // ALTER TABLE: its subcommands
    const CreateStmt *created;  // CREATE TABLE: its statement
    Oid owner;                  // who owns (or will own) the table
};

// The types serial columns stand for.
Oid serial_type(const TypeName *name) {
    if (name == nullptr || list_length(name->names) != 1 || name->typmods != NIL ||
        name->arrayBounds != NIL)
        return InvalidOid;
    const char *n = strVal(linitial(name->names));
    if (strcmp(n, "smallserial") == 0 || strcmp(n, "serial2") == 0)
        return INT2OID;
    if (strcmp(n, "serial") == 0 || strcmp(n, "serial4") == 0)
        return INT4OID;
    if (strcmp(n, "bigserial") == 0 || strcmp(n, "serial8") == 0)
        return INT8OID;
    return InvalidOid;
}

Oid attribute_type(Oid relid, const char *column) {
    AttrNumber attnum = OidIsValid(relid) ? get_attnum(relid, column) : InvalidAttrNumber;
    return attnum == InvalidAttrNumber ? InvalidOid : get_atttype(relid, attnum);
}

// A column of a table CREATE TABLE makes: declared with a type, or taken from LIKE, OF or
// a parent (INHERITS, PARTITION OF). InvalidOid when it cannot be told.
Oid created_column_type(const CreateStmt *stmt, const char *column) {
    ListCell *cell;
    foreach (cell, stmt->tableElts) {
        Node *element = static_cast<Node *>(lfirst(cell));
        if (IsA(element, ColumnDef) && strcmp(castNode(ColumnDef, element)->colname, column) == 0 &&
            castNode(ColumnDef, element)->typeName != nullptr) {
            const TypeName *name = castNode(ColumnDef, element)->typeName;
            Oid serial = serial_type(name);
            return OidIsValid(serial) ? serial : type_named(name);
        }
    }
    foreach (cell, stmt->tableElts) {
        Node *element = static_cast<Node *>(lfirst(cell));
        if (!IsA(element, TableLikeClause))
            continue;
        Oid type = attribute_type(
            RangeVarGetRelid(castNode(TableLikeClause, element)->relation, NoLock, true), column);
        if (OidIsValid(type))
            return type;
    }
    if (stmt->ofTypename != nullptr) {
        Oid type = type_named(stmt->ofTypename);
        return OidIsValid(type) ? attribute_type(get_typ_typrelid(type), column) : InvalidOid;
    }
    foreach (cell, stmt->inhRelations) {
        Oid type = attribute_type(
            RangeVarGetRelid(static_cast<RangeVar *>(lfirst(cell)), NoLock, true), column);
        if (OidIsValid(type))
            return type;
    }
    return InvalidOid;
}

Oid referencing_type(const ReferencingSide &side, const char *column) {
    if (side.created != nullptr)
        return created_column_type(side.created, column);
    return column_type(side.relid, side.cmds, column);
}

char *referencing_label(const ReferencingSide &side) {
    if (side.created == nullptr)
        return relation_label(side.relid);
    const RangeVar *rv = side.created->relation;
    return rv->schemaname != nullptr ? quote_qualified_identifier(rv->schemaname, rv->relname)
                                     : pstrdup(quote_identifier(rv->relname));
}

bool judge_new_key(Oid extension, const ReferencingSide &side, const Constraint *fk,
                   const char *column) {
    Oid referenced =
        fk->pktable == nullptr ? InvalidOid : RangeVarGetRelid(fk->pktable, NoLock, true);
    if (!member_relation(extension, referenced) && !member_relation(extension, side.relid))
        return false;
    List *names = fk->fk_attrs;
    if (names == NIL && column != nullptr)
        names = list_make1(makeString(pstrdup(column)));
    AttrNumber referenced_columns[INDEX_MAX_KEYS];
    int referenced_count = 0;
    ListCell *cell;
    foreach (cell, fk->pk_attrs) {
        if (referenced_count == INDEX_MAX_KEYS)
            break;
        referenced_columns[referenced_count++] = get_attnum(referenced, strVal(lfirst(cell)));
    }
    if (fk->pk_attrs == NIL)
        referenced_count = primary_key_columns(referenced, referenced_columns);
    if (referenced_count != list_length(names) || referenced_count > INDEX_MAX_KEYS)
        return true;  // PostgreSQL refuses the key itself
    ForeignKeyPair pairs[INDEX_MAX_KEYS];
    const char *referencing_names[INDEX_MAX_KEYS];
    int i = 0;
    foreach (cell, names) {
        pairs[i] = ForeignKeyPair{};
        referencing_names[i] = strVal(lfirst(cell));
        pairs[i].referencing_type = referencing_type(side, referencing_names[i]);
        pairs[i].referenced_type = referenced_columns[i] == InvalidAttrNumber
                                       ? InvalidOid
                                       : get_atttype(referenced, referenced_columns[i]);
        ++i;
    }
    ForeignKeyVerdict verdict = judge_foreign_key(pairs, static_cast<std::size_t>(i));
    if (!verdict.allowed()) {
        std::size_t at = verdict.index < static_cast<std::size_t>(i) ? verdict.index : 0;
        char *from = referencing_label(side);
        refuse_key(
            psprintf("this foreign key from %s to %s", from, relation_label(referenced)), verdict,
            i > 0 ? pairs[at] : ForeignKeyPair{},
            i > 0 ? psprintf("%s.%s", from, quote_identifier(referencing_names[at])) : pstrdup("?"),
            i > 0 && referenced_columns[at] != InvalidAttrNumber
                ? column_label(referenced, referenced_columns[at])
                : pstrdup("?"));
    }
    check_key_actions(extension,
                      psprintf("this foreign key from %s to %s", referencing_label(side),
                               relation_label(referenced)),
                      side.relid, side.owner, referenced, fk->fk_del_action, fk->fk_upd_action);
    return true;
}

// Start of DDL: a column of `relid` gets `new_type`; each foreign key on either side of it
// that involves the extension's tables must keep exactly matching types.
bool judge_type_change(Oid extension, Oid relid, const char *column, Oid new_type) {
    AttrNumber attnum = get_attnum(relid, column);
    if (attnum == InvalidAttrNumber)
        return false;
    bool found = false;
    for (int side = 0; side < 2; ++side) {
        List *keys = side == 0 ? keys_from(relid) : keys_to(relid);
        ListCell *cell;
        foreach (cell, keys) {
            StoredKey key;
            if (!read_key(lfirst_oid(cell), &key) || !involves(extension, key))
                continue;
            for (int i = 0; i < key.count; ++i) {
                if ((side == 0 ? key.conkey[i] : key.confkey[i]) != attnum)
                    continue;
                found = true;
                ForeignKeyPair pair;
                pair.referencing_type =
                    side == 0 ? new_type : get_atttype(key.conrelid, key.conkey[i]);
                pair.referenced_type =
                    side == 1 ? new_type : get_atttype(key.confrelid, key.confkey[i]);
                ForeignKeyVerdict verdict = judge_foreign_key(&pair, 1);
                if (!verdict.allowed())
                    refuse_key(psprintf("changing the type of a column of foreign key \"%s\" from "
                                        "%s to %s",
                                        key.name, relation_label(key.conrelid),
                                        relation_label(key.confrelid)),
                               verdict, pair, column_label(key.conrelid, key.conkey[i]),
                               column_label(key.confrelid, key.confkey[i]));
            }
        }
    }
    return found;
}

// The typed tables of a composite type (CREATE TABLE ... OF type): they depend on it.
List *typed_tables(Oid type) {
    List *tables = NIL;
    for_each_dependent(TypeRelationId, type, [&tables](const FormData_pg_depend &d) {
        if (d.classid == RelationRelationId && d.objsubid == 0 &&
            get_rel_relkind(d.objid) != RELKIND_COMPOSITE_TYPE)
            tables = lappend_oid(tables, d.objid);
    });
    return tables;
}

// Every stored foreign key of `relid` (or only the one named) that involves the
// extension's tables, judged as it is: for VALIDATE CONSTRAINT and ATTACH PARTITION, which
// run its check.
bool judge_stored_keys_of(Oid extension, Oid relid, const char *only) {
    bool found = false;
    ListCell *cell;
    List *keys = list_concat(keys_from(relid), keys_to(relid));
    foreach (cell, keys) {
        StoredKey key;
        if (!read_key(lfirst_oid(cell), &key) || !involves(extension, key) ||
            (only != nullptr && strcmp(only, key.name) != 0))
            continue;
        found = true;
        check_stored_key(extension, lfirst_oid(cell));
    }
    return found;
}

// ATTACH PARTITION gives the partition a copy of each of the parent's foreign keys, on a
// table whoever owns the partition owns: the parent's keys to the extension's tables are
// judged by the action rule with the partition's owner as well.
void check_attached_partition(Oid extension, Oid parent, const AlterTableCmd *cmd) {
    if (cmd->def == nullptr || !IsA(cmd->def, PartitionCmd))
        return;
    Oid partition = RangeVarGetRelid(castNode(PartitionCmd, cmd->def)->name, NoLock, true);
    if (!OidIsValid(partition))
        return;
    Oid owner = relation_owner(partition);
    ListCell *cell;
    foreach (cell, keys_from(parent)) {
        StoredKey key;
        if (!read_key(lfirst_oid(cell), &key) || !involves(extension, key))
            continue;
        check_key_actions(extension,
                          psprintf("foreign key \"%s\" that partition %s would take from %s to %s",
                                   key.name, relation_label(partition),
                                   relation_label(key.conrelid), relation_label(key.confrelid)),
                          partition, owner, key.confrelid, key.on_delete, key.on_update);
    }
}

// Whether a subcommand may add, retype, validate or attach a foreign key: the others are
// decided from the parse tree alone, without a catalog lookup.
bool may_touch_keys(const AlterTableCmd *cmd) {
    switch (table_command_kind(cmd)) {
        case AT_AddConstraint:
            return cmd->def != nullptr && IsA(cmd->def, Constraint) &&
                   castNode(Constraint, cmd->def)->contype == CONSTR_FOREIGN;
        case AT_AddColumn: {
            if (cmd->def == nullptr || !IsA(cmd->def, ColumnDef))
                return false;
            ListCell *c;
            foreach (c, castNode(ColumnDef, cmd->def)->constraints) {
                auto *constraint = static_cast<Node *>(lfirst(c));
                if (IsA(constraint, Constraint) &&
                    castNode(Constraint, constraint)->contype == CONSTR_FOREIGN)
                    return true;
            }
            return false;
        }
        case AT_AlterColumnType:
        case AT_ValidateConstraint:
        case AT_AttachPartition:
        case AT_ChangeOwner:  // a key's actions depend on who owns its table
            return true;
        default:
            return false;
    }
}

bool judge_alter_table(Oid extension, AlterTableStmt *stmt) {
    bool touches_keys = false;
    ListCell *cell;
    foreach (cell, stmt->cmds)
        touches_keys = touches_keys || may_touch_keys(castNode(AlterTableCmd, lfirst(cell)));
    if (!touches_keys)
        return false;
    Oid relid =
        stmt->relation == nullptr ? InvalidOid : RangeVarGetRelid(stmt->relation, NoLock, true);
    if (!OidIsValid(relid))
        return false;
    bool work = false;
    if (stmt->objtype == OBJECT_TYPE) {
        // ALTER TYPE ... ALTER ATTRIBUTE ... TYPE ... CASCADE retypes its typed tables' columns.
        Oid type = get_rel_type_id(relid);
        foreach (cell, stmt->cmds) {
            auto *cmd = castNode(AlterTableCmd, lfirst(cell));
            if (cmd->subtype != AT_AlterColumnType || cmd->def == nullptr ||
                !IsA(cmd->def, ColumnDef))
                continue;
            Oid new_type = type_named(castNode(ColumnDef, cmd->def)->typeName);
            ListCell *table;
            foreach (table, typed_tables(type))
                work = judge_type_change(extension, lfirst_oid(table), cmd->name, new_type) || work;
        }
        return work;
    }
    foreach (cell, stmt->cmds) {
        auto *cmd = castNode(AlterTableCmd, lfirst(cell));
        switch (table_command_kind(cmd)) {
            case AT_AddConstraint:
                if (cmd->def != nullptr && IsA(cmd->def, Constraint) &&
                    castNode(Constraint, cmd->def)->contype == CONSTR_FOREIGN)
                    work = judge_new_key(
                               extension,
                               ReferencingSide{relid, stmt->cmds, nullptr, relation_owner(relid)},
                               castNode(Constraint, cmd->def), nullptr) ||
                           work;
                break;
            case AT_AddColumn: {
                if (cmd->def == nullptr || !IsA(cmd->def, ColumnDef))
                    break;
                auto *column = castNode(ColumnDef, cmd->def);
                ListCell *c;
                foreach (c, column->constraints) {
                    auto *constraint = static_cast<Node *>(lfirst(c));
                    if (IsA(constraint, Constraint) &&
                        castNode(Constraint, constraint)->contype == CONSTR_FOREIGN)
                        work = judge_new_key(extension,
                                             ReferencingSide{relid, stmt->cmds, nullptr,
                                                             relation_owner(relid)},
                                             castNode(Constraint, constraint), column->colname) ||
                               work;
                }
                break;
            }
            case AT_AlterColumnType:
                if (cmd->def != nullptr && IsA(cmd->def, ColumnDef))
                    work = judge_type_change(extension, relid, cmd->name,
                                             type_named(castNode(ColumnDef, cmd->def)->typeName)) ||
                           work;
                break;
            case AT_ValidateConstraint:
                work = judge_stored_keys_of(extension, relid, cmd->name) || work;
                break;
            case AT_AttachPartition:
                check_attached_partition(extension, relid, cmd);
                work = judge_stored_keys_of(extension, relid, nullptr) || work;
                break;
            case AT_ChangeOwner: {
                // Judged at the end of the statement, with the new owner.
                ListCell *key;
                foreach (key, keys_from(relid)) {
                    StoredKey stored;
                    work =
                        work || (read_key(lfirst_oid(key), &stored) && involves(extension, stored));
                }
                break;
            }
            default:
                break;
        }
    }
    return work;
}

// CREATE TABLE: its foreign keys to the extension's tables, judged from the statement (the
// new table is empty, so PostgreSQL checks nothing before the statement ends, and it makes
// the keys as subcommands, which fire no event trigger).
void judge_create_table(Oid extension, const CreateStmt *stmt, Oid owner) {
    ReferencingSide side{InvalidOid, NIL, stmt, owner};
    auto judge = [&](Node *node, const char *column) {
        if (node != nullptr && IsA(node, Constraint) &&
            castNode(Constraint, node)->contype == CONSTR_FOREIGN)
            (void)judge_new_key(extension, side, castNode(Constraint, node), column);
    };
    ListCell *cell;
    foreach (cell, stmt->tableElts) {
        Node *element = static_cast<Node *>(lfirst(cell));
        judge(element, nullptr);
        if (IsA(element, ColumnDef)) {
            ListCell *c;
            foreach (c, castNode(ColumnDef, element)->constraints)
                judge(static_cast<Node *>(lfirst(c)), castNode(ColumnDef, element)->colname);
        }
    }
    foreach (cell, stmt->constraints)
        judge(static_cast<Node *>(lfirst(cell)), nullptr);
}

void judge_concurrent_index(Oid extension, IndexStmt *stmt);

struct Noted {
    Node *parsetree;
    bool foreign_keys;
} noted{nullptr, false};

bool statement_rules(Oid extension, Node *parsetree) {
    switch (nodeTag(parsetree)) {
        case T_AlterTableStmt:
            return judge_alter_table(extension, castNode(AlterTableStmt, parsetree));
        case T_CreateStmt:
            judge_create_table(extension, castNode(CreateStmt, parsetree), GetUserId());
            return false;
        case T_IndexStmt:
            judge_concurrent_index(extension, castNode(IndexStmt, parsetree));
            return false;
        case T_CreateSchemaStmt: {
            // Its CREATE TABLE elements run without event triggers of their own, as the
            // schema's owner (AUTHORIZATION), who owns the tables they make.
            auto *stmt = castNode(CreateSchemaStmt, parsetree);
            Oid owner =
                stmt->authrole != nullptr ? get_rolespec_oid(stmt->authrole, true) : GetUserId();
            ListCell *cell;
            foreach (cell, stmt->schemaElts) {
                Node *element = static_cast<Node *>(lfirst(cell));
                if (IsA(element, CreateStmt))
                    judge_create_table(extension, castNode(CreateStmt, element), owner);
            }
            return false;
        }
        default:
            return false;
    }
}

// The raw rule: what analysing a record's expression could run.
void refuse_if_raw_refused(Oid extension, Oid relid, const char *what, Node *raw) {
    ReachedList list = reached_list(extension);
    describe_raw_expression(&list, raw);
    ExpressionVerdict verdict = judge_list(list);
    if (!verdict.allowed())
        refuse_code(what, relid, list, verdict);
}

void refuse_if_refused(Oid extension, Oid relid, const char *what, Node *cooked, List *opclasses) {
    ReachedList list = reached_list(extension);
    describe_expression(&list, cooked);
    ListCell *cell;
    foreach (cell, opclasses)
        describe_opclass(&list, lfirst_oid(cell));
    ExpressionVerdict verdict = judge_list(list);
    if (!verdict.allowed())
        refuse_code(what, relid, list, verdict);
}

// A recorded CHECK: the raw rule, then the expression as ALTER TABLE would cook it.
void judge_recorded_check(Oid extension, Oid relid, List *cmds, const Constraint *check,
                          const char *sql) {
    char *what = psprintf("the restored CHECK constraint \"%s\"",
                          check->conname != nullptr ? check->conname : "");
    refuse_if_raw_refused(extension, relid, what, check->raw_expr);
    Relation rel = table_open(relid, AlterTableGetLockLevel(cmds));
    ParseState *pstate = make_parsestate(nullptr);
    pstate->p_sourcetext = sql;
    ParseNamespaceItem *item =
        addRangeTableEntryForRelation(pstate, rel, AccessShareLock, nullptr, false, true);
    addNSItemToQuery(pstate, item, true, true, true);
    Node *cooked = transformExpr(pstate, static_cast<Node *>(copyObjectImpl(check->raw_expr)),
                                 EXPR_KIND_CHECK_CONSTRAINT);
    cooked = coerce_to_boolean(pstate, cooked, "CHECK");
    assign_expr_collations(pstate, cooked);
    free_parsestate(pstate);
    table_close(rel, NoLock);
    refuse_if_refused(extension, relid, what, cooked, NIL);
}

// An index before it is made: the raw rule on its expressions, predicate and operator class
// names, then its expressions and predicate as CREATE INDEX would cook them, with the
// operator classes it would use (the table locked in `lockmode` for the analysis).
void judge_index_statement(Oid extension, Oid relid, IndexStmt *stmt, const char *sql,
                           const char *what, LOCKMODE lockmode) {
    Oid am = get_index_am_oid(stmt->accessMethod, true);
    ListCell *cell;
    foreach (cell, stmt->indexParams) {
        auto *elem = castNode(IndexElem, lfirst(cell));
        refuse_if_raw_refused(extension, relid, what, elem->expr);
    }
    refuse_if_raw_refused(extension, relid, what, stmt->whereClause);
    LockRelationOid(relid, lockmode);
    IndexStmt *cooked =
        transformIndexStmt(relid, static_cast<IndexStmt *>(copyObjectImpl(stmt)), sql);
    List *expressions = NIL, *opclasses = NIL;
    foreach (cell, cooked->indexParams) {
        auto *elem = castNode(IndexElem, lfirst(cell));
        Oid type = InvalidOid;
        if (elem->expr != nullptr) {
            expressions = lappend(expressions, elem->expr);
            type = exprType(elem->expr);
        } else if (elem->name != nullptr) {
            AttrNumber attnum = get_attnum(relid, elem->name);
            type = attnum == InvalidAttrNumber ? InvalidOid : get_atttype(relid, attnum);
        }
        Oid opclass = InvalidOid;
        if (OidIsValid(am))
            opclass = elem->opclass != NIL ? get_opclass_oid(am, elem->opclass, true)
                                           : GetDefaultOpClass(type, am);
        if (OidIsValid(opclass))
            opclasses = lappend_oid(opclasses, opclass);
    }
    if (cooked->whereClause != nullptr)
        expressions = lappend(expressions, cooked->whereClause);
    refuse_if_refused(extension, relid, what, reinterpret_cast<Node *>(expressions), opclasses);
}

// A recorded index, before table_extras replays it.
void judge_recorded_index(Oid extension, Oid relid, IndexStmt *stmt, const char *sql) {
    judge_index_statement(
        extension, relid, stmt, sql,
        psprintf("the restored index \"%s\"", stmt->idxname != nullptr ? stmt->idxname : ""),
        ShareLock);
}

// CREATE INDEX CONCURRENTLY on one of the extension's tables, judged at its start: it commits
// the index (ready, so every later write of the table evaluates it) before the end of the
// statement, where a refusal would leave it behind. Analysed under the lock it takes itself,
// so no write waits on the judgement.
void judge_concurrent_index(Oid extension, IndexStmt *stmt) {
    if (!stmt->concurrent || stmt->relation == nullptr)
        return;
    // Found as PostgreSQL finds it next (the owner's, under the lock CREATE INDEX
    // CONCURRENTLY takes): a name looked up without the lock could mean another table by the
    // time PostgreSQL looks (a shadow earlier on the search_path, dropped while it waits).
    Oid relid = RangeVarGetRelidExtended(stmt->relation, ShareUpdateExclusiveLock, RVR_MISSING_OK,
                                         RangeVarCallbackOwnsRelation, nullptr);
    if (!member_relation(extension, relid))
        return;
    judge_index_statement(extension, relid, stmt, nullptr,
                          psprintf("index \"%s\"", stmt->idxname != nullptr ? stmt->idxname : ""),
                          ShareUpdateExclusiveLock);
}

}  // namespace

void judge_statement_rules(Oid extension, Node *parsetree) {
    noted = Noted{parsetree, statement_rules(extension, parsetree)};
}

bool noted_foreign_key_work(Oid extension, Node *parsetree) {
    if (noted.parsetree == parsetree) {
        noted.parsetree = nullptr;
        return noted.foreign_keys;
    }
    // Not seen at its start (a nested statement): decided now, from the same parse tree.
    return statement_rules(extension, parsetree);
}

void check_foreign_keys(Oid extension) {
    ListCell *table;
    foreach (table, member_tables(extension)) {
        List *keys = list_concat(keys_from(lfirst_oid(table)), keys_to(lfirst_oid(table)));
        ListCell *cell;
        foreach (cell, keys)
            check_stored_key(extension, lfirst_oid(cell));
    }
}

void check_table_code(Oid extension, Oid relid) {
    List *checks = NIL, *indexes = NIL;
    table_objects(relid, &checks, &indexes);
    ListCell *cell;
    foreach (cell, checks) {
        ReachedList list;
        ExpressionVerdict verdict = judge_check(extension, lfirst_oid(cell), &list);
        if (!verdict.allowed())
            refuse_code(psprintf("CHECK constraint \"%s\"", get_constraint_name(lfirst_oid(cell))),
                        relid, list, verdict);
    }
    foreach (cell, indexes) {
        ReachedList list;
        ExpressionVerdict verdict = judge_index(extension, lfirst_oid(cell), &list);
        if (!verdict.allowed())
            refuse_code(psprintf("index \"%s\"", get_rel_name(lfirst_oid(cell))), relid, list,
                        verdict);
    }
}

void refused_table_objects(Oid extension, List **constraints, List **indexes) {
    ListCell *table;
    foreach (table, member_tables(extension)) {
        List *checks = NIL, *table_indexes = NIL;
        table_objects(lfirst_oid(table), &checks, &table_indexes);
        ListCell *cell;
        foreach (cell, checks) {
            ReachedList list;
            if (!judge_check(extension, lfirst_oid(cell), &list).allowed())
                *constraints = lappend_oid(*constraints, lfirst_oid(cell));
        }
        foreach (cell, table_indexes) {
            ReachedList list;
            if (!judge_index(extension, lfirst_oid(cell), &list).allowed())
                *indexes = lappend_oid(*indexes, lfirst_oid(cell));
        }
        // A foreign key that breaks the rule is not recorded either.
        foreach (cell, keys_from(lfirst_oid(table))) {
            StoredKey key;
            ForeignKeyPair pairs[INDEX_MAX_KEYS];
            ForeignKeyVerdict verdict;
            if (judge_stored_key(extension, lfirst_oid(cell), &key, pairs, &verdict) &&
                !verdict.allowed())
                *constraints = lappend_oid(*constraints, lfirst_oid(cell));
        }
    }
}

void judge_recorded_statement(Oid extension, Oid relid, Node *statement, const char *sql) {
    if (IsA(statement, AlterTableStmt)) {
        auto *stmt = castNode(AlterTableStmt, statement);
        ListCell *cell;
        foreach (cell, stmt->cmds) {
            auto *cmd = castNode(AlterTableCmd, lfirst(cell));
            if (cmd->def == nullptr || !IsA(cmd->def, Constraint))
                continue;
            auto *constraint = castNode(Constraint, cmd->def);
            if (constraint->contype == CONSTR_CHECK)
                judge_recorded_check(extension, relid, stmt->cmds, constraint, sql);
            else if (constraint->contype == CONSTR_FOREIGN)
                (void)judge_new_key(
                    extension, ReferencingSide{relid, stmt->cmds, nullptr, relation_owner(relid)},
                    constraint, nullptr);
        }
    } else if (IsA(statement, IndexStmt)) {
        judge_recorded_index(extension, relid, castNode(IndexStmt, statement), sql);
    }
}

}  // namespace customer_access::pg

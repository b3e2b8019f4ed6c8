// The DDL guard: customer_access.guard_ddl(), an event trigger ON ddl_command_start (ENABLE
// ALWAYS, so it fires in every session_replication_role), and, when the module is preloaded,
// a ProcessUtility hook for the statements event triggers never see (ALTER/DROP EVENT
// TRIGGER, REASSIGN OWNED). A statement that touches the extension's objects is described
// (statement kind, kind of object, ALTER TABLE subcommand) and judged by the allow-list in
// core/ddl_rule.cpp, which also gives the refusal's text; refused statements fail with 42501
// before they run. Targets are resolved to OIDs and judged by the extension's membership in
// pg_depend, so a rename or a schema move cannot blind the guard. It stands aside while
// CREATE/ALTER EXTENSION customer_access runs its own script, and for a superuser who SET
// customer_access.allow_owner_revoke = on; the code and foreign-key rules (code_rule.hpp)
// hold with that exit too. guard_ddl_end() (ON ddl_command_end) applies those rules to what
// the statement made and keeps table_extras.
#include "core/ddl_rule.hpp"
#include "pg/boundary/boundary.hpp"
#include "pg/boundary/compat.hpp"
#include "pg/guard/code_rule.hpp"
#include "pg/guard/ddl_guard.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/catalog/member_cache.hpp"
#include "pg/catalog/rests_on.hpp"
#include "pg/guard/extras_scope.hpp"
#include "pg/catalog/own_objects.hpp"
#include "pg/catalog/pinned_search_path.hpp"
#include "pg/guard/table_extras.hpp"
#include "pg/identity/settings.hpp"
#include "pg/citus/shard_guard.hpp"
#include "pg/catalog/relation_owner.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_event_trigger.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/tablespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "executor/tuptable.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_func.h"
#include "parser/parse_type.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/relcache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

struct Guard {
    Oid extension;
    Oid schema;
};

// The statement, described, as the allow-list (core/ddl_rule.hpp) judges it: refused with
// the table's reason and DETAIL, or allowed.
void refuse(DdlStatement statement, DdlObject object = DdlObject::kAny,
            DdlAction action = DdlAction::kAny) {
    const DdlRule &rule = judge_ddl(statement, object, action);
    if (rule.allowed)
        return;
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("customer_access protects its objects: %s is not allowed", rule.text),
             errdetail("%s", ddl_refusal_detail()),
             errhint("A superuser may SET customer_access.allow_owner_revoke = on to change the "
                     "extension's objects on purpose.")));
}

bool member_relation(const Guard &g, Oid relid) {
    return OidIsValid(relid) && extension_has_member(g.extension, RelationRelationId, relid);
}

// A relation the guard protects: a member (table, view, sequence) or one of its own indexes.
bool protected_relation(const Guard &g, Oid relid) {
    if (!OidIsValid(relid))
        return false;
    if (member_relation(g, relid))
        return true;
    char kind = get_rel_relkind(relid);
    if (kind == RELKIND_INDEX || kind == RELKIND_PARTITIONED_INDEX) {
        Oid table = IndexGetRelation(relid, true);
        return member_relation(g, table) && named_in(get_rel_name(relid), kOwnIndexes);
    }
    return false;
}

Oid relation_of(const RangeVar *rv) {
    return rv == nullptr ? InvalidOid : RangeVarGetRelid(rv, NoLock, true);
}

// What kind of the extension's relations a protected relation is, for the allow-list.
DdlObject relation_object(const Guard &g, Oid relid) {
    if (!member_relation(g, relid))
        return DdlObject::kOwnIndex;
    return get_rel_relkind(relid) == RELKIND_RELATION ? DdlObject::kTable
                                                      : DdlObject::kViewOrSequence;
}

// The relation a statement's name `rv` is judged as, found as `found`. PostgreSQL looks the
// name up again under the statement's lock, after the guard: an unqualified name that finds
// another relation first on the search_path, while one of the extension's relations of that
// name comes later on it, finds the extension's when the other is dropped or renamed while
// the statement waits for its lock. Such a name is judged as the extension's relation
// (schema-qualified, the other relation is judged as itself). Costs nothing but a cached
// look-up of the name in the extension's schema.
Oid judged_relation(const Guard &g, const RangeVar *rv, Oid found) {
    if (rv == nullptr || rv->schemaname != nullptr || protected_relation(g, found))
        return found;
    Oid shadowed = get_relname_relid(rv->relname, g.schema);
    if (!OidIsValid(shadowed) || !protected_relation(g, shadowed))
        return found;
    List *path = fetch_search_path(false);
    return list_member_oid(path, g.schema) ? shadowed : found;
}

Oid guarded_relation_of(const Guard &g, const RangeVar *rv) {
    return judged_relation(g, rv, relation_of(rv));
}

bool protected_range_var(const Guard &g, const RangeVar *rv) {
    return protected_relation(g, guarded_relation_of(g, rv));
}

// Any object named in a statement: a member, the extension's schema, or a trigger, policy,
// rule, constraint or column of a protected relation.
// The kinds of object the extension has (or has sub-objects of); statements about other
// kinds (roles, databases, domain constraints...) cannot touch it, and their parse nodes do
// not all have the shape get_object_address takes.
bool kind_of_ours(ObjectType type) {
    switch (type) {
        case OBJECT_AGGREGATE:
        case OBJECT_CAST:
        case OBJECT_EVENT_TRIGGER:
        case OBJECT_EXTENSION:
        case OBJECT_FUNCTION:
        case OBJECT_INDEX:
        case OBJECT_OPCLASS:
        case OBJECT_OPERATOR:
        case OBJECT_OPFAMILY:
        case OBJECT_POLICY:
        case OBJECT_PROCEDURE:
        case OBJECT_ROUTINE:
        case OBJECT_RULE:
        case OBJECT_SCHEMA:
        case OBJECT_SEQUENCE:
        case OBJECT_TABCONSTRAINT:
        case OBJECT_TABLE:
        case OBJECT_TRIGGER:
        case OBJECT_TYPE:
        case OBJECT_VIEW:
            return true;
        default:
            return false;
    }
}

// Whether a function of this name, as the statement names it (qualified, or through the
// search_path), is the extension's. Asked first about a statement on a function: one about
// another function then resolves no argument type (a %TYPE argument prints a NOTICE each time
// it is resolved) and locks nothing.
bool names_our_function(const Guard &g, List *name) {
    FuncCandidateList candidate = FuncnameGetCandidates(name, -1, NIL, false, false, true, true);
    for (; candidate != nullptr; candidate = candidate->next)
        if (extension_has_member(g.extension, ProcedureRelationId, candidate->oid))
            return true;
    return false;
}

// A constraint the extension's table holds as its own: one the extension made, or one of a
// kind no role may add (only FOREIGN KEY and CHECK may be; NOT NULL, where PostgreSQL
// catalogues it as a constraint with a made-up name, is the column's own).
bool own_constraint(Oid constraint) {
    HeapTuple tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(constraint));
    if (!HeapTupleIsValid(tuple))
        return false;
    const auto *con = reinterpret_cast<Form_pg_constraint>(GETSTRUCT(tuple));
    bool own = named_in(NameStr(con->conname), kOwnConstraints) ||
               (con->contype != CONSTRAINT_FOREIGN && con->contype != CONSTRAINT_CHECK);
    ReleaseSysCache(tuple);
    return own;
}

// For objects that live on a table (a trigger, policy, rule or constraint named as
// relation.name): that table, locked in `lockmode` (the lock the statement itself takes on it
// next, so the guard adds no wait and no lock upgrade that could deadlock two sessions' DDL,
// and the name cannot come to mean another table between the guard's look and the
// statement's). Other kinds: InvalidOid.
Oid table_of_sub_object(const Guard &g, ObjectType type, Node *object, LOCKMODE lockmode) {
    if ((type != OBJECT_TRIGGER && type != OBJECT_POLICY && type != OBJECT_RULE &&
         type != OBJECT_TABCONSTRAINT) ||
        !IsA(object, List) || list_length(castNode(List, object)) < 2)
        return InvalidOid;
    List *names = list_copy(castNode(List, object));
    names = list_truncate(names, list_length(names) - 1);
    RangeVar *table = makeRangeVarFromNameList(names);
    return judged_relation(
        g, table, RangeVarGetRelidExtended(table, lockmode, RVR_MISSING_OK, nullptr, nullptr));
}

// `lockmode`: the lock the statement takes on the table of a trigger, policy, rule or
// constraint it names.
bool protected_object(const Guard &g, ObjectType type, Node *object,
                      LOCKMODE lockmode = AccessShareLock) {
    if (object == nullptr || !kind_of_ours(type))
        return false;
    // A trigger, policy, rule or constraint of another table is no concern of the guard.
    Oid table = table_of_sub_object(g, type, object, lockmode);
    if (OidIsValid(table) && !protected_relation(g, table))
        return false;
    if ((type == OBJECT_FUNCTION || type == OBJECT_PROCEDURE || type == OBJECT_ROUTINE ||
         type == OBJECT_AGGREGATE) &&
        IsA(object, ObjectWithArgs) &&
        !names_our_function(g, castNode(ObjectWithArgs, object)->objname))
        return false;
    // RENAME, SET SCHEMA and OWNER TO name a type by a list of names; get_object_address
    // takes a TypeName.
    if (type == OBJECT_TYPE && IsA(object, List))
        object = reinterpret_cast<Node *>(makeTypeNameFromNameList(castNode(List, object)));
    Relation rel = nullptr;
    ObjectAddress address = get_object_address(type, object, &rel, AccessShareLock, true);
    bool result = false;
    if (rel != nullptr) {
        Oid relid = RelationGetRelid(rel);
        relation_close(rel, NoLock);
        if (address.classId == ConstraintRelationId)
            result = member_relation(g, relid) && own_constraint(address.objectId);
        else
            result = protected_relation(g, relid);
    }
    if (!OidIsValid(address.objectId))
        return result;
    if (address.classId == RelationRelationId)
        return result || protected_relation(g, address.objectId);
    if (address.classId == NamespaceRelationId && address.objectId == g.schema)
        return true;
    return result || extension_has_member(g.extension, address.classId, address.objectId);
}

// The extension's grants or history hold a row (seen by a fresh snapshot, whatever row
// security or privileges say).
bool holds_rows(const Guard &g) {
    // On Citus the grants' rows are in the table's shard on this node, not in the table.
    Oid places[3] = {get_relname_relid("external_access", g.schema),
                     get_relname_relid("external_access_history", g.schema),
                     local_grants_shard(g.schema)};
    for (Oid relid : places) {
        if (!OidIsValid(relid))
            continue;
        Relation rel = table_open(relid, AccessShareLock);
        Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
        TableScanDesc scan = table_beginscan(rel, snapshot, 0, nullptr);
        TupleTableSlot *slot = table_slot_create(rel, nullptr);
        bool found = table_scan_getnextslot(scan, ForwardScanDirection, slot);
        ExecDropSingleTupleTableSlot(slot);
        table_endscan(scan);
        UnregisterSnapshot(snapshot);
        table_close(rel, AccessShareLock);
        if (found)
            return true;
    }
    return false;
}

void check_extension_drop(const Guard &g) {
    if (holds_rows(g))
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("customer_access cannot be dropped while it holds grants or history"),
                 errdetail("Dropping the extension would delete every grant and the whole change "
                           "history."),
                 errhint("A superuser may SET customer_access.allow_owner_revoke = on to drop it "
                         "on purpose, after keeping a dump of its tables.")));
}

// Whether the roles own the extension or any of its relations (REASSIGN and DROP OWNED
// act on everything a role owns).
bool names_an_owner(const Guard &g, List *roles) {
    ListCell *cell;
    foreach (cell, roles) {
        Oid role = get_rolespec_oid(static_cast<RoleSpec *>(lfirst(cell)), true);
        if (!OidIsValid(role))
            continue;
        if (role == extension_owner(g.extension))
            return true;
        for (const char *name : {"external_access", "external_access_history", "login_users",
                                 "trusted_keys", "table_extras"}) {
            Oid owner = relation_owner(get_relname_relid(name, g.schema));
            if (OidIsValid(owner) && owner == role)
                return true;
        }
    }
    return false;
}

// Whether the object a DROP ... CASCADE names is one the extension rests on: something the
// extension or one of its members depends on, or the extension such a thing belongs to (a
// language's extension, for instance), so that the cascade would drop customer_access.
// A relation is found without a lock (the DROP locks it next: a weaker lock first would
// turn two sessions' waits into a deadlock).
bool extension_rests_on(const Guard &g, ObjectType type, Node *object) {
    ObjectAddress address = InvalidObjectAddress;
    switch (type) {
        case OBJECT_TABLE:
        case OBJECT_VIEW:
        case OBJECT_MATVIEW:
        case OBJECT_SEQUENCE:
        case OBJECT_INDEX:
        case OBJECT_FOREIGN_TABLE:
            ObjectAddressSet(address, RelationRelationId,
                             relation_of(makeRangeVarFromNameList(castNode(List, object))));
            break;
        default: {
            if (type == OBJECT_TYPE && IsA(object, List))
                object = reinterpret_cast<Node *>(makeTypeNameFromNameList(castNode(List, object)));
            Relation rel = nullptr;
            address = get_object_address(type, object, &rel, AccessShareLock, true);
            if (rel != nullptr)
                relation_close(rel, NoLock);
        }
    }
    return OidIsValid(address.objectId) &&
           extension_rests_on_object(g.extension, address.classId, address.objectId);
}

// ALTER TABLE/INDEX ALL IN TABLESPACE would move one of the extension's relations.
bool moves_ours(const Guard &g, const AlterTableMoveAllStmt *stmt) {
    Oid from = get_tablespace_oid(stmt->orig_tablespacename, true);
    if (!OidIsValid(from))
        return false;
    if (from == MyDatabaseTableSpace)
        from = InvalidOid;  // relations in the database's default tablespace store 0
    const char *query =
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.reltablespace = $1 AND (c.oid IN "
        "  (SELECT objid FROM pg_catalog.pg_depend WHERE classid = "
        "'pg_catalog.pg_class'::pg_catalog.regclass "
        "   AND deptype = 'e' AND refobjid = $2) OR c.oid IN (SELECT indexrelid FROM "
        "pg_catalog.pg_index i "
        "   JOIN pg_catalog.pg_depend d ON d.objid = i.indrelid AND d.deptype = 'e' AND d.refobjid "
        "= $2 "
        "   AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)))";
    Oid types[2] = {OIDOID, OIDOID};
    Datum values[2] = {ObjectIdGetDatum(from), ObjectIdGetDatum(g.extension)};
    int pinned = pin_search_path();
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    int rc = SPI_execute_with_args(query, 2, types, values, nullptr, true, 1);
    bool moves = false;
    if (rc == SPI_OK_SELECT && SPI_processed == 1) {
        bool isnull;
        moves =
            DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    }
    SPI_finish();
    unpin_search_path(pinned);
    return moves;
}

// An ALTER TABLE subcommand of `relid`, as the allow-list tells them apart.
DdlAction table_action(Oid relid, const AlterTableCmd *cmd) {
    switch (table_command_kind(cmd)) {
        case AT_AddConstraint: {
            const Constraint *c = reinterpret_cast<const Constraint *>(cmd->def);
            if (c == nullptr || !IsA(c, Constraint))
                return DdlAction::kOther;
            return c->contype == CONSTR_FOREIGN ? DdlAction::kAddForeignKey
                   : c->contype == CONSTR_CHECK ? DdlAction::kAddCheck
                                                : DdlAction::kAddOtherConstraint;
        }
        case AT_DropConstraint:
            return named_in(cmd->name, kOwnConstraints) ||
                           own_constraint(get_relation_constraint_oid(relid, cmd->name, true))
                       ? DdlAction::kDropOwnConstraint
                       : DdlAction::kDropUserConstraint;
        case AT_ValidateConstraint:
            return DdlAction::kValidateConstraint;
        case AT_SetRelOptions:
        case AT_ResetRelOptions:
            return DdlAction::kSetStorage;
        case AT_ClusterOn:
            return DdlAction::kClusterOn;
        case AT_DropCluster:
            return DdlAction::kDropCluster;
        default:
            return DdlAction::kOther;
    }
}

void check_alter_table(const Guard &g, const AlterTableStmt *stmt) {
    Oid relid = guarded_relation_of(g, stmt->relation);
    bool ours = protected_relation(g, relid);
    DdlObject object = ours ? relation_object(g, relid) : DdlObject::kAny;
    ListCell *cell;
    foreach (cell, stmt->cmds) {
        const AlterTableCmd *cmd = static_cast<const AlterTableCmd *>(lfirst(cell));
        if (ours)
            refuse(DdlStatement::kAlterTable, object, table_action(relid, cmd));
        // Another table may not take one of ours as parent or partition.
        if (cmd->subtype == AT_AddInherit &&
            protected_range_var(g, reinterpret_cast<const RangeVar *>(cmd->def)))
            refuse(DdlStatement::kInherit);
        if (cmd->subtype == AT_AttachPartition &&
            protected_range_var(g, reinterpret_cast<const PartitionCmd *>(cmd->def)->name))
            refuse(DdlStatement::kAttachPartition);
    }
}

// The OID of the function a CREATE OR REPLACE would replace, when a function of that name is
// the extension's; otherwise InvalidOid, with no argument type resolved.
Oid replaced_function(const Guard &g, List *name, List *parameters) {
    if (!names_our_function(g, name))
        return InvalidOid;
    Oid types[FUNC_MAX_ARGS];
    int count = 0;
    ListCell *cell;
    foreach (cell, parameters) {
        const FunctionParameter *p = static_cast<const FunctionParameter *>(lfirst(cell));
        if (!IsA(p, FunctionParameter))
            return InvalidOid;
        if (p->mode == FUNC_PARAM_OUT || p->mode == FUNC_PARAM_TABLE)
            continue;
        if (count == FUNC_MAX_ARGS)
            return InvalidOid;
        Oid type = LookupTypeNameOid(nullptr, p->argType, true);
        if (!OidIsValid(type))
            return InvalidOid;
        types[count++] = type;
    }
    return LookupFuncName(name, count, types, true);
}

// CREATE OR REPLACE AGGREGATE name (args) or, old style, name (BASETYPE = type, ...).
bool replaces_our_aggregate(const Guard &g, const DefineStmt *stmt) {
    if (!names_our_function(g, stmt->defnames))
        return false;
    Oid existing = InvalidOid;
    if (!stmt->oldstyle && stmt->args != NIL) {
        existing = replaced_function(g, stmt->defnames, castNode(List, linitial(stmt->args)));
    } else {
        ListCell *cell;
        foreach (cell, stmt->definition) {
            DefElem *def = static_cast<DefElem *>(lfirst(cell));
            if (strcmp(def->defname, "basetype") != 0 || def->arg == nullptr ||
                !IsA(def->arg, TypeName))
                continue;
            Oid type = LookupTypeNameOid(nullptr, castNode(TypeName, def->arg), true);
            if (OidIsValid(type))
                existing = LookupFuncName(stmt->defnames, 1, &type, true);
        }
    }
    return OidIsValid(existing) &&
           getExtensionOfObject(ProcedureRelationId, existing) == g.extension;
}

bool names_role_type(const Guard &g, TypeName *type) {
    Oid oid = LookupTypeNameOid(nullptr, type, true);
    return OidIsValid(oid) && getExtensionOfObject(TypeRelationId, oid) == g.extension;
}

void check_drop(const Guard &g, DropStmt *stmt) {
    ListCell *cell;
    foreach (cell, stmt->objects) {
        Node *object = static_cast<Node *>(lfirst(cell));
        switch (stmt->removeType) {
            case OBJECT_EXTENSION:
                if (strcmp(strVal(object), kExtensionName) == 0)
                    check_extension_drop(g);
                break;
            case OBJECT_SCHEMA:
                if (get_namespace_oid(strVal(object), true) == g.schema)
                    check_extension_drop(g);
                break;
            case OBJECT_TABLE:
            case OBJECT_VIEW:
            case OBJECT_SEQUENCE:
            case OBJECT_INDEX:
            case OBJECT_MATVIEW:
            case OBJECT_FOREIGN_TABLE: {
                Oid relid = relation_of(makeRangeVarFromNameList(castNode(List, object)));
                if (protected_relation(g, relid))
                    refuse(DdlStatement::kDrop, relation_object(g, relid));
                break;
            }
            default:
                // DROP TRIGGER, POLICY, RULE: PostgreSQL locks the table ACCESS EXCLUSIVE.
                if (protected_object(g, stmt->removeType, object, AccessExclusiveLock))
                    refuse(DdlStatement::kDrop, DdlObject::kOther);
        }
        if (stmt->behavior == DROP_CASCADE && stmt->removeType != OBJECT_EXTENSION &&
            stmt->removeType != OBJECT_SCHEMA && extension_rests_on(g, stmt->removeType, object))
            check_extension_drop(g);
        if (stmt->behavior == DROP_CASCADE && stmt->removeType == OBJECT_EXTENSION &&
            strcmp(strVal(object), kExtensionName) != 0 &&
            extension_rests_on(g, stmt->removeType, object))
            check_extension_drop(g);
    }
}

// A publication's column list or row filter on one of the extension's tables would make
// every UPDATE and DELETE of it fail ("cannot update table"): the grants would be frozen.
void check_publication(const Guard &g, List *objects) {
    ListCell *cell;
    foreach (cell, objects) {
        auto *spec = castNode(PublicationObjSpec, lfirst(cell));
        PublicationTable *table = spec->pubtable;
        if (table != nullptr && (table->whereClause != nullptr || table->columns != NIL) &&
            protected_range_var(g, table->relation))
            refuse(DdlStatement::kPublishWithListOrFilter);
    }
}

void check_statement(const Guard &g, Node *parsetree) {
    switch (nodeTag(parsetree)) {
        case T_AlterTableStmt:
            check_alter_table(g, castNode(AlterTableStmt, parsetree));
            break;
        case T_RenameStmt: {
            auto *stmt = castNode(RenameStmt, parsetree);
            // Objects named by a single name (schemas, event triggers) come as subname.
            Node *object = stmt->object != nullptr || stmt->subname == nullptr
                               ? stmt->object
                               : reinterpret_cast<Node *>(makeString(stmt->subname));
            if (stmt->relation != nullptr
                    ? protected_range_var(g, stmt->relation)
                    : protected_object(g, stmt->renameType, object, AccessExclusiveLock))
                refuse(DdlStatement::kRename);
            break;
        }
        case T_AlterObjectSchemaStmt: {
            auto *stmt = castNode(AlterObjectSchemaStmt, parsetree);
            if (stmt->relation != nullptr ? protected_range_var(g, stmt->relation)
                                          : protected_object(g, stmt->objectType, stmt->object))
                refuse(DdlStatement::kSetSchema);
            break;
        }
        case T_AlterOwnerStmt: {
            auto *stmt = castNode(AlterOwnerStmt, parsetree);
            if (stmt->relation != nullptr ? protected_range_var(g, stmt->relation)
                                          : protected_object(g, stmt->objectType, stmt->object))
                refuse(DdlStatement::kChangeOwner);
            break;
        }
        case T_AlterObjectDependsStmt: {
            auto *stmt = castNode(AlterObjectDependsStmt, parsetree);
            if (stmt->relation != nullptr
                    ? protected_range_var(g, stmt->relation)
                    : protected_object(g, stmt->objectType, stmt->object, AccessExclusiveLock))
                refuse(DdlStatement::kDependsOnExtension);
            break;
        }
        case T_AlterFunctionStmt: {
            auto *stmt = castNode(AlterFunctionStmt, parsetree);
            if (protected_object(g, stmt->objtype, reinterpret_cast<Node *>(stmt->func)))
                refuse(DdlStatement::kAlterFunction);
            break;
        }
        case T_CreateFunctionStmt: {
            auto *stmt = castNode(CreateFunctionStmt, parsetree);
            Oid existing =
                stmt->replace ? replaced_function(g, stmt->funcname, stmt->parameters) : InvalidOid;
            if (OidIsValid(existing) &&
                getExtensionOfObject(ProcedureRelationId, existing) == g.extension)
                refuse(DdlStatement::kReplaceFunction);
            break;
        }
        case T_DefineStmt: {
            auto *stmt = castNode(DefineStmt, parsetree);
            if (stmt->replace && stmt->kind == OBJECT_AGGREGATE && replaces_our_aggregate(g, stmt))
                refuse(DdlStatement::kReplaceAggregate);
            break;
        }
        case T_AlterOperatorStmt: {
            auto *stmt = castNode(AlterOperatorStmt, parsetree);
            if (protected_object(g, OBJECT_OPERATOR, reinterpret_cast<Node *>(stmt->opername)))
                refuse(DdlStatement::kAlterOperator);
            break;
        }
        case T_AlterTypeStmt: {
            auto *stmt = castNode(AlterTypeStmt, parsetree);
            if (names_role_type(g, makeTypeNameFromNameList(stmt->typeName)))
                refuse(DdlStatement::kAlterType);
            break;
        }
        case T_AlterOpFamilyStmt: {
            auto *stmt = castNode(AlterOpFamilyStmt, parsetree);
            Oid am = get_am_oid(stmt->amname, true);
            Oid family =
                OidIsValid(am) ? get_opfamily_oid(am, stmt->opfamilyname, true) : InvalidOid;
            if (OidIsValid(family) &&
                getExtensionOfObject(OperatorFamilyRelationId, family) == g.extension)
                refuse(DdlStatement::kAlterOperatorFamily);
            break;
        }
        case T_CreateOpClassStmt: {
            // A new class in the extension's family, or any class for its type, would put
            // a role's support functions into every index and sort over roles.
            auto *stmt = castNode(CreateOpClassStmt, parsetree);
            Oid am = get_am_oid(stmt->amname, true);
            Oid family = OidIsValid(am) && stmt->opfamilyname != NIL
                             ? get_opfamily_oid(am, stmt->opfamilyname, true)
                             : InvalidOid;
            if ((OidIsValid(family) &&
                 getExtensionOfObject(OperatorFamilyRelationId, family) == g.extension) ||
                names_role_type(g, stmt->datatype))
                refuse(DdlStatement::kCreateOperatorClass);
            break;
        }
        case T_CreatePublicationStmt:
            check_publication(g, castNode(CreatePublicationStmt, parsetree)->pubobjects);
            break;
        case T_AlterPublicationStmt:
            check_publication(g, castNode(AlterPublicationStmt, parsetree)->pubobjects);
            break;
        case T_CreateCastStmt: {
            auto *stmt = castNode(CreateCastStmt, parsetree);
            if (names_role_type(g, stmt->sourcetype) || names_role_type(g, stmt->targettype))
                refuse(DdlStatement::kCreateCast);
            break;
        }
        case T_CreateTrigStmt:
            if (protected_range_var(g, castNode(CreateTrigStmt, parsetree)->relation))
                refuse(DdlStatement::kCreateTrigger);
            break;
        case T_RuleStmt:
            if (protected_range_var(g, castNode(RuleStmt, parsetree)->relation))
                refuse(DdlStatement::kCreateRule);
            break;
        case T_CreatePolicyStmt:
            if (protected_range_var(g, castNode(CreatePolicyStmt, parsetree)->table))
                refuse(DdlStatement::kCreatePolicy);
            break;
        case T_AlterPolicyStmt:
            if (protected_range_var(g, castNode(AlterPolicyStmt, parsetree)->table))
                refuse(DdlStatement::kAlterPolicy);
            break;
        case T_CreateStatsStmt: {
            ListCell *cell;
            foreach (cell, castNode(CreateStatsStmt, parsetree)->relations)
                if (IsA(lfirst(cell), RangeVar) &&
                    protected_range_var(g, static_cast<RangeVar *>(lfirst(cell))))
                    refuse(DdlStatement::kCreateStatistics);
            break;
        }
        case T_CreateStmt:
        case T_CreateForeignTableStmt: {
            // CreateForeignTableStmt begins with its CreateStmt.
            auto *stmt = reinterpret_cast<CreateStmt *>(parsetree);
            ListCell *cell;
            foreach (cell, stmt->inhRelations)
                if (protected_range_var(g, static_cast<RangeVar *>(lfirst(cell))))
                    refuse(DdlStatement::kInherit);
            break;
        }
        case T_ViewStmt: {
            auto *stmt = castNode(ViewStmt, parsetree);
            if (stmt->replace && protected_range_var(g, stmt->view))
                refuse(DdlStatement::kReplaceView);
            break;
        }
        case T_AlterSeqStmt:
            if (protected_range_var(g, castNode(AlterSeqStmt, parsetree)->sequence))
                refuse(DdlStatement::kAlterSequence);
            break;
        case T_SecLabelStmt: {
            auto *stmt = castNode(SecLabelStmt, parsetree);
            if (protected_object(g, stmt->objtype, stmt->object))
                refuse(DdlStatement::kSecurityLabel);
            break;
        }
        case T_AlterExtensionContentsStmt:
            if (strcmp(castNode(AlterExtensionContentsStmt, parsetree)->extname, kExtensionName) ==
                0)
                refuse(DdlStatement::kAlterExtensionContents);
            break;
        case T_DropStmt:
            check_drop(g, castNode(DropStmt, parsetree));
            break;
        case T_DropOwnedStmt:
            if (names_an_owner(g, castNode(DropOwnedStmt, parsetree)->roles))
                check_extension_drop(g);
            break;
        case T_ReassignOwnedStmt:
            if (names_an_owner(g, castNode(ReassignOwnedStmt, parsetree)->roles))
                refuse(DdlStatement::kReassignOwned);
            break;
        case T_AlterTableMoveAllStmt:
            if (moves_ours(g, castNode(AlterTableMoveAllStmt, parsetree)))
                refuse(DdlStatement::kMoveTablespace);
            break;
        case T_CreateSchemaStmt: {
            // Its elements (CREATE TABLE, VIEW, INDEX, SEQUENCE, TRIGGER, GRANT) run as
            // subcommands, which fire no event trigger of their own.
            ListCell *cell;
            foreach (cell, castNode(CreateSchemaStmt, parsetree)->schemaElts)
                check_statement(g, static_cast<Node *>(lfirst(cell)));
            break;
        }
        case T_AlterEventTrigStmt: {
            Oid trigger =
                get_event_trigger_oid(castNode(AlterEventTrigStmt, parsetree)->trigname, true);
            if (OidIsValid(trigger) &&
                getExtensionOfObject(EventTriggerRelationId, trigger) == g.extension)
                refuse(DdlStatement::kAlterEventTrigger);
            break;
        }
        default:
            break;
    }
}

// ALTER EXTENSION customer_access UPDATE, ADD or DROP: the statements (besides the
// extension's own scripts and DROP EXTENSION) that change which objects are its members.
bool changes_membership(Node *parsetree) {
    switch (nodeTag(parsetree)) {
        case T_AlterExtensionStmt:
            return strcmp(castNode(AlterExtensionStmt, parsetree)->extname, kExtensionName) == 0;
        case T_AlterExtensionContentsStmt:
            return strcmp(castNode(AlterExtensionContentsStmt, parsetree)->extname,
                          kExtensionName) == 0;
        default:
            return false;
    }
}

// A server pg_upgrade started (binary upgrade mode: only pg_upgrade connects) rebuilds the
// extension member by member (ALTER EXTENSION ... ADD) and copies the tables' files in
// afterwards: the guard stands aside as for the extension's own script.
bool restoring_for_pg_upgrade() {
    return IsBinaryUpgrade;
}

// The guard, or nothing to guard: no extension, the extension's own script, pg_upgrade, or
// the exit.
bool guard_applies(Guard *g) {
    if (restoring_for_pg_upgrade())
        return false;
    g->extension = installed_extension();
    if (!OidIsValid(g->extension))
        return false;
    if (creating_extension && CurrentExtensionObject == g->extension)
        return false;
    if (owner_revoke_allowed())
        return false;
    g->schema = extension_schema(g->extension);
    return true;
}

ProcessUtility_hook_type previous_utility_hook = nullptr;

// Statements that fire no event trigger: only a preloaded module sees them.
bool fires_no_event_trigger(Node *parsetree) {
    switch (nodeTag(parsetree)) {
        case T_AlterEventTrigStmt:
        case T_ReassignOwnedStmt:
            return true;
        case T_RenameStmt:
            return castNode(RenameStmt, parsetree)->renameType == OBJECT_EVENT_TRIGGER;
        case T_AlterOwnerStmt:
            return castNode(AlterOwnerStmt, parsetree)->objectType == OBJECT_EVENT_TRIGGER;
        case T_DropStmt:
            return castNode(DropStmt, parsetree)->removeType == OBJECT_EVENT_TRIGGER;
        default:
            return false;
    }
}

void guard_utility(PlannedStmt *pstmt, const char *query, bool read_only,
                   ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *env,
                   DestReceiver *dest, QueryCompletion *qc) {
    Guard g;
    if (IsTransactionState() && fires_no_event_trigger(pstmt->utilityStmt) && guard_applies(&g)) {
        check_statement(g, pstmt->utilityStmt);
        check_shard_statement(g.extension, g.schema, pstmt->utilityStmt);
    }
    if (previous_utility_hook != nullptr)
        previous_utility_hook(pstmt, query, read_only, context, params, env, dest, qc);
    else
        standard_ProcessUtility(pstmt, query, read_only, context, params, env, dest, qc);
}

}  // namespace

namespace customer_access::pg {

void install_utility_guard() {
    previous_utility_hook = ProcessUtility_hook;
    ProcessUtility_hook = guard_utility;
}

bool function_written_by_a_role(Oid function) {
    if (function < FirstNormalObjectId)
        return false;
    HeapTuple tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(function));
    if (!HeapTupleIsValid(tuple))
        return true;
    Oid owner = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple))->proowner;
    ReleaseSysCache(tuple);
    return !superuser_arg(owner);
}

}  // namespace customer_access::pg

// guard_ddl_end(): ON ddl_command_end, for what only the finished command shows: the code
// that new constraints and indexes on the extension's tables call.
CUSTOMER_ACCESS_FUNCTION(guard_ddl_end) {
    if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("guard_ddl_end() must be called as an event trigger")));
    auto *data = reinterpret_cast<EventTriggerData *>(fcinfo->context);
    Guard g;
    g.extension = installed_extension();
    if (!OidIsValid(g.extension) || (creating_extension && CurrentExtensionObject == g.extension) ||
        restoring_for_pg_upgrade())
        PG_RETURN_VOID();
    g.schema = extension_schema(g.extension);
    ExtrasWork work = noted_extras_work(g.extension, g.schema, data->parsetree);
    bool foreign_keys = noted_foreign_key_work(g.extension, data->parsetree);
    if (!work.record && !work.replay && !foreign_keys)
        PG_RETURN_VOID();  // not about the extension's tables or what they reference
    const RangeVar *target = nullptr;
    if (IsA(data->parsetree, AlterTableStmt))
        target = castNode(AlterTableStmt, data->parsetree)->relation;
    else if (IsA(data->parsetree, IndexStmt))
        target = castNode(IndexStmt, data->parsetree)->relation;
    Oid relid = relation_of(target);
    // The code and foreign-key rules hold with the exit on too (code_rule.hpp): after DDL on
    // one of the extension's tables, or DDL that may have made a key to or from them, what
    // the catalogs hold keeps them.
    bool ours = member_relation(g, relid) && get_rel_relkind(relid) == RELKIND_RELATION;
    if (ours)
        check_table_code(g.extension, relid);
    if (ours || foreign_keys)
        check_foreign_keys(g.extension);
    // A key to the extension's tables is no table_extras work (it is dumped with its table):
    // such a statement must not wait on a restore's load of table_extras either.
    if (work.record || work.replay)
        keep_table_extras(g.extension, g.schema, work.record, false);
    PG_RETURN_VOID();
}

CUSTOMER_ACCESS_FUNCTION(guard_ddl) {
    if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("guard_ddl() must be called as an event trigger")));
    auto *data = reinterpret_cast<EventTriggerData *>(fcinfo->context);
    Guard g;
    g.extension = installed_extension();
    // Before anything stands aside (the exit, the extension's own script): what every backend
    // remembers of the extension's members must follow a change of them.
    if (OidIsValid(g.extension) && changes_membership(data->parsetree))
        announce_membership_change();
    bool ours_running = creating_extension && CurrentExtensionObject == g.extension;
    if (OidIsValid(g.extension) && !ours_running && !restoring_for_pg_upgrade())
        note_extras_work(g.extension, extension_schema(g.extension), data->parsetree);
    if (guard_applies(&g)) {
        check_statement(g, data->parsetree);
        check_shard_statement(g.extension, g.schema, data->parsetree);
    }
    // The foreign-key rule has no exit: judged before PostgreSQL validates a key.
    if (OidIsValid(g.extension) && !ours_running && !restoring_for_pg_upgrade())
        judge_statement_rules(g.extension, data->parsetree);
    PG_RETURN_VOID();
}

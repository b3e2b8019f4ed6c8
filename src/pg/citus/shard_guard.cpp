#include "pg/citus/shard_guard.hpp"

#include "pg/boundary/compat.hpp"
#include "pg/citus/citus_bridge.hpp"
#include "pg/catalog/own_objects.hpp"
#include "pg/identity/settings.hpp"
#include "pg/catalog/relation_owner.hpp"

extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "commands/policy.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/syscache.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "commands/extension.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
}

namespace customer_access::pg {
namespace {

[[noreturn]] void refuse(const char *what) {
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("customer_access protects its objects: %s is not allowed", what),
             errdetail("This is the Citus shard of customer_access.external_access on this node: "
                       "its triggers, policies, columns and name stay as Citus made them."),
             errhint("A superuser may SET customer_access.allow_owner_revoke = on to change the "
                     "extension's objects on purpose.")));
    pg_unreachable();
}

bool is_shard(Oid shard, const RangeVar *rv) {
    return rv != nullptr && RangeVarGetRelid(rv, NoLock, true) == shard;
}

// A name list [schema.]table.object (triggers, policies, rules) names the shard's object.
bool names_shard_object(Oid shard, Node *object) {
    if (object == nullptr || !IsA(object, List) || list_length(castNode(List, object)) < 2)
        return false;
    List *table = list_copy(castNode(List, object));
    table = list_truncate(table, list_length(table) - 1);
    return is_shard(shard, makeRangeVarFromNameList(table));
}

// The shard's object carries the name of the table's with "_<shard id>" appended.
bool shard_name_of(const char *name, const char *table_object, int64 shard) {
    return name != nullptr && strcmp(name, psprintf("%s_" INT64_FORMAT, table_object, shard)) == 0;
}

// The function a trigger of `table` named `name` calls, or InvalidOid.
Oid trigger_function(Oid table, const char *name) {
    Relation rel = table_open(TriggerRelationId, AccessShareLock);
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], Anum_pg_trigger_tgrelid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(table));
    ScanKeyInit(&keys[1], Anum_pg_trigger_tgname, BTEqualStrategyNumber, F_NAMEEQ,
                CStringGetDatum(name));
    SysScanDesc scan = systable_beginscan(rel, TriggerRelidNameIndexId, true, nullptr, 2, keys);
    HeapTuple tuple = systable_getnext(scan);
    Oid function = HeapTupleIsValid(tuple)
                       ? reinterpret_cast<Form_pg_trigger>(GETSTRUCT(tuple))->tgfoid
                       : InvalidOid;
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
    return function;
}

// CREATE TRIGGER on the shard: only Citus copying one of the table's triggers (same name
// with the shard's suffix, same function).
bool copies_table_trigger(Oid table, int64 shard, const CreateTrigStmt *stmt) {
    if (stmt->replace || stmt->trigname == nullptr)
        return false;
    const char *suffix = psprintf("_" INT64_FORMAT, shard);
    size_t length = strlen(stmt->trigname), suffix_length = strlen(suffix);
    if (length <= suffix_length || strcmp(stmt->trigname + length - suffix_length, suffix) != 0)
        return false;
    Oid copied = trigger_function(table, pnstrdup(stmt->trigname, length - suffix_length));
    return OidIsValid(copied) && LookupFuncName(stmt->funcname, 0, nullptr, true) == copied;
}

// OWNER TO on the shard: only to the table's owner (Citus does it while building the shard).
bool to_table_owner(Oid table, const AlterTableCmd *cmd) {
    if (cmd->newowner == nullptr)
        return false;
    Oid owner = relation_owner(table);
    return OidIsValid(owner) && get_rolespec_oid(cmd->newowner, true) == owner;
}

// An index of the shard (an own index of the table, copied, is among them).
bool index_of_shard(Oid shard, const RangeVar *rv) {
    Oid index = rv != nullptr ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
    return OidIsValid(index) && get_rel_relkind(index) == RELKIND_INDEX &&
           IndexGetRelation(index, true) == shard;
}

// What Citus does while it builds a shard, and what the table itself allows.
bool allowed_shard_command(Oid table, const AlterTableCmd *cmd) {
    if (cmd->subtype == AT_ChangeOwner)
        return to_table_owner(table, cmd);
    switch (table_command_kind(cmd)) {
        case AT_AddConstraint:
        case AT_AddIndex:
        case AT_AddIndexConstraint:
        case AT_ValidateConstraint:
        case AT_EnableRowSecurity:
        case AT_ForceRowSecurity:
        case AT_EnableAlwaysTrig:
        case AT_SetRelOptions:
        case AT_ResetRelOptions:
        case AT_ClusterOn:
        case AT_DropCluster:
            return true;
        default:
            return false;
    }
}

}  // namespace

Oid local_grants_shard(Oid schema) {
    if (!citus_loaded())
        return InvalidOid;
    Oid grants = get_relname_relid("external_access", schema);
    if (!OidIsValid(grants))
        return InvalidOid;
    RowHome home = row_home(grants);
    return home.distributed ? home.relation : InvalidOid;
}

bool is_grants_table(Oid relid) {
    Oid schema = get_namespace_oid("customer_access", true);
    return OidIsValid(schema) && get_rel_namespace(relid) == schema &&
           relid == get_relname_relid("external_access", schema);
}

int64 grants_copy_shard(Oid relid) {
    constexpr char kPrefix[] = "external_access_";
    Oid schema = get_namespace_oid("customer_access", true);
    if (!OidIsValid(schema) || get_rel_namespace(relid) != schema ||
        get_rel_relkind(relid) != RELKIND_RELATION)
        return 0;
    const char *name = get_rel_name(relid);
    if (name == nullptr || strncmp(name, kPrefix, sizeof kPrefix - 1) != 0)
        return 0;
    const char *digits = name + sizeof kPrefix - 1;
    if (*digits == '\0' || *digits == '0' || strspn(digits, "0123456789") != strlen(digits) ||
        strlen(digits) > 18)
        return 0;
    return strtoll(digits, nullptr, 10);
}

void check_shard_statement(Oid, Oid schema, Node *parsetree) {
    Oid shard = local_grants_shard(schema);
    if (!OidIsValid(shard))
        return;
    Oid table = get_relname_relid("external_access", schema);
    int64 shard_id = 0;
    {
        const char *name = get_rel_name(shard);
        const char *digits = name != nullptr ? strrchr(name, '_') : nullptr;
        if (digits != nullptr)
            shard_id = strtoll(digits + 1, nullptr, 10);
    }
    switch (nodeTag(parsetree)) {
        case T_AlterTableStmt: {
            auto *stmt = castNode(AlterTableStmt, parsetree);
            ListCell *each;
            // Another table may not take the shard as its partition or parent.
            foreach (each, stmt->cmds) {
                auto *cmd = static_cast<AlterTableCmd *>(lfirst(each));
                if ((cmd->subtype == AT_AttachPartition &&
                     is_shard(shard, reinterpret_cast<PartitionCmd *>(cmd->def)->name)) ||
                    (cmd->subtype == AT_AddInherit &&
                     is_shard(shard, reinterpret_cast<RangeVar *>(cmd->def))))
                    refuse("attaching the grants' shard to another table");
            }
            if (index_of_shard(shard, stmt->relation))
                refuse("this ALTER of an index of the grants' shard");
            if (!is_shard(shard, stmt->relation))
                break;
            ListCell *cell;
            foreach (cell, stmt->cmds)
                if (!allowed_shard_command(table, static_cast<AlterTableCmd *>(lfirst(cell))))
                    refuse("this ALTER of the grants' shard");
            break;
        }
        case T_CreateTrigStmt: {
            auto *stmt = castNode(CreateTrigStmt, parsetree);
            if (is_shard(shard, stmt->relation) && !copies_table_trigger(table, shard_id, stmt))
                refuse("creating or replacing triggers on the grants' shard");
            break;
        }
        case T_CreatePolicyStmt: {
            auto *stmt = castNode(CreatePolicyStmt, parsetree);
            if (is_shard(shard, stmt->table) &&
                !OidIsValid(get_relation_policy_oid(table, stmt->policy_name, true)))
                refuse("creating policies on the grants' shard other than the table's");
            break;
        }
        case T_CreateStmt: {
            ListCell *cell;
            foreach (cell, castNode(CreateStmt, parsetree)->inhRelations)
                if (is_shard(shard, static_cast<RangeVar *>(lfirst(cell))))
                    refuse("inheriting from the grants' shard");
            break;
        }
        case T_RuleStmt:
            if (is_shard(shard, castNode(RuleStmt, parsetree)->relation))
                refuse("creating or replacing rules on the grants' shard");
            break;
        case T_AlterPolicyStmt:
            if (is_shard(shard, castNode(AlterPolicyStmt, parsetree)->table))
                refuse("altering the policies of the grants' shard");
            break;
        case T_RenameStmt: {
            // The shard itself, its indexes, or its columns, triggers, policies or rules.
            auto *stmt = castNode(RenameStmt, parsetree);
            if (is_shard(shard, stmt->relation) || index_of_shard(shard, stmt->relation))
                refuse("renaming the grants' shard or its objects");
            break;
        }
        case T_AlterObjectSchemaStmt:
            if (is_shard(shard, castNode(AlterObjectSchemaStmt, parsetree)->relation))
                refuse("moving the grants' shard to another schema");
            break;
        case T_AlterObjectDependsStmt:
            if (is_shard(shard, castNode(AlterObjectDependsStmt, parsetree)->relation))
                refuse("tying the grants' shard to an extension");
            break;
        case T_DropStmt: {
            auto *stmt = castNode(DropStmt, parsetree);
            ListCell *cell;
            foreach (cell, stmt->objects) {
                Node *object = static_cast<Node *>(lfirst(cell));
                if (stmt->removeType == OBJECT_TABLE &&
                    is_shard(shard, makeRangeVarFromNameList(castNode(List, object))))
                    refuse("dropping the grants' shard");
                if (stmt->removeType == OBJECT_INDEX) {
                    RangeVar *rv = makeRangeVarFromNameList(castNode(List, object));
                    if (index_of_shard(shard, rv)) {
                        bool own = false;
                        for (const char *name : kOwnIndexes)
                            own = own || shard_name_of(rv->relname, name, shard_id);
                        if (own)
                            refuse("dropping the extension's indexes of the grants' shard");
                    }
                }
                if ((stmt->removeType == OBJECT_TRIGGER || stmt->removeType == OBJECT_POLICY ||
                     stmt->removeType == OBJECT_RULE) &&
                    names_shard_object(shard, object))
                    refuse("dropping the triggers, policies or rules of the grants' shard");
            }
            break;
        }
        default:
            break;
    }
}

}  // namespace customer_access::pg

#include "shard_guard.hpp"

#include "citus_bridge.hpp"
#include "settings.hpp"

extern "C" {
#include "catalog/dependency.h"
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

// What Citus does while it builds a shard, and what the table itself allows.
bool allowed_shard_command(const AlterTableCmd *cmd) {
    switch (cmd->subtype) {
        case AT_AddConstraint:
        case AT_AddConstraintRecurse:
        case AT_AddIndex:
        case AT_AddIndexConstraint:
        case AT_ValidateConstraint:
        case AT_ValidateConstraintRecurse:
        case AT_ChangeOwner:
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

// CREATE TRIGGER on the shard: only Citus copying one of the extension's triggers.
bool calls_extension_function(Oid extension, const CreateTrigStmt *stmt) {
    Oid function = LookupFuncName(stmt->funcname, 0, nullptr, true);
    return OidIsValid(function) &&
           getExtensionOfObject(ProcedureRelationId, function) == extension;
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

void check_shard_statement(Oid extension, Oid schema, Node *parsetree) {
    Oid shard = local_grants_shard(schema);
    if (!OidIsValid(shard))
        return;
    switch (nodeTag(parsetree)) {
        case T_AlterTableStmt: {
            auto *stmt = castNode(AlterTableStmt, parsetree);
            if (!is_shard(shard, stmt->relation))
                break;
            ListCell *cell;
            foreach (cell, stmt->cmds)
                if (!allowed_shard_command(static_cast<AlterTableCmd *>(lfirst(cell))))
                    refuse("this ALTER of the grants' shard");
            break;
        }
        case T_CreateTrigStmt: {
            auto *stmt = castNode(CreateTrigStmt, parsetree);
            if (is_shard(shard, stmt->relation) &&
                (stmt->replace || !calls_extension_function(extension, stmt)))
                refuse("creating or replacing triggers on the grants' shard");
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
        case T_RenameStmt:
            // The shard itself, or its columns, triggers, policies or rules (named with it).
            if (is_shard(shard, castNode(RenameStmt, parsetree)->relation))
                refuse("renaming the grants' shard or its objects");
            break;
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

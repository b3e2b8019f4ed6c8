#include "ddl_rule.hpp"

namespace customer_access {
namespace {

using S = DdlStatement;
using O = DdlObject;
using A = DdlAction;

constexpr const char *kConstraintsAndIndexes =
    "add or drop FOREIGN KEY and CHECK constraints and indexes of its own";

// Allowed rows first (README lists them in this order; the DETAIL names their phrases in
// the order they first appear), then the refusals.
constexpr DdlRule kRules[] = {
    {S::kAlterTable, O::kTable, A::kAddForeignKey, true,
     "`ALTER TABLE ... ADD [CONSTRAINT ...] FOREIGN KEY`: each referencing column of exactly "
     "the referenced column's type, compared with built-in equality operators",
     kConstraintsAndIndexes},
    {S::kAlterTable, O::kTable, A::kAddCheck, true,
     "`ALTER TABLE ... ADD [CONSTRAINT ...] CHECK`, its expression under the code rule",
     kConstraintsAndIndexes},
    {S::kAlterTable, O::kTable, A::kDropUserConstraint, true,
     "`ALTER TABLE ... DROP CONSTRAINT` of a constraint a user added", kConstraintsAndIndexes},
    {S::kCreateIndex, O::kTable, A::kAny, true,
     "`CREATE INDEX`, its expressions, predicate and operator classes under the code rule",
     kConstraintsAndIndexes},
    {S::kDrop, O::kUserIndex, A::kAny, true, "`DROP INDEX` of an index a user made",
     kConstraintsAndIndexes},
    {S::kComment, O::kAny, A::kAny, true, "`COMMENT`", "COMMENT"},
    {S::kGrant, O::kAny, A::kAny, true, "`GRANT`", "GRANT"},
    {S::kRevoke, O::kAny, A::kAny, true, "`REVOKE`", "REVOKE"},
    {S::kAlterTable, O::kTable, A::kSetStorage, true,
     "storage parameters: `ALTER TABLE ... SET (fillfactor = ...)`, `RESET (...)`",
     "set storage parameters"},
    {S::kAlterTable, O::kOwnIndex, A::kSetStorage, true,
     "storage parameters of the extension's indexes: `ALTER INDEX ... SET (...)`, `RESET (...)`",
     "set storage parameters"},
    {S::kAlterTable, O::kTable, A::kValidateConstraint, true,
     "`ALTER TABLE ... VALIDATE CONSTRAINT`"},
    {S::kAlterTable, O::kTable, A::kClusterOn, true, "`ALTER TABLE ... CLUSTER ON`"},
    {S::kAlterTable, O::kTable, A::kDropCluster, true, "`ALTER TABLE ... SET WITHOUT CLUSTER`"},
    {S::kVacuum, O::kAny, A::kAny, true, "`VACUUM`"},
    {S::kAnalyze, O::kAny, A::kAny, true, "`ANALYZE`"},
    {S::kCluster, O::kAny, A::kAny, true, "`CLUSTER`"},
    {S::kReindex, O::kAny, A::kAny, true, "`REINDEX`"},

    {S::kAlterTable, O::kTable, A::kAny, false, "this ALTER of the extension's table", nullptr,
     "any other `ALTER TABLE` of the extension's tables: changing, adding, dropping or renaming "
     "columns, their defaults and `NOT NULL`, other constraints (`UNIQUE`, `PRIMARY KEY`, "
     "`EXCLUDE`) and the extension's own, `SET LOGGED`/`UNLOGGED`, `REPLICA IDENTITY`, `SET "
     "TABLESPACE`, `SET ACCESS METHOD`, `OWNER TO`, row security, enabling or disabling "
     "triggers and rules, inheritance"},
    {S::kAlterTable, O::kViewOrSequence, A::kAny, false,
     "this ALTER of the extension's view or sequence", nullptr,
     "any `ALTER` of the extension's view (`security_invoker` and `check_option` included) or "
     "sequence"},
    {S::kAlterTable, O::kOwnIndex, A::kAny, false, "this ALTER of the extension's index", nullptr,
     "any `ALTER INDEX` of the extension's own indexes but their storage parameters"},
    {S::kInherit, O::kAny, A::kAny, false, "inheriting from the extension's table"},
    {S::kAttachPartition, O::kAny, A::kAny, false,
     "attaching the extension's table as a partition"},
    {S::kRename, O::kAny, A::kAny, false, "renaming the extension's objects"},
    {S::kSetSchema, O::kAny, A::kAny, false, "moving the extension's objects to another schema"},
    {S::kChangeOwner, O::kAny, A::kAny, false, "changing the owner of the extension's objects"},
    {S::kDependsOnExtension, O::kAny, A::kAny, false,
     "changing the dependencies of the extension's objects"},
    {S::kAlterFunction, O::kAny, A::kAny, false, "altering the extension's functions"},
    {S::kReplaceFunction, O::kAny, A::kAny, false, "replacing the extension's functions"},
    {S::kReplaceAggregate, O::kAny, A::kAny, false, "replacing the extension's aggregates"},
    {S::kAlterOperator, O::kAny, A::kAny, false, "altering the extension's operators"},
    {S::kAlterType, O::kAny, A::kAny, false, "altering the extension's types"},
    {S::kAlterOperatorFamily, O::kAny, A::kAny, false,
     "altering the extension's operator families"},
    {S::kCreateOperatorClass, O::kAny, A::kAny, false,
     "adding operator classes to the extension's families or types"},
    {S::kCreateCast, O::kAny, A::kAny, false, "adding casts to or from the extension's types"},
    {S::kCreateTrigger, O::kAny, A::kAny, false,
     "creating or replacing triggers on the extension's tables"},
    {S::kCreateRule, O::kAny, A::kAny, false,
     "creating or replacing rules on the extension's tables"},
    {S::kCreatePolicy, O::kAny, A::kAny, false, "creating policies on the extension's tables"},
    {S::kAlterPolicy, O::kAny, A::kAny, false, "altering the extension's policies"},
    {S::kCreateStatistics, O::kAny, A::kAny, false,
     "creating statistics on the extension's tables"},
    {S::kReplaceView, O::kAny, A::kAny, false, "replacing the extension's views"},
    {S::kAlterSequence, O::kAny, A::kAny, false, "altering the extension's sequences"},
    {S::kSecurityLabel, O::kAny, A::kAny, false, "security labels on the extension's objects"},
    {S::kAlterExtensionContents, O::kAny, A::kAny, false,
     "adding objects to or removing objects from the extension"},
    {S::kPublishWithListOrFilter, O::kAny, A::kAny, false,
     "publishing the extension's tables with a column list or row filter"},
    {S::kDrop, O::kOther, A::kAny, false, "dropping the extension's object"},
    {S::kDrop, O::kAny, A::kAny, false, "dropping the extension's relation"},
    {S::kReassignOwned, O::kAny, A::kAny, false,
     "reassigning the extension's objects to another owner"},
    {S::kMoveTablespace, O::kAny, A::kAny, false,
     "moving the extension's relations to another tablespace"},
    {S::kAlterEventTrigger, O::kAny, A::kAny, false, "altering the extension's event triggers"},
};

constexpr DdlRule kOtherwise{S::kAlterTable, O::kAny, A::kAny, false,
                             "this change of the extension's objects"};

const DdlRule *find(DdlStatement statement, DdlObject object, DdlAction action) {
    for (const DdlRule &rule : kRules)
        if (rule.statement == statement && rule.object == object && rule.action == action)
            return &rule;
    return nullptr;
}

std::string join_phrases(const char *const *phrases, std::size_t count) {
    std::string text;
    for (std::size_t i = 0; i < count; ++i) {
        if (i > 0)
            text += i + 1 == count ? " and " : ", ";
        text += phrases[i];
    }
    return text;
}

std::string make_refusal_detail() {
    const char *phrases[sizeof kRules / sizeof kRules[0]];
    std::size_t count = 0;
    for (const DdlRule &rule : kRules) {
        if (!rule.allowed || rule.detail == nullptr)
            continue;
        bool seen = false;
        for (std::size_t i = 0; i < count; ++i)
            seen = seen || std::string(phrases[i]) == rule.detail;
        if (!seen)
            phrases[count++] = rule.detail;
    }
    return "DDL may " + join_phrases(phrases, count) + " on the extension's tables; nothing else.";
}

}  // namespace

const DdlRule *ddl_rules(std::size_t *count) {
    *count = sizeof kRules / sizeof kRules[0];
    return kRules;
}

const DdlRule &judge_ddl(DdlStatement statement, DdlObject object, DdlAction action) {
    if (const DdlRule *rule = find(statement, object, action))
        return *rule;
    if (const DdlRule *rule = find(statement, object, DdlAction::kAny))
        return *rule;
    if (const DdlRule *rule = find(statement, DdlObject::kAny, DdlAction::kAny))
        return *rule;
    return kOtherwise;
}

const char *ddl_refusal_detail() {
    static const std::string detail = make_refusal_detail();
    return detail.c_str();
}

std::string ddl_rules_markdown() {
    std::string text = "On the extension's objects DDL may do only this:\n\n";
    for (const DdlRule &rule : kRules)
        if (rule.allowed)
            text += std::string("- ") + rule.text + "\n";
    text += "\nEverything else is refused with `42501` and changes nothing, among it:\n\n";
    for (const DdlRule &rule : kRules)
        if (!rule.allowed)
            text += std::string("- ") + (rule.readme != nullptr ? rule.readme : rule.text) + "\n";
    return text;
}

}  // namespace customer_access

// The DDL allow-list, as data: what DDL may do to the extension's objects. The guard (and
// the Citus shard guard) describes a statement that touches one of the extension's objects
// as a statement kind, the kind of object and, for ALTER TABLE, the subcommand, and looks it
// up here; the refusal's message, its DETAIL and README's "Security model" all come from
// this one table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace customer_access {

enum class DdlStatement : std::uint8_t {
    kAlterTable,  // ALTER TABLE / INDEX / VIEW / SEQUENCE ... (one row per subcommand)
    kCreateIndex,
    kDrop,
    kComment,
    kGrant,
    kRevoke,
    kVacuum,
    kAnalyze,
    kCluster,
    kReindex,
    kRename,
    kSetSchema,
    kChangeOwner,
    kDependsOnExtension,
    kAlterFunction,
    kReplaceFunction,
    kReplaceAggregate,
    kAlterOperator,
    kAlterType,
    kAlterOperatorFamily,
    kCreateOperatorClass,
    kCreateCast,
    kCreateTrigger,
    kCreateRule,
    kCreatePolicy,
    kAlterPolicy,
    kCreateStatistics,
    kInherit,          // another table inherits from one of the extension's
    kAttachPartition,  // one of the extension's tables attached as a partition
    kReplaceView,
    kAlterSequence,
    kSecurityLabel,
    kAlterExtensionContents,
    kReassignOwned,
    kMoveTablespace,
    kAlterEventTrigger,
    kPublishWithListOrFilter,  // a publication with a column list or row filter on it
};

enum class DdlObject : std::uint8_t {
    kAny,
    kTable,           // one of the extension's tables
    kViewOrSequence,  // its view or its sequence
    kOwnIndex,        // an index the extension made
    kUserIndex,       // an index a user made on one of the extension's tables
    kOther,           // any other object of the extension (function, type, operator...)
};

// ALTER TABLE subcommands, as the allow-list tells them apart.
enum class DdlAction : std::uint8_t {
    kAny,
    kAddForeignKey,
    kAddCheck,
    kAddOtherConstraint,
    kDropUserConstraint,
    kDropOwnConstraint,
    kValidateConstraint,
    kSetStorage,  // SET / RESET (storage parameters)
    kClusterOn,
    kDropCluster,
    kOther,
};

struct DdlRule {
    DdlStatement statement;
    DdlObject object;
    DdlAction action;
    bool allowed;
    // Refused: what is not allowed, as the error message says it ("renaming the extension's
    // objects"). Allowed: what may be done, as README lists it.
    const char *text;
    // For allowed rows, the phrase the refusal's DETAIL sums them up with (rows sharing one
    // phrase say it once), or nullptr.
    const char *detail = nullptr;
    // For README, when it says more than `text` (a refused row's examples), or nullptr.
    const char *readme = nullptr;
};

// Every row, allowed ones first, in the order README lists them.
const DdlRule *ddl_rules(std::size_t *count);

// The row that decides a statement: the one for (statement, object, action), else for
// (statement, object, any action), else for (statement, any object, any action), else a
// refusal of the change.
const DdlRule &judge_ddl(DdlStatement statement, DdlObject object, DdlAction action);

// The DETAIL of every refusal: "DDL may ... on the extension's tables; nothing else."
const char *ddl_refusal_detail();

// README's statement of the allow-list (Markdown), between its markers.
std::string ddl_rules_markdown();

}  // namespace customer_access

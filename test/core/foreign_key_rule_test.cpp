#include "foreign_key_rule.hpp"

#include <gtest/gtest.h>

using namespace customer_access;

namespace {

constexpr std::uint32_t kUuid = 2950, kText = 25, kRoleEnum = 30000, kUuidDomain = 30001;

ObjectFacts op(std::uint32_t oid, bool member = false) {
    ObjectFacts o;
    o.oid = oid;
    o.found = true;
    o.extension_member = member;
    o.superuser_owned = true;
    return o;
}

ForeignKeyPair pair(std::uint32_t referencing, std::uint32_t referenced) {
    ForeignKeyPair p;
    p.referencing_type = referencing;
    p.referenced_type = referenced;
    return p;
}

}  // namespace

TEST(ForeignKeyRule, ExactTypesOnly) {
    ForeignKeyPair same = pair(kUuid, kUuid);
    EXPECT_TRUE(judge_foreign_key(&same, 1).allowed());
    // finding 1: a role's enum with an IMPLICIT cast to uuid, a domain over uuid, text
    for (std::uint32_t other : {kRoleEnum, kUuidDomain, kText}) {
        ForeignKeyPair p = pair(other, kUuid);
        EXPECT_EQ(judge_foreign_key(&p, 1).fault, ForeignKeyFault::kTypeMismatch);
        ForeignKeyPair q = pair(kUuid, other);
        EXPECT_EQ(judge_foreign_key(&q, 1).fault, ForeignKeyFault::kTypeMismatch);
    }
}

TEST(ForeignKeyRule, UnknownColumnsAndEmptyKeysAreRefused) {
    ForeignKeyPair unknown = pair(0, kUuid);
    EXPECT_EQ(judge_foreign_key(&unknown, 1).fault, ForeignKeyFault::kUnknownColumn);
    EXPECT_EQ(judge_foreign_key(nullptr, 0).fault, ForeignKeyFault::kUnknownColumn);
}

TEST(ForeignKeyRule, OperatorsBuiltInOrTheExtensions) {
    ForeignKeyPair p = pair(kUuid, kUuid);
    p.operators_known = true;
    p.operators[0] = p.operators[1] = p.operators[2] = op(2972);
    EXPECT_TRUE(judge_foreign_key(&p, 1).allowed());
    p.operators[1] = op(40000, true);  // access_role's =
    EXPECT_TRUE(judge_foreign_key(&p, 1).allowed());
    p.operators[2] = op(40001);  // a superuser's operator class member: not built in
    EXPECT_EQ(judge_foreign_key(&p, 1).fault, ForeignKeyFault::kOperator);
    p.operators[2] = op(2972);
    p.operators[0].found = false;
    EXPECT_EQ(judge_foreign_key(&p, 1).fault, ForeignKeyFault::kOperator);
}

TEST(ForeignKeyRule, TheFirstRefusedPairDecides) {
    ForeignKeyPair pairs[3] = {pair(kUuid, kUuid), pair(kRoleEnum, kUuid), pair(0, kUuid)};
    ForeignKeyVerdict v = judge_foreign_key(pairs, 3);
    EXPECT_EQ(v.fault, ForeignKeyFault::kTypeMismatch);
    EXPECT_EQ(v.index, 1u);
    EXPECT_GT(std::string(foreign_key_fault_text(v.fault)).size(), 5u);
}

// A key to the extension's tables acts (CASCADE, SET NULL, SET DEFAULT) only from a table a
// superuser owns: the action runs the referencing table's triggers in the session of whoever
// deletes a grant, and a deferred one fires as that role at commit.
TEST(ForeignKeyRule, ActionsOnlyFromTablesOfSuperusers) {
    ForeignKeyActions key;
    key.references_extension = true;
    key.acts = true;
    EXPECT_EQ(judge_key_actions(key), ForeignKeyFault::kRoleAction);
    key.referencing_owner_trusted = true;
    EXPECT_EQ(judge_key_actions(key), ForeignKeyFault::kNone);
    key.referencing_owner_trusted = false;
    key.acts = false;  // NO ACTION, RESTRICT
    EXPECT_EQ(judge_key_actions(key), ForeignKeyFault::kNone);
    // keys from the extension's tables (to the application's customers) run the extension's
    // own triggers: their actions stay allowed
    ForeignKeyActions from;
    from.from_extension = true;
    from.acts = true;
    EXPECT_EQ(judge_key_actions(from), ForeignKeyFault::kNone);
    from.references_extension = true;
    EXPECT_EQ(judge_key_actions(from), ForeignKeyFault::kNone);
    EXPECT_STRNE(foreign_key_fault_text(ForeignKeyFault::kRoleAction), "is refused");
}

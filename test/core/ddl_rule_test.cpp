#include "ddl_rule.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

using namespace customer_access;

TEST(DdlRule, WhatSpecAllowsOnTheTables) {
    for (DdlAction a : {DdlAction::kAddForeignKey, DdlAction::kAddCheck,
                        DdlAction::kDropUserConstraint, DdlAction::kValidateConstraint,
                        DdlAction::kSetStorage, DdlAction::kClusterOn, DdlAction::kDropCluster})
        EXPECT_TRUE(judge_ddl(DdlStatement::kAlterTable, DdlObject::kTable, a).allowed);
    EXPECT_TRUE(judge_ddl(DdlStatement::kCreateIndex, DdlObject::kTable, DdlAction::kAny).allowed);
    EXPECT_TRUE(judge_ddl(DdlStatement::kDrop, DdlObject::kUserIndex, DdlAction::kAny).allowed);
    for (DdlStatement s : {DdlStatement::kComment, DdlStatement::kGrant, DdlStatement::kRevoke,
                           DdlStatement::kVacuum, DdlStatement::kAnalyze, DdlStatement::kCluster,
                           DdlStatement::kReindex})
        EXPECT_TRUE(judge_ddl(s, DdlObject::kTable, DdlAction::kAny).allowed);
    EXPECT_TRUE(
        judge_ddl(DdlStatement::kAlterTable, DdlObject::kOwnIndex, DdlAction::kSetStorage).allowed);
}

TEST(DdlRule, EverythingElseIsRefusedWithItsReason) {
    auto what = [](DdlStatement s, DdlObject o, DdlAction a) {
        const DdlRule &r = judge_ddl(s, o, a);
        EXPECT_FALSE(r.allowed);
        return std::string(r.text);
    };
    EXPECT_EQ(what(DdlStatement::kAlterTable, DdlObject::kTable, DdlAction::kOther),
              "this ALTER of the extension's table");
    EXPECT_EQ(what(DdlStatement::kAlterTable, DdlObject::kTable, DdlAction::kAddOtherConstraint),
              "this ALTER of the extension's table");
    EXPECT_EQ(what(DdlStatement::kAlterTable, DdlObject::kTable, DdlAction::kDropOwnConstraint),
              "this ALTER of the extension's table");
    // a view's storage parameters (security_invoker, check_option) change whose rights it uses
    EXPECT_EQ(what(DdlStatement::kAlterTable, DdlObject::kViewOrSequence, DdlAction::kSetStorage),
              "this ALTER of the extension's view or sequence");
    EXPECT_EQ(what(DdlStatement::kAlterTable, DdlObject::kOwnIndex, DdlAction::kOther),
              "this ALTER of the extension's index");
    EXPECT_EQ(what(DdlStatement::kDrop, DdlObject::kOwnIndex, DdlAction::kAny),
              "dropping the extension's relation");
    EXPECT_EQ(what(DdlStatement::kDrop, DdlObject::kOther, DdlAction::kAny),
              "dropping the extension's object");
    EXPECT_EQ(what(DdlStatement::kRename, DdlObject::kOther, DdlAction::kAny),
              "renaming the extension's objects");
    EXPECT_EQ(what(DdlStatement::kPublishWithListOrFilter, DdlObject::kTable, DdlAction::kAny),
              "publishing the extension's tables with a column list or row filter");
    EXPECT_EQ(what(DdlStatement::kCreateStatistics, DdlObject::kTable, DdlAction::kAny),
              "creating statistics on the extension's tables");
    // a statement kind the table has no row for
    EXPECT_EQ(what(DdlStatement::kCreateIndex, DdlObject::kOther, DdlAction::kAny),
              "this change of the extension's objects");
}

TEST(DdlRule, EveryRowIsReachableAndSaysSomething) {
    std::size_t count = 0;
    const DdlRule *rules = ddl_rules(&count);
    ASSERT_GT(count, 20u);
    for (std::size_t i = 0; i < count; ++i) {
        const DdlRule &r = rules[i];
        EXPECT_EQ(&judge_ddl(r.statement, r.object, r.action), &r) << r.text;
        EXPECT_GT(std::string(r.text).size(), 5u);
        EXPECT_TRUE(r.allowed || r.detail == nullptr) << r.text;
        // allowed rows come first
        if (i > 0 && r.allowed) {
            EXPECT_TRUE(rules[i - 1].allowed) << r.text;
        }
    }
}

TEST(DdlRule, TheRefusalDetailSumsUpTheAllowedRows) {
    EXPECT_STREQ(ddl_refusal_detail(),
                 "DDL may add or drop FOREIGN KEY and CHECK constraints and indexes of its own, "
                 "COMMENT, GRANT, REVOKE and set storage parameters on the extension's tables; "
                 "nothing else.");
}

#ifdef CUSTOMER_ACCESS_SOURCE_DIR
// README states the allow-list in one place, exactly as the table says it.
TEST(DdlRule, ReadmeStatesTheTable) {
    std::ifstream readme(CUSTOMER_ACCESS_SOURCE_DIR "/README.md");
    ASSERT_TRUE(readme.good());
    std::stringstream buffer;
    buffer << readme.rdbuf();
    std::string text = buffer.str();
    const std::string begin = "<!-- ddl-allow-list: generated from src/core/ddl_rule.cpp -->\n";
    const std::string end = "<!-- /ddl-allow-list -->";
    std::size_t from = text.find(begin), to = text.find(end);
    ASSERT_NE(from, std::string::npos);
    ASSERT_NE(to, std::string::npos);
    from += begin.size();
    EXPECT_EQ(text.substr(from, to - from), ddl_rules_markdown());
}
#endif

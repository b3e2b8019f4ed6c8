#include "expression_rule.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace customer_access;

namespace {

constexpr std::uint32_t kBuiltIn = 1000;   // made by initdb
constexpr std::uint32_t kCreated = 20000;  // made after initdb

ObjectFacts object(std::uint32_t oid, bool superuser_owned, bool immutable = false,
                   bool member = false) {
    ObjectFacts o;
    o.oid = oid;
    o.found = true;
    o.superuser_owned = superuser_owned;
    o.immutable = immutable;
    o.extension_member = member;
    return o;
}

Reached reach(Reach kind, ObjectFacts o) {
    Reached r{};
    r.reach = kind;
    r.object = o;
    return r;
}

ExpressionFault one(Reach kind, ObjectFacts o) {
    Reached r = reach(kind, o);
    return judge_expression(&r, 1).fault;
}

}  // namespace

TEST(ExpressionRule, BuiltInOnlyWhenImmutable) {
    // length(text), lower(text): IMMUTABLE built-ins
    EXPECT_EQ(one(Reach::kFunction, object(kBuiltIn, true, true)), ExpressionFault::kNone);
    // query_to_xml (volatile), jsonb_populate_record and record_in (stable): refused although
    // the bootstrap superuser owns them
    EXPECT_EQ(one(Reach::kFunction, object(kBuiltIn, true, false)),
              ExpressionFault::kMutableBuiltIn);
}

TEST(ExpressionRule, CreatedFunctionsOnlyFromSuperusersOrTheExtension) {
    EXPECT_EQ(one(Reach::kFunction, object(kCreated, true)), ExpressionFault::kNone);
    EXPECT_EQ(one(Reach::kFunction, object(kCreated, false, false, true)), ExpressionFault::kNone);
    // a role's function, IMMUTABLE or not
    EXPECT_EQ(one(Reach::kFunction, object(kCreated, false, true)), ExpressionFault::kRoleFunction);
    EXPECT_EQ(one(Reach::kFunction, object(kCreated, false)), ExpressionFault::kRoleFunction);
}

TEST(ExpressionRule, SupportFunctionsNeedNoImmutability) {
    // record_in as a type's input function, a range's canonical function
    EXPECT_EQ(one(Reach::kSupportFunction, object(kBuiltIn, true)), ExpressionFault::kNone);
    EXPECT_EQ(one(Reach::kSupportFunction, object(kCreated, true)), ExpressionFault::kNone);
    EXPECT_EQ(one(Reach::kSupportFunction, object(kCreated, false)),
              ExpressionFault::kRoleFunction);
}

TEST(ExpressionRule, Types) {
    EXPECT_EQ(one(Reach::kType, object(kBuiltIn, true)), ExpressionFault::kNone);
    EXPECT_EQ(one(Reach::kType, object(kCreated, true)), ExpressionFault::kNone);
    EXPECT_EQ(one(Reach::kType, object(kCreated, false, false, true)), ExpressionFault::kNone);
    // a role's enum, composite, domain or range type
    EXPECT_EQ(one(Reach::kType, object(kCreated, false)), ExpressionFault::kRoleType);
}

TEST(ExpressionRule, IoCoercionOnlyToBuiltInOrTheExtensionsTypes) {
    EXPECT_EQ(one(Reach::kIoCoercionTarget, object(kBuiltIn, true)), ExpressionFault::kNone);
    EXPECT_EQ(one(Reach::kIoCoercionTarget, object(kCreated, false, false, true)),
              ExpressionFault::kNone);
    // even a superuser's composite: its input runs its columns' inputs and domain checks
    EXPECT_EQ(one(Reach::kIoCoercionTarget, object(kCreated, true)),
              ExpressionFault::kIoCoercionTo);
}

TEST(ExpressionRule, SubLinksUnknownNodesAndMissingObjects) {
    Reached sublink{};
    sublink.reach = Reach::kSubLink;
    EXPECT_EQ(judge_expression(&sublink, 1).fault, ExpressionFault::kSubLink);
    Reached unknown{};
    unknown.reach = Reach::kUnknownNode;
    unknown.tag = 123;
    EXPECT_EQ(judge_expression(&unknown, 1).fault, ExpressionFault::kUnknownNode);
    for (Reach kind :
         {Reach::kFunction, Reach::kSupportFunction, Reach::kType, Reach::kIoCoercionTarget}) {
        ObjectFacts missing = object(kCreated, true, true, true);
        missing.found = false;
        EXPECT_EQ(one(kind, missing), ExpressionFault::kMissingObject);
    }
    // an OID 0 is no built-in
    EXPECT_FALSE(is_built_in(0));
    EXPECT_TRUE(is_built_in(kFirstNormalObjectId - 1));
    EXPECT_FALSE(is_built_in(kFirstNormalObjectId));
}

TEST(ExpressionRule, TheFirstRefusedItemDecides) {
    std::vector<Reached> items = {reach(Reach::kFunction, object(kBuiltIn, true, true)),
                                  reach(Reach::kType, object(kBuiltIn, true)),
                                  reach(Reach::kType, object(kCreated, false)),
                                  reach(Reach::kFunction, object(kCreated, false))};
    ExpressionVerdict v = judge_expression(items.data(), items.size());
    EXPECT_FALSE(v.allowed());
    EXPECT_EQ(v.fault, ExpressionFault::kRoleType);
    EXPECT_EQ(v.index, 2u);
    EXPECT_TRUE(judge_expression(items.data(), 2).allowed());
    EXPECT_TRUE(judge_expression(nullptr, 0).allowed());
}

TEST(ExpressionRule, EveryFaultHasText) {
    for (ExpressionFault f : {ExpressionFault::kNone, ExpressionFault::kSubLink,
                              ExpressionFault::kUnknownNode, ExpressionFault::kMissingObject,
                              ExpressionFault::kMutableBuiltIn, ExpressionFault::kRoleFunction,
                              ExpressionFault::kRoleType, ExpressionFault::kIoCoercionTo})
        EXPECT_GT(std::strlen(expression_fault_text(f)), 5u);
}

#include "grant_readers.hpp"

#include <gtest/gtest.h>

using namespace customer_access;

namespace {

Uuid uuid(std::uint8_t b) {
    Uuid u{};
    u.bytes[15] = b;
    return u;
}

struct Asked {
    int calls = 0;
    bool answer = false;
};

bool ask(void *context) {
    auto *asked = static_cast<Asked *>(context);
    ++asked->calls;
    return asked->answer;
}

TEST(ReadsEveryGrant, SuperuserAlways) {
    EXPECT_TRUE(reads_every_grant({true, false, true}));
}

TEST(ReadsEveryGrant, SelectFreeOfRowSecurity) {
    EXPECT_TRUE(reads_every_grant({false, true, false}));  // owner, BYPASSRLS
}

TEST(ReadsEveryGrant, SelectUnderRowSecurityIsNotEnough) {
    // a self-service application role: SELECT, but the grants' policies apply to it
    EXPECT_FALSE(reads_every_grant({false, true, true}));
}

TEST(ReadsEveryGrant, NoSelectNoReading) {
    EXPECT_FALSE(reads_every_grant({false, false, false}));
    EXPECT_FALSE(reads_every_grant({false, false, true}));
}

TEST(MayAnswerAbout, TheApplicationUserItselfWithoutAskingPrivileges) {
    Uuid me = uuid(1);
    Asked asked;
    EXPECT_TRUE(may_answer_about(&me, uuid(1), ask, &asked));
    EXPECT_EQ(asked.calls, 0);
}

TEST(MayAnswerAbout, AnotherUserOnlyToAFullReader) {
    Uuid me = uuid(1);
    Asked refused{0, false};
    EXPECT_FALSE(may_answer_about(&me, uuid(2), ask, &refused));
    EXPECT_EQ(refused.calls, 1);
    Asked reader{0, true};
    EXPECT_TRUE(may_answer_about(&me, uuid(2), ask, &reader));
}

TEST(MayAnswerAbout, WithoutAnApplicationUserEveryoneIsAnother) {
    Asked refused{0, false};
    EXPECT_FALSE(may_answer_about(nullptr, uuid(0), ask, &refused));
    EXPECT_EQ(refused.calls, 1);
}

}  // namespace

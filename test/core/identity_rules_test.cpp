#include "identity_rules.hpp"

#include <gtest/gtest.h>

using namespace customer_access;

namespace {

constexpr IdentityMode kModes[] = {IdentityMode::kSetting, IdentityMode::kClaims,
                                   IdentityMode::kToken, IdentityMode::kLogin};

TEST(IdentityLifetime, TokenLastsForItsTransactionInEveryScope) {
    EXPECT_EQ(identity_lifetime(IdentityMode::kToken, IdentityScope::kTransaction),
              Lifetime::kTransaction);
    EXPECT_EQ(identity_lifetime(IdentityMode::kToken, IdentityScope::kSession),
              Lifetime::kTransaction);
}

TEST(IdentityLifetime, LoginLastsForTheSession) {
    EXPECT_EQ(identity_lifetime(IdentityMode::kLogin, IdentityScope::kTransaction),
              Lifetime::kSession);
    EXPECT_EQ(identity_lifetime(IdentityMode::kLogin, IdentityScope::kSession), Lifetime::kSession);
}

TEST(IdentityLifetime, SettingsAndClaimsFollowTheScope) {
    for (IdentityMode mode : {IdentityMode::kSetting, IdentityMode::kClaims}) {
        EXPECT_EQ(identity_lifetime(mode, IdentityScope::kTransaction), Lifetime::kTransaction);
        EXPECT_EQ(identity_lifetime(mode, IdentityScope::kSession), Lifetime::kSession);
    }
}

TEST(IdentityCounts, TransactionLifetimeOnlyInTheTransactionThatGaveIt) {
    EXPECT_TRUE(identity_counts(Lifetime::kTransaction, 42, 42));
    EXPECT_FALSE(identity_counts(Lifetime::kTransaction, 41, 42));  // an earlier transaction
    EXPECT_FALSE(identity_counts(Lifetime::kTransaction, 43, 42));
}

TEST(IdentityCounts, AValueGivenOutsideAnyTransactionNeverCountsForATransaction) {
    // ALTER ROLE ... SET, connection options, the configuration
    EXPECT_FALSE(identity_counts(Lifetime::kTransaction, kNoTransaction, 42));
    // not even when asked outside a transaction
    EXPECT_FALSE(identity_counts(Lifetime::kTransaction, kNoTransaction, kNoTransaction));
}

TEST(IdentityCounts, SessionLifetimeCountsAlways) {
    EXPECT_TRUE(identity_counts(Lifetime::kSession, 41, 42));
    EXPECT_TRUE(identity_counts(Lifetime::kSession, kNoTransaction, 42));
}

TEST(IdentityCounts, ATokenFromTheLastRequestIsGoneInSessionScopeToo) {
    // Behind a transaction pooler: the token was given in transaction 7, the next client's
    // request runs in transaction 8 on the same server connection.
    Lifetime lifetime = identity_lifetime(IdentityMode::kToken, IdentityScope::kSession);
    EXPECT_TRUE(identity_counts(lifetime, 7, 7));
    EXPECT_FALSE(identity_counts(lifetime, 7, 8));
}

TEST(UserSource, AParallelWorkerTakesOnlyItsLeadersIdentity) {
    for (IdentityMode mode : kModes)
        for (NodeRole node : {NodeRole::kOwn, NodeRole::kCarried, NodeRole::kNone})
            for (bool trusted : {true, false})
                EXPECT_EQ(user_source(true, node, trusted, mode), UserSource::kLeader);
}

TEST(UserSource, ACitusNodeTakesTheCarriedIdentityOrNone) {
    for (IdentityMode mode : kModes) {
        EXPECT_EQ(user_source(false, NodeRole::kCarried, true, mode), UserSource::kCarrier);
        EXPECT_EQ(user_source(false, NodeRole::kNone, true, mode), UserSource::kNothing);
    }
}

TEST(UserSource, OverriddenSettingsGiveNoUser) {
    for (IdentityMode mode : kModes)
        EXPECT_EQ(user_source(false, NodeRole::kOwn, false, mode), UserSource::kUntrusted);
}

TEST(UserSource, EachModeReadsOnlyItsOwnSource) {
    EXPECT_EQ(user_source(false, NodeRole::kOwn, true, IdentityMode::kSetting),
              UserSource::kSetting);
    EXPECT_EQ(user_source(false, NodeRole::kOwn, true, IdentityMode::kClaims), UserSource::kClaims);
    EXPECT_EQ(user_source(false, NodeRole::kOwn, true, IdentityMode::kToken), UserSource::kToken);
    EXPECT_EQ(user_source(false, NodeRole::kOwn, true, IdentityMode::kLogin), UserSource::kLogin);
}

TEST(UserIdSettable, NeverInTokenAndLoginModes) {
    EXPECT_TRUE(user_id_settable(IdentityMode::kSetting));
    EXPECT_TRUE(user_id_settable(IdentityMode::kClaims));  // (ignored there, but harmless)
    EXPECT_FALSE(user_id_settable(IdentityMode::kToken));
    EXPECT_FALSE(user_id_settable(IdentityMode::kLogin));
}

}  // namespace

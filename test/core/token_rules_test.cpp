#include "token_rules.hpp"

#include <gtest/gtest.h>

#include <string>

#include "uuid_text.hpp"

using namespace customer_access;

namespace {

constexpr const char *kToken =
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
constexpr const char *kSignature = "c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
constexpr const char *kUser = "a8000000-0000-0000-0000-000000000001";
constexpr double kNow = 1'800'000'000;

TEST(TokenInText, ALiteralAnywhereInTheStatementString) {
    std::string token = kToken;
    EXPECT_TRUE(token_in_text(token, "SELECT customer_access.authenticate('" + token + "')"));
    // the second statement of a multi-statement string: pg_stat_activity shows it whole
    EXPECT_TRUE(token_in_text(
        token, "SELECT 1; SELECT customer_access.authenticate('" + token + "'); SELECT 2"));
    // a PL/pgSQL block that holds it
    EXPECT_TRUE(token_in_text(
        token, "DO $$BEGIN PERFORM customer_access.authenticate('" + token + "'); END$$"));
}

TEST(TokenInText, TheSignatureAloneGivesItAway) {
    // header.payload is no secret; split literals still show the signature
    EXPECT_TRUE(token_in_text(kToken, std::string("SELECT authenticate('eyJhbGciOiJIUzI1NiJ9.' || "
                                                  "'eyJzdWIiOiJ4In0.' || '") +
                                          kSignature + "')"));
}

TEST(TokenInText, ABindParameterIsNotInTheText) {
    EXPECT_FALSE(token_in_text(kToken, "SELECT customer_access.authenticate($1)"));
    EXPECT_FALSE(token_in_text(kToken, ""));
}

TEST(TokenInText, OnlyForSomethingShapedLikeAToken) {
    // an empty or partless "token" is in every text, but nobody could present it
    EXPECT_FALSE(token_in_text("", "SELECT authenticate('')"));
    EXPECT_FALSE(token_in_text("abc", "SELECT authenticate('abc')"));
    EXPECT_FALSE(token_in_text("a..c", "SELECT authenticate('a..c')"));
}

TEST(RefusalReason, NamesEveryReason) {
    EXPECT_STREQ(refusal_reason(TokenRefusal::kMalformed), "malformed");
    EXPECT_STREQ(refusal_reason(TokenRefusal::kUnsupportedAlgorithm), "unsupported algorithm");
    EXPECT_STREQ(refusal_reason(TokenRefusal::kUnknownKey), "unknown key");
    EXPECT_STREQ(refusal_reason(TokenRefusal::kBadSignature), "bad signature");
    EXPECT_STREQ(refusal_reason(TokenRefusal::kExpired), "expired");
    EXPECT_STREQ(refusal_reason(TokenRefusal::kNotYetValid), "not yet valid");
    EXPECT_STREQ(refusal_reason(TokenRefusal::kWrongIssuer), "wrong issuer");
    EXPECT_STREQ(refusal_reason(TokenRefusal::kWrongAudience), "wrong audience");
    EXPECT_STREQ(refusal_reason(TokenRefusal::kBadSubject), "no or bad subject");
    EXPECT_STREQ(refusal_reason(TokenRefusal::kLiteral), "sent in the statement text");
}

TEST(JudgeHeader, AcceptsTheFourAlgorithms) {
    for (const char *name : {"EdDSA", "ES256", "RS256", "HS256"}) {
        JwsAlg alg = JwsAlg::kEdDSA;
        EXPECT_EQ(judge_header({true, name, false}, &alg).refusal, TokenRefusal::kNone) << name;
        EXPECT_STREQ(jws_alg_name(alg), name);
    }
}

TEST(JudgeHeader, RefusesNoneAndEverythingElse) {
    JwsAlg alg;
    for (const char *name : {"none", "None", "hs256", "HS384", "RS512", "PS256", "ES256K", ""})
        EXPECT_EQ(judge_header({true, name, false}, &alg).refusal,
                  TokenRefusal::kUnsupportedAlgorithm)
            << name;
}

TEST(JudgeHeader, MalformedHeaders) {
    JwsAlg alg;
    EXPECT_EQ(judge_header({false, std::nullopt, false}, &alg).refusal, TokenRefusal::kMalformed);
    EXPECT_EQ(judge_header({true, std::nullopt, false}, &alg).refusal, TokenRefusal::kMalformed);
    // crit names extensions the verifier must understand: none is
    TokenVerdict crit = judge_header({true, "EdDSA", true}, &alg);
    EXPECT_EQ(crit.refusal, TokenRefusal::kMalformed);
    EXPECT_NE(std::string(crit.detail).find("crit"), std::string::npos);
}

TEST(JudgeKey, OnlyTheAlgorithmTheKeyIsMadeFor) {
    const JwsAlg algs[] = {JwsAlg::kEdDSA, JwsAlg::kES256, JwsAlg::kRS256, JwsAlg::kHS256};
    const KeyKind kinds[] = {KeyKind::kEd25519, KeyKind::kP256, KeyKind::kRsa, KeyKind::kSecret};
    for (int a = 0; a < 4; ++a)
        for (int k = 0; k < 4; ++k)
            EXPECT_EQ(judge_key(algs[a], kinds[k]).refusal,
                      a == k ? TokenRefusal::kNone : TokenRefusal::kBadSignature)
                << jws_alg_name(algs[a]) << " with key kind " << k;
}

// Claims that pass every rule, to change one at a time.
struct Claims {
    std::string_view aud_items[3] = {"portal", "other", ""};
    TokenClaims claims{
        true, {true, kNow + 600}, {false, std::nullopt}, "https://idp.example", true, aud_items, 1,
        kUser};
};

TokenRefusal judged(const TokenClaims &claims, const KeyDemands &key, int skew = 30) {
    Uuid user{};
    return judge_claims(claims, key, kNow, skew, &user).refusal;
}

const KeyDemands kAnyToken{std::nullopt, std::nullopt};
const KeyDemands kIdp{std::string_view("https://idp.example"), std::string_view("portal")};

TEST(JudgeClaims, AcceptsAndGivesTheSubject) {
    Claims c;
    Uuid user{};
    EXPECT_EQ(judge_claims(c.claims, kIdp, kNow, 30, &user).refusal, TokenRefusal::kNone);
    EXPECT_TRUE(same_uuid(user, *parse_uuid(kUser)));
}

TEST(JudgeClaims, ExpIsRequiredAndANumber) {
    Claims c;
    c.claims.exp = {false, std::nullopt};
    EXPECT_EQ(judged(c.claims, kAnyToken), TokenRefusal::kExpired);
    c.claims.exp = {true, std::nullopt};  // "exp": "tomorrow"
    EXPECT_EQ(judged(c.claims, kAnyToken), TokenRefusal::kExpired);
}

TEST(JudgeClaims, ExpWithLeeway) {
    Claims c;
    c.claims.exp = {true, kNow - 10};
    EXPECT_EQ(judged(c.claims, kAnyToken, 30), TokenRefusal::kNone);
    EXPECT_EQ(judged(c.claims, kAnyToken, 0), TokenRefusal::kExpired);
    c.claims.exp = {true, kNow - 30};
    EXPECT_EQ(judged(c.claims, kAnyToken, 30), TokenRefusal::kExpired);
}

TEST(JudgeClaims, NbfWithLeeway) {
    Claims c;
    c.claims.nbf = {true, kNow + 20};
    EXPECT_EQ(judged(c.claims, kAnyToken, 30), TokenRefusal::kNone);
    EXPECT_EQ(judged(c.claims, kAnyToken, 0), TokenRefusal::kNotYetValid);
    c.claims.nbf = {true, std::nullopt};  // present, no number
    EXPECT_EQ(judged(c.claims, kAnyToken, 30), TokenRefusal::kNotYetValid);
    c.claims.nbf = {false, std::nullopt};
    EXPECT_EQ(judged(c.claims, kAnyToken, 30), TokenRefusal::kNone);
}

TEST(JudgeClaims, IssuerWhenTheKeyNamesOne) {
    Claims c;
    c.claims.iss = std::nullopt;
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kWrongIssuer);
    EXPECT_EQ(judged(c.claims, kAnyToken), TokenRefusal::kNone);
    c.claims.iss = "https://idp.example.evil";
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kWrongIssuer);
    c.claims.iss = "https://idp.exampl";
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kWrongIssuer);
}

TEST(JudgeClaims, AKeyThatNamesAnAudienceRefusesATokenWithoutAud) {
    Claims c;
    c.claims.aud_present = false;
    c.claims.aud = nullptr;
    c.claims.aud_count = 0;
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kWrongAudience);
    EXPECT_EQ(judged(c.claims, kAnyToken), TokenRefusal::kNone);
    // "aud": 42, or an array of no strings: present, no audience
    c.claims.aud_present = true;
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kWrongAudience);
}

TEST(JudgeClaims, AudienceAsAStringOrInAnArray) {
    Claims c;
    std::string_view other[] = {"other"};
    c.claims.aud = other;
    c.claims.aud_count = 1;
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kWrongAudience);
    std::string_view several[] = {"other", "portal"};
    c.claims.aud = several;
    c.claims.aud_count = 2;
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kNone);
    std::string_view prefix[] = {"portal-admin", "porta"};
    c.claims.aud = prefix;
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kWrongAudience);
}

TEST(JudgeClaims, TheSubjectMustBeAUuid) {
    Claims c;
    c.claims.subject = std::nullopt;
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kBadSubject);
    c.claims.subject = "alice";
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kBadSubject);
    c.claims.subject = " a8000000-0000-0000-0000-000000000001";
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kBadSubject);
}

TEST(JudgeClaims, APayloadThatIsNoObjectIsMalformed) {
    Claims c;
    c.claims.is_object = false;
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kMalformed);
}

TEST(JudgeClaims, TimeBeforeIssuerBeforeAudienceBeforeSubject) {
    Claims c;
    c.claims.exp = {true, kNow - 3600};
    c.claims.iss = std::nullopt;
    c.claims.aud_count = 0;
    c.claims.subject = std::nullopt;
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kExpired);
    c.claims.exp = {true, kNow + 3600};
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kWrongIssuer);
    c.claims.iss = "https://idp.example";
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kWrongAudience);
    c.claims.aud_count = 1;
    EXPECT_EQ(judged(c.claims, kIdp), TokenRefusal::kBadSubject);
}

}  // namespace

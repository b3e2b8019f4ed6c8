#include "jwk_rules.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

using namespace customer_access;

namespace {

std::string ed25519_public_key() {
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    std::string x(32, '\0');
    std::size_t n = x.size();
    EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char *>(x.data()), &n);
    EVP_PKEY_free(pkey);
    return x;
}

const std::string kX = ed25519_public_key();
const std::string kSecret(32, 's');

JwkFields ed25519() {
    JwkFields f{};
    f.is_object = true;
    f.kty = "OKP";
    f.crv = "Ed25519";
    f.x = kX;
    return f;
}

JwkFields secret() {
    JwkFields f{};
    f.is_object = true;
    f.kty = "oct";
    f.k = kSecret;
    return f;
}

const char *problem(const JwkFields &f, std::optional<std::string_view> row_kid = std::nullopt) {
    KeyMaterial key{};
    return jwk_problem(f, row_kid, &key);
}

TEST(JwkProblem, AcceptsUsableKeys) {
    KeyMaterial key{};
    EXPECT_EQ(jwk_problem(ed25519(), "ed", &key), nullptr);
    EXPECT_EQ(key.kind, KeyKind::kEd25519);
    EXPECT_EQ(key.first, kX);
    EXPECT_EQ(jwk_problem(secret(), "hs", &key), nullptr);
    EXPECT_EQ(key.kind, KeyKind::kSecret);
}

TEST(JwkProblem, Shape) {
    JwkFields f = ed25519();
    f.is_object = false;
    EXPECT_STREQ(problem(f), "a JWK is a JSON object");
    f = ed25519();
    f.kty = std::nullopt;
    EXPECT_STREQ(problem(f), "a JWK needs \"kty\"");
    f.kty = "RSA-OAEP";
    EXPECT_STREQ(problem(f), "\"kty\" must be OKP (Ed25519), EC (P-256), RSA or oct");
}

TEST(JwkProblem, SignatureKeysOnly) {
    JwkFields f = ed25519();
    f.use = "enc";
    EXPECT_NE(problem(f), nullptr);
    f.use = "sig";
    EXPECT_EQ(problem(f), nullptr);
}

TEST(JwkProblem, CurvesAndMembers) {
    JwkFields f = ed25519();
    f.crv = "X25519";
    EXPECT_NE(problem(f), nullptr);
    f = ed25519();
    f.x = std::nullopt;
    EXPECT_NE(problem(f), nullptr);
    JwkFields ec{};
    ec.is_object = true;
    ec.kty = "EC";
    ec.crv = "P-384";
    EXPECT_STREQ(problem(ec), "an EC key must be \"crv\": \"P-256\"");
    ec.crv = "P-256";
    ec.x = std::string(32, 'x');
    EXPECT_STREQ(problem(ec), "a P-256 key needs \"x\" and \"y\" in base64url");
    JwkFields rsa{};
    rsa.is_object = true;
    rsa.kty = "RSA";
    rsa.n = std::string(256, 'n');
    EXPECT_STREQ(problem(rsa), "an RSA key needs \"n\" and \"e\" in base64url");
    JwkFields oct = secret();
    oct.k = std::nullopt;
    EXPECT_NE(problem(oct), nullptr);
}

TEST(JwkProblem, NoPrivatePartOfAPublicKey) {
    JwkFields f = ed25519();
    f.has_private = true;
    EXPECT_STREQ(problem(f), "a private key: store only the public part (no \"d\")");
}

TEST(JwkProblem, AlgMustBeTheKeys) {
    JwkFields f = ed25519();
    f.alg = "EdDSA";
    f.alg_present = true;
    EXPECT_EQ(problem(f), nullptr);
    f.alg = "HS256";
    EXPECT_STREQ(problem(f), "\"alg\" must be \"EdDSA\" for this key");
    f.alg = std::nullopt;  // "alg": 1
    EXPECT_STREQ(problem(f), "\"alg\" must be a string");
    JwkFields s = secret();
    s.alg = "RS256";
    s.alg_present = true;
    EXPECT_STREQ(problem(s), "\"alg\" must be \"HS256\" for this key");
}

TEST(JwkProblem, KidMustBeTheRows) {
    JwkFields f = ed25519();
    f.kid = "ed";
    EXPECT_EQ(problem(f, "ed"), nullptr);
    EXPECT_STREQ(problem(f, "other"), "the JWK's \"kid\" differs from the row's kid");
    EXPECT_EQ(problem(f, std::nullopt), nullptr);
}

TEST(JwkProblem, KeysAnyoneCouldSignWith) {
    JwkFields f = ed25519();
    std::string identity(32, '\0');
    identity[0] = 1;  // y = 1: the identity point
    f.x = identity;
    EXPECT_NE(problem(f), nullptr);
    JwkFields s = secret();
    std::string short_secret(31, 's');
    s.k = short_secret;
    EXPECT_NE(problem(s), nullptr);
}

}  // namespace

#include "jws.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <limits>
#include <string>
#include <vector>

using namespace customer_access;

namespace {

// Test keys made with libcrypto, and signatures in JWS form.
struct TestKey {
    EVP_PKEY *pkey = nullptr;
    std::string first, second;
    KeyKind kind;
    ~TestKey() { EVP_PKEY_free(pkey); }
};

std::string bn_bytes(EVP_PKEY *pkey, const char *name, int pad) {
    BIGNUM *bn = nullptr;
    EVP_PKEY_get_bn_param(pkey, name, &bn);
    std::string out(pad > 0 ? pad : BN_num_bytes(bn), '\0');
    if (pad > 0)
        BN_bn2binpad(bn, reinterpret_cast<unsigned char *>(out.data()), pad);
    else
        BN_bn2bin(bn, reinterpret_cast<unsigned char *>(out.data()));
    BN_free(bn);
    return out;
}

void make_key(TestKey &key, KeyKind kind) {
    key.kind = kind;
    if (kind == KeyKind::kEd25519) {
        key.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
        std::size_t n = 32;
        key.first.resize(n);
        EVP_PKEY_get_raw_public_key(key.pkey, reinterpret_cast<unsigned char *>(key.first.data()),
                                    &n);
    } else if (kind == KeyKind::kP256) {
        key.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        key.first = bn_bytes(key.pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32);
        key.second = bn_bytes(key.pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
    } else if (kind == KeyKind::kRsa) {
        key.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
        key.first = bn_bytes(key.pkey, OSSL_PKEY_PARAM_RSA_N, 0);
        key.second = bn_bytes(key.pkey, OSSL_PKEY_PARAM_RSA_E, 0);
    } else {
        key.first = std::string(32, 'k');
    }
}

std::string sign(const TestKey &key, const std::string &input) {
    if (key.kind == KeyKind::kSecret) {
        unsigned char mac[32];
        unsigned int n = 0;
        HMAC(EVP_sha256(), key.first.data(), 32,
             reinterpret_cast<const unsigned char *>(input.data()), input.size(), mac, &n);
        return std::string(reinterpret_cast<char *>(mac), n);
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const EVP_MD *md = key.kind == KeyKind::kEd25519 ? nullptr : EVP_sha256();
    EVP_DigestSignInit(ctx, nullptr, md, nullptr, key.pkey);
    std::size_t n = 0;
    EVP_DigestSign(ctx, nullptr, &n, reinterpret_cast<const unsigned char *>(input.data()),
                   input.size());
    std::string sig(n, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(sig.data()), &n,
                   reinterpret_cast<const unsigned char *>(input.data()), input.size());
    sig.resize(n);
    EVP_MD_CTX_free(ctx);
    if (key.kind != KeyKind::kP256)
        return sig;
    // DER to r || s
    const unsigned char *p = reinterpret_cast<const unsigned char *>(sig.data());
    ECDSA_SIG *ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char *>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char *>(raw.data()) + 32, 32);
    ECDSA_SIG_free(ecdsa);
    return raw;
}

const KeyKind kKinds[] = {KeyKind::kEd25519, KeyKind::kP256, KeyKind::kRsa, KeyKind::kSecret};

}  // namespace

TEST(Jws, SplitsThreeNonEmptyParts) {
    auto parts = split_jws("aGVhZA.cGF5.c2ln");
    ASSERT_TRUE(parts);
    EXPECT_EQ(parts->header, "aGVhZA");
    EXPECT_EQ(parts->payload, "cGF5");
    EXPECT_EQ(parts->signature, "c2ln");
    EXPECT_EQ(parts->signing_input, "aGVhZA.cGF5");
    for (const char *bad : {"", "a", "a.b", "a.b.", ".b.c", "a..c", "a.b.c.d", "..."})
        EXPECT_FALSE(split_jws(bad)) << bad;
}

TEST(Jws, AlgorithmsAndNone) {
    for (const char *name : {"EdDSA", "ES256", "RS256", "HS256"})
        EXPECT_STREQ(jws_alg_name(*parse_jws_alg(name)), name);
    for (const char *name : {"none", "None", "HS384", "RS512", "ES256K", "", "eddsa"})
        EXPECT_FALSE(parse_jws_alg(name)) << name;
}

TEST(Jws, EachKeyVerifiesItsOwnAlgorithmOnly) {
    const std::string input = "eyJhbGciOiJ4In0.eyJzdWIiOiJ4In0";
    for (KeyKind kind : kKinds) {
        TestKey key;
        make_key(key, kind);
        KeyMaterial material{kind, key.first, key.second};
        EXPECT_EQ(key_problem(material), nullptr);
        std::string sig = sign(key, input);
        EXPECT_TRUE(verify_jws_signature(alg_of_key(kind), material, input, sig));
        // tampered input and signature
        EXPECT_FALSE(verify_jws_signature(alg_of_key(kind), material, input + "x", sig));
        std::string flipped = sig;
        flipped[flipped.size() / 2] ^= 1;
        EXPECT_FALSE(verify_jws_signature(alg_of_key(kind), material, input, flipped));
        EXPECT_FALSE(verify_jws_signature(alg_of_key(kind), material, input, ""));
        // never an algorithm the key was not made for
        for (KeyKind other : kKinds) {
            if (other != kind) {
                EXPECT_FALSE(verify_jws_signature(alg_of_key(other), material, input, sig));
            }
        }
    }
}

TEST(Jws, AlgorithmConfusionHmacWithPublicKeyBytes) {
    // The classic attack: an HS256 token whose secret is the RSA key's public bytes.
    TestKey rsa;
    make_key(rsa, KeyKind::kRsa);
    const std::string input = "a.b";
    unsigned char mac[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), rsa.first.data(), static_cast<int>(rsa.first.size()),
         reinterpret_cast<const unsigned char *>(input.data()), input.size(), mac, &n);
    KeyMaterial material{KeyKind::kRsa, rsa.first, rsa.second};
    EXPECT_FALSE(verify_jws_signature(JwsAlg::kHS256, material, input,
                                      std::string(reinterpret_cast<char *>(mac), n)));
}

TEST(Jws, ShortHmacSecretVerifiesNothing) {
    // A secret shorter than 32 bytes is refused when stored; verification refuses it as well.
    const std::string secret(16, 'k'), input = "a.b";
    unsigned char mac[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char *>(input.data()), input.size(), mac, &n);
    EXPECT_FALSE(verify_jws_signature(JwsAlg::kHS256, KeyMaterial{KeyKind::kSecret, secret, {}},
                                      input, std::string(reinterpret_cast<char *>(mac), n)));
}

TEST(Jws, BadKeyMaterial) {
    EXPECT_NE(key_problem({KeyKind::kSecret, std::string(31, 'k'), ""}), nullptr);
    EXPECT_NE(key_problem({KeyKind::kEd25519, std::string(31, 'k'), ""}), nullptr);
    EXPECT_NE(key_problem({KeyKind::kP256, std::string(32, '\1'), std::string(32, '\2')}), nullptr);
    EXPECT_NE(key_problem({KeyKind::kRsa, std::string(128, '\xff'), "\x01\x00\x01"}), nullptr);
    TestKey rsa;
    make_key(rsa, KeyKind::kRsa);
    EXPECT_NE(key_problem({KeyKind::kRsa, rsa.first, "\x02"}), nullptr);  // even exponent
}

// Keys with which anyone can forge a signature are refused; their honest neighbours are not.
TEST(Jws, ForgeableKeysRefused) {
    TestKey rsa;
    make_key(rsa, KeyKind::kRsa);
    EXPECT_EQ(key_problem({KeyKind::kRsa, rsa.first, rsa.second}), nullptr);
    EXPECT_NE(key_problem({KeyKind::kRsa, rsa.first, std::string("\x01", 1)}), nullptr);  // e = 1
    EXPECT_NE(key_problem({KeyKind::kRsa, rsa.first, std::string("\x03", 1)}), nullptr);  // e = 3
    EXPECT_NE(key_problem({KeyKind::kRsa, rsa.first, std::string("\x01\x00\x00", 3)}), nullptr);
    EXPECT_NE(key_problem({KeyKind::kRsa, rsa.first, std::string("\x00\x01\x00\x00", 4)}),
              nullptr);  // 65536 with a leading zero byte: below, and even
    EXPECT_NE(key_problem({KeyKind::kRsa, rsa.first, std::string("\x00\x00\xff\xff", 4)}),
              nullptr);  // 65535
    EXPECT_EQ(key_problem({KeyKind::kRsa, rsa.first, std::string("\x00\x01\x00\x01", 4)}),
              nullptr);  // 65537 with a leading zero byte
    // Ed25519: every small-order encoding, with and without the sign bit
    std::string identity(32, '\0');
    identity[0] = 1;
    std::string zero(32, '\0');
    std::string minus_one(32, '\xff');
    minus_one[0] = '\xec';
    minus_one[31] = '\x7f';
    for (std::string point : {identity, zero, minus_one}) {
        EXPECT_NE(key_problem({KeyKind::kEd25519, point, ""}), nullptr);
        point[31] = static_cast<char>(point[31] | 0x80);
        EXPECT_NE(key_problem({KeyKind::kEd25519, point, ""}), nullptr);
    }
    const unsigned char order8[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
                                      0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
                                      0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
                                      0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
    EXPECT_NE(key_problem(
                  {KeyKind::kEd25519, std::string(reinterpret_cast<const char *>(order8), 32), ""}),
              nullptr);
    TestKey ed;
    make_key(ed, KeyKind::kEd25519);
    EXPECT_EQ(key_problem({KeyKind::kEd25519, ed.first, ""}), nullptr);
}

TEST(Jws, TimeRules) {
    EXPECT_EQ(check_token_time(1000, std::nullopt, 999, 0), TokenTime::kValid);
    EXPECT_EQ(check_token_time(1000, std::nullopt, 1000, 0), TokenTime::kExpired);
    EXPECT_EQ(check_token_time(1000, std::nullopt, 1029, 30), TokenTime::kValid);
    EXPECT_EQ(check_token_time(1000, std::nullopt, 1030, 30), TokenTime::kExpired);
    EXPECT_EQ(check_token_time(2000, 1500.0, 1469, 30), TokenTime::kNotYetValid);
    EXPECT_EQ(check_token_time(2000, 1500.0, 1470, 30), TokenTime::kValid);
    EXPECT_EQ(check_token_time(std::numeric_limits<double>::quiet_NaN(), std::nullopt, 1, 30),
              TokenTime::kExpired);
}

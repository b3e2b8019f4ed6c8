#include "jws.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include <cstring>
#include <memory>

namespace customer_access {
namespace {

template <typename T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *p) const noexcept { Free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBuild = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

constexpr std::size_t kP256Coordinate = 32;
constexpr std::size_t kEd25519Key = 32;
constexpr int kMinRsaBits = 2048;
constexpr std::size_t kMinSecret = 32;  // RFC 7518 3.2: at least the hash size

const unsigned char *bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char *>(s.data());
}

Bignum bignum(std::string_view s) {
    return Bignum(BN_bin2bn(bytes(s), static_cast<int>(s.size()), nullptr));
}

Pkey from_params(const char *type, OSSL_PARAM_BLD *build) {
    Params params(OSSL_PARAM_BLD_to_param(build));
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY *key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return Pkey();
    return Pkey(key);
}

// The public key of the material; empty for secrets and for material that makes no key.
// The encodings of the points of small order on edwards25519 (orders 1, 2, 4 and 8, and
// their non-canonical forms y = p, p + 1), compared with the sign bit cleared. With such a
// public key, R = that point and S = 0 verify for many messages: anyone could sign.
bool ed25519_small_order(std::string_view x) {
    static const unsigned char kSmallOrder[][kEd25519Key] = {
        {0x00},  // y = 0 (order 4)
        {0x01},  // y = 1, the identity (order 1)
        {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
         0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
         0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},  // order 8
        {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
         0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
         0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},  // order 8
        {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // y = p - 1 (order 2)
        {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // y = p (= 0)
        {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // y = p + 1 (= 1)
    };
    if (x.size() != kEd25519Key)
        return false;
    unsigned char point[kEd25519Key];
    std::memcpy(point, x.data(), kEd25519Key);
    point[kEd25519Key - 1] &= 0x7f;
    for (const auto &bad : kSmallOrder)
        if (std::memcmp(point, bad, kEd25519Key) == 0)
            return true;
    return false;
}

// Below 65537 (e = 1 makes the padded hash itself a valid "signature").
bool rsa_exponent_too_small(const BIGNUM *e) {
    return BN_num_bits(e) <= 17 && BN_get_word(e) < 65537;
}

// The key, if OpenSSL's public-key check passes (a point on the curve; n odd, e in range).
Pkey publicly_checked(Pkey pkey) {
    PkeyCtx check(pkey ? EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr) : nullptr);
    if (!check || EVP_PKEY_public_check(check.get()) != 1)
        return Pkey();
    return pkey;
}

Pkey public_key(const KeyMaterial &key) {
    switch (key.kind) {
        case KeyKind::kEd25519:
            if (key.first.size() != kEd25519Key || ed25519_small_order(key.first))
                return Pkey();
            return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(key.first),
                                                    key.first.size()));
        case KeyKind::kP256: {
            if (key.first.size() != kP256Coordinate || key.second.size() != kP256Coordinate)
                return Pkey();
            unsigned char point[1 + 2 * kP256Coordinate];
            point[0] = 0x04;  // uncompressed
            std::memcpy(point + 1, key.first.data(), kP256Coordinate);
            std::memcpy(point + 1 + kP256Coordinate, key.second.data(), kP256Coordinate);
            ParamBuild build(OSSL_PARAM_BLD_new());
            if (!build ||
                !OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                                 "prime256v1", 0) ||
                !OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point,
                                                  sizeof point))
                return Pkey();
            // The point must be on the curve (fromdata alone does not promise it).
            return publicly_checked(from_params("EC", build.get()));
        }
        case KeyKind::kRsa: {
            Bignum n = bignum(key.first), e = bignum(key.second);
            ParamBuild build(OSSL_PARAM_BLD_new());
            // e = 1 (or any tiny exponent) makes a "signature" of the padded hash itself
            // verify: the public exponent is at least 65537, odd, and OpenSSL's public-key
            // check (n odd, not too small, e in range) must pass.
            if (!n || !e || !build || BN_num_bits(n.get()) < kMinRsaBits || !BN_is_odd(e.get()) ||
                rsa_exponent_too_small(e.get()) ||
                !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
                !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()))
                return Pkey();
            return publicly_checked(from_params("RSA", build.get()));
        }
        case KeyKind::kSecret:
            break;
    }
    return Pkey();
}

bool digest_verify(EVP_PKEY *key, const EVP_MD *md, std::string_view input,
                   const unsigned char *signature, std::size_t length) {
    MdCtx ctx(EVP_MD_CTX_new());
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
           EVP_DigestVerify(ctx.get(), signature, length, bytes(input), input.size()) == 1;
}

// JWS carries ES256 signatures as r || s (32 bytes each); libcrypto takes DER.
bool verify_es256(EVP_PKEY *key, std::string_view input, std::string_view signature) {
    if (signature.size() != 2 * kP256Coordinate)
        return false;
    EcdsaSig sig(ECDSA_SIG_new());
    BIGNUM *r = BN_bin2bn(bytes(signature), kP256Coordinate, nullptr);
    BIGNUM *s = BN_bin2bn(bytes(signature) + kP256Coordinate, kP256Coordinate, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return false;
    }
    unsigned char *der = nullptr;
    int length = i2d_ECDSA_SIG(sig.get(), &der);
    if (length <= 0)
        return false;
    bool ok = digest_verify(key, EVP_sha256(), input, der, static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return ok;
}

bool verify_hs256(std::string_view secret, std::string_view input, std::string_view signature) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), bytes(input),
             input.size(), mac, &length) == nullptr)
        return false;
    return signature.size() == length && CRYPTO_memcmp(mac, signature.data(), length) == 0;
}

}  // namespace

std::optional<JwsParts> split_jws(std::string_view token) noexcept {
    std::size_t first = token.find('.');
    if (first == std::string_view::npos)
        return std::nullopt;
    std::size_t second = token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
        return std::nullopt;
    JwsParts parts{token.substr(0, first), token.substr(first + 1, second - first - 1),
                   token.substr(second + 1), token.substr(0, second)};
    if (parts.header.empty() || parts.payload.empty() || parts.signature.empty())
        return std::nullopt;
    return parts;
}

std::optional<JwsAlg> parse_jws_alg(std::string_view name) noexcept {
    if (name == "EdDSA")
        return JwsAlg::kEdDSA;
    if (name == "ES256")
        return JwsAlg::kES256;
    if (name == "RS256")
        return JwsAlg::kRS256;
    if (name == "HS256")
        return JwsAlg::kHS256;
    return std::nullopt;
}

const char *jws_alg_name(JwsAlg alg) noexcept {
    switch (alg) {
        case JwsAlg::kEdDSA:
            return "EdDSA";
        case JwsAlg::kES256:
            return "ES256";
        case JwsAlg::kRS256:
            return "RS256";
        case JwsAlg::kHS256:
            return "HS256";
    }
    return "?";
}

JwsAlg alg_of_key(KeyKind kind) noexcept {
    switch (kind) {
        case KeyKind::kEd25519:
            return JwsAlg::kEdDSA;
        case KeyKind::kP256:
            return JwsAlg::kES256;
        case KeyKind::kRsa:
            return JwsAlg::kRS256;
        case KeyKind::kSecret:
            return JwsAlg::kHS256;
    }
    return JwsAlg::kHS256;
}

bool key_made_for(JwsAlg alg, KeyKind kind) noexcept {
    return alg == alg_of_key(kind);
}

const char *key_problem(const KeyMaterial &key) noexcept {
    switch (key.kind) {
        case KeyKind::kSecret:
            return key.first.size() < kMinSecret ? "an HS256 secret needs at least 32 bytes"
                                                 : nullptr;
        case KeyKind::kEd25519:
            if (key.first.size() != kEd25519Key)
                return "an Ed25519 key has 32 bytes";
            if (ed25519_small_order(key.first))
                return "an Ed25519 point of small order: anyone could sign with it";
            break;
        case KeyKind::kP256:
            if (key.first.size() != kP256Coordinate || key.second.size() != kP256Coordinate)
                return "a P-256 coordinate has 32 bytes";
            break;
        case KeyKind::kRsa: {
            Bignum e = bignum(key.second);
            if (e && rsa_exponent_too_small(e.get()))
                return "an RSA public exponent below 65537: anyone could sign with it";
            break;
        }
    }
    if (!public_key(key))
        return key.kind == KeyKind::kRsa    ? "not a usable RSA public key of 2048 bits or more"
               : key.kind == KeyKind::kP256 ? "not a point on the P-256 curve"
                                            : "not a usable public key";
    return nullptr;
}

bool verify_jws_signature(JwsAlg alg, const KeyMaterial &key, std::string_view input,
                          std::string_view signature) noexcept {
    if (!key_made_for(alg, key.kind))
        return false;
    if (key.kind == KeyKind::kSecret)
        return key.first.size() >= kMinSecret && verify_hs256(key.first, input, signature);
    Pkey pkey = public_key(key);
    if (!pkey)
        return false;
    switch (alg) {
        case JwsAlg::kEdDSA:
            return digest_verify(pkey.get(), nullptr, input, bytes(signature), signature.size());
        case JwsAlg::kES256:
            return verify_es256(pkey.get(), input, signature);
        case JwsAlg::kRS256:
            return digest_verify(pkey.get(), EVP_sha256(), input, bytes(signature),
                                 signature.size());
        case JwsAlg::kHS256:
            break;
    }
    return false;
}

TokenTime check_token_time(double exp, std::optional<double> nbf, double now, int skew) noexcept {
    if (!(now < exp + skew))  // also false for NaN
        return TokenTime::kExpired;
    if (nbf && !(now + skew >= *nbf))
        return TokenTime::kNotYetValid;
    return TokenTime::kValid;
}

}  // namespace customer_access

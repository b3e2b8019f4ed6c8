// Compact JWS (the form of a JWT): splitting, the algorithms customer_access accepts, the
// key kinds each is made for, the time rules of exp and nbf, and signature verification with
// OpenSSL's libcrypto. No cryptography is written here: only libcrypto calls. Every function
// is noexcept and owns what it allocates, so callers on the PostgreSQL side hold nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace customer_access {

struct JwsParts {
    std::string_view header;         // base64url
    std::string_view payload;        // base64url
    std::string_view signature;      // base64url
    std::string_view signing_input;  // header.payload
};

// header.payload.signature, each part non-empty; nullopt otherwise.
std::optional<JwsParts> split_jws(std::string_view token) noexcept;

enum class JwsAlg { kEdDSA, kES256, kRS256, kHS256 };
// The accepted names; "none" and everything else: nullopt.
std::optional<JwsAlg> parse_jws_alg(std::string_view name) noexcept;
const char *jws_alg_name(JwsAlg alg) noexcept;

enum class KeyKind { kEd25519, kP256, kRsa, kSecret };
// The one algorithm a kind of key is made for.
JwsAlg alg_of_key(KeyKind kind) noexcept;
// Whether a key of `kind` may verify a signature made with `alg`: only with the one algorithm
// it is made for (never an HS256 "signature" checked against an RSA key's public bytes).
bool key_made_for(JwsAlg alg, KeyKind kind) noexcept;

// The raw material of a public key (or an HMAC secret), decoded from its JWK.
struct KeyMaterial {
    KeyKind kind;
    std::string_view first;   // Ed25519 x, P-256 x, RSA n, secret k
    std::string_view second;  // P-256 y, RSA e; empty otherwise
};

// nullptr when the material makes a usable key; else what is wrong with it.
const char *key_problem(const KeyMaterial &key) noexcept;

// Whether signature (raw bytes, as JWS carries it) signs `input` with `key` under `alg`;
// false for an algorithm the key was not made for.
bool verify_jws_signature(JwsAlg alg, const KeyMaterial &key, std::string_view input,
                          std::string_view signature) noexcept;

enum class TokenTime { kValid, kExpired, kNotYetValid };
// exp and nbf in seconds since the epoch (nbf optional), now likewise, with `skew` seconds of
// leeway either way.
TokenTime check_token_time(double exp, std::optional<double> nbf, double now, int skew) noexcept;

}  // namespace customer_access

// Whether authenticate() accepts a token (SPEC "Identity"): where it may appear, its header,
// the key it is checked with, and its claims (exp and nbf with leeway, iss, aud, the
// subject). Pure functions over plain values: src/pg/identity decodes the token's JSON and
// reads trusted_keys into them; the signature itself is verified by jws.hpp in between.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "grant_cache.hpp"
#include "jws.hpp"

namespace customer_access {

enum class TokenRefusal {
    kNone,
    kLiteral,  // the token is in a statement text other sessions can read
    kMalformed,
    kUnsupportedAlgorithm,
    kUnknownKey,
    kBadSignature,
    kExpired,
    kNotYetValid,
    kWrongIssuer,
    kWrongAudience,
    kBadSubject,
};

// The reason authenticate()'s error names ("token rejected: <reason>").
const char *refusal_reason(TokenRefusal refusal) noexcept;

// A step's answer: accepted (kNone), or the refusal and, where the rule alone can say it, a
// sentence that explains it (static text; nullptr when the caller names the key or claim).
struct TokenVerdict {
    TokenRefusal refusal;
    const char *detail;
};

// Whether `text` (a statement other sessions can read) holds the token, or its signature
// alone: a token sent as a literal is everyone's. Only for a token of three non-empty parts.
bool token_in_text(std::string_view token, std::string_view text) noexcept;

// The header as decoded: a JSON object (is_object), its "alg" when a string, whether it has
// "crit".
struct TokenHeader {
    bool is_object;
    std::optional<std::string_view> alg;
    bool has_crit;
};

// A JSON object with a string "alg" that is one of the accepted algorithms (never "none"),
// and no "crit" extensions (none is understood). The algorithm goes to *alg.
TokenVerdict judge_header(const TokenHeader &header, JwsAlg *alg) noexcept;

// The key for a header's algorithm: a key is used only for the one algorithm it was made
// for (key_made_for), so an HS256 token is never checked against an RSA key's bytes.
TokenVerdict judge_key(JwsAlg alg, KeyKind kind) noexcept;

// A numeric claim: absent, present as a number (value), or present as something else.
struct NumericClaim {
    bool present;
    std::optional<double> value;
};

// The payload's claims as decoded. aud: a string is one item, an array its string items,
// anything else no item; subject: the claim customer_access.claim names, when a string.
struct TokenClaims {
    bool is_object;
    NumericClaim exp;
    NumericClaim nbf;
    std::optional<std::string_view> iss;
    bool aud_present;
    const std::string_view *aud;
    std::size_t aud_count;
    std::optional<std::string_view> subject;
};

// What the key's row of trusted_keys demands: an issuer, an audience (absent: any).
struct KeyDemands {
    std::optional<std::string_view> issuer;
    std::optional<std::string_view> audience;
};

// The claims of a token whose signature verified: a JSON object; exp required and not past
// (now < exp + skew); nbf, when present, a number not ahead (now + skew >= nbf); iss equal to
// the key's issuer and aud equal to (or, as an array, containing) the key's audience when the
// key names them; the subject a uuid, which goes to *user. now and the claims are seconds
// since the epoch.
TokenVerdict judge_claims(const TokenClaims &claims, const KeyDemands &key, double now, int skew,
                          Uuid *user) noexcept;

}  // namespace customer_access

#include "token_rules.hpp"

#include "uuid_text.hpp"

namespace customer_access {

const char *refusal_reason(TokenRefusal refusal) noexcept {
    switch (refusal) {
        case TokenRefusal::kNone:
            return "accepted";
        case TokenRefusal::kLiteral:
            return "sent in the statement text";
        case TokenRefusal::kMalformed:
            return "malformed";
        case TokenRefusal::kUnsupportedAlgorithm:
            return "unsupported algorithm";
        case TokenRefusal::kUnknownKey:
            return "unknown key";
        case TokenRefusal::kBadSignature:
            return "bad signature";
        case TokenRefusal::kExpired:
            return "expired";
        case TokenRefusal::kNotYetValid:
            return "not yet valid";
        case TokenRefusal::kWrongIssuer:
            return "wrong issuer";
        case TokenRefusal::kWrongAudience:
            return "wrong audience";
        case TokenRefusal::kBadSubject:
            return "no or bad subject";
    }
    return "refused";
}

bool token_in_text(std::string_view token, std::string_view text) noexcept {
    std::optional<JwsParts> parts = split_jws(token);
    if (!parts)
        return false;  // no token: nothing anyone could present
    return text.find(token) != std::string_view::npos ||
           text.find(parts->signature) != std::string_view::npos;
}

TokenVerdict judge_header(const TokenHeader &header, JwsAlg *alg) noexcept {
    if (!header.is_object)
        return {TokenRefusal::kMalformed, "The header is no base64url JSON object."};
    if (!header.alg)
        return {TokenRefusal::kMalformed, "The header has no \"alg\"."};
    if (header.has_crit)
        return {TokenRefusal::kMalformed,
                "The header has \"crit\" extensions, which are not supported."};
    std::optional<JwsAlg> parsed = parse_jws_alg(*header.alg);
    if (!parsed)
        return {TokenRefusal::kUnsupportedAlgorithm, nullptr};
    *alg = *parsed;
    return {TokenRefusal::kNone, nullptr};
}

TokenVerdict judge_key(JwsAlg alg, KeyKind kind) noexcept {
    if (!key_made_for(alg, kind))
        return {TokenRefusal::kBadSignature, nullptr};
    return {TokenRefusal::kNone, nullptr};
}

namespace {

bool audience_matches(const TokenClaims &claims, std::string_view audience) {
    for (std::size_t i = 0; i < claims.aud_count; ++i)
        if (claims.aud[i] == audience)
            return true;
    return false;
}

}  // namespace

TokenVerdict judge_claims(const TokenClaims &claims, const KeyDemands &key, double now, int skew,
                          Uuid *user) noexcept {
    if (!claims.is_object)
        return {TokenRefusal::kMalformed, "The payload is no base64url JSON object."};
    if (!claims.exp.value)
        return {TokenRefusal::kExpired, "The token has no numeric \"exp\" claim; it is required."};
    if (claims.nbf.present && !claims.nbf.value)
        return {TokenRefusal::kNotYetValid, "\"nbf\" is not a number."};
    switch (check_token_time(*claims.exp.value, claims.nbf.value, now, skew)) {
        case TokenTime::kExpired:
            return {TokenRefusal::kExpired, nullptr};
        case TokenTime::kNotYetValid:
            return {TokenRefusal::kNotYetValid, nullptr};
        case TokenTime::kValid:
            break;
    }
    if (key.issuer && (!claims.iss || *claims.iss != *key.issuer))
        return {TokenRefusal::kWrongIssuer, nullptr};
    if (key.audience && (!claims.aud_present || !audience_matches(claims, *key.audience)))
        return {TokenRefusal::kWrongAudience, nullptr};
    std::optional<Uuid> subject = claims.subject ? parse_uuid(*claims.subject) : std::nullopt;
    if (!subject)
        return {TokenRefusal::kBadSubject, nullptr};
    *user = *subject;
    return {TokenRefusal::kNone, nullptr};
}

}  // namespace customer_access

// authenticate(token): in identity mode token, verifies a compact JWS with a key of
// customer_access.trusted_keys and makes its subject the application user for the rest of the
// transaction. Every failure is 28000 naming the reason, and changes nothing.
#include "core/base64url.hpp"
#include <cstdlib>

#include "core/jws.hpp"
#include "core/uuid_text.hpp"
#include "pg/boundary/boundary.hpp"
#include "pg/checks/grant_lookup.hpp"
#include "pg/identity/identity.hpp"
#include "pg/identity/settings.hpp"
#include "pg/identity/json_text.hpp"
#include "pg/identity/trusted_keys.hpp"

extern "C" {
#include "utils/timestamp.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

// Longer tokens are refused before any work (a JWT of a portal request is well under 2 KB).
constexpr std::size_t kMaxTokenLength = 16384;

[[noreturn]] void reject(const char *reason, const char *detail = nullptr) {
    if (detail != nullptr)
        ereport(ERROR, (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
                        errmsg("token rejected: %s", reason), errdetail("%s", detail)));
    ereport(ERROR, (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
                    errmsg("token rejected: %s", reason)));
    pg_unreachable();
}

// A base64url part holding a JSON object (UTF-8): the object, its text in *text.
Jsonb *json_part(std::string_view part, char **text) {
    std::optional<std::size_t> size = base64url_decoded_size(part.size());
    if (!size)
        return nullptr;
    auto *decoded = static_cast<char *>(palloc(*size + 1));
    std::optional<std::size_t> n =
        base64url_decode(part, reinterpret_cast<std::uint8_t *>(decoded));
    if (!n)
        return nullptr;
    decoded[*n] = '\0';
    *text = decoded;
    return json_object_or_null(decoded, static_cast<int>(*n));
}

// A numeric claim (seconds since the epoch), or nullopt.
std::optional<double> number_member(Jsonb *claims, const char *name) {
    JsonbValue *value =
        getKeyJsonValueFromContainer(&claims->root, name, static_cast<int>(strlen(name)), nullptr);
    if (value == nullptr || value->type != jbvNumeric)
        return std::nullopt;
    // Through text: a huge exponent (json_limits allows 1000) becomes infinity, never an error.
    char *digits =
        DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(value->val.numeric)));
    return strtod(digits, nullptr);
}

bool audience_matches(Jsonb *claims, const char *audience) {
    JsonbValue *aud = getKeyJsonValueFromContainer(&claims->root, "aud", 3, nullptr);
    if (aud == nullptr)
        return false;
    if (aud->type == jbvString)
        return static_cast<std::size_t>(aud->val.string.len) == strlen(audience) &&
               memcmp(aud->val.string.val, audience, aud->val.string.len) == 0;
    if (aud->type != jbvBinary || !JsonContainerIsArray(aud->val.binary.data))
        return false;
    JsonbValue wanted;
    wanted.type = jbvString;
    wanted.val.string.val = const_cast<char *>(audience);
    wanted.val.string.len = static_cast<int>(strlen(audience));
    return findJsonbValueFromContainer(aud->val.binary.data, JB_FARRAY, &wanted) != nullptr;
}

}  // namespace

CUSTOMER_ACCESS_FUNCTION(authenticate) {
    if (identity_mode() != IdentityMode::kToken)
        reject("customer_access.identity is not \"token\"",
               "authenticate() sets the application user only in identity mode token.");
    if (PG_ARGISNULL(0))
        reject("malformed", "The token is NULL.");
    text *token_text = PG_GETARG_TEXT_PP(0);
    std::size_t length = VARSIZE_ANY_EXHDR(token_text);
    if (length > kMaxTokenLength)
        reject("malformed", psprintf("The token is longer than %zu bytes.", kMaxTokenLength));
    std::string_view token(VARDATA_ANY(token_text), length);

    std::optional<JwsParts> parts = split_jws(token);
    if (!parts)
        reject("malformed", "A token is three base64url parts separated by dots.");
    char *header_text = nullptr;
    Jsonb *header = json_part(parts->header, &header_text);
    if (header == nullptr)
        reject("malformed", "The header is no base64url JSON object.");
    char *alg_name = json_string_member(&header->root, "alg");
    if (alg_name == nullptr)
        reject("malformed", "The header has no \"alg\".");
    if (getKeyJsonValueFromContainer(&header->root, "crit", 4, nullptr) != nullptr)
        reject("malformed", "The header has \"crit\" extensions, which are not supported.");
    std::optional<JwsAlg> alg = parse_jws_alg(alg_name);
    if (!alg)
        reject("unsupported algorithm",
               psprintf("\"%s\" is not accepted; EdDSA, ES256, RS256 and HS256 are.", alg_name));
    char *kid = json_string_member(&header->root, "kid");

    TrustedKey key;
    if (!find_trusted_key(kid, &key))
        reject("unknown key",
               kid != nullptr
                   ? psprintf("No enabled key of customer_access.trusted_keys has kid \"%s\".", kid)
                   : "The token has no kid, and customer_access.trusted_keys does not have exactly "
                     "one enabled key.");
    KeyMaterial material;
    if (decode_jwk(key.jwk, &material) != nullptr)
        reject("unknown key", psprintf("Trusted key \"%s\" is not usable.", key.kid));
    if (alg_of_key(material.kind) != *alg)
        reject("bad signature",
               psprintf("Key \"%s\" is for %s, not %s.", key.kid,
                        jws_alg_name(alg_of_key(material.kind)), jws_alg_name(*alg)));

    std::optional<std::size_t> signature_size = base64url_decoded_size(parts->signature.size());
    auto *signature = static_cast<std::uint8_t *>(palloc(signature_size.value_or(0) + 1));
    std::optional<std::size_t> signature_length =
        signature_size ? base64url_decode(parts->signature, signature) : std::nullopt;
    if (!signature_length)
        reject("malformed", "The signature is not base64url.");
    if (!verify_jws_signature(
            *alg, material, parts->signing_input,
            std::string_view(reinterpret_cast<char *>(signature), *signature_length)))
        reject("bad signature");

    char *payload_text = nullptr;
    Jsonb *claims = json_part(parts->payload, &payload_text);
    if (claims == nullptr)
        reject("malformed", "The payload is no base64url JSON object.");
    std::optional<double> exp = number_member(claims, "exp");
    if (!exp)
        reject("expired", "The token has no numeric \"exp\" claim; it is required.");
    double now = static_cast<double>(GetCurrentTimestamp()) / USECS_PER_SEC +
                 (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
    JsonbValue *nbf_value = getKeyJsonValueFromContainer(&claims->root, "nbf", 3, nullptr);
    std::optional<double> nbf = number_member(claims, "nbf");
    if (nbf_value != nullptr && !nbf)
        reject("not yet valid", "\"nbf\" is not a number.");
    switch (check_token_time(*exp, nbf, now, clock_skew_seconds())) {
        case TokenTime::kExpired:
            reject("expired");
        case TokenTime::kNotYetValid:
            reject("not yet valid");
        case TokenTime::kValid:
            break;
    }
    if (key.issuer != nullptr) {
        char *iss = json_string_member(&claims->root, "iss");
        if (iss == nullptr || strcmp(iss, key.issuer) != 0)
            reject("wrong issuer",
                   psprintf("Key \"%s\" accepts only issuer \"%s\".", key.kid, key.issuer));
    }
    if (key.audience != nullptr && !audience_matches(claims, key.audience))
        reject("wrong audience",
               psprintf("Key \"%s\" accepts only audience \"%s\".", key.kid, key.audience));
    char *subject = claim_text(claims, identity_claim());
    std::optional<Uuid> user = subject != nullptr ? parse_uuid(subject) : std::nullopt;
    if (!user)
        reject("no or bad subject",
               psprintf("The claim \"%s\" must be the application user's uuid.", identity_claim()));
    establish_token_identity(*user, payload_text);
    return uuid_datum(*user);
}

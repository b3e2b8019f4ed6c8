// authenticate(token): in identity mode token, verifies a compact JWS with a key of
// customer_access.trusted_keys and makes its subject the application user for the rest of the
// transaction. Every failure is 28000 naming the reason, and changes nothing. The rules are
// core's (token_rules.hpp); this file reads the token's JSON and the key into them.
//
// A token is a secret of the session that presents it: one that appears in the statement
// text (a literal) is refused, since other sessions of the same role read statement texts in
// pg_stat_activity; and no refusal writes the statement or its context into the server log.
#include "core/base64url.hpp"
#include <cstdlib>

#include "core/jws.hpp"
#include "core/token_rules.hpp"
#include "pg/boundary/boundary.hpp"
#include "pg/checks/grant_lookup.hpp"
#include "pg/identity/identity.hpp"
#include "pg/identity/settings.hpp"
#include "pg/identity/json_text.hpp"
#include "pg/identity/trusted_keys.hpp"

extern "C" {
#include "access/xact.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/portal.h"
#include "utils/timestamp.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

// Longer tokens are refused before any work (a JWT of a portal request is well under 2 KB).
constexpr std::size_t kMaxTokenLength = 16384;

// 28000 "token rejected: <reason>". The statement and its context stay out of the server
// log (log_min_error_statement would log the statement, and with it a literal token).
[[noreturn]] void reject(TokenRefusal refusal, const char *detail = nullptr,
                         const char *hint = nullptr) {
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
             errmsg("token rejected: %s", refusal_reason(refusal)),
             detail != nullptr ? errdetail("%s", detail) : 0,
             hint != nullptr ? errhint("%s", hint) : 0, errhidestmt(true), errhidecontext(true)));
    pg_unreachable();
}

[[noreturn]] void reject(const TokenVerdict &verdict) {
    reject(verdict.refusal, verdict.detail);
}

// The statement texts other sessions can read: the client's statement string (all of it,
// every statement of a multi-statement string: pg_stat_activity shows it whole) and the
// source text of the portal running (a cursor's DECLARE, a PL/pgSQL cursor's query).
bool in_readable_statement_text(std::string_view token) {
    if (debug_query_string != nullptr && token_in_text(token, debug_query_string))
        return true;
    return ActivePortal != nullptr && ActivePortal->sourceText != nullptr &&
           token_in_text(token, ActivePortal->sourceText);
}

[[noreturn]] void reject_literal() {
    // pg_stat_activity keeps showing an idle session's last statement: not this one.
    pgstat_report_activity(STATE_RUNNING,
                           "<customer_access: statement hidden, it held a token as a literal>");
    reject(TokenRefusal::kLiteral,
           "Other sessions of the same role can read statement texts (pg_stat_activity), and "
           "logs keep them.",
           "Send the token as a bind parameter: SELECT customer_access.authenticate($1).");
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

std::optional<std::string_view> string_member(JsonbContainer *object, const char *name) {
    char *value = json_string_member(object, name);
    if (value == nullptr)
        return std::nullopt;
    return std::string_view(value);
}

// A numeric claim (seconds since the epoch): absent, a number, or something else.
NumericClaim numeric_member(Jsonb *claims, const char *name) {
    JsonbValue *value =
        getKeyJsonValueFromContainer(&claims->root, name, static_cast<int>(strlen(name)), nullptr);
    if (value == nullptr)
        return NumericClaim{false, std::nullopt};
    if (value->type != jbvNumeric)
        return NumericClaim{true, std::nullopt};
    // Through text: a huge exponent (json_limits allows 1000) becomes infinity, never an error.
    char *digits =
        DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(value->val.numeric)));
    return NumericClaim{true, strtod(digits, nullptr)};
}

// aud as core reads it: a string is one item, an array its string items.
void audience_member(Jsonb *claims, TokenClaims *out) {
    JsonbValue *aud = getKeyJsonValueFromContainer(&claims->root, "aud", 3, nullptr);
    out->aud_present = aud != nullptr;
    out->aud = nullptr;
    out->aud_count = 0;
    if (aud == nullptr)
        return;
    if (aud->type == jbvString) {
        auto *item = static_cast<std::string_view *>(palloc(sizeof(std::string_view)));
        *item = std::string_view(aud->val.string.val, aud->val.string.len);
        out->aud = item;
        out->aud_count = 1;
        return;
    }
    if (aud->type != jbvBinary || !JsonContainerIsArray(aud->val.binary.data))
        return;
    int size = JsonContainerSize(aud->val.binary.data);
    auto *items = static_cast<std::string_view *>(palloc(sizeof(std::string_view) * (size + 1)));
    for (int i = 0; i < size; ++i) {
        JsonbValue *element = getIthJsonbValueFromContainer(aud->val.binary.data, i);
        if (element != nullptr && element->type == jbvString)
            items[out->aud_count++] =
                std::string_view(element->val.string.val, element->val.string.len);
    }
    out->aud = items;
}

}  // namespace

CUSTOMER_ACCESS_FUNCTION(authenticate) {
    // A parallel query's workers were handed the identity when it started: one that changes
    // during it (a PARALLEL SAFE wrapper in an InitPlan) would leave them on the previous
    // user. PostgreSQL refuses to change a setting then for the same reason.
    if (IsInParallelMode())
        ereport(ERROR, (errcode(ERRCODE_INVALID_TRANSACTION_STATE),
                        errmsg("authenticate() cannot run during a parallel operation"),
                        errhint("Call it in a statement of its own.")));
    if (identity_mode() != IdentityMode::kToken)
        ereport(ERROR, (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
                        errmsg("token rejected: customer_access.identity is not \"token\""),
                        errdetail("authenticate() sets the application user only in identity "
                                  "mode token."),
                        errhidestmt(true), errhidecontext(true)));
    if (PG_ARGISNULL(0))
        reject(TokenRefusal::kMalformed, "The token is NULL.");
    text *token_text = PG_GETARG_TEXT_PP(0);
    std::size_t length = VARSIZE_ANY_EXHDR(token_text);
    if (length > kMaxTokenLength)
        reject(TokenRefusal::kMalformed,
               psprintf("The token is longer than %zu bytes.", kMaxTokenLength));
    std::string_view token(VARDATA_ANY(token_text), length);

    std::optional<JwsParts> parts = split_jws(token);
    if (!parts)
        reject(TokenRefusal::kMalformed, "A token is three base64url parts separated by dots.");
    if (!token_literals_allowed() && in_readable_statement_text(token))
        reject_literal();

    char *header_text = nullptr;
    Jsonb *header = json_part(parts->header, &header_text);
    TokenHeader read_header{header != nullptr, std::nullopt, false};
    if (header != nullptr) {
        read_header.alg = string_member(&header->root, "alg");
        read_header.has_crit =
            getKeyJsonValueFromContainer(&header->root, "crit", 4, nullptr) != nullptr;
    }
    JwsAlg alg = JwsAlg::kHS256;
    TokenVerdict verdict = judge_header(read_header, &alg);
    if (verdict.refusal == TokenRefusal::kUnsupportedAlgorithm)
        reject(verdict.refusal,
               psprintf("\"%s\" is not accepted; EdDSA, ES256, RS256 and HS256 are.",
                        read_header.alg->data()));
    if (verdict.refusal != TokenRefusal::kNone)
        reject(verdict);
    char *kid = json_string_member(&header->root, "kid");

    TrustedKey key;
    if (!find_trusted_key(kid, &key))
        reject(TokenRefusal::kUnknownKey,
               kid != nullptr
                   ? psprintf("No enabled key of customer_access.trusted_keys has kid \"%s\".", kid)
                   : "The token has no kid, and customer_access.trusted_keys does not have exactly "
                     "one enabled key.");
    KeyMaterial material;
    if (decode_jwk(key.jwk, key.kid, &material) != nullptr)
        reject(TokenRefusal::kUnknownKey, psprintf("Trusted key \"%s\" is not usable.", key.kid));
    verdict = judge_key(alg, material.kind);
    if (verdict.refusal != TokenRefusal::kNone)
        reject(verdict.refusal,
               psprintf("Key \"%s\" is for %s, not %s.", key.kid,
                        jws_alg_name(alg_of_key(material.kind)), jws_alg_name(alg)));

    std::optional<std::size_t> signature_size = base64url_decoded_size(parts->signature.size());
    auto *signature = static_cast<std::uint8_t *>(palloc(signature_size.value_or(0) + 1));
    std::optional<std::size_t> signature_length =
        signature_size ? base64url_decode(parts->signature, signature) : std::nullopt;
    if (!signature_length)
        reject(TokenRefusal::kMalformed, "The signature is not base64url.");
    if (!verify_jws_signature(
            alg, material, parts->signing_input,
            std::string_view(reinterpret_cast<char *>(signature), *signature_length)))
        reject(TokenRefusal::kBadSignature);

    char *payload_text = nullptr;
    Jsonb *claims = json_part(parts->payload, &payload_text);
    TokenClaims read_claims{claims != nullptr, {}, {},          std::nullopt, false,
                            nullptr,           0,  std::nullopt};
    if (claims != nullptr) {
        read_claims.exp = numeric_member(claims, "exp");
        read_claims.nbf = numeric_member(claims, "nbf");
        read_claims.iss = string_member(&claims->root, "iss");
        audience_member(claims, &read_claims);
        char *subject = claim_text(claims, identity_claim());
        if (subject != nullptr)
            read_claims.subject = std::string_view(subject);
    }
    KeyDemands demands{
        key.issuer != nullptr ? std::optional<std::string_view>(key.issuer) : std::nullopt,
        key.audience != nullptr ? std::optional<std::string_view>(key.audience) : std::nullopt};
    double now = static_cast<double>(GetCurrentTimestamp()) / USECS_PER_SEC +
                 (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
    Uuid user{};
    verdict = judge_claims(read_claims, demands, now, clock_skew_seconds(), &user);
    switch (verdict.refusal) {
        case TokenRefusal::kNone:
            break;
        case TokenRefusal::kWrongIssuer:
            reject(verdict.refusal,
                   psprintf("Key \"%s\" accepts only issuer \"%s\".", key.kid, key.issuer));
        case TokenRefusal::kWrongAudience:
            reject(verdict.refusal,
                   psprintf("Key \"%s\" accepts only audience \"%s\".", key.kid, key.audience));
        case TokenRefusal::kBadSubject:
            reject(verdict.refusal,
                   psprintf("The claim \"%s\" must be the application user's uuid.",
                            identity_claim()));
        default:
            reject(verdict);
    }
    establish_token_identity(user, payload_text);
    return uuid_datum(user);
}

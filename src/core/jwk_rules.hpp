// Which JWKs customer_access.trusted_keys accepts (RFC 7517/7518/8037, SPEC "Identity"): the
// key types and curves, signature use only, no private part, an "alg" and "kid" that agree
// with the key and its row, and key material with which nobody but the key's holder can sign
// (jws.hpp's key_problem). Pure: src/pg/identity reads the JSON members into JwkFields.
#pragma once

#include <optional>
#include <string_view>

#include "jws.hpp"

namespace customer_access {

// A JWK's members as decoded. Text members when they are strings; the key members decoded
// from base64url (nullopt when missing, not a string, not base64url, or empty).
struct JwkFields {
    bool is_object;
    std::optional<std::string_view> kty, crv, use, alg, kid;
    bool alg_present;  // "alg" is there, a string or not
    bool has_private;  // "d" is there
    std::optional<std::string_view> x, y, n, e, k;
};

// nullptr when the JWK makes a usable key for the trusted_keys row whose kid is `row_kid`
// (the material goes to *key, viewing the fields' bytes); else what is wrong with it.
const char *jwk_problem(const JwkFields &jwk, std::optional<std::string_view> row_kid,
                        KeyMaterial *key) noexcept;

}  // namespace customer_access

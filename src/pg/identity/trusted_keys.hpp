// customer_access.trusted_keys: the keys authenticate() accepts, as JWKs.
#pragma once

#include "core/jws.hpp"
#include "pg/boundary/postgres.hpp"

extern "C" {
#include "utils/jsonb.h"
}

namespace customer_access::pg {

// A JWK of the trusted_keys row `row_kid` (nullptr: none) decoded into key material (bytes
// in the current memory context) by core's rules (jwk_rules.hpp); nullptr when it makes a
// usable key, else what is wrong with it.
const char *decode_jwk(Jsonb *jwk, const char *row_kid, KeyMaterial *key);

// A string member of a JSON object, or nullptr (not there, or not a string).
char *json_string_member(JsonbContainer *object, const char *name);

// One enabled key of the table.
struct TrustedKey {
    char *kid;
    Jsonb *jwk;
    char *issuer;    // nullptr: any
    char *audience;  // nullptr: any
};

// The key a token names by `kid` (nullptr: the only enabled key); false when there is none
// (or, without kid, when there is not exactly one).
bool find_trusted_key(const char *kid, TrustedKey *key);

}  // namespace customer_access::pg

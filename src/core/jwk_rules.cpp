#include "jwk_rules.hpp"

namespace customer_access {

const char *jwk_problem(const JwkFields &jwk, std::optional<std::string_view> row_kid,
                        KeyMaterial *key) noexcept {
    if (!jwk.is_object)
        return "a JWK is a JSON object";
    if (!jwk.kty)
        return "a JWK needs \"kty\"";
    if (jwk.use && *jwk.use != "sig")
        return "the key is not for signatures (\"use\" is not \"sig\")";
    *key = KeyMaterial{KeyKind::kSecret, {}, {}};
    if (*jwk.kty == "OKP") {
        if (!jwk.crv || *jwk.crv != "Ed25519")
            return "an OKP key must be \"crv\": \"Ed25519\"";
        if (!jwk.x)
            return "an Ed25519 key needs \"x\" in base64url";
        *key = KeyMaterial{KeyKind::kEd25519, *jwk.x, {}};
    } else if (*jwk.kty == "EC") {
        if (!jwk.crv || *jwk.crv != "P-256")
            return "an EC key must be \"crv\": \"P-256\"";
        if (!jwk.x || !jwk.y)
            return "a P-256 key needs \"x\" and \"y\" in base64url";
        *key = KeyMaterial{KeyKind::kP256, *jwk.x, *jwk.y};
    } else if (*jwk.kty == "RSA") {
        if (!jwk.n || !jwk.e)
            return "an RSA key needs \"n\" and \"e\" in base64url";
        *key = KeyMaterial{KeyKind::kRsa, *jwk.n, *jwk.e};
    } else if (*jwk.kty == "oct") {
        if (!jwk.k)
            return "an HS256 secret needs \"k\" in base64url";
        *key = KeyMaterial{KeyKind::kSecret, *jwk.k, {}};
    } else {
        return "\"kty\" must be OKP (Ed25519), EC (P-256), RSA or oct";
    }
    if (key->kind != KeyKind::kSecret && jwk.has_private)
        return "a private key: store only the public part (no \"d\")";
    if (jwk.alg && *jwk.alg != jws_alg_name(alg_of_key(key->kind))) {
        switch (alg_of_key(key->kind)) {
            case JwsAlg::kEdDSA:
                return "\"alg\" must be \"EdDSA\" for this key";
            case JwsAlg::kES256:
                return "\"alg\" must be \"ES256\" for this key";
            case JwsAlg::kRS256:
                return "\"alg\" must be \"RS256\" for this key";
            case JwsAlg::kHS256:
                return "\"alg\" must be \"HS256\" for this key";
        }
    }
    if (jwk.alg_present && !jwk.alg)
        return "\"alg\" must be a string";
    if (const char *problem = key_problem(*key))
        return problem;
    if (jwk.kid && row_kid && *jwk.kid != *row_kid)
        return "the JWK's \"kid\" differs from the row's kid";
    return nullptr;
}

}  // namespace customer_access

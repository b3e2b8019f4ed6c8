#!/usr/bin/python3
"""Makes the keys and tokens of the `tokens` regression suite with real tools: keys from
python3-cryptography (OpenSSL), tokens signed by python3-jwt (PyJWT), both from Debian.
Writes psql \\set lines: JWKs as :'jwk_<name>' and tokens as :'tok_<case>'.
Usage: make_tokens.py OUTPUT.sql"""
import base64
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

USER = "a8000000-0000-0000-0000-000000000001"
OTHER = "a8000000-0000-0000-0000-000000000002"
now = int(time.time())


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(algorithm, key, kid):
    jwk = json.loads(algorithm.to_jwk(key))
    jwk["kid"] = kid
    return jwk


def ec_jwk(key, kid):
    # RFC 7518 6.2.1.2: P-256 coordinates are always 32 bytes; PyJWT 2.6 drops leading zeros.
    numbers = key.public_numbers()
    return {"kty": "EC", "crv": "P-256", "kid": kid,
            "x": b64(numbers.x.to_bytes(32, "big")), "y": b64(numbers.y.to_bytes(32, "big"))}


ed_key = ed25519.Ed25519PrivateKey.generate()
ed_other = ed25519.Ed25519PrivateKey.generate()
es_key = ec.generate_private_key(ec.SECP256R1())
rs_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
rs_small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
hs_secret = b"customer-access-test-secret-0123456789"

jwks = {
    "ed": public_jwk(OKPAlgorithm, ed_key.public_key(), "ed"),
    "es": ec_jwk(es_key.public_key(), "es"),
    "rs": public_jwk(RSAAlgorithm, rs_key.public_key(), "rs"),
    "hs": {"kty": "oct", "k": b64(hs_secret), "kid": "hs", "alg": "HS256"},
    "idp": public_jwk(RSAAlgorithm, rs_key.public_key(), "idp"),
    # bad ones, for the trigger
    "private_ed": public_jwk(OKPAlgorithm, ed_key, "private_ed"),
    "short_secret": {"kty": "oct", "k": b64(b"too short")},
    "rs1024": public_jwk(RSAAlgorithm, rs_small.public_key(), "rs1024"),
    "wrong_crv": dict(ec_jwk(es_key.public_key(), "wrong_crv"), crv="P-384"),
    "wrong_alg": dict(public_jwk(RSAAlgorithm, rs_key.public_key(), "wrong_alg"), alg="HS256"),
    "not_on_curve": dict(ec_jwk(es_key.public_key(), "not_on_curve"),
                         y=b64(b"\x01" * 32)),
    "encryption": dict(public_jwk(OKPAlgorithm, ed_key.public_key(), "encryption"), use="enc"),
}
del jwks["private_ed"]["kid"]
jwks["private_ed"]["kid"] = "private_ed"


def claims(**extra):
    body = {"sub": USER, "exp": now + 3600, "iat": now, "role": "ca_token_portal", "tier": "gold"}
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def sign(key, alg, kid, body):
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(body, key, algorithm=alg, headers=headers)


tokens = {
    "ed": sign(ed_key, "EdDSA", "ed", claims()),
    "es": sign(es_key, "ES256", "es", claims()),
    "rs": sign(rs_key, "RS256", "rs", claims()),
    "hs": sign(hs_secret, "HS256", "hs", claims()),
    "other_user": sign(ed_key, "EdDSA", "ed", claims(sub=OTHER)),
    "expired": sign(ed_key, "EdDSA", "ed", claims(exp=now - 7200)),
    # the suite sets a clock skew of an hour for these two
    "expired_in_skew": sign(ed_key, "EdDSA", "ed", claims(exp=now - 600)),
    "no_exp": sign(ed_key, "EdDSA", "ed", claims(exp=None)),
    "not_yet_valid": sign(ed_key, "EdDSA", "ed", claims(nbf=now + 7200)),
    "nbf_in_skew": sign(ed_key, "EdDSA", "ed", claims(nbf=now + 600)),
    "wrong_key": sign(ed_other, "EdDSA", "ed", claims()),
    "unknown_kid": sign(ed_key, "EdDSA", "nope", claims()),
    "no_kid": sign(ed_key, "EdDSA", None, claims()),
    "no_sub": sign(ed_key, "EdDSA", "ed", claims(sub=None)),
    "bad_sub": sign(ed_key, "EdDSA", "ed", claims(sub="not-a-uuid")),
    "nested_sub": sign(ed_key, "EdDSA", "ed", claims(app_metadata={"user": OTHER})),
    "idp_ok": sign(rs_key, "RS256", "idp", claims(iss="https://idp.example", aud=["other", "portal"])),
    "idp_wrong_iss": sign(rs_key, "RS256", "idp", claims(iss="https://evil.example", aud="portal")),
    "idp_wrong_aud": sign(rs_key, "RS256", "idp", claims(iss="https://idp.example", aud="other")),
    "idp_no_iss": sign(rs_key, "RS256", "idp", claims(aud="portal")),
}
# tampered payload: the subject swapped after signing
h, p, s = tokens["ed"].split(".")
tampered = json.loads(base64.urlsafe_b64decode(p + "=="))
tampered["sub"] = OTHER
tokens["tampered"] = ".".join([h, b64(json.dumps(tampered).encode()), s])
# alg none, unsigned and with a signature of the right key
none_header = b64(json.dumps({"alg": "none", "kid": "ed"}).encode())
tokens["alg_none"] = none_header + "." + p + "."
tokens["alg_none_signed"] = none_header + "." + p + "." + s
# algorithm confusion: HS256 signed with the RSA key's public PEM as the secret, kid of the RSA key
pem = rs_key.public_key().public_bytes(serialization.Encoding.PEM,
                                       serialization.PublicFormat.SubjectPublicKeyInfo)
confused_header = b64(json.dumps({"alg": "HS256", "kid": "rs", "typ": "JWT"}).encode())
confused_payload = b64(json.dumps(claims()).encode())
import hmac, hashlib  # noqa: E401
mac = hmac.new(pem, (confused_header + "." + confused_payload).encode(), hashlib.sha256).digest()
tokens["hs256_with_rsa_key"] = confused_header + "." + confused_payload + "." + b64(mac)
# an RS256 token presented as EdDSA
rs_parts = tokens["rs"].split(".")
tokens["alg_swapped"] = b64(json.dumps({"alg": "EdDSA", "kid": "rs"}).encode()) + "." + rs_parts[1] + "." + rs_parts[2]
tokens["malformed_base64"] = "!!!." + p + "." + s
tokens["two_parts"] = h + "." + p
tokens["header_not_json"] = b64(b"not json") + "." + p + "." + s
tokens["payload_array"] = h + "." + b64(b"[1, 2]") + "." + s
tokens["padded"] = tokens["ed"] + "=="
tokens["huge"] = h + "." + "A" * 20000 + "." + s
tokens["exp_huge"] = sign(ed_key, "EdDSA", "ed", claims(exp=1e300))
# a number past numeric's range and nesting past the limit, signed by hand (PyJWT would not
# write them)
huge_payload = b64((json.dumps(claims())[:-1] + ', "n": 1e1000000}').encode())
deep_payload = b64((json.dumps(claims())[:-1] + ', "deep": ' + "[" * 100 + "]" * 100 + "}").encode())
for name, payload in (("huge_number", huge_payload), ("deep_nesting", deep_payload)):
    signing_input = h + "." + payload
    tokens[name] = signing_input + "." + b64(ed_key.sign(signing_input.encode()))
tokens["nul_in_claims"] = sign(ed_key, "EdDSA", "ed", claims(note="a\u0000b"))
tokens["crit"] = jwt.encode(claims(), ed_key, algorithm="EdDSA", headers={"kid": "ed", "crit": ["x"], "x": 1})

with open(sys.argv[1], "w") as out:
    out.write("-- generated by test/tokens/make_tokens.py; not in git\n")
    for name, jwk in jwks.items():
        out.write("\\set jwk_%s '%s'\n" % (name, json.dumps(jwk)))
    for name, token in tokens.items():
        out.write("\\set tok_%s '%s'\n" % (name, token))

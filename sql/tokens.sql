-- Identity mode token: authenticate() with tokens made by real tools (test/tokens/make_tokens.py:
-- keys from python3-cryptography, tokens signed by python3-jwt), each case with its SQLSTATE.
\set ECHO none
\i test/sql/try.sql
\i test/sql/generated_tokens.sql
\set ECHO all
SET search_path = customer_access, public;
SET customer_access.identity = token;
-- (this suite sends its tokens as psql literals: identity2 tests that they are refused otherwise)
SET customer_access.allow_token_literals = on;

-- Keys: an identity provider's public JWKs and an HS256 secret
INSERT INTO trusted_keys (kid, jwk) VALUES ('ed', :'jwk_ed'), ('es', :'jwk_es'), ('rs', :'jwk_rs'), ('hs', :'jwk_hs');
INSERT INTO trusted_keys (kid, jwk, issuer, audience, notes) VALUES ('idp', :'jwk_idp', 'https://idp.example', 'portal', 'iss and aud checked');
-- Bad JWKs are refused on INSERT and UPDATE with 22023
SELECT k, pg_temp.try(format('INSERT INTO customer_access.trusted_keys (kid, jwk) VALUES (%L, %L)', k, j)) AS outcome
  FROM (VALUES ('private_ed', :'jwk_private_ed'), ('short_secret', :'jwk_short_secret'), ('rs1024', :'jwk_rs1024'),
               ('wrong_crv', :'jwk_wrong_crv'), ('wrong_alg', :'jwk_wrong_alg'), ('not_on_curve', :'jwk_not_on_curve'),
               ('encryption', :'jwk_encryption'), ('kid_mismatch', :'jwk_ed'), ('not_object', '[1]'),
               ('no_kty', '{"x": "abc"}'), ('bad_base64', '{"kty": "OKP", "crv": "Ed25519", "x": "+/+/"}')) AS t(k, j)
 ORDER BY k;
SELECT pg_temp.try($$UPDATE customer_access.trusted_keys SET jwk = '{"kty": "oct", "k": "c2hvcnQ"}' WHERE kid = 'hs'$$) AS update_refused;
SELECT pg_temp.try($$INSERT INTO customer_access.trusted_keys (kid, jwk) VALUES ('null_jwk', NULL)$$) AS null_jwk;
SELECT kid, issuer, audience, enabled FROM trusted_keys ORDER BY kid;

-- A valid token of each algorithm makes its subject the user for the rest of the transaction
CREATE FUNCTION pg_temp.auth(token text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
  RETURN customer_access.authenticate(token)::text || ' / ' || customer_access.current_user_id()::text
         || ' / tier ' || coalesce(customer_access.current_claims() ->> 'tier', '-');
END $f$;
BEGIN;
SELECT pg_temp.auth(:'tok_ed') AS eddsa;
SELECT current_user_id() AS user_after_eddsa;
SELECT pg_temp.auth(:'tok_es') AS es256;
SELECT pg_temp.auth(:'tok_rs') AS rs256;
SELECT pg_temp.auth(:'tok_hs') AS hs256;
SELECT pg_temp.auth(:'tok_idp_ok') AS issuer_and_audience_in_a_list;
SELECT pg_temp.auth(:'tok_exp_huge') AS exp_far_away;
-- (tokens that expired ten minutes ago, or start in ten minutes, within a skew of an hour)
SET LOCAL customer_access.clock_skew = 3600;
SELECT pg_temp.auth(:'tok_expired_in_skew') AS expired_within_clock_skew;
SELECT pg_temp.auth(:'tok_nbf_in_skew') AS not_before_within_clock_skew;
COMMIT;
SELECT current_user_id() IS NULL AS gone_after_commit, current_claims() IS NULL AS no_claims_after_commit;

-- Every refusal is 28000, names the reason, and changes nothing: the identity of this
-- transaction stays what the last accepted token made it
BEGIN;
SELECT authenticate(:'tok_other_user') AS accepted_first;
SELECT name, pg_temp.try(format('SELECT customer_access.authenticate(%L)', token)) AS outcome
  FROM (VALUES (1, 'expired', :'tok_expired'), (2, 'no exp', :'tok_no_exp'), (3, 'not yet valid', :'tok_not_yet_valid'),
               (4, 'wrong key', :'tok_wrong_key'), (5, 'unknown kid', :'tok_unknown_kid'), (6, 'no kid, several keys', :'tok_no_kid'),
               (7, 'tampered payload', :'tok_tampered'), (8, 'alg none', :'tok_alg_none'), (9, 'alg none, signed', :'tok_alg_none_signed'),
               (10, 'HS256 with the RSA key', :'tok_hs256_with_rsa_key'), (11, 'RS256 presented as EdDSA', :'tok_alg_swapped'),
               (12, 'wrong issuer', :'tok_idp_wrong_iss'), (13, 'no issuer', :'tok_idp_no_iss'), (14, 'wrong audience', :'tok_idp_wrong_aud'),
               (15, 'no subject', :'tok_no_sub'), (16, 'subject no uuid', :'tok_bad_sub'), (17, 'malformed base64', :'tok_malformed_base64'),
               (18, 'two parts', :'tok_two_parts'), (19, 'header no JSON', :'tok_header_not_json'), (20, 'payload an array', :'tok_payload_array'),
               (21, 'padded', :'tok_padded'), (22, 'huge', :'tok_huge'), (23, 'NUL in a claim', :'tok_nul_in_claims'),
               (24, 'crit header', :'tok_crit'), (25, 'empty', ''), (26, 'garbage', 'not a token at all'),
               (27, 'NULL', NULL), (28, 'number past numeric', :'tok_huge_number'),
               (29, 'nesting past the limit', :'tok_deep_nesting')) AS t(n, name, token)
 ORDER BY n;
SELECT current_user_id() AS unchanged_by_refusals;
COMMIT;

-- Without kid: the only enabled key
BEGIN;
UPDATE trusted_keys SET enabled = false WHERE kid <> 'ed';
SELECT authenticate(:'tok_no_kid') AS the_only_enabled_key;
ROLLBACK;
-- A disabled key is unknown
BEGIN;
UPDATE trusted_keys SET enabled = false WHERE kid = 'ed';
SELECT pg_temp.try(format('SELECT customer_access.authenticate(%L)', :'tok_ed')) AS disabled_key;
ROLLBACK;
-- The clock skew is a superuser setting; the default 30 seconds do not cover ten minutes
SELECT pg_temp.try(format('SELECT customer_access.authenticate(%L)', :'tok_expired_in_skew')) AS default_skew;
SELECT pg_temp.try(format('SELECT customer_access.authenticate(%L)', :'tok_nbf_in_skew')) AS default_skew_nbf;
CREATE ROLE ca_token_skew;
SET ROLE ca_token_skew;
SELECT pg_temp.try($$SET customer_access.clock_skew = 86400$$) AS skew_is_superuser_only;
RESET ROLE;
DROP ROLE ca_token_skew;
-- The subject claim can be nested
SET customer_access.claim = 'app_metadata.user';
BEGIN;
SELECT authenticate(:'tok_nested_sub') AS nested_subject;
COMMIT;
RESET customer_access.claim;

-- A portal role with no privilege on the keys: authenticate(), then the policies see the user;
-- customer_access.user_id cannot claim anyone in this mode
INSERT INTO external_access (customer_id, user_id, role, days_back_access) VALUES
  ('c8000000-0000-0000-0000-000000000001', 'a8000000-0000-0000-0000-000000000001', 'L20', NULL);
CREATE TABLE token_orders (id int, customer_id uuid);
INSERT INTO token_orders SELECT i, CASE WHEN i % 2 = 0 THEN 'c8000000-0000-0000-0000-000000000001'::uuid ELSE gen_random_uuid() END
  FROM generate_series(1, 100) i;
ALTER TABLE token_orders ENABLE ROW LEVEL SECURITY;
CREATE ROLE ca_token_portal;
CREATE POLICY token_portal ON token_orders FOR SELECT TO ca_token_portal USING (customer_access.can_access(customer_id, 'L20'));
GRANT SELECT ON token_orders TO ca_token_portal;
SET ROLE ca_token_portal;
SELECT pg_temp.try($$SELECT count(*) FROM customer_access.trusted_keys$$) AS keys_closed;
SELECT pg_temp.try($$SET customer_access.user_id = 'a8000000-0000-0000-0000-000000000001'$$) AS cannot_claim;
SELECT count(*) AS without_token FROM token_orders;
BEGIN;
SELECT authenticate(:'tok_ed') IS NOT NULL AS authenticated;
SELECT count(*) AS with_token FROM token_orders;
COMMIT;
SELECT count(*) AS next_transaction FROM token_orders;
RESET ROLE;

-- authenticate() belongs to mode token
SET customer_access.identity = setting;
SELECT pg_temp.try(format('SELECT customer_access.authenticate(%L)', :'tok_ed')) AS in_setting_mode;
RESET customer_access.identity;

DROP TABLE token_orders;
DROP ROLE ca_token_portal;
SET customer_access.allow_owner_revoke = on;
DELETE FROM external_access WHERE customer_id = 'c8000000-0000-0000-0000-000000000001';
DELETE FROM trusted_keys;
RESET customer_access.allow_owner_revoke;

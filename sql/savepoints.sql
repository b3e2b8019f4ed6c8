-- Answers and identities follow every way a change is undone: ROLLBACK TO SAVEPOINT and
-- exception blocks, in every isolation level (SPEC "Access checks", "Identity", 1.3).
\set ECHO none
\i test/sql/try.sql
\i test/sql/generated_tokens.sql
\set ECHO all
SET search_path = customer_access, public;
-- (this suite sends its tokens as psql literals: identity2 tests that they are refused otherwise)
SET customer_access.allow_token_literals = on;

-- A grant inserted in a savepoint and rolled back is gone for the checks, and a rolled-back
-- revoke is undone, in each isolation level
BEGIN ISOLATION LEVEL REPEATABLE READ;
SET LOCAL customer_access.user_id = 'a5000000-0000-0000-0000-000000000001';
SAVEPOINT s;
INSERT INTO external_access (customer_id, user_id, role) VALUES
  ('c5000000-0000-0000-0000-000000000001', 'a5000000-0000-0000-0000-000000000001', 'L30');
SELECT can_access('c5000000-0000-0000-0000-000000000001', 'L10') AS rr_inside_savepoint;
ROLLBACK TO s;
SELECT can_access('c5000000-0000-0000-0000-000000000001', 'L10') AS rr_after_rollback_to;
SELECT count(*) AS rr_rows_after_rollback_to FROM accessible_customers('a5000000-0000-0000-0000-000000000001');
COMMIT;

BEGIN ISOLATION LEVEL SERIALIZABLE;
SET LOCAL customer_access.user_id = 'a5000000-0000-0000-0000-000000000001';
SAVEPOINT s;
INSERT INTO external_access (customer_id, user_id, role) VALUES
  ('c5000000-0000-0000-0000-000000000001', 'a5000000-0000-0000-0000-000000000001', 'L30');
SELECT can_access('c5000000-0000-0000-0000-000000000001', 'L10') AS serializable_inside_savepoint;
ROLLBACK TO s;
SELECT can_access('c5000000-0000-0000-0000-000000000001', 'L10') AS serializable_after_rollback_to;
COMMIT;

-- The reverse: a revoke rolled back answers TRUE again
INSERT INTO external_access (customer_id, user_id, role) VALUES
  ('c5000000-0000-0000-0000-000000000002', 'a5000000-0000-0000-0000-000000000001', 'L30');
BEGIN ISOLATION LEVEL REPEATABLE READ;
SET LOCAL customer_access.user_id = 'a5000000-0000-0000-0000-000000000001';
SAVEPOINT s;
DELETE FROM external_access WHERE customer_id = 'c5000000-0000-0000-0000-000000000002';
SELECT can_access('c5000000-0000-0000-0000-000000000002', 'L10') AS revoked_inside_savepoint;
ROLLBACK TO s;
SELECT can_access('c5000000-0000-0000-0000-000000000002', 'L10') AS revoke_rolled_back;
COMMIT;

-- Through a PL/pgSQL exception block
CREATE FUNCTION pg_temp.grant_then_fail() RETURNS text LANGUAGE plpgsql AS $f$
DECLARE inside boolean;
BEGIN
  BEGIN
    INSERT INTO customer_access.external_access (customer_id, user_id, role) VALUES
      ('c5000000-0000-0000-0000-000000000003', 'a5000000-0000-0000-0000-000000000001', 'L30');
    inside := customer_access.can_access('c5000000-0000-0000-0000-000000000003', 'L10');
    RAISE EXCEPTION 'undo';
  EXCEPTION WHEN raise_exception THEN NULL;
  END;
  RETURN format('inside %s, after %s', inside,
                customer_access.can_access('c5000000-0000-0000-0000-000000000003', 'L10'));
END $f$;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SET LOCAL customer_access.user_id = 'a5000000-0000-0000-0000-000000000001';
SELECT pg_temp.grant_then_fail() AS exception_block;
COMMIT;

-- authenticate() is undone by ROLLBACK TO SAVEPOINT like SET LOCAL
SET customer_access.identity = token;
INSERT INTO trusted_keys (kid, jwk) VALUES ('ed', :'jwk_ed');
BEGIN;
SELECT authenticate(:'tok_ed') IS NOT NULL AS authenticated_before;
SELECT current_user_id() AS ed_user \gset
SAVEPOINT s;
SELECT authenticate(:'tok_other_user') IS NOT NULL AS authenticated_in_savepoint;
SELECT current_user_id() AS es_user \gset
ROLLBACK TO s;
SELECT :'ed_user' <> :'es_user' AS two_users, current_user_id() = :'ed_user' AS first_identity_back,
       current_claims() IS NOT NULL AS its_claims_back;
SAVEPOINT t;
SELECT authenticate(:'tok_other_user') IS NOT NULL AS authenticated_again;
RELEASE t;
SELECT current_user_id() = :'es_user' AS released_savepoint_keeps_it;
COMMIT;
BEGIN;
SAVEPOINT s;
SELECT authenticate(:'tok_ed') IS NOT NULL AS authenticated_only_in_savepoint;
ROLLBACK TO s;
SELECT current_user_id() IS NULL AS nobody_after_rollback_to;
COMMIT;
RESET customer_access.identity;
DELETE FROM trusted_keys;
DELETE FROM external_access WHERE user_id = 'a5000000-0000-0000-0000-000000000001';

-- can_access resolves the identity once and reuses it while nothing it depends on has changed
-- (1.3, issue 25), and its per-row path answers from the statement's cache: every way the
-- identity changes or ends is followed, inside one statement as well as between statements
-- of one transaction (SPEC "Identity", "Access checks").
\set ECHO none
\i test/sql/generated_tokens.sql
\set ECHO all
SET search_path = customer_access, public;
-- (this suite sends its tokens as psql literals: identity2 tests that they are refused otherwise)
SET customer_access.allow_token_literals = on;

-- User ...01 and the tokens' user a8...01 have grants on customer c9...01; user ...01 on
-- c9...02 too; user ...02 and the tokens' other user a8...02 have none.
INSERT INTO external_access (customer_id, user_id, role) VALUES
  ('c9100000-0000-0000-0000-000000000001', 'a9100000-0000-0000-0000-000000000001', 'L30'),
  ('c9100000-0000-0000-0000-000000000002', 'a9100000-0000-0000-0000-000000000001', 'L30'),
  ('c9100000-0000-0000-0000-000000000001', 'a8000000-0000-0000-0000-000000000001', 'L30');

-- 1. The user changes row by row within one statement (one snapshot, one cache)
BEGIN;
SELECT n, set_config('customer_access.user_id', u, true) = u AS set,
       can_access(c::uuid, 'L10') AS answer
  FROM (VALUES (1, 'a9100000-0000-0000-0000-000000000001', 'c9100000-0000-0000-0000-000000000001'),
               (2, 'a9100000-0000-0000-0000-000000000002', 'c9100000-0000-0000-0000-000000000001'),
               (3, 'a9100000-0000-0000-0000-000000000001', 'c9100000-0000-0000-0000-000000000001'),
               (4, '', 'c9100000-0000-0000-0000-000000000001'),
               (5, 'a9100000-0000-0000-0000-000000000001', 'c9100000-0000-0000-0000-000000000001')) v(n, u, c);
COMMIT;

-- 2. One user, two customers, both granted: the second is read, not guessed from the first
BEGIN;
SET LOCAL customer_access.user_id = 'a9100000-0000-0000-0000-000000000001';
SELECT c, can_access(c, 'L10') AS answer
  FROM (VALUES ('c9100000-0000-0000-0000-000000000001'::uuid),
               ('c9100000-0000-0000-0000-000000000002'::uuid),
               ('c9100000-0000-0000-0000-000000000003'::uuid)) v(c);
COMMIT;

-- 3. A function with a SET clause for the user: its user inside, the caller's after it, in
-- the same statement (the GUC nest level)
CREATE FUNCTION pg_temp.as_first(c uuid) RETURNS boolean LANGUAGE sql STABLE
  SET customer_access.user_id = 'a9100000-0000-0000-0000-000000000001'
  AS $$ SELECT customer_access.can_access(c, 'L10') $$;
BEGIN;
SET LOCAL customer_access.user_id = 'a9100000-0000-0000-0000-000000000002';
SELECT can_access(c, 'L10') AS caller_before, pg_temp.as_first(c) AS inside_function,
       can_access(c, 'L10') AS caller_after
  FROM (VALUES ('c9100000-0000-0000-0000-000000000001'::uuid)) v(c);
COMMIT;

-- 4. SET LOCAL undone by ROLLBACK TO SAVEPOINT; RESET
BEGIN;
SET LOCAL customer_access.user_id = 'a9100000-0000-0000-0000-000000000001';
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS first_user;
SAVEPOINT s;
SET LOCAL customer_access.user_id = 'a9100000-0000-0000-0000-000000000002';
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS second_user_in_savepoint;
ROLLBACK TO s;
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS first_user_back;
RESET customer_access.user_id;
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS after_reset;
COMMIT;

-- 5. The end of the transaction ends a value given in it (transaction scope), although the
-- setting itself stays (a plain SET)
BEGIN;
SET customer_access.user_id = 'a9100000-0000-0000-0000-000000000001';
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS in_its_transaction;
COMMIT;
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS next_transaction;

-- 6. The scope, changed row by row: the value of an earlier transaction counts only in
-- session scope
BEGIN;
SELECT n, set_config('customer_access.identity_scope', s, true) = s AS set,
       can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS answer
  FROM (VALUES (1, 'transaction'), (2, 'session'), (3, 'transaction')) v(n, s);
COMMIT;
RESET customer_access.user_id;

-- 7. The mode, changed row by row: the setting says ...02, the claims say ...01
BEGIN;
SET LOCAL customer_access.user_id = 'a9100000-0000-0000-0000-000000000002';
SET LOCAL request.jwt.claims = '{"sub": "a9100000-0000-0000-0000-000000000001", "app": {"user": "a9100000-0000-0000-0000-000000000002"}}';
SELECT n, set_config('customer_access.identity', m, true) = m AS set,
       can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS answer
  FROM (VALUES (1, 'setting'), (2, 'claims'), (3, 'setting')) v(n, m);
-- 8. The claim's path, changed row by row (claims mode)
SET LOCAL customer_access.identity = claims;
SELECT n, set_config('customer_access.claim', p, true) = p AS set,
       can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS answer
  FROM (VALUES (1, 'sub'), (2, 'app.user'), (3, 'sub')) v(n, p);
-- 9. The claims, changed row by row
SELECT n, set_config('request.jwt.claims', j, true) = j AS set,
       can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS answer
  FROM (VALUES (1, '{"sub": "a9100000-0000-0000-0000-000000000002"}'),
               (2, '{"sub": "a9100000-0000-0000-0000-000000000001"}'),
               (3, '{}')) v(n, j);
COMMIT;

-- 10. Tokens: authenticate() within one statement, undone by ROLLBACK TO SAVEPOINT and by an
-- exception block, ended by COMMIT and by ROLLBACK
SET customer_access.identity = token;
INSERT INTO trusted_keys (kid, jwk) VALUES ('ed', :'jwk_ed');
BEGIN;
SELECT can_access(c, 'L10') AS no_token,
       authenticate(:'tok_ed') IS NOT NULL AS authenticated,
       can_access(c, 'L10') AS token_user,
       authenticate(:'tok_other_user') IS NOT NULL AS authenticated_other,
       can_access(c, 'L10') AS other_token_user
  FROM (VALUES ('c9100000-0000-0000-0000-000000000001'::uuid)) v(c);
SELECT authenticate(:'tok_ed') IS NOT NULL AS authenticated;
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS token_user;
SAVEPOINT s;
SELECT authenticate(:'tok_other_user') IS NOT NULL AS authenticated_in_savepoint;
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS other_user_in_savepoint;
ROLLBACK TO s;
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS token_user_back;
COMMIT;
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS after_commit;
BEGIN;
SELECT authenticate(:'tok_ed') IS NOT NULL AS authenticated;
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS token_user;
ROLLBACK;
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS after_rollback;
CREATE FUNCTION pg_temp.authenticate_then_fail(token text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE inside boolean;
BEGIN
  BEGIN
    PERFORM customer_access.authenticate(token);
    inside := customer_access.can_access('c9100000-0000-0000-0000-000000000001', 'L10');
    RAISE EXCEPTION 'undo';
  EXCEPTION WHEN raise_exception THEN NULL;
  END;
  RETURN format('inside %s, after %s', inside,
                customer_access.can_access('c9100000-0000-0000-0000-000000000001', 'L10'));
END $f$;
BEGIN;
SELECT authenticate(:'tok_other_user') IS NOT NULL AS authenticated_other;
SELECT pg_temp.authenticate_then_fail(:'tok_ed') AS exception_block;
COMMIT;
RESET customer_access.identity;
DELETE FROM trusted_keys;

-- 11. Login mode: the session user, not the current role (SET ROLE); SET SESSION
-- AUTHORIZATION changes it within one transaction
CREATE ROLE pi_bi1 LOGIN;
CREATE ROLE pi_bi2 LOGIN;
GRANT pi_bi2 TO pi_bi1;
INSERT INTO login_users (login, user_id) VALUES
  ('pi_bi1', 'a9100000-0000-0000-0000-000000000001'),
  ('pi_bi2', 'a9100000-0000-0000-0000-000000000002');
SET customer_access.identity = login;
BEGIN;
SET LOCAL SESSION AUTHORIZATION pi_bi1;
SELECT session_user, can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS answer;
SET LOCAL ROLE pi_bi2;
SELECT session_user, current_user, can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS answer;
RESET ROLE;
SET LOCAL SESSION AUTHORIZATION pi_bi2;
SELECT session_user, can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS answer;
RESET SESSION AUTHORIZATION;
SELECT session_user = current_user AS back, can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS answer;
COMMIT;
RESET customer_access.identity;
DELETE FROM login_users;
-- 11b. A login_users row read in a subtransaction that is rolled back names nobody afterwards
SET customer_access.identity = login;
BEGIN;
SAVEPOINT s;
INSERT INTO login_users (login, user_id) SELECT session_user, 'a9100000-0000-0000-0000-000000000001';
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS in_the_savepoint;
ROLLBACK TO s;
SELECT can_access('c9100000-0000-0000-0000-000000000001', 'L10') AS after_rollback_to;
COMMIT;
RESET customer_access.identity;
DROP ROLE pi_bi1, pi_bi2;

-- 12. Parallel workers take their leader's identity of each query
CREATE TABLE public.pi_orders (customer_id uuid);
INSERT INTO public.pi_orders SELECT 'c9100000-0000-0000-0000-000000000001' FROM generate_series(1, 100);
ANALYZE public.pi_orders;
BEGIN;
SELECT count(set_config(name, 'on', true)) = 1 AS forced_parallel
  FROM pg_settings WHERE name IN ('force_parallel_mode', 'debug_parallel_query');
SET LOCAL parallel_leader_participation = off;
SET LOCAL customer_access.user_id = 'a9100000-0000-0000-0000-000000000001';
SELECT count(*) AS first_user FROM public.pi_orders WHERE can_access(customer_id, 'L10');
SET LOCAL customer_access.user_id = 'a9100000-0000-0000-0000-000000000002';
SELECT count(*) AS second_user FROM public.pi_orders WHERE can_access(customer_id, 'L10');
SET LOCAL customer_access.user_id = 'a9100000-0000-0000-0000-000000000001';
SELECT count(*) AS first_user_again FROM public.pi_orders WHERE can_access(customer_id, 'L10');
COMMIT;
DROP TABLE public.pi_orders;

DELETE FROM external_access WHERE customer_id IN ('c9100000-0000-0000-0000-000000000001',
                                                  'c9100000-0000-0000-0000-000000000002');

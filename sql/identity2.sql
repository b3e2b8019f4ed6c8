-- Identity 2 (SPEC "Identity", 1.3): the first parallel query of a session without
-- preloading, tokens never in statement texts, plans shaped by an identity forgotten when it
-- ends, login_users bound to the login role itself.

-- 1. The first parallel query of a session whose module is not loaded yet: its workers get the
-- leader's identity (the module loads while that query starts, after the executor's start hook
-- would have run). Each part runs in a new session (\c) that has run no DDL (the DDL guard's
-- event trigger would load the module).
CREATE TABLE id2_rows AS SELECT g FROM generate_series(1, 60000) g;
ANALYZE id2_rows;
CREATE FUNCTION id2_user() RETURNS uuid LANGUAGE plpgsql STABLE PARALLEL SAFE
  AS $$ BEGIN RETURN customer_access.current_user_id(); END $$;
\c
SELECT count(*) AS module_loaded FROM pg_settings WHERE name = 'customer_access.identity';
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;  -- only the workers evaluate the checks
BEGIN;
SET LOCAL customer_access.user_id = 'a8000000-0000-0000-0000-000000000001';
SELECT count(*) FILTER (WHERE customer_access.current_user_id() IS NULL) AS rows_without_user,
       count(*) FILTER (WHERE customer_access.current_user_id() = 'a8000000-0000-0000-0000-000000000001') AS rows_with_user
  FROM id2_rows;
COMMIT;
SELECT count(*) AS module_loaded FROM pg_settings WHERE name = 'customer_access.identity';
-- (the plan: workers only)
EXPLAIN (COSTS OFF) SELECT count(*) FILTER (WHERE customer_access.current_user_id() IS NULL) FROM id2_rows;

-- A function the leader never plans (PL/pgSQL, parallel safe), the module loaded only in the
-- workers: an error, never an answer without the user
\c
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
BEGIN;
SET LOCAL customer_access.user_id = 'a8000000-0000-0000-0000-000000000001';
\set VERBOSITY terse
-- (each worker that loads the module warns once about the leader's value: 1 or 2 warnings;
-- the ROLLBACK undoes the SET)
SET client_min_messages = error;
SELECT count(*) FILTER (WHERE id2_user() IS NULL) AS rows_without_user FROM id2_rows;
\set VERBOSITY default
ROLLBACK;
-- once the session has loaded the module (any call of it), the same query is right
SELECT customer_access.current_user_id() AS loads_the_module;
BEGIN;
SET LOCAL customer_access.user_id = 'a8000000-0000-0000-0000-000000000001';
SELECT count(*) FILTER (WHERE id2_user() IS NULL) AS rows_without_user,
       count(*) FILTER (WHERE id2_user() = 'a8000000-0000-0000-0000-000000000001') AS rows_with_user
  FROM id2_rows;
COMMIT;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP FUNCTION id2_user();
DROP TABLE id2_rows;

\set ECHO none
\i test/sql/try.sql
\i test/sql/generated_tokens.sql
\set ECHO all
SET search_path = customer_access, public;
SET customer_access.identity = token;
INSERT INTO trusted_keys (kid, jwk) VALUES ('ed', :'jwk_ed');
-- The tokens a client would bind as parameters: the statements below read them from a table,
-- so they are in no statement text
CREATE TABLE id2_tokens (name text PRIMARY KEY, token text NOT NULL);
INSERT INTO id2_tokens VALUES ('ed', :'tok_ed'), ('other_user', :'tok_other_user'), ('expired', :'tok_expired');
SELECT split_part(token, '.', 1) || '.' || split_part(token, '.', 2) || '.' AS signing_part,
       split_part(token, '.', 3) AS signature_part FROM id2_tokens WHERE name = 'ed' \gset

-- 2. A token in the statement text is refused (28000, with a hint to bind it); the same token
-- not in the text is accepted
SELECT pg_temp.try(format('SELECT customer_access.authenticate(%L)', :'tok_ed')) AS literal;
SELECT pg_temp.try($$SELECT customer_access.authenticate(token) FROM id2_tokens WHERE name = 'ed'$$) AS not_in_the_text;
-- the whole client string counts: a literal in another statement of a multi-statement string
SELECT length(:'tok_ed') > 0 AS token_elsewhere_in_the_string \; SELECT pg_temp.try($$SELECT customer_access.authenticate(token) FROM id2_tokens WHERE name = 'ed'$$) AS multi_statement;
-- its signature alone gives it away (header and payload are no secret)
SELECT pg_temp.try(format('SELECT customer_access.authenticate(%L || %L)', :'signing_part', :'signature_part')) AS split_literal;
-- a cursor: at FETCH the client string is "FETCH", the portal's source text holds the literal
BEGIN;
DECLARE id2_c CURSOR FOR SELECT customer_access.authenticate(:'tok_ed');
SAVEPOINT s;
SELECT pg_temp.try('FETCH id2_c') AS cursor_fetch;
ROLLBACK TO s;
COMMIT;
-- PL/pgSQL callers: the token passed on as a parameter is accepted, a literal anywhere is not
CREATE FUNCTION id2_login(token text) RETURNS uuid LANGUAGE plpgsql AS $$
BEGIN
  RETURN customer_access.authenticate(token);
END $$;
SELECT pg_temp.try($$SELECT id2_login(token) FROM id2_tokens WHERE name = 'ed'$$) AS plpgsql_caller;
SELECT pg_temp.try(format('SELECT id2_login(%L)', :'tok_ed')) AS plpgsql_caller_literal;
SELECT pg_temp.try(format('DO $d$BEGIN PERFORM customer_access.authenticate(%L); END$d$', :'tok_ed')) AS do_block_literal;
-- a query a function runs through a cursor of its own (a FOR loop): the portal running then
-- holds no literal, the client's string does
CREATE FUNCTION id2_login_cursor(token text) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT customer_access.authenticate(token) AS u LOOP
    RETURN r.u;
  END LOOP;
  RETURN NULL;
END $$;
SELECT pg_temp.try(format('SELECT id2_login_cursor(%L)', :'tok_ed')) AS function_cursor_literal;
SELECT pg_temp.try($$SELECT id2_login_cursor(token) FROM id2_tokens WHERE name = 'ed'$$) AS function_cursor_parameter;
DROP FUNCTION id2_login_cursor(text);
-- a refused literal changes nothing: the identity stays what the last accepted token made it
BEGIN;
SELECT authenticate(token) AS accepted FROM id2_tokens WHERE name = 'other_user';
SELECT pg_temp.try(format('SELECT customer_access.authenticate(%L)', :'tok_ed')) AS literal;
SELECT current_user_id() AS still_the_accepted_user;
COMMIT;
-- every refusal names its reason whether or not the token was in the text
SELECT pg_temp.try($$SELECT customer_access.authenticate(token) FROM id2_tokens WHERE name = 'expired'$$) AS expired_parameter;
-- a superuser-only setting allows literals (for tests)
SET customer_access.allow_token_literals = on;
SELECT pg_temp.try(format('SELECT customer_access.authenticate(%L)', :'tok_ed')) AS literal_allowed;
RESET customer_access.allow_token_literals;
CREATE ROLE id2_portal;
GRANT SELECT ON id2_tokens TO id2_portal;
SET ROLE id2_portal;
SELECT pg_temp.try('SET customer_access.allow_token_literals = on') AS allow_literals_by_non_superuser;
RESET ROLE;

-- 3. Plans shaped by a token's user are planned again when that identity ends (commit, abort,
-- ROLLBACK TO SAVEPOINT), not only when another user authenticates: the next request on the
-- connection gets the estimates of no user, not the last user's
INSERT INTO external_access (customer_id, user_id, role, days_back_access)
  SELECT ('c2' || lpad(to_hex(n), 30, '0'))::uuid, 'a8000000-0000-0000-0000-000000000001', 'L20', NULL
    FROM generate_series(1, 150) n;
INSERT INTO external_access (customer_id, user_id, role, days_back_access)
  SELECT ('c2' || lpad(to_hex(n), 30, '0'))::uuid, ('a2' || lpad(to_hex(n), 30, '0'))::uuid, 'L20', NULL
    FROM generate_series(1, 150) n;
ANALYZE external_access;
CREATE TABLE id2_orders (id serial, customer_id uuid NOT NULL);
INSERT INTO id2_orders (customer_id) SELECT ('c2' || lpad(to_hex(n % 200), 30, '0'))::uuid FROM generate_series(1, 4000) n;
CREATE INDEX ON id2_orders (customer_id);
ANALYZE id2_orders;
ALTER TABLE id2_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY portal ON id2_orders FOR SELECT TO id2_portal USING (customer_access.can_access(customer_id, 'L20'));
GRANT SELECT ON id2_orders TO id2_portal;
CREATE FUNCTION pg_temp.estimate(query text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan->0->'Plan'->>'Plan Rows')::numeric;
END $$;
SET plan_cache_mode = force_generic_plan;
SET ROLE id2_portal;
PREPARE id2_q AS SELECT * FROM id2_orders;
CREATE TEMP TABLE id2_estimates (request text, generic numeric, fresh numeric);
-- request 1: the token's user sees 150 of 200 customers
BEGIN;
SELECT authenticate(token) IS NOT NULL AS authenticated FROM id2_tokens WHERE name = 'ed';
INSERT INTO id2_estimates SELECT 'token user', pg_temp.estimate('EXECUTE id2_q'), pg_temp.estimate('SELECT * FROM id2_orders');
COMMIT;
-- request 2 on the same connection authenticates nobody
BEGIN;
INSERT INTO id2_estimates SELECT 'after commit', pg_temp.estimate('EXECUTE id2_q'), pg_temp.estimate('SELECT * FROM id2_orders');
COMMIT;
-- the same after an abort, and after ROLLBACK TO SAVEPOINT within the request
BEGIN;
SELECT authenticate(token) IS NOT NULL AS authenticated FROM id2_tokens WHERE name = 'ed';
SELECT pg_temp.estimate('EXECUTE id2_q') > 1000 AS shaped_by_the_user;
ROLLBACK;
BEGIN;
INSERT INTO id2_estimates SELECT 'after abort', pg_temp.estimate('EXECUTE id2_q'), pg_temp.estimate('SELECT * FROM id2_orders');
SAVEPOINT s;
SELECT authenticate(token) IS NOT NULL AS authenticated FROM id2_tokens WHERE name = 'ed';
SELECT pg_temp.estimate('EXECUTE id2_q') > 1000 AS shaped_by_the_user;
ROLLBACK TO s;
INSERT INTO id2_estimates SELECT 'after rollback to savepoint', pg_temp.estimate('EXECUTE id2_q'), pg_temp.estimate('SELECT * FROM id2_orders');
COMMIT;
RESET ROLE;
-- mode setting: a plain SET is the identity of its own transaction only
SET customer_access.identity = setting;
SET ROLE id2_portal;
BEGIN;
SET customer_access.user_id = 'a8000000-0000-0000-0000-000000000001';
INSERT INTO id2_estimates SELECT 'plain SET', pg_temp.estimate('EXECUTE id2_q'), pg_temp.estimate('SELECT * FROM id2_orders');
COMMIT;
SET client_min_messages = error;  -- (the stale value's warning)
BEGIN;
INSERT INTO id2_estimates SELECT 'plain SET, next transaction', pg_temp.estimate('EXECUTE id2_q'), pg_temp.estimate('SELECT * FROM id2_orders');
COMMIT;
RESET client_min_messages;
RESET customer_access.user_id;
SELECT request, generic = fresh AS generic_plan_as_fresh, generic > 1000 AS user_sized FROM id2_estimates ORDER BY request;
DROP TABLE id2_estimates;
RESET ROLE;
DEALLOCATE id2_q;
RESET plan_cache_mode;

-- 4. login_users names the login role itself: a role dropped and created again under the same
-- name (here by a role with CREATEROLE) is not that user
SET customer_access.identity = login;
CREATE ROLE id2_bi LOGIN;
CREATE ROLE id2_other LOGIN;
CREATE ROLE id2_role_admin CREATEROLE;
INSERT INTO login_users (login, user_id, notes) VALUES ('id2_bi', 'a8000000-0000-0000-0000-000000000005', 'BI tool');
SELECT login, user_id, role_oid = 'id2_bi'::regrole AS bound_to_the_role FROM login_users;
SET SESSION AUTHORIZATION id2_bi;
SELECT current_user_id() AS bi_user;
RESET SESSION AUTHORIZATION;
DROP ROLE id2_bi;
SET ROLE id2_role_admin;
CREATE ROLE id2_bi LOGIN;
RESET ROLE;
SET SESSION AUTHORIZATION id2_bi;
SELECT current_user_id() IS NULL AS recreated_role_is_nobody;
RESET SESSION AUTHORIZATION;
-- whatever an UPDATE sets, the row stays bound to the role it was written for
UPDATE login_users SET role_oid = 'id2_bi'::regrole, notes = 'still the old role' WHERE login = 'id2_bi';
SELECT role_oid = 'id2_bi'::regrole AS follows_the_update, notes FROM login_users;
-- the DBA binds it to the role that has the name now, on purpose (NULL)
UPDATE login_users SET role_oid = NULL WHERE login = 'id2_bi';
SET SESSION AUTHORIZATION id2_bi;
SELECT current_user_id() AS bi_user_after_rebinding;
RESET SESSION AUTHORIZATION;
-- an INSERT binds to the role it names, whatever it sets
INSERT INTO login_users (login, user_id, role_oid) VALUES ('id2_other', 'a8000000-0000-0000-0000-000000000006', 'id2_bi'::regrole);
SELECT login, role_oid = login::regrole AS bound_to_its_role FROM login_users ORDER BY login;
-- a renamed role is nobody until its row names it again; changing the login binds the row to
-- the role of that name
ALTER ROLE id2_other RENAME TO id2_bi2;
SET SESSION AUTHORIZATION id2_bi2;
SELECT current_user_id() IS NULL AS renamed_role_is_nobody;
RESET SESSION AUTHORIZATION;
UPDATE login_users SET login = 'id2_bi2' WHERE login = 'id2_other';
SELECT login, role_oid = login::regrole AS bound_to_its_role FROM login_users ORDER BY login;
SET SESSION AUTHORIZATION id2_bi2;
SELECT current_user_id() AS renamed_role_after_update;
RESET SESSION AUTHORIZATION;
SELECT pg_temp.try($$UPDATE customer_access.login_users SET login = 'id2_gone' WHERE login = 'id2_bi'$$) AS to_a_missing_role;
-- a row for a role that does not exist is refused
SELECT pg_temp.try($$INSERT INTO customer_access.login_users (login, user_id) VALUES ('id2_nobody', 'a8000000-0000-0000-0000-000000000007')$$) AS missing_role;
-- the trigger runs only on login_users, and PUBLIC may not call it
SELECT has_function_privilege('public', 'customer_access.bind_login_role()', 'EXECUTE') AS public_may_execute;
CREATE TABLE id2_lookalike (login name, user_id uuid, notes text, role_oid oid);
CREATE TRIGGER bind BEFORE INSERT ON id2_lookalike FOR EACH ROW EXECUTE FUNCTION customer_access.bind_login_role();
SELECT pg_temp.try($$INSERT INTO id2_lookalike VALUES ('id2_bi', 'a8000000-0000-0000-0000-000000000005')$$) AS elsewhere;
DROP TABLE id2_lookalike;

-- Clean up
DELETE FROM login_users;
DROP ROLE id2_bi, id2_bi2, id2_role_admin;
RESET customer_access.identity;
DROP TABLE id2_orders, id2_tokens;
DROP FUNCTION id2_login(text);
DROP ROLE id2_portal;
DELETE FROM trusted_keys;
DELETE FROM external_access WHERE customer_id::text LIKE 'c2%';

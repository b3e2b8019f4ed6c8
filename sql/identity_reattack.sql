-- A re-attack of the identity memo (1.3) and of the identity parallel workers use: each case
-- compares a check's answer with the answer of the same query run serially (the ground truth,
-- shown beside it). Where a parallel worker cannot answer for the identity the statement has
-- (a function's SET clause inside the worker, authenticate() during the query, a parallel
-- index build), the statement is refused rather than answered for another identity.
\set ECHO none
\i test/sql/generated_tokens.sql
\set ECHO all
SET search_path = customer_access, public;
SET customer_access.allow_token_literals = on;
-- U1 ra..01 and the token user a8..01 see customer c7..01; U2 ra..02 and a8..02 see nothing;
-- U3 ra..03 sees c7..01 too, which is 1 of the 100 customers of public.ra_wide.
INSERT INTO external_access (customer_id, user_id, role) VALUES
  ('c7000000-0000-0000-0000-000000000001', 'a7000000-0000-0000-0000-000000000001', 'L30'),
  ('c7000000-0000-0000-0000-000000000001', 'a8000000-0000-0000-0000-000000000001', 'L30'),
  ('c7000000-0000-0000-0000-000000000001', 'a7000000-0000-0000-0000-000000000003', 'L30');
INSERT INTO external_access (customer_id, user_id, role)
  SELECT ('c7000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid,
         'a7000000-0000-0000-0000-000000000004', 'L30'
  FROM generate_series(1, 100) i;
CREATE ROLE ra_att LOGIN;
CREATE ROLE ra_att2 LOGIN;
CREATE SCHEMA ra AUTHORIZATION ra_att;
CREATE TABLE ra.rows (customer_id uuid NOT NULL);
INSERT INTO ra.rows SELECT 'c7000000-0000-0000-0000-000000000001' FROM generate_series(1, 100000);
ALTER TABLE ra.rows OWNER TO ra_att;
ANALYZE ra.rows;
INSERT INTO trusted_keys (kid, jwk) VALUES ('ed', :'jwk_ed');

-- 1. A parallel-safe function with a SET clause for the user: inside it the user is the
-- function's, in a parallel worker too (a plain login role, mode setting)
SET SESSION AUTHORIZATION ra_att;
CREATE FUNCTION ra.as_u2(c uuid) RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET customer_access.user_id = 'a7000000-0000-0000-0000-000000000002'
  AS $$ BEGIN RETURN customer_access.can_access(c, 'L10'); END $$;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;  -- only the workers evaluate the checks
BEGIN;
SET LOCAL customer_access.user_id = 'a7000000-0000-0000-0000-000000000001';
SET LOCAL max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ra.rows WHERE ra.as_u2(customer_id);
SAVEPOINT refused;
SELECT count(*) AS parallel_as_u2 FROM ra.rows WHERE ra.as_u2(customer_id);
ROLLBACK TO refused;
SELECT :'LAST_ERROR_SQLSTATE' AS refused_with;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT count(*) AS serial_as_u2 FROM ra.rows WHERE ra.as_u2(customer_id);
COMMIT;
RESET SESSION AUTHORIZATION;

-- 2. The same with a SET clause for request.jwt.claims (mode claims)
SET customer_access.identity = claims;
SET SESSION AUTHORIZATION ra_att;
CREATE FUNCTION ra.claims_u2(c uuid) RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET request.jwt.claims = '{"sub": "a7000000-0000-0000-0000-000000000002"}'
  AS $$ BEGIN RETURN customer_access.can_access(c, 'L10'); END $$;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "a7000000-0000-0000-0000-000000000001"}', true) IS NOT NULL AS claims_u1;
SET LOCAL max_parallel_workers_per_gather = 2;
SAVEPOINT refused;
SELECT count(*) AS parallel_claims_u2 FROM ra.rows WHERE ra.claims_u2(customer_id);
ROLLBACK TO refused;
SELECT :'LAST_ERROR_SQLSTATE' AS refused_with;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT count(*) AS serial_claims_u2 FROM ra.rows WHERE ra.claims_u2(customer_id);
COMMIT;
RESET SESSION AUTHORIZATION;
RESET customer_access.identity;

-- 3. Token mode: authenticate() of another user in the statement itself (a parallel-safe
-- wrapper in an InitPlan the leader runs before the workers start): the workers must not keep
-- the previous token user
SET customer_access.identity = token;
SET SESSION AUTHORIZATION ra_att;
CREATE FUNCTION ra.auth_safe(tok text) RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE
  AS $$ SELECT customer_access.authenticate(tok) $$;
BEGIN;
SELECT authenticate(:'tok_ed') IS NOT NULL AS token_user;
SET LOCAL max_parallel_workers_per_gather = 2;
SAVEPOINT refused;
SELECT count(*) AS parallel_after_switch FROM ra.rows
  WHERE can_access(customer_id, 'L10') AND (SELECT ra.auth_safe(:'tok_other_user')) IS NOT NULL;
ROLLBACK TO refused;
SELECT :'LAST_ERROR_SQLSTATE' AS refused_with;
SELECT current_user_id() AS switched_to;
ROLLBACK;
BEGIN;
SELECT authenticate(:'tok_ed') IS NOT NULL AS token_user;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT count(*) AS serial_after_switch FROM ra.rows
  WHERE can_access(customer_id, 'L10') AND (SELECT ra.auth_safe(:'tok_other_user')) IS NOT NULL;
ROLLBACK;
RESET SESSION AUTHORIZATION;
RESET customer_access.identity;

-- 4. A parallel index build after the identity ended (or changed) in the same transaction:
-- its workers must not answer for the identity of the transaction's last parallel query.
-- (The leader, which always takes part in a build, sleeps a little per row so that the
-- workers read most of the table.)
SET SESSION AUTHORIZATION ra_att;
-- (a small table: the leader sleeps on each of its rows)
CREATE TABLE ra.few AS SELECT customer_id FROM ra.rows LIMIT 2000;
ANALYZE ra.few;
CREATE FUNCTION ra.imm_check(c uuid) RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  AS $$
BEGIN
  IF pg_backend_pid()::text = current_setting('ra.leader', true) THEN
    PERFORM pg_sleep(0.001);
  END IF;
  RETURN customer_access.can_access(c, 'L10');
END $$;
ALTER TABLE ra.few SET (parallel_workers = 2);
BEGIN;
SET LOCAL customer_access.user_id = 'a7000000-0000-0000-0000-000000000001';
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT count(*) AS u1_parallel FROM ra.rows WHERE can_access(customer_id, 'L10');
SET LOCAL customer_access.user_id = '';
SELECT current_user_id() AS ended;
SELECT set_config('ra.leader', pg_backend_pid()::text, true) IS NOT NULL AS leader_known;
SET LOCAL maintenance_work_mem = '512MB';
SET LOCAL max_parallel_maintenance_workers = 2;
SAVEPOINT refused;
CREATE INDEX ra_few_check ON ra.few (ra.imm_check(customer_id));
ROLLBACK TO refused;
SELECT :'LAST_ERROR_SQLSTATE' AS refused_with;
SET LOCAL enable_seqscan = off;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT count(*) AS index_true_after_end FROM ra.few WHERE ra.imm_check(customer_id) = true;
ROLLBACK;
BEGIN;
SET LOCAL customer_access.user_id = 'a7000000-0000-0000-0000-000000000001';
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT count(*) AS u1_parallel FROM ra.rows WHERE can_access(customer_id, 'L10');
SET LOCAL customer_access.user_id = 'a7000000-0000-0000-0000-000000000002';
SELECT set_config('ra.leader', pg_backend_pid()::text, true) IS NOT NULL AS leader_known;
SET LOCAL maintenance_work_mem = '512MB';
SET LOCAL max_parallel_maintenance_workers = 2;
SAVEPOINT refused;
CREATE INDEX ra_few_check ON ra.few (ra.imm_check(customer_id));
ROLLBACK TO refused;
SELECT :'LAST_ERROR_SQLSTATE' AS refused_with;
SET LOCAL enable_seqscan = off;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT count(*) AS index_true_as_u2 FROM ra.few WHERE ra.imm_check(customer_id) = true;
ROLLBACK;
-- (ground truth: the same build without workers)
BEGIN;
SET LOCAL customer_access.user_id = 'a7000000-0000-0000-0000-000000000002';
SET LOCAL max_parallel_maintenance_workers = 0;
CREATE INDEX ra_few_check ON ra.few (ra.imm_check(customer_id));
SET LOCAL enable_seqscan = off;
SELECT count(*) AS index_true_serial FROM ra.few WHERE ra.imm_check(customer_id) = true;
ROLLBACK;
ALTER TABLE ra.few RESET (parallel_workers);
RESET SESSION AUTHORIZATION;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

-- 5. Plans shaped by a login's identity: planned again when the session user changes and
-- when the DBA maps the login to another user. U3 sees 1 of 100 customers (an index plan),
-- U4 all of them (a sequential scan).
CREATE TABLE public.ra_wide (customer_id uuid NOT NULL);
INSERT INTO public.ra_wide
  SELECT ('c7000000-0000-0000-0000-' || lpad((g % 100 + 1)::text, 12, '0'))::uuid
  FROM generate_series(1, 100000) g;
CREATE INDEX ra_wide_customer ON public.ra_wide (customer_id);
ANALYZE public.ra_wide;
ANALYZE external_access;
GRANT SELECT ON public.ra_wide TO ra_att, ra_att2;
INSERT INTO login_users (login, user_id) VALUES
  ('ra_att', 'a7000000-0000-0000-0000-000000000003'),
  ('ra_att2', 'a7000000-0000-0000-0000-000000000004');
SET customer_access.identity = login;
SET max_parallel_workers_per_gather = 0;
SET plan_cache_mode = force_generic_plan;
PREPARE ra_q AS SELECT count(*) FROM public.ra_wide WHERE customer_access.can_access(customer_id, 'L10');
SET SESSION AUTHORIZATION ra_att;
SELECT current_user_id() AS sees_one;
EXPLAIN (COSTS OFF) EXECUTE ra_q;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION ra_att2;
SELECT current_user_id() AS sees_all;
-- (ground truth: the same query planned now)
PREPARE ra_fresh AS SELECT count(*) FROM public.ra_wide WHERE customer_access.can_access(customer_id, 'L10');
EXPLAIN (COSTS OFF) EXECUTE ra_fresh;
DEALLOCATE ra_fresh;
EXPLAIN (COSTS OFF) EXECUTE ra_q;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION ra_att;
EXPLAIN (COSTS OFF) EXECUTE ra_q;
RESET SESSION AUTHORIZATION;
UPDATE login_users SET user_id = 'a7000000-0000-0000-0000-000000000004' WHERE login = 'ra_att';
SET SESSION AUTHORIZATION ra_att;
SELECT current_user_id() AS remapped_sees_all;
-- (ground truth: the same query planned now)
PREPARE ra_fresh AS SELECT count(*) FROM public.ra_wide WHERE customer_access.can_access(customer_id, 'L10');
EXPLAIN (COSTS OFF) EXECUTE ra_fresh;
DEALLOCATE ra_fresh;
EXPLAIN (COSTS OFF) EXECUTE ra_q;
RESET SESSION AUTHORIZATION;
DEALLOCATE ra_q;
RESET customer_access.identity;

-- 6. Plans shaped in mode claims (session scope): planned again when the claim that names the
-- user changes, and when the mode changes
SET customer_access.identity_scope = session;
SET customer_access.identity = claims;
SET request.jwt.claims = '{"sub": "a7000000-0000-0000-0000-000000000003", "app": {"user": "a7000000-0000-0000-0000-000000000004"}}';
SET customer_access.user_id = 'a7000000-0000-0000-0000-000000000004';
PREPARE ra_q AS SELECT count(*) FROM public.ra_wide WHERE customer_access.can_access(customer_id, 'L10');
SELECT current_user_id() AS sees_one;
EXPLAIN (COSTS OFF) EXECUTE ra_q;
SET customer_access.claim = 'app.user';
SELECT current_user_id() AS sees_all;
-- (ground truth: the same query planned now)
PREPARE ra_fresh AS SELECT count(*) FROM public.ra_wide WHERE customer_access.can_access(customer_id, 'L10');
EXPLAIN (COSTS OFF) EXECUTE ra_fresh;
DEALLOCATE ra_fresh;
EXPLAIN (COSTS OFF) EXECUTE ra_q;
RESET customer_access.claim;
EXPLAIN (COSTS OFF) EXECUTE ra_q;
SET customer_access.identity = setting;
SELECT current_user_id() AS sees_all;
-- (ground truth: the same query planned now)
PREPARE ra_fresh AS SELECT count(*) FROM public.ra_wide WHERE customer_access.can_access(customer_id, 'L10');
EXPLAIN (COSTS OFF) EXECUTE ra_fresh;
DEALLOCATE ra_fresh;
EXPLAIN (COSTS OFF) EXECUTE ra_q;
DEALLOCATE ra_q;
RESET customer_access.user_id;
RESET request.jwt.claims;
RESET customer_access.identity;
RESET customer_access.identity_scope;
RESET plan_cache_mode;
RESET max_parallel_workers_per_gather;

-- 7. Plans shaped by a login's identity: planned again once the identity answers for another
-- user, however that came about (the DBA mapping the login to another user: here the same
-- session, as the superuser's own login)
INSERT INTO login_users (login, user_id) VALUES (session_user, 'a7000000-0000-0000-0000-000000000003');
SET customer_access.identity = login;
SET max_parallel_workers_per_gather = 0;
SET plan_cache_mode = force_generic_plan;
PREPARE ra_q AS SELECT count(*) FROM public.ra_wide WHERE customer_access.can_access(customer_id, 'L10');
SELECT current_user_id() AS sees_one;
EXPLAIN (COSTS OFF) EXECUTE ra_q;
UPDATE login_users SET user_id = 'a7000000-0000-0000-0000-000000000004' WHERE login = session_user;
SELECT current_user_id() AS sees_all;
EXPLAIN (COSTS OFF) EXECUTE ra_q;
DEALLOCATE ra_q;
DELETE FROM login_users WHERE login = session_user;
RESET customer_access.identity;
RESET plan_cache_mode;
RESET max_parallel_workers_per_gather;

DROP TABLE public.ra_wide;
DROP SCHEMA ra CASCADE;
DELETE FROM login_users;
DELETE FROM trusted_keys;
DELETE FROM external_access WHERE customer_id::text LIKE 'c7000000-%';
DROP ROLE ra_att, ra_att2;

-- Identity (1.2): transaction scope by default, and the modes setting, claims and login.
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SET search_path = customer_access, public;
INSERT INTO external_access (customer_id, user_id, role, days_back_access) VALUES
  ('c9000000-0000-0000-0000-000000000001', 'a9000000-0000-0000-0000-000000000001', 'L20', NULL),
  ('c9000000-0000-0000-0000-000000000002', 'a9000000-0000-0000-0000-000000000002', 'L20', NULL);

-- The defaults: identity from customer_access.user_id, for one transaction
SHOW customer_access.identity;
SHOW customer_access.identity_scope;
SHOW customer_access.claim;
SHOW customer_access.clock_skew;
SHOW customer_access.require_identity;

-- SET LOCAL and set_config(..., true) count in their transaction
BEGIN;
SET LOCAL customer_access.user_id = 'a9000000-0000-0000-0000-000000000001';
SELECT current_user_id(), can_access('c9000000-0000-0000-0000-000000000001', 'L20') AS sees_own;
COMMIT;
BEGIN;
SELECT set_config('customer_access.user_id', 'a9000000-0000-0000-0000-000000000002', true) IS NOT NULL AS given;
SELECT current_user_id();
COMMIT;
SELECT current_user_id() IS NULL AS gone_after_commit;

-- A session-level SET counts in its own transaction only: later transactions get no user,
-- FALSE from the checks, and one WARNING per transaction
SET customer_access.user_id = 'a9000000-0000-0000-0000-000000000001';
SELECT current_user_id() IS NULL AS stale_is_null;
BEGIN;
SELECT can_access('c9000000-0000-0000-0000-000000000001', 'L20') AS stale_check,
       can_access('c9000000-0000-0000-0000-000000000001', 'L10') AS second_check_no_second_warning;
COMMIT;
BEGIN;
SET customer_access.user_id = 'a9000000-0000-0000-0000-000000000002';
SELECT current_user_id() AS set_in_this_transaction;
COMMIT;
SELECT current_user_id() IS NULL AS stale_again;
-- ... a SET LOCAL over it wins for its transaction, and afterwards the stale value is back
BEGIN;
SET LOCAL customer_access.user_id = 'a9000000-0000-0000-0000-000000000001';
SELECT current_user_id() AS local_wins;
COMMIT;
SELECT current_user_id() IS NULL AS stale_after_local;
RESET customer_access.user_id;

-- Scope and mode are superuser settings
CREATE ROLE ca_modes_portal;
SET ROLE ca_modes_portal;
SELECT pg_temp.try($$SET customer_access.identity_scope = session$$);
SELECT pg_temp.try($$SET customer_access.identity = setting$$);
SELECT pg_temp.try($$SET customer_access.require_identity = off$$);
SELECT pg_temp.try($$SET customer_access.claim = 'email'$$);
SELECT pg_temp.try($$SET customer_access.worker_identity = '1 a9000000-0000-0000-0000-000000000001'$$);
RESET ROLE;

-- require_identity: a check with no user is 28000 instead of FALSE
SET customer_access.require_identity = on;
SELECT pg_temp.try($$SELECT customer_access.can_access('c9000000-0000-0000-0000-000000000001', 'L20')$$) AS no_user;
BEGIN;
SET LOCAL customer_access.user_id = 'a9000000-0000-0000-0000-000000000001';
SELECT can_access('c9000000-0000-0000-0000-000000000001', 'L20') AS with_user;
COMMIT;
RESET customer_access.require_identity;

-- Parallel workers use the identity the leader established, and never a stale one
CREATE TABLE modes_orders (id int, customer_id uuid);
INSERT INTO modes_orders SELECT i, CASE WHEN i % 3 = 0 THEN 'c9000000-0000-0000-0000-000000000001'::uuid
                                        WHEN i % 3 = 1 THEN 'c9000000-0000-0000-0000-000000000002'::uuid
                                        ELSE gen_random_uuid() END FROM generate_series(1, 30000) i;
ANALYZE modes_orders;
ALTER TABLE modes_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY modes_portal ON modes_orders FOR SELECT TO ca_modes_portal USING (customer_access.can_access(customer_id, 'L20'));
GRANT SELECT ON modes_orders TO ca_modes_portal;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
BEGIN;
SET LOCAL ROLE ca_modes_portal;
SET LOCAL customer_access.user_id = 'a9000000-0000-0000-0000-000000000001';
EXPLAIN (COSTS OFF) SELECT count(*) FROM modes_orders;
SELECT count(*) AS parallel_count FROM modes_orders;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT count(*) AS serial_count FROM modes_orders;
COMMIT;
SET customer_access.user_id = 'a9000000-0000-0000-0000-000000000002';
BEGIN;
SET LOCAL ROLE ca_modes_portal;
SELECT count(*) AS stale_parallel_count FROM modes_orders;
COMMIT;
RESET customer_access.user_id;
RESET max_parallel_workers_per_gather;

-- Mode claims: the claim of request.jwt.claims, as PostgREST sets it per request; no hook
SET customer_access.identity = claims;
BEGIN;
SET LOCAL ROLE ca_modes_portal;
SELECT set_config('request.jwt.claims', '{"sub": "a9000000-0000-0000-0000-000000000001", "role": "ca_modes_portal", "tier": "gold"}', true) IS NOT NULL AS claims_given;
SELECT customer_access.current_user_id(), count(*) AS visible FROM modes_orders;
SELECT customer_access.current_claims() ->> 'tier' AS tier;
COMMIT;
-- missing, empty, malformed, not-an-object claims and a subject that is no uuid: no user, no error
CREATE FUNCTION pg_temp.user_from_claims(claims text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
  PERFORM set_config('request.jwt.claims', claims, true);
  RETURN coalesce(customer_access.current_user_id()::text, 'no user');
END $f$;
SELECT c AS claims, pg_temp.try(format('SELECT pg_temp.user_from_claims(%L)', c)) AS outcome, pg_temp.user_from_claims(c) AS user_id
  FROM unnest(ARRAY['', '{}', '{"sub": null}', '{"sub": 42}', '{"sub": "nobody"}', 'not json',
                    '["a9000000-0000-0000-0000-000000000001"]', '{"sub": "a9000000-0000-0000-0000-000000000001"',
                    '{"sub": "a9000000-0000-0000-0000-000000000001", "n": 1e1000000}',
                    '{"sub": "a9000000-0000-0000-0000-000000000001", "deep": ' || repeat('[', 100) || repeat(']', 100) || '}',
                    '{"sub": "a9000000-0000-0000-0000-000000000001", "x": "\u0000"}',
                    '{"sub": "a9000000-0000-0000-0000-000000000001"}']) AS c;
-- a nested claim, by a dotted path
SET customer_access.claim = 'app_metadata.customer_user';
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "x", "app_metadata": {"customer_user": "a9000000-0000-0000-0000-000000000002"}}', true) IS NOT NULL;
SELECT customer_access.current_user_id() AS nested_claim;
COMMIT;
RESET customer_access.claim;
-- claims left from an earlier transaction are not used
SET request.jwt.claims = '{"sub": "a9000000-0000-0000-0000-000000000001"}';
SELECT customer_access.current_user_id() IS NULL AS stale_claims, customer_access.current_claims() IS NULL AS no_claims;
RESET request.jwt.claims;
-- in claims mode customer_access.user_id names nobody
BEGIN;
SET LOCAL customer_access.user_id = 'a9000000-0000-0000-0000-000000000001';
SELECT customer_access.current_user_id() IS NULL AS user_id_ignored;
COMMIT;
RESET customer_access.identity;

-- Mode login: the session's login role, mapped by customer_access.login_users
SET customer_access.identity = login;
CREATE ROLE ca_modes_login;
GRANT ca_modes_portal TO ca_modes_login;
INSERT INTO login_users (login, user_id, notes) VALUES ('ca_modes_login', 'a9000000-0000-0000-0000-000000000002', 'a BI tool');
SET SESSION AUTHORIZATION ca_modes_login;
SELECT customer_access.current_user_id() AS login_user;
SELECT count(*) AS visible FROM modes_orders;
-- no SQL can claim another user, and the table is not readable
SELECT pg_temp.try($$SET customer_access.user_id = 'a9000000-0000-0000-0000-000000000001'$$) AS set_refused;
SELECT pg_temp.try($$SELECT set_config('customer_access.user_id', 'a9000000-0000-0000-0000-000000000001', true)$$) AS set_config_refused;
SELECT pg_temp.try($$SELECT * FROM customer_access.login_users$$) AS table_closed;
SELECT customer_access.current_user_id() AS still_login_user, customer_access.current_claims() IS NULL AS no_claims;
RESET SESSION AUTHORIZATION;
SELECT customer_access.current_user_id() IS NULL AS unmapped_login_has_none;
RESET customer_access.identity;

-- Mode token: customer_access.user_id cannot be set either
SET customer_access.identity = token;
SELECT pg_temp.try($$SET customer_access.user_id = 'a9000000-0000-0000-0000-000000000001'$$) AS set_refused_in_token_mode;
SELECT customer_access.current_user_id() IS NULL AS no_token_no_user;
RESET customer_access.identity;

SET customer_access.allow_owner_revoke = on;
DELETE FROM login_users;
DELETE FROM external_access WHERE customer_id IN ('c9000000-0000-0000-0000-000000000001', 'c9000000-0000-0000-0000-000000000002');
RESET customer_access.allow_owner_revoke;
DROP TABLE modes_orders;
DROP ROLE ca_modes_login, ca_modes_portal;

-- Values given before the module is loaded in a session keep their transaction
\c
SET customer_access.user_id = 'a9000000-0000-0000-0000-000000000001';
SELECT customer_access.current_user_id() IS NULL AS earlier_set_is_stale_after_late_load;
\c
BEGIN;
SET LOCAL customer_access.user_id = 'a9000000-0000-0000-0000-000000000001';
SELECT customer_access.current_user_id() AS set_local_survives_late_load;
COMMIT;
SELECT customer_access.current_user_id() IS NULL AS gone_after_commit;
\c
SET customer_access.user_id = 'a9000000-0000-0000-0000-000000000002';
BEGIN;
SET LOCAL customer_access.user_id = 'a9000000-0000-0000-0000-000000000001';
SELECT customer_access.current_user_id() AS local_over_earlier;
COMMIT;
SELECT customer_access.current_user_id() IS NULL AS earlier_value_stays_stale;
\c
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "a9000000-0000-0000-0000-000000000001"}', false) IS NOT NULL AS claims_before_load;
COMMIT;
SET customer_access.identity = claims;
SELECT customer_access.current_user_id() IS NULL AS earlier_claims_stale_after_late_load;

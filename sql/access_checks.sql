-- The access checks: every rule of SPEC's "Access checks" section.
\set ECHO none
\i test/sql/try.sql
\set ECHO all
-- This suite gives the application user once per session (scope 'session', as in 1.1).
SET customer_access.identity_scope = session;
SET search_path = customer_access, public;

-- Users u1..u4, customers c1..c3
INSERT INTO external_access (customer_id, user_id, role, days_back_access) VALUES
  ('c2000000-0000-0000-0000-000000000001', 'a2000000-0000-0000-0000-000000000001', 'L20', 10),         -- orders, 10 days
  ('c2000000-0000-0000-0000-000000000002', 'a2000000-0000-0000-0000-000000000001', 'L40', NULL),       -- billing, unlimited
  ('c2000000-0000-0000-0000-000000000001', 'a2000000-0000-0000-0000-000000000002', 'L90', 0),          -- owner, today only
  ('c2000000-0000-0000-0000-000000000003', 'a2000000-0000-0000-0000-000000000002', 'L10', 2147483647), -- basic, max window
  ('c2000000-0000-0000-0000-000000000001', 'a2000000-0000-0000-0000-000000000003', 'L30', 30);         -- default-like
CREATE TEMP TABLE u (name text PRIMARY KEY, id uuid);
INSERT INTO u VALUES ('u1', 'a2000000-0000-0000-0000-000000000001'), ('u2', 'a2000000-0000-0000-0000-000000000002'),
                     ('u3', 'a2000000-0000-0000-0000-000000000003'), ('u4', 'a2000000-0000-0000-0000-000000000004');
CREATE TEMP TABLE c (name text PRIMARY KEY, id uuid);
INSERT INTO c VALUES ('c1', 'c2000000-0000-0000-0000-000000000001'), ('c2', 'c2000000-0000-0000-0000-000000000002'),
                     ('c3', 'c2000000-0000-0000-0000-000000000003');

-- The role order: every (user, customer, need) for undated data
SELECT u.name AS "user", c.name AS customer,
       string_agg(CASE WHEN has_customer_access(u.id, c.id, r.code) THEN r.code::text ELSE '-' END, ' ' ORDER BY r.code) AS needs_met
  FROM u CROSS JOIN c CROSS JOIN roles r GROUP BY 1, 2 ORDER BY 1, 2;

-- The window boundary: doc_date >= current_date - days_back_access
SELECT d AS days_ago,
       has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000001', current_date - d, 'L20') AS window_10,
       has_customer_access('a2000000-0000-0000-0000-000000000002', 'c2000000-0000-0000-0000-000000000001', current_date - d, 'L20') AS window_0,
       has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000002', current_date - d, 'L20') AS unlimited,
       has_customer_access('a2000000-0000-0000-0000-000000000002', 'c2000000-0000-0000-0000-000000000003', current_date - d, 'L10') AS window_max
  FROM unnest(ARRAY[-1000, -1, 0, 1, 9, 10, 11, 30, 100000]) AS d ORDER BY d;

-- The role and the window must both hold
SELECT has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000001', current_date, 'L30') AS role_too_low,
       has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000001', current_date - 11, 'L10') AS date_too_old;

-- infinity and -infinity, with every window
SELECT u.name, c.name, has_customer_access(u.id, c.id, 'infinity'::date, 'L10') AS inf,
       has_customer_access(u.id, c.id, '-infinity'::date, 'L10') AS minus_inf,
       has_customer_access(u.id, c.id, 'infinity'::timestamptz, 'L10') AS inf_ts,
       has_customer_access(u.id, c.id, '-infinity'::timestamptz, 'L10') AS minus_inf_ts
  FROM external_access e JOIN u ON u.id = e.user_id JOIN c ON c.id = e.customer_id ORDER BY 1, 2;
-- the extreme finite dates
SELECT has_customer_access('a2000000-0000-0000-0000-000000000002', 'c2000000-0000-0000-0000-000000000003', '4713-01-01 BC'::date, 'L10') AS first_date_max_window,
       has_customer_access('a2000000-0000-0000-0000-000000000002', 'c2000000-0000-0000-0000-000000000003', '5874897-12-31'::date, 'L10') AS last_date,
       has_customer_access('a2000000-0000-0000-0000-000000000002', 'c2000000-0000-0000-0000-000000000001', '5874897-12-31'::date, 'L90') AS last_date_window_0;

-- NULL in each argument: FALSE, never NULL; a NULL date passes only an unlimited window
SELECT has_customer_access(NULL, 'c2000000-0000-0000-0000-000000000002', current_date, 'L10') AS null_user,
       has_customer_access('a2000000-0000-0000-0000-000000000001', NULL, current_date, 'L10') AS null_customer,
       has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000002', current_date, NULL) AS null_need,
       has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000002', NULL::date, 'L10') AS null_date_unlimited,
       has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000001', NULL::date, 'L10') AS null_date_limited,
       has_customer_access('a2000000-0000-0000-0000-000000000002', 'c2000000-0000-0000-0000-000000000003', NULL::timestamptz, 'L10') AS null_ts_max_window,
       has_customer_access(NULL, NULL, NULL::date, NULL) AS all_null,
       has_customer_access(NULL, NULL, NULL) AS all_null_undated;

-- Undated data: no window applies, even a 0-day one
SELECT has_customer_access('a2000000-0000-0000-0000-000000000002', 'c2000000-0000-0000-0000-000000000001', 'Owner') AS undated_owner;

-- timestamptz: the date in the session's time zone. A timestamp near midnight in two zones,
-- checked against the same rule computed in plain SQL.
CREATE TEMP TABLE instants AS
  SELECT (current_date - d)::timestamp AT TIME ZONE 'UTC' + m * interval '1 minute' AS ts
    FROM generate_series(-2, 12) d, unnest(ARRAY[-600, -61, -1, 0, 1, 59, 61, 600, 1439]) m;
SET timezone = 'UTC';
SELECT count(*) AS checked, count(*) FILTER (WHERE ok) BETWEEN 1 AND count(*) - 1 AS both_answers_seen,
       count(*) FILTER (WHERE ok IS DISTINCT FROM (ts::date >= current_date - 10)) AS wrong
  FROM (SELECT ts, has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000001', ts, 'L20') AS ok FROM instants) x;
SET timezone = 'Pacific/Kiritimati';
SELECT count(*) AS checked, count(*) FILTER (WHERE ok) BETWEEN 1 AND count(*) - 1 AS both_answers_seen,
       count(*) FILTER (WHERE ok IS DISTINCT FROM (ts::date >= current_date - 10)) AS wrong
  FROM (SELECT ts, has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000001', ts, 'L20') AS ok FROM instants) x;
SET timezone = 'America/Los_Angeles';
SELECT count(*) AS checked, count(*) FILTER (WHERE ok) BETWEEN 1 AND count(*) - 1 AS both_answers_seen,
       count(*) FILTER (WHERE ok IS DISTINCT FROM (ts::date >= current_date - 10)) AS wrong
  FROM (SELECT ts, has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000001', ts, 'L20') AS ok FROM instants) x;
-- a timestamp without time zone column and a timestamptz literal
CREATE TEMP TABLE local_times AS SELECT ts AT TIME ZONE 'America/Los_Angeles' AS local_ts FROM instants;
SELECT count(*) FILTER (WHERE has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000001', local_ts, 'L20')
                        IS DISTINCT FROM (local_ts::date >= current_date - 10)) AS wrong_for_timestamp_column
  FROM local_times;
SELECT has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000001', now(), 'L20') AS now_literal,
       has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000001', '2001-02-03 04:05:06+07'::timestamptz, 'L20') AS old_literal;
RESET timezone;

-- can_access: the same checks for current_user_id()
SELECT can_access('c2000000-0000-0000-0000-000000000001', current_date, 'L10') AS no_identity;
SET customer_access.user_id = 'a2000000-0000-0000-0000-000000000001';
SELECT can_access('c2000000-0000-0000-0000-000000000001', current_date - 10, 'L20') AS date_form,
       can_access('c2000000-0000-0000-0000-000000000001', current_date - 11, 'L20') AS date_too_old,
       can_access('c2000000-0000-0000-0000-000000000001', now(), 'Orders') AS timestamptz_form,
       can_access('c2000000-0000-0000-0000-000000000001', 'L30') AS undated_too_low,
       can_access('c2000000-0000-0000-0000-000000000002', 'L40') AS undated_billing,
       can_access('c2000000-0000-0000-0000-000000000003', 'L10') AS no_grant,
       can_access(NULL, 'L10') AS null_customer, can_access('c2000000-0000-0000-0000-000000000002', NULL::date, 'L10') AS null_date_unlimited;
BEGIN;
SET LOCAL customer_access.user_id = 'a2000000-0000-0000-0000-000000000002';
SELECT can_access('c2000000-0000-0000-0000-000000000001', current_date, 'L90') AS set_local_owner;
COMMIT;
SELECT can_access('c2000000-0000-0000-0000-000000000001', current_date, 'L90') AS back_to_u1;
-- a bad identity
SET customer_access.user_id = '';
SELECT can_access('c2000000-0000-0000-0000-000000000002', 'L10') AS empty_identity;
SELECT pg_temp.try($$SET customer_access.user_id = 'a2000000'$$);
RESET customer_access.user_id;

-- Different users and customers in one query are never confused (the per-query cache)
SELECT u.name AS "user", count(*) FILTER (WHERE has_customer_access(u.id, c.id, current_date, 'L10')) AS visible
  FROM u CROSS JOIN c CROSS JOIN generate_series(1, 1000) GROUP BY u.name ORDER BY 1;

-- Grants changed in the same transaction and by earlier statements are seen; the cache never
-- outlives the statement, also in a PL/pgSQL loop that reuses its expression state
BEGIN;
SELECT has_customer_access('a2000000-0000-0000-0000-000000000004', 'c2000000-0000-0000-0000-000000000003', 'L10') AS before_grant;
INSERT INTO external_access (customer_id, user_id, role) VALUES ('c2000000-0000-0000-0000-000000000003', 'a2000000-0000-0000-0000-000000000004', 'L10');
SELECT has_customer_access('a2000000-0000-0000-0000-000000000004', 'c2000000-0000-0000-0000-000000000003', 'L10') AS after_grant;
DO $$
DECLARE seen boolean[] := '{}';
BEGIN
  FOR i IN 1..3 LOOP
    seen := seen || customer_access.has_customer_access('a2000000-0000-0000-0000-000000000004', 'c2000000-0000-0000-0000-000000000003', 'L20');
    UPDATE customer_access.external_access SET role = 'L20' WHERE user_id = 'a2000000-0000-0000-0000-000000000004';
  END LOOP;
  RAISE NOTICE 'seen in the loop: %', seen;
END $$;
ROLLBACK;
SELECT has_customer_access('a2000000-0000-0000-0000-000000000004', 'c2000000-0000-0000-0000-000000000003', 'L10') AS after_rollback;

-- accessible_customers: the grants with role >= need, and visible_from
SELECT c.name, a.role, a.days_back_access, a.visible_from = current_date - a.days_back_access AS visible_from_ok, a.visible_from IS NULL AS unlimited
  FROM accessible_customers('a2000000-0000-0000-0000-000000000001') a JOIN c ON c.id = a.customer_id ORDER BY 1;
SELECT c.name, a.role FROM accessible_customers('a2000000-0000-0000-0000-000000000001', 'L30') a JOIN c ON c.id = a.customer_id ORDER BY 1;
SELECT c.name, a.role, a.days_back_access, a.visible_from
  FROM accessible_customers('a2000000-0000-0000-0000-000000000002', 'Basic') a JOIN c ON c.id = a.customer_id
 WHERE a.days_back_access > 0 ORDER BY 1;
SELECT count(*) FROM accessible_customers(NULL);
SELECT count(*) FROM accessible_customers('a2000000-0000-0000-0000-000000000001', NULL);
SELECT accessible_customer_ids('a2000000-0000-0000-0000-000000000001', 'L30'), accessible_customer_ids(NULL, 'L10');

-- A caller with no privilege on external_access and row security on it gets the same answers
-- (row security is enabled on the grants table since 1.1)
-- (changing the grants table's row security takes the superuser exit since 1.2)
SET customer_access.allow_owner_revoke = on;
ALTER TABLE external_access FORCE ROW LEVEL SECURITY;
CREATE POLICY hide_everything ON external_access USING (false);
RESET customer_access.allow_owner_revoke;
CREATE ROLE ca_checker;
SET ROLE ca_checker;
SELECT pg_temp.try($$SELECT count(*) FROM customer_access.external_access$$);
-- ... for its own application user (since 1.2 only for that one: no enumeration of others)
SET customer_access.user_id = 'a2000000-0000-0000-0000-000000000001';
SELECT has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000002', current_date, 'L40') AS as_unprivileged,
       (SELECT count(*) FROM customer_access.accessible_customers('a2000000-0000-0000-0000-000000000001')) AS grants_listed,
       cardinality(customer_access.accessible_customer_ids('a2000000-0000-0000-0000-000000000001', 'L10')) AS ids_listed;
RESET customer_access.user_id;
SELECT pg_temp.try($$SELECT customer_access.has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000002', current_date, 'L40')$$) AS other_user;
SELECT pg_temp.try($$SELECT customer_access.has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000002', 'L40')$$) AS other_user_undated;
SELECT pg_temp.try($$SELECT * FROM customer_access.accessible_customers('a2000000-0000-0000-0000-000000000001')$$) AS other_users_grants;
SELECT pg_temp.try($$SELECT customer_access.accessible_customer_ids('a2000000-0000-0000-0000-000000000001', 'L10')$$) AS other_users_ids;
SELECT pg_temp.try($$SELECT * FROM customer_access.who_can_access('c2000000-0000-0000-0000-000000000002')$$) AS who_can_access;
RESET ROLE;
-- An auditor that could read every grant anyway (SELECT, and BYPASSRLS) may ask about anyone
CREATE ROLE ca_auditor BYPASSRLS;
GRANT SELECT ON external_access TO ca_auditor;
SET ROLE ca_auditor;
SELECT has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000002', current_date, 'L40') AS auditor_asks,
       (SELECT count(*) FROM customer_access.accessible_customers('a2000000-0000-0000-0000-000000000001')) AS grants_listed;
SELECT user_id, role, days_back_access, visible_from = current_date - days_back_access AS visible_from_ok
  FROM customer_access.who_can_access('c2000000-0000-0000-0000-000000000002') ORDER BY user_id;
SELECT count(*) AS admins FROM customer_access.who_can_access('c2000000-0000-0000-0000-000000000002', 'L80');
RESET ROLE;
-- SELECT alone is not enough while row security applies to the role
CREATE ROLE ca_rls_reader;
GRANT SELECT ON external_access TO ca_rls_reader;
SET ROLE ca_rls_reader;
SELECT pg_temp.try($$SELECT * FROM customer_access.who_can_access('c2000000-0000-0000-0000-000000000002')$$) AS rls_reader;
RESET ROLE;
REVOKE SELECT ON external_access FROM ca_auditor, ca_rls_reader;
DROP ROLE ca_auditor, ca_rls_reader;
SELECT count(*) AS superuser_sees FROM customer_access.who_can_access('c2000000-0000-0000-0000-000000000002');
-- Nor do the planner's estimates tell another user's grant count (EXPLAIN would show it)
CREATE FUNCTION pg_temp.estimate(query text) RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE line text;
BEGIN
  EXECUTE 'EXPLAIN ' || query INTO line;
  RETURN substring(line FROM 'rows=([0-9]+)')::bigint;
END $f$;
CREATE ROLE ca_estimator;
SET ROLE ca_estimator;
SELECT pg_temp.estimate($$SELECT 1 FROM generate_series(1, 100000) g WHERE customer_access.has_customer_access('a2000000-0000-0000-0000-000000000001', gen_random_uuid(), 'L10')$$)
     = pg_temp.estimate($$SELECT 1 FROM generate_series(1, 100000) g WHERE customer_access.has_customer_access('a2ffffff-0000-0000-0000-000000000001', gen_random_uuid(), 'L10')$$)
       AS same_estimate_for_any_other_user;
RESET ROLE;
SELECT pg_temp.estimate($$SELECT 1 FROM generate_series(1, 100000) g WHERE customer_access.has_customer_access('a2000000-0000-0000-0000-000000000001', gen_random_uuid(), 'L10')$$)
     > pg_temp.estimate($$SELECT 1 FROM generate_series(1, 100000) g WHERE customer_access.has_customer_access('a2ffffff-0000-0000-0000-000000000001', gen_random_uuid(), 'L10')$$)
       AS superuser_estimates_from_grants;
DROP ROLE ca_estimator;
SELECT count(*) AS null_customer FROM customer_access.who_can_access(NULL);
SELECT has_customer_access('a2000000-0000-0000-0000-000000000001', 'c2000000-0000-0000-0000-000000000002', current_date, 'L40') AS as_owner_under_forced_rls;
SET customer_access.allow_owner_revoke = on;
DROP POLICY hide_everything ON external_access;
ALTER TABLE external_access NO FORCE ROW LEVEL SECURITY;
RESET customer_access.allow_owner_revoke;
DROP ROLE ca_checker;

-- STABLE, PARALLEL SAFE, not STRICT, EXECUTE for PUBLIC
SELECT p.oid::regprocedure AS function, provolatile, proparallel, proisstrict,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
  FROM pg_proc p WHERE pronamespace = 'customer_access'::regnamespace
   AND proname IN ('has_customer_access', 'can_access', 'accessible_customers', 'current_user_id', 'accessible_customer_ids')
 ORDER BY 1::text;

SET customer_access.allow_owner_revoke = on;
DELETE FROM external_access;
RESET customer_access.allow_owner_revoke;

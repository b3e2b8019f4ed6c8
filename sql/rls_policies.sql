-- Row-level security with the checks, as SPEC shows it: every user's visible rows equal a
-- ground truth computed with plain joins, for an unprivileged role, serial and parallel.
\set ECHO none
\i test/sql/try.sql
\set ECHO all
-- This suite gives the application user once per session (scope 'session', as in 1.1).
SET customer_access.identity_scope = session;

CREATE SCHEMA app;
-- 200 customers, 60 users, 60,000 orders over 400 days (ids are made from numbers)
CREATE FUNCTION app.id(kind text, n integer) RETURNS uuid LANGUAGE sql IMMUTABLE
  AS $$ SELECT (CASE kind WHEN 'customer' THEN 'c3' ELSE 'a3' END || lpad(to_hex(n), 30, '0'))::uuid $$;
CREATE TABLE app.sales_orders (
  id bigint PRIMARY KEY, customer_id uuid NOT NULL, order_date date NOT NULL, amount numeric NOT NULL);
INSERT INTO app.sales_orders
  SELECT g, app.id('customer', (g * 7) % 200), current_date - (g * 7919) % 400, g % 1000
    FROM generate_series(1, 60000) g;
CREATE INDEX ON app.sales_orders (customer_id);
ANALYZE app.sales_orders;

-- Each user gets a few grants with varied roles and windows (NULL, 0, 30, 90, 365 days)
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  SELECT app.id('customer', (u * 13 + j * 17) % 200), app.id('user', u),
         (ARRAY['L10', 'L20', 'L30', 'L40', 'L80', 'L90'])[1 + (u + j) % 6]::customer_access.access_role,
         (ARRAY[NULL, 0, 30, 90, 365])[1 + (u * 3 + j) % 5]
    FROM generate_series(1, 60) u, generate_series(0, u % 7) j;
-- one user sees everything, with no window
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  SELECT app.id('customer', c), app.id('user', 0), 'L80', NULL FROM generate_series(0, 199) c;
SELECT count(*) AS grants, count(DISTINCT user_id) AS users FROM customer_access.external_access;

-- Ground truth, with plain SQL only (no function of the extension)
CREATE TABLE app.truth AS
  SELECT u AS user_no, count(o.id) AS visible
    FROM generate_series(0, 61) u
    LEFT JOIN customer_access.external_access e
           ON e.user_id = app.id('user', u) AND e.role::text IN ('L20', 'L30', 'L40', 'L80', 'L90')
    LEFT JOIN app.sales_orders o
           ON o.customer_id = e.customer_id
          AND (e.days_back_access IS NULL OR o.order_date >= current_date - e.days_back_access)
   GROUP BY u;

-- The portal's role: SELECT on the orders, nothing on the grants table
CREATE ROLE ca_portal_user;
GRANT USAGE ON SCHEMA app TO ca_portal_user;
GRANT SELECT ON app.sales_orders, app.truth TO ca_portal_user;
ALTER TABLE app.sales_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY portal_orders ON app.sales_orders FOR SELECT TO ca_portal_user
  USING (customer_access.can_access(customer_id, order_date, 'L20'));

-- Counts every user's visible orders, the way an application would: one identity per request
CREATE FUNCTION app.visible_counts() RETURNS TABLE (user_no integer, visible bigint) LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 0..61 LOOP
    user_no := i;
    PERFORM set_config('customer_access.user_id', app.id('user', i)::text, true);
    SELECT count(*) INTO visible FROM app.sales_orders;
    RETURN NEXT;
  END LOOP;
END $$;

SET ROLE ca_portal_user;
SELECT pg_temp.try($$SELECT count(*) FROM customer_access.external_access$$);
SELECT count(*) AS users, count(*) FILTER (WHERE v.visible = t.visible) AS matching,
       sum(v.visible) AS total_visible, count(*) FILTER (WHERE v.visible = 0) AS users_seeing_nothing,
       max(v.visible) AS most_visible
  FROM app.visible_counts() v JOIN app.truth t USING (user_no);
-- no identity: nothing
SELECT count(*) AS without_identity FROM app.sales_orders;

-- A leaky function in the WHERE clause sees no hidden row: it runs only on visible rows
CREATE FUNCTION pg_temp.leak(uuid) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
  PERFORM set_config('ca_test.leaked', (current_setting('ca_test.leaked')::int + 1)::text, false);
  RETURN true;
END $$;
SET ca_test.leaked = 0;
SELECT user_no AS leak_user, visible AS truth FROM app.truth WHERE visible BETWEEN 100 AND 5000 ORDER BY user_no LIMIT 1 \gset
SELECT set_config('customer_access.user_id', app.id('user', :leak_user)::text, false) IS NOT NULL AS identity_set;
SELECT count(*) AS visible_rows, count(*) = :truth AS matches_truth FROM app.sales_orders WHERE pg_temp.leak(customer_id);
SELECT current_setting('ca_test.leaked')::int AS rows_the_leaky_function_saw;

-- The same counts with a parallel plan
RESET ROLE;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SET ROLE ca_portal_user;
EXPLAIN (COSTS OFF) SELECT count(*) FROM app.sales_orders;
SELECT count(*) AS users, count(*) FILTER (WHERE v.visible = t.visible) AS matching
  FROM app.visible_counts() v JOIN app.truth t USING (user_no);
RESET ROLE;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET enable_indexscan;
RESET enable_bitmapscan;

-- A grant committed before a statement is seen by it; a revoke too
SET ROLE ca_portal_user;
SET customer_access.user_id = 'a3000000-0000-0000-0000-000000000063';
SELECT count(*) AS before_grant FROM app.sales_orders;
RESET ROLE;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
VALUES (app.id('customer', 5), 'a3000000-0000-0000-0000-000000000063', 'L20', NULL);
SET ROLE ca_portal_user;
SELECT count(*) AS after_grant FROM app.sales_orders;
RESET ROLE;
DELETE FROM customer_access.external_access WHERE user_id = 'a3000000-0000-0000-0000-000000000063';
SET ROLE ca_portal_user;
SELECT count(*) AS after_revoke FROM app.sales_orders;
RESET ROLE;
RESET customer_access.user_id;

SET customer_access.allow_owner_revoke = on;
DELETE FROM customer_access.external_access;
RESET customer_access.allow_owner_revoke;
DROP FUNCTION pg_temp.leak(uuid);
DROP SCHEMA app CASCADE;
DROP ROLE ca_portal_user;

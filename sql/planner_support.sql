-- Planner support: a policy with the checks uses the customer index for a user who sees
-- few customers, and a sequential scan for one who sees almost everything; both give the
-- answers the checks give.
\set ECHO none
\i test/sql/try.sql
\i test/sql/explain.sql
\set ECHO all
-- This suite gives the application user once per session (scope 'session', as in 1.1).
SET customer_access.identity_scope = session;
SET max_parallel_workers_per_gather = 0;

CREATE SCHEMA plan_app;
CREATE FUNCTION plan_app.customer(n integer) RETURNS uuid LANGUAGE sql IMMUTABLE
  AS $$ SELECT ('c4' || lpad(to_hex(n), 30, '0'))::uuid $$;
-- (no autovacuum: the visibility map, and so the plans, stay as this script leaves them)
CREATE TABLE plan_app.orders (id bigint PRIMARY KEY, customer_id uuid NOT NULL, order_date date NOT NULL, note text)
  WITH (autovacuum_enabled = off);
INSERT INTO plan_app.orders
  SELECT g, plan_app.customer(g % 2000), current_date - g % 700, 'order ' || g FROM generate_series(1, 100000) g;
CREATE INDEX orders_customer_idx ON plan_app.orders (customer_id);
-- a selective user (5 customers, 90 days), an all-seeing one, and 200 ordinary users
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  SELECT plan_app.customer(c), 'a4000000-0000-0000-0000-000000000001', 'L30', 90 FROM generate_series(1, 5) c;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  SELECT plan_app.customer(c), 'a4000000-0000-0000-0000-000000000002', 'L80', NULL FROM generate_series(0, 1999) c;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  SELECT plan_app.customer((u * 7 + j) % 2000), ('a4' || lpad(to_hex(1000 + u), 30, '0'))::uuid, 'L20', 30
    FROM generate_series(1, 200) u, generate_series(1, 3) j;
ANALYZE plan_app.orders;
ANALYZE customer_access.external_access;

CREATE ROLE ca_plan_portal;
GRANT USAGE ON SCHEMA plan_app TO ca_plan_portal;
GRANT SELECT ON plan_app.orders TO ca_plan_portal;
ALTER TABLE plan_app.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY portal_orders ON plan_app.orders FOR SELECT TO ca_plan_portal
  USING (customer_access.can_access(customer_id, order_date, 'L20'));

SET ROLE ca_plan_portal;
-- The selective user: an index condition on the customer column, the check as the recheck
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000001';
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_app.orders;
SELECT count(*) AS selective_user_rows FROM plan_app.orders;
EXPLAIN (COSTS OFF) SELECT id, order_date FROM plan_app.orders WHERE note LIKE 'order 1%' ORDER BY id;
-- The all-seeing user: a sequential scan
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000002';
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_app.orders;
SELECT count(*) AS all_seeing_rows FROM plan_app.orders;
-- No identity: nothing, and cheaply
RESET customer_access.user_id;
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_app.orders;
SELECT count(*) AS no_identity_rows FROM plan_app.orders;
RESET ROLE;

-- Estimates follow the grants
CREATE FUNCTION pg_temp.estimated_rows(query text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan->0->'Plan'->>'Plan Rows')::numeric;
END $$;
SELECT pg_temp.estimated_rows($$SELECT * FROM plan_app.orders WHERE customer_access.has_customer_access('a4000000-0000-0000-0000-000000000001', customer_id, order_date, 'L20')$$) AS selective,
       pg_temp.estimated_rows($$SELECT * FROM plan_app.orders WHERE customer_access.has_customer_access('a4000000-0000-0000-0000-000000000002', customer_id, order_date, 'L20')$$) AS all_seeing,
       pg_temp.estimated_rows($$SELECT * FROM plan_app.orders WHERE customer_access.has_customer_access('a4000000-0000-0000-0000-0000000000ff', customer_id, order_date, 'L20')$$) AS no_grants,
       pg_temp.estimated_rows($$SELECT * FROM plan_app.orders WHERE customer_access.has_customer_access('a4000000-0000-0000-0000-000000000001', customer_id, order_date, 'L40')$$) AS need_above_role;

-- Index and sequential plans give the same answers, for every user, need and window
CREATE TABLE plan_app.users AS SELECT DISTINCT user_id FROM customer_access.external_access;
CREATE FUNCTION pg_temp.counts(need customer_access.access_role) RETURNS TABLE (user_id uuid, n bigint) LANGUAGE plpgsql AS $$
DECLARE u uuid;
BEGIN
  FOR u IN SELECT p.user_id FROM plan_app.users p ORDER BY 1 LOOP
    user_id := u;
    SELECT count(*) INTO n FROM plan_app.orders o WHERE customer_access.has_customer_access(u, o.customer_id, o.order_date, need);
    RETURN NEXT;
  END LOOP;
END $$;
CREATE TEMP TABLE seq_counts AS SELECT 'L20' AS need, * FROM pg_temp.counts('L20') UNION ALL SELECT 'L30', * FROM pg_temp.counts('L30');
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT * FROM pg_temp.explain($$SELECT count(*) FROM plan_app.orders o WHERE customer_access.has_customer_access('a4000000-0000-0000-0000-000000000002', o.customer_id, o.order_date, 'L20')$$);
CREATE TEMP TABLE index_counts AS SELECT 'L20' AS need, * FROM pg_temp.counts('L20') UNION ALL SELECT 'L30', * FROM pg_temp.counts('L30');
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT count(*) AS compared, count(*) FILTER (WHERE s.n = i.n) AS equal, sum(s.n) AS rows_seen
  FROM seq_counts s JOIN index_counts i USING (need, user_id);

-- A generic plan (user as a parameter) keeps the index condition and stays exact
SET plan_cache_mode = force_generic_plan;
PREPARE visible(uuid) AS
  SELECT count(*) FROM plan_app.orders o WHERE customer_access.has_customer_access($1, o.customer_id, o.order_date, 'L20');
EXPLAIN (COSTS OFF) EXECUTE visible('a4000000-0000-0000-0000-000000000001');
EXECUTE visible('a4000000-0000-0000-0000-000000000001');
EXECUTE visible('a4000000-0000-0000-0000-000000000002');
DEALLOCATE visible;
RESET plan_cache_mode;

-- The user from a join: a parameterized index path, the same answers as a hash join
EXPLAIN (COSTS OFF)
SELECT count(*) FROM plan_app.users u JOIN plan_app.orders o
    ON customer_access.has_customer_access(u.user_id, o.customer_id, 'L30')
 WHERE u.user_id = 'a4000000-0000-0000-0000-000000000001';
SELECT u.user_id, count(*) FROM plan_app.users u JOIN plan_app.orders o
    ON customer_access.has_customer_access(u.user_id, o.customer_id, 'L30')
 WHERE u.user_id IN ('a4000000-0000-0000-0000-000000000001', 'a4000000-0000-0000-0000-000000000002') GROUP BY 1 ORDER BY 1;

-- A cached plan follows the user: a prepared statement's generic plan, made for the
-- selective user, is planned again when the identity changes (and back)
SET ROLE ca_plan_portal;
SET plan_cache_mode = force_generic_plan;
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000001';
PREPARE portal_count AS SELECT count(*) FROM plan_app.orders;
EXPLAIN (COSTS OFF) EXECUTE portal_count;
EXECUTE portal_count;
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000002';
EXPLAIN (COSTS OFF) EXECUTE portal_count;
EXECUTE portal_count;
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000001';
EXPLAIN (COSTS OFF) EXECUTE portal_count;
DEALLOCATE portal_count;
RESET plan_cache_mode;
RESET customer_access.user_id;
RESET ROLE;

-- The explicit form with a user that does not depend on the row (as basejump and Supabase
-- write it): the user is evaluated once per execution, as an InitPlan; the plans and the
-- answers are those of can_access
CREATE ROLE ca_plan_explicit;
GRANT USAGE ON SCHEMA plan_app TO ca_plan_explicit;
GRANT SELECT ON plan_app.orders TO ca_plan_explicit;
CREATE POLICY portal_orders_explicit ON plan_app.orders FOR SELECT TO ca_plan_explicit
  USING (customer_access.has_customer_access(current_setting('customer_access.user_id')::uuid,
                                             customer_id, order_date, 'L20'));
SET ROLE ca_plan_explicit;
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000001';
SELECT * FROM pg_temp.explain($$SELECT count(*) FROM plan_app.orders$$);
SELECT count(*) AS explicit_selective_rows FROM plan_app.orders;
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000002';
SELECT * FROM pg_temp.explain($$SELECT count(*) FROM plan_app.orders$$);
SELECT count(*) AS explicit_all_seeing_rows FROM plan_app.orders;
RESET customer_access.user_id;
RESET ROLE;
DROP POLICY portal_orders_explicit ON plan_app.orders;
DROP OWNED BY ca_plan_explicit;
DROP ROLE ca_plan_explicit;
-- PL/pgSQL simple expressions and the children of a UNION ALL keep the explicit form as it is
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000001';
DO $$
DECLARE b boolean;
BEGIN
  b := customer_access.has_customer_access(customer_access.current_user_id(), plan_app.customer(1), current_date, 'L20');
  IF customer_access.has_customer_access(current_setting('customer_access.user_id')::uuid, plan_app.customer(1), 'L20') THEN
    RAISE NOTICE 'plpgsql: %, %', b, customer_access.has_customer_access(customer_access.current_user_id(), plan_app.customer(1), 'L20');
  END IF;
END $$;
SELECT count(*) AS union_all_rows FROM (
  SELECT current_setting('customer_access.user_id')::uuid AS u, customer_id, order_date FROM plan_app.orders
  UNION ALL
  SELECT current_setting('customer_access.user_id')::uuid, customer_id, order_date FROM plan_app.orders) s
 WHERE customer_access.has_customer_access(s.u, s.customer_id, s.order_date, 'L20');
RESET customer_access.user_id;
-- A user from the row or a parameter is used as it is
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_app.orders o
 WHERE customer_access.has_customer_access(o.customer_id, o.customer_id, o.order_date, 'L20');

-- A short window on a table indexed by date: a lossy lower bound on the NOT NULL date
-- column from earliest_visible_date(); the answers stay the checks'
CREATE TABLE plan_app.big_orders (id bigint PRIMARY KEY, customer_id uuid NOT NULL,
                                  order_date date NOT NULL, shipped date)
  WITH (autovacuum_enabled = off);
INSERT INTO plan_app.big_orders
  SELECT g, plan_app.customer(g % 20), current_date - g % 3650, current_date - g % 3650
    FROM generate_series(1, 100000) g;
CREATE INDEX big_orders_date_idx ON plan_app.big_orders (order_date);
CREATE INDEX big_orders_shipped_idx ON plan_app.big_orders (shipped);
ANALYZE plan_app.big_orders;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  VALUES (plan_app.customer(3), 'a4000000-0000-0000-0000-000000000003', 'L20', 30),
         (plan_app.customer(4), 'a4000000-0000-0000-0000-000000000004', 'L20', NULL),
         (plan_app.customer(5), 'a4000000-0000-0000-0000-000000000005', 'L20', 2147483647);
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000003';
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_app.big_orders WHERE customer_access.can_access(customer_id, order_date, 'L20');
SELECT count(*) AS thirty_days_rows FROM plan_app.big_orders WHERE customer_access.can_access(customer_id, order_date, 'L20');
-- a nullable date column gets no date condition (a NULL date passes an unlimited window)
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_app.big_orders WHERE customer_access.can_access(customer_id, shipped, 'L20');
-- an unlimited window: the bound is -infinity, the answers are all of the customer's rows
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000004';
SELECT count(*) AS unlimited_rows FROM plan_app.big_orders WHERE customer_access.can_access(customer_id, order_date, 'L20');
RESET ROLE;
SELECT count(*) AS ground_truth_thirty_days FROM plan_app.big_orders
 WHERE customer_id = plan_app.customer(3) AND order_date >= current_date - 30;
SELECT count(*) AS ground_truth_unlimited FROM plan_app.big_orders WHERE customer_id = plan_app.customer(4);
SELECT customer_access.earliest_visible_date('a4000000-0000-0000-0000-000000000003', 'L20') = current_date - 30 AS thirty_days,
       customer_access.earliest_visible_date('a4000000-0000-0000-0000-000000000004', 'L20') AS unlimited,
       customer_access.earliest_visible_date('a4000000-0000-0000-0000-000000000003', 'L30') AS role_too_low,
       customer_access.earliest_visible_date('a4000000-0000-0000-0000-000000000001', 'L20') = current_date - 90 AS five_customers,
       customer_access.earliest_visible_date(NULL, 'L20') AS no_user,
       customer_access.earliest_visible_date('a4000000-0000-0000-0000-000000000005', 'L20') AS longest_window;
SET ROLE ca_plan_portal;
SELECT pg_temp.try($$SELECT customer_access.earliest_visible_date('a4000000-0000-0000-0000-000000000003', 'L20')$$) AS other_user_refused;
RESET customer_access.user_id;
RESET ROLE;
-- With an index on (customer, date) the date gets its own conjunct, date >= (SELECT
-- earliest_visible_date(...)), beside the customer condition; through a policy too; the
-- answers, negated ones included, stay the checks'
CREATE INDEX big_orders_customer_date_idx ON plan_app.big_orders (customer_id, order_date);
CREATE INDEX big_orders_customer_shipped_idx ON plan_app.big_orders (customer_id, shipped);
DROP INDEX plan_app.big_orders_date_idx;
ANALYZE plan_app.big_orders;
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000003';
SELECT * FROM pg_temp.explain($$SELECT count(*) FROM plan_app.big_orders WHERE customer_access.can_access(customer_id, order_date, 'L20')$$);
SELECT count(*) AS thirty_days_rows_again FROM plan_app.big_orders WHERE customer_access.can_access(customer_id, order_date, 'L20');
SELECT count(*) AS others FROM plan_app.big_orders WHERE NOT customer_access.can_access(customer_id, order_date, 'L20');
-- a nullable date: no conjunct
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_app.big_orders WHERE customer_access.can_access(customer_id, shipped, 'L20');
GRANT SELECT ON plan_app.big_orders TO ca_plan_portal;
ALTER TABLE plan_app.big_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY portal_big ON plan_app.big_orders FOR SELECT TO ca_plan_portal
  USING (customer_access.can_access(customer_id, order_date, 'L20'));
SET ROLE ca_plan_portal;
SELECT * FROM pg_temp.explain($$SELECT count(*) FROM plan_app.big_orders$$);
SELECT count(*) AS policy_thirty_days_rows FROM plan_app.big_orders;
SET customer_access.user_id = 'a4000000-0000-0000-0000-000000000004';
SELECT count(*) AS policy_unlimited_rows FROM plan_app.big_orders;
RESET customer_access.user_id;
RESET ROLE;
DROP TABLE plan_app.big_orders;

-- Where no index condition applies, none is offered: an expression for the customer, a
-- volatile user, the indexed table's own column as the user
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_app.orders o
 WHERE customer_access.has_customer_access('a4000000-0000-0000-0000-000000000001', coalesce(o.customer_id, o.customer_id), 'L20');
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_app.orders o
 WHERE customer_access.has_customer_access((CASE WHEN random() < 2 THEN 'a4000000-0000-0000-0000-000000000001' END)::uuid, o.customer_id, 'L20');
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_app.orders o
 WHERE customer_access.has_customer_access(o.customer_id, o.customer_id, 'L20');
-- a hash index cannot take = ANY: no condition offered for it
DROP INDEX plan_app.orders_customer_idx;
CREATE INDEX orders_customer_hash ON plan_app.orders USING hash (customer_id);
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_app.orders o
 WHERE customer_access.has_customer_access('a4000000-0000-0000-0000-000000000001', o.customer_id, 'L20');

SET customer_access.allow_owner_revoke = on;
DELETE FROM customer_access.external_access;
RESET customer_access.allow_owner_revoke;
DROP SCHEMA plan_app CASCADE;
DROP ROLE ca_plan_portal;

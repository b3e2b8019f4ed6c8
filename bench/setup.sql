-- scripts/bench dataset: 1,000,000 sales orders over 10,000 customers and two years,
-- about 2,000 users with a few grants each, one user who sees every customer and one who
-- sees 5 customers for 90 days; and one policy per way of writing the same rule, each for
-- its own role, so every variant reads the very same table.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS customer_access;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

CREATE FUNCTION bench.customer(n integer) RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT md5('customer ' || n)::uuid $$;
CREATE TABLE bench.orders (
    id integer PRIMARY KEY, customer_id uuid NOT NULL, order_date date NOT NULL,
    amount numeric(12, 2) NOT NULL);
\echo '   1,000,000 orders...'
INSERT INTO bench.orders
SELECT g, bench.customer(((g::bigint * 7919) % 10000)::integer), current_date - (g * 31) % 730, (g % 997) * 1.5
  FROM generate_series(1, 1000000) g;
CREATE INDEX orders_customer_idx ON bench.orders (customer_id);

\echo '   grants: ~2,000 users with 1-5 customers, one all-seeing user, one 5-customer user...'
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
SELECT bench.customer((u * 37 + j * 101) % 10000), md5('user ' || u)::uuid,
       (ARRAY['L10', 'L20', 'L30', 'L40', 'L80'])[1 + (u + j) % 5]::customer_access.access_role,
       (ARRAY[NULL, 30, 90, 365])[1 + (u + j) % 4]
  FROM generate_series(1, 2000) u, generate_series(0, u % 5) j;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
SELECT bench.customer(c), 'b0000000-0000-0000-0000-00000000a11a', 'L80', NULL FROM generate_series(0, 9999) c;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
SELECT bench.customer(c * 1999 % 10000), 'b0000000-0000-0000-0000-000000000005', 'L30', 90 FROM generate_series(1, 5) c;
-- (1.3) the same two users again with every grant expiring next year: the checks with
-- expiring grants, side by side with those without
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access, expires_at)
SELECT bench.customer(c), 'b0000000-0000-0000-0000-00000000e11a', 'L80', NULL, now() + interval '1 year'
  FROM generate_series(0, 9999) c;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access, expires_at)
SELECT bench.customer(c * 1999 % 10000), 'b0000000-0000-0000-0000-00000000e005', 'L30', 90, now() + interval '1 year'
  FROM generate_series(1, 5) c;
-- a user with 100,000 grants, for the memory report
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
SELECT md5('other customer ' || c)::uuid, 'b0000000-0000-0000-0000-0000000100c0', 'L20', NULL FROM generate_series(1, 100000) c;
VACUUM ANALYZE bench.orders;
VACUUM ANALYZE customer_access.external_access;

-- The same rule (role >= L20, doc_date inside the window) written the ways people write it.
CREATE FUNCTION bench.app_user() RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('customer_access.user_id', true), '')::uuid $$;

CREATE FUNCTION bench.sql_check(customer uuid, doc_date date) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM customer_access.external_access e
                    WHERE e.user_id = bench.app_user() AND e.customer_id = customer
                      AND e.role >= 'L20'
                      AND (e.days_back_access IS NULL OR doc_date >= current_date - e.days_back_access)) $$;

CREATE FUNCTION bench.plpgsql_check(customer uuid, doc_date date) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM customer_access.external_access e
                    WHERE e.user_id = bench.app_user() AND e.customer_id = customer
                      AND e.role >= 'L20'
                      AND (e.days_back_access IS NULL OR doc_date >= current_date - e.days_back_access));
END $$;

DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['bench_none', 'bench_can_access', 'bench_exists', 'bench_sql_function',
                             'bench_plpgsql_definer', 'bench_any_array', 'bench_explicit'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN EXECUTE format('CREATE ROLE %I', r); END IF;
        EXECUTE format('GRANT USAGE ON SCHEMA bench TO %I', r);
        EXECUTE format('GRANT SELECT ON bench.orders TO %I', r);
    END LOOP;
END $$;
ALTER ROLE bench_none BYPASSRLS;
-- The hand-written forms read the grants themselves, so their roles need SELECT on them.
GRANT SELECT ON customer_access.external_access TO bench_exists, bench_sql_function, bench_any_array;

ALTER TABLE bench.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY with_can_access ON bench.orders FOR SELECT TO bench_can_access
    USING (customer_access.can_access(customer_id, order_date, 'L20'));
CREATE POLICY with_exists ON bench.orders FOR SELECT TO bench_exists
    USING (EXISTS (SELECT 1 FROM customer_access.external_access e
                    WHERE e.user_id = bench.app_user() AND e.customer_id = orders.customer_id
                      AND e.role >= 'L20'
                      AND (e.days_back_access IS NULL OR orders.order_date >= current_date - e.days_back_access)));
-- The explicit form, as basejump and Supabase write it: the user from a setting, per call.
CREATE POLICY with_explicit ON bench.orders FOR SELECT TO bench_explicit
    USING (customer_access.has_customer_access(current_setting('customer_access.user_id')::uuid,
                                               customer_id, order_date, 'L20'));
CREATE POLICY with_sql_function ON bench.orders FOR SELECT TO bench_sql_function
    USING (bench.sql_check(customer_id, order_date));
CREATE POLICY with_plpgsql_definer ON bench.orders FOR SELECT TO bench_plpgsql_definer
    USING (bench.plpgsql_check(customer_id, order_date));
-- The fastest hand-written index-friendly form: the customers as an array the index can
-- use, and the window checked per row against the grant.
CREATE POLICY with_any_array ON bench.orders FOR SELECT TO bench_any_array
    USING (customer_id = ANY (ARRAY(SELECT e.customer_id FROM customer_access.external_access e
                                     WHERE e.user_id = bench.app_user() AND e.role >= 'L20'))
           AND (SELECT e.days_back_access IS NULL OR orders.order_date >= current_date - e.days_back_access
                  FROM customer_access.external_access e
                 WHERE e.user_id = bench.app_user() AND e.customer_id = orders.customer_id));

-- A big customer seen with a short window: 500,000 orders over 5 customers over five years,
-- indexed on (customer_id, order_date); one user sees one of them for 30 days.
\echo '   big customers: 500,000 orders over 5 customers...'
CREATE TABLE bench.big_orders (id integer PRIMARY KEY, customer_id uuid NOT NULL,
                               order_date date NOT NULL, amount numeric(12, 2) NOT NULL);
INSERT INTO bench.big_orders
SELECT g, bench.customer(100000 + g % 5), current_date - (g * 7) % 1825, (g % 997) * 1.5
  FROM generate_series(1, 500000) g;
CREATE INDEX big_orders_customer_date_idx ON bench.big_orders (customer_id, order_date);
VACUUM ANALYZE bench.big_orders;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
VALUES (bench.customer(100001), 'b0000000-0000-0000-0000-0000000b1c30', 'L20', 30);
GRANT SELECT ON bench.big_orders TO bench_none, bench_can_access;
ALTER TABLE bench.big_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY with_can_access ON bench.big_orders FOR SELECT TO bench_can_access
    USING (customer_access.can_access(customer_id, order_date, 'L20'));

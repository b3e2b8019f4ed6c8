-- The planner matrix (SPEC "Access checks", 1.3): every policy form README shows, on every
-- index shape, in every query shape, answers exactly what the same query gives without the
-- policy plus the hand-written predicate: no error, no difference.
--
--   forms     can_access (implicit user) and has_customer_access(<user>, ...) with the user
--             given by current_setting('app.user_id')::uuid,
--             current_setting('customer_access.user_id')::uuid, current_claims(),
--             request.jwt.claims, a sub-select, an SQL function, a PL/pgSQL function like
--             Supabase's auth.uid(), and (SELECT auth.uid());  x  date, timestamptz, undated
--   indexes   none, (customer), (customer, date), (date), (date, customer), partial,
--             expression, BRIN, hash, and (customer, date) / (date) on nullable dates
--   queries   count, rows, own date filter, join, left join, UNION ALL, LATERAL, EXISTS,
--             materialized and inlined CTEs, a partitioned table (twice), a parallel plan
--             whose workers run the checks, a prepared generic
--             plan made for another user, and a PL/pgSQL function whose cached plan was made
--             for another user
--   users     one who sees few customers (index conditions apply), one who sees most of them,
--             one with no grant, one with only limited windows (a finite date bound, with
--             rows dated exactly on it)
-- The suite prints the matrix's size and every case that differs or fails (none).
SET client_min_messages = warning;
SET customer_access.identity = claims;  -- so that every user expression names the same user
SET max_parallel_workers_per_gather = 0;

CREATE SCHEMA pm;
CREATE SCHEMA pm_auth;
CREATE FUNCTION pm.customer(n integer) RETURNS uuid LANGUAGE sql IMMUTABLE
  AS $$ SELECT ('c9' || lpad(to_hex(n), 30, '0'))::uuid $$;
CREATE TABLE pm.customers (id uuid PRIMARY KEY, n integer NOT NULL, name text NOT NULL);
INSERT INTO pm.customers SELECT pm.customer(n), n, 'customer ' || n FROM generate_series(0, 199) n;

-- Users: few customers with every kind of window (and one grant below the need), most
-- customers, none
CREATE TABLE pm.users (name text PRIMARY KEY, id uuid NOT NULL);
INSERT INTO pm.users VALUES ('few', 'a9000000-0000-0000-0000-000000000001'),
                            ('most', 'a9000000-0000-0000-0000-000000000002'),
                            ('none', 'a9000000-0000-0000-0000-000000000003'),
                            ('windows', 'a9000000-0000-0000-0000-000000000004');
-- How many days back row g is dated (every table holds the same rows)
CREATE FUNCTION pm.days_back(g integer) RETURNS integer LANGUAGE sql IMMUTABLE
  AS $$ SELECT ((g / 200) * 31 + g % 17) % 500 $$;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access) VALUES
  (pm.customer(1), 'a9000000-0000-0000-0000-000000000001', 'L40', 10),
  (pm.customer(2), 'a9000000-0000-0000-0000-000000000001', 'L80', NULL),
  (pm.customer(3), 'a9000000-0000-0000-0000-000000000001', 'L40', 0),
  (pm.customer(4), 'a9000000-0000-0000-0000-000000000001', 'L30', NULL),
  (pm.customer(5), 'a9000000-0000-0000-0000-000000000001', 'L90', 400);
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  SELECT pm.customer(n), 'a9000000-0000-0000-0000-000000000002', CASE WHEN n % 7 = 0 THEN 'L20' ELSE 'L40' END,
         (ARRAY[NULL, 5, 30, 365])[n % 4 + 1]
    FROM generate_series(0, 149) n;
-- Only limited windows, each exactly as long as one of its customer's rows is old (so the
-- date bound is finite and that row sits on it), and an unlimited grant below the need
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access) VALUES
  (pm.customer(6), 'a9000000-0000-0000-0000-000000000004', 'L40', pm.days_back(6 + 200 * 3)),
  (pm.customer(7), 'a9000000-0000-0000-0000-000000000004', 'L80', pm.days_back(7 + 200 * 8)),
  (pm.customer(8), 'a9000000-0000-0000-0000-000000000004', 'L30', NULL),
  (pm.customer(9), 'a9000000-0000-0000-0000-000000000004', 'L40', pm.days_back(9 + 200 * 2));
ANALYZE customer_access.external_access;

-- The user expressions of the explicit form
CREATE FUNCTION pm.uid() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
CREATE FUNCTION pm_auth.uid() RETURNS uuid LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN nullif(coalesce(current_setting('request.jwt.claim.sub', true),
                         current_setting('request.jwt.claims', true)::jsonb ->> 'sub'), '')::uuid;
END $$;
CREATE TABLE pm.forms (form text PRIMARY KEY, user_expr text);
INSERT INTO pm.forms VALUES
  ('implicit', NULL),
  ('app_setting', $$current_setting('app.user_id')::uuid$$),
  ('own_setting', $$current_setting('customer_access.user_id')::uuid$$),
  ('current_claims', $$(customer_access.current_claims() ->> 'sub')::uuid$$),
  ('jwt_claims', $$(current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::uuid$$),
  ('sub_select', $$(SELECT customer_access.current_user_id())$$),
  ('sql_function', $$pm.uid()$$),
  ('plpgsql_function', $$pm_auth.uid()$$),
  ('select_plpgsql_function', $$(SELECT pm_auth.uid())$$);
CREATE TABLE pm.datings (dating text PRIMARY KEY, column_arg text, window_pred text);
INSERT INTO pm.datings VALUES
  ('date', 'doc_date', $$(g.days_back_access IS NULL OR o.doc_date >= current_date - g.days_back_access)$$),
  ('timestamptz', 'doc_ts', $$(g.days_back_access IS NULL OR o.doc_ts::date >= current_date - g.days_back_access)$$),
  ('undated', NULL, 'true');
-- The policy of a form and dating (the need is Billing, L40)
CREATE FUNCTION pm.policy_expr(form text, dating text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN f.user_expr IS NULL
              THEN format('customer_access.can_access(%s''L40'')', 'customer_id, ' || coalesce(d.column_arg || ', ', ''))
              ELSE format('customer_access.has_customer_access(%s, %s''L40'')', f.user_expr,
                          'customer_id, ' || coalesce(d.column_arg || ', ', '')) END
    FROM pm.forms f, pm.datings d WHERE f.form = $1 AND d.dating = $2
$$;

-- Index shapes. Every table has a date and a timestamptz column, both NOT NULL except in
-- the *_nullable shapes (which hold NULL dates too); each shape indexes both columns.
CREATE TABLE pm.shapes (shape text PRIMARY KEY, nullable boolean, indexes text[]);
INSERT INTO pm.shapes VALUES
  ('none', false, '{}'),
  ('customer', false, '{"(customer_id)"}'),
  ('customer_date', false, '{"(customer_id, doc_date)", "(customer_id, doc_ts)"}'),
  ('date', false, '{"(doc_date)", "(doc_ts)"}'),
  ('date_customer', false, '{"(doc_date, customer_id)", "(doc_ts, customer_id)"}'),
  ('partial', false, $${"(customer_id, doc_date) WHERE n % 2 = 0", "(customer_id) WHERE doc_date > '2000-01-01'"}$$),
  ('expression', false, '{"(customer_id, (doc_date - 0))", "((customer_id::text))"}'),
  ('brin', false, '{"USING brin (customer_id, doc_date)", "USING brin (doc_ts)"}'),
  ('hash', false, '{"USING hash (customer_id)"}'),
  ('customer_date_nullable', true, '{"(customer_id, doc_date)", "(customer_id, doc_ts)"}'),
  ('date_nullable', true, '{"(doc_date)", "(doc_ts)"}');

-- One role per form and dating, each with its policy on every table
DO $$
DECLARE f record; d record;
BEGIN
  FOR f IN SELECT form FROM pm.forms LOOP
    FOR d IN SELECT dating FROM pm.datings LOOP
      EXECUTE format('CREATE ROLE %I', 'pm_' || f.form || '_' || d.dating);
      EXECUTE format('GRANT USAGE ON SCHEMA pm, pm_auth TO %I', 'pm_' || f.form || '_' || d.dating);
      EXECUTE format('GRANT SELECT ON pm.customers TO %I', 'pm_' || f.form || '_' || d.dating);
    END LOOP;
  END LOOP;
END $$;

-- The tables: a plain one (pm.t_<shape>) and one partitioned by date (pm.p_<shape>), 3,000
-- rows each over 200 customers, dated from 500 days back to a few days ahead
DO $$
DECLARE s record; i text; tab text; n integer; f record; d record;
BEGIN
  FOR s IN SELECT * FROM pm.shapes LOOP
    FOREACH tab IN ARRAY ARRAY['t_' || s.shape, 'p_' || s.shape] LOOP
      EXECUTE format('CREATE TABLE pm.%I (id integer NOT NULL, customer_id uuid NOT NULL, doc_date date %s, doc_ts timestamptz %s, n integer NOT NULL) %s',
                     tab, CASE WHEN s.nullable THEN '' ELSE 'NOT NULL' END, CASE WHEN s.nullable THEN '' ELSE 'NOT NULL' END,
                     CASE WHEN tab LIKE 'p\_%' THEN 'PARTITION BY RANGE (doc_date)' ELSE 'WITH (autovacuum_enabled = off)' END);
      IF tab LIKE 'p\_%' THEN
        EXECUTE format('CREATE TABLE pm.%I PARTITION OF pm.%I FOR VALUES FROM (MINVALUE) TO (%L)', tab || '_old', tab, current_date - 30);
        EXECUTE format('CREATE TABLE pm.%I PARTITION OF pm.%I FOR VALUES FROM (%L) TO (MAXVALUE)', tab || '_new', tab, current_date - 30);
        EXECUTE format('CREATE TABLE pm.%I PARTITION OF pm.%I DEFAULT', tab || '_null', tab);
      END IF;
      EXECUTE format($i$INSERT INTO pm.%I
        SELECT g, pm.customer(g %% 200),
               CASE WHEN %s AND g %% 11 = 0 THEN NULL WHEN g %% 13 = 0 THEN current_date + 3 ELSE current_date - pm.days_back(g) END,
               CASE WHEN %s AND g %% 11 = 0 THEN NULL
                    ELSE (current_date - pm.days_back(g))::timestamptz + (g %% 24) * interval '1 hour' END,
               g %% 10
          FROM generate_series(1, 3000) g$i$, tab, s.nullable::text, s.nullable::text);
      n := 0;
      FOREACH i IN ARRAY s.indexes LOOP
        n := n + 1;
        EXECUTE format('CREATE INDEX %I ON pm.%I %s', tab || '_' || n, tab,
                       CASE WHEN i LIKE 'USING%' THEN i ELSE 'USING btree ' || i END);
      END LOOP;
      EXECUTE format('ANALYZE pm.%I', tab);
      EXECUTE format('ALTER TABLE pm.%I ENABLE ROW LEVEL SECURITY', tab);
      FOR f IN SELECT form FROM pm.forms LOOP
        FOR d IN SELECT dating FROM pm.datings LOOP
          EXECUTE format('CREATE POLICY %I ON pm.%I FOR SELECT TO %I USING (%s)', f.form || '_' || d.dating, tab,
                         'pm_' || f.form || '_' || d.dating, pm.policy_expr(f.form, d.dating));
          EXECUTE format('GRANT SELECT ON pm.%I TO %I', tab, 'pm_' || f.form || '_' || d.dating);
        END LOOP;
      END LOOP;
    END LOOP;
    -- The PL/pgSQL shape: a function with a static query (a cached plan)
    EXECUTE format($f$CREATE FUNCTION pm.%I() RETURNS TABLE (id integer, customer_id uuid, doc_date date) LANGUAGE plpgsql STABLE AS $b$
      BEGIN
        RETURN QUERY SELECT o.id, o.customer_id, o.doc_date FROM pm.%I o WHERE o.n < 7;
      END $b$ $f$, 'f_' || s.shape, 't_' || s.shape);
  END LOOP;
END $$;
SELECT count(*) AS tables, count(*) FILTER (WHERE relkind = 'p') AS partitioned,
       (SELECT count(*) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'pm') AS policies
  FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
 WHERE s.nspname = 'pm' AND c.relkind IN ('r', 'p') AND c.relname ~ '^[tp]_' AND NOT c.relispartition;

-- Query shapes: {T} is the plain table, {P} the partitioned one, each aliased o
CREATE TABLE pm.queries (query text PRIMARY KEY, sql text);
INSERT INTO pm.queries VALUES
  ('count', 'SELECT count(*) FROM {T} o'),
  ('rows', 'SELECT o.id, o.customer_id, o.doc_date FROM {T} o'),
  ('own_date_filter', 'SELECT o.id FROM {T} o WHERE o.doc_date >= current_date - 20 AND o.customer_id <> pm.customer(7)'),
  ('join', 'SELECT c.name, count(*) FROM {T} o JOIN pm.customers c ON c.id = o.customer_id GROUP BY c.name'),
  ('left_join', 'SELECT c.n, count(o.id) FROM pm.customers c LEFT JOIN {T} o ON o.customer_id = c.id AND o.n = 3 WHERE c.n < 40 GROUP BY c.n'),
  ('union_all', 'SELECT o.id FROM {T} o WHERE o.n = 1 UNION ALL SELECT o.id + 100000 FROM {T} o WHERE o.n = 2'),
  ('lateral', 'SELECT c.n, l.k FROM pm.customers c CROSS JOIN LATERAL (SELECT count(*) AS k, max(o.doc_date) AS m FROM {T} o WHERE o.customer_id = c.id) l WHERE c.n < 20'),
  ('exists', 'SELECT c.n FROM pm.customers c WHERE EXISTS (SELECT 1 FROM {T} o WHERE o.customer_id = c.id AND o.n = 5)'),
  ('cte_materialized', 'WITH x AS MATERIALIZED (SELECT * FROM {T} o) SELECT count(*), min(x.doc_date), max(x.doc_ts) FROM x'),
  ('cte_inlined', 'WITH x AS (SELECT * FROM {T} o) SELECT x.id FROM x WHERE x.n < 3'),
  ('partitions', 'SELECT o.id, o.doc_date FROM {P} o'),
  ('partitions_pruned', 'SELECT count(*) FROM {P} o WHERE o.doc_date >= current_date - 20'),
  ('parallel', 'SELECT count(*), sum(o.n), max(o.doc_date) FROM {T} o'),
  ('prepared_generic', 'SELECT count(*), sum(o.n) FROM {T} o WHERE o.n >= $1'),
  ('plpgsql', 'SELECT o.id, o.customer_id, o.doc_date FROM {T} o WHERE o.n < 7');

-- Gives a user as every user expression reads it (claims mode: current_user_id() is the claim)
CREATE FUNCTION pm.become(u uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('customer_access.user_id', u::text, true);
  PERFORM set_config('app.user_id', u::text, true);
  PERFORM set_config('request.jwt.claims', json_build_object('sub', u, 'role', 'portal')::text, true);
END $$;

-- A query's answer: its row count and a digest of its rows in order
CREATE FUNCTION pm.answer(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE n bigint; h text;
BEGIN
  EXECUTE format('SELECT count(*), coalesce(md5(string_agg(x::text, %L ORDER BY x::text)), %L) FROM (%s) x', ';', '-', query) INTO n, h;
  RETURN n || ' ' || h;
END $$;

CREATE TABLE pm.results (shape text, query text, username text, form text, dating text, expected text, got text);
CREATE FUNCTION pm.run_matrix() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s record; q record; u record; f record; d record;
  other uuid; reference text; sql text; expected text; got text; c bigint; t bigint;
BEGIN
  FOR s IN SELECT shape FROM pm.shapes ORDER BY shape LOOP
    FOR q IN SELECT * FROM pm.queries ORDER BY query LOOP
      FOR u IN SELECT * FROM pm.users ORDER BY name LOOP
        other := (SELECT id FROM pm.users WHERE name = CASE u.name WHEN 'few' THEN 'most' ELSE 'few' END);
        FOR d IN SELECT * FROM pm.datings ORDER BY dating LOOP
          -- The reference: no policy (superuser), the hand-written predicate
          reference := format($r$(SELECT o.* FROM pm.%I o WHERE EXISTS (SELECT 1 FROM customer_access.external_access g
                                WHERE g.user_id = %L AND g.customer_id = o.customer_id AND g.role >= 'L40' AND %s))$r$,
                              '%s', u.id, d.window_pred);
          sql := replace(replace(q.sql, '{T}', format(reference, 't_' || s.shape)), '{P}', format(reference, 'p_' || s.shape));
          IF q.query = 'prepared_generic' THEN
            sql := replace(sql, '$1', '0');
          END IF;
          expected := pm.answer(sql);
          FOR f IN SELECT form FROM pm.forms ORDER BY form LOOP
            BEGIN
              sql := replace(replace(q.sql, '{T}', 'pm.t_' || s.shape), '{P}', 'pm.p_' || s.shape);
              PERFORM set_config('role', 'pm_' || f.form || '_' || d.dating, true);
              IF q.query = 'prepared_generic' THEN
                -- a generic plan made for another user, then executed for this one
                SET LOCAL plan_cache_mode = force_generic_plan;
                DEALLOCATE ALL;
                EXECUTE format('PREPARE pm_q(integer) AS %s', sql);
                PERFORM pm.become(other);
                EXECUTE 'EXECUTE pm_q(0)' INTO c, t;
                PERFORM pm.become(u.id);
                EXECUTE 'EXECUTE pm_q(0)' INTO c, t;
                got := pm.answer(format('SELECT %s::bigint, %s::bigint', c, coalesce(t::text, 'NULL')));
                DEALLOCATE pm_q;
                RESET plan_cache_mode;
              ELSIF q.query = 'plpgsql' THEN
                SET LOCAL plan_cache_mode = force_generic_plan;
                PERFORM pm.become(other);
                EXECUTE format('SELECT count(*) FROM pm.%I()', 'f_' || s.shape) INTO c;
                PERFORM pm.become(u.id);
                got := pm.answer(format('SELECT * FROM pm.%I()', 'f_' || s.shape));
                RESET plan_cache_mode;
              ELSIF q.query = 'parallel' THEN
                -- parallel workers run the checks (parallel_leader_participation off: only they do)
                SET LOCAL parallel_setup_cost = 0;
                SET LOCAL parallel_tuple_cost = 0;
                SET LOCAL min_parallel_table_scan_size = 0;
                SET LOCAL max_parallel_workers_per_gather = 1;
                SET LOCAL parallel_leader_participation = off;
                PERFORM pm.become(u.id);
                got := pm.answer(sql);
                SET LOCAL max_parallel_workers_per_gather = 0;
                RESET parallel_leader_participation;
              ELSE
                PERFORM pm.become(u.id);
                got := pm.answer(sql);
              END IF;
              PERFORM set_config('role', 'none', true);
            EXCEPTION WHEN OTHERS THEN
              got := 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
            END;
            INSERT INTO pm.results VALUES (s.shape, q.query, u.name, f.form, d.dating, expected, got);
          END LOOP;
        END LOOP;
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

SELECT pm.run_matrix();
-- The matrix's size: shapes x queries x users x forms x datings
SELECT count(*) AS cases,
       count(DISTINCT shape) AS index_shapes, count(DISTINCT query) AS query_shapes, count(DISTINCT username) AS users,
       count(DISTINCT form) AS forms, count(DISTINCT dating) AS datings,
       count(*) FILTER (WHERE got <> expected) AS differences,
       count(*) FILTER (WHERE got LIKE 'ERROR%') AS errors
  FROM pm.results;
-- Every case that differs (none)
SELECT shape, query, username, form, dating, expected, got FROM pm.results WHERE got <> expected
 ORDER BY 1, 2, 3, 4, 5 LIMIT 50;
-- The cases are not trivial: the few-customer and most-customer users see rows
SELECT username, count(*) FILTER (WHERE expected !~ '^0 ') AS cases_with_rows, count(*) AS cases
  FROM pm.results GROUP BY username ORDER BY username;

-- The rewrites were exercised: for the few-customer user, with an index on (customer, date),
-- every form's count has the customer index condition, and the dated NOT NULL date forms the
-- date bound; with a nullable date, no date bound
CREATE FUNCTION pm.plan_of(role text, query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; plan text := '';
BEGIN
  PERFORM pm.become('a9000000-0000-0000-0000-000000000001');
  PERFORM set_config('role', role, true);
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    plan := plan || line || E'\n';
  END LOOP;
  PERFORM set_config('role', 'none', true);
  RETURN plan;
END $$;
BEGIN;
SELECT f.form, d.dating,
       pm.plan_of('pm_' || f.form || '_' || d.dating, 'SELECT count(*) FROM pm.t_customer_date o') ~ 'accessible_customer_ids' AS customer_condition,
       pm.plan_of('pm_' || f.form || '_' || d.dating, 'SELECT count(*) FROM pm.t_customer_date o') ~ 'doc_date >= (\$|\(InitPlan)' AS date_bound,
       pm.plan_of('pm_' || f.form || '_' || d.dating, 'SELECT count(*) FROM pm.t_customer_date_nullable o') ~ 'doc_date >= (\$|\(InitPlan)' AS date_bound_on_nullable
  FROM pm.forms f, pm.datings d ORDER BY 1, 2;
-- and the parallel shape's workers run the checks
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT pm.plan_of('pm_implicit_date', 'SELECT count(*), sum(o.n), max(o.doc_date) FROM pm.t_none o') ~ 'Gather' AS parallel_plan;
COMMIT;

-- Clean up
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'pm\_%' LOOP
    EXECUTE format('DROP OWNED BY %I', r.rolname);
    EXECUTE format('DROP ROLE %I', r.rolname);
  END LOOP;
END $$;
DROP SCHEMA pm, pm_auth CASCADE;
SET customer_access.allow_owner_revoke = on;
DELETE FROM customer_access.external_access WHERE user_id::text LIKE 'a9000000-%';
RESET customer_access.allow_owner_revoke;

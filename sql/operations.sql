-- Operations (1.2): counters, history retention, the history by customer and user, roles for
-- everyone, DROP EXTENSION refused while it holds grants.
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SET search_path = customer_access, public;
CREATE ROLE ca_ops_plain;

-- roles is readable by PUBLIC
SET ROLE ca_ops_plain;
SELECT count(*) AS roles_for_everyone FROM customer_access.roles;
RESET ROLE;

-- cache_stats(): this backend's counters
INSERT INTO external_access (customer_id, user_id, role, days_back_access)
SELECT ('c7000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, 'a7000000-0000-0000-0000-000000000001', 'L20', NULL
  FROM generate_series(1, 100) n;
CREATE TEMP TABLE ops_before AS SELECT * FROM cache_stats();
SELECT count(*) FILTER (WHERE has_customer_access('a7000000-0000-0000-0000-000000000001',
                        ('c7000000-0000-0000-0000-' || lpad((n % 200)::text, 12, '0'))::uuid, 'L10')) AS visible
  FROM generate_series(1, 1000) n;
SELECT s.calls - b.calls AS calls, s.cache_hits - b.cache_hits AS cache_hits,
       s.index_lookups - b.index_lookups AS index_lookups, s.bulk_loads - b.bulk_loads AS bulk_loads,
       s.peak_bytes > 0 AS has_peak
  FROM cache_stats() s, ops_before b;
SELECT has_function_privilege('public', 'customer_access.cache_stats()', 'EXECUTE') AS cache_stats_public;

-- One cache per statement: four call sites checking the same 5 pairs read each pair once
CREATE TEMP TABLE ops_before4 AS SELECT * FROM cache_stats();
SELECT count(*) FILTER (WHERE has_customer_access('a7000000-0000-0000-0000-000000000001', c, 'L10')) AS first,
       count(*) FILTER (WHERE has_customer_access('a7000000-0000-0000-0000-000000000001', c, 'L20')) AS second,
       count(*) FILTER (WHERE has_customer_access('a7000000-0000-0000-0000-000000000001', c, current_date, 'L20')) AS third,
       count(*) FILTER (WHERE NOT has_customer_access('a7000000-0000-0000-0000-000000000001', c, 'L30')) AS fourth
  FROM (SELECT ('c7000000-0000-0000-0000-' || lpad((n % 5 + 98)::text, 12, '0'))::uuid AS c
          FROM generate_series(1, 40) n) pairs;
SELECT s.calls - b.calls AS calls, s.index_lookups - b.index_lookups AS index_lookups_for_5_pairs,
       s.bulk_loads - b.bulk_loads AS bulk_loads
  FROM cache_stats() s, ops_before4 b;

-- purge_history(before): superuser-only retention, recorded as one entry
SELECT count(*) > 0 AS history_exists FROM external_access_history;
SET ROLE ca_ops_plain;
SELECT pg_temp.try($$SELECT customer_access.purge_history(now())$$) AS as_plain_role;
RESET ROLE;
GRANT EXECUTE ON FUNCTION customer_access.purge_history(timestamptz) TO ca_ops_plain;
SET ROLE ca_ops_plain;
SELECT pg_temp.try($$SELECT customer_access.purge_history(now())$$) AS even_with_execute;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION customer_access.purge_history(timestamptz) FROM ca_ops_plain;
SELECT pg_temp.try($$SELECT customer_access.purge_history(NULL)$$) AS null_before;
SELECT purge_history('-infinity') AS nothing_older;
SELECT count(*) AS entries_before_purge FROM external_access_history \gset
SELECT purge_history('infinity') = :entries_before_purge AS purged_all;
SELECT operation, new_row ->> 'purged' = :'entries_before_purge' AS counts_purged, new_row ->> 'before' AS before,
       session_user_name = session_user AS by_whom, access_id IS NULL AS no_grant
  FROM external_access_history ORDER BY history_id;
-- purge_history deletes only entries older than `before`: a cascade or trigger that reaches
-- further makes the whole purge fail
INSERT INTO external_access (customer_id, user_id) VALUES ('c7000000-0000-0000-0000-000000000099', 'a7000000-0000-0000-0000-000000000099');
CREATE TABLE public.ops_ref (h bigint REFERENCES customer_access.external_access_history (history_id) ON DELETE CASCADE);
INSERT INTO public.ops_ref SELECT min(history_id) FROM external_access_history;
CREATE FUNCTION public.ops_wipe() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM customer_access.external_access_history; RETURN OLD; END $$;
CREATE TRIGGER ops_wipe AFTER DELETE ON public.ops_ref FOR EACH ROW EXECUTE FUNCTION public.ops_wipe();
SELECT count(*) AS entries_before FROM external_access_history \gset
SELECT pg_temp.try($$SELECT customer_access.purge_history((SELECT min(changed_at) FROM customer_access.external_access_history) + interval '1 microsecond')$$) AS purge_reaching_further;
SELECT count(*) = :entries_before AS nothing_purged FROM external_access_history;
DROP TABLE public.ops_ref;
DROP FUNCTION public.ops_wipe();
-- still append-only for everyone else
SELECT pg_temp.try($$DELETE FROM customer_access.external_access_history$$) AS delete_refused;
SELECT pg_temp.try($$TRUNCATE customer_access.external_access_history$$) AS truncate_refused;

-- The history of a customer and of a user through their indexes
UPDATE external_access SET notes = 'seen' WHERE customer_id = 'c7000000-0000-0000-0000-000000000007';
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM external_access_history
 WHERE (coalesce(new_row, old_row) ->> 'customer_id')::uuid = 'c7000000-0000-0000-0000-000000000007' ORDER BY history_id;
SELECT operation, new_row ->> 'notes' AS notes FROM external_access_history
 WHERE (coalesce(new_row, old_row) ->> 'customer_id')::uuid = 'c7000000-0000-0000-0000-000000000007' ORDER BY history_id;
EXPLAIN (COSTS OFF) SELECT count(*) FROM external_access_history
 WHERE (coalesce(new_row, old_row) ->> 'user_id')::uuid = 'a7000000-0000-0000-0000-000000000001';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- Loading saved rows back (what pg_restore and a plain dump do: a superuser's COPY with
-- row_security and check_function_bodies off) keeps object_version and adds no history entry;
-- any other COPY or INSERT is an ordinary, recorded insert
SELECT count(*) AS history_before_copies FROM external_access_history \gset
BEGIN;
SET LOCAL row_security = off;
SET LOCAL check_function_bodies = off;
COPY external_access (id, customer_id, user_id, role, days_back_access, notes, object_version) FROM stdin;
07000000-0000-4000-8000-000000000001	c7000000-0000-0000-0000-000000000001	a7000000-0000-0000-0000-000000000002	L40	\N	restored	7
\.
COMMIT;
COPY external_access (id, customer_id, user_id, role, days_back_access, notes, object_version) FROM stdin;
07000000-0000-4000-8000-000000000002	c7000000-0000-0000-0000-000000000002	a7000000-0000-0000-0000-000000000002	L40	\N	copied	7
\.
SELECT notes, object_version FROM external_access WHERE user_id = 'a7000000-0000-0000-0000-000000000002' ORDER BY notes;
SELECT count(*) - :history_before_copies AS history_entries_added,
       (SELECT string_agg(new_row ->> 'notes', ', ') FROM external_access_history
         WHERE access_id IN ('07000000-0000-4000-8000-000000000001', '07000000-0000-4000-8000-000000000002')) AS recorded
  FROM external_access_history;
-- nor a superuser's function that inserts, called from a COPY of a query
CREATE FUNCTION public.ops_admin_add() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
  INSERT INTO customer_access.external_access (id, customer_id, user_id, object_version)
  VALUES ('07000000-0000-4000-8000-000000000009', 'c7000000-0000-0000-0000-000000000009', 'a7000000-0000-0000-0000-000000000002', 777);
  SELECT 1 $$;
BEGIN;
SET LOCAL row_security = off;
SET LOCAL check_function_bodies = off;
COPY (SELECT public.ops_admin_add()) TO stdout;
COMMIT;
SELECT object_version, (SELECT count(*) FROM external_access_history WHERE access_id = '07000000-0000-4000-8000-000000000009') AS recorded
  FROM external_access WHERE id = '07000000-0000-4000-8000-000000000009';
DROP FUNCTION public.ops_admin_add();
-- a role with INSERT on the grants cannot use that path
CREATE ROLE ca_ops_copier;
GRANT INSERT, SELECT ON external_access TO ca_ops_copier;
SET ROLE ca_ops_copier;
SET row_security = off;
SET check_function_bodies = off;
COPY customer_access.external_access (id, customer_id, user_id, notes, object_version) FROM stdin;
07000000-0000-4000-8000-000000000003	c7000000-0000-0000-0000-000000000003	a7000000-0000-0000-0000-000000000002	by a plain role	7
\.
RESET ROLE;
RESET row_security;
RESET check_function_bodies;
REVOKE ALL ON external_access FROM ca_ops_copier;
DROP ROLE ca_ops_copier;

-- table_extras: the user's constraints and indexes, recorded for dump and restore; a row is
-- only ever re-created as one ALTER TABLE ... ADD CONSTRAINT (FOREIGN KEY or CHECK) or one
-- CREATE INDEX on the extension's table, never as other SQL
ALTER TABLE external_access ADD CONSTRAINT ops_notes_check CHECK (length(notes) < 500);
CREATE INDEX ops_notes_idx ON external_access (notes);
SELECT relation, name, kind, definition FROM table_extras ORDER BY name;
INSERT INTO table_extras (relation, name, kind, definition, created_in) VALUES
  ('external_access', 'ops_smuggled', 'constraint', 'CHECK (true); CREATE TABLE public.ops_smuggled (a int)', 1),
  ('external_access', 'ops_other_sql', 'index', 'DROP TABLE public.nothing', 1),
  ('external_access', 'ops_two_commands', 'constraint', 'CHECK (true), DROP CONSTRAINT external_access_days_back_access_check', 1),
  ('external_access', 'ops_elsewhere', 'index', 'CREATE INDEX ops_elsewhere ON public.ops_target USING btree (a) WHERE ('' ON customer_access.external_access '' IS NOT NULL)', 1);
CREATE TABLE public.ops_target (a int);
CREATE INDEX ops_target_idx ON public.ops_target (a);  -- DDL: a moment to re-create rows
SELECT to_regclass('public.ops_smuggled') IS NULL AS nothing_smuggled,
       (SELECT count(*) FROM pg_constraint WHERE conname IN ('ops_smuggled', 'ops_two_commands')) AS constraints_made,
       (SELECT count(*) FROM pg_constraint WHERE conname = 'external_access_days_back_access_check') AS own_check_kept,
       to_regclass('public.ops_elsewhere') IS NULL AS no_index_elsewhere;
DELETE FROM table_extras WHERE name IN ('ops_smuggled', 'ops_other_sql', 'ops_two_commands', 'ops_elsewhere');
DROP TABLE public.ops_target;
ALTER TABLE external_access DROP CONSTRAINT ops_notes_check;
DROP INDEX customer_access.ops_notes_idx;
SELECT name AS recorded_after_drops FROM table_extras ORDER BY name;

-- Scale-out without Citus: distribute() says what is missing; its C step, the secret and the
-- carrier are no way in for anyone
SELECT pg_temp.try($$SELECT customer_access.distribute()$$) AS no_citus_here;
SELECT has_function_privilege('public', 'customer_access.distribute()', 'EXECUTE') AS distribute_public,
       has_function_privilege('public', 'customer_access.make_reference_table(regclass)', 'EXECUTE') AS make_reference_public;
SELECT pg_temp.try($$SELECT customer_access.make_reference_table('customer_access.login_users')$$) AS other_table;
GRANT EXECUTE ON FUNCTION customer_access.distribute(), customer_access.make_reference_table(regclass) TO ca_ops_plain;
SET ROLE ca_ops_plain;
SELECT pg_temp.try($$SELECT customer_access.distribute()$$) AS plain_distribute;
SELECT pg_temp.try($$SELECT customer_access.make_reference_table('customer_access.external_access')$$) AS plain_make_reference;
SELECT pg_temp.try($$SHOW customer_access.cluster_secret$$)
       LIKE '42501: %to examine "customer_access.cluster_secret"%' AS secret_hidden;
SELECT count(*) AS secret_not_listed FROM pg_settings WHERE name = 'customer_access.cluster_secret';
SELECT pg_temp.try($$SET customer_access.cluster_secret = 'x'$$) AS secret_not_settable;
BEGIN;
SET LOCAL customer_access.carrier = 'ca1.1.1.u.a7000000000000000000000000000001..00';
SELECT customer_access.current_user_id() IS NULL AS carrier_is_no_identity,
       customer_access.can_access('c7000000-0000-0000-0000-000000000001', 'L10') AS carrier_grants_nothing;
COMMIT;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION customer_access.distribute(), customer_access.make_reference_table(regclass) FROM ca_ops_plain;
SET customer_access.allow_owner_revoke = on;
SELECT pg_temp.try($$SELECT customer_access.distribute()$$) AS no_citus_even_with_exit;
RESET customer_access.allow_owner_revoke;

-- DROP EXTENSION is refused while grants or history hold rows, unless the exit is on
SELECT pg_temp.try($$DROP EXTENSION customer_access$$) AS drop_refused;
SELECT pg_temp.try($$DROP EXTENSION customer_access CASCADE$$) AS cascade_refused;
SELECT pg_temp.try($$DROP SCHEMA customer_access CASCADE$$) AS schema_cascade_refused;
SELECT count(*) AS still_installed FROM pg_extension WHERE extname = 'customer_access';

SET customer_access.allow_owner_revoke = on;
DELETE FROM external_access WHERE user_id IN ('a7000000-0000-0000-0000-000000000001', 'a7000000-0000-0000-0000-000000000002',
                                             'a7000000-0000-0000-0000-000000000099');
RESET customer_access.allow_owner_revoke;
DROP ROLE ca_ops_plain;

-- Tamper resistance (1.2): every attack class of issue 10, tried as the role an attacker would be.
\set ECHO none
\i test/sql/try.sql
\set ECHO all

-- Setup: attacker roles, a schema they may create in, three grants of our own customer
CREATE ROLE sec_plain LOGIN;
CREATE ROLE sec_trigger LOGIN;
CREATE ROLE sec_dml LOGIN;
CREATE ROLE sec_owner LOGIN;
GRANT TRIGGER ON customer_access.external_access TO sec_trigger;
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_access.external_access TO sec_dml;
CREATE SCHEMA sec_attack;
GRANT USAGE, CREATE ON SCHEMA sec_attack TO sec_plain, sec_trigger, sec_owner;
CREATE FUNCTION sec_attack.keep_new() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN RETURN NEW; END $f$;
INSERT INTO customer_access.external_access (id, customer_id, user_id, role, days_back_access, notes) VALUES
  ('05ec0000-0000-0000-0000-0000000000a1', 'c5ec0000-0000-0000-0000-000000000001', 'a5ec0000-0000-0000-0000-00000000000a', 'L90', NULL, 'sec: owner'),
  ('05ec0000-0000-0000-0000-0000000000a2', 'c5ec0000-0000-0000-0000-000000000001', 'a5ec0000-0000-0000-0000-00000000000b', 'L90', 60, 'sec: owner, 60 days'),
  ('05ec0000-0000-0000-0000-0000000000a3', 'c5ec0000-0000-0000-0000-000000000001', 'a5ec0000-0000-0000-0000-00000000000c', 'L80', 0, 'sec: admin, today only');
SELECT count(*) AS sec_grant_history FROM customer_access.external_access_history
 WHERE access_id::text LIKE '05ec0000-%' \gset
-- Catalog state the fingerprint does not cover: persistence, replica identity, owners, rules, inheritance, opfamilies
CREATE FUNCTION pg_temp.sec_state() RETURNS text LANGUAGE sql AS $f$
  SELECT md5(concat_ws('|',
    (SELECT string_agg(c.relname || ':' || c.relpersistence::text || c.relreplident::text || ':' || pg_get_userbyid(c.relowner), ',' ORDER BY c.relname)
       FROM pg_class c WHERE c.relnamespace = 'customer_access'::regnamespace),
    (SELECT count(*) FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = 'customer_access'::regnamespace),
    (SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent WHERE c.relnamespace = 'customer_access'::regnamespace),
    (SELECT pg_get_userbyid(typowner) FROM pg_type WHERE oid = 'customer_access.access_role'::regtype),
    (SELECT count(*) FROM pg_amproc a JOIN pg_opfamily f ON f.oid = a.amprocfamily WHERE f.opfnamespace = 'customer_access'::regnamespace))) $f$;

-- 1. Least privilege: PUBLIC executes only the documented interface
SELECT p.oid::regprocedure AS public_executable FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e' JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_access' WHERE has_function_privilege('public', p.oid, 'EXECUTE') ORDER BY 1::text;
SELECT f AS internal_function, to_regprocedure(f) IS NOT NULL AS installed,
       coalesce(has_function_privilege('public', to_regprocedure(f), 'EXECUTE'), false) AS public_can_execute
  FROM unnest(ARRAY['customer_access.protect_owner()', 'customer_access.record_change()', 'customer_access.stamp_object_version()',
                    'customer_access.forbid_history_change()', 'customer_access.next_history_id()',
                    'customer_access.access_check_support(internal)']) AS f ORDER BY f;
SELECT count(*) > 0 AS has_trigger_functions,
       count(*) FILTER (WHERE has_function_privilege('public', p.oid, 'EXECUTE')) AS public_executable_trigger_functions
  FROM pg_proc p WHERE p.pronamespace = 'customer_access'::regnamespace AND p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype);
SELECT count(*) AS test_aids_installed FROM pg_proc WHERE proname = 'cpp_boundary_selftest';

-- 2. A plain login role: a cast to json that would make it superuser, and its own TEMP tables
SET SESSION AUTHORIZATION sec_plain;
CREATE TYPE sec_attack.evil AS ENUM ('boom');
CREATE FUNCTION sec_attack.escalate() RETURNS void LANGUAGE plpgsql AS $f$BEGIN ALTER ROLE sec_plain SUPERUSER; END $f$;
CREATE FUNCTION sec_attack.evil_json(sec_attack.evil) RETURNS json IMMUTABLE LANGUAGE plpgsql
  AS $f$BEGIN PERFORM sec_attack.escalate(); RETURN '"boom"'; END $f$;
CREATE CAST (sec_attack.evil AS json) WITH FUNCTION sec_attack.evil_json(sec_attack.evil);
-- the payload is live, but powerless under its own rights (the wording is PostgreSQL's own,
-- which changed in 16)
SELECT pg_temp.try($$SELECT 'boom'::sec_attack.evil::json$$) LIKE '42501: %alter%role%' AS payload_powerless;
CREATE TEMP TABLE sec_plain_look (id uuid, customer_id uuid, user_id uuid, role customer_access.access_role, days_back_access integer,
  notes text, object_version integer, payload sec_attack.evil DEFAULT 'boom');
INSERT INTO sec_plain_look (id, customer_id, user_id, role, days_back_access, notes, object_version)
  VALUES ('05ec0000-0000-0000-0000-0000000000a1', 'c5ec0000-0000-0000-0000-000000000001', 'a5ec0000-0000-0000-0000-00000000000a', 'L90', NULL, 'forged', 0);
CREATE TEMP TABLE sec_plain_int (id integer);
CREATE TEMP TABLE sec_plain_parted (id integer) PARTITION BY RANGE (id);
CREATE TEMP TABLE sec_plain_parted_1 PARTITION OF sec_plain_parted FOR VALUES FROM (0) TO (100);
INSERT INTO sec_plain_int VALUES (1);
INSERT INTO sec_plain_parted VALUES (1);
SELECT fn, tbl, pg_temp.try(format('CREATE TRIGGER sec_%s %s ON %s FOR EACH %s EXECUTE FUNCTION customer_access.%s()', fn, ev, tbl, per, fn)) AS outcome
  FROM (VALUES (1, 'record_change', 'AFTER INSERT OR UPDATE OR DELETE', 'sec_plain_look', 'ROW'),
               (2, 'record_change', 'AFTER INSERT OR UPDATE', 'sec_plain_int', 'ROW'),
               (3, 'protect_owner', 'BEFORE UPDATE OR DELETE', 'sec_plain_look', 'ROW'),
               (4, 'protect_owner', 'BEFORE TRUNCATE', 'sec_plain_parted', 'STATEMENT'),
               (5, 'stamp_object_version', 'BEFORE UPDATE', 'sec_plain_look', 'ROW'),
               (6, 'forbid_history_change', 'BEFORE TRUNCATE', 'sec_plain_look', 'STATEMENT')) AS t(n, fn, ev, tbl, per)
 ORDER BY n;
UPDATE sec_plain_look SET notes = 'fired';
UPDATE sec_plain_int SET id = 2;
TRUNCATE sec_plain_parted;
SELECT pg_temp.try($$SELECT customer_access.record_change()$$);
SELECT pg_temp.try($$SELECT customer_access.next_history_id()$$);
RESET SESSION AUTHORIZATION;
SELECT 1 AS still_up;
SELECT rolsuper FROM pg_roles WHERE rolname = 'sec_plain';
DROP TABLE sec_plain_look, sec_plain_int, sec_plain_parted;

-- 3. A superuser attaches the trigger functions to other tables: each refuses cleanly, no history, no crash
CREATE FUNCTION pg_temp.misuse(tbl text, fn text, ev text, per text, fire text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE outcome text; history_before bigint; history_after bigint;
BEGIN
  SELECT count(*) INTO history_before FROM customer_access.external_access_history;
  BEGIN
    outcome := pg_temp.try(format('CREATE TRIGGER sec_misuse %s ON %s FOR EACH %s EXECUTE FUNCTION customer_access.%s()', ev, tbl, per, fn));
    outcome := CASE WHEN outcome = 'ok' THEN pg_temp.try(format(fire, tbl)) ELSE 'CREATE TRIGGER: ' || outcome END;
    SELECT count(*) INTO history_after FROM customer_access.external_access_history;
    RAISE SQLSTATE 'SECUN';  -- undo the trigger and whatever the statement did
  EXCEPTION WHEN SQLSTATE 'SECUN' THEN NULL;
  END;
  RETURN outcome || CASE WHEN history_after <> history_before THEN ' | HISTORY WRITTEN' ELSE '' END;
END $f$;
CREATE TEMP TABLE sec_int (id integer);
INSERT INTO sec_int VALUES (1);
CREATE TEMP TABLE sec_parted (LIKE customer_access.external_access) PARTITION BY LIST (customer_id);
CREATE TEMP TABLE sec_parted_rest PARTITION OF sec_parted DEFAULT;
CREATE TEMP TABLE sec_look (LIKE customer_access.external_access);
INSERT INTO sec_parted SELECT * FROM customer_access.external_access WHERE customer_id = 'c5ec0000-0000-0000-0000-000000000001';
INSERT INTO sec_look SELECT * FROM customer_access.external_access WHERE customer_id = 'c5ec0000-0000-0000-0000-000000000001';
SELECT count(*) AS sec_history_before FROM customer_access.external_access_history \gset
SELECT tbl, fn, fired, pg_temp.misuse(tbl, fn, ev, per, fire) AS outcome
  FROM (VALUES (1, 'sec_int'), (2, 'sec_parted'), (3, 'sec_look')) AS tables(tn, tbl),
       (VALUES (1, 'record_change', 'AFTER INSERT OR UPDATE OR DELETE', 'ROW', 'INSERT', 'INSERT INTO %1$s SELECT * FROM %1$s'),
               (2, 'record_change', 'AFTER INSERT OR UPDATE OR DELETE', 'ROW', 'UPDATE', 'UPDATE %s SET id = id'),
               (3, 'record_change', 'AFTER INSERT OR UPDATE OR DELETE', 'ROW', 'DELETE', 'DELETE FROM %s'),
               (4, 'protect_owner', 'BEFORE UPDATE OR DELETE', 'ROW', 'DELETE', 'DELETE FROM %s'),
               (5, 'protect_owner', 'BEFORE TRUNCATE', 'STATEMENT', 'TRUNCATE', 'TRUNCATE %s'),
               (6, 'stamp_object_version', 'BEFORE INSERT OR UPDATE', 'ROW', 'UPDATE', 'UPDATE %s SET id = id'),
               (7, 'forbid_history_change', 'BEFORE UPDATE OR DELETE', 'ROW', 'DELETE', 'DELETE FROM %s'),
               (8, 'forbid_history_change', 'BEFORE TRUNCATE', 'STATEMENT', 'TRUNCATE', 'TRUNCATE %s')) AS cases(cn, fn, ev, per, fired, fire)
 ORDER BY tn, cn;
SELECT 1 AS still_up;
SELECT count(*) - :sec_history_before AS history_rows_added FROM customer_access.external_access_history;
DROP TABLE sec_int, sec_parted, sec_look;

-- 4. TRIGGER privilege alone: no trigger of its own; one added anyway cannot downgrade an Owner
SET ROLE sec_trigger;
CREATE FUNCTION sec_attack.downgrade() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN NEW.role := 'L10'; RETURN NEW; END $f$;
SELECT pg_temp.try($$CREATE TRIGGER zz_downgrade BEFORE UPDATE ON customer_access.external_access FOR EACH ROW EXECUTE FUNCTION sec_attack.downgrade()$$);
RESET ROLE;
SET customer_access.allow_owner_revoke = on;
CREATE TRIGGER zz_downgrade BEFORE UPDATE ON customer_access.external_access FOR EACH ROW EXECUTE FUNCTION sec_attack.downgrade();
RESET customer_access.allow_owner_revoke;
BEGIN;
SET LOCAL customer_access.user_id = 'a5ec0000-0000-0000-0000-00000000000a';
SET LOCAL ROLE sec_dml;
SELECT count(*) AS grants_sec_dml_sees FROM customer_access.external_access WHERE customer_id = 'c5ec0000-0000-0000-0000-000000000001';
SELECT pg_temp.try($$UPDATE customer_access.external_access SET notes = 'sec: renamed' WHERE id = '05ec0000-0000-0000-0000-0000000000a1'$$);
COMMIT;
SELECT pg_temp.try($$UPDATE customer_access.external_access SET notes = 'sec: renamed' WHERE id = '05ec0000-0000-0000-0000-0000000000a1'$$) AS as_superuser;
SELECT role, notes FROM customer_access.external_access WHERE id = '05ec0000-0000-0000-0000-0000000000a1';
SET customer_access.allow_owner_revoke = on;
DROP TRIGGER zz_downgrade ON customer_access.external_access;
RESET customer_access.allow_owner_revoke;

-- 5. A non-superuser table owner: ownership moves only through the superuser exit
SELECT tableowner AS sec_original_owner FROM pg_tables WHERE schemaname = 'customer_access' AND tablename = 'external_access' \gset
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access OWNER TO sec_owner$$) AS without_exit;
SET customer_access.allow_owner_revoke = on;
ALTER TABLE customer_access.external_access OWNER TO sec_owner;
ALTER TABLE customer_access.external_access_history OWNER TO sec_owner;
RESET customer_access.allow_owner_revoke;
SELECT tablename, tableowner = 'sec_owner' AS owned_by_sec_owner FROM pg_tables WHERE schemaname = 'customer_access' ORDER BY 1;
\set ECHO none
\i test/sql/fingerprint.sql
\set ECHO all
\set sec_fp :fingerprint
SELECT pg_temp.sec_state() AS sec_st \gset
CREATE TEMP TABLE sec_ddl (n integer, stmt text);
GRANT SELECT ON sec_ddl TO PUBLIC;
INSERT INTO sec_ddl VALUES
  (1, $$DROP POLICY own_or_managed_grants ON customer_access.external_access$$),
  (2, $$ALTER POLICY own_or_managed_grants ON customer_access.external_access USING (true)$$),
  (3, $$CREATE POLICY sec_see_all ON customer_access.external_access FOR SELECT USING (true)$$),
  (4, $$ALTER TABLE customer_access.external_access DISABLE ROW LEVEL SECURITY$$),
  (5, $$ALTER TABLE customer_access.external_access ALTER COLUMN role TYPE integer USING 10$$),
  (6, $$ALTER TABLE customer_access.external_access ALTER COLUMN user_id TYPE text$$),
  (7, $$ALTER TABLE customer_access.external_access ALTER COLUMN notes TYPE varchar(1) USING 'x'$$),
  (8, $$ALTER TABLE customer_access.external_access ALTER COLUMN role SET DEFAULT 'L90'$$),
  (9, $$ALTER TABLE customer_access.external_access DROP COLUMN notes$$),
  (10, $$ALTER TABLE customer_access.external_access ADD COLUMN x integer$$),
  (11, $$ALTER TABLE customer_access.external_access RENAME COLUMN role TO r$$),
  (12, $$ALTER TABLE customer_access.external_access RENAME TO sec_x$$),
  (13, $$ALTER TABLE customer_access.external_access SET SCHEMA sec_attack$$),
  (14, $$ALTER TABLE customer_access.external_access SET UNLOGGED$$),
  (15, $$ALTER TRIGGER protect_owner ON customer_access.external_access RENAME TO sec_x$$),
  (16, $$ALTER TABLE customer_access.external_access DISABLE TRIGGER protect_owner$$),
  (17, $$ALTER TABLE customer_access.external_access DISABLE TRIGGER ALL$$),
  (18, $$ALTER TABLE customer_access.external_access DISABLE TRIGGER USER$$),
  (19, $$ALTER TABLE customer_access.external_access ENABLE REPLICA TRIGGER protect_owner$$),
  (20, $$DROP TRIGGER protect_owner ON customer_access.external_access$$),
  (21, $$CREATE RULE sec_rule AS ON DELETE TO customer_access.external_access DO INSTEAD NOTHING$$),
  (22, $$CREATE TRIGGER sec_trg BEFORE UPDATE ON customer_access.external_access FOR EACH ROW EXECUTE FUNCTION sec_attack.keep_new()$$),
  (23, $$ALTER TABLE customer_access.external_access OWNER TO sec_plain$$),
  (24, $$CREATE TABLE sec_attack.sec_child () INHERITS (customer_access.external_access)$$),
  (25, $$DROP INDEX customer_access.external_access_customer_idx$$),
  (26, $$ALTER TABLE customer_access.external_access DROP CONSTRAINT external_access_user_customer_key$$),
  (27, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT sec_x UNIQUE (customer_id, user_id)$$),
  (28, $$ALTER TABLE customer_access.external_access REPLICA IDENTITY FULL$$),
  (31, $$ALTER TABLE customer_access.external_access_history ALTER COLUMN old_row TYPE text$$),
  (32, $$ALTER TABLE customer_access.external_access_history DROP COLUMN owner_override$$),
  (33, $$ALTER TABLE customer_access.external_access_history ADD COLUMN x integer$$),
  (34, $$ALTER TABLE customer_access.external_access_history RENAME COLUMN operation TO op$$),
  (35, $$ALTER TABLE customer_access.external_access_history RENAME TO sec_x$$),
  (36, $$ALTER TABLE customer_access.external_access_history SET SCHEMA sec_attack$$),
  (37, $$ALTER TABLE customer_access.external_access_history SET UNLOGGED$$),
  (38, $$ALTER TRIGGER append_only ON customer_access.external_access_history RENAME TO sec_x$$),
  (39, $$ALTER TABLE customer_access.external_access_history DISABLE TRIGGER append_only$$),
  (40, $$DROP TRIGGER append_only_truncate ON customer_access.external_access_history$$),
  (41, $$CREATE RULE sec_rule AS ON INSERT TO customer_access.external_access_history DO INSTEAD NOTHING$$),
  (42, $$CREATE TRIGGER sec_trg BEFORE INSERT ON customer_access.external_access_history FOR EACH ROW EXECUTE FUNCTION sec_attack.keep_new()$$),
  (43, $$ALTER TABLE customer_access.external_access_history OWNER TO sec_plain$$),
  (44, $$CREATE TABLE sec_attack.sec_hchild () INHERITS (customer_access.external_access_history)$$),
  (45, $$DROP INDEX customer_access.external_access_history_access_idx$$),
  (46, $$ALTER TABLE customer_access.external_access_history DROP CONSTRAINT external_access_history_pkey$$),
  (47, $$ALTER TABLE customer_access.external_access_history ENABLE ROW LEVEL SECURITY$$),
  (48, $$ALTER TABLE customer_access.external_access_history REPLICA IDENTITY FULL$$);
-- 5a. ... as that owner (its own session): each 42501, nothing changed; nor can it borrow the exit or run its cast
BEGIN;
SET SESSION AUTHORIZATION sec_owner;
SELECT pg_temp.try($$SET customer_access.allow_owner_revoke = on$$);
SELECT n, stmt, pg_temp.try(stmt) AS outcome FROM sec_ddl ORDER BY n;
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access ADD COLUMN payload sec_attack.evil DEFAULT 'boom'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET notes = notes WHERE id = '05ec0000-0000-0000-0000-0000000000a3'$$);
RESET SESSION AUTHORIZATION;
SELECT rolsuper FROM pg_roles WHERE rolname = 'sec_plain';
\set ECHO none
\i test/sql/fingerprint.sql
\set ECHO all
SELECT :'fingerprint' = :'sec_fp' AS catalog_unchanged, pg_temp.sec_state() = :'sec_st' AS state_unchanged;
ROLLBACK;
-- 5b. ... as a superuser without the exit: the same list, replica mode, and the extension's own objects
BEGIN;
SELECT n, stmt, pg_temp.try(stmt) AS outcome FROM sec_ddl ORDER BY n;
SET session_replication_role = replica;
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access DISABLE TRIGGER protect_owner$$);
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access DISABLE TRIGGER ALL$$);
RESET session_replication_role;
SELECT n, stmt, pg_temp.try(stmt) AS outcome FROM (VALUES
  (1, $$CREATE OR REPLACE FUNCTION customer_access.protect_owner() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN RETURN NULL; END $f$ $$),
  (2, $$ALTER FUNCTION customer_access.can_access(uuid, customer_access.access_role) SECURITY DEFINER$$),
  (3, $$ALTER FUNCTION customer_access.level(customer_access.access_role) RENAME TO sec_level$$),
  (4, $$ALTER TYPE customer_access.access_role OWNER TO sec_plain$$),
  (5, $$ALTER OPERATOR FAMILY customer_access.access_role_ops USING btree ADD FUNCTION 4 (customer_access.access_role, customer_access.access_role) btequalimage(oid)$$),
  (6, $$ALTER EXTENSION customer_access DROP FUNCTION customer_access.protect_owner()$$)) AS t(n, stmt)
 ORDER BY n;
\set ECHO none
\i test/sql/fingerprint.sql
\set ECHO all
SELECT :'fingerprint' = :'sec_fp' AS catalog_unchanged, pg_temp.sec_state() = :'sec_st' AS state_unchanged;
-- DROP EXTENSION while grants exist
SELECT pg_temp.try($$DROP EXTENSION customer_access$$);
SELECT count(*) AS extension_installed FROM pg_extension WHERE extname = 'customer_access';
ROLLBACK;
SELECT 1 AS still_up;
SET customer_access.allow_owner_revoke = on;
ALTER TABLE customer_access.external_access OWNER TO :"sec_original_owner";
ALTER TABLE customer_access.external_access_history OWNER TO :"sec_original_owner";
RESET customer_access.allow_owner_revoke;
SELECT count(*) AS owned_by_sec_owner FROM pg_tables WHERE schemaname = 'customer_access' AND tableowner = 'sec_owner';

-- 6. Allowed DDL works for a superuser without the exit, and leaves nothing behind once undone
\set ECHO none
\i test/sql/fingerprint.sql
\set ECHO all
\set sec_fp :fingerprint
SELECT pg_temp.sec_state() AS sec_st \gset
SELECT obj_description('customer_access.external_access'::regclass, 'pg_class') AS sec_comment \gset
CREATE TABLE sec_attack.customers (id uuid PRIMARY KEY);
INSERT INTO sec_attack.customers VALUES ('c5ec0000-0000-0000-0000-000000000001');
SELECT n, stmt, pg_temp.try(stmt) AS outcome FROM (VALUES
  (1, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT sec_customer_fk FOREIGN KEY (customer_id) REFERENCES sec_attack.customers (id) NOT VALID$$),
  (2, $$ALTER TABLE customer_access.external_access DROP CONSTRAINT sec_customer_fk$$),
  (3, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT sec_notes_check CHECK (notes <> 'x') NOT VALID$$),
  (4, $$ALTER TABLE customer_access.external_access DROP CONSTRAINT sec_notes_check$$),
  (5, $$CREATE INDEX sec_customer_role_idx ON customer_access.external_access (customer_id, role)$$),
  (6, $$DROP INDEX customer_access.sec_customer_role_idx$$),
  (7, $$COMMENT ON TABLE customer_access.external_access IS 'sec: a passing comment'$$),
  (8, $$GRANT SELECT ON customer_access.external_access TO sec_plain$$),
  (9, $$REVOKE SELECT ON customer_access.external_access FROM sec_plain$$),
  (10, $$ALTER TABLE customer_access.external_access SET (fillfactor = 90)$$),
  (11, $$ALTER TABLE customer_access.external_access RESET (fillfactor)$$),
  (12, $$ANALYZE customer_access.external_access$$),
  (13, $$REINDEX TABLE customer_access.external_access$$),
  (14, $$CLUSTER customer_access.external_access USING external_access_pkey$$),
  (15, $$CREATE INDEX sec_history_changed_idx ON customer_access.external_access_history (changed_at)$$),
  (16, $$DROP INDEX customer_access.sec_history_changed_idx$$)) AS t(n, stmt)
 ORDER BY n;
VACUUM customer_access.external_access, customer_access.external_access_history;
COMMENT ON TABLE customer_access.external_access IS :'sec_comment';
SELECT obj_description('customer_access.external_access'::regclass, 'pg_class') = :'sec_comment' AS comment_restored;
\set ECHO none
\i test/sql/fingerprint.sql
\set ECHO all
SELECT :'fingerprint' = :'sec_fp' AS catalog_unchanged, pg_temp.sec_state() = :'sec_st' AS state_unchanged;

-- 6b. Code a role wrote cannot reach the grants table through a domain either
CREATE SCHEMA sec_domain;
CREATE FUNCTION sec_domain.ok(text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
ALTER FUNCTION sec_domain.ok(text) OWNER TO sec_plain;
CREATE DOMAIN sec_domain.role_owned AS text CHECK (sec_domain.ok(VALUE));
ALTER DOMAIN sec_domain.role_owned OWNER TO sec_plain;
CREATE DOMAIN sec_domain.calls_role_code AS text CHECK (sec_domain.ok(VALUE));
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access ADD CONSTRAINT sec_dom CHECK ((notes::sec_domain.role_owned) IS NOT NULL OR notes IS NULL)$$) AS role_owned_domain;
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access ADD CONSTRAINT sec_dom CHECK ((notes::sec_domain.calls_role_code) IS NOT NULL OR notes IS NULL)$$) AS domain_calling_role_code;
SELECT pg_temp.try($$CREATE INDEX sec_dom_idx ON customer_access.external_access (((notes::sec_domain.calls_role_code)::text))$$) AS index_through_domain;
DROP SCHEMA sec_domain CASCADE;

-- 7. After every path the grants are as seeded, and no history entry was added or forged for them
SELECT user_id, role, days_back_access, notes, object_version FROM customer_access.external_access
 WHERE customer_id = 'c5ec0000-0000-0000-0000-000000000001' ORDER BY user_id;
SELECT count(*) - :sec_grant_history AS new_history_entries FROM customer_access.external_access_history
 WHERE access_id::text LIKE '05ec0000-%';

-- 8a. Wrong answers: a swapped (customer_id, user_id) pair index is a clean error, never TRUE or FALSE
BEGIN;
SET LOCAL customer_access.allow_owner_revoke = on;
ALTER TABLE customer_access.external_access DROP CONSTRAINT external_access_user_customer_key,
  ADD CONSTRAINT external_access_user_customer_key UNIQUE (customer_id, user_id);
SELECT pg_temp.try($$DO $d$BEGIN RAISE EXCEPTION 'answered %', customer_access.has_customer_access('a5ec0000-0000-0000-0000-00000000000c', 'c5ec0000-0000-0000-0000-000000000001', 'L10'); END $d$ $$) AS right_order;
SELECT pg_temp.try($$DO $d$BEGIN RAISE EXCEPTION 'answered %', customer_access.has_customer_access('c5ec0000-0000-0000-0000-000000000001', 'a5ec0000-0000-0000-0000-00000000000c', 'L10'); END $d$ $$) AS swapped;
ROLLBACK;
SELECT 1 AS still_up;
SELECT customer_access.has_customer_access('a5ec0000-0000-0000-0000-00000000000c', 'c5ec0000-0000-0000-0000-000000000001', 'L10') AS answers_again;
-- 8b. "Today" follows the time zone at the time of the call, within one transaction snapshot (window of 0 days)
BEGIN ISOLATION LEVEL REPEATABLE READ;
SET LOCAL TimeZone = 'Pacific/Kiritimati';
SELECT customer_access.has_customer_access('a5ec0000-0000-0000-0000-00000000000c', 'c5ec0000-0000-0000-0000-000000000001', current_date, 'L10')
       = (current_date >= current_date - 0) AS kiritimati_agrees,
       customer_access.has_customer_access('a5ec0000-0000-0000-0000-00000000000c', 'c5ec0000-0000-0000-0000-000000000001', now(), 'L10')
       = (now()::date >= current_date - 0) AS kiritimati_timestamptz_agrees;
SET LOCAL TimeZone = 'Pacific/Pago_Pago';
SELECT customer_access.has_customer_access('a5ec0000-0000-0000-0000-00000000000c', 'c5ec0000-0000-0000-0000-000000000001', current_date, 'L10')
       = (current_date >= current_date - 0) AS pago_pago_agrees,
       customer_access.has_customer_access('a5ec0000-0000-0000-0000-00000000000c', 'c5ec0000-0000-0000-0000-000000000001', now(), 'L10')
       = (now()::date >= current_date - 0) AS pago_pago_timestamptz_agrees,
       customer_access.has_customer_access('a5ec0000-0000-0000-0000-00000000000c', 'c5ec0000-0000-0000-0000-000000000001', current_date - 1, 'L10')
       = (current_date - 1 >= current_date - 0) AS pago_pago_yesterday_agrees;
COMMIT;

-- ... and within one expression state reused across statements (PL/pgSQL), where the snapshot does not change
CREATE FUNCTION pg_temp.sec_today_by_zone() RETURNS text LANGUAGE plpgsql AS $f$
DECLARE zone text; answers text := '';
BEGIN
  FOREACH zone IN ARRAY ARRAY['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Pacific/Kiritimati'] LOOP
    PERFORM set_config('TimeZone', zone, true);
    answers := answers || customer_access.has_customer_access('a5ec0000-0000-0000-0000-00000000000c',
                 'c5ec0000-0000-0000-0000-000000000001', current_date, 'L10')::text || ' ';
  END LOOP;
  RETURN answers;
END $f$;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.sec_today_by_zone() AS today_always_admitted;
COMMIT;

-- Cleanup: our grants go through the exit (recorded), then the roles and their objects
SET client_min_messages = warning;
SET customer_access.allow_owner_revoke = on;
ALTER TABLE customer_access.external_access SET WITHOUT CLUSTER;
DELETE FROM customer_access.external_access WHERE customer_id = 'c5ec0000-0000-0000-0000-000000000001';
RESET customer_access.allow_owner_revoke;
DROP TABLE sec_ddl;
DROP SCHEMA sec_attack CASCADE;
REVOKE ALL ON customer_access.external_access FROM sec_trigger, sec_dml;
DROP OWNED BY sec_plain, sec_trigger, sec_dml, sec_owner;
DROP ROLE sec_plain, sec_trigger, sec_dml, sec_owner;
RESET client_min_messages;
SELECT count(*) AS sec_roles_left FROM pg_roles WHERE rolname LIKE 'sec\_%';

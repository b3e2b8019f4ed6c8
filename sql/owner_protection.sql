-- Owner protection: every way a change can arrive, each refused with 42501 and no change.
\set ECHO none
\i test/sql/try.sql
\set ECHO all
-- This suite gives the application user once per session (scope 'session', as in 1.1).
SET customer_access.identity_scope = session;
SET search_path = customer_access, public;

CREATE TABLE app_customers (id uuid PRIMARY KEY, name text);
INSERT INTO app_customers VALUES ('c1000000-0000-0000-0000-000000000001', 'Acme'),
                                 ('c1000000-0000-0000-0000-000000000002', 'Globex');
ALTER TABLE external_access ADD CONSTRAINT owner_test_customer_fk
  FOREIGN KEY (customer_id) REFERENCES app_customers (id) ON DELETE CASCADE ON UPDATE CASCADE;

INSERT INTO external_access (customer_id, user_id, role, days_back_access, notes) VALUES
  ('c1000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-00000000000a', 'Owner', NULL, 'owner, unlimited'),
  ('c1000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-00000000000b', 'L90', 60, 'owner, 60 days'),
  ('c1000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-00000000000c', 'L80', 30, 'admin');

CREATE TEMP VIEW grants_now AS
  SELECT user_id, role, days_back_access, notes, object_version FROM customer_access.external_access ORDER BY user_id;
CREATE TEMP TABLE before AS SELECT * FROM customer_access.external_access;
CREATE FUNCTION pg_temp.unchanged() RETURNS boolean LANGUAGE sql AS $$
  SELECT NOT EXISTS (SELECT * FROM customer_access.external_access EXCEPT SELECT * FROM before)
     AND NOT EXISTS (SELECT * FROM before EXCEPT SELECT * FROM customer_access.external_access) $$;

-- DELETE of the row; a multi-row DELETE that hits one Owner deletes nothing
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE user_id = 'a1000000-0000-0000-0000-00000000000a'$$);
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE notes IN ('admin', 'owner, 60 days')$$);
SELECT pg_temp.try($$DELETE FROM customer_access.external_access$$);
SELECT pg_temp.unchanged();

-- UPDATE of its role to anything else
SELECT r, pg_temp.try(format($$UPDATE customer_access.external_access SET role = %L WHERE user_id = 'a1000000-0000-0000-0000-00000000000a'$$, r))
  FROM unnest(ARRAY['L80', 'L40', 'L30', 'L20', 'L10']) AS r;
-- UPDATE of its customer_id or user_id (or id)
SELECT pg_temp.try($$UPDATE customer_access.external_access SET customer_id = 'c1000000-0000-0000-0000-000000000002' WHERE user_id = 'a1000000-0000-0000-0000-00000000000a'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET user_id = 'a1000000-0000-0000-0000-0000000000ff' WHERE user_id = 'a1000000-0000-0000-0000-00000000000a'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET id = gen_random_uuid() WHERE user_id = 'a1000000-0000-0000-0000-00000000000a'$$);
-- UPDATE that narrows the window: a number where it was NULL, a smaller number
SELECT pg_temp.try($$UPDATE customer_access.external_access SET days_back_access = 2147483647 WHERE user_id = 'a1000000-0000-0000-0000-00000000000a'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET days_back_access = 59 WHERE user_id = 'a1000000-0000-0000-0000-00000000000b'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET days_back_access = 0 WHERE user_id = 'a1000000-0000-0000-0000-00000000000b'$$);
-- TRUNCATE while any Owner row exists
SELECT pg_temp.try($$TRUNCATE customer_access.external_access$$);
SELECT pg_temp.try($$TRUNCATE customer_access.external_access CASCADE$$);
SELECT pg_temp.try($$TRUNCATE app_customers CASCADE$$);
SELECT pg_temp.unchanged();

-- INSERT ... ON CONFLICT DO UPDATE
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role)
  VALUES ('c1000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-00000000000a', 'L10')
  ON CONFLICT (user_id, customer_id) DO UPDATE SET role = EXCLUDED.role$$);
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, days_back_access)
  VALUES ('c1000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-00000000000b', 1)
  ON CONFLICT (user_id, customer_id) DO UPDATE SET days_back_access = EXCLUDED.days_back_access$$);
-- MERGE
SELECT pg_temp.try($$MERGE INTO customer_access.external_access t
  USING (VALUES ('a1000000-0000-0000-0000-00000000000a'::uuid)) s(u) ON t.user_id = s.u
  WHEN MATCHED THEN UPDATE SET role = 'L80'$$);
SELECT pg_temp.try($$MERGE INTO customer_access.external_access t
  USING (VALUES ('a1000000-0000-0000-0000-00000000000b'::uuid)) s(u) ON t.user_id = s.u
  WHEN MATCHED THEN DELETE$$);
-- A cascade from the application's customers table (delete and key update)
SELECT pg_temp.try($$DELETE FROM app_customers WHERE id = 'c1000000-0000-0000-0000-000000000001'$$);
SELECT pg_temp.try($$UPDATE app_customers SET id = 'c1000000-0000-0000-0000-000000000003' WHERE id = 'c1000000-0000-0000-0000-000000000001'$$);
-- A writable CTE
SELECT pg_temp.try($$WITH gone AS (DELETE FROM customer_access.external_access RETURNING *) SELECT count(*) FROM gone$$);
SELECT pg_temp.try($$WITH changed AS (UPDATE customer_access.external_access SET role = 'L10' RETURNING *) SELECT count(*) FROM changed$$);
-- With session_replication_role = replica
SET session_replication_role = replica;
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE user_id = 'a1000000-0000-0000-0000-00000000000a'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET role = 'L10'$$);
SELECT pg_temp.try($$TRUNCATE customer_access.external_access$$);
RESET session_replication_role;
-- In a transaction that upgrades to Owner first: the new version is what is checked
BEGIN;
UPDATE external_access SET role = 'L90' WHERE user_id = 'a1000000-0000-0000-0000-00000000000c';
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE user_id = 'a1000000-0000-0000-0000-00000000000c'$$);
ROLLBACK;
SELECT pg_temp.unchanged();
SELECT count(*) AS history_of_refused_changes FROM external_access_history
 WHERE changed_at >= (SELECT min(changed_at) FROM external_access_history WHERE new_row->>'notes' = 'owner, unlimited')
   AND operation <> 'INSERT';

-- The customer's Admin, through an application role with every privilege, is refused too
CREATE ROLE ca_admin_role;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON external_access TO ca_admin_role;
GRANT SELECT, UPDATE, DELETE ON app_customers TO ca_admin_role;
SET customer_access.user_id = 'a1000000-0000-0000-0000-00000000000c';
SET ROLE ca_admin_role;
SELECT count(*) AS grants_the_admin_sees FROM customer_access.external_access;
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE role = 'L90'$$);
SELECT pg_temp.try($$TRUNCATE customer_access.external_access$$);
RESET ROLE;
RESET customer_access.user_id;

-- Allowed: notes, widening the window, a no-op update; non-Owner rows change freely
UPDATE external_access SET notes = 'still the owner' WHERE user_id = 'a1000000-0000-0000-0000-00000000000a';
UPDATE external_access SET days_back_access = 61 WHERE user_id = 'a1000000-0000-0000-0000-00000000000b';
UPDATE external_access SET days_back_access = NULL WHERE user_id = 'a1000000-0000-0000-0000-00000000000b';
UPDATE external_access SET role = 'L90', days_back_access = NULL WHERE user_id = 'a1000000-0000-0000-0000-00000000000b';
UPDATE external_access SET role = 'L10', days_back_access = 1 WHERE user_id = 'a1000000-0000-0000-0000-00000000000c';
SELECT * FROM grants_now;

-- The one exit: a superuser's customer_access.allow_owner_revoke, recorded in the history
SHOW customer_access.allow_owner_revoke;
SET ROLE ca_admin_role;
SELECT pg_temp.try($$SET customer_access.allow_owner_revoke = on$$);
SELECT pg_temp.try($$SELECT set_config('customer_access.allow_owner_revoke', 'on', true)$$);
RESET ROLE;
BEGIN;
SET LOCAL customer_access.allow_owner_revoke = on;
UPDATE external_access SET days_back_access = 7 WHERE user_id = 'a1000000-0000-0000-0000-00000000000b';
DELETE FROM external_access WHERE user_id = 'a1000000-0000-0000-0000-00000000000b';
COMMIT;
SHOW customer_access.allow_owner_revoke;
SELECT operation, old_row->>'role' AS old_role, new_row->>'days_back_access' AS new_days, owner_override
  FROM external_access_history WHERE old_row->>'user_id' = 'a1000000-0000-0000-0000-00000000000b'
 ORDER BY history_id DESC LIMIT 2;
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE user_id = 'a1000000-0000-0000-0000-00000000000a'$$);

-- TRUNCATE works once no Owner is left
SET customer_access.allow_owner_revoke = on;
DELETE FROM external_access WHERE role = 'L90';
RESET customer_access.allow_owner_revoke;
TRUNCATE external_access;
SELECT count(*) FROM external_access;

-- DDL cannot switch the protections off either (an event trigger refuses it), but for the exit
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access DISABLE TRIGGER protect_owner$$);
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access DISABLE TRIGGER ALL$$);
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access ENABLE TRIGGER protect_owner$$);
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access ENABLE REPLICA TRIGGER record_change$$);
SELECT pg_temp.try($$DROP TRIGGER protect_owner_truncate ON customer_access.external_access$$);
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access_history DISABLE TRIGGER append_only$$);
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access ADD COLUMN extra integer$$) AS other_ddl;
BEGIN;
SET LOCAL customer_access.allow_owner_revoke = on;
ALTER TABLE external_access DISABLE TRIGGER protect_owner;
ALTER TABLE external_access ENABLE ALWAYS TRIGGER protect_owner;
COMMIT;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'customer_access.external_access'::regclass AND NOT tgisinternal ORDER BY 1;

-- protect_owner() is bound to customer_access.external_access (1.2): attached to any other
-- table (only a superuser can: PUBLIC has no EXECUTE) it refuses with 0A000, whatever its
-- arguments and timing
CREATE TABLE partner_access (partner uuid, member uuid, level customer_access.access_role, horizon integer, label text);
INSERT INTO partner_access VALUES ('c1000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-00000000000a', 'L90', 5, 'x');
-- Each trigger definition in turn: what a DELETE of the Owner row then gets
CREATE FUNCTION pg_temp.delete_under(timing text, level text, arguments text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE outcome text;
BEGIN
  EXECUTE format('CREATE TRIGGER protect %s ON partner_access FOR EACH %s EXECUTE FUNCTION customer_access.protect_owner(%s)',
                 timing, level, arguments);
  outcome := pg_temp.try('DELETE FROM partner_access');
  DROP TRIGGER protect ON partner_access;
  RETURN outcome;
END $$;
SELECT timing, level, arguments, pg_temp.delete_under(timing, level, arguments) AS outcome
  FROM (VALUES ('BEFORE DELETE', 'ROW', $$'level', ''$$),
               ('BEFORE DELETE', 'ROW', $$'no_such_column', 'horizon'$$),
               ('BEFORE DELETE', 'ROW', $$'label', 'horizon'$$),
               ('BEFORE DELETE', 'ROW', $$'level', 'label'$$),
               ('BEFORE DELETE', 'ROW', $$'level'$$),
               ('AFTER DELETE', 'ROW', $$'level', ''$$),
               ('BEFORE DELETE', 'STATEMENT', $$'level', ''$$)) AS t(timing, level, arguments);
CREATE TRIGGER protect BEFORE INSERT ON partner_access FOR EACH ROW EXECUTE FUNCTION customer_access.protect_owner();
SELECT pg_temp.try($$INSERT INTO partner_access VALUES (NULL, NULL, 'L10', 1, 'z')$$);
DROP TABLE partner_access;
SELECT pg_temp.try($$SELECT customer_access.protect_owner()$$);
SELECT pg_temp.try($$SELECT customer_access.record_change()$$);

ALTER TABLE external_access DROP CONSTRAINT owner_test_customer_fk;
DROP TABLE app_customers;
REVOKE ALL ON external_access FROM ca_admin_role;
DROP ROLE ca_admin_role;

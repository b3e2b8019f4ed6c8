-- The grants table: columns, defaults, constraints, object_version, history, privileges, dump.
\set ECHO none
\i test/sql/try.sql
\set ECHO all
-- This suite gives the application user once per session (scope 'session', as in 1.1).
SET customer_access.identity_scope = session;
SET search_path = customer_access, public;

\d external_access
\d external_access_history

-- Defaults: generated id, role L30, 30 days back, object_version 0 whatever the INSERT says
INSERT INTO external_access (customer_id, user_id, object_version)
VALUES ('c0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 41);
SELECT id IS NOT NULL AS has_id, id <> gen_random_uuid() AS is_uuid, role, days_back_access, notes, object_version FROM external_access;

-- One row per (user, customer): a second grant for the pair is a unique violation
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role)
  VALUES ('c0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'L10')$$);
-- Other bad rows: 23514, 23502, 22P02
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, days_back_access)
  VALUES ('c0000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', -1)$$);
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id)
  VALUES (NULL, 'a0000000-0000-0000-0000-000000000001')$$);
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id)
  VALUES ('c0000000-0000-0000-0000-000000000002', NULL)$$);
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role)
  VALUES ('c0000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', NULL)$$);
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role)
  VALUES ('c0000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'L35')$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET days_back_access = -5$$);
-- An unlimited window (NULL) and the largest one are fine
INSERT INTO external_access (customer_id, user_id, role, days_back_access)
VALUES ('c0000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'Billing', NULL),
       ('c0000000-0000-0000-0000-000000000003', 'a0000000-0000-0000-0000-000000000001', 'L80', 2147483647);
SELECT customer_id, role, days_back_access FROM external_access ORDER BY customer_id;

-- object_version: +1 on every update, whatever the UPDATE sets
UPDATE external_access SET notes = 'first' WHERE customer_id = 'c0000000-0000-0000-0000-000000000001';
UPDATE external_access SET object_version = 100 WHERE customer_id = 'c0000000-0000-0000-0000-000000000001';
UPDATE external_access SET object_version = -7, role = 'L20' WHERE customer_id = 'c0000000-0000-0000-0000-000000000001';
SELECT role, notes, object_version FROM external_access WHERE customer_id = 'c0000000-0000-0000-0000-000000000001';
-- optimistic locking: the update with the current version wins, a stale one changes nothing
UPDATE external_access SET notes = 'ok' WHERE customer_id = 'c0000000-0000-0000-0000-000000000001' AND object_version = 3;
UPDATE external_access SET notes = 'stale' WHERE customer_id = 'c0000000-0000-0000-0000-000000000001' AND object_version = 3;
SELECT notes, object_version FROM external_access WHERE customer_id = 'c0000000-0000-0000-0000-000000000001';

-- History: every INSERT, UPDATE and DELETE, with who, the application user and both rows
DELETE FROM external_access WHERE customer_id = 'c0000000-0000-0000-0000-000000000003';
SET customer_access.user_id = 'e0000000-0000-0000-0000-00000000000e';
UPDATE external_access SET notes = 'by app user' WHERE customer_id = 'c0000000-0000-0000-0000-000000000002';
RESET customer_access.user_id;
SELECT row_number() OVER (ORDER BY h.history_id) AS n, h.operation, h.session_user_name = session_user AS session_ok,
       h.current_user_name = current_user AS current_ok, h.application_user_id,
       h.access_id = coalesce((h.new_row->>'id')::uuid, (h.old_row->>'id')::uuid) AS id_ok,
       h.old_row->>'role' AS old_role, h.new_row->>'role' AS new_role,
       h.old_row->>'notes' AS old_notes, h.new_row->>'notes' AS new_notes,
       (h.new_row->>'object_version')::int AS new_version, h.owner_override,
       h.changed_at <= now() AS when_ok
  FROM external_access_history h ORDER BY h.history_id;
-- Append-only: UPDATE, DELETE and TRUNCATE of the history fail for everyone, superuser included
SELECT pg_temp.try($$UPDATE customer_access.external_access_history SET operation = 'DELETE'$$);
SELECT pg_temp.try($$DELETE FROM customer_access.external_access_history$$);
SELECT pg_temp.try($$TRUNCATE customer_access.external_access_history$$);
SET session_replication_role = replica;
SELECT pg_temp.try($$DELETE FROM customer_access.external_access_history$$);
RESET session_replication_role;
SELECT count(*) FROM external_access_history;

-- Privileges: PUBLIC has none on either table; an application role the DBA grants DML works,
-- and its changes are recorded without any privilege on the history.
CREATE ROLE ca_nobody;
CREATE ROLE ca_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON external_access TO ca_app;
SELECT t, has_table_privilege('ca_nobody', t, 'SELECT') AS sel, has_table_privilege('ca_nobody', t, 'INSERT') AS ins
  FROM unnest(ARRAY['customer_access.external_access', 'customer_access.external_access_history']) AS t;
SET ROLE ca_nobody;
SELECT pg_temp.try($$SELECT * FROM customer_access.external_access$$);
SELECT pg_temp.try($$SELECT * FROM customer_access.external_access_history$$);
SELECT pg_temp.try($$INSERT INTO customer_access.external_access_history (operation, session_user_name, current_user_name) VALUES ('INSERT', 'x', 'y')$$);
-- (row security on the grants: the application user must administer the customer)
RESET ROLE;
INSERT INTO external_access (customer_id, user_id, role)
VALUES ('c0000000-0000-0000-0000-000000000004', 'a0000000-0000-0000-0000-0000000000ad', 'Admin');
SET customer_access.user_id = 'a0000000-0000-0000-0000-0000000000ad';
SET ROLE ca_app;
INSERT INTO customer_access.external_access (customer_id, user_id, role)
VALUES ('c0000000-0000-0000-0000-000000000004', 'a0000000-0000-0000-0000-000000000004', 'L10');
UPDATE customer_access.external_access SET role = 'L20' WHERE user_id = 'a0000000-0000-0000-0000-000000000004';
DELETE FROM customer_access.external_access WHERE user_id = 'a0000000-0000-0000-0000-000000000004';
SELECT pg_temp.try($$SELECT * FROM customer_access.external_access_history$$);
RESET ROLE;
RESET customer_access.user_id;
DELETE FROM external_access WHERE user_id = 'a0000000-0000-0000-0000-0000000000ad';
SELECT operation, current_user_name, session_user_name = session_user AS session_ok, application_user_id
  FROM external_access_history WHERE access_id IN (SELECT access_id FROM external_access_history
       WHERE new_row->>'user_id' = 'a0000000-0000-0000-0000-000000000004') ORDER BY history_id;

-- pg_dump keeps the rows: both tables and the history's sequence are configuration
SELECT unnest(extconfig)::regclass AS dumped, unnest(extcondition) AS condition
  FROM pg_extension WHERE extname = 'customer_access' ORDER BY 1::text;

-- Foreign keys to the application's own tables, as README shows
CREATE TABLE app_customers (id uuid PRIMARY KEY);
CREATE TABLE app_users (id uuid PRIMARY KEY);
INSERT INTO app_customers VALUES ('c0000000-0000-0000-0000-000000000001'), ('c0000000-0000-0000-0000-000000000002');
INSERT INTO app_users VALUES ('a0000000-0000-0000-0000-000000000001');
ALTER TABLE external_access
  ADD CONSTRAINT external_access_customer_fk FOREIGN KEY (customer_id) REFERENCES app_customers (id) ON DELETE CASCADE,
  ADD CONSTRAINT external_access_user_fk FOREIGN KEY (user_id) REFERENCES app_users (id) ON DELETE CASCADE;
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id)
  VALUES ('c0000000-0000-0000-0000-000000000009', 'a0000000-0000-0000-0000-000000000001')$$);
DELETE FROM app_customers WHERE id = 'c0000000-0000-0000-0000-000000000001';
SELECT customer_id FROM external_access ORDER BY 1;
ALTER TABLE external_access DROP CONSTRAINT external_access_customer_fk, DROP CONSTRAINT external_access_user_fk;
DROP TABLE app_customers, app_users;

-- Every object of the extension is documented (\dx+, \dT+, \df+, \d+ explain themselves),
-- the row and array types PostgreSQL makes along with a table or a type too (members of the
-- extension themselves since 17). Not NOT NULL constraints (catalogued since 18, not members):
-- the column comments document them.
SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS uncommented_member
  FROM pg_depend d JOIN pg_class c ON c.oid = d.classid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'customer_access')
   AND obj_description(d.objid, c.relname) IS NULL;
SELECT t.oid::regtype AS uncommented_made_type FROM pg_type t
 WHERE t.typnamespace = 'customer_access'::regnamespace AND obj_description(t.oid, 'pg_type') IS NULL;
SELECT conname AS uncommented_constraint FROM pg_constraint
 WHERE connamespace = 'customer_access'::regnamespace AND obj_description(oid, 'pg_constraint') IS NULL
   AND contype <> 'n';
SELECT indexrelid::regclass AS uncommented_index FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE c.relnamespace = 'customer_access'::regnamespace AND obj_description(i.indexrelid, 'pg_class') IS NULL;
SELECT obj_description('customer_access'::regnamespace, 'pg_namespace') IS NOT NULL AS schema_commented;
SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'customer_access'::regnamespace AND c.relkind IN ('r', 'v')
   AND col_description(c.oid, a.attnum) IS NULL;
SELECT tgname FROM pg_trigger WHERE tgrelid IN ('external_access'::regclass, 'external_access_history'::regclass)
   AND obj_description(oid, 'pg_trigger') IS NULL;
SELECT tgrelid::regclass, tgname, tgenabled FROM pg_trigger
 WHERE tgrelid IN ('external_access'::regclass, 'external_access_history'::regclass) ORDER BY 1::text, 2;

DELETE FROM external_access;
DROP ROLE ca_nobody;
REVOKE ALL ON external_access FROM ca_app;
DROP ROLE ca_app;

-- Upgrades: every released version updated with ALTER EXTENSION ... UPDATE has exactly the
-- objects of a fresh install of the newest version.
SELECT name, version, installed, requires FROM pg_available_extension_versions
 WHERE name = 'customer_access' ORDER BY version;
SELECT * FROM pg_extension_update_paths('customer_access') WHERE path IS NOT NULL ORDER BY source, target;

SELECT current_database() AS regression_db \gset
CREATE DATABASE ca_fresh;
CREATE DATABASE ca_upgraded;
CREATE DATABASE ca_from_1_1;
CREATE DATABASE ca_from_1_2;

\c ca_fresh
CREATE EXTENSION customer_access;
SELECT extversion FROM pg_extension WHERE extname = 'customer_access';
\set ECHO none
\i test/sql/fingerprint.sql
\set ECHO all
\set fresh_fingerprint :fingerprint
\set fresh_objects :objects

\c ca_upgraded
CREATE EXTENSION customer_access VERSION '1.0';
-- grants made under 1.0 survive the upgrade, Owners stay protected
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
VALUES ('c6000000-0000-0000-0000-000000000001', 'a6000000-0000-0000-0000-000000000001', 'Owner', NULL),
       ('c6000000-0000-0000-0000-000000000001', 'a6000000-0000-0000-0000-000000000002', 'Orders', 30);
-- (the comparison notices differences: 1.0 is not 1.1)
\set ECHO none
\i test/sql/fingerprint.sql
\set ECHO all
SELECT :'fresh_fingerprint' <> :'fingerprint' AS version_1_0_differs;
ALTER EXTENSION customer_access UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'customer_access';
\set ECHO none
\i test/sql/fingerprint.sql
\set ECHO all
SELECT :'fresh_fingerprint' = :'fingerprint' AS same_objects_as_fresh_install,
       :fresh_objects = :objects AS same_count, :objects > 200 AS many_compared;
SELECT role, days_back_access FROM customer_access.external_access ORDER BY role;
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE role = 'L90'$$);
SELECT count(*) AS history_rows FROM customer_access.external_access_history;
SET customer_access.identity_scope = session;
SET customer_access.user_id = 'a6000000-0000-0000-0000-000000000001';
SELECT count(*) AS owner_sees FROM customer_access.customer_users('c6000000-0000-0000-0000-000000000001');

-- 1.1 updated straight to the newest: the same objects, its grants kept and still protected
\c ca_from_1_1
CREATE EXTENSION customer_access VERSION '1.1';
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
VALUES ('c6000000-0000-0000-0000-000000000001', 'a6000000-0000-0000-0000-000000000001', 'Owner', NULL);
ALTER EXTENSION customer_access UPDATE;
\set ECHO none
\i test/sql/fingerprint.sql
\set ECHO all
SELECT :'fresh_fingerprint' = :'fingerprint' AS same_objects_as_fresh_install;
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SELECT pg_temp.try($$DELETE FROM customer_access.external_access$$);
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access DISABLE TRIGGER protect_owner$$);
SELECT count(*) AS history_rows FROM customer_access.external_access_history;
-- a 1.1 application that sets the user once per session keeps working in scope 'session'
SET customer_access.identity_scope = session;
SET customer_access.user_id = 'a6000000-0000-0000-0000-000000000001';
SELECT customer_access.can_access('c6000000-0000-0000-0000-000000000001', 'L90') AS session_app_works;
RESET customer_access.user_id;
RESET customer_access.identity_scope;

-- 1.2 updated to the newest: the same objects, its grants, history and keys kept
\c ca_from_1_2
CREATE EXTENSION customer_access VERSION '1.2';
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
VALUES ('c6000000-0000-0000-0000-000000000001', 'a6000000-0000-0000-0000-000000000001', 'Owner', NULL),
       ('c6000000-0000-0000-0000-000000000002', 'a6000000-0000-0000-0000-000000000001', 'Billing', 7);
INSERT INTO customer_access.login_users (login, user_id) VALUES (current_user, 'a6000000-0000-0000-0000-000000000001');
ALTER EXTENSION customer_access UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'customer_access';
\set ECHO none
\i test/sql/fingerprint.sql
\set ECHO all
SELECT :'fresh_fingerprint' = :'fingerprint' AS same_objects_as_fresh_install,
       :fresh_objects = :objects AS same_count, :objects > 200 AS many_compared;
SELECT role, days_back_access, object_version FROM customer_access.external_access ORDER BY role;
SELECT count(*) AS history_rows FROM customer_access.external_access_history;
SELECT count(*) AS login_users FROM customer_access.login_users;
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE role = 'L90'$$);

-- 1.3: the grants of every earlier version get expires_at, NULL (never); the checks and the
-- listings take it into account at once
SELECT role, days_back_access, expires_at FROM customer_access.external_access ORDER BY role;
UPDATE customer_access.external_access SET expires_at = now() - interval '1 minute' WHERE role = 'L40';
SELECT customer_access.has_customer_access('a6000000-0000-0000-0000-000000000001', 'c6000000-0000-0000-0000-000000000002', 'L10') AS expired_counts,
       (SELECT count(*) FROM customer_access.accessible_customers('a6000000-0000-0000-0000-000000000001')) AS listed;
SELECT pg_temp.try($$UPDATE customer_access.external_access SET expires_at = now() + interval '1 day' WHERE role = 'L90'$$);

-- What the DBA granted or revoked on the functions 1.3 replaces holds for the new ones, as
-- the DBA's (pg_dump writes them; the extension's own privileges are those of a fresh install)
CREATE DATABASE ca_privileges;
\c ca_privileges
CREATE EXTENSION customer_access VERSION '1.2';
CREATE ROLE ca_upgrade_auditor;
GRANT EXECUTE ON FUNCTION customer_access.who_can_access(uuid, customer_access.access_role) TO ca_upgrade_auditor WITH GRANT OPTION;
REVOKE EXECUTE ON FUNCTION customer_access.grant_access(uuid, uuid, customer_access.access_role, integer, text) FROM PUBLIC;
-- an object that depends on a replaced function stops the update, before anything changes
CREATE VIEW public.my_customers AS SELECT * FROM customer_access.accessible_customers(customer_access.current_user_id());
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SELECT pg_temp.try($$ALTER EXTENSION customer_access UPDATE$$);
SELECT extversion FROM pg_extension WHERE extname = 'customer_access';
DROP VIEW public.my_customers;
ALTER EXTENSION customer_access UPDATE;
SELECT p.oid::regprocedure AS function,
       array(SELECT a.grantee::regrole::text || ':' || a.is_grantable FROM aclexplode(p.proacl) a
              WHERE a.grantee <> p.proowner ORDER BY 1) AS dba_privileges,
       (SELECT array(SELECT a.grantee::regrole::text FROM aclexplode(i.initprivs) a WHERE a.grantee <> p.proowner ORDER BY 1)
          FROM pg_init_privs i WHERE i.objoid = p.oid AND i.classoid = 'pg_proc'::regclass) AS extension_privileges
  FROM pg_proc p WHERE p.oid IN ('customer_access.who_can_access(uuid, customer_access.access_role)'::regprocedure,
                                 'customer_access.grant_access(uuid, uuid, customer_access.access_role, integer, text, timestamptz)'::regprocedure,
                                 'customer_access.accessible_customers(uuid, customer_access.access_role)'::regprocedure)
 ORDER BY 1::text;
DROP EXTENSION customer_access;
DROP ROLE ca_upgrade_auditor;

\c :regression_db
DROP DATABASE ca_privileges;
DROP DATABASE ca_fresh;
DROP DATABASE ca_upgraded;
DROP DATABASE ca_from_1_1;
DROP DATABASE ca_from_1_2;

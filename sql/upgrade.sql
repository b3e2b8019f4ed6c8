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

\c :regression_db
DROP DATABASE ca_fresh;
DROP DATABASE ca_upgraded;
DROP DATABASE ca_from_1_1;
DROP DATABASE ca_from_1_2;

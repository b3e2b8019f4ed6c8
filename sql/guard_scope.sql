-- The guard's scope (SPEC, Tamper resistance, 1.3): statements that are not about the
-- extension pass as they would without it (no doubled NOTICE, nothing refused), while what
-- the guard remembers between statements (the extension's members, the tables its foreign
-- keys reference) follows every change of them, and DROP ... CASCADE that would take the
-- extension with it is still refused.
\set ECHO none
\i test/sql/try.sql
\set ECHO all
CREATE SCHEMA gs;
CREATE TABLE gs.t (a int PRIMARY KEY, b text);

-- A %TYPE argument is resolved once, by PostgreSQL: one NOTICE each
CREATE OR REPLACE FUNCTION gs.f(x gs.t.a%TYPE) RETURNS int LANGUAGE sql AS 'SELECT x';
CREATE OR REPLACE FUNCTION gs.f(x gs.t.a%TYPE) RETURNS int LANGUAGE sql AS 'SELECT x + 0';
CREATE OR REPLACE PROCEDURE gs.p(x gs.t.b%TYPE) LANGUAGE sql AS 'SELECT 1';
DROP FUNCTION gs.f(gs.t.a%TYPE);
DROP PROCEDURE gs.p(gs.t.b%TYPE);
-- A function of the same name as one of the extension's, in another schema, is not the
-- extension's; one of the extension's is still refused, whatever its argument types say
CREATE OR REPLACE FUNCTION gs.current_user_id() RETURNS uuid LANGUAGE sql AS 'SELECT NULL::uuid';
DROP FUNCTION gs.current_user_id();
SELECT split_part(pg_temp.try($$CREATE OR REPLACE FUNCTION customer_access.current_user_id() RETURNS uuid LANGUAGE sql AS 'SELECT NULL::uuid'$$), ' | ', 1) AS replace_ours;
SELECT split_part(pg_temp.try($$DROP FUNCTION customer_access.current_user_id()$$), ' | ', 1) AS drop_ours;
SET search_path = customer_access, public;
SELECT split_part(pg_temp.try($$CREATE OR REPLACE FUNCTION current_user_id() RETURNS uuid LANGUAGE sql AS 'SELECT NULL::uuid'$$), ' | ', 1) AS replace_ours_by_path;
RESET search_path;

-- A table a superuser adds to the extension (with the exit) is the extension's from then on,
-- in a session that asked about it before; one taken out of it is the user's again
ALTER TABLE gs.t ADD COLUMN c int;
SET customer_access.allow_owner_revoke = on;
ALTER EXTENSION customer_access ADD TABLE gs.t;
RESET customer_access.allow_owner_revoke;
SELECT split_part(pg_temp.try($$ALTER TABLE gs.t ADD COLUMN d int$$), ' | ', 1) AS alter_added_member;
SELECT split_part(pg_temp.try($$DROP TABLE gs.t$$), ' | ', 1) AS drop_added_member;
SET customer_access.allow_owner_revoke = on;
ALTER EXTENSION customer_access DROP TABLE gs.t;
RESET customer_access.allow_owner_revoke;
SELECT split_part(pg_temp.try($$ALTER TABLE gs.t ADD COLUMN d int$$), ' | ', 1) AS alter_removed_member;

-- A table that a foreign key of the grants starts to reference, after the session asked about
-- it: its rename is recorded
CREATE TABLE gs.customers (id uuid PRIMARY KEY);
ALTER TABLE gs.customers ADD COLUMN note text;
ALTER TABLE customer_access.external_access
  ADD CONSTRAINT gs_customer_fk FOREIGN KEY (customer_id) REFERENCES gs.customers (id);
ALTER TABLE gs.customers RENAME TO clients;
SELECT name, definition, refers_to FROM customer_access.table_extras WHERE name = 'gs_customer_fk';
ALTER SCHEMA gs RENAME TO gs2;
SELECT name, definition, refers_to FROM customer_access.table_extras WHERE name = 'gs_customer_fk';
ALTER SCHEMA gs2 RENAME TO gs;
-- The same for a foreign key of another of the extension's tables
CREATE TABLE gs.users (id uuid PRIMARY KEY);
ALTER TABLE gs.users ADD COLUMN note text;
ALTER TABLE customer_access.login_users
  ADD CONSTRAINT gs_login_user_fk FOREIGN KEY (user_id) REFERENCES gs.users (id);
ALTER TABLE gs.users RENAME TO people;
SELECT name, refers_to FROM customer_access.table_extras WHERE name = 'gs_login_user_fk';

-- DROP ... CASCADE of what the extension rests on is refused while the grants hold a row:
-- the language its functions are written in, the extension that language belongs to
INSERT INTO gs.clients VALUES ('c0500000-0000-0000-0000-000000000001');
INSERT INTO customer_access.external_access (customer_id, user_id, role)
VALUES ('c0500000-0000-0000-0000-000000000001', 'a0500000-0000-0000-0000-000000000001', 'L10');
BEGIN;
DROP LANGUAGE plpgsql CASCADE;
ROLLBACK;
BEGIN;
DROP EXTENSION plpgsql CASCADE;
ROLLBACK;
-- What only a user's constraint rests on goes: the referenced table, with the foreign key
BEGIN;
DROP TABLE gs.clients CASCADE;
SELECT count(*) AS foreign_keys_left FROM pg_constraint WHERE conname = 'gs_customer_fk';
ROLLBACK;
SELECT split_part(pg_temp.try($$DROP TABLE gs.t CASCADE$$), ' | ', 1) AS drop_unrelated_cascade;

-- cleanup
SET customer_access.allow_owner_revoke = on;
DELETE FROM customer_access.external_access WHERE customer_id = 'c0500000-0000-0000-0000-000000000001';
RESET customer_access.allow_owner_revoke;
ALTER TABLE customer_access.external_access DROP CONSTRAINT gs_customer_fk;
ALTER TABLE customer_access.login_users DROP CONSTRAINT gs_login_user_fk;
DROP SCHEMA gs CASCADE;

-- Tamper resistance 3 (issue 18, SPEC 1.3): no PostgreSQL machinery that runs with another
-- role's rights reaches code a role wrote through the extension's tables: foreign keys (the
-- foreign-key rule), CHECK constraints, index expressions, predicates and operator classes
-- (the code rule), table_extras' replay after a restore; the DDL allow-list; restore mode for
-- pg_dump --inserts; and the protections whose tests must fail when they are broken.
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SELECT current_user AS t3_superuser \gset

-- The attacker: a login with a schema of its own. evil() says when it runs, and makes its
-- author a superuser when it finds itself running as one.
CREATE ROLE t3_att LOGIN;
CREATE SCHEMA t3_att AUTHORIZATION t3_att;
SET ROLE t3_att;
CREATE FUNCTION t3_att.evil() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'evil() ran as %', current_user;
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    EXECUTE 'ALTER ROLE t3_att SUPERUSER';
  END IF;
  RETURN true;
END $$;
CREATE FUNCTION t3_att.evil_text(text) RETURNS text IMMUTABLE LANGUAGE sql AS $$SELECT CASE WHEN t3_att.evil() THEN $1 END$$;
CREATE TYPE t3_att.e AS ENUM ('x');
CREATE FUNCTION t3_att.e_to_uuid(t3_att.e) RETURNS uuid LANGUAGE plpgsql AS $$
BEGIN
  PERFORM t3_att.evil();
  RETURN '03000000-0000-0000-0000-000000000001';
END $$;
CREATE CAST (t3_att.e AS uuid) WITH FUNCTION t3_att.e_to_uuid(t3_att.e) AS IMPLICIT;
CREATE FUNCTION t3_att.uuid_to_e(uuid) RETURNS t3_att.e LANGUAGE plpgsql AS $$BEGIN PERFORM t3_att.evil(); RETURN 'x'; END $$;
CREATE CAST (uuid AS t3_att.e) WITH FUNCTION t3_att.uuid_to_e(uuid) AS IMPLICIT;
CREATE DOMAIN t3_att.d AS text CHECK (t3_att.evil());
CREATE DOMAIN t3_att.uuid_d AS uuid;
CREATE TYPE t3_att.c AS (x t3_att.d);
CREATE TYPE t3_att.r AS RANGE (subtype = text);
CREATE FUNCTION t3_att.cmp(text, text) RETURNS integer IMMUTABLE LANGUAGE sql AS $$SELECT bttextcmp($1, $2)$$;
RESET ROLE;
INSERT INTO customer_access.external_access (id, customer_id, user_id, role, notes) VALUES
  ('03000000-0000-0000-0000-000000000001', 'c3000000-0000-0000-0000-000000000001', 'a3000000-0000-0000-0000-000000000001', 'L90', 'x'),
  ('03000000-0000-0000-0000-000000000002', 'c3000000-0000-0000-0000-000000000001', 'a3000000-0000-0000-0000-000000000002', 'L30', 'y');

-- 1. REFERENCES alone gives no superuser (finding 1). PostgreSQL checks a key to the grants
-- as their owner, casting the referencing value: a role's enum with an IMPLICIT cast to
-- uuid would run the role's cast as superuser while the key is validated, and at every row.
GRANT REFERENCES ON customer_access.external_access TO t3_att;
SET ROLE t3_att;
CREATE TABLE t3_att.t (r t3_att.e, u uuid, d t3_att.uuid_d);
INSERT INTO t3_att.t VALUES ('x', '03000000-0000-0000-0000-000000000001', '03000000-0000-0000-0000-000000000001');
SELECT pg_temp.try($$ALTER TABLE t3_att.t ADD FOREIGN KEY (r) REFERENCES customer_access.external_access (id)$$) AS enum_with_implicit_cast;
SELECT pg_temp.try($$ALTER TABLE t3_att.t ADD CONSTRAINT t3_fk FOREIGN KEY (r) REFERENCES customer_access.external_access$$) AS enum_to_primary_key;
SELECT pg_temp.try($$ALTER TABLE t3_att.t ADD FOREIGN KEY (d) REFERENCES customer_access.external_access (id)$$) AS domain_over_uuid;
SELECT pg_temp.try($$ALTER TABLE t3_att.t ADD COLUMN r2 t3_att.e DEFAULT 'x' REFERENCES customer_access.external_access (id)$$) AS add_column_references;
SELECT pg_temp.try($$ALTER TABLE t3_att.t ADD COLUMN r3 t3_att.e DEFAULT 'x', ADD FOREIGN KEY (r3) REFERENCES customer_access.external_access (id)$$) AS added_column_then_key;
SELECT pg_temp.try($$CREATE TABLE t3_att.t2 (r t3_att.e REFERENCES customer_access.external_access (id))$$) AS create_table_references;
SELECT pg_temp.try($$CREATE TABLE t3_att.t2 (r t3_att.e, FOREIGN KEY (r) REFERENCES customer_access.external_access (id))$$) AS create_table_foreign_key;
SELECT pg_temp.try($$CREATE TABLE t3_att.t2 (LIKE t3_att.t, FOREIGN KEY (r) REFERENCES customer_access.external_access (id))$$) AS create_table_like;
-- a key of exactly the referenced type is fine, and stays so
SELECT pg_temp.try($$ALTER TABLE t3_att.t ADD CONSTRAINT t3_fk_exact FOREIGN KEY (u) REFERENCES customer_access.external_access (id)$$) AS exact_type;
SELECT pg_temp.try($$ALTER TABLE t3_att.t ALTER COLUMN u TYPE t3_att.e USING 'x'$$) AS retype_key_column;
SELECT pg_temp.try($$ALTER TABLE t3_att.t ALTER COLUMN u TYPE t3_att.uuid_d$$) AS retype_to_domain;
SELECT pg_temp.try($$CREATE TABLE t3_att.t3 (u uuid REFERENCES customer_access.external_access (id))$$) AS create_exact;
RESET ROLE;
-- CREATE SCHEMA's elements fire no event trigger of their own: judged with the statement
SELECT pg_temp.try($$CREATE SCHEMA t3_sch CREATE TABLE t2 (r t3_att.e REFERENCES customer_access.external_access (id))$$) AS inside_create_schema;
SELECT rolsuper AS t3_att_is_superuser FROM pg_roles WHERE rolname = 't3_att';
SELECT conname, conrelid::regclass AS on_table FROM pg_constraint
 WHERE confrelid = 'customer_access.external_access'::regclass ORDER BY 1;
-- a typed table's key column retyped through ALTER TYPE ... ALTER ATTRIBUTE
SET ROLE t3_att;
CREATE TYPE t3_att.row_type AS (u uuid);
CREATE TABLE t3_att.typed OF t3_att.row_type (u WITH OPTIONS REFERENCES customer_access.external_access (id));
SELECT pg_temp.try($$ALTER TYPE t3_att.row_type ALTER ATTRIBUTE u TYPE t3_att.e CASCADE$$) AS retype_through_alter_type;
RESET ROLE;
-- keys from the grants to another table: exactly its type too (cascades run as the grants' owner)
CREATE TABLE t3_att.customers (id t3_att.e PRIMARY KEY);
CREATE TABLE t3_att.customers2 (id uuid PRIMARY KEY);
ALTER TABLE t3_att.customers OWNER TO t3_att;
ALTER TABLE t3_att.customers2 OWNER TO t3_att;
INSERT INTO t3_att.customers2 VALUES ('c3000000-0000-0000-0000-000000000001');
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_customer_fk FOREIGN KEY (customer_id) REFERENCES t3_att.customers (id)$$) AS grants_to_enum_key;
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_customer_fk FOREIGN KEY (customer_id) REFERENCES t3_att.customers2 (id)$$) AS grants_to_uuid_key;
SET ROLE t3_att;
SELECT pg_temp.try($$ALTER TABLE t3_att.customers2 ALTER COLUMN id TYPE t3_att.e USING 'x'$$) AS retype_referenced_column;
RESET ROLE;
ALTER TABLE customer_access.external_access DROP CONSTRAINT t3_customer_fk;
-- with the exit on too: the rule protects superusers
SET customer_access.allow_owner_revoke = on;
SELECT pg_temp.try($$ALTER TABLE t3_att.t ADD FOREIGN KEY (r) REFERENCES customer_access.external_access (id)$$) AS with_the_exit;
RESET customer_access.allow_owner_revoke;
-- a key made while the guard was switched off (before 1.3, say) is judged before VALIDATE runs it
SET customer_access.allow_owner_revoke = on;
ALTER EVENT TRIGGER customer_access_guard DISABLE;
ALTER EVENT TRIGGER customer_access_guard_code DISABLE;
ALTER TABLE t3_att.t ADD CONSTRAINT t3_legacy FOREIGN KEY (r) REFERENCES customer_access.external_access (id) NOT VALID;
ALTER EVENT TRIGGER customer_access_guard ENABLE ALWAYS;
ALTER EVENT TRIGGER customer_access_guard_code ENABLE ALWAYS;
RESET customer_access.allow_owner_revoke;
SET ROLE t3_att;
SELECT pg_temp.try($$ALTER TABLE t3_att.t VALIDATE CONSTRAINT t3_legacy$$) AS validate_legacy_key;
RESET ROLE;
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access SET (fillfactor = 100)$$) AS any_key_ddl_sees_the_legacy_key;
ALTER TABLE t3_att.t DROP CONSTRAINT t3_legacy;
SELECT rolsuper AS t3_att_is_superuser FROM pg_roles WHERE rolname = 't3_att';
DROP TABLE t3_att.t, t3_att.t3, t3_att.typed;

-- 2. The code rule (finding 2): the grants' owner, a role, cannot plant code that
-- superusers run through a CHECK, an index expression, predicate or operator class
CREATE ROLE t3_owner LOGIN;
GRANT USAGE ON SCHEMA t3_att TO t3_owner;
CREATE TYPE public.t3_su_c AS (x t3_att.d);
CREATE TYPE public.t3_su_plain AS (x text);
CREATE OPERATOR CLASS public.t3_role_ops FOR TYPE text USING btree AS
  OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 t3_att.cmp(text, text);
SET customer_access.allow_owner_revoke = on;
ALTER TABLE customer_access.external_access OWNER TO t3_owner;
RESET customer_access.allow_owner_revoke;
SET ROLE t3_owner;
SELECT n, pg_temp.try(stmt) AS outcome FROM (VALUES
  (1, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK (query_to_xml('SELECT t3_att.evil()', false, false, '') IS NOT NULL) NOT VALID$$),
  (2, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK ((('(' || notes || ')')::t3_att.c) IS NOT NULL) NOT VALID$$),
  (3, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK ((('(' || notes || ')')::public.t3_su_c) IS NOT NULL) NOT VALID$$),
  -- even a superuser's composite of built-in columns: text converts only to built-in types
  (31, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK ((('(' || notes || ')')::public.t3_su_plain) IS NOT NULL) NOT VALID$$),
  (4, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK (jsonb_populate_record(NULL::public.t3_su_c, jsonb_build_object('x', notes)) IS NOT NULL) NOT VALID$$),
  (5, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK (record_in(notes::cstring, 'public.t3_su_c'::regtype, -1) IS NOT NULL) NOT VALID$$),
  (6, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK (notes::t3_att.d IS NOT NULL) NOT VALID$$),
  (7, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK (ARRAY['x']::t3_att.e[] IS NOT NULL) NOT VALID$$),
  (8, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK (t3_att.r(notes, notes) IS NOT NULL) NOT VALID$$),
  (9, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK (t3_att.evil_text(notes) IS NOT NULL) NOT VALID$$),
  (10, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK (now() > '2000-01-01') NOT VALID$$),
  -- allowed: IMMUTABLE built-ins, the extension's type and operators, built-in types and
  -- their I/O (text to date runs date_in, which is STABLE but PostgreSQL's own support)
  (20, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_ok1 CHECK (length(notes) < 200 AND notes IS DISTINCT FROM 'z') NOT VALID$$),
  (21, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_ok2 CHECK (role >= 'L10' AND days_back_access::text <> '' AND customer_id <> user_id) NOT VALID$$),
  (22, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_ok3 CHECK (CASE WHEN notes IN ('L10', 'L90') THEN notes::customer_access.access_role END IS DISTINCT FROM 'L20' AND role::text <> '') NOT VALID$$),
  (23, $$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_ok4 CHECK (notes !~ '^[0-9]' OR notes::date > '2000-01-01') NOT VALID$$)) AS t(n, stmt)
 ORDER BY n;
RESET ROLE;
-- indexes (their owner needs CREATE on the schema: a superuser makes them); the index build
-- runs the expressions as the table's owner, so the role's code runs as its author only
SELECT n, pg_temp.try(stmt) AS outcome FROM (VALUES
  (12, $$CREATE INDEX t3_i ON customer_access.external_access (t3_att.evil_text(notes))$$),
  (13, $$CREATE INDEX t3_i ON customer_access.external_access (notes) WHERE notes::t3_att.d IS NOT NULL$$),
  (14, $$CREATE INDEX t3_i ON customer_access.external_access (notes public.t3_role_ops)$$),
  (15, $$CREATE INDEX t3_i ON customer_access.external_access ((ROW(notes)::public.t3_su_c))$$),
  (16, $$CREATE INDEX t3_i ON customer_access.external_access (notes) WHERE t3_att.evil_text(notes) IS NOT NULL$$),
  (24, $$CREATE INDEX t3_ok_i ON customer_access.external_access (lower(notes), (role::text)) WHERE notes IS NOT NULL$$),
  (25, $$CREATE INDEX t3_ok_g ON customer_access.external_access (greatest(customer_id, user_id), (ROW(customer_id, user_id) < ROW(user_id, customer_id)))$$)) AS t(n, stmt)
 ORDER BY n;
SELECT conname FROM pg_constraint WHERE conrelid = 'customer_access.external_access'::regclass AND conname LIKE 't3%' ORDER BY 1;
SELECT indexrelid::regclass AS index FROM pg_index WHERE indrelid = 'customer_access.external_access'::regclass
   AND indexrelid::regclass::text LIKE '%t3%' ORDER BY 1;
-- nor a superuser, with the exit or without: the code rule has no exit
SET customer_access.allow_owner_revoke = on;
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_c CHECK (t3_att.evil_text(notes) IS NOT NULL) NOT VALID$$) AS superuser_with_exit;
SELECT pg_temp.try($$ALTER TABLE customer_access.login_users ADD CONSTRAINT t3_c CHECK (notes::t3_att.d IS NOT NULL) NOT VALID$$) AS other_tables_too;
ALTER TABLE customer_access.external_access OWNER TO :"t3_superuser";
RESET customer_access.allow_owner_revoke;
-- the code ran as nobody but its author
SELECT rolsuper AS t3_att_is_superuser FROM pg_roles WHERE rolname = 't3_att';
-- superusers update the grants, ANALYZE, REINDEX and CLUSTER them: nothing of the role runs
UPDATE customer_access.external_access SET notes = notes || '!' WHERE id = '03000000-0000-0000-0000-000000000002';
ANALYZE customer_access.external_access;
REINDEX TABLE customer_access.external_access;
CLUSTER customer_access.external_access USING external_access_pkey;
ALTER TABLE customer_access.external_access DROP CONSTRAINT t3_ok1, DROP CONSTRAINT t3_ok2, DROP CONSTRAINT t3_ok3, DROP CONSTRAINT t3_ok4;
DROP INDEX customer_access.t3_ok_i, customer_access.t3_ok_g;

-- 3. table_extras: a restored record passes the same rules before it is analysed or run,
-- with the exit on too; refused records stay unmade (with a WARNING), the others are made
SET customer_access.allow_owner_revoke = on;
INSERT INTO customer_access.table_extras (relation, name, kind, definition, refers_to, created_in) VALUES
  ('external_access', 't3_r1', 'constraint', $$CHECK ((query_to_xml('SELECT t3_att.evil()'::text, false, false, ''::text) IS NOT NULL))$$, NULL, 0),
  ('external_access', 't3_r2', 'constraint', $$CHECK ((('(x)'::t3_att.c) IS NOT NULL))$$, NULL, 0),
  ('external_access', 't3_r3', 'constraint', $$CHECK (((('('::text || notes) || ')'::text)::public.t3_su_c) IS NOT NULL)$$, NULL, 0),
  ('external_access', 't3_r4', 'index', $$CREATE INDEX t3_r4 ON customer_access.external_access USING btree (t3_att.evil_text(notes))$$, NULL, 0),
  ('external_access', 't3_r5', 'index', $$CREATE INDEX t3_r5 ON customer_access.external_access USING btree (notes public.t3_role_ops)$$, NULL, 0),
  ('external_access', 't3_r6', 'constraint', $$FOREIGN KEY (customer_id) REFERENCES t3_att.customers(id)$$, 't3_att.customers', 0),
  ('external_access', 't3_r7', 'index', $$CREATE INDEX t3_r7 ON customer_access.external_access USING btree (notes) WHERE ((notes)::t3_att.d IS NOT NULL)$$, NULL, 0),
  ('external_access', 't3_r8', 'constraint', $$CHECK ((length(notes) < 300))$$, NULL, 0),
  ('external_access', 't3_r9', 'index', $$CREATE INDEX t3_r9 ON customer_access.external_access USING btree (lower(notes))$$, NULL, 0),
  ('external_access', 't3_r10', 'constraint', $$FOREIGN KEY (customer_id) REFERENCES t3_att.customers2(id)$$, 't3_att.customers2', 0);
RESET customer_access.allow_owner_revoke;
SELECT conname FROM pg_constraint WHERE conrelid = 'customer_access.external_access'::regclass AND conname LIKE 't3_r%' ORDER BY 1;
SELECT indexrelid::regclass AS index FROM pg_index WHERE indrelid = 'customer_access.external_access'::regclass
   AND indexrelid::regclass::text LIKE '%t3_r%' ORDER BY 1;
SELECT rolsuper AS t3_att_is_superuser FROM pg_roles WHERE rolname = 't3_att';
-- the refused records are gone (tried once), the others recorded as made here
SELECT name, created_in = (SELECT oid FROM pg_database WHERE datname = current_database()) AS made_here
  FROM customer_access.table_extras WHERE name LIKE 't3_r%' ORDER BY 1;
ALTER TABLE customer_access.external_access DROP CONSTRAINT t3_r8, DROP CONSTRAINT t3_r10;
DROP INDEX customer_access.t3_r9;
-- what breaks a rule is never recorded: a legacy CHECK calling role code on another table
SET customer_access.allow_owner_revoke = on;
ALTER EVENT TRIGGER customer_access_guard_code DISABLE;
ALTER TABLE customer_access.login_users ADD CONSTRAINT t3_legacy_check CHECK (t3_att.evil_text(notes) IS NOT NULL) NOT VALID;
ALTER EVENT TRIGGER customer_access_guard_code ENABLE ALWAYS;
RESET customer_access.allow_owner_revoke;
ALTER TABLE customer_access.external_access ADD CONSTRAINT t3_recorded CHECK (notes <> 'never') NOT VALID;
SELECT relation, name FROM customer_access.table_extras WHERE name LIKE 't3%' ORDER BY 1, 2;
SET customer_access.allow_owner_revoke = on;
ALTER TABLE customer_access.login_users DROP CONSTRAINT t3_legacy_check;
RESET customer_access.allow_owner_revoke;

-- 4. Who writes table_extras: superusers and the extension, whatever a role is granted
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON customer_access.table_extras TO t3_att;
SET ROLE t3_att;
SELECT pg_temp.try($$INSERT INTO customer_access.table_extras VALUES ('external_access', 't3_x', 'index', 'CREATE UNIQUE INDEX t3_x ON customer_access.external_access (customer_id)', NULL, 0)$$) AS role_insert;
SELECT pg_temp.try($$UPDATE customer_access.table_extras SET definition = definition$$) AS role_update;
SELECT pg_temp.try($$DELETE FROM customer_access.table_extras$$) AS role_delete;
SELECT pg_temp.try($$TRUNCATE customer_access.table_extras$$) AS role_truncate;
RESET ROLE;
REVOKE ALL ON customer_access.table_extras FROM t3_att;

ALTER TABLE customer_access.external_access DROP CONSTRAINT t3_recorded;


-- 5. Protections each test below proves, by failing when the protection is broken
-- 5a. DROP NOT NULL of a grant column (and other column changes) stays refused
SELECT c, pg_temp.try(format('ALTER TABLE customer_access.external_access ALTER COLUMN %I DROP NOT NULL', c)) AS drop_not_null
  FROM unnest(ARRAY['customer_id', 'user_id', 'role', 'object_version']) AS c ORDER BY c;
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access ALTER COLUMN days_back_access SET DEFAULT NULL$$) AS set_default;
SELECT pg_temp.try($$CREATE STATISTICS t3_stats ON (lower(notes)) FROM customer_access.external_access$$) AS expression_statistics;
SELECT pg_temp.try($$CREATE SCHEMA t3_sch CREATE TABLE child () INHERITS (customer_access.external_access)$$) AS inherit_inside_create_schema;
SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = 'customer_access.external_access'::regclass
   AND attname IN ('customer_id', 'user_id', 'role', 'object_version') ORDER BY 1;
-- 5b. after purge_history() the session's plain DELETE of history is still refused
SELECT customer_access.purge_history('infinity') > 0 AS purged;
UPDATE customer_access.external_access SET notes = 'after purge' WHERE id = '03000000-0000-0000-0000-000000000002';
SELECT count(*) AS history_after_purge FROM customer_access.external_access_history \gset
SELECT pg_temp.try($$DELETE FROM customer_access.external_access_history$$) AS delete_after_purge;
SELECT count(*) = :history_after_purge AS history_kept FROM customer_access.external_access_history;
-- 5c. allow_owner_revoke given to a role that is no superuser by ALTER ROLE / DATABASE SET
-- lets no Owner go
CREATE ROLE t3_revoker LOGIN BYPASSRLS;
\set ECHO none
-- a new login needs the password of this connection where the server asks for one
\getenv t3_password PGPASSWORD
\if :{?t3_password}
ALTER ROLE t3_revoker PASSWORD :'t3_password';
\endif
\set ECHO all
GRANT SELECT, DELETE, UPDATE ON customer_access.external_access TO t3_revoker;
ALTER ROLE t3_revoker SET customer_access.allow_owner_revoke = on;
\c - t3_revoker
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SHOW customer_access.allow_owner_revoke;
SELECT count(*) AS owner_visible FROM customer_access.external_access WHERE id = '03000000-0000-0000-0000-000000000001';
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE id = '03000000-0000-0000-0000-000000000001'$$) AS role_set_exit;
SELECT pg_temp.try($$UPDATE customer_access.external_access SET role = 'L10' WHERE id = '03000000-0000-0000-0000-000000000001'$$) AS role_set_exit_update;
\c - :t3_superuser
ALTER ROLE t3_revoker RESET customer_access.allow_owner_revoke;
ALTER DATABASE :"DBNAME" SET customer_access.allow_owner_revoke = on;
\c - t3_revoker
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SHOW customer_access.allow_owner_revoke;
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE id = '03000000-0000-0000-0000-000000000001'$$) AS database_set_exit;
\c - :t3_superuser
ALTER DATABASE :"DBNAME" RESET customer_access.allow_owner_revoke;
-- a new session: this one began with the database's setting
\c - :t3_superuser
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SHOW customer_access.allow_owner_revoke;
SELECT count(*) AS owner_kept FROM customer_access.external_access WHERE id = '03000000-0000-0000-0000-000000000001' AND role = 'L90';
-- 5d. TRUNCATE finds an Owner that is not the table's first row
SET customer_access.allow_owner_revoke = on;
DELETE FROM customer_access.external_access;
RESET customer_access.allow_owner_revoke;
INSERT INTO customer_access.external_access (customer_id, user_id, role)
SELECT 'c3000000-0000-0000-0000-000000000002', ('a3100000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, 'L30'
  FROM generate_series(1, 300) g;
INSERT INTO customer_access.external_access (id, customer_id, user_id, role)
VALUES ('03000000-0000-0000-0000-000000000003', 'c3000000-0000-0000-0000-000000000002', 'a3000000-0000-0000-0000-000000000003', 'L90');
SELECT (SELECT role FROM customer_access.external_access LIMIT 1) <> 'L90' AS owner_is_not_the_first_row,
       (SELECT ctid FROM customer_access.external_access WHERE role = 'L90') > '(1,0)' AS owner_not_on_the_first_page;
SELECT pg_temp.try($$TRUNCATE customer_access.external_access$$) AS truncate_with_a_late_owner;
SELECT count(*) AS grants_kept FROM customer_access.external_access;
SET customer_access.allow_owner_revoke = on;
DELETE FROM customer_access.external_access;
RESET customer_access.allow_owner_revoke;
-- 5e. a role that is no superuser, BYPASSRLS or not, gets no restore mode: its COPY FROM in
-- pg_dump's settings is recorded and stamped like any insert
CREATE ROLE t3_loader BYPASSRLS;
GRANT SELECT, INSERT ON customer_access.external_access TO t3_loader;
SET ROLE t3_loader;
SET row_security = off;
SET check_function_bodies = off;
COPY customer_access.external_access (id, customer_id, user_id, role, notes, object_version) FROM stdin;
03000000-0000-0000-0000-000000000010	c3000000-0000-0000-0000-000000000003	a3000000-0000-0000-0000-000000000010	L90	loaded by a role	7
\.
INSERT INTO customer_access.external_access (id, customer_id, user_id, notes, object_version)
VALUES ('03000000-0000-0000-0000-000000000011', 'c3000000-0000-0000-0000-000000000003', 'a3000000-0000-0000-0000-000000000011', 'inserted by a role', 7);
RESET ROLE;
RESET row_security;
RESET check_function_bodies;
SELECT g.notes, g.object_version, count(h.history_id) AS history_entries
  FROM customer_access.external_access g LEFT JOIN customer_access.external_access_history h ON h.access_id = g.id
 WHERE g.customer_id = 'c3000000-0000-0000-0000-000000000003' GROUP BY g.notes, g.object_version ORDER BY 1, 2;

-- 6. Restore mode covers pg_dump --inserts, --column-inserts and --rows-per-insert: a
-- superuser's INSERT of constant rows in pg_dump's settings; any other INSERT is recorded
BEGIN;
SET LOCAL row_security = off;
SET LOCAL check_function_bodies = off;
INSERT INTO customer_access.external_access VALUES ('03000000-0000-0000-0000-000000000020', 'c3000000-0000-0000-0000-000000000004', 'a3000000-0000-0000-0000-000000000020', 'L40', 30, 'inserts', 5);
INSERT INTO customer_access.external_access (id, customer_id, user_id, role, days_back_access, notes, object_version) VALUES ('03000000-0000-0000-0000-000000000021', 'c3000000-0000-0000-0000-000000000004', 'a3000000-0000-0000-0000-000000000021', 'L40', NULL, 'column inserts', 6);
INSERT INTO customer_access.external_access VALUES
  ('03000000-0000-0000-0000-000000000022', 'c3000000-0000-0000-0000-000000000004', 'a3000000-0000-0000-0000-000000000022', 'L20', 1, 'rows per insert', 7),
  ('03000000-0000-0000-0000-000000000023', 'c3000000-0000-0000-0000-000000000004', 'a3000000-0000-0000-0000-000000000023', 'L20', 2, 'rows per insert', 8)
  ON CONFLICT DO NOTHING;
INSERT INTO customer_access.external_access (id, customer_id, user_id, notes, object_version) VALUES (gen_random_uuid(), 'c3000000-0000-0000-0000-000000000004', 'a3000000-0000-0000-0000-000000000024', 'a function', 9);
INSERT INTO customer_access.external_access (id, customer_id, user_id, notes, object_version) SELECT '03000000-0000-0000-0000-000000000025', 'c3000000-0000-0000-0000-000000000004', 'a3000000-0000-0000-0000-000000000025', 'from a query', 9 FROM pg_catalog.pg_class LIMIT 1;
INSERT INTO customer_access.external_access (customer_id, user_id, notes, object_version) VALUES ('c3000000-0000-0000-0000-000000000004', 'a3000000-0000-0000-0000-000000000026', 'a default id', 9);
INSERT INTO customer_access.external_access (id, customer_id, user_id, notes, object_version) VALUES ('03000000-0000-0000-0000-000000000027', 'c3000000-0000-0000-0000-000000000004', 'a3000000-0000-0000-0000-000000000027', 'returning', 9) RETURNING object_version;
INSERT INTO customer_access.external_access (id, customer_id, user_id, notes, object_version) VALUES ('03000000-0000-0000-0000-000000000028', 'c3000000-0000-0000-0000-000000000004', 'a3000000-0000-0000-0000-000000000028', 'do update', 9)
  ON CONFLICT (id) DO UPDATE SET notes = 'updated';
COMMIT;
SELECT g.notes, g.object_version, count(h.history_id) AS history_entries
  FROM customer_access.external_access g LEFT JOIN customer_access.external_access_history h ON h.access_id = g.id
 WHERE g.customer_id = 'c3000000-0000-0000-0000-000000000004' GROUP BY g.notes, g.object_version ORDER BY 1, 2;
-- not in a session without pg_dump's settings
INSERT INTO customer_access.external_access VALUES ('03000000-0000-0000-0000-000000000029', 'c3000000-0000-0000-0000-000000000005', 'a3000000-0000-0000-0000-000000000029', 'L40', 30, 'ordinary', 5);
SELECT object_version, (SELECT count(*) FROM customer_access.external_access_history WHERE access_id = '03000000-0000-0000-0000-000000000029') AS history_entries
  FROM customer_access.external_access WHERE id = '03000000-0000-0000-0000-000000000029';

-- Clean up
SET customer_access.allow_owner_revoke = on;
DELETE FROM customer_access.external_access;
RESET customer_access.allow_owner_revoke;
DROP OPERATOR FAMILY public.t3_role_ops USING btree;
DROP TYPE public.t3_su_c, public.t3_su_plain;
DROP SCHEMA t3_att CASCADE;
REVOKE ALL ON customer_access.external_access FROM t3_att, t3_owner, t3_revoker, t3_loader;
DROP ROLE t3_att, t3_owner, t3_revoker, t3_loader;

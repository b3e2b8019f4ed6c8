-- What PostgreSQL's major versions do differently, held to one behaviour: this suite's output
-- is the same on 15, 17 and 18 (scripts/test --pg N runs it on each).
\set ECHO none
\i test/sql/try.sql
\set ECHO all
CREATE TEMP TABLE nn_columns AS
SELECT t.relname, a.attname FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid
 WHERE t.relnamespace = 'customer_access'::regnamespace AND t.relkind = 'r' AND a.attnum > 0 AND a.attnotnull;

-- NOT NULL constraints: 18 catalogues them as constraints with made-up names. They are the
-- columns' own, like ALTER COLUMN ... DROP NOT NULL: nobody drops, renames or alters them,
-- a superuser without the exit included (on 15 and 17 there is none to try).
CREATE TEMP TABLE nn_attempts AS
SELECT c.conrelid::regclass AS rel, c.conname,
       pg_temp.try(format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname)) AS dropping,
       pg_temp.try(format('ALTER TABLE %s RENAME CONSTRAINT %I TO versions_nn', c.conrelid::regclass, c.conname)) AS renaming,
       pg_temp.try(format('ALTER TABLE %s ALTER CONSTRAINT %I NO INHERIT', c.conrelid::regclass, c.conname)) AS altering
  FROM pg_constraint c WHERE c.connamespace = 'customer_access'::regnamespace AND c.contype = 'n';
SELECT count(*) FILTER (WHERE dropping NOT LIKE '42501:%' OR renaming NOT LIKE '42501:%'
                           OR altering NOT LIKE '42501:%') AS not_refused
  FROM nn_attempts;
SELECT left(pg_temp.try($$ALTER TABLE customer_access.external_access ALTER COLUMN user_id DROP NOT NULL$$), 5) AS drop_not_null;
-- so a grant without a user stays impossible
SELECT left(pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id) VALUES ('c7e00000-0000-0000-0000-000000000001', NULL)$$), 5) AS null_user;
-- the NOT NULL columns are as installed
SELECT count(*) > 10 AS many, count(*) FILTER (WHERE NOT a.attnotnull) AS lost
  FROM nn_columns n JOIN pg_class t ON t.relname = n.relname AND t.relnamespace = 'customer_access'::regnamespace
  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attname = n.attname;
-- A CHECK constraint a role adds is still its own to drop
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access ADD CONSTRAINT versions_note CHECK (length(notes) < 10000)$$) AS add_check;
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access DROP CONSTRAINT versions_note$$) AS drop_check;
-- the extension's own CHECK is not
SELECT left(pg_temp.try($$ALTER TABLE customer_access.external_access DROP CONSTRAINT external_access_days_back_access_check$$), 5) AS drop_own_check;

-- The types PostgreSQL makes along with a table or type (row and array types; members of
-- the extension themselves since 17, so the guard refuses first there, PostgreSQL itself
-- before) cannot be changed or dropped apart from it.
SELECT pg_temp.try($$ALTER TYPE customer_access.external_access RENAME TO versions_t$$) <> 'ok' AS rename_row_type_refused;
SELECT pg_temp.try($$ALTER TYPE customer_access._access_role RENAME TO versions_a$$) <> 'ok' AS rename_array_type_refused;
SELECT pg_temp.try($$DROP TYPE customer_access._access_role$$) <> 'ok' AS drop_array_type_refused;
SELECT typname FROM pg_type WHERE typnamespace = 'customer_access'::regnamespace AND typname LIKE 'versions%';

-- Every object the extension installs has a comment (COMMENT ON), and so have the triggers
-- and policies on its tables (a table's row type and the array types, which 17 and later
-- also list as members, come with their table or type).
SELECT pg_describe_object(classid, objid, 0) AS member_without_comment FROM pg_depend d
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'customer_access')
   AND NOT EXISTS (SELECT 1 FROM pg_description c
                    WHERE c.classoid = d.classid AND c.objoid = d.objid AND c.objsubid = 0)
   AND NOT EXISTS (SELECT 1 FROM pg_type t WHERE d.classid = 'pg_type'::regclass
                      AND t.oid = d.objid AND (t.typrelid <> 0 OR t.typelem <> 0))
 ORDER BY 1;
SELECT t.tgname AS trigger_without_comment FROM pg_trigger t
 WHERE t.tgrelid::regclass::text LIKE 'customer_access.%' AND NOT t.tgisinternal
   AND obj_description(t.oid, 'pg_trigger') IS NULL;
SELECT polname AS policy_without_comment FROM pg_policy p
 WHERE p.polrelid::regclass::text LIKE 'customer_access.%' AND obj_description(p.oid, 'pg_policy') IS NULL;

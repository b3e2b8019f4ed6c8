-- Attack review of 1.3 (an outside review, attacker's view): each case below is an attack
-- that succeeded before its fix. The expected output is the safe behaviour. Two more (a
-- login's advisory lock stalling superusers' DDL, a deadlock the guard's lock caused) need
-- two sessions: test/isolation/specs/attack_review.spec.
\set ECHO none
\i test/sql/try.sql
\set ECHO all

-- The attacker: a login with a schema of its own. evil() makes its author a superuser when
-- it finds itself running as one.
CREATE ROLE ar_att LOGIN;
CREATE SCHEMA ar_att AUTHORIZATION ar_att;
SET ROLE ar_att;
CREATE FUNCTION ar_att.evil() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    EXECUTE 'ALTER ROLE ar_att SUPERUSER';
  END IF;
  RETURN true;
END $$;
CREATE FUNCTION ar_att.evil_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ar_att.evil();
  RETURN NULL;
END $$;
CREATE FUNCTION ar_att.evil_text(text) RETURNS text IMMUTABLE LANGUAGE sql AS $$SELECT CASE WHEN ar_att.evil() THEN $1 END$$;
RESET ROLE;
INSERT INTO customer_access.external_access (id, customer_id, user_id, role, days_back_access) VALUES
  ('0a000000-0000-0000-0000-000000000001', 'ca000000-0000-0000-0000-000000000001', 'aa000000-0000-0000-0000-000000000001', 'L90', NULL),
  ('0a000000-0000-0000-0000-000000000002', 'ca000000-0000-0000-0000-000000000001', 'aa000000-0000-0000-0000-000000000002', 'L30', 30),
  ('0a000000-0000-0000-0000-000000000003', 'ca000000-0000-0000-0000-000000000001', 'aa000000-0000-0000-0000-000000000003', 'L30', 30);

-- 1. REFERENCES on the grants: a key's ON DELETE / ON UPDATE action runs on the referencing
-- table as its owner, in the session and transaction of whoever deletes or re-keys the
-- grant. With a role's ON DELETE CASCADE key and a deferred constraint trigger on the role's
-- own table, a superuser's DELETE of a grant queued the trigger, which fired at COMMIT as
-- the superuser: the role became a superuser. Keys to the extension's tables from a table
-- no superuser owns are NO ACTION or RESTRICT.
GRANT REFERENCES ON customer_access.external_access TO ar_att;
SET ROLE ar_att;
SELECT n, pg_temp.try(stmt) AS outcome FROM (VALUES
  (1, $$CREATE TABLE ar_att.cascade (grant_id uuid REFERENCES customer_access.external_access (id) ON DELETE CASCADE)$$),
  (2, $$CREATE TABLE ar_att.set_null (grant_id uuid REFERENCES customer_access.external_access (id) ON UPDATE SET NULL)$$),
  (3, $$CREATE TABLE ar_att.set_default (u uuid, c uuid, FOREIGN KEY (u, c) REFERENCES customer_access.external_access (user_id, customer_id) ON DELETE SET DEFAULT)$$),
  (4, $$CREATE TABLE ar_att.keep (grant_id uuid REFERENCES customer_access.external_access (id) ON DELETE RESTRICT, other uuid)$$),
  (5, $$ALTER TABLE ar_att.keep ADD FOREIGN KEY (other) REFERENCES customer_access.external_access (id) ON DELETE CASCADE$$),
  (6, $$ALTER TABLE ar_att.keep ADD FOREIGN KEY (other) REFERENCES customer_access.external_access (id)$$)) AS t(n, stmt)
 ORDER BY n;
-- the attack, as far as it gets: its table with the cascade and the deferred trigger
SELECT pg_temp.try($$CREATE CONSTRAINT TRIGGER late AFTER DELETE ON ar_att.cascade DEFERRABLE INITIALLY DEFERRED
                     FOR EACH ROW EXECUTE FUNCTION ar_att.evil_trigger()$$) AS deferred_trigger;
SELECT pg_temp.try($$INSERT INTO ar_att.cascade VALUES ('0a000000-0000-0000-0000-000000000002')$$) AS referencing_row;
RESET ROLE;
DELETE FROM customer_access.external_access WHERE id = '0a000000-0000-0000-0000-000000000002';
SELECT rolsuper AS ar_att_is_superuser FROM pg_roles WHERE rolname = 'ar_att';
-- a superuser's table may cascade; handing it to a role, or making it in a role's schema
-- (CREATE SCHEMA ... AUTHORIZATION makes its tables as that role), is refused
CREATE TABLE public.ar_notes (grant_id uuid REFERENCES customer_access.external_access (id) ON DELETE CASCADE);
SELECT pg_temp.try($$ALTER TABLE public.ar_notes OWNER TO ar_att$$) AS handed_to_a_role;
SELECT pg_catalog.pg_get_userbyid(relowner) = current_user AS still_superusers FROM pg_class WHERE oid = 'public.ar_notes'::regclass;
DROP TABLE public.ar_notes;
SELECT pg_temp.try($$CREATE SCHEMA ar_s AUTHORIZATION ar_att
  CREATE TABLE t (grant_id uuid REFERENCES customer_access.external_access (id) ON DELETE CASCADE)$$) AS schema_element;
DROP TABLE ar_att.keep;

-- 2. CREATE INDEX CONCURRENTLY commits the index (ready: every later write of the table
-- evaluates it) before the end of the statement, where the code rule refused it: the index
-- stayed, invalid but maintained, and each superuser's INSERT or UPDATE of a grant ran the
-- role's function as the superuser. It is judged at its start.
CREATE INDEX CONCURRENTLY ar_cic ON customer_access.external_access (ar_att.evil_text(notes));
CREATE INDEX CONCURRENTLY ar_cic ON customer_access.external_access (notes) WHERE ar_att.evil_text(notes) IS NOT NULL;
SELECT count(*) AS leftover_indexes FROM pg_index
 WHERE indrelid = 'customer_access.external_access'::regclass AND indexrelid::regclass::text LIKE '%ar_cic%';
UPDATE customer_access.external_access SET notes = 'written by a superuser' WHERE id = '0a000000-0000-0000-0000-000000000003';
SELECT rolsuper AS ar_att_is_superuser FROM pg_roles WHERE rolname = 'ar_att';
-- what the rule allows is made concurrently as before
CREATE INDEX CONCURRENTLY ar_cic_ok ON customer_access.external_access (lower(notes));
SELECT indisvalid AS made FROM pg_index WHERE indexrelid = 'customer_access.ar_cic_ok'::regclass;
DROP INDEX customer_access.ar_cic_ok;

-- 3. TRUNCATE fires no row trigger: with the exit it revoked an Owner, and without it the
-- table's owner (or a role granted TRUNCATE) removed every other grant, with no history
-- entry (SPEC: every change under the exit is in the history). Each grant it removes is
-- recorded as a DELETE.
BEGIN;
SELECT pg_temp.try($$TRUNCATE customer_access.external_access$$) AS owner_present;
SET LOCAL customer_access.allow_owner_revoke = on;
TRUNCATE customer_access.external_access;
SELECT operation, access_id, old_row ->> 'role' AS role, owner_override, new_row IS NULL AS no_new_row
  FROM customer_access.external_access_history
 WHERE access_id IN ('0a000000-0000-0000-0000-000000000001', '0a000000-0000-0000-0000-000000000003')
   AND operation = 'DELETE'
 ORDER BY access_id;
ROLLBACK;

-- Siblings, as an attacker would look for them next.
-- 1b. ATTACH PARTITION gives the partition a copy of the parent's keys: a superuser's
-- cascading key would act on a role's table, as would one on a partition handed to a role.
CREATE TABLE public.ar_parted (grant_id uuid REFERENCES customer_access.external_access (id) ON DELETE CASCADE, k int)
  PARTITION BY LIST (k);
SET ROLE ar_att;
CREATE TABLE ar_att.part (grant_id uuid, k int);
RESET ROLE;
SELECT pg_temp.try($$ALTER TABLE public.ar_parted ATTACH PARTITION ar_att.part FOR VALUES IN (1)$$) AS role_partition;
CREATE TABLE public.ar_part_su (grant_id uuid, k int);
SELECT pg_temp.try($$ALTER TABLE public.ar_parted ATTACH PARTITION public.ar_part_su FOR VALUES IN (2)$$) AS superusers_partition;
CREATE TABLE public.ar_part_made PARTITION OF public.ar_parted FOR VALUES IN (3);
SELECT pg_temp.try($$ALTER TABLE public.ar_part_made OWNER TO ar_att$$) AS partition_handed_to_a_role;
-- a key that does not act may be copied to anyone's partition
CREATE TABLE public.ar_parted_keep (grant_id uuid REFERENCES customer_access.external_access (id), k int)
  PARTITION BY LIST (k);
SELECT pg_temp.try($$ALTER TABLE public.ar_parted_keep ATTACH PARTITION ar_att.part FOR VALUES IN (1)$$) AS role_partition_no_action;
DROP TABLE public.ar_parted, public.ar_parted_keep;

-- 3b. TRUNCATE ... CASCADE from a table the grants reference truncates the grants too: the
-- same rule (no Owner without the exit) and the same history.
CREATE TABLE public.ar_customers (id uuid PRIMARY KEY);
INSERT INTO public.ar_customers VALUES ('ca000000-0000-0000-0000-000000000001');
ALTER TABLE customer_access.external_access
  ADD CONSTRAINT ar_customer_fk FOREIGN KEY (customer_id) REFERENCES public.ar_customers (id) NOT VALID;
BEGIN;
SELECT pg_temp.try($$TRUNCATE public.ar_customers CASCADE$$) AS cascade_owner_present;
SET LOCAL customer_access.allow_owner_revoke = on;
TRUNCATE public.ar_customers CASCADE;
SELECT count(*) AS grants_left FROM customer_access.external_access;
SELECT operation, access_id, old_row ->> 'role' AS role, owner_override
  FROM customer_access.external_access_history
 WHERE access_id IN ('0a000000-0000-0000-0000-000000000001', '0a000000-0000-0000-0000-000000000003')
   AND operation = 'DELETE'
 ORDER BY access_id;
ROLLBACK;
ALTER TABLE customer_access.external_access DROP CONSTRAINT ar_customer_fk;
DROP TABLE public.ar_customers;

-- 3c. The history is never truncated, alone, with the grants, or with the exit.
SELECT pg_temp.try($$TRUNCATE customer_access.external_access_history$$) AS history_alone;
BEGIN;
SET LOCAL customer_access.allow_owner_revoke = on;
SELECT pg_temp.try($$TRUNCATE customer_access.external_access, customer_access.external_access_history$$) AS history_with_grants;
ROLLBACK;

-- Clean up
SET customer_access.allow_owner_revoke = on;
DELETE FROM customer_access.external_access WHERE id::text LIKE '0a000000-%';
RESET customer_access.allow_owner_revoke;
REVOKE REFERENCES ON customer_access.external_access FROM ar_att;
DROP SCHEMA ar_att CASCADE;
DROP ROLE ar_att;

-- 1.3 features: expiring grants (checks, listings, planner, Owner rule, history, self-service),
-- the delegation rule shared by the functions and the policies, copy_access(). Change
-- notifications are tested with a real listener in test/tap/007_notifications.pl.
\set ECHO none
\i test/sql/try.sql
-- try(), with the points in time of messages masked (they follow the clock)
CREATE FUNCTION pg_temp.try_t(statement text) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(pg_temp.try(statement), '[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d(\.\d+)? \d{4} UTC', '<time>', 'g') $$;
\set ECHO all
SET search_path = customer_access, public;
SET TimeZone = 'UTC';

-- Customers A, B; users: temp (L30 on A, expired yesterday), soon (L30 on A, expires in a
-- day), plain (L30 on A, never), admin (L80 on A, 30 days, expires in 2 days), owner (L90 on
-- A), clerk (L20 on A and B, 14 days, notes, expires in a day), old (L80 on B, expired).
CREATE TEMP TABLE who (name text PRIMARY KEY, id uuid);
INSERT INTO who VALUES ('temp', 'a9000000-0000-0000-0000-000000000001'), ('soon', 'a9000000-0000-0000-0000-000000000002'),
  ('plain', 'a9000000-0000-0000-0000-000000000003'), ('admin', 'a9000000-0000-0000-0000-000000000080'),
  ('owner', 'a9000000-0000-0000-0000-000000000090'), ('clerk', 'a9000000-0000-0000-0000-000000000020'),
  ('old', 'a9000000-0000-0000-0000-0000000000b8'), ('newbie', 'a9000000-0000-0000-0000-0000000000ee');
CREATE FUNCTION pg_temp.id(person text) RETURNS uuid LANGUAGE sql AS $$ SELECT id FROM who WHERE name = person $$;
INSERT INTO external_access (customer_id, user_id, role, days_back_access, notes, expires_at) VALUES
  ('c9000000-0000-0000-0000-00000000000a', pg_temp.id('temp'), 'L30', NULL, 'temporary', now() - interval '1 day'),
  ('c9000000-0000-0000-0000-00000000000a', pg_temp.id('soon'), 'L30', NULL, 'contractor', now() + interval '1 day'),
  ('c9000000-0000-0000-0000-00000000000a', pg_temp.id('plain'), 'L30', NULL, NULL, NULL),
  ('c9000000-0000-0000-0000-00000000000a', pg_temp.id('admin'), 'L80', 30, 'admin', now() + interval '2 days'),
  ('c9000000-0000-0000-0000-00000000000a', pg_temp.id('owner'), 'L90', NULL, 'owner', NULL),
  ('c9000000-0000-0000-0000-00000000000a', pg_temp.id('clerk'), 'L20', 14, 'front desk', now() + interval '1 day'),
  ('c9000000-0000-0000-0000-00000000000b', pg_temp.id('clerk'), 'L20', 14, 'front desk B', now() + interval '1 day'),
  ('c9000000-0000-0000-0000-00000000000b', pg_temp.id('old'), 'L80', NULL, 'former admin', now() - interval '1 hour');
SELECT attnum, attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'external_access'::regclass AND attnum = 8;

-- 1. The checks ignore expired grants: every form, the same answer
SELECT w.name,
       has_customer_access(w.id, 'c9000000-0000-0000-0000-00000000000a', 'L10') AS undated,
       has_customer_access(w.id, 'c9000000-0000-0000-0000-00000000000a', current_date, 'L10') AS dated,
       has_customer_access(w.id, 'c9000000-0000-0000-0000-00000000000a', now(), 'L10') AS timestamped
  FROM who w ORDER BY w.name;
BEGIN;
SELECT set_config('customer_access.user_id', pg_temp.id('temp')::text, true) IS NOT NULL AS temp_acts;
SELECT can_access('c9000000-0000-0000-0000-00000000000a', 'L10') AS temp_undated,
       can_access('c9000000-0000-0000-0000-00000000000a', current_date, 'L10') AS temp_dated;
SELECT set_config('customer_access.user_id', pg_temp.id('soon')::text, true) IS NOT NULL AS soon_acts;
SELECT can_access('c9000000-0000-0000-0000-00000000000a', 'L10') AS soon_undated;
COMMIT;
-- A grant that expires exactly at now() has expired; an instant later than now() it counts
BEGIN;
UPDATE external_access SET expires_at = now() WHERE user_id = pg_temp.id('plain');
SELECT has_customer_access(pg_temp.id('plain'), 'c9000000-0000-0000-0000-00000000000a', 'L10') AS at_now;
UPDATE external_access SET expires_at = now() + interval '1 microsecond' WHERE user_id = pg_temp.id('plain');
SELECT has_customer_access(pg_temp.id('plain'), 'c9000000-0000-0000-0000-00000000000a', 'L10') AS just_after_now;
UPDATE external_access SET expires_at = 'infinity' WHERE user_id = pg_temp.id('plain');
SELECT has_customer_access(pg_temp.id('plain'), 'c9000000-0000-0000-0000-00000000000a', 'L10') AS at_infinity;
UPDATE external_access SET expires_at = '-infinity' WHERE user_id = pg_temp.id('plain');
SELECT has_customer_access(pg_temp.id('plain'), 'c9000000-0000-0000-0000-00000000000a', 'L10') AS at_minus_infinity;
ROLLBACK;
-- A grant that expires while the transaction runs counts until it ends: now() is its start
BEGIN;
UPDATE external_access SET expires_at = clock_timestamp() + interval '200 milliseconds' WHERE user_id = pg_temp.id('plain');
SELECT pg_sleep(0.3);
SELECT clock_timestamp() > expires_at AS expired_by_the_clock,
       has_customer_access(pg_temp.id('plain'), 'c9000000-0000-0000-0000-00000000000a', 'L10') AS still_counts
  FROM external_access WHERE user_id = pg_temp.id('plain');
COMMIT;
SELECT has_customer_access(pg_temp.id('plain'), 'c9000000-0000-0000-0000-00000000000a', 'L10') AS next_transaction;
UPDATE external_access SET expires_at = NULL WHERE user_id = pg_temp.id('plain');

-- 2. The listings: expired grants are left out, expires_at is the last column
SELECT (SELECT array_agg(attname ORDER BY attnum) FROM pg_attribute
         WHERE attrelid = (SELECT prorettype FROM pg_proc WHERE oid = 'accessible_customers(uuid, access_role)'::regprocedure)::regclass)
       IS NULL AS returns_a_table,
       pg_get_function_result('accessible_customers(uuid, access_role)'::regprocedure) AS accessible_customers,
       pg_get_function_result('who_can_access(uuid, access_role)'::regprocedure) AS who_can_access;
SELECT w.name, a.role, a.days_back_access, round(extract(epoch FROM a.expires_at - now()) / 3600) AS hours_left
  FROM who w, accessible_customers(w.id) a ORDER BY w.name, a.customer_id;
SELECT w.name, c.role, round(extract(epoch FROM c.expires_at - now()) / 3600) AS hours_left
  FROM who_can_access('c9000000-0000-0000-0000-00000000000a') c JOIN who w ON w.id = c.user_id ORDER BY w.name;
SELECT w.name, accessible_customer_ids(w.id, 'L10') AS ids FROM who w WHERE w.name IN ('temp', 'soon', 'old') ORDER BY 1;
SELECT w.name, earliest_visible_date(w.id, 'L10') = current_date - 14 AS clerk_bound,
       earliest_visible_date(w.id, 'L10') = 'infinity' AS no_bound
  FROM who w WHERE w.name IN ('temp', 'clerk', 'old') ORDER BY 1;
-- an expired unlimited grant no longer opens the date bound
INSERT INTO external_access (customer_id, user_id, role, days_back_access, expires_at)
VALUES ('c9000000-0000-0000-0000-00000000000c', pg_temp.id('clerk'), 'L20', NULL, now() - interval '1 second');
SELECT earliest_visible_date(pg_temp.id('clerk'), 'L10') = current_date - 14 AS clerk_bound_unchanged;
DELETE FROM external_access WHERE customer_id = 'c9000000-0000-0000-0000-00000000000c';

-- 3. Row-level security and the planner: an expired grant hides its rows, the index
-- condition leaves its customer out, and the estimate follows an expiry at once
CREATE SCHEMA app;
CREATE TABLE app.orders (id bigint PRIMARY KEY, customer_id uuid NOT NULL, order_date date NOT NULL);
INSERT INTO app.orders
  SELECT g, ('c9' || lpad(to_hex(g % 400), 30, '0'))::uuid, current_date - g % 50 FROM generate_series(1, 40000) g;
CREATE INDEX ON app.orders (customer_id);
ANALYZE app.orders;
CREATE ROLE ca_features_portal;
GRANT USAGE ON SCHEMA app TO ca_features_portal;
GRANT SELECT ON app.orders TO ca_features_portal;
ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY portal ON app.orders FOR SELECT TO ca_features_portal
  USING (customer_access.can_access(customer_id, order_date, 'L20'));
-- the reader: L20 on customers 1, 2, 3; 2 expired yesterday, 3 expires in a moment
INSERT INTO who VALUES ('reader', 'a9000000-0000-0000-0000-0000000000dd');
INSERT INTO external_access (customer_id, user_id, role, days_back_access, expires_at) VALUES
  (('c9' || lpad(to_hex(1), 30, '0'))::uuid, pg_temp.id('reader'), 'L20', NULL, NULL),
  (('c9' || lpad(to_hex(2), 30, '0'))::uuid, pg_temp.id('reader'), 'L20', NULL, now() - interval '1 day'),
  (('c9' || lpad(to_hex(3), 30, '0'))::uuid, pg_temp.id('reader'), 'L20', NULL, NULL);
ANALYZE external_access;
GRANT SELECT ON who TO ca_features_portal;
CREATE FUNCTION pg_temp.reader_sees() RETURNS TABLE (customer text, orders bigint) LANGUAGE sql AS $$
  SELECT right(customer_id::text, 1), count(*) FROM app.orders GROUP BY 1 ORDER BY 1 $$;
CREATE FUNCTION pg_temp.estimate(query text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;
CREATE FUNCTION pg_temp.index_condition(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; found text := 'none';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    IF line ~ 'accessible_customer_ids' THEN found := 'customer = ANY(accessible_customer_ids(...))'; END IF;
  END LOOP;
  RETURN found;
END $$;
-- Customer 3's grant expires half a second after this transaction's now(): in force in it
BEGIN;
UPDATE external_access SET expires_at = now() + interval '500 milliseconds'
 WHERE customer_id = ('c9' || lpad(to_hex(3), 30, '0'))::uuid;
SET LOCAL ROLE ca_features_portal;
SELECT set_config('customer_access.user_id', 'a9000000-0000-0000-0000-0000000000dd', true) IS NOT NULL AS reader_acts;
SELECT * FROM pg_temp.reader_sees();
SELECT pg_temp.index_condition('SELECT count(*) FROM app.orders') AS index_condition;
SELECT accessible_customer_ids('a9000000-0000-0000-0000-0000000000dd', 'L20') AS index_condition_customers;
SELECT pg_temp.estimate('SELECT * FROM app.orders') AS estimate_with_two \gset
COMMIT;
SELECT pg_sleep_until(expires_at + interval '50 milliseconds')
  FROM external_access WHERE customer_id = ('c9' || lpad(to_hex(3), 30, '0'))::uuid;
-- The next transaction: customer 3 has expired. The estimate counted within the last second
-- is not reused across the expiry: half the rows now
BEGIN;
SET LOCAL ROLE ca_features_portal;
SELECT set_config('customer_access.user_id', 'a9000000-0000-0000-0000-0000000000dd', true) IS NOT NULL AS reader_acts;
SELECT pg_temp.estimate('SELECT * FROM app.orders') AS estimate_with_one \gset
SELECT :estimate_with_one < :estimate_with_two AS fewer_rows_estimated,
       abs(2 * :estimate_with_one - :estimate_with_two) <= 2 AS half_of_them;
SELECT * FROM pg_temp.reader_sees();
SELECT accessible_customer_ids('a9000000-0000-0000-0000-0000000000dd', 'L20') AS index_condition_customers;
COMMIT;

-- 4. An Owner never expires: 42501 like any other narrowing of an Owner
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role, expires_at)
  VALUES ('c9000000-0000-0000-0000-00000000000b', 'a9000000-0000-0000-0000-0000000000ee', 'Owner', now() + interval '1 year')$$);
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role, expires_at)
  VALUES ('c9000000-0000-0000-0000-00000000000b', 'a9000000-0000-0000-0000-0000000000ee', 'Owner', now() - interval '1 year')$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET expires_at = now() + interval '1 day'
  WHERE user_id = 'a9000000-0000-0000-0000-000000000090'$$);
-- making a grant with an expiry an Owner without clearing it
SELECT pg_temp.try($$UPDATE customer_access.external_access SET role = 'Owner' WHERE user_id = 'a9000000-0000-0000-0000-000000000002'$$);
-- ... through INSERT ... ON CONFLICT DO UPDATE and MERGE too, and in replica mode
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role)
  VALUES ('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-000000000002', 'Owner')
  ON CONFLICT (user_id, customer_id) DO UPDATE SET role = EXCLUDED.role$$);
SELECT pg_temp.try($$MERGE INTO customer_access.external_access e USING (SELECT 1) s ON e.user_id = 'a9000000-0000-0000-0000-000000000090'
  WHEN MATCHED THEN UPDATE SET expires_at = now() + interval '1 minute'$$);
SET session_replication_role = replica;
SELECT pg_temp.try($$UPDATE customer_access.external_access SET expires_at = now() WHERE user_id = 'a9000000-0000-0000-0000-000000000090'$$);
RESET session_replication_role;
-- refused too: 'infinity' (an Owner's expires_at stays NULL, how a grant says "never")
SELECT pg_temp.try($$UPDATE customer_access.external_access SET expires_at = 'infinity' WHERE user_id = 'a9000000-0000-0000-0000-000000000090'$$);
-- allowed: clearing the expiry while making it an Owner; notes
BEGIN;
UPDATE external_access SET role = 'Owner', expires_at = NULL WHERE user_id = pg_temp.id('soon') RETURNING role, expires_at;
ROLLBACK;
-- the superuser's exit lets it through, recorded as an override
BEGIN;
SET LOCAL customer_access.allow_owner_revoke = on;
UPDATE external_access SET expires_at = now() + interval '1 day' WHERE user_id = pg_temp.id('owner');
SELECT owner_override, new_row->>'role' AS role, new_row->>'expires_at' IS NOT NULL AS has_expiry
  FROM external_access_history ORDER BY history_id DESC LIMIT 1;
ROLLBACK;

-- 5. The history records expires_at: PostgreSQL's JSON of a timestamptz, in UTC whatever the
-- session's zone (and null for never)
SET TimeZone = 'America/New_York';
UPDATE external_access SET expires_at = '2031-02-03 04:05:06.5+01' WHERE user_id = pg_temp.id('plain');
SELECT old_row->'expires_at' AS old_expiry, new_row->'expires_at' AS new_expiry,
       (new_row->>'expires_at')::timestamptz = '2031-02-03 04:05:06.5+01' AS same_instant
  FROM external_access_history ORDER BY history_id DESC LIMIT 1;
UPDATE external_access SET expires_at = NULL WHERE user_id = pg_temp.id('plain');
RESET TimeZone;
SET TimeZone = 'UTC';
SELECT ARRAY(SELECT jsonb_object_keys(new_row) ORDER BY 1) AS keys FROM external_access_history ORDER BY history_id DESC LIMIT 1;

-- 6. Self-service: nobody gives more than they hold, in time too. One rule, in can_grant()
-- and can_manage(), which the policies call
CREATE ROLE ca_features_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON external_access TO ca_features_app;
GRANT SELECT ON who TO ca_features_app;
SELECT polname, pg_get_expr(polqual, polrelid) AS using, pg_get_expr(polwithcheck, polrelid) AS with_check
  FROM pg_policy WHERE polrelid = 'external_access'::regclass ORDER BY 1;
SET ROLE ca_features_app;
BEGIN;
SELECT set_config('customer_access.user_id', 'a9000000-0000-0000-0000-000000000080', true) IS NOT NULL AS admin_acts;
-- the Admin (30 days, expiring in 2 days) on A
SELECT can_manage('c9000000-0000-0000-0000-00000000000a') AS manages_a, can_manage('c9000000-0000-0000-0000-00000000000b') AS manages_b,
       can_manage(NULL) AS manages_null;
SELECT can_grant('c9000000-0000-0000-0000-00000000000a', 'L20', 30) AS never_expiring_3_args,
       can_grant('c9000000-0000-0000-0000-00000000000a', 'L20', 30, NULL) AS never_expiring,
       can_grant('c9000000-0000-0000-0000-00000000000a', 'L20', 30, now() + interval '1 day') AS tomorrow,
       can_grant('c9000000-0000-0000-0000-00000000000a', 'L20', 30, now() + interval '2 days') AS same_as_own,
       can_grant('c9000000-0000-0000-0000-00000000000a', 'L20', 30, now() + interval '3 days') AS later_than_own,
       can_grant('c9000000-0000-0000-0000-00000000000a', 'L20', 30, now() - interval '1 day') AS in_the_past,
       can_grant('c9000000-0000-0000-0000-00000000000a', 'L80', 31, now()) AS wider_window,
       can_grant('c9000000-0000-0000-0000-00000000000a', 'L90', 1, now()) AS owner,
       can_grant('c9000000-0000-0000-0000-00000000000a', 'L20', -1, now()) AS negative_window,
       can_grant('c9000000-0000-0000-0000-00000000000b', 'L10', 0, now()) AS other_customer;
SELECT pg_temp.try_t($$SELECT customer_access.grant_access('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000ee', 'L20', 30)$$);
SELECT pg_temp.try_t($$SELECT customer_access.grant_access('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000ee', 'L20', 30, NULL,
  now() + interval '3 days')$$);
SELECT pg_temp.try_t($$SELECT customer_access.grant_access('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000ee', 'L20', -1, NULL,
  now())$$);
SELECT pg_temp.try_t($$SELECT customer_access.grant_access(NULL, 'a9000000-0000-0000-0000-0000000000ee', 'L20', 1)$$);
-- the old five-argument calls work, positionally and by name; expires_at by name
SELECT role, days_back_access, notes, expires_at - now() AS expires_in
  FROM grant_access('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000ee', 'L20', 30, 'new',
                    expires_at => now() + interval '1 day');
SELECT role, days_back_access, notes, expires_at - now() AS expires_in
  FROM grant_access(customer_id => 'c9000000-0000-0000-0000-00000000000a', user_id => 'a9000000-0000-0000-0000-0000000000ee',
                    role => 'L30', days_back_access => 7, notes => NULL, expires_at => now() + interval '1 day');
-- an expiry in the past is allowed: the grant is simply expired
SELECT role, expires_at < now() AS expired FROM grant_access('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000ee', 'L30', 7, NULL, now() - interval '1 hour');
SELECT has_customer_access(current_user_id(), 'c9000000-0000-0000-0000-00000000000a', 'L10') AS admin_checks_self;
-- the policies: the same rule for plain DML
SELECT pg_temp.try($$UPDATE customer_access.external_access SET expires_at = NULL WHERE user_id = 'a9000000-0000-0000-0000-0000000000ee'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET expires_at = now() + interval '3 days' WHERE user_id = 'a9000000-0000-0000-0000-0000000000ee'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET expires_at = now() + interval '36 hours' WHERE user_id = 'a9000000-0000-0000-0000-0000000000ee'$$);
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  VALUES ('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000ff', 'L10', 1)$$);
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access, expires_at)
  VALUES ('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000ff', 'L10', 1, now() + interval '1 hour')$$);
SELECT count(*) AS admin_sees FROM external_access;
COMMIT;
-- an expired Admin manages nothing and sees only their own grant
BEGIN;
SELECT set_config('customer_access.user_id', 'a9000000-0000-0000-0000-0000000000b8', true) IS NOT NULL AS expired_admin_acts;
SELECT can_manage('c9000000-0000-0000-0000-00000000000b') AS manages_b, count(*) AS sees FROM external_access;
SELECT pg_temp.try_t($$SELECT customer_access.grant_access('c9000000-0000-0000-0000-00000000000b', 'a9000000-0000-0000-0000-0000000000ee', 'L10', 1)$$);
SELECT pg_temp.try($$SELECT customer_access.revoke_access('c9000000-0000-0000-0000-00000000000b', 'a9000000-0000-0000-0000-000000000020')$$);
SELECT pg_temp.try($$SELECT count(*) FROM customer_access.customer_users('c9000000-0000-0000-0000-00000000000b')$$);
DELETE FROM external_access WHERE customer_id = 'c9000000-0000-0000-0000-00000000000b';
COMMIT;
-- the Owner gives an expiring Admin, and lists and revokes
BEGIN;
SELECT set_config('customer_access.user_id', 'a9000000-0000-0000-0000-000000000090', true) IS NOT NULL AS owner_acts;
SELECT role, expires_at - now() AS expires_in
  FROM grant_access('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000ff', 'Admin', NULL, 'auditor', now() + interval '14 days');
SELECT pg_temp.try_t($$SELECT customer_access.grant_access('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000fe', 'Owner', NULL, NULL, now() + interval '14 days')$$);
SELECT w.name, c.role FROM customer_users('c9000000-0000-0000-0000-00000000000a') c LEFT JOIN who w ON w.id = c.user_id
 ORDER BY c.role DESC, w.name;
SELECT user_id, role FROM revoke_access('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000ff');
SELECT pg_temp.try($$SELECT customer_access.revoke_access('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000ff')$$);
SELECT pg_temp.try($$SELECT customer_access.revoke_access(NULL, 'a9000000-0000-0000-0000-0000000000ff')$$);
COMMIT;
-- no application user
SELECT pg_temp.try_t($$SELECT customer_access.grant_access('c9000000-0000-0000-0000-00000000000a', 'a9000000-0000-0000-0000-0000000000ee', 'L20', 1)$$);
SELECT can_grant('c9000000-0000-0000-0000-00000000000a', 'L10', 0, NULL) AS nobody_grants,
       can_manage('c9000000-0000-0000-0000-00000000000a') AS nobody_manages;
RESET ROLE;
-- under require_identity, no user is 28000 for can_manage (and so for the policies), as for the checks
SET customer_access.require_identity = on;
SET ROLE ca_features_app;
SELECT pg_temp.try($$SELECT customer_access.can_manage('c9000000-0000-0000-0000-00000000000a')$$) AS can_manage_no_user;
SELECT pg_temp.try($$SELECT count(*) FROM customer_access.external_access$$) AS policy_no_user;
RESET ROLE;
RESET customer_access.require_identity;

-- 7. copy_access(): an Admin copies a clerk's access to a new clerk, where they may give it
DELETE FROM external_access WHERE user_id = pg_temp.id('newbie');
INSERT INTO who VALUES ('clerk2', 'a9000000-0000-0000-0000-000000000022');
-- the clerk also has an expired grant, one above the Admin, one with a wider window, and
-- one on a customer the Admin does not manage; the new clerk has a grant on D already
INSERT INTO external_access (customer_id, user_id, role, days_back_access, notes, expires_at) VALUES
  ('c9000000-0000-0000-0000-00000000000c', pg_temp.id('admin'), 'L80', 30, NULL, now() + interval '2 days'),
  ('c9000000-0000-0000-0000-00000000000d', pg_temp.id('admin'), 'L80', 30, NULL, now() + interval '2 days'),
  ('c9000000-0000-0000-0000-00000000000e', pg_temp.id('admin'), 'L80', 30, NULL, now() + interval '2 days'),
  ('c9000000-0000-0000-0000-00000000000f', pg_temp.id('admin'), 'L80', 30, NULL, now() + interval '2 days'),
  ('c9000000-0000-0000-0000-00000000000c', pg_temp.id('clerk'), 'L20', 14, 'expired', now() - interval '1 day'),
  ('c9000000-0000-0000-0000-00000000000d', pg_temp.id('clerk'), 'L20', 7, 'on D', now() + interval '1 day'),
  ('c9000000-0000-0000-0000-00000000000e', pg_temp.id('clerk'), 'L20', 60, 'wide', now() + interval '1 day'),
  ('c9000000-0000-0000-0000-00000000000f', pg_temp.id('clerk'), 'L90', NULL, 'owner of F', NULL),
  ('c9000000-0000-0000-0000-00000000000d', pg_temp.id('clerk2'), 'L10', 1, 'kept', NULL);
SET ROLE ca_features_app;
BEGIN;
SELECT set_config('customer_access.user_id', 'a9000000-0000-0000-0000-000000000080', true) IS NOT NULL AS admin_acts;
SELECT pg_temp.try($$SELECT customer_access.copy_access(NULL, 'a9000000-0000-0000-0000-000000000022')$$);
SELECT pg_temp.try($$SELECT customer_access.copy_access('a9000000-0000-0000-0000-000000000020', NULL)$$);
SELECT copy_access('a9000000-0000-0000-0000-000000000020', 'a9000000-0000-0000-0000-000000000022',
                   'c9000000-0000-0000-0000-00000000000e') AS copied_wider_window;
SELECT copy_access('a9000000-0000-0000-0000-000000000020', 'a9000000-0000-0000-0000-000000000022') AS copied;
SELECT copy_access('a9000000-0000-0000-0000-000000000020', 'a9000000-0000-0000-0000-000000000022') AS copied_again;
COMMIT;
RESET ROLE;
-- A (the clerk's 14 days and expiry, notes): copied; B: not the Admin's; C: expired; D: kept;
-- E: a window wider than the Admin's; F: Owner, above the Admin
SELECT right(customer_id::text, 1) AS customer, role, days_back_access, notes, expires_at = (
         SELECT f.expires_at FROM external_access f WHERE f.user_id = pg_temp.id('clerk') AND f.customer_id = e.customer_id) AS same_expiry
  FROM external_access e WHERE user_id = pg_temp.id('clerk2') ORDER BY customer_id;
SELECT h.operation, w.name AS acting, h.current_user_name, right(h.new_row->>'customer_id', 1) AS customer
  FROM external_access_history h JOIN who w ON w.id = h.application_user_id
 WHERE h.new_row->>'user_id' = 'a9000000-0000-0000-0000-000000000022' AND h.operation = 'INSERT'
   AND h.current_user_name = 'ca_features_app';
-- a superuser copies all (but what to_user has, and expired grants): B, E, F
SELECT copy_access(pg_temp.id('clerk'), pg_temp.id('clerk2')) AS superuser_copied;
SELECT string_agg(right(customer_id::text, 1) || ':' || role, ' ' ORDER BY customer_id) AS clerk2_now
  FROM external_access WHERE user_id = pg_temp.id('clerk2');
-- nobody, as a role that may not write every grant: 42501; a role without INSERT: 42501
SET ROLE ca_features_app;
SELECT pg_temp.try($$SELECT customer_access.copy_access('a9000000-0000-0000-0000-000000000020', 'a9000000-0000-0000-0000-000000000023')$$);
RESET ROLE;
CREATE ROLE ca_features_reader;
GRANT SELECT ON external_access TO ca_features_reader;
BEGIN;
SELECT set_config('customer_access.user_id', 'a9000000-0000-0000-0000-000000000080', true) IS NOT NULL AS admin_acts;
SET LOCAL ROLE ca_features_reader;
SELECT pg_temp.try($$SELECT customer_access.copy_access('a9000000-0000-0000-0000-000000000020', 'a9000000-0000-0000-0000-000000000023')$$);
COMMIT;

-- 8. Documented and executable: COMMENT ON every new function, EXECUTE for PUBLIC
SELECT p.oid::regprocedure AS function, obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_executes
  FROM pg_proc p WHERE p.pronamespace = 'customer_access'::regnamespace
   AND p.proname IN ('can_grant', 'can_manage', 'grant_access', 'copy_access', 'revoke_access', 'customer_users',
                     'accessible_customers', 'who_can_access')
 ORDER BY 1::text;
SELECT col_description('external_access'::regclass, 8) IS NOT NULL AS expires_at_commented;

-- 9. At 1.3 the column is part of the verified layout: without it (a superuser's exit) the
-- checks refuse to answer (55000) rather than count expired grants again
BEGIN;
SET LOCAL customer_access.allow_owner_revoke = on;
ALTER TABLE external_access DROP COLUMN expires_at CASCADE;
SELECT pg_temp.try($$SELECT customer_access.has_customer_access('a9000000-0000-0000-0000-000000000001', 'c9000000-0000-0000-0000-00000000000a', 'L10')$$);
ROLLBACK;

-- clean up
SET customer_access.allow_owner_revoke = on;
DELETE FROM external_access;
RESET customer_access.allow_owner_revoke;
DROP SCHEMA app CASCADE;
REVOKE ALL ON external_access FROM ca_features_app, ca_features_reader;
REVOKE ALL ON who FROM ca_features_app, ca_features_portal;
DROP ROLE ca_features_app;
DROP ROLE ca_features_reader;
DROP ROLE ca_features_portal;

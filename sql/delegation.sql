-- Self-service user management (1.1): a customer's Admins and Owners manage its users
-- through row-level security and grant_access/revoke_access/customer_users; nobody gains
-- more than they have. Every rule from both sides, through plain DML and the functions.
\set ECHO none
\i test/sql/try.sql
\set ECHO all
-- This suite gives the application user once per session (scope 'session', as in 1.1).
SET customer_access.identity_scope = session;
SET search_path = customer_access, public;

-- Customers A and B. On A: owner (unlimited), admin (90 days), basic user. On B: owner_b.
-- mixed is Admin on A (unlimited) and L20 on B.
CREATE TEMP TABLE who (name text PRIMARY KEY, id uuid);
INSERT INTO who VALUES ('owner', 'a5000000-0000-0000-0000-000000000090'), ('admin', 'a5000000-0000-0000-0000-000000000080'),
  ('basic', 'a5000000-0000-0000-0000-000000000010'), ('mixed', 'a5000000-0000-0000-0000-0000000000ab'),
  ('owner_b', 'a5000000-0000-0000-0000-0000000000b9'), ('newbie', 'a5000000-0000-0000-0000-0000000000ee'),
  ('stranger', 'a5000000-0000-0000-0000-0000000000ff');
INSERT INTO external_access (customer_id, user_id, role, days_back_access, notes) VALUES
  ('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-000000000090', 'Owner', NULL, 'owner'),
  ('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-000000000080', 'Admin', 90, 'admin'),
  ('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-000000000010', 'Basic', 30, 'basic'),
  ('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ab', 'Admin', NULL, 'mixed on A'),
  ('c5000000-0000-0000-0000-00000000000b', 'a5000000-0000-0000-0000-0000000000ab', 'Orders', 30, 'mixed on B'),
  ('c5000000-0000-0000-0000-00000000000b', 'a5000000-0000-0000-0000-0000000000b9', 'Owner', NULL, 'owner of B');

-- The application's database role: full DML, as a DBA would grant it
CREATE ROLE ca_portal_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON external_access TO ca_portal_app;
CREATE FUNCTION pg_temp.act(person text) RETURNS void LANGUAGE sql AS $$
  SELECT set_config('customer_access.user_id', (SELECT id::text FROM who WHERE name = person), false) $$;
CREATE FUNCTION pg_temp.state() RETURNS TABLE (customer text, "user" text, role customer_access.access_role, days integer, notes text)
  LANGUAGE sql AS $$
  SELECT right(e.customer_id::text, 1), w.name, e.role, e.days_back_access, e.notes
    FROM customer_access.external_access e LEFT JOIN who w ON w.id = e.user_id ORDER BY 1, 3 DESC, 2 $$;
GRANT SELECT ON who TO ca_portal_app;

-- Who sees what: Admins and Owners all of their customer's grants; everyone else only their own
CREATE FUNCTION pg_temp.sees() RETURNS TABLE (acting text, sees text) LANGUAGE plpgsql AS $$
DECLARE person text;
BEGIN
  FOR person IN SELECT name FROM who ORDER BY name LOOP
    PERFORM pg_temp.act(person);
    acting := person;
    SELECT string_agg(right(e.customer_id::text, 1) || ':' || coalesce(v.name, '?'), ' ' ORDER BY e.customer_id, v.name)
      INTO sees FROM customer_access.external_access e LEFT JOIN who v ON v.id = e.user_id;
    RETURN NEXT;
  END LOOP;
END $$;
SET ROLE ca_portal_app;
SELECT * FROM pg_temp.sees();
RESET customer_access.user_id;
SELECT count(*) AS seen_without_identity FROM external_access;

-- An Admin adds a user, up to Admin and within their own 90-day window
SELECT pg_temp.act('admin');
INSERT INTO external_access (customer_id, user_id, role, days_back_access)
VALUES ('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ee', 'Orders', 60);
UPDATE external_access SET role = 'Admin', days_back_access = 90 WHERE user_id = 'a5000000-0000-0000-0000-0000000000ee';
-- ... and is refused more than they hold: Owner, an unlimited or a wider window
SELECT pg_temp.try($$UPDATE customer_access.external_access SET role = 'Owner' WHERE user_id = 'a5000000-0000-0000-0000-0000000000ee'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET days_back_access = NULL WHERE user_id = 'a5000000-0000-0000-0000-0000000000ee'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET days_back_access = 91 WHERE user_id = 'a5000000-0000-0000-0000-0000000000ee'$$);
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  VALUES ('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ff', 'Owner', 30)$$);
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  VALUES ('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ff', 'Basic', NULL)$$);
-- ... cannot raise their own grant either
SELECT pg_temp.try($$UPDATE customer_access.external_access SET days_back_access = 365 WHERE user_id = 'a5000000-0000-0000-0000-000000000080'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET role = 'Owner' WHERE user_id = 'a5000000-0000-0000-0000-000000000080'$$);
-- ... cannot touch another customer, nor move a grant there
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  VALUES ('c5000000-0000-0000-0000-00000000000b', 'a5000000-0000-0000-0000-0000000000ff', 'Basic', 1)$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET customer_id = 'c5000000-0000-0000-0000-00000000000b' WHERE user_id = 'a5000000-0000-0000-0000-0000000000ee'$$);
UPDATE external_access SET role = 'Basic' WHERE customer_id = 'c5000000-0000-0000-0000-00000000000b';
DELETE FROM external_access WHERE customer_id = 'c5000000-0000-0000-0000-00000000000b';
-- ... cannot revoke or narrow the Owner, even where row security lets them reach the row
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE user_id = 'a5000000-0000-0000-0000-000000000090'$$);
SELECT pg_temp.try($$UPDATE customer_access.external_access SET notes = 'edited by admin' WHERE user_id = 'a5000000-0000-0000-0000-000000000090'$$);
-- ... but removes an ordinary grant of their customer
DELETE FROM external_access WHERE user_id = 'a5000000-0000-0000-0000-000000000010';
RESET ROLE;
SELECT * FROM pg_temp.state();

-- Nothing is half-changed: a multi-row UPDATE where one row escalates changes no row
SET ROLE ca_portal_app;
SELECT pg_temp.try($$UPDATE customer_access.external_access SET days_back_access = CASE WHEN user_id = 'a5000000-0000-0000-0000-0000000000ee' THEN 10 ELSE 999 END
  WHERE customer_id = 'c5000000-0000-0000-0000-00000000000a' AND role < 'L90'$$);
RESET ROLE;
SELECT "user", days FROM pg_temp.state() WHERE customer = 'a' ORDER BY 1;

-- A user who is Admin on A and L20 on B manages only A
SET ROLE ca_portal_app;
SELECT pg_temp.act('mixed');
SELECT right(customer_id::text, 1) AS customer, count(*) AS visible FROM external_access GROUP BY 1 ORDER BY 1;
UPDATE external_access SET notes = 'touched by mixed' WHERE user_id = 'a5000000-0000-0000-0000-0000000000ee';
SELECT pg_temp.try($$INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  VALUES ('c5000000-0000-0000-0000-00000000000b', 'a5000000-0000-0000-0000-0000000000ff', 'Basic', 1)$$);
UPDATE external_access SET notes = 'nope' WHERE customer_id = 'c5000000-0000-0000-0000-00000000000b';
-- ... and on B, where they are L20, not even their own grant
UPDATE external_access SET days_back_access = 365 WHERE customer_id = 'c5000000-0000-0000-0000-00000000000b' AND user_id = 'a5000000-0000-0000-0000-0000000000ab';
DELETE FROM external_access WHERE customer_id = 'c5000000-0000-0000-0000-00000000000b' AND user_id = 'a5000000-0000-0000-0000-0000000000ab';
-- someone with no grant changes nothing at all
SELECT pg_temp.act('stranger');
UPDATE external_access SET role = 'Basic';
DELETE FROM external_access;
RESET ROLE;
SELECT * FROM pg_temp.state();

-- The Owner may give Owner (and an unlimited window)
SET ROLE ca_portal_app;
SELECT pg_temp.act('owner');
UPDATE external_access SET role = 'Owner', days_back_access = NULL WHERE user_id = 'a5000000-0000-0000-0000-0000000000ee';
RESET ROLE;

-- The functions: the same rules, with messages that say which rule refused
SET ROLE ca_portal_app;
RESET customer_access.user_id;
SELECT pg_temp.try($$SELECT customer_access.grant_access('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ff', 'Basic', 1)$$);
SELECT pg_temp.act('basic');
SELECT pg_temp.try($$SELECT customer_access.grant_access('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ff', 'Basic', 1)$$);
SELECT pg_temp.act('admin');
SELECT pg_temp.try($$SELECT customer_access.grant_access('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ff', 'Owner', 1)$$);
SELECT pg_temp.try($$SELECT customer_access.grant_access('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ff', 'Basic', NULL)$$);
SELECT pg_temp.try($$SELECT customer_access.grant_access('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ff', 'Basic', 91)$$);
SELECT pg_temp.try($$SELECT customer_access.grant_access('c5000000-0000-0000-0000-00000000000b', 'a5000000-0000-0000-0000-0000000000ff', 'Basic', 1)$$);
SELECT pg_temp.try($$SELECT customer_access.grant_access(NULL, 'a5000000-0000-0000-0000-0000000000ff', 'Basic', 1)$$);
-- creating and then updating in one step, returning the row
SELECT customer_id, user_id, role, days_back_access, notes, object_version
  FROM grant_access('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ff', 'Orders', 14, 'added by admin');
SELECT customer_id, user_id, role, days_back_access, notes, object_version
  FROM grant_access('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ff', 'Billing', 90);
-- the Admin cannot use the function to narrow the (new) Owner
SELECT pg_temp.try($$SELECT customer_access.grant_access('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ee', 'Admin', 30)$$);
SELECT "user", role, days, notes FROM customer_users('c5000000-0000-0000-0000-00000000000a') c JOIN who ON who.id = c.user_id
  CROSS JOIN LATERAL (SELECT who.name AS "user", c.days_back_access AS days) x ORDER BY c.role DESC, 1;
SELECT pg_temp.try($$SELECT count(*) FROM customer_access.customer_users('c5000000-0000-0000-0000-00000000000b')$$);
SELECT user_id, role FROM revoke_access('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ff');
SELECT pg_temp.try($$SELECT customer_access.revoke_access('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-0000000000ff')$$);
SELECT pg_temp.try($$SELECT customer_access.revoke_access('c5000000-0000-0000-0000-00000000000a', 'a5000000-0000-0000-0000-000000000090')$$);
SELECT pg_temp.try($$SELECT customer_access.revoke_access('c5000000-0000-0000-0000-00000000000b', 'a5000000-0000-0000-0000-0000000000ab')$$);
RESET ROLE;

-- Every change is in the history with the acting application user
SELECT h.operation, coalesce(h.new_row->>'role', h.old_row->>'role') AS role, w.name AS acting, h.current_user_name
  FROM external_access_history h JOIN who w ON w.id = h.application_user_id
 WHERE coalesce(h.new_row, h.old_row)->>'customer_id' LIKE 'c5%' ORDER BY h.history_id;

-- The table owner and superusers keep full control
SELECT pg_temp.act('basic');
SELECT count(*) AS superuser_sees FROM external_access;
UPDATE external_access SET notes = 'superuser' WHERE customer_id = 'c5000000-0000-0000-0000-00000000000b' AND role < 'L90';
RESET customer_access.user_id;

-- Functions and policies are documented
SELECT polname, obj_description(oid, 'pg_policy') IS NOT NULL AS commented FROM pg_policy
 WHERE polrelid = 'customer_access.external_access'::regclass ORDER BY 1;

SET customer_access.allow_owner_revoke = on;
DELETE FROM external_access;
RESET customer_access.allow_owner_revoke;
DROP FUNCTION pg_temp.act(text);
DROP FUNCTION pg_temp.state();
DROP FUNCTION pg_temp.sees();
REVOKE ALL ON external_access FROM ca_portal_app;
REVOKE ALL ON who FROM ca_portal_app;
DROP ROLE ca_portal_app;

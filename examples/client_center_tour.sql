-- What each Client Center user sees, through the portal's role and policies.
-- Run after examples/client_center.sql:   psql -f examples/client_center_tour.sql
\pset footer off
\set QUIET on
SET search_path = client_center, public;

\echo '== The grants (customer_access.external_access)'
SELECT u.name AS "user", c.name AS customer, e.role, customer_access.api_name(e.role) AS api_name,
       coalesce(e.days_back_access::text, 'unlimited') AS days_back,
       coalesce(CASE WHEN e.expires_at <= now() THEN 'expired ' END || e.expires_at::date, 'never') AS expires
  FROM customer_access.external_access e JOIN users u ON u.id = e.user_id JOIN customers c ON c.id = e.customer_id
 ORDER BY e.role, c.name;

\set user_id a0000000-0000-0000-0000-000000000010
\ir client_center_user.sql
\set user_id a0000000-0000-0000-0000-000000000020
\ir client_center_user.sql
\set user_id a0000000-0000-0000-0000-000000000030
\ir client_center_user.sql
\set user_id a0000000-0000-0000-0000-000000000040
\ir client_center_user.sql
\set user_id a0000000-0000-0000-0000-000000000080
\ir client_center_user.sql
\set user_id a0000000-0000-0000-0000-000000000090
\ir client_center_user.sql

\echo
\echo '== An expiring grant lapses. Hal''s grant (Orders on Acme, 90 days) while it was in force:'
UPDATE customer_access.external_access SET expires_at = current_date + 1
 WHERE user_id = 'a0000000-0000-0000-0000-0000000000c1';
\set user_id a0000000-0000-0000-0000-0000000000c1
\ir client_center_user.sql
\echo
\echo '== ... and as it is: it expired yesterday at midnight, and hides the orders it showed'
UPDATE customer_access.external_access SET expires_at = current_date - 1
 WHERE user_id = 'a0000000-0000-0000-0000-0000000000c1';
\ir client_center_user.sql

\echo
\echo '== The application listens for changes of the grants (one notification per committed change)'
LISTEN customer_access_changed;
\echo
\echo '== User management: Eve (Admin) adds Gus as an Orders user of Acme'
BEGIN;
SET LOCAL ROLE portal;
SET LOCAL customer_access.user_id = 'a0000000-0000-0000-0000-000000000080';
SELECT role, days_back_access, notes FROM customer_access.grant_access(
    'c0000000-0000-0000-0000-0000000000a1', 'a0000000-0000-0000-0000-0000000000ee', 'Orders', 30, 'new clerk');
COMMIT;
\echo '== Eve tries to make Gus an Owner: refused, she holds only Admin'
\set ON_ERROR_STOP off
BEGIN;
SET LOCAL ROLE portal;
SET LOCAL customer_access.user_id = 'a0000000-0000-0000-0000-000000000080';
SELECT customer_access.grant_access('c0000000-0000-0000-0000-0000000000a1', 'a0000000-0000-0000-0000-0000000000ee', 'Owner', NULL);
ROLLBACK;
\set ON_ERROR_STOP on
\echo '== Fay (Owner) makes Gus an Owner'
BEGIN;
SET LOCAL ROLE portal;
SET LOCAL customer_access.user_id = 'a0000000-0000-0000-0000-000000000090';
SELECT role, days_back_access, notes FROM customer_access.grant_access(
    'c0000000-0000-0000-0000-0000000000a1', 'a0000000-0000-0000-0000-0000000000ee', 'Owner', NULL, 'promoted by Fay');
SELECT u.name AS "Acme's users, as Fay sees them", c.role, coalesce(c.days_back_access::text, 'unlimited') AS days_back
  FROM customer_access.customer_users('c0000000-0000-0000-0000-0000000000a1') c
  JOIN (VALUES ('a0000000-0000-0000-0000-000000000010'::uuid, 'Ann'), ('a0000000-0000-0000-0000-000000000020', 'Bob'),
               ('a0000000-0000-0000-0000-000000000030', 'Cat'), ('a0000000-0000-0000-0000-000000000040', 'Dan'),
               ('a0000000-0000-0000-0000-000000000080', 'Eve'), ('a0000000-0000-0000-0000-000000000090', 'Fay'),
               ('a0000000-0000-0000-0000-0000000000ee', 'Gus')) u(id, name) ON u.id = c.user_id;
COMMIT;

\echo
\echo '== Eve (Admin) copies Bob''s access (the clerk) to Jo (the new clerk)'
BEGIN;
SET LOCAL ROLE portal;
SET LOCAL customer_access.user_id = 'a0000000-0000-0000-0000-000000000080';
SELECT customer_access.copy_access('a0000000-0000-0000-0000-000000000020', 'a0000000-0000-0000-0000-0000000000c2')
       AS grants_copied;
COMMIT;
\set user_id a0000000-0000-0000-0000-0000000000c2
\ir client_center_user.sql

\echo
\echo '== The history of these changes, with the acting application user'
SELECT h.operation, h.new_row->>'role' AS role, v.name AS "for", u.name AS "changed by",
       h.current_user_name AS "database role"
  FROM customer_access.external_access_history h JOIN users u ON u.id = h.application_user_id
  JOIN users v ON v.id = (h.new_row->>'user_id')::uuid ORDER BY h.history_id;

\echo
\echo '== Revoking the Owner is refused, whoever tries (here: the superuser)'
\set ON_ERROR_STOP off
DELETE FROM customer_access.external_access WHERE user_id = 'a0000000-0000-0000-0000-000000000090';
UPDATE customer_access.external_access SET role = 'Admin' WHERE user_id = 'a0000000-0000-0000-0000-000000000090';
\set ON_ERROR_STOP on
SELECT u.name AS "user", e.role, e.object_version FROM customer_access.external_access e JOIN users u ON u.id = e.user_id
 WHERE e.role = 'L90';

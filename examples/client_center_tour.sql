-- What each Client Center user sees, through the portal's role and policies.
-- Run after examples/client_center.sql:   psql -f examples/client_center_tour.sql
\pset footer off
\set QUIET on
SET search_path = client_center, public;

\echo '== The grants (customer_access.external_access)'
SELECT u.name AS "user", c.name AS customer, e.role, customer_access.api_name(e.role) AS api_name,
       coalesce(e.days_back_access::text, 'unlimited') AS days_back
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

\echo '== Revoking the Owner is refused, whoever tries (here: the superuser)'
\set ON_ERROR_STOP off
DELETE FROM customer_access.external_access WHERE user_id = 'a0000000-0000-0000-0000-000000000090';
UPDATE customer_access.external_access SET role = 'Admin' WHERE user_id = 'a0000000-0000-0000-0000-000000000090';
\set ON_ERROR_STOP on
SELECT u.name AS "user", e.role, e.object_version FROM customer_access.external_access e JOIN users u ON u.id = e.user_id
 WHERE e.role = 'L90';

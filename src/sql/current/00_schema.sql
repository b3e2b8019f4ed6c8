-- customer_access: access roles, the grants table with Owner protection and history, the
-- access checks for row-level security, self-service management for customer Admins, trusted
-- identity, and the guard that keeps all of it out of reach of DDL.
--
-- This is the source of the newest full install script: the Makefile joins src/sql/current/*.sql,
-- in order, into src/sql/customer_access--<default_version>.sql. Change the objects here and
-- write the same change into the upgrade script from the previous version beside it.
\echo Use "CREATE EXTENSION customer_access" to load this file. \quit

COMMENT ON SCHEMA @extschema@ IS 'customer_access: who of a customer''s external users may see what';
-- Any role may call the checks from a policy; the tables below grant nothing to PUBLIC.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;


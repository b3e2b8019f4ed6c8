-- customer_access 1.2 -> 1.3 (ALTER EXTENSION customer_access UPDATE TO '1.3')
\echo Use "ALTER EXTENSION customer_access UPDATE TO '1.3'" to load this file. \quit

-- Identity (issue 20): login_users names the login role itself (its OID), not only its name.
-- Rows whose role exists are bound to it now; a row whose role does not exist stays unbound
-- (it maps nobody) until it is updated.
ALTER TABLE @extschema@.login_users ADD COLUMN role_oid oid;
UPDATE @extschema@.login_users u SET role_oid = r.oid
  FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) u.login;
COMMENT ON COLUMN @extschema@.login_users.role_oid IS
    'set by the extension: the OID of the login role when the row was written; a role dropped and created again under the same name is not this user (set it to NULL to bind the row to the role that has the name now)';
CREATE FUNCTION @extschema@.bind_login_role() RETURNS trigger
    AS 'MODULE_PATHNAME', 'bind_login_role' LANGUAGE C;
REVOKE EXECUTE ON FUNCTION @extschema@.bind_login_role() FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.bind_login_role() IS
    'Trigger of login_users: binds each row to its login role''s OID (42704 when the role does not exist)';
CREATE TRIGGER bind_login_role BEFORE INSERT OR UPDATE ON @extschema@.login_users
    FOR EACH ROW EXECUTE FUNCTION @extschema@.bind_login_role();
ALTER TABLE @extschema@.login_users ENABLE ALWAYS TRIGGER bind_login_role;
COMMENT ON TRIGGER bind_login_role ON @extschema@.login_users IS 'a row names the login role itself, not a name';

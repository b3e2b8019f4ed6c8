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

-- Tamper resistance 2: only superusers and the extension write table_extras.
CREATE FUNCTION @extschema@.protect_table_extras() RETURNS trigger
    AS 'MODULE_PATHNAME', 'protect_table_extras' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.protect_table_extras() IS
    'Trigger of table_extras: only superusers and customer_access itself insert, update, delete or truncate its rows';
REVOKE EXECUTE ON FUNCTION @extschema@.protect_table_extras() FROM PUBLIC;
CREATE TRIGGER protect BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.table_extras
    FOR EACH ROW EXECUTE FUNCTION @extschema@.protect_table_extras();
CREATE TRIGGER protect_truncate BEFORE TRUNCATE ON @extschema@.table_extras
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.protect_table_extras();
ALTER TABLE @extschema@.table_extras ENABLE ALWAYS TRIGGER protect;
ALTER TABLE @extschema@.table_extras ENABLE ALWAYS TRIGGER protect_truncate;
COMMENT ON TRIGGER protect ON @extschema@.table_extras IS 'only superusers and the extension write the records';
COMMENT ON TRIGGER protect_truncate ON @extschema@.table_extras IS 'only superusers empty the records';

-- The end-of-DDL guard applies the code and foreign-key rules.
COMMENT ON FUNCTION @extschema@.guard_ddl_end() IS
    'Event trigger: refuses (42501) CHECK constraints, indexes and foreign keys of the extension''s tables that break the code or foreign-key rule; keeps table_extras';
COMMENT ON EVENT TRIGGER customer_access_guard_code IS
    'customer_access: no code a role wrote runs in the constraints, indexes and foreign keys of the extension''s tables';

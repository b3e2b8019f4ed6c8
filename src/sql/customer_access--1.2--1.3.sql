-- customer_access 1.2 -> 1.3 (ALTER EXTENSION customer_access UPDATE TO '1.3')
\echo Use "ALTER EXTENSION customer_access UPDATE TO '1.3'" to load this file. \quit

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

-- ---------------------------------------------------------------------------
-- The DDL guard (see README "Security model")
-- ---------------------------------------------------------------------------
-- The user's own constraints and indexes on the extension's tables, as rows: pg_dump writes
-- no constraint or index of an extension's table, so the guard records them here (a
-- configuration table, dumped) and re-creates them after a restore.
CREATE TABLE @extschema@.table_extras (
    relation name NOT NULL,
    name name NOT NULL,
    kind text NOT NULL CONSTRAINT table_extras_kind_check CHECK (kind IN ('constraint', 'index')),
    definition text NOT NULL,
    refers_to text,
    created_in oid NOT NULL,
    CONSTRAINT table_extras_pkey PRIMARY KEY (relation, name)
);
COMMENT ON TABLE @extschema@.table_extras IS
    'The FOREIGN KEY and CHECK constraints and the indexes users added to the extension''s tables, kept across pg_dump and pg_restore';
COMMENT ON COLUMN @extschema@.table_extras.relation IS 'the extension''s table';
COMMENT ON COLUMN @extschema@.table_extras.name IS 'the constraint or index';
COMMENT ON COLUMN @extschema@.table_extras.kind IS 'constraint or index';
COMMENT ON COLUMN @extschema@.table_extras.definition IS 'pg_get_constraintdef or pg_get_indexdef, every name qualified';
COMMENT ON COLUMN @extschema@.table_extras.refers_to IS 'for a foreign key, the table it references (quoted, qualified): it is re-created once that table has its key';
COMMENT ON COLUMN @extschema@.table_extras.created_in IS 'the database it was recorded in; a restored row elsewhere is re-created there';
COMMENT ON CONSTRAINT table_extras_pkey ON @extschema@.table_extras IS 'one row per constraint or index';
COMMENT ON INDEX @extschema@.table_extras_pkey IS 'a constraint or index by name';
COMMENT ON CONSTRAINT table_extras_kind_check ON @extschema@.table_extras IS 'constraint or index';
REVOKE ALL ON @extschema@.table_extras FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.table_extras', '');

CREATE FUNCTION @extschema@.replay_table_extras() RETURNS trigger
    AS 'MODULE_PATHNAME', 'replay_table_extras' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.replay_table_extras() IS
    'Trigger of table_extras: re-creates restored constraints and indexes whose prerequisites exist';
CREATE TRIGGER replay AFTER INSERT ON @extschema@.table_extras
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.replay_table_extras();
ALTER TABLE @extschema@.table_extras ENABLE ALWAYS TRIGGER replay;
COMMENT ON TRIGGER replay ON @extschema@.table_extras IS 'restored rows become constraints and indexes again';
-- Its rows become constraints and indexes in a superuser's session: only superusers (a
-- restore) and the extension write them, whatever a role was granted.
CREATE FUNCTION @extschema@.protect_table_extras() RETURNS trigger
    AS 'MODULE_PATHNAME', 'protect_table_extras' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.protect_table_extras() IS
    'Trigger of table_extras: only superusers and customer_access itself insert, update, delete or truncate its rows';
CREATE TRIGGER protect BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.table_extras
    FOR EACH ROW EXECUTE FUNCTION @extschema@.protect_table_extras();
CREATE TRIGGER protect_truncate BEFORE TRUNCATE ON @extschema@.table_extras
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.protect_table_extras();
ALTER TABLE @extschema@.table_extras ENABLE ALWAYS TRIGGER protect;
ALTER TABLE @extschema@.table_extras ENABLE ALWAYS TRIGGER protect_truncate;
COMMENT ON TRIGGER protect ON @extschema@.table_extras IS 'only superusers and the extension write the records';
COMMENT ON TRIGGER protect_truncate ON @extschema@.table_extras IS 'only superusers empty the records';

CREATE FUNCTION @extschema@.guard_ddl() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'guard_ddl' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.guard_ddl() IS
    'Event trigger: refuses (42501) DDL that would change, hide or remove the extension''s objects, beyond the allowed constraints, indexes, comments, grants and storage parameters';
CREATE EVENT TRIGGER customer_access_guard ON ddl_command_start EXECUTE FUNCTION @extschema@.guard_ddl();
-- ALWAYS: the guard holds in every session_replication_role.
ALTER EVENT TRIGGER customer_access_guard ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER customer_access_guard IS
    'customer_access: DDL cannot revoke, narrow, hide or forge grants, history or the extension''s code';
CREATE FUNCTION @extschema@.guard_ddl_end() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'guard_ddl_end' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.guard_ddl_end() IS
    'Event trigger: refuses (42501) CHECK constraints, indexes and foreign keys of the extension''s tables that break the code or foreign-key rule; keeps table_extras';
CREATE EVENT TRIGGER customer_access_guard_code ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER SCHEMA', 'CREATE INDEX', 'DROP INDEX')
    EXECUTE FUNCTION @extschema@.guard_ddl_end();
ALTER EVENT TRIGGER customer_access_guard_code ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER customer_access_guard_code IS
    'customer_access: no code a role wrote runs in the constraints, indexes and foreign keys of the extension''s tables';


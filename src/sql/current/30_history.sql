-- ---------------------------------------------------------------------------
-- Change history (append-only)
-- ---------------------------------------------------------------------------
-- History ids are microseconds since the epoch times 1000 plus a counter: ordered like the
-- changes, and larger than every id a dumped history holds, so restoring a dump (whose grant
-- inserts are recorded before the old history rows are copied back) never collides.
CREATE SEQUENCE @extschema@.external_access_history_counter CYCLE MINVALUE 0 MAXVALUE 999 START 0;
COMMENT ON SEQUENCE @extschema@.external_access_history_counter IS 'low digits of history ids';
-- In C: evaluated for every history row, where a SQL function would be parsed every time.
CREATE FUNCTION @extschema@.next_history_id() RETURNS bigint
    AS 'MODULE_PATHNAME', 'next_history_id' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.next_history_id() IS
    'A new history id: microseconds since the epoch times 1000 plus a counter';

CREATE TABLE @extschema@.external_access_history (
    history_id bigint PRIMARY KEY DEFAULT @extschema@.next_history_id(),
    changed_at timestamptz NOT NULL DEFAULT now(),
    operation text NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'PURGE')),
    session_user_name name NOT NULL,
    current_user_name name NOT NULL,
    application_user_id uuid,
    access_id uuid,
    old_row jsonb,
    new_row jsonb,
    owner_override boolean NOT NULL DEFAULT false
);
CREATE INDEX external_access_history_access_idx ON @extschema@.external_access_history (access_id);
COMMENT ON TABLE @extschema@.external_access_history IS
    'Append-only record of every INSERT, UPDATE and DELETE of external_access';
COMMENT ON COLUMN @extschema@.external_access_history.history_id IS 'order of the changes';
COMMENT ON COLUMN @extschema@.external_access_history.changed_at IS 'when: the changing transaction''s start time';
COMMENT ON COLUMN @extschema@.external_access_history.operation IS 'INSERT, UPDATE or DELETE; PURGE for an entry of purge_history()';
COMMENT ON COLUMN @extschema@.external_access_history.session_user_name IS 'the database session user';
COMMENT ON COLUMN @extschema@.external_access_history.current_user_name IS 'the database role that made the change';
COMMENT ON COLUMN @extschema@.external_access_history.application_user_id IS 'the application user, customer_access.current_user_id()';
COMMENT ON COLUMN @extschema@.external_access_history.access_id IS 'external_access.id of the changed grant';
COMMENT ON COLUMN @extschema@.external_access_history.old_row IS 'the grant before the change (UPDATE, DELETE)';
COMMENT ON COLUMN @extschema@.external_access_history.new_row IS 'the grant after the change (INSERT, UPDATE)';
COMMENT ON COLUMN @extschema@.external_access_history.owner_override IS 'true when the change revoked or narrowed an Owner (under customer_access.allow_owner_revoke)';
COMMENT ON INDEX @extschema@.external_access_history_access_idx IS 'the history of one grant';
COMMENT ON CONSTRAINT external_access_history_pkey ON @extschema@.external_access_history IS 'one entry per id';
COMMENT ON INDEX @extschema@.external_access_history_pkey IS 'the history in order';
COMMENT ON CONSTRAINT external_access_history_operation_check ON @extschema@.external_access_history IS
    'INSERT, UPDATE, DELETE or PURGE';

CREATE FUNCTION @extschema@.forbid_history_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'forbid_history_change' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.forbid_history_change() IS
    'Trigger of external_access_history: refuses UPDATE, DELETE and TRUNCATE';
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON @extschema@.external_access_history
    FOR EACH ROW EXECUTE FUNCTION @extschema@.forbid_history_change();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON @extschema@.external_access_history
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.forbid_history_change();
ALTER TABLE @extschema@.external_access_history ENABLE ALWAYS TRIGGER append_only;
ALTER TABLE @extschema@.external_access_history ENABLE ALWAYS TRIGGER append_only_truncate;
COMMENT ON TRIGGER append_only ON @extschema@.external_access_history IS 'history rows are never changed or deleted';
COMMENT ON TRIGGER append_only_truncate ON @extschema@.external_access_history IS 'the history is never truncated';

-- pg_dump keeps the rows of both tables (they are the extension's configuration).
SELECT pg_catalog.pg_extension_config_dump('@extschema@.external_access', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.external_access_history', '');

-- Nothing for PUBLIC: the DBA grants the application role what it needs.
REVOKE ALL ON @extschema@.external_access, @extschema@.external_access_history FROM PUBLIC;


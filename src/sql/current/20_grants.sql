-- ---------------------------------------------------------------------------
-- The grants table
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.external_access (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role @extschema@.access_role NOT NULL DEFAULT 'L30',
    days_back_access integer DEFAULT 30
        CONSTRAINT external_access_days_back_access_check CHECK (days_back_access >= 0),
    notes text,
    object_version integer NOT NULL DEFAULT 0,
    expires_at timestamptz,
    -- Serves both lookups of the checks: all grants of a user, and one (user, customer) pair.
    CONSTRAINT external_access_user_customer_key UNIQUE (user_id, customer_id)
);
CREATE INDEX external_access_customer_idx ON @extschema@.external_access (customer_id);
COMMENT ON TABLE @extschema@.external_access IS
    'Grants: one external user''s access to one customer, with a role, a days-back window and an optional expiry. Owner (L90) rows can never be revoked.';
COMMENT ON COLUMN @extschema@.external_access.id IS 'grant id';
COMMENT ON COLUMN @extschema@.external_access.customer_id IS 'the customer (in the application''s customers table)';
COMMENT ON COLUMN @extschema@.external_access.user_id IS 'the external user (in the application''s users table)';
COMMENT ON COLUMN @extschema@.external_access.role IS 'the access role; includes every lower role';
COMMENT ON COLUMN @extschema@.external_access.days_back_access IS 'how many past days of dated data the user sees; NULL = unlimited';
COMMENT ON COLUMN @extschema@.external_access.notes IS 'free text';
COMMENT ON COLUMN @extschema@.external_access.object_version IS 'optimistic locking: 0 on insert, +1 on every update';
COMMENT ON COLUMN @extschema@.external_access.expires_at IS
    'the grant counts only while now() (the transaction''s start) is before it; NULL = never. An Owner never expires';
COMMENT ON INDEX @extschema@.external_access_customer_idx IS 'lists a customer''s users';
COMMENT ON CONSTRAINT external_access_pkey ON @extschema@.external_access IS 'one grant per id';
COMMENT ON INDEX @extschema@.external_access_pkey IS 'a grant by id';
COMMENT ON CONSTRAINT external_access_user_customer_key ON @extschema@.external_access IS
    'one grant per (user, customer)';
COMMENT ON INDEX @extschema@.external_access_user_customer_key IS
    'all grants of a user, and one (user, customer) pair: what the checks read';
COMMENT ON CONSTRAINT external_access_days_back_access_check ON @extschema@.external_access IS
    'a window is 0 days or more (NULL: unlimited)';

-- The trigger functions run only on the extension's own tables (anywhere else: 0A000) and
-- are not executable by PUBLIC.
CREATE FUNCTION @extschema@.stamp_object_version() RETURNS trigger
    AS 'MODULE_PATHNAME', 'stamp_object_version' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.stamp_object_version() IS
    'Trigger of external_access: sets object_version to 0 on insert and to the old value + 1 on update';

CREATE FUNCTION @extschema@.protect_owner() RETURNS trigger
    AS 'MODULE_PATHNAME', 'protect_owner' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.protect_owner() IS
    'Trigger of external_access: refuses (42501) any DELETE, TRUNCATE or UPDATE that revokes, moves or narrows an Owner (L90) grant, and any Owner row with an expires_at, judged on the row as finally written';

CREATE FUNCTION @extschema@.record_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'record_change' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.record_change() IS
    'Trigger of external_access: appends each INSERT, UPDATE and DELETE to external_access_history';

-- The version is stamped BEFORE; the Owner rule runs AFTER every BEFORE trigger, on the row
-- as finally written, and its error undoes the statement before anything is visible.
CREATE TRIGGER object_version BEFORE INSERT OR UPDATE ON @extschema@.external_access
    FOR EACH ROW EXECUTE FUNCTION @extschema@.stamp_object_version();
CREATE TRIGGER protect_owner AFTER INSERT OR UPDATE OR DELETE ON @extschema@.external_access
    FOR EACH ROW EXECUTE FUNCTION @extschema@.protect_owner();
CREATE TRIGGER protect_owner_truncate BEFORE TRUNCATE ON @extschema@.external_access
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.protect_owner();
CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON @extschema@.external_access
    FOR EACH ROW EXECUTE FUNCTION @extschema@.record_change();
-- ALWAYS: session_replication_role = replica must not switch the rules off.
ALTER TABLE @extschema@.external_access ENABLE ALWAYS TRIGGER object_version;
ALTER TABLE @extschema@.external_access ENABLE ALWAYS TRIGGER protect_owner;
ALTER TABLE @extschema@.external_access ENABLE ALWAYS TRIGGER protect_owner_truncate;
ALTER TABLE @extschema@.external_access ENABLE ALWAYS TRIGGER record_change;
COMMENT ON TRIGGER object_version ON @extschema@.external_access IS 'stamps object_version';
COMMENT ON TRIGGER protect_owner ON @extschema@.external_access IS 'Owner (L90) access can never be revoked, narrowed or made to expire';
COMMENT ON TRIGGER protect_owner_truncate ON @extschema@.external_access IS 'no TRUNCATE while an Owner grant exists';
COMMENT ON TRIGGER record_change ON @extschema@.external_access IS 'records every change in external_access_history';


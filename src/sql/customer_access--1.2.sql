-- customer_access 1.2: access roles, the grants table with Owner protection and history,
-- the access checks for row-level security, self-service management for customer Admins,
-- and the guard that keeps all of it out of reach of DDL.
\echo Use "CREATE EXTENSION customer_access" to load this file. \quit

COMMENT ON SCHEMA @extschema@ IS 'customer_access: who of a customer''s external users may see what';
-- Any role may call the checks from a policy; the tables below grant nothing to PUBLIC.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Type customer_access.access_role
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.access_role;

CREATE FUNCTION @extschema@.access_role_in(cstring) RETURNS @extschema@.access_role
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_out(@extschema@.access_role) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_recv(internal) RETURNS @extschema@.access_role
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_send(@extschema@.access_role) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.access_role (
    INPUT = @extschema@.access_role_in,
    OUTPUT = @extschema@.access_role_out,
    RECEIVE = @extschema@.access_role_recv,
    SEND = @extschema@.access_role_send,
    INTERNALLENGTH = 1,
    PASSEDBYVALUE,
    ALIGNMENT = char,
    STORAGE = plain,
    CATEGORY = 'U'
);
COMMENT ON TYPE @extschema@.access_role IS
    'Customer access role, ordered by level: L10 Basic < L20 Orders < L30 OrdersWithPrices < L40 Billing < L80 Admin < L90 Owner. Input: code or API name, case-insensitive; output: the code.';
COMMENT ON FUNCTION @extschema@.access_role_in(cstring) IS 'Text input of access_role: a code (L30) or an API name (OrdersWithPrices)';
COMMENT ON FUNCTION @extschema@.access_role_out(@extschema@.access_role) IS 'Text output of access_role: the code';
COMMENT ON FUNCTION @extschema@.access_role_recv(internal) IS 'Binary input of access_role: one byte, the level';
COMMENT ON FUNCTION @extschema@.access_role_send(@extschema@.access_role) IS 'Binary output of access_role: one byte, the level';

-- Comparison
CREATE FUNCTION @extschema@.access_role_eq(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_ne(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_lt(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_le(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_gt(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_ge(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_cmp(@extschema@.access_role, @extschema@.access_role) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_sortsupport(internal) RETURNS void
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_hash(@extschema@.access_role) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_hash_extended(@extschema@.access_role, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.access_role_eq(@extschema@.access_role, @extschema@.access_role) IS 'access_role equality';
COMMENT ON FUNCTION @extschema@.access_role_ne(@extschema@.access_role, @extschema@.access_role) IS 'access_role inequality';
COMMENT ON FUNCTION @extschema@.access_role_lt(@extschema@.access_role, @extschema@.access_role) IS 'access_role less than (by level)';
COMMENT ON FUNCTION @extschema@.access_role_le(@extschema@.access_role, @extschema@.access_role) IS 'access_role less than or equal (by level)';
COMMENT ON FUNCTION @extschema@.access_role_gt(@extschema@.access_role, @extschema@.access_role) IS 'access_role greater than (by level)';
COMMENT ON FUNCTION @extschema@.access_role_ge(@extschema@.access_role, @extschema@.access_role) IS 'access_role greater than or equal (by level)';
COMMENT ON FUNCTION @extschema@.access_role_cmp(@extschema@.access_role, @extschema@.access_role) IS 'btree comparison of access_role (by level)';
COMMENT ON FUNCTION @extschema@.access_role_sortsupport(internal) IS 'btree sort support for access_role';
COMMENT ON FUNCTION @extschema@.access_role_hash(@extschema@.access_role) IS 'hash of access_role';
COMMENT ON FUNCTION @extschema@.access_role_hash_extended(@extschema@.access_role, bigint) IS 'seeded hash of access_role';

-- The comparison operators and min()/max() live in pg_catalog, like those of the built-in
-- types, so role >= 'L20' and max(role) work whatever the search_path; everything else is in
-- the extension's schema.
CREATE OPERATOR pg_catalog.= (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_eq, COMMUTATOR = OPERATOR(pg_catalog.=),
    NEGATOR = OPERATOR(pg_catalog.<>), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR pg_catalog.<> (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_ne, COMMUTATOR = OPERATOR(pg_catalog.<>),
    NEGATOR = OPERATOR(pg_catalog.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR pg_catalog.< (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_lt, COMMUTATOR = OPERATOR(pg_catalog.>),
    NEGATOR = OPERATOR(pg_catalog.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR pg_catalog.<= (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_le, COMMUTATOR = OPERATOR(pg_catalog.>=),
    NEGATOR = OPERATOR(pg_catalog.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR pg_catalog.> (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_gt, COMMUTATOR = OPERATOR(pg_catalog.<),
    NEGATOR = OPERATOR(pg_catalog.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR pg_catalog.>= (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_ge, COMMUTATOR = OPERATOR(pg_catalog.<=),
    NEGATOR = OPERATOR(pg_catalog.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR pg_catalog.= (@extschema@.access_role, @extschema@.access_role) IS 'equal';
COMMENT ON OPERATOR pg_catalog.<> (@extschema@.access_role, @extschema@.access_role) IS 'not equal';
COMMENT ON OPERATOR pg_catalog.< (@extschema@.access_role, @extschema@.access_role) IS 'lower level than';
COMMENT ON OPERATOR pg_catalog.<= (@extschema@.access_role, @extschema@.access_role) IS 'lower or same level';
COMMENT ON OPERATOR pg_catalog.> (@extschema@.access_role, @extschema@.access_role) IS 'higher level than';
COMMENT ON OPERATOR pg_catalog.>= (@extschema@.access_role, @extschema@.access_role) IS 'higher or same level (includes the rights of)';

CREATE OPERATOR CLASS @extschema@.access_role_ops
    DEFAULT FOR TYPE @extschema@.access_role USING btree AS
        OPERATOR 1 pg_catalog.<,
        OPERATOR 2 pg_catalog.<=,
        OPERATOR 3 pg_catalog.=,
        OPERATOR 4 pg_catalog.>=,
        OPERATOR 5 pg_catalog.>,
        FUNCTION 1 @extschema@.access_role_cmp(@extschema@.access_role, @extschema@.access_role),
        FUNCTION 2 @extschema@.access_role_sortsupport(internal);
CREATE OPERATOR CLASS @extschema@.access_role_hash_ops
    DEFAULT FOR TYPE @extschema@.access_role USING hash AS
        OPERATOR 1 pg_catalog.=,
        FUNCTION 1 @extschema@.access_role_hash(@extschema@.access_role),
        FUNCTION 2 @extschema@.access_role_hash_extended(@extschema@.access_role, bigint);
COMMENT ON OPERATOR CLASS @extschema@.access_role_ops USING btree IS 'access_role ordered by level';
COMMENT ON OPERATOR CLASS @extschema@.access_role_hash_ops USING hash IS 'access_role hashing by level';
COMMENT ON OPERATOR FAMILY @extschema@.access_role_ops USING btree IS 'access_role ordered by level';
COMMENT ON OPERATOR FAMILY @extschema@.access_role_hash_ops USING hash IS 'access_role hashing by level';

-- min() and max()
CREATE FUNCTION @extschema@.access_role_smaller(@extschema@.access_role, @extschema@.access_role) RETURNS @extschema@.access_role
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_larger(@extschema@.access_role, @extschema@.access_role) RETURNS @extschema@.access_role
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.access_role_smaller(@extschema@.access_role, @extschema@.access_role) IS 'the lower of two roles';
COMMENT ON FUNCTION @extschema@.access_role_larger(@extschema@.access_role, @extschema@.access_role) IS 'the higher of two roles';
CREATE AGGREGATE pg_catalog.min(@extschema@.access_role) (
    SFUNC = @extschema@.access_role_smaller, STYPE = @extschema@.access_role,
    COMBINEFUNC = @extschema@.access_role_smaller, SORTOP = OPERATOR(pg_catalog.<), PARALLEL = SAFE);
CREATE AGGREGATE pg_catalog.max(@extschema@.access_role) (
    SFUNC = @extschema@.access_role_larger, STYPE = @extschema@.access_role,
    COMBINEFUNC = @extschema@.access_role_larger, SORTOP = OPERATOR(pg_catalog.>), PARALLEL = SAFE);
COMMENT ON AGGREGATE pg_catalog.min(@extschema@.access_role) IS 'lowest role';
COMMENT ON AGGREGATE pg_catalog.max(@extschema@.access_role) IS 'highest role';

-- Casts and accessors
CREATE FUNCTION @extschema@.level(@extschema@.access_role) RETURNS integer
    AS 'MODULE_PATHNAME', 'access_role_level' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role(integer) RETURNS @extschema@.access_role
    AS 'MODULE_PATHNAME', 'access_role_from_integer' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.api_name(@extschema@.access_role) RETURNS text
    AS 'MODULE_PATHNAME', 'access_role_api_name' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.description(@extschema@.access_role) RETURNS text
    AS 'MODULE_PATHNAME', 'access_role_description' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.grants(@extschema@.access_role) RETURNS text
    AS 'MODULE_PATHNAME', 'access_role_grants' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.all_roles() RETURNS SETOF @extschema@.access_role
    AS 'MODULE_PATHNAME', 'access_role_all' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 6;
COMMENT ON FUNCTION @extschema@.level(@extschema@.access_role) IS 'the level of a role: 10, 20, 30, 40, 80 or 90';
COMMENT ON FUNCTION @extschema@.access_role(integer) IS 'the role with this level; any other integer is an error (22023)';
COMMENT ON FUNCTION @extschema@.api_name(@extschema@.access_role) IS 'the API name of a role, e.g. OrdersWithPrices';
COMMENT ON FUNCTION @extschema@.description(@extschema@.access_role) IS 'the human description of a role, e.g. Orders with Prices';
COMMENT ON FUNCTION @extschema@.grants(@extschema@.access_role) IS 'what a role grants, in words';
COMMENT ON FUNCTION @extschema@.all_roles() IS 'the six roles, lowest first';

CREATE CAST (@extschema@.access_role AS integer) WITH FUNCTION @extschema@.level(@extschema@.access_role);
CREATE CAST (integer AS @extschema@.access_role) WITH FUNCTION @extschema@.access_role(integer);
CREATE CAST (@extschema@.access_role AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (text AS @extschema@.access_role) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (@extschema@.access_role AS integer) IS 'the level (explicit)';
COMMENT ON CAST (integer AS @extschema@.access_role) IS 'the role of a level (explicit); no level: 22023';
COMMENT ON CAST (@extschema@.access_role AS text) IS 'the code';
COMMENT ON CAST (text AS @extschema@.access_role) IS 'a code or API name';

CREATE VIEW @extschema@.roles AS
    SELECT r AS code, @extschema@.level(r) AS level, @extschema@.api_name(r) AS api_name,
           @extschema@.description(r) AS description, @extschema@.grants(r) AS grants
      FROM @extschema@.all_roles() AS r;
COMMENT ON VIEW @extschema@.roles IS 'The six access roles with their levels, API names, descriptions and what each grants';
COMMENT ON COLUMN @extschema@.roles.code IS 'the role code, e.g. L30';
COMMENT ON COLUMN @extschema@.roles.level IS 'the level; each role includes all lower levels';
COMMENT ON COLUMN @extschema@.roles.api_name IS 'the name applications use, e.g. OrdersWithPrices';
COMMENT ON COLUMN @extschema@.roles.description IS 'the name people read, e.g. Orders with Prices';
COMMENT ON COLUMN @extschema@.roles.grants IS 'what the role grants';
GRANT SELECT ON @extschema@.roles TO PUBLIC;

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
    -- Serves both lookups of the checks: all grants of a user, and one (user, customer) pair.
    CONSTRAINT external_access_user_customer_key UNIQUE (user_id, customer_id)
);
CREATE INDEX external_access_customer_idx ON @extschema@.external_access (customer_id);
COMMENT ON TABLE @extschema@.external_access IS
    'Grants: one external user''s access to one customer, with a role and a days-back window. Owner (L90) rows can never be revoked.';
COMMENT ON COLUMN @extschema@.external_access.id IS 'grant id';
COMMENT ON COLUMN @extschema@.external_access.customer_id IS 'the customer (in the application''s customers table)';
COMMENT ON COLUMN @extschema@.external_access.user_id IS 'the external user (in the application''s users table)';
COMMENT ON COLUMN @extschema@.external_access.role IS 'the access role; includes every lower role';
COMMENT ON COLUMN @extschema@.external_access.days_back_access IS 'how many past days of dated data the user sees; NULL = unlimited';
COMMENT ON COLUMN @extschema@.external_access.notes IS 'free text';
COMMENT ON COLUMN @extschema@.external_access.object_version IS 'optimistic locking: 0 on insert, +1 on every update';
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
    'Trigger of external_access: refuses (42501) any DELETE, TRUNCATE or UPDATE that revokes, moves or narrows an Owner (L90) grant, judged on the row as finally written';

CREATE FUNCTION @extschema@.record_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'record_change' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.record_change() IS
    'Trigger of external_access: appends each INSERT, UPDATE and DELETE to external_access_history';

-- The version is stamped BEFORE; the Owner rule runs AFTER every BEFORE trigger, on the row
-- as finally written, and its error undoes the statement before anything is visible.
CREATE TRIGGER object_version BEFORE INSERT OR UPDATE ON @extschema@.external_access
    FOR EACH ROW EXECUTE FUNCTION @extschema@.stamp_object_version();
CREATE TRIGGER protect_owner AFTER UPDATE OR DELETE ON @extschema@.external_access
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
COMMENT ON TRIGGER protect_owner ON @extschema@.external_access IS 'Owner (L90) access can never be revoked or narrowed';
COMMENT ON TRIGGER protect_owner_truncate ON @extschema@.external_access IS 'no TRUNCATE while an Owner grant exists';
COMMENT ON TRIGGER record_change ON @extschema@.external_access IS 'records every change in external_access_history';

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

-- ---------------------------------------------------------------------------
-- Identity and access checks
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.current_user_id() RETURNS uuid
    AS 'MODULE_PATHNAME', 'current_user_id' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.current_user_id() IS
    'The application user of this session: the setting customer_access.user_id as a uuid; NULL when unset or empty';

CREATE FUNCTION @extschema@.access_check_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'access_check_support' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.access_check_support(internal) IS
    'Planner support of the checks: selectivity from the grants, an index condition on the customer column, the per-call cost';

CREATE FUNCTION @extschema@.has_customer_access(user_id uuid, customer_id uuid, doc_date date, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'has_customer_access_date' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
CREATE FUNCTION @extschema@.has_customer_access(user_id uuid, customer_id uuid, doc_date timestamptz, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'has_customer_access_timestamptz' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
CREATE FUNCTION @extschema@.has_customer_access(user_id uuid, customer_id uuid, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'has_customer_access_undated' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
CREATE FUNCTION @extschema@.can_access(customer_id uuid, doc_date date, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_access_date' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
CREATE FUNCTION @extschema@.can_access(customer_id uuid, doc_date timestamptz, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_access_timestamptz' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
CREATE FUNCTION @extschema@.can_access(customer_id uuid, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_access_undated' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
COMMENT ON FUNCTION @extschema@.has_customer_access(uuid, uuid, date, @extschema@.access_role) IS
    'TRUE when the user''s grant on the customer has role >= need and its window admits doc_date (doc_date >= current_date - days_back_access; NULL window: always); never NULL';
COMMENT ON FUNCTION @extschema@.has_customer_access(uuid, uuid, timestamptz, @extschema@.access_role) IS
    'has_customer_access for a timestamp: its date in the session''s time zone';
COMMENT ON FUNCTION @extschema@.has_customer_access(uuid, uuid, @extschema@.access_role) IS
    'has_customer_access for undated data: role >= need, no window';
COMMENT ON FUNCTION @extschema@.can_access(uuid, date, @extschema@.access_role) IS
    'has_customer_access(current_user_id(), customer_id, doc_date, need): for row-level security policies';
COMMENT ON FUNCTION @extschema@.can_access(uuid, timestamptz, @extschema@.access_role) IS
    'has_customer_access(current_user_id(), customer_id, doc_date, need) for a timestamp';
COMMENT ON FUNCTION @extschema@.can_access(uuid, @extschema@.access_role) IS
    'has_customer_access(current_user_id(), customer_id, need) for undated data';

CREATE FUNCTION @extschema@.accessible_customers(user_id uuid, need @extschema@.access_role DEFAULT 'L10')
    RETURNS TABLE (customer_id uuid, role @extschema@.access_role, days_back_access integer, visible_from date)
    AS 'MODULE_PATHNAME', 'accessible_customers' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.accessible_customers(uuid, @extschema@.access_role) IS
    'The user''s grants with role >= need; visible_from = current_date - days_back_access (NULL: unlimited; -infinity when before the first date)';

CREATE FUNCTION @extschema@.accessible_customer_ids(user_id uuid, need @extschema@.access_role)
    RETURNS uuid[] AS 'MODULE_PATHNAME', 'accessible_customer_ids' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.accessible_customer_ids(uuid, @extschema@.access_role) IS
    'The customers on which the user has role >= need, whatever the window: the index condition the planner adds for the checks';
CREATE FUNCTION @extschema@.earliest_visible_date(user_id uuid, need @extschema@.access_role)
    RETURNS date AS 'MODULE_PATHNAME', 'earliest_visible_date' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.earliest_visible_date(uuid, @extschema@.access_role) IS
    'The earliest date any of the user''s grants with role >= need admits (-infinity when a window is unlimited, infinity without grants): the planner''s lower bound on an indexed date column';

CREATE FUNCTION @extschema@.who_can_access(customer_id uuid, need @extschema@.access_role DEFAULT 'L10')
    RETURNS TABLE (user_id uuid, role @extschema@.access_role, days_back_access integer, visible_from date)
    AS 'MODULE_PATHNAME', 'who_can_access' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.who_can_access(uuid, @extschema@.access_role) IS
    'For auditors: every user whose grant on the customer has role >= need, with the window (visible_from as in accessible_customers); 42501 unless the caller may read every grant';

CREATE FUNCTION @extschema@.peak_cache_bytes() RETURNS bigint
    AS 'MODULE_PATHNAME', 'peak_cache_bytes' LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.peak_cache_bytes() IS
    'The largest per-query grant cache (bytes) this session has built; for benchmarks';

-- ---------------------------------------------------------------------------
-- Self-service user management: a customer's Admins (L80) and Owners (L90) manage that
-- customer's grants through row-level security on external_access and the functions
-- grant_access, revoke_access and customer_users; nobody gives more than they hold.
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.can_grant(customer_id uuid, role @extschema@.access_role, days_back_access integer)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_grant' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.can_grant(uuid, @extschema@.access_role, integer) IS
    'Whether current_user_id() may give this grant: Admin or Owner of the customer, role at most their own, window no wider than their own (NULL = unlimited)';

-- Row-level security on the grants: the rules hold for every role the DBA grants DML to;
-- the table owner and superusers (and BYPASSRLS roles) keep full control.
ALTER TABLE @extschema@.external_access ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_or_managed_grants ON @extschema@.external_access FOR SELECT
    USING (user_id = @extschema@.current_user_id() OR @extschema@.can_access(customer_id, 'L80'));
CREATE POLICY add_managed_grants ON @extschema@.external_access FOR INSERT
    WITH CHECK (@extschema@.can_grant(customer_id, role, days_back_access));
CREATE POLICY change_managed_grants ON @extschema@.external_access FOR UPDATE
    USING (@extschema@.can_access(customer_id, 'L80'))
    WITH CHECK (@extschema@.can_grant(customer_id, role, days_back_access));
CREATE POLICY remove_managed_grants ON @extschema@.external_access FOR DELETE
    USING (@extschema@.can_access(customer_id, 'L80'));
COMMENT ON POLICY own_or_managed_grants ON @extschema@.external_access IS
    'Everyone sees their own grants; a customer''s Admins and Owners see all of its grants';
COMMENT ON POLICY add_managed_grants ON @extschema@.external_access IS
    'Admins and Owners add grants for their customer, up to their own role and window';
COMMENT ON POLICY change_managed_grants ON @extschema@.external_access IS
    'Admins and Owners change their customer''s grants, up to their own role and window';
COMMENT ON POLICY remove_managed_grants ON @extschema@.external_access IS
    'Admins and Owners remove their customer''s grants (Owners stay: see protect_owner)';

-- 42501 unless the application user is an Admin or Owner of the customer.
CREATE FUNCTION @extschema@.grant_access(customer_id uuid, user_id uuid,
                                         role @extschema@.access_role DEFAULT 'L30',
                                         days_back_access integer DEFAULT 30, notes text DEFAULT NULL)
    RETURNS @extschema@.external_access
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    me uuid := @extschema@.current_user_id();
    own record;
    result @extschema@.external_access;
BEGIN
    IF customer_id IS NULL OR user_id IS NULL OR role IS NULL THEN
        RAISE EXCEPTION 'customer_id, user_id and role must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF me IS NULL THEN
        RAISE EXCEPTION 'no application user: customer_access.user_id is not set'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT a.role, a.days_back_access INTO own
      FROM @extschema@.accessible_customers(me, 'L80') a WHERE a.customer_id = grant_access.customer_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'only an Admin or Owner of customer % can manage its users', customer_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Application user %s holds no L80 (Admin) or L90 (Owner) grant on it.', me);
    END IF;
    IF role > own.role THEN
        RAISE EXCEPTION 'cannot grant % (%): above your own role % on customer %', role, @extschema@.api_name(role),
                        own.role, customer_id USING ERRCODE = 'insufficient_privilege',
              HINT = 'Nobody can give more than they hold.';
    END IF;
    IF own.days_back_access IS NOT NULL AND (days_back_access IS NULL OR days_back_access > own.days_back_access) THEN
        RAISE EXCEPTION 'cannot grant a window of %: wider than your own % days on customer %',
                        coalesce(days_back_access || ' days', 'unlimited days'), own.days_back_access, customer_id
              USING ERRCODE = 'insufficient_privilege', HINT = 'Nobody can give more than they hold.';
    END IF;
    INSERT INTO @extschema@.external_access AS e (customer_id, user_id, role, days_back_access, notes)
    VALUES (grant_access.customer_id, grant_access.user_id, grant_access.role, grant_access.days_back_access,
            grant_access.notes)
    ON CONFLICT ON CONSTRAINT external_access_user_customer_key DO UPDATE
       SET role = EXCLUDED.role, days_back_access = EXCLUDED.days_back_access,
           notes = coalesce(EXCLUDED.notes, e.notes)
    RETURNING * INTO result;
    RETURN result;
END
$$;
COMMENT ON FUNCTION @extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text) IS
    'Creates or updates a grant for a customer the application user administers; 42501 names the rule that refused';

CREATE FUNCTION @extschema@.revoke_access(customer_id uuid, user_id uuid)
    RETURNS @extschema@.external_access
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    result @extschema@.external_access;
BEGIN
    IF @extschema@.current_user_id() IS NULL THEN
        RAISE EXCEPTION 'no application user: customer_access.user_id is not set'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT @extschema@.can_access(customer_id, 'L80') THEN
        RAISE EXCEPTION 'only an Admin or Owner of customer % can manage its users', customer_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Application user %s holds no L80 (Admin) or L90 (Owner) grant on it.',
                                  @extschema@.current_user_id());
    END IF;
    DELETE FROM @extschema@.external_access e
     WHERE e.customer_id = revoke_access.customer_id AND e.user_id = revoke_access.user_id
    RETURNING * INTO result;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user % has no grant on customer %', user_id, customer_id USING ERRCODE = 'no_data_found';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION @extschema@.revoke_access(uuid, uuid) IS
    'Removes a grant of a customer the application user administers and returns it; Owners cannot be removed';

CREATE FUNCTION @extschema@.customer_users(customer_id uuid)
    RETURNS SETOF @extschema@.external_access
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog AS $$
BEGIN
    IF @extschema@.current_user_id() IS NULL THEN
        RAISE EXCEPTION 'no application user: customer_access.user_id is not set'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT @extschema@.can_access(customer_id, 'L80') THEN
        RAISE EXCEPTION 'only an Admin or Owner of customer % can manage its users', customer_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Application user %s holds no L80 (Admin) or L90 (Owner) grant on it.',
                                  @extschema@.current_user_id());
    END IF;
    RETURN QUERY SELECT * FROM @extschema@.external_access e
                  WHERE e.customer_id = customer_users.customer_id ORDER BY e.role DESC, e.user_id;
END
$$;
COMMENT ON FUNCTION @extschema@.customer_users(uuid) IS
    'The grants of a customer the application user administers, highest role first';



-- ---------------------------------------------------------------------------
-- Identity (1.2): trusted keys and authenticate(), login users, the claims of the identity
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.login_users (
    login name PRIMARY KEY,
    user_id uuid NOT NULL,
    notes text
);
COMMENT ON TABLE @extschema@.login_users IS
    'In identity mode login: the application user of each database login (session_user), for customers'' own reporting logins';
COMMENT ON COLUMN @extschema@.login_users.login IS 'the database login role (session_user)';
COMMENT ON COLUMN @extschema@.login_users.user_id IS 'the application user it is';
COMMENT ON COLUMN @extschema@.login_users.notes IS 'free text';
COMMENT ON CONSTRAINT login_users_pkey ON @extschema@.login_users IS 'one application user per login';
COMMENT ON INDEX @extschema@.login_users_pkey IS 'the login of a session';
REVOKE ALL ON @extschema@.login_users FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.login_users', '');

CREATE TABLE @extschema@.trusted_keys (
    kid text PRIMARY KEY,
    jwk jsonb NOT NULL,
    issuer text,
    audience text,
    enabled boolean NOT NULL DEFAULT true,
    notes text
);
COMMENT ON TABLE @extschema@.trusted_keys IS
    'In identity mode token: the keys authenticate() accepts, as JWKs (public keys, or HS256 secrets)';
COMMENT ON COLUMN @extschema@.trusted_keys.kid IS 'the key id a token names in its header';
COMMENT ON COLUMN @extschema@.trusted_keys.jwk IS 'the key as a JWK: OKP Ed25519, EC P-256, RSA (2048 bits or more) or oct (HS256, 32 bytes or more)';
COMMENT ON COLUMN @extschema@.trusted_keys.issuer IS 'when set, the iss a token must have';
COMMENT ON COLUMN @extschema@.trusted_keys.audience IS 'when set, the aud a token must have (or contain)';
COMMENT ON COLUMN @extschema@.trusted_keys.enabled IS 'only enabled keys are used';
COMMENT ON COLUMN @extschema@.trusted_keys.notes IS 'free text';
COMMENT ON CONSTRAINT trusted_keys_pkey ON @extschema@.trusted_keys IS 'one key per kid';
COMMENT ON INDEX @extschema@.trusted_keys_pkey IS 'a key by kid';
CREATE FUNCTION @extschema@.check_trusted_key() RETURNS trigger
    AS 'MODULE_PATHNAME', 'check_trusted_key' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.check_trusted_key() IS
    'Trigger of trusted_keys: refuses (22023) a JWK that makes no usable key';
CREATE TRIGGER check_trusted_key BEFORE INSERT OR UPDATE ON @extschema@.trusted_keys
    FOR EACH ROW EXECUTE FUNCTION @extschema@.check_trusted_key();
ALTER TABLE @extschema@.trusted_keys ENABLE ALWAYS TRIGGER check_trusted_key;
COMMENT ON TRIGGER check_trusted_key ON @extschema@.trusted_keys IS 'only usable JWKs are stored';
REVOKE ALL ON @extschema@.trusted_keys FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.trusted_keys', '');

CREATE FUNCTION @extschema@.authenticate(token text) RETURNS uuid
    AS 'MODULE_PATHNAME', 'authenticate' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.authenticate(text) IS
    'In identity mode token: verifies a signed JWT with a key of trusted_keys and makes its subject the application user for the rest of the transaction; 28000 names why a token is refused';

CREATE FUNCTION @extschema@.current_claims() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'current_claims' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.current_claims() IS
    'The claims of the current identity in identity modes claims and token (verified ones in token mode); NULL otherwise';

-- ---------------------------------------------------------------------------
-- Operations (1.2): counters, retention, history by customer and user
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.cache_stats()
    RETURNS TABLE (calls bigint, cache_hits bigint, index_lookups bigint, bulk_loads bigint, peak_bytes bigint)
    AS 'MODULE_PATHNAME', 'cache_stats' LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 1;
COMMENT ON FUNCTION @extschema@.cache_stats() IS
    'This backend''s check counters: checks answered, answers from the per-query cache, single index lookups, bulk loads of a user''s grants, the largest per-query cache in bytes';

CREATE FUNCTION @extschema@.purge_history(before timestamptz) RETURNS bigint
    AS 'MODULE_PATHNAME', 'purge_history' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.purge_history(timestamptz) IS
    'Superuser-only retention: deletes the history entries older than before, records one PURGE entry saying how many and by whom, returns the count';

-- ---------------------------------------------------------------------------
-- Scale-out on Citus (1.2, see README "Scaling out")
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.make_reference_table(grants regclass) RETURNS void
    AS 'MODULE_PATHNAME', 'make_reference_table' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.make_reference_table(regclass) IS
    'Internal to distribute(): create_reference_table() of the grants, whose copies into the new shards record no history again';

CREATE FUNCTION @extschema@.distribute() RETURNS text
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp
    AS $function$
DECLARE
    grants regclass := '@extschema@.external_access'::regclass;
    shard bigint;
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE oid = current_user::regrole) THEN
        RAISE EXCEPTION 'only a superuser may distribute customer_access'
            USING ERRCODE = '42501';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'Citus is not installed in this database'
            USING ERRCODE = '55000', HINT = 'CREATE EXTENSION citus; then add the worker nodes.';
    END IF;
    IF (SELECT groupid FROM pg_dist_local_group) <> 0 THEN
        RAISE EXCEPTION 'customer_access.distribute() runs on the Citus coordinator only'
            USING ERRCODE = '55000';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_dist_node WHERE groupid = 0) THEN
        RAISE EXCEPTION 'the coordinator is not in the Citus metadata'
            USING ERRCODE = '55000',
                  HINT = 'SELECT citus_set_coordinator_host(''<host>'', <port>); so that the grants have a copy on it.';
    END IF;
    IF NOT string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')
           @> ARRAY['customer_access'] THEN
        RAISE EXCEPTION 'customer_access must be in shared_preload_libraries on every Citus node'
            USING ERRCODE = '55000',
                  HINT = 'shared_preload_libraries = ''citus,customer_access''';
    END IF;
    IF length(current_setting('customer_access.cluster_secret')) < 32 THEN
        RAISE EXCEPTION 'customer_access.cluster_secret is not set'
            USING ERRCODE = '55000',
                  HINT = 'Set the same secret of at least 32 characters in postgresql.conf of every node.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = grants) THEN
        PERFORM @extschema@.make_reference_table(grants);
    END IF;
    SELECT s.shardid INTO shard FROM pg_dist_shard s WHERE s.logicalrelid = grants;
    IF NOT EXISTS (SELECT FROM pg_dist_placement WHERE shardid = shard AND groupid = 0) THEN
        RAISE EXCEPTION 'the grants have no copy on the coordinator'
            USING ERRCODE = '55000', HINT = 'SELECT replicate_reference_tables();';
    END IF;
    RETURN format('customer_access.external_access is a Citus reference table (shard %s on %s nodes)',
                  shard, (SELECT count(*) FROM pg_dist_placement WHERE shardid = shard));
END
$function$;
COMMENT ON FUNCTION @extschema@.distribute() IS
    'Superuser-only, on a Citus coordinator: makes the grants table a reference table (a copy on every node, the Owner protection on each, the history on the coordinator) after checking the set-up README "Scaling out" describes; does nothing more when already done';

-- A customer's and a user's history, read cheaply.
CREATE INDEX external_access_history_customer_idx ON @extschema@.external_access_history
    (((coalesce(new_row, old_row) ->> 'customer_id')::uuid), history_id);
CREATE INDEX external_access_history_user_idx ON @extschema@.external_access_history
    (((coalesce(new_row, old_row) ->> 'user_id')::uuid), history_id);
COMMENT ON INDEX @extschema@.external_access_history_customer_idx IS
    'the history of a customer''s grants: WHERE (coalesce(new_row, old_row) ->> ''customer_id'')::uuid = $1';
COMMENT ON INDEX @extschema@.external_access_history_user_idx IS
    'the history of a user''s grants: WHERE (coalesce(new_row, old_row) ->> ''user_id'')::uuid = $1';

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
    'Event trigger: refuses (42501) CHECK constraints and indexes on the extension''s tables that call functions neither PostgreSQL''s nor a superuser''s; keeps table_extras';
CREATE EVENT TRIGGER customer_access_guard_code ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER SCHEMA', 'CREATE INDEX', 'DROP INDEX')
    EXECUTE FUNCTION @extschema@.guard_ddl_end();
ALTER EVENT TRIGGER customer_access_guard_code ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER customer_access_guard_code IS
    'customer_access: no code a role wrote runs in the constraints and indexes of the extension''s tables';

-- ---------------------------------------------------------------------------
-- Privileges: PUBLIC may run the documented interface and nothing else (trigger functions
-- fire without EXECUTE; the planner calls support functions without it).
-- ---------------------------------------------------------------------------
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA @extschema@ FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.access_role_in(cstring), @extschema@.access_role_out(@extschema@.access_role),
    @extschema@.access_role_recv(internal), @extschema@.access_role_send(@extschema@.access_role),
    @extschema@.access_role_eq(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_ne(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_lt(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_le(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_gt(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_ge(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_cmp(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_hash(@extschema@.access_role),
    @extschema@.access_role_hash_extended(@extschema@.access_role, bigint),
    @extschema@.access_role_smaller(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_larger(@extschema@.access_role, @extschema@.access_role),
    @extschema@.level(@extschema@.access_role), @extschema@.access_role(integer),
    @extschema@.api_name(@extschema@.access_role), @extschema@.description(@extschema@.access_role),
    @extschema@.grants(@extschema@.access_role), @extschema@.all_roles(),
    @extschema@.current_user_id(), @extschema@.current_claims(), @extschema@.authenticate(text),
    @extschema@.has_customer_access(uuid, uuid, date, @extschema@.access_role),
    @extschema@.has_customer_access(uuid, uuid, timestamptz, @extschema@.access_role),
    @extschema@.has_customer_access(uuid, uuid, @extschema@.access_role),
    @extschema@.can_access(uuid, date, @extschema@.access_role),
    @extschema@.can_access(uuid, timestamptz, @extschema@.access_role),
    @extschema@.can_access(uuid, @extschema@.access_role),
    @extschema@.accessible_customers(uuid, @extschema@.access_role),
    @extschema@.accessible_customer_ids(uuid, @extschema@.access_role),
    @extschema@.earliest_visible_date(uuid, @extschema@.access_role),
    @extschema@.who_can_access(uuid, @extschema@.access_role), @extschema@.cache_stats(),
    @extschema@.can_grant(uuid, @extschema@.access_role, integer),
    @extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text),
    @extschema@.revoke_access(uuid, uuid),
    @extschema@.customer_users(uuid)
TO PUBLIC;

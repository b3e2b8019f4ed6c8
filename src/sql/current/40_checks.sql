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
    'TRUE when the user''s grant on the customer is in force (now() before expires_at, or none), has role >= need and its window admits doc_date (doc_date >= current_date - days_back_access; NULL window: always); never NULL';
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
    RETURNS TABLE (customer_id uuid, role @extschema@.access_role, days_back_access integer, visible_from date,
                   expires_at timestamptz)
    AS 'MODULE_PATHNAME', 'accessible_customers' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.accessible_customers(uuid, @extschema@.access_role) IS
    'The user''s grants in force with role >= need; visible_from = current_date - days_back_access (NULL: unlimited; -infinity when before the first date); expires_at NULL: never';

CREATE FUNCTION @extschema@.accessible_customer_ids(user_id uuid, need @extschema@.access_role)
    RETURNS uuid[] AS 'MODULE_PATHNAME', 'accessible_customer_ids' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.accessible_customer_ids(uuid, @extschema@.access_role) IS
    'The customers on which the user has a grant in force with role >= need, whatever the window: the index condition the planner adds for the checks';
CREATE FUNCTION @extschema@.earliest_visible_date(user_id uuid, need @extschema@.access_role)
    RETURNS date AS 'MODULE_PATHNAME', 'earliest_visible_date' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.earliest_visible_date(uuid, @extschema@.access_role) IS
    'The earliest date any of the user''s grants in force with role >= need admits (-infinity when a window is unlimited, infinity without grants): the planner''s lower bound on an indexed date column';

CREATE FUNCTION @extschema@.who_can_access(customer_id uuid, need @extschema@.access_role DEFAULT 'L10')
    RETURNS TABLE (user_id uuid, role @extschema@.access_role, days_back_access integer, visible_from date,
                   expires_at timestamptz)
    AS 'MODULE_PATHNAME', 'who_can_access' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.who_can_access(uuid, @extschema@.access_role) IS
    'For auditors: every user whose grant in force on the customer has role >= need, with the window (visible_from as in accessible_customers) and the expiry; 42501 unless the caller may read every grant';

CREATE FUNCTION @extschema@.peak_cache_bytes() RETURNS bigint
    AS 'MODULE_PATHNAME', 'peak_cache_bytes' LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.peak_cache_bytes() IS
    'The largest per-query grant cache (bytes) this session has built; for benchmarks';


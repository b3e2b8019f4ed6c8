-- ---------------------------------------------------------------------------
-- Self-service user management: a customer's Admins (L80) and Owners (L90) manage that
-- customer's grants through row-level security on external_access and the functions
-- grant_access, revoke_access, copy_access and customer_users; nobody gives more than they
-- hold, in role, window or time. The rule is one C function (core/delegation): the policies
-- and the functions below call can_manage() and can_grant(), and restate none of it.
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.can_grant(customer_id uuid, role @extschema@.access_role, days_back_access integer)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_grant' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.can_grant(uuid, @extschema@.access_role, integer) IS
    'Whether current_user_id() may give this grant, never expiring: Admin or Owner of the customer, role at most their own, window no wider than their own (NULL = unlimited), and their own grant never expires';
CREATE FUNCTION @extschema@.can_grant(customer_id uuid, role @extschema@.access_role, days_back_access integer,
                                      expires_at timestamptz)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_grant' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.can_grant(uuid, @extschema@.access_role, integer, timestamptz) IS
    'Whether current_user_id() may give this grant: Admin or Owner of the customer, role at most their own, window no wider than their own (NULL = unlimited), expiring no later than their own (NULL = never)';
CREATE FUNCTION @extschema@.can_manage(customer_id uuid)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_manage' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.can_manage(uuid) IS
    'Whether current_user_id() manages the customer''s users: an Admin or Owner grant in force on it';

-- Row-level security on the grants: the rules hold for every role the DBA grants DML to;
-- the table owner and superusers (and BYPASSRLS roles) keep full control.
ALTER TABLE @extschema@.external_access ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_or_managed_grants ON @extschema@.external_access FOR SELECT
    USING (user_id = @extschema@.current_user_id() OR @extschema@.can_manage(customer_id));
CREATE POLICY add_managed_grants ON @extschema@.external_access FOR INSERT
    WITH CHECK (@extschema@.can_grant(customer_id, role, days_back_access, expires_at));
CREATE POLICY change_managed_grants ON @extschema@.external_access FOR UPDATE
    USING (@extschema@.can_manage(customer_id))
    WITH CHECK (@extschema@.can_grant(customer_id, role, days_back_access, expires_at));
CREATE POLICY remove_managed_grants ON @extschema@.external_access FOR DELETE
    USING (@extschema@.can_manage(customer_id));
COMMENT ON POLICY own_or_managed_grants ON @extschema@.external_access IS
    'Everyone sees their own grants; a customer''s Admins and Owners see all of its grants';
COMMENT ON POLICY add_managed_grants ON @extschema@.external_access IS
    'Admins and Owners add grants for their customer, up to their own role, window and expiry';
COMMENT ON POLICY change_managed_grants ON @extschema@.external_access IS
    'Admins and Owners change their customer''s grants, up to their own role, window and expiry';
COMMENT ON POLICY remove_managed_grants ON @extschema@.external_access IS
    'Admins and Owners remove their customer''s grants (Owners stay: see protect_owner)';

-- 42501 unless the application user is an Admin or Owner of the customer who may give it.
CREATE FUNCTION @extschema@.grant_access(customer_id uuid, user_id uuid,
                                         role @extschema@.access_role DEFAULT 'L30',
                                         days_back_access integer DEFAULT 30, notes text DEFAULT NULL,
                                         expires_at timestamptz DEFAULT NULL)
    RETURNS @extschema@.external_access
    AS 'MODULE_PATHNAME', 'grant_access' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text, timestamptz) IS
    'Creates or updates a grant for a customer the application user administers (no higher role, no wider window, no later expiry than their own; expires_at NULL = never) and returns it; 42501 names the rule that refused';

CREATE FUNCTION @extschema@.revoke_access(customer_id uuid, user_id uuid)
    RETURNS @extschema@.external_access
    AS 'MODULE_PATHNAME', 'revoke_access' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.revoke_access(uuid, uuid) IS
    'Removes a grant of a customer the application user administers and returns it (P0002 when there is none); Owners cannot be removed';

CREATE FUNCTION @extschema@.copy_access(from_user uuid, to_user uuid, customer_id uuid DEFAULT NULL)
    RETURNS integer AS 'MODULE_PATHNAME', 'copy_access' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.copy_access(uuid, uuid, uuid) IS
    'Gives to_user the grants in force of from_user (role, window, notes, expiry) on every customer, or the one named, that the caller may give (all for a caller that reads and writes every grant); leaves pairs where to_user has a grant as they are; returns how many grants it made';

CREATE FUNCTION @extschema@.customer_users(customer_id uuid)
    RETURNS SETOF @extschema@.external_access
    AS 'MODULE_PATHNAME', 'customer_users' LANGUAGE C STABLE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.customer_users(uuid) IS
    'The grants of a customer the application user administers, highest role first';

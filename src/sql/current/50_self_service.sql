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




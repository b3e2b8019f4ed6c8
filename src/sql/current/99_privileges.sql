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
    @extschema@.can_grant(uuid, @extschema@.access_role, integer, timestamptz),
    @extschema@.can_manage(uuid),
    @extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text, timestamptz),
    @extschema@.revoke_access(uuid, uuid),
    @extschema@.copy_access(uuid, uuid, uuid),
    @extschema@.customer_users(uuid)
TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Identity (1.2): trusted keys and authenticate(), login users, the claims of the identity
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.login_users (
    login name PRIMARY KEY,
    user_id uuid NOT NULL,
    notes text,
    role_oid oid
);
COMMENT ON TABLE @extschema@.login_users IS
    'In identity mode login: the application user of each database login (session_user), for customers'' own reporting logins';
COMMENT ON COLUMN @extschema@.login_users.login IS 'the database login role (session_user)';
COMMENT ON COLUMN @extschema@.login_users.user_id IS 'the application user it is';
COMMENT ON COLUMN @extschema@.login_users.notes IS 'free text';
COMMENT ON COLUMN @extschema@.login_users.role_oid IS
    'set by the extension: the OID of the login role when the row was written; a role dropped and created again under the same name is not this user (set it to NULL to bind the row to the role that has the name now)';
COMMENT ON CONSTRAINT login_users_pkey ON @extschema@.login_users IS 'one application user per login';
COMMENT ON INDEX @extschema@.login_users_pkey IS 'the login of a session';
CREATE FUNCTION @extschema@.bind_login_role() RETURNS trigger
    AS 'MODULE_PATHNAME', 'bind_login_role' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.bind_login_role() IS
    'Trigger of login_users: binds each row to its login role''s OID (42704 when the role does not exist)';
CREATE TRIGGER bind_login_role BEFORE INSERT OR UPDATE ON @extschema@.login_users
    FOR EACH ROW EXECUTE FUNCTION @extschema@.bind_login_role();
ALTER TABLE @extschema@.login_users ENABLE ALWAYS TRIGGER bind_login_role;
COMMENT ON TRIGGER bind_login_role ON @extschema@.login_users IS 'a row names the login role itself, not a name';
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


# With shared_preload_libraries = 'customer_access': the settings are defined from session
# start (listed in pg_settings, a superuser-only one refused at connection), and the DDL
# guard's utility hook also covers what event triggers never see, in every session.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('preload');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'customer_access'\n");
$node->start;
$node->safe_psql('postgres', q{
  CREATE ROLE preload_admin SUPERUSER;
  SET ROLE preload_admin;
  CREATE EXTENSION customer_access;
  INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  VALUES ('c9000000-0000-0000-0000-000000000001', 'a9000000-0000-0000-0000-000000000001', 'L90', NULL);
  RESET ROLE;
  CREATE ROLE preload_plain LOGIN;
  CREATE ROLE preload_heir;
});

is($node->safe_psql('postgres', q{SELECT string_agg(name, ',' ORDER BY name) FROM pg_settings
                                   WHERE name IN ('customer_access.identity', 'customer_access.identity_scope',
                                                  'customer_access.user_id', 'customer_access.allow_owner_revoke')}),
   'customer_access.allow_owner_revoke,customer_access.identity,customer_access.identity_scope,customer_access.user_id',
   'the settings are in pg_settings from session start');

my ($rc, $out, $err);
# Each statement in a fresh session, where nothing of the extension has run yet.
($rc, $out, $err) = $node->psql('postgres', 'ALTER EVENT TRIGGER customer_access_guard DISABLE');
like($err, qr/customer_access protects its objects/, 'ALTER EVENT TRIGGER ... DISABLE is refused in a fresh session');
($rc, $out, $err) = $node->psql('postgres', 'ALTER EVENT TRIGGER customer_access_guard RENAME TO other');
like($err, qr/customer_access protects its objects/, 'renaming the guard is refused');
($rc, $out, $err) = $node->psql('postgres', 'ALTER EVENT TRIGGER customer_access_guard_code OWNER TO preload_heir');
like($err, qr/customer_access protects its objects/, 'changing the guard\'s owner is refused');
($rc, $out, $err) = $node->psql('postgres', 'REASSIGN OWNED BY preload_admin TO preload_heir');
like($err, qr/customer_access protects its objects: reassigning/, 'REASSIGN OWNED of the extension\'s owner is refused');
is($node->safe_psql('postgres', q{SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'customer_access.external_access'::regclass}),
   'preload_admin', '... and the grants keep their owner');
is($node->safe_psql('postgres', q{SELECT string_agg(evtname || '=' || evtenabled::text, ' ' ORDER BY evtname) FROM pg_event_trigger}),
   'customer_access_guard=A customer_access_guard_code=A', 'both event triggers stay enabled ALWAYS');

# A superuser-only identity setting given by a role that may not set it is refused at once.
{
    local $ENV{PGOPTIONS} = '-c customer_access.identity=setting';
    ($rc, $out, $err) = $node->psql('postgres', 'SELECT 1', extra_params => ['-U', 'preload_plain']);
    like($err, qr/permission denied to set parameter "customer_access.identity"/,
         'a connection option for a superuser-only setting is refused by a non-superuser');
}

# The exit still works for a superuser.
$node->safe_psql('postgres', q{
  SET customer_access.allow_owner_revoke = on;
  ALTER EVENT TRIGGER customer_access_guard_code DISABLE;
  ALTER EVENT TRIGGER customer_access_guard_code ENABLE ALWAYS;
});
pass('with the exit a superuser may change the guard');

$node->stop;
done_testing();

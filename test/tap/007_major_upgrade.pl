# A database moves from an older PostgreSQL major to this one (the 17 root carries Debian
# 12's 15 beside Debian 13's 17; scripts/tap installs customer_access into both) and keeps
# every grant, its history, trusted keys and login users, and their protections: an Owner
# stays unrevocable, the history append-only, the DDL guard active. Two ways: this version's
# pg_dump of the old server restored with pg_restore, and pg_upgrade (--copy).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Spec;

my $old_major = $ENV{CUSTOMER_ACCESS_OLD_MAJOR} // '';
plan skip_all => 'no older PostgreSQL beside this one in this root (the 17 root carries 15)'
  unless $old_major ne '' && -x "/usr/lib/postgresql/$old_major/bin/postgres";
my $old_install = "/usr/lib/postgresql/$old_major";
my @initdb = (extra => ['--locale=C', '--encoding=UTF8']);

my $old = PostgreSQL::Test::Cluster->new('old', install_path => $old_install);
$old->init(@initdb);
# The old server's JIT provider needs an LLVM of the old suite, which is not copied.
$old->append_conf('postgresql.conf', "jit = off\n");
$old->start;
$old->safe_psql('postgres', 'CREATE DATABASE portal');
$old->safe_psql('portal', q{
  CREATE EXTENSION customer_access;
  CREATE SCHEMA app;
  CREATE TABLE app.customers (id uuid PRIMARY KEY);
  INSERT INTO app.customers SELECT ('c9' || lpad(to_hex(g), 30, '0'))::uuid FROM generate_series(0, 6) g;
  ALTER TABLE customer_access.external_access
    ADD CONSTRAINT external_access_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers (id) ON DELETE CASCADE;
  INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access, notes)
  SELECT ('c9' || lpad(to_hex(g % 7), 30, '0'))::uuid, ('a9' || lpad(to_hex(g), 30, '0'))::uuid,
         (ARRAY['L10','L20','L30','L40','L80','L90'])[1 + g % 6]::customer_access.access_role,
         (ARRAY[NULL, 5, 30])[1 + g % 3], 'grant ' || g
    FROM generate_series(1, 60) g;
  UPDATE customer_access.external_access SET notes = notes || ' (edited)' WHERE role < 'L40';
  DELETE FROM customer_access.external_access WHERE role = 'L10';
  INSERT INTO customer_access.trusted_keys (kid, jwk, issuer) VALUES
    ('k1', '{"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}', 'https://idp.example');
  CREATE ROLE bi_tool LOGIN;
  INSERT INTO customer_access.login_users (login, user_id, notes) VALUES ('bi_tool', 'a9000000-0000-0000-0000-000000000005', 'BI');
});
like($old->safe_psql('portal', 'SHOW server_version_num'), qr/^$old_major/, "the old server is PostgreSQL $old_major");

my $grants = q{SELECT string_agg(concat_ws('|', id, customer_id, user_id, role, days_back_access, notes, object_version), E'\n' ORDER BY id)
               FROM customer_access.external_access};
my $history = q{SELECT string_agg(concat_ws('|', history_id, changed_at, operation, session_user_name, current_user_name,
                                            application_user_id, access_id, old_row, new_row, owner_override), E'\n' ORDER BY history_id)
                FROM customer_access.external_access_history};
my $keys = q{SELECT string_agg(concat_ws('|', kid, jwk, issuer, audience, enabled, notes), E'\n' ORDER BY kid) FROM customer_access.trusted_keys};
my $logins = q{SELECT string_agg(concat_ws('|', login, user_id, notes), E'\n' ORDER BY login) FROM customer_access.login_users};
my %before = map { $_->[0] => $old->safe_psql('portal', $_->[1]) }
    (['grants', $grants], ['history', $history], ['keys', $keys], ['logins', $logins]);
ok($before{history} =~ tr/\n// > 50, 'the old database has a history of inserts, updates and deletes');

# What must hold on the new server, whichever way the database came.
sub same_and_protected {
    my ($node, $db, $how) = @_;
    like($node->safe_psql($db, 'SHOW server_version_num'), qr/^$ENV{PG_MAJOR}/, "$how: the new server is PostgreSQL $ENV{PG_MAJOR}");
    is($node->safe_psql($db, $grants), $before{grants}, "$how: every grant, with its id and object_version");
    is($node->safe_psql($db, $history), $before{history}, "$how: the history exactly as it was");
    is($node->safe_psql($db, $keys), $before{keys}, "$how: the trusted keys");
    is($node->safe_psql($db, $logins), $before{logins}, "$how: the login users");
    my ($rc, $out, $err) = $node->psql($db, q{DELETE FROM customer_access.external_access WHERE role = 'L90'});
    like($err, qr/Owner access cannot be revoked/, "$how: an Owner is unrevocable");
    ($rc, $out, $err) = $node->psql($db, q{UPDATE customer_access.external_access SET role = 'L80' WHERE role = 'L90'});
    like($err, qr/Owner access cannot be revoked/, "$how: an Owner cannot be narrowed");
    ($rc, $out, $err) = $node->psql($db, q{DELETE FROM app.customers});
    like($err, qr/Owner access cannot be revoked/, "$how: a cascade cannot remove an Owner");
    ($rc, $out, $err) = $node->psql($db, q{UPDATE customer_access.external_access_history SET operation = 'DELETE'});
    like($err, qr/append-only/, "$how: the history is append-only");
    ($rc, $out, $err) = $node->psql($db, q{ALTER TABLE customer_access.external_access DISABLE TRIGGER protect_owner});
    like($err, qr/customer_access protects its objects/, "$how: the DDL guard is active");
    ($rc, $out, $err) = $node->psql($db, q{ALTER TABLE customer_access.external_access DROP COLUMN notes});
    like($err, qr/customer_access protects its objects/, "$how: the grants' columns stay");
    is($node->safe_psql($db, q{SELECT customer_access.has_customer_access('a9000000-0000-0000-0000-000000000005',
                                                                         'c9000000-0000-0000-0000-000000000005', 'L80')}),
       't', "$how: the checks answer from the moved grants");
    $node->safe_psql($db, q{UPDATE customer_access.external_access SET notes = 'after the move' WHERE role = 'L20'});
    is($node->safe_psql($db, q{SELECT count(*) FROM customer_access.external_access_history WHERE new_row->>'notes' = 'after the move'}),
       $node->safe_psql($db, q{SELECT count(*) FROM customer_access.external_access WHERE role = 'L20'}),
       "$how: a change after the move is recorded");
}

# 1. This version's pg_dump of the old server, restored into a new one.
my $new = PostgreSQL::Test::Cluster->new('restored');
$new->init(@initdb);
$new->start;
my $base = $new->basedir;
command_ok(['pg_dump', '-Fc', '-d', $old->connstr('portal'), '-f', "$base/portal.dump"],
           "pg_dump $ENV{PG_MAJOR} of the PostgreSQL $old_major database");
$new->safe_psql('postgres', 'CREATE ROLE bi_tool LOGIN');
$new->safe_psql('postgres', 'CREATE DATABASE portal');
command_ok(['pg_restore', '--exit-on-error', '-j', '2', '-d', $new->connstr('portal'), "$base/portal.dump"],
           "pg_restore into PostgreSQL $ENV{PG_MAJOR}");
same_and_protected($new, 'portal', 'dump and restore');
$new->stop;

# 2. pg_upgrade of the old cluster itself.
$old->stop;
my $upgraded = PostgreSQL::Test::Cluster->new('upgraded');
$upgraded->init(@initdb);
# pg_upgrade works in the current directory: its own, with every path absolute.
my ($old_data, $new_data) = map { File::Spec->rel2abs($_) } ($old->data_dir, $upgraded->data_dir);
my $workdir = File::Spec->rel2abs("$base/pg_upgrade");
mkdir $workdir;
chdir $workdir;
my $upgrade_ok = run_log(['pg_upgrade', '--no-sync', '--copy', '-d', $old_data, '-D', $new_data,
                          '-b', "$old_install/bin", '-B', $upgraded->config_data('--bindir'),
                          '-s', $upgraded->host, '-p', $old->port, '-P', $upgraded->port]);
ok($upgrade_ok, "pg_upgrade from PostgreSQL $old_major");
if (!$upgrade_ok) {
    for my $log (glob("$new_data/pg_upgrade_output.d/*/log/*.log")) {
        my @lines = split /\n/, slurp_file($log);
        diag("--- $log\n" . join("\n", @lines[($#lines > 30 ? $#lines - 30 : 0) .. $#lines]));
    }
    BAIL_OUT('pg_upgrade failed');
}
chdir $ENV{TESTDIR};
if (!$upgraded->start(fail_ok => 1)) {
    BAIL_OUT('the upgraded cluster does not start');
}
same_and_protected($upgraded, 'portal', 'pg_upgrade');
# pg_upgrade keeps the extension's objects as they were created; an update from the old
# server's version would run here (the same version: nothing to do).
is($upgraded->safe_psql('portal', q{SELECT extversion FROM pg_extension WHERE extname = 'customer_access'}),
   $upgraded->safe_psql('postgres', q{SELECT default_version FROM pg_available_extensions WHERE name = 'customer_access'}),
   'pg_upgrade: the extension is at the newest version');
$upgraded->stop;
done_testing();

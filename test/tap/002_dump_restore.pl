# pg_dump / pg_restore of a database using the extension keeps every grant, the history and
# the protections. The restore itself adds one INSERT entry per grant to the history (made by
# the restoring role, at restore time) and object_version restarts at 0, as on any insert.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE source');
$node->safe_psql('source', q{
  CREATE EXTENSION customer_access;
  INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access, notes)
  SELECT ('c8' || lpad(to_hex(g % 7), 30, '0'))::uuid, ('a8' || lpad(to_hex(g), 30, '0'))::uuid,
         (ARRAY['L10','L20','L30','L40','L80','L90'])[1 + g % 6]::customer_access.access_role,
         (ARRAY[NULL, 5, 30])[1 + g % 3], 'grant ' || g
    FROM generate_series(1, 60) g;
  UPDATE customer_access.external_access SET notes = notes || ' (edited)' WHERE role < 'L40';
  DELETE FROM customer_access.external_access WHERE role = 'L10';
});

my $grants = q{SELECT string_agg(concat_ws('|', id, customer_id, user_id, role, days_back_access, notes), E'\n' ORDER BY id)
               FROM customer_access.external_access};
my $history = q{SELECT string_agg(concat_ws('|', history_id, changed_at, operation, access_id, old_row, new_row), E'\n' ORDER BY history_id)
                FROM customer_access.external_access_history};
my $grants_before = $node->safe_psql('source', $grants);
my $history_before = $node->safe_psql('source', $history);
my $history_count = $node->safe_psql('source', 'SELECT count(*) FROM customer_access.external_access_history');
my $grant_count = $node->safe_psql('source', 'SELECT count(*) FROM customer_access.external_access');

my $dump = $node->basedir . '/source.dump';
$node->command_ok(['pg_dump', '-Fc', '-d', $node->connstr('source'), '-f', $dump], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE target');
$node->command_ok(['pg_restore', '--exit-on-error', '-d', $node->connstr('target'), $dump], 'pg_restore without errors');

is($node->safe_psql('target', $grants), $grants_before, 'every grant is restored');
my $last_source_id = $node->safe_psql('source', 'SELECT max(history_id) FROM customer_access.external_access_history');
is($node->safe_psql('target', $history . " WHERE history_id <= $last_source_id"), $history_before,
   'the history is restored, ids and all');
is($node->safe_psql('target', qq{SELECT count(*) FROM customer_access.external_access_history}),
   $history_count + $grant_count, 'the restore added one INSERT entry per grant');
is($node->safe_psql('target', q{SELECT count(*) FROM customer_access.external_access WHERE object_version <> 0}),
   '0', 'object_version restarts at 0');

# The protections survive: Owners stay unrevocable, the history append-only, the triggers ALWAYS.
my ($rc, $out, $err) = $node->psql('target', q{DELETE FROM customer_access.external_access WHERE role = 'L90'});
like($err, qr/Owner access cannot be revoked/, 'an Owner is still unrevocable after restore');
($rc, $out, $err) = $node->psql('target', q{DELETE FROM customer_access.external_access_history});
like($err, qr/append-only/, 'the history is still append-only');
is($node->safe_psql('target', q{SELECT string_agg(tgname || '=' || tgenabled::text, ' ' ORDER BY tgname) FROM pg_trigger
                                 WHERE tgrelid = 'customer_access.external_access'::regclass}),
   'object_version=A protect_owner=A protect_owner_truncate=A record_change=A', 'the triggers fire ALWAYS');
is($node->safe_psql('target', q{SELECT relrowsecurity FROM pg_class WHERE oid = 'customer_access.external_access'::regclass}),
   't', 'row security on the grants is kept');

# A new change after the restore sorts after everything restored.
$node->safe_psql('target', q{UPDATE customer_access.external_access SET notes = 'after restore' WHERE role = 'L20'});
is($node->safe_psql('target', q{SELECT bool_and(h.history_id > (SELECT max(history_id) FROM customer_access.external_access_history WHERE new_row->>'notes' IS DISTINCT FROM 'after restore'))
                                 FROM customer_access.external_access_history h WHERE h.new_row->>'notes' = 'after restore'}),
   't', 'history ids keep growing after a restore');

$node->stop;
done_testing();

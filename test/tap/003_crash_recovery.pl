# An immediate shutdown in the middle of a batch of grant changes leaves the grants and their
# history consistent after recovery: every committed change is recorded, nothing else is.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION customer_access');

my $script = $node->basedir . '/changes.sql';
open my $fh, '>', $script or die;
print $fh q{
\set u random(1, 100)
\set c random(1, 20)
\set d random(0, 365)
BEGIN;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  VALUES (('c9' || lpad(:c::text, 30, '0'))::uuid, ('a9' || lpad(:u::text, 30, '0'))::uuid, 'L20', :d)
  ON CONFLICT (user_id, customer_id) DO UPDATE SET days_back_access = EXCLUDED.days_back_access, notes = 'upserted';
UPDATE customer_access.external_access SET role = 'L30' WHERE user_id = ('a9' || lpad(:u::text, 30, '0'))::uuid;
DELETE FROM customer_access.external_access WHERE customer_id = ('c9' || lpad(:c::text, 30, '0'))::uuid AND days_back_access < 20;
COMMIT;
};
close $fh;

my ($stdout, $stderr) = ('', '');
my $pgbench = IPC::Run::start(
    ['pgbench', '-n', '-c', '2', '-T', '30', '-f', $script, $node->connstr('postgres')],
    '>', \$stdout, '2>', \$stderr);
sleep 3;
$node->stop('immediate');
$pgbench->finish;
note("pgbench: $stderr");
$node->start;

my $grants = $node->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access');
cmp_ok($grants, '>', 0, "grants were written before the crash ($grants left)");
is($node->safe_psql('postgres', q{
  SELECT count(*) FROM customer_access.external_access e
   WHERE to_jsonb(e) IS DISTINCT FROM (SELECT h.new_row FROM customer_access.external_access_history h
                                        WHERE h.access_id = e.id ORDER BY h.history_id DESC LIMIT 1)}),
   '0', 'every grant equals the newest history entry of its id');
is($node->safe_psql('postgres', q{
  SELECT count(*) FROM (SELECT DISTINCT ON (access_id) access_id, operation FROM customer_access.external_access_history
                         ORDER BY access_id, history_id DESC) last
   WHERE last.operation = 'DELETE' AND EXISTS (SELECT FROM customer_access.external_access e WHERE e.id = last.access_id)}),
   '0', 'no grant outlives its recorded DELETE');
is($node->safe_psql('postgres', q{
  SELECT count(*) FROM (SELECT DISTINCT ON (access_id) access_id, operation FROM customer_access.external_access_history
                         ORDER BY access_id, history_id DESC) last
   WHERE last.operation <> 'DELETE' AND NOT EXISTS (SELECT FROM customer_access.external_access e WHERE e.id = last.access_id)}),
   '0', 'no recorded grant is missing');
is($node->safe_psql('postgres', q{SELECT count(*) FROM customer_access.external_access e
   WHERE object_version <> (SELECT count(*) FROM customer_access.external_access_history h
                             WHERE h.access_id = e.id AND h.operation = 'UPDATE')}),
   '0', 'object_version counts the recorded updates');

$node->stop;
done_testing();

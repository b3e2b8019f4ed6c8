# Scale-out after the cluster changes shape: a worker added (preloaded, the secret set) gets the
# grants through Citus's own shard copy, which carries a copy proof; shards of the application
# tables moved and rebalanced; a worker drained and removed; distributed functions and CALL of
# distributed procedures; cursors held across transactions. After each, the policy's counts
# through the coordinator equal a plain join against the grants for all 50 users, the copies
# of the grants on every node are the same rows, and Citus's copying added no history.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use lib $ENV{TESTDIR} ? "$ENV{TESTDIR}/tap" : 'test/tap';
use CitusCluster;

# scripts/tap says when the Citus release the suite is for does not support this PostgreSQL.
plan skip_all => $ENV{CUSTOMER_ACCESS_CITUS_UNSUPPORTED}
  if $ENV{CUSTOMER_ACCESS_CITUS_UNSUPPORTED};
plan skip_all => 'Citus is not installed (../shared/citus/build.sh installs it)'
  unless citus_installed();

my ($coord, $w1, $w2) = citus_cluster(qw(coordinator worker1 worker2));
my $w3 = citus_node('worker3');    # joins the cluster later
$coord->safe_psql('postgres', q{
  CREATE ROLE portal LOGIN;
  CREATE ROLE backoffice LOGIN BYPASSRLS;
  CREATE EXTENSION customer_access;
});
load_grants($coord);
$coord->safe_psql('postgres', 'SELECT customer_access.distribute()');
load_orders($coord);
$coord->safe_psql('postgres', q{
  GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON customer_access.external_access TO backoffice;
  GRANT USAGE ON SCHEMA app TO backoffice;});

my $some = some_customers($coord);
my $shard = 'customer_access.external_access_' . grants_shard_id($coord);
my ($rc, $out, $err, $before);

sub history_count {
    $coord->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access_history');
}

# The policy's counts equal the plain join for every user, and every node's copy of the
# grants is the coordinator's.
sub ground_truth_holds {
    my ($label, @nodes) = @_;
    my $truth = ground_truth($coord);
    my ($all, $one) = counts_for_every_user($coord, $some, [], "SET LOCAL customer_access.user_id = '%s';");
    my $rows = matches_truth($label, $truth, $some, $all, $one);
    my $expected = copy_digests($coord);
    my @differ = grep { copy_digests($_) ne $expected } @nodes;
    is(scalar(@differ), 0, "$label: every node's copy of the grants is the coordinator's ("
       . scalar(@nodes) . ' workers)') or diag(join ', ', map { $_->name } @differ);
    return $rows;
}

my %rows;
$rows{start} = ground_truth_holds('two workers', $w1, $w2);
my $history = history_count();

# A worker added: preloaded, the secret set. Citus copies the grants into it when it
# replicates the reference tables: the source node's backend sends a copy proof with the one
# connection that copies the rows; nothing else writes a copy there.
$coord->safe_psql('postgres', "SELECT citus_add_node('127.0.0.1', " . $w3->port . ")");
$coord->safe_psql('postgres', 'SELECT replicate_reference_tables()');
is($w3->safe_psql('postgres', qq{SELECT count(*) FROM pg_dist_placement p JOIN pg_dist_shard s USING (shardid)
                                  WHERE s.logicalrelid = 'customer_access.external_access'::regclass
                                    AND p.groupid = (SELECT groupid FROM pg_dist_local_group)}), '1',
   'replicate_reference_tables() gives the new worker a copy of the grants');
is(history_count(), $history, 'Citus copying the grants adds no history');
$rows{added} = ground_truth_holds('a worker added', $w1, $w2, $w3);

# The application's shards spread onto it, then one moved by hand.
$coord->safe_psql('postgres', q{SELECT rebalance_table_shards('app.orders', shard_transfer_mode := 'block_writes')});
my $on_w3 = $coord->safe_psql('postgres', qq{SELECT count(*) FROM citus_shards
                                              WHERE table_name = 'app.orders'::regclass AND nodeport = } . $w3->port);
cmp_ok($on_w3, '>', 0, "rebalance_table_shards moved shards of the orders onto the new worker ($on_w3)");
$rows{rebalanced} = ground_truth_holds('after rebalance_table_shards', $w1, $w2, $w3);
my ($moved, $from) = split /\|/, $coord->safe_psql('postgres', qq{SELECT shardid, nodeport FROM citus_shards
    WHERE table_name = 'app.orders'::regclass AND nodeport = } . $w1->port . ' ORDER BY shardid LIMIT 1');
$coord->safe_psql('postgres', qq{SELECT citus_move_shard_placement($moved, '127.0.0.1', $from, '127.0.0.1', }
                                 . $w2->port . q{, shard_transfer_mode := 'block_writes')});
$rows{moved} = ground_truth_holds('after citus_move_shard_placement', $w1, $w2, $w3);

# Grants changed after the node joined reach its copy, with history on the coordinator.
$coord->safe_psql('postgres', q{INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access) VALUES }
  . join(', ', map { "('" . customer_id($_) . "', 'a6000000-0000-0000-0000-0000000000d7', 'L20', 7)" } 50 .. 69) . qq{;
  UPDATE customer_access.external_access SET days_back_access = NULL WHERE user_id = 'a6000000-0000-0000-0000-0000000000d7';});
$rows{changed} = ground_truth_holds('grants changed after the worker joined', $w1, $w2, $w3);

# Nothing but Citus's own copy with its proof writes a copy on the new worker: not a direct
# COPY (a superuser's either), not one with a made-up proof, not worker_copy_table_to_node
# run by a role that may not copy the grants, not a table that looks like a copy being filled.
my $row = "$some->{user_id(3)}\ta6000000-0000-0000-0000-0000000000d1\tL80";
my $copy = "COPY $shard (customer_id, user_id, role) FROM STDIN;\n$row\n\\.\n";
($rc, $out, $err) = $w3->psql('postgres', $copy);
like($err, qr/changed through customer_access.external_access only/, 'a superuser\'s direct COPY into the new copy is refused');
{
    local $ENV{PGOPTIONS} = '-c customer_access.copy_proof=cp1.000000000000000000000000.00.00000000000000000000000000000000';
    ($rc, $out, $err) = $w3->psql('postgres', $copy);
    like($err, qr/changed through customer_access.external_access only/, '... and with a made-up copy proof');
    local $ENV{PGOPTIONS} = '-c customer_access.link=00112233445566778899aabbccddeeff';
    ($rc, $out, $err) = $w3->psql('postgres', $copy, extra_params => ['-U', 'backoffice']);
    like($err, qr/changed through customer_access.external_access only/, '... and with a made-up link key');
}
($rc, $out, $err) = $w3->psql('postgres', q{SET customer_access.copy_proof = 'cp1.x'});
like($err, qr/cannot be set after connection start|is set by customer_access only/, 'customer_access.copy_proof cannot be SET');
($rc, $out, $err) = $w1->psql('postgres', "SELECT worker_copy_table_to_node('$shard'::regclass, "
    . $coord->safe_psql('postgres', 'SELECT nodeid FROM pg_dist_node WHERE nodeport = ' . $w3->port) . ')',
    extra_params => ['-U', 'backoffice']);
like($err, qr/changed through customer_access.external_access only|duplicate key/,
     'worker_copy_table_to_node run by the back-office role writes no copy');
$w3->safe_psql('postgres', q{CREATE TABLE customer_access.external_access_999999 (LIKE customer_access.external_access);
                             GRANT INSERT ON customer_access.external_access_999999 TO backoffice});
($rc, $out, $err) = $w3->psql('postgres', qq{INSERT INTO customer_access.external_access_999999 (id, customer_id, user_id, role, object_version)
    VALUES (gen_random_uuid(), '$some->{user_id(3)}', 'a6000000-0000-0000-0000-0000000000d1', 'L80', 0)}, extra_params => ['-U', 'backoffice']);
like($err, qr/changed through customer_access.external_access only\n.*No carrier came/,
     'a table named like a copy being filled (no triggers yet) is guarded by name') or diag($err);
$w3->safe_psql('postgres', 'DROP TABLE customer_access.external_access_999999');
$rows{copies} = ground_truth_holds('after the attempts on the new worker', $w1, $w2, $w3);

# Distributed functions (delegated to the worker that holds the customer's shard) and CALL
# of distributed procedures: their queries check the coordinator's user.
$coord->safe_psql('postgres', q{
  CREATE FUNCTION app.visible_orders(c uuid) RETURNS bigint LANGUAGE plpgsql STABLE AS
    $f$ BEGIN RETURN (SELECT count(*) FROM app.orders WHERE customer_id = c); END $f$;
  SELECT create_distributed_function('app.visible_orders(uuid)', 'c', colocate_with := 'app.orders');
  CREATE PROCEDURE app.count_visible(c uuid, INOUT n bigint) LANGUAGE plpgsql AS
    $p$ BEGIN SELECT count(*) INTO n FROM app.orders WHERE customer_id = c; END $p$;
  SELECT create_distributed_function('app.count_visible(uuid, bigint)', 'c', colocate_with := 'app.orders');
  GRANT EXECUTE ON FUNCTION app.visible_orders(uuid) TO portal;
  GRANT EXECUTE ON PROCEDURE app.count_visible(uuid, bigint) TO portal;});
my $truth = ground_truth($coord);
{
    my ($function, $call, $autocommit) = ('', '', '');
    for my $n (0 .. 49) {
        my $u = user_id($n);
        $function .= "BEGIN; SET LOCAL customer_access.user_id = '$u'; SELECT '$u', app.visible_orders('$some->{$u}'); COMMIT;\n";
        $call .= "BEGIN; SET LOCAL customer_access.user_id = '$u'; CALL app.count_visible('$some->{$u}', NULL); COMMIT;\n";
        $autocommit .= "SET customer_access.user_id = '$u'; SELECT '$u', app.visible_orders('$some->{$u}'); CALL app.count_visible('$some->{$u}', NULL);\n";
    }
    my %expected = map { $_ => ($truth->{pair}{"$_|$some->{$_}"} // 0) } map { user_id($_) } 0 .. 49;
    my $compare = sub {
        my ($label, $got) = @_;
        my @wrong = grep { ($got->{$_} // 'none') ne $expected{$_} } sort keys %expected;
        is(scalar(@wrong), 0, "$label: equals the plain join for all 50 users") or diag(join "\n", map { "$_: " . ($got->{$_} // 'none') . " vs $expected{$_}" } @wrong[0 .. ($#wrong < 9 ? $#wrong : 9)]);
    };
    $compare->('a distributed function in a transaction', { map { split /\|/ } split /\n/,
        $coord->safe_psql('postgres', $function, extra_params => ['-U', 'portal']) });
    my @n = split /\n/, $coord->safe_psql('postgres', $call, extra_params => ['-U', 'portal']);
    $compare->('CALL of a distributed procedure in a transaction', { map { (user_id($_) => $n[$_]) } 0 .. 49 });
    $coord->safe_psql('postgres', q{ALTER DATABASE postgres SET customer_access.identity_scope = 'session'});
    ($rc, $out, $err) = $coord->psql('postgres', $autocommit, extra_params => ['-U', 'portal']);
    my @lines = split /\n/, $out;
    my (%f, %c);
    for (my $i = 0; $i + 1 < @lines; $i += 2) {
        my ($u, $v) = split /\|/, $lines[$i];
        $f{$u} = $v;
        $c{$u} = $lines[$i + 1];
    }
    $compare->('a distributed function in autocommit', \%f);
    $compare->('CALL of a distributed procedure in autocommit', \%c);
    is($err, '', '... without errors');
    ($rc, $out, $err) = $coord->psql('postgres', qq{SET citus.log_remote_commands = on; SET client_min_messages = log;
        SET customer_access.user_id = '@{[user_id(3)]}'; SELECT app.visible_orders('$some->{user_id(3)}');},
        extra_params => ['-U', 'portal']);
    like($err, qr/issuing SELECT app\.visible_orders/, '(in autocommit Citus delegated the function call to a worker)');
    $coord->safe_psql('postgres', q{ALTER DATABASE postgres RESET customer_access.identity_scope});
}

# Cursors held across transactions: declared with the user's identity, fetched after COMMIT.
{
    my @wrong;
    for my $n (3, 9, 21, 49) {
        my $u = user_id($n);
        my $got = $coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$u';
            DECLARE c CURSOR WITH HOLD FOR SELECT customer_id FROM app.orders;
            DECLARE n CURSOR WITH HOLD FOR SELECT count(*) FROM app.orders;
            FETCH 1 FROM c \\g /dev/null
            COMMIT; FETCH ALL FROM n; MOVE FORWARD ALL IN c; CLOSE c; CLOSE n;}, extra_params => ['-U', 'portal']);
        push @wrong, "$u: $got vs " . ($truth->{all}{$u} // 0) if $got ne ($truth->{all}{$u} // 0);
    }
    is(scalar(@wrong), 0, 'cursors held across transactions count what the user saw when they were declared')
      or diag(join "\n", @wrong);
}

# A worker drained and removed.
$coord->safe_psql('postgres', "SELECT citus_drain_node('127.0.0.1', " . $w2->port . ", shard_transfer_mode := 'block_writes')");
$coord->safe_psql('postgres', "SELECT citus_remove_node('127.0.0.1', " . $w2->port . ")");
is($coord->safe_psql('postgres', 'SELECT count(*) FROM pg_dist_node WHERE nodeport = ' . $w2->port), '0', 'worker2 drained and removed');
$rows{removed} = ground_truth_holds('after citus_remove_node', $w1, $w3);

# A foreign key from the grants to the application's customers (a reference table, as README
# shows): a customer's deletion cascading to its grants would change every copy inside another
# statement, with no carrier for it: refused, and nothing changes.
$coord->safe_psql('postgres', q{
  CREATE TABLE app.customers (id uuid PRIMARY KEY);
  SELECT create_reference_table('app.customers');
  INSERT INTO app.customers SELECT DISTINCT customer_id FROM customer_access.external_access;
  ALTER TABLE customer_access.external_access ADD CONSTRAINT grants_customer_fk
    FOREIGN KEY (customer_id) REFERENCES app.customers (id) ON DELETE CASCADE;});
my $cascading = $coord->safe_psql('postgres', q{SELECT customer_id FROM customer_access.external_access
                                                 GROUP BY 1 HAVING bool_and(role < 'L90') ORDER BY 1 LIMIT 1});
$before = copy_digests($coord);
($rc, $out, $err) = $coord->psql('postgres', "DELETE FROM app.customers WHERE id = '$cascading'");
like($err, qr/changed through customer_access.external_access only/, 'a cascade from another table into the grants is refused');
is(join(' ', map { copy_digests($_) } ($coord, $w1, $w3)), join(' ', ($before) x 3), '... and no copy changes');

# TRUNCATE: only as Citus's task for a TRUNCATE through the coordinator, and not while an
# Owner holds a grant.
($rc, $out, $err) = $coord->psql('postgres', 'TRUNCATE customer_access.external_access');
like($err, qr/Owner access cannot be revoked by TRUNCATE/, 'TRUNCATE through the coordinator is refused while Owners hold grants');
$coord->safe_psql('postgres', q{SET citus.propagate_set_commands = 'local'; BEGIN;
  SET LOCAL customer_access.allow_owner_revoke = on;
  DELETE FROM customer_access.external_access WHERE role = 'L90'; COMMIT;});
$before = copy_digests($coord);
($rc, $out, $err) = $coord->psql('postgres', q{SELECT string_agg(nodeport || ':' || success || ':' || result, E'\n')
    FROM run_command_on_placements('customer_access.external_access', 'TRUNCATE %s')}, extra_params => ['-U', 'backoffice']);
is(join(' ', map { copy_digests($_) } ($coord, $w1, $w3)), join(' ', ($before) x 3),
   'finding 2: a copy holding no Owner is not truncated directly (run_command_on_placements)') or diag($out);
for my $node ($w1, $w3) {
    ($rc, $out, $err) = $node->psql('postgres', "TRUNCATE $shard");
    like($err, qr/changed through customer_access.external_access only/, '... nor by a direct client of a worker, a superuser\'s either: ' . $node->name);
}
is($coord->safe_psql('postgres', 'TRUNCATE customer_access.external_access; SELECT count(*) FROM customer_access.external_access'),
   '0', 'TRUNCATE through the coordinator empties the grants');
my $empty = copy_digests($coord);
is(join(' ', map { copy_digests($_) } ($w1, $w3)), "$empty $empty", '... on every copy');

note('ground-truth rows compared: ' . join(', ', map { "$_ $rows{$_}" } sort keys %rows));
done_testing();

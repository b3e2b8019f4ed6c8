# A fresh attack on Citus support (issue 21's last point): a reviewer who had not seen the
# change, as the portal role through the coordinator only, as a back-office role with
# BYPASSRLS and DML on the grants, and as a direct client of a worker. Each test asserts the
# safe behaviour; the attacks that held are listed in README ("Scaling out") and the closing
# note of the issue.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use lib $ENV{TESTDIR} ? "$ENV{TESTDIR}/tap" : 'test/tap';
use CitusCluster;

plan skip_all => $ENV{CUSTOMER_ACCESS_CITUS_UNSUPPORTED}
  if $ENV{CUSTOMER_ACCESS_CITUS_UNSUPPORTED};
plan skip_all => 'Citus is not installed (../shared/citus/build.sh installs it)'
  unless citus_installed();

my ($coord, $w1) = citus_cluster(qw(coordinator worker1));
$coord->safe_psql('postgres', q{
  CREATE ROLE portal LOGIN;
  CREATE ROLE backoffice LOGIN BYPASSRLS;
  CREATE ROLE other LOGIN;
  CREATE EXTENSION customer_access;
});
load_grants($coord);
$coord->safe_psql('postgres', 'SELECT customer_access.distribute()');
load_orders($coord);
$coord->safe_psql('postgres', q{
  GRANT SELECT, INSERT, UPDATE, DELETE ON customer_access.external_access TO backoffice;
  GRANT USAGE ON SCHEMA app TO backoffice; GRANT SELECT ON app.orders TO backoffice;});
my $shard = grants_shard_id($coord);
my $shard_name = "customer_access.external_access_$shard";
my $truth = ground_truth($coord);
my $some = some_customers($coord);
my ($rc, $out, $err);

sub copies {
    return join ' ', map { copy_digests($_) } ($coord, $w1);
}
sub history_count {
    $coord->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access_history');
}
sub run {
    my ($node, $role, $sql) = @_;
    return $node->psql('postgres', $sql, extra_params => ['-U', $role]);
}
sub portal_count {
    my ($user) = @_;
    return $coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$user';
        SELECT count(*) FROM app.orders; COMMIT;}, extra_params => ['-U', 'portal']);
}
my $cport = $coord->port;
my $internal = q{SET application_name = 'citus_internal gpid=10000000001';
    BEGIN; SELECT assign_distributed_transaction_id(0, 99, now());};
my $u0 = user_id(4);
my $victim_customer = $some->{user_id(21)};
my $before = copies();
my $history = history_count();

# Hole 1 (found here): Citus 13.2's citus_internal.delete_placement_metadata() checks only the
# connection's name and a coordinated transaction, both of which any role makes. The portal
# role took the workers' copy of the grants out of the coordinator's metadata; a revoke then
# did not reach the worker, whose stale copy still let the revoked user see 50 orders.
my $victim = user_id(21);
cmp_ok(portal_count($victim), '>', 0, 'the victim sees orders before the revoke');
my $placements = q{SELECT count(*) FROM pg_dist_placement WHERE shardid = } . $shard;
for my $node ($coord, $w1) {
    ($rc, $out, $err) = run($node, 'portal', qq{$internal
        SELECT citus_internal.delete_placement_metadata(placementid) FROM pg_dist_placement WHERE shardid = $shard AND groupid <> 0; COMMIT;});
    like($err, qr/only a superuser may change the Citus metadata of customer_access.external_access/,
         'the portal role cannot delete a placement of the grants on the ' . $node->name);
    is($node->safe_psql('postgres', $placements), '2', '... the placements are all there');
    ($rc, $out, $err) = run($node, 'portal', qq{$internal
        SELECT pg_catalog.citus_internal_delete_placement_metadata(placementid) FROM pg_dist_placement WHERE shardid = $shard; COMMIT;});
    is($node->safe_psql('postgres', $placements), '2', '... nor under the function\'s older name');
    # The same Citus function family makes the reference table a single-shard table, whose
    # changes then reach one copy only.
    my $partition = q{SELECT partmethod::text || repmodel::text || colocationid FROM pg_dist_partition WHERE logicalrelid = 'customer_access.external_access'::regclass};
    my $was = $node->safe_psql('postgres', $partition);
    ($rc, $out, $err) = run($node, 'portal', qq{$internal
        SELECT citus_internal.update_none_dist_table_metadata('customer_access.external_access'::regclass, 's', colocationid, false)
          FROM pg_dist_partition WHERE logicalrelid = 'customer_access.external_access'::regclass; COMMIT;});
    like($err, qr/only a superuser may change the Citus metadata of customer_access.external_access/,
         'the portal role cannot make the grants a single-shard table on the ' . $node->name);
    is($node->safe_psql('postgres', $partition), $was, '... the grants are still a reference table (' . $was . ')');
}
$coord->safe_psql('postgres', qq{DELETE FROM customer_access.external_access WHERE user_id = '$victim' AND role < 'L90'});
is(copies(), copies() =~ s/^(\S+) .*/$1 $1/r, 'a revoke afterwards reaches every copy');
is(portal_count($victim), $coord->safe_psql('postgres', qq{SELECT count(*) FROM app.orders o JOIN customer_access.external_access g
    ON g.customer_id = o.customer_id AND g.user_id = '$victim' WHERE g.role >= 'L20'
   AND (g.days_back_access IS NULL OR o.order_date >= current_date - g.days_back_access)
   AND (g.expires_at IS NULL OR g.expires_at > now())}), '... and the revoked user sees only what the grants left allow');
# (a superuser, as Citus's own operations, still may; undone by the rollback)
($rc, $out, $err) = run($w1, 'postgres', qq{$internal
    SELECT citus_internal.delete_placement_metadata(placementid) FROM pg_dist_placement WHERE shardid = $shard AND groupid = 0; ROLLBACK;});
is($err, '', 'a superuser may still delete a placement of the grants (Citus does, as a superuser)');
$before = copies();
$history = history_count();

# Attacks that held.
# A back-office role makes each copy compute a change for itself with built-in functions whose
# answer depends on the node (no function of its own): Citus refuses them with column
# references, and a subquery on a node's own catalog.
$coord->safe_psql('postgres', qq{UPDATE customer_access.external_access SET notes = 'port' WHERE user_id = '$u0' AND role < 'L90'});
$before = copies();
$history = history_count();
for my $change (
    qq{UPDATE customer_access.external_access SET role = (ARRAY[role, 'L80'])[1 + (current_setting(notes) <> '$cport')::int] WHERE user_id = '$u0' AND role < 'L90'},
    qq{UPDATE customer_access.external_access SET role = CASE WHEN current_setting(notes) = '$cport' THEN role ELSE 'L80' END WHERE user_id = '$u0' AND role < 'L90'},
    qq{UPDATE customer_access.external_access SET days_back_access = 3000 + (notes::regclass)::oid::int % 7 WHERE user_id = '$u0'},
    qq{UPDATE customer_access.external_access SET days_back_access = 1000 + (SELECT count(*) FROM pg_catalog.pg_dist_local_group WHERE groupid > 0)::int WHERE user_id = '$u0'},
    qq{DELETE FROM customer_access.external_access WHERE user_id = '$u0' AND role < 'L90' AND current_setting(notes) <> '$cport'},
    qq{INSERT INTO customer_access.external_access (customer_id, user_id, role, notes) SELECT '$victim_customer', '$victim', 'L80', 'port'
        ON CONFLICT (user_id, customer_id) DO UPDATE SET role = (ARRAY['L10', 'L80'])[1 + (current_setting(excluded.notes) <> '$cport')::int]::customer_access.access_role}) {
    ($rc, $out, $err) = run($coord, 'backoffice', $change);
    isnt($rc, 0, 'refused: ' . substr($change, 0, 90)) or diag($out);
}
is(copies(), $before, '... and the copies are still the same rows');
is(history_count(), $history, '... with no history');

# Shard-level DDL and Citus's worker functions on the grants' copy.
for my $case (
    [ 'postgres', qq{SELECT worker_apply_shard_ddl_command($shard, 'customer_access', 'ALTER TABLE customer_access.external_access DISABLE TRIGGER ALL')}, qr/customer_access protects its objects/ ],
    [ 'postgres', qq{SELECT worker_apply_shard_ddl_command($shard, 'customer_access', 'ALTER TABLE customer_access.external_access ENABLE REPLICA TRIGGER protect_owner')}, qr/customer_access protects its objects/ ],
    [ 'portal', qq{SELECT worker_apply_shard_ddl_command($shard, 'customer_access', 'ALTER TABLE customer_access.external_access DISABLE TRIGGER ALL')}, qr/must be owner/ ],
    [ 'postgres', qq{SET session_replication_role = replica; UPDATE $shard_name SET role = 'L80' WHERE user_id = '$u0' AND role < 'L90'}, qr/changed through customer_access.external_access only/ ],
    [ 'portal', q{SELECT worker_create_or_replace_object('CREATE FUNCTION customer_access.current_user_id() RETURNS uuid LANGUAGE sql AS $$SELECT NULL::uuid$$')}, qr/customer_access protects its objects/ ],
    [ 'postgres', q{SELECT worker_create_or_replace_object('CREATE FUNCTION customer_access.current_user_id() RETURNS uuid LANGUAGE sql AS $$SELECT NULL::uuid$$')}, qr/customer_access protects its objects/ ],
    [ 'portal', q{SELECT worker_drop_shell_table('customer_access.external_access')}, qr/must be owner/ ],
    [ 'portal', q{SELECT worker_drop_distributed_table('customer_access.external_access')}, qr/must be owner/ ],
    [ 'portal', qq{$internal SELECT citus_internal.delete_shard_metadata($shard); COMMIT;}, qr/must be owner/ ],
    [ 'portal', qq{$internal SELECT citus_internal.delete_partition_metadata('customer_access.external_access'); COMMIT;}, qr/must be owner/ ],
    [ 'portal', qq{$internal SELECT citus_internal.update_placement_metadata($shard, 1, 0); COMMIT;}, qr/must be owner/ ],
    [ 'portal', qq{SELECT count(*) FROM $shard_name}, qr/permission denied/ ],
    [ 'portal', qq{SELECT customer_access.who_can_access('$victim_customer')}, qr/42501|may not|permission|only/ ],
    ) {
    my ($role, $sql, $expected) = @$case;
    ($rc, $out, $err) = run($w1, $role, $sql);
    like($err, $expected, "on a worker as $role: " . substr($sql =~ s/\s+/ /gr, 0, 80));
}
for my $case (
    [ qq{SELECT citus_copy_shard_placement($shard, 'localhost', } . $w1->port . qq{, 'localhost', $cport)}, qr/must be owner/ ],
    [ qq{SELECT worker_copy_table_to_node('$shard_name'::regclass, 1)}, qr/permission denied/ ],
    [ qq{SELECT citus_internal.citus_internal_copy_single_shard_placement($shard, 1, 2, 0, 'block_writes')}, qr/only be used by a rebalancer task/ ],
    [ qq{SELECT string_agg(result, ',') FROM run_command_on_workers(\$\$SELECT count(*) FROM $shard_name\$\$)}, qr/^$/ ],
    ) {
    my ($sql, $expected) = @$case;
    ($rc, $out, $err) = run($coord, 'portal', $sql);
    like($err, $expected, 'through the coordinator as the portal role: ' . substr($sql, 0, 80));
    unlike($out, qr/^\d+$/, '... and no count') if $sql =~ /run_command_on_workers/;
}
($rc, $out, $err) = run($coord, 'portal', qq{SELECT result FROM master_run_on_worker(ARRAY['127.0.0.1'], ARRAY[} . $w1->port
                        . q{], ARRAY['SELECT current_setting(''customer_access.link'')'], false)});
unlike($out, qr/[0-9a-f]{32}/, 'master_run_on_worker shows no link key');
is(copies(), $before, 'no copy changed through any of them');

# Two-phase commit: a back-office role prepares its change of the grants on the coordinator
# and commits or rolls back only part of it.
($rc, $out, $err) = run($coord, 'backoffice', qq{BEGIN; UPDATE customer_access.external_access SET role = 'L80' WHERE user_id = '$u0' AND role < 'L80';
    PREPARE TRANSACTION 'ca_attack';});
diag("PREPARE TRANSACTION: rc=$rc $err");
run($coord, 'backoffice', q{ROLLBACK PREPARED 'ca_attack'});
($rc, $out, $err) = run($w1, 'backoffice', q{SELECT count(*) FROM pg_prepared_xacts});
diag("prepared on the worker: $out $err");
run($w1, 'backoffice', q{SELECT pg_catalog.string_agg(gid, ',') FROM pg_prepared_xacts});
is(copies(), $before, '2PC: no copy changed by a prepared change of the grants');

# Intermediate results: Citus keeps a recursively planned subquery's rows (the victim's, as
# its policy filtered them) in files named by the role and the distributed transaction, on
# every node that needs them, until the transaction ends. The portal role, with no identity,
# takes the victim's distributed transaction (get_all_active_transactions() and
# assign_distributed_transaction_id() are PUBLIC) and reads them.
{
    my $reader = user_id(33);
    my $victim_session = $coord->background_psql('postgres', extra_params => ['-U', 'portal']);
    $victim_session->query_safe('BEGIN');
    $victim_session->query_safe(qq{SET LOCAL customer_access.user_id = '$reader'});
    my $victim_rows = $victim_session->query_safe(q{WITH recent AS (SELECT o.customer_id, o.id FROM app.orders o ORDER BY o.order_date DESC, o.id LIMIT 50)
        SELECT count(*) FROM app.orders o JOIN recent r ON r.customer_id = o.customer_id});
    cmp_ok($victim_rows, '>', 0, 'the victim\'s query reads its rows through an intermediate result');
    my $txn = $coord->safe_psql('postgres', q{SELECT format('0, %s, %L', transaction_number, transaction_stamp)
        FROM get_all_active_transactions() WHERE transaction_number > 0 AND process_id <> pg_backend_pid() ORDER BY transaction_number DESC LIMIT 1},
        extra_params => ['-U', 'portal']);
    ok($txn ne '', "the portal role sees the victim's distributed transaction ($txn; its initiator is the coordinator, group 0)");
    my $steal = qq{DO \$s\$ DECLARE n bigint; total bigint := 0; BEGIN
        PERFORM assign_distributed_transaction_id($txn);
        FOR p IN 1 .. 60 LOOP FOR s IN 1 .. 4 LOOP
          BEGIN
            EXECUTE format('SELECT count(*) FROM read_intermediate_result(%L, ''binary'') AS r(customer_id uuid, id bigint)', p || '_' || s) INTO n;
            total := total + n;
          EXCEPTION WHEN OTHERS THEN NULL;
          END;
        END LOOP; END LOOP;
        RAISE EXCEPTION 'stolen rows: %', total; END \$s\$};
    my $stolen;
    ($rc, $out, $err) = run($w1, 'portal', $steal);
    ($stolen) = $err =~ /stolen rows: (\d+)/;
    is($stolen // 'none', 0, 'the portal role with no identity reads none of the victim\'s intermediate results on a worker (a direct client of the same role)');
    # Each way in is refused outright (42501), not merely empty.
    for my $node ([$w1, 'a worker', $coord], [$coord, 'the coordinator', $w1]) {
        for my $touch (q{SELECT count(*) FROM read_intermediate_result('1_1', 'binary') AS r(customer_id uuid, id bigint)},
                       q{SELECT count(*) FROM read_intermediate_results(ARRAY['1_1'], 'binary') AS r(customer_id uuid, id bigint)},
                       q{COPY "1_1" TO STDOUT WITH (format result)},
                       q{SELECT create_intermediate_result('1_1', 'SELECT 1')},
                       q{SELECT fetch_intermediate_results(ARRAY['1_1'], '127.0.0.1', } . $node->[2]->port . q{)}) {
            ($rc, $out, $err) = run($node->[0], 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id($txn); $touch; COMMIT});
            like($err, qr/may not use the intermediate results/, "on $node->[1], in the victim's transaction: " . substr($touch, 0, 60));
        }
    }
    (my $command = $steal) =~ s/'/''/g;
    ($rc, $out, $err) = run($coord, 'portal', qq{SELECT string_agg(result, ',') FROM run_command_on_workers('$command')});
    unlike($out . $err, qr/stolen rows: [1-9]/, '... nor through the coordinator alone (run_command_on_workers)');
    like($out . $err, qr/stolen rows: 0/, '... where the stealing ran and found nothing');
    # Another role's client of the worker reads nothing: the files are the role's.
    ($rc, $out, $err) = run($w1, 'other', $steal);
    like($err, qr/stolen rows: 0/, 'a direct client of a worker of another role reads none of the victim\'s intermediate results');
    # A carrier of the victim's transaction, read where Citus leaves it (a worker's
    # pg_stat_activity, after the identity changed and a router query used one connection),
    # set the way Citus sets it by a direct client of the worker in the victim's transaction:
    # it was not sealed for that connection, so it admits nothing.
    $victim_session->query_safe(q{SET LOCAL customer_access.user_id = '} . user_id(3) . q{'});
    $victim_session->query_safe(qq{SELECT count(*) FROM app.orders WHERE customer_id = '$victim_customer'});
    my $carrier = $w1->safe_psql('postgres', q{SELECT substring(query from 'customer_access.carrier = ''([^'']*)''')
        FROM pg_stat_activity WHERE usename = 'portal' AND query LIKE '%customer_access.carrier = %' LIMIT 1});
    ok($carrier =~ /^ca\d\./, 'a carrier of the victim\'s transaction is read on the worker');
    ($rc, $out, $err) = run($w1, 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id($txn);
        SET LOCAL customer_access.carrier = '$carrier';
        SELECT count(*) FROM read_intermediate_result('1_1', 'binary') AS r(customer_id uuid, id bigint); COMMIT});
    like($err, qr/may not use the intermediate results/, '... and with it, in the victim\'s transaction, no intermediate result is read');
    $victim_session->query_safe(q{SET LOCAL customer_access.user_id = '} . $reader . q{'});
    # The victim's own transaction still reads its intermediate results, on every path.
    is($victim_session->query_safe(q{WITH recent AS (SELECT o.customer_id, o.id FROM app.orders o ORDER BY o.order_date DESC, o.id LIMIT 50)
        SELECT count(*) FROM app.orders o JOIN recent r ON r.customer_id = o.customer_id}), $victim_rows, 'the victim\'s own transaction reads its intermediate results again');
    $victim_session->query_safe('COMMIT');
    $victim_session->quit;
}

# A back-office role changes the grants along other Citus paths: without local execution (the
# coordinator's copy through a connection) and one connection at a time. One history entry
# per row, the same rows in every copy.
for my $settings ('SET citus.enable_local_execution = off;', q{SET citus.multi_shard_modify_mode = 'sequential';},
                  q{SET citus.enable_local_execution = off; SET citus.force_max_query_parallelization = on;}) {
    my $rows = $coord->safe_psql('postgres', qq{SELECT count(*) FROM customer_access.external_access WHERE user_id = '$u0'});
    $history = history_count();
    ($rc, $out, $err) = run($coord, 'backoffice', qq{$settings UPDATE customer_access.external_access SET notes = 'path' WHERE user_id = '$u0'});
    is($rc, 0, "a change with $settings works") or diag($err);
    is(history_count() - $history, $rows, "... one history entry per row ($rows)");
    is(copies(), copies() =~ s/^(\S+) .*/$1 $1/r, '... and the copies are the same rows');
}

# A cursor WITH HOLD keeps the rows of the identity it ran under, as on one node.
{
    my ($a, $b) = (user_id(9), user_id(33));
    is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$a';
        DECLARE held CURSOR WITH HOLD FOR SELECT count(*) FROM app.orders; COMMIT;
        BEGIN; SET LOCAL customer_access.user_id = '$b'; FETCH ALL FROM held; COMMIT;}, extra_params => ['-U', 'portal']),
       portal_count($a), 'a cursor WITH HOLD declared for one user gives that user\'s rows when fetched later, as on one node');
}

# A function the portal role owns, distributed and delegated to a worker, checks the
# coordinator's user there; Citus's object metadata and the shard's rows stay closed to it.
$coord->safe_psql('postgres', q{CREATE SCHEMA portal_own AUTHORIZATION portal});
$coord->safe_psql('postgres', q{CREATE FUNCTION portal_own.orders_of(c uuid) RETURNS bigint LANGUAGE sql AS
    $f$ SELECT count(*) FROM app.orders WHERE customer_id = c $f$;
    SELECT create_distributed_function('portal_own.orders_of(uuid)', 'c', colocate_with := 'app.orders')},
    extra_params => ['-U', 'portal']);
for my $c ($some->{$u0}, $victim_customer) {
    is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$u0'; SELECT portal_own.orders_of('$c'); COMMIT;},
                         extra_params => ['-U', 'portal']), $truth->{pair}{"$u0|$c"} // 0,
       "a distributed function of the portal role, delegated, counts the coordinator's user's rows of customer $c");
}
($rc, $out, $err) = run($coord, 'portal', qq{$internal SELECT citus_internal.add_object_metadata('function', ARRAY['customer_access', 'grant_access'],
    ARRAY['uuid', 'uuid', 'customer_access.access_role', 'integer', 'text', 'timestamptz'], 0,
    (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'app.orders'::regclass), true); COMMIT;});
like($err, qr/must be owner/, 'the portal role cannot mark an extension function as a distributed one');
for my $node ($coord, $w1) {
    ($rc, $out, $err) = run($node, 'portal', qq{COPY $shard_name TO STDOUT});
    like($err, qr/permission denied/, 'COPY of the grants\' copy by the portal role is refused on the ' . $node->name);
}

# A superuser's exit from the Owner rule reaches every copy: an Owner revoked on purpose
# through the coordinator, once, with its history entry marked owner_override.
{
    my ($ou, $oc) = split /\|/, $coord->safe_psql('postgres', q{SELECT user_id || '|' || customer_id
        FROM customer_access.external_access WHERE role = 'L90' ORDER BY 1 LIMIT 1});
    ($rc, $out, $err) = $coord->psql('postgres', qq{SET customer_access.allow_owner_revoke = on;
        DELETE FROM customer_access.external_access WHERE user_id = '$ou' AND customer_id = '$oc'});
    is($rc, 0, 'a superuser with the exit revokes an Owner through the coordinator') or diag($err);
    is(copies(), copies() =~ s/^(\S+) .*/$1 $1/r, '... on every copy');
    is($coord->safe_psql('postgres', qq{SELECT count(*) FROM customer_access.external_access_history
        WHERE operation = 'DELETE' AND owner_override AND old_row ->> 'user_id' = '$ou'}), '1', '... recorded once, as an override');
    ($rc, $out, $err) = $coord->psql('postgres', qq{BEGIN; SET LOCAL customer_access.allow_owner_revoke = on;
        SAVEPOINT s; UPDATE customer_access.external_access SET notes = 'x' WHERE role = 'L90'; ROLLBACK TO SAVEPOINT s;
        RESET customer_access.allow_owner_revoke;
        DELETE FROM customer_access.external_access WHERE role = 'L90'; COMMIT;});
    like($err, qr/Owner access cannot be revoked/, '... and without the exit (reset in the transaction) an Owner stays');
    ($rc, $out, $err) = $coord->psql('postgres', qq{BEGIN; SET citus.enable_local_execution = off; SET LOCAL customer_access.allow_owner_revoke = on;
        UPDATE customer_access.external_access SET notes = 'x' WHERE role = 'L90';
        RESET customer_access.allow_owner_revoke;
        DELETE FROM customer_access.external_access WHERE role = 'L90'; COMMIT;});
    like($err, qr/Owner access cannot be revoked/, '... also when every copy is reached through a connection (the exit withdrawn on the nodes too)');
}

# TRUNCATE of the grants through the coordinator without local execution (Citus truncates the
# coordinator's copy through a connection too), by a superuser with the exit: every copy is
# emptied, every grant it removed is in the history once.
{
    my $rows = $coord->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access');
    $history = history_count();
    ($rc, $out, $err) = $coord->psql('postgres', q{SET citus.enable_local_execution = off;
        SET customer_access.allow_owner_revoke = on; TRUNCATE customer_access.external_access});
    is($rc, 0, 'TRUNCATE of the grants without local execution works for a superuser with the exit') or diag($err);
    is(copies(), '0:d41d8cd98f00b204e9800998ecf8427e 0:d41d8cd98f00b204e9800998ecf8427e', '... every copy is empty');
    is(history_count() - $history, $rows, "... and the history has one entry per grant removed ($rows)");
}

done_testing();

# A second fresh attack on the guard of Citus's intermediate results (after 0c080e6): (b) no
# carrier for a taken transaction, (c) no session touches the results of a transaction that a
# backend of another database holds, (d) COPY (query) WITH (format result) refused, and (a)
# once more. Citus names a result directory by role, initiator node and transaction number
# only (not the stamp), and each node numbers the transactions it starts itself, for all its
# databases, from 1. Each test passes when the attack fails; an attack that works is a TODO
# test that says how. The end checks that a second Citus database, without customer_access,
# keeps working for a non-superuser (CTE with LIMIT, repartition join).
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

my ($coord, $w1, $w2) = citus_cluster(qw(coordinator worker1 worker2));
$coord->safe_psql('postgres', q{
  CREATE ROLE portal LOGIN;
  CREATE ROLE portal_login LOGIN IN ROLE portal;
  CREATE ROLE other LOGIN;
  CREATE EXTENSION customer_access;
});
load_grants($coord);
$coord->safe_psql('postgres', 'SELECT customer_access.distribute()');
load_orders($coord);
$coord->safe_psql('postgres', q{
  GRANT USAGE ON SCHEMA app TO other; GRANT SELECT ON app.orders, app.items TO other;
  CREATE SCHEMA portal_own AUTHORIZATION portal;});
my ($rc, $out, $err);

sub run_in {
    my ($node, $db, $role, $sql) = @_;
    return $node->psql($db, $sql, extra_params => ['-U', $role]);
}
sub run { my ($node, $role, $sql) = @_; return run_in($node, 'postgres', $role, $sql); }

# The portal role's own functions, on every node: one that counts the rows of given results
# (errors caught and reported), one that raises them (for paths that only return errors).
$coord->safe_psql('postgres', q{
CREATE FUNCTION portal_own.steal(ids text[]) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE n bigint; total bigint := 0; errs text := ''; rid text;
BEGIN
  FOREACH rid IN ARRAY ids LOOP
    BEGIN
      EXECUTE format('SELECT count(*) FROM read_intermediate_result(%L, ''binary'') AS r(customer_id uuid, id bigint)', rid) INTO n;
      total := total + n;
    EXCEPTION WHEN OTHERS THEN errs := SQLSTATE || ' ' || SQLERRM;
    END;
  END LOOP;
  RETURN 'stolen ' || total || ' ' || errs;
END $f$;
SELECT create_distributed_function('portal_own.steal(text[])');
CREATE FUNCTION portal_own.leak(ids text[]) RETURNS bool LANGUAGE plpgsql AS $f$
BEGIN RAISE EXCEPTION 'leak: %', portal_own.steal(ids); END $f$;
SELECT create_distributed_function('portal_own.leak(text[])');
CREATE FUNCTION portal_own.leak_imm(ids text[]) RETURNS bool LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN RAISE EXCEPTION 'leak: %', portal_own.steal(ids[1:1]); END $f$;
SELECT create_distributed_function('portal_own.leak_imm(text[])');
CREATE FUNCTION portal_own.fsteal(c uuid, ids text[]) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN RETURN portal_own.steal(ids); END $f$;
SELECT create_distributed_function('portal_own.fsteal(uuid,text[])', 'c', colocate_with := 'app.items', force_delegation := true);
CREATE TABLE portal_own.t (customer_id uuid, v int);
SELECT create_distributed_table('portal_own.t', 'customer_id', colocate_with := 'app.items');
INSERT INTO portal_own.t SELECT customer_id, 1 FROM app.items;
}, extra_params => ['-U', 'portal']);

# The files of intermediate results on a node, as the superuser sees them: dir => [ids].
sub result_files {
    my ($node) = @_;
    my %files;
    for my $line (split /\n/, $node->safe_psql('postgres', q{
        SELECT d, f FROM pg_ls_dir('base/pgsql_job_cache') d, LATERAL pg_ls_dir('base/pgsql_job_cache/' || d) f})) {
        my ($d, $f) = split /\|/, $line;
        $f =~ s/\.data$//;
        push @{ $files{$d} }, $f;
    }
    return \%files;
}
my $portal_oid = $coord->safe_psql('postgres', q{SELECT 'portal'::regrole::oid});
sub refused {
    my ($label, $out, $err) = @_;
    unlike($out . $err, qr/stolen [1-9]|^\s*[1-9]\d*\s*$/m, "$label: nothing read") or diag("out=$out err=$err");
}
sub rows_of {
    my ($id) = @_;
    return qq{SELECT count(*) FROM read_intermediate_result('$id', 'binary') AS r(customer_id uuid, id bigint)};
}

# The victim: a portal session on the coordinator, mid-transaction, whose CTE with LIMIT left
# the rows its policy allowed in intermediate results on the workers.
my $reader = user_id(33);
my $victim = $coord->background_psql('postgres', extra_params => ['-U', 'portal']);
$victim->query_safe('BEGIN');
$victim->query_safe(qq{SET LOCAL customer_access.user_id = '$reader'});
my $cte = q{WITH recent AS (SELECT o.customer_id, o.id FROM app.orders o ORDER BY o.order_date DESC, o.id LIMIT 50)
        SELECT count(*) FROM app.orders o JOIN recent r ON r.customer_id = o.customer_id};
my $victim_rows = $victim->query_safe($cte);
my $vpid = $victim->query_safe('SELECT pg_backend_pid()');
my ($vnum, $vstamp) = split /\|/, $coord->safe_psql('postgres', qq{SELECT transaction_number, transaction_stamp
    FROM get_all_active_transactions() WHERE process_id = $vpid});
my $vdir = "${portal_oid}_0_$vnum";
my @ids = @{ result_files($w1)->{$vdir} // [] };
ok(@ids > 0, "the victim's results ($victim_rows rows) are files on worker1 (@ids), transaction $vnum");
my $id = $ids[0];
my $idarray = q{ARRAY[} . join(',', map { "'$_'" } @ids) . q{]};
my $file_digest = qq{SELECT md5(pg_read_binary_file('base/pgsql_job_cache/$vdir/$id.data'))};
my $real = $w1->safe_psql('postgres', $file_digest);

# ---------------------------------------------------------------------------------------
# (c) Another database of the worker (Citus installed, no customer_access): the check looks
# for a backend of another database holding the same transaction number AND stamp; the files
# are named by number only. A session that takes the victim's number with any other stamp.
$w1->safe_psql('postgres', q{CREATE DATABASE other_db});
$w1->safe_psql('other_db', q{CREATE EXTENSION citus});
my $rows = rows_of($id);
for my $stamp ([ 'now()', 'another stamp (now())' ],
               [ "'$vstamp'::timestamptz + interval '1 microsecond'", 'the stamp + 1 microsecond' ],
               [ "'$vstamp'", 'the exact stamp (control)' ]) {
    ($rc, $out, $err) = run_in($w1, 'other_db', 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, $stamp->[0]); $rows; COMMIT;});
    refused("(c) other database of worker1, victim's number with $stamp->[1]", $out, $err);
    like($err, qr/belongs to another database|may not use the intermediate results/, '... refused by the guard') or diag("out=$out err=$err");
}
# ... and COPY the same way.
{
    ($rc, $out, $err) = run_in($w1, 'other_db', 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, now()); COPY "$id" TO STDOUT WITH (format result); COMMIT;});
    like($err, qr/belongs to another database|may not use the intermediate results/, '(c) COPY "id" TO STDOUT WITH (format result) with another stamp is refused') or diag("out=" . length($out) . " bytes err=$err");
}
is($w1->safe_psql('postgres', $file_digest), $real, "the victim's result file is unchanged");

# (c) once more: the originator. Each node numbers the distributed transactions it starts
# itself from one counter shared by its databases, and in a database where the node is not in
# any Citus metadata (Citus installed, no nodes added) its local group is 0, like the
# coordinator's. A client of worker1 there starts transactions (create_intermediate_result
# does) until worker1's counter reaches the coordinator's number of the victim: it is then the
# ORIGINATOR of (0, victim's number) and neither the rule nor the check asks anything else.
my $start = $w1->safe_psql('other_db', q{BEGIN; SELECT create_intermediate_result('b', 'SELECT 1');
    SELECT transaction_number FROM get_current_transaction_id(); COMMIT;}, extra_params => ['-U', 'portal']);
($start) = $start =~ /(\d+)\s*$/;
note("worker1's counter is at $start, the victim's number is $vnum");
SKIP: {
    skip "worker1's counter ($start) is already past the victim's number ($vnum)", 3 if $start >= $vnum - 1;
    my $target = $vnum - 1;
    ($rc, $out, $err) = run_in($w1, 'other_db', 'portal', qq{DO \$d\$ DECLARE n bigint; BEGIN
        LOOP PERFORM create_intermediate_result('b', 'SELECT 1');
             SELECT transaction_number INTO n FROM get_current_transaction_id();
             COMMIT; EXIT WHEN n >= $target; END LOOP; END \$d\$;
        BEGIN; SELECT create_intermediate_result('zz_mine', 'SELECT 1');
        SELECT 'number ' || transaction_number || ' originator ' || NOT worker_query FROM get_all_active_transactions() WHERE process_id = pg_backend_pid();
        SELECT 'stolen ' || count(*) FROM read_intermediate_result('$id', 'binary') AS r(customer_id uuid, id bigint); COMMIT;});
    # Fixed: the originator is kept from another database's transaction too.
    like($err, qr/belongs to another database/, "a client of worker1's other database that counts up to the originator of (0, $vnum) is refused")
      or diag("out=$out err=$err");
    is($w1->safe_psql('postgres', $file_digest), $real, "... and the victim's file is unchanged");
    refused("(c) worker1's other database, originator of the victim's number", $out, $err);
}

# ---------------------------------------------------------------------------------------
# (c) visibility: get_all_active_transactions() shows a backend's transaction only to roles
# with the privileges of its LOGIN role; the files are named by the CURRENT role. A victim
# that logs in as portal_login and SET ROLE portal keeps results on the coordinator (a CTE
# whose outer query runs there); the portal role, in another database of the coordinator,
# takes the exact id.
$coord->safe_psql('postgres', q{CREATE DATABASE other_db});
$coord->safe_psql('other_db', q{CREATE EXTENSION citus});
my $victim2 = $coord->background_psql('postgres', extra_params => ['-U', 'portal_login']);
$victim2->query_safe('SET ROLE portal');
$victim2->query_safe('BEGIN');
$victim2->query_safe(qq{SET LOCAL customer_access.user_id = '$reader'});
my $v2rows = $victim2->query_safe(q{WITH recent AS MATERIALIZED (SELECT o.customer_id, o.id FROM app.orders o ORDER BY o.order_date DESC, o.id LIMIT 50)
        SELECT count(*) FROM recent r, LATERAL (SELECT 1) x});
my $v2pid = $victim2->query_safe('SELECT pg_backend_pid()');
my ($v2num, $v2stamp) = split /\|/, $coord->safe_psql('postgres', qq{SELECT transaction_number, transaction_stamp
    FROM get_all_active_transactions() WHERE process_id = $v2pid});
my @cids = @{ result_files($coord)->{"${portal_oid}_0_$v2num"} // [] };
SKIP: {
    skip "no result file of the victim on the coordinator", 3 unless @cids;
    is($coord->safe_psql('postgres', qq{SELECT count(*) FROM get_all_active_transactions() WHERE process_id = $v2pid AND transaction_number > 0},
                         extra_params => ['-U', 'portal']), '0', "the portal role does not see the transaction of a portal_login backend");
    ($rc, $out, $err) = run_in($coord, 'other_db', 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id(0, $v2num, '$v2stamp'); } . rows_of($cids[0]) . '; COMMIT;');
    refused("(c) other database of the coordinator, exact id of a SET ROLE victim ($v2rows rows)", $out, $err);
    like($err, qr/belongs to another database/, '... refused: another database holds it') or diag("out=$out err=$err");
}
$victim2->query_safe('COMMIT');
$victim2->quit;

# ---------------------------------------------------------------------------------------
# (b) Through the coordinator with the victim's id, by paths other than a plain query.
for my $case (
    [ 'named citus_internal (no carrier handed), a pushed-down function',
      qq{SET application_name = 'citus_internal gpid=10000000001'; SET citus.allow_nested_distributed_execution = on; BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, '$vstamp');
         SELECT DISTINCT portal_own.steal($idarray) FROM app.items; COMMIT;} ],
    [ 'named citus_internal, router query',
      qq{SET application_name = 'citus_internal gpid=10000000001'; SET citus.allow_nested_distributed_execution = on; BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, '$vstamp');
         SELECT portal_own.steal($idarray) FROM app.items WHERE customer_id = '} . customer_id(3) . q{' LIMIT 1; COMMIT;} ],
    [ 'a force-delegated distributed function',
      qq{BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, '$vstamp'); SELECT portal_own.fsteal('} . customer_id(3) . qq{', $idarray); COMMIT;} ],
    [ 'named citus_internal, a force-delegated distributed function',
      qq{SET application_name = 'citus_internal gpid=10000000001'; SET citus.allow_nested_distributed_execution = on; BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, '$vstamp'); SELECT portal_own.fsteal('} . customer_id(3) . qq{', $idarray); COMMIT;} ],
    [ 'DDL of its own distributed table (CHECK evaluated on the shards)',
      qq{BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, '$vstamp'); ALTER TABLE portal_own.t ADD CONSTRAINT c CHECK (portal_own.leak($idarray)); COMMIT;} ],
    [ 'DDL: CREATE INDEX with a predicate',
      qq{BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, '$vstamp'); CREATE INDEX ON portal_own.t (v) WHERE portal_own.leak_imm($idarray); COMMIT;} ],
    [ 'UPDATE of its own distributed table',
      qq{BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, '$vstamp'); UPDATE portal_own.t SET v = 2 WHERE portal_own.leak_imm($idarray || customer_id::text); COMMIT;} ],
    [ 'SET LOCAL ROLE, then a pushed-down function',
      qq{BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, '$vstamp'); SET LOCAL ROLE portal; SELECT DISTINCT portal_own.steal($idarray) FROM app.items; COMMIT;} ],
    [ 'a cursor declared before taking the id is not possible; after: WITH HOLD',
      qq{BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, '$vstamp'); DECLARE c CURSOR WITH HOLD FOR SELECT DISTINCT portal_own.steal($idarray) FROM app.items; COMMIT; FETCH ALL FROM c;} ],
    ) {
    ($rc, $out, $err) = run($coord, 'portal', $case->[1]);
    refused("(b) the victim's id on the coordinator: $case->[0]", $out, $err);
    like($out . $err, qr/not started here|may not use the intermediate results|stolen 0 42501|did not reach this Citus node|from a query on a shard/,
         '... refused (on the coordinator or by the workers\' guard)') or diag("out=$out err=$err");
}
is($w1->safe_psql('postgres', $file_digest), $real, "the victim's result file is unchanged after (b)");

# (a) On worker1 in the victim's database: the same role, a transaction number of worker1's
# own (its group is not 0, the files differ) cannot be steered; a stamp other than the
# victim's; a fetch of the victim's result from worker1 to worker2 through a connection of
# the attacker's own transaction (the pass is sealed for ITS transaction).
($rc, $out, $err) = run($w1, 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, now()); $rows; COMMIT;});
refused('(a) worker1, victim\'s number with another stamp', $out, $err);
like($err, qr/may not use the intermediate results/, '... refused by the guard') or diag("out=$out err=$err");
($rc, $out, $err) = run($w2, 'portal', qq{BEGIN; SELECT count(*) FROM app.items; SELECT fetch_intermediate_results(ARRAY['$id'], '127.0.0.1', } . $w1->port . qq{); COMMIT;});
refused('(a) worker2 as originator of its own transaction fetches the victim\'s id from worker1', $out, $err);

# (c) the same hole for a writer: the victim's file replaced by one row, which the victim then
# reads as its own result (checked after the other attacks, which read the real file).
{
    ($rc, $out, $err) = run_in($w1, 'other_db', 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id(0, $vnum, now()); SELECT create_intermediate_result('$id', 'SELECT NULL::uuid, 1::bigint'); COMMIT;});
    like($err, qr/belongs to another database|may not use the intermediate results/, '(c) create_intermediate_result over the victim\'s file with another stamp is refused') or diag("out=$out err=$err");
    is($w1->safe_psql('postgres', $file_digest), $real, "... and the victim's file is unchanged");
}

# ---------------------------------------------------------------------------------------
# (d) COPY spellings that reach Citus's result path with no relation.
for my $copy (q{COPY (SELECT 1) TO STDOUT WITH (FORMAT RESULT)},
              q{COPY (SELECT 1) TO STDOUT WITH (format 'result')},
              q{COPY (SELECT 1) TO STDOUT WITH (format "result")},
              q{COPY (SELECT 1) TO STDOUT (format result)},
              q{COPY (SELECT 1) TO STDOUT WITH (format binary, format result)},
              q{COPY (SELECT 1) TO STDOUT WITH (format result, header false)},
              q{COPY (VALUES (1)) TO STDOUT WITH (format result)},
              q{COPY (TABLE portal_own.t) TO STDOUT WITH (format result)},
              q{PREPARE x AS SELECT 1; COPY (EXECUTE x) TO STDOUT WITH (format result)},
              q{COPY (WITH a AS (SELECT 1) SELECT * FROM a) TO STDOUT WITH (format result)},
              q{COPY (SELECT 1) TO PROGRAM 'true' WITH (format result)},
              q{COPY (SELECT 1) TO '/tmp/x' WITH (format result)},
              q{DO $d$ BEGIN EXECUTE 'COPY (SELECT 1) TO ''/tmp/x'' WITH (format result)'; END $d$}) {
    for my $where ([ $coord, 'postgres' ], [ $w1, 'other_db' ]) {
        ($rc, $out, $err) = run_in($where->[0], $where->[1], 'portal', $copy);
        unlike($err, qr/server closed the connection|terminated abnormally/, "(d) $copy in $where->[1] of " . $where->[0]->name . ": no crash") or diag($err);
    }
}
($rc, $out, $err) = $coord->psql('postgres', q{COPY (SELECT 1) TO '/tmp/x' WITH (format result)});
unlike($err, qr/server closed the connection|terminated abnormally/, '(d) ... nor as a superuser to a file') or diag($err);
is($coord->safe_psql('postgres', 'SELECT 1') . $w1->safe_psql('postgres', 'SELECT 1'), '11', '(d) the nodes are up');
# (a poisoned file misleads only reads before the victim's next statement writes it again)
is($victim->query_safe($cte), $victim_rows, 'the victim\'s own transaction reads its intermediate results again (same answer)');
$victim->query_safe('COMMIT');
$victim->quit;
ok(!exists result_files($w1)->{$vdir}, "the victim's files are removed at its commit");

# ---------------------------------------------------------------------------------------
# Legitimate use: a second Citus database of the same nodes (Citus only, no customer_access),
# a non-superuser, CTE with LIMIT, subquery, repartition join, in autocommit and transactions,
# while a portal session of the first database holds a distributed transaction with results.
for my $n ($coord, $w1, $w2) {
    $n->safe_psql('postgres', 'CREATE DATABASE shop');
    $n->safe_psql('shop', 'CREATE EXTENSION citus');
}
$coord->safe_psql('shop', "SELECT citus_set_coordinator_host('127.0.0.1', " . $coord->port . ")");
$coord->safe_psql('shop', "SELECT citus_add_node('127.0.0.1', " . $_->port . ")") for $w1, $w2;
$coord->safe_psql('shop', q{
  CREATE TABLE a (id bigint, k int); SELECT create_distributed_table('a', 'k');
  CREATE TABLE b (id bigint, aid bigint, k int); SELECT create_distributed_table('b', 'k');
  INSERT INTO a SELECT g, g % 17 FROM generate_series(1, 2000) g;
  INSERT INTO b SELECT g, 1 + (g * 7) % 2000, g % 13 FROM generate_series(1, 3000) g;
  GRANT SELECT ON a, b TO other;});
my $holder = $coord->background_psql('postgres', extra_params => ['-U', 'portal']);
$holder->query_safe('BEGIN');
$holder->query_safe(qq{SET LOCAL customer_access.user_id = '$reader'});
$holder->query_safe($cte);
my %legit = (
    'repartition join' => q{SELECT count(*) FROM a JOIN b ON b.aid = a.id},
    'CTE with LIMIT' => q{WITH r AS (SELECT id, k FROM a ORDER BY id LIMIT 50) SELECT count(*) FROM b JOIN r ON r.k = b.k},
    'subquery in WHERE' => q{SELECT count(*) FROM b WHERE b.aid IN (SELECT id FROM a ORDER BY id LIMIT 300)},
    'repartition join of a CTE' => q{WITH r AS (SELECT id, k FROM a ORDER BY id LIMIT 500) SELECT count(*) FROM r JOIN b ON b.aid = r.id},
);
my @broken;
for my $shape (sort keys %legit) {
    my $expected = $coord->safe_psql('shop', "SET citus.enable_repartition_joins = on; $legit{$shape}");
    for my $how ('', 'BEGIN;', 'SET citus.enable_local_execution = off; BEGIN;') {
        my $sql = "SET citus.enable_repartition_joins = on; $how $legit{$shape};" . ($how =~ /BEGIN/ ? ' COMMIT;' : '');
        for my $node ([ $coord, 'coordinator' ], [ $w1, 'worker1' ]) {
            ($rc, $out, $err) = run_in($node->[0], 'shop', 'other', $sql);
            push @broken, "$shape [$how] via $node->[1]: '$out' vs '$expected' $err" if $out ne $expected || $err =~ /ERROR/;
        }
    }
}
is(scalar(@broken), 0, 'a non-superuser in a second Citus database (no customer_access) gets the superuser\'s answers for every plan with intermediate results, from the coordinator and from a worker')
  or diag(join "\n", @broken);
$coord->safe_psql('shop', 'CREATE EXTENSION customer_access');
@broken = ();
for my $shape (sort keys %legit) {
    my $expected = $coord->safe_psql('shop', "SET citus.enable_repartition_joins = on; $legit{$shape}");
    ($rc, $out, $err) = run_in($coord, 'shop', 'other', "SET citus.enable_repartition_joins = on; $legit{$shape}");
    push @broken, "$shape: '$out' vs '$expected' $err" if $out ne $expected || $err =~ /ERROR/;
}
is(scalar(@broken), 0, '... and with customer_access installed there, not distributed') or diag(join "\n", @broken);
$holder->query_safe('COMMIT');
$holder->quit;

done_testing();

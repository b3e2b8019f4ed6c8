# A fresh attack on the guard of Citus's intermediate results (commit 983ca7f): the files of a
# recursively planned subquery and of a repartition join are named by role and distributed
# transaction; only the originating backend, a connection admitted by a carrier sealed for the
# transaction, or a fetch connection with a result pass may touch them. Each test passes when
# the attack fails; an attack that works is a TODO test that says how.
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
  CREATE ROLE backoffice LOGIN BYPASSRLS;
  CREATE ROLE other LOGIN;
  CREATE EXTENSION customer_access;
});
load_grants($coord);
$coord->safe_psql('postgres', 'SELECT customer_access.distribute()');
load_orders($coord);
$coord->safe_psql('postgres', q{
  GRANT SELECT, INSERT, UPDATE, DELETE ON customer_access.external_access TO backoffice;
  GRANT USAGE ON SCHEMA app TO backoffice, other; GRANT SELECT ON app.orders, app.items TO backoffice, other;
  CREATE SCHEMA portal_own AUTHORIZATION portal;});
my $truth = ground_truth($coord);
my $some = some_customers($coord);
my ($rc, $out, $err);

sub run {
    my ($node, $role, $sql, @more) = @_;
    return $node->psql('postgres', $sql, extra_params => ['-U', $role, @more]);
}

# The portal role's own functions, on every node: one that counts the rows of given results.
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

# The victim: a portal session on the coordinator, mid-transaction, whose CTE with LIMIT left
# the rows its policy allowed in intermediate results on the workers.
my $reader = user_id(33);
my $victim_session = $coord->background_psql('postgres', extra_params => ['-U', 'portal']);
$victim_session->query_safe('BEGIN');
$victim_session->query_safe(qq{SET LOCAL customer_access.user_id = '$reader'});
my $cte = q{WITH recent AS (SELECT o.customer_id, o.id FROM app.orders o ORDER BY o.order_date DESC, o.id LIMIT 50)
        SELECT count(*) FROM app.orders o JOIN recent r ON r.customer_id = o.customer_id};
my $victim_rows = $victim_session->query_safe($cte);
cmp_ok($victim_rows, '>', 0, "the victim's query ($victim_rows rows) reads its rows through an intermediate result");
my ($vnum, $vstamp) = split /\|/, $coord->safe_psql('postgres', q{SELECT transaction_number, transaction_stamp
    FROM get_all_active_transactions() WHERE transaction_number > 0 AND process_id <> pg_backend_pid()
    ORDER BY transaction_number DESC LIMIT 1}, extra_params => ['-U', 'portal']);
my $txn = "0, $vnum, '$vstamp'";
my $vdir = "${portal_oid}_0_$vnum";
my @ids = @{ result_files($w1)->{$vdir} // [] };
ok(@ids > 0, "the victim's results are files on worker1 (@ids)");
my $idarray = q{ARRAY[} . join(',', map { "'$_'" } @ids) . q{]};
my $id = $ids[0];
my $rows_of = qq{SELECT count(*) FROM read_intermediate_result('$id', 'binary') AS r(customer_id uuid, id bigint)};
# (the superuser reads them: the ground truth of what a theft would show)
my $file_digest = qq{SELECT md5(pg_read_binary_file('base/pgsql_job_cache/$vdir/$id.data'))};
my $real = $w1->safe_psql('postgres', $file_digest);

sub refused {
    my ($label, $out, $err) = @_;
    unlike($out . $err, qr/stolen [1-9]|^\s*[1-9]\d*\s*$/m, "$label: nothing read") or diag("out=$out err=$err");
}
sub refused_42501 {
    my ($label, $out, $err) = @_;
    refused($label, $out, $err);
    like($err, qr/may not use the intermediate results/, "... refused with the guard's error") or diag("out=$out err=$err");
}

# 1. Through the coordinator only: the portal role takes the victim's transaction id on the
# coordinator (assign_distributed_transaction_id is PUBLIC) and runs a distributed query; Citus
# sends the id and a carrier sealed for it (the coordinator does not ask whether this backend
# started the transaction) to the workers, which admit the connection, and the portal role's
# own function, pushed down with the query, reads the victim's rows there.
# Fixed: a session that took another's distributed transaction gets no carrier sealed for it
# (42501 before the statement reaches the workers).
($rc, $out, $err) = run($coord, 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id($txn);
    SELECT DISTINCT portal_own.steal($idarray) FROM app.items; COMMIT;});
refused('the victim\'s id taken on the coordinator, a pushed-down function on the workers (multi-shard)', $out, $err);
like($err, qr/distributed transaction was not started here/, '... refused on the coordinator: no carrier for a taken transaction');
($rc, $out, $err) = run($coord, 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id($txn);
    SELECT DISTINCT portal_own.steal($idarray) FROM app.items WHERE customer_id = '} . customer_id(3) . q{'; COMMIT;});
refused('... a router query', $out, $err);
like($err, qr/distributed transaction was not started here/, '... refused the same way');
($rc, $out, $err) = run($coord, 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id($txn);
    SELECT count(*) FROM app.items; SELECT portal_own.steal($idarray); COMMIT;});
like($err, qr/distributed transaction was not started here/, '... nor on the coordinator itself after a distributed query: the distributed query is refused (not the originator)');
for my $touch (qq{SELECT count(*) FROM read_intermediate_result('$id', 'binary') AS r(customer_id uuid, id bigint)},
               qq{CREATE TEMP VIEW v AS SELECT * FROM read_intermediate_result('$id', 'binary') AS r(customer_id uuid, id bigint); SELECT count(*) FROM v},
               qq{CREATE FUNCTION pg_temp.c() RETURNS void LANGUAGE sql AS \$f\$COPY "$id" TO STDOUT WITH (format result)\$f\$; SELECT pg_temp.c()},
               qq{CREATE FUNCTION pg_temp.r2(text) RETURNS TABLE (customer_id uuid, id bigint) LANGUAGE sql STABLE AS \$f\$SELECT * FROM read_intermediate_result(\$1, 'binary') AS r(customer_id uuid, id bigint)\$f\$; SELECT count(*) FROM pg_temp.r2('$id')},
               qq{COPY "$id" TO STDOUT WITH (format result)}) {
    ($rc, $out, $err) = run($coord, 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id($txn);\n$touch;\nCOMMIT;});
    if ($touch =~ /COPY .* in|LANGUAGE sql AS \$f\$COPY/) {
        # (PostgreSQL itself refuses COPY to the client inside a SQL function)
        refused('on the coordinator in the taken transaction: COPY in a SQL function', $out, $err);
        like($err, qr/may not use the intermediate results|cannot COPY to\/from client in an SQL function/, '... refused');
    } else {
        refused_42501('on the coordinator in the taken transaction: ' . substr($touch, 0, 70), $out, $err);
    }
}
for my $case (
    [ 'run_command_on_workers in the taken transaction', qq{BEGIN; SELECT assign_distributed_transaction_id($txn);
        SELECT result FROM run_command_on_workers(\$\$SELECT portal_own.steal($idarray)\$\$); COMMIT;} ],
    [ 'run_command_on_workers, the id taken there', qq{SELECT result FROM run_command_on_workers(\$c\$DO \$d\$ BEGIN PERFORM assign_distributed_transaction_id($txn); RAISE EXCEPTION '%', portal_own.steal($idarray); END \$d\$\$c\$)} ],
    [ 'master_run_on_worker', qq{SELECT result FROM master_run_on_worker(ARRAY['127.0.0.1'], ARRAY[} . $w1->port
        . qq{], ARRAY[\$c\$DO \$d\$ BEGIN PERFORM assign_distributed_transaction_id($txn); RAISE EXCEPTION '%', portal_own.steal($idarray); END \$d\$\$c\$], false)} ],
    [ 'run_command_on_workers named citus_internal, then RESET', qq{SET application_name = 'citus_internal gpid=10000000001'; SET application_name = 'x';
        SELECT result FROM run_command_on_workers(\$c\$DO \$d\$ BEGIN RESET application_name; PERFORM assign_distributed_transaction_id($txn); RAISE EXCEPTION '%', portal_own.steal($idarray); END \$d\$\$c\$)} ],
    ) {
    ($rc, $out, $err) = run($coord, 'portal', $case->[1]);
    refused('through the coordinator: ' . $case->[0], $out, $err);
    like($out . $err, qr/stolen 0 42501|may not use the intermediate results/, '... refused by the guard') or diag("out=$out err=$err")
      unless $case->[0] =~ /in the taken transaction/;  # (there the workers' connections have no transaction: no file)
}

# 2. A direct client of a worker, the same role, in the victim's transaction: every function,
# COPY spelling and wrapper.
my %touch = (
    'read_intermediate_result' => $rows_of,
    'read_intermediate_results' => qq{SELECT count(*) FROM read_intermediate_results(ARRAY['$id'], 'binary') AS r(customer_id uuid, id bigint)},
    'qualified' => qq{SELECT count(*) FROM pg_catalog.read_intermediate_result('$id', 'binary') AS r(customer_id uuid, id bigint)},
    'text format' => qq{SELECT count(*) FROM read_intermediate_result('$id', 'text') AS r(x text)},
    'csv format' => qq{SELECT count(*) FROM read_intermediate_result('$id', 'csv') AS r(x text)},
    'COPY (FORMAT result)' => qq{COPY "$id" TO STDOUT WITH (FORMAT result)},
    'COPY (format "result")' => qq{COPY "$id" TO STDOUT WITH (format "result")},
    'COPY (format binary, format result)' => qq{COPY "$id" TO STDOUT WITH (format binary, format result)},
    'COPY (format text, format result)' => qq{COPY "$id" TO STDOUT WITH (format text, format result)},
    'COPY (format result, format binary)' => qq{COPY "$id" TO STDOUT WITH (format result, format binary)},
    'COPY schema-qualified' => qq{COPY public."$id" TO STDOUT WITH (format result)},
    'COPY other schema' => qq{COPY portal_own."$id" TO STDOUT WITH (format result)},
    'COPY column list' => qq{COPY "$id" (a) TO STDOUT WITH (format result)},
    'COPY old options' => qq{COPY "$id" TO STDOUT (format result)},
    'COPY header option' => qq{COPY "$id" TO STDOUT WITH (header, format result)},
    'COPY FROM STDIN (poison)' => qq{COPY "$id" FROM STDIN WITH (format result);\n\\.\n},
    'prepared statement' => qq{PREPARE p(text) AS SELECT count(*) FROM read_intermediate_result(\$1, 'binary') AS r(customer_id uuid, id bigint); EXECUTE p('$id')},
    'cursor' => qq{DECLARE cur CURSOR FOR SELECT * FROM read_intermediate_result('$id', 'binary') AS r(customer_id uuid, id bigint); FETCH ALL FROM cur},
    'in a scalar subquery' => qq{SELECT (SELECT count(*) FROM read_intermediate_result('$id', 'binary') AS r(customer_id uuid, id bigint))},
    'ROWS FROM' => qq{SELECT count(*) FROM ROWS FROM (read_intermediate_result('$id', 'binary')) AS r(customer_id uuid, id bigint)},
    'in a target list' => qq{SELECT read_intermediate_result('$id', 'text')},
    'plpgsql' => qq{DO \$d\$ BEGIN RAISE EXCEPTION 'stolen %', (SELECT count(*) FROM read_intermediate_result('$id', 'binary') AS r(customer_id uuid, id bigint)); END \$d\$},
    'the portal role\'s distributed function' => qq{SELECT portal_own.steal($idarray)},
    'fetch from the other worker' => qq{SELECT fetch_intermediate_results(ARRAY['$id'], '127.0.0.1', } . $w2->port . qq{); $rows_of},
    'fetch from itself' => qq{SELECT fetch_intermediate_results(ARRAY['$id'], '127.0.0.1', } . $w1->port . qq{)},
    'worker_partition_query_result (poison)' => qq{SELECT * FROM worker_partition_query_result('$id', 'SELECT 1', 0, 'hash', '{-2147483648}'::text[], '{2147483647}'::text[], true)},
    'broadcast_intermediate_result (poison)' => qq{SELECT broadcast_intermediate_result('$id', 'SELECT 1')},
    'create_intermediate_result (poison)' => qq{SELECT create_intermediate_result('$id', 'SELECT 1')},
    'EXPLAIN ANALYZE' => qq{EXPLAIN ANALYZE $rows_of},
);
for my $name (sort keys %touch) {
    ($rc, $out, $err) = run($w1, 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id($txn);\n$touch{$name};\nCOMMIT;});
    if ($name eq 'the portal role\'s distributed function') {
        like($out, qr/stolen 0 42501/, "on worker1 in the victim's transaction: $name is refused");
    } else {
        refused_42501("on worker1 in the victim's transaction: $name", $out, $err);
    }
}
is($w1->safe_psql('postgres', $file_digest), $real, "the victim's result file is unchanged (no poisoning through the refused writers)");
# EXPLAIN plans the call without running it: Citus's planner sizes the file (stat), and the
# row estimate tells how many rows the victim's result holds. Only a size, but the victim's.
{
    local $TODO = 'FOUND (minor): EXPLAIN of read_intermediate_result() in a taken transaction shows a row estimate from the victim\'s file size';
    ($rc, $out, $err) = run($w1, 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id($txn); EXPLAIN $rows_of; COMMIT;});
    my ($estimate) = $out =~ /Function Scan on read_intermediate_result r\s+\(cost=\S+ rows=(\d+)/;
    ($rc, my $out2, $err) = run($w1, 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id(0, 999999, now()); EXPLAIN $rows_of; COMMIT;});
    my ($none) = $out2 =~ /Function Scan on read_intermediate_result r\s+\(cost=\S+ rows=(\d+)/;
    is($estimate // 'none', $none // 'none', "EXPLAIN estimates the victim's result like a missing one ($estimate vs $none rows)");
}

# A client's own application_name, a result pass it makes up, set later or for the role.
($rc, $out, $err) = $w1->psql('postgres', qq{BEGIN; SELECT assign_distributed_transaction_id($txn); $rows_of; COMMIT;},
                              extra_params => ['-U', 'portal'], connstr => $w1->connstr('postgres') . q{ application_name='citus_internal gpid=10000000001'});
refused_42501('a worker client named citus_internal', $out, $err);
{
    local $ENV{PGOPTIONS} = '-c customer_access.result_pass=ca1.AAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBB';
    ($rc, $out, $err) = run($w1, 'portal', qq{BEGIN; SELECT assign_distributed_transaction_id($txn); $rows_of; COMMIT;});
    refused_42501('a forged result pass in the startup packet', $out, $err);
}
($rc, $out, $err) = run($w1, 'portal', q{SET customer_access.result_pass = 'ca1.AAAA'});
like($err, qr/cannot be set after connection start/, 'a result pass cannot be SET after the start');
($rc, $out, $err) = run($w1, 'portal', q{ALTER ROLE portal SET customer_access.result_pass = 'x'});
isnt($rc, 0, '... nor for the role');
($rc, $out, $err) = run($w1, 'portal', q{SHOW customer_access.result_pass});
like($err, qr/must be superuser or have privileges of pg_read_all_settings|permission denied to examine "customer_access.result_pass"/, '... nor be read');

# 3. Another database of the worker with Citus: the job cache directory is the node's, not the
# database's, so the same role in a database where the grants are not distributed (or
# customer_access is not even installed) reads the victim's files.
$w1->safe_psql('postgres', q{CREATE DATABASE other_db});
$w1->safe_psql('other_db', q{CREATE EXTENSION citus});
# Fixed: in any database, a session never touches the results of a distributed transaction a
# backend of another database holds.
($rc, $out, $err) = $w1->psql('other_db', qq{BEGIN; SELECT assign_distributed_transaction_id($txn); $rows_of; COMMIT;},
                              extra_params => ['-U', 'portal']);
refused('another database of the worker with Citus only', $out, $err);
like($err, qr/belongs to another database/, '... refused: the transaction belongs to another database');
($rc, $out, $err) = $w1->psql('other_db', q{COPY (SELECT 1) TO STDOUT WITH (format result)}, extra_params => ['-U', 'portal']);
like($err, qr/COPY \(query\) WITH \(format result\) is not supported/, 'COPY (query) WITH (format result), which Citus cannot handle, is refused (0A000) before Citus sees it');
is($w1->safe_psql('other_db', 'SELECT 1'), '1', '... and the node is up');
# Citus in the other database still works with its own intermediate results.
$w1->safe_psql('other_db', q{CREATE TABLE t (a int); INSERT INTO t SELECT generate_series(1, 10); GRANT SELECT ON t TO portal;});
($rc, $out, $err) = $w1->psql('other_db', q{BEGIN; SELECT create_intermediate_result('mine', 'SELECT a FROM t');
    SELECT count(*) FROM read_intermediate_result('mine', 'binary') AS r(a int); COMMIT;}, extra_params => ['-U', 'portal']);
like($out, qr/^10$/m, 'a session of another database reads its own intermediate results') or diag($err);
$w1->safe_psql('other_db', q{CREATE EXTENSION customer_access});
($rc, $out, $err) = $w1->psql('other_db', qq{BEGIN; SELECT assign_distributed_transaction_id($txn); $rows_of; COMMIT;},
                              extra_params => ['-U', 'portal']);
refused('... with customer_access installed, not distributed', $out, $err);
like($err, qr/belongs to another database/, '... refused the same way');

# 4. Other roles: another login, and the back-office role with DML on the grants.
for my $role ('other', 'backoffice') {
    ($rc, $out, $err) = run($w1, $role, qq{BEGIN; SELECT assign_distributed_transaction_id($txn); $rows_of; COMMIT;});
    refused_42501("$role on worker1 in the victim's transaction", $out, $err);
    ($rc, $out, $err) = run($coord, $role, qq{BEGIN; SELECT assign_distributed_transaction_id($txn);
        SELECT count(*) FROM app.items WHERE portal_own.steal($idarray) IS NOT NULL; COMMIT;});
    refused("$role through the coordinator with the portal role's function", $out, $err);
}

# 5. search_path: a function of the same name and signature in the portal role's schema, first
# on the path of a fresh backend.
$coord->safe_psql('postgres', q{
CREATE FUNCTION portal_own.read_intermediate_result(text, citus_copy_format) RETURNS SETOF record LANGUAGE sql AS $f$ SELECT NULL::record WHERE false $f$;
SELECT create_distributed_function('portal_own.read_intermediate_result(text, citus_copy_format)');}, extra_params => ['-U', 'portal']);
($rc, $out, $err) = run($w1, 'portal', qq{SET search_path = portal_own, pg_catalog; BEGIN; SELECT assign_distributed_transaction_id($txn);
    SELECT count(*) FROM pg_catalog.read_intermediate_result('$id', 'binary') AS r(customer_id uuid, id bigint); COMMIT;});
refused_42501('a shadowing function first on search_path', $out, $err);

# The victim's own transaction still reads its results, and its later statements too.
is($victim_session->query_safe($cte), $victim_rows, 'the victim\'s own transaction reads its intermediate results again');
$victim_session->query_safe('COMMIT');
$victim_session->quit;


# Legitimate plans that use intermediate results, for a portal user with the policy, against
# the ground truth (a plain join as the superuser): two workers fetch repartition partitions
# from each other, in autocommit and in transactions, with and without local execution.
$coord->safe_psql('postgres', q{
  CREATE TABLE app.sink (customer_id uuid, id bigint, n bigint);
  SELECT create_distributed_table('app.sink', 'id');
  GRANT SELECT, INSERT, DELETE ON app.sink TO portal;
  CREATE PROCEDURE portal_own.fill(u uuid) LANGUAGE plpgsql AS $p$ BEGIN
    INSERT INTO app.sink SELECT o.customer_id, o.id, 1 FROM app.orders o ORDER BY o.id LIMIT 10000; END $p$;
  ALTER PROCEDURE portal_own.fill(uuid) OWNER TO portal;});
my $visible = q{(SELECT o.* FROM app.orders o JOIN customer_access.external_access g
                   ON g.customer_id = o.customer_id AND g.user_id = '%s'
                  WHERE g.role >= 'L20' AND (g.expires_at IS NULL OR g.expires_at > now())
                    AND (g.days_back_access IS NULL OR o.order_date >= current_date - g.days_back_access))};
my %shapes = (
    'repartition join' => q{SELECT count(*) FROM app.orders o JOIN app.items i ON i.order_id = o.id},
    'CTE with LIMIT' => q{WITH recent AS (SELECT o.customer_id, o.id FROM app.orders o ORDER BY o.order_date DESC, o.id LIMIT 50)
                          SELECT count(*) FROM app.orders o JOIN recent r ON r.customer_id = o.customer_id},
    'subquery in WHERE' => q{SELECT count(*) FROM app.items i WHERE i.order_id IN (SELECT o.id FROM app.orders o ORDER BY o.id LIMIT 300)},
    'materialized CTE' => q{WITH m AS MATERIALIZED (SELECT o.customer_id, count(*) AS n FROM app.orders o GROUP BY 1)
                            SELECT count(*), sum(m.n) FROM m JOIN app.items i ON i.customer_id = m.customer_id},
);
my %truth_of = (
    'repartition join' => q{SELECT count(*) FROM app.items i WHERE i.order_id IN (SELECT o.id FROM %v o)},
);
my $u = user_id(9);
my (@wrong, $compared);
$coord->safe_psql('postgres', q{ALTER ROLE portal SET customer_access.identity_scope = 'session'});
for my $settings ('', 'SET citus.enable_local_execution = off;', q{SET citus.task_executor_type = 'adaptive'; SET citus.max_adaptive_executor_pool_size = 1;}) {
    for my $shape (sort keys %shapes) {
        my $sql = $shapes{$shape};
        my $plain = $truth_of{$shape} // $sql;
        $plain =~ s/%v/sprintf($visible, $u)/ge;
        $plain =~ s/app\.orders o/sprintf($visible, $u) . ' o'/ge unless $truth_of{$shape};
        my $expected = $coord->safe_psql('postgres', "SET citus.enable_repartition_joins = on; SELECT t::text FROM ($plain) t");
        my %got;
        ($rc, $got{transaction}, $err) = run($coord, 'portal', "SET citus.enable_repartition_joins = on; $settings
            BEGIN; SET LOCAL customer_access.user_id = '$u'; SELECT t::text FROM ($sql) t; COMMIT;");
        push @wrong, "$shape [$settings] transaction: $err" if $err =~ /ERROR/;
        ($rc, $got{autocommit}, $err) = run($coord, 'portal', "SET citus.enable_repartition_joins = on; $settings
            SET customer_access.user_id = '$u'; SELECT t::text FROM ($sql) t;");
        push @wrong, "$shape [$settings] autocommit: $err" if $err =~ /ERROR/;
        ($rc, $got{cursor}, $err) = run($coord, 'portal', "SET citus.enable_repartition_joins = on; $settings
            BEGIN; SET LOCAL customer_access.user_id = '$u'; DECLARE c CURSOR FOR SELECT t::text FROM ($sql) t; FETCH ALL FROM c; COMMIT;");
        push @wrong, "$shape [$settings] cursor: $err" if $err =~ /ERROR/;
        ($rc, $got{prepared}, $err) = run($coord, 'portal', "SET citus.enable_repartition_joins = on; $settings
            PREPARE q AS SELECT t::text FROM ($sql) t;
            BEGIN; SET LOCAL customer_access.user_id = '$u'; EXECUTE q; EXECUTE q; EXECUTE q; EXECUTE q; EXECUTE q; EXECUTE q; COMMIT;");
        push @wrong, "$shape [$settings] prepared: $err" if $err =~ /ERROR/;
        $got{prepared} = (split /\n/, $got{prepared})[-1] // '';
        for my $how (sort keys %got) {
            $compared++;
            push @wrong, "$shape [$settings] $how: '$got{$how}' vs '$expected'" if $got{$how} ne $expected;
        }
    }
}
$coord->safe_psql('postgres', q{ALTER ROLE portal RESET customer_access.identity_scope});
is(scalar(@wrong), 0, "$compared legitimate plans with intermediate results (" . join(', ', sort keys %shapes)
   . '; transaction, cursor, prepared; local execution on/off, one connection) equal the ground truth')
  or diag(join "\n", @wrong);
# (the autocommit runs above use session scope; a mismatch there is reported with the rest)

# INSERT .. SELECT that Citus repartitions (by id, from a table distributed by customer), and a
# distributed procedure doing it, as the portal user: the rows the policy allows.
my $expected = $coord->safe_psql('postgres', 'SELECT count(*) FROM (SELECT o.* FROM ' . sprintf($visible, $u) . ' o ORDER BY o.id LIMIT 10000) t');
for my $how ('INSERT .. SELECT', 'CALL') {
    my $stmt = $how eq 'CALL' ? "CALL portal_own.fill('$u');"
      : 'INSERT INTO app.sink SELECT o.customer_id, o.id, 1 FROM app.orders o ORDER BY o.id LIMIT 10000;';
    my $plain = $how eq 'CALL' ? '' : 'INSERT INTO app.sink SELECT o.customer_id, o.id, 1 FROM app.orders o;';
    ($rc, $out, $err) = run($coord, 'portal', qq{BEGIN; SET LOCAL customer_access.user_id = '$u'; $stmt
        SELECT count(*) FROM app.sink; ROLLBACK;});
    is($out, $expected, "$how through an intermediate result: the user's $expected rows") or diag($err);
    ($rc, $out, $err) = run($coord, 'portal', qq{BEGIN; SET LOCAL customer_access.user_id = '$u';
        INSERT INTO app.sink SELECT o.customer_id, o.id, 1 FROM app.orders o;
        SELECT count(*) FROM app.sink; ROLLBACK;});
    is($out, $truth->{all}{$u} // 0, "$how repartitioned INSERT .. SELECT (no LIMIT): the user's rows") or diag($err);
}

# A statement timeout in a repartition join stays a cancel (no catch-all turns it into
# another error or swallows it).
($rc, $out, $err) = run($coord, 'portal', qq{SET citus.enable_repartition_joins = on; SET statement_timeout = '300ms';
    BEGIN; SET LOCAL customer_access.user_id = '$u';
    SELECT count(*) FROM app.orders o JOIN app.items i ON i.order_id = o.id WHERE pg_sleep(0.01) IS NOT NULL; COMMIT;});
like($err, qr/canceling statement due to statement timeout/, 'a statement timeout in a repartition join is a cancel');

done_testing();

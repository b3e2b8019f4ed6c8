# Scale-out on Citus: a coordinator and two workers on 127.0.0.1, the grants a reference table
# (customer_access.distribute()), orders distributed by customer. For every user and every
# identity mode the policy's row count through the coordinator equals a plain join against
# the grants, in every plan shape Citus has (router, multi-shard, repartition joins,
# intermediate results, cursors, prepared statements, COPY), in autocommit and in
# transactions; the identity a node uses is the one the coordinator established, on the one
# connection it was sent on, and no other; the copies of the grants change only through the
# coordinator, in bulk too, with one history entry per row; the Owner protection, the
# history and the DDL guard hold on every node. The "finding N" tests are the attacks of
# issue 21, each of which succeeded against 1.2.
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
$coord->safe_psql('postgres', q{
  CREATE ROLE portal LOGIN;
  CREATE ROLE backoffice LOGIN BYPASSRLS;
  CREATE EXTENSION customer_access;
});
load_grants($coord);
like($coord->safe_psql('postgres', 'SELECT customer_access.distribute()'),
     qr/reference table \(shard \d+ on 3 nodes\)/, 'distribute() makes the grants a reference table on all 3 nodes');
is($coord->safe_psql('postgres', 'SELECT customer_access.distribute()') =~ /reference table/ ? 1 : 0, 1,
   'distribute() run again changes nothing');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access_history'),
   $coord->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access'),
   'distributing records no history of its own: one entry per grant, as before');
load_orders($coord);

# Expiring grants (1.3): the reference table carries expires_at to every node; some grants
# expired yesterday, some expire tomorrow (the ground truth counts only those in force).
$coord->safe_psql('postgres', q{
  UPDATE customer_access.external_access SET expires_at = now() - interval '1 day'
   WHERE role < 'L90' AND get_byte(uuid_send(customer_id), 15) % 4 = 0;
  UPDATE customer_access.external_access SET expires_at = now() + interval '1 day'
   WHERE role < 'L90' AND get_byte(uuid_send(customer_id), 15) % 4 = 1;});

my $truth = ground_truth($coord);
my $some_customer = some_customers($coord);
ok(scalar(keys %{ $truth->{all} }) >= 20,
   'the data gives most users rows to see (' . scalar(keys %{ $truth->{all} }) . ' users)');
sub check_every_user {
    my ($label, $node, $prefix, @connect) = @_;
    my ($all, $one, $err) = counts_for_every_user($node, $some_customer, [@connect], $prefix);
    matches_truth($label, $truth, $some_customer, $all, $one);
}

sub shard_id { grants_shard_id($coord) }
my $shard_name = 'customer_access.external_access_' . shard_id();

# The copies of the grants on the three nodes are the same rows.
sub copies_agree {
    my ($label) = @_;
    my @digests = map { copy_digests($_) } ($coord, $w1, $w2);
    is_deeply([ @digests[1, 2] ], [ $digests[0], $digests[0] ], "$label: the three copies of the grants are the same rows")
      or diag(join ' / ', @digests);
}
sub history_count {
    $coord->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access_history');
}

# identity = setting (default), transaction scope.
check_every_user('setting', $coord, "SET LOCAL customer_access.user_id = '%s';");
# The same through set_config(..., true), which Citus itself never propagates.
check_every_user('setting by set_config', $coord, "SELECT set_config('customer_access.user_id', '%s', true) \\g /dev/null");

# Two users in one transaction: the second SET LOCAL reaches the connections already open.
my $u0 = user_id(4);
my $u1 = user_id(9);
is($coord->safe_psql('postgres', qq{
  BEGIN;
  SET LOCAL customer_access.user_id = '$u0';
  SELECT count(*) FROM app.orders;
  SET LOCAL customer_access.user_id = '$u1';
  SELECT count(*) FROM app.orders;
  SAVEPOINT s;
  SET LOCAL customer_access.user_id = '$u0';
  SELECT count(*) FROM app.orders;
  ROLLBACK TO SAVEPOINT s;
  SELECT count(*) FROM app.orders;
  COMMIT;}, extra_params => ['-U', 'portal']),
   join("\n", $truth->{all}{$u0} // 0, $truth->{all}{$u1} // 0, $truth->{all}{$u0} // 0, $truth->{all}{$u1} // 0),
   'a user changed within a transaction, and in a savepoint rolled back, is the user the workers check');

# A session-level SET is not an identity in transaction scope: nothing, and the WARNING.
my ($rc, $out, $err);
($rc, $out, $err) = $coord->psql('postgres', qq{SET customer_access.user_id = '$u0'; SELECT count(*) FROM app.orders;},
                                 extra_params => ['-U', 'portal']);
is($out, '0', 'a value from an earlier transaction: no rows on any worker');
like($err, qr/ignores an identity given in an earlier transaction/, '... and the WARNING reaches the client');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM app.orders', extra_params => ['-U', 'portal']), '0',
   'no identity: no rows');

# identity_scope = session (the 1.1 behaviour): a session-level SET and autocommit statements.
$coord->safe_psql('postgres', q{ALTER DATABASE postgres SET customer_access.identity_scope = 'session'});
is($coord->safe_psql('postgres', qq{SET customer_access.user_id = '$u1';
    SELECT count(*) FROM app.orders;
    SELECT count(*) FROM app.orders WHERE customer_id = '$some_customer->{$u1}';}, extra_params => ['-U', 'portal']),
   ($truth->{all}{$u1} // 0) . "\n" . ($truth->{pair}{"$u1|$some_customer->{$u1}"} // 0),
   'session scope: autocommit statements on the workers check the session\'s user');

# Finding 4, as it was found: a repartition join outside a transaction block failed, even for
# a superuser on tables with no policy (the carrier reached the coordinator's own shard-query
# connection, which refused it).
my $join = 'SELECT count(*) FROM app.orders o JOIN app.items i ON i.order_id = o.id';
($rc, $out, $err) = $coord->psql('postgres', "SET citus.enable_repartition_joins = on; $join");
is($out, '4000', 'finding 4: a repartition join in autocommit, as a superuser') or diag($err);
like($coord->safe_psql('postgres', "SET citus.enable_repartition_joins = on; EXPLAIN (COSTS OFF) $join"), qr/MapMergeJob/,
     '... (Citus plans it as a repartition join)');
($rc, $out, $err) = $coord->psql('postgres', "SET citus.enable_repartition_joins = on; SET customer_access.user_id = '$u1'; $join",
                                 extra_params => ['-U', 'portal']);
# (the ground truth without a repartition join: the items of the orders the user may see)
is($out, $coord->safe_psql('postgres', qq{SELECT count(*) FROM app.items i WHERE i.order_id IN (
    SELECT o.id FROM app.orders o JOIN customer_access.external_access g ON g.customer_id = o.customer_id AND g.user_id = '$u1'
     WHERE g.role >= 'L20' AND (g.expires_at IS NULL OR g.expires_at > now())
       AND (g.days_back_access IS NULL OR o.order_date >= current_date - g.days_back_access))}),
   '... and as the portal role through the policy') or diag($err);

# Finding 4: every plan shape Citus has, in autocommit (session scope) and in a transaction,
# equals the plain join against the grants. Repartition joins used to fail outside a
# transaction block (the carrier reached the coordinator's own shard-query connection).
{
    my $visible = q{(SELECT o.* FROM app.orders o JOIN customer_access.external_access g
                       ON g.customer_id = o.customer_id AND g.user_id = '%s'
                      WHERE g.role >= 'L20' AND (g.expires_at IS NULL OR g.expires_at > now())
                        AND (g.days_back_access IS NULL
                            OR o.order_date >= current_date - g.days_back_access))};
    my %shapes = (
        'router'            => q{SELECT count(*) FROM app.orders o WHERE o.customer_id = '%c'},
        'multi-shard'       => q{SELECT count(*), count(DISTINCT o.customer_id) FROM app.orders o},
        'intermediate result' => q{WITH recent AS (SELECT o.customer_id, o.id FROM app.orders o ORDER BY o.order_date DESC, o.id LIMIT 50)
                                  SELECT count(*) FROM app.orders o JOIN recent r ON r.customer_id = o.customer_id},
        'subquery pushdown' => q{SELECT count(*) FROM (SELECT o.customer_id, count(*) AS n FROM app.orders o GROUP BY 1) s WHERE s.n > 1},
        'window'            => q{SELECT sum(r) FROM (SELECT row_number() OVER (PARTITION BY o.customer_id ORDER BY o.id) AS r FROM app.orders o) s},
        'reference join'    => q{SELECT count(*) FROM app.orders o JOIN app.customers c ON c.id = o.customer_id},
    );
    $coord->safe_psql('postgres', q{
      CREATE TABLE app.customers (id uuid PRIMARY KEY, name text);
      SELECT create_reference_table('app.customers');
      INSERT INTO app.customers SELECT ('c6000000-0000-0000-0000-' || lpad(c::text, 12, '0'))::uuid, 'c' || c FROM generate_series(0, 99) c;
      GRANT SELECT ON app.customers TO portal;});
    my @users = grep { ($truth->{all}{$_} // 0) > 0 } map { user_id($_) } (3, 9, 21, 33, 48);
    push @users, user_id(0);
    my (@wrong, $compared);
    my @names = sort keys %shapes;
    # Repartition joins take Citus seconds each: one user.
    my %slow = ('repartition join' => q{SELECT count(*) FROM app.orders o JOIN app.items i ON i.order_id = o.id});
    for my $u (@users) {
        my %these = (%shapes, $u eq $users[0] ? %slow : ());
        @names = sort keys %these;
        my $c = $some_customer->{$u} // customer_id(0);
        my ($truths, $in_transaction, $autocommit) = ('', '', '');
        for my $shape (@names) {
            (my $sql = $these{$shape}) =~ s/%c/$c/g;
            (my $plain = $sql) =~ s/app\.orders o/sprintf($visible, $u) . ' o'/ge;
            # (a repartition join's ground truth without one: the items of the visible orders)
            $plain = 'SELECT count(*) FROM app.items i WHERE i.order_id IN (SELECT o.id FROM '
              . sprintf($visible, $u) . ' o)' if $shape eq 'repartition join';
            $truths .= "SELECT '$shape', t::text FROM ($plain) t;\n";
            $in_transaction .= "BEGIN; SET LOCAL customer_access.user_id = '$u'; SELECT '$shape', t::text FROM ($sql) t; COMMIT;\n";
            $autocommit .= "SELECT '$shape', t::text FROM ($sql) t;\n";
        }
        my %expected = map { split /\|/, $_, 2 } split /\n/,
          $coord->safe_psql('postgres', "SET citus.enable_repartition_joins = on;\n$truths");
        my %got_in = map { split /\|/, $_, 2 } split /\n/, $coord->safe_psql('postgres',
            "SET citus.enable_repartition_joins = on;\n$in_transaction", extra_params => ['-U', 'portal']);
        ($rc, $out, $err) = $coord->psql('postgres', "SET citus.enable_repartition_joins = on;
            SET customer_access.user_id = '$u';\n$autocommit", extra_params => ['-U', 'portal']);
        my %got_auto = map { split /\|/, $_, 2 } split /\n/, $out;
        for my $shape (@names) {
            push @wrong, "$shape $u: no ground truth" unless defined $expected{$shape};
            $expected{$shape} //= 'none';
            push @wrong, "$shape $u in a transaction: " . ($got_in{$shape} // 'none') . " vs $expected{$shape}"
              if ($got_in{$shape} // '') ne $expected{$shape};
            push @wrong, "$shape $u autocommit: " . ($got_auto{$shape} // 'none') . " vs $expected{$shape} ($err)"
              if ($got_auto{$shape} // '') ne $expected{$shape};
            $compared++;
        }
    }
    is(scalar(@wrong), 0, "finding 4: $compared shape and user pairs (" . join(', ', sort keys %shapes, keys %slow)
       . ') equal the plain join, in autocommit and in a transaction') or diag(join "\n", @wrong);
    # The statement shapes that are not a single SELECT: prepared (generic plan), cursor, COPY.
    my $u = $users[0];
    my $expected = $truth->{all}{$u} // 0;
    my $c = $some_customer->{$u};
    is($coord->safe_psql('postgres', qq{PREPARE visible(int) AS SELECT count(*) FROM app.orders WHERE id >= \$1;
        PREPARE one(uuid) AS SELECT count(*) FROM app.orders WHERE customer_id = \$1;
        } . "EXECUTE visible(0); EXECUTE one('$c');\n" x 6 . qq{SET customer_access.user_id = '$u';
        EXECUTE visible(0); EXECUTE one('$c');}, extra_params => ['-U', 'portal']),
       join("\n", ("0") x 12, $expected, $truth->{pair}{"$u|$c"} // 0),
       'prepared statements (multi-shard and router), executed often enough for a generic plan, follow the user');
    is($coord->safe_psql('postgres', qq{SET customer_access.user_id = '$u';
        COPY (SELECT * FROM app.orders) TO STDOUT;}, extra_params => ['-U', 'portal']) =~ tr/\n// + 1,
       $expected, 'COPY (query) TO in autocommit sees the user\'s rows');
}
$coord->safe_psql('postgres', q{ALTER DATABASE postgres RESET customer_access.identity_scope});

# Self-service through the coordinator: an Admin's grant is checked (can_grant) on every copy.
my ($admin, $admin_customer, $admin_days) = split /\|/, $coord->safe_psql('postgres', q{
  SELECT user_id, customer_id, coalesce(days_back_access::text, '') FROM customer_access.external_access
   WHERE role = 'L80' AND expires_at IS NULL ORDER BY user_id LIMIT 1});
my $newcomer = 'a6000000-0000-0000-0000-0000000000ff';
$coord->safe_psql('postgres', q{GRANT SELECT, INSERT, UPDATE, DELETE ON customer_access.external_access TO portal});
($rc, $out, $err) = $coord->psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$admin';
    SELECT role FROM customer_access.grant_access('$admin_customer', '$newcomer', 'L90', NULL); COMMIT;},
    extra_params => ['-U', 'portal']);
like($err, qr/42501|may not|cannot|more than/i, 'an Admin cannot make an Owner through the coordinator');
my $days = $admin_days eq '' ? 'NULL' : $admin_days;
is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$admin';
    SELECT role FROM customer_access.grant_access('$admin_customer', '$newcomer', 'L20', $days); COMMIT;},
    extra_params => ['-U', 'portal']), 'L20', 'an Admin grants L20 through the coordinator');
$truth = ground_truth($coord);
is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$newcomer'; SELECT count(*) FROM app.orders; COMMIT;},
                     extra_params => ['-U', 'portal']), $truth->{all}{$newcomer} // 0,
   'the newcomer sees exactly the Admin\'s customer\'s rows the grant allows');
is($coord->safe_psql('postgres', qq{SELECT application_user_id FROM customer_access.external_access_history
                                    WHERE new_row ->> 'user_id' = '$newcomer'}), $admin,
   'the history names the Admin as the application user');
$coord->safe_psql('postgres', q{REVOKE INSERT, UPDATE, DELETE ON customer_access.external_access FROM portal});

# identity = claims (PostgREST's set_config of request.jwt.claims, never propagated by Citus).
$coord->safe_psql('postgres', q{ALTER DATABASE postgres SET customer_access.identity = 'claims'});
check_every_user('claims', $coord,
    q{SELECT set_config('request.jwt.claims', '{"sub": "%s", "role": "portal"}', true) \\g /dev/null});
is($coord->safe_psql('postgres', qq{
  BEGIN;
  SELECT set_config('request.jwt.claims', '{"sub": "$u0", "tier": "gold"}', true) \\g /dev/null
  SELECT DISTINCT customer_access.current_claims() ->> 'tier' FROM app.orders;
  COMMIT;}, extra_params => ['-U', 'portal']), 'gold',
   'current_claims() in a policy on the workers is the coordinator\'s claims');

# identity = token: authenticate() on the coordinator; its user is the one the workers check.
my $token_secret = 'tap-hs256-secret-for-the-citus-suite-0123';
my $k = `/usr/bin/python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(sys.argv[1].encode()).rstrip(b"=").decode())' $token_secret`;
chomp $k;
$coord->safe_psql('postgres', qq{
  INSERT INTO customer_access.trusted_keys (kid, jwk) VALUES ('citus', '{"kty": "oct", "k": "$k"}');
  ALTER DATABASE postgres SET customer_access.identity = 'token';
  ALTER DATABASE postgres SET customer_access.allow_token_literals = on;  -- (psql sends them as literals)});
my %token;
for my $line (split /\n/, `/usr/bin/python3 -c '
import sys, time, jwt
for n in range(50):
    u = "a6000000-0000-0000-0000-%012d" % n
    print(u, jwt.encode({"sub": u, "exp": int(time.time()) + 3600}, sys.argv[1].encode(), algorithm="HS256", headers={"kid": "citus"}))
' $token_secret`) {
    my ($u, $t) = split / /, $line;
    $token{$u} = $t;
}
is(scalar(keys %token), 50, 'python3-jwt made a token for every user');
{
    my $script = '';
    for my $n (0 .. 49) {
        my $u = user_id($n);
        my $c = $some_customer->{$u};
        $script .= "BEGIN;\nSELECT customer_access.authenticate('$token{$u}') \\g /dev/null\n"
          . "SELECT '$u', 'all', count(*) FROM app.orders;\n"
          . "SELECT '$u', 'one', count(*) FROM app.orders WHERE customer_id = '$c';\nCOMMIT;\n";
    }
    ($rc, $out, $err) = $coord->psql('postgres', $script, extra_params => ['-U', 'portal', '-At', '-q']);
    my (%a, %o);
    for my $line (split /\n/, $out) {
        my ($u, $kind, $n) = split /\|/, $line;
        ($kind eq 'all' ? \%a : \%o)->{$u} = $n if defined $n;
    }
    matches_truth('token', $truth, $some_customer, \%a, \%o);
}
($rc, $out, $err) = $coord->psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$u0'; SELECT count(*) FROM app.orders; COMMIT;},
                                 extra_params => ['-U', 'portal']);
like($err, qr/cannot be set when customer_access.identity is "token"/, 'token: claiming a user with SET LOCAL is refused');

# Finding 1: a portal session that only talks to the coordinator reads another session's
# carrier on the workers (run_command_on_workers, pg_stat_activity), takes its Citus global
# pid (SET application_name twice), and replays it inside run_command_on_workers (RESET
# application_name, assign_distributed_transaction_id, set_config). A carrier is now bound to
# the connections it was sent on and opens only there; the attacker here is even handed the
# victim's distributed transaction id and global pid.
my $victim_user = user_id(21);
ok(($truth->{all}{$victim_user} // 0) > 0, 'the victim has rows to steal');
my $victim = $coord->background_psql('postgres', extra_params => ['-U', 'portal']);
$victim->query_safe('BEGIN');
$victim->query_safe("SELECT customer_access.authenticate('$token{user_id(3)}')");
$victim->query_safe('SELECT count(*) FROM app.orders');
$victim->query_safe("SELECT customer_access.authenticate('$token{$victim_user}')");
is($victim->query_safe("SELECT count(*) FROM app.orders WHERE customer_id = '$some_customer->{$victim_user}'"),
   $truth->{pair}{"$victim_user|$some_customer->{$victim_user}"} // 0, 'the victim counts its rows');
my $victim_gpid = $victim->query_safe('SELECT citus_backend_gpid()');
my ($initiator, $number, $started) = split /\|/,
  $victim->query_safe(q{SELECT initiator_node_identifier || '|' || transaction_number || '|' || transaction_stamp FROM get_current_transaction_id()});
my $carriers = $coord->safe_psql('postgres', q{SELECT string_agg(result, E'\n') FROM run_command_on_workers($$
    SELECT string_agg(DISTINCT substring(query from 'customer_access.carrier = ''([^'']*)'''), E'\n')
      FROM pg_stat_activity WHERE usename = 'portal' AND query LIKE '%customer_access.carrier%'$$)},
    extra_params => ['-U', 'portal']);
my @stolen = grep { /^ca\d\./ } split /\n/, $carriers;
ok(scalar(@stolen) >= 1, 'finding 1: the portal role can still read carriers in the workers\' pg_stat_activity');
unlike($carriers, qr/$victim_user|a6000000|6136303030/, '... but they tell nothing: the user is not in them');
my $loot = '';
for my $stolen (@stolen) {
    (my $command = qq{DO \$a\$ DECLARE n bigint := 0; m bigint; r record; BEGIN
      EXECUTE 'RESET application_name';
      PERFORM assign_distributed_transaction_id($initiator, $number, '$started');
      PERFORM set_config('customer_access.carrier', '$stolen', true);
      FOR r IN SELECT s.shardid FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
                WHERE s.logicalrelid = 'app.orders'::regclass AND p.groupid = (SELECT groupid FROM pg_dist_local_group) LOOP
        EXECUTE format('SELECT count(*) FROM app.%I', 'orders_' || r.shardid) INTO m; n := n + m;
      END LOOP;
      RAISE EXCEPTION 'stolen rows: %', n; END \$a\$}) =~ s/'/''/g;
    $loot .= $coord->safe_psql('postgres', qq{SET application_name = 'citus_internal gpid=$victim_gpid';
        SET application_name = 'portal'; SELECT string_agg(result, E'\n') FROM run_command_on_workers('$command')},
        extra_params => ['-U', 'portal']) . "\n";
}
unlike($loot, qr/stolen rows: [1-9]/, 'finding 1: the carrier replayed through run_command_on_workers opens no rows')
  or diag($loot);
like($loot, qr/customer_access.carrier is set by customer_access only/, '... set_config() of the carrier is refused (only a connection\'s own SET sets it)');
# The same carrier, set the way Citus sets it, by a direct client of a worker named like the
# victim's connection, in the victim's distributed transaction.
my $direct = '';
for my $stolen (@stolen) {
    local $ENV{PGAPPNAME} = "citus_internal gpid=$victim_gpid";
    for my $worker ($w1, $w2) {
        my $shards = $worker->safe_psql('postgres', q{SELECT string_agg(format('SELECT count(*) FROM app.%I', 'orders_' || s.shardid), ' UNION ALL ')
            FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
           WHERE s.logicalrelid = 'app.orders'::regclass AND p.groupid = (SELECT groupid FROM pg_dist_local_group)});
        ($rc, $out, $err) = $worker->psql('postgres', qq{BEGIN;
            SELECT assign_distributed_transaction_id($initiator, $number, '$started');
            SET LOCAL customer_access.carrier = '$stolen';
            SELECT 'stolen rows: ' || sum(count) FROM ($shards) s; COMMIT;}, extra_params => ['-U', 'portal']);
        $direct .= "$out $err\n";
    }
}
unlike($direct, qr/stolen rows: [1-9]/, 'finding 1: set as Citus sets it, on another connection, the carrier opens no rows')
  or diag($direct);
like($direct, qr/not sealed for this connection/, '... it was not sealed for that connection (28000)');
is($victim->query_safe('SELECT count(*) FROM app.orders'), $truth->{all}{$victim_user} // 0,
   'the victim\'s own transaction still counts its rows');
$victim->query_safe('COMMIT');
$victim->quit;

# identity = login: the login role's row of login_users, on the workers too.
$coord->safe_psql('postgres', qq{
  CREATE ROLE citus_login LOGIN IN ROLE portal;
  INSERT INTO customer_access.login_users (login, user_id) VALUES ('citus_login', '$u1');
  ALTER DATABASE postgres SET customer_access.identity = 'login';});
is($coord->safe_psql('postgres', 'SELECT count(*) FROM app.orders', extra_params => ['-U', 'citus_login']),
   $truth->{all}{$u1} // 0, 'login: the login role\'s user is the user the workers check');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM app.orders', extra_params => ['-U', 'portal']), '0',
   'login: a login without a row sees nothing');
$coord->safe_psql('postgres', q{ALTER DATABASE postgres RESET customer_access.identity});

# A node never answers for a user the coordinator did not establish.
my $check = qq{SELECT customer_access.can_access('$some_customer->{$u0}', 'L10')};
{
    local $ENV{PGAPPNAME} = 'citus_internal gpid=10000000001';
    ($rc, $out, $err) = $w1->psql('postgres', $check, extra_params => ['-U', 'portal']);
    like($err, qr/did not reach this Citus node.*\n.*No identity came/,
         'a shard-query connection without a carrier is refused (28000), not answered');
    ($rc, $out, $err) = $w1->psql('postgres', "BEGIN; SET LOCAL customer_access.carrier = 'ca1.1.1.u.00.00.00'; $check; COMMIT;",
                                  extra_params => ['-U', 'portal']);
    like($err, qr/seal does not hold/, 'a forged carrier is refused');
    # A real carrier of another session, replayed in its own distributed transaction by a
    # direct client named like the session's connections.
    ($rc, $out, $err) = $w1->psql('postgres', "BEGIN; SELECT assign_distributed_transaction_id($initiator, $number, '$started');
        SET LOCAL customer_access.carrier = '$stolen[0]'; $check; COMMIT;", extra_params => ['-U', 'portal']);
    like($err, qr/not sealed for this connection/, 'a carrier replayed on another connection is refused');
}
# On the coordinator an ordinary session sets no carrier: Citus would send it on to the nodes.
($rc, $out, $err) = $coord->psql('postgres', "SET citus.propagate_set_commands = 'local'; BEGIN; SET LOCAL customer_access.carrier = 'ca3.x'; COMMIT;",
                                 extra_params => ['-U', 'portal']);
like($err, qr/customer_access.carrier is set by customer_access only/, 'the coordinator refuses SET customer_access.carrier');
# A connection to the coordinator named like Citus's brings no identity of its own.
{
    local $ENV{PGAPPNAME} = 'citus_internal gpid=10000000001';
    ($rc, $out, $err) = $coord->psql('postgres', $check, extra_params => ['-U', 'portal']);
    like($err, qr/did not reach this Citus node.*\n.*No identity came/, 'the coordinator takes no identity from a connection without a carrier');
}
# A node's own settings never name a user: not in a direct session, not through Citus's
# own utilities (whose connections are not shard-query connections).
is($w1->safe_psql('postgres', qq{SET customer_access.user_id = '$u0'; $check}, extra_params => ['-U', 'portal']), 'f',
   'a direct session on a worker cannot claim a user with its settings');
is($coord->safe_psql('postgres', qq{SELECT string_agg(result, ',') FROM run_command_on_workers(
     \$\$SELECT customer_access.can_access('$some_customer->{$u0}', 'L10') FROM (SELECT set_config('customer_access.user_id', '$u0', true)) s\$\$)},
     extra_params => ['-U', 'portal']), 'f,f', 'run_command_on_workers cannot claim a user on the workers');
# Any session on a worker: a carrier that does not hold is an error, never an identity.
($rc, $out, $err) = $w1->psql('postgres', "BEGIN; SET LOCAL customer_access.carrier = 'x'; $check; COMMIT;",
                              extra_params => ['-U', 'portal']);
like($err, qr/seal does not hold/, 'an ordinary session on a worker gets no identity from a forged carrier');
($rc, $out, $err) = $w1->psql('postgres', "BEGIN; SELECT set_config('customer_access.carrier', '$stolen[0]', true); COMMIT;",
                              extra_params => ['-U', 'portal']);
like($err, qr/customer_access.carrier is set by customer_access only/, 'set_config() of a carrier is refused on a worker');

# Attacks on the result, as a reviewer who has not seen the change would try them.
# A direct client of a worker of another role, named like the victim's connection, in the
# victim's distributed transaction, with the victim's carrier set as Citus sets it.
{
    local $ENV{PGAPPNAME} = "citus_internal gpid=$victim_gpid";
    ($rc, $out, $err) = $w2->psql('postgres', "BEGIN; SELECT assign_distributed_transaction_id($initiator, $number, '$started');
        SET LOCAL customer_access.carrier = '$stolen[0]'; $check; COMMIT;", extra_params => ['-U', 'backoffice']);
    like($err, qr/did not reach this Citus node/, 'a direct client of a worker of another role gets no identity from a stolen carrier');
    # The same on the coordinator, where a connection named like Citus's may set a carrier.
    ($rc, $out, $err) = $coord->psql('postgres', "BEGIN; SELECT assign_distributed_transaction_id($initiator, $number, '$started');
        SET LOCAL customer_access.carrier = '$stolen[0]'; $check; COMMIT;", extra_params => ['-U', 'portal']);
    like($err, qr/not sealed for this connection/, '... nor a direct client of the coordinator named like Citus\'s connections');
}
# Citus propagates a SET LOCAL by sending the query text it is given: a multi-statement
# string sent its other statements to every node of the transaction, ahead of Citus's own
# commands on new connections. Only the SET's own text goes now.
($rc, $out, $err) = $coord->psql('postgres', qq{SET citus.propagate_set_commands = 'local'; BEGIN;
    SET LOCAL customer_access.user_id = '$u0'; SELECT count(*) FROM app.orders;
    SET LOCAL search_path = public, pg_catalog \\; SELECT 1 / (groupid - groupid) FROM pg_catalog.pg_dist_local_group WHERE groupid > 0;
    COMMIT;}, extra_params => ['-U', 'portal']);
unlike($err, qr/division by zero/, 'a SET LOCAL sends only its own statement to the nodes') or diag($err);
is($rc, 0, '... and the transaction goes on');
# The link key a connection brought is shown to nobody, the session tag only to its own
# session.
is($coord->safe_psql('postgres', q{SELECT string_agg(result, ',') FROM run_command_on_workers($$SHOW customer_access.link$$)}), ',',
   'a Citus connection shows no link key, to a superuser either');
($rc, $out, $err) = $coord->psql('postgres', q{SELECT string_agg(result, ',') FROM run_command_on_workers($$SELECT current_setting('customer_access.link')$$)},
                                 extra_params => ['-U', 'portal']);
unlike($out, qr/[0-9a-f]{32}/, '... nor to the portal role');
($rc, $out, $err) = $w1->psql('postgres', 'SHOW customer_access.session');
like($out, qr/^[0-9a-f]{16}$/, 'a backend shows its own session tag');
($rc, $out, $err) = $w1->psql('postgres', q{SET customer_access.session = '0123456789abcdef'});
like($err, qr/cannot be changed|cannot be set/, '... which nobody sets');
($rc, $out, $err) = $w1->psql('postgres', q{SET customer_access.link = '00112233445566778899aabbccddeeff'});
like($err, qr/cannot be set after connection start|is set by customer_access only/, 'nor the link key');

# COPY ... TO and cursors go with the identity current when they run.
is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$u0';
    COPY app.orders TO STDOUT; COMMIT;}, extra_params => ['-U', 'portal']) =~ tr/\n// + 1,
   $truth->{all}{$u0} // 0, 'COPY ... TO as the first statement sees the user\'s rows');
is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$u0';
    DECLARE c CURSOR FOR SELECT count(*) FROM app.orders;
    SET LOCAL customer_access.user_id = '$u1';
    FETCH ALL FROM c; COMMIT;}, extra_params => ['-U', 'portal']), $truth->{all}{$u1} // 0,
   'a cursor fetched after the user changed counts for the user at the fetch, as on one node');
# Claims too large to send to every node are refused, not sent.
$coord->safe_psql('postgres', q{ALTER DATABASE postgres SET customer_access.identity = 'claims'});
($rc, $out, $err) = $coord->psql('postgres', qq{BEGIN;
    SELECT set_config('request.jwt.claims', '{"sub": "$u0", "pad": "' || repeat('x', 20000) || '"}', true) \\g /dev/null
    SELECT count(*) FROM app.orders; COMMIT;}, extra_params => ['-U', 'portal']);
like($err, qr/claims are too large to hand to the Citus nodes/, 'claims over 8 kB are refused (54000), not sent to every node');
$coord->safe_psql('postgres', q{ALTER DATABASE postgres RESET customer_access.identity});

# A copy of the grants changes only by Citus, for a change of the table.
# (grants that are no Owner's: the Owner rule, which fires first, would refuse those anyway)
($rc, $out, $err) = $coord->psql('postgres', qq{DELETE FROM $shard_name WHERE user_id = '$u0' AND role < 'L90'});
like($err, qr/changed through customer_access.external_access only/, 'the coordinator\'s copy cannot be changed directly');
($rc, $out, $err) = $coord->psql('postgres', qq{SELECT string_agg(result, ',') FROM run_command_on_placements(
    'customer_access.external_access', \$\$UPDATE %s SET notes = 'sneaked' WHERE user_id = '$u0'\$\$)});
unlike($out, qr/UPDATE [1-9]/, 'run_command_on_placements changes no copy');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM customer_access.external_access WHERE notes = 'sneaked'}), '0',
   '... and no copy has the change');
($rc, $out, $err) = $coord->psql('postgres', qq{SELECT string_agg(result, ',') FROM run_command_on_placements(
    'customer_access.external_access', \$\$SET application_name = 'citus_internal gpid=10000000001';
                                          UPDATE %s SET notes = 'sneaked' WHERE user_id = '$u0'\$\$)});
unlike($out, qr/UPDATE [1-9]/, 'a connection renamed to look like Citus\'s changes no copy either');
# A function run inside Citus's local execution of a SELECT on the grants cannot change the
# coordinator's copy alone.
$coord->safe_psql('postgres', qq{CREATE FUNCTION public.sneak() RETURNS int LANGUAGE plpgsql AS \$f\$
  BEGIN UPDATE $shard_name SET notes = 'sneaked' WHERE user_id = '$u0'; RETURN 1; END \$f\$});
($rc, $out, $err) = $coord->psql('postgres', q{SELECT public.sneak() FROM customer_access.external_access LIMIT 1});
like($err, qr/changed through customer_access.external_access only/, 'a DML inside a local SELECT task is refused');
is($coord->safe_psql('postgres', q{SELECT pg_relation_size('customer_access.external_access')}), '0',
   'distribute() left no rows behind in the table itself');

# Finding 2: a back-office role with DML on the grants (and BYPASSRLS) made the workers'
# copies differ from the coordinator's, with no history: run_command_on_placements with
# RESET application_name (a connection named citus_internal with no carrier passed for Citus
# copying rows), on every copy or on one. Finding 6: a direct client of a worker named
# "citus_internal gpid=1" did the same. Each is refused on every node now.
$coord->safe_psql('postgres', q{GRANT SELECT, INSERT, UPDATE, DELETE ON customer_access.external_access TO backoffice;
                                GRANT USAGE ON SCHEMA app TO backoffice; GRANT SELECT ON app.orders TO backoffice});
my $intruder = 'a6000000-0000-0000-0000-0000000000ee';
my $history = history_count();
copies_agree('before the back-office attacks');
my @attempts = (
    qq{DO \$b\$ BEGIN EXECUTE 'RESET application_name';
       INSERT INTO %s (customer_id, user_id, role, days_back_access) VALUES ('$some_customer->{$u0}', '$intruder', 'L80', NULL); END \$b\$},
    qq{RESET application_name; INSERT INTO %s (customer_id, user_id, role, days_back_access) VALUES ('$some_customer->{$u0}', '$intruder', 'L80', NULL)},
    qq{RESET application_name; DELETE FROM %s WHERE user_id = '$u1'},
    qq{SET application_name = 'citus_internal gpid=1'; UPDATE %s SET role = 'L80' WHERE user_id = '$u1'},
);
my $copies = join ' ', map { copy_digests($_) } ($coord, $w1, $w2);
for my $attempt (@attempts) {
    (my $command = $attempt) =~ s/'/''/g;
    ($rc, $out, $err) = $coord->psql('postgres', qq{SELECT string_agg(nodeport || ':' || success || ':' || result, E'\n')
        FROM run_command_on_placements('customer_access.external_access', '$command')}, extra_params => ['-U', 'backoffice']);
    is(join(' ', map { copy_digests($_) } ($coord, $w1, $w2)), $copies,
       'finding 2: no copy changes: ' . substr($attempt =~ s/\s+/ /gr, 0, 70)) or diag($out);
}
($rc, $out, $err) = $w1->psql('postgres', qq{DO \$b\$ BEGIN UPDATE $shard_name SET notes = 'sneaked' WHERE false; END \$b\$});
like($err, qr/does not change inside another statement/, '... a change run inside another statement is refused as such (a superuser\'s too)');
{
    local $ENV{PGAPPNAME} = 'citus_internal gpid=1';
    for my $dml (qq{INSERT INTO $shard_name (customer_id, user_id, role) VALUES ('$some_customer->{$u0}', '$intruder', 'L80')},
                 qq{UPDATE $shard_name SET role = 'L80' WHERE user_id = '$u1'},
                 qq{DELETE FROM $shard_name WHERE user_id = '$u1'},
                 qq{COPY $shard_name (customer_id, user_id, role) FROM STDIN;\n$some_customer->{$u0}\t$intruder\tL80\n\\.\n}) {
        ($rc, $out, $err) = $w2->psql('postgres', $dml, extra_params => ['-U', 'backoffice']);
        like($err, qr/changed through customer_access.external_access only/,
             'finding 6: a direct client of a worker named citus_internal changes no copy: ' . substr($dml, 0, 40));
    }
}
# The back-office role's own carrier (its session can log what Citus sends:
# citus.log_remote_commands), presented on a connection of its own in its own distributed
# transaction, changes no copy either: a change is admitted only on the connections Citus
# opened for the statement.
my $own_changes = $coord->safe_psql('postgres', qq{SELECT count(*) FROM customer_access.external_access WHERE user_id = '$u1'});
{
    my $bo = $coord->background_psql('postgres', extra_params => ['-U', 'backoffice']);
    # (its server log messages reach the client too: query(), not query_safe())
    $bo->query(q{SET citus.log_remote_commands = on; SET client_min_messages = log});
    $bo->query('BEGIN');
    $bo->query(qq{UPDATE customer_access.external_access SET notes = notes WHERE user_id = '$u1'});
    my @own = $bo->{stderr} =~ /customer_access\.carrier = '(ca\d\.[0-9a-f.nusirw-]+)'/g;
    my ($i, $n, $s) = split /\|/, $bo->query(q{SELECT initiator_node_identifier || '|' || transaction_number || '|' || transaction_stamp FROM get_current_transaction_id()});
    ok(scalar(@own) > 0, 'the back-office role sees its own carrier (citus.log_remote_commands)');
    for my $carrier (@own) {
        (my $command = qq{SELECT assign_distributed_transaction_id($i, $n, '$s'); SET LOCAL customer_access.carrier = '$carrier';
            INSERT INTO %s (customer_id, user_id, role) VALUES ('$some_customer->{$u0}', '$intruder', 'L80')}) =~ s/'/''/g;
        $bo->query(qq{SELECT count(*) FROM run_command_on_placements('customer_access.external_access', '$command')});
        (my $direct = qq{BEGIN; SELECT assign_distributed_transaction_id($i, $n, '$s'); SET LOCAL customer_access.carrier = '$carrier';
            INSERT INTO $shard_name (customer_id, user_id, role) VALUES ('$some_customer->{$u0}', '$intruder', 'L80'); COMMIT;});
        ($rc, $out, $err) = $w1->psql('postgres', $direct, extra_params => ['-U', 'backoffice']);
        like($err, qr/changed through customer_access.external_access only/, '... and on a direct connection to a worker');
    }
    $bo->query('COMMIT');
    $bo->quit;
}
# A back-office role that may also create functions makes each copy compute a change
# differently: an IMMUTABLE function Citus sends to every node with the statement (here one
# that answers by the node it runs on).
$coord->safe_psql('postgres', q{CREATE SCHEMA bo AUTHORIZATION backoffice});
$coord->safe_psql('postgres', q{CREATE FUNCTION bo.lie() RETURNS customer_access.access_role LANGUAGE sql IMMUTABLE AS
    $f$ SELECT CASE WHEN (SELECT groupid FROM pg_catalog.pg_dist_local_group) = 0 THEN 'L20' ELSE 'L80' END::customer_access.access_role $f$},
    extra_params => ['-U', 'backoffice']);
for my $lie (qq{UPDATE customer_access.external_access SET role = bo.lie() WHERE user_id = '$u1' AND role < 'L90'},
             qq{WITH c AS (UPDATE customer_access.external_access SET role = bo.lie() WHERE user_id = '$u1' AND role < 'L90' RETURNING 1) SELECT count(*) FROM c},
             qq{DELETE FROM customer_access.external_access WHERE user_id = '$u1' AND role < bo.lie()},
             qq{INSERT INTO customer_access.external_access (customer_id, user_id, role) VALUES ('$some_customer->{$u0}', '$intruder', bo.lie())}) {
    ($rc, $out, $err) = $coord->psql('postgres', $lie, extra_params => ['-U', 'backoffice']);
    like($err, qr/may call only functions that PostgreSQL or a superuser owns/,
         'a change of the grants that calls a role\'s function is refused: ' . substr($lie, 0, 50));
}
copies_agree('finding 2 and 6: after every attempt');
is(history_count(), $history + $own_changes, '... and the history has only the back-office role\'s own UPDATE through the coordinator');
is($coord->safe_psql('postgres', qq{SELECT count(*) FROM customer_access.external_access WHERE user_id = '$intruder'}), '0',
   '... and the intruder has no grant');

# Finding 3: bulk changes of the grants through the coordinator (refused in 1.2, for a
# superuser too), with one history entry per row and the copies the same rows after each.
my $bulk_user = 'a6000000-0000-0000-0000-0000000000b0';
for my $case (
    [ 'INSERT ... SELECT', 'postgres', qq{INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
        SELECT ('c6000000-0000-0000-0000-' || lpad(c::text, 12, '0'))::uuid, '$bulk_user', 'L20', NULL FROM generate_series(0, 39) c}, 40 ],
    [ 'multi-row INSERT in a transaction', 'backoffice', qq{BEGIN; INSERT INTO customer_access.external_access (customer_id, user_id, role)
        VALUES ('c6000000-0000-0000-0000-000000000040', '$bulk_user', 'L30'), ('c6000000-0000-0000-0000-000000000041', '$bulk_user', 'L30'),
               ('c6000000-0000-0000-0000-000000000042', '$bulk_user', 'L30'); COMMIT;}, 3 ],
    [ 'COPY ... FROM', 'postgres', "COPY customer_access.external_access (customer_id, user_id, role) FROM STDIN;\n"
        . join('', map { customer_id($_) . "\t$bulk_user\tL40\n" } 43 .. 59) . "\\.\n", 17 ],
    [ 'COPY ... FROM by the back-office role', 'backoffice', "COPY customer_access.external_access (customer_id, user_id, role) FROM STDIN;\n"
        . join('', map { customer_id($_) . "\t$bulk_user\tL40\n" } 60 .. 64) . "\\.\n", 5 ],
    [ 'INSERT ... SELECT from the grants', 'backoffice', qq{INSERT INTO customer_access.external_access (customer_id, user_id, role)
        SELECT customer_id, 'a6000000-0000-0000-0000-0000000000b1', 'L10' FROM customer_access.external_access WHERE user_id = '$bulk_user'}, 65 ],
    [ 'UPDATE of many rows', 'backoffice', qq{UPDATE customer_access.external_access SET days_back_access = 90
        WHERE user_id IN ('$bulk_user', 'a6000000-0000-0000-0000-0000000000b1')}, 130 ],
    [ 'UPDATE of many rows in a transaction', 'postgres', qq{BEGIN; UPDATE customer_access.external_access SET notes = 'bulk'
        WHERE user_id = 'a6000000-0000-0000-0000-0000000000b1'; UPDATE customer_access.external_access SET notes = 'bulk 2'
        WHERE user_id = 'a6000000-0000-0000-0000-0000000000b1'; COMMIT;}, 130 ],
    [ 'DELETE of many rows', 'backoffice', qq{DELETE FROM customer_access.external_access WHERE user_id = 'a6000000-0000-0000-0000-0000000000b1'}, 65 ],
) {
    my ($label, $role, $sql, $rows) = @$case;
    my $before = history_count();
    ($rc, $out, $err) = $coord->psql('postgres', $sql, extra_params => ['-U', $role]);
    is($rc, 0, "finding 3: $label as $role works") or diag($err);
    is(history_count() - $before, $rows, "... one history entry per row ($rows)");
    copies_agree("... $label");
}
$truth = ground_truth($coord);
is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$bulk_user'; SELECT count(*) FROM app.orders; COMMIT;},
                     extra_params => ['-U', 'portal']), $truth->{all}{$bulk_user} // 0,
   'the bulk grants are what the workers check');

# Finding 5: a grant made earlier in the transaction, then SET LOCAL ROLE: Citus reaches the
# workers in connections of that role, which cannot see the uncommitted grant. A clean error
# instead of a wrong answer.
($rc, $out, $err) = $coord->psql('postgres', qq{BEGIN;
    INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
    VALUES ('$some_customer->{$u0}', 'a6000000-0000-0000-0000-0000000000c5', 'L80', NULL);
    SET LOCAL ROLE portal; SET LOCAL customer_access.user_id = 'a6000000-0000-0000-0000-0000000000c5';
    SELECT count(*) FROM app.orders; ROLLBACK;});
like($err, qr/changed earlier in this transaction by role "postgres" are not visible to Citus as role "portal"/,
     'finding 5: a statement through Citus as another role after a grant in the transaction is refused');
is($out, '', '... and gives no count');
is($coord->safe_psql('postgres', qq{BEGIN; SAVEPOINT s;
    INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
    VALUES ('$some_customer->{$u0}', 'a6000000-0000-0000-0000-0000000000c5', 'L80', NULL);
    ROLLBACK TO SAVEPOINT s;
    SET LOCAL ROLE portal; SET LOCAL customer_access.user_id = '$u0';
    SELECT count(*) FROM app.orders; COMMIT;}), $truth->{all}{$u0} // 0,
   '... unless the change was rolled back to a savepoint');

# Owner protection through the coordinator, on every node.
my $owner = $coord->safe_psql('postgres', q{SELECT user_id || '|' || customer_id FROM customer_access.external_access WHERE role = 'L90' ORDER BY 1 LIMIT 1});
my ($owner_user, $owner_customer) = split /\|/, $owner;
my $history_before = history_count();
for my $change ("DELETE FROM customer_access.external_access WHERE user_id = '$owner_user' AND customer_id = '$owner_customer'",
                "UPDATE customer_access.external_access SET role = 'L80' WHERE user_id = '$owner_user' AND customer_id = '$owner_customer'",
                "TRUNCATE customer_access.external_access") {
    ($rc, $out, $err) = $coord->psql('postgres', $change, on_error_stop => 1);
    like($err, qr/Owner access cannot be revoked/, "refused through the coordinator: " . substr($change, 0, 40));
}
for my $node ($coord, $w1, $w2) {
    is($node->safe_psql('postgres', qq{SET citus.override_table_visibility = off;
        SELECT role FROM $shard_name WHERE user_id = '$owner_user' AND customer_id = '$owner_customer'}),
       'L90', 'the Owner is intact on ' . $node->name);
}
is(history_count(), $history_before, 'the refused changes left no history');
for my $node ($w1, $w2) {
    is($node->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access_history'), '0',
       'workers record no history: ' . $node->name);
}

# A grant committed on the coordinator is seen by the next statement on every worker; its
# history (one entry per row, with the application user) is on the coordinator.
my $u49 = user_id(49);
$coord->safe_psql('postgres', qq{
  BEGIN;
  SET LOCAL customer_access.user_id = 'ad000000-0000-0000-0000-000000000001';
  INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  SELECT ('c6000000-0000-0000-0000-' || lpad(c::text, 12, '0'))::uuid, '$u49', 'L20', NULL
    FROM generate_series(0, 99) c
  ON CONFLICT (user_id, customer_id) DO UPDATE SET role = 'L20', days_back_access = NULL
    WHERE customer_access.external_access.role < 'L90';
  COMMIT;});
$truth = ground_truth($coord);
# (its Owner grant, with a window, stays as it was)
cmp_ok($truth->{all}{$u49}, '>', 3900, 'the new grants cover nearly every order');
is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$u49'; SELECT count(*) FROM app.orders; COMMIT;},
                     extra_params => ['-U', 'portal']), $truth->{all}{$u49},
   'the next statement sees the new grants on both workers');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM customer_access.external_access_history
                                    WHERE application_user_id = 'ad000000-0000-0000-0000-000000000001'}),
   $coord->safe_psql('postgres', qq{SELECT count(*) FROM customer_access.external_access WHERE user_id = '$u49' AND role <> 'L90'}),
   'one history entry per changed grant, with the application user, recorded once');
copies_agree('after INSERT ... ON CONFLICT DO UPDATE');

# Change notifications: the coordinator writes the history, and its listeners hear of each
# committed change once.
{
    my $listener = $coord->background_psql('postgres');
    $listener->query_safe('LISTEN customer_access_changed');
    $coord->safe_psql('postgres', qq{UPDATE customer_access.external_access SET notes = 'noted' WHERE user_id = '$u49' AND role < 'L90'});
    my $heard = '';
    $heard .= $listener->query_safe('SELECT 1') for 1 .. 3;
    my @payloads = $heard =~ /notification "customer_access_changed" with payload "(.*)" received/g;
    is(scalar(@payloads), 1, 'a change through the coordinator: one notification on the coordinator');
    $listener->quit;
}

# The planner support function works inside shard queries: an index condition from the
# user's customers on the distribution column.
like($coord->safe_psql('postgres', qq{
  SET citus.explain_all_tasks = on;
  BEGIN; SET LOCAL customer_access.user_id = '$u0';
  EXPLAIN (COSTS OFF) SELECT * FROM app.orders; COMMIT;}, extra_params => ['-U', 'portal']),
     qr/Index Cond: \((?:orders\.)?customer_id = ANY \(customer_access\.accessible_customer_ids/,
     'shard queries use the lossy index condition on the distribution column');

# The DDL guard on the shards, also when Citus carries the statement.
($rc, $out, $err) = $coord->psql('postgres', q{SELECT bool_or(success) FROM run_command_on_placements(
    'customer_access.external_access', 'ALTER TABLE %s DISABLE TRIGGER ALL')});
is($out, 'f', 'run_command_on_placements cannot disable the triggers of any shard');
for my $ddl ("CREATE POLICY wide_open ON $shard_name FOR ALL TO PUBLIC USING (true) WITH CHECK (true)",
             "ALTER TABLE $shard_name OWNER TO portal",
             "ALTER INDEX customer_access.external_access_user_customer_key_" . shard_id() . " RENAME TO x",
             "DROP INDEX customer_access.external_access_customer_idx_" . shard_id(),
             "CREATE TABLE kid () INHERITS ($shard_name)",
             "CREATE TRIGGER zz AFTER INSERT ON $shard_name FOR EACH ROW EXECUTE FUNCTION customer_access.protect_owner()",
             "ALTER TABLE $shard_name DISABLE TRIGGER ALL", "DROP TRIGGER protect_owner_" . shard_id() . " ON $shard_name",
             "ALTER TABLE $shard_name RENAME TO elsewhere", "ALTER TABLE $shard_name DISABLE ROW LEVEL SECURITY",
             "CREATE TRIGGER sneak BEFORE INSERT ON $shard_name FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
             "DROP TABLE $shard_name", "ALTER TABLE $shard_name ALTER COLUMN role TYPE text") {
    ($rc, $out, $err) = $w2->psql('postgres', "SET citus.enable_manual_changes_to_shards = on; $ddl");
    like($err, qr/customer_access protects its objects/, "refused on a worker's shard: " . substr($ddl, 0, 50));
}
($rc, $out, $err) = $coord->psql('postgres', 'DROP EXTENSION customer_access CASCADE');
like($err, qr/cannot be dropped while it holds grants/, 'DROP EXTENSION is refused while the shards hold grants');

# The one exit, propagated to every node with Citus's SET LOCAL propagation.
$coord->safe_psql('postgres', qq{
  SET citus.propagate_set_commands = 'local';
  BEGIN;
  SET LOCAL customer_access.allow_owner_revoke = on;
  DELETE FROM customer_access.external_access WHERE user_id = '$owner_user' AND customer_id = '$owner_customer';
  COMMIT;});
for my $node ($coord, $w1, $w2) {
    is($node->safe_psql('postgres', qq{SET citus.override_table_visibility = off;
        SELECT count(*) FROM $shard_name WHERE user_id = '$owner_user' AND customer_id = '$owner_customer'}),
       '0', 'with the exit propagated, the Owner is revoked on ' . $node->name);
}
is($coord->safe_psql('postgres', q{SELECT owner_override FROM customer_access.external_access_history ORDER BY history_id DESC LIMIT 1}),
   't', '... and the history says so');

# Finding 3: a restore of a Citus database, pg_dump of the coordinator as Citus's
# documentation has it, keeps every grant (id, version) and the history, exactly; the restored
# database distributes its grants again.
{
    my $dump = PostgreSQL::Test::Utils::tempdir() . '/citus.dump';
    $coord->command_ok(['pg_dump', '-Fc', '-d', $coord->connstr('postgres'), '-f', $dump],
                       'pg_dump of the coordinator');
    my $restored = CitusCluster::citus_node('restored');
    # (roles are global objects: pg_dumpall --globals-only brings them; here they are made)
    $restored->safe_psql('postgres', q{DROP EXTENSION citus; CREATE ROLE portal LOGIN; CREATE ROLE backoffice LOGIN BYPASSRLS;
                                       CREATE ROLE citus_login LOGIN IN ROLE portal});
    $restored->command_ok(['pg_restore', '-d', $restored->connstr('postgres'), '--no-owner', $dump],
                          'pg_restore into a new coordinator');
    my $grants_sql = q{SELECT md5(string_agg(format('%s %s %s %s %s %s %s', id, customer_id, user_id, role, days_back_access, notes, object_version), ',' ORDER BY id))
                         FROM customer_access.external_access};
    my $history_sql = q{SELECT count(*) || ' ' || md5(string_agg(history_id::text || operation || coalesce(new_row::text, '') || coalesce(old_row::text, ''), ',' ORDER BY history_id))
                          FROM customer_access.external_access_history};
    is($restored->safe_psql('postgres', $grants_sql), $coord->safe_psql('postgres', $grants_sql),
       'the restored grants are the coordinator\'s, with their ids and versions');
    is($restored->safe_psql('postgres', $history_sql), $coord->safe_psql('postgres', $history_sql),
       'the restored history is the coordinator\'s, entry for entry');
    $restored->safe_psql('postgres', "SELECT citus_set_coordinator_host('127.0.0.1', " . $restored->port . ")");
    like($restored->safe_psql('postgres', 'SELECT customer_access.distribute()'), qr/reference table/,
         'the restored database distributes its grants again');
    is($restored->safe_psql('postgres', $grants_sql), $coord->safe_psql('postgres', $grants_sql),
       '... with the same grants') or diag($restored->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access')
                                         . ' vs ' . $coord->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access'));
    is($restored->safe_psql('postgres', $history_sql), $coord->safe_psql('postgres', $history_sql),
       '... and the same history');
    $restored->stop;
}

done_testing();

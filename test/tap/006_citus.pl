# Scale-out on Citus: a coordinator and two workers on 127.0.0.1, the grants a reference table
# (customer_access.distribute()), orders distributed by customer. For every user and every
# identity mode the policy's row count through the coordinator equals a plain join against
# the grants, in multi-shard and router queries, with windows; the identity a worker uses is
# the one the coordinator established and no other; the Owner protection, the history and
# the DDL guard hold on every node.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Digest::SHA qw(hmac_sha256_hex);

my $pkglib = `pg_config --pkglibdir`;
chomp $pkglib;
plan skip_all => 'Citus is not installed (../shared/citus/build.sh installs it)'
  unless -f "$pkglib/citus.so";

my $secret = 'tap-cluster-secret-0123456789abcdef-0123';
my @nodes;
for my $name (qw(coordinator worker1 worker2)) {
    my $node = PostgreSQL::Test::Cluster->new($name);
    $node->init;
    $node->append_conf('postgresql.conf', qq{
listen_addresses = '127.0.0.1'
shared_preload_libraries = 'citus,customer_access'
customer_access.cluster_secret = '$secret'
max_connections = 80
max_prepared_transactions = 80
citus.log_remote_commands = off
});
    $node->start;
    $node->safe_psql('postgres', 'CREATE EXTENSION citus');
    push @nodes, $node;
}
my ($coord, $w1, $w2) = @nodes;
$coord->safe_psql('postgres', "SELECT citus_set_coordinator_host('127.0.0.1', " . $coord->port . ")");
$coord->safe_psql('postgres', "SELECT citus_add_node('127.0.0.1', " . $_->port . ")") for ($w1, $w2);

sub user_id     { sprintf('a6000000-0000-0000-0000-%012d', shift) }
sub customer_id { sprintf('c6000000-0000-0000-0000-%012d', shift) }

# 50 users with 1 to 5 customers each, every role, windows of 7, 30, 90 days or none; 4,000
# orders over 100 customers and 400 days.
$coord->safe_psql('postgres', q{
  CREATE ROLE portal LOGIN;
  CREATE EXTENSION customer_access;
  INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  SELECT DISTINCT ON (u, c)
         ('c6000000-0000-0000-0000-' || lpad(c::text, 12, '0'))::uuid,
         ('a6000000-0000-0000-0000-' || lpad(u::text, 12, '0'))::uuid,
         (ARRAY['L10','L20','L30','L40','L80','L90'])[1 + (u + k) % 6]::customer_access.access_role,
         (ARRAY[NULL, 7, 30, 90])[1 + (u * 3 + k) % 4]
    FROM generate_series(0, 49) u, generate_series(0, 4) k,
         LATERAL (SELECT (u * 7 + k * 13) % 100 AS c) cc
   WHERE k <= u % 5;
});
like($coord->safe_psql('postgres', 'SELECT customer_access.distribute()'),
     qr/reference table \(shard \d+ on 3 nodes\)/, 'distribute() makes the grants a reference table on all 3 nodes');
is($coord->safe_psql('postgres', 'SELECT customer_access.distribute()') =~ /reference table/ ? 1 : 0, 1,
   'distribute() run again changes nothing');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access_history'),
   $coord->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access'),
   'distributing records no history of its own: one entry per grant, as before');

$coord->safe_psql('postgres', q{
  CREATE SCHEMA app;
  CREATE TABLE app.orders (id bigint, customer_id uuid NOT NULL, order_date date NOT NULL,
                           PRIMARY KEY (customer_id, id));
  SELECT create_distributed_table('app.orders', 'customer_id');
  INSERT INTO app.orders
  SELECT g, ('c6000000-0000-0000-0000-' || lpad((g % 100)::text, 12, '0'))::uuid,
         current_date - (g * 37 % 400)
    FROM generate_series(1, 4000) g;
  ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
  CREATE POLICY portal ON app.orders FOR SELECT TO portal
    USING (customer_access.can_access(customer_id, order_date, 'L20'));
  GRANT USAGE ON SCHEMA app TO portal;
  GRANT SELECT ON app.orders TO portal;
});

# Expiring grants (1.3): the reference table carries expires_at to every node; some grants
# expired yesterday, some expire tomorrow.
$coord->safe_psql('postgres', q{
  UPDATE customer_access.external_access SET expires_at = now() - interval '1 day'
   WHERE role < 'L90' AND get_byte(uuid_send(customer_id), 15) % 4 = 0;
  UPDATE customer_access.external_access SET expires_at = now() + interval '1 day'
   WHERE role < 'L90' AND get_byte(uuid_send(customer_id), 15) % 4 = 1;});

# Ground truth as a superuser: a plain join against the grants.
my $truth_sql = q{
  SELECT g.user_id, o.customer_id, count(*)
    FROM app.orders o JOIN customer_access.external_access g ON g.customer_id = o.customer_id
   WHERE g.role >= 'L20' AND (g.days_back_access IS NULL OR o.order_date >= current_date - g.days_back_access)
     AND (g.expires_at IS NULL OR g.expires_at > now())
   GROUP BY 1, 2};
my (%truth, %truth_pair, %some_customer);
sub load_truth {
    (%truth, %truth_pair) = ();
    for my $line (split /\n/, $coord->safe_psql('postgres', $truth_sql)) {
        my ($u, $c, $n) = split /\|/, $line;
        $truth{$u} += $n;
        $truth_pair{"$u|$c"} = $n;
    }
}
load_truth();
for my $line (split /\n/, $coord->safe_psql('postgres',
        'SELECT user_id, min(customer_id::text) FROM customer_access.external_access GROUP BY 1')) {
    my ($u, $c) = split /\|/, $line;
    $some_customer{$u} = $c;
}
ok(scalar(keys %truth) >= 20, 'the data gives most users rows to see (' . scalar(keys %truth) . ' users)');

# Runs one transaction per user as portal: `$prefix` establishes the identity of user N
# (%s), then the multi-shard count and a router count on one of the user's customers.
sub counts_for_every_user {
    my ($node, $connect, $prefix) = @_;
    my $script = '';
    for my $n (0 .. 49) {
        my $u = user_id($n);
        my $c = $some_customer{$u};
        $script .= "BEGIN;\n" . sprintf($prefix, $u) . "\n"
          . "SELECT '$u', 'all', count(*) FROM app.orders;\n"
          . "SELECT '$u', 'one', count(*) FROM app.orders WHERE customer_id = '$c';\nCOMMIT;\n";
    }
    my ($rc, $out, $err) = $node->psql('postgres', $script, extra_params => ['-U', 'portal', '-At', '-q', @$connect]);
    my (%all, %one);
    for my $line (split /\n/, $out) {
        my ($u, $kind, $n) = split /\|/, $line;
        next unless defined $n;
        ($kind eq 'all' ? \%all : \%one)->{$u} = $n;
    }
    return (\%all, \%one, $err);
}

sub matches_truth {
    my ($label, $all, $one) = @_;
    my @wrong;
    for my $n (0 .. 49) {
        my $u = user_id($n);
        my $c = $some_customer{$u};
        push @wrong, "$u all: " . ($all->{$u} // 'none') . ' vs ' . ($truth{$u} // 0)
          if ($all->{$u} // -1) != ($truth{$u} // 0);
        push @wrong, "$u one: " . ($one->{$u} // 'none') . ' vs ' . ($truth_pair{"$u|$c"} // 0)
          if ($one->{$u} // -1) != ($truth_pair{"$u|$c"} // 0);
    }
    is(scalar(@wrong), 0, "$label: the policy's counts equal the ground truth for all 50 users, multi-shard and router")
      or diag(join("\n", @wrong[0 .. ($#wrong < 9 ? $#wrong : 9)]));
}

# identity = setting (default), transaction scope.
my ($all, $one, $err) = counts_for_every_user($coord, [], "SET LOCAL customer_access.user_id = '%s';");
matches_truth('setting', $all, $one);
# The same through set_config(..., true), which Citus itself never propagates.
($all, $one, $err) = counts_for_every_user($coord, [], "SELECT set_config('customer_access.user_id', '%s', true) \\g /dev/null");
matches_truth('setting by set_config', $all, $one);

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
   join("\n", $truth{$u0} // 0, $truth{$u1} // 0, $truth{$u0} // 0, $truth{$u1} // 0),
   'a user changed within a transaction, and in a savepoint rolled back, is the user the workers check');

# A session-level SET is not an identity in transaction scope: nothing, and the WARNING.
my ($rc, $out);
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
    SELECT count(*) FROM app.orders WHERE customer_id = '$some_customer{$u1}';}, extra_params => ['-U', 'portal']),
   ($truth{$u1} // 0) . "\n" . ($truth_pair{"$u1|$some_customer{$u1}"} // 0),
   'session scope: autocommit statements on the workers check the session\'s user');
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
load_truth();
is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$newcomer'; SELECT count(*) FROM app.orders; COMMIT;},
                     extra_params => ['-U', 'portal']), $truth{$newcomer} // 0,
   'the newcomer sees exactly the Admin\'s customer\'s rows the grant allows');
is($coord->safe_psql('postgres', qq{SELECT application_user_id FROM customer_access.external_access_history
                                    WHERE new_row ->> 'user_id' = '$newcomer'}), $admin,
   'the history names the Admin as the application user');

# identity = claims (PostgREST's set_config of request.jwt.claims, never propagated by Citus).
$coord->safe_psql('postgres', q{ALTER DATABASE postgres SET customer_access.identity = 'claims'});
($all, $one, $err) = counts_for_every_user($coord, [],
    q{SELECT set_config('request.jwt.claims', '{"sub": "%s", "role": "portal"}', true) \\g /dev/null});
matches_truth('claims', $all, $one);
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
        my $c = $some_customer{$u};
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
    matches_truth('token', \%a, \%o);
}
($rc, $out, $err) = $coord->psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$u0'; SELECT count(*) FROM app.orders; COMMIT;},
                                 extra_params => ['-U', 'portal']);
like($err, qr/cannot be set when customer_access.identity is "token"/, 'token: claiming a user with SET LOCAL is refused');

# identity = login: the login role's row of login_users, on the workers too.
$coord->safe_psql('postgres', qq{
  CREATE ROLE citus_login LOGIN IN ROLE portal;
  INSERT INTO customer_access.login_users (login, user_id) VALUES ('citus_login', '$u1');
  ALTER DATABASE postgres SET customer_access.identity = 'login';});
is($coord->safe_psql('postgres', 'SELECT count(*) FROM app.orders', extra_params => ['-U', 'citus_login']),
   $truth{$u1} // 0, 'login: the login role\'s user is the user the workers check');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM app.orders', extra_params => ['-U', 'portal']), '0',
   'login: a login without a row sees nothing');
$coord->safe_psql('postgres', q{ALTER DATABASE postgres RESET customer_access.identity});

# A worker never answers for a user the coordinator did not establish.
my $check = qq{SELECT customer_access.can_access('$some_customer{$u0}', 'L10')};
{
    local $ENV{PGAPPNAME} = 'citus_internal gpid=10000000001';
    ($rc, $out, $err) = $w1->psql('postgres', $check, extra_params => ['-U', 'portal']);
    like($err, qr/did not reach this Citus node.*\n.*No identity came/,
         'a shard-query connection without a carrier is refused (28000), not answered');
    ($rc, $out, $err) = $w1->psql('postgres', "BEGIN; SET LOCAL customer_access.carrier = 'ca1.1.1.u.00.00.00'; $check; COMMIT;",
                                  extra_params => ['-U', 'portal']);
    like($err, qr/seal does not hold/, 'a forged carrier is refused');
    # A well-sealed carrier (this test knows the cluster's secret) for another transaction.
    my $hex = join '', map { sprintf '%02x', $_ } unpack 'C*', pack 'H*', join '', split /-/, $u0;
    my $role = unpack 'H*', 'portal';
    my $now = $w1->safe_psql('postgres', q{SELECT (extract(epoch FROM now() - '2000-01-01 00:00:00+00') * 1000000)::bigint});
    my $body = "ca2.1.424242.$now.$now.10000000001.r.u.$hex.$role.";
    my $mac = hmac_sha256_hex("ca2\0postgres\0$body", $secret);
    ($rc, $out, $err) = $w1->psql('postgres', "BEGIN; SET LOCAL customer_access.carrier = '$body.$mac'; $check; COMMIT;",
                                  extra_params => ['-U', 'portal']);
    like($err, qr/sealed for another distributed transaction/, 'a carrier replayed outside its distributed transaction is refused');
}
# On the coordinator nobody sets a carrier: a session could send one it read to the workers.
($rc, $out, $err) = $coord->psql('postgres', "SET citus.propagate_set_commands = 'local'; BEGIN; SET LOCAL customer_access.carrier = 'ca2.x'; COMMIT;",
                                 extra_params => ['-U', 'portal']);
like($err, qr/customer_access.carrier is set by customer_access only/, 'the coordinator refuses SET customer_access.carrier');
# On the coordinator no connection's carrier is believed (any session could present one).
{
    local $ENV{PGAPPNAME} = 'citus_internal gpid=10000000001';
    ($rc, $out, $err) = $coord->psql('postgres', $check, extra_params => ['-U', 'portal']);
    like($err, qr/coordinator takes no identity from a connection/, 'the coordinator refuses to take an identity from a connection');
}
# A worker's own settings never name a user: not in a direct session, not through Citus's
# own utilities (whose connections are not shard-query connections).
is($w1->safe_psql('postgres', qq{SET customer_access.user_id = '$u0'; $check}, extra_params => ['-U', 'portal']), 'f',
   'a direct session on a worker cannot claim a user with its settings');
is($coord->safe_psql('postgres', qq{SELECT string_agg(result, ',') FROM run_command_on_workers(
     \$\$SELECT customer_access.can_access('$some_customer{$u0}', 'L10') FROM (SELECT set_config('customer_access.user_id', '$u0', true)) s\$\$)},
     extra_params => ['-U', 'portal']), 'f,f', 'run_command_on_workers cannot claim a user on the workers');
# Any session on a worker: a carrier that does not hold is an error, never an identity.
($rc, $out, $err) = $w1->psql('postgres', "BEGIN; SET LOCAL customer_access.carrier = 'x'; $check; COMMIT;",
                              extra_params => ['-U', 'portal']);
like($err, qr/seal does not hold/, 'an ordinary session on a worker gets no identity from a forged carrier');

# COPY ... TO and cursors go with the identity current when they run.
is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$u0';
    COPY app.orders TO STDOUT; COMMIT;}, extra_params => ['-U', 'portal']) =~ tr/\n// + 1,
   $truth{$u0} // 0, 'COPY ... TO as the first statement sees the user\'s rows');
is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$u0';
    DECLARE c CURSOR FOR SELECT count(*) FROM app.orders;
    SET LOCAL customer_access.user_id = '$u1';
    FETCH ALL FROM c; COMMIT;}, extra_params => ['-U', 'portal']), $truth{$u1} // 0,
   'a cursor fetched after the user changed counts for the user at the fetch, as on one node');
# Claims too large to send to every node are refused, not sent.
$coord->safe_psql('postgres', q{ALTER DATABASE postgres SET customer_access.identity = 'claims'});
($rc, $out, $err) = $coord->psql('postgres', qq{BEGIN;
    SELECT set_config('request.jwt.claims', '{"sub": "$u0", "pad": "' || repeat('x', 20000) || '"}', true) \\g /dev/null
    SELECT count(*) FROM app.orders; COMMIT;}, extra_params => ['-U', 'portal']);
like($err, qr/claims are too large to hand to the Citus nodes/, 'claims over 8 kB are refused (54000), not sent to every node');
$coord->safe_psql('postgres', q{ALTER DATABASE postgres RESET customer_access.identity});

# A copy of the grants changes only by Citus, for a change of the table.
my $shard_name = 'customer_access.external_access_' . shard_id();
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

# Owner protection through the coordinator, on every node.
my $owner = $coord->safe_psql('postgres', q{SELECT user_id || '|' || customer_id FROM customer_access.external_access WHERE role = 'L90' ORDER BY 1 LIMIT 1});
my ($owner_user, $owner_customer) = split /\|/, $owner;
my $history_before = $coord->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access_history');
for my $change ("DELETE FROM customer_access.external_access WHERE user_id = '$owner_user' AND customer_id = '$owner_customer'",
                "UPDATE customer_access.external_access SET role = 'L80' WHERE user_id = '$owner_user' AND customer_id = '$owner_customer'",
                "TRUNCATE customer_access.external_access") {
    ($rc, $out, $err) = $coord->psql('postgres', $change, on_error_stop => 1);
    like($err, qr/Owner access cannot be revoked/, "refused through the coordinator: " . substr($change, 0, 40));
}
for my $node ($coord, $w1, $w2) {
    is($node->safe_psql('postgres', qq{SET citus.override_table_visibility = off;
        SELECT role FROM customer_access.external_access_} . shard_id() . qq{ WHERE user_id = '$owner_user' AND customer_id = '$owner_customer'}),
       'L90', 'the Owner is intact on ' . $node->name);
}
is($coord->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access_history'), $history_before,
   'the refused changes left no history');
for my $node ($w1, $w2) {
    is($node->safe_psql('postgres', 'SELECT count(*) FROM customer_access.external_access_history'), '0',
       'workers record no history: ' . $node->name);
}

sub shard_id {
    return $coord->safe_psql('postgres', q{SELECT shardid FROM pg_dist_shard WHERE logicalrelid = 'customer_access.external_access'::regclass});
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
load_truth();
# (its Owner grant, with a window, stays as it was)
cmp_ok($truth{$u49}, '>', 3900, 'the new grants cover nearly every order');
is($coord->safe_psql('postgres', qq{BEGIN; SET LOCAL customer_access.user_id = '$u49'; SELECT count(*) FROM app.orders; COMMIT;},
                     extra_params => ['-U', 'portal']), $truth{$u49},
   'the next statement sees the new grants on both workers');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM customer_access.external_access_history
                                    WHERE application_user_id = 'ad000000-0000-0000-0000-000000000001'}),
   $coord->safe_psql('postgres', qq{SELECT count(*) FROM customer_access.external_access WHERE user_id = '$u49' AND role <> 'L90'}),
   'one history entry per changed grant, with the application user, recorded once');

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
my $shard = 'customer_access.external_access_' . shard_id();
for my $ddl ("CREATE POLICY wide_open ON $shard FOR ALL TO PUBLIC USING (true) WITH CHECK (true)",
             "ALTER TABLE $shard OWNER TO portal",
             "ALTER INDEX customer_access.external_access_user_customer_key_" . shard_id() . " RENAME TO x",
             "DROP INDEX customer_access.external_access_customer_idx_" . shard_id(),
             "CREATE TABLE kid () INHERITS ($shard)",
             "CREATE TRIGGER zz AFTER INSERT ON $shard FOR EACH ROW EXECUTE FUNCTION customer_access.protect_owner()",
             "ALTER TABLE $shard DISABLE TRIGGER ALL", "DROP TRIGGER protect_owner_" . shard_id() . " ON $shard",
             "ALTER TABLE $shard RENAME TO elsewhere", "ALTER TABLE $shard DISABLE ROW LEVEL SECURITY",
             "CREATE TRIGGER sneak BEFORE INSERT ON $shard FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
             "DROP TABLE $shard", "ALTER TABLE $shard ALTER COLUMN role TYPE text") {
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
        SELECT count(*) FROM $shard WHERE user_id = '$owner_user' AND customer_id = '$owner_customer'}),
       '0', 'with the exit propagated, the Owner is revoked on ' . $node->name);
}
is($coord->safe_psql('postgres', q{SELECT owner_override FROM customer_access.external_access_history ORDER BY history_id DESC LIMIT 1}),
   't', '... and the history says so');

done_testing();

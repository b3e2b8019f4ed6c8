# Behind pgbouncer in transaction pooling, with many concurrent clients on few server
# connections, no request ever sees rows of another client's user: in every identity mode,
# for correct use and for the misuse that leaked in 1.1 (plain SET, a user set once per
# connection, a request that sets none). A control run in session scope shows the test sees
# leaks when they happen. In mode token, the tokens the clients bind as parameters are never
# visible to another session of the same role (pg_stat_activity, pg_stat_statements), nor in
# the server log at default settings, also for refused tokens; a token sent as a literal is
# refused and hidden from pg_stat_activity afterwards.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;

my $pgbouncer = '/usr/sbin/pgbouncer';
plan skip_all => 'pgbouncer is not installed' unless -x $pgbouncer;

my $node = PostgreSQL::Test::Cluster->new('pooled');
$node->init;
# PostgreSQL's defaults for what the log keeps (the test framework logs every statement),
# and pg_stat_statements, tracking nested statements too.
$node->append_conf('postgresql.conf', qq{max_connections = 40
log_statement = none
log_min_error_statement = error
log_parameter_max_length_on_error = 0
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
});
$node->start;

$node->safe_psql('postgres', q{
  CREATE ROLE portal;
  CREATE ROLE portal_login LOGIN IN ROLE portal;
  ALTER ROLE portal_login SET role = 'portal';
});
my $setup = q{
  CREATE EXTENSION customer_access;
  INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  SELECT ('c5' || lpad(to_hex(n), 30, '0'))::uuid, ('a5' || lpad(to_hex(n), 30, '0'))::uuid, 'L20', NULL
    FROM generate_series(0, 39) n;
  CREATE TABLE portal_orders (id serial, customer_id uuid NOT NULL);
  INSERT INTO portal_orders (customer_id)
  SELECT ('c5' || lpad(to_hex(n), 30, '0'))::uuid FROM generate_series(0, 39) n, generate_series(1, 5);
  ALTER TABLE portal_orders ENABLE ROW LEVEL SECURITY;
  CREATE POLICY portal ON portal_orders FOR SELECT TO portal USING (customer_access.can_access(customer_id, 'L20'));
  GRANT SELECT ON portal_orders TO portal;
  GRANT USAGE ON SCHEMA customer_access TO portal;
  CREATE EXTENSION pg_stat_statements;
};
my %modes = (
    setting => "ALTER DATABASE %s SET customer_access.identity = 'setting'",
    claims  => "ALTER DATABASE %s SET customer_access.identity = 'claims'",
    token   => "ALTER DATABASE %s SET customer_access.identity = 'token'",
    session => "ALTER DATABASE %s SET customer_access.identity_scope = 'session'",
);
for my $db (sort keys %modes) {
    $node->safe_psql('postgres', "CREATE DATABASE $db");
    $node->safe_psql($db, $setup);
    $node->safe_psql('postgres', sprintf($modes{$db}, $db));
}

# Tokens for mode token: one HS256 key, one token per user, made with python3-jwt; and for
# each user an expired one and a forged one (another signature), which are refused.
my $tokens_file = $node->basedir . '/tokens.json';
my $secret = 'pgbouncer-test-secret-0123456789abcdef';
system('/usr/bin/python3', '-c', q{
import base64, json, os, sys, time, jwt
secret, out = sys.argv[1], sys.argv[2]
def token(n, exp):
    return jwt.encode({"sub": "a5%030x" % n, "exp": int(time.time()) + exp}, secret.encode(),
                      algorithm="HS256", headers={"kid": "portal"})
tokens = {}
for n in range(40):
    tokens[str(n)] = token(n, 3600)
    tokens["expired:%d" % n] = token(n, -3600)
    tokens["forged:%d" % n] = token(n, 3600).rsplit(".", 1)[0] + "." + \
        base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
json.dump(tokens, open(out, "w"))
}, $secret, $tokens_file) == 0 or die "could not make tokens";
my $k = `/usr/bin/python3 -c 'import base64,sys; print(base64.urlsafe_b64encode(sys.argv[1].encode()).rstrip(b"=").decode())' $secret`;
chomp $k;
$node->safe_psql('token', qq{INSERT INTO customer_access.trusted_keys (kid, jwk) VALUES ('portal', '{"kty": "oct", "k": "$k"}')});

# pgbouncer: transaction pooling, two server connections per database for 8 clients.
my $bouncer_port = PostgreSQL::Test::Cluster::get_free_port();
my $dir = $node->basedir . '/pgbouncer';
mkdir $dir;
my $node_port = $node->port;
my $host = $node->host;
open my $ini, '>', "$dir/pgbouncer.ini" or die;
print $ini "[databases]\n";
print $ini "$_ = host=$host port=$node_port dbname=$_ user=portal_login\n" for sort keys %modes;
print $ini <<"INI";
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 2
max_client_conn = 100
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
close $ini;
system($pgbouncer, '-d', "$dir/pgbouncer.ini") == 0 or die "pgbouncer did not start";
for (1 .. 50) { last if -s "$dir/pgbouncer.pid"; select(undef, undef, undef, 0.1); }

my $client = $ENV{TESTDIR} . '/pgbouncer/client.py';
sub run_client {
    my ($db, $style, $threads, $per_thread) = @_;
    my @cmd = ('/usr/bin/python3', $client, '127.0.0.1', $bouncer_port, $db, $style, $threads, $per_thread);
    push @cmd, $tokens_file if $style =~ /^token/;
    my $out = `@cmd`;
    die "client failed: $out" if $? != 0;
    my $r = decode_json($out);
    note("$db/$style: " . $out);
    return $r;
}

# Correct use in each mode: every request sees exactly its own user's rows. In mode token a
# second session of the same role polls pg_stat_activity and pg_stat_statements meanwhile.
my $watch = $ENV{TESTDIR} . '/pgbouncer/token_watch.py';
my $stop_file = $node->basedir . '/stop_watching';
my $watch_out = $node->basedir . '/watch.json';
for my $case (['setting', 'set_local'], ['claims', 'claims'], ['token', 'token']) {
    my ($db, $style) = @$case;
    my $watcher;
    if ($style eq 'token') {
        $watcher = fork();
        die "fork: $!" unless defined $watcher;
        if ($watcher == 0) {
            open STDOUT, '>', $watch_out or die;
            exec('/usr/bin/python3', $watch, 'poll', $host, $node_port, 'token', $tokens_file, $stop_file);
        }
        sleep 1;
    }
    my $r = run_client($db, $style, 8, 500);
    is($r->{requests}, 4000, "$db/$style: 4000 requests");
    is($r->{cross_user_requests}, 0, "$db/$style: no request saw another user's rows");
    is($r->{requests_with_rows}, 4000, "$db/$style: every request saw its own user's rows");
    is($r->{errors}, 0, "$db/$style: no errors");
    next unless $style eq 'token';

    # Refused tokens (expired, forged), bound as parameters too, with the watcher still polling
    $r = run_client('token', 'token_refused', 4, 100);
    is($r->{refused}, 400, 'token/token_refused: 400 expired or forged tokens refused with 28000');
    is($r->{errors} + $r->{cross_user_requests} + $r->{rows}, 0, '... and nothing else happened');
    open my $stop, '>', $stop_file or die;
    close $stop;
    waitpid($watcher, 0);
    my $w = decode_json(PostgreSQL::Test::Utils::slurp_file($watch_out));
    note('watcher: ' . encode_json($w));
    cmp_ok($w->{polls}, '>', 100, "the watcher polled pg_stat_activity and pg_stat_statements $w->{polls} times");
    ok($w->{pg_stat_statements}, 'pg_stat_statements was readable to the watcher');
    ok(scalar(grep { /authenticate\(\$1\)/ } @{$w->{authenticate_texts}}),
       'the watcher saw the statement texts: authenticate($1)');
    is($w->{tokens_seen}, 0, "a second session of the same role saw no token in 4,400 requests ($w->{distinct_texts} distinct texts)");
}

# A token sent as a literal (psycopg's client-side binding, as psycopg2 always does) is
# refused with a hint to bind it, and pg_stat_activity no longer shows it afterwards.
{
    my $out = `/usr/bin/python3 $watch literal $host $node_port token $tokens_file`;
    die "token_watch literal failed: $out" if $? != 0;
    my $l = decode_json($out);
    note('literal: ' . $out);
    is($l->{sqlstate}, '28000', 'a literal token is refused (28000)');
    like($l->{hint}, qr/bind parameter/, '... with a hint to send it as a bind parameter');
    like($l->{observer_text}, qr/statement hidden/, '... and another session sees in pg_stat_activity that it was hidden');
    ok(!$l->{observer_saw_token}, '... not the token');
}

# The server log at default settings holds none of the tokens: neither the accepted and
# refused ones bound as parameters, nor the literal one.
{
    my $log = PostgreSQL::Test::Utils::slurp_file($node->logfile);
    my $tokens = decode_json(PostgreSQL::Test::Utils::slurp_file($tokens_file));
    my $in_log = grep { my $sig = (split /\./, $_)[2]; index($log, $sig) >= 0 } values %$tokens;
    is($in_log, 0, 'the server log holds no token (' . scalar(keys %$tokens) . ' tokens checked)');
    like($log, qr/token rejected: expired/, '... though it logged the refusals');
}
# Misuse fails closed in transaction scope: never another user's rows.
for my $style ('plain_set', 'once', 'forget') {
    my $r = run_client('setting', $style, 8, 500);
    is($r->{requests}, 4000, "setting/$style: 4000 requests");
    is($r->{cross_user_requests}, 0, "setting/$style: no request saw another user's rows");
}
# In token mode no SQL can claim a user: a plain SET fails and sees nothing.
my $r = run_client('token', 'plain_set', 4, 250);
is($r->{cross_user_requests} + $r->{rows}, 0, 'token/plain_set: nothing seen, nothing leaked');
# Control: the 1.1 behaviour (session scope) with plain SET does leak under the pooler, so
# the assertions above would have caught a leak.
$r = run_client('session', 'plain_set', 8, 500);
cmp_ok($r->{cross_user_requests}, '>', 0, "session/plain_set control: the test detects leaks ($r->{cross_user_requests} of 4000)");

# Values given outside any transaction of the request are not used in transaction scope:
# connection options and ALTER ROLE ... SET (and they are in session scope).
$node->safe_psql('postgres', q{CREATE ROLE portal_preset LOGIN IN ROLE portal});
$node->safe_psql('postgres', q{ALTER ROLE portal_preset SET customer_access.user_id = 'a5000000-0000-0000-0000-000000000001'});
my $who = q{SELECT coalesce(customer_access.current_user_id()::text, 'none')};
my ($stdout, $stderr);
for my $db ('setting', 'session') {
    my $expected = $db eq 'session' ? 'a5000000-0000-0000-0000-000000000001' : 'none';
    $node->psql($db, $who, stdout => \$stdout, stderr => \$stderr,
                extra_params => ['-U', 'portal_preset']);
    is($stdout, $expected, "$db: ALTER ROLE ... SET customer_access.user_id gives " . $expected);
    local $ENV{PGOPTIONS} = '-c customer_access.user_id=a5000000-0000-0000-0000-000000000002';
    $node->psql($db, $who, stdout => \$stdout, stderr => \$stderr);
    is($stdout, $db eq 'session' ? 'a5000000-0000-0000-0000-000000000002' : 'none',
       "$db: a connection option gives " . ($db eq 'session' ? 'that user' : 'none'));
}

# A role that may not set the identity mode cannot undo the DBA's mode by a connection option
# given before the module loads: PostgreSQL refuses the option, the DBA's value is lost with it,
# and customer_access then uses no user at all in that session (fail closed).
{
    local $ENV{PGOPTIONS} = '-c customer_access.identity=setting';
    $node->psql('token', q{BEGIN; SET LOCAL customer_access.user_id = 'a5000000-0000-0000-0000-000000000001';
                           SELECT coalesce(customer_access.current_user_id()::text, 'none'), count(*) FROM portal_orders; COMMIT;},
                stdout => \$stdout, stderr => \$stderr, extra_params => ['-U', 'portal_login']);
    is($stdout, 'none|0', 'an overriding connection option leaves no user, not mode setting');
    like($stderr, qr/uses no application user in this session/, '... and says why');
}

open my $pidfile, '<', "$dir/pgbouncer.pid" or die "no pgbouncer pid file";
my $pid = <$pidfile>;
chomp $pid;
ok(kill('TERM', $pid), 'pgbouncer stopped');
done_testing();

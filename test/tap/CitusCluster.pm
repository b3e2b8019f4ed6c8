# Shared by the Citus TAP suites (006_citus.pl, 008_citus_topology.pl): nodes preloaded with
# Citus and customer_access and the same cluster secret, the suites' grants and orders, and
# the ground truth every policy-protected count is compared against (a plain join against the
# grants, as a superuser).
package CitusCluster;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(citus_installed citus_node citus_cluster user_id customer_id load_grants
  load_orders ground_truth some_customers counts_for_every_user matches_truth copy_digests
  grants_shard_id $cluster_secret);

our $cluster_secret = 'tap-cluster-secret-0123456789abcdef-0123';

sub citus_installed {
    my $pkglib = `pg_config --pkglibdir`;
    chomp $pkglib;
    return -f "$pkglib/citus.so";
}

# A started node with Citus and customer_access preloaded, the secret set and Citus created.
sub citus_node {
    my ($name, %opts) = @_;
    my $node = PostgreSQL::Test::Cluster->new($name);
    $node->init;
    my $secret = exists $opts{secret} ? $opts{secret} : $cluster_secret;
    $node->append_conf('postgresql.conf', qq{
listen_addresses = '127.0.0.1'
shared_preload_libraries = 'citus,customer_access'
max_connections = 100
max_prepared_transactions = 100
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
citus.log_remote_commands = off
} . (defined $secret ? "customer_access.cluster_secret = '$secret'\n" : ''));
    $node->start;
    $node->safe_psql('postgres', 'CREATE EXTENSION citus');
    return $node;
}

# The coordinator and the workers, in the metadata.
sub citus_cluster {
    my (@names) = @_;
    my @nodes = map { citus_node($_) } @names;
    my $coord = $nodes[0];
    $coord->safe_psql('postgres',
        "SELECT citus_set_coordinator_host('127.0.0.1', " . $coord->port . ")");
    $coord->safe_psql('postgres', "SELECT citus_add_node('127.0.0.1', " . $_->port . ")")
      for @nodes[1 .. $#nodes];
    return @nodes;
}

sub user_id     { sprintf('a6000000-0000-0000-0000-%012d', shift) }
sub customer_id { sprintf('c6000000-0000-0000-0000-%012d', shift) }

# 50 users with 1 to 5 customers each, every role, windows of 7, 30, 90 days or none.
sub load_grants {
    my ($coord) = @_;
    $coord->safe_psql('postgres', q{
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
}

# 4,000 orders over 100 customers and 400 days, distributed by customer, with the policy for
# the role `portal`; 4,000 items (distributed by customer too, no policy) for joins that
# Citus cannot push down.
sub load_orders {
    my ($coord) = @_;
    $coord->safe_psql('postgres', q{
  CREATE SCHEMA app;
  CREATE TABLE app.orders (id bigint, customer_id uuid NOT NULL, order_date date NOT NULL,
                           PRIMARY KEY (customer_id, id));
  SELECT create_distributed_table('app.orders', 'customer_id');
  INSERT INTO app.orders
  SELECT g, ('c6000000-0000-0000-0000-' || lpad((g % 100)::text, 12, '0'))::uuid,
         current_date - (g * 37 % 400)
    FROM generate_series(1, 4000) g;
  CREATE TABLE app.items (id bigint, order_id bigint NOT NULL, customer_id uuid NOT NULL);
  SELECT create_distributed_table('app.items', 'customer_id', shard_count := 4);
  INSERT INTO app.items
  SELECT g, 1 + (g * 7) % 4000, ('c6000000-0000-0000-0000-' || lpad((g % 13)::text, 12, '0'))::uuid
    FROM generate_series(1, 4000) g;
  ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
  CREATE POLICY portal ON app.orders FOR SELECT TO portal
    USING (customer_access.can_access(customer_id, order_date, 'L20'));
  GRANT USAGE ON SCHEMA app TO portal;
  GRANT SELECT ON app.orders, app.items TO portal;
});
}

# What a user may see of the orders: the policy's rule as a plain join, as a superuser.
# `$from` (default app.orders) may be any query over app.orders aliased o.
sub ground_truth {
    my ($coord, %opts) = @_;
    my $orders = $opts{orders} // 'app.orders';
    my $sql = qq{
  SELECT g.user_id, o.customer_id, count(*)
    FROM $orders o JOIN customer_access.external_access g ON g.customer_id = o.customer_id
   WHERE g.role >= 'L20' AND (g.days_back_access IS NULL OR o.order_date >= current_date - g.days_back_access)
     AND (g.expires_at IS NULL OR g.expires_at > now())
   GROUP BY 1, 2};
    my (%all, %pair);
    for my $line (split /\n/, $coord->safe_psql('postgres', $sql)) {
        my ($u, $c, $n) = split /\|/, $line;
        $all{$u} += $n;
        $pair{"$u|$c"} = $n;
    }
    return { all => \%all, pair => \%pair };
}

# One customer of each user (for the router queries).
sub some_customers {
    my ($coord) = @_;
    my %some;
    for my $line (split /\n/, $coord->safe_psql('postgres',
            'SELECT user_id, min(customer_id::text) FROM customer_access.external_access GROUP BY 1')) {
        my ($u, $c) = split /\|/, $line;
        $some{$u} = $c;
    }
    return \%some;
}

# One transaction per user as `portal` on `$node`: `$prefix` establishes the identity of user
# N (%s), then the multi-shard count and a router count on one of the user's customers.
sub counts_for_every_user {
    my ($node, $some, $connect, $prefix, %opts) = @_;
    my $user = $opts{user} // 'portal';
    my $script = '';
    for my $n (0 .. 49) {
        my $u = user_id($n);
        my $c = $some->{$u} // customer_id(0);
        $script .= "BEGIN;\n" . sprintf($prefix, $u) . "\n"
          . "SELECT '$u', 'all', count(*) FROM app.orders;\n"
          . "SELECT '$u', 'one', count(*) FROM app.orders WHERE customer_id = '$c';\nCOMMIT;\n";
    }
    my ($rc, $out, $err) = $node->psql('postgres', $script,
        extra_params => ['-U', $user, '-At', '-q', @$connect]);
    my (%all, %one);
    for my $line (split /\n/, $out) {
        my ($u, $kind, $n) = split /\|/, $line;
        next unless defined $n;
        ($kind eq 'all' ? \%all : \%one)->{$u} = $n;
    }
    return (\%all, \%one, $err);
}

sub matches_truth {
    my ($label, $truth, $some, $all, $one) = @_;
    my @wrong;
    for my $n (0 .. 49) {
        my $u = user_id($n);
        my $c = $some->{$u} // customer_id(0);
        push @wrong, "$u all: " . ($all->{$u} // 'none') . ' vs ' . ($truth->{all}{$u} // 0)
          if ($all->{$u} // -1) != ($truth->{all}{$u} // 0);
        push @wrong, "$u one: " . ($one->{$u} // 'none') . ' vs ' . ($truth->{pair}{"$u|$c"} // 0)
          if ($one->{$u} // -1) != ($truth->{pair}{"$u|$c"} // 0);
    }
    my $total = 0;
    $total += $_ for values %{ $truth->{all} };
    is(scalar(@wrong), 0,
        "$label: the policy's counts equal the ground truth for all 50 users ($total rows), multi-shard and router")
      or diag(join("\n", @wrong[0 .. ($#wrong < 9 ? $#wrong : 9)]));
    return $total;
}

# The rows of this node's copy of the grants, as a digest (id, customer, user, role, window,
# notes, version), and their number.
sub copy_digests {
    my ($node) = @_;
    return $node->safe_psql('postgres', q{
  SET citus.override_table_visibility = off;
  SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), ''))
    FROM (SELECT id, customer_id, user_id, role, days_back_access, notes, object_version
            FROM customer_access.external_access_} . grants_shard_id($node) . q{) t});
}

sub grants_shard_id {
    my ($node) = @_;
    return $node->safe_psql('postgres', q{SELECT shardid FROM pg_dist_shard
                                            WHERE logicalrelid = 'customer_access.external_access'::regclass});
}

1;

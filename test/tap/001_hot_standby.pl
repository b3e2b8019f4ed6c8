# A streaming hot standby answers the access checks and policy-protected queries exactly as
# its primary, and sees a new grant once it has replayed it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', q{
  CREATE EXTENSION customer_access;
  CREATE TABLE orders (id int PRIMARY KEY, customer_id uuid NOT NULL, order_date date NOT NULL);
  CREATE INDEX ON orders (customer_id);
  INSERT INTO orders SELECT g, ('c7' || lpad(to_hex(g % 40), 30, '0'))::uuid, current_date - g % 400
    FROM generate_series(1, 20000) g;
  INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
    SELECT ('c7' || lpad(to_hex((u * 3 + j) % 40), 30, '0'))::uuid, ('a7' || lpad(to_hex(u), 30, '0'))::uuid,
           (ARRAY['L10','L20','L30','L40','L80'])[1 + (u + j) % 5]::customer_access.access_role,
           (ARRAY[NULL, 0, 30, 365])[1 + (u + j) % 4]
      FROM generate_series(1, 30) u, generate_series(0, u % 4) j;
  CREATE ROLE portal;
  GRANT SELECT ON orders TO portal;
  ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
  CREATE POLICY portal_orders ON orders FOR SELECT TO portal
    USING (customer_access.can_access(customer_id, order_date, 'L20'));
  ANALYZE;
});

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;

# Every user's visible orders through the policy, and the checks over every pair.
my $visible = q{
  CREATE TEMP TABLE IF NOT EXISTS seen (u int, n bigint);
  TRUNCATE seen;
  DO $$
  DECLARE n bigint;
  BEGIN
    FOR u IN 0..31 LOOP
      PERFORM set_config('customer_access.user_id', ('a7' || lpad(to_hex(u), 30, '0')), true);
      SET LOCAL ROLE portal;
      SELECT count(*) INTO n FROM orders;
      RESET ROLE;
      INSERT INTO seen VALUES (u, n);
    END LOOP;
  END $$;
  SELECT string_agg(u || ':' || n, ' ' ORDER BY u) FROM seen;
};
my $checks = q{
  SELECT md5(string_agg(customer_access.has_customer_access(('a7' || lpad(to_hex(u), 30, '0'))::uuid,
                        ('c7' || lpad(to_hex(c), 30, '0'))::uuid, current_date - d, r)::text, '' ORDER BY u, c, d, r))
    FROM generate_series(0, 31) u, generate_series(0, 39) c, unnest(ARRAY[0, 31, 400]) d,
         unnest(ARRAY['L10', 'L30', 'L80']::customer_access.access_role[]) r;
};
# A standby cannot create temp tables: count per user with a plain query instead.
my $visible_ro = q{
  SELECT string_agg(u || ':' || n, ' ' ORDER BY u) FROM (
    SELECT u, (SELECT count(*) FROM orders o
                WHERE customer_access.has_customer_access(('a7' || lpad(to_hex(u), 30, '0'))::uuid,
                                                           o.customer_id, o.order_date, 'L20')) AS n
      FROM generate_series(0, 31) u) x;
};

$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
is($standby->safe_psql('postgres', $checks), $primary->safe_psql('postgres', $checks),
   'the checks answer the same on the standby');
is($standby->safe_psql('postgres', $visible_ro), $primary->safe_psql('postgres', $visible_ro),
   'visible rows per user are the same on the standby');
my $policy_on_primary = $primary->safe_psql('postgres', $visible);
like($policy_on_primary, qr/^0:0 1:\d+/, 'the policy counts are computed on the primary');
my $policy_on_standby = $standby->safe_psql('postgres', q{
  BEGIN;
  SET LOCAL ROLE portal;
  SET LOCAL customer_access.user_id = 'a7000000-0000-0000-0000-000000000003';
  SELECT count(*) FROM orders;
  COMMIT;
});
my ($three) = $policy_on_primary =~ /\b3:(\d+)/;
is($policy_on_standby, $three, 'a policy-protected query on the standby sees what the primary shows');

# A new grant appears on the standby after replay.
my $new_grant = q{SELECT customer_access.has_customer_access('a7000000-0000-0000-0000-0000000000ff',
                   'c7000000-0000-0000-0000-000000000001', 'L40')};
is($standby->safe_psql('postgres', $new_grant), 'f', 'no grant yet on the standby');
$primary->safe_psql('postgres', q{INSERT INTO customer_access.external_access (customer_id, user_id, role)
  VALUES ('c7000000-0000-0000-0000-000000000001', 'a7000000-0000-0000-0000-0000000000ff', 'Billing')});
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
is($standby->safe_psql('postgres', $new_grant), 't', 'the standby sees the grant after replay');
is($standby->safe_psql('postgres', q{SELECT count(*) FROM customer_access.accessible_customers('a7000000-0000-0000-0000-0000000000ff')}),
   '1', 'accessible_customers on the standby');

# Writes are refused on the standby as on any standby.
my ($rc, $out, $err) = $standby->psql('postgres', q{DELETE FROM customer_access.external_access});
isnt($rc, 0, 'the standby is read-only');

$standby->stop;
$primary->stop;
done_testing();

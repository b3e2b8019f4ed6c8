# Change notifications (1.3) with a real listener: a psql session that LISTENs on
# customer_access_changed as an auditor (a role with SELECT on the history and nothing else)
# receives exactly one notification per committed transaction that changed grants, with only
# {"first_history_id", "last_history_id"} as payload, and reads those entries; nothing for a
# rolled-back transaction, for entries of an aborted subtransaction, for purge_history(), or
# for a prepared transaction (NOTIFY cannot be prepared; PREPARE still works).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('notify');
$node->init;
$node->append_conf('postgresql.conf', "max_prepared_transactions = 2\n");
$node->start;
$node->safe_psql('postgres', q{
  CREATE EXTENSION customer_access;
  CREATE ROLE auditor LOGIN;
  GRANT SELECT ON customer_access.external_access_history TO auditor;
});

my $listener = $node->background_psql('postgres', extra_params => ['-U', 'auditor']);
$listener->query_safe('LISTEN customer_access_changed');

# The payloads the listener has received so far (it asks the server, so pending ones arrive).
sub received {
    my @payloads;
    for (1 .. 3) {
        my $out = $listener->query_safe('SELECT 1');
        push @payloads, $1
          while $out =~ /Asynchronous notification "customer_access_changed" with payload "(.*)" received from server process/g;
        usleep(100_000);
    }
    return @payloads;
}

sub grant_sql {
    my ($customer, $user, $role) = @_;
    $role //= 'L30';
    return "INSERT INTO customer_access.external_access (customer_id, user_id, role) "
      . "VALUES ('c7000000-0000-0000-0000-00000000000$customer', 'a7000000-0000-0000-0000-00000000000$user', '$role');";
}

# 1. One transaction with three changes: one notification, naming its three entries
$node->safe_psql('postgres', 'BEGIN;' . grant_sql(1, 1) . grant_sql(1, 2)
      . q{UPDATE customer_access.external_access SET notes = 'n' WHERE user_id = 'a7000000-0000-0000-0000-000000000001';
          COMMIT;});
my @got = received();
is(scalar(@got), 1, 'one committed transaction with three changes: one notification');
my ($first, $last) = ($got[0] // '') =~ /^\{"first_history_id": (\d+), "last_history_id": (\d+)\}$/;
ok(defined $last, "the payload is {\"first_history_id\": ..., \"last_history_id\": ...} and nothing else ($got[0])");
is($listener->query_safe("SELECT string_agg(operation, ',' ORDER BY history_id) FROM customer_access.external_access_history
                          WHERE history_id BETWEEN $first AND $last"),
   'INSERT,INSERT,UPDATE', 'the auditor reads exactly that transaction\'s entries');
is($node->safe_psql('postgres', "SELECT min(history_id) = $first AND max(history_id) = $last
                                  FROM customer_access.external_access_history"),
   't', 'first and last are its smallest and largest history ids');

# 2. Autocommit statements: one notification each
$node->safe_psql('postgres', grant_sql(2, 1));
$node->safe_psql('postgres', q{DELETE FROM customer_access.external_access WHERE customer_id = 'c7000000-0000-0000-0000-000000000002'});
@got = received();
is(scalar(@got), 2, 'two autocommit changes: two notifications');
isnt($got[0], $got[1], '... each with its own entries');

# 3. Nothing for a rolled-back transaction, an error, a statement that changes nothing, or a
# purge of the history; nothing before the commit
$node->safe_psql('postgres', 'BEGIN;' . grant_sql(3, 1) . 'ROLLBACK;');
$node->psql('postgres', 'BEGIN;' . grant_sql(3, 1) . 'SELECT 1/0; COMMIT;');
$node->safe_psql('postgres', q{UPDATE customer_access.external_access SET notes = 'x' WHERE false});
$node->safe_psql('postgres', q{SELECT customer_access.purge_history(now() - interval '1 year')});
my $open = $node->background_psql('postgres');
$open->query_safe('BEGIN;' . grant_sql(4, 1));
@got = received();
is(scalar(@got), 0, 'rolled back, failed, no change, a purge, and not yet committed: no notification');
$open->query_safe('COMMIT');
@got = received();
is(scalar(@got), 1, 'the open transaction commits: its notification arrives');
$open->quit;

# 4. Subtransactions: entries of an aborted one do not count, of a released one do
$node->safe_psql('postgres', 'BEGIN; SAVEPOINT a;' . grant_sql(5, 1) . 'ROLLBACK TO a;' . grant_sql(5, 2)
      . 'SAVEPOINT b;' . grant_sql(5, 3) . 'RELEASE b; SAVEPOINT c; SAVEPOINT d;' . grant_sql(5, 4)
      . 'RELEASE d; ROLLBACK TO c; COMMIT;');
@got = received();
is(scalar(@got), 1, 'a transaction with aborted and released subtransactions: one notification');
($first, $last) = ($got[0] // '') =~ /"first_history_id": (\d+), "last_history_id": (\d+)/;
is($listener->query_safe("SELECT string_agg(new_row->>'user_id', ',' ORDER BY history_id) FROM customer_access.external_access_history
                          WHERE history_id BETWEEN $first AND $last"),
   'a7000000-0000-0000-0000-000000000002,a7000000-0000-0000-0000-000000000003',
   'it spans the entries that survived, not those of the rolled-back subtransactions');
$node->safe_psql('postgres', 'BEGIN; SAVEPOINT a;' . grant_sql(6, 1) . 'ROLLBACK TO a; COMMIT;');
$node->safe_psql('postgres', q{DO $$ BEGIN
    INSERT INTO customer_access.external_access (customer_id, user_id) VALUES ('c7000000-0000-0000-0000-000000000006', 'a7000000-0000-0000-0000-000000000002');
    PERFORM 1/0;
  EXCEPTION WHEN division_by_zero THEN NULL; END $$});
@got = received();
is(scalar(@got), 0, 'changes only in aborted subtransactions (a savepoint, an exception block): no notification');

# 5. Self-service and copy_access notify like any change; the payload names no user or customer
$node->safe_psql('postgres', grant_sql(7, 9, 'L90'));
$node->safe_psql('postgres', q{BEGIN; SET LOCAL customer_access.user_id = 'a7000000-0000-0000-0000-000000000009';
  SELECT customer_access.grant_access('c7000000-0000-0000-0000-000000000007', 'a7000000-0000-0000-0000-000000000001', 'L20', 7);
  SELECT customer_access.copy_access('a7000000-0000-0000-0000-000000000001', 'a7000000-0000-0000-0000-000000000002');
  COMMIT;});
@got = received();
is(scalar(@got), 2, 'an Owner grant, then a grant_access and a copy_access in one transaction: two notifications');
unlike(join(' ', @got), qr/[0-9a-f]{8}-[0-9a-f]{4}-/, 'no payload names a user or a customer');

# 6. PREPARE TRANSACTION: NOTIFY cannot be prepared; the prepared change commits without one
$node->safe_psql('postgres', 'BEGIN;' . grant_sql(8, 1) . "PREPARE TRANSACTION 'p1';");
$node->safe_psql('postgres', "COMMIT PREPARED 'p1'");
is($node->safe_psql('postgres', q{SELECT count(*) FROM customer_access.external_access WHERE customer_id = 'c7000000-0000-0000-0000-000000000008'}),
   '1', 'a grant change can be prepared and committed');
@got = received();
is(scalar(@got), 0, '... and sends no notification (README: refresh on reconnect or periodically too)');

$listener->quit;
$node->stop;
done_testing();

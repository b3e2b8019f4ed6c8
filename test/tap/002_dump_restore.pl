# pg_dump / pg_restore of a database using the extension is a faithful round trip in every
# format and with every option a DBA uses: the custom format with parallel jobs, the
# directory format, plain SQL through psql (COPY, --inserts, --column-inserts,
# --rows-per-insert), --data-only into a database where the extension exists and is empty,
# --section pre-data, data and post-data in sequence, and pg_restore --clean --if-exists into
# an existing database (after the one step README shows). Each: every grant with its id and
# object_version, the history exactly as it was (nothing added by the restore), trusted keys
# and login users, the foreign keys, CHECK constraints and indexes a user added to the grants
# table, the user's foreign keys to it, and the protections.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE source');
$node->safe_psql('source', q{
  CREATE EXTENSION customer_access;
  CREATE SCHEMA app;
  CREATE TABLE app.customers (id uuid PRIMARY KEY);
  CREATE TABLE app.users (id uuid PRIMARY KEY);
  INSERT INTO app.customers SELECT ('c8' || lpad(to_hex(g), 30, '0'))::uuid FROM generate_series(0, 6) g;
  INSERT INTO app.users SELECT ('a8' || lpad(to_hex(g), 30, '0'))::uuid FROM generate_series(1, 60) g;
  ALTER TABLE customer_access.external_access
    ADD CONSTRAINT external_access_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers (id) ON DELETE CASCADE,
    ADD CONSTRAINT external_access_user_fk FOREIGN KEY (user_id) REFERENCES app.users (id) ON DELETE CASCADE;
  ALTER TABLE customer_access.external_access ADD CONSTRAINT external_access_notes_check CHECK (length(notes) < 200);
  CREATE INDEX external_access_notes_idx ON customer_access.external_access (notes);
  CREATE TABLE app.grant_notes (grant_id uuid REFERENCES customer_access.external_access (id) ON DELETE CASCADE, note text);
  INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access, notes)
  SELECT ('c8' || lpad(to_hex(g % 7), 30, '0'))::uuid, ('a8' || lpad(to_hex(g), 30, '0'))::uuid,
         (ARRAY['L10','L20','L30','L40','L80','L90'])[1 + g % 6]::customer_access.access_role,
         (ARRAY[NULL, 5, 30])[1 + g % 3], 'grant ' || g
    FROM generate_series(1, 60) g;
  UPDATE customer_access.external_access SET notes = notes || ' (edited)' WHERE role < 'L40';
  UPDATE customer_access.external_access SET days_back_access = 400 WHERE role = 'L20';
  DELETE FROM customer_access.external_access WHERE role = 'L10';
  -- expiring grants (1.3): one in the future, one expired
  UPDATE customer_access.external_access SET expires_at = '2031-02-03 04:05:06.789+00' WHERE role = 'L30';
  UPDATE customer_access.external_access SET expires_at = now() - interval '1 day' WHERE role = 'L40';
  INSERT INTO customer_access.trusted_keys (kid, jwk, issuer) VALUES
    ('k1', '{"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}', 'https://idp.example');
  CREATE ROLE bi_tool LOGIN;
  INSERT INTO customer_access.login_users (login, user_id, notes) VALUES ('bi_tool', 'a8000000-0000-0000-0000-000000000005', 'BI');
  INSERT INTO app.grant_notes SELECT id, 'note on ' || notes FROM customer_access.external_access WHERE role = 'L40';
});

my $grants = q{SELECT string_agg(concat_ws('|', id, customer_id, user_id, role, days_back_access, notes, object_version, expires_at), E'\n' ORDER BY id)
               FROM customer_access.external_access};
my $history = q{SELECT string_agg(concat_ws('|', history_id, changed_at, operation, session_user_name, current_user_name,
                                            application_user_id, access_id, old_row, new_row, owner_override), E'\n' ORDER BY history_id)
                FROM customer_access.external_access_history};
my $keys = q{SELECT string_agg(concat_ws('|', kid, jwk, issuer, audience, enabled, notes), E'\n' ORDER BY kid) FROM customer_access.trusted_keys};
my $logins = q{SELECT string_agg(concat_ws('|', login, user_id, notes, role_oid, role_oid = login::regrole), E'\n' ORDER BY login)
               FROM customer_access.login_users};
my $extras = q{SELECT string_agg(x, E'\n' ORDER BY x) FROM (
                 SELECT conname || ' ' || pg_get_constraintdef(oid) || ' valid=' || convalidated AS x FROM pg_constraint
                  WHERE conrelid = 'customer_access.external_access'::regclass
                 UNION ALL SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'customer_access.external_access'::regclass) s};
my $referencing = q{SELECT string_agg(conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' valid=' || convalidated, E'\n' ORDER BY conname)
                    FROM pg_constraint WHERE confrelid = 'customer_access.external_access'::regclass};
my $notes = q{SELECT string_agg(concat_ws('|', grant_id, note), E'\n' ORDER BY grant_id) FROM app.grant_notes};
my %before = map { $_->[0] => $node->safe_psql('source', $_->[1]) }
    (['grants', $grants], ['history', $history], ['keys', $keys], ['logins', $logins], ['extras', $extras],
     ['referencing', $referencing], ['notes', $notes]);
ok($before{history} =~ tr/\n// > 100, 'the source has a history of inserts, updates and deletes');
like($before{extras}, qr/external_access_customer_fk FOREIGN KEY/, 'the source has the user\'s foreign keys');
like($before{referencing}, qr/grant_notes_grant_id_fkey FOREIGN KEY/, 'the source has a foreign key to the grants');

my $base = $node->basedir;
my @rounds = (
    ['custom format, 4 jobs', sub {
        $node->command_ok(['pg_dump', '-Fc', '-d', $node->connstr('source'), '-f', "$base/source.dump"], 'pg_dump -Fc');
        $node->command_ok(['pg_restore', '--exit-on-error', '-j', '4', '-d', $node->connstr($_[0]), "$base/source.dump"],
                          'pg_restore -j 4');
    }],
    ['directory format', sub {
        $node->command_ok(['pg_dump', '-Fd', '-j', '2', '-d', $node->connstr('source'), '-f', "$base/source.dir"], 'pg_dump -Fd');
        $node->command_ok(['pg_restore', '--exit-on-error', '-d', $node->connstr($_[0]), "$base/source.dir"], 'pg_restore of a directory');
    }],
    ['plain SQL', sub {
        $node->command_ok(['pg_dump', '-Fp', '-d', $node->connstr('source'), '-f', "$base/source.sql"], 'pg_dump -Fp');
        $node->command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($_[0]), '-f', "$base/source.sql"],
                          'psql of the plain dump');
    }],
);
# Plain dumps whose rows are INSERT statements, restored through psql as a DBA would.
for my $option (['--inserts'], ['--column-inserts'], ['--rows-per-insert=7']) {
    my $file = "$base/source" . $option->[0] . '.sql';
    push @rounds, ["plain SQL with $option->[0]", sub {
        $node->command_ok(['pg_dump', '-Fp', @$option, '-d', $node->connstr('source'), '-f', $file], "pg_dump $option->[0]");
        $node->command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($_[0]), '-f', $file],
                          "psql of the $option->[0] dump");
    }];
}
push @rounds,
    # The schema first (the extension exists, its tables empty), then the data alone.
    ['--schema-only, then --data-only', sub {
        $node->command_ok(['pg_dump', '-Fc', '--schema-only', '-d', $node->connstr('source'), '-f', "$base/schema.dump"],
                          'pg_dump --schema-only');
        $node->command_ok(['pg_dump', '-Fc', '--data-only', '-d', $node->connstr('source'), '-f', "$base/data.dump"],
                          'pg_dump --data-only');
        $node->command_ok(['pg_restore', '--exit-on-error', '-d', $node->connstr($_[0]), "$base/schema.dump"],
                          'pg_restore of the schema');
        is($node->safe_psql($_[0], q{SELECT (SELECT count(*) FROM customer_access.external_access)
                                          + (SELECT count(*) FROM customer_access.external_access_history)
                                          + (SELECT count(*) FROM customer_access.table_extras)}),
           '0', 'before --data-only the extension exists and is empty');
        $node->command_ok(['pg_restore', '--exit-on-error', '--data-only', '-d', $node->connstr($_[0]), "$base/data.dump"],
                          'pg_restore --data-only');
    }],
    ['--section pre-data, data, post-data', sub {
        $node->command_ok(['pg_dump', '-Fc', '-d', $node->connstr('source'), '-f', "$base/sections.dump"], 'pg_dump -Fc');
        for my $section ('pre-data', 'data', 'post-data') {
            $node->command_ok(['pg_restore', '--exit-on-error', "--section=$section", '-d', $node->connstr($_[0]),
                               "$base/sections.dump"], "pg_restore --section=$section");
        }
    }],
    # Into a database that holds an older copy and changes since: README's one step first
    # (dropping the extension, with the exit, is what --clean cannot do), then --clean.
    ['pg_restore --clean --if-exists into an existing database', sub {
        my $db = $_[0];
        $node->command_ok(['pg_dump', '-Fc', '-d', $node->connstr('source'), '-f', "$base/clean.dump"], 'pg_dump -Fc');
        $node->command_ok(['pg_restore', '--exit-on-error', '-d', $node->connstr($db), "$base/clean.dump"],
                          'an earlier restore');
        $node->safe_psql($db, q{
          UPDATE customer_access.external_access SET notes = 'changed since' WHERE role = 'L30';
          INSERT INTO app.customers VALUES ('c8ffffff-0000-0000-0000-00000000000e');
          INSERT INTO customer_access.external_access (customer_id, user_id, role)
          VALUES ('c8ffffff-0000-0000-0000-00000000000e', 'a8000000-0000-0000-0000-000000000001', 'L90');
        });
        my ($rc, $out, $err) = $node->psql($db, 'DROP EXTENSION customer_access CASCADE');
        like($err, qr/cannot be dropped while it holds grants/, 'without the exit the extension stays');
        $node->command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db),
                           '-c', 'SET customer_access.allow_owner_revoke = on', '-c', 'DROP EXTENSION customer_access CASCADE'],
                          'README: drop the extension with the exit');
        $node->command_ok(['pg_restore', '--exit-on-error', '--clean', '--if-exists', '-d', $node->connstr($db), "$base/clean.dump"],
                          'pg_restore --clean --if-exists');
    }];
my $n = 0;
for my $round (@rounds) {
    my ($name, $restore) = @$round;
    my $db = 'target' . ++$n;
    $node->safe_psql('postgres', "CREATE DATABASE $db");
    $restore->($db);
    is($node->safe_psql($db, $grants), $before{grants}, "$name: every grant, with its id, object_version and expiry");
    is($node->safe_psql($db, q{SELECT count(*) > 0 AND count(*) FILTER (WHERE customer_access.has_customer_access(user_id, customer_id, 'L10')) = 0
                                 FROM customer_access.external_access WHERE expires_at < now()}), 't',
       "$name: the expired grants are still expired");
    is($node->safe_psql($db, $history), $before{history}, "$name: the history exactly as it was, nothing added");
    is($node->safe_psql($db, $keys), $before{keys}, "$name: the trusted keys");
    is($node->safe_psql($db, $logins), $before{logins}, "$name: the login users");
    is($node->safe_psql($db, $extras), $before{extras}, "$name: the user's foreign keys, CHECK constraints and indexes, valid");
    is($node->safe_psql($db, $referencing), $before{referencing}, "$name: the user's foreign keys to the grants, valid");
    is($node->safe_psql($db, $notes), $before{notes}, "$name: the rows that reference the grants");
    is($node->safe_psql($db, q{SELECT count(*) FROM customer_access.table_extras
                               WHERE created_in <> (SELECT oid FROM pg_database WHERE datname = current_database())}),
       '0', "$name: every restored record of table_extras was made again here");

    my ($rc, $out, $err) = $node->psql($db, q{INSERT INTO customer_access.external_access (customer_id, user_id)
                                               VALUES ('c8ffffff-0000-0000-0000-000000000000', 'a8000000-0000-0000-0000-000000000001')});
    like($err, qr/violates foreign key constraint "external_access_customer_fk"/, "$name: an orphan grant is refused");
    ($rc, $out, $err) = $node->psql($db, q{DELETE FROM customer_access.external_access WHERE role = 'L90'});
    like($err, qr/Owner access cannot be revoked/, "$name: an Owner is still unrevocable");
    ($rc, $out, $err) = $node->psql($db, q{DELETE FROM app.customers});
    like($err, qr/Owner access cannot be revoked/, "$name: the cascade from the user's foreign key cannot remove an Owner");
    ($rc, $out, $err) = $node->psql($db, q{DELETE FROM customer_access.external_access_history});
    like($err, qr/append-only/, "$name: the history is still append-only");
    ($rc, $out, $err) = $node->psql($db, q{ALTER TABLE customer_access.external_access DISABLE TRIGGER protect_owner});
    like($err, qr/customer_access protects its objects/, "$name: the DDL guard is back");
    is($node->safe_psql($db, q{SELECT string_agg(tgname || '=' || tgenabled::text, ' ' ORDER BY tgname) FROM pg_trigger
                               WHERE tgrelid = 'customer_access.external_access'::regclass AND NOT tgisinternal}),
       'object_version=A protect_owner=A protect_owner_truncate=A record_change=A', "$name: the triggers fire ALWAYS");
    # A change after the restore is recorded, after everything restored.
    $node->safe_psql($db, q{UPDATE customer_access.external_access SET notes = 'after restore' WHERE role = 'L20'});
    is($node->safe_psql($db, q{SELECT bool_and(h.history_id > (SELECT max(history_id) FROM customer_access.external_access_history
                                                                 WHERE new_row->>'notes' IS DISTINCT FROM 'after restore'))
                                 FROM customer_access.external_access_history h WHERE h.new_row->>'notes' = 'after restore'}),
       't', "$name: a change after the restore is recorded, with a newer id");
    is($node->safe_psql($db, q{SELECT count(DISTINCT object_version) > 1 FROM customer_access.external_access}), 't',
       "$name: object_version goes on from the restored values");
}

# A restore where the login role has another OID (as in another cluster): the row keeps the
# OID it was bound to and maps nobody, until the DBA binds it again on purpose.
$node->safe_psql('postgres', q{DROP ROLE bi_tool; CREATE ROLE bi_tool LOGIN; CREATE DATABASE elsewhere});
$node->command_ok(['pg_restore', '--exit-on-error', '-d', $node->connstr('elsewhere'), "$base/source.dump"],
                  'pg_restore where the login role was created again');
my $maps = q{SELECT coalesce(customer_access.current_user_id()::text, 'nobody')};
$node->safe_psql('postgres', q{ALTER DATABASE elsewhere SET customer_access.identity = 'login'});
is($node->safe_psql('elsewhere', q{SELECT role_oid = 'bi_tool'::regrole FROM customer_access.login_users}), 'f',
   'the restored row keeps the OID it was bound to');
my ($rc, $out, $err) = $node->psql('elsewhere', $maps, extra_params => ['-U', 'bi_tool']);
is($out, 'nobody', 'so the login role of another OID is nobody');
$node->safe_psql('elsewhere', q{UPDATE customer_access.login_users SET role_oid = NULL});
($rc, $out, $err) = $node->psql('elsewhere', $maps, extra_params => ['-U', 'bi_tool']);
is($out, 'a8000000-0000-0000-0000-000000000005', 'binding it again (role_oid = NULL) maps the role of that name');

$node->stop;
done_testing();

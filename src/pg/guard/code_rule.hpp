// The code rule and the foreign-key rule (core/expression_rule.hpp, core/foreign_key_rule.hpp)
// applied to the extension's tables: at the start of DDL to what the statement would make
// PostgreSQL run before it ends (a foreign key's validation queries the referenced table as
// its owner), at the end of DDL to what the catalogs now hold, when table_extras records the
// user's constraints and indexes, and before table_extras replays one after a restore. The
// rules have no exit: customer_access.allow_owner_revoke lets a superuser change the
// extension's objects, not put a role's code where superusers run it.
#pragma once

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// Start of DDL, for every statement (no exit), before PostgreSQL runs it: refuses (42501) a
// foreign key between the extension's tables and another table whose columns' types differ
// (CREATE TABLE, also inside CREATE SCHEMA, ALTER TABLE ... ADD [COLUMN ...] FOREIGN KEY /
// REFERENCES, ALTER COLUMN ... TYPE of a key column on either side, also through ALTER TYPE
// ... ALTER ATTRIBUTE of a typed table, VALIDATE CONSTRAINT, ATTACH PARTITION). Decided from
// the parse tree and by OID; catalogs are read only for statements that add, retype, validate
// or attach a key. Remembers for guard_ddl_end() whether an ALTER TABLE may have made or
// changed foreign keys that involve the extension's tables.
void judge_statement_rules(Oid extension, Node *parsetree);

// End of DDL: whether the statement judged at its start (the same parse tree) may have made
// such foreign keys.
bool noted_foreign_key_work(Oid extension, Node *parsetree);

// End of DDL: every foreign key that references or starts from the extension's tables keeps
// the foreign-key rule (42501 otherwise).
void check_foreign_keys(Oid extension);

// End of DDL on one of the extension's tables: every CHECK constraint, index expression,
// index predicate and index operator class on it keeps the code rule (42501 otherwise).
void check_table_code(Oid extension, Oid relid);

// The constraints and indexes on the extension's tables that break a rule (OIDs), which
// table_extras never records.
void refused_table_objects(Oid extension, List **constraints, List **indexes);

// Before table_extras replays a record (`statement`, parsed from `sql`: one ALTER TABLE ...
// ADD CONSTRAINT or one CREATE INDEX on the extension's table `relid`): the names it uses
// may reach only what the rule allows (so analysing it runs no role code), and, analysed,
// its expressions, operator classes and foreign key keep the rules. 42501 otherwise.
void judge_recorded_statement(Oid extension, Oid relid, Node *statement, const char *sql);

}  // namespace customer_access::pg

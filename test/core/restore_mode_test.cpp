#include "restore_mode.hpp"

#include <gtest/gtest.h>

using namespace customer_access;

namespace {
LoadFacts restore(LoadStatement statement) {
    LoadFacts f;
    f.superuser = true;
    f.row_security_off = true;
    f.check_function_bodies_off = true;
    f.statement = statement;
    return f;
}
}  // namespace

TEST(RestoreMode, ASuperusersLoadInPgDumpsSettings) {
    EXPECT_TRUE(restores_saved_rows(restore(LoadStatement::kCopyFromIntoGrants)));
    // pg_dump --inserts, --column-inserts, --rows-per-insert
    EXPECT_TRUE(restores_saved_rows(restore(LoadStatement::kInsertConstantRows)));
    EXPECT_FALSE(restores_saved_rows(restore(LoadStatement::kOther)));
}

TEST(RestoreMode, NeverForARoleThatIsNoSuperuser) {
    // a BYPASSRLS role can set row_security = off: still no restore mode
    for (LoadStatement s :
         {LoadStatement::kCopyFromIntoGrants, LoadStatement::kInsertConstantRows}) {
        LoadFacts f = restore(s);
        f.superuser = false;
        EXPECT_FALSE(restores_saved_rows(f));
    }
}

TEST(RestoreMode, OnlyInTheSettingsADumpSets) {
    LoadFacts f = restore(LoadStatement::kInsertConstantRows);
    f.row_security_off = false;
    EXPECT_FALSE(restores_saved_rows(f));
    f = restore(LoadStatement::kCopyFromIntoGrants);
    f.check_function_bodies_off = false;
    EXPECT_FALSE(restores_saved_rows(f));
    EXPECT_FALSE(restores_saved_rows(LoadFacts{}));
}

TEST(RestoreMode, WhoReplaysRestoredRecords) {
    // a superuser's new unique key, anywhere
    EXPECT_TRUE(replays_restored_records(true, true, false, false));
    // any superuser DDL of a restore's session
    EXPECT_TRUE(replays_restored_records(true, false, true, true));
    // an application's migration: nothing
    EXPECT_FALSE(replays_restored_records(true, false, false, true));
    EXPECT_FALSE(replays_restored_records(true, false, true, false));
    // never a role that is no superuser
    EXPECT_FALSE(replays_restored_records(false, true, true, true));
}

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

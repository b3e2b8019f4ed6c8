#include "grant_cache.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

using namespace customer_access;

namespace {

Uuid uuid_of(std::uint64_t hi, std::uint64_t lo) {
    Uuid u;
    std::memcpy(u.bytes, &hi, 8);
    std::memcpy(u.bytes + 8, &lo, 8);
    return u;
}

Uuid customer(std::uint64_t n) {
    return uuid_of(0, n);
}

// A table over vector memory, growing like the PostgreSQL side does.
struct OwnedTable {
    std::vector<GrantSlot> slots;  // GrantSlot-aligned room for the slots and fingerprints
    GrantTable table;
    explicit OwnedTable(std::uint32_t capacity)
        : slots(GrantTable::bytes_for(capacity) / sizeof(GrantSlot) + 1) {
        table.attach(slots.data(), capacity);
    }
};

const Grant kBasic{true, 10, Window{true, 0}};

}  // namespace

TEST(GrantCache, FindsWhatWasInserted) {
    OwnedTable t(64);
    Grant g;
    EXPECT_FALSE(t.table.find(0, customer(2), &g));
    ASSERT_TRUE(t.table.insert(0, customer(2), Grant{true, 30, Window{false, 5}}));
    ASSERT_TRUE(t.table.insert(1, customer(1), Grant{false, 0, Window{true, 0}}));
    ASSERT_TRUE(t.table.find(0, customer(2), &g));
    EXPECT_TRUE(g.exists);
    EXPECT_EQ(g.level, 30);
    EXPECT_FALSE(g.window.unlimited);
    EXPECT_EQ(g.window.days_back, 5);
    ASSERT_TRUE(t.table.find(1, customer(1), &g));
    EXPECT_FALSE(g.exists);
    EXPECT_FALSE(t.table.find(0, customer(1), &g));
    EXPECT_EQ(t.table.size(), 2u);
}

TEST(GrantCache, KeepsTheExpiryThroughInsertFindAndGrowth) {
    OwnedTable small(64);
    constexpr Timestamp kWhen = 800'000'000'000'000;
    ASSERT_TRUE(small.table.insert(0, customer(3), Grant{true, 40, Window{false, 9}, kWhen}));
    ASSERT_TRUE(small.table.insert(0, customer(4), kBasic));
    Grant g;
    ASSERT_TRUE(small.table.find(0, customer(3), &g));
    EXPECT_EQ(g.expires_at, kWhen);
    ASSERT_TRUE(small.table.find(0, customer(4), &g));
    EXPECT_EQ(g.expires_at, kNeverExpires);
    OwnedTable bigger(128);
    small.table.copy_into(bigger.table);
    ASSERT_TRUE(bigger.table.find(0, customer(3), &g));
    EXPECT_EQ(g.expires_at, kWhen);
    EXPECT_EQ(g.window.days_back, 9);
    ASSERT_TRUE(bigger.table.find(0, customer(4), &g));
    EXPECT_EQ(g.expires_at, kNeverExpires);
}

TEST(GrantCache, UsersAreNotConfused) {
    OwnedTable t(64);
    t.table.insert(0, customer(7), Grant{true, 90, Window{true, 0}});
    Grant g;
    EXPECT_FALSE(t.table.find(1, customer(7), &g));
    t.table.insert(1, customer(7), kBasic);
    ASSERT_TRUE(t.table.find(0, customer(7), &g));
    EXPECT_EQ(g.level, 90);
    ASSERT_TRUE(t.table.find(1, customer(7), &g));
    EXPECT_EQ(g.level, 10);
}

TEST(GrantCache, UserSlots) {
    auto users = std::make_unique<UserSlots>();
    EXPECT_EQ(users->slot_of(uuid_of(1, 1)), 0);
    EXPECT_EQ(users->slot_of(uuid_of(2, 2)), 1);
    EXPECT_EQ(users->slot_of(uuid_of(1, 1)), 0);
    EXPECT_FALSE(users->complete(1));
    users->set_complete(1);
    EXPECT_TRUE(users->complete(1));
    users->forget_completeness();
    EXPECT_FALSE(users->complete(1));
    for (int i = 2; i < UserSlots::kMaxUsers; ++i)
        EXPECT_EQ(users->slot_of(uuid_of(9, i)), i);
    EXPECT_EQ(users->slot_of(uuid_of(10, 10)), -1);
    EXPECT_EQ(users->slot_of(uuid_of(9, 100)), 100);
    users->clear();
    EXPECT_EQ(users->slot_of(uuid_of(10, 10)), 0);
}

TEST(GrantCache, BulkLoadAgainOnlyForUsersWhoseGrantsFit) {
    auto users = std::make_unique<UserSlots>();
    const int fits = users->slot_of(uuid_of(1, 1)), overflows = users->slot_of(uuid_of(2, 2));
    for (std::uint32_t i = 1; i < UserSlots::kLookupsBeforeBulkLoad; ++i) {
        EXPECT_FALSE(users->bulk_load_due(fits));
        EXPECT_FALSE(users->bulk_load_due(overflows));
    }
    EXPECT_TRUE(users->bulk_load_due(fits));
    EXPECT_TRUE(users->bulk_load_due(overflows));
    users->set_complete(fits);  // the other one's grants did not fit
    users->forget_completeness();
    bool fits_due = false, overflows_due = false;
    for (std::uint32_t i = 0; i < 4 * UserSlots::kLookupsBeforeBulkLoad; ++i) {
        fits_due |= users->bulk_load_due(fits);
        overflows_due |= users->bulk_load_due(overflows);
    }
    EXPECT_TRUE(fits_due);
    EXPECT_FALSE(overflows_due);
}

TEST(GrantCache, RefusesPastThreeQuartersFullAndGrows) {
    OwnedTable t(GrantTable::kMinCapacity);
    std::uint32_t inserted = 0;
    while (t.table.insert(0, customer(inserted), kBasic))
        ++inserted;
    EXPECT_EQ(inserted, GrantTable::kMinCapacity * 3 / 4);
    std::uint32_t bigger = GrantTable::next_capacity(t.table.capacity(), 1u << 20);
    EXPECT_EQ(bigger, GrantTable::kMinCapacity * 2);
    OwnedTable grown(bigger);
    t.table.copy_into(grown.table);
    EXPECT_EQ(grown.table.size(), inserted);
    Grant g;
    for (std::uint32_t i = 0; i < inserted; ++i)
        EXPECT_TRUE(grown.table.find(0, customer(i), &g));
    EXPECT_TRUE(grown.table.insert(0, customer(inserted), kBasic));
}

TEST(GrantCache, CapacityIsBounded) {
    EXPECT_EQ(GrantTable::next_capacity(0, 1024), GrantTable::kMinCapacity);
    EXPECT_EQ(GrantTable::next_capacity(512, 1024), 1024u);
    EXPECT_EQ(GrantTable::next_capacity(1024, 1024), 1024u);
    EXPECT_EQ(GrantTable::next_capacity(0, 16), 16u);
}

TEST(GrantCache, ClearForgetsEverything) {
    OwnedTable t(64);
    for (std::uint64_t i = 0; i < 20; ++i)
        t.table.insert(static_cast<int>(i % 3), customer(i), kBasic);
    t.table.clear();
    EXPECT_EQ(t.table.size(), 0u);
    Grant g;
    for (std::uint64_t i = 0; i < 20; ++i)
        EXPECT_FALSE(t.table.find(static_cast<int>(i % 3), customer(i), &g));
}

TEST(GrantCache, SequentialAndRandomUuidsSpreadWell) {
    // 30,000 sequential customers and 30,000 that differ only in their first byte.
    OwnedTable t(1u << 17);
    for (std::uint32_t i = 0; i < 30000; ++i) {
        ASSERT_TRUE(t.table.insert(
            3, customer(i), Grant{true, 20, Window{false, static_cast<std::int32_t>(i % 100)}}));
        Uuid first_byte{};
        first_byte.bytes[0] = static_cast<std::uint8_t>(i);
        first_byte.bytes[1] = static_cast<std::uint8_t>(i >> 8);
        ASSERT_TRUE(t.table.insert(4, first_byte, kBasic));
    }
    Grant g;
    for (std::uint32_t i = 0; i < 30000; ++i) {
        ASSERT_TRUE(t.table.find(3, customer(i), &g));
        EXPECT_EQ(g.window.days_back, static_cast<std::int32_t>(i % 100));
    }
}

TEST(GrantCache, EmptyTableFindsNothing) {
    GrantTable t;
    Grant g;
    EXPECT_FALSE(t.find(0, customer(1), &g));
    EXPECT_FALSE(t.insert(0, customer(1), kBasic));
}

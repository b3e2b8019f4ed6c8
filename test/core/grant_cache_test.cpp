#include "grant_cache.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace customer_access;

namespace {

Uuid uuid_of(std::uint64_t hi, std::uint64_t lo) {
    Uuid u;
    std::memcpy(u.bytes, &hi, 8);
    std::memcpy(u.bytes + 8, &lo, 8);
    return u;
}

GrantKey key(std::uint64_t user, std::uint64_t customer) {
    return GrantKey{uuid_of(0, user), uuid_of(0, customer)};
}

// A table over vector memory, growing like the PostgreSQL side does.
struct OwnedTable {
    std::vector<GrantSlot> slots;
    GrantTable table;
    explicit OwnedTable(std::uint32_t capacity) : slots(capacity) {
        table.attach(slots.data(), capacity);
    }
};

}  // namespace

TEST(GrantCache, FindsWhatWasInserted) {
    OwnedTable t(64);
    EXPECT_EQ(t.table.find(key(1, 2)), nullptr);
    ASSERT_TRUE(t.table.insert(key(1, 2), Grant{true, 30, {false, 5}}));
    ASSERT_TRUE(t.table.insert(key(2, 1), Grant{false, 0, {true, 0}}));
    const Grant *g = t.table.find(key(1, 2));
    ASSERT_NE(g, nullptr);
    EXPECT_TRUE(g->exists);
    EXPECT_EQ(g->level, 30);
    const Grant *none = t.table.find(key(2, 1));
    ASSERT_NE(none, nullptr);
    EXPECT_FALSE(none->exists);
    EXPECT_EQ(t.table.find(key(1, 1)), nullptr);
    EXPECT_EQ(t.table.size(), 2u);
}

TEST(GrantCache, UserAndCustomerAreNotConfused) {
    OwnedTable t(64);
    t.table.insert(key(1, 2), Grant{true, 90, {true, 0}});
    EXPECT_EQ(t.table.find(key(2, 1)), nullptr);
    // same bytes in different halves
    GrantKey a{uuid_of(7, 0), uuid_of(0, 7)}, b{uuid_of(0, 7), uuid_of(7, 0)};
    t.table.insert(a, Grant{true, 10, {true, 0}});
    EXPECT_EQ(t.table.find(b), nullptr);
}

TEST(GrantCache, RefusesPastHalfFullAndGrows) {
    OwnedTable t(GrantTable::kMinCapacity);
    std::uint32_t inserted = 0;
    while (t.table.insert(key(1, inserted), Grant{true, 10, {true, 0}}))
        ++inserted;
    EXPECT_EQ(inserted, GrantTable::kMinCapacity / 2);
    std::uint32_t bigger = GrantTable::next_capacity(t.table.capacity(), 1u << 20);
    EXPECT_EQ(bigger, GrantTable::kMinCapacity * 2);
    OwnedTable grown(bigger);
    t.table.copy_into(grown.table);
    EXPECT_EQ(grown.table.size(), inserted);
    for (std::uint32_t i = 0; i < inserted; ++i)
        EXPECT_NE(grown.table.find(key(1, i)), nullptr);
    EXPECT_TRUE(grown.table.insert(key(1, inserted), Grant{true, 10, {true, 0}}));
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
        t.table.insert(key(i, i), Grant{true, 10, {true, 0}});
    t.table.clear();
    EXPECT_EQ(t.table.size(), 0u);
    for (std::uint64_t i = 0; i < 20; ++i)
        EXPECT_EQ(t.table.find(key(i, i)), nullptr);
}

TEST(GrantCache, SequentialUuidsSpreadWell) {
    // 100,000 sequential customers of one user: every one is found again.
    const std::uint32_t n = 100000;
    OwnedTable t(1u << 18);
    for (std::uint32_t i = 0; i < n; ++i)
        ASSERT_TRUE(t.table.insert(key(42, i),
                                   Grant{true, 20, {false, static_cast<std::int32_t>(i % 100)}}));
    for (std::uint32_t i = 0; i < n; ++i) {
        const Grant *g = t.table.find(key(42, i));
        ASSERT_NE(g, nullptr);
        EXPECT_EQ(g->window.days_back, static_cast<std::int32_t>(i % 100));
    }
}

TEST(GrantCache, EmptyTableFindsNothing) {
    GrantTable t;
    EXPECT_EQ(t.find(key(1, 1)), nullptr);
    EXPECT_FALSE(t.insert(key(1, 1), Grant{true, 10, {true, 0}}));
}

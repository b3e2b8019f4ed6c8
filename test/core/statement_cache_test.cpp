#include "statement_cache.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <utility>

using namespace customer_access;

namespace {

Uuid id(std::uint64_t n, std::uint8_t kind) {
    Uuid u{};
    std::memcpy(u.bytes, &n, 8);
    u.bytes[15] = kind;
    return u;
}
Uuid user(std::uint64_t n) {
    return id(n, 1);
}
Uuid customer(std::uint64_t n) {
    return id(n, 2);
}

// The grants table as a map, counting how it is read.
struct FakeStore {
    std::map<std::pair<std::uint64_t, std::uint64_t>, Grant> grants;
    std::uint64_t lookups = 0, scans = 0, live_bytes = 0;

    static std::uint64_t number(const Uuid &u) {
        std::uint64_t n;
        std::memcpy(&n, u.bytes, 8);
        return n;
    }
    static Grant lookup(void *context, const Uuid &u, const Uuid &c) {
        auto *self = static_cast<FakeStore *>(context);
        ++self->lookups;
        auto it = self->grants.find({number(u), number(c)});
        return it == self->grants.end() ? Grant{false, 0, Window{true, 0}} : it->second;
    }
    static void scan_user(void *context, const Uuid &u, GrantSink sink, void *sink_context) {
        auto *self = static_cast<FakeStore *>(context);
        ++self->scans;
        for (const auto &[key, grant] : self->grants)
            if (key.first == number(u))
                sink(sink_context, customer(key.second), grant);
    }
    static void *allocate_zeroed(void *context, std::size_t bytes) {
        static_cast<FakeStore *>(context)->live_bytes += bytes;
        return std::calloc(1, bytes);
    }
    static void release(void *, void *memory) { std::free(memory); }
    GrantStore store() { return GrantStore{this, lookup, scan_user, allocate_zeroed, release}; }
};

const Grant kL20{true, 20, Window{true, 0}};

// Gives a cache's memory back at the end of a test.
struct Released {
    StatementGrantCache &cache;
    GrantStore store;
    ~Released() { cache.release(store); }
};

}  // namespace

TEST(StatementCache, ReadsEachPairOnceWhateverTheCallSites) {
    FakeStore fake;
    for (int c = 0; c < 40; c += 2)
        fake.grants[{1, c}] = kL20;
    StatementGrantCache cache;
    CacheCounters counters{};
    GrantStore store = fake.store();
    Released released{cache, store};
    for (int site = 0; site < 4; ++site)
        for (int row = 0; row < 1000; ++row) {
            Grant g = cache.grant(store, user(1), customer(row % 40), counters);
            EXPECT_EQ(g.exists, (row % 40) % 2 == 0);
        }
    EXPECT_EQ(fake.lookups, 40u);
    EXPECT_EQ(fake.scans, 0u);
    EXPECT_EQ(counters.calls, 4000u);
}

TEST(StatementCache, ReadsAUserInBulkAfterManyLookups) {
    FakeStore fake;
    for (int c = 0; c < 10000; ++c)
        fake.grants[{7, c * 3}] = kL20;
    StatementGrantCache cache;
    CacheCounters counters{};
    GrantStore store = fake.store();
    Released released{cache, store};
    for (int c = 0; c < 200000; ++c)
        ASSERT_EQ(cache.grant(store, user(7), customer(c), counters).exists,
                  c % 3 == 0 && c < 30000);
    EXPECT_EQ(fake.scans, 1u);
    EXPECT_EQ(fake.lookups, UserSlots::kLookupsBeforeBulkLoad - 1);
    // a complete user's misses take no room: no cliff, the table holds the grants only
    EXPECT_LE(counters.peak_bytes, GrantTable::bytes_for(16384));
}

TEST(StatementCache, AUserWithMoreGrantsThanFitStaysBoundedAndRight) {
    FakeStore fake;
    for (int c = 0; c < 100000; ++c)
        fake.grants[{9, c}] = kL20;
    StatementGrantCache cache;
    CacheCounters counters{};
    GrantStore store = fake.store();
    Released released{cache, store};
    for (int c = 0; c < 150000; ++c)
        ASSERT_EQ(cache.grant(store, user(9), customer(c), counters).exists, c < 100000);
    EXPECT_LE(counters.peak_bytes, GrantTable::bytes_for(StatementGrantCache::kMaxSlots));
    EXPECT_EQ(fake.scans, 1u);  // not read in bulk again: it would fill the table again
}

TEST(StatementCache, TheLastAnswerIsForItsUserOnly) {
    // Two users asking about one customer in turn: each gets their own grant.
    FakeStore fake;
    fake.grants[{1, 5}] = kL20;
    StatementGrantCache cache;
    CacheCounters counters{};
    GrantStore store = fake.store();
    Released released{cache, store};
    for (int row = 0; row < 10; ++row) {
        EXPECT_TRUE(cache.grant(store, user(1), customer(5), counters).exists);
        EXPECT_FALSE(cache.grant(store, user(2), customer(5), counters).exists);
    }
}

TEST(StatementCache, ForgettingReadsAgain) {
    FakeStore fake;
    fake.grants[{1, 1}] = kL20;
    StatementGrantCache cache;
    CacheCounters counters{};
    GrantStore store = fake.store();
    Released released{cache, store};
    EXPECT_TRUE(cache.grant(store, user(1), customer(1), counters).exists);
    fake.grants.erase({1, 1});
    EXPECT_TRUE(cache.grant(store, user(1), customer(1), counters).exists);  // one statement
    cache.forget_everything();
    EXPECT_FALSE(cache.grant(store, user(1), customer(1), counters).exists);
    EXPECT_EQ(fake.lookups, 2u);
}

TEST(StatementCache, ManyUsersStartOver) {
    FakeStore fake;
    for (int u = 0; u < 600; ++u)
        fake.grants[{static_cast<std::uint64_t>(u), 5}] = kL20;
    StatementGrantCache cache;
    CacheCounters counters{};
    GrantStore store = fake.store();
    Released released{cache, store};
    for (int round = 0; round < 2; ++round)
        for (int u = 0; u < 600; ++u) {
            ASSERT_TRUE(cache.grant(store, user(u), customer(5), counters).exists);
            ASSERT_FALSE(cache.grant(store, user(u), customer(6), counters).exists);
        }
}

// Expiring grants are kept with their expiry, whether looked up one by one or read in bulk,
// so every check of a statement applies the rule at the statement's now().
TEST(StatementCache, ExpiringGrantsKeepTheirExpiryLookedUpOrInBulk) {
    constexpr Timestamp kNow = 800'000'000'000'000;
    FakeStore fake;
    for (int c = 0; c < 1000; ++c)
        fake.grants[{4, c}] = Grant{true, 30, Window{true, 0}, c % 2 ? kNow - 1 : kNow + c + 1};
    StatementGrantCache cache;
    CacheCounters counters{};
    GrantStore store = fake.store();
    Released released{cache, store};
    for (int pass = 0; pass < 2; ++pass)
        for (int c = 0; c < 1000; ++c) {
            Grant g = cache.grant(store, user(4), customer(c), counters);
            ASSERT_EQ(g.expires_at, c % 2 ? kNow - 1 : kNow + c + 1);
            ASSERT_EQ(grant_admits(g, 30, false, 0, 0, kNow), c % 2 == 0);
        }
    EXPECT_EQ(fake.scans, 1u);
}

// The per-row path answers only what grant() would: for the user asked about last, a pair in
// the table, or a complete user's miss; anything else is left to grant().
TEST(StatementCache, KnownAnswersOnlyWhatTheTableHolds) {
    FakeStore fake;
    fake.grants[{1, 1}] = kL20;
    fake.grants[{1, 2}] = kL20;
    StatementGrantCache cache;
    CacheCounters counters{};
    GrantStore store = fake.store();
    Released released{cache, store};
    Grant g{};
    EXPECT_FALSE(cache.known(user(1), customer(1), &g, counters));  // nothing asked yet
    EXPECT_TRUE(cache.grant(store, user(1), customer(1), counters).exists);
    ASSERT_TRUE(cache.known(user(1), customer(1), &g, counters));
    EXPECT_TRUE(g.exists);
    EXPECT_EQ(g.level, 20);
    // Another customer of an incomplete user: not guessed, read.
    EXPECT_FALSE(cache.known(user(1), customer(2), &g, counters));
    // Another user, the pair in the table under user 1: not user 1's answer.
    EXPECT_FALSE(cache.known(user(2), customer(1), &g, counters));
    EXPECT_FALSE(cache.grant(store, user(2), customer(1), counters).exists);
    // User 2 was asked last: user 1's pair is left to grant().
    EXPECT_FALSE(cache.known(user(1), customer(1), &g, counters));
    ASSERT_TRUE(cache.known(user(2), customer(1), &g, counters));
    EXPECT_FALSE(g.exists);
    // A complete user's miss is "no grant" without a read.
    for (int c = 100; c < 100 + static_cast<int>(UserSlots::kLookupsBeforeBulkLoad); ++c)
        cache.grant(store, user(1), customer(c), counters);
    std::uint64_t lookups = fake.lookups, scans = fake.scans;
    ASSERT_TRUE(cache.known(user(1), customer(2), &g, counters));
    EXPECT_TRUE(g.exists);
    ASSERT_TRUE(cache.known(user(1), customer(999), &g, counters));
    EXPECT_FALSE(g.exists);
    EXPECT_EQ(fake.lookups, lookups);
    EXPECT_EQ(fake.scans, scans);
}

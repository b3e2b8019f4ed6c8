// What one query has learned about grants: an open-addressing hash table from
// (user, customer) to that pair's grant. It owns no memory: the caller hands it slots
// (PostgreSQL allocates them in the query's memory context), so it is trivially
// destructible and safe to abandon on any error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "access_role.hpp"
#include "days_back.hpp"

namespace customer_access {

struct Uuid {
    std::uint8_t bytes[16];
};

struct GrantKey {
    Uuid user;
    Uuid customer;
};

// The grant a pair has: exists false when the pair has no row.
struct Grant {
    bool exists;
    Level level;
    Window window;
};

// The whole decision: does this grant satisfy `need` for a row dated doc_date?
inline constexpr bool grant_admits(const Grant &g, Level need, bool has_date, DayNumber doc_date,
                                   DayNumber today) {
    return g.exists && g.level >= need && window_admits(g.window, has_date, doc_date, today);
}

struct GrantSlot {
    GrantKey key;
    Grant grant;
    bool used;
};

class GrantTable {
  public:
    static constexpr std::uint32_t kMinCapacity = 64;

    // The slot count to allocate after `capacity` (0: none yet), never above max_capacity.
    static std::uint32_t next_capacity(std::uint32_t capacity, std::uint32_t max_capacity);

    // slots: `capacity` zeroed slots; capacity a power of two.
    void attach(GrantSlot *slots, std::uint32_t capacity);

    const Grant *find(const GrantKey &key) const;

    // False when the table is at its load limit: the caller grows it or clears it first.
    bool insert(const GrantKey &key, const Grant &grant);

    // Copies every entry into `bigger`, which must have room for them.
    void copy_into(GrantTable &bigger) const;

    void clear();

    std::uint32_t size() const { return size_; }
    GrantSlot *slot_memory() const { return slots_; }
    std::uint32_t capacity() const { return capacity_; }
    static constexpr std::size_t slot_bytes() { return sizeof(GrantSlot); }

  private:
    std::uint32_t index_of(const GrantKey &key) const;

    GrantSlot *slots_ = nullptr;
    std::uint32_t capacity_ = 0;
    std::uint32_t size_ = 0;
};

static_assert(std::is_trivially_destructible_v<GrantTable>);
static_assert(std::is_trivially_copyable_v<GrantSlot>);

std::uint64_t hash_key(const GrantKey &key);
bool same_key(const GrantKey &a, const GrantKey &b);

}  // namespace customer_access

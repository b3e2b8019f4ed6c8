// What one query has learned about grants: for each (user, customer) pair looked up, the
// pair's grant. Queries almost always check one user, so users get a small number (a
// "user slot") and the hash table is keyed by (slot, customer): 32-byte slots (two to a cache
// line) keep the table of a 10,000-customer scan inside a core's L2 cache.
//
// It owns no memory: the caller hands it the slots (PostgreSQL allocates them in the
// query's memory context), so it is trivially destructible and safe to abandon on error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "access_role.hpp"
#include "days_back.hpp"
#include "expiry.hpp"

namespace customer_access {

struct Uuid {
    std::uint8_t bytes[16];
};

inline bool same_uuid(const Uuid &a, const Uuid &b) {
    return std::memcmp(a.bytes, b.bytes, 16) == 0;
}

// The grant a pair has: exists false when the pair has no row.
struct Grant {
    bool exists;
    Level level;
    Window window;
    Timestamp expires_at = kNeverExpires;
};

// Whether the pair has a grant that counts at now: a row, not expired.
inline constexpr bool grant_in_force(const Grant &g, Timestamp now) {
    return g.exists && in_force(g.expires_at, now);
}

// The whole decision: does this grant satisfy `need` for a row dated doc_date, at now (the
// transaction's start) and on today (its date in the session's time zone)?
inline constexpr bool grant_admits(const Grant &g, Level need, bool has_date, DayNumber doc_date,
                                   DayNumber today, Timestamp now) {
    return grant_in_force(g, now) && g.level >= need &&
           window_admits(g.window, has_date, doc_date, today);
}

// A grant as the cache keeps it: the row as read, its expiry too, so that the answer is the
// rule's at whatever now asks (one statement sees one now).
struct GrantSlot {
    Uuid customer;
    Timestamp expires_at;
    std::int32_t days_back;
    std::uint8_t user;  // user slot + 1; 0 marks an empty slot
    Level level;
    std::uint8_t flags;
    std::uint8_t unused;
};
static_assert(sizeof(GrantSlot) == 32);

// The users one query has checked, numbered 0..kMaxUsers-1, and when to read each one's
// grants in bulk.
class UserSlots {
  public:
    static constexpr int kMaxUsers = 255;
    // After this many index lookups for one user, reading all of the user's grants in one
    // index range scan is cheaper than looking up the rest one by one.
    static constexpr std::uint32_t kLookupsBeforeBulkLoad = 64;

    // The slot of this user, registering it if new; -1 when all slots are taken.
    int slot_of(const Uuid &user) {
        if (count_ > 0 && same_uuid(users_[last_], user))
            return last_;
        for (int i = 0; i < count_; ++i)
            if (same_uuid(users_[i], user))
                return last_ = i;
        if (count_ == kMaxUsers)
            return -1;
        users_[count_] = user;
        complete_[count_] = false;
        lookups_[count_] = 0;
        return last_ = count_++;
    }
    // The slot of this user when it is the one asked about last; -1 otherwise (slot_of then).
    int last_slot_of(const Uuid &user) const {
        return count_ > 0 && same_uuid(users_[last_], user) ? last_ : -1;
    }
    // Counts a lookup of an incomplete user; true when its grants are now to be read in bulk.
    bool bulk_load_due(int slot) { return ++lookups_[slot] == kLookupsBeforeBulkLoad; }
    // A complete user's every grant is in the table: a miss means "no grant".
    bool complete(int slot) const { return complete_[slot]; }
    void set_complete(int slot) { complete_[slot] = true; }
    // After the table was emptied no user is complete any more. A user whose grants fit is
    // read in bulk again after as many lookups as the first time; one whose grants did not
    // fit is not (each load would fill the table again).
    void forget_completeness() {
        for (int i = 0; i < count_; ++i) {
            if (complete_[i])
                lookups_[i] = 0;
            complete_[i] = false;
        }
    }
    void clear() { count_ = last_ = 0; }

  private:
    Uuid users_[kMaxUsers];
    bool complete_[kMaxUsers];
    std::uint32_t lookups_[kMaxUsers];
    int count_ = 0;
    int last_ = 0;
};

// An open-addressing table of (user slot, customer) -> grant with linear probing. Beside the
// slots, one byte per slot: 0 when empty, else a fingerprint of the key, so a probe reads the
// compact fingerprint array and looks at a slot only when its fingerprint matches; a customer
// without a grant is answered from that array alone (what a scan over many customers a user
// does not see mostly asks).
class GrantTable {
  public:
    static constexpr std::uint32_t kMinCapacity = 64;

    // The slot count to allocate after `capacity` (0: none yet), never above max_capacity.
    static std::uint32_t next_capacity(std::uint32_t capacity, std::uint32_t max_capacity);

    // The bytes a table of `capacity` slots needs (slots and fingerprints).
    static constexpr std::size_t bytes_for(std::uint32_t capacity) {
        return static_cast<std::size_t>(capacity) * (sizeof(GrantSlot) + 1);
    }

    // memory: bytes_for(capacity) zeroed bytes, aligned for GrantSlot; capacity a power of two.
    void attach(void *memory, std::uint32_t capacity);

    // The grant of (user slot, customer) into *out; false when it is not in the table.
    bool find(int user, const Uuid &customer, Grant *out) const {
        if (capacity_ == 0)
            return false;
        std::uint8_t fingerprint;
        std::uint32_t i = index_of(user, customer, &fingerprint);
        if (fingerprints_[i] == 0)
            return false;
        const GrantSlot &slot = slots_[i];
        *out = Grant{(slot.flags & kExists) != 0, slot.level,
                     Window{(slot.flags & kUnlimited) != 0, slot.days_back}, slot.expires_at};
        return true;
    }

    // False when the table is at its load limit: the caller grows it or clears it first.
    bool insert(int user, const Uuid &customer, const Grant &grant);

    // Copies every entry into `bigger`, which must have room for them.
    void copy_into(GrantTable &bigger) const;

    void clear();

    std::uint32_t size() const { return size_; }
    std::uint32_t capacity() const { return capacity_; }
    void *memory() const { return slots_; }

  private:
    static constexpr std::uint8_t kExists = 1, kUnlimited = 2;

    static std::uint64_t hash(int user, const Uuid &customer) {
        std::uint64_t lo, hi;
        std::memcpy(&lo, customer.bytes, 8);
        std::memcpy(&hi, customer.bytes + 8, 8);
        std::uint64_t x = lo ^ (hi << 29 | hi >> 35) ^ (static_cast<std::uint64_t>(user) << 56);
        x ^= x >> 31;
        return x * 0x9e3779b97f4a7c15ULL;
    }

    // The slot holding the key, or the empty slot where it would go; its fingerprint (1..255).
    std::uint32_t index_of(int user, const Uuid &customer, std::uint8_t *fingerprint) const {
        const std::uint64_t h = hash(user, customer);
        const std::uint32_t mask = capacity_ - 1;
        std::uint32_t i = static_cast<std::uint32_t>(h >> 32) & mask;
        const std::uint8_t fp = static_cast<std::uint8_t>(1 + (h >> 8) % 255);
        const std::uint8_t tag = static_cast<std::uint8_t>(user + 1);
        *fingerprint = fp;
        while (fingerprints_[i] != 0 && !(fingerprints_[i] == fp && slots_[i].user == tag &&
                                          same_uuid(slots_[i].customer, customer)))
            i = (i + 1) & mask;
        return i;
    }

    GrantSlot *slots_ = nullptr;
    std::uint8_t *fingerprints_ = nullptr;
    std::uint32_t capacity_ = 0;
    std::uint32_t size_ = 0;
};

static_assert(std::is_trivially_destructible_v<GrantTable>);
static_assert(std::is_trivially_destructible_v<UserSlots>);
static_assert(std::is_trivially_copyable_v<GrantSlot>);

}  // namespace customer_access

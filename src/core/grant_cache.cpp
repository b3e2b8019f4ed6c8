#include "grant_cache.hpp"

namespace customer_access {
namespace {

// At most three quarters full: short probe sequences, and a compact table (the probe's
// memory access is what a cached check costs).
bool at_load_limit(std::uint32_t size, std::uint32_t capacity) {
    return static_cast<std::uint64_t>(size + 1) * 4 > static_cast<std::uint64_t>(capacity) * 3;
}

}  // namespace

std::uint32_t GrantTable::next_capacity(std::uint32_t capacity, std::uint32_t max_capacity) {
    if (capacity == 0)
        return kMinCapacity < max_capacity ? kMinCapacity : max_capacity;
    if (capacity >= max_capacity / 2)
        return max_capacity;
    return capacity * 2;
}

void GrantTable::attach(void *memory, std::uint32_t capacity) {
    slots_ = static_cast<GrantSlot *>(memory);
    fingerprints_ = reinterpret_cast<std::uint8_t *>(slots_ + capacity);
    capacity_ = capacity;
    size_ = 0;
}

bool GrantTable::insert(int user, const Uuid &customer, const Grant &grant) {
    if (capacity_ == 0)
        return false;
    std::uint8_t fingerprint;
    std::uint32_t i = index_of(user, customer, &fingerprint);
    GrantSlot &slot = slots_[i];
    if (fingerprints_[i] == 0) {
        if (at_load_limit(size_, capacity_))
            return false;
        fingerprints_[i] = fingerprint;
        slot.user = static_cast<std::uint8_t>(user + 1);
        slot.customer = customer;
        ++size_;
    }
    slot.level = grant.level;
    slot.days_back = grant.window.days_back;
    slot.expires_at = grant.expires_at;
    slot.flags = static_cast<std::uint8_t>((grant.exists ? kExists : 0) |
                                           (grant.window.unlimited ? kUnlimited : 0));
    return true;
}

void GrantTable::copy_into(GrantTable &bigger) const {
    for (std::uint32_t i = 0; i < capacity_; ++i) {
        if (fingerprints_[i] == 0)
            continue;
        const GrantSlot &s = slots_[i];
        bigger.insert(s.user - 1, s.customer,
                      Grant{(s.flags & kExists) != 0, s.level,
                            Window{(s.flags & kUnlimited) != 0, s.days_back}, s.expires_at});
    }
}

void GrantTable::clear() {
    if (capacity_ != 0)
        std::memset(static_cast<void *>(slots_), 0, bytes_for(capacity_));
    size_ = 0;
}

}  // namespace customer_access

#include "grant_cache.hpp"

#include <cstring>

namespace customer_access {
namespace {

std::uint64_t load64(const std::uint8_t *p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// A strong 64-bit finalizer: applications may use sequential or hand-made uuids.
std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

// At most half full keeps probe sequences short.
bool at_load_limit(std::uint32_t size, std::uint32_t capacity) {
    return size + 1 > capacity / 2;
}

}  // namespace

std::uint64_t hash_key(const GrantKey &key) {
    std::uint64_t h = mix(load64(key.customer.bytes) ^ 0x9e3779b97f4a7c15ULL);
    h = mix(h ^ load64(key.customer.bytes + 8));
    h = mix(h ^ load64(key.user.bytes));
    return mix(h ^ load64(key.user.bytes + 8));
}

bool same_key(const GrantKey &a, const GrantKey &b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

std::uint32_t GrantTable::next_capacity(std::uint32_t capacity, std::uint32_t max_capacity) {
    if (capacity == 0)
        return kMinCapacity < max_capacity ? kMinCapacity : max_capacity;
    if (capacity >= max_capacity / 2)
        return max_capacity;
    return capacity * 2;
}

void GrantTable::attach(GrantSlot *slots, std::uint32_t capacity) {
    slots_ = slots;
    capacity_ = capacity;
    size_ = 0;
}

std::uint32_t GrantTable::index_of(const GrantKey &key) const {
    const std::uint32_t mask = capacity_ - 1;
    std::uint32_t i = static_cast<std::uint32_t>(hash_key(key)) & mask;
    while (slots_[i].used && !same_key(slots_[i].key, key))
        i = (i + 1) & mask;
    return i;
}

const Grant *GrantTable::find(const GrantKey &key) const {
    if (capacity_ == 0)
        return nullptr;
    const GrantSlot &slot = slots_[index_of(key)];
    return slot.used ? &slot.grant : nullptr;
}

bool GrantTable::insert(const GrantKey &key, const Grant &grant) {
    if (capacity_ == 0)
        return false;
    GrantSlot &slot = slots_[index_of(key)];
    if (!slot.used) {
        if (at_load_limit(size_, capacity_))
            return false;
        slot.used = true;
        slot.key = key;
        ++size_;
    }
    slot.grant = grant;
    return true;
}

void GrantTable::copy_into(GrantTable &bigger) const {
    for (std::uint32_t i = 0; i < capacity_; ++i)
        if (slots_[i].used)
            bigger.insert(slots_[i].key, slots_[i].grant);
}

void GrantTable::clear() {
    if (capacity_ != 0)
        std::memset(static_cast<void *>(slots_), 0, sizeof(GrantSlot) * capacity_);
    size_ = 0;
}

}  // namespace customer_access

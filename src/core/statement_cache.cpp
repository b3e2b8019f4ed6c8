#include "statement_cache.hpp"

namespace customer_access {

void StatementGrantCache::forget_everything() {
    table_.clear();
    users_.clear();
    has_last_ = false;
}

void StatementGrantCache::release(const GrantStore &store) {
    if (table_.capacity() != 0)
        store.release(store.context, table_.memory());
    table_ = GrantTable();
    forget_everything();
}

// Grows the table up to kMaxSlots; false when it is as large as it may be.
bool StatementGrantCache::grow(const GrantStore &store, CacheCounters &counters) {
    std::uint32_t capacity = GrantTable::next_capacity(table_.capacity(), kMaxSlots);
    if (capacity == table_.capacity())
        return false;
    GrantTable bigger;
    bigger.attach(store.allocate_zeroed(store.context, GrantTable::bytes_for(capacity)), capacity);
    table_.copy_into(bigger);
    if (table_.capacity() != 0)
        store.release(store.context, table_.memory());
    table_ = bigger;
    if (GrantTable::bytes_for(capacity) > counters.peak_bytes)
        counters.peak_bytes = GrantTable::bytes_for(capacity);
    return true;
}

// Stores a looked-up grant; when the table is full at its largest, it starts over.
void StatementGrantCache::remember(const GrantStore &store, int user, const Uuid &customer,
                                   const Grant &grant, CacheCounters &counters) {
    if (table_.insert(user, customer, grant))
        return;
    if (!grow(store, counters)) {
        table_.clear();
        users_.forget_completeness();
    }
    table_.insert(user, customer, grant);
}

void StatementGrantCache::load_one(void *sink, const Uuid &customer, const Grant &grant) {
    auto *self = static_cast<StatementGrantCache *>(sink);
    if (self->loading_overflow_)
        return;
    if (!self->table_.insert(self->loading_user_, customer, grant) &&
        !(self->grow(*self->loading_store_, *self->loading_counters_) &&
          self->table_.insert(self->loading_user_, customer, grant)))
        self->loading_overflow_ = true;
}

// Reads every grant of the user into the table; if they all fit, the user is complete.
void StatementGrantCache::bulk_load(const GrantStore &store, int user, const Uuid &user_id,
                                    CacheCounters &counters) {
    ++counters.bulk_loads;
    loading_store_ = &store;
    loading_counters_ = &counters;
    loading_user_ = user;
    loading_overflow_ = false;
    store.scan_user(store.context, user_id, load_one, this);
    if (!loading_overflow_)
        users_.set_complete(user);
}

Grant StatementGrantCache::grant(const GrantStore &store, const Uuid &user_id, const Uuid &customer,
                                 CacheCounters &counters) {
    ++counters.calls;
    int user = users_.slot_of(user_id);
    if (user < 0) {  // more distinct users in one statement than slots: start over
        forget_everything();
        user = users_.slot_of(user_id);
    }
    if (has_last_ && last_user_ == user && same_uuid(last_customer_, customer)) {
        ++counters.hits;
        return last_grant_;
    }
    Grant grant;
    if (table_.find(user, customer, &grant)) {
        ++counters.hits;
    } else {
        if (!users_.complete(user) && users_.bulk_load_due(user))
            bulk_load(store, user, user_id, counters);
        if (users_.complete(user)) {
            // A complete user's misses are not stored: they would fill the table and start it
            // over, and the user would be looked up row by row from then on.
            ++counters.hits;
            if (!table_.find(user, customer, &grant))
                grant = Grant{false, 0, Window{true, 0}};
        } else {
            ++counters.index_lookups;
            grant = store.lookup(store.context, user_id, customer);
            remember(store, user, customer, grant, counters);
        }
    }
    has_last_ = true;
    last_user_ = user;
    last_customer_ = customer;
    last_grant_ = grant;
    return grant;
}

}  // namespace customer_access

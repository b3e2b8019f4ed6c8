#include "identity_rules.hpp"

namespace customer_access {

Lifetime identity_lifetime(IdentityMode mode, IdentityScope scope) noexcept {
    switch (mode) {
        case IdentityMode::kToken:
            return Lifetime::kTransaction;
        case IdentityMode::kLogin:
            return Lifetime::kSession;
        case IdentityMode::kSetting:
        case IdentityMode::kClaims:
            break;
    }
    return scope == IdentityScope::kSession ? Lifetime::kSession : Lifetime::kTransaction;
}

bool identity_counts(Lifetime lifetime, TransactionStamp given_in, TransactionStamp now) noexcept {
    if (lifetime == Lifetime::kSession)
        return true;
    return given_in != kNoTransaction && given_in == now;
}

UserSource user_source(bool parallel_worker, NodeRole node, bool settings_trusted,
                       IdentityMode mode) noexcept {
    if (parallel_worker)
        return UserSource::kLeader;
    switch (node) {
        case NodeRole::kCarried:
            return UserSource::kCarrier;
        case NodeRole::kNone:
            return UserSource::kNothing;
        case NodeRole::kOwn:
            break;
    }
    if (!settings_trusted)
        return UserSource::kUntrusted;
    switch (mode) {
        case IdentityMode::kSetting:
            return UserSource::kSetting;
        case IdentityMode::kClaims:
            return UserSource::kClaims;
        case IdentityMode::kToken:
            return UserSource::kToken;
        case IdentityMode::kLogin:
            return UserSource::kLogin;
    }
    return UserSource::kNothing;
}

bool user_id_settable(IdentityMode mode) noexcept {
    return mode == IdentityMode::kSetting || mode == IdentityMode::kClaims;
}

}  // namespace customer_access

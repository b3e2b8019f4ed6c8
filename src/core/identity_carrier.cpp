#include "identity_carrier.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>

namespace customer_access {
namespace {

constexpr std::string_view kCarrierKind = "ca3";
constexpr std::string_view kCopyProofKind = "cp1";
constexpr std::string_view kResultPassKind = "rp1";
constexpr char kHex[] = "0123456789abcdef";

// The plaintext: numbers as "<decimal>;", one-character codes as themselves, byte strings
// as "<length>:<bytes>".
class Writer {
  public:
    void number(std::int64_t value) {
        out_ += std::to_string(value);
        out_ += ';';
    }
    void unsigned_number(std::uint64_t value) {
        out_ += std::to_string(value);
        out_ += ';';
    }
    void code(char c) { out_ += c; }
    void bytes(std::string_view value) {
        out_ += std::to_string(value.size());
        out_ += ':';
        out_ += value;
    }
    std::string &text() { return out_; }

  private:
    std::string out_;
};

class Reader {
  public:
    explicit Reader(std::string_view text) : rest_(text) {}

    template <typename T>
    bool number(T &value) noexcept {
        std::size_t end = rest_.find(';');
        if (end == std::string_view::npos)
            return false;
        std::string_view text = rest_.substr(0, end);
        // one spelling per number: no leading zero, no "-0", no "+"
        std::string_view digits = !text.empty() && text[0] == '-' ? text.substr(1) : text;
        if (digits.empty() || (digits.size() > 1 && digits[0] == '0') ||
            (digits.size() != text.size() && digits == "0"))
            return false;
        auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || stop != text.data() + text.size())
            return false;
        rest_.remove_prefix(end + 1);
        return true;
    }
    bool code(char &c) noexcept {
        if (rest_.empty())
            return false;
        c = rest_[0];
        rest_.remove_prefix(1);
        return true;
    }
    bool bytes(std::string_view &value, std::size_t max) noexcept {
        std::size_t colon = rest_.find(':');
        std::size_t length = 0;
        if (colon == std::string_view::npos)
            return false;
        std::string_view digits = rest_.substr(0, colon);
        if (digits.empty() || (digits.size() > 1 && digits[0] == '0'))
            return false;
        auto [stop, error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
        if (error != std::errc() || stop != digits.data() + digits.size() || length > max ||
            length > rest_.size() - colon - 1)
            return false;
        value = rest_.substr(colon + 1, length);
        rest_.remove_prefix(colon + 1 + length);
        return true;
    }
    bool done() const noexcept { return rest_.empty(); }

  private:
    std::string_view rest_;
};

bool is_status(char c) noexcept {
    return c == 'n' || c == 'u' || c == 's' || c == 'i';
}

bool is_purpose(char c) noexcept {
    return c == 'r' || c == 'c' || c == 't' || c == 'f';
}

bool is_lower_hex(std::string_view text) noexcept {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The longest plaintext a carrier may have: every field at its limit.
constexpr std::size_t kMaxCarrierPlaintext =
    kMaxCarriedClaims + kMaxCarriedSessions * sizeof(SessionTag) + 1024;

std::string plaintext_of(const CarriedIdentity &identity) {
    Writer w;
    w.number(identity.transaction.initiator);
    w.unsigned_number(identity.transaction.number);
    w.number(identity.transaction.started);
    w.number(identity.sealed_at);
    w.code(static_cast<char>(identity.purpose));
    w.code(static_cast<char>(identity.status));
    w.bytes(identity.status == CarriedStatus::kUser
                ? std::string_view(reinterpret_cast<const char *>(identity.user.bytes), 16)
                : std::string_view());
    w.bytes(identity.role);
    w.bytes(identity.claims);
    std::string sessions;
    for (SessionTag tag : identity.sessions)
        for (int shift = 56; shift >= 0; shift -= 8)
            sessions.push_back(static_cast<char>((tag >> shift) & 0xff));
    w.bytes(sessions);
    w.bytes(identity.link);
    return std::move(w.text());
}

}  // namespace

std::string seal_carrier(std::string_view secret, std::string_view database,
                         const CarriedIdentity &identity, const BoxNonce &nonce) noexcept {
    try {
        if (identity.claims.size() > kMaxCarriedClaims ||
            identity.sessions.size() > kMaxCarriedSessions || identity.role.size() > 256 ||
            !(identity.link.empty() || (identity.link.size() == 32 && is_lower_hex(identity.link))))
            return {};
        return seal_box(secret, kCarrierKind, database, nonce, plaintext_of(identity));
    } catch (...) {
        return {};
    }
}

std::optional<CarriedIdentity> open_carrier(std::string_view secret, std::string_view database,
                                            std::string_view text) noexcept {
    try {
        std::optional<std::string> plain =
            open_box(secret, kCarrierKind, database, text, kMaxCarrierPlaintext);
        if (!plain)
            return std::nullopt;
        Reader r(*plain);
        CarriedIdentity identity{};
        char purpose = 0, status = 0;
        std::string_view user, role, claims, sessions, link;
        if (!r.number(identity.transaction.initiator) || !r.number(identity.transaction.number) ||
            !r.number(identity.transaction.started) || !r.number(identity.sealed_at) ||
            !r.code(purpose) || !is_purpose(purpose) || !r.code(status) || !is_status(status) ||
            !r.bytes(user, 16) || !r.bytes(role, 256) || !r.bytes(claims, kMaxCarriedClaims) ||
            !r.bytes(sessions, kMaxCarriedSessions * sizeof(SessionTag)) || !r.bytes(link, 32) ||
            !r.done())
            return std::nullopt;
        identity.purpose = static_cast<CarrierPurpose>(purpose);
        identity.status = static_cast<CarriedStatus>(status);
        if (user.size() != (identity.status == CarriedStatus::kUser ? 16u : 0u) ||
            sessions.size() % sizeof(SessionTag) != 0 || !(link.empty() || link.size() == 32) ||
            !is_lower_hex(link))
            return std::nullopt;
        for (std::size_t i = 0; i < user.size(); ++i)
            identity.user.bytes[i] = static_cast<std::uint8_t>(user[i]);
        identity.role = role;
        identity.claims = claims;
        for (std::size_t i = 0; i < sessions.size(); i += sizeof(SessionTag)) {
            SessionTag tag = 0;
            for (std::size_t b = 0; b < sizeof(SessionTag); ++b)
                tag = (tag << 8) | static_cast<std::uint8_t>(sessions[i + b]);
            identity.sessions.push_back(tag);
        }
        identity.link = link;
        return identity;
    } catch (...) {
        return std::nullopt;
    }
}

std::string session_tag_text(SessionTag tag) {
    std::string text(16, '0');
    for (int i = 15; i >= 0; --i, tag >>= 4)
        text[i] = kHex[tag & 15];
    return text;
}

std::optional<SessionTag> parse_session_tag(std::string_view text) noexcept {
    if (text.size() != 16 || !is_lower_hex(text))
        return std::nullopt;
    SessionTag tag = 0;
    for (char c : text)
        tag = (tag << 4) | static_cast<SessionTag>(c <= '9' ? c - '0' : c - 'a' + 10);
    if (tag == 0)
        return std::nullopt;
    return tag;
}

bool is_link_key(std::string_view text) noexcept {
    return text.size() == 32 && is_lower_hex(text);
}

std::string link_fingerprint(std::string_view secret, std::string_view link_key) noexcept {
    if (!is_link_key(link_key))
        return {};
    return keyed_digest(secret, "link", link_key, 16);
}

CarrierVerdict judge_carrier(const CarriedIdentity &carrier, const NodeBackend &backend,
                             CarrierUse use) noexcept {
    bool by_session =
        backend.session != 0 && std::find(carrier.sessions.begin(), carrier.sessions.end(),
                                          backend.session) != carrier.sessions.end();
    bool by_link =
        !carrier.link.empty() && backend.link.size() == carrier.link.size() &&
        CRYPTO_memcmp(carrier.link.data(), backend.link.data(), carrier.link.size()) == 0;
    if (!by_session && !by_link)
        return CarrierVerdict::kOtherConnection;
    if (!backend.transaction || !same_transaction(*backend.transaction, carrier.transaction))
        return CarrierVerdict::kOtherTransaction;
    if (backend.session_role != carrier.role)
        return CarrierVerdict::kOtherRole;
    if (!carrier_fresh(carrier.sealed_at, backend.now))
        return CarrierVerdict::kExpired;
    bool allowed = false;
    switch (use) {
        case CarrierUse::kRead:
            allowed = true;
            break;
        case CarrierUse::kInsertRows:
            allowed = (carrier.purpose == CarrierPurpose::kChange && by_session) ||
                      carrier.purpose == CarrierPurpose::kFill;
            break;
        case CarrierUse::kChangeRows:
            allowed = carrier.purpose == CarrierPurpose::kChange && by_session;
            break;
        case CarrierUse::kTruncate:
            allowed = carrier.purpose == CarrierPurpose::kTruncate && by_session;
            break;
    }
    return allowed ? CarrierVerdict::kAccepted : CarrierVerdict::kNotThisChange;
}

std::string seal_copy_proof(std::string_view secret, std::string_view database,
                            const CopyProof &proof, const BoxNonce &nonce) noexcept {
    try {
        Writer w;
        w.number(proof.shard);
        w.number(proof.group);
        w.number(proof.sealed_at);
        return seal_box(secret, kCopyProofKind, database, nonce, w.text());
    } catch (...) {
        return {};
    }
}

std::optional<CopyProof> open_copy_proof(std::string_view secret, std::string_view database,
                                         std::string_view text) noexcept {
    try {
        std::optional<std::string> plain = open_box(secret, kCopyProofKind, database, text, 128);
        if (!plain)
            return std::nullopt;
        Reader r(*plain);
        CopyProof proof{};
        if (!r.number(proof.shard) || !r.number(proof.group) || !r.number(proof.sealed_at) ||
            !r.done())
            return std::nullopt;
        return proof;
    } catch (...) {
        return std::nullopt;
    }
}

bool copy_proof_admits(const CopyProof &proof, std::int64_t shard, std::int32_t group,
                       std::int64_t now) noexcept {
    return proof.shard == shard && proof.group == group && carrier_fresh(proof.sealed_at, now);
}

std::string seal_result_pass(std::string_view secret, std::string_view database,
                             const ResultPass &pass, const BoxNonce &nonce) noexcept {
    try {
        Writer w;
        w.number(pass.transaction.initiator);
        w.unsigned_number(pass.transaction.number);
        w.number(pass.transaction.started);
        w.bytes(pass.role);
        w.number(pass.sealed_at);
        return seal_box(secret, kResultPassKind, database, nonce, w.text());
    } catch (...) {
        return {};
    }
}

std::optional<ResultPass> open_result_pass(std::string_view secret, std::string_view database,
                                           std::string_view text) noexcept {
    try {
        std::optional<std::string> plain = open_box(secret, kResultPassKind, database, text, 512);
        if (!plain)
            return std::nullopt;
        Reader r(*plain);
        ResultPass pass{};
        std::string_view role;
        if (!r.number(pass.transaction.initiator) || !r.number(pass.transaction.number) ||
            !r.number(pass.transaction.started) || !r.bytes(role, 256) ||
            !r.number(pass.sealed_at) || !r.done())
            return std::nullopt;
        pass.role = role;
        return pass;
    } catch (...) {
        return std::nullopt;
    }
}

bool may_use_intermediate_results(const ResultsAccess &access) noexcept {
    if (!access.transaction || access.originator || access.carrier_accepted)
        return true;
    return access.pass && same_transaction(access.pass->transaction, *access.transaction) &&
           access.pass->role == access.session_role &&
           carrier_fresh(access.pass->sealed_at, access.now);
}

}  // namespace customer_access

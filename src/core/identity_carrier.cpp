#include "identity_carrier.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <new>

namespace customer_access {
namespace {

constexpr std::string_view kVersion = "ca2";
constexpr char kHex[] = "0123456789abcdef";

void append_hex(std::string &out, const unsigned char *bytes, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 15]);
    }
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// Decodes lowercase hex into out; false for anything else.
bool decode_hex(std::string_view text, std::string &out) {
    if (text.size() % 2 != 0)
        return false;
    out.clear();
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        int high = hex_value(text[i]), low = hex_value(text[i + 1]);
        if (high < 0 || low < 0)
            return false;
        out.push_back(static_cast<char>(high * 16 + low));
    }
    return true;
}

// The seal over everything before it, with the database as associated data.
bool seal(std::string_view secret, std::string_view database, std::string_view body,
          unsigned char (&mac)[32]) {
    std::string message(kVersion);
    message += '\0';
    message += database;
    message += '\0';
    message += body;
    unsigned int length = 0;
    return HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                reinterpret_cast<const unsigned char *>(message.data()), message.size(), mac,
                &length) != nullptr &&
           length == sizeof mac;
}

template <typename T>
bool parse_number(std::string_view text, T &value) noexcept {
    // one spelling per number: no leading zero, no "-0"
    std::string_view digits = !text.empty() && text[0] == '-' ? text.substr(1) : text;
    if (digits.empty() || (digits.size() > 1 && digits[0] == '0') ||
        (digits.size() != text.size() && digits == "0"))
        return false;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

bool is_status(char c) noexcept {
    return c == 'n' || c == 'u' || c == 's' || c == 'i';
}

}  // namespace

std::string seal_carrier(std::string_view secret, std::string_view database,
                         const CarriedIdentity &identity) {
    std::string body(kVersion);
    for (std::int64_t number :
         {static_cast<std::int64_t>(identity.binding.initiator),
          static_cast<std::int64_t>(identity.binding.transaction), identity.binding.started,
          identity.sealed_at, static_cast<std::int64_t>(identity.gpid)}) {
        body += '.';
        body += std::to_string(number);
    }
    body += '.';
    body += identity.writes_grants ? 'w' : 'r';
    body += '.';
    body += static_cast<char>(identity.status);
    body += '.';
    if (identity.status == CarriedStatus::kUser)
        append_hex(body, identity.user.bytes, sizeof identity.user.bytes);
    body += '.';
    append_hex(body, reinterpret_cast<const unsigned char *>(identity.role.data()),
               identity.role.size());
    body += '.';
    append_hex(body, reinterpret_cast<const unsigned char *>(identity.claims.data()),
               identity.claims.size());
    unsigned char mac[32];
    if (!seal(secret, database, body, mac))
        throw std::bad_alloc();
    body += '.';
    append_hex(body, mac, sizeof mac);
    return body;
}

std::optional<CarriedIdentity> open_carrier(std::string_view secret, std::string_view database,
                                            std::string_view text) noexcept {
    try {
        if (text.size() > 4 * kMaxCarriedClaims)
            return std::nullopt;
        std::size_t last = text.rfind('.');
        if (last == std::string_view::npos)
            return std::nullopt;
        std::string_view body = text.substr(0, last);
        std::string given;
        unsigned char mac[32];
        if (!decode_hex(text.substr(last + 1), given) || given.size() != sizeof mac ||
            !seal(secret, database, body, mac) || CRYPTO_memcmp(mac, given.data(), sizeof mac) != 0)
            return std::nullopt;
        constexpr int kFields = 11;
        std::string_view fields[kFields];
        std::string_view rest = body;
        for (int i = 0; i < kFields; ++i) {
            std::size_t dot = rest.find('.');
            if ((dot == std::string_view::npos) != (i == kFields - 1))
                return std::nullopt;
            fields[i] = rest.substr(0, dot);
            rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
        }
        CarriedIdentity identity{};
        std::int64_t started, sealed_at, gpid;
        if (fields[0] != kVersion || !parse_number(fields[1], identity.binding.initiator) ||
            !parse_number(fields[2], identity.binding.transaction) ||
            !parse_number(fields[3], started) || !parse_number(fields[4], sealed_at) ||
            !parse_number(fields[5], gpid) || gpid < 0 || (fields[6] != "w" && fields[6] != "r") ||
            fields[7].size() != 1 || !is_status(fields[7][0]))
            return std::nullopt;
        identity.binding.started = started;
        identity.sealed_at = sealed_at;
        identity.gpid = static_cast<std::uint64_t>(gpid);
        identity.writes_grants = fields[6] == "w";
        identity.status = static_cast<CarriedStatus>(fields[7][0]);
        std::string user;
        if (!decode_hex(fields[8], user) ||
            user.size() != (identity.status == CarriedStatus::kUser ? 16u : 0u))
            return std::nullopt;
        for (std::size_t i = 0; i < user.size(); ++i)
            identity.user.bytes[i] = static_cast<std::uint8_t>(user[i]);
        if (!decode_hex(fields[9], identity.role) || !decode_hex(fields[10], identity.claims))
            return std::nullopt;
        return identity;
    } catch (...) {
        return std::nullopt;
    }
}

}  // namespace customer_access

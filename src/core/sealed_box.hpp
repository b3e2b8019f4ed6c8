// Authenticated encryption for what one node of a Citus cluster hands another through a
// channel other sessions may read (statement texts, logs): AES-256-GCM under a key derived
// from the cluster's shared secret and a label (one key per kind of message), with the
// database and the message kind as associated data. No cryptography is written here: only
// libcrypto calls. Every function is noexcept.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace customer_access {

// The random nonce of one box; the caller draws it from a strong random source.
using BoxNonce = std::array<std::uint8_t, 12>;

// "<kind>.<nonce hex>.<ciphertext hex>.<tag hex>", or "" when libcrypto fails. `kind` is
// lowercase letters and digits; it and `database` are bound as associated data.
std::string seal_box(std::string_view secret, std::string_view kind, std::string_view database,
                     const BoxNonce &nonce, std::string_view plaintext) noexcept;

// The plaintext of a box sealed with the same secret, kind and database; nullopt for any
// other text (at most max_plaintext bytes).
std::optional<std::string> open_box(std::string_view secret, std::string_view kind,
                                    std::string_view database, std::string_view text,
                                    std::size_t max_plaintext) noexcept;

// HMAC-SHA256 of `message` under a key derived from the secret and `label`, as lowercase hex
// of its first `bytes` bytes (at most 32); "" when libcrypto fails.
std::string keyed_digest(std::string_view secret, std::string_view label, std::string_view message,
                         std::size_t bytes) noexcept;

}  // namespace customer_access

// base64url (RFC 4648 section 5) without padding, as JWS uses it: the one encoding helper
// customer_access writes itself. Strict: only the URL-safe alphabet, no '=', no white space,
// and the unused low bits of the last character must be zero (one encoding per value).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace customer_access {

// The decoded size of `length` characters, or nullopt when no valid encoding has that length.
std::optional<std::size_t> base64url_decoded_size(std::size_t length) noexcept;

// Decodes into out (room for base64url_decoded_size(text.size()) bytes); the decoded size,
// or nullopt for text that is not strict base64url.
std::optional<std::size_t> base64url_decode(std::string_view text, std::uint8_t *out) noexcept;

}  // namespace customer_access

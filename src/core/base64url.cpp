#include "base64url.hpp"

namespace customer_access {
namespace {

int value_of(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

}  // namespace

std::optional<std::size_t> base64url_decoded_size(std::size_t length) noexcept {
    if (length % 4 == 1)
        return std::nullopt;
    return length / 4 * 3 + (length % 4 == 0 ? 0 : length % 4 - 1);
}

std::optional<std::size_t> base64url_decode(std::string_view text, std::uint8_t *out) noexcept {
    std::optional<std::size_t> size = base64url_decoded_size(text.size());
    if (!size)
        return std::nullopt;
    std::uint32_t bits = 0;
    int pending = 0;
    std::size_t written = 0;
    for (char c : text) {
        int v = value_of(c);
        if (v < 0)
            return std::nullopt;
        bits = (bits << 6) | static_cast<std::uint32_t>(v);
        pending += 6;
        if (pending >= 8) {
            pending -= 8;
            out[written++] = static_cast<std::uint8_t>(bits >> pending);
            bits &= (1u << pending) - 1;
        }
    }
    if (bits != 0)  // non-zero unused bits: not the canonical encoding
        return std::nullopt;
    return written;
}

}  // namespace customer_access

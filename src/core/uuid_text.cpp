#include "uuid_text.hpp"

#include <cstddef>

namespace customer_access {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<Uuid> parse_uuid(std::string_view text) noexcept {
    bool braces = !text.empty() && text.front() == '{';
    if (braces) {
        if (text.size() < 2 || text.back() != '}')
            return std::nullopt;
        text = text.substr(1, text.size() - 2);
    }
    Uuid uuid{};
    std::size_t at = 0;
    for (int i = 0; i < 16; ++i) {
        if (at + 2 > text.size())
            return std::nullopt;
        int hi = hex_value(text[at]), lo = hex_value(text[at + 1]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        uuid.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
        at += 2;
        if (at < text.size() && text[at] == '-' && i % 2 == 1 && i < 15)
            ++at;
    }
    if (at != text.size())
        return std::nullopt;
    return uuid;
}

}  // namespace customer_access

#include "access_role.hpp"

#include <cstddef>

namespace customer_access {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

// Built at compile time from kRoles, so the hint can never disagree with the table.
constexpr std::size_t spellings_length() {
    std::size_t n = 0;
    for (const RoleInfo &r : kRoles)
        n += r.code.size() + 2 + r.api_name.size() + 2;
    return n - 2 + 1;
}

struct Spellings {
    char text[spellings_length()] = {};
    constexpr Spellings() {
        std::size_t at = 0;
        auto append = [&](std::string_view s) {
            if (at != 0) {
                text[at++] = ',';
                text[at++] = ' ';
            }
            for (char c : s)
                text[at++] = c;
        };
        for (const RoleInfo &r : kRoles)
            append(r.code);
        for (const RoleInfo &r : kRoles)
            append(r.api_name);
        text[at] = '\0';
    }
};

constexpr Spellings kSpellings;

}  // namespace

const RoleInfo *role_by_level(long long level) noexcept {
    for (const RoleInfo &r : kRoles)
        if (r.level == level)
            return &r;
    return nullptr;
}

std::optional<Level> parse_role(std::string_view text) noexcept {
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    for (const RoleInfo &r : kRoles)
        if (equals_ignoring_case(text, r.code) || equals_ignoring_case(text, r.api_name))
            return r.level;
    return std::nullopt;
}

const char *valid_role_spellings() noexcept {
    return kSpellings.text;
}

}  // namespace customer_access

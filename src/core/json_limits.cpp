#include "json_limits.hpp"

#include <cstdint>

namespace customer_access {

std::size_t json_nesting_depth(std::string_view text) noexcept {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth)
                return SIZE_MAX;
            if (depth > deepest)
                deepest = depth;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

bool json_number_is_moderate(std::string_view token) noexcept {
    if (token.size() > 300)
        return false;
    std::size_t e = token.find_first_of("eE");
    if (e == std::string_view::npos)
        return true;
    long exponent = 0;
    for (std::size_t i = e + 1; i < token.size(); ++i) {
        char c = token[i];
        if (c == '+' || c == '-')
            continue;
        if (c < '0' || c > '9')
            return false;
        exponent = exponent * 10 + (c - '0');
        if (exponent > 1000)
            return false;
    }
    return true;
}

}  // namespace customer_access

// A sealed message (a carrier, a copy proof, a result pass) in palloc'd memory: the one copy
// out of the C++ string that core returns, made where that string lives.
#pragma once

#include <cstring>
#include <string>

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// The text in the current memory context; nullptr when it is empty (sealing failed) or memory
// ran out. Raises no error.
inline char *palloc_sealed(const std::string &text) noexcept {
    if (text.empty())
        return nullptr;
    auto *out = static_cast<char *>(palloc_extended(text.size() + 1, MCXT_ALLOC_NO_OOM));
    if (out != nullptr)
        memcpy(out, text.c_str(), text.size() + 1);
    return out;
}

}  // namespace customer_access::pg

#include "grant_row.hpp"

#include <cstdio>

#include "access_role.hpp"

namespace customer_access {
namespace {

// Appends to a bounded buffer and counts what it would have written.
class Writer {
  public:
    Writer(char *out, std::size_t capacity) : out_(out), capacity_(capacity) {}
    void put(char c) {
        if (length_ + 1 < capacity_)
            out_[length_] = c;
        ++length_;
    }
    void put(std::string_view s) {
        for (char c : s)
            put(c);
    }
    void put_int(long long value) {
        char digits[24];
        int n = std::snprintf(digits, sizeof digits, "%lld", value);
        put(std::string_view(digits, static_cast<std::size_t>(n)));
    }
    void put_string(std::string_view s) {
        static const char hex[] = "0123456789abcdef";
        put('"');
        for (char c : s) {
            unsigned char u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                put('\\');
                put(c);
            } else if (u < 0x20) {
                put("\\u00");
                put(hex[u >> 4]);
                put(hex[u & 15]);
            } else {
                put(c);
            }
        }
        put('"');
    }
    void put_uuid(const Uuid &u) {
        char text[37];
        uuid_to_text(u, text);
        put_string(text);
    }
    std::size_t finish() {
        if (capacity_ > 0)
            out_[length_ < capacity_ ? length_ : capacity_ - 1] = '\0';
        return length_;
    }

  private:
    char *out_;
    std::size_t capacity_;
    std::size_t length_ = 0;
};

}  // namespace

void uuid_to_text(const Uuid &u, char out[37]) noexcept {
    static const char hex[] = "0123456789abcdef";
    int at = 0;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[at++] = '-';
        out[at++] = hex[u.bytes[i] >> 4];
        out[at++] = hex[u.bytes[i] & 15];
    }
    out[at] = '\0';
}

std::size_t grant_row_json(const GrantRow &row, char *out, std::size_t capacity) noexcept {
    Writer w(out, capacity);
    const RoleInfo *role = role_by_level(row.grant.level);
    w.put("{\"id\": ");
    w.put_uuid(row.id);
    w.put(", \"role\": ");
    if (role != nullptr)
        w.put_string(role->code);
    else
        w.put("null");
    w.put(", \"notes\": ");
    if (row.has_notes)
        w.put_string(row.notes);
    else
        w.put("null");
    w.put(", \"user_id\": ");
    w.put_uuid(row.user);
    w.put(", \"customer_id\": ");
    w.put_uuid(row.customer);
    w.put(", \"object_version\": ");
    w.put_int(row.object_version);
    w.put(", \"days_back_access\": ");
    if (row.grant.window.unlimited)
        w.put("null");
    else
        w.put_int(row.grant.window.days_back);
    w.put(", \"expires_at\": ");
    if (row.has_expires_at)
        w.put_string(row.expires_at_text);
    else
        w.put("null");
    w.put('}');
    return w.finish();
}

}  // namespace customer_access

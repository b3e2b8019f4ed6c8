// libFuzzer target for src/core: role text and binary input, uuid text, the days-back and
// Owner rules, and the grant cache against a simple model. Any disagreement aborts.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "access_role.hpp"
#include "days_back.hpp"
#include "grant_cache.hpp"
#include "base64url.hpp"
#include "ddl_rule.hpp"
#include "expression_rule.hpp"
#include "foreign_key_rule.hpp"
#include "restore_mode.hpp"
#include "grant_row.hpp"
#include "identity_carrier.hpp"
#include "json_limits.hpp"
#include "jwk_rules.hpp"
#include "jws.hpp"
#include "owner_rule.hpp"
#include "statement_cache.hpp"
#include "token_rules.hpp"
#include "uuid_text.hpp"

using namespace customer_access;

namespace {

void check(bool ok) {
    if (!ok)
        std::abort();
}

std::int32_t take_int(const std::uint8_t *&data, std::size_t &size) {
    std::int32_t v = 0;
    std::size_t n = size < 4 ? size : 4;
    std::memcpy(&v, data, n);
    data += n;
    size -= n;
    return v;
}

void fuzz_role_text(std::string_view text) {
    std::optional<Level> level = parse_role(text);
    if (!level)
        return;
    const RoleInfo *info = role_by_level(*level);
    check(info != nullptr);
    check(parse_role(info->code) == level && parse_role(info->api_name) == level);
    check(text.find('\0') == std::string_view::npos);
}

// The binary form is one byte: accepted exactly when it is a level.
void fuzz_role_binary(const std::uint8_t *data, std::size_t size) {
    if (size != 1)
        return;
    const RoleInfo *info = role_by_level(data[0]);
    check((info != nullptr) == (data[0] % 10 == 0 && data[0] >= 10 && data[0] <= 90 &&
                                data[0] != 50 && data[0] != 60 && data[0] != 70));
}

void fuzz_uuid(std::string_view text) {
    std::optional<Uuid> u = parse_uuid(text);
    if (!u)
        return;
    static const char hex[] = "0123456789abcdef";
    std::string canonical;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            canonical += '-';
        canonical += hex[u->bytes[i] >> 4];
        canonical += hex[u->bytes[i] & 15];
    }
    std::optional<Uuid> again = parse_uuid(canonical);
    check(again && std::memcmp(again->bytes, u->bytes, 16) == 0);
}

void fuzz_rules(const std::uint8_t *data, std::size_t size) {
    std::int32_t days = take_int(data, size), doc = take_int(data, size),
                 today = take_int(data, size);
    std::int32_t flags = take_int(data, size);
    Window w{(flags & 1) != 0, days < 0 ? -(days + 1) : days};
    bool has_date = (flags & 2) != 0;
    bool admits = window_admits(w, has_date, doc, today);
    bool expected = w.unlimited || (has_date && static_cast<long long>(doc) >=
                                                    static_cast<long long>(today) - w.days_back);
    check(admits == expected);
    if (admits && has_date && doc < kInfinityDay)
        check(window_admits(w, true, doc + 1, today));
    Level a = static_cast<Level>((flags >> 8) & 0xff), b = static_cast<Level>((flags >> 16) & 0xff);
    Grant before{true, a, w}, after{true, b, Window{(flags & 4) != 0, days & 0x7fffffff}};
    OwnerChange change = check_owner_change(before, &after, (flags & 8) != 0, false);
    check((change == OwnerChange::kAllowed) ==
          (a != kOwnerLevel ||
           (b == kOwnerLevel && (flags & 8) == 0 && !window_narrows(w, after.window))));
    check(check_owner_change(before, nullptr, false, false) ==
          (a == kOwnerLevel ? OwnerChange::kDelete : OwnerChange::kAllowed));
}

// Random inserts and finds on a small table, against std::map.
void fuzz_cache(const std::uint8_t *data, std::size_t size) {
    std::vector<GrantSlot> slots(
        GrantTable::bytes_for(GrantTable::kMinCapacity) / sizeof(GrantSlot) + 1);
    GrantTable table;
    table.attach(slots.data(), GrantTable::kMinCapacity);
    std::map<std::pair<int, std::uint8_t>, Grant> model;
    for (std::size_t i = 0; i + 3 <= size; i += 3) {
        int user = data[i] % 3;
        std::uint8_t key = data[i + 1] % 64;
        Uuid customer{};
        customer.bytes[15] = key;
        customer.bytes[0] = static_cast<std::uint8_t>(key * 37);
        Grant grant{(data[i + 2] & 1) != 0, static_cast<Level>(data[i + 2] & 0xf0),
                    Window{(data[i + 2] & 2) != 0, data[i + 2]}};
        if (data[i] & 0x80) {
            if (table.insert(user, customer, grant))
                model[{user, key}] = grant;
            else
                check(table.size() == model.size() && model.find({user, key}) == model.end());
        } else {
            Grant found;
            auto it = model.find({user, key});
            bool in_table = table.find(user, customer, &found);
            check(in_table == (it != model.end()));
            if (in_table)
                check(found.exists == it->second.exists && found.level == it->second.level &&
                      found.window.unlimited == it->second.window.unlimited &&
                      found.window.days_back == it->second.window.days_back);
        }
    }
}

// The history's JSON of a row with arbitrary notes and numbers: a well-formed object whose
// notes string decodes back to the input bytes, and a size that matches what is written.
void fuzz_row_json(const std::uint8_t *data, std::size_t size) {
    GrantRow row{};
    std::int32_t flags = take_int(data, size);
    row.grant = Grant{true, static_cast<Level>(flags & 0xff),
                      Window{(flags & 0x100) != 0, take_int(data, size) & 0x7fffffff}};
    row.object_version = take_int(data, size);
    row.has_notes = (flags & 0x200) != 0;
    row.notes = std::string_view(reinterpret_cast<const char *>(data), size);
    std::size_t needed = grant_row_json(row, nullptr, 0);
    std::string out(needed, '\0');
    check(grant_row_json(row, out.data(), needed + 1) == needed);
    check(out.front() == '{' && out.back() == '}');
    if (!row.has_notes)
        return;
    std::size_t at = out.find("\"notes\": \"");
    check(at != std::string::npos);
    std::string decoded;
    for (at += 10; out[at] != '"'; ++at) {
        unsigned char c = static_cast<unsigned char>(out[at]);
        check(c >= 0x20);
        if (c != '\\') {
            decoded += out[at];
            continue;
        }
        char e = out[++at];
        if (e == 'u') {
            decoded += static_cast<char>(std::stoi(out.substr(at + 1, 4), nullptr, 16));
            at += 4;
        } else {
            check(e == '"' || e == '\\');
            decoded += e;
        }
    }
    check(decoded == row.notes);
}

// base64url: decodes exactly the strings a strict encoder would write, and re-encodes them
// to the same text; splitting and verifying any text as a token never crashes and never
// accepts a signature the fuzzer did not make.
void fuzz_token(std::string_view text) {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::vector<std::uint8_t> out(text.size());
    std::optional<std::size_t> n = base64url_decode(text, out.data());
    if (n) {
        std::string again;
        std::uint32_t bits = 0;
        int pending = 0;
        for (std::size_t i = 0; i < *n; ++i) {
            bits = (bits << 8) | out[i];
            pending += 8;
            while (pending >= 6) {
                pending -= 6;
                again += alphabet[(bits >> pending) & 63];
            }
        }
        if (pending > 0)
            again += alphabet[(bits << (6 - pending)) & 63];
        check(again == text);
    }
    std::optional<JwsParts> parts = split_jws(text);
    if (!parts)
        return;
    check(parts->signing_input.size() + 1 + parts->signature.size() == text.size());
    // A token is in every statement text that holds it, and in none that lacks its signature.
    check(token_in_text(text, "SELECT '" + std::string(text) + "'"));
    check(!token_in_text(text, parts->signing_input) ||
          parts->signing_input.find(parts->signature) != std::string_view::npos);
    JwsAlg alg = JwsAlg::kHS256;
    TokenVerdict header = judge_header({true, parts->header, false}, &alg);
    check((header.refusal == TokenRefusal::kNone) == parse_jws_alg(parts->header).has_value());
    JwkFields jwk{};
    jwk.is_object = true;
    jwk.kty = parts->header;
    jwk.crv = parts->payload;
    jwk.x = jwk.n = jwk.k = parts->payload;
    jwk.y = jwk.e = parts->signature;
    KeyMaterial decoded{};
    (void)jwk_problem(jwk, parts->signature, &decoded);
    std::string_view material = parts->payload;
    for (KeyKind kind : {KeyKind::kEd25519, KeyKind::kP256, KeyKind::kRsa, KeyKind::kSecret}) {
        KeyMaterial key{kind, material, parts->header};
        (void)key_problem(key);
        check(
            !verify_jws_signature(alg_of_key(kind), key, parts->signing_input, parts->signature) ||
            kind == KeyKind::kSecret);
    }
}

}  // namespace

// Any text either fails to open or opens to an identity that seals back to one that opens the
// same; a sealed identity opens only under its own secret and database; the judgement of any
// opened carrier is total.
void fuzz_carrier(std::string_view text) {
    static const std::string secret(32, 's');
    BoxNonce nonce{};
    for (std::size_t i = 0; i < nonce.size() && i < text.size(); ++i)
        nonce[i] = static_cast<std::uint8_t>(text[i]);
    std::optional<CarriedIdentity> opened = open_carrier(secret, "db", text);
    if (opened) {
        std::optional<CarriedIdentity> again =
            open_carrier(secret, "db", seal_carrier(secret, "db", *opened, nonce));
        check(again && again->claims == opened->claims && again->sessions == opened->sessions);
    }
    (void)open_copy_proof(secret, "db", text);
    (void)parse_session_tag(text);
    CarriedIdentity identity{CarriedStatus::kUser,
                             {},
                             std::string(text.substr(0, kMaxCarriedClaims)),
                             std::string(text.substr(0, 64)),
                             {7, text.size(), -static_cast<std::int64_t>(text.size())},
                             42,
                             text.empty() ? CarrierPurpose::kRead : CarrierPurpose::kChange,
                             {text.size() + 1, 3},
                             link_fingerprint(secret, std::string(32, 'a'))};
    std::string sealed = seal_carrier(secret, "db", identity, nonce);
    std::optional<CarriedIdentity> back = open_carrier(secret, "db", sealed);
    check(back && back->claims == identity.claims && back->transaction.number == text.size());
    check(!open_carrier(secret, "other", sealed));
    check(!open_carrier(std::string(32, 't'), "db", sealed));
    NodeBackend backend{back->transaction, back->role, 42, text.size() + 1, ""};
    check(judge_carrier(*back, backend, CarrierUse::kRead) == CarrierVerdict::kAccepted);
    check(judge_carrier(*back, backend, CarrierUse::kTruncate) == CarrierVerdict::kNotThisChange);
    backend.session = 0;
    check(judge_carrier(*back, backend, CarrierUse::kRead) == CarrierVerdict::kOtherConnection);
}

// A statement cache over a small grants map answers exactly what the map says, for any
// order of users and customers, and reads it at most once per pair or per user.
struct FuzzStore {
    std::map<std::pair<std::uint8_t, std::uint8_t>, Grant> grants;
    static Grant lookup(void *context, const Uuid &u, const Uuid &c) {
        auto *self = static_cast<FuzzStore *>(context);
        auto it = self->grants.find({u.bytes[0], c.bytes[0]});
        return it == self->grants.end() ? Grant{false, 0, Window{true, 0}} : it->second;
    }
    static void scan_user(void *context, const Uuid &u, GrantSink sink, void *sink_context) {
        for (const auto &[key, grant] : static_cast<FuzzStore *>(context)->grants)
            if (key.first == u.bytes[0]) {
                Uuid c{};
                c.bytes[0] = key.second;
                sink(sink_context, c, grant);
            }
    }
    static void *allocate(void *, std::size_t bytes) { return std::calloc(1, bytes); }
    static void release(void *, void *memory) { std::free(memory); }
};

void fuzz_statement_cache(const std::uint8_t *data, std::size_t size) {
    FuzzStore fake;
    for (std::size_t i = 0; i + 1 < size && i < 64; i += 2)
        fake.grants[{static_cast<std::uint8_t>(data[i] % 4), data[i + 1]}] =
            Grant{true, static_cast<Level>(10 + data[i + 1] % 9 * 10), Window{true, 0}};
    StatementGrantCache cache;
    CacheCounters counters{};
    GrantStore store{&fake, FuzzStore::lookup, FuzzStore::scan_user, FuzzStore::allocate,
                     FuzzStore::release};
    for (std::size_t i = 0; i + 1 < size; i += 2) {
        Uuid u{}, c{};
        u.bytes[0] = data[i] % 4;
        c.bytes[0] = data[i + 1];
        Grant expected = FuzzStore::lookup(&fake, u, c);
        Grant got = cache.grant(store, u, c, counters);
        check(got.exists == expected.exists && (!got.exists || got.level == expected.level));
    }
    check(counters.index_lookups <= 4 * 256);
    cache.release(store);
}

// The code rule, the foreign-key rule, restore mode and the DDL allow-list over arbitrary
// facts: the first refused item decides, everything before it is allowed, nothing a rule
// refuses is allowed by the whole, and every allow-list answer is a row of the table.
void fuzz_rules_of_tamper(const std::uint8_t *data, std::size_t size) {
    std::vector<Reached> items;
    std::vector<ForeignKeyPair> pairs;
    const std::uint8_t *p = data;
    std::size_t left = size;
    while (left >= 6 && items.size() < 64) {
        Reached r{};
        r.reach = static_cast<Reach>(p[0] % 7);  // 6: no kind of item at all
        r.object.oid = static_cast<std::uint32_t>(p[1]) << 8 | p[2];
        r.object.found = p[3] & 1;
        r.object.superuser_owned = p[3] & 2;
        r.object.extension_member = p[3] & 4;
        r.object.immutable = p[3] & 8;
        r.tag = p[4];
        items.push_back(r);
        ForeignKeyPair k;
        k.referencing_type = p[1] % 4;
        k.referenced_type = p[2] % 4;
        k.operators_known = p[5] & 1;
        for (int i = 0; i < 3; ++i) {
            k.operators[i].oid = (p[5] >> (i + 1) & 1) ? 20000 : 96;
            k.operators[i].found = p[4] & (1 << i);
            k.operators[i].extension_member = p[4] & 8;
        }
        pairs.push_back(k);
        p += 6;
        left -= 6;
    }
    ExpressionVerdict v = judge_expression(items.data(), items.size());
    if (!v.allowed()) {
        check(v.index < items.size());
        check(judge_reached(items[v.index]) == v.fault);
        check(judge_expression(items.data(), v.index).allowed());
        check(expression_fault_text(v.fault) != nullptr);
    }
    for (const Reached &r : items) {
        ExpressionFault f = judge_reached(r);
        // nothing a role wrote is ever allowed; a sub-select or unknown node never
        if (r.reach == Reach::kSubLink || static_cast<int>(r.reach) == 6)
            check(f != ExpressionFault::kNone);
        if (f == ExpressionFault::kNone && r.reach != Reach::kSubLink)
            check(r.object.found && (is_built_in(r.object.oid) || r.object.superuser_owned ||
                                     r.object.extension_member));
        if (f == ExpressionFault::kNone && r.reach == Reach::kFunction && is_built_in(r.object.oid))
            check(r.object.immutable);
        if (v.allowed())
            check(f == ExpressionFault::kNone);
    }
    ForeignKeyVerdict k = judge_foreign_key(pairs.data(), pairs.size());
    if (k.allowed()) {
        check(!pairs.empty());
        for (const ForeignKeyPair &pair : pairs)
            check(pair.referencing_type != 0 && pair.referencing_type == pair.referenced_type);
    } else {
        check(pairs.empty() || k.index < pairs.size());
    }
    if (size >= 2) {
        LoadFacts f;
        f.superuser = data[0] & 1;
        f.row_security_off = data[0] & 2;
        f.check_function_bodies_off = data[0] & 4;
        f.statement = static_cast<LoadStatement>(data[1] % 3);
        if (restores_saved_rows(f))
            check(f.superuser && f.row_security_off && f.check_function_bodies_off &&
                  f.statement != LoadStatement::kOther);
    }
    if (size >= 3) {
        std::size_t count = 0;
        const DdlRule *rules = ddl_rules(&count);
        const DdlRule &rule =
            judge_ddl(static_cast<DdlStatement>(data[0] % 37), static_cast<DdlObject>(data[1] % 6),
                      static_cast<DdlAction>(data[2] % 11));
        bool in_table = false;
        for (std::size_t i = 0; i < count; ++i)
            in_table = in_table || &rules[i] == &rule;
        check(in_table || !rule.allowed);
        check(rule.text != nullptr);
    }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    fuzz_role_text(text);
    fuzz_role_binary(data, size);
    fuzz_uuid(text);
    fuzz_rules(data, size);
    fuzz_cache(data, size);
    fuzz_row_json(data, size);
    fuzz_token(text);
    fuzz_carrier(text);
    fuzz_statement_cache(data, size);
    fuzz_rules_of_tamper(data, size);
    std::size_t depth = json_nesting_depth(text);
    check(depth == SIZE_MAX || depth <= kMaxJsonDepth);
    (void)json_number_is_moderate(text);
    return 0;
}

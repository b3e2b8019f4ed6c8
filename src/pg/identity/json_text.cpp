#include "pg/identity/json_text.hpp"

#include "core/json_limits.hpp"
#include "pg/boundary/compat.hpp"

extern "C" {
#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
}

namespace customer_access::pg {
namespace {

struct NumberCheck {
    bool moderate;
};

void check_scalar(void *state, char *token, JsonTokenType type) {
    if (type == JSON_TOKEN_NUMBER && !json_number_is_moderate(token))
        static_cast<NumberCheck *>(state)->moderate = false;
}

}  // namespace

Jsonb *json_object_or_null(const char *text, int length) {
    if (text == nullptr || length <= 0 || static_cast<int>(strnlen(text, length)) != length ||
        json_nesting_depth(std::string_view(text, length)) > kMaxJsonDepth)
        return nullptr;
    if (!pg_verify_mbstr(GetDatabaseEncoding(), text, length, true))
        return nullptr;
    NumberCheck numbers{true};
    JsonSemAction actions{};
    actions.semstate = &numbers;
    actions.scalar = json_scalar_callback<check_scalar>();
    // need_escapes: the lexer then refuses \u0000, which jsonb_in would raise on.
    JsonLexContext *lex = json_lexer_over(text, length, true);
    if (pg_parse_json(lex, &actions) != JSON_SUCCESS || !numbers.moderate)
        return nullptr;
    Jsonb *parsed =
        DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(pnstrdup(text, length))));
    return JB_ROOT_IS_OBJECT(parsed) ? parsed : nullptr;
}

}  // namespace customer_access::pg

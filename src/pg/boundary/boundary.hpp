// The C++/PostgreSQL boundary. Every SQL-callable function is defined with
// CUSTOMER_ACCESS_FUNCTION, which catches any C++ exception and turns it into
// ereport(ERROR) only after the C++ frames that threw have been unwound.
//
// The other direction: src/core never includes PostgreSQL, but the statement cache calls
// back into it (GrantStore: index lookups, memory) and so does the no-enumeration rule. Such
// a callback is always `guarded<function>::call`: the PostgreSQL code runs inside PG_TRY, an
// ERROR it raises is taken (CopyErrorData) and thrown as PostgresError, the C++ frames of
// src/core unwind normally, and `from_core()` around the call into src/core raises the same
// ERROR again once they are gone. scripts/check-boundary checks that every callback src/pg
// hands to src/core is made this way. Elsewhere, src/pg code that may ereport(ERROR) keeps
// no object with a non-trivial destructor alive, and per-query state lives in PostgreSQL
// memory contexts.
#pragma once

#include <exception>
#include <new>
#include <type_traits>

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// A PostgreSQL ERROR on its way through src/core's frames (see above).
struct PostgresError {
    ErrorData *error;
};

// Reports the exception caught by the innermost handler; never returns.
[[noreturn]] void report_cpp_exception(const char *function_name, const char *what, bool oom);

template <typename Impl>
inline Datum invoke_guarded(FunctionCallInfo fcinfo, const char *function_name, Impl impl) {
    // Trivially destructible state only: the report happens outside the catch blocks,
    // once every destructor of the throwing code has run.
    const char *what = nullptr;
    char what_copy[256];
    bool oom = false;
    ErrorData *postgres_error = nullptr;
    try {
        return impl(fcinfo);
    } catch (const PostgresError &e) {
        postgres_error = e.error;  // a callback's ERROR that no from_core() raised again
    } catch (const std::bad_alloc &) {
        oom = true;
    } catch (const std::exception &e) {
        strlcpy(what_copy, e.what(), sizeof what_copy);
        what = what_copy;
    } catch (...) {
        what = "unknown C++ exception";
    }
    if (postgres_error != nullptr)
        ReThrowError(postgres_error);
    report_cpp_exception(function_name, what, oom);
}

// Runs step(context) inside PG_TRY: nullptr, or the ERROR it raised (copied, the error state
// flushed) for the caller to throw.
ErrorData *run_postgres(void (*step)(void *context), void *context);

// Runs PostgreSQL code called back from src/core; an ERROR becomes a PostgresError.
template <typename Body>
auto call_postgres(Body body) -> decltype(body()) {
    using Result = decltype(body());
    if constexpr (std::is_void_v<Result>) {
        ErrorData *error = run_postgres([](void *b) { (*static_cast<Body *>(b))(); }, &body);
        if (error != nullptr)
            throw PostgresError{error};
    } else {
        static_assert(std::is_trivially_copyable_v<Result>);
        struct Call {
            Body *body;
            Result result;
        } call{&body, Result{}};
        ErrorData *error = run_postgres(
            [](void *c) {
                auto *k = static_cast<Call *>(c);
                k->result = (*k->body)();
            },
            &call);
        if (error != nullptr)
            throw PostgresError{error};
        return call.result;
    }
}

// The callback src/pg hands to src/core for `Function`: the same signature, guarded.
template <auto Function>
struct guarded;
template <typename R, typename... Args, R (*Function)(Args...)>
struct guarded<Function> {
    static R call(Args... args) {
        return call_postgres([&]() -> R { return Function(args...); });
    }
};

// Calls into src/core code that may call back into PostgreSQL: a PostgresError thrown by a
// callback is raised again as the ERROR it was, after src/core's frames have unwound.
template <typename Body>
auto from_core(Body body) -> decltype(body()) {
    ErrorData *error = nullptr;
    try {
        return body();
    } catch (const PostgresError &e) {
        error = e.error;
    }
    ReThrowError(error);
}

}  // namespace customer_access::pg

#define CUSTOMER_ACCESS_FUNCTION(name)                                          \
    static Datum name##_impl(FunctionCallInfo fcinfo);                          \
    extern "C" {                                                                \
    PG_FUNCTION_INFO_V1(name);                                                  \
    }                                                                           \
    Datum name(PG_FUNCTION_ARGS) {                                              \
        return customer_access::pg::invoke_guarded(fcinfo, #name, name##_impl); \
    }                                                                           \
    static Datum name##_impl([[maybe_unused]] FunctionCallInfo fcinfo)

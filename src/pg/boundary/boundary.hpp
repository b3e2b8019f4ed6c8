// The C++/PostgreSQL boundary. Every SQL-callable function is defined with
// CUSTOMER_ACCESS_FUNCTION, which catches any C++ exception and turns it into
// ereport(ERROR) only after the C++ frames that threw have been unwound.
//
// The other direction is a rule, not a helper: code that may ereport(ERROR) (that is,
// call almost any PostgreSQL function) keeps no object with a non-trivial destructor alive,
// because the longjmp would skip it. src/core is exception-light C++ that never calls
// PostgreSQL; src/pg calls it and PostgreSQL from plain, trivially destructible frames.
#pragma once

#include <exception>
#include <new>

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// Reports the exception caught by the innermost handler; never returns.
[[noreturn]] void report_cpp_exception(const char *function_name, const char *what, bool oom);

template <typename Impl>
inline Datum invoke_guarded(FunctionCallInfo fcinfo, const char *function_name, Impl impl) {
    // Trivially destructible state only: the report happens outside the catch blocks,
    // once every destructor of the throwing code has run.
    const char *what = nullptr;
    char what_copy[256];
    bool oom = false;
    try {
        return impl(fcinfo);
    } catch (const std::bad_alloc &) {
        oom = true;
    } catch (const std::exception &e) {
        strlcpy(what_copy, e.what(), sizeof what_copy);
        what = what_copy;
    } catch (...) {
        what = "unknown C++ exception";
    }
    report_cpp_exception(function_name, what, oom);
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

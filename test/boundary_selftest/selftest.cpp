// cpp_boundary_selftest(kind), of the test-only extension customer_access_test: proves the
// C++/PostgreSQL boundary in the test suite. It throws the asked-for C++ exception with an object
// alive that counts its destruction, so a test can see the ERROR and then that the destructor ran
// before it was reported.
#include <stdexcept>
#include <string>

#include "pg/boundary/boundary.hpp"

using namespace customer_access::pg;

namespace {

int destroyed = 0;

struct DestructionProbe {
    std::string payload = std::string(64, 'x');  // a real, allocating member
    ~DestructionProbe() { ++destroyed; }
};

// PostgreSQL code called back from C++ frames (as src/core calls GrantStore): raises the
// ERROR asked for while a probe is alive in the calling C++ frame.
void raise_postgres_error(const char *kind) {
    if (strcmp(kind, "postgres_cancel") == 0)
        ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
                        errmsg("canceling statement due to user request")));
    elog(ERROR, "selftest: %s", kind);
}

int through_cpp_frames(const char *kind) {
    DestructionProbe probe;
    guarded<raise_postgres_error>::call(kind);
    return static_cast<int>(probe.payload.size());
}

}  // namespace

CUSTOMER_ACCESS_FUNCTION(cpp_boundary_selftest) {
    std::string kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
    if (kind == "destroyed")
        PG_RETURN_INT32(destroyed);
    // A PostgreSQL ERROR raised in a callback crosses C++ frames as a C++ exception and is
    // raised again, with its own SQLSTATE, once they have unwound (from_core() is called,
    // as in src/pg, with no C++ object alive in its own frame).
    if (kind == "postgres_error" || kind == "postgres_cancel")
        PG_RETURN_INT32(from_core([&] { return through_cpp_frames(kind.c_str()); }));
    // ... and also when nothing between the callback and the boundary raised it again.
    if (kind == "postgres_error_uncaught")
        PG_RETURN_INT32(through_cpp_frames("postgres_error_uncaught"));
    {
        DestructionProbe probe;
        if (kind == "runtime_error")
            throw std::runtime_error("selftest: " + probe.payload.substr(0, 3));
        if (kind == "bad_alloc")
            throw std::bad_alloc();
        if (kind == "non_standard")
            throw 42;
    }
    PG_RETURN_INT32(-1);
}

extern "C" {
PG_MODULE_MAGIC;
}

// cpp_boundary_selftest(kind), of the test-only extension customer_access_test: proves the
// C++/PostgreSQL boundary in the test suite. It throws the asked-for C++ exception with an object
// alive that counts its destruction, so a test can see the ERROR and then that the destructor ran
// before it was reported.
#include <stdexcept>
#include <string>

#include "pg/boundary/boundary.hpp"

namespace {

int destroyed = 0;

struct DestructionProbe {
    std::string payload = std::string(64, 'x');  // a real, allocating member
    ~DestructionProbe() { ++destroyed; }
};

}  // namespace

CUSTOMER_ACCESS_FUNCTION(cpp_boundary_selftest) {
    std::string kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
    if (kind == "destroyed")
        PG_RETURN_INT32(destroyed);
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

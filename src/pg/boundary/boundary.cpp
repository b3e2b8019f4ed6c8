#include "pg/boundary/boundary.hpp"

namespace customer_access::pg {

void report_cpp_exception(const char *function_name, const char *what, bool oom) {
    if (oom)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
                        errdetail("C++ allocation failed in %s.", function_name)));
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                    errmsg("internal error in customer_access function %s", function_name),
                    errdetail("C++ exception: %s", what)));
    pg_unreachable();
}

}  // namespace customer_access::pg

namespace customer_access::pg {

ErrorData *run_postgres(void (*step)(void *context), void *context) {
    MemoryContext memory = CurrentMemoryContext;
    ErrorData *volatile error = nullptr;
    PG_TRY();
    { step(context); }
    PG_CATCH();
    {
        MemoryContextSwitchTo(memory);
        error = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    return error;
}

}  // namespace customer_access::pg

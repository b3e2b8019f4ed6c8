// The Citus functions customer_access watches, through PostgreSQL's function manager hook
// (the functions are Citus's: nothing else intercepts their calls). They are found by schema
// and name, every overload, once per backend and again after any change of pg_proc.
#pragma once

#include "pg/boundary/postgres.hpp"

extern "C" {
#include "fmgr.h"
}

namespace customer_access::pg {

enum class WatchedCitusFunction {
    kNone,
    kPlacementMetadata,    // changes what the metadata says of a table (placement_guard.hpp)
    kIntermediateResults,  // reads or writes intermediate results here (result_guard.hpp)
    kFetchResults,         // fetch_intermediate_results(): the same, from another node
};

void install_citus_function_hook();

}  // namespace customer_access::pg

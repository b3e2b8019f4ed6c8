# customer_access: PGXS build of a C++ PostgreSQL extension.
EXTENSION = customer_access
MODULE_big = customer_access

# The repository's root, also when PGXS builds from another directory.
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

CORE_SRCS = $(wildcard src/core/*.cpp)
PG_SRCS = $(wildcard src/pg/*.cpp src/pg/*/*.cpp)

# The full install script of the newest version is made from one source, src/sql/current/;
# the older full scripts and every upgrade script are kept as released.
EXTVERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(ROOT)/customer_access.control)
CURRENT_SQL = src/sql/customer_access--$(EXTVERSION).sql
DATA_built = $(CURRENT_SQL)
DATA = $(filter-out $(CURRENT_SQL),$(wildcard src/sql/customer_access--*.sql))
OBJS = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

REGRESS = access_role external_access owner_protection identity access_checks rls_policies \
          planner_support delegation upgrade boundary cache_bounds security identity_modes tokens \
          operations savepoints tamper2 planner_matrix identity2 versions tamper3 features guard_scope \
          perf_identity attack_review identity_reattack audit_review
REGRESS_OPTS = --load-extension=customer_access
ISOLATION = owner_race grant_visibility upsert_race downgrade_read unrelated_ddl expiry_boundary \
            guard_caches attack_review
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=customer_access

PG_CONFIG ?= pg_config

# The server headers are system headers to us: warnings are errors for our code only.
PG_INCLUDEDIR_SERVER := $(shell $(PG_CONFIG) --includedir-server)
PG_CXXFLAGS = -std=c++17 -fPIC -Wall -Wextra -Werror -Wno-missing-field-initializers \
              -isystem $(PG_INCLUDEDIR_SERVER) -I$(ROOT)/src -MMD -MP
SHLIB_LINK = -lstdc++ -lcrypto

# No JIT bitcode: the LLVM inliner gains nothing from this C++ and would need clang.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(CURRENT_SQL): $(sort $(wildcard src/sql/current/*.sql))
	cat $^ > $@

# Rebuild what includes a changed header (-MMD writes the .d files).
-include $(OBJS:.o=.d)
EXTRA_CLEAN = $(OBJS:.o=.d)

# For scripts/test: every suite name, so a suite that crashed before reporting still counts.
list-suites:
	@echo $(REGRESS) $(ISOLATION)

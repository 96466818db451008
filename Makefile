# pgboot: one hand-written Makefile.
#   make            ./pgboot against the system libpq and libsodium (fast iteration)
#   make static     build/static/pgboot: musl, fully static (scripts/build-static.sh)
#   make static ARCH=aarch64
#                   cross-build build/static-aarch64/pgboot on an x86_64 machine
#                   (its own cache build/static-deps-aarch64); tests/cross/run.sh
#                   runs its core integration tests under qemu-user
#   make dist       build/dist/: npm packages, wheels, .debs, tarballs and SHA256SUMS
#                   from the static builds (scripts/dist.sh; ARCH="x86_64 aarch64"
#                   for both; tests/dist/run.sh installs and runs each)
#   make test       unit tests, then the integration suite on every built binary
#   make demo       a throwaway PostgreSQL, the MORSE project, the demo app exec'd
#   make bench      pgboot against its peers (bench/)
#   make asan       ./build/asan/pgboot with AddressSanitizer + UBSan
#   make fuzz       libFuzzer targets (clang)

CC      ?= cc
PG_INC  := $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
           -Wpointer-arith -Wvla -Wno-format-nonliteral
CSTD    := -std=c11 -D_GNU_SOURCE
CFLAGS  ?= -O2 -g
ifeq ($(CI),true)
WERROR  := -Werror
endif
ALL_CFLAGS = $(CSTD) $(WARN) $(WERROR) $(CFLAGS) -Iinclude -I$(PG_INC)
LIBS    := -lpq -lpg_query -lsodium -pthread

# the flat core, then one folder per family (src/rules/ ...)
SRCS      := $(sort $(wildcard src/*.c src/*/*.c))
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
OBJS      := $(SRCS:src/%.c=build/dyn/%.o)
LIB_OBJS  := $(LIB_SRCS:src/%.c=build/dyn/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c tests/unit/*/*.c))

.PHONY: all static dist test unit integration demo bench asan fuzz psql-equiv clean format lint

all: pgboot

pgboot: $(OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(LDFLAGS) $(LIBS)

build/dyn/%.o: src/%.c $(wildcard include/*.h include/*.def)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/asan:
	mkdir -p $@

# The unit tests link the pure modules only, without libpq: the ones below
# talk to a server or run the commands, and nothing pure may depend on them.
SERVER_SRCS := src/db.c src/wait.c src/lock.c src/history.c src/migrate.c src/apply.c src/verify.c \
               src/lifecycle.c src/cmd.c src/exec.c src/task.c src/rollback.c src/repeatable.c src/progress.c \
               src/lintrun.c $(wildcard src/adopt/*.c)
PURE_OBJS := $(filter-out $(SERVER_SRCS:src/%.c=build/dyn/%.o),$(LIB_OBJS))

build/unit_tests: $(PURE_OBJS) $(UNIT_SRCS) $(wildcard tests/unit/*.h)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $(UNIT_SRCS) $(PURE_OBJS) $(LDFLAGS) -lpg_query -lsodium

# ARCH: x86_64 or aarch64 (amd64, arm64); empty is the machine's own.
static:
	scripts/build-static.sh $(if $(ARCH),--arch $(ARCH))

# The release artifacts; ARCH: one or more of x86_64 aarch64 (default: the
# machine's own, and the other when its cross build exists).
dist:
	scripts/dist.sh $(if $(ARCH),--arch "$(ARCH)")

unit: build/unit_tests
	build/unit_tests

# The README's test command. Installs what is missing, runs everything,
# ends with "N passed, N failed".
test:
	scripts/test.sh

integration: pgboot
	scripts/test.sh --integration-only

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: | build/asan
	$(CC) $(CSTD) $(WARN) $(ASAN_FLAGS) -Iinclude -I$(PG_INC) -o build/asan/pgboot $(SRCS) $(LIBS)
	$(CC) $(CSTD) $(WARN) $(ASAN_FLAGS) -Iinclude -I$(PG_INC) -Itests/unit -o build/asan/unit_tests \
		$(UNIT_SRCS) $(LIB_SRCS) $(LIBS)

fuzz:
	scripts/fuzz.sh

# the lexer against psql itself, on PostgreSQL's regression SQL files
psql-equiv:
	tests/psql_equiv/run.sh

format:
	clang-format -i $(SRCS) include/*.h $(UNIT_SRCS) tests/unit/*.h

clean:
	rm -rf build pgboot

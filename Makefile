# pgshift: a plain Makefile.  `make` builds ./pgshift; `make test` and
# `make demo` first install missing Debian packages (make deps).

PREFIX ?= /usr/local
CC ?= cc
PYTHON ?= /usr/bin/python3
BUILD ?= build
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

PKG_CONFIG ?= pkg-config
PKGS := libpq libprotobuf-c libcrypto jansson
# The pkg-config flags are computed when a compile first needs them, once, and
# never when the Makefile is read: on a fresh machine `make demo` and `make
# test` read it before `make deps` has installed the packages, and build in a
# sub-make that reads it again afterwards.  lazy(VAR,COMMAND) makes VAR so.
lazy = $(eval $(1) = $$(eval $(1) := $$$$(shell $(2)))$$($(1)))
# libcurl: headers only; util/http.c opens it when a hook runs (start-up cost).
$(call lazy,PKG_CFLAGS,$(PKG_CONFIG) --cflags $(PKGS) libcurl 2>/dev/null)
$(call lazy,PKG_LIBS,$(PKG_CONFIG) --libs $(PKGS) 2>/dev/null; echo -ldl)
# Debian's libpg-query-dev ships no pkg-config file.
$(call lazy,PGQ_CFLAGS,$(PKG_CONFIG) --cflags libpg_query 2>/dev/null)
$(call lazy,PGQ_LIBS,$(PKG_CONFIG) --libs libpg_query 2>/dev/null || echo -lpg_query)

CFLAGS ?= -O2 -g
# Required flags live apart from CFLAGS so that `make CFLAGS=...` cannot drop them.
PGS_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers \
	-pthread -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) $(PGQ_CFLAGS) -DPGSHIFT_VERSION='"$(VERSION)"'
PGS_LIBS = $(PGQ_LIBS) $(PKG_LIBS) -pthread

SRC := $(filter-out src/main.c,$(wildcard src/*/*.c src/*/*/*.c))
OBJ := $(SRC:src/%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libpgshift.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# C drivers the end-to-end tests run against the library, built with its flags (the sanitizers under make asan).
DRIVER_BIN := $(patsubst tests/e2e/drivers/%.c,$(BUILD)/drivers/%,$(wildcard tests/e2e/drivers/*.c))

.PHONY: all test layers unit e2e demo asan valgrind fuzz fuzz-build fuzz-smoke install deps clean bench

all: pgshift

pgshift: $(BUILD)/pgshift
	cp $< $@

$(BUILD)/pgshift: $(BUILD)/main.o $(LIB)
	$(CC) $(PGS_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PGS_LIBS) $(LDLIBS)

$(LIB): $(OBJ)
	rm -f $@
	ar rcs $@ $^

# The GitHub workflow ships inside the binary (pgshift init --github) from its one source file.
$(BUILD)/gen/workflow.h: .github/workflows/db-migrate.yml
	@mkdir -p $(dir $@)
	@{ echo "static const char workflow_yml[] ="; sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$$/\\n"/' $<; echo ";"; } > $@

$(BUILD)/cmd/init.o: $(BUILD)/gen/workflow.h

$(BUILD)/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(PGS_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.c tests/unit/unit.h $(LIB)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(PGS_CFLAGS) $(CFLAGS) -Itests/unit $(shell $(PKG_CONFIG) --cflags cmocka) $(LDFLAGS) -o $@ $< tests/unit/unit.c $(LIB) \
		$(shell $(PKG_CONFIG) --libs cmocka) $(PGS_LIBS) $(LDLIBS)

$(BUILD)/drivers/%: tests/e2e/drivers/%.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(PGS_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PGS_LIBS) $(LDLIBS)

deps:
	@sh scripts/deps.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

e2e: $(BUILD)/pgshift $(DRIVER_BIN)
	PGSHIFT_BIN=$(abspath $(BUILD)/pgshift) $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e $(PYTEST_ARGS)

# The layering rules of docs/ARCHITECTURE.md: who may include libpq, who may print.
layers:
	@sh tests/layers.sh

test: deps
	$(MAKE) layers
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) fuzz-smoke
	$(MAKE) e2e

# Both sanitizers, on the unit tests and the end-to-end suite.
asan: deps
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/pgshift unit e2e

# Valgrind's memcheck on the unit tests and on every pgshift run of the end-to-end suite
# (tests/valgrind/pgshift); slower than asan (about 10 minutes here), so not part of make test.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
valgrind:
	@sh scripts/deps.sh valgrind
	$(MAKE) all $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; $(VALGRIND) $$t; done
	PGSHIFT_BIN=$(abspath tests/valgrind/pgshift) PGSHIFT_VALGRIND_BIN=$(abspath $(BUILD)/pgshift) $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e $(PYTEST_ARGS)

# libFuzzer targets (tests/fuzz/fuzz_AREA.c), built with clang and both sanitizers into build-fuzz/;
# each runs for FUZZ_SECONDS on a scratch copy of its seed corpus tests/fuzz/corpus/AREA
# (tests/fuzz/run.sh: the repository's corpus is never written; a crash is saved in build-fuzz/crashes/).
FUZZ_SECONDS ?= 60
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(PGS_CFLAGS) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(LIB) $(PGS_LIBS) $(LDLIBS)

fuzz-build:
	@sh scripts/deps.sh fuzz
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" $(FUZZ_NAMES:%=build-fuzz/fuzz/%)

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_NAMES); do sh tests/fuzz/run.sh build-fuzz/fuzz/$$t $(FUZZ_SECONDS); done

# Part of make test: every target for 3 seconds from its seed corpus (50 to 56 s with the clang build, on 2 busy cores).
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=3

# The build runs in a sub-make, after deps, so that it reads pkg-config once the packages are there.
demo: deps
	$(MAKE) all
	sh examples/betterai/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 pgshift $(DESTDIR)$(PREFIX)/bin/pgshift
	install -m 0644 man/pgshift.1 $(DESTDIR)$(PREFIX)/share/man/man1/pgshift.1

bench: all
	sh bench/deploy.sh

clean:
	rm -rf build build-asan build-fuzz pgshift

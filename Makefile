# pgshift: a plain Makefile.  `make` builds ./pgshift; `make test` and
# `make demo` first install missing Debian packages (make deps).

PREFIX ?= /usr/local
CC ?= cc
PYTHON ?= /usr/bin/python3
BUILD ?= build
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

PKGS := libpq libprotobuf-c libcrypto jansson
# libcurl: headers only; util/http.c opens it when a hook runs (start-up cost).
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libcurl 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldl
# Debian's libpg-query-dev ships no pkg-config file.
PGQ_CFLAGS := $(shell pkg-config --cflags libpg_query 2>/dev/null)
PGQ_LIBS := $(shell pkg-config --libs libpg_query 2>/dev/null || echo -lpg_query)

CFLAGS ?= -O2 -g
# Required flags live apart from CFLAGS so that `make CFLAGS=...` cannot drop them.
PGS_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers \
	-pthread -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) $(PGQ_CFLAGS) -DPGSHIFT_VERSION='"$(VERSION)"'
PGS_LIBS := $(PGQ_LIBS) $(PKG_LIBS) -pthread

SRC := $(filter-out src/main.c,$(wildcard src/*/*.c src/*/*/*.c))
OBJ := $(SRC:src/%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libpgshift.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test unit e2e demo asan valgrind install deps clean bench

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
	@$(CC) $(PGS_CFLAGS) $(CFLAGS) -Itests/unit $(shell pkg-config --cflags cmocka) $(LDFLAGS) -o $@ $< tests/unit/unit.c $(LIB) \
		$(shell pkg-config --libs cmocka) $(PGS_LIBS) $(LDLIBS)

deps:
	@sh scripts/deps.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

e2e: $(BUILD)/pgshift
	PGSHIFT_BIN=$(abspath $(BUILD)/pgshift) $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e $(PYTEST_ARGS)

test: deps
	$(MAKE) all
	$(MAKE) unit
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
	PGSHIFT_BIN=$(abspath tests/valgrind/pgshift) $(PYTHON) -m pytest -q -p no:cacheprovider tests/e2e $(PYTEST_ARGS)

demo: deps all
	sh examples/betterai/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 pgshift $(DESTDIR)$(PREFIX)/bin/pgshift
	install -m 0644 man/pgshift.1 $(DESTDIR)$(PREFIX)/share/man/man1/pgshift.1

bench: all
	sh bench/deploy.sh

clean:
	rm -rf build build-asan pgshift

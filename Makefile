# fcvae — FCVAE anomaly detection as Unix filters.
# Everything built goes under $(BUILD), so a sanitizer build can sit beside
# the normal one (make check-asan uses BUILD=build-asan).

VERSION  = 0.1.0
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra $(WERROR)
CPPFLAGS += -Isrc/lib -D_GNU_SOURCE -DFCVAE_VERSION='"$(VERSION)"'
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -MMD -MP
LDLIBS  += -lfftw3f -lopenblas -lm -lpthread

LIB_SRC  = $(sort $(wildcard src/lib/*.c))
LIB_OBJ  = $(LIB_SRC:src/lib/%.c=$(BUILD)/lib/%.o)
LIB      = $(BUILD)/libfcvae.a

PROG_SRC = $(sort $(wildcard src/fcvae-*.c))
PROGS    = $(PROG_SRC:src/%.c=$(BUILD)/bin/%)

# Helpers that are not installed programs (e.g. the mock Kafka broker).
TOOL_SRC = $(sort $(wildcard src/tools/*.c))
TOOLS    = $(TOOL_SRC:src/tools/%.c=$(BUILD)/tools/%)

UNIT_SRC = $(sort $(wildcard tests/unit/test-*.c))
UNITS    = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

SCRIPTS  = $(sort $(wildcard scripts/fcvae-*))
MAN1     = $(sort $(wildcard man/*.1))
MAN7     = $(sort $(wildcard man/*.7))

all: $(LIB) $(PROGS) $(TOOLS)

$(BUILD)/lib/%.o: src/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/%: src/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tools/%: src/tools/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(TOOL_LIBS_$*)

# The mock broker links librdkafka; nothing else does.
TOOL_LIBS_fcvae-mock-broker = -lrdkafka

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Fuzz targets (tests/fuzz/fuzz-NAME.c): built with libFuzzer by make fuzz;
# built here without it as replay-NAME, which make check runs over every
# seed and every input that once crashed (tests/fuzz/corpus/NAME/).
FUZZ_SRC   = $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/fuzz-%.c=%)
REPLAYS    = $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay-%)
FUZZ_COMMON = tests/fuzz/common.c tests/fuzz/fuzz.h

$(BUILD)/fuzz/replay-%: tests/fuzz/fuzz-%.c tests/fuzz/replay.c $(FUZZ_COMMON) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/fuzz $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c tests/fuzz/common.c $(LIB) $(LDLIBS)

$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_COMMON) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/fuzz $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< tests/fuzz/common.c $(LIB) $(LDLIBS)

units: $(UNITS) $(REPLAYS)

check: all units
	BUILD=$(BUILD) sh tests/run.sh

# The hardening tests (tests/11xx) at full size: a 1M-line stream, hundreds
# of kills, a 100 MB line, a million series.
stress: all units
	FCVAE_STRESS=1 FCVAE_TESTS=/11 BUILD=$(BUILD) sh tests/run.sh

# The programs under valgrind (memory errors, definite leaks) through a
# PATH shim, over the tests of the input path: valgrind over the whole suite
# would take most of an hour (training, MCMC scoring, browser tests); this
# subset takes about four minutes on a loaded two-core machine.
VALGRIND_TESTS ?= test-json test-record test-timeparse test-safetensors 0200-window 0201-window 1100 1110
check-valgrind: all units
	FCVAE_VALGRIND=1 FCVAE_TESTS='$(VALGRIND_TESTS)' BUILD=$(BUILD) sh tests/run.sh

check-asan:
	$(MAKE) BUILD=build-asan \
	  CFLAGS='-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined' \
	  LDFLAGS='-fsanitize=address,undefined' check

# make fuzz: each target FUZZ_SECONDS under libFuzzer with ASan+UBSan
# (clang; leaks are checked too). Counts and crashes: tests/fuzz/run.sh.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

fuzz-build:
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS='$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link' \
	  LDFLAGS='-fsanitize=address,undefined' $(FUZZ_NAMES:%=build-fuzz/fuzz/fuzz-%)

fuzz: fuzz-build
	BUILD=build-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man7 $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/fcvae
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin
	$(if $(SCRIPTS),install -m 755 $(SCRIPTS) $(DESTDIR)$(PREFIX)/bin)
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib
	install -m 644 src/lib/*.h $(DESTDIR)$(PREFIX)/include/fcvae
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(PREFIX)/share/man/man7)

# The four shipped models, from nothing (a few minutes on one core), and the
# quality table of the seed's test split (README.md).
models: all
	sh scripts/make-models

quality: all
	sh scripts/seed-quality

# the recipe and threshold rules on data sets of the seed's kind other than
# the seed's own (generator seeds 1-8; about 10 minutes on two cores)
seed-study: all
	sh scripts/seed-study

# Speed figures as JSON (bench/run): on stdout and in bench/results.json.
bench: all
	BUILD=$(BUILD) sh bench/run

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(PROGS:=.d) $(UNITS:=.d) $(TOOLS:=.d) $(REPLAYS:=.d)

# The live job end to end (scripts/demo): DEMO_OPTS=--loop replays forever.
demo:
	sh scripts/setup-deps
	$(MAKE) all
	scripts/demo $(DEMO_OPTS)

.PHONY: all units check check-asan install clean demo models quality seed-study bench fuzz fuzz-build stress check-valgrind

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
# Dependency files go under $(BUILD)/dep (build/bin/fcvae-score's is
# build/dep/bin/fcvae-score.d), not beside the programs: build/bin may be on
# a user's PATH. Each is a prerequisite of its target, made by no rule, so
# that a target without one (a build tree from before) is made again.
DEP      = $(@:$(BUILD)/%=$(BUILD)/dep/%).d
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -MMD -MP -MF $(DEP)
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
# what the scripts share: sourced, not run, from beside them
SCRIPT_LIB = scripts/fcvae.sh
MAN1     = $(sort $(wildcard man/*.1))
MAN7     = $(sort $(wildcard man/*.7))

all: $(LIB) $(PROGS) $(TOOLS)

$(BUILD)/lib/%.o: src/lib/%.c $(BUILD)/dep/lib/%.o.d
	@mkdir -p $(@D) $(dir $(DEP))
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# (a NAME.d beside a program is from before $(BUILD)/dep: removed)
$(BUILD)/bin/%: src/%.c $(LIB) $(BUILD)/dep/bin/%.d
	@mkdir -p $(@D) $(dir $(DEP))
	@rm -f $@.d
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tools/%: src/tools/%.c $(LIB) $(BUILD)/dep/tools/%.d
	@mkdir -p $(@D) $(dir $(DEP))
	@rm -f $@.d
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(TOOL_LIBS_$*)

# The mock broker links librdkafka; nothing else does.
TOOL_LIBS_fcvae-mock-broker = -lrdkafka

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIB) $(BUILD)/dep/tests/%.d
	@mkdir -p $(@D) $(dir $(DEP))
	@rm -f $@.d
	$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Fuzz targets (tests/fuzz/fuzz-NAME.c): built with libFuzzer by make fuzz;
# built here without it as replay-NAME, which make check runs over every
# seed and every input that once crashed (tests/fuzz/corpus/NAME/).
FUZZ_SRC   = $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/fuzz-%.c=%)
REPLAYS    = $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay-%)
FUZZ_COMMON = tests/fuzz/common.c tests/fuzz/fuzz.h

$(BUILD)/fuzz/replay-%: tests/fuzz/fuzz-%.c tests/fuzz/replay.c $(FUZZ_COMMON) $(LIB) $(BUILD)/dep/fuzz/replay-%.d
	@mkdir -p $(@D) $(dir $(DEP))
	@rm -f $@.d
	$(CC) $(CPPFLAGS) -Itests/fuzz $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c tests/fuzz/common.c $(LIB) $(LDLIBS)

$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_COMMON) $(LIB) $(BUILD)/dep/fuzz/fuzz-%.d
	@mkdir -p $(@D) $(dir $(DEP))
	$(CC) $(CPPFLAGS) -Itests/fuzz $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< tests/fuzz/common.c $(LIB) $(LDLIBS)

units: $(UNITS) $(REPLAYS)

# Two lanes of bats files (tests/run.sh): the stream tests mostly wait on
# brokers and timeouts, and one lane took 14 minutes on two cores.
CHECK_JOBS ?= 2
check: all units
	FCVAE_JOBS=$(CHECK_JOBS) BUILD=$(BUILD) sh tests/run.sh

# The hardening tests (tests/11xx) at full size: a 1M-line stream, hundreds
# of kills, a 100 MB line, a million series.
stress: all units
	FCVAE_STRESS=1 FCVAE_TESTS=/11 BUILD=$(BUILD) sh tests/run.sh

# The programs under valgrind (memory errors, definite leaks) through a
# PATH shim, over the tests of the input path: valgrind over the whole suite
# would take most of an hour (training, MCMC scoring, browser tests); this
# subset takes about three minutes on a loaded two-core machine. (0201's
# bad-input tests, two more minutes, run under ASan+UBSan in CI instead:
# the fuzz replay, 1100, feeds the readers' bad input under valgrind.)
VALGRIND_TESTS ?= test-json test-record test-timeparse test-safetensors 0200-window 1100 1110
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

# What make install puts under $(PREFIX), and so what make uninstall
# removes: the programs and scripts (and the file the scripts source), the
# mock broker (fcvae-stream(1)'s examples run against it), the library, its
# headers and its pkg-config file (fcvae.pc: the static library needs the
# libraries it calls named too, and the LDFLAGS it was built with: a
# sanitizer's runtime), the man pages, and the shipped models in
# share/fcvae/models.
# (kernels-body.h is kernels.c's template, included once per instruction set)
HEADERS  = $(sort $(filter-out src/lib/kernels-body.h,$(wildcard src/lib/*.h)))
MODELS   = $(sort $(wildcard models/*.safetensors))
INSTALL_TOOLS = $(BUILD)/tools/fcvae-mock-broker
P        = $(DESTDIR)$(PREFIX)

install: all
	install -d $(P)/bin $(P)/share/man/man1 $(P)/share/man/man7 $(P)/lib $(P)/include/fcvae \
	  $(P)/share/fcvae/models
	install -m 755 $(PROGS) $(INSTALL_TOOLS) $(P)/bin
	$(if $(SCRIPTS),install -m 755 $(SCRIPTS) $(P)/bin)
	install -m 644 $(SCRIPT_LIB) $(P)/bin
	install -m 644 $(LIB) $(P)/lib
	install -m 644 $(HEADERS) $(P)/include/fcvae
	install -d $(P)/lib/pkgconfig
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' 'libdir=$${prefix}/lib' '' \
	  'Name: fcvae' 'Description: FCVAE time-series anomaly detection (libfcvae, static)' 'Version: $(VERSION)' \
	  'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lfcvae $(strip $(LDFLAGS) $(LDLIBS))' >$(P)/lib/pkgconfig/fcvae.pc
	$(if $(MAN1),install -m 644 $(MAN1) $(P)/share/man/man1)
	$(if $(MAN7),install -m 644 $(MAN7) $(P)/share/man/man7)
	$(if $(MODELS),install -m 644 $(MODELS) $(P)/share/fcvae/models)

# Only what install put there: files by name, then fcvae's own directories
# if nothing else is in them (a model of one's own stays, and so does its
# directory).
uninstall:
	rm -f $(addprefix $(P)/bin/,$(notdir $(PROGS) $(INSTALL_TOOLS) $(SCRIPTS) $(SCRIPT_LIB))) \
	  $(P)/lib/$(notdir $(LIB)) $(P)/lib/pkgconfig/fcvae.pc $(addprefix $(P)/include/fcvae/,$(notdir $(HEADERS))) \
	  $(addprefix $(P)/share/man/man1/,$(notdir $(MAN1))) $(addprefix $(P)/share/man/man7/,$(notdir $(MAN7))) \
	  $(addprefix $(P)/share/fcvae/models/,$(notdir $(MODELS)))
	rmdir $(P)/include/fcvae $(P)/share/fcvae/models $(P)/share/fcvae 2>/dev/null || true

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

$(BUILD)/dep/%.d: ;
.PRECIOUS: $(BUILD)/dep/%.d
-include $(patsubst $(BUILD)/%,$(BUILD)/dep/%.d,$(LIB_OBJ) $(PROGS) $(UNITS) $(TOOLS) $(REPLAYS))

# The live job end to end (scripts/demo): DEMO_OPTS=--loop replays forever.
demo:
	sh scripts/setup-deps
	$(MAKE) all
	scripts/demo $(DEMO_OPTS)

.PHONY: all units check check-asan install uninstall clean demo models quality seed-study bench fuzz fuzz-build stress check-valgrind

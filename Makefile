# pokja-sync top-level Makefile.
#
#   make            build proto/ (libpokja.a), daemon/ (pokjad) and cli/ (pokjactl)
#   make check      install missing Debian packages, build, run every test
#   make demo       install missing Debian packages, build, run the demo
#   make bench      build and run the benchmarks in tests/bench/ (not part of check)
#   make SANITIZE=address,undefined check    the same with sanitizers (separate build folder)

CC ?= cc
PKGS := lmdb nng msgpack libsodium jansson
SANITIZE ?=
ifeq ($(SANITIZE),)
BUILD ?= build
SANFLAGS :=
else
BUILD ?= build-san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -I. -MMD -MP
LDLIBS_ALL := -llmdb -lnng -lmsgpackc -lsodium -ljansson -linih -lpthread -lm
LDFLAGS_ALL := $(LDFLAGS) $(SANFLAGS)

PROTO_SRC := $(wildcard proto/*.c)
DAEMON_LIB_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
CLI_SRC := $(wildcard cli/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_HELPER_SRC := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c))
BENCH_SRC := $(wildcard tests/bench/*.c)
TOOL_SRC := $(wildcard tests/tools/*.c)

PROTO_OBJ := $(PROTO_SRC:%.c=$(BUILD)/%.o) $(BUILD)/proto/wilayah_data.o
DAEMON_LIB_OBJ := $(DAEMON_LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
UNIT_HELPER_OBJ := $(UNIT_HELPER_SRC:%.c=$(BUILD)/%.o)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/tests/bench/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

LIBPROTO := $(BUILD)/libpokja.a
LIBDAEMON := $(BUILD)/libpokjad.a
POKJAD := $(BUILD)/pokjad
POKJACTL := $(BUILD)/pokjactl

.PHONY: all deps check demo bench fuzz unit clean format format-check
all: $(POKJAD) $(POKJACTL)

deps:
	@sh deploy/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The official region list is compiled into the library (see proto/wilayah.h).
$(BUILD)/proto/wilayah_data.o: proto/wilayah_data.S $(wildcard proto/wilayah/*.csv)
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(LIBPROTO): $(PROTO_OBJ)
	rm -f $@ && ar rcs $@ $^

$(LIBDAEMON): $(DAEMON_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(POKJAD): $(BUILD)/daemon/main.o $(LIBDAEMON) $(LIBPROTO)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(POKJACTL): $(CLI_OBJ) $(LIBDAEMON) $(LIBPROTO)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(UNIT_HELPER_OBJ) $(LIBDAEMON) $(LIBPROTO)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcmocka

$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(LIBDAEMON) $(LIBPROTO)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(LIBDAEMON) $(LIBPROTO)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

unit: $(UNIT_BIN) $(TOOL_BIN)

check: deps
	@$(MAKE) --no-print-directory all unit
	@BUILD=$(BUILD) sh tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh deploy/demo.sh

bench: all $(BENCH_BIN)
	@BUILD=$(BUILD) sh tests/bench/run.sh

fuzz:
	@BUILD=$(BUILD) sh tests/fuzz/run.sh

format:
	clang-format -i $(wildcard proto/*.[ch] daemon/*.[ch] cli/*.[ch] tests/*/*.[ch])

format-check:
	clang-format --dry-run -Werror $(wildcard proto/*.[ch] daemon/*.[ch] cli/*.[ch] tests/*/*.[ch])

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Keep the object files of test programs between runs.
.SECONDARY:

# pokja-sync top-level Makefile.
#
#   make            build proto/ (libpokja.a), daemon/ (pokjad) and cli/ (pokjactl)
#   make check      install missing Debian packages, build, run every test
#   make demo       install missing Debian packages, build, run the demo
#   make bench      build and run the benchmarks in tests/bench/ (not part of check; the
#                   thin-link bench also needs tests/tools/linksim, built here)
#   make SANITIZE=address,undefined check    the suite in one sanitizer build only
#   make fuzz       build and run every libFuzzer target for FUZZ_SECONDS (default 10) each
#   make deb        the Debian package build/deb/pokja-sync_VERSION_ARCH.deb (deploy/build-deb.sh)
#   make pot        cli/po/pokja-sync.pot from the marked messages of cli/ and daemon/ (xgettext),
#                   merged into cli/po/id.po (msgmerge): then translate what is new or fuzzy
#   make install    pokjad, pokjactl, the Indonesian message catalog, their man pages, the systemd unit, sysusers.d and
#                   tmpfiles.d files and the docs under PREFIX (default /usr/local); DESTDIR
#                   for staging; `make uninstall` with the same variables removes them

CC ?= cc
PKGS := lmdb nng msgpack libsodium jansson libzstd xlsxwriter
comma := ,
# Each sanitizer set builds into its own folder, named after it (SANITIZE=address,undefined:
# build-san-address-undefined/, SANITIZE=thread: build-san-thread/), so that no two share objects.
SANITIZE ?=
ifeq ($(SANITIZE),)
BUILD ?= build
SANFLAGS :=
else
BUILD ?= build-san-$(subst $(comma),-,$(SANITIZE))
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
# With ASan loaded, gcc's UBSan runtime writes its reports to stderr whatever log_path says, so
# a finding inside a daemon could go unseen: there each UBSan finding traps instead, and ASan
# reports the trap (SIGILL, with its stack) into its log file. `make SANITIZE=undefined` gives
# UBSan's own messages.
ifneq ($(filter address,$(subst $(comma), ,$(SANITIZE))),)
ifneq ($(filter undefined,$(subst $(comma), ,$(SANITIZE))),)
SANFLAGS += -fsanitize-undefined-trap-on-error
endif
endif
endif
ASAN_BUILD := build-san-address-undefined
TSAN_BUILD := build-san-thread
FUZZ_SECONDS ?= 10

# Warnings are errors in every build; WERROR= builds with a compiler that warns about more.
WERROR ?= -Werror
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla $(WERROR)
CFLAGS ?= -O2 -g
# CPPFLAGS: the preprocessor flags a packager hands in (dpkg-buildflags: -D_FORTIFY_SOURCE=2).
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -I. -MMD -MP
LDLIBS_ALL := -llmdb -lnng -lmsgpackc -lsodium -ljansson -lzstd -lxlsxwriter -lpthread -lm
LDFLAGS_ALL := $(LDFLAGS) $(SANFLAGS)

PROTO_SRC := $(wildcard proto/*.c)
# daemon/ is two libraries. The daemon-only files below (the sync server, the client loops, the
# watcher, the listen-port gate, main) go into libpokjad.a, which only pokjad links. Every other
# daemon/*.c is the store family (store, trust, apply, outbox, node, certify, log, the config
# file's reader, the sync link that `pokjactl init --join` uses, ...) in libpokjastore.a, which
# pokjad, pokjactl, the tests, benches and tools link: a new file lands there unless listed here.
DAEMON_ONLY_SRC := daemon/main.c daemon/gate.c daemon/sync.c daemon/sync_batch.c \
	daemon/sync_client.c daemon/sync_peers.c daemon/sync_server.c daemon/sync_slots.c \
	daemon/sync_health.c daemon/sync_receipt.c
# The PostgreSQL mirror: daemon-only, and the one file built with libpq's headers. Nothing
# links -lpq: pokjad loads libpq at run time, and only when a mirror is configured (pq_load).
DAEMON_ONLY_SRC += daemon/pgmirror.c
PQ_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
# The metrics (counters, renderer, HTTP server) and what they read of a running sync.
DAEMON_ONLY_SRC += daemon/metrics.c daemon/metrics_http.c daemon/sync_stats.c daemon/httpgate.c
# The office web application: the HTTP server, its sessions and API (daemon/web*.c) and the
# pages compiled in ($(BUILD)/daemon/web_assets.c, written from daemon/web/ by embed).
DAEMON_ONLY_SRC += $(wildcard daemon/web*.c)
WEB_FILES := $(wildcard daemon/web/*.html daemon/web/*.js daemon/web/*.css)
STORE_SRC := $(filter-out $(DAEMON_ONLY_SRC),$(wildcard daemon/*.c))
DAEMON_LIB_SRC := $(filter-out daemon/main.c,$(DAEMON_ONLY_SRC))
CLI_SRC := $(wildcard cli/*.c)
# pokjactl's record layer, every cli/*.c but main.c, util.c (option parsing and files, which
# need the command table) and the commands (cmd_*.c): reading records
# as people write them, the reference, ownership and verdict checks, the record JSON, rekap.
# pokjactl and pokjad's web application both link it, so that a record entered through either
# is read and checked by the same code.
CLI_CMD_SRC := cli/main.c cli/util.c $(wildcard cli/cmd_*.c)
REC_SRC := $(filter-out $(CLI_CMD_SRC),$(CLI_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_HELPER_SRC := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c))
BENCH_SRC := $(wildcard tests/bench/*.c)
TOOL_SRC := $(wildcard tests/tools/*.c)

PROTO_OBJ := $(PROTO_SRC:%.c=$(BUILD)/%.o) $(BUILD)/proto/wilayah_table.o
STORE_OBJ := $(STORE_SRC:%.c=$(BUILD)/%.o)
DAEMON_LIB_OBJ := $(DAEMON_LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/daemon/web_assets.o
CLI_OBJ := $(CLI_CMD_SRC:%.c=$(BUILD)/%.o)
REC_OBJ := $(REC_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
UNIT_HELPER_OBJ := $(UNIT_HELPER_SRC:%.c=$(BUILD)/%.o)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/tests/bench/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

LIBPROTO := $(BUILD)/libpokja.a
LIBSTORE := $(BUILD)/libpokjastore.a
LIBDAEMON := $(BUILD)/libpokjad.a
LIBREC := $(BUILD)/libpokjarec.a
POKJAD := $(BUILD)/pokjad
POKJACTL := $(BUILD)/pokjactl
# Man pages: man/NAME.in with parts generated from the built programs (man/gen.sh).
MAN_PAGES := $(BUILD)/man/pokjactl.1 $(BUILD)/man/pokjad.8
# pokjactl's messages: English in the source (the msgids), Indonesian in cli/po/id.po (the
# default language, cli/i18n.h), compiled to $(BUILD)/locale, where a pokjactl in $(BUILD) finds
# it. The catalog sits in cli/ since the top level holds only the fixed folders.
PO_DIR := cli/po
POT := $(PO_DIR)/pokja-sync.pot
PO_LANGS := id
MO_FILES := $(PO_LANGS:%=$(BUILD)/locale/%/LC_MESSAGES/pokja-sync.mo)

# Where `make install` puts things. systemd reads units, sysusers.d and tmpfiles.d files from
# /usr/lib/... and /usr/local/lib/... (`systemd-analyze unit-paths`, `systemd-sysusers
# --cat-config`), so the $(PREFIX)/lib defaults suit PREFIX=/usr and /usr/local; with another
# PREFIX set UNITDIR, SYSUSERSDIR and TMPFILESDIR to one of those (or /etc/...).
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
DATAROOTDIR = $(PREFIX)/share
MANDIR = $(DATAROOTDIR)/man
DOCDIR = $(DATAROOTDIR)/doc/pokja-sync
LOCALEDIR = $(DATAROOTDIR)/locale
UNITDIR = $(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d
TMPFILESDIR = $(PREFIX)/lib/tmpfiles.d
DESTDIR =
INSTALL = install
# The installed paths, written into the unit and the man pages.
SUBST := sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	-e 's|@DOCDIR@|$(DOCDIR)|g' -e 's|@UNITDIR@|$(UNITDIR)|g' \
	-e 's|@SYSUSERSDIR@|$(SYSUSERSDIR)|g' -e 's|@TMPFILESDIR@|$(TMPFILESDIR)|g'
# The documents shipped with the programs; the region list is compiled in, so its licence
# (ODbL) and source notice go along.
DOCS := README.md proto/SPEC.md deploy/pokjad.conf.example
WILAYAH_DOCS := proto/wilayah/LICENSE.md proto/wilayah/SOURCE.md

.PHONY: all deps check demo bench fuzz unit clean format format-check man install uninstall deb pot
all: $(POKJAD) $(POKJACTL) $(MAN_PAGES) $(MO_FILES)

deps:
	@sh deploy/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The official region list is compiled into the library (see proto/wilayah.h) as a table that
# gen_table writes from the CSV files; a bad row stops the build with FILE:LINE. The generator
# runs on the build machine, so it is built without the sanitizers.
WILAYAH_CSV := $(addprefix proto/wilayah/,provinces.csv regencies.csv districts.csv villages.csv)
$(BUILD)/gen_table: proto/wilayah/gen_table.c proto/region.c proto/region.h proto/wilayah.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -I. proto/wilayah/gen_table.c proto/region.c -o $@

$(BUILD)/proto/wilayah_table.c: $(BUILD)/gen_table $(WILAYAH_CSV)
	@mkdir -p $(dir $@)
	$(BUILD)/gen_table $@ $(WILAYAH_CSV)

$(BUILD)/proto/wilayah_table.o: $(BUILD)/proto/wilayah_table.c proto/wilayah_table.h
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The catalog folder compiled into pokjactl, LOCALEDIR: a header rewritten only when it changes,
# so that `make install PREFIX=/usr` after `make` rebuilds what depends on it.
$(BUILD)/cli/localedir.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define LOCALEDIR "$(LOCALEDIR)"' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/cli/i18n.o: $(BUILD)/cli/localedir.h
$(BUILD)/cli/i18n.o: ALL_CFLAGS += -include $(BUILD)/cli/localedir.h
.PHONY: FORCE
FORCE:

# msgfmt --check: a bad format directive or a broken entry in a .po stops the build.
$(BUILD)/locale/%/LC_MESSAGES/pokja-sync.mo: $(PO_DIR)/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@.tmp $< && mv $@.tmp $@

# The template from the sources, and each .po brought up to it (new messages empty, changed
# ones fuzzy). Comments that start with TRANSLATORS: go along to the translator. cli_fail,
# cli_usagef, rec_error_add (cli/) and pk_diagf (proto/error.c) translate their format
# themselves, so their formats are msgids too. The field macros of proto/schema.c (STR ... COLL)
# are keywords for their last argument, the description that `pokjactl schema` and `template`
# show translated.
pot:
	xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=PK_ --keyword=ngettext:1,2 \
		--keyword=cli_fail:2 --keyword=cli_usagef:2 --keyword=pk_diagf:3 --keyword=rec_error_add:3 \
		--keyword=tree_problem:3 --flag=tree_problem:3:c-format \
		--keyword=cli_progress:1 --flag=cli_progress:1:c-format \
		--keyword=STR:3 --keyword=HEX:4 --keyword=TEXT:3 --keyword=INT:5 --keyword=NUM:5 \
		--keyword=DATE:3 --keyword=ENUM:4 --keyword=REGION:3 --keyword=REF:3 --keyword=REFTO:4 \
		--keyword=REFIN:5 --keyword=REFAT:5 --keyword=BOOL:3 --keyword=STRLIST:3 --keyword=COLL:3 \
		--flag=cli_fail:2:c-format --flag=cli_usagef:2:c-format --flag=pk_diagf:3:c-format \
		--flag=rec_error_add:3:c-format \
		--add-comments=TRANSLATORS: --package-name=pokja-sync --sort-by-file \
		-o $(POT) $(sort $(wildcard cli/*.c daemon/*.c proto/*.c))
	for l in $(PO_LANGS); do msgmerge --quiet --update --backup=none $(PO_DIR)/$$l.po $(POT) || exit 1; done

$(LIBPROTO): $(PROTO_OBJ)
	rm -f $@ && ar rcs $@ $^

$(LIBSTORE): $(STORE_OBJ)
	rm -f $@ && ar rcs $@ $^

$(LIBDAEMON): $(DAEMON_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(LIBREC): $(REC_OBJ)
	rm -f $@ && ar rcs $@ $^

# The pages, compiled in; embed runs on the build machine, so it is built without sanitizers.
$(BUILD)/embed: daemon/web/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $< -o $@

$(BUILD)/daemon/web_assets.c: $(BUILD)/embed $(WEB_FILES)
	@mkdir -p $(dir $@)
	$(BUILD)/embed $@ $(WEB_FILES)

$(BUILD)/daemon/web_assets.o: $(BUILD)/daemon/web_assets.c daemon/web_assets.h
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(POKJAD): $(BUILD)/daemon/main.o $(LIBDAEMON) $(LIBREC) $(LIBSTORE) $(LIBPROTO)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/daemon/pgmirror.o: ALL_CFLAGS += $(PQ_CFLAGS)

# pokjactl links no daemon-only code: not the sync server, the client loops or the gate.
$(POKJACTL): $(CLI_OBJ) $(LIBREC) $(LIBSTORE) $(LIBPROTO)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# Tests, benches and tools link both libraries; each takes from them only what it uses.
$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(UNIT_HELPER_OBJ) $(LIBDAEMON) $(LIBREC) $(LIBSTORE) \
		$(LIBPROTO)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lcmocka

$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(LIBDAEMON) $(LIBSTORE) $(LIBPROTO)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(LIBDAEMON) $(LIBSTORE) $(LIBPROTO)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

unit: $(UNIT_BIN) $(TOOL_BIN)

man: $(MAN_PAGES)

# $(BUILD)/man/gen/ has the pages with the installed paths still as @DOCDIR@ etc.; `make`
# fills them with the default paths (those of PREFIX), `make install` with its own.
$(BUILD)/man/gen/%: man/%.in man/gen.sh $(POKJACTL) $(POKJAD)
	@mkdir -p $(dir $@)
	sh man/gen.sh $< $(POKJACTL) $(POKJAD) >$@.tmp && mv $@.tmp $@

$(BUILD)/man/%: $(BUILD)/man/gen/%
	$(SUBST) $< >$@.tmp && mv $@.tmp $@

install: all
	@mkdir -p $(BUILD)/install
	$(SUBST) deploy/pokjad.service.in >$(BUILD)/install/pokjad.service
	$(SUBST) $(BUILD)/man/gen/pokjactl.1 >$(BUILD)/install/pokjactl.1
	$(SUBST) $(BUILD)/man/gen/pokjad.8 >$(BUILD)/install/pokjad.8
	$(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DOCDIR)/wilayah
	for l in $(PO_LANGS); do \
		$(INSTALL) -d -m 0755 $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
		$(INSTALL) -m 0644 $(BUILD)/locale/$$l/LC_MESSAGES/pokja-sync.mo \
			$(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/pokja-sync.mo || exit 1; \
	done
	$(INSTALL) -m 0755 $(POKJACTL) $(DESTDIR)$(BINDIR)/pokjactl
	$(INSTALL) -m 0755 $(POKJAD) $(DESTDIR)$(SBINDIR)/pokjad
	$(INSTALL) -m 0644 $(BUILD)/install/pokjactl.1 $(DESTDIR)$(MANDIR)/man1/pokjactl.1
	$(INSTALL) -m 0644 $(BUILD)/install/pokjad.8 $(DESTDIR)$(MANDIR)/man8/pokjad.8
	$(INSTALL) -m 0644 $(BUILD)/install/pokjad.service $(DESTDIR)$(UNITDIR)/pokjad.service
	$(INSTALL) -m 0644 deploy/pokja-sync.sysusers $(DESTDIR)$(SYSUSERSDIR)/pokja-sync.conf
	$(INSTALL) -m 0644 deploy/pokja-sync.tmpfiles $(DESTDIR)$(TMPFILESDIR)/pokja-sync.conf
	$(INSTALL) -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 $(WILAYAH_DOCS) $(DESTDIR)$(DOCDIR)/wilayah/

# Removes what install put; the node folder (/var/lib/pokja) and the user pokja stay.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pokjactl $(DESTDIR)$(SBINDIR)/pokjad \
		$(DESTDIR)$(MANDIR)/man1/pokjactl.1 $(DESTDIR)$(MANDIR)/man8/pokjad.8 \
		$(DESTDIR)$(UNITDIR)/pokjad.service $(DESTDIR)$(SYSUSERSDIR)/pokja-sync.conf \
		$(DESTDIR)$(TMPFILESDIR)/pokja-sync.conf \
		$(PO_LANGS:%=$(DESTDIR)$(LOCALEDIR)/%/LC_MESSAGES/pokja-sync.mo) \
		$(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS))) \
		$(addprefix $(DESTDIR)$(DOCDIR)/wilayah/,$(notdir $(WILAYAH_DOCS)))
	rmdir $(DESTDIR)$(DOCDIR)/wilayah $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# The Debian package, built by dpkg-buildpackage and debian/rules (which call `make all` and
# `make install PREFIX=/usr`) from a copy of the tree in $(BUILD)/deb/src; the .deb lands in
# $(BUILD)/deb/.
deb:
	DEB_BUILD_OPTIONS="$${DEB_BUILD_OPTIONS:-parallel=2}" sh deploy/build-deb.sh $(BUILD)/deb

# Without SANITIZE: the suite in build/, then the unit and CLI tests again in the
# address,undefined build and the CLI tests that run daemons in the thread build (tests/run.sh).
# With SANITIZE: the suite in that sanitizer's build only.
ifeq ($(SANITIZE),)
check: deps
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory SANITIZE=address,undefined BUILD=$(ASAN_BUILD) all unit
	@$(MAKE) --no-print-directory SANITIZE=thread BUILD=$(TSAN_BUILD) all unit
	@BUILD=$(BUILD) ASAN_BUILD=$(ASAN_BUILD) TSAN_BUILD=$(TSAN_BUILD) \
		FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/run.sh
else
check: deps
	@$(MAKE) --no-print-directory all unit
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/run.sh
endif

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh deploy/demo.sh $(if $(NO_WAIT),--no-wait)

bench: all $(BENCH_BIN) $(BUILD)/tests/tools/linksim
	@BUILD=$(BUILD) sh tests/bench/run.sh

fuzz: $(BUILD)/proto/wilayah_table.c
	@BUILD=$(BUILD) sh tests/fuzz/run.sh --seconds $(FUZZ_SECONDS)

format:
	clang-format -i $(wildcard proto/*.[ch] proto/wilayah/*.c daemon/*.[ch] cli/*.[ch] tests/*/*.[ch])

format-check:
	clang-format --dry-run -Werror $(wildcard proto/*.[ch] proto/wilayah/*.c daemon/*.[ch] cli/*.[ch] tests/*/*.[ch])

clean:
	rm -rf build build-san build-san-*

# (Not those of make deb's copy of the tree in $(BUILD)/deb, whose staging folders end in .d too.)
-include $(shell find $(BUILD) -path $(BUILD)/deb -prune -o -type f -name '*.d' -print 2>/dev/null)

# Keep the object files of test programs between runs.
.SECONDARY:

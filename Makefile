# SPDX-License-Identifier: MIT
# Aether build. Sources are found by directory, so adding a file needs no edit
# here. One library per folder, one program per *_main.c:
#   stack/*.c          -> build/libaether-stack.a  (the pure protocol library)
#   ipc/*.c            -> build/libaether-ipc.a    (the shim <-> daemon contract:
#                         messages, their checks, shared-memory rings)
#   client/*.c         -> build/libaether-client.a (the client side of that
#                         contract: libaether.so, the aether tool, test tools)
#   host/*.c           -> build/libaether-host.a   (event loop, TAP, pcap, option
#                         parsing, impairment, host bring-up: aetherd + examples)
#   daemon/*.c         -> build/libaether-daemon.a (aetherd's sessions)
#   tools/*.c          -> build/libaether-tools.a  (the aether tool's commands)
#   daemon/*_main.c, tools/*_main.c -> one program each:
#                         tools/foo_bar_main.c -> build/foo-bar
#   preload/*.c        -> build/libaether.so       (links client + ipc)
#   tests/unit/test_*.c -> build/tests/test_*   (Check), helpers: other tests/unit/*.c
#   tests/tools/*.c    -> build/tools/*            (links client + ipc)
#   tests/api/*.c      -> build/api/*
#   examples/*.c       -> build/examples/*         (links host + stack)
#   tests/fuzz/fuzz_*.c -> build/fuzz/fuzz_*   (make fuzz, clang libFuzzer)

CC       ?= cc
O        ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?=
# AE_DEBUG=1: the stack checks its invariants (AE_ASSERT, stack/stack.h);
# on in the asan/ubsan/tsan builds and in the fuzz targets
AE_DEBUG ?=
PKG_CHECK := $(shell pkg-config --cflags --libs check 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -fPIC -D_GNU_SOURCE -Istack -Iipc -Iclient -Ihost -Idaemon -Itools \
            -fno-strict-aliasing $(SANITIZE) $(if $(AE_DEBUG),-DAE_DEBUG)
LDFLAGS  += $(SANITIZE)
LIBS     := -lbsd

STACK_SRC   := $(wildcard stack/*.c)
IPC_SRC     := $(wildcard ipc/*.c)
CLIENT_SRC  := $(wildcard client/*.c)
HOST_SRC    := $(wildcard host/*.c)
DAEMON_SRC  := $(filter-out %_main.c,$(wildcard daemon/*.c))
TOOLS_SRC   := $(filter-out %_main.c,$(wildcard tools/*.c))
MAIN_SRC    := $(wildcard daemon/*_main.c tools/*_main.c)
PRELOAD_SRC := $(wildcard preload/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_HELP   := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c))
EX_SRC      := $(wildcard examples/*.c)

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

STACK_LIB  := $(O)/libaether-stack.a
IPC_LIB    := $(O)/libaether-ipc.a
CLIENT_LIB := $(O)/libaether-client.a
HOST_LIB   := $(O)/libaether-host.a
DAEMON_LIB := $(O)/libaether-daemon.a
TOOLS_LIB  := $(O)/libaether-tools.a
LIBS_ALL   := $(TOOLS_LIB) $(DAEMON_LIB) $(HOST_LIB) $(CLIENT_LIB) $(IPC_LIB) $(STACK_LIB)
PRELOAD_SO := $(O)/libaether.so
MAIN_NAMES := $(patsubst %_main.c,%,$(notdir $(MAIN_SRC)))
PROGS      := $(addprefix $(O)/,$(subst _,-,$(MAIN_NAMES)))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
EX_BINS    := $(patsubst examples/%.c,$(O)/examples/%,$(EX_SRC))

.PHONY: all test unit integration demo deps asan ubsan tsan cppcheck clang-tidy \
        lint tidy-quick kdoc fuzz-replay \
        install uninstall clean check-all fuzz bench conformance

all: $(LIBS_ALL) $(PROGS) $(if $(PRELOAD_SRC),$(PRELOAD_SO)) \
     $(UNIT_BINS) $(EX_BINS)

# Objects are intermediate files of the pattern rules (they are built only
# on the way to an archive or a program); without this, make deletes them
# after the build and the next make rebuilds everything.
.SECONDARY:

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# One archive per folder: stack/*.c -> $(STACK_LIB), client/*.c -> $(CLIENT_LIB) ...
# Each is written anew, and again when the Makefile changes, so an object
# whose source moved to another folder does not linger in the old archive.
$(foreach l,STACK IPC CLIENT HOST DAEMON TOOLS,$(eval $$($(l)_LIB): $$(call obj,$$($(l)_SRC)) Makefile))
$(STACK_LIB) $(IPC_LIB) $(CLIENT_LIB) $(HOST_LIB) $(DAEMON_LIB) $(TOOLS_LIB):
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $(filter %.o,$^)

# tools/aether_impair_main.c -> build/aether-impair; the archives are searched
# in dependency order, so a program takes only the objects it uses.
define prog_rule
$(O)/$(subst _,-,$(patsubst %_main.c,%,$(notdir $(1)))): $(call obj,$(1)) $(LIBS_ALL)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LIBS)
endef
$(foreach m,$(MAIN_SRC),$(eval $(call prog_rule,$(m))))

$(PRELOAD_SO): $(call obj,$(PRELOAD_SRC)) $(CLIENT_LIB) $(IPC_LIB)
	$(CC) $(LDFLAGS) -shared -Wl,-z,defs -o $@ $(call obj,$(PRELOAD_SRC)) $(CLIENT_LIB) $(IPC_LIB) -ldl -lpthread $(LIBS)

$(O)/tests/%: $(O)/obj/tests/unit/%.o $(call obj,$(UNIT_HELP)) $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_CHECK) -lpthread $(LIBS)

$(O)/examples/%: $(O)/obj/examples/%.o $(HOST_LIB) $(STACK_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# tests/api/*.c -> build/api/* (the differential socket API suite: plain C
# programs run on the kernel stack and on Aether under LD_PRELOAD)
API_SRC  := $(wildcard tests/api/*.c)
API_BINS := $(patsubst tests/api/%.c,$(O)/api/%,$(API_SRC))
all: $(API_BINS)
$(O)/api/%: $(O)/obj/tests/api/%.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

# Test programs of the client library: tests/tools/foo.c -> build/tools/foo
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(O)/tools/%,$(TOOL_SRC))
all: $(TOOL_BINS)

$(O)/tools/%: $(O)/obj/tests/tools/%.o $(CLIENT_LIB) $(IPC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread $(LIBS)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

# --- tests ---------------------------------------------------------------

# Unit tests: every Check binary runs, two at a time (tests/unit_run.sh); a
# failing one fails the target, but all run first so one report shows every
# failure. The slow suites start first.
UNIT_SLOW := $(filter $(addprefix $(O)/tests/,test_tcp_s2s test_tcp_hash test_tcp_fuzz \
	test_tcp_state test_robust),$(UNIT_BINS))
unit: all
	@tests/unit_run.sh $(UNIT_SLOW) $(filter-out $(UNIT_SLOW),$(UNIT_BINS))

integration: all
	tests/integration/run.sh

# make test builds two jobs at a time unless told how many (-jN, seen as a
# jobserver in MAKEFLAGS): the CI box has 2 cores and builds from a fresh
# clone, where a serial build was the longest step after the integration
# scripts
test:
	@tests/deps.sh test
	@j=-j2; case " $$MAKEFLAGS" in *jobserver*|*" -j"*) j= ;; esac; \
		echo "$(MAKE) $$j all"; $(MAKE) $$j all
	$(MAKE) unit
	$(MAKE) lint
	$(MAKE) integration

check-all: test
	$(MAKE) clang-tidy
	$(MAKE) asan O=build-asan && $(MAKE) unit O=build-asan AE_DEBUG=1 SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer"
	AETHER_LONG=1 AETHER_TEST_TIMEOUT=1800 tests/integration/run.sh
	$(MAKE) conformance

# CPython's socket test suites (Debian's libpython3.11-testsuite) on the
# kernel and on Aether, every module of issue 16; prints the cases whose
# verdicts differ. The fast part (test_socket, test_selectors, test_epoll,
# test_poll) also runs in `make test`, as tests/integration/test_cpython.sh.
conformance: deps
	$(MAKE) all
	tests/conformance/cpython.sh --full

demo:
	@tests/deps.sh demo
	$(MAKE) all
	tests/integration/demo.sh

# deps: what the build needs; demo and test add theirs (tests/deps.sh)
deps:
	@tests/deps.sh build

asan:
	$(MAKE) all O=build-asan AE_DEBUG=1 SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer"

ubsan:
	$(MAKE) all O=build-ubsan AE_DEBUG=1 SANITIZE="-fsanitize=undefined -fno-sanitize-recover=undefined"

tsan:
	$(MAKE) all O=build-tsan AE_DEBUG=1 SANITIZE="-fsanitize=thread"

# cppcheck: missingIncludeSystem is off because system headers are not ours to
# check; unusedFunction is off because the public API is used by other trees.
# cppcheck does not read system headers, so it is handed libbsd's queue.h
# macros explicitly (LIST_HEAD(, x) is otherwise a syntax error to it).
CPPCHECK_QUEUE := $(firstword $(wildcard /usr/include/x86_64-linux-gnu/sys/queue.h /usr/include/sys/queue.h))
cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--suppress=missingIncludeSystem --inline-suppr -D_GNU_SOURCE --include=$(CPPCHECK_QUEUE) \
		-Istack -Iipc -Iclient -Ihost -Idaemon stack ipc client host daemon tools preload examples

# clang-tidy: the checks, and why each disabled one is off, are in
# .clang-tidy; two files at a time, findings are errors
TIDY_SRC := $(STACK_SRC) $(IPC_SRC) $(CLIENT_SRC) $(HOST_SRC) $(DAEMON_SRC) $(MAIN_SRC) \
            $(PRELOAD_SRC)
clang-tidy:
	@printf '%s\n' $(TIDY_SRC) | xargs -P2 -n4 tests/clang_tidy.sh $(CFLAGS) -DAE_DEBUG --

fuzz:
	@tests/fuzz/run.sh

# lint: the tools `make test` runs beside the tests, in well under a minute:
# cppcheck; clang-tidy's AST checks (tidy-quick: the analyzer's path
# exploration takes minutes, so make clang-tidy and check-all run it); the
# kernel-doc names (tests/kdoc_check.py); the fuzz corpora and crash
# reproducers replayed through the targets built with $(CC), ASan and UBSan
# and without libFuzzer (tests/fuzz/run.sh check).
lint: cppcheck tidy-quick kdoc fuzz-replay

tidy-quick:
	@printf '%s\n' $(TIDY_SRC) | xargs -P2 -n8 tests/clang_tidy.sh $(CFLAGS) -DAE_DEBUG -- \
		--checks='-clang-analyzer-*'

kdoc:
	@python3 tests/kdoc_check.py

fuzz-replay:
	@FUZZ_CC=$(CC) O=$(O) tests/fuzz/run.sh check

bench: all
	bench/run.sh
	bench/memcurve.sh

# Installation: programs, the preload library, the embedded stack (archive,
# header, pkg-config file), man pages, the systemd unit and a commented
# configuration file (kept if it exists). Nothing is started or enabled.
BINDIR     := $(PREFIX)/bin
SBINDIR    := $(PREFIX)/sbin
LIBDIR     := $(PREFIX)/lib
INCDIR     := $(PREFIX)/include/aether
MANDIR     := $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
VERSION    := $(shell sed -n 's/^\#define AETHER_VERSION[^"]*"\(.*\)"/\1/p' host/opts.h)
# aether-rr is a benchmark meter (bench/), not a user program: not installed.
USER_PROGS := $(filter-out $(O)/aetherd $(O)/aether-rr,$(PROGS))

# The unit and the .pc file are written straight into DESTDIR (with this
# PREFIX), so `sudo make install` after `make` adds nothing to build/.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/aether
	install -m 755 $(USER_PROGS) $(DESTDIR)$(BINDIR)/
	install -m 755 $(O)/aetherd $(DESTDIR)$(SBINDIR)/
	$(if $(PRELOAD_SRC),install -m 755 $(PRELOAD_SO) $(DESTDIR)$(LIBDIR)/)
	install -m 644 $(STACK_LIB) $(DESTDIR)$(LIBDIR)/
	install -m 644 stack/aether.h $(DESTDIR)$(INCDIR)/
	sed 's|@PREFIX@|$(PREFIX)|g; s|@VERSION@|$(VERSION)|g' dist/aether-stack.pc.in \
		>$(DESTDIR)$(LIBDIR)/pkgconfig/aether-stack.pc
	install -m 644 man/aether.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/libaether.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 644 man/aetherd.8 $(DESTDIR)$(MANDIR)/man8/
	sed 's|@SBINDIR@|$(SBINDIR)|g; s|@BINDIR@|$(BINDIR)|g' dist/aetherd.service.in \
		>$(DESTDIR)$(UNITDIR)/aetherd.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/aether/aetherd.conf ] || \
		install -m 644 dist/aetherd.conf $(DESTDIR)$(SYSCONFDIR)/aether/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(USER_PROGS))) \
	      $(DESTDIR)$(SBINDIR)/aetherd \
	      $(DESTDIR)$(LIBDIR)/libaether.so $(DESTDIR)$(LIBDIR)/libaether-stack.a \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/aether-stack.pc \
	      $(DESTDIR)$(MANDIR)/man1/aether.1 $(DESTDIR)$(MANDIR)/man7/libaether.7 \
	      $(DESTDIR)$(MANDIR)/man8/aetherd.8 $(DESTDIR)$(UNITDIR)/aetherd.service
	rm -rf $(DESTDIR)$(INCDIR)
	@echo "kept $(DESTDIR)$(SYSCONFDIR)/aether/aetherd.conf (remove it by hand if unwanted)"

clean:
	rm -rf build build-asan build-ubsan build-tsan

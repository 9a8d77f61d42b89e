# SPDX-License-Identifier: MIT
# Aether build. Sources are found by directory, so adding a file needs no edit
# here:
#   stack/*.c          -> build/libaether-stack.a  (the pure protocol library)
#   ipc/*.c            -> build/libaether-ipc.a    (wire protocol + rings)
#   daemon/*.c         -> build/libaether-daemon.a, except *_main.c, which
#                         each become a program: daemon/foo_bar_main.c -> build/foo-bar
#   preload/*.c        -> build/libaether.so
#   tests/unit/test_*.c -> build/tests/test_*   (Check), helpers: other tests/unit/*.c
#   examples/*.c       -> build/examples/*
#   tests/fuzz/fuzz_*.c -> build/fuzz/fuzz_*   (make fuzz, clang libFuzzer)

CC       ?= cc
O        ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?=
PKG_CHECK := $(shell pkg-config --cflags --libs check 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -fPIC -D_GNU_SOURCE -Istack -Iipc -Idaemon \
            -fno-strict-aliasing $(SANITIZE)
LDFLAGS  += $(SANITIZE)
LIBS     := -lbsd

STACK_SRC   := $(wildcard stack/*.c)
IPC_SRC     := $(wildcard ipc/*.c)
DAEMON_SRC  := $(filter-out %_main.c,$(wildcard daemon/*.c))
MAIN_SRC    := $(wildcard daemon/*_main.c)
PRELOAD_SRC := $(wildcard preload/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_HELP   := $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c))
EX_SRC      := $(wildcard examples/*.c)

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

STACK_LIB  := $(O)/libaether-stack.a
IPC_LIB    := $(O)/libaether-ipc.a
DAEMON_LIB := $(O)/libaether-daemon.a
PRELOAD_SO := $(O)/libaether.so
PROGS      := $(patsubst daemon/%_main.c,$(O)/%,$(MAIN_SRC))
PROGS      := $(subst _,-,$(PROGS))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
EX_BINS    := $(patsubst examples/%.c,$(O)/examples/%,$(EX_SRC))

.PHONY: all test unit integration demo deps asan ubsan tsan cppcheck clang-tidy \
        install uninstall clean check-all fuzz bench

all: $(STACK_LIB) $(IPC_LIB) $(DAEMON_LIB) $(PROGS) $(if $(PRELOAD_SRC),$(PRELOAD_SO)) \
     $(UNIT_BINS) $(EX_BINS)

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(STACK_LIB): $(call obj,$(STACK_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(IPC_LIB): $(call obj,$(IPC_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(DAEMON_LIB): $(call obj,$(DAEMON_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# daemon/aether_impair_main.c -> build/aether-impair
define prog_rule
$(O)/$(subst _,-,$(1)): $(O)/obj/daemon/$(1)_main.o $(DAEMON_LIB) $(IPC_LIB) $(STACK_LIB)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LIBS)
endef
$(foreach m,$(patsubst daemon/%_main.c,%,$(MAIN_SRC)),$(eval $(call prog_rule,$(m))))

$(PRELOAD_SO): $(call obj,$(PRELOAD_SRC)) $(IPC_LIB)
	$(CC) $(LDFLAGS) -shared -Wl,-z,defs -o $@ $(call obj,$(PRELOAD_SRC)) $(IPC_LIB) -ldl -lpthread $(LIBS)

$(O)/tests/%: $(O)/obj/tests/unit/%.o $(call obj,$(UNIT_HELP)) $(DAEMON_LIB) $(IPC_LIB) $(STACK_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_CHECK) -lpthread $(LIBS)

$(O)/examples/%: $(O)/obj/examples/%.o $(DAEMON_LIB) $(STACK_LIB)
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

# Test programs of the ipc client library: tests/tools/foo.c -> build/tools/foo
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(O)/tools/%,$(TOOL_SRC))
all: $(TOOL_BINS)

$(O)/tools/%: $(O)/obj/tests/tools/%.o $(IPC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread $(LIBS)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

# --- tests ---------------------------------------------------------------

# Unit tests: every Check binary runs; a failing one fails the target, but
# all run first so one report shows every failure.
unit: all
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; CK_DEFAULT_TIMEOUT=60 $$t || fail=1; done; \
	exit $$fail

integration: all
	tests/integration/run.sh

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration

check-all: test
	$(MAKE) asan O=build-asan && $(MAKE) unit O=build-asan SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer"
	AETHER_LONG=1 AETHER_TEST_TIMEOUT=1800 tests/integration/run.sh

demo: deps
	$(MAKE) all
	tests/integration/demo.sh

deps:
	@tests/deps.sh

asan:
	$(MAKE) all O=build-asan SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer"

ubsan:
	$(MAKE) all O=build-ubsan SANITIZE="-fsanitize=undefined -fno-sanitize-recover=undefined"

tsan:
	$(MAKE) all O=build-tsan SANITIZE="-fsanitize=thread"

# cppcheck: missingIncludeSystem is off because system headers are not ours to
# check; unusedFunction is off because the public API is used by other trees.
# cppcheck does not read system headers, so it is handed libbsd's queue.h
# macros explicitly (LIST_HEAD(, x) is otherwise a syntax error to it).
CPPCHECK_QUEUE := $(firstword $(wildcard /usr/include/x86_64-linux-gnu/sys/queue.h /usr/include/sys/queue.h))
cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--suppress=missingIncludeSystem --inline-suppr -D_GNU_SOURCE --include=$(CPPCHECK_QUEUE) \
		-Istack -Iipc -Idaemon stack ipc daemon preload examples

# clang-tidy: the clang-analyzer and bugprone families only; readability
# checks would fight the kernel style this tree follows.
clang-tidy:
	clang-tidy --quiet --checks='-*,clang-analyzer-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier' \
		$(STACK_SRC) $(IPC_SRC) $(DAEMON_SRC) $(MAIN_SRC) $(PRELOAD_SRC) -- $(CFLAGS)

fuzz:
	@tests/fuzz/run.sh

bench: all
	bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/aether
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	$(if $(PRELOAD_SRC),install -m 755 $(PRELOAD_SO) $(DESTDIR)$(PREFIX)/lib/)
	install -m 644 $(STACK_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 stack/aether.h $(DESTDIR)$(PREFIX)/include/aether/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(PROGS))) \
	      $(DESTDIR)$(PREFIX)/lib/libaether.so $(DESTDIR)$(PREFIX)/lib/libaether-stack.a
	rm -rf $(DESTDIR)$(PREFIX)/include/aether

clean:
	rm -rf build build-asan build-ubsan build-tsan

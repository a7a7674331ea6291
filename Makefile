# cspipe: Go's concurrency patterns out of Unix processes and pipes.
# make [all] | check | demo | bench | lint | fuzz | stress | install | uninstall | clean
# SANITIZE=1 builds everything with AddressSanitizer and UBSan.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
INCDIR = $(PREFIX)/include
MANDIR = $(PREFIX)/share/man
PCDIR = $(LIBDIR)/pkgconfig
SHAREDIR = $(PREFIX)/share/cspipe

CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra
ifeq ($(SANITIZE),1)
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
B = build/san
else
B = build/opt
endif
BSD_CFLAGS := $(shell pkg-config --cflags libbsd 2>/dev/null)
BSD_LIBS := $(shell pkg-config --libs libbsd 2>/dev/null || echo -lbsd)
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(BSD_CFLAGS) -Ilib -fPIC
LIBS = $(BSD_LIBS) -lm

VERSION = $(shell sed -n 's/^\#define CSP_VERSION "\(.*\)"/\1/p' lib/cspipe.h)
SOVERSION = 0

LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
CMD_SRC = $(wildcard bin/*.c)
CMDS = $(CMD_SRC:bin/%.c=$(B)/bin/%)
SEED_SRC = $(wildcard tests/seed/*.c)
SEEDS = $(SEED_SRC:tests/seed/%.c=$(B)/seed/%)
PROG_SRC = $(wildcard tests/prog/*.c)
PROGS = $(PROG_SRC:tests/prog/%.c=$(B)/prog/%)
BENCH = $(B)/bench/cspbench

all: $(B)/libcspipe.a $(B)/libcspipe.so $(B)/cspipe.pc $(CMDS) $(SEEDS) $(PROGS) $(BENCH)

$(B)/lib/%.o: lib/%.c lib/cspipe.h lib/impl.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libcspipe.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(B)/libcspipe.so: $(LIB_OBJ)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libcspipe.so.$(SOVERSION) -o $@ $(LIB_OBJ) $(LIBS)

$(B)/cspipe.pc: lib/cspipe.pc.in lib/cspipe.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' lib/cspipe.pc.in > $@

$(B)/bin/%: bin/%.c $(B)/libcspipe.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcspipe.a $(LIBS)

$(B)/seed/%: tests/seed/%.c $(B)/libcspipe.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcspipe.a $(LIBS)

$(B)/prog/%: tests/prog/%.c $(B)/libcspipe.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcspipe.a $(LIBS)

$(B)/bench/cspbench: $(wildcard scripts/bench/*.c) $(B)/libcspipe.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(wildcard scripts/bench/*.c) $(B)/libcspipe.a $(LIBS)

build/.deps: scripts/deps
	sh scripts/deps
	@mkdir -p build && touch $@

deps: build/.deps

check: build/.deps
	$(MAKE) all
	B=$(B) sh scripts/check

demo: build/.deps
	$(MAKE) all
	B=$(B) sh scripts/demo

# libFuzzer harnesses (clang, sanitizers on) over every parser a user reaches;
# each runs FUZZ_SECONDS on its seed corpus. Not part of check.
FUZZ = duration size rate count replace rd chan
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer

$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(B)/libcspipe.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(B)/libcspipe.a $(LIBS)

fuzz:
	$(MAKE) CC=clang B=build/fuzz CFLAGS="$(FUZZ_CFLAGS)" $(FUZZ:%=build/fuzz/fuzz/%)
	B=build/fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run $(FUZZ)

# 10^6 records through fanout, merge, tee and bridge, with jobs killed at random. Not part of check.
stress: build/.deps
	$(MAKE) all
	B=$(B) sh scripts/stress

# The references the figures are measured against (never dependencies of cspipe).
BENCH_REFS = parallel execline time golang-go

bench: build/.deps
	CSP_DEPS_EXTRA="$(BENCH_REFS)" sh scripts/deps
	$(MAKE) all
	B=$(B) sh scripts/bench/run
	B=$(B) sh scripts/bench/commands

lint: build/.deps
	mandoc -Tlint -W warning man/man*/*.[0-9]
	shellcheck -s sh scripts/check scripts/demo scripts/deps scripts/bench/run scripts/bench/commands .ci/run \
		scripts/stress tests/fuzz/run
# bats runs each test in a subshell, and its scripts quote $$ for sh -c on purpose
	shellcheck -s bash -e SC2016,SC2030,SC2031 tests/*.bats tests/*.bash tests/helpers/*.bash

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
		$(DESTDIR)$(PCDIR) $(DESTDIR)$(SHAREDIR)/bats \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(CMDS) $(DESTDIR)$(BINDIR)
	install -m 644 $(B)/libcspipe.a $(DESTDIR)$(LIBDIR)
	install -m 755 $(B)/libcspipe.so $(DESTDIR)$(LIBDIR)/libcspipe.so.$(VERSION)
	ln -sf libcspipe.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libcspipe.so.$(SOVERSION)
	ln -sf libcspipe.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libcspipe.so
	install -m 644 lib/cspipe.h $(DESTDIR)$(INCDIR)
	install -m 644 $(B)/cspipe.pc $(DESTDIR)$(PCDIR)
	install -m 644 tests/helpers/leakfree.bash $(DESTDIR)$(SHAREDIR)/bats
	install -m 644 man/man1/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/man3/*.3 $(DESTDIR)$(MANDIR)/man3
	install -m 644 man/man7/*.7 $(DESTDIR)$(MANDIR)/man7
	# man csp_chan_send finds csp_chan_make(3): a .so link for every name a page documents
	for f in man/man3/*.3; do b=$${f##*/}; \
		for n in $$(sed -n 's/^\.Nm \([a-z_0-9]*\).*/\1/p' $$f); do \
			[ "$$n.3" = "$$b" ] || echo ".so man3/$$b" > $(DESTDIR)$(MANDIR)/man3/$$n.3; \
		done; done

uninstall:
	for f in $(CMD_SRC:bin/%.c=%); do rm -f $(DESTDIR)$(BINDIR)/$$f; done
	rm -f $(DESTDIR)$(LIBDIR)/libcspipe.a $(DESTDIR)$(LIBDIR)/libcspipe.so*
	rm -f $(DESTDIR)$(INCDIR)/cspipe.h $(DESTDIR)$(PCDIR)/cspipe.pc
	rm -rf $(DESTDIR)$(SHAREDIR)
	for f in man/man*/*.[0-9]; do rm -f $(DESTDIR)$(MANDIR)/$${f#man/}; done
	for f in man/man3/*.3; do \
		for n in $$(sed -n 's/^\.Nm \([a-z_0-9]*\).*/\1/p' $$f); do \
			rm -f $(DESTDIR)$(MANDIR)/man3/$$n.3; \
		done; done

clean:
	rm -rf build

.PHONY: all deps check demo bench lint fuzz stress install uninstall clean

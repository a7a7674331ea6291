# cspipe: Go's concurrency patterns out of Unix processes and pipes.
# make [all] | check | demo | bench | valgrind | lint | fuzz | stress | install | uninstall | clean
# SANITIZE=1 builds everything with AddressSanitizer and UBSan.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
INCDIR = $(PREFIX)/include
MANDIR = $(PREFIX)/share/man
PCDIR = $(LIBDIR)/pkgconfig
# bats_load_library looks in BATS_LIB_PATH, /usr/lib/bats by default on Debian.
BATSLIBDIR = $(PREFIX)/lib/bats
# Where bash-completion loads completions from, under PREFIX.
COMPLETIONSDIR := $(shell pkg-config --define-variable=prefix=$(PREFIX) \
	--variable=completionsdir bash-completion 2>/dev/null)
ifeq ($(COMPLETIONSDIR),)
COMPLETIONSDIR = $(PREFIX)/share/bash-completion/completions
endif
# Programs linked with pkg-config's flags find libcspipe.so without
# LD_LIBRARY_PATH or ldconfig: an rpath, except where the loader looks anyway.
ifneq ($(filter $(LIBDIR),/lib /usr/lib /lib64 /usr/lib64 $(wildcard /usr/lib/*-linux-gnu*)),)
PC_RPATH ?=
else
PC_RPATH ?= -Wl,-rpath,$${libdir}
endif

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
BSD_STATIC_LIBS := $(shell pkg-config --static --libs libbsd 2>/dev/null || echo -lbsd)
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(BSD_CFLAGS) -Ilib -fPIC
LIBS = $(BSD_LIBS) -lm

VERSION = $(shell sed -n 's/^\#define CSP_VERSION "\(.*\)"/\1/p' lib/cspipe.h)
SOVERSION = 0

# lib/ in layers, each a folder: core, patterns, fanout, cmd (scripts/layers checks the includes).
LIB_SRC = $(wildcard lib/*/*.c)
LIB_HDR = lib/cspipe.h $(wildcard lib/*/*.h)
LIB_OBJ = $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
CMD_SRC = $(wildcard bin/*.c)
CMDS = $(CMD_SRC:bin/%.c=$(B)/bin/%)
SEED_SRC = $(wildcard tests/seed/*.c)
SEEDS = $(SEED_SRC:tests/seed/%.c=$(B)/seed/%)
PROG_SRC = $(wildcard tests/prog/*.c)
PROGS = $(PROG_SRC:tests/prog/%.c=$(B)/prog/%)
# Test programs linked to the shared library, as another program would be.
PROGSO_SRC = $(wildcard tests/prog-so/*.c)
PROGSO = $(PROGSO_SRC:tests/prog-so/%.c=$(B)/prog-so/%)
BENCH = $(B)/bench/cspbench

all: $(B)/libcspipe.a $(B)/libcspipe.so $(B)/cspipe.pc $(B)/completion/cspipe $(CMDS) \
	$(SEEDS) $(PROGS) $(PROGSO) $(BENCH)

$(B)/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libcspipe.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(B)/libcspipe.so: $(LIB_OBJ) lib/cspipe.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libcspipe.so.$(SOVERSION) -Wl,--version-script,lib/cspipe.map -o $@ $(LIB_OBJ) $(LIBS)

# The pkg-config file is rebuilt whenever what it says changes (make install PREFIX=...).
PC_LIBDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCDIR))
PC_LIBS = $(strip -L$${libdir} $(PC_RPATH) -lcspipe)
PC_LIBS_PRIVATE = $(strip $(BSD_STATIC_LIBS) -lm)
PC_VARS = $(PREFIX)|$(PC_LIBDIR)|$(PC_INCDIR)|$(VERSION)|$(PC_LIBS)|$(PC_LIBS_PRIVATE)
$(B)/cspipe.pc.vars: FORCE
	@mkdir -p $(@D)
	@echo '$(PC_VARS)' | cmp -s - $@ || echo '$(PC_VARS)' > $@

$(B)/cspipe.pc: lib/cspipe.pc.in $(B)/cspipe.pc.vars
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(PC_LIBDIR)|' -e 's|@INCDIR@|$(PC_INCDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS@|$(PC_LIBS)|' \
		-e 's|@LIBS_PRIVATE@|$(PC_LIBS_PRIVATE)|' lib/cspipe.pc.in > $@

$(B)/completion/cspipe: scripts/completion/gen scripts/completion/cspipe.bash $(CMD_SRC)
	@mkdir -p $(@D)
	sh scripts/completion/gen $(CMD_SRC) > $@.tmp && mv $@.tmp $@

$(B)/bin/%: bin/%.c $(B)/libcspipe.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcspipe.a $(LIBS)

$(B)/seed/%: tests/seed/%.c $(B)/libcspipe.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcspipe.a $(LIBS)

$(B)/prog/%: tests/prog/%.c $(B)/libcspipe.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcspipe.a $(LIBS)

# The soname's link beside the library, found through the rpath at run time.
$(B)/libcspipe.so.$(SOVERSION): $(B)/libcspipe.so
	ln -sf libcspipe.so $@

$(B)/prog-so/%: tests/prog-so/%.c $(B)/libcspipe.so.$(SOVERSION)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -pthread -o $@ $< -L$(B) -lcspipe \
		-Wl,-rpath,$(abspath $(B)) $(LIBS)

# This one loads the library itself, with dlopen(): it must not be linked to it.
$(B)/prog-so/guest-dlopen: tests/prog-so/guest-dlopen.c $(B)/libcspipe.so.$(SOVERSION)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< -ldl

$(B)/bench/cspbench: $(wildcard scripts/bench/*.c) $(B)/libcspipe.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(wildcard scripts/bench/*.c) $(B)/libcspipe.a $(LIBS)

# Installs what is missing with apt-get, saying what first; CSP_NO_DEPS=1: never.
deps:
	sh scripts/deps

# TESTS=tests/seed.bats runs only those files.
check: deps
	$(MAKE) all
	B=$(B) sh scripts/check $(TESTS)

demo: deps
	$(MAKE) all
	B=$(B) sh scripts/demo

# libFuzzer harnesses (clang, sanitizers on) over every parser a user reaches;
# each runs FUZZ_SECONDS on its seed corpus. Not part of check.
FUZZ = duration size rate count replace rd chan halt
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
stress: deps
	$(MAKE) all
	B=$(B) sh scripts/stress

# The references the figures are measured against (never dependencies of cspipe).
BENCH_REFS = parallel execline time golang-go mbuffer

bench: deps
	CSP_DEPS_EXTRA="$(BENCH_REFS)" sh scripts/deps
	$(MAKE) all
	B=$(B) sh scripts/bench/run
	B=$(B) sh scripts/bench/commands

# The library's C tests and the seed programs under valgrind: any error fails.
valgrind: deps
	$(MAKE) all
	B=$(B) sh scripts/valgrind

lint: deps all
	mandoc -Tlint -W warning man/man*/*.[0-9]
	shellcheck -s sh scripts/layers scripts/check scripts/demo scripts/deps scripts/bench/run scripts/bench/commands scripts/bench/ssh \
		scripts/completion/gen scripts/valgrind scripts/stress tests/fuzz/run .ci/run
	shellcheck -s bash $(B)/completion/cspipe
# bats runs each test in a subshell, and its scripts quote $$ for sh -c on purpose
	shellcheck -s bash -e SC2016,SC2030,SC2031 tests/*.bats tests/*.bash tests/helpers/*.bash
	B=$(B) sh scripts/layers

# Every name a section 3 page documents gets a .so link to it (man csp_chan_send
# finds csp_chan_make(3)): these are the links, as page:name pairs.
MAN3_LINKS = $(foreach f,$(wildcard man/man3/*.3),$(foreach n,$(shell sed -n \
	's/^\.Nm \([a-z_0-9]*\).*/\1/p' $(f)),$(if $(filter $(n).3,$(notdir $(f))),,$(notdir $(f)):$(n))))
CMD_NAMES = $(CMD_SRC:bin/%.c=%)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
		$(DESTDIR)$(PCDIR) $(DESTDIR)$(BATSLIBDIR)/cspipe $(DESTDIR)$(COMPLETIONSDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(CMDS) $(DESTDIR)$(BINDIR)
	install -m 644 $(B)/libcspipe.a $(DESTDIR)$(LIBDIR)
	install -m 755 $(B)/libcspipe.so $(DESTDIR)$(LIBDIR)/libcspipe.so.$(VERSION)
	ln -sf libcspipe.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libcspipe.so.$(SOVERSION)
	ln -sf libcspipe.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libcspipe.so
	install -m 644 lib/cspipe.h $(DESTDIR)$(INCDIR)
	install -m 644 $(B)/cspipe.pc $(DESTDIR)$(PCDIR)
	install -m 644 tests/helpers/leakfree.bash $(DESTDIR)$(BATSLIBDIR)/cspipe/load.bash
	install -m 644 $(B)/completion/cspipe $(DESTDIR)$(COMPLETIONSDIR)/cspipe
	for c in $(CMD_NAMES); do ln -sf cspipe $(DESTDIR)$(COMPLETIONSDIR)/$$c; done
	install -m 644 man/man1/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/man3/*.3 $(DESTDIR)$(MANDIR)/man3
	install -m 644 man/man7/*.7 $(DESTDIR)$(MANDIR)/man7
	for l in $(MAN3_LINKS); do \
		echo ".so man3/$${l%%:*}" > $(DESTDIR)$(MANDIR)/man3/$${l#*:}.3; done

# Removes every file install writes, and the directories that are cspipe's
# own; the shared ones (bin, lib, share/man/man1, ...) stay, even if empty.
uninstall:
	for c in $(CMD_NAMES); do rm -f $(DESTDIR)$(BINDIR)/$$c $(DESTDIR)$(COMPLETIONSDIR)/$$c; done
	rm -f $(DESTDIR)$(LIBDIR)/libcspipe.a $(DESTDIR)$(LIBDIR)/libcspipe.so \
		$(DESTDIR)$(LIBDIR)/libcspipe.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libcspipe.so.$(VERSION)
	rm -f $(DESTDIR)$(INCDIR)/cspipe.h $(DESTDIR)$(PCDIR)/cspipe.pc
	rm -f $(DESTDIR)$(BATSLIBDIR)/cspipe/load.bash $(DESTDIR)$(COMPLETIONSDIR)/cspipe
	rmdir $(DESTDIR)$(BATSLIBDIR)/cspipe 2>/dev/null || true
	for f in man/man*/*.[0-9]; do rm -f $(DESTDIR)$(MANDIR)/$${f#man/}; done
	for l in $(MAN3_LINKS); do rm -f $(DESTDIR)$(MANDIR)/man3/$${l#*:}.3; done

clean:
	rm -rf build

.PHONY: all deps check demo bench valgrind lint fuzz stress install uninstall clean FORCE

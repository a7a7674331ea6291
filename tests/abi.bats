#!/usr/bin/env bats
# The shared library's interface: the public calls, and nothing of the internals.

load common

@test "libcspipe.so exports csp_* calls and no csp__ internals" {
	command -v nm >/dev/null || skip "nm (binutils) is not installed"
	run nm -D --defined-only "$CSP_BUILD/libcspipe.so"
	assert_success
	run awk '$2 ~ /^[TtDdBbRrVvWw]$/ { print $3 }' <<< "$output"
	assert_success
	# csp_chan_make is one of the calls every program uses.
	assert_line csp_chan_make
	run grep -v '^csp_[a-z]' <<< "$output"
	assert_output ""
}

# lib/ is in layers (core, patterns, fanout, cmd): includes and calls point down.
@test "lib's layers point down: no include or call goes up, no circle" {
	command -v nm >/dev/null || skip "nm (binutils) is not installed"
	run env B="$CSP_BUILD" sh "$BATS_TEST_DIRNAME/../scripts/layers"
	assert_success
	assert_output --partial "all pointing down, no circle"
}

@test "the layers check catches an include that looks up, a call up and a circle" {
	command -v nm >/dev/null || skip "nm (binutils) is not installed"
	local t=$BATS_TEST_TMPDIR
	cp -r "$BATS_TEST_DIRNAME/../lib" "$t/lib"
	mkdir -p "$t/b"
	cp -r "$CSP_BUILD/lib" "$t/b/lib"
	echo '#include "fanout/fanout.h"' >> "$t/lib/core/fd.c"
	# core calling the command layer, and two core files calling each other
	printf 'int csp_guard(void);\nint csp_zz_b(void);\nint csp_zz_a(void) { return csp_guard() + csp_zz_b(); }\n' > "$t/a.c"
	printf 'int csp_zz_a(void);\nint csp_zz_b(void) { return csp_zz_a(); }\n' > "$t/b.c"
	cc -c -o "$t/b/lib/core/zza.o" "$t/a.c"
	cc -c -o "$t/b/lib/core/zzb.o" "$t/b.c"
	run env LAYERS_ROOT="$t" B="$t/b" sh "$BATS_TEST_DIRNAME/../scripts/layers"
	assert_failure
	assert_line "layers: lib/core/fd.c: includes \"fanout/fanout.h\": core may not look up to fanout"
	assert_line "layers: lib/core/zza.c calls up into lib/cmd/guard.c"
	assert_line --partial "core/zza"
	assert_line --partial "core/zzb"
}

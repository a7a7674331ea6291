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

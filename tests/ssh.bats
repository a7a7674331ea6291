#!/usr/bin/env bats
# csp-fanout -S: jobs on other machines over ssh, every local guarantee kept across the wire.
# The "hosts" are sshd servers the tests start on loopback (and in network namespaces).

load common
load helpers/sshd

setup() {
	sshd_setup
	sshd_start a
}

teardown() {
	sshd_teardown
}

# The jobs of the comparison: output on both streams, an exit status of their own.
JOB='echo out $0; echo err $0 >&2; exit $(($0 % 4))'

@test "jobs over ssh give the output and statuses of the same jobs run here" {
	leakfree sh -c 'seq 20 | csp-fanout -k --ssh "$SSH" -S 3/a sh -c "$1" 2>"$2"' sh "$JOB" "$BATS_TEST_TMPDIR/rerr"
	local rout=$output rstatus=$status
	leakfree sh -c 'seq 20 | csp-fanout -k -j3 sh -c "$1" 2>"$2"' sh "$JOB" "$BATS_TEST_TMPDIR/lerr"
	assert_equal "$rout" "$output"
	assert_equal "$rstatus" "$status"
	assert_equal "$rstatus" 15
	assert_equal "$(cat "$BATS_TEST_TMPDIR/rerr")" "$(cat "$BATS_TEST_TMPDIR/lerr")"
	assert_equal "$(grep -c err "$BATS_TEST_TMPDIR/rerr")" 20
}

#!/usr/bin/env bats
# The README's first two commands: make demo does what each of its lines
# says, and make check's summary is counted from TAP, leaks included.
# (The README's C example is built in tests/install.bats.)

load common

top=$BATS_TEST_DIRNAME/..

@test "make demo: each step does what its line says, and nothing is left behind" {
	cd "$top"
	B=$CSP_BUILD leakfree sh scripts/demo
	assert_success
	# Fan-out: quick late jobs, output still in input order.
	[ "$(grep ' squared is ' <<<"$output")" = "$(for i in 1 2 3 4 5 6 7 8; do
		echo "$i squared is $((i * i))"; done)" ]
	# coreutils timeout leaves the setsid() sleep (csp-leakcheck reports it),
	# csp-timeout does not.
	assert_line --regexp '^csp-leakcheck: leak: pid [0-9]+ .*: sleep 7391$'
	assert_line "exit 124 (the deadline passed); sleeps left running: 0"
	# The race: the fast one wins, the loser that ignores SIGTERM is gone.
	assert_line fast
	assert_line "exit 0; losers left running: 0"
	# SIGINT to the running pipeline's group: all six sleeps were running,
	# and none is left.
	assert_line "running: 6 sleeps, 3 of them setsid()'d"
	assert_line "pipeline exit 130 (128 + SIGINT)"
	assert_line "csp-leakcheck exit 0; sleeps left running: 0"
	refute_line --regexp '^csp-leakcheck: leak: .*sleep 739[23]'
}

# suite FILE LINE...: a bats file for the checks below. Written with printf,
# as a here-document's @test lines would be rewritten by this file's own
# bats; and run in a clean environment, as this bats's variables confuse
# the bats that scripts/check starts.
suite() {
	local f=$1
	shift
	printf '%s\n' "$@" > "$BATS_TEST_TMPDIR/$f"
}

@test "make check: a line per file, and the last line counts passes, failures, skips and a leak" {
	suite mixed.bats \
		'@test "passes" { true; }' \
		'@test "fails" { false; }' \
		'@test "skips" { skip "not here"; }'
	suite leaky.bats '@test "passes but leaves a sleep" { sleep 7381 3>&- & }'
	cd "$top"
	leakfree env -i PATH="$(dirname "$BATS_ROOT/bin/bats"):/usr/bin:/bin" \
		CSP_CHECK_TAP="$BATS_TEST_TMPDIR/tap" B="$CSP_BUILD" sh scripts/check \
		"$BATS_TEST_TMPDIR/mixed.bats" "$BATS_TEST_TMPDIR/leaky.bats"
	assert_failure 1
	assert_line --regexp '/mixed\.bats +3 tests +1 failed +1 skipped +[0-9]+s$'
	assert_line --regexp '/leaky\.bats +1 tests +0 failed +0 skipped +[0-9]+s$'
	# The failure is shown where it happened.
	assert_line "not ok 2 fails"
	assert_line --partial "check: the suite as a whole left processes behind"
	assert_line --index -1 "2 passed, 2 failed, 1 skipped"
}

@test "make check: a clean run exits 0 with the same summary line" {
	suite clean.bats '@test "one" { true; }' '@test "two" { true; }'
	cd "$top"
	leakfree env -i PATH="$(dirname "$BATS_ROOT/bin/bats"):/usr/bin:/bin" \
		CSP_CHECK_TAP="$BATS_TEST_TMPDIR/tap" B="$CSP_BUILD" sh scripts/check \
		"$BATS_TEST_TMPDIR/clean.bats"
	assert_success
	assert_line --index -1 "2 passed, 0 failed, 0 skipped"
}

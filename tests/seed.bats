#!/usr/bin/env bats
# The seed's three programs and the prime sieve, on cspipe.

load common

# Every prefix of the output: Sending runs at most cap+2 ahead of Received
# (cap buffered, one blocked in send, one received but not yet printed).
sending_bounded() {
	awk -v cap="$1" '
		/^Sending / { s++ } /^Received / { r++ }
		s - r > cap + 2 { print "line " NR ": " s " sent, " r " received"; bad = 1; exit }
		END { exit bad }'
}

@test "generator: values in order, Done! last, every Received after its Sending" {
	leakfree "$CSP_SEED/generator"
	assert_success
	[ "$(grep '^Sending' <<<"$output" | cut -d' ' -f2 | tr -d '\n')" = 01234 ]
	[ "$(grep '^Received' <<<"$output" | cut -d' ' -f2 | tr -d '\n')" = 01234 ]
	assert_line --index 10 "Done!"
	[ "${#lines[@]}" -eq 11 ]
	for i in 0 1 2 3 4; do
		s=$(grep -n "^Sending $i\$" <<<"$output" | cut -d: -f1)
		r=$(grep -n "^Received $i\$" <<<"$output" | cut -d: -f1)
		[ "$s" -lt "$r" ]
	done
}

@test "generator with capacity 2: Sending never runs further ahead than capacity allows" {
	for _ in $(seq 30); do
		leakfree "$CSP_SEED/generator"
		assert_success
		sending_bounded 2 <<<"$output"
	done
}

@test "doWork: streams in order, then exits after done" {
	leakfree "$CSP_SEED/dowork"
	assert_success
	here=$(grep '^Here: ' <<<"$output" | cut -d' ' -f2 | tr -d '\n')
	[[ abcdefgh == "$here"* ]]
	[ "${#here}" -ge 4 ]
	assert_done_order
}

# Go runs doWork's deferred close(terminated) before its deferred Println, so
# "Done!" and "doWork exited." may come in either order; both follow done.
assert_done_order() {
	local rest
	rest=$(grep -v '^Here: ' <<<"$output")
	[ "$(head -n 2 <<<"$rest")" = "$(printf '%s\n' "Cancelling doWork goroutine..." "Received done signal.")" ]
	[ "$(tail -n +3 <<<"$rest" | sort)" = "$(printf '%s\n' "Done!" "doWork exited.")" ]
}

@test "doWork with a nil stream does not deadlock: done still stops it" {
	leakfree "$CSP_SEED/dowork" nil
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	assert_done_order
}

@test "genRandomIntStream: a writer blocked on send exits after done is closed" {
	leakfree "$CSP_SEED/randstream"
	assert_success
	assert_line --index 0 "3 random ints:"
	for i in 1 2 3; do
		assert_line --index "$i" --regexp "^$i: [0-9]+\$"
	done
	assert_line --index 4 "genRandomIntStream exited."
	[ "${#lines[@]}" -eq 5 ]
}

@test "prime sieve: the first 100 primes from 100 processes, all gone afterwards" {
	SIEVE_COUNT=1 leakfree "$CSP_SEED/sieve"
	assert_success
	assert_line "sieve: 100 goroutines"
	primes=$(grep -v '^sieve:' <<<"$output")
	[ "$primes" = "$(seq 2 541 | factor | awk 'NF == 2 { print $2 }')" ]
}

@test "prime sieve: a bad count is a usage error" {
	leakfree "$CSP_SEED/sieve" 0
	assert_failure 2
	assert_output --partial "count 0"
}

# Skips in the test itself: a skip inside $(go_run ...) would only end the
# command substitution's subshell, and the comparison would then fail.
need_go() {
	command -v go >/dev/null || skip "go is not installed: no comparison with Go's output"
}

go_run() {
	export GOCACHE="$BATS_FILE_TMPDIR/go-cache" GOPATH="$BATS_FILE_TMPDIR/go" GOFLAGS=-mod=mod GO111MODULE=off
	go build -o "$BATS_FILE_TMPDIR/$1" "$BATS_TEST_DIRNAME/seed/go/$1.go"
	"$BATS_FILE_TMPDIR/$1" "${@:2}"
}

@test "generator prints the lines Go's generator prints" {
	need_go
	want=$(go_run generator | sort)
	leakfree "$CSP_SEED/generator"
	[ "$(sort <<<"$output")" = "$want" ]
}

@test "doWork prints what Go's prints (Go's main may exit before doWork's last line)" {
	need_go
	want=$(go_run dowork nil | grep -v 'doWork exited.')
	leakfree "$CSP_SEED/dowork" nil
	[ "$(grep -v 'doWork exited.' <<<"$output")" = "$want" ]
}

@test "genRandomIntStream prints what Go's prints, numbers aside" {
	need_go
	# shellcheck disable=SC2001 # sed, as for the line below
	want=$(go_run randstream | sed 's/[0-9]\{4,\}/N/')
	leakfree "$CSP_SEED/randstream"
	# shellcheck disable=SC2001 # a regex with a count: no ${//} form
	[ "$(sed 's/[0-9]\{4,\}/N/' <<<"$output")" = "$want" ]
}

@test "the prime sieve prints what Go's prints" {
	need_go
	want=$(go_run sieve)
	leakfree "$CSP_SEED/sieve"
	[ "$output" = "$want" ]
}

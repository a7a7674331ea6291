#!/usr/bin/env bats
# csp-take: the first N records, then stop; cancellable while waiting upstream.

load common

@test "csp-take passes the first N records and nothing more" {
	leakfree sh -c 'seq 100 | csp-take 7'
	assert_success
	assert_output "$(seq 7)"
}

@test "csp-take 0 passes nothing; more than there is passes all" {
	leakfree sh -c 'seq 5 | csp-take 0'
	assert_success
	assert_output ""
	leakfree sh -c 'seq 5 | csp-take 99'
	assert_output "$(seq 5)"
}

@test "csp-take on empty input prints nothing and succeeds" {
	leakfree sh -c 'csp-take 3 < /dev/null'
	assert_success
	assert_output ""
}

@test "csp-take keeps a final record without its newline, as it came" {
	leakfree sh -c "printf 'a\nb' | csp-take 5 | od -An -c | tr -d ' '"
	assert_output 'a\nb'
}

@test "csp-take -0 counts NUL-terminated records" {
	leakfree sh -c "printf 'a\nb\0c\0d\0' | csp-take -0 2 | tr '\0' '|'"
	assert_success
	assert_output "$(printf 'a\nb|c|')"
}

@test "csp-take passes records longer than PIPE_BUF whole" {
	leakfree sh -c 'for i in 1 2 3; do head -c 100000 /dev/zero | tr "\0" "$i"; echo; done | csp-take 2 | cksum'
	want=$(for i in 1 2; do head -c 100000 /dev/zero | tr '\0' "$i"; echo; done | cksum)
	assert_output "$want"
}

@test "csp-take passes a 100 MB record whole" {
	leakfree sh -c '{ head -c 100000000 /dev/zero | tr "\0" x; echo; echo next; } | csp-take 1 | cksum'
	want=$({ head -c 100000000 /dev/zero | tr '\0' x; echo; } | cksum)
	assert_output "$want"
}

@test "csp-take closes its input after N, so an endless upstream stops" {
	leakfree sh -c 'yes | csp-take 3'
	assert_success
	assert_output "$(printf 'y\ny\ny')"
}

@test "csp-take stops when stdout's reader goes away, with no error" {
	leakfree bash -c 'seq 10000000 | csp-take 9000000 | head -1; echo "take: ${PIPESTATUS[1]}"'
	assert_success
	assert_output "$(printf '1\ntake: 0')"
}

@test "csp-take --done FD: closing it stops a take that waits for upstream" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)                 # EOF on fd 4 in 0.3 s
		(sleep 2; echo late) | csp-take --done 4 5; echo "take: $?"
	'
	assert_success
	assert_output "take: 0"
}

@test "csp-take --done FIFO: closing the FIFO's writer stops it" {
	mkfifo "$BATS_TEST_TMPDIR/done"
	leakfree bash -c '
		((sleep 2; echo late) | csp-take --done "$1" 5; echo "take: $?") &
		exec 5> "$1"                          # the writer: opens once csp-take reads
		sleep 0.3; exec 5>&-; wait
	' sh "$BATS_TEST_TMPDIR/done"
	assert_success
	assert_output "take: 0"
}

@test "csp-take is cancelled by SIGTERM while waiting upstream: 143" {
	leakfree bash -c '
		(sleep 2; echo late) | csp-take 5 & take=$!    # $! is the pipeline'"'"'s last command
		sleep 0.3; kill -TERM $take; wait $take; echo "take: $?"
	'
	assert_output --partial "take: 143"
}

@test "csp-take: a bad count or option is a usage error naming it" {
	run csp-take
	assert_failure 2
	assert_output --partial "usage: csp-take"
	run csp-take x
	assert_failure 2
	assert_output "csp-take: count: invalid: x"
	run csp-take -- -1
	assert_failure 2
	run csp-take --done 987 3
	assert_failure 2
	assert_output --partial "--done: 987"
	run csp-take --bogus 3
	assert_failure 2
}

@test "csp-take --help and --version" {
	run csp-take --help
	assert_success
	assert_output --partial "usage: csp-take"
	run csp-take --version
	assert_success
	assert_output --regexp "^csp-take [0-9]+\.[0-9]+\.[0-9]+$"
}

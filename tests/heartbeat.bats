#!/usr/bin/env bats
# csp-heartbeat: pulses beside a command that never block it; no progress for -t is unhealthy.

load common

@test "csp-heartbeat pulses on stderr at about the interval while the command runs" {
	leakfree sh -c 'csp-heartbeat -i 100ms -- sleep 1 2>&1 >/dev/null'
	assert_success
	n=$(grep -c '^pulse [0-9]* [0-9]*\.[0-9][0-9][0-9]$' <<< "$output")
	[ "$n" -ge 3 ] && [ "$n" -le 15 ] || fail "$n pulses: $output"
}

@test "csp-heartbeat passes the command's output on whole, and its exit status" {
	leakfree bash -c 'csp-heartbeat -i 50ms -- sh -c "seq 100000; exit 6" 2>/dev/null | cksum; echo "heartbeat: ${PIPESTATUS[0]}"'
	assert_output "$(seq 100000 | cksum; echo 'heartbeat: 6')"
	leakfree csp-heartbeat -i 1s -- sh -c 'kill -KILL $$'
	assert_failure 137
}

@test "csp-heartbeat keeps a final record without its newline, as it came" {
	leakfree sh -c "csp-heartbeat -i 1s -- printf 'a\nb' | od -An -c | tr -d ' '"
	assert_output 'a\nb'
}

@test "csp-heartbeat passes a 100 MB record whole" {
	leakfree sh -c 'csp-heartbeat -i 10ms -- sh -c "head -c 100000000 /dev/zero | tr \"\\0\" x; echo" 2>/dev/null | cksum'
	assert_output "$({ head -c 100000000 /dev/zero | tr '\0' x; echo; } | cksum)"
}

@test "csp-heartbeat --fd 3 puts the pulses on fd 3, none on stderr" {
	cd "$BATS_TEST_TMPDIR"
	leakfree sh -c 'csp-heartbeat -i 100ms --fd 3 -- sh -c "sleep 0.5; echo out" 3>pulses'
	assert_success
	assert_output "out"
	n=$(grep -c '^pulse ' pulses)
	[ "$n" -ge 1 ] || fail "no pulses on fd 3"
}

@test "csp-heartbeat: CSP_HEARTBEAT_FD, as csp-supervise sets it, is where pulses go without --fd" {
	cd "$BATS_TEST_TMPDIR"
	leakfree sh -c 'CSP_HEARTBEAT_FD=3 csp-heartbeat -i 100ms -- sh -c "sleep 0.5; echo out" 3>pulses'
	assert_success
	assert_output "out"
	grep -q '^pulse ' pulses
	run env CSP_HEARTBEAT_FD=9 csp-heartbeat -i 1s -- true
	assert_failure 2
	assert_output "csp-heartbeat: CSP_HEARTBEAT_FD: 9: not open for writing"
}

@test "csp-heartbeat: a pulse reader that never reads does not block the work" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo pulses
	# The reader holds the FIFO open and never reads: the pipe fills, then stays full.
	leakfree bash -c '
		sleep 60 < pulses 3>&- & reader=$!
		exec 3> pulses
		timeout 30 csp-heartbeat -i 1ms --per-record --fd 3 -- seq 200000 | wc -l
		echo "heartbeat: ${PIPESTATUS[0]}"
		kill $reader; wait $reader
	'
	assert_output "$(printf '200000\nheartbeat: 0')"
}

@test "csp-heartbeat: a pulse reader that goes away stops the pulses, not the work" {
	leakfree bash -c '
		csp-heartbeat -i 10ms --per-record --fd 3 -- sh -c "sleep 0.3; seq 3" 3> >(head -1 >/dev/null)
		echo "heartbeat: $?"
	'
	assert_output "$(seq 3; echo 'heartbeat: 0')"
}

@test "csp-heartbeat -t: no record for the timeout is unhealthy: 124, and the command is gone" {
	leakfree timeout 30 csp-heartbeat -i 100ms -t 300ms -- sh -c 'echo a; sleep 60'
	assert_failure 124
	assert_line "a"
	assert_line "csp-heartbeat: unhealthy: no record in 300ms; stopped: sh"
}

@test "csp-heartbeat -t: a command that ignores SIGTERM is killed after the grace period" {
	leakfree timeout 30 csp-heartbeat -i 1s -t 200ms -g 100ms -- sh -c "trap '' TERM; sleep 60; sleep 60"
	assert_failure 124
}

@test "csp-heartbeat -t: a command that keeps printing stays healthy and exits with its own status" {
	leakfree sh -c 'csp-heartbeat -i 1s -t 1s -- sh -c "for i in \$(seq 10); do echo \$i; sleep 0.2; done; exit 5" 2>/dev/null'
	assert_failure 5
	assert_output "$(seq 10)"
}

@test "csp-heartbeat -t: a record that never ends is no progress" {
	leakfree timeout 30 csp-heartbeat -i 1s -t 300ms -- sh -c 'while :; do printf x; sleep 0.1; done'
	assert_failure 124
}

@test "csp-heartbeat reaps the orphans it adopts while the command runs: no zombies pile up" {
	leakfree csp-heartbeat -i 10s -- sh -c '(sleep 0.1 &); (sleep 0.1 &); sleep 2.5; ! ps -o stat= --ppid $PPID | grep Z'
	assert_success
	assert_output ""
}

@test "csp-heartbeat --per-record gives one pulse per record" {
	cd "$BATS_TEST_TMPDIR"
	leakfree sh -c 'csp-heartbeat --per-record --fd 3 -- seq 5 3>pulses'
	assert_success
	assert_output "$(seq 5)"
	run cut -d" " -f1,2 pulses
	assert_output "$(printf 'record %s\n' 1 2 3 4 5)"
}

@test "csp-heartbeat -0 counts NUL-terminated records" {
	cd "$BATS_TEST_TMPDIR"
	leakfree sh -c "csp-heartbeat -0 --per-record --fd 3 -- printf 'a\nb\0c\0' 3>pulses | tr '\0' '|'"
	assert_output "$(printf 'a\nb|c|')"
	run grep -c record pulses
	assert_output 2
}

@test "csp-heartbeat stops quietly when stdout's reader goes away" {
	leakfree bash -c 'csp-heartbeat -i 100ms -- yes 2>/dev/null | head -1; echo "heartbeat: ${PIPESTATUS[0]}"'
	assert_success
	assert_output "$(printf 'y\nheartbeat: 0')"
}

@test "csp-heartbeat --done FD: closing it stops the command, exit 0" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)                 # EOF on fd 4 in 0.3 s
		csp-heartbeat -i 1s --done 4 -- sleep 60; echo "heartbeat: $?"
	'
	assert_success
	assert_output "heartbeat: 0"
}

@test "csp-heartbeat is cancelled by SIGTERM: 143, and nothing it started is left" {
	leakfree bash -c '
		csp-heartbeat -i 50ms -- sh -c "setsid sleep 60 & sleep 60" 2>/dev/null 3>&- & h=$!
		sleep 0.3; kill -TERM $h; wait $h; echo "heartbeat: $?"
	'
	assert_success
	assert_output "heartbeat: 143"
}

@test "csp-heartbeat: a command that cannot be found is 127, one that cannot run 126" {
	run -127 csp-heartbeat -i 1s -- no-such-command-here
	assert_failure 127
	assert_output --partial "no-such-command-here"
	run -126 csp-heartbeat -i 1s -- /dev/null
	assert_failure 126
}

@test "csp-heartbeat: bad options are usage errors naming them" {
	run csp-heartbeat -i soon -- true
	assert_failure 2
	assert_output "csp-heartbeat: -i: invalid duration: soon"
	run csp-heartbeat -i 0 -- true
	assert_failure 2
	assert_output --partial "-i:"
	run csp-heartbeat -- true
	assert_failure 2
	assert_output --partial "-i:"
	run csp-heartbeat -i 1s -t x -- true
	assert_failure 2
	assert_output "csp-heartbeat: -t: invalid duration: x"
	run csp-heartbeat -i 1s --fd 9 -- true
	assert_failure 2
	assert_output --partial "--fd: 9"
	run csp-heartbeat -i 1s
	assert_failure 2
	run csp-heartbeat --bogus -i 1s -- true
	assert_failure 2
	assert_output --partial "usage: csp-heartbeat"
}

@test "csp-heartbeat --help and --version" {
	run csp-heartbeat --help
	assert_success
	assert_output --partial "usage: csp-heartbeat"
	run csp-heartbeat --version
	assert_success
	assert_output --regexp "^csp-heartbeat [0-9]+\.[0-9]+\.[0-9]+$"
}

#!/usr/bin/env bats
# csp-supervise: the steward that restarts its ward when it fails or goes quiet.

load common

# restarts: how many "restart N: ..." lines the supervisor logged.
restarts() {
	grep -c '^csp-supervise: restart [0-9]*: ' <<<"$output" || true
}

@test "csp-supervise restarts a ward that fails until it exits 0, logging each restart's reason" {
	# The ward counts its runs in a file: runs 1 and 2 exit 1, run 3 exits 0.
	leakfree csp-supervise -b 10ms -- sh -c '
		n=$(( $(cat "$1" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$1"
		echo "run $n"; [ "$n" -ge 3 ]' sh "$BATS_TEST_TMPDIR/count"
	assert_success
	[ "$(restarts)" -eq 2 ]
	assert_line "csp-supervise: restart 1: exited with status 1"
	assert_line "csp-supervise: restart 2: exited with status 1"
	assert_line "run 3"
	refute_line --partial "giving up"
}

@test "csp-supervise --max-restarts N gives up after N restarts with status 1, naming the reason" {
	leakfree csp-supervise -b 10ms --max-restarts 2 -- sh -c 'echo run; exit 3'
	assert_failure 1
	[ "$(restarts)" -eq 2 ]
	[ "$(grep -c '^run$' <<<"$output")" -eq 3 ]
	assert_line "csp-supervise: restart 2: exited with status 3"
	assert_line "csp-supervise: giving up after 2 restarts: exited with status 3"
}

@test "csp-supervise --max-restarts 0 runs the ward once and reports its failure" {
	leakfree csp-supervise --max-restarts 0 -- false
	assert_failure 1
	[ "$(restarts)" -eq 0 ]
	assert_output "csp-supervise: giving up after 0 restarts: exited with status 1"
}

@test "csp-supervise restarts a ward killed by a signal and says which" {
	leakfree csp-supervise -b 10ms --max-restarts 1 -- sh -c 'kill -9 $$'
	assert_failure 1
	assert_line "csp-supervise: restart 1: killed by signal 9"
	assert_line "csp-supervise: giving up after 1 restart: killed by signal 9"
}

@test "csp-supervise -t restarts a ward that stops writing, and reaps the hung one and its sleep" {
	leakfree csp-supervise -b 10ms -t 300ms --max-restarts 2 -- sh -c 'echo hi; sleep 60'
	assert_failure 1
	[ "$(restarts)" -eq 2 ]
	assert_line "csp-supervise: restart 1: no output for 300ms"
	assert_line "hi"
}

@test "csp-supervise -t leaves alone a ward that keeps writing" {
	leakfree csp-supervise -t 1s -- sh -c 'for i in 1 2 3 4 5 6 7 8; do echo "$i"; sleep 0.1; done'
	assert_success
	[ "$(restarts)" -eq 0 ]
	assert_output "$(seq 8)"
}

@test "csp-supervise stops what a ward left behind, setsid() escapers too, before the restart" {
	# Run 1 leaves a sleep in a session of its own and fails; run 2 looks for it.
	leakfree csp-supervise -b 10ms -- sh -c '
		if [ -f "$1" ]; then
			if kill -0 "$(cat "$1")" 2>/dev/null; then echo "still there"; else echo "gone"; fi
			exit 0
		fi
		setsid sleep 60 & echo $! > "$1"
		exit 1' sh "$BATS_TEST_TMPDIR/escaper"
	assert_success
	[ "$(restarts)" -eq 1 ]
	assert_line "gone"
	refute_line "still there"
}

@test "csp-supervise --heartbeat-fd restarts a ward that stops pulsing, though it still runs" {
	leakfree csp-supervise -b 10ms -t 300ms --heartbeat-fd 5 --max-restarts 1 -- sh -c '
		echo "fd $CSP_HEARTBEAT_FD"
		for i in 1 2 3; do echo . >&5; sleep 0.1; done
		sleep 60'
	assert_failure 1
	[ "$(restarts)" -eq 1 ]
	assert_line "csp-supervise: restart 1: no heartbeat for 300ms"
	assert_line "fd 5"
}

@test "csp-supervise --heartbeat-fd keeps a ward that pulses, though it writes nothing" {
	leakfree csp-supervise -t 1s --heartbeat-fd 3 -- sh -c '
		for i in 1 2 3 4 5 6 7 8; do printf . >&"$CSP_HEARTBEAT_FD"; sleep 0.1; done'
	assert_success
	[ "$(restarts)" -eq 0 ]
}

@test "csp-supervise passes each run's output as whole records, a last one terminated" {
	leakfree sh -c 'csp-supervise -b 10ms -- sh -c "
		n=\$(( \$(cat \"\$1\" 2>/dev/null || echo 0) + 1 )); echo \$n > \"\$1\"
		printf \"part\$n\"; [ \$n -ge 2 ]" sh "$1" 2>/dev/null | od -An -c | tr -d " "' \
		sh "$BATS_TEST_TMPDIR/count"
	assert_success
	assert_output 'part1\npart2\n'
}

@test "csp-supervise -0 passes NUL-terminated records" {
	leakfree sh -c "csp-supervise -0 -- printf 'a\nb\0c' | tr '\0' '|'"
	assert_success
	assert_output "$(printf 'a\nb|c|')"
}

@test "csp-supervise on SIGTERM stops the ward's whole tree and exits 143" {
	leakfree bash -c '
		csp-supervise -- sh -c "setsid sleep 60 & sleep 60" & sv=$!
		sleep 0.3; kill -TERM $sv; wait $sv; echo "supervise: $?"
	'
	assert_output "supervise: 143"
}

@test "csp-supervise --done FD stops the ward and exits 0" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)
		csp-supervise --done 4 -- sleep 60; echo "supervise: $?"
	'
	assert_success
	assert_output "supervise: 0"
}

@test "csp-supervise stops quietly when its reader goes away, ward and all" {
	leakfree bash -c 'csp-supervise -- yes | head -1; echo "supervise: ${PIPESTATUS[0]}"'
	assert_success
	assert_output "$(printf 'y\nsupervise: 0')"
	leakfree bash -c 'csp-supervise -- sleep 60 | true; echo "supervise: ${PIPESTATUS[0]}"'
	assert_output "supervise: 0"
}

@test "csp-supervise: a command it cannot run is 127 or 126, not restarted" {
	leakfree sh -c 'csp-supervise -- /nonexistent/command; echo "supervise: $?"'
	assert_output "$(printf '%s\n' "csp-supervise: /nonexistent/command: No such file or directory" "supervise: 127")"
	leakfree sh -c 'csp-supervise -- /; echo "supervise: $?"'
	assert_line "supervise: 126"
}

@test "csp-supervise: bad options are usage errors naming the option" {
	run csp-supervise
	assert_failure 2
	assert_output --partial "a command to supervise is needed"
	run csp-supervise -t x -- true
	assert_failure 2
	assert_output "csp-supervise: -t: invalid duration: x"
	run csp-supervise -t 0 -- true
	assert_failure 2
	run csp-supervise -b -1s -- true
	assert_failure 2
	assert_output "csp-supervise: -b: invalid duration: -1s"
	run csp-supervise --max-backoff soon -- true
	assert_failure 2
	run csp-supervise --max-restarts -1 -- true
	assert_failure 2
	assert_output "csp-supervise: --max-restarts: invalid count: -1"
	run csp-supervise --heartbeat-fd 5 -- true
	assert_failure 2
	assert_output --partial "--heartbeat-fd: needs -t"
	run csp-supervise -t 1s --heartbeat-fd 1 -- true
	assert_failure 2
	assert_output --partial "--heartbeat-fd: invalid descriptor: 1"
	run csp-supervise --done 987 -- true
	assert_failure 2
	assert_output --partial "--done: 987"
	run csp-supervise --bogus -- true
	assert_failure 2
	assert_output --partial "usage: csp-supervise"
}

@test "csp-supervise --help and --version" {
	run csp-supervise --help
	assert_success
	assert_output --partial "usage: csp-supervise"
	run csp-supervise --version
	assert_success
	assert_output --regexp "^csp-supervise [0-9]+\.[0-9]+\.[0-9]+$"
}

@test "csp-supervise refuses a negative duration hidden behind white space" {
	# strtod skips leading white space: "\n-1" was taken as -1 s (found by make fuzz).
	run csp-supervise -b $'\n-1' --max-restarts 0 -- true
	assert_failure 2
	assert_output --partial "-b: invalid duration"
	run csp-supervise -g $'\t-5' -- true
	assert_failure 2
}

@test "csp-supervise with standard output closed refuses before the ward ever runs" {
	# Its output could only be lost: exit 125, and the ward was not started once.
	leakfree sh -c 'csp-supervise -b 0 -- sh -c "echo ran >> \"\$1\"; echo a" sh "$1" >&-' \
		sh "$BATS_TEST_TMPDIR/runs"
	assert_failure 125
	assert_output --partial "Bad file descriptor"
	[ ! -e "$BATS_TEST_TMPDIR/runs" ]
}

@test "csp-supervise -b 0 --max-backoff 0 does not restart in a busy loop" {
	# Each run logs when it started; restarts are at least 10 ms apart whatever -b says.
	leakfree csp-supervise -b 0 --max-backoff 0 --max-restarts 8 -- \
		sh -c 'date +%s%N >> "$1"; exit 1' sh "$BATS_TEST_TMPDIR/starts"
	assert_failure 1
	[ "$(restarts)" -eq 8 ]
	[ "$(wc -l < "$BATS_TEST_TMPDIR/starts")" -eq 9 ]
	# The shortest gap between two starts, in ms (the clock may step by a ms).
	run awk 'NR > 1 { g = ($1 - p) / 1e6; if (m == "" || g < m) m = g } { p = $1 } END { print int(m) }' \
		"$BATS_TEST_TMPDIR/starts"
	[ "$output" -ge 9 ]
}

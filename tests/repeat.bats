#!/usr/bin/env bats
# csp-repeat: Go's repeat and repeatFn: values, the input, or a command's output, forever.

load common

@test "csp-repeat sends its values in order, again and again" {
	leakfree sh -c 'csp-repeat a b | csp-take 5'
	assert_success
	assert_output "$(printf 'a\nb\na\nb\na')"
}

@test "csp-repeat takes values that look like options once the first value is given" {
	leakfree sh -c 'csp-repeat a -x | csp-take 3; csp-repeat -- -y | csp-take 2'
	assert_success
	assert_output "$(printf 'a\n-x\na\n-y\n-y')"
}

@test "csp-repeat with no values replays its input records in a loop" {
	leakfree sh -c "printf '1\n2\n' | csp-repeat | csp-take 5"
	assert_success
	assert_output "$(printf '1\n2\n1\n2\n1')"
}

@test "csp-repeat gives a final input record without a newline its newline, so copies do not join" {
	leakfree sh -c "printf '1\n2' | csp-repeat | csp-take 4 | od -An -c | tr -d ' '"
	assert_success
	assert_output '1\n2\n1\n2\n'
}

@test "csp-repeat on empty input with no values exits 0 at once, printing nothing" {
	leakfree sh -c 'csp-repeat < /dev/null'
	assert_success
	assert_output ""
}

@test "csp-repeat -0 sends NUL-terminated records, values and replayed input alike" {
	leakfree sh -c "csp-repeat -0 a b | csp-take -0 3 | tr '\0' '|'"
	assert_success
	assert_output "a|b|a|"
	leakfree sh -c "printf 'x\ny\0z' | csp-repeat -0 | csp-take -0 4 | tr '\0' '|'"
	assert_success
	assert_output "$(printf 'x\ny|z|x\ny|z|')"
}

@test "csp-repeat repeats records longer than PIPE_BUF whole" {
	leakfree sh -c 'csp-repeat "$(head -c 100000 /dev/zero | tr "\0" a)" b | csp-take 5 | cksum'
	want=$(for i in 1 2 3; do head -c 100000 /dev/zero | tr '\0' a; echo; [ "$i" -lt 3 ] && echo b; done | cksum)
	assert_output "$want"
	leakfree sh -c '{ head -c 5000 /dev/zero | tr "\0" c; echo; echo d; } | csp-repeat | csp-take 3 | cksum'
	want=$({ head -c 5000 /dev/zero | tr '\0' c; echo; echo d; head -c 5000 /dev/zero | tr '\0' c; echo; } | cksum)
	assert_output "$want"
}

@test "csp-repeat replays a 100 MB record whole, copy after copy" {
	leakfree sh -c '{ head -c 100000000 /dev/zero | tr "\0" x; echo; } | csp-repeat | csp-take 2 | cksum'
	assert_success
	want=$(for i in 1 2; do head -c 100000000 /dev/zero | tr '\0' x; echo; done | cksum)
	assert_output "$want"
}

@test "csp-repeat -c runs the command again and again and sends each run's records" {
	leakfree sh -c "csp-repeat -c 'echo x; echo y' | csp-take 6"
	assert_success
	assert_output "$(printf 'x\ny\nx\ny\nx\ny')"
}

@test "csp-repeat -c ends each run's last record, so runs do not join" {
	leakfree sh -c "csp-repeat -c 'printf ab' | csp-take 3"
	assert_success
	assert_output "$(printf 'ab\nab\nab')"
}

@test "csp-repeat -c: each run is a fresh command" {
	leakfree sh -c "csp-repeat -c 'echo \$\$' | csp-take 3 | sort -u | wc -l"
	assert_success
	assert_output 3
}

@test "csp-repeat -c stops at the first failed run, sends what it printed, names it, exits 1" {
	leakfree sh -c "csp-repeat -c 'echo a; exit 3'"
	assert_failure 1
	assert_line --index 0 a
	assert_line --index 1 "csp-repeat: -c: echo a; exit 3: failed with status 3"
	[ "${#lines[@]}" -eq 2 ]
	leakfree csp-repeat -c 'no-such-command-here 2>/dev/null'
	assert_failure 1
	assert_output "csp-repeat: -c: no-such-command-here 2>/dev/null: failed with status 127"
	leakfree csp-repeat -c 'kill -KILL $$'
	assert_failure 1
	assert_output "csp-repeat: -c: kill -KILL \$\$: failed with status 137"
}

@test "csp-repeat -c spaces out runs that print nothing instead of spinning" {
	# Without the pause this makes thousands of runs in a second; with it, about ten.
	leakfree bash -c '
		f=$1/runs
		csp-repeat -c "echo >> $f" > /dev/null & pid=$!
		sleep 1; kill -TERM $pid; wait $pid; echo "repeat: $?"
		wc -l < $f
	' sh "$BATS_TEST_TMPDIR"
	assert_line --index 0 "repeat: 143"
	[ "${lines[1]}" -lt 100 ]
}

@test "csp-repeat -c whose runs print nothing still stops when its reader goes away" {
	leakfree bash -c 'timeout 20 csp-repeat -c true | true; echo "repeat: ${PIPESTATUS[0]}"'
	assert_success
	assert_output "repeat: 0"
}

@test "csp-repeat stops quietly when stdout's reader goes away, exit 0" {
	leakfree bash -c 'csp-repeat y | head -1; echo "repeat: ${PIPESTATUS[0]}"'
	assert_success
	assert_output "$(printf 'y\nrepeat: 0')"
	leakfree bash -c "printf '1\n2\n' | csp-repeat | head -1; echo \"repeat: \${PIPESTATUS[1]}\""
	assert_success
	assert_output "$(printf '1\nrepeat: 0')"
	leakfree bash -c 'csp-repeat -c "echo x; sleep 0.1" | head -1; echo "repeat: ${PIPESTATUS[0]}"'
	assert_success
	assert_output "$(printf 'x\nrepeat: 0')"
}

@test "csp-repeat --done FD: when it reaches EOF, the stream stops, exit 0" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)                 # EOF on fd 4 in 0.3 s
		csp-repeat --done 4 y | wc -c > /dev/null; echo "repeat: ${PIPESTATUS[0]}"
		exec 4< <(sleep 0.3)
		csp-repeat --done 4 -c "echo a; sleep 30"; echo "repeat -c: $?"
	'
	assert_success
	assert_output "$(printf 'repeat: 0\na\nrepeat -c: 0')"
}

@test "csp-repeat --done FIFO: closing the FIFO's writer stops it" {
	mkfifo "$BATS_TEST_TMPDIR/done"
	leakfree bash -c '
		(csp-repeat --done "$1" y | wc -c > /dev/null; echo "repeat: ${PIPESTATUS[0]}") &
		exec 5> "$1"                          # the writer: opens once csp-repeat reads
		sleep 0.3; exec 5>&-; wait
	' sh "$BATS_TEST_TMPDIR/done"
	assert_success
	assert_output "repeat: 0"
}

@test "csp-repeat is stopped by SIGTERM mid-stream: 143, nothing left" {
	leakfree bash -c '
		csp-repeat a b > /dev/null & pid=$!
		sleep 0.3; kill -TERM $pid; wait $pid; echo "writing: $?"
		mkfifo "$1/p"; sleep 5 < "$1/p" & slow=$!
		csp-repeat y > "$1/p" & pid=$!       # blocked on a full pipe
		sleep 0.3; kill -TERM $pid; wait $pid; echo "blocked: $?"
		kill $slow
	' sh "$BATS_TEST_TMPDIR"
	assert_line --index 0 "writing: 143"
	assert_line --index 1 "blocked: 143"
}

@test "csp-repeat -c: SIGTERM mid-run stops and reaps the running command too: 143" {
	leakfree bash -c '
		csp-repeat -c "echo \$\$ > $1/child; exec sleep 30" > /dev/null & pid=$!
		while [ ! -s "$1/child" ]; do sleep 0.05; done
		kill -TERM $pid; wait $pid; echo "repeat: $?"
		kill -0 "$(cat "$1/child")" 2>/dev/null && echo "child still there"
		exit 0
	' sh "$BATS_TEST_TMPDIR"
	assert_success
	assert_output "repeat: 143"
}

@test "csp-repeat: bad options are usage errors naming the option" {
	run csp-repeat -c
	assert_failure 2
	assert_output --partial "usage: csp-repeat"
	run csp-repeat -c 'echo x' a
	assert_failure 2
	assert_output "csp-repeat: -c: no values with a command"
	run csp-repeat --done 987 a
	assert_failure 2
	assert_output --partial "--done: 987"
	run csp-repeat --done "$BATS_TEST_TMPDIR/nofifo" a
	assert_failure 2
	assert_output --partial "--done: "
	run csp-repeat --bogus
	assert_failure 2
}

@test "csp-repeat --help and --version" {
	run csp-repeat --help
	assert_success
	assert_output --partial "usage: csp-repeat"
	run csp-repeat --version
	assert_success
	assert_output --regexp "^csp-repeat [0-9]+\.[0-9]+\.[0-9]+$"
}

#!/usr/bin/env bats
# csp-leakcheck: what outlives the command is a leak: reported, killed, reaped.

load common

# gone PID...: each pid is no longer running (a zombie counts as gone).
gone() {
	local pid state
	for pid in "$@"; do
		state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || continue
		[ "$state" = Z ] || { echo "pid $pid still running ($state)"; return 1; }
	done
}

@test "csp-leakcheck passes the command's own status through when nothing is left" {
	leakfree csp-leakcheck true
	assert_success
	assert_output ""
	leakfree csp-leakcheck sh -c 'exit 7'
	assert_failure 7
	leakfree csp-leakcheck sh -c 'kill -TERM $$'
	assert_failure 143
}

@test "csp-leakcheck reports a backgrounded sleep, kills it and exits 99" {
	leakfree csp-leakcheck sh -c 'sleep 100 & echo $!'
	assert_failure 99
	pid=${lines[0]}
	assert_line --index 1 --regexp "^csp-leakcheck: leak: pid $pid ppid [0-9]+ state S age [0-9]+\.[0-9]{3}s: sleep 100\$"
	[ "${#lines[@]}" -eq 2 ]
	gone "$pid"
}

@test "csp-leakcheck catches a descendant that called setsid()" {
	leakfree csp-leakcheck sh -c 'setsid sleep 100 & echo $!'
	assert_failure 99
	assert_line --index 1 --partial "pid ${lines[0]} "
	gone "${lines[0]}"
}

@test "csp-leakcheck catches a double-forked descendant" {
	leakfree csp-leakcheck sh -c '(sleep 100 & echo $!) ; exit 0'
	assert_failure 99
	assert_line --index 1 --partial ": sleep 100"
	gone "${lines[0]}"
}

@test "csp-leakcheck reports a zombie that a leaked process never reaped" {
	# The subshell forks true, then becomes sleep, which never waits for it.
	leakfree csp-leakcheck sh -c '(/bin/true & exec sleep 100) & sleep 0.2'
	assert_failure 99
	assert_line --regexp "state S .*: sleep 100\$"
	assert_line --regexp "state Z .*: \[true\]\$"
}

@test "csp-leakcheck stops a stopped process too" {
	leakfree csp-leakcheck sh -c 'sleep 100 & kill -STOP $!; echo $!'
	assert_failure 99
	assert_line --index 1 --partial "state T"
	gone "${lines[0]}"
}

@test "a straggler that goes within the bound is no leak; past it, it is" {
	leakfree csp-leakcheck -t 3s sh -c '(sleep 0.3) &'
	assert_success
	leakfree csp-leakcheck -t 50ms sh -c '(sleep 0.5) &'
	assert_failure 99
}

@test "csp-leakcheck -i ignores processes whose command line matches" {
	run csp-leakcheck -t 100ms -i 'sleep 3?' sh -c 'sleep 30 >/dev/null 2>&1 & echo $!'
	pid=${lines[0]}
	kill "$pid"
	assert_success
	[ "${#lines[@]}" -eq 1 ]
}

@test "csp-leakcheck -n reports without killing" {
	run csp-leakcheck -n -t 100ms sh -c 'sleep 30 >/dev/null 2>&1 & echo $!'
	pid=${lines[0]}
	alive=0
	kill -0 "$pid" && alive=1
	kill "$pid"
	assert_failure 99
	[ "$alive" -eq 1 ]
}

@test "csp-leakcheck -o writes the report to a file" {
	leakfree csp-leakcheck -o "$BATS_TEST_TMPDIR/r" sh -c 'sleep 100 &'
	assert_failure 99
	assert_output ""
	grep -q 'leak: pid .*: sleep 100$' "$BATS_TEST_TMPDIR/r"
}

@test "csp-leakcheck -o a file it cannot write puts the report on stderr and exits 125" {
	leakfree csp-leakcheck -t 100ms -o /dev/full sh -c 'sleep 7313 & echo $!'
	assert_failure 125
	assert_line --index 1 "csp-leakcheck: -o: /dev/full: No space left on device: the report follows here"
	assert_line --index 2 --regexp "^csp-leakcheck: leak: pid ${lines[0]} ppid [0-9]+ state . age [0-9.]+s: sleep 7313$"
	[ "${#lines[@]}" -eq 3 ]
	# And it was stopped all the same.
	run kill -0 "${lines[0]}"
	assert_failure
}

@test "SIGTERM to csp-leakcheck reaches the command and stops everything, 128+15" {
	csp-leakcheck sh -c 'sleep 100 & echo $! > "$1"; sleep 100' sh "$BATS_TEST_TMPDIR/pid" 3>&- &
	lc=$!
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/pid" ] && break; sleep 0.05; done
	kill -TERM "$lc"
	st=0
	wait "$lc" || st=$?
	[ "$st" -eq 143 ]
	gone "$(cat "$BATS_TEST_TMPDIR/pid")"
}

@test "csp-leakcheck: bad options are usage errors naming the option" {
	run csp-leakcheck -t soon true
	assert_failure 2
	assert_line --index 0 "csp-leakcheck: -t: invalid duration: soon"
	run csp-leakcheck
	assert_failure 2
	assert_output --partial "usage: csp-leakcheck"
	run csp-leakcheck --bogus true
	assert_failure 2
}

@test "csp-leakcheck: a command that does not exist is 127, one that cannot run 126" {
	run -127 csp-leakcheck /nonexistent/prog
	assert_output "csp-leakcheck: /nonexistent/prog: No such file or directory"
	run -126 csp-leakcheck /
}

@test "the bats helper leakfree fails a test that leaves a process behind" {
	at=@  # spelled apart, or bats would take these for tests of this file
	{
		echo "load '$BATS_TEST_DIRNAME/helpers/leakfree'"
		echo "${at}test 'leaky' { leakfree sh -c 'sleep 100 &'; }"
		echo "${at}test 'clean' { leakfree sh -c 'sleep 0.1 & wait'; }"
	} > "$BATS_TEST_TMPDIR/leaky.bats"
	run bats --tap "$BATS_TEST_TMPDIR/leaky.bats"
	assert_failure
	assert_line "not ok 1 leaky"
	assert_line "ok 2 clean"
	assert_output --partial "processes left behind by: sh -c sleep 100 &"
	assert_output --regexp "leak: pid [0-9]+ .*: sleep 100"
}

#!/usr/bin/env bats
# The guardian and the one stop: whatever ends a command that starts
# processes (SIGKILL included), nothing it started is left, and a signal
# that ended it is how its parent sees it end.

load common

setup() {
	W=$CSP_PROG/waitsig
	F=$BATS_TEST_TMPDIR/up
	# A child, a setsid() grandchild, then the file that says they are there.
	J='sleep 7311 & setsid sleep 7311 & touch '"$F"'; sleep 7311'
	# The same, slow to go on SIGTERM: only a command that waits for it has it gone when it ends.
	S='trap "sleep 0.3; exit 0" TERM; sleep 7311 & setsid sleep 7311 & touch '"$F"'; sleep 7311 & wait'
}

# killed SIG COMMAND...: SIG once the job is up; the command's end as its parent saw it.
# After SIGKILL the worker cleans up once the guardian is gone: leakfree's bound
# gives it time. Any other signal is caught: the moment the command has ended,
# nothing may be left (bound 0).
killed() {
	local sig=$1
	shift
	rm -f "$F"
	if [ "$sig" -eq 9 ]; then
		leakfree "$W" "$F" "$sig" "$@"
	else
		CSP_LEAK_BOUND=0 leakfree "$W" "$F" "$sig" "$@"
	fi
}

# every_end COMMAND...: each of KILL, INT and TERM leaves nothing; INT and TERM come
# back as the signal itself. Each JOB in COMMAND is the job: $J for KILL, $S otherwise.
every_end() {
	local sig job a args
	for sig in 9 2 15; do
		job=$S
		[ "$sig" -eq 9 ] && job=$J
		args=()
		for a in "$@"; do
			[ "$a" = JOB ] && a=$job
			args+=("$a")
		done
		killed "$sig" "${args[@]}" </dev/null
		assert_line "signal $sig"
	done
}

@test "csp-fanout: SIGKILL, SIGINT or SIGTERM mid-run leaves nothing; the signal is how it ends" {
	every_end csp-fanout -j2 sh -c JOB sh ::: 1 2
}

@test "csp-fanout reading its records: SIGKILL after its jobs started leaves nothing" {
	rm -f "$F"
	leakfree bash -c 'seq 2 | exec "$@"' sh "$W" "$F" 9 csp-fanout -j2 sh -c "$J"
	assert_line "signal 9"
}

@test "csp-race: SIGKILL, SIGINT or SIGTERM mid-run leaves nothing; the signal is how it ends" {
	every_end csp-race JOB JOB
}

@test "csp-group: SIGKILL, SIGINT or SIGTERM mid-run leaves nothing; the signal is how it ends" {
	every_end csp-group JOB JOB
}

@test "csp-timeout: SIGKILL, SIGINT or SIGTERM mid-run leaves nothing; the signal is how it ends" {
	every_end csp-timeout 60 sh -c JOB
}

@test "csp-supervise: SIGKILL, SIGINT or SIGTERM mid-run leaves nothing; the signal is how it ends" {
	every_end csp-supervise -- sh -c JOB
}

@test "csp-heartbeat: SIGKILL, SIGINT or SIGTERM mid-run leaves nothing; the signal is how it ends" {
	every_end csp-heartbeat -i 10s -- sh -c JOB
}

@test "csp-merge -c: SIGKILL, SIGINT or SIGTERM mid-run leaves nothing; the signal is how it ends" {
	every_end csp-merge -c JOB
}

@test "csp-tee -c: SIGKILL, SIGINT or SIGTERM mid-run leaves nothing; the signal is how it ends" {
	every_end csp-tee -c JOB
}

@test "csp-repeat -c: SIGKILL, SIGINT or SIGTERM mid-run leaves nothing; the signal is how it ends" {
	every_end csp-repeat -c JOB
}

@test "csp-bridge -c: SIGKILL, SIGINT or SIGTERM mid-run leaves nothing; the signal is how it ends" {
	local sig job
	for sig in 9 2 15; do
		rm -f "$F"
		job=$S
		[ "$sig" -eq 9 ] && job=$J
		leakfree bash -c 'echo "$1" | exec "${@:2}"' sh "$job" "$W" "$F" "$sig" csp-bridge -c
		assert_line "signal $sig"
	done
}

@test "csp-leakcheck: SIGKILL, SIGINT or SIGTERM mid-run leaves nothing; the signal is how it ends" {
	# It passes signals on to its command and waits for it: one that dies of them.
	every_end csp-leakcheck sh -c "${J%sleep 7311}exec sleep 7311"
}

@test "HUP, USR1 and a SIGPIPE sent by another process end a command by that signal, nothing left" {
	local sig
	for sig in 1 10 13; do
		killed "$sig" csp-race "$S" "$S" </dev/null
		assert_line "signal $sig"
	done
}

@test "the worker SIGKILLed: the guardian stops what it left and ends by SIGKILL too" {
	leakfree bash -c '
		csp-group "$1" 3>&- & g=$!
		until [ -e "$2" ]; do sleep 0.01; done
		read -r worker < /proc/$g/task/$g/children
		kill -KILL "$worker"
		wait $g
		echo "status: $?"
	' sh "$J" "$F"
	assert_line "status: 137"
}

@test "started with SIGCHLD ignored, the commands still run and end" {
	for cmd in "csp-race 'echo x'" "csp-timeout 5 echo x" "csp-merge -c 'echo x'" \
	    "csp-group 'echo x'" "csp-leakcheck echo x" "csp-supervise -- echo x" \
	    "csp-heartbeat -i 1s -- echo x" "csp-fanout echo ::: x"; do
		leakfree timeout 20 bash -c "trap '' CHLD; exec $cmd" </dev/null
		assert_success
		assert_output "x"
	done
}

@test "SIGALRM to csp-timeout is its deadline: 124, the command gets -s's signal, nothing is left" {
	killed 14 csp-timeout 60 sh -c "$J" </dev/null
	assert_line "exit 124"
	killed 14 csp-timeout -s USR2 60 sh -c 'trap "echo got USR2; exit 0" USR2; '"$J"' & wait' </dev/null
	assert_line "got USR2"
	assert_line "exit 124"
}

@test "trap '' PIPE stays ignored in csp-timeout's command; otherwise it is not ignored" {
	bit() { echo $(( 0x$(awk '/^SigIgn/ { print $2 }' "$1") & 0x1000 )); }
	leakfree sh -c 'trap "" PIPE; exec csp-timeout 5 cat /proc/self/status' </dev/null
	assert_success
	echo "$output" > "$BATS_TEST_TMPDIR/ign"
	[ "$(bit "$BATS_TEST_TMPDIR/ign")" -ne 0 ]
	leakfree sh -c 'trap - PIPE; exec csp-timeout 5 cat /proc/self/status' </dev/null
	assert_success
	echo "$output" > "$BATS_TEST_TMPDIR/dfl"
	[ "$(bit "$BATS_TEST_TMPDIR/dfl")" -eq 0 ]
}

@test "csp-tee --done: a setsid() grandchild of a command is stopped too" {
	leakfree bash -c 'printf "a\n" | csp-tee --done 3 -c "setsid sleep 7316 & sleep 7316" 3< <(sleep 1)'
	assert_success
}

@test "csp-repeat -c --done: a setsid() grandchild of the command is stopped too" {
	leakfree bash -c 'csp-repeat --done 3 -c "setsid sleep 7317 & sleep 7317" 3< <(sleep 1)'
	assert_success
}

@test "csp-merge -c --done: a setsid() grandchild of a command is stopped too" {
	leakfree bash -c 'csp-merge --done 3 -c "setsid sleep 7318 & sleep 7318" 3< <(sleep 1)'
	assert_success
}

@test "--done 0 is refused where standard input is the data" {
	for cmd in "csp-take --done 0 1" "csp-tee --done 0 -c cat" "csp-ratelimit --done 0 -r 10" \
	    "csp-bridge --done 0" "csp-repeat --done 0" "csp-merge --done 0 -"; do
		run $cmd </dev/null
		assert_failure 2
		assert_output --regexp "^csp-[a-z]+: --done: 0 is where the (input|records) come"
	done
	# csp-fanout's usage errors are 255, as GNU parallel's: 2 would mean two failed jobs.
	run csp-fanout --done 0 echo </dev/null
	assert_failure 255
	assert_output "csp-fanout: --done: 0 is where the records come from, not a done"
}

#!/usr/bin/env bats
# csp-fanout -S where cspipe is installed on the remote host: the job runs under
# its guardian there. Host g has this build's bin/ on its sessions' PATH (the
# fixture's SSHD_PATH, an sshd_config SetEnv); host a has only the system's.

load common
load helpers/sshd

setup() {
	sshd_setup
}

# Host g: this build's bin/ first on its sessions' PATH; host a: the system's PATH only.
start_g() {
	local bin
	bin=$(dirname "$(command -v csp-timeout)")
	SSHD_PATH=$bin:/usr/bin:/bin sshd_start g
}

start_a() {
	SSHD_PATH=/usr/bin:/bin sshd_start a
	if $SSH a 'command -v csp-timeout' </dev/null >/dev/null 2>&1; then
		skip "csp-timeout is installed in /usr/bin or /bin here: no host without cspipe to test"
	fi
}

# A failed test's survivors go too, so none is counted by the next run.
teardown() {
	sshd_teardown
	stop_left 7318 7319 7328 7329 7339 7348 7349
}

# A job whose child starts a setsid() escaper and exits at once: the escaper's
# parents are gone before anything is cancelled. Then the job sleeps ($1 $2).
escaper_job() {
	printf 'sh -c "setsid sleep %s </dev/null >/dev/null 2>&1 &"; exec sleep %s' "$1" "$2"
}

# SIGKILL csp-fanout running escaper_job $2 $3 on host $1; say what ran and what is left.
kill_fanout() {
	leakfree sh -c '
		csp-fanout --ssh "$SSH" -S "1/$1" sh -c "$2" ::: x 3>&- &
		p=$!
		i=0; while [ "$(pgrep -c -f "^sleep $3\$") $(pgrep -c -f "^sleep $4\$")" != "1 1" ] && [ $i -lt 200 ]; do
			sleep 0.05; i=$((i + 1)); done
		echo "running: $(pgrep -c -f "^sleep $3\$") $(pgrep -c -f "^sleep $4\$")"
		kill -KILL $p
		wait $p
		i=0; while [ "$(pgrep -c -f "^sleep $4\$")" -gt 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		i=0; while [ "$(pgrep -c -f "^sleep $3\$")" -gt 0 ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
		echo "left: $(pgrep -c -f "^sleep $3\$") $(pgrep -c -f "^sleep $4\$")"' \
		sh "$1" "$(escaper_job "$2" "$3")" "$2" "$3"
}

# Stop what a test left on the host, by pid: sleeps of these distinctive durations.
stop_left() {
	local n p
	for n in "$@"; do
		for p in $(pgrep -f "^sleep $n\$"); do kill -KILL "$p" 2>/dev/null; done
	done
}

@test "the guardian is used where csp-timeout is on the remote PATH, or --env PATH puts it there" {
	start_g
	start_a
	# stderr aside: a login shell's own chatter there (a .bashrc) is not the jobs'.
	leakfree sh -c 'csp-fanout --ssh "$SSH" -S 1/g sh -c "ps -o comm= -p \$PPID" ::: x 2>"$1"' \
		sh "$BATS_TEST_TMPDIR/err"
	assert_success
	assert_output csp-timeout
	leakfree sh -c 'csp-fanout --ssh "$SSH" -S 1/a sh -c "ps -o comm= -p \$PPID" ::: x 2>"$1"' \
		sh "$BATS_TEST_TMPDIR/err"
	assert_success
	assert_output sh
	leakfree sh -c 'csp-fanout --ssh "$SSH" -S 1/a --env PATH sh -c "ps -o comm= -p \$PPID" ::: x 2>"$1"' \
		sh "$BATS_TEST_TMPDIR/err"
	assert_success
	assert_output csp-timeout
}

@test "with the guardian there: csp-fanout SIGKILLed, an escaper whose parents exited is stopped" {
	start_g
	kill_fanout g 7319 7318
	assert_line "running: 1 1"
	assert_line "left: 0 0"
}

@test "without it: csp-fanout SIGKILLed, the job is stopped, an escaper whose parents exited survives" {
	start_a
	kill_fanout a 7329 7328
	stop_left 7329
	assert_line "running: 1 1"
	assert_line "left: 1 0"
}

@test "with the guardian there: a job that ends leaves no escaper behind" {
	start_g
	# It ends once the escaper is out of its group (exec'd sleep: setsid done), not before.
	leakfree csp-fanout --ssh "$SSH" -S 1/g sh -c 'sh -c "setsid sleep 7339 </dev/null >/dev/null 2>&1 &"
		until pgrep -f "^sleep 7339\$" >/dev/null; do sleep 0.05; done; exit 3' ::: x
	assert_equal "$status" 1  # one job failed
	remote_gone 'sleep 7339'
}

@test "with the guardian there: --pipe blocks reach the jobs, --timeout stops an escaper's tree" {
	start_g
	# stderr aside: a login shell's own chatter there (a .bashrc) is not the jobs'.
	leakfree sh -c 'seq 20000 | csp-fanout --pipe --block 10k --ssh "$SSH" -S 2/g wc -l 2>"$1" | awk "{ n += \$1 } END { print n }"' \
		sh "$BATS_TEST_TMPDIR/err"
	assert_success
	assert_output 20000
	leakfree csp-fanout --timeout 1 --ssh "$SSH" -S 1/g sh -c "$(escaper_job 7349 7348)" ::: x
	assert_failure
	remote_gone 'sleep 7349' 'sleep 7348'
}

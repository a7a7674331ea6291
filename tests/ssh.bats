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
	# A login shell's own chatter (a .bashrc there) is not the jobs': only their lines compared.
	assert_equal "$(grep '^err' "$BATS_TEST_TMPDIR/rerr")" "$(cat "$BATS_TEST_TMPDIR/lerr")"
	assert_equal "$(grep -c '^err' "$BATS_TEST_TMPDIR/rerr")" 20
}

@test "hostile arguments reach the remote command exactly as given" {
	local nl=$'line1\nline2'
	set -- "two words" "it's" '"dq"' '$HOME' '`id`' '$(id)' '\back\slash' "$nl" '*' '-n' '' \
		"tab	in" ';' '&&' '|' "'" '#x' '~' '{}' '!x' $'\x01\x7f\xe9'
	leakfree csp-fanout -k --ssh "$SSH" -S 1/a printf '[%s]\n' ::: "$@"
	assert_success
	local remote=$output
	leakfree csp-fanout -k -j1 printf '[%s]\n' ::: "$@"
	assert_equal "$remote" "$output"
	assert_line '[$HOME]'
	assert_line "[it's]"
}

@test "a job killed by a signal there is reported as one killed here" {
	leakfree csp-fanout --ssh "$SSH" -S 1/a --joblog "$BATS_TEST_TMPDIR/rlog" sh -c 'kill -9 $$' ::: x
	local rstatus=$status
	leakfree csp-fanout --joblog "$BATS_TEST_TMPDIR/llog" sh -c 'kill -9 $$' ::: x
	assert_equal "$rstatus" "$status"
	# Exitval and Signal columns: 0 and 9 in both logs; the host column says where.
	run cut -f2,7,8 "$BATS_TEST_TMPDIR/rlog"
	assert_line "a	0	9"
	run cut -f2,7,8 "$BATS_TEST_TMPDIR/llog"
	assert_line ":	0	9"
}

@test "a job's exit 255 is its own, not taken for a host gone down" {
	leakfree csp-fanout --ssh "$SSH" -S 1/a sh -c 'echo ran; exit 255' ::: x
	assert_equal "$status" 1
	assert_output "ran"
}

@test "--pipe: blocks go to remote jobs' stdin, none lost" {
	leakfree sh -c 'seq 20000 | csp-fanout --pipe --block 10k --ssh "$SSH" -S 2/a wc -l | awk "{ n += \$1 } END { print n }"'
	assert_success
	assert_output 20000
}

@test "--pipe: a job that reads part of its block, and --timeout stopping one that holds on" {
	leakfree sh -c 'seq 20000 | csp-fanout -k --pipe --block 10k --ssh "$SSH" -S 2/a head -n 1'
	assert_success
	assert_equal "${#lines[@]}" "$(seq 20000 | csp-fanout -k --pipe --block 10k head -n 1 | wc -l)"
	assert_line --index 0 1
	leakfree sh -c 'seq 20000 | csp-fanout --pipe --block 10k --timeout 1 --ssh "$SSH" -S 2/a sh -c "cat >/dev/null; exec sleep 73201"'
	assert_failure
	remote_gone 'sleep 73201'
}

# csp-fanout runs $2 remote jobs on host a, each a `sleep $3` and a setsid() escaper `sleep $3`
# (sshd's own clean-up at a session's end reaches the first, only the wrapper the second), and
# is sent signal $1 once all run: how many ran, its status, how many are left there (up to 10 s).
fanout_signalled() {
	leakfree sh -c '
		csp-fanout --ssh "$SSH" -S "$2/a" sh -c "setsid sleep $3 & sleep $3; :" ::: $(seq "$2") 3>&- &
		p=$!
		i=0; while [ "$(pgrep -c -f "^sleep $3")" -lt $(($2 * 2)) ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
		echo "running: $(pgrep -c -f "^sleep $3")"
		kill -"$1" $p
		wait $p
		echo "status: $?"
		i=0; while [ "$(pgrep -c -f "^sleep $3")" -gt 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		echo "left: $(pgrep -c -f "^sleep $3")"' sh "$@"
}

@test "csp-fanout SIGKILLed: no remote job survives" {
	fanout_signalled KILL 3 73131
	assert_line "running: 6"
	assert_line "status: 137"
	assert_line "left: 0"
}

@test "SIGTERM to csp-fanout: no remote job survives" {
	fanout_signalled TERM 2 73151
	assert_line "running: 4"
	assert_line "status: 143"
	assert_line "left: 0"
}

@test "--timeout stops the remote job and what it started, setsid() escapers too" {
	leakfree csp-fanout --timeout 1 --ssh "$SSH" -S 1/a sh -c 'setsid sleep 73161 & sleep 73171; :' ::: x
	assert_failure
	remote_gone 'sleep 73161' 'sleep 73171'
}

@test "--transferfile, --return, --cleanup leave exactly the files they should" {
	mkdir "$BATS_TEST_TMPDIR/here" "$BATS_TEST_TMPDIR/there"
	cd "$BATS_TEST_TMPDIR/here"
	printf 'abc\n' > one.txt
	printf 'def\n' > two.txt
	leakfree csp-fanout --ssh "$SSH" -S 2/a --workdir "$BATS_TEST_TMPDIR/there" \
		--trc {}.up sh -c 'tr a-z A-Z < "$1" > "$1.up"' sh ::: one.txt two.txt
	assert_success
	assert_equal "$(cat one.txt.up) $(cat two.txt.up)" "ABC DEF"
	run ls -A "$BATS_TEST_TMPDIR/there"
	assert_output ""
	run ls -A
	assert_output "$(printf 'one.txt\none.txt.up\ntwo.txt\ntwo.txt.up')"
	# Without --cleanup, what was sent and made stays there.
	leakfree csp-fanout --ssh "$SSH" -S 1/a --workdir "$BATS_TEST_TMPDIR/there" \
		--transferfile {} --return {}.up sh -c 'tr a-z A-Z < "$1" > "$1.up"' sh ::: one.txt
	run ls -A "$BATS_TEST_TMPDIR/there"
	assert_output "$(printf 'one.txt\none.txt.up')"
}

@test "--basefile goes to each host once; --env carries a variable's value" {
	cd "$BATS_TEST_TMPDIR"
	mkdir there
	echo base > b.dat
	CSP_T_VAR='a value $x' leakfree csp-fanout -k --ssh "$SSH" -S 1/a --workdir "$BATS_TEST_TMPDIR/there" \
		--basefile b.dat --env CSP_T_VAR sh -c 'cat b.dat; printf "%s\n" "$CSP_T_VAR"' ::: 1
	assert_success
	assert_output "$(printf 'base\na value $x')"
}

@test "a host that cannot be reached is left out, said on stderr, its jobs run elsewhere" {
	printf 'Host nowhere\n\tHostName 127.0.0.1\n\tPort 1\n\tBatchMode yes\n\tConnectTimeout 3\n' >> "$SSHD_DIR/ssh_config"
	leakfree sh -c 'seq 6 | csp-fanout -k --ssh "$SSH" -S 2/nowhere,2/a echo r 2>"$1"' sh "$BATS_TEST_TMPDIR/err"
	assert_success
	assert_output "$(printf 'r %s\n' 1 2 3 4 5 6)"
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output --partial "host nowhere"
}

@test "bad logins are refused with one clear line" {
	run csp-fanout -S 0/a echo ::: 1
	assert_failure
	assert_output --partial "--sshlogin: 0/a"
	run csp-fanout -S 'x/a' echo ::: 1
	assert_failure
	run csp-fanout --ssh '' -S a echo ::: 1
	assert_failure
	assert_output --partial "--ssh"
	run csp-fanout --workdir /tmp echo ::: 1
	assert_failure
	assert_output --partial "need -S"
}

@test "--sshloginfile reads logins a line, : runs here" {
	printf '# hosts\n2/a\n\n1/:\n' > "$BATS_TEST_TMPDIR/slf"
	leakfree sh -c 'seq 30 | csp-fanout --ssh "$SSH" --slf "$1" --joblog "$2" echo | sort -n' sh \
		"$BATS_TEST_TMPDIR/slf" "$BATS_TEST_TMPDIR/log"
	assert_success
	assert_output "$(seq 30)"
	run sh -c 'cut -f2 "$1" | sort -u' sh "$BATS_TEST_TMPDIR/log"
	assert_line "Host"
	assert_line "a"
}

# Run csp-fanout ARGS... in the background under csp-leakcheck: output to $T/out, $T/err.
fanout_bg() {
	T=$BATS_TEST_TMPDIR
	csp-leakcheck -t 3s -o "$T/leaks" -- sh -c 'seq 40 | csp-fanout -k "$@"' sh "$@" \
		>"$T/out" 2>"$T/err" 3>&- &
	BG=$!
}

# Wait until jobs run (the hosts are connected by then).
fanout_bg_running() {
	local i=0
	while [ "$(remote_count 'sleep 0.31')" -eq 0 ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
	sleep 0.5
}

# Its end: every record's line there, the host named on stderr, nothing left behind.
fanout_bg_check() {
	local st=0
	wait "$BG" || st=$?
	cat "$T/err"
	assert_equal "$st" 0
	assert_equal "$(cat "$T/out")" "$(printf 'r %s\n' $(seq 40))"
	grep -q "host $1: connection lost" "$T/err"
	[ ! -s "$T/leaks" ] || { cat "$T/leaks"; false; }
}

@test "a host killed mid-run (its sshd gone): no job lost, the rest finish on the other" {
	sshd_start b
	fanout_bg --ssh "$SSH" -S 2/a,2/b sh -c 'sleep 0.31; echo r $0'
	fanout_bg_running
	sshd_kill a
	fanout_bg_check a
}

@test "a host cut off the network mid-run: no job lost, the rest finish on the other" {
	sshd_netns_start n1
	sshd_netns_start n2
	fanout_bg --ssh "$SSH" -S 2/n1,2/n2 sh -c 'sleep 0.31; echo r $0'
	fanout_bg_running
	sshd_cut n1
	fanout_bg_check n1
}

@test "the master connections' sockets live in a directory made and removed, none left running" {
	mkdir "$BATS_TEST_TMPDIR/t"
	TMPDIR=$BATS_TEST_TMPDIR/t leakfree csp-fanout --ssh "$SSH" -S 2/a echo ::: 1 2 3
	assert_success
	run ls -A "$BATS_TEST_TMPDIR/t"
	assert_output ""
	# Also when no host can be reached.
	printf 'Host nowhere\n\tHostName 127.0.0.1\n\tPort 1\n\tBatchMode yes\n' >> "$SSHD_DIR/ssh_config"
	TMPDIR=$BATS_TEST_TMPDIR/t leakfree csp-fanout --ssh "$SSH" -S nowhere echo ::: 1
	assert_failure
	assert_output --partial "no host to run the jobs on"
	run ls -A "$BATS_TEST_TMPDIR/t"
	assert_output ""
}

@test "without n/, a host's slots are its CPU count, asked once" {
	leakfree sh -c 'seq 40 | csp-fanout --ssh "$SSH" -S a echo {%} | sort -un'
	assert_success
	assert_output "$(seq "$(getconf _NPROCESSORS_ONLN)")"
}

@test "--halt now stops the other remote jobs" {
	leakfree csp-fanout --halt now,fail=1 --ssh "$SSH" -S 2/a sh -c '[ "$0" = 1 ] || exec sleep 73181; sleep 1; exit 3' ::: 1 2
	assert_equal "$status" 3
	remote_gone 'sleep 73181'
}

@test "SIGINT to csp-fanout: no remote job survives" {
	fanout_signalled INT 2 73191
	assert_line "running: 4"
	assert_line "status: 130"
	assert_line "left: 0"
}

# host loss and --retries
# A run lost with its host is one of the job's --retries n tries; without --retries it is free.

# Kill host a under fanout_bg with --retries $1 and a job log while a job runs there (its
# sleep told apart by the port it came in by); $st is the status.
fanout_bg_lost() {
	local i=0 port
	sshd_start b
	eval "port=\$SSHD_PORT_a"
	fanout_bg --retries "$1" --joblog "$BATS_TEST_TMPDIR/log" --ssh "$SSH" -S 2/a,2/b sh -c \
		"case \$SSH_CONNECTION in *' $port') sleep 0.3128 ;; *) sleep 0.3127 ;; esac; echo r \$0"
	while [ "$(remote_count 'sleep 0.3128')" -eq 0 ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
	sshd_kill a
	st=0
	wait "$BG" || st=$?
	cat "$T/err"
	[ ! -s "$T/leaks" ] || { cat "$T/leaks"; false; }
	grep -q "host a: connection lost" "$T/err"
}

@test "--retries 1: a job whose host is killed under it ends failed, said and logged, not run again" {
	fanout_bg_lost 1
	# The lost jobs: status 255 on host a in the log, one line each on stderr, missing from the output.
	awk -F'\t' 'NR > 1 && $7 == 255 { print $1 }' "$T/log" > "$T/lost"
	n=$(wc -l < "$T/lost")
	[ "$n" -ge 1 ]
	assert_equal "$st" "$n"
	assert_equal "$(awk -F'\t' 'NR > 1 && $7 == 255 { print $2 }' "$T/log" | sort -u)" a
	assert_equal "$(grep -c "its host a went down under it (run 1, not run again)" "$T/err")" "$n"
	while read -r s; do grep -q "job $s failed: its host a went down" "$T/err"; done < "$T/lost"
	assert_equal "$(cat "$T/out")" "$(seq 40 | grep -vxF -f "$T/lost" | sed 's/^/r /')"
	# Each job logged once.
	assert_equal "$(awk -F'\t' 'NR > 1 { print $1 }' "$T/log" | sort -n)" "$(seq 40)"
}

@test "--retries 3: a job whose host is killed under it finishes on the other, logged once" {
	fanout_bg_lost 3
	assert_equal "$st" 0
	assert_equal "$(cat "$T/out")" "$(printf 'r %s\n' $(seq 40))"
	assert_equal "$(awk -F'\t' 'NR > 1 { print $1 }' "$T/log" | sort -n)" "$(seq 40)"
	assert_equal "$(awk -F'\t' 'NR > 1 && $7 != 0' "$T/log")" ""
	assert_equal "$(grep -c "went down under it" "$T/err")" 0
}

@test "--retries 1: a job given to a host whose master had gone never ran there: moved, not counted" {
	sshd_start b
	T=$BATS_TEST_TMPDIR
	mkdir "$T/t"
	mkfifo "$T/in"
	TMPDIR=$T/t csp-leakcheck -t 3s -o "$T/leaks" -- csp-fanout --retries 1 --joblog "$T/log" \
		--ssh "$SSH" -S 1/a,1/b sh -c 'echo r $0' <"$T/in" >"$T/out" 2>"$T/err" 3>&- &
	BG=$!
	exec 4>"$T/in"
	echo 1 >&4
	local i=0 m
	while [ "$(wc -l 2>/dev/null <"$T/log" || echo 0)" -lt 2 ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
	# Host a goes while idle; the next job is given to it once its master has exited.
	m=$(pgrep -f -- "-M -N -T -o ControlPath=$T/t/cspssh\.[A-Za-z0-9]+/0 ")
	[ -n "$m" ]
	sshd_kill a
	i=0
	while [ "$(ps -o stat= -p "$m")" != Z ] && kill -0 "$m" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
	echo 2 >&4
	exec 4>&-
	st=0
	wait "$BG" || st=$?
	cat "$T/err"
	[ ! -s "$T/leaks" ] || { cat "$T/leaks"; false; }
	assert_equal "$st" 0
	assert_equal "$(sort "$T/out")" "$(printf 'r %s\n' 1 2)"
	assert_equal "$(cut -f1,2,7 "$T/log" | tail -n +2)" "$(printf '1\ta\t0\n2\tb\t0')"
	grep -q "host a: connection lost" "$T/err"
}

@test "-k: the next job in order, moved off its lost host, has its output written once" {
	sshd_start b
	T=$BATS_TEST_TMPDIR
	# Job 1 is on a and next in order once job 2 has ended on b; then a goes.
	csp-leakcheck -t 3s -o "$T/leaks" -- csp-fanout -k --joblog "$T/log" --ssh "$SSH" -S 1/a,1/b \
		sh -c 'echo s $0; [ $0 = 2 ] || sleep 1.3128; echo r $0' ::: 1 2 >"$T/out" 2>"$T/err" 3>&- &
	BG=$!
	local i=0 st=0
	while ! grep -q '^2	b	' "$T/log" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
	sshd_kill a
	wait "$BG" || st=$?
	cat "$T/err"
	[ ! -s "$T/leaks" ] || { cat "$T/leaks"; false; }
	assert_equal "$st" 0
	grep -q "host a: connection lost" "$T/err"
	assert_equal "$(cat "$T/out")" "$(printf 's 1\nr 1\ns 2\nr 2')"
	assert_equal "$(cut -f1,2 "$T/log" | tail -n +2 | sort)" "$(printf '1\tb\n2\tb')"
}

@test "--retries 1: the last host lost with records to go ends the run with 'Host is down', no hang" {
	T=$BATS_TEST_TMPDIR
	csp-leakcheck -t 3s -o "$T/leaks" -- sh -c 'seq 3 | csp-fanout --retries 1 --ssh "$SSH" -S 1/a sh -c "sleep 0.3129; echo r \$0"' \
		>"$T/out" 2>"$T/err" 3>&- &
	BG=$!
	local i=0 st=0
	while [ "$(remote_count 'sleep 0.3129')" -eq 0 ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
	sshd_kill a
	i=0
	while kill -0 "$BG" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
	if kill -0 "$BG" 2>/dev/null; then
		kill "$BG"
		wait "$BG" || true
		echo "hung: still running after 15 s"
		false
	fi
	wait "$BG" || st=$?
	cat "$T/out" "$T/err"
	[ ! -s "$T/leaks" ] || { cat "$T/leaks"; false; }
	assert_equal "$st" 255
	grep -q "job 1 failed: its host a went down" "$T/err"
	grep -q "Host is down" "$T/err"
}

# --slf re-read and lazy masters

# Host NAME, whose every connection is noted in FILE and fails.
failing_host() {
	printf 'Host %s\n\tHostName 127.0.0.1\n\tPort 1\n\tBatchMode yes\n\tProxyCommand sh -c "echo x >> %s; exit 1"\n' \
		"$1" "$2" >> "$SSHD_DIR/ssh_config"
}

@test "masters open lazily: a host given no job is never connected, one that fails then passes its job on" {
	T=$BATS_TEST_TMPDIR
	failing_host b "$T/b.tried"
	leakfree sh -c 'csp-fanout -k --ssh "$SSH" -S 2/a,2/b echo r ::: 1 2 2>"$1"' sh "$T/err"
	assert_success
	assert_output "$(printf 'r 1\nr 2')"
	[ ! -e "$T/b.tried" ]
	[ ! -s "$T/err" ]
	# A third job at once goes to b: b fails as it opens, the job runs on a all the same.
	leakfree sh -c 'csp-fanout -k --ssh "$SSH" -S 2/a,2/b echo r ::: 1 2 3 2>"$1"' sh "$T/err"
	assert_success
	assert_output "$(printf 'r 1\nr 2\nr 3')"
	[ -e "$T/b.tried" ]
	run cat "$T/err"
	assert_line "csp-fanout: host b: cannot connect: left out, no more jobs go there"
}

# A job that says it started, waits for $T/gate, and says where it ran ($1: its record).
# Job 6 first waits (up to 10 s) for b's sshd to serve no connection, and says how many.
gated_job() {
	cat > "$T/job" <<JOB
touch "$T/started.\$1"
while [ ! -e "$T/gate" ]; do sleep 0.05; done
if [ "\$1" = 6 ] && [ -n "$1" ]; then
	i=0
	while [ -n "\$(ps -o pid= --ppid $1)" ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
	echo "b conns: \$(ps -o pid= --ppid $1 | wc -l)"
fi
echo "r \$1"
JOB
}

# Run the gated jobs 1-6 over --slf $T/slf; once jobs $1 have started, the file becomes $2;
# once jobs $3 have, (and a second on) the gate opens.
slf_run() {
	leakfree sh -c '
		T=$1
		seq 6 | csp-fanout -k --ssh "$SSH" --slf "$T/slf" --joblog "$T/log" sh "$T/job" 3>&- &
		p=$!
		for n in $2; do
			i=0; while [ ! -e "$T/started.$n" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
		done
		printf "$3" > "$T/slf.new"
		mv "$T/slf.new" "$T/slf"
		for n in $4; do
			i=0; while [ ! -e "$T/started.$n" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
		done
		sleep 1.1
		touch "$T/gate"
		wait $p
		echo "status: $?"' sh "$T" "$@"
}

@test "--slf: a host added to the file mid-run gets jobs" {
	T=$BATS_TEST_TMPDIR
	sshd_start b
	gated_job ""
	echo 1/a > "$T/slf"
	# Job 2 waits for a free slot: it goes to b once b is in the file, a still busy with job 1.
	slf_run 1 '1/a\n1/b\n' 2
	assert_line "status: 0"
	assert_equal "$(grep -c '^r ' <<<"$output")" 6
	run cut -f1,2 "$T/log"
	assert_line "1	a"
	assert_line "2	b"
}

@test "--slf: a host removed from the file gets no new job, its master closed once idle" {
	T=$BATS_TEST_TMPDIR
	sshd_start b
	local pid
	eval "pid=\$SSHD_PID_b"
	gated_job "$pid"
	printf '1/a\n1/b\n' > "$T/slf"
	slf_run '1 2' '1/a\n' ''
	assert_line "status: 0"
	assert_equal "$(grep -c '^r ' <<<"$output")" 6
	assert_line "b conns: 0"
	run cut -f1,2 "$T/log"
	assert_line "2	b"
	refute_line --regexp "^[13456]	b$"
}

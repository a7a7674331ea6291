#!/usr/bin/env bats
# csp-queue: a bounded buffer between stages; byte-exact, whole records, stops cleanly.

load common

setup() {
	f=$BATS_TEST_TMPDIR
}

@test "csp-queue --bytes passes binary data byte for byte, 1 byte to more than the queue" {
	for n in 1 2 4095 4096 4097 65536 65537 300001 2000000; do
		head -c "$n" /dev/urandom > "$f/in"
		leakfree sh -c 'cat "$1" | csp-queue --bytes -m 1000 | cat > "$1.out"' sh "$f/in"
		assert_success
		cmp "$f/in" "$f/in.out"
	done
	head -c 3000000 /dev/urandom > "$f/in"
	leakfree sh -c 'cat "$1" | csp-queue --bytes | cat > "$1.out"' sh "$f/in"
	assert_success
	cmp "$f/in" "$f/in.out"
	# A consumer that starts late: the queue fills and goes round its ring.
	leakfree sh -c 'cat "$1" | csp-queue --bytes -m 1M | { sleep 0.2; cat; } > "$1.out"' sh "$f/in"
	assert_success
	cmp "$f/in" "$f/in.out"
}

@test "csp-queue passes records byte for byte, with and without a final newline" {
	# Lines of 0 to 3000 bytes: shorter and longer than the 1000-byte queue.
	awk 'BEGIN { srand(7); for (i = 0; i < 400; i++) {
		n = int(rand() * 3000); s = ""; for (j = 0; j < n; j++) s = s "x"; print i s } }' > "$f/lines"
	for size in 1000 16M; do
		leakfree sh -c 'cat "$1" | csp-queue -m "$2" | cat > "$1.out"' sh "$f/lines" "$size"
		assert_success
		cmp "$f/lines" "$f/lines.out"
		head -c -1 "$f/lines" > "$f/open"              # the last record without its newline
		leakfree sh -c 'cat "$1" | csp-queue -m "$2" | cat > "$1.out"' sh "$f/open" "$size"
		assert_success
		cmp "$f/open" "$f/open.out"
	done
}

@test "csp-queue passes a single byte, a lone newline and nothing, as they came" {
	for s in 'a' '\n' 'a\nb' ''; do
		printf '%b' "$s" > "$f/in"
		for size in 1 16M; do
			leakfree sh -c 'cat "$1" | csp-queue -m "$2" | cat > "$1.out"' sh "$f/in" "$size"
			assert_success
			cmp "$f/in" "$f/in.out"
		done
	done
}

@test "csp-queue keeps the order of records through a queue that fills" {
	leakfree sh -c 'seq 200000 | csp-queue -m 4k | { sleep 0.2; cat; } > "$1"' sh "$f/out"
	assert_success
	seq 200000 | cmp - "$f/out"
}

@test "csp-queue -0 and -d cut records at their terminator" {
	leakfree sh -c "printf 'a\nb\0c\0d' | csp-queue -0 -m 2 | od -An -c | tr -d ' \n'"
	assert_output 'a\nb\0c\0d'
	leakfree sh -c "printf 'ab:cd:e' | csp-queue -d : -m 1 | od -An -c | tr -d ' \n'"
	assert_output 'ab:cd:e'
	# A terminator written as an escape: \t is a tab.
	leakfree sh -c "printf 'ab\tcd\tefghijk\tl' | csp-queue -d '\\t' -n 1 -m 5 | od -An -c | tr -d ' \n'"
	assert_output 'ab\tcd\tefghijk\tl'
}

@test "csp-queue reads a file and writes a file, -n included" {
	seq 100000 > "$f/in"
	leakfree sh -c 'csp-queue -n 3 < "$1" > "$1.out"' sh "$f/in"
	assert_success
	cmp "$f/in" "$f/in.out"
	leakfree sh -c 'csp-queue --bytes -m 10 < "$1" > "$1.out"' sh "$f/in"
	cmp "$f/in" "$f/in.out"
}

@test "csp-queue -n 5 takes no more than 5 records from upstream while the consumer stalls" {
	# Records of 100001 bytes: neither pipe around the queue holds a whole
	# one, so the producer's count is what the queue took, plus none.
	leakfree bash -c '
		cd "$1"
		rec=$(head -c 100000 /dev/zero | tr "\0" x)
		{ for i in $(seq 30); do printf "%s\n" "$rec"; echo "$i" > count; done; } |
			csp-queue -n 5 | { while [ ! -e go ]; do sleep 0.05; done; wc -l; } &
		for _ in $(seq 200); do [ "$(cat count 2>/dev/null)" = 5 ] && break; sleep 0.05; done
		sleep 0.5                       # room to overshoot, if the bound did not hold
		echo "taken: $(cat count)"
		touch go; wait
	' sh "$f"
	assert_success
	assert_output "$(printf 'taken: 5\n30')"
}

@test "csp-queue stops quietly when its reader goes away" {
	leakfree bash -c 'seq 10000000 | csp-queue | head -1; echo "queue: ${PIPESTATUS[1]}"'
	assert_success
	assert_output "$(printf '1\nqueue: 0')"
}

@test "csp-queue stops when its reader goes away, even while upstream is silent" {
	leakfree bash -c '
		{ echo a; sleep 3; touch "$1/late"; } |
			{ csp-queue; echo "queue: $? $([ -e "$1/late" ] && echo after || echo before)" > "$1/st"; } |
			head -1
		cat "$1/st"
	' sh "$f"
	assert_success
	assert_output "$(printf 'a\nqueue: 0 before')"
}

@test "csp-queue --done FD: closing it stops a queue that waits for upstream, exit 0" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)
		(sleep 2; echo late) | csp-queue --done 4; echo "queue: $?"
	'
	assert_success
	assert_output "queue: 0"
}

@test "csp-queue --done drops what it holds, and what went out is whole records" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)
		{ seq 300000; sleep 2; } | csp-queue --done 4 | { sleep 0.6; cat; } > "$1"
	' sh "$f/out"
	assert_success
	run wc -l < "$f/out"
	[ "$output" -lt 300000 ]
	[ ! -s "$f/out" ] || [ "$(tail -c 1 "$f/out" | od -An -c | tr -d ' ')" = '\n' ]
	head -n "$(wc -l < "$f/out")" <(seq 300000) | cmp - "$f/out"
}

@test "csp-queue on SIGTERM: exit 143, nothing left, whole records out" {
	leakfree bash -c '
		cd "$1"
		yes 0123456789 | { sh -c "echo \$\$ > qpid; exec csp-queue -m 1M"; echo "queue: $?" > st; } |
			cat > out &
		until [ -s qpid ] && [ -s out ]; do sleep 0.05; done     # running: data went through
		sleep 0.2; kill -TERM "$(cat qpid)"; wait; cat st
	' sh "$f"
	# bash may say "Terminated" of the group whose command died of SIGTERM: that is so.
	assert_line "queue: 143"
	[ -s "$f/out" ]
	[ "$(tail -c 1 "$f/out" | od -An -c | tr -d ' ')" = '\n' ]
	run grep -vxc 0123456789 "$f/out"
	assert_output 0
}

@test "csp-queue --bar draws the fill level and rates on stderr" {
	leakfree sh -c 'seq 1000 | csp-queue --bar 2>&1 >/dev/null'
	assert_success
	assert_output --regexp '^.*[0-9.]+[BKM]?/16\.0M \([0-9]+%\) in [0-9.]+[BKMG]?/s out [0-9.]+[BKMG]?/s'
}

@test "csp-queue: a bad option is a one-line usage error" {
	run csp-queue -m 0
	assert_failure 2
	assert_output "csp-queue: -m: invalid size: 0"
	run csp-queue -m 1x
	assert_failure 2
	assert_output "csp-queue: -m: invalid size: 1x"
	run csp-queue -n 0
	assert_failure 2
	assert_output "csp-queue: -n: invalid count: 0"
	run csp-queue -d ab
	assert_failure 2
	assert_output "csp-queue: -d: not one character: ab"
	run csp-queue --bytes -0
	assert_failure 2
	assert_output --partial "--bytes"
	run csp-queue --bytes -n 3
	assert_failure 2
	assert_output --partial "--bytes"
	run csp-queue extra
	assert_failure 2
	assert_output "csp-queue: unexpected argument: extra"
	run csp-queue --done 987
	assert_failure 2
	assert_output --partial "--done: 987"
	run csp-queue --bogus
	assert_failure 2
	assert_output --partial "usage: csp-queue"
}

@test "csp-queue --help and --version" {
	run csp-queue --help
	assert_success
	assert_output --partial "usage: csp-queue"
	run csp-queue --version
	assert_success
	assert_output --regexp "^csp-queue [0-9]+\.[0-9]+\.[0-9]+$"
}

@test "csp-queue cut short by SIGTERM while its ring wraps: the slow reader gets whole records" {
	# A 4 KiB queue of 1500-byte records, each written in two halves, goes
	# round its ring while the reader takes 999 bytes at a time; all that
	# reached the reader ends with a whole record.
	leakfree bash -c '
		cd "$1"
		awk "BEGIN { for (i = 0; i < 2000; i++) { printf \"%0749d\", i; fflush()
			if (i % 10 == 0) system(\"sleep 0.002\"); printf \"%0750d\n\", i; fflush() } }" |
			{ sh -c "echo \$\$ > qpid; exec csp-queue -m 4k"; echo "queue: $?" > st; } |
			{ while [ ! -e go ]; do head -c 999; sleep 0.001; done; cat; } > out &
		until [ -s qpid ] && [ -s out ]; do sleep 0.05; done
		sleep 0.3; kill -TERM "$(cat qpid)"
		until [ -s st ]; do sleep 0.05; done
		touch go; wait; cat st
	' sh "$f"
	# bash may say "Terminated" of the group whose command died of SIGTERM: that is so.
	assert_line "queue: 143"
	[ -s "$f/out" ]
	[ "$(tail -c 1 "$f/out" | od -An -c | tr -d ' ')" = '\n' ]
	run grep -vxEc '[0-9]{1499}' "$f/out"
	assert_output 0
}

@test "csp_queue holds no more than its -n records or its size at once, from a file or a pipe" {
	seq 100000 > "$f/in"                       # 3 records are at most 19 bytes
	nl=$'\n'
	leakfree sh -c '"$1" 1000000 3 "$3" < "$2" > "$2.out"' sh "$CSP_PROG/queue" "$f/in" "$nl"
	assert_success
	assert_output --regexp '^in 588895 out 588895 peak ([0-9]|1[0-9])$'
	cmp "$f/in" "$f/in.out"
	leakfree sh -c 'cat "$2" | "$1" 1000000 3 "$3" | cat > "$2.out"' sh "$CSP_PROG/queue" "$f/in" "$nl"
	assert_success
	assert_output --regexp '^in 588895 out 588895 peak ([0-9]|1[0-9])$'
	cmp "$f/in" "$f/in.out"
	leakfree sh -c 'cat "$2" | "$1" 100 0 bytes | cat > "$2.out"' sh "$CSP_PROG/queue" "$f/in"
	assert_success
	assert_output --regexp '^in 588895 out 588895 peak ([0-9]|[0-9][0-9]|100)$'
	cmp "$f/in" "$f/in.out"
}

@test "csp_queue: size 0, or records counted in raw bytes, is EINVAL" {
	run "$CSP_PROG/queue" 0 0 x < /dev/null
	assert_failure 1
	assert_output "errno EINVAL"
	run "$CSP_PROG/queue" 10 1 bytes < /dev/null
	assert_failure 1
	assert_output "errno EINVAL"
}

@test "csp-queue: a record that fits the pipe but not its free room waits for room, and leaves whole" {
	# 40000-byte records into a 64 KiB pipe read 999 bytes at a time: the
	# room is mostly smaller than a record, which must wait for it.
	leakfree bash -c '
		cd "$1"
		awk "BEGIN { for (i = 0; i < 200; i++) printf \"%039999d\n\", i }" |
			{ sh -c "echo \$\$ > qpid; exec csp-queue"; echo "queue: $?" > st; } |
			{ while [ ! -e go ]; do head -c 999; sleep 0.001; done; cat; } > out &
		until [ -s qpid ] && [ -s out ]; do sleep 0.05; done
		sleep 0.3; kill -TERM "$(cat qpid)"
		until [ -s st ]; do sleep 0.05; done
		touch go; wait; cat st
	' sh "$f"
	# bash may say "Terminated" of the group whose command died of SIGTERM: that is so.
	assert_line "queue: 143"
	[ "$(tail -c 1 "$f/out" | od -An -c | tr -d ' ')" = '\n' ]
	run awk 'length($0) != 39999 || /[^0-9]/ { n++ } END { print n + 0 }' "$f/out"
	assert_output 0
}

@test "csp-queue: a record waiting for room its stalled reader never makes looks less and less often" {
	# 40000-byte records into a 64 KiB pipe whose reader took 30000 bytes
	# and stopped: the third record waits for room that does not come.
	leakfree bash -c '
		cd "$1"
		switches() { awk "/ctxt_switches/ { n += \$2 } END { print n }" "/proc/$1/status"; }
		awk "BEGIN { for (i = 0; i < 20; i++) printf \"%039999d\n\", i }" |
			sh -c "echo \$\$ > qpid; exec csp-queue" |
			{ head -c 30000 > /dev/null; touch stalled
			  while [ ! -e go ]; do sleep 0.05; done; wc -c > got; } &
		until [ -e stalled ] && [ -s qpid ]; do sleep 0.05; done
		sleep 0.5
		w=$(cat qpid)
		for p in /proc/[0-9]*; do  # a guardian'"'"'s worker, if it has one, runs the loop
			[ "$(cut -d " " -f 4 "$p/stat" 2>/dev/null)" = "$(cat qpid)" ] && w=${p#/proc/}
		done
		a=$(switches "$w") && sleep 2 && b=$(switches "$w") || exit 1
		touch go; wait
		echo "wakeups $((b - a)) got $(cat got)"
	' sh "$f"
	assert_success
	# 1 ms, doubling to 50 ms: some 45 in 2 s, where a look every 1 ms made up to 2000.
	[[ $output =~ wakeups\ ([0-9]+)\ got\ 770000 ]]
	(( BASH_REMATCH[1] < 150 ))
}

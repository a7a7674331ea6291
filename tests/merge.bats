#!/usr/bin/env bats
# csp-merge: fan-in: records of many sources, whole, as they come; none starves.

load common

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

@test "csp-merge passes every record of files, stdin and commands exactly once" {
	seq 1 3 > a
	seq 4 6 > b
	leakfree sh -c 'seq 7 9 | csp-merge a - -c "seq 10 12" b | sort -n'
	assert_success
	assert_output "$(seq 12)"
}

@test "csp-merge --tag starts each record with its source as given and a tab" {
	echo one > a
	leakfree sh -c 'echo two | csp-merge --tag a - -c "echo three" | sort'
	assert_success
	assert_output "$(printf -- '-\ttwo\na\tone\necho three\tthree')"
}

@test "csp-merge keeps records longer than PIPE_BUF whole and unmixed" {
	cat > gen <<'EOF'
for i in 1 2 3 4 5; do head -c 100000 /dev/zero | tr '\0' "$1"; echo; done
EOF
	leakfree sh -c 'csp-merge -c "sh gen a" -c "sh gen b" -c "sh gen c" > out'
	assert_success
	run awk '!/^(a+|b+|c+)$/ || length($0) != 100000 { bad++ } END { print NR, bad + 0 }' out
	assert_output "15 0"
}

@test "csp-merge passes a 100 MB record whole beside another source" {
	leakfree sh -c 'csp-merge -c "head -c 100000000 /dev/zero | tr \"\\0\" x; echo" -c "seq 1000" | sort | cksum'
	assert_success
	want=$({ head -c 100000000 /dev/zero | tr '\0' x; echo; seq 1000; } | sort | cksum)
	assert_output "$want"
}

@test "csp-merge -0 merges NUL-terminated records, newlines inside them kept" {
	printf 'a\nb\0c\0' > n1
	printf 'd\0' > n2
	leakfree sh -c "csp-merge -0 n1 n2 | tr '\0' '\n' | sort"
	assert_success
	assert_output "$(printf 'a\nb\nc\nd' | sort)"
}

@test "csp-merge of empty sources prints nothing and succeeds" {
	: > empty
	leakfree csp-merge empty /dev/null -c true
	assert_success
	assert_output ""
}

@test "csp-merge ends a final record without its newline, so it joins no other" {
	printf 'a' > a
	printf 'b' > b
	leakfree sh -c 'csp-merge a b -c "printf c" > out; wc -c < out; sort out | tr "\n" ,'
	assert_success
	assert_output "$(printf '6\na,b,c,')"
}

@test "csp-merge: a command a signal ended passes its whole records, not a piece of one" {
	# Its last bytes have no terminator: a record cut short, dropped and named.
	printf 'x\n' > a
	leakfree sh -c 'csp-merge -c "printf \"whole\npie\"; kill -9 \$\$" a 2> err | sort; cat err'
	assert_success
	assert_output "$(printf 'whole\nx\ncsp-merge: printf "whole\\\\npie"; kill -9 $$: exit status 137; its cut-off last 3 bytes dropped')"
	# The same with --tag: no tag with a piece after it either.
	leakfree sh -c 'csp-merge --tag -c "printf \"whole\npie\"; kill -9 \$\$" 2> /dev/null'
	assert_failure 1
	assert_output "$(printf 'printf "whole\\npie"; kill -9 $$\twhole')"
}

@test "csp-merge reads a FIFO without waiting for its writer before the others" {
	mkfifo f
	leakfree sh -c '(sleep 0.3; echo late > f) & csp-merge f -c "echo early"; wait'
	assert_success
	assert_output "$(printf 'early\nlate')"
}

@test "csp-merge: a FIFO no writer ever opens fails, named, after 10 s; the rest get through" {
	mkfifo f
	echo other > a
	# It hung for ever before: timeout(1) turns that into a failure (124).
	leakfree timeout 60 csp-merge f a
	assert_failure 1
	assert_line --index 0 "other"
	assert_line --index 1 "csp-merge: f: no writer came within 10s"
	[ "${#lines[@]}" -eq 2 ]
}

@test "csp-merge: a FIFO whose writer is there but silent is waited for" {
	mkfifo f
	# The writer holds f open 11 s (past the bound) before it writes.
	leakfree sh -c '(exec 3> f; sleep 11; echo late >&3) & csp-merge f; wait'
	assert_success
	assert_output "late"
}

@test "csp-merge: nothing lost, 1000000 lines across 4 sources" {
	seq 1 250000 > a
	seq 250001 500000 > b
	leakfree sh -c 'seq 500001 750000 | csp-merge a b - -c "seq 750001 1000000" | sort | cksum'
	assert_success
	assert_output "$(seq 1000000 | sort | cksum)"
}

@test "csp-merge is fair: two endless sources each get a good share" {
	mkfifo gate
	# Both wait at the gate, so neither gets a head start; 100-byte records.
	leakfree sh -c '
		l=$(printf %0100d 0)
		csp-merge --tag -c "read x < gate; exec yes a$l" -c "read x < gate; exec yes b$l" |
			head -n 10000 | cut -f 1 | sed "s/.* yes \(.\).*/\1/" | sort | uniq -c > counts &
		sleep 0.3; printf "\n\n" > gate; wait
		awk "{ print \$2, \$1 }" counts'
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	for l in "${lines[@]}"; do
		[ "${l#* }" -gt 3000 ] || { echo "unfair: ${lines[*]}"; return 1; }
	done
}

@test "csp-merge --done FD: closing it stops the merge: 0, nothing left" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)
		csp-merge --done 4 -c yes -c "sleep 100" > /dev/null; echo "merge: $?"'
	assert_success
	assert_output "merge: 0"
}

@test "csp-merge --done FIFO: its writer going away stops the merge: 0, nothing left" {
	mkfifo donefifo
	leakfree bash -c '
		(csp-merge --done donefifo -c yes -c "sleep 100" > /dev/null; echo "merge: $?") &
		exec 5> donefifo
		sleep 0.3; exec 5>&-; wait'
	assert_success
	assert_output "merge: 0"
}

@test "csp-merge stops quietly when stdout's reader goes away, its commands too" {
	leakfree bash -c 'csp-merge -c yes -c yes | head -1; echo "merge: ${PIPESTATUS[0]}"'
	assert_success
	assert_output "$(printf 'y\nmerge: 0')"
}

@test "csp-merge is cancelled by SIGTERM mid-stream: 143, its commands reaped" {
	leakfree bash -c '
		csp-merge -c yes -c "sleep 100" > /dev/null & m=$!
		sleep 0.3; kill -TERM $m; wait $m; echo "merge: $?"'
	assert_success
	assert_output "merge: 143"
}

@test "csp-merge: a command source that fails is named, the others go on, status 1" {
	leakfree sh -c 'csp-merge -c "seq 3; exit 1" -c "sleep 0.3; seq 10 12" 2> err | sort -n; cat err'
	assert_success
	assert_output "$(printf '1\n2\n3\n10\n11\n12\ncsp-merge: seq 3; exit 1: exit status 1')"
	run csp-merge -c "exit 3" -c true
	assert_failure 1
}

@test "csp-merge: a missing file is named on one line, the rest merged, status 1" {
	echo here > a
	leakfree csp-merge nosuch a
	assert_failure 1
	assert_output "$(printf 'csp-merge: nosuch: No such file or directory\nhere')"
}

@test "csp-merge: bad usage is status 2 with one clear line" {
	run csp-merge --bogus a
	assert_failure 2
	assert_line --index 0 --partial "unrecognized option"
	run csp-merge
	assert_failure 2
	assert_output "csp-merge: no source: name a file, - or -c command"
	run csp-merge - -
	assert_failure 2
	assert_output "csp-merge: -: standard input named twice"
	run csp-merge --done 987 -c true
	assert_failure 2
	assert_output --partial "--done: 987"
}

@test "csp-merge --help and --version" {
	run csp-merge --help
	assert_success
	assert_output --partial "usage: csp-merge"
	run csp-merge --version
	assert_success
	assert_output --regexp "^csp-merge [0-9]+\.[0-9]+\.[0-9]+$"
}

@test "csp-merge -c reaps what its commands left behind as it goes, not only at its end" {
	# The first command leaves a child that ends soon after; the second runs
	# on. The orphan comes to csp-merge, which must not keep it a zombie.
	leakfree bash -c '
		. "$1"
		csp-merge -c "sh -c \"echo \\\$\\\$ > esc; exec sleep 0.2\" & echo left" \
			-c "while [ ! -e stop ]; do sleep 0.05; done; echo late" > out 3>&- &
		reaped esc; touch stop; wait $!; echo "merge: $?"
	' sh "$BATS_TEST_DIRNAME/helpers/reaped.bash"
	assert_success
	assert_line "escaper: reaped"
	assert_line "merge: 0"
	run sort out
	assert_output "$(printf 'late\nleft')"
}

@test "csp-merge --tag cancelled mid-output: no tag is left without its record" {
	# Sized so that the output buffer (128 KiB) is full just after the second tag: the
	# flush the second record forces must not fall between tag and record. The reader
	# takes 64 KiB and stops, so the next flush waits on a full pipe when SIGTERM comes.
	printf '%s\n' 'head -c 131057 /dev/zero | tr "\0" a; printf "\nB\n"; exec sleep 7321' > gen
	mkfifo o
	leakfree bash -c '
		{ dd bs=65536 count=1 iflag=fullblock of=got 2> /dev/null
		  until [ -e go ]; do sleep 0.05; done; cat >> got; } < o 3>&- & r=$!
		csp-merge --tag -c "sh gen" > o 3>&- & m=$!
		until [ -e got ] && [ "$(wc -c < got)" -ge 65536 ]; do sleep 0.05; done
		sleep 0.3; kill -TERM $m; wait $m; echo "merge: $?"; touch go; wait $r
		tail -c 1 got | od -An -c; grep -vc "^sh gen	\(a\+\|B\)$" got
	'
	assert_failure 1  # grep -c found no line that is not a whole tagged record
	assert_output "$(printf 'merge: 143\n  \\n\n0')"
}

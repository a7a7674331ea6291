#!/usr/bin/env bats
# csp-bridge: a stream of streams, drained in order, as one stream.

load common

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

@test "csp-bridge passes the named files whole, one after the other, in order" {
	seq 1 3 > a
	seq 4 6 > b
	printf 'x\n' > c
	leakfree sh -c 'printf "a\nb\nc\na\n" | csp-bridge'
	assert_success
	assert_output "$(seq 6; echo x; seq 3)"
}

@test "csp-bridge takes a name - as a file called -, not its own input" {
	echo dash > ./-
	leakfree sh -c 'printf -- "-\n" | csp-bridge'
	assert_success
	assert_output "dash"
}

@test "csp-bridge -c runs each record as a command and passes its output in order" {
	leakfree sh -c 'printf "seq 2\necho x\nseq 3 4\n" | csp-bridge -c'
	assert_success
	assert_output "$(printf '1\n2\nx\n3\n4')"
}

@test "csp-bridge -j keeps input order while later streams finish first" {
	leakfree sh -c 'printf "sleep 0.4; echo 1\nsleep 0.2; echo 2\necho 3\n" | csp-bridge -c -j 3'
	assert_success
	assert_output "$(seq 3)"
}

@test "csp-bridge -j 2 runs the next stream while the first still runs" {
	mkfifo f
	# The first stream waits for what only the second one writes: without
	# read-ahead this would never end.
	leakfree sh -c 'printf "read x < f; echo got \$x\necho two > f; echo two\n" | csp-bridge -c -j 2'
	assert_success
	assert_output "$(printf 'got two\ntwo')"
}

@test "csp-bridge: a command killed by a signal passes its whole records, not a piece of one" {
	# Its last bytes have no terminator: a record cut short, not one to finish with a newline.
	printf '%s\n' 'printf "whole\npie"; kill -9 $$' 'echo next' > names
	leakfree sh -c 'csp-bridge -c < names'
	assert_failure 1
	# The name is quoted in the message: its backslash shows as \\.
	assert_output "$(printf 'whole\ncsp-bridge: printf "whole\\\\npie"; kill -9 $$: exit status 137; its cut-off last 3 bytes dropped\nnext')"
}

@test "csp-bridge: a FIFO no writer opens fails in its turn, named, after 10 s; the next goes on" {
	mkfifo f
	echo one > a
	echo three > c
	# It hung for ever before: timeout(1) turns that into a failure (124).
	leakfree sh -c 'printf "a\nf\nc\n" | timeout 60 csp-bridge'
	assert_failure 1
	assert_output "$(printf 'one\ncsp-bridge: f: no writer came within 10s\nthree')"
}

@test "csp-bridge: a FIFO's 10 s for a writer count from its turn, not from its opening ahead" {
	mkfifo f g
	# f's writer writes 11 s in; g's comes after that: the bound starts with g's turn.
	leakfree sh -c '(exec 3> f; echo first >&3; sleep 11; echo end >&3) &
		(sleep 12; echo second > g) &
		printf "f\ng\n" | csp-bridge; wait'
	assert_success
	assert_output "$(printf 'first\nend\nsecond')"
}

@test "csp-bridge bounds what it reads ahead: a stream ahead waits its turn" {
	# 7 MB of output cannot all be buffered ahead (1 MiB and a pipe), so
	# the second command is still blocked when the first looks.
	leakfree sh -c 'printf "%s\n" "sleep 0.5; test -e over && echo unbounded || echo bounded" \
		"seq 1000000; touch over" | csp-bridge -c -j 2 | head -n 2'
	assert_success
	assert_output "$(printf 'bounded\n1')"
}

@test "csp-bridge keeps records longer than PIPE_BUF whole, in order" {
	for i in 1 2 3; do head -c 100000 /dev/zero | tr '\0' "$i" > "s$i"; echo >> "s$i"; done
	leakfree sh -c 'printf "s1\ns2\ns3\n" | csp-bridge -j 2 | cksum'
	assert_success
	assert_output "$(cat s1 s2 s3 | cksum)"
}

@test "csp-bridge passes a 100 MB record whole" {
	leakfree sh -c 'printf "%s\n" "head -c 100000000 /dev/zero | tr \"\\0\" x; echo" "echo next" |
		csp-bridge -c | cksum'
	assert_success
	want=$({ head -c 100000000 /dev/zero | tr '\0' x; echo; echo next; } | cksum)
	assert_output "$want"
}

@test "csp-bridge -0 takes NUL-terminated names and passes NUL-terminated records" {
	printf 'a\nb\0c\0' > 'one
name'
	printf 'd\0' > two
	leakfree sh -c "printf 'one\nname\0two\0' | csp-bridge -0 | tr '\0' '|'"
	assert_success
	assert_output "$(printf 'a\nb|c|d|')"
}

@test "csp-bridge of no names, or of empty streams, prints nothing and succeeds" {
	leakfree csp-bridge < /dev/null
	assert_success
	assert_output ""
	: > empty
	leakfree sh -c 'printf "empty\n/dev/null\n" | csp-bridge'
	assert_success
	assert_output ""
}

@test "csp-bridge ends a stream's last record without newline, so it joins no other" {
	printf 'a' > a
	printf 'b' > b
	leakfree sh -c 'printf "a\nb" | csp-bridge | od -An -c | tr -d " "'
	assert_success
	assert_output 'a\nb\n'
}

@test "csp-bridge: nothing lost, 1000000 lines across 4 streams, in order" {
	seq 1 250000 > a
	seq 250001 500000 > b
	seq 500001 750000 > c
	seq 750001 1000000 > d
	leakfree sh -c 'printf "a\nb\nc\nd\n" | csp-bridge | cksum'
	assert_success
	assert_output "$(seq 1000000 | cksum)"
	leakfree sh -c 'printf "a\nb\nc\nd\n" | csp-bridge -j 4 | cksum'
	assert_output "$(seq 1000000 | cksum)"
}

@test "csp-bridge --done FD: closing it stops the bridge: 0, nothing left" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)
		printf "yes\nsleep 100\n" | csp-bridge -c -j 2 --done 4 > /dev/null; echo "bridge: $?"'
	assert_success
	assert_output "bridge: 0"
}

@test "csp-bridge --done FIFO: its writer going away stops the bridge: 0, nothing left" {
	mkfifo donefifo
	leakfree bash -c '
		(printf "sleep 100\nyes\n" | csp-bridge -c -j 2 --done donefifo > /dev/null; echo "bridge: $?") &
		exec 5> donefifo
		sleep 0.3; exec 5>&-; wait'
	assert_success
	assert_output "bridge: 0"
}

@test "csp-bridge stops quietly when stdout's reader goes away, its commands too" {
	leakfree bash -c 'yes yes | csp-bridge -c -j 4 | head -1; echo "bridge: ${PIPESTATUS[1]}"'
	assert_success
	assert_output "$(printf 'y\nbridge: 0')"
}

@test "csp-bridge is cancelled by SIGTERM mid-stream: 143, its commands reaped" {
	leakfree bash -c '
		printf "yes\nsleep 100\n" | csp-bridge -c -j 2 > /dev/null & b=$!
		sleep 0.3; kill -TERM $b; wait $b; echo "bridge: $?"'
	assert_success
	assert_output "bridge: 143"
}

@test "csp-bridge: a stream whose command fails is named in its turn, the rest go on, status 1" {
	leakfree sh -c 'printf "seq 2\nseq 3 4; exit 1\nseq 5 6\n" | csp-bridge -c -j 3'
	assert_failure 1
	assert_output "$(printf '1\n2\n3\n4\ncsp-bridge: seq 3 4; exit 1: exit status 1\n5\n6')"
}

@test "csp-bridge: a missing file is named in its turn, the rest go on, status 1" {
	echo here > a
	leakfree sh -c 'printf "a\nnosuch\na\n" | csp-bridge'
	assert_failure 1
	assert_output "$(printf 'here\ncsp-bridge: nosuch: No such file or directory\nhere')"
}

@test "csp-bridge: bad usage is status 2 with one clear line" {
	for j in 0 -1 x 1025; do
		run csp-bridge -j "$j"
		assert_failure 2
		assert_output "csp-bridge: -j: invalid: $j (from 1 to 1024)"
	done
	run csp-bridge --bogus
	assert_failure 2
	assert_line --index 0 --partial "unrecognized option"
	run csp-bridge names.txt
	assert_failure 2
	assert_output --partial "usage: csp-bridge"
	run csp-bridge --done 987
	assert_failure 2
	assert_output --partial "--done: 987"
}

@test "csp-bridge --help and --version" {
	run csp-bridge --help
	assert_success
	assert_output --partial "usage: csp-bridge"
	run csp-bridge --version
	assert_success
	assert_output --regexp "^csp-bridge [0-9]+\.[0-9]+\.[0-9]+$"
}

@test "csp-bridge -c reaps what its commands left behind as it goes, not only at its end" {
	# The first stream's command leaves a child that ends soon after; the
	# second stream runs on. The orphan comes to csp-bridge, which must not
	# keep it a zombie.
	leakfree bash -c '
		. "$1"
		printf "%s\n" "(sh -c \"echo \\\$\\\$ > esc; exec sleep 0.2\" &); echo left" \
			"while [ ! -e stop ]; do sleep 0.05; done; echo late" | csp-bridge -c > out 3>&- &
		reaped esc; touch stop; wait $!; echo "bridge: $?"
	' sh "$BATS_TEST_DIRNAME/helpers/reaped.bash"
	assert_success
	assert_line "escaper: reaped"
	assert_line "bridge: 0"
	run cat out
	assert_output "$(printf 'left\nlate')"
}

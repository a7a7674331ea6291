#!/usr/bin/env bats
# csp-tee: every record to every command, in lockstep; their outputs merged whole.

load common

@test "csp-tee gives every command the whole input: two wc -l count 5 each" {
	leakfree sh -c 'seq 5 | csp-tee -c "wc -l" -c "wc -l"'
	assert_success
	assert_output "$(printf '5\n5')"
}

@test "both commands see every record, byte for byte" {
	d=$BATS_TEST_TMPDIR
	leakfree sh -c 'seq 200000 | csp-tee -c "cat > $1/a" -c "cat > $1/b"' sh "$d"
	assert_success
	assert_output ""
	seq 200000 > "$d/want"
	cmp "$d/want" "$d/a"
	cmp "$d/want" "$d/b"
}

@test "nothing is lost or doubled: each of a million lines comes out exactly twice" {
	leakfree sh -c 'seq 1000000 | csp-tee -c cat -c cat | sort | cksum'
	assert_success
	assert_output "$(seq 1000000 | awk '{ print; print }' | sort | cksum)"
}

@test "records longer than PIPE_BUF reach every command whole and come out whole" {
	# Per output line: its length, its first byte, and whether every byte is that one.
	count='{ c = substr($0, 1, 1); s = $0; print length($0), c, (gsub(c, "", s) == length($0)) }'
	leakfree sh -c 'for c in a b c d e f g h; do head -c 100000 /dev/zero | tr "\0" $c; echo; done |
		csp-tee -c cat -c cat -c cat | awk "$1" | sort | uniq -c' sh "$count"
	assert_success
	[ "${#lines[@]}" -eq 8 ]
	for line in "${lines[@]}"; do
		[[ $line =~ ^\ *3\ 100000\ [a-h]\ 1$ ]] || { echo "bad: $line"; false; }
	done
}

@test "a 100 MB record reaches every command whole" {
	leakfree sh -c '{ head -c 100000000 /dev/zero | tr "\0" x; echo; } | csp-tee -c cksum -c cksum'
	assert_success
	want=$({ head -c 100000000 /dev/zero | tr '\0' x; echo; } | cksum)
	assert_output "$(printf '%s\n%s' "$want" "$want")"
}

@test "a 100 MB output record comes out whole, never interleaved with the other's" {
	# Squeezed, a whole record is one letter; bytes interleaved from both would show xy.
	big='{ head -c 100000000 /dev/zero | tr "\0" x; echo; }'
	leakfree sh -c "$big"' | csp-tee -c cat -c "tr x y" | tr -s xy | sort'
	assert_success
	assert_output "$(printf 'x\ny')"
	leakfree sh -c "$big"' | csp-tee -c cat -c "tr x y" | wc -c'
	assert_output 200000002
}

@test "csp-tee -0 splits the commands' output at NULs, not newlines" {
	leakfree sh -c "printf 'a\nb\0c\0' | csp-tee -0 --tag -c cat | tr '\0' '|'"
	assert_success
	assert_output "$(printf 'cat\ta\nb|cat\tc|')"
}

@test "csp-tee --tag prefixes each output record with its command and a tab" {
	leakfree sh -c 'seq 3 | csp-tee --tag -c cat -c "sed s/^/x/" | sort'
	assert_success
	assert_output "$(printf 'cat\t1\ncat\t2\ncat\t3\nsed s/^/x/\tx1\nsed s/^/x/\tx2\nsed s/^/x/\tx3')"
}

@test "csp-tee --tag cancelled mid-output: no tag is left without its record" {
	# Sized so that the output buffer (128 KiB) is full just after the second tag: the
	# flush the second record forces must not fall between tag and record. The reader
	# takes 64 KiB and stops, so the next flush waits on a full pipe when SIGTERM comes.
	cd "$BATS_TEST_TMPDIR" || return 1
	printf '%s\n' 'head -c 131057 /dev/zero | tr "\0" a; printf "\nB\n"; exec sleep 7319' > gen
	mkfifo o
	leakfree bash -c '
		{ dd bs=65536 count=1 iflag=fullblock of=got 2> /dev/null
		  until [ -e go ]; do sleep 0.05; done; cat >> got; } < o 3>&- & r=$!
		csp-tee --tag -c "sh gen" < /dev/null > o 3>&- & tee=$!
		until [ -e got ] && [ "$(wc -c < got)" -ge 65536 ]; do sleep 0.05; done
		sleep 0.3; kill -TERM $tee; wait $tee; echo "tee: $?"; touch go; wait $r
		tail -c 1 got | od -An -c; grep -vc "^sh gen	\(a\+\|B\)$" got
	'
	assert_failure 1  # grep -c found no line that is not a whole tagged record
	assert_output "$(printf 'tee: 143\n  \\n\n0')"
}

@test "csp-tee on empty input runs the commands on empty input" {
	leakfree sh -c 'csp-tee -c "wc -l" -c cat < /dev/null'
	assert_success
	assert_output "0"
}

@test "a final record without its newline goes to the commands as it came, and comes out terminated" {
	leakfree sh -c "printf 'a\nb' | csp-tee -c 'od -An -c | tr -d \" \"' -c cat | sort"
	assert_success
	assert_output "$(printf 'a\na\\nb\nb')"
}

@test "lockstep: with a slow command csp-tee's memory stays bounded while 200 MB pass" {
	# The slow one reports csp-tee's peak resident memory once all input went through.
	leakfree sh -c 'yes abcdefghij | head -c 200000000 |
		csp-tee -c "cat >/dev/null" -c "sleep 0.2; cat >/dev/null; grep VmHWM /proc/\$PPID/status"'
	assert_success
	[[ $output =~ ^VmHWM:[[:space:]]*([0-9]+)\ kB$ ]]
	echo "peak: ${BASH_REMATCH[1]} kB"
	[ "${BASH_REMATCH[1]}" -lt 32768 ]
}

@test "a command that exits early is dropped; the others still get everything" {
	leakfree sh -c 'seq 1000000 | csp-tee -c "head -1" -c "wc -l" | sort -n'
	assert_success
	assert_output "$(printf '1\n1000000')"
}

@test "when every command has stopped taking input, csp-tee stops reading it" {
	leakfree sh -c 'yes | csp-tee -c "head -2"'
	assert_success
	assert_output "$(printf 'y\ny')"
}

@test "csp-tee --strict: a command that exits early stops the others and fails, naming it" {
	leakfree sh -c 'seq 1000000 | csp-tee --strict -c "head -1" -c "wc -l"'
	assert_failure 1
	assert_line "csp-tee: head -1: stopped taking input early; the others were stopped"
	refute_line "1000000"
}

@test "a command that fails makes csp-tee fail, naming it; the others finish" {
	leakfree sh -c 'seq 100 | csp-tee -c "cat >/dev/null; exit 3" -c "wc -l"'
	assert_failure 1
	assert_line "100"
	assert_line "csp-tee: cat >/dev/null; exit 3: exited with status 3"
}

@test "a command's output is drained while it is fed, so a big writer does not deadlock" {
	# Each record becomes ten thousand bytes: far more output than any pipe holds.
	leakfree sh -c 'seq 2000 | csp-tee -c "awk '"'"'{ printf \"%10000s\\n\", \$0 }'"'"'" -c "wc -l" | wc -l'
	assert_success
	assert_output "2001"
}

@test "csp-tee --done FD: closing it stops csp-tee and its commands, exit 0" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)                 # EOF on fd 4 in 0.3 s
		yes | csp-tee --done 4 -c "cat >/dev/null" -c "wc -l"; echo "tee: $?"
	'
	assert_success
	assert_output "tee: 0"
}

@test "csp-tee --done FIFO: closing the FIFO's writer stops it" {
	mkfifo "$BATS_TEST_TMPDIR/done"
	leakfree bash -c '
		exec 5<> "$1"                         # a writer, so the FIFO is not hung up yet
		(exec 5>&-; yes | csp-tee --done "$1" -c "cat >/dev/null" -c "sleep 100"; echo "tee: $?") &
		sleep 0.3; exec 5>&-; wait
	' sh "$BATS_TEST_TMPDIR/done"
	assert_success
	assert_output "tee: 0"
}

@test "csp-tee stops quietly when stdout's reader goes away" {
	leakfree bash -c 'seq 1000000 | csp-tee -c cat -c cat | head -1; echo "tee: ${PIPESTATUS[1]}"'
	assert_success
	assert_output "$(printf '1\ntee: 0')"
}

@test "csp-tee is cancelled by SIGTERM mid-stream: 143, its commands stopped" {
	leakfree bash -c '
		yes | csp-tee -c cat -c "cat >/dev/null" > /dev/null 3>&- & tee=$!
		sleep 0.3; kill -TERM $tee; wait $tee; echo "tee: $?"
	'
	assert_success
	assert_output "tee: 143"
}

@test "csp-tee: no command, a stray argument or a bad option is a usage error" {
	run csp-tee
	assert_failure 2
	assert_output "csp-tee: -c: at least one command is needed"
	run csp-tee -c cat extra
	assert_failure 2
	assert_output --partial "unexpected argument: extra"
	run csp-tee -c
	assert_failure 2
	assert_output --partial "usage: csp-tee"
	run csp-tee --bogus -c cat
	assert_failure 2
	run csp-tee --done 987 -c cat
	assert_failure 2
	assert_output --partial "--done: 987"
}

@test "csp-tee --help and --version" {
	run csp-tee --help
	assert_success
	assert_output --partial "usage: csp-tee"
	run csp-tee --version
	assert_success
	assert_output --regexp "^csp-tee [0-9]+\.[0-9]+\.[0-9]+$"
}

@test "csp-tee reaps what its commands left behind as it goes, not only at its end" {
	# The first command leaves a child that ends soon after, and reads on.
	# The orphan comes to csp-tee, which must not keep it a zombie.
	cd "$BATS_TEST_TMPDIR"
	leakfree bash -c '
		. "$1"
		{ until [ -e stop ]; do sleep 0.05; done; echo x; } |
			csp-tee -c "(sh -c \"echo \\\$\\\$ > esc; exec sleep 0.2\" &); cat" -c cat > out 3>&- &
		reaped esc; touch stop; wait $!; echo "tee: $?"
	' sh "$BATS_TEST_DIRNAME/helpers/reaped.bash"
	assert_success
	assert_line "escaper: reaped"
	assert_line "tee: 0"
	run cat out
	assert_output "$(printf 'x\nx')"
}

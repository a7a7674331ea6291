#!/usr/bin/env bats
# csp-fanout: a command per record, N at once, outputs whole; cancellation leaves nothing.

load common

# GNU parallel on the same input, each word quoted as our exec passes it (-q).
par() {
	parallel --will-cite -q "$@"
}

need_parallel() {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
}

# A shell function for the scripts below: wait until the file $1 exists.
WAIT_FOR='wait_for() { i=0; while [ ! -e "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done; }'

# ---- records in, one job each ----

@test "csp-fanout runs the command once per record, the record appended as xargs does" {
	leakfree sh -c 'seq 5 | csp-fanout -k echo x'
	assert_success
	assert_output "$(printf 'x 1\nx 2\nx 3\nx 4\nx 5')"
}

@test "csp-fanout runs every record even when the jobs outnumber the slots" {
	leakfree sh -c 'seq 200 | csp-fanout -j3 echo | sort -n'
	assert_success
	assert_output "$(seq 200)"
}

@test "replacement strings expand as GNU parallel's do" {
	need_parallel
	set -- "a/b.c" "d.e/f" "/" "a/" "/a" ".x" "dir/.hidden" "a..b" "x.y/" "a//b" \
		"./a.b" "a.b." "..." "plain" "with space.txt" "q'uote"
	leakfree csp-fanout -k -j1 echo "[{}]" "[{.}]" "[{/}]" "[{//}]" "[{/.}]" "{#}" "{%}" ::: "$@"
	assert_success
	want=$(par -k -j1 echo "[{}]" "[{.}]" "[{/}]" "[{//}]" "[{/.}]" "{#}" "{%}" ::: "$@")
	assert_output "$want"
}

@test "a replacement string inside a word, twice, and a brace that is none" {
	leakfree csp-fanout echo 'x{}y{}z' '{foo}' ::: Q
	assert_success
	assert_output "xQyQz {foo}"
}

@test "{%} is a slot from 1 to -j and no two running jobs share one" {
	leakfree sh -c 'seq 40 | csp-fanout -j3 echo {%} | sort -u'
	assert_success
	assert_output "$(printf '1\n2\n3')"
}

@test "records come from ::: and from -a FILE as from stdin" {
	seq 3 > "$BATS_TEST_TMPDIR/in"
	leakfree csp-fanout -k echo r ::: 1 2 3
	assert_output "$(printf 'r 1\nr 2\nr 3')"
	leakfree csp-fanout -k -a "$BATS_TEST_TMPDIR/in" echo r
	assert_output "$(printf 'r 1\nr 2\nr 3')"
}

@test "--arg-sep: another separator, so ::: can be an argument" {
	leakfree csp-fanout --arg-sep ,, -k echo ::: ,, a b
	assert_success
	assert_output "$(printf '::: a\n::: b')"
}

@test "the command is executed directly: a record is one argument, never shell code" {
	leakfree csp-fanout echo ::: '$(echo injected); echo x'
	assert_success
	assert_output '$(echo injected); echo x'
}

# Records that are code if a shell reads them as such: each would create a file.
NASTY=('$(touch "$D/dollar")' '`touch "$D/tick"`' 'a; touch "$D/semi"' "q'u\"o'; touch \"\$D/quote\"" \
	'sp  ace' $'new\nline; touch "$D/nl"' '' '| touch "$D/pipe"' '& touch "$D/amp"' '> "$D/redir"')

@test "{} in a shell's -c script reaches the shell as data, never as code" {
	D=$BATS_TEST_TMPDIR/d
	mkdir "$D"
	export D
	for sh in sh bash dash /bin/sh "sh -e" "bash -o pipefail" "bash --norc"; do
		# shellcheck disable=SC2086 # the shell and its options
		leakfree csp-fanout -k -j2 $sh -c 'printf "[%s]\n" {}' ::: "${NASTY[@]}"
		assert_success
		assert_output "$(printf '[%s]\n' "${NASTY[@]}")"
	done
	leakfree csp-fanout -k sh -c 'printf "<%s>" {} {.} {/}; echo' ::: "a b/c'd.e"
	assert_output "<a b/c'd.e><a b/c'd><c'd.e>"
	# no script: each record is one, on purpose
	leakfree csp-fanout -k sh -c ::: 'echo "$((6 * 7))"' 'echo x; echo y'
	assert_output "$(printf '42\nx\ny')"
	run ls -A "$D"
	assert_output ""
}

@test "one word of shell syntax runs through /bin/sh, each value quoted; several words run directly" {
	D=$BATS_TEST_TMPDIR/d
	mkdir "$D"
	export D
	leakfree csp-fanout -k 'printf "[%s]\n" {} | cat' ::: "${NASTY[@]}"
	assert_success
	assert_output "$(printf '[%s]\n' "${NASTY[@]}")"
	# no place for it: the record is appended to the script, quoted
	leakfree csp-fanout -k 'printf "[%s]\n"' ::: "${NASTY[@]}"
	assert_output "$(printf '[%s]\n' "${NASTY[@]}")"
	leakfree csp-fanout -k printf '[%s]\n' '$HOME;' ::: "${NASTY[@]}"
	assert_output "$(for r in "${NASTY[@]}"; do printf '[$HOME;]\n[%s]\n' "$r"; done)"
	run ls -A "$D"
	assert_output ""
}

@test "-0 reads NUL-terminated records" {
	leakfree sh -c "printf 'a b\0c\nd\0' | csp-fanout -0 -k echo '[{}]'"
	assert_success
	assert_output "$(printf '[a b]\n[c\nd]')"
}

@test "a final record without its newline is a record" {
	leakfree sh -c "printf 'x\ny' | csp-fanout -k echo"
	assert_output "$(printf 'x\ny')"
}

@test "jobs read an empty stdin, not csp-fanout's input" {
	leakfree sh -c 'seq 3 | csp-fanout -k sh -c "cat; echo \$0"'
	assert_success
	assert_output "$(seq 3)"
}

# ---- output: whole jobs, order, tags, lines ----

@test "without -k each job's output is written whole, never interleaved" {
	leakfree sh -c 'seq 30 | csp-fanout -j6 sh -c "echo a\$0; sleep 0.0\$((\$0 % 4)); echo b\$0; echo c\$0"'
	assert_success
	[ "${#lines[@]}" -eq 90 ]
	for ((i = 0; i < 90; i += 3)); do
		n=${lines[i]#a}
		# one test a line: a && list whose first test fails would not fail the test
		[ "${lines[i+1]}" = "b$n" ]
		[ "${lines[i+2]}" = "c$n" ]
	done
}

@test "-k keeps input order, as parallel -k does" {
	need_parallel
	leakfree sh -c 'seq 30 | csp-fanout -k -j6 sh -c "sleep 0.0\$((\$0 % 5)); echo \$0; echo \$0-2"'
	assert_success
	want=$(seq 30 | par -k -j6 sh -c 'sleep 0.0$(($0 % 5)); echo $0; echo $0-2')
	assert_output "$want"
}

@test "-k starts no more jobs while 1024 ended ones wait for an earlier one" {
	# Job 1 waits until the others stop starting, then says how many started.
	leakfree sh -c 'seq 3000 | csp-fanout -k -j4 sh -c "
		echo \$1 >> \"\$2\"
		if [ \$1 = 1 ]; then
			n=0; i=0
			while [ \$i -lt 100 ]; do
				sleep 0.1; m=\$(wc -l < \"\$2\"); i=\$((i + 1))
				[ \$m -eq \$n ] && [ \$m -gt 1 ] && break; n=\$m
			done
			echo started \$n
		fi" sh {} "$1/log" | head -1' sh "$BATS_TEST_TMPDIR"
	assert_success
	[ "${output#started }" -le $((1024 + 4)) ]
	[ "${output#started }" -ge 1000 ]
}

@test "a job's output is passed on unchanged: no newline added, NULs kept, as parallel" {
	need_parallel
	for mode in -k "-k --lb" "-k --tag" "-k --lb --tag" "-j1" "-j1 --tag" "-j1 --lb"; do
		# shellcheck disable=SC2086 # the mode is a list of options
		csp-fanout $mode printf '%s\0' ::: a "b c" > "$BATS_TEST_TMPDIR/ours"
		# shellcheck disable=SC2086
		par $mode printf '%s\0' ::: a "b c" > "$BATS_TEST_TMPDIR/theirs"
		cmp "$BATS_TEST_TMPDIR/ours" "$BATS_TEST_TMPDIR/theirs"
		# shellcheck disable=SC2086
		csp-fanout $mode printf 'x\n%s' ::: a "b c" > "$BATS_TEST_TMPDIR/ours"
		# shellcheck disable=SC2086
		par $mode printf 'x\n%s' ::: a "b c" > "$BATS_TEST_TMPDIR/theirs"
		cmp "$BATS_TEST_TMPDIR/ours" "$BATS_TEST_TMPDIR/theirs"
	done
	leakfree sh -c 'seq 1000 | tr "\n" "\0" | csp-fanout -0 -k printf "%s\0" | cksum'
	assert_output "$(seq 1000 | tr '\n' '\0' | cksum)"
}

@test "stderr of each job is captured whole too" {
	leakfree sh -c 'seq 20 | csp-fanout -j4 sh -c "echo e\$0 >&2; sleep 0.01; echo f\$0 >&2" 2>&1 >/dev/null'
	assert_success
	for ((i = 0; i < 40; i += 2)); do
		[ "${lines[i+1]}" = "f${lines[i]#e}" ]
	done
}

@test "--tag prefixes each line, stdout and stderr, with the record and a tab, as parallel does" {
	need_parallel
	leakfree sh -c 'csp-fanout -k --tag sh -c "echo out \$1; echo two; echo err \$1 >&2" sh ::: a "b c" 2>&1'
	assert_success
	want=$(par -k --tag sh -c 'echo out $1; echo two; echo err $1 >&2' sh ::: a "b c" 2>&1)
	assert_output "$want"
}

@test "--line-buffer passes whole lines as they come, jobs mixed but lines whole" {
	leakfree sh -c 'seq 8 | csp-fanout --line-buffer -j8 sh -c "for i in 1 2 3 4 5; do echo \$0-line-\$i; sleep 0.01; done"'
	assert_success
	[ "${#lines[@]}" -eq 40 ]
	for l in "${lines[@]}"; do
		[[ $l =~ ^[1-8]-line-[1-5]$ ]]
	done
}

@test "--line-buffer lets a line out while its job still runs" {
	leakfree sh -c 'csp-fanout --line-buffer sh -c "echo early; exec sleep 2" ::: 1 | head -1'
	assert_success
	assert_output "early"
}

@test "-k with --line-buffer keeps jobs in order and lines whole" {
	leakfree sh -c 'seq 6 | csp-fanout -k --lb -j6 sh -c "sleep 0.0\$((7 - \$0)); echo \$0a; echo \$0b"'
	assert_success
	assert_output "$(for i in 1 2 3 4 5 6; do echo "${i}a"; echo "${i}b"; done)"
}

# ---- exit status, halt, timeout, retries, joblog ----

@test "the exit status is the number of failed jobs, as parallel's is" {
	need_parallel
	for set in "0 0 0" "0 1 2" "3 4 5 0 6"; do
		# shellcheck disable=SC2086 # the set is a list of words
		leakfree csp-fanout -j2 sh -c 'exit $1' sh ::: $set
		# shellcheck disable=SC2086
		par -j2 sh -c 'exit $1' sh ::: $set && want=0 || want=$?
		[ "$status" -eq "$want" ]
	done
}

@test "more than 100 failed jobs exit 101, as parallel's do" {
	need_parallel
	leakfree sh -c 'seq 150 | csp-fanout -j4 false'
	[ "$status" -eq 101 ]
	seq 150 | par -j4 false && want=0 || want=$?
	[ "$want" -eq 101 ]
}

@test "--halt soon and now, fail, success, done and percentages exit as parallel's do" {
	need_parallel
	for h in "now,fail=1:0 5 0 0" "soon,fail=1:0 5 0 0" "soon,fail=2:0 5 0 7 0 9" \
		"now,success=2:1 0 1 0 1 1" "now,success=3:1 0 1 1" "now,fail=50%:1 0 0 0 0 0 0 0 0 0" \
		"now,fail=20%:1 1 0 0 0 0 0 0 0 0" "now,done=2:1 3 4" "2:0 3 0" "never:1 2 0"; do
		# shellcheck disable=SC2086 # the set is a list of words
		leakfree csp-fanout -j1 --halt "${h%%:*}" sh -c 'exit $1' sh ::: ${h#*:}
		# shellcheck disable=SC2086
		par -j1 --halt "${h%%:*}" sh -c 'exit $1' sh ::: ${h#*:} 2>/dev/null && want=0 || want=$?
		echo "halt $h: ours $status, parallel $want"
		[ "$status" -eq "$want" ]
	done
}

@test "--pipe --halt soon,fail=50%: a percentage of all blocks, not of those ended so far" {
	for k in -k ""; do
		leakfree sh -c 'seq 10 | csp-fanout --pipe $1 -j1 --block 1 --halt soon,fail=50% cat' sh "$k"
		assert_success
		assert_output "$(seq 10)"
		# five of ten blocks fail: 50%, parallel's status for it
		leakfree sh -c 'seq 10 | csp-fanout --pipe -k -j1 --block 1 --halt soon,fail=50% sh -c "read x; exit \$((x % 2))"'
		[ "$status" -eq 50 ]
	done
}

@test "--halt now,done=1 exits with the halting job's status, as parallel" {
	need_parallel
	for set in "3 0" "0 3" "4"; do
		# shellcheck disable=SC2086 # the set is a list of words
		leakfree csp-fanout -j1 --halt now,done=1 sh -c 'exit $1' sh ::: $set
		# shellcheck disable=SC2086
		par -j1 --halt now,done=1 sh -c 'exit $1' sh ::: $set 2>/dev/null && want=0 || want=$?
		echo "set $set: ours $status, parallel $want"
		[ "$status" -eq "$want" ]
	done
}

@test "--halt now,fail=1 stops the running jobs and starts no more" {
	leakfree sh -c 'csp-fanout -j2 --halt now,fail=1 sh -c "set -- \$1; sleep \$1; echo \$1; exit \$2" sh ::: "0.2 3" "30 0" "0 0" "0 0" 2>/dev/null'
	[ "$status" -eq 3 ]
	assert_output "0.2"
}

@test "--halt soon,fail=1 lets the running jobs end but starts no more" {
	leakfree sh -c 'csp-fanout -j2 --halt soon,fail=1 sh -c "set -- \$1; sleep \$1; echo \$1; exit \$2" sh ::: "0.1 3" "0.5 0" "0 0" "0 0" 2>/dev/null | sort'
	assert_success
	assert_output "$(printf '0.1\n0.5')"
}

@test "--joblog has parallel's header and the same Seq, Exitval, Signal and Command columns" {
	need_parallel
	leakfree csp-fanout -j2 --joblog "$BATS_TEST_TMPDIR/ours" sh -c 'echo $1; exit $1' sh ::: 0 1 2 "3 x"
	[ "$status" -eq 3 ]
	par -j2 --joblog "$BATS_TEST_TMPDIR/theirs" sh -c 'echo $1; exit $1' sh ::: 0 1 2 "3 x" >/dev/null 2>&1 || :
	run head -1 "$BATS_TEST_TMPDIR/ours"
	assert_output "$(head -1 "$BATS_TEST_TMPDIR/theirs")"
	ours=$(tail -n +2 "$BATS_TEST_TMPDIR/ours" | cut -f 1,2,5,6,7,8,9 | sort)
	theirs=$(tail -n +2 "$BATS_TEST_TMPDIR/theirs" | cut -f 1,2,5,6,7,8,9 | sort)
	[ "$ours" = "$theirs" ]
}

@test "--joblog +FILE appends, without a second header" {
	leakfree csp-fanout --joblog "$BATS_TEST_TMPDIR/log" true ::: 1
	leakfree csp-fanout --joblog "+$BATS_TEST_TMPDIR/log" true ::: 2
	run grep -c '^Seq' "$BATS_TEST_TMPDIR/log"
	assert_output 1
	run wc -l < "$BATS_TEST_TMPDIR/log"
	assert_output 3
}

@test "--timeout stops a job that runs too long; the log says -1 and signal 15, as parallel's" {
	leakfree csp-fanout --timeout 0.3 --joblog "$BATS_TEST_TMPDIR/log" sleep ::: 0 30
	[ "$status" -eq 1 ]
	run cut -f 7,8,9 "$BATS_TEST_TMPDIR/log"
	assert_line "-1	15	sleep 30"
	assert_line "0	0	sleep 0"
}

@test "--retries N runs a failing job up to N times in all, and only the last output counts" {
	leakfree csp-fanout --retries 3 sh -c 'echo try >> "$1"; echo out; exit 1' sh "$BATS_TEST_TMPDIR/tries" ::: 1
	[ "$status" -eq 1 ]
	assert_output "out"
	run wc -l < "$BATS_TEST_TMPDIR/tries"
	assert_output 3
}

@test "--retries stops retrying once the job succeeds" {
	leakfree csp-fanout --retries 5 sh -c 'echo x >> "$1"; [ $(wc -l < "$1") -ge 2 ]' sh "$BATS_TEST_TMPDIR/t" ::: 1
	assert_success
	run wc -l < "$BATS_TEST_TMPDIR/t"
	assert_output 2
}

@test "--timeout with --retries: a job that times out runs again" {
	leakfree csp-fanout --timeout 0.2 --retries 2 sh -c 'echo x >> "$1"; sleep 30' sh "$BATS_TEST_TMPDIR/t" ::: 1
	[ "$status" -eq 1 ]
	run wc -l < "$BATS_TEST_TMPDIR/t"
	assert_output 2
}

@test "-k --halt now: what ended before the halt is written, in order; nothing after" {
	leakfree sh -c 'csp-fanout -k -j3 --halt now,fail=1 sh -c "set -- \$1; sleep \$1; echo \$2; exit \$3" sh ::: "0 a 0" "0.1 b 0" "0.3 c 5" "30 d 0" 2>/dev/null'
	[ "$status" -eq 5 ]
	assert_output "$(printf 'a\nb\nc')"
}

@test "--line-buffer --tag: every line tagged, a last line without newline left so" {
	leakfree sh -c 'csp-fanout -k --lb --tag sh -c "printf \"one\ntwo\"" ::: x y | od -An -c'
	assert_success
	assert_output "$(printf 'x\tone\nx\ttwoy\tone\ny\ttwo' | od -An -c)"
}

@test "--bar draws done/total on stderr and nothing on stdout" {
	leakfree sh -c 'csp-fanout --bar true ::: 1 2 3 2>&1 >/dev/null | tr "\r" "\n"'
	assert_success
	assert_line --partial "3/3 (100%)"
}

# ---- data integrity ----

@test "a million records through --pipe cat workers come out as the same multiset" {
	leakfree sh -c 'seq 1000000 | csp-fanout --pipe -j3 --block 100k cat | sort -n | cksum'
	assert_success
	assert_output "$(seq 1000000 | cksum)"
}

@test "--pipe -k: a million records come out in the same sequence" {
	leakfree sh -c 'seq 1000000 | csp-fanout --pipe -k -j3 --block 64k cat | cksum'
	assert_success
	assert_output "$(seq 1000000 | cksum)"
}

@test "--pipe gives each block of whole records to one worker: wc -l counts add up" {
	leakfree sh -c 'seq 1000000 | csp-fanout --pipe -j3 --block 50k wc -l | awk "{ s += \$1 } END { print s }"'
	assert_output 1000000
}

@test "--pipe passes records longer than a block whole" {
	leakfree sh -c 'for i in 1 2 3; do head -c 300000 /dev/zero | tr "\0" "$i"; echo; done | csp-fanout --pipe -j2 --block 1k cat | sort | cksum'
	want=$(for i in 1 2 3; do head -c 300000 /dev/zero | tr '\0' "$i"; echo; done | sort | cksum)
	assert_output "$want"
}

@test "--pipe -0 cuts blocks at NULs" {
	leakfree sh -c "seq 100000 | tr '\n' '\0' | csp-fanout --pipe -0 -k -j2 --block 1k cat | tr '\0' '\n' | cksum"
	assert_output "$(seq 100000 | cksum)"
}

# Inputs for the byte-exact tests: text with and without a final newline, and binary.
roundtrip_inputs() {
	seq 100000 > "$1/text"
	head -c 400000 "$1/text" > "$1/text-cut"  # ends inside a line
	head -c 1500000 /dev/urandom > "$1/binary"
	head -c 3000 /dev/urandom > "$1/small"
}

@test "--pipe -k gzip | zcat gives back the input byte for byte, any block size" {
	d=$BATS_TEST_TMPDIR
	roundtrip_inputs "$d"
	for f in text text-cut binary; do
		for b in 100 64k 1M 10M; do
			leakfree sh -c 'csp-fanout --pipe -k -j3 --block "$1" gzip < "$2" > "$2.gz"' sh "$b" "$d/$f"
			assert_success
			zcat "$d/$f.gz" | cmp - "$d/$f"
		done
	done
	leakfree sh -c 'csp-fanout --pipe -k -j3 --block 1 gzip < "$1" > "$1.gz"' sh "$d/small"
	zcat "$d/small.gz" | cmp - "$d/small"
}

@test "--pipe -k bzip2 | bzcat gives back the input byte for byte" {
	d=$BATS_TEST_TMPDIR
	roundtrip_inputs "$d"
	for f in text-cut binary; do
		for b in 1k 1M; do
			leakfree sh -c 'csp-fanout --pipe -k -j2 --block "$1" bzip2 < "$2" > "$2.bz2"' sh "$b" "$d/$f"
			assert_success
			bzcat "$d/$f.bz2" | cmp - "$d/$f"
		done
	done
}

@test "--pipe without -k: one worker's gzip stream is whole; many workers lose and add no byte" {
	d=$BATS_TEST_TMPDIR
	roundtrip_inputs "$d"
	for f in text-cut binary; do
		leakfree sh -c 'csp-fanout --pipe -j1 --block 100k gzip < "$1" | zcat | cmp - "$1"' sh "$d/$f"
		assert_success
		leakfree sh -c 'csp-fanout --pipe -j3 --block 10k cat < "$1" | wc -c' sh "$d/$f"
		assert_output "$(wc -c < "$d/$f")"
		# whole records mix: compared sorted, the input ending with a newline
		{ cat "$d/$f"; echo; } > "$d/$f.nl"
		leakfree sh -c 'csp-fanout --pipe -j3 --block 10k cat < "$1" | LC_ALL=C sort | cksum' sh "$d/$f.nl"
		assert_output "$(LC_ALL=C sort "$d/$f.nl" | cksum)"
		leakfree sh -c 'csp-fanout --pipe -j3 --block 10k wc -c < "$1" | awk "{ s += \$1 } END { print s }"' sh "$d/$f"
		assert_output "$(wc -c < "$d/$f")"
	done
}

@test "--pipe: a worker killed by a signal passes its whole records, not a piece of one" {
	# Its last bytes have no newline: a record cut short, dropped and named.
	leakfree sh -c 'echo x | csp-fanout --pipe -j1 sh -c "cat >/dev/null; printf \"whole\npie\"; kill -9 \$\$" 2> err | od -An -c; cat err'
	assert_success
	assert_output "$(printf '   w   h   o   l   e  \\n\ncsp-fanout: job 1 killed by signal 9: its cut-off last 3 bytes dropped: sh -c cat >/dev/null; printf "whole\\npie"; kill -9 $$')"
	# One that exits, whatever its status, keeps its output byte for byte.
	leakfree sh -c 'echo x | csp-fanout --pipe -j1 sh -c "cat >/dev/null; printf \"whole\npie\"; exit 137" | od -An -c'
	assert_success
	assert_output "   w   h   o   l   e  \\n   p   i   e"
}

@test "--pipe -N without -k: one job a block of N records, every record once" {
	leakfree sh -c 'seq 100000 | csp-fanout --pipe -j3 -N 1000 cat | sort -n | cksum'
	assert_output "$(seq 100000 | cksum)"
	leakfree sh -c 'seq 10 | csp-fanout --pipe -j2 -N3 wc -l | sort -n'
	assert_output "$(printf '1\n3\n3\n3')"
}

@test "-X with 100000 records: every one once, in jobs of about 128 KiB of arguments" {
	leakfree sh -c 'seq 100000 | csp-fanout -k -j1 -X echo x{}y > "$1"' sh "$BATS_TEST_TMPDIR/out"
	assert_success
	run sh -c 'tr " " "\n" < "$1" | sed "s/^x//; s/y\$//" | cksum' sh "$BATS_TEST_TMPDIR/out"
	assert_output "$(seq 100000 | cksum)"
	run wc -l < "$BATS_TEST_TMPDIR/out"
	[ "$output" -ge 4 ]
	[ "$output" -le 10 ]
}

@test "--results: values . and .. stay inside their place" {
	leakfree csp-fanout --results "$BATS_TEST_TMPDIR/r" echo ::: . .. ''
	assert_success
	[ "$(cat "$BATS_TEST_TMPDIR/r/1/\./stdout")" = . ]
	[ "$(cat "$BATS_TEST_TMPDIR/r/1/\../stdout")" = .. ]
	[ ! -e "$BATS_TEST_TMPDIR/r/stdout" ]
	[ ! -e "$BATS_TEST_TMPDIR/stdout" ]
}

@test "20000 echo jobs: the same multiset out, and with -k the same sequence" {
	leakfree sh -c 'seq 20000 | csp-fanout -j4 echo | sort -n | cksum'
	assert_output "$(seq 20000 | cksum)"
	leakfree sh -c 'seq 20000 | csp-fanout -k -j4 echo | cksum'
	assert_output "$(seq 20000 | cksum)"
}

@test "--pipe on an empty input starts no worker" {
	leakfree sh -c 'csp-fanout --pipe -j3 sh -c "echo started" < /dev/null'
	assert_success
	assert_output ""
}

@test "--pipe: a worker that stops reading early takes no more; the others carry on" {
	leakfree sh -c 'seq 200000 | csp-fanout --pipe -j2 --block 10k sh -c "head -1; cat >/dev/null" | wc -l'
	assert_success
	[ "$output" -ge 1 ]
	leakfree sh -c 'seq 200000 | csp-fanout --pipe -j2 --block 10k head -1 | wc -l'
	assert_success
}

@test "--pipe --halt now,fail=1: a worker that fails stops them all" {
	leakfree sh -c 'seq 200000 | csp-fanout --pipe -j2 --halt now,fail=1 sh -c "read x; exit 3" 2>/dev/null'
	[ "$status" -eq 3 ]
}

@test "--pipe: a command that does not exist is said once and counted" {
	leakfree sh -c 'seq 10 | csp-fanout --pipe -j2 no-such-command-here'
	[ "$status" -ge 1 ]
	assert_output "csp-fanout: no-such-command-here: command not found"
}

@test "--pipe stops quietly when stdout's reader goes away" {
	leakfree bash -c 'seq 2000000 | csp-fanout --pipe -j2 --block 10k cat | head -2 >/dev/null; echo "fanout: ${PIPESTATUS[1]}"'
	assert_output "fanout: 0"
}

@test "--pipe -k --joblog: Send is each block's size, and the sizes add up" {
	leakfree sh -c 'seq 100000 | csp-fanout --pipe -k -j2 --block 100k --joblog "$1" wc -l >/dev/null' sh "$BATS_TEST_TMPDIR/log"
	assert_success
	run awk -F '\t' 'NR > 1 { s += $5 } END { print s }' "$BATS_TEST_TMPDIR/log"
	assert_output "$(seq 100000 | wc -c)"
}

# ---- cancellation: nothing is left ----

@test "SIGTERM mid-run: exit 143, every job stopped and reaped" {
	leakfree bash -c "$WAIT_FOR"'
		csp-fanout -j3 sh -c "touch \"\$1/\$2\"; exec sleep 60" sh "$1" ::: a b c d 3>&- &
		pid=$!
		wait_for "$1/a"; wait_for "$1/b"; wait_for "$1/c"
		kill -TERM $pid
		wait $pid
		echo "status: $?"
	' sh "$BATS_TEST_TMPDIR"
	assert_success
	assert_output "status: 143"
}

@test "SIGINT mid-run: exit 130" {
	leakfree bash -c "$WAIT_FOR"'
		csp-fanout sh -c "touch \"\$1/up\"; exec sleep 60" sh "$1" ::: a 3>&- &
		pid=$!
		wait_for "$1/up"
		kill -INT $pid
		wait $pid
		echo "status: $?"
	' sh "$BATS_TEST_TMPDIR"
	assert_output "status: 130"
}

@test "a job that ignores SIGTERM is still gone after the grace period" {
	leakfree bash -c "$WAIT_FOR"'
		csp-fanout --grace 200ms sh -c "trap \"\" TERM; touch \"\$1/up\"; sleep 60; sleep 60" sh "$1" ::: a 3>&- &
		pid=$!
		wait_for "$1/up"
		kill -TERM $pid
		wait $pid
		echo "status: $?"
	' sh "$BATS_TEST_TMPDIR"
	assert_output "status: 143"
}

# The two grandchildren: one in the job's group, one escaped with setsid.
BG='touch "$1/up"; sleep 60 & sleep 60'
SETSID='touch "$1/up"; setsid sleep 60 & sleep 60'

@test "--timeout leaves nothing of a job that backgrounds a grandchild" {
	leakfree csp-fanout --timeout 0.3 sh -c "$BG" sh "$BATS_TEST_TMPDIR" ::: 1
	[ "$status" -eq 1 ]
}

@test "--timeout leaves nothing of a job whose grandchild escaped with setsid" {
	leakfree csp-fanout --timeout 0.3 sh -c "$SETSID" sh "$BATS_TEST_TMPDIR" ::: 1
	[ "$status" -eq 1 ]
}

@test "--halt now,fail=1 leaves nothing of jobs with grandchildren, setsid ones included" {
	leakfree csp-fanout -j3 --halt now,fail=1 sh -c '[ "$2" = fail ] && { sleep 0.3; exit 4; }; eval "$3"' \
		sh "$BATS_TEST_TMPDIR" ::: "x:$BG" "x:$SETSID" fail
	[ "$status" -ne 0 ]
}

@test "SIGTERM leaves nothing of jobs with grandchildren, setsid ones included" {
	leakfree bash -c "$WAIT_FOR"'
		mkdir "$1/a" "$1/b"
		csp-fanout -j2 sh -c "$2" sh "{}" ::: "$1/a" "$1/b" 3>&- &
		pid=$!
		wait_for "$1/a/up"; wait_for "$1/b/up"
		kill -TERM $pid
		wait $pid
		echo "status: $?"
	' sh "$BATS_TEST_TMPDIR" "$SETSID"
	assert_output "status: 143"
	leakfree bash -c "$WAIT_FOR"'
		csp-fanout sh -c "$2" sh "$1" ::: 1 3>&- &
		pid=$!
		wait_for "$1/up"
		kill -TERM $pid
		wait $pid
		echo "status: $?"
	' sh "$BATS_TEST_TMPDIR" "$BG"
	assert_output "status: 143"
}

@test "SIGKILL of csp-fanout kills its jobs too" {
	leakfree bash -c "$WAIT_FOR"'
		csp-fanout -j2 sh -c "touch \"\$1/\$2\"; exec sleep 60" sh "$1" ::: a b 3>&- &
		pid=$!
		wait_for "$1/a"; wait_for "$1/b"
		kill -KILL $pid
		wait $pid 2>/dev/null
		echo "status: $?"
	' sh "$BATS_TEST_TMPDIR"
	assert_line "status: 137"
}

@test "csp-fanout stops quietly when stdout's reader goes away" {
	leakfree bash -c 'seq 100000 | csp-fanout echo | head -2 >/dev/null; echo "fanout: ${PIPESTATUS[1]}"'
	assert_success
	assert_output "fanout: 0"
}

@test "--done FD: closing it stops the jobs; exit 0" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)
		csp-fanout --done 4 sleep ::: 60 60; echo "fanout: $?"
	'
	assert_success
	assert_output "fanout: 0"
}

@test "--pipe: SIGTERM stops the workers; exit 143" {
	leakfree bash -c '
		(seq 10; sleep 60) | csp-fanout --pipe -j2 cat 3>&- &
		pid=$!
		sleep 0.3
		kill -TERM $pid
		wait $pid
		echo "status: $?"
		pkill -P $$ sleep || :
	'
	assert_output --partial "status: 143"
}

@test "--pipepart: SIGTERM stops the part jobs; exit 143, nothing left" {
	seq 200000 > "$BATS_TEST_TMPDIR/big"
	leakfree bash -c "$WAIT_FOR"'
		csp-fanout -j2 --pipepart -a "$1/big" --block 100k sh -c "touch \"\$1/up{#}\"; cat > /dev/null; exec sleep 60" sh "$1" 3>&- &
		pid=$!
		wait_for "$1/up1"; wait_for "$1/up2"
		kill -TERM $pid
		wait $pid
		echo "status: $?"
	' sh "$BATS_TEST_TMPDIR"
	assert_output "status: 143"
}

@test "--pipepart -k: a file's parts come back whole, in order, byte for byte" {
	# 20 MB of records with blanks, quotes, $ and no final newline.
	awk 'BEGIN { for (i = 0; i < 400000; i++) printf "%d a b \"q\" $x '\''s\n", i; printf "end" }' \
		> "$BATS_TEST_TMPDIR/big"
	for b in 64k 1M -3; do
		leakfree sh -c 'csp-fanout -k -j3 --pipepart -a "$1" --block "$2" cat | cksum' sh "$BATS_TEST_TMPDIR/big" "$b"
		assert_output "$(cksum < "$BATS_TEST_TMPDIR/big")"
	done
	leakfree sh -c 'csp-fanout -k -j3 --pipepart -a "$1" --block 1M --recend "s\n" cat | cksum' sh "$BATS_TEST_TMPDIR/big"
	assert_output "$(cksum < "$BATS_TEST_TMPDIR/big")"
}

@test "--files: every file named holds its job's output; a missing --tmpdir is an error naming it" {
	mkdir "$BATS_TEST_TMPDIR/t"
	leakfree sh -c 'seq 300 | csp-fanout -j4 --files --tmpdir "$1" sh -c "seq \$1" sh | xargs cat | sort -n | cksum' sh "$BATS_TEST_TMPDIR/t"
	assert_output "$(for i in $(seq 300); do seq "$i"; done | sort -n | cksum)"
	[ "$(find "$BATS_TEST_TMPDIR/t" -name 'par*.par' | wc -l)" -eq 300 ]
	leakfree csp-fanout --files --tmpdir "$BATS_TEST_TMPDIR/none" echo ::: a
	[ "$status" -eq 255 ]
	assert_output --partial "No such file"
}

@test "--pipepart, --recstart, --group-by, --load, --memfree: bad values are usage errors naming them" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	for o in "--pipepart -a $BATS_TEST_TMPDIR/fifo" "--pipepart" \
		"--pipepart -N2 -a /etc/passwd" "--recstart a\0" "--recend x" "--group-by 0" "--group-by x" \
		"--load soon" "--memfree 1Q" "--block -3" "--timeout 5x%" "--color" "--files -u"; do
		# shellcheck disable=SC2086 # option and value
		leakfree csp-fanout $o cat < /dev/null
		echo "$o: $status $output"
		[ "$status" -eq 255 ]
		assert_output --partial "${o%% *}"
	done
}

# ---- bad input ----

@test "an unknown option is a usage error: 255, apart from the failed-job counts" {
	leakfree csp-fanout --no-such-option true
	[ "$status" -eq 255 ]
}

@test "-j +N, -j -N and -j N% count from the cores, as parallel's; -j+1 is -j +1" {
	cores=$(nproc)
	for j in "+1:$((cores + 1))" "-1:$((cores > 1 ? cores - 1 : 1))" "-99:1" "50%:$(((cores + 1) / 2))" \
		"200%:$((2 * cores))" "3:3"; do
		leakfree sh -c 'seq 60 | csp-fanout -j "$1" sh -c "echo {%}; sleep 0.05" | sort -n | tail -1' sh "${j%%:*}"
		echo "-j ${j%%:*}: $output"
		assert_output "${j#*:}"
	done
	leakfree sh -c 'seq 60 | csp-fanout -j+1 sh -c "echo {%}; sleep 0.05" | sort -n | tail -1'
	assert_output "$((cores + 1))"
}

@test "bad values are usage errors naming their option" {
	for o in "--halt sometimes" "--timeout soon" "--retries -2" "--block 1Q" "--halt now,fail=0" \
		"-j x" "-j 1x%" "-j +" "--halt now,fail=101%"; do
		# shellcheck disable=SC2086 # option and value
		leakfree csp-fanout $o true ::: 1
		[ "$status" -eq 255 ]
		assert_output --partial "${o%% *}"
	done
}

@test "no command is a usage error" {
	leakfree csp-fanout ::: 1 2
	[ "$status" -eq 255 ]
}

@test "-a: a directory or a missing file is an error naming it, status 255" {
	leakfree csp-fanout -a "$BATS_TEST_TMPDIR" echo
	[ "$status" -eq 255 ]
	assert_output "csp-fanout: -a: $BATS_TEST_TMPDIR: Is a directory"
	leakfree csp-fanout -a "$BATS_TEST_TMPDIR/none" echo
	[ "$status" -eq 255 ]
	assert_output "csp-fanout: -a: $BATS_TEST_TMPDIR/none: No such file or directory"
}

@test "-a FIFO waits for a writer in poll: its records run, and --done or a signal ends the wait" {
	mkfifo "$BATS_TEST_TMPDIR/f"
	leakfree bash -c '
		csp-fanout -k -a "$1" echo got > "$1.out" 3>&- &
		pid=$!
		sleep 0.3
		printf "x\ny\n" > "$1"
		wait $pid
		echo "status: $?"
		cat "$1.out"
	' sh "$BATS_TEST_TMPDIR/f"
	assert_output "$(printf 'status: 0\ngot x\ngot y')"
	leakfree bash -c 'exec 4< <(sleep 0.3); csp-fanout --done 4 -a "$1" echo got; echo "status: $?"' sh "$BATS_TEST_TMPDIR/f"
	assert_output "status: 0"
	leakfree bash -c '
		csp-fanout -a "$1" echo got 3>&- &
		pid=$!
		sleep 0.3
		kill -TERM $pid
		wait $pid
		echo "status: $?"
	' sh "$BATS_TEST_TMPDIR/f"
	assert_output "status: 143"
}

@test "the library reaps only its own jobs: the program keeps its other children" {
	for mode in list pipe; do
		leakfree "$CSP_PROG/fanoutwait" "$mode"
		assert_success
		assert_output --partial "kept 7"
	done
}

@test "the library's stop ends a halted run's jobs with their groups, and only them" {
	leakfree "$CSP_PROG/fanoutwait" halt
	assert_success
	assert_output --partial "kept 7"
}

@test "a command that does not exist: each job fails as 127, said once, the status counts them" {
	leakfree csp-fanout --joblog "$BATS_TEST_TMPDIR/log" no-such-command-here ::: 1 2 3
	[ "$status" -eq 3 ]
	assert_output "csp-fanout: no-such-command-here: command not found"
	run cut -f 7 "$BATS_TEST_TMPDIR/log"
	assert_output "$(printf 'Exitval\n127\n127\n127')"
}

@test "--help prints the usage and --version the version" {
	leakfree csp-fanout --help
	assert_success
	assert_output --partial "usage: csp-fanout"
	leakfree csp-fanout --version
	assert_output --regexp '^csp-fanout [0-9]'
}

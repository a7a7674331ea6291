#!/usr/bin/env bats
# shellcheck disable=SC1083 # {1}, {2/} and the like are replacement strings, literal
# GNU parallel's command lines, unchanged, on csp-fanout: each runs through both
# (-k on both) and their standard output and exit status must be the same, byte
# for byte. Skips, visibly, where parallel is not installed.

load common

# same [-i FILE] ARGS...: parallel -k ARGS and csp-fanout -k ARGS, stdin from FILE.
same() {
	local in=/dev/null want ws
	if [ "$1" = -i ]; then
		in=$2
		shift 2
	fi
	want=$BATS_TEST_TMPDIR/parallel.out
	parallel --will-cite -k "$@" < "$in" > "$want" 2>/dev/null && ws=0 || ws=$?
	leakfree sh -c 'out=$1 in=$2; shift 2; exec csp-fanout -k "$@" < "$in" > "$out" 2>/dev/null' \
		sh "$BATS_TEST_TMPDIR/ours.out" "$in" "$@"
	if [ "$status" -ne "$ws" ] || ! cmp -s "$want" "$BATS_TEST_TMPDIR/ours.out"; then
		echo "differs: $*"
		echo "parallel (status $ws):"; od -c "$want" | head -20
		echo "csp-fanout (status $status):"; od -c "$BATS_TEST_TMPDIR/ours.out" | head -20
		return 1
	fi
}

# Records that a careless tool breaks: blanks, quotes, $, no letters. (parallel cuts
# an argument of ::: at a newline; records with newlines come from -0 input below.)
R=('a b' "it's" 'say "hi"' '$HOME' '-n' '*' 'x;y' '`id`')

setup() {
	command -v parallel >/dev/null || return 0
	printf '%s\n' a 'b c' "d'e" '$f' > "$BATS_TEST_TMPDIR/in"
	printf 'x\ny' > "$BATS_TEST_TMPDIR/in-cut"  # no final newline
	printf '1,a b,x/y.z\n2,c,d.e\n' > "$BATS_TEST_TMPDIR/cols"
}

@test "several ::: sources make every combination; :::+ links one to the one before" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same echo ::: a b ::: 1 2
	same echo ::: a b c ::: 1 2 ::: x y
	same echo {3} {2} {1} ::: a b ::: 1 2 ::: x
	same echo ::: a b :::+ 1 2
	same echo ::: a b c :::+ 1 2 ::: x y
	same echo {2}-{1} ::: "${R[@]}" ::: 1
}

@test ":::: FILE and -a FILE as sources, alone and with :::" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same echo :::: "$BATS_TEST_TMPDIR/in"
	same echo :::: "$BATS_TEST_TMPDIR/in" ::: 1 2
	same echo ::: 1 2 :::: "$BATS_TEST_TMPDIR/in-cut"
	same echo :::: "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/in-cut"
	same echo ::: 1 2 ::::+ "$BATS_TEST_TMPDIR/in-cut"
	same -a "$BATS_TEST_TMPDIR/in" -a "$BATS_TEST_TMPDIR/in-cut" echo
	same -a "$BATS_TEST_TMPDIR/in" echo {}-x
	same -i "$BATS_TEST_TMPDIR/in-cut" echo
}

@test "-d DELIM and -0 cut the input where parallel cuts it" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	printf 'a b:c\nd:e' > "$BATS_TEST_TMPDIR/colon"
	same -i "$BATS_TEST_TMPDIR/colon" -d : echo '[{}]'
	same -i "$BATS_TEST_TMPDIR/colon" -d '\n' echo '[{}]'
	printf 'a\0b c\0d\ne' > "$BATS_TEST_TMPDIR/nul"
	same -i "$BATS_TEST_TMPDIR/nul" -0 echo '[{}]'
	same -i "$BATS_TEST_TMPDIR/nul" -d '\0' echo '[{}]'
}

@test "--colsep: {1} {2} {-1} {1.} {1/} {1//} {1/.} and the columns appended" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same -i "$BATS_TEST_TMPDIR/cols" --colsep , echo {2} {1} {-1}
	same -i "$BATS_TEST_TMPDIR/cols" --colsep , echo {3.} {3/} {3//} {3/.} {-2}
	same -i "$BATS_TEST_TMPDIR/cols" --colsep , echo
	same -i "$BATS_TEST_TMPDIR/cols" --colsep , echo {4}x
	same -i "$BATS_TEST_TMPDIR/cols" -C , --tag echo {1}
}

@test "-n, -N, -N0: arguments a job, and {1}..{N}" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same -n2 echo ::: 1 2 3 4 5
	same -N2 echo {2}-{1} ::: 1 2 3 4 5
	same --max-args 3 echo ::: "${R[@]}"
	same -N0 echo x ::: 1 2 3
	same -N3 echo {} ::: a b c d
}

@test "-X, -m, --xargs: as many arguments a job as fit" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same -j1 -X echo x{}y ::: 1 2 3
	same -j1 -m echo x{}y ::: 1 2 3
	same -j2 -X echo ::: 1 2 3 4 5
	same -j3 -m echo ::: 1 2 3 4 5 6 7
	same -j1 --xargs echo ::: 1 2 3
	seq 20 > "$BATS_TEST_TMPDIR/twenty"
	same -i "$BATS_TEST_TMPDIR/twenty" -j2 -X echo
}

@test "-I STR, --will-cite, --no-notice" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same -I XX echo XX-{} ::: 1 2
	same -I @@ echo @@.@@ ::: "${R[@]}"
	same --will-cite --no-notice echo ::: a
}

@test "one word with shell syntax runs through a shell, its values data" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same 'echo {} | tr a-z A-Z' ::: "${R[@]}"
	same 'printf "[%s]\n" {}; echo $((1 + 1))' ::: "${R[@]}"
	same 'echo got' ::: "${R[@]}"
	same -q printf '[%s]\n' ::: "${R[@]}"
	printf 'a b\0two\nlines\0$x\0' > "$BATS_TEST_TMPDIR/nul"
	same -i "$BATS_TEST_TMPDIR/nul" -0 'printf "<%s>\n" {}'
	same -i "$BATS_TEST_TMPDIR/nul" -0 -q printf '<%s>\n'
}

@test "-v, -t, --dry-run print the command line as parallel does" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same -v echo ::: "${R[@]}"
	same --dry-run echo {} x ::: "${R[@]}"
	same --dry-run 'echo {} | wc -c' ::: "${R[@]}"
	same -t echo ::: a b
	want=$(parallel --will-cite -k -j1 -t echo ::: a "b c" 2>&1 >/dev/null)
	leakfree sh -c 'csp-fanout -k -j1 -t echo ::: a "b c" 2>&1 >/dev/null'
	assert_output "$want"
}

@test "-r skips blank records; --trim cuts blanks off arguments" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	printf 'a\n\n  \nb\n' > "$BATS_TEST_TMPDIR/blank"
	same -i "$BATS_TEST_TMPDIR/blank" -r echo '[{}]'
	same -i "$BATS_TEST_TMPDIR/blank" echo '[{}]'
	printf ' a \n\tb\t\n' > "$BATS_TEST_TMPDIR/pad"
	for t in n l r lr rl; do
		same -i "$BATS_TEST_TMPDIR/pad" --trim "$t" echo '[{}]'
	done
}

@test "--tag, --tagstring, -u, and outputs without a final newline" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same --tag echo ::: a 'b c'
	same --tag 'printf "x\ny"' ::: a b
	same --tag --lb 'printf "x\ny"' ::: a b
	same --tagstring '<{}>' echo x ::: a 'b c'
	same --tagstring '{2}:{1}' echo ::: a b ::: 1 2
	same -j1 -u echo ::: a b c
	same printf '%s' ::: a b
	same -q printf '%s\0' ::: a b
}

@test "--delay, --shuf, --nice, --env: accepted, the same output" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same --delay 0.05 echo ::: a b c
	same --nice 5 echo ::: a b
	same --env HOME echo ::: a
	leakfree sh -c 'csp-fanout --shuf echo ::: 1 2 3 4 5 6 7 8 | sort -n'
	assert_output "$(seq 8)"
}

@test "exit statuses: failed jobs counted, --halt as parallel" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same 'exit {}' ::: 0 1 2
	same 'exit {}' ::: 0 3 3 0
	same --halt now,done=1 -j1 'echo {}; exit {}' ::: 3 0
	same --halt now,done=1 -j1 'echo {}; exit {}' ::: 0 3
	same --halt soon,fail=1 -j1 'echo {}; exit {}' ::: 0 4 0
	same --halt now,success=1 -j1 'echo {}; exit {}' ::: 1 0 1
	same --halt now,fail=50% -j1 'echo {}; exit {}' ::: 1 1 0 0
	same --halt soon,fail=2 -j1 'echo {}; exit {}' ::: 1 0 1 0
}

@test "--pipe: blocks cut where parallel cuts them, -N records a block, --cat and --fifo" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	seq 10000 > "$BATS_TEST_TMPDIR/seq"
	printf 'a\nb\nc' > "$BATS_TEST_TMPDIR/abc"
	same -i "$BATS_TEST_TMPDIR/seq" --pipe --block 1k wc -l
	same -i "$BATS_TEST_TMPDIR/seq" --pipe --block 10k -j1 wc -c
	same -i "$BATS_TEST_TMPDIR/seq" --pipe --block 1k cat
	same -i "$BATS_TEST_TMPDIR/seq" --pipe -N 300 wc -l
	same -i "$BATS_TEST_TMPDIR/abc" --pipe -N2 'cat; echo .'
	same -i "$BATS_TEST_TMPDIR/seq" --pipe --cat -N 999 cat {}
	same -i "$BATS_TEST_TMPDIR/seq" --pipe --fifo -N 999 cat {}
	same -i "$BATS_TEST_TMPDIR/abc" --pipe --round-robin -j1 cat
	same -i "$BATS_TEST_TMPDIR/seq" --pipe 'wc -l | tr 0-9 a-j'
}

@test "--header : names the columns and the sources; -E ends the input at a record" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	printf 'n,v\na b,1\nc,2\n' > "$BATS_TEST_TMPDIR/h.csv"
	same -i "$BATS_TEST_TMPDIR/h.csv" --header : --colsep , echo {v}-{n} {1}
	same -i "$BATS_TEST_TMPDIR/h.csv" --header : --colsep , 'echo {v} {n.}'
	same --header : --colsep , -a "$BATS_TEST_TMPDIR/h.csv" echo {n}
	same --header : echo {x}-{y} ::: x a b ::: y 1 2
	same --header : --tagstring '<{y}>' echo {x} ::: x a b ::: y 1
	printf 'a\nb\nSTOP\nc\n' > "$BATS_TEST_TMPDIR/stop"
	same -i "$BATS_TEST_TMPDIR/stop" -E STOP echo
	same -E b echo ::: a b c
	same -i "$BATS_TEST_TMPDIR/stop" --eta echo
}

@test "--joblog with --resume, --resume-failed, --retry-failed: the same jobs run again, the same log" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	d=$BATS_TEST_TMPDIR
	for run in ":0 1 0 2" "--resume:0 1 0 2 5 0" "--resume-failed:0 1 0 2 5 0 7" \
		"--retry-failed:ignored" "--resume-failed:0 1 0 9"; do
		# shellcheck disable=SC2086 # the option and the values are lists of words
		parallel --will-cite -k --joblog "$d/Lp" ${run%%:*} 'echo {}; exit {}' ::: ${run#*:} \
			> "$d/want" 2>/dev/null && ws=0 || ws=$?
		# shellcheck disable=SC2086
		leakfree sh -c 'out=$1; shift; csp-fanout -k "$@" > "$out"' sh "$d/ours" \
			--joblog "$d/Lo" ${run%%:*} 'echo {}; exit {}' ::: ${run#*:}
		echo "$run: parallel $ws, ours $status"
		[ "$status" -eq "$ws" ]
		cmp "$d/want" "$d/ours"
		[ "$(cut -f 1,7,9 "$d/Lo" | sort)" = "$(cut -f 1,7,9 "$d/Lp" | sort)" ]
	done
}

@test "--results DIR: parallel's tree of seq, stdout and stderr files, nothing on stdout" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	d=$BATS_TEST_TMPDIR
	same --results "$d/p" 'echo {}; echo err {} >&2; exit {2}' ::: a 'b/c' 'x\y' "q'u o" ::: 0 3
	rm -rf "$d/p"
	parallel --will-cite -k --results "$d/p" 'printf {}; echo err {} >&2' ::: a 'b/c' 'x\y' "q'u o" ::: 1 2 \
		>/dev/null 2>&1
	leakfree csp-fanout -k --results "$d/o" 'printf {}; echo err {} >&2' ::: a 'b/c' 'x\y' "q'u o" ::: 1 2
	assert_success
	assert_output ""
	diff -r "$d/p" "$d/o"
	[ "$(find "$d/o" -name stdout | wc -l)" -eq 8 ]
}

@test "--pipepart -a FILE: the file's parts cut where parallel cuts them" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	d=$BATS_TEST_TMPDIR
	seq 100000 > "$d/seq"
	for b in 1k 10k 100k -3; do
		same --pipepart -a "$d/seq" --block "$b" wc -l
	done
	same --pipepart -a "$d/seq" 'wc -c'
	same -j3 --pipepart -a "$d/seq" --round-robin wc -l
	same -j3 --pipepart -a "$d/seq" --round-robin --block 10k wc -l
	same -j1 --pipepart -a "$d/seq" --block 10k cksum
	printf 'aaaaaaaaaaaa\nbbbb\ncc\ndd\n' > "$d/short"
	same --pipepart -a "$d/short" --block 5 'tr -d "\n"; echo'
	printf 'a b\n"q"\n$x\nno end' > "$d/odd"
	same --pipepart -a "$d/odd" --block 2 'cat; echo "|"'
	: > "$d/empty"
	same --pipepart -a "$d/empty" 'cat; echo .'
	printf '>a\nA A\n>b\n$B\n>c\n"C"' > "$d/fa"
	same --pipepart -a "$d/fa" --recstart '>' --block 3 'echo [; cat; echo ]'
	# What only a seekable file can give, refused as parallel refuses it.
	run csp-fanout --pipepart -a /dev/stdin cat < /dev/null
	[ "$status" -eq 255 ]
	[[ "$output" == *"--pipepart"* ]]
}

@test "--recstart, --recend: --pipe's blocks end where parallel ends them, -N records a block" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	d=$BATS_TEST_TMPDIR
	printf '>a\nA A\n>b\n$B\n>c\n"C"' > "$d/fa"
	for b in 1 3 5 8 12 100; do
		same -i "$d/fa" --pipe --recstart '>' --block "$b" 'echo [; cat; echo ]'
	done
	same -i "$d/fa" --pipe --recstart '>' -N1 'echo [; cat; echo ]'
	same -i "$d/fa" --pipe --recstart '>' --recend '\n' -N2 'echo [; cat; echo ]'
	printf "x}y z}it's}\$q" > "$d/br"
	same -i "$d/br" --pipe --recend '}' -N1 'echo [; cat; echo ]'
	same -i "$d/br" --pipe --recend '}' --block 4 'echo [; cat; echo ]'
	seq 100000 > "$d/seq"
	same -i "$d/seq" --pipe --recend 99 --block 10k wc -c
	same -i "$d/seq" --pipe --recend '\n' --recstart 5 --block 10k wc -c
	# Empty: records end anywhere.
	printf 'abcdefg' > "$d/ab"
	same -i "$d/ab" --pipe --recend '' -N2 'cat; echo'
	same -i "$d/ab" --pipe --recstart '' --block 3 'cat; echo'
	same --pipepart -a "$d/ab" --recend '' --block 3 'cat; echo'
}

@test "--group-by COLUMN: --pipe's blocks hold whole groups, as parallel's" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	d=$BATS_TEST_TMPDIR
	printf 'a\t1\nb\t1\nc\t2\nd\t2\ne\t2\nf\t3\ng\t1\n' > "$d/g"
	printf 'a,x y\nb,x y\nc,$z\nd,q"r\ne,q"r' > "$d/gc"
	for b in 1 20 30 50 60 1k; do
		same -i "$d/g" --pipe --group-by 2 --block "$b" 'echo [; cat; echo ]'
		same -i "$d/gc" --pipe --group-by 2 --colsep , --block "$b" 'echo [; cat; echo ]'
	done
	same -i "$d/g" --pipe --group-by 2 -N1 'echo [; cat; echo ]'
	same -i "$d/g" --pipe --group-by 2 -N2 'echo [; cat; echo ]'
	same -i "$d/g" --pipe --group-by 1 -N3 'echo [; cat; echo ]'
	same -i "$d/gc" --pipe --group-by 2 --colsep , -N1 'echo [; cat; echo ]'
}

@test "--pipe --header : and --group-by NAME: the first line starts every block, as parallel's" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	d=$BATS_TEST_TMPDIR
	printf 'k\tv w\tz\na\t1\tx\na\t2\tx\nb\t1\t$y\nc d\t1\tq"r\n' > "$d/h"
	printf 'name,n,z\nx y,1,a\nx y,2,b\n$q,3,c\nit'"'"'s,3,d' > "$d/hc"
	for b in 6 10 20 1k; do
		same -i "$d/h" --pipe --header : --block "$b" 'echo [; cat; echo ]'
	done
	same -i "$d/h" --pipe --header : -N2 'echo [; cat; echo ]'
	same -i "$d/h" --pipe --group-by k 'echo [; cat; echo ]'
	same -i "$d/h" --pipe --group-by k -N1 'echo [; cat; echo ]'
	same -i "$d/hc" --pipe --header : --colsep , --group-by name -N1 'echo [; cat; echo ]'
	same -i "$d/hc" --pipe --colsep , --group-by n -N2 wc -l
	same -i "$d/hc" --pipe --colsep , --group-by n --block 10 'echo [; cat; echo ]'
	# No such column: an error, 255 on both.
	same -i "$d/hc" --pipe --colsep , --group-by nosuch cat
}

@test "--rrs, --remove-rec-sep: --recend and --recstart out of --pipe's blocks, as parallel's" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	d=$BATS_TEST_TMPDIR
	printf 'Xa b;Xit'"'"'s;X$q;\nr\nXs;' > "$d/r"
	same -i "$d/r" --pipe --rrs -N1 'echo [; cat; echo ]'
	same -i "$d/r" --pipe --remove-rec-sep -N2 'echo [; cat; echo ]'
	for a in -N1 -N2 '--block 3' '--block 8'; do
		# shellcheck disable=SC2086 # option and value
		same -i "$d/r" --pipe --rrs --recstart X --recend ';' $a 'echo [; cat; echo ]'
	done
	same -i "$d/r" --pipe --rrs --recend ';' -N1 'echo [; cat; echo ]'
	same -i "$d/r" --pipe --rrs --recstart X --block 4 'echo [; cat; echo ]'
}

# The contents of the files a --files run names, in turn (each removed once read).
files_content() {
	local f
	while IFS= read -r f; do
		cat "${f#*	}"
		rm -f "${f#*	}"
	done
}

@test "--files: each job's output in a file, the files named in order, as parallel's" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	d=$BATS_TEST_TMPDIR
	mkdir "$d/tp" "$d/to"
	parallel --will-cite -k --files --tmpdir "$d/tp" 'printf "%s" {}; echo' ::: "${R[@]}" \
		> "$d/p.names" 2>/dev/null
	leakfree sh -c 'd=$1; shift; csp-fanout -k --files --tmpdir "$d/to" "$@" > "$d/o.names"' \
		sh "$d" 'printf "%s" {}; echo' ::: "${R[@]}"
	assert_success
	[ "$(wc -l < "$d/o.names")" -eq "${#R[@]}" ]
	grep -q "^$d/to/par.*\.par\$" "$d/o.names"
	[ "$(files_content < "$d/p.names")" = "$(files_content < "$d/o.names")" ]
	[ -z "$(ls "$d/to")" ]  # every file named was made, and only those
	run csp-fanout --files -u echo ::: a
	[ "$status" -eq 255 ]
	printf 'a\nb\nno end' > "$d/in"
	TMPDIR=$d/to leakfree sh -c 'csp-fanout -k --files --pipe -N1 cat < "$1/in" > "$1/o.names"' sh "$d"
	TMPDIR=$d/tp parallel --will-cite -k --files --pipe -N1 cat < "$d/in" > "$d/p.names"
	[ "$(files_content < "$d/p.names")" = "$(files_content < "$d/o.names")" ]
}

@test "-j N% as many slots as parallel's (-m spreads over them), with -N" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	for j in 30% 50% 75% 100% 125% 260%; do
		same -j "$j" -m echo ::: 1 2 3 4 5 6 7 8 9 10 11 12 13
	done
	same -j 50% -N2 echo {2}-{1} ::: a 'b c' "d'e" '$f' g
	same -j 200% -N3 'echo {3} {1}' ::: "${R[@]}"
	same -j 100% -N1 echo ::: a b
	printf 'one\ntwo\nthree\n' > "$BATS_TEST_TMPDIR/in"
	same -i "$BATS_TEST_TMPDIR/in" -j 1% -N2 echo '[{1}]' '[{2}]'
}

@test "--tag and --tagstring with --pipe: parallel's empty tag, or the string" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	d=$BATS_TEST_TMPDIR
	printf 'a,x y\nb,x y\nc,$z\nd,q"r\ne,q"r' > "$d/gc"
	same -i "$d/gc" --tag --pipe -N2 cat
	same -i "$d/gc" --tagstring '<{#}>' --pipe -N2 cat
	same -i "$d/gc" --tag --pipe --group-by 2 --colsep , -N1 cat
	same -i "$d/gc" --tag --pipe --block 8 cat
	seq 100000 > "$d/seq"
	same --tag --pipepart -a "$d/seq" --block 100k wc -l
}

@test "--plus: {+/} {+.} {+..} {+...} {..} {...} {/..} {/...} {##} {0#} {0%} as parallel's" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	P=(a/b.c.d x 'y z/.q' a.b/c ../x.y.z/ '$a.b c.d' "it's.x.y.z" . .. x/y.tar.gz e/.f.g.h /i.j/k '')
	same --plus -j1 echo {+/} {/..} {..} {+.} {#} {##} {0#} {%} ::: "${P[@]}"
	same --plus -j1 echo {+..} {...} {/...} {+...} {0%} ::: "${P[@]}"
	same --plus -j1 'echo {+..}{...}; echo {/...}' ::: "${P[@]}"
	same --plus echo {2+.} {1..} ::: a.b.c 'd e.f' ::: d.e.f
	same --plus -j 12 echo {0%} {%} ::: a
	same --plus --tagstring '{+.}' echo {##} ::: a.b c.d
	seq 12 > "$BATS_TEST_TMPDIR/twelve"
	same -i "$BATS_TEST_TMPDIR/twelve" --plus echo {0#}/{##}
	# Without --plus they are themselves.
	same echo {+.} {..} {##} ::: a.b.c
}

@test "--plus: {:-str} {:n} {:n:m}, and {N:...}, as parallel's (a default, cut from the front, a part)" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	V=(abcdef '' 'a b' "it's" '$HOME' x)
	same --plus -j1 echo '[{:-none}]' '[{:2}]' '[{:1:3}]' '[{:0:2}]' '[{:10}]' '[{:5:9}]' ::: "${V[@]}"
	same --plus -j1 echo '{:-a b}' '{:-$x}' '{:-{}' ::: '' y
	same --plus -j1 'echo {:-"x y"} {:1:2}; echo [{}]' ::: '' "it's" '$q r'
	same --plus echo '{1:-x}' '{2:1:2}' '{-1:3}' ::: a '' ::: bcde
	same --plus 'echo {:1:2}' ::: abc 'd e'
	same --plus --tagstring '{:1:2}' echo {:-e} ::: abc ''
	# Not parallel's: themselves.
	same --plus -j1 echo '{:}' '{:-}' '{:1:}' '{:a}' '{:1:2:3}' ::: abc
	# Without --plus they are themselves.
	same echo '{:-x}' '{:1:2}' ::: abc ''
}

@test "--ctag, --ctagstring, --color --tag: parallel's colours, job by job, byte for byte" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	seq 500 > "$BATS_TEST_TMPDIR/many"  # more jobs than colours: the palette wraps as parallel's
	same -i "$BATS_TEST_TMPDIR/many" --ctag echo
	same --ctag 'printf "a\rb\nc"' ::: 'x y' "it's" '$q'
	same --ctagstring '<{}>' 'printf "a\n\nb\n"' ::: 1 2
	same --color --tag echo ::: a
	printf 'a b\nc\n' > "$BATS_TEST_TMPDIR/in"
	same -i "$BATS_TEST_TMPDIR/in" --ctag --pipe -N1 cat
	run csp-fanout --color echo ::: a
	[ "$status" -eq 255 ]
}

@test "--timeout N%: a job longer than N% of the median success is stopped, as by parallel" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same --timeout 300% -j1 'sleep {}; echo "{} it'"'"'s"' ::: 0.1 0.1 0.1 7.313 0.1
	# No success yet, no median: the first job runs as long as it takes.
	same --timeout 300% -j1 'sleep {}; echo "{}"' ::: 1.3 0.1
	same --timeout 250.5% -j1 'sleep {}; echo "{}"' ::: 0.1 0.1 7.313 0.1
	for bad in 0% x% 1.5%% % -5%; do
		run csp-fanout --timeout "$bad" true ::: a
		[ "$status" -eq 255 ]
	done
}

@test "--load, --memfree: jobs start only below the load and with the memory free, as parallel's" {
	command -v parallel >/dev/null || skip "GNU parallel not installed"
	same --load 100000 echo ::: a 'b c' "d'e"
	same --load 100000% echo ::: a
	same --load +100000 --memfree 1M echo ::: a '$b'
	# A load no machine is below (we run ourselves) or memory no machine has: nothing starts.
	for gate in "--load 1" "--memfree 1000T"; do
		# shellcheck disable=SC2086 # the option and its value
		timeout 2 parallel --will-cite $gate echo ::: a > "$BATS_TEST_TMPDIR/p" 2>&1 && ws=0 || ws=$?
		# shellcheck disable=SC2086
		leakfree csp-timeout 2 csp-fanout $gate echo ::: a
		[ "$ws" -eq 124 ] && [ ! -s "$BATS_TEST_TMPDIR/p" ]
		assert_failure 124
		assert_output ""
	done
	run csp-fanout --load x echo ::: a
	[ "$status" -eq 255 ]
}

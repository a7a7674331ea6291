#!/usr/bin/env bats
# csp-timeout: timeout(1)'s options and statuses; the deadline stops the whole tree.

load common

# until_file FILE: wait (at most 10 s) until FILE has something in it.
until_file() {
	local n=0
	while [ "$n" -lt 200 ]; do
		[ -s "$1" ] && return 0
		sleep 0.05
		n=$((n + 1))
	done
	echo "$1 never came" >&2
	return 1
}

# same_as_coreutils ARG...: csp-timeout ARG... exits as timeout ARG... does.
same_as_coreutils() {
	local want
	leakfree sh -c '"$@" 2>/dev/null; echo $?' sh timeout "$@"
	want=$output
	leakfree sh -c '"$@" 2>/dev/null; echo $?' sh csp-timeout "$@"
	if [ "$output" != "$want" ]; then
		echo "csp-timeout $*: $output; timeout $*: $want" >&2
		return 1
	fi
}

@test "the deadline stops the whole tree, setsid escapers included: 124" {
	leakfree csp-timeout 0.3 sh -c 'setsid sleep 60 & sleep 60'
	assert_failure 124
	assert_output ""
}

@test "a command that exits before the deadline gives its own status" {
	leakfree csp-timeout 10 sh -c 'echo done; exit 3'
	assert_failure 3
	assert_output "done"
}

@test "what a command left running when it exited is stopped at once, and its status stands" {
	leakfree csp-timeout 10 sh -c 'setsid sleep 60 & sleep 60 & echo started; exit 5'
	assert_failure 5
	assert_output "started"
}

@test "-s KILL: 137 as timeout(1), with or without --preserve-status" {
	leakfree csp-timeout -s KILL 0.2 sh -c 'setsid sleep 60 & sleep 60'
	assert_failure 137
	leakfree csp-timeout --preserve-status -s KILL 0.2 sleep 60
	assert_failure 137
}

@test "--preserve-status: the command's own status after the deadline" {
	leakfree csp-timeout --preserve-status 0.2 sleep 60
	assert_failure 143
	leakfree csp-timeout --preserve-status 0.2 sh -c 'trap "exit 0" TERM; sleep 60 & wait'
	assert_success
}

@test "-k: a command that ignores the signal gets KILL after the delay: 137" {
	leakfree csp-timeout -k 0.2 0.2 sh -c "trap '' TERM; setsid sleep 60 & sleep 60"
	assert_failure 137
}

@test "-v reports each signal sent to the command on stderr" {
	leakfree csp-timeout -v -k 0.2 0.2 sh -c "trap '' TERM; sleep 60"
	assert_failure 137
	assert_line "csp-timeout: sending signal TERM to command 'sh'"
	assert_line "csp-timeout: sending signal KILL to command 'sh'"
	[ "${#lines[@]}" -eq 2 ]
}

@test "-s takes a name in any case, with or without SIG, or a number" {
	for sig in INT sigint SIGINT int 2; do
		leakfree csp-timeout --preserve-status -s "$sig" 0.1 sleep 60
		assert_failure 130
	done
}

@test "a stopped command still gets the signal at the deadline" {
	leakfree csp-timeout 0.2 sh -c 'kill -STOP $$'
	assert_failure 124
}

@test "a command not found is 127, one not executable 126, each named" {
	leakfree sh -c 'csp-timeout 1 no-such-command-here; echo "timeout: $?"'
	assert_line --partial "csp-timeout: no-such-command-here: "
	assert_line "timeout: 127"
	printf 'echo hi\n' > "$BATS_TEST_TMPDIR/noexec"
	chmod 644 "$BATS_TEST_TMPDIR/noexec"
	leakfree sh -c 'csp-timeout 1 "$1"; echo "timeout: $?"' sh "$BATS_TEST_TMPDIR/noexec"
	assert_line --partial "noexec: Permission denied"
	assert_line "timeout: 126"
}

@test "DURATION takes s, m, h, d, fractions and ms; 0 and inf mean no deadline" {
	leakfree csp-timeout 250ms sleep 60
	assert_failure 124
	leakfree csp-timeout .2s sleep 60
	assert_failure 124
	for d in 1m 0.01h 1d 0 inf; do
		leakfree csp-timeout "$d" sh -c 'sleep 0.2; exit 4'
		assert_failure 4
	done
}

@test "a bad duration, signal or option is 125 and named, as timeout(1)" {
	run csp-timeout 1x true
	assert_failure 125
	assert_line "csp-timeout: invalid duration: 1x"
	run csp-timeout -k 1x 1 true
	assert_failure 125
	assert_line "csp-timeout: -k: invalid duration: 1x"
	run csp-timeout -- -1 true
	assert_failure 125
	run csp-timeout -s NOSUCH 1 true
	assert_failure 125
	assert_line "csp-timeout: -s: invalid signal: NOSUCH"
	run csp-timeout --bogus 1 true
	assert_failure 125
	run csp-timeout 1
	assert_failure 125
	assert_output --partial "usage: csp-timeout"
	run csp-timeout
	assert_failure 125
	run csp-timeout --done 987 1 true
	assert_failure 125
	assert_output --partial "--done: 987"
}

@test "every status is the one coreutils timeout gives in the same case" {
	command -v timeout >/dev/null || skip "no coreutils timeout"
	printf 'echo hi\n' > "$BATS_TEST_TMPDIR/noexec"
	chmod 644 "$BATS_TEST_TMPDIR/noexec"
	same_as_coreutils 5 sh -c 'exit 3'
	same_as_coreutils 5 true
	same_as_coreutils 0.2 sleep 5
	same_as_coreutils 0.2s sleep 5
	same_as_coreutils --preserve-status 0.2 sleep 5
	same_as_coreutils -s KILL 0.2 sleep 5
	same_as_coreutils --preserve-status -s KILL 0.2 sleep 5
	same_as_coreutils -s INT 0.2 sleep 5
	same_as_coreutils --preserve-status -s HUP 0.2 sleep 5
	same_as_coreutils -k 0.2 0.2 sh -c "trap '' TERM; sleep 5"
	same_as_coreutils --preserve-status -k 0.2 0.2 sh -c "trap '' TERM; sleep 5"
	same_as_coreutils 0.2 sh -c 'trap "exit 0" TERM; sleep 5 & wait'
	same_as_coreutils --preserve-status 0.2 sh -c 'trap "exit 7" TERM; sleep 5 & wait'
	same_as_coreutils 5 sh -c 'kill -TERM $$'
	same_as_coreutils 0 sh -c 'sleep 0.2; exit 4'
	same_as_coreutils 5 no-such-command-here
	same_as_coreutils 5 "$BATS_TEST_TMPDIR/noexec"
	same_as_coreutils 5 /
	same_as_coreutils 1x true
	same_as_coreutils -k 1x 1 true
	same_as_coreutils -- -1 true
	same_as_coreutils -s NOSUCH 1 true
	same_as_coreutils --bogus 1 true
	same_as_coreutils 1
}

@test "--done FD brings the deadline forward: 124, nothing left" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)
		csp-timeout --done 4 10 sh -c "setsid sleep 60 & sleep 60"; echo "timeout: $?"
	'
	assert_success
	assert_output "timeout: 124"
}

@test "--done with --preserve-status gives the command's status" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)
		csp-timeout --preserve-status --done 4 10 sleep 60; echo "timeout: $?"
	'
	assert_output "timeout: 143"
}

@test "SIGTERM to csp-timeout is passed on, the tree is stopped: 143" {
	f=$BATS_TEST_TMPDIR/ready
	leakfree bash -c '
		csp-timeout 10 sh -c "trap \"echo got TERM; exit 0\" TERM
			setsid sleep 60 & sleep 60 & echo ready > $1; wait" 3>&- & t=$!
		'"$(declare -f until_file)"'
		until_file "$1"; kill -TERM $t; wait $t; echo "timeout: $?"
	' sh "$f"
	assert_success
	assert_output "$(printf 'got TERM\ntimeout: 143')"
}

@test "SIGINT to csp-timeout: 130, and the background work that ignores INT is stopped too" {
	f=$BATS_TEST_TMPDIR/ready
	leakfree bash -c '
		csp-timeout 10 sh -c "sleep 60 & echo ready > $1; sleep 60" 3>&- & t=$!
		'"$(declare -f until_file)"'
		until_file "$1"; kill -INT $t; wait $t; echo "timeout: $?"
	' sh "$f"
	assert_success
	assert_output "timeout: 130"
}

@test "--foreground keeps the command in csp-timeout's process group; without it, its own" {
	cat > "$BATS_TEST_TMPDIR/groups" <<-'EOF'
		mine=$(cut -d' ' -f5 /proc/$$/stat)
		parent=$(cut -d' ' -f5 /proc/$PPID/stat)
		[ "$mine" = "$parent" ] && echo same || echo own
	EOF
	leakfree csp-timeout --foreground 5 sh "$BATS_TEST_TMPDIR/groups"
	assert_output "same"
	leakfree csp-timeout 5 sh "$BATS_TEST_TMPDIR/groups"
	assert_output "own"
}

@test "--foreground: what the command started is still stopped after the deadline" {
	leakfree csp-timeout --foreground 0.3 sh -c 'sleep 60 & setsid sleep 60 & sleep 60'
	assert_failure 124
}

@test "the command keeps the descriptors it was given" {
	leakfree sh -c 'csp-timeout 5 sh -c "echo through fd 5 >&5" 5>"$1"' sh "$BATS_TEST_TMPDIR/out"
	assert_success
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "through fd 5" ]
}

@test "orphans the command leaves while it runs are reaped, not kept as zombies" {
	leakfree csp-timeout 10 sh -c '
		for i in 1 2 3; do (sleep 0.1 &); done
		sleep 2.5
		awk -v p=$PPID "\$4 == p && \$3 == \"Z\"" /proc/[0-9]*/stat 2>/dev/null | wc -l'
	assert_success
	assert_output "0"
}

@test "csp-timeout --help and --version" {
	run csp-timeout --help
	assert_success
	assert_output --partial "usage: csp-timeout"
	run csp-timeout --version
	assert_success
	assert_output --regexp "^csp-timeout [0-9]+\.[0-9]+\.[0-9]+$"
}

@test "a duration too large to represent is no deadline, as timeout(1) saturates it" {
	command -v timeout >/dev/null || skip "no coreutils timeout"
	for d in 9223372036854775808d 1.1e4932 1e400 99999999999999999999; do
		same_as_coreutils "$d" sh -c 'sleep 0.2; echo ran; exit 4'
		assert_output "ran
4"
	done
	# -k too large: no KILL ever, the command that ignores TERM runs its course
	same_as_coreutils -k 1e400 0.1 sh -c "trap '' TERM; sleep 0.4; echo ran"
	assert_output "ran
124"
}

@test "a positive duration below the clock's resolution rounds up to it, and fires: 124" {
	for d in 1e-10000 1e-9 0.0000001ms; do
		leakfree csp-timeout "$d" sleep 17.313  # not a hang if it never fires
		assert_failure 124
	done
	command -v timeout >/dev/null || skip "no coreutils timeout"
	same_as_coreutils 1e-9 sh -c 'sleep 7313'
	same_as_coreutils -k 1e-9 0.1 sh -c "trap '' TERM; sleep 5"
	assert_output "137"
}

@test "-s 0 sends nothing at the deadline; -k then KILLs, as timeout(1)" {
	command -v timeout >/dev/null || skip "no coreutils timeout"
	same_as_coreutils -s 0 0.1 sh -c 'sleep 0.4; echo ran'
	assert_output "ran
124"
	same_as_coreutils -s 0 -k 0.2 0.1 sleep 5
	assert_output "137"
	same_as_coreutils --preserve-status -s 0 -k 0.2 0.1 sleep 5
	same_as_coreutils -s 0 -k 5 0.1 sh -c 'sleep 0.4; exit 3'
	same_as_coreutils --preserve-status -s 0 0.1 sh -c 'sleep 0.4; exit 3'
	same_as_coreutils -s EXIT -k 0.2 0.1 sleep 5
	same_as_coreutils -s SIG0 0.1 sh -c 'sleep 0.4; exit 3'
}

@test "-v with standard error a pipe nobody reads still exits 124, not 141" {
	# perl closes the pipe's read end before csp-timeout starts: every write to stderr fails.
	leakfree perl -e '$SIG{PIPE} = "DEFAULT"; pipe(R, W) or die; close R;
		open(STDERR, ">&", \*W) or die; exec @ARGV' csp-timeout -v 0.1 sleep 7313
	assert_failure 124
	leakfree perl -e '$SIG{PIPE} = "DEFAULT"; pipe(R, W) or die; close R;
		open(STDERR, ">&", \*W) or die; exec @ARGV' \
		csp-timeout -v -k 0.1 0.1 sh -c "trap '' TERM; sleep 7313"
	assert_failure 137
}

@test "durations are plain decimals: a blank, a sign or hex is refused (125), unlike timeout(1)" {
	for d in ' 5' '+5' 0x10 0x1p3 nan -0 '5 ' 1e 1.2.3 ''; do
		run csp-timeout -- "$d" true
		assert_failure 125
		assert_line --index 0 "csp-timeout: invalid duration: $(printf '%s' "$d" | sed "s/^ .*/'&'/; s/.* \$/'&'/")"
	done
}

@test "the signal it sends reaches a command whose parent ignored it (nohup), as timeout's does" {
	# Under nohup (HUP ignored), -s HUP must still end the command: 129, not a 5 s sleep.
	leakfree sh -c "trap '' HUP; csp-timeout --preserve-status -s HUP 0.2 sleep 5; echo \$?"
	assert_success
	assert_output 129
	# The signals it does not send stay ignored in the command, as before.
	leakfree sh -c "trap '' HUP; csp-timeout 5 sh -c 'kill -HUP \$\$; echo alive'"
	assert_success
	assert_output alive
}

#!/usr/bin/env bats
# csp-group: Go's errgroup: run them all; the first failure stops the rest; wait for all.

load common

@test "csp-group runs every command and exits 0 when all succeed" {
	leakfree sh -c 'csp-group "echo a" "echo b" "echo c" | sort'
	assert_success
	assert_output "$(printf 'a\nb\nc')"
}

@test "csp-group: the first failure stops a long sleeper and is the exit status" {
	# timeout: were the sleeper not stopped, this would end in 124, not 3
	leakfree timeout 30 csp-group 'sleep 60' 'exit 3'
	assert_failure 3
	assert_output "csp-group: failed (status 3): exit 3"
}

@test "csp-group: a command that ignores SIGTERM is killed after the grace period" {
	leakfree timeout 30 csp-group -g 200ms "trap '' TERM; sleep 60; sleep 60" 'sleep 0.1; exit 5'
	assert_failure 5
	assert_output --partial "failed (status 5): sleep 0.1; exit 5"
}

@test "csp-group: a command killed by a signal is a failure, 128 plus the signal" {
	leakfree timeout 30 csp-group 'sleep 60' 'kill -KILL $$'
	assert_failure 137
	assert_output --partial "failed (status 137)"
}

@test "csp-group: what a command left behind, setsid or not, is stopped at the end" {
	leakfree csp-group 'setsid sleep 60 & sleep 60 & true'
	assert_success
}

@test "csp-group reaps the orphans it adopts while the commands run: no zombies pile up" {
	# the orphaned sleeps come to csp-group, the shell's parent: unreaped, they show as Z
	leakfree csp-group '(sleep 0.1 &); (sleep 0.1 &); sleep 2.5; ! ps -o stat= --ppid $PPID | grep Z'
	assert_success
	assert_output ""
}

@test "csp-group -j 1 runs them one at a time in order, and none starts after a failure" {
	cd "$BATS_TEST_TMPDIR"
	leakfree csp-group -j 1 'echo 1 >> log' 'echo 2 >> log; exit 4' 'echo 3 >> log; touch late'
	assert_failure 4
	assert_equal "$(cat log)" "$(printf '1\n2')"
	[ ! -e late ]
}

@test "csp-group -j 2 never runs more than 2 at once" {
	cd "$BATS_TEST_TMPDIR"
	leakfree csp-group -j 2 'echo + >> log; sleep 0.2; echo - >> log' \
		'echo + >> log; sleep 0.2; echo - >> log' \
		'echo + >> log; sleep 0.2; echo - >> log' \
		'echo + >> log; sleep 0.2; echo - >> log'
	assert_success
	run awk '/\+/ { n++; if (n > max) max = n } /-/ { n-- } END { print NR, max }' log
	assert_output "8 2"
}

@test "csp-group -j 0 and no -j run them all at once" {
	cd "$BATS_TEST_TMPDIR"
	for j in "" "-j 0"; do
		rm -f log
		# Each waits until all three have started: only all at once can finish.
		# shellcheck disable=SC2086
		leakfree csp-group -g 0 $j 'echo >> log; until [ $(wc -l < log) -ge 3 ]; do sleep 0.05; done' \
			'echo >> log; until [ $(wc -l < log) -ge 3 ]; do sleep 0.05; done' \
			'echo >> log; until [ $(wc -l < log) -ge 3 ]; do sleep 0.05; done'
		assert_success
	done
}

@test "csp-group: a command's stdout and stderr are csp-group's own; its stdin is /dev/null" {
	leakfree sh -c 'echo in | csp-group "cat; echo out; echo err >&2" 2>&1'
	assert_success
	assert_output "$(printf 'out\nerr')"
}

@test "csp-group: a command that cannot be found fails with 127" {
	leakfree sh -c 'timeout 30 csp-group "sleep 60" "no-such-command-here"; echo "group: $?"'
	assert_output --partial "failed (status 127): no-such-command-here"
	assert_output --partial "group: 127"
}

@test "csp-group stops quietly when stdout's reader goes away" {
	leakfree bash -c 'csp-group "yes" "sleep 60" | head -1; echo "group: ${PIPESTATUS[0]}"'
	assert_success
	assert_output "$(printf 'y\ngroup: 0')"
}

@test "csp-group --done FD: closing it stops them all, exit 0" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)                 # EOF on fd 4 in 0.3 s
		csp-group --done 4 "sleep 60" "sleep 60"; echo "group: $?"
	'
	assert_success
	assert_output "group: 0"
}

@test "csp-group is cancelled by SIGTERM: 143, and nothing it started is left" {
	leakfree bash -c '
		csp-group "sleep 60" "trap \"\" TERM; sleep 60; sleep 60" 3>&- & g=$!
		sleep 0.3; kill -TERM $g; wait $g; echo "group: $?"
	'
	assert_success
	assert_output "group: 143"
}

@test "csp-group: a bad -j or -g is a usage error naming it" {
	run csp-group -j x 'true'
	assert_failure 2
	assert_output "csp-group: -j: invalid job count: x"
	run csp-group -j -1 'true'
	assert_failure 2
	assert_output --partial "-j: invalid"
	run csp-group -g soon 'true'
	assert_failure 2
	assert_output "csp-group: -g: invalid duration: soon"
	run csp-group
	assert_failure 2
	run csp-group --bogus 'true'
	assert_failure 2
	assert_output --partial "usage: csp-group"
}

@test "csp-group --help and --version" {
	run csp-group --help
	assert_success
	assert_output --partial "usage: csp-group"
	run csp-group --version
	assert_success
	assert_output --regexp "^csp-group [0-9]+\.[0-9]+\.[0-9]+$"
}

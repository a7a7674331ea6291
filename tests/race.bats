#!/usr/bin/env bats
# csp-race: the first command to finish wins; the rest are stopped, trees and all.

load common

@test "the first to finish wins: its output passes, the loser is stopped" {
	leakfree csp-race 'sleep 60' 'echo fast'
	assert_success
	assert_output "fast"
}

@test "a loser that ignores SIGTERM is killed after the grace period" {
	leakfree csp-race -g 100ms "trap '' TERM; sleep 60" 'sleep 0.2; echo fast'
	assert_success
	assert_output "fast"
	leakfree csp-race "sh -c \"trap '' TERM; sleep 60\"" 'echo fast'
	assert_success
	assert_output "fast"
}

@test "what losers and the winner started in other sessions is stopped too" {
	leakfree csp-race 'setsid sleep 60 & sleep 60' 'setsid sleep 60 & sleep 60 & echo fast'
	assert_success
	assert_output "fast"
}

@test "one stop: an escaper hears SIGTERM while a loser that ignores it is still in its grace" {
	d=$BATS_TEST_TMPDIR
	cat > "$d/escaper" <<-EOF
		trap 'if kill -0 \$(cat $d/loser); then echo during; else echo after; fi > $d/heard; exit' TERM
		touch $d/ready
		while :; do sleep 0.05; done
	EOF
	leakfree csp-race -g 3s "echo \$\$ > $d/loser; trap '' TERM; sleep 7313" \
		"until [ -s $d/loser ]; do sleep 0.01; done; setsid sh $d/escaper >/dev/null 2>&1 &
		 until [ -e $d/ready ]; do sleep 0.01; done; echo fast"
	assert_success
	assert_output "fast"
	run cat "$d/heard"
	assert_output "during"
}

@test "the winner's status is the exit status" {
	leakfree csp-race 'sleep 60' 'echo seven; exit 7'
	assert_failure 7
	assert_output "seven"
	leakfree csp-race 'sleep 60' 'kill -KILL $$'
	assert_failure 137
}

@test "one command is its own race" {
	leakfree csp-race 'echo only; exit 3'
	assert_failure 3
	assert_output "only"
}

@test "the output of a loser never appears, though it wrote first and a lot" {
	leakfree csp-race 'echo loser; seq 100000; sleep 60' 'sleep 0.3; echo winner' 'seq 50000; sleep 60'
	assert_success
	assert_output "winner"
}

@test "--success passes over a fast failure" {
	leakfree csp-race --success 'echo bad; exit 1' 'sleep 0.3; echo good' 'sleep 60'
	assert_success
	assert_output "good"
}

@test "--success when every command fails: the last failure's output and status" {
	leakfree csp-race --success 'echo first; exit 3' 'sleep 0.3; echo last; exit 4'
	assert_failure 4
	assert_output "last"
}

@test "-n 3: three replicas, told CSP_REPLICA 0, 1 and 2" {
	f=$BATS_TEST_TMPDIR/seen
	: > "$f"
	leakfree csp-race -s -n 3 '
		echo $CSP_REPLICA >> '"$f"'
		[ $CSP_REPLICA = 2 ] || exit 1
		while [ $(wc -l < '"$f"') -lt 3 ]; do sleep 0.05; done
		echo "replica $CSP_REPLICA won"'
	assert_success
	assert_output "replica 2 won"
	[ "$(sort "$f" | tr '\n' ' ')" = "0 1 2 " ]
}

@test "each command of a race is told its position in CSP_REPLICA" {
	leakfree csp-race 'sleep 60' 'sleep 60' 'echo $CSP_REPLICA'
	assert_success
	assert_output "2"
}

@test "records longer than PIPE_BUF from the winner come out whole" {
	leakfree sh -c 'csp-race "yes loser | head -c 300000; sleep 60" \
		"for c in a b c; do head -c 100000 /dev/zero | tr \"\\0\" \$c; echo; done" | cksum'
	assert_success
	assert_output "$(for c in a b c; do head -c 100000 /dev/zero | tr '\0' $c; echo; done | cksum)"
}

@test "a winner's 100 MB output comes out whole" {
	leakfree sh -c 'csp-race "head -c 100000000 /dev/zero | tr \"\\0\" x; echo" "sleep 60" | cksum'
	assert_success
	assert_output "$({ head -c 100000000 /dev/zero | tr '\0' x; echo; } | cksum)"
}

@test "a final record without a newline is passed as it came" {
	leakfree sh -c "csp-race 'printf abc' 'sleep 60' | od -An -c | tr -d ' '"
	assert_success
	assert_output "abc"
}

@test "the commands read /dev/null, not csp-race's input" {
	leakfree sh -c 'echo input | csp-race "cat; echo end"'
	assert_success
	assert_output "end"
}

@test "csp-race stops quietly when stdout's reader goes away: 0, nothing left" {
	leakfree bash -c 'csp-race "seq 1000000" "sleep 60" | head -1; echo "race: ${PIPESTATUS[0]}"'
	assert_success
	assert_output "$(printf '1\nrace: 0')"
}

@test "--done FD cancels every command: 0, no output, nothing left" {
	leakfree bash -c '
		exec 4< <(sleep 0.3)
		csp-race --done 4 "echo a; sleep 60" "setsid sleep 60 & sleep 60"; echo "race: $?"
	'
	assert_success
	assert_output "race: 0"
}

@test "SIGTERM to csp-race stops every command: 143, nothing left" {
	leakfree bash -c '
		csp-race "sleep 60" "setsid sleep 60 & sleep 60" 3>&- & r=$!
		sleep 0.3; kill -TERM $r; wait $r; echo "race: $?"
	'
	assert_success
	assert_output "race: 143"
}

@test "a bad option or value is a usage error naming it" {
	run csp-race
	assert_failure 2
	assert_output --partial "usage: csp-race"
	run csp-race -n 0 true
	assert_failure 2
	assert_output "csp-race: -n: invalid count (1 to 1024): 0"
	run csp-race -n x true
	assert_failure 2
	run csp-race -n 3 true false
	assert_failure 2
	assert_output "csp-race: -n: takes one command, not 2"
	run csp-race -g soon true
	assert_failure 2
	assert_output "csp-race: -g: invalid duration: soon"
	run csp-race --done 987 true
	assert_failure 2
	assert_output --partial "--done: 987"
	run csp-race --bogus true
	assert_failure 2
}

@test "csp-race --help and --version" {
	run csp-race --help
	assert_success
	assert_output --partial "usage: csp-race"
	run csp-race --version
	assert_success
	assert_output --regexp "^csp-race [0-9]+\.[0-9]+\.[0-9]+$"
}

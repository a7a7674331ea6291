#!/usr/bin/env bats
# The library's behaviours: each test runs one libtest case under the leak check.

load common

libtest() {
	leakfree "$CSP_PROG/libtest" "$@"
	assert_success
}

@test "a channel of capacity 0 is a rendezvous: no send completes before a receive" {
	libtest capacity 0
	assert_output --partial "cap 0: 0 sends before a receive"
}

@test "a channel of capacity 1 lets exactly one send ahead" {
	libtest capacity 1
}

@test "a channel of capacity 2 lets exactly two sends ahead" {
	libtest capacity 2
}

@test "a channel of capacity 1024 lets exactly 1024 sends ahead, not a pipe's 64 KiB" {
	libtest capacity 1024
}

@test "receive after close drains what is buffered, then reports ok=false" {
	libtest drain
}

@test "send with no receiver left is EPIPE, not a SIGPIPE death (buffered)" {
	libtest epipe 3
}

@test "send with no receiver left is EPIPE, not a SIGPIPE death (rendezvous)" {
	libtest epipe 0
}

@test "framed messages from four writers arrive whole, every one of them" {
	libtest messages
	assert_output --partial "none lost"
}

chantest() {
	leakfree "$CSP_PROG/chantest" "$@"
	assert_success
}

@test "two senders share a capacity of 1024: a sender that stops holds no slots" {
	chantest senders 2 1024
}

@test "eight senders share capacities of 1 and 2, whole again after one leaves" {
	chantest senders 8 1
	chantest senders 8 2
}

@test "every value once: 1, 2 and 8 senders and receivers, capacity 0, 1 and 1024" {
	for s in 1 2 8; do
		for r in 1 2 8; do
			for c in 0 1 1024; do
				chantest exact "$s" "$r" "$c"
			done
		done
	done
}

@test "every value once through select: 1 and 8 senders, 2 and 8 receivers, capacity 0, 1 and 1024" {
	for s in 1 8; do
		for r in 2 8; do
			for c in 0 1 1024; do
				chantest selexact "$s" "$r" "$c"
				assert_output --partial "(select), capacity $c: "
			done
		done
	done
}

@test "capacity 0: a send or receive that returns ECANCELED transferred nothing" {
	chantest rendezvous 300
	assert_output --partial "cancelled and never delivered"
}

@test "capacity 0 in select: a done chosen over a send or receive means nothing moved" {
	chantest select0 300
	assert_output --partial "given up and never delivered"
}

@test "select never chooses a case whose end this process closed, even with a value waiting" {
	for c in 0 1 1024; do
		chantest closed "$c"
		assert_output --partial "capacity $c: closed ends never ready"
	done
}

@test "random schedules of sends, receives, closes and cancels agree with the model" {
	leakfree "$CSP_PROG/chanmodel" 2000
	assert_success
	assert_output --partial "agree with the model"
}

@test "fixed-size values shared by three receivers go to exactly one each" {
	libtest readers
}

@test "select chooses uniformly among ready cases and never a disabled one" {
	libtest select-random
}

@test "select with default does not block; with a deadline it waits that long" {
	libtest select-wait
}

@test "closing a done cancels every holder at once" {
	libtest broadcast
}

@test "a derived done fires with its parent, never upward, and keeps its cause" {
	libtest tree
}

@test "blocking calls fail with ECANCELED when their done fires" {
	libtest blocking-cancel
}

@test "a goroutine process keeps only 0, 1, 2 and the fds it was handed" {
	libtest fds
}

@test "a goroutine process has its name in ps and dies with its parent" {
	libtest name-and-death
}

@test "statuses: return is 0, exit code as is, a signal is 128+N; reap-all reaps all" {
	libtest status
}

@test "a failed exec is an error from csp_spawn, not a running child" {
	libtest spawn-errors
}

@test "csp_spawn: a session or a group of its own exists by the time it returns" {
	libtest spawn-alone
	assert_output "own session, own group"
}

@test "csp_spawn: fds may swap standard input and output" {
	libtest spawn-swap
	assert_output --partial "swapped"
}

@test "stopping a process group that ignores SIGTERM: grace, then SIGKILL to all" {
	libtest stop-group
}

@test "what a goroutine prints and never flushes comes out once, the parent's too" {
	leakfree "$CSP_PROG/libtest" print
	assert_success
	assert_output "$(printf '%s\n' "from the parent" "from the child")"
}

@test "a subreaper stops its whole tree: setsid escapers, double forks, stopped ones" {
	libtest stop-tree
}

@test "durations: 250ms, 1.5s, 2m, 1h, bare seconds; bad ones rejected" {
	libtest duration
}

#!/usr/bin/env bats
# The library as a guest in someone else's program: tests/prog-so/guest.c,
# linked to the shared libcspipe, checks that the program keeps what is its
# own. Each case runs under the leak check; timeout 20 turns a hang into a failure.

load common

# Beside prog/ in the build being tested (make check sets CSP_PROG for it).
SO=$CSP_PROG/..
GUEST=$SO/prog-so/guest

guest() {
	leakfree timeout 20 "$GUEST" "$@"
}

@test "the program's own children, started before and after, stay its own to reap" {
	guest children
	assert_success
	assert_output --partial "own children 7 and 9 reaped by the program; not a subreaper"
}

@test "argv and environ are untouched by linking and using the library" {
	guest argv one two
	assert_success
}

@test "argv and environ are untouched by dlopen() of the library" {
	leakfree "$SO/prog-so/guest-dlopen" "$SO/libcspipe.so" one two
	assert_success
}

@test "a failed start's handle is inert: stop and wait fail, no sibling is signalled" {
	# A broken guard would kill(-1, ...): keep that inside a pid namespace.
	unshare --pid --fork true 2>/dev/null || skip "no pid namespace to contain a kill(-1)"
	leakfree timeout 20 unshare --pid --fork "$GUEST" inert
	assert_success
	assert_output "failed handles: ECHILD; siblings alive"
}

@test "a goroutine starts with default handlers, an empty mask and no self-pipe" {
	guest handlers
	assert_success
}

@test "exec'd jobs lose the library's SIG_IGN of SIGPIPE, and only that" {
	guest sigexec fresh
	assert_success
	assert_output --partial "the library's SIGPIPE undone"
}

@test "signals ignored on entry (trap '' PIPE HUP) stay ignored in exec'd jobs" {
	leakfree timeout 20 sh -c "trap '' PIPE HUP; exec '$GUEST' sigexec inherited"
	assert_success
	assert_output --partial "PIPE HUP USR2"
}

@test "csp-timeout's job keeps a SIGPIPE its caller ignored" {
	leakfree sh -c "trap '' PIPE; exec csp-timeout 10 grep SigIgn /proc/self/status"
	assert_success
	# SIGPIPE is signal 13: bit 12, the 0x1000 of the mask.
	[ $(( 0x${output##*[[:space:]]} & 0x1000 )) -ne 0 ]
}

@test "SIGCHLD ignored: every start fails with ECHILD, nothing hangs" {
	guest sigchld ignore
	assert_success
	assert_output "SIGCHLD ignore: No child processes"
}

@test "SIGCHLD with SA_NOCLDWAIT: every start fails with ECHILD" {
	guest sigchld nocldwait
	assert_success
}

@test "SIGCHLD ignored by the caller (trap '' CHLD): ECHILD, nothing hangs" {
	leakfree timeout 20 bash -c "trap '' CHLD; exec '$GUEST' sigchld inherited"
	assert_success
}

@test "a goroutine started from a thread that ends at once ends with it, every time" {
	guest thread 200
	assert_success
	assert_output "200 of 200 goroutines ended with their thread"
}

@test "csp_stop_tree signals by pidfd, and only a process that started when the one seen did" {
	leakfree timeout 20 "$CSP_PROG/stale"
	assert_success
}

@test "blocked select, proc_wait and wait_fd sleep: CPU time far below wall time" {
	guest idle
	assert_success
	assert_line --partial "csp_select, no cases"
	assert_line --partial "csp_proc_wait"
}

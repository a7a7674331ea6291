# leakfree.bash: bats helpers that prove a command left no process behind.
#
#   load leakfree            (or: load /usr/local/share/cspipe/bats/leakfree)
#   @test "..." { leakfree my-command arg; [ "$status" -eq 0 ]; }
#
# leakfree runs its command like bats' `run`, under csp-leakcheck, and fails
# the test if any descendant outlived it. $status and $output are the
# command's own. CSP_LEAK_BOUND sets how long stragglers may take to go.

leakfree() {
	local report
	report=$(mktemp "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/leaks.XXXXXX")
	run csp-leakcheck -t "${CSP_LEAK_BOUND:-2s}" -o "$report" -- "$@"
	if [ -s "$report" ]; then
		echo "processes left behind by: $*" >&2
		cat "$report" >&2
		rm -f "$report"
		return 1
	fi
	rm -f "$report"
}

# leakfree_sh SCRIPT: the same, for a shell snippet.
leakfree_sh() {
	leakfree sh -c "$1"
}

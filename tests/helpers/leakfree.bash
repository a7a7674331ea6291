# leakfree.bash: bats helpers that prove a command left no process behind.
#
#   bats_load_library cspipe   (installed as PREFIX/lib/bats/cspipe/load.bash;
#                               BATS_LIB_PATH must hold PREFIX/lib/bats)
#   @test "..." { leakfree my-command arg; [ "$status" -eq 0 ]; }
#
# leakfree runs its command like bats' `run`, under csp-leakcheck, and fails
# the test if any descendant outlived it. $status and $output are the
# command's own. CSP_LEAK_BOUND sets how long stragglers may take to go.
# Without csp-leakcheck in PATH every leakfree fails: it never passes unchecked.

leakfree() {
	local report
	if ! command -v csp-leakcheck >/dev/null 2>&1; then
		echo "leakfree: csp-leakcheck is not in PATH: nothing can be checked" >&2
		return 1
	fi
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

#!/usr/bin/env bats
# What every csp-* command shares on its command line: --help, --version,
# the complaints about bad options, strict numbers, and names made safe.

load common

COMMANDS="bridge fanout group heartbeat leakcheck merge queue race rand ratelimit repeat
	supervise take tee timeout"

# usage_status NAME: a usage error's exit status: 125 for csp-timeout, as timeout(1);
# 255 for csp-fanout, as GNU parallel (its 1-101 count failed jobs).
usage_status() {
	case $1 in
	timeout) echo 125 ;;
	fanout) echo 255 ;;
	*) echo 2 ;;
	esac
}

@test "every command's --help lists each option its man page documents, one a line" {
	for c in $COMMANDS; do
		run "csp-$c" --help
		assert_success
		assert_line --index 0 --partial "usage: csp-$c "
		grep '^\.It Fl' "$BATS_TEST_DIRNAME/../man/man1/csp-$c.1" |
			grep -o 'Fl \\\?-[a-z][a-z-]*' | sed 's/Fl \\\?-//' | sort -u > "$BATS_TEST_TMPDIR/opts"
		while read -r o; do
			# one line starts with the option (its short form first, if it has one)
			printf '%s\n' "$output" | grep -qE "^  (-., )?(    )?--$o([= ]|\$)" ||
				printf '%s\n' "$output" | grep -qE "^  .*\(.*--$o\)" || {
				echo "csp-$c --help: no line for --$o" >&2
				return 1
			}
		done < "$BATS_TEST_TMPDIR/opts"
	done
}

@test "every command's --version and -V print its name and the version, as its page shows" {
	version=$(sed -n 's/^#define CSP_VERSION "\(.*\)"$/\1/p' "$BATS_TEST_DIRNAME/../lib/cspipe.h")
	[ -n "$version" ]
	for c in $COMMANDS; do
		run --separate-stderr "csp-$c" --version
		assert_success
		assert_output "csp-$c $version"
		[ -z "$stderr" ]
		run "csp-$c" -V
		assert_success
		assert_output "csp-$c $version"
		[ "$c" = fanout ] && continue  # its page is another's
		grep -qx "\.Ql csp-$c $version ," "$BATS_TEST_DIRNAME/../man/man1/csp-$c.1" || {
			echo "csp-$c.1 does not show its --version line" >&2
			return 1
		}
	done
}

@test "--help and --version to a full disk fail with a message, not 0" {
	for c in $COMMANDS; do
		for o in --help --version; do
			run sh -c '"$@" > /dev/full' sh "csp-$c" "$o"
			assert_failure 125
			assert_output "csp-$c: standard output: No space left on device"
		done
	done
}

@test "getopt's complaints name the command, not the path it was run by" {
	for c in $COMMANDS; do
		[ "$c" = fanout ] && continue  # its own parsing: the first half only
		run "$CSP_BUILD/bin/csp-$c" --no-such-option
		assert_failure "$(usage_status "$c")"
		assert_line --index 0 "csp-$c: --no-such-option: unrecognized option"
		assert_line --index 1 --partial "usage: csp-$c "
		run "$CSP_BUILD/bin/csp-$c" -Q
		assert_failure "$(usage_status "$c")"
		assert_line --index 0 "csp-$c: -Q: unrecognized option"
	done
	run "$CSP_BUILD/bin/csp-fanout" --no-such-option
	assert_failure "$(usage_status fanout)"
	assert_line --index 0 --partial "csp-fanout: "
}

@test "a missing argument, an argument to a flag, an ambiguous name: each said so" {
	run "$CSP_BUILD/bin/csp-take" --done
	assert_failure 2
	assert_line --index 0 "csp-take: --done: needs an argument (fd|fifo)"
	run "$CSP_BUILD/bin/csp-timeout" -k
	assert_failure 125
	assert_line --index 0 "csp-timeout: -k: needs an argument (duration)"
	run csp-tee --strict=yes -c cat
	assert_failure 2
	assert_line --index 0 "csp-tee: --strict: takes no argument"
	run csp-supervise --max 3 -- true
	assert_failure 2
	assert_line --index 0 "csp-supervise: --max: ambiguous option: say more of its name"
	# a bad letter inside a cluster, after a long option: the letter is named
	run csp-take --null -Q0 5
	assert_failure 2
	assert_line --index 0 "csp-take: -Q: unrecognized option"
}

@test "a 100 KB bad argument is cut short with ..., not echoed whole" {
	big=$(head -c 100000 /dev/zero | tr '\0' 7)x
	run csp-take "$big"
	assert_failure 2
	assert_output "csp-take: count: invalid: $(printf '7%.0s' $(seq 96))..."
	for cmd in "csp-race -g" "csp-group -j" "csp-rand -n" "csp-timeout" \
	           "csp-ratelimit -r" "csp-leakcheck -t"; do
		run $cmd "$big" true
		assert_failure
		[ "${#output}" -lt 400 ] || { echo "$cmd: ${#output} bytes" >&2; return 1; }
		assert_line --index 0 --regexp '^csp-[a-z]+: .*: 7{96}\.\.\.$'
	done
}

@test "names from input are escaped, never written raw to the terminal" {
	esc=$(printf '\033')
	name="$BATS_TEST_TMPDIR/no${esc}[31mred"
	run csp-merge "$name"
	assert_failure 1
	assert_output "csp-merge: $BATS_TEST_TMPDIR/no\\033[31mred: No such file or directory"
	leakfree sh -c 'printf "%s\n" "$1" | csp-bridge' sh "$name"
	assert_failure 1
	assert_output "csp-bridge: $BATS_TEST_TMPDIR/no\\033[31mred: No such file or directory"
	leakfree csp-group "exit 3 # $(printf 'two\nlines%s' "\\")"
	assert_failure 3
	assert_output "csp-group: failed (status 3): exit 3 # two\\nlines\\\\"
	: > "$BATS_TEST_TMPDIR/not${esc}runnable"
	leakfree csp-timeout 5 "$BATS_TEST_TMPDIR/not${esc}runnable"
	assert_failure 126
	assert_output "csp-timeout: $BATS_TEST_TMPDIR/not\\033runnable: Permission denied"
	# UTF-8 is shown as it is; C1 controls are not.
	run csp-take "café$(printf '\302\233')"
	assert_failure 2
	assert_output 'csp-take: count: invalid: café\302\233'
}

@test "counts are strict: a blank, a sign or hex is refused, naming what was given" {
	for n in ' 5' '+5' 0x10 5x '5 ' ''; do
		run csp-take -- "$n"
		assert_failure 2
		assert_output "csp-take: count: invalid: $(printf '%s' "$n" | sed "s/^ .*/'&'/; s/.* \$/'&'/")"
	done
	run csp-group -j +1 true
	assert_failure 2
	run csp-rand -n ' 3'
	assert_failure 2
	run csp-race -n +2 true
	assert_failure 2
	run csp-rand -n 3 -r '+1:5'
	assert_failure 2
}

@test "durations are strict: blanks, signs, hex, inf and nan are refused" {
	for d in ' 1' '+1' 0x10 inf nan 1e 1..2 '1 s' 1S; do
		run csp-race -g "$d" true
		assert_failure 2
		assert_output --partial "csp-race: -g: invalid duration: "
		run csp-leakcheck -t "$d" true
		assert_failure 2
	done
	for d in 1e-3 .5 5. 2.5e1ms 1E2ms; do
		leakfree csp-race -g "$d" true
		assert_success
	done
}

@test "a positive duration below a millisecond is 1 ms, not 0: -g 1e-9 is a grace at all" {
	# csp-timeout -k 1e-9: KILL a millisecond after the TERM the command ignores.
	# Were 1e-9 taken as 0, -k would be off and the command would run its 7 s.
	leakfree csp-timeout -k 1e-9 0.1 sh -c "trap '' TERM; sleep 7.313"
	assert_failure 137
}

@test "csp-take -1 says counts are 0 or more, and that head's -N is not taken" {
	run csp-take -1
	assert_failure 2
	assert_output "csp-take: -1: a count is 0 or more, and head's -N is not taken: csp-take N passes the first N records"
	run csp-take -- -1
	assert_failure 2
	assert_output "csp-take: count: invalid: -1"
}

@test "csp-leakcheck -h is --help: the help on standard output, status 0" {
	run --separate-stderr csp-leakcheck -h
	assert_success
	assert_line --index 0 --partial "usage: csp-leakcheck "
	[ -z "$stderr" ]
	help=$output
	run csp-leakcheck --help
	[ "$output" = "$help" ]
}

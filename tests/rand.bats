#!/usr/bin/env bats
# csp-rand: the seed's random-integer stream: uniform integers, one a record.

load common

# in_range LO HI: every line of stdin is an integer from LO to HI (as strings:
# awk's numbers are doubles, too coarse for 63-bit bounds). Prints the bad ones.
in_range() {
	awk -v lo="$1" -v hi="$2" '
		function cmp(a, b,   na, nb) {   # -1, 0, 1 for integers as strings
			na = a ~ /^-/; nb = b ~ /^-/
			if (na != nb) return na ? -1 : 1
			if (na) return -cmp(substr(a, 2), substr(b, 2))
			if (length(a) != length(b)) return length(a) < length(b) ? -1 : 1
			return a < b ? -1 : a > b ? 1 : 0
		}
		!/^(0|-?[1-9][0-9]*)$/ || cmp($0 "", lo) < 0 || cmp($0 "", hi) > 0 { print "bad: " $0 }
	'
}

@test "csp-rand -n 1000 gives exactly 1000 non-negative 63-bit integers, not all alike" {
	leakfree sh -c 'csp-rand -n 1000'
	assert_success
	[ "${#lines[@]}" -eq 1000 ]
	run in_range 0 9223372036854775807 <<< "$output"
	assert_output ""
	leakfree sh -c 'csp-rand -n 1000 | sort -u | wc -l'
	[ "$output" -gt 990 ]
}

@test "csp-rand by default reaches the top of the 63-bit range" {
	# Half the draws are 2^62 or more: 19 digits from 4611686018427387904 up.
	leakfree sh -c 'csp-rand -n 1000 | awk "length(\$0) == 19 && \$0 \"\" >= \"4611686018427387904\"" | wc -l'
	assert_success
	[ "$output" -gt 300 ]
}

@test "csp-rand -n 0 prints nothing" {
	leakfree csp-rand -n 0
	assert_success
	assert_output ""
}

@test "csp-rand -r 1:6 -n 60000 gives each face roughly 10000 times" {
	leakfree sh -c 'csp-rand -r 1:6 -n 60000 | sort -n | uniq -c'
	assert_success
	[ "${#lines[@]}" -eq 6 ]
	for face in 1 2 3 4 5 6; do
		count=$(awk -v f="$face" '$2 == f { print $1 }' <<< "$output")
		[ "$count" -ge 9000 ] && [ "$count" -le 11000 ] || { echo "face $face: $count"; false; }
	done
}

@test "csp-rand -r 5:5 gives only 5" {
	leakfree sh -c 'csp-rand -r 5:5 -n 100 | sort -u'
	assert_success
	assert_output 5
}

@test "csp-rand -r -3:3 gives every integer from -3 to 3 and nothing else" {
	leakfree sh -c 'csp-rand -r -3:3 -n 7000 | sort -n | uniq | tr "\n" " "'
	assert_success
	assert_output "-3 -2 -1 0 1 2 3 "
}

@test "csp-rand -r 0:9223372036854775807, the full default range, works" {
	leakfree csp-rand -r 0:9223372036854775807 -n 1000
	assert_success
	[ "${#lines[@]}" -eq 1000 ]
	run in_range 0 9223372036854775807 <<< "$output"
	assert_output ""
}

@test "csp-rand draws over all 64 bits and over spans wider than 32 bits" {
	local nums
	leakfree csp-rand -r -9223372036854775808:9223372036854775807 -n 1000
	assert_success
	nums=$output
	run in_range -9223372036854775808 9223372036854775807 <<< "$nums"
	assert_output ""
	# About half negative (the count was taken of in_range's empty output before).
	run grep -c '^-' <<< "$nums"
	[ "$output" -gt 300 ]
	[ "$output" -lt 700 ]
	# 0..10^10 is past 32 bits and no power of two: the rejection loop.
	leakfree csp-rand -r 0:10000000000 -n 1000
	assert_success
	run in_range 0 10000000000 <<< "$output"
	assert_output ""
	leakfree sh -c 'csp-rand -r 0:10000000000 -n 1000 | awk "\$1 >= 5000000000" | wc -l'
	assert_success
	[ "$output" -gt 300 ]
	[ "$output" -lt 700 ]
}

@test "csp-rand -0 ends each number with a NUL" {
	leakfree sh -c "csp-rand -0 -r 7:7 -n 3 | tr '\0' '|'"
	assert_success
	assert_output "7|7|7|"
}

@test "csp-rand stops quietly when stdout's reader goes away, exit 0" {
	leakfree bash -c 'csp-rand | head -1; echo "rand: ${PIPESTATUS[0]}"'
	assert_success
	assert_line --index 1 "rand: 0"
	run in_range 0 9223372036854775807 <<< "${lines[0]}"
	assert_output ""
}

@test "csp-rand --done FD and FIFO: the stream stops, exit 0" {
	mkfifo "$BATS_TEST_TMPDIR/done"
	leakfree bash -c '
		exec 4< <(sleep 0.3)                 # EOF on fd 4 in 0.3 s
		csp-rand --done 4 | wc -c > /dev/null; echo "fd: ${PIPESTATUS[0]}"
		(csp-rand --done "$1" | wc -c > /dev/null; echo "fifo: ${PIPESTATUS[0]}") &
		exec 5> "$1"
		sleep 0.3; exec 5>&-; wait
	' sh "$BATS_TEST_TMPDIR/done"
	assert_success
	assert_output "$(printf 'fd: 0\nfifo: 0')"
}

@test "csp-rand is stopped by SIGTERM mid-stream: 143" {
	leakfree bash -c '
		csp-rand > /dev/null & pid=$!
		sleep 0.3; kill -TERM $pid; wait $pid; echo "rand: $?"
	'
	assert_success
	assert_output "rand: 143"
}

@test "csp-rand: bad ranges and counts are usage errors naming the option" {
	run csp-rand -r 6:1
	assert_failure 2
	assert_output "csp-rand: -r: LO is greater than HI: 6:1"
	for bad in x 1 1: :5 1:2:3 a:b 0:9223372036854775808 -9223372036854775809:0 "1 :2"; do
		run csp-rand -r "$bad"
		[ "$status" -eq 2 ] || { echo "-r $bad: $status"; false; }
		assert_output --partial "csp-rand: -r: "
	done
	run csp-rand -n -1
	assert_failure 2
	assert_output "csp-rand: -n: invalid count: -1"
	run csp-rand -n x
	assert_failure 2
	run csp-rand -r
	assert_failure 2
	run csp-rand 5
	assert_failure 2
	assert_output --partial "usage: csp-rand"
	run csp-rand --done 987
	assert_failure 2
	assert_output --partial "--done: 987"
}

@test "csp-rand --help and --version" {
	run csp-rand --help
	assert_success
	assert_output --partial "usage: csp-rand"
	run csp-rand --version
	assert_success
	assert_output --regexp "^csp-rand [0-9]+\.[0-9]+\.[0-9]+$"
}

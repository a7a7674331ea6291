#!/usr/bin/env bats
# make install and uninstall, and what a newcomer does next: build the README's
# example against the installed pkg-config file, run it and the commands with
# an empty environment, load the bats helper, complete an option, read a page.

load common

top=$BATS_TEST_DIRNAME/..

# The README's C example, exactly as pasted from README.md.
readme_example() {
	awk '/^```c$/ { p = 1; next } /^```$/ { p = 0 } p' "$top/README.md"
}

# mk TARGET [make variables...]: make in the tree, quietly, from the optimised
# build whatever the suite runs under (not the sanitizers': a program linked
# to an ASan libcspipe.so needs ASan itself), and not as a sub-make of make check.
mk() {
	MAKEFLAGS='' MFLAGS='' make -s -C "$top" --no-print-directory SANITIZE= B=build/opt "$@" >/dev/null
}
inst() { mk install "$@"; }
uninst() { mk uninstall "$@"; }

# One installation into a PREFIX for the tests that only read it.
setup_file() {
	export P=$BATS_FILE_TMPDIR/prefix
	inst PREFIX="$P"
}

# The functions cspipe.h declares (not its typedefs of function types).
header_functions() {
	grep -v '^typedef' "$top/lib/cspipe.h" | grep -o '\bcsp_[a-z0-9_]*(' | tr -d '(' | sort -u
}

@test "the README's C example compiles warning-free as pasted and prints what it says" {
	readme_example > "$BATS_TEST_TMPDIR/ex.c"
	[ -s "$BATS_TEST_TMPDIR/ex.c" ]
	run cc -std=c11 -Wall -Wextra -Werror -I"$top/lib" -o "$BATS_TEST_TMPDIR/ex" \
		"$BATS_TEST_TMPDIR/ex.c" "$top/build/opt/libcspipe.a" -lbsd -lm
	assert_success
	leakfree "$BATS_TEST_TMPDIR/ex"
	assert_success
	assert_output "$(printf 'Received %d\n' 0 1 2 3 4)"
}

@test "make install into DESTDIR writes a pkg-config file for PREFIX, rebuilt when PREFIX changes" {
	root=$BATS_TEST_TMPDIR/root
	inst PREFIX=/opt/csp-one DESTDIR="$root"
	run cat "$root/opt/csp-one/lib/pkgconfig/cspipe.pc"
	assert_line prefix=/opt/csp-one
	inst PREFIX=/opt/csp-two DESTDIR="$root"
	run cat "$root/opt/csp-two/lib/pkgconfig/cspipe.pc"
	assert_line prefix=/opt/csp-two
	# libbsd is the library's own business: no Requires on it, and its
	# flags only for static links.
	refute_output --partial Requires
	export PKG_CONFIG_PATH=$root/opt/csp-two/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
	run pkg-config --cflags --libs cspipe
	assert_success
	assert_output --regexp "^-I$root/opt/csp-two/include -L$root/opt/csp-two/lib .*-lcspipe \$"
	refute_output --partial bsd
	run pkg-config --static --libs cspipe
	assert_output --partial "-lcspipe -lbsd"
	# Against the staged tree the example compiles and links.
	readme_example > "$BATS_TEST_TMPDIR/ex.c"
	# shellcheck disable=SC2046 # pkg-config's flags are words
	run cc -o "$BATS_TEST_TMPDIR/ex" "$BATS_TEST_TMPDIR/ex.c" $(pkg-config --cflags --libs cspipe)
	assert_success
}

@test "installed in a PREFIX, the example and the commands run with an empty environment" {
	p=$P
	readme_example > "$BATS_TEST_TMPDIR/ex.c"
	export PKG_CONFIG_PATH=$p/lib/pkgconfig
	# shellcheck disable=SC2046 # pkg-config's flags are words
	cc -o "$BATS_TEST_TMPDIR/ex" "$BATS_TEST_TMPDIR/ex.c" $(pkg-config --cflags --libs cspipe)
	# It uses the shared library, found by the rpath, with no LD_LIBRARY_PATH.
	run ldd "$BATS_TEST_TMPDIR/ex"
	assert_output --partial "libcspipe.so.0 => $p/lib/libcspipe.so.0"
	leakfree env -i "$BATS_TEST_TMPDIR/ex"
	assert_success
	assert_output "$(printf 'Received %d\n' 0 1 2 3 4)"
	leakfree env -i "$p/bin/csp-take" 2 < <(printf '%s\n' a b c)
	assert_success
	assert_output "$(printf '%s\n' a b)"
	leakfree env -i "$p/bin/csp-timeout" 0.2 sleep 7301
	assert_failure 124
}

@test "the --static advice of the pages is true: -static and pkg-config --static link a program with no shared libraries" {
	p=$P
	grep -q 'to the compiler.s flags and' "$p/share/man/man3/csp_spawn.3"
	readme_example > "$BATS_TEST_TMPDIR/ex.c"
	export PKG_CONFIG_PATH=$p/lib/pkgconfig
	# shellcheck disable=SC2046 # pkg-config's flags are words
	cc -static -o "$BATS_TEST_TMPDIR/ex" "$BATS_TEST_TMPDIR/ex.c" \
		$(pkg-config --static --cflags --libs cspipe)
	run readelf -d "$BATS_TEST_TMPDIR/ex"
	refute_output --partial NEEDED
	leakfree env -i "$BATS_TEST_TMPDIR/ex"
	assert_success
	assert_line "Received 4"
}

@test "make uninstall removes every file install wrote, and cspipe's own directories" {
	root=$BATS_TEST_TMPDIR/root
	inst PREFIX=/usr/local DESTDIR="$root"
	[ -x "$root/usr/local/bin/csp-leakcheck" ]
	[ -f "$root/usr/local/share/man/man3/csp_chan_send.3" ]
	uninst PREFIX=/usr/local DESTDIR="$root"
	# Not a file nor a link is left,
	run find "$root" ! -type d
	assert_output ""
	# and of the directories only the shared ones install made for the
	# empty DESTDIR, all of them empty.
	run sh -c "cd '$root' && find . -mindepth 1 -type d -empty | sort"
	want=$(printf './usr/local/%s\n' bin include lib/bats lib/pkgconfig \
		share/bash-completion/completions share/man/man1 share/man/man3 share/man/man7)
	assert_output "$want"
}

@test "make uninstall leaves what was there before install untouched, and adds only shared directories" {
	root=$BATS_TEST_TMPDIR/root
	u=$root/usr/local
	# A /usr/local with other software in it.
	mkdir -p "$u/bin" "$u/include" "$u/lib/pkgconfig" "$u/lib/bats/bats-support" \
		"$u/share/man/man1" "$u/share/man/man3" "$u/share/man/man7"
	touch "$u/bin/other" "$u/lib/pkgconfig/other.pc" "$u/lib/bats/bats-support/load.bash" \
		"$u/share/man/man1/other.1"
	before=$(cd "$root" && find . | sort)
	inst PREFIX=/usr/local DESTDIR="$root"
	uninst PREFIX=/usr/local DESTDIR="$root"
	run sh -c "cd '$root' && find . | sort"
	# bash-completion's directory did not exist: install made it, and as a
	# directory other packages share, it stays.
	assert_output "$(printf '%s\n' "$before" ./usr/local/share/bash-completion \
		./usr/local/share/bash-completion/completions | sort)"
}

@test "every function of cspipe.h has an installed section 3 page, and every page has a NAME line" {
	p=$P
	for f in $(header_functions); do
		page=$p/share/man/man3/$f.3
		[ -f "$page" ] || { echo "no page for $f" >&2; false; }
		# The page, or the one its .so link leads to, names it in NAME.
		link=$(sed -n 's/^\.so //p' "$page")
		[ -z "$link" ] || page=$p/share/man/$link
		grep -q "^\.Nm $f\( ,\)\{0,1\}\$" "$page" ||
			{ echo "$page does not name $f" >&2; false; }
	done
	for page in "$p"/share/man/man[137]/*.[137]; do
		grep -q '^\.so ' "$page" && continue
		run mandoc -Tlint -W warning "$page"
		assert_output ""
		# apropos finds a page by its NAME line: .Nm and .Nd.
		sed -n '/^\.Sh NAME/,/^\.Sh/p' "$page" | grep -q '^\.Nd .' ||
			{ echo "no .Nd in $page" >&2; false; }
	done
}

@test "apropos finds every function of cspipe.h, and every command, in the installed pages" {
	man=$BATS_TEST_TMPDIR/man
	cp -R "$P/share/man" "$man"
	makewhatis "$man"
	for f in $(header_functions); do
		run mapropos -M "$man" -s 3 Nm="$f"
		assert_success
		assert_output --partial "$f"
	done
	for c in "$top"/bin/csp-*.c; do
		c=${c##*/}
		run mapropos -M "$man" -s 1 Nm="${c%.c}"
		assert_output --regexp "^${c%.c}\(1\) - ."
	done
}

# user_bats LINE...: another project's test file. Written with printf, as a
# here-document's @test lines would be rewritten by this file's own bats.
user_bats() {
	printf '%s\n' "$@" > "$BATS_TEST_TMPDIR/user.bats"
}

@test "the installed bats helper loads with bats_load_library cspipe and catches a leak" {
	p=$P
	user_bats 'bats_load_library cspipe' \
		'@test "clean" { leakfree true; [ "$status" -eq 0 ]; }' \
		'@test "leaky" { leakfree sh -c "sleep 7313 3>&- &"; }'
	run env -i PATH="$p/bin:/usr/bin:/bin" BATS_LIB_PATH="$p/lib/bats" \
		"$BATS_ROOT/bin/bats" --tap "$BATS_TEST_TMPDIR/user.bats"
	assert_failure
	assert_line "ok 1 clean"
	assert_line "not ok 2 leaky"
	assert_output --partial "processes left behind by: sh -c sleep 7313"
	assert_output --partial "csp-leakcheck: leak: pid"
}

@test "without csp-leakcheck in PATH the bats helper fails every test, loudly" {
	p=$P
	user_bats 'bats_load_library cspipe' \
		'@test "would pass unchecked" { leakfree true; }'
	# PATH without any csp-* command: only the directories of bats and sh.
	run env -i PATH="/usr/bin:/bin" BATS_LIB_PATH="$p/lib/bats" \
		"$BATS_ROOT/bin/bats" --tap "$BATS_TEST_TMPDIR/user.bats"
	assert_failure
	assert_line "not ok 1 would pass unchecked"
	assert_output --partial "leakfree: csp-leakcheck is not in PATH"
}

# comp WORD...: what the installed completion offers for the last word.
comp() {
	local cmd=$1
	# bash-completion loads completions/NAME when NAME is first completed.
	# shellcheck disable=SC1090
	source "$compdir/$cmd"
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	complete -p "$cmd" >/dev/null
	_cspipe
	printf '%s\n' "${COMPREPLY[@]}"
}

@test "bash completion, one file linked as every command, completes options and files" {
	p=$P
	compdir=$p/share/bash-completion/completions
	for c in "$top"/bin/csp-*.c; do
		c=${c##*/}
		[ -L "$compdir/${c%.c}" ] || { echo "no completion for ${c%.c}" >&2; false; }
	done
	run comp csp-take --d
	assert_output --done
	run comp csp-leakcheck --ou
	assert_output --output
	run comp csp-timeout -s SIGKI
	assert_output SIGKILL
	cd "$BATS_TEST_TMPDIR"
	touch records.txt
	run comp csp-fanout -a rec
	assert_output records.txt
	run comp csp-fanout -j rec
	assert_output ""
	# The command's words, records after ::: and files after ::::, are files.
	run comp csp-fanout -j2 wc :::: rec
	assert_output records.txt
	run comp csp-fanout -j2 ec
	assert_line echo
	# After the command begins, its options are its own.
	run comp csp-timeout 5 sleep --ver
	assert_output ""
}

# common.bash: what every cspipe test file loads. make check sets the paths;
# run by hand (bats tests/), they default to the optimised build.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load helpers/leakfree

: "${CSP_BUILD:=$BATS_TEST_DIRNAME/../build/opt}"
: "${CSP_SEED:=$CSP_BUILD/seed}"
: "${CSP_PROG:=$CSP_BUILD/prog}"
command -v csp-leakcheck >/dev/null || PATH="$CSP_BUILD/bin:$PATH"

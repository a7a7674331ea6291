# reaped.bash: for the tests of a command that adopts orphans (a subreaper).
# reaped FILE: once FILE holds a pid, give that process 10 s to be reaped,
# then say "escaper: reaped", or "escaper: STATE" (Z: still a zombie).
reaped() {
	local e n=0
	until [ -s "$1" ]; do sleep 0.05; done
	e=$(cat "$1")
	while [ -e "/proc/$e" ] && [ "$n" -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
	if [ -e "/proc/$e" ]; then
		echo "escaper: $(cut -d " " -f 3 "/proc/$e/stat")"
	else
		echo "escaper: reaped"
	fi
}

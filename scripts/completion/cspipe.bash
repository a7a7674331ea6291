# Which commands run a command of their own, and at which non-option word it
# starts (csp-timeout's first word is the duration).
declare -gA _cspipe_cmdpos=([csp-fanout]=1 [csp-heartbeat]=1 [csp-leakcheck]=1
	[csp-supervise]=1 [csp-timeout]=2)

# _cspipe: options for an option, files for a file, commands for a command.
# Needs nothing from the bash-completion package.
_cspipe() {
	local cmd=${COMP_WORDS[0]##*/} cur=${COMP_WORDS[COMP_CWORD]} prev="" w i
	local nonopt=0 ended=0
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# Count the non-option words before this one.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "$ended" -eq 0 ] && [ "$w" = -- ]; then
			ended=1
		elif [ "$ended" -eq 0 ] && [[ $w == -?* ]]; then
			[[ ${_cspipe_args[$cmd]} == *" $w "* ]] && i=$((i + 1))
		else
			nonopt=$((nonopt + 1))
		fi
	done
	# Once the command's own words have begun, its options are its own.
	local pos=${_cspipe_cmdpos[$cmd]:-0}
	[ "$pos" -gt 0 ] && [ "$nonopt" -ge "$pos" ] && ended=1

	if [ "$ended" -eq 0 ] && [[ " -a --arg-file -o --output --joblog --jl " == *" $prev "* ]]; then
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
	fi
	if [ "$ended" -eq 0 ] && [[ ${_cspipe_args[$cmd]} == *" $prev "* ]]; then
		# An option's value: signal names for -s, nothing to guess for the rest.
		if [ "$cmd" = csp-timeout ] && [[ $prev == -s || $prev == --signal ]]; then
			mapfile -t COMPREPLY < <(compgen -A signal -- "$cur")
		fi
		return 0
	fi
	if [ "$ended" -eq 0 ] && [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "${_cspipe_opts[$cmd]}" -- "$cur")
		return 0
	fi
	# The command to run; nothing to offer before it (csp-timeout's duration).
	if [ "$pos" -gt 0 ] && [ "$nonopt" -eq $((pos - 1)) ]; then
		mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
		return 0
	fi
	[ "$nonopt" -lt $((pos - 1)) ] && return 0
	# The rest are files: the command's arguments, csp-fanout's file after
	# ::::, csp-merge's sources.
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

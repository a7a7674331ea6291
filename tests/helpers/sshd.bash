# sshd.bash: throwaway OpenSSH servers for the remote-host tests.
#
#   load helpers/sshd
#   setup()    { sshd_setup; sshd_start a; }     # skips visibly without sshd or root
#   teardown() { sshd_teardown; }
#   csp-fanout --ssh "$SSH" -S 2/a ...
#
# Every file (host key, user key, authorized_keys, sshd_config, ssh_config,
# known_hosts) lives in a temp dir; sshd_start NAME runs an sshd on 127.0.0.1
# on a free high port and names it NAME in the ssh_config that $SSH uses.
# sshd_netns_start NAME runs one in a network namespace of its own, reached
# over a veth pair (skips where namespaces cannot be made). Nothing is sent
# to any address but loopback and those namespaces. sshd_teardown stops every
# sshd started here, by pid, and removes the namespaces. SSHD_PATH, when set
# as a server starts, is the PATH its remote sessions get (SetEnv).

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}

sshd_setup() {
	[ -x "$SSHD_BIN" ] || skip "no $SSHD_BIN: install openssh-server to run the ssh tests"
	command -v ssh >/dev/null || skip "no ssh client: install openssh-client to run the ssh tests"
	[ "$(id -u)" -eq 0 ] || skip "sshd for the tests runs as root (the ssh tests need root)"
	SSHD_DIR=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/sshd.XXXXXX")
	SSHD_PIDS=()
	SSHD_NETNS=()
	SSHD_LINKS=()
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_key" </dev/null >/dev/null
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/user_key" </dev/null >/dev/null
	cp "$SSHD_DIR/user_key.pub" "$SSHD_DIR/authorized_keys"
	chmod 600 "$SSHD_DIR/authorized_keys"
	: > "$SSHD_DIR/known_hosts"
	mkdir "$SSHD_DIR/home"
	: > "$SSHD_DIR/ssh_config"
	SSH="ssh -F $SSHD_DIR/ssh_config"
	export SSH SSHD_DIR
}

# sshd_config for one server listening on $2:$3; with SSHD_PATH set, its sessions' PATH.
# Its sessions get an empty HOME: the login shell reads none of the user's dotfiles
# (a slow or chatty ~/.bashrc would cost every job and print into what is compared).
_sshd_config() {
	cat > "$SSHD_DIR/sshd_$1.conf" <<CONF
ListenAddress $2:$3
HostKey $SSHD_DIR/host_key
AuthorizedKeysFile $SSHD_DIR/authorized_keys
PidFile none
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxSessions 64
MaxStartups 64
LogLevel ERROR
SetEnv HOME=$SSHD_DIR/home${SSHD_PATH:+ PATH=$SSHD_PATH}
CONF
}

# The client's side: NAME is HOST:PORT with our key, nothing asked, no other known_hosts.
_ssh_host() {
	cat >> "$SSHD_DIR/ssh_config" <<CONF
Host $1
	HostName $2
	Port $3
	User root
	IdentityFile $SSHD_DIR/user_key
	IdentitiesOnly yes
	UserKnownHostsFile $SSHD_DIR/known_hosts
	StrictHostKeyChecking no
	CheckHostIP no
	BatchMode yes
	LogLevel ERROR
	ConnectTimeout 5
	ServerAliveInterval 1
	ServerAliveCountMax 3
CONF
}

# Wait until NAME answers over ssh (at most ~10 s); 1 if it never does.
sshd_wait() {
	local _
	for _ in $(seq 100); do
		$SSH -o ControlPath=none "$1" true </dev/null 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Start sshd as NAME on 127.0.0.1, on a free high port (tried until one binds).
sshd_start() {
	local name=$1 port try pid
	_ssh_host "$name" 127.0.0.1 0  # placeholder, replaced below once the port is known
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + (RANDOM * 7 + try) % 40000))
		_sshd_config "$name" 127.0.0.1 "$port"
		"$SSHD_BIN" -D -e -f "$SSHD_DIR/sshd_$name.conf" 2>>"$SSHD_DIR/sshd_$name.log" </dev/null 3>&- &
		pid=$!
		sed -i "/^Host $name\$/,/^Host /s/^\tPort .*/\tPort $port/" "$SSHD_DIR/ssh_config"
		if sshd_wait "$name"; then
			SSHD_PIDS+=("$pid")
			eval "SSHD_PID_$name=$pid SSHD_PORT_$name=$port"
			return 0
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	echo "sshd_start $name: no sshd would start; its log:" >&2
	cat "$SSHD_DIR/sshd_$name.log" >&2
	return 1
}

# Start sshd as NAME inside a network namespace of its own, over a veth pair.
sshd_netns_start() {
	local name=$1 n ns hv nv pid
	n=$(( ${#SSHD_NETNS[@]} + 1 ))
	ns="csp$$x$n"
	hv="csph$$x$n"
	nv="cspn$$x$n"
	ip netns add "$ns" 2>/dev/null || skip "network namespaces cannot be made here (ip netns add failed)"
	SSHD_NETNS+=("$ns")
	ip link add "$hv" type veth peer name "$nv" || skip "veth pairs cannot be made here"
	SSHD_LINKS+=("$hv")
	ip link set "$nv" netns "$ns"
	ip addr add "10.213.$n.1/30" dev "$hv"
	ip link set "$hv" up
	ip netns exec "$ns" ip addr add "10.213.$n.2/30" dev "$nv"
	ip netns exec "$ns" ip link set "$nv" up
	ip netns exec "$ns" ip link set lo up
	_sshd_config "$name" "10.213.$n.2" 22
	_ssh_host "$name" "10.213.$n.2" 22
	ip netns exec "$ns" "$SSHD_BIN" -D -e -f "$SSHD_DIR/sshd_$name.conf" \
		2>>"$SSHD_DIR/sshd_$name.log" </dev/null 3>&- &
	pid=$!
	SSHD_PIDS+=("$pid")
	eval "SSHD_PID_$name=$pid SSHD_LINK_$name=$hv"
	sshd_wait "$name" || { cat "$SSHD_DIR/sshd_$name.log" >&2; return 1; }
}

# The sshd processes serving NAME's connections (children of its listener).
sshd_conns() {
	local pid
	eval "pid=\$SSHD_PID_$1"
	ps -o pid= --ppid "$pid" 2>/dev/null
}

# Kill NAME: its listener and every connection it serves, at once.
sshd_kill() {
	local pid c
	eval "pid=\$SSHD_PID_$1"
	for c in $(sshd_conns "$1"); do kill -KILL "$c" 2>/dev/null; done
	kill -KILL "$pid" 2>/dev/null
}

# Cut NAME's namespace link: its connections hang, as a host gone off the network.
sshd_cut() {
	local hv
	eval "hv=\$SSHD_LINK_$1"
	ip link set "$hv" down
}

# How many processes on this machine run CMD (its first words; the "hosts" are here too).
remote_count() {
	pgrep -c -f -- "^$1( |\$)"
}

# Wait up to 10 s until no process runs any of the command lines given; fail naming those left.
remote_gone() {
	local i=0 p n
	while [ $i -lt 100 ]; do
		n=0
		for p in "$@"; do n=$((n + $(remote_count "$p" || :))); done
		[ "$n" -eq 0 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	for p in "$@"; do echo "still running: $p ($(remote_count "$p"))"; done
	return 1
}

sshd_teardown() {
	local pid c ns hv
	for pid in "${SSHD_PIDS[@]}"; do
		for c in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kill -KILL "$c" 2>/dev/null; done
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for hv in "${SSHD_LINKS[@]}"; do ip link del "$hv" 2>/dev/null; done
	for ns in "${SSHD_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	SSHD_PIDS=()
	SSHD_NETNS=()
	SSHD_LINKS=()
}

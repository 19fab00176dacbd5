# lib.sh - what the benchmarks share: process cleanup by pid, free ports,
# readiness checks and wrk output parsing. Sourced by the bench scripts after
# they set `tmp` (their temporary directory); every process a script starts
# goes into `pids` (servers, stopped by process group) and every cleanup
# command into `on_exit` (e.g. stopping a PostgreSQL cluster).
# shellcheck shell=bash

pids=()
wrk_pid=""
on_exit=()
die() { echo "bench: $*" >&2; exit 1; }

signal_pid() { # signal pid: its process group if it leads one, else the pid
	if [[ $(ps -o pgid= -p "$2" 2>/dev/null | tr -d ' ') == "$2" ]]; then
		kill "-$1" -- "-$2" 2>/dev/null || true
	else
		kill "-$1" "$2" 2>/dev/null || true
	fi
}
stop_pid() { # pid: SIGTERM, up to 15 s (gridd drains), then SIGKILL
	local pid=$1 i
	if kill -0 "$pid" 2>/dev/null; then
		signal_pid TERM "$pid"
		for ((i = 0; i < 150; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "bench: pid $pid ignored SIGTERM for 15 s, sending SIGKILL" >&2
			signal_pid KILL "$pid"
		fi
	fi
	wait "$pid" 2>/dev/null || true
	# leftovers of its group (children of a wrapper that did not pass SIGTERM on)
	kill -0 -- "-$pid" 2>/dev/null && { sleep 0.2; kill -KILL -- "-$pid" 2>/dev/null || true; }
	return 0
}
cleanup() {
	local rc=$? pid cmd
	set +e # clean up everything, whatever fails on the way
	trap - EXIT INT TERM
	if [[ -n $wrk_pid ]]; then
		kill -TERM "$wrk_pid" 2>/dev/null
		wait "$wrk_pid" 2>/dev/null
	fi
	for pid in "${pids[@]}"; do stop_pid "$pid"; done
	for cmd in "${on_exit[@]}"; do eval "$cmd"; done
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_log() { # name file
	echo "---- $1 (last 20 lines of $2) ----" >&2
	tail -n 20 "$2" >&2 2>/dev/null || true
	echo "----" >&2
}


# ---- ports ---------------------------------------------------------------
# A port below the ephemeral range (so no client socket holds it) with no
# listener. With SO_REUSEPORT a second listener on a taken port would bind
# fine and silently share the traffic, so ownership is checked again once
# the servers run (check_owner).
read -r eph_lo _ </proc/sys/net/ipv4/ip_local_port_range
port_lo=10000
port_hi=$(( eph_lo > port_lo + 1000 ? eph_lo - 1 : 30000 ))
pick_port() { # exclude...
	local p i x taken
	for ((i = 0; i < 200; i++)); do
		p=$(( port_lo + (RANDOM * 32768 + RANDOM) % (port_hi - port_lo + 1) ))
		taken=0
		for x in "$@"; do [[ $p == "$x" ]] && taken=1; done
		(( taken )) && continue
		[[ -z $(ss -Htln "sport = :$p") ]] && { echo "$p"; return 0; }
	done
	return 1
}

is_descendant() { # pid ancestor
	local p=$1 i
	for ((i = 0; i < 32 && p > 1; i++)); do
		[[ $p == "$2" ]] && return 0
		p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ') || return 1
		[[ -n $p ]] || return 1
	done
	return 1
}
check_owner() { # name port pid: every listener on the port belongs to pid (or its children)
	local owners o
	owners=$(ss -Htlnp "sport = :$2" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
	[[ -n $owners ]] || return 0 # no process info (not root?): cannot check
	for o in $owners; do
		is_descendant "$o" "$3" ||
			die "$1: port $2 is also served by pid $o, which this script did not start"
	done
}
wait_ready() { # name port pid log
	local i
	for ((i = 0; i < 150; i++)); do # 15 s
		kill -0 "$3" 2>/dev/null || { show_log "$1" "$4"; die "$1 exited during startup"; }
		if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$2/healthz" 2>/dev/null; then
			check_owner "$1" "$2" "$3"
			return 0
		fi
		sleep 0.1
	done
	show_log "$1" "$4"
	die "$1 did not answer GET /healthz on 127.0.0.1:$2 within 15 s"
}

# ---- a demo city on a private PostgreSQL -----------------------------------
# bench_city GRIDD_BIN [-c name=value ...]: a cluster in $tmp/pg on a free
# port (destroyed at exit), migrated, with the demo city. Sets pg_port,
# db_url and password (of the demo accounts).
bench_city() {
	local bin=$1
	shift
	pg_port=$(pick_port) || die "no free port found"
	local pgdir=$tmp/pg
	"$root/deploy/pgcluster.sh" init "$pgdir" "$pg_port" >"$tmp/pg.log" 2>&1 || { show_log pg "$tmp/pg.log"; die "initdb failed"; }
	on_exit+=("'$root/deploy/pgcluster.sh' destroy '$pgdir' >/dev/null 2>&1")
	"$root/deploy/pgcluster.sh" start "$pgdir" "$pg_port" "$@" >>"$tmp/pg.log" 2>&1 ||
		{ show_log pg "$tmp/pg.log"; die "PostgreSQL did not start"; }
	"$root/deploy/pgcluster.sh" createdb "$pgdir" "$pg_port" bench >>"$tmp/pg.log" 2>&1 || die "createdb failed"
	eval "$("$root/deploy/pgcluster.sh" env "$pgdir" "$pg_port")"
	db_url="host=$GRIDD_PGHOST port=$pg_port dbname=bench user=$GRIDD_PGUSER"
	password=bench-password-$RANDOM$RANDOM
	GRIDD_DB_URL=$db_url "$bin" migrate >"$tmp/migrate.log" 2>&1 || { show_log migrate "$tmp/migrate.log"; die "migrate failed"; }
	GRIDD_DB_URL=$db_url GRIDD_DEMO_PASSWORD=$password "$bin" demo >"$tmp/demo.log" 2>&1 || { show_log demo "$tmp/demo.log"; die "demo failed"; }
}

# bench_gridd GRIDD_BIN THREADS [NAME=VALUE ...]: gridd serving the city on a
# free port, ready (/readyz). Sets gridd_port and gridd_pid.
bench_gridd() {
	local bin=$1 threads=$2 i
	shift 2
	gridd_port=$(pick_port "$pg_port") || die "no free port found"
	env GRIDD_LISTEN="127.0.0.1:$gridd_port" GRIDD_THREADS="$threads" GRIDD_LOG_LEVEL=warn \
		GRIDD_DB_URL="$db_url" GRIDD_AUTH_JWT_SECRET="$(head -c 48 /dev/urandom | base64 -w0)" "$@" \
		setsid "$bin" serve >"$tmp/gridd.log" 2>&1 &
	gridd_pid=$!
	pids+=("$gridd_pid")
	wait_ready gridd "$gridd_port" "$gridd_pid" "$tmp/gridd.log"
	for ((i = 0; i < 100; i++)); do
		curl -fsS -o /dev/null "http://127.0.0.1:$gridd_port/readyz" 2>/dev/null && return 0
		sleep 0.1
	done
	show_log gridd "$tmp/gridd.log"
	die "gridd is not ready (/readyz) after 10 s"
}

# json_field NAME: the top-level string NAME of the JSON on stdin.
json_field() {
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"
}

# bench_login LOGIN: an access token of a demo account.
bench_login() {
	curl -fsS -H 'content-type: application/json' -d "{\"login\":\"$1\",\"password\":\"$password\"}" \
		"http://127.0.0.1:$gridd_port/v1/auth/login" | json_field access_token
}

# ---- wrk -----------------------------------------------------------------
to_ms() { # "1.23ms" | "870.00us" | "1.02s" | "1.00m" -> milliseconds
	awk -v v="$1" 'BEGIN {
		if (!match(v, /^[0-9]+(\.[0-9]+)?/)) exit 1
		n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1)
		if (u == "us") f = 0.001; else if (u == "ms") f = 1; else if (u == "s") f = 1000
		else if (u == "m") f = 60000; else if (u == "h") f = 3600000; else exit 1
		printf "%.3f", n * f }'
}
# parse_wrk file: prints "rps p50_ms p99_ms non2xx socket_errors"
parse_wrk() {
	local rps p50 p99 non2xx sockerr
	rps=$(awk '$1 == "Requests/sec:" { print $2 }' "$1")
	p50=$(awk '/Latency Distribution/ { d = 1; next } d && $1 == "50%" { print $2; exit }' "$1")
	p99=$(awk '/Latency Distribution/ { d = 1; next } d && $1 == "99%" { print $2; exit }' "$1")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$1")
	sockerr=$(awk '/Socket errors:/ { s = 0; for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i + 0; print s }' "$1")
	[[ $rps =~ ^[0-9]+(\.[0-9]+)?$ ]] || return 1
	p50=$(to_ms "$p50") || return 1
	p99=$(to_ms "$p99") || return 1
	echo "$rps $p50 $p99 ${non2xx:-0} ${sockerr:-0}"
}

#!/usr/bin/env bash
# http_healthz.sh - GET /healthz throughput of gridd as a ratio of bare evhttp.
#
# Usage: tests/bench/http_healthz.sh [GRIDD_BIN]      (default build/server/gridd)
#
# Builds tests/bench/hello_evhttp.c into a temporary directory, starts it and
# gridd side by side (BENCH_THREADS I/O threads each, 127.0.0.1, free ports),
# waits until both answer /healthz, warms each up, then runs wrk against them
# alternately (evhttp, gridd, evhttp, gridd, ...) and prints requests/sec,
# p50 and p99 of the best round of each and the ratio gridd/evhttp.
# See README.md.
#
# Environment:
#   BENCH_SECONDS      seconds per measured wrk run           (default 10)
#   BENCH_CONNECTIONS  wrk connections                        (default 64)
#   BENCH_THREADS      I/O threads of each server             (default 2;
#                      wrk always uses 2 threads)
#   BENCH_ROUNDS       measured runs per server               (default 2)
#   BENCH_WARMUP       warm-up seconds per server             (default 2)
#   CC                 C compiler for hello_evhttp            (default cc)
#
# Exit status: 0 when the bench ran (whatever the ratio: it is not pass/fail);
# 1 when something could not be built, started, measured or parsed; 2 on bad
# usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() { echo "usage: $0 [GRIDD_BIN]   (default $root/build/server/gridd)" >&2; exit 2; }
[[ $# -le 1 ]] || usage
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
gridd_bin=${1:-$root/build/server/gridd}

seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
rounds=${BENCH_ROUNDS:-2}
warmup=${BENCH_WARMUP:-2}
server_threads=${BENCH_THREADS:-2}
wrk_threads=2
for v in seconds conns rounds warmup server_threads; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
(( conns >= wrk_threads )) || { echo "bench: BENCH_CONNECTIONS must be >= $wrk_threads" >&2; exit 2; }

die() { echo "bench: $*" >&2; exit 1; }

for tool in "${CC:-cc}" pkg-config wrk curl ss setsid; do
	command -v "$tool" >/dev/null || die "'$tool' not found"
done
[[ -x $gridd_bin ]] || die "gridd binary '$gridd_bin' not found or not executable (build it first, or pass its path)"

# ---- cleanup: every process started here is stopped by its pid -------------
# Each server runs in its own session (setsid execs in place: the pid stays
# the same and is also the process group id), so stopping the group also
# stops children of a wrapper script, never anything this script did not start.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-healthz.XXXXXX")
pids=()
wrk_pid=""
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
	local rc=$? pid
	set +e # clean up everything, whatever fails on the way
	trap - EXIT INT TERM
	if [[ -n $wrk_pid ]]; then
		kill -TERM "$wrk_pid" 2>/dev/null
		wait "$wrk_pid" 2>/dev/null
	fi
	for pid in "${pids[@]}"; do stop_pid "$pid"; done
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

# ---- build the raw limit ---------------------------------------------------
hello=$tmp/hello_evhttp
# shellcheck disable=SC2046  # pkg-config output is meant to be split
"${CC:-cc}" -std=c11 -Wall -Wextra -O2 -o "$hello" "$here/hello_evhttp.c" \
	$(pkg-config --cflags --libs libevent libevent_pthreads) -lpthread \
	>"$tmp/build.log" 2>&1 || { show_log "build" "$tmp/build.log"; die "cannot build hello_evhttp"; }
[[ -s $tmp/build.log ]] && { echo "bench: hello_evhttp built with warnings:" >&2; cat "$tmp/build.log" >&2; }

# ---- ports -----------------------------------------------------------------
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
hello_port=$(pick_port) || die "no free port found"
gridd_port=$(pick_port "$hello_port") || die "no free port found"

# ---- start both servers ----------------------------------------------------
setsid "$hello" "$hello_port" "$server_threads" >"$tmp/hello.log" 2>&1 &
hello_pid=$!
pids+=("$hello_pid")

GRIDD_LISTEN=127.0.0.1:$gridd_port GRIDD_THREADS=$server_threads GRIDD_LOG_LEVEL=warn \
	GRIDD_DB_URL='host=/nonexistent dbname=none connect_timeout=1' \
	setsid "$gridd_bin" serve >"$tmp/gridd.log" 2>&1 &
gridd_pid=$!
pids+=("$gridd_pid")

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
wait_ready evhttp "$hello_port" "$hello_pid" "$tmp/hello.log"
wait_ready gridd "$gridd_port" "$gridd_pid" "$tmp/gridd.log"

# ---- measure ---------------------------------------------------------------
to_ms() { # "1.23ms" | "870.00us" | "1.02s" | "1.00m" -> milliseconds
	awk -v v="$1" 'BEGIN {
		if (!match(v, /^[0-9]+(\.[0-9]+)?/)) exit 1
		n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1)
		if (u == "us") f = 0.001; else if (u == "ms") f = 1; else if (u == "s") f = 1000
		else if (u == "m") f = 60000; else if (u == "h") f = 3600000; else exit 1
		printf "%.3f", n * f }'
}
# run_wrk name port seconds outfile: wrk with --latency; returns non-zero on failure
# (in the background plus wait, so SIGTERM/SIGINT reach the trap at once)
run_wrk() {
	wrk -t"$wrk_threads" -c"$conns" -d"$3s" --latency "http://127.0.0.1:$2/healthz" >"$4" 2>&1 &
	wrk_pid=$!
	wait "$wrk_pid" || { wrk_pid=""; cat "$4" >&2; die "wrk against $1 failed"; }
	wrk_pid=""
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

names=(evhttp gridd)
ports=("$hello_port" "$gridd_port")
srv_pids=("$hello_pid" "$gridd_pid")
logs=("$tmp/hello.log" "$tmp/gridd.log")
alive() { # index
	kill -0 "${srv_pids[$1]}" 2>/dev/null ||
		{ show_log "${names[$1]}" "${logs[$1]}"; die "${names[$1]} died during the bench"; }
}

for i in 0 1; do
	run_wrk "${names[$i]}" "${ports[$i]}" "$warmup" "$tmp/warmup-$i.txt"
	alive "$i"
done

declare -a best_rps=(0 0) best_p50=(0 0) best_p99=(0 0) errors=(0 0)
round_lines=()
for ((r = 1; r <= rounds; r++)); do
	for i in 0 1; do
		out=$tmp/round-$r-$i.txt
		run_wrk "${names[$i]}" "${ports[$i]}" "$seconds" "$out"
		alive "$i"
		parsed=$(parse_wrk "$out") || { cat "$out" >&2; die "cannot parse wrk output for ${names[$i]}"; }
		read -r rps p50 p99 non2xx sockerr <<<"$parsed"
		round_lines+=("$(printf '%-5s %-7s %12.0f %9.3f %9.3f %8s %8s' \
			"$r" "${names[$i]}" "$rps" "$p50" "$p99" "$non2xx" "$sockerr")")
		errors[i]=$(( errors[i] + non2xx + sockerr ))
		if awk -v a="$rps" -v b="${best_rps[$i]}" 'BEGIN { exit !(a > b) }'; then
			best_rps[i]=$rps best_p50[i]=$p50 best_p99[i]=$p99
		fi
	done
done

# ---- report ----------------------------------------------------------------
echo "http_healthz: GET /healthz, wrk -t$wrk_threads -c$conns -d${seconds}s --latency," \
	"$rounds rounds each (alternating), $server_threads server threads, $(nproc) cores"
echo "gridd: $gridd_bin"
echo
printf '%-5s %-7s %12s %9s %9s %8s %8s\n' round server requests/sec p50_ms p99_ms non2xx sock_err
printf '%s\n' "${round_lines[@]}"
echo
printf '%-7s %12s %9s %9s\n' best requests/sec p50_ms p99_ms
for i in 0 1; do
	printf '%-7s %12.0f %9.3f %9.3f\n' "${names[$i]}" "${best_rps[$i]}" "${best_p50[$i]}" "${best_p99[$i]}"
done
echo
for i in 0 1; do
	(( errors[i] == 0 )) ||
		echo "WARNING: ${names[$i]} had ${errors[$i]} non-2xx responses or socket errors; its numbers are suspect"
done
awk -v g="${best_rps[1]}" -v h="${best_rps[0]}" \
	'BEGIN { printf "ratio gridd/evhttp requests_per_sec = %.2f (goal >= 0.90)\n", g / h }'

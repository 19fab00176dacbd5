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


# ---- cleanup: every process started here is stopped by its pid -------------
# Each server runs in its own session (setsid execs in place: the pid stays
# the same and is also the process group id), so stopping the group also
# stops children of a wrapper script, never anything this script did not start.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-healthz.XXXXXX")
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"

for tool in "${CC:-cc}" pkg-config wrk curl ss setsid; do
	command -v "$tool" >/dev/null || die "'$tool' not found"
done
[[ -x $gridd_bin ]] || die "gridd binary '$gridd_bin' not found or not executable (build it first, or pass its path)"

# ---- build the raw limit ---------------------------------------------------
hello=$tmp/hello_evhttp
# shellcheck disable=SC2046  # pkg-config output is meant to be split
"${CC:-cc}" -std=c11 -Wall -Wextra -O2 -o "$hello" "$here/hello_evhttp.c" \
	$(pkg-config --cflags --libs libevent libevent_pthreads) -lpthread \
	>"$tmp/build.log" 2>&1 || { show_log "build" "$tmp/build.log"; die "cannot build hello_evhttp"; }
[[ -s $tmp/build.log ]] && { echo "bench: hello_evhttp built with warnings:" >&2; cat "$tmp/build.log" >&2; }

# ---- ports -----------------------------------------------------------------
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

wait_ready evhttp "$hello_port" "$hello_pid" "$tmp/hello.log"
wait_ready gridd "$gridd_port" "$gridd_pid" "$tmp/gridd.log"

# ---- measure ---------------------------------------------------------------
# run_wrk name port seconds outfile: wrk with --latency; returns non-zero on failure
# (in the background plus wait, so SIGTERM/SIGINT reach the trap at once)
run_wrk() {
	wrk -t"$wrk_threads" -c"$conns" -d"$3s" --latency "http://127.0.0.1:$2/healthz" >"$4" 2>&1 &
	wrk_pid=$!
	wait "$wrk_pid" || { wrk_pid=""; cat "$4" >&2; die "wrk against $1 failed"; }
	wrk_pid=""
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

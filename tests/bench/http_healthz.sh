#!/usr/bin/env bash
# http_healthz.sh - GET /healthz through gridd against a bare evhttp server
# shaped like gridd's I/O layer (hello_evhttp.c), measured in the same run.
#
# Usage: tests/bench/http_healthz.sh [GRIDD_BIN]     (default build/server/gridd)
# Env:   BENCH_SECONDS (10), BENCH_CONNECTIONS (64), BENCH_THREADS (2: server
#        I/O threads; wrk uses 2 threads), BENCH_ROUNDS (2)
#
# Prints requests/s and p50/p99 latency of both and the ratio
# gridd/evhttp (goal >= 0.90). Not a pass/fail test: it exits 0 whatever
# the ratio, non-zero only when something cannot start.
set -euo pipefail

ROOT=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
GRIDD_BIN=${1:-$ROOT/build/server/gridd}
SECONDS_EACH=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-2}

command -v wrk >/dev/null || { echo "http_healthz.sh: wrk is needed (apt-get install wrk)" >&2; exit 1; }
[[ -x $GRIDD_BIN ]] || { echo "http_healthz.sh: $GRIDD_BIN is not built" >&2; exit 1; }

WORK=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf -- "$WORK"
}
trap cleanup EXIT INT TERM

# shellcheck disable=SC2046
cc -std=c11 -O2 -Wall -Wextra -o "$WORK/hello" "$ROOT/tests/bench/hello_evhttp.c" \
	$(pkg-config --cflags --libs libevent libevent_pthreads) -lpthread

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

HELLO_PORT=$(free_port)
GRIDD_PORT=$(free_port)
"$WORK/hello" "$HELLO_PORT" "$THREADS" >"$WORK/hello.log" 2>&1 &
PIDS+=($!)
# gridd answers /healthz without a database; the pool retries in the background.
GRIDD_LISTEN=127.0.0.1:$GRIDD_PORT GRIDD_THREADS=$THREADS GRIDD_LOG_LEVEL=error \
	GRIDD_DB_URL='host=/nonexistent dbname=none connect_timeout=1' GRIDD_DB_RECONNECT_MIN_MS=1000 \
	"$GRIDD_BIN" serve >"$WORK/gridd.log" 2>&1 &
PIDS+=($!)

wait_up() {
	local url=$1 i
	for ((i = 0; i < 100; i++)); do
		curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "http_healthz.sh: $url did not answer" >&2
	cat "$WORK"/*.log >&2
	exit 1
}
wait_up "http://127.0.0.1:$HELLO_PORT/healthz"
wait_up "http://127.0.0.1:$GRIDD_PORT/healthz"

# to_ms VALUE: wrk's "812.00us" / "1.23ms" / "2.01s" in milliseconds
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n *= 1; else if (v ~ /s$/) n *= 1000
		printf "%.3f", n }'
}

# run NAME PORT SECONDS: one wrk run; sets RPS P50 P99
run() {
	local out
	out=$(wrk -t2 -c"$CONNECTIONS" -d"${3}s" --latency "http://127.0.0.1:$2/healthz")
	RPS=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	P50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
	P99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	if grep -q "Non-2xx" <<<"$out"; then
		echo "http_healthz.sh: $1 answered errors:" >&2
		echo "$out" >&2
		exit 1
	fi
}

echo "warming up (2 s each)"
run hello "$HELLO_PORT" 2
run gridd "$GRIDD_PORT" 2

best_hello=0 best_gridd=0 hello_p50="" hello_p99="" gridd_p50="" gridd_p99=""
for ((r = 1; r <= ROUNDS; r++)); do
	run hello "$HELLO_PORT" "$SECONDS_EACH"
	echo "round $r evhttp: $RPS req/s, p50 $P50 ms, p99 $P99 ms"
	if awk -v a="$RPS" -v b="$best_hello" 'BEGIN {exit !(a > b)}'; then
		best_hello=$RPS hello_p50=$P50 hello_p99=$P99
	fi
	run gridd "$GRIDD_PORT" "$SECONDS_EACH"
	echo "round $r gridd:  $RPS req/s, p50 $P50 ms, p99 $P99 ms"
	if awk -v a="$RPS" -v b="$best_gridd" 'BEGIN {exit !(a > b)}'; then
		best_gridd=$RPS gridd_p50=$P50 gridd_p99=$P99
	fi
done

echo
printf '%-8s %14s %10s %10s\n' server "req/s (best)" "p50 ms" "p99 ms"
printf '%-8s %14s %10s %10s\n' evhttp "$best_hello" "$hello_p50" "$hello_p99"
printf '%-8s %14s %10s %10s\n' gridd "$best_gridd" "$gridd_p50" "$gridd_p99"
ratio=$(awk -v g="$best_gridd" -v h="$best_hello" 'BEGIN {printf "%.2f", g / h}')
echo "ratio gridd/evhttp requests_per_sec = $ratio (goal >= 0.90)"

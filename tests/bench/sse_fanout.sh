#!/usr/bin/env bash
# sse_fanout.sh - memory and fan-out time of live updates: RSS of one gridd
# with BENCH_SUBSCRIBERS (10,000) open event streams, and the time for one
# NOTIFY to reach all of them, against the raw time for the same NOTIFY to
# reach one bare LISTEN connection (psql) in the same run.
#
# Usage: tests/bench/sse_fanout.sh [GRIDD_BIN]      (default build/server/gridd)
# Environment: BENCH_SUBSCRIBERS (10000), BENCH_THREADS (2), BENCH_ROUNDS (3).
# Exit status: 0 ran; 1 failed; 2 bad usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
usage() { echo "usage: $0 [GRIDD_BIN]   (default $root/build/server/gridd)" >&2; exit 2; }
[[ $# -le 1 ]] || usage
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
gridd_bin=$(realpath "${1:-$root/build/server/gridd}")
subs=${BENCH_SUBSCRIBERS:-10000}
server_threads=${BENCH_THREADS:-2}
rounds=${BENCH_ROUNDS:-3}
for v in subs server_threads rounds; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-sse.XXXXXX")
chmod 755 "$tmp"
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"
pgbin=/usr/lib/postgresql/15/bin
for tool in curl ss setsid node "$pgbin/psql"; do
	command -v "$tool" >/dev/null || die "'$tool' not found"
done
# gridd and the subscribers' process each hold one socket per stream.
need=$(( subs + 1024 ))
(( $(ulimit -Hn) >= need )) || die "the open-file limit (ulimit -Hn $(ulimit -Hn)) is below $need"
ulimit -n "$need"

bench_city "$gridd_bin"
bench_gridd "$gridd_bin" "$server_threads" GRIDD_HTTP_MAX_CONNECTIONS=$(( subs + 100 )) GRIDD_HTTP_TIMEOUT_S=3600 \
	GRIDD_DB_QUEUE_MAX=$(( subs + 100 ))
rss() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$gridd_pid/status"; }
rss_idle=$(rss)
token=$(bench_login dispatcher1) || die "cannot log in"

coproc CLIENTS { node "$here/sse_clients.mjs" "http://127.0.0.1:$gridd_port/v1/events" "$token" "$subs" 2>&1; }
pids+=("$CLIENTS_PID")
read -r -t 120 line <&"${CLIENTS[0]}" || die "the subscribers did not connect in 120 s"
[[ $line == ready* ]] || die "subscribers: $line"
sleep 1
rss_loaded=$(rss)

notify() { # marker: a NOTIFY every subscriber's scope covers (dispatcher1: district 110101)
	"$pgbin/psql" "$db_url" -XAtq -c "SELECT pg_notify('gridd_cases', json_build_object('id', 0,
		'action', 'bench', 'state', 'reported', 'cell', '110101001001001', 'unit', 1,
		'at', 0, 'marker', '$1')::text)" >/dev/null
}
lines=()
for ((r = 1; r <= rounds; r++)); do
	marker=m$RANDOM$RANDOM
	echo "go $marker" >&"${CLIENTS[1]}"
	sleep 0.2
	notify "$marker"
	read -r -t 40 result <&"${CLIENTS[0]}" || die "no answer from the subscribers"
	lines+=("round $r: $result")
done
# The raw limit: the same NOTIFY to one LISTEN connection (psql) and back.
raw=$(node -e '
	const { spawn } = require("child_process");
	const p = spawn(process.argv[1], [process.argv[2], "-XAtq"], { stdio: ["pipe", "pipe", "inherit"] });
	p.stdin.write("LISTEN gridd_cases;\nSELECT 42;\n");
	let t0 = 0n, buf = "", done = false;
	p.stdout.on("data", (d) => {
		buf += d;
		if (!t0 && buf.includes("42")) {
			buf = "";
			t0 = process.hrtime.bigint();
			p.stdin.write("NOTIFY gridd_cases, '"'"'x'"'"';\n");
		} else if (t0 && !done && buf.includes("Asynchronous notification")) {
			done = true;
			console.log((Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1));
			p.stdin.end();
		}
	});
' "$pgbin/psql" "$db_url")

echo "sse_fanout: $subs event streams on one gridd ($server_threads I/O threads), $(nproc) cores"
echo "gridd: $gridd_bin"
echo
echo "RSS idle: $rss_idle MiB; with $subs subscribers: $rss_loaded MiB (goal <= 150 MiB)"
printf '%s\n' "${lines[@]}"
echo "one NOTIFY to one bare LISTEN connection (psql), round trip: $raw ms"

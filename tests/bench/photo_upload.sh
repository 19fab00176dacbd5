#!/usr/bin/env bash
# photo_upload.sh - does photo work starve the event loops? The p99 of
# GET /healthz while 4 MiB JPEGs are uploaded at BENCH_CONNECTIONS (16)
# concurrent, as a ratio of its p99 when gridd is idle, in the same run.
#
# Usage: tests/bench/photo_upload.sh [GRIDD_BIN]      (default build/server/gridd)
#
# Makes a private PostgreSQL cluster, loads the demo city, starts gridd with a
# photo directory in a temporary directory, files BENCH_REPORTS reports as
# worker1, makes a ~4 MiB JPEG (make_photo.mjs), then:
#   1. idle: GET /healthz at a steady 100/s for BENCH_SECONDS
#      (latency_probe.mjs), its p99;
#   2. loaded: the same while wrk uploads distinct copies of the photo
#      (photo_upload.lua) with BENCH_CONNECTIONS connections;
# and prints both p99s, the uploads per second and the ratio loaded/idle.
# Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (16), BENCH_THREADS (2),
# BENCH_REPORTS (50). Exit status: 0 when it ran; 1 on failure; 2 on bad usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() { echo "usage: $0 [GRIDD_BIN]   (default $root/build/server/gridd)" >&2; exit 2; }
[[ $# -le 1 ]] || usage
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
gridd_bin=$(realpath "${1:-$root/build/server/gridd}")

seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-16}
server_threads=${BENCH_THREADS:-2}
nreports=${BENCH_REPORTS:-50}
for v in seconds conns server_threads nreports; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-photo.XXXXXX")
chmod 755 "$tmp"
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"

pgbin=/usr/lib/postgresql/15/bin
for tool in wrk curl ss setsid node; do
	command -v "$tool" >/dev/null || die "'$tool' not found"
done
[[ -x $gridd_bin ]] || die "gridd binary '$gridd_bin' not found (build it first, or pass its path)"
[[ -d $root/tests/api/node_modules/jpeg-js ]] || die "run deploy/local.sh deps (npm packages of tests/api) first"

# ---- database and gridd ----------------------------------------------------
bench_city "$gridd_bin"
bench_gridd "$gridd_bin" "$server_threads" GRIDD_PHOTO_DIR="$tmp/photos" GRIDD_PHOTO_MAX_PER_REPORT=100
token=$(bench_login worker1) || die "cannot log in as worker1"
observed=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%S+00:00)
: >"$tmp/reports.txt"
for ((i = 0; i < nreports; i++)); do
	curl -fsS -H 'content-type: application/json' -H "authorization: Bearer $token" \
		-d "{\"category\":\"event:0102\",\"location\":{\"type\":\"Point\",\"coordinates\":[116.4006,39.91045]},\"description\":\"bench $i\",\"observed_at\":\"$observed\"}" \
		"http://127.0.0.1:$gridd_port/v1/reports" |
		json_field id >>"$tmp/reports.txt" ||
		die "cannot file report $i"
done
photo_info=$(node "$here/make_photo.mjs" "$tmp/photo.jpg" 4) || die "cannot make the photo"

# ---- measure -------------------------------------------------------------------
# The probe asks at a steady 100 per second, one at a time: a saturating wrk
# would measure how the two cores are shared, not how long a request waits.
healthz() { # seconds outfile
	node "$here/latency_probe.mjs" "http://127.0.0.1:$gridd_port/healthz" "$1" 100 >"$2" 2>&1
}
healthz 2 "$tmp/warm.txt" || die "the /healthz probe failed"
healthz "$seconds" "$tmp/idle.txt" || { cat "$tmp/idle.txt" >&2; die "the /healthz probe failed"; }
read -r idle_n _ idle_p99 _ idle_err <"$tmp/idle.txt"

# The uploading wrk runs at nice 10: on a small machine it would otherwise
# take cores from gridd's event loops that, in production, phones on the
# network never take. gridd's own photo work is niced the same way (workers.c).
GRIDD_BENCH_TOKEN=$token GRIDD_BENCH_PHOTO=$tmp/photo.jpg GRIDD_BENCH_REPORTS=$tmp/reports.txt \
	nice -n 10 wrk -t1 -c"$conns" -d"$((seconds + 2))s" --timeout 30s --latency -s "$here/photo_upload.lua" \
	"http://127.0.0.1:$gridd_port/" >"$tmp/upload.txt" 2>&1 &
wrk_pid=$!
sleep 1   # let the uploads get going
healthz "$seconds" "$tmp/loaded.txt" || { cat "$tmp/loaded.txt" >&2; die "the /healthz probe failed"; }
wait "$wrk_pid" || { wrk_pid=""; cat "$tmp/upload.txt" >&2; die "the upload wrk failed"; }
wrk_pid=""
kill -0 "$gridd_pid" 2>/dev/null || { show_log gridd "$tmp/gridd.log"; die "gridd died during the bench"; }
read -r load_n _ load_p99 _ load_err <"$tmp/loaded.txt"
read -r up_rps _ up_p99 up_non2xx up_err <<<"$(parse_wrk "$tmp/upload.txt")" || { cat "$tmp/upload.txt" >&2; die "cannot parse the upload wrk output"; }
stored=$("$pgbin/psql" "$db_url" -XAtq -c 'SELECT count(*) FROM photos')

echo "photo_upload: GET /healthz p99, idle vs while uploading a $photo_info JPEG at $conns concurrent," \
	"${seconds}s each, $server_threads gridd threads, $(nproc) cores"
echo "gridd: $gridd_bin"
echo
printf '%-22s %12s %9s %7s\n' '' requests p99_ms errors
printf '%-22s %12s %9.3f %7s\n' 'healthz idle' "$idle_n" "$idle_p99" "$idle_err"
printf '%-22s %12s %9.3f %7s\n' 'healthz under uploads' "$load_n" "$load_p99" "$load_err"
printf '%-22s %10.2f/s %9.3f\n' 'photo uploads' "$up_rps" "$up_p99"
echo
echo "photos stored: $stored (non-2xx uploads: $up_non2xx, socket errors: $up_err)"
(( up_non2xx + up_err == 0 )) || echo "WARNING: some uploads failed; see the gridd log"
awk -v l="$load_p99" -v i="$idle_p99" \
	'BEGIN { printf "ratio healthz p99 loaded/idle = %.2f (goal <= 3)\n", l / i }'

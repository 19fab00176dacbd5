#!/usr/bin/env bash
# report_ingest.sh - POST /v1/reports throughput of gridd as a ratio of
# pgbench running the same transaction's SQL at the same concurrency.
#
# Usage: tests/bench/report_ingest.sh [GRIDD_BIN]      (default build/server/gridd)
#
# Makes a private PostgreSQL cluster in a temporary directory, migrates it and
# loads the demo city, starts gridd (BENCH_THREADS I/O threads, database
# connections = BENCH_CONNECTIONS), then alternately:
#   - wrk posts distinct reports (report_ingest.lua: a new Idempotency-Key and
#     a random point in worker1's cells each time) to gridd;
#   - pgbench runs the statements gridd runs for one keyed report, taken from
#     the binary with `gridd sql`, in the same three round trips: a pipeline
#     of BEGIN, the key's advisory lock and the key lookup; reports_create; a
#     pipeline of keeping the answer with the key and COMMIT.
# Prints both, gridd's p99, and the ratio gridd/pgbench. See README.md.
#
# Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (16), BENCH_THREADS (2),
# BENCH_ROUNDS (2), BENCH_WARMUP (2).
# Exit status: 0 when the bench ran; 1 when something failed; 2 on bad usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() { echo "usage: $0 [GRIDD_BIN]   (default $root/build/server/gridd)" >&2; exit 2; }
[[ $# -le 1 ]] || usage
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
gridd_bin=$(realpath "${1:-$root/build/server/gridd}")

seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-16}
rounds=${BENCH_ROUNDS:-2}
warmup=${BENCH_WARMUP:-2}
server_threads=${BENCH_THREADS:-2}
wrk_threads=2
for v in seconds conns rounds warmup server_threads; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
(( conns % server_threads == 0 )) || { echo "bench: BENCH_CONNECTIONS must be a multiple of BENCH_THREADS" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ingest.XXXXXX")
chmod 755 "$tmp"
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"

pgbin=/usr/lib/postgresql/15/bin
for tool in wrk curl ss setsid node "$pgbin/pgbench" "$pgbin/psql"; do
	command -v "$tool" >/dev/null || die "'$tool' not found"
done
[[ -x $gridd_bin ]] || die "gridd binary '$gridd_bin' not found (build it first, or pass its path)"

# ---- database and gridd ----------------------------------------------------
bench_city "$gridd_bin" -c max_connections=$((conns * 2 + 20))
psql_() { "$pgbin/psql" "$db_url" -XAtq -v ON_ERROR_STOP=1 "$@"; }
bench_gridd "$gridd_bin" "$server_threads" GRIDD_DB_POOL_SIZE=$((conns / server_threads)) GRIDD_DB_QUEUE_MAX=10000
token=$(bench_login worker1) || die "cannot log in as worker1"

# One report through the API: checks the path works and gives a real answer
# of the usual size for pgbench to keep with its keys.
observed=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%S+00:00)
sample=$(curl -fsS -H 'content-type: application/json' -H "authorization: Bearer $token" \
	-H "idempotency-key: bench-sample-$RANDOM" \
	-d "{\"category\":\"event:0102\",\"location\":{\"type\":\"Point\",\"coordinates\":[116.4006,39.91045]},\"description\":\"路边垃圾桶满溢,垃圾散落 bench\",\"observed_at\":\"$observed\"}" \
	"http://127.0.0.1:$gridd_port/v1/reports") || { show_log gridd "$tmp/gridd.log"; die "the sample report failed"; }

# ---- pgbench script: gridd's statements, $n -> :pn ---------------------------
uid=$(psql_ -c "SELECT id FROM users WHERE login = 'worker1'")
sql_of() { "$gridd_bin" sql "$1" | tr '\n' ' ' | sed -E 's/\$([0-9]+)/:p\1/g'; }
# The key is a random number; the report id a UUID made from it in SQL (gridd
# makes one with RAND_bytes). The keep statement's parameters get names of
# their own, as its numbering overlaps the create statement's.
{
	echo '\set k random(1, 9223372036854775807)'
	echo '\set lon random(0, 35999)'
	echo '\set lat random(0, 8999)'
	echo '\set p6 116.4 + :lon / 10000000.0'
	echo '\set p7 39.91 + :lat / 10000000.0'
	echo '\startpipeline'
	echo 'BEGIN;'
	echo "$(sql_of reports_key_lock | sed 's/:p2/:k/g');"
	echo "$(sql_of reports_key_lookup | sed 's/:p2/:k/g');"
	echo '\endpipeline'
	# pgbench has no empty variables: the empty parameters become '' literals.
	echo "$(sql_of reports_create | sed -E "s/:p3::uuid/md5(:k::text)::uuid/g; s/:p(10|12|14)([^0-9]|\$)/''\2/g");"
	echo '\startpipeline'
	echo "$(sql_of reports_key_keep | sed 's/:p2/:k/; s/:p3/:khash/; s/:p4/:kstatus/; s/:p5/:kresponse/');"
	echo 'COMMIT;'
	echo '\endpipeline'
} >"$tmp/ingest.sql"
# Each line of a pgbench script is one command: each statement is one line.
pgbench_args=(-n -M prepared -c "$conns" -j "$wrk_threads" -f "$tmp/ingest.sql"
	-D p1="$uid" -D p2=grid_worker -D p4=event -D p5=0102 -D p8=wgs84 -D p9=8.0
	-D "p11=路边垃圾桶满溢,垃圾散落 bench" -D p13="$observed" -D p15=50
	-D p16=72 -D p17=100 -D khash="$(printf '%064d' 0)" -D kstatus=201 -D "kresponse=$sample")

run_pgbench() { # seconds outfile
	PGPASSWORD='' "$pgbin/pgbench" "${pgbench_args[@]}" -T "$1" "$db_url" >"$2" 2>&1 &
	wrk_pid=$!
	wait "$wrk_pid" || { wrk_pid=""; cat "$2" >&2; die "pgbench failed"; }
	wrk_pid=""
}
run_wrk() { # seconds outfile
	GRIDD_BENCH_TOKEN=$token wrk -t"$wrk_threads" -c"$conns" -d"$1s" --latency \
		-s "$here/report_ingest.lua" "http://127.0.0.1:$gridd_port/v1/reports" >"$2" 2>&1 &
	wrk_pid=$!
	wait "$wrk_pid" || { wrk_pid=""; cat "$2" >&2; die "wrk failed"; }
	wrk_pid=""
}
parse_pgbench() { # file: tps
	awk '/^tps = / { print $3; exit }' "$1"
}

# ---- measure ---------------------------------------------------------------
run_pgbench "$warmup" "$tmp/warm-pg.txt"
run_wrk "$warmup" "$tmp/warm-wrk.txt"
best_pg=0 best_g=0 best_p99=0 errors=0
lines=()
for ((r = 1; r <= rounds; r++)); do
	run_pgbench "$seconds" "$tmp/pg-$r.txt"
	tps=$(parse_pgbench "$tmp/pg-$r.txt")
	[[ $tps =~ ^[0-9.]+$ ]] || { cat "$tmp/pg-$r.txt" >&2; die "cannot parse pgbench output"; }
	run_wrk "$seconds" "$tmp/wrk-$r.txt"
	kill -0 "$gridd_pid" 2>/dev/null || { show_log gridd "$tmp/gridd.log"; die "gridd died during the bench"; }
	parsed=$(parse_wrk "$tmp/wrk-$r.txt") || { cat "$tmp/wrk-$r.txt" >&2; die "cannot parse wrk output"; }
	read -r rps p50 p99 non2xx sockerr <<<"$parsed"
	errors=$((errors + non2xx + sockerr))
	lines+=("$(printf '%-5s %14.0f %14.0f %9.3f %9.3f %8s' "$r" "$tps" "$rps" "$p50" "$p99" "$non2xx")")
	awk -v a="$tps" -v b="$best_pg" 'BEGIN { exit !(a > b) }' && best_pg=$tps
	awk -v a="$rps" -v b="$best_g" 'BEGIN { exit !(a > b) }' && { best_g=$rps; best_p99=$p99; }
done
reports=$(psql_ -c 'SELECT count(*) FROM reports')

echo "report_ingest: POST /v1/reports with Idempotency-Key vs pgbench of the same SQL," \
	"$conns connections, ${seconds}s x $rounds rounds, $server_threads gridd threads, $(nproc) cores"
echo "gridd: $gridd_bin"
echo
printf '%-5s %14s %14s %9s %9s %8s\n' round pgbench_tps gridd_req/s p50_ms p99_ms non2xx
printf '%s\n' "${lines[@]}"
echo
echo "reports stored: $reports"
(( errors == 0 )) || echo "WARNING: gridd had $errors non-2xx responses or socket errors; its numbers are suspect"
printf 'gridd p99 = %.3f ms (best round)\n' "$best_p99"
awk -v g="$best_g" -v p="$best_pg" \
	'BEGIN { printf "ratio gridd/pgbench reports_per_sec = %.2f (goal >= 0.80)\n", g / p }'

#!/usr/bin/env bash
# case_cycle.sh - the workflow's cost: dispatch -> accept -> resolve -> check
# through gridd, as a ratio of pgbench running the same statements.
#
# Usage: tests/bench/case_cycle.sh [GRIDD_BIN]      (default build/server/gridd)
#
# Private cluster, demo city, registered cases made in SQL (event:0108, no
# "after" photo needed). Then, alternately, BENCH_ROUNDS times:
#   - cycle_driver.mjs: BENCH_CONNECTIONS loops each take a fresh case and do
#     the four actions through gridd, each as the role that does it;
#   - pgbench, the raw limit: one transaction per cycle replaying what gridd
#     runs for each action, the statements taken from the binary (gridd sql):
#     a pipeline of BEGIN and cases_lock; for dispatch the calendar load;
#     a pipeline of cases_update, cases_notify and COMMIT.
# Prints both, and the ratio gridd/pgbench cycles per second.
# Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (8), BENCH_THREADS (2),
# BENCH_ROUNDS (2). Exit status: 0 ran; 1 failed; 2 bad usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() { echo "usage: $0 [GRIDD_BIN]   (default $root/build/server/gridd)" >&2; exit 2; }
[[ $# -le 1 ]] || usage
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
gridd_bin=$(realpath "${1:-$root/build/server/gridd}")

seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-8}
server_threads=${BENCH_THREADS:-2}
rounds=${BENCH_ROUNDS:-2}
for v in seconds conns server_threads rounds; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
(( conns % server_threads == 0 )) || { echo "bench: BENCH_CONNECTIONS must be a multiple of BENCH_THREADS" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-cycle.XXXXXX")
chmod 755 "$tmp"
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"

pgbin=/usr/lib/postgresql/15/bin
for tool in curl ss setsid node "$pgbin/pgbench" "$pgbin/psql"; do
	command -v "$tool" >/dev/null || die "'$tool' not found"
done
[[ -x $gridd_bin ]] || die "gridd binary '$gridd_bin' not found (build it first, or pass its path)"

bench_city "$gridd_bin" -c max_connections=$((conns * 2 + 20))
psql_() { "$pgbin/psql" "$db_url" -XAtq -v ON_ERROR_STOP=1 "$@"; }
bench_gridd "$gridd_bin" "$server_threads" GRIDD_DB_POOL_SIZE=$((conns / server_threads)) GRIDD_DB_QUEUE_MAX=10000
tokens=$(printf '{"dispatcher":"%s","unit":"%s","worker":"%s"}' "$(bench_login dispatcher1)" \
	"$(bench_login unit1)" "$(bench_login worker1)") || die "cannot log in"

# Enough registered cases for every round of both (a cycle takes some ms).
per_round=$(( seconds * 2000 ))
total=$(( per_round * rounds * 2 + 1000 ))
psql_ -c "INSERT INTO cases (category_kind, category_code, cell_code, location, description, state, registered_at)
	SELECT 'event', '0108', '110101001001001', ST_SetSRID(ST_MakePoint(116.4006, 39.91045), 4326),
	'bench', 'registered', now() FROM generate_series(1, $total)" >/dev/null
first_id=$(psql_ -c "SELECT min(id) FROM cases")
next_id=$first_id

# ---- pgbench script ---------------------------------------------------------
sql_of() { "$gridd_bin" sql "$1" | tr '\n' ' ' | sed -E 's/\$([0-9]+)/:p\1/g'; }
lock=$(sql_of cases_lock)
calendar=$(sql_of calendar_store_load)
update=$(sql_of cases_update)
notify=$(sql_of cases_notify)
uid_dispatcher=$(psql_ -c "SELECT id FROM users WHERE login = 'dispatcher1'")
uid_unit=$(psql_ -c "SELECT id FROM users WHERE login = 'unit1'")
uid_worker=$(psql_ -c "SELECT id FROM users WHERE login = 'worker1'")
# step ACTION STATE ACTOR DATA DUE: one action's statements, its parameters inlined.
step() {
	# An empty due becomes a subquery: a bare '' would be cast to a number
	# when the statement is parsed; gridd sends it as a parameter.
	local due="'$5'"
	[[ -z $5 ]] && due="(SELECT ''::text)"
	echo '\startpipeline'
	echo 'BEGIN;'
	echo "$(sed 's/:p1/:id/g' <<<"$lock");"
	echo '\endpipeline'
	[[ $1 == dispatch ]] && echo "$(sed 's/:p1/:now/g' <<<"$calendar");"
	echo '\startpipeline'
	sed -E "s/:p1([^0-9]|$)/:id\\1/g; s/:p2([^0-9]|$)/'$2'\\1/g; s/:p3([^0-9]|$)/'false'\\1/g;
		s/:p4([^0-9]|$)/'false'\\1/g; s/:p5([^0-9]|$)/'$3'\\1/g; s/:p6([^0-9]|$)/'$1'\\1/g;
		s/:p7([^0-9]|$)/'$4'\\1/g; s/:p8([^0-9]|$)/$due\\1/g; s/:p9([^0-9]|$)/''\\1/g;
		s/:p10([^0-9]|$)/'1'\\1/g; s/:p11([^0-9]|$)/''\\1/g; s/:p12([^0-9]|$)/''\\1/g;
		s/:p13([^0-9]|$)/''\\1/g; s/:p14([^0-9]|$)/'0'\\1/g; s/$/;/" <<<"$update"
	sed -E "s/:p1([^0-9]|$)/:id\\1/g; s/:p2([^0-9]|$)/'$1'\\1/g; s/:p3([^0-9]|$)/'$2'\\1/g; s/$/;/" <<<"$notify"
	echo 'COMMIT;'
	echo '\endpipeline'
}
make_script() { # first case id
	{
		echo '\set n :n + 1'
		echo "\\set id $1 + (:n - 1) * $conns + :client_id"
		echo '\set now 1795000000'
		step dispatch dispatched "$uid_dispatcher" '{"unit_id":1,"from":"registered","to":"dispatched","due_at":"2026-11-23T12:00:00+08:00"}' 1795003600
		step accept in_progress "$uid_unit" '{"from":"dispatched","to":"in_progress"}' ''
		step resolve resolved "$uid_unit" '{"from":"in_progress","to":"resolved"}' ''
		step check closed "$uid_worker" '{"result":"passed","from":"resolved","to":"closed"}' ''
	} >"$tmp/cycle.sql"
}

run_pgbench() { # outfile
	make_script "$next_id"
	next_id=$(( next_id + per_round ))
	"$pgbin/pgbench" -n -M prepared -c "$conns" -j 2 -T "$seconds" -D n=0 -f "$tmp/cycle.sql" "$db_url" >"$1" 2>&1 ||
		{ cat "$1" >&2; die "pgbench failed"; }
}
run_gridd() { # outfile
	node "$here/cycle_driver.mjs" "http://127.0.0.1:$gridd_port" "$seconds" "$conns" "$next_id" \
		"$(( next_id + per_round - 1 ))" "$tokens" >"$1" 2>&1 || { cat "$1" >&2; die "the cycle driver failed"; }
	next_id=$(( next_id + per_round ))
}

best_pg=0 best_g=0 best_p99=0
lines=()
for ((r = 1; r <= rounds; r++)); do
	run_pgbench "$tmp/pg-$r.txt"
	tps=$(awk '/^tps = / { print $3; exit }' "$tmp/pg-$r.txt")
	[[ $tps =~ ^[0-9.]+$ ]] || { cat "$tmp/pg-$r.txt" >&2; die "cannot parse pgbench output"; }
	run_gridd "$tmp/g-$r.txt"
	read -r cycles cps p50 p99 errors <"$tmp/g-$r.txt"
	kill -0 "$gridd_pid" 2>/dev/null || { show_log gridd "$tmp/gridd.log"; die "gridd died during the bench"; }
	lines+=("$(printf '%-5s %12.1f %12.1f %9.3f %9.3f %7s' "$r" "$tps" "$cps" "$p50" "$p99" "$errors")")
	awk -v a="$tps" -v b="$best_pg" 'BEGIN { exit !(a > b) }' && best_pg=$tps
	awk -v a="$cps" -v b="$best_g" 'BEGIN { exit !(a > b) }' && { best_g=$cps; best_p99=$p99; }
done
closed=$(psql_ -c "SELECT count(*) FROM cases WHERE state = 'closed'")

echo "case_cycle: dispatch -> accept -> resolve -> check through gridd vs pgbench of the same statements," \
	"$conns connections, ${seconds}s x $rounds rounds, $server_threads gridd threads, $(nproc) cores"
echo "gridd: $gridd_bin"
echo
printf '%-5s %12s %12s %9s %9s %7s\n' round pgbench_cps gridd_cps p50_ms p99_ms errors
printf '%s\n' "${lines[@]}"
echo
echo "cases closed: $closed"
printf 'gridd cycle p99 = %.3f ms (best round)\n' "$best_p99"
awk -v g="$best_g" -v p="$best_pg" 'BEGIN { printf "ratio gridd/pgbench cycles_per_sec = %.2f (goal >= 0.80)\n", g / p }'

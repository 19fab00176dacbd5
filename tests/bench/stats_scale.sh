#!/usr/bin/env bash
# stats_scale.sh - the statistics at city scale: gridd's monthly unit ranking
# and 12-month closure table over BENCH_CASES cases (10 million by default),
# read from the rollups of migration 0013, against a naive GROUP BY over the
# cases on the same data; and a check that the rollups equal a full recount
# after a bulk load and after real workflow actions.
#
# Usage: tests/bench/stats_scale.sh [GRIDD_BIN]      (default build/server/gridd)
#
#  1. A private cluster with bulk-load settings, migrated, the demo city,
#     BENCH_CELLS more grid cells (stats_scale_cells.sql).
#  2. BENCH_CASES cases over BENCH_MONTHS months ending last month, with their
#     return and urge events (stats_scale_gen.mjs), streamed into COPY with the
#     triggers off (session_replication_role = replica, so the statistics
#     triggers and the foreign key checks do not fire; the references are
#     checked afterwards in one query); the secondary indexes of cases are
#     dropped before and built after. Then VACUUM ANALYZE, stats_rebuild().
#  3. stats_check() must be empty; a few hundred workflow actions through
#     gridd (stats_scale_plan.sql, stats_scale_api.mjs); stats_check() must
#     still be empty.
#  4. Medians of BENCH_RUNS runs after a warm-up: GET /v1/assessments/{last
#     month} and GET /v1/stats/closure?group_by=unit over the last 12 months as
#     supervisor1, and stats_scale_naive.sql for the same periods; gridd's due,
#     closed and closed_on_time per unit must equal the naive counts.
# Prints the phases' times and the ratios naive/gridd. See README.md.
#
# Environment: BENCH_CASES (10000000), BENCH_CELLS (3000), BENCH_MONTHS (24),
# BENCH_SEED (1), BENCH_RUNS (7), BENCH_ACTIONS (300), BENCH_ACTION_CONNECTIONS
# (4), BENCH_THREADS (2), BENCH_REBUILD_WORK_MEM (512MB), BENCH_PG_OPTS (more
# "-c name=value" for the server), BENCH_KEEP_DIR (keep the loaded cluster
# there, stopped, and reuse it on the next run instead of loading again),
# BENCH_SKIP_LOAD_CHECK (1: on a reused cluster, skip the check after the load).
# Exit status: 0 ran and every check held; 1 a check failed or something
# broke; 2 bad usage; 3 ran and checked, but gridd has no statistics
# endpoints yet (404), so nothing was measured through it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() { echo "usage: $0 [GRIDD_BIN]   (default $root/build/server/gridd)" >&2; exit 2; }
[[ $# -le 1 ]] || usage
[[ ${1:-} == -h || ${1:-} == --help ]] && usage
gridd_bin=$(realpath "${1:-$root/build/server/gridd}")

cases=${BENCH_CASES:-10000000}
cells=${BENCH_CELLS:-3000}
months=${BENCH_MONTHS:-24}
seed=${BENCH_SEED:-1}
runs=${BENCH_RUNS:-7}
actions=${BENCH_ACTIONS:-300}
action_conns=${BENCH_ACTION_CONNECTIONS:-4}
server_threads=${BENCH_THREADS:-2}
rebuild_mem=${BENCH_REBUILD_WORK_MEM:-512MB}
for v in cases months seed runs actions action_conns server_threads; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
[[ $cells =~ ^[0-9]+$ ]] || { echo "bench: BENCH_CELLS must be a number, got '$cells'" >&2; exit 2; }
(( months >= 12 )) || { echo "bench: BENCH_MONTHS must be at least 12 (the closure table covers 12)" >&2; exit 2; }
[[ $rebuild_mem =~ ^[0-9]+(kB|MB|GB)$ ]] || { echo "bench: BENCH_REBUILD_WORK_MEM like 3GB, got '$rebuild_mem'" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-stats.XXXXXX")
chmod 755 "$tmp"
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"

pgbin=/usr/lib/postgresql/15/bin
for tool in curl ss setsid node "$pgbin/psql"; do
	command -v "$tool" >/dev/null || die "'$tool' not found"
done
[[ -x $gridd_bin ]] || die "gridd binary '$gridd_bin' not found (build it first, or pass its path)"

now_s() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }

# ---- the cluster ------------------------------------------------------------
# Bulk-load settings: a throwaway cluster, so no fsync and minimal WAL; the
# memory for sorts and index builds of a table of millions; autovacuum off
# (the bench vacuums and analyzes itself, and a worker starting in the middle
# of a measurement would be noise). Queries keep the default work_mem.
pg_opts=(-c shared_buffers=4GB -c maintenance_work_mem=2GB -c max_wal_size=8GB -c min_wal_size=1GB
	-c checkpoint_timeout=1h -c wal_level=minimal -c max_wal_senders=0 -c fsync=off
	-c synchronous_commit=off -c full_page_writes=off -c autovacuum=off -c effective_cache_size=16GB
	-c max_parallel_maintenance_workers=2 -c max_connections=50)
# shellcheck disable=SC2206
[[ -n ${BENCH_PG_OPTS:-} ]] && pg_opts+=($BENCH_PG_OPTS)

if [[ -n ${BENCH_KEEP_DIR:-} ]]; then
	pgdir=$(realpath -m "$BENCH_KEEP_DIR")
	on_exit+=("'$root/deploy/pgcluster.sh' stop '$pgdir' >/dev/null 2>&1")
else
	pgdir=$tmp/pg
	on_exit+=("'$root/deploy/pgcluster.sh' destroy '$pgdir' >/dev/null 2>&1")
fi
marker=$pgdir/stats_scale.loaded
reuse=0
if [[ -f $marker ]]; then
	reuse=1
elif [[ -e $pgdir ]]; then
	# A kept cluster whose load did not finish: start over.
	"$root/deploy/pgcluster.sh" destroy "$pgdir" >>"$tmp/pg.log" 2>&1 || die "cannot remove the unfinished cluster in $pgdir"
fi

pg_port=$(pick_port) || die "no free port found"
"$root/deploy/pgcluster.sh" init "$pgdir" "$pg_port" >"$tmp/pg.log" 2>&1 || { show_log pg "$tmp/pg.log"; die "initdb failed"; }
"$root/deploy/pgcluster.sh" start "$pgdir" "$pg_port" "${pg_opts[@]}" >>"$tmp/pg.log" 2>&1 ||
	{ show_log pg "$tmp/pg.log"; die "PostgreSQL did not start"; }
"$root/deploy/pgcluster.sh" createdb "$pgdir" "$pg_port" bench >>"$tmp/pg.log" 2>&1 || die "createdb failed"
eval "$("$root/deploy/pgcluster.sh" env "$pgdir" "$pg_port")"
db_url="host=$GRIDD_PGHOST port=$pg_port dbname=bench user=$GRIDD_PGUSER"
psql_() { "$pgbin/psql" "$db_url" -XAtq -v ON_ERROR_STOP=1 "$@"; }

# Migrations are idempotent: a kept cluster gets the ones added since.
GRIDD_DB_URL=$db_url "$gridd_bin" migrate >"$tmp/migrate.log" 2>&1 || { show_log migrate "$tmp/migrate.log"; die "migrate failed"; }

load_s="" index_s="" vacuum_s="" rebuild_s="" refs_s="" events_s=""
if (( reuse )); then
	password=$(sed -n 's/^password=//p' "$marker")
	say "reusing the loaded cluster in $pgdir ($(sed -n 's/^loaded=//p' "$marker"))"
else
	password=bench-password-$RANDOM$RANDOM
	GRIDD_DB_URL=$db_url GRIDD_DEMO_PASSWORD=$password "$gridd_bin" demo >"$tmp/demo.log" 2>&1 ||
		{ show_log demo "$tmp/demo.log"; die "demo failed"; }
	psql_ -v cells="$cells" -f "$here/stats_scale_cells.sql" || die "could not make the grid cells"
	psql_ -v months="$months" -f "$here/stats_scale_meta.sql" >"$tmp/meta.json" || die "could not read the city"

	# ---- the load -------------------------------------------------------------
	# The secondary indexes of cases go, and come back after the load
	# (their definitions as the migrations made them).
	psql_ -c "SELECT pg_get_indexdef(i.indexrelid) || ';' FROM pg_index i
		WHERE i.indrelid IN ('cases'::regclass, 'case_events'::regclass) AND NOT i.indisprimary
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)" >"$tmp/indexes.sql"
	psql_ -c "SELECT 'DROP INDEX ' || string_agg(i.indexrelid::regclass::text, ', ') FROM pg_index i
		WHERE i.indrelid IN ('cases'::regclass, 'case_events'::regclass) AND NOT i.indisprimary
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
		HAVING count(*) > 0" >"$tmp/drop.sql"
	psql_ -f "$tmp/drop.sql"

	say "loading $cases cases ($(node -e 'const m=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(m.cells.length+" cells, "+m.categories.length+" categories")' "$tmp/meta.json"), $months months)"
	t0=$(now_s)
	node "$here/stats_scale_gen.mjs" generate "$tmp/meta.json" "$cases" "$tmp/events.tsv" "$seed" 2>"$tmp/gen.json" |
		psql_ -c "SET session_replication_role = replica" \
			-c "COPY cases ($(node "$here/stats_scale_gen.mjs" columns cases)) FROM STDIN" ||
		{ cat "$tmp/gen.json" >&2; die "loading the cases failed"; }
	load_s=$(since "$t0")
	t0=$(now_s)
	psql_ -c "SET session_replication_role = replica" \
		-c "COPY case_events ($(node "$here/stats_scale_gen.mjs" columns events)) FROM STDIN" <"$tmp/events.tsv" ||
		die "loading the events failed"
	events_s=$(since "$t0")
	rm -f "$tmp/events.tsv"
	psql_ -c "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))" >/dev/null

	t0=$(now_s)
	psql_ -f "$tmp/indexes.sql" || die "rebuilding the indexes failed"
	index_s=$(since "$t0")
	t0=$(now_s)
	psql_ -c "VACUUM ANALYZE cases" -c "VACUUM ANALYZE case_events" -c "ANALYZE grid_cells" || die "VACUUM failed"
	vacuum_s=$(since "$t0")

	# What the skipped foreign key checks would have caught.
	t0=$(now_s)
	bad=$(psql_ -c "SELECT
		(SELECT count(*) FROM cases c
		  WHERE c.cell_code NOT IN (SELECT code FROM grid_cells) OR c.unit_id NOT IN (SELECT id FROM units)
		     OR c.reporter_id NOT IN (SELECT id FROM users)
		     OR (c.category_kind, c.category_code) NOT IN (SELECT kind, code FROM categories))
		+ (SELECT count(*) FROM cases c
		    WHERE c.merged_into IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cases t WHERE t.id = c.merged_into))
		+ (SELECT count(*) FROM case_events e
		    WHERE e.actor_id NOT IN (SELECT id FROM users) OR NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = e.case_id))") ||
		die "the reference check failed"
	[[ $bad == 0 ]] || die "$bad loaded rows name a cell, unit, user, category or case that does not exist"
	refs_s=$(since "$t0")

	say "stats_rebuild()"
	t0=$(now_s)
	rollup_rows=$(psql_ -c "SET work_mem = '$rebuild_mem'" -c "SELECT stats_rebuild()") || die "stats_rebuild() failed"
	rebuild_s=$(since "$t0")
	psql_ -c "VACUUM ANALYZE stats_rollup"
fi

# ---- correctness: the rollups equal a recount -----------------------------------
check_rollups() { # label: stats_check() must return no row
	local t0 n
	t0=$(now_s)
	n=$(psql_ -c "SET work_mem = '$rebuild_mem'" -c "SELECT count(*) FROM stats_check()") || die "stats_check() failed"
	check_s=$(since "$t0")
	if [[ $n != 0 ]]; then
		echo "stats_check() $1: $n rows differ from a recount; the first ones:" >&2
		psql_ -P footer=off -c "SET work_mem = '$rebuild_mem'" \
			-c "SELECT * FROM stats_check() ORDER BY grain, period, street_code, cell_code, unit_id LIMIT 10" >&2
		die "the rollups $1 differ from a full recount"
	fi
	say "stats_check() $1: 0 rows (${check_s} s)"
}
if (( reuse )) && [[ ${BENCH_SKIP_LOAD_CHECK:-0} == 1 ]]; then
	check_load_s="skipped"
else
	say "stats_check() after the load"
	check_rollups "after the load"
	check_load_s="$check_s s"
fi
if (( ! reuse )) && [[ -n ${BENCH_KEEP_DIR:-} ]]; then
	printf 'password=%s\nloaded=%s cases, %s cells, %s months, seed %s\n' "$password" "$cases" "$cells" "$months" "$seed" >"$marker"
	chmod 600 "$marker"
fi

read -r n_cases n_events n_cells <<<"$(psql_ -F ' ' -c "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM case_events), (SELECT count(*) FROM grid_cells)")"
read -r n_rollup size_cases size_rollup <<<"$(psql_ -F '|' -c "SELECT (SELECT count(*) FROM stats_rollup),
	replace(pg_size_pretty(pg_total_relation_size('cases') + pg_total_relation_size('case_events')), ' ', ''),
	replace(pg_size_pretty(pg_total_relation_size('stats_rollup')), ' ', '')" | tr '|' ' ')"

# ---- gridd, and workflow actions through it ---------------------------------
bench_gridd "$gridd_bin" "$server_threads" GRIDD_DB_POOL_SIZE=2 GRIDD_SWEEPER_INTERVAL_S=0 \
	GRIDD_AUTH_ACCESS_TTL_S=86400
tokens() {
	printf '{"dispatcher1":"%s","supervisor1":"%s","unit1":"%s","unit2":"%s"}' "$(bench_login dispatcher1)" \
		"$(bench_login supervisor1)" "$(bench_login unit1)" "$(bench_login unit2)"
}
toks=$(tokens) || die "cannot log in"
# City days: last month, the 12 months ending with it.
IFS='|' read -r month m_first m_last y_first lo hi proposed <<<"$(psql_ -F '|' -c "
	SELECT to_char(m, 'YYYY-MM'), to_char(m, 'YYYY-MM-DD'), to_char(m + interval '1 month' - interval '1 day', 'YYYY-MM-DD'),
	       to_char(m - interval '11 months', 'YYYY-MM-DD'),
	       (m AT TIME ZONE stats_zone())::text, ((m + interval '1 month') AT TIME ZONE stats_zone())::text,
	       to_char((now() + interval '10 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
	FROM (SELECT date_trunc('month', now() AT TIME ZONE stats_zone()) - interval '1 month' AS m) x")"
zone=$(psql_ -c "SELECT stats_zone()")
exclude_suspended=$(psql_ -c "SELECT coalesce((SELECT (value ->> 'exclude_suspended')::boolean FROM gridd_settings
	WHERE key = 'stats.rules'), true)")
[[ $exclude_suspended == t ]] && exclude_suspended=true || exclude_suspended=false

per_group=$(( (actions + 17) / 18 ))
psql_ -v k="$per_group" -v lo="$lo" -v hi="$hi" -v proposed="$proposed" -f "$here/stats_scale_plan.sql" >"$tmp/plan.jsonl" ||
	die "could not pick the cases to act on"
say "workflow actions through gridd ($action_conns connections)"
if ! node "$here/stats_scale_api.mjs" actions "http://127.0.0.1:$gridd_port" "$toks" "$tmp/plan.jsonl" "$action_conns" >"$tmp/actions.json"; then
	cat "$tmp/actions.json" >&2
	die "workflow actions through gridd were refused (see failures above)"
fi
actions_summary=$(node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1]));
	console.log(`${s.actions} workflow actions on ${s.cases} cases through gridd (${s.failed} refused, ${s.seconds} s, p50 ${s.p50_ms.toFixed(1)} ms)`)' "$tmp/actions.json")
say "$actions_summary"
kill -0 "$gridd_pid" 2>/dev/null || { show_log gridd "$tmp/gridd.log"; die "gridd died during the actions"; }
check_rollups "after the actions"
check_actions_s=$check_s

# ---- measurements ---------------------------------------------------------------
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
naive_time() { # name from to: median ms of BENCH_RUNS runs after one warm-up; the answer in $tmp/naive-NAME.tsv
	{
		echo '\timing on'
		echo '\o /dev/null'
		for ((i = 0; i <= runs; i++)); do echo "\\i $here/stats_scale_naive.sql"; done
	} >"$tmp/naive-$1.psql"
	"$pgbin/psql" "$db_url" -XAq -v ON_ERROR_STOP=1 -v from="$2" -v to="$3" -v zone="$zone" \
		-f "$tmp/naive-$1.psql" >"$tmp/naive-$1.timing" || die "the naive query failed"
	"$pgbin/psql" "$db_url" -XAq -v ON_ERROR_STOP=1 -P footer=off -F $'\t' -v from="$2" -v to="$3" -v zone="$zone" \
		-f "$here/stats_scale_naive.sql" >"$tmp/naive-$1.tsv" || die "the naive query failed"
	awk '/^Time:/ { print $2 }' "$tmp/naive-$1.timing" | tail -n +2 | median
}
gridd_time() { # name path: median ms, the answer in $tmp/gridd-NAME.json; empty when the endpoint is missing
	local rc=0
	node "$here/stats_scale_api.mjs" time "http://127.0.0.1:$gridd_port" "$(json_field supervisor1 <<<"$toks")" \
		"$2" "$runs" "$tmp/gridd-$1.json" >"$tmp/gridd-$1.out" || rc=$?
	if (( rc == 3 )); then
		say "GET $2: no such endpoint in this gridd: $(cat "$tmp/gridd-$1.out")" >&2
		return 0
	fi
	(( rc == 0 )) || { cat "$tmp/gridd-$1.out" >&2; die "GET $2 failed"; }
	node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).median_ms)' "$tmp/gridd-$1.out"
}
toks=$(tokens) || die "cannot log in"
path_a="/v1/assessments/$month"
path_b="/v1/stats/closure?group_by=unit&from=$y_first&to=$m_last"
say "measuring: $runs runs after a warm-up each"
g_a=$(gridd_time assessment "$path_a")
n_a=$(naive_time assessment "$m_first" "$m_last")
g_b=$(gridd_time closure "$path_b")
n_b=$(naive_time closure "$y_first" "$m_last")
kill -0 "$gridd_pid" 2>/dev/null || { show_log gridd "$tmp/gridd.log"; die "gridd died during the measurements"; }
api_missing=0
[[ -n $g_a && -n $g_b ]] || api_missing=1

compare_failed=0
if [[ -n $g_a ]]; then
	node "$here/stats_scale_api.mjs" compare assessment "$tmp/gridd-assessment.json" "$tmp/naive-assessment.tsv" \
		"$exclude_suspended" >"$tmp/compare-assessment.txt" || compare_failed=1
fi
if [[ -n $g_b ]]; then
	node "$here/stats_scale_api.mjs" compare closure "$tmp/gridd-closure.json" "$tmp/naive-closure.tsv" \
		"$exclude_suspended" >"$tmp/compare-closure.txt" || compare_failed=1
fi

# ---- report -------------------------------------------------------------------
fmt() { [[ -n $1 ]] && printf '%.1f' "$1" || printf 'n/a'; }
echo
echo "stats_scale: $n_cases cases ($n_events return/urge events) in $n_cells cells over $months months" \
	"ending $month; $(nproc) cores; gridd $gridd_bin"
if (( reuse )); then
	echo "load: reused the cluster in $pgdir"
else
	echo "load: generate + COPY cases ${load_s} s, COPY events ${events_s} s, indexes ${index_s} s," \
		"VACUUM ANALYZE ${vacuum_s} s, reference check ${refs_s} s"
	echo "stats_rebuild(): ${rebuild_s} s ($rollup_rows rollup rows, work_mem $rebuild_mem)"
	echo "shares: $(node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1]));const p=(x)=>(100*x/s.cases).toFixed(1)+"%";
		console.log(Object.entries(s.states).map(([k,v])=>k+" "+p(v)).join(", ")+"; reworked "+p(s.reworked)+", extended "+p(s.extended)+
		", suspended "+p(s.suspended)+", returned "+p(s.returned)+", urged "+p(s.urged)+", closed late "+(100*s.closed_late/s.states.closed).toFixed(1)+"% of closed")' "$tmp/gen.json")"
fi
echo "sizes: cases + case_events $size_cases; stats_rollup $size_rollup ($n_rollup rows)"
[[ $check_load_s == skipped ]] && echo "stats_check() after the load: skipped (BENCH_SKIP_LOAD_CHECK=1)" ||
	echo "stats_check(): 0 rows after the load (${check_load_s})"
echo "stats_check(): 0 rows after $actions_summary (${check_actions_s} s)"
echo
printf '%-44s %12s %12s\n' "median of $runs runs (ms)" gridd naive
printf '%-44s %12s %12s\n' "(a) unit ranking $month" "$(fmt "$g_a")" "$(fmt "$n_a")"
printf '%-44s %12s %12s\n' "(b) closure by unit $y_first..$m_last" "$(fmt "$g_b")" "$(fmt "$n_b")"
echo "    (a) GET $path_a   (b) GET $path_b   as supervisor1"
echo
for x in a b; do
	g=g_$x n=n_$x
	name=$([[ $x == a ]] && echo assessment || echo closure)
	if [[ -n ${!g} ]]; then
		awk -v g="${!g}" -v n="${!n}" -v name="$name" 'BEGIN {
			printf "ratio naive/gridd %s_ms = %.1f (goal >= 100); gridd %.1f ms (goal < 100)\n", name, n / g, g }'
	else
		echo "ratio naive/gridd ${name}_ms = n/a (gridd has no such endpoint yet)"
	fi
done
for x in assessment closure; do
	[[ -f $tmp/compare-$x.txt ]] && { echo; cat "$tmp/compare-$x.txt"; }
done
(( compare_failed )) && die "gridd's counts differ from the naive counts (above)"
if (( api_missing )); then
	echo
	echo "gridd answered 404 for a statistics endpoint: rerun when it is there" \
		"(BENCH_KEEP_DIR keeps the loaded cluster for that)"
	exit 3
fi
exit 0

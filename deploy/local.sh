#!/usr/bin/env bash
# local.sh - gridd on one Debian 12 machine.
#
#   deploy/local.sh deps    install the Debian packages that are missing (root), or list them
#   deploy/local.sh build   deps, then the CMake build (build/server/gridd)
#   deploy/local.sh run     build, private PostgreSQL+PostGIS under var/pg, migrate, serve on :8080
#   deploy/local.sh test    build, a throw-away cluster, then every test suite
#
# Environment:
#   GRIDD_PG_PORT        port of the var/pg cluster for `run` (default 5433; the
#                        cluster listens on a unix socket only, the port names it)
#   GRIDD_LISTEN         address gridd serves on for `run` (default 127.0.0.1:8080)
#   GRIDD_SANITIZE=1     build with ASan+UBSan (clang) into build-asan and use that gridd
#   GRIDD_TEST_SANITIZE=0  `test`: skip the sanitizer + fuzz build of the unit tests
#   GRIDD_PG_EXTRA_OPTS  extra PostgreSQL server options (`test` defaults to fsync=off etc.)
set -euo pipefail

ROOT=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PGCLUSTER="$ROOT/deploy/pgcluster.sh"

say() { echo "local.sh: $*"; }
err() { echo "local.sh: $*" >&2; }
die() { err "$*"; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# ------------------------------------------------------------------ deps ---

PKGS=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libevent-dev libpq-dev libjansson-dev libjwt-dev libargon2-dev libssl-dev libcmocka-dev
      libvips-dev libexif-dev libxlsxwriter-dev
      postgresql-15 postgresql-15-postgis-3 postgresql-client-15
      wrk curl ca-certificates openssl
      chromium fonts-wqy-microhei)

installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]; }

# node >= 18 already on the machine (e.g. a newer one in /usr/local/bin) is kept.
node_ok() {
	command -v node >/dev/null 2>&1 || return 1
	local major
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
	[[ $major =~ ^[0-9]+$ ]] && (( major >= 18 ))
}

cmd_deps() {
	local missing=() p
	for p in "${PKGS[@]}"; do
		installed "$p" || missing+=("$p")
	done
	if ! node_ok; then
		installed nodejs || missing+=(nodejs)
		installed npm || missing+=(npm)
	fi
	if (( ${#missing[@]} == 0 )); then
		if ! command -v npm >/dev/null 2>&1; then
			die "node is here but npm is not: install npm with the same Node.js"
		fi
		return 0
	fi
	if ! is_root; then
		err "missing Debian packages: ${missing[*]}"
		err "install them with:"
		err "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
		exit 1
	fi
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
	command -v npm >/dev/null 2>&1 || die "npm is still missing after the install"
}

# npm packages of a test directory (tests/api needs a few), from its lock file.
npm_deps() {
	local dir=$1
	[[ -f $dir/package.json ]] || return 0
	if ! grep -q '"dependencies"\|"devDependencies"' "$dir/package.json"; then
		return 0
	fi
	command -v npm >/dev/null 2>&1 || die "npm is needed for $dir"
	if [[ -d $dir/node_modules && -f $dir/node_modules/.package-lock.json &&
	      ! $dir/package.json -nt $dir/node_modules/.package-lock.json &&
	      ( ! -f $dir/package-lock.json || ! $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ) ]]; then
		return 0
	fi
	say "installing npm packages in ${dir#"$ROOT"/}"
	if [[ -f $dir/package-lock.json ]]; then
		(cd "$dir" && npm ci --no-audit --no-fund --update-notifier=false --loglevel=error)
	else
		(cd "$dir" && npm install --no-audit --no-fund --update-notifier=false --loglevel=error)
	fi
}

# ----------------------------------------------------------------- build ---

# The web clients (clients/dist, served by gridd at /app/ and /console/).
build_clients() {
	[[ -f $ROOT/clients/build.mjs ]] || return 0
	npm_deps "$ROOT/clients"
	say "building the web clients"
	node "$ROOT/clients/build.mjs" || die "the web clients did not build"
}

# Build directories (relative to the project, or absolute).
BUILD_DIR=${GRIDD_BUILD_DIR:-build}
ASAN_DIR=${GRIDD_ASAN_BUILD_DIR:-build-asan}

# configure_and_build DIR [cmake options...]
configure_and_build() {
	local dir=$1; shift
	say "building in ${dir}/"
	mkdir -p "$dir"
	cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRIDD_WERROR=ON "$@" >"$dir/configure.log" 2>&1 || {
		cat "$dir/configure.log" >&2
		die "cmake configure failed in $dir (log: $dir/configure.log)"
	}
	cmake --build "$dir" -j"$(nproc)" || die "build failed in $dir"
}

build_main() { configure_and_build "$BUILD_DIR"; }
build_asan() {
	command -v clang >/dev/null 2>&1 || die "clang is needed for the sanitizer build"
	configure_and_build "$ASAN_DIR" -DCMAKE_C_COMPILER=clang -DGRIDD_SANITIZE=ON -DGRIDD_FUZZ=ON
}

sanitize() { [[ ${GRIDD_SANITIZE:-0} == 1 || ${GRIDD_SANITIZE:-} == ON ]]; }

cmd_build() {
	mkdir -p "$ROOT"
	if sanitize; then build_asan; else build_main; fi
}

asan_bin() {
	local d=$ASAN_DIR
	[[ $d == /* ]] || d="$ROOT/$d"
	echo "$d/server/gridd"
}

gridd_bin() {
	local d=$BUILD_DIR
	sanitize && d=$ASAN_DIR
	[[ $d == /* ]] || d="$ROOT/$d"
	echo "$d/server/gridd"
}

# ------------------------------------------------------------------- run ---

RUN_GRIDD_PID=""
RUN_PGDIR=""
RUN_STARTED_PG=0

run_cleanup() {
	# A second Ctrl-C must not cut the clean-up short.
	trap '' INT TERM
	trap - EXIT
	if [[ -n $RUN_GRIDD_PID ]] && kill -0 "$RUN_GRIDD_PID" 2>/dev/null; then
		say "stopping gridd (pid $RUN_GRIDD_PID)"
		kill -TERM "$RUN_GRIDD_PID" 2>/dev/null || true
		wait "$RUN_GRIDD_PID" 2>/dev/null || true
	fi
	RUN_GRIDD_PID=""
	if (( RUN_STARTED_PG )); then
		say "stopping PostgreSQL in ${RUN_PGDIR#"$ROOT"/}"
		"$PGCLUSTER" stop "$RUN_PGDIR" || true
		RUN_STARTED_PG=0
	fi
}

# kept_secret FILE LENGTH: a random [A-Za-z0-9] secret made at the first run
# and kept (mode 600) in FILE, so it stays the same across runs.
kept_secret() {
	local file=$1 length=$2
	if [[ ! -s $file ]]; then
		# tr ends on SIGPIPE once head has enough characters: that is expected.
		(umask 077; set +o pipefail; LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom 2>/dev/null | head -c "$length" >"$file.tmp")
		[[ $(wc -c <"$file.tmp") -eq $length ]] || die "could not generate a secret for $file"
		echo >>"$file.tmp"
		mv -f "$file.tmp" "$file"
	fi
	head -n 1 "$file"
}

# The demo accounts' password: GRIDD_DEMO_PASSWORD, else var/demo-password.
demo_password() { echo "${GRIDD_DEMO_PASSWORD:-$(kept_secret "$ROOT/var/demo-password" 16)}"; }

# The access token secret of the local instance: GRIDD_AUTH_JWT_SECRET, else
# var/jwt-secret, so sessions survive a restart of `run`.
jwt_secret() { echo "${GRIDD_AUTH_JWT_SECRET:-$(kept_secret "$ROOT/var/jwt-secret" 48)}"; }

cmd_run() {
	cmd_deps
	cmd_build
	build_clients
	local bin port listen
	bin=$(gridd_bin)
	[[ -x $bin ]] || die "$bin was not built"
	port=${GRIDD_PG_PORT:-5433}
	listen=${GRIDD_LISTEN:-127.0.0.1:8080}
	RUN_PGDIR="$ROOT/var/pg"

	trap 'run_cleanup' EXIT
	trap 'run_cleanup; exit 130' INT
	trap 'run_cleanup; exit 143' TERM

	mkdir -p "$ROOT/var"
	"$PGCLUSTER" init "$RUN_PGDIR" "$port"
	if ! "$PGCLUSTER" status "$RUN_PGDIR" >/dev/null 2>&1; then
		"$PGCLUSTER" start "$RUN_PGDIR" "$port"
		RUN_STARTED_PG=1
	else
		say "PostgreSQL in var/pg is already running; leaving it running afterwards"
		"$PGCLUSTER" start "$RUN_PGDIR" "$port"    # checks the port
	fi
	"$PGCLUSTER" createdb "$RUN_PGDIR" "$port" gridd
	eval "$("$PGCLUSTER" env "$RUN_PGDIR" "$port")"
	export GRIDD_DB_URL GRIDD_PGHOST GRIDD_PGPORT GRIDD_PGUSER
	export GRIDD_LISTEN="$listen"

	say "applying migrations"
	"$bin" migrate
	local demo_password=""
	if "$bin" help 2>&1 | grep -qE '^[[:space:]]*(gridd[[:space:]]+)?demo\b'; then
		demo_password=$(demo_password)
		say "loading demo data"
		GRIDD_DEMO_PASSWORD="$demo_password" "$bin" demo
	fi

	GRIDD_AUTH_JWT_SECRET=$(jwt_secret)
	export GRIDD_AUTH_JWT_SECRET

	say "gridd serves on http://$listen/  (database: $GRIDD_DB_URL)"
	if [[ -n $demo_password ]]; then
		say "demo accounts (admin, dispatcher1, supervisor1, unit1, worker1, ...): password $demo_password"
	fi
	say "phone app: http://$listen/app/   consoles: http://$listen/console/"
	say "try: curl http://$listen/readyz      stop: Ctrl-C"
	"$bin" serve &
	RUN_GRIDD_PID=$!
	local rc=0
	wait "$RUN_GRIDD_PID" || rc=$?
	RUN_GRIDD_PID=""
	say "gridd exited with code $rc"
	run_cleanup
	exit "$rc"
}

# ------------------------------------------------------------------ test ---

TEST_TMP=""
TEST_PGDIR=""

test_cleanup() {
	local rc=$?
	trap '' INT TERM
	trap - EXIT
	if [[ -n $TEST_PGDIR ]]; then
		"$PGCLUSTER" destroy "$TEST_PGDIR" >/dev/null 2>&1 || err "could not remove the test cluster in $TEST_PGDIR"
	fi
	if [[ -n $TEST_TMP && -d $TEST_TMP ]]; then rm -rf -- "$TEST_TMP"; fi
	exit "$rc"
}

# A port for the cluster's socket name. The cluster has no TCP listener and its
# socket lives in a fresh private directory, so only that directory can clash;
# still avoid a port something listens on, to keep logs unambiguous.
pick_pg_port() {
	local p=$((5500 + $$ % 400)) i
	for ((i = 0; i < 400; i++)); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
		p=$((5500 + (p - 5500 + 1) % 400))
	done
	echo $((5500 + $$ % 400))
}

node_test_args() {
	# --test-concurrency exists from Node 20.10 / 21.
	if node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=10)?0:1)'; then
		echo "--test-concurrency=2"
	fi
}

cmd_test() {
	cmd_deps
	local with_asan=1 main_bin
	[[ ${GRIDD_TEST_SANITIZE:-1} == 0 ]] && with_asan=0
	if sanitize; then
		build_asan
	else
		build_main
		(( with_asan )) && build_asan
	fi
	main_bin=$(gridd_bin)
	[[ -x $main_bin ]] || die "$main_bin was not built"
	npm_deps "$ROOT/tests/api"

	trap 'test_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/gridd-test.XXXXXX")
	TEST_PGDIR="$TEST_TMP/pg"
	chmod 755 "$TEST_TMP"     # our own fresh directory: the cluster's user must traverse it
	local port; port=$(pick_pg_port)
	export GRIDD_PG_EXTRA_OPTS="${GRIDD_PG_EXTRA_OPTS:--c fsync=off -c synchronous_commit=off -c full_page_writes=off}"
	"$PGCLUSTER" init "$TEST_PGDIR" "$port" >/dev/null
	"$PGCLUSTER" start "$TEST_PGDIR" "$port"
	"$PGCLUSTER" createdb "$TEST_PGDIR" "$port" gridd
	eval "$("$PGCLUSTER" env "$TEST_PGDIR" "$port")"

	export GRIDD_BIN="$main_bin"
	export GRIDD_ROOT="$ROOT"
	export GRIDD_PGCLUSTER="$PGCLUSTER"
	export GRIDD_TEST_PGDIR="$TEST_PGDIR"
	export GRIDD_TEST_PGPORT="$port"
	export GRIDD_TEST_PGHOST="$GRIDD_PGHOST"
	unset GRIDD_DB_URL GRIDD_PGHOST GRIDD_PGPORT GRIDD_PGUSER

	# Each suite runs even when an earlier one failed; the exit code is the
	# first failure's. Nothing is printed after the last runner's summary: a
	# failure is reported when the next suite starts.
	local first_rc=0 rc pending=""
	suite() { # NAME COMMAND...
		local name=$1; shift
		[[ -z $pending ]] || err "$pending"
		pending=""
		echo
		say "== $name"
		rc=0
		"$@" || rc=$?
		if (( rc != 0 )); then
			pending="$name failed (exit $rc)"
			(( first_rc != 0 )) || first_rc=$rc
		fi
	}

	if sanitize; then
		suite "unit tests and fuzz smoke tests (ASan+UBSan)" ctest --test-dir "$ASAN_DIR" --output-on-failure
	else
		suite "unit tests" ctest --test-dir "$BUILD_DIR" --output-on-failure
		if (( with_asan )); then
			suite "unit tests and fuzz smoke tests (ASan+UBSan)" ctest --test-dir "$ASAN_DIR" --output-on-failure
		fi
	fi

	local api_files=()
	shopt -s nullglob
	api_files=(tests/api/*.test.mjs)
	shopt -u nullglob
	if (( ${#api_files[@]} )); then
		local -a nargs
		read -r -a nargs <<<"$(node_test_args)"
		if (( with_asan )) && ! sanitize; then
			# The same tests against the ASan+UBSan gridd: a memory error aborts
			# it, and a leak makes it exit non-zero when stopped.
			suite "API tests against the ASan+UBSan gridd" \
				env GRIDD_BIN="$(asan_bin)" node --test "${nargs[@]}" "${api_files[@]}"
		fi
		suite "API tests (gridd + PostgreSQL)" node --test "${nargs[@]}" "${api_files[@]}"
	fi

	if [[ -f tests/browser/package.json ]]; then
		suite "web clients build" build_clients
		npm_deps "$ROOT/tests/browser"
		suite "browser tests (Chromium; screenshots in tests/browser/test-results/)" npm --prefix tests/browser test
	fi
	return "$first_rc"
}

# ------------------------------------------------------------------ main ---

case ${1:-} in
deps)  cmd_deps; say "all packages are installed" ;;
build) cmd_deps; cmd_build; say "built $(gridd_bin)" ;;
run)   cmd_run ;;
test)  cmd_test ;;
*)
	sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac

#!/usr/bin/env bash
# pgcluster.sh - a private PostgreSQL 15 + PostGIS cluster for gridd.
#
#   pgcluster.sh init     DIR PORT        create the cluster (idempotent)
#   pgcluster.sh start    DIR PORT [-c name=value ...]
#                                         start it and wait until it accepts connections
#   pgcluster.sh stop     DIR             fast shutdown (no-op when not running)
#   pgcluster.sh status   DIR             exit 0 when running, 3 when stopped, 4 when absent
#   pgcluster.sh destroy  DIR             stop (immediate) and remove everything
#   pgcluster.sh createdb DIR PORT NAME   create database NAME unless it exists
#   pgcluster.sh env      DIR PORT        print `export` lines for gridd and the tests
#
# Layout: DIR/data (PGDATA), DIR/sock (the only listening socket: no TCP),
# DIR/log/postgresql.log. The superuser role is `gridd`, authentication is
# `trust` on the socket, which only this machine's users can reach.
#
# PostgreSQL refuses to run as root: as root the server runs as the system user
# `gridd` (created when missing); otherwise as the current user. When that user
# cannot reach DIR (a parent directory such as /root is not traversable), the
# cluster lives in /var/lib/gridd/<name> and DIR becomes a symlink to it.
#
# Environment: GRIDD_PG_EXTRA_OPTS  extra server options for `start`
#              (e.g. "-c fsync=off -c synchronous_commit=off"); fsync stays on otherwise.
#              GRIDD_PG_USER        the unprivileged user when run as root (default gridd)
#              GRIDD_PG_START_TIMEOUT seconds `start` waits (default 60)
set -euo pipefail

PROG=pgcluster.sh
ROLE=gridd                                  # the cluster's superuser role
SYS_USER=${GRIDD_PG_USER:-gridd}            # the OS user that runs the server when we are root
VAR_BASE=/var/lib/gridd                     # fallback home of data directories (root only)

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

usage() {
	sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# ---------------------------------------------------------------- binaries ---

find_bindir() {
	if [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then
		echo /usr/lib/postgresql/15/bin
	elif command -v pg_config >/dev/null 2>&1 && [[ -x "$(pg_config --bindir)/pg_ctl" ]]; then
		pg_config --bindir
	else
		die "PostgreSQL 15 server binaries not found (install postgresql-15, or run deploy/local.sh deps)"
	fi
}
BINDIR=""
bin() { [[ -n $BINDIR ]] || BINDIR=$(find_bindir); echo "$BINDIR/$1"; }

# ------------------------------------------------------------------- users ---

is_root() { [[ $(id -u) -eq 0 ]]; }

# The user that owns the cluster and runs the server.
run_user() { if is_root; then echo "$SYS_USER"; else id -un; fi; }

ensure_user() {
	is_root || return 0
	if ! id -u "$SYS_USER" >/dev/null 2>&1; then
		useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$SYS_USER" \
			|| die "could not create system user $SYS_USER"
		say "created system user $SYS_USER (PostgreSQL does not run as root)"
	fi
}

# Runs a command as the cluster's user, from / so an unreadable cwd is harmless.
as_user() {
	if is_root; then
		if command -v runuser >/dev/null 2>&1; then
			(cd / && runuser -u "$SYS_USER" -- "$@")
		else
			(cd / && setpriv --reuid="$SYS_USER" --regid="$SYS_USER" --init-groups -- "$@")
		fi
	else
		"$@"
	fi
}

# ------------------------------------------------------------------- paths ---

abspath() { # absolute path without resolving a final symlink
	local p=$1
	[[ $p == /* ]] || p="$PWD/$p"
	# normalise // and trailing /
	p=$(printf '%s' "$p" | sed -e 's#//*#/#g' -e 's#/$##')
	echo "${p:-/}"
}

DIR=""      # as given (absolute)
REAL=""     # where the files are (DIR, or the symlink's target)

set_dir() {
	[[ -n ${1:-} ]] || usage
	DIR=$(abspath "$1")
	[[ $DIR != / ]] || die "refusing to use / as the cluster directory"
	if [[ -e $DIR || -L $DIR ]]; then
		REAL=$(readlink -f -- "$DIR")
	else
		REAL=$DIR
	fi
}

check_port() {
	if ! [[ ${1:-} =~ ^[0-9]+$ ]] || (( $1 < 1 || $1 > 65535 )); then die "bad port '${1:-}' (1-65535)"; fi
}

pgdata()  { echo "$REAL/data"; }
sockdir() { echo "$REAL/sock"; }
logfile() { echo "$REAL/log/postgresql.log"; }

initialised() { [[ -f $REAL/data/PG_VERSION ]]; }

# Single-quote for the shell.
shq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# A libpq conninfo value, quoted when it needs to be.
cq() {
	if [[ $1 =~ ^[A-Za-z0-9_./:-]+$ ]]; then
		printf '%s' "$1"
	else
		printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"
	fi
}

# -------------------------------------------------------------- directory ---

# Creates REAL (DIR or its fallback) owned by the cluster's user.
make_cluster_dir() {
	local user parent
	user=$(run_user)
	if is_root; then
		parent=$(dirname -- "$DIR")
		mkdir -p -- "$parent"
		if [[ -L $DIR && $REAL == "$VAR_BASE"/* ]]; then
			: # our own fallback symlink (its target was removed): recreate the target
		elif ! as_user test -x "$parent"; then
			# The user cannot traverse to DIR (e.g. a checkout under /root, mode 700).
			# Do not loosen the owner's directories: keep the data elsewhere.
			if [[ -L $DIR ]]; then
				die "$DIR is a symlink to $(readlink -- "$DIR") which is not a cluster; remove it"
			fi
			if [[ -d $DIR ]]; then
				rmdir -- "$DIR" 2>/dev/null || die "$DIR exists, is not empty and is not reachable by user $user"
			fi
			local name hash
			name=$(basename -- "$DIR" | tr -c 'A-Za-z0-9_.\n-' '_')
			hash=$(printf '%s' "$DIR" | sha256sum | cut -c1-8)
			REAL="$VAR_BASE/$name-$hash"
			if [[ ! -d $VAR_BASE ]]; then mkdir -p -- "$VAR_BASE" && chmod 755 -- "$VAR_BASE"; fi
			mkdir -p -- "$REAL"
			ln -s -- "$REAL" "$DIR"
			echo "$PROG: user $user cannot reach $parent; the cluster lives in $REAL and $DIR is a symlink to it"
		fi
	fi
	mkdir -p -- "$REAL"
	if [[ -n $(ls -A -- "$REAL") && ! -f $REAL/.pgcluster ]]; then
		die "$REAL exists and is not empty; refusing to put a cluster there"
	fi
	mkdir -p -- "$REAL/sock" "$REAL/log"
	: >"$REAL/.pgcluster"
	chmod 755 -- "$REAL" "$REAL/sock"
	chmod 750 -- "$REAL/log"
	if is_root; then
		chown "$user:$(id -gn "$user")" -- "$REAL" "$REAL/sock" "$REAL/log" "$REAL/.pgcluster"
	fi
}

# -------------------------------------------------------------- commands ---

cmd_init() {
	set_dir "${1:-}"; check_port "${2:-}"
	local port=$2
	ensure_user
	if initialised; then
		say "cluster in $DIR already initialised"
		return 0
	fi
	make_cluster_dir
	local sock; sock=$(sockdir)
	# Unix socket paths are limited to 107 bytes.
	if (( ${#sock} + ${#port} + 10 > 107 )); then
		die "socket path $sock/.s.PGSQL.$port is too long for a unix socket; use a shorter DIR"
	fi
	say "initialising PostgreSQL cluster in $DIR (superuser role $ROLE, run by user $(run_user))"
	local out
	if ! out=$(as_user "$(bin initdb)" -D "$(pgdata)" -A trust -U "$ROLE" --encoding=UTF8 --locale=C.UTF-8 2>&1); then
		echo "$out" >&2
		die "initdb failed"
	fi
	# Socket only, in our own directory; the port just names the socket file.
	as_user tee -a "$(pgdata)/postgresql.conf" >/dev/null <<EOF

# --- written by deploy/pgcluster.sh ---
listen_addresses = ''
unix_socket_directories = '$sock'
unix_socket_permissions = 0777
port = $port
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
max_connections = 200
EOF
	say "initialised $DIR"
}

# pg_ctl status: 0 running, 3 not running, 4 no/invalid data directory.
pg_status() {
	local rc=0
	as_user "$(bin pg_ctl)" status -D "$(pgdata)" >/dev/null 2>&1 || rc=$?
	return $rc
}

running_port() { sed -n '4p' "$(pgdata)/postmaster.pid" 2>/dev/null || true; }

cmd_start() {
	set_dir "${1:-}"; check_port "${2:-}"
	local port=$2; shift 2
	initialised || die "no cluster in $DIR (run: $PROG init $DIR $port)"
	ensure_user
	if pg_status; then
		local rp; rp=$(running_port)
		if [[ -n $rp && $rp != "$port" ]]; then
			die "cluster in $DIR is already running on port $rp, not $port"
		fi
		say "cluster in $DIR already running (port $port)"
		return 0
	fi
	local sock; sock=$(sockdir)
	local opts="-p $port -c listen_addresses='' -c unix_socket_directories='$sock'"
	if [[ -n ${GRIDD_PG_EXTRA_OPTS:-} ]]; then opts+=" $GRIDD_PG_EXTRA_OPTS"; fi
	local a
	for a in "$@"; do opts+=" $a"; done
	local log; log=$(logfile)
	# The log directory may have been removed by hand.
	if [[ ! -d $REAL/log ]]; then
		mkdir -p -- "$REAL/log"
		is_root && chown "$(run_user)" -- "$REAL/log"
	fi
	local out rc=0
	out=$(as_user "$(bin pg_ctl)" start -w -t "${GRIDD_PG_START_TIMEOUT:-60}" \
		-D "$(pgdata)" -l "$log" -o "$opts" 2>&1) || rc=$?
	if (( rc != 0 )); then
		{
			echo "$out"
			echo "$PROG: PostgreSQL in $DIR failed to start (pg_ctl exit $rc); last lines of $log:"
			tail -n 30 -- "$log" 2>/dev/null | sed 's/^/    /'
		} >&2
		exit 1
	fi
	say "PostgreSQL running in $DIR (socket $sock, port $port)"
}

cmd_stop() {
	set_dir "${1:-}"
	if ! initialised; then
		say "no cluster in $DIR"
		return 0
	fi
	if ! pg_status; then
		say "cluster in $DIR is not running"
		return 0
	fi
	local out
	if ! out=$(as_user "$(bin pg_ctl)" stop -D "$(pgdata)" -m fast -w -t 60 2>&1); then
		echo "$out" >&2
		die "could not stop the cluster in $DIR"
	fi
	say "stopped the cluster in $DIR"
}

cmd_status() {
	set_dir "${1:-}"
	if ! initialised; then
		echo "$PROG: no cluster in $DIR"
		exit 4
	fi
	local rc=0
	pg_status || rc=$?
	if (( rc == 0 )); then
		echo "$PROG: running in $DIR (port $(running_port), socket $(sockdir))"
	else
		echo "$PROG: stopped ($DIR)"
		exit 3
	fi
}

cmd_destroy() {
	set_dir "${1:-}"
	if [[ ! -e $DIR && ! -L $DIR ]]; then
		return 0
	fi
	if [[ -d $REAL && ! -f $REAL/.pgcluster ]] && ! initialised; then
		die "$DIR does not look like a cluster made by $PROG; not removing it"
	fi
	if initialised && pg_status; then
		as_user "$(bin pg_ctl)" stop -D "$(pgdata)" -m immediate -w -t 60 >/dev/null 2>&1 \
			|| die "could not stop the cluster in $DIR"
	fi
	rm -rf -- "$REAL"
	if [[ -L $DIR ]]; then rm -f -- "$DIR"; fi
	say "removed the cluster in $DIR"
}

psql_admin() { # PORT SQL...
	local port=$1; shift
	"$(bin psql)" -X -q -A -t -v ON_ERROR_STOP=1 -h "$(sockdir)" -p "$port" -U "$ROLE" -d postgres "$@"
}

cmd_createdb() {
	set_dir "${1:-}"; check_port "${2:-}"
	local port=$2 name=${3:-}
	[[ $name =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] || die "bad database name '$name' (letters, digits, _; at most 63)"
	initialised || die "no cluster in $DIR"
	pg_status || die "the cluster in $DIR is not running (run: $PROG start $DIR $port)"
	local exists
	exists=$(psql_admin "$port" -c "SELECT 1 FROM pg_database WHERE datname = '$name'")
	if [[ $exists == 1 ]]; then
		say "database $name already exists"
		return 0
	fi
	local out
	if ! out=$(psql_admin "$port" -c "CREATE DATABASE \"$name\" OWNER \"$ROLE\"" 2>&1); then
		# Lost a race with another createdb of the same name: fine.
		if [[ $out == *"already exists"* ]]; then return 0; fi
		echo "$out" >&2
		die "could not create database $name"
	fi
	say "created database $name"
}

cmd_env() {
	set_dir "${1:-}"; check_port "${2:-}"
	local port=$2 sock; sock=$(sockdir)
	echo "export GRIDD_PGHOST=$(shq "$sock")"
	echo "export GRIDD_PGPORT=$(shq "$port")"
	echo "export GRIDD_PGUSER=$(shq "$ROLE")"
	echo "export GRIDD_DB_URL=$(shq "host=$(cq "$sock") port=$port dbname=gridd user=$ROLE")"
}

main() {
	local cmd=${1:-}
	[[ -n $cmd ]] || usage
	shift
	case $cmd in
	init)     cmd_init "$@" ;;
	start)    cmd_start "$@" ;;
	stop)     cmd_stop "$@" ;;
	status)   cmd_status "$@" ;;
	destroy)  cmd_destroy "$@" ;;
	createdb) cmd_createdb "$@" ;;
	env)      cmd_env "$@" ;;
	-h|--help|help) usage ;;
	*) echo "$PROG: unknown command '$cmd'" >&2; usage ;;
	esac
}

main "$@"

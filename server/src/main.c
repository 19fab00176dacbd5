/*
 * main.c - the gridd command: serve, migrate, version, help.
 *
 * Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.
 */
#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "api/authn.h"
#include "api/routes.h"
#include "app.h"
#include "auth/password_hash.h"
#include "auth/password_policy.h"
#include "auth/policy.h"
#include "config.h"
#include "db/migrate.h"
#include "demo.h"
#include "audit.h"
#include "cells_import.h"
#include "jobs/export_job.h"
#include "jobs/sweeper.h"
#include "live/hub.h"
#include "http/server.h"
#include "limits.h"
#include "log.h"
#include "photo/image.h"
#include "workers.h"

#ifndef GRIDD_VERSION
#define GRIDD_VERSION "0.0.0"
#endif

extern char **environ;

static void usage(FILE *out)
{
	fprintf(out,
	        "gridd %s - grid-based field reporting for city management\n"
	        "\n"
	        "usage:\n"
	        "  gridd serve   [--config PATH] [--migrate]   run the HTTP daemon\n"
	        "  gridd migrate [--config PATH] [--status]    apply (or list) schema migrations\n"
	        "  gridd useradd --login L --role R [...]      create an account (password on stdin)\n"
	        "  gridd demo    [--config PATH]               load the demo data (GRIDD_DEMO_PASSWORD)\n"
	        "  gridd import-cells [--config PATH] FILE     import grid cells from GeoJSON (- = stdin)\n"
	        "  gridd audit-verify [--config PATH] [--case ID]  recompute the cases' audit chains\n"
	        "  gridd routes  [--test-routes]               print the route table (JSON)\n"
	        "  gridd sql NAME                              print a statement's SQL (benchmarks)\n"
	        "  gridd version                               print versions\n"
	        "  gridd help [config]                         this text, or the settings\n"
	        "\n"
	        "Settings come from the file given by --config (or $GRIDD_CONFIG), then from\n"
	        "GRIDD_<KEY> environment variables, which win. `gridd help config` lists them.\n",
	        GRIDD_VERSION);
}

/* Loads defaults, the config file and the environment. Exits 2 on error. */
static void load_config(struct config *cfg, const char *path)
{
	char err[1024];
	config_defaults(cfg);
	if (!path)
		path = getenv("GRIDD_CONFIG");
	if (path && *path && config_load_file(cfg, path, err, sizeof(err)) < 0)
		goto fail;
	if (config_apply_env(cfg, environ, err, sizeof(err)) < 0)
		goto fail;
	if (config_finish(cfg, err, sizeof(err)) < 0)
		goto fail;
	return;
fail:
	fprintf(stderr, "gridd: configuration error: %s\n", err);
	exit(2);
}

struct options {
	const char *config;
	int migrate;
	int status;
};

static void parse_options(int argc, char **argv, struct options *o, const char *command)
{
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			o->config = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			o->config = argv[i] + 9;
		} else if (strcmp(argv[i], "--migrate") == 0 && strcmp(command, "serve") == 0) {
			o->migrate = 1;
		} else if (strcmp(argv[i], "--status") == 0 && strcmp(command, "migrate") == 0) {
			o->status = 1;
		} else {
			fprintf(stderr, "gridd %s: unknown option '%s'\n\n", command, argv[i]);
			usage(stderr);
			exit(2);
		}
	}
}

static int cmd_migrate(int argc, char **argv)
{
	struct options o = {0};
	struct config cfg;
	parse_options(argc, argv, &o, "migrate");
	load_config(&cfg, o.config);
	int rc = migrate_run(cfg.db_url, o.status ? MIGRATE_STATUS : MIGRATE_APPLY, stdout, stderr);
	config_free(&cfg);
	return rc;
}

/* Reads a whole small file (a PEM key) into a malloc'd NUL-terminated buffer. */
static char *read_small_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(65536);
	size_t n = buf ? fread(buf, 1, 65535, f) : 0;
	fclose(f);
	if (!buf || n == 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * Sets up the access token keys from the configuration. With HS256 and no
 * secret configured, a random one is made: tokens then die with the process
 * and are not accepted by other instances (fine for one local instance).
 * Key buffers are owned by the caller's keys[] and freed at exit.
 */
static int setup_tokens(struct app *app, char *keys[2])
{
	const struct config *cfg = &app->cfg;
	struct token_config *t = &app->tokens;
	t->issuer = cfg->auth_issuer;
	t->audience = cfg->auth_audience;
	t->lifetime_s = cfg->auth_access_ttl_s;
	t->leeway_s = 60;
	if (strcmp(cfg->auth_jwt_alg, "ES256") == 0) {
		size_t priv_len = 0, pub_len = 0;
		keys[0] = read_small_file(cfg->auth_jwt_private_key_file, &priv_len);
		keys[1] = read_small_file(cfg->auth_jwt_public_key_file, &pub_len);
		if (!keys[0] || !keys[1]) {
			fprintf(stderr, "gridd: configuration error: auth_jwt_private_key_file / "
			                "auth_jwt_public_key_file: cannot read %s\n",
			        !keys[0] ? cfg->auth_jwt_private_key_file : cfg->auth_jwt_public_key_file);
			return -1;
		}
		*t = (struct token_config){TOKEN_ES256, (unsigned char *)keys[0], priv_len,
		                           (unsigned char *)keys[1], pub_len, t->issuer, t->audience,
		                           t->lifetime_s, t->leeway_s};
		return 0;
	}
	if (cfg->auth_jwt_secret[0]) {
		keys[0] = strdup(cfg->auth_jwt_secret);
	} else {
		keys[0] = malloc(32);
		if (keys[0] && getrandom(keys[0], 32, 0) != 32) {
			free(keys[0]);
			keys[0] = NULL;
		}
		log_warn("auth_jwt_secret is not set: using a random secret for this process; "
		         "sessions end when gridd restarts and other instances will not accept them");
	}
	if (!keys[0])
		return -1;
	size_t len = cfg->auth_jwt_secret[0] ? strlen(keys[0]) : 32;
	*t = (struct token_config){TOKEN_HS256, (unsigned char *)keys[0], len, (unsigned char *)keys[0],
	                           len, t->issuer, t->audience, t->lifetime_s, t->leeway_s};
	return 0;
}

static struct event_base *main_base;

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	struct app *app = arg;
	log_info("received %s: stopping (drain up to %d s)", sig == SIGINT ? "SIGINT" : "SIGTERM",
	         app->cfg.drain_timeout_s);
	atomic_store(&app->shutting_down, 1);
	event_base_loopbreak(main_base);
}

static void on_hup_signal(evutil_socket_t sig, short what, void *arg)
{
	log_reopen();
	log_info("received SIGHUP: log reopened");
}

/* The sweeper runs as I/O thread 0's background job (app.h). */
static void *sweeper_job_start(struct event_base *base, struct db_pool *db, struct worker_pool *workers,
                               const struct config *cfg)
{
	return sweeper_start(base, db, workers, cfg);
}

static void sweeper_job_drain(void *job)
{
	sweeper_drain(job);
}

static void sweeper_job_free(void *job)
{
	sweeper_free(job);
}

/* An I/O thread drains: its live streams end, its export jobs stop. */
static void thread_drain(struct event_base *base)
{
	live_thread_drain(base);
	export_jobs_thread_drain(base);
}

static int cmd_serve(int argc, char **argv)
{
	struct options o = {0};
	struct app app;
	memset(&app, 0, sizeof(app));
	parse_options(argc, argv, &o, "serve");
	load_config(&app.cfg, o.config);
	if (log_init(app.cfg.log_level, app.cfg.log_format, app.cfg.log_file) < 0)
		return 2;

	if (o.migrate && migrate_run(app.cfg.db_url, MIGRATE_APPLY, stderr, stderr) != 0)
		return 1;

	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() < 0) {
		log_error("libevent has no pthreads support");
		return 1;
	}
	if (routes_register_statements() < 0 || sweeper_register_statements() < 0)
		return 1;
	app.routes = routes_table(&app.cfg, &app.route_count);
	int bad = router_check_table(app.routes, app.route_count);
	if (bad >= 0) {
		log_error("route table: bad route %d (%s)", bad, app.routes[bad].pattern);
		return 1;
	}
	for (int i = 0; i < app.route_count; i++)
		if (!policy_action_known(app.routes[i].action)) {
			log_error("route %s %s: action '%s' is not in the policy table",
			          http_method_name(app.routes[i].method), app.routes[i].pattern,
			          app.routes[i].action ? app.routes[i].action : "(none)");
			return 1;
		}
	char *keys[2] = {NULL, NULL};
	if (setup_tokens(&app, keys) < 0)
		return 2;
	if (password_hash_init() < 0) {
		log_error("cannot compute the argon2id dummy hash");
		return 1;
	}
	if (photo_vips_init(argv[0]) < 0) {
		log_error("cannot start libvips (photo decoding)");
		return 1;
	}
	if (!photo_image_type_supported(PHOTO_TYPE_HEIC))
		log_warn("libvips has no HEIF loader: HEIC photos will be refused with 415");
	char site_err[256];
	if (static_site_load(app.cfg.static_dir, &app.site, site_err, sizeof(site_err)) < 0) {
		log_error("static_dir %s: %s", app.cfg.static_dir, site_err);
		return 1;
	}
	if (app.site.count == 0)
		log_warn("static_dir %s has no built clients (app/, console/): /app/ and /console/ answer 404",
		         app.cfg.static_dir);
	app.dispatch = authn_dispatch;
	if (app.cfg.sweeper_interval_s > 0) {
		app.job_start = sweeper_job_start;
		app.job_drain = sweeper_job_drain;
		app.job_free = sweeper_job_free;
	}
	size_t largest = (size_t)app.cfg.http_max_body_bytes;
	for (int i = 0; i < app.route_count; i++)
		if (app.routes[i].max_body > largest)
			largest = app.routes[i].max_body;
	app.body_hard_limit = largest + LIMIT_BODY_HARD_SLACK;
	app.migrations_latest = migrations_latest_version();
	app.started_at = time(NULL);
	app.thread_count = app.cfg.threads;

	app.workers = workers_start(app.cfg.workers);
	if (!app.workers)
		return 1;
	main_base = event_base_new();
	struct event *sigterm = evsignal_new(main_base, SIGTERM, on_stop_signal, &app);
	struct event *sigint = evsignal_new(main_base, SIGINT, on_stop_signal, &app);
	struct event *sighup = evsignal_new(main_base, SIGHUP, on_hup_signal, &app);
	if (!sigterm || !sigint || !sighup || event_add(sigterm, NULL) || event_add(sigint, NULL) ||
	    event_add(sighup, NULL)) {
		log_error("cannot install signal handlers");
		return 1;
	}

	if (live_hub_start(&app.cfg) < 0) {
		log_error("cannot start the live updates listener");
		workers_stop(app.workers);
		return 1;
	}
	app.thread_drain = thread_drain;
	app.thread_busy = export_jobs_thread_busy;
	app.thread_stopped = export_jobs_thread_stopped;
	app.connection_closed = live_connection_closed;
	if (server_start(&app) < 0) {
		live_hub_stop();
		workers_stop(app.workers);
		return 1;
	}
	log_info("gridd %s listening on http://%s:%d/ with %d I/O threads, %d db connections each",
	         GRIDD_VERSION, app.cfg.listen_host, app.cfg.listen_port, app.thread_count,
	         app.cfg.db_pool_size);

	event_base_dispatch(main_base);

	int abandoned = server_stop(&app);
	live_hub_stop();
	workers_stop(app.workers);
	photo_vips_shutdown(); /* no worker thread uses libvips any more */
	event_free(sigterm);
	event_free(sigint);
	event_free(sighup);
	event_base_free(main_base);
	log_info("stopped%s", abandoned ? " (some requests were cut off by the drain timeout)" : "");
	free(keys[0]);
	free(keys[1]);
	static_site_free(&app.site);
	config_free(&app.cfg);
	return 0;
}

/*
 * gridd useradd --login L --role R [--name N] [--phone P] [--unit ID]
 *               [--area CODE] [--cell CODE]... : creates an account; the
 * password is the first line of standard input (never an argument, which
 * other users could see in the process list).
 */
static int cmd_useradd(int argc, char **argv)
{
	const char *config_path = NULL, *login = NULL, *role = NULL, *name = NULL, *phone = "";
	const char *unit = "", *area = "";
	char cells[4096] = "";
	size_t cells_len = 0;
	for (int i = 2; i < argc; i += 2) { /* options come in pairs: --name value */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			goto usage;
		if (strcmp(a, "--config") == 0) config_path = v;
		else if (strcmp(a, "--login") == 0) login = v;
		else if (strcmp(a, "--role") == 0) role = v;
		else if (strcmp(a, "--name") == 0) name = v;
		else if (strcmp(a, "--phone") == 0) phone = v;
		else if (strcmp(a, "--unit") == 0) unit = v;
		else if (strcmp(a, "--area") == 0) area = v;
		else if (strcmp(a, "--cell") == 0) {
			int n = snprintf(cells + cells_len, sizeof(cells) - cells_len, "%s%s",
			                 cells_len ? "," : "", v);
			if (n < 0 || (size_t)n >= sizeof(cells) - cells_len)
				goto usage;
			cells_len += (size_t)n;
		} else
			goto usage;
	}
	if (!login || !role || auth_role_from_name(role) < 0)
		goto usage;
	struct config cfg;
	load_config(&cfg, config_path);

	char password[PASSWORD_MAX_BYTES + 2];
	if (!fgets(password, sizeof(password), stdin)) {
		fprintf(stderr, "gridd useradd: give the password on standard input\n");
		config_free(&cfg);
		return 2;
	}
	size_t len = strcspn(password, "\r\n");
	password[len] = '\0';
	enum password_verdict pv = password_policy_check(password, len, login);
	if (pv != PASSWORD_OK) {
		fprintf(stderr, "gridd useradd: %s\n", password_verdict_text(pv));
		explicit_bzero(password, sizeof(password));
		config_free(&cfg);
		return 2;
	}
	char hash[PASSWORD_HASH_MAX];
	int hashed = password_hash_now(password, len, hash);
	explicit_bzero(password, sizeof(password));
	if (hashed < 0) {
		fprintf(stderr, "gridd useradd: cannot hash the password\n");
		config_free(&cfg);
		return 1;
	}
	PGconn *pg = PQconnectdb(cfg.db_url);
	int rc = 1;
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "gridd useradd: cannot connect: %s", PQerrorMessage(pg));
	} else {
		const char *params[] = {login, name ? name : login, phone, role, unit, area, hash, cells};
		PGresult *r = PQexecParams(
			pg,
			"WITH u AS (INSERT INTO users (login, display_name, phone, role, unit_id, area_code, "
			"password_hash) VALUES ($1, $2, nullif($3, ''), $4, nullif($5, '')::bigint, "
			"nullif($6, ''), $7) RETURNING id),"
			" c AS (INSERT INTO user_cells (user_id, cell_code)"
			"  SELECT u.id, unnest(string_to_array(nullif($8, ''), ',')) FROM u)"
			" SELECT id FROM u",
			8, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			printf("created %s (%s), id %s\n", login, role, PQgetvalue(r, 0, 0));
			rc = 0;
		} else {
			fprintf(stderr, "gridd useradd: %s", PQresultErrorMessage(r));
		}
		PQclear(r);
	}
	PQfinish(pg);
	config_free(&cfg);
	return rc;
usage:
	fprintf(stderr, "usage: gridd useradd --login L --role grid_worker|dispatcher|unit_staff|"
	                "supervisor|admin [--name N] [--phone P] [--unit ID] [--area CODE] "
	                "[--cell CODE]... [--config PATH] < password\n");
	return 2;
}

/* gridd demo [--config PATH]: demo accounts, password from GRIDD_DEMO_PASSWORD. */
static int cmd_demo(int argc, char **argv)
{
	struct options o = {0};
	struct config cfg;
	parse_options(argc, argv, &o, "demo");
	load_config(&cfg, o.config);
	const char *password = getenv("GRIDD_DEMO_PASSWORD");
	if (!password || !*password) {
		fprintf(stderr, "gridd demo: set GRIDD_DEMO_PASSWORD to the password of the demo accounts\n");
		config_free(&cfg);
		return 2;
	}
	int rc = demo_load(cfg.db_url, password);
	config_free(&cfg);
	return rc;
}

/* gridd audit-verify [--config PATH] [--case ID]: 0 verified, 1 broken, 2 error. */
static int cmd_audit_verify(int argc, char **argv)
{
	const char *config = NULL;
	long long case_id = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc) {
			char *end;
			case_id = strtoll(argv[++i], &end, 10);
			if (*end || case_id < 1) {
				fprintf(stderr, "gridd audit-verify: --case takes a case id\n");
				return 2;
			}
		} else {
			fprintf(stderr, "usage: gridd audit-verify [--config PATH] [--case ID]\n");
			return 2;
		}
	}
	struct config cfg;
	load_config(&cfg, config);
	int rc = audit_verify_command(cfg.db_url, case_id, stdout, stderr);
	config_free(&cfg);
	return rc;
}

/* gridd import-cells [--config PATH] FILE: 0 imported, 1 refused, 2 error. */
static int cmd_import_cells(int argc, char **argv)
{
	const char *config = NULL, *file = NULL;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			config = argv[i] + 9;
		else if (!file && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0))
			file = argv[i];
		else {
			fprintf(stderr, "gridd import-cells: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr, "usage: gridd import-cells [--config PATH] FILE.geojson (or - for stdin)\n");
		return 2;
	}
	struct config cfg;
	load_config(&cfg, config);
	int rc = cells_import_file(&cfg, file, stdout, stderr);
	config_free(&cfg);
	return rc;
}

/*
 * gridd sql NAME: prints a registered statement's SQL, so a benchmark can run
 * exactly the SQL gridd runs (with pgbench) and compare.
 */
static int cmd_sql(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gridd sql STATEMENT_NAME\n");
		return 2;
	}
	if (routes_register_statements() < 0)
		return 1;
	const struct db_statement *st = db_statement_find(argv[2]);
	if (!st) {
		fprintf(stderr, "gridd sql: no statement named '%s'\n", argv[2]);
		return 2;
	}
	printf("%s\n", st->sql);
	return 0;
}

/* Prints the route table as JSON (contract and authorization tests read it). */
static int cmd_routes(int argc, char **argv)
{
	struct config cfg;
	config_defaults(&cfg);
	cfg.test_routes = argc > 2 && strcmp(argv[2], "--test-routes") == 0;
	int count;
	const struct route *routes = routes_table(&cfg, &count);
	json_t *list = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b}", "method",
		                                      http_method_name(routes[i].method), "pattern",
		                                      routes[i].pattern, "action",
		                                      routes[i].action ? routes[i].action : "",
		                                      "json_body", (routes[i].flags & ROUTE_JSON_BODY) != 0));
	char *text = json_dumps(list, JSON_INDENT(2));
	puts(text);
	free(text);
	json_decref(list);
	config_free(&cfg);
	return 0;
}

static int cmd_version(void)
{
	printf("gridd %s\n", GRIDD_VERSION);
	printf("libevent %s, libpq %d, jansson %s, schema version %d\n", event_get_version(),
	       PQlibVersion(), jansson_version_str(), migrations_latest_version());
	return 0;
}

int main(int argc, char **argv)
{
	const char *command = argc > 1 ? argv[1] : "help";
	if (strcmp(command, "serve") == 0)
		return cmd_serve(argc, argv);
	if (strcmp(command, "migrate") == 0)
		return cmd_migrate(argc, argv);
	if (strcmp(command, "demo") == 0)
		return cmd_demo(argc, argv);
	if (strcmp(command, "audit-verify") == 0)
		return cmd_audit_verify(argc, argv);
	if (strcmp(command, "import-cells") == 0)
		return cmd_import_cells(argc, argv);
	if (strcmp(command, "useradd") == 0)
		return cmd_useradd(argc, argv);
	if (strcmp(command, "routes") == 0)
		return cmd_routes(argc, argv);
	if (strcmp(command, "sql") == 0)
		return cmd_sql(argc, argv);
	if (strcmp(command, "version") == 0 || strcmp(command, "--version") == 0)
		return cmd_version();
	if (strcmp(command, "help") == 0 || strcmp(command, "--help") == 0 ||
	    strcmp(command, "-h") == 0) {
		if (argc > 2 && strcmp(argv[2], "config") == 0) {
			printf("Settings (file key = value; environment GRIDD_<KEY> overrides):\n\n");
			config_print_help(stdout, false);
		} else if (argc > 2 && strcmp(argv[2], "config-markdown") == 0) {
			config_print_help(stdout, true);
		} else {
			usage(stdout);
		}
		return 0;
	}
	fprintf(stderr, "gridd: unknown command '%s'\n\n", command);
	usage(stderr);
	return 2;
}

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
#include <time.h>

#include "api/routes.h"
#include "app.h"
#include "config.h"
#include "db/migrate.h"
#include "http/server.h"
#include "limits.h"
#include "log.h"
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
	        "  gridd routes  [--test-routes]               print the route table (JSON)\n"
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
	if (routes_register_statements() < 0)
		return 1;
	app.routes = routes_table(&app.cfg, &app.route_count);
	int bad = router_check_table(app.routes, app.route_count);
	if (bad >= 0) {
		log_error("route table: bad route %d (%s)", bad, app.routes[bad].pattern);
		return 1;
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

	if (server_start(&app) < 0) {
		workers_stop(app.workers);
		return 1;
	}
	log_info("gridd %s listening on http://%s:%d/ with %d I/O threads, %d db connections each",
	         GRIDD_VERSION, app.cfg.listen_host, app.cfg.listen_port, app.thread_count,
	         app.cfg.db_pool_size);

	event_base_dispatch(main_base);

	int abandoned = server_stop(&app);
	workers_stop(app.workers);
	event_free(sigterm);
	event_free(sigint);
	event_free(sighup);
	event_base_free(main_base);
	log_info("stopped%s", abandoned ? " (some requests were cut off by the drain timeout)" : "");
	config_free(&app.cfg);
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
	if (strcmp(command, "routes") == 0)
		return cmd_routes(argc, argv);
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

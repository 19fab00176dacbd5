/*
 * config.h - gridd's settings, table-driven.
 *
 * Every setting is one row of the table in config.c: name, type, default,
 * limits and help text. Parsing of gridd.conf (key = value), environment
 * overrides (GRIDD_<KEY>), validation, `gridd help config` and the README's
 * table all come from that one table. Add a setting = add a row.
 */
#ifndef GRIDD_CONFIG_H
#define GRIDD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* The parsed configuration. Strings are owned by the struct (config_free). */
struct config {
	char *listen;            /* "host:port" as given */
	char listen_host[256];   /* parsed from listen */
	int listen_port;
	int threads;             /* I/O threads; 0 in the table means "cores" */
	int workers;             /* worker threads for blocking work */

	char *db_url;            /* libpq conninfo string or URI */
	int db_pool_size;        /* connections per I/O thread */
	int db_queue_max;        /* waiting requests per I/O thread */
	int db_query_timeout_ms;
	int db_connect_timeout_ms;
	int db_reconnect_min_ms;
	int db_reconnect_max_ms;

	int http_max_header_bytes;
	int http_max_body_bytes; /* default limit of JSON bodies */
	int http_timeout_s;      /* connection read/write timeout */
	int http_max_connections;
	int drain_timeout_s;
	int retry_after_s;

	enum log_level log_level;
	enum log_format log_format;
	char *log_file;          /* empty: stderr */

	char *auth_jwt_alg;          /* HS256 or ES256 */
	char *auth_jwt_secret;       /* HS256 secret; empty: random per process */
	char *auth_jwt_private_key_file; /* ES256 */
	char *auth_jwt_public_key_file;  /* ES256 */
	char *auth_issuer;
	char *auth_audience;
	int auth_access_ttl_s;
	int auth_refresh_ttl_s;
	int auth_login_max_failures;
	int auth_login_window_s;
	bool http_trust_forwarded_for;

	int cells_overlap_tolerance_m2;
	int cells_import_max_features;
	int cells_import_timeout_s;

	char *photo_dir;         /* photo store root (photo/store.h) */
	int photo_max_bytes;     /* upload body limit */
	int photo_max_pixels;    /* width x height, checked before decoding */
	int photo_max_per_report;
	int photo_far_m;         /* flag far_from_report beyond this distance */
	int photo_old_s;         /* flag taken_long_before beyond this age */
	int report_accuracy_flag_m;
	int report_duplicate_radius_m;
	int report_duplicate_window_h;
	int report_sync_settle_ms;
	int sweeper_interval_s;
	int dispatch_limit_min;
	int dispatch_limit_urgent_min;
	int check_limit_min;
	int live_heartbeat_s;
	int live_max_buffer_bytes;
	int export_max_rows;     /* the longest ledger answered inline; longer ones run as jobs */
	char *export_dir;        /* background export files (export/spool.h) */
	int export_job_ttl_s;    /* a finished job and its file are kept this long */
	char *static_dir;        /* the built web clients */
	bool test_routes;        /* extra routes used by the API tests */
};

/* Where a value came from, for error messages. */
struct config_source {
	const char *file;        /* NULL for environment or command line */
	int line;
};

/*
 * Fills cfg with the table's defaults. Always succeeds for the built-in table;
 * the caller owns cfg and frees it with config_free.
 */
void config_defaults(struct config *cfg);

/*
 * Sets one key from its text form. On error returns -1 and writes a message
 * that names the key (and the source) into err. cfg is unchanged on error.
 */
int config_set(struct config *cfg, const char *key, const char *value,
               const struct config_source *src, char *err, size_t errlen);

/*
 * Parses "key = value" text (comments with '#', blank lines ignored).
 * Reports the first error with file and line. Returns 0 or -1.
 */
int config_parse_text(struct config *cfg, const char *text, size_t len,
                      const char *filename, char *err, size_t errlen);

/* Reads and parses a file; a missing file is an error. Returns 0 or -1. */
int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen);

/*
 * Applies GRIDD_<KEY> variables from envp (NULL-terminated "K=V" strings).
 * GRIDD_ variables that name no setting (GRIDD_CONFIG, test variables) are
 * ignored. Returns 0 or -1 with a message naming the variable.
 */
int config_apply_env(struct config *cfg, char *const *envp, char *err, size_t errlen);

/* Checks cross-field rules and resolves defaults such as threads = cores. */
int config_finish(struct config *cfg, char *err, size_t errlen);

void config_free(struct config *cfg);

/* Writes the table as text (help) or as a Markdown table (README). */
void config_print_help(FILE *out, bool markdown);

const char *log_level_name(enum log_level level);

#endif

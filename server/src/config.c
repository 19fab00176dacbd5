/*
 * config.c - the settings table and its parsers (see config.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"

enum option_type { OPT_STRING, OPT_INT, OPT_BOOL, OPT_LOG_LEVEL, OPT_LOG_FORMAT };

struct option {
	const char *name;
	enum option_type type;
	size_t offset;
	const char *default_value;
	long min, max;           /* for OPT_INT */
	const char *help;
};

#define FIELD(f) offsetof(struct config, f)

static const struct option options[] = {
	{"listen", OPT_STRING, FIELD(listen), "127.0.0.1:8080", 0, 0,
	 "address and port to listen on (host:port; [v6]:port)"},
	{"threads", OPT_INT, FIELD(threads), "0", 0, 256,
	 "I/O threads, each with its own event loop and listener; 0 = number of cores"},
	{"workers", OPT_INT, FIELD(workers), "2", 1, 64,
	 "worker threads for blocking work (query cancel, password hashing, fsync)"},
	{"db_url", OPT_STRING, FIELD(db_url), "dbname=gridd", 0, 0,
	 "PostgreSQL connection string (libpq conninfo or postgresql:// URI)"},
	{"db_pool_size", OPT_INT, FIELD(db_pool_size), "2", 1, 64,
	 "database connections per I/O thread"},
	{"db_queue_max", OPT_INT, FIELD(db_queue_max), "128", 0, 100000,
	 "requests that may wait for a connection per I/O thread; beyond it 503 at once"},
	{"db_query_timeout_ms", OPT_INT, FIELD(db_query_timeout_ms), "5000", 10, 600000,
	 "per-statement timeout, and the longest wait for a connection; the query is cancelled, 504"},
	{"db_connect_timeout_ms", OPT_INT, FIELD(db_connect_timeout_ms), "5000", 100, 600000,
	 "time allowed for one connection attempt"},
	{"db_reconnect_min_ms", OPT_INT, FIELD(db_reconnect_min_ms), "100", 10, 600000,
	 "first reconnect delay; doubles per failed attempt, with jitter"},
	{"db_reconnect_max_ms", OPT_INT, FIELD(db_reconnect_max_ms), "5000", 10, 3600000,
	 "longest reconnect delay"},
	{"http_max_header_bytes", OPT_INT, FIELD(http_max_header_bytes), "16384", 1024,
	 LIMIT_HEADER_BYTES_HARD, "largest request line + headers; beyond it 431"},
	{"http_max_body_bytes", OPT_INT, FIELD(http_max_body_bytes), "262144", 1024,
	 16 * 1024 * 1024, "largest JSON request body (routes may set their own); beyond it 413"},
	{"http_timeout_s", OPT_INT, FIELD(http_timeout_s), "30", 1, 3600,
	 "connection read/write timeout (idle keep-alive included)"},
	{"http_max_connections", OPT_INT, FIELD(http_max_connections), "1024", 1, 1000000,
	 "connections with requests, per instance; beyond it a new connection gets 503 and is closed"},
	{"drain_timeout_s", OPT_INT, FIELD(drain_timeout_s), "10", 0, 600,
	 "on SIGTERM, how long in-flight requests may take to finish"},
	{"retry_after_s", OPT_INT, FIELD(retry_after_s), "2", 1, 3600,
	 "Retry-After sent with 503 answers"},
	{"log_level", OPT_LOG_LEVEL, FIELD(log_level), "info", 0, 0,
	 "error, warn, info or debug"},
	{"log_format", OPT_LOG_FORMAT, FIELD(log_format), "text", 0, 0,
	 "text (key=value) or json (one object per line)"},
	{"log_file", OPT_STRING, FIELD(log_file), "", 0, 0,
	 "log file (reopened on SIGHUP); empty = stderr"},
	{"auth_jwt_alg", OPT_STRING, FIELD(auth_jwt_alg), "HS256", 0, 0,
	 "access token signature: HS256 (shared secret) or ES256 (key pair)"},
	{"auth_jwt_secret", OPT_STRING, FIELD(auth_jwt_secret), "", 0, 0,
	 "HS256 secret, at least 32 bytes; empty: a random one per process (single instance only)"},
	{"auth_jwt_private_key_file", OPT_STRING, FIELD(auth_jwt_private_key_file), "", 0, 0,
	 "ES256: PEM file of the signing key"},
	{"auth_jwt_public_key_file", OPT_STRING, FIELD(auth_jwt_public_key_file), "", 0, 0,
	 "ES256: PEM file of the verification key"},
	{"auth_issuer", OPT_STRING, FIELD(auth_issuer), "gridd", 0, 0,
	 "iss of access tokens (checked on every request)"},
	{"auth_audience", OPT_STRING, FIELD(auth_audience), "gridd-api", 0, 0,
	 "aud of access tokens (checked on every request)"},
	{"auth_access_ttl_s", OPT_INT, FIELD(auth_access_ttl_s), "900", 60, 86400,
	 "access token lifetime"},
	{"auth_refresh_ttl_s", OPT_INT, FIELD(auth_refresh_ttl_s), "2592000", 300, 31536000,
	 "refresh token lifetime (30 days)"},
	{"auth_login_max_failures", OPT_INT, FIELD(auth_login_max_failures), "10", 1, 1000,
	 "failed logins per login name, and per client address, before 429"},
	{"auth_login_window_s", OPT_INT, FIELD(auth_login_window_s), "600", 10, 86400,
	 "window in which failed logins are counted"},
	{"http_trust_forwarded_for", OPT_BOOL, FIELD(http_trust_forwarded_for), "off", 0, 0,
	 "take the client address from X-Forwarded-For (only behind a trusted proxy such as nginx)"},
	{"cells_overlap_tolerance_m2", OPT_INT, FIELD(cells_overlap_tolerance_m2), "1", 0, 1000000,
	 "grid cell import: the largest overlap between two cells, in square metres, taken as a drawing slip"},
	{"cells_import_max_features", OPT_INT, FIELD(cells_import_max_features), "5000", 1, 1000000,
	 "grid cell import: the most features in one file (POST /v1/cells/import and gridd import-cells)"},
	{"cells_import_timeout_s", OPT_INT, FIELD(cells_import_timeout_s), "120", 1, 3600,
	 "grid cell import: how long the database may take to check and write one file"},
	{"photo_dir", OPT_STRING, FIELD(photo_dir), "var/photos", 0, 0,
	 "photo store root: originals and derived JPEGs named by sha256 in two levels of subdirectories; created when missing"},
	{"static_dir", OPT_STRING, FIELD(static_dir), "clients/dist", 0, 0,
	 "the built web clients: app/ is served at /app/ (the grid worker's PWA), console/ at /console/; read into memory at start"},
	{"photo_max_bytes", OPT_INT, FIELD(photo_max_bytes), "15728640", 65536, 64 * 1024 * 1024,
	 "largest photo upload body (15 MiB); beyond it 413"},
	{"photo_max_pixels", OPT_INT, FIELD(photo_max_pixels), "40000000", 10000, 500000000,
	 "photos with more pixels (width x height, read before decoding) are refused with 422"},
	{"photo_max_per_report", OPT_INT, FIELD(photo_max_per_report), "6", 1, 100,
	 "most photos attached to one report"},
	{"photo_far_m", OPT_INT, FIELD(photo_far_m), "200", 1, 1000000,
	 "photos whose EXIF GPS position is farther than this many metres from the report are flagged far_from_report"},
	{"photo_old_s", OPT_INT, FIELD(photo_old_s), "86400", 60, 31536000,
	 "photos whose EXIF time is more than this many seconds before the report are flagged taken_long_before"},
	{"report_accuracy_flag_m", OPT_INT, FIELD(report_accuracy_flag_m), "100", 1, 100000,
	 "reports whose GPS accuracy is worse than this many metres are flagged low_accuracy (not refused)"},
	{"report_duplicate_radius_m", OPT_INT, FIELD(report_duplicate_radius_m), "50", 0, 10000,
	 "possible duplicates: open cases of the same category within this distance of a new report"},
	{"report_duplicate_window_h", OPT_INT, FIELD(report_duplicate_window_h), "72", 0, 8760,
	 "possible duplicates: cases opened within this many hours before a new report"},
	{"report_sync_settle_ms", OPT_INT, FIELD(report_sync_settle_ms), "2000", 0, 60000,
	 "updated_after lists hold back rows younger than this, so a sync never skips a row committed late"},
	{"sweeper_interval_s", OPT_INT, FIELD(sweeper_interval_s), "60", 0, 3600,
	 "how often the case sweeper looks for overdue and late cases (0 = never, on this instance)"},
	{"dispatch_limit_min", OPT_INT, FIELD(dispatch_limit_min), "30", 1, 10080,
	 "a registered case not dispatched within this many minutes is reported to the dispatchers"},
	{"dispatch_limit_urgent_min", OPT_INT, FIELD(dispatch_limit_urgent_min), "10", 1, 10080,
	 "the same for urgent cases"},
	{"check_limit_min", OPT_INT, FIELD(check_limit_min), "60", 1, 10080,
	 "a resolved case not checked on site within this many minutes is reported to the dispatchers"},
	{"live_heartbeat_s", OPT_INT, FIELD(live_heartbeat_s), "15", 1, 3600,
	 "GET /v1/events: seconds between heartbeat comments on idle streams"},
	{"live_max_buffer_bytes", OPT_INT, FIELD(live_max_buffer_bytes), "262144", 4096, 67108864,
	 "GET /v1/events: a subscriber with more than this waiting to be sent is dropped (it resumes with Last-Event-ID)"},
	{"export_max_rows", OPT_INT, FIELD(export_max_rows), "200000", 100, 1048575,
	 "GET /v1/exports: the longest case ledger sent in the response; a longer one becomes a background job (202 and a job URL)"},
	{"export_dir", OPT_STRING, FIELD(export_dir), "var/exports", 0, 0,
	 "background export files (ID.part while written, then ID.csv or ID.xlsx); shared storage when several instances serve; created when missing"},
	{"export_job_ttl_s", OPT_INT, FIELD(export_job_ttl_s), "86400", 60, 2592000,
	 "background exports: how long a job and its file are kept before the sweeper removes them"},
	{"test_routes", OPT_BOOL, FIELD(test_routes), "off", 0, 0,
	 "enable routes used only by the API tests (never in production)"},
};

#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const format_names[] = {"text", "json"};

const char *log_level_name(enum log_level level)
{
	return (unsigned)level < 4 ? level_names[level] : "?";
}

static const struct option *find_option(const char *key)
{
	for (size_t i = 0; i < OPTION_COUNT; i++)
		if (strcmp(options[i].name, key) == 0)
			return &options[i];
	return NULL;
}

static void format_source(char *buf, size_t len, const struct config_source *src)
{
	if (src && src->file)
		snprintf(buf, len, "%s:%d: ", src->file, src->line);
	else
		buf[0] = '\0';
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "on", "true", "yes"};
	static const char *const no[] = {"0", "off", "false", "no"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) { *out = true; return 0; }
		if (strcasecmp(v, no[i]) == 0) { *out = false; return 0; }
	}
	return -1;
}

static int parse_name(const char *v, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (strcasecmp(v, names[i]) == 0)
			return i;
	return -1;
}

int config_set(struct config *cfg, const char *key, const char *value,
               const struct config_source *src, char *err, size_t errlen)
{
	char where[512];
	const struct option *opt = find_option(key);
	format_source(where, sizeof(where), src);
	if (!opt) {
		snprintf(err, errlen, "%sunknown setting '%s' (see `gridd help config`)", where, key);
		return -1;
	}
	void *field = (char *)cfg + opt->offset;
	switch (opt->type) {
	case OPT_STRING: {
		char *copy = strdup(value);
		if (!copy) {
			snprintf(err, errlen, "%s%s: out of memory", where, key);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	case OPT_INT: {
		char *end;
		errno = 0;
		long n = strtol(value, &end, 10);
		if (errno || end == value || *end != '\0') {
			snprintf(err, errlen, "%s%s: '%s' is not a whole number", where, key, value);
			return -1;
		}
		if (n < opt->min || n > opt->max) {
			snprintf(err, errlen, "%s%s: %ld is out of range (%ld to %ld)", where, key, n,
			         opt->min, opt->max);
			return -1;
		}
		*(int *)field = (int)n;
		return 0;
	}
	case OPT_BOOL:
		if (parse_bool(value, (bool *)field) < 0) {
			snprintf(err, errlen, "%s%s: '%s' is not on/off, true/false, yes/no or 1/0",
			         where, key, value);
			return -1;
		}
		return 0;
	case OPT_LOG_LEVEL: {
		int i = parse_name(value, level_names, 4);
		if (i < 0) {
			snprintf(err, errlen, "%s%s: '%s' is not one of error, warn, info, debug",
			         where, key, value);
			return -1;
		}
		*(enum log_level *)field = (enum log_level)i;
		return 0;
	}
	case OPT_LOG_FORMAT: {
		int i = parse_name(value, format_names, 2);
		if (i < 0) {
			snprintf(err, errlen, "%s%s: '%s' is not one of text, json", where, key, value);
			return -1;
		}
		*(enum log_format *)field = (enum log_format)i;
		return 0;
	}
	}
	return -1;
}

void config_defaults(struct config *cfg)
{
	char err[256];
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		int rc = config_set(cfg, options[i].name, options[i].default_value, NULL, err,
		                    sizeof(err));
		(void)rc; /* the table's defaults are valid; test_config checks it */
	}
}

static char *trim(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int config_parse_text(struct config *cfg, const char *text, size_t len, const char *filename,
                      char *err, size_t errlen)
{
	struct config_source src = {filename ? filename : "config", 0};
	size_t pos = 0;
	char line[LIMIT_CONFIG_LINE_BYTES + 1];

	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		src.line++;
		if (src.line > LIMIT_CONFIG_LINES) {
			snprintf(err, errlen, "%s: more than %d lines", src.file, LIMIT_CONFIG_LINES);
			return -1;
		}
		size_t n = end - pos;
		if (n > LIMIT_CONFIG_LINE_BYTES) {
			snprintf(err, errlen, "%s:%d: line longer than %d bytes", src.file, src.line,
			         LIMIT_CONFIG_LINE_BYTES);
			return -1;
		}
		if (memchr(text + pos, '\0', n)) {
			snprintf(err, errlen, "%s:%d: NUL byte in line", src.file, src.line);
			return -1;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos = end + 1;

		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'", src.file, src.line);
			return -1;
		}
		*eq = '\0';
		char *key = trim(s);
		char *value = trim(eq + 1);
		/* Optional double quotes keep leading/trailing spaces and '#'. */
		size_t vl = strlen(value);
		if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
			value[vl - 1] = '\0';
			value++;
		} else {
			char *hash = strstr(value, " #");
			if (hash) {
				*hash = '\0';
				value = trim(value);
			}
		}
		if (*key == '\0') {
			snprintf(err, errlen, "%s:%d: empty key", src.file, src.line);
			return -1;
		}
		if (config_set(cfg, key, value, &src, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 64 * 1024, len = 0;
	char *buf = malloc(cap);
	int rc = -1;
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= (size_t)LIMIT_CONFIG_LINE_BYTES * 64) {
				snprintf(err, errlen, "%s: file too large", path);
				goto out;
			}
			char *bigger = realloc(buf, cap * 2);
			if (!bigger) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
			buf = bigger;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = config_parse_text(cfg, buf, len, path, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

int config_apply_env(struct config *cfg, char *const *envp, char *err, size_t errlen)
{
	for (; envp && *envp; envp++) {
		const char *kv = *envp;
		if (strncmp(kv, "GRIDD_", 6) != 0)
			continue;
		const char *eq = strchr(kv, '=');
		if (!eq)
			continue;
		char key[64];
		size_t n = (size_t)(eq - (kv + 6));
		if (n == 0 || n >= sizeof(key))
			continue;
		for (size_t i = 0; i < n; i++)
			key[i] = (char)tolower((unsigned char)kv[6 + i]);
		key[n] = '\0';
		if (!find_option(key))
			continue;
		char name[80];
		snprintf(name, sizeof(name), "environment GRIDD_%.*s", (int)n, kv + 6);
		struct config_source src = {name, 0};
		char inner[512];
		if (config_set(cfg, key, eq + 1, NULL, inner, sizeof(inner)) < 0) {
			snprintf(err, errlen, "%s: %s", src.file, inner);
			return -1;
		}
	}
	return 0;
}

/* Splits "host:port" or "[v6]:port" into cfg->listen_host/listen_port. */
static int parse_listen(struct config *cfg, char *err, size_t errlen)
{
	const char *s = cfg->listen;
	const char *colon;
	size_t hostlen;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			goto bad;
		hostlen = (size_t)(close - s - 1);
		s++;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			goto bad;
		hostlen = (size_t)(colon - s);
	}
	if (hostlen == 0 || hostlen >= sizeof(cfg->listen_host))
		goto bad;
	memcpy(cfg->listen_host, s, hostlen);
	cfg->listen_host[hostlen] = '\0';
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (errno || *end != '\0' || end == colon + 1 || port < 1 || port > 65535)
		goto bad;
	cfg->listen_port = (int)port;
	return 0;
bad:
	snprintf(err, errlen, "listen: '%s' is not host:port with a port from 1 to 65535",
	         cfg->listen);
	return -1;
}

int config_finish(struct config *cfg, char *err, size_t errlen)
{
	if (parse_listen(cfg, err, errlen) < 0)
		return -1;
	if (cfg->threads == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->threads = cores < 1 ? 1 : cores > 64 ? 64 : (int)cores;
	}
	if (cfg->db_reconnect_max_ms < cfg->db_reconnect_min_ms) {
		snprintf(err, errlen, "db_reconnect_max_ms: %d is below db_reconnect_min_ms (%d)",
		         cfg->db_reconnect_max_ms, cfg->db_reconnect_min_ms);
		return -1;
	}
	if (strcmp(cfg->auth_jwt_alg, "HS256") != 0 && strcmp(cfg->auth_jwt_alg, "ES256") != 0) {
		snprintf(err, errlen, "auth_jwt_alg: '%s' is not HS256 or ES256", cfg->auth_jwt_alg);
		return -1;
	}
	if (cfg->auth_jwt_secret[0] && strlen(cfg->auth_jwt_secret) < 32) {
		snprintf(err, errlen, "auth_jwt_secret: must have at least 32 bytes");
		return -1;
	}
	if (strcmp(cfg->auth_jwt_alg, "ES256") == 0 &&
	    (!cfg->auth_jwt_private_key_file[0] || !cfg->auth_jwt_public_key_file[0])) {
		snprintf(err, errlen, "auth_jwt_alg: ES256 needs auth_jwt_private_key_file and "
		                      "auth_jwt_public_key_file");
		return -1;
	}
	if (cfg->db_url[0] == '\0') {
		snprintf(err, errlen, "db_url: must not be empty");
		return -1;
	}
	if (cfg->photo_dir[0] == '\0') {
		snprintf(err, errlen, "photo_dir: must not be empty");
		return -1;
	}
	if (cfg->export_dir[0] == '\0') {
		snprintf(err, errlen, "export_dir: must not be empty");
		return -1;
	}
	return 0;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < OPTION_COUNT; i++)
		if (options[i].type == OPT_STRING) {
			char **field = (char **)((char *)cfg + options[i].offset);
			free(*field);
			*field = NULL;
		}
}

void config_print_help(FILE *out, bool markdown)
{
	if (markdown) {
		fprintf(out, "| key | environment | default | meaning |\n|---|---|---|---|\n");
	}
	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const struct option *o = &options[i];
		char env[64];
		size_t n = strlen(o->name);
		for (size_t k = 0; k <= n && k < sizeof(env) - 7; k++)
			env[k] = (char)toupper((unsigned char)o->name[k]);
		if (markdown)
			fprintf(out, "| `%s` | `GRIDD_%s` | `%s` | %s |\n", o->name, env,
			        o->default_value[0] ? o->default_value : "(empty)", o->help);
		else
			fprintf(out, "  %-24s %-14s %s\n", o->name,
			        o->default_value[0] ? o->default_value : "\"\"", o->help);
	}
}

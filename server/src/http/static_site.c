/*
 * static_site.c - the web clients served from memory. See static_site.h.
 */
#include "http/static_site.h"

#include "http/response.h"

#include <dirent.h>
#include <errno.h>
#include <event2/http.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const apps[] = {"app", "console"};

const char *static_site_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".json", "application/json"},
		{".webmanifest", "application/manifest+json"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".jpg", "image/jpeg"},
		{".ico", "image/x-icon"},
		{".woff2", "font/woff2"},
		{".txt", "text/plain; charset=utf-8"},
		{".map", "application/json"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

bool static_site_hashed_name(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	const char *dot = strchr(base, '.'), *dash = NULL;
	for (const char *p = base; dot && p < dot; p++)
		if (*p == '-')
			dash = p;
	if (!dash)
		return false;
	size_t n = (size_t)(dot - dash - 1);
	if (n < 8)
		return false;
	for (const char *p = dash + 1; p < dot; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

static int add_file(struct static_site *site, const char *url, const char *fs, char *err, size_t errlen)
{
	if (site->count >= STATIC_SITE_MAX_FILES) {
		snprintf(err, errlen, "more than %d files", STATIC_SITE_MAX_FILES);
		return -1;
	}
	FILE *f = fopen(fs, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st) != 0) {
		snprintf(err, errlen, "%s: %s", fs, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if ((size_t)st.st_size > STATIC_SITE_MAX_BYTES - site->bytes) {
		snprintf(err, errlen, "more than %u bytes in all", STATIC_SITE_MAX_BYTES);
		fclose(f);
		return -1;
	}
	struct static_file file = {0};
	file.len = (size_t)st.st_size;
	file.data = malloc(file.len ? file.len : 1);
	file.path = strdup(url);
	bool ok = file.data && file.path && fread(file.data, 1, file.len, f) == file.len;
	fclose(f);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	ok = ok && EVP_Digest(file.data, file.len, md, &mdlen, EVP_sha256(), NULL) == 1;
	struct static_file *grown = ok ? realloc(site->files, (site->count + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(file.data);
		free(file.path);
		snprintf(err, errlen, "%s: cannot read it", fs);
		return -1;
	}
	file.etag[0] = '"';
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(file.etag + 1 + 2 * i, 3, "%02x", md[i]);
	strcat(file.etag, "\"");
	file.type = static_site_type(url);
	file.immutable = static_site_hashed_name(url);
	site->files = grown;
	site->files[site->count++] = file;
	site->bytes += file.len;
	return 0;
}

/* Every regular file under fs (URL prefix url), depth-limited; dot files skipped. */
static int add_tree(struct static_site *site, const char *url, const char *fs, int depth, char *err,
                    size_t errlen)
{
	DIR *d = opendir(fs);
	if (!d)
		return errno == ENOENT && depth == 0 ? 0 : (snprintf(err, errlen, "%s: %s", fs, strerror(errno)), -1);
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char child_fs[1024], child_url[512];
		struct stat st;
		if ((size_t)snprintf(child_fs, sizeof(child_fs), "%s/%s", fs, e->d_name) >= sizeof(child_fs) ||
		    (size_t)snprintf(child_url, sizeof(child_url), "%s/%s", url, e->d_name) >= sizeof(child_url) ||
		    stat(child_fs, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 4)
			rc = add_tree(site, child_url, child_fs, depth + 1, err, errlen);
		else if (S_ISREG(st.st_mode))
			rc = add_file(site, child_url, child_fs, err, errlen);
	}
	closedir(d);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct static_file *)a)->path, ((const struct static_file *)b)->path);
}

int static_site_load(const char *dir, struct static_site *site, char *err, size_t errlen)
{
	memset(site, 0, sizeof(*site));
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
		char fs[1024], url[32];
		snprintf(fs, sizeof(fs), "%s/%s", dir, apps[i]);
		snprintf(url, sizeof(url), "/%s", apps[i]);
		if (add_tree(site, url, fs, 0, err, errlen) < 0) {
			static_site_free(site);
			return -1;
		}
	}
	if (site->count)
		qsort(site->files, site->count, sizeof(*site->files), by_path);
	return 0;
}

void static_site_free(struct static_site *site)
{
	for (size_t i = 0; i < site->count; i++) {
		free(site->files[i].path);
		free(site->files[i].data);
	}
	free(site->files);
	memset(site, 0, sizeof(*site));
}

const struct static_file *static_site_find(const struct static_site *site, const char *path, size_t len)
{
	size_t lo = 0, hi = site->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *p = site->files[mid].path;
		int c = strncmp(p, path, len);
		if (c == 0 && p[len] != '\0')
			c = 1;
		if (c == 0)
			return &site->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The app a path belongs to ("app" or "console"), with *rest after "/<app>". */
static const char *app_of(const char *path, const char **rest)
{
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
		size_t n = strlen(apps[i]);
		if (path[0] == '/' && strncmp(path + 1, apps[i], n) == 0 && (path[1 + n] == '\0' || path[1 + n] == '/')) {
			*rest = path + 1 + n;
			return apps[i];
		}
	}
	return NULL;
}

bool static_site_claims(const char *path)
{
	const char *rest;
	return strcmp(path, "/") == 0 || app_of(path, &rest) != NULL;
}

void static_site_serve(struct http_context *ctx, const struct static_site *site)
{
	const char *rest = NULL, *app = app_of(ctx->path, &rest);
	if (!app || !*rest) {
		/* "/" and "/app": to the app's root, where the PWA's scope starts */
		char to[32];
		snprintf(to, sizeof(to), "/%s/", app ? app : "app");
		http_set_header(ctx, "Location", to);
		http_reply_empty(ctx, 302);
		return;
	}
	const struct static_file *f = NULL;
	if (strstr(rest, "/..") == NULL && strlen(rest) > 1)
		f = static_site_find(site, ctx->path, strlen(ctx->path));
	if (!f) {
		const char *last = strrchr(rest, '/');
		if (last && strchr(last, '.')) {
			http_reply_problem(ctx, PROBLEM_NOT_FOUND, "no such file", NULL);
			return;
		}
		char index[32];
		snprintf(index, sizeof(index), "/%s/index.html", app);
		f = static_site_find(site, index, strlen(index));
		if (!f) {
			http_reply_problem(ctx, PROBLEM_NOT_FOUND, "the web clients are not built (clients/dist)", NULL);
			return;
		}
	}
	http_set_header(ctx, "ETag", f->etag);
	http_set_header(ctx, "Cache-Control", f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
	if (strncmp(f->type, "text/html", 9) == 0) {
		http_set_header(ctx, "Content-Security-Policy",
		                "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; "
		                "connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'self'");
		http_set_header(ctx, "Referrer-Policy", "same-origin");
	}
	const char *inm = evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "If-None-Match");
	if (inm && strstr(inm, f->etag)) {
		http_reply_empty(ctx, 304);
		return;
	}
	http_reply_bytes(ctx, 200, f->type, f->data, f->len);
}

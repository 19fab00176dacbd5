/*
 * static_site.h - the web clients (clients/dist) served from memory.
 *
 * At start gridd reads every file under static_dir/app (the grid worker's
 * PWA, /app/) and static_dir/console (the consoles, /console/) into memory,
 * with its type and a strong ETag (sha256), so an I/O thread answers them
 * without touching the disk. A file whose name carries a content hash
 * (name-HASH.ext, as the client build writes them) is cached for a year as
 * immutable; index.html, the service worker and the manifest are revalidated
 * each time (no-cache + ETag, 304 when unchanged). A path under /app/ or
 * /console/ that names no file gets that app's index.html (client-side
 * routes), except paths that look like files (a dot in the last segment),
 * which get 404.
 */
#ifndef GRIDD_HTTP_STATIC_SITE_H
#define GRIDD_HTTP_STATIC_SITE_H

#include <stdbool.h>
#include <stddef.h>

#include "http/context.h"

#define STATIC_SITE_MAX_FILES 4096
#define STATIC_SITE_MAX_BYTES (128u * 1024 * 1024)

struct static_file {
	char *path;          /* URL path, e.g. "/app/index.html" */
	const char *type;    /* Content-Type */
	unsigned char *data;
	size_t len;
	char etag[68];       /* "\"<64 hex>\"" */
	bool immutable;
};

struct static_site {
	struct static_file *files;  /* sorted by path */
	size_t count;
	size_t bytes;
};

/*
 * Loads dir/app and dir/console (either may be missing: then that app is
 * not served). Returns 0, or -1 with a reason in err (too many files, too
 * large, unreadable).
 */
int static_site_load(const char *dir, struct static_site *site, char *err, size_t errlen);

void static_site_free(struct static_site *site);

/* The file at an exact URL path, or NULL. */
const struct static_file *static_site_find(const struct static_site *site, const char *path, size_t len);

/* True for paths the site answers: "/", "/app", "/app/...", "/console", "/console/...". */
bool static_site_claims(const char *path);

/* Answers a GET or HEAD for a claimed path. */
void static_site_serve(struct http_context *ctx, const struct static_site *site);

/* The Content-Type for a file name, from its extension. */
const char *static_site_type(const char *name);

/* True when a file name carries a content hash: name-XXXXXXXX.ext (8+ [A-Z0-9]). */
bool static_site_hashed_name(const char *name);

#endif

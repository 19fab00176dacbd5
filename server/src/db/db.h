/*
 * db.h - non-blocking PostgreSQL access for one I/O thread.
 *
 * Each I/O thread owns one pool of a few libpq connections driven by its
 * event_base; nothing here blocks. A pool connection is always in exactly one
 * list (connecting, idle, busy, down) and a caller waiting for a connection
 * is in exactly one queue (waiting), PgBouncer-style: moving between lists is
 * the state change.
 *
 * Statements are registered once at start-up (db_register_statements) and
 * prepared lazily on each connection the first time it runs them, so a
 * reconnected connection re-prepares by itself.
 *
 * Every call that takes a callback calls it exactly once and never from
 * inside the call itself (failures found at once are delivered on the next
 * loop iteration), so a handler may safely free its state in the callback.
 */
#ifndef GRIDD_DB_DB_H
#define GRIDD_DB_DB_H

#include <event2/event.h>
#include <libpq-fe.h>

struct config;
struct metrics_db;
struct worker_pool;
struct db_pool;
struct db_conn;

enum db_status {
	DB_OK,           /* the statement ran; result in r->res */
	DB_SQL_ERROR,    /* the server refused the statement: r->sqlstate, r->message */
	DB_UNAVAILABLE,  /* no connection to the server (down, lost mid-query) */
	DB_TIMEOUT,      /* no answer in time (waiting or running); the query was cancelled */
	DB_OVERLOADED,   /* the wait queue is full */
	DB_SHUTDOWN,     /* the pool is closing */
};

/* A named statement; modules keep theirs together at the top of the file. */
struct db_statement {
	const char *name;   /* unique, used as the prepared statement name */
	const char *sql;    /* $1..$n text parameters */
	int nparams;
	int index;          /* set by db_register_statements */
};

struct db_result {
	enum db_status status;
	PGresult *res;          /* DB_OK: owned by the db layer, valid during the callback */
	const char *sqlstate;   /* DB_SQL_ERROR: five characters */
	const char *message;    /* human-readable reason for any failure */
};

typedef void (*db_result_cb)(const struct db_result *r, void *arg);
/* lease is NULL unless status == DB_OK. */
typedef void (*db_lease_cb)(struct db_conn *lease, enum db_status status, void *arg);

/*
 * Registers statements (static storage, kept by reference) before any pool
 * starts. Returns 0, or -1 for a duplicate name or too many statements.
 */
int db_register_statements(struct db_statement *stmts, int count);

/* A registered statement by name, or NULL (benchmarks print their SQL). */
const struct db_statement *db_statement_find(const char *name);

/* Creates a pool on base and starts connecting. cfg must outlive the pool. */
struct db_pool *db_pool_new(struct event_base *base, const struct config *cfg,
                            struct metrics_db *metrics, struct worker_pool *workers);

/* Fails waiting callers with DB_SHUTDOWN, closes every connection, frees. */
void db_pool_free(struct db_pool *pool);

/*
 * Reserves one connection for a sequence of statements (a transaction).
 * cb gets the lease or a failure status (DB_UNAVAILABLE when no connection is
 * up, DB_OVERLOADED when the queue is full, DB_TIMEOUT after waiting
 * db_query_timeout_ms). The holder must call db_release exactly once.
 */
void db_acquire(struct db_pool *pool, db_lease_cb cb, void *arg);

/* Runs a registered statement on a lease; params are copied by libpq at send. */
void db_lease_query(struct db_conn *lease, const struct db_statement *stmt,
                    const char *const *params, db_result_cb cb, void *arg);

/* Runs one plain SQL command without parameters (BEGIN, COMMIT, ROLLBACK). */
void db_lease_exec(struct db_conn *lease, const char *sql, db_result_cb cb, void *arg);

/*
 * Gives the statements of this lease ms milliseconds each instead of
 * db_query_timeout_ms (0: back to the default), until db_release. For rare,
 * known-long work such as an import; never for anything a client can repeat
 * cheaply.
 */
void db_lease_set_timeout(struct db_conn *lease, int ms);

/*
 * Gives the connection back. An open transaction is rolled back first; a
 * connection whose query timed out or failed at the protocol level is reset.
 */
void db_release(struct db_conn *lease);

/*
 * A batch: several registered statements sent in one round trip with libpq
 * pipeline mode. The statements between the pipeline's sync point form one
 * implicit transaction, so the batch is all-or-nothing: when one fails, the
 * ones before it are rolled back and the ones after it do not run.
 */
#define DB_BATCH_MAX 16

struct db_batch_step {
	const struct db_statement *stmt;
	const char *const *params;      /* copied before db_lease_batch returns */
};

struct db_batch_result {
	enum db_status status;          /* DB_OK only when every step succeeded */
	int nresults;                   /* DB_OK: one result per step, in order */
	PGresult *const *results;       /* owned by the db layer, valid during the callback */
	int failed_step;                /* DB_SQL_ERROR: index of the failing step */
	const char *sqlstate;
	const char *message;
};

typedef void (*db_batch_cb)(const struct db_batch_result *r, void *arg);

/* Runs steps (1..DB_BATCH_MAX) on a lease as one pipelined implicit transaction. */
void db_lease_batch(struct db_conn *lease, const struct db_batch_step *steps, int nsteps,
                    db_batch_cb cb, void *arg);

/* One statement outside a transaction: acquire, run, release, cb. */
void db_query(struct db_pool *pool, const struct db_statement *stmt, const char *const *params,
              db_result_cb cb, void *arg);

/* A human-readable name for a status. */
const char *db_status_name(enum db_status status);

#endif

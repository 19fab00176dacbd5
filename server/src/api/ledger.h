/*
 * ledger.h - the case ledger (案件台账): every case reported in a period,
 * within the caller's scope (CASE_SCOPE, reports_sql.h), with what a
 * supervisor checks, times in city time.
 *
 * Read page by page (LEDGER_PAGE rows, keyset on (created_at, id), index
 * cases_created of migration 0014), so neither a request nor a background
 * job ever holds a statement open or reads more than a page at once. Shared
 * by GET /v1/exports/cases.* (api/exports.c), which answers short ledgers
 * itself, and the background export jobs (jobs/export_job.c) that write the
 * long ones.
 */
#ifndef GRIDD_API_LEDGER_H
#define GRIDD_API_LEDGER_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "db/db.h"
#include "export/rows.h"
#include "export/table.h"

struct auth_user;
struct stats_query;

#define LEDGER_PAGE 2000

/* The sheet: "案件台账" and its 24 columns (static). */
extern const struct export_sheet ledger_sheet;

/*
 * One ledger query as statement parameters (text), and the keyset of the
 * next page. Plain data: copy it freely.
 */
struct ledger_query {
	/* the caller's scope, as CASE_SCOPE takes it */
	char uid[24], role[16], scope_area[16], scope_unit[24];
	/* the period (city days, inclusive) and the filters */
	char from[11], to[11], area[16], unit[24], subunits[6], category[48];
	/* (created_at in epoch µs, id) of the last row read; "" before the first page */
	char after_at[24], after_id[24];
};

int ledger_register_statements(void);

/* The query of user for q's period and filters, before its first page. */
void ledger_query_init(struct ledger_query *lq, const struct auth_user *user,
                       const struct stats_query *q);

/* The period and filters as JSON (a job row's params): from, to, area, unit,
 * include_subunits, category. A new reference, or NULL. */
json_t *ledger_query_json(const struct ledger_query *lq);

/*
 * Reads the next page: cb gets at most LEDGER_PAGE rows whose columns
 * 0..ncolumns-1 are the sheet's values (NULL for blank), in (created_at, id)
 * order, after the keyset.
 */
void ledger_read_page(struct db_pool *db, const struct ledger_query *lq, db_result_cb cb,
                      void *arg);

/*
 * Appends the rows of a page read with ledger_read_page to rows (made for
 * the sheet's columns) and moves the keyset past them. Returns 1 when that
 * page was the last one (fewer than LEDGER_PAGE rows), 0 when more follow,
 * -1 when out of memory (rows then hold part of the page).
 */
int ledger_take_page(struct ledger_query *lq, const PGresult *page, struct export_rows *rows);

/* Counts the rows of the whole ledger (not only after the keyset): cb gets
 * one row, one column, the count as text. */
void ledger_count(struct db_pool *db, const struct ledger_query *lq, db_result_cb cb, void *arg);

#endif

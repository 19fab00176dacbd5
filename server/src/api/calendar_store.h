/*
 * calendar_store.h - the city's working calendar as stored in PostgreSQL.
 *
 * gridd_settings holds the city's time zone (key city.time_zone, an IANA
 * name, default Asia/Shanghai) and its working week (key calendar.week,
 * {"monday": [["08:30", "12:00"], ["13:30", "17:30"]], ..., "sunday": []};
 * absent = the defaults of domain/calendar.c); calendar_exceptions holds
 * the dated holidays and make-up working days. Anything that computes a
 * deadline loads the calendar through here, on the lease of its transaction.
 */
#ifndef GRIDD_API_CALENDAR_STORE_H
#define GRIDD_API_CALENDAR_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "db/db.h"
#include "domain/calendar.h"

#define CALENDAR_STORE_DEFAULT_ZONE "Asia/Shanghai"
#define CALENDAR_STORE_ZONE_MAX 64

extern const char *const calendar_weekday_names[7];   /* "monday" .. "sunday" */

int calendar_store_register_statements(void);

/*
 * Sets cal's working week from {"monday": [["HH:MM", "HH:MM"], ...], ...}
 * (all seven days; [] = no work; "24:00" ends a day). Pure. On a problem adds
 * errors under pointer_prefix ("/periods") and leaves cal's week partly set;
 * returns 0 or -1.
 */
int calendar_store_parse_week(const json_t *week, struct calendar *cal, const char *pointer_prefix,
                              json_t **errors);

/* cal's working week in the same JSON form (new reference). */
json_t *calendar_store_week_json(const struct calendar *cal);

/*
 * The loaded calendar: zone and calendar (offset, week, the exceptions from a
 * week before `around` to three years after) on success; status and r
 * otherwise (the db failure, for api_reply_db_failure). cal is freed after
 * the callback returns.
 */
typedef void (*calendar_store_cb)(const struct calendar *cal, const char *zone,
                                  const struct db_result *r, void *arg);

/* Loads the calendar around a UTC time on a lease. */
void calendar_store_load(struct db_conn *lease, int64_t around, calendar_store_cb cb, void *arg);

#endif

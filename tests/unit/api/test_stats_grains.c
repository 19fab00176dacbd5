/* Unit tests for stats_pick_grains (api/stats_query.c): every query reads
 * the coarsest rollup rows that still carry its grouping, its filters and
 * the reader's scope, and never rows that lack one of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "api/stats_query.h"

#define DISTRICT "110101"
#define STREET "110101001"
#define COMMUNITY "110101001001"

static struct stats_grains pick(enum stats_group g, const char *area, long long unit, const char *category,
                                const char *scope, bool unit_staff)
{
	struct stats_query q = {.group = g, .unit = unit};
	snprintf(q.area, sizeof(q.area), "%s", area);
	snprintf(q.category, sizeof(q.category), "%s", category);
	struct stats_grains out;
	stats_pick_grains(&q, scope, unit_staff, &out);
	return out;
}

static void expect(struct stats_grains got, const char *month, const char *day, const char *scope)
{
	assert_string_equal(got.month, month);
	assert_string_equal(got.day, day);
	assert_string_equal(got.scope_area, scope);
}

static void units_read_districts(void **state)
{
	(void)state;
	/* the ranking, a closure table by unit: the city, a district */
	expect(pick(STATS_BY_UNIT, "", 0, "", "", false), "district_month", "district_day", "");
	expect(pick(STATS_BY_UNIT, "", 0, "", DISTRICT, false), "district_month", "district_day", DISTRICT);
	expect(pick(STATS_BY_UNIT_TREE, DISTRICT, 7, "", "", false), "district_month", "district_day", "");
	expect(pick(STATS_BY_DISTRICT, "", 0, "", "", false), "district_month", "district_day", "");
	/* unit staff: the district rows carry the unit */
	expect(pick(STATS_BY_UNIT, "", 0, "", "", true), "district_month", "district_day", "");
	expect(pick(STATS_BY_ALL, "", 0, "", "", false), "district_month", "district_day", "");
}

static void a_category_or_a_street_needs_streets(void **state)
{
	(void)state;
	expect(pick(STATS_BY_UNIT, "", 0, "event:01", "", false), "street_month", "street_day", "");
	expect(pick(STATS_BY_UNIT, STREET, 0, "", "", false), "street_month", "street_day", "");
	expect(pick(STATS_BY_UNIT, "", 0, "", STREET, false), "street_month", "street_day", STREET);
	expect(pick(STATS_BY_CATEGORY, "", 0, "", "", false), "street_month", "street_day", "");
	expect(pick(STATS_BY_CATEGORY_MAJOR, DISTRICT, 0, "", "", false), "street_month", "street_day", "");
	expect(pick(STATS_BY_STREET, "", 0, "", "", false), "street_month", "street_day", "");
}

static void cells_read_cell_months_without_units_or_categories(void **state)
{
	(void)state;
	expect(pick(STATS_BY_CELL, "", 0, "", DISTRICT, false), "cell_month", "cell_day", DISTRICT);
	expect(pick(STATS_BY_COMMUNITY, STREET, 0, "", "", false), "cell_month", "cell_day", "");
	expect(pick(STATS_BY_STREET, COMMUNITY, 0, "", "", false), "cell_month", "cell_day", "");
	expect(pick(STATS_BY_MONTH, "", 0, "", COMMUNITY, false), "cell_month", "cell_day", COMMUNITY);
	/* a unit filter, a unit's staff, a category: only the cells' days carry them */
	expect(pick(STATS_BY_CELL, "", 3, "", "", false), "", "cell_day", "");
	expect(pick(STATS_BY_CELL, "", 0, "", "", true), "", "cell_day", "");
	expect(pick(STATS_BY_CELL, "", 0, "event:0101", "", false), "", "cell_day", "");
	/* by unit or category within a community */
	expect(pick(STATS_BY_UNIT, COMMUNITY, 0, "", "", false), "", "cell_day", "");
	expect(pick(STATS_BY_CATEGORY, "", 0, "", COMMUNITY, false), "", "cell_day", COMMUNITY);
}

static void series_by_day_or_week_read_days_only(void **state)
{
	(void)state;
	expect(pick(STATS_BY_WEEK, "", 0, "", DISTRICT, false), "", "district_day", DISTRICT);
	expect(pick(STATS_BY_DAY, "", 5, "", "", true), "", "district_day", "");
	expect(pick(STATS_BY_WEEK, "", 0, "event:01", "", false), "", "street_day", "");
	expect(pick(STATS_BY_DAY, STREET, 0, "", "", false), "", "street_day", "");
	expect(pick(STATS_BY_DAY, COMMUNITY, 0, "", "", false), "", "cell_day", "");
	expect(pick(STATS_BY_MONTH, "", 0, "", "", false), "district_month", "district_day", "");
}

static void reporters_are_kept_by_street(void **state)
{
	(void)state;
	expect(pick(STATS_BY_REPORTER, "", 0, "", DISTRICT, false), "reporter_month", "reporter_day", DISTRICT);
	expect(pick(STATS_BY_REPORTER, STREET, 0, "", STREET, false), "reporter_month", "reporter_day", STREET);
	/* a community's reader or a unit's staff may see no reporter's counts */
	expect(pick(STATS_BY_REPORTER, "", 0, "", COMMUNITY, false), "reporter_month", "reporter_day", "-");
	expect(pick(STATS_BY_REPORTER, "", 0, "", "", true), "reporter_month", "reporter_day", "-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(units_read_districts),
		cmocka_unit_test(a_category_or_a_street_needs_streets),
		cmocka_unit_test(cells_read_cell_months_without_units_or_categories),
		cmocka_unit_test(series_by_day_or_week_read_days_only),
		cmocka_unit_test(reporters_are_kept_by_street),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

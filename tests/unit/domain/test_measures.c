/*
 * Unit tests for domain/measures.c, against tables computed by hand.
 *
 * The reference unit (weights 40/30/15/10/5): 8 cases due in the month, one
 * of them suspended; 6 closed, 5 of them on time; 2 reworked (3 reworks in
 * all), 1 extended, 3 urges received.
 *   suspended excluded, due' = 7:
 *     closure 6/7 = 85.714 % -> 85.71, on time 5/7 = 71.429 % -> 71.43,
 *     rework 2/7 = 28.571 % -> 28.57, extension 1/7 = 14.286 % -> 14.29,
 *     score 40·5/7 + 30·6/7 + 15·5/7 + 10·6/7 + 5·4/7 = 535/7 = 76.4286 -> 76.43
 *   suspended counted, due' = 8:
 *     closure 75.00, on time 62.50,
 *     score 40·5/8 + 30·6/8 + 15·6/8 + 10·7/8 + 5·5/8 = 70.625 -> 70.63 (half up)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/measures.h"

static const struct assessment_weights WEIGHTS = {40, 30, 15, 10, 5};

static struct measure_counts reference_unit(void)
{
	struct measure_counts c = {0};
	c.reported = 11;
	c.due = 8;
	c.due_suspended = 1;
	c.closed = 6;
	c.closed_on_time = 5;
	c.reworked = 2;
	c.reworks = 3;
	c.extended = 1;
	c.extensions = 1;
	c.urges = 3;
	return c;
}

static void percentages_round_half_up(void **state)
{
	(void)state;
	assert_int_equal(measures_percent(2, 3), 6667);
	assert_int_equal(measures_percent(1, 3), 3333);
	assert_int_equal(measures_percent(1, 8), 1250);
	assert_int_equal(measures_percent(1, 8000), 1);       /* 0.0125 % -> 0.01 */
	assert_int_equal(measures_percent(1, 20000), 1);      /* 0.005 % -> 0.01, half up */
	assert_int_equal(measures_percent(1, 20001), 0);      /* 0.00499 % -> 0.00 */
	assert_int_equal(measures_percent(7, 7), 10000);
	assert_int_equal(measures_percent(0, 7), 0);
	assert_int_equal(measures_percent(0, 0), MEASURES_NONE);
	assert_int_equal(measures_percent(3, -1), MEASURES_NONE);
	/* ten million cases do not overflow */
	assert_int_equal(measures_percent(9999999, 10000000), 10000);
	assert_int_equal(measures_percent(9999000, 10000000), 9999);
}

static void rates_with_suspended_cases_excluded(void **state)
{
	(void)state;
	struct measure_counts c = reference_unit();
	struct measure_rules rules = {true, 5};
	struct measure_rates r;
	measures_rates(&c, &rules, &r);
	assert_int_equal(r.due, 7);
	assert_false(r.too_small);
	assert_int_equal(r.closure, 8571);
	assert_int_equal(r.on_time_closure, 7143);
	assert_int_equal(r.rework, 2857);
	assert_int_equal(r.extension, 1429);
	assert_int_equal(r.mean_handling_s, MEASURES_NONE);
	assert_int_equal(r.p90_handling_s, MEASURES_NONE);
}

static void rates_with_suspended_cases_counted(void **state)
{
	(void)state;
	struct measure_counts c = reference_unit();
	struct measure_rules rules = {false, 5};
	struct measure_rates r;
	measures_rates(&c, &rules, &r);
	assert_int_equal(r.due, 8);
	assert_int_equal(r.closure, 7500);
	assert_int_equal(r.on_time_closure, 6250);
	assert_int_equal(r.rework, 2500);
	assert_int_equal(r.extension, 1250);
}

static void a_small_sample_is_marked(void **state)
{
	(void)state;
	struct measure_counts c = {0};
	c.due = 5;
	c.due_suspended = 1;
	c.closed = 4;
	struct measure_rules rules = {true, 5};
	struct measure_rates r;
	measures_rates(&c, &rules, &r);
	assert_int_equal(r.due, 4);
	assert_true(r.too_small);
	assert_int_equal(r.closure, 10000);
	rules.exclude_suspended = false;
	measures_rates(&c, &rules, &r);
	assert_false(r.too_small);
	assert_int_equal(r.closure, 8000);
	/* nothing due: no rates at all */
	struct measure_counts none = {0};
	none.reported = 3;
	measures_rates(&none, &rules, &r);
	assert_int_equal(r.due, 0);
	assert_true(r.too_small);
	assert_int_equal(r.closure, MEASURES_NONE);
	assert_int_equal(r.on_time_closure, MEASURES_NONE);
}

static void the_weighted_score(void **state)
{
	(void)state;
	struct measure_counts c = reference_unit();
	struct measure_rules rules = {true, 5};
	assert_int_equal(measures_score(&c, &rules, &WEIGHTS), 7643);
	rules.exclude_suspended = false;
	assert_int_equal(measures_score(&c, &rules, &WEIGHTS), 7063);
	/* a perfect unit: every point */
	struct measure_counts perfect = {0};
	perfect.due = perfect.closed = perfect.closed_on_time = 9;
	assert_int_equal(measures_score(&perfect, &rules, &WEIGHTS), 10000);
	/* more urges than cases cost the urge points, no more */
	perfect.urges = 50;
	assert_int_equal(measures_score(&perfect, &rules, &WEIGHTS), 9500);
	/* nothing due: no score */
	struct measure_counts none = {0};
	assert_int_equal(measures_score(&none, &rules, &WEIGHTS), MEASURES_NONE);
	/* other weights are data: only on-time closure counts */
	struct assessment_weights only = {100, 0, 0, 0, 0};
	c = reference_unit();
	rules.exclude_suspended = true;
	assert_int_equal(measures_score(&c, &rules, &only), 7143);
}

static void handling_time_percentiles(void **state)
{
	(void)state;
	int64_t hist[MEASURES_HIST_BUCKETS] = {0};
	assert_int_equal(measures_percentile(hist, 90), MEASURES_NONE);
	/* nine in [0.5 h, 1 h), one in [8 h, 16 h) */
	hist[1] = 9;
	hist[5] = 1;
	assert_int_equal(measures_percentile(hist, 90), 3600);       /* the 9th of 10: top of bucket 1 */
	assert_int_equal(measures_percentile(hist, 50), 2800);       /* the 5th: 1800 + 1800·5/9 */
	assert_int_equal(measures_percentile(hist, 100), 57600);
	assert_int_equal(measures_percentile(hist, 0), MEASURES_NONE);
	/* the open last bucket answers with its lower bound */
	int64_t slow[MEASURES_HIST_BUCKETS] = {0};
	slow[MEASURES_HIST_BUCKETS - 1] = 2;
	assert_int_equal(measures_percentile(slow, 90), 1152000);
	/* the mean is exact */
	struct measure_counts c = {0};
	c.due = c.closed = c.handled = 3;
	c.handling_s = 3600 + 7200 + 1801;
	c.hist[1] = 1;
	c.hist[2] = 1;
	c.hist[3] = 1;
	struct measure_rules rules = {true, 1};
	struct measure_rates r;
	measures_rates(&c, &rules, &r);
	assert_int_equal(r.mean_handling_s, 4200);  /* 12601 / 3 = 4200.33 */
	/* p90 of 3: the 3rd value, top of bucket 3 [2 h, 4 h) */
	assert_int_equal(r.p90_handling_s, 14400);
}

static void counts_add_up(void **state)
{
	(void)state;
	struct measure_counts a = reference_unit(), b = reference_unit();
	b.hist[4] = 2;
	b.handling_s = 99;
	measures_add(&a, &b);
	assert_int_equal(a.due, 16);
	assert_int_equal(a.closed_on_time, 10);
	assert_int_equal(a.urges, 6);
	assert_int_equal(a.hist[4], 2);
	assert_int_equal(a.handling_s, 99);
	assert_int_equal(a.reported, 22);
}

static void ranking_shares_places_and_leaves_small_samples_out(void **state)
{
	(void)state;
	struct rank_entry e[] = {
		{1, 7643, 7143, false, -1},
		{2, 8000, 8000, false, -1},
		{3, 7643, 7500, false, -1},
		{4, MEASURES_NONE, MEASURES_NONE, true, -1},
		{5, 9000, 9000, true, -1},
		{6, 5000, 5000, false, -1},
	};
	measures_rank(e, 6);
	int64_t ids[] = {2, 3, 1, 6, 4, 5};
	int ranks[] = {1, 2, 2, 4, 0, 0};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(e[i].id, ids[i]);
		assert_int_equal(e[i].rank, ranks[i]);
	}
	measures_rank(e, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(percentages_round_half_up),
		cmocka_unit_test(rates_with_suspended_cases_excluded),
		cmocka_unit_test(rates_with_suspended_cases_counted),
		cmocka_unit_test(a_small_sample_is_marked),
		cmocka_unit_test(the_weighted_score),
		cmocka_unit_test(handling_time_percentiles),
		cmocka_unit_test(counts_add_up),
		cmocka_unit_test(ranking_shares_places_and_leaves_small_samples_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * measures.c - rates, handling time, score and ranking. See measures.h.
 */
#include "domain/measures.h"

#include <stdlib.h>

const int64_t measures_hist_bounds[MEASURES_HIST_BUCKETS - 1] = {
	1800, 3600, 7200, 14400, 28800, 57600, 86400, 144000, 288000, 576000, 1152000,
};

void measures_add(struct measure_counts *a, const struct measure_counts *b)
{
	a->reported += b->reported;
	a->registered += b->registered;
	a->dispatched += b->dispatched;
	a->due += b->due;
	a->due_suspended += b->due_suspended;
	a->closed += b->closed;
	a->closed_on_time += b->closed_on_time;
	a->overdue += b->overdue;
	a->reworked += b->reworked;
	a->reworks += b->reworks;
	a->extended += b->extended;
	a->extensions += b->extensions;
	a->returns += b->returns;
	a->urges += b->urges;
	a->handled += b->handled;
	a->handling_s += b->handling_s;
	for (int i = 0; i < MEASURES_HIST_BUCKETS; i++)
		a->hist[i] += b->hist[i];
}

/* round(num / den) for den > 0, half away from zero. */
static int64_t div_round(int64_t num, int64_t den)
{
	if (num >= 0)
		return (num + den / 2) / den;
	return -((-num + den / 2) / den);
}

int64_t measures_percent(int64_t num, int64_t den)
{
	if (den <= 0)
		return MEASURES_NONE;
	/* hundredths of a percent: num / den × 10000, without overflow for
	 * counts up to 9 × 10^14 */
	return div_round(num * 10000, den);
}

int64_t measures_due(const struct measure_counts *c, const struct measure_rules *rules)
{
	int64_t due = c->due - (rules->exclude_suspended ? c->due_suspended : 0);
	return due > 0 ? due : 0;
}

int64_t measures_percentile(const int64_t hist[MEASURES_HIST_BUCKETS], int p)
{
	int64_t total = 0;
	for (int i = 0; i < MEASURES_HIST_BUCKETS; i++)
		total += hist[i] > 0 ? hist[i] : 0;
	if (total == 0 || p < 1 || p > 100)
		return MEASURES_NONE;
	/* the rank of the wanted value, 1..total (nearest-rank definition) */
	int64_t want = (total * p + 99) / 100;
	int64_t before = 0;
	for (int i = 0; i < MEASURES_HIST_BUCKETS; i++) {
		int64_t n = hist[i] > 0 ? hist[i] : 0;
		if (before + n < want) {
			before += n;
			continue;
		}
		int64_t lo = i == 0 ? 0 : measures_hist_bounds[i - 1];
		if (i == MEASURES_HIST_BUCKETS - 1)
			return lo;
		int64_t hi = measures_hist_bounds[i];
		/* the want-th value sits (want - before) / n of the way in */
		return lo + div_round((hi - lo) * (want - before), n);
	}
	return MEASURES_NONE;
}

void measures_rates(const struct measure_counts *c, const struct measure_rules *rules, struct measure_rates *out)
{
	int64_t due = measures_due(c, rules);
	out->due = due;
	out->too_small = due < rules->min_sample;
	out->closure = measures_percent(c->closed, due);
	out->on_time_closure = measures_percent(c->closed_on_time, due);
	out->rework = measures_percent(c->reworked, due);
	out->extension = measures_percent(c->extended, due);
	out->mean_handling_s = c->handled > 0 ? div_round(c->handling_s, c->handled) : MEASURES_NONE;
	out->p90_handling_s = measures_percentile(c->hist, 90);
}

/* weight × num / den in millionths of a point. */
static int64_t term(int64_t weight, int64_t num, int64_t den)
{
	return div_round(weight * 1000000 * num, den);
}

int64_t measures_score(const struct measure_counts *c, const struct measure_rules *rules,
                       const struct assessment_weights *w)
{
	int64_t due = measures_due(c, rules);
	if (due <= 0)
		return MEASURES_NONE;
	int64_t urges = c->urges < due ? c->urges : due;
	int64_t reworked = c->reworked < due ? c->reworked : due;
	int64_t extended = c->extended < due ? c->extended : due;
	int64_t micro = term(w->on_time_closure, c->closed_on_time, due) + term(w->closure, c->closed, due) +
	                term(w->rework, due - reworked, due) + term(w->extension, due - extended, due) +
	                term(w->urges, due - urges, due);
	return div_round(micro, 10000);
}

static int rank_order(const void *pa, const void *pb)
{
	const struct rank_entry *a = pa, *b = pb;
	bool ra = !a->too_small && a->score != MEASURES_NONE, rb = !b->too_small && b->score != MEASURES_NONE;
	if (ra != rb)
		return ra ? -1 : 1;
	if (ra && a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (ra && a->on_time != b->on_time)
		return a->on_time > b->on_time ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

void measures_rank(struct rank_entry *entries, size_t n)
{
	if (n == 0)
		return;
	qsort(entries, n, sizeof(*entries), rank_order);
	for (size_t i = 0; i < n; i++) {
		struct rank_entry *e = &entries[i];
		if (e->too_small || e->score == MEASURES_NONE) {
			e->rank = 0;
			continue;
		}
		bool tie = i > 0 && entries[i - 1].rank > 0 && entries[i - 1].score == e->score;
		e->rank = tie ? entries[i - 1].rank : (int)i + 1;
	}
}

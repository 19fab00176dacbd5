/*
 * measures.h - what supervisors measure (GB/T 30428.4, CJ/T 292), written
 * once: rates from counts, handling-time statistics from a histogram, the
 * weighted monthly score (考核) and the ranking. Pure: no I/O.
 *
 * The counts come from the rollups of migration 0013 (stats_case_facts says
 * which case counts where). The formulas, with due' the cases due in the
 * period (应结案数) minus the suspended ones when the rule excludes them:
 *
 *   closure rate (结案率)             = closed / due'
 *   on-time closure rate (按期结案率) = closed on time / due'
 *   rework rate (返工率)              = cases reworked at least once / due'
 *   extension rate (延期率)           = cases extended at least once / due'
 *
 * Rates are exact ratios of integers, rounded half up to hundredths of a
 * percent only when shown. A group with fewer than min_sample due' cases is
 * "sample too small": shown, never ranked.
 */
#ifndef GRIDD_DOMAIN_MEASURES_H
#define GRIDD_DOMAIN_MEASURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Handling-time histogram: MEASURES_HIST_BUCKETS buckets of working time;
 * bucket i holds [bound[i-1], bound[i]) seconds, the last one is open.
 * The same bounds as stats_hist_of() in migration 0013. */
enum { MEASURES_HIST_BUCKETS = 12 };
extern const int64_t measures_hist_bounds[MEASURES_HIST_BUCKETS - 1];

struct measure_counts {
	int64_t reported, registered, dispatched;
	int64_t due, due_suspended, closed, closed_on_time, overdue;
	int64_t reworked, reworks, extended, extensions, returns, urges;
	int64_t handled, handling_s;
	int64_t hist[MEASURES_HIST_BUCKETS];
};

struct measure_rules {
	bool exclude_suspended;   /* 挂账 cases are not due */
	int64_t min_sample;       /* fewer due' cases: "sample too small" */
};

/* Percentages in hundredths (8733 = 87.33 %); MEASURES_NONE when nothing is due. */
#define MEASURES_NONE (-1)

struct measure_rates {
	int64_t due;                    /* due' */
	bool too_small;
	int64_t closure, on_time_closure, rework, extension;
	int64_t mean_handling_s;        /* MEASURES_NONE when nothing was handled */
	int64_t p90_handling_s;         /* estimated from the histogram */
};

/* Adds b into a. */
void measures_add(struct measure_counts *a, const struct measure_counts *b);

/* num / den as hundredths of a percent, rounded half up; MEASURES_NONE when den <= 0. */
int64_t measures_percent(int64_t num, int64_t den);

/* The cases due once the rule is applied. */
int64_t measures_due(const struct measure_counts *c, const struct measure_rules *rules);

void measures_rates(const struct measure_counts *c, const struct measure_rules *rules, struct measure_rates *out);

/*
 * The p-th percentile (1..100) of the handled times, in seconds: the bucket
 * that holds it, interpolated linearly inside the bucket; the lower bound of
 * the open last bucket when it falls there. MEASURES_NONE when empty.
 */
int64_t measures_percentile(const int64_t hist[MEASURES_HIST_BUCKETS], int p);

/* The monthly score's weights, in points (data: gridd_settings assessment.weights). */
struct assessment_weights {
	int64_t on_time_closure, closure, rework, extension, urges;
};

/*
 * The weighted score in hundredths of a point:
 *   on_time_closure × on-time closure rate + closure × closure rate
 *   + rework × (1 − rework rate) + extension × (1 − extension rate)
 *   + urges × (1 − min(1, urges received / due'))
 * MEASURES_NONE when nothing was due. Rounded half up once, at the end.
 */
int64_t measures_score(const struct measure_counts *c, const struct measure_rules *rules,
                       const struct assessment_weights *w);

struct rank_entry {
	int64_t id;             /* the unit (or group); ties keep the lower id first */
	int64_t score;          /* hundredths of a point, MEASURES_NONE when unscored */
	int64_t on_time;        /* on-time closure rate, the first tie-break (higher first) */
	bool too_small;
	int rank;               /* out: 1.., equal scores share a rank (1, 2, 2, 4); 0 = not ranked */
};

/* Orders entries by score (best first), unranked ones last, and sets rank. */
void measures_rank(struct rank_entry *entries, size_t n);

#endif

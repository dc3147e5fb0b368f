/*
 * risk.h -- core layer: area risk levels (分区分级, RULES.md §4) from
 * daily case series.  Pure: no I/O, no allocation except the series.
 *
 * A series holds, per region and per day, the new confirmed cases, the
 * new clusters (聚集性疫情, R3.6) and the new asymptomatic infections.
 * Regions are indices here (the caller keeps their codes); days are
 * indices from the series' first date.  A day the series does not hold
 * (before its first date or after its last) counts as zero, and so does
 * a day the caller did not fill: "missing days count as zero".
 *
 * Two methods cover the four rule sets (the thresholds and windows are
 * fields of struct risk_rule, so a policy can carry its own):
 *
 * RISK_METHOD_CUMULATIVE -- R4.1, county level, 17 Feb 2020, on day D:
 *
 *     cumulative == 0, or last new case <= D - quiet_days (C3)  -> LOW
 *     cumulative > high_cumulative and a cluster in the window  -> HIGH
 *     otherwise                                                 -> MEDIUM
 *
 *   The window is [D - window_days + 1, D] (C2).  LOW is evaluated
 *   first; "case" is a confirmed case (C5).  Defaults 14, 14, 50.
 *
 * RISK_METHOD_STEPDOWN -- R4.3 (2021), R4.4 (Jun 2022), R4.5 (Nov 2022).
 *   A new case on day D raises the level to what the count of cases in
 *   the window [D - window_days + 1, D] gives (>= high_min: HIGH, else
 *   MEDIUM), never lowers it, and restarts the clock; quiet days (no new
 *   case) step it down.  Per region:
 *
 *                new case, count < high_min
 *          +------------------------------------+
 *          |                                    v
 *         LOW <----- medium_hold_days quiet --- MEDIUM
 *          |                                    |  ^
 *          |                         new case,  |  | high_hold_days
 *          |                 count >= high_min  v  | quiet
 *          +----------------------------------> HIGH
 *                new case, count >= high_min
 *
 *   A new case at any level keeps a higher level and restarts the
 *   quiet clock.  "N quiet days" follows C3: the step happens on the
 *   day D with last new case == D - N.  With a new case on day c:
 *     area-2021     (14, 14, high_min 10): HIGH until c+13, MEDIUM
 *                   c+14..c+27, LOW from c+28 ("high -> low takes >= 28
 *                   days"); a MEDIUM set on c is LOW from c+14.
 *     area-2022-06  (7, 3, high_min 1, infections = confirmed +
 *                   asymptomatic): HIGH until c+6, MEDIUM c+7..c+9, LOW
 *                   from c+10.
 *     area-2022-11  (5, 0, high_min 1, infections): HIGH until c+4, LOW
 *                   from c+5 (no MEDIUM at all).
 *   Not representable in a series, and so not applied: R4.4's places
 *   designated MEDIUM directly (where infected people stayed) and the
 *   all-negative test round of day 7; R4.3's unit (a compound or
 *   village) is whatever the region index stands for.
 *
 * Every grade carries the figures behind it (struct risk_grade), from
 * which risk_reason() writes a sentence in English or Chinese.
 *
 * Thread safety: every function is reentrant; a series may be graded
 * from several threads at once as long as nobody writes to it.
 */
#ifndef RISK_H
#define RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fk_err.h"

enum risk_level { RISK_LOW = 0, RISK_MEDIUM, RISK_HIGH, RISK_LEVEL_COUNT };

/* "low", "medium", "high" (the CSV and JSON form); "?" if out of range. */
const char *risk_level_name(enum risk_level l);
/* "低风险", "中风险", "高风险"; "?" if out of range. */
const char *risk_level_name_zh(enum risk_level l);
/* Parse "low", "medium", "high".  Returns 0 or FK_EINVAL. */
int risk_level_parse(const char *s, enum risk_level *out) FK_MUST_CHECK;

/* ---- rule sets ------------------------------------------------------------ */

enum risk_method {
	RISK_METHOD_CUMULATIVE = 0, /* R4.1: cumulative and clusters */
	RISK_METHOD_STEPDOWN,	    /* R4.3-R4.5: count raises, quiet days step down */
	RISK_METHOD_COUNT
};

#define RISK_RULE_NAME_MAX 32 /* bytes with NUL */
#define RISK_WINDOW_MAX 366   /* most days of any window or hold */
#define RISK_RULE_DEFAULT "county-2020-02"

/*
 * A rule set and its parameters.  Plain value; fields a method does not
 * use are ignored (zero them).  The built-in sets are below; a policy
 * may carry its own, checked with risk_rule_validate().
 */
struct risk_rule {
	char name[RISK_RULE_NAME_MAX]; /* "county-2020-02", ... */
	enum risk_method method;
	bool count_asymptomatic; /* count infections (confirmed + asymptomatic), R4.4 */
	bool city_takes_highest; /* a city takes its districts' highest level (R4.1,
				  * Hubei); applied by the caller, who knows the codes */
	int window_days;	 /* "within N days": [D-N+1, D] (C2), 1..366 */
	/* RISK_METHOD_CUMULATIVE */
	int quiet_days;		 /* LOW after N days without a new case (C3), 1..366 */
	int64_t high_cumulative; /* HIGH needs cumulative > this (strictly), >= 0 */
	/* RISK_METHOD_STEPDOWN */
	int high_min;	      /* cases in the window for HIGH (>= 1; below is MEDIUM) */
	int high_hold_days;   /* HIGH -> MEDIUM after N quiet days, 1..366 */
	int medium_hold_days; /* MEDIUM -> LOW after N more quiet days, 0..366;
			       * 0 means no MEDIUM level (needs high_min 1) */
};

/*
 * Check a rule's parameters.  Returns 0, or FK_EINVAL with err naming
 * the field ("name", "method", "window_days", "quiet_days",
 * "high_cumulative", "high_min", "high_hold_days", "medium_hold_days").
 */
int risk_rule_validate(const struct risk_rule *r, struct fk_error *err) FK_MUST_CHECK;

/* The built-in rule sets, in document order: county-2020-02 (R4.1,
 * the default), area-2021 (R4.3), area-2022-06 (R4.4), area-2022-11
 * (R4.5).  i < risk_rule_builtin_count(); static data, never freed. */
size_t risk_rule_builtin_count(void);
const struct risk_rule *risk_rule_builtin(size_t i);
/* One line about a built-in set, for --help ("" if i is out of range). */
const char *risk_rule_builtin_summary(size_t i);

/* Copy the built-in set called name into *out.  Returns 0, or
 * FK_EINVAL (field "rule") listing the known names. */
int risk_rule_get(const char *name, struct risk_rule *out, struct fk_error *err) FK_MUST_CHECK;

/* ---- series ---------------------------------------------------------------- */

#define RISK_DAYS_MAX 36600	  /* days of a series or a graded range */
#define RISK_CELLS_MAX (1L << 26) /* regions x days of a series */
#define RISK_COUNT_MAX 1000000	  /* most new cases (or clusters) of one region-day */

/* Which optional columns risk_series_new() allocates. */
#define RISK_COL_CLUSTERS 1u
#define RISK_COL_ASYMPTOMATIC 2u

/*
 * Daily counts of n_regions regions over n_days days from first_date.
 * Region-major: region r on day index t (date first_date + t) is cell
 * r * n_days + t of each array.  Counts are 0..RISK_COUNT_MAX.  An
 * optional column that is NULL reads as all zero.  The arrays belong
 * to the series; fill them directly.
 */
struct risk_series {
	size_t n_regions;
	int32_t first_date;    /* day number (date.h) of day index 0 */
	int32_t n_days;	       /* 1..RISK_DAYS_MAX */
	int32_t *confirmed;    /* new confirmed cases, never NULL */
	int32_t *clusters;     /* new clusters, or NULL */
	int32_t *asymptomatic; /* new asymptomatic infections, or NULL */
};

/*
 * A zero-filled series; columns is RISK_COL_* or 0.  n_regions >= 1,
 * 1 <= n_days <= RISK_DAYS_MAX, n_regions * n_days <= RISK_CELLS_MAX.
 * Returns 0, FK_EINVAL (field "regions" or "days") or FK_ENOMEM.
 * Caller frees with risk_series_free().
 */
int risk_series_new(size_t n_regions, int32_t first_date, int32_t n_days, unsigned columns,
		    struct risk_series **out) FK_MUST_CHECK;
/* Free a series and its arrays; NULL is fine. */
void risk_series_free(struct risk_series *s);

/* ---- grades ---------------------------------------------------------------- */

/* A date that is not there (no case yet, no cluster in the window). */
#define RISK_NO_DATE INT32_MIN

/* Why a region has its level on a day. */
enum risk_cause {
	RISK_CAUSE_NONE = 0,   /* LOW: no case so far */
	RISK_CAUSE_QUIET,      /* LOW: no new case for quiet_days (or the holds) */
	RISK_CAUSE_CLUSTER,    /* HIGH (cumulative): cumulative > threshold, cluster in window */
	RISK_CAUSE_NO_CLUSTER, /* MEDIUM (cumulative): > threshold but no cluster in window */
	RISK_CAUSE_FEW,	       /* MEDIUM (cumulative): cumulative <= threshold */
	RISK_CAUSE_SET,	       /* stepdown: the level the count set on a case day */
	RISK_CAUSE_STEPPED,    /* stepdown: stepped down from HIGH to MEDIUM */
	RISK_CAUSE_COUNT
};

/*
 * The grade of one region on one day D, with the figures behind it.
 * "Cases" are confirmed cases, or infections if count_asymptomatic.
 * Plain value; the two grading functions fill every field the same way.
 */
struct risk_grade {
	int64_t cumulative;   /* cases up to and including D */
	int32_t last_new;     /* last day <= D with a new case, or RISK_NO_DATE */
	int32_t window_count; /* cases in the window [D - window_days + 1, D] */
	int32_t event;	      /* cumulative: latest day of the window with a new
			       * cluster; stepdown: the case day whose count set
			       * the level being held (or stepped down from);
			       * RISK_NO_DATE if none */
	int32_t event_count;  /* cumulative: new clusters on `event`; stepdown:
			       * cases in the window on `event`; 0 if none */
	uint8_t level;	      /* enum risk_level */
	uint8_t cause;	      /* enum risk_cause */
};

/*
 * Grade every region of s on every day from..to (dates, both ends
 * included; 1 <= to - from + 1 <= RISK_DAYS_MAX, and the range within
 * RISK_DAYS_MAX days of the series).  Incremental: one pass over each
 * region's days with running sums, O(regions x (days up to `to`)).
 *
 * Outputs, region-major (region r, date d at r * (to - from + 1) +
 * (d - from)); either may be NULL, not both:
 *   levels  enum risk_level as bytes (the compact form);
 *   grades  the full grades.
 * Returns 0, or FK_EINVAL with err naming the field: a rule field (see
 * risk_rule_validate), "from"/"to" for the range, or "new_confirmed",
 * "new_clusters", "new_asymptomatic" for a count out of 0..RISK_COUNT_MAX
 * (the message names the region index and the date).  On error the
 * outputs are partly written.
 */
int risk_grade_batch(const struct risk_series *s, const struct risk_rule *rule, int32_t from,
		     int32_t to, uint8_t *levels, struct risk_grade *grades,
		     struct fk_error *err) FK_MUST_CHECK;

/*
 * Grade one region on one date, directly from the rule's wording: sums
 * and scans for the cumulative method, a day-by-day walk of the state
 * machine for the stepdown method (O(days x window)).  Independent of
 * risk_grade_batch(), and equal to it on every field (the unit tests
 * and the fuzz target check this).  Errors as risk_grade_batch(), plus
 * "region" for region >= s->n_regions.
 */
int risk_grade_one(const struct risk_series *s, size_t region, const struct risk_rule *rule,
		   int32_t date, struct risk_grade *out, struct fk_error *err) FK_MUST_CHECK;

/* ---- reasons --------------------------------------------------------------- */

enum risk_lang { RISK_LANG_EN = 0, RISK_LANG_ZH, RISK_LANG_COUNT };

/* Parse "en" or "zh".  Returns 0 or FK_EINVAL. */
int risk_lang_parse(const char *s, enum risk_lang *out) FK_MUST_CHECK;

/* Bytes of the longest reason, with NUL (the store keeps 320). */
#define RISK_REASON_BUF 320

/*
 * The reason for grade g of day `date` under `rule`, naming the figures:
 *   "cumulative 67 > 50 and a cluster on 2020-02-10"
 *   "last new case 2020-02-03, 14 days ago"
 *   "累计确诊67例（>50例），14天内有聚集性疫情（2020-02-10）"
 * Always NUL-terminated (cut at a character boundary if it had to be,
 * which the figures' bounds make impossible).  Returns buf.
 */
char *risk_reason(const struct risk_rule *rule, int32_t date, const struct risk_grade *g,
		  enum risk_lang lang, char buf[RISK_REASON_BUF]);

#endif

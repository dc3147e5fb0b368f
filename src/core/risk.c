/*
 * risk.c -- core layer: area risk levels from daily case series
 * (RULES.md §4).  See risk.h for the rules and the state machine.
 *
 * Two implementations of the same rules, kept apart on purpose:
 * risk_grade_batch() walks each region once with running sums and
 * last-event days (what a year of ~3,000 counties needs), and
 * risk_grade_one() reads the rule's wording literally (sums, scans and a
 * day-by-day state machine).  The tests hold them equal.
 */
#include "risk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"

/* ---- levels ------------------------------------------------------------------ */

static const char *const level_names[RISK_LEVEL_COUNT] = {"low", "medium", "high"};
static const char *const level_names_zh[RISK_LEVEL_COUNT] = {"低风险", "中风险", "高风险"};

const char *
risk_level_name(enum risk_level l)
{
	return (unsigned)l < RISK_LEVEL_COUNT ? level_names[l] : "?";
}

const char *
risk_level_name_zh(enum risk_level l)
{
	return (unsigned)l < RISK_LEVEL_COUNT ? level_names_zh[l] : "?";
}

int
risk_level_parse(const char *s, enum risk_level *out)
{
	for (int i = 0; i < RISK_LEVEL_COUNT; i++)
		if (s != NULL && strcmp(s, level_names[i]) == 0) {
			*out = (enum risk_level)i;
			return 0;
		}
	return FK_EINVAL;
}

int
risk_lang_parse(const char *s, enum risk_lang *out)
{
	if (s != NULL && strcmp(s, "en") == 0) {
		*out = RISK_LANG_EN;
		return 0;
	}
	if (s != NULL && strcmp(s, "zh") == 0) {
		*out = RISK_LANG_ZH;
		return 0;
	}
	return FK_EINVAL;
}

/* ---- rule sets ---------------------------------------------------------------- */

static const struct {
	struct risk_rule rule;
	const char *summary;
} builtin[] = {
    {{.name = "county-2020-02",
      .method = RISK_METHOD_CUMULATIVE,
      .city_takes_highest = true,
      .window_days = 14,
      .quiet_days = 14,
      .high_cumulative = 50},
     "R4.1 (17 Feb 2020, default): cumulative > 50 and a cluster"},
    {{.name = "area-2021",
      .method = RISK_METHOD_STEPDOWN,
      .window_days = 14,
      .high_min = 10,
      .high_hold_days = 14,
      .medium_hold_days = 14},
     "R4.3 (2021): 1-9 cases in 14 days medium, 10+ high; 14-day steps"},
    {{.name = "area-2022-06",
      .method = RISK_METHOD_STEPDOWN,
      .count_asymptomatic = true,
      .window_days = 14,
      .high_min = 1,
      .high_hold_days = 7,
      .medium_hold_days = 3},
     "R4.4 (Jun 2022): infection high; medium after 7 days, low 3 later"},
    {{.name = "area-2022-11",
      .method = RISK_METHOD_STEPDOWN,
      .count_asymptomatic = true,
      .window_days = 14,
      .high_min = 1,
      .high_hold_days = 5,
      .medium_hold_days = 0},
     "R4.5 (Nov 2022): infection high; low after 5 days; no medium"},
};

#define N_BUILTIN (sizeof builtin / sizeof builtin[0])

size_t
risk_rule_builtin_count(void)
{
	return N_BUILTIN;
}

const struct risk_rule *
risk_rule_builtin(size_t i)
{
	return i < N_BUILTIN ? &builtin[i].rule : NULL;
}

const char *
risk_rule_builtin_summary(size_t i)
{
	return i < N_BUILTIN ? builtin[i].summary : "";
}

int
risk_rule_get(const char *name, struct risk_rule *out, struct fk_error *err)
{
	for (size_t i = 0; i < N_BUILTIN; i++)
		if (name != NULL && strcmp(name, builtin[i].rule.name) == 0) {
			*out = builtin[i].rule;
			return 0;
		}
	return fk_error_set(err, FK_EINVAL, "rule",
			    "unknown rule set '%.40s' (known: county-2020-02, area-2021, "
			    "area-2022-06, area-2022-11)",
			    name ? name : "");
}

int
risk_rule_validate(const struct risk_rule *r, struct fk_error *err)
{
	if (memchr(r->name, '\0', sizeof r->name) == NULL || r->name[0] == '\0')
		return fk_error_set(err, FK_EINVAL, "name",
				    "a rule set needs a name of 1..%d bytes",
				    RISK_RULE_NAME_MAX - 1);
	if ((unsigned)r->method >= RISK_METHOD_COUNT)
		return fk_error_set(err, FK_EINVAL, "method", "unknown method %d", (int)r->method);
	if (r->window_days < 1 || r->window_days > RISK_WINDOW_MAX)
		return fk_error_set(err, FK_EINVAL, "window_days", "window_days must be 1..%d",
				    RISK_WINDOW_MAX);
	if (r->method == RISK_METHOD_CUMULATIVE) {
		if (r->quiet_days < 1 || r->quiet_days > RISK_WINDOW_MAX)
			return fk_error_set(err, FK_EINVAL, "quiet_days",
					    "quiet_days must be 1..%d", RISK_WINDOW_MAX);
		if (r->high_cumulative < 0)
			return fk_error_set(err, FK_EINVAL, "high_cumulative",
					    "high_cumulative must not be negative");
		return 0;
	}
	if (r->high_min < 1 || r->high_min > RISK_COUNT_MAX)
		return fk_error_set(err, FK_EINVAL, "high_min", "high_min must be 1..%d",
				    RISK_COUNT_MAX);
	if (r->high_hold_days < 1 || r->high_hold_days > RISK_WINDOW_MAX)
		return fk_error_set(err, FK_EINVAL, "high_hold_days",
				    "high_hold_days must be 1..%d", RISK_WINDOW_MAX);
	if (r->medium_hold_days < 0 || r->medium_hold_days > RISK_WINDOW_MAX)
		return fk_error_set(err, FK_EINVAL, "medium_hold_days",
				    "medium_hold_days must be 0..%d", RISK_WINDOW_MAX);
	if (r->medium_hold_days == 0 && r->high_min != 1)
		return fk_error_set(err, FK_EINVAL, "medium_hold_days",
				    "medium_hold_days 0 (no medium level) needs high_min 1");
	return 0;
}

/* ---- series --------------------------------------------------------------------- */

int
risk_series_new(size_t n_regions, int32_t first_date, int32_t n_days, unsigned columns,
		struct risk_series **out)
{
	struct risk_series *s;
	size_t cells;

	*out = NULL;
	if (n_regions < 1 || n_regions > (size_t)RISK_CELLS_MAX)
		return FK_EINVAL;
	if (n_days < 1 || n_days > RISK_DAYS_MAX)
		return FK_EINVAL;
	cells = n_regions * (size_t)n_days;
	if (cells > (size_t)RISK_CELLS_MAX)
		return FK_EINVAL;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return FK_ENOMEM;
	s->n_regions = n_regions;
	s->first_date = first_date;
	s->n_days = n_days;
	s->confirmed = calloc(cells, sizeof *s->confirmed);
	if (columns & RISK_COL_CLUSTERS)
		s->clusters = calloc(cells, sizeof *s->clusters);
	if (columns & RISK_COL_ASYMPTOMATIC)
		s->asymptomatic = calloc(cells, sizeof *s->asymptomatic);
	if (s->confirmed == NULL || ((columns & RISK_COL_CLUSTERS) && s->clusters == NULL) ||
	    ((columns & RISK_COL_ASYMPTOMATIC) && s->asymptomatic == NULL)) {
		risk_series_free(s);
		return FK_ENOMEM;
	}
	*out = s;
	return 0;
}

void
risk_series_free(struct risk_series *s)
{
	if (s == NULL)
		return;
	free(s->confirmed);
	free(s->clusters);
	free(s->asymptomatic);
	free(s);
}

/* ---- shared checks ---------------------------------------------------------------- */

/* Dates further than this from the epoch are refused, so that date
 * arithmetic never overflows (date.h parses years 1900..2199). */
#define DATE_ABS_MAX 10000000

static int
check_series(const struct risk_series *s, struct fk_error *err)
{
	if (s == NULL || s->confirmed == NULL || s->n_regions < 1 ||
	    s->n_regions > (size_t)RISK_CELLS_MAX || s->n_days < 1 || s->n_days > RISK_DAYS_MAX ||
	    s->n_regions * (size_t)s->n_days > (size_t)RISK_CELLS_MAX ||
	    s->first_date < -DATE_ABS_MAX || s->first_date > DATE_ABS_MAX)
		return fk_error_set(err, FK_EINVAL, "series", "the series is empty or too large");
	return 0;
}

/* The range [from, to] must be short and near the series, so the walk
 * from the series' start is bounded. */
static int
check_range(const struct risk_series *s, int32_t from, int32_t to, struct fk_error *err)
{
	int64_t lo = (int64_t)s->first_date - RISK_DAYS_MAX;
	int64_t hi = (int64_t)s->first_date + s->n_days + RISK_DAYS_MAX;

	if (from < lo || from > hi)
		return fk_error_set(err, FK_EINVAL, "from",
				    "the range must start within %d days of the series",
				    RISK_DAYS_MAX);
	if (to < from || to > hi || (int64_t)to - from + 1 > RISK_DAYS_MAX)
		return fk_error_set(err, FK_EINVAL, "to",
				    "the range must end on or after its start, within %d days",
				    RISK_DAYS_MAX);
	return 0;
}

static int
bad_count(const struct risk_series *s, size_t region, int64_t t, const char *column,
	  struct fk_error *err)
{
	char d[DATE_STR_LEN];
	return fk_error_set(err, FK_EINVAL, column, "region %zu, %s: %s must be 0..%d", region,
			    date_format((int32_t)(s->first_date + t), d), column, RISK_COUNT_MAX);
}

/* Check the counts of one region on day indices [0, upto] within the
 * series (both implementations call it, so both refuse the same input). */
static int
check_counts(const struct risk_series *s, size_t region, int64_t upto, struct fk_error *err)
{
	const size_t base = region * (size_t)s->n_days;
	int64_t end = upto < s->n_days - 1 ? upto : s->n_days - 1;

	for (int64_t t = 0; t <= end; t++) {
		if ((uint32_t)s->confirmed[base + t] > RISK_COUNT_MAX)
			return bad_count(s, region, t, "new_confirmed", err);
		if (s->clusters && (uint32_t)s->clusters[base + t] > RISK_COUNT_MAX)
			return bad_count(s, region, t, "new_clusters", err);
		if (s->asymptomatic && (uint32_t)s->asymptomatic[base + t] > RISK_COUNT_MAX)
			return bad_count(s, region, t, "new_asymptomatic", err);
	}
	return 0;
}

/* ---- batch: one incremental pass per region ---------------------------------------- */

/*
 * Level after `quiet` days without a new case, from `set`, the level a
 * case day left (stepdown).  The closed form of the state machine's
 * downward edges; risk_grade_one() walks them day by day instead.
 */
static enum risk_level
stepdown_after(const struct risk_rule *r, enum risk_level set, int64_t quiet)
{
	if (set == RISK_HIGH) {
		if (quiet < r->high_hold_days)
			return RISK_HIGH;
		if (quiet < (int64_t)r->high_hold_days + r->medium_hold_days)
			return RISK_MEDIUM;
		return RISK_LOW;
	}
	if (set == RISK_MEDIUM && quiet < r->medium_hold_days)
		return RISK_MEDIUM;
	return RISK_LOW;
}

/* Running state of one region in the batch walk. */
struct walk {
	int64_t cumulative;
	int64_t window;	  /* cases in the window ending today */
	bool any;	  /* a case so far */
	int64_t last_new; /* day index of the last case (valid if any) */
	/* cumulative method */
	bool any_cluster;
	int64_t last_cluster;	/* day index of the last cluster */
	int32_t last_cluster_n; /* clusters that day */
	/* stepdown method */
	enum risk_level set; /* level left by the last case day */
	bool has_source;
	int64_t source;	      /* case day whose count set the held level */
	int32_t source_count; /* its window count */
};

int
risk_grade_batch(const struct risk_series *s, const struct risk_rule *rule, int32_t from,
		 int32_t to, uint8_t *levels, struct risk_grade *grades, struct fk_error *err)
{
	int rc;

	if ((rc = check_series(s, err)) || (rc = risk_rule_validate(rule, err)) ||
	    (rc = check_range(s, from, to, err)))
		return rc;
	if (levels == NULL && grades == NULL)
		return fk_error_set(err, FK_EINVAL, "levels", "no output asked for");

	const int64_t n = s->n_days;
	const int64_t w = rule->window_days;
	const int64_t from_i = (int64_t)from - s->first_date; /* day indices */
	const int64_t to_i = (int64_t)to - s->first_date;
	const int64_t lo = from_i < 0 ? from_i : 0;
	const size_t n_out = (size_t)(to_i - from_i + 1);
	const bool cumulative_method = rule->method == RISK_METHOD_CUMULATIVE;
	const bool with_asym = rule->count_asymptomatic && s->asymptomatic != NULL;
	const bool with_clusters = cumulative_method && s->clusters != NULL;

	for (size_t r = 0; r < s->n_regions; r++) {
		const size_t base = r * (size_t)n;
		const int32_t *conf = s->confirmed + base;
		const int32_t *clus = with_clusters ? s->clusters + base : NULL;
		const int32_t *asym = with_asym ? s->asymptomatic + base : NULL;
		struct walk st = {.set = RISK_LOW};
		size_t out = r * n_out;

		if ((rc = check_counts(s, r, to_i, err)))
			return rc;
		for (int64_t t = lo; t <= to_i; t++) {
			int64_t x = 0, k = 0, old = 0;
			enum risk_level level;
			uint8_t cause;

			if (t >= 0 && t < n) {
				x = conf[t] + (asym ? (int64_t)asym[t] : 0);
				k = clus ? clus[t] : 0;
			}
			if (t - w >= 0 && t - w < n)
				old = conf[t - w] + (asym ? (int64_t)asym[t - w] : 0);
			st.cumulative += x;
			st.window += x - old;
			if (k > 0) {
				st.any_cluster = true;
				st.last_cluster = t;
				st.last_cluster_n = (int32_t)k;
			}
			if (cumulative_method) {
				if (x > 0) {
					st.any = true;
					st.last_new = t;
				}
				if (t < from_i)
					continue;
				if (!st.any) {
					level = RISK_LOW;
					cause = RISK_CAUSE_NONE;
				} else if (st.last_new <= t - rule->quiet_days) {
					level = RISK_LOW;
					cause = RISK_CAUSE_QUIET;
				} else if (st.cumulative > rule->high_cumulative) {
					bool cluster = st.any_cluster && st.last_cluster > t - w;
					level = cluster ? RISK_HIGH : RISK_MEDIUM;
					cause =
					    cluster ? RISK_CAUSE_CLUSTER : RISK_CAUSE_NO_CLUSTER;
				} else {
					level = RISK_MEDIUM;
					cause = RISK_CAUSE_FEW;
				}
			} else {
				if (x > 0) {
					enum risk_level before =
					    st.any
						? stepdown_after(rule, st.set, t - 1 - st.last_new)
						: RISK_LOW;
					enum risk_level counted =
					    st.window >= rule->high_min ? RISK_HIGH : RISK_MEDIUM;
					if (counted >= before) {
						st.set = counted;
						st.has_source = true;
						st.source = t;
						st.source_count = (int32_t)st.window;
					} else {
						st.set = before; /* HIGH held, its source kept */
					}
					st.any = true;
					st.last_new = t;
				}
				if (t < from_i)
					continue;
				level = st.any ? stepdown_after(rule, st.set, t - st.last_new)
					       : RISK_LOW;
				if (!st.any)
					cause = RISK_CAUSE_NONE;
				else if (level == RISK_LOW)
					cause = RISK_CAUSE_QUIET;
				else
					cause =
					    level == st.set ? RISK_CAUSE_SET : RISK_CAUSE_STEPPED;
			}
			if (levels)
				levels[out] = (uint8_t)level;
			if (grades) {
				struct risk_grade *g = &grades[out];
				g->cumulative = st.cumulative;
				g->last_new =
				    st.any ? (int32_t)(s->first_date + st.last_new) : RISK_NO_DATE;
				g->window_count = (int32_t)st.window;
				if (cumulative_method) {
					bool in = st.any_cluster && st.last_cluster > t - w;
					g->event = in ? (int32_t)(s->first_date + st.last_cluster)
						      : RISK_NO_DATE;
					g->event_count = in ? st.last_cluster_n : 0;
				} else {
					g->event = st.has_source
						       ? (int32_t)(s->first_date + st.source)
						       : RISK_NO_DATE;
					g->event_count = st.has_source ? st.source_count : 0;
				}
				g->level = (uint8_t)level;
				g->cause = cause;
			}
			out++;
		}
	}
	return 0;
}

/* ---- one region, one day: the rule's wording, literally ----------------------------- */

/* Cases of day index t (0 outside the series). */
static int64_t
cases_on(const struct risk_series *s, size_t region, const struct risk_rule *rule, int64_t t)
{
	size_t i;
	int64_t x;

	if (t < 0 || t >= s->n_days)
		return 0;
	i = region * (size_t)s->n_days + (size_t)t;
	x = s->confirmed[i];
	if (rule->count_asymptomatic && s->asymptomatic)
		x += s->asymptomatic[i];
	return x;
}

static int64_t
clusters_on(const struct risk_series *s, size_t region, int64_t t)
{
	if (s->clusters == NULL || t < 0 || t >= s->n_days)
		return 0;
	return s->clusters[region * (size_t)s->n_days + (size_t)t];
}

/* Cases in the window of days (t - window_days, t]. */
static int64_t
window_sum(const struct risk_series *s, size_t region, const struct risk_rule *rule, int64_t t)
{
	int64_t sum = 0;
	for (int64_t u = t - rule->window_days + 1; u <= t; u++)
		sum += cases_on(s, region, rule, u);
	return sum;
}

static void
grade_cumulative(const struct risk_series *s, size_t region, const struct risk_rule *rule,
		 int64_t d, struct risk_grade *g)
{
	int64_t cumulative = 0, last = -1, cluster = -1;
	bool any = false, in_window = false;

	for (int64_t t = 0; t <= d && t < s->n_days; t++)
		cumulative += cases_on(s, region, rule, t);
	for (int64_t t = d < s->n_days ? d : s->n_days - 1; t >= 0; t--)
		if (cases_on(s, region, rule, t) > 0) {
			any = true;
			last = t;
			break;
		}
	/* "a cluster occurred within 14 days": [D-13, D] (C2) */
	for (int64_t t = d; t >= d - rule->window_days + 1; t--)
		if (clusters_on(s, region, t) > 0) {
			in_window = true;
			cluster = t;
			break;
		}

	g->cumulative = cumulative;
	g->last_new = any ? (int32_t)(s->first_date + last) : RISK_NO_DATE;
	g->window_count = (int32_t)window_sum(s, region, rule, d);
	g->event = in_window ? (int32_t)(s->first_date + cluster) : RISK_NO_DATE;
	g->event_count = in_window ? (int32_t)clusters_on(s, region, cluster) : 0;

	/* R4.1, LOW first: "cum_confirmed == 0 or no new confirmed for 14
	 * consecutive days" (C3: last_new <= D - 14) */
	if (cumulative == 0) {
		g->level = RISK_LOW;
		g->cause = RISK_CAUSE_NONE;
	} else if (last <= d - rule->quiet_days) {
		g->level = RISK_LOW;
		g->cause = RISK_CAUSE_QUIET;
	} else if (cumulative > rule->high_cumulative && in_window) {
		g->level = RISK_HIGH;
		g->cause = RISK_CAUSE_CLUSTER;
	} else {
		g->level = RISK_MEDIUM;
		g->cause =
		    cumulative > rule->high_cumulative ? RISK_CAUSE_NO_CLUSTER : RISK_CAUSE_FEW;
	}
}

static void
grade_stepdown(const struct risk_series *s, size_t region, const struct risk_rule *rule, int64_t d,
	       struct risk_grade *g)
{
	enum risk_level level = RISK_LOW, set = RISK_LOW;
	int64_t quiet_in_level = 0; /* quiet days since the level was entered or a case */
	int64_t cumulative = 0, last = -1, source = -1, source_count = 0;

	/* Before the series every day is zero, nothing happens. */
	for (int64_t t = 0; t <= d; t++) {
		int64_t x = cases_on(s, region, rule, t);
		cumulative += x;
		if (x > 0) {
			int64_t count = window_sum(s, region, rule, t);
			enum risk_level counted = count >= rule->high_min ? RISK_HIGH : RISK_MEDIUM;
			if (counted >= level) {
				level = counted;
				source = t;
				source_count = count;
			}
			set = level;
			last = t;
			quiet_in_level = 0;
			continue;
		}
		if (level == RISK_LOW)
			continue;
		quiet_in_level++;
		/* walk down the edges whose hold is over (a hold of 0 is
		 * passed through on the same day) */
		for (;;) {
			if (level == RISK_HIGH && quiet_in_level >= rule->high_hold_days) {
				quiet_in_level -= rule->high_hold_days;
				level = RISK_MEDIUM;
			} else if (level == RISK_MEDIUM &&
				   quiet_in_level >= rule->medium_hold_days) {
				quiet_in_level -= rule->medium_hold_days;
				level = RISK_LOW;
			} else {
				break;
			}
		}
	}

	g->cumulative = cumulative;
	g->last_new = last >= 0 ? (int32_t)(s->first_date + last) : RISK_NO_DATE;
	g->window_count = (int32_t)window_sum(s, region, rule, d);
	g->event = source >= 0 ? (int32_t)(s->first_date + source) : RISK_NO_DATE;
	g->event_count = source >= 0 ? (int32_t)source_count : 0;
	g->level = (uint8_t)level;
	if (last < 0)
		g->cause = RISK_CAUSE_NONE;
	else if (level == RISK_LOW)
		g->cause = RISK_CAUSE_QUIET;
	else
		g->cause = level == set ? RISK_CAUSE_SET : RISK_CAUSE_STEPPED;
}

int
risk_grade_one(const struct risk_series *s, size_t region, const struct risk_rule *rule,
	       int32_t date, struct risk_grade *out, struct fk_error *err)
{
	int rc;

	if ((rc = check_series(s, err)) || (rc = risk_rule_validate(rule, err)) ||
	    (rc = check_range(s, date, date, err)))
		return rc;
	if (region >= s->n_regions)
		return fk_error_set(err, FK_EINVAL, "region", "no region %zu in the series",
				    region);
	const int64_t d = (int64_t)date - s->first_date;
	if ((rc = check_counts(s, region, d, err)))
		return rc;
	memset(out, 0, sizeof *out);
	if (rule->method == RISK_METHOD_CUMULATIVE)
		grade_cumulative(s, region, rule, d, out);
	else
		grade_stepdown(s, region, rule, d, out);
	return 0;
}

/* ---- reasons ------------------------------------------------------------------------- */

struct text {
	char *buf;
	size_t cap, len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len + 1 >= t->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	t->len += (size_t)n;
	if (t->len >= t->cap) {
		/* cut: drop a partial UTF-8 character at the end */
		t->len = t->cap - 1;
		while (t->len > 0 && ((unsigned char)t->buf[t->len] & 0xC0) == 0x80)
			t->len--;
		t->buf[t->len] = '\0';
	}
}

static const char *
fmt_date(int32_t day, char buf[DATE_STR_LEN])
{
	if (day == RISK_NO_DATE)
		return "-";
	return date_format(day, buf);
}

static void
reason_en(const struct risk_rule *rule, int32_t date, const struct risk_grade *g, struct text *t)
{
	const bool infections = rule->count_asymptomatic;
	const char *one = infections ? "infection" : "case";
	const char *many = infections ? "infections" : "cases";
	const int64_t ago = g->last_new == RISK_NO_DATE ? 0 : (int64_t)date - g->last_new;
	char d1[DATE_STR_LEN], d2[DATE_STR_LEN];

	switch (g->cause) {
	case RISK_CAUSE_NONE:
		if (rule->method == RISK_METHOD_CUMULATIVE)
			add(t, "no confirmed case so far (cumulative 0)");
		else
			add(t, "no %s so far", one);
		break;
	case RISK_CAUSE_QUIET:
		add(t, "last new %s %s, %lld days ago", one, fmt_date(g->last_new, d1),
		    (long long)ago);
		if (rule->method == RISK_METHOD_CUMULATIVE)
			add(t, " (>= %d days without one: low)", rule->quiet_days);
		else if (rule->medium_hold_days > 0)
			add(t, " (high steps down after %d days without one, medium after %d)",
			    rule->high_hold_days, rule->medium_hold_days);
		else
			add(t, " (high steps down after %d days without one)",
			    rule->high_hold_days);
		break;
	case RISK_CAUSE_CLUSTER:
		add(t, "cumulative %lld > %lld and a cluster on %s", (long long)g->cumulative,
		    (long long)rule->high_cumulative, fmt_date(g->event, d1));
		break;
	case RISK_CAUSE_NO_CLUSTER:
		add(t,
		    "new case within %d days (last %s); cumulative %lld > %lld but no cluster "
		    "within %d days",
		    rule->window_days, fmt_date(g->last_new, d1), (long long)g->cumulative,
		    (long long)rule->high_cumulative, rule->window_days);
		break;
	case RISK_CAUSE_FEW:
		add(t, "new case within %d days (last %s); cumulative %lld <= %lld",
		    rule->window_days, fmt_date(g->last_new, d1), (long long)g->cumulative,
		    (long long)rule->high_cumulative);
		break;
	case RISK_CAUSE_SET:
		if (rule->high_min == 1 && g->level == RISK_HIGH) {
			/* any case makes HIGH: the case day is the event */
			add(t, "new %s on %s, %lld days ago (high until %d days without one)", one,
			    fmt_date(g->last_new, d1), (long long)ago, rule->high_hold_days);
			break;
		}
		add(t, "%d %s within %d days on %s (%s %d)", (int)g->event_count,
		    g->event_count == 1 ? one : many, rule->window_days, fmt_date(g->event, d1),
		    g->level == RISK_HIGH ? ">=" : "<", rule->high_min);
		if (g->last_new != g->event || g->last_new != date)
			add(t, "; last new %s %s, %lld days ago", one, fmt_date(g->last_new, d2),
			    (long long)ago);
		break;
	case RISK_CAUSE_STEPPED:
		add(t,
		    "high from %s; no new %s for %lld days (last %s): medium after %d days "
		    "without one",
		    fmt_date(g->event, d1), one, (long long)ago, fmt_date(g->last_new, d2),
		    rule->high_hold_days);
		if (rule->medium_hold_days > 0)
			add(t, ", low after %d more", rule->medium_hold_days);
		break;
	default: add(t, "?");
	}
}

static void
reason_zh(const struct risk_rule *rule, int32_t date, const struct risk_grade *g, struct text *t)
{
	const char *noun = rule->count_asymptomatic ? "感染者" : "确诊病例";
	const int64_t ago = g->last_new == RISK_NO_DATE ? 0 : (int64_t)date - g->last_new;
	char d1[DATE_STR_LEN], d2[DATE_STR_LEN];

	switch (g->cause) {
	case RISK_CAUSE_NONE:
		if (rule->method == RISK_METHOD_CUMULATIVE)
			add(t, "累计确诊0例");
		else
			add(t, "无%s", noun);
		break;
	case RISK_CAUSE_QUIET:
		add(t, "最近新增%s%s，已连续%lld天无新增", noun, fmt_date(g->last_new, d1),
		    (long long)ago);
		if (rule->method == RISK_METHOD_CUMULATIVE)
			add(t, "（满%d天为低风险）", rule->quiet_days);
		break;
	case RISK_CAUSE_CLUSTER:
		add(t, "累计确诊%lld例（>%lld例），%d天内有聚集性疫情（%s）",
		    (long long)g->cumulative, (long long)rule->high_cumulative, rule->window_days,
		    fmt_date(g->event, d1));
		break;
	case RISK_CAUSE_NO_CLUSTER:
		add(t, "%d天内有新增确诊（最近%s）；累计%lld例（>%lld例）但%d天内无聚集性疫情",
		    rule->window_days, fmt_date(g->last_new, d1), (long long)g->cumulative,
		    (long long)rule->high_cumulative, rule->window_days);
		break;
	case RISK_CAUSE_FEW:
		add(t, "%d天内有新增确诊（最近%s）；累计%lld例（≤%lld例）", rule->window_days,
		    fmt_date(g->last_new, d1), (long long)g->cumulative,
		    (long long)rule->high_cumulative);
		break;
	case RISK_CAUSE_SET:
		if (rule->high_min == 1 && g->level == RISK_HIGH) {
			add(t, "%s新增%s，%lld天前（连续%d天无新增后降级）",
			    fmt_date(g->last_new, d1), noun, (long long)ago, rule->high_hold_days);
			break;
		}
		add(t, "%s时%d天内%s%d例（%s%d例）", fmt_date(g->event, d1), rule->window_days,
		    noun, (int)g->event_count, g->level == RISK_HIGH ? "≥" : "<", rule->high_min);
		if (g->last_new != g->event || g->last_new != date)
			add(t, "；最近新增%s，%lld天前", fmt_date(g->last_new, d2), (long long)ago);
		break;
	case RISK_CAUSE_STEPPED:
		add(t, "%s起为高风险；最近新增%s，已连续%lld天无新增，满%d天降为中风险",
		    fmt_date(g->event, d1), fmt_date(g->last_new, d2), (long long)ago,
		    rule->high_hold_days);
		if (rule->medium_hold_days > 0)
			add(t, "，再满%d天降为低风险", rule->medium_hold_days);
		break;
	default: add(t, "?");
	}
}

char *
risk_reason(const struct risk_rule *rule, int32_t date, const struct risk_grade *g,
	    enum risk_lang lang, char buf[RISK_REASON_BUF])
{
	struct text t = {.buf = buf, .cap = RISK_REASON_BUF};

	buf[0] = '\0';
	if (lang == RISK_LANG_ZH)
		reason_zh(rule, date, g, &t);
	else
		reason_en(rule, date, g, &t);
	return buf;
}

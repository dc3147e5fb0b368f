/*
 * test_risk.c -- unit tests for core/risk: the area risk levels of
 * RULES.md §4 as tables with their edges (R4.1 cumulative exactly 50 and
 * 51, last case exactly 14 and 13 days ago, a cluster exactly 13 and 14
 * days ago; R4.3 9 and 10 cases, the 14- and 28-day steps down; R4.4 the
 * 7 and 3 days; R4.5 the 5 days), and the batch grading equal to the
 * one-region grading on every field of random series.
 *
 * Each table row is graded both ways (risk_grade_one and
 * risk_grade_batch over a range around the date); a failing row names
 * itself, and every failing row is listed before the test fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/risk.h"
#include "core/text.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int32_t
day(const char *s)
{
	int32_t d = 0;
	if (date_parse(s, &d) != 0)
		fail_msg("bad date in test: %s", s);
	return d;
}

static struct risk_rule
rule_named(const char *name)
{
	struct risk_rule r;
	struct fk_error err = {0};
	if (risk_rule_get(name, &r, &err) != 0)
		fail_msg("no rule %s: %s", name, err.message);
	return r;
}

/*
 * A one-region series from "DATE:confirmed[:clusters[:asymptomatic]]"
 * items separated by spaces, spanning first..last (the days not listed
 * are zero, as a caller fills them).
 */
static struct risk_series *
series_of(const char *events, int32_t first, int32_t last)
{
	struct risk_series *s = NULL;
	char buf[512], *save = NULL;

	assert_int_equal(risk_series_new(1, first, last - first + 1,
					 RISK_COL_CLUSTERS | RISK_COL_ASYMPTOMATIC, &s),
			 0);
	snprintf(buf, sizeof buf, "%s", events);
	for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char date[DATE_STR_LEN];
		int c = 0, k = 0, a = 0;
		if (sscanf(tok, "%10[0-9-]:%d:%d:%d", date, &c, &k, &a) < 2)
			fail_msg("bad event in test: %s", tok);
		int32_t t = day(date) - first;
		if (t < 0 || t >= s->n_days)
			fail_msg("event outside the series in test: %s", tok);
		s->confirmed[t] = c;
		s->clusters[t] = k;
		s->asymptomatic[t] = a;
	}
	return s;
}

static bool
grades_equal(const struct risk_grade *a, const struct risk_grade *b)
{
	return a->cumulative == b->cumulative && a->last_new == b->last_new &&
	       a->window_count == b->window_count && a->event == b->event &&
	       a->event_count == b->event_count && a->level == b->level && a->cause == b->cause;
}

static void
print_grade(const char *label, const struct risk_grade *g)
{
	char d1[DATE_STR_LEN] = "-", d2[DATE_STR_LEN] = "-";
	if (g->last_new != RISK_NO_DATE)
		date_format(g->last_new, d1);
	if (g->event != RISK_NO_DATE)
		date_format(g->event, d2);
	print_message(
	    "    %s: level %s cause %d cumulative %lld last_new %s window %d event %s/%d\n", label,
	    risk_level_name((enum risk_level)g->level), g->cause, (long long)g->cumulative, d1,
	    (int)g->window_count, d2, (int)g->event_count);
}

/* ---- the rule tables ------------------------------------------------------ */

struct grade_case {
	const char *why;
	const char *rule;
	const char *events; /* see series_of() */
	const char *date;   /* grading day D */
	enum risk_level level;
	enum risk_cause cause;
	const char *reason; /* must appear in the English reason, or NULL */
};

#define C2020 "county-2020-02"
#define A2021 "area-2021"
#define A2206 "area-2022-06"
#define A2211 "area-2022-11"

static const struct grade_case grade_cases[] = {
    /* R4.1, county, 17 Feb 2020 */
    {"cumulative 0 is low", C2020, "", "2020-02-20", RISK_LOW, RISK_CAUSE_NONE,
     "no confirmed case so far (cumulative 0)"},
    {"cumulative exactly 50 with a cluster yesterday is medium (strictly > 50)", C2020,
     "2020-02-19:50:1", "2020-02-20", RISK_MEDIUM, RISK_CAUSE_FEW, "cumulative 50 <= 50"},
    {"cumulative 51 with a cluster yesterday is high", C2020, "2020-02-19:51:1", "2020-02-20",
     RISK_HIGH, RISK_CAUSE_CLUSTER, "cumulative 51 > 50 and a cluster on 2020-02-19"},
    {"cumulative 51 over several days, cluster today, is high", C2020,
     "2020-01-25:20 2020-02-05:30 2020-02-20:1:1", "2020-02-20", RISK_HIGH, RISK_CAUSE_CLUSTER,
     "cumulative 51 > 50 and a cluster on 2020-02-20"},
    {"last new case exactly 14 days ago is low (C3)", C2020, "2020-02-03:10", "2020-02-17",
     RISK_LOW, RISK_CAUSE_QUIET, "last new case 2020-02-03, 14 days ago"},
    {"last new case 13 days ago is medium", C2020, "2020-02-03:10", "2020-02-16", RISK_MEDIUM,
     RISK_CAUSE_FEW, "new case within 14 days (last 2020-02-03); cumulative 10 <= 50"},
    {"a large county 14 days quiet is low even with > 50", C2020, "2020-02-03:500:3", "2020-02-17",
     RISK_LOW, RISK_CAUSE_QUIET, "last new case 2020-02-03, 14 days ago"},
    {"a cluster exactly 13 days ago is within 14 days: high (C2)", C2020,
     "2020-02-07:60:1 2020-02-18:7", "2020-02-20", RISK_HIGH, RISK_CAUSE_CLUSTER,
     "cumulative 67 > 50 and a cluster on 2020-02-07"},
    {"a cluster exactly 14 days ago is outside: medium", C2020, "2020-02-06:60:1 2020-02-18:7",
     "2020-02-20", RISK_MEDIUM, RISK_CAUSE_NO_CLUSTER,
     "cumulative 67 > 50 but no cluster within 14 days"},
    {"the example of the issue", C2020, "2020-02-01:40 2020-02-10:27:2", "2020-02-15", RISK_HIGH,
     RISK_CAUSE_CLUSTER, "cumulative 67 > 50 and a cluster on 2020-02-10"},
    {"low is evaluated first: a cluster without a case for 14 days", C2020,
     "2020-01-20:100 2020-02-15:0:1", "2020-02-20", RISK_LOW, RISK_CAUSE_QUIET,
     "last new case 2020-01-20, 31 days ago"},
    {"old cumulative and a fresh cluster are high", C2020, "2020-01-10:80 2020-02-19:1:1",
     "2020-02-20", RISK_HIGH, RISK_CAUSE_CLUSTER, "cumulative 81 > 50"},
    {"the cases on D count towards the cumulative", C2020, "2020-02-10:50 2020-02-20:1:1",
     "2020-02-20", RISK_HIGH, RISK_CAUSE_CLUSTER, "cumulative 51 > 50"},
    {"a case after D does not count", C2020, "2020-02-10:50:1 2020-02-21:1", "2020-02-20",
     RISK_MEDIUM, RISK_CAUSE_FEW, "cumulative 50 <= 50"},
    {"asymptomatic infections do not count before 2022 (C5)", C2020, "2020-02-19:0:0:30",
     "2020-02-20", RISK_LOW, RISK_CAUSE_NONE, NULL},
    {"a day before any data is low", C2020, "2020-02-19:90:1", "2020-02-18", RISK_LOW,
     RISK_CAUSE_NONE, NULL},

    /* R4.3, 2021: local cases within 14 days; 10 = HIGH; one level down per 14 quiet days */
    {"no case ever is low", A2021, "", "2021-08-10", RISK_LOW, RISK_CAUSE_NONE, "no case so far"},
    {"9 cases within 14 days is medium", A2021, "2021-08-01:4 2021-08-10:5", "2021-08-10",
     RISK_MEDIUM, RISK_CAUSE_SET, "9 cases within 14 days on 2021-08-10 (< 10)"},
    {"10 cases within 14 days is high (10 = HIGH)", A2021, "2021-08-01:5 2021-08-10:5",
     "2021-08-10", RISK_HIGH, RISK_CAUSE_SET, "10 cases within 14 days on 2021-08-10 (>= 10)"},
    {"cases 13 days apart add up", A2021, "2021-07-28:5 2021-08-10:5", "2021-08-10", RISK_HIGH,
     RISK_CAUSE_SET, NULL},
    {"cases 14 days apart do not", A2021, "2021-07-27:5 2021-08-10:5", "2021-08-10", RISK_MEDIUM,
     RISK_CAUSE_SET, "5 cases within 14 days"},
    {"high holds for 13 quiet days", A2021, "2021-08-01:12", "2021-08-14", RISK_HIGH,
     RISK_CAUSE_SET, "12 cases within 14 days on 2021-08-01 (>= 10)"},
    {"high steps down to medium after 14 quiet days", A2021, "2021-08-01:12", "2021-08-15",
     RISK_MEDIUM, RISK_CAUSE_STEPPED,
     "high from 2021-08-01; no new case for 14 days (last 2021-08-01)"},
    {"medium holds until 27 quiet days", A2021, "2021-08-01:12", "2021-08-28", RISK_MEDIUM,
     RISK_CAUSE_STEPPED, NULL},
    {"high to low takes 28 days", A2021, "2021-08-01:12", "2021-08-29", RISK_LOW, RISK_CAUSE_QUIET,
     "last new case 2021-08-01, 28 days ago"},
    {"a medium holds for 13 quiet days", A2021, "2021-08-01:3", "2021-08-14", RISK_MEDIUM,
     RISK_CAUSE_SET, NULL},
    {"a medium is low after 14 quiet days", A2021, "2021-08-01:3", "2021-08-15", RISK_LOW,
     RISK_CAUSE_QUIET, "last new case 2021-08-01, 14 days ago"},
    {"a new case restarts the clock at high", A2021, "2021-08-01:12 2021-08-11:1", "2021-08-24",
     RISK_HIGH, RISK_CAUSE_SET, "last new case 2021-08-11, 13 days ago"},
    {"... and high steps down 14 days after it", A2021, "2021-08-01:12 2021-08-11:1", "2021-08-25",
     RISK_MEDIUM, RISK_CAUSE_STEPPED, NULL},
    {"a case with a low count never lowers a high", A2021,
     "2021-08-01:12 2021-08-10:1 2021-08-20:1", "2021-08-20", RISK_HIGH, RISK_CAUSE_SET,
     "13 cases within 14 days on 2021-08-10 (>= 10); last new case 2021-08-20, 0 days ago"},
    {"after the step down, one case keeps medium and restarts the clock", A2021,
     "2021-08-01:12 2021-08-20:1", "2021-09-02", RISK_MEDIUM, RISK_CAUSE_SET,
     "1 case within 14 days on 2021-08-20 (< 10)"},
    {"... low 14 days after it", A2021, "2021-08-01:12 2021-08-20:1", "2021-09-03", RISK_LOW,
     RISK_CAUSE_QUIET, NULL},
    {"after the step down, 10 cases make high again", A2021, "2021-08-01:12 2021-08-20:10",
     "2021-08-20", RISK_HIGH, RISK_CAUSE_SET, NULL},
    {"asymptomatic infections do not count in 2021", A2021, "2021-08-01:0:0:20", "2021-08-02",
     RISK_LOW, RISK_CAUSE_NONE, NULL},

    /* R4.4, 28 Jun 2022: infections; HIGH, 7 days to MEDIUM, 3 more to LOW */
    {"an asymptomatic infection is high", A2206, "2022-07-01:0:0:1", "2022-07-01", RISK_HIGH,
     RISK_CAUSE_SET, "new infection on 2022-07-01, 0 days ago"},
    {"a confirmed case is high", A2206, "2022-07-01:1", "2022-07-01", RISK_HIGH, RISK_CAUSE_SET,
     NULL},
    {"high for 6 quiet days", A2206, "2022-07-01:0:0:1", "2022-07-07", RISK_HIGH, RISK_CAUSE_SET,
     NULL},
    {"medium after 7 quiet days", A2206, "2022-07-01:0:0:1", "2022-07-08", RISK_MEDIUM,
     RISK_CAUSE_STEPPED, "no new infection for 7 days"},
    {"medium for 9 quiet days", A2206, "2022-07-01:0:0:1", "2022-07-10", RISK_MEDIUM,
     RISK_CAUSE_STEPPED, NULL},
    {"low after 3 more days (10 quiet days)", A2206, "2022-07-01:0:0:1", "2022-07-11", RISK_LOW,
     RISK_CAUSE_QUIET, "last new infection 2022-07-01, 10 days ago"},
    {"a new infection while medium is high again", A2206, "2022-07-01:2 2022-07-09:0:0:1",
     "2022-07-09", RISK_HIGH, RISK_CAUSE_SET, NULL},

    /* R4.5, Nov 2022: HIGH or LOW; LOW after 5 quiet days */
    {"an infection is high", A2211, "2022-11-20:0:0:3", "2022-11-20", RISK_HIGH, RISK_CAUSE_SET,
     NULL},
    {"high for 4 quiet days", A2211, "2022-11-20:1", "2022-11-24", RISK_HIGH, RISK_CAUSE_SET, NULL},
    {"low after 5 quiet days, never medium", A2211, "2022-11-20:1", "2022-11-25", RISK_LOW,
     RISK_CAUSE_QUIET, "last new infection 2022-11-20, 5 days ago"},
};

/* Grade c both ways; returns false (and says why) on any difference. */
static bool
check_case(const struct grade_case *c)
{
	const int32_t d = day(c->date);
	const int32_t first = d - 60, last = d + 10; /* every event lies in here */
	struct risk_rule rule = rule_named(c->rule);
	struct risk_series *s = series_of(c->events, first, last);
	struct risk_grade one, batch[7];
	uint8_t levels[7];
	struct fk_error err = {0};
	char reason[RISK_REASON_BUF];
	bool ok = true;

	assert_int_equal(risk_grade_one(s, 0, &rule, d, &one, &err), 0);
	assert_int_equal(risk_grade_batch(s, &rule, d - 3, d + 3, levels, batch, &err), 0);
	if (one.level != c->level || one.cause != c->cause) {
		print_message("  %s [%s on %s]: expected %s cause %d\n", c->why, c->rule, c->date,
			      risk_level_name(c->level), c->cause);
		print_grade("got", &one);
		ok = false;
	}
	if (!grades_equal(&one, &batch[3]) || levels[3] != one.level) {
		print_message("  %s [%s on %s]: batch differs from one\n", c->why, c->rule,
			      c->date);
		print_grade("one", &one);
		print_grade("batch", &batch[3]);
		ok = false;
	}
	risk_reason(&rule, d, &one, RISK_LANG_EN, reason);
	if (c->reason && strstr(reason, c->reason) == NULL) {
		print_message("  %s [%s on %s]: reason '%s' lacks '%s'\n", c->why, c->rule, c->date,
			      reason, c->reason);
		ok = false;
	}
	risk_series_free(s);
	return ok;
}

static void
test_rule_tables(void **state)
{
	int failed = 0;
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(grade_cases); i++)
		if (!check_case(&grade_cases[i]))
			failed++;
	if (failed)
		fail_msg("%d of %zu rule-table cases failed (listed above)", failed,
			 ARRAY_LEN(grade_cases));
}

/* Day by day through the 2021 steps: HIGH c..c+13, MEDIUM c+14..c+27, LOW c+28.. */
static void
test_area_2021_timeline(void **state)
{
	const int32_t c = day("2021-08-01");
	struct risk_rule rule = rule_named(A2021);
	struct risk_series *s = series_of("2021-08-01:12", c - 5, c + 40);
	uint8_t levels[46];
	struct fk_error err = {0};
	(void)state;

	assert_int_equal(risk_grade_batch(s, &rule, c - 5, c + 40, levels, NULL, &err), 0);
	for (int t = -5; t <= 40; t++) {
		enum risk_level want = t < 0	? RISK_LOW
				       : t < 14 ? RISK_HIGH
				       : t < 28 ? RISK_MEDIUM
						: RISK_LOW;
		if (levels[t + 5] != want)
			fail_msg("day c%+d: %s, expected %s", t,
				 risk_level_name((enum risk_level)levels[t + 5]),
				 risk_level_name(want));
	}
	risk_series_free(s);
}

/* ---- batch == one on random series ------------------------------------------ */

static uint64_t rng_state;

static uint32_t
rng(void)
{
	/* xorshift64*: reproducible from the seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

/* Sparse outbreaks: quiet stretches, bursts of cases, a few clusters,
 * sporadic single cases. */
static void
fill_random(struct risk_series *s)
{
	for (size_t r = 0; r < s->n_regions; r++) {
		int burst = 0;
		for (int32_t t = 0; t < s->n_days; t++) {
			size_t i = r * (size_t)s->n_days + (size_t)t;
			if (burst == 0 && rng() % 40 == 0)
				burst = 1 + (int)(rng() % 20);
			if (burst > 0) {
				burst--;
				s->confirmed[i] =
				    rng() % 3 == 0 ? 0 : (int32_t)(rng() % (r % 3 == 0 ? 30 : 6));
				if (s->clusters)
					s->clusters[i] =
					    rng() % 9 == 0 ? 1 + (int32_t)(rng() % 2) : 0;
			} else if (rng() % 15 == 0) {
				s->confirmed[i] =
				    1; /* a sporadic case, often while a level holds */
			}
			if (s->asymptomatic && rng() % 25 == 0)
				s->asymptomatic[i] = 1 + (int32_t)(rng() % 4);
		}
	}
}

static void
compare_all(const struct risk_series *s, const struct risk_rule *rule, int *seen)
{
	const int32_t from = s->first_date - 20, to = s->first_date + s->n_days + 20;
	const size_t days = (size_t)(to - from + 1);
	struct risk_grade *grades = calloc(s->n_regions * days, sizeof *grades);
	uint8_t *levels = calloc(s->n_regions * days, 1);
	struct risk_grade *mid = calloc(s->n_regions * 11, sizeof *mid);
	struct fk_error err = {0};

	assert_non_null(grades);
	assert_non_null(levels);
	assert_non_null(mid);
	assert_int_equal(risk_grade_batch(s, rule, from, to, levels, grades, &err), 0);
	/* a sub-range in the middle gives the same grades as the whole */
	assert_int_equal(
	    risk_grade_batch(s, rule, s->first_date + 40, s->first_date + 50, NULL, mid, &err), 0);
	for (size_t r = 0; r < s->n_regions; r++)
		for (size_t k = 0; k < days; k++) {
			const struct risk_grade *b = &grades[r * days + k];
			struct risk_grade one;
			int32_t d = from + (int32_t)k;
			assert_int_equal(risk_grade_one(s, r, rule, d, &one, &err), 0);
			if (!grades_equal(&one, b) || levels[r * days + k] != b->level) {
				char ds[DATE_STR_LEN];
				print_grade("one", &one);
				print_grade("batch", b);
				fail_msg("rule %s, region %zu, %s: batch differs from one",
					 rule->name, r, date_format(d, ds));
			}
			if (d >= s->first_date + 40 && d <= s->first_date + 50 &&
			    !grades_equal(&mid[r * 11 + (size_t)(d - s->first_date - 40)], b))
				fail_msg("rule %s, region %zu: a sub-range grades differently",
					 rule->name, r);
			seen[b->level]++;
			/* the reasons stay valid UTF-8, in the buffer, non-empty */
			for (int lang = 0; lang < RISK_LANG_COUNT; lang++) {
				char reason[RISK_REASON_BUF];
				risk_reason(rule, d, b, (enum risk_lang)lang, reason);
				assert_true(reason[0] != '\0');
				assert_true(text_utf8_valid(reason, strlen(reason)));
				assert_null(strchr(reason, '?'));
			}
		}
	free(grades);
	free(levels);
	free(mid);
}

static void
test_batch_equals_one(void **state)
{
	struct risk_rule custom_cum = {.name = "custom-cumulative",
				       .method = RISK_METHOD_CUMULATIVE,
				       .count_asymptomatic = true,
				       .window_days = 7,
				       .quiet_days = 10,
				       .high_cumulative = 5};
	struct risk_rule custom_step = {.name = "custom-stepdown",
					.method = RISK_METHOD_STEPDOWN,
					.window_days = 7,
					.high_min = 3,
					.high_hold_days = 4,
					.medium_hold_days = 2};
	(void)state;

	rng_state = 0x5eed2020;
	for (size_t i = 0; i < risk_rule_builtin_count() + 2; i++) {
		const struct risk_rule *rule = i < risk_rule_builtin_count() ? risk_rule_builtin(i)
					       : i == risk_rule_builtin_count() ? &custom_cum
										: &custom_step;
		for (int round = 0; round < 3; round++) {
			struct risk_series *s = NULL;
			int seen[RISK_LEVEL_COUNT] = {0};
			unsigned cols = round == 2 ? 0 : RISK_COL_CLUSTERS | RISK_COL_ASYMPTOMATIC;
			assert_int_equal(
			    risk_series_new(9, day("2020-01-10") + round * 100, 150, cols, &s), 0);
			fill_random(s);
			compare_all(s, rule, seen);
			/* the random series reach every level the rule has */
			assert_true(seen[RISK_LOW] > 0);
			assert_true(seen[RISK_MEDIUM] > 0 || strcmp(rule->name, A2211) == 0);
			if (strcmp(rule->name, A2211) == 0)
				assert_int_equal(seen[RISK_MEDIUM], 0); /* R4.5: high or low only */
			if (cols || rule->method == RISK_METHOD_STEPDOWN)
				assert_true(seen[RISK_HIGH] > 0);
			else
				assert_int_equal(seen[RISK_HIGH], 0); /* no cluster data, no HIGH */
			risk_series_free(s);
		}
	}
}

/* ---- reasons ------------------------------------------------------------------- */

static void
test_reasons_name_the_figures(void **state)
{
	struct risk_rule rule = rule_named(C2020);
	struct risk_series *s =
	    series_of("2020-02-01:40 2020-02-10:27:2", day("2020-01-01"), day("2020-03-01"));
	struct risk_grade g;
	struct fk_error err = {0};
	char reason[RISK_REASON_BUF];
	(void)state;

	assert_int_equal(risk_grade_one(s, 0, &rule, day("2020-02-15"), &g, &err), 0);
	assert_string_equal(risk_reason(&rule, day("2020-02-15"), &g, RISK_LANG_EN, reason),
			    "cumulative 67 > 50 and a cluster on 2020-02-10");
	assert_string_equal(risk_reason(&rule, day("2020-02-15"), &g, RISK_LANG_ZH, reason),
			    "累计确诊67例（>50例），14天内有聚集性疫情（2020-02-10）");

	assert_int_equal(risk_grade_one(s, 0, &rule, day("2020-02-24"), &g, &err), 0);
	assert_int_equal(g.level, RISK_LOW);
	assert_string_equal(risk_reason(&rule, day("2020-02-24"), &g, RISK_LANG_EN, reason),
			    "last new case 2020-02-10, 14 days ago (>= 14 days without one: low)");
	assert_string_equal(risk_reason(&rule, day("2020-02-24"), &g, RISK_LANG_ZH, reason),
			    "最近新增确诊病例2020-02-10，已连续14天无新增（满14天为低风险）");
	risk_series_free(s);
}

/* ---- names and errors ---------------------------------------------------------- */

static void
test_names_round_trip(void **state)
{
	enum risk_level l;
	enum risk_lang lang;
	struct risk_rule r;
	struct fk_error err = {0};
	(void)state;

	for (int i = 0; i < RISK_LEVEL_COUNT; i++) {
		assert_int_equal(risk_level_parse(risk_level_name((enum risk_level)i), &l), 0);
		assert_int_equal(l, i);
	}
	assert_string_equal(risk_level_name_zh(RISK_HIGH), "高风险");
	assert_string_equal(risk_level_name((enum risk_level)7), "?");
	assert_int_equal(risk_level_parse("High", &l), FK_EINVAL);
	assert_int_equal(risk_level_parse(NULL, &l), FK_EINVAL);
	assert_int_equal(risk_lang_parse("zh", &lang), 0);
	assert_int_equal(lang, RISK_LANG_ZH);
	assert_int_equal(risk_lang_parse("fr", &lang), FK_EINVAL);

	assert_int_equal(risk_rule_builtin_count(), 4);
	assert_string_equal(risk_rule_builtin(0)->name, RISK_RULE_DEFAULT);
	assert_null(risk_rule_builtin(4));
	for (size_t i = 0; i < risk_rule_builtin_count(); i++) {
		assert_int_equal(risk_rule_get(risk_rule_builtin(i)->name, &r, &err), 0);
		assert_int_equal(risk_rule_validate(&r, &err), 0);
		assert_true(risk_rule_builtin_summary(i)[0] != '\0');
	}
	assert_int_equal(risk_rule_get("county-2020", &r, &err), FK_EINVAL);
	assert_string_equal(err.field, "rule");
	assert_non_null(strstr(err.message, "area-2022-11"));

	/* the defaults are RULES.md's figures */
	r = rule_named(C2020);
	assert_int_equal(r.window_days, 14);
	assert_int_equal(r.quiet_days, 14);
	assert_int_equal(r.high_cumulative, 50);
	assert_true(r.city_takes_highest);
	assert_false(r.count_asymptomatic);
	r = rule_named(A2021);
	assert_int_equal(r.high_min, 10);
	assert_false(r.count_asymptomatic);
	r = rule_named(A2206);
	assert_true(r.count_asymptomatic);
	assert_int_equal(r.high_hold_days, 7);
	assert_int_equal(r.medium_hold_days, 3);
	r = rule_named(A2211);
	assert_int_equal(r.high_hold_days, 5);
	assert_int_equal(r.medium_hold_days, 0);
}

static void
expect_rule_error(struct risk_rule r, const char *field)
{
	struct fk_error err = {0};
	assert_int_equal(risk_rule_validate(&r, &err), FK_EINVAL);
	assert_string_equal(err.field, field);
}

static void
test_rule_validation(void **state)
{
	struct risk_rule r;
	(void)state;

	r = rule_named(C2020);
	r.name[0] = '\0';
	expect_rule_error(r, "name");
	r = rule_named(C2020);
	r.window_days = 0;
	expect_rule_error(r, "window_days");
	r = rule_named(C2020);
	r.quiet_days = 367;
	expect_rule_error(r, "quiet_days");
	r = rule_named(C2020);
	r.high_cumulative = -1;
	expect_rule_error(r, "high_cumulative");
	r = rule_named(C2020);
	r.method = (enum risk_method)9;
	expect_rule_error(r, "method");
	r = rule_named(A2021);
	r.high_min = 0;
	expect_rule_error(r, "high_min");
	r = rule_named(A2021);
	r.high_hold_days = 0;
	expect_rule_error(r, "high_hold_days");
	r = rule_named(A2021);
	r.medium_hold_days = 0; /* no MEDIUM, but 1..9 cases would make one */
	expect_rule_error(r, "medium_hold_days");
}

static void
test_bad_input_is_refused(void **state)
{
	struct risk_rule rule = rule_named(C2020);
	struct risk_series *s = series_of("2020-02-01:3", day("2020-01-20"), day("2020-02-20"));
	struct risk_grade g, gs[40];
	uint8_t levels[40];
	struct fk_error err = {0};
	(void)state;

	/* counts out of range, named with the day */
	s->confirmed[5] = -1;
	assert_int_equal(
	    risk_grade_batch(s, &rule, day("2020-02-01"), day("2020-02-10"), levels, NULL, &err),
	    FK_EINVAL);
	assert_string_equal(err.field, "new_confirmed");
	assert_non_null(strstr(err.message, "2020-01-25"));
	fk_error_clear(&err);
	assert_int_equal(risk_grade_one(s, 0, &rule, day("2020-02-01"), &g, &err), FK_EINVAL);
	assert_string_equal(err.field, "new_confirmed");
	s->confirmed[5] = 0;
	s->clusters[6] = RISK_COUNT_MAX + 1;
	fk_error_clear(&err);
	assert_int_equal(
	    risk_grade_batch(s, &rule, day("2020-02-01"), day("2020-02-10"), levels, NULL, &err),
	    FK_EINVAL);
	assert_string_equal(err.field, "new_clusters");
	s->clusters[6] = 0;

	/* ranges */
	fk_error_clear(&err);
	assert_int_equal(
	    risk_grade_batch(s, &rule, day("2020-02-10"), day("2020-02-01"), levels, gs, &err),
	    FK_EINVAL);
	assert_string_equal(err.field, "to");
	fk_error_clear(&err);
	assert_int_equal(
	    risk_grade_batch(s, &rule, day("2020-02-01"), day("2020-02-10"), NULL, NULL, &err),
	    FK_EINVAL);
	fk_error_clear(&err);
	assert_int_equal(risk_grade_one(s, 1, &rule, day("2020-02-01"), &g, &err), FK_EINVAL);
	assert_string_equal(err.field, "region");
	fk_error_clear(&err);
	assert_int_equal(risk_grade_one(s, 0, &rule, day("2199-12-31"), &g, &err), FK_EINVAL);
	assert_string_equal(err.field, "from");

	/* an invalid rule */
	rule.window_days = -3;
	fk_error_clear(&err);
	assert_int_equal(risk_grade_one(s, 0, &rule, day("2020-02-01"), &g, &err), FK_EINVAL);
	assert_string_equal(err.field, "window_days");
	risk_series_free(s);

	/* series sizes */
	assert_int_equal(risk_series_new(0, 0, 10, 0, &s), FK_EINVAL);
	assert_null(s);
	assert_int_equal(risk_series_new(1, 0, RISK_DAYS_MAX + 1, 0, &s), FK_EINVAL);
	assert_int_equal(risk_series_new((size_t)RISK_CELLS_MAX, 0, 2, 0, &s), FK_EINVAL);
	risk_series_free(NULL);
}

/* Missing optional columns read as zero: no cluster data, no HIGH under R4.1. */
static void
test_missing_columns_are_zero(void **state)
{
	struct risk_rule rule = rule_named(C2020);
	struct risk_series *s = NULL;
	struct risk_grade g;
	struct fk_error err = {0};
	(void)state;

	assert_int_equal(risk_series_new(1, day("2020-02-01"), 20, 0, &s), 0);
	assert_null(s->clusters);
	assert_null(s->asymptomatic);
	s->confirmed[10] = 500;
	assert_int_equal(risk_grade_one(s, 0, &rule, day("2020-02-15"), &g, &err), 0);
	assert_int_equal(g.level, RISK_MEDIUM);
	assert_int_equal(g.cause, RISK_CAUSE_NO_CLUSTER);
	/* days after the series are zero too: quiet from 2020-02-11 */
	assert_int_equal(risk_grade_one(s, 0, &rule, day("2020-02-25"), &g, &err), 0);
	assert_int_equal(g.level, RISK_LOW);
	assert_int_equal(g.last_new, day("2020-02-11"));
	rule = rule_named(A2206);
	assert_int_equal(risk_grade_one(s, 0, &rule, day("2020-02-11"), &g, &err), 0);
	assert_int_equal(g.level, RISK_HIGH);
	risk_series_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule_tables),
	    cmocka_unit_test(test_area_2021_timeline),
	    cmocka_unit_test(test_batch_equals_one),
	    cmocka_unit_test(test_reasons_name_the_figures),
	    cmocka_unit_test(test_names_round_trip),
	    cmocka_unit_test(test_rule_validation),
	    cmocka_unit_test(test_bad_input_is_refused),
	    cmocka_unit_test(test_missing_columns_are_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_detect.c -- unit tests for analytics/detect: EARS C1/C2/C3 and
 * farringtonFlexible against R's surveillance package.
 *
 * The agreement test runs every case of tests/fixtures/detect/cases.csv
 * (written, with the expected outputs, by make_detect.R): the case's
 * `fangkong detect` arguments are turned into options here, the input
 * series is read, and the result must have the same periods, the same
 * alarms (NA included) and upper bounds and expected counts within 1e-6
 * relative of R's.  Every failing case is listed before the test fails.
 *
 * The other tests pin behaviours a user would notice: R's NA on a flat
 * C3 baseline, the C3 default alpha, the limit of 5 cases in 4 periods,
 * the package's errors (series too short, reference periods missing,
 * bad counts and options) with the field named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/detect.h"
#include "core/date.h"

#define CASES_MAX 64
#define SERIES_MAX 4096
#define TOL 1e-6

static const char *
repo_root(void)
{
	static char root[1024];
	if (root[0] == '\0') {
		snprintf(root, sizeof root, "%s", __FILE__);
		for (int up = 0; up < 3; up++) {
			char *slash = strrchr(root, '/');
			if (slash == NULL)
				fail_msg("cannot find the repository from %s", __FILE__);
			*slash = '\0';
		}
	}
	return root;
}

static FILE *
open_fixture(const char *name)
{
	char path[1200];
	snprintf(path, sizeof path, "%.1000s/tests/fixtures/detect/%.150s", repo_root(), name);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	return f;
}

/* ---- fixtures -------------------------------------------------------------- */

struct series {
	double y[SERIES_MAX];
	int32_t dates[SERIES_MAX];
	bool has_dates;
	size_t n;
};

/* Read a fixture input (date,observed or observed). */
static void
read_series(const char *name, struct series *s)
{
	FILE *f = open_fixture(name);
	char line[256];

	memset(s, 0, sizeof *s);
	assert_non_null(fgets(line, sizeof line, f));
	s->has_dates = strncmp(line, "date,observed", 13) == 0;
	if (!s->has_dates && strncmp(line, "observed", 8) != 0)
		fail_msg("%s: unexpected header %s", name, line);
	while (fgets(line, sizeof line, f)) {
		char *v = line;
		if (s->n >= SERIES_MAX)
			fail_msg("%s: too long", name);
		if (s->has_dates) {
			char *comma = strchr(line, ',');
			assert_non_null(comma);
			*comma = '\0';
			if (date_parse(line, &s->dates[s->n]))
				fail_msg("%s: bad date %s", name, line);
			v = comma + 1;
		}
		s->y[s->n++] = strtod(v, NULL);
	}
	fclose(f);
}

/* One row of an expected output. */
struct expect {
	size_t t;
	double observed, upperbound, expected;
	int alarm;
};

static double
num_or_na(const char *s)
{
	return strcmp(s, "NA") == 0 ? NAN : strtod(s, NULL);
}

static size_t
read_expect(const char *name, struct expect *e, size_t max)
{
	char file[200], line[512];
	size_t n = 0;
	snprintf(file, sizeof file, "expect_%.150s.csv", name);
	FILE *f = open_fixture(file);
	assert_non_null(fgets(line, sizeof line, f));
	while (fgets(line, sizeof line, f) && n < max) {
		char *rest = line, *field[5] = {0};
		line[strcspn(line, "\n")] = '\0';
		for (int k = 0; k < 5 && rest; k++)
			field[k] = strsep(&rest, ",");
		if (field[3] == NULL)
			fail_msg("%s: short row", file);
		e[n].t = (size_t)strtoul(field[0], NULL, 10);
		e[n].observed = strtod(field[1], NULL);
		e[n].upperbound = num_or_na(field[2]);
		e[n].alarm = strcmp(field[3], "NA") == 0 ? DETECT_ALARM_NA : atoi(field[3]);
		e[n].expected = field[4] ? num_or_na(field[4]) : NAN;
		n++;
	}
	fclose(f);
	return n;
}

/* The options a `fangkong detect` argument list asks for. */
struct request {
	bool farrington;
	struct detect_ears_options ears;
	struct detect_farrington_options farr;
};

static void
parse_args(const char *args, struct request *r)
{
	char buf[512], *rest = buf, *tok;
	snprintf(buf, sizeof buf, "%s", args);
	tok = strsep(&rest, " ");
	r->farrington = strcmp(tok, "farrington") == 0;
	detect_ears_options_init(&r->ears);
	detect_farrington_options_init(&r->farr);
	while ((tok = strsep(&rest, " ")) != NULL) {
		const char *v = NULL;
		if (strcmp(tok, "--no-reweight") == 0) {
			r->farr.reweight = false;
			continue;
		}
		if (strcmp(tok, "--no-trend") == 0) {
			r->farr.trend = false;
			continue;
		}
		v = strsep(&rest, " ");
		if (v == NULL)
			fail_msg("%s: %s needs a value", args, tok);
		if (strcmp(tok, "--method") == 0)
			r->ears.method = v[1] == '1'   ? DETECT_EARS_C1
					 : v[1] == '2' ? DETECT_EARS_C2
						       : DETECT_EARS_C3;
		else if (strcmp(tok, "--baseline") == 0)
			r->ears.baseline = atoi(v);
		else if (strcmp(tok, "--alpha") == 0)
			r->ears.alpha = r->farr.alpha = strtod(v, NULL);
		else if (strcmp(tok, "--min-sigma") == 0)
			r->ears.min_sigma = strtod(v, NULL);
		else if (strcmp(tok, "--range") == 0)
			r->ears.range_from = r->farr.range_from = strtoul(v, NULL, 10),
			r->ears.range_to = r->farr.range_to = strtoul(strchr(v, ':') + 1, NULL, 10);
		else if (strcmp(tok, "--frequency") == 0)
			r->farr.frequency = atoi(v);
		else if (strcmp(tok, "--b") == 0)
			r->farr.b = atoi(v);
		else if (strcmp(tok, "--w") == 0)
			r->farr.w = atoi(v);
		else if (strcmp(tok, "--weights-threshold") == 0)
			r->farr.weights_threshold = strtod(v, NULL);
		else if (strcmp(tok, "--p-threshold-trend") == 0)
			r->farr.p_threshold_trend = strtod(v, NULL);
		else if (strcmp(tok, "--past-periods-not-included") == 0)
			r->farr.past_periods_not_included = atoi(v);
		else if (strcmp(tok, "--no-periods") == 0)
			r->farr.no_periods = atoi(v);
		else if (strcmp(tok, "--threshold-method") == 0)
			r->farr.threshold = strcmp(v, "delta") == 0	 ? DETECT_THRESHOLD_DELTA
					    : strcmp(v, "nbPlugin") == 0 ? DETECT_THRESHOLD_NBPLUGIN
									 : DETECT_THRESHOLD_MUAN;
		else
			fail_msg("%s: unknown flag %s", args, tok);
	}
}

static bool
close_to(double got, double want)
{
	if (isnan(want) || isnan(got))
		return isnan(want) && isnan(got);
	return fabs(got - want) <= TOL * fabs(want);
}

/* Run one case; print what differs and return the number of problems. */
static int
run_case(const char *name, const char *input, const char *args)
{
	static struct series s;
	static struct expect want[SERIES_MAX];
	static struct detect_point got[SERIES_MAX];
	struct request r;
	struct fk_error err = {0};
	size_t n_want, n_got = 0;
	int rc, bad = 0;

	read_series(input, &s);
	n_want = read_expect(name, want, SERIES_MAX);
	parse_args(args, &r);
	if (r.farrington)
		rc = detect_farrington(s.y, s.has_dates ? s.dates : NULL, s.n, &r.farr, got, &n_got,
				       &err);
	else
		rc = detect_ears(s.y, s.n, &r.ears, got, &n_got, &err);
	if (rc) {
		print_error("%s: failed: %s: %s\n", name, err.field, err.message);
		return 1;
	}
	if (n_got != n_want) {
		print_error("%s: %zu periods, R has %zu\n", name, n_got, n_want);
		return 1;
	}
	for (size_t i = 0; i < n_got && bad < 5; i++) {
		const struct detect_point *g = &got[i];
		const struct expect *w = &want[i];
		if (g->t != w->t || g->observed != w->observed || g->alarm != w->alarm ||
		    !close_to(g->upperbound, w->upperbound) ||
		    (r.farrington && !close_to(g->expected, w->expected))) {
			print_error(
			    "%s: t=%zu: got observed %g upper %.17g alarm %d expected %.17g; "
			    "R: t=%zu observed %g upper %.17g alarm %d expected %.17g\n",
			    name, g->t, g->observed, g->upperbound, g->alarm, g->expected, w->t,
			    w->observed, w->upperbound, w->alarm, w->expected);
			bad++;
		}
	}
	return bad;
}

static void
test_agrees_with_surveillance(void **state)
{
	FILE *f = open_fixture("cases.csv");
	char line[512];
	int cases = 0, failing = 0, ears = 0, farr = 0;

	(void)state;
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "name,input,args\n");
	while (fgets(line, sizeof line, f)) {
		char *rest = line, *name, *input, *args;
		line[strcspn(line, "\n")] = '\0';
		name = strsep(&rest, ",");
		input = strsep(&rest, ",");
		args = strsep(&rest, ",");
		if (args == NULL)
			fail_msg("cases.csv: short row %s", name);
		cases++;
		if (strncmp(args, "ears", 4) == 0)
			ears++;
		else
			farr++;
		if (run_case(name, input, args))
			failing++;
	}
	fclose(f);
	/* every method and option of the fixtures was run */
	assert_true(ears >= 10);
	assert_true(farr >= 18);
	if (failing)
		fail_msg("%d of %d cases differ from surveillance", failing, cases);
}

/* ---- EARS behaviours ------------------------------------------------------- */

static void
test_ears_c1_flat_baseline_bound_is_the_mean(void **state)
{
	/* sd 0, minSigma 0: the bound is the mean; only a count above it alarms */
	double y[] = {2, 2, 2, 2, 2, 2, 2, 2, 3};
	struct detect_ears_options o;
	struct detect_point p[9];
	struct fk_error err = {0};
	size_t n = 0;

	(void)state;
	detect_ears_options_init(&o);
	assert_int_equal(detect_ears(y, 9, &o, p, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].t, 8);
	assert_true(p[0].upperbound == 2 && p[0].alarm == 0);
	assert_true(p[1].upperbound == 2 && p[1].alarm == 1);
	assert_true(isnan(p[0].expected));
}

static void
test_ears_c3_flat_baseline_gives_na_as_r(void **state)
{
	/* all zeros: every C2 statistic is 0/0, and R's bound is NA */
	double y[14] = {0};
	struct detect_ears_options o;
	struct detect_point p[14];
	struct fk_error err = {0};
	size_t n = 0;

	(void)state;
	detect_ears_options_init(&o);
	o.method = DETECT_EARS_C3;
	assert_int_equal(detect_ears(y, 14, &o, p, &n, &err), 0);
	assert_int_equal(n, 3); /* from baseline + 5 = 12 */
	assert_int_equal(p[0].t, 12);
	assert_true(isnan(p[0].upperbound));
	assert_int_equal(p[0].alarm, DETECT_ALARM_NA);
	/* with a floor on sigma the bound is a number again */
	o.min_sigma = 0.5;
	assert_int_equal(detect_ears(y, 14, &o, p, &n, &err), 0);
	assert_false(isnan(p[0].upperbound));
	assert_int_equal(p[0].alarm, 0);
}

static void
test_ears_c3_default_alpha_is_0025(void **state)
{
	double y[40];
	struct detect_ears_options o;
	struct detect_point a[40], b[40];
	struct fk_error err = {0};
	size_t na = 0, nb = 0;

	(void)state;
	for (int i = 0; i < 40; i++)
		y[i] = 5 + (i * 7) % 5;
	detect_ears_options_init(&o);
	o.method = DETECT_EARS_C3;
	assert_int_equal(detect_ears(y, 40, &o, a, &na, &err), 0);
	o.alpha = 0.025;
	assert_int_equal(detect_ears(y, 40, &o, b, &nb, &err), 0);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_true(a[i].upperbound == b[i].upperbound);
	o.alpha = 0.001;
	assert_int_equal(detect_ears(y, 40, &o, b, &nb, &err), 0);
	assert_true(b[0].upperbound > a[0].upperbound);
}

static void
test_ears_refuses_bad_input(void **state)
{
	double y[20], bad[20];
	struct detect_ears_options o;
	struct detect_point p[20];
	struct fk_error err = {0};
	size_t n = 7;

	(void)state;
	for (int i = 0; i < 20; i++)
		y[i] = bad[i] = i % 4;
	detect_ears_options_init(&o);

	assert_int_equal(detect_ears(y, 0, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "observed");
	assert_int_equal(n, 0);

	bad[5] = -1;
	fk_error_clear(&err);
	assert_int_equal(detect_ears(bad, 20, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "observed");
	assert_non_null(strstr(err.message, "period 6"));
	bad[5] = NAN;
	fk_error_clear(&err);
	assert_int_equal(detect_ears(bad, 20, &o, p, &n, &err), FK_EINVAL);

	o.baseline = 2;
	fk_error_clear(&err);
	assert_int_equal(detect_ears(y, 20, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "baseline");
	detect_ears_options_init(&o);
	o.min_sigma = -1;
	fk_error_clear(&err);
	assert_int_equal(detect_ears(y, 20, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "min-sigma");
	detect_ears_options_init(&o);
	o.alpha = 1.5;
	fk_error_clear(&err);
	assert_int_equal(detect_ears(y, 20, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "alpha");

	/* ranges: beyond the series, and starting before baseline + lag */
	detect_ears_options_init(&o);
	o.range_from = 10;
	o.range_to = 21;
	fk_error_clear(&err);
	assert_int_equal(detect_ears(y, 20, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "range");
	o.method = DETECT_EARS_C3;
	o.range_from = 11; /* C3 needs baseline + 4 = 11 periods before */
	o.range_to = 20;
	fk_error_clear(&err);
	assert_int_equal(detect_ears(y, 20, &o, p, &n, &err), FK_EINVAL);
	assert_non_null(strstr(err.message, "too short"));
	o.range_from = 12;
	fk_error_clear(&err);
	assert_int_equal(detect_ears(y, 20, &o, p, &n, &err), 0);
	assert_int_equal(n, 9);
	/* a series shorter than the baseline */
	detect_ears_options_init(&o);
	fk_error_clear(&err);
	assert_int_equal(detect_ears(y, 7, &o, p, &n, &err), FK_EINVAL);
}

/* ---- Farrington behaviours ------------------------------------------------- */

/* A weekly series of 6 years, 2 seasons a year, deterministic. */
static size_t
weekly(double *y, int32_t *dates, size_t n)
{
	int32_t start = 0;
	assert_int_equal(date_parse("2014-01-06", &start), 0);
	for (size_t i = 0; i < n; i++) {
		y[i] = floor(6 + 4 * sin(2 * M_PI * (double)i / 52) + (double)((i * 37) % 5));
		dates[i] = start + 7 * (int32_t)i;
	}
	return n;
}

static void
test_farrington_defaults_are_the_packages(void **state)
{
	struct detect_farrington_options o;
	(void)state;
	detect_farrington_options_init(&o);
	assert_int_equal(o.frequency, 52);
	assert_int_equal(o.b, 5);
	assert_int_equal(o.w, 3);
	assert_true(o.alpha == 0.05);
	assert_true(o.reweight && o.trend);
	assert_true(o.weights_threshold == 2.58);
	assert_true(o.p_threshold_trend == 0.05);
	assert_int_equal(o.past_periods_not_included, -1);
	assert_int_equal(o.no_periods, 1);
	assert_int_equal(o.threshold, DETECT_THRESHOLD_DELTA);
	assert_int_equal(o.powertrans, DETECT_POWERTRANS_2_3);
	assert_true(o.limit54_cases == 5 && o.limit54_periods == 4);
}

static void
test_farrington_needs_five_cases_in_four_weeks(void **state)
{
	static double y[320];
	static int32_t d[320];
	static struct detect_point p[320];
	struct detect_farrington_options o;
	struct fk_error err = {0};
	size_t n = 0;

	(void)state;
	weekly(y, d, 320);
	/* 4 cases in the last 4 weeks, 3 of them now: no bound, no alarm */
	y[316] = 0;
	y[317] = 0;
	y[318] = 1;
	y[319] = 3;
	detect_farrington_options_init(&o);
	o.range_from = 319;
	assert_int_equal(detect_farrington(y, NULL, 320, &o, p, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true(isnan(p[1].upperbound));
	assert_true(isnan(p[1].expected));
	assert_int_equal(p[1].alarm, 0);
	/* 40 cases now: the bound is a number and the count is above it */
	y[319] = 40;
	assert_int_equal(detect_farrington(y, NULL, 320, &o, p, &n, &err), 0);
	assert_false(isnan(p[1].upperbound));
	assert_true(p[1].expected > 0);
	assert_int_equal(p[1].alarm, 1);
	assert_true(p[1].observed > p[1].upperbound);
}

static void
test_farrington_refuses_bad_input(void **state)
{
	static double y[320];
	static int32_t d[320];
	static struct detect_point p[320];
	struct detect_farrington_options o;
	struct fk_error err = {0};
	size_t n = 0;

	(void)state;
	weekly(y, d, 320);
	detect_farrington_options_init(&o);

	/* the default range starts at 52*5 + 3 + 1 = 264 */
	assert_int_equal(detect_farrington(y, NULL, 263, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "range");
	assert_non_null(strstr(err.message, "too short"));
	/* a range that starts before b years of history */
	o.range_from = 200;
	o.range_to = 210;
	fk_error_clear(&err);
	assert_int_equal(detect_farrington(y, NULL, 320, &o, p, &n, &err), FK_EINVAL);
	assert_non_null(strstr(err.message, "decrease b"));
	detect_farrington_options_init(&o);

	y[10] = 2.5;
	fk_error_clear(&err);
	assert_int_equal(detect_farrington(y, NULL, 320, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "observed");
	assert_non_null(strstr(err.message, "period 11"));
	y[10] = 3;

	/* dates must increase; a missing reference week is the package's error */
	int32_t keep = d[100];
	d[100] = d[99];
	fk_error_clear(&err);
	assert_int_equal(detect_farrington(y, d, 320, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "date");
	d[100] = keep;
	for (size_t i = 0; i < 320; i++)
		d[i] += i >= 150 ? 7 : 0; /* one week missing */
	fk_error_clear(&err);
	assert_int_equal(detect_farrington(y, d, 320, &o, p, &n, &err), FK_EINVAL);
	assert_non_null(strstr(err.message, "reference periods"));
	for (size_t i = 0; i < 320; i++)
		d[i] -= i >= 150 ? 7 : 0;
	assert_int_equal(detect_farrington(y, d, 320, &o, p, &n, &err), 0);
	assert_int_equal(n, 320 - 263);

	o.frequency = 13;
	fk_error_clear(&err);
	assert_int_equal(detect_farrington(y, d, 320, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "frequency");
	detect_farrington_options_init(&o);
	o.no_periods = 60; /* 45 weeks between windows cannot hold 59 blocks */
	fk_error_clear(&err);
	assert_int_equal(detect_farrington(y, NULL, 320, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "no-periods");
	detect_farrington_options_init(&o);
	o.alpha = 0;
	fk_error_clear(&err);
	assert_int_equal(detect_farrington(y, NULL, 320, &o, p, &n, &err), FK_EINVAL);
	assert_string_equal(err.field, "alpha");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agrees_with_surveillance),
	    cmocka_unit_test(test_ears_c1_flat_baseline_bound_is_the_mean),
	    cmocka_unit_test(test_ears_c3_flat_baseline_gives_na_as_r),
	    cmocka_unit_test(test_ears_c3_default_alpha_is_0025),
	    cmocka_unit_test(test_ears_refuses_bad_input),
	    cmocka_unit_test(test_farrington_defaults_are_the_packages),
	    cmocka_unit_test(test_farrington_needs_five_cases_in_four_weeks),
	    cmocka_unit_test(test_farrington_refuses_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

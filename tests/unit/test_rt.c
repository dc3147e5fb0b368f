/*
 * test_rt.c -- unit tests for analytics/rt: Rt as EpiEstim::estimate_R
 * gives it.
 *
 *   - every case of tests/fixtures/rt/cases.csv (made by make_rt.R with
 *     EpiEstim 2.2-4): the same windows, NA exactly where EpiEstim has
 *     NA, every number within 1e-6 relative (in practice ~1e-12), the
 *     same warnings;
 *   - the gamma CDF and quantiles against R's pgamma and qgamma
 *     (gamma.csv), discr_si against EpiEstim's (discr_si.csv);
 *   - one estimator reused over series of different lengths gives what
 *     fresh ones give (the serial interval grows, quantiles are cached);
 *   - bad input: each is FK_EINVAL naming the field, with no rows.
 *
 * The fixtures are found beside this file (__FILE__ is absolute under
 * CMake) or in $FANGKONG_RT_FIXTURES.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "analytics/rt.h"

#define TOL 1e-6
#define MAX_FIELDS 16

/* ---- a small CSV reader for the fixtures (no quoting) ------------------- */

struct table {
	char *buf;
	size_t n_rows, n_cols;
	char **cells; /* n_rows x n_cols, row 0 the header */
};

static char *
fixture_path(const char *name)
{
	static char path[2048];
	const char *env = getenv("FANGKONG_RT_FIXTURES");
	if (env && *env) {
		snprintf(path, sizeof path, "%s/%s", env, name);
	} else {
		const char *slash = strrchr(__FILE__, '/');
		int dir_len = slash ? (int)(slash - __FILE__) : 1;
		snprintf(path, sizeof path, "%.*s/../fixtures/rt/%s", dir_len,
			 slash ? __FILE__ : ".", name);
	}
	return path;
}

static void
table_load(const char *name, struct table *t)
{
	FILE *f = fopen(fixture_path(name), "rb");
	long len;
	size_t cap = 0;
	char *line;

	memset(t, 0, sizeof *t);
	if (f == NULL)
		fail_msg("cannot open fixture %s", fixture_path(name));
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	t->buf = malloc((size_t)len + 1);
	assert_non_null(t->buf);
	assert_int_equal(fread(t->buf, 1, (size_t)len, f), (size_t)len);
	t->buf[len] = '\0';
	fclose(f);
	for (line = strtok(t->buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *cells[MAX_FIELDS];
		size_t n = 0;
		char *p = line;
		for (;;) {
			char *comma = strchr(p, ',');
			assert_true(n < MAX_FIELDS);
			cells[n++] = p;
			if (comma == NULL)
				break;
			*comma = '\0';
			p = comma + 1;
		}
		if (t->n_rows == 0)
			t->n_cols = n;
		assert_int_equal(n, t->n_cols);
		if ((t->n_rows + 1) * t->n_cols > cap) {
			cap = cap ? cap * 2 : 64 * t->n_cols;
			t->cells = realloc(t->cells, cap * sizeof *t->cells);
			assert_non_null(t->cells);
		}
		memcpy(t->cells + t->n_rows * t->n_cols, cells, n * sizeof *cells);
		t->n_rows++;
	}
}

static void
table_free(struct table *t)
{
	free(t->buf);
	free(t->cells);
}

static int
table_col(const struct table *t, const char *name)
{
	for (size_t j = 0; j < t->n_cols; j++)
		if (strcmp(t->cells[j], name) == 0)
			return (int)j;
	return -1;
}

static const char *
cell(const struct table *t, size_t row, int col)
{
	assert_true(col >= 0 && row < t->n_rows);
	return t->cells[row * t->n_cols + (size_t)col];
}

static double
num(const char *s)
{
	char *end;
	double v;
	if (strcmp(s, "NA") == 0)
		return NAN;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0')
		fail_msg("not a number in a fixture: '%s'", s);
	return v;
}

static double
rel_err(double got, double want)
{
	if (got == want)
		return 0;
	return fabs(got - want) / fmax(fabs(want), 1e-300);
}

/* ---- the EpiEstim cases --------------------------------------------------- */

struct series {
	int64_t *local, *imported; /* imported NULL: column I */
	size_t days;
};

static void
series_load(const char *name, struct series *s)
{
	struct table t;
	int ci, cl, cm;

	table_load(name, &t);
	ci = table_col(&t, "I");
	cl = table_col(&t, "local");
	cm = table_col(&t, "imported");
	s->days = t.n_rows - 1;
	s->local = calloc(s->days + 1, sizeof *s->local);
	s->imported = NULL;
	assert_non_null(s->local);
	if (cl >= 0 && cm >= 0) {
		s->imported = calloc(s->days + 1, sizeof *s->imported);
		assert_non_null(s->imported);
	} else {
		assert_true(ci >= 0);
		cl = ci;
	}
	for (size_t i = 0; i < s->days; i++) {
		s->local[i] = (int64_t)num(cell(&t, i + 1, cl));
		if (s->imported)
			s->imported[i] = (int64_t)num(cell(&t, i + 1, cm));
	}
	table_free(&t);
}

static unsigned
warnings_of(const char *s)
{
	unsigned w = 0;
	if (strstr(s, "too_early"))
		w |= RT_WARN_TOO_EARLY;
	if (strstr(s, "local_day1"))
		w |= RT_WARN_LOCAL_DAY1;
	return w;
}

/* Run one case of cases.csv; return its largest relative error. */
static double
run_case(const struct table *cases, size_t r)
{
	const char *name = cell(cases, r, table_col(cases, "name"));
	const char *si_file = cell(cases, r, table_col(cases, "si_distr"));
	const char *win_file = cell(cases, r, table_col(cases, "windows"));
	const char *window = cell(cases, r, table_col(cases, "window"));
	const char *prior_mean = cell(cases, r, table_col(cases, "prior_mean"));
	const char *prior_sd = cell(cases, r, table_col(cases, "prior_sd"));
	struct rt_config cfg;
	struct rt_result res = {0};
	struct fk_error err = {0};
	struct series s;
	struct table want;
	double *si = NULL, worst = 0;
	struct rt_window *wins = NULL;
	rt_t *rt = NULL;
	int rc;

	rt_config_init(&cfg);
	series_load(cell(cases, r, table_col(cases, "incidence")), &s);
	if (*si_file) {
		struct table st;
		table_load(si_file, &st);
		si = calloc(st.n_rows, sizeof *si);
		assert_non_null(si);
		for (size_t i = 1; i < st.n_rows; i++)
			si[i - 1] = num(cell(&st, i, table_col(&st, "p")));
		cfg.si_distr = si;
		cfg.si_len = st.n_rows - 1;
		table_free(&st);
	} else {
		cfg.si_mean = num(cell(cases, r, table_col(cases, "si_mean")));
		cfg.si_sd = num(cell(cases, r, table_col(cases, "si_sd")));
	}
	if (*win_file) {
		struct table wt;
		table_load(win_file, &wt);
		wins = calloc(wt.n_rows, sizeof *wins);
		assert_non_null(wins);
		for (size_t i = 1; i < wt.n_rows; i++) {
			wins[i - 1].t_start =
			    (uint32_t)num(cell(&wt, i, table_col(&wt, "t_start")));
			wins[i - 1].t_end = (uint32_t)num(cell(&wt, i, table_col(&wt, "t_end")));
		}
		cfg.windows = wins;
		cfg.n_windows = wt.n_rows - 1;
		table_free(&wt);
	}
	if (*window)
		cfg.window = (uint32_t)atoi(window);
	if (*prior_mean)
		cfg.prior_mean = num(prior_mean);
	if (*prior_sd)
		cfg.prior_sd = num(prior_sd);

	rc = rt_new(&cfg, &rt, &err);
	if (rc)
		fail_msg("%s: rt_new: %s (%s)", name, err.message, err.field);
	rc = rt_estimate(rt, s.local, s.imported, s.days, &res, &err);
	if (rc)
		fail_msg("%s: rt_estimate: %s (%s)", name, err.message, err.field);

	table_load(cell(cases, r, table_col(cases, "expected")), &want);
	assert_int_equal(want.n_cols, RT_COLUMNS);
	for (int j = 0; j < RT_COLUMNS; j++)
		assert_string_equal(want.cells[j], rt_column_names[j]);
	if (res.n != want.n_rows - 1)
		fail_msg("%s: %zu windows, EpiEstim has %zu", name, res.n, want.n_rows - 1);
	for (size_t i = 0; i < res.n; i++) {
		const struct rt_row *row = &res.rows[i];
		double got[RT_COLUMNS - 2] = {row->mean, row->sd};
		memcpy(got + 2, row->q, sizeof row->q);
		if (row->t_start != (uint32_t)num(cell(&want, i + 1, 0)) ||
		    row->t_end != (uint32_t)num(cell(&want, i + 1, 1)))
			fail_msg("%s: window %zu is %u..%u, EpiEstim's %s..%s", name, i + 1,
				 (unsigned)row->t_start, (unsigned)row->t_end,
				 cell(&want, i + 1, 0), cell(&want, i + 1, 1));
		for (int j = 0; j < RT_COLUMNS - 2; j++) {
			double w = num(cell(&want, i + 1, j + 2));
			double e;
			if (isnan(w) != isnan(got[j]) || isnan(w) != row->na)
				fail_msg("%s: window %zu, %s: %.17g, EpiEstim %s (na %d)", name,
					 i + 1, rt_column_names[j + 2], got[j],
					 cell(&want, i + 1, j + 2), row->na);
			if (isnan(w))
				continue;
			e = rel_err(got[j], w);
			if (e > worst)
				worst = e;
			if (e > TOL)
				fail_msg("%s: window %zu (%u..%u), %s: %.17g, EpiEstim %.17g "
					 "(relative error %.3g)",
					 name, i + 1, (unsigned)row->t_start, (unsigned)row->t_end,
					 rt_column_names[j + 2], got[j], w, e);
		}
	}
	if (res.warnings != warnings_of(cell(cases, r, table_col(cases, "warnings"))))
		fail_msg("%s: warnings %#x, EpiEstim's '%s'", name, res.warnings,
			 cell(cases, r, table_col(cases, "warnings")));

	table_free(&want);
	rt_result_free(&res);
	rt_free(rt);
	free(s.local);
	free(s.imported);
	free(si);
	free(wins);
	return worst;
}

static void
test_epiestim_fixtures(void **state)
{
	struct table cases;
	double worst = 0;

	(void)state;
	table_load("cases.csv", &cases);
	assert_true(cases.n_rows >= 10);
	for (size_t r = 1; r < cases.n_rows; r++) {
		double e = run_case(&cases, r);
		if (e > worst)
			worst = e;
	}
	printf("# %zu EpiEstim cases agree; largest relative difference %.3g\n", cases.n_rows - 1,
	       worst);
	table_free(&cases);
}

static void
test_gamma_matches_r(void **state)
{
	struct table g;
	double worst_q = 0, worst_p = 0;

	(void)state;
	table_load("gamma.csv", &g);
	for (size_t i = 1; i < g.n_rows; i++) {
		double shape = num(cell(&g, i, table_col(&g, "shape")));
		double scale = num(cell(&g, i, table_col(&g, "scale")));
		double p = num(cell(&g, i, table_col(&g, "p")));
		double q = num(cell(&g, i, table_col(&g, "q")));
		double x = num(cell(&g, i, table_col(&g, "x")));
		double cdf = num(cell(&g, i, table_col(&g, "cdf")));
		double eq = rel_err(rt_gamma_quantile(p, shape, scale), q);
		double ep = rel_err(rt_gamma_cdf(x, shape, scale), cdf);
		if (eq > 1e-9 || ep > 1e-9)
			fail_msg(
			    "shape %g scale %g: qgamma(%g) %.17g vs R %.17g; pgamma(%g) %.17g vs "
			    "R %.17g",
			    shape, scale, p, rt_gamma_quantile(p, shape, scale), q, x,
			    rt_gamma_cdf(x, shape, scale), cdf);
		worst_q = fmax(worst_q, eq);
		worst_p = fmax(worst_p, ep);
	}
	printf("# gamma: %zu points; largest relative difference: quantile %.3g, cdf %.3g\n",
	       g.n_rows - 1, worst_q, worst_p);
	table_free(&g);
	assert_true(isnan(rt_gamma_quantile(0, 1, 1)));
	assert_true(isnan(rt_gamma_quantile(0.5, -1, 1)));
	assert_true(isnan(rt_gamma_cdf(1, 1, 0)));
	assert_true(rt_gamma_cdf(-1, 2, 1) == 0);
}

static void
test_discr_si_matches_epiestim(void **state)
{
	struct table d;

	(void)state;
	table_load("discr_si.csv", &d);
	for (size_t i = 1; i < d.n_rows; i++) {
		double mean = num(cell(&d, i, 0)), sd = num(cell(&d, i, 1));
		size_t k = (size_t)num(cell(&d, i, 2));
		double want = num(cell(&d, i, 3));
		double w[61];
		struct fk_error err = {0};
		assert_true(k <= 60);
		assert_int_equal(rt_discr_si(mean, sd, k + 1, w, &err), 0);
		/* the tails are differences of k * CDF with CDFs near 1: a last-bit
		 * difference of a CDF moves w_k by ~k * 1e-16, so absolute there */
		if (fabs(w[k] - want) > 1e-14 * (double)(k + 1) && rel_err(w[k], want) > 1e-9)
			fail_msg("discr_si(%zu, %g, %g) = %.17g, EpiEstim %.17g", k, mean, sd, w[k],
				 want);
	}
	table_free(&d);
}

/* ---- reuse and invariants ------------------------------------------------ */

static void
test_reuse_matches_fresh(void **state)
{
	static const size_t lengths[] = {300, 20, 8, 365, 40, 300};
	struct rt_config cfg;
	struct fk_error err = {0};
	struct rt_result shared = {0};
	int64_t series[365];
	rt_t *rt = NULL;

	(void)state;
	for (size_t t = 0; t < 365; t++)
		series[t] = (int64_t)((t * 7919) % 97) + (t > 100 && t < 150 ? 30000 : 0);
	rt_config_init(&cfg);
	cfg.si_mean = 7.5;
	cfg.si_sd = 3.4;
	assert_int_equal(rt_new(&cfg, &rt, &err), 0);
	for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
		struct rt_result fresh = {0};
		rt_t *one = NULL;
		/* start the series at different days */
		const int64_t *s = series + (365 - lengths[i]) / 2;
		assert_int_equal(rt_new(&cfg, &one, &err), 0);
		assert_int_equal(rt_estimate(rt, s, NULL, lengths[i], &shared, &err), 0);
		assert_int_equal(rt_estimate(one, s, NULL, lengths[i], &fresh, &err), 0);
		assert_int_equal(shared.n, lengths[i] - 7);
		assert_int_equal(fresh.n, shared.n);
		for (size_t w = 0; w < shared.n; w++) {
			const struct rt_row *row = &shared.rows[w], *f = &fresh.rows[w];
			assert_int_equal(row->t_start, f->t_start);
			assert_int_equal(row->t_end, f->t_end);
			assert_true(row->mean == f->mean && row->sd == f->sd);
			assert_memory_equal(row->q, f->q, sizeof row->q);
			assert_false(row->na); /* t_end >= 8 > 7.5 */
			assert_true(row->mean > 0 && row->sd > 0);
			for (int j = 1; j < RT_QUANTILES; j++)
				assert_true(row->q[j - 1] < row->q[j]);
		}
		rt_result_free(&fresh);
		rt_free(one);
	}
	rt_result_free(&shared);
	rt_free(rt);
}

/* A series with no case before day 11: Lambda is 0 there, and the
 * posterior is the prior (mean 5, sd 5) -- by hand, not from R. */
static void
test_no_infectivity_gives_prior(void **state)
{
	int64_t s[20] = {0};
	struct rt_config cfg;
	struct rt_result res = {0};
	struct fk_error err = {0};
	rt_t *rt = NULL;

	(void)state;
	s[10] = 3;
	rt_config_init(&cfg);
	cfg.si_mean = 2.6;
	cfg.si_sd = 1.5;
	assert_int_equal(rt_new(&cfg, &rt, &err), 0);
	assert_int_equal(rt_estimate(rt, s, NULL, 20, &res, &err), 0);
	assert_false(res.rows[0].na);
	assert_true(fabs(res.rows[0].mean - 5.0) < 1e-12);
	assert_true(fabs(res.rows[0].sd - 5.0) < 1e-12);
	/* median of an exponential with mean 5 */
	assert_true(fabs(res.rows[0].q[3] - 5.0 * log(2.0)) < 1e-12);
	assert_true(res.warnings & RT_WARN_TOO_EARLY);
	rt_result_free(&res);
	rt_free(rt);
}

/* ---- bad input -------------------------------------------------------------- */

static void
expect_new_error(const struct rt_config *cfg, const char *field)
{
	struct fk_error err = {0};
	rt_t *rt = (rt_t *)1;
	assert_int_equal(rt_new(cfg, &rt, &err), FK_EINVAL);
	assert_null(rt);
	assert_string_equal(err.field, field);
	assert_true(err.message[0] != '\0');
}

static void
test_bad_config(void **state)
{
	static const double no_zero[] = {0.1, 0.4, 0.5};
	static const double not_one[] = {0, 0.4, 0.5};
	static const double negative[] = {0, 1.5, -0.5};
	static const double nearly[] = {0, 0.4, 0.6 + 5e-7};
	struct rt_window bad_start[] = {{1, 7}}, reversed[] = {{5, 4}}, ok[] = {{2, 9}};
	struct rt_config cfg;
	struct fk_error err = {0};
	rt_t *rt = NULL;

	(void)state;
	rt_config_init(&cfg);
	expect_new_error(&cfg, "si_mean"); /* no serial interval */
	cfg.si_mean = 1.0;
	cfg.si_sd = 1;
	expect_new_error(&cfg, "si_mean"); /* EpiEstim: mean > 1 */
	cfg.si_mean = 0.5;
	expect_new_error(&cfg, "si_mean");
	cfg.si_mean = NAN;
	expect_new_error(&cfg, "si_mean");
	cfg.si_mean = 4;
	cfg.si_sd = 0;
	expect_new_error(&cfg, "si_sd");
	cfg.si_sd = 2;
	cfg.prior_mean = 0;
	expect_new_error(&cfg, "prior_mean");
	cfg.prior_mean = 5;
	cfg.prior_sd = -1;
	expect_new_error(&cfg, "prior_sd");
	cfg.prior_sd = 5;
	cfg.window = 0;
	expect_new_error(&cfg, "window");
	cfg.window = 7;

	cfg.si_distr = no_zero;
	cfg.si_len = 3;
	expect_new_error(&cfg, "si_distr");
	cfg.si_distr = not_one;
	expect_new_error(&cfg, "si_distr");
	cfg.si_distr = negative;
	expect_new_error(&cfg, "si_distr");
	cfg.si_distr = nearly; /* within 1e-6 */
	assert_int_equal(rt_new(&cfg, &rt, &err), 0);
	rt_free(rt);
	cfg.si_len = 0;
	expect_new_error(&cfg, "si_distr");
	cfg.si_distr = NULL;

	cfg.windows = bad_start;
	cfg.n_windows = 1;
	expect_new_error(&cfg, "t_start");
	cfg.windows = reversed;
	expect_new_error(&cfg, "t_end");
	cfg.windows = ok;
	cfg.n_windows = 0;
	expect_new_error(&cfg, "t_start");
}

static void
expect_estimate_error(rt_t *rt, const int64_t *local, const int64_t *imported, size_t days,
		      const char *field, const char *in_message)
{
	struct rt_result res = {0};
	struct fk_error err = {0};
	assert_int_equal(rt_estimate(rt, local, imported, days, &res, &err), FK_EINVAL);
	assert_string_equal(err.field, field);
	if (strstr(err.message, in_message) == NULL)
		fail_msg("message '%s' lacks '%s'", err.message, in_message);
	assert_int_equal(res.n, 0);
	rt_result_free(&res);
}

static void
test_bad_series(void **state)
{
	int64_t s[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	int64_t m[10] = {0};
	struct rt_window beyond[] = {{2, 8}, {3, 11}};
	struct rt_config cfg;
	struct fk_error err = {0};
	rt_t *rt = NULL, *rtw = NULL;

	(void)state;
	rt_config_init(&cfg);
	cfg.si_mean = 3;
	cfg.si_sd = 2;
	assert_int_equal(rt_new(&cfg, &rt, &err), 0);
	expect_estimate_error(rt, s, NULL, 0, "I", "empty");
	s[4] = -1;
	expect_estimate_error(rt, s, NULL, 10, "I", "day 5");
	s[4] = 5;
	m[6] = -2;
	expect_estimate_error(rt, s, m, 10, "imported", "day 7");
	m[6] = 0;
	s[2] = RT_COUNT_MAX + 1;
	expect_estimate_error(rt, s, m, 10, "local", "day 3");
	s[2] = 3;
	/* 7-day windows from day 2 need 8 days */
	expect_estimate_error(rt, s, NULL, 7, "window", "at least 8");
	expect_estimate_error(rt, s, NULL, 1, "window", "at least 8");

	cfg.windows = beyond;
	cfg.n_windows = 2;
	assert_int_equal(rt_new(&cfg, &rtw, &err), 0);
	expect_estimate_error(rtw, s, NULL, 10, "t_end", "window 2");
	rt_free(rtw);
	rt_free(rt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_epiestim_fixtures),
	    cmocka_unit_test(test_gamma_matches_r),
	    cmocka_unit_test(test_discr_si_matches_epiestim),
	    cmocka_unit_test(test_reuse_matches_fresh),
	    cmocka_unit_test(test_no_infectivity_gives_prior),
	    cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_bad_series),
	};
	gsl_set_error_handler_off();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_seir.c -- unit tests for analytics/seir: the SEIR model, its fit
 * and its forecasts.
 *
 *   - seir_solve() agrees with R's deSolve (tests/fixtures/seir, made by
 *     make_seir.R) to 1e-6 relative on every compartment and day of
 *     seven parameter sets, with and without change points (one at a
 *     fractional day); S + E + I + R = N on every day; nothing negative;
 *   - every bad parameter is refused with the parameter named;
 *   - the fit recovers beta before and after a change point, and the
 *     seed, from series simulated by the model itself (Poisson and
 *     negative binomial noise, daily counts or counts with gaps), within
 *     a few standard errors;
 *   - 95% forecast intervals hold the simulated future most of the time,
 *     and a forecast is the same for the same seed;
 *   - Wuhan (420100) in ../shared/data: daily new confirmed from
 *     cumulative counts, 2020-01-10..02-20 with the 01-20..22 gap folded
 *     into 01-23, lockdown on 01-23: transmission falls; allowing a
 *     14-day report delay R falls below 1 and the forecast intervals
 *     hold the 14 real days that followed (skipped if the data are not
 *     beside the repository).
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

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "analytics/seir.h"
#include "core/date.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- paths ------------------------------------------------------------ */

/* The repository root, from this file's path (CMake compiles it by
 * its absolute path). */
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

/* ---- agreement with deSolve -------------------------------------------- */

struct fixture_set {
	char name[64];
	struct seir_params p;
	int days;
	double e0, i0;
};

static int
read_sets(struct fixture_set *sets, int max)
{
	char path[1200], line[1024];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof path, "%s/tests/fixtures/seir/cases.csv", repo_root());
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	if (fgets(line, sizeof line, f) == NULL ||
	    strcmp(line, "name,population,beta,sigma,gamma,days,e0,i0,changes\n") != 0)
		fail_msg("%s: unexpected header", path);
	while (fgets(line, sizeof line, f) && n < max) {
		struct fixture_set *s = &sets[n];
		char *rest = line, *field[9];
		memset(s, 0, sizeof *s);
		line[strcspn(line, "\n")] = '\0';
		for (int k = 0; k < 9; k++) {
			field[k] = strsep(&rest, ",");
			if (field[k] == NULL)
				fail_msg("%s: short row %d", path, n + 2);
		}
		snprintf(s->name, sizeof s->name, "%s", field[0]);
		s->p.population = strtod(field[1], NULL);
		s->p.beta[0] = strtod(field[2], NULL);
		s->p.sigma = strtod(field[3], NULL);
		s->p.gamma = strtod(field[4], NULL);
		s->days = atoi(field[5]);
		s->e0 = strtod(field[6], NULL);
		s->i0 = strtod(field[7], NULL);
		for (char *ch = field[8], *tok; (tok = strsep(&ch, ";")) != NULL && *tok;) {
			char *colon = strchr(tok, ':');
			assert_non_null(colon);
			s->p.change[s->p.n_change] = strtod(tok, NULL);
			s->p.beta[s->p.n_change + 1] = strtod(colon + 1, NULL);
			s->p.n_change++;
		}
		n++;
	}
	fclose(f);
	return n;
}

/* Relative agreement with a tiny absolute floor for values near 0. */
static bool
agrees(double got, double want)
{
	return fabs(got - want) <= 1e-6 * fabs(want) + 1e-9;
}

static void
test_solve_matches_desolve(void **state)
{
	struct fixture_set sets[16];
	int n = read_sets(sets, 16), failures = 0;

	(void)state;
	assert_int_equal(n, 7);
	for (int k = 0; k < n; k++) {
		const struct fixture_set *s = &sets[k];
		struct seir_point *pts = calloc((size_t)s->days + 1, sizeof *pts);
		struct fk_error err = {0};
		char path[1200], line[512];
		FILE *f;
		int rows = 0;

		assert_non_null(pts);
		assert_int_equal(seir_solve(&s->p, s->e0, s->i0, s->days, pts, &err), 0);
		snprintf(path, sizeof path, "%.900s/tests/fixtures/seir/seir_%.60s.csv",
			 repo_root(), s->name);
		f = fopen(path, "r");
		if (f == NULL)
			fail_msg("cannot open %s", path);
		assert_non_null(fgets(line, sizeof line, f));
		assert_string_equal(line, "t,S,E,I,R,C\n");
		while (fgets(line, sizeof line, f)) {
			double want[6];
			char *rest = line;
			for (int c = 0; c < 6; c++)
				want[c] = strtod(strsep(&rest, ","), NULL);
			int t = (int)want[0];
			assert_int_equal(t, rows);
			assert_true(t <= s->days);
			const struct seir_point *g = &pts[t];
			double got[6] = {g->t, g->s, g->e, g->i, g->r, g->cases};
			for (int c = 1; c < 6; c++)
				if (!agrees(got[c], want[c])) {
					print_error("%s: t=%d column %d: %.17g, deSolve %.17g\n",
						    s->name, t, c, got[c], want[c]);
					failures++;
				}
			rows++;
		}
		fclose(f);
		assert_int_equal(rows, s->days + 1);
		free(pts);
	}
	assert_int_equal(failures, 0);
}

static void
test_solve_conserves_population(void **state)
{
	struct fixture_set sets[16];
	int n = read_sets(sets, 16);

	(void)state;
	for (int k = 0; k < n; k++) {
		const struct fixture_set *s = &sets[k];
		struct seir_point *pts = calloc((size_t)s->days + 1, sizeof *pts);
		struct fk_error err = {0};
		assert_non_null(pts);
		assert_int_equal(seir_solve(&s->p, s->e0, s->i0, s->days, pts, &err), 0);
		for (int t = 0; t <= s->days; t++) {
			double sum = pts[t].s + pts[t].e + pts[t].i + pts[t].r;
			if (fabs(sum - s->p.population) > 1e-9 * s->p.population)
				fail_msg("%s: t=%d S+E+I+R = %.17g, N = %.17g", s->name, t, sum,
					 s->p.population);
			assert_true(pts[t].s >= 0 && pts[t].e >= -1e-9 && pts[t].i >= -1e-9 &&
				    pts[t].r >= 0);
			/* removed + infected now = cumulative incidence + the seeds */
			assert_true(t == 0 || pts[t].s <= pts[t - 1].s);
			assert_true(pts[t].t == t);
		}
		free(pts);
	}
}

/* Nobody infected: nothing moves; a change point after the last day
 * changes nothing. */
static void
test_solve_edges(void **state)
{
	struct seir_params p = {.population = 1000, .sigma = 0.2, .gamma = 0.1, .beta = {0.5}};
	struct seir_point a[31], b[31];
	struct fk_error err = {0};

	(void)state;
	assert_int_equal(seir_solve(&p, 0, 0, 30, a, &err), 0);
	for (int t = 0; t <= 30; t++)
		assert_true(a[t].s == 1000 && a[t].e == 0 && a[t].i == 0 && a[t].r == 0);

	assert_int_equal(seir_solve(&p, 3, 2, 30, a, &err), 0);
	p.n_change = 1;
	p.change[0] = 30;
	p.beta[1] = 5;
	assert_int_equal(seir_solve(&p, 3, 2, 30, b, &err), 0);
	assert_memory_equal(a, b, sizeof a);
	p.change[0] = 1000;
	assert_int_equal(seir_solve(&p, 3, 2, 30, b, &err), 0);
	assert_memory_equal(a, b, sizeof a);

	/* the whole population infectious at once, and zero rates */
	p.n_change = 0;
	assert_int_equal(seir_solve(&p, 0, 1000, 30, a, &err), 0);
	assert_true(fabs(a[30].r + a[30].i - 1000) < 1e-6);
	p.sigma = p.gamma = p.beta[0] = 0;
	assert_int_equal(seir_solve(&p, 10, 10, 5, a, &err), 0);
	assert_true(a[5].s == 980 && a[5].e == 10 && a[5].i == 10);
}

static void
test_solve_refuses_bad_input(void **state)
{
	static const struct {
		const char *what, *field;
		double n, beta, sigma, gamma, e0, i0;
		int days;
		double change0, change1;
	} rows[] = {
	    {"N = 0", "population", 0, 0.5, 0.2, 0.1, 0, 1, 10, 0, 0},
	    {"N < 0", "population", -5, 0.5, 0.2, 0.1, 0, 1, 10, 0, 0},
	    {"N NaN", "population", NAN, 0.5, 0.2, 0.1, 0, 1, 10, 0, 0},
	    {"N inf", "population", INFINITY, 0.5, 0.2, 0.1, 0, 1, 10, 0, 0},
	    {"N huge", "population", 1e11, 0.5, 0.2, 0.1, 0, 1, 10, 0, 0},
	    {"N below one person", "population", 0.5, 0.5, 0.2, 0.1, 0, 0.1, 10, 0, 0},
	    {"N denormal", "population", 1.9115277604341727e-307, 0.5, 30, 3e-5, 0, 0, 63, 0, 0},
	    {"beta < 0", "beta", 100, -0.5, 0.2, 0.1, 0, 1, 10, 0, 0},
	    {"beta NaN", "beta", 100, NAN, 0.2, 0.1, 0, 1, 10, 0, 0},
	    {"beta huge", "beta", 100, 1e3, 0.2, 0.1, 0, 1, 10, 0, 0},
	    {"sigma < 0", "sigma", 100, 0.5, -0.2, 0.1, 0, 1, 10, 0, 0},
	    {"gamma < 0", "gamma", 100, 0.5, 0.2, -0.1, 0, 1, 10, 0, 0},
	    {"gamma inf", "gamma", 100, 0.5, 0.2, INFINITY, 0, 1, 10, 0, 0},
	    {"days 0", "days", 100, 0.5, 0.2, 0.1, 0, 1, 0, 0, 0},
	    {"days < 0", "days", 100, 0.5, 0.2, 0.1, 0, 1, -3, 0, 0},
	    {"days huge", "days", 100, 0.5, 0.2, 0.1, 0, 1, SEIR_DAYS_MAX + 1, 0, 0},
	    {"e0 < 0", "e0", 100, 0.5, 0.2, 0.1, -1, 1, 10, 0, 0},
	    {"i0 < 0", "i0", 100, 0.5, 0.2, 0.1, 0, -1, 10, 0, 0},
	    {"i0 NaN", "i0", 100, 0.5, 0.2, 0.1, 0, NAN, 10, 0, 0},
	    {"e0 + i0 > N", "i0", 100, 0.5, 0.2, 0.1, 60, 41, 10, 0, 0},
	    {"change at 0", "change", 100, 0.5, 0.2, 0.1, 0, 1, 10, 0, 5},
	    {"change < 0", "change", 100, 0.5, 0.2, 0.1, 0, 1, 10, -2, 5},
	    {"changes not increasing", "change", 100, 0.5, 0.2, 0.1, 0, 1, 10, 5, 5},
	    {"change NaN", "change", 100, 0.5, 0.2, 0.1, 0, 1, 10, NAN, 5},
	};
	/* room for any days, so that only the checks can refuse */
	struct seir_point *out = calloc(SEIR_DAYS_MAX + 2, sizeof *out);
	int failures = 0;

	(void)state;
	assert_non_null(out);
	for (size_t k = 0; k < ARRAY_LEN(rows); k++) {
		struct seir_params p = {.population = rows[k].n,
					.sigma = rows[k].sigma,
					.gamma = rows[k].gamma,
					.beta = {rows[k].beta, 0.3, 0.3}};
		struct fk_error err = {0};
		if (rows[k].change0 != 0 || rows[k].change1 != 0 || isnan(rows[k].change0)) {
			p.n_change = 2;
			p.change[0] = rows[k].change0;
			p.change[1] = rows[k].change1;
		}
		int rc = seir_solve(&p, rows[k].e0, rows[k].i0, rows[k].days, out, &err);
		if (rc != FK_EINVAL || strcmp(err.field, rows[k].field) != 0) {
			print_error("%s: rc %d field '%s' (%s), want field %s\n", rows[k].what, rc,
				    err.field, err.message, rows[k].field);
			failures++;
		}
	}
	{
		struct seir_params p = {.population = 100, .n_change = SEIR_CHANGE_MAX + 1};
		struct fk_error err = {0};
		assert_int_equal(seir_solve(&p, 0, 1, 10, out, &err), FK_EINVAL);
		assert_string_equal(err.field, "change");
	}
	{
		/* the rate after a change point is named by the change point */
		struct seir_params p = {.population = 100,
					.sigma = 0.2,
					.gamma = 0.1,
					.n_change = 2,
					.change = {3, 6},
					.beta = {0.5, 0.2, -0.1}};
		struct fk_error err = {0};
		assert_int_equal(seir_solve(&p, 0, 1, 10, out, &err), FK_EINVAL);
		assert_string_equal(err.field, "change");
		assert_non_null(strstr(err.message, "change point 2"));
	}
	free(out);
	assert_int_equal(failures, 0);
}

/* ---- synthetic series ---------------------------------------------------- */

/* The truth of the fit tests: Wuhan-like rates, a lockdown on day 20. */
#define TRUE_SIGMA (1.0 / 5.2)
#define TRUE_GAMMA (1.0 / 2.9)
#define TRUE_N 1e7
#define TRUE_BETA0 0.8
#define TRUE_BETA1 0.25
#define TRUE_CHANGE 20.0
#define TRUE_SEED 100.0
#define TRUE_SIZE 10.0

/* seir.h's seed split: X0 along the dominant mode under beta. */
static void
seed_split(double x0, double beta, double *e0, double *i0)
{
	double s = TRUE_SIGMA, g = TRUE_GAMMA;
	double r = (-(s + g) + sqrt((s - g) * (s - g) + 4 * s * beta)) / 2;
	*e0 = x0 * (r + g) / (r + g + s);
	*i0 = x0 * s / (r + g + s);
}

/* Expected daily counts mu[0..days) and simulated counts y[0..days)
 * (NB with TRUE_SIZE if nb, else Poisson) from rng. */
static void
simulate(int days, bool nb, gsl_rng *rng, double *mu, double *y)
{
	struct seir_params p = {.population = TRUE_N,
				.sigma = TRUE_SIGMA,
				.gamma = TRUE_GAMMA,
				.n_change = 1,
				.change = {TRUE_CHANGE},
				.beta = {TRUE_BETA0, TRUE_BETA1}};
	struct seir_point *pts = calloc((size_t)days + 1, sizeof *pts);
	struct fk_error err = {0};
	double e0, i0;

	assert_non_null(pts);
	seed_split(TRUE_SEED, TRUE_BETA0, &e0, &i0);
	assert_int_equal(seir_solve(&p, e0, i0, days, pts, &err), 0);
	for (int d = 0; d < days; d++) {
		mu[d] = pts[d + 1].cases - pts[d].cases;
		double lambda = nb ? gsl_ran_gamma(rng, TRUE_SIZE, mu[d] / TRUE_SIZE) : mu[d];
		y[d] = gsl_ran_poisson(rng, lambda);
	}
	free(pts);
}

static struct seir_fit_spec
synthetic_spec(const double *y, const int *day, size_t n, enum seir_family family)
{
	return (struct seir_fit_spec){.population = TRUE_N,
				      .sigma = TRUE_SIGMA,
				      .gamma = TRUE_GAMMA,
				      .reported = 1,
				      .n_change = 1,
				      .change = {TRUE_CHANGE},
				      .family = family,
				      .cases = y,
				      .day = day,
				      .n_obs = n};
}

/* est within k standard errors of truth, and within rel of it. */
static void
assert_recovers(const char *what, double est, double se, double truth, double k, double rel)
{
	if (!(isfinite(se) && fabs(est - truth) <= k * se && fabs(est - truth) <= rel * truth))
		fail_msg("%s: estimate %g (se %g), truth %g", what, est, se, truth);
}

static void
test_fit_recovers_poisson(void **state)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double mu[50], y[50], mu_fit[50];
	struct seir_fit fit;
	struct fk_error err = {0};

	(void)state;
	gsl_rng_set(rng, 20200123);
	simulate(50, false, rng, mu, y);
	struct seir_fit_spec spec = synthetic_spec(y, NULL, 50, SEIR_POISSON);
	assert_int_equal(seir_fit_run(&spec, &fit, &err), 0);
	assert_true(fit.covariance_ok);
	assert_true(fit.converged);
	assert_int_equal(fit.n_beta, 2);
	assert_int_equal(fit.n_par, 3);
	assert_recovers("beta before", fit.beta[0], fit.beta_se[0], TRUE_BETA0, 4, 0.1);
	assert_recovers("beta after", fit.beta[1], fit.beta_se[1], TRUE_BETA1, 4, 0.1);
	assert_recovers("seed", fit.seed, fit.seed_se, TRUE_SEED, 4, 0.5);
	assert_true(fit.beta_lo[1] < fit.beta[1] && fit.beta[1] < fit.beta_hi[1]);
	assert_true(fit.r0[0] > 1 && fit.r0[1] < 1);
	assert_true(fabs(fit.r0[0] - fit.beta[0] / TRUE_GAMMA) < 1e-12);
	assert_true(isnan(fit.size));
	assert_true(fabs(fit.e0 + fit.i0 - fit.seed) < 1e-9 * fit.seed);
	assert_true(fabs(fit.aic - (-2 * fit.loglik + 6)) < 1e-9);
	/* The maximum is a maximum: the truth is no more likely. */
	assert_int_equal(seir_fit_expected(&spec, &fit, mu_fit, &err), 0);
	double ll_fit = 0, ll_true = 0;
	for (int d = 0; d < 50; d++) {
		ll_fit += y[d] * log(mu_fit[d]) - mu_fit[d] - lgamma(y[d] + 1);
		ll_true += y[d] * log(mu[d]) - mu[d] - lgamma(y[d] + 1);
	}
	assert_true(fabs(ll_fit - fit.loglik) < 1e-6 * fabs(fit.loglik));
	assert_true(ll_true <= fit.loglik + 1e-9);
	gsl_rng_free(rng);
}

static void
test_fit_recovers_nbinom(void **state)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double mu[60], y[60];
	struct seir_fit fit;
	struct fk_error err = {0};

	(void)state;
	gsl_rng_set(rng, 7);
	simulate(60, true, rng, mu, y);
	struct seir_fit_spec spec = synthetic_spec(y, NULL, 60, SEIR_NBINOM);
	assert_int_equal(seir_fit_run(&spec, &fit, &err), 0);
	assert_true(fit.covariance_ok);
	assert_false(fit.size_at_bound);
	assert_int_equal(fit.n_par, 4);
	assert_recovers("beta before", fit.beta[0], fit.beta_se[0], TRUE_BETA0, 4, 0.15);
	assert_recovers("beta after", fit.beta[1], fit.beta_se[1], TRUE_BETA1, 4, 0.15);
	assert_true(fit.size_lo < TRUE_SIZE && TRUE_SIZE < fit.size_hi);
	/* overdispersion makes the Poisson fit worse by far */
	struct seir_fit pois;
	spec.family = SEIR_POISSON;
	assert_int_equal(seir_fit_run(&spec, &pois, &err), 0);
	assert_true(fit.aic < pois.aic - 10);
	/* and its standard errors too small */
	assert_true(pois.beta_se[1] < fit.beta_se[1]);
	gsl_rng_free(rng);
}

/* NB on Poisson data: no overdispersion to find, the size goes to its
 * bound and the betas match the Poisson fit's. */
static void
test_fit_nbinom_on_poisson_data(void **state)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double mu[50], y[50];
	struct seir_fit nb, pois;
	struct fk_error err = {0};

	(void)state;
	gsl_rng_set(rng, 11);
	simulate(50, false, rng, mu, y);
	struct seir_fit_spec spec = synthetic_spec(y, NULL, 50, SEIR_NBINOM);
	assert_int_equal(seir_fit_run(&spec, &nb, &err), 0);
	spec.family = SEIR_POISSON;
	assert_int_equal(seir_fit_run(&spec, &pois, &err), 0);
	assert_true(nb.size > 100);
	for (int k = 0; k < 2; k++)
		assert_true(fabs(nb.beta[k] - pois.beta[k]) < 0.02 * pois.beta[k]);
	gsl_rng_free(rng);
}

/* Days without a report: a count covers the days since the one before,
 * so summing days into one count loses little. */
static void
test_fit_counts_with_gaps(void **state)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double mu[50], y[50], yg[50];
	int day[50];
	size_t n = 0;
	struct seir_fit full, gaps;
	struct fk_error err = {0};

	(void)state;
	gsl_rng_set(rng, 3);
	simulate(50, false, rng, mu, y);
	/* drop days 10-12 and 30-31; their cases land on days 13 and 32 */
	double carry = 0;
	for (int d = 0; d < 50; d++) {
		carry += y[d];
		if ((d >= 10 && d <= 12) || d == 30 || d == 31)
			continue;
		yg[n] = carry;
		day[n] = d;
		carry = 0;
		n++;
	}
	assert_int_equal(n, 45);
	struct seir_fit_spec spec = synthetic_spec(y, NULL, 50, SEIR_POISSON);
	assert_int_equal(seir_fit_run(&spec, &full, &err), 0);
	spec = synthetic_spec(yg, day, n, SEIR_POISSON);
	assert_int_equal(seir_fit_run(&spec, &gaps, &err), 0);
	for (int k = 0; k < 2; k++) {
		assert_true(fabs(gaps.beta[k] - full.beta[k]) < full.beta_se[k]);
		assert_true(gaps.beta_se[k] >= 0.9 * full.beta_se[k]);
	}
	assert_recovers("beta after, gaps", gaps.beta[1], gaps.beta_se[1], TRUE_BETA1, 4, 0.1);

	/* the same series, shifted: reports start on day 5 */
	for (size_t j = 0; j < n; j++)
		day[j] += 5;
	spec.change[0] += 5;
	struct seir_fit shifted;
	assert_int_equal(seir_fit_run(&spec, &shifted, &err), 0);
	for (int k = 0; k < 2; k++)
		assert_true(fabs(shifted.beta[k] - gaps.beta[k]) < 1e-3 * gaps.beta[k]);
	assert_true(shifted.seed < gaps.seed); /* five more days to grow */
	gsl_rng_free(rng);
}

/* A reporting delay shifts when the change bites: counts simulated
 * with a 7-day delay are fitted well with it, badly without. */
static void
test_fit_report_delay(void **state)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double mu[50], y[50];
	struct seir_fit with, without;
	struct fk_error err = {0};

	(void)state;
	gsl_rng_set(rng, 5);
	/* With a delay of 7 days, model time 0 is report day -7: the
	 * counts of report day d are the onsets of model day d, and a
	 * change on report day 13 acts on infections from model day 20. */
	simulate(50, false, rng, mu, y);
	struct seir_fit_spec spec = synthetic_spec(y, NULL, 50, SEIR_POISSON);
	spec.change[0] = TRUE_CHANGE - 7;
	spec.report_delay = 7;
	assert_int_equal(seir_fit_run(&spec, &with, &err), 0);
	assert_recovers("beta before, delay", with.beta[0], with.beta_se[0], TRUE_BETA0, 4, 0.1);
	assert_recovers("beta after, delay", with.beta[1], with.beta_se[1], TRUE_BETA1, 4, 0.1);
	spec.report_delay = 0;
	assert_int_equal(seir_fit_run(&spec, &without, &err), 0);
	assert_true(with.loglik > without.loglik + 10);
	gsl_rng_free(rng);
}

static void
test_fit_refuses_bad_input(void **state)
{
	double y[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	int day[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	struct seir_fit fit;
	static const struct {
		const char *what, *field;
	} rows[] = {
	    {"negative count", "cases"},
	    {"fractional count", "cases"},
	    {"NaN count", "cases"},
	    {"all zero", "cases"},
	    {"too few counts", "cases"},
	    {"days not increasing", "day"},
	    {"negative day", "day"},
	    {"change after the data", "change"},
	    {"change at 0", "change"},
	    {"population 0", "population"},
	    {"sigma 0", "sigma"},
	    {"gamma negative", "gamma"},
	    {"reported 0", "reported"},
	    {"reported above 1", "reported"},
	    {"delay negative", "report_delay"},
	    {"delay too long", "report_delay"},
	    {"family", "family"},
	};
	int failures = 0;

	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(rows); k++) {
		double yy[10];
		int dd[10];
		struct fk_error err = {0};
		memcpy(yy, y, sizeof y);
		memcpy(dd, day, sizeof day);
		struct seir_fit_spec s = {.population = 1e5,
					  .sigma = 0.2,
					  .gamma = 0.3,
					  .reported = 1,
					  .n_change = 1,
					  .change = {5},
					  .family = SEIR_POISSON,
					  .cases = yy,
					  .day = dd,
					  .n_obs = 10};
		switch (k) {
		case 0: yy[3] = -1; break;
		case 1: yy[3] = 2.5; break;
		case 2: yy[3] = NAN; break;
		case 3: memset(yy, 0, sizeof yy); break;
		case 4: s.n_obs = 3; break;
		case 5: dd[4] = 3; break;
		case 6: dd[0] = -1; break;
		case 7: s.change[0] = 12; break;
		case 8: s.change[0] = 0; break;
		case 9: s.population = 0; break;
		case 10: s.sigma = 0; break;
		case 11: s.gamma = -0.1; break;
		case 12: s.reported = 0; break;
		case 13: s.reported = 1.5; break;
		case 14: s.report_delay = -1; break;
		case 15: s.report_delay = 61; break;
		case 16: s.family = (enum seir_family)7; break;
		}
		int rc = seir_fit_run(&s, &fit, &err);
		if (rc != FK_EINVAL || strcmp(err.field, rows[k].field) != 0) {
			print_error("%s: rc %d field '%s' (%s), want %s\n", rows[k].what, rc,
				    err.field, err.message, rows[k].field);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* An evaluation budget stops the search early, says so, and still
 * returns the best point found; without one the search converges. */
static void
test_fit_budget(void **state)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double mu[40], y[40];
	struct seir_fit quick, full;
	struct fk_error err = {0};

	(void)state;
	gsl_rng_set(rng, 8);
	simulate(40, false, rng, mu, y);
	struct seir_fit_spec spec = synthetic_spec(y, NULL, 40, SEIR_POISSON);
	spec.max_evaluations = 20;
	assert_int_equal(seir_fit_run(&spec, &quick, &err), 0);
	assert_false(quick.converged);
	assert_true(quick.evaluations < 80); /* 20, a last simplex step, the Hessian */
	spec.max_evaluations = 0;
	assert_int_equal(seir_fit_run(&spec, &full, &err), 0);
	assert_true(full.converged);
	assert_true(full.evaluations > quick.evaluations);
	assert_true(full.loglik >= quick.loglik);
	assert_true(isfinite(quick.loglik) && quick.beta[0] > 0 && quick.beta[1] > 0);
	gsl_rng_free(rng);
}

/* ---- forecasts ------------------------------------------------------------ */

/* Fit 40 days, forecast 14, and count how often the simulated future
 * (the same realisation) falls in the 95% prediction interval, and the
 * true mean in the interval of the mean. */
static void
test_forecast_intervals_cover_the_truth(void **state)
{
	enum { FIT_DAYS = 40, HORIZON = 14, RUNS = 8 };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int inside = 0, mean_inside = 0, total = 0;

	(void)state;
	gsl_rng_set(rng, 2020);
	for (int run = 0; run < RUNS; run++) {
		double mu[FIT_DAYS + HORIZON], y[FIT_DAYS + HORIZON];
		struct seir_forecast_day fc[HORIZON];
		struct seir_fit fit;
		struct fk_error err = {0};
		bool nb = run % 2 == 1;
		simulate(FIT_DAYS + HORIZON, nb, rng, mu, y);
		struct seir_fit_spec spec =
		    synthetic_spec(y, NULL, FIT_DAYS, nb ? SEIR_NBINOM : SEIR_POISSON);
		struct seir_forecast_spec fs = {
		    .horizon = HORIZON, .draws = 1000, .seed = (uint64_t)run + 1, .level = 0.95};
		assert_int_equal(seir_fit_run(&spec, &fit, &err), 0);
		assert_int_equal(seir_forecast(&spec, &fit, &fs, fc, &err), 0);
		for (int d = 0; d < HORIZON; d++) {
			double truth = y[FIT_DAYS + d];
			assert_int_equal(fc[d].day, FIT_DAYS + d);
			assert_true(fc[d].lower <= fc[d].median && fc[d].median <= fc[d].upper);
			assert_true(fc[d].expected_lower <= fc[d].expected &&
				    fc[d].expected <= fc[d].expected_upper);
			assert_true(fc[d].lower <= fc[d].expected_lower + 1 &&
				    fc[d].expected_upper <= fc[d].upper + 1);
			inside += truth >= fc[d].lower && truth <= fc[d].upper;
			mean_inside += mu[FIT_DAYS + d] >= fc[d].expected_lower &&
				       mu[FIT_DAYS + d] <= fc[d].expected_upper;
			total++;
		}
	}
	print_message("forecast: %d of %d counts in the 95%% prediction interval, "
		      "%d of %d means in the interval of the mean\n",
		      inside, total, mean_inside, total);
	assert_true(inside >= 0.85 * total);
	assert_true(mean_inside >= 0.6 * total);
	gsl_rng_free(rng);
}

static void
test_forecast_is_reproducible(void **state)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double mu[40], y[40];
	struct seir_forecast_day a[10], b[10], c[10];
	struct seir_fit fit;
	struct fk_error err = {0};

	(void)state;
	gsl_rng_set(rng, 99);
	simulate(40, true, rng, mu, y);
	struct seir_fit_spec spec = synthetic_spec(y, NULL, 40, SEIR_NBINOM);
	struct seir_forecast_spec fs = {.horizon = 10, .draws = 500, .seed = 42, .level = 0.9};
	assert_int_equal(seir_fit_run(&spec, &fit, &err), 0);
	assert_int_equal(seir_forecast(&spec, &fit, &fs, a, &err), 0);
	assert_int_equal(seir_forecast(&spec, &fit, &fs, b, &err), 0);
	assert_memory_equal(a, b, sizeof a);
	fs.seed = 43;
	assert_int_equal(seir_forecast(&spec, &fit, &fs, c, &err), 0);
	assert_memory_not_equal(a, c, sizeof a);
	for (int d = 0; d < 10; d++)
		assert_true(a[d].expected == c[d].expected);

	/* bad settings, named */
	static const char *fields[] = {"horizon", "horizon", "draws", "level", "level"};
	for (size_t k = 0; k < ARRAY_LEN(fields); k++) {
		struct seir_forecast_spec bad = fs;
		struct fk_error e = {0};
		switch (k) {
		case 0: bad.horizon = 0; break;
		case 1: bad.horizon = SEIR_HORIZON_MAX + 1; break;
		case 2: bad.draws = 10; break;
		case 3: bad.level = 1; break;
		case 4: bad.level = NAN; break;
		}
		assert_int_equal(seir_forecast(&spec, &fit, &bad, a, &e), FK_EINVAL);
		assert_string_equal(e.field, fields[k]);
	}
	/* a fit of another model */
	spec.n_change = 0;
	assert_int_equal(seir_forecast(&spec, &fit, &fs, a, &err), FK_EINVAL);
	gsl_rng_free(rng);
}

/* ---- Wuhan ---------------------------------------------------------------- */

static void
test_fit_wuhan_lockdown(void **state)
{
	char path[1200], line[512];
	int32_t first = 0, last = 0, lockdown = 0, prev_date = 0, future_end = 0;
	double prev_cum = -1, y[64], future[14];
	int day[64], n = 0, gap_days = 0, n_future = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof path, "%s/../shared/data/china_city_daily_2020.csv", repo_root());
	f = fopen(path, "r");
	if (f == NULL) {
		print_message("skipped: %s is not there\n", path);
		skip();
	}
	assert_int_equal(date_parse("2020-01-10", &first), 0);
	assert_int_equal(date_parse("2020-02-20", &last), 0);
	assert_int_equal(date_parse("2020-01-23", &lockdown), 0);
	assert_int_equal(date_parse("2020-03-05", &future_end), 0);
	assert_non_null(fgets(line, sizeof line, f));
	assert_true(strncmp(line,
			    "date,province_code,city_code,city,kind,prefecture_code,"
			    "confirmed,",
			    63) == 0);
	while (fgets(line, sizeof line, f)) {
		char *rest = line, *field[7];
		int32_t d;
		for (int k = 0; k < 7; k++)
			field[k] = strsep(&rest, ",");
		if (field[6] == NULL || strcmp(field[2], "420100") != 0 ||
		    strcmp(field[4], "prefecture") != 0)
			continue;
		assert_int_equal(date_parse(field[0], &d), 0);
		if (d < first || d > future_end)
			continue;
		double cum = strtod(field[6], NULL);
		if (d > last) {
			/* the 14 days after: what a forecast should hold */
			assert_true(n_future < 14 && d == prev_date + 1);
			future[n_future++] = fmax(cum - prev_cum, 0);
		} else if (prev_cum >= 0) {
			assert_true(n < 64);
			gap_days += d - prev_date - 1;
			/* the count covers the days since the row before;
			 * day 0 is 2020-01-10, the first cumulative */
			y[n] = fmax(cum - prev_cum, 0);
			day[n] = d - first;
			n++;
		}
		prev_cum = cum;
		prev_date = d;
	}
	fclose(f);
	/* The data's known gap (README: no row on 2020-01-20..22). */
	assert_int_equal(gap_days, 3);
	assert_int_equal(n, 38);
	assert_int_equal(n_future, 14);
	assert_int_equal(day[9], 13); /* 2020-01-23 */
	assert_true(y[9] == 495 - 198);

	struct seir_fit_spec spec = {.population = 12326518, /* 2020 census */
				     .sigma = 1 / 5.2,
				     .gamma = 1 / 2.9,
				     .reported = 1,
				     .n_change = 1,
				     .change = {lockdown - first},
				     .family = SEIR_NBINOM,
				     .cases = y,
				     .day = day,
				     .n_obs = (size_t)n};
	static const int delays[] = {0, 7, 14};
	double r_after[3];
	for (size_t k = 0; k < ARRAY_LEN(delays); k++) {
		struct seir_fit fit;
		struct seir_forecast_day fc[14];
		struct seir_forecast_spec fs = {
		    .horizon = 14, .draws = 2000, .seed = 1, .level = 0.95};
		struct fk_error err = {0};
		int held = 0;
		spec.report_delay = delays[k];
		assert_int_equal(seir_fit_run(&spec, &fit, &err), 0);
		assert_int_equal(seir_forecast(&spec, &fit, &fs, fc, &err), 0);
		for (int d = 0; d < 14; d++)
			held += future[d] >= fc[d].lower && future[d] <= fc[d].upper;
		print_message("Wuhan, NB, report delay %2d d: 02-21..03-05 (%g..%g a day) in the "
			      "95%% interval on %d of 14 days; expected %.0f on 02-21, %.0f on "
			      "03-05\n",
			      delays[k], future[0], future[13], held, fc[0].expected,
			      fc[13].expected);
		if (delays[k] == 14) {
			/* the model that puts R below 1 forecasts a decline,
			 * and the real counts lie in its intervals */
			assert_true(fc[13].expected < fc[0].expected);
			assert_int_equal(held, 14);
		}
		print_message("Wuhan, NB, report delay %2d d: R0 before %.2f [%.2f, %.2f], "
			      "after %.2f [%.2f, %.2f], size %.2f, loglik %.2f\n",
			      delays[k], fit.r0[0], fit.r0_lo[0], fit.r0_hi[0], fit.r0[1],
			      fit.r0_lo[1], fit.r0_hi[1], fit.size, fit.loglik);
		assert_true(fit.covariance_ok);
		assert_true(fit.converged);
		/* Transmission fell with the lockdown, whatever the delay. */
		assert_true(fit.beta[1] < fit.beta[0]);
		assert_true(fit.r0_hi[1] < fit.r0_lo[0]);
		assert_true(fit.r0[0] > 1);
		/* Counts far more dispersed than Poisson (the 13,436 of
		 * 2020-02-13, the 0 of 02-07). */
		assert_true(fit.size < 5);
		r_after[k] = fit.r0[1];
	}
	/* Reports lag infection: the longer the delay allowed, the sooner
	 * the lockdown shows, the lower R after it.  Without a delay R0
	 * after stays above 1 (cases rose into February); with 14 days
	 * it is below 1. */
	assert_true(r_after[0] > r_after[1] && r_after[1] > r_after[2]);
	assert_true(r_after[0] > 1 && r_after[2] < 1);

	/* Poisson: the same direction, with intervals far too narrow. */
	struct seir_fit pois;
	struct fk_error err = {0};
	spec.family = SEIR_POISSON;
	spec.report_delay = 0;
	assert_int_equal(seir_fit_run(&spec, &pois, &err), 0);
	print_message("Wuhan, Poisson: R0 before %.2f, after %.2f [%.3f, %.3f]\n", pois.r0[0],
		      pois.r0[1], pois.r0_lo[1], pois.r0_hi[1]);
	assert_true(pois.beta[1] < pois.beta[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_solve_matches_desolve),
	    cmocka_unit_test(test_solve_conserves_population),
	    cmocka_unit_test(test_solve_edges),
	    cmocka_unit_test(test_solve_refuses_bad_input),
	    cmocka_unit_test(test_fit_recovers_poisson),
	    cmocka_unit_test(test_fit_recovers_nbinom),
	    cmocka_unit_test(test_fit_nbinom_on_poisson_data),
	    cmocka_unit_test(test_fit_counts_with_gaps),
	    cmocka_unit_test(test_fit_report_delay),
	    cmocka_unit_test(test_fit_refuses_bad_input),
	    cmocka_unit_test(test_fit_budget),
	    cmocka_unit_test(test_forecast_intervals_cover_the_truth),
	    cmocka_unit_test(test_forecast_is_reproducible),
	    cmocka_unit_test(test_fit_wuhan_lockdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * seir.c -- analytics layer: the SEIR model of seir.h -- solving it with
 * gsl_odeiv2 (rk8pd), fitting it by maximum likelihood with
 * gsl_multimin (Nelder-Mead) and forecasting by simulation.
 *
 * Layout of the state vector: y = (S, E, I, R, C), C the cumulative
 * incidence (integral of sigma E), from which a day's new infectious
 * people are C(d + 1) - C(d) exactly rather than by summing samples.
 *
 * The fit works on log parameters theta = (log beta[0..n_beta),
 * log X0, [log size]) so that every value NM tries is positive; values
 * outside the plausible box (beta above SEIR_RATE_MAX, X0 above N / 2)
 * get a penalty instead of a solve.
 */
#include "seir.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_vector.h>

/* Integrator accuracy (people are the unit of the absolute one). */
#define ODE_EPS_REL 1e-10
#define ODE_EPS_ABS 1e-10
#define ODE_H_START 1e-2

/* The NB size is capped here: beyond it the NB is a Poisson to
 * within rounding for any count a region reports. */
#define SIZE_MAX_NB 1e7
#define SIZE_MIN_NB 1e-3
#define BETA_MIN 1e-8
#define SEED_MIN 1e-8
/* Objective value for parameters outside the box or a failed solve. */
#define PENALTY 1e300
/* Step of the numerical Hessian, in log parameters.  The likelihood
 * carries ~1e-10 relative noise from the integrator, so steps much
 * smaller than this would differentiate noise. */
#define HESS_STEP 1e-3
#define NM_SIZE_TOL 1e-8
#define NM_ITER_MAX 5000
#define NM_RESTARTS 12
#define DELAY_MAX 60
#define Z95 1.959963984540054

enum { Y_S, Y_E, Y_I, Y_R, Y_C, Y_DIM };

/* ---- the ODE ---------------------------------------------------------- */

struct model {
	double n;     /* population */
	double sigma; /* per day */
	double gamma; /* per day */
	double beta;  /* of the current segment */
};

static int
rhs(double t, const double y[], double dydt[], void *params)
{
	const struct model *m = params;
	double infection = m->beta * y[Y_S] * y[Y_I] / m->n;
	double onset = m->sigma * y[Y_E];
	double removal = m->gamma * y[Y_I];

	(void)t;
	dydt[Y_S] = -infection;
	dydt[Y_E] = infection - onset;
	dydt[Y_I] = onset - removal;
	dydt[Y_R] = removal;
	dydt[Y_C] = onset;
	return GSL_SUCCESS;
}

/* A driver bound to a model; the model's beta is changed between
 * segments, so the struct must not move while the driver lives. */
struct solver {
	struct model m;
	gsl_odeiv2_system sys;
	gsl_odeiv2_driver *drv;
};

static int
solver_init(struct solver *sv, double n, double sigma, double gamma)
{
	sv->m = (struct model){.n = n, .sigma = sigma, .gamma = gamma, .beta = 0};
	sv->sys = (gsl_odeiv2_system){
	    .function = rhs, .jacobian = NULL, .dimension = Y_DIM, .params = &sv->m};
	sv->drv = gsl_odeiv2_driver_alloc_y_new(&sv->sys, gsl_odeiv2_step_rk8pd, ODE_H_START,
						ODE_EPS_ABS, ODE_EPS_REL);
	return sv->drv ? 0 : FK_ENOMEM;
}

static void
solver_free(struct solver *sv)
{
	if (sv->drv)
		gsl_odeiv2_driver_free(sv->drv);
	sv->drv = NULL;
}

/*
 * Integrate y (the state at t = 0) to t = days under beta[0..n_change]
 * switching at change[0..n_change), storing the state at every whole
 * day into pts[0..days] and/or C into cum[0..days] (either may be
 * NULL).  The driver restarts at every change point (no step straddles
 * a jump of beta) and from the same first step every call (so the
 * same parameters give the same bits, which Nelder-Mead relies on).
 * Returns 0 or FK_EIO.
 */
static int
integrate(struct solver *sv, const double *beta, const double *change, size_t n_change,
	  double y[Y_DIM], int days, struct seir_point *pts, double *cum)
{
	double t = 0;
	size_t seg = 0;

	sv->m.beta = beta[0];
	if (gsl_odeiv2_driver_reset_hstart(sv->drv, ODE_H_START) != GSL_SUCCESS)
		return FK_EIO;
	for (int d = 0; d <= days; d++) {
		while (seg < n_change && change[seg] < d) {
			if (gsl_odeiv2_driver_apply(sv->drv, &t, change[seg], y) != GSL_SUCCESS)
				return FK_EIO;
			seg++;
			sv->m.beta = beta[seg];
			if (gsl_odeiv2_driver_reset(sv->drv) != GSL_SUCCESS)
				return FK_EIO;
		}
		if (d > 0 && gsl_odeiv2_driver_apply(sv->drv, &t, (double)d, y) != GSL_SUCCESS)
			return FK_EIO;
		for (int k = 0; k < Y_DIM; k++)
			if (!isfinite(y[k]))
				return FK_EIO;
		if (pts)
			pts[d] = (struct seir_point){.t = d,
						     .s = y[Y_S],
						     .e = y[Y_E],
						     .i = y[Y_I],
						     .r = y[Y_R],
						     .cases = y[Y_C]};
		if (cum)
			cum[d] = y[Y_C];
	}
	return 0;
}

/* ---- validation ------------------------------------------------------- */

static int
check_rate(double v, const char *field, struct fk_error *err)
{
	if (!isfinite(v) || v < 0 || v > SEIR_RATE_MAX)
		return fk_error_set(err, FK_EINVAL, field,
				    "must be a rate per day from 0 to %g, not %g", SEIR_RATE_MAX,
				    v);
	return 0;
}

static int
check_population(double n, struct fk_error *err)
{
	/* at least one person: a population of 1e-307 makes every state a
	 * denormal that the integrator cannot step (found by the fuzzer) */
	if (!isfinite(n) || n < SEIR_POPULATION_MIN || n > SEIR_POPULATION_MAX)
		return fk_error_set(err, FK_EINVAL, "population",
				    "must be a number of people from %g to %g, not %g",
				    SEIR_POPULATION_MIN, SEIR_POPULATION_MAX, n);
	return 0;
}

static int
check_changes(const double *change, size_t n_change, struct fk_error *err)
{
	if (n_change > SEIR_CHANGE_MAX)
		return fk_error_set(err, FK_EINVAL, "change", "at most %d change points, not %zu",
				    SEIR_CHANGE_MAX, n_change);
	for (size_t k = 0; k < n_change; k++) {
		if (!isfinite(change[k]) || change[k] <= 0 || change[k] > 1e6)
			return fk_error_set(err, FK_EINVAL, "change",
					    "change point %zu must be a day after 0, not %g", k + 1,
					    change[k]);
		if (k > 0 && change[k] <= change[k - 1])
			return fk_error_set(err, FK_EINVAL, "change",
					    "change points must increase (%g after %g)", change[k],
					    change[k - 1]);
	}
	return 0;
}

static int
check_params(const struct seir_params *p, struct fk_error *err)
{
	int rc;

	if ((rc = check_population(p->population, err)) ||
	    (rc = check_rate(p->sigma, "sigma", err)) ||
	    (rc = check_rate(p->gamma, "gamma", err)) ||
	    (rc = check_changes(p->change, p->n_change, err)))
		return rc;
	if ((rc = check_rate(p->beta[0], "beta", err)))
		return rc;
	for (size_t k = 1; k <= p->n_change; k++)
		if (!isfinite(p->beta[k]) || p->beta[k] < 0 || p->beta[k] > SEIR_RATE_MAX)
			return fk_error_set(
			    err, FK_EINVAL, "change",
			    "the transmission rate from change point %zu must be from 0 "
			    "to %g per day, not %g",
			    k, SEIR_RATE_MAX, p->beta[k]);
	return 0;
}

/* ---- solve ------------------------------------------------------------- */

int
seir_solve(const struct seir_params *p, double e0, double i0, int days, struct seir_point *out,
	   struct fk_error *err)
{
	struct solver sv = {0};
	double y[Y_DIM];
	int rc;

	gsl_set_error_handler_off();
	if (p == NULL || out == NULL)
		return fk_error_set(err, FK_EINVAL, "", "no parameters or no output");
	if ((rc = check_params(p, err)))
		return rc;
	if (days < 1 || days > SEIR_DAYS_MAX)
		return fk_error_set(err, FK_EINVAL, "days", "must be a whole number from 1 to %d",
				    SEIR_DAYS_MAX);
	if (!isfinite(e0) || e0 < 0)
		return fk_error_set(err, FK_EINVAL, "e0", "must be a number of people >= 0");
	if (!isfinite(i0) || i0 < 0)
		return fk_error_set(err, FK_EINVAL, "i0", "must be a number of people >= 0");
	if (e0 + i0 > p->population)
		return fk_error_set(err, FK_EINVAL, "i0",
				    "e0 + i0 (%g) must not exceed the population (%g)", e0 + i0,
				    p->population);
	if ((rc = solver_init(&sv, p->population, p->sigma, p->gamma)))
		return fk_error_set(err, rc, "", "out of memory");
	y[Y_S] = p->population - e0 - i0;
	y[Y_E] = e0;
	y[Y_I] = i0;
	y[Y_R] = 0;
	y[Y_C] = 0;
	rc = integrate(&sv, p->beta, p->change, p->n_change, y, days, out, NULL);
	if (rc)
		fk_error_set(err, rc, "", "the ODE integrator failed");
	solver_free(&sv);
	return rc;
}

/* ---- fit -------------------------------------------------------------- */

static int
check_fit_spec(const struct seir_fit_spec *s, struct fk_error *err)
{
	int rc;

	if (s == NULL)
		return fk_error_set(err, FK_EINVAL, "", "no fit specification");
	if ((rc = check_population(s->population, err)) ||
	    (rc = check_rate(s->sigma, "sigma", err)) ||
	    (rc = check_rate(s->gamma, "gamma", err)) ||
	    (rc = check_changes(s->change, s->n_change, err)))
		return rc;
	if (s->sigma <= 0 || s->gamma <= 0)
		return fk_error_set(err, FK_EINVAL, s->sigma <= 0 ? "sigma" : "gamma",
				    "must be above 0 for a fit");
	if (!isfinite(s->reported) || s->reported <= 0 || s->reported > 1)
		return fk_error_set(err, FK_EINVAL, "reported",
				    "the reported fraction must be above 0 and at most 1");
	if (s->report_delay < 0 || s->report_delay > DELAY_MAX)
		return fk_error_set(err, FK_EINVAL, "report_delay", "must be 0 to %d days",
				    DELAY_MAX);
	if (s->family != SEIR_POISSON && s->family != SEIR_NBINOM)
		return fk_error_set(err, FK_EINVAL, "family", "must be poisson or nbinom");
	if (s->cases == NULL || s->n_obs < s->n_change + 3)
		return fk_error_set(err, FK_EINVAL, "cases",
				    "needs at least %zu counts for %zu change points",
				    s->n_change + 3, s->n_change);
	if (s->n_obs > SEIR_DAYS_MAX)
		return fk_error_set(err, FK_EINVAL, "cases", "at most %d counts", SEIR_DAYS_MAX);
	double total = 0;
	for (size_t j = 0; j < s->n_obs; j++) {
		double y = s->cases[j];
		int day = s->day ? s->day[j] : (int)j;
		if (!isfinite(y) || y < 0 || y != floor(y) || y > 1e12)
			return fk_error_set(err, FK_EINVAL, "cases",
					    "count %zu must be a whole number >= 0, not %g", j + 1,
					    y);
		if (day < 0 || day > SEIR_DAYS_MAX - SEIR_HORIZON_MAX - DELAY_MAX - 2 ||
		    (j > 0 && day <= (s->day ? s->day[j - 1] : (int)j - 1)))
			return fk_error_set(
			    err, FK_EINVAL, "day",
			    "report day %zu (%d) must be >= 0, after the one before "
			    "and below %d",
			    j + 1, day, SEIR_DAYS_MAX - SEIR_HORIZON_MAX - DELAY_MAX - 2);
		total += y;
	}
	if (total <= 0)
		return fk_error_set(err, FK_EINVAL, "cases", "has no case at all: nothing to fit");
	for (size_t k = 0; k < s->n_change; k++)
		if (s->change[k] > (s->day ? s->day[s->n_obs - 1] : (double)s->n_obs - 1))
			return fk_error_set(err, FK_EINVAL, "change",
					    "change point %zu (day %g) is after the last count",
					    k + 1, s->change[k]);
	return 0;
}

static int
obs_day(const struct seir_fit_spec *s, size_t j)
{
	return s->day ? s->day[j] : (int)j;
}

/* Everything one likelihood evaluation needs. */
struct fit_ctx {
	const struct seir_fit_spec *spec;
	struct solver sv;
	size_t n_beta;
	size_t n_par;
	bool nb;
	double change[SEIR_CHANGE_MAX]; /* in model time: report day + delay */
	double *cum;			/* C at model days 0..last + 1 (+ horizon) */
	double *lfact;			/* log y! */
	int days;			/* model days integrated */
	int evaluations;
	int budget;	/* evaluations allowed to the search, 0 = no limit */
	bool converged; /* of the last minimise() */
	/* A parameter held fixed (the NB size at its bound) and its value. */
	int fixed;
	double fixed_value;
};

/* Dominant growth rate of the linearised E-I system under beta. */
static double
growth_rate(double beta, double sigma, double gamma)
{
	double d = (sigma - gamma) * (sigma - gamma) + 4 * sigma * beta;
	return (-(sigma + gamma) + sqrt(d)) / 2;
}

/* Split X0 infected into E0, I0 along the dominant mode under beta. */
static void
seed_split(double x0, double beta, double sigma, double gamma, double *e0, double *i0)
{
	double a = growth_rate(beta, sigma, gamma) + gamma; /* > 0 for beta > 0 */
	if (!(a > 0))
		a = 0;
	*e0 = x0 * a / (a + sigma);
	*i0 = x0 * sigma / (a + sigma);
}

struct theta_vals {
	double beta[SEIR_CHANGE_MAX + 1];
	double seed;
	double size;
};

/* Map log parameters to values; false if outside the box. */
static bool
theta_values(const struct fit_ctx *c, const double *theta, struct theta_vals *v)
{
	for (size_t k = 0; k < c->n_beta; k++) {
		v->beta[k] = exp(theta[k]);
		if (!(v->beta[k] >= BETA_MIN && v->beta[k] <= SEIR_RATE_MAX))
			return false;
	}
	v->seed = exp(theta[c->n_beta]);
	if (!(v->seed >= SEED_MIN && v->seed <= c->spec->population / 2))
		return false;
	v->size = NAN;
	if (c->nb) {
		v->size = exp(theta[c->n_beta + 1]);
		if (!(v->size >= SIZE_MIN_NB))
			return false;
		if (!(v->size <= SIZE_MAX_NB))
			v->size = SIZE_MAX_NB; /* flat beyond the cap */
	}
	return true;
}

/* Solve under v into c->cum[0..days]; 0 or FK_EIO. */
static int
ctx_solve(struct fit_ctx *c, const struct theta_vals *v, int days)
{
	const struct seir_fit_spec *s = c->spec;
	double y[Y_DIM], e0, i0;

	seed_split(v->seed, v->beta[0], s->sigma, s->gamma, &e0, &i0);
	y[Y_S] = s->population - e0 - i0;
	y[Y_E] = e0;
	y[Y_I] = i0;
	y[Y_R] = 0;
	y[Y_C] = 0;
	return integrate(&c->sv, v->beta, c->change, s->n_change, y, days, NULL, c->cum);
}

/* Expected count of observation j from c->cum. */
static double
expected_obs(const struct fit_ctx *c, size_t j)
{
	const struct seir_fit_spec *s = c->spec;
	int end = obs_day(s, j) + 1;
	int start = j > 0 ? obs_day(s, j - 1) + 1 : end - 1;
	return s->reported * (c->cum[end] - c->cum[start]);
}

static double
log_pmf(const struct fit_ctx *c, double y, double lfact, double mu, double size)
{
	if (!(mu > 1e-300))
		mu = 1e-300;
	if (!c->nb)
		return y * log(mu) - mu - lfact;
	return gsl_sf_lnpoch(size, y) - lfact - size * log1p(mu / size) +
	       y * (log(mu) - log(size + mu));
}

/* The negative log-likelihood at theta (the multimin objective). */
static double
nll(const gsl_vector *x, void *params)
{
	struct fit_ctx *c = params;
	const struct seir_fit_spec *s = c->spec;
	double theta[SEIR_PAR_MAX];
	struct theta_vals v;
	double sum = 0;

	c->evaluations++;
	for (size_t k = 0, m = 0; k < c->n_par; k++)
		theta[k] = (int)k == c->fixed ? c->fixed_value : gsl_vector_get(x, m++);
	if (!theta_values(c, theta, &v))
		return PENALTY;
	if (ctx_solve(c, &v, c->days))
		return PENALTY;
	for (size_t j = 0; j < s->n_obs; j++)
		sum += log_pmf(c, s->cases[j], c->lfact[j], expected_obs(c, j), v.size);
	return isfinite(sum) ? -sum : PENALTY;
}

static int
ctx_init(struct fit_ctx *c, const struct seir_fit_spec *s, int extra_days)
{
	memset(c, 0, sizeof *c);
	c->spec = s;
	c->n_beta = s->n_change + 1;
	c->nb = s->family == SEIR_NBINOM;
	c->n_par = c->n_beta + 1 + (c->nb ? 1 : 0);
	c->fixed = -1;
	c->budget = s->max_evaluations > 0 ? s->max_evaluations : 0;
	for (size_t k = 0; k < s->n_change; k++)
		c->change[k] = s->change[k] + s->report_delay;
	c->days = obs_day(s, s->n_obs - 1) + 1 + extra_days;
	c->cum = malloc(sizeof(double) * (size_t)(c->days + 1));
	c->lfact = malloc(sizeof(double) * s->n_obs);
	if (c->cum == NULL || c->lfact == NULL)
		return FK_ENOMEM;
	for (size_t j = 0; j < s->n_obs; j++)
		c->lfact[j] = gsl_sf_lngamma(s->cases[j] + 1);
	return solver_init(&c->sv, s->population, s->sigma, s->gamma);
}

static void
ctx_free(struct fit_ctx *c)
{
	solver_free(&c->sv);
	free(c->cum);
	free(c->lfact);
	c->cum = c->lfact = NULL;
}

/* Least-squares slope of log(daily rate) over the counts of [from, to). */
static bool
segment_slope(const struct seir_fit_spec *s, double from, double to, double *slope)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	int n = 0;

	for (size_t j = 0; j < s->n_obs; j++) {
		int d = obs_day(s, j);
		int span = j > 0 ? d - obs_day(s, j - 1) : 1;
		if (d < from || d >= to)
			continue;
		double x = d, y = log(s->cases[j] / span + 0.5);
		sx += x, sy += y, sxx += x * x, sxy += x * y, n++;
	}
	if (n < 3 || sxx * n - sx * sx <= 0)
		return false;
	*slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
	return true;
}

/* The seed that best scales the model to the counts under theta's
 * betas: with S ~ N the expected counts are proportional to X0, so
 * solving once with X0 = 1 and matching the totals is (nearly) the
 * maximum over X0.  Sets theta's log X0. */
static void
scale_seed(struct fit_ctx *c, double *theta)
{
	const struct seir_fit_spec *s = c->spec;
	struct theta_vals v;
	double observed = 0, expected = 0, x0 = 1;

	theta[c->n_beta] = 0;
	if (theta_values(c, theta, &v) && ctx_solve(c, &v, c->days) == 0) {
		for (size_t j = 0; j < s->n_obs; j++) {
			observed += s->cases[j];
			expected += expected_obs(c, j);
		}
		if (expected > 0 && isfinite(observed / expected))
			x0 = observed / expected;
	}
	x0 = fmin(fmax(x0, 1e-6), s->population / 10);
	theta[c->n_beta] = log(x0);
}

/* Starting points for Nelder-Mead, n_start of them into starts: betas
 * from the slope of log counts per segment (beta = (r + sigma)(r +
 * gamma) / sigma solves the linearised system's characteristic
 * equation for growth rate r), then every segment at R0 = 0.7, 1.5 and
 * 3; the seed of each scaled to the counts.  A data set whose early
 * counts jump (tests becoming available) misleads the slope, and one
 * start is not enough for the likelihood surface of a delayed report. */
#define N_STARTS 4
static void
initial_thetas(struct fit_ctx *c, double starts[N_STARTS][SEIR_PAR_MAX])
{
	const struct seir_fit_spec *s = c->spec;
	static const double flat_r0[N_STARTS - 1] = {0.7, 1.5, 3.0};
	double floor_r = -0.9 * fmin(s->sigma, s->gamma);

	for (size_t k = 0; k < c->n_beta; k++) {
		double from = k == 0 ? -1e9 : s->change[k - 1];
		double to = k < s->n_change ? s->change[k] : 1e9;
		double r;
		if (!segment_slope(s, from, to, &r))
			r = k == 0 ? 0.1 : 0;
		r = fmin(fmax(r, floor_r), 1.0);
		double beta = (r + s->sigma) * (r + s->gamma) / s->sigma;
		starts[0][k] = log(fmin(fmax(beta, 1e-4), SEIR_RATE_MAX / 2));
	}
	for (int m = 1; m < N_STARTS; m++)
		for (size_t k = 0; k < c->n_beta; k++)
			starts[m][k] = log(flat_r0[m - 1] * s->gamma);
	for (int m = 0; m < N_STARTS; m++) {
		scale_seed(c, starts[m]);
		if (c->nb)
			starts[m][c->n_beta + 1] = log(5.0);
	}
}

static bool
over_budget(const struct fit_ctx *c)
{
	return c->budget > 0 && c->evaluations >= c->budget;
}

/* Minimise nll over the free parameters from theta (updated in place);
 * returns the minimum. */
static double
minimise(struct fit_ctx *c, double *theta, int *rc)
{
	const gsl_multimin_fminimizer_type *T = gsl_multimin_fminimizer_nmsimplex2;
	size_t n_free = c->n_par - (c->fixed >= 0 ? 1 : 0);
	gsl_multimin_function fn = {.f = nll, .n = n_free, .params = c};
	gsl_multimin_fminimizer *mm = gsl_multimin_fminimizer_alloc(T, n_free);
	gsl_vector *x = gsl_vector_alloc(n_free), *step = gsl_vector_alloc(n_free);
	double best = PENALTY;

	*rc = 0;
	c->converged = false;
	if (mm == NULL || x == NULL || step == NULL) {
		*rc = FK_ENOMEM;
		goto out;
	}
	for (int restart = 0; restart < NM_RESTARTS; restart++) {
		bool shrunk = false;
		for (size_t k = 0, m = 0; k < c->n_par; k++) {
			if ((int)k == c->fixed)
				continue;
			double st = k < c->n_beta ? 0.3 : 1.0;
			gsl_vector_set(x, m, theta[k]);
			gsl_vector_set(step, m, restart == 0 ? st : st / 4);
			m++;
		}
		if (gsl_multimin_fminimizer_set(mm, &fn, x, step) != GSL_SUCCESS) {
			*rc = FK_EIO;
			goto out;
		}
		/* At least one iteration: the minimiser's minimum and x are
		 * only set by iterating, not by _set(). */
		for (int it = 0; it < NM_ITER_MAX; it++) {
			if (gsl_multimin_fminimizer_iterate(mm) != GSL_SUCCESS)
				break;
			if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(mm), NM_SIZE_TOL) ==
			    GSL_SUCCESS) {
				shrunk = true;
				break;
			}
			if (over_budget(c))
				break;
		}
		double f = gsl_multimin_fminimizer_minimum(mm);
		const gsl_vector *xm = gsl_multimin_fminimizer_x(mm);
		double gain = best - f;
		if (f < best) {
			for (size_t k = 0, m = 0; k < c->n_par; k++)
				if ((int)k != c->fixed)
					theta[k] = gsl_vector_get(xm, m++);
			best = f;
		}
		if (restart > 0 && gain < 1e-9 * (1 + fabs(best))) {
			c->converged = shrunk;
			break;
		}
		if (over_budget(c))
			break;
	}
out:
	gsl_multimin_fminimizer_free(mm);
	gsl_vector_free(x);
	gsl_vector_free(step);
	return best;
}

/* f at theta with free parameters moved by the given offsets. */
static double
nll_at(struct fit_ctx *c, const double *theta, size_t a, double da, size_t b, double db)
{
	double buf[SEIR_PAR_MAX];
	gsl_vector_view v;
	size_t m = 0;

	for (size_t k = 0; k < c->n_par; k++) {
		if ((int)k == c->fixed)
			continue;
		buf[m] = theta[k] + (k == a ? da : 0) + (k == b ? db : 0);
		m++;
	}
	v = gsl_vector_view_array(buf, m);
	return nll(&v.vector, c);
}

/* Covariance of the free log parameters: the inverse of the central-
 * difference Hessian of nll.  Writes cov (n_par x n_par, NAN for the
 * fixed one); false if the Hessian is not positive definite. */
static bool
covariance(struct fit_ctx *c, const double *theta, double f0, double cov[][SEIR_PAR_MAX], int *rc)
{
	size_t n_free = c->n_par - (c->fixed >= 0 ? 1 : 0);
	size_t idx[SEIR_PAR_MAX];
	gsl_matrix *h = gsl_matrix_alloc(n_free, n_free);
	bool ok = false;
	const double st = HESS_STEP;

	*rc = 0;
	for (size_t a = 0; a < SEIR_PAR_MAX; a++)
		for (size_t b = 0; b < SEIR_PAR_MAX; b++)
			cov[a][b] = NAN;
	if (h == NULL) {
		*rc = FK_ENOMEM;
		return false;
	}
	for (size_t k = 0, m = 0; k < c->n_par; k++)
		if ((int)k != c->fixed)
			idx[m++] = k;
	for (size_t a = 0; a < n_free; a++) {
		size_t pa = idx[a];
		double fp = nll_at(c, theta, pa, st, SIZE_MAX, 0);
		double fm = nll_at(c, theta, pa, -st, SIZE_MAX, 0);
		gsl_matrix_set(h, a, a, (fp - 2 * f0 + fm) / (st * st));
		for (size_t b = 0; b < a; b++) {
			size_t pb = idx[b];
			double fpp = nll_at(c, theta, pa, st, pb, st);
			double fpm = nll_at(c, theta, pa, st, pb, -st);
			double fmp = nll_at(c, theta, pa, -st, pb, st);
			double fmm = nll_at(c, theta, pa, -st, pb, -st);
			double v = (fpp - fpm - fmp + fmm) / (4 * st * st);
			gsl_matrix_set(h, a, b, v);
			gsl_matrix_set(h, b, a, v);
		}
	}
	for (size_t a = 0; a < n_free; a++)
		for (size_t b = 0; b < n_free; b++)
			if (!isfinite(gsl_matrix_get(h, a, b)) ||
			    fabs(gsl_matrix_get(h, a, b)) >= PENALTY / 1e10)
				goto out;
	if (gsl_linalg_cholesky_decomp1(h) != GSL_SUCCESS ||
	    gsl_linalg_cholesky_invert(h) != GSL_SUCCESS)
		goto out;
	for (size_t a = 0; a < n_free; a++) {
		if (!(gsl_matrix_get(h, a, a) > 0))
			goto out;
		for (size_t b = 0; b < n_free; b++)
			cov[idx[a]][idx[b]] = gsl_matrix_get(h, a, b);
	}
	ok = true;
out:
	if (!ok)
		for (size_t a = 0; a < SEIR_PAR_MAX; a++)
			for (size_t b = 0; b < SEIR_PAR_MAX; b++)
				cov[a][b] = NAN;
	gsl_matrix_free(h);
	return ok;
}

/* Estimate, se and Wald interval of exp(theta_k). */
static void
report_param(const struct seir_fit *f, size_t k, double *est, double *se, double *lo, double *hi)
{
	double s = f->covariance_ok ? sqrt(f->cov[k][k]) : NAN;
	*est = exp(f->theta[k]);
	*se = *est * s; /* delta method */
	*lo = exp(f->theta[k] - Z95 * s);
	*hi = exp(f->theta[k] + Z95 * s);
}

int
seir_fit_run(const struct seir_fit_spec *spec, struct seir_fit *out, struct fk_error *err)
{
	struct fit_ctx c;
	double theta[SEIR_PAR_MAX] = {0};
	double starts[N_STARTS][SEIR_PAR_MAX] = {{0}};
	double best;
	int rc;

	gsl_set_error_handler_off();
	if (out == NULL)
		return fk_error_set(err, FK_EINVAL, "", "no output");
	if ((rc = check_fit_spec(spec, err)))
		return rc;
	memset(out, 0, sizeof *out);
	if ((rc = ctx_init(&c, spec, 0))) {
		fk_error_set(err, rc, "", "out of memory");
		goto out;
	}
	initial_thetas(&c, starts);
	best = PENALTY;
	for (int m = 0; m < N_STARTS && !over_budget(&c); m++) {
		double f = minimise(&c, starts[m], &rc);
		if (rc) {
			fk_error_set(err, rc, "",
				     rc == FK_ENOMEM ? "out of memory" : "minimiser failed");
			goto out;
		}
		if (f < best) {
			best = f;
			out->converged = c.converged;
			memcpy(theta, starts[m], sizeof theta);
		}
	}
	if (c.nb && theta[c.n_beta + 1] >= log(SIZE_MAX_NB)) {
		/* No overdispersion left to estimate: hold size at the cap
		 * and polish the rest. */
		c.fixed = (int)c.n_beta + 1;
		c.fixed_value = theta[c.fixed] = log(SIZE_MAX_NB);
		best = minimise(&c, theta, &rc);
		if (rc) {
			fk_error_set(err, rc, "", "minimiser failed");
			goto out;
		}
		out->converged = c.converged;
		out->size_at_bound = true;
	}
	if (!(best < PENALTY)) {
		rc = fk_error_set(err, FK_EIO, "cases",
				  "no parameters give these counts a finite likelihood");
		goto out;
	}
	out->covariance_ok = covariance(&c, theta, best, out->cov, &rc);
	if (rc) {
		fk_error_set(err, rc, "", "out of memory");
		goto out;
	}
	out->n_beta = c.n_beta;
	out->n_par = c.n_par - (c.fixed >= 0 ? 1 : 0);
	memcpy(out->theta, theta, sizeof theta);
	for (size_t k = 0; k < c.n_beta; k++) {
		report_param(out, k, &out->beta[k], &out->beta_se[k], &out->beta_lo[k],
			     &out->beta_hi[k]);
		out->r0[k] = out->beta[k] / spec->gamma;
		out->r0_lo[k] = out->beta_lo[k] / spec->gamma;
		out->r0_hi[k] = out->beta_hi[k] / spec->gamma;
	}
	report_param(out, c.n_beta, &out->seed, &out->seed_se, &out->seed_lo, &out->seed_hi);
	seed_split(out->seed, out->beta[0], spec->sigma, spec->gamma, &out->e0, &out->i0);
	out->size = out->size_se = out->size_lo = out->size_hi = NAN;
	if (c.nb) {
		if (out->size_at_bound)
			out->size = SIZE_MAX_NB;
		else
			report_param(out, c.n_beta + 1, &out->size, &out->size_se, &out->size_lo,
				     &out->size_hi);
	}
	out->loglik = -best;
	out->aic = 2 * best + 2 * (double)out->n_par;
	out->evaluations = c.evaluations;
out:
	ctx_free(&c);
	return rc;
}

/* The fit belongs to the spec: same segments and family. */
static int
check_fit_matches(const struct seir_fit_spec *spec, const struct seir_fit *fit,
		  struct fk_error *err)
{
	if (fit == NULL || fit->n_beta != spec->n_change + 1)
		return fk_error_set(err, FK_EINVAL, "fit", "does not match the specification");
	for (size_t k = 0; k < fit->n_beta + 1 + (spec->family == SEIR_NBINOM ? 1 : 0); k++)
		if (!isfinite(fit->theta[k]))
			return fk_error_set(err, FK_EINVAL, "fit", "has no estimates");
	return 0;
}

int
seir_fit_expected(const struct seir_fit_spec *spec, const struct seir_fit *fit, double *mu,
		  struct fk_error *err)
{
	struct fit_ctx c;
	struct theta_vals v;
	int rc;

	gsl_set_error_handler_off();
	if ((rc = check_fit_spec(spec, err)) || (rc = check_fit_matches(spec, fit, err)))
		return rc;
	if (mu == NULL)
		return fk_error_set(err, FK_EINVAL, "", "no output");
	if ((rc = ctx_init(&c, spec, 0))) {
		fk_error_set(err, rc, "", "out of memory");
		goto out;
	}
	if (!theta_values(&c, fit->theta, &v)) {
		rc = fk_error_set(err, FK_EINVAL, "fit", "estimates outside the model's range");
		goto out;
	}
	if ((rc = ctx_solve(&c, &v, c.days))) {
		fk_error_set(err, rc, "", "the ODE integrator failed");
		goto out;
	}
	for (size_t j = 0; j < spec->n_obs; j++)
		mu[j] = expected_obs(&c, j);
out:
	ctx_free(&c);
	return rc;
}

/* ---- forecast ----------------------------------------------------------- */

/* A Poisson draw valid for any mean (GSL's returns an unsigned int). */
static double
draw_poisson(const gsl_rng *rng, double mu)
{
	if (!(mu > 0))
		return 0;
	if (mu < 1e7)
		return gsl_ran_poisson(rng, mu);
	return fmax(0, round(mu + sqrt(mu) * gsl_ran_gaussian(rng, 1.0)));
}

static double
draw_count(const gsl_rng *rng, bool nb, double mu, double size)
{
	if (nb && mu > 0)
		mu = gsl_ran_gamma(rng, size, mu / size); /* gamma-Poisson mixture */
	return draw_poisson(rng, mu);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int
seir_forecast(const struct seir_fit_spec *spec, const struct seir_fit *fit,
	      const struct seir_forecast_spec *fspec, struct seir_forecast_day *out,
	      struct fk_error *err)
{
	struct fit_ctx c;
	gsl_rng *rng = NULL;
	double *mu_draw = NULL, *y_draw = NULL;
	double chol[SEIR_PAR_MAX][SEIR_PAR_MAX] = {{0}};
	size_t idx[SEIR_PAR_MAX], n_free = 0;
	struct theta_vals v;
	int rc, last, h;
	size_t m;

	gsl_set_error_handler_off();
	memset(&c, 0, sizeof c);
	if ((rc = check_fit_spec(spec, err)) || (rc = check_fit_matches(spec, fit, err)))
		return rc;
	if (fspec == NULL || out == NULL)
		return fk_error_set(err, FK_EINVAL, "", "no forecast specification or output");
	if (fspec->horizon < 1 || fspec->horizon > SEIR_HORIZON_MAX)
		return fk_error_set(err, FK_EINVAL, "horizon", "must be 1 to %d days",
				    SEIR_HORIZON_MAX);
	if (fspec->draws < 100 || fspec->draws > SEIR_DRAWS_MAX)
		return fk_error_set(err, FK_EINVAL, "draws", "must be 100 to %d", SEIR_DRAWS_MAX);
	if (!(fspec->level > 0 && fspec->level < 1))
		return fk_error_set(err, FK_EINVAL, "level", "must be between 0 and 1");
	h = fspec->horizon;
	m = fspec->draws;
	last = obs_day(spec, spec->n_obs - 1);
	if ((rc = ctx_init(&c, spec, h)))
		goto nomem;
	mu_draw = malloc(sizeof(double) * (size_t)h * m);
	y_draw = malloc(sizeof(double) * (size_t)h * m);
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (mu_draw == NULL || y_draw == NULL || rng == NULL) {
		rc = FK_ENOMEM;
		goto nomem;
	}
	gsl_rng_set(rng, (unsigned long)(fspec->seed ^ (fspec->seed >> 32)));

	/* The expectation under the estimates. */
	if (!theta_values(&c, fit->theta, &v)) {
		rc = fk_error_set(err, FK_EINVAL, "fit", "estimates outside the model's range");
		goto out;
	}
	if ((rc = ctx_solve(&c, &v, c.days))) {
		fk_error_set(err, rc, "", "the ODE integrator failed");
		goto out;
	}
	for (int d = 0; d < h; d++)
		out[d] = (struct seir_forecast_day){
		    .day = last + 1 + d,
		    .expected = spec->reported * (c.cum[last + d + 2] - c.cum[last + d + 1])};

	/* Cholesky factor of the covariance of the free log parameters. */
	if (fit->covariance_ok) {
		gsl_matrix *a;
		for (size_t k = 0; k < c.n_beta + 1 + (c.nb ? 1 : 0); k++)
			if (!(c.nb && k == c.n_beta + 1 && fit->size_at_bound))
				idx[n_free++] = k;
		a = gsl_matrix_alloc(n_free, n_free);
		if (a == NULL) {
			rc = FK_ENOMEM;
			goto nomem;
		}
		for (size_t i = 0; i < n_free; i++)
			for (size_t j = 0; j < n_free; j++)
				gsl_matrix_set(a, i, j, fit->cov[idx[i]][idx[j]]);
		if (gsl_linalg_cholesky_decomp1(a) != GSL_SUCCESS) {
			n_free = 0; /* not PD after all: observation noise only */
		} else {
			for (size_t i = 0; i < n_free; i++)
				for (size_t j = 0; j <= i; j++)
					chol[i][j] = gsl_matrix_get(a, i, j);
		}
		gsl_matrix_free(a);
	}

	for (size_t r = 0; r < m; r++) {
		double theta[SEIR_PAR_MAX], z[SEIR_PAR_MAX];
		bool solved = true;
		memcpy(theta, fit->theta, sizeof theta);
		for (size_t i = 0; i < n_free; i++)
			z[i] = gsl_ran_gaussian(rng, 1.0);
		for (size_t i = 0; i < n_free; i++) {
			double s = 0;
			for (size_t j = 0; j <= i; j++)
				s += chol[i][j] * z[j];
			theta[idx[i]] += s;
		}
		/* Keep a draw inside the box (a wild tail draw clamps). */
		for (size_t k = 0; k < c.n_beta; k++)
			theta[k] = fmin(fmax(theta[k], log(BETA_MIN)), log(SEIR_RATE_MAX));
		theta[c.n_beta] =
		    fmin(fmax(theta[c.n_beta], log(SEED_MIN)), log(spec->population / 2));
		if (c.nb)
			theta[c.n_beta + 1] = fmax(theta[c.n_beta + 1], log(SIZE_MIN_NB));
		if (n_free == 0 || !theta_values(&c, theta, &v) || ctx_solve(&c, &v, c.days)) {
			/* No parameter uncertainty: reuse the estimate. */
			solved = theta_values(&c, fit->theta, &v) && ctx_solve(&c, &v, c.days) == 0;
		}
		if (!solved) {
			rc = fk_error_set(err, FK_EIO, "", "the ODE integrator failed");
			goto out;
		}
		for (int d = 0; d < h; d++) {
			double mu = spec->reported * (c.cum[last + d + 2] - c.cum[last + d + 1]);
			mu = fmax(mu, 0);
			mu_draw[(size_t)d * m + r] = mu;
			y_draw[(size_t)d * m + r] = draw_count(rng, c.nb, mu, v.size);
		}
	}
	for (int d = 0; d < h; d++) {
		double *md = mu_draw + (size_t)d * m, *yd = y_draw + (size_t)d * m;
		double lo = (1 - fspec->level) / 2, hi = (1 + fspec->level) / 2;
		qsort(md, m, sizeof(double), cmp_double);
		qsort(yd, m, sizeof(double), cmp_double);
		out[d].median = gsl_stats_quantile_from_sorted_data(yd, 1, m, 0.5);
		out[d].lower = gsl_stats_quantile_from_sorted_data(yd, 1, m, lo);
		out[d].upper = gsl_stats_quantile_from_sorted_data(yd, 1, m, hi);
		out[d].expected_lower = gsl_stats_quantile_from_sorted_data(md, 1, m, lo);
		out[d].expected_upper = gsl_stats_quantile_from_sorted_data(md, 1, m, hi);
		if (n_free == 0)
			out[d].expected_lower = out[d].expected_upper = out[d].expected;
	}
	rc = 0;
	goto out;
nomem:
	rc = fk_error_set(err, FK_ENOMEM, "", "out of memory");
out:
	gsl_rng_free(rng);
	free(mu_draw);
	free(y_draw);
	ctx_free(&c);
	return rc;
}

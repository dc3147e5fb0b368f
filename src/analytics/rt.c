/*
 * rt.c -- analytics layer: Rt by Cori et al. (2013) as EpiEstim's
 * estimate_R computes it (see rt.h for the method and what EpiEstim
 * does).
 *
 * Cost of one series of T days with a serial interval of K non-zero
 * days and n windows of width W: O(T K) for the force of infection,
 * O(n min(W, 128 + W / 64)) for the window sums, and 7 gamma quantiles
 * per window -- memoised per estimator by the window's count of local
 * cases, since the posterior shape a_prior + sum(local) takes few
 * distinct values and the quantile of Gamma(a, b) is b times that of
 * Gamma(a, 1).
 *
 * The gamma CDF: GSL's regularised incomplete gamma below shape 300; at
 * larger shapes GSL's loses accuracy (1e-6 relative at 1e6, and its Q
 * fails outright from 1e6) and speed, so there we use Temme's uniform
 * asymptotic expansion Q(a, x) = erfc(eta sqrt(a/2)) / 2 + R_a(eta) with
 * the first four terms C0..C3 of R_a (N. M. Temme, SIAM J. Math. Anal.
 * 10 (1979) 757; DLMF 8.12), within 2e-13 of R's pgamma from shape 300
 * on.  Far tails (beyond the Chernoff bound
 * exp(-a (x/a - 1 - ln(x/a))) < 1e-304) are 0 or 1 without calling GSL,
 * which keeps GSL away from underflow errors.
 *
 * The quantile: Newton-Halley on log x from the Wilson-Hilferty
 * approximation, inside a bracket; two or three CDF evaluations.
 */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>

#include "analytics/rt.h"

const double rt_quantile_probs[RT_QUANTILES] = {0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975};

const char *const rt_column_names[RT_COLUMNS] = {"t_start",	      "t_end",
						 "Mean(R)",	      "Std(R)",
						 "Quantile.0.025(R)", "Quantile.0.05(R)",
						 "Quantile.0.25(R)",  "Median(R)",
						 "Quantile.0.75(R)",  "Quantile.0.95(R)",
						 "Quantile.0.975(R)"};

/* Shapes from which Temme's expansion replaces GSL's incomplete gamma
 * (GSL: 3e-14 relative at 300, 1e-11 at 1e4, 1e-6 at 1e6, and slow). */
#define TEMME_MIN_SHAPE 300.0
/* Far-tail cut-off: a (lambda - 1 - ln lambda) above it means a tail
 * probability below e^-700 (Chernoff). */
#define TAIL_EXPONENT_MAX 700.0
/* Window sums: lambda is summed in blocks of this many days. */
#define BLOCK 64
/* Quantiles are memoised for window counts of local cases below this
 * (7 doubles each, grown on demand: at most 3.7 MB). */
#define QCACHE_MAX 65536
/* Tolerance of a non-parametric distribution's sum. */
#define SI_SUM_TOLERANCE 1e-6

struct rt {
	/* the serial interval */
	bool parametric;
	double si_mean, si_sd; /* parametric: as configured */
	double *w;	       /* w[k], k < w_len: discr_si or the given p */
	size_t w_len, w_cap;
	double np_mean, np_sd; /* non-parametric: moments of the given p */

	/* the prior and the warning threshold */
	double a_prior, b_prior;
	double min_cases; /* ceiling(1 / cv^2 - a_prior) */

	/* the windows */
	struct rt_window *windows; /* custom, or NULL for sliding */
	size_t n_windows;
	uint32_t width;

	/* memoised standard quantiles of Gamma(a_prior + k, 1), NAN = unset */
	double *qcache;
	size_t qcache_len;

	/* scratch for one series, grown on demand */
	size_t scratch_days;
	int64_t *local_prefix; /* [days + 1] sums of local cases */
	double *total;	       /* [days] local + imported */
	double *lambda;	       /* [days] force of infection, [0] unused */
	long double *blocks;   /* [days / BLOCK + 1] sums of lambda */
};

/* ---- the gamma distribution -------------------------------------------- */

/* log1p(mu) - mu without cancellation near 0: with s = mu / (2 + mu),
 * log1p(mu) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...) and
 * 2 s - mu = -mu^2 / (2 + mu) exactly; |s| <= 1/7 for |mu| <= 1/4, so
 * 12 terms reach the last bit. */
static double
log1pmx(double mu)
{
	double s, s2, term, sum = 0;

	if (fabs(mu) > 0.25)
		return log1p(mu) - mu;
	s = mu / (2.0 + mu);
	s2 = s * s;
	term = 2.0 * s * s2;
	/* the result is about -mu^2 / 2: stop once a term is 1e-18 of it */
	for (int k = 3; k <= 25 && fabs(term) > 1e-18 * mu * mu; k += 2) {
		sum += term / k;
		term *= s2;
	}
	return -mu * mu / (2.0 + mu) + sum;
}

/* log(x/a) - (x/a - 1), i.e. log1p(mu) - mu with mu = x/a - 1, accurate
 * near x = a and for x << a.  <= 0. */
static double
log1pmx_ratio(double x, double a)
{
	double mu = (x - a) / a;
	double r;

	if (x < 0.5 * a)
		r = log(x / a) - mu;
	else
		r = log1pmx(mu);
	return r < 0 ? r : 0;
}

/* Horner: c[0] + c[1] x + ... + c[n-1] x^(n-1). */
static double
poly(const double *c, int n, double x)
{
	double r = 0;
	for (int i = n - 1; i >= 0; i--)
		r = r * x + c[i];
	return r;
}

/*
 * The Taylor series at eta = 0 of Temme's C0..C3 (exact rationals, from
 * the closed forms below with mu(eta) from eta^2/2 = mu - log1p(mu)),
 * used for |eta| < 0.1 where the closed forms cancel.
 */
static const double temme_c0[13] = {-1.0 / 3,
				    1.0 / 12,
				    -2.0 / 135,
				    1.0 / 864,
				    1.0 / 2835,
				    -139.0 / 777600,
				    1.0 / 25515,
				    -571.0 / 261273600,
				    -281.0 / 151559100,
				    163879.0 / 197522841600.0,
				    -5221.0 / 29554024500.0,
				    5246819.0 / 782190452736000.0,
				    5459.0 / 531972441000.0};
static const double temme_c1[11] = {-1.0 / 540,
				    -1.0 / 288,
				    1.0 / 378,
				    -77.0 / 77760,
				    1.0 / 4860,
				    -1.0 / 2488320,
				    -2743.0 / 151559100,
				    41969.0 / 5486745600.0,
				    -11.0 / 6823440,
				    47207.0 / 10158317568000.0,
				    3761.0 / 27280638000.0};
static const double temme_c2[9] = {25.0 / 6048,	       -139.0 / 51840,		 1.0 / 1296,
				   1.0 / 497664,       -6199.0 / 57736800,	 5531.0 / 104509440,
				   -1219.0 / 95528160, 19321.0 / 564350976000.0, 121.0 / 88179840};
static const double temme_c3[7] = {
    101.0 / 155520,	  571.0 / 2488320,	    -54179.0 / 115473600, 41969.0 / 156764160,
    -20639.0 / 272937600, -19321.0 / 80621568000.0, 14659.0 / 1322697600};

/*
 * Temme's uniform expansion of P(a, x) and Q(a, x), for large a:
 * Q = erfc(eta sqrt(a/2)) / 2 + exp(-a eta^2 / 2) / sqrt(2 pi a) *
 * (C0 + C1/a + C2/a^2 + C3/a^3), lambda = x/a, mu = lambda - 1,
 * eta^2/2 = mu - log1p(mu) with the sign of mu, and (DLMF 8.12.9-12)
 * C0 = 1/mu - 1/eta, C_k = C_{k-1}'(eta) / eta + (-1)^k g_k / mu with
 * Stirling's g_1 = 1/12, g_2 = 1/288, g_3 = -139/51840.  Against R's
 * pgamma the result is within 2e-13 relative from a = 300 on.
 */
static void
temme(double a, double x, double l, double *p, double *q)
{
	double mu = (x - a) / a;
	double eta = sqrt(-2.0 * l); /* l = log1pmx_ratio(x, a) = -eta^2 / 2 */
	double c0, c1, c2, c3, r, s;

	if (mu < 0)
		eta = -eta;
	if (fabs(eta) < 0.1) {
		c0 = poly(temme_c0, 13, eta);
		c1 = poly(temme_c1, 11, eta);
		c2 = poly(temme_c2, 9, eta);
		c3 = poly(temme_c3, 7, eta);
	} else {
		double u = 1.0 / mu, e = 1.0 / eta, e2 = e * e, e3 = e2 * e;
		c0 = u - e;
		c1 = e3 - u * (1.0 / 12 + u * (1.0 + u));
		c2 = -3.0 * e3 * e2 +
		     u * (1.0 / 288 + u * (1.0 / 12 + u * (25.0 / 12 + u * (5.0 + 3.0 * u))));
		c3 = 15.0 * e3 * e3 * e +
		     u * (139.0 / 51840 +
			  u * (-1.0 / 288 +
			       u * (-49.0 / 288 +
				    u * (-77.0 / 12 + u * (-105.0 / 4 + u * (-35.0 - 15.0 * u))))));
	}
	r = exp(a * l) / sqrt(2.0 * M_PI * a) * (c0 + (c1 + (c2 + c3 / a) / a) / a);
	s = eta * sqrt(a / 2.0);
	*q = 0.5 * erfc(s) + r;
	*p = 0.5 * erfc(-s) - r;
	if (*q < 0)
		*q = 0;
	if (*p < 0)
		*p = 0;
}

/* P(a, x) (upper false) or Q(a, x) (upper true) of Gamma(a, 1), with
 * l = log1pmx_ratio(x, a) for x > 0 and finite. */
static double
gamma_tail_l(double a, double x, double l, bool upper)
{
	double p, q;

	if (-a * l > TAIL_EXPONENT_MAX) {
		bool right = x > a; /* far right: P = 1, far left: P = 0 */
		return right == upper ? 0.0 : 1.0;
	}
	/* Q < e^-40 < 2^-54: P is 1 correctly rounded */
	if (!upper && x > a && -a * l > 40.0)
		return 1.0;
	if (a >= TEMME_MIN_SHAPE) {
		temme(a, x, l, &p, &q);
		return upper ? q : p;
	}
	return upper ? gsl_sf_gamma_inc_Q(a, x) : gsl_sf_gamma_inc_P(a, x);
}

static double
gamma_tail(double a, double x, bool upper)
{
	if (!(x > 0))
		return upper ? 1.0 : 0.0;
	if (isinf(x))
		return upper ? 0.0 : 1.0;
	return gamma_tail_l(a, x, log1pmx_ratio(x, a), upper);
}

/* log(x * density of Gamma(a, 1) at x) = a log x - x - lgamma(a),
 * arranged (Stirling with GSL's gammastar) not to cancel at large a;
 * l = log1pmx_ratio(x, a), c = log(a / (2 pi)) / 2 - log(gammastar(a)). */
static double
log_x_density(double a, double l, double c)
{
	return a * l + c;
}

/* The p-quantile of Gamma(a, 1): Newton's method on t = ln x, kept
 * inside a bracket by bisection; P is used below the median and Q above
 * it, so that the target is never a difference of numbers near 1. */
static double
std_gamma_quantile(double p, double a)
{
	const double t_min = log(DBL_MIN), t_max = log(DBL_MAX) - 1.0;
	bool upper = p > 0.5;
	double target = upper ? 1.0 - p : p;
	double lo = -INFINITY, hi = INFINITY, t, expand = 1.0;
	double z = gsl_cdf_ugaussian_Pinv(p);
	double c = 1.0 / (9.0 * a);
	double h = 1.0 - c + z * sqrt(c);
	double density_const = 0.5 * log(a / (2.0 * M_PI)) - log(gsl_sf_gammastar(a));

	/* start: Wilson-Hilferty, or P ~ x^a / Gamma(a + 1) near 0 */
	if (h > 0.1)
		t = log(a) + 3.0 * log(h);
	else
		t = (log(p) + gsl_sf_lngamma(a + 1.0)) / a;
	if (t < t_min)
		t = t_min;
	if (t > t_max)
		t = t_max;

	for (int i = 0; i < 200; i++) {
		double x = exp(t);
		double l = log1pmx_ratio(x, a);
		double f = upper ? target - gamma_tail_l(a, x, l, true)
				 : gamma_tail_l(a, x, l, false) - target;
		double d, step, next;

		if (f == 0)
			return x;
		if (f < 0)
			lo = t;
		else
			hi = t;
		if (f > 0 && t <= t_min)
			return 0.0; /* below the smallest normal double */
		if (f < 0 && t >= t_max)
			return INFINITY;
		d = exp(log_x_density(a, l, density_const)); /* df/dt; d2f/dt2 = d (a - x) */
		step = -f / d;
		/* Halley's correction: one iteration fewer, mostly */
		if (isfinite(step) && fabs(step * (a - x)) < 1.0)
			step = step / (1.0 + 0.5 * step * (a - x));
		/* Newton converges quadratically here (the error after a step
		 * is about |a - x| times the step squared, in t; Halley's
		 * cubically), so a step below 1e-10 leaves an error far below
		 * the CDF's own noise, which would keep smaller steps from
		 * ever settling */
		if (isfinite(step) && fabs(step) <= 1e-10)
			return exp(t + step);
		next = t + step;
		if (!isfinite(next) || !(next > lo && next < hi)) {
			if (isfinite(lo) && isfinite(hi)) {
				next = 0.5 * (lo + hi);
			} else {
				next = t + (f < 0 ? expand : -expand);
				expand *= 2.0;
			}
		}
		if (next < t_min)
			next = t_min;
		if (next > t_max)
			next = t_max;
		if (isfinite(lo) && isfinite(hi) && hi - lo <= 1e-14 * fmax(1.0, fabs(t)))
			return exp(0.5 * (lo + hi));
		t = next;
	}
	return exp(t);
}

double
rt_gamma_cdf(double x, double shape, double scale)
{
	if (!(shape > 0) || !(scale > 0) || isinf(shape) || isinf(scale) || isnan(x))
		return NAN;
	return gamma_tail(shape, x / scale, false);
}

double
rt_gamma_quantile(double p, double shape, double scale)
{
	if (!(p > 0 && p < 1) || !(shape > 0) || !(scale > 0) || isinf(shape) || isinf(scale))
		return NAN;
	return scale * std_gamma_quantile(p, shape);
}

/* ---- the serial interval ------------------------------------------------ */

static int
si_params_check(double mean, double sd, struct fk_error *err)
{
	if (!isfinite(mean) || !(mean > 1))
		return fk_error_set(err, FK_EINVAL, "si_mean",
				    "the mean serial interval must be a number greater than 1 "
				    "(EpiEstim's discr_si requires mean > 1)");
	if (!isfinite(sd) || !(sd > 0))
		return fk_error_set(
		    err, FK_EINVAL, "si_sd",
		    "the sd of the serial interval must be a number greater than 0");
	return 0;
}

/* The CDFs discr_si needs at day k: Gamma(a, b) and Gamma(a + 1, b). */
static void
discr_si_cdfs(double k, double a, double b, double *f, double *g)
{
	*f = k <= 0 ? 0.0 : gamma_tail(a, k / b, false);
	*g = k <= 0 ? 0.0 : gamma_tail(a + 1.0, k / b, false);
}

/*
 * w_k for k = from..n-1 of discr_si (EpiEstim's arithmetic, term for
 * term: k F(k) + (k-2) F(k-2) - 2 (k-1) F(k-1) + a b (2 G(k-1) - G(k-2)
 * - G(k)), floored at 0), each CDF computed once.
 */
static void
discr_si_fill(double mean, double sd, size_t from, size_t n, double *w)
{
	double a = ((mean - 1) / sd) * ((mean - 1) / sd);
	double b = sd * sd / (mean - 1);
	double f2, g2, f1, g1, f0, g0; /* F and G at k-2, k-1, k */

	discr_si_cdfs((double)from - 2, a, b, &f2, &g2);
	discr_si_cdfs((double)from - 1, a, b, &f1, &g1);
	for (size_t i = from; i < n; i++) {
		double k = (double)i, res;
		discr_si_cdfs(k, a, b, &f0, &g0);
		res = k * f0 + (k - 2) * f2 - 2 * (k - 1) * f1;
		res = res + a * b * (2 * g1 - g2 - g0);
		w[i] = res > 0 ? res : 0.0;
		f2 = f1;
		g2 = g1;
		f1 = f0;
		g1 = g0;
	}
}

int
rt_discr_si(double mean, double sd, size_t n, double *w, struct fk_error *err)
{
	int rc = si_params_check(mean, sd, err);

	if (rc)
		return rc;
	discr_si_fill(mean, sd, 0, n, w);
	return 0;
}

int
rt_si_check(const double *p, size_t n, struct fk_error *err)
{
	long double sum = 0;

	if (n == 0 || p == NULL)
		return fk_error_set(err, FK_EINVAL, "si_distr",
				    "the serial interval distribution is empty");
	if (n > RT_SI_MAX)
		return fk_error_set(
		    err, FK_EINVAL, "si_distr",
		    "the serial interval distribution has %zu entries, more than %d", n, RT_SI_MAX);
	for (size_t k = 0; k < n; k++) {
		if (!isfinite(p[k]) || p[k] < 0)
			return fk_error_set(err, FK_EINVAL, "si_distr",
					    "P(SI = %zu) is not a number >= 0", k);
		sum += p[k];
	}
	if (p[0] != 0)
		return fk_error_set(
		    err, FK_EINVAL, "si_distr",
		    "P(SI = 0) must be 0 (the distribution starts at k = 0 with p = 0), "
		    "not %.17g",
		    p[0]);
	if (fabsl(sum - 1.0L) > SI_SUM_TOLERANCE)
		return fk_error_set(
		    err, FK_EINVAL, "si_distr",
		    "the serial interval distribution sums to %.17g, not 1 (within %g)",
		    (double)sum, SI_SUM_TOLERANCE);
	return 0;
}

/* Make w hold at least n weights (parametric: computed on demand). */
static int
si_grow(rt_t *rt, size_t n)
{
	if (!rt->parametric || rt->w_len >= n)
		return 0;
	if (n > rt->w_cap) {
		size_t cap = rt->w_cap ? rt->w_cap : 64;
		double *w;
		while (cap < n)
			cap *= 2;
		w = realloc(rt->w, cap * sizeof *w);
		if (w == NULL)
			return FK_ENOMEM;
		rt->w = w;
		rt->w_cap = cap;
	}
	discr_si_fill(rt->si_mean, rt->si_sd, rt->w_len, n, rt->w);
	rt->w_len = n;
	return 0;
}

/* Mean and sd of w[0..n-1] as EpiEstim's SI.Moments (sums in long
 * double, as R's sum()). */
static void
si_moments(const double *w, size_t n, double *mean, double *sd)
{
	long double m = 0, m2 = 0;
	double mean_d, var;

	for (size_t k = 0; k < n; k++) {
		m += w[k] * (double)k;
		m2 += w[k] * ((double)k * (double)k);
	}
	mean_d = (double)m;
	var = (double)m2 - mean_d * mean_d;
	*mean = mean_d;
	*sd = var > 0 ? sqrt(var) : 0.0;
}

/* ---- the estimator ------------------------------------------------------- */

void
rt_config_init(struct rt_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->prior_mean = RT_PRIOR_MEAN_DEFAULT;
	cfg->prior_sd = RT_PRIOR_SD_DEFAULT;
	cfg->cv_posterior = RT_CV_POSTERIOR_DEFAULT;
	cfg->window = RT_WINDOW_DEFAULT;
}

const char *
rt_warning_text(unsigned bit)
{
	switch (bit) {
	case RT_WARN_LOCAL_DAY1:
		return "local[1] is >0 but must be 0, as all cases on the first time step are "
		       "assumed imported; they were moved to imported";
	case RT_WARN_TOO_EARLY:
		return "You're estimating R too early in the epidemic to get the desired "
		       "posterior CV";
	default: return "";
	}
}

void
rt_result_free(struct rt_result *res)
{
	if (res == NULL)
		return;
	free(res->rows);
	memset(res, 0, sizeof *res);
}

void
rt_free(rt_t *rt)
{
	if (rt == NULL)
		return;
	free(rt->w);
	free(rt->windows);
	free(rt->qcache);
	free(rt->local_prefix);
	free(rt->total);
	free(rt->lambda);
	free(rt->blocks);
	free(rt);
}

int
rt_new(const struct rt_config *cfg, rt_t **out, struct fk_error *err)
{
	rt_t *rt = NULL;
	int rc;

	*out = NULL;
	if (!isfinite(cfg->prior_mean) || !(cfg->prior_mean > 0))
		return fk_error_set(err, FK_EINVAL, "prior_mean",
				    "the prior mean of R must be a number greater than 0");
	if (!isfinite(cfg->prior_sd) || !(cfg->prior_sd > 0))
		return fk_error_set(err, FK_EINVAL, "prior_sd",
				    "the prior sd of R must be a number greater than 0");
	if (!isfinite(cfg->cv_posterior) || cfg->cv_posterior < 0)
		return fk_error_set(err, FK_EINVAL, "cv_posterior",
				    "cv_posterior must be a number >= 0");
	if (cfg->si_distr) {
		rc = rt_si_check(cfg->si_distr, cfg->si_len, err);
		if (rc)
			return rc;
	} else {
		rc = si_params_check(cfg->si_mean, cfg->si_sd, err);
		if (rc)
			return rc;
	}
	if (cfg->windows) {
		if (cfg->n_windows == 0)
			return fk_error_set(err, FK_EINVAL, "t_start", "there are no windows");
		if (cfg->n_windows > RT_WINDOWS_MAX)
			return fk_error_set(err, FK_EINVAL, "t_start", "%zu windows, more than %d",
					    cfg->n_windows, RT_WINDOWS_MAX);
		for (size_t i = 0; i < cfg->n_windows; i++) {
			const struct rt_window *wi = &cfg->windows[i];
			if (wi->t_start < 2)
				return fk_error_set(err, FK_EINVAL, "t_start",
						    "window %zu starts on day %u: t_start must be "
						    "at least 2",
						    i + 1, (unsigned)wi->t_start);
			if (wi->t_start > wi->t_end)
				return fk_error_set(err, FK_EINVAL, "t_end",
						    "window %zu ends on day %u, before its start "
						    "(day %u)",
						    i + 1, (unsigned)wi->t_end,
						    (unsigned)wi->t_start);
			if (wi->t_end > RT_DAYS_MAX)
				return fk_error_set(err, FK_EINVAL, "t_end",
						    "window %zu ends on day %u, after day %d",
						    i + 1, (unsigned)wi->t_end, RT_DAYS_MAX);
		}
	} else if (cfg->window < 1 || cfg->window >= RT_DAYS_MAX) {
		return fk_error_set(err, FK_EINVAL, "window", "the window must be 1 to %d days",
				    RT_DAYS_MAX - 1);
	}

	rt = calloc(1, sizeof *rt);
	if (rt == NULL)
		return fk_error_set(err, FK_ENOMEM, "", "out of memory");
	rt->parametric = cfg->si_distr == NULL;
	if (rt->parametric) {
		rt->si_mean = cfg->si_mean;
		rt->si_sd = cfg->si_sd;
	} else {
		rt->w = malloc(cfg->si_len * sizeof *rt->w);
		if (rt->w == NULL)
			goto nomem;
		memcpy(rt->w, cfg->si_distr, cfg->si_len * sizeof *rt->w);
		rt->w_len = rt->w_cap = cfg->si_len;
		si_moments(rt->w, rt->w_len, &rt->np_mean, &rt->np_sd);
	}
	rt->a_prior = (cfg->prior_mean / cfg->prior_sd) * (cfg->prior_mean / cfg->prior_sd);
	rt->b_prior = cfg->prior_sd * cfg->prior_sd / cfg->prior_mean;
	/* EpiEstim: ceiling(1 / cv_posterior^2 - a_prior); cv 0 asks the impossible */
	rt->min_cases = cfg->cv_posterior > 0
			    ? ceil(1.0 / (cfg->cv_posterior * cfg->cv_posterior) - rt->a_prior)
			    : INFINITY;
	if (cfg->windows) {
		rt->windows = malloc(cfg->n_windows * sizeof *rt->windows);
		if (rt->windows == NULL)
			goto nomem;
		memcpy(rt->windows, cfg->windows, cfg->n_windows * sizeof *rt->windows);
		rt->n_windows = cfg->n_windows;
	} else {
		rt->width = cfg->window;
	}
	*out = rt;
	return 0;
nomem:
	rt_free(rt);
	return fk_error_set(err, FK_ENOMEM, "", "out of memory");
}

static int
scratch_grow(rt_t *rt, size_t days)
{
	void *p;

	if (days <= rt->scratch_days)
		return 0;
	if ((p = realloc(rt->local_prefix, (days + 1) * sizeof *rt->local_prefix)) == NULL)
		return FK_ENOMEM;
	rt->local_prefix = p;
	if ((p = realloc(rt->total, days * sizeof *rt->total)) == NULL)
		return FK_ENOMEM;
	rt->total = p;
	if ((p = realloc(rt->lambda, days * sizeof *rt->lambda)) == NULL)
		return FK_ENOMEM;
	rt->lambda = p;
	if ((p = realloc(rt->blocks, (days / BLOCK + 1) * sizeof *rt->blocks)) == NULL)
		return FK_ENOMEM;
	rt->blocks = p;
	rt->scratch_days = days;
	return 0;
}

/* The 7 quantiles of Gamma(a_prior + k, 1) into q (memoised). */
static int
std_quantiles(rt_t *rt, int64_t k, double *q)
{
	double a = rt->a_prior + (double)k;
	double *slot = NULL;

	if (k < QCACHE_MAX) {
		if ((size_t)k >= rt->qcache_len) {
			size_t len = rt->qcache_len ? rt->qcache_len : 256;
			double *c;
			while (len <= (size_t)k)
				len *= 2;
			c = realloc(rt->qcache, len * RT_QUANTILES * sizeof *c);
			if (c == NULL)
				return FK_ENOMEM;
			for (size_t i = rt->qcache_len * RT_QUANTILES; i < len * RT_QUANTILES; i++)
				c[i] = NAN;
			rt->qcache = c;
			rt->qcache_len = len;
		}
		slot = rt->qcache + (size_t)k * RT_QUANTILES;
		if (!isnan(slot[0])) {
			memcpy(q, slot, RT_QUANTILES * sizeof *q);
			return 0;
		}
	}
	for (int j = 0; j < RT_QUANTILES; j++)
		q[j] = std_gamma_quantile(rt_quantile_probs[j], a);
	if (slot)
		memcpy(slot, q, RT_QUANTILES * sizeof *q);
	return 0;
}

/* sum of lambda[s..e] (0-based, inclusive), in long double. */
static double
lambda_sum(const rt_t *rt, size_t s, size_t e)
{
	long double acc = 0;
	size_t first_block, end_block, i;

	if (e - s + 1 <= 2 * BLOCK) {
		for (i = s; i <= e; i++)
			acc += rt->lambda[i];
		return (double)acc;
	}
	first_block = s / BLOCK + 1;
	end_block = (e + 1) / BLOCK;
	for (i = s; i < first_block * BLOCK; i++)
		acc += rt->lambda[i];
	for (i = first_block; i < end_block; i++)
		acc += rt->blocks[i];
	for (i = end_block * BLOCK; i <= e; i++)
		acc += rt->lambda[i];
	return (double)acc;
}

static int
counts_check(const int64_t *c, size_t days, const char *field, struct fk_error *err)
{
	for (size_t t = 0; t < days; t++) {
		if (c[t] < 0)
			return fk_error_set(err, FK_EINVAL, field,
					    "day %zu: %lld cases: a count cannot be negative",
					    t + 1, (long long)c[t]);
		if (c[t] > RT_COUNT_MAX)
			return fk_error_set(err, FK_EINVAL, field,
					    "day %zu: %lld cases: more than %lld", t + 1,
					    (long long)c[t], (long long)RT_COUNT_MAX);
	}
	return 0;
}

int
rt_estimate(rt_t *rt, const int64_t *local, const int64_t *imported, size_t days,
	    struct rt_result *res, struct fk_error *err)
{
	const char *local_field = imported ? "local" : "I";
	size_t n_windows, support;
	double si_mean, si_sd;
	int rc;

	res->n = 0;
	res->warnings = 0;
	if (days == 0 || local == NULL)
		return fk_error_set(err, FK_EINVAL, local_field, "the series is empty");
	if (days > RT_DAYS_MAX)
		return fk_error_set(err, FK_EINVAL, local_field,
				    "the series has %zu days, more than %d", days, RT_DAYS_MAX);
	if ((rc = counts_check(local, days, local_field, err)))
		return rc;
	if (imported && (rc = counts_check(imported, days, "imported", err)))
		return rc;

	/* the windows must fit in the series (EpiEstim's check_times) */
	if (rt->windows) {
		for (size_t i = 0; i < rt->n_windows; i++)
			if (rt->windows[i].t_end > days)
				return fk_error_set(
				    err, FK_EINVAL, "t_end",
				    "window %zu ends on day %u, after the last day of "
				    "the series (%zu)",
				    i + 1, (unsigned)rt->windows[i].t_end, days);
		n_windows = rt->n_windows;
	} else {
		if (days < (size_t)rt->width + 1)
			return fk_error_set(
			    err, FK_EINVAL, "window",
			    "the series has %zu day(s); windows of %u days start on "
			    "day 2, so it needs at least %u",
			    days, (unsigned)rt->width, (unsigned)rt->width + 1);
		n_windows = days - rt->width;
	}

	if (scratch_grow(rt, days) || si_grow(rt, days))
		return fk_error_set(err, FK_ENOMEM, "", "out of memory");
	if (res->cap < n_windows) {
		struct rt_row *rows = realloc(res->rows, n_windows * sizeof *rows);
		if (rows == NULL)
			return fk_error_set(err, FK_ENOMEM, "", "out of memory");
		res->rows = rows;
		res->cap = n_windows;
	}

	/* day 1: every case is imported (EpiEstim's process_I) */
	rt->local_prefix[0] = 0;
	for (size_t t = 0; t < days; t++) {
		int64_t l = local[t], m = imported ? imported[t] : 0;
		if (t == 0) {
			if (imported && l > 0)
				res->warnings |= RT_WARN_LOCAL_DAY1;
			m += l;
			l = 0;
		}
		rt->local_prefix[t + 1] = rt->local_prefix[t] + l;
		rt->total[t] = (double)(l + m);
	}

	/* the serial interval as used: the first `days` weights matter for
	 * Lambda; EpiEstim's moments are over discr_si(0..T-1) or over the
	 * whole given distribution */
	support = rt->w_len < days ? rt->w_len : days;
	if (rt->parametric) {
		si_moments(rt->w, days, &si_mean, &si_sd);
	} else {
		si_mean = rt->np_mean;
		si_sd = rt->np_sd;
	}
	while (support > 0 && rt->w[support - 1] == 0)
		support--;
	res->si_mean = si_mean;
	res->si_sd = si_sd;

	/* Lambda_t = sum_{k=1}^{t-1} w_k I_{t-k} (day t 1-based, index t-1);
	 * w_0 = 0; products in double summed in long double, as R does */
	rt->lambda[0] = NAN;
	for (size_t t = 1; t < days; t++) {
		long double acc = 0;
		size_t kmax = support == 0 ? 0 : (t < support - 1 ? t : support - 1);
		for (size_t k = 1; k <= kmax; k++)
			acc += rt->w[k] * rt->total[t - k];
		rt->lambda[t] = (double)acc;
	}
	for (size_t b = 0; b * BLOCK < days; b++) {
		long double acc = 0;
		size_t end = (b + 1) * BLOCK < days ? (b + 1) * BLOCK : days;
		for (size_t i = b * BLOCK; i < end; i++)
			if (i > 0)
				acc += rt->lambda[i];
		rt->blocks[b] = acc;
	}

	for (size_t i = 0; i < n_windows; i++) {
		struct rt_row *row = &res->rows[i];
		uint32_t ts = rt->windows ? rt->windows[i].t_start : (uint32_t)(i + 2);
		uint32_t te = rt->windows ? rt->windows[i].t_end : ts + rt->width - 1;
		int64_t cases;
		double a, b, stdq[RT_QUANTILES];

		row->t_start = ts;
		row->t_end = te;
		if (!((double)te > si_mean)) {
			row->na = true;
			row->mean = row->sd = NAN;
			for (int j = 0; j < RT_QUANTILES; j++)
				row->q[j] = NAN;
			continue;
		}
		cases = rt->local_prefix[te] - rt->local_prefix[ts - 1];
		a = rt->a_prior + (double)cases;
		b = 1.0 / (1.0 / rt->b_prior + lambda_sum(rt, ts - 1, te - 1));
		row->na = false;
		row->mean = a * b;
		row->sd = sqrt(a) * b;
		if (std_quantiles(rt, cases, stdq))
			return fk_error_set(err, FK_ENOMEM, "", "out of memory");
		for (int j = 0; j < RT_QUANTILES; j++)
			row->q[j] = b * stdq[j];
	}
	res->n = n_windows;

	/* EpiEstim warns on the first window's cases, local and imported */
	if (n_windows > 0) {
		uint32_t ts = res->rows[0].t_start, te = res->rows[0].t_end;
		long double first = 0;
		for (uint32_t t = ts; t <= te; t++)
			first += rt->total[t - 1];
		if ((double)first < rt->min_cases)
			res->warnings |= RT_WARN_TOO_EARLY;
	}
	return 0;
}

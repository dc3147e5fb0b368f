/*
 * farrington.c -- analytics layer: surveillance::farringtonFlexible
 * (surveillance 1.20, R 4.2) in C.  See detect.h for the contract.
 *
 * For each period k of the range (the package's functions in brackets):
 *
 *   1. reference periods [algo.farrington.referencetimepoints]: k and the
 *      same period 1..b years back -- k - frequency*i without dates; with
 *      dates, the date i years back (29 Feb becomes 1 Mar, as R's
 *      seq.Date), moved to the nearest same weekday when frequency is 52;
 *   2. blocks [blocks]: a window of w periods either side of each
 *      reference period (factor level noPeriods), the gaps between them
 *      cut into noPeriods - 1 blocks, the last pastWeeksNotIncluded+1
 *      periods left out; R's a:b runs backwards when b < a, and so do
 *      they here;
 *   3. a quasi-Poisson log-linear GLM of the counts on an intercept, a
 *      linear time (if trend) and the block factor (if noPeriods > 1),
 *      fitted by IRLS exactly as R's glm.fit does it (start y + 0.1,
 *      deviance convergence 1e-8, at most 25 iterations, step halving,
 *      Householder QR with LINPACK dqrdc2's limited pivoting, tol 1e-11)
 *      [algo.farrington.fitGLM.flexible]; without convergence the fit is
 *      retried without time, and the period gets NA if that fails too;
 *   4. dispersion phi = max(1, sum(w r^2) / (n - rank)) with the working
 *      weights and residuals; with reweighting, Anscombe residuals
 *      s = 3/2 (y^(2/3) mu^(-1/6) - mu^(1/2)) / sqrt(phi (1 - h)) give
 *      weights gamma s^-2 above weightsThreshold and gamma below, and the
 *      model is refitted with them [algo.farrington.assign.weights];
 *   5. the trend is kept if b >= 3, its t-test p < pThresholdTrend and
 *      the prediction does not exceed the largest count, else the model
 *      is refitted without it [algo.farrington.glm];
 *   6. the prediction at k and the threshold [algo.farrington.threshold.
 *      farrington, .noufaily]; an alarm needs a score above 1, a count
 *      above 0 and at least limit54 cases in the last periods.
 *
 * A quirk reproduced on purpose: after reweighting, the package stores
 * the prior weights omega in the model's `weights` slot, where R keeps
 * the working weights; summary.glm() and predict.glm() then estimate the
 * dispersion of the trend test and of the prediction's standard error
 * as sum(omega r^2) / (n - rank).  phi itself (used by the thresholds)
 * is computed before that and is the usual estimate.
 */
#include "detect.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/date.h"

/* glm.control() defaults and glm.fit's QR tolerance min(1e-7, eps/1000). */
#define GLM_EPSILON 1e-8
#define GLM_MAXIT 25
#define QR_TOL 1e-11

/* ---- least squares: Householder QR with dqrdc2's limited pivoting ---- */

/*
 * Factor the n x p column-major matrix a in place (R in the upper
 * triangle, the Householder vectors below it with their leading element
 * in qraux).  A column whose remaining norm falls below tol times its
 * original norm is moved to the end, as LINPACK's dqrdc2 (R's variant)
 * does; pivot[j] is the original index of column j.  Returns the rank.
 * work holds 2p doubles.
 */
static size_t
qr_factor(double *a, size_t n, size_t p, double tol, double *qraux, int *pivot, double *work)
{
	double *norm_now = work, *norm_orig = work + p;
	size_t lup = n < p ? n : p, k = p + 1; /* k - 1 columns not moved */

	for (size_t j = 0; j < p; j++) {
		double s = 0;
		for (size_t i = 0; i < n; i++)
			s += a[j * n + i] * a[j * n + i];
		qraux[j] = sqrt(s);
		norm_now[j] = qraux[j];
		norm_orig[j] = qraux[j] == 0 ? 1 : qraux[j];
		pivot[j] = (int)j;
	}
	for (size_t l = 0; l < lup; l++) {
		/* move negligible columns to the end */
		while (l + 1 < k && qraux[l] < norm_orig[l] * tol) {
			double q = qraux[l], nn = norm_now[l], no = norm_orig[l];
			int pv = pivot[l];
			for (size_t i = 0; i < n; i++) {
				double v = a[l * n + i];
				for (size_t j = l; j + 1 < p; j++)
					a[j * n + i] = a[(j + 1) * n + i];
				a[(p - 1) * n + i] = v;
			}
			for (size_t j = l; j + 1 < p; j++) {
				qraux[j] = qraux[j + 1];
				norm_now[j] = norm_now[j + 1];
				norm_orig[j] = norm_orig[j + 1];
				pivot[j] = pivot[j + 1];
			}
			qraux[p - 1] = q;
			norm_now[p - 1] = nn;
			norm_orig[p - 1] = no;
			pivot[p - 1] = pv;
			k--;
		}
		if (l + 1 == n)
			break;
		double *col = a + l * n, nrm = 0;
		for (size_t i = l; i < n; i++)
			nrm += col[i] * col[i];
		nrm = sqrt(nrm);
		if (nrm == 0)
			continue;
		if (col[l] != 0)
			nrm = copysign(nrm, col[l]);
		for (size_t i = l; i < n; i++)
			col[i] /= nrm;
		col[l] += 1;
		for (size_t j = l + 1; j < p; j++) {
			double *cj = a + j * n, t = 0;
			for (size_t i = l; i < n; i++)
				t -= col[i] * cj[i];
			t /= col[l];
			for (size_t i = l; i < n; i++)
				cj[i] += t * col[i];
			if (qraux[j] != 0) {
				double tt = 1 - (fabs(cj[l]) / qraux[j]) * (fabs(cj[l]) / qraux[j]);
				if (tt < 0)
					tt = 0;
				if (fabs(tt) < 1e-6) {
					double s = 0;
					for (size_t i = l + 1; i < n; i++)
						s += cj[i] * cj[i];
					qraux[j] = sqrt(s);
					norm_now[j] = qraux[j];
				} else {
					qraux[j] *= sqrt(tt);
				}
			}
		}
		qraux[l] = col[l];
		col[l] = -nrm;
	}
	return k - 1 < n ? k - 1 : n;
}

/* y := Q' y for the factorisation above (rank columns). */
static void
qr_qty(const double *a, size_t n, size_t rank, const double *qraux, double *y)
{
	size_t ju = rank < n - 1 ? rank : n - 1;
	for (size_t j = 0; j < ju; j++) {
		const double *col = a + j * n;
		if (qraux[j] == 0)
			continue;
		double t = -qraux[j] * y[j];
		for (size_t i = j + 1; i < n; i++)
			t -= col[i] * y[i];
		t /= qraux[j];
		y[j] += t * qraux[j];
		for (size_t i = j + 1; i < n; i++)
			y[i] += t * col[i];
	}
}

/* y := Q y (LINPACK dqrsl's qy), the reflections applied last first. */
static void
qr_qy(const double *a, size_t n, size_t rank, const double *qraux, double *y)
{
	size_t ju = rank < n - 1 ? rank : n - 1;
	for (size_t jj = ju; jj-- > 0;) {
		const double *col = a + jj * n;
		if (qraux[jj] == 0)
			continue;
		double t = -qraux[jj] * y[jj];
		for (size_t i = jj + 1; i < n; i++)
			t -= col[i] * y[i];
		t /= qraux[jj];
		y[jj] += t * qraux[jj];
		for (size_t i = jj + 1; i < n; i++)
			y[i] += t * col[i];
	}
}

/* Solve R' v = x in place (R: the leading rank x rank triangle of a). */
static void
r_solve_transposed(const double *a, size_t n, size_t rank, double *x)
{
	for (size_t i = 0; i < rank; i++) {
		double s = x[i];
		for (size_t j = 0; j < i; j++)
			s -= a[i * n + j] * x[j];
		x[i] = s / a[i * n + i];
	}
}

/* ---- quasi-Poisson GLM, log link, as glm.fit ------------------------- */

struct glm {
	/* capacity */
	size_t n_max, p_max;
	/* the problem: n observations, p columns (column-major x) */
	size_t n, p;
	double *x, *y;
	double *prior; /* prior weights (n_max), used if weighted */
	bool weighted; /* false: all prior weights 1 */
	/* the fit */
	bool converged;
	size_t rank, n_good; /* n_good: observations with prior > 0 */
	double *beta;	     /* p, by original column, 0 where aliased */
	double *eta, *mu;    /* n */
	double *w;	     /* n: sqrt working weight of the last iteration
				(0 where the prior weight is 0) */
	double *qr, *qraux;  /* n_good x p factorisation of the last iteration */
	int *pivot;	     /* p */
	double dispersion;   /* summary.glm's, with the working weights */
	/* scratch */
	double *z, *coefold, *work;
};

static void
glm_free(struct glm *g)
{
	free(g->x);
	free(g->y);
	free(g->prior);
	free(g->beta);
	free(g->eta);
	free(g->mu);
	free(g->w);
	free(g->qr);
	free(g->qraux);
	free(g->pivot);
	free(g->z);
	free(g->coefold);
	free(g->work);
	memset(g, 0, sizeof *g);
}

static int
glm_alloc(struct glm *g, size_t n_max, size_t p_max)
{
	memset(g, 0, sizeof *g);
	g->n_max = n_max;
	g->p_max = p_max;
	g->x = malloc(n_max * p_max * sizeof *g->x);
	g->y = malloc(n_max * sizeof *g->y);
	g->prior = malloc(n_max * sizeof *g->prior);
	g->beta = malloc(p_max * sizeof *g->beta);
	g->eta = malloc(n_max * sizeof *g->eta);
	g->mu = malloc(n_max * sizeof *g->mu);
	g->w = malloc(n_max * sizeof *g->w);
	g->qr = malloc(n_max * p_max * sizeof *g->qr);
	g->qraux = malloc(p_max * sizeof *g->qraux);
	g->pivot = malloc(p_max * sizeof *g->pivot);
	g->z = malloc(n_max * sizeof *g->z);
	g->coefold = malloc(p_max * sizeof *g->coefold);
	g->work = malloc(2 * p_max * sizeof *g->work);
	if (!g->x || !g->y || !g->prior || !g->beta || !g->eta || !g->mu || !g->w || !g->qr ||
	    !g->qraux || !g->pivot || !g->z || !g->coefold || !g->work) {
		glm_free(g);
		return FK_ENOMEM;
	}
	return 0;
}

/* Room for fits of n observations (the buffers grow, never shrink). */
static int
glm_reserve(struct glm *g, size_t n)
{
	size_t p = g->p_max, cap = 2 * g->n_max;
	if (n <= g->n_max)
		return 0;
	glm_free(g);
	return glm_alloc(g, n > cap ? n : cap, p);
}

/* R's log link: linkinv and mu.eta are both pmax(exp(eta), eps). */
static double
exp_floor(double eta)
{
	return detect__pmax(exp(eta), DBL_EPSILON);
}

/* quasipoisson()$dev.resids summed. */
static double
deviance(const struct glm *g, const double *mu)
{
	long double dev = 0; /* R's sum() adds in long double */
	for (size_t i = 0; i < g->n; i++) {
		double wt = g->weighted ? g->prior[i] : 1, y = g->y[i], r;
		if (y > 0)
			r = wt * (y * log(y / mu[i]) - (y - mu[i]));
		else
			r = mu[i] * wt;
		dev += 2 * r;
	}
	return (double)dev;
}

static void
linear_predictor(struct glm *g, const double *beta)
{
	for (size_t i = 0; i < g->n; i++) {
		double e = 0;
		for (size_t j = 0; j < g->p; j++)
			e += g->x[j * g->n + i] * beta[j];
		g->eta[i] = e;
		g->mu[i] = exp_floor(e);
	}
}

static bool
valid_mu(const struct glm *g)
{
	for (size_t i = 0; i < g->n; i++)
		if (!isfinite(g->mu[i]) || !(g->mu[i] > 0))
			return false;
	return true;
}

/*
 * Fit g->y on g->x (g->n x g->p) with prior weights g->prior (NULL: 1)
 * by glm.fit's IRLS.  Returns 0 (see g->converged) or FK_EINVAL where
 * glm.fit stops with an error ("no valid set of coefficients", "inner
 * loop"), with err set.
 */
static int
glm_fit(struct glm *g, struct fk_error *err)
{
	size_t n = g->n, p = g->p;
	double devold, dev;
	bool have_old = false;

	g->converged = false;
	for (size_t i = 0; i < n; i++) {
		g->eta[i] = log(g->y[i] + 0.1); /* mustart <- y + 0.1 */
		g->mu[i] = exp_floor(g->eta[i]);
	}
	devold = deviance(g, g->mu);
	memset(g->beta, 0, p * sizeof *g->beta);
	g->rank = 0;
	g->n_good = 0;
	for (int iter = 1; iter <= GLM_MAXIT; iter++) {
		size_t m = 0;
		/* weighted least squares on the good observations */
		for (size_t i = 0; i < n; i++) {
			double wt = g->weighted ? g->prior[i] : 1;
			double me = exp_floor(g->eta[i]);
			if (!(wt > 0)) {
				g->w[i] = 0;
				continue;
			}
			double wi = sqrt(wt * (me * me) / g->mu[i]);
			g->w[i] = wi;
			g->z[m] = (g->eta[i] + (g->y[i] - g->mu[i]) / me) * wi;
			for (size_t j = 0; j < p; j++)
				g->qr[j * n + m] = g->x[j * n + i] * wi;
			m++;
		}
		if (m == 0)
			goto done; /* "no observations informative": not converged */
		/* the factor uses leading dimension n, rows 0..m-1 */
		if (m < n)
			for (size_t j = 1; j < p; j++)
				memmove(g->qr + j * m, g->qr + j * n, m * sizeof *g->qr);
		g->n_good = m;
		g->rank = qr_factor(g->qr, m, p, QR_TOL, g->qraux, g->pivot, g->work);
		qr_qty(g->qr, m, g->rank, g->qraux, g->z);
		double *coef = g->work; /* p values, pivoted order */
		for (size_t jj = g->rank; jj-- > 0;) {
			double s = g->z[jj];
			for (size_t l = jj + 1; l < g->rank; l++)
				s -= g->qr[l * m + jj] * coef[l];
			coef[jj] = s / g->qr[jj * m + jj];
		}
		for (size_t jj = g->rank; jj < p; jj++)
			coef[jj] = 0;
		for (size_t jj = 0; jj < p; jj++)
			if (!isfinite(coef[jj]))
				goto done; /* "non-finite coefficients": not converged */
		for (size_t jj = 0; jj < p; jj++)
			g->beta[g->pivot[jj]] = coef[jj];
		linear_predictor(g, g->beta);
		dev = deviance(g, g->mu);
		if (!isfinite(dev)) {
			if (!have_old)
				return fk_error_set(err, FK_EINVAL, "observed",
						    "the GLM found no valid set of coefficients");
			for (int ii = 1; !isfinite(dev); ii++) {
				if (ii > GLM_MAXIT)
					return fk_error_set(err, FK_EINVAL, "observed",
							    "the GLM cannot correct its step size");
				for (size_t j = 0; j < p; j++)
					g->beta[j] = (g->beta[j] + g->coefold[j]) / 2;
				linear_predictor(g, g->beta);
				dev = deviance(g, g->mu);
			}
		}
		if (!valid_mu(g)) {
			if (!have_old)
				return fk_error_set(err, FK_EINVAL, "observed",
						    "the GLM found no valid set of coefficients");
			for (int ii = 1; !valid_mu(g); ii++) {
				if (ii > GLM_MAXIT)
					return fk_error_set(err, FK_EINVAL, "observed",
							    "the GLM cannot correct its step size");
				for (size_t j = 0; j < p; j++)
					g->beta[j] = (g->beta[j] + g->coefold[j]) / 2;
				linear_predictor(g, g->beta);
			}
			dev = deviance(g, g->mu);
		}
		if (fabs(dev - devold) / (0.1 + fabs(dev)) < GLM_EPSILON) {
			g->converged = true;
			break;
		}
		devold = dev;
		memcpy(g->coefold, g->beta, p * sizeof *g->beta);
		have_old = true;
	}
done:;
	/* summary.glm's dispersion: working weights of the last iteration,
	 * working residuals of the final fit */
	size_t df = g->n_good - g->rank;
	if (df > 0) {
		long double s = 0;
		for (size_t i = 0; i < n; i++) {
			double r = (g->y[i] - g->mu[i]) / exp_floor(g->eta[i]);
			double wt = g->w[i] * g->w[i];
			if (wt > 0)
				s += wt * r * r;
		}
		g->dispersion = (double)(s / (long double)df);
	} else {
		g->dispersion = NAN;
	}
	return 0;
}

/* The dispersion summary.glm() would estimate if the model's `weights`
 * slot held wts (the package's reweighting quirk, see the top). */
static double
dispersion_with(const struct glm *g, const double *wts)
{
	size_t df = g->n_good - g->rank;
	long double s = 0;
	if (df == 0)
		return NAN;
	for (size_t i = 0; i < g->n; i++) {
		double r = (g->y[i] - g->mu[i]) / exp_floor(g->eta[i]);
		if (wts[i] > 0)
			s += wts[i] * r * r;
	}
	return (double)(s / (long double)df);
}

/* ||R^-T x[pivot]||^2 for a new row x (p values, original order): the
 * unscaled variance of x'beta.  v: scratch of p. */
static double
unscaled_variance(const struct glm *g, const double *x, double *v)
{
	double s = 0;
	for (size_t j = 0; j < g->rank; j++)
		v[j] = x[g->pivot[j]];
	r_solve_transposed(g->qr, g->n_good, g->rank, v);
	for (size_t j = 0; j < g->rank; j++)
		s += v[j] * v[j];
	return s;
}

/* ---- discrete quantiles, as R's qpois() and qnbinom() ----------------- */

struct discrete {
	bool poisson;
	double lambda;	   /* Poisson mean */
	double size, prob; /* negative binomial */
};

static double
discrete_cdf(const struct discrete *d, double y)
{
	if (d->poisson)
		return gsl_cdf_poisson_P((unsigned)y, d->lambda);
	return gsl_cdf_negative_binomial_P((unsigned)y, d->prob, d->size);
}

/*
 * The smallest y >= 0 with P(Y <= y) >= p, found as R's
 * qDiscrete_search does: a Cornish-Fisher start, p shrunk by 8 machine
 * epsilons so that a cdf equal to p up to rounding counts as reaching
 * it, then a walk in unit steps (doubling steps first when far off).
 */
static double
discrete_quantile(const struct discrete *d, double p)
{
	double mu, sigma, gamma, z, y;

	if (d->poisson) {
		if (d->lambda == 0)
			return 0;
		mu = d->lambda;
		sigma = sqrt(d->lambda);
		gamma = 1.0 / sigma;
	} else {
		if (d->prob == 1 || d->size == 0)
			return 0;
		double q = 1.0 / d->prob, pp = (1.0 - d->prob) * q;
		mu = d->size * pp;
		sigma = sqrt(d->size * pp * q);
		gamma = (q + pp) / sigma;
	}
	if (p >= 1)
		return INFINITY;
	z = gsl_cdf_ugaussian_Pinv(p);
	y = nearbyint(mu + sigma * (z + gamma * (z * z - 1) / 6));
	if (!(y >= 0))
		y = 0;
	if (y > 4e9)
		y = 4e9;
	p *= 1 - 8 * DBL_EPSILON;
	if (discrete_cdf(d, y) >= p) {
		/* left: step down while the cdf below still reaches p */
		double step = 1;
		while (y > 0) {
			double t = y - step < 0 ? 0 : y - step;
			if (discrete_cdf(d, t) >= p) {
				y = t;
				step *= 2;
			} else if (step > 1) {
				step = 1;
			} else {
				break;
			}
		}
	} else {
		double step = 1;
		for (;;) {
			double t = y + step;
			if (t > 4e9)
				return INFINITY;
			if (discrete_cdf(d, t) >= p) {
				if (step == 1) {
					y = t;
					break;
				}
				step = 1; /* overshot: back to unit steps */
			} else {
				y = t;
				step *= 2;
			}
		}
	}
	return y;
}

/* ---- the reference periods and blocks ---------------------------------- */

struct ctx {
	const double *y;
	const int32_t *dates;
	size_t n;
	const struct detect_farrington_options *o;
	int pw;	     /* pastWeeksNotIncluded */
	int *factor; /* n + 1, 1-based; 0 = NA */
	size_t *ref; /* b + 1 positions (1-based), descending */
	size_t *idx; /* positions in the fit */
	size_t m;    /* their number */
	int *levels; /* distinct factor levels in the fit, ascending */
	size_t n_levels;
	double *omega;		/* prior weights of the reweighted fit */
	double *scratch;	/* p_max */
	double *row;		/* p_max: a row of the design */
	double *qcol;		/* n: a column of Q */
	double *rcopy;		/* p_max^2: R, factored again by predict() */
	double *rqraux, *rwork; /* p_max, 2 p_max */
	int *rpivot;		/* p_max */
	struct glm g;
	struct fk_error *err;
};

static int
weekday(int32_t day)
{
	/* 1970-01-01 was a Thursday; 0 = Sunday as strftime's %w */
	int r = (int)((day + 4) % 7);
	return r < 0 ? r + 7 : r;
}

static int
find_date(const int32_t *dates, size_t n, int32_t d, size_t *pos)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (dates[mid] < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && dates[lo] == d) {
		*pos = lo + 1;
		return 0;
	}
	return -1;
}

/* algo.farrington.referencetimepoints + the positions blocks() takes. */
static int
reference_periods(struct ctx *c, size_t k)
{
	const struct detect_farrington_options *o = c->o;

	for (int i = 0; i <= o->b; i++) {
		if (c->dates == NULL) {
			long r = (long)k - (long)o->frequency * i;
			if (r < 1)
				goto missing;
			c->ref[i] = (size_t)r;
			continue;
		}
		int32_t day = c->dates[k - 1], ref;
		int yy, mm, dd;
		date_to_ymd(day, &yy, &mm, &dd);
		ref = date_from_ymd(yy - i, mm, dd); /* 29 Feb -> 1 Mar */
		if (o->frequency == 52) {
			int32_t a = ref - (weekday(ref) - weekday(day));
			int32_t bb = a + (a > ref ? -7 : 7);
			if (abs(a - ref) > abs(bb - ref))
				ref = bb;
			else
				ref = a;
		}
		if (find_date(c->dates, c->n, ref, &c->ref[i]))
			goto missing;
	}
	return 0;
missing:
	return fk_error_set(c->err, FK_EINVAL, "range",
			    "period %zu: some reference periods are not in the series; "
			    "decrease b or postpone the range",
			    k);
}

/* vectorOfFactors[from:to] <- v with R's a:b (backwards when to < from). */
static int
set_factor(struct ctx *c, long from, long to, int v)
{
	long step = to >= from ? 1 : -1;
	for (long i = from;; i += step) {
		if (i < 0)
			return fk_error_set(c->err, FK_EINVAL, "w",
					    "the window reaches before the first period");
		if (i >= 1 && (size_t)i <= c->n)
			c->factor[i] = v;
		if (i == to)
			break;
	}
	return 0;
}

static long
floor_div(long a, long b)
{
	long q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* blocks() and algo.farrington.data.glm: the periods of the fit. */
static int
blocks(struct ctx *c, size_t k)
{
	const struct detect_farrington_options *o = c->o;
	int p = o->no_periods, w = o->w, rc;

	for (size_t i = 0; i <= c->n; i++)
		c->factor[i] = 0;
	rc = set_factor(c, (long)k - w, (long)k, p);
	if (rc)
		return rc;
	for (int i = 1; i <= o->b; i++) {
		long ref = (long)c->ref[i];
		rc = set_factor(c, ref - w, ref + w, p);
		if (rc)
			return rc;
		if (p == 1)
			continue;
		long period = (long)c->ref[i - 1] - 2L * w - 1 - ref;
		if (period < (long)p - (2L * w + 1))
			return fk_error_set(c->err, FK_EINVAL, "no-periods",
					    "number of factors too big for the window");
		long len = floor_div(period, p - 1);
		long rest = period - len * (p - 1);
		long cum = 0;
		for (int j = 1; j <= p - 1; j++) {
			long this_len = len + (j <= rest ? 1 : 0);
			long from = ref + w + 1 + cum;
			cum += this_len;
			rc = set_factor(c, from, ref + w + 1 + cum - 1, j);
			if (rc)
				return rc;
		}
	}
	/* blocksID[(k - pastWeeksNotIncluded):k] <- NA */
	rc = set_factor(c, (long)k - c->pw, (long)k, 0);
	if (rc)
		return rc;
	c->m = 0;
	for (size_t i = 1; i <= c->n; i++)
		if (c->factor[i])
			c->idx[c->m++] = i;
	/* the factor's levels, ascending */
	c->n_levels = 0;
	for (int lv = 1; lv <= p; lv++) {
		for (size_t i = 0; i < c->m; i++) {
			if (c->factor[c->idx[i]] == lv) {
				c->levels[c->n_levels++] = lv;
				break;
			}
		}
	}
	return 0;
}

/* wtime of position pos (1-based): the period number, or with dates the
 * time since the first period of the fit in units of the series' first
 * step (algo.farrington.data.glm). */
static double
wtime_of(const struct ctx *c, size_t pos)
{
	if (c->dates == NULL)
		return (double)pos;
	return (double)(c->dates[pos - 1] - c->dates[c->idx[0] - 1]) /
	       (double)(c->dates[1] - c->dates[0]);
}

static bool
with_factor(const struct ctx *c)
{
	return c->o->no_periods != 1;
}

/* Fill the design x (intercept, wtime if time, block dummies) and y. */
static int
design(struct ctx *c, bool time)
{
	struct glm *g = &c->g;
	size_t m = c->m, col = 0;

	if (with_factor(c) && c->n_levels < 2)
		return fk_error_set(c->err, FK_EINVAL, "no-periods",
				    "the seasonal factor has a single level in the fit");
	g->n = m;
	for (size_t i = 0; i < m; i++) {
		g->y[i] = c->y[c->idx[i] - 1];
		g->x[i] = 1;
	}
	col = 1;
	if (time) {
		for (size_t i = 0; i < m; i++)
			g->x[col * m + i] = wtime_of(c, c->idx[i]);
		col++;
	}
	if (with_factor(c)) {
		for (size_t l = 1; l < c->n_levels; l++, col++)
			for (size_t i = 0; i < m; i++)
				g->x[col * m + i] = c->factor[c->idx[i]] == c->levels[l];
	}
	g->p = col;
	return 0;
}

/* The new row for period k: intercept, wtime, dummy of level noPeriods. */
static int
new_row(const struct ctx *c, size_t k, bool time, double *x)
{
	size_t col = 0;
	x[col++] = 1;
	if (time)
		x[col++] = c->dates ? (double)(c->dates[k - 1] - c->dates[c->idx[0] - 1]) /
					  (double)(c->dates[1] - c->dates[0])
				    : (double)k;
	if (with_factor(c)) {
		bool found = c->levels[0] == c->o->no_periods;
		for (size_t l = 1; l < c->n_levels; l++) {
			x[col++] = c->levels[l] == c->o->no_periods;
			found |= c->levels[l] == c->o->no_periods;
		}
		if (!found)
			return fk_error_set(c->err, FK_EINVAL, "no-periods",
					    "factor level %d is not in the fit", c->o->no_periods);
	}
	return 0;
}

/* algo.farrington.fitGLM.flexible: the result of one call. */
struct model {
	bool time;	     /* the model has wtime */
	double phi;	     /* max(1, dispersion) */
	double disp_summary; /* the dispersion summary.glm/predict.glm see */
};

/* Returns 0 with the model in c->g, 1 for the package's NULL (no
 * convergence with nor without time), or an error. */
static int
fit_flexible(struct ctx *c, bool time, struct model *mod)
{
	const struct detect_farrington_options *o = c->o;
	struct glm *g = &c->g;
	int rc;

	mod->time = time;
	rc = design(c, time);
	if (rc)
		return rc;
	g->weighted = false;
	rc = glm_fit(g, c->err);
	if (rc)
		return rc;
	if (!g->converged) {
		if (time) {
			mod->time = false;
			rc = design(c, false);
			if (rc)
				return rc;
			rc = glm_fit(g, c->err);
			if (rc)
				return rc;
		}
		if (!g->converged)
			return 1;
	}
	mod->phi = isnan(g->dispersion) ? NAN : fmax(g->dispersion, 1);
	if (!o->reweight) {
		mod->disp_summary = g->dispersion;
		return 0;
	}
	/* Anscombe residuals, with the hat values of the last IRLS step
	 * computed as lm.influence() does: h_i = sum_j Q[i,j]^2 over the
	 * first rank columns of Q, set to 1 from 1 - 10 eps up */
	size_t m = g->n;
	double *s = c->omega, *q = c->qcol, denom = 0;
	for (size_t i = 0; i < m; i++)
		s[i] = 0;
	for (size_t j = 0; j < g->rank; j++) {
		for (size_t i = 0; i < m; i++)
			q[i] = i == j;
		qr_qy(g->qr, m, g->rank, g->qraux, q);
		for (size_t i = 0; i < m; i++)
			s[i] += q[i] * q[i];
	}
	for (size_t i = 0; i < m; i++) {
		double mu = g->mu[i], h = s[i];
		if (h >= 1 - 10 * DBL_EPSILON)
			h = 1;
		double a = 1.5 * (pow(g->y[i], 2.0 / 3.0) * pow(mu, -1.0 / 6.0) - pow(mu, 0.5));
		s[i] = a / sqrt(mod->phi * (1 - h));
	}
	/* algo.farrington.assign.weights.  A period with hat value 1 (alone
	 * in its block, fitted exactly) has s = a / 0 with a zero up to
	 * rounding: +-Inf (weight 0 or gamma, by the sign of a rounding
	 * error), or NaN for an exact 0, on which the package stops ("NAs
	 * are not allowed in subscripted assignments"); so does this. */
	for (size_t i = 0; i < m; i++) {
		if (isnan(s[i]))
			return fk_error_set(
			    c->err, FK_EINVAL, "observed",
			    "the reweighting is undefined: period %zu is alone in "
			    "its block of the fit and fitted exactly (the package "
			    "stops here too); use a wider --w or fewer --no-periods",
			    c->idx[i]);
		denom += s[i] > o->weights_threshold ? pow(s[i], -2) : 1;
	}
	double gam = (double)m / denom;
	for (size_t i = 0; i < m; i++)
		s[i] = s[i] > o->weights_threshold ? gam * pow(s[i], -2) : gam;
	/* refit with the weights (the package does not check convergence) */
	rc = design(c, mod->time);
	if (rc)
		return rc;
	memcpy(g->prior, s, m * sizeof *s);
	g->weighted = true;
	rc = glm_fit(g, c->err);
	if (rc)
		return rc;
	mod->phi = isnan(g->dispersion) ? NAN : fmax(g->dispersion, 1);
	mod->disp_summary = dispersion_with(g, g->prior);
	return 0;
}

/* predict.glm(se.fit = TRUE) at period k on the link scale. */
static int
predict(struct ctx *c, size_t k, const struct model *mod, double *eta, double *se)
{
	struct glm *g = &c->g;
	double *x = c->row;
	int rc;

	rc = new_row(c, k, mod->time, x);
	if (rc)
		return rc;
	/* predict.lm inverts R with qr.solve(), which refuses an R that
	 * dqrdc2 with tolerance 1e-7 finds rank deficient */
	for (size_t j = 0; j < g->rank; j++)
		for (size_t i = 0; i < g->rank; i++)
			c->rcopy[j * g->rank + i] = i <= j ? g->qr[j * g->n_good + i] : 0;
	if (qr_factor(c->rcopy, g->rank, g->rank, 1e-7, c->rqraux, c->rpivot, c->rwork) < g->rank)
		return fk_error_set(c->err, FK_EINVAL, "observed",
				    "period %zu: the GLM's prediction is singular (as the "
				    "package: \"singular matrix 'a' in solve\")",
				    k);
	*eta = 0;
	for (size_t j = 0; j < g->rank; j++)
		*eta += x[g->pivot[j]] * g->beta[g->pivot[j]];
	*se = sqrt(unscaled_variance(g, x, c->scratch) * mod->disp_summary);
	return 0;
}

/* summary.glm's p-value of wtime (the model has time). */
static int
trend_pvalue(struct ctx *c, const struct model *mod, double *pvalue)
{
	struct glm *g = &c->g;
	double *e = c->row;
	size_t df = g->n_good - g->rank;
	bool aliased = true;

	for (size_t j = 0; j < g->rank; j++)
		aliased &= g->pivot[j] != 1;
	if (aliased)
		return fk_error_set(c->err, FK_EINVAL, "trend", "the time trend is aliased");
	for (size_t j = 0; j < g->p; j++)
		e[j] = j == 1;
	/* diag((R'R)^-1) at wtime = ||R^-T e||^2 */
	double var = unscaled_variance(g, e, c->scratch);
	double t = g->beta[1] / sqrt(var * mod->disp_summary);
	if (df == 0 || isnan(t)) {
		*pvalue = NAN;
		return 0;
	}
	*pvalue = 2 * gsl_cdf_tdist_P(-fabs(t), (double)df);
	return 0;
}

/* One period: the upper bound, alarm and expected count. */
static int
assess(struct ctx *c, size_t k, struct detect_point *pt)
{
	const struct detect_farrington_options *o = c->o;
	struct model mod;
	double eta, se, y = c->y[k - 1];
	bool do_trend = false;
	int rc;

	pt->t = k;
	pt->observed = y;
	rc = reference_periods(c, k);
	if (rc)
		return rc;
	rc = blocks(c, k);
	if (rc)
		return rc;
	if (c->m == 0)
		return fk_error_set(c->err, FK_EINVAL, "range",
				    "period %zu: no reference periods to fit", k);
	if (glm_reserve(&c->g, c->m))
		return fk_error_set(c->err, FK_ENOMEM, "", "out of memory");
	rc = fit_flexible(c, o->trend, &mod);
	if (rc < 0)
		return rc;
	if (rc == 0 && mod.time) {
		double pv = NAN, maxy = 0;
		rc = predict(c, k, &mod, &eta, &se);
		if (rc)
			return rc;
		rc = trend_pvalue(c, &mod, &pv);
		if (rc)
			return rc;
		for (size_t i = 0; i < c->g.n; i++)
			maxy = fmax(maxy, c->g.y[i]);
		bool three = o->b >= 3, no_extrapolation = exp_floor(eta) <= maxy;
		if (!three || !no_extrapolation)
			do_trend = false;
		else if (isnan(pv))
			return fk_error_set(c->err, FK_EINVAL, "trend",
					    "period %zu: the trend test is undefined", k);
		else
			do_trend = pv < o->p_threshold_trend;
		if (!do_trend) {
			rc = fit_flexible(c, false, &mod);
			if (rc < 0)
				return rc;
			/* the package predicts from this refit unchecked, and
			 * predict.glm() stops on its NULL */
			if (rc == 1)
				return fk_error_set(c->err, FK_EINVAL, "observed",
						    "period %zu: the GLM without trend does not "
						    "converge (the package stops here too)",
						    k);
		}
	}
	if (rc == 1) { /* the package's NULL model */
		pt->upperbound = NAN;
		pt->alarm = DETECT_ALARM_NA;
		pt->expected = 0;
		return 0;
	}
	rc = predict(c, k, &mod, &eta, &se);
	if (rc)
		return rc;

	double upper, score, fit, expected;
	if (o->threshold == DETECT_THRESHOLD_DELTA) {
		/* algo.farrington.threshold.farrington, type "response" */
		double mu0 = exp_floor(eta), se_r = se * exp_floor(eta), tau, sd, ex;
		double z = gsl_cdf_ugaussian_Pinv(1 - o->alpha), lo, hi;
		fit = mu0;
		tau = mod.phi + (se_r * se_r) / mu0;
		switch (o->powertrans) {
		case DETECT_POWERTRANS_NONE:
			sd = sqrt(mu0 * tau);
			ex = 1;
			break;
		case DETECT_POWERTRANS_1_2:
			sd = sqrt(1.0 / 4 * tau);
			ex = 1.0 / 2;
			break;
		default:
			sd = sqrt(4.0 / 9 * pow(mu0, 1.0 / 3) * tau);
			ex = 2.0 / 3;
			break;
		}
		lo = pow(pow(mu0, ex) - z * sd, 1 / ex);
		hi = pow(pow(mu0, ex) + z * sd, 1 / ex);
		/* sort(c(lo, hi), na.last = FALSE)[2] */
		if (isnan(lo) || isnan(hi))
			upper = isnan(lo) ? hi : lo;
		else
			upper = lo > hi ? lo : hi;
		expected = fit;
	} else {
		/* algo.farrington.threshold.noufaily, type "link" */
		double mu0q;
		fit = eta;
		if (o->threshold == DETECT_THRESHOLD_NBPLUGIN)
			mu0q = exp(eta);
		else
			mu0q = exp(eta + se * gsl_cdf_ugaussian_Pinv(1 - o->alpha));
		if (isnan(mu0q))
			return fk_error_set(c->err, FK_EINVAL, "observed",
					    "period %zu: the expected count is undefined", k);
		if (mu0q == INFINITY) {
			upper = NAN;
		} else {
			struct discrete d = {0};
			if (mod.phi > 1) {
				d.size = mu0q / (mod.phi - 1);
				d.prob = 1 / mod.phi;
			} else {
				d.poisson = true;
				d.lambda = mu0q;
			}
			upper = discrete_quantile(&d, 1 - o->alpha);
		}
		expected = exp(eta);
	}
	score = isnan(upper) ? NAN : (y - fit) / (upper - fit);

	/* limit54: enough cases in the last periods */
	double recent = 0;
	for (long i = (long)k - o->limit54_periods + 1; i <= (long)k; i++)
		if (i >= 1)
			recent += c->y[i - 1];
	bool enough = recent >= o->limit54_cases;
	double x = enough ? score : NAN;
	pt->alarm = !isnan(x) && x > 1 && y != 0;
	pt->upperbound = enough ? upper : NAN;
	pt->expected = isnan(upper) || !enough ? NAN : expected;
	return 0;
}

void
detect_farrington_options_init(struct detect_farrington_options *o)
{
	o->frequency = 52;
	o->b = 5;
	o->w = 3;
	o->alpha = 0.05;
	o->reweight = true;
	o->weights_threshold = 2.58;
	o->trend = true;
	o->p_threshold_trend = 0.05;
	o->past_periods_not_included = -1;
	o->no_periods = 1;
	o->threshold = DETECT_THRESHOLD_DELTA;
	o->powertrans = DETECT_POWERTRANS_2_3;
	o->limit54_cases = 5;
	o->limit54_periods = 4;
	o->range_from = 0;
	o->range_to = 0;
}

static int
check_options(const struct detect_farrington_options *o, const int32_t *dates, size_t n,
	      struct fk_error *err)
{
	if (o->frequency < 1 || o->frequency > 366)
		return fk_error_set(err, FK_EINVAL, "frequency",
				    "the frequency must be between 1 and 366");
	if (dates && o->frequency != 12 && o->frequency != 52 && o->frequency != 365)
		return fk_error_set(err, FK_EINVAL, "frequency",
				    "with dates the frequency must be 12, 52 or 365");
	if (o->b < 1 || o->b > 100)
		return fk_error_set(err, FK_EINVAL, "b", "b must be between 1 and 100");
	if (o->w < 0 || o->w > 366)
		return fk_error_set(err, FK_EINVAL, "w", "w must be between 0 and 366");
	if (!(o->alpha > 0 && o->alpha < 1))
		return fk_error_set(err, FK_EINVAL, "alpha", "alpha must be between 0 and 1");
	if (!isfinite(o->weights_threshold))
		return fk_error_set(err, FK_EINVAL, "weights-threshold",
				    "the weights threshold must be a number");
	if (!(o->p_threshold_trend >= 0 && o->p_threshold_trend <= 1))
		return fk_error_set(err, FK_EINVAL, "p-threshold-trend",
				    "the trend threshold must be between 0 and 1");
	if (o->past_periods_not_included < -1 || o->past_periods_not_included > 10000)
		return fk_error_set(err, FK_EINVAL, "past-periods-not-included",
				    "must be between 0 and 10000");
	if (o->no_periods < 1 || o->no_periods > 60)
		return fk_error_set(err, FK_EINVAL, "no-periods",
				    "the number of periods must be between 1 and 60");
	if (o->threshold < DETECT_THRESHOLD_DELTA || o->threshold > DETECT_THRESHOLD_MUAN)
		return fk_error_set(err, FK_EINVAL, "threshold-method",
				    "the threshold method is delta, nbPlugin or muan");
	if (o->powertrans < DETECT_POWERTRANS_2_3 || o->powertrans > DETECT_POWERTRANS_NONE)
		return fk_error_set(err, FK_EINVAL, "powertrans",
				    "the power transformation is 2/3, 1/2 or none");
	if (!(o->limit54_cases >= 0) || o->limit54_periods <= 0)
		return fk_error_set(err, FK_EINVAL, "limit54",
				    "the limit54 arguments are out of bounds: cases >= 0 and "
				    "period > 0");
	if (dates) {
		if (n < 2)
			return fk_error_set(err, FK_EINVAL, "date",
					    "a dated series needs at least two periods");
		for (size_t i = 1; i < n; i++)
			if (dates[i] <= dates[i - 1])
				return fk_error_set(err, FK_EINVAL, "date",
						    "period %zu: the dates must increase", i + 1);
	}
	return 0;
}

int
detect_farrington(const double *observed, const int32_t *dates, size_t n,
		  const struct detect_farrington_options *o, struct detect_point *out,
		  size_t *n_out, struct fk_error *err)
{
	struct ctx c = {0};
	size_t from, to, p_max;
	int rc;

	*n_out = 0;
	rc = detect__check_counts(observed, n, true, err);
	if (rc)
		return rc;
	rc = check_options(o, dates, n, err);
	if (rc)
		return rc;
	if (o->range_from) {
		from = o->range_from;
	} else {
		size_t need = (size_t)o->frequency * (size_t)o->b + (size_t)o->w + 1;
		if (need > n)
			return fk_error_set(err, FK_EINVAL, "range",
					    "the series is too short: the default range starts at "
					    "period %zu (frequency*b + w + 1) but there are %zu",
					    need, n);
		from = need;
	}
	to = o->range_to ? o->range_to : n;
	if (from < 1 || to > n || from > to)
		return fk_error_set(err, FK_EINVAL, "range",
				    "the range %zu:%zu is not within the series (1:%zu)", from, to,
				    n);

	c.y = observed;
	c.dates = dates;
	c.n = n;
	c.o = o;
	c.err = err;
	c.pw = o->past_periods_not_included < 0 ? o->w : o->past_periods_not_included;
	p_max = 2 + (size_t)o->no_periods;
	c.factor = malloc((n + 1) * sizeof *c.factor);
	c.ref = malloc(((size_t)o->b + 1) * sizeof *c.ref);
	c.idx = malloc(n * sizeof *c.idx);
	c.levels = malloc(((size_t)o->no_periods + 1) * sizeof *c.levels);
	c.omega = malloc(n * sizeof *c.omega);
	c.scratch = malloc(p_max * sizeof *c.scratch);
	c.row = malloc(p_max * sizeof *c.row);
	c.qcol = malloc(n * sizeof *c.qcol);
	c.rcopy = malloc(p_max * p_max * sizeof *c.rcopy);
	c.rqraux = malloc(p_max * sizeof *c.rqraux);
	c.rwork = malloc(2 * p_max * sizeof *c.rwork);
	c.rpivot = malloc(p_max * sizeof *c.rpivot);
	if (!c.factor || !c.ref || !c.idx || !c.levels || !c.omega || !c.scratch || !c.row ||
	    !c.qcol || !c.rcopy || !c.rqraux || !c.rwork || !c.rpivot) {
		rc = fk_error_set(err, FK_ENOMEM, "", "out of memory");
		goto out;
	}
	/* a fit spans about b years: start with room for that */
	rc = glm_alloc(&c.g, n < 512 ? n : 512, p_max);
	if (rc) {
		rc = fk_error_set(err, FK_ENOMEM, "", "out of memory");
		goto out;
	}
	for (size_t k = from; k <= to; k++) {
		rc = assess(&c, k, &out[k - from]);
		if (rc)
			goto out_glm;
	}
	*n_out = to - from + 1;
out_glm:
	glm_free(&c.g);
out:
	free(c.factor);
	free(c.ref);
	free(c.idx);
	free(c.levels);
	free(c.omega);
	free(c.scratch);
	free(c.row);
	free(c.qcol);
	free(c.rcopy);
	free(c.rqraux);
	free(c.rwork);
	free(c.rpivot);
	return rc;
}

/*
 * rt.h -- analytics layer: the time-varying reproduction number Rt by
 * the method of Cori, Ferguson, Fraser and Cauchemez (2013, Am J
 * Epidemiol 178:1505), computed as R's EpiEstim::estimate_R (2.2-4)
 * computes it for method "parametric_si" and "non_parametric_si".
 *
 * The model: cases on day t are Poisson with mean R * Lambda_t, where
 * Lambda_t = sum_{k>=1} w_k I_{t-k} is the force of infection of the
 * cases before t (local and imported) weighted by the serial interval
 * distribution w.  With a gamma prior on R (mean 5, sd 5 by default)
 * that is constant over a window [t_start, t_end], the posterior is
 * gamma with shape a_prior + sum of local cases in the window and scale
 * 1 / (1 / b_prior + sum of Lambda_t in the window).
 *
 * What EpiEstim does, and so this module:
 *   - days are numbered from 1; windows need 2 <= t_start <= t_end <= T;
 *     the default is weekly sliding windows t_start = 2..T-6,
 *     t_end = t_start + 6 (here: any width W, t_start = 2..T-W+1);
 *   - the cases of day 1 all count as imported: with a single series I
 *     silently, with local and imported series with a warning
 *     (RT_WARN_LOCAL_DAY1) when local[0] > 0;
 *   - the parametric serial interval is discr_si(0..T-1, mean, sd), the
 *     discretised gamma of Cori et al.'s web appendix 11 (a gamma with
 *     mean - 1 and sd, shifted by one day); mean must be > 1, sd > 0;
 *   - a window whose t_end is not above the mean of the serial interval
 *     as used (truncated to T days for parametric_si) gives NA;
 *   - a warning (RT_WARN_TOO_EARLY) when the first window holds fewer
 *     cases than ceiling(1 / cv_posterior^2 - a_prior).
 * Where this module is stricter than EpiEstim: a non-parametric
 * distribution must sum to 1 within 1e-6 (EpiEstim: 0.01), and a
 * missing count is an error (EpiEstim's handling of NA is broken).
 *
 * Numbers agree with EpiEstim to about 1e-12 relative: the gamma CDF and
 * quantiles are computed here (GSL's incomplete gamma below shape 300,
 * Temme's uniform asymptotic expansion above, where GSL's loses
 * accuracy), sums are accumulated in long double as R's sum() does.
 *
 * Thread safety: an rt_t caches the serial interval and posterior
 * quantiles; use one per thread (or serialise calls).  The free
 * functions are thread-safe.  GSL's error handler should be off
 * (gsl_set_error_handler_off()); this module keeps to arguments for
 * which GSL raises no error, but the default handler aborts.
 */
#ifndef RT_H
#define RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fk_err.h"

/* The posterior quantiles EpiEstim reports, in its order; index 3 is
 * the median. */
#define RT_QUANTILES 7
extern const double rt_quantile_probs[RT_QUANTILES];

/* EpiEstim's column names of the R table, in order (t_start, t_end,
 * Mean(R), Std(R), the quantiles with Median(R) in the middle). */
#define RT_COLUMNS (4 + RT_QUANTILES)
extern const char *const rt_column_names[RT_COLUMNS];

/* Defaults of EpiEstim's make_config. */
#define RT_PRIOR_MEAN_DEFAULT 5.0
#define RT_PRIOR_SD_DEFAULT 5.0
#define RT_CV_POSTERIOR_DEFAULT 0.3
#define RT_WINDOW_DEFAULT 7

/* Limits: days of a series (100 years), windows, length of a
 * non-parametric serial interval, and one day's count (above the
 * world's population; keeps every sum exact in a double). */
#define RT_DAYS_MAX 36600
#define RT_WINDOWS_MAX 200000
#define RT_SI_MAX 36600
#define RT_COUNT_MAX 100000000000LL

/* Warnings, as bits of rt_result.warnings (EpiEstim's warning()s). */
enum rt_warning {
	RT_WARN_LOCAL_DAY1 = 1u << 0, /* local[0] > 0 was moved to imported */
	RT_WARN_TOO_EARLY = 1u << 1,  /* too few cases for cv_posterior */
};
#define RT_WARN_ALL (RT_WARN_LOCAL_DAY1 | RT_WARN_TOO_EARLY)

/* The text of one warning bit (EpiEstim's words); "" if unknown. */
const char *rt_warning_text(unsigned bit);

/* A window of days, 1-based and inclusive. */
struct rt_window {
	uint32_t t_start; /* first day, >= 2 */
	uint32_t t_end;	  /* last day, t_start..T */
};

/*
 * How to estimate.  Fill with rt_config_init(), then set the serial
 * interval: either si_distr (non-parametric: P(SI = k) for
 * k = 0..si_len-1, p[0] = 0, each >= 0, summing to 1 within 1e-6) or,
 * with si_distr NULL, si_mean > 1 and si_sd > 0 (parametric).
 * Windows: `windows` (n_windows of them, each 2 <= t_start <= t_end,
 * t_end checked against T at each estimate) or, with windows NULL,
 * sliding windows of `window` days (>= 1).  Arrays are copied by
 * rt_new(); the config may be discarded afterwards.
 */
struct rt_config {
	const double *si_distr;		 /* non-parametric SI, or NULL */
	size_t si_len;			 /* entries of si_distr, 1..RT_SI_MAX */
	double si_mean;			 /* parametric: mean SI in days, > 1 */
	double si_sd;			 /* parametric: sd of the SI in days, > 0 */
	double prior_mean;		 /* gamma prior on R: mean, > 0 */
	double prior_sd;		 /* gamma prior on R: sd, > 0 */
	double cv_posterior;		 /* for RT_WARN_TOO_EARLY, >= 0 */
	const struct rt_window *windows; /* custom windows, or NULL */
	size_t n_windows;		 /* 1..RT_WINDOWS_MAX if windows */
	uint32_t window;		 /* sliding width when windows is NULL */
};

/* EpiEstim's defaults: prior 5 and 5, cv_posterior 0.3, weekly sliding
 * windows, no serial interval yet (si_mean 0 is refused). */
void rt_config_init(struct rt_config *cfg);

/* One window's estimate: the posterior of R, or NA. */
struct rt_row {
	uint32_t t_start, t_end; /* the window, 1-based */
	bool na;		 /* EpiEstim's NA: t_end <= mean SI; the numbers are NAN */
	double mean;		 /* Mean(R) */
	double sd;		 /* Std(R) */
	double q[RT_QUANTILES];	 /* at rt_quantile_probs; q[3] is Median(R) */
};

/* The estimates of one series.  Zero-initialise; rt_estimate() reuses
 * the rows' memory from one call to the next; free with
 * rt_result_free(). */
struct rt_result {
	struct rt_row *rows; /* one per window, in the windows' order */
	size_t n;	     /* rows filled */
	size_t cap;	     /* rows allocated */
	unsigned warnings;   /* RT_WARN_* bits */
	double si_mean;	     /* mean of the SI as used (EpiEstim's SI.Moments) */
	double si_sd;	     /* its sd */
};

/* Release res's memory and zero it; NULL is fine. */
void rt_result_free(struct rt_result *res);

typedef struct rt rt_t;

/* Check cfg and make an estimator in *out (freed with rt_free()).
 * FK_EINVAL names the bad field ("si_mean", "si_sd", "si_distr",
 * "prior_mean", "prior_sd", "cv_posterior", "window", "t_start",
 * "t_end"); FK_ENOMEM. */
int rt_new(const struct rt_config *cfg, rt_t **out, struct fk_error *err) FK_MUST_CHECK;

/* Free an estimator; NULL is fine. */
void rt_free(rt_t *rt);

/*
 * Estimate Rt on one series of `days` days (1..RT_DAYS_MAX).  With
 * imported NULL, `local` is EpiEstim's I (all cases; day 1's count as
 * imported); otherwise the local and imported cases.  Counts are
 * 0..RT_COUNT_MAX.  Fills res (see struct rt_result).
 * FK_EINVAL names the field ("I", "local", "imported" with the 1-based
 * day in the message; "t_end" or "window" when the windows do not fit
 * in the series); FK_ENOMEM.  On error res->n is 0.
 */
int rt_estimate(rt_t *rt, const int64_t *local, const int64_t *imported, size_t days,
		struct rt_result *res, struct fk_error *err) FK_MUST_CHECK;

/*
 * EpiEstim's discr_si(k, mean, sd) for k = 0..n-1 into w[0..n-1]: the
 * discretised gamma serial interval (gamma with mean - 1 and sd, shifted
 * by one day).  FK_EINVAL unless mean > 1 and sd > 0 (finite).
 */
int rt_discr_si(double mean, double sd, size_t n, double *w, struct fk_error *err) FK_MUST_CHECK;

/* Check a non-parametric serial interval as rt_new() does (p[0] = 0,
 * each p finite and >= 0, sum 1 within 1e-6); FK_EINVAL naming
 * "si_distr" with the offending k in the message. */
int rt_si_check(const double *p, size_t n, struct fk_error *err) FK_MUST_CHECK;

/* The gamma CDF P(X <= x) for shape > 0, scale > 0 (R's pgamma);
 * 0 for x <= 0.  NAN for a bad shape or scale. */
double rt_gamma_cdf(double x, double shape, double scale);

/* The gamma quantile (R's qgamma) for 0 < p < 1, shape > 0, scale > 0;
 * NAN for bad arguments. */
double rt_gamma_quantile(double p, double shape, double scale);

#endif

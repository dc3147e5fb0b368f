/*
 * seir.h -- analytics layer: a deterministic SEIR model with a
 * transmission rate that changes at given times, solved with GSL's ODE
 * integrators; its maximum-likelihood fit to a daily case series and
 * forecasts with intervals (docs/analytics.md, section "SEIR").
 *
 * The model, for a closed population of N people, time t in days:
 *
 *     S' = -beta(t) S I / N
 *     E' =  beta(t) S I / N - sigma E
 *     I' =  sigma E - gamma I
 *     R' =  gamma I
 *     C' =  sigma E          (cumulative incidence: people who became
 *                             infectious since t = 0)
 *
 * beta(t) is piecewise constant: beta[0] before the first change point,
 * beta[k] from change[k-1] on.  The integrator stops exactly at every
 * change point and restarts there, so the jump in beta costs no
 * accuracy (a smooth switch would blur the date of an intervention such
 * as the Wuhan lockdown of 23 Jan 2020 over several days and add a
 * width parameter that daily counts hardly inform).  Solutions use the
 * embedded Runge-Kutta Prince-Dormand 8(9) stepper (gsl_odeiv2
 * rk8pd) with relative tolerance 1e-10 and absolute tolerance 1e-10
 * people; S + E + I + R = N holds to rounding (Runge-Kutta methods
 * conserve linear invariants).
 *
 * Observation model of the fit: the cases reported on day d are
 * rho x (C(d + 1 - delay) - C(d - delay)), the people who became
 * infectious during day d - delay, times the reported fraction rho
 * (Poisson, or negative binomial with variance mu + mu^2 / size).
 *
 * Every function here is pure (no I/O, no globals besides GSL's error
 * handler, which they switch off so that GSL never aborts the process)
 * and may be called from several threads at once.  Results go to
 * structs and arrays the caller owns.  Errors: 0, or FK_EINVAL with
 * err->field naming the parameter ("population", "beta", "cases"...),
 * or FK_ENOMEM.
 */
#ifndef SEIR_H
#define SEIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fk_err.h"

/* Most change points of beta(t). */
#define SEIR_CHANGE_MAX 16
/* Longest solve, in days (ten years: an epidemic, not a demography). */
#define SEIR_DAYS_MAX 3650
/* Largest population (the world, with room). */
#define SEIR_POPULATION_MAX 1e10
/* Smallest population: one person. */
#define SEIR_POPULATION_MIN 1.0
/* Largest rate beta, sigma or gamma, per day (a 15-minute mean stay). */
#define SEIR_RATE_MAX 100.0
/* Most forecast days, and most simulation draws of a forecast (its
 * memory is 16 bytes x days x draws: 58 MB at both maxima). */
#define SEIR_HORIZON_MAX 365
#define SEIR_DRAWS_MAX 10000
/* Fitted parameters: beta per segment, the seed, the NB size. */
#define SEIR_PAR_MAX (SEIR_CHANGE_MAX + 3)

/* Model parameters.  Plain value; every field is read. */
struct seir_params {
	double population;		/* N, people: 1 <= N <= SEIR_POPULATION_MAX */
	double sigma;			/* 1 / mean latent period, per day, 0..SEIR_RATE_MAX */
	double gamma;			/* 1 / mean infectious period, per day, 0..SEIR_RATE_MAX */
	size_t n_change;		/* change points used, 0..SEIR_CHANGE_MAX */
	double change[SEIR_CHANGE_MAX]; /* change times, days since t = 0, increasing, > 0 */
	double beta[SEIR_CHANGE_MAX + 1]; /* per day, of each segment, 0..SEIR_RATE_MAX */
};

/* The state at one time. */
struct seir_point {
	double t;     /* days since t = 0 */
	double s;     /* susceptible */
	double e;     /* exposed (infected, not yet infectious) */
	double i;     /* infectious */
	double r;     /* removed */
	double cases; /* cumulative incidence C(t): became infectious in (0, t] */
};

/*
 * Solve the model from t = 0 (S = N - e0 - i0, E = e0, I = i0, R = 0)
 * and write the state at t = 0, 1, ..., days into out[0..days], which
 * the caller provides (days + 1 elements).
 *
 * Errors (FK_EINVAL, field named): population not in [1, 1e10]; a rate
 * negative, above SEIR_RATE_MAX or not finite; change points not
 * increasing or not > 0, or more than SEIR_CHANGE_MAX; days not in
 * 1..SEIR_DAYS_MAX; e0 or i0 negative or e0 + i0 > population.
 * FK_ENOMEM; FK_EIO if the integrator fails (it should not within
 * these limits).  On error out[] is unspecified.
 */
int seir_solve(const struct seir_params *p, double e0, double i0, int days, struct seir_point *out,
	       struct fk_error *err) FK_MUST_CHECK;

/* Observation model of a fit. */
enum seir_family {
	SEIR_POISSON = 0, /* variance = mean */
	SEIR_NBINOM = 1,  /* variance = mean + mean^2 / size; size is fitted */
};

/*
 * What to fit, and to what.  Plain value; the arrays are borrowed for
 * the call.
 *
 * The series: n_obs counts cases[j] (whole numbers >= 0), reported on
 * days day[j] (days since t = 0; 0 <= day[0] < day[1] < ...; NULL
 * means day[j] = j).  A count covers the days since the previous
 * count's day: cases[j] are the cases reported on days
 * day[j-1] + 1 .. day[j] (for j = 0, on day[0] alone), which is what
 * a difference of cumulative counts gives across days without a
 * report.
 *
 * The seed: at model time 0 (report day -report_delay) the epidemic is
 * taken to grow in its dominant mode under beta[0]: of X0 infected,
 * E0 = X0 (r + gamma) / (r + gamma + sigma) and I0 = X0 sigma /
 * (r + gamma + sigma), r the growth rate of the linearised system.
 * X0 is fitted (that is why it needs no guess).
 */
struct seir_fit_spec {
	double population;		/* N */
	double sigma;			/* fixed, per day (1/5.2 is 5.2 d incubation) */
	double gamma;			/* fixed, per day (1/2.9 is 2.9 d infectious) */
	double reported;		/* reported fraction rho, (0, 1] */
	int report_delay;		/* days from becoming infectious to report, 0..60 */
	size_t n_change;		/* change points, 0..SEIR_CHANGE_MAX */
	double change[SEIR_CHANGE_MAX]; /* their report days (days since t = 0), increasing, > 0 */
	enum seir_family family;
	const double *cases; /* n_obs counts */
	const int *day;	     /* n_obs report days, or NULL for 0..n_obs-1 */
	size_t n_obs;	     /* at least n_change + 3 */
	/* Most likelihood evaluations of the search (0: no limit beyond
	 * the simplex's own iteration caps); the Hessian's are extra.  A
	 * budget for callers with a deadline (each costs one ODE solve). */
	int max_evaluations;
};

/*
 * The fit.  Estimates maximise the likelihood (Nelder-Mead simplex on
 * log beta, log X0 and log size, restarted until it stops improving);
 * standard errors come from the inverse of the numerical Hessian of
 * the negative log-likelihood in those log parameters, and intervals
 * are Wald intervals on the log scale, exp(log x +- 1.96 se).
 */
struct seir_fit {
	size_t n_beta;			     /* n_change + 1 */
	double beta[SEIR_CHANGE_MAX + 1];    /* estimate per segment, per day */
	double beta_se[SEIR_CHANGE_MAX + 1]; /* its standard error (delta method), NAN if none */
	double beta_lo[SEIR_CHANGE_MAX + 1]; /* 95% interval */
	double beta_hi[SEIR_CHANGE_MAX + 1];
	double r0[SEIR_CHANGE_MAX + 1]; /* beta / gamma: reproduction number with S ~ N */
	double r0_lo[SEIR_CHANGE_MAX + 1];
	double r0_hi[SEIR_CHANGE_MAX + 1];
	double seed, seed_se, seed_lo, seed_hi; /* X0 = E0 + I0 at model time 0 */
	double e0, i0;				/* its split */
	double size, size_se, size_lo, size_hi; /* NB size; NAN for Poisson; se NAN at the bound */
	double loglik;				/* maximised log-likelihood (full, with y! terms) */
	double aic;				/* -2 loglik + 2 n_par */
	size_t n_par;				/* parameters fitted */
	bool covariance_ok;			/* the Hessian was positive definite */
	bool converged;	 /* the simplex shrank to 1e-8 and restarts gained nothing */
	int evaluations; /* likelihood evaluations, the Hessian's included */
	/* For seir_forecast(): the estimate and covariance in the log
	 * parameters (log beta[0..n_beta), log seed, [log size]). */
	double theta[SEIR_PAR_MAX];
	double cov[SEIR_PAR_MAX][SEIR_PAR_MAX];
	bool size_at_bound; /* size reached 1e7: no overdispersion; not in cov */
};

/*
 * Fit spec's model to spec's series into *out (the caller's).
 * Errors: FK_EINVAL naming "population", "sigma", "gamma", "reported",
 * "report_delay", "change", "cases" (a negative, non-integer or
 * non-finite count, too few counts, none above zero) or "day"; FK_EIO
 * if no finite likelihood was found; FK_ENOMEM.
 * Four starting points, each searched to convergence: a few thousand
 * ODE solves, tens of milliseconds for weeks of data.
 */
int seir_fit_run(const struct seir_fit_spec *spec, struct seir_fit *out,
		 struct fk_error *err) FK_MUST_CHECK;

/* Forecast settings. */
struct seir_forecast_spec {
	int horizon;   /* days after the last report day, 1..SEIR_HORIZON_MAX */
	size_t draws;  /* simulations, 100..SEIR_DRAWS_MAX (1000 is plenty for 95%) */
	uint64_t seed; /* of the random numbers: same seed, same forecast */
	double level;  /* interval level, in (0, 1), e.g. 0.95 */
};

/* The forecast for one day. */
struct seir_forecast_day {
	int day;	 /* report day (days since t = 0) */
	double expected; /* mean count under the estimates */
	double median;	 /* of the simulated counts */
	double lower;	 /* prediction interval: parameters and observation noise */
	double upper;
	double expected_lower; /* interval of the mean: parameter uncertainty alone */
	double expected_upper;
};

/*
 * Forecast the counts of the `horizon` days after the last report day
 * of spec (the spec fit was made with) into out[0..horizon).  Each draw
 * takes the log parameters from the normal distribution of fit's
 * estimate and covariance, solves the model and draws a count per day
 * from the observation model (NB size drawn too); the intervals are
 * quantiles of the draws.  Without a covariance (fit->covariance_ok
 * false) only observation noise is drawn, and the expected_* interval
 * collapses to the expectation.  GSL's MT19937 generator with
 * fspec->seed.
 * Errors: FK_EINVAL naming "horizon", "draws", "level" or the spec's
 * fields; FK_ENOMEM; FK_EIO.
 */
int seir_forecast(const struct seir_fit_spec *spec, const struct seir_fit *fit,
		  const struct seir_forecast_spec *fspec, struct seir_forecast_day *out,
		  struct fk_error *err) FK_MUST_CHECK;

/*
 * The expected reported counts mu[j] of spec's observation days under
 * fit's estimates (for residuals and plots).  mu has spec->n_obs
 * elements.  Errors as seir_fit_run's.
 */
int seir_fit_expected(const struct seir_fit_spec *spec, const struct seir_fit *fit, double *mu,
		      struct fk_error *err) FK_MUST_CHECK;

#endif

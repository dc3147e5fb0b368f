/*
 * detect.h -- analytics layer: aberration detection in count series,
 * computed as R's surveillance package (1.20) computes it.
 *
 * Two detectors, each a pure function of a series of counts:
 *
 *   detect_ears()        surveillance::earsC, methods C1, C2 and C3 (the
 *                        CDC's Early Aberration Reporting System), for
 *                        short daily series;
 *   detect_farrington()  surveillance::farringtonFlexible: a quasi-Poisson
 *                        log-linear model fitted by IRLS to the same
 *                        season of the b previous years, with a trend
 *                        test, reweighting of past outbreaks and a
 *                        threshold ("delta", "nbPlugin" or "muan"), for
 *                        weekly series of several years.
 *
 * The defaults are the package's, and so are its quirks (they are noted
 * where they are reproduced, in detect.c and farrington.c): the same
 * input gives the same upper bounds and expected counts to rounding and
 * the same alarms, with NaN (for "NA") where the package gives NA.
 *
 * Both write one struct detect_point per time point of the range, in
 * order, into an array the caller provides with room for n points.
 * Neither keeps state: both are reentrant and thread-safe.  Memory they
 * allocate is freed before they return.
 */
#ifndef DETECT_H
#define DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fk_err.h"

/* The longest series either detector takes (periods). */
#define DETECT_SERIES_MAX 1000000

/* struct detect_point.alarm when the package gives NA. */
#define DETECT_ALARM_NA (-1)

/* The result at one time point; a plain value. */
struct detect_point {
	size_t t;	   /* 1-based position of the period in the input */
	double observed;   /* the count at t */
	double upperbound; /* threshold; NaN where surveillance gives NA */
	int alarm;	   /* 1 (observed above the bound), 0 or DETECT_ALARM_NA */
	double expected;   /* detect_farrington: expected count (NaN = NA);
			      detect_ears: NaN (the package has none) */
};

/* ---- EARS (surveillance::earsC) --------------------------------------- */

enum detect_ears_method {
	DETECT_EARS_C1 = 1, /* baseline: the `baseline` periods before t */
	DETECT_EARS_C2,	    /* the same, lagged by two periods */
	DETECT_EARS_C3,	    /* C2 plus the C2 excesses of t-1 and t-2 */
};

/* Options of detect_ears(); a plain value.  Fill with
 * detect_ears_options_init() and change what differs. */
struct detect_ears_options {
	enum detect_ears_method method; /* default C1 */
	int baseline;			/* reference periods, >= 3 (default 7) */
	double alpha;			/* upper bound is the 1-alpha quantile; NaN (the
					   default) means the package's default for the
					   method: 0.001 for C1 and C2, 0.025 for C3 */
	double min_sigma;		/* floor of the standard deviation, >= 0 (0) */
	size_t range_from;		/* 1-based first period to assess; 0 = default:
					   baseline+1 (C1), +3 (C2), +5 (C3) */
	size_t range_to;		/* 1-based last period; 0 = the last */
};

/* Fill o with surveillance's defaults for method C1. */
void detect_ears_options_init(struct detect_ears_options *o);

/* "C1", "C2", "C3" <-> the method; parse gives FK_EINVAL for anything
 * else, name "" for a value out of the enum. */
int detect_ears_method_parse(const char *s, enum detect_ears_method *out) FK_MUST_CHECK;
const char *detect_ears_method_name(enum detect_ears_method m);

/*
 * EARS C1, C2 or C3 on observed[0..n-1] (counts: finite, >= 0; the
 * package also takes non-integers, so this does), as surveillance::earsC.
 * Writes one point per period of the range into out (room for n points
 * needed) and their number into *n_out.
 *
 * Errors: FK_EINVAL with err naming the option or "observed" (an empty
 * or too long series, a negative or non-finite count, baseline < 3,
 * min_sigma < 0, alpha outside (0, 1), a range out of 1..n, a range that
 * starts too early for its baseline -- the package's "The vector of
 * observed is too short!"); FK_ENOMEM.
 */
int detect_ears(const double *observed, size_t n, const struct detect_ears_options *o,
		struct detect_point *out, size_t *n_out, struct fk_error *err) FK_MUST_CHECK;

/* ---- Farrington (surveillance::farringtonFlexible) -------------------- */

enum detect_threshold {
	DETECT_THRESHOLD_DELTA = 1, /* "delta": Farrington et al. (1996) */
	DETECT_THRESHOLD_NBPLUGIN,  /* "nbPlugin": negative binomial quantile */
	DETECT_THRESHOLD_MUAN,	    /* "muan": the same at the upper mean */
};

enum detect_powertrans {
	DETECT_POWERTRANS_2_3 = 1, /* "2/3" (default) */
	DETECT_POWERTRANS_1_2,	   /* "1/2" */
	DETECT_POWERTRANS_NONE,	   /* "none" */
};

/* Options of detect_farrington(), named as the package's control list;
 * a plain value.  Fill with detect_farrington_options_init(). */
struct detect_farrington_options {
	int frequency;			   /* periods per year: 52 (weekly, default), 12
					      or 365 when dates are given; any >= 1
					      without dates */
	int b;				   /* years back, >= 1 (5) */
	int w;				   /* half window in periods, >= 0 (3) */
	double alpha;			   /* in (0, 1) (0.05) */
	bool reweight;			   /* reweight past outbreaks (true) */
	double weights_threshold;	   /* Anscombe residual cut-off (2.58) */
	bool trend;			   /* try a linear time trend (true) */
	double p_threshold_trend;	   /* trend kept when p < this (0.05) */
	int past_periods_not_included;	   /* -1 (default) = w; else >= 0 */
	int no_periods;			   /* seasonal factor levels, >= 1 (1) */
	enum detect_threshold threshold;   /* (delta) */
	enum detect_powertrans powertrans; /* delta's transform (2/3) */
	double limit54_cases;		   /* alarm only with at least this many cases */
	int limit54_periods;		   /* ... in the last this many periods (5, 4) */
	size_t range_from;		   /* 1-based first period; 0 = default
					      frequency*b + w + 1 */
	size_t range_to;		   /* 1-based last period; 0 = the last */
};

/* Fill o with surveillance's defaults. */
void detect_farrington_options_init(struct detect_farrington_options *o);

/*
 * surveillance::farringtonFlexible on observed[0..n-1] (counts: finite
 * integers >= 0).  dates, if not NULL, are the periods' dates (days
 * since 1970-01-01, strictly increasing) and the reference periods are
 * then found by date as the package does for an sts with epochAsDate
 * (a year back, moved to the same weekday when frequency is 52); without
 * dates they are t - frequency*i.  Writes one point per period of the
 * range into out (room for n points) and their number into *n_out.  A
 * point where the GLM converges neither with nor without trend has
 * upperbound NaN, alarm DETECT_ALARM_NA and expected 0, as the package.
 *
 * Errors: FK_EINVAL with err naming the option or "observed" (an empty
 * or too long series, a bad count, dates not increasing, an option out
 * of its bounds, a range out of 1..n, reference periods missing from the
 * series -- "decrease b or postpone range" --, too many seasonal periods
 * for the window, a GLM the package too would stop on); FK_ENOMEM.
 */
int detect_farrington(const double *observed, const int32_t *dates, size_t n,
		      const struct detect_farrington_options *o, struct detect_point *out,
		      size_t *n_out, struct fk_error *err) FK_MUST_CHECK;

/* ---- internal to detect.c and farrington.c ---------------------------- */

/* 0 if observed[0..n-1] is a series either detector takes (1..
 * DETECT_SERIES_MAX finite counts >= 0, whole numbers if integers),
 * else FK_EINVAL naming the first bad period. */
int detect__check_counts(const double *observed, size_t n, bool integers,
			 struct fk_error *err) FK_MUST_CHECK;
/* R's mean() and sd() of x[0..n-1] (long double sums, two passes). */
double detect__mean(const double *x, size_t n);
double detect__sd(const double *x, size_t n);
/* R's pmax(a, b): NaN if either is NaN. */
double detect__pmax(double a, double b);

#endif

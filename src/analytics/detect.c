/*
 * detect.c -- analytics layer: EARS C1, C2 and C3 as surveillance::earsC
 * (1.20) computes them.  See detect.h; Farrington is in farrington.c.
 *
 * For each period t of the range, with B = baseline and z = qnorm(1-alpha):
 *
 *   C1: reference y[t-B .. t-1]      upper = mean + z * max(sd, minSigma)
 *   C2: reference y[t-B-2 .. t-3]    upper = mean + z * max(sd, minSigma)
 *   C3: C2(s) = (y[s] - mean_s) / max(sd_s, minSigma) for s = t-2, t-1, t;
 *       upper = max(0, y[t] + max(sd_t, minSigma) *
 *                      (z - max(0, C2(t-2) - 1) - max(0, C2(t-1) - 1)))
 *
 * and alarm = y[t] > upper (NA when upper is NA).  The C3 bound is the
 * package's: written on the count scale, it alarms exactly when the sum
 * of the three C2 excesses over 1 passes z.  With minSigma 0 and a flat
 * reference (sd 0) a C2 statistic is +-Inf or NaN (0/0), which the
 * package carries through pmax() into an NA bound; so does this code.
 * Means and variances are computed as R's mean() and var() do (long
 * double sums, two passes) so that ties fall the same way.
 */
#include "detect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

int
detect_ears_method_parse(const char *s, enum detect_ears_method *out)
{
	static const enum detect_ears_method all[] = {DETECT_EARS_C1, DETECT_EARS_C2,
						      DETECT_EARS_C3};
	for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
		if (strcmp(s, detect_ears_method_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return FK_EINVAL;
}

const char *
detect_ears_method_name(enum detect_ears_method m)
{
	switch (m) {
	case DETECT_EARS_C1: return "C1";
	case DETECT_EARS_C2: return "C2";
	case DETECT_EARS_C3: return "C3";
	}
	return "";
}

void
detect_ears_options_init(struct detect_ears_options *o)
{
	o->method = DETECT_EARS_C1;
	o->baseline = 7;
	o->alpha = NAN;
	o->min_sigma = 0;
	o->range_from = 0;
	o->range_to = 0;
}

double
detect__mean(const double *x, size_t n)
{
	/* R's mean(): a long double sum, then one refinement pass */
	long double s = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	s /= (long double)n;
	if (isfinite((double)s)) {
		long double t = 0;
		for (size_t i = 0; i < n; i++)
			t += x[i] - s;
		s += t / (long double)n;
	}
	return (double)s;
}

double
detect__sd(const double *x, size_t n)
{
	/* R's var(): the refined mean rounded to double, then a long
	 * double sum of squared deviations over n - 1 */
	if (n < 2)
		return NAN;
	double m = detect__mean(x, n);
	long double s = 0;
	for (size_t i = 0; i < n; i++) {
		long double d = (long double)x[i] - m;
		s += d * d;
	}
	return sqrt((double)(s / (long double)(n - 1)));
}

double
detect__pmax(double a, double b)
{
	/* R's pmax() without na.rm: NaN wins (C's fmax would drop it) */
	if (isnan(a) || isnan(b))
		return isnan(a) ? a : b;
	return a > b ? a : b;
}

int
detect__check_counts(const double *observed, size_t n, bool integers, struct fk_error *err)
{
	if (observed == NULL || n == 0)
		return fk_error_set(err, FK_EINVAL, "observed", "the series is empty");
	if (n > DETECT_SERIES_MAX)
		return fk_error_set(err, FK_EINVAL, "observed",
				    "the series has %zu periods; at most %d are taken", n,
				    DETECT_SERIES_MAX);
	for (size_t i = 0; i < n; i++) {
		double v = observed[i];
		if (!isfinite(v) || v < 0)
			return fk_error_set(err, FK_EINVAL, "observed",
					    "period %zu: the count must be a number >= 0", i + 1);
		if (integers && v != floor(v))
			return fk_error_set(err, FK_EINVAL, "observed",
					    "period %zu: the count must be a whole number", i + 1);
	}
	return 0;
}

/* Mean and sd of the reference values of period t (1-based): the
 * `baseline` periods ending `lag` periods before t. */
static void
reference(const double *y, size_t t, int baseline, int lag, double *mean, double *sd)
{
	const double *ref = y + (t - 1) - (size_t)lag - (size_t)baseline;
	*mean = detect__mean(ref, (size_t)baseline);
	*sd = detect__sd(ref, (size_t)baseline);
}

int
detect_ears(const double *observed, size_t n, const struct detect_ears_options *o,
	    struct detect_point *out, size_t *n_out, struct fk_error *err)
{
	int rc, max_lag, lag;
	size_t from, to;
	double alpha, z;

	*n_out = 0;
	rc = detect__check_counts(observed, n, false, err);
	if (rc)
		return rc;
	if (o->min_sigma < 0 || !isfinite(o->min_sigma))
		return fk_error_set(err, FK_EINVAL, "min-sigma",
				    "the minimum sigma must be a number >= 0");
	if (o->baseline < 3)
		return fk_error_set(err, FK_EINVAL, "baseline", "the minimum baseline is 3");
	if ((size_t)o->baseline > n)
		return fk_error_set(err, FK_EINVAL, "baseline",
				    "the baseline (%d) is longer than the series (%zu)",
				    o->baseline, n);
	switch (o->method) {
	case DETECT_EARS_C1:
		max_lag = o->baseline;
		lag = 0;
		break;
	case DETECT_EARS_C2:
		max_lag = o->baseline + 2;
		lag = 2;
		break;
	case DETECT_EARS_C3:
		max_lag = o->baseline + 4;
		lag = 2;
		break;
	default: return fk_error_set(err, FK_EINVAL, "method", "the method is C1, C2 or C3");
	}
	alpha = o->alpha;
	if (isnan(alpha))
		alpha = o->method == DETECT_EARS_C3 ? 0.025 : 0.001;
	if (!(alpha > 0 && alpha < 1))
		return fk_error_set(err, FK_EINVAL, "alpha", "alpha must be between 0 and 1");
	z = gsl_cdf_ugaussian_Pinv(1 - alpha);

	from = o->range_from ? o->range_from : (size_t)max_lag + 1;
	to = o->range_to ? o->range_to : n;
	if (from < 1 || to > n || from > to)
		return fk_error_set(err, FK_EINVAL, "range",
				    "the range %zu:%zu is not within the series (1:%zu)", from, to,
				    n);
	if (from <= (size_t)max_lag)
		return fk_error_set(
		    err, FK_EINVAL, "range",
		    "the series is too short: period %zu needs %d periods before it "
		    "(C%d with baseline %d)",
		    from, max_lag, (int)o->method, o->baseline);

	/* C3 needs the excesses over 1 of the C2 statistics of t-2 and t-1:
	 * carried along, starting two periods before the range */
	double excess_2 = 0, excess_1 = 0;
	if (o->method == DETECT_EARS_C3) {
		for (size_t s = from - 2; s < from; s++) {
			double m_s, sd_s, c2;
			reference(observed, s, o->baseline, lag, &m_s, &sd_s);
			c2 = (observed[s - 1] - m_s) / detect__pmax(sd_s, o->min_sigma);
			excess_2 = excess_1;
			excess_1 = detect__pmax(0, c2 - 1);
		}
	}
	for (size_t t = from; t <= to; t++) {
		struct detect_point *p = &out[t - from];
		double y = observed[t - 1], mean, sd, upper;

		reference(observed, t, o->baseline, lag, &mean, &sd);
		if (o->method == DETECT_EARS_C3) {
			double sigma = detect__pmax(sd, o->min_sigma);
			upper = y + sigma * (z - (excess_2 + excess_1));
			upper = detect__pmax(0, upper);
			excess_2 = excess_1;
			excess_1 = detect__pmax(0, (y - mean) / sigma - 1);
		} else {
			upper = mean + z * detect__pmax(sd, o->min_sigma);
		}
		p->t = t;
		p->observed = y;
		p->upperbound = upper;
		p->alarm = isnan(upper) ? DETECT_ALARM_NA : y > upper;
		p->expected = NAN;
	}
	*n_out = to - from + 1;
	return 0;
}

/*
 * fuzz_seir.c -- libFuzzer target for analytics/seir: whatever
 * parameters seir_solve() and seir_fit_run() are given, they answer 0
 * or FK_EINVAL naming a field (never a crash, a NaN or a hang), and
 * what they accept obeys the model:
 *
 *   - S + E + I + R = N on every day, every value finite, S never
 *     rises, the cumulative incidence never falls, nothing below zero
 *     beyond the integrator's tolerance;
 *   - up to the first change point the solution is bit for bit the
 *     solution without change points;
 *   - a fit's estimates are finite and positive, its expected counts
 *     finite and non-negative, and its log-likelihood (Poisson) that of
 *     those counts.
 *
 * The first byte picks the mode: raw IEEE doubles (mostly refused),
 * plausible parameters scaled from the bytes (mostly solved), or a
 * short series to fit.  A violation traps.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analytics/seir.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

#define FUZZ_DAYS_MAX 200

struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t
take_bits(struct input *in, size_t n)
{
	uint64_t v = 0;
	for (size_t k = 0; k < n; k++) {
		v <<= 8;
		if (in->left) {
			v |= *in->p++;
			in->left--;
		}
	}
	return v;
}

static double
take_raw(struct input *in)
{
	uint64_t bits = take_bits(in, 8);
	double d;
	memcpy(&d, &bits, sizeof d);
	return d;
}

/* A number in [lo, hi] from two bytes. */
static double
take_unit(struct input *in, double lo, double hi)
{
	return lo + (hi - lo) * (double)take_bits(in, 2) / 65535.0;
}

static void
check_error(int rc, const struct fk_error *err)
{
	CHECK(rc == FK_EINVAL);
	CHECK(err->code == FK_EINVAL && err->field[0] != '\0' && err->message[0] != '\0');
}

static void
check_solution(const struct seir_params *p, const struct seir_point *pts, int days)
{
	double n = p->population, tol = 1e-8 * n + 1e-6;
	for (int t = 0; t <= days; t++) {
		const struct seir_point *x = &pts[t];
		CHECK(x->t == t);
		CHECK(isfinite(x->s) && isfinite(x->e) && isfinite(x->i) && isfinite(x->r) &&
		      isfinite(x->cases));
		CHECK(fabs(x->s + x->e + x->i + x->r - n) <= tol);
		CHECK(x->s >= -tol && x->e >= -tol && x->i >= -tol && x->r >= -tol);
		if (t > 0) {
			CHECK(x->s <= pts[t - 1].s + tol);
			CHECK(x->cases >= pts[t - 1].cases - tol);
			CHECK(x->r >= pts[t - 1].r - tol);
		}
	}
}

static void
fuzz_solve(struct input *in, bool raw)
{
	static struct seir_point pts[FUZZ_DAYS_MAX + 1], plain[FUZZ_DAYS_MAX + 1];
	struct seir_params p = {0};
	struct fk_error err = {0};
	double e0, i0;
	int days, rc;

	if (raw) {
		p.population = take_raw(in);
		p.beta[0] = take_raw(in);
		p.sigma = take_raw(in);
		p.gamma = take_raw(in);
		e0 = take_raw(in);
		i0 = take_raw(in);
		days = (int)(int16_t)take_bits(in, 2);
		p.n_change = take_bits(in, 1) % (SEIR_CHANGE_MAX + 2);
		for (size_t k = 0; k < p.n_change && k < SEIR_CHANGE_MAX; k++) {
			p.change[k] = take_raw(in);
			p.beta[k + 1] = take_raw(in);
		}
		/* keep what would be accepted within the buffer; what
		 * is refused (< 1, > SEIR_DAYS_MAX) stays */
		if (days > FUZZ_DAYS_MAX && days <= SEIR_DAYS_MAX)
			days = FUZZ_DAYS_MAX;
	} else {
		p.population = exp(take_unit(in, 0, log(1e10)));
		p.beta[0] = take_unit(in, 0, 5);
		p.sigma = take_unit(in, 0, 3);
		p.gamma = take_unit(in, 0, 3);
		e0 = take_unit(in, 0, 1) * p.population / 2;
		i0 = take_unit(in, 0, 1) * p.population / 2;
		days = 1 + (int)(take_bits(in, 1) % FUZZ_DAYS_MAX);
		p.n_change = take_bits(in, 1) % 4;
		double at = 0;
		for (size_t k = 0; k < p.n_change; k++) {
			at += take_unit(in, 0.01, 60);
			p.change[k] = at;
			p.beta[k + 1] = take_unit(in, 0, 5);
		}
	}
	rc = seir_solve(&p, e0, i0, days, pts, &err);
	if (rc) {
		check_error(rc, &err);
		return;
	}
	CHECK(days >= 1);
	check_solution(&p, pts, days);

	if (p.n_change > 0) {
		struct seir_params q = p;
		q.n_change = 0;
		CHECK(seir_solve(&q, e0, i0, days, plain, &err) == 0);
		for (int t = 0; t <= days && t <= p.change[0]; t++)
			CHECK(memcmp(&pts[t], &plain[t], sizeof pts[t]) == 0);
	}
}

static void
fuzz_fit(struct input *in)
{
	double cases[12];
	int day[12];
	struct seir_fit fit;
	struct fk_error err = {0};
	double mu[12];
	size_t n = 4 + take_bits(in, 1) % 9;
	int d = (int)(take_bits(in, 1) % 3);

	for (size_t j = 0; j < n; j++) {
		cases[j] = (double)(take_bits(in, 1) % 64);
		day[j] = d;
		d += 1 + (int)(take_bits(in, 1) % 2);
	}
	struct seir_fit_spec spec = {
	    .population = exp(take_unit(in, log(100), log(1e8))),
	    .sigma = take_unit(in, 0.05, 1),
	    .gamma = take_unit(in, 0.05, 1),
	    .reported = take_unit(in, 0.05, 1),
	    .report_delay = (int)(take_bits(in, 1) % 8),
	    .n_change = take_bits(in, 1) % 2,
	    .change = {take_unit(in, 0.5, d)},
	    .family = take_bits(in, 1) % 2 ? SEIR_NBINOM : SEIR_POISSON,
	    .cases = cases,
	    .day = day,
	    .n_obs = n,
	    .max_evaluations = 60, /* a fuzzer's budget, not a fit's */
	};
	int rc = seir_fit_run(&spec, &fit, &err);
	if (rc) {
		CHECK(rc == FK_EINVAL || rc == FK_EIO);
		CHECK(err.message[0] != '\0');
		return;
	}
	CHECK(fit.n_beta == spec.n_change + 1);
	for (size_t k = 0; k < fit.n_beta; k++)
		CHECK(isfinite(fit.beta[k]) && fit.beta[k] > 0 && fit.beta[k] <= SEIR_RATE_MAX);
	CHECK(isfinite(fit.seed) && fit.seed > 0 && fit.seed <= spec.population);
	CHECK(isfinite(fit.loglik) && fit.loglik <= 1e-9);
	CHECK(seir_fit_expected(&spec, &fit, mu, &err) == 0);
	double ll = 0;
	for (size_t j = 0; j < n; j++) {
		CHECK(isfinite(mu[j]) && mu[j] >= 0);
		ll += cases[j] * log(fmax(mu[j], 1e-300)) - mu[j] - lgamma(cases[j] + 1);
	}
	/* the reported maximum is the likelihood of the reported estimates */
	if (spec.family == SEIR_POISSON)
		CHECK(fabs(ll - fit.loglik) <= 1e-6 * (1 + fabs(ll)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};

	if (size == 0)
		return 0;
	switch (take_bits(&in, 1) % 8) {
	case 0:
	case 1:
	case 2: fuzz_solve(&in, true); break;
	case 7: fuzz_fit(&in); break;
	default: fuzz_solve(&in, false); break;
	}
	return 0;
}

/*
 * rt_bench.c -- Rt benchmark: EpiEstim's weekly Rt for every region of a
 * synthetic daily series with analytics/rt (bench/rt.sh runs it beside
 * EpiEstim on the same input and checks that the two agree).
 *
 * Layer: tooling (bench/).  The series (seeded, GSL's mt19937 and
 * Poisson): per region a baseline of 0-5 cases a day and 0-3 epidemic
 * waves (Gaussian curves, peaks of 5 to 20,000 cases a day) with Poisson
 * noise; a fifth of the regions have only the baseline.
 *
 *   fk_bench_rt --regions 1000 --days 365 --seed 2020 --rounds 21
 *               [--si-mean 7.5 --si-sd 3.4] [--input FILE] [--output FILE]
 *
 * --input writes the series as CSV region,day,I (day 1-based); --output
 * writes the estimates of the last round as CSV region,t_start,t_end,
 * then EpiEstim's columns (%.17g, NA).  Prints key=value lines:
 * regions, days, windows (per round), cases, rounds, the wall-clock ms
 * of each round (c_rounds_ms) and their median (c_median_ms) with one
 * estimator reused for every region, and the same with a fresh
 * estimator per region (c_fresh_*), warnings (regions with EpiEstim's
 * posterior-CV warning), na (NA windows).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "analytics/rt.h"

#define ROUNDS_MAX 101

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
	double s[ROUNDS_MAX];
	memcpy(s, v, (size_t)n * sizeof *s);
	qsort(s, (size_t)n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static void
synthesise(int64_t *I, size_t regions, size_t days, unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, seed);
	for (size_t g = 0; g < regions; g++) {
		double base = gsl_rng_uniform(r) * 5;
		int waves = gsl_rng_uniform(r) < 0.2 ? 0 : 1 + (int)gsl_rng_uniform_int(r, 3);
		double peak[3], at[3], width[3];
		for (int w = 0; w < waves; w++) {
			/* peaks log-uniform on 5..20,000 */
			peak[w] = 5 * exp(gsl_rng_uniform(r) * log(4000.0));
			at[w] = gsl_rng_uniform(r) * (double)days;
			width[w] = 7 + gsl_rng_uniform(r) * 40;
		}
		for (size_t t = 0; t < days; t++) {
			double mu = base;
			for (int w = 0; w < waves; w++) {
				double z = ((double)t - at[w]) / width[w];
				mu += peak[w] * exp(-z * z);
			}
			I[g * days + t] = mu > 0 ? gsl_ran_poisson(r, mu) : 0;
		}
	}
	gsl_rng_free(r);
}

static void
print_number(FILE *f, double v)
{
	if (v != v)
		fputs(",NA", f);
	else
		fprintf(f, ",%.17g", v);
}

int
main(int argc, char **argv)
{
	size_t regions = 1000, days = 365;
	unsigned long seed = 2020;
	int rounds = 21;
	double si_mean = 7.5, si_sd = 3.4;
	const char *input = NULL, *output = NULL;
	double reused_ms[ROUNDS_MAX], fresh_ms[ROUNDS_MAX];
	struct rt_config cfg;
	struct rt_result res = {0};
	struct fk_error err = {0};
	size_t windows = 0, na = 0, warned = 0;
	long long cases = 0;
	int64_t *I;
	rt_t *rt = NULL;
	FILE *out = NULL;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--regions") == 0)
			regions = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--days") == 0)
			days = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--si-mean") == 0)
			si_mean = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--si-sd") == 0)
			si_sd = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--input") == 0)
			input = argv[i + 1];
		else if (strcmp(argv[i], "--output") == 0)
			output = argv[i + 1];
		else {
			fprintf(stderr, "rt_bench: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (regions < 1 || days < 8 || days > RT_DAYS_MAX || rounds < 1 || rounds > ROUNDS_MAX) {
		fprintf(stderr, "rt_bench: need regions >= 1, 8 <= days <= %d, 1..%d rounds\n",
			RT_DAYS_MAX, ROUNDS_MAX);
		return 2;
	}
	gsl_set_error_handler_off();
	I = malloc(regions * days * sizeof *I);
	if (I == NULL)
		return 1;
	synthesise(I, regions, days, seed);
	for (size_t i = 0; i < regions * days; i++)
		cases += I[i];
	if (input) {
		FILE *f = fopen(input, "w");
		if (f == NULL) {
			perror(input);
			return 1;
		}
		fputs("region,day,I\n", f);
		for (size_t g = 0; g < regions; g++)
			for (size_t t = 0; t < days; t++)
				fprintf(f, "%zu,%zu,%lld\n", g + 1, t + 1,
					(long long)I[g * days + t]);
		if (fclose(f)) {
			perror(input);
			return 1;
		}
	}

	rt_config_init(&cfg);
	cfg.si_mean = si_mean;
	cfg.si_sd = si_sd;
	for (int r = 0; r < rounds; r++) {
		double t0;
		bool last = r == rounds - 1;

		/* one estimator for every region (the cache warms in round 1) */
		if (rt == NULL && rt_new(&cfg, &rt, &err)) {
			fprintf(stderr, "rt_bench: %s\n", err.message);
			return 1;
		}
		if (last && output) {
			out = fopen(output, "w");
			if (out == NULL) {
				perror(output);
				return 1;
			}
			fputs("region", out);
			for (int j = 0; j < RT_COLUMNS; j++)
				fprintf(out, ",%s", rt_column_names[j]);
			fputc('\n', out);
		}
		t0 = now_ms();
		for (size_t g = 0; g < regions; g++) {
			if (rt_estimate(rt, I + g * days, NULL, days, &res, &err)) {
				fprintf(stderr, "rt_bench: region %zu: %s\n", g + 1, err.message);
				return 1;
			}
			if (out) {
				/* this round is not counted (see below) */
				for (size_t i = 0; i < res.n; i++) {
					const struct rt_row *row = &res.rows[i];
					fprintf(out, "%zu,%u,%u", g + 1, (unsigned)row->t_start,
						(unsigned)row->t_end);
					print_number(out, row->mean);
					print_number(out, row->sd);
					for (int j = 0; j < RT_QUANTILES; j++)
						print_number(out, row->q[j]);
					fputc('\n', out);
				}
			}
			if (last) {
				windows += res.n;
				for (size_t i = 0; i < res.n; i++)
					na += res.rows[i].na;
				warned += (res.warnings & RT_WARN_TOO_EARLY) != 0;
			}
		}
		reused_ms[r] = now_ms() - t0;

		/* a fresh estimator per region: no warm cache */
		t0 = now_ms();
		for (size_t g = 0; g < regions; g++) {
			rt_t *one = NULL;
			if (rt_new(&cfg, &one, &err) ||
			    rt_estimate(one, I + g * days, NULL, days, &res, &err)) {
				fprintf(stderr, "rt_bench: region %zu: %s\n", g + 1, err.message);
				return 1;
			}
			rt_free(one);
		}
		fresh_ms[r] = now_ms() - t0;
	}
	if (out && fclose(out)) {
		perror(output);
		return 1;
	}
	/* the last round wrote the output: leave it out of the figures when
	 * there are others */
	if (output && rounds > 1)
		rounds--;

	printf("regions=%zu\ndays=%zu\nseed=%lu\nwindows=%zu\ncases=%lld\nna=%zu\nwarnings=%zu\n",
	       regions, days, seed, windows, cases, na, warned);
	printf("si_mean=%g\nsi_sd=%g\nrounds=%d\n", si_mean, si_sd, rounds);
	printf("c_rounds_ms=");
	for (int r = 0; r < rounds; r++)
		printf("%s%.2f", r ? " " : "", reused_ms[r]);
	printf("\nc_median_ms=%.2f\nc_fresh_rounds_ms=", median(reused_ms, rounds));
	for (int r = 0; r < rounds; r++)
		printf("%s%.2f", r ? " " : "", fresh_ms[r]);
	printf("\nc_fresh_median_ms=%.2f\n", median(fresh_ms, rounds));
	rt_result_free(&res);
	rt_free(rt);
	free(I);
	return 0;
}

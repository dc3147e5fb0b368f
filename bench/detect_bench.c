/*
 * detect_bench.c -- tooling (bench/): the early-warning benchmark's C
 * side, run by bench/detect.sh beside R's surveillance package.
 *
 *   fk_bench_detect gen --dir D [--ears-series 1000] [--days 365]
 *                   [--farr-series 20] [--weeks 418] [--seed 2020]
 *       write seeded synthetic series: D/ears.csv (series,observed; daily
 *       counts with a weekday effect and outbreaks) and D/farr.csv
 *       (series,date,observed; weekly counts from 2013-01-07 with
 *       seasonality and outbreaks)
 *   fk_bench_detect run --dir D [--rounds 11]
 *       time detect_ears() C1, C2, C3 over every daily series and
 *       detect_farrington() (package defaults, dates) over every weekly
 *       series, `rounds` times each; print key=value lines (median and
 *       per-round milliseconds) and write the results of the last round
 *       to D/c_ears_C1.csv .. D/c_farr.csv
 *   fk_bench_detect compare --dir D
 *       compare D/c_*.csv with R's D/r_*.csv (same columns): print the
 *       number of rows, of alarms that differ and of bounds or expected
 *       counts more than 1e-6 relative apart, per method
 *
 * Columns of the result files: series,t,upperbound,alarm[,expected].
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/detect.h"
#include "core/date.h"

#define LINE_MAX_LEN 256

/* ---- data -------------------------------------------------------------------- */

struct set {
	size_t n_series;
	size_t *start; /* n_series + 1 offsets into y/dates */
	double *y;
	int32_t *dates; /* NULL for the daily set */
};

static void
set_free(struct set *s)
{
	free(s->start);
	free(s->y);
	free(s->dates);
}

static uint64_t rng_state = 88172645463325252ULL;

static double
uniform(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

static double
poisson(double lambda)
{
	/* inversion by sequential search; lambda stays below ~200 here */
	double p = exp(-lambda), f = p, u = uniform();
	double k = 0;
	while (u > f && k < 10000) {
		k++;
		p *= lambda / k;
		f += p;
	}
	return k;
}

static int
gen(const char *dir, size_t ears_series, size_t days, size_t farr_series, size_t weeks)
{
	char path[1024];
	FILE *f;
	int32_t start = 0;

	snprintf(path, sizeof path, "%s/ears.csv", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return perror(path), 1;
	fputs("series,observed\n", f);
	for (size_t s = 0; s < ears_series; s++) {
		double base = 1 + 29 * uniform();
		size_t outbreak = (size_t)(uniform() * (double)days);
		for (size_t t = 0; t < days; t++) {
			double lam = base * (1 + 0.3 * sin(2 * M_PI * (double)t / 7));
			if (t >= outbreak && t < outbreak + 5)
				lam += 2 * base;
			fprintf(f, "%zu,%.0f\n", s + 1, poisson(lam));
		}
	}
	if (fclose(f))
		return perror(path), 1;

	if (date_parse("2013-01-07", &start))
		return 1;
	snprintf(path, sizeof path, "%s/farr.csv", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return perror(path), 1;
	fputs("series,date,observed\n", f);
	for (size_t s = 0; s < farr_series; s++) {
		double base = 0.5 + 30 * uniform() * uniform();
		for (size_t t = 0; t < weeks; t++) {
			char d[DATE_STR_LEN];
			double ph = 2 * M_PI * (double)t / 52;
			double lam = base * exp(0.5 * sin(ph) + 0.2 * cos(ph));
			if (uniform() < 0.02)
				lam += 3 * base + 5;
			fprintf(f, "%zu,%s,%.0f\n", s + 1, date_format(start + 7 * (int32_t)t, d),
				poisson(lam));
		}
	}
	if (fclose(f))
		return perror(path), 1;
	return 0;
}

static int
load(const char *dir, const char *name, bool dated, struct set *out)
{
	char path[1024], line[LINE_MAX_LEN];
	size_t n = 0, cap = 0, last = 0;
	FILE *f;

	memset(out, 0, sizeof *out);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return perror(path), 1;
	if (fgets(line, sizeof line, f) == NULL)
		goto bad;
	while (fgets(line, sizeof line, f)) {
		char *rest = line, *series = strsep(&rest, ","), *date = NULL, *obs;
		size_t id;
		if (dated)
			date = strsep(&rest, ",");
		obs = strsep(&rest, ",\n");
		if (series == NULL || obs == NULL)
			goto bad;
		id = strtoul(series, NULL, 10);
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			out->y = realloc(out->y, cap * sizeof *out->y);
			if (dated)
				out->dates = realloc(out->dates, cap * sizeof *out->dates);
			if (out->y == NULL || (dated && out->dates == NULL))
				goto bad;
		}
		if (id != last) {
			if (id != last + 1)
				goto bad;
			out->start = realloc(out->start, (id + 1) * sizeof *out->start);
			if (out->start == NULL)
				goto bad;
			out->start[id - 1] = n;
			last = id;
		}
		out->y[n] = strtod(obs, NULL);
		if (dated && date_parse(date, &out->dates[n]))
			goto bad;
		n++;
	}
	fclose(f);
	out->n_series = last;
	if (last == 0)
		return fprintf(stderr, "%s: no series\n", path), 1;
	out->start[last] = n;
	return 0;
bad:
	fprintf(stderr, "%s: unreadable\n", path);
	fclose(f);
	set_free(out);
	return 1;
}

/* ---- timing ------------------------------------------------------------------- */

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
put(FILE *f, double v)
{
	if (isnan(v))
		fputs("NA", f);
	else
		fprintf(f, "%.17g", v);
}

static void
write_points(FILE *f, size_t series, const struct detect_point *p, size_t n, bool expected)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%zu,%zu,", series, p[i].t);
		put(f, p[i].upperbound);
		if (p[i].alarm == DETECT_ALARM_NA)
			fputs(",NA", f);
		else
			fprintf(f, ",%d", p[i].alarm);
		if (expected) {
			fputc(',', f);
			put(f, p[i].expected);
		}
		fputc('\n', f);
	}
}

static int
run(const char *dir, int rounds)
{
	static const char *const names[] = {"C1", "C2", "C3"};
	struct set ears, farr;
	struct detect_point *pts;
	struct fk_error err = {0};
	size_t max_len = 0, cells = 0, farr_points = 0;
	double *ms = malloc((size_t)rounds * sizeof *ms);
	char path[1024];

	if (ms == NULL || load(dir, "ears.csv", false, &ears))
		return 1;
	if (load(dir, "farr.csv", true, &farr))
		return 1;
	for (size_t s = 0; s < ears.n_series; s++)
		if (ears.start[s + 1] - ears.start[s] > max_len)
			max_len = ears.start[s + 1] - ears.start[s];
	for (size_t s = 0; s < farr.n_series; s++)
		if (farr.start[s + 1] - farr.start[s] > max_len)
			max_len = farr.start[s + 1] - farr.start[s];
	pts = malloc(max_len * sizeof *pts);
	if (pts == NULL)
		return 1;
	printf("ears_series=%zu\nears_days=%zu\n", ears.n_series, ears.start[1]);
	printf("farr_series=%zu\nfarr_weeks=%zu\nrounds=%d\n", farr.n_series, farr.start[1],
	       rounds);

	for (int m = 0; m < 3; m++) {
		struct detect_ears_options o;
		detect_ears_options_init(&o);
		o.method = (enum detect_ears_method)(DETECT_EARS_C1 + m);
		for (int r = 0; r < rounds; r++) {
			double t0 = now_ms();
			cells = 0;
			for (size_t s = 0; s < ears.n_series; s++) {
				size_t n = 0;
				if (detect_ears(ears.y + ears.start[s],
						ears.start[s + 1] - ears.start[s], &o, pts, &n,
						&err))
					return fprintf(stderr, "ears: %s\n", err.message), 1;
				cells += n;
			}
			ms[r] = now_ms() - t0;
		}
		printf("c_ears_%s_points=%zu\n", names[m], cells);
		printf("c_ears_%s_rounds_ms=", names[m]);
		for (int r = 0; r < rounds; r++)
			printf("%s%.3f", r ? " " : "", ms[r]);
		printf("\nc_ears_%s_median_ms=%.3f\n", names[m], median(ms, rounds));
		/* the results, once more, for the comparison */
		snprintf(path, sizeof path, "%s/c_ears_%s.csv", dir, names[m]);
		FILE *f = fopen(path, "w");
		if (f == NULL)
			return perror(path), 1;
		fputs("series,t,upperbound,alarm\n", f);
		for (size_t s = 0; s < ears.n_series; s++) {
			size_t n = 0;
			if (detect_ears(ears.y + ears.start[s], ears.start[s + 1] - ears.start[s],
					&o, pts, &n, &err))
				return 1;
			write_points(f, s + 1, pts, n, false);
		}
		if (fclose(f))
			return perror(path), 1;
	}

	struct detect_farrington_options fo;
	detect_farrington_options_init(&fo);
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ms();
		farr_points = 0;
		for (size_t s = 0; s < farr.n_series; s++) {
			size_t n = 0, len = farr.start[s + 1] - farr.start[s];
			if (detect_farrington(farr.y + farr.start[s], farr.dates + farr.start[s],
					      len, &fo, pts, &n, &err))
				return fprintf(stderr, "farrington: %s\n", err.message), 1;
			farr_points += n;
		}
		ms[r] = now_ms() - t0;
	}
	printf("c_farr_points=%zu\nc_farr_rounds_ms=", farr_points);
	for (int r = 0; r < rounds; r++)
		printf("%s%.3f", r ? " " : "", ms[r]);
	printf("\nc_farr_median_ms=%.3f\n", median(ms, rounds));
	snprintf(path, sizeof path, "%s/c_farr.csv", dir);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return perror(path), 1;
	fputs("series,t,upperbound,alarm,expected\n", f);
	for (size_t s = 0; s < farr.n_series; s++) {
		size_t n = 0, len = farr.start[s + 1] - farr.start[s];
		if (detect_farrington(farr.y + farr.start[s], farr.dates + farr.start[s], len, &fo,
				      pts, &n, &err))
			return 1;
		write_points(f, s + 1, pts, n, true);
	}
	if (fclose(f))
		return perror(path), 1;
	free(pts);
	free(ms);
	set_free(&ears);
	set_free(&farr);
	return 0;
}

/* ---- comparison --------------------------------------------------------------- */

static double
field_num(const char *s)
{
	return strcmp(s, "NA") == 0 || strcmp(s, "NaN") == 0 ? NAN : strtod(s, NULL);
}

static bool
differ(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) != isnan(b);
	return fabs(a - b) > 1e-6 * fabs(b);
}

static int
compare_one(const char *dir, const char *what, bool expected)
{
	char pc[1024], pr[1024], lc[LINE_MAX_LEN], lr[LINE_MAX_LEN];
	size_t rows = 0, alarms = 0, values = 0, shape = 0;
	FILE *fc, *fr;

	snprintf(pc, sizeof pc, "%s/c_%s.csv", dir, what);
	snprintf(pr, sizeof pr, "%s/r_%s.csv", dir, what);
	fc = fopen(pc, "r");
	fr = fopen(pr, "r");
	if (fc == NULL || fr == NULL) {
		fprintf(stderr, "cannot open %s or %s\n", pc, pr);
		return 1;
	}
	if (!fgets(lc, sizeof lc, fc) || !fgets(lr, sizeof lr, fr))
		return 1;
	for (;;) {
		char *a = fgets(lc, sizeof lc, fc), *b = fgets(lr, sizeof lr, fr);
		char *fa[5] = {0}, *fb[5] = {0}, *ra = lc, *rb = lr;
		if (a == NULL || b == NULL) {
			shape += (a != NULL) + (b != NULL);
			break;
		}
		rows++;
		lc[strcspn(lc, "\n")] = '\0';
		lr[strcspn(lr, "\n")] = '\0';
		for (int k = 0; k < 5; k++) {
			fa[k] = strsep(&ra, ",");
			fb[k] = strsep(&rb, ",");
		}
		if (!fa[3] || !fb[3] || strcmp(fa[0], fb[0]) || strcmp(fa[1], fb[1])) {
			shape++;
			continue;
		}
		alarms += strcmp(fa[3], fb[3]) != 0;
		values += differ(field_num(fa[2]), field_num(fb[2]));
		if (expected && fa[4] && fb[4])
			values += differ(field_num(fa[4]), field_num(fb[4]));
	}
	fclose(fc);
	fclose(fr);
	printf("compare_%s_rows=%zu\ncompare_%s_alarms_differ=%zu\ncompare_%s_values_differ=%zu\n"
	       "compare_%s_rows_unmatched=%zu\n",
	       what, rows, what, alarms, what, values, what, shape);
	return 0;
}

static int
compare(const char *dir)
{
	int rc = compare_one(dir, "ears_C1", false);
	rc |= compare_one(dir, "ears_C2", false);
	rc |= compare_one(dir, "ears_C3", false);
	rc |= compare_one(dir, "farr", true);
	return rc;
}

/* ---- main --------------------------------------------------------------------- */

static const char *
opt(int argc, char **argv, const char *name, const char *dflt)
{
	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return dflt;
}

int
main(int argc, char **argv)
{
	const char *dir;

	if (argc < 2) {
		fprintf(stderr, "usage: fk_bench_detect gen|run|compare --dir D [options]\n");
		return 2;
	}
	dir = opt(argc, argv, "--dir", NULL);
	if (dir == NULL) {
		fprintf(stderr, "fk_bench_detect: --dir is required\n");
		return 2;
	}
	if (strcmp(argv[1], "gen") == 0) {
		rng_state ^=
		    strtoull(opt(argc, argv, "--seed", "2020"), NULL, 10) * 0x9E3779B97F4A7C15ULL;
		return gen(dir, strtoul(opt(argc, argv, "--ears-series", "1000"), NULL, 10),
			   strtoul(opt(argc, argv, "--days", "365"), NULL, 10),
			   strtoul(opt(argc, argv, "--farr-series", "20"), NULL, 10),
			   strtoul(opt(argc, argv, "--weeks", "418"), NULL, 10));
	}
	if (strcmp(argv[1], "run") == 0) {
		int rounds = atoi(opt(argc, argv, "--rounds", "11"));
		if (rounds < 1 || rounds > 1001)
			return fprintf(stderr, "fk_bench_detect: --rounds 1..1001\n"), 2;
		return run(dir, rounds);
	}
	if (strcmp(argv[1], "compare") == 0)
		return compare(dir);
	fprintf(stderr, "fk_bench_detect: unknown mode %s\n", argv[1]);
	return 2;
}

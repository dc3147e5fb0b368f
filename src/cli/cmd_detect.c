/*
 * cmd_detect.c -- cli layer: `fangkong detect`, aberration detection on
 * a count series from a CSV file, with no database (DESIGN.md §6;
 * docs/analytics.md, section "Early warning").
 *
 *   fangkong detect ears --method C1|C2|C3 --input FILE.csv [--baseline 7]
 *                        [--alpha A] [--min-sigma 0] [--range FROM:TO]
 *   fangkong detect farrington --input FILE.csv --frequency 52 [--b 5] [--w 3]
 *                        [--alpha 0.05] [--weights-threshold 2.58] [--no-reweight]
 *                        [--no-trend] [--p-threshold-trend 0.05]
 *                        [--past-periods-not-included N] [--no-periods 1]
 *                        [--threshold-method delta|nbPlugin|muan] [--range FROM:TO]
 *
 * The input has a header with a column `observed` (whole numbers >= 0)
 * and optionally `date` (YYYY-MM-DD, increasing); other columns are
 * ignored.  The output is CSV t,observed,upperbound,alarm (farrington
 * adds expected), one row per period of the range, t the 1-based row of
 * the input, NA where R's surveillance package gives NA.
 *
 * Usage errors (an unknown or malformed flag) exit 2 naming the flag;
 * a bad input file or options the method refuses exit 1.  Nothing is
 * written to stdout on error.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/detect.h"
#include "app/app_impl.h"
#include "core/date.h"

int cmd_detect(int argc, char **argv);

/* Largest input file; largest count. */
#define DETECT_FILE_MAX (64L * 1024 * 1024)
#define DETECT_COUNT_MAX 1000000000L

static const char usage_ears[] =
    "usage: fangkong detect ears --method C1|C2|C3 --input FILE.csv [--baseline 7]\n"
    "                            [--alpha A] [--min-sigma 0] [--range FROM:TO]\n";
static const char usage_farrington[] =
    "usage: fangkong detect farrington --input FILE.csv --frequency 52 [--b 5] [--w 3]\n"
    "           [--alpha 0.05] [--weights-threshold 2.58] [--no-reweight] [--no-trend]\n"
    "           [--p-threshold-trend 0.05] [--past-periods-not-included N] [--no-periods 1]\n"
    "           [--threshold-method delta|nbPlugin|muan] [--range FROM:TO]\n";

static void
help_input(void)
{
	printf("FILE.csv has a header with a column observed (the counts, whole numbers\n"
	       "0..%ld, one row per period in time order) and optionally a column date\n"
	       "(YYYY-MM-DD, increasing); other columns are ignored.  The output is CSV\n"
	       "with a header, one row per period of the range; t is the 1-based row of\n"
	       "the input, NA stands where R's surveillance package gives NA.\n\n"
	       "A bad row (a missing, negative or non-integer count, a bad date) is named\n"
	       "on stderr by row; nothing is written to stdout and the exit status is 1.\n"
	       "Usage errors exit with 2.\n",
	       DETECT_COUNT_MAX);
}

static void
help_ears(void)
{
	printf("%s\n", usage_ears);
	printf("EARS C1, C2 or C3 (the CDC's Early Aberration Reporting System) as\n"
	       "surveillance::earsC computes them, for short daily series.  Writes\n"
	       "t,observed,upperbound,alarm.\n\n"
	       "Options (defaults are the package's):\n"
	       "  --method M       C1 (baseline: the periods just before t), C2 (the same\n"
	       "                   two periods earlier) or C3 (C2 with the excesses of the\n"
	       "                   two periods before)\n"
	       "  --input FILE     the series CSV (at most %ld MB)\n"
	       "  --baseline N     reference periods, >= 3 (7)\n"
	       "  --alpha A        the bound is the 1-A normal quantile (0.001 for C1 and\n"
	       "                   C2, 0.025 for C3, as the package)\n"
	       "  --min-sigma S    floor of the standard deviation (0)\n"
	       "  --range FROM:TO  1-based periods to assess (from baseline+1, +3 or +5\n"
	       "                   for C1, C2, C3, to the last)\n\n",
	       DETECT_FILE_MAX / (1024 * 1024));
	help_input();
}

static void
help_farrington(void)
{
	printf("%s\n", usage_farrington);
	printf("surveillance::farringtonFlexible: a quasi-Poisson GLM on the same season\n"
	       "of the b previous years, with a trend test, reweighting of past outbreaks\n"
	       "and a threshold, for weekly (or monthly) series of several years.  Writes\n"
	       "t,observed,upperbound,alarm,expected.\n\n"
	       "Options (defaults are the package's):\n"
	       "  --input FILE              the series CSV (at most %ld MB)\n"
	       "  --frequency F             periods per year: 52 weekly, 12 monthly, 365\n"
	       "                            daily (with dates only these three)\n"
	       "  --b N                     years back (5)\n"
	       "  --w N                     half window in periods (3)\n"
	       "  --alpha A                 (0.05)\n"
	       "  --weights-threshold X     Anscombe residual above which a past period\n"
	       "                            is down-weighted (2.58)\n"
	       "  --no-reweight             do not down-weight past outbreaks\n"
	       "  --no-trend                no time trend\n"
	       "  --p-threshold-trend P     keep the trend when its p-value is below P (0.05)\n"
	       "  --past-periods-not-included N  recent periods left out of the fit (w)\n"
	       "  --no-periods N            seasonal factor levels (1: windows only)\n"
	       "  --threshold-method M      delta (Farrington 1996), nbPlugin or muan\n"
	       "                            (Noufaily 2013) (delta)\n"
	       "  --range FROM:TO           1-based periods to assess (from frequency*b+w+1\n"
	       "                            to the last)\n\n"
	       "With a date column the reference periods are found by date (a year back,\n"
	       "the same weekday for weekly data), as the package does for an sts with\n"
	       "epochAsDate; without it they are t - frequency*i.\n\n",
	       DETECT_FILE_MAX / (1024 * 1024));
	help_input();
}

static void
help(void)
{
	printf("usage: fangkong detect ears|farrington [OPTIONS]\n\n"
	       "Aberration detection on a count series, as R's surveillance package:\n"
	       "  ears        EARS C1, C2, C3 (surveillance::earsC)\n"
	       "  farrington  surveillance::farringtonFlexible\n\n"
	       "fangkong detect ears --help and fangkong detect farrington --help tell more.\n");
}

/* ---- input ---------------------------------------------------------------- */

/* The series read from the input CSV. */
struct series {
	double *observed; /* n counts */
	int32_t *dates;	  /* n dates, or NULL without a date column */
	size_t n, cap;
	int col_observed; /* field index, -1 until the header is read */
	int col_date;	  /* field index, -1 if absent */
};

static void
series_free(struct series *s)
{
	free(s->observed);
	free(s->dates);
	s->observed = NULL;
	s->dates = NULL;
}

/* Whole number 0..DETECT_COUNT_MAX, digits only. */
static int
parse_count(const char *v, double *out)
{
	long n = 0;
	if (*v == '\0')
		return -1;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
		if (n > DETECT_COUNT_MAX)
			return -1;
	}
	*out = (double)n;
	return 0;
}

static int
series_row(void *ctx, long record, char **fields, size_t n, struct fk_error *err)
{
	struct series *s = ctx;

	if (record == 1) {
		s->col_observed = s->col_date = -1;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(fields[i], "observed") == 0 && s->col_observed < 0)
				s->col_observed = (int)i;
			else if (strcmp(fields[i], "date") == 0 && s->col_date < 0)
				s->col_date = (int)i;
		}
		if (s->col_observed < 0)
			return fk_error_set(err, FK_EINVAL, "observed",
					    "the header has no column observed");
		return 0;
	}
	/* "row" is the period t of the output; "line" the CSV record */
	long row = (long)s->n + 1;
	if (s->n >= DETECT_SERIES_MAX)
		return fk_error_set(err, FK_EINVAL, "observed", "more than %d rows",
				    DETECT_SERIES_MAX);
	if ((size_t)s->col_observed >= n || (s->col_date >= 0 && (size_t)s->col_date >= n))
		return fk_error_set(err, FK_EINVAL, "observed",
				    "row %ld (line %ld): %zu fields, fewer than the header's", row,
				    record, n);
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		double *o = realloc(s->observed, cap * sizeof *o);
		if (o == NULL)
			return fk_error_set(err, FK_ENOMEM, "", "out of memory");
		s->observed = o;
		if (s->col_date >= 0) {
			int32_t *d = realloc(s->dates, cap * sizeof *d);
			if (d == NULL)
				return fk_error_set(err, FK_ENOMEM, "", "out of memory");
			s->dates = d;
		}
		s->cap = cap;
	}
	const char *v = fields[s->col_observed];
	if (parse_count(v, &s->observed[s->n])) {
		const char *why = "is not a whole number";
		if (*v == '\0')
			why = "is empty";
		else if (*v == '-')
			why = "is negative";
		else if (strspn(v, "0123456789") == strlen(v))
			why = "is too large";
		return fk_error_set(err, FK_EINVAL, "observed",
				    "row %ld (line %ld): observed '%.40s' %s (counts are whole "
				    "numbers 0..%ld)",
				    row, record, v, why, DETECT_COUNT_MAX);
	}
	if (s->col_date >= 0) {
		const char *dv = fields[s->col_date];
		if (date_parse(dv, &s->dates[s->n]))
			return fk_error_set(err, FK_EINVAL, "date",
					    "row %ld (line %ld): date '%.40s' is not a date "
					    "(YYYY-MM-DD)",
					    row, record, dv);
		if (s->n > 0 && s->dates[s->n] <= s->dates[s->n - 1])
			return fk_error_set(
			    err, FK_EINVAL, "date",
			    "row %ld (line %ld): date %.40s does not come after the "
			    "row before",
			    row, record, dv);
	}
	s->n++;
	return 0;
}

struct parse_ctx {
	struct series *s;
	struct fk_error *err;
};

static int
on_row(void *ctx, long record, char **fields, size_t n)
{
	struct parse_ctx *c = ctx;
	return series_row(c->s, record, fields, n, c->err);
}

/* Parse the CSV text buf[0..len) into s.  0 or FK_EINVAL/FK_ENOMEM
 * with err saying which row and why. */
static int
parse_series(const char *buf, size_t len, struct series *s, struct fk_error *err)
{
	struct parse_ctx c = {s, err};
	int rc;

	s->n = 0;
	s->col_observed = -1;
	s->col_date = -1;
	rc = app__csv_each(buf, len, on_row, &c, err);
	if (rc)
		return rc;
	if (s->col_observed < 0)
		return fk_error_set(err, FK_EINVAL, "observed",
				    "the file is empty (no header with a column observed)");
	if (s->n == 0)
		return fk_error_set(err, FK_EINVAL, "observed", "the series is empty (no rows)");
	return 0;
}

static int
read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL) {
		fprintf(stderr, "fangkong detect: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *p;
			if (ncap > (size_t)DETECT_FILE_MAX + 1)
				ncap = (size_t)DETECT_FILE_MAX + 1;
			if (ncap == cap) {
				fprintf(stderr, "fangkong detect: %s: larger than %ld bytes\n",
					path, DETECT_FILE_MAX);
				goto fail;
			}
			p = realloc(buf, ncap + 1);
			if (p == NULL) {
				fprintf(stderr, "fangkong detect: %s: out of memory\n", path);
				goto fail;
			}
			buf = p;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "fangkong detect: %s: cannot read\n", path);
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	fclose(f);
	return 1;
}

/* ---- flags ------------------------------------------------------------------ */

static int
flag_error(const char *flag, const char *value, const char *want, const char *usage)
{
	fprintf(stderr, "fangkong detect: --%s '%s': %s\n%s", flag, value, want, usage);
	return 2;
}

static int
parse_int(const char *v, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || end == v || *end != '\0' || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

static int
parse_double(const char *v, double *out)
{
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (errno || end == v || *end != '\0' || !isfinite(x))
		return -1;
	*out = x;
	return 0;
}

static int
parse_range(const char *v, size_t *from, size_t *to)
{
	const char *colon = strchr(v, ':');
	char first[32];
	long a, b;

	if (colon == NULL || (size_t)(colon - v) >= sizeof first)
		return -1;
	memcpy(first, v, (size_t)(colon - v));
	first[colon - v] = '\0';
	if (parse_int(first, 1, DETECT_SERIES_MAX, &a) ||
	    parse_int(colon + 1, 1, DETECT_SERIES_MAX, &b) || a > b)
		return -1;
	*from = (size_t)a;
	*to = (size_t)b;
	return 0;
}

/* ---- output ----------------------------------------------------------------- */

static void
put_number(FILE *out, double v)
{
	if (isnan(v))
		fputs("NA", out);
	else
		fprintf(out, "%.15g", v);
}

static int
write_points(const struct detect_point *pts, size_t n, bool expected)
{
	FILE *out = stdout;
	fputs(expected ? "t,observed,upperbound,alarm,expected\n" : "t,observed,upperbound,alarm\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		const struct detect_point *p = &pts[i];
		fprintf(out, "%zu,%.0f,", p->t, p->observed);
		put_number(out, p->upperbound);
		if (p->alarm == DETECT_ALARM_NA)
			fputs(",NA", out);
		else
			fprintf(out, ",%d", p->alarm);
		if (expected) {
			fputc(',', out);
			put_number(out, p->expected);
		}
		fputc('\n', out);
	}
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "fangkong detect: write failed\n");
		return 1;
	}
	return 0;
}

/* Read and parse the input; prints the problem and returns 1 on error. */
static int
load(const char *path, struct series *s)
{
	struct fk_error err = {0};
	char *csv = NULL;
	size_t len = 0;
	int rc;

	memset(s, 0, sizeof *s);
	if (read_file(path, &csv, &len))
		return 1;
	rc = parse_series(csv, len, s, &err);
	free(csv);
	if (rc) {
		fprintf(stderr, "fangkong detect: %s: %s\n", path,
			err.message[0] ? err.message : fk_strerror(rc));
		series_free(s);
		return 1;
	}
	return 0;
}

static int
run_ears(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"method", required_argument, NULL, 'm'},
	    {"input", required_argument, NULL, 'i'},
	    {"baseline", required_argument, NULL, 'b'},
	    {"alpha", required_argument, NULL, 'a'},
	    {"min-sigma", required_argument, NULL, 's'},
	    {"range", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct detect_ears_options o;
	struct series s;
	struct fk_error err = {0};
	struct detect_point *pts = NULL;
	const char *input = NULL;
	bool have_method = false;
	size_t n_pts = 0;
	long v;
	int c, rc;

	detect_ears_options_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (detect_ears_method_parse(optarg, &o.method))
				return flag_error("method", optarg, "must be C1, C2 or C3",
						  usage_ears);
			have_method = true;
			break;
		case 'i': input = optarg; break;
		case 'b':
			if (parse_int(optarg, 3, DETECT_SERIES_MAX, &v))
				return flag_error("baseline", optarg, "must be a whole number >= 3",
						  usage_ears);
			o.baseline = (int)v;
			break;
		case 'a':
			if (parse_double(optarg, &o.alpha) || !(o.alpha > 0 && o.alpha < 1))
				return flag_error("alpha", optarg, "must be a number in (0, 1)",
						  usage_ears);
			break;
		case 's':
			if (parse_double(optarg, &o.min_sigma) || o.min_sigma < 0)
				return flag_error("min-sigma", optarg, "must be a number >= 0",
						  usage_ears);
			break;
		case 'r':
			if (parse_range(optarg, &o.range_from, &o.range_to))
				return flag_error("range", optarg,
						  "must be FROM:TO, 1-based with FROM <= TO",
						  usage_ears);
			break;
		case 'h': help_ears(); return 0;
		default: fputs(usage_ears, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fangkong detect ears: unexpected argument '%s'\n%s", argv[optind],
			usage_ears);
		return 2;
	}
	if (!have_method || input == NULL) {
		fprintf(stderr, "fangkong detect ears: --method and --input are required\n%s",
			usage_ears);
		return 2;
	}
	if (load(input, &s))
		return 1;
	pts = malloc(s.n * sizeof *pts);
	if (pts == NULL) {
		fprintf(stderr, "fangkong detect: out of memory\n");
		series_free(&s);
		return 1;
	}
	rc = detect_ears(s.observed, s.n, &o, pts, &n_pts, &err);
	if (rc) {
		fprintf(stderr, "fangkong detect ears: %s%s%s: %s\n", input,
			err.field[0] ? ": " : "", err.field, err.message);
		rc = 1;
	} else {
		rc = write_points(pts, n_pts, false);
	}
	free(pts);
	series_free(&s);
	return rc;
}

static int
run_farrington(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"input", required_argument, NULL, 'i'},
	    {"frequency", required_argument, NULL, 'f'},
	    {"b", required_argument, NULL, 'b'},
	    {"w", required_argument, NULL, 'w'},
	    {"alpha", required_argument, NULL, 'a'},
	    {"weights-threshold", required_argument, NULL, 'W'},
	    {"no-reweight", no_argument, NULL, 'R'},
	    {"no-trend", no_argument, NULL, 'T'},
	    {"p-threshold-trend", required_argument, NULL, 'p'},
	    {"past-periods-not-included", required_argument, NULL, 'P'},
	    {"no-periods", required_argument, NULL, 'n'},
	    {"threshold-method", required_argument, NULL, 'm'},
	    {"range", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct detect_farrington_options o;
	struct series s;
	struct fk_error err = {0};
	struct detect_point *pts = NULL;
	const char *input = NULL;
	bool have_frequency = false;
	size_t n_pts = 0;
	long v;
	int c, rc;

	detect_farrington_options_init(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': input = optarg; break;
		case 'f':
			if (parse_int(optarg, 1, 366, &v))
				return flag_error("frequency", optarg,
						  "must be a whole number 1..366 (52 weekly)",
						  usage_farrington);
			o.frequency = (int)v;
			have_frequency = true;
			break;
		case 'b':
			if (parse_int(optarg, 1, 100, &v))
				return flag_error("b", optarg, "must be a whole number 1..100",
						  usage_farrington);
			o.b = (int)v;
			break;
		case 'w':
			if (parse_int(optarg, 0, 366, &v))
				return flag_error("w", optarg, "must be a whole number 0..366",
						  usage_farrington);
			o.w = (int)v;
			break;
		case 'a':
			if (parse_double(optarg, &o.alpha) || !(o.alpha > 0 && o.alpha < 1))
				return flag_error("alpha", optarg, "must be a number in (0, 1)",
						  usage_farrington);
			break;
		case 'W':
			if (parse_double(optarg, &o.weights_threshold))
				return flag_error("weights-threshold", optarg, "must be a number",
						  usage_farrington);
			break;
		case 'R': o.reweight = false; break;
		case 'T': o.trend = false; break;
		case 'p':
			if (parse_double(optarg, &o.p_threshold_trend) ||
			    !(o.p_threshold_trend >= 0 && o.p_threshold_trend <= 1))
				return flag_error("p-threshold-trend", optarg,
						  "must be a number in [0, 1]", usage_farrington);
			break;
		case 'P':
			if (parse_int(optarg, 0, 10000, &v))
				return flag_error("past-periods-not-included", optarg,
						  "must be a whole number 0..10000",
						  usage_farrington);
			o.past_periods_not_included = (int)v;
			break;
		case 'n':
			if (parse_int(optarg, 1, 60, &v))
				return flag_error("no-periods", optarg,
						  "must be a whole number 1..60", usage_farrington);
			o.no_periods = (int)v;
			break;
		case 'm':
			if (strcmp(optarg, "delta") == 0)
				o.threshold = DETECT_THRESHOLD_DELTA;
			else if (strcmp(optarg, "nbPlugin") == 0)
				o.threshold = DETECT_THRESHOLD_NBPLUGIN;
			else if (strcmp(optarg, "muan") == 0)
				o.threshold = DETECT_THRESHOLD_MUAN;
			else
				return flag_error("threshold-method", optarg,
						  "must be delta, nbPlugin or muan",
						  usage_farrington);
			break;
		case 'r':
			if (parse_range(optarg, &o.range_from, &o.range_to))
				return flag_error("range", optarg,
						  "must be FROM:TO, 1-based with FROM <= TO",
						  usage_farrington);
			break;
		case 'h': help_farrington(); return 0;
		default: fputs(usage_farrington, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fangkong detect farrington: unexpected argument '%s'\n%s",
			argv[optind], usage_farrington);
		return 2;
	}
	if (input == NULL || !have_frequency) {
		fprintf(stderr,
			"fangkong detect farrington: --input and --frequency are required\n%s",
			usage_farrington);
		return 2;
	}
	if (load(input, &s))
		return 1;
	pts = malloc(s.n * sizeof *pts);
	if (pts == NULL) {
		fprintf(stderr, "fangkong detect: out of memory\n");
		series_free(&s);
		return 1;
	}
	rc = detect_farrington(s.observed, s.dates, s.n, &o, pts, &n_pts, &err);
	if (rc) {
		fprintf(stderr, "fangkong detect farrington: %s%s%s: %s\n", input,
			err.field[0] ? ": " : "", err.field, err.message);
		rc = 1;
	} else {
		rc = write_points(pts, n_pts, true);
	}
	free(pts);
	series_free(&s);
	return rc;
}

int
cmd_detect(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "fangkong detect: say ears or farrington\n%s%s", usage_ears,
			usage_farrington);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		help();
		return 0;
	}
	if (strcmp(argv[1], "ears") == 0)
		return run_ears(argc - 1, argv + 1);
	if (strcmp(argv[1], "farrington") == 0)
		return run_farrington(argc - 1, argv + 1);
	fprintf(stderr, "fangkong detect: unknown method '%s' (ears or farrington)\n", argv[1]);
	return 2;
}

/*
 * cmd_rt.c -- cli layer: `fangkong rt`, the time-varying reproduction
 * number of a daily incidence CSV by the method of Cori et al. (2013),
 * as R's EpiEstim::estimate_R gives it (DESIGN.md §6, analytics/rt.h),
 * with no database.
 *
 * The three CSV readers (incidence, serial interval, windows) parse with
 * libcsv through app__csv_each and name the line and column of the
 * first problem; tests/fuzz/fuzz_rt.c includes this file to reach them.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "analytics/rt.h"
#include "app/app_impl.h"
#include "core/date.h"

/* Largest input file (bytes). */
#define RT_FILE_MAX (64L * 1024 * 1024)

static const char usage_line[] =
    "usage: fangkong rt --incidence FILE.csv (--si-mean M --si-sd S | --si-distr FILE.csv)\n"
    "                   [--window 7 | --windows FILE.csv] [--prior-mean 5] [--prior-sd 5]\n";

static void
help(void)
{
	printf("%s\n", usage_line);
	printf("Estimate the time-varying reproduction number Rt of a daily incidence series\n"
	       "by the method of Cori et al. (2013), with the numbers of R's\n"
	       "EpiEstim::estimate_R (method parametric_si with --si-mean and --si-sd,\n"
	       "non_parametric_si with --si-distr), and write EpiEstim's R table as CSV to\n"
	       "stdout:\n\n  ");
	for (int j = 0; j < RT_COLUMNS; j++)
		printf("%s%s", j ? "," : "", rt_column_names[j]);
	printf("\n\n"
	       "t_start and t_end are 1-based days of the series; a window that ends on or\n"
	       "before the mean serial interval gives NA, as in EpiEstim.\n\n"
	       "Inputs (CSV with a header; other columns are ignored):\n"
	       "  --incidence FILE  one row per day: a column I (all cases; those of day 1\n"
	       "                    count as imported), or columns local and imported;\n"
	       "                    optionally dates (YYYY-MM-DD, consecutive days).  Counts\n"
	       "                    are whole numbers 0..%lld.  At most %d days.\n"
	       "  --si-mean M       mean serial interval in days (> 1), with\n"
	       "  --si-sd S         its sd (> 0): EpiEstim's discretised gamma (discr_si)\n"
	       "  --si-distr FILE   or the distribution itself: columns k,p with\n"
	       "                    k = 0, 1, 2, ... in order, p = P(SI = k); p at k = 0 must\n"
	       "                    be 0 and the p must sum to 1 (within 1e-6)\n"
	       "  --window N        sliding windows of N days, t_start = 2..T-N+1\n"
	       "                    (default 7: EpiEstim's weekly windows)\n"
	       "  --windows FILE    or the windows: columns t_start,t_end, with\n"
	       "                    2 <= t_start <= t_end <= T\n"
	       "  --prior-mean X    mean of the gamma prior on R (default 5)\n"
	       "  --prior-sd X      its sd (default 5)\n\n"
	       "EpiEstim's warnings (too few cases for the posterior CV of 0.3; local cases\n"
	       "on day 1 moved to imported) go to stderr; the exit status stays 0.  Bad\n"
	       "input (a missing column, a negative or non-integer count, an empty series,\n"
	       "a distribution that does not start at 0 or does not sum to 1, windows out\n"
	       "of range, a mean serial interval not above 1) is reported on stderr by file,\n"
	       "line and column; nothing is written to stdout and the exit status is 1.\n"
	       "Usage errors exit with 2.  Files are at most %ld MB.\n",
	       (long long)RT_COUNT_MAX, RT_DAYS_MAX, RT_FILE_MAX / (1024 * 1024));
}

/* ---- reading files ---------------------------------------------------------- */

static int
read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL) {
		fprintf(stderr, "fangkong rt: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (;;) {
		size_t got;
		if (n == cap) {
			/* grow up to one byte over the limit, to tell "too large" */
			size_t ncap = cap ? cap * 2 : 65536;
			char *p;
			if (ncap > (size_t)RT_FILE_MAX + 1)
				ncap = (size_t)RT_FILE_MAX + 1;
			if (ncap == cap) {
				fprintf(stderr, "fangkong rt: %s: larger than %ld bytes\n", path,
					RT_FILE_MAX);
				goto fail;
			}
			p = realloc(buf, ncap + 1);
			if (p == NULL) {
				fprintf(stderr, "fangkong rt: %s: out of memory\n", path);
				goto fail;
			}
			buf = p;
			cap = ncap;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "fangkong rt: %s: cannot read\n", path);
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

/* ---- parsing fields --------------------------------------------------------- */

/* A number, with surrounding blanks allowed; 0 or -1. */
static int
parse_number(const char *s, double *out)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	while (*end == ' ' || *end == '\t' || *end == '\r')
		end++;
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* A whole number in [lo, hi] ("3", "3.0", "1e3"); on failure fills err
 * naming the column and line. */
static int
parse_whole(const char *s, double lo, double hi, long line, const char *column, int64_t *out,
	    struct fk_error *err)
{
	double v;

	if (parse_number(s, &v))
		return fk_error_set(err, FK_EINVAL, column, "line %ld, column %s: '%.40s' is %s",
				    line, column, s,
				    *s ? "not a number" : "empty (a count is needed)");
	if (v < lo)
		return fk_error_set(err, FK_EINVAL, column, "line %ld, column %s: %.40s is %s",
				    line, column, s, v < 0 ? "negative" : "too small");
	if (v != floor(v))
		return fk_error_set(err, FK_EINVAL, column,
				    "line %ld, column %s: %.40s is not a whole number", line,
				    column, s);
	if (v > hi)
		return fk_error_set(err, FK_EINVAL, column,
				    "line %ld, column %s: %.40s is more than %.0f", line, column, s,
				    hi);
	*out = (int64_t)v;
	return 0;
}

/* Index of each wanted column in the header, -1 if absent; a column
 * named twice is an error. */
static int
find_columns(char **fields, size_t n, const char *const *names, int *idx, size_t n_names,
	     struct fk_error *err)
{
	for (size_t j = 0; j < n_names; j++) {
		idx[j] = -1;
		for (size_t i = 0; i < n; i++) {
			const char *f = fields[i];
			if (strcmp(f, names[j]) != 0)
				continue;
			if (idx[j] >= 0)
				return fk_error_set(err, FK_EINVAL, names[j],
						    "line 1: the column %s appears twice",
						    names[j]);
			idx[j] = (int)i;
		}
	}
	return 0;
}

static int
need_fields(size_t n, int idx, long line, const char *column, struct fk_error *err)
{
	if (idx >= 0 && (size_t)idx >= n)
		return fk_error_set(err, FK_EINVAL, column,
				    "line %ld has %zu field(s): the column %s is missing", line, n,
				    column);
	return 0;
}

/* ---- the incidence ---------------------------------------------------------- */

enum { COL_I, COL_LOCAL, COL_IMPORTED, COL_DATES, COL_N };
static const char *const incidence_columns[COL_N] = {"I", "local", "imported", "dates"};

struct incidence {
	int64_t *local;	   /* I, or the local cases */
	int64_t *imported; /* NULL with a column I */
	size_t days, cap;
	int col[COL_N];
	bool split;  /* local and imported */
	bool header; /* the header was read */
	int32_t last_date;
	struct fk_error *err;
};

static void
incidence_free(struct incidence *inc)
{
	free(inc->local);
	free(inc->imported);
	inc->local = inc->imported = NULL;
}

static int
incidence_row(void *ctx, long line, char **fields, size_t n)
{
	struct incidence *inc = ctx;
	int64_t v;
	int rc;

	if (line == 1) {
		inc->header = true;
		if ((rc = find_columns(fields, n, incidence_columns, inc->col, COL_N, inc->err)))
			return rc;
		/* EpiEstim: local and imported if both are there, else I */
		if (inc->col[COL_LOCAL] >= 0 && inc->col[COL_IMPORTED] >= 0) {
			inc->split = true;
		} else if (inc->col[COL_I] < 0) {
			const char *missing = inc->col[COL_LOCAL] >= 0	    ? "imported"
					      : inc->col[COL_IMPORTED] >= 0 ? "local"
									    : "I";
			return fk_error_set(inc->err, FK_EINVAL, missing,
					    "line 1: no column %s: the incidence needs a column I, "
					    "or columns local and imported",
					    missing);
		}
		return 0;
	}
	if (n == 1 && fields[0][0] == '\0')
		return 0; /* a blank line */
	if (inc->days >= RT_DAYS_MAX)
		return fk_error_set(inc->err, FK_EINVAL, inc->split ? "local" : "I",
				    "more than %d days", RT_DAYS_MAX);
	if (inc->days == inc->cap) {
		size_t cap = inc->cap ? inc->cap * 2 : 256;
		int64_t *p = realloc(inc->local, cap * sizeof *p);
		if (p == NULL)
			return fk_error_set(inc->err, FK_ENOMEM, "", "out of memory");
		inc->local = p;
		if (inc->split) {
			p = realloc(inc->imported, cap * sizeof *p);
			if (p == NULL)
				return fk_error_set(inc->err, FK_ENOMEM, "", "out of memory");
			inc->imported = p;
		}
		inc->cap = cap;
	}
	if (inc->split) {
		if ((rc = need_fields(n, inc->col[COL_LOCAL], line, "local", inc->err)) ||
		    (rc = need_fields(n, inc->col[COL_IMPORTED], line, "imported", inc->err)) ||
		    (rc = parse_whole(fields[inc->col[COL_LOCAL]], 0, (double)RT_COUNT_MAX, line,
				      "local", &v, inc->err)))
			return rc;
		inc->local[inc->days] = v;
		if ((rc = parse_whole(fields[inc->col[COL_IMPORTED]], 0, (double)RT_COUNT_MAX, line,
				      "imported", &v, inc->err)))
			return rc;
		inc->imported[inc->days] = v;
	} else {
		if ((rc = need_fields(n, inc->col[COL_I], line, "I", inc->err)) ||
		    (rc = parse_whole(fields[inc->col[COL_I]], 0, (double)RT_COUNT_MAX, line, "I",
				      &v, inc->err)))
			return rc;
		inc->local[inc->days] = v;
	}
	if (inc->col[COL_DATES] >= 0) {
		int32_t d;
		if ((rc = need_fields(n, inc->col[COL_DATES], line, "dates", inc->err)))
			return rc;
		if (date_parse(fields[inc->col[COL_DATES]], &d))
			return fk_error_set(inc->err, FK_EINVAL, "dates",
					    "line %ld, column dates: '%.40s' is not a date "
					    "(YYYY-MM-DD)",
					    line, fields[inc->col[COL_DATES]]);
		if (inc->days > 0 && d != inc->last_date + 1)
			return fk_error_set(inc->err, FK_EINVAL, "dates",
					    "line %ld, column dates: %.40s does not follow the day "
					    "before: the dates must be consecutive days",
					    line, fields[inc->col[COL_DATES]]);
		inc->last_date = d;
	}
	inc->days++;
	return 0;
}

static int
parse_incidence(const char *buf, size_t len, struct incidence *inc, struct fk_error *err)
{
	int rc;

	memset(inc, 0, sizeof *inc);
	inc->err = err;
	rc = app__csv_each(buf, len, incidence_row, inc, err);
	if (rc == 0 && !inc->header)
		rc =
		    fk_error_set(err, FK_EINVAL, "I",
				 "the file is empty: it needs a header with a column I, or columns "
				 "local and imported, and a row per day");
	if (rc == 0 && inc->days == 0)
		rc = fk_error_set(err, FK_EINVAL, inc->split ? "local" : "I",
				  "the series is empty (no day after the header)");
	if (rc)
		incidence_free(inc);
	return rc;
}

/* ---- the serial interval ------------------------------------------------------ */

struct si_read {
	double *p;
	size_t n, cap;
	int col[2]; /* k, p */
	struct fk_error *err;
};

static int
si_row(void *ctx, long line, char **fields, size_t n)
{
	static const char *const names[2] = {"k", "p"};
	struct si_read *s = ctx;
	int64_t k;
	double p;
	int rc;

	if (line == 1) {
		if ((rc = find_columns(fields, n, names, s->col, 2, s->err)))
			return rc;
		for (int j = 0; j < 2; j++)
			if (s->col[j] < 0)
				return fk_error_set(s->err, FK_EINVAL, names[j],
						    "line 1: no column %s (the columns are k,p)",
						    names[j]);
		return 0;
	}
	if (n == 1 && fields[0][0] == '\0')
		return 0;
	if ((rc = need_fields(n, s->col[0], line, "k", s->err)) ||
	    (rc = need_fields(n, s->col[1], line, "p", s->err)) ||
	    (rc = parse_whole(fields[s->col[0]], 0, RT_SI_MAX, line, "k", &k, s->err)))
		return rc;
	if ((size_t)k != s->n)
		return fk_error_set(s->err, FK_EINVAL, "k",
				    "line %ld, column k: %lld, expected %zu (k runs 0, 1, 2, ... "
				    "in order)",
				    line, (long long)k, s->n);
	if (parse_number(fields[s->col[1]], &p) || p < 0)
		return fk_error_set(s->err, FK_EINVAL, "p",
				    "line %ld, column p: '%.40s' is not a probability", line,
				    fields[s->col[1]]);
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *q = realloc(s->p, cap * sizeof *q);
		if (q == NULL)
			return fk_error_set(s->err, FK_ENOMEM, "", "out of memory");
		s->p = q;
		s->cap = cap;
	}
	s->p[s->n++] = p;
	return 0;
}

static int
parse_si(const char *buf, size_t len, double **p, size_t *n, struct fk_error *err)
{
	struct si_read s = {.err = err};
	int rc = app__csv_each(buf, len, si_row, &s, err);

	if (rc == 0 && s.n == 0)
		rc = fk_error_set(err, FK_EINVAL, "p", "the distribution is empty");
	if (rc == 0)
		rc = rt_si_check(s.p, s.n, err);
	if (rc) {
		free(s.p);
		return rc;
	}
	*p = s.p;
	*n = s.n;
	return 0;
}

/* ---- the windows ----------------------------------------------------------------- */

struct windows_read {
	struct rt_window *w;
	size_t n, cap;
	int col[2]; /* t_start, t_end */
	struct fk_error *err;
};

static int
windows_row(void *ctx, long line, char **fields, size_t n)
{
	static const char *const names[2] = {"t_start", "t_end"};
	struct windows_read *s = ctx;
	int64_t ts, te;
	int rc;

	if (line == 1) {
		if ((rc = find_columns(fields, n, names, s->col, 2, s->err)))
			return rc;
		for (int j = 0; j < 2; j++)
			if (s->col[j] < 0)
				return fk_error_set(s->err, FK_EINVAL, names[j],
						    "line 1: no column %s (the columns are "
						    "t_start,t_end)",
						    names[j]);
		return 0;
	}
	if (n == 1 && fields[0][0] == '\0')
		return 0;
	if (s->n >= RT_WINDOWS_MAX)
		return fk_error_set(s->err, FK_EINVAL, "t_start", "more than %d windows",
				    RT_WINDOWS_MAX);
	if ((rc = need_fields(n, s->col[0], line, "t_start", s->err)) ||
	    (rc = need_fields(n, s->col[1], line, "t_end", s->err)) ||
	    (rc = parse_whole(fields[s->col[0]], 2, RT_DAYS_MAX, line, "t_start", &ts, s->err)) ||
	    (rc = parse_whole(fields[s->col[1]], 2, RT_DAYS_MAX, line, "t_end", &te, s->err)))
		return rc;
	if (ts > te)
		return fk_error_set(s->err, FK_EINVAL, "t_end",
				    "line %ld: t_start %lld is after t_end %lld", line,
				    (long long)ts, (long long)te);
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct rt_window *q = realloc(s->w, cap * sizeof *q);
		if (q == NULL)
			return fk_error_set(s->err, FK_ENOMEM, "", "out of memory");
		s->w = q;
		s->cap = cap;
	}
	s->w[s->n].t_start = (uint32_t)ts;
	s->w[s->n].t_end = (uint32_t)te;
	s->n++;
	return 0;
}

static int
parse_windows(const char *buf, size_t len, struct rt_window **w, size_t *n, struct fk_error *err)
{
	struct windows_read s = {.err = err};
	int rc = app__csv_each(buf, len, windows_row, &s, err);

	if (rc == 0 && s.n == 0)
		rc = fk_error_set(err, FK_EINVAL, "t_start", "there are no windows");
	if (rc) {
		free(s.w);
		return rc;
	}
	*w = s.w;
	*n = s.n;
	return 0;
}

/* ---- output --------------------------------------------------------------------- */

static void
print_number(FILE *out, double v)
{
	if (isnan(v))
		fputs(",NA", out);
	else
		fprintf(out, ",%.15g", v);
}

static void
print_result(FILE *out, const struct rt_result *res)
{
	for (int j = 0; j < RT_COLUMNS; j++)
		fprintf(out, "%s%s", j ? "," : "", rt_column_names[j]);
	fputc('\n', out);
	for (size_t i = 0; i < res->n; i++) {
		const struct rt_row *row = &res->rows[i];
		fprintf(out, "%u,%u", (unsigned)row->t_start, (unsigned)row->t_end);
		print_number(out, row->mean);
		print_number(out, row->sd);
		for (int j = 0; j < RT_QUANTILES; j++)
			print_number(out, row->q[j]);
		fputc('\n', out);
	}
}

/* ---- the command ---------------------------------------------------------------- */

/* A flag's number: finite; 0 or prints why and returns 2. */
static int
flag_number(const char *flag, const char *s, double *out)
{
	if (parse_number(s, out)) {
		fprintf(stderr, "fangkong rt: %s: '%s' is not a number\n%s", flag, s, usage_line);
		return 2;
	}
	return 0;
}

/* Where a library error's field comes from, for the message. */
static const char *
field_source(const char *field, const char *incidence, const char *si_file,
	     const char *windows_file, char *buf, size_t cap)
{
	if (strcmp(field, "si_mean") == 0)
		return "--si-mean";
	if (strcmp(field, "si_sd") == 0)
		return "--si-sd";
	if (strcmp(field, "prior_mean") == 0)
		return "--prior-mean";
	if (strcmp(field, "prior_sd") == 0)
		return "--prior-sd";
	if (strcmp(field, "window") == 0)
		return "--window";
	if (strcmp(field, "si_distr") == 0 && si_file) {
		snprintf(buf, cap, "--si-distr %s", si_file);
		return buf;
	}
	if ((strcmp(field, "t_start") == 0 || strcmp(field, "t_end") == 0) && windows_file) {
		snprintf(buf, cap, "--windows %s", windows_file);
		return buf;
	}
	snprintf(buf, cap, "%s", incidence);
	return buf;
}

int
cmd_rt(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"incidence", required_argument, NULL, 'i'},
	    {"si-mean", required_argument, NULL, 'm'},
	    {"si-sd", required_argument, NULL, 's'},
	    {"si-distr", required_argument, NULL, 'd'},
	    {"window", required_argument, NULL, 'w'},
	    {"windows", required_argument, NULL, 'W'},
	    {"prior-mean", required_argument, NULL, 'p'},
	    {"prior-sd", required_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *incidence = NULL, *si_file = NULL, *windows_file = NULL, *window_s = NULL;
	const char *si_mean_s = NULL, *si_sd_s = NULL;
	struct rt_config cfg;
	struct incidence inc = {0};
	struct rt_result res = {0};
	struct fk_error err = {0};
	struct rt_window *windows = NULL;
	double *si = NULL, v;
	char *buf = NULL, where[1100];
	size_t len = 0, n_si = 0, n_windows = 0;
	rt_t *rt = NULL;
	int c, rc, status = 1;

	rt_config_init(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': incidence = optarg; break;
		case 'm': si_mean_s = optarg; break;
		case 's': si_sd_s = optarg; break;
		case 'd': si_file = optarg; break;
		case 'w': window_s = optarg; break;
		case 'W': windows_file = optarg; break;
		case 'p':
			if (flag_number("--prior-mean", optarg, &cfg.prior_mean))
				return 2;
			break;
		case 'q':
			if (flag_number("--prior-sd", optarg, &cfg.prior_sd))
				return 2;
			break;
		case 'h': help(); return 0;
		default: fputs(usage_line, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fangkong rt: unexpected argument '%s'\n%s", argv[optind],
			usage_line);
		return 2;
	}
	if (incidence == NULL) {
		fprintf(stderr, "fangkong rt: --incidence is required\n%s", usage_line);
		return 2;
	}
	if (si_file && (si_mean_s || si_sd_s)) {
		fprintf(stderr,
			"fangkong rt: give --si-distr or --si-mean and --si-sd, not both\n%s",
			usage_line);
		return 2;
	}
	if (!si_file && !(si_mean_s && si_sd_s)) {
		fprintf(stderr,
			"fangkong rt: the serial interval is required: --si-mean and --si-sd, or "
			"--si-distr\n%s",
			usage_line);
		return 2;
	}
	if (window_s && windows_file) {
		fprintf(stderr, "fangkong rt: give --window or --windows, not both\n%s",
			usage_line);
		return 2;
	}
	if (si_mean_s && (flag_number("--si-mean", si_mean_s, &cfg.si_mean) ||
			  flag_number("--si-sd", si_sd_s, &cfg.si_sd)))
		return 2;
	if (window_s) {
		if (flag_number("--window", window_s, &v))
			return 2;
		if (v < 1 || v >= RT_DAYS_MAX || v != floor(v)) {
			fprintf(stderr,
				"fangkong rt: --window must be a whole number of days, 1 to %d\n",
				RT_DAYS_MAX - 1);
			return 2;
		}
		cfg.window = (uint32_t)v;
	}
	/* GSL's default handler aborts; rt.c checks its own results */
	gsl_set_error_handler_off();

	if (read_file(incidence, &buf, &len))
		goto out;
	rc = parse_incidence(buf, len, &inc, &err);
	free(buf);
	buf = NULL;
	if (rc) {
		fprintf(stderr, "fangkong rt: %s: %s\n", incidence, err.message);
		goto out;
	}
	if (si_file) {
		if (read_file(si_file, &buf, &len))
			goto out;
		rc = parse_si(buf, len, &si, &n_si, &err);
		free(buf);
		buf = NULL;
		if (rc) {
			fprintf(stderr, "fangkong rt: --si-distr %s: %s\n", si_file, err.message);
			goto out;
		}
		cfg.si_distr = si;
		cfg.si_len = n_si;
	}
	if (windows_file) {
		if (read_file(windows_file, &buf, &len))
			goto out;
		rc = parse_windows(buf, len, &windows, &n_windows, &err);
		free(buf);
		buf = NULL;
		if (rc) {
			fprintf(stderr, "fangkong rt: --windows %s: %s\n", windows_file,
				err.message);
			goto out;
		}
		cfg.windows = windows;
		cfg.n_windows = n_windows;
	}

	if (rt_new(&cfg, &rt, &err) ||
	    rt_estimate(rt, inc.local, inc.imported, inc.days, &res, &err)) {
		fprintf(
		    stderr, "fangkong rt: %s: %s\n",
		    field_source(err.field, incidence, si_file, windows_file, where, sizeof where),
		    err.message);
		goto out;
	}
	for (unsigned bit = 1; bit & RT_WARN_ALL; bit <<= 1)
		if (res.warnings & bit)
			fprintf(stderr, "fangkong rt: warning: %s\n", rt_warning_text(bit));
	print_result(stdout, &res);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "fangkong rt: write failed\n");
		goto out;
	}
	status = 0;
out:
	rt_result_free(&res);
	rt_free(rt);
	incidence_free(&inc);
	free(si);
	free(windows);
	free(buf);
	return status;
}

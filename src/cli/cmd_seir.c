/*
 * cmd_seir.c -- cli layer: `fangkong seir`, the SEIR model of
 * analytics/seir.h from the command line, with no database
 * (DESIGN.md §6; docs/analytics.md, section "SEIR").
 *
 *   fangkong seir --population N --beta B --sigma S --gamma G --days D
 *                 [--e0 0] [--i0 1] [--change DAY:BETA]...
 *       the solution, CSV t,S,E,I,R for t = 0..D
 *   fangkong seir fit --incidence FILE.csv --population N
 *                 (--change-date YYYY-MM-DD | --change-day T)... [options]
 *       maximum-likelihood estimates, then a forecast CSV
 *
 * Usage errors (a missing or malformed flag, a value the model refuses)
 * exit 2 naming the flag; a bad incidence file or a failed fit exits 1.
 */
#include <csv.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/seir.h"
#include "core/date.h"

int cmd_seir(int argc, char **argv);

/* Largest incidence file, and longest field of it. */
#define SEIR_FILE_MAX (16L * 1024 * 1024)
#define FIELD_MAX 64
#define FIELDS_MAX 64

static const char usage_solve[] =
    "usage: fangkong seir --population N --beta B --sigma S --gamma G --days D [--e0 0] "
    "[--i0 1] [--change DAY:BETA]...\n"
    "       fangkong seir fit --incidence FILE.csv --population N "
    "[--change-date YYYY-MM-DD]... [--family poisson|nbinom] [--forecast 14] ...\n"
    "       (fangkong seir --help, fangkong seir fit --help)\n";

static const char usage_fit[] =
    "usage: fangkong seir fit --incidence FILE.csv --population N "
    "[--change-date YYYY-MM-DD | --change-day T]... [--family poisson|nbinom] "
    "[--forecast 14] [--sigma 0.1923] [--gamma 0.3448] [--reported-fraction 1] "
    "[--report-delay 0] [--draws 2000] [--seed 1] [--level 0.95]\n";

/* Defaults of the fit: 5.2 days incubation (Li et al., NEJM 2020),
 * 2.9 days infectious (Kucharski et al., Lancet Infect Dis 2020). */
#define FIT_SIGMA (1.0 / 5.2)
#define FIT_GAMMA (1.0 / 2.9)

static void
help_solve(void)
{
	printf("%s\n", usage_solve);
	printf("Solve the deterministic SEIR model\n\n"
	       "    S' = -beta(t) S I / N      E' = beta(t) S I / N - sigma E\n"
	       "    I' = sigma E - gamma I     R' = gamma I\n\n"
	       "from S = N - e0 - i0, E = e0, I = i0, R = 0 with GSL's rk8pd integrator\n"
	       "(relative tolerance 1e-10) and write CSV t,S,E,I,R for t = 0, 1, ..., D.\n\n"
	       "Options:\n"
	       "  --population N   people, above 0 and at most %g\n"
	       "  --beta B         transmission rate per day (from day 0)\n"
	       "  --sigma S        1 / mean latent period, per day\n"
	       "  --gamma G        1 / mean infectious period, per day\n"
	       "  --days D         whole days to solve, 1..%d\n"
	       "  --e0 E           exposed at t = 0 (default 0)\n"
	       "  --i0 I           infectious at t = 0 (default 1)\n"
	       "  --change DAY:B   from day DAY (> 0, a number) the transmission rate is B;\n"
	       "                   repeat for up to %d change points, in increasing order\n\n"
	       "Rates are 0..%g per day.  A bad value is named on stderr and the exit\n"
	       "status is 2.  `fangkong seir fit --help` describes fitting the model to a\n"
	       "case series.\n",
	       SEIR_POPULATION_MAX, SEIR_DAYS_MAX, SEIR_CHANGE_MAX, SEIR_RATE_MAX);
}

static void
help_fit(void)
{
	printf("%s\n", usage_fit);
	printf("Fit the SEIR model to a daily case series by maximum likelihood: the\n"
	       "transmission rate beta of every period between change points and the\n"
	       "number infected at the start, with sigma and gamma fixed.  The cases\n"
	       "reported on a day are the reported fraction times the people who became\n"
	       "infectious report-delay days before (Poisson, or negative binomial with\n"
	       "its size estimated).  Then forecast the next days with intervals from\n"
	       "simulations of the parameters and of the counts.\n\n"
	       "FILE.csv has a header with a count column, new_confirmed or I (whole\n"
	       "numbers >= 0), and optionally a date column, date or dates (YYYY-MM-DD,\n"
	       "increasing).  Without dates the rows are consecutive days.  With dates a\n"
	       "row after missing days counts the cases of all the days since the row\n"
	       "before (as a difference of cumulative counts does).  Day 0 is the first\n"
	       "row.\n\n"
	       "Output (stdout): CSV parameter,estimate,se,lower,upper (95%% Wald\n"
	       "intervals on the log scale) with rows beta_K and R0_K (= beta_K / gamma)\n"
	       "for each period K = 0, 1, ..., seed (infected at the start), size\n"
	       "(negative binomial), loglik and aic; then an empty line and, with\n"
	       "--forecast K > 0, CSV [date,]day,expected,median,lower,upper,\n"
	       "expected_lower,expected_upper for the K days after the last row.\n\n"
	       "Options:\n"
	       "  --incidence FILE         the series (at most %ld MB)\n"
	       "  --population N           people of the region\n"
	       "  --change-date DATE       beta changes at the start of DATE (needs dates)\n"
	       "  --change-day T           beta changes at day T (days since the first row)\n"
	       "                           (up to %d change points in all)\n"
	       "  --family F               poisson or nbinom (default)\n"
	       "  --forecast K             days to forecast, 0..%d (default 14)\n"
	       "  --sigma S                1 / incubation, per day (default 1/5.2)\n"
	       "  --gamma G                1 / infectious period, per day (default 1/2.9)\n"
	       "  --reported-fraction P    share of infections reported, (0, 1] (default 1)\n"
	       "  --report-delay D         days from infectious to reported, 0..60 (default 0)\n"
	       "  --draws M                forecast simulations, 100..%d (default 2000)\n"
	       "  --seed S                 of the simulations (default 1)\n"
	       "  --level L                forecast interval level (default 0.95)\n\n"
	       "A bad flag exits 2; a bad file or a failed fit exits 1, with the row and\n"
	       "column on stderr.\n",
	       SEIR_FILE_MAX / (1024 * 1024), SEIR_CHANGE_MAX, SEIR_HORIZON_MAX, SEIR_DRAWS_MAX);
}

/* ---- flag values ------------------------------------------------------- */

static int
parse_number(const char *flag, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v)) {
		fprintf(stderr, "fangkong seir: --%s must be a number, not '%s'\n", flag, s);
		return 2;
	}
	*out = v;
	return 0;
}

static int
parse_int(const char *flag, const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
		fprintf(stderr,
			"fangkong seir: --%s must be a whole number from %ld to %ld, not '%s'\n",
			flag, lo, hi, s);
		return 2;
	}
	*out = v;
	return 0;
}

/* The flag of an API field name. */
static const char *
flag_of(const char *field, bool fit)
{
	static const struct {
		const char *field, *flag;
	} map[] = {
	    {"reported", "reported-fraction"},
	    {"report_delay", "report-delay"},
	    {"cases", "incidence"},
	    {"day", "incidence"},
	    {"horizon", "forecast"},
	};
	if (fit && strcmp(field, "change") == 0)
		return "change-date";
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(field, map[i].field) == 0)
			return map[i].flag;
	return field;
}

/* ---- solve ------------------------------------------------------------- */

static int
seir_solve_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"population", required_argument, NULL, 'N'},
	    {"beta", required_argument, NULL, 'b'},
	    {"sigma", required_argument, NULL, 's'},
	    {"gamma", required_argument, NULL, 'g'},
	    {"days", required_argument, NULL, 'd'},
	    {"e0", required_argument, NULL, 'e'},
	    {"i0", required_argument, NULL, 'i'},
	    {"change", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct seir_params p = {0};
	struct seir_point *pts = NULL;
	struct fk_error err = {0};
	double e0 = 0, i0 = 1;
	long days = 0;
	bool have_n = false, have_b = false, have_s = false, have_g = false, have_d = false;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'N':
			rc = parse_number("population", optarg, &p.population), have_n = true;
			break;
		case 'b': rc = parse_number("beta", optarg, &p.beta[0]), have_b = true; break;
		case 's': rc = parse_number("sigma", optarg, &p.sigma), have_s = true; break;
		case 'g': rc = parse_number("gamma", optarg, &p.gamma), have_g = true; break;
		case 'd':
			rc = parse_int("days", optarg, 1, SEIR_DAYS_MAX, &days), have_d = true;
			break;
		case 'e': rc = parse_number("e0", optarg, &e0); break;
		case 'i': rc = parse_number("i0", optarg, &i0); break;
		case 'c': {
			const char *colon = strchr(optarg, ':');
			char day[64];
			if (colon == NULL || (size_t)(colon - optarg) >= sizeof day) {
				fprintf(stderr,
					"fangkong seir: --change must be DAY:BETA, not '%s'\n",
					optarg);
				return 2;
			}
			if (p.n_change == SEIR_CHANGE_MAX) {
				fprintf(stderr,
					"fangkong seir: --change: at most %d change points\n",
					SEIR_CHANGE_MAX);
				return 2;
			}
			memcpy(day, optarg, (size_t)(colon - optarg));
			day[colon - optarg] = '\0';
			rc = parse_number("change", day, &p.change[p.n_change]);
			if (rc == 0)
				rc = parse_number("change", colon + 1, &p.beta[p.n_change + 1]);
			p.n_change++;
			break;
		}
		case 'h': help_solve(); return 0;
		default: fputs(usage_solve, stderr); return 2;
		}
		if (rc)
			return rc;
	}
	if (optind != argc) {
		fprintf(stderr, "fangkong seir: unexpected argument '%s'\n%s", argv[optind],
			usage_solve);
		return 2;
	}
	if (!have_n || !have_b || !have_s || !have_g || !have_d) {
		fprintf(stderr, "fangkong seir: --%s is required\n%s",
			!have_n	  ? "population"
			: !have_b ? "beta"
			: !have_s ? "sigma"
			: !have_g ? "gamma"
				  : "days",
			usage_solve);
		return 2;
	}
	pts = malloc(sizeof *pts * (size_t)(days + 1));
	if (pts == NULL) {
		fprintf(stderr, "fangkong seir: out of memory\n");
		return 1;
	}
	rc = seir_solve(&p, e0, i0, (int)days, pts, &err);
	if (rc) {
		if (rc == FK_EINVAL)
			fprintf(stderr, "fangkong seir: --%s: %s\n", flag_of(err.field, false),
				err.message);
		else
			fprintf(stderr, "fangkong seir: %s\n",
				err.message[0] ? err.message : fk_strerror(rc));
		free(pts);
		return rc == FK_EINVAL ? 2 : 1;
	}
	fputs("t,S,E,I,R\n", stdout);
	for (long d = 0; d <= days; d++)
		printf("%ld,%.15g,%.15g,%.15g,%.15g\n", d, pts[d].s, pts[d].e, pts[d].i, pts[d].r);
	free(pts);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fangkong seir: write failed\n");
		return 1;
	}
	return 0;
}

/* ---- the incidence file ------------------------------------------------ */

struct series {
	bool dated;
	int32_t first_date;
	size_t n, cap;
	double *cases;
	int *day;
};

/* libcsv callbacks state. */
struct reader {
	const char *path;
	long record; /* 0 = header */
	size_t n_fields;
	char fields[FIELDS_MAX][FIELD_MAX];
	bool too_long, too_many;
	int col_date, col_count; /* -1 = absent */
	const char *count_name;	 /* "new_confirmed" or "I" */
	const char *date_name;	 /* "date" or "dates" */
	int32_t prev_date;
	struct series *out;
	int failed; /* exit status once a row failed */
};

static void
on_field(void *s, size_t len, void *data)
{
	struct reader *r = data;

	if (r->n_fields == FIELDS_MAX) {
		r->too_many = true;
		return;
	}
	if (len >= FIELD_MAX) {
		r->too_long = true;
		len = FIELD_MAX - 1;
	}
	memcpy(r->fields[r->n_fields], s, len);
	r->fields[r->n_fields][len] = '\0';
	r->n_fields++;
}

static void
row_problem(struct reader *r, const char *column, const char *fmt, const char *value)
{
	if (r->failed)
		return;
	fprintf(stderr, "fangkong seir: %s: row %ld, column %s: ", r->path, r->record + 1, column);
	fprintf(stderr, fmt, value);
	fputc('\n', stderr);
	r->failed = 1;
}

static void
header_row(struct reader *r)
{
	for (size_t i = 0; i < r->n_fields; i++) {
		const char *f = r->fields[i];
		if (i == 0 && strncmp(f, "\xEF\xBB\xBF", 3) == 0)
			f += 3; /* a byte-order mark */
		if (strcmp(f, "date") == 0 || strcmp(f, "dates") == 0) {
			r->col_date = (int)i;
			r->date_name = f[4] ? "dates" : "date";
		} else if (strcmp(f, "new_confirmed") == 0 || strcmp(f, "I") == 0) {
			r->col_count = (int)i;
			r->count_name = f[0] == 'I' ? "I" : "new_confirmed";
		}
	}
	if (r->col_count < 0)
		row_problem(r, "new_confirmed", "%s",
			    "the header has no count column "
			    "(new_confirmed or I)");
	r->out->dated = r->col_date >= 0;
}

static void
data_row(struct reader *r)
{
	struct series *s = r->out;
	const char *cnt;
	char *end;
	double v;
	int day;

	if ((size_t)r->col_count >= r->n_fields ||
	    (r->col_date >= 0 && (size_t)r->col_date >= r->n_fields)) {
		row_problem(r, "-", "%s", "has fewer fields than the header");
		return;
	}
	cnt = r->fields[r->col_count];
	errno = 0;
	v = strtod(cnt, &end);
	if (*cnt == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v) || v < 0 ||
	    v != floor(v) || v > 1e12) {
		row_problem(r, r->count_name, "'%s' is not a whole number >= 0", cnt);
		return;
	}
	if (r->col_date >= 0) {
		int32_t d;
		if (date_parse(r->fields[r->col_date], &d)) {
			row_problem(r, r->date_name, "'%s' is not a date (YYYY-MM-DD)",
				    r->fields[r->col_date]);
			return;
		}
		if (s->n == 0)
			s->first_date = d;
		else if (d <= r->prev_date) {
			row_problem(r, r->date_name, "%s is not after the row before",
				    r->fields[r->col_date]);
			return;
		}
		r->prev_date = d;
		day = d - s->first_date;
	} else {
		day = (int)s->n;
	}
	if (day > SEIR_DAYS_MAX - SEIR_HORIZON_MAX - 62 || s->n >= SEIR_DAYS_MAX) {
		row_problem(r, "-", "%s", "the series is too long for a fit");
		return;
	}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;
		double *nc = realloc(s->cases, ncap * sizeof *nc);
		if (nc)
			s->cases = nc;
		int *nd = realloc(s->day, ncap * sizeof *nd);
		if (nd)
			s->day = nd;
		if (nc == NULL || nd == NULL) {
			row_problem(r, "-", "%s", "out of memory");
			return;
		}
		s->cap = ncap;
	}
	s->cases[s->n] = v;
	s->day[s->n] = day;
	s->n++;
}

static void
on_row(int term, void *data)
{
	struct reader *r = data;

	(void)term;
	if (r->too_many || r->too_long)
		row_problem(r, "-", "%s",
			    r->too_many ? "has too many fields" : "has a field too long");
	else if (r->record == 0)
		header_row(r);
	else
		data_row(r);
	r->n_fields = 0;
	r->too_long = r->too_many = false;
	r->record++;
}

static int
read_incidence(const char *path, struct series *out)
{
	FILE *f = fopen(path, "rb");
	struct csv_parser p;
	struct reader *r = NULL;
	char buf[65536];
	long total = 0;
	int rc = 1;

	if (f == NULL) {
		fprintf(stderr, "fangkong seir: --incidence %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		fclose(f);
		fprintf(stderr, "fangkong seir: out of memory\n");
		return 1;
	}
	r = calloc(1, sizeof *r);
	if (r == NULL) {
		fprintf(stderr, "fangkong seir: out of memory\n");
		goto out;
	}
	*r = (struct reader){.path = path, .col_date = -1, .col_count = -1, .out = out};
	for (;;) {
		size_t got = fread(buf, 1, sizeof buf, f);
		if (got == 0)
			break;
		total += (long)got;
		if (total > SEIR_FILE_MAX) {
			fprintf(stderr, "fangkong seir: %s: larger than %ld bytes\n", path,
				SEIR_FILE_MAX);
			goto out;
		}
		if (csv_parse(&p, buf, got, on_field, on_row, r) != got) {
			fprintf(stderr, "fangkong seir: %s: row %ld: %s\n", path, r->record + 1,
				csv_strerror(csv_error(&p)));
			goto out;
		}
		if (r->failed)
			goto out;
	}
	if (ferror(f)) {
		fprintf(stderr, "fangkong seir: %s: cannot read\n", path);
		goto out;
	}
	if (csv_fini(&p, on_field, on_row, r) != 0) {
		fprintf(stderr, "fangkong seir: %s: row %ld: %s\n", path, r->record + 1,
			csv_strerror(csv_error(&p)));
		goto out;
	}
	if (r->failed)
		goto out;
	if (r->record == 0) {
		fprintf(stderr, "fangkong seir: %s: empty (no header)\n", path);
		goto out;
	}
	rc = 0;
out:
	free(r);
	csv_free(&p);
	fclose(f);
	return rc;
}

/* ---- fit --------------------------------------------------------------- */

static void
print_row(const char *name, double est, double se, double lo, double hi)
{
	printf("%s,%.10g,", name, est);
	if (isfinite(se))
		printf("%.6g,%.10g,%.10g\n", se, lo, hi);
	else
		printf("NA,NA,NA\n");
}

static int
seir_fit_main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"incidence", required_argument, NULL, 'f'},
	    {"population", required_argument, NULL, 'N'},
	    {"change-date", required_argument, NULL, 'c'},
	    {"change-day", required_argument, NULL, 'C'},
	    {"family", required_argument, NULL, 'F'},
	    {"forecast", required_argument, NULL, 'k'},
	    {"sigma", required_argument, NULL, 's'},
	    {"gamma", required_argument, NULL, 'g'},
	    {"reported-fraction", required_argument, NULL, 'p'},
	    {"report-delay", required_argument, NULL, 'D'},
	    {"draws", required_argument, NULL, 'm'},
	    {"seed", required_argument, NULL, 'S'},
	    {"level", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct seir_fit_spec spec = {
	    .sigma = FIT_SIGMA, .gamma = FIT_GAMMA, .reported = 1, .family = SEIR_NBINOM};
	struct seir_forecast_spec fs = {.horizon = 14, .draws = 2000, .seed = 1, .level = 0.95};
	struct seir_fit *fit = NULL;
	struct seir_forecast_day *fc = NULL;
	struct series ser = {0};
	struct fk_error err = {0};
	const char *path = NULL;
	const char *change_dates[SEIR_CHANGE_MAX];
	double change_days[SEIR_CHANGE_MAX];
	size_t n_dates = 0, n_days = 0;
	bool have_n = false;
	long v;
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': path = optarg; break;
		case 'N':
			rc = parse_number("population", optarg, &spec.population), have_n = true;
			break;
		case 'c':
		case 'C':
			if (n_dates + n_days == SEIR_CHANGE_MAX) {
				fprintf(stderr, "fangkong seir: --%s: at most %d change points\n",
					c == 'c' ? "change-date" : "change-day", SEIR_CHANGE_MAX);
				return 2;
			}
			if (c == 'c') {
				int32_t d;
				if (date_parse(optarg, &d)) {
					fprintf(stderr,
						"fangkong seir: --change-date '%s' is not a date "
						"(YYYY-MM-DD)\n",
						optarg);
					return 2;
				}
				change_dates[n_dates++] = optarg;
			} else {
				rc = parse_number("change-day", optarg, &change_days[n_days++]);
			}
			break;
		case 'F':
			if (strcmp(optarg, "poisson") == 0)
				spec.family = SEIR_POISSON;
			else if (strcmp(optarg, "nbinom") == 0)
				spec.family = SEIR_NBINOM;
			else {
				fprintf(
				    stderr,
				    "fangkong seir: --family must be poisson or nbinom, not '%s'\n",
				    optarg);
				return 2;
			}
			break;
		case 'k':
			rc = parse_int("forecast", optarg, 0, SEIR_HORIZON_MAX, &v),
			fs.horizon = (int)v;
			break;
		case 's': rc = parse_number("sigma", optarg, &spec.sigma); break;
		case 'g': rc = parse_number("gamma", optarg, &spec.gamma); break;
		case 'p': rc = parse_number("reported-fraction", optarg, &spec.reported); break;
		case 'D':
			rc = parse_int("report-delay", optarg, 0, 60, &v),
			spec.report_delay = (int)v;
			break;
		case 'm':
			rc = parse_int("draws", optarg, 100, SEIR_DRAWS_MAX, &v),
			fs.draws = (size_t)v;
			break;
		case 'S':
			rc = parse_int("seed", optarg, 0, 2147483647L, &v), fs.seed = (uint64_t)v;
			break;
		case 'l': rc = parse_number("level", optarg, &fs.level); break;
		case 'h': help_fit(); return 0;
		default: fputs(usage_fit, stderr); return 2;
		}
		if (rc)
			return rc;
	}
	if (optind != argc) {
		fprintf(stderr, "fangkong seir fit: unexpected argument '%s'\n%s", argv[optind],
			usage_fit);
		return 2;
	}
	if (path == NULL || !have_n) {
		fprintf(stderr, "fangkong seir fit: --%s is required\n%s",
			path == NULL ? "incidence" : "population", usage_fit);
		return 2;
	}
	if (!(fs.level > 0 && fs.level < 1)) {
		fprintf(stderr, "fangkong seir: --level must be between 0 and 1\n");
		return 2;
	}
	if (read_incidence(path, &ser)) {
		rc = 1;
		goto out;
	}
	if (n_dates > 0 && !ser.dated) {
		fprintf(stderr,
			"fangkong seir: --change-date needs a date column in %s "
			"(or use --change-day)\n",
			path);
		rc = 2;
		goto out;
	}
	/* Change points in days since the first row, in order. */
	for (size_t k = 0; k < n_dates; k++) {
		int32_t d = 0;
		if (date_parse(change_dates[k], &d) != 0)
			continue; /* checked above */
		spec.change[spec.n_change++] = d - ser.first_date;
	}
	for (size_t k = 0; k < n_days; k++)
		spec.change[spec.n_change++] = change_days[k];
	for (size_t k = 1; k < spec.n_change; k++)
		for (size_t j = k; j > 0 && spec.change[j] < spec.change[j - 1]; j--) {
			double t = spec.change[j];
			spec.change[j] = spec.change[j - 1];
			spec.change[j - 1] = t;
		}
	spec.cases = ser.cases;
	spec.day = ser.day;
	spec.n_obs = ser.n;

	fit = calloc(1, sizeof *fit);
	fc = calloc(fs.horizon > 0 ? (size_t)fs.horizon : 1, sizeof *fc);
	if (fit == NULL || fc == NULL) {
		fprintf(stderr, "fangkong seir: out of memory\n");
		rc = 1;
		goto out;
	}
	rc = seir_fit_run(&spec, fit, &err);
	if (rc == 0 && fs.horizon > 0)
		rc = seir_forecast(&spec, fit, &fs, fc, &err);
	if (rc) {
		if (rc == FK_EINVAL && err.field[0])
			fprintf(stderr, "fangkong seir: --%s: %s\n", flag_of(err.field, true),
				err.message);
		else
			fprintf(stderr, "fangkong seir: %s\n",
				err.message[0] ? err.message : fk_strerror(rc));
		rc = rc == FK_EINVAL && strcmp(err.field, "cases") != 0 &&
			     strcmp(err.field, "day") != 0
			 ? 2
			 : 1;
		goto out;
	}

	if (!fit->converged)
		fprintf(stderr, "fangkong seir: warning: the search did not converge; the "
				"estimates are the best found\n");
	if (!fit->covariance_ok)
		fprintf(stderr, "fangkong seir: warning: the likelihood is flat or at a bound "
				"(Hessian not positive definite): no standard errors, and the "
				"forecast has observation noise only\n");
	puts("parameter,estimate,se,lower,upper");
	for (size_t k = 0; k < fit->n_beta; k++) {
		char name[32];
		snprintf(name, sizeof name, "beta_%zu", k);
		print_row(name, fit->beta[k], fit->beta_se[k], fit->beta_lo[k], fit->beta_hi[k]);
	}
	for (size_t k = 0; k < fit->n_beta; k++) {
		char name[32];
		snprintf(name, sizeof name, "R0_%zu", k);
		print_row(name, fit->r0[k], fit->beta_se[k] / spec.gamma, fit->r0_lo[k],
			  fit->r0_hi[k]);
	}
	print_row("seed", fit->seed, fit->seed_se, fit->seed_lo, fit->seed_hi);
	if (spec.family == SEIR_NBINOM)
		print_row("size", fit->size, fit->size_se, fit->size_lo, fit->size_hi);
	printf("loglik,%.10g,NA,NA,NA\naic,%.10g,NA,NA,NA\n", fit->loglik, fit->aic);
	if (fs.horizon > 0) {
		printf("\n%sday,expected,median,lower,upper,expected_lower,expected_upper\n",
		       ser.dated ? "date," : "");
		for (int d = 0; d < fs.horizon; d++) {
			if (ser.dated) {
				char b[DATE_STR_LEN];
				printf("%s,", date_format(ser.first_date + fc[d].day, b));
			}
			printf("%d,%.6f,%.0f,%.0f,%.0f,%.6f,%.6f\n", fc[d].day, fc[d].expected,
			       fc[d].median, fc[d].lower, fc[d].upper, fc[d].expected_lower,
			       fc[d].expected_upper);
		}
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fangkong seir: write failed\n");
		rc = 1;
	}
out:
	free(fit);
	free(fc);
	free(ser.cases);
	free(ser.day);
	return rc;
}

int
cmd_seir(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "fit") == 0)
		return seir_fit_main(argc - 1, argv + 1);
	return seir_solve_main(argc, argv);
}

/*
 * forecast.c -- app layer: the SEIR fit and forecast of a region's
 * stored series (GET /api/v1/analytics/seir), and the built-in
 * population tables it divides by.
 *
 * The work is analytics/seir.c's; this file chooses what to fit: the
 * days (from..to, defaults and clamps), the population, the change
 * points as report days since `from`, the defaults of the model
 * (sigma 1/5.2, gamma 1/2.9 as `fangkong seir fit`), and a budget of
 * likelihood evaluations so that one request cannot hold a worker for
 * minutes.  The same spec given to `fangkong seir fit` gives the same
 * numbers (tests/api/test_analytics_seir.py checks it).
 *
 * Population tables: data/population_prefecture_2020census.csv (the 2020
 * census by prefecture, leiii/census) and data/population_province.csv
 * (JHU CSSE's lookup figure and the sum of the census rows), built into
 * the binary, parsed with libcsv (app__csv_each) once per process under
 * a pthread_once and kept for its life.
 */
#include "forecast.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "app_impl.h"
#include "core/date.h"
#include "embedded.h"

/* Defaults of the model (Li et al., NEJM 2020: 5.2 days incubation;
 * Kucharski et al., Lancet Infect Dis 2020: 2.9 days infectious). */
#define DEFAULT_SIGMA (1.0 / 5.2)
#define DEFAULT_GAMMA (1.0 / 2.9)

/* ---- the population tables ------------------------------------------------ */

#define POP_PREFECTURE_FILE "data/population_prefecture_2020census.csv"
#define POP_PROVINCE_FILE "data/population_province.csv"

/* A row of the census table: the unit's code, the code the COVID files
 * aggregate it to (a municipality's province code), its 2020 figure
 * (NAN when the census has none: the XPCC cities). */
struct pop_prefecture {
	char city_code[REGION_CODE_LEN + 1];
	char prefecture_code[REGION_CODE_LEN + 1];
	double pop_2020;
};

/* A row of the province table (NAN: empty in the file). */
struct pop_province {
	char province_code[REGION_CODE_LEN + 1];
	double pop_jhu;
	double pop_census_sum; /* sum of the province's census rows */
	long rows_without_pop; /* census rows without a figure: the sum is short */
};

/* Columns a table needs, found by name in its header. */
#define POP_COLUMNS_MAX 4

struct pop_reader {
	const char *file;
	const char *names[POP_COLUMNS_MAX]; /* NULL-terminated */
	int col[POP_COLUMNS_MAX];
	size_t n_cols;
	void *rows; /* struct pop_prefecture or struct pop_province */
	size_t row_size, n, cap;
	int (*take)(struct pop_reader *r, void *row, char **f);
	struct fk_error *err;
};

static struct {
	struct pop_prefecture *prefectures;
	size_t n_prefectures;
	struct pop_province *provinces;
	size_t n_provinces;
	int rc; /* 0, or why the tables are unusable */
} pop_tables;
static pthread_once_t pop_once = PTHREAD_ONCE_INIT;

/* A count of people: empty is NAN, anything but a whole number >= 0 an
 * error. */
static int
pop_number(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0') {
		*out = NAN;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v) || v < 0 || v != floor(v))
		return FK_EINVAL;
	*out = v;
	return 0;
}

static int
take_prefecture(struct pop_reader *r, void *row, char **f)
{
	struct pop_prefecture *p = row;

	if (!region_code_well_formed(f[r->col[0]]) || !region_code_well_formed(f[r->col[1]]))
		return FK_EINVAL;
	snprintf(p->city_code, sizeof p->city_code, "%s", f[r->col[0]]);
	snprintf(p->prefecture_code, sizeof p->prefecture_code, "%s", f[r->col[1]]);
	return pop_number(f[r->col[2]], &p->pop_2020);
}

static int
take_province(struct pop_reader *r, void *row, char **f)
{
	struct pop_province *p = row;
	double without;
	int rc;

	if (!region_code_well_formed(f[r->col[0]]))
		return FK_EINVAL;
	snprintf(p->province_code, sizeof p->province_code, "%s", f[r->col[0]]);
	if ((rc = pop_number(f[r->col[1]], &p->pop_jhu)) ||
	    (rc = pop_number(f[r->col[2]], &p->pop_census_sum)) ||
	    (rc = pop_number(f[r->col[3]], &without)))
		return rc;
	p->rows_without_pop = isnan(without) ? 0 : (long)without;
	return 0;
}

static int
pop_row(void *ctx, long record, char **f, size_t n)
{
	struct pop_reader *r = ctx;

	if (record == 1) {
		for (size_t c = 0; c < r->n_cols; c++) {
			r->col[c] = -1;
			for (size_t i = 0; i < n; i++)
				if (strcmp(f[i], r->names[c]) == 0)
					r->col[c] = (int)i;
			if (r->col[c] < 0)
				return fk_error_set(r->err, FK_EIO, "", "%s: no column %s", r->file,
						    r->names[c]);
		}
		return 0;
	}
	for (size_t c = 0; c < r->n_cols; c++)
		if ((size_t)r->col[c] >= n)
			return fk_error_set(r->err, FK_EIO, "", "%s: record %ld is short", r->file,
					    record);
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		void *p = realloc(r->rows, ncap * r->row_size);
		if (p == NULL)
			return FK_ENOMEM;
		r->rows = p;
		r->cap = ncap;
	}
	if (r->take(r, (char *)r->rows + r->n * r->row_size, f))
		return fk_error_set(r->err, FK_EIO, "", "%s: record %ld is not a region's figures",
				    r->file, record);
	r->n++;
	return 0;
}

/* Parse one built-in table into r->rows (r->n of them). */
static int
pop_read(struct pop_reader *r)
{
	const struct embedded_file *f = embedded_find(r->file);

	for (r->n_cols = 0; r->n_cols < POP_COLUMNS_MAX && r->names[r->n_cols]; r->n_cols++)
		;
	if (f == NULL)
		return fk_error_set(r->err, FK_EIO, "", "%s is not built in", r->file);
	return app__csv_each((const char *)f->data, f->size, pop_row, r, r->err);
}

static void
pop_load(void)
{
	struct fk_error err = {0};
	struct pop_reader pref = {
	    .file = POP_PREFECTURE_FILE,
	    .names = {"city_code", "prefecture_code", "pop_2020", NULL},
	    .row_size = sizeof(struct pop_prefecture),
	    .take = take_prefecture,
	    .err = &err,
	};
	struct pop_reader prov = {
	    .file = POP_PROVINCE_FILE,
	    .names = {"province_code", "pop_jhu", "pop_2020census_sum_of_prefectures",
		      "n_prefecture_rows_without_pop"},
	    .row_size = sizeof(struct pop_province),
	    .take = take_province,
	    .err = &err,
	};
	int rc = pop_read(&pref);

	if (rc == 0)
		rc = pop_read(&prov);
	if (rc) {
		/* logged once; every lookup then says FK_EIO */
		fprintf(stderr, "error: population tables: %s\n",
			err.message[0] ? err.message : fk_strerror(rc));
		free(pref.rows);
		free(prov.rows);
		pop_tables.rc = rc == FK_ENOMEM ? FK_ENOMEM : FK_EIO;
		return;
	}
	pop_tables.prefectures = pref.rows;
	pop_tables.n_prefectures = pref.n;
	pop_tables.provinces = prov.rows;
	pop_tables.n_provinces = prov.n;
}

const char *
app_population_source_name(enum app_population_source s)
{
	switch (s) {
	case APP_POP_CENSUS2020: return "census2020";
	case APP_POP_PROVINCE: return "province";
	case APP_POP_QUERY: break;
	}
	return "query";
}

int
app_population_lookup(const char *code, double *population, enum app_population_source *source)
{
	pthread_once(&pop_once, pop_load);
	if (pop_tables.rc)
		return pop_tables.rc;
	/* the unit itself, then a municipality by its province code */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < pop_tables.n_prefectures; i++) {
			const struct pop_prefecture *p = &pop_tables.prefectures[i];
			const char *key = pass == 0 ? p->city_code : p->prefecture_code;
			if (strcmp(key, code) == 0 && isfinite(p->pop_2020) && p->pop_2020 > 0) {
				*population = p->pop_2020;
				*source = APP_POP_CENSUS2020;
				return 0;
			}
		}
	if (strcmp(code + 2, "0000") != 0)
		return FK_ENOTFOUND;
	for (size_t i = 0; i < pop_tables.n_provinces; i++) {
		const struct pop_province *p = &pop_tables.provinces[i];
		if (strcmp(p->province_code, code) != 0)
			continue;
		/* the census sum is short where a row has no figure (Xinjiang's
		 * XPCC cities): JHU's figure is then the better total */
		if (isfinite(p->pop_census_sum) && p->pop_census_sum > 0 &&
		    p->rows_without_pop == 0)
			*population = p->pop_census_sum;
		else if (isfinite(p->pop_jhu) && p->pop_jhu > 0)
			*population = p->pop_jhu;
		else
			return FK_ENOTFOUND;
		*source = APP_POP_PROVINCE;
		return 0;
	}
	return FK_ENOTFOUND;
}

/* ---- the fit -------------------------------------------------------------- */

void
app_seir_request_init(struct app_seir_request *q)
{
	memset(q, 0, sizeof *q);
	q->family = SEIR_NBINOM;
	q->sigma = DEFAULT_SIGMA;
	q->gamma = DEFAULT_GAMMA;
	q->reported = 1;
	q->delay = 0;
	q->horizon = 14;
	q->draws = 1000;
	q->seed = 1;
	q->level = 0.95;
}

void
app_seir_result_free(struct app_seir_result *res)
{
	if (res == NULL)
		return;
	free(res->dates);
	free(res->cases);
	free(res->expected);
	free(res->forecast);
	res->dates = NULL;
	res->cases = NULL;
	res->expected = NULL;
	res->forecast = NULL;
}

static void warn(struct app_seir_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
warn(struct app_seir_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->n_warnings == APP_SEIR_WARNINGS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(res->warnings[res->n_warnings++], APP_SEIR_WARNING_LEN, fmt, ap);
	va_end(ap);
}

/* The limits of struct app_seir_request that need no data. */
static int
check_request(const struct app_seir_request *q, struct fk_error *err)
{
	if (!region_code_well_formed(q->region))
		return fk_error_set(err, FK_EINVAL, "region", "region must be a 6-digit code");
	if (q->family != SEIR_POISSON && q->family != SEIR_NBINOM)
		return fk_error_set(err, FK_EINVAL, "family", "family must be poisson or nbinom");
	if (q->population != 0 && !(q->population >= 1 && q->population <= SEIR_POPULATION_MAX))
		return fk_error_set(err, FK_EINVAL, "population",
				    "population must be from 1 to %g people", SEIR_POPULATION_MAX);
	if (!(q->sigma > 0 && q->sigma <= SEIR_RATE_MAX))
		return fk_error_set(err, FK_EINVAL, "sigma",
				    "sigma must be above 0 and at most %g per day", SEIR_RATE_MAX);
	if (!(q->gamma > 0 && q->gamma <= SEIR_RATE_MAX))
		return fk_error_set(err, FK_EINVAL, "gamma",
				    "gamma must be above 0 and at most %g per day", SEIR_RATE_MAX);
	if (!(q->reported > 0 && q->reported <= 1))
		return fk_error_set(err, FK_EINVAL, "reported",
				    "reported must be above 0 and at most 1");
	if (q->delay < 0 || q->delay > APP_SEIR_DELAY_MAX)
		return fk_error_set(err, FK_EINVAL, "delay", "delay must be 0..%d days",
				    APP_SEIR_DELAY_MAX);
	if (q->horizon < 1 || q->horizon > APP_SEIR_HORIZON_MAX)
		return fk_error_set(err, FK_EINVAL, "horizon", "horizon must be 1..%d days",
				    APP_SEIR_HORIZON_MAX);
	if (q->draws < APP_SEIR_DRAWS_MIN || q->draws > APP_SEIR_DRAWS_MAX)
		return fk_error_set(err, FK_EINVAL, "draws", "draws must be %d..%d",
				    APP_SEIR_DRAWS_MIN, APP_SEIR_DRAWS_MAX);
	if (q->seed < 0 || q->seed > APP_SEIR_SEED_MAX)
		return fk_error_set(err, FK_EINVAL, "seed", "seed must be 0..%lld",
				    APP_SEIR_SEED_MAX);
	if (!(q->level > 0 && q->level < 1))
		return fk_error_set(err, FK_EINVAL, "level", "level must be between 0 and 1");
	if (q->n_change > SEIR_CHANGE_MAX)
		return fk_error_set(err, FK_EINVAL, "change", "at most %d change points",
				    SEIR_CHANGE_MAX);
	for (size_t k = 1; k < q->n_change; k++)
		if (q->change[k] <= q->change[k - 1])
			return fk_error_set(err, FK_EINVAL, "change",
					    "change dates must be increasing");
	return 0;
}

static int
cmp_date(const void *x, const void *y)
{
	int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
	return (a > b) - (a < b);
}

/* The dates on which the region has a row (any source), increasing and
 * distinct, into *out (caller frees).  FK_ENOTFOUND: none. */
static int
series_dates(app_t *a, const char *code, int32_t **out, size_t *n_out)
{
	series_day_t *rows = NULL;
	int32_t *dates = NULL;
	size_t n = 0, m = 0;
	int rc = store_series_list(a->store, NULL, code, 0, INT32_MAX, &rows, &n);

	*out = NULL;
	*n_out = 0;
	if (rc)
		return rc;
	dates = malloc((n ? n : 1) * sizeof *dates);
	if (dates == NULL) {
		free(rows);
		return FK_ENOMEM;
	}
	for (size_t k = 0; k < n; k++)
		/* the prefix may also match longer codes: only this region */
		if (strcmp(rows[k].region_code, code) == 0)
			dates[m++] = rows[k].date;
	free(rows);
	qsort(dates, m, sizeof *dates, cmp_date);
	n = m;
	m = 0;
	for (size_t k = 0; k < n; k++)
		if (m == 0 || dates[k] != dates[m - 1])
			dates[m++] = dates[k];
	if (m == 0) {
		free(dates);
		return FK_ENOTFOUND;
	}
	*out = dates;
	*n_out = m;
	return 0;
}

/* The request field of a field analytics/seir.c named. */
static void
rename_field(struct fk_error *err)
{
	static const struct {
		const char *seir, *query;
	} map[] = {
	    {"report_delay", "delay"},
	    {"cases", "from"},
	    {"day", "from"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(err->field, map[i].seir) == 0) {
			snprintf(err->field, sizeof err->field, "%s", map[i].query);
			return;
		}
}

/*
 * The days fitted: res->from, res->to and the n_obs row dates between
 * them into res->dates.  Defaults, then clamps: `to` is at most the last
 * row, and both ends move to a day with a row (a day without one is in
 * the next row's count, so a fit cannot start or end inside a gap).
 */
static int
choose_days(const struct app_seir_request *q, const int32_t *dates, size_t n,
	    struct app_seir_result *res, struct fk_error *err)
{
	char d1[DATE_STR_LEN];
	int32_t from, to;
	size_t lo, hi;

	to = q->to ? q->to : app_today();
	if (to < dates[0])
		return fk_error_set(err, FK_EINVAL, "to", "the series of %s starts on %s, after to",
				    q->region, date_format(dates[0], d1));
	for (hi = n; hi > 0 && dates[hi - 1] > to; hi--)
		;
	if (q->to && dates[hi - 1] != q->to)
		warn(res, "to moved to %s, the last day with a row on or before it",
		     date_format(dates[hi - 1], d1));
	to = dates[hi - 1];
	from = q->from ? q->from : dates[0];
	if (from > to)
		return fk_error_set(err, FK_EINVAL, "from",
				    "from is after %s (to, or the last day of the series)",
				    date_format(to, d1));
	if (to - from + 1 > APP_SEIR_DAYS_MAX) {
		if (q->from)
			return fk_error_set(err, FK_EINVAL, "from",
					    "at most %d days are fitted: from must be on or after "
					    "%s",
					    APP_SEIR_DAYS_MAX,
					    date_format(to - APP_SEIR_DAYS_MAX + 1, d1));
		from = to - APP_SEIR_DAYS_MAX + 1;
		warn(res, "only the last %d days are fitted; give from to choose",
		     APP_SEIR_DAYS_MAX);
	}
	for (lo = 0; dates[lo] < from; lo++)
		; /* stops at hi - 1 at the latest: dates[hi - 1] = to >= from */
	if (dates[lo] != from && (q->from || dates[lo] != dates[0]))
		warn(res, "from moved to %s, the first day with a row on or after it",
		     date_format(dates[lo], d1));
	res->from = dates[lo];
	res->to = to;
	res->n_obs = hi - lo;
	res->dates = malloc(res->n_obs * sizeof *res->dates);
	if (res->dates == NULL)
		return fk_error_set(err, FK_ENOMEM, "", NULL);
	memcpy(res->dates, dates + lo, res->n_obs * sizeof *res->dates);
	return 0;
}

int
app_region_seir(app_t *a, const actor_t *actor, const struct app_seir_request *q,
		struct app_seir_result *res, struct fk_error *err)
{
	struct seir_fit_spec spec = {0};
	struct seir_forecast_spec fs = {0};
	int32_t *dates = NULL, inc_first = 0;
	int64_t *inc = NULL;
	double *counts = NULL;
	int *report_day = NULL;
	char d1[DATE_STR_LEN], d2[DATE_STR_LEN], d3[DATE_STR_LEN];
	size_t n_dates = 0, days = 0;
	bool any_case = false, negative = false;
	int rc;

	memset(res, 0, sizeof *res);
	if (!actor->cli && actor->user.role == ROLE_STAFF)
		return fk_error_set(err, FK_EPERM, "", "staff see their own records only");
	if ((rc = check_request(q, err)))
		return rc;

	/* the days */
	rc = series_dates(a, q->region, &dates, &n_dates);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, rc, "region", "no case series for region %s", q->region);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read the series");
	if ((rc = choose_days(q, dates, n_dates, res, err)))
		goto out;
	for (size_t k = 0; k < q->n_change; k++)
		if (q->change[k] <= res->from || q->change[k] >= res->to) {
			rc = fk_error_set(err, FK_EINVAL, "change",
					  "change date %s is not strictly between %s and %s",
					  date_format(q->change[k], d1), date_format(res->from, d2),
					  date_format(res->to, d3));
			goto out;
		}

	/* the population */
	if (q->population > 0) {
		res->population = q->population;
		res->population_source = APP_POP_QUERY;
	} else {
		rc = app_population_lookup(q->region, &res->population, &res->population_source);
		if (rc == FK_ENOTFOUND)
			rc = fk_error_set(err, FK_EINVAL, "population",
					  "no population is built in for region %s; give "
					  "population",
					  q->region);
		else if (rc)
			rc = fk_error_set(err, rc, "", "the population tables are unusable");
		if (rc)
			goto out;
	}

	/* the counts of the row days of from..to */
	rc = app_region_incidence(a, q->region, res->to, &inc, &days, &inc_first);
	if (rc == 0 && (res->from < inc_first || days != (size_t)(res->to - inc_first + 1)))
		rc = FK_EBUSY;
	if (rc == FK_ENOTFOUND || rc == FK_EBUSY) {
		/* rows replaced between the two reads: ask again */
		rc = fk_error_set(err, FK_EBUSY, "", "the series changed during the request");
		goto out;
	}
	if (rc) {
		rc = fk_error_set(err, rc, "", "cannot read the series");
		goto out;
	}
	res->cases = malloc(res->n_obs * sizeof *res->cases);
	res->expected = malloc(res->n_obs * sizeof *res->expected);
	res->forecast = calloc((size_t)q->horizon, sizeof *res->forecast);
	counts = malloc(res->n_obs * sizeof *counts);
	report_day = malloc(res->n_obs * sizeof *report_day);
	if (res->cases == NULL || res->expected == NULL || res->forecast == NULL ||
	    counts == NULL || report_day == NULL) {
		rc = fk_error_set(err, FK_ENOMEM, "", NULL);
		goto out;
	}
	for (size_t j = 0; j < res->n_obs; j++) {
		/* missing days are zero in inc: a row after a gap holds the
		 * gap's cases (a difference of cumulative counts), and its
		 * report day says so to the fit */
		int64_t c = 0;
		for (int32_t d = j ? res->dates[j - 1] + 1 : res->dates[j]; d <= res->dates[j]; d++)
			c += inc[d - inc_first];
		/* a correction can make a day negative in principle; a count
		 * of people is not, and the model cannot un-infect */
		res->cases[j] = c;
		counts[j] = c > 0 ? (double)c : 0;
		report_day[j] = (int)(res->dates[j] - res->from);
		any_case = any_case || c > 0;
		negative = negative || c < 0;
	}
	if (negative)
		warn(res, "negative daily counts (corrections) are fitted as 0");
	if (res->n_obs < q->n_change + 3) {
		rc = fk_error_set(err, FK_EINVAL, "from",
				  "%s..%s has %zu days with a row; a fit with %zu change points "
				  "needs %zu",
				  date_format(res->from, d1), date_format(res->to, d2), res->n_obs,
				  q->n_change, q->n_change + 3);
		goto out;
	}
	if (!any_case) {
		rc = fk_error_set(err, FK_EINVAL, "from", "no case was reported from %s to %s",
				  date_format(res->from, d1), date_format(res->to, d2));
		goto out;
	}

	/* the model */
	spec.population = res->population;
	spec.sigma = q->sigma;
	spec.gamma = q->gamma;
	spec.reported = q->reported;
	spec.report_delay = q->delay;
	spec.n_change = q->n_change;
	for (size_t k = 0; k < q->n_change; k++)
		spec.change[k] = (double)(q->change[k] - res->from);
	spec.family = q->family;
	spec.cases = counts;
	spec.day = report_day;
	spec.n_obs = res->n_obs;
	spec.max_evaluations = APP_SEIR_EVALUATIONS_MAX;
	fs.horizon = q->horizon;
	fs.draws = (size_t)q->draws;
	fs.seed = (uint64_t)q->seed;
	fs.level = q->level;

	rc = seir_fit_run(&spec, &res->fit, err);
	if (rc == 0)
		rc = seir_fit_expected(&spec, &res->fit, res->expected, err);
	if (rc == 0)
		rc = seir_forecast(&spec, &res->fit, &fs, res->forecast, err);
	if (rc) {
		rename_field(err);
		goto out;
	}
	if (!res->fit.converged)
		warn(res,
		     "the search did not converge (%d likelihood evaluations, budget %d); the "
		     "estimates are the best found",
		     res->fit.evaluations, APP_SEIR_EVALUATIONS_MAX);
	if (!res->fit.covariance_ok)
		warn(res, "the likelihood is flat or at a bound (Hessian not positive definite): "
			  "no intervals, and the forecast has observation noise only");
	if (q->family == SEIR_NBINOM && res->fit.size_at_bound)
		warn(res, "the negative binomial size reached its cap: the counts show no "
			  "overdispersion");

	res->n_change = q->n_change;
	memcpy(res->change, q->change, sizeof res->change);
	res->family = q->family;
	res->sigma = q->sigma;
	res->gamma = q->gamma;
	res->reported = q->reported;
	res->delay = q->delay;
	res->horizon = q->horizon;
out:
	free(dates);
	free(inc);
	free(counts);
	free(report_day);
	if (rc)
		app_seir_result_free(res);
	return rc;
}

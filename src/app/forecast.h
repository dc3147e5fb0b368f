/*
 * forecast.h -- app layer: the SEIR model of analytics/seir.h fitted to
 * a region's stored daily series and its forecast, for
 * GET /api/v1/analytics/seir (docs/analytics.md, section "SEIR").
 *
 * The series is app_region_incidence()'s (every source summed) cut to
 * from..to, counted on the days that have a row: a row after days
 * without one holds their cases too (it is a difference of cumulative
 * counts), as `fangkong seir fit` reads a dated file.  The population is the caller's, else the
 * 2020 census row of the region, else (a province) the province table,
 * both built into the binary (data/population_*.csv).  Aggregates only:
 * every signed-in role but staff may ask.
 */
#ifndef FORECAST_H
#define FORECAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics/seir.h"
#include "app.h"

/* Most days of data one request fits: a year.  With the evaluation
 * budget below it keeps a request to about ten seconds at worst (a
 * year, 16 change points, 5,000 draws, 90 days ahead). */
#define APP_SEIR_DAYS_MAX 366
/* Most likelihood evaluations of the search (each one ODE solve of at
 * most APP_SEIR_DAYS_MAX days, well under a millisecond). */
#define APP_SEIR_EVALUATIONS_MAX 20000
/* Forecast days, and simulation draws, a request may ask for. */
#define APP_SEIR_HORIZON_MAX 90
#define APP_SEIR_DRAWS_MIN 100
#define APP_SEIR_DRAWS_MAX 5000
/* Longest report delay, days (as seir_fit_run allows). */
#define APP_SEIR_DELAY_MAX 60
/* Largest seed of the forecast's random numbers. */
#define APP_SEIR_SEED_MAX 2147483647LL

/* Where the population came from. */
enum app_population_source {
	APP_POP_QUERY = 0,	/* the caller gave it */
	APP_POP_CENSUS2020 = 1, /* the region's row of the 2020 census (leiii/census) */
	APP_POP_PROVINCE = 2,	/* a province: sum of its census rows, else JHU's figure */
};

/* "query", "census2020" or "province". */
const char *app_population_source_name(enum app_population_source s);

/*
 * What to fit.  Plain value: fill it with app_seir_request_init() and
 * change what the caller asked for.  Dates are day numbers (core/date.h).
 */
struct app_seir_request {
	char region[REGION_CODE_LEN + 1]; /* 6-digit GB/T 2260 code */
	int32_t from;			  /* first day fitted; 0: the region's first row */
	int32_t to;			  /* last day fitted; 0: today.  Either way no later
					     than the region's last row */
	size_t n_change;		  /* change points, 0..SEIR_CHANGE_MAX */
	int32_t change[SEIR_CHANGE_MAX];  /* dates, increasing, from < change < to */
	double population;		  /* people; 0: look it up */
	enum seir_family family;	  /* default SEIR_NBINOM */
	double sigma;			  /* 1 / incubation, per day; default 1/5.2 */
	double gamma;			  /* 1 / infectious period, per day; default 1/2.9 */
	double reported;		  /* reported fraction, (0, 1]; default 1 */
	int delay;			  /* report delay, 0..APP_SEIR_DELAY_MAX days; default 0 */
	int horizon;			  /* forecast days, 1..APP_SEIR_HORIZON_MAX; default 14 */
	int draws;			  /* simulations, APP_SEIR_DRAWS_MIN..MAX; default 1000 */
	int64_t seed;			  /* of the simulations, 0..APP_SEIR_SEED_MAX; default 1 */
	double level;			  /* interval level, (0, 1); default 0.95 */
};

/* The defaults above (region empty: the caller sets it). */
void app_seir_request_init(struct app_seir_request *q);

/* Most notes a result carries. */
#define APP_SEIR_WARNINGS_MAX 8
#define APP_SEIR_WARNING_LEN 200

/*
 * The fit and forecast.  The arrays are the result's own; release them
 * with app_seir_result_free().
 */
struct app_seir_result {
	double population;
	enum app_population_source population_source;
	int32_t from, to; /* the days fitted (after defaults and clamps): days
			     with a row, from = dates[0], to = dates[n_obs - 1] */
	size_t n_change;  /* the request's change points, echoed */
	int32_t change[SEIR_CHANGE_MAX];
	enum seir_family family;
	double sigma, gamma, reported;
	int delay;
	struct seir_fit fit; /* fit.beta[k] holds from change[k-1] (k = 0: from) */
	size_t n_obs;	     /* days of from..to with a row (any source) */
	int32_t *dates;	     /* n_obs dates, increasing */
	int64_t *cases;	     /* n_obs counts: the cases of dates[j] and of the days
				without a row since dates[j - 1] */
	double *expected;    /* n_obs expected counts under the estimates (of the
				same days) */
	int horizon;
	struct seir_forecast_day *forecast; /* horizon days; forecast[i] is day to + 1 + i */
	size_t n_warnings;
	char warnings[APP_SEIR_WARNINGS_MAX][APP_SEIR_WARNING_LEN]; /* for people */
};

/*
 * Fit the SEIR model to q->region's daily new confirmed counts from
 * q->from to q->to and forecast q->horizon days after q->to into *res
 * (the caller's; zeroed here).  Defaults and limits are those of struct
 * app_seir_request.  `to` moves back to the last day with a row on or
 * before it and `from` forward to the first on or after it (with a
 * warning when the caller gave them); a from..to of more than
 * APP_SEIR_DAYS_MAX days is refused if from was given and otherwise
 * starts APP_SEIR_DAYS_MAX - 1 days before to.  The search stops after
 * APP_SEIR_EVALUATIONS_MAX likelihood evaluations (then
 * res->fit.converged is false and a warning says so).
 *
 * Errors: FK_EPERM for staff; FK_EINVAL naming the request field at
 * fault as its query parameter ("region", "from", "to", "change",
 * "population", "family", "horizon", "sigma", "gamma", "reported",
 * "delay", "draws", "seed", "level"; "from" also when from..to holds
 * too few days or no case); FK_ENOTFOUND ("region") if the region has
 * no series; FK_EIO if no fit was found; FK_ENOMEM.  On error *res
 * holds nothing to free.  Thread-safe; from a tenth of a second (weeks,
 * one change point) to about ten seconds of CPU (a year, 16 change
 * points, 5,000 draws).
 */
int app_region_seir(app_t *a, const actor_t *actor, const struct app_seir_request *q,
		    struct app_seir_result *res, struct fk_error *err) FK_MUST_CHECK;

/* Release res's arrays (NULL-safe, idempotent). */
void app_seir_result_free(struct app_seir_result *res);

/*
 * The built-in population of a region: its 2020 census row (by
 * city_code, else prefecture_code, as the COVID files code
 * municipalities), else for a province code the province table (the sum
 * of its census rows when every row has a figure, else JHU CSSE's).
 * FK_ENOTFOUND if neither knows it (a county, an XPCC city); FK_EIO if
 * the built-in tables do not parse.  The tables are read once per
 * process.  Thread-safe.
 */
int app_population_lookup(const char *region_code, double *population,
			  enum app_population_source *source) FK_MUST_CHECK;

#endif

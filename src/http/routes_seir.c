/*
 * routes_seir.c -- http layer: GET /api/v1/analytics/seir, the SEIR fit
 * of a region's series and its forecast (app/forecast.h; docs/api.md).
 * Who may call it is in the table in routes.c.
 *
 * The handler parses the query (every bad value is a 400 naming its
 * parameter), calls app_region_seir() and renders the result; a value
 * that is not finite (an interval without a covariance) goes out as
 * null, never as NaN.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/forecast.h"
#include "core/date.h"
#include "http_impl.h"

/* Longest `change` list: 16 dates and their commas. */
#define CHANGE_QUERY_MAX (SEIR_CHANGE_MAX * DATE_STR_LEN)

/* `change`: dates YYYY-MM-DD separated by commas, at most
 * SEIR_CHANGE_MAX (their order and range are the app's to check). */
static int
query_changes(struct http_req *r, struct app_seir_request *q)
{
	const char *v = http_query(r, "change");
	struct fk_error err = {0};
	char buf[CHANGE_QUERY_MAX + 1];
	char *save = NULL, *tok;

	q->n_change = 0;
	if (v == NULL || *v == '\0')
		return 0;
	if (strlen(v) > CHANGE_QUERY_MAX) {
		fk_error_set(&err, FK_EINVAL, "change", "at most %d change dates", SEIR_CHANGE_MAX);
		goto bad;
	}
	snprintf(buf, sizeof buf, "%s", v);
	/* strtok_r would skip an empty item: "2020-01-23,,x" must fail */
	for (tok = buf;; tok = save + 1) {
		save = strchr(tok, ',');
		if (save)
			*save = '\0';
		if (q->n_change == SEIR_CHANGE_MAX) {
			fk_error_set(&err, FK_EINVAL, "change", "at most %d change dates",
				     SEIR_CHANGE_MAX);
			goto bad;
		}
		if (date_parse(tok, &q->change[q->n_change])) {
			fk_error_set(&err, FK_EINVAL, "change",
				     "change must be dates YYYY-MM-DD separated by commas");
			goto bad;
		}
		q->n_change++;
		if (save == NULL)
			return 0;
	}
bad:
	http_reply_error(r, FK_EINVAL, &err);
	return -1;
}

static json_t *
fit_json(const struct app_seir_result *res)
{
	const struct seir_fit *f = &res->fit;
	json_t *segs = json_array();

	for (size_t k = 0; k < f->n_beta; k++) {
		int32_t start = k == 0 ? res->from : res->change[k - 1];
		json_t *o = json_object();
		json_object_set_new(o, "from", http_date_json(start));
		json_object_set_new(o, "beta", http_number_json(f->beta[k]));
		json_object_set_new(o, "beta_lo", http_number_json(f->beta_lo[k]));
		json_object_set_new(o, "beta_hi", http_number_json(f->beta_hi[k]));
		json_object_set_new(o, "r0", http_number_json(f->r0[k]));
		json_object_set_new(o, "r0_lo", http_number_json(f->r0_lo[k]));
		json_object_set_new(o, "r0_hi", http_number_json(f->r0_hi[k]));
		json_array_append_new(segs, o);
	}
	json_t *o = json_object();
	json_object_set_new(o, "segments", segs);
	json_object_set_new(o, "seed", http_number_json(f->seed));
	json_object_set_new(o, "size", res->family == SEIR_NBINOM ? http_number_json(f->size) : json_null());
	json_object_set_new(o, "loglik", http_number_json(f->loglik));
	json_object_set_new(o, "aic", http_number_json(f->aic));
	json_object_set_new(o, "converged", json_boolean(f->converged));
	json_object_set_new(o, "covariance_ok", json_boolean(f->covariance_ok));
	json_object_set_new(o, "evaluations", json_integer(f->evaluations));
	return o;
}

static json_t *
result_json(const struct app_seir_result *res, const char *region)
{
	json_t *body = json_object(), *arr;

	json_object_set_new(body, "region", json_string(region));
	/* a count of people is whole unless the caller gave a fraction */
	json_object_set_new(body, "population",
			    res->population == floor(res->population) && res->population <= 9e15
				? json_integer((json_int_t)res->population)
				: http_number_json(res->population));
	json_object_set_new(body, "population_source",
			    json_string(app_population_source_name(res->population_source)));
	json_object_set_new(body, "family",
			    json_string(res->family == SEIR_POISSON ? "poisson" : "nbinom"));
	json_object_set_new(body, "from", http_date_json(res->from));
	json_object_set_new(body, "to", http_date_json(res->to));
	arr = json_array();
	for (size_t k = 0; k < res->n_change; k++)
		json_array_append_new(arr, http_date_json(res->change[k]));
	json_object_set_new(body, "change", arr);
	json_object_set_new(body, "sigma", http_number_json(res->sigma));
	json_object_set_new(body, "gamma", http_number_json(res->gamma));
	json_object_set_new(body, "reported", http_number_json(res->reported));
	json_object_set_new(body, "delay", json_integer(res->delay));
	json_object_set_new(body, "fit", fit_json(res));

	arr = json_array();
	for (size_t j = 0; j < res->n_obs; j++) {
		json_t *o = json_object();
		json_object_set_new(o, "date", http_date_json(res->dates[j]));
		json_object_set_new(o, "cases", json_integer(res->cases[j]));
		json_object_set_new(o, "expected", http_number_json(res->expected[j]));
		json_array_append_new(arr, o);
	}
	json_object_set_new(body, "observed", arr);

	arr = json_array();
	for (int i = 0; i < res->horizon; i++) {
		const struct seir_forecast_day *d = &res->forecast[i];
		json_t *o = json_object();
		json_object_set_new(o, "date", http_date_json(res->from + d->day));
		json_object_set_new(o, "expected", http_number_json(d->expected));
		json_object_set_new(o, "median", http_number_json(d->median));
		json_object_set_new(o, "lower", http_number_json(d->lower));
		json_object_set_new(o, "upper", http_number_json(d->upper));
		json_object_set_new(o, "expected_lower", http_number_json(d->expected_lower));
		json_object_set_new(o, "expected_upper", http_number_json(d->expected_upper));
		json_array_append_new(arr, o);
	}
	json_object_set_new(body, "forecast", arr);

	arr = json_array();
	for (size_t k = 0; k < res->n_warnings; k++)
		json_array_append_new(arr, json_string(res->warnings[k]));
	json_object_set_new(body, "warnings", arr);
	return body;
}

void
h_analytics_seir(struct http_req *r)
{
	const char *region = http_query(r, "region");
	const char *family = http_query(r, "family");
	struct app_seir_request q;
	struct app_seir_result res;
	struct fk_error err = {0};
	long long horizon, delay, draws, seed;
	json_t *body;
	int rc;

	app_seir_request_init(&q);
	if (region == NULL || *region == '\0') {
		http_reply_fail(r, 400, "invalid", "region", "region is required");
		return;
	}
	if (strlen(region) != REGION_CODE_LEN || !region_code_well_formed(region)) {
		http_reply_fail(r, 400, "invalid", "region", "region must be a 6-digit code");
		return;
	}
	snprintf(q.region, sizeof q.region, "%s", region);
	if (family && *family) {
		if (strcmp(family, "poisson") == 0)
			q.family = SEIR_POISSON;
		else if (strcmp(family, "nbinom") == 0)
			q.family = SEIR_NBINOM;
		else {
			http_reply_fail(r, 400, "invalid", "family",
					"family must be poisson or nbinom");
			return;
		}
	}
	if (http_query_date(r, "from", 0, &q.from) || http_query_date(r, "to", 0, &q.to) ||
	    query_changes(r, &q) ||
	    http_query_double(r, "population", 0, -HUGE_VAL, HUGE_VAL, &q.population) ||
	    http_query_int(r, "horizon", q.horizon, 1, APP_SEIR_HORIZON_MAX, &horizon) ||
	    http_query_double(r, "sigma", q.sigma, -HUGE_VAL, HUGE_VAL, &q.sigma) ||
	    http_query_double(r, "gamma", q.gamma, -HUGE_VAL, HUGE_VAL, &q.gamma) ||
	    http_query_double(r, "reported", q.reported, -HUGE_VAL, HUGE_VAL, &q.reported) ||
	    http_query_int(r, "delay", q.delay, 0, APP_SEIR_DELAY_MAX, &delay) ||
	    http_query_int(r, "draws", q.draws, APP_SEIR_DRAWS_MIN, APP_SEIR_DRAWS_MAX, &draws) ||
	    http_query_int(r, "seed", q.seed, 0, APP_SEIR_SEED_MAX, &seed) ||
	    http_query_double(r, "level", q.level, -HUGE_VAL, HUGE_VAL, &q.level))
		return;
	/* 0 means "look it up" to the app: an explicit 0 is a bad value */
	if (http_query(r, "population") && *http_query(r, "population") && q.population == 0) {
		http_reply_fail(r, 400, "invalid", "population", "population must be above 0");
		return;
	}
	q.horizon = (int)horizon;
	q.delay = (int)delay;
	q.draws = (int)draws;
	q.seed = seed;

	rc = app_region_seir(r->app, &r->actor, &q, &res, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	body = result_json(&res, q.region);
	app_seir_result_free(&res);
	http_reply_json(r, 200, body);
}

/*
 * routes_analytics.c -- http layer: analytics over the store's series
 * (Rt of a region; aberration detection on a region's series or the
 * organisation's check-ins).  Who may call each is in the table in
 * routes.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/analysis.h"
#include "app/signals.h"
#include "core/date.h"
#include "http_impl.h"

void
h_analytics_rt(struct http_req *r)
{
	const char *region = http_query(r, "region"), *scope = http_query(r, "scope");
	struct rt_result res = {0};
	struct fk_error err = {0};
	double si_mean, si_sd;
	long long window;
	int32_t to, from, first = 0;
	json_t *arr;
	int rc;

	/* serial interval of Li et al. (NEJM 2020), Wuhan: mean 7.5, sd 3.4 */
	if (http_query_date(r, "to", app_today(), &to) || http_query_date(r, "from", 0, &from) ||
	    http_query_double(r, "si_mean", 7.5, 1.0, 60, &si_mean) ||
	    http_query_double(r, "si_sd", 3.4, 0.01, 60, &si_sd) ||
	    http_query_int(r, "window", 7, 1, 365, &window))
		return;
	if (scope && *scope && strcmp(scope, "org") == 0) {
		region = NULL; /* the cases registered here */
	} else if (scope && *scope && strcmp(scope, "region") != 0) {
		http_reply_fail(r, 400, "invalid", "scope", "scope must be region or org");
		return;
	} else if (region == NULL || *region == '\0') {
		http_reply_fail(r, 400, "invalid", "region", "region is required");
		return;
	}
	rc = app_region_rt(r->app, &r->actor, region, to, si_mean, si_sd, (unsigned)window, &res,
			   &first, &err);
	if (rc) {
		rt_result_free(&res);
		http_reply_error(r, rc, &err);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < res.n; i++) {
		const struct rt_row *x = &res.rows[i];
		char d1[DATE_STR_LEN], d2[DATE_STR_LEN];
		int32_t start = first + (int32_t)x->t_start - 1, end = first + (int32_t)x->t_end - 1;
		if (from && end < from)
			continue;
		json_t *o = json_pack("{s:s, s:s, s:i, s:i}", "date_start", date_format(start, d1),
				      "date_end", date_format(end, d2), "t_start", (int)x->t_start,
				      "t_end", (int)x->t_end);
		if (x->na) {
			json_object_set_new(o, "mean", json_null());
		} else {
			json_object_set_new(o, "mean", json_real(x->mean));
			json_object_set_new(o, "sd", json_real(x->sd));
			json_object_set_new(o, "q025", json_real(x->q[0]));
			json_object_set_new(o, "median", json_real(x->q[3]));
			json_object_set_new(o, "q975", json_real(x->q[RT_QUANTILES - 1]));
		}
		json_array_append_new(arr, o);
	}
	rt_result_free(&res);
	http_reply_json(r, 200,
			json_pack("{s:s, s:o, s:f, s:f, s:I, s:o}", "scope", region ? "region" : "org",
				  "region", region ? json_string(region) : json_null(), "si_mean",
				  si_mean, "si_sd", si_sd, "window", (json_int_t)window, "items", arr));
}

void
h_analytics_detect(struct http_req *r)
{
	const char *scope = http_query(r, "scope"), *method = http_query(r, "method");
	struct detect_request q = {0};
	struct detect_outcome out;
	struct fk_error err = {0};
	long long baseline, dept, b, w;
	json_t *arr, *body;
	int rc;

	if (http_query_date(r, "to", app_today(), &q.to) || http_query_date(r, "from", 0, &q.from) ||
	    http_query_int(r, "baseline", 7, 3, 365, &baseline) ||
	    http_query_double(r, "alpha", NAN, 1e-12, 1 - 1e-12, &q.alpha) ||
	    http_query_double(r, "min_sigma", NAN, 0, 1e9, &q.min_sigma) ||
	    http_query_int(r, "department", 0, 1, INT64_MAX, &dept) ||
	    http_query_int(r, "b", 5, 1, 10, &b) || http_query_int(r, "w", 3, 0, 26, &w))
		return;
	q.baseline = (int)baseline;
	q.department_id = dept;
	q.b = (int)b;
	q.w = (int)w;
	q.region = http_query(r, "region");
	if (scope == NULL || *scope == '\0' || strcmp(scope, "region") == 0) {
		q.scope = DETECT_SCOPE_REGION;
		if (q.region == NULL || *q.region == '\0') {
			http_reply_fail(r, 400, "invalid", "region", "region is required");
			return;
		}
	} else if (strcmp(scope, "checkins") == 0) {
		q.scope = DETECT_SCOPE_CHECKINS;
	} else {
		http_reply_fail(r, 400, "invalid", "scope", "scope must be region or checkins");
		return;
	}
	if (method == NULL || *method == '\0')
		q.method = DETECT_EARS_C2;
	else if (strcmp(method, "farrington") == 0)
		q.farrington = true;
	else if (detect_ears_method_parse(method, &q.method)) {
		http_reply_fail(r, 400, "invalid", "method", "method must be C1, C2, C3 or farrington");
		return;
	}
	rc = app_detect(r->app, &r->actor, &q, &out, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < out.n; i++) {
		const struct detect_point *p = &out.points[i];
		json_array_append_new(
		    arr, json_pack("{s:o, s:f, s:o, s:o, s:o}", "date", http_date_json(out.dates[i]),
				   "observed", p->observed, "upperbound", http_number_json(p->upperbound),
				   "alarm",
				   p->alarm == DETECT_ALARM_NA ? json_null() : json_boolean(p->alarm),
				   "expected", http_number_json(p->expected)));
	}
	body = json_pack("{s:s, s:s, s:I, s:o, s:s, s:o}", "scope",
			 q.scope == DETECT_SCOPE_REGION ? "region" : "checkins", "method",
			 q.farrington ? "farrington" : detect_ears_method_name(q.method), "baseline",
			 (json_int_t)q.baseline, "alpha", json_real(out.alpha), "period",
			 out.period_days == 7 ? "week" : "day", "items", arr);
	if (q.scope == DETECT_SCOPE_REGION) {
		json_object_set_new(body, "region", json_string(q.region));
		json_object_set_new(body, "region_name", json_string(out.region_name));
	} else {
		json_object_set_new(body, "department_id",
				    out.department_id ? json_integer(out.department_id)
						      : json_null());
		json_object_set_new(body, "department",
				    out.department_id ? json_string(out.department) : json_null());
	}
	if (!q.farrington)
		json_object_set_new(body, "min_sigma", json_real(out.min_sigma));
	else {
		json_object_set_new(body, "b", json_integer(q.b));
		json_object_set_new(body, "w", json_integer(q.w));
	}
	app_detect_outcome_free(&out);
	http_reply_json(r, 200, body);
}

/*
 * routes_analytics.c -- http layer: analytics over the store's series
 * (Rt of a region).  Who may call it is in the table in routes.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/analysis.h"
#include "core/date.h"
#include "http_impl.h"

static int
query_double(struct http_req *r, const char *name, double def, double min, double max, double *out)
{
	const char *v = http_query(r, name);
	char *end;
	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	*out = strtod(v, &end);
	if (*end || !isfinite(*out) || *out < min || *out > max) {
		http_reply_fail(r, 400, "invalid", name, "a number out of range");
		return -1;
	}
	return 0;
}

void
h_analytics_rt(struct http_req *r)
{
	const char *region = http_query(r, "region");
	struct rt_result res = {0};
	struct fk_error err = {0};
	double si_mean, si_sd;
	long long window;
	int32_t to, from, first = 0;
	json_t *arr;
	int rc;

	/* serial interval of Li et al. (NEJM 2020), Wuhan: mean 7.5, sd 3.4 */
	if (http_query_date(r, "to", app_today(), &to) || http_query_date(r, "from", 0, &from) ||
	    query_double(r, "si_mean", 7.5, 1.0, 60, &si_mean) ||
	    query_double(r, "si_sd", 3.4, 0.01, 60, &si_sd) ||
	    http_query_int(r, "window", 7, 1, 365, &window))
		return;
	if (region == NULL || *region == '\0') {
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
			json_pack("{s:s, s:f, s:f, s:I, s:o}", "region", region, "si_mean", si_mean,
				  "si_sd", si_sd, "window", (json_int_t)window, "items", arr));
}

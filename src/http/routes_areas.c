/*
 * routes_areas.c -- http layer: handlers of regional risk, response
 * levels, resumption plans and the return to work.  Who may call each
 * is in the table in routes.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/areas.h"
#include "core/date.h"
#include "http_impl.h"

static json_t *
change_json(app_t *app, const risk_change_t *c)
{
	region_t g;
	bool named = store_region_get(app_store(app), c->region_code, &g) == 0;
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:b, s:o, s:s, s:I}", "region_code",
			 c->region_code, "name", named ? g.name : "", "level_of", named ? g.level : "",
			 "date", http_date_json(c->date), "level", c->level, "rule", c->rule, "reason",
			 http_reason_json(c->reason), "override", c->override, "until",
			 http_date_json(c->override_until), "by", c->by, "at", (json_int_t)c->at);
}

static bool
prefix_ok(const char *p)
{
	return p == NULL || *p == '\0' || region_prefix_well_formed(p);
}

void
h_risk_current(struct http_req *r)
{
	const char *prefix = http_query(r, "prefix"), *level = http_query(r, "level");
	risk_change_t *items = NULL;
	size_t n = 0;
	int32_t date;
	json_t *arr;
	int64_t counts[3] = {0};
	int rc;

	if (http_query_date(r, "date", app_today(), &date))
		return;
	if (!prefix_ok(prefix)) {
		http_reply_fail(r, 400, "invalid", "prefix", "prefix is 1 to 6 digits");
		return;
	}
	if (level && *level && strcmp(level, "low") && strcmp(level, "medium") && strcmp(level, "high")) {
		http_reply_fail(r, 400, "invalid", "level", "level is low, medium or high");
		return;
	}
	rc = app_risk_current(r->app, &r->actor, prefix && *prefix ? prefix : NULL, date, &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		counts[strcmp(items[i].level, "high") == 0 ? 2 : strcmp(items[i].level, "medium") == 0]++;
		if (level && *level && strcmp(level, items[i].level))
			continue;
		json_array_append_new(arr, change_json(r->app, &items[i]));
	}
	free(items);
	http_reply_json(r, 200,
			json_pack("{s:o, s:{s:I, s:I, s:I}, s:o}", "date", http_date_json(date), "counts", "low",
				  (json_int_t)counts[0], "medium", (json_int_t)counts[1], "high",
				  (json_int_t)counts[2], "items", arr));
}

void
h_risk_history(struct http_req *r)
{
	risk_change_t *items = NULL;
	series_day_t *series = NULL;
	size_t n = 0, ns = 0;
	json_t *arr, *ser;
	region_t g;
	int rc = store_region_get(app_store(r->app), r->params[0], &g);
	if (rc == FK_ENOTFOUND) {
		http_reply_fail(r, 404, "not_found", "code", "no such region code");
		return;
	}
	rc = app_risk_history(r->app, &r->actor, r->params[0], &items, &n);

	if (rc == 0)
		rc = store_series_list(app_store(r->app), NULL, r->params[0], 0, app_today(), &series,
				       &ns);
	if (rc == FK_EINVAL) {
		http_reply_fail(r, 404, "not_found", "code", "no such region code");
		return;
	}
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, change_json(r->app, &items[i]));
	/* the daily series of exactly this region, all sources summed */
	ser = json_array();
	for (size_t i = 0; i < ns; i++) {
		if (strcmp(series[i].region_code, r->params[0]) != 0)
			continue;
		json_t *last = json_array_size(ser) ? json_array_get(ser, json_array_size(ser) - 1) : NULL;
		char d[DATE_STR_LEN];
		date_format(series[i].date, d);
		if (last && strcmp(json_string_value(json_object_get(last, "date")), d) == 0) {
			/* the same day from another source: add every count */
			static const char *const cols[] = {"new_confirmed", "new_clusters",
							   "new_asymptomatic"};
			const int32_t add[] = {series[i].new_confirmed, series[i].new_clusters,
					       series[i].new_asymptomatic};
			for (int k = 0; k < 3; k++)
				json_object_set_new(last, cols[k],
						    json_integer(json_integer_value(json_object_get(
									 last, cols[k])) + add[k]));
			continue;
		}
		json_array_append_new(ser, json_pack("{s:s, s:i, s:i, s:i}", "date", d, "new_confirmed",
						     series[i].new_confirmed, "new_clusters",
						     series[i].new_clusters, "new_asymptomatic",
						     series[i].new_asymptomatic));
	}
	free(items);
	free(series);
	http_reply_json(r, 200, json_pack("{s:s, s:o, s:o}", "region_code", r->params[0], "changes",
					  arr, "series", ser));
}

void
h_risk_override(struct http_req *r)
{
	risk_change_t c = {0};
	char date[16] = "", until[16] = "", reason[REPORT_NOTE_BUF] = "";
	bool has_date = false, has_until = false;
	struct jfield f[] = {
		{"region_code", JF_STRING, true, c.region_code, sizeof c.region_code, NULL},
		{"level", JF_STRING, true, c.level, sizeof c.level, NULL},
		{"reason", JF_STRING, true, reason, sizeof reason, NULL},
		{"date", JF_STRING, false, date, sizeof date, &has_date},
		{"until", JF_STRING, false, until, sizeof until, &has_until},
	};
	struct fk_error err = {0};
	int rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);

	if (rc == 0 && has_date && date_parse(date, &c.date))
		rc = fk_error_set(&err, FK_EINVAL, "date", "date must be YYYY-MM-DD");
	if (rc == 0 && has_until && date_parse(until, &c.override_until))
		rc = fk_error_set(&err, FK_EINVAL, "until", "until must be YYYY-MM-DD");
	snprintf(c.reason, sizeof c.reason, "%s", reason);
	if (rc == 0)
		rc = app_risk_override(r->app, &r->actor, &c, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 201, change_json(r->app, &c));
}

void
h_risk_grade(struct http_req *r)
{
	char from[16] = "", to[16] = "", rule[32] = "", source[16] = "";
	bool has_rule = false, has_source = false;
	struct jfield f[] = {
		{"from", JF_STRING, true, from, sizeof from, NULL},
		{"to", JF_STRING, true, to, sizeof to, NULL},
		{"rule", JF_STRING, false, rule, sizeof rule, &has_rule},
		{"source", JF_STRING, false, source, sizeof source, &has_source},
	};
	struct grade_report rep = {0};
	struct fk_error err = {0};
	int32_t d1 = 0, d2 = 0;
	int rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);

	if (rc == 0 && date_parse(from, &d1))
		rc = fk_error_set(&err, FK_EINVAL, "from", "from must be YYYY-MM-DD");
	if (rc == 0 && date_parse(to, &d2))
		rc = fk_error_set(&err, FK_EINVAL, "to", "to must be YYYY-MM-DD");
	if (rc == 0)
		rc = app_risk_grade(r->app, &r->actor, d1, d2, has_rule ? rule : NULL,
				    has_source ? source : NULL, &rep, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200,
			json_pack("{s:I, s:I, s:I, s:{s:I, s:I, s:I}}", "regions", (json_int_t)rep.regions,
				  "days", (json_int_t)rep.days, "changes", (json_int_t)rep.changes,
				  "last_day", "low", (json_int_t)rep.low, "medium",
				  (json_int_t)rep.medium, "high", (json_int_t)rep.high));
}

/* ---- response levels -------------------------------------------------------------------- */

static json_t *
response_json(const response_level_t *x)
{
	static const char *const roman[] = {"ended", "I", "II", "III", "IV"};
	return json_pack("{s:s, s:o, s:i, s:s, s:s, s:s, s:I}", "province_code", x->province_code,
			 "date", http_date_json(x->date), "level", x->level, "level_name",
			 roman[x->level >= 0 && x->level <= 4 ? x->level : 0], "note", x->note, "by",
			 x->by, "at", (json_int_t)x->at);
}

void
h_response_list(struct http_req *r)
{
	const char *p = http_query(r, "province");
	response_level_t *items = NULL;
	size_t n = 0;
	json_t *arr;
	int rc = app_response_history(r->app, &r->actor, p && *p ? p : NULL, &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, response_json(&items[i]));
	free(items);
	http_reply_json(r, 200, json_pack("{s:o}", "items", arr));
}

void
h_response_set(struct http_req *r)
{
	response_level_t x = {0};
	char date[16] = "";
	int64_t level = -1;
	bool has_date = false;
	struct jfield f[] = {
		{"province_code", JF_STRING, true, x.province_code, sizeof x.province_code, NULL},
		{"level", JF_INT, true, &level, 0, NULL},
		{"date", JF_STRING, false, date, sizeof date, &has_date},
		{"note", JF_STRING, false, x.note, sizeof x.note, NULL},
	};
	struct fk_error err = {0};
	int rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);

	if (rc == 0 && has_date && date_parse(date, &x.date))
		rc = fk_error_set(&err, FK_EINVAL, "date", "date must be YYYY-MM-DD");
	x.level = level < 0 || level > 4 ? -1 : (int)level;
	if (rc == 0)
		rc = app_response_set(r->app, &r->actor, &x, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 201, response_json(&x));
}

/* ---- resumption plans and the return to work ------------------------------------------------ */

static json_t *
plan_json(const resumption_plan_t *p)
{
	return json_pack("{s:I, s:I, s:s, s:o, s:i, s:s, s:s, s:s, s:s, s:I, s:o, s:s}", "id",
			 (json_int_t)p->id, "department_id", (json_int_t)p->department_id,
			 "department", p->department, "start_date", http_date_json(p->start_date), "cap_percent",
			 p->cap_percent, "note", p->note, "status", p->status, "by", p->by,
			 "decided_by", p->decided_by, "created_at", (json_int_t)p->created_at,
			 "decided_at", p->decided_at ? json_integer(p->decided_at) : json_null(),
			 "decision_note", p->decision_note);
}

void
h_plans_list(struct http_req *r)
{
	resumption_plan_t *items = NULL;
	size_t n = 0;
	json_t *arr;
	int rc = app_plan_list(r->app, &r->actor, &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, plan_json(&items[i]));
	free(items);
	http_reply_json(r, 200, json_pack("{s:o}", "items", arr));
}

void
h_plan_submit(struct http_req *r)
{
	resumption_plan_t p = {0};
	char start[16] = "";
	int64_t cap = 0;
	struct jfield f[] = {
		{"department_id", JF_INT, true, &p.department_id, 0, NULL},
		{"start_date", JF_STRING, true, start, sizeof start, NULL},
		{"cap_percent", JF_INT, true, &cap, 0, NULL},
		{"note", JF_STRING, false, p.note, sizeof p.note, NULL},
	};
	struct fk_error err = {0};
	int rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);

	if (rc == 0 && date_parse(start, &p.start_date))
		rc = fk_error_set(&err, FK_EINVAL, "start_date", "start_date must be YYYY-MM-DD");
	p.cap_percent = cap < 1 || cap > 100 ? 0 : (int)cap;
	if (rc == 0)
		rc = app_plan_submit(r->app, &r->actor, &p, &err);
	if (rc == 0)
		rc = store_plan_get(app_store(r->app), p.id, &p);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 201, plan_json(&p));
}

void
h_plan_decide(struct http_req *r)
{
	bool approve = false;
	char note[REPORT_NOTE_BUF] = "";
	struct jfield f[] = {
		{"approve", JF_BOOL, true, &approve, 0, NULL},
		{"note", JF_STRING, false, note, sizeof note, NULL},
	};
	resumption_plan_t p;
	struct fk_error err = {0};
	int64_t id;
	int rc;

	if (http_param_id(r, 0, &id))
		return;
	rc = json_decode_body(r->body, r->body_len, f, 2, &err);
	if (rc == 0)
		rc = app_plan_decide(r->app, &r->actor, id, approve, note, &p, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, plan_json(&p));
}

void
h_return_to_work(struct http_req *r)
{
	struct rtw w;
	int32_t date;
	json_t *people, *deps;
	int rc;

	if (http_query_date(r, "date", app_today(), &date))
		return;
	rc = app_return_to_work(r->app, &r->actor, date, &w);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	people = json_array();
	for (size_t i = 0; i < w.n_people; i++) {
		const struct rtw_person *x = &w.people[i];
		json_t *reasons = json_array();
		for (int k = 0; k < x->n_reasons; k++)
			json_array_append_new(reasons, json_string(x->reasons[k]));
		json_array_append_new(people,
				      json_pack("{s:s, s:s, s:s, s:I, s:b, s:o, s:s, s:s}", "person_id",
						x->person.id, "name", x->person.name, "kind",
						person_kind_name(x->person.kind), "department_id",
						(json_int_t)x->person.department_id, "on_site", x->on_site,
						"reasons", reasons, "where", x->where, "where_level",
						x->where_level));
	}
	deps = json_array();
	for (size_t i = 0; i < w.n_departments; i++) {
		const struct rtw_department *y = &w.departments[i];
		json_array_append_new(
			deps, json_pack("{s:I, s:s, s:I, s:I, s:f, s:i, s:I, s:o, s:b}", "id",
					(json_int_t)y->department_id, "name", y->name, "people",
					(json_int_t)y->people, "eligible", (json_int_t)y->eligible,
					"eligible_share",
					y->people ? (double)y->eligible / (double)y->people : 0.0,
					"cap_percent", y->cap_percent, "allowed", (json_int_t)y->allowed,
					"plan_start", http_date_json(y->plan_start), "ready",
					y->cap_percent > 0 && y->allowed > 0));
	}
	/* naming who may not come in is a read of their records: audit */
	{
		person_t *shown = calloc(w.n_people ? w.n_people : 1, sizeof *shown);
		struct fk_error err = {0};
		for (size_t i = 0; shown && i < w.n_people; i++)
			shown[i] = w.people[i].person;
		rc = shown ? app_audit_people(r->app, &r->actor, "list", shown, w.n_people, &err)
			   : FK_ENOMEM;
		free(shown);
	}
	rtw_free(&w);
	if (rc) {
		json_decref(people);
		json_decref(deps);
		http_reply_error(r, rc, NULL);
		return;
	}
	http_reply_json(r, 200, json_pack("{s:o, s:o, s:o}", "date", http_date_json(date), "departments", deps,
					  "people", people));
}

void
h_series_list(struct http_req *r)
{
	const char *region = http_query(r, "region"), *source = http_query(r, "source");
	series_day_t *items = NULL;
	size_t n = 0;
	int32_t from, to;
	json_t *arr;
	int rc;

	if (http_query_date(r, "to", app_today(), &to) || http_query_date(r, "from", to - 365, &from))
		return;
	if (!prefix_ok(region)) {
		http_reply_fail(r, 400, "invalid", "region", "region is a code prefix of 1 to 6 digits");
		return;
	}
	rc = store_series_list(app_store(r->app), source && *source ? source : NULL,
			       region && *region ? region : NULL, from, to, &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	if (n > 100000) {
		free(items);
		http_reply_fail(r, 413, "too_large", "region", "narrow the region or the dates");
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:i, s:i, s:i}", "source",
						     items[i].source, "region_code",
						     items[i].region_code, "date", http_date_json(items[i].date),
						     "new_confirmed", items[i].new_confirmed,
						     "new_clusters", items[i].new_clusters,
						     "new_asymptomatic", items[i].new_asymptomatic));
	free(items);
	http_reply_json(r, 200, json_pack("{s:o}", "items", arr));
}

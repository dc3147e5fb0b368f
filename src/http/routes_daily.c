/*
 * routes_daily.c -- http layer: handlers of daily health monitoring
 * (reports, health codes, dashboard, non-reporters, alerts, webhooks,
 * exports, policies).  Who may call each is in the table in routes.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/text.h"
#include "http_impl.h"

int
http_query_date(struct http_req *r, const char *name, int32_t def, int32_t *out)
{
	const char *v = http_query(r, name);
	struct fk_error err = {0};

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	if (date_parse(v, out)) {
		fk_error_set(&err, FK_EINVAL, name, "%s must be a date YYYY-MM-DD", name);
		http_reply_error(r, FK_EINVAL, &err);
		return -1;
	}
	return 0;
}

json_t *
http_date_json(int32_t d)
{
	char buf[DATE_STR_LEN];
	return d ? json_string(date_format(d, buf)) : json_null();
}

static json_t *
code_json(const health_code_t *c)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:i, s:i, s:{s:s, s:s}}", "colour",
			 status_name(c->colour), "rule", c->rule, "since", http_date_json(c->since),
			 "green_from", http_date_json(c->green_from), "normal_streak", c->normal_streak,
			 "streak_needed", c->streak_needed, "reason", "zh", c->reason_zh, "en",
			 c->reason_en);
}

json_t *
http_symptoms_json(unsigned set)
{
	json_t *a = json_array();
	for (int i = 0; i < SYM_COUNT; i++)
		if (set & SYM_BIT(i))
			json_array_append_new(a, json_string(symptom_name((enum symptom)i)));
	return a;
}

static json_t *
flags_json(const char *flags)
{
	json_t *a = json_array();
	const char *p = flags;
	while (*p) {
		size_t len = strcspn(p, ",");
		json_array_append_new(a, json_stringn(p, len));
		p += len;
		if (*p == ',')
			p++;
	}
	return a;
}

static json_t *
report_json(const report_rec_t *x)
{
	json_t *travel = json_array(), *o, *as;
	for (int i = 0; i < x->r.n_travel; i++)
		json_array_append_new(travel, json_string(x->r.travel_regions[i]));
	o = json_pack("{s:I, s:o, s:s, s:s, s:I, s:s, s:i, s:b, s:f, s:o, s:s, s:s, s:s, s:s, s:b,"
		      " s:o, s:s, s:s?, s:s, s:b, s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:o}",
		      "id", (json_int_t)x->r.id, "date", http_date_json(x->r.date), "person_id",
		      x->r.person_id, "person_name", x->person_name, "department_id",
		      (json_int_t)x->department_id, "department", x->department, "version",
		      x->version, "current", x->current, "temperature_c", x->r.temp_dc / 10.0,
		      "symptoms", http_symptoms_json(x->r.symptoms), "symptoms_note", x->r.symptoms_note,
		      "region_code", x->r.region_code, "location", location_name(x->r.location),
		      "exposure", exposure_name(x->r.exposure), "family_unwell", x->r.family_unwell,
		      "travel_regions", travel, "note", x->r.note, "request_id",
		      x->r.request_id[0] ? x->r.request_id : NULL, "submitted_by",
		      x->submitted_by_name, "on_behalf", x->on_behalf, "created_at",
		      (json_int_t)x->created_at, "status", status_name(x->status), "rule", x->rule,
		      "policy_version", x->policy_version, "place", x->place, "observation_end",
		      http_date_json(x->observation_end), "health_code_colour",
		      status_name(x->health_code), "flags", flags_json(x->flags));
	/* the code as it stood when this version was stored; the POST
	 * answer replaces it with the full object */
	json_object_set_new(o, "health_code",
			    json_pack("{s:s}", "colour", status_name(x->health_code)));
	/* the stored assessment: reason, back_to_green, actions */
	as = json_loads(x->assessment, 0, NULL);
	if (o && as && json_is_object(as))
		json_object_update(o, as);
	json_decref(as);
	return o;
}

/* ---- reports ---------------------------------------------------------------- */

static int
decode_report(struct http_req *r, report_t *rep, bool *date_given, struct fk_error *err)
{
	char date[16] = "", location[16] = "", exposure[24] = "";
	double temp = 0;
	json_t *symptoms = NULL, *travel = NULL;
	bool has_date = false, has_exposure = false;
	struct jfield f[] = {
		{"date", JF_STRING, false, date, sizeof date, &has_date},
		{"person_id", JF_STRING, false, rep->person_id, sizeof rep->person_id, NULL},
		{"temperature_c", JF_NUMBER, true, &temp, 0, NULL},
		{"symptoms", JF_ARRAY, false, &symptoms, SYM_COUNT, NULL},
		{"symptoms_note", JF_STRING, false, rep->symptoms_note, sizeof rep->symptoms_note, NULL},
		{"region_code", JF_STRING, true, rep->region_code, sizeof rep->region_code, NULL},
		{"location", JF_STRING, true, location, sizeof location, NULL},
		{"exposure", JF_STRING, false, exposure, sizeof exposure, &has_exposure},
		{"family_unwell", JF_BOOL, false, &rep->family_unwell, 0, NULL},
		{"travel_regions", JF_ARRAY, false, &travel, REPORT_TRAVEL_MAX, NULL},
		{"note", JF_STRING, false, rep->note, sizeof rep->note, NULL},
		{"request_id", JF_STRING, false, rep->request_id, sizeof rep->request_id, NULL},
	};
	size_t i;
	json_t *v;
	int rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], err);

	if (rc)
		goto out;
	*date_given = has_date;
	if (has_date && date_parse(date, &rep->date)) {
		rc = fk_error_set(err, FK_EINVAL, "date", "date must be YYYY-MM-DD");
		goto out;
	}
	if (report_temp_from_double(temp, &rep->temp_dc)) {
		rc = fk_error_set(err, FK_EINVAL, "temperature_c",
				  "temperature_c must be from 34.0 to 43.0");
		goto out;
	}
	json_array_foreach(symptoms, i, v) {
		enum symptom s;
		if (symptom_parse(json_string_value(v), &s)) {
			rc = fk_error_set(err, FK_EINVAL, "symptoms",
					  "symptoms[%zu] is not one of fever, cough, fatigue, sore_throat, "
					  "shortness_of_breath, diarrhea, loss_of_smell_taste, other", i);
			goto out;
		}
		rep->symptoms |= SYM_BIT(s);
	}
	json_array_foreach(travel, i, v) {
		const char *code = json_string_value(v);
		if (code == NULL || strlen(code) != REGION_CODE_LEN) {
			rc = fk_error_set(err, FK_EINVAL, "travel_regions",
					  "travel_regions[%zu] is not a 6-digit region code", i);
			goto out;
		}
		memcpy(rep->travel_regions[rep->n_travel++], code, REGION_CODE_LEN + 1);
	}
	if (location_parse(location, &rep->location)) {
		rc = fk_error_set(err, FK_EINVAL, "location",
				  "location must be home, workplace, dormitory, hospital or travelling");
		goto out;
	}
	if (has_exposure && exposure_parse(exposure, &rep->exposure)) {
		rc = fk_error_set(err, FK_EINVAL, "exposure",
				  "exposure must be none, suspected_contact, confirmed_contact or "
				  "risk_area_travel");
		goto out;
	}
out:
	json_decref(symptoms);
	json_decref(travel);
	return rc;
}

void
h_report_submit(struct http_req *r)
{
	report_t rep;
	struct report_result *res = calloc(1, sizeof *res);
	struct fk_error err = {0};
	bool date_given = false;
	json_t *o;
	int rc;

	if (res == NULL) {
		http_reply_error(r, FK_ENOMEM, NULL);
		return;
	}
	memset(&rep, 0, sizeof rep);
	rc = decode_report(r, &rep, &date_given, &err);
	if (rc == 0)
		rc = app_report_submit(r->app, &r->actor, &rep, date_given, res, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		free(res);
		return;
	}
	o = report_json(&res->rec);
	json_object_set_new(o, "health_code", code_json(&res->code));
	json_object_set_new(o, "replayed", json_boolean(res->replayed));
	http_reply_json(r, res->replayed ? 200 : 201, o);
	free(res);
}

void
h_report_get(struct http_req *r)
{
	report_rec_t *x = malloc(sizeof *x);
	struct fk_error err = {0};
	int64_t id;
	int rc;

	if (x == NULL) {
		http_reply_error(r, FK_ENOMEM, NULL);
		return;
	}
	if (http_param_id(r, 0, &id) == 0) {
		rc = app_report_get(r->app, &r->actor, id, x, &err);
		if (rc)
			http_reply_error(r, rc, &err);
		else
			http_reply_json(r, 200, report_json(x));
	}
	free(x);
}

static json_t *
reports_array(const report_rec_t *items, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, report_json(&items[i]));
	return arr;
}

void
h_report_versions(struct http_req *r)
{
	report_rec_t *x = malloc(sizeof *x), *items = NULL;
	struct fk_error err = {0};
	size_t n = 0;
	int64_t id;
	int rc;

	if (x == NULL) {
		http_reply_error(r, FK_ENOMEM, NULL);
		return;
	}
	if (http_param_id(r, 0, &id) == 0) {
		/* the scope and audit of the version asked for cover its day */
		rc = app_report_get(r->app, &r->actor, id, x, &err);
		if (rc == 0)
			rc = store_report_versions(app_store(r->app), x->r.person_id, x->r.date, &items,
						   &n);
		if (rc)
			http_reply_error(r, rc, &err);
		else
			http_reply_json(r, 200, json_pack("{s:o}", "items", reports_array(items, n)));
	}
	free(items);
	free(x);
}

void
h_reports_list(struct http_req *r)
{
	struct report_query q = {.status = -1};
	report_rec_t *items = NULL;
	size_t n = 0;
	bool more = false;
	int32_t date = 0;
	long long dept = 0, after = 0, limit = 100, flagged = 0;
	const char *status = http_query(r, "status"), *person = http_query(r, "person_id");
	struct fk_error err = {0};
	int rc;

	if (http_query_date(r, "date", 0, &date) || http_query_date(r, "from", 0, &q.from) ||
	    http_query_date(r, "to", 0, &q.to) ||
	    http_query_int(r, "department", 0, 0, INT64_MAX, &dept) ||
	    http_query_int(r, "after", 0, 0, INT64_MAX, &after) ||
	    http_query_int(r, "limit", 100, 1, 500, &limit) ||
	    http_query_int(r, "flagged", 0, 0, 1, &flagged))
		return;
	if (date)
		q.from = q.to = date;
	if (status && *status) {
		enum status s;
		if (status_parse(status, &s)) {
			fk_error_set(&err, FK_EINVAL, "status", "status must be green, yellow or red");
			http_reply_error(r, FK_EINVAL, &err);
			return;
		}
		q.status = (int)s;
	}
	if (person && *person)
		q.person_id = person;
	q.flagged_only = flagged != 0;
	q.after_id = after;
	q.limit = (int)limit;
	/* a department filter narrows within the caller's scope */
	department_t d;
	if (dept) {
		if (store_department_get(app_store(r->app), dept, &d)) {
			fk_error_set(&err, FK_EINVAL, "department", "no department %lld", dept);
			http_reply_error(r, FK_EINVAL, &err);
			return;
		}
		q.dept_path = d.path;
		if (!r->actor.cli && r->actor.user.role == ROLE_DEPT_HEAD &&
		    strncmp(d.path, r->actor.dept_path, strlen(r->actor.dept_path)) != 0) {
			http_reply_json(r, 200, json_pack("{s:[], s:n}", "items", "next"));
			return;
		}
	}
	{
		/* app narrows to the caller's scope; keep the narrower path */
		const char *asked = q.dept_path;
		rc = app_report_list(r->app, &r->actor, &q, &items, &n, &more);
		if (rc == 0 && asked && q.dept_path != asked) {
			/* dept_head: their scope replaced the filter; filter again */
			size_t k = 0;
			for (size_t i = 0; i < n; i++) {
				department_t x;
				if (store_department_get(app_store(r->app), items[i].department_id, &x) == 0 &&
				    strncmp(x.path, asked, strlen(asked)) == 0)
					items[k++] = items[i];
			}
			n = k;
		}
	}
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	http_reply_json(r, 200,
			json_pack("{s:o, s:o}", "items", reports_array(items, n), "next",
				  more && n ? json_integer((json_int_t)items[n - 1].r.id) : json_null()));
	free(items);
}

void
h_person_history(struct http_req *r)
{
	report_rec_t *items = NULL;
	size_t n = 0;
	health_code_t code;
	long long days;
	struct fk_error err = {0};
	int rc;

	if (http_query_int(r, "days", 30, 1, 366, &days))
		return;
	rc = app_report_history(r->app, &r->actor, r->params[0], (int)days, &items, &n, &code, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200,
			json_pack("{s:s, s:o, s:o}", "person_id", r->params[0], "items",
				  reports_array(items, n), "health_code", code_json(&code)));
	free(items);
}

static void
reply_code(struct http_req *r, const char *person_id)
{
	health_code_t code;
	struct fk_error err = {0};
	int32_t date;
	int rc;

	if (http_query_date(r, "date", app_today(), &date))
		return;
	rc = app_health_code(r->app, &r->actor, person_id, date, &code, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	json_t *o = code_json(&code);
	json_object_set_new(o, "person_id", json_string(person_id));
	json_object_set_new(o, "date", http_date_json(date));
	http_reply_json(r, 200, o);
}

void
h_person_code(struct http_req *r)
{
	reply_code(r, r->params[0]);
}

/* The caller's health code as a QR of a signed, short-lived token that a
 * gate checks with /codes/verify; the token names no one. */
void
h_my_qr(struct http_req *r)
{
	health_code_t code;
	struct fk_error err = {0};
	char token[APP_CODE_TOKEN_LEN + 8];
	char *svg = NULL;
	size_t len = 0;
	int rc;

	if (r->actor.user.person_id[0] == '\0') {
		http_reply_fail(r, 404, "not_found", "", "this login has no person");
		return;
	}
	rc = app_health_code(r->app, &r->actor, r->actor.user.person_id, app_today(), &code, &err);
	if (rc == 0)
		rc = app_code_token(r->app, r->actor.user.person_id, &code, app_now(), token,
				    sizeof token);
	if (rc == 0)
		rc = app_code_qr_svg(token, &svg, &len);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_take(r, 200, "image/svg+xml", svg, len);
}

/* Public: a gate checks a scanned token.  The answer is the colour and
 * whether it is valid, and nothing about the person. */
void
h_code_verify(struct http_req *r)
{
	struct code_check chk;
	int rc = app_code_verify(r->app, http_query(r, "token"), app_now(), &chk);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	json_t *o = json_pack("{s:b, s:s}", "valid", chk.valid, "reason", chk.reason);
	if (chk.valid) {
		json_object_set_new(o, "colour", json_string(status_name(chk.colour)));
		json_object_set_new(o, "expires_at", json_integer(chk.expires_at));
	}
	http_reply_json(r, 200, o);
}

void
h_my_code(struct http_req *r)
{
	if (r->actor.user.person_id[0] == '\0') {
		http_reply_fail(r, 404, "not_found", "", "this login has no person");
		return;
	}
	reply_code(r, r->actor.user.person_id);
}

/* ---- dashboard, non-reporters --------------------------------------------------- */

static double
rate(int64_t part, int64_t whole)
{
	return whole > 0 ? (double)part * 100.0 / (double)whole : 0.0;
}

void
h_dashboard(struct http_req *r)
{
	struct dashboard d;
	json_t *deps = json_array(), *places = json_array(), *trend = json_array();
	int32_t date;
	int rc;

	if (http_query_date(r, "date", app_today(), &date)) {
		json_decref(deps);
		json_decref(places);
		json_decref(trend);
		return;
	}
	rc = app_dashboard(r->app, &r->actor, date, &d);
	if (rc) {
		json_decref(deps);
		json_decref(places);
		json_decref(trend);
		http_reply_error(r, rc, NULL);
		return;
	}
	for (size_t i = 0; i < d.n_departments; i++) {
		const struct dash_department *x = &d.departments[i];
		json_array_append_new(
			deps, json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:f}", "id",
					(json_int_t)x->department_id, "name", x->department, "path",
					x->path, "people", (json_int_t)x->people, "reported",
					(json_int_t)x->reported, "missing",
					(json_int_t)(x->people > x->reported ? x->people - x->reported : 0),
					"green", (json_int_t)x->green, "yellow", (json_int_t)x->yellow, "red",
					(json_int_t)x->red, "rate", rate(x->reported, x->people),
					"on_time", (json_int_t)x->on_time, "on_time_rate",
					rate(x->on_time, x->people)));
	}
	for (size_t i = 0; i < d.n_places; i++) {
		const struct dash_place *x = &d.places[i];
		json_array_append_new(places,
				      json_pack("{s:s, s:I, s:I, s:I, s:I}", "place", x->place,
						"reported", (json_int_t)x->reported, "green",
						(json_int_t)x->green, "yellow", (json_int_t)x->yellow,
						"red", (json_int_t)x->red));
	}
	char cutoff[8];
	snprintf(cutoff, sizeof cutoff, "%02d:%02d", (d.cutoff_minutes / 60) % 24, d.cutoff_minutes % 60);
	for (size_t i = 0; i < d.n_trend; i++) {
		const struct dash_day *x = &d.trend[i];
		json_array_append_new(trend, json_pack("{s:o, s:I, s:I, s:I, s:I}", "date",
						       http_date_json(x->date), "reported",
						       (json_int_t)x->reported, "green",
						       (json_int_t)x->green, "yellow",
						       (json_int_t)x->yellow, "red", (json_int_t)x->red));
	}
	http_reply_json(r, 200,
			json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:f, s:s, s:o, s:o, s:o}",
				  "date",
				  http_date_json(date), "people", (json_int_t)d.people, "reported",
				  (json_int_t)d.reported, "missing",
				  (json_int_t)(d.people > d.reported ? d.people - d.reported : 0),
				  "green", (json_int_t)d.green, "yellow", (json_int_t)d.yellow, "red",
				  (json_int_t)d.red, "rate", rate(d.reported, d.people), "on_time",
				  (json_int_t)d.on_time, "on_time_rate", rate(d.on_time, d.people),
				  "cutoff", cutoff, "departments",
				  deps, "places", places, "trend", trend));
	dashboard_free(&d);
}

void
h_missing(struct http_req *r)
{
	person_t *items = NULL;
	size_t n = 0;
	bool more = false;
	int32_t date;
	long long limit;
	json_t *arr;
	int rc;

	if (http_query_date(r, "date", app_today(), &date) ||
	    http_query_int(r, "limit", 1000, 1, 1000, &limit))
		return;
	rc = app_missing(r->app, &r->actor, date, http_query(r, "after"), (int)limit, &items, &n,
			 &more);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, http_person_json(&items[i]));
	http_reply_json(r, 200,
			json_pack("{s:o, s:o, s:s?}", "date", http_date_json(date), "items", arr, "next",
				  more && n ? items[n - 1].id : NULL));
	free(items);
}

/* ---- alerts ------------------------------------------------------------------------ */

static json_t *
tristate(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

/* Alerts and reviews keep their reason as "zh / en"; answer {zh, en}. */
json_t *
http_reason_json(const char *reason)
{
	const char *sep = strstr(reason, " / ");
	if (sep == NULL)
		return json_pack("{s:s, s:s}", "zh", reason, "en", reason);
	return json_pack("{s:s%, s:s}", "zh", reason, (size_t)(sep - reason), "en", sep + 3);
}

static json_t *
alert_json(const alert_t *a)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:o, s:s, s:s, s:o, s:I, s:s?, s:o, s:o,"
			 " s:o, s:s, s:s}",
			 "id", (json_int_t)a->id, "report_id", (json_int_t)a->report_id, "person_id",
			 a->person_id, "person_name", a->person_name, "department_id",
			 (json_int_t)a->department_id, "department", a->department, "date",
			 http_date_json(a->date), "status", status_name(a->status), "rule", a->rule,
			 "reason", http_reason_json(a->reason), "created_at", (json_int_t)a->created_at,
			 "acked_by", a->acked_by[0] ? a->acked_by : NULL, "acked_at",
			 a->acked_at ? json_integer((json_int_t)a->acked_at) : json_null(),
			 "clinic_visited", tristate(a->clinic_visited), "community_informed",
			 tristate(a->community_informed), "result", a->result, "follow_up",
			 a->follow_up);
}

void
h_alerts_list(struct http_req *r)
{
	struct alert_query q = {0};
	alert_t *items = NULL;
	size_t n = 0;
	bool more = false;
	long long open = 0, after = 0, limit = 100;
	json_t *arr;
	int rc;

	if (http_query_int(r, "open", 0, 0, 1, &open) || http_query_date(r, "date", 0, &q.date) ||
	    http_query_int(r, "after", 0, 0, INT64_MAX, &after) ||
	    http_query_int(r, "limit", 100, 1, 500, &limit))
		return;
	q.open_only = open != 0;
	q.after_id = after;
	q.limit = (int)limit;
	rc = app_alert_list(r->app, &r->actor, &q, &items, &n, &more);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, alert_json(&items[i]));
	http_reply_json(r, 200,
			json_pack("{s:o, s:o}", "items", arr, "next",
				  more && n ? json_integer((json_int_t)items[n - 1].id) : json_null()));
	free(items);
}

void
h_alert_ack(struct http_req *r)
{
	alert_t ack = {0};
	bool clinic = false, community = false, has_clinic = false, has_community = false;
	struct jfield f[] = {
		{"clinic_visited", JF_BOOL, false, &clinic, 0, &has_clinic},
		{"community_informed", JF_BOOL, false, &community, 0, &has_community},
		{"result", JF_STRING, false, ack.result, sizeof ack.result, NULL},
		{"follow_up", JF_STRING, false, ack.follow_up, sizeof ack.follow_up, NULL},
	};
	struct fk_error err = {0};
	int rc;

	if (http_param_id(r, 0, &ack.id))
		return;
	rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);
	ack.clinic_visited = has_clinic ? clinic : -1;
	ack.community_informed = has_community ? community : -1;
	if (rc == 0 && text_utf8_chars(ack.result) > REPORT_NOTE_CHARS)
		rc = fk_error_set(&err, FK_EINVAL, "result", "result is longer than 200 characters");
	if (rc == 0 && text_utf8_chars(ack.follow_up) > REPORT_NOTE_CHARS)
		rc = fk_error_set(&err, FK_EINVAL, "follow_up",
				  "follow_up is longer than 200 characters");
	if (rc == 0)
		rc = app_alert_ack(r->app, &r->actor, &ack, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, alert_json(&ack));
}

/* ---- webhooks and deliveries ------------------------------------------------------- */

static json_t *
events_json(const char *events)
{
	return flags_json(events);
}

void
h_webhooks_list(struct http_req *r)
{
	webhook_t *items = NULL;
	size_t n = 0;
	json_t *arr;
	int rc = app_webhook_list(r->app, &r->actor, &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:o, s:b, s:I}", "id",
						     (json_int_t)items[i].id, "name", items[i].name,
						     "kind", items[i].kind, "url", items[i].url,
						     "events", events_json(items[i].events), "enabled",
						     items[i].enabled, "created_at",
						     (json_int_t)items[i].created_at));
	free(items);
	http_reply_json(r, 200, json_pack("{s:o}", "items", arr));
}

void
h_webhook_create(struct http_req *r)
{
	webhook_t w = {.enabled = true};
	json_t *events = NULL, *v;
	size_t i;
	struct jfield f[] = {
		{"name", JF_STRING, true, w.name, sizeof w.name, NULL},
		{"kind", JF_STRING, true, w.kind, sizeof w.kind, NULL},
		{"url", JF_STRING, true, w.url, sizeof w.url, NULL},
		{"events", JF_ARRAY, true, &events, 4, NULL},
		{"enabled", JF_BOOL, false, &w.enabled, 0, NULL},
	};
	struct fk_error err = {0};
	int rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);

	json_array_foreach(events, i, v) {
		const char *e = json_string_value(v);
		size_t len = strlen(w.events);
		if (rc)
			break;
		if (e == NULL || (strcmp(e, "alert") && strcmp(e, "reminder") && strcmp(e, "signal"))) {
			rc = fk_error_set(&err, FK_EINVAL, "events",
					  "events are alert, reminder and/or signal");
			break;
		}
		snprintf(w.events + len, sizeof w.events - len, "%s%s", len ? "," : "", e);
	}
	json_decref(events);
	if (rc == 0 && w.events[0] == '\0')
		rc = fk_error_set(&err, FK_EINVAL, "events", "name at least one event");
	if (rc == 0)
		rc = app_webhook_create(r->app, &r->actor, &w, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 201, json_pack("{s:I, s:s, s:s, s:s, s:o, s:b}", "id", (json_int_t)w.id,
					  "name", w.name, "kind", w.kind, "url", w.url, "events",
					  events_json(w.events), "enabled", w.enabled));
}

void
h_webhook_delete(struct http_req *r)
{
	struct fk_error err = {0};
	int64_t id;
	int rc;
	if (http_param_id(r, 0, &id))
		return;
	rc = app_webhook_delete(r->app, &r->actor, id, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_empty(r, 204);
}

void
h_deliveries_list(struct http_req *r)
{
	delivery_t *items = NULL;
	size_t n = 0;
	long long before, limit;
	json_t *arr;
	int rc;

	if (http_query_int(r, "before", 0, 0, INT64_MAX, &before) ||
	    http_query_int(r, "limit", 50, 1, 200, &limit))
		return;
	rc = app_delivery_list(r->app, &r->actor, before, (int)limit, &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const delivery_t *x = &items[i];
		json_array_append_new(
			arr, json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:i, s:s, s:I, s:I, s:I}", "id",
				       (json_int_t)x->id, "webhook_id", (json_int_t)x->webhook_id,
				       "webhook_name", x->webhook_name, "event", x->event, "state",
				       x->state, "attempts", x->attempts, "last_status", x->last_status,
				       "last_error", x->last_error, "created_at",
				       (json_int_t)x->created_at, "delivered_at",
				       (json_int_t)x->delivered_at, "next_at", (json_int_t)x->next_at));
	}
	json_t *next = n == (size_t)limit && n ? json_integer((json_int_t)items[n - 1].id)
					       : json_null();
	free(items);
	http_reply_json(r, 200, json_pack("{s:o, s:o}", "items", arr, "next", next));
}

/* ---- exports, policies ------------------------------------------------------------------ */

void
h_export_daily(struct http_req *r)
{
	int32_t today = app_today(), from, to;
	const char *by = http_query(r, "by"), *format = http_query(r, "format");
	char *data = NULL;
	size_t len = 0;
	struct fk_error err = {0};
	char d1[DATE_STR_LEN], d2[DATE_STR_LEN];
	bool xlsx;
	int rc;

	if (http_query_date(r, "to", today, &to) || http_query_date(r, "from", to - 6, &from))
		return;
	by = by && *by ? by : "person";
	format = format && *format ? format : "csv";
	rc = app_export_daily(r->app, &r->actor, from, to, by, format, &data, &len, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	xlsx = strcmp(format, "xlsx") == 0;
	snprintf(r->content_disposition, sizeof r->content_disposition,
		 "attachment; filename=\"daily-%s-%s-%s.%s\"", by, date_format(from, d1),
		 date_format(to, d2), xlsx ? "xlsx" : "csv");
	http_reply_take(r, 200,
			xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
			     : "text/csv; charset=utf-8",
			data, len);
}

void
h_policies_list(struct http_req *r)
{
	size_t n = 0;
	const policy_t *p = app_policies(r->app, &n);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:o, s:s, s:s, s:s}", "version",
						     p[i].version, "effective_from",
						     http_date_json(p[i].effective_from), "title_zh",
						     p[i].title_zh, "title_en", p[i].title_en, "source",
						     p[i].source));
	http_reply_json(r, 200, json_pack("{s:o}", "items", arr));
}

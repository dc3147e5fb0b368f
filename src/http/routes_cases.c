/*
 * routes_cases.c -- http layer: handlers of case management (subjects,
 * cases, exposures and contacts, observation, reviews, chains).  Who may
 * call each is in the table in routes.c; the scope is in app/cases.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cases.h"
#include "core/date.h"
#include "http_impl.h"

/* A "YYYY-MM-DD" field decoded as a string into buf; 0 if absent. */
static int
parse_day(const char *field, const char *buf, bool seen, int32_t *out, struct fk_error *err)
{
	*out = 0;
	if (!seen || buf[0] == '\0')
		return 0;
	if (date_parse(buf, out))
		return fk_error_set(err, FK_EINVAL, field, "%s must be a date YYYY-MM-DD", field);
	return 0;
}

static json_t *
subject_json(const subject_t *s)
{
	return json_pack("{s:I, s:s?, s:s, s:s, s:s, s:b, s:o, s:I}", "id", (json_int_t)s->id,
			 "person_id", s->person_id[0] ? s->person_id : NULL, "name", s->name, "phone",
			 s->phone, "region_code", s->region_code, "has_id_number", s->id_hash[0] != 0,
			 "merged_into", s->merged_into ? json_integer(s->merged_into) : json_null(),
			 "created_at", (json_int_t)s->created_at);
}

static json_t *
case_json(const case_rec_t *c)
{
	json_t *o = json_pack(
		"{s:I, s:I, s:s, s:s?, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o,"
		" s:s, s:b, s:s, s:s, s:I}",
		"id", (json_int_t)c->id, "subject_id", (json_int_t)c->subject_id, "name", c->name,
		"person_id", c->person_id[0] ? c->person_id : NULL, "classification",
		case_class_name(c->classification), "class_date", http_date_json(c->class_date), "severity",
		severity_name(c->severity), "severity_date", http_date_json(c->severity_date), "onset_date",
		http_date_json(c->dates.onset), "sampling_date", http_date_json(c->dates.sampling), "report_date",
		http_date_json(c->dates.report), "diagnosis_date", http_date_json(c->dates.diagnosis), "isolation_date",
		http_date_json(c->dates.isolation), "detected_at", (json_int_t)c->detected_at, "reported_at",
		(json_int_t)c->reported_at, "investigated_at",
		c->investigated_at ? json_integer(c->investigated_at) : json_null(), "facility",
		c->facility, "imported", c->imported, "region_code", c->region_code, "created_by",
		c->created_by, "created_at", (json_int_t)c->created_at);
	/* R3.1 and R3.4 deadlines and whether they were met */
	int64_t now = app_now();
	bool active = case_class_active(c->classification);
	json_object_set_new(o, "report_due_at", json_integer(c->detected_at + 7200));
	json_object_set_new(o, "report_overdue", json_boolean(c->reported_at - c->detected_at > 7200));
	json_object_set_new(o, "investigation_due_at", json_integer(c->reported_at + 86400));
	json_object_set_new(o, "investigation_overdue",
			    json_boolean(active && c->investigated_at == 0 &&
					 now - c->reported_at > 86400));
	return o;
}

static json_t *
observation_json(const observation_t *o)
{
	return json_pack("{s:I, s:I, s:s, s:s?, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:s,"
			 " s:s, s:I, s:i}",
			 "id", (json_int_t)o->id, "subject_id", (json_int_t)o->subject_id, "name",
			 o->name, "person_id", o->person_id[0] ? o->person_id : NULL, "region_code",
			 o->region_code, "kind", o->kind, "reason", o->reason, "case_id",
			 o->case_id ? json_integer(o->case_id) : json_null(), "last_exposure",
			 http_date_json(o->last_exposure), "start_date", http_date_json(o->start_date), "end_date",
			 http_date_json(o->end_date), "status", o->status, "closed_at",
			 o->closed_at ? json_integer(o->closed_at) : json_null(), "note", o->note,
			 "by", o->by, "created_at", (json_int_t)o->created_at, "days_left",
			 o->end_date > app_today() ? o->end_date - app_today() : 0);
}

static json_t *
followup_json(const followup_t *f)
{
	return json_pack("{s:I, s:I, s:o, s:s, s:o, s:o, s:s, s:o, s:s}", "id", (json_int_t)f->id,
			 "observation_id", (json_int_t)f->observation_id, "date", http_date_json(f->date),
			 "slot", f->slot, "temperature_c",
			 f->filled_at ? json_real(f->temp_dc / 10.0) : json_null(), "symptoms",
			 http_symptoms_json(f->symptoms), "by", f->by, "filled_at",
			 f->filled_at ? json_integer(f->filled_at) : json_null(), "source", f->source);
}

/* ---- subjects -------------------------------------------------------------------- */

void
h_subject_create(struct http_req *r)
{
	subject_t s = {0};
	char id_number[32] = "";
	const char *force = http_query(r, "force");
	struct jfield f[] = {
		{"person_id", JF_STRING, false, s.person_id, sizeof s.person_id, NULL},
		{"name", JF_STRING, false, s.name, sizeof s.name, NULL},
		{"phone", JF_STRING, false, s.phone, sizeof s.phone, NULL},
		{"id_number", JF_STRING, false, id_number, sizeof id_number, NULL},
		{"region_code", JF_STRING, false, s.region_code, sizeof s.region_code, NULL},
	};
	struct fk_error err = {0};
	subject_t *dups = NULL;
	size_t nd = 0;
	bool existing = false;
	int rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);

	if (rc == 0)
		rc = app_subject_create(r->app, &r->actor, &s, id_number,
					force && strcmp(force, "1") == 0, &existing, &dups, &nd, &err);
	explicit_bzero(id_number, sizeof id_number);
	if (rc == FK_ECONFLICT && nd) {
		json_t *arr = json_array();
		for (size_t i = 0; i < nd; i++)
			json_array_append_new(arr, subject_json(&dups[i]));
		http_reply_json(r, 409,
				json_pack("{s:{s:s, s:s, s:s}, s:o}", "error", "code", "conflict",
					  "message", err.message, "field", err.field, "candidates",
					  arr));
	} else if (rc) {
		http_reply_error(r, rc, &err);
	} else {
		json_t *o = subject_json(&s);
		json_object_set_new(o, "existing", json_boolean(existing));
		http_reply_json(r, existing ? 200 : 201, o);
	}
	free(dups);
}

void
h_subject_get(struct http_req *r)
{
	subject_t s;
	struct fk_error err = {0};
	int64_t id;
	int rc;
	if (http_param_id(r, 0, &id))
		return;
	rc = app_subject_get(r->app, &r->actor, id, &s, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, subject_json(&s));
}

void
h_subject_merge(struct http_req *r)
{
	int64_t from, into = 0;
	struct jfield f[] = {{"into", JF_INT, true, &into, 0, NULL}};
	struct fk_error err = {0};
	subject_t s;
	int rc;
	if (http_param_id(r, 0, &from))
		return;
	rc = json_decode_body(r->body, r->body_len, f, 1, &err);
	if (rc == 0)
		rc = app_subject_merge(r->app, &r->actor, from, into, &err);
	if (rc == 0)
		rc = app_subject_get(r->app, &r->actor, into, &s, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, subject_json(&s));
}

/* ---- cases ---------------------------------------------------------------------------- */

void
h_case_create(struct http_req *r)
{
	case_rec_t c;
	char cls[16] = "", sev[16] = "", dates[6][16];
	bool seen[6] = {false}, has_sev = false;
	struct jfield f[] = {
		{"subject_id", JF_INT, true, &c.subject_id, 0, NULL},
		{"classification", JF_STRING, true, cls, sizeof cls, NULL},
		{"class_date", JF_STRING, false, dates[0], 16, &seen[0]},
		{"severity", JF_STRING, false, sev, sizeof sev, &has_sev},
		{"onset_date", JF_STRING, false, dates[1], 16, &seen[1]},
		{"sampling_date", JF_STRING, false, dates[2], 16, &seen[2]},
		{"report_date", JF_STRING, true, dates[3], 16, &seen[3]},
		{"diagnosis_date", JF_STRING, false, dates[4], 16, &seen[4]},
		{"isolation_date", JF_STRING, false, dates[5], 16, &seen[5]},
		{"detected_at", JF_INT, false, &c.detected_at, 0, NULL},
		{"facility", JF_STRING, false, c.facility, sizeof c.facility, NULL},
		{"imported", JF_BOOL, false, &c.imported, 0, NULL},
		{"region_code", JF_STRING, true, c.region_code, sizeof c.region_code, NULL},
	};
	static const char *const names[6] = {"class_date", "onset_date", "sampling_date",
					     "report_date", "diagnosis_date", "isolation_date"};
	int32_t *dst[6];
	struct fk_error err = {0};
	int rc;

	memset(&c, 0, sizeof c);
	memset(dates, 0, sizeof dates);
	dst[0] = &c.class_date;
	dst[1] = &c.dates.onset;
	dst[2] = &c.dates.sampling;
	dst[3] = &c.dates.report;
	dst[4] = &c.dates.diagnosis;
	dst[5] = &c.dates.isolation;
	rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);
	for (int i = 0; rc == 0 && i < 6; i++)
		rc = parse_day(names[i], dates[i], seen[i], dst[i], &err);
	if (rc == 0 && case_class_parse(cls, &c.classification))
		rc = fk_error_set(&err, FK_EINVAL, "classification",
				  "classification must be suspected, confirmed, clinical or asymptomatic");
	if (rc == 0 && has_sev && severity_parse(sev, &c.severity))
		rc = fk_error_set(&err, FK_EINVAL, "severity",
				  "severity must be mild, common, severe or critical");
	if (rc == 0)
		rc = app_case_create(r->app, &r->actor, &c, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 201, case_json(&c));
}

void
h_cases_list(struct http_req *r)
{
	struct case_query q = {.classification = -1};
	const char *cls = http_query(r, "classification"), *overdue = http_query(r, "overdue");
	long long after, limit;
	case_rec_t *items = NULL;
	size_t n = 0;
	bool more = false;
	struct fk_error err = {0};
	json_t *arr;
	int rc;

	if (http_query_int(r, "after", 0, 0, INT64_MAX, &after) ||
	    http_query_int(r, "limit", 100, 1, 500, &limit))
		return;
	if (cls && *cls) {
		enum case_class c;
		if (case_class_parse(cls, &c)) {
			fk_error_set(&err, FK_EINVAL, "classification", "unknown classification");
			http_reply_error(r, FK_EINVAL, &err);
			return;
		}
		q.classification = (int)c;
	}
	if (overdue && *overdue) {
		if (strcmp(overdue, "report") == 0)
			q.overdue = 1;
		else if (strcmp(overdue, "investigation") == 0)
			q.overdue = 2;
		else {
			fk_error_set(&err, FK_EINVAL, "overdue", "overdue is report or investigation");
			http_reply_error(r, FK_EINVAL, &err);
			return;
		}
	}
	q.after_id = after;
	q.limit = (int)limit;
	rc = app_case_list(r->app, &r->actor, &q, &items, &n, &more);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, case_json(&items[i]));
	http_reply_json(r, 200,
			json_pack("{s:o, s:o}", "items", arr, "next",
				  more && n ? json_integer(items[n - 1].id) : json_null()));
	free(items);
}

void
h_case_get(struct http_req *r)
{
	case_rec_t c;
	case_event_t *ev = NULL;
	lab_test_t *labs = NULL;
	placement_t *pl = NULL;
	size_t ne = 0, nl = 0, np = 0;
	struct fk_error err = {0};
	json_t *o, *a;
	int64_t id;
	int rc;

	if (http_param_id(r, 0, &id))
		return;
	rc = app_case_get(r->app, &r->actor, id, &c, &err);
	if (rc == 0)
		rc = store_case_events(app_store(r->app), id, &ev, &ne);
	if (rc == 0)
		rc = store_labs_of_case(app_store(r->app), id, &labs, &nl);
	if (rc == 0)
		rc = store_placements_of_subject(app_store(r->app), c.subject_id, &pl, &np);
	if (rc) {
		http_reply_error(r, rc, &err);
		goto out;
	}
	o = case_json(&c);
	a = json_array();
	for (size_t i = 0; i < ne; i++)
		json_array_append_new(a, json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:s}", "at",
						   (json_int_t)ev[i].at, "date", http_date_json(ev[i].date),
						   "kind", ev[i].kind, "from", ev[i].from_value, "to",
						   ev[i].to_value, "by", ev[i].by, "reason",
						   ev[i].reason));
	json_object_set_new(o, "events", a);
	a = json_array();
	for (size_t i = 0; i < nl; i++)
		json_array_append_new(a, json_pack("{s:I, s:s, s:o, s:s, s:o, s:s}", "id",
						   (json_int_t)labs[i].id, "kind", labs[i].kind,
						   "sample_date", http_date_json(labs[i].sample_date), "result",
						   labs[i].result, "result_date",
						   http_date_json(labs[i].result_date), "by", labs[i].by));
	json_object_set_new(o, "labs", a);
	a = json_array();
	bool placed = false;
	for (size_t i = 0; i < np; i++) {
		json_array_append_new(a, json_pack("{s:I, s:o, s:s, s:s, s:s, s:o, s:o}", "id",
						   (json_int_t)pl[i].id, "case_id",
						   pl[i].case_id ? json_integer(pl[i].case_id)
								 : json_null(),
						   "category", placement_category_name(pl[i].category),
						   "place_type", pl[i].place_type, "facility",
						   pl[i].facility, "start_date", http_date_json(pl[i].start_date),
						   "end_date", http_date_json(pl[i].end_date)));
		placed |= pl[i].end_date == 0;
	}
	json_object_set_new(o, "placements", a);
	/* 应收尽收: an active case without a current placement is flagged */
	json_object_set_new(o, "placed", json_boolean(placed));
	http_reply_json(r, 200, o);
out:
	free(ev);
	free(labs);
	free(pl);
}

static void
reply_case(struct http_req *r, int rc, const case_rec_t *c, struct fk_error *err)
{
	if (rc)
		http_reply_error(r, rc, err);
	else
		http_reply_json(r, 200, case_json(c));
}

void
h_case_transition(struct http_req *r)
{
	char to[16] = "", date[16] = "", reason[REPORT_NOTE_BUF] = "";
	bool has_date = false;
	struct jfield f[] = {
		{"to", JF_STRING, true, to, sizeof to, NULL},
		{"date", JF_STRING, false, date, sizeof date, &has_date},
		{"reason", JF_STRING, false, reason, sizeof reason, NULL},
	};
	struct fk_error err = {0};
	enum case_class cls;
	case_rec_t c;
	int32_t d = 0;
	int64_t id;
	int rc;

	if (http_param_id(r, 0, &id))
		return;
	rc = json_decode_body(r->body, r->body_len, f, 3, &err);
	if (rc == 0 && case_class_parse(to, &cls))
		rc = fk_error_set(&err, FK_EINVAL, "to", "unknown classification '%s'", to);
	if (rc == 0)
		rc = parse_day("date", date, has_date, &d, &err);
	if (rc == 0)
		rc = app_case_transition(r->app, &r->actor, id, cls, d ? d : app_today(), reason, &c,
					 &err);
	reply_case(r, rc, &c, &err);
}

void
h_case_severity(struct http_req *r)
{
	char sev[16] = "", date[16] = "";
	bool has_date = false;
	struct jfield f[] = {
		{"severity", JF_STRING, true, sev, sizeof sev, NULL},
		{"date", JF_STRING, false, date, sizeof date, &has_date},
	};
	struct fk_error err = {0};
	enum severity s = SEV_NONE;
	case_rec_t c;
	int32_t d = 0;
	int64_t id;
	int rc;

	if (http_param_id(r, 0, &id))
		return;
	rc = json_decode_body(r->body, r->body_len, f, 2, &err);
	if (rc == 0 && severity_parse(sev, &s))
		rc = fk_error_set(&err, FK_EINVAL, "severity",
				  "severity must be mild, common, severe or critical");
	if (rc == 0)
		rc = parse_day("date", date, has_date, &d, &err);
	if (rc == 0)
		rc = app_case_severity(r->app, &r->actor, id, s, d ? d : app_today(), &c, &err);
	reply_case(r, rc, &c, &err);
}

void
h_case_investigation(struct http_req *r)
{
	int64_t at = 0, id;
	struct jfield f[] = {{"investigated_at", JF_INT, false, &at, 0, NULL}};
	struct fk_error err = {0};
	case_rec_t c;
	int rc;

	if (http_param_id(r, 0, &id))
		return;
	rc = r->body_len ? json_decode_body(r->body, r->body_len, f, 1, &err) : 0;
	if (rc == 0)
		rc = app_case_investigated(r->app, &r->actor, id, at ? at : app_now(), &c, &err);
	reply_case(r, rc, &c, &err);
}

void
h_case_lab(struct http_req *r)
{
	lab_test_t t = {0};
	char sample[16] = "", result_date[16] = "";
	bool has_rd = false;
	struct jfield f[] = {
		{"kind", JF_STRING, true, t.kind, sizeof t.kind, NULL},
		{"sample_date", JF_STRING, true, sample, sizeof sample, NULL},
		{"result", JF_STRING, true, t.result, sizeof t.result, NULL},
		{"result_date", JF_STRING, false, result_date, sizeof result_date, &has_rd},
	};
	struct fk_error err = {0};
	int rc;

	if (http_param_id(r, 0, &t.case_id))
		return;
	rc = json_decode_body(r->body, r->body_len, f, 4, &err);
	if (rc == 0)
		rc = parse_day("sample_date", sample, true, &t.sample_date, &err);
	if (rc == 0)
		rc = parse_day("result_date", result_date, has_rd, &t.result_date, &err);
	if (rc == 0)
		rc = app_lab_add(r->app, &r->actor, &t, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 201, json_pack("{s:I, s:I, s:s, s:o, s:s, s:o}", "id", (json_int_t)t.id,
					  "case_id", (json_int_t)t.case_id, "kind", t.kind,
					  "sample_date", http_date_json(t.sample_date), "result", t.result,
					  "result_date", http_date_json(t.result_date)));
}

void
h_placement_create(struct http_req *r)
{
	placement_t p = {0};
	char cat[16] = "", start[16] = "", end[16] = "";
	bool has_end = false;
	struct jfield f[] = {
		{"subject_id", JF_INT, true, &p.subject_id, 0, NULL},
		{"case_id", JF_INT, false, &p.case_id, 0, NULL},
		{"category", JF_STRING, true, cat, sizeof cat, NULL},
		{"place_type", JF_STRING, true, p.place_type, sizeof p.place_type, NULL},
		{"facility", JF_STRING, false, p.facility, sizeof p.facility, NULL},
		{"start_date", JF_STRING, true, start, sizeof start, NULL},
		{"end_date", JF_STRING, false, end, sizeof end, &has_end},
	};
	struct fk_error err = {0};
	int rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);

	if (rc == 0 && placement_category_parse(cat, &p.category))
		rc = fk_error_set(&err, FK_EINVAL, "category",
				  "category must be confirmed, suspected, fever or contact");
	if (rc == 0)
		rc = parse_day("start_date", start, true, &p.start_date, &err);
	if (rc == 0)
		rc = parse_day("end_date", end, has_end, &p.end_date, &err);
	if (rc == 0)
		rc = app_placement_add(r->app, &r->actor, &p, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 201, json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:o}", "id",
					  (json_int_t)p.id, "subject_id", (json_int_t)p.subject_id,
					  "category", placement_category_name(p.category),
					  "place_type", p.place_type, "facility", p.facility,
					  "start_date", http_date_json(p.start_date), "end_date", http_date_json(p.end_date)));
}

/* ---- exposures and contacts --------------------------------------------------------- */

void
h_exposure_create(struct http_req *r)
{
	exposure_rec_t e = {0};
	char first[16] = "", last[16] = "", setting[16] = "", prot[16] = "", kind[16] = "";
	bool has_kind = false;
	struct jfield f[] = {
		{"subject_a", JF_INT, true, &e.subject_a, 0, NULL},
		{"subject_b", JF_INT, true, &e.subject_b, 0, NULL},
		{"case_id", JF_INT, false, &e.case_id, 0, NULL},
		{"first_date", JF_STRING, true, first, sizeof first, NULL},
		{"last_date", JF_STRING, true, last, sizeof last, NULL},
		{"setting", JF_STRING, true, setting, sizeof setting, NULL},
		{"protection", JF_STRING, true, prot, sizeof prot, NULL},
		{"note", JF_STRING, false, e.note, sizeof e.note, NULL},
		{"observation_kind", JF_STRING, false, kind, sizeof kind, &has_kind},
	};
	struct exposure_result res;
	struct fk_error err = {0};
	int rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);

	if (rc == 0)
		rc = parse_day("first_date", first, true, &e.first_date, &err);
	if (rc == 0)
		rc = parse_day("last_date", last, true, &e.last_date, &err);
	if (rc == 0 && setting_parse(setting, &e.setting))
		rc = fk_error_set(&err, FK_EINVAL, "setting",
				  "setting must be household, workplace, classroom, transport, "
				  "medical, gathering or other");
	if (rc == 0 && protection_parse(prot, &e.protection))
		rc = fk_error_set(&err, FK_EINVAL, "protection",
				  "protection must be none, inadequate or effective");
	if (rc == 0)
		rc = app_exposure_add(r->app, &r->actor, &e, has_kind ? kind : "home", &res, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(
		r, 201,
		json_pack("{s:I, s:I, s:I, s:o, s:o, s:s, s:s, s:b, s:o}", "id", (json_int_t)e.id,
			  "subject_a", (json_int_t)e.subject_a, "subject_b", (json_int_t)e.subject_b,
			  "first_date", http_date_json(e.first_date), "last_date", http_date_json(e.last_date), "setting",
			  setting_name(e.setting), "protection", protection_name(e.protection),
			  "close_contact", res.contact_subject != 0, "observation",
			  res.observation_id
				  ? json_pack("{s:I, s:I, s:o, s:b}", "id",
					      (json_int_t)res.observation_id, "subject_id",
					      (json_int_t)res.contact_subject, "end_date",
					      http_date_json(res.observation_end), "opened",
					      res.observation_opened)
				  : json_null()));
}

void
h_case_contacts(struct http_req *r)
{
	long long hops;
	struct contact *list = NULL;
	size_t n = 0;
	struct fk_error err = {0};
	int64_t id;
	json_t *arr;
	int rc;

	if (http_param_id(r, 0, &id) || http_query_int(r, "hops", 2, 1, 2, &hops))
		return;
	rc = app_case_contacts(r->app, &r->actor, id, (int)hops, &list, &n, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			arr, json_pack("{s:I, s:s, s:i, s:I, s:I, s:o, s:b, s:o, s:o}", "subject_id",
				       (json_int_t)list[i].subject_id, "name", list[i].name, "hop",
				       list[i].hop, "via_subject", (json_int_t)list[i].via_subject,
				       "exposure_id", (json_int_t)list[i].exposure_id,
				       "last_exposure", http_date_json(list[i].last_exposure), "close_contact",
				       list[i].close_contact, "observation_id",
				       list[i].observation_id ? json_integer(list[i].observation_id)
							      : json_null(),
				       "observation_end", http_date_json(list[i].observation_end)));
	free(list);
	http_reply_json(r, 200, json_pack("{s:I, s:o}", "case_id", (json_int_t)id, "items", arr));
}

/* ---- observation ------------------------------------------------------------------------ */

void
h_observations_list(struct http_req *r)
{
	struct observation_query q = {0};
	const char *status = http_query(r, "status");
	long long after, limit;
	observation_t *items = NULL;
	size_t n = 0;
	bool more = false;
	json_t *arr;
	int rc;

	if (http_query_date(r, "ends_on", 0, &q.ends_on) ||
	    http_query_int(r, "after", 0, 0, INT64_MAX, &after) ||
	    http_query_int(r, "limit", 100, 1, 500, &limit))
		return;
	if (status && *status) {
		if (strcmp(status, "open") && strcmp(status, "released") &&
		    strcmp(status, "converted")) {
			http_reply_fail(r, 400, "invalid", "status",
					"status is open, released or converted");
			return;
		}
		q.status = status;
	}
	q.after_id = after;
	q.limit = (int)limit;
	rc = app_observation_list(r->app, &r->actor, &q, &items, &n, &more);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, observation_json(&items[i]));
	http_reply_json(r, 200,
			json_pack("{s:o, s:o}", "items", arr, "next",
				  more && n ? json_integer(items[n - 1].id) : json_null()));
	free(items);
}

void
h_observation_get(struct http_req *r)
{
	observation_t o;
	followup_t *fu = NULL;
	size_t n = 0;
	struct fk_error err = {0};
	int64_t id;
	json_t *out, *arr;
	int rc;

	if (http_param_id(r, 0, &id))
		return;
	rc = app_observation_get(r->app, &r->actor, id, &o, &err);
	if (rc == 0)
		rc = store_followups_of(app_store(r->app), id, &fu, &n);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	out = observation_json(&o);
	arr = json_array();
	int32_t today = app_today();
	int missed = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *x = followup_json(&fu[i]);
		bool miss = fu[i].filled_at == 0 && fu[i].date < today;
		missed += miss;
		json_object_set_new(x, "missed", json_boolean(miss));
		json_array_append_new(arr, x);
	}
	json_object_set_new(out, "followups", arr);
	json_object_set_new(out, "missed", json_integer(missed));
	free(fu);
	http_reply_json(r, 200, out);
}

void
h_observation_extend(struct http_req *r)
{
	char end[16] = "", reason[REPORT_NOTE_BUF] = "";
	struct jfield f[] = {
		{"end_date", JF_STRING, true, end, sizeof end, NULL},
		{"reason", JF_STRING, false, reason, sizeof reason, NULL},
	};
	struct fk_error err = {0};
	observation_t o;
	int32_t d = 0;
	int64_t id;
	int rc;

	if (http_param_id(r, 0, &id))
		return;
	rc = json_decode_body(r->body, r->body_len, f, 2, &err);
	if (rc == 0)
		rc = parse_day("end_date", end, true, &d, &err);
	if (rc == 0)
		rc = app_observation_extend(r->app, &r->actor, id, d, reason, &o, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, observation_json(&o));
}

void
h_observation_release(struct http_req *r)
{
	char reason[REPORT_NOTE_BUF] = "";
	struct jfield f[] = {{"reason", JF_STRING, false, reason, sizeof reason, NULL}};
	struct fk_error err = {0};
	observation_t o;
	int64_t id;
	int rc;

	if (http_param_id(r, 0, &id))
		return;
	rc = r->body_len ? json_decode_body(r->body, r->body_len, f, 1, &err) : 0;
	if (rc == 0)
		rc = app_observation_release(r->app, &r->actor, id, reason, &o, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, observation_json(&o));
}

void
h_followup_fill(struct http_req *r)
{
	followup_t fu = {0};
	char date[16] = "";
	double temp = 0;
	json_t *symptoms = NULL, *v;
	size_t i;
	struct jfield f[] = {
		{"date", JF_STRING, true, date, sizeof date, NULL},
		{"slot", JF_STRING, true, fu.slot, sizeof fu.slot, NULL},
		{"temperature_c", JF_NUMBER, true, &temp, 0, NULL},
		{"symptoms", JF_ARRAY, false, &symptoms, SYM_COUNT, NULL},
	};
	struct fk_error err = {0};
	int rc;

	if (http_param_id(r, 0, &fu.observation_id))
		return;
	rc = json_decode_body(r->body, r->body_len, f, 4, &err);
	if (rc == 0)
		rc = parse_day("date", date, true, &fu.date, &err);
	if (rc == 0 && report_temp_from_double(temp, &fu.temp_dc))
		rc = fk_error_set(&err, FK_EINVAL, "temperature_c",
				  "temperature_c must be from 34.0 to 43.0");
	json_array_foreach(symptoms, i, v) {
		enum symptom s;
		if (rc)
			break;
		if (symptom_parse(json_string_value(v), &s))
			rc = fk_error_set(&err, FK_EINVAL, "symptoms", "symptoms[%zu] is unknown", i);
		else
			fu.symptoms |= SYM_BIT(s);
	}
	json_decref(symptoms);
	if (rc == 0)
		rc = app_followup_fill(r->app, &r->actor, &fu, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 201, followup_json(&fu));
}

void
h_followups_missed(struct http_req *r)
{
	int32_t date;
	const char *slot = http_query(r, "slot");
	followup_t *items = NULL;
	size_t n = 0;
	json_t *arr;
	int rc;

	if (http_query_date(r, "date", app_today(), &date))
		return;
	if (slot && *slot && strcmp(slot, "am") && strcmp(slot, "pm")) {
		http_reply_fail(r, 400, "invalid", "slot", "slot is am or pm");
		return;
	}
	rc = app_followups_missed(r->app, &r->actor, date, slot && *slot ? slot : "pm", &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, followup_json(&items[i]));
	free(items);
	http_reply_json(r, 200, json_pack("{s:o, s:o}", "date", http_date_json(date), "items", arr));
}

/* ---- reviews ---------------------------------------------------------------------------- */

void
h_reviews_list(struct http_req *r)
{
	long long open;
	review_t *items = NULL;
	size_t n = 0;
	json_t *arr;
	int rc;

	if (http_query_int(r, "open", 1, 0, 1, &open))
		return;
	rc = app_review_list(r->app, &r->actor, open != 0, &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			arr, json_pack("{s:I, s:I, s:s, s:s?, s:I, s:o, s:o, s:I, s:o, s:s, s:o}", "id",
				       (json_int_t)items[i].id, "subject_id",
				       (json_int_t)items[i].subject_id, "name", items[i].name,
				       "person_id", items[i].person_id[0] ? items[i].person_id : NULL,
				       "observation_id", (json_int_t)items[i].observation_id, "date",
				       http_date_json(items[i].date), "reason", http_reason_json(items[i].reason),
				       "created_at",
				       (json_int_t)items[i].created_at, "resolved_at",
				       items[i].resolved_at ? json_integer(items[i].resolved_at)
							    : json_null(),
				       "outcome", items[i].outcome, "case_id",
				       items[i].case_id ? json_integer(items[i].case_id) : json_null()));
	free(items);
	http_reply_json(r, 200, json_pack("{s:o}", "items", arr));
}

void
h_review_resolve(struct http_req *r)
{
	char outcome[16] = "";
	int64_t case_id = 0, id;
	struct jfield f[] = {
		{"outcome", JF_STRING, true, outcome, sizeof outcome, NULL},
		{"case_id", JF_INT, false, &case_id, 0, NULL},
	};
	struct fk_error err = {0};
	int rc;

	if (http_param_id(r, 0, &id))
		return;
	rc = json_decode_body(r->body, r->body_len, f, 2, &err);
	if (rc == 0)
		rc = app_review_resolve(r->app, &r->actor, id, outcome, case_id, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "outcome", outcome));
}

/* ---- chains ---------------------------------------------------------------------------- */

static double
share(int64_t part, int64_t whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

void
h_chains(struct http_req *r)
{
	struct chains ch;
	int32_t today = app_today(), from, to;
	bool names = r->actor.user.role != ROLE_ANALYST;
	json_t *cases, *chains, *edges;
	int rc;

	if (http_query_date(r, "to", today, &to) || http_query_date(r, "from", to - 13, &from))
		return;
	rc = app_chains(r->app, &r->actor, from, to, &ch);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	cases = json_array();
	edges = json_array();
	for (size_t i = 0; i < ch.n_cases; i++) {
		const struct chain_case *x = &ch.cases[i];
		json_array_append_new(
			cases, json_pack("{s:I, s:s, s:s, s:o, s:o, s:i, s:o, s:b, s:o}", "case_id",
					 (json_int_t)x->case_id, "name", names ? x->name : "",
					 "classification", case_class_name(x->classification),
					 "onset", http_date_json(x->onset), "report", http_date_json(x->report),
					 "generation", x->generation, "chain",
					 x->chain ? json_integer(x->chain) : json_null(),
					 "known_contact", x->known_contact, "infector_case",
					 x->infector_case ? json_integer(x->infector_case)
							  : json_null()));
		if (x->infector_case)
			json_array_append_new(edges, json_pack("{s:I, s:I}", "from",
							       (json_int_t)x->infector_case, "to",
							       (json_int_t)x->case_id));
	}
	chains = json_array();
	for (size_t i = 0; i < ch.n_chains; i++)
		json_array_append_new(chains, json_pack("{s:i, s:i, s:o, s:o, s:b, s:i}", "id",
							ch.chains[i].id, "size", ch.chains[i].size,
							"first", http_date_json(ch.chains[i].first), "last",
							http_date_json(ch.chains[i].last), "cluster",
							ch.chains[i].cluster, "generations",
							ch.chains[i].generations));
	http_reply_json(
		r, 200,
		json_pack("{s:o, s:o, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:f, s:f, s:f}}", "from",
			  http_date_json(from), "to", http_date_json(to), "cases", cases, "edges", edges, "chains", chains,
			  "indicators", "new_cases", (json_int_t)ch.new_cases, "known_contacts",
			  (json_int_t)ch.new_known_contacts, "in_chains",
			  (json_int_t)ch.new_in_chains, "no_known_source",
			  (json_int_t)ch.new_no_source, "share_known_contacts",
			  share(ch.new_known_contacts, ch.new_cases), "share_in_chains",
			  share(ch.new_in_chains, ch.new_cases), "share_no_known_source",
			  share(ch.new_no_source, ch.new_cases)));
	chains_free(&ch);
}

void
h_serial_intervals(struct http_req *r)
{
	struct chains ch;
	char *csv = NULL;
	size_t len = 0, cap = 0;
	char line[160], d1[DATE_STR_LEN], d2[DATE_STR_LEN];
	int rc = app_chains(r->app, &r->actor, 0, app_today(), &ch);

	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	/* pseudonymous: case numbers and onset dates only, for Rt */
	for (size_t i = 0; i <= ch.n_cases; i++) {
		int n;
		if (i == 0) {
			n = snprintf(line, sizeof line,
				     "infector_case,infectee_case,infector_onset,infectee_onset,"
				     "serial_interval\r\n");
		} else {
			const struct chain_case *x = &ch.cases[i - 1], *src = NULL;
			for (size_t m = 0; m < ch.n_cases; m++)
				if (ch.cases[m].case_id == x->infector_case)
					src = &ch.cases[m];
			if (src == NULL)
				continue;
			n = snprintf(line, sizeof line, "%lld,%lld,%s,%s,%d\r\n",
				     (long long)src->case_id, (long long)x->case_id,
				     date_format(src->onset, d1), date_format(x->onset, d2),
				     x->onset - src->onset);
		}
		if (len + (size_t)n + 1 > cap) {
			cap = (cap + (size_t)n + 1) * 2;
			char *p = realloc(csv, cap);
			if (p == NULL) {
				free(csv);
				chains_free(&ch);
				http_reply_error(r, FK_ENOMEM, NULL);
				return;
			}
			csv = p;
		}
		memcpy(csv + len, line, (size_t)n + 1);
		len += (size_t)n;
	}
	chains_free(&ch);
	snprintf(r->content_disposition, sizeof r->content_disposition,
		 "attachment; filename=\"serial-intervals.csv\"");
	http_reply_take(r, 200, "text/csv; charset=utf-8", csv, len);
}

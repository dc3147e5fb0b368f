/*
 * routes_signals.c -- http layer: the detection run and the signals it
 * stores (app/signals.h).  Who may call each route is in the table in
 * routes.c; what each role then sees is decided by the app layer.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/signals.h"
#include "core/date.h"
#include "core/report.h"
#include "core/text.h"
#include "http_impl.h"

static json_t *
signal_json(const signal_t *s)
{
	bool region = s->kind == SIGNAL_REGION;
	json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:I, s:s, s:I, s:s}",
			      "id", (json_int_t)s->id, "kind", region ? "region" : "department",
			      "region_code", region ? json_string(s->region_code) : json_null(),
			      "region_name", region ? json_string(s->region_name) : json_null(),
			      "department_id",
			      region ? json_null() : json_integer((json_int_t)s->department_id),
			      "department", region ? json_null() : json_string(s->department),
			      "date", http_date_json(s->date), "method", s->method, "observed",
			      http_number_json(s->observed), "upperbound", http_number_json(s->upperbound),
			      "created_at", (json_int_t)s->created_at, "acked_by", s->acked_by,
			      "acked_at", (json_int_t)s->acked_at, "note", s->note);
	return o;
}

void
h_detect_run(struct http_req *r)
{
	char date_s[DATE_STR_LEN + 8] = "";
	bool has_date = false;
	struct jfield f[] = {
		{"date", JF_STRING, false, date_s, sizeof date_s, &has_date},
	};
	struct detect_run_report rep;
	struct fk_error err = {0};
	int32_t date = app_today() - 1;
	json_t *arr;
	int rc = 0;

	if (r->body_len > 0)
		rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);
	if (rc == 0 && has_date && date_parse(date_s, &date))
		rc = fk_error_set(&err, FK_EINVAL, "date", "date must be YYYY-MM-DD");
	if (rc == 0)
		rc = app_detect_run(r->app, &r->actor, date, &rep, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < rep.n_signals; i++)
		json_array_append_new(arr, signal_json(&rep.signals[i]));
	free(rep.signals);
	http_reply_json(r, 200,
			json_pack("{s:o, s:I, s:I, s:I, s:o}", "date", http_date_json(date),
				  "regions_checked", (json_int_t)rep.regions_checked,
				  "departments_checked", (json_int_t)rep.departments_checked,
				  "new_signals", (json_int_t)rep.n_signals, "signals", arr));
}

void
h_signals_list(struct http_req *r)
{
	struct signal_query q = {0};
	const char *kind = http_query(r, "kind");
	const char *open = http_query(r, "open");
	struct fk_error err = {0};
	signal_t *items = NULL;
	size_t n = 0;
	long long limit;
	json_t *arr;
	int rc;

	if (http_query_date(r, "from", 0, &q.from) || http_query_date(r, "to", 0, &q.to) ||
	    http_query_int(r, "limit", 100, 1, 1000, &limit))
		return;
	q.limit = (int)limit;
	if (kind && *kind) {
		if (strcmp(kind, "region") == 0)
			q.kind = SIGNAL_REGION;
		else if (strcmp(kind, "department") == 0)
			q.kind = SIGNAL_DEPARTMENT;
		else {
			http_reply_fail(r, 400, "invalid", "kind", "kind must be region or department");
			return;
		}
	}
	if (open && *open) {
		if (strcmp(open, "1") != 0 && strcmp(open, "0") != 0) {
			http_reply_fail(r, 400, "invalid", "open", "open must be 0 or 1");
			return;
		}
		q.open_only = open[0] == '1';
	}
	rc = app_signal_list(r->app, &r->actor, &q, &items, &n, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, signal_json(&items[i]));
	free(items);
	http_reply_json(r, 200, json_pack("{s:o}", "items", arr));
}

void
h_signal_ack(struct http_req *r)
{
	char note[REPORT_NOTE_BUF] = "";
	struct jfield f[] = {
		{"note", JF_STRING, false, note, sizeof note, NULL},
	};
	struct fk_error err = {0};
	signal_t s;
	int64_t id;
	int rc = 0;

	if (http_param_id(r, 0, &id))
		return;
	if (r->body_len > 0)
		rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);
	if (rc == 0)
		rc = app_signal_ack(r->app, &r->actor, id, note, &s, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, signal_json(&s));
}

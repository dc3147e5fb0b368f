/*
 * routes_risk_import.c -- http layer: POST /api/v1/series/import, the
 * import of a daily case series as CSV (text/csv body, up to the large
 * body limit).  ?format= canghailan | dxy | plain (required), ?source=
 * a source name (default: the format's).  Who may call it is in the
 * table in routes.c (officials; app_series_import() checks it again).
 *
 * Replies 200 with the import report (app/series.c's series_report_json
 * says its shape); 400 with the report and "error" when rows are bad
 * (every bad row in "problems", nothing stored) or the format or source
 * is wrong; 403 for any other role.
 */
#include <string.h>

#include "app/series.h"
#include "http_impl.h"

void h_series_import(struct http_req *r);

void
h_series_import(struct http_req *r)
{
	const char *format = http_query(r, "format");
	const char *source = http_query(r, "source");
	struct series_report rep;
	struct fk_error err = {0};
	enum series_format f;
	json_t *body;
	int rc;

	if (format == NULL || series_format_parse(format, &f)) {
		http_reply_fail(r, 400, "invalid", "format",
				"format must be canghailan, dxy or plain");
		return;
	}
	rc = app_series_import(r->app, &r->actor, f, source, r->body ? r->body : "", r->body_len,
			       &rep, &err);
	if (rc == FK_EINVAL && rep.n_problems) {
		body = series_report_json(&rep);
		if (body == NULL) {
			http_reply_error(r, FK_ENOMEM, NULL);
		} else {
			json_object_set_new(body, "error",
					    json_pack("{s:s, s:s, s:s}", "code", "invalid", "message",
						      err.message, "field", err.field));
			http_reply_json(r, 400, body);
		}
	} else if (rc) {
		http_reply_error(r, rc, &err);
	} else if ((body = series_report_json(&rep)) == NULL) {
		http_reply_error(r, FK_ENOMEM, NULL);
	} else {
		http_reply_json(r, 200, body);
	}
	series_report_free(&rep);
}

/*
 * http_impl.h -- http layer, internal: requests, routes and replies.
 */
#ifndef HTTP_IMPL_H
#define HTTP_IMPL_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"

#define HTTP_BODY_MAX (64 * 1024)          /* JSON bodies */
#define HTTP_BODY_MAX_LARGE (8 * 1024 * 1024) /* CSV uploads */
#define HTTP_BODY_MAX_SERIES (32 * 1024 * 1024) /* case series (a year of city rows ~10 MB) */
#define HTTP_MAX_PARAMS 4

struct http_req;
typedef void (*http_handler_fn)(struct http_req *r);

/* Route flags. */
#define ROUTE_PUBLIC 0x1     /* no sign-in needed */
#define ROUTE_LARGE_BODY 0x2 /* body up to HTTP_BODY_MAX_LARGE */
#define ROUTE_RAW_BODY 0x4   /* body is not JSON (CSV) */
#define ROUTE_SERIES_BODY 0x8 /* body up to HTTP_BODY_MAX_SERIES */
#define ROUTE_OFFLOAD 0x10    /* the handler computes for seconds: it runs on
				 the analysis threads while the connection is
				 suspended, so no worker (and none of the
				 connections it serves) waits for it */

/* A route: method and pattern ("/api/v1/people/{id}"), who may call it
 * (a mask of ROLE_BIT()s; 0 with no ROUTE_PUBLIC means nobody: the
 * default is deny), and its handler. */
struct route {
	const char *method;
	const char *pattern;
	unsigned roles;
	unsigned flags;
	http_handler_fn handler;
	const char *name;    /* label in logs and metrics */
};

extern const struct route http_routes[];
extern const size_t http_routes_count;

struct http_req {
	struct MHD_Connection *conn;
	struct http_server *srv;
	app_t *app;
	const char *method;
	const char *url;
	const struct route *route;       /* NULL until matched */
	const char *params[HTTP_MAX_PARAMS]; /* path parameters, in body of path_copy */
	char path_copy[512];
	uint64_t start_us;

	char *body;
	size_t body_len, body_max;
	bool body_too_big;

	actor_t actor;
	bool signed_in;
	bool via_cookie;
	char token[APP_TOKEN_LEN + 1];
	char address[64];

	/* the reply */
	int status;
	char *reply;                     /* malloc'd */
	size_t reply_len;
	const char *reply_type;
	char set_cookie[160];
	char allow[64];                  /* for 405 */
	char content_disposition[96];
	int retry_after;
	bool replied;
	const char *route_label;
	bool offload;                    /* dispatch: run the handler on the pool */
	bool resumed;                    /* answered by the pool, not yet sent */
	struct http_req *next_job;       /* the analysis queue */
};

/* ---- replies (server.c) ----------------------------------------------- */

/* Reply with a JSON value (the reference is stolen). */
void http_reply_json(struct http_req *r, int status, json_t *body);
/* Reply with bytes (copied) of a content type. */
void http_reply_bytes(struct http_req *r, int status, const char *type, const void *data,
		      size_t len);
/* Reply with bytes the reply takes over (malloc'd). */
void http_reply_take(struct http_req *r, int status, const char *type, char *data, size_t len);
/* Reply 204. */
void http_reply_empty(struct http_req *r, int status);
/* The error reply for an fk_err: one table maps codes to statuses. */
void http_reply_error(struct http_req *r, int code, const struct fk_error *err);
/* An error with an explicit code name and message. */
void http_reply_fail(struct http_req *r, int status, const char *code, const char *field,
		     const char *message);

/* Query parameter, or NULL. */
const char *http_query(struct http_req *r, const char *name);
/* Request header, or NULL. */
const char *http_header(struct http_req *r, const char *name);

/* ---- handler helpers (routes.c) ------------------------------------------ */

/* Integer query parameter in min..max (def if absent); on a bad value
 * replies 400 naming it and returns -1. */
int http_query_int(struct http_req *r, const char *name, long long def, long long min,
		   long long max, long long *out);
/* Number query parameter in min..max (def if absent or empty); a value
 * that is not a finite number, or is out of range, replies 400 naming
 * it and returns -1. */
int http_query_double(struct http_req *r, const char *name, double def, double min, double max,
		      double *out);
/* A finite number, or null (NaN, the "NA" of the analytics). */
json_t *http_number_json(double x);
/* Path parameter i as a positive id; replies 404 and returns -1 if not. */
int http_param_id(struct http_req *r, int i, int64_t *out);
/* Date query parameter (YYYY-MM-DD), def if absent; 400 and -1 if bad. */
int http_query_date(struct http_req *r, const char *name, int32_t def, int32_t *out);
json_t *http_person_json(const person_t *p);
/* A day number as "YYYY-MM-DD", or null for 0 (routes_daily.c). */
json_t *http_date_json(int32_t d);
/* A SYM_BIT set as an array of symptom names (routes_daily.c). */
json_t *http_symptoms_json(unsigned set);
/* A stored "中文 / English" reason as {"zh", "en"} (routes_daily.c). */
json_t *http_reason_json(const char *reason);

/* Handlers of routes_daily.c (daily health monitoring). */
void h_report_submit(struct http_req *r);
void h_report_get(struct http_req *r);
void h_report_versions(struct http_req *r);
void h_reports_list(struct http_req *r);
void h_person_history(struct http_req *r);
void h_person_code(struct http_req *r);
void h_my_code(struct http_req *r);
void h_my_qr(struct http_req *r);
void h_code_verify(struct http_req *r);
void h_dashboard(struct http_req *r);
void h_missing(struct http_req *r);
void h_alerts_list(struct http_req *r);
void h_alert_ack(struct http_req *r);
void h_webhooks_list(struct http_req *r);
void h_webhook_create(struct http_req *r);
void h_webhook_delete(struct http_req *r);
void h_deliveries_list(struct http_req *r);
void h_export_daily(struct http_req *r);
void h_policies_list(struct http_req *r);

/* Handlers of routes_cases.c (case management). */
void h_subject_create(struct http_req *r);
void h_subject_get(struct http_req *r);
void h_subject_merge(struct http_req *r);
void h_case_create(struct http_req *r);
void h_cases_list(struct http_req *r);
void h_case_get(struct http_req *r);
void h_case_transition(struct http_req *r);
void h_case_severity(struct http_req *r);
void h_case_investigation(struct http_req *r);
void h_case_lab(struct http_req *r);
void h_placement_create(struct http_req *r);
void h_exposure_create(struct http_req *r);
void h_case_contacts(struct http_req *r);
void h_observations_list(struct http_req *r);
void h_observation_get(struct http_req *r);
void h_observation_extend(struct http_req *r);
void h_observation_release(struct http_req *r);
void h_followup_fill(struct http_req *r);
void h_followups_missed(struct http_req *r);
void h_reviews_list(struct http_req *r);
void h_review_resolve(struct http_req *r);
void h_chains(struct http_req *r);
void h_serial_intervals(struct http_req *r);

/* Handlers of routes_areas.c (regional risk, return to work). */
void h_risk_current(struct http_req *r);
void h_risk_history(struct http_req *r);
void h_risk_override(struct http_req *r);
void h_risk_grade(struct http_req *r);
void h_response_list(struct http_req *r);
void h_response_set(struct http_req *r);
void h_plans_list(struct http_req *r);
void h_plan_submit(struct http_req *r);
void h_plan_decide(struct http_req *r);
void h_return_to_work(struct http_req *r);
void h_series_list(struct http_req *r);
void h_series_import(struct http_req *r);
/* routes_analytics.c */
void h_analytics_rt(struct http_req *r);
/* routes.c */
void h_regions_search(struct http_req *r);
void h_analytics_detect(struct http_req *r);
/* routes_signals.c */
void h_detect_run(struct http_req *r);
void h_signals_list(struct http_req *r);
void h_signal_ack(struct http_req *r);
/* routes_seir.c */
void h_analytics_seir(struct http_req *r);

/* ---- JSON codecs (json.c) --------------------------------------------- */

enum jf_type { JF_STRING, JF_INT, JF_BOOL, JF_NUMBER, JF_ARRAY };

/* One field a request body may hold.  For JF_STRING dst is a char
 * buffer of cap bytes (the string must fit with its NUL); JF_INT an
 * int64_t; JF_BOOL a bool; JF_NUMBER a double (integer or real);
 * JF_ARRAY a json_t * that the caller must json_decref (at most cap
 * elements).  *seen (if not NULL) tells whether the field
 * was present. */
struct jfield {
	const char *name;
	enum jf_type type;
	bool required;
	void *dst;
	size_t cap;
	bool *seen;
};

/* Parse the body as one JSON object with no duplicate keys, and decode
 * it by fields: unknown fields, wrong types, missing required fields
 * and over-long strings are FK_EINVAL naming the field. */
int json_decode_body(const char *body, size_t len, const struct jfield *fields, size_t n,
		     struct fk_error *err) FK_MUST_CHECK;

/* ---- routing (router.c) ------------------------------------------------- */

/* Find the route for method and path.  On success *params point into
 * scratch (which must hold the path).  Returns 0, FK_ENOTFOUND (no such
 * path) or FK_EINVAL (path known, method not: allow gets the methods). */
int router_match(const char *method, const char *path, char *scratch, size_t scratch_cap,
		 const struct route **out, const char **params, char *allow,
		 size_t allow_cap) FK_MUST_CHECK;

/* ---- metrics (metrics.c) ------------------------------------------------ */

void metrics_init(void);
/* Count a finished request of route index idx (-1 unmatched, -2 page). */
void metrics_record(int route_idx, int status, uint64_t micros);
/* Prometheus text exposition into a malloc'd buffer. */
char *metrics_render(app_t *app, size_t *len);
/* Requests waiting for an analysis thread, and running on one (server.c). */
void http_analysis_counts(int *queued, int *running);

#endif

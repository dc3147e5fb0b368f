/*
 * routes.c -- http layer: the route table (who may call what) and the
 * handlers.  A handler parses, calls one app_ function and renders.
 * Every route names the roles that may call it; a route with no roles
 * and no ROUTE_PUBLIC flag can be called by nobody (default deny).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "http_impl.h"

#define R(x) ROLE_BIT(ROLE_##x)
#define ANY_ROLE ROLE_ALL
#define PEOPLE_READERS (R(STAFF) | R(DEPT_HEAD) | R(OFFICE) | R(OFFICIAL))

/* ---- helpers ------------------------------------------------------------ */

json_t *
http_person_json(const person_t *p)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I}", "id", p->id, "name",
			 p->name, "kind", person_kind_name(p->kind), "department_id",
			 (json_int_t)p->department_id, "department", p->department, "phone",
			 p->phone, "community", p->community, "region_code", p->region_code,
			 "updated_at", (json_int_t)p->updated_at);
}

static json_t *
department_json(const department_t *d)
{
	return json_pack("{s:I, s:s, s:I, s:s, s:I}", "id", (json_int_t)d->id, "name", d->name,
			 "parent_id", (json_int_t)d->parent_id, "path", d->path, "people",
			 (json_int_t)d->people);
}

static json_t *
user_json(const user_t *u)
{
	return json_pack("{s:I, s:s, s:s, s:s?, s:I, s:s?, s:b, s:I}", "id", (json_int_t)u->id,
			 "username", u->username, "role", role_name(u->role), "person_id",
			 u->person_id[0] ? u->person_id : NULL, "department_id",
			 (json_int_t)u->department_id, "region_prefix",
			 u->region_prefix[0] ? u->region_prefix : NULL, "disabled", u->disabled,
			 "created_at", (json_int_t)u->created_at);
}

/* Parse a positive integer query parameter; def if absent. */
int
http_query_int(struct http_req *r, const char *name, long long def, long long min, long long max,
	  long long *out)
{
	const char *v = http_query(r, name);
	char *end;
	long long x;
	struct fk_error err = {0};

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || *end || x < min || x > max) {
		fk_error_set(&err, FK_EINVAL, name, "%s must be a whole number from %lld to %lld",
			     name, min, max);
		http_reply_error(r, FK_EINVAL, &err);
		return -1;
	}
	*out = x;
	return 0;
}

int
http_query_double(struct http_req *r, const char *name, double def, double min, double max,
		  double *out)
{
	const char *v = http_query(r, name);
	struct fk_error err = {0};
	char *end;
	double x;

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	x = strtod(v, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(x)) {
		fk_error_set(&err, FK_EINVAL, name, "%s must be a number", name);
	} else if (x < min || x > max) {
		fk_error_set(&err, FK_EINVAL, name, "%s must be a number from %g to %g", name, min,
			     max);
	} else {
		*out = x;
		return 0;
	}
	http_reply_error(r, FK_EINVAL, &err);
	return -1;
}

json_t *
http_number_json(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/* Parse a path parameter as a positive id. */
int
http_param_id(struct http_req *r, int i, int64_t *out)
{
	char *end;
	long long x;
	errno = 0;
	x = strtoll(r->params[i], &end, 10);
	if (errno || *end || x <= 0) {
		http_reply_fail(r, 404, "not_found", "id", "no such record");
		return -1;
	}
	*out = x;
	return 0;
}

/* ---- health, metrics, session ------------------------------------------- */

static void
h_healthz(struct http_req *r)
{
	int cur = 0, latest = 0;
	if (store_schema_version(app_store(r->app), &cur, &latest) || cur != latest) {
		http_reply_json(r, 503, json_pack("{s:s}", "status", "unavailable"));
		return;
	}
	http_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static void
h_metrics(struct http_req *r)
{
	size_t len = 0;
	char *text = metrics_render(r->app, &len);
	if (text == NULL) {
		http_reply_error(r, FK_ENOMEM, NULL);
		return;
	}
	http_reply_take(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static json_t *
session_user_json(const actor_t *a)
{
	return json_pack("{s:I, s:s, s:s, s:s?, s:I, s:s?}", "id", (json_int_t)a->user.id,
			 "username", a->user.username, "role", role_name(a->user.role),
			 "person_id", a->user.person_id[0] ? a->user.person_id : NULL,
			 "department_id", (json_int_t)a->user.department_id, "region_prefix",
			 a->user.region_prefix[0] ? a->user.region_prefix : NULL);
}

static void
h_login(struct http_req *r)
{
	char username[USERNAME_MAX + 1] = "", password[PASSWORD_MAX + 1] = "";
	char token[APP_TOKEN_LEN + 1], csrf[SESSION_CSRF_LEN + 1];
	struct jfield f[] = {
		{"username", JF_STRING, true, username, sizeof username, NULL},
		{"password", JF_STRING, true, password, sizeof password, NULL},
	};
	struct fk_error err = {0};
	actor_t actor;
	int retry = 0, rc;

	rc = json_decode_body(r->body, r->body_len, f, 2, &err);
	if (rc == 0)
		rc = app_login(r->app, username, password, r->address, token, csrf, &actor, &retry,
			       &err);
	explicit_bzero(password, sizeof password);
	if (rc) {
		r->retry_after = retry;
		http_reply_error(r, rc, &err);
		return;
	}
	int ttl = app_session_ttl(r->app);
	snprintf(r->set_cookie, sizeof r->set_cookie,
		 "fk_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d", token, ttl);
	http_reply_json(r, 200,
			json_pack("{s:s, s:s, s:I, s:o}", "token", token, "csrf_token", csrf,
				  "expires_at", (json_int_t)(app_now() + ttl), "user",
				  session_user_json(&actor)));
	explicit_bzero(token, sizeof token);
}

static void
h_logout(struct http_req *r)
{
	int rc = app_logout(r->app, &r->actor, r->token);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	snprintf(r->set_cookie, sizeof r->set_cookie,
		 "fk_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	http_reply_empty(r, 204);
}

static void
h_session(struct http_req *r)
{
	char org[SETTING_VALUE_MAX] = "", org_en[SETTING_VALUE_MAX] = "";
	/* the session tells the pages the organisation's name only */
	struct fk_error err = {0};
	if (app_setting_get(r->app, &r->actor, "org_name", org, sizeof org, &err) ||
	    app_setting_get(r->app, &r->actor, "org_name_en", org_en, sizeof org_en, &err)) {
		http_reply_error(r, err.code ? err.code : FK_EIO, &err);
		return;
	}
	http_reply_json(r, 200,
			json_pack("{s:o, s:s, s:s, s:s}", "user", session_user_json(&r->actor),
				  "csrf_token", r->actor.csrf, "org_name", org, "org_name_en", org_en));
}

/* ---- people --------------------------------------------------------------- */

/* Decode a person body; the department may be given by id or name. */
static int
decode_person(struct http_req *r, person_t *p, bool id_required, struct fk_error *err)
{
	char kind[16] = "", department[DEPARTMENT_NAME_BUF] = "";
	int64_t department_id = 0;
	bool has_dept_id = false, has_dept = false;
	struct jfield f[] = {
		{"id", JF_STRING, id_required, p->id, sizeof p->id, NULL},
		{"name", JF_STRING, true, p->name, sizeof p->name, NULL},
		{"kind", JF_STRING, true, kind, sizeof kind, NULL},
		{"department_id", JF_INT, false, &department_id, 0, &has_dept_id},
		{"department", JF_STRING, false, department, sizeof department, &has_dept},
		{"phone", JF_STRING, false, p->phone, sizeof p->phone, NULL},
		{"community", JF_STRING, false, p->community, sizeof p->community, NULL},
		{"region_code", JF_STRING, true, p->region_code, sizeof p->region_code, NULL},
		{"updated_at", JF_INT, false, &p->updated_at, 0, NULL},
	};
	int rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], err);
	if (rc)
		return rc;
	if (person_kind_parse(kind, &p->kind))
		return fk_error_set(err, FK_EINVAL, "kind",
				    "kind must be one of staff, student, postdoc, visitor");
	if (has_dept_id) {
		p->department_id = department_id;
	} else if (has_dept) {
		department_t d;
		rc = store_department_find(app_store(r->app), department, &d);
		if (rc)
			return fk_error_set(err, FK_EINVAL, "department", "no department named '%s'",
					    department);
		p->department_id = d.id;
	} else {
		return fk_error_set(err, FK_EINVAL, "department_id",
				    "department_id (or department, by name) is required");
	}
	return 0;
}

static void
h_people_list(struct http_req *r)
{
	long long limit;
	const char *after = http_query(r, "after");
	person_t *items = NULL;
	size_t n = 0;
	bool more = false;
	json_t *arr;
	int rc;

	if (http_query_int(r, "limit", 100, 1, 1000, &limit))
		return;
	if (after && strlen(after) > PERSON_ID_MAX) {
		struct fk_error err = {0};
		fk_error_set(&err, FK_EINVAL, "after", "after must be a person id");
		http_reply_error(r, FK_EINVAL, &err);
		return;
	}
	rc = app_person_list(r->app, &r->actor, after, (int)limit, &items, &n, &more);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, http_person_json(&items[i]));
	http_reply_json(r, 200,
			json_pack("{s:o, s:s?}", "items", arr, "next",
				  more && n ? items[n - 1].id : NULL));
	free(items);
}

static void
h_people_create(struct http_req *r)
{
	person_t p = {0};
	struct fk_error err = {0};
	int rc = decode_person(r, &p, true, &err);
	if (rc == 0)
		rc = app_person_create(r->app, &r->actor, &p, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 201, http_person_json(&p));
}

static void
h_person_get(struct http_req *r)
{
	person_t p;
	struct fk_error err = {0};
	int rc = app_person_get(r->app, &r->actor, r->params[0], &p, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, http_person_json(&p));
}

static void
h_person_put(struct http_req *r)
{
	person_t p = {0}, old;
	struct fk_error err = {0};
	int rc = decode_person(r, &p, false, &err);

	if (rc == 0 && p.id[0] && strcmp(p.id, r->params[0]) != 0)
		rc = fk_error_set(&err, FK_EINVAL, "id", "id in the body differs from the path");
	if (rc == 0) {
		/* the caller must be able to see it to change it */
		rc = app_person_get(r->app, &r->actor, r->params[0], &old, &err);
	}
	if (rc == 0) {
		snprintf(p.id, sizeof p.id, "%s", r->params[0]);
		rc = app_person_update(r->app, &r->actor, &p, &err);
	}
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, http_person_json(&p));
}

static void
h_person_delete(struct http_req *r)
{
	struct fk_error err = {0};
	int rc = app_person_delete(r->app, &r->actor, r->params[0], &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_empty(r, 204);
}

static void
h_people_export(struct http_req *r)
{
	char *csv = NULL;
	size_t len = 0;
	struct fk_error err = {0};
	int rc = app_people_export(r->app, &r->actor, &csv, &len, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	snprintf(r->content_disposition, sizeof r->content_disposition,
		 "attachment; filename=\"people.csv\"");
	http_reply_take(r, 200, "text/csv; charset=utf-8", csv, len);
}

static json_t *
import_json(const struct import_report *rep)
{
	json_t *probs = json_array();
	for (size_t i = 0; i < rep->n_problems; i++)
		json_array_append_new(probs, json_pack("{s:I, s:s, s:s}", "row",
						       (json_int_t)rep->problems[i].row, "column",
						       rep->problems[i].column, "message",
						       rep->problems[i].message));
	return json_pack("{s:I, s:I, s:I, s:o, s:b}", "rows", (json_int_t)rep->rows, "imported",
			 (json_int_t)rep->imported, "departments_created",
			 (json_int_t)rep->departments_created, "problems", probs,
			 "problems_truncated", rep->truncated);
}

static void
h_people_import(struct http_req *r)
{
	struct import_report rep;
	struct fk_error err = {0};
	const char *partial = http_query(r, "partial");
	bool is_partial = partial && (strcmp(partial, "1") == 0 || strcmp(partial, "true") == 0);
	int rc = app_people_import(r->app, &r->actor, r->body ? r->body : "", r->body_len,
				   is_partial, &rep, &err);

	if (rc == FK_EINVAL && rep.n_problems) {
		json_t *body = import_json(&rep);
		json_object_set_new(body, "error",
				    json_pack("{s:s, s:s, s:s}", "code", "invalid", "message",
					      err.message, "field", err.field));
		http_reply_json(r, 400, body);
	} else if (rc) {
		http_reply_error(r, rc, &err);
	} else {
		http_reply_json(r, 200, import_json(&rep));
	}
	import_report_free(&rep);
}

/* ---- departments ------------------------------------------------------------ */

static void
h_departments_list(struct http_req *r)
{
	department_t *items = NULL;
	size_t n = 0;
	json_t *arr;
	int rc = app_department_list(r->app, &r->actor, &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, department_json(&items[i]));
	free(items);
	http_reply_json(r, 200, json_pack("{s:o}", "items", arr));
}

static int
decode_department(struct http_req *r, department_t *d, struct fk_error *err)
{
	struct jfield f[] = {
		{"name", JF_STRING, true, d->name, sizeof d->name, NULL},
		{"parent_id", JF_INT, false, &d->parent_id, 0, NULL},
	};
	return json_decode_body(r->body, r->body_len, f, 2, err);
}

static void
h_department_create(struct http_req *r)
{
	department_t d = {0};
	struct fk_error err = {0};
	int rc = decode_department(r, &d, &err);
	if (rc == 0)
		rc = app_department_create(r->app, &r->actor, &d, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 201, department_json(&d));
}

static void
h_department_get(struct http_req *r)
{
	department_t d;
	struct fk_error err = {0};
	int64_t id;
	int rc;
	if (http_param_id(r, 0, &id))
		return;
	rc = app_department_get(r->app, &r->actor, id, &d, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, department_json(&d));
}

static void
h_department_put(struct http_req *r)
{
	department_t d = {0};
	struct fk_error err = {0};
	int rc;
	if (http_param_id(r, 0, &d.id))
		return;
	rc = decode_department(r, &d, &err);
	if (rc == 0)
		rc = app_department_update(r->app, &r->actor, &d, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, department_json(&d));
}

static void
h_department_delete(struct http_req *r)
{
	struct fk_error err = {0};
	int64_t id;
	int rc;
	if (http_param_id(r, 0, &id))
		return;
	rc = app_department_delete(r->app, &r->actor, id, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_empty(r, 204);
}

/* ---- users -------------------------------------------------------------------- */

static void
h_users_list(struct http_req *r)
{
	user_t *items = NULL;
	size_t n = 0;
	json_t *arr;
	int rc = app_user_list(r->app, &r->actor, &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, user_json(&items[i]));
	free(items);
	http_reply_json(r, 200, json_pack("{s:o}", "items", arr));
}

static void
h_user_create(struct http_req *r)
{
	user_t u = {0};
	char role[16] = "", password[PASSWORD_MAX + 1] = "", department[DEPARTMENT_NAME_BUF] = "";
	bool has_dept = false;
	struct jfield f[] = {
		{"username", JF_STRING, true, u.username, sizeof u.username, NULL},
		{"password", JF_STRING, true, password, sizeof password, NULL},
		{"role", JF_STRING, true, role, sizeof role, NULL},
		{"person_id", JF_STRING, false, u.person_id, sizeof u.person_id, NULL},
		{"department", JF_STRING, false, department, sizeof department, &has_dept},
		{"region", JF_STRING, false, u.region_prefix, sizeof u.region_prefix, NULL},
	};
	struct fk_error err = {0};
	int rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);

	if (rc == 0 && role_parse(role, &u.role))
		rc = fk_error_set(&err, FK_EINVAL, "role",
				  "role must be one of staff, dept_head, office, official, analyst, admin");
	if (rc == 0)
		rc = app_user_add(r->app, &r->actor, &u, has_dept ? department : NULL, password, &err);
	explicit_bzero(password, sizeof password);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 201, user_json(&u));
}

static void
h_user_get(struct http_req *r)
{
	user_t u;
	int64_t id;
	int rc;
	if (http_param_id(r, 0, &id))
		return;
	rc = app_user_get(r->app, &r->actor, id, &u);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	http_reply_json(r, 200, user_json(&u));
}

static void
h_user_put(struct http_req *r)
{
	user_t u;
	char role[16] = "", password[PASSWORD_MAX + 1] = "", department[DEPARTMENT_NAME_BUF] = "";
	char person[PERSON_ID_MAX + 1] = "", region[REGION_CODE_LEN + 1] = "";
	bool disabled = false, has_role = false, has_dept = false, has_person = false,
	     has_region = false, has_disabled = false, has_password = false;
	struct jfield f[] = {
		{"role", JF_STRING, false, role, sizeof role, &has_role},
		{"person_id", JF_STRING, false, person, sizeof person, &has_person},
		{"department", JF_STRING, false, department, sizeof department, &has_dept},
		{"region", JF_STRING, false, region, sizeof region, &has_region},
		{"disabled", JF_BOOL, false, &disabled, 0, &has_disabled},
		{"password", JF_STRING, false, password, sizeof password, &has_password},
	};
	struct fk_error err = {0};
	int64_t id;
	int rc;

	if (http_param_id(r, 0, &id))
		return;
	rc = app_user_get(r->app, &r->actor, id, &u);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	rc = json_decode_body(r->body, r->body_len, f, sizeof f / sizeof f[0], &err);
	if (rc == 0 && has_role && role_parse(role, &u.role))
		rc = fk_error_set(&err, FK_EINVAL, "role",
				  "role must be one of staff, dept_head, office, official, analyst, admin");
	if (rc == 0 && has_person)
		snprintf(u.person_id, sizeof u.person_id, "%s", person);
	if (rc == 0 && has_region)
		snprintf(u.region_prefix, sizeof u.region_prefix, "%s", region);
	if (rc == 0 && has_role && u.role != ROLE_OFFICIAL && !has_region)
		u.region_prefix[0] = '\0';
	if (rc == 0 && has_disabled)
		u.disabled = disabled;
	u.password_hash[0] = '\0';
	if (rc == 0 && has_password && (rc = password_validate(password, &err)) == 0 &&
	    app_password_hash(r->app, password, u.password_hash, sizeof u.password_hash))
		rc = fk_error_set(&err, FK_ENOMEM, "password", "cannot hash the password");
	explicit_bzero(password, sizeof password);
	if (rc == 0)
		rc = app_user_update(r->app, &r->actor, &u, has_dept ? department : NULL, &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	http_reply_json(r, 200, user_json(&u));
}

/* ---- audit, settings, regions -------------------------------------------------- */

static void
h_audit(struct http_req *r)
{
	long long before, limit;
	audit_entry_t *items = NULL;
	size_t n = 0;
	json_t *arr;
	int rc;

	if (http_query_int(r, "before", 0, 0, INT64_MAX, &before) ||
	    http_query_int(r, "limit", 100, 1, 500, &limit))
		return;
	rc = app_audit_list(r->app, &r->actor, before, (int)limit, &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const audit_entry_t *a = &items[i];
		json_array_append_new(
			arr, json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
				       (json_int_t)a->id, "at", (json_int_t)a->at, "user_id",
				       (json_int_t)a->user_id, "username", a->username, "role",
				       a->role, "address", a->address, "action", a->action,
				       "object_type", a->object_type, "object_id", a->object_id,
				       "detail", a->detail));
	}
	json_t *next = n == (size_t)limit && n ? json_integer((json_int_t)items[n - 1].id)
					       : json_null();
	free(items);
	http_reply_json(r, 200, json_pack("{s:o, s:o}", "items", arr, "next", next));
}

static void
h_settings_get(struct http_req *r)
{
	json_t *o = json_object();
	struct fk_error err = {0};
	for (int i = 0; app_setting_keys[i]; i++) {
		char v[SETTING_VALUE_MAX];
		int rc = app_setting_get(r->app, &r->actor, app_setting_keys[i], v, sizeof v, &err);
		if (rc) {
			json_decref(o);
			http_reply_error(r, rc, &err);
			return;
		}
		json_object_set_new(o, app_setting_keys[i], json_string(v));
	}
	http_reply_json(r, 200, o);
}

static void
h_settings_put(struct http_req *r)
{
	enum { N = APP_SETTING_COUNT };
	char values[N][SETTING_VALUE_MAX];
	bool seen[N] = {false};
	struct jfield f[N];
	struct fk_error err = {0};
	int rc;

	/* one field per known setting (app_setting_keys) */
	for (int i = 0; i < N; i++) {
		values[i][0] = '\0';
		f[i] = (struct jfield){app_setting_keys[i], JF_STRING, false, values[i],
				       SETTING_VALUE_MAX, &seen[i]};
	}
	rc = json_decode_body(r->body, r->body_len, f, N, &err);
	for (int i = 0; i < N && rc == 0; i++)
		if (seen[i])
			rc = app_setting_put(r->app, &r->actor, app_setting_keys[i], values[i], &err);
	if (rc) {
		http_reply_error(r, rc, &err);
		return;
	}
	h_settings_get(r);
}

static void
h_region_get(struct http_req *r)
{
	region_t g;
	int rc = store_region_get(app_store(r->app), r->params[0], &g);
	if (rc == FK_ENOTFOUND) {
		http_reply_fail(r, 404, "not_found", "code", "no such region code");
		return;
	}
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	http_reply_json(r, 200,
			json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", g.code, "name", g.name,
				  "level", g.level, "parent_code", g.parent_code, "source", g.source));
}

/* Regions by code prefix or part of the name, for pickers; with the
 * parent's name (a municipality's for its districts), which tells the
 * two 朝阳区 apart. */
void
h_regions_search(struct http_req *r)
{
	const char *q = http_query(r, "q");
	region_t *items = NULL;
	size_t n = 0;
	long long limit;
	json_t *arr;
	int rc;

	if (http_query_int(r, "limit", 20, 1, 100, &limit))
		return;
	if (q == NULL || q[0] == '\0' || strlen(q) > 64 || !text_utf8_valid(q, strlen(q))) {
		http_reply_fail(r, 400, "invalid", "q", "q is 1 to 64 bytes of text");
		return;
	}
	rc = store_region_search(app_store(r->app), q, (int)limit, &items, &n);
	if (rc) {
		http_reply_error(r, rc, NULL);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		region_t p;
		const char *parent = "";
		if (items[i].parent_code[0] &&
		    store_region_get(app_store(r->app), items[i].parent_code, &p) == 0) {
			/* a municipality's districts and a province's directly
			 * administered cities sit under a placeholder (市辖区, 县,
			 * 省直辖县级行政区划): name the municipality or province */
			region_t gp;
			parent = p.name;
			if ((strcmp(p.name, "市辖区") == 0 || strcmp(p.name, "县") == 0 ||
			     strstr(p.name, "直辖县级行政区划") != NULL) &&
			    p.parent_code[0] &&
			    store_region_get(app_store(r->app), p.parent_code, &gp) == 0) {
				snprintf(p.name, sizeof p.name, "%s", gp.name);
			}
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s}", "code",
						     items[i].code, "name", items[i].name, "level",
						     items[i].level, "parent_code", items[i].parent_code,
						     "parent_name", parent));
	}
	free(items);
	http_reply_json(r, 200, json_pack("{s:o}", "items", arr));
}

/* ---- the table ------------------------------------------------------------------ */

const struct route http_routes[] = {
	{"GET", "/healthz", 0, ROUTE_PUBLIC, h_healthz, "healthz"},
	{"GET", "/metrics", 0, ROUTE_PUBLIC, h_metrics, "metrics"},
	{"POST", "/api/v1/login", 0, ROUTE_PUBLIC, h_login, "login"},
	{"POST", "/api/v1/logout", ANY_ROLE, 0, h_logout, "logout"},
	{"GET", "/api/v1/session", ANY_ROLE, 0, h_session, "session"},

	{"GET", "/api/v1/people", PEOPLE_READERS, 0, h_people_list, "people.list"},
	{"POST", "/api/v1/people", R(OFFICE), 0, h_people_create, "people.create"},
	{"GET", "/api/v1/people/export", R(OFFICE) | R(DEPT_HEAD), 0, h_people_export, "people.export"},
	{"POST", "/api/v1/people/import", R(OFFICE), ROUTE_LARGE_BODY | ROUTE_RAW_BODY,
	 h_people_import, "people.import"},
	{"GET", "/api/v1/people/{id}", PEOPLE_READERS, 0, h_person_get, "people.get"},
	{"PUT", "/api/v1/people/{id}", R(OFFICE), 0, h_person_put, "people.update"},
	{"DELETE", "/api/v1/people/{id}", R(OFFICE), 0, h_person_delete, "people.delete"},

	{"GET", "/api/v1/departments", ANY_ROLE, 0, h_departments_list, "departments.list"},
	{"POST", "/api/v1/departments", R(OFFICE) | R(ADMIN), 0, h_department_create, "departments.create"},
	{"GET", "/api/v1/departments/{id}", ANY_ROLE, 0, h_department_get, "departments.get"},
	{"PUT", "/api/v1/departments/{id}", R(OFFICE) | R(ADMIN), 0, h_department_put, "departments.update"},
	{"DELETE", "/api/v1/departments/{id}", R(OFFICE) | R(ADMIN), 0, h_department_delete,
	 "departments.delete"},

	{"GET", "/api/v1/users", R(ADMIN), 0, h_users_list, "users.list"},
	{"POST", "/api/v1/users", R(ADMIN), 0, h_user_create, "users.create"},
	{"GET", "/api/v1/users/{id}", R(ADMIN), 0, h_user_get, "users.get"},
	{"PUT", "/api/v1/users/{id}", R(ADMIN), 0, h_user_put, "users.update"},

	{"GET", "/api/v1/audit", R(ADMIN), 0, h_audit, "audit.list"},
	{"GET", "/api/v1/settings", R(ADMIN), 0, h_settings_get, "settings.get"},
	{"PUT", "/api/v1/settings", R(ADMIN), 0, h_settings_put, "settings.update"},
	{"GET", "/api/v1/regions", ANY_ROLE, 0, h_regions_search, "regions.search"},
	{"GET", "/api/v1/regions/{code}", ANY_ROLE, 0, h_region_get, "regions.get"},

	/* daily health monitoring (routes_daily.c) */
	{"POST", "/api/v1/reports", R(STAFF) | R(OFFICE), 0, h_report_submit, "reports.submit"},
	{"GET", "/api/v1/reports", R(STAFF) | R(DEPT_HEAD) | R(OFFICE), 0, h_reports_list,
	 "reports.list"},
	{"GET", "/api/v1/reports/{id}", R(STAFF) | R(DEPT_HEAD) | R(OFFICE), 0, h_report_get,
	 "reports.get"},
	{"GET", "/api/v1/reports/{id}/versions", R(STAFF) | R(DEPT_HEAD) | R(OFFICE), 0,
	 h_report_versions, "reports.versions"},
	{"GET", "/api/v1/people/{id}/history", R(STAFF) | R(DEPT_HEAD) | R(OFFICE), 0,
	 h_person_history, "people.history"},
	{"GET", "/api/v1/people/{id}/code", R(STAFF) | R(DEPT_HEAD) | R(OFFICE), 0, h_person_code,
	 "people.code"},
	{"GET", "/api/v1/codes/me", R(STAFF) | R(DEPT_HEAD) | R(OFFICE), 0, h_my_code, "codes.me"},
	{"GET", "/api/v1/codes/me/qr.svg", R(STAFF) | R(DEPT_HEAD) | R(OFFICE), 0, h_my_qr,
	 "codes.qr"},
	/* gates scan codes without signing in; the answer names no one */
	{"GET", "/api/v1/codes/verify", 0, ROUTE_PUBLIC, h_code_verify, "codes.verify"},
	{"GET", "/api/v1/dashboard", R(DEPT_HEAD) | R(OFFICE), 0, h_dashboard, "dashboard"},
	{"GET", "/api/v1/missing", R(DEPT_HEAD) | R(OFFICE), 0, h_missing, "missing"},
	{"GET", "/api/v1/alerts", R(DEPT_HEAD) | R(OFFICE), 0, h_alerts_list, "alerts.list"},
	{"POST", "/api/v1/alerts/{id}/ack", R(DEPT_HEAD) | R(OFFICE), 0, h_alert_ack, "alerts.ack"},
	{"GET", "/api/v1/webhooks", R(ADMIN), 0, h_webhooks_list, "webhooks.list"},
	{"POST", "/api/v1/webhooks", R(ADMIN), 0, h_webhook_create, "webhooks.create"},
	{"DELETE", "/api/v1/webhooks/{id}", R(ADMIN), 0, h_webhook_delete, "webhooks.delete"},
	{"GET", "/api/v1/deliveries", R(ADMIN) | R(OFFICE), 0, h_deliveries_list, "deliveries.list"},
	{"GET", "/api/v1/exports/daily", R(DEPT_HEAD) | R(OFFICE), 0, h_export_daily,
	 "exports.daily"},
	{"GET", "/api/v1/policies", ANY_ROLE, 0, h_policies_list, "policies.list"},

	/* case management (routes_cases.c) */
	{"POST", "/api/v1/subjects", R(OFFICIAL) | R(OFFICE), 0, h_subject_create, "subjects.create"},
	{"GET", "/api/v1/subjects/{id}", R(OFFICIAL) | R(OFFICE) | R(STAFF), 0, h_subject_get,
	 "subjects.get"},
	{"POST", "/api/v1/subjects/{id}/merge", R(OFFICIAL), 0, h_subject_merge, "subjects.merge"},
	{"POST", "/api/v1/cases", R(OFFICIAL), 0, h_case_create, "cases.create"},
	{"GET", "/api/v1/cases", R(OFFICIAL) | R(OFFICE), 0, h_cases_list, "cases.list"},
	{"GET", "/api/v1/cases/{id}", R(OFFICIAL) | R(OFFICE), 0, h_case_get, "cases.get"},
	{"POST", "/api/v1/cases/{id}/transitions", R(OFFICIAL), 0, h_case_transition,
	 "cases.transition"},
	{"POST", "/api/v1/cases/{id}/severity", R(OFFICIAL), 0, h_case_severity, "cases.severity"},
	{"POST", "/api/v1/cases/{id}/investigation", R(OFFICIAL), 0, h_case_investigation,
	 "cases.investigation"},
	{"POST", "/api/v1/cases/{id}/labs", R(OFFICIAL), 0, h_case_lab, "cases.labs"},
	{"GET", "/api/v1/cases/{id}/contacts", R(OFFICIAL) | R(OFFICE), 0, h_case_contacts,
	 "cases.contacts"},
	{"POST", "/api/v1/placements", R(OFFICIAL), 0, h_placement_create, "placements.create"},
	{"POST", "/api/v1/exposures", R(OFFICIAL), 0, h_exposure_create, "exposures.create"},
	{"GET", "/api/v1/observations", R(OFFICIAL) | R(OFFICE) | R(STAFF), 0, h_observations_list,
	 "observations.list"},
	{"GET", "/api/v1/observations/{id}", R(OFFICIAL) | R(OFFICE) | R(STAFF), 0,
	 h_observation_get, "observations.get"},
	{"POST", "/api/v1/observations/{id}/extend", R(OFFICIAL), 0, h_observation_extend,
	 "observations.extend"},
	{"POST", "/api/v1/observations/{id}/release", R(OFFICIAL), 0, h_observation_release,
	 "observations.release"},
	{"POST", "/api/v1/observations/{id}/followups", R(OFFICIAL) | R(OFFICE) | R(STAFF), 0,
	 h_followup_fill, "observations.followup"},
	{"GET", "/api/v1/followups/missed", R(OFFICIAL) | R(OFFICE), 0, h_followups_missed,
	 "followups.missed"},
	{"GET", "/api/v1/reviews", R(OFFICIAL) | R(OFFICE), 0, h_reviews_list, "reviews.list"},
	{"POST", "/api/v1/reviews/{id}/resolve", R(OFFICIAL), 0, h_review_resolve,
	 "reviews.resolve"},
	{"GET", "/api/v1/chains", R(OFFICIAL) | R(OFFICE) | R(ANALYST), 0, h_chains, "chains"},
	{"GET", "/api/v1/chains/serial-intervals", R(OFFICIAL) | R(ANALYST), 0, h_serial_intervals,
	 "chains.serial_intervals"},

	/* regional risk and return to work (routes_areas.c) */
	{"GET", "/api/v1/risk", ANY_ROLE, 0, h_risk_current, "risk.current"},
	{"GET", "/api/v1/risk/{code}/history", ANY_ROLE, 0, h_risk_history, "risk.history"},
	{"POST", "/api/v1/risk/overrides", R(OFFICIAL), 0, h_risk_override, "risk.override"},
	{"POST", "/api/v1/risk/grade", R(OFFICIAL), 0, h_risk_grade, "risk.grade"},
	{"GET", "/api/v1/series", ANY_ROLE, 0, h_series_list, "series.list"},
	{"POST", "/api/v1/series/import", R(OFFICIAL), ROUTE_SERIES_BODY | ROUTE_RAW_BODY,
	 h_series_import, "series.import"},
	{"GET", "/api/v1/response-levels", ANY_ROLE, 0, h_response_list, "response.list"},
	{"POST", "/api/v1/response-levels", R(OFFICIAL), 0, h_response_set, "response.set"},
	{"GET", "/api/v1/plans", R(OFFICE) | R(DEPT_HEAD), 0, h_plans_list, "plans.list"},
	{"POST", "/api/v1/plans", R(OFFICE) | R(DEPT_HEAD), 0, h_plan_submit, "plans.submit"},
	{"POST", "/api/v1/plans/{id}/decision", R(OFFICE), 0, h_plan_decide, "plans.decide"},
	{"GET", "/api/v1/return-to-work", R(OFFICE) | R(DEPT_HEAD), 0, h_return_to_work,
	 "return_to_work"},

	/* analytics over the series (routes_analytics.c): aggregates only */
	{"GET", "/api/v1/analytics/rt", R(OFFICIAL) | R(ANALYST) | R(OFFICE), 0, h_analytics_rt,
	 "analytics.rt"},
	{"GET", "/api/v1/analytics/detect", R(OFFICIAL) | R(ANALYST) | R(OFFICE) | R(DEPT_HEAD), 0,
	 h_analytics_detect, "analytics.detect"},
	{"POST", "/api/v1/analytics/detect/run", R(OFFICIAL) | R(OFFICE), 0, h_detect_run,
	 "analytics.detect_run"},
	{"GET", "/api/v1/analytics/signals", R(OFFICIAL) | R(ANALYST) | R(OFFICE) | R(DEPT_HEAD), 0,
	 h_signals_list, "analytics.signals"},
	{"POST", "/api/v1/analytics/signals/{id}/ack", R(OFFICIAL) | R(OFFICE) | R(DEPT_HEAD), 0,
	 h_signal_ack, "analytics.signal_ack"},
	/* SEIR fit and forecast of a region's series (routes_seir.c) */
	{"GET", "/api/v1/analytics/seir", R(OFFICIAL) | R(ANALYST) | R(OFFICE), ROUTE_OFFLOAD,
	 h_analytics_seir, "analytics.seir"},
};

const size_t http_routes_count = sizeof http_routes / sizeof http_routes[0];

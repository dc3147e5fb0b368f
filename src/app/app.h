/*
 * app.h -- app layer: the use cases of Fangkong, one function per thing a
 * user does.  HTTP handlers and CLI commands are thin: they parse, call
 * one app_ function with the acting user, and render the result.
 *
 * Every function here takes the actor and enforces the scope rules:
 *
 *   staff      their own person only
 *   dept_head  people in their department subtree (read)
 *   office     the whole organisation (read and write)
 *   official   people whose region code starts with their prefix (read)
 *   analyst    aggregates only, no personal records
 *   admin      users, settings and the audit log; no personal records
 *   cli        the operator at the machine (full access, audited as "cli")
 *
 * A record outside the actor's scope is reported as FK_ENOTFOUND, so its
 * existence does not leak.  Every read or write of a personal record
 * appends to the audit log in the same durable write before the data is
 * returned.  Errors come back as fk_err with err naming the field.
 */
#ifndef APP_H
#define APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fk_err.h"
#include "core/assess.h"
#include "core/policy.h"
#include "core/registry.h"
#include "core/report.h"
#include "store/store.h"

typedef struct app app_t;

struct app_options {
	int session_ttl_s;     /* session lifetime; 0 = 12 hours */
	int pwhash_ops;        /* Argon2id opslimit; 0 = libsodium INTERACTIVE */
	size_t pwhash_mem;     /* Argon2id memlimit; 0 = libsodium INTERACTIVE */
	int batch_max;         /* most write jobs per commit; 0 = the store's default */
};

/* Open the store at db, apply migrations, load region lists if the
 * regions table is empty.  Returns 0 or an fk_err with err filled. */
int app_open(const char *db, const struct app_options *opt, app_t **out,
	     struct fk_error *err) FK_MUST_CHECK;
void app_close(app_t *a);
store_t *app_store(app_t *a);

/* Who is acting.  Built by app_authenticate() or app_actor_cli(). */
typedef struct actor {
	user_t user;             /* the login (password_hash cleared) */
	bool cli;                /* the command line: full access */
	char address[64];        /* client address, or "cli" */
	char dept_path[256];     /* dept_head: path of their department */
	char csrf[SESSION_CSRF_LEN + 1]; /* session's CSRF token, "" for bearer/cli */
} actor_t;

void app_actor_cli(actor_t *out);

/* ---- sessions (auth.c) ---------------------------------------------- */

#define APP_TOKEN_LEN 43 /* base64url (no padding) of 32 random bytes */

/* Check username and password; on success create a session and put its
 * token in token_out and the CSRF token in csrf_out.  FK_EAUTH for a
 * wrong name or password or a disabled user (one message for all),
 * FK_ELIMIT when the name or address has failed too often lately
 * (*retry_after_s says when to try again). */
int app_login(app_t *a, const char *username, const char *password,
	      const char *address, char token_out[APP_TOKEN_LEN + 1],
	      char csrf_out[SESSION_CSRF_LEN + 1], actor_t *actor,
	      int *retry_after_s, struct fk_error *err) FK_MUST_CHECK;

/* Resolve a session token into an actor.  FK_EAUTH if the token is
 * malformed, unknown, expired, or its user disabled. */
int app_authenticate(app_t *a, const char *token, const char *address,
		     actor_t *out) FK_MUST_CHECK;

/* End the session of token. */
int app_logout(app_t *a, const actor_t *actor, const char *token) FK_MUST_CHECK;

/* Lifetime of a new session, seconds (--session-ttl-hours). */
int app_session_ttl(const app_t *a);

/* Constant-time compare of a presented CSRF token with the actor's. */
bool app_csrf_ok(const actor_t *actor, const char *presented);

/* Argon2id hash of a password into out (crypto_pwhash_STRBYTES). */
int app_password_hash(app_t *a, const char *password, char *out, size_t cap) FK_MUST_CHECK;

/* ---- users (users.c) ------------------------------------------------ */

/* Create a login.  u: username, role, person_id, region_prefix;
 * department names the dept_head's department (or NULL).  Admin or cli. */
int app_user_add(app_t *a, const actor_t *actor, user_t *u, const char *department,
		 const char *password, struct fk_error *err) FK_MUST_CHECK;
int app_user_list(app_t *a, const actor_t *actor, user_t **out, size_t *n) FK_MUST_CHECK;
int app_user_get(app_t *a, const actor_t *actor, int64_t id, user_t *out) FK_MUST_CHECK;
/* Change role/scope/disabled of an existing login (fields of u, by
 * u->id).  Disabling ends the user's sessions. */
int app_user_update(app_t *a, const actor_t *actor, user_t *u, const char *department,
		    struct fk_error *err) FK_MUST_CHECK;
/* Set a new password (ends the user's sessions). */
int app_user_passwd(app_t *a, const actor_t *actor, const char *username,
		    const char *password, struct fk_error *err) FK_MUST_CHECK;
int app_user_disable(app_t *a, const actor_t *actor, const char *username,
		     struct fk_error *err) FK_MUST_CHECK;

/* ---- people and departments (people.c) ------------------------------ */

int app_person_get(app_t *a, const actor_t *actor, const char *id, person_t *out,
		   struct fk_error *err) FK_MUST_CHECK;
/* People in the actor's scope, ids > after (or all), at most limit
 * (1..1000).  *next is set if more follow. */
int app_person_list(app_t *a, const actor_t *actor, const char *after, int limit,
		    person_t **out, size_t *n, bool *more) FK_MUST_CHECK;
/* Create p; p->department_id must name an existing department. */
int app_person_create(app_t *a, const actor_t *actor, person_t *p,
		      struct fk_error *err) FK_MUST_CHECK;
int app_person_update(app_t *a, const actor_t *actor, person_t *p,
		      struct fk_error *err) FK_MUST_CHECK;
int app_person_delete(app_t *a, const actor_t *actor, const char *id,
		      struct fk_error *err) FK_MUST_CHECK;
/* True if the actor's role may read personal records at all. */
bool app_may_read_people(const actor_t *actor);

int app_department_list(app_t *a, const actor_t *actor, department_t **out,
			size_t *n) FK_MUST_CHECK;
int app_department_get(app_t *a, const actor_t *actor, int64_t id, department_t *out,
		       struct fk_error *err) FK_MUST_CHECK;
int app_department_create(app_t *a, const actor_t *actor, department_t *d,
			  struct fk_error *err) FK_MUST_CHECK;
int app_department_update(app_t *a, const actor_t *actor, department_t *d,
			  struct fk_error *err) FK_MUST_CHECK;
int app_department_delete(app_t *a, const actor_t *actor, int64_t id,
			  struct fk_error *err) FK_MUST_CHECK;

/* ---- CSV import and export (csvio.c) -------------------------------- */

/* One problem in an import: 1-based data row (the header is row 1, so
 * the first person is row 2), the column and why. */
struct import_problem {
	long row;
	char column[32];
	char message[200];
};

struct import_report {
	long rows;                     /* data rows read */
	long imported;                 /* rows stored */
	long departments_created;
	struct import_problem *problems; /* caller frees with import_report_free */
	size_t n_problems;
	bool truncated;                /* more problems than were kept */
};

/* Import people from CSV text (header id,name,kind,department,phone,
 * community,region_code).  All rows or none unless partial is true, in
 * which case good rows are stored and bad ones reported.  Departments
 * are created by name.  Returns 0, FK_EINVAL (with rep listing every
 * bad row) or another fk_err. */
int app_people_import(app_t *a, const actor_t *actor, const char *csv, size_t len,
		      bool partial, struct import_report *rep,
		      struct fk_error *err) FK_MUST_CHECK;
void import_report_free(struct import_report *rep);

/* Write the people in the actor's scope as CSV (same header) into a
 * malloc'd buffer *out of *len bytes. */
int app_people_export(app_t *a, const actor_t *actor, char **out, size_t *len,
		      struct fk_error *err) FK_MUST_CHECK;

/* ---- regions (regions.c) -------------------------------------------- */

/* Load the built-in region lists (NBS 2023 and MCA 2019 codes) into the
 * store; codes already there are kept.  *loaded gets the count read. */
int app_regions_load(app_t *a, long *loaded, struct fk_error *err) FK_MUST_CHECK;

/* ---- audit and settings (app.c) ------------------------------------- */

int app_audit_list(app_t *a, const actor_t *actor, int64_t before, int limit,
		   audit_entry_t **out, size_t *n) FK_MUST_CHECK;

/* Audit that actor was shown these people (one durable write). */
int app_audit_people(app_t *a, const actor_t *actor, const char *action, const person_t *people,
		     size_t n, struct fk_error *err) FK_MUST_CHECK;

/* Append one entry for actor (inside a write job). */
int app_audit_tx(store_tx_t *tx, const actor_t *actor, const char *action,
		 const char *object_type, const char *object_id,
		 const char *detail) FK_MUST_CHECK;

/* Organisation settings an admin may change.  Known keys only. */
int app_setting_get(app_t *a, const actor_t *actor, const char *key, char *value,
		    size_t cap, struct fk_error *err) FK_MUST_CHECK;
int app_setting_put(app_t *a, const actor_t *actor, const char *key,
		    const char *value, struct fk_error *err) FK_MUST_CHECK;
/* The known setting keys, APP_SETTING_COUNT of them, then NULL. */
#define APP_SETTING_COUNT 5
extern const char *const app_setting_keys[APP_SETTING_COUNT + 1];
/* Seconds into the day of a time "HH:MM" (00:00..23:59), or -1. */
int app_hhmm_parse(const char *s);

/* ---- demo (demo.c) ---------------------------------------------------- */

struct demo_login {
	const char *username;
	const char *password;
	const char *role;
	const char *what;
};
extern const struct demo_login app_demo_logins[];

/* Fill an empty database with a demo institute: departments, ~300
 * people (some in Hubei, some students and postdocs) and the logins of
 * app_demo_logins.  FK_ECONFLICT if it already holds people. */
int app_demo_create(app_t *a, struct fk_error *err) FK_MUST_CHECK;

/* The demo's case series: the canghailan rows of Hubei and Beijing for
 * 2020 built into the binary (data/demo_series_hubei_beijing.csv),
 * imported as the source "canghailan" and graded over 2020 under the
 * default rule, so the risk and analytics pages have something to
 * show.  imp (free it with series_report_free) and grade say what was
 * done; errors as app_series_import and app_risk_grade. */
struct series_report;
struct grade_report;
int app_demo_series(app_t *a, struct series_report *imp, struct grade_report *grade,
		    struct fk_error *err) FK_MUST_CHECK;

/* Current Unix time (seconds). */
int64_t app_now(void);

/* ---- dates ------------------------------------------------------------- */

/* Today in China Standard Time (day number, core/date.h). */
int32_t app_today(void);

/* ---- policies (policies.c) ----------------------------------------------- */

/* The policy in force on date (NULL if none: before 2020-01-24). */
const policy_t *app_policy_for(app_t *a, int32_t date);
/* All loaded policies, oldest first. */
const policy_t *app_policies(app_t *a, size_t *n);

/* ---- daily reports (reports.c) ------------------------------------------- */

struct report_result {
	report_rec_t rec;          /* the stored version */
	assessment_t assessment;
	health_code_t code;        /* the person's code after this report */
	bool replayed;             /* same request_id as before: nothing new stored */
};

/*
 * Submit r.  r->person_id "" means the caller's own person; date_given
 * false means today (CST).  Staff may report today or yesterday for
 * themselves; the office any day up to today, for anyone (recorded as
 * on behalf).  Assesses under the policy of r->date, stores report,
 * assessment, data-quality flags, an alert (red or yellow) with its
 * webhook deliveries, and the audit entry, in one durable write.
 */
int app_report_submit(app_t *a, const actor_t *actor, report_t *r, bool date_given,
		      struct report_result *out, struct fk_error *err) FK_MUST_CHECK;
int app_report_get(app_t *a, const actor_t *actor, int64_t id, report_rec_t *out,
		   struct fk_error *err) FK_MUST_CHECK;
/* Current reports in the actor's scope matching q (q's scope fields
 * are narrowed here).  *more if another page follows. */
int app_report_list(app_t *a, const actor_t *actor, struct report_query *q, report_rec_t **out,
		    size_t *n, bool *more) FK_MUST_CHECK;
/* A person's last `days` days of reports (current versions, newest
 * last) and their health code today. */
int app_report_history(app_t *a, const actor_t *actor, const char *person_id, int days,
		       report_rec_t **out, size_t *n, health_code_t *code,
		       struct fk_error *err) FK_MUST_CHECK;
/* Health code of a person on date (in scope). */
int app_health_code(app_t *a, const actor_t *actor, const char *person_id, int32_t date,
		    health_code_t *out, struct fk_error *err) FK_MUST_CHECK;
/* People in scope without a report for date (dept_head, office). */
int app_missing(app_t *a, const actor_t *actor, int32_t date, const char *after, int limit,
		person_t **out, size_t *n, bool *more) FK_MUST_CHECK;

struct dashboard {
	int32_t date;
	int64_t people, reported, green, yellow, red;
	int64_t on_time;            /* first report by the cut-off */
	int cutoff_minutes;         /* the cut-off, minutes after midnight CST */
	struct dash_department *departments;
	size_t n_departments;
	struct dash_place places[3];
	size_t n_places;
	struct dash_day *trend;     /* 30 days ending at date */
	size_t n_trend;
};
int app_dashboard(app_t *a, const actor_t *actor, int32_t date, struct dashboard *out) FK_MUST_CHECK;
void dashboard_free(struct dashboard *d);

/* Where a region code is relative to the organisation's city (setting
 * org_region): "hubei", "city" or "outside". */
const char *app_place_of(app_t *a, const char *region_code);

/* ---- alerts (reports.c) --------------------------------------------------- */

int app_alert_list(app_t *a, const actor_t *actor, struct alert_query *q, alert_t **out,
		   size_t *n, bool *more) FK_MUST_CHECK;
/* Acknowledge ack->id with its follow-up fields (clinic_visited,
 * community_informed, result, follow_up).  Office, or the head of the
 * person's department. */
int app_alert_ack(app_t *a, const actor_t *actor, alert_t *ack, struct fk_error *err) FK_MUST_CHECK;

/* ---- notifications: webhooks, deliveries, reminders (notify.c) ------------ */

/* Queue the deliveries of an alert to every enabled webhook that takes
 * "alert" events, inside the report's write job.  Never blocks. */
int app__notify_alert(store_tx_t *tx, const alert_t *al) FK_MUST_CHECK;
/* Start/stop the background delivery and reminder thread (serve only). */
int app_notify_start(app_t *a) FK_MUST_CHECK;
void app_notify_stop(app_t *a);
int app_webhook_list(app_t *a, const actor_t *actor, webhook_t **out, size_t *n) FK_MUST_CHECK;
int app_webhook_create(app_t *a, const actor_t *actor, webhook_t *w, struct fk_error *err) FK_MUST_CHECK;
int app_webhook_delete(app_t *a, const actor_t *actor, int64_t id, struct fk_error *err) FK_MUST_CHECK;
int app_delivery_list(app_t *a, const actor_t *actor, int64_t before, int limit,
		      delivery_t **out, size_t *n) FK_MUST_CHECK;

/* ---- exports (exports.c) --------------------------------------------------- */

/* The daily table an office sends upward: from..to, by "person" or
 * "department", as "csv" or "xlsx", into a malloc'd buffer. */
int app_export_daily(app_t *a, const actor_t *actor, int32_t from, int32_t to, const char *by,
		     const char *format, char **out, size_t *len, struct fk_error *err) FK_MUST_CHECK;

/* ---- health-code tokens and QR (codes.c) ---- */

/*
 * The personal health code shown as a QR code holds a signed token, so a
 * gate can check the colour without a login and without learning who is
 * standing there.  Token version 1 is base64url (no padding) of 90
 * bytes, APP_CODE_TOKEN_LEN characters, small enough for a version 7
 * QR code (45 modules) at error correction level M:
 *
 *   offset  bytes  field
 *        0      1  version (1)
 *        1      1  colour (enum status: 0 green, 1 yellow, 2 red)
 *        2      4  issued_at, Unix seconds, unsigned big-endian (to 2106)
 *        6      4  expires_at = issued_at + APP_CODE_TTL_S, likewise
 *       10      8  nonce, random
 *       18      8  person reference: first 8 bytes of BLAKE2b-256 of the
 *                  person id keyed with a secret of its own, so the same
 *                  person always gets the same reference and nobody
 *                  without the database can tell whose it is
 *       26     64  Ed25519 signature of "fangkong/health-code/v1\0"
 *                  followed by bytes 0..25
 *
 * The signing key and the pseudonym key are made on first use and kept
 * in the settings table under internal names that app_setting_get() and
 * app_setting_put() refuse, so no API reads or replaces them.  A copy of
 * the database can forge tokens: guard it as the personal data it holds.
 */
#define APP_CODE_TTL_S 300       /* a token's lifetime: a screenshot goes stale */
#define APP_CODE_SKEW_S 60       /* issued_at may be this far ahead of a verifier's clock */
#define APP_CODE_TOKEN_LEN 120   /* characters, without the NUL */
#define APP_QR_TEXT_MAX 1024     /* longest text app_code_qr_svg() encodes (bytes) */

/* What a gate learns from a token.  Nothing in it names the person. */
struct code_check {
	bool valid;             /* signed by this database's key and not expired */
	enum status colour;     /* the colour if valid; STATUS_RED otherwise (fail closed) */
	int64_t expires_at;     /* when it stops being valid, once the signature
				 * checked out (also for "expired"), else 0 */
	const char *reason;     /* static text: "ok", "malformed" (not a version-1
				 * token), "bad_signature" (not made with this
				 * database's key, or altered), "expired",
				 * "not_yet_valid" (issued more than APP_CODE_SKEW_S
				 * after now) */
};

/*
 * Make a token for person_id's code (only code->colour is carried),
 * issued at now, into out (cap >= APP_CODE_TOKEN_LEN + 1), NUL-ended.
 * The caller has checked that the actor may see this person's code.
 * Creates the keys on first use (one durable write; concurrent first
 * uses, in this process or another, end with one key).  FK_EINVAL for
 * an empty or over-long person id, an unknown colour or a small cap;
 * FK_EIO if the store fails or holds a damaged key.  Thread-safe.
 */
int app_code_token(app_t *a, const char *person_id, const health_code_t *code, int64_t now,
		   char *out, size_t cap) FK_MUST_CHECK;

/*
 * Check token (untrusted text, any length, NULL allowed) at Unix time
 * now and fill *out.  A bad token is not an error: the call returns 0
 * with out->valid false and out->reason saying why.  Nothing in the
 * token is believed before its signature is checked; never writes
 * (a database without keys finds every token "bad_signature").
 * Returns FK_EIO only if the store cannot be read or its key is
 * damaged.  Thread-safe.
 */
int app_code_verify(app_t *a, const char *token, int64_t now, struct code_check *out) FK_MUST_CHECK;

/*
 * text (at most APP_QR_TEXT_MAX bytes) as a QR code (libqrencode, ECC
 * level M, 8-bit mode) drawn in SVG: a white square with a quiet zone of
 * 4 modules, one <path> of the dark modules, viewBox in modules, 6 px a
 * module by default, shape-rendering="crispEdges", presentation
 * attributes only (no style, so it passes a CSP without 'unsafe-inline').
 * *svg is malloc'd and NUL-ended, *len bytes without the NUL; the caller
 * frees it with free().  Serve as image/svg+xml.  FK_EINVAL for empty
 * text, FK_ETOOBIG if it is too long, FK_ENOMEM.  Thread-safe.
 */
int app_code_qr_svg(const char *text, char **svg, size_t *len) FK_MUST_CHECK;

#endif

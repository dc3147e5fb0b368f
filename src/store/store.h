/*
 * store.h -- store layer: the only interface to persistence.
 *
 * Everything Fangkong keeps goes through these typed functions; no other
 * layer speaks SQL.  A store is opened on a URL-ish location:
 *
 *     "fangkong.db" or "sqlite:fangkong.db"   embedded SQLite (default)
 *
 * and the backend is chosen by an ops table (store_impl.h), so a
 * PostgreSQL driver slots in without touching app/ or http/.
 *
 * Reads (store_<noun>_<verb>) may be called from any thread at any time
 * and see every write committed before they start, in this process or
 * another one (the CLI writing while the server runs).
 *
 * Writes happen only inside a write job.  store_write() queues a job for
 * the store's single writer thread, which runs queued jobs back to back
 * in one transaction -- each job inside its own savepoint, so a job that
 * fails leaves nothing behind while its neighbours commit -- and then
 * commits the batch with one durable sync (group commit).  store_write()
 * returns only after the batch holding the job is durable, so an
 * acknowledged write survives a crash (docs/storage.md says exactly what
 * survives what).  Job functions run on the writer thread: they must not
 * block, and must not call store_write().
 *
 * Ownership: list functions return arrays the caller frees with free().
 * Strings inside returned structs are fixed buffers.  Thread safety:
 * every function is safe to call concurrently, except store_close().
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/fk_err.h"
#include "../core/assess.h"
#include "../core/registry.h"
#include "../core/report.h"

typedef struct store store_t;
typedef struct store_tx store_tx_t;

struct store_options {
	int batch_max;       /* most jobs in one commit; 0 = 512 */
	int busy_timeout_ms; /* wait for another process's lock; 0 = 5000 */
};

/* Open (creating the file if absent) and start the writer thread.
 * Does not migrate.  Returns 0, FK_EINVAL (unknown scheme) or FK_EIO
 * with err saying why. */
int store_open(const char *location, const struct store_options *opt,
	       store_t **out, struct fk_error *err) FK_MUST_CHECK;

/* Drain every queued write, stop the writer and close.  NULL is fine. */
void store_close(store_t *s);

/* Apply pending numbered migrations.  *from and *to get the schema
 * versions before and after (either may be NULL). */
int store_migrate(store_t *s, int *from, int *to, struct fk_error *err) FK_MUST_CHECK;

/* Current schema version and the newest this build knows. */
int store_schema_version(store_t *s, int *current, int *latest) FK_MUST_CHECK;

/* Name of the backend ("sqlite"). */
const char *store_backend(const store_t *s);

/* A write job: do all the job's writes through tx; return 0 to keep
 * them or an fk_err to roll them back (fill err to say why). */
typedef int (*store_job_fn)(store_tx_t *tx, void *arg, struct fk_error *err);

/* Queue fn for the writer and wait until its batch is durable.  Returns
 * what fn returned, FK_EIO if the commit failed (nothing kept), or
 * FK_EBUSY once the store is closing. */
int store_write(store_t *s, store_job_fn fn, void *arg,
		struct fk_error *err) FK_MUST_CHECK;

/* Writer figures for /metrics. */
#define STORE_BATCH_BUCKETS 8 /* batch sizes <=1,2,4,8,16,64,256,+Inf */
struct store_stats {
	uint64_t queue_depth;        /* jobs waiting now */
	uint64_t batches;            /* commits so far */
	uint64_t jobs;               /* jobs run so far */
	uint64_t failed_commits;
	uint64_t batch_size_le[STORE_BATCH_BUCKETS]; /* cumulative counts */
};
extern const int store_batch_bounds[STORE_BATCH_BUCKETS - 1];
void store_stats_get(store_t *s, struct store_stats *out);

/* ---- regions (GB/T 2260 codes, loaded at init) ---------------------- */

typedef struct region {
	char code[REGION_CODE_LEN + 1];
	char name[128];
	char level[12];               /* province, city, county */
	char parent_code[REGION_CODE_LEN + 1]; /* "" for a province */
	char source[16];              /* nbs2023 or mca2019 */
} region_t;

int store_region_get(store_t *s, const char *code, region_t *out) FK_MUST_CHECK;
int store_region_count(store_t *s, int64_t *out) FK_MUST_CHECK;
/* Insert or keep (a code already present is left as it is). */
int store_tx_region_put(store_tx_t *tx, const region_t *r) FK_MUST_CHECK;

/* ---- departments ---------------------------------------------------- */

int store_department_get(store_t *s, int64_t id, department_t *out) FK_MUST_CHECK;
int store_department_find(store_t *s, const char *name, department_t *out) FK_MUST_CHECK;
/* All departments in tree order (by path). */
int store_department_list(store_t *s, department_t **out, size_t *n) FK_MUST_CHECK;

int store_tx_department_get(store_tx_t *tx, int64_t id, department_t *out) FK_MUST_CHECK;
int store_tx_department_find(store_tx_t *tx, const char *name, department_t *out) FK_MUST_CHECK;
/* Insert d (name, parent_id); sets d->id and d->path.  FK_ECONFLICT on a
 * duplicate name, FK_EINVAL (field parent_id) for a missing parent. */
int store_tx_department_insert(store_tx_t *tx, department_t *d, struct fk_error *err) FK_MUST_CHECK;
/* Rename and/or move d->id under d->parent_id, rewriting the subtree's
 * paths.  FK_EINVAL if that would make a cycle. */
int store_tx_department_update(store_tx_t *tx, department_t *d, struct fk_error *err) FK_MUST_CHECK;
/* FK_ECONFLICT if it still has people, users or child departments. */
int store_tx_department_delete(store_tx_t *tx, int64_t id, struct fk_error *err) FK_MUST_CHECK;

/* ---- people --------------------------------------------------------- */

/* Which people a list may return: the caller's scope and filters. */
struct person_query {
	const char *dept_path;     /* only this department subtree, or NULL */
	const char *region_prefix; /* only region codes with this prefix, or NULL */
	const char *person_id;     /* only this person, or NULL */
	const char *after_id;      /* keyset paging: ids > after_id, or NULL */
	int limit;                 /* 1..1000; 0 = no limit */
};

int store_person_get(store_t *s, const char *id, person_t *out) FK_MUST_CHECK;
int store_person_list(store_t *s, const struct person_query *q,
		      person_t **out, size_t *n) FK_MUST_CHECK;
/* Path of the person's department ("/1/4/"), for scope checks. */
int store_person_dept_path(store_t *s, const char *id, char *path, size_t cap) FK_MUST_CHECK;

int store_tx_person_get(store_tx_t *tx, const char *id, person_t *out) FK_MUST_CHECK;
/* FK_ECONFLICT if the id exists. */
int store_tx_person_insert(store_tx_t *tx, const person_t *p, int64_t now, struct fk_error *err) FK_MUST_CHECK;
int store_tx_person_update(store_tx_t *tx, const person_t *p, int64_t now, struct fk_error *err) FK_MUST_CHECK;
/* FK_ECONFLICT while a login or later record refers to the person. */
int store_tx_person_delete(store_tx_t *tx, const char *id, struct fk_error *err) FK_MUST_CHECK;
int store_tx_region_exists(store_tx_t *tx, const char *code, bool *out) FK_MUST_CHECK;

/* ---- users and sessions --------------------------------------------- */

int store_user_get(store_t *s, int64_t id, user_t *out) FK_MUST_CHECK;
int store_user_find(store_t *s, const char *username, user_t *out) FK_MUST_CHECK;
int store_user_list(store_t *s, user_t **out, size_t *n) FK_MUST_CHECK;
int store_user_count(store_t *s, int64_t *out) FK_MUST_CHECK;

int store_tx_user_find(store_tx_t *tx, const char *username, user_t *out) FK_MUST_CHECK;
/* Sets u->id.  FK_ECONFLICT on a taken username. */
int store_tx_user_insert(store_tx_t *tx, user_t *u, int64_t now, struct fk_error *err) FK_MUST_CHECK;
/* Role, scope, disabled flag and password hash of u->id. */
int store_tx_user_update(store_tx_t *tx, const user_t *u, struct fk_error *err) FK_MUST_CHECK;

#define SESSION_HASH_LEN 32
#define SESSION_CSRF_LEN 43 /* base64url of 32 bytes */
typedef struct session {
	uint8_t token_hash[SESSION_HASH_LEN]; /* BLAKE2b of the token */
	int64_t user_id;
	char csrf[SESSION_CSRF_LEN + 1];
	char address[64];
	int64_t created_at;
	int64_t expires_at;
} session_t;

/* FK_ENOTFOUND if absent or expired at `now`. */
int store_session_get(store_t *s, const uint8_t hash[SESSION_HASH_LEN],
		      int64_t now, session_t *out) FK_MUST_CHECK;
int store_tx_session_insert(store_tx_t *tx, const session_t *se) FK_MUST_CHECK;
int store_tx_session_delete(store_tx_t *tx, const uint8_t hash[SESSION_HASH_LEN]) FK_MUST_CHECK;
/* Every session of a user (password change, disable). */
int store_tx_session_delete_user(store_tx_t *tx, int64_t user_id) FK_MUST_CHECK;
int store_tx_session_purge(store_tx_t *tx, int64_t now) FK_MUST_CHECK;

/* ---- audit ---------------------------------------------------------- */

typedef struct audit_entry {
	int64_t id;
	int64_t at;                  /* Unix seconds */
	int64_t user_id;             /* 0 for the command line */
	char username[USERNAME_MAX + 8];
	char role[16];
	char address[64];            /* client address, or "cli" */
	char action[16];             /* read, list, create, update, delete, login, logout, import, export */
	char object_type[16];        /* person, department, user, session, audit, setting */
	char object_id[64];
	char detail[1024];           /* e.g. ids a list returned */
} audit_entry_t;

int store_tx_audit_append(store_tx_t *tx, const audit_entry_t *a) FK_MUST_CHECK;
/* Newest first, ids < before (0 = from the newest), at most limit. */
int store_audit_list(store_t *s, int64_t before, int limit,
		     audit_entry_t **out, size_t *n) FK_MUST_CHECK;

/* ---- settings (organisation-wide key/value) ------------------------- */

#define SETTING_VALUE_MAX 512
/* FK_ENOTFOUND if unset. */
int store_setting_get(store_t *s, const char *key, char *value, size_t cap) FK_MUST_CHECK;
int store_tx_setting_put(store_tx_t *tx, const char *key, const char *value, int64_t now) FK_MUST_CHECK;

/* ---- daily health reports -------------------------------------------- */

#define STORE_ASSESSMENT_MAX 6144

/* One stored version of a daily report, with its assessment. */
typedef struct report_rec {
	report_t r;                    /* r.id is this version's id */
	int version;                   /* 1, 2, ... per person and day */
	bool current;                  /* the version in force for that day */
	int64_t submitted_by;          /* users.id, 0 for the command line */
	char submitted_by_name[USERNAME_MAX + 8];
	bool on_behalf;                /* submitted by someone else (the office) */
	int64_t created_at;            /* Unix seconds */
	enum status status;
	char rule[32];                 /* assessment rule that decided */
	char policy_version[POLICY_VERSION_MAX];
	char assessment[STORE_ASSESSMENT_MAX]; /* JSON made by app/: actions, reasons */
	enum status health_code;       /* code colour when submitted */
	int32_t observation_end;       /* 0 if none */
	char place[12];                /* hubei, outside, city */
	char flags[96];                /* data-quality flags, comma separated */
	/* joined on reads */
	char person_name[PERSON_NAME_BUF];
	int64_t department_id;
	char department[DEPARTMENT_NAME_BUF];
} report_rec_t;

struct report_query {
	int32_t from, to;          /* dates, inclusive; 0 = open */
	const char *dept_path;     /* department subtree, or NULL */
	const char *region_prefix; /* person region prefix, or NULL */
	const char *person_id;     /* one person, or NULL */
	int status;                /* enum status, or -1 for any */
	bool flagged_only;         /* only reports with data-quality flags */
	int64_t after_id;          /* keyset paging: ids > after_id */
	int limit;                 /* 1..1000; 0 = no limit */
};

int store_report_get(store_t *s, int64_t id, report_rec_t *out) FK_MUST_CHECK;
/* Current versions matching q, by id. */
int store_report_list(store_t *s, const struct report_query *q, report_rec_t **out,
		      size_t *n) FK_MUST_CHECK;
/* Every version of one person's day, oldest first. */
int store_report_versions(store_t *s, const char *person_id, int32_t date,
			  report_rec_t **out, size_t *n) FK_MUST_CHECK;
int store_tx_report_versions(store_tx_t *tx, const char *person_id, int32_t date,
			     report_rec_t **out, size_t *n) FK_MUST_CHECK;
/* Current versions of a person's reports with from <= date <= to,
 * ascending by date (reads, and inside a job with the tx_ form). */
int store_report_recent(store_t *s, const char *person_id, int32_t from, int32_t to,
			report_rec_t **out, size_t *n) FK_MUST_CHECK;
int store_tx_report_recent(store_tx_t *tx, const char *person_id, int32_t from, int32_t to,
			   report_rec_t **out, size_t *n) FK_MUST_CHECK;
/* The version submitted with request_id by/for person, FK_ENOTFOUND. */
int store_tx_report_by_request(store_tx_t *tx, const char *person_id, const char *request_id,
			       report_rec_t *out) FK_MUST_CHECK;
/* Store rec as the new current version of (person, date): the previous
 * current version (if any) is kept as history; daily counts move with
 * it.  Sets rec->r.id and rec->version.  department_id is the person's
 * department, counted in the daily aggregates. */
int store_tx_report_insert(store_tx_t *tx, report_rec_t *rec, int64_t department_id,
			   struct fk_error *err) FK_MUST_CHECK;
/* Reports stored by a submitter since a Unix time (burst detection). */
int store_tx_report_count_by_submitter(store_tx_t *tx, int64_t user_id, int64_t since,
				       int64_t *out) FK_MUST_CHECK;

/* People in scope (q: dept_path/region_prefix/person_id, after_id,
 * limit) with no report for date. */
int store_missing(store_t *s, int32_t date, const struct person_query *q, person_t **out,
		  size_t *n) FK_MUST_CHECK;

/* ---- dashboard aggregates (kept per department, day, place, status) -- */

struct dash_department {
	int64_t department_id;
	char department[DEPARTMENT_NAME_BUF];
	char path[256];
	int64_t people;                 /* registered now */
	int64_t reported, green, yellow, red;
	int64_t on_time;                /* first report by the cut-off (store_dash_on_time) */
};
struct dash_place {
	char place[12];                 /* hubei, outside, city */
	int64_t reported, green, yellow, red;
};
struct dash_day {
	int32_t date;
	int64_t reported, green, yellow, red;
};

/* Per department of the subtree dept_path (NULL: all), for date: each
 * row counts the department's own people and the reports filed under
 * it (not its sub-departments').  A report stays with the department
 * the person was in when it was filed. */
int store_dash_departments(store_t *s, int32_t date, const char *dept_path,
			   struct dash_department **out, size_t *n) FK_MUST_CHECK;
/* Fill deps[i].on_time: people of each department whose first report
 * for date was stored at or before the Unix time cutoff. */
int store_dash_on_time(store_t *s, int32_t date, int64_t cutoff, struct dash_department *deps,
		       size_t n) FK_MUST_CHECK;
/* Per place, for date, over the whole subtree. *n is at most 3. */
int store_dash_places(store_t *s, int32_t date, const char *dept_path, struct dash_place out[3],
		      size_t *n) FK_MUST_CHECK;
/* Per day from..to (every day present, zeros included). */
int store_dash_trend(store_t *s, int32_t from, int32_t to, const char *dept_path,
		     struct dash_day **out, size_t *n) FK_MUST_CHECK;

/* ---- alerts ------------------------------------------------------------ */

typedef struct alert {
	int64_t id;
	int64_t report_id;
	char person_id[PERSON_ID_MAX + 1];
	char person_name[PERSON_NAME_BUF];  /* reads */
	int64_t department_id;
	char department[DEPARTMENT_NAME_BUF]; /* reads */
	int32_t date;
	enum status status;
	char rule[32];
	char reason[448];
	int64_t created_at;
	char acked_by[USERNAME_MAX + 8];    /* "" while open */
	int64_t acked_at;
	int clinic_visited;                 /* 1 yes, 0 no, -1 not said */
	int community_informed;             /* 1 yes, 0 no, -1 not said */
	char result[REPORT_NOTE_BUF];       /* clinic result */
	char follow_up[REPORT_NOTE_BUF];    /* note */
} alert_t;

struct alert_query {
	const char *dept_path;   /* subtree, or NULL */
	bool open_only;
	int32_t date;            /* 0 = any */
	int64_t after_id;
	int limit;
};

int store_alert_get(store_t *s, int64_t id, alert_t *out) FK_MUST_CHECK;
int store_alert_list(store_t *s, const struct alert_query *q, alert_t **out,
		     size_t *n) FK_MUST_CHECK;
/* Sets a->id. */
int store_tx_alert_insert(store_tx_t *tx, alert_t *a) FK_MUST_CHECK;
/* Record the acknowledgement fields of a (by a->id); FK_ECONFLICT if
 * already acknowledged. */
int store_tx_alert_ack(store_tx_t *tx, const alert_t *a) FK_MUST_CHECK;

/* ---- webhooks and their delivery log ------------------------------------ */

typedef struct webhook {
	int64_t id;
	char name[65];
	char kind[12];        /* generic, wecom, dingtalk */
	char url[513];
	char events[64];      /* comma list: alert, reminder */
	bool enabled;
	int64_t created_at;
} webhook_t;

#define DELIVERY_PAYLOAD_MAX 16384
typedef struct delivery {
	int64_t id;
	int64_t webhook_id;
	char webhook_name[65];     /* reads */
	char url[513];             /* reads */
	char kind[12];             /* reads: the webhook's kind */
	char event[32];
	char payload[DELIVERY_PAYLOAD_MAX];
	char state[12];            /* pending, delivered, failed */
	int attempts;
	int64_t next_at;           /* when to try next (Unix seconds) */
	int last_status;           /* HTTP status of the last try, 0 none */
	char last_error[256];
	int64_t created_at;
	int64_t delivered_at;
} delivery_t;

int store_webhook_list(store_t *s, webhook_t **out, size_t *n) FK_MUST_CHECK;
int store_tx_webhook_list(store_tx_t *tx, webhook_t **out, size_t *n) FK_MUST_CHECK;
/* Sets w->id; FK_ECONFLICT on a duplicate name. */
int store_tx_webhook_insert(store_tx_t *tx, webhook_t *w, struct fk_error *err) FK_MUST_CHECK;
/* Retire a webhook: it stops receiving, its delivery log stays.
 * FK_ENOTFOUND if there is no such live webhook. */
int store_tx_webhook_delete(store_tx_t *tx, int64_t id) FK_MUST_CHECK;
/* Queue one delivery (state pending); sets d->id. */
int store_tx_delivery_insert(store_tx_t *tx, delivery_t *d) FK_MUST_CHECK;
/* Pending deliveries with next_at <= now, oldest first. */
int store_delivery_due(store_t *s, int64_t now, int limit, delivery_t **out,
		       size_t *n) FK_MUST_CHECK;
/* Record a try: state, attempts, next_at, last_status, last_error,
 * delivered_at of d (by d->id). */
int store_tx_delivery_update(store_tx_t *tx, const delivery_t *d) FK_MUST_CHECK;
/* Newest first, ids < before (0: from the newest). */
int store_delivery_list(store_t *s, int64_t before, int limit, delivery_t **out,
			size_t *n) FK_MUST_CHECK;

/* Claim the reminder of (date, department): FK_ECONFLICT if one was
 * already sent. */
int store_tx_reminder_claim(store_tx_t *tx, int32_t date, int64_t department_id,
			    int64_t missing, int64_t now) FK_MUST_CHECK;

#endif

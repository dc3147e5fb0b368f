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
#include "../core/epi.h"
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
/* Regions whose code starts with q or whose name holds q: provinces,
 * then cities, then counties, each by code; at most limit (1..100). */
int store_region_search(store_t *s, const char *q, int limit, region_t **out,
			size_t *n) FK_MUST_CHECK;
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
/* A setting as the job sees it (its own writes included). */
int store_tx_setting_get(store_tx_t *tx, const char *key, char *value, size_t cap) FK_MUST_CHECK;

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

/* ---- cases, exposures, medical observation (case management) -------- */

#define SUBJECT_ID_HASH_HEX 64
#define FACILITY_BUF 257
#define BY_BUF (USERNAME_MAX + 8)

/* A person in case management: one of the organisation's people
 * (person_id set) or an external person.  Never the raw ID number: its
 * keyed hash only. */
typedef struct subject {
	int64_t id;
	char person_id[PERSON_ID_MAX + 1];      /* "" for an external person */
	char name[PERSON_NAME_BUF];
	char phone[PHONE_BUF];
	char id_hash[SUBJECT_ID_HASH_HEX + 1];  /* hex, "" if no ID number given */
	char region_code[REGION_CODE_LEN + 1];  /* where they live */
	int64_t merged_into;                    /* 0, or the subject that replaced it */
	int64_t created_at;
} subject_t;

int store_subject_get(store_t *s, int64_t id, subject_t *out) FK_MUST_CHECK;
int store_subject_by_person(store_t *s, const char *person_id, subject_t *out) FK_MUST_CHECK;
int store_tx_subject_get(store_tx_t *tx, int64_t id, subject_t *out) FK_MUST_CHECK;
int store_tx_subject_by_person(store_tx_t *tx, const char *person_id, subject_t *out) FK_MUST_CHECK;
/* Live (not merged) subjects with the same id_hash (if set), or the same
 * name and phone (if phone set), other than s->id. */
int store_tx_subject_duplicates(store_tx_t *tx, const subject_t *sub, subject_t **out,
				size_t *n) FK_MUST_CHECK;
/* Sets sub->id.  FK_ECONFLICT if person_id already has a subject. */
int store_tx_subject_insert(store_tx_t *tx, subject_t *sub) FK_MUST_CHECK;
/* Move every case, exposure, observation, placement and review of
 * `from` to `into` and mark `from` merged (history kept). */
int store_tx_subject_merge(store_tx_t *tx, int64_t from, int64_t into) FK_MUST_CHECK;

typedef struct case_rec {
	int64_t id;
	int64_t subject_id;
	enum case_class classification;
	int32_t class_date;                     /* date of the last classification */
	enum severity severity;
	int32_t severity_date;
	struct case_dates dates;                /* onset, sampling, report, diagnosis, isolation */
	int64_t detected_at;                    /* Unix time the case was found */
	int64_t reported_at;                    /* Unix time it was reported (registered) */
	int64_t investigated_at;                /* 0 until the investigation is done */
	char facility[FACILITY_BUF];            /* treating facility */
	bool imported;                          /* 境外输入 */
	char region_code[REGION_CODE_LEN + 1];  /* jurisdiction of the case */
	char created_by[BY_BUF];
	int64_t created_at;
	/* joined on reads */
	char name[PERSON_NAME_BUF];
	char person_id[PERSON_ID_MAX + 1];
} case_rec_t;

struct case_query {
	const char *region_prefix;   /* cases of this jurisdiction, or NULL */
	bool own_people_only;        /* only subjects that are the organisation's people */
	int64_t subject_id;          /* one subject, or 0 */
	int classification;          /* enum case_class, or -1 */
	int overdue;                 /* 0; 1: report over 2 h after detection;
					2: not investigated 24 h after report */
	int64_t now;                 /* for overdue */
	int64_t after_id;
	int limit;
};

int store_case_get(store_t *s, int64_t id, case_rec_t *out) FK_MUST_CHECK;
int store_tx_case_get(store_tx_t *tx, int64_t id, case_rec_t *out) FK_MUST_CHECK;
int store_case_list(store_t *s, const struct case_query *q, case_rec_t **out,
		    size_t *n) FK_MUST_CHECK;
int store_tx_cases_of_subject(store_tx_t *tx, int64_t subject_id, case_rec_t **out,
			      size_t *n) FK_MUST_CHECK;
/* Sets c->id. */
int store_tx_case_insert(store_tx_t *tx, case_rec_t *c) FK_MUST_CHECK;
/* Classification, severity, dates, investigated_at, facility, imported of c->id. */
int store_tx_case_update(store_tx_t *tx, const case_rec_t *c) FK_MUST_CHECK;

typedef struct case_event {
	int64_t id;
	int64_t case_id;
	int64_t at;                  /* Unix time recorded */
	int32_t date;                /* the date it took effect */
	char kind[16];               /* classification, severity, investigation, dates */
	char from_value[32];
	char to_value[32];
	char by[BY_BUF];
	char reason[REPORT_NOTE_BUF];
} case_event_t;

int store_tx_case_event_insert(store_tx_t *tx, case_event_t *e) FK_MUST_CHECK;
int store_case_events(store_t *s, int64_t case_id, case_event_t **out, size_t *n) FK_MUST_CHECK;

typedef struct lab_test {
	int64_t id;
	int64_t case_id;
	char kind[16];               /* rt_pcr, igm, igg, sequencing */
	int32_t sample_date;
	char result[12];             /* positive, negative, pending */
	int32_t result_date;         /* 0 while pending */
	char by[BY_BUF];
	int64_t created_at;
} lab_test_t;

int store_tx_lab_insert(store_tx_t *tx, lab_test_t *t) FK_MUST_CHECK;
int store_labs_of_case(store_t *s, int64_t case_id, lab_test_t **out, size_t *n) FK_MUST_CHECK;

typedef struct placement {
	int64_t id;
	int64_t subject_id;
	int64_t case_id;             /* 0 for a contact's placement */
	enum placement_category category; /* confirmed, suspected, fever, contact (R5.2) */
	char place_type[24];         /* designated_hospital, centralised_isolation, home, fever_clinic */
	char facility[FACILITY_BUF];
	int32_t start_date;
	int32_t end_date;            /* 0 while placed */
	char by[BY_BUF];
	int64_t created_at;
} placement_t;

int store_tx_placement_insert(store_tx_t *tx, placement_t *p) FK_MUST_CHECK;
int store_placements_of_subject(store_t *s, int64_t subject_id, placement_t **out,
				size_t *n) FK_MUST_CHECK;

typedef struct exposure_rec {
	int64_t id;
	int64_t case_id;             /* the case it was recorded for, or 0 */
	int64_t subject_a, subject_b;
	int32_t first_date, last_date;
	enum exposure_setting setting;
	enum protection protection;
	char note[REPORT_NOTE_BUF];
	char by[BY_BUF];
	int64_t created_at;
	/* joined on reads */
	char name_a[PERSON_NAME_BUF];
	char name_b[PERSON_NAME_BUF];
} exposure_rec_t;

/* Sets e->id. */
int store_tx_exposure_insert(store_tx_t *tx, exposure_rec_t *e) FK_MUST_CHECK;
/* Exposures with the subject on either side. */
int store_exposures_of_subject(store_t *s, int64_t subject_id, exposure_rec_t **out,
			       size_t *n) FK_MUST_CHECK;
int store_tx_exposures_of_subject(store_tx_t *tx, int64_t subject_id, exposure_rec_t **out,
				  size_t *n) FK_MUST_CHECK;
/* Every exposure, by id (to build the contact graph and the chains). */
int store_exposure_all(store_t *s, exposure_rec_t **out, size_t *n) FK_MUST_CHECK;

typedef struct observation {
	int64_t id;
	int64_t subject_id;
	char kind[12];               /* home, centralised */
	char reason[16];             /* close_contact, arrival, manual */
	int64_t case_id;             /* the case whose contact opened it, or 0 */
	int32_t last_exposure;
	int32_t start_date;
	int32_t end_date;            /* release is allowed from this day (C4) */
	char status[12];             /* open, released, converted */
	int64_t closed_at;
	char note[REPORT_NOTE_BUF];  /* last extension's reason */
	char by[BY_BUF];
	int64_t created_at;
	/* joined on reads */
	char name[PERSON_NAME_BUF];
	char person_id[PERSON_ID_MAX + 1];
	char region_code[REGION_CODE_LEN + 1];
} observation_t;

struct observation_query {
	const char *region_prefix;   /* subjects living under this prefix, or NULL */
	bool own_people_only;
	int64_t subject_id;          /* or 0 */
	const char *status;          /* "open", ... or NULL */
	int32_t ends_on;             /* only those with end_date == this, or 0 */
	int64_t after_id;
	int limit;
};

int store_observation_get(store_t *s, int64_t id, observation_t *out) FK_MUST_CHECK;
int store_tx_observation_get(store_tx_t *tx, int64_t id, observation_t *out) FK_MUST_CHECK;
/* The subject's open observation, FK_ENOTFOUND if none. */
int store_tx_observation_open_of(store_tx_t *tx, int64_t subject_id,
				 observation_t *out) FK_MUST_CHECK;
int store_observation_open_of(store_t *s, int64_t subject_id, observation_t *out) FK_MUST_CHECK;
int store_observation_list(store_t *s, const struct observation_query *q, observation_t **out,
			   size_t *n) FK_MUST_CHECK;
/* Sets o->id.  FK_ECONFLICT if the subject already has an open one. */
int store_tx_observation_insert(store_tx_t *tx, observation_t *o) FK_MUST_CHECK;
/* end_date, last_exposure, status, closed_at, note, kind of o->id. */
int store_tx_observation_update(store_tx_t *tx, const observation_t *o) FK_MUST_CHECK;

typedef struct followup {
	int64_t id;
	int64_t observation_id;
	int32_t date;
	char slot[4];                /* am, pm */
	int temp_dc;                 /* tenths of °C, 0 while not filled */
	unsigned symptoms;           /* SYM_BIT set */
	char by[BY_BUF];
	int64_t filled_at;           /* 0 while not filled */
	char source[8];              /* report (the daily check-in), self or team */
} followup_t;

/* Make sure a morning and an evening slot exist for every day from..to. */
int store_tx_followups_ensure(store_tx_t *tx, int64_t observation_id, int32_t from,
			      int32_t to) FK_MUST_CHECK;
int store_followups_of(store_t *s, int64_t observation_id, followup_t **out,
		       size_t *n) FK_MUST_CHECK;
/* Drop the unfilled slots dated `from` or later (a shortened observation). */
int store_tx_followups_trim(store_tx_t *tx, int64_t observation_id, int32_t from) FK_MUST_CHECK;
/* Fill one slot (by date and slot); FK_ENOTFOUND if the slot does not
 * exist, FK_ECONFLICT if it was already filled. */
int store_tx_followup_fill(store_tx_t *tx, const followup_t *f) FK_MUST_CHECK;
/* Unfilled slots of open observations in the query's scope before
 * (date, slot) -- the missed follow-ups. */
int store_followups_missed(store_t *s, const struct observation_query *q, int32_t date,
			   const char *slot, followup_t **out, size_t *n) FK_MUST_CHECK;

/* A symptom during observation raises a suspected-case review. */
typedef struct review {
	int64_t id;
	int64_t subject_id;
	int64_t observation_id;
	int32_t date;
	char reason[REPORT_NOTE_BUF];
	int64_t created_at;
	int64_t resolved_at;         /* 0 while open */
	char resolved_by[BY_BUF];
	char outcome[16];            /* case_opened, dismissed */
	int64_t case_id;
	/* joined */
	char name[PERSON_NAME_BUF];
	char region_code[REGION_CODE_LEN + 1];
	char person_id[PERSON_ID_MAX + 1];
} review_t;

int store_tx_review_insert(store_tx_t *tx, review_t *r) FK_MUST_CHECK;
int store_review_get(store_t *s, int64_t id, review_t *out) FK_MUST_CHECK;
int store_review_list(store_t *s, const struct observation_query *q, bool open_only,
		      review_t **out, size_t *n) FK_MUST_CHECK;
/* Resolve r->id with outcome, case_id, resolved_by, resolved_at;
 * FK_ECONFLICT if already resolved. */
int store_tx_review_resolve(store_tx_t *tx, const review_t *r) FK_MUST_CHECK;

/* ---- regional risk and return to work ---------------------------------- */

/* New counts of one region on one day from one source.  Sources:
 * "canghailan", "dxy", "plain" (imports) and "fangkong" (the cases
 * registered here, by report date).  Grading sums the sources chosen. */
typedef struct series_day {
	char source[16];
	char region_code[REGION_CODE_LEN + 1];
	int32_t date;
	int32_t new_confirmed;
	int32_t new_clusters;
	int32_t new_asymptomatic;
} series_day_t;

/* Replace every row of `source` dated from..to with rows[0..n) (one
 * write; an import is all or nothing). */
int store_tx_series_replace(store_tx_t *tx, const char *source, int32_t from, int32_t to,
			    const series_day_t *rows, size_t n) FK_MUST_CHECK;
/* Rows of source (NULL: all sources) dated from..to, by region then
 * date; region_prefix NULL for all. */
int store_series_list(store_t *s, const char *source, const char *region_prefix, int32_t from,
		      int32_t to, series_day_t **out, size_t *n) FK_MUST_CHECK;
/* Sources with their row counts and date ranges (for the views). */
struct series_source {
	char source[16];
	int64_t rows;
	int32_t first, last;
};
int store_series_sources(store_t *s, struct series_source **out, size_t *n) FK_MUST_CHECK;

/* One change of a region's risk level (the history keeps every change). */
typedef struct risk_change {
	int64_t id;
	char region_code[REGION_CODE_LEN + 1];
	int32_t date;                  /* the day the level applies from */
	char level[8];                 /* low, medium, high */
	char rule[32];                 /* rule set, e.g. county-2020-02; "override" */
	char reason[832];              /* "中文 / English" */
	bool override;                 /* set by an official, not computed */
	int32_t override_until;        /* last day of an override, 0 = until revoked */
	char by[BY_BUF];
	int64_t at;
} risk_change_t;

/* Append a change. */
int store_tx_risk_insert(store_tx_t *tx, risk_change_t *c) FK_MUST_CHECK;
/* Forget the computed (not override) changes of a region dated
 * from..to, before grading that range again. */
int store_tx_risk_clear(store_tx_t *tx, const char *region_code, int32_t from,
			int32_t to) FK_MUST_CHECK;
/* The newest change of a region on or before date (computed and
 * override separately: override true/false). */
int store_tx_risk_latest(store_tx_t *tx, const char *region_code, int32_t date, bool override,
			 risk_change_t *out) FK_MUST_CHECK;
int store_risk_latest(store_t *s, const char *region_code, int32_t date, bool override,
		      risk_change_t *out) FK_MUST_CHECK;
/* Every region's newest computed change and newest override on or
 * before date (region_prefix NULL for all). */
int store_risk_current(store_t *s, const char *region_prefix, int32_t date, risk_change_t **out,
		       size_t *n) FK_MUST_CHECK;
/* The whole history of a region, oldest first. */
int store_risk_history(store_t *s, const char *region_code, risk_change_t **out,
		       size_t *n) FK_MUST_CHECK;

/* Emergency response level I-IV of a province (R5.3), dated. */
typedef struct response_level {
	int64_t id;
	char province_code[REGION_CODE_LEN + 1];
	int32_t date;
	int level;                     /* 1..4, 0 = response ended */
	char note[REPORT_NOTE_BUF];
	char by[BY_BUF];
	int64_t at;
} response_level_t;

int store_tx_response_insert(store_tx_t *tx, response_level_t *r) FK_MUST_CHECK;
/* History of one province (or all, with NULL), oldest first. */
int store_response_history(store_t *s, const char *province_code, response_level_t **out,
			   size_t *n) FK_MUST_CHECK;

/* A department's plan to resume on-site work, approved by the office. */
typedef struct resumption_plan {
	int64_t id;
	int64_t department_id;
	char department[DEPARTMENT_NAME_BUF];  /* reads */
	int32_t start_date;
	int cap_percent;               /* most of the department on site (e.g. 50, 33) */
	char note[REPORT_NOTE_BUF];
	char status[12];               /* submitted, approved, rejected */
	char by[BY_BUF];
	char decided_by[BY_BUF];
	int64_t created_at;
	int64_t decided_at;
	char decision_note[REPORT_NOTE_BUF];
} resumption_plan_t;

int store_tx_plan_insert(store_tx_t *tx, resumption_plan_t *p) FK_MUST_CHECK;
/* status, decided_by, decided_at, decision_note of p->id; FK_ECONFLICT
 * unless it was "submitted". */
int store_tx_plan_decide(store_tx_t *tx, const resumption_plan_t *p) FK_MUST_CHECK;
int store_plan_get(store_t *s, int64_t id, resumption_plan_t *out) FK_MUST_CHECK;
/* Plans of the departments in the subtree (NULL: all), newest first. */
int store_plan_list(store_t *s, const char *dept_path, resumption_plan_t **out,
		    size_t *n) FK_MUST_CHECK;

/* ---- detection signals (analytics: the daily aberration run) ----------- */

/* What a signal watches: a region's daily new confirmed cases, or the
 * daily count of a department's (subtree's) check-ins with fever or
 * cough. */
enum signal_kind {
	SIGNAL_REGION = 1,
	SIGNAL_DEPARTMENT = 2,
};

/* An aberration found on one day of one series by one method. */
typedef struct signal {
	int64_t id;
	enum signal_kind kind;
	char region_code[REGION_CODE_LEN + 1]; /* SIGNAL_REGION, else "" */
	char region_name[128];                 /* reads */
	int64_t department_id;                 /* SIGNAL_DEPARTMENT, else 0 */
	char department[DEPARTMENT_NAME_BUF];  /* reads */
	int32_t date;
	char method[8];                        /* C1, C2, C3 */
	double observed;
	double upperbound;
	int64_t created_at;
	char acked_by[BY_BUF];                 /* "" while open */
	int64_t acked_at;
	char note[REPORT_NOTE_BUF];
} signal_t;

struct signal_query {
	enum signal_kind kind;     /* 0: both */
	const char *dept_path;     /* department signals of this subtree only */
	const char *region_prefix; /* region signals of these codes only */
	int32_t from, to;          /* dates, 0 = open */
	bool open_only;
	int limit;                 /* 1..1000 */
};

/* The fever-or-cough check-ins of one department (its own people) on
 * one day: current reports with temperature >= temp_dc_min tenths of a
 * degree or any symptom of the mask. */
struct checkin_count {
	int64_t department_id;
	int32_t date;
	int64_t n;
};

int store_checkin_counts(store_t *s, int32_t from, int32_t to, unsigned symptom_mask,
			 int temp_dc_min, struct checkin_count **out, size_t *n) FK_MUST_CHECK;
int store_signal_get(store_t *s, int64_t id, signal_t *out) FK_MUST_CHECK;
/* Newest date first, then newest id. */
int store_signal_list(store_t *s, const struct signal_query *q, signal_t **out,
		      size_t *n) FK_MUST_CHECK;
/* Insert s; FK_ECONFLICT (s->id left 0) when the same kind, series,
 * date and method is stored already (a rerun finds it again). */
int store_tx_signal_insert(store_tx_t *tx, signal_t *s) FK_MUST_CHECK;
/* acked_by, acked_at, note of s->id; FK_ECONFLICT if acknowledged
 * already, FK_ENOTFOUND if absent. */
int store_tx_signal_ack(store_tx_t *tx, const signal_t *s) FK_MUST_CHECK;
/* Record the detection run of date.  Unless force, FK_ECONFLICT when
 * one is recorded (the daily run claims its date this way, once
 * across processes). */
int store_tx_detect_run_claim(store_tx_t *tx, int32_t date, const char *by, int64_t now,
			      bool force) FK_MUST_CHECK;

#endif

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
#include "../core/registry.h"

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
 * duplicate name, FK_ENOTFOUND for a missing parent. */
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

#endif

/*
 * store_sqlite.c -- store layer: the embedded SQLite backend.
 *
 * One write connection, used only by the store's writer thread, and a
 * pool of read connections handed to whichever thread reads.  The file
 * is in WAL mode, so readers never block the writer nor each other, and
 * synchronous=FULL, so a COMMIT returns only after the WAL is fsync'd:
 * an acknowledged batch survives a process crash and a power loss
 * (docs/storage.md).  Every statement is prepared once per connection
 * and kept (SQLITE_PREPARE_PERSISTENT).
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "store_sqlite.h"

enum stmt_id {
	ST_REGION_GET,
	ST_REGION_COUNT,
	ST_REGION_PUT,
	ST_DEPT_GET,
	ST_DEPT_FIND,
	ST_DEPT_LIST,
	ST_DEPT_INSERT,
	ST_DEPT_SET_PATH,
	ST_DEPT_UPDATE,
	ST_DEPT_MOVE_SUBTREE,
	ST_DEPT_DELETE,
	ST_PERSON_GET,
	ST_PERSON_LIST,
	ST_PERSON_DEPT_PATH,
	ST_PERSON_INSERT,
	ST_PERSON_UPDATE,
	ST_PERSON_DELETE,
	ST_USER_GET,
	ST_USER_FIND,
	ST_USER_LIST,
	ST_USER_COUNT,
	ST_USER_INSERT,
	ST_USER_UPDATE,
	ST_SESSION_GET,
	ST_SESSION_INSERT,
	ST_SESSION_DELETE,
	ST_SESSION_DELETE_USER,
	ST_SESSION_PURGE,
	ST_AUDIT_APPEND,
	ST_AUDIT_LIST,
	ST_SETTING_GET,
	ST_SETTING_PUT,
	ST_BEGIN,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_COUNT
};

#define DEPT_COLS "d.id, d.name, IFNULL(d.parent_id, 0), d.path, " \
	"(SELECT count(*) FROM people x WHERE x.department_id = d.id)"
#define PERSON_COLS "p.id, p.name, p.kind, p.department_id, d.name, " \
	"p.phone, p.community, p.region_code, p.updated_at"
#define USER_COLS "id, username, password_hash, role, IFNULL(person_id, ''), " \
	"IFNULL(department_id, 0), region_prefix, disabled, created_at"
#define AUDIT_COLS "id, at, IFNULL(user_id, 0), username, role, address, " \
	"action, object_type, object_id, detail"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_REGION_GET] = "SELECT code, name, level, parent_code, source FROM regions WHERE code = ?1",
	[ST_REGION_COUNT] = "SELECT count(*) FROM regions",
	[ST_REGION_PUT] = "INSERT OR IGNORE INTO regions(code, name, level, parent_code, source) "
			  "VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_DEPT_GET] = "SELECT " DEPT_COLS " FROM departments d WHERE d.id = ?1",
	[ST_DEPT_FIND] = "SELECT " DEPT_COLS " FROM departments d WHERE d.name = ?1",
	[ST_DEPT_LIST] = "SELECT " DEPT_COLS " FROM departments d ORDER BY d.path",
	[ST_DEPT_INSERT] = "INSERT INTO departments(name, parent_id, path, created_at) "
			   "VALUES (?1, NULLIF(?2, 0), 'new:' || ?1, CAST(strftime('%s', 'now') AS INTEGER))",
	[ST_DEPT_SET_PATH] = "UPDATE departments SET path = ?2 WHERE id = ?1",
	[ST_DEPT_UPDATE] = "UPDATE departments SET name = ?2, parent_id = NULLIF(?3, 0) WHERE id = ?1",
	[ST_DEPT_MOVE_SUBTREE] = "UPDATE departments SET path = ?2 || substr(path, length(?1) + 1) "
				 "WHERE substr(path, 1, length(?1)) = ?1",
	[ST_DEPT_DELETE] = "DELETE FROM departments WHERE id = ?1",
	[ST_PERSON_GET] = "SELECT " PERSON_COLS " FROM people p JOIN departments d ON d.id = p.department_id "
			  "WHERE p.id = ?1",
	[ST_PERSON_LIST] = "SELECT " PERSON_COLS " FROM people p JOIN departments d ON d.id = p.department_id "
			   "WHERE (?1 IS NULL OR substr(d.path, 1, length(?1)) = ?1) "
			   "AND (?2 IS NULL OR substr(p.region_code, 1, length(?2)) = ?2) "
			   "AND (?3 IS NULL OR p.id = ?3) "
			   "AND (?4 IS NULL OR p.id > ?4) "
			   "ORDER BY p.id LIMIT ?5",
	[ST_PERSON_DEPT_PATH] = "SELECT d.path FROM people p JOIN departments d ON d.id = p.department_id "
				"WHERE p.id = ?1",
	[ST_PERSON_INSERT] = "INSERT INTO people(id, name, kind, department_id, phone, community, "
			     "region_code, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
	[ST_PERSON_UPDATE] = "UPDATE people SET name = ?2, kind = ?3, department_id = ?4, phone = ?5, "
			     "community = ?6, region_code = ?7, updated_at = ?8 WHERE id = ?1",
	[ST_PERSON_DELETE] = "DELETE FROM people WHERE id = ?1",
	[ST_USER_GET] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[ST_USER_FIND] = "SELECT " USER_COLS " FROM users WHERE username = ?1",
	[ST_USER_LIST] = "SELECT " USER_COLS " FROM users ORDER BY username",
	[ST_USER_COUNT] = "SELECT count(*) FROM users",
	[ST_USER_INSERT] = "INSERT INTO users(username, password_hash, role, person_id, department_id, "
			   "region_prefix, disabled, created_at) VALUES (?1, ?2, ?3, NULLIF(?4, ''), "
			   "NULLIF(?5, 0), ?6, ?7, ?8)",
	[ST_USER_UPDATE] = "UPDATE users SET password_hash = ?2, role = ?3, person_id = NULLIF(?4, ''), "
			   "department_id = NULLIF(?5, 0), region_prefix = ?6, disabled = ?7 WHERE id = ?1",
	[ST_SESSION_GET] = "SELECT token_hash, user_id, csrf, address, created_at, expires_at FROM sessions "
			   "WHERE token_hash = ?1 AND expires_at > ?2",
	[ST_SESSION_INSERT] = "INSERT INTO sessions(token_hash, user_id, csrf, address, created_at, expires_at) "
			      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
	[ST_SESSION_DELETE_USER] = "DELETE FROM sessions WHERE user_id = ?1",
	[ST_SESSION_PURGE] = "DELETE FROM sessions WHERE expires_at <= ?1",
	[ST_AUDIT_APPEND] = "INSERT INTO audit(at, user_id, username, role, address, action, object_type, "
			    "object_id, detail) VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_AUDIT_LIST] = "SELECT " AUDIT_COLS " FROM audit WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2",
	[ST_SETTING_GET] = "SELECT value FROM settings WHERE key = ?1",
	[ST_SETTING_PUT] = "INSERT INTO settings(key, value, updated_at) VALUES (?1, ?2, ?3) "
			   "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_SAVEPOINT] = "SAVEPOINT job",
	[ST_RELEASE] = "RELEASE job",
	[ST_ROLLBACK_TO] = "ROLLBACK TO job",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

struct conn {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	struct conn *next; /* idle list */
};

struct drv {
	char *path;
	int busy_ms;
	struct conn *writer;
	pthread_mutex_t pool_mu;
	struct conn *idle;
};

/* ---- connections ----------------------------------------------------- */

static void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	free(c);
}

static int
conn_open(struct drv *d, bool writer, struct conn **out, struct fk_error *err)
{
	struct conn *c = calloc(1, sizeof *c);
	char *msg = NULL;
	int rc;

	if (c == NULL)
		return fk_error_set(err, FK_ENOMEM, "", NULL);
	rc = sqlite3_open_v2(d->path, &c->db,
			     SQLITE_OPEN_READWRITE | (writer ? SQLITE_OPEN_CREATE : 0) |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		fk_error_set(err, FK_EIO, "db", "cannot open database %s: %s", d->path,
			     c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		conn_close(c);
		return FK_EIO;
	}
	sqlite3_busy_timeout(c->db, d->busy_ms);
	sqlite3_extended_result_codes(c->db, 1);
	rc = sqlite3_exec(c->db,
			  writer ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				   "PRAGMA foreign_keys=ON;"
				 : "PRAGMA foreign_keys=ON;",
			  NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		fk_error_set(err, FK_EIO, "db", "cannot set up database %s: %s", d->path,
			     msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		conn_close(c);
		return FK_EIO;
	}
	*out = c;
	return 0;
}

/* The prepared statement id on c, reset and ready to bind; NULL on
 * failure (reported to stderr once per connection and statement). */
static sqlite3_stmt *
stmt(struct conn *c, enum stmt_id id)
{
	if (c->st[id] == NULL) {
		if (sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				       &c->st[id], NULL) != SQLITE_OK) {
			fprintf(stderr, "store: cannot prepare statement %d: %s\n", (int)id,
				sqlite3_errmsg(c->db));
			c->st[id] = NULL;
			return NULL;
		}
	}
	return c->st[id];
}

static void
done(sqlite3_stmt *st)
{
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

static struct conn *
reader_get(struct drv *d)
{
	struct conn *c;

	pthread_mutex_lock(&d->pool_mu);
	c = d->idle;
	if (c)
		d->idle = c->next;
	pthread_mutex_unlock(&d->pool_mu);
	if (c == NULL && conn_open(d, false, &c, NULL) != 0)
		return NULL;
	return c;
}

static void
reader_put(struct drv *d, struct conn *c)
{
	pthread_mutex_lock(&d->pool_mu);
	c->next = d->idle;
	d->idle = c;
	pthread_mutex_unlock(&d->pool_mu);
}

/* Connection for a call: the writer's inside a job, else a reader. */
static struct conn *
use(struct drv *d, bool tx)
{
	return tx ? d->writer : reader_get(d);
}

static void
unuse(struct drv *d, bool tx, struct conn *c)
{
	if (!tx && c)
		reader_put(d, c);
}

/* Map a step/exec result to an fk_err. */
static int
map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_CONSTRAINT:
		return FK_ECONFLICT;
	case SQLITE_NOMEM:
		return FK_ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return FK_EBUSY;
	default:
		return FK_EIO;
	}
}

/* Run a statement that returns no rows. */
static int
exec_st(sqlite3_stmt *st)
{
	int rc;
	if (st == NULL)
		return FK_EIO;
	rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? 0 : map_rc(rc);
}

static void
col_text(sqlite3_stmt *st, int i, char *buf, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(buf, cap, "%s", t ? (const char *)t : "");
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* ---- lifecycle ------------------------------------------------------- */

static int
sq_open(const char *location, const struct store_options *opt, void **out,
	struct fk_error *err)
{
	struct drv *d = calloc(1, sizeof *d);
	int rc;

	if (d == NULL)
		return fk_error_set(err, FK_ENOMEM, "", NULL);
	d->path = strdup(location);
	d->busy_ms = opt->busy_timeout_ms;
	pthread_mutex_init(&d->pool_mu, NULL);
	if (d->path == NULL) {
		rc = fk_error_set(err, FK_ENOMEM, "", NULL);
		goto fail;
	}
	rc = conn_open(d, true, &d->writer, err);
	if (rc)
		goto fail;
	*out = d;
	return 0;
fail:
	pthread_mutex_destroy(&d->pool_mu);
	free(d->path);
	free(d);
	return rc;
}

static void
sq_close(void *drv)
{
	struct drv *d = drv;
	struct conn *c, *next;

	for (c = d->idle; c; c = next) {
		next = c->next;
		conn_close(c);
	}
	conn_close(d->writer);
	pthread_mutex_destroy(&d->pool_mu);
	free(d->path);
	free(d);
}

static int
user_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return FK_EIO;
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : FK_EIO;
}

/* Runs inside a write job (the writer's batch transaction). */
static int
sq_migrate(void *drv, int *from, int *to, struct fk_error *err)
{
	struct drv *d = drv;
	int v, rc;
	char *msg = NULL;
	char sql[64];

	if (user_version(d->writer->db, &v))
		return fk_error_set(err, FK_EIO, "db", "cannot read schema version: %s",
				    sqlite3_errmsg(d->writer->db));
	if (from)
		*from = v;
	if (v > store_sqlite_migration_count)
		return fk_error_set(err, FK_EINVAL, "db",
				    "database schema %d is newer than this fangkong (%d)", v,
				    store_sqlite_migration_count);
	for (; v < store_sqlite_migration_count; v++) {
		rc = sqlite3_exec(d->writer->db, store_sqlite_migrations[v], NULL, NULL, &msg);
		if (rc == SQLITE_OK) {
			snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
			rc = sqlite3_exec(d->writer->db, sql, NULL, NULL, &msg);
		}
		if (rc != SQLITE_OK) {
			fk_error_set(err, FK_EIO, "db", "migration %d failed: %s", v + 1,
				     msg ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			return FK_EIO;
		}
	}
	if (to)
		*to = v;
	return 0;
}

static int
sq_schema_version(void *drv, int *current, int *latest)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	int rc;
	if (c == NULL)
		return FK_EIO;
	rc = user_version(c->db, current);
	reader_put(d, c);
	*latest = store_sqlite_migration_count;
	return rc;
}

static int sq_begin(void *drv) { return exec_st(stmt(((struct drv *)drv)->writer, ST_BEGIN)); }
static int sq_savepoint(void *drv) { return exec_st(stmt(((struct drv *)drv)->writer, ST_SAVEPOINT)); }
static int sq_release(void *drv) { return exec_st(stmt(((struct drv *)drv)->writer, ST_RELEASE)); }
static int sq_rollback_to(void *drv)
{
	int rc = exec_st(stmt(((struct drv *)drv)->writer, ST_ROLLBACK_TO));
	return rc ? rc : sq_release(drv);
}
static int sq_commit(void *drv) { return exec_st(stmt(((struct drv *)drv)->writer, ST_COMMIT)); }
static void sq_rollback(void *drv)
{
	struct drv *d = drv;
	if (!sqlite3_get_autocommit(d->writer->db))
		(void)exec_st(stmt(d->writer, ST_ROLLBACK));
}

/* ---- regions --------------------------------------------------------- */

static int
sq_region_get(void *drv, const char *code, region_t *out)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL || (st = stmt(c, ST_REGION_GET)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	bind_text(st, 1, code);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_text(st, 0, out->code, sizeof out->code);
		col_text(st, 1, out->name, sizeof out->name);
		col_text(st, 2, out->level, sizeof out->level);
		col_text(st, 3, out->parent_code, sizeof out->parent_code);
		col_text(st, 4, out->source, sizeof out->source);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? FK_ENOTFOUND : map_rc(rc);
	}
	done(st);
	reader_put(d, c);
	return rc;
}

static int
count_query(struct drv *d, enum stmt_id id, int64_t *out)
{
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL || (st = stmt(c, id)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	rc = rc == SQLITE_ROW ? 0 : map_rc(rc);
	done(st);
	reader_put(d, c);
	return rc;
}

static int sq_region_count(void *drv, int64_t *out) { return count_query(drv, ST_REGION_COUNT, out); }

static int
sq_tx_region_put(void *drv, const region_t *r)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, ST_REGION_PUT);
	if (st == NULL)
		return FK_EIO;
	bind_text(st, 1, r->code);
	bind_text(st, 2, r->name);
	bind_text(st, 3, r->level);
	bind_text(st, 4, r->parent_code);
	bind_text(st, 5, r->source);
	return exec_st(st);
}

static int
sq_tx_region_exists(void *drv, const char *code, bool *out)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, ST_REGION_GET);
	int rc;
	if (st == NULL)
		return FK_EIO;
	bind_text(st, 1, code);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW;
	done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : map_rc(rc);
}

/* ---- departments ----------------------------------------------------- */

static void
dept_row(sqlite3_stmt *st, department_t *out)
{
	out->id = sqlite3_column_int64(st, 0);
	col_text(st, 1, out->name, sizeof out->name);
	out->parent_id = sqlite3_column_int64(st, 2);
	col_text(st, 3, out->path, sizeof out->path);
	out->people = sqlite3_column_int64(st, 4);
}

/* Fetch one department by id (ST_DEPT_GET) or name (ST_DEPT_FIND). */
static int
dept_one(struct drv *d, bool tx, enum stmt_id id, int64_t key, const char *name,
	 department_t *out)
{
	struct conn *c = use(d, tx);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL || (st = stmt(c, id)) == NULL) {
		unuse(d, tx, c);
		return FK_EIO;
	}
	if (name)
		bind_text(st, 1, name);
	else
		sqlite3_bind_int64(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		dept_row(st, out);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? FK_ENOTFOUND : map_rc(rc);
	}
	done(st);
	unuse(d, tx, c);
	return rc;
}

static int
sq_department_get(void *drv, bool tx, int64_t id, department_t *out)
{
	return dept_one(drv, tx, ST_DEPT_GET, id, NULL, out);
}

static int
sq_department_find(void *drv, bool tx, const char *name, department_t *out)
{
	return dept_one(drv, tx, ST_DEPT_FIND, 0, name, out);
}

/* Grow *arr (of elem bytes each) to hold at least n+1 elements. */
static int
grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, ncap * elem);
	if (p == NULL)
		return FK_ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int
sq_department_list(void *drv, department_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	department_t *arr = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (c == NULL || (st = stmt(c, ST_DEPT_LIST)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&arr, &cap, len, sizeof *arr)) {
			rc = SQLITE_NOMEM;
			break;
		}
		dept_row(st, &arr[len++]);
	}
	done(st);
	reader_put(d, c);
	if (rc != SQLITE_DONE) {
		free(arr);
		return map_rc(rc);
	}
	*out = arr;
	*n = len;
	return 0;
}

static int
sq_tx_department_insert(void *drv, department_t *dep, struct fk_error *err)
{
	struct drv *d = drv;
	department_t parent = {0};
	sqlite3_stmt *st;
	char path[sizeof parent.path + 24];
	int rc;

	if (dep->parent_id) {
		rc = dept_one(d, true, ST_DEPT_GET, dep->parent_id, NULL, &parent);
		if (rc == FK_ENOTFOUND)
			return fk_error_set(err, FK_EINVAL, "parent_id",
					    "parent department %lld does not exist",
					    (long long)dep->parent_id);
		if (rc)
			return fk_error_set(err, rc, "", "cannot read departments");
	}
	if ((st = stmt(d->writer, ST_DEPT_INSERT)) == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot insert department");
	bind_text(st, 1, dep->name);
	sqlite3_bind_int64(st, 2, dep->parent_id);
	rc = exec_st(st);
	if (rc == FK_ECONFLICT)
		return fk_error_set(err, FK_ECONFLICT, "name",
				    "a department named '%s' already exists", dep->name);
	if (rc)
		return fk_error_set(err, rc, "", "cannot insert department");
	dep->id = sqlite3_last_insert_rowid(d->writer->db);
	snprintf(path, sizeof path, "%s%lld/", dep->parent_id ? parent.path : "/",
		 (long long)dep->id);
	if (strlen(path) >= sizeof dep->path - 1)
		return fk_error_set(err, FK_EINVAL, "parent_id", "departments are nested too deeply");
	if ((st = stmt(d->writer, ST_DEPT_SET_PATH)) == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot insert department");
	sqlite3_bind_int64(st, 1, dep->id);
	bind_text(st, 2, path);
	rc = exec_st(st);
	if (rc)
		return fk_error_set(err, rc, "", "cannot insert department");
	snprintf(dep->path, sizeof dep->path, "%s", path);
	return 0;
}

static int
sq_tx_department_update(void *drv, department_t *dep, struct fk_error *err)
{
	struct drv *d = drv;
	department_t old = {0}, parent = {0};
	sqlite3_stmt *st;
	char path[sizeof parent.path + 24];
	int rc;

	rc = dept_one(d, true, ST_DEPT_GET, dep->id, NULL, &old);
	if (rc)
		return fk_error_set(err, rc, "id", "no department %lld", (long long)dep->id);
	if (dep->parent_id) {
		rc = dept_one(d, true, ST_DEPT_GET, dep->parent_id, NULL, &parent);
		if (rc == FK_ENOTFOUND)
			return fk_error_set(err, FK_EINVAL, "parent_id",
					    "parent department %lld does not exist",
					    (long long)dep->parent_id);
		if (rc)
			return fk_error_set(err, rc, "", "cannot read departments");
		if (strncmp(parent.path, old.path, strlen(old.path)) == 0)
			return fk_error_set(err, FK_EINVAL, "parent_id",
					    "a department cannot be moved under itself");
	}
	if ((st = stmt(d->writer, ST_DEPT_UPDATE)) == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot update department");
	sqlite3_bind_int64(st, 1, dep->id);
	bind_text(st, 2, dep->name);
	sqlite3_bind_int64(st, 3, dep->parent_id);
	rc = exec_st(st);
	if (rc == FK_ECONFLICT)
		return fk_error_set(err, FK_ECONFLICT, "name",
				    "a department named '%s' already exists", dep->name);
	if (rc)
		return fk_error_set(err, rc, "", "cannot update department");
	snprintf(path, sizeof path, "%s%lld/", dep->parent_id ? parent.path : "/",
		 (long long)dep->id);
	if (strlen(path) >= sizeof dep->path - 1)
		return fk_error_set(err, FK_EINVAL, "parent_id", "departments are nested too deeply");
	if (strcmp(path, old.path) != 0) {
		if ((st = stmt(d->writer, ST_DEPT_MOVE_SUBTREE)) == NULL)
			return fk_error_set(err, FK_EIO, "", "cannot move department");
		bind_text(st, 1, old.path);
		bind_text(st, 2, path);
		rc = exec_st(st);
		if (rc)
			return fk_error_set(err, rc, "", "cannot move department");
	}
	snprintf(dep->path, sizeof dep->path, "%s", path);
	return 0;
}

static int
sq_tx_department_delete(void *drv, int64_t id, struct fk_error *err)
{
	struct drv *d = drv;
	sqlite3_stmt *st = stmt(d->writer, ST_DEPT_DELETE);
	int rc;

	if (st == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot delete department");
	sqlite3_bind_int64(st, 1, id);
	rc = exec_st(st);
	if (rc == FK_ECONFLICT)
		return fk_error_set(err, FK_ECONFLICT, "id",
				    "department %lld still has people, logins or sub-departments",
				    (long long)id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot delete department");
	if (sqlite3_changes(d->writer->db) == 0)
		return fk_error_set(err, FK_ENOTFOUND, "id", "no department %lld", (long long)id);
	return 0;
}

/* ---- people ------------------------------------------------------------ */

static int
person_row(sqlite3_stmt *st, person_t *out)
{
	char kind[16];
	memset(out, 0, sizeof *out);
	col_text(st, 0, out->id, sizeof out->id);
	col_text(st, 1, out->name, sizeof out->name);
	col_text(st, 2, kind, sizeof kind);
	if (person_kind_parse(kind, &out->kind))
		out->kind = PERSON_VISITOR;
	out->department_id = sqlite3_column_int64(st, 3);
	col_text(st, 4, out->department, sizeof out->department);
	col_text(st, 5, out->phone, sizeof out->phone);
	col_text(st, 6, out->community, sizeof out->community);
	col_text(st, 7, out->region_code, sizeof out->region_code);
	out->updated_at = sqlite3_column_int64(st, 8);
	return 0;
}

static int
sq_person_get(void *drv, bool tx, const char *id, person_t *out)
{
	struct drv *d = drv;
	struct conn *c = use(d, tx);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL || (st = stmt(c, ST_PERSON_GET)) == NULL) {
		unuse(d, tx, c);
		return FK_EIO;
	}
	bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = person_row(st, out);
	else
		rc = rc == SQLITE_DONE ? FK_ENOTFOUND : map_rc(rc);
	done(st);
	unuse(d, tx, c);
	return rc;
}

static int
sq_person_list(void *drv, const struct person_query *q, person_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	person_t *arr = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (c == NULL || (st = stmt(c, ST_PERSON_LIST)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	bind_text(st, 1, q->dept_path);
	bind_text(st, 2, q->region_prefix);
	bind_text(st, 3, q->person_id);
	bind_text(st, 4, q->after_id);
	sqlite3_bind_int(st, 5, q->limit > 0 ? q->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&arr, &cap, len, sizeof *arr)) {
			rc = SQLITE_NOMEM;
			break;
		}
		person_row(st, &arr[len++]);
	}
	done(st);
	reader_put(d, c);
	if (rc != SQLITE_DONE) {
		free(arr);
		return map_rc(rc);
	}
	*out = arr;
	*n = len;
	return 0;
}

static int
sq_person_dept_path(void *drv, const char *id, char *path, size_t cap)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL || (st = stmt(c, ST_PERSON_DEPT_PATH)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_text(st, 0, path, cap);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? FK_ENOTFOUND : map_rc(rc);
	}
	done(st);
	reader_put(d, c);
	return rc;
}

static void
bind_person(sqlite3_stmt *st, const person_t *p, int64_t now)
{
	bind_text(st, 1, p->id);
	bind_text(st, 2, p->name);
	bind_text(st, 3, person_kind_name(p->kind));
	sqlite3_bind_int64(st, 4, p->department_id);
	bind_text(st, 5, p->phone);
	bind_text(st, 6, p->community);
	bind_text(st, 7, p->region_code);
	sqlite3_bind_int64(st, 8, now);
}

static int
sq_tx_person_insert(void *drv, const person_t *p, int64_t now, struct fk_error *err)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, ST_PERSON_INSERT);
	int rc;
	if (st == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot store person");
	bind_person(st, p, now);
	rc = exec_st(st);
	if (rc == FK_ECONFLICT)
		return fk_error_set(err, FK_ECONFLICT, "id", "a person with id '%s' already exists",
				    p->id);
	return rc ? fk_error_set(err, rc, "", "cannot store person") : 0;
}

static int
sq_tx_person_update(void *drv, const person_t *p, int64_t now, struct fk_error *err)
{
	struct drv *d = drv;
	sqlite3_stmt *st = stmt(d->writer, ST_PERSON_UPDATE);
	int rc;
	if (st == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot store person");
	bind_person(st, p, now);
	rc = exec_st(st);
	if (rc)
		return fk_error_set(err, rc, "", "cannot store person");
	if (sqlite3_changes(d->writer->db) == 0)
		return fk_error_set(err, FK_ENOTFOUND, "id", "no person '%s'", p->id);
	return 0;
}

static int
sq_tx_person_delete(void *drv, const char *id, struct fk_error *err)
{
	struct drv *d = drv;
	sqlite3_stmt *st = stmt(d->writer, ST_PERSON_DELETE);
	int rc;
	if (st == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot delete person");
	bind_text(st, 1, id);
	rc = exec_st(st);
	if (rc == FK_ECONFLICT)
		return fk_error_set(err, FK_ECONFLICT, "id",
				    "person '%s' still has a login or records; disable the login first",
				    id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot delete person");
	if (sqlite3_changes(d->writer->db) == 0)
		return fk_error_set(err, FK_ENOTFOUND, "id", "no person '%s'", id);
	return 0;
}

/* ---- users ------------------------------------------------------------ */

static void
user_row(sqlite3_stmt *st, user_t *u)
{
	char role[16];
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, 0);
	col_text(st, 1, u->username, sizeof u->username);
	col_text(st, 2, u->password_hash, sizeof u->password_hash);
	col_text(st, 3, role, sizeof role);
	if (role_parse(role, &u->role))
		u->role = ROLE_STAFF;
	col_text(st, 4, u->person_id, sizeof u->person_id);
	u->department_id = sqlite3_column_int64(st, 5);
	col_text(st, 6, u->region_prefix, sizeof u->region_prefix);
	u->disabled = sqlite3_column_int(st, 7) != 0;
	u->created_at = sqlite3_column_int64(st, 8);
}

static int
user_one(struct drv *d, bool tx, enum stmt_id id, int64_t key, const char *name, user_t *out)
{
	struct conn *c = use(d, tx);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL || (st = stmt(c, id)) == NULL) {
		unuse(d, tx, c);
		return FK_EIO;
	}
	if (name)
		bind_text(st, 1, name);
	else
		sqlite3_bind_int64(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		user_row(st, out);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? FK_ENOTFOUND : map_rc(rc);
	}
	done(st);
	unuse(d, tx, c);
	return rc;
}

static int sq_user_get(void *drv, int64_t id, user_t *out)
{ return user_one(drv, false, ST_USER_GET, id, NULL, out); }
static int sq_user_find(void *drv, bool tx, const char *username, user_t *out)
{ return user_one(drv, tx, ST_USER_FIND, 0, username, out); }
static int sq_user_count(void *drv, int64_t *out) { return count_query(drv, ST_USER_COUNT, out); }

static int
sq_user_list(void *drv, user_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	user_t *arr = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (c == NULL || (st = stmt(c, ST_USER_LIST)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&arr, &cap, len, sizeof *arr)) {
			rc = SQLITE_NOMEM;
			break;
		}
		user_row(st, &arr[len++]);
	}
	done(st);
	reader_put(d, c);
	if (rc != SQLITE_DONE) {
		free(arr);
		return map_rc(rc);
	}
	*out = arr;
	*n = len;
	return 0;
}

static void
bind_user_scope(sqlite3_stmt *st, const user_t *u)
{
	bind_text(st, 2, u->password_hash);
	bind_text(st, 3, role_name(u->role));
	bind_text(st, 4, u->person_id);
	sqlite3_bind_int64(st, 5, u->department_id);
	bind_text(st, 6, u->region_prefix);
	sqlite3_bind_int(st, 7, u->disabled);
}

static int
sq_tx_user_insert(void *drv, user_t *u, int64_t now, struct fk_error *err)
{
	struct drv *d = drv;
	sqlite3_stmt *st = stmt(d->writer, ST_USER_INSERT);
	int rc;
	if (st == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot store user");
	bind_text(st, 1, u->username);
	bind_user_scope(st, u);
	sqlite3_bind_int64(st, 8, now);
	rc = exec_st(st);
	if (rc == FK_ECONFLICT)
		return fk_error_set(err, FK_ECONFLICT, "username",
				    "username '%s' is taken, or its person or department does not exist",
				    u->username);
	if (rc)
		return fk_error_set(err, rc, "", "cannot store user");
	u->id = sqlite3_last_insert_rowid(d->writer->db);
	u->created_at = now;
	return 0;
}

static int
sq_tx_user_update(void *drv, const user_t *u, struct fk_error *err)
{
	struct drv *d = drv;
	sqlite3_stmt *st = stmt(d->writer, ST_USER_UPDATE);
	int rc;
	if (st == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot store user");
	sqlite3_bind_int64(st, 1, u->id);
	bind_user_scope(st, u);
	rc = exec_st(st);
	if (rc)
		return fk_error_set(err, rc, "", "cannot store user");
	if (sqlite3_changes(d->writer->db) == 0)
		return fk_error_set(err, FK_ENOTFOUND, "id", "no user %lld", (long long)u->id);
	return 0;
}

/* ---- sessions ------------------------------------------------------- */

static int
sq_session_get(void *drv, const uint8_t *hash, int64_t now, session_t *out)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL || (st = stmt(c, ST_SESSION_GET)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	sqlite3_bind_blob(st, 1, hash, SESSION_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memcpy(out->token_hash, hash, SESSION_HASH_LEN);
		out->user_id = sqlite3_column_int64(st, 1);
		col_text(st, 2, out->csrf, sizeof out->csrf);
		col_text(st, 3, out->address, sizeof out->address);
		out->created_at = sqlite3_column_int64(st, 4);
		out->expires_at = sqlite3_column_int64(st, 5);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? FK_ENOTFOUND : map_rc(rc);
	}
	done(st);
	reader_put(d, c);
	return rc;
}

static int
sq_tx_session_insert(void *drv, const session_t *se)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, ST_SESSION_INSERT);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_blob(st, 1, se->token_hash, SESSION_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, se->user_id);
	bind_text(st, 3, se->csrf);
	bind_text(st, 4, se->address);
	sqlite3_bind_int64(st, 5, se->created_at);
	sqlite3_bind_int64(st, 6, se->expires_at);
	return exec_st(st);
}

static int
sq_tx_session_delete(void *drv, const uint8_t *hash)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, ST_SESSION_DELETE);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_blob(st, 1, hash, SESSION_HASH_LEN, SQLITE_STATIC);
	return exec_st(st);
}

static int
sq_tx_int_exec(void *drv, enum stmt_id id, int64_t v)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, id);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, v);
	return exec_st(st);
}

static int sq_tx_session_delete_user(void *drv, int64_t user_id)
{ return sq_tx_int_exec(drv, ST_SESSION_DELETE_USER, user_id); }
static int sq_tx_session_purge(void *drv, int64_t now)
{ return sq_tx_int_exec(drv, ST_SESSION_PURGE, now); }

/* ---- audit ------------------------------------------------------------ */

static int
sq_tx_audit_append(void *drv, const audit_entry_t *a)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, ST_AUDIT_APPEND);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, a->at);
	sqlite3_bind_int64(st, 2, a->user_id);
	bind_text(st, 3, a->username);
	bind_text(st, 4, a->role);
	bind_text(st, 5, a->address);
	bind_text(st, 6, a->action);
	bind_text(st, 7, a->object_type);
	bind_text(st, 8, a->object_id);
	bind_text(st, 9, a->detail);
	return exec_st(st);
}

static int
sq_audit_list(void *drv, int64_t before, int limit, audit_entry_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	audit_entry_t *arr = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (c == NULL || (st = stmt(c, ST_AUDIT_LIST)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&arr, &cap, len, sizeof *arr)) {
			rc = SQLITE_NOMEM;
			break;
		}
		audit_entry_t *a = &arr[len++];
		a->id = sqlite3_column_int64(st, 0);
		a->at = sqlite3_column_int64(st, 1);
		a->user_id = sqlite3_column_int64(st, 2);
		col_text(st, 3, a->username, sizeof a->username);
		col_text(st, 4, a->role, sizeof a->role);
		col_text(st, 5, a->address, sizeof a->address);
		col_text(st, 6, a->action, sizeof a->action);
		col_text(st, 7, a->object_type, sizeof a->object_type);
		col_text(st, 8, a->object_id, sizeof a->object_id);
		col_text(st, 9, a->detail, sizeof a->detail);
	}
	done(st);
	reader_put(d, c);
	if (rc != SQLITE_DONE) {
		free(arr);
		return map_rc(rc);
	}
	*out = arr;
	*n = len;
	return 0;
}

/* ---- settings --------------------------------------------------------- */

static int
sq_setting_get(void *drv, const char *key, char *value, size_t cap)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL || (st = stmt(c, ST_SETTING_GET)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_text(st, 0, value, cap);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? FK_ENOTFOUND : map_rc(rc);
	}
	done(st);
	reader_put(d, c);
	return rc;
}

static int
sq_tx_setting_put(void *drv, const char *key, const char *value, int64_t now)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, ST_SETTING_PUT);
	if (st == NULL)
		return FK_EIO;
	bind_text(st, 1, key);
	bind_text(st, 2, value);
	sqlite3_bind_int64(st, 3, now);
	return exec_st(st);
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.migrate = sq_migrate,
	.schema_version = sq_schema_version,
	.begin = sq_begin,
	.savepoint = sq_savepoint,
	.release = sq_release,
	.rollback_to = sq_rollback_to,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.region_get = sq_region_get,
	.region_count = sq_region_count,
	.tx_region_put = sq_tx_region_put,
	.tx_region_exists = sq_tx_region_exists,
	.department_get = sq_department_get,
	.department_find = sq_department_find,
	.department_list = sq_department_list,
	.tx_department_insert = sq_tx_department_insert,
	.tx_department_update = sq_tx_department_update,
	.tx_department_delete = sq_tx_department_delete,
	.person_get = sq_person_get,
	.person_list = sq_person_list,
	.person_dept_path = sq_person_dept_path,
	.tx_person_insert = sq_tx_person_insert,
	.tx_person_update = sq_tx_person_update,
	.tx_person_delete = sq_tx_person_delete,
	.user_get = sq_user_get,
	.user_find = sq_user_find,
	.user_list = sq_user_list,
	.user_count = sq_user_count,
	.tx_user_insert = sq_tx_user_insert,
	.tx_user_update = sq_tx_user_update,
	.session_get = sq_session_get,
	.tx_session_insert = sq_tx_session_insert,
	.tx_session_delete = sq_tx_session_delete,
	.tx_session_delete_user = sq_tx_session_delete_user,
	.tx_session_purge = sq_tx_session_purge,
	.tx_audit_append = sq_tx_audit_append,
	.audit_list = sq_audit_list,
	.setting_get = sq_setting_get,
	.tx_setting_put = sq_tx_setting_put,
};

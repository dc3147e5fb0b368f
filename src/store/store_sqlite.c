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
#include "store_sqlite_int.h"

enum stmt_id {
	ST_REGION_GET,
	ST_REGION_SEARCH,
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
	ST_REPORT_GET,
	ST_REPORT_LIST,
	ST_REPORT_VERSIONS,
	ST_REPORT_RECENT,
	ST_REPORT_BY_REQUEST,
	ST_REPORT_CURRENT_OF,
	ST_REPORT_SUPERSEDE,
	ST_REPORT_INSERT,
	ST_COUNTS_ADD,
	ST_REPORT_COUNT_BY_SUBMITTER,
	ST_MISSING,
	ST_DASH_DEPARTMENTS,
	ST_DASH_PLACES,
	ST_DASH_ON_TIME,
	ST_DASH_TREND,
	ST_ALERT_GET,
	ST_ALERT_LIST,
	ST_ALERT_INSERT,
	ST_ALERT_ACK,
	ST_ALERT_EXISTS,
	ST_WEBHOOK_LIST,
	ST_WEBHOOK_INSERT,
	ST_WEBHOOK_DELETE,
	ST_DELIVERY_INSERT,
	ST_DELIVERY_DUE,
	ST_DELIVERY_UPDATE,
	ST_DELIVERY_LIST,
	ST_REMINDER_CLAIM,
	ST_COUNT
};

#define DEPT_COLS "d.id, d.name, IFNULL(d.parent_id, 0), d.path, " \
	"(SELECT count(*) FROM people x WHERE x.department_id = d.id)"
#define PERSON_COLS "p.id, p.name, p.kind, p.department_id, d.name, " \
	"p.phone, p.community, p.region_code, p.updated_at"
#define USER_COLS "id, username, password_hash, role, IFNULL(person_id, ''), " \
	"IFNULL(department_id, 0), region_prefix, disabled, created_at"
#define REPORT_COLS "r.id, r.person_id, r.date, r.version, r.current, r.temp_dc, r.symptoms, " \
	"r.symptoms_note, r.region_code, r.location, r.exposure, r.family_unwell, " \
	"r.travel_regions, r.note, IFNULL(r.request_id, ''), IFNULL(r.submitted_by, 0), " \
	"r.submitted_by_name, r.on_behalf, r.created_at, r.status, r.rule, r.policy_version, " \
	"r.assessment, r.health_code, r.observation_end, r.place, r.flags, p.name, " \
	"r.department_id, d.name"
#define REPORT_FROM " FROM reports r JOIN people p ON p.id = r.person_id " \
	"JOIN departments d ON d.id = r.department_id"
#define ALERT_COLS "a.id, a.report_id, a.person_id, p.name, a.department_id, d.name, a.date, " \
	"a.status, a.rule, a.reason, a.created_at, a.acked_by, a.acked_at, a.clinic_visited, " \
	"a.community_informed, a.result, a.follow_up"
#define ALERT_FROM " FROM alerts a JOIN people p ON p.id = a.person_id " \
	"JOIN departments d ON d.id = a.department_id"
#define DELIVERY_COLS "dl.id, dl.webhook_id, w.name, w.url, w.kind, dl.event, dl.payload, " \
	"dl.state, dl.attempts, dl.next_at, dl.last_status, dl.last_error, dl.created_at, " \
	"dl.delivered_at"
#define DELIVERY_FROM " FROM deliveries dl JOIN webhooks w ON w.id = dl.webhook_id"
#define AUDIT_COLS "id, at, IFNULL(user_id, 0), username, role, address, " \
	"action, object_type, object_id, detail"

_Static_assert(ST_COUNT <= SQ_MAIN_ST_MAX, "raise SQ_MAIN_ST_MAX");

static const char *const stmt_sql[ST_COUNT] = {
	[ST_REGION_GET] = "SELECT code, name, level, parent_code, source FROM regions WHERE code = ?1",
	[ST_REGION_SEARCH] = "SELECT code, name, level, parent_code, source FROM regions"
			     " WHERE substr(code, 1, length(?1)) = ?1 OR instr(name, ?1) > 0"
			     " ORDER BY CASE level WHEN 'province' THEN 0 WHEN 'city' THEN 1"
			     " ELSE 2 END, code LIMIT ?2",
	[ST_REGION_COUNT] = "SELECT count(*) FROM regions",
	[ST_REGION_PUT] = "INSERT INTO regions(code, name, level, parent_code, source) "
			  "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(code) DO NOTHING",
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

	[ST_REPORT_GET] = "SELECT " REPORT_COLS REPORT_FROM " WHERE r.id = ?1",
	[ST_REPORT_LIST] = "SELECT " REPORT_COLS REPORT_FROM
			   " WHERE r.current = 1 AND (?1 = 0 OR r.date >= ?1) AND (?2 = 0 OR r.date <= ?2)"
			   " AND (?3 IS NULL OR substr(d.path, 1, length(?3)) = ?3)"
			   " AND (?4 IS NULL OR substr(p.region_code, 1, length(?4)) = ?4)"
			   " AND (?5 IS NULL OR r.person_id = ?5) AND (?6 IS NULL OR r.status = ?6)"
			   " AND (?7 = 0 OR r.flags <> '') AND r.id > ?8 ORDER BY r.id LIMIT ?9",
	[ST_REPORT_VERSIONS] = "SELECT " REPORT_COLS REPORT_FROM
			       " WHERE r.person_id = ?1 AND r.date = ?2 ORDER BY r.version",
	[ST_REPORT_RECENT] = "SELECT " REPORT_COLS REPORT_FROM
			     " WHERE r.person_id = ?1 AND r.current = 1 AND r.date BETWEEN ?2 AND ?3"
			     " ORDER BY r.date",
	[ST_REPORT_BY_REQUEST] = "SELECT " REPORT_COLS REPORT_FROM
				 " WHERE r.person_id = ?1 AND r.request_id = ?2",
	[ST_REPORT_CURRENT_OF] = "SELECT id, version, status, place, department_id FROM reports"
				 " WHERE person_id = ?1 AND date = ?2 AND current = 1",
	[ST_REPORT_SUPERSEDE] = "UPDATE reports SET current = 0 WHERE id = ?1",
	[ST_REPORT_INSERT] =
		"INSERT INTO reports(person_id, date, version, current, temp_dc, symptoms, symptoms_note,"
		" region_code, location, exposure, family_unwell, travel_regions, note, request_id,"
		" submitted_by, submitted_by_name, on_behalf, created_at, status, rule, policy_version,"
		" assessment, health_code, observation_end, place, flags, department_id)"
		" VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULLIF(?13, ''),"
		" NULLIF(?14, 0), ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)",
	[ST_COUNTS_ADD] = "INSERT INTO daily_counts(date, department_id, place, status, n)"
			  " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(date, department_id, place, status)"
			  " DO UPDATE SET n = n + excluded.n",
	[ST_REPORT_COUNT_BY_SUBMITTER] = "SELECT count(*) FROM reports WHERE submitted_by = ?1"
					 " AND created_at >= ?2",
	[ST_MISSING] = "SELECT " PERSON_COLS " FROM people p JOIN departments d ON d.id = p.department_id"
		       " WHERE (?1 IS NULL OR substr(d.path, 1, length(?1)) = ?1)"
		       " AND (?2 IS NULL OR substr(p.region_code, 1, length(?2)) = ?2)"
		       " AND (?3 IS NULL OR p.id = ?3) AND (?4 IS NULL OR p.id > ?4)"
		       " AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.person_id = p.id"
		       "   AND r.date = ?6 AND r.current = 1)"
		       " ORDER BY p.id LIMIT ?5",
	[ST_DASH_DEPARTMENTS] =
		"SELECT d.id, d.name, d.path,"
		" (SELECT count(*) FROM people x WHERE x.department_id = d.id),"
		" IFNULL(SUM(c.n), 0),"
		" IFNULL(SUM(CASE c.status WHEN 'green' THEN c.n END), 0),"
		" IFNULL(SUM(CASE c.status WHEN 'yellow' THEN c.n END), 0),"
		" IFNULL(SUM(CASE c.status WHEN 'red' THEN c.n END), 0)"
		" FROM departments d LEFT JOIN daily_counts c ON c.department_id = d.id AND c.date = ?1"
		" WHERE (?2 IS NULL OR substr(d.path, 1, length(?2)) = ?2)"
		" GROUP BY d.id ORDER BY d.path",
	[ST_DASH_ON_TIME] = "SELECT department_id, count(*) FROM reports WHERE date = ?1 AND version = 1"
			    " AND created_at <= ?2 GROUP BY department_id",
	[ST_DASH_PLACES] =
		"SELECT c.place, SUM(c.n),"
		" SUM(CASE c.status WHEN 'green' THEN c.n ELSE 0 END),"
		" SUM(CASE c.status WHEN 'yellow' THEN c.n ELSE 0 END),"
		" SUM(CASE c.status WHEN 'red' THEN c.n ELSE 0 END)"
		" FROM daily_counts c JOIN departments d ON d.id = c.department_id"
		" WHERE c.date = ?1 AND (?2 IS NULL OR substr(d.path, 1, length(?2)) = ?2)"
		" GROUP BY c.place ORDER BY c.place",
	[ST_DASH_TREND] =
		"SELECT c.date, SUM(c.n),"
		" SUM(CASE c.status WHEN 'green' THEN c.n ELSE 0 END),"
		" SUM(CASE c.status WHEN 'yellow' THEN c.n ELSE 0 END),"
		" SUM(CASE c.status WHEN 'red' THEN c.n ELSE 0 END)"
		" FROM daily_counts c JOIN departments d ON d.id = c.department_id"
		" WHERE c.date BETWEEN ?1 AND ?2 AND (?3 IS NULL OR substr(d.path, 1, length(?3)) = ?3)"
		" GROUP BY c.date ORDER BY c.date",
	[ST_ALERT_GET] = "SELECT " ALERT_COLS ALERT_FROM " WHERE a.id = ?1",
	[ST_ALERT_LIST] = "SELECT " ALERT_COLS ALERT_FROM
			  " WHERE (?1 IS NULL OR substr(d.path, 1, length(?1)) = ?1)"
			  " AND (?2 = 0 OR a.acked_at = 0) AND (?3 = 0 OR a.date = ?3) AND a.id > ?4"
			  " ORDER BY a.id LIMIT ?5",
	[ST_ALERT_INSERT] = "INSERT INTO alerts(report_id, person_id, department_id, date, status, rule,"
			    " reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_ALERT_ACK] = "UPDATE alerts SET acked_by = ?2, acked_at = ?3, clinic_visited = ?4,"
			 " community_informed = ?5, result = ?6, follow_up = ?7"
			 " WHERE id = ?1 AND acked_at = 0",
	[ST_ALERT_EXISTS] = "SELECT 1 FROM alerts WHERE id = ?1",
	[ST_WEBHOOK_LIST] = "SELECT id, name, kind, url, events, enabled, created_at FROM webhooks"
			    " WHERE deleted_at = 0 ORDER BY id",
	[ST_WEBHOOK_INSERT] = "INSERT INTO webhooks(name, kind, url, events, enabled, created_at)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_WEBHOOK_DELETE] = "UPDATE webhooks SET deleted_at = CAST(strftime('%s', 'now') AS INTEGER),"
			      " enabled = 0 WHERE id = ?1 AND deleted_at = 0",
	[ST_DELIVERY_INSERT] = "INSERT INTO deliveries(webhook_id, event, payload, state, attempts, next_at,"
			       " created_at) VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5)",
	[ST_DELIVERY_DUE] = "SELECT " DELIVERY_COLS DELIVERY_FROM
			    " WHERE dl.state = 'pending' AND dl.next_at <= ?1 AND w.deleted_at = 0"
			    " ORDER BY dl.next_at, dl.id"
			    " LIMIT ?2",
	[ST_DELIVERY_UPDATE] = "UPDATE deliveries SET state = ?2, attempts = ?3, next_at = ?4,"
			       " last_status = ?5, last_error = ?6, delivered_at = ?7 WHERE id = ?1",
	[ST_DELIVERY_LIST] = "SELECT " DELIVERY_COLS DELIVERY_FROM
			     " WHERE (?1 = 0 OR dl.id < ?1) ORDER BY dl.id DESC LIMIT ?2",
	[ST_REMINDER_CLAIM] = "INSERT INTO reminders(date, department_id, missing, sent_at)"
			      " VALUES (?1, ?2, ?3, ?4)",
};

/* ---- connections ----------------------------------------------------- */

static void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	for (int i = 0; i < SQ_CASES_ST_MAX; i++)
		sqlite3_finalize(c->cases_st[i]);
	for (int i = 0; i < SQ_RISK_ST_MAX; i++)
		sqlite3_finalize(c->risk_st[i]);
	for (int i = 0; i < SQ_SIGNALS_ST_MAX; i++)
		sqlite3_finalize(c->signals_st[i]);
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

static int collect(sqlite3_stmt *st, size_t elem, sq_row_fn row, void **out, size_t *n);

static void
region_row(sqlite3_stmt *st, void *elem)
{
	region_t *out = elem;
	col_text(st, 0, out->code, sizeof out->code);
	col_text(st, 1, out->name, sizeof out->name);
	col_text(st, 2, out->level, sizeof out->level);
	col_text(st, 3, out->parent_code, sizeof out->parent_code);
	col_text(st, 4, out->source, sizeof out->source);
}

static int
sq_region_search(void *drv, const char *q, int limit, region_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (q == NULL || q[0] == '\0' || limit < 1 || limit > 100)
		return FK_EINVAL;
	c = reader_get(d);
	if (c == NULL || (st = stmt(c, ST_REGION_SEARCH)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	bind_text(st, 1, q);
	sqlite3_bind_int(st, 2, limit);
	rc = collect(st, sizeof **out, region_row, (void **)out, n);
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
	memcpy(dep->path, path, strlen(path) + 1); /* length checked above */
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
	memcpy(dep->path, path, strlen(path) + 1); /* length checked above */
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
	rc = sqlite3_step(st);
	done(st);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
		return fk_error_set(err, FK_ECONFLICT, "id", "a person with id '%s' already exists",
				    p->id);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return fk_error_set(err, FK_EINVAL, "region_code",
				    "the department or region_code %s does not exist", p->region_code);
	rc = rc == SQLITE_DONE ? 0 : map_rc(rc);
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
sq_setting_get(void *drv, bool tx, const char *key, char *value, size_t cap)
{
	struct drv *d = drv;
	struct conn *c = use(d, tx);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL || (st = stmt(c, ST_SETTING_GET)) == NULL) {
		unuse(d, tx, c);
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
	unuse(d, tx, c);
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


/* ---- generic list helper ------------------------------------------------ */

typedef sq_row_fn row_fn;

/* Step the bound statement st, calling row() into a growing array of
 * elem-byte elements.  Resets st.  *out is malloc'd (NULL when empty). */
static int
collect(sqlite3_stmt *st, size_t elem, row_fn row, void **out, size_t *n)
{
	char *arr = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char *p = realloc(arr, ncap * elem);
			if (p == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			arr = p;
			cap = ncap;
		}
		memset(arr + len * elem, 0, elem);
		row(st, arr + len * elem);
		len++;
	}
	done(st);
	if (rc != SQLITE_DONE) {
		free(arr);
		return map_rc(rc);
	}
	*out = arr;
	*n = len;
	return 0;
}

/* Fetch one row into elem: FK_ENOTFOUND when there is none. */
static int
fetch_one(sqlite3_stmt *st, row_fn row, void *elem)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row(st, elem);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? FK_ENOTFOUND : map_rc(rc);
	}
	done(st);
	return rc;
}

/* ---- daily reports --------------------------------------------------------- */

static void
travel_split(const char *csv, report_t *r)
{
	const char *p = csv;
	r->n_travel = 0;
	while (*p && r->n_travel < REPORT_TRAVEL_MAX) {
		size_t len = strcspn(p, ",");
		if (len == REGION_CODE_LEN) {
			memcpy(r->travel_regions[r->n_travel], p, len);
			r->travel_regions[r->n_travel][len] = '\0';
			r->n_travel++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
}

static void
report_row(sqlite3_stmt *st, void *elem)
{
	report_rec_t *x = elem;
	char buf[32];
	const unsigned char *t;

	x->r.id = sqlite3_column_int64(st, 0);
	col_text(st, 1, x->r.person_id, sizeof x->r.person_id);
	x->r.date = sqlite3_column_int(st, 2);
	x->version = sqlite3_column_int(st, 3);
	x->current = sqlite3_column_int(st, 4) != 0;
	x->r.temp_dc = sqlite3_column_int(st, 5);
	x->r.symptoms = (unsigned)sqlite3_column_int(st, 6);
	col_text(st, 7, x->r.symptoms_note, sizeof x->r.symptoms_note);
	col_text(st, 8, x->r.region_code, sizeof x->r.region_code);
	col_text(st, 9, buf, sizeof buf);
	if (location_parse(buf, &x->r.location))
		x->r.location = LOC_HOME;
	col_text(st, 10, buf, sizeof buf);
	if (exposure_parse(buf, &x->r.exposure))
		x->r.exposure = EXP_NONE;
	x->r.family_unwell = sqlite3_column_int(st, 11) != 0;
	t = sqlite3_column_text(st, 12);
	travel_split(t ? (const char *)t : "", &x->r);
	col_text(st, 13, x->r.note, sizeof x->r.note);
	col_text(st, 14, x->r.request_id, sizeof x->r.request_id);
	x->submitted_by = sqlite3_column_int64(st, 15);
	col_text(st, 16, x->submitted_by_name, sizeof x->submitted_by_name);
	x->on_behalf = sqlite3_column_int(st, 17) != 0;
	x->created_at = sqlite3_column_int64(st, 18);
	col_text(st, 19, buf, sizeof buf);
	if (status_parse(buf, &x->status))
		x->status = STATUS_RED; /* never shown green by mistake */
	col_text(st, 20, x->rule, sizeof x->rule);
	col_text(st, 21, x->policy_version, sizeof x->policy_version);
	col_text(st, 22, x->assessment, sizeof x->assessment);
	col_text(st, 23, buf, sizeof buf);
	if (status_parse(buf, &x->health_code))
		x->health_code = STATUS_RED;
	x->observation_end = sqlite3_column_int(st, 24);
	col_text(st, 25, x->place, sizeof x->place);
	col_text(st, 26, x->flags, sizeof x->flags);
	col_text(st, 27, x->person_name, sizeof x->person_name);
	x->department_id = sqlite3_column_int64(st, 28);
	col_text(st, 29, x->department, sizeof x->department);
}

static int
sq_report_get(void *drv, int64_t id, report_rec_t *out)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;
	if (c == NULL || (st = stmt(c, ST_REPORT_GET)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(st, 1, id);
	rc = fetch_one(st, report_row, out);
	reader_put(d, c);
	return rc;
}

static int
sq_report_list(void *drv, const struct report_query *q, report_rec_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;
	if (c == NULL || (st = stmt(c, ST_REPORT_LIST)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	sqlite3_bind_int(st, 1, q->from);
	sqlite3_bind_int(st, 2, q->to);
	bind_text(st, 3, q->dept_path);
	bind_text(st, 4, q->region_prefix);
	bind_text(st, 5, q->person_id);
	bind_text(st, 6, q->status >= 0 ? status_name((enum status)q->status) : NULL);
	sqlite3_bind_int(st, 7, q->flagged_only);
	sqlite3_bind_int64(st, 8, q->after_id);
	sqlite3_bind_int(st, 9, q->limit > 0 ? q->limit : -1);
	rc = collect(st, sizeof **out, report_row, (void **)out, n);
	reader_put(d, c);
	return rc;
}

static int
sq_report_versions(void *drv, bool tx, const char *person_id, int32_t date, report_rec_t **out,
		   size_t *n)
{
	struct drv *d = drv;
	struct conn *c = use(d, tx);
	sqlite3_stmt *st;
	int rc;
	if (c == NULL || (st = stmt(c, ST_REPORT_VERSIONS)) == NULL) {
		unuse(d, tx, c);
		return FK_EIO;
	}
	bind_text(st, 1, person_id);
	sqlite3_bind_int(st, 2, date);
	rc = collect(st, sizeof **out, report_row, (void **)out, n);
	unuse(d, tx, c);
	return rc;
}

static int
sq_report_recent(void *drv, bool tx, const char *person_id, int32_t from, int32_t to,
		 report_rec_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = use(d, tx);
	sqlite3_stmt *st;
	int rc;
	if (c == NULL || (st = stmt(c, ST_REPORT_RECENT)) == NULL) {
		unuse(d, tx, c);
		return FK_EIO;
	}
	bind_text(st, 1, person_id);
	sqlite3_bind_int(st, 2, from);
	sqlite3_bind_int(st, 3, to);
	rc = collect(st, sizeof **out, report_row, (void **)out, n);
	unuse(d, tx, c);
	return rc;
}

static int
sq_tx_report_by_request(void *drv, const char *person_id, const char *request_id,
			report_rec_t *out)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, ST_REPORT_BY_REQUEST);
	if (st == NULL)
		return FK_EIO;
	memset(out, 0, sizeof *out);
	bind_text(st, 1, person_id);
	bind_text(st, 2, request_id);
	return fetch_one(st, report_row, out);
}

/* Move one report's weight in the daily counts. */
static int
counts_add(struct drv *d, int32_t date, int64_t department_id, const char *place,
	   const char *status, int delta)
{
	sqlite3_stmt *st = stmt(d->writer, ST_COUNTS_ADD);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int(st, 1, date);
	sqlite3_bind_int64(st, 2, department_id);
	bind_text(st, 3, place);
	bind_text(st, 4, status);
	sqlite3_bind_int(st, 5, delta);
	return exec_st(st);
}

static int
sq_tx_report_insert(void *drv, report_rec_t *rec, int64_t department_id, struct fk_error *err)
{
	struct drv *d = drv;
	sqlite3_stmt *st = stmt(d->writer, ST_REPORT_CURRENT_OF);
	char travel[REPORT_TRAVEL_MAX * (REGION_CODE_LEN + 1) + 1] = "";
	int version = 1, rc;

	if (st == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot store the report");
	bind_text(st, 1, rec->r.person_id);
	sqlite3_bind_int(st, 2, rec->r.date);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int64_t old_id = sqlite3_column_int64(st, 0);
		int64_t old_dept = sqlite3_column_int64(st, 4);
		char old_status[8], old_place[12];
		version = sqlite3_column_int(st, 1) + 1;
		col_text(st, 2, old_status, sizeof old_status);
		col_text(st, 3, old_place, sizeof old_place);
		done(st);
		sqlite3_stmt *up = stmt(d->writer, ST_REPORT_SUPERSEDE);
		if (up == NULL)
			return fk_error_set(err, FK_EIO, "", "cannot store the report");
		sqlite3_bind_int64(up, 1, old_id);
		if ((rc = exec_st(up)) ||
		    (rc = counts_add(d, rec->r.date, old_dept, old_place, old_status, -1)))
			return fk_error_set(err, rc, "", "cannot store the report");
	} else {
		done(st);
		if (rc != SQLITE_DONE)
			return fk_error_set(err, map_rc(rc), "", "cannot store the report");
	}
	for (int i = 0; i < rec->r.n_travel; i++) {
		if (i)
			strcat(travel, ",");
		strcat(travel, rec->r.travel_regions[i]);
	}
	if ((st = stmt(d->writer, ST_REPORT_INSERT)) == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot store the report");
	bind_text(st, 1, rec->r.person_id);
	sqlite3_bind_int(st, 2, rec->r.date);
	sqlite3_bind_int(st, 3, version);
	sqlite3_bind_int(st, 4, rec->r.temp_dc);
	sqlite3_bind_int(st, 5, (int)rec->r.symptoms);
	bind_text(st, 6, rec->r.symptoms_note);
	bind_text(st, 7, rec->r.region_code);
	bind_text(st, 8, location_name(rec->r.location));
	bind_text(st, 9, exposure_name(rec->r.exposure));
	sqlite3_bind_int(st, 10, rec->r.family_unwell);
	bind_text(st, 11, travel);
	bind_text(st, 12, rec->r.note);
	bind_text(st, 13, rec->r.request_id);
	sqlite3_bind_int64(st, 14, rec->submitted_by);
	bind_text(st, 15, rec->submitted_by_name);
	sqlite3_bind_int(st, 16, rec->on_behalf);
	sqlite3_bind_int64(st, 17, rec->created_at);
	bind_text(st, 18, status_name(rec->status));
	bind_text(st, 19, rec->rule);
	bind_text(st, 20, rec->policy_version);
	bind_text(st, 21, rec->assessment);
	bind_text(st, 22, status_name(rec->health_code));
	sqlite3_bind_int(st, 23, rec->observation_end);
	bind_text(st, 24, rec->place);
	bind_text(st, 25, rec->flags);
	sqlite3_bind_int64(st, 26, department_id);
	rc = sqlite3_step(st);
	done(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return fk_error_set(err, FK_ECONFLICT, "request_id",
				    "request_id '%s' was already used for another report",
				    rec->r.request_id);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return fk_error_set(err, FK_EINVAL, "region_code",
				    "the person or region_code %s does not exist", rec->r.region_code);
	if (rc != SQLITE_DONE)
		return fk_error_set(err, map_rc(rc), "", "cannot store the report");
	rec->r.id = sqlite3_last_insert_rowid(d->writer->db);
	rec->version = version;
	rec->current = true;
	rec->department_id = department_id;
	rc = counts_add(d, rec->r.date, department_id, rec->place, status_name(rec->status), 1);
	return rc ? fk_error_set(err, rc, "", "cannot count the report") : 0;
}

static int
sq_tx_report_count_by_submitter(void *drv, int64_t user_id, int64_t since, int64_t *out)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, ST_REPORT_COUNT_BY_SUBMITTER);
	int rc;
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, since);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	done(st);
	return rc == SQLITE_ROW ? 0 : map_rc(rc);
}

static void
person_elem(sqlite3_stmt *st, void *elem)
{
	person_row(st, elem);
}

static int
sq_missing(void *drv, int32_t date, const struct person_query *q, person_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;
	if (c == NULL || (st = stmt(c, ST_MISSING)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	bind_text(st, 1, q->dept_path);
	bind_text(st, 2, q->region_prefix);
	bind_text(st, 3, q->person_id);
	bind_text(st, 4, q->after_id);
	sqlite3_bind_int(st, 5, q->limit > 0 ? q->limit : -1);
	sqlite3_bind_int(st, 6, date);
	rc = collect(st, sizeof **out, person_elem, (void **)out, n);
	reader_put(d, c);
	return rc;
}

static void
dash_dept_row(sqlite3_stmt *st, void *elem)
{
	struct dash_department *x = elem;
	x->department_id = sqlite3_column_int64(st, 0);
	col_text(st, 1, x->department, sizeof x->department);
	col_text(st, 2, x->path, sizeof x->path);
	x->people = sqlite3_column_int64(st, 3);
	x->reported = sqlite3_column_int64(st, 4);
	x->green = sqlite3_column_int64(st, 5);
	x->yellow = sqlite3_column_int64(st, 6);
	x->red = sqlite3_column_int64(st, 7);
}

static int
sq_dash_departments(void *drv, int32_t date, const char *dept_path, struct dash_department **out,
		    size_t *n)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;
	if (c == NULL || (st = stmt(c, ST_DASH_DEPARTMENTS)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	sqlite3_bind_int(st, 1, date);
	bind_text(st, 2, dept_path);
	rc = collect(st, sizeof **out, dash_dept_row, (void **)out, n);
	reader_put(d, c);
	return rc;
}

static int
sq_dash_on_time(void *drv, int32_t date, int64_t cutoff, struct dash_department *deps, size_t n)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;
	if (c == NULL || (st = stmt(c, ST_DASH_ON_TIME)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	sqlite3_bind_int(st, 1, date);
	sqlite3_bind_int64(st, 2, cutoff);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t dept = sqlite3_column_int64(st, 0);
		for (size_t i = 0; i < n; i++)
			if (deps[i].department_id == dept)
				deps[i].on_time = sqlite3_column_int64(st, 1);
	}
	done(st);
	reader_put(d, c);
	return rc == SQLITE_DONE ? 0 : map_rc(rc);
}

static void
dash_place_row(sqlite3_stmt *st, void *elem)
{
	struct dash_place *x = elem;
	col_text(st, 0, x->place, sizeof x->place);
	x->reported = sqlite3_column_int64(st, 1);
	x->green = sqlite3_column_int64(st, 2);
	x->yellow = sqlite3_column_int64(st, 3);
	x->red = sqlite3_column_int64(st, 4);
}

static int
sq_dash_places(void *drv, int32_t date, const char *dept_path, struct dash_place out[3], size_t *n)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	struct dash_place *rows = NULL;
	sqlite3_stmt *st;
	size_t k = 0;
	int rc;
	if (c == NULL || (st = stmt(c, ST_DASH_PLACES)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	sqlite3_bind_int(st, 1, date);
	bind_text(st, 2, dept_path);
	rc = collect(st, sizeof *rows, dash_place_row, (void **)&rows, &k);
	reader_put(d, c);
	*n = 0;
	for (size_t i = 0; rc == 0 && i < k && i < 3; i++)
		out[(*n)++] = rows[i];
	free(rows);
	return rc;
}

static void
dash_day_row(sqlite3_stmt *st, void *elem)
{
	struct dash_day *x = elem;
	x->date = sqlite3_column_int(st, 0);
	x->reported = sqlite3_column_int64(st, 1);
	x->green = sqlite3_column_int64(st, 2);
	x->yellow = sqlite3_column_int64(st, 3);
	x->red = sqlite3_column_int64(st, 4);
}

static int
sq_dash_trend(void *drv, int32_t from, int32_t to, const char *dept_path, struct dash_day **out,
	      size_t *n)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	struct dash_day *rows = NULL, *all;
	sqlite3_stmt *st;
	size_t k = 0, j = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (to < from)
		return FK_EINVAL;
	if (c == NULL || (st = stmt(c, ST_DASH_TREND)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	bind_text(st, 3, dept_path);
	rc = collect(st, sizeof *rows, dash_day_row, (void **)&rows, &k);
	reader_put(d, c);
	if (rc)
		return rc;
	/* every day of the range, zeros where nobody reported */
	all = calloc((size_t)(to - from + 1), sizeof *all);
	if (all == NULL) {
		free(rows);
		return FK_ENOMEM;
	}
	for (int32_t day = from; day <= to; day++) {
		struct dash_day *x = &all[day - from];
		if (j < k && rows[j].date == day)
			*x = rows[j++];
		else
			x->date = day;
	}
	free(rows);
	*out = all;
	*n = (size_t)(to - from + 1);
	return 0;
}

/* ---- alerts ------------------------------------------------------------------ */

static void
alert_row(sqlite3_stmt *st, void *elem)
{
	alert_t *a = elem;
	char buf[16];
	a->id = sqlite3_column_int64(st, 0);
	a->report_id = sqlite3_column_int64(st, 1);
	col_text(st, 2, a->person_id, sizeof a->person_id);
	col_text(st, 3, a->person_name, sizeof a->person_name);
	a->department_id = sqlite3_column_int64(st, 4);
	col_text(st, 5, a->department, sizeof a->department);
	a->date = sqlite3_column_int(st, 6);
	col_text(st, 7, buf, sizeof buf);
	if (status_parse(buf, &a->status))
		a->status = STATUS_RED;
	col_text(st, 8, a->rule, sizeof a->rule);
	col_text(st, 9, a->reason, sizeof a->reason);
	a->created_at = sqlite3_column_int64(st, 10);
	col_text(st, 11, a->acked_by, sizeof a->acked_by);
	a->acked_at = sqlite3_column_int64(st, 12);
	a->clinic_visited = sqlite3_column_int(st, 13);
	a->community_informed = sqlite3_column_int(st, 14);
	col_text(st, 15, a->result, sizeof a->result);
	col_text(st, 16, a->follow_up, sizeof a->follow_up);
}

static int
sq_alert_get(void *drv, int64_t id, alert_t *out)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;
	if (c == NULL || (st = stmt(c, ST_ALERT_GET)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(st, 1, id);
	rc = fetch_one(st, alert_row, out);
	reader_put(d, c);
	return rc;
}

static int
sq_alert_list(void *drv, const struct alert_query *q, alert_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;
	if (c == NULL || (st = stmt(c, ST_ALERT_LIST)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	bind_text(st, 1, q->dept_path);
	sqlite3_bind_int(st, 2, q->open_only);
	sqlite3_bind_int(st, 3, q->date);
	sqlite3_bind_int64(st, 4, q->after_id);
	sqlite3_bind_int(st, 5, q->limit > 0 ? q->limit : -1);
	rc = collect(st, sizeof **out, alert_row, (void **)out, n);
	reader_put(d, c);
	return rc;
}

static int
sq_tx_alert_insert(void *drv, alert_t *a)
{
	struct drv *d = drv;
	sqlite3_stmt *st = stmt(d->writer, ST_ALERT_INSERT);
	int rc;
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, a->report_id);
	bind_text(st, 2, a->person_id);
	sqlite3_bind_int64(st, 3, a->department_id);
	sqlite3_bind_int(st, 4, a->date);
	bind_text(st, 5, status_name(a->status));
	bind_text(st, 6, a->rule);
	bind_text(st, 7, a->reason);
	sqlite3_bind_int64(st, 8, a->created_at);
	rc = exec_st(st);
	if (rc == 0)
		a->id = sqlite3_last_insert_rowid(d->writer->db);
	return rc;
}

static int
sq_tx_alert_ack(void *drv, const alert_t *a)
{
	struct drv *d = drv;
	sqlite3_stmt *st = stmt(d->writer, ST_ALERT_ACK);
	int rc;
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, a->id);
	bind_text(st, 2, a->acked_by);
	sqlite3_bind_int64(st, 3, a->acked_at);
	sqlite3_bind_int(st, 4, a->clinic_visited);
	sqlite3_bind_int(st, 5, a->community_informed);
	bind_text(st, 6, a->result);
	bind_text(st, 7, a->follow_up);
	if ((rc = exec_st(st)))
		return rc;
	/* nothing changed: already acknowledged, or no such alert */
	return sq__changed_once(d, stmt(d->writer, ST_ALERT_EXISTS), a->id);
}

/* ---- webhooks, deliveries, reminders ----------------------------------------- */

static void
webhook_row(sqlite3_stmt *st, void *elem)
{
	webhook_t *w = elem;
	w->id = sqlite3_column_int64(st, 0);
	col_text(st, 1, w->name, sizeof w->name);
	col_text(st, 2, w->kind, sizeof w->kind);
	col_text(st, 3, w->url, sizeof w->url);
	col_text(st, 4, w->events, sizeof w->events);
	w->enabled = sqlite3_column_int(st, 5) != 0;
	w->created_at = sqlite3_column_int64(st, 6);
}

static int
sq_webhook_list(void *drv, bool tx, webhook_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = use(d, tx);
	sqlite3_stmt *st;
	int rc;
	if (c == NULL || (st = stmt(c, ST_WEBHOOK_LIST)) == NULL) {
		unuse(d, tx, c);
		return FK_EIO;
	}
	rc = collect(st, sizeof **out, webhook_row, (void **)out, n);
	unuse(d, tx, c);
	return rc;
}

static int
sq_tx_webhook_insert(void *drv, webhook_t *w, struct fk_error *err)
{
	struct drv *d = drv;
	sqlite3_stmt *st = stmt(d->writer, ST_WEBHOOK_INSERT);
	int rc;
	if (st == NULL)
		return fk_error_set(err, FK_EIO, "", "cannot store the webhook");
	bind_text(st, 1, w->name);
	bind_text(st, 2, w->kind);
	bind_text(st, 3, w->url);
	bind_text(st, 4, w->events);
	sqlite3_bind_int(st, 5, w->enabled);
	sqlite3_bind_int64(st, 6, w->created_at);
	rc = exec_st(st);
	if (rc == FK_ECONFLICT)
		return fk_error_set(err, FK_ECONFLICT, "name", "a webhook named '%s' exists", w->name);
	if (rc)
		return fk_error_set(err, rc, "", "cannot store the webhook");
	w->id = sqlite3_last_insert_rowid(d->writer->db);
	return 0;
}

static int
sq_tx_webhook_delete(void *drv, int64_t id)
{
	struct drv *d = drv;
	int rc = sq_tx_int_exec(drv, ST_WEBHOOK_DELETE, id);
	if (rc == 0 && sqlite3_changes(d->writer->db) == 0)
		return FK_ENOTFOUND;
	return rc;
}

static int
sq_tx_delivery_insert(void *drv, delivery_t *dl)
{
	struct drv *d = drv;
	sqlite3_stmt *st = stmt(d->writer, ST_DELIVERY_INSERT);
	int rc;
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, dl->webhook_id);
	bind_text(st, 2, dl->event);
	bind_text(st, 3, dl->payload);
	sqlite3_bind_int64(st, 4, dl->next_at);
	sqlite3_bind_int64(st, 5, dl->created_at);
	rc = exec_st(st);
	if (rc == 0)
		dl->id = sqlite3_last_insert_rowid(d->writer->db);
	return rc;
}

static void
delivery_row(sqlite3_stmt *st, void *elem)
{
	delivery_t *x = elem;
	x->id = sqlite3_column_int64(st, 0);
	x->webhook_id = sqlite3_column_int64(st, 1);
	col_text(st, 2, x->webhook_name, sizeof x->webhook_name);
	col_text(st, 3, x->url, sizeof x->url);
	col_text(st, 4, x->kind, sizeof x->kind);
	col_text(st, 5, x->event, sizeof x->event);
	col_text(st, 6, x->payload, sizeof x->payload);
	col_text(st, 7, x->state, sizeof x->state);
	x->attempts = sqlite3_column_int(st, 8);
	x->next_at = sqlite3_column_int64(st, 9);
	x->last_status = sqlite3_column_int(st, 10);
	col_text(st, 11, x->last_error, sizeof x->last_error);
	x->created_at = sqlite3_column_int64(st, 12);
	x->delivered_at = sqlite3_column_int64(st, 13);
}

static int
delivery_query(struct drv *d, enum stmt_id id, int64_t a, int limit, delivery_t **out, size_t *n)
{
	struct conn *c = reader_get(d);
	sqlite3_stmt *st;
	int rc;
	if (c == NULL || (st = stmt(c, id)) == NULL) {
		unuse(d, false, c);
		return FK_EIO;
	}
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 100);
	rc = collect(st, sizeof **out, delivery_row, (void **)out, n);
	reader_put(d, c);
	return rc;
}

static int
sq_delivery_due(void *drv, int64_t now, int limit, delivery_t **out, size_t *n)
{
	return delivery_query(drv, ST_DELIVERY_DUE, now, limit, out, n);
}

static int
sq_delivery_list(void *drv, int64_t before, int limit, delivery_t **out, size_t *n)
{
	return delivery_query(drv, ST_DELIVERY_LIST, before, limit, out, n);
}

static int
sq_tx_delivery_update(void *drv, const delivery_t *dl)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, ST_DELIVERY_UPDATE);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, dl->id);
	bind_text(st, 2, dl->state);
	sqlite3_bind_int(st, 3, dl->attempts);
	sqlite3_bind_int64(st, 4, dl->next_at);
	sqlite3_bind_int(st, 5, dl->last_status);
	bind_text(st, 6, dl->last_error);
	sqlite3_bind_int64(st, 7, dl->delivered_at);
	return exec_st(st);
}

static int
sq_tx_reminder_claim(void *drv, int32_t date, int64_t department_id, int64_t missing, int64_t now)
{
	sqlite3_stmt *st = stmt(((struct drv *)drv)->writer, ST_REMINDER_CLAIM);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int(st, 1, date);
	sqlite3_bind_int64(st, 2, department_id);
	sqlite3_bind_int64(st, 3, missing);
	sqlite3_bind_int64(st, 4, now);
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
	.region_search = sq_region_search,
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
	.report_get = sq_report_get,
	.report_list = sq_report_list,
	.report_versions = sq_report_versions,
	.report_recent = sq_report_recent,
	.tx_report_by_request = sq_tx_report_by_request,
	.tx_report_insert = sq_tx_report_insert,
	.tx_report_count_by_submitter = sq_tx_report_count_by_submitter,
	.missing = sq_missing,
	.dash_departments = sq_dash_departments,
	.dash_places = sq_dash_places,
	.dash_on_time = sq_dash_on_time,
	.dash_trend = sq_dash_trend,
	.alert_get = sq_alert_get,
	.alert_list = sq_alert_list,
	.tx_alert_insert = sq_tx_alert_insert,
	.tx_alert_ack = sq_tx_alert_ack,
	.webhook_list = sq_webhook_list,
	.tx_webhook_insert = sq_tx_webhook_insert,
	.tx_webhook_delete = sq_tx_webhook_delete,
	.tx_delivery_insert = sq_tx_delivery_insert,
	.delivery_due = sq_delivery_due,
	.tx_delivery_update = sq_tx_delivery_update,
	.delivery_list = sq_delivery_list,
	.tx_reminder_claim = sq_tx_reminder_claim,
	.subject_get = sq__subject_get,
	.subject_by_person = sq__subject_by_person,
	.tx_subject_duplicates = sq__tx_subject_duplicates,
	.tx_subject_insert = sq__tx_subject_insert,
	.tx_subject_merge = sq__tx_subject_merge,
	.case_get = sq__case_get,
	.case_list = sq__case_list,
	.tx_cases_of_subject = sq__tx_cases_of_subject,
	.tx_case_insert = sq__tx_case_insert,
	.tx_case_update = sq__tx_case_update,
	.tx_case_event_insert = sq__tx_case_event_insert,
	.case_events = sq__case_events,
	.tx_lab_insert = sq__tx_lab_insert,
	.labs_of_case = sq__labs_of_case,
	.tx_placement_insert = sq__tx_placement_insert,
	.placements_of_subject = sq__placements_of_subject,
	.tx_exposure_insert = sq__tx_exposure_insert,
	.exposures_of_subject = sq__exposures_of_subject,
	.exposure_all = sq__exposure_all,
	.observation_get = sq__observation_get,
	.observation_open_of = sq__observation_open_of,
	.observation_list = sq__observation_list,
	.tx_observation_insert = sq__tx_observation_insert,
	.tx_observation_update = sq__tx_observation_update,
	.tx_followups_ensure = sq__tx_followups_ensure,
	.tx_followups_trim = sq__tx_followups_trim,
	.followups_of = sq__followups_of,
	.tx_followup_fill = sq__tx_followup_fill,
	.followups_missed = sq__followups_missed,
	.tx_review_insert = sq__tx_review_insert,
	.review_get = sq__review_get,
	.review_list = sq__review_list,
	.tx_review_resolve = sq__tx_review_resolve,
	.tx_series_replace = sq__tx_series_replace,
	.series_list = sq__series_list,
	.series_sources = sq__series_sources,
	.tx_risk_insert = sq__tx_risk_insert,
	.risk_latest = sq__risk_latest,
	.risk_current = sq__risk_current,
	.risk_history = sq__risk_history,
	.tx_response_insert = sq__tx_response_insert,
	.response_history = sq__response_history,
	.tx_plan_insert = sq__tx_plan_insert,
	.tx_plan_decide = sq__tx_plan_decide,
	.plan_get = sq__plan_get,
	.plan_list = sq__plan_list,
	.tx_risk_clear = sq__tx_risk_clear,
	.checkin_counts = sq__checkin_counts,
	.signal_get = sq__signal_get,
	.signal_list = sq__signal_list,
	.tx_signal_insert = sq__tx_signal_insert,
	.tx_signal_ack = sq__tx_signal_ack,
	.tx_detect_run_claim = sq__tx_detect_run_claim,
};

/* ---- helpers shared with the other SQLite files (store_sqlite_int.h) ---- */

struct conn *sq__use(struct drv *d, bool tx) { return use(d, tx); }
void sq__unuse(struct drv *d, bool tx, struct conn *c) { unuse(d, tx, c); }
void sq__done(sqlite3_stmt *st) { done(st); }
int sq__map_rc(int rc) { return map_rc(rc); }
int sq__exec(sqlite3_stmt *st) { return exec_st(st); }
void sq__col_text(sqlite3_stmt *st, int i, char *buf, size_t cap) { col_text(st, i, buf, cap); }
void sq__bind_text(sqlite3_stmt *st, int i, const char *s) { bind_text(st, i, s); }
int sq__collect(sqlite3_stmt *st, size_t elem, sq_row_fn row, void **out, size_t *n)
{ return collect(st, elem, row, out, n); }
int sq__fetch_one(sqlite3_stmt *st, sq_row_fn row, void *elem) { return fetch_one(st, row, elem); }

int
sq__constraint_rc(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return FK_ECONFLICT;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_CONSTRAINT_FOREIGNKEY:
	case SQLITE_CONSTRAINT_TRIGGER:
		return FK_EINVAL;
	default:
		return map_rc(rc);
	}
}

int
sq__exec_checked(sqlite3_stmt *st)
{
	int rc;
	if (st == NULL)
		return FK_EIO;
	rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? 0 : sq__constraint_rc(rc);
}

int
sq__changed_once(void *drv, sqlite3_stmt *exists, int64_t id)
{
	int rc;

	if (sqlite3_changes(((struct drv *)drv)->writer->db) > 0)
		return 0;
	if (exists == NULL)
		return FK_EIO;
	sqlite3_bind_int64(exists, 1, id);
	rc = sqlite3_step(exists);
	done(exists);
	return rc == SQLITE_ROW ? FK_ECONFLICT : rc == SQLITE_DONE ? FK_ENOTFOUND : map_rc(rc);
}

int
sq__insert(void *drv, sqlite3_stmt *st, int64_t *id)
{
	int rc = sq__exec_checked(st);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(((struct drv *)drv)->writer->db);
	return rc;
}

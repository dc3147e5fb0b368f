/*
 * store_sqlite_risk.c -- store layer: the SQLite backend of regional
 * risk and return to work (the last section of store.h): daily case
 * series per source and region, the history of risk levels (computed
 * changes and officials' overrides), provincial emergency response
 * levels, and departments' resumption plans.  Tables come from
 * migration 5 (store_sqlite_schema.c).
 *
 * Statements live in each connection's risk_st[] (store_sqlite_int.h),
 * prepared once (SQLITE_PREPARE_PERSISTENT) and finalised by the
 * connection's close.  tx_* functions run on the writer's connection
 * inside a write job; the others take a pooled reader, or the writer's
 * connection when called with tx (the store_tx_ read forms).
 *
 * Errors: a broken CHECK, NOT NULL, foreign key or trigger (an unknown
 * region or department, a negative count, a level out of range, a
 * response level for a region that is not a province) is FK_EINVAL; a
 * duplicate series row (same region and date twice in one replace) is
 * FK_ECONFLICT.
 *
 * Conventions of this section:
 *  - series reads take from..to inclusive, 0 meaning open on that side;
 *    store_tx_series_replace needs a real range (from <= to) and every
 *    row inside it, of the same source (a row's own source may be ""),
 *    else FK_EINVAL before anything is written.
 *  - "newest" change = latest `date`, then latest id (the one recorded
 *    last wins between two changes dated the same day).
 *  - store_risk_latest(override = true) returns the newest override as
 *    recorded, expired or not (override_until says); store_risk_current
 *    leaves out a region's newest override when it has expired on
 *    `date` (override_until <> 0 and < date) -- an expired override is
 *    not replaced by an older one.
 *  - store_risk_current returns one or two rows per region, by region
 *    code, the computed change before the override.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "store_sqlite_int.h"

enum rst_id {
	R_SERIES_DELETE,
	R_SERIES_INSERT,
	R_SERIES_LIST,
	R_SERIES_SOURCES,
	R_RISK_INSERT,
	R_RISK_CLEAR,
	R_RISK_LATEST,
	R_RISK_CURRENT,
	R_RISK_HISTORY,
	R_RESPONSE_INSERT,
	R_RESPONSE_HISTORY,
	R_PLAN_INSERT,
	R_PLAN_DECIDE,
	R_PLAN_EXISTS,
	R_PLAN_GET,
	R_PLAN_LIST,
	R_COUNT
};

_Static_assert(R_COUNT <= SQ_RISK_ST_MAX, "raise SQ_RISK_ST_MAX");

#define SERIES_COLS "source, region_code, date, new_confirmed, new_clusters, new_asymptomatic"
#define RISK_COLS "id, region_code, date, level, rule, reason, override, override_until, " \
	"set_by, at"
#define RESPONSE_COLS "id, province_code, date, level, note, set_by, at"
#define PLAN_COLS "p.id, p.department_id, IFNULL(d.name, ''), p.start_date, p.cap_percent, " \
	"p.note, p.status, p.created_by, p.decided_by, p.created_at, p.decided_at, " \
	"p.decision_note"
#define PLAN_FROM " FROM resumption_plans p LEFT JOIN departments d ON d.id = p.department_id"

static const char *const rst_sql[R_COUNT] = {
	[R_SERIES_DELETE] = "DELETE FROM series WHERE source = ?1 AND date BETWEEN ?2 AND ?3",
	[R_SERIES_INSERT] = "INSERT INTO series(" SERIES_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[R_SERIES_LIST] = "SELECT " SERIES_COLS " FROM series"
			  " WHERE (?1 IS NULL OR source = ?1)"
			  " AND (?2 IS NULL OR substr(region_code, 1, length(?2)) = ?2)"
			  " AND (?3 = 0 OR date >= ?3) AND (?4 = 0 OR date <= ?4)"
			  " ORDER BY region_code, date, source",
	[R_SERIES_SOURCES] = "SELECT source, count(*), min(date), max(date) FROM series"
			     " GROUP BY source ORDER BY source",
	[R_RISK_CLEAR] = "DELETE FROM risk_changes WHERE region_code = ?1 AND override = 0"
			  " AND date BETWEEN ?2 AND ?3",
	[R_RISK_INSERT] = "INSERT INTO risk_changes(region_code, date, level, rule, reason, override,"
			  " override_until, set_by, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[R_RISK_LATEST] = "SELECT " RISK_COLS " FROM risk_changes"
			  " WHERE region_code = ?1 AND override = ?3 AND date <= ?2"
			  " ORDER BY date DESC, id DESC LIMIT 1",
	/* newest per (region, override) on or before ?2; an expired
	 * newest override drops out */
	[R_RISK_CURRENT] = "SELECT " RISK_COLS " FROM ("
			   " SELECT *, row_number() OVER (PARTITION BY region_code, override"
			   "   ORDER BY date DESC, id DESC) AS rn FROM risk_changes"
			   " WHERE date <= ?2"
			   " AND (?1 IS NULL OR substr(region_code, 1, length(?1)) = ?1))"
			   " WHERE rn = 1 AND (override = 0 OR override_until = 0 OR override_until >= ?2)"
			   " ORDER BY region_code, override",
	[R_RISK_HISTORY] = "SELECT " RISK_COLS " FROM risk_changes WHERE region_code = ?1"
			   " ORDER BY date, id",
	[R_RESPONSE_INSERT] = "INSERT INTO response_levels(province_code, date, level, note, set_by, at)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[R_RESPONSE_HISTORY] = "SELECT " RESPONSE_COLS " FROM response_levels"
			       " WHERE (?1 IS NULL OR province_code = ?1) ORDER BY date, id",
	[R_PLAN_INSERT] = "INSERT INTO resumption_plans(department_id, start_date, cap_percent, note,"
			  " status, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[R_PLAN_DECIDE] = "UPDATE resumption_plans SET status = ?2, decided_by = ?3, decided_at = ?4,"
			  " decision_note = ?5 WHERE id = ?1 AND status = 'submitted'",
	[R_PLAN_EXISTS] = "SELECT 1 FROM resumption_plans WHERE id = ?1",
	[R_PLAN_GET] = "SELECT " PLAN_COLS PLAN_FROM " WHERE p.id = ?1",
	[R_PLAN_LIST] = "SELECT " PLAN_COLS PLAN_FROM
			" WHERE (?1 IS NULL OR substr(d.path, 1, length(?1)) = ?1)"
			" ORDER BY p.created_at DESC, p.id DESC",
};

/* ---- statements and results --------------------------------------------- */

/* Statement id on c, prepared on first use; NULL on failure (reported
 * to stderr). */
static sqlite3_stmt *
rst(struct conn *c, enum rst_id id)
{
	if (c->risk_st[id] == NULL &&
	    sqlite3_prepare_v3(c->db, rst_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->risk_st[id],
			       NULL) != SQLITE_OK) {
		fprintf(stderr, "store: cannot prepare risk statement %d: %s\n", (int)id,
			sqlite3_errmsg(c->db));
		c->risk_st[id] = NULL;
	}
	return c->risk_st[id];
}

/* The writer's statement (inside a job). */
static sqlite3_stmt *
wst(void *drv, enum rst_id id)
{
	return rst(((struct drv *)drv)->writer, id);
}

/* Bind a text that may be NULL or "" (both mean "any": SQL NULL). */
static void
bind_filter(sqlite3_stmt *st, int i, const char *s)
{
	sq__bind_text(st, i, s && s[0] ? s : NULL);
}

/* ---- series -------------------------------------------------------------- */

static void
series_row(sqlite3_stmt *st, void *elem)
{
	series_day_t *x = elem;
	sq__col_text(st, 0, x->source, sizeof x->source);
	sq__col_text(st, 1, x->region_code, sizeof x->region_code);
	x->date = sqlite3_column_int(st, 2);
	x->new_confirmed = sqlite3_column_int(st, 3);
	x->new_clusters = sqlite3_column_int(st, 4);
	x->new_asymptomatic = sqlite3_column_int(st, 5);
}

int
sq__tx_series_replace(void *drv, const char *source, int32_t from, int32_t to,
		      const series_day_t *rows, size_t n)
{
	sqlite3_stmt *st;
	int rc;

	if (source == NULL || source[0] == '\0' || strlen(source) >= sizeof rows->source ||
	    from > to || (n > 0 && rows == NULL))
		return FK_EINVAL;
	/* check everything before the first write: the job's savepoint
	 * would undo a half-done replace anyway, but a clear EINVAL is
	 * better than a surprise */
	for (size_t i = 0; i < n; i++) {
		if (rows[i].date < from || rows[i].date > to)
			return FK_EINVAL;
		if (rows[i].source[0] && strcmp(rows[i].source, source) != 0)
			return FK_EINVAL;
	}
	if ((st = wst(drv, R_SERIES_DELETE)) == NULL)
		return FK_EIO;
	sq__bind_text(st, 1, source);
	sqlite3_bind_int(st, 2, from);
	sqlite3_bind_int(st, 3, to);
	if ((rc = sq__exec_checked(st)))
		return rc;
	if ((st = wst(drv, R_SERIES_INSERT)) == NULL)
		return FK_EIO;
	for (size_t i = 0; i < n; i++) {
		const series_day_t *r = &rows[i];
		sq__bind_text(st, 1, source);
		sqlite3_bind_text(st, 2, r->region_code, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, r->date);
		sqlite3_bind_int(st, 4, r->new_confirmed);
		sqlite3_bind_int(st, 5, r->new_clusters);
		sqlite3_bind_int(st, 6, r->new_asymptomatic);
		if ((rc = sq__exec_checked(st)))
			return rc;
	}
	return 0;
}

int
sq__series_list(void *drv, const char *source, const char *region_prefix, int32_t from,
		int32_t to, series_day_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = sq__use(d, false);
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (c == NULL || (st = rst(c, R_SERIES_LIST)) == NULL) {
		sq__unuse(d, false, c);
		return FK_EIO;
	}
	bind_filter(st, 1, source);
	bind_filter(st, 2, region_prefix);
	sqlite3_bind_int(st, 3, from);
	sqlite3_bind_int(st, 4, to);
	rc = sq__collect(st, sizeof **out, series_row, (void **)out, n);
	sq__unuse(d, false, c);
	return rc;
}

static void
source_row(sqlite3_stmt *st, void *elem)
{
	struct series_source *x = elem;
	sq__col_text(st, 0, x->source, sizeof x->source);
	x->rows = sqlite3_column_int64(st, 1);
	x->first = sqlite3_column_int(st, 2);
	x->last = sqlite3_column_int(st, 3);
}

/* Rows of a statement with one optional text parameter (?1), or none. */
static int
list_text(void *drv, enum rst_id id, const char *text, bool bind, sq_row_fn row, size_t elem,
	  void **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = sq__use(d, false);
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (c == NULL || (st = rst(c, id)) == NULL) {
		sq__unuse(d, false, c);
		return FK_EIO;
	}
	if (bind)
		bind_filter(st, 1, text);
	rc = sq__collect(st, elem, row, out, n);
	sq__unuse(d, false, c);
	return rc;
}

int
sq__series_sources(void *drv, struct series_source **out, size_t *n)
{
	return list_text(drv, R_SERIES_SOURCES, NULL, false, source_row, sizeof **out,
			 (void **)out, n);
}

/* ---- risk levels ------------------------------------------------------------ */

static void
risk_row(sqlite3_stmt *st, void *elem)
{
	risk_change_t *x = elem;
	x->id = sqlite3_column_int64(st, 0);
	sq__col_text(st, 1, x->region_code, sizeof x->region_code);
	x->date = sqlite3_column_int(st, 2);
	sq__col_text(st, 3, x->level, sizeof x->level);
	sq__col_text(st, 4, x->rule, sizeof x->rule);
	sq__col_text(st, 5, x->reason, sizeof x->reason);
	x->override = sqlite3_column_int(st, 6) != 0;
	x->override_until = sqlite3_column_int(st, 7);
	sq__col_text(st, 8, x->by, sizeof x->by);
	x->at = sqlite3_column_int64(st, 9);
}

int
sq__tx_risk_insert(void *drv, risk_change_t *c)
{
	sqlite3_stmt *st = wst(drv, R_RISK_INSERT);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_text(st, 1, c->region_code, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, c->date);
	sqlite3_bind_text(st, 3, c->level, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->rule, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, c->override ? 1 : 0);
	sqlite3_bind_int(st, 7, c->override_until);
	sqlite3_bind_text(st, 8, c->by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, c->at);
	return sq__insert(drv, st, &c->id);
}

int
sq__tx_risk_clear(void *drv, const char *region_code, int32_t from, int32_t to)
{
	sqlite3_stmt *st = wst(drv, R_RISK_CLEAR);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_text(st, 1, region_code, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, from);
	sqlite3_bind_int(st, 3, to);
	return sq__exec_checked(st);
}

int
sq__risk_latest(void *drv, bool tx, const char *region_code, int32_t date, bool override,
		risk_change_t *out)
{
	struct drv *d = drv;
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (region_code == NULL)
		return FK_EINVAL;
	c = sq__use(d, tx);
	if (c == NULL || (st = rst(c, R_RISK_LATEST)) == NULL) {
		sq__unuse(d, tx, c);
		return FK_EIO;
	}
	sq__bind_text(st, 1, region_code);
	sqlite3_bind_int(st, 2, date);
	sqlite3_bind_int(st, 3, override ? 1 : 0);
	rc = sq__fetch_one(st, risk_row, out);
	sq__unuse(d, tx, c);
	return rc;
}

int
sq__risk_current(void *drv, const char *region_prefix, int32_t date, risk_change_t **out,
		 size_t *n)
{
	struct drv *d = drv;
	struct conn *c = sq__use(d, false);
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (c == NULL || (st = rst(c, R_RISK_CURRENT)) == NULL) {
		sq__unuse(d, false, c);
		return FK_EIO;
	}
	bind_filter(st, 1, region_prefix);
	sqlite3_bind_int(st, 2, date);
	rc = sq__collect(st, sizeof **out, risk_row, (void **)out, n);
	sq__unuse(d, false, c);
	return rc;
}

int
sq__risk_history(void *drv, const char *region_code, risk_change_t **out, size_t *n)
{
	if (region_code == NULL || region_code[0] == '\0') {
		*out = NULL;
		*n = 0;
		return FK_EINVAL;
	}
	return list_text(drv, R_RISK_HISTORY, region_code, true, risk_row, sizeof **out,
			 (void **)out, n);
}

/* ---- response levels ----------------------------------------------------------- */

static void
response_row(sqlite3_stmt *st, void *elem)
{
	response_level_t *x = elem;
	x->id = sqlite3_column_int64(st, 0);
	sq__col_text(st, 1, x->province_code, sizeof x->province_code);
	x->date = sqlite3_column_int(st, 2);
	x->level = sqlite3_column_int(st, 3);
	sq__col_text(st, 4, x->note, sizeof x->note);
	sq__col_text(st, 5, x->by, sizeof x->by);
	x->at = sqlite3_column_int64(st, 6);
}

int
sq__tx_response_insert(void *drv, response_level_t *r)
{
	sqlite3_stmt *st = wst(drv, R_RESPONSE_INSERT);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_text(st, 1, r->province_code, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->date);
	sqlite3_bind_int(st, 3, r->level);
	sqlite3_bind_text(st, 4, r->note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->at);
	return sq__insert(drv, st, &r->id);
}

int
sq__response_history(void *drv, const char *province_code, response_level_t **out, size_t *n)
{
	return list_text(drv, R_RESPONSE_HISTORY, province_code, true, response_row, sizeof **out,
			 (void **)out, n);
}

/* ---- resumption plans ------------------------------------------------------------ */

static void
plan_row(sqlite3_stmt *st, void *elem)
{
	resumption_plan_t *x = elem;
	x->id = sqlite3_column_int64(st, 0);
	x->department_id = sqlite3_column_int64(st, 1);
	sq__col_text(st, 2, x->department, sizeof x->department);
	x->start_date = sqlite3_column_int(st, 3);
	x->cap_percent = sqlite3_column_int(st, 4);
	sq__col_text(st, 5, x->note, sizeof x->note);
	sq__col_text(st, 6, x->status, sizeof x->status);
	sq__col_text(st, 7, x->by, sizeof x->by);
	sq__col_text(st, 8, x->decided_by, sizeof x->decided_by);
	x->created_at = sqlite3_column_int64(st, 9);
	x->decided_at = sqlite3_column_int64(st, 10);
	sq__col_text(st, 11, x->decision_note, sizeof x->decision_note);
}

int
sq__tx_plan_insert(void *drv, resumption_plan_t *p)
{
	sqlite3_stmt *st = wst(drv, R_PLAN_INSERT);
	if (st == NULL)
		return FK_EIO;
	/* a new plan waits for the office: status "" means submitted */
	if (p->status[0] == '\0')
		snprintf(p->status, sizeof p->status, "submitted");
	sqlite3_bind_int64(st, 1, p->department_id);
	sqlite3_bind_int(st, 2, p->start_date);
	sqlite3_bind_int(st, 3, p->cap_percent);
	sqlite3_bind_text(st, 4, p->note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, p->by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, p->created_at);
	return sq__insert(drv, st, &p->id);
}

int
sq__tx_plan_decide(void *drv, const resumption_plan_t *p)
{
	sqlite3_stmt *st;
	int rc;

	if (strcmp(p->status, "approved") != 0 && strcmp(p->status, "rejected") != 0)
		return FK_EINVAL;
	if ((st = wst(drv, R_PLAN_DECIDE)) == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, p->id);
	sqlite3_bind_text(st, 2, p->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->decided_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, p->decided_at);
	sqlite3_bind_text(st, 5, p->decision_note, -1, SQLITE_STATIC);
	if ((rc = sq__exec_checked(st)))
		return rc;
	/* nothing changed: absent, or decided already */
	return sq__changed_once(drv, wst(drv, R_PLAN_EXISTS), p->id);
}

int
sq__plan_get(void *drv, int64_t id, resumption_plan_t *out)
{
	struct drv *d = drv;
	struct conn *c = sq__use(d, false);
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (c == NULL || (st = rst(c, R_PLAN_GET)) == NULL) {
		sq__unuse(d, false, c);
		return FK_EIO;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sq__fetch_one(st, plan_row, out);
	sq__unuse(d, false, c);
	return rc;
}

int
sq__plan_list(void *drv, const char *dept_path, resumption_plan_t **out, size_t *n)
{
	return list_text(drv, R_PLAN_LIST, dept_path, true, plan_row, sizeof **out, (void **)out,
			 n);
}

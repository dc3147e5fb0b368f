/*
 * store_sqlite_signals.c -- store layer: the SQLite backend of the
 * detection signals (the last section of store.h): the daily counts of
 * fever-or-cough check-ins per department that the syndromic signal
 * watches, the aberrations the daily run finds (signals) with their
 * acknowledgement, and the claim of each day's run.  Tables come from
 * migration 7 (store_sqlite_schema.c).
 *
 * Statements live in each connection's signals_st[] (store_sqlite_int.h),
 * prepared once and finalised by the connection's close, as in
 * store_sqlite_risk.c.  tx_* functions run on the writer's connection
 * inside a write job.
 *
 * Errors: an unknown region or department, a method other than C1..C3
 * or a negative count is FK_EINVAL (a broken constraint); the same
 * signal twice is FK_ECONFLICT.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "store_sqlite_int.h"

enum gst_id {
	G_CHECKINS,
	G_SIGNAL_GET,
	G_SIGNAL_LIST,
	G_SIGNAL_INSERT,
	G_SIGNAL_ACK,
	G_SIGNAL_ACKED,
	G_RUN_CLAIM,
	G_RUN_FORCE,
	G_COUNT
};

_Static_assert(G_COUNT <= SQ_SIGNALS_ST_MAX, "raise SQ_SIGNALS_ST_MAX");

#define SIGNAL_COLS "s.id, s.kind, IFNULL(s.region_code, ''), IFNULL(r.name, ''), " \
	"IFNULL(s.department_id, 0), IFNULL(d.name, ''), s.date, s.method, s.observed, " \
	"s.upperbound, s.created_at, s.acked_by, s.acked_at, s.note"
#define SIGNAL_FROM " FROM signals s LEFT JOIN regions r ON r.code = s.region_code" \
	" LEFT JOIN departments d ON d.id = s.department_id"

static const char *const gst_sql[G_COUNT] = {
	[G_CHECKINS] = "SELECT department_id, date, count(*) FROM reports"
		       " WHERE current = 1 AND date BETWEEN ?1 AND ?2"
		       " AND (temp_dc >= ?3 OR (symptoms & ?4) <> 0)"
		       " GROUP BY department_id, date ORDER BY department_id, date",
	[G_SIGNAL_GET] = "SELECT " SIGNAL_COLS SIGNAL_FROM " WHERE s.id = ?1",
	[G_SIGNAL_LIST] = "SELECT " SIGNAL_COLS SIGNAL_FROM
			  " WHERE (?1 IS NULL OR s.kind = ?1)"
			  " AND (?2 IS NULL OR (s.kind = 'department'"
			  "      AND substr(d.path, 1, length(?2)) = ?2))"
			  " AND (?3 IS NULL OR (s.kind = 'region'"
			  "      AND substr(s.region_code, 1, length(?3)) = ?3))"
			  " AND (?4 = 0 OR s.date >= ?4) AND (?5 = 0 OR s.date <= ?5)"
			  " AND (?6 = 0 OR s.acked_at = 0)"
			  " ORDER BY s.date DESC, s.id DESC LIMIT ?7",
	[G_SIGNAL_INSERT] = "INSERT INTO signals(kind, region_code, department_id, date, method,"
			    " observed, upperbound, created_at)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[G_SIGNAL_ACK] = "UPDATE signals SET acked_by = ?2, acked_at = ?3, note = ?4"
			 " WHERE id = ?1 AND acked_at = 0",
	[G_SIGNAL_ACKED] = "SELECT acked_at FROM signals WHERE id = ?1",
	[G_RUN_CLAIM] = "INSERT INTO detect_runs(date, by, at) VALUES (?1, ?2, ?3)",
	[G_RUN_FORCE] = "INSERT INTO detect_runs(date, by, at) VALUES (?1, ?2, ?3)"
			" ON CONFLICT(date) DO UPDATE SET by = excluded.by, at = excluded.at",
};

/* The statement of connection c (NULL, and a line on stderr, if SQLite
 * cannot prepare it). */
static sqlite3_stmt *
gst(struct conn *c, enum gst_id id)
{
	if (c->signals_st[id] == NULL &&
	    sqlite3_prepare_v3(c->db, gst_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
			       &c->signals_st[id], NULL) != SQLITE_OK) {
		fprintf(stderr, "store: cannot prepare signal statement %d: %s\n", (int)id,
			sqlite3_errmsg(c->db));
		c->signals_st[id] = NULL;
	}
	return c->signals_st[id];
}

static const char *
kind_text(enum signal_kind k)
{
	return k == SIGNAL_REGION ? "region" : k == SIGNAL_DEPARTMENT ? "department" : NULL;
}

/* ---- check-ins ---------------------------------------------------------- */

static void
checkin_row(sqlite3_stmt *st, void *elem)
{
	struct checkin_count *x = elem;
	x->department_id = sqlite3_column_int64(st, 0);
	x->date = sqlite3_column_int(st, 1);
	x->n = sqlite3_column_int64(st, 2);
}

int
sq__checkin_counts(void *drv, int32_t from, int32_t to, unsigned symptom_mask, int temp_dc_min,
		   struct checkin_count **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c = sq__use(d, false);
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (c == NULL || (st = gst(c, G_CHECKINS)) == NULL) {
		sq__unuse(d, false, c);
		return FK_EIO;
	}
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	sqlite3_bind_int(st, 3, temp_dc_min);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)symptom_mask);
	rc = sq__collect(st, sizeof **out, checkin_row, (void **)out, n);
	sq__unuse(d, false, c);
	return rc;
}

/* ---- signals ------------------------------------------------------------ */

static void
signal_row(sqlite3_stmt *st, void *elem)
{
	signal_t *x = elem;
	const char *kind = (const char *)sqlite3_column_text(st, 1);

	x->id = sqlite3_column_int64(st, 0);
	x->kind = kind && strcmp(kind, "region") == 0 ? SIGNAL_REGION : SIGNAL_DEPARTMENT;
	sq__col_text(st, 2, x->region_code, sizeof x->region_code);
	sq__col_text(st, 3, x->region_name, sizeof x->region_name);
	x->department_id = sqlite3_column_int64(st, 4);
	sq__col_text(st, 5, x->department, sizeof x->department);
	x->date = sqlite3_column_int(st, 6);
	sq__col_text(st, 7, x->method, sizeof x->method);
	x->observed = sqlite3_column_double(st, 8);
	x->upperbound = sqlite3_column_double(st, 9);
	x->created_at = sqlite3_column_int64(st, 10);
	sq__col_text(st, 11, x->acked_by, sizeof x->acked_by);
	x->acked_at = sqlite3_column_int64(st, 12);
	sq__col_text(st, 13, x->note, sizeof x->note);
}

int
sq__signal_get(void *drv, bool tx, int64_t id, signal_t *out)
{
	struct drv *d = drv;
	struct conn *c = sq__use(d, tx);
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (c == NULL || (st = gst(c, G_SIGNAL_GET)) == NULL) {
		sq__unuse(d, tx, c);
		return FK_EIO;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sq__fetch_one(st, signal_row, out);
	sq__unuse(d, tx, c);
	return rc;
}

int
sq__signal_list(void *drv, const struct signal_query *q, signal_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (q->limit < 1 || q->limit > 1000)
		return FK_EINVAL;
	c = sq__use(d, false);
	if (c == NULL || (st = gst(c, G_SIGNAL_LIST)) == NULL) {
		sq__unuse(d, false, c);
		return FK_EIO;
	}
	sq__bind_text(st, 1, kind_text(q->kind));
	sq__bind_text(st, 2, q->dept_path && q->dept_path[0] ? q->dept_path : NULL);
	sq__bind_text(st, 3, q->region_prefix && q->region_prefix[0] ? q->region_prefix : NULL);
	sqlite3_bind_int(st, 4, q->from);
	sqlite3_bind_int(st, 5, q->to);
	sqlite3_bind_int(st, 6, q->open_only);
	sqlite3_bind_int(st, 7, q->limit);
	rc = sq__collect(st, sizeof **out, signal_row, (void **)out, n);
	sq__unuse(d, false, c);
	return rc;
}

int
sq__tx_signal_insert(void *drv, signal_t *s)
{
	sqlite3_stmt *st = gst(((struct drv *)drv)->writer, G_SIGNAL_INSERT);
	const char *kind = kind_text(s->kind);
	int rc;

	if (st == NULL)
		return FK_EIO;
	if (kind == NULL)
		return FK_EINVAL;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (s->kind == SIGNAL_REGION)
		sqlite3_bind_text(st, 2, s->region_code, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 3, s->department_id);
	sqlite3_bind_int(st, 4, s->date);
	sqlite3_bind_text(st, 5, s->method, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, s->observed);
	sqlite3_bind_double(st, 7, s->upperbound);
	sqlite3_bind_int64(st, 8, s->created_at);
	rc = sq__insert(drv, st, &s->id);
	if (rc)
		s->id = 0;
	return rc;
}

int
sq__tx_signal_ack(void *drv, const signal_t *s)
{
	struct conn *w = ((struct drv *)drv)->writer;
	sqlite3_stmt *st = gst(w, G_SIGNAL_ACK);
	int rc;

	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, s->acked_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, s->acked_at);
	sqlite3_bind_text(st, 4, s->note, -1, SQLITE_STATIC);
	if ((rc = sq__exec_checked(st)))
		return rc;
	/* nothing changed: absent, or acknowledged already */
	return sq__changed_once(drv, gst(w, G_SIGNAL_ACKED), s->id);
}

int
sq__tx_detect_run_claim(void *drv, int32_t date, const char *by, int64_t now, bool force)
{
	sqlite3_stmt *st = gst(((struct drv *)drv)->writer, force ? G_RUN_FORCE : G_RUN_CLAIM);

	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int(st, 1, date);
	sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	return sq__exec_checked(st);
}

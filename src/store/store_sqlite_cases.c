/*
 * store_sqlite_cases.c -- store layer: the SQLite backend of case
 * management (the last section of store.h): subjects, cases and their
 * event log, lab tests, placements, exposures, medical observations with
 * their follow-up slots, and suspected-case reviews.  Tables come from
 * migration 3 (store_sqlite_schema.c).
 *
 * Statements live in each connection's cases_st[] (store_sqlite_int.h),
 * prepared once (SQLITE_PREPARE_PERSISTENT) and finalised by the
 * connection's close.  tx_* functions run on the writer's connection
 * inside a write job; the others take a pooled reader, or the writer's
 * connection when called with tx (the store_tx_ read forms).
 *
 * Errors: a broken uniqueness rule (a person's second subject, a second
 * open observation) is FK_ECONFLICT; a broken CHECK, NOT NULL or
 * foreign key (an unknown enum name, a subject or region that does not
 * exist, first_date after last_date) is FK_EINVAL.
 *
 * Merging subjects (store_tx_subject_merge) never deletes a row:
 *  - cases, placements, reviews and observations of `from` move to
 *    `into`;
 *  - exposures move on whichever side names `from`, except an exposure
 *    between `from` and `into` themselves, which would become a
 *    self-loop: it is kept as it was (history) and, because one side is
 *    now a merged subject, hidden from every exposure read;
 *  - if both have an open observation, the one ending later stays open
 *    (into's on a tie) and the other is closed as 'converted' with a
 *    note naming the observation that superseded it;
 *  - `from` gets merged_into = into; subjects merged earlier into `from`
 *    are re-pointed to `into` (one hop always reaches a live subject);
 *  - into keeps its own fields and takes from's person_id, id_hash,
 *    phone and region_code where its own are empty.  Two subjects that
 *    are two different people of the organisation cannot be merged
 *    (FK_ECONFLICT).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "store_sqlite_int.h"

enum cst_id {
	C_SUBJECT_GET,
	C_SUBJECT_BY_PERSON,
	C_SUBJECT_DUPLICATES,
	C_SUBJECT_INSERT,
	C_MERGE_CASES,
	C_MERGE_EXPOSURES_A,
	C_MERGE_EXPOSURES_B,
	C_MERGE_OBS_SUPERSEDE,
	C_MERGE_OBSERVATIONS,
	C_MERGE_PLACEMENTS,
	C_MERGE_REVIEWS,
	C_MERGE_CHAIN,
	C_MERGE_MARK,
	C_MERGE_FILL,
	C_CASE_GET,
	C_CASE_LIST,
	C_CASES_OF_SUBJECT,
	C_CASE_INSERT,
	C_CASE_UPDATE,
	C_EVENT_INSERT,
	C_EVENTS_OF_CASE,
	C_LAB_INSERT,
	C_LABS_OF_CASE,
	C_PLACEMENT_INSERT,
	C_PLACEMENTS_OF_SUBJECT,
	C_EXPOSURE_INSERT,
	C_EXPOSURES_OF_SUBJECT,
	C_EXPOSURE_ALL,
	C_OBS_GET,
	C_OBS_OPEN_OF,
	C_OBS_LIST,
	C_OBS_INSERT,
	C_OBS_UPDATE,
	C_FOLLOWUPS_ENSURE,
	C_FOLLOWUPS_TRIM,
	C_FOLLOWUPS_OF,
	C_FOLLOWUP_FILL,
	C_FOLLOWUP_FILLED_AT,
	C_FOLLOWUPS_MISSED,
	C_REVIEW_INSERT,
	C_REVIEW_GET,
	C_REVIEW_LIST,
	C_REVIEW_RESOLVE,
	C_REVIEW_EXISTS,
	C_COUNT
};

_Static_assert(C_COUNT <= SQ_CASES_ST_MAX, "raise SQ_CASES_ST_MAX");

/* Longest run of days one followups_ensure call fills (a 14-day
 * observation extended a few times fits with room to spare). */
#define FOLLOWUP_ENSURE_DAYS_MAX 366

#define ACTIVE_CLASSES "('suspected','confirmed','clinical','asymptomatic')"

#define SUBJECT_COLS "s.id, IFNULL(s.person_id, ''), s.name, s.phone, s.id_hash, " \
	"IFNULL(s.region_code, ''), IFNULL(s.merged_into, 0), s.created_at"
#define CASE_COLS "c.id, c.subject_id, c.classification, c.class_date, c.severity, " \
	"c.severity_date, c.onset_date, c.sampling_date, c.report_date, c.diagnosis_date, " \
	"c.isolation_date, c.detected_at, c.reported_at, c.investigated_at, c.facility, " \
	"c.imported, c.region_code, c.created_by, c.created_at, s.name, IFNULL(s.person_id, '')"
#define CASE_FROM " FROM cases c JOIN subjects s ON s.id = c.subject_id"
#define EVENT_COLS "id, case_id, at, date, kind, from_value, to_value, recorded_by, reason"
#define LAB_COLS "id, case_id, kind, sample_date, result, result_date, recorded_by, created_at"
#define PLACEMENT_COLS "id, subject_id, IFNULL(case_id, 0), category, place_type, facility, " \
	"start_date, end_date, recorded_by, created_at"
#define EXPOSURE_COLS "e.id, IFNULL(e.case_id, 0), e.subject_a, e.subject_b, e.first_date, " \
	"e.last_date, e.setting, e.protection, e.note, e.recorded_by, e.created_at, sa.name, sb.name"
/* An exposure with a merged subject on a side is one between two
 * merged subjects (see the file comment): kept, never read. */
#define EXPOSURE_FROM " FROM exposures e JOIN subjects sa ON sa.id = e.subject_a " \
	"JOIN subjects sb ON sb.id = e.subject_b " \
	"WHERE sa.merged_into IS NULL AND sb.merged_into IS NULL"
#define OBS_COLS "o.id, o.subject_id, o.kind, o.reason, IFNULL(o.case_id, 0), o.last_exposure, " \
	"o.start_date, o.end_date, o.status, o.closed_at, o.note, o.recorded_by, o.created_at, " \
	"s.name, IFNULL(s.person_id, ''), IFNULL(s.region_code, '')"
#define OBS_FROM " FROM observations o JOIN subjects s ON s.id = o.subject_id"
#define FOLLOWUP_COLS "f.id, f.observation_id, f.date, f.slot, f.temp_dc, f.symptoms, " \
	"f.recorded_by, f.filled_at, f.source"
#define REVIEW_COLS "r.id, r.subject_id, IFNULL(r.observation_id, 0), r.date, r.reason, " \
	"r.created_at, r.resolved_at, r.resolved_by, r.outcome, IFNULL(r.case_id, 0), s.name, " \
	"IFNULL(s.region_code, ''), IFNULL(s.person_id, '')"
#define REVIEW_FROM " FROM reviews r JOIN subjects s ON s.id = r.subject_id"
/* The subject scope of an observation_query, bound by bind_scope():
 * ?1 region prefix, ?2 own people only, ?3 subject id. */
#define SCOPE "(?1 IS NULL OR substr(s.region_code, 1, length(?1)) = ?1) " \
	"AND (?2 = 0 OR s.person_id IS NOT NULL) AND (?3 = 0 OR s.id = ?3)"

static const char *const cst_sql[C_COUNT] = {
	[C_SUBJECT_GET] = "SELECT " SUBJECT_COLS " FROM subjects s WHERE s.id = ?1",
	[C_SUBJECT_BY_PERSON] = "SELECT " SUBJECT_COLS " FROM subjects s WHERE s.person_id = ?1",
	[C_SUBJECT_DUPLICATES] = "SELECT " SUBJECT_COLS " FROM subjects s "
				 "WHERE s.merged_into IS NULL AND s.id <> ?1 "
				 "AND ((?2 <> '' AND s.id_hash = ?2) "
				 "OR (?4 <> '' AND s.name = ?3 AND s.phone = ?4)) ORDER BY s.id",
	[C_SUBJECT_INSERT] = "INSERT INTO subjects(person_id, name, phone, id_hash, region_code, "
			     "created_at) VALUES (NULLIF(?1, ''), ?2, ?3, ?4, NULLIF(?5, ''), ?6)",
	[C_MERGE_CASES] = "UPDATE cases SET subject_id = ?2 WHERE subject_id = ?1",
	[C_MERGE_EXPOSURES_A] = "UPDATE exposures SET subject_a = ?2 "
				"WHERE subject_a = ?1 AND subject_b <> ?2",
	[C_MERGE_EXPOSURES_B] = "UPDATE exposures SET subject_b = ?2 "
				"WHERE subject_b = ?1 AND subject_a <> ?2",
	[C_MERGE_OBS_SUPERSEDE] = "UPDATE observations SET status = 'converted', "
				  "closed_at = CAST(strftime('%s', 'now') AS INTEGER), "
				  "note = 'subjects merged: superseded by observation ' || ?2 "
				  "WHERE id = ?1",
	[C_MERGE_OBSERVATIONS] = "UPDATE observations SET subject_id = ?2 WHERE subject_id = ?1",
	[C_MERGE_PLACEMENTS] = "UPDATE placements SET subject_id = ?2 WHERE subject_id = ?1",
	[C_MERGE_REVIEWS] = "UPDATE reviews SET subject_id = ?2 WHERE subject_id = ?1",
	[C_MERGE_CHAIN] = "UPDATE subjects SET merged_into = ?2 WHERE merged_into = ?1",
	[C_MERGE_MARK] = "UPDATE subjects SET merged_into = ?2, "
			 "person_id = CASE WHEN ?3 THEN NULL ELSE person_id END WHERE id = ?1",
	[C_MERGE_FILL] = "UPDATE subjects SET person_id = IFNULL(person_id, NULLIF(?2, '')), "
			 "id_hash = CASE WHEN id_hash = '' THEN ?3 ELSE id_hash END, "
			 "phone = CASE WHEN phone = '' THEN ?4 ELSE phone END, "
			 "region_code = IFNULL(region_code, NULLIF(?5, '')) WHERE id = ?1",

	[C_CASE_GET] = "SELECT " CASE_COLS CASE_FROM " WHERE c.id = ?1",
	[C_CASE_LIST] = "SELECT " CASE_COLS CASE_FROM
			" WHERE (?1 IS NULL OR substr(c.region_code, 1, length(?1)) = ?1)"
			" AND (?2 = 0 OR s.person_id IS NOT NULL)"
			" AND (?3 = 0 OR c.subject_id = ?3)"
			" AND (?4 IS NULL OR c.classification = ?4)"
			" AND (?5 = 0 OR (c.classification IN " ACTIVE_CLASSES " AND CASE ?5"
			"   WHEN 1 THEN c.reported_at - c.detected_at > 7200"               /* R3.1 */
			"   ELSE c.investigated_at = 0 AND ?6 - c.reported_at > 86400 END))" /* R3.4 */
			" AND c.id > ?7 ORDER BY c.id LIMIT ?8",
	[C_CASES_OF_SUBJECT] = "SELECT " CASE_COLS CASE_FROM " WHERE c.subject_id = ?1 ORDER BY c.id",
	[C_CASE_INSERT] = "INSERT INTO cases(subject_id, classification, class_date, severity, "
			  "severity_date, onset_date, sampling_date, report_date, diagnosis_date, "
			  "isolation_date, detected_at, reported_at, investigated_at, facility, imported, "
			  "region_code, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
			  "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
	[C_CASE_UPDATE] = "UPDATE cases SET classification = ?2, class_date = ?3, severity = ?4, "
			  "severity_date = ?5, onset_date = ?6, sampling_date = ?7, report_date = ?8, "
			  "diagnosis_date = ?9, isolation_date = ?10, investigated_at = ?11, "
			  "facility = ?12, imported = ?13 WHERE id = ?1",
	[C_EVENT_INSERT] = "INSERT INTO case_events(case_id, at, date, kind, from_value, to_value, "
			   "recorded_by, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[C_EVENTS_OF_CASE] = "SELECT " EVENT_COLS " FROM case_events WHERE case_id = ?1 "
			     "ORDER BY at, id",
	[C_LAB_INSERT] = "INSERT INTO lab_tests(case_id, kind, sample_date, result, result_date, "
			 "recorded_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[C_LABS_OF_CASE] = "SELECT " LAB_COLS " FROM lab_tests WHERE case_id = ?1 "
			   "ORDER BY sample_date, id",
	[C_PLACEMENT_INSERT] = "INSERT INTO placements(subject_id, case_id, category, place_type, "
			       "facility, start_date, end_date, recorded_by, created_at) "
			       "VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[C_PLACEMENTS_OF_SUBJECT] = "SELECT " PLACEMENT_COLS " FROM placements WHERE subject_id = ?1 "
				    "ORDER BY start_date, id",
	[C_EXPOSURE_INSERT] = "INSERT INTO exposures(case_id, subject_a, subject_b, first_date, "
			      "last_date, setting, protection, note, recorded_by, created_at) "
			      "VALUES (NULLIF(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[C_EXPOSURES_OF_SUBJECT] = "SELECT " EXPOSURE_COLS EXPOSURE_FROM
				   " AND (e.subject_a = ?1 OR e.subject_b = ?1)"
				   " ORDER BY e.first_date, e.id",
	[C_EXPOSURE_ALL] = "SELECT " EXPOSURE_COLS EXPOSURE_FROM " ORDER BY e.id",
	[C_OBS_GET] = "SELECT " OBS_COLS OBS_FROM " WHERE o.id = ?1",
	[C_OBS_OPEN_OF] = "SELECT " OBS_COLS OBS_FROM " WHERE o.subject_id = ?1 AND o.status = 'open'",
	[C_OBS_LIST] = "SELECT " OBS_COLS OBS_FROM " WHERE " SCOPE
		       " AND (?4 IS NULL OR o.status = ?4) AND (?5 = 0 OR o.end_date = ?5)"
		       " AND o.id > ?6 ORDER BY o.id LIMIT ?7",
	[C_OBS_INSERT] = "INSERT INTO observations(subject_id, kind, reason, case_id, last_exposure, "
			 "start_date, end_date, status, closed_at, note, recorded_by, created_at) "
			 "VALUES (?1, ?2, ?3, NULLIF(?4, 0), ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[C_OBS_UPDATE] = "UPDATE observations SET end_date = ?2, last_exposure = ?3, status = ?4, "
			 "closed_at = ?5, note = ?6, kind = ?7 WHERE id = ?1",
	[C_FOLLOWUPS_TRIM] = "DELETE FROM followups WHERE observation_id = ?1 AND date >= ?2 "
			     "AND filled_at = 0",
	[C_FOLLOWUPS_ENSURE] = "WITH RECURSIVE days(day) AS (SELECT ?2 UNION ALL "
			       "SELECT day + 1 FROM days WHERE day < ?3) "
			       "INSERT INTO followups(observation_id, date, slot) "
			       "SELECT ?1, day, slot FROM days, "
			       "(SELECT 'am' AS slot UNION ALL SELECT 'pm') WHERE true "
			       "ORDER BY day, slot "  /* ids in date order */
			       "ON CONFLICT(observation_id, date, slot) DO NOTHING",
	[C_FOLLOWUPS_OF] = "SELECT " FOLLOWUP_COLS " FROM followups f WHERE f.observation_id = ?1 "
			   "ORDER BY f.date, f.slot, f.id",
	[C_FOLLOWUP_FILL] = "UPDATE followups SET temp_dc = ?4, symptoms = ?5, recorded_by = ?6, "
			    "filled_at = ?7, source = ?8 "
			    "WHERE observation_id = ?1 AND date = ?2 AND slot = ?3 AND filled_at = 0",
	[C_FOLLOWUP_FILLED_AT] = "SELECT filled_at FROM followups "
				 "WHERE observation_id = ?1 AND date = ?2 AND slot = ?3",
	[C_FOLLOWUPS_MISSED] = "SELECT " FOLLOWUP_COLS " FROM followups f "
			       "JOIN observations o ON o.id = f.observation_id "
			       "JOIN subjects s ON s.id = o.subject_id WHERE " SCOPE
			       " AND o.status = 'open' AND (?5 = 0 OR o.end_date = ?5)"
			       " AND f.filled_at = 0"
			       " AND (f.date < ?8 OR (f.date = ?8 AND f.slot = 'am' AND ?9 = 'pm'))"
			       " AND f.id > ?6 ORDER BY f.id LIMIT ?7",
	[C_REVIEW_INSERT] = "INSERT INTO reviews(subject_id, observation_id, date, reason, created_at) "
			    "VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5)",
	[C_REVIEW_GET] = "SELECT " REVIEW_COLS REVIEW_FROM " WHERE r.id = ?1",
	[C_REVIEW_LIST] = "SELECT " REVIEW_COLS REVIEW_FROM " WHERE " SCOPE
			  " AND (?8 = 0 OR r.resolved_at = 0) AND r.id > ?6 ORDER BY r.id LIMIT ?7",
	[C_REVIEW_RESOLVE] = "UPDATE reviews SET resolved_at = ?2, resolved_by = ?3, outcome = ?4, "
			     "case_id = NULLIF(?5, 0) WHERE id = ?1 AND resolved_at = 0",
	[C_REVIEW_EXISTS] = "SELECT 1 FROM reviews WHERE id = ?1",
};

/* ---- statements and results --------------------------------------------- */

/* Statement id on c, prepared on first use; NULL on failure (reported
 * to stderr). */
static sqlite3_stmt *
cst(struct conn *c, enum cst_id id)
{
	if (c->cases_st[id] == NULL &&
	    sqlite3_prepare_v3(c->db, cst_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->cases_st[id],
			       NULL) != SQLITE_OK) {
		fprintf(stderr, "store: cannot prepare case statement %d: %s\n", (int)id,
			sqlite3_errmsg(c->db));
		c->cases_st[id] = NULL;
	}
	return c->cases_st[id];
}

/* The writer's statement (inside a job). */
static sqlite3_stmt *
wst(void *drv, enum cst_id id)
{
	return cst(((struct drv *)drv)->writer, id);
}

/* Rows changed by the writer's last statement. */
static int
changes(void *drv)
{
	return sqlite3_changes(((struct drv *)drv)->writer->db);
}

/* One row by an integer (text NULL) or text key into out. */
static int
get_one(void *drv, bool tx, enum cst_id id, int64_t key, const char *text, sq_row_fn row,
	void *out, size_t size)
{
	struct drv *d = drv;
	struct conn *c = sq__use(d, tx);
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, size);
	if (c == NULL || (st = cst(c, id)) == NULL) {
		sq__unuse(d, tx, c);
		return FK_EIO;
	}
	if (text)
		sq__bind_text(st, 1, text);
	else
		sqlite3_bind_int64(st, 1, key);
	rc = sq__fetch_one(st, row, out);
	sq__unuse(d, tx, c);
	return rc;
}

/* All rows of a statement taking one integer key (0 binds nothing). */
static int
get_many(void *drv, bool tx, enum cst_id id, int64_t key, sq_row_fn row, size_t elem, void **out,
	 size_t *n)
{
	struct drv *d = drv;
	struct conn *c = sq__use(d, tx);
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (c == NULL || (st = cst(c, id)) == NULL) {
		sq__unuse(d, tx, c);
		return FK_EIO;
	}
	if (key)
		sqlite3_bind_int64(st, 1, key);
	rc = sq__collect(st, elem, row, out, n);
	sq__unuse(d, tx, c);
	return rc;
}

static int
limit_of(int limit)
{
	return limit > 0 ? limit : -1;
}

/* ---- subjects ------------------------------------------------------------ */

static void
subject_row(sqlite3_stmt *st, void *elem)
{
	subject_t *x = elem;
	x->id = sqlite3_column_int64(st, 0);
	sq__col_text(st, 1, x->person_id, sizeof x->person_id);
	sq__col_text(st, 2, x->name, sizeof x->name);
	sq__col_text(st, 3, x->phone, sizeof x->phone);
	sq__col_text(st, 4, x->id_hash, sizeof x->id_hash);
	sq__col_text(st, 5, x->region_code, sizeof x->region_code);
	x->merged_into = sqlite3_column_int64(st, 6);
	x->created_at = sqlite3_column_int64(st, 7);
}

int
sq__subject_get(void *drv, bool tx, int64_t id, subject_t *out)
{
	return get_one(drv, tx, C_SUBJECT_GET, id, NULL, subject_row, out, sizeof *out);
}

int
sq__subject_by_person(void *drv, bool tx, const char *person_id, subject_t *out)
{
	if (person_id == NULL || person_id[0] == '\0')
		return FK_ENOTFOUND;
	return get_one(drv, tx, C_SUBJECT_BY_PERSON, 0, person_id, subject_row, out, sizeof *out);
}

int
sq__tx_subject_duplicates(void *drv, const subject_t *sub, subject_t **out, size_t *n)
{
	sqlite3_stmt *st = wst(drv, C_SUBJECT_DUPLICATES);
	*out = NULL;
	*n = 0;
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, sub->id);
	sq__bind_text(st, 2, sub->id_hash);
	sq__bind_text(st, 3, sub->name);
	sq__bind_text(st, 4, sub->phone);
	return sq__collect(st, sizeof **out, subject_row, (void **)out, n);
}

int
sq__tx_subject_insert(void *drv, subject_t *sub)
{
	sqlite3_stmt *st = wst(drv, C_SUBJECT_INSERT);
	if (st == NULL)
		return FK_EIO;
	sq__bind_text(st, 1, sub->person_id);
	sq__bind_text(st, 2, sub->name);
	sq__bind_text(st, 3, sub->phone);
	sq__bind_text(st, 4, sub->id_hash);
	sq__bind_text(st, 5, sub->region_code);
	sqlite3_bind_int64(st, 6, sub->created_at);
	sub->merged_into = 0;
	return sq__insert(drv, st, &sub->id);
}

/* Run a two-key statement (?1 from, ?2 into) on the writer. */
static int
exec2(void *drv, enum cst_id id, int64_t a, int64_t b)
{
	sqlite3_stmt *st = wst(drv, id);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	return sq__exec_checked(st);
}

static int obs_open_of(void *drv, int64_t subject_id, int64_t *id, int32_t *end_date);

int
sq__tx_subject_merge(void *drv, int64_t from, int64_t into)
{
	static const enum cst_id moves[] = {
		C_MERGE_CASES, C_MERGE_EXPOSURES_A, C_MERGE_EXPOSURES_B, C_MERGE_OBSERVATIONS,
		C_MERGE_PLACEMENTS, C_MERGE_REVIEWS, C_MERGE_CHAIN,
	};
	subject_t a, b;
	int64_t obs_a = 0, obs_b = 0;
	int32_t end_a = 0, end_b = 0;
	bool move_person;
	sqlite3_stmt *st;
	int rc;

	if (from == into)
		return FK_EINVAL;
	if ((rc = sq__subject_get(drv, true, from, &a)) || (rc = sq__subject_get(drv, true, into, &b)))
		return rc;
	if (a.merged_into || b.merged_into)
		return FK_ECONFLICT;
	if (a.person_id[0] && b.person_id[0])
		return FK_ECONFLICT; /* two different people of the organisation */

	/* at most one open observation may survive: the later-ending one */
	if ((rc = obs_open_of(drv, from, &obs_a, &end_a)) ||
	    (rc = obs_open_of(drv, into, &obs_b, &end_b)))
		return rc;
	if (obs_a && obs_b) {
		bool keep_from = end_a > end_b;
		rc = exec2(drv, C_MERGE_OBS_SUPERSEDE, keep_from ? obs_b : obs_a,
			   keep_from ? obs_a : obs_b);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
		if ((rc = exec2(drv, moves[i], from, into)))
			return rc;

	/* person_id is unique: take it off `from` before `into` gets it */
	move_person = a.person_id[0] != '\0';
	if ((st = wst(drv, C_MERGE_MARK)) == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, into);
	sqlite3_bind_int(st, 3, move_person);
	if ((rc = sq__exec_checked(st)))
		return rc;
	if ((st = wst(drv, C_MERGE_FILL)) == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, into);
	sq__bind_text(st, 2, a.person_id);
	sq__bind_text(st, 3, a.id_hash);
	sq__bind_text(st, 4, a.phone);
	sq__bind_text(st, 5, a.region_code);
	return sq__exec_checked(st);
}

/* ---- cases ------------------------------------------------------------------ */

static void
case_row(sqlite3_stmt *st, void *elem)
{
	case_rec_t *x = elem;
	char buf[16];
	x->id = sqlite3_column_int64(st, 0);
	x->subject_id = sqlite3_column_int64(st, 1);
	sq__col_text(st, 2, buf, sizeof buf);
	if (case_class_parse(buf, &x->classification))
		x->classification = CASE_NEW;
	x->class_date = sqlite3_column_int(st, 3);
	sq__col_text(st, 4, buf, sizeof buf);
	if (severity_parse(buf, &x->severity))
		x->severity = SEV_NONE;
	x->severity_date = sqlite3_column_int(st, 5);
	x->dates.onset = sqlite3_column_int(st, 6);
	x->dates.sampling = sqlite3_column_int(st, 7);
	x->dates.report = sqlite3_column_int(st, 8);
	x->dates.diagnosis = sqlite3_column_int(st, 9);
	x->dates.isolation = sqlite3_column_int(st, 10);
	x->detected_at = sqlite3_column_int64(st, 11);
	x->reported_at = sqlite3_column_int64(st, 12);
	x->investigated_at = sqlite3_column_int64(st, 13);
	sq__col_text(st, 14, x->facility, sizeof x->facility);
	x->imported = sqlite3_column_int(st, 15) != 0;
	sq__col_text(st, 16, x->region_code, sizeof x->region_code);
	sq__col_text(st, 17, x->created_by, sizeof x->created_by);
	x->created_at = sqlite3_column_int64(st, 18);
	sq__col_text(st, 19, x->name, sizeof x->name);
	sq__col_text(st, 20, x->person_id, sizeof x->person_id);
}

int
sq__case_get(void *drv, bool tx, int64_t id, case_rec_t *out)
{
	return get_one(drv, tx, C_CASE_GET, id, NULL, case_row, out, sizeof *out);
}

int
sq__case_list(void *drv, const struct case_query *q, case_rec_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (q->overdue < 0 || q->overdue > 2 || q->classification < -1 ||
	    q->classification >= CASE_CLASS_COUNT)
		return FK_EINVAL;
	if ((c = sq__use(d, false)) == NULL || (st = cst(c, C_CASE_LIST)) == NULL) {
		sq__unuse(d, false, c);
		return FK_EIO;
	}
	sq__bind_text(st, 1, q->region_prefix);
	sqlite3_bind_int(st, 2, q->own_people_only);
	sqlite3_bind_int64(st, 3, q->subject_id);
	sq__bind_text(st, 4, q->classification < 0 ? NULL : case_class_name(q->classification));
	sqlite3_bind_int(st, 5, q->overdue);
	sqlite3_bind_int64(st, 6, q->now);
	sqlite3_bind_int64(st, 7, q->after_id);
	sqlite3_bind_int(st, 8, limit_of(q->limit));
	rc = sq__collect(st, sizeof **out, case_row, (void **)out, n);
	sq__unuse(d, false, c);
	return rc;
}

int
sq__tx_cases_of_subject(void *drv, int64_t subject_id, case_rec_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (subject_id == 0)
		return 0;
	return get_many(drv, true, C_CASES_OF_SUBJECT, subject_id, case_row, sizeof **out,
			(void **)out, n);
}

/* ?2.. of an insert or update: the fields both write. */
static void
bind_case_fields(sqlite3_stmt *st, const case_rec_t *c)
{
	sq__bind_text(st, 2, case_class_name(c->classification));
	sqlite3_bind_int(st, 3, c->class_date);
	sq__bind_text(st, 4, severity_name(c->severity));
	sqlite3_bind_int(st, 5, c->severity_date);
	sqlite3_bind_int(st, 6, c->dates.onset);
	sqlite3_bind_int(st, 7, c->dates.sampling);
	sqlite3_bind_int(st, 8, c->dates.report);
	sqlite3_bind_int(st, 9, c->dates.diagnosis);
	sqlite3_bind_int(st, 10, c->dates.isolation);
}

int
sq__tx_case_insert(void *drv, case_rec_t *c)
{
	sqlite3_stmt *st = wst(drv, C_CASE_INSERT);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, c->subject_id);
	bind_case_fields(st, c);
	sqlite3_bind_int64(st, 11, c->detected_at);
	sqlite3_bind_int64(st, 12, c->reported_at);
	sqlite3_bind_int64(st, 13, c->investigated_at);
	sq__bind_text(st, 14, c->facility);
	sqlite3_bind_int(st, 15, c->imported);
	sq__bind_text(st, 16, c->region_code);
	sq__bind_text(st, 17, c->created_by);
	sqlite3_bind_int64(st, 18, c->created_at);
	return sq__insert(drv, st, &c->id);
}

int
sq__tx_case_update(void *drv, const case_rec_t *c)
{
	sqlite3_stmt *st = wst(drv, C_CASE_UPDATE);
	int rc;
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, c->id);
	bind_case_fields(st, c);
	sqlite3_bind_int64(st, 11, c->investigated_at);
	sq__bind_text(st, 12, c->facility);
	sqlite3_bind_int(st, 13, c->imported);
	if ((rc = sq__exec_checked(st)))
		return rc;
	return changes(drv) == 1 ? 0 : FK_ENOTFOUND;
}

/* ---- case events, lab tests, placements -------------------------------------- */

static void
event_row(sqlite3_stmt *st, void *elem)
{
	case_event_t *x = elem;
	x->id = sqlite3_column_int64(st, 0);
	x->case_id = sqlite3_column_int64(st, 1);
	x->at = sqlite3_column_int64(st, 2);
	x->date = sqlite3_column_int(st, 3);
	sq__col_text(st, 4, x->kind, sizeof x->kind);
	sq__col_text(st, 5, x->from_value, sizeof x->from_value);
	sq__col_text(st, 6, x->to_value, sizeof x->to_value);
	sq__col_text(st, 7, x->by, sizeof x->by);
	sq__col_text(st, 8, x->reason, sizeof x->reason);
}

int
sq__tx_case_event_insert(void *drv, case_event_t *e)
{
	sqlite3_stmt *st = wst(drv, C_EVENT_INSERT);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, e->case_id);
	sqlite3_bind_int64(st, 2, e->at);
	sqlite3_bind_int(st, 3, e->date);
	sq__bind_text(st, 4, e->kind);
	sq__bind_text(st, 5, e->from_value);
	sq__bind_text(st, 6, e->to_value);
	sq__bind_text(st, 7, e->by);
	sq__bind_text(st, 8, e->reason);
	return sq__insert(drv, st, &e->id);
}

int
sq__case_events(void *drv, int64_t case_id, case_event_t **out, size_t *n)
{
	return get_many(drv, false, C_EVENTS_OF_CASE, case_id, event_row, sizeof **out, (void **)out,
			n);
}

static void
lab_row(sqlite3_stmt *st, void *elem)
{
	lab_test_t *x = elem;
	x->id = sqlite3_column_int64(st, 0);
	x->case_id = sqlite3_column_int64(st, 1);
	sq__col_text(st, 2, x->kind, sizeof x->kind);
	x->sample_date = sqlite3_column_int(st, 3);
	sq__col_text(st, 4, x->result, sizeof x->result);
	x->result_date = sqlite3_column_int(st, 5);
	sq__col_text(st, 6, x->by, sizeof x->by);
	x->created_at = sqlite3_column_int64(st, 7);
}

int
sq__tx_lab_insert(void *drv, lab_test_t *t)
{
	sqlite3_stmt *st = wst(drv, C_LAB_INSERT);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, t->case_id);
	sq__bind_text(st, 2, t->kind);
	sqlite3_bind_int(st, 3, t->sample_date);
	sq__bind_text(st, 4, t->result);
	sqlite3_bind_int(st, 5, t->result_date);
	sq__bind_text(st, 6, t->by);
	sqlite3_bind_int64(st, 7, t->created_at);
	return sq__insert(drv, st, &t->id);
}

int
sq__labs_of_case(void *drv, int64_t case_id, lab_test_t **out, size_t *n)
{
	return get_many(drv, false, C_LABS_OF_CASE, case_id, lab_row, sizeof **out, (void **)out, n);
}

static void
placement_row(sqlite3_stmt *st, void *elem)
{
	placement_t *x = elem;
	char buf[16];
	x->id = sqlite3_column_int64(st, 0);
	x->subject_id = sqlite3_column_int64(st, 1);
	x->case_id = sqlite3_column_int64(st, 2);
	sq__col_text(st, 3, buf, sizeof buf);
	if (placement_category_parse(buf, &x->category))
		x->category = PLACE_CONTACT;
	sq__col_text(st, 4, x->place_type, sizeof x->place_type);
	sq__col_text(st, 5, x->facility, sizeof x->facility);
	x->start_date = sqlite3_column_int(st, 6);
	x->end_date = sqlite3_column_int(st, 7);
	sq__col_text(st, 8, x->by, sizeof x->by);
	x->created_at = sqlite3_column_int64(st, 9);
}

int
sq__tx_placement_insert(void *drv, placement_t *p)
{
	sqlite3_stmt *st = wst(drv, C_PLACEMENT_INSERT);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, p->subject_id);
	sqlite3_bind_int64(st, 2, p->case_id);
	sq__bind_text(st, 3, placement_category_name(p->category));
	sq__bind_text(st, 4, p->place_type);
	sq__bind_text(st, 5, p->facility);
	sqlite3_bind_int(st, 6, p->start_date);
	sqlite3_bind_int(st, 7, p->end_date);
	sq__bind_text(st, 8, p->by);
	sqlite3_bind_int64(st, 9, p->created_at);
	return sq__insert(drv, st, &p->id);
}

int
sq__placements_of_subject(void *drv, int64_t subject_id, placement_t **out, size_t *n)
{
	return get_many(drv, false, C_PLACEMENTS_OF_SUBJECT, subject_id, placement_row, sizeof **out,
			(void **)out, n);
}

/* ---- exposures --------------------------------------------------------------- */

static void
exposure_row(sqlite3_stmt *st, void *elem)
{
	exposure_rec_t *x = elem;
	char buf[16];
	x->id = sqlite3_column_int64(st, 0);
	x->case_id = sqlite3_column_int64(st, 1);
	x->subject_a = sqlite3_column_int64(st, 2);
	x->subject_b = sqlite3_column_int64(st, 3);
	x->first_date = sqlite3_column_int(st, 4);
	x->last_date = sqlite3_column_int(st, 5);
	sq__col_text(st, 6, buf, sizeof buf);
	if (setting_parse(buf, &x->setting))
		x->setting = SET_OTHER;
	sq__col_text(st, 7, buf, sizeof buf);
	if (protection_parse(buf, &x->protection))
		x->protection = PROT_NONE;
	sq__col_text(st, 8, x->note, sizeof x->note);
	sq__col_text(st, 9, x->by, sizeof x->by);
	x->created_at = sqlite3_column_int64(st, 10);
	sq__col_text(st, 11, x->name_a, sizeof x->name_a);
	sq__col_text(st, 12, x->name_b, sizeof x->name_b);
}

int
sq__tx_exposure_insert(void *drv, exposure_rec_t *e)
{
	sqlite3_stmt *st = wst(drv, C_EXPOSURE_INSERT);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, e->case_id);
	sqlite3_bind_int64(st, 2, e->subject_a);
	sqlite3_bind_int64(st, 3, e->subject_b);
	sqlite3_bind_int(st, 4, e->first_date);
	sqlite3_bind_int(st, 5, e->last_date);
	sq__bind_text(st, 6, setting_name(e->setting));
	sq__bind_text(st, 7, protection_name(e->protection));
	sq__bind_text(st, 8, e->note);
	sq__bind_text(st, 9, e->by);
	sqlite3_bind_int64(st, 10, e->created_at);
	return sq__insert(drv, st, &e->id);
}

int
sq__exposures_of_subject(void *drv, bool tx, int64_t subject_id, exposure_rec_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (subject_id == 0)
		return 0;
	return get_many(drv, tx, C_EXPOSURES_OF_SUBJECT, subject_id, exposure_row, sizeof **out,
			(void **)out, n);
}

int
sq__exposure_all(void *drv, exposure_rec_t **out, size_t *n)
{
	return get_many(drv, false, C_EXPOSURE_ALL, 0, exposure_row, sizeof **out, (void **)out, n);
}

/* ---- observations ------------------------------------------------------------ */

static void
obs_row(sqlite3_stmt *st, void *elem)
{
	observation_t *x = elem;
	x->id = sqlite3_column_int64(st, 0);
	x->subject_id = sqlite3_column_int64(st, 1);
	sq__col_text(st, 2, x->kind, sizeof x->kind);
	sq__col_text(st, 3, x->reason, sizeof x->reason);
	x->case_id = sqlite3_column_int64(st, 4);
	x->last_exposure = sqlite3_column_int(st, 5);
	x->start_date = sqlite3_column_int(st, 6);
	x->end_date = sqlite3_column_int(st, 7);
	sq__col_text(st, 8, x->status, sizeof x->status);
	x->closed_at = sqlite3_column_int64(st, 9);
	sq__col_text(st, 10, x->note, sizeof x->note);
	sq__col_text(st, 11, x->by, sizeof x->by);
	x->created_at = sqlite3_column_int64(st, 12);
	sq__col_text(st, 13, x->name, sizeof x->name);
	sq__col_text(st, 14, x->person_id, sizeof x->person_id);
	sq__col_text(st, 15, x->region_code, sizeof x->region_code);
}

int
sq__observation_get(void *drv, bool tx, int64_t id, observation_t *out)
{
	return get_one(drv, tx, C_OBS_GET, id, NULL, obs_row, out, sizeof *out);
}

int
sq__observation_open_of(void *drv, bool tx, int64_t subject_id, observation_t *out)
{
	return get_one(drv, tx, C_OBS_OPEN_OF, subject_id, NULL, obs_row, out, sizeof *out);
}

/* The open observation of a subject on the writer: *id 0 if none. */
static int
obs_open_of(void *drv, int64_t subject_id, int64_t *id, int32_t *end_date)
{
	observation_t *o = malloc(sizeof *o); /* large: keep it off the stack */
	int rc;
	if (o == NULL)
		return FK_ENOMEM;
	rc = sq__observation_open_of(drv, true, subject_id, o);
	*id = rc == 0 ? o->id : 0;
	*end_date = rc == 0 ? o->end_date : 0;
	free(o);
	return rc == FK_ENOTFOUND ? 0 : rc;
}

/* ?1 region prefix, ?2 own people, ?3 subject, ?5 ends_on, ?6 after_id,
 * ?7 limit of an observation_query (status, ?4, is bound by the caller
 * that uses it). */
static void
bind_scope(sqlite3_stmt *st, const struct observation_query *q)
{
	sq__bind_text(st, 1, q->region_prefix);
	sqlite3_bind_int(st, 2, q->own_people_only);
	sqlite3_bind_int64(st, 3, q->subject_id);
	sqlite3_bind_int(st, 5, q->ends_on);
	sqlite3_bind_int64(st, 6, q->after_id);
	sqlite3_bind_int(st, 7, limit_of(q->limit));
}

int
sq__observation_list(void *drv, const struct observation_query *q, observation_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((c = sq__use(d, false)) == NULL || (st = cst(c, C_OBS_LIST)) == NULL) {
		sq__unuse(d, false, c);
		return FK_EIO;
	}
	bind_scope(st, q);
	sq__bind_text(st, 4, q->status);
	rc = sq__collect(st, sizeof **out, obs_row, (void **)out, n);
	sq__unuse(d, false, c);
	return rc;
}

int
sq__tx_observation_insert(void *drv, observation_t *o)
{
	sqlite3_stmt *st = wst(drv, C_OBS_INSERT);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, o->subject_id);
	sq__bind_text(st, 2, o->kind);
	sq__bind_text(st, 3, o->reason);
	sqlite3_bind_int64(st, 4, o->case_id);
	sqlite3_bind_int(st, 5, o->last_exposure);
	sqlite3_bind_int(st, 6, o->start_date);
	sqlite3_bind_int(st, 7, o->end_date);
	sq__bind_text(st, 8, o->status[0] ? o->status : "open");
	sqlite3_bind_int64(st, 9, o->closed_at);
	sq__bind_text(st, 10, o->note);
	sq__bind_text(st, 11, o->by);
	sqlite3_bind_int64(st, 12, o->created_at);
	return sq__insert(drv, st, &o->id);
}

int
sq__tx_observation_update(void *drv, const observation_t *o)
{
	sqlite3_stmt *st = wst(drv, C_OBS_UPDATE);
	int rc;
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_int(st, 2, o->end_date);
	sqlite3_bind_int(st, 3, o->last_exposure);
	sq__bind_text(st, 4, o->status);
	sqlite3_bind_int64(st, 5, o->closed_at);
	sq__bind_text(st, 6, o->note);
	sq__bind_text(st, 7, o->kind);
	if ((rc = sq__exec_checked(st)))
		return rc;
	return changes(drv) == 1 ? 0 : FK_ENOTFOUND;
}

/* ---- follow-ups -------------------------------------------------------------- */

static void
followup_row(sqlite3_stmt *st, void *elem)
{
	followup_t *x = elem;
	x->id = sqlite3_column_int64(st, 0);
	x->observation_id = sqlite3_column_int64(st, 1);
	x->date = sqlite3_column_int(st, 2);
	sq__col_text(st, 3, x->slot, sizeof x->slot);
	x->temp_dc = sqlite3_column_int(st, 4);
	x->symptoms = (unsigned)sqlite3_column_int64(st, 5);
	sq__col_text(st, 6, x->by, sizeof x->by);
	x->filled_at = sqlite3_column_int64(st, 7);
	sq__col_text(st, 8, x->source, sizeof x->source);
}

/* Slots already present are kept as they are (filled or not); to <
 * from is nothing to do; FK_EINVAL for a run over
 * FOLLOWUP_ENSURE_DAYS_MAX days or an unknown observation. */
int
sq__tx_followups_ensure(void *drv, int64_t observation_id, int32_t from, int32_t to)
{
	sqlite3_stmt *st;
	if (to < from)
		return 0;
	if ((int64_t)to - from >= FOLLOWUP_ENSURE_DAYS_MAX)
		return FK_EINVAL;
	if ((st = wst(drv, C_FOLLOWUPS_ENSURE)) == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, observation_id);
	sqlite3_bind_int(st, 2, from);
	sqlite3_bind_int(st, 3, to);
	return sq__exec_checked(st);
}

int
sq__tx_followups_trim(void *drv, int64_t observation_id, int32_t from)
{
	sqlite3_stmt *st = wst(drv, C_FOLLOWUPS_TRIM);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, observation_id);
	sqlite3_bind_int(st, 2, from);
	return sq__exec_checked(st);
}

int
sq__followups_of(void *drv, int64_t observation_id, followup_t **out, size_t *n)
{
	return get_many(drv, false, C_FOLLOWUPS_OF, observation_id, followup_row, sizeof **out,
			(void **)out, n);
}

/* A filled slot is one with filled_at set, so f->filled_at must be > 0
 * (FK_EINVAL otherwise). */
int
sq__tx_followup_fill(void *drv, const followup_t *f)
{
	sqlite3_stmt *st = wst(drv, C_FOLLOWUP_FILL);
	int rc;
	if (st == NULL)
		return FK_EIO;
	if (f->filled_at <= 0)
		return FK_EINVAL;
	sqlite3_bind_int64(st, 1, f->observation_id);
	sqlite3_bind_int(st, 2, f->date);
	sq__bind_text(st, 3, f->slot);
	sqlite3_bind_int(st, 4, f->temp_dc);
	sqlite3_bind_int64(st, 5, f->symptoms);
	sq__bind_text(st, 6, f->by);
	sqlite3_bind_int64(st, 7, f->filled_at);
	sq__bind_text(st, 8, f->source);
	if ((rc = sq__exec_checked(st)))
		return rc;
	if (changes(drv) == 1)
		return 0;
	/* nothing filled: no such slot, or filled already */
	if ((st = wst(drv, C_FOLLOWUP_FILLED_AT)) == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, f->observation_id);
	sqlite3_bind_int(st, 2, f->date);
	sq__bind_text(st, 3, f->slot);
	rc = sqlite3_step(st);
	sq__done(st);
	return rc == SQLITE_ROW ? FK_ECONFLICT : rc == SQLITE_DONE ? FK_ENOTFOUND : sq__constraint_rc(rc);
}

int
sq__followups_missed(void *drv, const struct observation_query *q, int32_t date, const char *slot,
		     followup_t **out, size_t *n)
{
	struct drv *d = drv;
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (slot == NULL || (strcmp(slot, "am") != 0 && strcmp(slot, "pm") != 0))
		return FK_EINVAL;
	if ((c = sq__use(d, false)) == NULL || (st = cst(c, C_FOLLOWUPS_MISSED)) == NULL) {
		sq__unuse(d, false, c);
		return FK_EIO;
	}
	bind_scope(st, q);
	sqlite3_bind_int(st, 8, date);
	sq__bind_text(st, 9, slot);
	rc = sq__collect(st, sizeof **out, followup_row, (void **)out, n);
	sq__unuse(d, false, c);
	return rc;
}

/* ---- suspected-case reviews -------------------------------------------------- */

static void
review_row(sqlite3_stmt *st, void *elem)
{
	review_t *x = elem;
	x->id = sqlite3_column_int64(st, 0);
	x->subject_id = sqlite3_column_int64(st, 1);
	x->observation_id = sqlite3_column_int64(st, 2);
	x->date = sqlite3_column_int(st, 3);
	sq__col_text(st, 4, x->reason, sizeof x->reason);
	x->created_at = sqlite3_column_int64(st, 5);
	x->resolved_at = sqlite3_column_int64(st, 6);
	sq__col_text(st, 7, x->resolved_by, sizeof x->resolved_by);
	sq__col_text(st, 8, x->outcome, sizeof x->outcome);
	x->case_id = sqlite3_column_int64(st, 9);
	sq__col_text(st, 10, x->name, sizeof x->name);
	sq__col_text(st, 11, x->region_code, sizeof x->region_code);
	sq__col_text(st, 12, x->person_id, sizeof x->person_id);
}

int
sq__tx_review_insert(void *drv, review_t *r)
{
	sqlite3_stmt *st = wst(drv, C_REVIEW_INSERT);
	if (st == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, r->subject_id);
	sqlite3_bind_int64(st, 2, r->observation_id);
	sqlite3_bind_int(st, 3, r->date);
	sq__bind_text(st, 4, r->reason);
	sqlite3_bind_int64(st, 5, r->created_at);
	return sq__insert(drv, st, &r->id);
}

int
sq__review_get(void *drv, int64_t id, review_t *out)
{
	return get_one(drv, false, C_REVIEW_GET, id, NULL, review_row, out, sizeof *out);
}

int
sq__review_list(void *drv, const struct observation_query *q, bool open_only, review_t **out,
		size_t *n)
{
	struct drv *d = drv;
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((c = sq__use(d, false)) == NULL || (st = cst(c, C_REVIEW_LIST)) == NULL) {
		sq__unuse(d, false, c);
		return FK_EIO;
	}
	bind_scope(st, q);
	sqlite3_bind_int(st, 8, open_only);
	rc = sq__collect(st, sizeof **out, review_row, (void **)out, n);
	sq__unuse(d, false, c);
	return rc;
}

/* outcome must be case_opened or dismissed and resolved_at > 0
 * (FK_EINVAL); a case_id must exist. */
int
sq__tx_review_resolve(void *drv, const review_t *r)
{
	sqlite3_stmt *st;
	int rc;

	if (r->resolved_at <= 0 ||
	    (strcmp(r->outcome, "case_opened") != 0 && strcmp(r->outcome, "dismissed") != 0))
		return FK_EINVAL;
	if ((st = wst(drv, C_REVIEW_RESOLVE)) == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, r->resolved_at);
	sq__bind_text(st, 3, r->resolved_by);
	sq__bind_text(st, 4, r->outcome);
	sqlite3_bind_int64(st, 5, r->case_id);
	if ((rc = sq__exec_checked(st)))
		return rc;
	if (changes(drv) == 1)
		return 0;
	if ((st = wst(drv, C_REVIEW_EXISTS)) == NULL)
		return FK_EIO;
	sqlite3_bind_int64(st, 1, r->id);
	rc = sqlite3_step(st);
	sq__done(st);
	return rc == SQLITE_ROW ? FK_ECONFLICT : rc == SQLITE_DONE ? FK_ENOTFOUND : sq__constraint_rc(rc);
}

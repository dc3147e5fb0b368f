/*
 * store_sqlite_int.h -- store layer, internal to the SQLite backend: the
 * connection objects and the statement helpers its files share
 * (store_sqlite.c, store_sqlite_cases.c).
 */
#ifndef STORE_SQLITE_INT_H
#define STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#define SQ_MAIN_ST_MAX 96   /* statements of store_sqlite.c */
#define SQ_CASES_ST_MAX 64  /* statements of store_sqlite_cases.c */
#define SQ_RISK_ST_MAX 24   /* statements of store_sqlite_risk.c */
#define SQ_SIGNALS_ST_MAX 8 /* statements of store_sqlite_signals.c */

/* One SQLite connection and its prepared statements (kept, reset after
 * each use). */
struct conn {
	sqlite3 *db;
	sqlite3_stmt *st[SQ_MAIN_ST_MAX];
	sqlite3_stmt *cases_st[SQ_CASES_ST_MAX];
	sqlite3_stmt *risk_st[SQ_RISK_ST_MAX];
	sqlite3_stmt *signals_st[SQ_SIGNALS_ST_MAX];
	struct conn *next; /* idle list */
};

struct drv {
	char *path;
	int busy_ms;
	struct conn *writer;     /* the writer thread's, inside jobs */
	pthread_mutex_t pool_mu;
	struct conn *idle;       /* read connections not in use */
};

typedef void (*sq_row_fn)(sqlite3_stmt *st, void *elem);

/* The writer's connection inside a job (tx), else a pooled reader. */
struct conn *sq__use(struct drv *d, bool tx);
void sq__unuse(struct drv *d, bool tx, struct conn *c);
void sq__done(sqlite3_stmt *st);
int sq__map_rc(int rc);
/* Step a statement that returns no rows; reset it. */
int sq__exec(sqlite3_stmt *st);
void sq__col_text(sqlite3_stmt *st, int i, char *buf, size_t cap);
void sq__bind_text(sqlite3_stmt *st, int i, const char *s);
/* A uniqueness rule broken is FK_ECONFLICT; any other broken constraint
 * (check, not null, foreign key, trigger) is FK_EINVAL: the input named
 * something absent or out of range.  Else as sq__map_rc. */
int sq__constraint_rc(int rc);
/* Step a statement that returns no rows, reset it; constraint-aware. */
int sq__exec_checked(sqlite3_stmt *st);
/* After an update of row id on the writer that only applies once (a
 * decision, an acknowledgement): 0 if it changed a row, else
 * FK_ECONFLICT if `exists` (its ?1 bound here to id) finds the row --
 * decided already -- or FK_ENOTFOUND. */
int sq__changed_once(void *drv, sqlite3_stmt *exists, int64_t id);
/* Run an insert on the writer; *id gets the new row's id. */
int sq__insert(void *drv, sqlite3_stmt *st, int64_t *id);
/* Rows of st into a malloc'd array of elem-byte elements. */
int sq__collect(sqlite3_stmt *st, size_t elem, sq_row_fn row, void **out, size_t *n);
/* One row into elem, FK_ENOTFOUND if none. */
int sq__fetch_one(sqlite3_stmt *st, sq_row_fn row, void *elem);

/* The case-management ops (store_sqlite_cases.c), named in the ops
 * table of store_sqlite.c. */
#include "store.h"
int sq__subject_get(void *drv, bool tx, int64_t id, subject_t *out);
int sq__subject_by_person(void *drv, bool tx, const char *person_id, subject_t *out);
int sq__tx_subject_duplicates(void *drv, const subject_t *sub, subject_t **out, size_t *n);
int sq__tx_subject_insert(void *drv, subject_t *sub);
int sq__tx_subject_merge(void *drv, int64_t from, int64_t into);
int sq__case_get(void *drv, bool tx, int64_t id, case_rec_t *out);
int sq__case_list(void *drv, const struct case_query *q, case_rec_t **out, size_t *n);
int sq__tx_cases_of_subject(void *drv, int64_t subject_id, case_rec_t **out, size_t *n);
int sq__tx_case_insert(void *drv, case_rec_t *c);
int sq__tx_case_update(void *drv, const case_rec_t *c);
int sq__tx_case_event_insert(void *drv, case_event_t *e);
int sq__case_events(void *drv, int64_t case_id, case_event_t **out, size_t *n);
int sq__tx_lab_insert(void *drv, lab_test_t *t);
int sq__labs_of_case(void *drv, int64_t case_id, lab_test_t **out, size_t *n);
int sq__tx_placement_insert(void *drv, placement_t *p);
int sq__placements_of_subject(void *drv, int64_t subject_id, placement_t **out, size_t *n);
int sq__tx_exposure_insert(void *drv, exposure_rec_t *e);
int sq__exposures_of_subject(void *drv, bool tx, int64_t subject_id, exposure_rec_t **out,
	size_t *n);
int sq__exposure_all(void *drv, exposure_rec_t **out, size_t *n);
int sq__observation_get(void *drv, bool tx, int64_t id, observation_t *out);
int sq__observation_open_of(void *drv, bool tx, int64_t subject_id, observation_t *out);
int sq__observation_list(void *drv, const struct observation_query *q, observation_t **out,
	size_t *n);
int sq__tx_observation_insert(void *drv, observation_t *o);
int sq__tx_observation_update(void *drv, const observation_t *o);
int sq__tx_followups_ensure(void *drv, int64_t observation_id, int32_t from, int32_t to);
int sq__tx_followups_trim(void *drv, int64_t observation_id, int32_t from);
int sq__followups_of(void *drv, int64_t observation_id, followup_t **out, size_t *n);
int sq__tx_followup_fill(void *drv, const followup_t *f);
int sq__followups_missed(void *drv, const struct observation_query *q, int32_t date,
	const char *slot, followup_t **out, size_t *n);
int sq__tx_review_insert(void *drv, review_t *r);
int sq__review_get(void *drv, int64_t id, review_t *out);
int sq__review_list(void *drv, const struct observation_query *q, bool open_only,
	review_t **out, size_t *n);
int sq__tx_review_resolve(void *drv, const review_t *r);

/* The regional-risk ops (store_sqlite_risk.c). */
int sq__tx_series_replace(void *drv, const char *source, int32_t from, int32_t to,
	const series_day_t *rows, size_t n);
int sq__series_list(void *drv, const char *source, const char *region_prefix, int32_t from,
	int32_t to, series_day_t **out, size_t *n);
int sq__series_sources(void *drv, struct series_source **out, size_t *n);
int sq__tx_risk_insert(void *drv, risk_change_t *c);
int sq__risk_latest(void *drv, bool tx, const char *region_code, int32_t date, bool override,
	risk_change_t *out);
int sq__risk_current(void *drv, const char *region_prefix, int32_t date, risk_change_t **out,
	size_t *n);
int sq__risk_history(void *drv, const char *region_code, risk_change_t **out, size_t *n);
int sq__tx_response_insert(void *drv, response_level_t *r);
int sq__response_history(void *drv, const char *province_code, response_level_t **out,
	size_t *n);
int sq__tx_plan_insert(void *drv, resumption_plan_t *p);
int sq__tx_plan_decide(void *drv, const resumption_plan_t *p);
int sq__plan_get(void *drv, int64_t id, resumption_plan_t *out);
int sq__plan_list(void *drv, const char *dept_path, resumption_plan_t **out, size_t *n);

int sq__tx_risk_clear(void *drv, const char *region_code, int32_t from, int32_t to);

/* The detection signals (store_sqlite_signals.c). */
int sq__checkin_counts(void *drv, int32_t from, int32_t to, unsigned symptom_mask,
	int temp_dc_min, struct checkin_count **out, size_t *n);
int sq__signal_get(void *drv, bool tx, int64_t id, signal_t *out);
int sq__signal_list(void *drv, const struct signal_query *q, signal_t **out, size_t *n);
int sq__tx_signal_insert(void *drv, signal_t *s);
int sq__tx_signal_ack(void *drv, const signal_t *s);
int sq__tx_detect_run_claim(void *drv, int32_t date, const char *by, int64_t now, bool force);

#endif

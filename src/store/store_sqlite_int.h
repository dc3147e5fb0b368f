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

/* One SQLite connection and its prepared statements (kept, reset after
 * each use). */
struct conn {
	sqlite3 *db;
	sqlite3_stmt *st[SQ_MAIN_ST_MAX];
	sqlite3_stmt *cases_st[SQ_CASES_ST_MAX];
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
/* Rows of st into a malloc'd array of elem-byte elements. */
int sq__collect(sqlite3_stmt *st, size_t elem, sq_row_fn row, void **out, size_t *n);
/* One row into elem, FK_ENOTFOUND if none. */
int sq__fetch_one(sqlite3_stmt *st, sq_row_fn row, void *elem);

#endif

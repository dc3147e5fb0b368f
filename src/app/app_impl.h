/* app_impl.h -- app layer, internal: the application object. */
#ifndef APP_IMPL_H
#define APP_IMPL_H

#include <pthread.h>

#include "app.h"

/* Failed-login counters, per username and per address (auth.c). */
#define APP_LIMIT_SLOTS 1024
struct limit_slot {
	char key[80];      /* "u:name" or "a:address" */
	int64_t window_start;
	int failures;
};

struct app {
	store_t *store;
	struct app_options opt;
	policy_t *policies;          /* by effective_from, from policies.c */
	size_t n_policies;
	pthread_mutex_t limit_mu;
	struct limit_slot limits[APP_LIMIT_SLOTS];

	/* notify.c: the webhook delivery and reminder thread.  Zero (from
	 * calloc) means "never started"; app_notify_start() initialises
	 * the mutex and condition and app_notify_stop() destroys them, so
	 * app_open() need not touch these. */
	pthread_t notify_thread;
	pthread_mutex_t notify_mu;    /* guards notify_stop */
	pthread_cond_t notify_cond;   /* wakes the thread early on stop */
	bool notify_running;          /* started and not yet joined (main thread only) */
	bool notify_stop;             /* asks the thread to exit */
	int32_t notify_reminded;      /* CST day whose reminders are queued, 0 none */
	int32_t detect_ran;           /* date whose detection run is done, 0 none (signals.c) */
};

/* Load the built-in policy files into a->policies (policies.c). */
int app__policies_load(app_t *a, struct fk_error *err) FK_MUST_CHECK;

/* 0 if actor may see person p, FK_ENOTFOUND if not (people.c). */
int app__person_in_scope(app_t *a, const actor_t *actor, const person_t *p) FK_MUST_CHECK;
/* Audit that actor was shown these people, in one write (people.c). */
int app__audit_people(app_t *a, const actor_t *actor, const char *action, const person_t *people,
		      size_t n, struct fk_error *err) FK_MUST_CHECK;
/* Narrow a person query to actor's scope (people.c). */
void app__scope_query(const actor_t *actor, struct person_query *q);

/* Shorthand used by the use cases. */
#define IS_ROLE(actor, r) (!(actor)->cli && (actor)->user.role == (r))

/* Fill an audit entry for actor (no I/O). */
void app__audit_fill(audit_entry_t *e, const actor_t *actor, const char *action,
		     const char *object_type, const char *object_id, const char *detail);

/* app_person_list with the audit action named (list, export). */
int app__person_page(app_t *a, const actor_t *actor, const char *after, int limit,
		     const char *action, person_t **out, size_t *n, bool *more) FK_MUST_CHECK;

/*
 * Parse CSV text with libcsv and call row() for every record, with its
 * 1-based record number (the header is record 1) and its fields as
 * NUL-terminated strings (borrowed for the call).  A non-zero return
 * from row() stops the parse and is returned.  Malformed CSV (an
 * unterminated quote, a stray quote) gives FK_EINVAL naming the record.
 */
typedef int (*csv_row_fn)(void *ctx, long record, char **fields, size_t n);
int app__csv_each(const char *buf, size_t len, csv_row_fn row, void *ctx,
		  struct fk_error *err) FK_MUST_CHECK;

/* The series of the cases registered here (source "fangkong"): per
 * report date and region, confirmed (with clinical, recovered, died)
 * and asymptomatic counts; *from..*to their date range (areas.c). */
int app__own_series(app_t *a, series_day_t **out, size_t *n, int32_t *from,
		    int32_t *to) FK_MUST_CHECK;

/* One round of the notification thread at Unix time now: queue the
 * day's reminders once the report cut-off has passed, then POST the
 * deliveries that are due and record each outcome.  Runs on whatever
 * thread calls it (the tests call it directly); not reentrant. */
int app__notify_pass(app_t *a, int64_t now) FK_MUST_CHECK;

#endif

/*
 * store.c -- store layer: backend selection, the writer thread with group
 * commit, and the typed functions that dispatch to the backend.
 *
 * Writer invariants:
 *  1. Only the writer thread calls ops->begin .. ops->commit and the
 *     tx_* ops, so a backend needs one write connection and no locking
 *     of its own around it.
 *  2. A job is answered (done = 1) only after the commit of its batch
 *     returned, i.e. after the backend's durable sync.
 *  3. Jobs are taken in arrival order; a batch holds at most batch_max.
 *  4. After store_close() starts, new jobs get FK_EBUSY, and every job
 *     already queued is still run and answered.
 */
#include "store_impl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct job {
	store_job_fn fn;
	void *arg;
	struct fk_error *err;
	int rc;
	int done;
	struct job *next;
};

struct store {
	const struct store_ops *ops;
	void *drv;
	int batch_max;

	pthread_mutex_t mu;
	pthread_cond_t work;  /* writer waits here for jobs */
	pthread_cond_t done;  /* submitters wait here for answers */
	struct job *head, *tail;
	int closing;
	pthread_t writer;

	struct store_stats stats; /* guarded by mu */
};

const int store_batch_bounds[STORE_BATCH_BUCKETS - 1] = {1, 2, 4, 8, 16, 64, 256};

static void
count_batch(struct store_stats *st, size_t n)
{
	st->batches++;
	st->jobs += n;
	for (int i = 0; i < STORE_BATCH_BUCKETS; i++)
		if (i == STORE_BATCH_BUCKETS - 1 || n <= (size_t)store_batch_bounds[i])
			st->batch_size_le[i]++;
}

static void
run_batch(store_t *s, struct job *batch, size_t n)
{
	struct store_tx tx = {.ops = s->ops, .drv = s->drv};
	int rc = s->ops->begin(s->drv);

	for (struct job *j = batch; j; j = j->next) {
		if (rc) {
			j->rc = FK_EIO;
			fk_error_set(j->err, FK_EIO, "", "storage is unavailable");
			continue;
		}
		if (s->ops->savepoint(s->drv)) {
			j->rc = fk_error_set(j->err, FK_EIO, "", "storage savepoint failed");
			continue;
		}
		j->rc = j->fn(&tx, j->arg, j->err);
		if (j->rc) {
			if (s->ops->rollback_to(s->drv)) {
				/* cannot undo this job: abandon the batch */
				rc = FK_EIO;
			}
		} else if (s->ops->release(s->drv)) {
			j->rc = fk_error_set(j->err, FK_EIO, "", "storage release failed");
		}
	}
	if (rc == 0)
		rc = s->ops->commit(s->drv);
	if (rc) {
		s->ops->rollback(s->drv);
		for (struct job *j = batch; j; j = j->next)
			if (j->rc == 0)
				j->rc = fk_error_set(j->err, FK_EIO, "",
						     "the write could not be made durable");
	}

	pthread_mutex_lock(&s->mu);
	count_batch(&s->stats, n);
	if (rc)
		s->stats.failed_commits++;
	for (struct job *j = batch; j; j = j->next)
		j->done = 1;
	pthread_cond_broadcast(&s->done);
	pthread_mutex_unlock(&s->mu);
}

static void *
writer_main(void *arg)
{
	store_t *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->head == NULL && !s->closing)
			pthread_cond_wait(&s->work, &s->mu);
		if (s->head == NULL && s->closing)
			break;
		/* take up to batch_max jobs */
		struct job *batch = s->head, *last = s->head;
		size_t n = 1;
		while (last->next && n < (size_t)s->batch_max) {
			last = last->next;
			n++;
		}
		s->head = last->next;
		if (s->head == NULL)
			s->tail = NULL;
		last->next = NULL;
		s->stats.queue_depth -= n;
		pthread_mutex_unlock(&s->mu);

		run_batch(s, batch, n);

		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int
store_open(const char *location, const struct store_options *opt,
	   store_t **out, struct fk_error *err)
{
	const struct store_ops *ops = &store_sqlite_ops;
	struct store_options o = {0};
	store_t *s;
	int rc;

	*out = NULL;
	if (opt)
		o = *opt;
	if (o.batch_max <= 0)
		o.batch_max = 512;
	if (o.busy_timeout_ms <= 0)
		o.busy_timeout_ms = 5000;
	if (location && strncmp(location, "sqlite:", 7) == 0)
		location += 7;
	if (location == NULL || location[0] == '\0')
		return fk_error_set(err, FK_EINVAL, "db", "no database given");
	/* every connection of an in-memory database is its own database:
	 * readers would never see the writer's rows */
	if (strcmp(location, ":memory:") == 0 || strncmp(location, "file:", 5) == 0)
		return fk_error_set(err, FK_EINVAL, "db",
				    "the database must be a file (not '%s')", location);
	else if (strstr(location, "://"))
		return fk_error_set(err, FK_EINVAL, "db",
				    "unsupported database location '%s' (this build has sqlite)",
				    location);

	s = calloc(1, sizeof *s);
	if (s == NULL)
		return fk_error_set(err, FK_ENOMEM, "", NULL);
	s->ops = ops;
	s->batch_max = o.batch_max;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->done, NULL);

	rc = ops->open(location, &o, &s->drv, err);
	if (rc)
		goto fail;
	if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
		ops->close(s->drv);
		rc = fk_error_set(err, FK_EIO, "", "cannot start the writer thread");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->done);
	free(s);
	return rc;
}

void
store_close(store_t *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->closing = 1;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->writer, NULL);
	s->ops->close(s->drv);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->done);
	free(s);
}

int
store_write(store_t *s, store_job_fn fn, void *arg, struct fk_error *err)
{
	struct job j = {.fn = fn, .arg = arg, .err = err};

	pthread_mutex_lock(&s->mu);
	if (s->closing) {
		pthread_mutex_unlock(&s->mu);
		return fk_error_set(err, FK_EBUSY, "", "the server is shutting down");
	}
	if (s->tail)
		s->tail->next = &j;
	else
		s->head = &j;
	s->tail = &j;
	s->stats.queue_depth++;
	pthread_cond_signal(&s->work);
	while (!j.done)
		pthread_cond_wait(&s->done, &s->mu);
	pthread_mutex_unlock(&s->mu);
	return j.rc;
}

void
store_stats_get(store_t *s, struct store_stats *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->stats;
	pthread_mutex_unlock(&s->mu);
}

struct migrate_arg {
	int *from, *to;
};

static int
migrate_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct migrate_arg *a = arg;
	return tx->ops->migrate(tx->drv, a->from, a->to, err);
}

int
store_migrate(store_t *s, int *from, int *to, struct fk_error *err)
{
	/* Through the writer, so migrations are serialised with every
	 * other write of this process and committed durably. */
	struct migrate_arg a = {from, to};
	return store_write(s, migrate_job, &a, err);
}

int
store_schema_version(store_t *s, int *current, int *latest)
{
	return s->ops->schema_version(s->drv, current, latest);
}

const char *
store_backend(const store_t *s)
{
	return s->ops->name;
}

/* ---- dispatch: one line each, so a backend sees typed calls ---------- */

#define TXDRV(tx) ((tx)->drv)
#define tx_ops() (tx->ops)

int store_region_get(store_t *s, const char *code, region_t *out)
{ return s->ops->region_get(s->drv, code, out); }
int store_region_search(store_t *s, const char *q, int limit, region_t **out, size_t *n)
{ return s->ops->region_search(s->drv, q, limit, out, n); }
int store_region_count(store_t *s, int64_t *out)
{ return s->ops->region_count(s->drv, out); }
int store_tx_region_put(store_tx_t *tx, const region_t *r)
{ return tx_ops()->tx_region_put(TXDRV(tx), r); }
int store_tx_region_exists(store_tx_t *tx, const char *code, bool *out)
{ return tx_ops()->tx_region_exists(TXDRV(tx), code, out); }

int store_department_get(store_t *s, int64_t id, department_t *out)
{ return s->ops->department_get(s->drv, false, id, out); }
int store_department_find(store_t *s, const char *name, department_t *out)
{ return s->ops->department_find(s->drv, false, name, out); }
int store_department_list(store_t *s, department_t **out, size_t *n)
{ return s->ops->department_list(s->drv, out, n); }
int store_tx_department_get(store_tx_t *tx, int64_t id, department_t *out)
{ return tx_ops()->department_get(TXDRV(tx), true, id, out); }
int store_tx_department_find(store_tx_t *tx, const char *name, department_t *out)
{ return tx_ops()->department_find(TXDRV(tx), true, name, out); }
int store_tx_department_insert(store_tx_t *tx, department_t *d, struct fk_error *err)
{ return tx_ops()->tx_department_insert(TXDRV(tx), d, err); }
int store_tx_department_update(store_tx_t *tx, department_t *d, struct fk_error *err)
{ return tx_ops()->tx_department_update(TXDRV(tx), d, err); }
int store_tx_department_delete(store_tx_t *tx, int64_t id, struct fk_error *err)
{ return tx_ops()->tx_department_delete(TXDRV(tx), id, err); }

int store_person_get(store_t *s, const char *id, person_t *out)
{ return s->ops->person_get(s->drv, false, id, out); }
int store_person_list(store_t *s, const struct person_query *q, person_t **out, size_t *n)
{ return s->ops->person_list(s->drv, q, out, n); }
int store_person_dept_path(store_t *s, const char *id, char *path, size_t cap)
{ return s->ops->person_dept_path(s->drv, id, path, cap); }
int store_tx_person_get(store_tx_t *tx, const char *id, person_t *out)
{ return tx_ops()->person_get(TXDRV(tx), true, id, out); }
int store_tx_person_insert(store_tx_t *tx, const person_t *p, int64_t now, struct fk_error *err)
{ return tx_ops()->tx_person_insert(TXDRV(tx), p, now, err); }
int store_tx_person_update(store_tx_t *tx, const person_t *p, int64_t now, struct fk_error *err)
{ return tx_ops()->tx_person_update(TXDRV(tx), p, now, err); }
int store_tx_person_delete(store_tx_t *tx, const char *id, struct fk_error *err)
{ return tx_ops()->tx_person_delete(TXDRV(tx), id, err); }

int store_user_get(store_t *s, int64_t id, user_t *out)
{ return s->ops->user_get(s->drv, id, out); }
int store_user_find(store_t *s, const char *username, user_t *out)
{ return s->ops->user_find(s->drv, false, username, out); }
int store_user_list(store_t *s, user_t **out, size_t *n)
{ return s->ops->user_list(s->drv, out, n); }
int store_user_count(store_t *s, int64_t *out)
{ return s->ops->user_count(s->drv, out); }
int store_tx_user_find(store_tx_t *tx, const char *username, user_t *out)
{ return tx_ops()->user_find(TXDRV(tx), true, username, out); }
int store_tx_user_insert(store_tx_t *tx, user_t *u, int64_t now, struct fk_error *err)
{ return tx_ops()->tx_user_insert(TXDRV(tx), u, now, err); }
int store_tx_user_update(store_tx_t *tx, const user_t *u, struct fk_error *err)
{ return tx_ops()->tx_user_update(TXDRV(tx), u, err); }

int store_session_get(store_t *s, const uint8_t hash[SESSION_HASH_LEN], int64_t now, session_t *out)
{ return s->ops->session_get(s->drv, hash, now, out); }
int store_tx_session_insert(store_tx_t *tx, const session_t *se)
{ return tx_ops()->tx_session_insert(TXDRV(tx), se); }
int store_tx_session_delete(store_tx_t *tx, const uint8_t hash[SESSION_HASH_LEN])
{ return tx_ops()->tx_session_delete(TXDRV(tx), hash); }
int store_tx_session_delete_user(store_tx_t *tx, int64_t user_id)
{ return tx_ops()->tx_session_delete_user(TXDRV(tx), user_id); }
int store_tx_session_purge(store_tx_t *tx, int64_t now)
{ return tx_ops()->tx_session_purge(TXDRV(tx), now); }

int store_tx_audit_append(store_tx_t *tx, const audit_entry_t *a)
{ return tx_ops()->tx_audit_append(TXDRV(tx), a); }
int store_audit_list(store_t *s, int64_t before, int limit, audit_entry_t **out, size_t *n)
{ return s->ops->audit_list(s->drv, before, limit, out, n); }

int store_setting_get(store_t *s, const char *key, char *value, size_t cap)
{ return s->ops->setting_get(s->drv, false, key, value, cap); }
int store_tx_setting_get(store_tx_t *tx, const char *key, char *value, size_t cap)
{ return tx_ops()->setting_get(TXDRV(tx), true, key, value, cap); }
int store_tx_setting_put(store_tx_t *tx, const char *key, const char *value, int64_t now)
{ return tx_ops()->tx_setting_put(TXDRV(tx), key, value, now); }

int store_report_get(store_t *s, int64_t id, report_rec_t *out)
{ return s->ops->report_get(s->drv, id, out); }
int store_report_list(store_t *s, const struct report_query *q, report_rec_t **out, size_t *n)
{ return s->ops->report_list(s->drv, q, out, n); }
int store_report_versions(store_t *s, const char *person_id, int32_t date, report_rec_t **out,
			  size_t *n)
{ return s->ops->report_versions(s->drv, false, person_id, date, out, n); }
int store_tx_report_versions(store_tx_t *tx, const char *person_id, int32_t date,
			     report_rec_t **out, size_t *n)
{ return tx_ops()->report_versions(TXDRV(tx), true, person_id, date, out, n); }
int store_report_recent(store_t *s, const char *person_id, int32_t from, int32_t to,
			report_rec_t **out, size_t *n)
{ return s->ops->report_recent(s->drv, false, person_id, from, to, out, n); }
int store_tx_report_recent(store_tx_t *tx, const char *person_id, int32_t from, int32_t to,
			   report_rec_t **out, size_t *n)
{ return tx_ops()->report_recent(TXDRV(tx), true, person_id, from, to, out, n); }
int store_tx_report_by_request(store_tx_t *tx, const char *person_id, const char *request_id,
			       report_rec_t *out)
{ return tx_ops()->tx_report_by_request(TXDRV(tx), person_id, request_id, out); }
int store_tx_report_insert(store_tx_t *tx, report_rec_t *rec, int64_t department_id,
			   struct fk_error *err)
{ return tx_ops()->tx_report_insert(TXDRV(tx), rec, department_id, err); }
int store_tx_report_count_by_submitter(store_tx_t *tx, int64_t user_id, int64_t since,
				       int64_t *out)
{ return tx_ops()->tx_report_count_by_submitter(TXDRV(tx), user_id, since, out); }
int store_missing(store_t *s, int32_t date, const struct person_query *q, person_t **out,
		  size_t *n)
{ return s->ops->missing(s->drv, date, q, out, n); }
int store_dash_departments(store_t *s, int32_t date, const char *dept_path,
			   struct dash_department **out, size_t *n)
{ return s->ops->dash_departments(s->drv, date, dept_path, out, n); }
int store_dash_places(store_t *s, int32_t date, const char *dept_path, struct dash_place out[3],
		      size_t *n)
{ return s->ops->dash_places(s->drv, date, dept_path, out, n); }
int store_dash_trend(store_t *s, int32_t from, int32_t to, const char *dept_path,
		     struct dash_day **out, size_t *n)
{ return s->ops->dash_trend(s->drv, from, to, dept_path, out, n); }
int store_alert_get(store_t *s, int64_t id, alert_t *out)
{ return s->ops->alert_get(s->drv, id, out); }
int store_alert_list(store_t *s, const struct alert_query *q, alert_t **out, size_t *n)
{ return s->ops->alert_list(s->drv, q, out, n); }
int store_tx_alert_insert(store_tx_t *tx, alert_t *a)
{ return tx_ops()->tx_alert_insert(TXDRV(tx), a); }
int store_tx_alert_ack(store_tx_t *tx, const alert_t *a)
{ return tx_ops()->tx_alert_ack(TXDRV(tx), a); }
int store_webhook_list(store_t *s, webhook_t **out, size_t *n)
{ return s->ops->webhook_list(s->drv, false, out, n); }
int store_tx_webhook_list(store_tx_t *tx, webhook_t **out, size_t *n)
{ return tx_ops()->webhook_list(TXDRV(tx), true, out, n); }
int store_tx_webhook_insert(store_tx_t *tx, webhook_t *w, struct fk_error *err)
{ return tx_ops()->tx_webhook_insert(TXDRV(tx), w, err); }
int store_tx_webhook_delete(store_tx_t *tx, int64_t id)
{ return tx_ops()->tx_webhook_delete(TXDRV(tx), id); }
int store_tx_delivery_insert(store_tx_t *tx, delivery_t *d)
{ return tx_ops()->tx_delivery_insert(TXDRV(tx), d); }
int store_delivery_due(store_t *s, int64_t now, int limit, delivery_t **out, size_t *n)
{ return s->ops->delivery_due(s->drv, now, limit, out, n); }
int store_tx_delivery_update(store_tx_t *tx, const delivery_t *d)
{ return tx_ops()->tx_delivery_update(TXDRV(tx), d); }
int store_delivery_list(store_t *s, int64_t before, int limit, delivery_t **out, size_t *n)
{ return s->ops->delivery_list(s->drv, before, limit, out, n); }
int store_tx_reminder_claim(store_tx_t *tx, int32_t date, int64_t department_id, int64_t missing,
			    int64_t now)
{ return tx_ops()->tx_reminder_claim(TXDRV(tx), date, department_id, missing, now); }
int store_dash_on_time(store_t *s, int32_t date, int64_t cutoff, struct dash_department *deps,
		       size_t n)
{ return s->ops->dash_on_time(s->drv, date, cutoff, deps, n); }

int store_subject_get(store_t *s, int64_t id, subject_t *out)
{ return s->ops->subject_get(s->drv, false, id, out); }
int store_subject_by_person(store_t *s, const char *person_id, subject_t *out)
{ return s->ops->subject_by_person(s->drv, false, person_id, out); }
int store_tx_subject_get(store_tx_t *tx, int64_t id, subject_t *out)
{ return tx_ops()->subject_get(TXDRV(tx), true, id, out); }
int store_tx_subject_by_person(store_tx_t *tx, const char *person_id, subject_t *out)
{ return tx_ops()->subject_by_person(TXDRV(tx), true, person_id, out); }
int store_tx_subject_duplicates(store_tx_t *tx, const subject_t *sub, subject_t **out, size_t *n)
{ return tx_ops()->tx_subject_duplicates(TXDRV(tx), sub, out, n); }
int store_tx_subject_insert(store_tx_t *tx, subject_t *sub)
{ return tx_ops()->tx_subject_insert(TXDRV(tx), sub); }
int store_tx_subject_merge(store_tx_t *tx, int64_t from, int64_t into)
{ return tx_ops()->tx_subject_merge(TXDRV(tx), from, into); }
int store_case_get(store_t *s, int64_t id, case_rec_t *out)
{ return s->ops->case_get(s->drv, false, id, out); }
int store_tx_case_get(store_tx_t *tx, int64_t id, case_rec_t *out)
{ return tx_ops()->case_get(TXDRV(tx), true, id, out); }
int store_case_list(store_t *s, const struct case_query *q, case_rec_t **out, size_t *n)
{ return s->ops->case_list(s->drv, q, out, n); }
int store_tx_cases_of_subject(store_tx_t *tx, int64_t subject_id, case_rec_t **out, size_t *n)
{ return tx_ops()->tx_cases_of_subject(TXDRV(tx), subject_id, out, n); }
int store_tx_case_insert(store_tx_t *tx, case_rec_t *c)
{ return tx_ops()->tx_case_insert(TXDRV(tx), c); }
int store_tx_case_update(store_tx_t *tx, const case_rec_t *c)
{ return tx_ops()->tx_case_update(TXDRV(tx), c); }
int store_tx_case_event_insert(store_tx_t *tx, case_event_t *e)
{ return tx_ops()->tx_case_event_insert(TXDRV(tx), e); }
int store_case_events(store_t *s, int64_t case_id, case_event_t **out, size_t *n)
{ return s->ops->case_events(s->drv, case_id, out, n); }
int store_tx_lab_insert(store_tx_t *tx, lab_test_t *t)
{ return tx_ops()->tx_lab_insert(TXDRV(tx), t); }
int store_labs_of_case(store_t *s, int64_t case_id, lab_test_t **out, size_t *n)
{ return s->ops->labs_of_case(s->drv, case_id, out, n); }
int store_tx_placement_insert(store_tx_t *tx, placement_t *p)
{ return tx_ops()->tx_placement_insert(TXDRV(tx), p); }
int store_placements_of_subject(store_t *s, int64_t subject_id, placement_t **out, size_t *n)
{ return s->ops->placements_of_subject(s->drv, subject_id, out, n); }
int store_tx_exposure_insert(store_tx_t *tx, exposure_rec_t *e)
{ return tx_ops()->tx_exposure_insert(TXDRV(tx), e); }
int store_exposures_of_subject(store_t *s, int64_t subject_id, exposure_rec_t **out, size_t *n)
{ return s->ops->exposures_of_subject(s->drv, false, subject_id, out, n); }
int store_tx_exposures_of_subject(store_tx_t *tx, int64_t subject_id, exposure_rec_t **out,
				  size_t *n)
{ return tx_ops()->exposures_of_subject(TXDRV(tx), true, subject_id, out, n); }
int store_exposure_all(store_t *s, exposure_rec_t **out, size_t *n)
{ return s->ops->exposure_all(s->drv, out, n); }
int store_observation_get(store_t *s, int64_t id, observation_t *out)
{ return s->ops->observation_get(s->drv, false, id, out); }
int store_tx_observation_get(store_tx_t *tx, int64_t id, observation_t *out)
{ return tx_ops()->observation_get(TXDRV(tx), true, id, out); }
int store_tx_observation_open_of(store_tx_t *tx, int64_t subject_id, observation_t *out)
{ return tx_ops()->observation_open_of(TXDRV(tx), true, subject_id, out); }
int store_observation_open_of(store_t *s, int64_t subject_id, observation_t *out)
{ return s->ops->observation_open_of(s->drv, false, subject_id, out); }
int store_observation_list(store_t *s, const struct observation_query *q, observation_t **out,
			   size_t *n)
{ return s->ops->observation_list(s->drv, q, out, n); }
int store_tx_observation_insert(store_tx_t *tx, observation_t *o)
{ return tx_ops()->tx_observation_insert(TXDRV(tx), o); }
int store_tx_observation_update(store_tx_t *tx, const observation_t *o)
{ return tx_ops()->tx_observation_update(TXDRV(tx), o); }
int store_tx_followups_ensure(store_tx_t *tx, int64_t observation_id, int32_t from, int32_t to)
{ return tx_ops()->tx_followups_ensure(TXDRV(tx), observation_id, from, to); }
int store_followups_of(store_t *s, int64_t observation_id, followup_t **out, size_t *n)
{ return s->ops->followups_of(s->drv, observation_id, out, n); }
int store_tx_followup_fill(store_tx_t *tx, const followup_t *f)
{ return tx_ops()->tx_followup_fill(TXDRV(tx), f); }
int store_followups_missed(store_t *s, const struct observation_query *q, int32_t date,
			   const char *slot, followup_t **out, size_t *n)
{ return s->ops->followups_missed(s->drv, q, date, slot, out, n); }
int store_tx_review_insert(store_tx_t *tx, review_t *r)
{ return tx_ops()->tx_review_insert(TXDRV(tx), r); }
int store_review_get(store_t *s, int64_t id, review_t *out)
{ return s->ops->review_get(s->drv, id, out); }
int store_review_list(store_t *s, const struct observation_query *q, bool open_only,
		      review_t **out, size_t *n)
{ return s->ops->review_list(s->drv, q, open_only, out, n); }
int store_tx_review_resolve(store_tx_t *tx, const review_t *r)
{ return tx_ops()->tx_review_resolve(TXDRV(tx), r); }
int store_tx_followups_trim(store_tx_t *tx, int64_t observation_id, int32_t from)
{ return tx_ops()->tx_followups_trim(TXDRV(tx), observation_id, from); }

/* regional risk and return to work */
int store_tx_series_replace(store_tx_t *tx, const char *source, int32_t from, int32_t to,
			    const series_day_t *rows, size_t n)
{ return tx_ops()->tx_series_replace(TXDRV(tx), source, from, to, rows, n); }
int store_series_list(store_t *s, const char *source, const char *region_prefix, int32_t from,
		      int32_t to, series_day_t **out, size_t *n)
{ return s->ops->series_list(s->drv, source, region_prefix, from, to, out, n); }
int store_series_sources(store_t *s, struct series_source **out, size_t *n)
{ return s->ops->series_sources(s->drv, out, n); }
int store_tx_risk_insert(store_tx_t *tx, risk_change_t *c)
{ return tx_ops()->tx_risk_insert(TXDRV(tx), c); }
int store_tx_risk_latest(store_tx_t *tx, const char *region_code, int32_t date, bool override,
			 risk_change_t *out)
{ return tx_ops()->risk_latest(TXDRV(tx), true, region_code, date, override, out); }
int store_risk_latest(store_t *s, const char *region_code, int32_t date, bool override,
		      risk_change_t *out)
{ return s->ops->risk_latest(s->drv, false, region_code, date, override, out); }
int store_risk_current(store_t *s, const char *region_prefix, int32_t date, risk_change_t **out,
		       size_t *n)
{ return s->ops->risk_current(s->drv, region_prefix, date, out, n); }
int store_risk_history(store_t *s, const char *region_code, risk_change_t **out, size_t *n)
{ return s->ops->risk_history(s->drv, region_code, out, n); }
int store_tx_response_insert(store_tx_t *tx, response_level_t *r)
{ return tx_ops()->tx_response_insert(TXDRV(tx), r); }
int store_response_history(store_t *s, const char *province_code, response_level_t **out,
			   size_t *n)
{ return s->ops->response_history(s->drv, province_code, out, n); }
int store_tx_plan_insert(store_tx_t *tx, resumption_plan_t *p)
{ return tx_ops()->tx_plan_insert(TXDRV(tx), p); }
int store_tx_plan_decide(store_tx_t *tx, const resumption_plan_t *p)
{ return tx_ops()->tx_plan_decide(TXDRV(tx), p); }
int store_plan_get(store_t *s, int64_t id, resumption_plan_t *out)
{ return s->ops->plan_get(s->drv, id, out); }
int store_plan_list(store_t *s, const char *dept_path, resumption_plan_t **out, size_t *n)
{ return s->ops->plan_list(s->drv, dept_path, out, n); }
int store_tx_risk_clear(store_tx_t *tx, const char *region_code, int32_t from, int32_t to)
{ return tx_ops()->tx_risk_clear(TXDRV(tx), region_code, from, to); }
int store_checkin_counts(store_t *s, int32_t from, int32_t to, unsigned symptom_mask,
			 int temp_dc_min, struct checkin_count **out, size_t *n)
{ return s->ops->checkin_counts(s->drv, from, to, symptom_mask, temp_dc_min, out, n); }
int store_signal_get(store_t *s, int64_t id, signal_t *out)
{ return s->ops->signal_get(s->drv, false, id, out); }
int store_signal_list(store_t *s, const struct signal_query *q, signal_t **out, size_t *n)
{ return s->ops->signal_list(s->drv, q, out, n); }
int store_tx_signal_insert(store_tx_t *tx, signal_t *s)
{ return tx_ops()->tx_signal_insert(TXDRV(tx), s); }
int store_tx_signal_ack(store_tx_t *tx, const signal_t *s)
{ return tx_ops()->tx_signal_ack(TXDRV(tx), s); }
int store_tx_detect_run_claim(store_tx_t *tx, int32_t date, const char *by, int64_t now,
			      bool force)
{ return tx_ops()->tx_detect_run_claim(TXDRV(tx), date, by, now, force); }

/*
 * people.c -- app layer: the registry of people and departments, under
 * the scope rules of app.h, with every personal read and write audited.
 */
#include "app_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
app_may_read_people(const actor_t *actor)
{
	if (actor->cli)
		return true;
	switch (actor->user.role) {
	case ROLE_STAFF:
	case ROLE_DEPT_HEAD:
	case ROLE_OFFICE:
	case ROLE_OFFICIAL:
		return true;
	default:
		return false;
	}
}

static bool
may_write_people(const actor_t *actor)
{
	return actor->cli || actor->user.role == ROLE_OFFICE;
}

static bool
may_write_departments(const actor_t *actor)
{
	return actor->cli || actor->user.role == ROLE_OFFICE || actor->user.role == ROLE_ADMIN;
}

/* Narrow q to what actor may see. */
void
app__scope_query(const actor_t *actor, struct person_query *q)
{
	if (actor->cli)
		return;
	switch (actor->user.role) {
	case ROLE_STAFF:
		q->person_id = actor->user.person_id;
		break;
	case ROLE_DEPT_HEAD:
		q->dept_path = actor->dept_path;
		break;
	case ROLE_OFFICIAL:
		q->region_prefix = actor->user.region_prefix;
		break;
	default:
		break;
	}
}

/* 0 if actor may see p, else FK_ENOTFOUND (existence must not leak). */
int
app__person_in_scope(app_t *a, const actor_t *actor, const person_t *p)
{
	char path[256];

	if (actor->cli)
		return 0;
	switch (actor->user.role) {
	case ROLE_OFFICE:
		return 0;
	case ROLE_STAFF:
		return strcmp(p->id, actor->user.person_id) == 0 ? 0 : FK_ENOTFOUND;
	case ROLE_DEPT_HEAD:
		if (store_person_dept_path(a->store, p->id, path, sizeof path))
			return FK_ENOTFOUND;
		return strncmp(path, actor->dept_path, strlen(actor->dept_path)) == 0
			       ? 0 : FK_ENOTFOUND;
	case ROLE_OFFICIAL:
		return strncmp(p->region_code, actor->user.region_prefix,
			       strlen(actor->user.region_prefix)) == 0 ? 0 : FK_ENOTFOUND;
	default:
		return FK_EPERM;
	}
}

/* ---- audited reads ---------------------------------------------------- */

struct read_audit_job {
	const actor_t *actor;
	const char *action;
	const person_t *people;
	size_t n;
};

static int
read_audit_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct read_audit_job *j = arg;
	for (size_t i = 0; i < j->n; i++) {
		int rc = app_audit_tx(tx, j->actor, j->action, "person", j->people[i].id, "");
		if (rc)
			return fk_error_set(err, rc, "", "cannot write the audit log");
	}
	return 0;
}

/* Record that actor read these people; nothing is returned unless this
 * succeeds. */
int
app_audit_people(app_t *a, const actor_t *actor, const char *action, const person_t *people,
		 size_t n, struct fk_error *err)
{
	return app__audit_people(a, actor, action, people, n, err);
}

int
app__audit_people(app_t *a, const actor_t *actor, const char *action, const person_t *people,
	    size_t n, struct fk_error *err)
{
	struct read_audit_job j = {actor, action, people, n};
	if (n == 0)
		return 0;
	return store_write(a->store, read_audit_job, &j, err);
}

int
app_person_get(app_t *a, const actor_t *actor, const char *id, person_t *out,
	       struct fk_error *err)
{
	int rc;

	if (!app_may_read_people(actor))
		return fk_error_set(err, FK_EPERM, "", "this role does not read personal records");
	rc = store_person_get(a->store, id, out);
	if (rc == 0)
		rc = app__person_in_scope(a, actor, out);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, FK_ENOTFOUND, "id", "no person '%s'", id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read people");
	return app__audit_people(a, actor, "read", out, 1, err);
}

int
app_person_list(app_t *a, const actor_t *actor, const char *after, int limit,
		person_t **out, size_t *n, bool *more)
{
	return app__person_page(a, actor, after, limit, "list", out, n, more);
}

int
app__person_page(app_t *a, const actor_t *actor, const char *after, int limit,
		 const char *action, person_t **out, size_t *n, bool *more)
{
	struct person_query q = {0};
	struct fk_error err = {0};
	int rc;

	*out = NULL;
	*n = 0;
	*more = false;
	if (!app_may_read_people(actor))
		return FK_EPERM;
	if (limit <= 0 || limit > 1000)
		limit = 100;
	app__scope_query(actor, &q);
	q.after_id = after && *after ? after : NULL;
	q.limit = limit + 1; /* one extra tells whether more follow */
	rc = store_person_list(a->store, &q, out, n);
	if (rc)
		return rc;
	if (*n > (size_t)limit) {
		*n = (size_t)limit;
		*more = true;
	}
	rc = app__audit_people(a, actor, action, *out, *n, &err);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- writes ------------------------------------------------------------- */

struct person_job {
	const actor_t *actor;
	person_t *p;
	int op; /* 0 create, 1 update, 2 delete */
};

/* Check references of p inside the write, so check and write agree. */
static int
check_refs(store_tx_t *tx, person_t *p, struct fk_error *err)
{
	department_t d;
	bool exists = false;
	int rc = store_tx_department_get(tx, p->department_id, &d);

	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, FK_EINVAL, "department_id", "no department %lld",
				    (long long)p->department_id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read departments");
	snprintf(p->department, sizeof p->department, "%s", d.name);
	rc = store_tx_region_exists(tx, p->region_code, &exists);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read regions");
	if (!exists)
		return fk_error_set(err, FK_EINVAL, "region_code",
				    "region_code %s is not in the administrative division lists",
				    p->region_code);
	return 0;
}

static int
person_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	static const char *const actions[] = {"create", "update", "delete"};
	struct person_job j = *(struct person_job *)arg;
	int rc = 0;

	if (j.op != 2 && (rc = check_refs(tx, j.p, err)))
		return rc;
	if (j.op == 0)
		rc = store_tx_person_insert(tx, j.p, app_now(), err);
	else if (j.op == 1)
		rc = store_tx_person_update(tx, j.p, app_now(), err);
	else
		rc = store_tx_person_delete(tx, j.p->id, err);
	if (rc)
		return rc;
	rc = app_audit_tx(tx, j.actor, actions[j.op], "person", j.p->id, "");
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

static int
person_write(app_t *a, const actor_t *actor, person_t *p, int op, struct fk_error *err)
{
	struct person_job j = {actor, p, op};
	int rc;

	if (!may_write_people(actor))
		return fk_error_set(err, FK_EPERM, "", "only the epidemic office edits the registry");
	if (op != 2 && (rc = person_validate(p, err)))
		return rc;
	rc = store_write(a->store, person_job, &j, err);
	if (rc == 0 && op != 2)
		rc = store_person_get(a->store, p->id, p);
	return rc;
}

int
app_person_create(app_t *a, const actor_t *actor, person_t *p, struct fk_error *err)
{
	return person_write(a, actor, p, 0, err);
}

int
app_person_update(app_t *a, const actor_t *actor, person_t *p, struct fk_error *err)
{
	return person_write(a, actor, p, 1, err);
}

int
app_person_delete(app_t *a, const actor_t *actor, const char *id, struct fk_error *err)
{
	person_t p = {0};
	snprintf(p.id, sizeof p.id, "%s", id);
	return person_write(a, actor, &p, 2, err);
}

/* ---- departments -------------------------------------------------------- */

int
app_department_list(app_t *a, const actor_t *actor, department_t **out, size_t *n)
{
	(void)actor; /* department names are not personal: any signed-in role */
	return store_department_list(a->store, out, n);
}

int
app_department_get(app_t *a, const actor_t *actor, int64_t id, department_t *out,
		   struct fk_error *err)
{
	int rc = store_department_get(a->store, id, out);
	(void)actor;
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, rc, "id", "no department %lld", (long long)id);
	return rc ? fk_error_set(err, rc, "", "cannot read departments") : 0;
}

struct dept_job {
	const actor_t *actor;
	department_t *d;
	int op; /* 0 create, 1 update, 2 delete */
};

static int
dept_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	static const char *const actions[] = {"create", "update", "delete"};
	struct dept_job *j = arg;
	char idbuf[24];
	int rc;

	if (j->op == 0)
		rc = store_tx_department_insert(tx, j->d, err);
	else if (j->op == 1)
		rc = store_tx_department_update(tx, j->d, err);
	else
		rc = store_tx_department_delete(tx, j->d->id, err);
	if (rc)
		return rc;
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)j->d->id);
	rc = app_audit_tx(tx, j->actor, actions[j->op], "department", idbuf, j->d->name);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

static int
dept_write(app_t *a, const actor_t *actor, department_t *d, int op, struct fk_error *err)
{
	struct dept_job j = {actor, d, op};
	int rc;

	if (!may_write_departments(actor))
		return fk_error_set(err, FK_EPERM, "", "only the office or an admin edits departments");
	if (op != 2 && (rc = department_name_validate(d->name, err)))
		return rc;
	if (op != 2 && d->parent_id < 0)
		return fk_error_set(err, FK_EINVAL, "parent_id", "parent_id must be a department id or 0");
	rc = store_write(a->store, dept_job, &j, err);
	if (rc == 0 && op != 2)
		rc = store_department_get(a->store, d->id, d);
	return rc;
}

int
app_department_create(app_t *a, const actor_t *actor, department_t *d, struct fk_error *err)
{
	return dept_write(a, actor, d, 0, err);
}

int
app_department_update(app_t *a, const actor_t *actor, department_t *d, struct fk_error *err)
{
	return dept_write(a, actor, d, 1, err);
}

int
app_department_delete(app_t *a, const actor_t *actor, int64_t id, struct fk_error *err)
{
	department_t d = {.id = id};
	return dept_write(a, actor, &d, 2, err);
}

/*
 * users.c -- app layer: logins and their roles and scopes (admin work).
 */
#include "app_impl.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static bool
is_admin(const actor_t *actor)
{
	return actor->cli || actor->user.role == ROLE_ADMIN;
}

struct user_job {
	const actor_t *actor;
	user_t *u;
	const char *department;   /* name, or NULL */
	bool insert;
	bool end_sessions;
	const char *what;         /* audit detail */
};

/* Resolve department name and person; check they exist, in the job so
 * the check and the write see the same data. */
static int
resolve_scope(store_tx_t *tx, struct user_job *j, struct fk_error *err)
{
	int rc;

	if (j->department) {
		department_t d;
		rc = store_tx_department_find(tx, j->department, &d);
		if (rc == FK_ENOTFOUND)
			return fk_error_set(err, FK_EINVAL, "department",
					    "no department named '%s'", j->department);
		if (rc)
			return fk_error_set(err, rc, "", "cannot read departments");
		j->u->department_id = d.id;
	}
	if (j->u->person_id[0]) {
		person_t p;
		rc = store_tx_person_get(tx, j->u->person_id, &p);
		if (rc == FK_ENOTFOUND)
			return fk_error_set(err, FK_EINVAL, "person_id", "no person with id '%s'",
					    j->u->person_id);
		if (rc)
			return fk_error_set(err, rc, "", "cannot read people");
	}
	if (j->u->role != ROLE_DEPT_HEAD)
		j->u->department_id = 0;
	return user_validate(j->u, err);
}

static int
user_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct user_job *j = arg;
	char idbuf[24];
	int rc = resolve_scope(tx, j, err);

	if (rc)
		return rc;
	rc = j->insert ? store_tx_user_insert(tx, j->u, app_now(), err)
		       : store_tx_user_update(tx, j->u, err);
	if (rc)
		return rc;
	if (j->end_sessions && (rc = store_tx_session_delete_user(tx, j->u->id)))
		return fk_error_set(err, rc, "", "cannot end the user's sessions");
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)j->u->id);
	rc = app_audit_tx(tx, j->actor, j->insert ? "create" : "update", "user", idbuf, j->what);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

int
app_user_add(app_t *a, const actor_t *actor, user_t *u, const char *department,
	     const char *password, struct fk_error *err)
{
	char detail[128];
	struct user_job j = {actor, u, department, true, false, detail};
	int rc;

	if (!is_admin(actor))
		return fk_error_set(err, FK_EPERM, "", "only an admin manages logins");
	if (department && u->role != ROLE_DEPT_HEAD)
		return fk_error_set(err, FK_EINVAL, "department",
				    "only a dept_head has a department");
	if (u->role == ROLE_DEPT_HEAD && department == NULL)
		return fk_error_set(err, FK_EINVAL, "department",
				    "a dept_head user needs the department they head");
	u->department_id = department ? 1 : 0; /* placeholder until resolved */
	if ((rc = user_validate(u, err)) || (rc = password_validate(password, err)))
		return rc;
	if (app_password_hash(a, password, u->password_hash, sizeof u->password_hash))
		return fk_error_set(err, FK_ENOMEM, "password", "cannot hash the password");
	snprintf(detail, sizeof detail, "%s %s", u->username, role_name(u->role));
	rc = store_write(a->store, user_job, &j, err);
	sodium_memzero(u->password_hash, sizeof u->password_hash);
	return rc;
}

int
app_user_list(app_t *a, const actor_t *actor, user_t **out, size_t *n)
{
	int rc;
	if (!is_admin(actor))
		return FK_EPERM;
	rc = store_user_list(a->store, out, n);
	if (rc == 0)
		for (size_t i = 0; i < *n; i++)
			sodium_memzero((*out)[i].password_hash, sizeof (*out)[i].password_hash);
	return rc;
}

int
app_user_get(app_t *a, const actor_t *actor, int64_t id, user_t *out)
{
	int rc;
	if (!is_admin(actor))
		return FK_EPERM;
	rc = store_user_get(a->store, id, out);
	if (rc == 0)
		sodium_memzero(out->password_hash, sizeof out->password_hash);
	return rc;
}

int
app_user_update(app_t *a, const actor_t *actor, user_t *u, const char *department,
		struct fk_error *err)
{
	struct user_job j = {actor, u, department, false, false, "role, scope or status"};
	user_t old;
	int rc;

	if (!is_admin(actor))
		return fk_error_set(err, FK_EPERM, "", "only an admin manages logins");
	rc = store_user_get(a->store, u->id, &old);
	if (rc)
		return fk_error_set(err, rc, "id", "no user %lld", (long long)u->id);
	/* the hash is kept unless the caller put a new one in u */
	if (u->password_hash[0] == '\0')
		memcpy(u->password_hash, old.password_hash, sizeof u->password_hash);
	else
		j.end_sessions = true;
	if (u->disabled && !old.disabled)
		j.end_sessions = true;
	if (!actor->cli && u->id == actor->user.id &&
	    (u->disabled || u->role != ROLE_ADMIN))
		return fk_error_set(err, FK_EINVAL, u->disabled ? "disabled" : "role",
				    "an admin cannot disable or demote their own login "
				    "(another admin, or the command line, can)");
	if (u->role == ROLE_DEPT_HEAD && department == NULL && u->department_id <= 0)
		return fk_error_set(err, FK_EINVAL, "department",
				    "a dept_head user needs the department they head");
	if (department && u->role != ROLE_DEPT_HEAD)
		return fk_error_set(err, FK_EINVAL, "department",
				    "only a dept_head has a department");
	rc = store_write(a->store, user_job, &j, err);
	sodium_memzero(u->password_hash, sizeof u->password_hash);
	sodium_memzero(old.password_hash, sizeof old.password_hash);
	return rc;
}

static int
update_by_name(app_t *a, const actor_t *actor, const char *username, const char *password,
	       bool disable, struct fk_error *err)
{
	user_t u;
	int rc;

	if (!is_admin(actor))
		return fk_error_set(err, FK_EPERM, "", "only an admin manages logins");
	rc = store_user_find(a->store, username, &u);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, FK_ENOTFOUND, "username", "no user '%s'", username);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read users");
	u.password_hash[0] = '\0';
	if (password) {
		if ((rc = password_validate(password, err)))
			return rc;
		if (app_password_hash(a, password, u.password_hash, sizeof u.password_hash))
			return fk_error_set(err, FK_ENOMEM, "password", "cannot hash the password");
	}
	if (disable)
		u.disabled = true;
	return app_user_update(a, actor, &u, NULL, err);
}

int
app_user_passwd(app_t *a, const actor_t *actor, const char *username, const char *password,
		struct fk_error *err)
{
	return update_by_name(a, actor, username, password, false, err);
}

int
app_user_disable(app_t *a, const actor_t *actor, const char *username, struct fk_error *err)
{
	return update_by_name(a, actor, username, NULL, true, err);
}

/*
 * app.c -- app layer: opening the application, the audit log and the
 * organisation settings.
 */
#include "app_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "core/date.h"
#include "core/text.h"

int64_t
app_now(void)
{
	return (int64_t)time(NULL);
}

int32_t
app_today(void)
{
	return date_of_unix_cst(time(NULL));
}

int
app_open(const char *db, const struct app_options *opt, app_t **out,
	 struct fk_error *err)
{
	app_t *a;
	int64_t nregions = 0;
	long loaded = 0;
	int rc;

	*out = NULL;
	if (sodium_init() < 0)
		return fk_error_set(err, FK_EIO, "", "libsodium failed to initialise");
	a = calloc(1, sizeof *a);
	if (a == NULL)
		return fk_error_set(err, FK_ENOMEM, "", NULL);
	if (opt)
		a->opt = *opt;
	if (a->opt.session_ttl_s <= 0)
		a->opt.session_ttl_s = 12 * 3600;
	if (a->opt.pwhash_ops == 0)
		a->opt.pwhash_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	if (a->opt.pwhash_mem == 0)
		a->opt.pwhash_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	pthread_mutex_init(&a->limit_mu, NULL);

	rc = app__policies_load(a, err);
	if (rc)
		goto fail;
	{
		struct store_options so = {.batch_max = a->opt.batch_max};
		rc = store_open(db, &so, &a->store, err);
	}
	if (rc)
		goto fail;
	rc = store_migrate(a->store, NULL, NULL, err);
	if (rc)
		goto fail;
	rc = store_region_count(a->store, &nregions);
	if (rc) {
		fk_error_set(err, rc, "db", "cannot read regions");
		goto fail;
	}
	if (nregions == 0) {
		rc = app_regions_load(a, &loaded, err);
		if (rc)
			goto fail;
	}
	*out = a;
	return 0;
fail:
	app_close(a);
	return rc;
}

void
app_close(app_t *a)
{
	if (a == NULL)
		return;
	app_notify_stop(a);
	store_close(a->store);
	pthread_mutex_destroy(&a->limit_mu);
	free(a->policies);
	free(a);
}

store_t *
app_store(app_t *a)
{
	return a->store;
}

void
app_actor_cli(actor_t *out)
{
	const char *who = getenv("USER");
	memset(out, 0, sizeof *out);
	out->cli = true;
	out->user.role = ROLE_ADMIN;
	snprintf(out->user.username, sizeof out->user.username, "%s",
		 who && *who ? who : "cli");
	snprintf(out->address, sizeof out->address, "cli");
}

void
app__audit_fill(audit_entry_t *e, const actor_t *actor, const char *action,
		const char *object_type, const char *object_id, const char *detail)
{
	memset(e, 0, sizeof *e);
	e->at = app_now();
	e->user_id = actor->cli ? 0 : actor->user.id;
	snprintf(e->username, sizeof e->username, "%s%s", actor->cli ? "cli:" : "",
		 actor->user.username);
	snprintf(e->role, sizeof e->role, "%s", actor->cli ? "cli" : role_name(actor->user.role));
	snprintf(e->address, sizeof e->address, "%s", actor->address);
	snprintf(e->action, sizeof e->action, "%s", action);
	snprintf(e->object_type, sizeof e->object_type, "%s", object_type);
	snprintf(e->object_id, sizeof e->object_id, "%s", object_id ? object_id : "");
	snprintf(e->detail, sizeof e->detail, "%s", detail ? detail : "");
}

int
app_audit_tx(store_tx_t *tx, const actor_t *actor, const char *action,
	     const char *object_type, const char *object_id, const char *detail)
{
	audit_entry_t e;
	app__audit_fill(&e, actor, action, object_type, object_id, detail);
	return store_tx_audit_append(tx, &e);
}

struct audit_read_job {
	const actor_t *actor;
};

static int
audit_read_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct audit_read_job *j = arg;
	int rc = app_audit_tx(tx, j->actor, "read", "audit", "", "");
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

int
app_audit_list(app_t *a, const actor_t *actor, int64_t before, int limit,
	       audit_entry_t **out, size_t *n)
{
	struct audit_read_job j = {actor};
	struct fk_error err = {0};
	int rc;

	*out = NULL;
	*n = 0;
	if (!actor->cli && actor->user.role != ROLE_ADMIN)
		return FK_EPERM;
	if (limit <= 0 || limit > 500)
		limit = 100;
	/* reading the audit log is itself recorded */
	rc = store_write(a->store, audit_read_job, &j, &err);
	if (rc)
		return rc;
	return store_audit_list(a->store, before, limit, out, n);
}

/* ---- settings ----------------------------------------------------------- */

int
app_hhmm_parse(const char *s)
{
	int h, m;

	if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	return h > 23 ? -1 : h * 3600 + m * 60;
}

const char *const app_setting_keys[APP_SETTING_COUNT + 1] = {
	"org_name",       /* the organisation's name, shown on pages */
	"org_name_en",    /* its English name */
	"org_region",     /* the organisation's city, a 6-digit region code */
	"report_cutoff",  /* daily report cut-off, "HH:MM" CST, for reminders */
	"detect_time",    /* when the daily detection run looks at yesterday,
			     "HH:MM" CST, or "off" */
	NULL,
};

static bool
setting_known(const char *key)
{
	for (int i = 0; app_setting_keys[i]; i++)
		if (strcmp(app_setting_keys[i], key) == 0)
			return true;
	return false;
}

int
app_setting_get(app_t *a, const actor_t *actor, const char *key, char *value,
		size_t cap, struct fk_error *err)
{
	int rc;
	if (!setting_known(key))
		return fk_error_set(err, FK_ENOTFOUND, "key", "no setting '%s'", key);
	rc = store_setting_get(a->store, key, value, cap);
	if (rc == FK_ENOTFOUND) {
		/* unset: the default, if the setting has one */
		snprintf(value, cap, "%s",
			 strcmp(key, "report_cutoff") == 0 ? "10:00"
			 : strcmp(key, "detect_time") == 0 ? "01:00"
							  : "");
		return 0;
	}
	return rc ? fk_error_set(err, rc, "", "cannot read settings") : 0;
}

struct setting_job {
	const actor_t *actor;
	const char *key, *value;
};

static int
setting_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct setting_job *j = arg;
	int rc = store_tx_setting_put(tx, j->key, j->value, app_now());
	if (rc == 0)
		rc = app_audit_tx(tx, j->actor, "update", "setting", j->key, j->value);
	return rc ? fk_error_set(err, rc, "", "cannot store the setting") : 0;
}

int
app_setting_put(app_t *a, const actor_t *actor, const char *key, const char *value,
		struct fk_error *err)
{
	struct setting_job j = {actor, key, value};
	if (!actor->cli && actor->user.role != ROLE_ADMIN)
		return fk_error_set(err, FK_EPERM, "", "only an admin changes settings");
	if (!setting_known(key))
		return fk_error_set(err, FK_EINVAL, "key", "no setting '%s'", key);
	if (strlen(value) >= SETTING_VALUE_MAX)
		return fk_error_set(err, FK_EINVAL, key, "%s is longer than %d bytes", key,
				    SETTING_VALUE_MAX - 1);
	if (!text_utf8_valid(value, strlen(value)))
		return fk_error_set(err, FK_EINVAL, key, "%s is not valid text", key);
	if (strcmp(key, "org_region") == 0 && value[0]) {
		region_t g;
		if (!region_code_well_formed(value) || store_region_get(a->store, value, &g) != 0)
			return fk_error_set(err, FK_EINVAL, key,
					    "org_region must be a 6-digit code from the division lists");
	}
	if (strcmp(key, "report_cutoff") == 0 && value[0] && app_hhmm_parse(value) < 0)
		return fk_error_set(err, FK_EINVAL, key, "report_cutoff must be HH:MM (00:00 to 23:59)");
	if (strcmp(key, "detect_time") == 0 && value[0] && strcmp(value, "off") != 0 &&
	    app_hhmm_parse(value) < 0)
		return fk_error_set(err, FK_EINVAL, key,
				    "detect_time must be HH:MM (00:00 to 23:59) or off");
	return store_write(a->store, setting_job, &j, err);
}

/*
 * auth.c -- app layer: logins, sessions, CSRF tokens and the login rate
 * limit.
 *
 * A session token is 32 random bytes sent to the client as 43 characters
 * of base64url; the store keeps only its BLAKE2b-256 hash, so a copy of
 * the database does not yield working tokens.  Passwords are Argon2id
 * strings (libsodium crypto_pwhash_str).
 *
 * Rate limit: more than LIMIT_USER failed logins for one username, or
 * LIMIT_ADDR from one address, within LIMIT_WINDOW_S seconds locks
 * further attempts (even correct ones) until the window ends.  The
 * counters live in memory: a restart clears them.
 */
#include "app_impl.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define LIMIT_WINDOW_S (15 * 60)
#define LIMIT_USER 5
#define LIMIT_ADDR 20

/* A valid Argon2id hash of a random password, verified against when the
 * username is unknown so both paths cost the same time. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static app_t *dummy_app;

static void
make_dummy(void)
{
	char pw[33];
	randombytes_buf(pw, 32);
	for (int i = 0; i < 32; i++)
		pw[i] = 'a' + (pw[i] & 15);
	pw[32] = '\0';
	if (crypto_pwhash_str(dummy_hash, pw, 32, dummy_app->opt.pwhash_ops,
			      dummy_app->opt.pwhash_mem) != 0)
		dummy_hash[0] = '\0';
}

int
app_password_hash(app_t *a, const char *password, char *out, size_t cap)
{
	if (cap < crypto_pwhash_STRBYTES)
		return FK_EINVAL;
	if (crypto_pwhash_str(out, password, strlen(password), a->opt.pwhash_ops,
			      a->opt.pwhash_mem) != 0)
		return FK_ENOMEM;
	return 0;
}

static void
random_token(char *out, size_t cap)
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, cap, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

static void
token_hash(const char *token, uint8_t out[SESSION_HASH_LEN])
{
	crypto_generichash(out, SESSION_HASH_LEN, (const unsigned char *)token,
			   strlen(token), NULL, 0);
}

static bool
token_well_formed(const char *t)
{
	if (t == NULL || strlen(t) != APP_TOKEN_LEN)
		return false;
	for (const char *p = t; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

/* ---- rate limit ------------------------------------------------------- */

static struct limit_slot *
limit_slot(app_t *a, const char *key, int64_t now, bool create)
{
	uint64_t h = 1469598103934665603ull;
	struct limit_slot *victim = NULL;

	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (int probe = 0; probe < 8; probe++) {
		struct limit_slot *s = &a->limits[(h + (uint64_t)probe) % APP_LIMIT_SLOTS];
		if (strcmp(s->key, key) == 0) {
			if (now - s->window_start >= LIMIT_WINDOW_S) {
				s->window_start = now;
				s->failures = 0;
			}
			return s;
		}
		if (victim == NULL || s->key[0] == '\0' ||
		    (victim->key[0] && s->window_start < victim->window_start))
			victim = s;
	}
	if (!create)
		return NULL;
	snprintf(victim->key, sizeof victim->key, "%s", key);
	victim->window_start = now;
	victim->failures = 0;
	return victim;
}

/* Seconds until key may try again, or 0. */
static int
limit_wait(app_t *a, const char *key, int max, int64_t now)
{
	struct limit_slot *s = limit_slot(a, key, now, false);
	if (s && s->failures >= max)
		return (int)(s->window_start + LIMIT_WINDOW_S - now);
	return 0;
}

static void
limit_fail(app_t *a, const char *key, int64_t now)
{
	struct limit_slot *s = limit_slot(a, key, now, true);
	s->failures++;
}

static void
limit_clear(app_t *a, const char *key, int64_t now)
{
	struct limit_slot *s = limit_slot(a, key, now, false);
	if (s)
		s->failures = 0;
}

/* ---- login ------------------------------------------------------------ */

struct login_job {
	const session_t *session;
	const actor_t *actor;
};

static int
login_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct login_job *j = arg;
	int rc = store_tx_session_purge(tx, j->session->created_at);
	if (rc == 0)
		rc = store_tx_session_insert(tx, j->session);
	if (rc == 0)
		rc = app_audit_tx(tx, j->actor, "login", "session", j->actor->user.username, "");
	return rc ? fk_error_set(err, rc, "", "cannot create the session") : 0;
}

static int
actor_from_user(app_t *a, const user_t *u, const char *address, actor_t *out)
{
	memset(out, 0, sizeof *out);
	out->user = *u;
	sodium_memzero(out->user.password_hash, sizeof out->user.password_hash);
	snprintf(out->address, sizeof out->address, "%s", address ? address : "");
	if (u->role == ROLE_DEPT_HEAD) {
		department_t d;
		int rc = store_department_get(a->store, u->department_id, &d);
		if (rc)
			return rc == FK_ENOTFOUND ? FK_EAUTH : rc;
		snprintf(out->dept_path, sizeof out->dept_path, "%s", d.path);
	}
	return 0;
}

int
app_login(app_t *a, const char *username, const char *password, const char *address,
	  char token_out[APP_TOKEN_LEN + 1], char csrf_out[SESSION_CSRF_LEN + 1],
	  actor_t *actor, int *retry_after_s, struct fk_error *err)
{
	char ukey[80], akey[80];
	int64_t now = app_now();
	user_t u;
	session_t se;
	struct login_job job;
	int wait_u, wait_a, rc;
	bool found, ok;

	*retry_after_s = 0;
	snprintf(ukey, sizeof ukey, "u:%s", username);
	snprintf(akey, sizeof akey, "a:%s", address);
	pthread_mutex_lock(&a->limit_mu);
	wait_u = limit_wait(a, ukey, LIMIT_USER, now);
	wait_a = limit_wait(a, akey, LIMIT_ADDR, now);
	pthread_mutex_unlock(&a->limit_mu);
	if (wait_u || wait_a) {
		*retry_after_s = wait_u > wait_a ? wait_u : wait_a;
		return fk_error_set(err, FK_ELIMIT, "username",
				    "too many failed logins; try again in %d seconds",
				    *retry_after_s);
	}

	rc = store_user_find(a->store, username, &u);
	if (rc && rc != FK_ENOTFOUND)
		return fk_error_set(err, rc, "", "cannot read users");
	found = rc == 0;
	if (!found) {
		dummy_app = a;
		pthread_once(&dummy_once, make_dummy);
	}
	ok = crypto_pwhash_str_verify(found ? u.password_hash : dummy_hash, password,
				      strlen(password)) == 0;
	if (!found || !ok || u.disabled) {
		pthread_mutex_lock(&a->limit_mu);
		limit_fail(a, ukey, now);
		limit_fail(a, akey, now);
		pthread_mutex_unlock(&a->limit_mu);
		return fk_error_set(err, FK_EAUTH, "password", "wrong username or password");
	}
	pthread_mutex_lock(&a->limit_mu);
	limit_clear(a, ukey, now);
	pthread_mutex_unlock(&a->limit_mu);

	rc = actor_from_user(a, &u, address, actor);
	if (rc)
		return fk_error_set(err, rc == FK_EAUTH ? FK_EAUTH : rc, "",
				    "this login's department no longer exists");

	memset(&se, 0, sizeof se);
	random_token(token_out, APP_TOKEN_LEN + 1);
	random_token(csrf_out, SESSION_CSRF_LEN + 1);
	token_hash(token_out, se.token_hash);
	se.user_id = u.id;
	snprintf(se.csrf, sizeof se.csrf, "%s", csrf_out);
	snprintf(se.address, sizeof se.address, "%s", address);
	se.created_at = now;
	se.expires_at = now + a->opt.session_ttl_s;
	snprintf(actor->csrf, sizeof actor->csrf, "%s", csrf_out);
	job.session = &se;
	job.actor = actor;
	return store_write(a->store, login_job, &job, err);
}

int
app_authenticate(app_t *a, const char *token, const char *address, actor_t *out)
{
	uint8_t h[SESSION_HASH_LEN];
	session_t se;
	user_t u;
	int rc;

	if (!token_well_formed(token))
		return FK_EAUTH;
	token_hash(token, h);
	rc = store_session_get(a->store, h, app_now(), &se);
	if (rc)
		return rc == FK_ENOTFOUND ? FK_EAUTH : rc;
	rc = store_user_get(a->store, se.user_id, &u);
	if (rc)
		return rc == FK_ENOTFOUND ? FK_EAUTH : rc;
	if (u.disabled)
		return FK_EAUTH;
	rc = actor_from_user(a, &u, address, out);
	if (rc)
		return rc;
	snprintf(out->csrf, sizeof out->csrf, "%s", se.csrf);
	return 0;
}

struct logout_job {
	const actor_t *actor;
	uint8_t hash[SESSION_HASH_LEN];
};

static int
logout_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct logout_job *j = arg;
	int rc = store_tx_session_delete(tx, j->hash);
	if (rc == 0)
		rc = app_audit_tx(tx, j->actor, "logout", "session", j->actor->user.username, "");
	return rc ? fk_error_set(err, rc, "", "cannot end the session") : 0;
}

int
app_logout(app_t *a, const actor_t *actor, const char *token)
{
	struct logout_job j = {.actor = actor};
	struct fk_error err = {0};
	if (!token_well_formed(token))
		return FK_EAUTH;
	token_hash(token, j.hash);
	return store_write(a->store, logout_job, &j, &err);
}

int
app_session_ttl(const app_t *a)
{
	return a->opt.session_ttl_s;
}

bool
app_csrf_ok(const actor_t *actor, const char *presented)
{
	size_t n = strlen(actor->csrf);
	if (n == 0 || presented == NULL || strlen(presented) != n)
		return false;
	return sodium_memcmp(actor->csrf, presented, n) == 0;
}

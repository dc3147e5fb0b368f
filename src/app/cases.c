/*
 * cases.c -- app layer: case management.  See cases.h for the use cases
 * and who may call them; the rules themselves are in core/epi.c.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_impl.h"
#include "cases.h"
#include "core/date.h"
#include "core/text.h"

#define CASE_NOTE_CHARS REPORT_NOTE_CHARS

/* ---- who may see and change what ------------------------------------------- */

static bool
is_official(const actor_t *actor)
{
	return actor->cli || actor->user.role == ROLE_OFFICIAL;
}

static bool
prefix_ok(const actor_t *actor, const char *region_code)
{
	const char *p = actor->user.region_prefix;
	return strncmp(region_code, p, strlen(p)) == 0;
}

/* 0 if actor may see the subject, FK_ENOTFOUND if not (no leak). */
static int
subject_visible(const actor_t *actor, const subject_t *s)
{
	if (actor->cli)
		return 0;
	switch (actor->user.role) {
	case ROLE_OFFICIAL:
		return prefix_ok(actor, s->region_code) ? 0 : FK_ENOTFOUND;
	case ROLE_OFFICE:
		return s->person_id[0] ? 0 : FK_ENOTFOUND;
	case ROLE_STAFF:
		return s->person_id[0] && strcmp(s->person_id, actor->user.person_id) == 0
			       ? 0 : FK_ENOTFOUND;
	default:
		return FK_EPERM;
	}
}

static int
case_visible(const actor_t *actor, const case_rec_t *c)
{
	if (actor->cli)
		return 0;
	switch (actor->user.role) {
	case ROLE_OFFICIAL:
		return prefix_ok(actor, c->region_code) ? 0 : FK_ENOTFOUND;
	case ROLE_OFFICE:
		return c->person_id[0] ? 0 : FK_ENOTFOUND;
	default:
		return FK_EPERM;
	}
}

static void
by_of(const actor_t *actor, char *by, size_t cap)
{
	snprintf(by, cap, "%s%s", actor->cli ? "cli:" : "", actor->user.username);
}

static int
audit(store_tx_t *tx, const actor_t *actor, const char *action, const char *type, int64_t id,
      const char *detail, struct fk_error *err)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	int rc = app_audit_tx(tx, actor, action, type, ids, detail);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

struct read_audit {
	const actor_t *actor;
	const char *type;
	const int64_t *ids;
	size_t n;
	const char *detail;
};

static int
read_audit_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct read_audit *r = arg;
	for (size_t i = 0; i < r->n; i++) {
		int rc = audit(tx, r->actor, "read", r->type, r->ids[i], r->detail, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* Audit reads of these records before they are returned. */
static int
audit_reads(app_t *a, const actor_t *actor, const char *type, const int64_t *ids, size_t n,
	    const char *detail, struct fk_error *err)
{
	struct read_audit r = {actor, type, ids, n, detail};
	return n ? store_write(a->store, read_audit_job, &r, err) : 0;
}

static bool
note_ok(const char *s)
{
	return text_utf8_valid(s, strlen(s)) && text_utf8_chars(s) <= CASE_NOTE_CHARS;
}

/* ---- subjects -------------------------------------------------------------------- */

/* GB 11643 resident identity number: 17 digits and a check character. */
static bool
resident_id_valid(const char *id)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	int sum = 0;
	if (strlen(id) != 18)
		return false;
	for (int i = 0; i < 17; i++) {
		if (id[i] < '0' || id[i] > '9')
			return false;
		sum += (id[i] - '0') * w[i];
	}
	return (id[17] == 'x' ? 'X' : id[17]) == check[sum % 11];
}

/* The keyed hash of an ID number (BLAKE2b with a secret kept in the
 * settings table; made on first use, inside the job). */
static int
id_hash(store_tx_t *tx, const char *id_number, char *hex, size_t cap)
{
	unsigned char key[32], h[32];
	char keyhex[65], upper[19];
	size_t klen = 0;
	int rc;

	(void)tx;
	rc = store_tx_setting_get(tx, "subject_id_key", keyhex, sizeof keyhex);
	if (rc == FK_ENOTFOUND) {
		randombytes_buf(key, sizeof key);
		sodium_bin2hex(keyhex, sizeof keyhex, key, sizeof key);
		rc = store_tx_setting_put(tx, "subject_id_key", keyhex, app_now());
	} else if (rc == 0 && (sodium_hex2bin(key, sizeof key, keyhex, strlen(keyhex), NULL, &klen,
					      NULL) != 0 || klen != sizeof key)) {
		rc = FK_EIO;
	}
	if (rc)
		return rc;
	snprintf(upper, sizeof upper, "%s", id_number);
	if (upper[17] == 'x')
		upper[17] = 'X';
	crypto_generichash(h, sizeof h, (const unsigned char *)upper, strlen(upper), key, sizeof key);
	sodium_bin2hex(hex, cap, h, sizeof h);
	sodium_memzero(key, sizeof key);
	return 0;
}

struct subject_job {
	const actor_t *actor;
	subject_t *sub;
	const char *id_number;
	bool force;
	bool existing;
	subject_t *dups;
	size_t n_dups;
};

static int
subject_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct subject_job *j = arg;
	int rc;

	if (j->sub->person_id[0]) {
		subject_t found;
		rc = store_tx_subject_by_person(tx, j->sub->person_id, &found);
		if (rc == 0) {
			*j->sub = found;
			j->existing = true;
			return 0;
		}
		if (rc != FK_ENOTFOUND)
			return fk_error_set(err, rc, "", "cannot read subjects");
	}
	if (j->id_number && (rc = id_hash(tx, j->id_number, j->sub->id_hash,
					  sizeof j->sub->id_hash)))
		return fk_error_set(err, rc, "", "cannot hash the ID number");
	if (!j->force) {
		rc = store_tx_subject_duplicates(tx, j->sub, &j->dups, &j->n_dups);
		if (rc)
			return fk_error_set(err, rc, "", "cannot read subjects");
		if (j->n_dups)
			return fk_error_set(err, FK_ECONFLICT, j->sub->id_hash[0] ? "id_number" : "name",
					    "%zu person(s) with the same %s already registered; merge, "
					    "or create with force",
					    j->n_dups, j->sub->id_hash[0] ? "ID number or name and phone"
								  : "name and phone");
	}
	j->sub->created_at = app_now();
	rc = store_tx_subject_insert(tx, j->sub);
	if (rc)
		return fk_error_set(err, rc, "person_id", "cannot register the person");
	return audit(tx, j->actor, "create", "subject", j->sub->id, j->sub->person_id, err);
}

int
app_subject_create(app_t *a, const actor_t *actor, subject_t *sub, const char *id_number,
		   bool force, bool *existing, subject_t **dups, size_t *n_dups,
		   struct fk_error *err)
{
	struct subject_job j = {actor, sub, id_number, force, false, NULL, 0};
	region_t g;
	int rc;

	*existing = false;
	*dups = NULL;
	*n_dups = 0;
	if (!is_official(actor) && actor->user.role != ROLE_OFFICE)
		return fk_error_set(err, FK_EPERM, "", "officials and the office register people");
	if (sub->person_id[0]) {
		person_t p;
		if (store_person_get(a->store, sub->person_id, &p))
			return fk_error_set(err, FK_EINVAL, "person_id", "no person '%s'",
					    sub->person_id);
		snprintf(sub->name, sizeof sub->name, "%s", p.name);
		snprintf(sub->phone, sizeof sub->phone, "%s", p.phone);
		snprintf(sub->region_code, sizeof sub->region_code, "%s", p.region_code);
	} else if (!actor->cli && actor->user.role == ROLE_OFFICE) {
		return fk_error_set(err, FK_EINVAL, "person_id",
				    "the office registers its own people (person_id)");
	} else {
		person_t probe = {0};
		struct fk_error verr = {0};
		snprintf(probe.id, sizeof probe.id, "x");
		snprintf(probe.name, sizeof probe.name, "%s", sub->name);
		snprintf(probe.phone, sizeof probe.phone, "%s", sub->phone);
		snprintf(probe.region_code, sizeof probe.region_code, "%s", sub->region_code);
		if (person_validate(&probe, &verr))
			return fk_error_set(err, FK_EINVAL, verr.field, "%s", verr.message);
	}
	if (id_number && id_number[0] && !resident_id_valid(id_number))
		return fk_error_set(err, FK_EINVAL, "id_number",
				    "id_number is not a valid 18-character resident ID (check digit)");
	if (id_number && !id_number[0])
		j.id_number = NULL;
	if (store_region_get(a->store, sub->region_code, &g))
		return fk_error_set(err, FK_EINVAL, "region_code",
				    "region_code %s is not in the division lists", sub->region_code);
	if (!actor->cli && actor->user.role == ROLE_OFFICIAL && !prefix_ok(actor, sub->region_code))
		return fk_error_set(err, FK_EPERM, "region_code",
				    "the person lives outside your region (%s)",
				    actor->user.region_prefix);
	rc = store_write(a->store, subject_job, &j, err);
	*existing = j.existing;
	*dups = j.dups;
	*n_dups = j.n_dups;
	if (rc == FK_ECONFLICT && j.n_dups) {
		/* the candidates offered for a merge are shown: audit them */
		struct fk_error aerr = {0};
		int64_t *ids = calloc(j.n_dups, sizeof *ids);
		int arc = ids ? 0 : FK_ENOMEM;
		for (size_t i = 0; ids && i < j.n_dups; i++)
			ids[i] = j.dups[i].id;
		if (arc == 0)
			arc = audit_reads(a, actor, "subject", ids, j.n_dups, "duplicate candidates",
					  &aerr);
		free(ids);
		if (arc) {
			free(*dups);
			*dups = NULL;
			*n_dups = 0;
			return fk_error_set(err, arc, "", "cannot write the audit log");
		}
	}
	return rc;
}

int
app_subject_get(app_t *a, const actor_t *actor, int64_t id, subject_t *out, struct fk_error *err)
{
	int rc = store_subject_get(a->store, id, out);
	if (rc == 0)
		rc = subject_visible(actor, out);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, rc, "id", "no person %lld in case management", (long long)id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read subjects");
	return audit_reads(a, actor, "subject", &id, 1, "", err);
}

struct merge_job {
	const actor_t *actor;
	int64_t from, into;
};

static int
merge_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct merge_job *j = arg;
	char detail[48];
	int rc = store_tx_subject_merge(tx, j->from, j->into);
	if (rc)
		return fk_error_set(err, rc, "into", "cannot merge");
	snprintf(detail, sizeof detail, "merged into %lld", (long long)j->into);
	return audit(tx, j->actor, "update", "subject", j->from, detail, err);
}

int
app_subject_merge(app_t *a, const actor_t *actor, int64_t from, int64_t into,
		  struct fk_error *err)
{
	struct merge_job j = {actor, from, into};
	subject_t s1, s2;
	if (!is_official(actor))
		return fk_error_set(err, FK_EPERM, "", "officials merge records");
	if (from == into)
		return fk_error_set(err, FK_EINVAL, "into", "a person cannot be merged into themselves");
	if (store_subject_get(a->store, from, &s1) || subject_visible(actor, &s1))
		return fk_error_set(err, FK_ENOTFOUND, "id", "no person %lld", (long long)from);
	if (store_subject_get(a->store, into, &s2) || subject_visible(actor, &s2))
		return fk_error_set(err, FK_EINVAL, "into", "no person %lld", (long long)into);
	if (s1.merged_into || s2.merged_into)
		return fk_error_set(err, FK_ECONFLICT, "into", "one of them was already merged");
	if (s1.person_id[0] && s2.person_id[0])
		return fk_error_set(err, FK_ECONFLICT, "into",
				    "both are registry people; merge the registry first");
	return store_write(a->store, merge_job, &j, err);
}

/* ---- observations opened by contacts --------------------------------------------- */

/* True if the subject has an active case (then they are treated as a
 * case, not observed as a contact). */
static int
has_active_case(store_tx_t *tx, int64_t subject_id, bool *active)
{
	case_rec_t *cs = NULL;
	size_t n = 0;
	int rc = store_tx_cases_of_subject(tx, subject_id, &cs, &n);
	*active = false;
	for (size_t i = 0; rc == 0 && i < n; i++)
		*active |= case_class_active(cs[i].classification);
	free(cs);
	return rc;
}

/* Open, or extend (never shorten), the contact's observation to end,
 * with a placement and follow-up slots.  *obs gets it (id 0 when the
 * contact is an active case and is not observed). */
static int
observe_subject(store_tx_t *tx, const actor_t *actor, int64_t subject_id, int64_t case_id,
		int32_t last_exposure, int32_t end, const char *kind, const char *why,
		observation_t *obs, bool *opened, struct fk_error *err);

static int
observe_contact(store_tx_t *tx, const actor_t *actor, int64_t subject_id, int64_t case_id,
		int32_t last_exposure, int32_t end, const char *kind, observation_t *obs,
		bool *opened, struct fk_error *err)
{
	return observe_subject(tx, actor, subject_id, case_id, last_exposure, end, kind,
			       "close_contact", obs, opened, err);
}

int
app__observe_person(store_tx_t *tx, const actor_t *actor, const person_t *p, const char *why,
		    int32_t last_exposure, int32_t end, bool *opened)
{
	subject_t s;
	observation_t obs;
	struct fk_error err = {0};
	int rc = store_tx_subject_by_person(tx, p->id, &s);

	*opened = false;
	if (rc == FK_ENOTFOUND) {
		memset(&s, 0, sizeof s);
		snprintf(s.person_id, sizeof s.person_id, "%s", p->id);
		snprintf(s.name, sizeof s.name, "%s", p->name);
		snprintf(s.phone, sizeof s.phone, "%s", p->phone);
		snprintf(s.region_code, sizeof s.region_code, "%s", p->region_code);
		s.created_at = app_now();
		rc = store_tx_subject_insert(tx, &s);
	}
	if (rc)
		return rc;
	rc = observe_subject(tx, actor, s.id, 0, last_exposure, end, "home", why, &obs, opened,
			     &err);
	return rc;
}

static int
observe_subject(store_tx_t *tx, const actor_t *actor, int64_t subject_id, int64_t case_id,
		int32_t last_exposure, int32_t end, const char *kind, const char *why,
		observation_t *obs, bool *opened, struct fk_error *err)
{
	int32_t today = app_today();
	bool is_case = false;
	int rc = has_active_case(tx, subject_id, &is_case);

	*opened = false;
	memset(obs, 0, sizeof *obs);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read cases");
	if (is_case)
		return 0;
	rc = store_tx_observation_open_of(tx, subject_id, obs);
	if (rc == 0) {
		if (end > obs->end_date || last_exposure > obs->last_exposure) {
			if (end > obs->end_date)
				obs->end_date = end;
			if (last_exposure > obs->last_exposure)
				obs->last_exposure = last_exposure;
			snprintf(obs->note, sizeof obs->note, "extended by a new contact");
			if ((rc = store_tx_observation_update(tx, obs)))
				return fk_error_set(err, rc, "", "cannot extend the observation");
		}
	} else if (rc == FK_ENOTFOUND) {
		placement_t pl = {0};
		memset(obs, 0, sizeof *obs);
		obs->subject_id = subject_id;
		snprintf(obs->kind, sizeof obs->kind, "%s", kind);
		snprintf(obs->reason, sizeof obs->reason, "%s", why);
		obs->case_id = case_id;
		obs->last_exposure = last_exposure;
		obs->start_date = today < end ? today : end;
		obs->end_date = end;
		snprintf(obs->status, sizeof obs->status, "open");
		by_of(actor, obs->by, sizeof obs->by);
		obs->created_at = app_now();
		if ((rc = store_tx_observation_insert(tx, obs)))
			return fk_error_set(err, rc, "", "cannot open the observation");
		*opened = true;
		/* 应隔尽隔: every close contact has a placement record */
		pl.subject_id = subject_id;
		pl.category = PLACE_CONTACT;
		snprintf(pl.place_type, sizeof pl.place_type, "%s",
			 strcmp(kind, "centralised") == 0 ? "centralised_isolation" : "home");
		pl.start_date = obs->start_date;
		by_of(actor, pl.by, sizeof pl.by);
		pl.created_at = obs->created_at;
		if ((rc = store_tx_placement_insert(tx, &pl)))
			return fk_error_set(err, rc, "", "cannot record the placement");
		if ((rc = audit(tx, actor, "create", "observation", obs->id, why, err)))
			return rc;
	} else {
		return fk_error_set(err, rc, "", "cannot read observations");
	}
	rc = store_tx_followups_ensure(tx, obs->id, obs->start_date, obs->end_date - 1);
	return rc ? fk_error_set(err, rc, "", "cannot plan the follow-ups") : 0;
}

/* The window of case c under the policy in force on its report date. */
static int
window_of(app_t *a, const case_rec_t *c, int32_t *from, int32_t *to, const policy_t **pol)
{
	*pol = app_policy_for(a, c->dates.report);
	if (*pol == NULL)
		return FK_EINVAL;
	case_contact_window(&c->dates, c->classification == CASE_ASYMPTOMATIC, *pol, app_today(),
			    from, to);
	return 0;
}

struct contacts_job_ctx {
	app_t *app;
	const actor_t *actor;
	const case_rec_t *c;
	const char *obs_kind;
	int opened;
};

/* Open observations for every recorded close contact of active case c
 * (registration, or a move into an active class). */
static int
observe_contacts_of(store_tx_t *tx, struct contacts_job_ctx *x, struct fk_error *err)
{
	const policy_t *pol;
	exposure_rec_t *ex = NULL;
	size_t n = 0;
	int32_t from, to;
	int rc;

	if (!case_class_active(x->c->classification))
		return 0;
	if (window_of(x->app, x->c, &from, &to, &pol))
		return fk_error_set(err, FK_EINVAL, "report_date", "no policy is in force then");
	rc = store_tx_exposures_of_subject(tx, x->c->subject_id, &ex, &n);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read exposures");
	for (size_t i = 0; i < n && rc == 0; i++) {
		int32_t last;
		observation_t obs;
		bool opened;
		int64_t other = ex[i].subject_a == x->c->subject_id ? ex[i].subject_b : ex[i].subject_a;
		if (!exposure_makes_contact(ex[i].first_date, ex[i].last_date, ex[i].protection, from,
					    to, &last))
			continue;
		rc = observe_contact(tx, x->actor, other, x->c->id, last,
				     observation_end_for(last, pol), x->obs_kind, &obs, &opened, err);
		x->opened += opened;
	}
	free(ex);
	return rc;
}

/* ---- cases ---------------------------------------------------------------------------- */

static int
record_event(store_tx_t *tx, const actor_t *actor, int64_t case_id, int32_t date, const char *kind,
	     const char *from, const char *to, const char *reason, struct fk_error *err)
{
	case_event_t e = {0};
	e.case_id = case_id;
	e.at = app_now();
	e.date = date;
	snprintf(e.kind, sizeof e.kind, "%s", kind);
	snprintf(e.from_value, sizeof e.from_value, "%s", from);
	snprintf(e.to_value, sizeof e.to_value, "%s", to);
	by_of(actor, e.by, sizeof e.by);
	snprintf(e.reason, sizeof e.reason, "%s", reason ? reason : "");
	int rc = store_tx_case_event_insert(tx, &e);
	return rc ? fk_error_set(err, rc, "", "cannot record the case's history") : 0;
}

struct case_job {
	app_t *app;
	const actor_t *actor;
	case_rec_t *c;
};

static int
case_create_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct case_job *j = arg;
	struct contacts_job_ctx x = {j->app, j->actor, j->c, "home", 0};
	subject_t sub;
	int rc = store_tx_subject_get(tx, j->c->subject_id, &sub);

	if (rc == FK_ENOTFOUND || (rc == 0 && sub.merged_into))
		return fk_error_set(err, FK_EINVAL, "subject_id", "no person %lld in case management",
				    (long long)j->c->subject_id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read subjects");
	{
		bool active = false;
		if ((rc = has_active_case(tx, j->c->subject_id, &active)))
			return fk_error_set(err, rc, "", "cannot read cases");
		if (active)
			return fk_error_set(err, FK_ECONFLICT, "subject_id",
					    "this person already has an active case; change its classification");
	}
	j->c->reported_at = app_now();
	j->c->created_at = j->c->reported_at;
	by_of(j->actor, j->c->created_by, sizeof j->c->created_by);
	if ((rc = store_tx_case_insert(tx, j->c)))
		return fk_error_set(err, rc, "", "cannot store the case");
	if ((rc = record_event(tx, j->actor, j->c->id, j->c->class_date, "classification", "new",
			       case_class_name(j->c->classification), "registered", err)))
		return rc;
	if ((rc = observe_contacts_of(tx, &x, err)))
		return rc;
	/* a case found among the observed: their observation is converted */
	if (case_class_active(j->c->classification)) {
		observation_t obs;
		if (store_tx_observation_open_of(tx, j->c->subject_id, &obs) == 0) {
			snprintf(obs.status, sizeof obs.status, "converted");
			obs.closed_at = app_now();
			snprintf(obs.note, sizeof obs.note, "became case %lld", (long long)j->c->id);
			if ((rc = store_tx_observation_update(tx, &obs)))
				return fk_error_set(err, rc, "", "cannot close the observation");
		}
	}
	return audit(tx, j->actor, "create", "case", j->c->id, case_class_name(j->c->classification),
		     err);
}

int
app_case_create(app_t *a, const actor_t *actor, case_rec_t *c, struct fk_error *err)
{
	struct case_job j = {a, actor, c};
	int32_t today = app_today();
	region_t g;
	int rc;

	if (!is_official(actor))
		return fk_error_set(err, FK_EPERM, "", "officials register cases");
	if (store_region_get(a->store, c->region_code, &g))
		return fk_error_set(err, FK_EINVAL, "region_code",
				    "region_code %s is not in the division lists", c->region_code);
	if (!actor->cli && !prefix_ok(actor, c->region_code))
		return fk_error_set(err, FK_EPERM, "region_code", "the case is outside your region");
	if (c->class_date == 0)
		c->class_date = c->dates.diagnosis ? c->dates.diagnosis : c->dates.report;
	if ((rc = case_dates_check(&c->dates, today, err)))
		return rc;
	if (c->class_date > today || (c->dates.onset && c->class_date < c->dates.onset))
		return fk_error_set(err, FK_EINVAL, "class_date",
				    "the classification date must be between onset and today");
	{
		/* the request names these fields classification and class_date */
		struct fk_error terr = {0};
		if ((rc = case_transition_check(CASE_NEW, c->classification, c->class_date,
						c->region_code, &terr)))
			return fk_error_set(err, rc,
					    strcmp(terr.field, "to") == 0 ? "classification" : "class_date",
					    "%s", terr.message);
	}
	if (c->detected_at == 0)
		c->detected_at = app_now();
	if (c->detected_at < 1575129600 /* 2019-12-01 */ || c->detected_at > app_now() + 60)
		return fk_error_set(err, FK_EINVAL, "detected_at",
				    "detected_at must be a Unix time from December 2019 to now");
	if ((unsigned)c->severity >= SEV_COUNT)
		return fk_error_set(err, FK_EINVAL, "severity", "unknown severity");
	if (c->severity != SEV_NONE && c->severity_date == 0)
		c->severity_date = c->class_date;
	if (!text_utf8_valid(c->facility, strlen(c->facility)))
		return fk_error_set(err, FK_EINVAL, "facility", "facility is not valid text");
	rc = store_write(a->store, case_create_job, &j, err);
	if (rc == 0)
		rc = store_case_get(a->store, c->id, c);
	return rc;
}

int
app_case_get(app_t *a, const actor_t *actor, int64_t id, case_rec_t *out, struct fk_error *err)
{
	int rc = store_case_get(a->store, id, out);
	if (rc == 0)
		rc = case_visible(actor, out);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, rc, "id", "no case %lld", (long long)id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read cases");
	return audit_reads(a, actor, "case", &id, 1, "", err);
}

int
app_case_list(app_t *a, const actor_t *actor, struct case_query *q, case_rec_t **out, size_t *n,
	      bool *more)
{
	struct fk_error err = {0};
	int limit = q->limit > 0 && q->limit <= 500 ? q->limit : 100;
	int64_t *ids;
	int rc;

	*out = NULL;
	*n = 0;
	*more = false;
	if (!actor->cli) {
		if (actor->user.role == ROLE_OFFICIAL)
			q->region_prefix = actor->user.region_prefix;
		else if (actor->user.role == ROLE_OFFICE)
			q->own_people_only = true;
		else
			return FK_EPERM;
	}
	q->now = app_now();
	q->limit = limit + 1;
	rc = store_case_list(a->store, q, out, n);
	if (rc)
		return rc;
	if (*n > (size_t)limit) {
		*n = (size_t)limit;
		*more = true;
	}
	ids = calloc(*n ? *n : 1, sizeof *ids);
	if (ids == NULL)
		rc = FK_ENOMEM;
	for (size_t i = 0; ids && i < *n; i++)
		ids[i] = (*out)[i].id;
	if (rc == 0)
		rc = audit_reads(a, actor, "case", ids, *n, "list", &err);
	free(ids);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

struct change_job {
	app_t *app;
	const actor_t *actor;
	int64_t id;
	int what;                /* 0 classification, 1 severity, 2 investigated */
	enum case_class to;
	enum severity sev;
	int32_t date;
	int64_t at;
	const char *reason;
	case_rec_t *out;
};

static int
change_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct change_job *j = arg;
	case_rec_t c;
	char from[32];
	int rc = store_tx_case_get(tx, j->id, &c);

	if (rc)
		return fk_error_set(err, rc, "id", "no case %lld", (long long)j->id);
	if (j->what == 0) {
		bool was_active = case_class_active(c.classification);
		if (j->date < c.class_date)
			return fk_error_set(err, FK_EINVAL, "date",
					    "the date is before the last classification");
		if ((rc = case_transition_check(c.classification, j->to, j->date, c.region_code, err)))
			return rc;
		snprintf(from, sizeof from, "%s", case_class_name(c.classification));
		c.classification = j->to;
		c.class_date = j->date;
		if (j->to == CASE_CONFIRMED && c.dates.diagnosis == 0)
			c.dates.diagnosis = j->date;
		if ((rc = store_tx_case_update(tx, &c)))
			return fk_error_set(err, rc, "", "cannot store the case");
		if ((rc = record_event(tx, j->actor, c.id, j->date, "classification", from,
				       case_class_name(j->to), j->reason, err)))
			return rc;
		if (!was_active && case_class_active(j->to)) {
			struct contacts_job_ctx x = {j->app, j->actor, &c, "home", 0};
			if ((rc = observe_contacts_of(tx, &x, err)))
				return rc;
		}
	} else if (j->what == 1) {
		snprintf(from, sizeof from, "%s", severity_name(c.severity));
		c.severity = j->sev;
		c.severity_date = j->date;
		if ((rc = store_tx_case_update(tx, &c)))
			return fk_error_set(err, rc, "", "cannot store the case");
		if ((rc = record_event(tx, j->actor, c.id, j->date, "severity", from,
				       severity_name(j->sev), j->reason, err)))
			return rc;
	} else {
		if (c.investigated_at)
			return fk_error_set(err, FK_ECONFLICT, "investigated_at",
					    "the investigation was already recorded");
		if (j->at < c.reported_at - 86400 * 30)
			return fk_error_set(err, FK_EINVAL, "investigated_at",
					    "the investigation is dated long before the report");
		c.investigated_at = j->at;
		if ((rc = store_tx_case_update(tx, &c)))
			return fk_error_set(err, rc, "", "cannot store the case");
		if ((rc = record_event(tx, j->actor, c.id, date_of_unix_cst((time_t)j->at),
				       "investigation", "", "done", j->reason, err)))
			return rc;
	}
	*j->out = c;
	return audit(tx, j->actor, "update", "case", c.id,
		     j->what == 0 ? "classification" : j->what == 1 ? "severity" : "investigation",
		     err);
}

static int
case_change(app_t *a, const actor_t *actor, struct change_job *j, struct fk_error *err)
{
	case_rec_t cur;
	int rc;
	if (!is_official(actor))
		return fk_error_set(err, FK_EPERM, "", "officials change cases");
	if (j->reason && !note_ok(j->reason))
		return fk_error_set(err, FK_EINVAL, "reason", "reason is at most 200 characters of text");
	rc = store_case_get(a->store, j->id, &cur);
	if (rc == 0)
		rc = case_visible(actor, &cur);
	if (rc)
		return fk_error_set(err, rc == FK_EPERM ? rc : FK_ENOTFOUND, "id", "no case %lld",
				    (long long)j->id);
	if (j->date > app_today())
		return fk_error_set(err, FK_EINVAL, "date", "date is in the future");
	rc = store_write(a->store, change_job, j, err);
	if (rc == 0)
		rc = store_case_get(a->store, j->id, j->out);
	return rc;
}

int
app_case_transition(app_t *a, const actor_t *actor, int64_t id, enum case_class to, int32_t date,
		    const char *reason, case_rec_t *out, struct fk_error *err)
{
	struct change_job j = {a, actor, id, 0, to, SEV_NONE, date, 0, reason, out};
	return case_change(a, actor, &j, err);
}

int
app_case_severity(app_t *a, const actor_t *actor, int64_t id, enum severity sev, int32_t date,
		  case_rec_t *out, struct fk_error *err)
{
	struct change_job j = {a, actor, id, 1, CASE_NEW, sev, date, 0, "", out};
	if ((unsigned)sev >= SEV_COUNT || sev == SEV_NONE)
		return fk_error_set(err, FK_EINVAL, "severity",
				    "severity must be mild, common, severe or critical");
	return case_change(a, actor, &j, err);
}

int
app_case_investigated(app_t *a, const actor_t *actor, int64_t id, int64_t at, case_rec_t *out,
		      struct fk_error *err)
{
	struct change_job j = {a, actor, id, 2, CASE_NEW, SEV_NONE, app_today(), at, "", out};
	if (at <= 0 || at > app_now() + 60)
		return fk_error_set(err, FK_EINVAL, "investigated_at",
				    "investigated_at must be a time not in the future");
	return case_change(a, actor, &j, err);
}

struct lab_job {
	const actor_t *actor;
	lab_test_t *t;
};

static int
lab_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct lab_job *j = arg;
	int rc = store_tx_lab_insert(tx, j->t);
	if (rc)
		return fk_error_set(err, rc, "", "cannot store the test");
	return audit(tx, j->actor, "create", "lab_test", j->t->case_id, j->t->kind, err);
}

int
app_lab_add(app_t *a, const actor_t *actor, lab_test_t *t, struct fk_error *err)
{
	struct lab_job j = {actor, t};
	case_rec_t c;
	if (!is_official(actor))
		return fk_error_set(err, FK_EPERM, "", "officials record tests");
	if (store_case_get(a->store, t->case_id, &c) || case_visible(actor, &c))
		return fk_error_set(err, FK_ENOTFOUND, "id", "no case %lld", (long long)t->case_id);
	if (strcmp(t->kind, "rt_pcr") && strcmp(t->kind, "igm") && strcmp(t->kind, "igg") &&
	    strcmp(t->kind, "sequencing"))
		return fk_error_set(err, FK_EINVAL, "kind", "kind must be rt_pcr, igm, igg or sequencing");
	if (strcmp(t->result, "positive") && strcmp(t->result, "negative") &&
	    strcmp(t->result, "pending"))
		return fk_error_set(err, FK_EINVAL, "result",
				    "result must be positive, negative or pending");
	if (t->sample_date == 0 || t->sample_date > app_today())
		return fk_error_set(err, FK_EINVAL, "sample_date", "sample_date is required, not in the future");
	if (strcmp(t->result, "pending") == 0 ? t->result_date != 0
					      : (t->result_date < t->sample_date ||
						 t->result_date > app_today()))
		return fk_error_set(err, FK_EINVAL, "result_date",
				    "result_date is between sample_date and today (none while pending)");
	by_of(actor, t->by, sizeof t->by);
	t->created_at = app_now();
	return store_write(a->store, lab_job, &j, err);
}

struct placement_job {
	const actor_t *actor;
	placement_t *p;
};

static int
placement_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct placement_job *j = arg;
	int rc = store_tx_placement_insert(tx, j->p);
	if (rc)
		return fk_error_set(err, rc, "", "cannot store the placement");
	return audit(tx, j->actor, "create", "placement", j->p->subject_id,
		     placement_category_name(j->p->category), err);
}

int
app_placement_add(app_t *a, const actor_t *actor, placement_t *p, struct fk_error *err)
{
	struct placement_job j = {actor, p};
	subject_t s;
	static const char *const types[] = {"designated_hospital", "centralised_isolation", "home",
					    "fever_clinic", NULL};
	bool ok = false;

	if (!is_official(actor))
		return fk_error_set(err, FK_EPERM, "", "officials record placements");
	if (store_subject_get(a->store, p->subject_id, &s) || subject_visible(actor, &s))
		return fk_error_set(err, FK_EINVAL, "subject_id", "no person %lld",
				    (long long)p->subject_id);
	for (int i = 0; types[i]; i++)
		ok |= strcmp(p->place_type, types[i]) == 0;
	if (!ok)
		return fk_error_set(err, FK_EINVAL, "place_type",
				    "place_type must be designated_hospital, centralised_isolation, "
				    "home or fever_clinic");
	/* R5.2: the four categories are managed centrally, not at home */
	if (p->category != PLACE_CONTACT && strcmp(p->place_type, "home") == 0)
		return fk_error_set(err, FK_EINVAL, "place_type",
				    "confirmed, suspected and fever patients are not placed at home");
	if (p->start_date == 0 || p->start_date > app_today())
		return fk_error_set(err, FK_EINVAL, "start_date", "start_date is required, not in the future");
	if (p->end_date && p->end_date < p->start_date)
		return fk_error_set(err, FK_EINVAL, "end_date", "end_date is before start_date");
	if (!text_utf8_valid(p->facility, strlen(p->facility)))
		return fk_error_set(err, FK_EINVAL, "facility", "facility is not valid text");
	by_of(actor, p->by, sizeof p->by);
	p->created_at = app_now();
	return store_write(a->store, placement_job, &j, err);
}

/* ---- exposures ------------------------------------------------------------------------ */

struct exposure_job {
	app_t *app;
	const actor_t *actor;
	exposure_rec_t *e;
	const char *kind;
	struct exposure_result *out;
};

/* If `side` has an active case, is the other side its close contact? */
static int
contact_of_side(store_tx_t *tx, struct exposure_job *j, int64_t side, int64_t other,
		struct fk_error *err)
{
	case_rec_t *cs = NULL;
	size_t n = 0;
	int rc = store_tx_cases_of_subject(tx, side, &cs, &n);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read cases");
	for (size_t i = 0; i < n && rc == 0; i++) {
		const policy_t *pol;
		int32_t from, to, last;
		observation_t obs;
		bool opened;
		if (!case_class_active(cs[i].classification) ||
		    window_of(j->app, &cs[i], &from, &to, &pol) ||
		    !exposure_makes_contact(j->e->first_date, j->e->last_date, j->e->protection, from,
					    to, &last))
			continue;
		rc = observe_contact(tx, j->actor, other, cs[i].id, last,
				     observation_end_for(last, pol), j->kind, &obs, &opened, err);
		if (rc == 0 && obs.id) {
			j->out->contact_subject = other;
			j->out->observation_id = obs.id;
			j->out->observation_end = obs.end_date;
			j->out->observation_opened |= opened;
		}
	}
	free(cs);
	return rc;
}

static int
exposure_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct exposure_job *j = arg;
	subject_t sa, sb;
	int rc;

	if (store_tx_subject_get(tx, j->e->subject_a, &sa) || sa.merged_into)
		return fk_error_set(err, FK_EINVAL, "subject_a", "no person %lld",
				    (long long)j->e->subject_a);
	if (store_tx_subject_get(tx, j->e->subject_b, &sb) || sb.merged_into)
		return fk_error_set(err, FK_EINVAL, "subject_b", "no person %lld",
				    (long long)j->e->subject_b);
	by_of(j->actor, j->e->by, sizeof j->e->by);
	j->e->created_at = app_now();
	if ((rc = store_tx_exposure_insert(tx, j->e)))
		return fk_error_set(err, rc, "", "cannot store the exposure");
	if ((rc = contact_of_side(tx, j, j->e->subject_a, j->e->subject_b, err)) ||
	    (rc = contact_of_side(tx, j, j->e->subject_b, j->e->subject_a, err)))
		return rc;
	j->out->exposure = *j->e;
	return audit(tx, j->actor, "create", "exposure", j->e->id, setting_name(j->e->setting), err);
}

int
app_exposure_add(app_t *a, const actor_t *actor, exposure_rec_t *e, const char *obs_kind,
		 struct exposure_result *out, struct fk_error *err)
{
	struct exposure_job j = {a, actor, e, obs_kind ? obs_kind : "home", out};
	subject_t s;

	memset(out, 0, sizeof *out);
	if (!is_official(actor))
		return fk_error_set(err, FK_EPERM, "", "officials record exposures");
	if (e->subject_a == e->subject_b)
		return fk_error_set(err, FK_EINVAL, "subject_b", "a person cannot be exposed to themselves");
	if (strcmp(j.kind, "home") && strcmp(j.kind, "centralised"))
		return fk_error_set(err, FK_EINVAL, "observation_kind",
				    "observation_kind must be home or centralised");
	if (e->first_date == 0 || e->last_date == 0)
		return fk_error_set(err, FK_EINVAL, e->first_date ? "last_date" : "first_date",
				    "first_date and last_date are required");
	if (e->first_date > e->last_date)
		return fk_error_set(err, FK_EINVAL, "last_date", "last_date is before first_date");
	if (e->last_date > app_today())
		return fk_error_set(err, FK_EINVAL, "last_date", "last_date is in the future");
	if ((unsigned)e->setting >= SET_COUNT)
		return fk_error_set(err, FK_EINVAL, "setting", "unknown setting");
	if ((unsigned)e->protection >= PROT_COUNT)
		return fk_error_set(err, FK_EINVAL, "protection", "unknown protection");
	if (!note_ok(e->note))
		return fk_error_set(err, FK_EINVAL, "note", "note is at most 200 characters of text");
	/* both people must be in the official's region */
	if (store_subject_get(a->store, e->subject_a, &s) == 0 && subject_visible(actor, &s))
		return fk_error_set(err, FK_EINVAL, "subject_a", "no person %lld", (long long)e->subject_a);
	if (store_subject_get(a->store, e->subject_b, &s) == 0 && subject_visible(actor, &s))
		return fk_error_set(err, FK_EINVAL, "subject_b", "no person %lld", (long long)e->subject_b);
	return store_write(a->store, exposure_job, &j, err);
}

int
app_case_contacts(app_t *a, const actor_t *actor, int64_t case_id, int hops, struct contact **out,
		  size_t *n, struct fk_error *err)
{
	case_rec_t c;
	exposure_rec_t *h1 = NULL;
	size_t n1 = 0, len = 0, cap = 0;
	struct contact *list = NULL;
	const policy_t *pol;
	int32_t from, to;
	int64_t *ids = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (hops < 1 || hops > 2)
		return fk_error_set(err, FK_EINVAL, "hops", "hops is 1 or 2");
	if ((rc = app_case_get(a, actor, case_id, &c, err)))
		return rc;
	if (window_of(a, &c, &from, &to, &pol))
		return fk_error_set(err, FK_EINVAL, "report_date", "no policy is in force then");
	rc = store_exposures_of_subject(a->store, c.subject_id, &h1, &n1);
	for (size_t i = 0; rc == 0 && i < n1; i++) {
		int64_t other = h1[i].subject_a == c.subject_id ? h1[i].subject_b : h1[i].subject_a;
		int32_t last = 0;
		bool close = exposure_makes_contact(h1[i].first_date, h1[i].last_date,
						    h1[i].protection, from, to, &last);
		bool dup = false;
		for (size_t k = 0; k < len; k++)
			if (list[k].subject_id == other) {
				dup = true;
				if (close && (!list[k].close_contact || last > list[k].last_exposure)) {
					list[k].close_contact = true;
					list[k].last_exposure = last;
					list[k].exposure_id = h1[i].id;
				}
			}
		if (dup)
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			struct contact *p = realloc(list, cap * sizeof *p);
			if (p == NULL) {
				rc = FK_ENOMEM;
				break;
			}
			list = p;
		}
		struct contact *x = &list[len++];
		memset(x, 0, sizeof *x);
		x->subject_id = other;
		snprintf(x->name, sizeof x->name, "%s",
			 h1[i].subject_a == c.subject_id ? h1[i].name_b : h1[i].name_a);
		x->hop = 1;
		x->via_subject = c.subject_id;
		x->exposure_id = h1[i].id;
		x->close_contact = close;
		x->last_exposure = close ? last : h1[i].last_date;
	}
	free(h1);
	/* contacts of contacts: everyone exposed to a hop-1 person */
	size_t first_hop = len;
	for (size_t i = 0; rc == 0 && hops == 2 && i < first_hop; i++) {
		exposure_rec_t *h2 = NULL;
		size_t n2 = 0;
		rc = store_exposures_of_subject(a->store, list[i].subject_id, &h2, &n2);
		for (size_t k = 0; rc == 0 && k < n2; k++) {
			int64_t other = h2[k].subject_a == list[i].subject_id ? h2[k].subject_b
									       : h2[k].subject_a;
			bool seen = other == c.subject_id;
			if (h2[k].protection == PROT_EFFECTIVE)
				continue;
			for (size_t m = 0; m < len && !seen; m++)
				seen = list[m].subject_id == other;
			if (seen)
				continue;
			if (len == cap) {
				cap = cap ? cap * 2 : 16;
				struct contact *p = realloc(list, cap * sizeof *p);
				if (p == NULL) {
					rc = FK_ENOMEM;
					break;
				}
				list = p;
			}
			struct contact *x = &list[len++];
			memset(x, 0, sizeof *x);
			x->subject_id = other;
			snprintf(x->name, sizeof x->name, "%s",
				 h2[k].subject_a == list[i].subject_id ? h2[k].name_b : h2[k].name_a);
			x->hop = 2;
			x->via_subject = list[i].subject_id;
			x->exposure_id = h2[k].id;
			x->last_exposure = h2[k].last_date;
		}
		free(h2);
	}
	for (size_t i = 0; rc == 0 && i < len; i++) {
		observation_t obs;
		subject_t sub;
		/* the office sees its own people; an outsider stays nameless */
		if (!actor->cli && actor->user.role == ROLE_OFFICE &&
		    (store_subject_get(a->store, list[i].subject_id, &sub) || !sub.person_id[0]))
			list[i].name[0] = '\0';
		if (store_observation_open_of(a->store, list[i].subject_id, &obs) == 0) {
			list[i].observation_id = obs.id;
			list[i].observation_end = obs.end_date;
		}
	}
	if (rc == 0 && len) {
		ids = calloc(len, sizeof *ids);
		if (ids == NULL)
			rc = FK_ENOMEM;
		for (size_t i = 0; ids && i < len; i++)
			ids[i] = list[i].subject_id;
		if (rc == 0)
			rc = audit_reads(a, actor, "subject", ids, len, "contact list", err);
		free(ids);
	}
	if (rc) {
		free(list);
		return rc == FK_ENOMEM ? fk_error_set(err, rc, "", NULL) : rc;
	}
	*out = list;
	*n = len;
	return 0;
}

/* ---- observation ---------------------------------------------------------------------- */

static void
observation_scope(const actor_t *actor, struct observation_query *q)
{
	if (actor->cli)
		return;
	if (actor->user.role == ROLE_OFFICIAL)
		q->region_prefix = actor->user.region_prefix;
	else if (actor->user.role == ROLE_OFFICE)
		q->own_people_only = true;
}

int
app_observation_list(app_t *a, const actor_t *actor, struct observation_query *q,
		     observation_t **out, size_t *n, bool *more)
{
	int limit = q->limit > 0 && q->limit <= 500 ? q->limit : 100;
	struct fk_error err = {0};
	int64_t *ids;
	int rc;

	*out = NULL;
	*n = 0;
	*more = false;
	if (!actor->cli && actor->user.role == ROLE_STAFF) {
		subject_t s;
		if (store_subject_by_person(a->store, actor->user.person_id, &s))
			return 0;
		q->subject_id = s.id;
	} else if (!actor->cli && actor->user.role != ROLE_OFFICIAL &&
		   actor->user.role != ROLE_OFFICE) {
		return FK_EPERM;
	}
	observation_scope(actor, q);
	q->limit = limit + 1;
	rc = store_observation_list(a->store, q, out, n);
	if (rc)
		return rc;
	if (*n > (size_t)limit) {
		*n = (size_t)limit;
		*more = true;
	}
	ids = calloc(*n ? *n : 1, sizeof *ids);
	if (ids == NULL)
		rc = FK_ENOMEM;
	for (size_t i = 0; ids && i < *n; i++)
		ids[i] = (*out)[i].subject_id;
	if (rc == 0)
		rc = audit_reads(a, actor, "observation", ids, *n, "list", &err);
	free(ids);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static int
observation_visible(app_t *a, const actor_t *actor, const observation_t *o)
{
	subject_t s;
	if (store_subject_get(a->store, o->subject_id, &s))
		return FK_ENOTFOUND;
	return subject_visible(actor, &s);
}

int
app_observation_get(app_t *a, const actor_t *actor, int64_t id, observation_t *out,
		    struct fk_error *err)
{
	int rc = store_observation_get(a->store, id, out);
	if (rc == 0)
		rc = observation_visible(a, actor, out);
	if (rc == FK_ENOTFOUND || rc == FK_EPERM)
		return fk_error_set(err, rc, "id", "no observation %lld", (long long)id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read observations");
	return audit_reads(a, actor, "observation", &out->subject_id, 1, "", err);
}

struct obs_job {
	const actor_t *actor;
	int64_t id;
	int32_t end;
	const char *reason;
	bool release;
	observation_t *out;
};

static int
obs_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct obs_job *j = arg;
	observation_t o;
	int32_t today = app_today();
	int rc = store_tx_observation_get(tx, j->id, &o);

	if (rc)
		return fk_error_set(err, rc, "id", "no observation %lld", (long long)j->id);
	if (strcmp(o.status, "open") != 0)
		return fk_error_set(err, FK_ECONFLICT, "id", "the observation is %s", o.status);
	if (j->release) {
		if (today < o.end_date && (j->reason == NULL || j->reason[0] == '\0'))
			return fk_error_set(err, FK_EINVAL, "reason",
					    "release before the end date (%d days early) needs a reason",
					    o.end_date - today);
		snprintf(o.status, sizeof o.status, "released");
		o.closed_at = app_now();
	} else {
		if (j->end < o.end_date && (j->reason == NULL || j->reason[0] == '\0'))
			return fk_error_set(err, FK_EINVAL, "reason",
					    "an observation is never shortened without a reason");
		if (j->end < o.start_date)
			return fk_error_set(err, FK_EINVAL, "end_date", "end_date is before the start");
		if (j->end > o.end_date + 365)
			return fk_error_set(err, FK_EINVAL, "end_date",
					    "an observation is extended by at most a year at a time");
		if (j->end > o.end_date && (rc = store_tx_followups_ensure(tx, o.id, o.end_date,
									   j->end - 1)))
			return fk_error_set(err, rc, "", "cannot plan the follow-ups");
		/* shortened: the slots after the new end are not due */
		if (j->end < o.end_date && (rc = store_tx_followups_trim(tx, o.id, j->end)))
			return fk_error_set(err, rc, "", "cannot update the follow-ups");
		o.end_date = j->end;
	}
	snprintf(o.note, sizeof o.note, "%s", j->reason ? j->reason : "");
	if ((rc = store_tx_observation_update(tx, &o)))
		return fk_error_set(err, rc, "", "cannot store the observation");
	*j->out = o;
	return audit(tx, j->actor, "update", "observation", o.subject_id,
		     j->release ? "released" : "end date changed", err);
}

static int
obs_change(app_t *a, const actor_t *actor, struct obs_job *j, struct fk_error *err)
{
	observation_t o;
	int rc;
	if (!is_official(actor))
		return fk_error_set(err, FK_EPERM, "", "officials change observations");
	if (j->reason && !note_ok(j->reason))
		return fk_error_set(err, FK_EINVAL, "reason", "reason is at most 200 characters of text");
	rc = store_observation_get(a->store, j->id, &o);
	if (rc == 0)
		rc = observation_visible(a, actor, &o);
	if (rc)
		return fk_error_set(err, FK_ENOTFOUND, "id", "no observation %lld", (long long)j->id);
	if (j->release) {
		/* no release while a symptom is under evaluation (R8.3) */
		struct observation_query q = {.subject_id = o.subject_id};
		review_t *open = NULL;
		size_t n = 0;
		rc = store_review_list(a->store, &q, true, &open, &n);
		free(open);
		if (rc)
			return fk_error_set(err, rc, "", "cannot read reviews");
		if (n)
			return fk_error_set(err, FK_ECONFLICT, "id",
					    "a suspected-case review of this person is open");
	}
	rc = store_write(a->store, obs_job, j, err);
	if (rc == 0)
		rc = store_observation_get(a->store, j->id, j->out);
	return rc;
}

int
app_observation_extend(app_t *a, const actor_t *actor, int64_t id, int32_t end_date,
		       const char *reason, observation_t *out, struct fk_error *err)
{
	struct obs_job j = {actor, id, end_date, reason, false, out};
	if (end_date == 0)
		return fk_error_set(err, FK_EINVAL, "end_date", "end_date is required");
	return obs_change(a, actor, &j, err);
}

int
app_observation_release(app_t *a, const actor_t *actor, int64_t id, const char *reason,
			observation_t *out, struct fk_error *err)
{
	struct obs_job j = {actor, id, 0, reason, true, out};
	return obs_change(a, actor, &j, err);
}

/* A follow-up or check-in that is abnormal under the policy. */
static bool
abnormal(int temp_dc, unsigned symptoms, const policy_t *pol)
{
	return temp_dc >= pol->fever_dc || (symptoms & (pol->red_symptoms | pol->yellow_symptoms));
}

static int
raise_review(store_tx_t *tx, const actor_t *actor, const observation_t *o, int32_t date,
	     int temp_dc, unsigned symptoms, struct fk_error *err)
{
	review_t r = {0};
	r.subject_id = o->subject_id;
	r.observation_id = o->id;
	r.date = date;
	/* "zh / en", as alerts keep theirs */
	snprintf(r.reason, sizeof r.reason, "医学观察期间体温%.1f℃%s / %.1f °C%s during medical observation",
		 temp_dc / 10.0, symptoms ? "，有症状" : "", temp_dc / 10.0,
		 symptoms ? " with symptoms" : "");
	r.created_at = app_now();
	int rc = store_tx_review_insert(tx, &r);
	if (rc)
		return fk_error_set(err, rc, "", "cannot raise the review");
	return audit(tx, actor, "create", "review", o->subject_id, r.reason, err);
}

struct fill_job {
	app_t *app;
	const actor_t *actor;
	followup_t *f;
	bool reviewed;
};

static int
fill_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct fill_job *j = arg;
	observation_t o;
	const policy_t *pol = app_policy_for(j->app, j->f->date);
	int rc = store_tx_observation_get(tx, j->f->observation_id, &o);

	if (rc)
		return fk_error_set(err, rc, "id", "no observation");
	if (strcmp(o.status, "open") != 0)
		return fk_error_set(err, FK_ECONFLICT, "id", "the observation is %s", o.status);
	rc = store_tx_followup_fill(tx, j->f);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, rc, "date", "no follow-up is planned for that date and slot");
	if (rc == FK_ECONFLICT)
		return fk_error_set(err, rc, "slot", "that follow-up was already filled");
	if (rc)
		return fk_error_set(err, rc, "", "cannot store the follow-up");
	if (pol && abnormal(j->f->temp_dc, j->f->symptoms, pol)) {
		if ((rc = raise_review(tx, j->actor, &o, j->f->date, j->f->temp_dc, j->f->symptoms, err)))
			return rc;
		j->reviewed = true;
	}
	return audit(tx, j->actor, "create", "followup", o.subject_id, j->f->slot, err);
}

int
app_followup_fill(app_t *a, const actor_t *actor, followup_t *f, struct fk_error *err)
{
	struct fill_job j = {a, actor, f, false};
	observation_t o;
	int rc = store_observation_get(a->store, f->observation_id, &o);

	if (rc == 0)
		rc = observation_visible(a, actor, &o);
	if (rc)
		return fk_error_set(err, FK_ENOTFOUND, "id", "no observation %lld",
				    (long long)f->observation_id);
	if (!actor->cli && actor->user.role != ROLE_OFFICIAL && actor->user.role != ROLE_OFFICE &&
	    actor->user.role != ROLE_STAFF)
		return fk_error_set(err, FK_EPERM, "", "this role does not fill follow-ups");
	if (strcmp(f->slot, "am") && strcmp(f->slot, "pm"))
		return fk_error_set(err, FK_EINVAL, "slot", "slot is am or pm");
	if (f->date > app_today())
		return fk_error_set(err, FK_EINVAL, "date", "date is in the future");
	if (f->temp_dc < (int)(REPORT_TEMP_MIN * 10) || f->temp_dc > (int)(REPORT_TEMP_MAX * 10))
		return fk_error_set(err, FK_EINVAL, "temperature_c", "temperature_c must be from 34.0 to 43.0");
	by_of(actor, f->by, sizeof f->by);
	f->filled_at = app_now();
	snprintf(f->source, sizeof f->source, "%s",
		 !actor->cli && actor->user.role == ROLE_STAFF ? "self" : "team");
	rc = store_write(a->store, fill_job, &j, err);
	if (rc == 0) {
		/* answer with the slot's id */
		followup_t *all = NULL;
		size_t n = 0;
		if (store_followups_of(a->store, f->observation_id, &all, &n) == 0)
			for (size_t i = 0; i < n; i++)
				if (all[i].date == f->date && strcmp(all[i].slot, f->slot) == 0)
					f->id = all[i].id;
		free(all);
	}
	return rc;
}

int
app_followups_missed(app_t *a, const actor_t *actor, int32_t date, const char *slot,
		     followup_t **out, size_t *n)
{
	struct observation_query q = {0};
	int rc;
	*out = NULL;
	*n = 0;
	if (!actor->cli && actor->user.role != ROLE_OFFICIAL && actor->user.role != ROLE_OFFICE)
		return FK_EPERM;
	observation_scope(actor, &q);
	rc = store_followups_missed(a->store, &q, date, slot, out, n);
	/* a missed follow-up names its observation; audit the people behind them */
	if (rc == 0 && *n) {
		int64_t *ids = calloc(*n, sizeof *ids);
		struct fk_error err = {0};
		if (ids == NULL)
			rc = FK_ENOMEM;
		for (size_t i = 0; ids && i < *n; i++) {
			observation_t o;
			ids[i] = store_observation_get(a->store, (*out)[i].observation_id, &o) == 0
					 ? o.subject_id : 0;
		}
		if (rc == 0)
			rc = audit_reads(a, actor, "subject", ids, *n, "missed follow-ups", &err);
		free(ids);
	}
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int
app__observation_checkin(store_tx_t *tx, const actor_t *actor, const report_rec_t *rec,
			 const policy_t *pol)
{
	subject_t s;
	observation_t o;
	followup_t f = {0};
	struct fk_error err = {0};
	time_t now = time(NULL);
	int rc = store_tx_subject_by_person(tx, rec->r.person_id, &s);

	if (rc == FK_ENOTFOUND)
		return 0;
	if (rc || (rc = store_tx_observation_open_of(tx, s.id, &o)) == FK_ENOTFOUND)
		return rc == FK_ENOTFOUND ? 0 : rc;
	if (rc)
		return rc;
	f.observation_id = o.id;
	f.date = rec->r.date;
	f.temp_dc = rec->r.temp_dc;
	f.symptoms = rec->r.symptoms;
	by_of(actor, f.by, sizeof f.by);
	f.filled_at = (int64_t)now;
	snprintf(f.source, sizeof f.source, "report");
	/* morning before noon CST, else evening; the other if that one is filled */
	int hour = (int)(((int64_t)now + DATE_CST_OFFSET) % 86400 / 3600);
	snprintf(f.slot, sizeof f.slot, "%s", hour < 12 ? "am" : "pm");
	rc = store_tx_followup_fill(tx, &f);
	if (rc == FK_ECONFLICT && strcmp(f.slot, "am") == 0) {
		snprintf(f.slot, sizeof f.slot, "pm");
		rc = store_tx_followup_fill(tx, &f);
	}
	if (rc == FK_ENOTFOUND || rc == FK_ECONFLICT)
		rc = 0; /* no slot that day (observation ended) or both filled */
	if (rc == 0 && abnormal(rec->r.temp_dc, rec->r.symptoms, pol))
		rc = raise_review(tx, actor, &o, rec->r.date, rec->r.temp_dc, rec->r.symptoms, &err);
	return rc;
}

/* After a list read (rc its result), audit the subject of every element
 * (an int64_t at `off` bytes into each); on failure free the list. */
static int
list_audited(app_t *a, const actor_t *actor, int rc, void **out, size_t *n, size_t elem,
	     size_t off, const char *detail)
{
	struct fk_error err = {0};
	int64_t *ids = NULL;
	if (rc == 0 && *n) {
		ids = calloc(*n, sizeof *ids);
		if (ids == NULL)
			rc = FK_ENOMEM;
		for (size_t i = 0; ids && i < *n; i++)
			memcpy(&ids[i], (char *)*out + i * elem + off, sizeof ids[i]);
		if (rc == 0)
			rc = audit_reads(a, actor, "subject", ids, *n, detail, &err);
		free(ids);
	}
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- reviews ------------------------------------------------------------------------- */

int
app_review_list(app_t *a, const actor_t *actor, bool open_only, review_t **out, size_t *n)
{
	struct observation_query q = {0};
	*out = NULL;
	*n = 0;
	if (!actor->cli && actor->user.role != ROLE_OFFICIAL && actor->user.role != ROLE_OFFICE)
		return FK_EPERM;
	observation_scope(actor, &q);
	return list_audited(a, actor, store_review_list(a->store, &q, open_only, out, n),
			    (void **)out, n, sizeof **out, offsetof(review_t, subject_id), "reviews");
}

struct review_job {
	const actor_t *actor;
	review_t *r;
};

static int
review_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct review_job *j = arg;
	int rc = store_tx_review_resolve(tx, j->r);
	if (rc == FK_ECONFLICT)
		return fk_error_set(err, rc, "id", "the review was already resolved");
	if (rc)
		return fk_error_set(err, rc, "id", "cannot resolve the review");
	return audit(tx, j->actor, "update", "review", j->r->subject_id, j->r->outcome, err);
}

int
app_review_resolve(app_t *a, const actor_t *actor, int64_t id, const char *outcome,
		   int64_t case_id, struct fk_error *err)
{
	review_t r;
	subject_t s;
	struct review_job j = {actor, &r};
	if (!is_official(actor))
		return fk_error_set(err, FK_EPERM, "", "officials resolve reviews");
	if (store_review_get(a->store, id, &r) || store_subject_get(a->store, r.subject_id, &s) ||
	    subject_visible(actor, &s))
		return fk_error_set(err, FK_ENOTFOUND, "id", "no review %lld", (long long)id);
	if (strcmp(outcome, "case_opened") && strcmp(outcome, "dismissed"))
		return fk_error_set(err, FK_EINVAL, "outcome", "outcome is case_opened or dismissed");
	if (strcmp(outcome, "case_opened") == 0) {
		case_rec_t c;
		if (case_id <= 0 || store_case_get(a->store, case_id, &c) || c.subject_id != r.subject_id)
			return fk_error_set(err, FK_EINVAL, "case_id",
					    "case_opened needs the id of this person's case");
	}
	snprintf(r.outcome, sizeof r.outcome, "%s", outcome);
	r.case_id = case_id;
	by_of(actor, r.resolved_by, sizeof r.resolved_by);
	r.resolved_at = app_now();
	return store_write(a->store, review_job, &j, err);
}

/* ---- health code with cases and observation ---------------------------------------- */

void
app__code_merge(health_code_t *code, const health_code_t *other)
{
	if (other->colour > code->colour) {
		*code = *other;
	} else if (other->colour == code->colour && other->colour != STATUS_GREEN &&
		   other->green_from > code->green_from) {
		code->green_from = other->green_from;
	}
}

int
app__case_code_of_person(app_t *a, const char *person_id, int32_t date, health_code_t *out)
{
	subject_t s;
	case_rec_t *cs = NULL;
	struct case_query q = {.classification = -1};
	observation_t o;
	size_t n = 0;
	int rc = store_subject_by_person(a->store, person_id, &s);

	memset(out, 0, sizeof *out);
	if (rc == FK_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	q.subject_id = s.id;
	rc = store_case_list(a->store, &q, &cs, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		health_code_t c;
		case_code(cs[i].classification, cs[i].class_date, date, &c);
		app__code_merge(out, &c);
	}
	free(cs);
	if (store_observation_open_of(a->store, s.id, &o) == 0 && o.end_date > date) {
		health_code_t c = {0};
		char d[DATE_STR_LEN];
		c.colour = STATUS_YELLOW;
		snprintf(c.rule, sizeof c.rule, "observation");
		c.since = o.start_date;
		c.green_from = o.end_date;
		snprintf(c.reason_zh, sizeof c.reason_zh, "医学观察至%s。", date_format(o.end_date, d));
		snprintf(c.reason_en, sizeof c.reason_en, "Under medical observation until %s.",
			 date_format(o.end_date, d));
		app__code_merge(out, &c);
	}
	return 0;
}

/* ---- chains ------------------------------------------------------------------------------ */

static bool
counts_in_chains(enum case_class c)
{
	return c == CASE_CONFIRMED || c == CASE_CLINICAL || c == CASE_ASYMPTOMATIC ||
	       c == CASE_RECOVERED || c == CASE_DIED;
}

static int
find_root(int *parent, int i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

int
app_chains(app_t *a, const actor_t *actor, int32_t from, int32_t to, struct chains *out)
{
	struct case_query q = {.classification = -1};
	case_rec_t *cs = NULL;
	exposure_rec_t *ex = NULL;
	size_t n = 0, ne = 0, k = 0;
	int *parent = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (!actor->cli) {
		if (actor->user.role == ROLE_OFFICIAL)
			q.region_prefix = actor->user.region_prefix;
		else if (actor->user.role == ROLE_OFFICE)
			q.own_people_only = true;
		else if (actor->user.role != ROLE_ANALYST)
			return FK_EPERM;
	}
	rc = store_case_list(a->store, &q, &cs, &n);
	if (rc == 0)
		rc = store_exposure_all(a->store, &ex, &ne);
	if (rc)
		goto out;
	out->cases = calloc(n ? n : 1, sizeof *out->cases);
	parent = calloc(n ? n : 1, sizeof *parent);
	if (out->cases == NULL || parent == NULL) {
		rc = FK_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!counts_in_chains(cs[i].classification))
			continue;
		struct chain_case *x = &out->cases[k];
		x->case_id = cs[i].id;
		x->subject_id = cs[i].subject_id;
		snprintf(x->name, sizeof x->name, "%s", cs[i].name);
		x->classification = cs[i].classification;
		x->onset = cs[i].dates.onset ? cs[i].dates.onset
			   : cs[i].dates.sampling ? cs[i].dates.sampling : cs[i].dates.report;
		x->report = cs[i].dates.report;
		parent[k] = (int)k;
		k++;
	}
	out->n_cases = k;
	/* link cases whose people were exposed to each other; the source
	 * is the linked case with the latest onset before this one's */
	for (size_t e = 0; e < ne; e++) {
		int ia = -1, ib = -1;
		for (size_t i = 0; i < k; i++) {
			if (out->cases[i].subject_id == ex[e].subject_a)
				ia = (int)i;
			if (out->cases[i].subject_id == ex[e].subject_b)
				ib = (int)i;
		}
		if (ia < 0 || ib < 0 || ex[e].protection == PROT_EFFECTIVE)
			continue;
		int ra = find_root(parent, ia), rb = find_root(parent, ib);
		if (ra != rb)
			parent[ra] = rb;
		struct chain_case *A = &out->cases[ia], *Bc = &out->cases[ib];
		struct chain_case *src = A->onset <= Bc->onset ? A : Bc;
		struct chain_case *dst = src == A ? Bc : A;
		if (src->onset < dst->onset) {
			/* keep the most recent earlier case as the source */
			int64_t cur = dst->infector_case;
			int32_t cur_onset = INT32_MIN;
			for (size_t i = 0; cur && i < k; i++)
				if (out->cases[i].case_id == cur)
					cur_onset = out->cases[i].onset;
			if (cur == 0 || src->onset > cur_onset)
				dst->infector_case = src->case_id;
		}
	}
	/* generations: a case's is its source's plus one (sources have
	 * earlier onsets, so k passes settle every chain) */
	for (size_t i = 0; i < k; i++)
		out->cases[i].generation = 1;
	for (size_t pass = 0; pass < k; pass++) {
		bool changed = false;
		for (size_t i = 0; i < k; i++) {
			if (!out->cases[i].infector_case)
				continue;
			for (size_t m = 0; m < k; m++)
				if (out->cases[m].case_id == out->cases[i].infector_case &&
				    out->cases[m].generation + 1 > out->cases[i].generation) {
					out->cases[i].generation = out->cases[m].generation + 1;
					changed = true;
				}
		}
		if (!changed)
			break;
	}
	/* chains: components of two or more cases */
	out->chains = calloc(k ? k : 1, sizeof *out->chains);
	if (out->chains == NULL) {
		rc = FK_ENOMEM;
		goto out;
	}
	/* number the components in order of their first case */
	{
		int *chain_of_root = calloc(k ? k : 1, sizeof *chain_of_root);
		if (chain_of_root == NULL) {
			rc = FK_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < k; i++) {
			int r = find_root(parent, (int)i), size = 0;
			for (size_t m = 0; m < k; m++)
				size += find_root(parent, (int)m) == r;
			if (size < 2)
				continue;
			if (chain_of_root[r] == 0) {
				struct chain *ch = &out->chains[out->n_chains++];
				ch->id = (int)out->n_chains;
				ch->first = out->cases[i].report;
				ch->last = out->cases[i].report;
				chain_of_root[r] = ch->id;
			}
			struct chain *ch = &out->chains[chain_of_root[r] - 1];
			out->cases[i].chain = ch->id;
			ch->size++;
			if (out->cases[i].report < ch->first)
				ch->first = out->cases[i].report;
			if (out->cases[i].report > ch->last)
				ch->last = out->cases[i].report;
			if (out->cases[i].generation > ch->generations)
				ch->generations = out->cases[i].generation;
		}
		free(chain_of_root);
	}
	for (size_t c = 0; c < out->n_chains; c++) {
		const policy_t *pol = app_policy_for(a, out->chains[c].last);
		struct chain *ch = &out->chains[c];
		int best = 0;
		/* R3.6: enough cases within the window (days by report date) */
		for (size_t i = 0; pol && i < k; i++) {
			int in = 0;
			if (out->cases[i].chain != ch->id)
				continue;
			for (size_t m = 0; m < k; m++)
				if (out->cases[m].chain == ch->id &&
				    out->cases[m].report >= out->cases[i].report &&
				    out->cases[m].report < out->cases[i].report + pol->cluster_window_days)
					in++;
			if (in > best)
				best = in;
		}
		ch->cluster = pol && best >= pol->cluster_min_cases;
	}
	/* indicators over the new cases of [from, to] */
	for (size_t i = 0; i < k; i++) {
		struct chain_case *x = &out->cases[i];
		struct observation_query oq = {.subject_id = x->subject_id};
		observation_t *obs = NULL;
		size_t no = 0;
		if (x->report < from || x->report > to)
			continue;
		out->new_cases++;
		if (x->chain)
			out->new_in_chains++;
		if (!x->infector_case)
			out->new_no_source++;
		if (store_observation_list(a->store, &oq, &obs, &no) == 0) {
			for (size_t m = 0; m < no; m++)
				if (obs[m].start_date <= x->report)
					x->known_contact = true;
			free(obs);
		}
		if (x->known_contact)
			out->new_known_contacts++;
	}
	/* the chain view names people (not for analysts): audit the cases */
	if (rc == 0 && k && (actor->cli || actor->user.role != ROLE_ANALYST)) {
		struct fk_error err = {0};
		int64_t *ids = calloc(k, sizeof *ids);
		if (ids == NULL)
			rc = FK_ENOMEM;
		for (size_t i = 0; ids && i < k; i++)
			ids[i] = out->cases[i].case_id;
		if (rc == 0)
			rc = audit_reads(a, actor, "case", ids, k, "chains", &err);
		free(ids);
	}
out:
	free(cs);
	free(ex);
	free(parent);
	if (rc)
		chains_free(out);
	return rc;
}

void
chains_free(struct chains *c)
{
	if (c == NULL)
		return;
	free(c->cases);
	free(c->chains);
	c->cases = NULL;
	c->chains = NULL;
	c->n_cases = c->n_chains = 0;
}

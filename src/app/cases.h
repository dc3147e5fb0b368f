/*
 * cases.h -- app layer: case management (RULES.md §1-§3, §5.2, §6): the
 * people in it (subjects), cases and their classification, severity,
 * labs and placements, exposures and close contacts, medical
 * observation with daily follow-ups, suspected-case reviews, and
 * transmission chains.
 *
 * Who may do what (the HTTP table says the same per route):
 *   official  everything for subjects and cases of their region prefix
 *   office    reads cases, contacts and observations among the
 *             organisation's own people; fills follow-ups
 *   staff     their own observation and follow-ups
 *   analyst   chain indicators and serial intervals (no names)
 * Every read of personal data is audited; every change is attributed,
 * dated and audited.
 */
#ifndef CASES_H
#define CASES_H

#include "app.h"

/* Subjects ----------------------------------------------------------------- */

/*
 * Register a person in case management.  Either sub->person_id names one
 * of the organisation's people (their registry record fills the rest;
 * registering them twice returns the existing subject with *existing
 * true), or sub holds an external person (name, phone, region_code) and
 * id_number (an 18-character resident ID, or NULL) is checked and kept
 * only as a keyed hash.  Unless force, a subject with the same ID number,
 * or the same name and phone, is a duplicate: FK_ECONFLICT and *dups
 * (caller frees) lists them, so the caller can merge instead.
 */
int app_subject_create(app_t *a, const actor_t *actor, subject_t *sub, const char *id_number,
		       bool force, bool *existing, subject_t **dups, size_t *n_dups,
		       struct fk_error *err) FK_MUST_CHECK;
int app_subject_get(app_t *a, const actor_t *actor, int64_t id, subject_t *out,
		    struct fk_error *err) FK_MUST_CHECK;
/* Merge subject `from` into `into`, keeping history (officials). */
int app_subject_merge(app_t *a, const actor_t *actor, int64_t from, int64_t into,
		      struct fk_error *err) FK_MUST_CHECK;

/* Cases --------------------------------------------------------------------------- */

/* Register c (subject_id, classification, class_date, dates, detected_at,
 * facility, imported, region_code, severity).  Opens observations for
 * the close contacts already recorded. */
int app_case_create(app_t *a, const actor_t *actor, case_rec_t *c,
		    struct fk_error *err) FK_MUST_CHECK;
int app_case_get(app_t *a, const actor_t *actor, int64_t id, case_rec_t *out,
		 struct fk_error *err) FK_MUST_CHECK;
int app_case_list(app_t *a, const actor_t *actor, struct case_query *q, case_rec_t **out,
		  size_t *n, bool *more) FK_MUST_CHECK;
/* Move case id to `to` on `date` with a reason (the state machine of
 * core/epi.h).  FK_EINVAL naming "to" for an illegal transition. */
int app_case_transition(app_t *a, const actor_t *actor, int64_t id, enum case_class to,
			int32_t date, const char *reason, case_rec_t *out,
			struct fk_error *err) FK_MUST_CHECK;
int app_case_severity(app_t *a, const actor_t *actor, int64_t id, enum severity sev,
		      int32_t date, case_rec_t *out, struct fk_error *err) FK_MUST_CHECK;
/* Record the epidemiological investigation done at Unix time `at`,
 * and/or corrected dates (0 leaves a date as it is). */
int app_case_investigated(app_t *a, const actor_t *actor, int64_t id, int64_t at,
			  case_rec_t *out, struct fk_error *err) FK_MUST_CHECK;
int app_lab_add(app_t *a, const actor_t *actor, lab_test_t *t, struct fk_error *err) FK_MUST_CHECK;
int app_placement_add(app_t *a, const actor_t *actor, placement_t *p,
		      struct fk_error *err) FK_MUST_CHECK;

/* Exposures and contacts ------------------------------------------------------------ */

struct exposure_result {
	exposure_rec_t exposure;
	int64_t contact_subject;   /* the side made a close contact, or 0 */
	int64_t observation_id;    /* opened or extended, or 0 */
	int32_t observation_end;
	bool observation_opened;   /* new (else extended or none) */
};

/* Record an exposure between two subjects.  If either side is an active
 * case and the exposure falls in its contact window without effective
 * protection, the other side is a close contact: their observation is
 * opened (or extended, never shortened), of kind obs_kind ("home" or
 * "centralised"), with a placement record and daily follow-ups. */
int app_exposure_add(app_t *a, const actor_t *actor, exposure_rec_t *e, const char *obs_kind,
		     struct exposure_result *out, struct fk_error *err) FK_MUST_CHECK;

/* One person reached from a case. */
struct contact {
	int64_t subject_id;
	char name[PERSON_NAME_BUF];
	int hop;                    /* 1 close contact, 2 contact of a contact */
	int64_t via_subject;        /* through whom (hop 2) or the case's subject */
	int64_t exposure_id;
	int32_t last_exposure;
	bool close_contact;         /* hop 1 inside the window, unprotected */
	int64_t observation_id;     /* their open observation, or 0 */
	int32_t observation_end;
};

int app_case_contacts(app_t *a, const actor_t *actor, int64_t case_id, int hops,
		      struct contact **out, size_t *n, struct fk_error *err) FK_MUST_CHECK;

/* Observation ---------------------------------------------------------------------- */

int app_observation_list(app_t *a, const actor_t *actor, struct observation_query *q,
			 observation_t **out, size_t *n, bool *more) FK_MUST_CHECK;
int app_observation_get(app_t *a, const actor_t *actor, int64_t id, observation_t *out,
			struct fk_error *err) FK_MUST_CHECK;
/* Move the end date.  Earlier than now set only with a reason. */
int app_observation_extend(app_t *a, const actor_t *actor, int64_t id, int32_t end_date,
			   const char *reason, observation_t *out,
			   struct fk_error *err) FK_MUST_CHECK;
/* Release: from the end date on, or earlier with a reason; refused
 * while a suspected-case review of the subject is open. */
int app_observation_release(app_t *a, const actor_t *actor, int64_t id, const char *reason,
			    observation_t *out, struct fk_error *err) FK_MUST_CHECK;
/* Fill a follow-up slot; a fever or a symptom raises a review. */
int app_followup_fill(app_t *a, const actor_t *actor, followup_t *f,
		      struct fk_error *err) FK_MUST_CHECK;
int app_followups_missed(app_t *a, const actor_t *actor, int32_t date, const char *slot,
			 followup_t **out, size_t *n) FK_MUST_CHECK;

/* Inside a daily report's write job: if the person is under observation,
 * the report fills today's follow-up slot (morning before 12:00 CST, else
 * evening) and an abnormal one raises a review.  Never fails the report
 * for a missing slot. */
int app__observation_checkin(store_tx_t *tx, const actor_t *actor, const report_rec_t *rec,
			     const policy_t *pol) FK_MUST_CHECK;

/* Inside a write job: open (or extend) a registry person's observation
 * for `why` ("arrival"), registering them in case management if needed. */
int app__observe_person(store_tx_t *tx, const actor_t *actor, const person_t *p, const char *why,
			int32_t last_exposure, int32_t end, bool *opened) FK_MUST_CHECK;

int app_review_list(app_t *a, const actor_t *actor, bool open_only, review_t **out,
		    size_t *n) FK_MUST_CHECK;
/* Resolve a review: outcome "case_opened" (with the case's id) or
 * "dismissed". */
int app_review_resolve(app_t *a, const actor_t *actor, int64_t id, const char *outcome,
		       int64_t case_id, struct fk_error *err) FK_MUST_CHECK;

/* The health code with cases and observation: the worst of the daily
 * code (app_health_code), the case code and the open observation. */
void app__code_merge(health_code_t *code, const health_code_t *other);
int app__case_code_of_person(app_t *a, const char *person_id, int32_t date,
			     health_code_t *out) FK_MUST_CHECK;

/* Transmission chains ---------------------------------------------------------------- */

struct chain_case {
	int64_t case_id;
	int64_t subject_id;
	char name[PERSON_NAME_BUF];
	enum case_class classification;
	int32_t onset;             /* or sampling, or report: the date used */
	int32_t report;
	int64_t infector_case;     /* most likely source among linked cases, or 0 */
	int generation;            /* 1 for a chain's first case */
	int chain;                 /* chain number (1..), 0 if alone */
	bool known_contact;        /* was under observation before being reported */
};

struct chain {
	int id;
	int size;
	int32_t first, last;       /* report dates */
	bool cluster;              /* >= policy cluster_min_cases within the window */
	int generations;
};

struct chains {
	struct chain_case *cases;
	size_t n_cases;
	struct chain *chains;
	size_t n_chains;
	/* indicators over the new cases of [from, to] (by report date) */
	int64_t new_cases;
	int64_t new_known_contacts;
	int64_t new_in_chains;
	int64_t new_no_source;
};

/* Chains among confirmed-type cases (confirmed, clinical, asymptomatic,
 * recovered, died) in the actor's scope, with indicators for [from, to]. */
int app_chains(app_t *a, const actor_t *actor, int32_t from, int32_t to, struct chains *out) FK_MUST_CHECK;
void chains_free(struct chains *c);

#endif

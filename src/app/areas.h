/*
 * areas.h -- app layer: regional risk (分区分级) and the zoned, graded
 * return to work (精准复工复产): grading the case series into risk
 * levels with their history, officials' overrides, provincial response
 * levels, and who may work on site.  RULES.md §4, §5.3, §7.
 *
 * Who may do what:
 *   any signed-in role  read risk levels, their history and response levels
 *   official            grade, override (their region prefix), set response levels
 *   office              approve resumption plans; the return-to-work view of everyone
 *   dept_head           submit plans and see the return-to-work view of their subtree
 */
#ifndef AREAS_H
#define AREAS_H

#include "app.h"

/* The level in force for a region on date: its newest override still
 * running, else its newest computed level; a county with no level of its
 * own takes its city's, then its province's.  FK_ENOTFOUND if none. */
int app_risk_of(app_t *a, const char *region_code, int32_t date, risk_change_t *out) FK_MUST_CHECK;

/* Every region's level on date (under region_prefix, or all). */
int app_risk_current(app_t *a, const actor_t *actor, const char *region_prefix, int32_t date,
		     risk_change_t **out, size_t *n) FK_MUST_CHECK;
int app_risk_history(app_t *a, const actor_t *actor, const char *region_code,
		     risk_change_t **out, size_t *n) FK_MUST_CHECK;

/* An official sets a region's level for a reason, until a day (0: until
 * revoked by a later override or computed change... see areas.c). */
int app_risk_override(app_t *a, const actor_t *actor, risk_change_t *c,
		      struct fk_error *err) FK_MUST_CHECK;

struct grade_report {
	int64_t regions;           /* regions graded */
	int64_t days;              /* days graded */
	int64_t changes;           /* level changes stored */
	int64_t low, medium, high; /* on the last day */
};

/* Grade every region with a series, every day from..to, under `rule`
 * (NULL: the default county-2020-02), from the sources named (NULL: all),
 * storing each change of level with its reason. */
int app_risk_grade(app_t *a, const actor_t *actor, int32_t from, int32_t to, const char *rule,
		   const char *source, struct grade_report *rep,
		   struct fk_error *err) FK_MUST_CHECK;

int app_response_set(app_t *a, const actor_t *actor, response_level_t *r,
		     struct fk_error *err) FK_MUST_CHECK;
int app_response_history(app_t *a, const actor_t *actor, const char *province_code,
			 response_level_t **out, size_t *n) FK_MUST_CHECK;

/* Resumption plans ------------------------------------------------------------- */

int app_plan_submit(app_t *a, const actor_t *actor, resumption_plan_t *p,
		    struct fk_error *err) FK_MUST_CHECK;
int app_plan_decide(app_t *a, const actor_t *actor, int64_t id, bool approve, const char *note,
		    resumption_plan_t *out, struct fk_error *err) FK_MUST_CHECK;
int app_plan_list(app_t *a, const actor_t *actor, resumption_plan_t **out,
		  size_t *n) FK_MUST_CHECK;

/* Return to work ------------------------------------------------------------------- */

#define RTW_REASONS 6
struct rtw_person {
	person_t person;
	bool on_site;                     /* may work on site today */
	char reasons[RTW_REASONS][48];    /* codes of what keeps them off site */
	int n_reasons;
	char where[REGION_CODE_LEN + 1];  /* where they are (report, else registry) */
	char where_level[8];              /* its risk level, "" if none */
};

struct rtw_department {
	int64_t department_id;
	char name[DEPARTMENT_NAME_BUF];
	int64_t people;
	int64_t eligible;                 /* may work on site */
	int cap_percent;                  /* approved plan's cap, 0 if no plan */
	int64_t allowed;                  /* min(eligible, cap of people) */
	int32_t plan_start;               /* approved plan's start, 0 if none */
};

struct rtw {
	int32_t date;
	struct rtw_person *people;
	size_t n_people;
	struct rtw_department *departments;
	size_t n_departments;
};

/* Who may work on site on date, in the actor's scope (dept_head, office). */
int app_return_to_work(app_t *a, const actor_t *actor, int32_t date, struct rtw *out) FK_MUST_CHECK;
void rtw_free(struct rtw *r);

/* Inside a report's write job: an arrival from (or a stay in) a medium-
 * or high-risk region opens a medical observation (reason "arrival").
 * *opened tells whether one was opened. */
int app__arrival_check(app_t *a, store_tx_t *tx, const actor_t *actor, const report_rec_t *rec,
		       const policy_t *pol, bool *opened) FK_MUST_CHECK;

#endif

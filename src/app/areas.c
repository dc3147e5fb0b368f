/*
 * areas.c -- app layer: regional risk levels, overrides, response levels,
 * resumption plans and the return to work.  See areas.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_impl.h"
#include "areas.h"
#include "cases.h"
#include "core/date.h"
#include "core/risk.h"
#include "core/text.h"

static const int level_rank_of[3] = {0, 1, 2};

static int
level_rank(const char *level)
{
	if (strcmp(level, "high") == 0)
		return level_rank_of[2];
	if (strcmp(level, "medium") == 0)
		return level_rank_of[1];
	return level_rank_of[0];
}

static bool
is_official(const actor_t *actor)
{
	return actor->cli || actor->user.role == ROLE_OFFICIAL;
}

static void
by_of(const actor_t *actor, char *by, size_t cap)
{
	snprintf(by, cap, "%s%s", actor->cli ? "cli:" : "", actor->user.username);
}

/* The level of exactly this code on date: an override running on date
 * (until 0, or not before date) wins over the computed one -- the same
 * rule as app_risk_current(). */
static int
level_of_code(app_t *a, const char *code, int32_t date, risk_change_t *out)
{
	risk_change_t ov;
	int rc = store_risk_latest(a->store, code, date, true, &ov);
	if (rc == 0 && (ov.override_until == 0 || ov.override_until >= date)) {
		*out = ov;
		return 0;
	}
	if (rc && rc != FK_ENOTFOUND)
		return rc;
	return store_risk_latest(a->store, code, date, false, out);
}

int
app_risk_of(app_t *a, const char *code, int32_t date, risk_change_t *out)
{
	char up[REGION_CODE_LEN + 1];
	int rc;

	if (!region_code_well_formed(code))
		return FK_EINVAL;
	rc = level_of_code(a, code, date, out);
	if (rc != FK_ENOTFOUND)
		return rc;
	/* a county with no level of its own: its city's, then its province's */
	snprintf(up, sizeof up, "%.4s00", code);
	if (strcmp(up, code) != 0 && (rc = level_of_code(a, up, date, out)) != FK_ENOTFOUND)
		return rc;
	snprintf(up, sizeof up, "%.2s0000", code);
	if (strcmp(up, code) != 0)
		return level_of_code(a, up, date, out);
	return FK_ENOTFOUND;
}

int
app_risk_current(app_t *a, const actor_t *actor, const char *prefix, int32_t date,
		 risk_change_t **out, size_t *n)
{
	risk_change_t *all = NULL;
	size_t k = 0, m = 0;
	int rc;

	(void)actor; /* area levels are published information */
	*out = NULL;
	*n = 0;
	rc = store_risk_current(a->store, prefix, date, &all, &k);
	if (rc)
		return rc;
	/* one row per region: a running override replaces the computed level */
	for (size_t i = 0; i < k; i++) {
		bool replaced = false;
		if (!all[i].override) {
			for (size_t j = 0; j < k; j++)
				if (all[j].override && strcmp(all[j].region_code, all[i].region_code) == 0 &&
				    (all[j].override_until == 0 || all[j].override_until >= date))
					replaced = true;
		} else if (all[i].override_until && all[i].override_until < date) {
			replaced = true;
		}
		if (!replaced)
			all[m++] = all[i];
	}
	*out = all;
	*n = m;
	return 0;
}

int
app_risk_history(app_t *a, const actor_t *actor, const char *code, risk_change_t **out, size_t *n)
{
	(void)actor;
	if (!region_code_well_formed(code))
		return FK_EINVAL;
	return store_risk_history(a->store, code, out, n);
}

struct change_job {
	const actor_t *actor;
	risk_change_t *c;
};

static int
override_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct change_job *j = arg;
	int rc = store_tx_risk_insert(tx, j->c);
	if (rc)
		return fk_error_set(err, rc, "", "cannot store the level");
	rc = app_audit_tx(tx, j->actor, "update", "risk_level", j->c->region_code, j->c->reason);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

int
app_risk_override(app_t *a, const actor_t *actor, risk_change_t *c, struct fk_error *err)
{
	struct change_job j = {actor, c};
	region_t g;
	size_t len = strlen(c->reason);

	if (!is_official(actor))
		return fk_error_set(err, FK_EPERM, "", "officials set risk levels");
	if (store_region_get(a->store, c->region_code, &g))
		return fk_error_set(err, FK_EINVAL, "region_code",
				    "region_code %s is not in the division lists", c->region_code);
	if (!actor->cli && strncmp(c->region_code, actor->user.region_prefix,
				   strlen(actor->user.region_prefix)) != 0)
		return fk_error_set(err, FK_EPERM, "region_code", "the region is outside yours");
	if (strcmp(c->level, "low") && strcmp(c->level, "medium") && strcmp(c->level, "high"))
		return fk_error_set(err, FK_EINVAL, "level", "level is low, medium or high");
	if (len == 0 || !text_utf8_valid(c->reason, len) || text_utf8_chars(c->reason) > 200)
		return fk_error_set(err, FK_EINVAL, "reason",
				    "an override needs a reason (at most 200 characters)");
	if (c->date == 0)
		c->date = app_today();
	if (c->override_until && c->override_until < c->date)
		return fk_error_set(err, FK_EINVAL, "until", "until is before the date");
	c->override = true;
	snprintf(c->rule, sizeof c->rule, "override");
	by_of(actor, c->by, sizeof c->by);
	c->at = app_now();
	return store_write(a->store, override_job, &j, err);
}

/* ---- response levels ------------------------------------------------------------ */

struct response_job {
	const actor_t *actor;
	response_level_t *r;
};

static int
response_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct response_job *j = arg;
	char detail[32];
	int rc = store_tx_response_insert(tx, j->r);
	if (rc)
		return fk_error_set(err, rc, "", "cannot store the response level");
	snprintf(detail, sizeof detail, "level %d", j->r->level);
	rc = app_audit_tx(tx, j->actor, "update", "response", j->r->province_code, detail);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

int
app_response_set(app_t *a, const actor_t *actor, response_level_t *r, struct fk_error *err)
{
	struct response_job j = {actor, r};
	region_t g;

	if (!is_official(actor))
		return fk_error_set(err, FK_EPERM, "", "officials set response levels");
	if (store_region_get(a->store, r->province_code, &g) || strcmp(g.level, "province") != 0)
		return fk_error_set(err, FK_EINVAL, "province_code", "province_code must be a province");
	/* only an official over the whole province (prefix of at most 2 digits) */
	if (!actor->cli && (strlen(actor->user.region_prefix) > 2 ||
			    strncmp(r->province_code, actor->user.region_prefix,
				    strlen(actor->user.region_prefix)) != 0))
		return fk_error_set(err, FK_EPERM, "province_code",
				    "only an official of the whole province sets its response level");
	if (r->level < 0 || r->level > 4)
		return fk_error_set(err, FK_EINVAL, "level", "level is 1 (I) to 4 (IV), or 0 (ended)");
	if (r->date == 0)
		r->date = app_today();
	if (r->date > app_today())
		return fk_error_set(err, FK_EINVAL, "date", "date is in the future");
	if (!text_utf8_valid(r->note, strlen(r->note)) || text_utf8_chars(r->note) > 200)
		return fk_error_set(err, FK_EINVAL, "note", "note is at most 200 characters of text");
	by_of(actor, r->by, sizeof r->by);
	r->at = app_now();
	return store_write(a->store, response_job, &j, err);
}

int
app_response_history(app_t *a, const actor_t *actor, const char *province, response_level_t **out,
		     size_t *n)
{
	(void)actor;
	return store_response_history(a->store, province, out, n);
}

/* ---- resumption plans ------------------------------------------------------------- */

struct plan_job {
	const actor_t *actor;
	resumption_plan_t *p;
	bool decide;
};

static int
plan_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct plan_job *j = arg;
	char id[24];
	int rc = j->decide ? store_tx_plan_decide(tx, j->p) : store_tx_plan_insert(tx, j->p);
	if (rc == FK_ECONFLICT)
		return fk_error_set(err, rc, "id", "the plan was already decided");
	if (rc)
		return fk_error_set(err, rc, "", "cannot store the plan");
	snprintf(id, sizeof id, "%lld", (long long)j->p->id);
	rc = app_audit_tx(tx, j->actor, j->decide ? "update" : "create", "plan", id, j->p->status);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

int
app_plan_submit(app_t *a, const actor_t *actor, resumption_plan_t *p, struct fk_error *err)
{
	struct plan_job j = {actor, p, false};
	department_t d;

	if (!actor->cli && actor->user.role != ROLE_OFFICE && actor->user.role != ROLE_DEPT_HEAD)
		return fk_error_set(err, FK_EPERM, "", "department heads and the office plan resumption");
	if (store_department_get(a->store, p->department_id, &d))
		return fk_error_set(err, FK_EINVAL, "department_id", "no department %lld",
				    (long long)p->department_id);
	if (!actor->cli && actor->user.role == ROLE_DEPT_HEAD &&
	    strncmp(d.path, actor->dept_path, strlen(actor->dept_path)) != 0)
		return fk_error_set(err, FK_EPERM, "department_id", "not one of your departments");
	if (p->cap_percent < 1 || p->cap_percent > 100)
		return fk_error_set(err, FK_EINVAL, "cap_percent",
				    "cap_percent is 1 to 100 (e.g. 50 for 1/2, 33 for 1/3)");
	if (p->start_date == 0)
		return fk_error_set(err, FK_EINVAL, "start_date", "start_date is required");
	if (!text_utf8_valid(p->note, strlen(p->note)) || text_utf8_chars(p->note) > 200)
		return fk_error_set(err, FK_EINVAL, "note", "note is at most 200 characters of text");
	snprintf(p->status, sizeof p->status, "submitted");
	by_of(actor, p->by, sizeof p->by);
	p->created_at = app_now();
	return store_write(a->store, plan_job, &j, err);
}

int
app_plan_decide(app_t *a, const actor_t *actor, int64_t id, bool approve, const char *note,
		resumption_plan_t *out, struct fk_error *err)
{
	struct plan_job j = {actor, out, true};
	int rc;

	if (!actor->cli && actor->user.role != ROLE_OFFICE)
		return fk_error_set(err, FK_EPERM, "", "the office approves resumption plans");
	rc = store_plan_get(a->store, id, out);
	if (rc)
		return fk_error_set(err, rc, "id", "no plan %lld", (long long)id);
	if (note && (!text_utf8_valid(note, strlen(note)) || text_utf8_chars(note) > 200))
		return fk_error_set(err, FK_EINVAL, "note", "note is at most 200 characters of text");
	snprintf(out->status, sizeof out->status, "%s", approve ? "approved" : "rejected");
	by_of(actor, out->decided_by, sizeof out->decided_by);
	out->decided_at = app_now();
	snprintf(out->decision_note, sizeof out->decision_note, "%s", note ? note : "");
	rc = store_write(a->store, plan_job, &j, err);
	if (rc == 0)
		rc = store_plan_get(a->store, id, out);
	return rc;
}

int
app_plan_list(app_t *a, const actor_t *actor, resumption_plan_t **out, size_t *n)
{
	const char *path = NULL;
	if (!actor->cli) {
		if (actor->user.role == ROLE_DEPT_HEAD)
			path = actor->dept_path;
		else if (actor->user.role != ROLE_OFFICE)
			return FK_EPERM;
	}
	return store_plan_list(a->store, path, out, n);
}

/* ---- return to work ------------------------------------------------------------------ */

static void
add_reason(struct rtw_person *p, const char *code)
{
	if (p->n_reasons < RTW_REASONS)
		snprintf(p->reasons[p->n_reasons++], sizeof p->reasons[0], "%s", code);
}

static bool
has_action(const char *assessment_json, const char *code)
{
	char needle[48];
	snprintf(needle, sizeof needle, "\"code\":\"%s\"", code);
	return strstr(assessment_json, needle) != NULL;
}

int
app_return_to_work(app_t *a, const actor_t *actor, int32_t date, struct rtw *out)
{
	struct person_query q = {0};
	struct report_query rq = {.status = -1};
	person_t *people = NULL;
	report_rec_t *reps = NULL;
	resumption_plan_t *plans = NULL;
	department_t *deps = NULL;
	size_t np = 0, nr = 0, nplans = 0, nd = 0;
	int rc;

	memset(out, 0, sizeof *out);
	out->date = date;
	if (!actor->cli && actor->user.role != ROLE_OFFICE && actor->user.role != ROLE_DEPT_HEAD)
		return FK_EPERM;
	app__scope_query(actor, &q);
	rq.from = rq.to = date;
	rq.dept_path = q.dept_path;
	if ((rc = store_person_list(a->store, &q, &people, &np)) ||
	    (rc = store_report_list(a->store, &rq, &reps, &nr)) ||
	    (rc = store_plan_list(a->store, q.dept_path, &plans, &nplans)) ||
	    (rc = store_department_list(a->store, &deps, &nd)))
		goto out;
	out->people = calloc(np ? np : 1, sizeof *out->people);
	out->departments = calloc(nd ? nd : 1, sizeof *out->departments);
	if (out->people == NULL || out->departments == NULL) {
		rc = FK_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < np; i++) {
		struct rtw_person *x = &out->people[out->n_people++];
		const report_rec_t *rep = NULL;
		risk_change_t lvl;
		subject_t sub;
		observation_t obs;

		x->person = people[i];
		for (size_t k = 0; k < nr; k++)
			if (strcmp(reps[k].r.person_id, people[i].id) == 0)
				rep = &reps[k];
		snprintf(x->where, sizeof x->where, "%s", rep ? rep->r.region_code : people[i].region_code);
		/* R7.3: normal temperature and no symptoms today */
		if (rep == NULL)
			add_reason(x, "no_report_today");
		else if (rep->status != STATUS_GREEN)
			add_reason(x, rep->status == STATUS_RED ? "status_red" : "status_yellow");
		if (rep && has_action(rep->assessment, "stay_in_place"))
			add_reason(x, "stay_in_place");
		if (rep && has_action(rep->assessment, "await_school_notice"))
			add_reason(x, "await_school_notice");
		/* under medical observation */
		if (store_subject_by_person(a->store, people[i].id, &sub) == 0 &&
		    store_observation_open_of(a->store, sub.id, &obs) == 0 && obs.start_date <= date &&
		    obs.end_date > date)
			add_reason(x, "under_observation");
		/* where they are: a medium or high-risk area keeps them away */
		if (app_risk_of(a, x->where, date, &lvl) == 0) {
			snprintf(x->where_level, sizeof x->where_level, "%s", lvl.level);
			if (level_rank(lvl.level) > 0)
				add_reason(x, level_rank(lvl.level) == 2 ? "in_high_risk_area"
									   : "in_medium_risk_area");
		}
		/* where they came from within 14 days */
		for (int t = 0; rep && t < rep->r.n_travel; t++)
			if (app_risk_of(a, rep->r.travel_regions[t], date, &lvl) == 0 &&
			    level_rank(lvl.level) > 0) {
				add_reason(x, "came_from_risk_area");
				break;
			}
		x->on_site = x->n_reasons == 0;
	}
	for (size_t d = 0; d < nd; d++) {
		if (q.dept_path && strncmp(deps[d].path, q.dept_path, strlen(q.dept_path)) != 0)
			continue;
		struct rtw_department *y = &out->departments[out->n_departments++];
		y->department_id = deps[d].id;
		snprintf(y->name, sizeof y->name, "%s", deps[d].name);
		for (size_t i = 0; i < out->n_people; i++) {
			if (out->people[i].person.department_id != deps[d].id)
				continue;
			y->people++;
			y->eligible += out->people[i].on_site;
		}
		/* the newest approved plan in force (plans come newest first) */
		for (size_t k = 0; k < nplans; k++)
			if (plans[k].department_id == deps[d].id && strcmp(plans[k].status, "approved") == 0 &&
			    plans[k].start_date <= date) {
				y->cap_percent = plans[k].cap_percent;
				y->plan_start = plans[k].start_date;
				break;
			}
		int64_t cap = y->cap_percent ? y->people * y->cap_percent / 100 : 0;
		y->allowed = y->eligible < cap ? y->eligible : cap;
	}
out:
	free(people);
	free(reps);
	free(plans);
	free(deps);
	if (rc)
		rtw_free(out);
	return rc;
}

void
rtw_free(struct rtw *r)
{
	if (r == NULL)
		return;
	free(r->people);
	free(r->departments);
	r->people = NULL;
	r->departments = NULL;
	r->n_people = r->n_departments = 0;
}

/* ---- arrivals ------------------------------------------------------------------------ */

int
app__arrival_check(app_t *a, store_tx_t *tx, const actor_t *actor, const report_rec_t *rec,
		   const policy_t *pol, bool *opened)
{
	risk_change_t lvl;
	person_t p;
	bool risky = false;
	int rc;

	*opened = false;
	for (int t = 0; t < rec->r.n_travel && !risky; t++)
		risky = app_risk_of(a, rec->r.travel_regions[t], rec->r.date, &lvl) == 0 &&
			level_rank(lvl.level) > 0;
	if (!risky)
		return 0;
	rc = store_tx_person_get(tx, rec->r.person_id, &p);
	if (rc)
		return rc;
	return app__observe_person(tx, actor, &p, "arrival", rec->r.date,
				   observation_end_for(rec->r.date, pol), opened);
}

/* ---- grading ------------------------------------------------------------------------ */

struct grade_job {
	app_t *app;
	const actor_t *actor;
	const struct risk_rule *rule;
	char (*codes)[REGION_CODE_LEN + 1];
	size_t n_regions;
	int32_t from, to;
	const uint8_t *levels;
	const struct risk_grade *grades;
	const uint8_t *parent_of;       /* per region: 1 if a city whose districts are listed */
	const uint8_t *is_district;     /* per region: 1 if an urban district (区) */
	series_day_t *own;              /* the cases registered here, by report date */
	size_t n_own;
	int32_t own_from, own_to;
	struct grade_report *rep;
};

/* Level of region r on day index t after "a city takes the highest of
 * its districts" (R4.1), and the district that set it (or -1). */
static int
effective_level(const struct grade_job *j, size_t r, size_t t, size_t days, int *from_district)
{
	int lv = j->levels[r * days + t];
	*from_district = -1;
	if (!j->rule->city_takes_highest || !j->parent_of[r])
		return lv;
	for (size_t k = 0; k < j->n_regions; k++) {
		/* R4.1: the urban districts (区) of the city, not its counties */
		if (k == r || !j->is_district[k] || strncmp(j->codes[k], j->codes[r], 4) != 0)
			continue;
		if (j->levels[k * days + t] > lv) {
			lv = j->levels[k * days + t];
			*from_district = (int)k;
		}
	}
	return lv;
}

static int
grade_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct grade_job *j = arg;
	size_t days = (size_t)(j->to - j->from + 1);
	int rc;

	/* cases registered here feed the series as the source "fangkong" */
	if (j->n_own || j->own_to >= j->own_from) {
		rc = store_tx_series_replace(tx, "fangkong", j->own_from, j->own_to, j->own, j->n_own);
		if (rc)
			return fk_error_set(err, rc, "", "cannot store the cases' series");
	}
	for (size_t r = 0; r < j->n_regions; r++) {
		risk_change_t prev;
		int last = -1;
		/* grading a range again replaces what was computed for it; only
		 * what differs from before counts as a change */
		risk_change_t *before = NULL;
		size_t nb = 0;
		if (store_risk_history(j->app->store, j->codes[r], &before, &nb))
			nb = 0;
		if ((rc = store_tx_risk_clear(tx, j->codes[r], j->from, j->to))) {
			free(before);
			return fk_error_set(err, rc, "", "cannot replace the levels");
		}
		if (store_tx_risk_latest(tx, j->codes[r], j->from - 1, false, &prev) == 0)
			last = level_rank(prev.level);
		for (size_t t = 0; t < days; t++) {
			int district;
			int lv = effective_level(j, r, t, days, &district);
			if (lv == last)
				continue;
			risk_change_t c = {0};
			char zh[RISK_REASON_BUF], en[RISK_REASON_BUF];
			const struct risk_grade *g = &j->grades[(district >= 0 ? (size_t)district : r) * days + t];
			snprintf(c.region_code, sizeof c.region_code, "%s", j->codes[r]);
			c.date = j->from + (int32_t)t;
			snprintf(c.level, sizeof c.level, "%s", risk_level_name((enum risk_level)lv));
			snprintf(c.rule, sizeof c.rule, "%s", j->rule->name);
			risk_reason(j->rule, c.date, g, RISK_LANG_ZH, zh);
			risk_reason(j->rule, c.date, g, RISK_LANG_EN, en);
			/* both reasons whole (each < RISK_REASON_BUF; the field holds both) */
			if (district >= 0)
				snprintf(c.reason, sizeof c.reason, "辖区最高：%s %s / highest of its districts: %s %s",
					 j->codes[district], zh, j->codes[district], en);
			else
				snprintf(c.reason, sizeof c.reason, "%s / %s", zh, en);
			snprintf(c.by, sizeof c.by, "%s%s", j->actor->cli ? "cli:" : "",
				 j->actor->user.username);
			c.at = app_now();
			if ((rc = store_tx_risk_insert(tx, &c))) {
				free(before);
				return fk_error_set(err, rc, "", "cannot store a risk level");
			}
			bool known = false;
			for (size_t b = 0; b < nb && !known; b++)
				known = !before[b].override && before[b].date == c.date &&
					strcmp(before[b].level, c.level) == 0;
			j->rep->changes += !known;
			last = lv;
		}
		free(before);
		if (last == 2)
			j->rep->high++;
		else if (last == 1)
			j->rep->medium++;
		else
			j->rep->low++;
	}
	{
		char detail[96];
		char d1[DATE_STR_LEN], d2[DATE_STR_LEN];
		snprintf(detail, sizeof detail, "%s %s..%s, %lld changes", j->rule->name,
			 date_format(j->from, d1), date_format(j->to, d2), (long long)j->rep->changes);
		rc = app_audit_tx(tx, j->actor, "update", "risk_level", "", detail);
	}
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

/* The series of the cases registered here: confirmed, clinical and
 * (separately) asymptomatic cases by report date and region. */
int
app__own_series(app_t *a, series_day_t **out, size_t *n, int32_t *from, int32_t *to)
{
	struct case_query q = {.classification = -1};
	case_rec_t *cs = NULL;
	size_t k = 0, len = 0;
	int rc = store_case_list(a->store, &q, &cs, &k);

	*out = NULL;
	*n = 0;
	*from = INT32_MAX;
	*to = INT32_MIN;
	if (rc)
		return rc;
	series_day_t *rows = calloc(k ? k : 1, sizeof *rows);
	if (rows == NULL) {
		free(cs);
		return FK_ENOMEM;
	}
	for (size_t i = 0; i < k; i++) {
		enum case_class c = cs[i].classification;
		bool confirmed = c == CASE_CONFIRMED || c == CASE_CLINICAL || c == CASE_RECOVERED ||
				 c == CASE_DIED;
		if (!confirmed && c != CASE_ASYMPTOMATIC)
			continue;
		size_t m;
		for (m = 0; m < len; m++)
			if (rows[m].date == cs[i].dates.report &&
			    strcmp(rows[m].region_code, cs[i].region_code) == 0)
				break;
		if (m == len) {
			snprintf(rows[len].source, sizeof rows[len].source, "fangkong");
			snprintf(rows[len].region_code, sizeof rows[len].region_code, "%s",
				 cs[i].region_code);
			rows[len].date = cs[i].dates.report;
			len++;
		}
		if (confirmed)
			rows[m].new_confirmed++;
		else
			rows[m].new_asymptomatic++;
		if (cs[i].dates.report < *from)
			*from = cs[i].dates.report;
		if (cs[i].dates.report > *to)
			*to = cs[i].dates.report;
	}
	free(cs);
	*out = rows;
	*n = len;
	return 0;
}

int
app_risk_grade(app_t *a, const actor_t *actor, int32_t from, int32_t to, const char *rule_name,
	       const char *source, struct grade_report *rep, struct fk_error *err)
{
	struct risk_rule rule;
	struct grade_job j = {.app = a, .actor = actor, .rule = &rule, .from = from, .to = to,
			      .rep = rep};
	series_day_t *rows = NULL;
	struct risk_series *ser = NULL;
	uint8_t *levels = NULL, *parent_of = NULL, *is_district = NULL;
	struct risk_grade *grades = NULL;
	char (*codes)[REGION_CODE_LEN + 1] = NULL;
	size_t n = 0, nr = 0;
	int32_t first = to;
	int rc;

	memset(rep, 0, sizeof *rep);
	if (!is_official(actor))
		return fk_error_set(err, FK_EPERM, "", "officials grade areas");
	if ((rc = risk_rule_get(rule_name ? rule_name : RISK_RULE_DEFAULT, &rule, err)))
		return rc;
	if (from > to)
		return fk_error_set(err, FK_EINVAL, "to", "to is before from");
	if (to - from >= 400)
		return fk_error_set(err, FK_EINVAL, "to", "grade at most 400 days at a time");
	if (to > app_today())
		return fk_error_set(err, FK_EINVAL, "to", "to is in the future");
	/* the cases registered here, as their own source */
	if ((rc = app__own_series(a, &j.own, &j.n_own, &j.own_from, &j.own_to)))
		return fk_error_set(err, rc, "", "cannot read cases");
	if (j.n_own == 0)
		j.own_from = 1, j.own_to = 0;
	/* every row up to `to` (cumulative counts need the whole past); the
	 * cases registered here are counted fresh, not from the last snapshot */
	if (source && strcmp(source, "fangkong") == 0)
		rc = store_series_list(a->store, "\x01none", NULL, 0, to, &rows, &n);
	else
		rc = store_series_list(a->store, source, NULL, 0, to, &rows, &n);
	if (rc) {
		fk_error_set(err, rc, "", "cannot read the series");
		goto out;
	}
	if (source && strcmp(source, "fangkong") != 0) {
		/* a named source must exist */
		struct series_source *srcs = NULL;
		size_t ns = 0;
		bool known = false;
		if (store_series_sources(a->store, &srcs, &ns) == 0)
			for (size_t i = 0; i < ns; i++)
				known |= strcmp(srcs[i].source, source) == 0;
		free(srcs);
		if (!known) {
			rc = fk_error_set(err, FK_EINVAL, "source", "no series was imported as '%s'",
					  source);
			goto out;
		}
	}
	/* the cases here count too unless another source was named */
	if ((source == NULL || strcmp(source, "fangkong") == 0) && j.n_own) {
		series_day_t *all = realloc(rows, (n + j.n_own) * sizeof *all);
		if (all == NULL) {
			rc = fk_error_set(err, FK_ENOMEM, "", NULL);
			goto out;
		}
		rows = all;
		for (size_t i = 0; i < j.n_own; i++)
			if (j.own[i].date <= to)
				rows[n++] = j.own[i];
	}
	/* distinct regions and the first day */
	codes = calloc(n ? n : 1, sizeof *codes);
	if (codes == NULL) {
		rc = fk_error_set(err, FK_ENOMEM, "", NULL);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k;
		if (rows[i].date < first)
			first = rows[i].date;
		for (k = 0; k < nr; k++)
			if (strcmp(codes[k], rows[i].region_code) == 0)
				break;
		if (k == nr)
			memcpy(codes[nr++], rows[i].region_code, REGION_CODE_LEN + 1);
	}
	if (nr == 0) {
		rc = fk_error_set(err, FK_EINVAL, "from", "there is no series to grade: import one first");
		goto out;
	}
	if (first > from)
		first = from;
	if ((rc = risk_series_new(nr, first, to - first + 1, RISK_COL_CLUSTERS | RISK_COL_ASYMPTOMATIC,
				  &ser))) {
		fk_error_set(err, rc, "from", "the series is too long or too wide to grade");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < nr; k++)
			if (strcmp(codes[k], rows[i].region_code) == 0)
				break;
		size_t cell = k * (size_t)ser->n_days + (size_t)(rows[i].date - first);
		ser->confirmed[cell] += rows[i].new_confirmed;
		ser->clusters[cell] += rows[i].new_clusters;
		ser->asymptomatic[cell] += rows[i].new_asymptomatic;
	}
	size_t days = (size_t)(to - from + 1);
	levels = calloc(nr * days, 1);
	grades = calloc(nr * days, sizeof *grades);
	parent_of = calloc(nr, 1);
	is_district = calloc(nr, 1);
	if (levels == NULL || grades == NULL || parent_of == NULL || is_district == NULL) {
		rc = fk_error_set(err, FK_ENOMEM, "", NULL);
		goto out;
	}
	if ((rc = risk_grade_batch(ser, &rule, from, to, levels, grades, err)))
		goto out;
	/* urban districts (a county-level code named …区), and the cities
	 * (XXYY00, not a province) with districts graded too */
	for (size_t r = 0; r < nr; r++) {
		region_t g;
		size_t len;
		if (store_region_get(a->store, codes[r], &g) == 0 && strcmp(g.level, "county") == 0 &&
		    (len = strlen(g.name)) >= 3 && strcmp(g.name + len - 3, "区") == 0)
			is_district[r] = 1;
	}
	for (size_t r = 0; r < nr; r++) {
		if (strcmp(codes[r] + 4, "00") != 0 || strcmp(codes[r] + 2, "0000") == 0)
			continue;
		for (size_t k = 0; k < nr; k++)
			if (k != r && is_district[k] && strncmp(codes[k], codes[r], 4) == 0)
				parent_of[r] = 1;
	}
	j.codes = codes;
	j.n_regions = nr;
	j.levels = levels;
	j.grades = grades;
	j.parent_of = parent_of;
	j.is_district = is_district;
	rep->regions = (int64_t)nr;
	rep->days = (int64_t)days;
	rc = store_write(a->store, grade_job, &j, err);
out:
	free(rows);
	free(codes);
	free(levels);
	free(grades);
	free(parent_of);
	free(is_district);
	free(j.own);
	risk_series_free(ser);
	return rc;
}

/*
 * reports.c -- app layer: daily health reports, their assessment, the
 * health code, non-reporters, the dashboard and alerts.
 *
 * A submission is one write job: the previous version of the day, the
 * recent history (for data-quality flags and the health code) and the
 * request_id replay check are read inside it, so two submissions of the
 * same person cannot interleave.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_impl.h"
#include "areas.h"
#include "cases.h"
#include "core/date.h"

#define HISTORY_DAYS 30
#define BURST_WINDOW_S 600
#define BURST_REPORTS 5

/* ---- place ------------------------------------------------------------- */

static bool
municipality(const char *code)
{
	return strncmp(code, "11", 2) == 0 || strncmp(code, "12", 2) == 0 ||
	       strncmp(code, "31", 2) == 0 || strncmp(code, "50", 2) == 0;
}

/* place given the organisation's region (may be ""). */
static const char *
place_of(const char *org_region, const char *code)
{
	if (region_code_well_formed(org_region)) {
		size_t n = municipality(org_region) ? 2 : 4;
		if (strncmp(org_region, code, n) == 0)
			return "city";
	}
	return strncmp(code, "42", 2) == 0 ? "hubei" : "outside";
}

const char *
app_place_of(app_t *a, const char *region_code)
{
	char org[SETTING_VALUE_MAX] = "";
	if (store_setting_get(a->store, "org_region", org, sizeof org))
		org[0] = '\0';
	return place_of(org, region_code);
}

/* ---- assessment as stored JSON ---------------------------------------- */

static json_t *
texts(const char *zh, const char *en)
{
	return json_pack("{s:s, s:s}", "zh", zh, "en", en);
}

static int
assessment_json(const assessment_t *as, char *out, size_t cap)
{
	json_t *actions = json_array(), *o;
	char d[DATE_STR_LEN];
	char *s;
	int rc = 0;

	for (int i = 0; i < as->n_actions; i++) {
		const struct action *ac = &as->actions[i];
		json_t *x = json_pack("{s:s, s:o}", "code", ac->code, "text",
				      texts(ac->text_zh, ac->text_en));
		if (ac->until)
			json_object_set_new(x, "until", json_string(date_format(ac->until, d)));
		json_array_append_new(actions, x);
	}
	o = json_pack("{s:o, s:o, s:o}", "reason", texts(as->reason_zh, as->reason_en),
		      "back_to_green", texts(as->back_to_green_zh, as->back_to_green_en), "actions",
		      actions);
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (s == NULL || strlen(s) >= cap)
		rc = FK_ENOMEM;
	else
		memcpy(out, s, strlen(s) + 1);
	free(s);
	json_decref(o);
	return rc;
}

/* ---- data quality ------------------------------------------------------- */

static bool
same_answers(const report_t *a, const report_t *b)
{
	if (a->temp_dc != b->temp_dc || a->symptoms != b->symptoms ||
	    strcmp(a->symptoms_note, b->symptoms_note) || strcmp(a->region_code, b->region_code) ||
	    a->location != b->location || a->exposure != b->exposure ||
	    a->family_unwell != b->family_unwell || a->n_travel != b->n_travel ||
	    strcmp(a->note, b->note))
		return false;
	for (int i = 0; i < a->n_travel; i++)
		if (strcmp(a->travel_regions[i], b->travel_regions[i]))
			return false;
	return true;
}

static void
add_flag(char *flags, size_t cap, const char *flag)
{
	size_t n = strlen(flags);
	snprintf(flags + n, cap - n, "%s%s", n ? "," : "", flag);
}

/* ---- submission ------------------------------------------------------------ */

struct submit_job {
	app_t *app;
	const actor_t *actor;
	report_t *r;
	const person_t *person;
	const policy_t *policy;
	char org_region[REGION_CODE_LEN + 1];
	struct report_result *out;
};

/* Day statuses for the health code: history before r's date (current
 * versions), then r's own status. */
static void
code_after(const report_rec_t *hist, size_t n, const report_rec_t *now, const policy_t *pol,
	   health_code_t *code)
{
	struct day_status days[HISTORY_DAYS + 2];
	size_t k = 0;
	int32_t obs_end = now->observation_end;

	for (size_t i = 0; i < n && k < HISTORY_DAYS; i++) {
		if (hist[i].r.date >= now->r.date)
			continue;
		days[k].date = hist[i].r.date;
		days[k++].status = hist[i].status;
		if (hist[i].observation_end > obs_end)
			obs_end = hist[i].observation_end;
	}
	days[k].date = now->r.date;
	days[k++].status = now->status;
	health_code_compute(days, k, now->r.date, pol, obs_end, code);
}

static int
submit_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct submit_job *j = arg;
	report_rec_t *rec = &j->out->rec;
	report_rec_t *hist = NULL;
	size_t n = 0;
	int prev_temp = 0, rc;
	assessment_t *as = &j->out->assessment;

	/* a retry of a request already stored: answer with it */
	if (j->r->request_id[0]) {
		rc = store_tx_report_by_request(tx, j->r->person_id, j->r->request_id, rec);
		if (rc == 0) {
			j->out->replayed = true;
			rc = store_tx_report_recent(tx, rec->r.person_id, rec->r.date - HISTORY_DAYS,
						    rec->r.date, &hist, &n);
			if (rc == 0)
				code_after(hist, n, rec, j->policy, &j->out->code);
			free(hist);
			return rc ? fk_error_set(err, rc, "", "cannot read history") : 0;
		}
		if (rc != FK_ENOTFOUND)
			return fk_error_set(err, rc, "", "cannot read reports");
	}
	rc = store_tx_report_recent(tx, j->r->person_id, j->r->date - HISTORY_DAYS, j->r->date,
				    &hist, &n);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read history");
	if (n && hist[n - 1].r.date == j->r->date) {
		/* the highest earlier reading of the day: a second reading at
		 * or over the cut-off is a persisting fever, even with a
		 * normal one in between */
		report_rec_t *today = NULL;
		size_t nt = 0;
		rc = store_tx_report_versions(tx, j->r->person_id, j->r->date, &today, &nt);
		if (rc) {
			free(hist);
			return fk_error_set(err, rc, "", "cannot read today's reports");
		}
		for (size_t i = 0; i < nt; i++)
			if (today[i].r.temp_dc > prev_temp)
				prev_temp = today[i].r.temp_dc;
		free(today);
	}
	assess_report(j->r, j->person, j->policy, prev_temp, as);

	memset(rec, 0, sizeof *rec);
	rec->r = *j->r;
	rec->submitted_by = j->actor->cli ? 0 : j->actor->user.id;
	snprintf(rec->submitted_by_name, sizeof rec->submitted_by_name, "%s%s",
		 j->actor->cli ? "cli:" : "", j->actor->user.username);
	rec->on_behalf = j->actor->cli || strcmp(j->actor->user.person_id, j->r->person_id) != 0;
	rec->created_at = app_now();
	rec->status = as->status;
	snprintf(rec->rule, sizeof rec->rule, "%s", as->rule);
	snprintf(rec->policy_version, sizeof rec->policy_version, "%s", as->policy_version);
	rec->observation_end = as->observation_end;
	snprintf(rec->place, sizeof rec->place, "%s", place_of(j->org_region, j->r->region_code));
	snprintf(rec->person_name, sizeof rec->person_name, "%s", j->person->name);
	snprintf(rec->department, sizeof rec->department, "%s", j->person->department);
	if (assessment_json(as, rec->assessment, sizeof rec->assessment)) {
		free(hist);
		return fk_error_set(err, FK_ENOMEM, "", "cannot record the assessment");
	}

	/* data-quality flags: answers copied from the two days before */
	{
		const report_rec_t *d1 = NULL, *d2 = NULL;
		for (size_t i = 0; i < n; i++) {
			if (hist[i].r.date == j->r->date - 1)
				d1 = &hist[i];
			if (hist[i].r.date == j->r->date - 2)
				d2 = &hist[i];
		}
		if (d1 && d2 && same_answers(j->r, &d1->r) && same_answers(j->r, &d2->r))
			add_flag(rec->flags, sizeof rec->flags, "copied");
	}
	if (j->r->temp_dc < 355 || j->r->temp_dc > 420 ||
	    ((j->r->symptoms & SYM_BIT(SYM_FEVER)) && j->r->temp_dc < 370))
		add_flag(rec->flags, sizeof rec->flags, "implausible");
	if (j->r->location == LOC_WORKPLACE && region_code_well_formed(j->org_region) &&
	    strcmp(rec->place, "city") != 0)
		add_flag(rec->flags, sizeof rec->flags, "inconsistent");
	if (!j->actor->cli && j->actor->user.role == ROLE_STAFF) {
		int64_t recent = 0;
		rc = store_tx_report_count_by_submitter(tx, j->actor->user.id,
							rec->created_at - BURST_WINDOW_S, &recent);
		if (rc) {
			free(hist);
			return fk_error_set(err, rc, "", "cannot read reports");
		}
		if (recent + 1 >= BURST_REPORTS)
			add_flag(rec->flags, sizeof rec->flags, "burst");
	}

	code_after(hist, n, rec, j->policy, &j->out->code);
	free(hist);
	rec->health_code = j->out->code.colour;

	rc = store_tx_report_insert(tx, rec, j->person->department_id, err);
	if (rc)
		return rc;
	/* a person under medical observation checks in through the report */
	if ((rc = app__observation_checkin(tx, j->actor, rec, j->policy)))
		return fk_error_set(err, rc, "", "cannot record the observation follow-up");
	/* an arrival from a medium- or high-risk area is observed (R7.3) */
	{
		bool opened = false;
		if ((rc = app__arrival_check(j->app, tx, j->actor, rec, j->policy, &opened)))
			return fk_error_set(err, rc, "", "cannot open the arrival's observation");
	}

	if (rec->status != STATUS_GREEN) {
		alert_t al = {0};
		al.report_id = rec->r.id;
		snprintf(al.person_id, sizeof al.person_id, "%s", rec->r.person_id);
		snprintf(al.person_name, sizeof al.person_name, "%s", j->person->name);
		al.department_id = j->person->department_id;
		snprintf(al.department, sizeof al.department, "%s", j->person->department);
		al.date = rec->r.date;
		al.status = rec->status;
		snprintf(al.rule, sizeof al.rule, "%s", rec->rule);
		snprintf(al.reason, sizeof al.reason, "%s / %s", as->reason_zh, as->reason_en);
		al.created_at = rec->created_at;
		al.clinic_visited = al.community_informed = -1;
		if ((rc = store_tx_alert_insert(tx, &al)))
			return fk_error_set(err, rc, "", "cannot raise the alert");
		if ((rc = app__notify_alert(tx, &al)))
			return fk_error_set(err, rc, "", "cannot queue the alert's webhooks");
	}
	{
		char detail[96];
		char d[DATE_STR_LEN];
		snprintf(detail, sizeof detail, "report %lld, %s, version %d, %s",
			 (long long)rec->r.id, date_format(rec->r.date, d), rec->version,
			 status_name(rec->status));
		rc = app_audit_tx(tx, j->actor, "create", "report", rec->r.person_id, detail);
	}
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

/* Every code in r (where the person is, where they went) must exist. */
static int
check_regions(app_t *a, const report_t *r, struct fk_error *err)
{
	region_t g;
	int rc = store_region_get(a->store, r->region_code, &g);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, FK_EINVAL, "region_code",
				    "region_code %s is not in the administrative division lists",
				    r->region_code);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read regions");
	for (int i = 0; i < r->n_travel; i++) {
		rc = store_region_get(a->store, r->travel_regions[i], &g);
		if (rc == FK_ENOTFOUND)
			return fk_error_set(err, FK_EINVAL, "travel_regions",
					    "travel_regions[%d] %s is not in the division lists", i,
					    r->travel_regions[i]);
		if (rc)
			return fk_error_set(err, rc, "", "cannot read regions");
	}
	return 0;
}

int
app_report_submit(app_t *a, const actor_t *actor, report_t *r, bool date_given,
		  struct report_result *out, struct fk_error *err)
{
	struct submit_job j = {.app = a, .actor = actor, .r = r, .out = out};
	int32_t today = app_today();
	person_t person;
	char org[SETTING_VALUE_MAX] = "", d1[DATE_STR_LEN], d2[DATE_STR_LEN];
	bool staff = !actor->cli && actor->user.role == ROLE_STAFF;
	int rc;

	memset(out, 0, sizeof *out);
	if (!actor->cli && actor->user.role != ROLE_STAFF && actor->user.role != ROLE_OFFICE)
		return fk_error_set(err, FK_EPERM, "", "only a person themselves or the office reports");
	if (r->person_id[0] == '\0') {
		if (actor->cli || actor->user.person_id[0] == '\0')
			return fk_error_set(err, FK_EINVAL, "person_id",
					    "person_id is required (this login has no person)");
		snprintf(r->person_id, sizeof r->person_id, "%s", actor->user.person_id);
	}
	if (staff && strcmp(r->person_id, actor->user.person_id) != 0)
		return fk_error_set(err, FK_EPERM, "person_id",
				    "staff report for themselves; the office reports on behalf of others");
	if (!date_given)
		r->date = today;
	if (r->date > today)
		return fk_error_set(err, FK_EINVAL, "date", "date %s is in the future (today is %s)",
				    date_format(r->date, d1), date_format(today, d2));
	if (staff && r->date < today - 1)
		return fk_error_set(err, FK_EINVAL, "date",
				    "staff may report today or yesterday; ask the office for %s",
				    date_format(r->date, d1));
	if ((rc = report_validate(r, err)))
		return rc;
	j.policy = app_policy_for(a, r->date);
	if (j.policy == NULL)
		return fk_error_set(err, FK_EINVAL, "date", "no policy is in force on %s",
				    date_format(r->date, d1));
	rc = store_person_get(a->store, r->person_id, &person);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, staff ? FK_EPERM : FK_EINVAL, "person_id",
				    "no person '%s'", r->person_id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read people");
	if ((rc = check_regions(a, r, err)))
		return rc;
	if (store_setting_get(a->store, "org_region", org, sizeof org) == 0 &&
	    region_code_well_formed(org))
		memcpy(j.org_region, org, REGION_CODE_LEN + 1);
	j.person = &person;
	rc = store_write(a->store, submit_job, &j, err);
	if (rc == 0) {
		/* the code also counts cases and open observations */
		health_code_t cc;
		if (app__case_code_of_person(a, r->person_id, r->date, &cc) == 0)
			app__code_merge(&out->code, &cc);
	}
	return rc;
}

/* ---- reads -------------------------------------------------------------------- */

/* Scope check for a report of person_id counted under department_id. */
static int
report_in_scope(app_t *a, const actor_t *actor, const char *person_id, int64_t department_id)
{
	department_t d;
	if (actor->cli)
		return 0;
	switch (actor->user.role) {
	case ROLE_OFFICE:
		return 0;
	case ROLE_STAFF:
		return strcmp(person_id, actor->user.person_id) == 0 ? 0 : FK_ENOTFOUND;
	case ROLE_DEPT_HEAD:
		if (store_department_get(a->store, department_id, &d))
			return FK_ENOTFOUND;
		return strncmp(d.path, actor->dept_path, strlen(actor->dept_path)) == 0
			       ? 0 : FK_ENOTFOUND;
	default:
		return FK_EPERM;
	}
}

struct read_job {
	const actor_t *actor;
	const char *action;
	const report_rec_t *recs;
	size_t n;
};

static int
read_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct read_job *j = arg;
	for (size_t i = 0; i < j->n; i++) {
		char detail[48];
		int rc;
		if (!j->actor->cli && strcmp(j->recs[i].r.person_id, j->actor->user.person_id) == 0)
			continue; /* one's own report */
		snprintf(detail, sizeof detail, "report %lld", (long long)j->recs[i].r.id);
		rc = app_audit_tx(tx, j->actor, j->action, "report", j->recs[i].r.person_id, detail);
		if (rc)
			return fk_error_set(err, rc, "", "cannot write the audit log");
	}
	return 0;
}

static int
audit_report_reads(app_t *a, const actor_t *actor, const char *action, const report_rec_t *recs,
		   size_t n, struct fk_error *err)
{
	struct read_job j = {actor, action, recs, n};
	bool others = false;
	for (size_t i = 0; i < n && !others; i++)
		others = actor->cli || strcmp(recs[i].r.person_id, actor->user.person_id) != 0;
	return others ? store_write(a->store, read_job, &j, err) : 0;
}

int
app_report_get(app_t *a, const actor_t *actor, int64_t id, report_rec_t *out,
	       struct fk_error *err)
{
	int rc = store_report_get(a->store, id, out);
	if (rc == 0)
		rc = report_in_scope(a, actor, out->r.person_id, out->department_id);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, rc, "id", "no report %lld", (long long)id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read reports");
	return audit_report_reads(a, actor, "read", out, 1, err);
}

int
app_report_list(app_t *a, const actor_t *actor, struct report_query *q, report_rec_t **out,
		size_t *n, bool *more)
{
	struct fk_error err = {0};
	int limit = q->limit > 0 && q->limit <= 500 ? q->limit : 100;
	int rc;

	*out = NULL;
	*n = 0;
	*more = false;
	if (!actor->cli) {
		switch (actor->user.role) {
		case ROLE_STAFF:
			/* asking for someone else's reports finds none */
			if (q->person_id && strcmp(q->person_id, actor->user.person_id) != 0)
				return 0;
			q->person_id = actor->user.person_id;
			break;
		case ROLE_DEPT_HEAD: q->dept_path = actor->dept_path; break;
		case ROLE_OFFICE: break;
		default: return FK_EPERM;
		}
	}
	q->limit = limit + 1;
	rc = store_report_list(a->store, q, out, n);
	if (rc)
		return rc;
	if (*n > (size_t)limit) {
		*n = (size_t)limit;
		*more = true;
	}
	rc = audit_report_reads(a, actor, "list", *out, *n, &err);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* Health code of person p on date from their stored history. */
static int
code_on(app_t *a, const char *person_id, int32_t date, health_code_t *code, report_rec_t **hist,
	size_t *n)
{
	struct day_status days[HISTORY_DAYS + 1];
	const policy_t *pol = app_policy_for(a, date);
	int32_t obs_end = 0;
	size_t k = 0;
	int rc;

	if (pol == NULL)
		return FK_EINVAL;
	rc = store_report_recent(a->store, person_id, date - HISTORY_DAYS, date, hist, n);
	if (rc)
		return rc;
	for (size_t i = 0; i < *n && k <= HISTORY_DAYS; i++) {
		days[k].date = (*hist)[i].r.date;
		days[k++].status = (*hist)[i].status;
		if ((*hist)[i].observation_end > obs_end)
			obs_end = (*hist)[i].observation_end;
	}
	health_code_compute(days, k, date, pol, obs_end, code);
	{
		health_code_t cc;
		int rc2 = app__case_code_of_person(a, person_id, date, &cc);
		if (rc2)
			return rc2;
		app__code_merge(code, &cc);
	}
	return 0;
}

static int
person_for(app_t *a, const actor_t *actor, const char *person_id, person_t *p,
	   struct fk_error *err)
{
	int rc = store_person_get(a->store, person_id, p);
	if (rc == 0)
		rc = app__person_in_scope(a, actor, p);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, rc, "id", "no person '%s'", person_id);
	return rc ? fk_error_set(err, rc, "", "cannot read people") : 0;
}

int
app_report_history(app_t *a, const actor_t *actor, const char *person_id, int days,
		   report_rec_t **out, size_t *n, health_code_t *code, struct fk_error *err)
{
	person_t p;
	report_rec_t *all = NULL;
	size_t k = 0;
	int32_t today = app_today();
	int rc;

	*out = NULL;
	*n = 0;
	if (days < 1 || days > 366)
		return fk_error_set(err, FK_EINVAL, "days", "days must be from 1 to 366");
	if ((rc = person_for(a, actor, person_id, &p, err)))
		return rc;
	rc = code_on(a, person_id, today, code, &all, &k);
	free(all);
	if (rc)
		return fk_error_set(err, rc, "", "cannot compute the health code");
	rc = store_report_recent(a->store, person_id, today - days + 1, today, out, n);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read reports");
	rc = audit_report_reads(a, actor, "read", *out, *n, err);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int
app_health_code(app_t *a, const actor_t *actor, const char *person_id, int32_t date,
		health_code_t *out, struct fk_error *err)
{
	person_t p;
	report_rec_t *hist = NULL;
	size_t n = 0;
	int rc;

	if ((rc = person_for(a, actor, person_id, &p, err)))
		return rc;
	rc = code_on(a, person_id, date, out, &hist, &n);
	free(hist);
	if (rc == FK_EINVAL)
		return fk_error_set(err, rc, "date", "no policy is in force on that date");
	if (rc)
		return fk_error_set(err, rc, "", "cannot compute the health code");
	if (!actor->cli && strcmp(person_id, actor->user.person_id) == 0)
		return 0; /* one's own code */
	return app__audit_people(a, actor, "read_code", &p, 1, err);
}

int
app_missing(app_t *a, const actor_t *actor, int32_t date, const char *after, int limit,
	    person_t **out, size_t *n, bool *more)
{
	struct person_query q = {0};
	int rc;

	*out = NULL;
	*n = 0;
	*more = false;
	if (!actor->cli && actor->user.role != ROLE_OFFICE && actor->user.role != ROLE_DEPT_HEAD)
		return FK_EPERM;
	if (limit <= 0 || limit > 1000)
		limit = 1000;
	app__scope_query(actor, &q);
	q.after_id = after && *after ? after : NULL;
	q.limit = limit + 1;
	rc = store_missing(a->store, date, &q, out, n);
	if (rc == 0 && *n > (size_t)limit) {
		*n = (size_t)limit;
		*more = true;
	}
	if (rc == 0) {
		/* the list names people: record who was shown to whom */
		struct fk_error err = {0};
		rc = app__audit_people(a, actor, "list", *out, *n, &err);
	}
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int
app_dashboard(app_t *a, const actor_t *actor, int32_t date, struct dashboard *out)
{
	const char *path = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	out->date = date;
	if (!actor->cli) {
		if (actor->user.role == ROLE_DEPT_HEAD)
			path = actor->dept_path;
		else if (actor->user.role != ROLE_OFFICE)
			return FK_EPERM;
	}
	rc = store_dash_departments(a->store, date, path, &out->departments, &out->n_departments);
	if (rc == 0) {
		/* on time = first report by the day's cut-off (setting report_cutoff) */
		char cut[SETTING_VALUE_MAX] = "10:00";
		struct fk_error err = {0};
		int hh = 10, mm = 0;
		if (app_setting_get(a, actor, "report_cutoff", cut, sizeof cut, &err) == 0 &&
		    sscanf(cut, "%2d:%2d", &hh, &mm) != 2)
			hh = 10, mm = 0;
		out->cutoff_minutes = hh * 60 + mm;
		rc = store_dash_on_time(a->store, date,
					(int64_t)date * 86400 - DATE_CST_OFFSET + hh * 3600 + mm * 60,
					out->departments, out->n_departments);
	}
	if (rc == 0)
		rc = store_dash_places(a->store, date, path, out->places, &out->n_places);
	if (rc == 0)
		rc = store_dash_trend(a->store, date - 29, date, path, &out->trend, &out->n_trend);
	if (rc) {
		dashboard_free(out);
		return rc;
	}
	for (size_t i = 0; i < out->n_departments; i++) {
		out->people += out->departments[i].people;
		out->reported += out->departments[i].reported;
		out->green += out->departments[i].green;
		out->yellow += out->departments[i].yellow;
		out->red += out->departments[i].red;
		out->on_time += out->departments[i].on_time;
	}
	return 0;
}

void
dashboard_free(struct dashboard *d)
{
	if (d == NULL)
		return;
	free(d->departments);
	free(d->trend);
	d->departments = NULL;
	d->trend = NULL;
}

/* ---- alerts --------------------------------------------------------------------- */

int
app_alert_list(app_t *a, const actor_t *actor, struct alert_query *q, alert_t **out, size_t *n,
	       bool *more)
{
	int limit = q->limit > 0 && q->limit <= 500 ? q->limit : 100;
	int rc;

	*out = NULL;
	*n = 0;
	*more = false;
	if (!actor->cli) {
		if (actor->user.role == ROLE_DEPT_HEAD)
			q->dept_path = actor->dept_path;
		else if (actor->user.role != ROLE_OFFICE)
			return FK_EPERM;
	}
	q->limit = limit + 1;
	rc = store_alert_list(a->store, q, out, n);
	if (rc == 0 && *n > (size_t)limit) {
		*n = (size_t)limit;
		*more = true;
	}
	if (rc == 0 && *n) {
		/* alerts name people and their health: audit each one shown */
		person_t *shown = calloc(*n, sizeof *shown);
		struct fk_error err = {0};
		if (shown == NULL) {
			rc = FK_ENOMEM;
		} else {
			for (size_t i = 0; i < *n; i++)
				snprintf(shown[i].id, sizeof shown[i].id, "%s", (*out)[i].person_id);
			rc = app__audit_people(a, actor, "list_alert", shown, *n, &err);
			free(shown);
		}
	}
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

struct ack_job {
	const actor_t *actor;
	alert_t *ack;
};

static int
ack_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct ack_job *j = arg;
	char id[24];
	int rc = store_tx_alert_ack(tx, j->ack);
	if (rc == FK_ECONFLICT)
		return fk_error_set(err, rc, "id", "alert %lld was already acknowledged",
				    (long long)j->ack->id);
	if (rc)
		return fk_error_set(err, rc, "id", "cannot acknowledge alert %lld",
				    (long long)j->ack->id);
	snprintf(id, sizeof id, "%lld", (long long)j->ack->id);
	rc = app_audit_tx(tx, j->actor, "update", "alert", id, j->ack->person_id);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

int
app_alert_ack(app_t *a, const actor_t *actor, alert_t *ack, struct fk_error *err)
{
	alert_t cur;
	struct ack_job j = {actor, ack};
	int rc;

	if (!actor->cli && actor->user.role != ROLE_OFFICE && actor->user.role != ROLE_DEPT_HEAD)
		return fk_error_set(err, FK_EPERM, "", "only the office or a department head");
	rc = store_alert_get(a->store, ack->id, &cur);
	if (rc == 0)
		rc = report_in_scope(a, actor, cur.person_id, cur.department_id);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, rc, "id", "no alert %lld", (long long)ack->id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot read alerts");
	if (cur.acked_at)
		return fk_error_set(err, FK_ECONFLICT, "id", "alert %lld was already acknowledged",
				    (long long)ack->id);
	snprintf(ack->person_id, sizeof ack->person_id, "%s", cur.person_id);
	snprintf(ack->acked_by, sizeof ack->acked_by, "%s%s", actor->cli ? "cli:" : "",
		 actor->user.username);
	ack->acked_at = app_now();
	rc = store_write(a->store, ack_job, &j, err);
	if (rc == 0)
		rc = store_alert_get(a->store, ack->id, ack);
	return rc;
}

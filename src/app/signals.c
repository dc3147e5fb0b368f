/*
 * signals.c -- app layer: aberration detection on the region series
 * and on the organisation's own check-ins, on demand (app_detect) and
 * as the daily run that stores signals and pushes them to webhooks
 * (app_detect_run, app__detect_due).  See signals.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "app_impl.h"
#include "core/date.h"
#include "core/report.h"
#include "core/text.h"
#include "signals.h"

/* 37.3 °C, in the tenths the reports store (RULES §3: fever) */
#define FEVER_DC 373
#define CHECKIN_SYMPTOMS (SYM_BIT(SYM_FEVER) | SYM_BIT(SYM_COUGH))

/* ---- who may see what ------------------------------------------------------ */

static bool
may_see_regions(const actor_t *actor)
{
	return actor->cli || IS_ROLE(actor, ROLE_OFFICE) || IS_ROLE(actor, ROLE_OFFICIAL) ||
	       IS_ROLE(actor, ROLE_ANALYST);
}

static bool
may_see_checkins(const actor_t *actor)
{
	return actor->cli || IS_ROLE(actor, ROLE_OFFICE) || IS_ROLE(actor, ROLE_DEPT_HEAD);
}

/* true if the department path lies in the actor's subtree */
static bool
dept_in_scope(const actor_t *actor, const char *path)
{
	if (!IS_ROLE(actor, ROLE_DEPT_HEAD))
		return true;
	return strncmp(path, actor->dept_path, strlen(actor->dept_path)) == 0;
}

/* ---- the series ------------------------------------------------------------- */

/* The fever-or-cough check-in counts of first..to, every department. */
static int
checkin_fetch(app_t *a, int32_t first, int32_t to, struct checkin_count **c, size_t *n)
{
	return store_checkin_counts(a->store, first, to, CHECKIN_SYMPTOMS, FEVER_DC, c, n);
}

/* The department path of each count row (NULL if the department is
 * gone), looked up once for every subtree summed from the counts. */
static int
checkin_paths(const department_t *depts, size_t n_depts, const struct checkin_count *c,
	      size_t n, const char ***out)
{
	*out = calloc(n ? n : 1, sizeof **out);
	if (*out == NULL)
		return FK_ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < n_depts && (*out)[i] == NULL; k++)
			if (depts[k].id == c[i].department_id)
				(*out)[i] = depts[k].path;
	return 0;
}

/* The daily series first..first+days-1 of the subtree whose path is
 * root_path (NULL: every department) from counts c and their paths,
 * into a calloc'd array. */
static int
checkin_sum(const char *root_path, const char *const *paths, const struct checkin_count *c,
	    size_t n, int32_t first, size_t days, double **out)
{
	size_t root_len = root_path ? strlen(root_path) : 0;

	*out = calloc(days, sizeof **out);
	if (*out == NULL)
		return FK_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		bool in = root_path == NULL ||
			  (paths[i] != NULL && strncmp(paths[i], root_path, root_len) == 0);
		if (in && c[i].date >= first && (size_t)(c[i].date - first) < days)
			(*out)[c[i].date - first] += (double)c[i].n;
	}
	return 0;
}

/* Sum days into weeks ending on the last day: week k of m covers days
 * n - 7(m-k) .. n - 7(m-k-1) - 1; a partial first week is dropped. */
static size_t
weekly(const double *daily, size_t n, double *weeks)
{
	size_t m = n / 7, skip = n - m * 7;
	for (size_t k = 0; k < m; k++) {
		weeks[k] = 0;
		for (size_t j = 0; j < 7; j++)
			weeks[k] += daily[skip + k * 7 + j];
	}
	return m;
}

static int
run_detector(const struct detect_request *q, const double *obs, size_t n, int32_t first,
	     struct detect_outcome *out, struct fk_error *err)
{
	size_t from_i, to_i = (size_t)(q->to - first) + 1, n_out = 0;
	int rc;

	from_i = q->from > first ? (size_t)(q->from - first) + 1 : 1;
	out->points = calloc(n, sizeof *out->points);
	out->dates = calloc(n, sizeof *out->dates);
	if (out->points == NULL || out->dates == NULL)
		return FK_ENOMEM;
	if (!q->farrington) {
		struct detect_ears_options o;
		size_t earliest;

		detect_ears_options_init(&o);
		o.method = q->method;
		o.baseline = q->baseline;
		o.alpha = q->alpha;
		o.min_sigma = out->min_sigma;
		/* the first period the method can assess */
		earliest = (size_t)q->baseline + 1 + (q->method == DETECT_EARS_C2 ? 2 : 0) +
			   (q->method == DETECT_EARS_C3 ? 4 : 0);
		if (from_i < earliest)
			from_i = earliest;
		if (from_i > to_i) {
			char d[DATE_STR_LEN];
			return fk_error_set(err, FK_EINVAL, "from",
					    "the series starts on %s: too few days before to for "
					    "EARS C%d with a %d-day baseline",
					    date_format(first, d), (int)q->method, q->baseline);
		}
		o.range_from = from_i;
		o.range_to = to_i;
		rc = detect_ears(obs, n, &o, out->points, &n_out, err);
		out->alpha = isnan(q->alpha) ? (q->method == DETECT_EARS_C3 ? 0.025 : 0.001)
					     : q->alpha;
		out->period_days = 1;
		for (size_t i = 0; rc == 0 && i < n_out; i++)
			out->dates[i] = first + (int32_t)out->points[i].t - 1;
	} else {
		struct detect_farrington_options o;
		double *wk = calloc(n / 7 + 1, sizeof *wk);
		int32_t *wd = calloc(n / 7 + 1, sizeof *wd);
		size_t m, from_w;

		if (wk == NULL || wd == NULL) {
			free(wk);
			free(wd);
			return FK_ENOMEM;
		}
		m = weekly(obs, n, wk);
		/* week k ends on day index (n - 1) - 7(m - 1 - k) */
		for (size_t k = 0; k < m; k++)
			wd[k] = first + (int32_t)(n - 1) - 7 * (int32_t)(m - 1 - k);
		detect_farrington_options_init(&o);
		o.b = q->b;
		o.w = q->w;
		if (!isnan(q->alpha))
			o.alpha = q->alpha;
		from_w = 1;
		while (from_w <= m && wd[from_w - 1] < q->from)
			from_w++;
		if (m == 0 || from_w > m) {
			free(wk);
			free(wd);
			return fk_error_set(err, FK_EINVAL, "from",
					    "no whole week between from and to");
		}
		if (from_w < (size_t)(52 * o.b + o.w + 1))
			from_w = (size_t)(52 * o.b + o.w + 1);
		if (from_w > m) {
			free(wk);
			free(wd);
			return fk_error_set(err, FK_EINVAL, "b",
					    "farringtonFlexible needs %d years and %d weeks of "
					    "history before the first week assessed; the series "
					    "has %zu weeks (decrease b or give a later from)",
					    o.b, o.w, m);
		}
		o.range_from = from_w;
		o.range_to = m;
		rc = detect_farrington(wk, wd, m, &o, out->points, &n_out, err);
		out->alpha = o.alpha;
		out->period_days = 7;
		for (size_t i = 0; rc == 0 && i < n_out; i++)
			out->dates[i] = wd[out->points[i].t - 1];
		free(wk);
		free(wd);
	}
	out->n = rc ? 0 : n_out;
	return rc;
}

int
app_detect(app_t *a, const actor_t *actor, const struct detect_request *q,
	   struct detect_outcome *out, struct fk_error *err)
{
	double *obs = NULL;
	int32_t first = 0, to = q->to;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (q->from && q->from > to)
		return fk_error_set(err, FK_EINVAL, "from", "from is after to");
	if (q->from && to - q->from >= DETECT_RANGE_MAX_DAYS)
		return fk_error_set(err, FK_EINVAL, "from", "at most %d days at once",
				    DETECT_RANGE_MAX_DAYS);
	if (q->scope == DETECT_SCOPE_REGION) {
		int64_t *inc = NULL;
		region_t reg;

		if (!may_see_regions(actor))
			return fk_error_set(err, FK_EPERM, "", "region series are for the office, "
							       "officials and analysts");
		if (q->region == NULL || !region_code_well_formed(q->region))
			return fk_error_set(err, FK_EINVAL, "region",
					    "region must be a 6-digit code");
		rc = app_region_incidence(a, q->region, to, &inc, &n, &first);
		if (rc == FK_ENOTFOUND)
			return fk_error_set(err, rc, "region", "no case series for region %s",
					    q->region);
		if (rc)
			return fk_error_set(err, rc, "", "cannot read the series");
		obs = malloc(n * sizeof *obs);
		if (obs == NULL) {
			free(inc);
			return FK_ENOMEM;
		}
		for (size_t i = 0; i < n; i++)
			obs[i] = (double)inc[i];
		free(inc);
		if (store_region_get(a->store, q->region, &reg) == 0)
			snprintf(out->region_name, sizeof out->region_name, "%s", reg.name);
		out->min_sigma = isnan(q->min_sigma) ? 0 : q->min_sigma;
	} else {
		department_t *depts = NULL, *root = NULL;
		size_t n_depts = 0;
		int64_t want = q->department_id;

		if (!may_see_checkins(actor))
			return fk_error_set(err, FK_EPERM, "",
					    "check-ins are for the office and department heads");
		if ((rc = store_department_list(a->store, &depts, &n_depts)))
			return fk_error_set(err, rc, "", "cannot read the departments");
		if (want == 0 && IS_ROLE(actor, ROLE_DEPT_HEAD))
			want = actor->user.department_id;
		for (size_t k = 0; want && k < n_depts; k++)
			if (depts[k].id == want && dept_in_scope(actor, depts[k].path))
				root = &depts[k];
		if (want && root == NULL) {
			free(depts);
			return fk_error_set(err, FK_ENOTFOUND, "department", "no department %lld",
					    (long long)want);
		}
		if (root) {
			out->department_id = root->id;
			snprintf(out->department, sizeof out->department, "%s", root->name);
		}
		first = (q->from ? q->from : to - 89) - DETECT_HISTORY_DAYS -
			(q->farrington ? 7 * (52 * q->b + q->w + 1) : 0);
		n = (size_t)(to - first + 1);
		{
			struct checkin_count *c = NULL;
			const char **paths = NULL;
			size_t nc = 0;
			rc = checkin_fetch(a, first, to, &c, &nc);
			if (rc == 0)
				rc = checkin_paths(depts, n_depts, c, nc, &paths);
			if (rc == 0)
				rc = checkin_sum(root ? root->path : NULL, paths, c, nc, first, n,
						 &obs);
			free(paths);
			free(c);
		}
		free(depts);
		if (rc)
			return fk_error_set(err, rc, "", "cannot read the check-ins");
		out->min_sigma = isnan(q->min_sigma) ? DETECT_RUN_DEPT_MIN_SIGMA : q->min_sigma;
	}
	if (to < first) {
		free(obs);
		return fk_error_set(err, FK_EINVAL, "to", "the series starts after %s", "to");
	}
	{
		struct detect_request qq = *q;
		if (qq.from == 0)
			qq.from = to - 89;
		rc = run_detector(&qq, obs, n, first, out, err);
	}
	free(obs);
	if (rc)
		app_detect_outcome_free(out);
	return rc;
}

void
app_detect_outcome_free(struct detect_outcome *o)
{
	free(o->points);
	free(o->dates);
	o->points = NULL;
	o->dates = NULL;
	o->n = 0;
}

/* ---- the daily run ------------------------------------------------------------ */

/* EARS of the run on the last day of obs[0..n-1]; true with the bound
 * if it alarms. */
static bool
last_day_alarms(const double *obs, size_t n, double min_sigma, double *bound)
{
	struct detect_ears_options o;
	struct detect_point p[1];
	struct fk_error err = {0};
	size_t got = 0;
	bool any = false;

	for (size_t i = 0; i < n && !any; i++)
		any = obs[i] > 0;
	if (!any)
		return false;
	detect_ears_options_init(&o);
	o.method = DETECT_RUN_METHOD;
	o.baseline = DETECT_RUN_BASELINE;
	o.min_sigma = min_sigma;
	o.range_from = o.range_to = n;
	if (detect_ears(obs, n, &o, p, &got, &err) || got != 1)
		return false;
	*bound = p[0].upperbound;
	return p[0].alarm == 1;
}

static int
push_signal(struct detect_run_report *rep, size_t *cap, const signal_t *s)
{
	if (rep->n_signals == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		signal_t *g = realloc(rep->signals, nc * sizeof *g);
		if (g == NULL)
			return FK_ENOMEM;
		rep->signals = g;
		*cap = nc;
	}
	rep->signals[rep->n_signals++] = *s;
	return 0;
}

/* Find the signals of date: every region and department series. */
static int
detect_all(app_t *a, int32_t date, struct detect_run_report *rep, int64_t now)
{
	/* C2 assesses day t on t-9..t-3 (baseline 7, lag 2) */
	enum { WINDOW = DETECT_RUN_BASELINE + 3 };
	int32_t first = date - WINDOW + 1;
	series_day_t *rows = NULL;
	department_t *depts = NULL;
	struct checkin_count *counts = NULL;
	const char **paths = NULL;
	size_t n_rows = 0, n_depts = 0, n_counts = 0, cap = 0;
	double obs[WINDOW], bound;
	int rc;

	rc = store_series_list(a->store, NULL, NULL, first, date, &rows, &n_rows);
	for (size_t i = 0; rc == 0 && i < n_rows;) {
		size_t j = i;
		memset(obs, 0, sizeof obs);
		/* rows come by region, then date */
		while (j < n_rows && strcmp(rows[j].region_code, rows[i].region_code) == 0) {
			obs[rows[j].date - first] += rows[j].new_confirmed;
			j++;
		}
		rep->regions_checked++;
		if (last_day_alarms(obs, WINDOW, 0, &bound)) {
			signal_t s = {.kind = SIGNAL_REGION, .date = date, .observed = obs[WINDOW - 1],
				      .upperbound = bound, .created_at = now};
			region_t reg;
			snprintf(s.region_code, sizeof s.region_code, "%s", rows[i].region_code);
			if (store_region_get(a->store, s.region_code, &reg) == 0)
				snprintf(s.region_name, sizeof s.region_name, "%s", reg.name);
			snprintf(s.method, sizeof s.method, "%s", detect_ears_method_name(DETECT_RUN_METHOD));
			rc = push_signal(rep, &cap, &s);
		}
		i = j;
	}
	free(rows);
	if (rc == 0)
		rc = store_department_list(a->store, &depts, &n_depts);
	if (rc == 0)
		rc = checkin_fetch(a, first, date, &counts, &n_counts);
	if (rc == 0)
		rc = checkin_paths(depts, n_depts, counts, n_counts, &paths);
	for (size_t k = 0; rc == 0 && k < n_depts; k++) {
		double *series = NULL;
		rc = checkin_sum(depts[k].path, paths, counts, n_counts, first, WINDOW, &series);
		if (rc)
			break;
		rep->departments_checked++;
		if (last_day_alarms(series, WINDOW, DETECT_RUN_DEPT_MIN_SIGMA, &bound)) {
			signal_t s = {.kind = SIGNAL_DEPARTMENT, .department_id = depts[k].id,
				      .date = date, .observed = series[WINDOW - 1],
				      .upperbound = bound, .created_at = now};
			snprintf(s.department, sizeof s.department, "%s", depts[k].name);
			snprintf(s.method, sizeof s.method, "%s", detect_ears_method_name(DETECT_RUN_METHOD));
			rc = push_signal(rep, &cap, &s);
		}
		free(series);
	}
	free(paths);
	free(counts);
	free(depts);
	return rc;
}

struct run_job {
	const actor_t *actor; /* NULL: the server's own daily run */
	struct detect_run_report *rep;
	int64_t now;
};

static int
run_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct run_job *j = arg;
	struct detect_run_report *rep = j->rep;
	char by[BY_BUF], detail[96], date[DATE_STR_LEN];
	size_t kept = 0;
	int rc;

	if (j->actor == NULL)
		snprintf(by, sizeof by, "server");
	else
		snprintf(by, sizeof by, "%s%s", j->actor->cli ? "cli:" : "",
			 j->actor->user.username);
	rc = store_tx_detect_run_claim(tx, rep->date, by, j->now, j->actor != NULL);
	if (rc)
		return rc; /* FK_ECONFLICT: the daily run of this date is done */
	for (size_t i = 0; i < rep->n_signals; i++) {
		signal_t *s = &rep->signals[i];
		rc = store_tx_signal_insert(tx, s);
		if (rc == FK_ECONFLICT)
			continue; /* found before: kept as it was */
		if (rc == 0)
			rc = app__notify_signal(tx, s);
		if (rc)
			return fk_error_set(err, rc, "", "cannot store the signals");
		rep->signals[kept++] = *s;
	}
	rep->n_signals = kept;
	if (j->actor) {
		snprintf(detail, sizeof detail, "%zu regions, %zu departments, %zu new signals",
			 rep->regions_checked, rep->departments_checked, kept);
		rc = app_audit_tx(tx, j->actor, "run", "detection", date_format(rep->date, date),
				  detail);
	}
	return rc;
}

static int
detect_run(app_t *a, const actor_t *actor, int32_t date, struct detect_run_report *rep,
	   struct fk_error *err)
{
	struct run_job j = {actor, rep, app_now()};
	int rc;

	memset(rep, 0, sizeof *rep);
	rep->date = date;
	rc = detect_all(a, date, rep, j.now);
	if (rc == 0)
		rc = store_write(a->store, run_job, &j, err);
	if (rc) {
		free(rep->signals);
		rep->signals = NULL;
		rep->n_signals = 0;
	}
	return rc;
}

int
app_detect_run(app_t *a, const actor_t *actor, int32_t date, struct detect_run_report *rep,
	       struct fk_error *err)
{
	int rc;

	memset(rep, 0, sizeof *rep);
	if (!actor->cli && !IS_ROLE(actor, ROLE_OFFICE) && !IS_ROLE(actor, ROLE_OFFICIAL))
		return fk_error_set(err, FK_EPERM, "", "the office or an official runs detection");
	if (date > app_today())
		return fk_error_set(err, FK_EINVAL, "date", "date is in the future");
	rc = detect_run(a, actor, date, rep, err);
	if (rc && err->message[0] == '\0')
		fk_error_set(err, rc, "", "cannot run detection");
	return rc;
}

int
app__detect_due(app_t *a, int64_t now)
{
	struct detect_run_report rep;
	struct fk_error err = {0};
	char at[SETTING_VALUE_MAX] = "";
	int32_t today = date_of_unix_cst((time_t)now);
	int64_t into_day = date_seconds_into_day_cst((time_t)now);
	int at_s, rc;

	if (a->detect_ran == today - 1)
		return 0;
	rc = store_setting_get(a->store, "detect_time", at, sizeof at);
	if (rc && rc != FK_ENOTFOUND)
		return rc;
	if (strcmp(at, "off") == 0)
		return 0;
	at_s = app_hhmm_parse(at);
	if (into_day < (at_s < 0 ? DETECT_RUN_AT_S : at_s))
		return 0;
	rc = detect_run(a, NULL, today - 1, &rep, &err);
	if (rc == 0 || rc == FK_ECONFLICT) {
		a->detect_ran = today - 1;
		rc = 0;
	}
	free(rep.signals);
	return rc;
}

/* ---- stored signals ------------------------------------------------------------- */

int
app_signal_list(app_t *a, const actor_t *actor, struct signal_query *q, signal_t **out, size_t *n,
		struct fk_error *err)
{
	int rc;

	*out = NULL;
	*n = 0;
	q->dept_path = NULL;
	q->region_prefix = NULL;
	if (actor->cli || IS_ROLE(actor, ROLE_OFFICE)) {
		/* everything */
	} else if (IS_ROLE(actor, ROLE_DEPT_HEAD)) {
		if (q->kind == SIGNAL_REGION)
			return 0;
		q->kind = SIGNAL_DEPARTMENT;
		q->dept_path = actor->dept_path;
	} else if (IS_ROLE(actor, ROLE_OFFICIAL) || IS_ROLE(actor, ROLE_ANALYST)) {
		if (q->kind == SIGNAL_DEPARTMENT)
			return 0;
		q->kind = SIGNAL_REGION;
		if (IS_ROLE(actor, ROLE_OFFICIAL))
			q->region_prefix = actor->user.region_prefix;
	} else {
		return fk_error_set(err, FK_EPERM, "", "signals are not for this role");
	}
	rc = store_signal_list(a->store, q, out, n);
	return rc ? fk_error_set(err, rc, "", "cannot read the signals") : 0;
}

static bool
may_ack(const actor_t *actor, const signal_t *s)
{
	if (actor->cli || IS_ROLE(actor, ROLE_OFFICE))
		return true;
	if (IS_ROLE(actor, ROLE_OFFICIAL))
		return s->kind == SIGNAL_REGION &&
		       strncmp(s->region_code, actor->user.region_prefix,
			       strlen(actor->user.region_prefix)) == 0;
	return false;
}

struct ack_job {
	const actor_t *actor;
	signal_t *s;
};

static int
ack_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct ack_job *j = arg;
	char id[24];
	int rc = store_tx_signal_ack(tx, j->s);

	if (rc == FK_ECONFLICT)
		return fk_error_set(err, rc, "", "the signal is acknowledged already");
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, rc, "", "no such signal");
	if (rc)
		return fk_error_set(err, rc, "", "cannot store the acknowledgement");
	snprintf(id, sizeof id, "%lld", (long long)j->s->id);
	return app_audit_tx(tx, j->actor, "acknowledge", "signal", id, j->s->note);
}

int
app_signal_ack(app_t *a, const actor_t *actor, int64_t id, const char *note, signal_t *out,
	       struct fk_error *err)
{
	struct ack_job j = {actor, out};
	size_t len = strlen(note);
	int rc;

	if (len >= sizeof out->note || text_utf8_chars(note) > REPORT_NOTE_CHARS)
		return fk_error_set(err, FK_EINVAL, "note", "note is longer than %d characters",
				    REPORT_NOTE_CHARS);
	rc = store_signal_get(a->store, id, out);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, rc, "", "no such signal");
	if (rc)
		return fk_error_set(err, rc, "", "cannot read the signal");
	if (IS_ROLE(actor, ROLE_DEPT_HEAD)) {
		department_t d;
		if (out->kind != SIGNAL_DEPARTMENT ||
		    store_department_get(a->store, out->department_id, &d) ||
		    !dept_in_scope(actor, d.path))
			return fk_error_set(err, FK_ENOTFOUND, "", "no such signal");
	} else if (!may_ack(actor, out)) {
		return fk_error_set(err, FK_ENOTFOUND, "", "no such signal");
	}
	snprintf(out->acked_by, sizeof out->acked_by, "%s%s", actor->cli ? "cli:" : "",
		 actor->user.username);
	out->acked_at = app_now();
	snprintf(out->note, sizeof out->note, "%s", note);
	rc = store_write(a->store, ack_job, &j, err);
	if (rc == 0)
		rc = store_signal_get(a->store, id, out);
	return rc;
}

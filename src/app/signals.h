/*
 * signals.h -- app layer: aberration detection (analytics/detect.h)
 * applied to the series Fangkong holds, on demand and as a daily run
 * that stores what it finds as signals and pushes them to webhooks
 * (docs/analytics.md, section "Detection in daily operations").
 *
 * Two kinds of series:
 *   region      a region's daily new confirmed cases (every source
 *               summed, as the Rt and grading read them);
 *   checkins    the syndromic signal of the organisation's own daily
 *               check-ins: per day, the people of a department subtree
 *               whose current report has a temperature of 37.3 °C or
 *               more, fever or cough.
 *
 * Who may ask:  region series -- office, official, analyst; check-ins
 * -- office (any department, or the whole organisation) and a
 * department head (their subtree).  Staff and admins may not.
 */
#ifndef SIGNALS_H
#define SIGNALS_H

#include "analytics/detect.h"
#include "app.h"

/* The daily run: EARS C2 with a 7-day baseline and alpha 0.001 (z =
 * 3.09) on the last day; the standard deviation of a department's
 * baseline is taken as at least DETECT_RUN_DEPT_MIN_SIGMA, so that a
 * quiet week followed by one fever (already an alert of its own) is
 * not a signal but two in a day is.  Region series have no floor: a
 * first case in a county without cases for a week is a signal. */
#define DETECT_RUN_METHOD DETECT_EARS_C2
#define DETECT_RUN_BASELINE 7
#define DETECT_RUN_DEPT_MIN_SIGMA 0.5
/* Local time (CST, seconds into the day) after which the server runs
 * detection on yesterday, unless the setting detect_time says another
 * ("HH:MM") or "off". */
#define DETECT_RUN_AT_S (1 * 3600)
/* Days of history read before the first day assessed. */
#define DETECT_HISTORY_DAYS 35
/* Longest range of one request, in days. */
#define DETECT_RANGE_MAX_DAYS 1100

enum detect_scope {
	DETECT_SCOPE_REGION = 1,
	DETECT_SCOPE_CHECKINS,
};

/* What to detect on.  Plain value. */
struct detect_request {
	enum detect_scope scope;
	const char *region;     /* DETECT_SCOPE_REGION: the 6-digit code */
	int64_t department_id;  /* DETECT_SCOPE_CHECKINS: subtree root; 0 = the
				   whole organisation (office), own (head) */
	bool farrington;        /* else EARS */
	enum detect_ears_method method; /* EARS */
	int32_t from, to;       /* days assessed; from 0 = to - 89 */
	int baseline;           /* EARS, >= 3 */
	double alpha;           /* NaN = the method's default */
	double min_sigma;       /* EARS; NaN = 0 (region), DETECT_RUN_DEPT_MIN_SIGMA (checkins) */
	int b, w;               /* farrington (weekly periods ending on `to`) */
};

/* The outcome: one point per period of from..to that the method
 * assesses (periods too early for its baseline are left out). */
struct detect_outcome {
	struct detect_point *points;
	int32_t *dates;         /* date of each point (a week's last day, weekly) */
	size_t n;
	int period_days;        /* 1, or 7 for farrington */
	double alpha, min_sigma;
	char region_name[128];
	int64_t department_id;
	char department[DEPARTMENT_NAME_BUF];
};

int app_detect(app_t *a, const actor_t *actor, const struct detect_request *q,
	       struct detect_outcome *out, struct fk_error *err) FK_MUST_CHECK;
void app_detect_outcome_free(struct detect_outcome *o);

/* What a run did. */
struct detect_run_report {
	int32_t date;
	size_t regions_checked;     /* series with any count in the window */
	size_t departments_checked;
	signal_t *signals;          /* the new ones (a rerun finds old ones again) */
	size_t n_signals;
};

/*
 * Run detection on every region and department series for date and
 * store the signals (office or official; force: run again a date run
 * before -- signals already stored are kept as they are, acknowledged
 * or not).  New signals go to every webhook taking "signal" events.
 * Caller frees rep->signals.
 */
int app_detect_run(app_t *a, const actor_t *actor, int32_t date, struct detect_run_report *rep,
		   struct fk_error *err) FK_MUST_CHECK;

/* Stored signals the actor may see (q's scope fields are set here). */
int app_signal_list(app_t *a, const actor_t *actor, struct signal_query *q, signal_t **out,
		    size_t *n, struct fk_error *err) FK_MUST_CHECK;
/* Acknowledge a signal with a note (office; a head their subtree's
 * department signals; an official their region signals). */
int app_signal_ack(app_t *a, const actor_t *actor, int64_t id, const char *note,
		   signal_t *out, struct fk_error *err) FK_MUST_CHECK;

/* The background run: once the CST day is past detect_time (default
 * 01:00), run detection on yesterday unless that date has a run (by
 * any process). */
int app__detect_due(app_t *a, int64_t now) FK_MUST_CHECK;

/* Queue the deliveries of a new signal (inside the run's write job). */
int app__notify_signal(store_tx_t *tx, const signal_t *s) FK_MUST_CHECK;

#endif

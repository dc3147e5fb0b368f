/*
 * assess.h -- core layer: the assessment of a daily report and the
 * personal health code.  Pure functions of the report, the person, the
 * history and the policy in force that day.
 *
 * Status of one report (first rule that fires decides; actions of every
 * rule that fires are collected):
 *
 *   rule               condition                                   status
 *   red_symptom        a symptom in policy.red_symptoms             red
 *   fever_persisting   temperature >= fever cut-off, and an earlier
 *                      reading the same day was too                 red
 *   fever_recheck      temperature >= fever cut-off (first reading) yellow
 *   contact            exposure suspected or confirmed contact      yellow
 *   risk_travel        exposure risk_area_travel, or a travel
 *                      region in policy.risk_regions                yellow
 *   yellow_symptom     a symptom in policy.yellow_symptoms          yellow
 *   family_unwell      a family member unwell (if the policy says)  yellow
 *   all_normal         none of the above                            green
 *
 * Health code (RULES.md §6.1, §6.6): the worst status reported since the
 * code was last green stays until that many consecutive normal check-ins
 * (policy.red_green_days or yellow_green_days for that colour) follow
 * the last abnormal report; a missed day or an abnormal report restarts
 * the count (a yellow after a red keeps the code red); an open medical
 * observation keeps the code at least yellow until it ends.
 */
#ifndef ASSESS_H
#define ASSESS_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "report.h"

enum status { STATUS_GREEN = 0, STATUS_YELLOW, STATUS_RED };

const char *status_name(enum status s);
int status_parse(const char *s, enum status *out) FK_MUST_CHECK;

#define ASSESS_MAX_ACTIONS 10
#define ACTION_CODE_MAX 32

/* Something the person must do, with a stable code and texts. */
struct action {
	char code[ACTION_CODE_MAX];
	char text_zh[200];
	char text_en[240];
	int32_t until;          /* last day it applies (observation), or 0 */
};

typedef struct assessment {
	enum status status;
	char rule[32];              /* the rule that decided the status */
	char reason_zh[200];
	char reason_en[240];
	char back_to_green_zh[240]; /* what brings the person back to green */
	char back_to_green_en[320];
	struct action actions[ASSESS_MAX_ACTIONS];
	int n_actions;
	int32_t observation_end;    /* end of a medical observation it opens, or 0 */
	char policy_version[POLICY_VERSION_MAX];
} assessment_t;

/*
 * Assess report r of person p under policy pol.  prev_temp_dc is the
 * temperature of an earlier report by p the same day (tenths of °C), or
 * 0 if this is the first.  Fills *out; never fails on a valid report.
 */
void assess_report(const report_t *r, const person_t *p, const policy_t *pol,
		   int prev_temp_dc, assessment_t *out);

/* One reported day in a person's history. */
struct day_status {
	int32_t date;
	enum status status;
};

typedef struct health_code {
	enum status colour;
	char rule[32];             /* "no_abnormal_report", "red_streak", "yellow_streak", "observation" */
	int32_t since;             /* day of the report that set the colour, or 0 */
	int32_t green_from;        /* first day it can be green again, 0 if green */
	int normal_streak;         /* consecutive normal check-ins counted */
	int streak_needed;         /* how many are needed */
	char reason_zh[200];
	char reason_en[240];
} health_code_t;

/*
 * Health code on day today from history (reported days, ascending by
 * date, at most one per day, none after today) and an observation end
 * (0 if none).  Today not yet reported does not break the streak.
 */
void health_code_compute(const struct day_status *history, size_t n, int32_t today,
			 const policy_t *pol, int32_t observation_end, health_code_t *out);

#endif

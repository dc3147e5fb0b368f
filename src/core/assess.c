/*
 * assess.c -- core layer: daily report assessment and the health code.
 * The rule table is in assess.h; texts here are what a person reads.
 */
#include "assess.h"

#include <stdio.h>
#include <string.h>

#include "date.h"

const char *
status_name(enum status s)
{
	switch (s) {
	case STATUS_GREEN: return "green";
	case STATUS_YELLOW: return "yellow";
	case STATUS_RED: return "red";
	}
	return "?";
}

int
status_parse(const char *s, enum status *out)
{
	for (int i = STATUS_GREEN; i <= STATUS_RED; i++)
		if (s && strcmp(s, status_name((enum status)i)) == 0) {
			*out = (enum status)i;
			return 0;
		}
	return FK_EINVAL;
}

/* The action texts, by code. */
static const struct {
	const char *code, *zh, *en;
} action_texts[] = {
	{"stay_home", "居家休息，不要到岗，不去人员密集场所。",
	 "Stay at home: do not come to work or go to crowded places."},
	{"visit_fever_clinic", "佩戴口罩，尽快到指定发热门诊就诊，避免乘坐公共交通。",
	 "Wear a mask and go to a designated fever clinic as soon as possible, avoiding public transport."},
	{"report_office", "立即向所办（疫情防控办公室）报告。",
	 "Report to the institute's epidemic office at once."},
	{"report_community", "同时向居住地社区报告。",
	 "Report to your residential community as well."},
	{"stay_in_place", "在湖北的人员原地留守，待通知后再返回。",
	 "You are in Hubei: stay where you are until you are told otherwise."},
	{"await_school_notice", "研究生和博士后原地留守，待开学通知后再返所。",
	 "Graduate students and postdocs stay where they are until the reopening notice."},
	{"medical_observation", "居家医学观察，早晚各测一次体温并报告，观察期满前不外出。",
	 "Home medical observation: take your temperature morning and evening and report it; do not go out until it ends."},
	{"recheck_temperature", "体温达到37.3℃：静坐5分钟后复测并再次填报。",
	 "Temperature at 37.3 °C or above: rest 5 minutes, measure again and submit again."},
	{"watch_family", "密切关注家人健康，家人如有发热或咳嗽请就诊并报告。",
	 "Watch your family's health; anyone with fever or cough should see a doctor and be reported."},
};

static void
add_action(assessment_t *a, const char *code, int32_t until)
{
	for (int i = 0; i < a->n_actions; i++)
		if (strcmp(a->actions[i].code, code) == 0) {
			if (until > a->actions[i].until)
				a->actions[i].until = until;
			return;
		}
	if (a->n_actions >= ASSESS_MAX_ACTIONS)
		return;
	for (size_t k = 0; k < sizeof action_texts / sizeof action_texts[0]; k++) {
		if (strcmp(action_texts[k].code, code) != 0)
			continue;
		struct action *ac = &a->actions[a->n_actions++];
		snprintf(ac->code, sizeof ac->code, "%s", code);
		snprintf(ac->text_zh, sizeof ac->text_zh, "%s", action_texts[k].zh);
		snprintf(ac->text_en, sizeof ac->text_en, "%s", action_texts[k].en);
		ac->until = until;
		return;
	}
}

/* Set the deciding rule if none has decided yet (first rule wins). */
static void
decide(assessment_t *a, enum status s, const char *rule, const char *zh, const char *en,
       const char *green_zh, const char *green_en)
{
	if (a->rule[0])
		return;
	a->status = s;
	snprintf(a->rule, sizeof a->rule, "%s", rule);
	snprintf(a->reason_zh, sizeof a->reason_zh, "%s", zh);
	snprintf(a->reason_en, sizeof a->reason_en, "%s", en);
	snprintf(a->back_to_green_zh, sizeof a->back_to_green_zh, "%s", green_zh);
	snprintf(a->back_to_green_en, sizeof a->back_to_green_en, "%s", green_en);
}

void
assess_report(const report_t *r, const person_t *p, const policy_t *pol, int prev_temp_dc,
	      assessment_t *out)
{
	bool fever_reading = r->temp_dc >= pol->fever_dc;
	bool travel_risk = r->exposure == EXP_RISK_AREA_TRAVEL;
	int32_t obs_end = r->date + pol->observation_days;

	memset(out, 0, sizeof *out);
	snprintf(out->policy_version, sizeof out->policy_version, "%s", pol->version);
	for (int i = 0; i < r->n_travel && !travel_risk; i++)
		travel_risk = policy_prefix_match(pol->risk_regions, pol->n_risk_regions,
						  r->travel_regions[i]);

	if (r->symptoms & pol->red_symptoms) {
		decide(out, STATUS_RED, "red_symptom", "报告了发热、咳嗽或气促。",
		       "Fever, cough or shortness of breath reported.",
		       "发热门诊排除新冠肺炎、症状消失且体温低于37.3℃后恢复绿色；健康码需连续正常打卡满规定天数。",
		       "Green again once a fever clinic has ruled COVID-19 out and you report no fever, cough "
		       "or shortness of breath with a temperature below 37.3 °C; the health code needs the set "
		       "number of consecutive normal check-ins.");
	}
	if (fever_reading && prev_temp_dc >= pol->fever_dc) {
		decide(out, STATUS_RED, "fever_persisting", "复测体温仍达到37.3℃，按发热处理。",
		       "The re-measured temperature is still 37.3 °C or above: treated as fever.",
		       "发热门诊排除新冠肺炎且体温恢复正常后恢复绿色。",
		       "Green again once a fever clinic has ruled COVID-19 out and your temperature is normal.");
	}
	if (fever_reading) {
		decide(out, STATUS_YELLOW, "fever_recheck", "体温达到37.3℃，需要复测。",
		       "Temperature at 37.3 °C or above: measure again.",
		       "5分钟后复测体温低于37.3℃并再次填报即恢复绿色。",
		       "Green again if a new reading after 5 minutes is below 37.3 °C and you submit it.");
		if (strcmp(out->rule, "fever_recheck") == 0) { /* not when already red */
			add_action(out, "recheck_temperature", 0);
			add_action(out, "stay_home", 0);
		}
	}
	if (out->status == STATUS_RED) {
		add_action(out, "stay_home", 0);
		add_action(out, "visit_fever_clinic", 0);
		add_action(out, "report_office", 0);
		add_action(out, "report_community", 0);
	}
	if (r->exposure == EXP_SUSPECTED_CONTACT || r->exposure == EXP_CONFIRMED_CONTACT) {
		decide(out, STATUS_YELLOW, "contact",
		       "与确诊或疑似病例有接触，需医学观察。",
		       "Contact with a confirmed or suspected case: medical observation.",
		       "医学观察期满且期间无异常后恢复绿色。",
		       "Green again when the medical observation ends with no symptoms.");
		out->observation_end = obs_end;
	}
	if (travel_risk) {
		decide(out, STATUS_YELLOW, "risk_travel", "14天内到过疫情重点地区，需医学观察。",
		       "Travel to a key epidemic area within 14 days: medical observation.",
		       "医学观察期满且期间无异常后恢复绿色。",
		       "Green again when the medical observation ends with no symptoms.");
		out->observation_end = obs_end;
	}
	if (out->observation_end) {
		add_action(out, "medical_observation", out->observation_end);
		add_action(out, "stay_home", 0);
		add_action(out, "report_office", 0);
		add_action(out, "report_community", 0);
	}
	if (r->symptoms & pol->yellow_symptoms) {
		decide(out, STATUS_YELLOW, "yellow_symptom", "报告了其他不适症状。",
		       "Other symptoms reported.",
		       "症状消失后填报即恢复绿色。",
		       "Green again when you report a day without symptoms.");
		add_action(out, "stay_home", 0);
		add_action(out, "report_office", 0);
	}
	if (r->family_unwell && pol->family_unwell_yellow) {
		decide(out, STATUS_YELLOW, "family_unwell", "家人身体不适。",
		       "A family member is unwell.",
		       "家人康复或经医生排除新冠肺炎后恢复绿色。",
		       "Green again when your family member has recovered or a doctor has ruled COVID-19 out.");
		add_action(out, "watch_family", 0);
		add_action(out, "report_office", 0);
	}
	decide(out, STATUS_GREEN, "all_normal", "体温正常，无症状，无接触史。",
	       "Normal temperature, no symptoms, no exposure.", "", "");
	if (policy_prefix_match(pol->stay_in_place, pol->n_stay_in_place, r->region_code))
		add_action(out, "stay_in_place", 0);
	if ((unsigned)p->kind < PERSON_KIND_COUNT && (pol->await_school_kinds & (1u << p->kind)))
		add_action(out, "await_school_notice", 0);
}

/* ---- health code -------------------------------------------------------- */

void
health_code_compute(const struct day_status *h, size_t n, int32_t today, const policy_t *pol,
		    int32_t observation_end, health_code_t *out)
{
	enum status colour = STATUS_GREEN;
	int32_t end, day;
	int streak = 0, need = 0;
	size_t i = 0;
	char d1[DATE_STR_LEN], d2[DATE_STR_LEN];

	memset(out, 0, sizeof *out);
	/* Walk the days in order.  An abnormal report raises the colour
	 * (never lowers it: a yellow after a red keeps red) and restarts
	 * the count; a normal check-in counts; a missed day restarts the
	 * count; enough normal check-ins in a row turn the code green.
	 * Today without a report yet does not count as missed. */
	end = n && h[n - 1].date >= today ? today : today - 1;
	for (day = n ? h[0].date : end + 1; day <= end; day++) {
		while (i < n && h[i].date < day)
			i++;
		bool reported = i < n && h[i].date == day;
		if (reported && h[i].status != STATUS_GREEN) {
			if (colour == STATUS_GREEN || h[i].status >= colour) {
				colour = h[i].status;
				out->since = day;
			}
			need = colour == STATUS_RED ? pol->red_green_days : pol->yellow_green_days;
			streak = 0;
		} else if (reported) {
			streak++;
			if (colour != STATUS_GREEN && streak >= need) {
				colour = STATUS_GREEN;
				out->since = 0;
			}
		} else {
			streak = 0;
		}
	}
	out->colour = colour;
	out->normal_streak = streak;
	if (colour != STATUS_GREEN) {
		out->streak_needed = need;
		/* end is today or yesterday, and streak < need: not before today */
		out->green_from = end + (need - streak);
		snprintf(out->rule, sizeof out->rule, "%s",
			 colour == STATUS_RED ? "red_streak" : "yellow_streak");
		snprintf(out->reason_zh, sizeof out->reason_zh,
			 "%s报告异常；连续正常打卡%d天后转绿（已%d天）。",
			 date_format(out->since, d1), need, streak);
		snprintf(out->reason_en, sizeof out->reason_en,
			 "Abnormal report on %s; green after %d consecutive normal check-ins (%d so far).",
			 date_format(out->since, d2), need, streak);
	}
	if (observation_end > today) {
		if (out->colour == STATUS_GREEN) {
			out->colour = STATUS_YELLOW;
			snprintf(out->rule, sizeof out->rule, "observation");
		}
		if (observation_end > out->green_from) {
			/* the observation, not the streak, decides when it ends;
			 * a red code stays red by its own rule */
			out->green_from = observation_end;
			if (out->colour == STATUS_YELLOW)
				snprintf(out->rule, sizeof out->rule, "observation");
			snprintf(out->reason_zh, sizeof out->reason_zh, "医学观察至%s。",
				 date_format(observation_end, d1));
			snprintf(out->reason_en, sizeof out->reason_en,
				 "Under medical observation until %s.", date_format(observation_end, d2));
		}
	}
	if (out->colour == STATUS_GREEN) {
		snprintf(out->rule, sizeof out->rule, "no_abnormal_report");
		snprintf(out->reason_zh, sizeof out->reason_zh, "近期无异常报告。");
		snprintf(out->reason_en, sizeof out->reason_en, "No abnormal report lately.");
	}
}

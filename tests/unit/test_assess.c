/*
 * test_assess.c -- unit tests for core/assess and core/policy: the status
 * and actions a person is told after a daily report, and their health
 * code, as tables drawn from RULES.md (R1.9 37.3 °C re-measure, R2.2/C4
 * 14-day observation, R6.1/R6.6 7 and 14 consecutive normal check-ins,
 * R6.2 fever or cough is red, R7.4 report to office and community,
 * Hubei and students stay put).
 *
 * The policies are built here field by field to equal the files in
 * policies/; a case that fails names itself, and every failing case of a
 * table is listed before the test fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/assess.h"
#include "core/date.h"
#include "core/policy.h"
#include "core/registry.h"
#include "core/report.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int32_t
day(const char *s)
{
	int32_t d = 0;
	if (date_parse(s, &d) != 0)
		fail_msg("bad date in test: %s", s);
	return d;
}

static void
add_prefix(char (*list)[REGION_CODE_LEN + 1], int *n, const char *p)
{
	snprintf(list[*n], REGION_CODE_LEN + 1, "%s", p);
	(*n)++;
}

/* Fields common to all three policy files. */
static void
policy_common(policy_t *p)
{
	memset(p, 0, sizeof *p);
	p->fever_dc = 373;
	p->red_symptoms = SYM_BIT(SYM_FEVER) | SYM_BIT(SYM_COUGH) | SYM_BIT(SYM_SHORTNESS_OF_BREATH);
	p->yellow_symptoms = SYM_BIT(SYM_FATIGUE) | SYM_BIT(SYM_SORE_THROAT) |
			     SYM_BIT(SYM_DIARRHEA) | SYM_BIT(SYM_LOSS_OF_SMELL_TASTE) |
			     SYM_BIT(SYM_OTHER);
	p->observation_days = 14;
	p->family_unwell_yellow = true;
	p->red_green_days = 14;
	p->yellow_green_days = 7;
}

/* policies/2020-01-24-institute.json */
static policy_t
policy_institute(void)
{
	policy_t p;
	policy_common(&p);
	snprintf(p.version, sizeof p.version, "2020-01-24-institute");
	p.effective_from = day("2020-01-24");
	snprintf(p.title_zh, sizeof p.title_zh, "研究所疫情防控通知（2020年2月）与湖北健康码规则");
	snprintf(p.title_en, sizeof p.title_en,
		 "The institute's epidemic-control notice (Feb 2020) and the Hubei health-code rules");
	add_prefix(p.stay_in_place, &p.n_stay_in_place, "42");
	add_prefix(p.risk_regions, &p.n_risk_regions, "42");
	p.await_school_kinds = (1u << PERSON_STUDENT) | (1u << PERSON_POSTDOC);
	return p;
}

/* policies/2020-04-08-wuhan-reopened.json */
static policy_t
policy_wuhan_reopened(void)
{
	policy_t p;
	policy_common(&p);
	snprintf(p.version, sizeof p.version, "2020-04-08-wuhan-reopened");
	p.effective_from = day("2020-04-08");
	add_prefix(p.risk_regions, &p.n_risk_regions, "4201");
	p.await_school_kinds = (1u << PERSON_STUDENT) | (1u << PERSON_POSTDOC);
	return p;
}

/* policies/2020-09-01-school-reopened.json */
static policy_t
policy_school_reopened(void)
{
	policy_t p;
	policy_common(&p);
	snprintf(p.version, sizeof p.version, "2020-09-01-school-reopened");
	p.effective_from = day("2020-09-01");
	return p;
}

/* ---- assess_report -------------------------------------------------- */

enum pol { POL_FEB, POL_APR, POL_SEP };

struct assess_case {
	const char *why;
	enum pol pol;
	const char *date;
	double temp;              /* °C */
	double prev_temp;         /* earlier reading the same day, 0 = none */
	unsigned symptoms;        /* SYM_BIT set */
	enum exposure exposure;
	bool family_unwell;
	const char *region;       /* where the person is; NULL = 110108 */
	const char *travel;       /* comma-separated codes, or NULL */
	enum person_kind kind;
	/* expected */
	enum status status;
	const char *rule;
	const char *must;         /* actions that must be there, comma-separated */
	const char *must_not;     /* actions that must not be there */
	int obs_days;             /* observation_end = date + obs_days; 0 = none */
};

#define RED4 "stay_home,visit_fever_clinic,report_office,report_community"
#define OBS "medical_observation,stay_home,report_office,report_community"
#define FEB "2020-02-10"
#define S(x) SYM_BIT(SYM_##x)

static const struct assess_case assess_cases[] = {
	/* temperature: the 37.3 °C edge (R1.9: >= 37.3 re-measure, persists → abnormal) */
	{"36.5 and nothing else is green", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE, false, NULL, NULL,
	 PERSON_STAFF, STATUS_GREEN, "all_normal", "",
	 "stay_home,visit_fever_clinic,report_office,report_community,recheck_temperature,"
	 "medical_observation,stay_in_place,await_school_notice,watch_family", 0},
	{"37.2 is still green", POL_FEB, FEB, 37.2, 0, 0, EXP_NONE, false, NULL, NULL,
	 PERSON_STAFF, STATUS_GREEN, "all_normal", "", "stay_home,recheck_temperature", 0},
	{"37.2 after an earlier 37.5 is green", POL_FEB, FEB, 37.2, 37.5, 0, EXP_NONE, false, NULL,
	 NULL, PERSON_STAFF, STATUS_GREEN, "all_normal", "", "stay_home,recheck_temperature", 0},
	{"exactly 37.3, first reading: re-measure", POL_FEB, FEB, 37.3, 0, 0, EXP_NONE, false,
	 NULL, NULL, PERSON_STAFF, STATUS_YELLOW, "fever_recheck", "recheck_temperature,stay_home",
	 "visit_fever_clinic", 0},
	{"38.5 first reading: re-measure", POL_FEB, FEB, 38.5, 0, 0, EXP_NONE, false, NULL, NULL,
	 PERSON_STAFF, STATUS_YELLOW, "fever_recheck", "recheck_temperature", "", 0},
	{"37.3 after an earlier 37.3 the same day is red", POL_FEB, FEB, 37.3, 37.3, 0, EXP_NONE,
	 false, NULL, NULL, PERSON_STAFF, STATUS_RED, "fever_persisting", RED4, "", 0},
	{"38.0 after an earlier 37.6 is red", POL_FEB, FEB, 38.0, 37.6, 0, EXP_NONE, false, NULL,
	 NULL, PERSON_STAFF, STATUS_RED, "fever_persisting", RED4, "", 0},
	{"37.3 after an earlier 36.8 is a first fever reading", POL_FEB, FEB, 37.3, 36.8, 0,
	 EXP_NONE, false, NULL, NULL, PERSON_STAFF, STATUS_YELLOW, "fever_recheck",
	 "recheck_temperature", "visit_fever_clinic", 0},
	{"37.3 after an earlier 37.2 is a first fever reading", POL_FEB, FEB, 37.3, 37.2, 0,
	 EXP_NONE, false, NULL, NULL, PERSON_STAFF, STATUS_YELLOW, "fever_recheck",
	 "recheck_temperature", "visit_fever_clinic", 0},

	/* symptoms (R6.2: fever or cough is red; R7.4: office and community) */
	{"fever ticked at 36.5 is red", POL_FEB, FEB, 36.5, 0, S(FEVER), EXP_NONE, false, NULL,
	 NULL, PERSON_STAFF, STATUS_RED, "red_symptom", RED4, "recheck_temperature", 0},
	{"cough is red", POL_FEB, FEB, 36.6, 0, S(COUGH), EXP_NONE, false, NULL, NULL,
	 PERSON_STAFF, STATUS_RED, "red_symptom", RED4, "", 0},
	{"shortness of breath is red", POL_FEB, FEB, 36.6, 0, S(SHORTNESS_OF_BREATH), EXP_NONE,
	 false, NULL, NULL, PERSON_STAFF, STATUS_RED, "red_symptom", RED4, "", 0},
	{"fever ticked and 38.2 is red by symptom", POL_FEB, FEB, 38.2, 0, S(FEVER), EXP_NONE,
	 false, NULL, NULL, PERSON_STAFF, STATUS_RED, "red_symptom", RED4, "", 0},
	{"fatigue is yellow", POL_FEB, FEB, 36.6, 0, S(FATIGUE), EXP_NONE, false, NULL, NULL,
	 PERSON_STAFF, STATUS_YELLOW, "yellow_symptom", "stay_home,report_office",
	 "visit_fever_clinic", 0},
	{"sore throat is yellow", POL_FEB, FEB, 36.6, 0, S(SORE_THROAT), EXP_NONE, false, NULL,
	 NULL, PERSON_STAFF, STATUS_YELLOW, "yellow_symptom", "stay_home,report_office", "", 0},
	{"diarrhea is yellow", POL_FEB, FEB, 36.6, 0, S(DIARRHEA), EXP_NONE, false, NULL, NULL,
	 PERSON_STAFF, STATUS_YELLOW, "yellow_symptom", "report_office", "", 0},
	{"loss of smell/taste is yellow", POL_FEB, FEB, 36.6, 0, S(LOSS_OF_SMELL_TASTE), EXP_NONE,
	 false, NULL, NULL, PERSON_STAFF, STATUS_YELLOW, "yellow_symptom", "report_office", "", 0},
	{"other symptom is yellow", POL_FEB, FEB, 36.6, 0, S(OTHER), EXP_NONE, false, NULL, NULL,
	 PERSON_STAFF, STATUS_YELLOW, "yellow_symptom", "report_office", "", 0},
	{"cough and fatigue: red wins", POL_FEB, FEB, 36.6, 0, S(COUGH) | S(FATIGUE), EXP_NONE,
	 false, NULL, NULL, PERSON_STAFF, STATUS_RED, "red_symptom", RED4, "", 0},

	/* exposure (R2.2 + C4: observation ends at date + 14) */
	{"confirmed contact: observation until date+14", POL_FEB, FEB, 36.5, 0, 0,
	 EXP_CONFIRMED_CONTACT, false, NULL, NULL, PERSON_STAFF, STATUS_YELLOW, "contact", OBS,
	 "visit_fever_clinic", 14},
	{"suspected contact: observation until date+14", POL_FEB, FEB, 36.5, 0, 0,
	 EXP_SUSPECTED_CONTACT, false, NULL, NULL, PERSON_STAFF, STATUS_YELLOW, "contact", OBS, "",
	 14},
	{"risk-area travel declared", POL_FEB, FEB, 36.5, 0, 0, EXP_RISK_AREA_TRAVEL, false, NULL,
	 NULL, PERSON_STAFF, STATUS_YELLOW, "risk_travel", OBS, "", 14},
	{"travel to Wuchang (420106) in Feb", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE, false, NULL,
	 "420106", PERSON_STAFF, STATUS_YELLOW, "risk_travel", OBS, "stay_in_place", 14},
	{"travel to Beijing and then Yichang (420502) in Feb", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE,
	 false, NULL, "110105,420502", PERSON_STAFF, STATUS_YELLOW, "risk_travel", OBS, "", 14},
	{"travel to Haidian (110108) is green", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE, false, NULL,
	 "110108", PERSON_STAFF, STATUS_GREEN, "all_normal", "", "medical_observation,stay_home",
	 0},
	{"observation on the last day of February crosses the month", POL_FEB, "2020-02-20", 36.5,
	 0, 0, EXP_CONFIRMED_CONTACT, false, NULL, NULL, PERSON_STAFF, STATUS_YELLOW, "contact",
	 OBS, "", 14},

	/* where the person is and who they are (R7.4) */
	{"healthy in Jiang'an (420102): stay in place", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE, false,
	 "420102", NULL, PERSON_STAFF, STATUS_GREEN, "all_normal", "stay_in_place",
	 "stay_home,medical_observation", 0},
	{"healthy in Jingzhou (421002): stay in place", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE, false,
	 "421002", NULL, PERSON_STAFF, STATUS_GREEN, "all_normal", "stay_in_place", "", 0},
	{"in Chaoyang (110105): no stay in place", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE, false,
	 "110105", NULL, PERSON_STAFF, STATUS_GREEN, "all_normal", "", "stay_in_place", 0},
	{"student awaits the school notice", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE, false, NULL, NULL,
	 PERSON_STUDENT, STATUS_GREEN, "all_normal", "await_school_notice", "", 0},
	{"postdoc awaits the school notice", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE, false, NULL, NULL,
	 PERSON_POSTDOC, STATUS_GREEN, "all_normal", "await_school_notice", "", 0},
	{"staff does not await a school notice", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE, false, NULL,
	 NULL, PERSON_STAFF, STATUS_GREEN, "all_normal", "", "await_school_notice", 0},
	{"visitor does not await a school notice", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE, false, NULL,
	 NULL, PERSON_VISITOR, STATUS_GREEN, "all_normal", "", "await_school_notice", 0},
	{"student with a cough in Hubei: red, stays put, awaits notice", POL_FEB, FEB, 36.6, 0,
	 S(COUGH), EXP_NONE, false, "420111", NULL, PERSON_STUDENT, STATUS_RED, "red_symptom",
	 RED4 ",stay_in_place,await_school_notice", "", 0},

	/* family */
	{"family unwell is yellow", POL_FEB, FEB, 36.5, 0, 0, EXP_NONE, true, NULL, NULL,
	 PERSON_STAFF, STATUS_YELLOW, "family_unwell", "watch_family,report_office",
	 "visit_fever_clinic", 0},

	/* precedence: the first rule decides, every firing rule adds actions */
	{"fever and confirmed contact: red, observation kept", POL_FEB, FEB, 36.9, 0, S(FEVER),
	 EXP_CONFIRMED_CONTACT, false, NULL, NULL, PERSON_STAFF, STATUS_RED, "red_symptom",
	 RED4 ",medical_observation", "", 14},
	{"37.3 first reading and contact: recheck decides, observation kept", POL_FEB, FEB, 37.3,
	 0, 0, EXP_CONFIRMED_CONTACT, false, NULL, NULL, PERSON_STAFF, STATUS_YELLOW,
	 "fever_recheck", "recheck_temperature,medical_observation", "", 14},
	{"persisting fever and family unwell: red, watch family too", POL_FEB, FEB, 37.8, 37.5, 0,
	 EXP_NONE, true, NULL, NULL, PERSON_STAFF, STATUS_RED, "fever_persisting",
	 RED4 ",watch_family", "", 0},
	{"contact and Hubei travel: contact decides", POL_FEB, FEB, 36.5, 0, 0,
	 EXP_SUSPECTED_CONTACT, false, NULL, "420106", PERSON_STAFF, STATUS_YELLOW, "contact", OBS,
	 "", 14},
	{"fatigue and family unwell: yellow symptom decides, both actions", POL_FEB, FEB, 36.5, 0,
	 S(FATIGUE), EXP_NONE, true, NULL, NULL, PERSON_STAFF, STATUS_YELLOW, "yellow_symptom",
	 "stay_home,report_office,watch_family", "", 0},

	/* April 2020: Wuhan reopened (risk 4201, nobody stays put in Hubei) */
	{"Apr: healthy in Jiang'an, no stay in place", POL_APR, "2020-04-10", 36.5, 0, 0, EXP_NONE,
	 false, "420102", NULL, PERSON_STAFF, STATUS_GREEN, "all_normal", "", "stay_in_place", 0},
	{"Apr: travel to Wuchang (4201) still opens an observation", POL_APR, "2020-04-10", 36.5, 0,
	 0, EXP_NONE, false, NULL, "420106", PERSON_STAFF, STATUS_YELLOW, "risk_travel", OBS, "",
	 14},
	{"Apr: travel to Yichang (4205) is green", POL_APR, "2020-04-10", 36.5, 0, 0, EXP_NONE,
	 false, NULL, "420502", PERSON_STAFF, STATUS_GREEN, "all_normal", "",
	 "medical_observation", 0},
	{"Apr: students still await the notice", POL_APR, "2020-04-10", 36.5, 0, 0, EXP_NONE, false,
	 NULL, NULL, PERSON_STUDENT, STATUS_GREEN, "all_normal", "await_school_notice", "", 0},

	/* September 2020: school reopened */
	{"Sep: healthy in Jiang'an, no stay in place", POL_SEP, "2020-09-10", 36.5, 0, 0, EXP_NONE,
	 false, "420102", NULL, PERSON_STAFF, STATUS_GREEN, "all_normal", "", "stay_in_place", 0},
	{"Sep: student no longer awaits a notice", POL_SEP, "2020-09-10", 36.5, 0, 0, EXP_NONE,
	 false, NULL, NULL, PERSON_STUDENT, STATUS_GREEN, "all_normal", "", "await_school_notice",
	 0},
	{"Sep: postdoc no longer awaits a notice", POL_SEP, "2020-09-10", 36.5, 0, 0, EXP_NONE,
	 false, NULL, NULL, PERSON_POSTDOC, STATUS_GREEN, "all_normal", "", "await_school_notice",
	 0},
	{"Sep: travel to Wuchang is green", POL_SEP, "2020-09-10", 36.5, 0, 0, EXP_NONE, false,
	 NULL, "420106", PERSON_STAFF, STATUS_GREEN, "all_normal", "", "medical_observation", 0},
	{"Sep: declared risk-area travel still opens an observation", POL_SEP, "2020-09-10", 36.5,
	 0, 0, EXP_RISK_AREA_TRAVEL, false, NULL, NULL, PERSON_STAFF, STATUS_YELLOW, "risk_travel",
	 OBS, "", 14},
	{"Sep: cough is still red", POL_SEP, "2020-09-10", 36.6, 0, S(COUGH), EXP_NONE, false, NULL,
	 NULL, PERSON_STAFF, STATUS_RED, "red_symptom", RED4, "", 0},
	{"Sep: 37.3 still needs a re-measure", POL_SEP, "2020-09-10", 37.3, 0, 0, EXP_NONE, false,
	 NULL, NULL, PERSON_STAFF, STATUS_YELLOW, "fever_recheck", "recheck_temperature", "", 0},
};

static int
temp_dc(double c)
{
	int t = 0;
	if (report_temp_from_double(c, &t) != 0)
		fail_msg("temperature %.1f refused", c);
	return t;
}

static void
build_report(const struct assess_case *c, report_t *r, person_t *p)
{
	memset(r, 0, sizeof *r);
	memset(p, 0, sizeof *p);
	snprintf(p->id, sizeof p->id, "P0001");
	snprintf(p->name, sizeof p->name, "Zhang Wei");
	p->kind = c->kind;
	p->department_id = 3;
	snprintf(p->region_code, sizeof p->region_code, "110108");

	snprintf(r->person_id, sizeof r->person_id, "P0001");
	r->date = day(c->date);
	r->temp_dc = temp_dc(c->temp);
	r->symptoms = c->symptoms;
	snprintf(r->region_code, sizeof r->region_code, "%s", c->region ? c->region : "110108");
	r->location = LOC_HOME;
	r->exposure = c->exposure;
	r->family_unwell = c->family_unwell;
	if (c->travel) {
		const char *s = c->travel;
		while (*s) {
			size_t len = strcspn(s, ",");
			assert_true(len == REGION_CODE_LEN && r->n_travel < REPORT_TRAVEL_MAX);
			memcpy(r->travel_regions[r->n_travel], s, len);
			r->travel_regions[r->n_travel][len] = '\0';
			r->n_travel++;
			s += len + (s[len] == ',');
		}
	}
}

static const struct action *
find_action(const assessment_t *a, const char *code, size_t len)
{
	for (int i = 0; i < a->n_actions; i++)
		if (strlen(a->actions[i].code) == len && strncmp(a->actions[i].code, code, len) == 0)
			return &a->actions[i];
	return NULL;
}

/* Appends "case: problem" lines to out; returns the number of problems. */
static int
check_assessment(const struct assess_case *c, const policy_t *pol, const assessment_t *a,
		 char *out, size_t cap)
{
	int bad = 0;
	size_t used = strlen(out);
#define PROBLEM(...)                                                            \
	do {                                                                    \
		bad++;                                                          \
		used += (size_t)snprintf(out + used, used < cap ? cap - used : 0,  \
					 "  [%s] ", c->why);                    \
		used += (size_t)snprintf(out + used, used < cap ? cap - used : 0,  \
					 __VA_ARGS__);                          \
		used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, \
					 "\n");                                 \
	} while (0)

	if (a->status != c->status)
		PROBLEM("status %s, expected %s", status_name(a->status), status_name(c->status));
	if (strcmp(a->rule, c->rule) != 0)
		PROBLEM("rule '%s', expected '%s'", a->rule, c->rule);
	if (strcmp(a->policy_version, pol->version) != 0)
		PROBLEM("policy_version '%s', expected '%s'", a->policy_version, pol->version);
	if (!a->reason_zh[0] || !a->reason_en[0])
		PROBLEM("reason missing (zh '%s', en '%s')", a->reason_zh, a->reason_en);
	if (c->status != STATUS_GREEN && (!a->back_to_green_zh[0] || !a->back_to_green_en[0]))
		PROBLEM("not green but no 'back to green' explanation");
	for (const char *s = c->must; *s;) {
		size_t len = strcspn(s, ",");
		if (!find_action(a, s, len))
			PROBLEM("action %.*s missing", (int)len, s);
		s += len + (s[len] == ',');
	}
	for (const char *s = c->must_not; *s;) {
		size_t len = strcspn(s, ",");
		if (find_action(a, s, len))
			PROBLEM("action %.*s given but should not be", (int)len, s);
		s += len + (s[len] == ',');
	}
	for (int i = 0; i < a->n_actions; i++) {
		const struct action *ac = &a->actions[i];
		if (!ac->text_zh[0] || !ac->text_en[0])
			PROBLEM("action %s without zh/en text", ac->code);
		for (int j = 0; j < i; j++)
			if (strcmp(a->actions[j].code, ac->code) == 0)
				PROBLEM("action %s given twice", ac->code);
		if (strcmp(ac->code, "medical_observation") != 0 && ac->until != 0)
			PROBLEM("action %s has an end date", ac->code);
	}
	{
		int32_t want = c->obs_days ? day(c->date) + c->obs_days : 0;
		const struct action *obs = find_action(a, "medical_observation",
						       strlen("medical_observation"));
		if (a->observation_end != want)
			PROBLEM("observation_end %d, expected %d (date + %d)", (int)a->observation_end,
				(int)want, c->obs_days);
		if (obs && obs->until != want)
			PROBLEM("medical_observation until %d, expected %d", (int)obs->until, (int)want);
	}
#undef PROBLEM
	return bad;
}

static void
test_assess_report_table(void **state)
{
	policy_t pols[3] = {policy_institute(), policy_wuhan_reopened(), policy_school_reopened()};
	static char problems[32768];
	int bad = 0;
	(void)state;

	problems[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(assess_cases); i++) {
		const struct assess_case *c = &assess_cases[i];
		const policy_t *pol = &pols[c->pol];
		report_t r;
		person_t p;
		assessment_t a;

		/* the case's date is one the policy is in force on */
		assert_ptr_equal(policy_in_force(pols, 3, day(c->date)), pol);
		build_report(c, &r, &p);
		memset(&a, 0x5a, sizeof a); /* assess_report must fill every field */
		assess_report(&r, &p, pol, c->prev_temp ? temp_dc(c->prev_temp) : 0, &a);
		bad += check_assessment(c, pol, &a, problems, sizeof problems);
	}
	if (bad)
		fail_msg("%d problem(s) in the assessment table:\n%s", bad, problems);
}

/* The C4 arithmetic, spelled out once: contact on 20 Feb 2020 (a leap
 * year) → observation to 5 Mar 2020, released on that day. */
static void
test_observation_end_date(void **state)
{
	policy_t pol = policy_institute();
	report_t r;
	person_t p;
	assessment_t a;
	char buf[DATE_STR_LEN];
	const struct assess_case c = {"contact 2020-02-20", POL_FEB, "2020-02-20", 36.5, 0, 0,
				      EXP_CONFIRMED_CONTACT, false, NULL, NULL, PERSON_STAFF,
				      STATUS_YELLOW, "contact", "", "", 14};
	(void)state;

	build_report(&c, &r, &p);
	assess_report(&r, &p, &pol, 0, &a);
	assert_string_equal(date_format(a.observation_end, buf), "2020-03-05");
}

/* The typed temperature is kept to the tenth without drifting below the
 * threshold (37.3 must not become 37.2 through binary rounding). */
static void
test_temperature_tenths(void **state)
{
	static const struct {
		double c;
		int rc, dc;
	} cases[] = {
		{37.3, 0, 373}, {37.2, 0, 372}, {36.5, 0, 365}, {34.0, 0, 340},
		{43.0, 0, 430}, {38.05, 0, 381}, {37.29, 0, 373}, {33.9, FK_EINVAL, 0},
		{43.1, FK_EINVAL, 0}, {-1.0, FK_EINVAL, 0}, {0.0, FK_EINVAL, 0},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int dc = -1;
		int rc = report_temp_from_double(cases[i].c, &dc);
		if (rc != cases[i].rc)
			fail_msg("%.2f: rc %d, expected %d", cases[i].c, rc, cases[i].rc);
		if (rc == 0 && dc != cases[i].dc)
			fail_msg("%.2f: %d tenths, expected %d", cases[i].c, dc, cases[i].dc);
	}
}

/* ---- policy_in_force -------------------------------------------------- */

static void
test_policy_in_force_edges(void **state)
{
	policy_t sorted[3] = {policy_institute(), policy_wuhan_reopened(),
			      policy_school_reopened()};
	/* the order in the set must not matter */
	policy_t shuffled[3] = {policy_school_reopened(), policy_institute(),
				policy_wuhan_reopened()};
	static const struct {
		const char *date;
		const char *version; /* NULL: none in force */
	} cases[] = {
		{"2019-12-31", NULL},
		{"2020-01-23", NULL},
		{"2020-01-24", "2020-01-24-institute"},
		{"2020-02-10", "2020-01-24-institute"},
		{"2020-04-07", "2020-01-24-institute"},
		{"2020-04-08", "2020-04-08-wuhan-reopened"},
		{"2020-08-31", "2020-04-08-wuhan-reopened"},
		{"2020-09-01", "2020-09-01-school-reopened"},
		{"2021-06-01", "2020-09-01-school-reopened"},
	};
	(void)state;

	for (int set = 0; set < 2; set++) {
		const policy_t *pols = set ? shuffled : sorted;
		for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
			const policy_t *p = policy_in_force(pols, 3, day(cases[i].date));
			if (cases[i].version == NULL) {
				if (p != NULL)
					fail_msg("%s (%s set): %s in force, expected none",
						 cases[i].date, set ? "shuffled" : "sorted",
						 p->version);
				continue;
			}
			if (p == NULL)
				fail_msg("%s (%s set): none in force, expected %s", cases[i].date,
					 set ? "shuffled" : "sorted", cases[i].version);
			if (strcmp(p->version, cases[i].version) != 0)
				fail_msg("%s (%s set): %s in force, expected %s", cases[i].date,
					 set ? "shuffled" : "sorted", p->version, cases[i].version);
		}
	}
	assert_null(policy_in_force(sorted, 0, day("2020-02-10")));
}

static void
test_policy_prefix_match(void **state)
{
	const policy_t feb = policy_institute(), apr = policy_wuhan_reopened(),
		       sep = policy_school_reopened();
	(void)state;
	assert_true(policy_prefix_match(feb.risk_regions, feb.n_risk_regions, "420106"));
	assert_true(policy_prefix_match(feb.risk_regions, feb.n_risk_regions, "421002"));
	assert_false(policy_prefix_match(feb.risk_regions, feb.n_risk_regions, "110108"));
	assert_false(policy_prefix_match(feb.risk_regions, feb.n_risk_regions, "142000"));
	assert_true(policy_prefix_match(apr.risk_regions, apr.n_risk_regions, "420106"));
	assert_false(policy_prefix_match(apr.risk_regions, apr.n_risk_regions, "420502"));
	assert_false(policy_prefix_match(sep.risk_regions, sep.n_risk_regions, "420106"));
}

/* ---- health_code_compute ------------------------------------------------ */

#define MAX_DAYS 64

/*
 * A history as a string, one character per day starting at `start`:
 * 'g' green, 'y' yellow, 'r' red, '.' no report that day.  Today is the
 * day after the last character unless `today` says otherwise.
 */
struct code_case {
	const char *why;
	const char *start;
	const char *days;
	int today;                /* offset of today from start; -1 = strlen(days) - 1 */
	int obs_end;              /* offset of observation_end from start; 0 = none */
	/* expected */
	enum status colour;
	const char *rule;
	int since;                /* offset; -1 = 0 (none) */
	int green_from;           /* offset; -1 = 0 (green) */
	int streak;
	int needed;               /* streak_needed; -1 = don't check */
};

#define D0 "2020-02-01"

static const struct code_case code_cases[] = {
	{"no history at all is green", D0, "", 0, 0, STATUS_GREEN, "no_abnormal_report", -1, -1, 0,
	 -1},
	{"only normal reports is green", D0, "ggggg", -1, 0, STATUS_GREEN, "no_abnormal_report", -1,
	 -1, 5, -1},
	{"red today is red, green after 14 more normal days", D0, "gggr", -1, 0, STATUS_RED,
	 "red_streak", 3, 3 + 14, 0, 14},
	{"red yesterday, normal today: red, green from red day + 14", D0, "rg", -1, 0, STATUS_RED,
	 "red_streak", 0, 14, 1, 14},
	{"red yesterday, today not yet reported: still red, green from red day + 14", D0, "r", 1, 0,
	 STATUS_RED, "red_streak", 0, 14, 0, 14},
	{"13 normal days after red: still red, green tomorrow", D0, "rggggggggggggg", -1, 0,
	 STATUS_RED, "red_streak", 0, 14, 13, 14},
	{"14 consecutive normal days after red is green", D0, "rgggggggggggggg", -1, 0,
	 STATUS_GREEN, "no_abnormal_report", -1, -1, 14, -1},
	{"14 normal days after red, today not yet reported: green", D0, "rgggggggggggggg", 15, 0,
	 STATUS_GREEN, "no_abnormal_report", -1, -1, 14, -1},
	{"13 normal days after red, today not yet reported: red, green today if reported", D0,
	 "rggggggggggggg", 14, 0, STATUS_RED, "red_streak", 0, 14, 13, 14},
	{"a missed day restarts the count", D0, "rggggg.gggggggg", -1, 0, STATUS_RED, "red_streak",
	 0, 14 + 6, 8, 14},
	{"a missed day just before today restarts the count", D0, "rggggggggggggg.g", -1, 0,
	 STATUS_RED, "red_streak", 0, 15 + 13, 1, 14},
	{"yesterday missed and today not reported: no streak", D0, "rgggggggg", 10, 0, STATUS_RED,
	 "red_streak", 0, 10 + 13, 0, 14},
	{"a second red restarts the count from it", D0, "rgggggrgg", -1, 0, STATUS_RED,
	 "red_streak", 6, 6 + 14, 2, 14},
	{"yellow today is yellow, green after 7", D0, "gy", -1, 0, STATUS_YELLOW, "yellow_streak",
	 1, 1 + 7, 0, 7},
	{"6 normal days after yellow: still yellow", D0, "ygggggg", -1, 0, STATUS_YELLOW,
	 "yellow_streak", 0, 7, 6, 7},
	{"7 normal days after yellow is green", D0, "yggggggg", -1, 0, STATUS_GREEN,
	 "no_abnormal_report", -1, -1, 7, -1},
	{"red after yellow: 14 days", D0, "yrggggggg", -1, 0, STATUS_RED, "red_streak", 1, 1 + 14,
	 7, 14},
	/* R6.6: an abnormal check-in resets the streak; it does not lower
	 * the colour.  A yellow day after a red one must not turn 14 days
	 * into 7 (nor make the person green sooner than a normal day). */
	{"yellow after red keeps red, 14 normal days after the yellow", D0, "ryggggggg", -1, 0,
	 STATUS_RED, "red_streak", 0, 1 + 14, 7, 14},
	{"yellow after red: green after 14 normal days", D0, "rygggggggggggggg", -1, 0,
	 STATUS_GREEN, "no_abnormal_report", -1, -1, 14, -1},
	/* medical observation (C4: released on observation_end) */
	{"observation in the future keeps yellow with no abnormal report", D0, "ggg", -1, 10,
	 STATUS_YELLOW, "observation", -1, 10, 3, -1},
	{"yellow streak done but observation open: yellow until its end", D0, "ygggggggg", -1, 14,
	 STATUS_YELLOW, "observation", -1, 14, 8, -1},
	{"the day before observation_end is still yellow", D0, "yggggggggggggg", -1, 14,
	 STATUS_YELLOW, "observation", -1, 14, 13, -1},
	{"on observation_end it is green", D0, "ygggggggggggggg", -1, 14, STATUS_GREEN,
	 "no_abnormal_report", -1, -1, 14, -1},
	{"after observation_end it is green", D0, "yggggggggggggggg", -1, 14, STATUS_GREEN,
	 "no_abnormal_report", -1, -1, 15, -1},
	{"red outlasts a shorter observation: red", D0, "rgg", -1, 5, STATUS_RED, "red_streak", 0,
	 14, 2, 14},
	{"observation outlasting a red streak moves green_from", D0, "r", -1, 20, STATUS_RED,
	 "red_streak", 0, 20, 0, 14},
};

static void
test_health_code_table(void **state)
{
	policy_t pol = policy_institute();
	static char problems[32768];
	size_t used = 0;
	int bad = 0;
	(void)state;

	problems[0] = '\0';
#define PROBLEM(...)                                                               \
	do {                                                                       \
		bad++;                                                             \
		used += (size_t)snprintf(problems + used,                          \
					 used < sizeof problems ? sizeof problems - used : 0, \
					 "  [%s] ", c->why);                       \
		used += (size_t)snprintf(problems + used,                          \
					 used < sizeof problems ? sizeof problems - used : 0, \
					 __VA_ARGS__);                             \
		used += (size_t)snprintf(problems + used,                          \
					 used < sizeof problems ? sizeof problems - used : 0, \
					 "\n");                                    \
	} while (0)
	for (size_t i = 0; i < ARRAY_LEN(code_cases); i++) {
		const struct code_case *c = &code_cases[i];
		struct day_status h[MAX_DAYS];
		size_t n = 0;
		int32_t start = day(c->start);
		int len = (int)strlen(c->days);
		int32_t today = start + (c->today >= 0 ? c->today : len - 1);
		int32_t obs_end = c->obs_end ? start + c->obs_end : 0;
		int32_t want_since = c->since >= 0 ? start + c->since : 0;
		int32_t want_green = c->green_from >= 0 ? start + c->green_from : 0;
		health_code_t hc;
		char b1[DATE_STR_LEN], b2[DATE_STR_LEN];

		assert_true(len < MAX_DAYS);
		for (int k = 0; k < len; k++) {
			char ch = c->days[k];
			if (ch == '.')
				continue;
			h[n].date = start + k;
			h[n].status = ch == 'r' ? STATUS_RED : ch == 'y' ? STATUS_YELLOW : STATUS_GREEN;
			n++;
		}
		memset(&hc, 0x5a, sizeof hc);
		health_code_compute(h, n, today, &pol, obs_end, &hc);

		if (hc.colour != c->colour)
			PROBLEM("colour %s, expected %s", status_name(hc.colour),
				status_name(c->colour));
		if (strcmp(hc.rule, c->rule) != 0)
			PROBLEM("rule '%s', expected '%s'", hc.rule, c->rule);
		if (c->since >= 0 && hc.since != want_since)
			PROBLEM("since %s, expected %s", date_format(hc.since, b1),
				date_format(want_since, b2));
		if (hc.green_from != want_green)
			PROBLEM("green_from %s, expected %s",
				hc.green_from ? date_format(hc.green_from, b1) : "0",
				want_green ? date_format(want_green, b2) : "0");
		if (hc.normal_streak != c->streak)
			PROBLEM("normal_streak %d, expected %d", hc.normal_streak, c->streak);
		if (c->needed >= 0 && hc.streak_needed != c->needed)
			PROBLEM("streak_needed %d, expected %d", hc.streak_needed, c->needed);
		if (hc.colour != STATUS_GREEN && hc.green_from < today)
			PROBLEM("not green but green_from is before today");
		if (!hc.reason_zh[0] || !hc.reason_en[0])
			PROBLEM("reason missing");
		if (!memchr(hc.reason_zh, '\0', sizeof hc.reason_zh) ||
		    !memchr(hc.reason_en, '\0', sizeof hc.reason_en))
			PROBLEM("reason not terminated");
	}
#undef PROBLEM
	if (bad)
		fail_msg("%d problem(s) in the health-code table:\n%s", bad, problems);
}

/* The health code's reason names the day of the report that set it, so
 * a person can tell which report they are waiting out. */
static void
test_health_code_reason_names_day(void **state)
{
	policy_t pol = policy_institute();
	struct day_status h[] = {{day("2020-02-03"), STATUS_RED}, {day("2020-02-04"), STATUS_GREEN}};
	health_code_t hc;
	(void)state;

	health_code_compute(h, ARRAY_LEN(h), day("2020-02-04"), &pol, 0, &hc);
	assert_int_equal(hc.colour, STATUS_RED);
	assert_non_null(strstr(hc.reason_en, "2020-02-03"));
	assert_non_null(strstr(hc.reason_zh, "2020-02-03"));
}

/* The policy's day counts are used, not constants. */
static void
test_health_code_follows_policy_days(void **state)
{
	policy_t pol = policy_institute();
	struct day_status h[] = {{day("2020-02-01"), STATUS_RED},
				 {day("2020-02-02"), STATUS_GREEN},
				 {day("2020-02-03"), STATUS_GREEN},
				 {day("2020-02-04"), STATUS_GREEN}};
	health_code_t hc;
	(void)state;

	pol.red_green_days = 3;
	health_code_compute(h, ARRAY_LEN(h), day("2020-02-04"), &pol, 0, &hc);
	assert_int_equal(hc.colour, STATUS_GREEN);
	pol.red_green_days = 4;
	health_code_compute(h, ARRAY_LEN(h), day("2020-02-04"), &pol, 0, &hc);
	assert_int_equal(hc.colour, STATUS_RED);
	assert_int_equal(hc.green_from, day("2020-02-05"));
	assert_int_equal(hc.streak_needed, 4);
}

static void
test_status_names(void **state)
{
	enum status s;
	(void)state;
	assert_string_equal(status_name(STATUS_GREEN), "green");
	assert_string_equal(status_name(STATUS_YELLOW), "yellow");
	assert_string_equal(status_name(STATUS_RED), "red");
	assert_int_equal(status_parse("yellow", &s), 0);
	assert_int_equal(s, STATUS_YELLOW);
	assert_int_equal(status_parse("Red", &s), FK_EINVAL);
	assert_int_equal(status_parse("", &s), FK_EINVAL);
	assert_int_equal(status_parse(NULL, &s), FK_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assess_report_table),
		cmocka_unit_test(test_observation_end_date),
		cmocka_unit_test(test_temperature_tenths),
		cmocka_unit_test(test_policy_in_force_edges),
		cmocka_unit_test(test_policy_prefix_match),
		cmocka_unit_test(test_health_code_table),
		cmocka_unit_test(test_health_code_reason_names_day),
		cmocka_unit_test(test_health_code_follows_policy_days),
		cmocka_unit_test(test_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

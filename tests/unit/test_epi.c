/*
 * test_epi.c -- unit tests for core/epi: the rules of case management as
 * tables drawn from RULES.md.
 *
 *   - the classification state machine of epi.h, every from x to pair
 *     (R1.3-R1.8, R3.5; recovered -> confirmed is the re-positive of the
 *     9 Apr 2020 复诊复检方案; excluded and died are final);
 *   - "clinical" (临床诊断病例) only in Hubei and only 12-19 Feb 2020 (R1.3);
 *   - the order of a case's dates (onset, sampling, report, diagnosis,
 *     isolation);
 *   - the close-contact window (R2.1): 2 days before onset under the 5th
 *     防控方案 (21 Feb 2020), before sampling for asymptomatic cases, from
 *     onset before it, until isolation; effective protection is never a
 *     contact;
 *   - the end of medical observation (R2.2, C4: last exposure + 14);
 *   - the case part of the health code (R6.2, R6.3, R1.8).
 *
 * The policies are built here field by field (the two numbers that matter
 * equal policies/2020-01-24-institute.json and 2020-02-21-prevention-5th.json).
 * A table names each failing row, and every failing row is listed before
 * the test fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/epi.h"
#include "core/policy.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int32_t
day(const char *s)
{
	int32_t d = 0;
	if (date_parse(s, &d) != 0)
		fail_msg("bad date in test: %s", s);
	return d;
}

static const char *
ds(int32_t d, char buf[DATE_STR_LEN])
{
	return d ? date_format(d, buf) : "0";
}

/* policies/2020-02-21-prevention-5th.json: 2 days before onset. */
static policy_t
policy_5th(void)
{
	policy_t p;
	memset(&p, 0, sizeof p);
	snprintf(p.version, sizeof p.version, "2020-02-21-prevention-5th");
	p.effective_from = day("2020-02-21");
	p.fever_dc = 373;
	p.observation_days = 14;
	p.contact_days_before_onset = 2;
	p.cluster_min_cases = 2;
	p.cluster_window_days = 14;
	return p;
}

/* policies/2020-01-24-institute.json: before the 5th edition, contacts
 * counted only from onset. */
static policy_t
policy_before_5th(void)
{
	policy_t p = policy_5th();
	snprintf(p.version, sizeof p.version, "2020-01-24-institute");
	p.effective_from = day("2020-01-24");
	p.contact_days_before_onset = 0;
	return p;
}

/* Collects "row: problem" lines; the test fails after the whole table. */
struct problems {
	char text[16384];
	size_t used;
	int n;
};

static void problem(struct problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
problem(struct problems *p, const char *fmt, ...)
{
	va_list ap;
	size_t cap = sizeof p->text;
	p->n++;
	if (p->used + 4 >= cap)
		return;
	p->text[p->used++] = ' ';
	p->text[p->used++] = ' ';
	va_start(ap, fmt);
	int w = vsnprintf(p->text + p->used, cap - p->used, fmt, ap);
	va_end(ap);
	if (w > 0)
		p->used += (size_t)w < cap - p->used ? (size_t)w : cap - p->used - 1;
	if (p->used + 1 < cap) {
		p->text[p->used++] = '\n';
		p->text[p->used] = '\0';
	}
}

static void
problems_check(const struct problems *p, const char *what)
{
	if (p->n)
		fail_msg("%d problem(s) in %s:\n%s", p->n, what, p->text);
}

/* ---- the classification state machine ------------------------------------ */

/* The diagram of epi.h as a set: allowed[from] lists the classes a case
 * may move to.  Written out by name so the table reads as the diagram. */
static const struct {
	enum case_class from;
	const char *to; /* comma-separated, "" = final */
} allowed_moves[] = {
	{CASE_NEW, "suspected,confirmed,clinical,asymptomatic"},
	{CASE_SUSPECTED, "confirmed,clinical,excluded,died"},
	{CASE_CONFIRMED, "recovered,died"},
	{CASE_CLINICAL, "confirmed,excluded,recovered,died"},
	{CASE_ASYMPTOMATIC, "confirmed,excluded,recovered"},
	{CASE_EXCLUDED, ""},
	{CASE_RECOVERED, "confirmed"},
	{CASE_DIED, ""},
};

static bool
listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *s = list; *s;) {
		size_t len = strcspn(s, ",");
		if (len == n && strncmp(s, name, n) == 0)
			return true;
		s += len + (s[len] == ',');
	}
	return false;
}

/* Every from x to pair, 8 x 8, on a day and in a region where "clinical"
 * is possible, so only the machine decides. */
static void
test_transition_table(void **state)
{
	struct problems p = {0};
	(void)state;

	assert_int_equal(ARRAY_LEN(allowed_moves), CASE_CLASS_COUNT);
	for (size_t i = 0; i < ARRAY_LEN(allowed_moves); i++) {
		enum case_class from = allowed_moves[i].from;
		for (int t = 0; t < CASE_CLASS_COUNT; t++) {
			enum case_class to = (enum case_class)t;
			struct fk_error err = {0};
			bool want = listed(allowed_moves[i].to, case_class_name(to));
			int rc = case_transition_check(from, to, day("2020-02-15"), "420106", &err);
			if (want && rc != 0)
				problem(&p, "%s -> %s: refused (%s: %s), should be allowed",
					case_class_name(from), case_class_name(to), err.field,
					err.message);
			if (!want && rc != FK_EINVAL)
				problem(&p, "%s -> %s: rc %d, should be refused with FK_EINVAL",
					case_class_name(from), case_class_name(to), rc);
			if (!want && rc == FK_EINVAL && strcmp(err.field, "to") != 0)
				problem(&p, "%s -> %s: refusal names field '%s', expected 'to'",
					case_class_name(from), case_class_name(to), err.field);
			if (!want && rc == FK_EINVAL && err.message[0] == '\0')
				problem(&p, "%s -> %s: refused without a message",
					case_class_name(from), case_class_name(to));
		}
	}
	problems_check(&p, "the transition table");
}

/* The pairs the issue names, spelled out. */
static void
test_transition_named_pairs(void **state)
{
	struct fk_error err = {0};
	int32_t d = day("2020-03-01");
	(void)state;

	/* excluded -> died: refused, naming "to", saying it is final */
	assert_int_equal(case_transition_check(CASE_EXCLUDED, CASE_DIED, d, "110108", &err),
			 FK_EINVAL);
	assert_string_equal(err.field, "to");
	assert_non_null(strstr(err.message, "excluded"));
	assert_non_null(strstr(err.message, "died"));
	assert_non_null(strstr(err.message, "final"));

	/* died is final: nothing, not even back to confirmed */
	for (int t = 0; t < CASE_CLASS_COUNT; t++) {
		struct fk_error e = {0};
		assert_int_equal(case_transition_check(CASE_DIED, (enum case_class)t, d, "110108", &e),
				 FK_EINVAL);
		assert_string_equal(e.field, "to");
	}
	/* a re-positive after discharge is confirmed again (复诊复检, 9 Apr 2020) */
	memset(&err, 0, sizeof err);
	assert_int_equal(case_transition_check(CASE_RECOVERED, CASE_CONFIRMED, day("2020-04-20"),
					       "110108", &err), 0);
	/* nothing goes back to "new" */
	memset(&err, 0, sizeof err);
	assert_int_equal(case_transition_check(CASE_SUSPECTED, CASE_NEW, d, "110108", &err),
			 FK_EINVAL);
	assert_string_equal(err.field, "to");
	/* an out-of-range class is refused, not read out of the table */
	memset(&err, 0, sizeof err);
	assert_int_equal(case_transition_check(CASE_SUSPECTED, CASE_CLASS_COUNT, d, "110108", &err),
			 FK_EINVAL);
	assert_string_equal(err.field, "to");
}

/* R1.3: Hubei's clinically diagnosed cases, 5th edition, 12-19 Feb 2020:
 * both edges inside, the days either side outside; Hubei only. */
static void
test_clinical_only_hubei_12_to_19_feb(void **state)
{
	static const struct {
		const char *why;
		enum case_class from;
		const char *date;
		const char *region;
		int rc;
		const char *field;
	} rows[] = {
		{"Wuhan, the day before", CASE_NEW, "2020-02-11", "420106", FK_EINVAL, "date"},
		{"Wuhan, first day", CASE_NEW, "2020-02-12", "420106", 0, ""},
		{"Wuhan, mid-week", CASE_NEW, "2020-02-15", "420106", 0, ""},
		{"Wuhan, last day", CASE_NEW, "2020-02-19", "420106", 0, ""},
		{"Wuhan, the day after", CASE_NEW, "2020-02-20", "420106", FK_EINVAL, "date"},
		{"Huanggang, last day", CASE_NEW, "2020-02-19", "421100", 0, ""},
		{"suspected to clinical, first day", CASE_SUSPECTED, "2020-02-12", "420106", 0, ""},
		{"suspected to clinical, the day after", CASE_SUSPECTED, "2020-02-20", "420106",
		 FK_EINVAL, "date"},
		{"Beijing, inside the dates", CASE_NEW, "2020-02-15", "110108", FK_EINVAL, "to"},
		{"Hunan (43), inside the dates", CASE_NEW, "2020-02-15", "430100", FK_EINVAL, "to"},
		{"a code starting 4 and 2 later (142...)", CASE_NEW, "2020-02-15", "142000", FK_EINVAL,
		 "to"},
		{"no region", CASE_NEW, "2020-02-15", NULL, FK_EINVAL, "to"},
		{"Beijing, outside the dates", CASE_NEW, "2020-03-01", "110108", FK_EINVAL, "to"},
	};
	struct problems p = {0};
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct fk_error err = {0};
		int rc = case_transition_check(rows[i].from, CASE_CLINICAL, day(rows[i].date),
					       rows[i].region, &err);
		if (rc != rows[i].rc)
			problem(&p, "[%s] rc %d, expected %d (%s)", rows[i].why, rc, rows[i].rc,
				err.message);
		else if (rc && strcmp(err.field, rows[i].field) != 0)
			problem(&p, "[%s] field '%s', expected '%s'", rows[i].why, err.field,
				rows[i].field);
	}
	/* the other classes have no date or region limits */
	{
		struct fk_error err = {0};
		if (case_transition_check(CASE_NEW, CASE_CONFIRMED, day("2020-02-11"), "110108", &err))
			problem(&p, "confirmed on 2020-02-11 in Beijing refused: %s", err.message);
		if (case_transition_check(CASE_NEW, CASE_SUSPECTED, day("2020-02-20"), "420106", &err))
			problem(&p, "suspected on 2020-02-20 in Wuhan refused: %s", err.message);
	}
	problems_check(&p, "the clinical rows");
}

static void
test_class_names_round_trip(void **state)
{
	static const char *const names[CASE_CLASS_COUNT] = {
		"new", "suspected", "confirmed", "clinical", "asymptomatic", "excluded", "recovered",
		"died",
	};
	static const char *const sev[SEV_COUNT] = {"none", "mild", "common", "severe", "critical"};
	static const char *const set[SET_COUNT] = {"household", "workplace", "classroom",
						   "transport", "medical", "gathering", "other"};
	(void)state;
	for (int i = 0; i < CASE_CLASS_COUNT; i++) {
		enum case_class c;
		assert_string_equal(case_class_name((enum case_class)i), names[i]);
		assert_int_equal(case_class_parse(names[i], &c), 0);
		assert_int_equal(c, i);
		assert_int_equal(case_class_active(c), i >= CASE_SUSPECTED && i <= CASE_ASYMPTOMATIC);
	}
	for (int i = 0; i < SEV_COUNT; i++) {
		enum severity s;
		assert_int_equal(severity_parse(sev[i], &s), 0);
		assert_int_equal(s, i);
	}
	for (int i = 0; i < SET_COUNT; i++) {
		enum exposure_setting s;
		assert_int_equal(setting_parse(set[i], &s), 0);
		assert_int_equal(s, i);
		assert_string_equal(setting_name(s), set[i]);
	}
	{
		enum case_class c;
		enum exposure_setting s;
		enum protection pr;
		enum placement_category pc;
		assert_int_equal(case_class_parse("Confirmed", &c), FK_EINVAL);
		assert_int_equal(case_class_parse("", &c), FK_EINVAL);
		assert_int_equal(case_class_parse(NULL, &c), FK_EINVAL);
		assert_int_equal(setting_parse("bar", &s), FK_EINVAL);
		assert_int_equal(protection_parse("effective", &pr), 0);
		assert_int_equal(pr, PROT_EFFECTIVE);
		assert_int_equal(protection_parse("n95", &pr), FK_EINVAL);
		assert_int_equal(placement_category_parse("contact", &pc), 0);
		assert_int_equal(pc, PLACE_CONTACT);
		assert_int_equal(placement_category_parse("visitor", &pc), FK_EINVAL);
	}
}

/* ---- the order of a case's dates ----------------------------------------- */

#define TODAY "2020-03-01"

static void
test_case_dates_check(void **state)
{
	static const struct {
		const char *why;
		const char *onset, *sampling, *report, *diagnosis, *isolation; /* NULL = unknown */
		const char *field;                                             /* NULL = accepted */
	} rows[] = {
		{"all in order", "2020-02-20", "2020-02-22", "2020-02-23", "2020-02-23", "2020-02-22",
		 NULL},
		{"only the report date", NULL, NULL, "2020-02-23", NULL, NULL, NULL},
		{"everything on one day", "2020-02-23", "2020-02-23", "2020-02-23", "2020-02-23",
		 "2020-02-23", NULL},
		{"report today", "2020-02-28", NULL, TODAY, NULL, NULL, NULL},
		{"no report date", "2020-02-20", NULL, NULL, NULL, NULL, "report_date"},
		{"onset a day after the report", "2020-02-24", NULL, "2020-02-23", NULL, NULL,
		 "onset_date"},
		{"sampling a day after the report", NULL, "2020-02-24", "2020-02-23", NULL, NULL,
		 "sampling_date"},
		{"report tomorrow", NULL, NULL, "2020-03-02", NULL, NULL, "report_date"},
		{"onset tomorrow", "2020-03-02", NULL, TODAY, NULL, NULL, "onset_date"},
		{"diagnosis tomorrow", NULL, NULL, TODAY, "2020-03-02", NULL, "diagnosis_date"},
		{"isolation tomorrow", NULL, NULL, TODAY, NULL, "2020-03-02", "isolation_date"},
		{"sampling tomorrow", NULL, "2020-03-02", TODAY, NULL, NULL, "sampling_date"},
		{"diagnosis the day before onset", "2020-02-20", NULL, "2020-02-23", "2020-02-19",
		 NULL, "diagnosis_date"},
		{"diagnosis the day before sampling", NULL, "2020-02-20", "2020-02-23", "2020-02-19",
		 NULL, "diagnosis_date"},
		{"diagnosed after the report (reported as suspected)", "2020-02-20", NULL,
		 "2020-02-21", "2020-02-25", NULL, NULL},
		{"isolated 14 days before onset (quarantined contact)", "2020-02-20", NULL,
		 "2020-02-21", NULL, "2020-02-06", NULL},
		{"isolated 15 days before onset", "2020-02-20", NULL, "2020-02-21", NULL,
		 "2020-02-05", "isolation_date"},
		{"isolated after the report", "2020-02-20", NULL, "2020-02-21", NULL, "2020-02-25",
		 NULL},
	};
	struct problems p = {0};
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct case_dates d = {0};
		struct fk_error err = {0};
		if (rows[i].onset)
			d.onset = day(rows[i].onset);
		if (rows[i].sampling)
			d.sampling = day(rows[i].sampling);
		if (rows[i].report)
			d.report = day(rows[i].report);
		if (rows[i].diagnosis)
			d.diagnosis = day(rows[i].diagnosis);
		if (rows[i].isolation)
			d.isolation = day(rows[i].isolation);
		int rc = case_dates_check(&d, day(TODAY), &err);
		if (rows[i].field == NULL && rc != 0)
			problem(&p, "[%s] refused (%s: %s), should be accepted", rows[i].why, err.field,
				err.message);
		if (rows[i].field && rc != FK_EINVAL)
			problem(&p, "[%s] rc %d, should be refused naming %s", rows[i].why, rc,
				rows[i].field);
		if (rows[i].field && rc == FK_EINVAL && strcmp(err.field, rows[i].field) != 0)
			problem(&p, "[%s] names '%s', expected '%s'", rows[i].why, err.field,
				rows[i].field);
		if (rc && err.message[0] == '\0')
			problem(&p, "[%s] refused without a message", rows[i].why);
	}
	problems_check(&p, "the date-order rows");
}

/* ---- the close-contact window (R2.1) ------------------------------------- */

enum pol { POL_5TH, POL_BEFORE };

static const struct window_row {
	const char *why;
	enum pol pol;
	bool asymptomatic;
	const char *onset, *sampling, *report, *isolation; /* NULL = unknown */
	const char *today;
	/* the exposure */
	const char *first, *last;
	enum protection prot;
	/* expected */
	const char *from, *to;     /* the window */
	bool contact;
	const char *last_in;       /* last day of contact inside the window */
} window_rows[] = {
	/* 5th edition: from onset - 2 (onset 2020-03-10 → from 03-08) */
	{"exposure ending exactly onset-2 is a contact", POL_5TH, false, "2020-03-10", NULL,
	 "2020-03-12", NULL, "2020-03-20", "2020-03-01", "2020-03-08", PROT_NONE, "2020-03-08",
	 "2020-03-20", true, "2020-03-08"},
	{"exposure ending onset-3 is not", POL_5TH, false, "2020-03-10", NULL, "2020-03-12", NULL,
	 "2020-03-20", "2020-03-01", "2020-03-07", PROT_NONE, "2020-03-08", "2020-03-20", false,
	 NULL},
	{"one day, exactly onset-2", POL_5TH, false, "2020-03-10", NULL, "2020-03-12", NULL,
	 "2020-03-20", "2020-03-08", "2020-03-08", PROT_INADEQUATE, "2020-03-08", "2020-03-20", true,
	 "2020-03-08"},
	{"inadequate protection counts as none", POL_5TH, false, "2020-03-10", NULL, "2020-03-12",
	 NULL, "2020-03-20", "2020-03-09", "2020-03-11", PROT_INADEQUATE, "2020-03-08", "2020-03-20",
	 true, "2020-03-11"},
	{"effective protection is never a contact", POL_5TH, false, "2020-03-10", NULL,
	 "2020-03-12", NULL, "2020-03-20", "2020-03-09", "2020-03-11", PROT_EFFECTIVE, "2020-03-08",
	 "2020-03-20", false, NULL},
	/* isolation ends the window: the day of isolation counts, the next not */
	{"exposure on the day of isolation is a contact", POL_5TH, false, "2020-03-10", NULL,
	 "2020-03-12", "2020-03-11", "2020-03-20", "2020-03-11", "2020-03-11", PROT_NONE,
	 "2020-03-08", "2020-03-11", true, "2020-03-11"},
	{"exposure starting the day after isolation is not", POL_5TH, false, "2020-03-10", NULL,
	 "2020-03-12", "2020-03-11", "2020-03-20", "2020-03-12", "2020-03-15", PROT_NONE,
	 "2020-03-08", "2020-03-11", false, NULL},
	{"exposure across isolation: contact until isolation", POL_5TH, false, "2020-03-10", NULL,
	 "2020-03-12", "2020-03-11", "2020-03-20", "2020-03-09", "2020-03-15", PROT_NONE,
	 "2020-03-08", "2020-03-11", true, "2020-03-11"},
	{"not isolated: the window runs to today", POL_5TH, false, "2020-03-10", NULL, "2020-03-12",
	 NULL, "2020-03-20", "2020-03-19", "2020-03-20", PROT_NONE, "2020-03-08", "2020-03-20", true,
	 "2020-03-20"},
	/* asymptomatic: from sampling - 2, whatever the onset field says */
	{"asymptomatic: exactly sampling-2 is a contact", POL_5TH, true, NULL, "2020-03-10",
	 "2020-03-11", NULL, "2020-03-20", "2020-03-05", "2020-03-08", PROT_NONE, "2020-03-08",
	 "2020-03-20", true, "2020-03-08"},
	{"asymptomatic: sampling-3 is not", POL_5TH, true, NULL, "2020-03-10", "2020-03-11", NULL,
	 "2020-03-20", "2020-03-05", "2020-03-07", PROT_NONE, "2020-03-08", "2020-03-20", false,
	 NULL},
	{"asymptomatic uses sampling, not an onset given", POL_5TH, true, "2020-03-02",
	 "2020-03-10", "2020-03-11", NULL, "2020-03-20", "2020-03-01", "2020-03-06", PROT_NONE,
	 "2020-03-08", "2020-03-20", false, NULL},
	{"asymptomatic without sampling: from the report", POL_5TH, true, NULL, NULL, "2020-03-11",
	 NULL, "2020-03-20", "2020-03-09", "2020-03-09", PROT_NONE, "2020-03-09", "2020-03-20", true,
	 "2020-03-09"},
	/* no onset: sampling, then the report date */
	{"no onset: from sampling-2", POL_5TH, false, NULL, "2020-03-10", "2020-03-12", NULL,
	 "2020-03-20", "2020-03-08", "2020-03-08", PROT_NONE, "2020-03-08", "2020-03-20", true,
	 "2020-03-08"},
	{"no onset, no sampling: from report-2", POL_5TH, false, NULL, NULL, "2020-03-12", NULL,
	 "2020-03-20", "2020-03-09", "2020-03-09", PROT_NONE, "2020-03-10", "2020-03-20", false,
	 NULL},
	{"no onset, no sampling: report-2 is a contact", POL_5TH, false, NULL, NULL, "2020-03-12",
	 NULL, "2020-03-20", "2020-03-10", "2020-03-10", PROT_NONE, "2020-03-10", "2020-03-20", true,
	 "2020-03-10"},
	/* before 21 Feb 2020: from onset (0 days) */
	{"before the 5th edition: onset-1 is not a contact", POL_BEFORE, false, "2020-02-10", NULL,
	 "2020-02-12", NULL, "2020-02-15", "2020-02-08", "2020-02-09", PROT_NONE, "2020-02-10",
	 "2020-02-15", false, NULL},
	{"before the 5th edition: the day of onset is", POL_BEFORE, false, "2020-02-10", NULL,
	 "2020-02-12", NULL, "2020-02-15", "2020-02-08", "2020-02-10", PROT_NONE, "2020-02-10",
	 "2020-02-15", true, "2020-02-10"},
	/* the exposure after the window's end: not a contact */
	{"exposure after today (window ends today)", POL_5TH, false, "2020-03-10", NULL,
	 "2020-03-12", NULL, "2020-03-13", "2020-03-14", "2020-03-15", PROT_NONE, "2020-03-08",
	 "2020-03-13", false, NULL},
};

static void
test_contact_window(void **state)
{
	policy_t pols[2] = {policy_5th(), policy_before_5th()};
	struct problems p = {0};
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(window_rows); i++) {
		const struct window_row *w = &window_rows[i];
		struct case_dates d = {0};
		int32_t from = -1, to = -1, last_in = 0;
		char b1[DATE_STR_LEN], b2[DATE_STR_LEN];
		if (w->onset)
			d.onset = day(w->onset);
		if (w->sampling)
			d.sampling = day(w->sampling);
		d.report = day(w->report);
		if (w->isolation)
			d.isolation = day(w->isolation);
		case_contact_window(&d, w->asymptomatic, &pols[w->pol], day(w->today), &from, &to);
		if (from != day(w->from) || to != day(w->to))
			problem(&p, "[%s] window %s..%s, expected %s..%s", w->why, ds(from, b1),
				ds(to, b2), w->from, w->to);
		bool c = exposure_makes_contact(day(w->first), day(w->last), w->prot, from, to,
						&last_in);
		if (c != w->contact)
			problem(&p, "[%s] exposure %s..%s is %sa contact, expected %s", w->why,
				w->first, w->last, c ? "" : "not ", w->contact ? "one" : "none");
		if (c && w->contact && last_in != day(w->last_in))
			problem(&p, "[%s] last day in the window %s, expected %s", w->why,
				ds(last_in, b1), w->last_in);
	}
	problems_check(&p, "the contact-window rows");
}

/* A NULL last_in_window is allowed (the caller only wants yes or no). */
static void
test_contact_without_last_day(void **state)
{
	(void)state;
	assert_true(exposure_makes_contact(day("2020-03-08"), day("2020-03-09"), PROT_NONE,
					   day("2020-03-08"), day("2020-03-20"), NULL));
	assert_false(exposure_makes_contact(day("2020-03-01"), day("2020-03-07"), PROT_NONE,
					    day("2020-03-08"), day("2020-03-20"), NULL));
}

/* ---- medical observation (R2.2, C4) -------------------------------------- */

static void
test_observation_end_for(void **state)
{
	static const struct {
		const char *last, *end;
	} rows[] = {
		{"2020-02-20", "2020-03-05"}, /* across 29 Feb 2020 */
		{"2020-03-08", "2020-03-22"},
		{"2020-12-25", "2021-01-08"}, /* across the year */
		{"2021-02-20", "2021-03-06"}, /* no 29 Feb */
	};
	policy_t pol = policy_5th();
	char buf[DATE_STR_LEN];
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++)
		assert_string_equal(date_format(observation_end_for(day(rows[i].last), &pol), buf),
				    rows[i].end);
	/* the policy's number, not a constant */
	pol.observation_days = 7;
	assert_string_equal(date_format(observation_end_for(day("2020-03-08"), &pol), buf),
			    "2020-03-15");
}

/* ---- the case part of the health code ------------------------------------ */

static void
test_case_code(void **state)
{
	static const struct {
		const char *why;
		enum case_class c;
		const char *class_date, *today;
		enum status colour;
		const char *rule;
		const char *since, *green_from; /* NULL = 0 */
	} rows[] = {
		{"suspected", CASE_SUSPECTED, "2020-03-01", "2020-03-05", STATUS_RED,
		 "case_suspected", "2020-03-01", NULL},
		{"confirmed", CASE_CONFIRMED, "2020-03-01", "2020-03-05", STATUS_RED,
		 "case_confirmed", "2020-03-01", NULL},
		{"clinical", CASE_CLINICAL, "2020-02-15", "2020-02-16", STATUS_RED, "case_clinical",
		 "2020-02-15", NULL},
		{"asymptomatic", CASE_ASYMPTOMATIC, "2020-04-06", "2020-04-06", STATUS_RED,
		 "case_asymptomatic", "2020-04-06", NULL},
		{"confirmed long ago is still red", CASE_CONFIRMED, "2020-01-20", "2020-06-01",
		 STATUS_RED, "case_confirmed", "2020-01-20", NULL},
		{"recovered the same day", CASE_RECOVERED, "2020-03-01", "2020-03-01", STATUS_YELLOW,
		 "post_discharge", "2020-03-01", "2020-03-15"},
		{"recovered, day 13 after", CASE_RECOVERED, "2020-03-01", "2020-03-14", STATUS_YELLOW,
		 "post_discharge", "2020-03-01", "2020-03-15"},
		{"recovered, day 14 after: green", CASE_RECOVERED, "2020-03-01", "2020-03-15",
		 STATUS_GREEN, "no_case", NULL, NULL},
		{"excluded", CASE_EXCLUDED, "2020-03-01", "2020-03-01", STATUS_GREEN, "no_case", NULL,
		 NULL},
	};
	struct problems p = {0};
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		health_code_t hc;
		char b1[DATE_STR_LEN];
		int32_t since = rows[i].since ? day(rows[i].since) : 0;
		int32_t green = rows[i].green_from ? day(rows[i].green_from) : 0;
		memset(&hc, 0x5a, sizeof hc); /* case_code must fill every field */
		case_code(rows[i].c, day(rows[i].class_date), day(rows[i].today), &hc);
		if (hc.colour != rows[i].colour)
			problem(&p, "[%s] colour %s, expected %s", rows[i].why, status_name(hc.colour),
				status_name(rows[i].colour));
		if (strcmp(hc.rule, rows[i].rule) != 0)
			problem(&p, "[%s] rule '%s', expected '%s'", rows[i].why, hc.rule,
				rows[i].rule);
		if (hc.since != since)
			problem(&p, "[%s] since %s, expected %s", rows[i].why, ds(hc.since, b1),
				rows[i].since ? rows[i].since : "0");
		if (hc.green_from != green)
			problem(&p, "[%s] green_from %s, expected %s", rows[i].why,
				ds(hc.green_from, b1), rows[i].green_from ? rows[i].green_from : "0");
		if (rows[i].colour != STATUS_GREEN && (!hc.reason_zh[0] || !hc.reason_en[0]))
			problem(&p, "[%s] no reason (zh '%s', en '%s')", rows[i].why, hc.reason_zh,
				hc.reason_en);
		if (rows[i].colour != STATUS_GREEN && !strstr(hc.reason_en, rows[i].green_from
										    ? rows[i].green_from
										    : rows[i].class_date))
			problem(&p, "[%s] reason does not name the day: '%s'", rows[i].why,
				hc.reason_en);
	}
	problems_check(&p, "the case-code rows");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transition_table),
		cmocka_unit_test(test_transition_named_pairs),
		cmocka_unit_test(test_clinical_only_hubei_12_to_19_feb),
		cmocka_unit_test(test_class_names_round_trip),
		cmocka_unit_test(test_case_dates_check),
		cmocka_unit_test(test_contact_window),
		cmocka_unit_test(test_contact_without_last_day),
		cmocka_unit_test(test_observation_end_for),
		cmocka_unit_test(test_case_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

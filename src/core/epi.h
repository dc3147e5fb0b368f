/*
 * epi.h -- core layer: the epidemiological rules of case management
 * (RULES.md §1-§3): case classification as a state machine, severity,
 * the close-contact window, medical observation dates, and the case
 * part of the health code.  Pure: no I/O.
 *
 * Classification state machine (R1.3-R1.8; "new" is a case being
 * registered; every transition is dated, attributed and audited by the
 * app layer):
 *
 *            +-----------------------------------------------+
 *            |                                               v
 *   new --> suspected --> confirmed --> recovered        (died)
 *    |        |   |   \      ^  |  ^        |               ^
 *    |        |   |    \     |  |  +--------+  re-positive  |
 *    |        |   |     v    |  +--------------------------+
 *    |        |   |   clinical (Hubei, 12-19 Feb 2020 only) |
 *    |        |   v      |  \-> recovered, died, excluded   |
 *    |        | excluded <--+                               |
 *    +--> asymptomatic --> confirmed (symptoms appear, R3.5)
 *                 \-> recovered (released), excluded
 *
 *   new -> suspected | confirmed | clinical | asymptomatic
 *   suspected -> confirmed | clinical | excluded | died
 *   clinical -> confirmed | excluded | recovered | died
 *   asymptomatic -> confirmed | excluded | recovered
 *   confirmed -> recovered | died
 *   recovered -> confirmed   (re-positive with symptoms, 复诊复检 9 Apr 2020)
 *   excluded, died: final
 *
 * "clinical" (临床诊断病例) exists only for Hubei (region 42xxxx) with a
 * classification date from 2020-02-12 to 2020-02-19 (5th edition, R1.3).
 */
#ifndef EPI_H
#define EPI_H

#include <stdbool.h>
#include <stdint.h>

#include "fk_err.h"
#include "assess.h"
#include "policy.h"

enum case_class {
	CASE_NEW = 0,            /* not yet classified (registration) */
	CASE_SUSPECTED,
	CASE_CONFIRMED,
	CASE_CLINICAL,
	CASE_ASYMPTOMATIC,
	CASE_EXCLUDED,
	CASE_RECOVERED,
	CASE_DIED,
	CASE_CLASS_COUNT
};

enum severity {
	SEV_NONE = 0,            /* not assessed */
	SEV_MILD,
	SEV_COMMON,
	SEV_SEVERE,
	SEV_CRITICAL,
	SEV_COUNT
};

enum exposure_setting {
	SET_HOUSEHOLD = 0,
	SET_WORKPLACE,
	SET_CLASSROOM,
	SET_TRANSPORT,
	SET_MEDICAL,
	SET_GATHERING,
	SET_OTHER,
	SET_COUNT
};

/* Protection during the exposure (R2.1: "without effective protection"). */
enum protection {
	PROT_NONE = 0,
	PROT_INADEQUATE,
	PROT_EFFECTIVE,
	PROT_COUNT
};

/* R5.2 四类人员: the four categories, each needing a placement. */
enum placement_category {
	PLACE_CONFIRMED = 0,
	PLACE_SUSPECTED,
	PLACE_FEVER,
	PLACE_CONTACT,
	PLACE_CATEGORY_COUNT
};

const char *case_class_name(enum case_class c);
int case_class_parse(const char *s, enum case_class *out) FK_MUST_CHECK;
const char *severity_name(enum severity s);
int severity_parse(const char *s, enum severity *out) FK_MUST_CHECK;
const char *setting_name(enum exposure_setting s);
int setting_parse(const char *s, enum exposure_setting *out) FK_MUST_CHECK;
const char *protection_name(enum protection p);
int protection_parse(const char *s, enum protection *out) FK_MUST_CHECK;
const char *placement_category_name(enum placement_category c);
int placement_category_parse(const char *s, enum placement_category *out) FK_MUST_CHECK;

/* True if an infection is (still) active in this class: suspected,
 * confirmed, clinical, asymptomatic. */
bool case_class_active(enum case_class c);

/*
 * May a case move from `from` to `to` on `date` (a case registered in
 * region_code)?  Returns 0, or FK_EINVAL with err naming "to" (an
 * illegal transition, e.g. excluded -> died) or "date" (clinical outside
 * 12-19 Feb 2020) and saying why.
 */
int case_transition_check(enum case_class from, enum case_class to, int32_t date,
			  const char *region_code, struct fk_error *err) FK_MUST_CHECK;

/* The case's dates, for the order checks and the contact window.  0
 * means unknown. */
struct case_dates {
	int32_t onset;           /* symptom onset */
	int32_t sampling;        /* first positive sample */
	int32_t report;          /* reported (required) */
	int32_t diagnosis;       /* diagnosed */
	int32_t isolation;       /* isolated (end of the contact window) */
};

/* Dates in order: onset <= report, sampling <= report, diagnosis >=
 * onset and sampling, isolation >= onset - 14, none after today.
 * FK_EINVAL naming the first date out of order. */
int case_dates_check(const struct case_dates *d, int32_t today, struct fk_error *err) FK_MUST_CHECK;

/*
 * The close-contact window of a case (R2.1): from N days before onset
 * (asymptomatic: before sampling; N from the policy, 2 under the 5th
 * edition, 0 before it) until isolation (or today if not isolated).
 * With no onset, sampling is used, then the report date.
 */
void case_contact_window(const struct case_dates *d, bool asymptomatic, const policy_t *pol,
			 int32_t today, int32_t *from, int32_t *to);

/* Does an exposure [first, last] with this protection make a close
 * contact of a case whose window is [from, to]?  Unprotected (none or
 * inadequate) and overlapping.  *last_in_window gets the last day of
 * contact inside the window. */
bool exposure_makes_contact(int32_t first, int32_t last, enum protection prot, int32_t from,
			    int32_t to, int32_t *last_in_window);

/* End of medical observation for a last exposure (C4: last + N; release
 * is allowed from that day). */
int32_t observation_end_for(int32_t last_exposure, const policy_t *pol);

/* The case part of the health code on `today` (R6.2, R6.3, R1.8):
 * active class -> red; recovered within 14 days of recovery -> yellow
 * (post-discharge isolation) until recovery + 14; else green.
 * class_date is the date of the last classification. */
void case_code(enum case_class c, int32_t class_date, int32_t today, health_code_t *out);

#endif

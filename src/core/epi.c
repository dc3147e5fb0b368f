/* epi.c -- core layer: case classification, contact window, observation. */
#include "epi.h"

#include <stdio.h>
#include <string.h>

#include "date.h"

static const char *const class_names[CASE_CLASS_COUNT] = {
	"new", "suspected", "confirmed", "clinical", "asymptomatic", "excluded", "recovered", "died",
};
static const char *const severity_names[SEV_COUNT] = {
	"none", "mild", "common", "severe", "critical",
};
static const char *const setting_names[SET_COUNT] = {
	"household", "workplace", "classroom", "transport", "medical", "gathering", "other",
};
static const char *const protection_names[PROT_COUNT] = {"none", "inadequate", "effective"};
static const char *const category_names[PLACE_CATEGORY_COUNT] = {
	"confirmed", "suspected", "fever", "contact",
};

static int
find(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

#define NAME_PARSE(fn_name, fn_parse, type, names, count)                      \
	const char *fn_name(type v)                                             \
	{                                                                       \
		return (unsigned)v < (count) ? names[v] : "?";                  \
	}                                                                       \
	int fn_parse(const char *s, type *out)                                  \
	{                                                                       \
		int i = find(names, (count), s);                                \
		if (i < 0)                                                      \
			return FK_EINVAL;                                       \
		*out = (type)i;                                                 \
		return 0;                                                       \
	}

NAME_PARSE(case_class_name, case_class_parse, enum case_class, class_names, CASE_CLASS_COUNT)
NAME_PARSE(severity_name, severity_parse, enum severity, severity_names, SEV_COUNT)
NAME_PARSE(setting_name, setting_parse, enum exposure_setting, setting_names, SET_COUNT)
NAME_PARSE(protection_name, protection_parse, enum protection, protection_names, PROT_COUNT)
NAME_PARSE(placement_category_name, placement_category_parse, enum placement_category,
	   category_names, PLACE_CATEGORY_COUNT)

bool
case_class_active(enum case_class c)
{
	return c == CASE_SUSPECTED || c == CASE_CONFIRMED || c == CASE_CLINICAL ||
	       c == CASE_ASYMPTOMATIC;
}

/* allowed[from] is the set of classes a case may move to */
#define B(c) (1u << (c))
static const unsigned allowed[CASE_CLASS_COUNT] = {
	[CASE_NEW] = B(CASE_SUSPECTED) | B(CASE_CONFIRMED) | B(CASE_CLINICAL) | B(CASE_ASYMPTOMATIC),
	[CASE_SUSPECTED] = B(CASE_CONFIRMED) | B(CASE_CLINICAL) | B(CASE_EXCLUDED) | B(CASE_DIED),
	[CASE_CLINICAL] = B(CASE_CONFIRMED) | B(CASE_EXCLUDED) | B(CASE_RECOVERED) | B(CASE_DIED),
	[CASE_ASYMPTOMATIC] = B(CASE_CONFIRMED) | B(CASE_EXCLUDED) | B(CASE_RECOVERED),
	[CASE_CONFIRMED] = B(CASE_RECOVERED) | B(CASE_DIED),
	[CASE_RECOVERED] = B(CASE_CONFIRMED),
	[CASE_EXCLUDED] = 0,
	[CASE_DIED] = 0,
};

int
case_transition_check(enum case_class from, enum case_class to, int32_t date,
		      const char *region_code, struct fk_error *err)
{
	if ((unsigned)from >= CASE_CLASS_COUNT || (unsigned)to >= CASE_CLASS_COUNT ||
	    to == CASE_NEW)
		return fk_error_set(err, FK_EINVAL, "to", "unknown classification");
	if (!(allowed[from] & B(to)))
		return fk_error_set(err, FK_EINVAL, "to", "a case cannot go from %s to %s%s",
				    class_names[from], class_names[to],
				    allowed[from] ? "" : " (that classification is final)");
	if (to == CASE_CLINICAL) {
		if (region_code == NULL || strncmp(region_code, "42", 2) != 0)
			return fk_error_set(err, FK_EINVAL, "to",
					    "clinically diagnosed cases exist only in Hubei (42xxxx)");
		if (date < date_from_ymd(2020, 2, 12) || date > date_from_ymd(2020, 2, 19))
			return fk_error_set(err, FK_EINVAL, "date",
					    "clinically diagnosed cases exist only from 2020-02-12 to 2020-02-19");
	}
	return 0;
}

int
case_dates_check(const struct case_dates *d, int32_t today, struct fk_error *err)
{
	static const char *const names[] = {"onset_date", "sampling_date", "report_date",
					    "diagnosis_date", "isolation_date"};
	const int32_t v[] = {d->onset, d->sampling, d->report, d->diagnosis, d->isolation};

	if (d->report == 0)
		return fk_error_set(err, FK_EINVAL, "report_date", "report_date is required");
	for (int i = 0; i < 5; i++)
		if (v[i] > today)
			return fk_error_set(err, FK_EINVAL, names[i], "%s is in the future", names[i]);
	if (d->onset && d->onset > d->report)
		return fk_error_set(err, FK_EINVAL, "onset_date", "onset_date is after report_date");
	if (d->sampling && d->sampling > d->report)
		return fk_error_set(err, FK_EINVAL, "sampling_date",
				    "sampling_date is after report_date");
	if (d->diagnosis && d->onset && d->diagnosis < d->onset)
		return fk_error_set(err, FK_EINVAL, "diagnosis_date",
				    "diagnosis_date is before onset_date");
	if (d->diagnosis && d->sampling && d->diagnosis < d->sampling)
		return fk_error_set(err, FK_EINVAL, "diagnosis_date",
				    "diagnosis_date is before sampling_date");
	if (d->isolation && d->onset && d->isolation < d->onset - 14)
		return fk_error_set(err, FK_EINVAL, "isolation_date",
				    "isolation_date is more than 14 days before onset_date");
	return 0;
}

void
case_contact_window(const struct case_dates *d, bool asymptomatic, const policy_t *pol,
		    int32_t today, int32_t *from, int32_t *to)
{
	int32_t base;
	if (asymptomatic)
		base = d->sampling ? d->sampling : d->report;
	else
		base = d->onset ? d->onset : d->sampling ? d->sampling : d->report;
	*from = base - pol->contact_days_before_onset;
	*to = d->isolation ? d->isolation : today;
}

bool
exposure_makes_contact(int32_t first, int32_t last, enum protection prot, int32_t from,
		       int32_t to, int32_t *last_in_window)
{
	if (prot == PROT_EFFECTIVE || last < from || first > to)
		return false;
	if (last_in_window)
		*last_in_window = last < to ? last : to;
	return true;
}

int32_t
observation_end_for(int32_t last_exposure, const policy_t *pol)
{
	return last_exposure + pol->observation_days;
}

void
case_code(enum case_class c, int32_t class_date, int32_t today, health_code_t *out)
{
	char d[DATE_STR_LEN];
	memset(out, 0, sizeof *out);
	if (case_class_active(c)) {
		out->colour = STATUS_RED;
		snprintf(out->rule, sizeof out->rule, "case_%s", class_names[c]);
		out->since = class_date;
		snprintf(out->reason_zh, sizeof out->reason_zh, "%s病例（%s起）。",
			 c == CASE_SUSPECTED ? "疑似" : c == CASE_ASYMPTOMATIC ? "无症状感染者/" : "确诊",
			 date_format(class_date, d));
		snprintf(out->reason_en, sizeof out->reason_en, "A %s case since %s.", class_names[c],
			 date_format(class_date, d));
	} else if (c == CASE_RECOVERED && today < class_date + 14) {
		out->colour = STATUS_YELLOW;
		snprintf(out->rule, sizeof out->rule, "post_discharge");
		out->since = class_date;
		out->green_from = class_date + 14;
		snprintf(out->reason_zh, sizeof out->reason_zh, "出院后14天隔离管理，至%s。",
			 date_format(class_date + 14, d));
		snprintf(out->reason_en, sizeof out->reason_en,
			 "14 days of isolation after discharge, until %s.",
			 date_format(class_date + 14, d));
	} else {
		snprintf(out->rule, sizeof out->rule, "no_case");
	}
}

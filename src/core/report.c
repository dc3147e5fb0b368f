/* report.c -- core layer: daily report enums and checks. */
#include "report.h"

#include <math.h>
#include <string.h>

#include "text.h"

static const char *const symptom_names[SYM_COUNT] = {
	"fever", "cough", "fatigue", "sore_throat", "shortness_of_breath",
	"diarrhea", "loss_of_smell_taste", "other",
};
static const char *const location_names[LOC_COUNT] = {
	"home", "workplace", "dormitory", "hospital", "travelling",
};
static const char *const exposure_names[EXP_COUNT] = {
	"none", "suspected_contact", "confirmed_contact", "risk_area_travel",
};

static int
lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *symptom_name(enum symptom s)
{ return (unsigned)s < SYM_COUNT ? symptom_names[s] : "?"; }
const char *location_name(enum location l)
{ return (unsigned)l < LOC_COUNT ? location_names[l] : "?"; }
const char *exposure_name(enum exposure e)
{ return (unsigned)e < EXP_COUNT ? exposure_names[e] : "?"; }

int
symptom_parse(const char *s, enum symptom *out)
{
	int i = lookup(symptom_names, SYM_COUNT, s);
	if (i < 0)
		return FK_EINVAL;
	*out = (enum symptom)i;
	return 0;
}

int
location_parse(const char *s, enum location *out)
{
	int i = lookup(location_names, LOC_COUNT, s);
	if (i < 0)
		return FK_EINVAL;
	*out = (enum location)i;
	return 0;
}

int
exposure_parse(const char *s, enum exposure *out)
{
	int i = lookup(exposure_names, EXP_COUNT, s);
	if (i < 0)
		return FK_EINVAL;
	*out = (enum exposure)i;
	return 0;
}

int
report_temp_from_double(double c, int *temp_dc)
{
	if (!isfinite(c) || c < REPORT_TEMP_MIN - 1e-9 || c > REPORT_TEMP_MAX + 1e-9)
		return FK_EINVAL;
	*temp_dc = (int)lround(c * 10.0);
	return 0;
}

static int
check_note(const char *s, const char *field, struct fk_error *err)
{
	size_t len = strlen(s);
	/* notes may hold line breaks; text_utf8_valid refuses those, so
	 * check them line by line */
	const char *p = s;
	while (p < s + len) {
		const char *nl = strchr(p, '\n');
		size_t seg = nl ? (size_t)(nl - p) : strlen(p);
		if (seg && p[seg - 1] == '\r')
			seg--;
		if (!text_utf8_valid(p, seg))
			return fk_error_set(err, FK_EINVAL, field,
					    "%s is not valid text (UTF-8, no control characters)", field);
		p += (nl ? (size_t)(nl - p) + 1 : strlen(p));
	}
	if (text_utf8_chars(s) > REPORT_NOTE_CHARS)
		return fk_error_set(err, FK_EINVAL, field, "%s is longer than %d characters", field,
				    REPORT_NOTE_CHARS);
	return 0;
}

int
report_validate(const report_t *r, struct fk_error *err)
{
	int rc;

	if (r->temp_dc < (int)(REPORT_TEMP_MIN * 10) || r->temp_dc > (int)(REPORT_TEMP_MAX * 10))
		return fk_error_set(err, FK_EINVAL, "temperature_c",
				    "temperature_c must be from 34.0 to 43.0");
	if (r->symptoms & ~((1u << SYM_COUNT) - 1))
		return fk_error_set(err, FK_EINVAL, "symptoms", "unknown symptom");
	if ((rc = check_note(r->symptoms_note, "symptoms_note", err)))
		return rc;
	if (r->symptoms_note[0] && r->symptoms == 0)
		return fk_error_set(err, FK_EINVAL, "symptoms_note",
				    "symptoms_note describes symptoms; tick at least one symptom");
	if (!region_code_well_formed(r->region_code))
		return fk_error_set(err, FK_EINVAL, "region_code",
				    "region_code must be a 6-digit administrative division code");
	if ((unsigned)r->location >= LOC_COUNT)
		return fk_error_set(err, FK_EINVAL, "location", "unknown location");
	if ((unsigned)r->exposure >= EXP_COUNT)
		return fk_error_set(err, FK_EINVAL, "exposure", "unknown exposure");
	if (r->n_travel < 0 || r->n_travel > REPORT_TRAVEL_MAX)
		return fk_error_set(err, FK_EINVAL, "travel_regions",
				    "at most %d travel regions", REPORT_TRAVEL_MAX);
	for (int i = 0; i < r->n_travel; i++)
		if (!region_code_well_formed(r->travel_regions[i]))
			return fk_error_set(err, FK_EINVAL, "travel_regions",
					    "travel_regions[%d] is not a 6-digit region code", i);
	if ((rc = check_note(r->note, "note", err)))
		return rc;
	if (r->request_id[0] && !text_is_ident(r->request_id, REPORT_REQUEST_ID_MAX))
		return fk_error_set(err, FK_EINVAL, "request_id",
				    "request_id must be 1 to %d characters of letters, digits, '_', '.' or '-'",
				    REPORT_REQUEST_ID_MAX);
	return 0;
}

/*
 * report.h -- core layer: the daily health report a person (or the
 * office on their behalf) submits, as a plain value, and its checks.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "fk_err.h"
#include "registry.h"

enum symptom {
	SYM_FEVER = 0,
	SYM_COUGH,
	SYM_FATIGUE,
	SYM_SORE_THROAT,
	SYM_SHORTNESS_OF_BREATH,
	SYM_DIARRHEA,
	SYM_LOSS_OF_SMELL_TASTE,
	SYM_OTHER,
	SYM_COUNT
};
#define SYM_BIT(s) (1u << (s))

enum location {
	LOC_HOME = 0,
	LOC_WORKPLACE,
	LOC_DORMITORY,
	LOC_HOSPITAL,
	LOC_TRAVELLING,
	LOC_COUNT
};

enum exposure {
	EXP_NONE = 0,
	EXP_SUSPECTED_CONTACT,
	EXP_CONFIRMED_CONTACT,
	EXP_RISK_AREA_TRAVEL,
	EXP_COUNT
};

#define REPORT_TEMP_MIN 34.0
#define REPORT_TEMP_MAX 43.0
#define REPORT_NOTE_CHARS 200
#define REPORT_NOTE_BUF (REPORT_NOTE_CHARS * 4 + 1)
#define REPORT_TRAVEL_MAX 20
#define REPORT_REQUEST_ID_MAX 64

/* One day's report.  Temperature is kept in tenths of a degree so that
 * "the same to the decimal" is an integer comparison. */
typedef struct report {
	int64_t id;                          /* store id of this version (reads) */
	char person_id[PERSON_ID_MAX + 1];
	int32_t date;                        /* day number (date.h), CST */
	int temp_dc;                         /* temperature, tenths of °C */
	unsigned symptoms;                   /* SYM_BIT set */
	char symptoms_note[REPORT_NOTE_BUF];
	char region_code[REGION_CODE_LEN + 1]; /* where the person is now */
	enum location location;
	enum exposure exposure;
	bool family_unwell;
	char travel_regions[REPORT_TRAVEL_MAX][REGION_CODE_LEN + 1];
	int n_travel;                        /* regions visited in 14 days */
	char note[REPORT_NOTE_BUF];
	char request_id[REPORT_REQUEST_ID_MAX + 1]; /* idempotency key, or "" */
} report_t;

const char *symptom_name(enum symptom s);
int symptom_parse(const char *s, enum symptom *out) FK_MUST_CHECK;
const char *location_name(enum location l);
int location_parse(const char *s, enum location *out) FK_MUST_CHECK;
const char *exposure_name(enum exposure e);
int exposure_parse(const char *s, enum exposure *out) FK_MUST_CHECK;

/* Parse a temperature like "36.6" or 36.6 (as double) into tenths,
 * rounding to the nearest tenth.  FK_EINVAL outside 34.0..43.0. */
int report_temp_from_double(double c, int *temp_dc) FK_MUST_CHECK;

/* Check every field's form (not region existence): fills err naming
 * "temperature_c", "symptoms_note", "region_code", "travel_regions",
 * "note" or "request_id". */
int report_validate(const report_t *r, struct fk_error *err) FK_MUST_CHECK;

#endif

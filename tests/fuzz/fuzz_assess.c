/* fuzz_assess.c -- a report built from arbitrary bytes: validation
 * never crashes, and every valid report gets a status, a deciding rule
 * and only known actions under every built-in policy shape. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/assess.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	report_t r;
	person_t p;
	policy_t pol;
	assessment_t a;
	struct fk_error err = {0};

	if (size < 16)
		return 0;
	memset(&r, 0, sizeof r);
	memset(&p, 0, sizeof p);
	memset(&pol, 0, sizeof pol);
	r.date = 18300 + data[0];
	r.temp_dc = 330 + data[1] % 110;
	r.symptoms = data[2] | ((unsigned)(data[3] & 1) << 8);
	r.location = (enum location)(data[4] % 6);
	r.exposure = (enum exposure)(data[5] % 5);
	r.family_unwell = data[6] & 1;
	memcpy(r.region_code, data + 7, 6);
	r.region_code[6] = '\0';
	r.n_travel = data[13] % 3;
	for (int i = 0; i < r.n_travel; i++)
		memcpy(r.travel_regions[i], "420106", 7);
	size_t rest = size - 14 < sizeof r.note - 1 ? size - 14 : sizeof r.note - 1;
	memcpy(r.note, data + 14, rest);
	r.note[rest] = '\0';
	p.kind = (enum person_kind)(data[6] % 5);

	pol.fever_dc = 373;
	pol.red_symptoms = SYM_BIT(SYM_FEVER) | SYM_BIT(SYM_COUGH);
	pol.yellow_symptoms = SYM_BIT(SYM_FATIGUE) | SYM_BIT(SYM_OTHER);
	pol.observation_days = 14;
	memcpy(pol.risk_regions[0], "42", 3);
	pol.n_risk_regions = 1;
	pol.await_school_kinds = 1u << PERSON_STUDENT;
	pol.red_green_days = 14;
	pol.yellow_green_days = 7;

	if (report_validate(&r, &err) != 0) {
		if (err.field[0] == '\0')
			abort();
		return 0;
	}
	assess_report(&r, &p, &pol, data[1] & 1 ? 375 : 0, &a);
	if (a.status > STATUS_RED || a.rule[0] == '\0' || a.n_actions > ASSESS_MAX_ACTIONS)
		abort();
	if (a.status != STATUS_GREEN && a.n_actions == 0)
		abort();
	return 0;
}

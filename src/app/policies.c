/*
 * policies.c -- app layer: load the effective-dated policy files built
 * into the binary (policies/NAME.json) into core policy_t values.
 * Strict: an unknown key, a wrong type or an unknown symptom or kind is
 * an error naming the file and key, and the program does not start.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_impl.h"
#include "core/date.h"
#include "embedded.h"

static int
str_field(json_t *v, char *dst, size_t cap)
{
	if (!json_is_string(v) || json_string_length(v) >= cap)
		return -1;
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
prefix_list(json_t *v, char (*dst)[REGION_CODE_LEN + 1], int *n)
{
	size_t i;
	json_t *x;
	if (!json_is_array(v) || json_array_size(v) > POLICY_MAX_PREFIXES)
		return -1;
	*n = 0;
	json_array_foreach(v, i, x) {
		const char *s = json_string_value(x);
		if (s == NULL || !region_prefix_well_formed(s))
			return -1;
		snprintf(dst[(*n)++], REGION_CODE_LEN + 1, "%s", s);
	}
	return 0;
}

static int
symptom_set(json_t *v, unsigned *out)
{
	size_t i;
	json_t *x;
	enum symptom s;
	if (!json_is_array(v))
		return -1;
	*out = 0;
	json_array_foreach(v, i, x) {
		if (symptom_parse(json_string_value(x), &s))
			return -1;
		*out |= SYM_BIT(s);
	}
	return 0;
}

static int
kind_set(json_t *v, unsigned *out)
{
	size_t i;
	json_t *x;
	enum person_kind k;
	if (!json_is_array(v))
		return -1;
	*out = 0;
	json_array_foreach(v, i, x) {
		if (person_kind_parse(json_string_value(x), &k))
			return -1;
		*out |= 1u << k;
	}
	return 0;
}

static int
parse_policy(const char *file, json_t *o, policy_t *p, struct fk_error *err)
{
	const char *key;
	json_t *v;
	unsigned seen = 0;
	enum { NEED = 16 };

	memset(p, 0, sizeof *p);
	json_object_foreach(o, key, v) {
		int bad = 0;
		if (strcmp(key, "version") == 0)
			bad = str_field(v, p->version, sizeof p->version), seen++;
		else if (strcmp(key, "effective_from") == 0) {
			bad = !json_is_string(v) || date_parse(json_string_value(v), &p->effective_from);
			seen++;
		} else if (strcmp(key, "title_zh") == 0)
			bad = str_field(v, p->title_zh, sizeof p->title_zh), seen++;
		else if (strcmp(key, "title_en") == 0)
			bad = str_field(v, p->title_en, sizeof p->title_en), seen++;
		else if (strcmp(key, "source") == 0)
			bad = str_field(v, p->source, sizeof p->source), seen++;
		else if (strcmp(key, "fever_threshold_c") == 0) {
			bad = !json_is_number(v) || json_number_value(v) < 35 || json_number_value(v) > 40;
			p->fever_dc = (int)lround(json_number_value(v) * 10);
			seen++;
		} else if (strcmp(key, "red_symptoms") == 0)
			bad = symptom_set(v, &p->red_symptoms), seen++;
		else if (strcmp(key, "yellow_symptoms") == 0)
			bad = symptom_set(v, &p->yellow_symptoms), seen++;
		else if (strcmp(key, "observation_days") == 0) {
			bad = !json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 60;
			p->observation_days = (int)json_integer_value(v);
			seen++;
		} else if (strcmp(key, "stay_in_place_regions") == 0)
			bad = prefix_list(v, p->stay_in_place, &p->n_stay_in_place), seen++;
		else if (strcmp(key, "risk_regions") == 0)
			bad = prefix_list(v, p->risk_regions, &p->n_risk_regions), seen++;
		else if (strcmp(key, "await_school_notice_kinds") == 0)
			bad = kind_set(v, &p->await_school_kinds), seen++;
		else if (strcmp(key, "family_unwell_yellow") == 0) {
			bad = !json_is_boolean(v);
			p->family_unwell_yellow = json_is_true(v);
			seen++;
		} else if (strcmp(key, "health_code_green_after_days") == 0) {
			json_t *r = json_object_get(v, "red"), *y = json_object_get(v, "yellow");
			bad = !json_is_object(v) || json_object_size(v) != 2 || !json_is_integer(r) ||
			      !json_is_integer(y) || json_integer_value(r) < 1 || json_integer_value(y) < 1;
			p->red_green_days = (int)json_integer_value(r);
			p->yellow_green_days = (int)json_integer_value(y);
			seen++;
		} else if (strcmp(key, "contact_window_days_before_onset") == 0) {
			bad = !json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 14;
			p->contact_days_before_onset = (int)json_integer_value(v);
			seen++;
		} else if (strcmp(key, "cluster") == 0) {
			json_t *m = json_object_get(v, "min_cases"), *w = json_object_get(v, "window_days");
			bad = !json_is_object(v) || json_object_size(v) != 2 || !json_is_integer(m) ||
			      !json_is_integer(w) || json_integer_value(m) < 2 || json_integer_value(w) < 1;
			p->cluster_min_cases = (int)json_integer_value(m);
			p->cluster_window_days = (int)json_integer_value(w);
			seen++;
		} else
			return fk_error_set(err, FK_EINVAL, key, "%s: unknown key '%s'", file, key);
		if (bad)
			return fk_error_set(err, FK_EINVAL, key, "%s: bad value for '%s'", file, key);
	}
	if (seen != NEED)
		return fk_error_set(err, FK_EINVAL, "", "%s: %u of %d keys present", file, seen, NEED);
	if (p->red_symptoms & p->yellow_symptoms)
		return fk_error_set(err, FK_EINVAL, "yellow_symptoms",
				    "%s: a symptom is both red and yellow", file);
	return 0;
}

static int
by_date(const void *a, const void *b)
{
	const policy_t *x = a, *y = b;
	return (x->effective_from > y->effective_from) - (x->effective_from < y->effective_from);
}

int
app__policies_load(app_t *a, struct fk_error *err)
{
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < embedded_files_count; i++)
		if (strncmp(embedded_files[i].path, "policies/", 9) == 0)
			n++;
	if (n == 0)
		return fk_error_set(err, FK_EIO, "", "no policies are built in");
	a->policies = calloc(n, sizeof *a->policies);
	if (a->policies == NULL)
		return fk_error_set(err, FK_ENOMEM, "", NULL);
	for (size_t i = 0; i < embedded_files_count && rc == 0; i++) {
		const struct embedded_file *f = &embedded_files[i];
		json_error_t jerr;
		json_t *o;
		if (strncmp(f->path, "policies/", 9) != 0)
			continue;
		o = json_loadb((const char *)f->data, f->size, JSON_REJECT_DUPLICATES, &jerr);
		if (o == NULL || !json_is_object(o))
			rc = fk_error_set(err, FK_EINVAL, "", "%s: line %d: %s", f->path, jerr.line,
					  o ? "not an object" : jerr.text);
		else
			rc = parse_policy(f->path, o, &a->policies[a->n_policies++], err);
		json_decref(o);
	}
	if (rc == 0) {
		qsort(a->policies, a->n_policies, sizeof *a->policies, by_date);
		for (size_t i = 1; i < a->n_policies; i++)
			if (a->policies[i].effective_from == a->policies[i - 1].effective_from)
				rc = fk_error_set(err, FK_EINVAL, "effective_from",
						  "policies %s and %s take effect the same day",
						  a->policies[i - 1].version, a->policies[i].version);
	}
	return rc;
}

const policy_t *
app_policy_for(app_t *a, int32_t date)
{
	return policy_in_force(a->policies, a->n_policies, date);
}

const policy_t *
app_policies(app_t *a, size_t *n)
{
	*n = a->n_policies;
	return a->policies;
}

/*
 * policy.h -- core layer: the rules in force on a date, as data.
 *
 * The rules changed often in 2020, so they live in effective-dated
 * policy files (policies/NAME.json, parsed by the app layer into this
 * struct).  Every stored assessment names the version that made it.
 * Pure: no I/O.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry.h"

#define POLICY_VERSION_MAX 48
#define POLICY_MAX_PREFIXES 16

typedef struct policy {
	char version[POLICY_VERSION_MAX];   /* e.g. "2020-01-24-institute" */
	int32_t effective_from;             /* first day in force */
	char title_zh[160];
	char title_en[160];
	char source[320];                   /* where the rule comes from (RULES.md) */
	int fever_dc;                       /* fever cut-off, tenths of °C (373) */
	unsigned red_symptoms;              /* SYM_BIT set that makes a report red */
	unsigned yellow_symptoms;           /* SYM_BIT set that makes it yellow */
	int observation_days;               /* medical observation length (14) */
	/* where people stay put ("people in Hubei stay there") */
	char stay_in_place[POLICY_MAX_PREFIXES][REGION_CODE_LEN + 1];
	int n_stay_in_place;
	/* travel to these regions within 14 days opens an observation */
	char risk_regions[POLICY_MAX_PREFIXES][REGION_CODE_LEN + 1];
	int n_risk_regions;
	unsigned await_school_kinds;        /* bit per enum person_kind */
	bool family_unwell_yellow;          /* an unwell family member is yellow */
	int red_green_days;                 /* normal check-ins that turn red to green */
	int yellow_green_days;              /* ... and yellow to green */
	int contact_days_before_onset;      /* close-contact window start (R2.1) */
	int cluster_min_cases;              /* cases that make a cluster (R3.6) */
	int cluster_window_days;            /* ... within this many days */
} policy_t;

/* The policy in force on date: the one with the latest effective_from
 * not after date.  NULL if date is before all of them. */
const policy_t *policy_in_force(const policy_t *set, size_t n, int32_t date);

/* True if code starts with one of the n prefixes. */
bool policy_prefix_match(const char (*prefixes)[REGION_CODE_LEN + 1], int n, const char *code);

#endif

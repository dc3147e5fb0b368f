/*
 * fuzz_risk.c -- libFuzzer target for core/risk and the CSV reader of
 * `fangkong zone` (app/zone).
 *
 * Grading: a rule (built-in or with fuzzed parameters) and a small
 * series (counts from the input, some out of range) are graded by
 * risk_grade_batch() over a fuzzed range and by risk_grade_one() on
 * every day of it; both refuse bad counts alike, and when they accept
 * they agree on every field, the levels obey the rule's invariants
 * (cumulative 0 is low, high needs more than the threshold, Nov 2022 has
 * no medium) and every reason is valid UTF-8 inside its buffer.
 *
 * Input: byte 0 the mode (bit 7: also feed the rest to zone as CSV),
 * bytes 1..8 the rule, byte 9 regions (1..4), byte 10 days (1..64),
 * byte 11 the optional columns, bytes 12..13 the range (signed offsets
 * from the series start), then one byte a cell: confirmed, then
 * clusters, then asymptomatic.  What is left is a name for the parsers,
 * and the CSV for zone.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/zone.h"
#include "core/date.h"
#include "core/risk.h"
#include "core/text.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

/* A count from one byte: mostly small, sometimes large or out of range. */
static int32_t
count_of(uint8_t b)
{
	if (b < 200)
		return b % 8 == 0 ? b / 8 : 0;
	if (b < 250)
		return b - 190;
	if (b == 250)
		return RISK_COUNT_MAX;
	if (b == 251)
		return RISK_COUNT_MAX + 1;
	if (b == 252)
		return -1;
	return 1;
}

static bool
field_known(const char *f)
{
	static const char *const known[] = {"new_confirmed", "new_clusters", "new_asymptomatic",
					    NULL};
	for (int i = 0; known[i]; i++)
		if (strcmp(f, known[i]) == 0)
			return true;
	return false;
}

static void
check_reason(const struct risk_rule *rule, int32_t date, const struct risk_grade *g)
{
	for (int lang = 0; lang < RISK_LANG_COUNT; lang++) {
		char buf[RISK_REASON_BUF + 1];
		buf[RISK_REASON_BUF] = 'X';
		risk_reason(rule, date, g, (enum risk_lang)lang, buf);
		CHECK(buf[RISK_REASON_BUF] == 'X');
		CHECK(memchr(buf, '\0', RISK_REASON_BUF) != NULL);
		CHECK(buf[0] != '\0');
		CHECK(text_utf8_valid(buf, strlen(buf)));
	}
}

static void
check_invariants(const struct risk_rule *rule, const struct risk_grade *g)
{
	CHECK(g->level < RISK_LEVEL_COUNT && g->cause < RISK_CAUSE_COUNT);
	CHECK((g->level == RISK_LOW) ==
	      (g->cause == RISK_CAUSE_NONE || g->cause == RISK_CAUSE_QUIET));
	CHECK((g->cumulative == 0) == (g->last_new == RISK_NO_DATE));
	CHECK(g->window_count >= 0 && g->window_count <= g->cumulative);
	if (g->cumulative == 0)
		CHECK(g->cause == RISK_CAUSE_NONE);
	if (rule->method == RISK_METHOD_CUMULATIVE) {
		if (g->level == RISK_HIGH)
			CHECK(g->cumulative > rule->high_cumulative && g->event != RISK_NO_DATE);
	} else {
		CHECK(g->cause != RISK_CAUSE_CLUSTER && g->cause != RISK_CAUSE_NO_CLUSTER &&
		      g->cause != RISK_CAUSE_FEW);
		if (rule->medium_hold_days == 0)
			CHECK(g->level != RISK_MEDIUM);
		/* a HIGH was set by a count at or over high_min, kept since */
		if (g->level == RISK_HIGH)
			CHECK(g->event != RISK_NO_DATE && g->event_count >= rule->high_min);
	}
}

static void
fuzz_zone(const uint8_t *data, size_t size, const struct risk_rule *rule)
{
	struct zone_report rep = {0};
	struct fk_error err = {0};
	char *out = NULL;
	size_t out_len = 0;
	int rc;

	rc = zone_grade_csv((const char *)data, size, date_from_ymd(2020, 2, 20), rule,
			    RISK_LANG_EN, &out, &out_len, &rep, &err);
	if (rc == 0) {
		CHECK(out != NULL && strlen(out) == out_len);
		CHECK(strncmp(out, "region_code,level,reason\n", 25) == 0);
		CHECK(rep.n_problems == 0);
		long lines = 0;
		for (size_t i = 0; i < out_len; i++)
			lines += out[i] == '\n';
		CHECK(lines >= rep.regions + 1);
	} else {
		CHECK(out == NULL);
		CHECK(err.message[0] != '\0');
		for (size_t i = 0; i < rep.n_problems; i++)
			CHECK(rep.problems[i].row >= 2 && rep.problems[i].message[0] != '\0');
	}
	free(out);
	zone_report_free(&rep);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct risk_rule rule;
	struct risk_series *s = NULL;
	struct risk_grade *grades = NULL;
	uint8_t *levels = NULL;
	struct fk_error err = {0};
	char name[40];
	size_t n_regions, cells;
	int32_t n_days, from, to;
	int rc;

	if (size < 14)
		return 0;
	const bool with_zone = data[0] & 0x80;
	if ((data[0] & 0x7f) % 8 < risk_rule_builtin_count()) {
		rule = *risk_rule_builtin((data[0] & 0x7f) % 8);
	} else {
		memset(&rule, 0, sizeof rule);
		strcpy(rule.name, "fuzzed");
		rule.method = (enum risk_method)(data[1] % 3); /* 2 is invalid */
		rule.count_asymptomatic = data[2] & 1;
		rule.window_days = data[3] % 32; /* 0 is invalid */
		rule.quiet_days = data[4] % 32;
		rule.high_cumulative = (int8_t)data[5]; /* < 0 is invalid */
		rule.high_min = data[6] % 16;
		rule.high_hold_days = data[7] % 24;
		rule.medium_hold_days = data[8] % 24;
	}
	n_regions = 1 + data[9] % 4;
	n_days = 1 + data[10] % 64;
	if (risk_series_new(n_regions, date_from_ymd(2020, 1, 20), n_days, data[11] & 3, &s))
		return 0;
	from = s->first_date + (int8_t)data[12];
	to = from + data[13] % 96;
	data += 14;
	size -= 14;
	cells = n_regions * (size_t)n_days;
	for (size_t i = 0; i < cells && size > 0; i++, data++, size--)
		s->confirmed[i] = count_of(*data);
	for (size_t i = 0; s->clusters && i < cells && size > 0; i++, data++, size--)
		s->clusters[i] = count_of(*data) > 0 ? count_of(*data) % 3 : count_of(*data);
	for (size_t i = 0; s->asymptomatic && i < cells && size > 0; i++, data++, size--)
		s->asymptomatic[i] = count_of(*data);

	const size_t days = (size_t)(to - from + 1);
	grades = calloc(n_regions * days, sizeof *grades);
	levels = calloc(n_regions * days, 1);
	if (grades == NULL || levels == NULL)
		goto out;

	struct fk_error verr = {0};
	bool rule_ok = risk_rule_validate(&rule, &verr) == 0;
	rc = risk_grade_batch(s, &rule, from, to, levels, grades, &err);
	if (!rule_ok) {
		CHECK(rc == FK_EINVAL && strcmp(err.field, verr.field) == 0);
		goto out;
	}
	if (rc) {
		/* only a count out of range is refused here */
		CHECK(rc == FK_EINVAL && field_known(err.field));
	}
	for (size_t r = 0; r < n_regions; r++)
		for (size_t k = 0; k < days; k++) {
			const int32_t d = from + (int32_t)k;
			struct risk_grade one;
			struct fk_error e1 = {0};
			int rc1 = risk_grade_one(s, r, &rule, d, &one, &e1);
			if (rc == 0) {
				const struct risk_grade *b = &grades[r * days + k];
				CHECK(rc1 == 0);
				CHECK(one.cumulative == b->cumulative &&
				      one.last_new == b->last_new &&
				      one.window_count == b->window_count &&
				      one.event == b->event && one.event_count == b->event_count &&
				      one.level == b->level && one.cause == b->cause);
				CHECK(levels[r * days + k] == b->level);
				check_invariants(&rule, b);
				check_reason(&rule, d, b);
			} else if (rc1) {
				CHECK(rc1 == FK_EINVAL && field_known(e1.field));
			}
		}

	/* the parsers take any name */
	{
		size_t n = size < sizeof name - 1 ? size : sizeof name - 1;
		enum risk_level l;
		enum risk_lang lang;
		struct risk_rule named;
		memcpy(name, data, n);
		name[n] = '\0';
		if (risk_level_parse(name, &l) == 0)
			CHECK(strcmp(risk_level_name(l), name) == 0);
		if (risk_lang_parse(name, &lang) == 0)
			CHECK(lang < RISK_LANG_COUNT);
		fk_error_clear(&err);
		if (risk_rule_get(name, &named, &err) == 0)
			CHECK(strcmp(named.name, name) == 0);
		else
			CHECK(strcmp(err.field, "rule") == 0);
	}
	if (with_zone)
		fuzz_zone(data, size, &rule);
out:
	free(grades);
	free(levels);
	risk_series_free(s);
	return 0;
}

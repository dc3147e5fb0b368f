/*
 * series.c -- app layer: importing daily case series from CSV (the
 * canghailan and DXY city files, cumulative, and the plain daily
 * format), turning cumulative counts into daily new counts with every
 * quirk of the sources handled by a stated rule and reported.  The
 * rules are in series.h.
 *
 * The work, in order:
 *   1. parse (app__csv_each): check every row, give each row its
 *      reporting unit (a region code, or province + kind + name for
 *      the units without a code), check each unit's dates increase;
 *   2. if any row is bad, stop: report them all, store nothing;
 *   3. group the rows by unit (a counting sort keeps the file's order,
 *      which is date order within a unit) and walk each unit's rows:
 *      daily new counts, decreases, gaps, first days;
 *   4. one write job replaces the source's rows over the file's dates
 *      and appends the audit entry.
 * Memory: the rows (32 bytes each) and the units live until the import
 * returns; the report's lists are the caller's (series_report_free).
 */
#include "series.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_impl.h"
#include "core/date.h"
#include "core/text.h"

#define SERIES_MAX_PROBLEMS 1000

/* ---- names ------------------------------------------------------------------- */

static const char *const format_names[] = {
	[SERIES_CANGHAILAN] = "canghailan",
	[SERIES_DXY] = "dxy",
	[SERIES_PLAIN] = "plain",
};

int
series_format_parse(const char *s, enum series_format *out)
{
	for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
		if (s && strcmp(s, format_names[i]) == 0) {
			*out = (enum series_format)i;
			return 0;
		}
	return FK_EINVAL;
}

const char *
series_format_name(enum series_format f)
{
	return (unsigned)f < sizeof format_names / sizeof format_names[0] ? format_names[f] : "";
}

static const char *const kind_names[SK_COUNT] = {
	[SK_PREFECTURE] = "prefecture",
	[SK_COUNTY] = "county",
	[SK_WHOLE_PROVINCE] = "whole_province",
	[SK_IMPORTED] = "imported",
	[SK_FROM_OTHER_PROVINCE] = "from_other_province",
	[SK_UNASSIGNED] = "unassigned",
	[SK_PRISON] = "prison",
	[SK_SPECIAL_ZONE] = "special_zone",
	[SK_XPCC] = "xpcc",
	[SK_TRANSFERRED_OUT] = "transferred_out",
	[SK_OTHER] = "other",
};

const char *
series_kind_name(enum series_kind k)
{
	return (unsigned)k < SK_COUNT ? kind_names[k] : "";
}

static int
kind_parse(const char *s, enum series_kind *out)
{
	for (int i = 0; i < SK_COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum series_kind)i;
			return 0;
		}
	return FK_EINVAL;
}

/* Kinds whose rows carry the code of a region with a series. */
static bool
kind_has_code(enum series_kind k)
{
	return k == SK_PREFECTURE || k == SK_COUNTY || k == SK_WHOLE_PROVINCE;
}

/* The 4 municipalities report by district (kind county). */
static bool
is_municipality(const char *province_code)
{
	return strcmp(province_code, "110000") == 0 || strcmp(province_code, "120000") == 0 ||
	       strcmp(province_code, "310000") == 0 || strcmp(province_code, "500000") == 0;
}

/* ---- columns ------------------------------------------------------------------ */

enum col {
	COL_DATE,
	COL_PROVINCE_CODE,
	COL_CITY_CODE,
	COL_CITY,
	COL_KIND,
	COL_PREFECTURE_CODE,
	COL_CONFIRMED,
	COL_SUSPECTED,
	COL_CURED,
	COL_DEAD,
	COL_UPDATE_TIME,
	COL_REGION_CODE,
	COL_NEW_CONFIRMED,
	COL_NEW_CLUSTERS,
	COL_NEW_ASYMPTOMATIC,
	COL_COUNT
};

static const char *const col_names[COL_COUNT] = {
	"date", "province_code", "city_code", "city", "kind", "prefecture_code",
	"confirmed", "suspected", "cured", "dead", "update_time", "region_code",
	"new_confirmed", "new_clusters", "new_asymptomatic",
};

/* Columns each format needs (the rest of its columns are optional). */
static bool
col_required(enum series_format f, enum col c)
{
	switch (f) {
	case SERIES_PLAIN:
		return c == COL_DATE || c == COL_REGION_CODE || c == COL_NEW_CONFIRMED;
	case SERIES_DXY:
		if (c == COL_UPDATE_TIME)
			return true;
		/* fall through */
	case SERIES_CANGHAILAN:
		return c <= COL_DEAD;
	}
	return false;
}

/* Columns a format reads at all (a plain file's "confirmed" column is
 * an extra column, ignored). */
static bool
col_known(enum series_format f, enum col c)
{
	if (f == SERIES_PLAIN)
		return c == COL_DATE || c >= COL_REGION_CODE;
	return c <= COL_DEAD || (f == SERIES_DXY && c == COL_UPDATE_TIME);
}

/* ---- parse state ------------------------------------------------------------------ */

/* One data row as read.  For the plain format `confirmed` is the day's
 * new count; for the others the cumulative. */
struct raw_row {
	int32_t date;
	int32_t unit;
	int32_t confirmed, cured, dead;
	int32_t clusters, asymptomatic;
	long record;
};

/* A reporting unit while importing. */
struct unit {
	char key[REGION_CODE_LEN + 2 + 24 + SERIES_NAME_BUF];
	struct series_where at;
	bool attributable;   /* has a region: its series is stored */
	bool bad;            /* its region is unknown: every row reported */
	int32_t last_date;   /* of its last good row, for the order check */
	long last_record;
	long rows;
};

/* A province seen, with its name (a file has at most a few dozen). */
struct province {
	char code[REGION_CODE_LEN + 1];
	char name[SERIES_NAME_BUF];
	bool known;          /* a province of the regions table */
};

struct ctx {
	app_t *app;
	enum series_format format;
	struct series_report *rep;
	struct fk_error *err;
	int col_of[COL_COUNT];
	size_t header_fields;

	struct raw_row *rows;
	size_t n_rows, cap_rows;

	struct unit *units;
	size_t n_units, cap_units;
	int32_t *slots;      /* open-addressing hash of unit indexes, -1 empty */
	size_t n_slots;

	struct province provinces[128];
	size_t n_provinces;
};

static void
problem(struct series_report *rep, long record, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
problem(struct series_report *rep, long record, const char *column, const char *fmt, ...)
{
	struct import_problem *pr;
	va_list ap;

	if (rep->n_problems >= SERIES_MAX_PROBLEMS) {
		rep->truncated = true;
		return;
	}
	if (rep->problems == NULL) {
		rep->problems = calloc(SERIES_MAX_PROBLEMS, sizeof *rep->problems);
		if (rep->problems == NULL) {
			rep->truncated = true;
			return;
		}
	}
	pr = &rep->problems[rep->n_problems++];
	pr->row = record;
	snprintf(pr->column, sizeof pr->column, "%s", column);
	va_start(ap, fmt);
	vsnprintf(pr->message, sizeof pr->message, fmt, ap);
	va_end(ap);
}

/* Append one element to a growing list capped at SERIES_LIST_MAX;
 * returns the new slot (zeroed) or NULL when full or out of memory
 * (*rc set to FK_ENOMEM then). */
static void *
list_push(void **list, size_t *n, size_t elem, int *rc)
{
	char *p;
	if (*n >= SERIES_LIST_MAX)
		return NULL;
	if (*list == NULL) {
		*list = calloc(SERIES_LIST_MAX, elem);
		if (*list == NULL) {
			*rc = FK_ENOMEM;
			return NULL;
		}
	}
	p = (char *)*list + *n * elem;
	memset(p, 0, elem);
	(*n)++;
	return p;
}

/* ---- values ------------------------------------------------------------------------- */

/* A count: 1..10 ASCII digits, at most INT32_MAX.  Reports and returns
 * -1 if not. */
static int
parse_count(struct ctx *c, long record, enum col col, const char *s, int32_t *out)
{
	int64_t v = 0;
	size_t len = strlen(s);

	if (len == 0) {
		problem(c->rep, record, col_names[col], "%s is empty", col_names[col]);
		return -1;
	}
	if (s[0] == '-') {
		problem(c->rep, record, col_names[col], "%s is negative (%.20s)", col_names[col], s);
		return -1;
	}
	if (len > 10 || !text_is_digits(s, len)) {
		problem(c->rep, record, col_names[col], "%s '%.20s' is not a whole number",
			col_names[col], s);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	if (v > INT32_MAX) {
		problem(c->rep, record, col_names[col], "%s %s is too large", col_names[col], s);
		return -1;
	}
	*out = (int32_t)v;
	return 0;
}

/* The province of code (xx0000), looked up once.  NULL without memory
 * for more provinces (never with real codes: there are 34). */
static const struct province *
province_of(struct ctx *c, const char *province_code, int *rc)
{
	region_t r;
	struct province *p;
	int lrc;

	for (size_t i = 0; i < c->n_provinces; i++)
		if (strcmp(c->provinces[i].code, province_code) == 0)
			return &c->provinces[i];
	if (c->n_provinces == sizeof c->provinces / sizeof c->provinces[0])
		return NULL;
	p = &c->provinces[c->n_provinces];
	memset(p, 0, sizeof *p);
	snprintf(p->code, sizeof p->code, "%s", province_code);
	lrc = store_region_get(c->app->store, province_code, &r);
	if (lrc == 0) {
		p->known = strcmp(r.level, "province") == 0;
		snprintf(p->name, sizeof p->name, "%s", r.name);
	} else if (lrc != FK_ENOTFOUND) {
		*rc = lrc;
		return NULL;
	}
	c->n_provinces++;
	return p;
}

/* ---- units ----------------------------------------------------------------------- */

static uint64_t
hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int
slots_grow(struct ctx *c)
{
	size_t n = c->n_slots ? c->n_slots * 2 : 1024;
	int32_t *s = malloc(n * sizeof *s);
	if (s == NULL)
		return FK_ENOMEM;
	for (size_t i = 0; i < n; i++)
		s[i] = -1;
	for (size_t u = 0; u < c->n_units; u++) {
		size_t i = hash_key(c->units[u].key) & (n - 1);
		while (s[i] >= 0)
			i = (i + 1) & (n - 1);
		s[i] = (int32_t)u;
	}
	free(c->slots);
	c->slots = s;
	c->n_slots = n;
	return 0;
}

/* The unit of key into *idx: *found tells whether it existed; a new
 * one is zeroed apart from its key.  0 or FK_ENOMEM. */
static int
unit_find(struct ctx *c, const char *key, bool *found, long *idx)
{
	size_t i;
	int rc;

	if ((c->n_units + 1) * 2 > c->n_slots && (rc = slots_grow(c)))
		return rc;
	i = hash_key(key) & (c->n_slots - 1);
	while (c->slots[i] >= 0) {
		if (strcmp(c->units[c->slots[i]].key, key) == 0) {
			*found = true;
			*idx = c->slots[i];
			return 0;
		}
		i = (i + 1) & (c->n_slots - 1);
	}
	if (c->n_units == c->cap_units) {
		size_t ncap = c->cap_units ? c->cap_units * 2 : 256;
		void *p = realloc(c->units, ncap * sizeof *c->units);
		if (p == NULL)
			return FK_ENOMEM;
		c->units = p;
		c->cap_units = ncap;
	}
	memset(&c->units[c->n_units], 0, sizeof c->units[0]);
	snprintf(c->units[c->n_units].key, sizeof c->units[0].key, "%s", key);
	c->slots[i] = (int32_t)c->n_units;
	*found = false;
	*idx = (long)c->n_units++;
	return 0;
}

/* Set up a new unit with a region code: it must be in the regions
 * table (else it is marked bad); its name defaults to the region's.
 * 0, or a negative fk_err from the store. */
static int
unit_region_check(struct ctx *c, struct unit *u)
{
	region_t r;
	int rc = store_region_get(c->app->store, u->at.region_code, &r);
	if (rc == FK_ENOTFOUND) {
		u->bad = true;
		return 0;
	}
	if (rc == 0 && u->at.name[0] == '\0')
		snprintf(u->at.name, sizeof u->at.name, "%s", r.name);
	return rc;
}

/* ---- rows ------------------------------------------------------------------------- */

static int
header_row(struct ctx *c, char **f, size_t n)
{
	for (int i = 0; i < COL_COUNT; i++)
		c->col_of[i] = -1;
	c->header_fields = n;
	for (size_t k = 0; k < n; k++)
		for (int i = 0; i < COL_COUNT; i++)
			if (strcmp(f[k], col_names[i]) == 0 && col_known(c->format, (enum col)i)) {
				if (c->col_of[i] >= 0)
					return fk_error_set(c->err, FK_EINVAL, f[k],
							    "row 1: column '%s' appears twice", f[k]);
				c->col_of[i] = (int)k;
			}
	/* a DXY file given as canghailan would pass (its extra column is
	 * ignored) and land under the wrong source: refuse it */
	if (c->format == SERIES_CANGHAILAN)
		for (size_t k = 0; k < n; k++)
			if (strcmp(f[k], col_names[COL_UPDATE_TIME]) == 0)
				problem(c->rep, 1, "update_time",
					"update_time is a column of the dxy format: import this file "
					"as dxy");
	for (int i = 0; i < COL_COUNT; i++)
		if (c->col_of[i] < 0 && col_required(c->format, (enum col)i)) {
			problem(c->rep, 1, col_names[i], "missing column '%s' (the %s format needs it)",
				col_names[i], series_format_name(c->format));
		}
	if (c->rep->n_problems)
		return fk_error_set(c->err, FK_EINVAL, c->rep->problems[0].column, "row 1: %s",
				    c->rep->problems[0].message);
	return 0;
}

/* A field by column, "" for an optional column the file lacks. */
static const char *
field(struct ctx *c, char **f, enum col col)
{
	return c->col_of[col] >= 0 ? f[c->col_of[col]] : "";
}

/* The unit of a cumulative-format row into *idx, -1 (reported) if the
 * row names none we can use.  0 or a negative fk_err (a failure). */
static int
cumulative_unit(struct ctx *c, long record, char **f, enum series_kind kind, long *idx)
{
	const char *prov = field(c, f, COL_PROVINCE_CODE);
	const char *code = field(c, f, COL_CITY_CODE);
	const char *name = field(c, f, COL_CITY);
	const struct province *p;
	char key[sizeof c->units[0].key];
	struct unit *u;
	bool found;
	int rc = 0;

	*idx = -1;

	if (!region_code_well_formed(prov) || strcmp(prov + 2, "0000") != 0) {
		problem(c->rep, record, "province_code", "province_code '%.16s' is not a province code",
			prov);
		return 0;
	}
	if ((p = province_of(c, prov, &rc)) == NULL)
		return rc ? rc : FK_ENOMEM;
	if (!p->known) {
		problem(c->rep, record, "province_code",
			"province_code %s is not a province of the regions table", prov);
		return 0;
	}
	if (strlen(name) >= SERIES_NAME_BUF || !text_utf8_valid(name, strlen(name))) {
		problem(c->rep, record, "city", "city is not valid UTF-8 of at most %d bytes",
			SERIES_NAME_BUF - 1);
		return 0;
	}
	switch (kind) {
	case SK_PREFECTURE:
	case SK_COUNTY:
		if (code[0] == '\0') {
			problem(c->rep, record, "city_code", "a %s row needs a city_code",
				kind_names[kind]);
			return 0;
		}
		if (!region_code_well_formed(code)) {
			problem(c->rep, record, "city_code", "city_code '%.16s' is not a region code",
				code);
			return 0;
		}
		if (strncmp(code, prov, 2) != 0) {
			problem(c->rep, record, "city_code", "city_code %s is not in province %s", code,
				prov);
			return 0;
		}
		snprintf(key, sizeof key, "%s", code);
		break;
	case SK_WHOLE_PROVINCE:
		/* HK, Macau, Taiwan: one row repeating the province */
		if (code[0] && strcmp(code, prov) != 0) {
			problem(c->rep, record, "city_code",
				"a whole_province row's city_code must be empty or %s, not '%.16s'",
				prov, code);
			return 0;
		}
		snprintf(key, sizeof key, "%s", prov);
		break;
	default:
		if (code[0]) {
			problem(c->rep, record, "city_code",
				"a %s row has no region (city_code must be empty, not '%.16s')",
				kind_names[kind], code);
			return 0;
		}
		if (name[0] == '\0') {
			problem(c->rep, record, "city", "a %s row needs the unit's name in city",
				kind_names[kind]);
			return 0;
		}
		snprintf(key, sizeof key, "%s/%s/%s", prov, kind_names[kind], name);
		break;
	}
	if ((rc = unit_find(c, key, &found, idx)))
		return rc;
	u = &c->units[*idx];
	if (!found) {
		u->attributable = kind_has_code(kind);
		u->at.kind = kind;
		snprintf(u->at.province_code, sizeof u->at.province_code, "%s", prov);
		snprintf(u->at.province, sizeof u->at.province, "%s", p->name);
		if (u->attributable) {
			snprintf(u->at.region_code, sizeof u->at.region_code, "%.6s", key);
			if ((rc = unit_region_check(c, u)))
				return rc;
		}
		c->rep->kind_units[kind]++;
	} else if (u->at.kind != kind) {
		problem(c->rep, record, "kind", "kind %s, but row %ld gave %s the kind %s",
			kind_names[kind], u->last_record, key, kind_names[u->at.kind]);
		*idx = -1;
		return 0;
	}
	snprintf(u->at.name, sizeof u->at.name, "%s", name);
	if (u->bad) {
		problem(c->rep, record, kind == SK_WHOLE_PROVINCE ? "province_code" : "city_code",
			"region code %s is not in the regions table", key);
		*idx = -1;
		return 0;
	}
	return 0;
}

/* The unit of a plain row (its region code) into *idx, -1 if the row
 * was reported.  0 or a negative fk_err. */
static int
plain_unit(struct ctx *c, long record, const char *code, long *idx)
{
	const struct province *p;
	char prov[REGION_CODE_LEN + 1];
	struct unit *u;
	bool found;
	int rc = 0;

	*idx = -1;

	if (!region_code_well_formed(code)) {
		problem(c->rep, record, "region_code", "region_code '%.16s' is not a region code",
			code);
		return 0;
	}
	if ((rc = unit_find(c, code, &found, idx)))
		return rc;
	u = &c->units[*idx];
	if (!found) {
		u->attributable = true;
		u->at.kind = SK_COUNT; /* no kind in this format */
		snprintf(u->at.region_code, sizeof u->at.region_code, "%s", code);
		snprintf(prov, sizeof prov, "%.2s0000", code);
		snprintf(u->at.province_code, sizeof u->at.province_code, "%s", prov);
		if ((p = province_of(c, prov, &rc)) == NULL)
			return rc ? rc : FK_ENOMEM;
		snprintf(u->at.province, sizeof u->at.province, "%s", p->name);
		if ((rc = unit_region_check(c, u)))
			return rc;
	}
	if (u->bad) {
		problem(c->rep, record, "region_code", "region_code %s is not in the regions table",
			code);
		*idx = -1;
		return 0;
	}
	return 0;
}

static int
data_row(void *ctx, long record, char **f, size_t n)
{
	struct ctx *c = ctx;
	struct raw_row row;
	struct unit *u;
	enum series_kind kind = SK_COUNT;
	const char *v;
	long idx = -1;
	int bad = 0, rc;

	if (record == 1)
		return header_row(c, f, n);
	if (n == 1 && f[0][0] == '\0')
		return 0; /* a blank line */
	c->rep->rows++;
	if (n != c->header_fields) {
		int missing = -1;
		for (int i = 0; i < COL_COUNT && missing < 0; i++)
			if (c->col_of[i] >= (int)n)
				missing = i;
		problem(c->rep, record, missing >= 0 ? col_names[missing] : "",
			"row has %zu fields, the header has %zu", n, c->header_fields);
		return 0;
	}
	memset(&row, 0, sizeof row);
	row.record = record;
	v = field(c, f, COL_DATE);
	if (date_parse(v, &row.date)) {
		problem(c->rep, record, "date", "date '%.24s' is not a date (YYYY-MM-DD)", v);
		bad = 1;
	}
	if (c->format == SERIES_PLAIN) {
		bad |= parse_count(c, record, COL_NEW_CONFIRMED, field(c, f, COL_NEW_CONFIRMED),
				   &row.confirmed);
		if (c->col_of[COL_NEW_CLUSTERS] >= 0)
			bad |= parse_count(c, record, COL_NEW_CLUSTERS, field(c, f, COL_NEW_CLUSTERS),
					   &row.clusters);
		if (c->col_of[COL_NEW_ASYMPTOMATIC] >= 0)
			bad |= parse_count(c, record, COL_NEW_ASYMPTOMATIC,
					   field(c, f, COL_NEW_ASYMPTOMATIC), &row.asymptomatic);
		rc = plain_unit(c, record, field(c, f, COL_REGION_CODE), &idx);
	} else {
		int32_t suspected;
		bad |= parse_count(c, record, COL_CONFIRMED, field(c, f, COL_CONFIRMED),
				   &row.confirmed);
		bad |= parse_count(c, record, COL_SUSPECTED, field(c, f, COL_SUSPECTED), &suspected);
		bad |= parse_count(c, record, COL_CURED, field(c, f, COL_CURED), &row.cured);
		bad |= parse_count(c, record, COL_DEAD, field(c, f, COL_DEAD), &row.dead);
		v = field(c, f, COL_KIND);
		if (kind_parse(v, &kind)) {
			problem(c->rep, record, "kind",
				"kind '%.24s' is not one of prefecture, county, whole_province, imported, "
				"from_other_province, unassigned, prison, special_zone, xpcc, "
				"transferred_out, other",
				v);
			return 0;
		}
		c->rep->kind_rows[kind]++;
		rc = cumulative_unit(c, record, f, kind, &idx);
	}
	if (rc)
		return rc; /* out of memory or the store failed */
	if (idx < 0 || bad)
		return 0;
	u = &c->units[idx];
	/* within one unit the dates must increase down the file */
	if (u->rows > 0 && row.date <= u->last_date) {
		char d1[DATE_STR_LEN], d2[DATE_STR_LEN];
		if (row.date == u->last_date)
			problem(c->rep, record, "date", "%s repeats row %ld for %s",
				date_format(row.date, d1), u->last_record, u->key);
		else
			problem(c->rep, record, "date",
				"dates out of order: %s comes after %s (row %ld) for %s",
				date_format(row.date, d1), date_format(u->last_date, d2),
				u->last_record, u->key);
		return 0;
	}
	u->last_date = row.date;
	u->last_record = record;
	u->rows++;
	row.unit = (int32_t)idx;
	if (c->n_rows == c->cap_rows) {
		size_t ncap = c->cap_rows ? c->cap_rows * 2 : 4096;
		void *p = realloc(c->rows, ncap * sizeof *c->rows);
		if (p == NULL)
			return FK_ENOMEM;
		c->rows = p;
		c->cap_rows = ncap;
	}
	c->rows[c->n_rows++] = row;
	if (c->rep->from == 0 || row.date < c->rep->from)
		c->rep->from = row.date;
	if (row.date > c->rep->to)
		c->rep->to = row.date;
	return 0;
}

/* ---- cumulative -> daily ------------------------------------------------------------ */

struct out {
	series_day_t *days;
	size_t n, cap;
};

static int
out_push(struct out *o, const char *source, const struct unit *u, const struct raw_row *r,
	 int32_t new_confirmed)
{
	series_day_t *d;
	if (o->n == o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 4096;
		void *p = realloc(o->days, ncap * sizeof *o->days);
		if (p == NULL)
			return FK_ENOMEM;
		o->days = p;
		o->cap = ncap;
	}
	d = &o->days[o->n++];
	memset(d, 0, sizeof *d);
	snprintf(d->source, sizeof d->source, "%s", source);
	snprintf(d->region_code, sizeof d->region_code, "%s", u->at.region_code);
	d->date = r->date;
	d->new_confirmed = new_confirmed;
	d->new_clusters = r->clusters;
	d->new_asymptomatic = r->asymptomatic;
	return 0;
}

/* Keep the SERIES_TOP largest stored days, largest first (earlier
 * date, then region, first on a tie). */
static void
top_offer(struct series_report *rep, const struct unit *u, int32_t date, int32_t value)
{
	size_t i;
	if (value <= 0)
		return;
	if (rep->n_largest == SERIES_TOP && value <= rep->largest[SERIES_TOP - 1].new_confirmed)
		return;
	i = rep->n_largest < SERIES_TOP ? rep->n_largest++ : SERIES_TOP - 1;
	while (i > 0 && rep->largest[i - 1].new_confirmed < value) {
		rep->largest[i] = rep->largest[i - 1];
		i--;
	}
	rep->largest[i].at = u->at;
	rep->largest[i].date = date;
	rep->largest[i].new_confirmed = value;
}

/* A cured or dead count going down: counted and listed, not used. */
static int
other_decrease(struct series_report *rep, const struct unit *u, const char *what,
	       const struct raw_row *prev, const struct raw_row *r, int32_t before, int32_t after)
{
	struct series_decrease *d;
	int rc = 0;
	if (strcmp(what, "cured") == 0)
		rep->cured_decreases++;
	else
		rep->dead_decreases++;
	d = list_push((void **)&rep->other_decrease_list, &rep->n_other_decrease_list, sizeof *d,
		      &rc);
	if (d) {
		d->at = u->at;
		snprintf(d->what, sizeof d->what, "%s", what);
		d->prev_date = prev->date;
		d->date = r->date;
		d->before = before;
		d->after = after;
		d->next = -1;
		d->row = r->record;
	}
	return rc;
}

/*
 * Walk one unit's rows r[0..m) (dates increasing) per the rules of
 * series.h, appending its daily rows to o if it is stored.
 */
static int
unit_walk(struct ctx *c, const char *source, struct unit *u, const struct raw_row *const *r,
	  size_t m, struct out *o, struct series_unit *summary)
{
	struct series_report *rep = c->rep;
	int32_t level = 0; /* L: the cumulative accounted for */
	int rc = 0;

	for (size_t i = 0; i < m; i++) {
		int32_t value = r[i]->confirmed, new_confirmed;

		if (c->format == SERIES_PLAIN) {
			new_confirmed = value;
		} else if (i == 0) {
			new_confirmed = value;
			level = value;
			if (value > 0 && u->attributable) {
				rep->first_day_units++;
				rep->first_day_cases += value;
			}
		} else if (value >= level) {
			new_confirmed = value - level;
			level = value;
		} else {
			/* a decrease: nothing new that day; glitch or revision */
			struct series_decrease *d;
			int32_t next = -1, regained = 0;
			bool glitch;

			if (i + 1 < m && r[i + 1]->date == r[i]->date + 1)
				next = r[i + 1]->confirmed;
			glitch = next >= level;
			if (!glitch)
				for (size_t j = i + 1; j < m && !regained; j++)
					if (r[j]->confirmed >= level)
						regained = r[j]->date;
			rep->decreases++;
			d = list_push((void **)&rep->decrease_list, &rep->n_decrease_list, sizeof *d,
				      &rc);
			if (rc)
				return rc;
			if (d) {
				d->at = u->at;
				snprintf(d->what, sizeof d->what, "confirmed");
				d->prev_date = r[i - 1]->date;
				d->date = r[i]->date;
				d->before = level;
				d->after = value;
				d->next = next;
				d->glitch = glitch;
				d->regained = regained;
				d->row = r[i]->record;
			}
			if (glitch) {
				rep->glitches++;
			} else {
				rep->revisions++;
				rep->revised_cases += level - value;
				level = value;
			}
			new_confirmed = 0;
		}

		if (c->format != SERIES_PLAIN && i > 0) {
			if (r[i]->cured < r[i - 1]->cured &&
			    (rc = other_decrease(rep, u, "cured", r[i - 1], r[i], r[i - 1]->cured,
						 r[i]->cured)))
				return rc;
			if (r[i]->dead < r[i - 1]->dead &&
			    (rc = other_decrease(rep, u, "dead", r[i - 1], r[i], r[i - 1]->dead,
						 r[i]->dead)))
				return rc;
			if (r[i]->date - r[i - 1]->date > 1) {
				struct series_gap *g;
				rep->gaps++;
				rep->gap_days += r[i]->date - r[i - 1]->date - 1;
				g = list_push((void **)&rep->gap_list, &rep->n_gap_list, sizeof *g, &rc);
				if (rc)
					return rc;
				if (g) {
					g->at = u->at;
					g->last_present = r[i - 1]->date;
					g->next_present = r[i]->date;
					g->missing_days = r[i]->date - r[i - 1]->date - 1;
					g->assigned = new_confirmed;
					g->row = r[i]->record;
				}
			}
		}

		summary->new_total += new_confirmed;
		if (u->attributable) {
			if ((rc = out_push(o, source, u, r[i], new_confirmed)))
				return rc;
			rep->stored_new += new_confirmed;
			top_offer(rep, u, r[i]->date, new_confirmed);
		}
	}
	if (m > 0) {
		summary->at = u->at;
		summary->rows = (long)m;
		summary->first = r[0]->date;
		summary->last = r[m - 1]->date;
		summary->last_cumulative = r[m - 1]->confirmed;
	}
	return 0;
}

static int
cmp_decrease(const void *pa, const void *pb)
{
	const struct series_decrease *a = pa, *b = pb;
	int k;
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	if ((k = strcmp(a->at.province_code, b->at.province_code)))
		return k;
	if ((k = strcmp(a->at.region_code, b->at.region_code)))
		return k;
	if ((k = strcmp(a->at.name, b->at.name)))
		return k;
	return strcmp(a->what, b->what);
}

static int
cmp_gap(const void *pa, const void *pb)
{
	const struct series_gap *a = pa, *b = pb;
	int k;
	if (a->next_present != b->next_present)
		return a->next_present < b->next_present ? -1 : 1;
	if ((k = strcmp(a->at.province_code, b->at.province_code)))
		return k;
	if ((k = strcmp(a->at.region_code, b->at.region_code)))
		return k;
	return strcmp(a->at.name, b->at.name);
}

static int
cmp_unit(const void *pa, const void *pb)
{
	const struct series_unit *a = pa, *b = pb;
	int k;
	if ((k = strcmp(a->at.province_code, b->at.province_code)))
		return k;
	if (a->at.kind != b->at.kind)
		return a->at.kind < b->at.kind ? -1 : 1;
	if ((k = strcmp(a->at.region_code, b->at.region_code)))
		return k;
	return strcmp(a->at.name, b->at.name);
}

/* qsort of a list that may be empty (and NULL). */
static void
sort_list(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* Step 3 of the file comment: group by unit, walk every unit. */
static int
convert(struct ctx *c, const char *source, struct out *o)
{
	struct series_report *rep = c->rep;
	const struct raw_row **order = NULL;
	size_t *start = NULL;
	int rc = 0;

	order = malloc((c->n_rows ? c->n_rows : 1) * sizeof *order);
	start = calloc(c->n_units + 1, sizeof *start);
	if (order == NULL || start == NULL) {
		rc = FK_ENOMEM;
		goto out;
	}
	/* counting sort by unit, stable: each unit's rows stay in file
	 * (= date) order */
	for (size_t i = 0; i < c->n_rows; i++)
		start[c->rows[i].unit + 1]++;
	for (size_t u = 0; u < c->n_units; u++)
		start[u + 1] += start[u];
	{
		size_t *fill = malloc((c->n_units ? c->n_units : 1) * sizeof *fill);
		if (fill == NULL) {
			rc = FK_ENOMEM;
			goto out;
		}
		memcpy(fill, start, c->n_units * sizeof *fill);
		for (size_t i = 0; i < c->n_rows; i++)
			order[fill[c->rows[i].unit]++] = &c->rows[i];
		free(fill);
	}
	for (size_t u = 0; u < c->n_units; u++) {
		struct unit *un = &c->units[u];
		struct series_unit sum;
		size_t m = start[u + 1] - start[u];

		memset(&sum, 0, sizeof sum);
		if (m == 0)
			continue;
		if ((rc = unit_walk(c, source, un, order + start[u], m, o, &sum)))
			goto out;
		if (un->attributable) {
			rep->stored_regions++;
		} else {
			struct series_unit *e;
			rep->excluded_units++;
			rep->excluded_rows += sum.rows;
			e = list_push((void **)&rep->excluded_list, &rep->n_excluded_list, sizeof *e,
				      &rc);
			if (rc)
				goto out;
			if (e)
				*e = sum;
		}
		if (un->at.kind == SK_COUNTY && !is_municipality(un->at.province_code)) {
			struct series_unit *e;
			rep->own_counties++;
			e = list_push((void **)&rep->own_county_list, &rep->n_own_county_list,
				      sizeof *e, &rc);
			if (rc)
				goto out;
			if (e)
				*e = sum;
		}
		if (un->at.kind == SK_WHOLE_PROVINCE) {
			struct series_unit *e;
			rep->whole_province_rows += sum.rows;
			e = list_push((void **)&rep->whole_province_list,
				      &rep->n_whole_province_list, sizeof *e, &rc);
			if (rc)
				goto out;
			if (e)
				*e = sum;
		}
	}
	rep->stored_rows = (long)o->n;
	sort_list(rep->decrease_list, rep->n_decrease_list, sizeof *rep->decrease_list,
		  cmp_decrease);
	sort_list(rep->other_decrease_list, rep->n_other_decrease_list,
		  sizeof *rep->other_decrease_list, cmp_decrease);
	sort_list(rep->gap_list, rep->n_gap_list, sizeof *rep->gap_list, cmp_gap);
	sort_list(rep->excluded_list, rep->n_excluded_list, sizeof *rep->excluded_list, cmp_unit);
	sort_list(rep->own_county_list, rep->n_own_county_list, sizeof *rep->own_county_list,
		  cmp_unit);
	sort_list(rep->whole_province_list, rep->n_whole_province_list,
		  sizeof *rep->whole_province_list, cmp_unit);
out:
	free(order);
	free(start);
	return rc;
}

/* ---- the write ----------------------------------------------------------------- */

struct import_job {
	const actor_t *actor;
	const char *source;
	const struct series_report *rep;
	const struct out *o;
};

static int
import_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct import_job *j = arg;
	const struct series_report *rep = j->rep;
	char detail[256], d1[DATE_STR_LEN], d2[DATE_STR_LEN];
	int rc;

	rc = store_tx_series_replace(tx, j->source, rep->from, rep->to, j->o->days, j->o->n);
	if (rc)
		return fk_error_set(err, rc, "", "cannot store the series (%s)", fk_strerror(rc));
	snprintf(detail, sizeof detail,
		 "%s format, %s..%s: %ld rows read, %ld stored for %ld regions; %ld decreases "
		 "(%ld glitches), %ld gaps, %ld rows without a region",
		 series_format_name(rep->format), date_format(rep->from, d1),
		 date_format(rep->to, d2), rep->rows, rep->stored_rows, rep->stored_regions,
		 rep->decreases, rep->glitches, rep->gaps, rep->excluded_rows);
	rc = app_audit_tx(tx, j->actor, "import", "series", j->source, detail);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

/* A source name: 1..15 of [a-z0-9_-]. */
static bool
source_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

int
app_series_import(app_t *a, const actor_t *actor, enum series_format format, const char *source,
		  const char *csv, size_t len, struct series_report *rep, struct fk_error *err)
{
	struct ctx c;
	struct out o = {0};
	struct import_job j;
	int rc;

	memset(rep, 0, sizeof *rep);
	memset(&c, 0, sizeof c);
	rep->format = format;
	/* case series are published aggregate counts, not personal records:
	 * an official's region prefix does not narrow them (a source is one
	 * dataset, replaced as a whole; the audit log names who did it) */
	if (!actor->cli && actor->user.role != ROLE_OFFICIAL)
		return fk_error_set(err, FK_EPERM, "", "only an official imports case series");
	if (series_format_name(format)[0] == '\0')
		return fk_error_set(err, FK_EINVAL, "format", "unknown format");
	if (source == NULL || source[0] == '\0')
		source = series_format_name(format);
	if (!source_ok(source))
		return fk_error_set(err, FK_EINVAL, "source",
				    "source must be 1 to 15 characters of a-z, 0-9, _ and -");
	if (strcmp(source, "fangkong") == 0)
		return fk_error_set(err, FK_EINVAL, "source",
				    "source fangkong holds the cases registered here; it is not imported");
	snprintf(rep->source, sizeof rep->source, "%s", source);
	if (len > (size_t)SERIES_FILE_MAX)
		return fk_error_set(err, FK_ETOOBIG, "csv", "the file is larger than %ld bytes",
				    SERIES_FILE_MAX);

	c.app = a;
	c.format = format;
	c.rep = rep;
	c.err = err;
	rc = app__csv_each(csv ? csv : "", len, data_row, &c, err);
	if (rc)
		goto out;
	if (rep->n_problems) {
		rc = fk_error_set(err, FK_EINVAL, rep->problems[0].column,
				  "%zu%s bad row(s); nothing was imported (first: row %ld: %s)",
				  rep->n_problems, rep->truncated ? "+" : "", rep->problems[0].row,
				  rep->problems[0].message);
		goto out;
	}
	if (c.n_rows == 0) {
		rc = fk_error_set(err, FK_EINVAL, "csv", "the file has no data rows");
		goto out;
	}
	if ((rc = convert(&c, source, &o))) {
		fk_error_set(err, rc, "", "cannot convert the series");
		goto out;
	}
	j.actor = actor;
	j.source = source;
	j.rep = rep;
	j.o = &o;
	rc = store_write(a->store, import_job, &j, err);
	rep->stored = rc == 0;
out:
	free(o.days);
	free(c.rows);
	free(c.units);
	free(c.slots);
	return rc;
}

void
series_report_free(struct series_report *rep)
{
	if (rep == NULL)
		return;
	free(rep->decrease_list);
	free(rep->other_decrease_list);
	free(rep->gap_list);
	free(rep->excluded_list);
	free(rep->own_county_list);
	free(rep->whole_province_list);
	free(rep->problems);
	rep->decrease_list = rep->other_decrease_list = NULL;
	rep->gap_list = NULL;
	rep->excluded_list = rep->own_county_list = rep->whole_province_list = NULL;
	rep->problems = NULL;
	rep->n_decrease_list = rep->n_other_decrease_list = rep->n_gap_list = 0;
	rep->n_excluded_list = rep->n_own_county_list = rep->n_whole_province_list = 0;
	rep->n_problems = 0;
}

/* ---- JSON ---------------------------------------------------------------------------- */

/*
 * {
 *   "format", "source", "rows", "from", "to", "stored",
 *   "stored_rows", "stored_regions", "stored_new_confirmed",
 *   "kinds": {kind: {"rows", "units"}},                 (cumulative formats)
 *   "decreases": {"count", "glitches", "revisions", "revised_cases",
 *                 "items": [decrease]},
 *   "other_decreases": {"cured", "dead", "items": [decrease]},
 *   "gaps": {"count", "days", "items": [gap]},
 *   "first_day": {"series", "cases"},
 *   "excluded": {"rows", "units", "items": [unit]},
 *   "own_counties": {"count", "items": [unit]},
 *   "whole_province": {"rows", "items": [unit]},
 *   "largest": [{where..., "date", "new_confirmed"}],
 *   "problems": [{"row", "column", "message"}], "truncated"
 * }
 * where = "region_code" (null if none), "province_code", "province",
 * "name", "kind"; decrease = where + "what", "prev_date", "date",
 * "before", "after", "next" (null if no row), "resolution" ("glitch",
 * "revision", or "not_used" for cured/dead), "regained" (date or null),
 * "row"; gap = where + "last_present", "next_present", "missing_days",
 * "assigned", "row"; unit = where + "rows", "first", "last",
 * "last_cumulative", "new_total".  A list's "listed" says how many
 * items it kept (at most SERIES_LIST_MAX) when the count is larger.
 */

static json_t *
jdate(int32_t d)
{
	char buf[DATE_STR_LEN];
	return d ? json_string(date_format(d, buf)) : json_null();
}

static void
jwhere(json_t *o, const struct series_where *w)
{
	json_object_set_new(o, "region_code",
			    w->region_code[0] ? json_string(w->region_code) : json_null());
	json_object_set_new(o, "province_code", json_string(w->province_code));
	json_object_set_new(o, "province", json_string(w->province));
	json_object_set_new(o, "name", json_string(w->name));
	if (w->kind < SK_COUNT)
		json_object_set_new(o, "kind", json_string(kind_names[w->kind]));
}

static json_t *
jdecrease(const struct series_decrease *d)
{
	json_t *o = json_object();
	jwhere(o, &d->at);
	json_object_set_new(o, "what", json_string(d->what));
	json_object_set_new(o, "prev_date", jdate(d->prev_date));
	json_object_set_new(o, "date", jdate(d->date));
	json_object_set_new(o, "before", json_integer(d->before));
	json_object_set_new(o, "after", json_integer(d->after));
	json_object_set_new(o, "next", d->next >= 0 ? json_integer(d->next) : json_null());
	json_object_set_new(o, "resolution",
			    json_string(strcmp(d->what, "confirmed") != 0 ? "not_used"
					: d->glitch			 ? "glitch"
									 : "revision"));
	json_object_set_new(o, "regained", jdate(d->regained));
	json_object_set_new(o, "row", json_integer(d->row));
	return o;
}

static json_t *
junit(const struct series_unit *u)
{
	json_t *o = json_object();
	jwhere(o, &u->at);
	json_object_set_new(o, "rows", json_integer(u->rows));
	json_object_set_new(o, "first", jdate(u->first));
	json_object_set_new(o, "last", jdate(u->last));
	json_object_set_new(o, "last_cumulative", json_integer(u->last_cumulative));
	json_object_set_new(o, "new_total", json_integer(u->new_total));
	return o;
}

static json_t *
junits(const struct series_unit *list, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, junit(&list[i]));
	return a;
}

static void
jlisted(json_t *o, long count, size_t listed)
{
	if ((size_t)count > listed)
		json_object_set_new(o, "listed", json_integer((json_int_t)listed));
}

json_t *
series_report_json(const struct series_report *rep)
{
	json_t *o = json_object(), *x, *items;

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "format", json_string(series_format_name(rep->format)));
	json_object_set_new(o, "source", json_string(rep->source));
	json_object_set_new(o, "rows", json_integer(rep->rows));
	json_object_set_new(o, "from", jdate(rep->from));
	json_object_set_new(o, "to", jdate(rep->to));
	json_object_set_new(o, "stored", json_boolean(rep->stored));
	json_object_set_new(o, "stored_rows", json_integer(rep->stored_rows));
	json_object_set_new(o, "stored_regions", json_integer(rep->stored_regions));
	json_object_set_new(o, "stored_new_confirmed", json_integer(rep->stored_new));

	if (rep->format != SERIES_PLAIN) {
		x = json_object();
		for (int k = 0; k < SK_COUNT; k++)
			if (rep->kind_rows[k])
				json_object_set_new(x, kind_names[k],
						    json_pack("{s:I, s:I}", "rows",
							      (json_int_t)rep->kind_rows[k], "units",
							      (json_int_t)rep->kind_units[k]));
		json_object_set_new(o, "kinds", x);
	}

	items = json_array();
	for (size_t i = 0; i < rep->n_decrease_list; i++)
		json_array_append_new(items, jdecrease(&rep->decrease_list[i]));
	x = json_pack("{s:I, s:I, s:I, s:I, s:o}", "count", (json_int_t)rep->decreases, "glitches",
		      (json_int_t)rep->glitches, "revisions", (json_int_t)rep->revisions,
		      "revised_cases", (json_int_t)rep->revised_cases, "items", items);
	jlisted(x, rep->decreases, rep->n_decrease_list);
	json_object_set_new(o, "decreases", x);

	items = json_array();
	for (size_t i = 0; i < rep->n_other_decrease_list; i++)
		json_array_append_new(items, jdecrease(&rep->other_decrease_list[i]));
	x = json_pack("{s:I, s:I, s:o}", "cured", (json_int_t)rep->cured_decreases, "dead",
		      (json_int_t)rep->dead_decreases, "items", items);
	jlisted(x, rep->cured_decreases + rep->dead_decreases, rep->n_other_decrease_list);
	json_object_set_new(o, "other_decreases", x);

	items = json_array();
	for (size_t i = 0; i < rep->n_gap_list; i++) {
		const struct series_gap *g = &rep->gap_list[i];
		json_t *e = json_object();
		jwhere(e, &g->at);
		json_object_set_new(e, "last_present", jdate(g->last_present));
		json_object_set_new(e, "next_present", jdate(g->next_present));
		json_object_set_new(e, "missing_days", json_integer(g->missing_days));
		json_object_set_new(e, "assigned", json_integer(g->assigned));
		json_object_set_new(e, "row", json_integer(g->row));
		json_array_append_new(items, e);
	}
	x = json_pack("{s:I, s:I, s:o}", "count", (json_int_t)rep->gaps, "days",
		      (json_int_t)rep->gap_days, "items", items);
	jlisted(x, rep->gaps, rep->n_gap_list);
	json_object_set_new(o, "gaps", x);

	json_object_set_new(o, "first_day",
			    json_pack("{s:I, s:I}", "series", (json_int_t)rep->first_day_units,
				      "cases", (json_int_t)rep->first_day_cases));
	x = json_pack("{s:I, s:I, s:o}", "rows", (json_int_t)rep->excluded_rows, "units",
		      (json_int_t)rep->excluded_units, "items",
		      junits(rep->excluded_list, rep->n_excluded_list));
	jlisted(x, rep->excluded_units, rep->n_excluded_list);
	json_object_set_new(o, "excluded", x);
	x = json_pack("{s:I, s:o}", "count", (json_int_t)rep->own_counties, "items",
		      junits(rep->own_county_list, rep->n_own_county_list));
	jlisted(x, rep->own_counties, rep->n_own_county_list);
	json_object_set_new(o, "own_counties", x);
	json_object_set_new(o, "whole_province",
			    json_pack("{s:I, s:o}", "rows", (json_int_t)rep->whole_province_rows,
				      "items",
				      junits(rep->whole_province_list,
					     rep->n_whole_province_list)));

	items = json_array();
	for (size_t i = 0; i < rep->n_largest; i++) {
		json_t *e = json_object();
		jwhere(e, &rep->largest[i].at);
		json_object_set_new(e, "date", jdate(rep->largest[i].date));
		json_object_set_new(e, "new_confirmed", json_integer(rep->largest[i].new_confirmed));
		json_array_append_new(items, e);
	}
	json_object_set_new(o, "largest", items);

	items = json_array();
	for (size_t i = 0; i < rep->n_problems; i++)
		json_array_append_new(items,
				      json_pack("{s:I, s:s, s:s}", "row",
						(json_int_t)rep->problems[i].row, "column",
						rep->problems[i].column, "message",
						rep->problems[i].message));
	json_object_set_new(o, "problems", items);
	json_object_set_new(o, "truncated", json_boolean(rep->truncated));
	return o;
}

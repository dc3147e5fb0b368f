/*
 * zone.c -- app layer: `fangkong zone`, grading a case series CSV on one
 * date with no database.  See zone.h for the input and output.
 *
 * Steps: read the built-in division lists (who is whose parent), read
 * the CSV (libcsv) checking every row and listing every problem, sort
 * the rows by region and date (which finds repeated region-days), lay
 * the rows up to the date into a dense risk_series (missing days stay
 * zero), grade the date with risk_grade_batch(), apply R4.1's "a city
 * takes its districts' highest level" where the rule says so, and write
 * the CSV.  All or nothing: one bad row and nothing is graded.
 */
#include "zone.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_impl.h"
#include "core/date.h"
#include "core/registry.h"
#include "embedded.h"

/* ---- division lists ---------------------------------------------------------- */

enum division_level { DIV_PROVINCE, DIV_CITY, DIV_COUNTY };

struct division {
	int32_t code;	/* 6 digits as a number */
	int32_t parent; /* 0 for a province */
	uint8_t level;	/* enum division_level */
	bool district;	/* a county-level 区: part of its city's urban area */
};

struct divisions {
	struct division *items;
	size_t n, cap;
	size_t n_primary; /* items[0..n_primary) come from the first list, sorted */
	bool secondary;	  /* reading the second list: add only codes not seen */
	const char *file;
	struct fk_error *err;
};

static int
code_value(const char *s, int32_t *out)
{
	int32_t v = 0;
	if (strlen(s) != REGION_CODE_LEN)
		return FK_EINVAL;
	for (int i = 0; i < REGION_CODE_LEN; i++) {
		if (s[i] < '0' || s[i] > '9')
			return FK_EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
cmp_division(const void *a, const void *b)
{
	int32_t x = ((const struct division *)a)->code, y = ((const struct division *)b)->code;
	return (x > y) - (x < y);
}

static int
cmp_code(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

static const struct division *
division_find(const struct division *items, size_t n, int32_t code)
{
	struct division key = {.code = code};
	return bsearch(&key, items, n, sizeof *items, cmp_division);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int
division_row(void *ctx, long record, char **f, size_t n)
{
	struct divisions *d = ctx;
	struct division v = {0};

	if (record == 1)
		return 0; /* code,name,level,parent_code (regions.c checks it) */
	if (n < 4 || code_value(f[0], &v.code) || (f[3][0] != '\0' && code_value(f[3], &v.parent)))
		return fk_error_set(d->err, FK_EIO, "", "%s: row %ld is not a division", d->file,
				    record);
	if (strcmp(f[2], "province") == 0)
		v.level = DIV_PROVINCE;
	else if (strcmp(f[2], "city") == 0)
		v.level = DIV_CITY;
	else if (strcmp(f[2], "county") == 0)
		v.level = DIV_COUNTY;
	else
		return fk_error_set(d->err, FK_EIO, "", "%s: row %ld has level '%s'", d->file,
				    record, f[2]);
	v.district = v.level == DIV_COUNTY && ends_with(f[1], "区");
	/* A code in both lists keeps its first (NBS) row, as regions.c does. */
	if (d->secondary && division_find(d->items, d->n_primary, v.code))
		return 0;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 4096;
		void *p = realloc(d->items, ncap * sizeof *d->items);
		if (p == NULL)
			return FK_ENOMEM;
		d->items = p;
		d->cap = ncap;
	}
	d->items[d->n++] = v;
	return 0;
}

static int
divisions_load(struct divisions *d, struct fk_error *err)
{
	static const char *const lists[] = {"data/divisions.csv", "data/divisions_mca2019.csv"};
	int rc;

	d->err = err;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		const struct embedded_file *f = embedded_find(lists[i]);
		if (f == NULL)
			return fk_error_set(err, FK_EIO, "", "%s is not built in", lists[i]);
		d->file = lists[i];
		d->secondary = i > 0;
		rc = app__csv_each((const char *)f->data, f->size, division_row, d, err);
		if (rc)
			return rc;
		if (i == 0) {
			qsort(d->items, d->n, sizeof *d->items, cmp_division);
			d->n_primary = d->n;
		}
	}
	qsort(d->items, d->n, sizeof *d->items, cmp_division);
	return 0;
}

/* The lists are built in and never change: read them once per process
 * (the index is ~80 KB, kept until exit). */
static pthread_once_t divisions_once = PTHREAD_ONCE_INIT;
static struct divisions divisions_cache;
static struct fk_error divisions_err;
static int divisions_rc;

static void
divisions_init(void)
{
	divisions_rc = divisions_load(&divisions_cache, &divisions_err);
}

/* ---- reading the series --------------------------------------------------------- */

enum col { COL_DATE, COL_REGION, COL_CONFIRMED, COL_CLUSTERS, COL_ASYMPTOMATIC, COL_COUNT };
static const char *const col_names[COL_COUNT] = {
    "date", "region_code", "new_confirmed", "new_clusters", "new_asymptomatic",
};
#define COL_REQUIRED 3 /* date, region_code, new_confirmed */

struct row {
	int32_t code;
	int32_t date;
	int32_t count[3]; /* confirmed, clusters, asymptomatic */
	long record;
};

struct reader {
	const struct divisions *div;
	int col_of[COL_COUNT]; /* field index, -1 if absent */
	size_t header_fields;
	struct row *rows;
	size_t n, cap;
	struct zone_report *rep;
	struct fk_error *err;
};

static void problem(struct zone_report *rep, long row, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
problem(struct zone_report *rep, long row, const char *column, const char *fmt, ...)
{
	va_list ap;
	struct zone_problem *p;

	if (rep->n_problems >= ZONE_PROBLEMS_MAX) {
		rep->truncated = true;
		return;
	}
	if (rep->problems == NULL) {
		rep->problems = calloc(ZONE_PROBLEMS_MAX, sizeof *rep->problems);
		if (rep->problems == NULL) {
			rep->truncated = true;
			return;
		}
	}
	p = &rep->problems[rep->n_problems++];
	p->row = row;
	snprintf(p->column, sizeof p->column, "%s", column);
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof p->message, fmt, ap);
	va_end(ap);
}

static int
header_row(struct reader *r, char **f, size_t n)
{
	for (int c = 0; c < COL_COUNT; c++)
		r->col_of[c] = -1;
	for (size_t k = 0; k < n; k++)
		for (int c = 0; c < COL_COUNT; c++)
			if (strcmp(f[k], col_names[c]) == 0) {
				if (r->col_of[c] >= 0)
					return fk_error_set(
					    r->err, FK_EINVAL, col_names[c],
					    "row 1, column %s: the column appears twice",
					    col_names[c]);
				r->col_of[c] = (int)k;
			}
	for (int c = 0; c < COL_REQUIRED; c++)
		if (r->col_of[c] < 0)
			return fk_error_set(r->err, FK_EINVAL, col_names[c],
					    "row 1, column %s: missing column (the header needs "
					    "date,region_code,new_confirmed; new_clusters and "
					    "new_asymptomatic are optional)",
					    col_names[c]);
	r->header_fields = n;
	return 0;
}

/* A whole number 0..RISK_COUNT_MAX, digits only. */
static int
parse_count(struct reader *r, long record, enum col c, const char *v, int32_t *out)
{
	int64_t x = 0;
	size_t i = 0;

	if (v[0] == '\0') {
		problem(r->rep, record, col_names[c], "%s is empty", col_names[c]);
		return -1;
	}
	if (v[0] == '-' && v[1] != '\0' && strspn(v + 1, "0123456789") == strlen(v + 1)) {
		problem(r->rep, record, col_names[c], "%s '%.40s' is negative", col_names[c], v);
		return -1;
	}
	for (; v[i] >= '0' && v[i] <= '9' && x <= RISK_COUNT_MAX; i++)
		x = x * 10 + (v[i] - '0');
	if (v[i] != '\0' && (v[i] < '0' || v[i] > '9')) {
		problem(r->rep, record, col_names[c], "%s '%.40s' is not a whole number",
			col_names[c], v);
		return -1;
	}
	if (x > RISK_COUNT_MAX) {
		problem(r->rep, record, col_names[c], "%s '%.40s' is more than %d", col_names[c], v,
			RISK_COUNT_MAX);
		return -1;
	}
	*out = (int32_t)x;
	return 0;
}

static int
data_row(void *ctx, long record, char **f, size_t n)
{
	struct reader *r = ctx;
	struct row row = {.record = record};
	int bad = 0;

	if (record == 1)
		return header_row(r, f, n);
	if (n == 1 && f[0][0] == '\0')
		return 0; /* a blank line */
	r->rep->rows++;
	if (n != r->header_fields) {
		const char *missing = "";
		for (int c = 0; c < COL_COUNT; c++)
			if (r->col_of[c] >= (int)n) {
				missing = col_names[c];
				break;
			}
		problem(r->rep, record, missing, "the row has %zu fields, the header %zu%s%s", n,
			r->header_fields, missing[0] ? ": no " : "", missing);
		return 0;
	}

	const char *date = f[r->col_of[COL_DATE]];
	const char *code = f[r->col_of[COL_REGION]];
	if (date_parse(date, &row.date)) {
		problem(r->rep, record, "date", "date '%.40s' is not a date (YYYY-MM-DD)", date);
		bad = 1;
	}
	if (!region_code_well_formed(code) || code_value(code, &row.code)) {
		problem(r->rep, record, "region_code",
			"region_code '%.40s' is not a region code (6 digits, GB/T 2260)", code);
		bad = 1;
	} else if (division_find(r->div->items, r->div->n, row.code) == NULL) {
		problem(r->rep, record, "region_code",
			"region_code %s is not in the administrative division lists", code);
		bad = 1;
	}
	for (int c = COL_CONFIRMED; c < COL_COUNT; c++)
		if (r->col_of[c] >= 0 && parse_count(r, record, (enum col)c, f[r->col_of[c]],
						     &row.count[c - COL_CONFIRMED]))
			bad = 1;
	if (bad)
		return 0;
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 1024;
		void *p = realloc(r->rows, ncap * sizeof *r->rows);
		if (p == NULL)
			return FK_ENOMEM;
		r->rows = p;
		r->cap = ncap;
	}
	r->rows[r->n++] = row;
	return 0;
}

static int
cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->code != y->code)
		return (x->code > y->code) - (x->code < y->code);
	if (x->date != y->date)
		return (x->date > y->date) - (x->date < y->date);
	return (x->record > y->record) - (x->record < y->record);
}

static int
cmp_problem(const void *a, const void *b)
{
	long x = ((const struct zone_problem *)a)->row, y = ((const struct zone_problem *)b)->row;
	return (x > y) - (x < y);
}

/* ---- writing ---------------------------------------------------------------------- */

struct out {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void
out_add(struct out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t ncap = o->cap ? o->cap : 4096;
		while (o->len + n + 1 > ncap)
			ncap *= 2;
		char *p = realloc(o->buf, ncap);
		if (p == NULL) {
			o->oom = true;
			return;
		}
		o->buf = p;
		o->cap = ncap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* One CSV field, quoted if it holds a comma, quote or line break. */
static void
out_field(struct out *o, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		out_add(o, s, strlen(s));
		return;
	}
	out_add(o, "\"", 1);
	for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
		out_add(o, s, (size_t)(q - s));
		out_add(o, "\"\"", 2);
	}
	out_add(o, s, strlen(s));
	out_add(o, "\"", 1);
}

/* ---- grading ------------------------------------------------------------------------ */

/* Reason buffer: the grade's reason plus the city note. */
#define ZONE_REASON_BUF (RISK_REASON_BUF + 128)

int
zone_grade_csv(const char *csv, size_t len, int32_t date, const struct risk_rule *rule,
	       enum risk_lang lang, char **out, size_t *out_len, struct zone_report *rep,
	       struct fk_error *err)
{
	const struct divisions *div = &divisions_cache;
	struct reader rd = {.rep = rep, .err = err};
	struct risk_series *s = NULL;
	struct risk_grade *grades = NULL;
	int32_t *codes = NULL;	  /* region index -> code */
	size_t *raised_by = NULL; /* region index -> district index that raised it, or SIZE_MAX */
	size_t *ties = NULL;	  /* more districts at that level */
	uint8_t *level = NULL;	  /* final levels */
	struct out o = {0};
	size_t n_regions = 0;
	int32_t first = date;
	unsigned columns = 0;
	int rc;

	*out = NULL;
	*out_len = 0;
	if ((rc = risk_rule_validate(rule, err)))
		return rc;
	if (pthread_once(&divisions_once, divisions_init) != 0)
		return fk_error_set(err, FK_EIO, "", "cannot read the division lists");
	if (divisions_rc)
		return fk_error_set(err, divisions_rc, "", "%s", divisions_err.message);
	rd.div = div;
	rc = app__csv_each(csv, len, data_row, &rd, err);
	if (rc == 0 && rd.header_fields == 0)
		rc = fk_error_set(err, FK_EINVAL, "date",
				  "row 1: no header (expected date,region_code,new_confirmed)");
	if (rc)
		goto out;

	/* repeated (region, date); rows sorted by region, date, record */
	if (rd.n > 1)
		qsort(rd.rows, rd.n, sizeof *rd.rows, cmp_row);
	for (size_t i = 1; i < rd.n; i++)
		if (rd.rows[i].code == rd.rows[i - 1].code &&
		    rd.rows[i].date == rd.rows[i - 1].date) {
			char ds[DATE_STR_LEN];
			size_t j = i - 1;
			while (j > 0 && rd.rows[j - 1].code == rd.rows[i].code &&
			       rd.rows[j - 1].date == rd.rows[i].date)
				j--;
			problem(rep, rd.rows[i].record, "date", "region %06d on %s repeats row %ld",
				(int)rd.rows[i].code, date_format(rd.rows[i].date, ds),
				rd.rows[j].record);
		}
	/* the rows used must fit the span of a series */
	for (size_t i = 0; i < rd.n; i++)
		if (rd.rows[i].date <= date && rd.rows[i].date < first)
			first = rd.rows[i].date;
	if ((int64_t)date - first + 1 > ZONE_SPAN_MAX) {
		for (size_t i = 0; i < rd.n; i++)
			if (rd.rows[i].date <= date &&
			    (int64_t)date - rd.rows[i].date + 1 > ZONE_SPAN_MAX) {
				char ds[DATE_STR_LEN], dd[DATE_STR_LEN];
				problem(rep, rd.rows[i].record, "date",
					"date %s is more than %d days before the grading date %s",
					date_format(rd.rows[i].date, ds), ZONE_SPAN_MAX - 1,
					date_format(date, dd));
			}
	}
	if (rep->n_problems > 0 || rep->truncated) {
		size_t bad_rows = 0;
		if (rep->n_problems > 1)
			qsort(rep->problems, rep->n_problems, sizeof *rep->problems, cmp_problem);
		for (size_t i = 0; i < rep->n_problems; i++)
			if (i == 0 || rep->problems[i].row != rep->problems[i - 1].row)
				bad_rows++;
		rc = fk_error_set(err, FK_EINVAL, rep->n_problems ? rep->problems[0].column : "",
				  "%zu%s bad row%s: nothing graded", bad_rows,
				  rep->truncated ? "+" : "", bad_rows == 1 ? "" : "s");
		goto out;
	}

	/* regions in code order */
	for (size_t i = 0; i < rd.n; i++)
		if (i == 0 || rd.rows[i].code != rd.rows[i - 1].code)
			n_regions++;
	rep->regions = (long)n_regions;
	out_add(&o, "region_code,level,reason\n", 25);
	if (n_regions == 0)
		goto write;

	if (rd.col_of[COL_CLUSTERS] >= 0)
		columns |= RISK_COL_CLUSTERS;
	if (rd.col_of[COL_ASYMPTOMATIC] >= 0)
		columns |= RISK_COL_ASYMPTOMATIC;
	rc = risk_series_new(n_regions, first, date - first + 1, columns, &s);
	if (rc) {
		rc = fk_error_set(err, rc, "", "cannot hold %zu regions over %d days", n_regions,
				  (int)(date - first + 1));
		goto out;
	}
	codes = calloc(n_regions, sizeof *codes);
	grades = calloc(n_regions, sizeof *grades);
	raised_by = calloc(n_regions, sizeof *raised_by);
	ties = calloc(n_regions, sizeof *ties);
	level = calloc(n_regions, sizeof *level);
	if (codes == NULL || grades == NULL || raised_by == NULL || ties == NULL || level == NULL) {
		rc = fk_error_set(err, FK_ENOMEM, "", "out of memory");
		goto out;
	}
	for (size_t i = 0, r = 0; i < rd.n; i++) {
		const struct row *w = &rd.rows[i];
		if (i > 0 && w->code != rd.rows[i - 1].code)
			r++;
		codes[r] = w->code;
		if (w->date > date)
			continue;
		size_t cell = r * (size_t)s->n_days + (size_t)(w->date - first);
		rep->rows_used++;
		s->confirmed[cell] = w->count[0];
		if (s->clusters)
			s->clusters[cell] = w->count[1];
		if (s->asymptomatic)
			s->asymptomatic[cell] = w->count[2];
	}
	rc = risk_grade_batch(s, rule, date, date, NULL, grades, err);
	if (rc)
		goto out;

	/* R4.1 (Hubei): a city's urban area takes its districts' highest level */
	for (size_t r = 0; r < n_regions; r++) {
		level[r] = grades[r].level;
		raised_by[r] = SIZE_MAX;
	}
	if (rule->city_takes_highest)
		for (size_t r = 0; r < n_regions; r++) {
			const struct division *d = division_find(div->items, div->n, codes[r]);
			const struct division *p;
			int32_t *hit;
			size_t c;

			if (d == NULL || !d->district || d->parent == 0)
				continue;
			p = division_find(div->items, div->n, d->parent);
			if (p == NULL || p->level != DIV_CITY)
				continue;
			hit = bsearch(&d->parent, codes, n_regions, sizeof *codes, cmp_code);
			if (hit == NULL)
				continue;
			c = (size_t)(hit - codes);
			if (grades[r].level > level[c]) {
				level[c] = grades[r].level;
				raised_by[c] = r;
				ties[c] = 0;
			} else if (raised_by[c] != SIZE_MAX && grades[r].level == level[c]) {
				ties[c]++;
			}
		}

	for (size_t r = 0; r < n_regions; r++) {
		char code[16], reason[ZONE_REASON_BUF];

		if (raised_by[r] == SIZE_MAX) {
			risk_reason(rule, date, &grades[r], lang, reason);
		} else {
			/* "highest of its districts: 420106 high; own level medium: ..." */
			const size_t d = raised_by[r];
			const enum risk_level own = (enum risk_level)grades[r].level;
			char own_reason[RISK_REASON_BUF], more[48] = "";

			rep->raised++;
			risk_reason(rule, date, &grades[r], lang, own_reason);
			if (ties[r] > 0)
				snprintf(more, sizeof more,
					 lang == RISK_LANG_ZH ? "（另有%zu个）" : " (and %zu more)",
					 ties[r]);
			if (lang == RISK_LANG_ZH)
				snprintf(reason, sizeof reason,
					 "取其市辖区最高等级：%06d %s%s；本级%s：%s", (int)codes[d],
					 risk_level_name_zh((enum risk_level)level[r]), more,
					 risk_level_name_zh(own), own_reason);
			else
				snprintf(reason, sizeof reason,
					 "highest of its districts: %06d %s%s; own level %s: %s",
					 (int)codes[d], risk_level_name((enum risk_level)level[r]),
					 more, risk_level_name(own), own_reason);
		}
		snprintf(code, sizeof code, "%06d", (int)codes[r]);
		out_add(&o, code, strlen(code));
		out_add(&o, ",", 1);
		out_field(&o, risk_level_name((enum risk_level)level[r]));
		out_add(&o, ",", 1);
		out_field(&o, reason);
		out_add(&o, "\n", 1);
	}
write:
	if (o.oom) {
		rc = fk_error_set(err, FK_ENOMEM, "", "out of memory");
		goto out;
	}
	*out = o.buf;
	*out_len = o.len;
	o.buf = NULL;
	rc = 0;
out:
	free(o.buf);
	free(level);
	free(ties);
	free(raised_by);
	free(grades);
	free(codes);
	risk_series_free(s);
	free(rd.rows);
	return rc;
}

void
zone_report_free(struct zone_report *rep)
{
	if (rep == NULL)
		return;
	free(rep->problems);
	rep->problems = NULL;
	rep->n_problems = 0;
}

/*
 * csvio.c -- app layer: CSV reading (libcsv) and the people import and
 * export.
 *
 * An import is checked whole before anything is written: every bad row
 * is reported (record number, column, reason), and by default one bad
 * row stores nothing.  The write itself is one job of the writer, so it
 * is all-or-nothing on disk as well.
 */
#include "app_impl.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define CSV_MAX_FIELDS 64
#define CSV_MAX_FIELD 4096
#define IMPORT_MAX_PROBLEMS 1000

struct csv_state {
	char *fields[CSV_MAX_FIELDS];
	size_t n;
	long record;
	int rc;
	bool too_many, too_long;
	csv_row_fn row;
	void *ctx;
};

static void
on_field(void *s, size_t len, void *data)
{
	struct csv_state *st = data;
	if (st->rc)
		return;
	if (st->n >= CSV_MAX_FIELDS) {
		st->too_many = true;
		return;
	}
	if (len > CSV_MAX_FIELD) {
		st->too_long = true;
		len = CSV_MAX_FIELD;
	}
	st->fields[st->n] = malloc(len + 1);
	if (st->fields[st->n] == NULL) {
		st->rc = FK_ENOMEM;
		return;
	}
	memcpy(st->fields[st->n], s, len);
	st->fields[st->n][len] = '\0';
	st->n++;
}

static void
clear_fields(struct csv_state *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->fields[i]);
	st->n = 0;
	st->too_many = st->too_long = false;
}

static void
on_row(int c, void *data)
{
	struct csv_state *st = data;
	(void)c;
	st->record++;
	if (st->rc == 0) {
		if (st->too_many || st->too_long)
			st->rc = FK_ETOOBIG;
		else
			st->rc = st->row(st->ctx, st->record, st->fields, st->n);
	}
	clear_fields(st);
}

int
app__csv_each(const char *buf, size_t len, csv_row_fn row, void *ctx, struct fk_error *err)
{
	struct csv_parser p;
	struct csv_state st = {.row = row, .ctx = ctx};
	int rc = 0;

	/* a UTF-8 byte order mark is not part of the first column's name */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return fk_error_set(err, FK_ENOMEM, "", NULL);
	if (csv_parse(&p, buf, len, on_field, on_row, &st) != len ||
	    csv_fini(&p, on_field, on_row, &st) != 0) {
		rc = fk_error_set(err, FK_EINVAL, "csv", "record %ld: malformed CSV (%s)",
				  st.record + 1, csv_strerror(csv_error(&p)));
	} else if (st.rc == FK_ETOOBIG) {
		rc = fk_error_set(err, FK_EINVAL, "csv",
				  "record %ld: more than %d fields or a field over %d bytes",
				  st.record, CSV_MAX_FIELDS, CSV_MAX_FIELD);
	} else {
		rc = st.rc;
	}
	clear_fields(&st);
	csv_free(&p);
	return rc;
}

/* ---- import -------------------------------------------------------------- */

enum col { C_ID, C_NAME, C_KIND, C_DEPARTMENT, C_PHONE, C_COMMUNITY, C_REGION, C_COUNT };
static const char *const col_names[C_COUNT] = {
	"id", "name", "kind", "department", "phone", "community", "region_code",
};

struct import_row {
	person_t p;
	char department[DEPARTMENT_NAME_BUF];
	long record;
	bool bad;
};

struct import_ctx {
	app_t *app;
	int col_of[C_COUNT];        /* field index of each column */
	struct import_row *rows;
	size_t n, cap;
	struct import_report *rep;
	struct fk_error *err;
};

static void
problem(struct import_report *rep, long record, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
problem(struct import_report *rep, long record, const char *column, const char *fmt, ...)
{
	va_list ap;
	if (rep->n_problems >= IMPORT_MAX_PROBLEMS) {
		rep->truncated = true;
		return;
	}
	if (rep->problems == NULL) {
		rep->problems = calloc(IMPORT_MAX_PROBLEMS, sizeof *rep->problems);
		if (rep->problems == NULL) {
			rep->truncated = true;
			return;
		}
	}
	struct import_problem *pr = &rep->problems[rep->n_problems++];
	pr->row = record;
	snprintf(pr->column, sizeof pr->column, "%s", column);
	va_start(ap, fmt);
	vsnprintf(pr->message, sizeof pr->message, fmt, ap);
	va_end(ap);
}

static int
copy_field(struct import_ctx *c, long record, enum col col, const char *v, char *dst,
	   size_t cap)
{
	if (strlen(v) >= cap) {
		problem(c->rep, record, col_names[col], "%s is too long", col_names[col]);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
header_row(struct import_ctx *c, char **f, size_t n)
{
	for (int i = 0; i < C_COUNT; i++)
		c->col_of[i] = -1;
	for (size_t k = 0; k < n; k++) {
		int found = -1;
		for (int i = 0; i < C_COUNT; i++)
			if (strcmp(f[k], col_names[i]) == 0)
				found = i;
		if (found < 0)
			return fk_error_set(c->err, FK_EINVAL, f[k],
					    "row 1: unknown column '%s' (expected id,name,kind,department,phone,community,region_code)",
					    f[k]);
		if (c->col_of[found] >= 0)
			return fk_error_set(c->err, FK_EINVAL, f[k], "row 1: column '%s' appears twice",
					    f[k]);
		c->col_of[found] = (int)k;
	}
	for (int i = 0; i < C_COUNT; i++)
		if (c->col_of[i] < 0)
			return fk_error_set(c->err, FK_EINVAL, col_names[i],
					    "row 1: missing column '%s'", col_names[i]);
	return 0;
}

static int
data_row(void *ctx, long record, char **f, size_t n)
{
	struct import_ctx *c = ctx;
	struct import_row *r;
	struct fk_error verr = {0};
	const char *v[C_COUNT];
	int bad = 0;

	if (record == 1)
		return header_row(c, f, n);
	if (n == 1 && f[0][0] == '\0')
		return 0; /* a blank line */
	c->rep->rows++;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		void *p = realloc(c->rows, ncap * sizeof *c->rows);
		if (p == NULL)
			return FK_ENOMEM;
		c->rows = p;
		c->cap = ncap;
	}
	r = &c->rows[c->n++];
	memset(r, 0, sizeof *r);
	r->record = record;
	if (n != C_COUNT) {
		problem(c->rep, record, "", "row has %zu fields, the header has %d", n, C_COUNT);
		r->bad = true;
		return 0;
	}
	for (int i = 0; i < C_COUNT; i++)
		v[i] = f[c->col_of[i]];
	bad |= copy_field(c, record, C_ID, v[C_ID], r->p.id, sizeof r->p.id);
	bad |= copy_field(c, record, C_NAME, v[C_NAME], r->p.name, sizeof r->p.name);
	bad |= copy_field(c, record, C_PHONE, v[C_PHONE], r->p.phone, sizeof r->p.phone);
	bad |= copy_field(c, record, C_COMMUNITY, v[C_COMMUNITY], r->p.community,
			  sizeof r->p.community);
	bad |= copy_field(c, record, C_REGION, v[C_REGION], r->p.region_code,
			  sizeof r->p.region_code);
	bad |= copy_field(c, record, C_DEPARTMENT, v[C_DEPARTMENT], r->department,
			  sizeof r->department);
	if (person_kind_parse(v[C_KIND], &r->p.kind)) {
		problem(c->rep, record, "kind", "kind '%s' is not one of staff, student, postdoc, visitor",
			v[C_KIND]);
		bad = 1;
	}
	if (!bad && person_validate(&r->p, &verr)) {
		problem(c->rep, record, verr.field, "%s", verr.message);
		bad = 1;
	}
	fk_error_clear(&verr);
	if (!bad && department_name_validate(r->department, &verr)) {
		problem(c->rep, record, "department", "%s", verr.message);
		bad = 1;
	}
	if (!bad) {
		region_t reg;
		person_t existing;
		int rc = store_region_get(c->app->store, r->p.region_code, &reg);
		if (rc == FK_ENOTFOUND) {
			problem(c->rep, record, "region_code",
				"region_code %s is not in the administrative division lists",
				r->p.region_code);
			bad = 1;
		} else if (rc) {
			return rc;
		}
		rc = store_person_get(c->app->store, r->p.id, &existing);
		if (rc == 0) {
			problem(c->rep, record, "id", "a person with id '%s' already exists", r->p.id);
			bad = 1;
		} else if (rc != FK_ENOTFOUND) {
			return rc;
		}
	}
	if (!bad)
		for (size_t i = 0; i + 1 < c->n; i++)
			if (!c->rows[i].bad && strcmp(c->rows[i].p.id, r->p.id) == 0) {
				problem(c->rep, record, "id", "id '%s' repeats row %ld", r->p.id,
					c->rows[i].record);
				bad = 1;
				break;
			}
	r->bad = bad != 0;
	return 0;
}

struct import_job {
	struct import_ctx *c;
	const actor_t *actor;
	bool partial;
};

static int
import_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct import_job *j = arg;
	struct import_ctx *c = j->c;
	char detail[64];
	int rc;

	c->rep->imported = 0;
	c->rep->departments_created = 0;
	for (size_t i = 0; i < c->n; i++) {
		struct import_row *r = &c->rows[i];
		department_t d = {0};
		struct fk_error rerr = {0};

		if (r->bad)
			continue;
		rc = store_tx_department_find(tx, r->department, &d);
		if (rc == FK_ENOTFOUND) {
			snprintf(d.name, sizeof d.name, "%s", r->department);
			rc = store_tx_department_insert(tx, &d, &rerr);
			if (rc == 0)
				c->rep->departments_created++;
		}
		if (rc)
			return fk_error_set(err, rc, "department", "row %ld: %s", r->record,
					    rerr.message[0] ? rerr.message : "cannot store department");
		r->p.department_id = d.id;
		rc = store_tx_person_insert(tx, &r->p, app_now(), &rerr);
		if (rc == FK_ECONFLICT && j->partial) {
			problem(c->rep, r->record, "id", "%s", rerr.message);
			continue;
		}
		if (rc)
			return fk_error_set(err, rc, rerr.field, "row %ld: %s", r->record,
					    rerr.message);
		rc = app_audit_tx(tx, j->actor, "create", "person", r->p.id, "import");
		if (rc)
			return fk_error_set(err, rc, "", "cannot write the audit log");
		c->rep->imported++;
	}
	snprintf(detail, sizeof detail, "%ld rows, %ld imported", c->rep->rows, c->rep->imported);
	rc = app_audit_tx(tx, j->actor, "import", "person", "", detail);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

int
app_people_import(app_t *a, const actor_t *actor, const char *csv, size_t len, bool partial,
		  struct import_report *rep, struct fk_error *err)
{
	struct import_ctx c = {.app = a, .rep = rep, .err = err};
	struct import_job j = {&c, actor, partial};
	int rc;

	memset(rep, 0, sizeof *rep);
	if (!actor->cli && actor->user.role != ROLE_OFFICE)
		return fk_error_set(err, FK_EPERM, "", "only the epidemic office imports people");
	/* each field's text is checked (UTF-8, lengths) by person_validate */
	rc = app__csv_each(csv, len, data_row, &c, err);
	if (rc)
		goto out;
	if (rep->rows == 0 && rep->n_problems == 0 && c.n == 0 && len == 0) {
		rc = fk_error_set(err, FK_EINVAL, "csv", "the file is empty");
		goto out;
	}
	if (rep->n_problems && !partial) {
		rc = fk_error_set(err, FK_EINVAL, rep->problems[0].column,
				  "%zu%s bad row(s); nothing was imported (first: row %ld: %s)",
				  rep->n_problems, rep->truncated ? "+" : "", rep->problems[0].row,
				  rep->problems[0].message);
		goto out;
	}
	rc = store_write(a->store, import_job, &j, err);
	if (rc)
		rep->imported = 0;
out:
	free(c.rows);
	return rc;
}

void
import_report_free(struct import_report *rep)
{
	if (rep) {
		free(rep->problems);
		rep->problems = NULL;
		rep->n_problems = 0;
	}
}

/* ---- export -------------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
	int rc;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->rc)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		char *np = realloc(b->p, ncap);
		if (np == NULL) {
			b->rc = FK_ENOMEM;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append one field, quoted by libcsv when it needs to be. */
static void
buf_field(struct buf *b, const char *s, bool last)
{
	size_t n = strlen(s);
	size_t need = csv_write(NULL, 0, s, n);
	char small[512];
	char *tmp = need <= sizeof small ? small : malloc(need);

	if (tmp == NULL) {
		b->rc = FK_ENOMEM;
		return;
	}
	/* always quote: csv_write quotes every field it writes */
	csv_write(tmp, need, s, n);
	buf_add(b, tmp, need);
	buf_add(b, last ? "\r\n" : ",", last ? 2 : 1);
	if (tmp != small)
		free(tmp);
}

int
app_people_export(app_t *a, const actor_t *actor, char **out, size_t *len, struct fk_error *err)
{
	struct buf b = {0};
	char after[PERSON_ID_MAX + 1] = "";
	int rc = 0;

	*out = NULL;
	*len = 0;
	if (!actor->cli && actor->user.role != ROLE_OFFICE && actor->user.role != ROLE_DEPT_HEAD)
		return fk_error_set(err, FK_EPERM, "", "only the office or a department head exports");
	buf_add(&b, "id,name,kind,department,phone,community,region_code\r\n", 53);
	for (;;) {
		person_t *page = NULL;
		size_t n = 0;
		bool more = false;
		rc = app__person_page(a, actor, after, 1000, "export", &page, &n, &more);
		if (rc) {
			fk_error_set(err, rc, "", "cannot read people");
			break;
		}
		for (size_t i = 0; i < n; i++) {
			const person_t *p = &page[i];
			buf_field(&b, p->id, false);
			buf_field(&b, p->name, false);
			buf_field(&b, person_kind_name(p->kind), false);
			buf_field(&b, p->department, false);
			buf_field(&b, p->phone, false);
			buf_field(&b, p->community, false);
			buf_field(&b, p->region_code, true);
		}
		if (n)
			snprintf(after, sizeof after, "%s", page[n - 1].id);
		free(page);
		if (!more)
			break;
	}
	if (rc == 0 && b.rc)
		rc = fk_error_set(err, b.rc, "", NULL);
	if (rc) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

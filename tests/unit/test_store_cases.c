/*
 * test_store_cases.c -- unit tests for the case-management part of the
 * store (store.h, last section) on its SQLite backend: subjects and
 * their merging, cases with the overdue rules, events, lab tests,
 * placements, exposures, medical observation with its follow-up slots,
 * and suspected-case reviews.
 *
 * Each test gets a fresh migrated database under $FANGKONG_TEST_TMP
 * (default /tmp), removed afterwards.  Writes go through store_write()
 * as the app does; the tests check which rows come back, in which
 * order, through which filter, and which error code a broken rule gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "store_fixture.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NOW 1700000000LL
#define DAY 18300 /* a day number (2020-02-08) */

/* ---- the fixture (store_fixture.h opens the database) ------------------ */

struct fixture {
	char path[512];
	store_t *s;
	int64_t dept;
};

#define FX(state) ((struct fixture *)*(state))

/* ---- write jobs (run() is store_fixture.h's) ------------------------------ */

struct pair {
	int64_t a, b;
};

static int j_region(store_tx_t *tx, void *a) { return store_tx_region_put(tx, a); }
static int j_dept(store_tx_t *tx, void *a) { return store_tx_department_insert(tx, a, NULL); }
static int j_person(store_tx_t *tx, void *a) { return store_tx_person_insert(tx, a, NOW, NULL); }
static int j_subject(store_tx_t *tx, void *a) { return store_tx_subject_insert(tx, a); }
static int j_case(store_tx_t *tx, void *a) { return store_tx_case_insert(tx, a); }
static int j_case_update(store_tx_t *tx, void *a) { return store_tx_case_update(tx, a); }
static int j_event(store_tx_t *tx, void *a) { return store_tx_case_event_insert(tx, a); }
static int j_lab(store_tx_t *tx, void *a) { return store_tx_lab_insert(tx, a); }
static int j_placement(store_tx_t *tx, void *a) { return store_tx_placement_insert(tx, a); }
static int j_exposure(store_tx_t *tx, void *a) { return store_tx_exposure_insert(tx, a); }
static int j_obs(store_tx_t *tx, void *a) { return store_tx_observation_insert(tx, a); }
static int j_obs_update(store_tx_t *tx, void *a) { return store_tx_observation_update(tx, a); }
static int j_fill(store_tx_t *tx, void *a) { return store_tx_followup_fill(tx, a); }
static int j_review(store_tx_t *tx, void *a) { return store_tx_review_insert(tx, a); }
static int j_resolve(store_tx_t *tx, void *a) { return store_tx_review_resolve(tx, a); }

static int
j_merge(store_tx_t *tx, void *a)
{
	struct pair *p = a;
	return store_tx_subject_merge(tx, p->a, p->b);
}

/* store_tx_followups_ensure(obs = a, from = b, to = b + span) */
struct ensure {
	int64_t obs;
	int32_t from, to;
};

static int
j_ensure(store_tx_t *tx, void *a)
{
	struct ensure *e = a;
	return store_tx_followups_ensure(tx, e->obs, e->from, e->to);
}

/* ---- fixture ------------------------------------------------------------ */

static const region_t regions[] = {
	{"110000", "Beijing", "province", "", "nbs2023"},
	{"110105", "Chaoyang", "county", "110100", "nbs2023"},
	{"110108", "Haidian", "county", "110100", "nbs2023"},
	{"310115", "Pudong", "county", "310100", "nbs2023"},
};

static void
add_person(struct fixture *f, const char *id, const char *region)
{
	person_t p;
	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "%s", id);
	snprintf(p.name, sizeof p.name, "%s", id);
	p.kind = PERSON_STAFF;
	p.department_id = f->dept;
	snprintf(p.region_code, sizeof p.region_code, "%s", region);
	assert_int_equal(run(f->s, j_person, &p), 0);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	department_t d;

	assert_non_null(f);
	f->s = fixture_store_open("cases", f->path, sizeof f->path);
	for (size_t i = 0; i < ARRAY_LEN(regions); i++)
		assert_int_equal(run(f->s, j_region, (void *)&regions[i]), 0);
	memset(&d, 0, sizeof d);
	snprintf(d.name, sizeof d.name, "Physics");
	assert_int_equal(run(f->s, j_dept, &d), 0);
	f->dept = d.id;
	add_person(f, "p1", "110105");
	add_person(f, "p2", "110108");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	if (f) {
		fixture_store_close(f->s, f->path);
		free(f);
	}
	return 0;
}

/* A stored subject: person_id "" for an external one. */
static int64_t
add_subject(struct fixture *f, const char *person_id, const char *name, const char *phone,
	    const char *region)
{
	subject_t s;
	int rc;
	memset(&s, 0, sizeof s);
	snprintf(s.person_id, sizeof s.person_id, "%s", person_id);
	snprintf(s.name, sizeof s.name, "%s", name);
	snprintf(s.phone, sizeof s.phone, "%s", phone);
	snprintf(s.region_code, sizeof s.region_code, "%s", region);
	s.created_at = NOW;
	rc = run(f->s, j_subject, &s);
	if (rc != 0)
		fail_msg("insert subject %s: %d", name, rc);
	assert_true(s.id > 0);
	return s.id;
}

static case_rec_t
make_case(int64_t subject, enum case_class cls, const char *region, int64_t detected,
	  int64_t reported)
{
	case_rec_t c;
	memset(&c, 0, sizeof c);
	c.subject_id = subject;
	c.classification = cls;
	c.class_date = DAY;
	c.severity = SEV_MILD;
	c.severity_date = DAY;
	c.dates.onset = DAY - 3;
	c.dates.report = DAY;
	c.detected_at = detected;
	c.reported_at = reported;
	snprintf(c.facility, sizeof c.facility, "Ditan hospital");
	snprintf(c.region_code, sizeof c.region_code, "%s", region);
	snprintf(c.created_by, sizeof c.created_by, "cdc");
	c.created_at = NOW;
	return c;
}

static int64_t
add_case(struct fixture *f, int64_t subject, enum case_class cls, const char *region,
	 int64_t detected, int64_t reported)
{
	case_rec_t c = make_case(subject, cls, region, detected, reported);
	assert_int_equal(run(f->s, j_case, &c), 0);
	assert_true(c.id > 0);
	return c.id;
}

static observation_t
make_obs(int64_t subject, int32_t start, int32_t end, const char *status)
{
	observation_t o;
	memset(&o, 0, sizeof o);
	o.subject_id = subject;
	snprintf(o.kind, sizeof o.kind, "home");
	snprintf(o.reason, sizeof o.reason, "close_contact");
	o.last_exposure = start - 1;
	o.start_date = start;
	o.end_date = end;
	snprintf(o.status, sizeof o.status, "%s", status);
	snprintf(o.by, sizeof o.by, "team");
	o.created_at = NOW;
	return o;
}

static int64_t
add_obs(struct fixture *f, int64_t subject, int32_t start, int32_t end, const char *status)
{
	observation_t o = make_obs(subject, start, end, status);
	assert_int_equal(run(f->s, j_obs, &o), 0);
	return o.id;
}

static exposure_rec_t
make_exposure(int64_t a, int64_t b, int32_t first, int32_t last)
{
	exposure_rec_t e;
	memset(&e, 0, sizeof e);
	e.subject_a = a;
	e.subject_b = b;
	e.first_date = first;
	e.last_date = last;
	e.setting = SET_HOUSEHOLD;
	e.protection = PROT_NONE;
	snprintf(e.by, sizeof e.by, "cdc");
	e.created_at = NOW;
	return e;
}

static int64_t
add_exposure(struct fixture *f, int64_t a, int64_t b, int32_t first, int32_t last)
{
	exposure_rec_t e = make_exposure(a, b, first, last);
	assert_int_equal(run(f->s, j_exposure, &e), 0);
	return e.id;
}

/* Rows of a table, read straight from the file (history checks). */
static int64_t
table_count(struct fixture *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n = -1;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* ---- subjects ------------------------------------------------------------ */

struct tx_subject_reads {
	int64_t id;
	const char *person_id;
	subject_t got, by_person;
	int rc_get, rc_by_person;
	subject_t probe;
	subject_t *dups;
	size_t n_dups;
	int rc_dups;
};

static int
j_subject_reads(store_tx_t *tx, void *arg)
{
	struct tx_subject_reads *r = arg;
	r->rc_get = store_tx_subject_get(tx, r->id, &r->got);
	r->rc_by_person = store_tx_subject_by_person(tx, r->person_id, &r->by_person);
	r->rc_dups = store_tx_subject_duplicates(tx, &r->probe, &r->dups, &r->n_dups);
	return 0;
}

static void
test_subject_insert_get_and_duplicates(void **state)
{
	struct fixture *f = FX(state);
	subject_t s, again;
	struct tx_subject_reads r;
	int64_t p1, x1, x2, x3;

	p1 = add_subject(f, "p1", "Zhang San", "13800000001", "110105");
	x1 = add_subject(f, "", "Li Si", "13900000002", "310115");
	x2 = add_subject(f, "", "Li Si", "13900000002", "");   /* same name and phone */
	x3 = add_subject(f, "", "Wang Wu", "", "");

	/* a person has one subject */
	memset(&again, 0, sizeof again);
	snprintf(again.person_id, sizeof again.person_id, "p1");
	snprintf(again.name, sizeof again.name, "Zhang San");
	assert_int_equal(run(f->s, j_subject, &again), FK_ECONFLICT);
	/* a region that does not exist, an unknown person */
	snprintf(again.person_id, sizeof again.person_id, "nobody");
	assert_int_equal(run(f->s, j_subject, &again), FK_EINVAL);
	memset(&again, 0, sizeof again);
	snprintf(again.name, sizeof again.name, "Nowhere");
	snprintf(again.region_code, sizeof again.region_code, "999999");
	assert_int_equal(run(f->s, j_subject, &again), FK_EINVAL);

	assert_int_equal(store_subject_get(f->s, p1, &s), 0);
	assert_string_equal(s.person_id, "p1");
	assert_string_equal(s.name, "Zhang San");
	assert_string_equal(s.region_code, "110105");
	assert_int_equal(s.merged_into, 0);
	assert_int_equal(s.created_at, NOW);
	assert_int_equal(store_subject_get(f->s, x3, &s), 0);
	assert_string_equal(s.person_id, "");
	assert_string_equal(s.region_code, "");
	assert_int_equal(store_subject_by_person(f->s, "p1", &s), 0);
	assert_int_equal(s.id, p1);
	assert_int_equal(store_subject_by_person(f->s, "p2", &s), FK_ENOTFOUND);
	assert_int_equal(store_subject_get(f->s, 9999, &s), FK_ENOTFOUND);

	/* inside a job; duplicates by name + phone, never the subject itself */
	memset(&r, 0, sizeof r);
	r.id = x1;
	r.person_id = "p1";
	r.probe.id = x1;
	snprintf(r.probe.name, sizeof r.probe.name, "Li Si");
	snprintf(r.probe.phone, sizeof r.probe.phone, "13900000002");
	assert_int_equal(run(f->s, j_subject_reads, &r), 0);
	assert_int_equal(r.rc_get, 0);
	assert_string_equal(r.got.name, "Li Si");
	assert_int_equal(r.rc_by_person, 0);
	assert_int_equal(r.by_person.id, p1);
	assert_int_equal(r.rc_dups, 0);
	assert_int_equal(r.n_dups, 1);
	assert_int_equal(r.dups[0].id, x2);
	free(r.dups);

	/* a new subject (id 0): both match, in id order; no phone, no match */
	r.probe.id = 0;
	assert_int_equal(run(f->s, j_subject_reads, &r), 0);
	assert_int_equal(r.n_dups, 2);
	assert_int_equal(r.dups[0].id, x1);
	assert_int_equal(r.dups[1].id, x2);
	free(r.dups);
	snprintf(r.probe.name, sizeof r.probe.name, "Wang Wu");
	r.probe.phone[0] = '\0';
	assert_int_equal(run(f->s, j_subject_reads, &r), 0);
	assert_int_equal(r.n_dups, 0);
	free(r.dups);
}

static void
test_subject_duplicates_by_id_hash(void **state)
{
	struct fixture *f = FX(state);
	struct tx_subject_reads r;
	subject_t s;
	char hash[SUBJECT_ID_HASH_HEX + 1];

	memset(hash, 'a', SUBJECT_ID_HASH_HEX);
	hash[SUBJECT_ID_HASH_HEX] = '\0';
	memset(&s, 0, sizeof s);
	snprintf(s.name, sizeof s.name, "Zhao Liu");
	memcpy(s.id_hash, hash, sizeof hash);
	s.created_at = NOW;
	assert_int_equal(run(f->s, j_subject, &s), 0);
	/* a hash must be 64 hex digits */
	memset(&r.probe, 0, sizeof r.probe);
	snprintf(r.probe.name, sizeof r.probe.name, "Bad");
	snprintf(r.probe.id_hash, sizeof r.probe.id_hash, "abc");
	assert_int_equal(run(f->s, j_subject, &r.probe), FK_EINVAL);

	memset(&r, 0, sizeof r);
	r.id = s.id;
	r.person_id = "p2";
	snprintf(r.probe.name, sizeof r.probe.name, "Another name");
	memcpy(r.probe.id_hash, hash, sizeof hash);
	assert_int_equal(run(f->s, j_subject_reads, &r), 0);
	assert_int_equal(r.rc_by_person, FK_ENOTFOUND);
	assert_int_equal(r.n_dups, 1);
	assert_int_equal(r.dups[0].id, s.id);
	assert_string_equal(r.dups[0].id_hash, hash);
	free(r.dups);
}

/* ---- cases ------------------------------------------------------------------ */

static void
assert_case_ids(store_t *s, const struct case_query *q, const int64_t *want, size_t n_want)
{
	case_rec_t *got = NULL;
	size_t n = 0;
	assert_int_equal(store_case_list(s, q, &got, &n), 0);
	if (n != n_want) {
		free(got);
		fail_msg("case list: %zu rows, want %zu", n, n_want);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(got[i].id, want[i]);
	free(got);
}

static struct case_query
all_cases(void)
{
	return (struct case_query){.classification = -1, .now = NOW};
}

static void
test_case_insert_get_update(void **state)
{
	struct fixture *f = FX(state);
	int64_t p1 = add_subject(f, "p1", "Zhang San", "", "110105");
	case_rec_t c = make_case(p1, CASE_SUSPECTED, "110105", NOW - 100, NOW), got, bad;

	c.imported = true;
	c.dates.sampling = DAY - 1;
	c.dates.isolation = DAY - 2;
	assert_int_equal(run(f->s, j_case, &c), 0);
	assert_int_equal(store_case_get(f->s, c.id, &got), 0);
	assert_int_equal(got.subject_id, p1);
	assert_int_equal(got.classification, CASE_SUSPECTED);
	assert_int_equal(got.severity, SEV_MILD);
	assert_int_equal(got.dates.onset, DAY - 3);
	assert_int_equal(got.dates.sampling, DAY - 1);
	assert_int_equal(got.dates.report, DAY);
	assert_int_equal(got.dates.isolation, DAY - 2);
	assert_int_equal(got.detected_at, NOW - 100);
	assert_int_equal(got.reported_at, NOW);
	assert_int_equal(got.investigated_at, 0);
	assert_true(got.imported);
	assert_string_equal(got.facility, "Ditan hospital");
	assert_string_equal(got.region_code, "110105");
	assert_string_equal(got.created_by, "cdc");
	assert_string_equal(got.name, "Zhang San");   /* joined from the subject */
	assert_string_equal(got.person_id, "p1");

	/* confirm, worsen, investigate, move facility */
	got.classification = CASE_CONFIRMED;
	got.class_date = DAY + 1;
	got.severity = SEV_SEVERE;
	got.severity_date = DAY + 2;
	got.dates.diagnosis = DAY + 1;
	got.investigated_at = NOW + 3600;
	got.imported = false;
	snprintf(got.facility, sizeof got.facility, "Xiaotangshan");
	assert_int_equal(run(f->s, j_case_update, &got), 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(store_case_get(f->s, got.id, &c), 0);
	assert_int_equal(c.classification, CASE_CONFIRMED);
	assert_int_equal(c.class_date, DAY + 1);
	assert_int_equal(c.severity, SEV_SEVERE);
	assert_int_equal(c.severity_date, DAY + 2);
	assert_int_equal(c.dates.diagnosis, DAY + 1);
	assert_int_equal(c.investigated_at, NOW + 3600);
	assert_false(c.imported);
	assert_string_equal(c.facility, "Xiaotangshan");
	assert_string_equal(c.created_by, "cdc"); /* not an updated field */

	got.id = 9999;
	assert_int_equal(run(f->s, j_case_update, &got), FK_ENOTFOUND);
	assert_int_equal(store_case_get(f->s, 9999, &c), FK_ENOTFOUND);

	/* an unknown classification, subject or region is refused */
	bad = make_case(p1, (enum case_class)42, "110105", NOW, NOW);
	assert_int_equal(run(f->s, j_case, &bad), FK_EINVAL);
	bad = make_case(9999, CASE_CONFIRMED, "110105", NOW, NOW);
	assert_int_equal(run(f->s, j_case, &bad), FK_EINVAL);
	bad = make_case(p1, CASE_CONFIRMED, "999999", NOW, NOW);
	assert_int_equal(run(f->s, j_case, &bad), FK_EINVAL);
}

static void
test_case_list_filters_and_paging(void **state)
{
	struct fixture *f = FX(state);
	int64_t p1 = add_subject(f, "p1", "Zhang San", "", "110105");
	int64_t x1 = add_subject(f, "", "Li Si", "", "310115");
	int64_t c1 = add_case(f, p1, CASE_CONFIRMED, "110105", NOW - 50, NOW);
	int64_t c2 = add_case(f, x1, CASE_SUSPECTED, "310115", NOW - 50, NOW);
	int64_t c3 = add_case(f, x1, CASE_EXCLUDED, "110108", NOW - 50, NOW);
	int64_t c4 = add_case(f, p1, CASE_RECOVERED, "110105", NOW - 50, NOW);
	struct case_query q;

	q = all_cases();
	assert_case_ids(f->s, &q, (int64_t[]){c1, c2, c3, c4}, 4);
	q.region_prefix = "11";
	assert_case_ids(f->s, &q, (int64_t[]){c1, c3, c4}, 3);
	q.region_prefix = "110108";
	assert_case_ids(f->s, &q, (int64_t[]){c3}, 1);
	q = all_cases();
	q.own_people_only = true;
	assert_case_ids(f->s, &q, (int64_t[]){c1, c4}, 2);
	q = all_cases();
	q.subject_id = x1;
	assert_case_ids(f->s, &q, (int64_t[]){c2, c3}, 2);
	q = all_cases();
	q.classification = CASE_SUSPECTED;
	assert_case_ids(f->s, &q, (int64_t[]){c2}, 1);
	q.classification = CASE_DIED;
	assert_case_ids(f->s, &q, NULL, 0);
	/* keyset paging */
	q = all_cases();
	q.limit = 2;
	assert_case_ids(f->s, &q, (int64_t[]){c1, c2}, 2);
	q.after_id = c2;
	assert_case_ids(f->s, &q, (int64_t[]){c3, c4}, 2);
	q.after_id = c4;
	assert_case_ids(f->s, &q, NULL, 0);
	/* nonsense filters */
	q = all_cases();
	q.overdue = 3;
	{
		case_rec_t *got = (void *)1;
		size_t n = 7;
		assert_int_equal(store_case_list(f->s, &q, &got, &n), FK_EINVAL);
		assert_null(got);
		assert_int_equal(n, 0);
	}
}

static void
test_case_overdue_edges(void **state)
{
	struct fixture *f = FX(state);
	int64_t p1 = add_subject(f, "p1", "Zhang San", "", "110105");
	int64_t r_edge = NOW - 86400;       /* reported exactly 24 h before NOW */
	int64_t r_late = NOW - 86401;
	/* reported exactly 2 h after detection, 24 h ago: on time for both */
	int64_t c_edge = add_case(f, p1, CASE_CONFIRMED, "110105", r_edge - 7200, r_edge);
	/* one second late on both counts */
	int64_t c_late = add_case(f, p1, CASE_SUSPECTED, "110105", r_late - 7201, r_late);
	/* as late, but no longer active: never overdue */
	int64_t c_gone = add_case(f, p1, CASE_EXCLUDED, "110105", r_late - 7201, r_late);
	int64_t c_done = add_case(f, p1, CASE_ASYMPTOMATIC, "110105", r_late - 60, r_late);
	case_rec_t c;
	struct case_query q;
	(void)c_gone;

	/* c_done was investigated: not overdue for the 24 h rule */
	assert_int_equal(store_case_get(f->s, c_done, &c), 0);
	c.investigated_at = r_late + 600;
	assert_int_equal(run(f->s, j_case_update, &c), 0);

	q = all_cases();
	q.overdue = 1; /* R3.1: more than 2 h from detection to report */
	assert_case_ids(f->s, &q, (int64_t[]){c_late}, 1);
	q.overdue = 2; /* R3.4: not investigated more than 24 h after report */
	assert_case_ids(f->s, &q, (int64_t[]){c_late}, 1);
	q.now = NOW + 1;
	assert_case_ids(f->s, &q, (int64_t[]){c_edge, c_late}, 2);
	q.now = NOW - 1;
	assert_case_ids(f->s, &q, NULL, 0);

	/* c_edge sits exactly on both lines (7200 s, 86400 s at NOW) */
	assert_int_equal(store_case_get(f->s, c_edge, &c), 0);
	assert_int_equal(c.reported_at - c.detected_at, 7200);
	assert_int_equal(NOW - c.reported_at, 86400);
}

struct tx_cases_of {
	int64_t subject;
	case_rec_t *got;
	size_t n;
	int rc;
	case_rec_t one;
	int rc_one;
};

static int
j_cases_of(store_tx_t *tx, void *arg)
{
	struct tx_cases_of *r = arg;
	r->rc = store_tx_cases_of_subject(tx, r->subject, &r->got, &r->n);
	r->rc_one = r->n ? store_tx_case_get(tx, r->got[0].id, &r->one) : FK_ENOTFOUND;
	return 0;
}

static void
test_cases_of_subject_in_job(void **state)
{
	struct fixture *f = FX(state);
	int64_t p1 = add_subject(f, "p1", "Zhang San", "", "110105");
	int64_t x1 = add_subject(f, "", "Li Si", "", "");
	int64_t c1 = add_case(f, p1, CASE_CONFIRMED, "110105", NOW, NOW);
	int64_t c2 = add_case(f, x1, CASE_CONFIRMED, "110105", NOW, NOW);
	int64_t c3 = add_case(f, p1, CASE_RECOVERED, "110105", NOW, NOW);
	struct tx_cases_of r = {.subject = p1};
	(void)c2;

	assert_int_equal(run(f->s, j_cases_of, &r), 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.got[0].id, c1);
	assert_int_equal(r.got[1].id, c3);
	assert_int_equal(r.rc_one, 0);
	assert_string_equal(r.one.name, "Zhang San");
	free(r.got);
}

/* ---- events, lab tests, placements ------------------------------------------ */

static void
test_case_events_labs_placements(void **state)
{
	struct fixture *f = FX(state);
	int64_t p1 = add_subject(f, "p1", "Zhang San", "", "110105");
	int64_t c1 = add_case(f, p1, CASE_SUSPECTED, "110105", NOW, NOW);
	case_event_t e1 = {.case_id = c1, .at = NOW + 20, .date = DAY + 1}, e2, bad_ev;
	lab_test_t l1, l2, bad;
	placement_t pl1, pl2, bad_pl;
	case_event_t *ev = NULL;
	lab_test_t *labs = NULL;
	placement_t *pls = NULL;
	size_t n = 0;

	snprintf(e1.kind, sizeof e1.kind, "classification");
	snprintf(e1.from_value, sizeof e1.from_value, "suspected");
	snprintf(e1.to_value, sizeof e1.to_value, "confirmed");
	snprintf(e1.by, sizeof e1.by, "doctor");
	snprintf(e1.reason, sizeof e1.reason, "RT-PCR positive");
	e2 = e1;
	e2.at = NOW + 10; /* recorded earlier: listed first */
	snprintf(e2.kind, sizeof e2.kind, "severity");
	assert_int_equal(run(f->s, j_event, &e1), 0);
	assert_int_equal(run(f->s, j_event, &e2), 0);
	assert_true(e1.id > 0 && e2.id > e1.id);
	bad_ev = e1;
	bad_ev.case_id = 9999;
	assert_int_equal(run(f->s, j_event, &bad_ev), FK_EINVAL);
	assert_int_equal(store_case_events(f->s, c1, &ev, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].id, e2.id);
	assert_string_equal(ev[0].kind, "severity");
	assert_int_equal(ev[1].id, e1.id);
	assert_string_equal(ev[1].from_value, "suspected");
	assert_string_equal(ev[1].to_value, "confirmed");
	assert_string_equal(ev[1].by, "doctor");
	assert_string_equal(ev[1].reason, "RT-PCR positive");
	assert_int_equal(ev[1].date, DAY + 1);
	free(ev);

	memset(&l1, 0, sizeof l1);
	l1.case_id = c1;
	snprintf(l1.kind, sizeof l1.kind, "rt_pcr");
	l1.sample_date = DAY + 2;
	snprintf(l1.result, sizeof l1.result, "pending");
	snprintf(l1.by, sizeof l1.by, "lab");
	l1.created_at = NOW;
	l2 = l1;
	snprintf(l2.kind, sizeof l2.kind, "igm");
	l2.sample_date = DAY;
	snprintf(l2.result, sizeof l2.result, "positive");
	l2.result_date = DAY + 1;
	assert_int_equal(run(f->s, j_lab, &l1), 0);
	assert_int_equal(run(f->s, j_lab, &l2), 0);
	bad = l1;
	snprintf(bad.kind, sizeof bad.kind, "culture");
	assert_int_equal(run(f->s, j_lab, &bad), FK_EINVAL);
	bad = l1;
	snprintf(bad.result, sizeof bad.result, "maybe");
	assert_int_equal(run(f->s, j_lab, &bad), FK_EINVAL);
	bad = l1;
	bad.result_date = DAY + 3; /* pending has no result date */
	assert_int_equal(run(f->s, j_lab, &bad), FK_EINVAL);
	assert_int_equal(store_labs_of_case(f->s, c1, &labs, &n), 0);
	assert_int_equal(n, 2); /* by sample date */
	assert_int_equal(labs[0].id, l2.id);
	assert_string_equal(labs[0].kind, "igm");
	assert_string_equal(labs[0].result, "positive");
	assert_int_equal(labs[0].result_date, DAY + 1);
	assert_int_equal(labs[1].id, l1.id);
	assert_string_equal(labs[1].result, "pending");
	free(labs);

	memset(&pl1, 0, sizeof pl1);
	pl1.subject_id = p1;
	pl1.case_id = c1;
	pl1.category = PLACE_SUSPECTED;
	snprintf(pl1.place_type, sizeof pl1.place_type, "fever_clinic");
	snprintf(pl1.facility, sizeof pl1.facility, "PKU hospital");
	pl1.start_date = DAY + 1;
	snprintf(pl1.by, sizeof pl1.by, "office");
	pl1.created_at = NOW;
	pl2 = pl1;
	pl2.case_id = 0; /* a contact's placement */
	pl2.category = PLACE_CONTACT;
	snprintf(pl2.place_type, sizeof pl2.place_type, "home");
	pl2.start_date = DAY - 2;
	pl2.end_date = DAY;
	assert_int_equal(run(f->s, j_placement, &pl1), 0);
	assert_int_equal(run(f->s, j_placement, &pl2), 0);
	bad_pl = pl1;
	snprintf(bad_pl.place_type, sizeof bad_pl.place_type, "hotel");
	assert_int_equal(run(f->s, j_placement, &bad_pl), FK_EINVAL);
	bad_pl = pl1;
	bad_pl.end_date = DAY; /* before it started */
	assert_int_equal(run(f->s, j_placement, &bad_pl), FK_EINVAL);
	assert_int_equal(store_placements_of_subject(f->s, p1, &pls, &n), 0);
	assert_int_equal(n, 2); /* by start date */
	assert_int_equal(pls[0].id, pl2.id);
	assert_int_equal(pls[0].case_id, 0);
	assert_int_equal(pls[0].category, PLACE_CONTACT);
	assert_int_equal(pls[0].end_date, DAY);
	assert_int_equal(pls[1].id, pl1.id);
	assert_int_equal(pls[1].case_id, c1);
	assert_int_equal(pls[1].category, PLACE_SUSPECTED);
	assert_string_equal(pls[1].place_type, "fever_clinic");
	assert_string_equal(pls[1].facility, "PKU hospital");
	assert_int_equal(pls[1].end_date, 0);
	free(pls);
}

/* ---- exposures --------------------------------------------------------------- */

struct tx_exposures {
	int64_t subject;
	exposure_rec_t *got;
	size_t n;
	int rc;
};

static int
j_exposures_of(store_tx_t *tx, void *arg)
{
	struct tx_exposures *r = arg;
	r->rc = store_tx_exposures_of_subject(tx, r->subject, &r->got, &r->n);
	return 0;
}

static void
test_exposures(void **state)
{
	struct fixture *f = FX(state);
	int64_t a = add_subject(f, "p1", "Case A", "", "110105");
	int64_t b = add_subject(f, "", "Contact B", "", "");
	int64_t c = add_subject(f, "", "Contact C", "", "");
	int64_t ca = add_case(f, a, CASE_CONFIRMED, "110105", NOW, NOW);
	exposure_rec_t e = make_exposure(a, b, DAY - 5, DAY - 1), bad;
	exposure_rec_t *got = NULL;
	struct tx_exposures r = {.subject = c};
	size_t n = 0;
	int64_t e2, e3;

	e.case_id = ca;
	e.setting = SET_WORKPLACE;
	e.protection = PROT_INADEQUATE;
	snprintf(e.note, sizeof e.note, "same office");
	assert_int_equal(run(f->s, j_exposure, &e), 0);
	e2 = add_exposure(f, c, b, DAY - 9, DAY - 8);
	e3 = add_exposure(f, a, c, DAY - 2, DAY - 2);

	bad = make_exposure(b, b, DAY, DAY);
	assert_int_equal(run(f->s, j_exposure, &bad), FK_EINVAL); /* self-loop */
	bad = make_exposure(a, b, DAY, DAY - 1);
	assert_int_equal(run(f->s, j_exposure, &bad), FK_EINVAL); /* first after last */
	bad = make_exposure(a, 9999, DAY, DAY);
	assert_int_equal(run(f->s, j_exposure, &bad), FK_EINVAL);
	bad = make_exposure(a, b, DAY, DAY);
	bad.setting = (enum exposure_setting)99;
	assert_int_equal(run(f->s, j_exposure, &bad), FK_EINVAL);

	/* either side, by first date */
	assert_int_equal(store_exposures_of_subject(f->s, b, &got, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].id, e2);
	assert_string_equal(got[0].name_a, "Contact C");
	assert_string_equal(got[0].name_b, "Contact B");
	assert_int_equal(got[0].case_id, 0);
	assert_int_equal(got[1].id, e.id);
	assert_int_equal(got[1].case_id, ca);
	assert_int_equal(got[1].subject_a, a);
	assert_int_equal(got[1].subject_b, b);
	assert_int_equal(got[1].first_date, DAY - 5);
	assert_int_equal(got[1].last_date, DAY - 1);
	assert_int_equal(got[1].setting, SET_WORKPLACE);
	assert_int_equal(got[1].protection, PROT_INADEQUATE);
	assert_string_equal(got[1].note, "same office");
	assert_string_equal(got[1].by, "cdc");
	assert_string_equal(got[1].name_a, "Case A");
	free(got);

	assert_int_equal(run(f->s, j_exposures_of, &r), 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.got[0].id, e2);
	assert_int_equal(r.got[1].id, e3);
	free(r.got);

	assert_int_equal(store_exposure_all(f->s, &got, &n), 0);
	assert_int_equal(n, 3); /* by id */
	assert_int_equal(got[0].id, e.id);
	assert_int_equal(got[1].id, e2);
	assert_int_equal(got[2].id, e3);
	free(got);
}

/* ---- observations ------------------------------------------------------------ */

static void
assert_obs_ids(store_t *s, const struct observation_query *q, const int64_t *want, size_t n_want)
{
	observation_t *got = NULL;
	size_t n = 0;
	assert_int_equal(store_observation_list(s, q, &got, &n), 0);
	if (n != n_want) {
		free(got);
		fail_msg("observation list: %zu rows, want %zu", n, n_want);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(got[i].id, want[i]);
	free(got);
}

struct tx_obs_reads {
	int64_t id, subject;
	observation_t got, open;
	int rc_get, rc_open;
};

static int
j_obs_reads(store_tx_t *tx, void *arg)
{
	struct tx_obs_reads *r = arg;
	r->rc_get = store_tx_observation_get(tx, r->id, &r->got);
	r->rc_open = store_tx_observation_open_of(tx, r->subject, &r->open);
	return 0;
}

static void
test_observation_one_open_per_subject(void **state)
{
	struct fixture *f = FX(state);
	int64_t p1 = add_subject(f, "p1", "Zhang San", "", "110105");
	int64_t p2 = add_subject(f, "p2", "Li Si", "", "110108");
	int64_t x1 = add_subject(f, "", "Wang Wu", "", "310115");
	int64_t ca = add_case(f, x1, CASE_CONFIRMED, "310115", NOW, NOW);
	observation_t o = make_obs(p1, DAY, DAY + 14, "open"), second, got;
	struct tx_obs_reads r;
	struct observation_query q;
	int64_t o2, o3, old;

	o.case_id = ca;
	snprintf(o.note, sizeof o.note, "first");
	assert_int_equal(run(f->s, j_obs, &o), 0);
	second = make_obs(p1, DAY + 1, DAY + 15, "open");
	assert_int_equal(run(f->s, j_obs, &second), FK_ECONFLICT);
	/* closed ones do not count */
	old = add_obs(f, p1, DAY - 30, DAY - 16, "released");
	o2 = add_obs(f, p2, DAY, DAY + 14, "open");
	o3 = add_obs(f, x1, DAY + 2, DAY + 16, "open");
	second = make_obs(p1, DAY, DAY + 14, "open");
	snprintf(second.kind, sizeof second.kind, "hotel");
	assert_int_equal(run(f->s, j_obs, &second), FK_EINVAL);
	second = make_obs(9999, DAY, DAY + 14, "open");
	assert_int_equal(run(f->s, j_obs, &second), FK_EINVAL);

	assert_int_equal(store_observation_get(f->s, o.id, &got), 0);
	assert_int_equal(got.subject_id, p1);
	assert_string_equal(got.kind, "home");
	assert_string_equal(got.reason, "close_contact");
	assert_int_equal(got.case_id, ca);
	assert_int_equal(got.last_exposure, DAY - 1);
	assert_int_equal(got.start_date, DAY);
	assert_int_equal(got.end_date, DAY + 14);
	assert_string_equal(got.status, "open");
	assert_int_equal(got.closed_at, 0);
	assert_string_equal(got.note, "first");
	assert_string_equal(got.name, "Zhang San");
	assert_string_equal(got.person_id, "p1");
	assert_string_equal(got.region_code, "110105");
	assert_int_equal(store_observation_open_of(f->s, p1, &got), 0);
	assert_int_equal(got.id, o.id);
	assert_int_equal(store_observation_get(f->s, 9999, &got), FK_ENOTFOUND);

	memset(&r, 0, sizeof r);
	r.id = old;
	r.subject = p2;
	assert_int_equal(run(f->s, j_obs_reads, &r), 0);
	assert_int_equal(r.rc_get, 0);
	assert_string_equal(r.got.status, "released");
	assert_int_equal(r.rc_open, 0);
	assert_int_equal(r.open.id, o2);

	/* filters */
	memset(&q, 0, sizeof q);
	assert_obs_ids(f->s, &q, (int64_t[]){o.id, old, o2, o3}, 4);
	q.status = "open";
	assert_obs_ids(f->s, &q, (int64_t[]){o.id, o2, o3}, 3);
	q.region_prefix = "11";
	assert_obs_ids(f->s, &q, (int64_t[]){o.id, o2}, 2);
	q.region_prefix = NULL;
	q.own_people_only = true;
	q.status = NULL;
	assert_obs_ids(f->s, &q, (int64_t[]){o.id, old, o2}, 3);
	memset(&q, 0, sizeof q);
	q.ends_on = DAY + 14;
	assert_obs_ids(f->s, &q, (int64_t[]){o.id, o2}, 2);
	q.ends_on = 0;
	q.subject_id = p1;
	assert_obs_ids(f->s, &q, (int64_t[]){o.id, old}, 2);
	q.subject_id = 0;
	q.after_id = o.id;
	q.limit = 2;
	assert_obs_ids(f->s, &q, (int64_t[]){old, o2}, 2);

	/* release, then a new observation may open; reopening the old
	 * one would make two */
	assert_int_equal(store_observation_get(f->s, o.id, &got), 0);
	snprintf(got.status, sizeof got.status, "released");
	got.closed_at = NOW + 86400;
	got.end_date = DAY + 16;
	got.last_exposure = DAY + 2;
	snprintf(got.kind, sizeof got.kind, "centralised");
	snprintf(got.note, sizeof got.note, "extended: new exposure");
	assert_int_equal(run(f->s, j_obs_update, &got), 0);
	assert_int_equal(store_observation_get(f->s, o.id, &got), 0);
	assert_string_equal(got.status, "released");
	assert_int_equal(got.closed_at, NOW + 86400);
	assert_int_equal(got.end_date, DAY + 16);
	assert_int_equal(got.last_exposure, DAY + 2);
	assert_string_equal(got.kind, "centralised");
	assert_string_equal(got.note, "extended: new exposure");
	assert_int_equal(store_observation_open_of(f->s, p1, &second), FK_ENOTFOUND);
	second = make_obs(p1, DAY + 20, DAY + 34, "open");
	assert_int_equal(run(f->s, j_obs, &second), 0);
	snprintf(got.status, sizeof got.status, "open");
	assert_int_equal(run(f->s, j_obs_update, &got), FK_ECONFLICT);
	snprintf(got.status, sizeof got.status, "lost");
	assert_int_equal(run(f->s, j_obs_update, &got), FK_EINVAL);
	got.id = 9999;
	snprintf(got.status, sizeof got.status, "released");
	assert_int_equal(run(f->s, j_obs_update, &got), FK_ENOTFOUND);
}

/* ---- follow-ups -------------------------------------------------------------- */

static followup_t
slot_fill(int64_t obs, int32_t date, const char *slot)
{
	followup_t f;
	memset(&f, 0, sizeof f);
	f.observation_id = obs;
	f.date = date;
	snprintf(f.slot, sizeof f.slot, "%s", slot);
	f.temp_dc = 366;
	f.symptoms = 0x5;
	snprintf(f.by, sizeof f.by, "nurse");
	f.filled_at = NOW + 60;
	snprintf(f.source, sizeof f.source, "team");
	return f;
}

static void
assert_missed(store_t *s, const struct observation_query *q, int32_t date, const char *slot,
	      const int64_t *obs, const int32_t *dates, const char *const *slots, size_t n_want)
{
	followup_t *got = NULL;
	size_t n = 0;
	assert_int_equal(store_followups_missed(s, q, date, slot, &got, &n), 0);
	if (n != n_want) {
		free(got);
		fail_msg("missed at %d %s: %zu rows, want %zu", date, slot, n, n_want);
	}
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(got[i].observation_id, obs[i]);
		assert_int_equal(got[i].date, dates[i]);
		assert_string_equal(got[i].slot, slots[i]);
		assert_int_equal(got[i].filled_at, 0);
	}
	free(got);
}

static void
test_followups(void **state)
{
	struct fixture *f = FX(state);
	int64_t p1 = add_subject(f, "p1", "Zhang San", "", "110105");
	int64_t x1 = add_subject(f, "", "Wang Wu", "", "310115");
	int64_t x2 = add_subject(f, "", "Zhao Liu", "", "310115");
	int64_t o1 = add_obs(f, p1, DAY, DAY + 14, "open");
	int64_t o2 = add_obs(f, x1, DAY, DAY + 14, "open");
	int64_t o3 = add_obs(f, x2, DAY, DAY + 14, "released");
	struct ensure e = {o1, DAY, DAY + 2};
	followup_t fill, *got = NULL;
	struct observation_query q;
	size_t n = 0;

	assert_int_equal(run(f->s, j_ensure, &e), 0);
	assert_int_equal(store_followups_of(f->s, o1, &got, &n), 0);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(got[i].observation_id, o1);
		assert_int_equal(got[i].date, DAY + (int32_t)i / 2);
		assert_string_equal(got[i].slot, i % 2 ? "pm" : "am");
		assert_int_equal(got[i].filled_at, 0);
		assert_int_equal(got[i].temp_dc, 0);
	}
	free(got);

	fill = slot_fill(o1, DAY, "am");
	assert_int_equal(run(f->s, j_fill, &fill), 0);
	assert_int_equal(run(f->s, j_fill, &fill), FK_ECONFLICT);   /* twice */
	fill = slot_fill(o1, DAY, "noon");
	assert_int_equal(run(f->s, j_fill, &fill), FK_ENOTFOUND);   /* unknown slot */
	fill = slot_fill(o1, DAY + 3, "am");
	assert_int_equal(run(f->s, j_fill, &fill), FK_ENOTFOUND);   /* not ensured */
	fill = slot_fill(o1, DAY + 1, "am");
	fill.filled_at = 0;
	assert_int_equal(run(f->s, j_fill, &fill), FK_EINVAL);

	/* overlapping ensure adds only new days and keeps what was filled */
	e = (struct ensure){o1, DAY + 1, DAY + 3};
	assert_int_equal(run(f->s, j_ensure, &e), 0);
	e = (struct ensure){o1, DAY + 5, DAY + 4}; /* empty range */
	assert_int_equal(run(f->s, j_ensure, &e), 0);
	e = (struct ensure){o1, DAY, DAY + 400};
	assert_int_equal(run(f->s, j_ensure, &e), FK_EINVAL);
	e = (struct ensure){9999, DAY, DAY};
	assert_int_equal(run(f->s, j_ensure, &e), FK_EINVAL);
	assert_int_equal(store_followups_of(f->s, o1, &got, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(got[0].date, DAY);
	assert_string_equal(got[0].slot, "am");
	assert_int_equal(got[0].temp_dc, 366);
	assert_int_equal(got[0].symptoms, 0x5);
	assert_string_equal(got[0].by, "nurse");
	assert_int_equal(got[0].filled_at, NOW + 60);
	assert_string_equal(got[0].source, "team");
	assert_int_equal(got[7].date, DAY + 3);
	assert_string_equal(got[7].slot, "pm");
	free(got);

	e = (struct ensure){o2, DAY, DAY + 1};
	assert_int_equal(run(f->s, j_ensure, &e), 0);
	e = (struct ensure){o3, DAY, DAY + 1}; /* released: never missed */
	assert_int_equal(run(f->s, j_ensure, &e), 0);

	/* missed before (DAY+1, pm): earlier days, and that day's morning */
	memset(&q, 0, sizeof q);
	assert_missed(f->s, &q, DAY + 1, "pm", (int64_t[]){o1, o1, o2, o2, o2},
		      (int32_t[]){DAY, DAY + 1, DAY, DAY, DAY + 1},
		      (const char *const[]){"pm", "am", "am", "pm", "am"}, 5);
	/* before (DAY+1, am): that morning is not missed yet */
	assert_missed(f->s, &q, DAY + 1, "am", (int64_t[]){o1, o2, o2}, (int32_t[]){DAY, DAY, DAY},
		      (const char *const[]){"pm", "am", "pm"}, 3);
	assert_missed(f->s, &q, DAY, "am", NULL, NULL, NULL, 0);
	/* scope */
	q.region_prefix = "11";
	assert_missed(f->s, &q, DAY + 1, "am", (int64_t[]){o1}, (int32_t[]){DAY},
		      (const char *const[]){"pm"}, 1);
	q.region_prefix = NULL;
	q.own_people_only = true;
	assert_missed(f->s, &q, DAY + 1, "am", (int64_t[]){o1}, (int32_t[]){DAY},
		      (const char *const[]){"pm"}, 1);
	q.own_people_only = false;
	q.subject_id = x1;
	q.limit = 1;
	assert_missed(f->s, &q, DAY + 1, "am", (int64_t[]){o2}, (int32_t[]){DAY},
		      (const char *const[]){"am"}, 1);
	assert_int_equal(store_followups_missed(f->s, &q, DAY, "noon", &got, &n), FK_EINVAL);
}

/* ---- reviews ----------------------------------------------------------------- */

static void
test_reviews(void **state)
{
	struct fixture *f = FX(state);
	int64_t p1 = add_subject(f, "p1", "Zhang San", "", "110105");
	int64_t x1 = add_subject(f, "", "Wang Wu", "", "310115");
	int64_t o1 = add_obs(f, p1, DAY, DAY + 14, "open");
	int64_t ca;
	review_t r1, r2, res, got, *list = NULL;
	struct observation_query q;
	size_t n = 0;

	memset(&r1, 0, sizeof r1);
	r1.subject_id = p1;
	r1.observation_id = o1;
	r1.date = DAY + 3;
	snprintf(r1.reason, sizeof r1.reason, "fever 38.2");
	r1.created_at = NOW;
	assert_int_equal(run(f->s, j_review, &r1), 0);
	r2 = r1;
	r2.subject_id = x1;
	r2.observation_id = 0;
	assert_int_equal(run(f->s, j_review, &r2), 0);

	assert_int_equal(store_review_get(f->s, r1.id, &got), 0);
	assert_int_equal(got.subject_id, p1);
	assert_int_equal(got.observation_id, o1);
	assert_int_equal(got.date, DAY + 3);
	assert_string_equal(got.reason, "fever 38.2");
	assert_int_equal(got.resolved_at, 0);
	assert_string_equal(got.outcome, "");
	assert_int_equal(got.case_id, 0);
	assert_string_equal(got.name, "Zhang San");
	assert_string_equal(got.region_code, "110105");
	assert_string_equal(got.person_id, "p1");
	assert_int_equal(store_review_get(f->s, 9999, &got), FK_ENOTFOUND);

	ca = add_case(f, p1, CASE_SUSPECTED, "110105", NOW, NOW);
	memset(&res, 0, sizeof res);
	res.id = r1.id;
	res.resolved_at = NOW + 100;
	snprintf(res.resolved_by, sizeof res.resolved_by, "doctor");
	snprintf(res.outcome, sizeof res.outcome, "maybe");
	assert_int_equal(run(f->s, j_resolve, &res), FK_EINVAL);
	snprintf(res.outcome, sizeof res.outcome, "case_opened");
	res.case_id = ca;
	assert_int_equal(run(f->s, j_resolve, &res), 0);
	assert_int_equal(run(f->s, j_resolve, &res), FK_ECONFLICT); /* already resolved */
	res.id = 9999;
	assert_int_equal(run(f->s, j_resolve, &res), FK_ENOTFOUND);
	assert_int_equal(store_review_get(f->s, r1.id, &got), 0);
	assert_int_equal(got.resolved_at, NOW + 100);
	assert_string_equal(got.resolved_by, "doctor");
	assert_string_equal(got.outcome, "case_opened");
	assert_int_equal(got.case_id, ca);

	memset(&q, 0, sizeof q);
	assert_int_equal(store_review_list(f->s, &q, false, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, r1.id);
	assert_int_equal(list[1].id, r2.id);
	free(list);
	assert_int_equal(store_review_list(f->s, &q, true, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, r2.id);
	free(list);
	q.region_prefix = "11";
	assert_int_equal(store_review_list(f->s, &q, false, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, r1.id);
	free(list);
	q.region_prefix = NULL;
	q.own_people_only = true;
	assert_int_equal(store_review_list(f->s, &q, true, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
}

/* ---- merging subjects -------------------------------------------------------- */

static void
test_subject_merge_moves_everything_keeps_history(void **state)
{
	struct fixture *f = FX(state);
	char hash[SUBJECT_ID_HASH_HEX + 1];
	subject_t dup, got;
	int64_t from, into, other, ca, cb, e_other, e_between, o_from, o_into;
	placement_t pl;
	review_t rv;
	exposure_rec_t *ex = NULL;
	observation_t obs;
	struct tx_cases_of cases = {0};
	struct tx_subject_reads reads;
	struct pair pr;
	size_t n = 0;
	placement_t *pls = NULL;
	review_t *rvs = NULL;
	struct observation_query q;

	/* `from`: an external record (with the ID hash) of the person p1 */
	memset(hash, 'b', SUBJECT_ID_HASH_HEX);
	hash[SUBJECT_ID_HASH_HEX] = '\0';
	memset(&dup, 0, sizeof dup);
	snprintf(dup.name, sizeof dup.name, "Zhang San");
	snprintf(dup.phone, sizeof dup.phone, "13800000001");
	memcpy(dup.id_hash, hash, sizeof hash);
	dup.created_at = NOW;
	assert_int_equal(run(f->s, j_subject, &dup), 0);
	from = dup.id;
	into = add_subject(f, "p1", "Zhang San", "", "110105");
	other = add_subject(f, "", "Wang Wu", "", "310115");

	ca = add_case(f, from, CASE_CONFIRMED, "110105", NOW, NOW);
	cb = add_case(f, into, CASE_SUSPECTED, "110105", NOW, NOW);
	e_other = add_exposure(f, other, from, DAY - 4, DAY - 2);
	e_between = add_exposure(f, from, into, DAY - 3, DAY - 3);
	o_from = add_obs(f, from, DAY, DAY + 14, "open");  /* ends later: stays open */
	o_into = add_obs(f, into, DAY - 5, DAY + 9, "open");
	memset(&pl, 0, sizeof pl);
	pl.subject_id = from;
	pl.case_id = ca;
	pl.category = PLACE_CONFIRMED;
	snprintf(pl.place_type, sizeof pl.place_type, "designated_hospital");
	pl.start_date = DAY;
	snprintf(pl.by, sizeof pl.by, "office");
	assert_int_equal(run(f->s, j_placement, &pl), 0);
	memset(&rv, 0, sizeof rv);
	rv.subject_id = from;
	rv.observation_id = o_from;
	rv.date = DAY + 1;
	rv.created_at = NOW;
	assert_int_equal(run(f->s, j_review, &rv), 0);

	pr = (struct pair){from, from};
	assert_int_equal(run(f->s, j_merge, &pr), FK_EINVAL);
	pr = (struct pair){from, 9999};
	assert_int_equal(run(f->s, j_merge, &pr), FK_ENOTFOUND);
	pr = (struct pair){from, into};
	assert_int_equal(run(f->s, j_merge, &pr), 0);
	assert_int_equal(run(f->s, j_merge, &pr), FK_ECONFLICT); /* merged already */
	pr = (struct pair){other, from};
	assert_int_equal(run(f->s, j_merge, &pr), FK_ECONFLICT); /* into a merged one */

	/* `from` is kept, marked, and its person link is on `into` */
	assert_int_equal(store_subject_get(f->s, from, &got), 0);
	assert_int_equal(got.merged_into, into);
	assert_string_equal(got.name, "Zhang San");
	assert_int_equal(store_subject_get(f->s, into, &got), 0);
	assert_int_equal(got.merged_into, 0);
	assert_string_equal(got.person_id, "p1");
	assert_string_equal(got.id_hash, hash);        /* taken from `from` */
	assert_string_equal(got.phone, "13800000001");
	assert_string_equal(got.region_code, "110105"); /* its own kept */
	assert_int_equal(store_subject_by_person(f->s, "p1", &got), 0);
	assert_int_equal(got.id, into);

	/* cases */
	cases.subject = into;
	assert_int_equal(run(f->s, j_cases_of, &cases), 0);
	assert_int_equal(cases.n, 2);
	assert_int_equal(cases.got[0].id, ca);
	assert_int_equal(cases.got[1].id, cb);
	free(cases.got);
	memset(&cases, 0, sizeof cases);
	cases.subject = from;
	assert_int_equal(run(f->s, j_cases_of, &cases), 0);
	assert_int_equal(cases.n, 0);
	free(cases.got);

	/* exposures: the one with `other` moved; the one between the two
	 * is kept in the table but no longer read */
	assert_int_equal(store_exposures_of_subject(f->s, into, &ex, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ex[0].id, e_other);
	assert_int_equal(ex[0].subject_a, other);
	assert_int_equal(ex[0].subject_b, into);
	free(ex);
	assert_int_equal(store_exposure_all(f->s, &ex, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ex[0].id, e_other);
	free(ex);
	assert_int_equal(table_count(f, "SELECT count(*) FROM exposures"), 2);
	{
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT subject_a FROM exposures WHERE id = %lld",
			 (long long)e_between);
		assert_int_equal(table_count(f, sql), from);
	}

	/* observations: one open, the later-ending; the other converted */
	assert_int_equal(store_observation_open_of(f->s, into, &obs), 0);
	assert_int_equal(obs.id, o_from);
	assert_int_equal(obs.subject_id, into);
	assert_int_equal(store_observation_get(f->s, o_into, &obs), 0);
	assert_string_equal(obs.status, "converted");
	assert_true(obs.closed_at > 0);
	assert_non_null(strstr(obs.note, "superseded"));
	memset(&q, 0, sizeof q);
	q.subject_id = into;
	assert_obs_ids(f->s, &q, (int64_t[]){o_from, o_into}, 2);
	assert_int_equal(table_count(f, "SELECT count(*) FROM observations"), 2);

	/* placements, reviews */
	assert_int_equal(store_placements_of_subject(f->s, into, &pls, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pls[0].id, pl.id);
	free(pls);
	assert_int_equal(store_placements_of_subject(f->s, from, &pls, &n), 0);
	assert_int_equal(n, 0);
	free(pls);
	assert_int_equal(store_review_list(f->s, &q, false, &rvs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rvs[0].id, rv.id);
	assert_string_equal(rvs[0].person_id, "p1");
	free(rvs);

	/* a merged subject is no longer a duplicate candidate */
	memset(&reads, 0, sizeof reads);
	reads.id = from;
	reads.person_id = "p1";
	memcpy(reads.probe.id_hash, hash, sizeof hash);
	assert_int_equal(run(f->s, j_subject_reads, &reads), 0);
	assert_int_equal(reads.n_dups, 1);
	assert_int_equal(reads.dups[0].id, into);
	free(reads.dups);
	assert_int_equal(table_count(f, "SELECT count(*) FROM subjects"), 3);
}

static void
test_subject_merge_refuses_two_people(void **state)
{
	struct fixture *f = FX(state);
	int64_t a = add_subject(f, "p1", "Zhang San", "", "110105");
	int64_t b = add_subject(f, "p2", "Zhang San", "", "110108");
	int64_t x = add_subject(f, "", "Zhang San", "", "");
	int64_t y = add_subject(f, "", "Zhang San", "", "");
	int64_t ox = add_obs(f, x, DAY, DAY + 14, "open");
	int64_t oy = add_obs(f, y, DAY, DAY + 14, "open");
	struct pair pr = {a, b};
	subject_t got;
	observation_t obs;

	assert_int_equal(run(f->s, j_merge, &pr), FK_ECONFLICT);
	assert_int_equal(store_subject_get(f->s, a, &got), 0);
	assert_int_equal(got.merged_into, 0);

	/* a person's external record merged into the person: p1 moves only
	 * if `into` has none -- here `into` is external and takes it */
	pr = (struct pair){a, x};
	assert_int_equal(run(f->s, j_merge, &pr), 0);
	assert_int_equal(store_subject_by_person(f->s, "p1", &got), 0);
	assert_int_equal(got.id, x);
	assert_string_equal(got.region_code, "110105");

	/* equal end dates: into's observation stays open; a chain keeps
	 * one hop to the live subject */
	pr = (struct pair){x, y};
	assert_int_equal(run(f->s, j_merge, &pr), 0);
	assert_int_equal(store_observation_open_of(f->s, y, &obs), 0);
	assert_int_equal(obs.id, oy);
	assert_int_equal(store_observation_get(f->s, ox, &obs), 0);
	assert_string_equal(obs.status, "converted");
	assert_int_equal(store_subject_get(f->s, a, &got), 0);
	assert_int_equal(got.merged_into, y);
	assert_int_equal(store_subject_by_person(f->s, "p1", &got), 0);
	assert_int_equal(got.id, y);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_subject_insert_get_and_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subject_duplicates_by_id_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_insert_get_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_list_filters_and_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_overdue_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cases_of_subject_in_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_events_labs_placements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exposures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_observation_one_open_per_subject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_followups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reviews, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subject_merge_moves_everything_keeps_history, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_subject_merge_refuses_two_people, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_store_signals.c -- unit tests for the detection signals of the
 * store (store.h, last section) on its SQLite backend: a signal stored
 * once per series, date and method; the rules the schema keeps (a region
 * signal names a known region and no department, a department signal
 * the reverse; methods C1..C3; counts >= 0); reads by kind, subtree,
 * region prefix, dates and openness, newest first; acknowledgement once;
 * and the claim of a date's run.
 *
 * Each test gets a fresh migrated database (store_fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"
#include "store_fixture.h"

#define NOW 1700000000LL
#define D0 18300 /* 2020-02-08 */

struct fixture {
	char path[512];
	store_t *s;
	int64_t dept_root, dept_child, dept_other;
	char path_root[256];
};

#define FX(state) ((struct fixture *)*(state))

static int j_region(store_tx_t *tx, void *a) { return store_tx_region_put(tx, a); }
static int j_dept(store_tx_t *tx, void *a) { return store_tx_department_insert(tx, a, NULL); }
static int j_signal(store_tx_t *tx, void *a) { return store_tx_signal_insert(tx, a); }
static int j_ack(store_tx_t *tx, void *a) { return store_tx_signal_ack(tx, a); }

struct claim {
	int32_t date;
	bool force;
};

static int
j_claim(store_tx_t *tx, void *a)
{
	struct claim *c = a;
	return store_tx_detect_run_claim(tx, c->date, "test", NOW, c->force);
}

static const region_t regions[] = {
	{"110000", "北京市", "province", "", "mca2019"},
	{"110105", "朝阳区", "county", "110000", "mca2019"},
	{"420100", "武汉市", "city", "420000", "mca2019"},
};

static int64_t
add_dept(struct fixture *f, const char *name, int64_t parent, char *path, size_t cap)
{
	department_t d;
	memset(&d, 0, sizeof d);
	snprintf(d.name, sizeof d.name, "%s", name);
	d.parent_id = parent;
	assert_int_equal(run(f->s, j_dept, &d), 0);
	if (path)
		snprintf(path, cap, "%s", d.path);
	return d.id;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->s = fixture_store_open("signals", f->path, sizeof f->path);
	for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
		assert_int_equal(run(f->s, j_region, (void *)&regions[i]), 0);
	f->dept_root = add_dept(f, "Physics", 0, f->path_root, sizeof f->path_root);
	f->dept_child = add_dept(f, "Optics lab", f->dept_root, NULL, 0);
	f->dept_other = add_dept(f, "Library", 0, NULL, 0);
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

static signal_t
region_signal(const char *code, int32_t date, const char *method, double observed)
{
	signal_t s;
	memset(&s, 0, sizeof s);
	s.kind = SIGNAL_REGION;
	snprintf(s.region_code, sizeof s.region_code, "%s", code);
	s.date = date;
	snprintf(s.method, sizeof s.method, "%s", method);
	s.observed = observed;
	s.upperbound = observed / 2;
	s.created_at = NOW;
	return s;
}

static signal_t
dept_signal(int64_t dept, int32_t date, double observed)
{
	signal_t s;
	memset(&s, 0, sizeof s);
	s.kind = SIGNAL_DEPARTMENT;
	s.department_id = dept;
	s.date = date;
	snprintf(s.method, sizeof s.method, "C2");
	s.observed = observed;
	s.upperbound = 1.545;
	s.created_at = NOW;
	return s;
}

static size_t
list(store_t *st, struct signal_query q, signal_t **out)
{
	size_t n = 0;
	if (q.limit == 0)
		q.limit = 100;
	assert_int_equal(store_signal_list(st, &q, out, &n), 0);
	return n;
}

static void
test_stored_once_per_series_date_method(void **state)
{
	struct fixture *f = FX(state);
	signal_t a = region_signal("420100", D0, "C2", 13436), b, got;

	assert_int_equal(run(f->s, j_signal, &a), 0);
	assert_true(a.id > 0);
	b = a;
	b.id = 0;
	assert_int_equal(run(f->s, j_signal, &b), FK_ECONFLICT);
	assert_int_equal(b.id, 0);
	/* another method, date or region is another signal */
	b = region_signal("420100", D0, "C1", 13436);
	assert_int_equal(run(f->s, j_signal, &b), 0);
	b = region_signal("420100", D0 + 1, "C2", 10);
	assert_int_equal(run(f->s, j_signal, &b), 0);
	b = region_signal("110105", D0, "C2", 3);
	assert_int_equal(run(f->s, j_signal, &b), 0);

	assert_int_equal(store_signal_get(f->s, a.id, &got), 0);
	assert_int_equal(got.kind, SIGNAL_REGION);
	assert_string_equal(got.region_code, "420100");
	assert_string_equal(got.region_name, "武汉市");
	assert_int_equal(got.department_id, 0);
	assert_int_equal(got.date, D0);
	assert_string_equal(got.method, "C2");
	assert_true(got.observed == 13436 && got.upperbound == 6718);
	assert_string_equal(got.acked_by, "");
	assert_int_equal(got.acked_at, 0);
	assert_int_equal(store_signal_get(f->s, a.id + 100, &got), FK_ENOTFOUND);

	/* a department signal, twice */
	a = dept_signal(f->dept_child, D0, 4);
	assert_int_equal(run(f->s, j_signal, &a), 0);
	assert_int_equal(store_signal_get(f->s, a.id, &got), 0);
	assert_string_equal(got.department, "Optics lab");
	assert_string_equal(got.region_code, "");
	a.id = 0;
	assert_int_equal(run(f->s, j_signal, &a), FK_ECONFLICT);
}

static void
test_schema_rules(void **state)
{
	struct fixture *f = FX(state);
	signal_t s;
	signal_t *all = NULL;

	s = region_signal("990000", D0, "C2", 1); /* no such region */
	assert_int_equal(run(f->s, j_signal, &s), FK_EINVAL);
	s = region_signal("420100", D0, "C4", 1);
	assert_int_equal(run(f->s, j_signal, &s), FK_EINVAL);
	s = region_signal("420100", D0, "C2", -1);
	assert_int_equal(run(f->s, j_signal, &s), FK_EINVAL);
	s = dept_signal(9999, D0, 2); /* no such department */
	assert_int_equal(run(f->s, j_signal, &s), FK_EINVAL);
	s = dept_signal(0, D0, 2); /* a department signal without one */
	s.department_id = 0;
	assert_int_equal(run(f->s, j_signal, &s), FK_EINVAL);
	s = region_signal("420100", D0, "C2", 1);
	s.kind = 0;
	assert_int_equal(run(f->s, j_signal, &s), FK_EINVAL);
	/* nothing of it was stored */
	assert_int_equal(list(f->s, (struct signal_query){0}, &all), 0);
	free(all);
}

static void
test_reads_by_scope_dates_and_openness(void **state)
{
	struct fixture *f = FX(state);
	signal_t s[5] = {
		region_signal("420100", D0, "C2", 50),
		region_signal("110105", D0 + 2, "C2", 5),
		dept_signal(f->dept_root, D0 + 1, 3),
		dept_signal(f->dept_child, D0 + 2, 2),
		dept_signal(f->dept_other, D0 + 3, 2),
	};
	signal_t *got = NULL, ack;
	size_t n;

	for (int i = 0; i < 5; i++)
		assert_int_equal(run(f->s, j_signal, &s[i]), 0);

	/* all, newest date first */
	n = list(f->s, (struct signal_query){0}, &got);
	assert_int_equal(n, 5);
	assert_int_equal(got[0].id, s[4].id);
	assert_int_equal(got[4].id, s[0].id);
	for (size_t i = 1; i < n; i++)
		assert_true(got[i - 1].date >= got[i].date);
	free(got);

	/* a subtree's department signals: Physics and its lab, not the library */
	n = list(f->s, (struct signal_query){.kind = SIGNAL_DEPARTMENT, .dept_path = f->path_root},
		 &got);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].id, s[3].id);
	assert_int_equal(got[1].id, s[2].id);
	free(got);

	/* a region prefix: Beijing's only */
	n = list(f->s, (struct signal_query){.kind = SIGNAL_REGION, .region_prefix = "11"}, &got);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].region_code, "110105");
	free(got);

	/* dates, both ends inclusive */
	n = list(f->s, (struct signal_query){.from = D0 + 1, .to = D0 + 2}, &got);
	assert_int_equal(n, 3);
	free(got);

	/* open only, after one acknowledgement; limit */
	ack = s[1];
	snprintf(ack.acked_by, sizeof ack.acked_by, "official");
	ack.acked_at = NOW + 60;
	snprintf(ack.note, sizeof ack.note, "checked");
	assert_int_equal(run(f->s, j_ack, &ack), 0);
	n = list(f->s, (struct signal_query){.open_only = true}, &got);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_true(got[i].id != s[1].id);
	free(got);
	n = list(f->s, (struct signal_query){.limit = 2}, &got);
	assert_int_equal(n, 2);
	free(got);
	n = 0;
	assert_int_equal(store_signal_list(f->s, &(struct signal_query){.limit = 0}, &got, &n),
			 FK_EINVAL);
	assert_int_equal(store_signal_list(f->s, &(struct signal_query){.limit = 1001}, &got, &n),
			 FK_EINVAL);
}

static void
test_acknowledged_once(void **state)
{
	struct fixture *f = FX(state);
	signal_t s = dept_signal(f->dept_root, D0, 3), ack, got;

	assert_int_equal(run(f->s, j_signal, &s), 0);
	ack = s;
	snprintf(ack.acked_by, sizeof ack.acked_by, "head");
	ack.acked_at = NOW + 5;
	snprintf(ack.note, sizeof ack.note, "四人感冒，已居家");
	assert_int_equal(run(f->s, j_ack, &ack), 0);
	assert_int_equal(store_signal_get(f->s, s.id, &got), 0);
	assert_string_equal(got.acked_by, "head");
	assert_int_equal(got.acked_at, NOW + 5);
	assert_string_equal(got.note, "四人感冒，已居家");
	/* again: the first acknowledgement stays */
	snprintf(ack.acked_by, sizeof ack.acked_by, "office");
	snprintf(ack.note, sizeof ack.note, "again");
	assert_int_equal(run(f->s, j_ack, &ack), FK_ECONFLICT);
	assert_int_equal(store_signal_get(f->s, s.id, &got), 0);
	assert_string_equal(got.acked_by, "head");
	/* no such signal */
	ack.id = s.id + 100;
	assert_int_equal(run(f->s, j_ack, &ack), FK_ENOTFOUND);
}

static void
test_run_claimed_once_per_date(void **state)
{
	struct fixture *f = FX(state);
	struct claim c = {D0, false};

	assert_int_equal(run(f->s, j_claim, &c), 0);
	assert_int_equal(run(f->s, j_claim, &c), FK_ECONFLICT);
	c.date = D0 + 1;
	assert_int_equal(run(f->s, j_claim, &c), 0);
	/* by hand, again */
	c.force = true;
	assert_int_equal(run(f->s, j_claim, &c), 0);
	c.date = D0;
	assert_int_equal(run(f->s, j_claim, &c), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stored_once_per_series_date_method, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_schema_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_by_scope_dates_and_openness, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_acknowledged_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_claimed_once_per_date, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_store_risk.c -- unit tests for the regional-risk part of the
 * store (store.h, section "regional risk and return to work") on its
 * SQLite backend: case series per source (replace over a date range,
 * reads by source, region prefix and dates, the sources summary), the
 * history of risk levels (computed and overrides, the newest on a
 * date, the current level of every region with expiring overrides),
 * provincial response levels and resumption plans.
 *
 * Each test gets a fresh migrated database under $FANGKONG_TEST_TMP
 * (default /tmp), removed afterwards.  Writes go through store_write()
 * as the app does; the tests check which rows come back, in which
 * order, through which filter, and which error code a broken rule
 * gives -- and that a refused write leaves nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/date.h"
#include "store/store.h"
#include "store_fixture.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NOW 1700000000LL
#define D0 18300 /* 2020-02-08 */

/* ---- the fixture (store_fixture.h opens the database) ------------------ */

struct fixture {
	char path[512];
	store_t *s;
	int64_t dept_root, dept_child, dept_other;
	char path_root[256], path_child[256];
};

#define FX(state) ((struct fixture *)*(state))

/* ---- write jobs (run() is store_fixture.h's) ------------------------------ */

static int j_region(store_tx_t *tx, void *a) { return store_tx_region_put(tx, a); }
static int j_dept(store_tx_t *tx, void *a) { return store_tx_department_insert(tx, a, NULL); }
static int j_risk(store_tx_t *tx, void *a) { return store_tx_risk_insert(tx, a); }
static int j_response(store_tx_t *tx, void *a) { return store_tx_response_insert(tx, a); }
static int j_plan(store_tx_t *tx, void *a) { return store_tx_plan_insert(tx, a); }
static int j_decide(store_tx_t *tx, void *a) { return store_tx_plan_decide(tx, a); }

struct replace {
	const char *source;
	int32_t from, to;
	const series_day_t *rows;
	size_t n;
};

static int
j_replace(store_tx_t *tx, void *a)
{
	struct replace *r = a;
	return store_tx_series_replace(tx, r->source, r->from, r->to, r->rows, r->n);
}

/* ---- fixture ------------------------------------------------------------ */

static const region_t regions[] = {
	{"110000", "北京市", "province", "", "mca2019"},
	{"110105", "朝阳区", "county", "110000", "mca2019"},
	{"110108", "海淀区", "county", "110000", "mca2019"},
	{"420000", "湖北省", "province", "", "mca2019"},
	{"420100", "武汉市", "city", "420000", "mca2019"},
	{"420800", "荆门市", "city", "420000", "mca2019"},
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
	f->s = fixture_store_open("risk", f->path, sizeof f->path);
	for (size_t i = 0; i < ARRAY_LEN(regions); i++)
		assert_int_equal(run(f->s, j_region, (void *)&regions[i]), 0);
	f->dept_root = add_dept(f, "Physics", 0, f->path_root, sizeof f->path_root);
	f->dept_child = add_dept(f, "Optics lab", f->dept_root, f->path_child, sizeof f->path_child);
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

static series_day_t
day(const char *source, const char *region, int32_t date, int confirmed, int clusters,
    int asymptomatic)
{
	series_day_t d;
	memset(&d, 0, sizeof d);
	snprintf(d.source, sizeof d.source, "%s", source);
	snprintf(d.region_code, sizeof d.region_code, "%s", region);
	d.date = date;
	d.new_confirmed = confirmed;
	d.new_clusters = clusters;
	d.new_asymptomatic = asymptomatic;
	return d;
}

/* Every row of the store (all sources, all regions, all dates). */
static size_t
series_count(store_t *s, const char *source)
{
	series_day_t *rows;
	size_t n;
	assert_int_equal(store_series_list(s, source, NULL, 0, 0, &rows, &n), 0);
	free(rows);
	return n;
}

/* ---- schema ------------------------------------------------------------- */

static void
test_schema_is_latest(void **state)
{
	int current = 0, latest = 0;
	assert_int_equal(store_schema_version(FX(state)->s, &current, &latest), 0);
	assert_true(latest >= 5);
	assert_int_equal(current, latest);
}

/* ---- series ---------------------------------------------------------------- */

static void
test_series_replace_and_list(void **state)
{
	struct fixture *f = FX(state);
	const series_day_t rows[] = {
		day("canghailan", "420100", D0, 1000, 0, 0),
		day("canghailan", "420100", D0 + 1, 1500, 0, 0),
		day("", "420800", D0, 20, 1, 0), /* the row's own source may be "" */
		day("canghailan", "110105", D0 + 1, 3, 1, 2),
	};
	const series_day_t other[] = {
		day("dxy", "420100", D0, 990, 0, 0),
	};
	struct replace r1 = {"canghailan", D0, D0 + 1, rows, ARRAY_LEN(rows)};
	struct replace r2 = {"dxy", D0, D0, other, ARRAY_LEN(other)};
	series_day_t *got;
	size_t n;

	assert_int_equal(run(f->s, j_replace, &r1), 0);
	assert_int_equal(run(f->s, j_replace, &r2), 0);

	/* all sources: by region, then date, then source */
	assert_int_equal(store_series_list(f->s, NULL, NULL, 0, 0, &got, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(got[0].region_code, "110105");
	assert_int_equal(got[0].new_clusters, 1);
	assert_int_equal(got[0].new_asymptomatic, 2);
	assert_string_equal(got[1].region_code, "420100");
	assert_string_equal(got[1].source, "canghailan");
	assert_int_equal(got[1].date, D0);
	assert_string_equal(got[2].source, "dxy");
	assert_int_equal(got[2].new_confirmed, 990);
	assert_int_equal(got[3].date, D0 + 1);
	assert_int_equal(got[3].new_confirmed, 1500);
	assert_string_equal(got[4].region_code, "420800");
	assert_string_equal(got[4].source, "canghailan"); /* stored under the replace's source */
	free(got);

	/* one source, a prefix, a date window */
	assert_int_equal(store_series_list(f->s, "canghailan", "42", D0 + 1, D0 + 1, &got, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].region_code, "420100");
	assert_int_equal(got[0].new_confirmed, 1500);
	free(got);
	assert_int_equal(store_series_list(f->s, "dxy", "11", 0, 0, &got, &n), 0);
	assert_int_equal(n, 0);
	assert_null(got);
	/* open on one side */
	assert_int_equal(store_series_list(f->s, "canghailan", NULL, D0 + 1, 0, &got, &n), 0);
	assert_int_equal(n, 2);
	free(got);
	assert_int_equal(store_series_list(f->s, "canghailan", NULL, 0, D0, &got, &n), 0);
	assert_int_equal(n, 2);
	free(got);
}

static void
test_series_replace_only_its_source_and_range(void **state)
{
	struct fixture *f = FX(state);
	const series_day_t first[] = {
		day("plain", "420100", D0, 5, 0, 0),
		day("plain", "420100", D0 + 1, 6, 0, 0),
		day("plain", "420100", D0 + 2, 7, 0, 0),
		day("plain", "420100", D0 + 3, 8, 0, 0),
	};
	const series_day_t keep[] = {day("dxy", "420100", D0 + 1, 99, 0, 0)};
	const series_day_t second[] = {day("plain", "420800", D0 + 2, 40, 0, 0)};
	struct replace r1 = {"plain", D0, D0 + 3, first, ARRAY_LEN(first)};
	struct replace rk = {"dxy", D0, D0 + 3, keep, ARRAY_LEN(keep)};
	struct replace r2 = {"plain", D0 + 1, D0 + 2, second, ARRAY_LEN(second)};
	struct replace empty = {"plain", D0 + 3, D0 + 3, NULL, 0};
	series_day_t *got;
	size_t n;

	assert_int_equal(run(f->s, j_replace, &r1), 0);
	assert_int_equal(run(f->s, j_replace, &rk), 0);
	assert_int_equal(run(f->s, j_replace, &r2), 0);
	/* plain: D0 and D0+3 of Wuhan kept, D0+1..D0+2 replaced by Jingmen */
	assert_int_equal(store_series_list(f->s, "plain", NULL, 0, 0, &got, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(got[0].region_code, "420100");
	assert_int_equal(got[0].date, D0);
	assert_int_equal(got[1].date, D0 + 3);
	assert_string_equal(got[2].region_code, "420800");
	assert_int_equal(got[2].new_confirmed, 40);
	free(got);
	/* the other source is untouched */
	assert_int_equal(series_count(f->s, "dxy"), 1);
	/* replacing with nothing deletes the range */
	assert_int_equal(run(f->s, j_replace, &empty), 0);
	assert_int_equal(series_count(f->s, "plain"), 2);
}

static void
test_series_bad_rows_leave_nothing(void **state)
{
	struct fixture *f = FX(state);
	const series_day_t good[] = {day("plain", "420100", D0, 5, 0, 0)};
	const series_day_t unknown[] = {
		day("plain", "420100", D0, 1, 0, 0),
		day("plain", "999999", D0, 1, 0, 0),
	};
	const series_day_t negative[] = {
		day("plain", "420100", D0, 1, 0, 0),
		day("plain", "420800", D0, -1, 0, 0),
	};
	const series_day_t neg_cluster[] = {day("plain", "420800", D0, 1, -2, 0)};
	const series_day_t twice[] = {
		day("plain", "420800", D0, 1, 0, 0),
		day("plain", "420800", D0, 2, 0, 0),
	};
	const series_day_t outside[] = {day("plain", "420800", D0 + 5, 1, 0, 0)};
	const series_day_t foreign[] = {day("dxy", "420800", D0, 1, 0, 0)};
	struct replace r = {"plain", D0, D0, good, 1};
	series_day_t *got;
	size_t n;

	assert_int_equal(run(f->s, j_replace, &r), 0);

	r.rows = unknown, r.n = ARRAY_LEN(unknown);
	assert_int_equal(run(f->s, j_replace, &r), FK_EINVAL);
	r.rows = negative, r.n = ARRAY_LEN(negative);
	assert_int_equal(run(f->s, j_replace, &r), FK_EINVAL);
	r.rows = neg_cluster, r.n = ARRAY_LEN(neg_cluster);
	assert_int_equal(run(f->s, j_replace, &r), FK_EINVAL);
	r.rows = twice, r.n = ARRAY_LEN(twice);
	assert_int_equal(run(f->s, j_replace, &r), FK_ECONFLICT);
	r.rows = outside, r.n = ARRAY_LEN(outside);
	assert_int_equal(run(f->s, j_replace, &r), FK_EINVAL);
	r.rows = foreign, r.n = ARRAY_LEN(foreign);
	assert_int_equal(run(f->s, j_replace, &r), FK_EINVAL);
	r.rows = good, r.n = 1, r.from = D0 + 1, r.to = D0; /* from after to */
	assert_int_equal(run(f->s, j_replace, &r), FK_EINVAL);
	r.from = D0, r.to = D0, r.source = "";
	assert_int_equal(run(f->s, j_replace, &r), FK_EINVAL);
	r.source = "a-source-name-too-long";
	assert_int_equal(run(f->s, j_replace, &r), FK_EINVAL);

	/* every refused replace left the first import as it was (the
	 * delete of the range was rolled back with the failed insert) */
	assert_int_equal(store_series_list(f->s, NULL, NULL, 0, 0, &got, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].region_code, "420100");
	assert_int_equal(got[0].new_confirmed, 5);
	free(got);
}

static void
test_series_sources(void **state)
{
	struct fixture *f = FX(state);
	const series_day_t a[] = {
		day("canghailan", "420100", D0, 1, 0, 0),
		day("canghailan", "420800", D0 + 9, 1, 0, 0),
		day("canghailan", "110105", D0 + 4, 1, 0, 0),
	};
	const series_day_t b[] = {day("dxy", "420100", D0 + 2, 1, 0, 0)};
	struct replace ra = {"canghailan", D0, D0 + 9, a, ARRAY_LEN(a)};
	struct replace rb = {"dxy", D0, D0 + 9, b, ARRAY_LEN(b)};
	struct series_source *src;
	size_t n;

	assert_int_equal(store_series_sources(f->s, &src, &n), 0);
	assert_int_equal(n, 0);
	free(src);
	assert_int_equal(run(f->s, j_replace, &ra), 0);
	assert_int_equal(run(f->s, j_replace, &rb), 0);
	assert_int_equal(store_series_sources(f->s, &src, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(src[0].source, "canghailan");
	assert_int_equal(src[0].rows, 3);
	assert_int_equal(src[0].first, D0);
	assert_int_equal(src[0].last, D0 + 9);
	assert_string_equal(src[1].source, "dxy");
	assert_int_equal(src[1].rows, 1);
	assert_int_equal(src[1].first, D0 + 2);
	assert_int_equal(src[1].last, D0 + 2);
	free(src);
}

/* ---- risk levels ------------------------------------------------------------ */

static risk_change_t
change(const char *region, int32_t date, const char *level, bool override, int32_t until)
{
	risk_change_t c;
	memset(&c, 0, sizeof c);
	snprintf(c.region_code, sizeof c.region_code, "%s", region);
	c.date = date;
	snprintf(c.level, sizeof c.level, "%s", level);
	snprintf(c.rule, sizeof c.rule, "%s", override ? "override" : "county-2020-02");
	snprintf(c.reason, sizeof c.reason, "%s %s", level, override ? "by hand" : "computed");
	c.override = override;
	c.override_until = until;
	snprintf(c.by, sizeof c.by, "%s", override ? "official" : "");
	c.at = NOW;
	return c;
}

static int64_t
add_change(struct fixture *f, const char *region, int32_t date, const char *level, bool override,
	   int32_t until)
{
	risk_change_t c = change(region, date, level, override, until);
	assert_int_equal(run(f->s, j_risk, &c), 0);
	assert_true(c.id > 0);
	return c.id;
}

static void
test_risk_insert_latest_history(void **state)
{
	struct fixture *f = FX(state);
	risk_change_t got, *hist;
	size_t n;
	int64_t high, low_same_day, ov;

	add_change(f, "420100", D0, "medium", false, 0);
	high = add_change(f, "420100", D0 + 5, "high", false, 0);
	ov = add_change(f, "420100", D0 + 3, "low", true, D0 + 10);
	add_change(f, "420800", D0, "low", false, 0);

	/* computed and override are separate histories */
	assert_int_equal(store_risk_latest(f->s, "420100", D0 + 4, false, &got), 0);
	assert_string_equal(got.level, "medium");
	assert_int_equal(got.date, D0);
	assert_false(got.override);
	assert_int_equal(store_risk_latest(f->s, "420100", D0 + 5, false, &got), 0);
	assert_int_equal(got.id, high);
	assert_string_equal(got.level, "high");
	assert_string_equal(got.rule, "county-2020-02");
	assert_string_equal(got.reason, "high computed");
	assert_int_equal(got.at, NOW);
	assert_int_equal(store_risk_latest(f->s, "420100", D0 + 5, true, &got), 0);
	assert_int_equal(got.id, ov);
	assert_true(got.override);
	assert_int_equal(got.override_until, D0 + 10);
	assert_string_equal(got.by, "official");
	/* the raw newest override, even after it expired */
	assert_int_equal(store_risk_latest(f->s, "420100", D0 + 30, true, &got), 0);
	assert_int_equal(got.id, ov);
	/* nothing on or before the date */
	assert_int_equal(store_risk_latest(f->s, "420100", D0 - 1, false, &got), FK_ENOTFOUND);
	assert_int_equal(store_risk_latest(f->s, "420100", D0 + 2, true, &got), FK_ENOTFOUND);
	assert_int_equal(store_risk_latest(f->s, "110105", D0 + 2, false, &got), FK_ENOTFOUND);

	/* two changes on one day: the one recorded last wins */
	low_same_day = add_change(f, "420100", D0 + 5, "low", false, 0);
	assert_int_equal(store_risk_latest(f->s, "420100", D0 + 6, false, &got), 0);
	assert_int_equal(got.id, low_same_day);

	/* history: everything, oldest first, override included */
	assert_int_equal(store_risk_history(f->s, "420100", &hist, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(hist[0].date, D0);
	assert_int_equal(hist[1].id, ov);
	assert_int_equal(hist[2].id, high);
	assert_int_equal(hist[3].id, low_same_day);
	free(hist);
	assert_int_equal(store_risk_history(f->s, "110108", &hist, &n), 0);
	assert_int_equal(n, 0);
	free(hist);
}

struct latest_in_job {
	risk_change_t add;
	risk_change_t seen;
	int rc;
};

/* Insert a change and read it back inside the same job. */
static int
j_insert_then_latest(store_tx_t *tx, void *a)
{
	struct latest_in_job *x = a;
	int rc = store_tx_risk_insert(tx, &x->add);
	if (rc)
		return rc;
	x->rc = store_tx_risk_latest(tx, x->add.region_code, x->add.date, x->add.override, &x->seen);
	return 0;
}

static void
test_risk_latest_in_a_job(void **state)
{
	struct fixture *f = FX(state);
	struct latest_in_job x;

	memset(&x, 0, sizeof x);
	x.add = change("110105", D0, "high", false, 0);
	assert_int_equal(run(f->s, j_insert_then_latest, &x), 0);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.seen.id, x.add.id);
	assert_string_equal(x.seen.level, "high");
}

static void
test_risk_bad_changes(void **state)
{
	struct fixture *f = FX(state);
	risk_change_t c, *hist;
	size_t n;

	c = change("420100", D0, "severe", false, 0); /* not a level */
	assert_int_equal(run(f->s, j_risk, &c), FK_EINVAL);
	c = change("999999", D0, "low", false, 0); /* no such region */
	assert_int_equal(run(f->s, j_risk, &c), FK_EINVAL);
	c = change("420100", D0, "low", true, D0 - 1); /* ends before it starts */
	assert_int_equal(run(f->s, j_risk, &c), FK_EINVAL);
	c = change("420100", D0, "low", false, D0 + 3); /* a computed change has no end */
	assert_int_equal(run(f->s, j_risk, &c), FK_EINVAL);
	assert_int_equal(store_risk_history(f->s, "420100", &hist, &n), 0);
	assert_int_equal(n, 0);
	free(hist);
}

static const risk_change_t *
find_current(const risk_change_t *rows, size_t n, const char *region, bool override)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].region_code, region) == 0 && rows[i].override == override)
			return &rows[i];
	return NULL;
}

static void
test_risk_current(void **state)
{
	struct fixture *f = FX(state);
	risk_change_t *cur;
	size_t n;
	int64_t wuhan_high, wuhan_ov, jm_ov_open, chaoyang_ov;

	add_change(f, "420100", D0, "medium", false, 0);
	wuhan_high = add_change(f, "420100", D0 + 2, "high", false, 0);
	add_change(f, "420100", D0 + 20, "low", false, 0);        /* future on D0+10 */
	wuhan_ov = add_change(f, "420100", D0 + 4, "medium", true, D0 + 10);
	add_change(f, "420800", D0, "low", false, 0);
	jm_ov_open = add_change(f, "420800", D0 + 1, "high", true, 0);
	/* Chaoyang: only an override, which ends on D0+7 */
	chaoyang_ov = add_change(f, "110105", D0 + 5, "high", true, D0 + 7);
	/* Haidian: an older long override superseded by a short one that
	 * has expired -- the expired newest one hides the older */
	add_change(f, "110108", D0, "high", true, 0);
	add_change(f, "110108", D0 + 1, "medium", true, D0 + 2);
	add_change(f, "110108", D0, "low", false, 0);

	/* D0+7: the last day of Chaoyang's override */
	assert_int_equal(store_risk_current(f->s, NULL, D0 + 7, &cur, &n), 0);
	assert_int_equal(n, 6);
	/* by region, computed first */
	assert_string_equal(cur[0].region_code, "110105");
	assert_int_equal(cur[0].id, chaoyang_ov);
	assert_string_equal(cur[1].region_code, "110108");
	assert_false(cur[1].override);
	assert_string_equal(cur[1].level, "low");
	assert_string_equal(cur[2].region_code, "420100");
	assert_false(cur[2].override);
	assert_int_equal(cur[2].id, wuhan_high);
	assert_true(cur[3].override);
	assert_int_equal(cur[3].id, wuhan_ov);
	assert_string_equal(cur[4].region_code, "420800");
	assert_false(cur[4].override);
	assert_int_equal(cur[5].id, jm_ov_open);
	assert_null(find_current(cur, n, "110108", true));
	free(cur);

	/* D0+8: Chaoyang's override has ended, it drops out */
	assert_int_equal(store_risk_current(f->s, NULL, D0 + 8, &cur, &n), 0);
	assert_int_equal(n, 5);
	assert_null(find_current(cur, n, "110105", false));
	assert_null(find_current(cur, n, "110105", true));
	assert_non_null(find_current(cur, n, "420100", true));
	free(cur);

	/* D0+11: Wuhan's override ended; the computed level stays high
	 * (the D0+20 change is in the future) */
	assert_int_equal(store_risk_current(f->s, "42", D0 + 11, &cur, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(find_current(cur, n, "420100", false)->id, wuhan_high);
	assert_null(find_current(cur, n, "420100", true));
	assert_int_equal(find_current(cur, n, "420800", true)->id, jm_ov_open);
	free(cur);

	/* D0+20 with a prefix of one city */
	assert_int_equal(store_risk_current(f->s, "4201", D0 + 20, &cur, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(cur[0].level, "low");
	free(cur);

	/* before anything */
	assert_int_equal(store_risk_current(f->s, NULL, D0 - 1, &cur, &n), 0);
	assert_int_equal(n, 0);
	free(cur);
}

/* ---- response levels --------------------------------------------------------- */

static response_level_t
response(const char *province, int32_t date, int level, const char *note)
{
	response_level_t r;
	memset(&r, 0, sizeof r);
	snprintf(r.province_code, sizeof r.province_code, "%s", province);
	r.date = date;
	r.level = level;
	snprintf(r.note, sizeof r.note, "%s", note);
	snprintf(r.by, sizeof r.by, "official");
	r.at = NOW;
	return r;
}

static void
test_response_levels(void **state)
{
	struct fixture *f = FX(state);
	response_level_t r, *hist;
	size_t n;

	r = response("420000", D0 - 15, 1, "一级响应");
	assert_int_equal(run(f->s, j_response, &r), 0);
	assert_true(r.id > 0);
	r = response("110000", D0 - 14, 1, "");
	assert_int_equal(run(f->s, j_response, &r), 0);
	r = response("420000", D0 + 100, 2, "lowered");
	assert_int_equal(run(f->s, j_response, &r), 0);
	r = response("420000", D0 + 120, 0, "ended");
	assert_int_equal(run(f->s, j_response, &r), 0);

	assert_int_equal(store_response_history(f->s, "420000", &hist, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(hist[0].level, 1);
	assert_string_equal(hist[0].note, "一级响应");
	assert_string_equal(hist[0].by, "official");
	assert_int_equal(hist[0].at, NOW);
	assert_int_equal(hist[1].level, 2);
	assert_int_equal(hist[2].level, 0);
	assert_int_equal(hist[2].date, D0 + 120);
	free(hist);
	assert_int_equal(store_response_history(f->s, NULL, &hist, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(hist[0].province_code, "420000"); /* oldest first */
	assert_string_equal(hist[1].province_code, "110000");
	free(hist);

	/* refused: a level out of 0..4, a city, an unknown code */
	r = response("420000", D0, 5, "");
	assert_int_equal(run(f->s, j_response, &r), FK_EINVAL);
	r = response("420000", D0, -1, "");
	assert_int_equal(run(f->s, j_response, &r), FK_EINVAL);
	r = response("420100", D0, 2, "");
	assert_int_equal(run(f->s, j_response, &r), FK_EINVAL);
	r = response("990000", D0, 2, "");
	assert_int_equal(run(f->s, j_response, &r), FK_EINVAL);
	assert_int_equal(store_response_history(f->s, NULL, &hist, &n), 0);
	assert_int_equal(n, 4);
	free(hist);
}

/* ---- resumption plans -------------------------------------------------------- */

static resumption_plan_t
plan(int64_t dept, int32_t start, int cap, int64_t created_at)
{
	resumption_plan_t p;
	memset(&p, 0, sizeof p);
	p.department_id = dept;
	p.start_date = start;
	p.cap_percent = cap;
	snprintf(p.note, sizeof p.note, "shifts A/B");
	snprintf(p.by, sizeof p.by, "head");
	p.created_at = created_at;
	return p;
}

static void
test_plans(void **state)
{
	struct fixture *f = FX(state);
	resumption_plan_t p, got, *list;
	size_t n;
	int64_t first, second, third;

	p = plan(f->dept_root, D0 + 10, 50, NOW);
	assert_int_equal(run(f->s, j_plan, &p), 0);
	first = p.id;
	assert_string_equal(p.status, "submitted");
	p = plan(f->dept_child, D0 + 12, 33, NOW + 10);
	assert_int_equal(run(f->s, j_plan, &p), 0);
	second = p.id;
	p = plan(f->dept_other, D0 + 12, 100, NOW + 20);
	assert_int_equal(run(f->s, j_plan, &p), 0);
	third = p.id;

	assert_int_equal(store_plan_get(f->s, second, &got), 0);
	assert_int_equal(got.department_id, f->dept_child);
	assert_string_equal(got.department, "Optics lab");
	assert_int_equal(got.start_date, D0 + 12);
	assert_int_equal(got.cap_percent, 33);
	assert_string_equal(got.note, "shifts A/B");
	assert_string_equal(got.status, "submitted");
	assert_string_equal(got.by, "head");
	assert_int_equal(got.created_at, NOW + 10);
	assert_int_equal(got.decided_at, 0);
	assert_int_equal(store_plan_get(f->s, 9999, &got), FK_ENOTFOUND);

	/* the office approves; a second decision is a conflict */
	memset(&p, 0, sizeof p);
	p.id = first;
	snprintf(p.status, sizeof p.status, "approved");
	snprintf(p.decided_by, sizeof p.decided_by, "office");
	p.decided_at = NOW + 100;
	snprintf(p.decision_note, sizeof p.decision_note, "ok from 2020-02-18");
	assert_int_equal(run(f->s, j_decide, &p), 0);
	assert_int_equal(store_plan_get(f->s, first, &got), 0);
	assert_string_equal(got.status, "approved");
	assert_string_equal(got.decided_by, "office");
	assert_int_equal(got.decided_at, NOW + 100);
	assert_string_equal(got.decision_note, "ok from 2020-02-18");
	snprintf(p.status, sizeof p.status, "rejected");
	assert_int_equal(run(f->s, j_decide, &p), FK_ECONFLICT);
	assert_int_equal(store_plan_get(f->s, first, &got), 0);
	assert_string_equal(got.status, "approved");
	p.id = 9999;
	assert_int_equal(run(f->s, j_decide, &p), FK_ENOTFOUND);
	p.id = second;
	snprintf(p.status, sizeof p.status, "submitted"); /* not a decision */
	assert_int_equal(run(f->s, j_decide, &p), FK_EINVAL);
	snprintf(p.status, sizeof p.status, "rejected");
	assert_int_equal(run(f->s, j_decide, &p), 0);
	assert_int_equal(store_plan_get(f->s, second, &got), 0);
	assert_string_equal(got.status, "rejected");

	/* lists: newest first, a subtree by path */
	assert_int_equal(store_plan_list(f->s, NULL, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(list[0].id, third);
	assert_int_equal(list[1].id, second);
	assert_int_equal(list[2].id, first);
	assert_string_equal(list[0].department, "Library");
	free(list);
	assert_int_equal(store_plan_list(f->s, f->path_root, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, second);
	assert_int_equal(list[1].id, first);
	free(list);
	assert_int_equal(store_plan_list(f->s, f->path_child, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, second);
	free(list);

	/* refused: cap out of 1..100, an unknown department, a bad status */
	p = plan(f->dept_root, D0, 0, NOW);
	assert_int_equal(run(f->s, j_plan, &p), FK_EINVAL);
	p = plan(f->dept_root, D0, 101, NOW);
	assert_int_equal(run(f->s, j_plan, &p), FK_EINVAL);
	p = plan(424242, D0, 50, NOW);
	assert_int_equal(run(f->s, j_plan, &p), FK_EINVAL);
	p = plan(f->dept_root, D0, 50, NOW);
	snprintf(p.status, sizeof p.status, "pending");
	assert_int_equal(run(f->s, j_plan, &p), FK_EINVAL);
	assert_int_equal(store_plan_list(f->s, NULL, &list, &n), 0);
	assert_int_equal(n, 3);
	free(list);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_is_latest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_replace_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_replace_only_its_source_and_range, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_series_bad_rows_leave_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_risk_insert_latest_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_risk_latest_in_a_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_risk_bad_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_risk_current, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plans, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

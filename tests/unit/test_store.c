/*
 * test_store.c -- unit tests for the store layer on its SQLite backend:
 * migrations, the registry tables (regions, departments, people, users,
 * sessions, audit, settings), the group-commit writer and durability.
 *
 * Each test gets a fresh database file under $FANGKONG_TEST_TMP (default
 * /tmp), removed afterwards.  Writes go through store_write() as the app
 * does; the tests check what a user would notice -- which rows exist,
 * which error code and field come back -- and not merely that code ran.
 *
 * cmocka's assertions longjmp and are not thread-safe, so worker threads
 * only record what happened; the test thread asserts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "store_fixture.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NOW 1700000000LL

/* ---- scratch databases ------------------------------------------------ */

/* A fresh, absent database path in the scratch directory. */
static void
temp_db_path(char *buf, size_t cap)
{
	fixture_temp_path("store", buf, cap);
}

struct fixture {
	char path[512];
	store_t *s;
};

static store_t *
open_store(const char *path, const struct store_options *opt)
{
	struct fk_error err = {0};
	store_t *s = NULL;
	int rc = store_open(path, opt, &s, &err);
	if (rc != 0)
		fail_msg("store_open(%s): %d %s", path, rc, err.message);
	assert_non_null(s);
	return s;
}

static void
migrate(store_t *s)
{
	struct fk_error err = {0};
	int from = -1, to = -1;
	int rc = store_migrate(s, &from, &to, &err);
	if (rc != 0)
		fail_msg("store_migrate: %d %s", rc, err.message);
}

/* Fresh database, not migrated. */
static int
setup_empty(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	temp_db_path(f->path, sizeof f->path);
	f->s = open_store(f->path, NULL);
	*state = f;
	return 0;
}

static void region_fixture(store_t *s);

/* Fresh database, migrated, with a few regions. */
static int
setup_migrated(void **state)
{
	struct fixture *f;
	setup_empty(state);
	f = *state;
	migrate(f->s);
	region_fixture(f->s);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	if (f) {
		store_close(f->s);
		fixture_remove_db(f->path);
		free(f);
	}
	return 0;
}

#define FX(state) (((struct fixture *)*(state))->s)

/* ---- write jobs ------------------------------------------------------- */

/* One step of a write job; a job runs its steps in order and returns
 * the first failure. */
enum step_kind {
	S_REGION,
	S_DEPT_INSERT,
	S_DEPT_UPDATE,
	S_DEPT_DELETE,
	S_PERSON_INSERT,
	S_PERSON_UPDATE,
	S_PERSON_DELETE,
	S_USER_INSERT,
	S_USER_UPDATE,
	S_SESSION_INSERT,
	S_SESSION_DELETE,
	S_SESSION_DELETE_USER,
	S_SESSION_PURGE,
	S_AUDIT,
	S_SETTING,
	S_FAIL, /* fail on purpose, naming field "test" */
};

struct step {
	enum step_kind kind;
	void *obj;         /* region_t, department_t, person_t, user_t, ... */
	int64_t num;       /* an id or a time */
	const char *key;   /* a person id, a setting key */
	const char *value; /* a setting value */
};

struct script {
	const struct step *steps;
	size_t n;
};

static int
run_step(store_tx_t *tx, const struct step *st, struct fk_error *err)
{
	switch (st->kind) {
	case S_REGION: return store_tx_region_put(tx, st->obj);
	case S_DEPT_INSERT: return store_tx_department_insert(tx, st->obj, err);
	case S_DEPT_UPDATE: return store_tx_department_update(tx, st->obj, err);
	case S_DEPT_DELETE: return store_tx_department_delete(tx, st->num, err);
	case S_PERSON_INSERT: return store_tx_person_insert(tx, st->obj, NOW, err);
	case S_PERSON_UPDATE: return store_tx_person_update(tx, st->obj, st->num, err);
	case S_PERSON_DELETE: return store_tx_person_delete(tx, st->key, err);
	case S_USER_INSERT: return store_tx_user_insert(tx, st->obj, NOW, err);
	case S_USER_UPDATE: return store_tx_user_update(tx, st->obj, err);
	case S_SESSION_INSERT: return store_tx_session_insert(tx, st->obj);
	case S_SESSION_DELETE: return store_tx_session_delete(tx, st->obj);
	case S_SESSION_DELETE_USER: return store_tx_session_delete_user(tx, st->num);
	case S_SESSION_PURGE: return store_tx_session_purge(tx, st->num);
	case S_AUDIT: return store_tx_audit_append(tx, st->obj);
	case S_SETTING: return store_tx_setting_put(tx, st->key, st->value, NOW);
	case S_FAIL: return fk_error_set(err, FK_EINVAL, "test", "planned failure");
	}
	return FK_EINVAL;
}

static int
script_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	const struct script *sc = arg;
	for (size_t i = 0; i < sc->n; i++) {
		int rc = run_step(tx, &sc->steps[i], err);
		if (rc)
			return rc;
	}
	return 0;
}

/* Run a job of one step; err is cleared first. */
static int
write1(store_t *s, enum step_kind kind, void *obj, int64_t num, const char *key,
       struct fk_error *err)
{
	struct step st = {.kind = kind, .obj = obj, .num = num, .key = key};
	struct script sc = {&st, 1};
	fk_error_clear(err);
	return store_write(s, script_job, &sc, err);
}

static int
write_steps(store_t *s, const struct step *steps, size_t n, struct fk_error *err)
{
	struct script sc = {steps, n};
	fk_error_clear(err);
	return store_write(s, script_job, &sc, err);
}

/* ---- fixtures --------------------------------------------------------- */

static const region_t fixture_regions[] = {
	{"110000", "Beijing", "province", "", "nbs2023"},
	{"110100", "Beijing city", "city", "110000", "nbs2023"},
	{"110105", "Chaoyang", "county", "110100", "nbs2023"},
	{"110108", "Haidian", "county", "110100", "nbs2023"},
	{"310000", "Shanghai", "province", "", "nbs2023"},
	{"310115", "Pudong", "county", "310100", "nbs2023"},
	{"440305", "Nanshan", "county", "440300", "mca2019"},
};

static void
region_fixture(store_t *s)
{
	struct step steps[ARRAY_LEN(fixture_regions)];
	struct fk_error err;
	for (size_t i = 0; i < ARRAY_LEN(fixture_regions); i++)
		steps[i] = (struct step){.kind = S_REGION, .obj = (void *)&fixture_regions[i]};
	assert_int_equal(write_steps(s, steps, ARRAY_LEN(steps), &err), 0);
}

static department_t
add_dept(store_t *s, const char *name, int64_t parent_id)
{
	department_t d;
	struct fk_error err;
	int rc;
	memset(&d, 0, sizeof d);
	snprintf(d.name, sizeof d.name, "%s", name);
	d.parent_id = parent_id;
	rc = write1(s, S_DEPT_INSERT, &d, 0, NULL, &err);
	if (rc != 0)
		fail_msg("insert department %s: %d %s", name, rc, err.message);
	assert_true(d.id > 0);
	return d;
}

static person_t
make_person(const char *id, const char *name, int64_t dept, const char *region)
{
	person_t p;
	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "%s", id);
	snprintf(p.name, sizeof p.name, "%s", name);
	p.kind = PERSON_STAFF;
	p.department_id = dept;
	snprintf(p.region_code, sizeof p.region_code, "%s", region);
	return p;
}

static void
add_person(store_t *s, const char *id, int64_t dept, const char *region)
{
	person_t p = make_person(id, id, dept, region);
	struct fk_error err;
	int rc = write1(s, S_PERSON_INSERT, &p, 0, NULL, &err);
	if (rc != 0)
		fail_msg("insert person %s: %d %s", id, rc, err.message);
}

static bool
person_exists(store_t *s, const char *id)
{
	person_t p;
	int rc = store_person_get(s, id, &p);
	if (rc != 0 && rc != FK_ENOTFOUND)
		fail_msg("store_person_get(%s): %d", id, rc);
	return rc == 0;
}

static size_t
count_people(store_t *s)
{
	struct person_query q = {0};
	person_t *arr = NULL;
	size_t n = 0;
	assert_int_equal(store_person_list(s, &q, &arr, &n), 0);
	free(arr);
	return n;
}

/* ---- opening and migrations ----------------------------------------- */

static void
test_migrate_fresh_database(void **state)
{
	store_t *s = FX(state);
	struct fk_error err = {0};
	int from = -1, to = -1, current = -1, latest = -1;
	int64_t n = -1;

	assert_string_equal(store_backend(s), "sqlite");
	assert_int_equal(store_schema_version(s, &current, &latest), 0);
	assert_int_equal(current, 0);
	assert_true(latest >= 1);

	assert_int_equal(store_migrate(s, &from, &to, &err), 0);
	assert_int_equal(from, 0);
	assert_int_equal(to, latest);
	assert_int_equal(store_schema_version(s, &current, &latest), 0);
	assert_int_equal(current, latest);

	/* the tables are there and empty */
	assert_int_equal(store_region_count(s, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_user_count(s, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(count_people(s), 0);

	/* a second migration is a no-op */
	from = to = -1;
	assert_int_equal(store_migrate(s, &from, &to, &err), 0);
	assert_int_equal(from, latest);
	assert_int_equal(to, latest);
	assert_int_equal(store_migrate(s, NULL, NULL, &err), 0);
	assert_int_equal(store_schema_version(s, &current, &latest), 0);
	assert_int_equal(current, latest);
}

/* A database written by a newer fangkong is refused, and left as it is. */
static void
test_migrate_refuses_newer_schema(void **state)
{
	char path[512];
	sqlite3 *db;
	store_t *s;
	struct fk_error err = {0};
	int from = -1, current = -1, latest = -1;
	(void)state;

	temp_db_path(path, sizeof path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);

	s = open_store(path, NULL);
	assert_int_equal(store_migrate(s, &from, NULL, &err), FK_EINVAL);
	assert_int_equal(from, 999);
	assert_string_equal(err.field, "db");
	assert_int_equal(store_schema_version(s, &current, &latest), 0);
	assert_int_equal(current, 999);
	store_close(s);
	fixture_remove_db(path);
}

static void
test_open_rejects_bad_locations(void **state)
{
	static const char *const bad[] = {"", "postgres://db.example/fk",
					  "mysql://x/y"};
	struct fk_error err;
	store_t *s;
	char path[600];
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		fk_error_clear(&err);
		s = (store_t *)&err; /* any non-NULL value: must be reset to NULL */
		assert_int_equal(store_open(bad[i], NULL, &s, &err), FK_EINVAL);
		assert_null(s);
		assert_string_equal(err.field, "db");
	}
	fk_error_clear(&err);
	assert_int_equal(store_open(NULL, NULL, &s, &err), FK_EINVAL);

	/* a directory that does not exist: an I/O error that says why */
	temp_db_path(path, sizeof path);
	strcat(path, "/no/such/dir/x.db");
	fk_error_clear(&err);
	assert_int_equal(store_open(path, NULL, &s, &err), FK_EIO);
	assert_null(s);
	assert_true(err.message[0] != '\0');

	store_close(NULL); /* accepts NULL */
}

/*
 * Every location store_open() accepts must be one where reads see the
 * writes (store.h: reads "see every write committed before they start").
 * "sqlite:" (empty path) and ":memory:" give each SQLite connection its
 * own private database, so the readers would never see the writer's
 * data: such a location must be refused with FK_EINVAL instead.
 */
static void
test_open_location_reads_see_writes(void **state)
{
	char path[512], prefixed[600], failures[1024] = "";
	const char *locations[4];
	size_t at = 0;
	(void)state;

	temp_db_path(path, sizeof path);
	snprintf(prefixed, sizeof prefixed, "sqlite:%s", path);
	locations[0] = prefixed;
	locations[1] = "sqlite:";
	locations[2] = ":memory:";
	locations[3] = "sqlite::memory:";

	for (size_t i = 0; i < ARRAY_LEN(locations); i++) {
		struct fk_error err = {0};
		store_t *s = NULL;
		int current = -1, latest = -1, rc;

		rc = store_open(locations[i], NULL, &s, &err);
		if (rc != 0) {
			if (rc != FK_EINVAL || strcmp(err.field, "db") != 0)
				at += (size_t)snprintf(failures + at, sizeof failures - at,
						       "\n  \"%s\": refused with %d '%s', want "
						       "FK_EINVAL 'db'",
						       locations[i], rc, err.field);
			continue;
		}
		rc = store_migrate(s, NULL, NULL, &err);
		if (rc == 0)
			rc = store_schema_version(s, &current, &latest);
		store_close(s);
		if (rc != 0 || current != latest)
			at += (size_t)snprintf(failures + at, sizeof failures - at,
					       "\n  \"%s\": accepted, but after migrating "
					       "reads see schema %d of %d (rc %d)",
					       locations[i], current, latest, rc);
		if (at >= sizeof failures)
			at = sizeof failures - 1;
	}
	fixture_remove_db(path);
	if (failures[0])
		fail_msg("locations where reads miss the writes:%s", failures);
}

/* ---- regions ---------------------------------------------------------- */

static void
test_region_put_get(void **state)
{
	store_t *s = FX(state);
	region_t r, changed;
	struct fk_error err;
	int64_t n = -1;

	assert_int_equal(store_region_count(s, &n), 0);
	assert_int_equal(n, (int64_t)ARRAY_LEN(fixture_regions));
	for (size_t i = 0; i < ARRAY_LEN(fixture_regions); i++) {
		const region_t *w = &fixture_regions[i];
		memset(&r, 0, sizeof r);
		assert_int_equal(store_region_get(s, w->code, &r), 0);
		assert_string_equal(r.code, w->code);
		assert_string_equal(r.name, w->name);
		assert_string_equal(r.level, w->level);
		assert_string_equal(r.parent_code, w->parent_code);
		assert_string_equal(r.source, w->source);
	}
	assert_int_equal(store_region_get(s, "120000", &r), FK_ENOTFOUND);

	/* putting a code again keeps the first version */
	changed = fixture_regions[3];
	snprintf(changed.name, sizeof changed.name, "Renamed");
	assert_int_equal(write1(s, S_REGION, &changed, 0, NULL, &err), 0);
	assert_int_equal(store_region_get(s, "110108", &r), 0);
	assert_string_equal(r.name, "Haidian");
	assert_int_equal(store_region_count(s, &n), 0);
	assert_int_equal(n, (int64_t)ARRAY_LEN(fixture_regions));

	/*
	 * A row the schema refuses (level not province/city/county, code not
	 * 6 characters) must not be reported as stored: either the put
	 * fails, or the region is there afterwards.  (INSERT OR IGNORE also
	 * ignores CHECK failures, so a typo in a region list would be
	 * dropped silently.)
	 */
	{
		static const region_t bad[] = {
			{"120000", "Tianjin", "planet", "", "nbs2023"},
			{"12000", "Short code", "province", "", "nbs2023"},
		};
		for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
			int rc = write1(s, S_REGION, (void *)&bad[i], 0, NULL, &err);
			int got = store_region_get(s, bad[i].code, &r);
			if (rc == 0 && got != 0)
				fail_msg("region %s (level %s): put returned 0 but nothing "
					 "was stored", bad[i].code, bad[i].level);
		}
	}
	assert_int_equal(store_region_count(s, &n), 0);
	assert_int_equal(n, (int64_t)ARRAY_LEN(fixture_regions));
}

struct exists_arg {
	const char *code;
	bool found;
};

static int
region_exists_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct exists_arg *a = arg;
	(void)err;
	a->found = !a->found; /* proves the call wrote it */
	return store_tx_region_exists(tx, a->code, &a->found);
}

static void
test_region_exists_in_job(void **state)
{
	store_t *s = FX(state);
	struct fk_error err = {0};
	struct exists_arg yes = {"310115", false}, no = {"999999", true};

	assert_int_equal(store_write(s, region_exists_job, &yes, &err), 0);
	assert_true(yes.found);
	assert_int_equal(store_write(s, region_exists_job, &no, &err), 0);
	assert_false(no.found);
}

/* ---- departments ------------------------------------------------------ */

static void
expect_path(store_t *s, int64_t id, const char *want)
{
	department_t d;
	assert_int_equal(store_department_get(s, id, &d), 0);
	assert_string_equal(d.path, want);
}

static void
test_department_tree_paths(void **state)
{
	store_t *s = FX(state);
	department_t a, b, c, d, got, *list = NULL;
	char want[64];
	size_t n = 0;

	a = add_dept(s, "Science", 0);
	b = add_dept(s, "Physics", a.id);
	c = add_dept(s, "Optics Lab", b.id);
	d = add_dept(s, "\xe8\xa1\x8c\xe6\x94\xbf", 0); /* "administration" */

	snprintf(want, sizeof want, "/%lld/", (long long)a.id);
	assert_string_equal(a.path, want);
	expect_path(s, a.id, want);
	snprintf(want, sizeof want, "/%lld/%lld/", (long long)a.id, (long long)b.id);
	assert_string_equal(b.path, want);
	expect_path(s, b.id, want);
	snprintf(want, sizeof want, "/%lld/%lld/%lld/", (long long)a.id, (long long)b.id,
		 (long long)c.id);
	assert_string_equal(c.path, want);
	expect_path(s, c.id, want);

	assert_int_equal(store_department_get(s, c.id, &got), 0);
	assert_string_equal(got.name, "Optics Lab");
	assert_int_equal(got.parent_id, b.id);
	assert_int_equal(got.people, 0);
	assert_int_equal(store_department_get(s, a.id, &got), 0);
	assert_int_equal(got.parent_id, 0);

	assert_int_equal(store_department_find(s, "\xe8\xa1\x8c\xe6\x94\xbf", &got), 0);
	assert_int_equal(got.id, d.id);
	assert_int_equal(store_department_find(s, "Chemistry", &got), FK_ENOTFOUND);
	assert_int_equal(store_department_get(s, 9999, &got), FK_ENOTFOUND);

	/* tree order: a parent before its subtree */
	assert_int_equal(store_department_list(s, &list, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(list[0].id, a.id);
	assert_int_equal(list[1].id, b.id);
	assert_int_equal(list[2].id, c.id);
	assert_int_equal(list[3].id, d.id);
	free(list);
}

static void
test_department_insert_refusals(void **state)
{
	store_t *s = FX(state);
	department_t a, dup, orphan, got, *list = NULL;
	struct fk_error err;
	size_t n = 0;

	a = add_dept(s, "Science", 0);

	memset(&dup, 0, sizeof dup);
	snprintf(dup.name, sizeof dup.name, "Science");
	dup.parent_id = a.id;
	assert_int_equal(write1(s, S_DEPT_INSERT, &dup, 0, NULL, &err), FK_ECONFLICT);
	assert_string_equal(err.field, "name");

	/*
	 * A missing parent is refused naming parent_id, and nothing is
	 * created.  The driver answers FK_EINVAL (a bad field the person
	 * can fix); store.h still says FK_ENOTFOUND for this case.
	 */
	memset(&orphan, 0, sizeof orphan);
	snprintf(orphan.name, sizeof orphan.name, "Orphans");
	orphan.parent_id = a.id + 1000;
	assert_int_equal(write1(s, S_DEPT_INSERT, &orphan, 0, NULL, &err), FK_EINVAL);
	assert_string_equal(err.field, "parent_id");
	assert_int_equal(store_department_find(s, "Orphans", &got), FK_ENOTFOUND);

	assert_int_equal(store_department_list(s, &list, &n), 0);
	assert_int_equal(n, 1);
	free(list);
}

static void
test_department_rename_keeps_path(void **state)
{
	store_t *s = FX(state);
	department_t a, b, other, upd, got;
	struct fk_error err;

	a = add_dept(s, "Science", 0);
	b = add_dept(s, "Physics", a.id);
	other = add_dept(s, "Chemistry", 0);

	upd = b;
	snprintf(upd.name, sizeof upd.name, "Physics and Astronomy");
	assert_int_equal(write1(s, S_DEPT_UPDATE, &upd, 0, NULL, &err), 0);
	assert_int_equal(store_department_get(s, b.id, &got), 0);
	assert_string_equal(got.name, "Physics and Astronomy");
	assert_string_equal(got.path, b.path);
	assert_int_equal(got.parent_id, a.id);

	/* renaming onto a taken name is a conflict on "name"; nothing changes */
	upd = got;
	snprintf(upd.name, sizeof upd.name, "Chemistry");
	assert_int_equal(write1(s, S_DEPT_UPDATE, &upd, 0, NULL, &err), FK_ECONFLICT);
	assert_string_equal(err.field, "name");
	assert_int_equal(store_department_get(s, b.id, &got), 0);
	assert_string_equal(got.name, "Physics and Astronomy");
	assert_int_equal(store_department_get(s, other.id, &got), 0);
	assert_string_equal(got.name, "Chemistry");

	/* updating a department that does not exist */
	upd.id = 9999;
	snprintf(upd.name, sizeof upd.name, "Ghost");
	assert_int_equal(write1(s, S_DEPT_UPDATE, &upd, 0, NULL, &err), FK_ENOTFOUND);
	assert_int_equal(store_department_find(s, "Ghost", &got), FK_ENOTFOUND);
}

static void
test_department_move_subtree(void **state)
{
	store_t *s = FX(state);
	department_t a, b, c, d, upd;
	struct fk_error err;
	char want[64];
	person_t *people = NULL;
	size_t n = 0;

	a = add_dept(s, "Science", 0);
	b = add_dept(s, "Physics", a.id);
	c = add_dept(s, "Optics Lab", b.id);
	d = add_dept(s, "Engineering", 0);
	add_person(s, "in-c", c.id, "110108");

	/* move Physics (with Optics Lab) under Engineering */
	upd = b;
	upd.parent_id = d.id;
	assert_int_equal(write1(s, S_DEPT_UPDATE, &upd, 0, NULL, &err), 0);
	snprintf(want, sizeof want, "/%lld/%lld/", (long long)d.id, (long long)b.id);
	assert_string_equal(upd.path, want);
	expect_path(s, b.id, want);
	snprintf(want, sizeof want, "/%lld/%lld/%lld/", (long long)d.id, (long long)b.id,
		 (long long)c.id);
	expect_path(s, c.id, want);
	snprintf(want, sizeof want, "/%lld/", (long long)a.id);
	expect_path(s, a.id, want);

	/* the person in the moved subtree is now under Engineering, not Science */
	{
		char dpath[256];
		struct person_query q = {0};
		assert_int_equal(store_person_dept_path(s, "in-c", dpath, sizeof dpath), 0);
		snprintf(want, sizeof want, "/%lld/%lld/%lld/", (long long)d.id,
			 (long long)b.id, (long long)c.id);
		assert_string_equal(dpath, want);
		q.dept_path = d.path;
		assert_int_equal(store_person_list(s, &q, &people, &n), 0);
		assert_int_equal(n, 1);
		free(people);
		q.dept_path = a.path;
		assert_int_equal(store_person_list(s, &q, &people, &n), 0);
		assert_int_equal(n, 0);
		free(people);
	}

	/* and back to a root of its own */
	upd.parent_id = 0;
	assert_int_equal(write1(s, S_DEPT_UPDATE, &upd, 0, NULL, &err), 0);
	snprintf(want, sizeof want, "/%lld/", (long long)b.id);
	expect_path(s, b.id, want);
	snprintf(want, sizeof want, "/%lld/%lld/", (long long)b.id, (long long)c.id);
	expect_path(s, c.id, want);
	snprintf(want, sizeof want, "/%lld/", (long long)d.id);
	expect_path(s, d.id, want);
	{
		department_t got;
		assert_int_equal(store_department_get(s, b.id, &got), 0);
		assert_int_equal(got.parent_id, 0);
	}
}

static void
test_department_cycle_rejected(void **state)
{
	store_t *s = FX(state);
	department_t a, b, c, upd;
	struct fk_error err;
	char pa[256], pb[256], pc[256];

	a = add_dept(s, "Science", 0);
	b = add_dept(s, "Physics", a.id);
	c = add_dept(s, "Optics Lab", b.id);
	snprintf(pa, sizeof pa, "%s", a.path);
	snprintf(pb, sizeof pb, "%s", b.path);
	snprintf(pc, sizeof pc, "%s", c.path);

	/* under its own grandchild */
	upd = a;
	upd.parent_id = c.id;
	assert_int_equal(write1(s, S_DEPT_UPDATE, &upd, 0, NULL, &err), FK_EINVAL);
	assert_string_equal(err.field, "parent_id");
	/* under its child */
	upd.parent_id = b.id;
	assert_int_equal(write1(s, S_DEPT_UPDATE, &upd, 0, NULL, &err), FK_EINVAL);
	assert_string_equal(err.field, "parent_id");
	/* under itself */
	upd = b;
	upd.parent_id = b.id;
	assert_int_equal(write1(s, S_DEPT_UPDATE, &upd, 0, NULL, &err), FK_EINVAL);
	assert_string_equal(err.field, "parent_id");
	/* under a parent that does not exist */
	upd.parent_id = 9999;
	assert_int_equal(write1(s, S_DEPT_UPDATE, &upd, 0, NULL, &err), FK_EINVAL);
	assert_string_equal(err.field, "parent_id");

	/* nothing moved */
	expect_path(s, a.id, pa);
	expect_path(s, b.id, pb);
	expect_path(s, c.id, pc);
	{
		department_t got;
		assert_int_equal(store_department_get(s, a.id, &got), 0);
		assert_int_equal(got.parent_id, 0);
	}
}

static void
test_department_delete(void **state)
{
	store_t *s = FX(state);
	department_t a, b, c, head_dept, got;
	struct fk_error err;
	user_t head;

	a = add_dept(s, "Science", 0);
	b = add_dept(s, "Physics", a.id);
	c = add_dept(s, "Empty", 0);
	head_dept = add_dept(s, "Headed", 0);
	add_person(s, "p1", b.id, "110108");
	add_person(s, "p2", b.id, "110105");

	assert_int_equal(store_department_get(s, b.id, &got), 0);
	assert_int_equal(got.people, 2);
	assert_int_equal(store_department_get(s, a.id, &got), 0);
	assert_int_equal(got.people, 0); /* direct members only */

	/* with members */
	assert_int_equal(write1(s, S_DEPT_DELETE, NULL, b.id, NULL, &err), FK_ECONFLICT);
	assert_string_equal(err.field, "id");
	assert_int_equal(store_department_get(s, b.id, &got), 0);
	assert_true(person_exists(s, "p1"));

	/* with a child department */
	assert_int_equal(write1(s, S_DEPT_DELETE, NULL, a.id, NULL, &err), FK_ECONFLICT);
	assert_int_equal(store_department_get(s, a.id, &got), 0);

	/* with a department head's login pointing at it */
	memset(&head, 0, sizeof head);
	snprintf(head.username, sizeof head.username, "head");
	head.role = ROLE_DEPT_HEAD;
	head.department_id = head_dept.id;
	snprintf(head.password_hash, sizeof head.password_hash, "$argon2id$x");
	assert_int_equal(write1(s, S_USER_INSERT, &head, 0, NULL, &err), 0);
	assert_int_equal(write1(s, S_DEPT_DELETE, NULL, head_dept.id, NULL, &err),
			 FK_ECONFLICT);
	assert_int_equal(store_department_get(s, head_dept.id, &got), 0);

	/* an empty leaf goes */
	assert_int_equal(write1(s, S_DEPT_DELETE, NULL, c.id, NULL, &err), 0);
	assert_int_equal(store_department_get(s, c.id, &got), FK_ENOTFOUND);
	/* and cannot go twice */
	assert_int_equal(write1(s, S_DEPT_DELETE, NULL, c.id, NULL, &err), FK_ENOTFOUND);
}

/* ---- people ----------------------------------------------------------- */

static void
test_person_insert_get(void **state)
{
	store_t *s = FX(state);
	department_t a, b;
	person_t p, got;
	struct fk_error err;
	char path[256];

	a = add_dept(s, "Science", 0);
	b = add_dept(s, "Physics", a.id);
	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "2020001234");
	snprintf(p.name, sizeof p.name, "\xe5\xbc\xa0\xe4\xb8\x89"); /* zhang san */
	p.kind = PERSON_POSTDOC;
	p.department_id = b.id;
	snprintf(p.phone, sizeof p.phone, "+86 138 0013 8000");
	snprintf(p.community, sizeof p.community, "\xe7\x87\x95\xe5\x9b\xad");
	snprintf(p.region_code, sizeof p.region_code, "110108");
	assert_int_equal(write1(s, S_PERSON_INSERT, &p, 0, NULL, &err), 0);

	memset(&got, 0x55, sizeof got);
	assert_int_equal(store_person_get(s, "2020001234", &got), 0);
	assert_string_equal(got.id, p.id);
	assert_string_equal(got.name, p.name);
	assert_int_equal(got.kind, PERSON_POSTDOC);
	assert_int_equal(got.department_id, b.id);
	assert_string_equal(got.department, "Physics");
	assert_string_equal(got.phone, p.phone);
	assert_string_equal(got.community, p.community);
	assert_string_equal(got.region_code, "110108");
	assert_int_equal(got.updated_at, NOW);

	assert_int_equal(store_person_dept_path(s, "2020001234", path, sizeof path), 0);
	assert_string_equal(path, b.path);
	assert_int_equal(store_person_dept_path(s, "nobody", path, sizeof path), FK_ENOTFOUND);
	assert_int_equal(store_person_get(s, "nobody", &got), FK_ENOTFOUND);
	assert_int_equal(store_person_get(s, "2020001234 ", &got), FK_ENOTFOUND);
}

static void
test_person_duplicate_id_conflict(void **state)
{
	store_t *s = FX(state);
	department_t a;
	person_t p, got;
	struct fk_error err;

	a = add_dept(s, "Science", 0);
	p = make_person("2020001234", "First", a.id, "110108");
	assert_int_equal(write1(s, S_PERSON_INSERT, &p, 0, NULL, &err), 0);

	p = make_person("2020001234", "Second", a.id, "310115");
	assert_int_equal(write1(s, S_PERSON_INSERT, &p, 0, NULL, &err), FK_ECONFLICT);
	assert_int_equal(err.code, FK_ECONFLICT);
	assert_string_equal(err.field, "id");

	assert_int_equal(store_person_get(s, "2020001234", &got), 0);
	assert_string_equal(got.name, "First");
	assert_string_equal(got.region_code, "110108");
	assert_int_equal(count_people(s), 1);
}

/*
 * A new person whose region or department does not exist is refused
 * and not stored -- and the error must not blame the id ("a person with
 * id ... already exists") when no such person exists.
 */
static void
test_person_insert_missing_reference_not_blamed_on_id(void **state)
{
	store_t *s = FX(state);
	department_t a;
	person_t p;
	struct fk_error err;
	int rc;

	a = add_dept(s, "Science", 0);

	p = make_person("new-1", "No Region", a.id, "999999");
	rc = write1(s, S_PERSON_INSERT, &p, 0, NULL, &err);
	assert_true(rc != 0);
	assert_false(person_exists(s, "new-1"));
	if (strcmp(err.field, "id") == 0)
		fail_msg("unknown region reported as: field '%s', %s", err.field,
			 err.message);

	p = make_person("new-2", "No Department", a.id + 100, "110108");
	rc = write1(s, S_PERSON_INSERT, &p, 0, NULL, &err);
	assert_true(rc != 0);
	assert_false(person_exists(s, "new-2"));
	if (strcmp(err.field, "id") == 0)
		fail_msg("unknown department reported as: field '%s', %s", err.field,
			 err.message);
}

static void
test_person_update_delete(void **state)
{
	store_t *s = FX(state);
	department_t a, b;
	person_t p, got;
	struct fk_error err;
	user_t u;

	a = add_dept(s, "Science", 0);
	b = add_dept(s, "Engineering", 0);
	add_person(s, "p1", a.id, "110108");
	add_person(s, "p2", a.id, "110108");

	p = make_person("p1", "Renamed", b.id, "310115");
	p.kind = PERSON_VISITOR;
	assert_int_equal(write1(s, S_PERSON_UPDATE, &p, NOW + 60, NULL, &err), 0);
	assert_int_equal(store_person_get(s, "p1", &got), 0);
	assert_string_equal(got.name, "Renamed");
	assert_int_equal(got.kind, PERSON_VISITOR);
	assert_int_equal(got.department_id, b.id);
	assert_string_equal(got.department, "Engineering");
	assert_string_equal(got.region_code, "310115");
	assert_int_equal(got.updated_at, NOW + 60);

	p = make_person("ghost", "Ghost", a.id, "110108");
	assert_int_equal(write1(s, S_PERSON_UPDATE, &p, NOW, NULL, &err), FK_ENOTFOUND);
	assert_false(person_exists(s, "ghost"));

	/* a person with a login cannot be deleted */
	memset(&u, 0, sizeof u);
	snprintf(u.username, sizeof u.username, "p2");
	u.role = ROLE_STAFF;
	snprintf(u.person_id, sizeof u.person_id, "p2");
	snprintf(u.password_hash, sizeof u.password_hash, "$argon2id$x");
	assert_int_equal(write1(s, S_USER_INSERT, &u, 0, NULL, &err), 0);
	assert_int_equal(write1(s, S_PERSON_DELETE, NULL, 0, "p2", &err), FK_ECONFLICT);
	assert_string_equal(err.field, "id");
	assert_true(person_exists(s, "p2"));

	assert_int_equal(write1(s, S_PERSON_DELETE, NULL, 0, "p1", &err), 0);
	assert_false(person_exists(s, "p1"));
	assert_int_equal(write1(s, S_PERSON_DELETE, NULL, 0, "p1", &err), FK_ENOTFOUND);
	assert_int_equal(count_people(s), 1);
}

/* Ids a list returned, joined with ',' (for readable failures). */
static void
list_ids(store_t *s, const struct person_query *q, char *buf, size_t cap)
{
	person_t *arr = NULL;
	size_t n = 0, at = 0;
	int rc = store_person_list(s, q, &arr, &n);
	if (rc != 0)
		fail_msg("store_person_list: %d", rc);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(buf + at, cap - at, "%s%s", i ? "," : "", arr[i].id);
	free(arr);
}

#define EXPECT_LIST(s, q, want)                                            \
	do {                                                               \
		char got_[1024];                                           \
		list_ids((s), (q), got_, sizeof got_);                     \
		if (strcmp(got_, (want)) != 0)                             \
			fail_msg("line %d: listed [%s], want [%s]", __LINE__, \
				 got_, (want));                            \
	} while (0)

static void
test_person_list_filters(void **state)
{
	store_t *s = FX(state);
	department_t sci, phys, eng, ten;
	struct person_query q;

	sci = add_dept(s, "Science", 0);     /* /1/ on a fresh database */
	phys = add_dept(s, "Physics", sci.id);
	eng = add_dept(s, "Engineering", 0);
	/* a department whose id starts with sci's digits: "/1/" must not
	 * match "/10/" */
	for (int i = 0;; i++) {
		char name[32];
		snprintf(name, sizeof name, "Filler %d", i);
		ten = add_dept(s, name, 0);
		if (ten.id == sci.id * 10)
			break;
		assert_true(i < 100);
	}

	add_person(s, "p01", sci.id, "110108");
	add_person(s, "p02", phys.id, "110108");
	add_person(s, "p03", phys.id, "110105");
	add_person(s, "p04", eng.id, "310115");
	add_person(s, "p05", eng.id, "440305");
	add_person(s, "p06", ten.id, "110108");
	add_person(s, "p07", sci.id, "310115");

	memset(&q, 0, sizeof q);
	EXPECT_LIST(s, &q, "p01,p02,p03,p04,p05,p06,p07");

	q.dept_path = sci.path; /* subtree */
	EXPECT_LIST(s, &q, "p01,p02,p03,p07");
	q.dept_path = phys.path;
	EXPECT_LIST(s, &q, "p02,p03");
	q.dept_path = ten.path;
	EXPECT_LIST(s, &q, "p06");
	q.dept_path = "/9999/";
	EXPECT_LIST(s, &q, "");

	memset(&q, 0, sizeof q);
	q.region_prefix = "11";
	EXPECT_LIST(s, &q, "p01,p02,p03,p06");
	q.region_prefix = "110108";
	EXPECT_LIST(s, &q, "p01,p02,p06");
	q.region_prefix = "3";
	EXPECT_LIST(s, &q, "p04,p07");
	q.region_prefix = "12";
	EXPECT_LIST(s, &q, "");
	q.region_prefix = "%"; /* not a wildcard */
	EXPECT_LIST(s, &q, "");
	q.region_prefix = "11%";
	EXPECT_LIST(s, &q, "");
	q.region_prefix = "_1";
	EXPECT_LIST(s, &q, "");

	memset(&q, 0, sizeof q);
	q.person_id = "p05";
	EXPECT_LIST(s, &q, "p05");
	q.person_id = "p5";
	EXPECT_LIST(s, &q, "");

	/* filters combine with AND */
	memset(&q, 0, sizeof q);
	q.dept_path = sci.path;
	q.region_prefix = "31";
	EXPECT_LIST(s, &q, "p07");
	q.person_id = "p04"; /* in region 31 but not in Science */
	EXPECT_LIST(s, &q, "");
	q.person_id = "p07";
	EXPECT_LIST(s, &q, "p07");
}

static void
test_person_list_keyset_paging(void **state)
{
	store_t *s = FX(state);
	department_t a, b;
	struct person_query q;
	char after[PERSON_ID_MAX + 1] = "";
	char seen[2048] = "";
	size_t total = 0, pages = 0;

	a = add_dept(s, "Science", 0);
	b = add_dept(s, "Engineering", 0);
	for (int i = 1; i <= 23; i++) {
		char id[16];
		snprintf(id, sizeof id, "p%02d", i);
		add_person(s, id, i % 3 ? a.id : b.id, i % 2 ? "110108" : "310115");
	}

	memset(&q, 0, sizeof q);
	q.limit = 5;
	EXPECT_LIST(s, &q, "p01,p02,p03,p04,p05");
	q.after_id = "p05";
	EXPECT_LIST(s, &q, "p06,p07,p08,p09,p10");
	q.after_id = "p20";
	EXPECT_LIST(s, &q, "p21,p22,p23");
	q.after_id = "p23";
	EXPECT_LIST(s, &q, "");
	q.after_id = "p04x"; /* ids compare as text */
	EXPECT_LIST(s, &q, "p05,p06,p07,p08,p09");

	/* walking every page returns every person once, in order */
	for (;;) {
		person_t *arr = NULL;
		size_t n = 0;
		memset(&q, 0, sizeof q);
		q.limit = 4;
		q.after_id = after[0] ? after : NULL;
		assert_int_equal(store_person_list(s, &q, &arr, &n), 0);
		if (n == 0) {
			free(arr);
			break;
		}
		assert_true(n <= 4);
		for (size_t i = 0; i < n; i++) {
			assert_true(strcmp(arr[i].id, after) > 0);
			snprintf(after, sizeof after, "%s", arr[i].id);
			strcat(seen, arr[i].id);
			strcat(seen, ",");
		}
		total += n;
		pages++;
		free(arr);
		assert_true(pages < 100);
	}
	assert_int_equal(total, 23);
	assert_int_equal(pages, 6);
	assert_string_equal(seen, "p01,p02,p03,p04,p05,p06,p07,p08,p09,p10,p11,p12,"
				  "p13,p14,p15,p16,p17,p18,p19,p20,p21,p22,p23,");

	/* paging within a filter: Science in region 11, two at a time */
	memset(&q, 0, sizeof q);
	q.dept_path = a.path;
	q.region_prefix = "11";
	EXPECT_LIST(s, &q, "p01,p05,p07,p11,p13,p17,p19,p23");
	q.limit = 2;
	q.after_id = "p07";
	EXPECT_LIST(s, &q, "p11,p13");
	q.after_id = "p19";
	EXPECT_LIST(s, &q, "p23");
}

/* ---- users and sessions --------------------------------------------- */

static user_t
make_user(const char *username, enum role role)
{
	user_t u;
	memset(&u, 0, sizeof u);
	snprintf(u.username, sizeof u.username, "%s", username);
	u.role = role;
	snprintf(u.password_hash, sizeof u.password_hash,
		 "$argon2id$v=19$m=65536,t=3,p=1$%s", username);
	return u;
}

static void
test_user_insert_get_update(void **state)
{
	store_t *s = FX(state);
	department_t a;
	user_t admin, head, official, staff, got, dup, *list = NULL;
	struct fk_error err;
	int64_t count = -1;
	size_t n = 0;

	a = add_dept(s, "Science", 0);
	add_person(s, "2020001234", a.id, "110108");

	admin = make_user("root", ROLE_ADMIN);
	assert_int_equal(write1(s, S_USER_INSERT, &admin, 0, NULL, &err), 0);
	assert_true(admin.id > 0);
	assert_int_equal(admin.created_at, NOW);
	head = make_user("head", ROLE_DEPT_HEAD);
	head.department_id = a.id;
	assert_int_equal(write1(s, S_USER_INSERT, &head, 0, NULL, &err), 0);
	official = make_user("cdc", ROLE_OFFICIAL);
	snprintf(official.region_prefix, sizeof official.region_prefix, "1101");
	assert_int_equal(write1(s, S_USER_INSERT, &official, 0, NULL, &err), 0);
	staff = make_user("zhangsan", ROLE_STAFF);
	snprintf(staff.person_id, sizeof staff.person_id, "2020001234");
	assert_int_equal(write1(s, S_USER_INSERT, &staff, 0, NULL, &err), 0);
	assert_true(admin.id != head.id && head.id != official.id && official.id != staff.id);

	assert_int_equal(store_user_get(s, head.id, &got), 0);
	assert_string_equal(got.username, "head");
	assert_int_equal(got.role, ROLE_DEPT_HEAD);
	assert_int_equal(got.department_id, a.id);
	assert_string_equal(got.person_id, "");
	assert_string_equal(got.region_prefix, "");
	assert_false(got.disabled);
	assert_string_equal(got.password_hash, head.password_hash);
	assert_int_equal(got.created_at, NOW);

	assert_int_equal(store_user_find(s, "cdc", &got), 0);
	assert_int_equal(got.id, official.id);
	assert_int_equal(got.role, ROLE_OFFICIAL);
	assert_string_equal(got.region_prefix, "1101");
	assert_int_equal(got.department_id, 0);
	assert_int_equal(store_user_find(s, "zhangsan", &got), 0);
	assert_string_equal(got.person_id, "2020001234");
	assert_int_equal(store_user_find(s, "nobody", &got), FK_ENOTFOUND);
	assert_int_equal(store_user_find(s, "ROOT", &got), FK_ENOTFOUND);
	assert_int_equal(store_user_get(s, 9999, &got), FK_ENOTFOUND);

	/* a taken username */
	dup = make_user("root", ROLE_ANALYST);
	assert_int_equal(write1(s, S_USER_INSERT, &dup, 0, NULL, &err), FK_ECONFLICT);
	assert_string_equal(err.field, "username");
	assert_int_equal(store_user_find(s, "root", &got), 0);
	assert_int_equal(got.role, ROLE_ADMIN);

	assert_int_equal(store_user_count(s, &count), 0);
	assert_int_equal(count, 4);
	assert_int_equal(store_user_list(s, &list, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].username, "cdc"); /* by username */
	assert_string_equal(list[1].username, "head");
	assert_string_equal(list[2].username, "root");
	assert_string_equal(list[3].username, "zhangsan");
	free(list);

	/* disable, re-role and re-scope */
	got = official;
	got.role = ROLE_ANALYST;
	got.region_prefix[0] = '\0';
	got.disabled = true;
	snprintf(got.password_hash, sizeof got.password_hash, "$argon2id$new");
	assert_int_equal(write1(s, S_USER_UPDATE, &got, 0, NULL, &err), 0);
	assert_int_equal(store_user_get(s, official.id, &got), 0);
	assert_int_equal(got.role, ROLE_ANALYST);
	assert_true(got.disabled);
	assert_string_equal(got.region_prefix, "");
	assert_string_equal(got.password_hash, "$argon2id$new");
	assert_string_equal(got.username, "cdc");

	got.id = 9999;
	assert_int_equal(write1(s, S_USER_UPDATE, &got, 0, NULL, &err), FK_ENOTFOUND);
}

static session_t
make_session(uint8_t seed, int64_t user_id, int64_t expires_at)
{
	session_t se;
	memset(&se, 0, sizeof se);
	for (int i = 0; i < SESSION_HASH_LEN; i++)
		se.token_hash[i] = (uint8_t)(seed * 31 + i);
	se.user_id = user_id;
	snprintf(se.csrf, sizeof se.csrf, "csrf-%u-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		 (unsigned)seed);
	snprintf(se.address, sizeof se.address, "192.0.2.%u", (unsigned)seed);
	se.created_at = NOW;
	se.expires_at = expires_at;
	return se;
}

static void
test_session_lifecycle(void **state)
{
	store_t *s = FX(state);
	user_t alice, bob;
	session_t s1, s2, s3, sb, got;
	struct fk_error err;
	uint8_t unknown[SESSION_HASH_LEN] = {0};

	alice = make_user("alice", ROLE_ADMIN);
	bob = make_user("bob", ROLE_ANALYST);
	assert_int_equal(write1(s, S_USER_INSERT, &alice, 0, NULL, &err), 0);
	assert_int_equal(write1(s, S_USER_INSERT, &bob, 0, NULL, &err), 0);

	s1 = make_session(1, alice.id, NOW + 3600);
	s2 = make_session(2, alice.id, NOW + 60);
	s3 = make_session(3, alice.id, NOW + 7200);
	sb = make_session(4, bob.id, NOW + 3600);
	{
		struct step steps[] = {
			{.kind = S_SESSION_INSERT, .obj = &s1},
			{.kind = S_SESSION_INSERT, .obj = &s2},
			{.kind = S_SESSION_INSERT, .obj = &s3},
			{.kind = S_SESSION_INSERT, .obj = &sb},
		};
		assert_int_equal(write_steps(s, steps, ARRAY_LEN(steps), &err), 0);
	}

	memset(&got, 0, sizeof got);
	assert_int_equal(store_session_get(s, s1.token_hash, NOW, &got), 0);
	assert_memory_equal(got.token_hash, s1.token_hash, SESSION_HASH_LEN);
	assert_int_equal(got.user_id, alice.id);
	assert_string_equal(got.csrf, s1.csrf);
	assert_string_equal(got.address, "192.0.2.1");
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(got.expires_at, NOW + 3600);
	assert_int_equal(store_session_get(s, unknown, NOW, &got), FK_ENOTFOUND);

	/* expiry: valid until the second before expires_at */
	assert_int_equal(store_session_get(s, s2.token_hash, NOW + 59, &got), 0);
	assert_int_equal(store_session_get(s, s2.token_hash, NOW + 60, &got), FK_ENOTFOUND);
	assert_int_equal(store_session_get(s, s2.token_hash, NOW + 61, &got), FK_ENOTFOUND);

	/* purge removes what has expired, and only that */
	assert_int_equal(write1(s, S_SESSION_PURGE, NULL, NOW + 60, NULL, &err), 0);
	assert_int_equal(store_session_get(s, s2.token_hash, NOW, &got), FK_ENOTFOUND);
	assert_int_equal(store_session_get(s, s1.token_hash, NOW, &got), 0);

	/* logout */
	assert_int_equal(write1(s, S_SESSION_DELETE, s1.token_hash, 0, NULL, &err), 0);
	assert_int_equal(store_session_get(s, s1.token_hash, NOW, &got), FK_ENOTFOUND);
	assert_int_equal(store_session_get(s, s3.token_hash, NOW, &got), 0);

	/* every session of a user (password change): not other users' */
	s1 = make_session(5, alice.id, NOW + 3600);
	assert_int_equal(write1(s, S_SESSION_INSERT, &s1, 0, NULL, &err), 0);
	assert_int_equal(write1(s, S_SESSION_DELETE_USER, NULL, alice.id, NULL, &err), 0);
	assert_int_equal(store_session_get(s, s1.token_hash, NOW, &got), FK_ENOTFOUND);
	assert_int_equal(store_session_get(s, s3.token_hash, NOW, &got), FK_ENOTFOUND);
	assert_int_equal(store_session_get(s, sb.token_hash, NOW, &got), 0);
	assert_int_equal(got.user_id, bob.id);

	/* a session for a user that does not exist is refused */
	s1 = make_session(6, 9999, NOW + 3600);
	assert_true(write1(s, S_SESSION_INSERT, &s1, 0, NULL, &err) != 0);
	assert_int_equal(store_session_get(s, s1.token_hash, NOW, &got), FK_ENOTFOUND);
}

/* ---- audit ------------------------------------------------------------ */

static void
test_audit_append_list_order_paging(void **state)
{
	store_t *s = FX(state);
	audit_entry_t *list = NULL;
	struct fk_error err;
	size_t n = 0;
	int64_t before = 0;
	int next = 25;

	for (int i = 1; i <= 25; i++) {
		audit_entry_t a;
		memset(&a, 0, sizeof a);
		a.at = NOW + i;
		a.user_id = i % 5 == 0 ? 0 : 7;
		snprintf(a.username, sizeof a.username, "%s", a.user_id ? "root" : "cli");
		snprintf(a.role, sizeof a.role, "admin");
		snprintf(a.address, sizeof a.address, "%s", a.user_id ? "192.0.2.7" : "cli");
		snprintf(a.action, sizeof a.action, "%s", i % 2 ? "read" : "update");
		snprintf(a.object_type, sizeof a.object_type, "person");
		snprintf(a.object_id, sizeof a.object_id, "o%02d", i);
		snprintf(a.detail, sizeof a.detail, "entry %d", i);
		assert_int_equal(write1(s, S_AUDIT, &a, 0, NULL, &err), 0);
	}

	/* newest first, ten at a time, each page before the last id seen */
	for (int page = 0; page < 4; page++) {
		size_t want = page < 2 ? 10 : page == 2 ? 5 : 0;
		assert_int_equal(store_audit_list(s, before, 10, &list, &n), 0);
		assert_int_equal(n, want);
		for (size_t i = 0; i < n; i++) {
			char oid[16];
			snprintf(oid, sizeof oid, "o%02d", next);
			assert_string_equal(list[i].object_id, oid);
			assert_int_equal(list[i].at, NOW + next);
			if (i > 0)
				assert_true(list[i].id < list[i - 1].id);
			if (before)
				assert_true(list[i].id < before);
			if (next % 5 == 0) {
				assert_int_equal(list[i].user_id, 0);
				assert_string_equal(list[i].address, "cli");
			} else {
				assert_int_equal(list[i].user_id, 7);
				assert_string_equal(list[i].username, "root");
			}
			assert_string_equal(list[i].action, next % 2 ? "read" : "update");
			assert_string_equal(list[i].object_type, "person");
			assert_string_equal(list[i].role, "admin");
			next--;
		}
		if (n)
			before = list[n - 1].id;
		free(list);
		list = NULL;
	}
	assert_int_equal(next, 0);

	assert_int_equal(store_audit_list(s, 0, 3, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].object_id, "o25");
	assert_string_equal(list[0].detail, "entry 25");
	free(list);
}

/* ---- settings --------------------------------------------------------- */

static void
test_settings_put_get(void **state)
{
	store_t *s = FX(state);
	struct step put = {.kind = S_SETTING, .key = "org.name", .value = "Yanyuan University"};
	struct fk_error err;
	char value[SETTING_VALUE_MAX];

	assert_int_equal(store_setting_get(s, "org.name", value, sizeof value), FK_ENOTFOUND);
	assert_int_equal(write_steps(s, &put, 1, &err), 0);
	assert_int_equal(store_setting_get(s, "org.name", value, sizeof value), 0);
	assert_string_equal(value, "Yanyuan University");
	put.value = "\xe7\x87\x95\xe5\x9b\xad";
	assert_int_equal(write_steps(s, &put, 1, &err), 0);
	assert_int_equal(store_setting_get(s, "org.name", value, sizeof value), 0);
	assert_string_equal(value, "\xe7\x87\x95\xe5\x9b\xad");
	assert_int_equal(store_setting_get(s, "org.other", value, sizeof value), FK_ENOTFOUND);
}

/* ---- write jobs: atomicity -------------------------------------------- */

/* A job that fails after some writes leaves none of them behind. */
static void
test_failed_job_keeps_nothing(void **state)
{
	store_t *s = FX(state);
	department_t a, d;
	person_t p1, p2, dup;
	struct fk_error err;

	a = add_dept(s, "Science", 0);
	add_person(s, "existing", a.id, "110108");
	p1 = make_person("j1", "J1", a.id, "110108");
	p2 = make_person("j2", "J2", a.id, "110108");
	dup = make_person("existing", "Dup", a.id, "110108");
	memset(&d, 0, sizeof d);
	snprintf(d.name, sizeof d.name, "Temporary");

	{
		struct step steps[] = {
			{.kind = S_PERSON_INSERT, .obj = &p1},
			{.kind = S_DEPT_INSERT, .obj = &d},
			{.kind = S_PERSON_INSERT, .obj = &p2},
			{.kind = S_FAIL},
		};
		assert_int_equal(write_steps(s, steps, ARRAY_LEN(steps), &err), FK_EINVAL);
		assert_string_equal(err.field, "test");
	}
	assert_false(person_exists(s, "j1"));
	assert_false(person_exists(s, "j2"));
	assert_int_equal(store_department_find(s, "Temporary", &d), FK_ENOTFOUND);

	{
		struct step steps[] = {
			{.kind = S_PERSON_INSERT, .obj = &p1},
			{.kind = S_PERSON_INSERT, .obj = &dup},
			{.kind = S_PERSON_INSERT, .obj = &p2},
		};
		assert_int_equal(write_steps(s, steps, ARRAY_LEN(steps), &err), FK_ECONFLICT);
		assert_string_equal(err.field, "id");
	}
	assert_false(person_exists(s, "j1"));
	assert_false(person_exists(s, "j2"));
	assert_int_equal(count_people(s), 1);

	/* the writer is healthy afterwards */
	{
		struct step steps[] = {
			{.kind = S_PERSON_INSERT, .obj = &p1},
			{.kind = S_PERSON_INSERT, .obj = &p2},
		};
		assert_int_equal(write_steps(s, steps, ARRAY_LEN(steps), &err), 0);
	}
	assert_true(person_exists(s, "j1"));
	assert_true(person_exists(s, "j2"));
}

/* ---- group commit ----------------------------------------------------- */

/*
 * The gate: a job that holds the writer until `want` other jobs are
 * queued behind it (or 10 s pass), so the next batch deterministically
 * holds several jobs.  It runs on the writer thread and reads the queue
 * depth through store_stats_get(), which takes the store's mutex -- the
 * writer does not hold it while running jobs.
 */
struct gate {
	store_t *s;
	uint64_t want;
	atomic_int running;
	atomic_int opened_full; /* the queue reached `want` */
};

static int
gate_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct gate *g = arg;
	struct timespec pause = {0, 1000000};
	(void)tx;
	(void)err;
	atomic_store(&g->running, 1);
	for (int i = 0; i < 10000; i++) {
		struct store_stats st;
		store_stats_get(g->s, &st);
		if (st.queue_depth >= g->want) {
			atomic_store(&g->opened_full, 1);
			return 0;
		}
		nanosleep(&pause, NULL);
	}
	return 0;
}

static void *
gate_thread(void *arg)
{
	struct gate *g = arg;
	struct fk_error err = {0};
	static int rc;
	rc = store_write(g->s, gate_job, g, &err);
	return &rc;
}

static void
gate_start(struct gate *g, pthread_t *th)
{
	struct timespec pause = {0, 1000000};
	assert_int_equal(pthread_create(th, NULL, gate_thread, g), 0);
	for (int i = 0; i < 10000 && !atomic_load(&g->running); i++)
		nanosleep(&pause, NULL);
	assert_true(atomic_load(&g->running));
}

enum gc_mode {
	GC_OK,        /* insert one person */
	GC_FAIL,      /* insert, then fail on purpose */
	GC_DUPLICATE, /* insert, then insert an existing id */
	GC_TWO_OK,    /* insert two people */
};

struct gc_job {
	char id[PERSON_ID_MAX + 1];
	char id2[PERSON_ID_MAX + 1];
	enum gc_mode mode;
	int64_t dept;
	int rc;
	struct fk_error err;
};

static int
gc_job_fn(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct gc_job *j = arg;
	person_t p = make_person(j->id, j->id, j->dept, "110108");
	int rc = store_tx_person_insert(tx, &p, NOW, err);
	if (rc)
		return rc;
	switch (j->mode) {
	case GC_OK:
		return 0;
	case GC_FAIL:
		return fk_error_set(err, FK_EINVAL, "test", "planned failure");
	case GC_DUPLICATE:
		p = make_person("gc-anchor", "dup", j->dept, "110108");
		return store_tx_person_insert(tx, &p, NOW, err);
	case GC_TWO_OK:
		p = make_person(j->id2, j->id2, j->dept, "310115");
		return store_tx_person_insert(tx, &p, NOW, err);
	}
	return FK_EINVAL;
}

#define GC_THREADS 24
#define GC_JOBS 20

struct gc_worker {
	store_t *s;
	struct gc_job jobs[GC_JOBS];
};

static void *
gc_worker_main(void *arg)
{
	struct gc_worker *w = arg;
	for (int k = 0; k < GC_JOBS; k++) {
		struct gc_job *j = &w->jobs[k];
		j->rc = store_write(w->s, gc_job_fn, j, &j->err);
	}
	return NULL;
}

/* A reader running alongside: every list succeeds and the number of
 * people never goes down (only inserts ever commit). */
struct gc_reader {
	store_t *s;
	atomic_int stop;
	int errors;
	int went_down;
	long lists;
};

static void *
gc_reader_main(void *arg)
{
	struct gc_reader *r = arg;
	size_t last = 0;
	while (!atomic_load(&r->stop)) {
		struct person_query q = {0};
		person_t *arr = NULL;
		size_t n = 0;
		if (store_person_list(r->s, &q, &arr, &n) != 0) {
			r->errors++;
		} else {
			if (n < last)
				r->went_down++;
			last = n;
		}
		free(arr);
		r->lists++;
	}
	return NULL;
}

static void
test_group_commit_failures_isolated(void **state)
{
	store_t *s = FX(state);
	static struct gc_worker workers[GC_THREADS];
	pthread_t th[GC_THREADS], gate_th, reader_th;
	struct gate g = {.s = s, .want = GC_THREADS};
	struct gc_reader reader = {.s = s};
	struct store_stats before, after;
	department_t a;
	size_t expect_rows = 1, ok_jobs = 0;
	person_t *all = NULL;
	size_t n = 0;

	a = add_dept(s, "Science", 0);
	add_person(s, "gc-anchor", a.id, "110108");

	for (int t = 0; t < GC_THREADS; t++) {
		workers[t].s = s;
		for (int k = 0; k < GC_JOBS; k++) {
			struct gc_job *j = &workers[t].jobs[k];
			memset(j, 0, sizeof *j);
			snprintf(j->id, sizeof j->id, "gc-%02d-%02d", t, k);
			snprintf(j->id2, sizeof j->id2, "gc-%02d-%02d-b", t, k);
			j->mode = (enum gc_mode)((t + k) % 4);
			j->dept = a.id;
		}
	}

	store_stats_get(s, &before);
	assert_int_equal(pthread_create(&reader_th, NULL, gc_reader_main, &reader), 0);
	gate_start(&g, &gate_th);
	for (int t = 0; t < GC_THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, gc_worker_main, &workers[t]), 0);
	for (int t = 0; t < GC_THREADS; t++)
		pthread_join(th[t], NULL);
	{
		void *grc = NULL;
		pthread_join(gate_th, &grc);
		assert_int_equal(*(int *)grc, 0);
	}
	atomic_store(&reader.stop, 1);
	pthread_join(reader_th, NULL);
	store_stats_get(s, &after);

	/* every job got the answer its own work deserved */
	for (int t = 0; t < GC_THREADS; t++) {
		for (int k = 0; k < GC_JOBS; k++) {
			struct gc_job *j = &workers[t].jobs[k];
			switch (j->mode) {
			case GC_OK:
			case GC_TWO_OK:
				if (j->rc != 0)
					fail_msg("%s: rc %d (%s)", j->id, j->rc, j->err.message);
				ok_jobs++;
				expect_rows += j->mode == GC_OK ? 1 : 2;
				break;
			case GC_FAIL:
				if (j->rc != FK_EINVAL || strcmp(j->err.field, "test") != 0)
					fail_msg("%s: rc %d field '%s'", j->id, j->rc, j->err.field);
				break;
			case GC_DUPLICATE:
				if (j->rc != FK_ECONFLICT || strcmp(j->err.field, "id") != 0)
					fail_msg("%s: rc %d field '%s'", j->id, j->rc, j->err.field);
				break;
			}
		}
	}
	assert_int_equal(ok_jobs, GC_THREADS * GC_JOBS / 2);

	/* exactly the rows of the jobs that succeeded exist */
	for (int t = 0; t < GC_THREADS; t++) {
		for (int k = 0; k < GC_JOBS; k++) {
			struct gc_job *j = &workers[t].jobs[k];
			bool ok = j->mode == GC_OK || j->mode == GC_TWO_OK;
			if (person_exists(s, j->id) != ok)
				fail_msg("%s (mode %d): present %d, want %d", j->id, j->mode,
					 !ok, ok);
			if (person_exists(s, j->id2) != (j->mode == GC_TWO_OK))
				fail_msg("%s: second row wrong", j->id2);
		}
	}
	assert_int_equal(store_person_list(s, &(struct person_query){0}, &all, &n), 0);
	free(all);
	assert_int_equal(n, expect_rows);

	/* the writer grouped them: a batch held every queued first job */
	assert_true(atomic_load(&g.opened_full));
	assert_int_equal(after.jobs - before.jobs, GC_THREADS * GC_JOBS + 1);
	assert_true(after.batches - before.batches < after.jobs - before.jobs);
	/* batches of more than one job, and at least one of more than 16 */
	assert_true(after.batch_size_le[0] - before.batch_size_le[0] <
		    after.batches - before.batches);
	assert_true(after.batch_size_le[4] - before.batch_size_le[4] <
		    after.batches - before.batches);
	assert_int_equal(after.batch_size_le[STORE_BATCH_BUCKETS - 1], after.batches);
	assert_int_equal(after.failed_commits, 0);
	assert_int_equal(after.queue_depth, 0);

	assert_int_equal(reader.errors, 0);
	assert_int_equal(reader.went_down, 0);
	assert_true(reader.lists > 0);
}

/* batch_max bounds a batch: 12 queued jobs with batch_max 4 commit in
 * batches of at most 4. */
static void
test_group_commit_batch_max(void **state)
{
	struct store_options opt = {.batch_max = 4};
	static struct gc_worker workers[12];
	pthread_t th[12], gate_th;
	struct store_stats before, after;
	char path[512];
	department_t a;
	store_t *s;
	struct gate g;
	(void)state;

	temp_db_path(path, sizeof path);
	s = open_store(path, &opt);
	migrate(s);
	region_fixture(s);
	a = add_dept(s, "Science", 0);

	memset(&g, 0, sizeof g);
	g.s = s;
	g.want = 12;
	for (int t = 0; t < 12; t++) {
		memset(&workers[t], 0, sizeof workers[t]);
		workers[t].s = s;
		for (int k = 0; k < GC_JOBS; k++) {
			snprintf(workers[t].jobs[k].id, sizeof workers[t].jobs[k].id,
				 "bm-%02d-%02d", t, k);
			workers[t].jobs[k].mode = k % 5 == 2 ? GC_FAIL : GC_OK;
			workers[t].jobs[k].dept = a.id;
		}
	}
	store_stats_get(s, &before);
	gate_start(&g, &gate_th);
	for (int t = 0; t < 12; t++)
		assert_int_equal(pthread_create(&th[t], NULL, gc_worker_main, &workers[t]), 0);
	for (int t = 0; t < 12; t++)
		pthread_join(th[t], NULL);
	pthread_join(gate_th, NULL);
	store_stats_get(s, &after);

	assert_true(atomic_load(&g.opened_full));
	/* no batch above 4 ... */
	assert_int_equal(after.batch_size_le[2] - before.batch_size_le[2],
			 after.batches - before.batches);
	/* ... and some of exactly up to 4, more than 1 */
	assert_true(after.batch_size_le[0] - before.batch_size_le[0] <
		    after.batches - before.batches);
	assert_int_equal(after.jobs - before.jobs, 12 * GC_JOBS + 1);
	for (int t = 0; t < 12; t++)
		for (int k = 0; k < GC_JOBS; k++) {
			struct gc_job *j = &workers[t].jobs[k];
			assert_int_equal(j->rc, j->mode == GC_OK ? 0 : FK_EINVAL);
			assert_int_equal(person_exists(s, j->id), j->mode == GC_OK);
		}
	store_close(s);
	fixture_remove_db(path);
}

/* ---- durability and other connections ------------------------------- */

static int64_t
raw_count(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n = -1;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
test_durable_across_close_reopen(void **state)
{
	struct fixture *f = *state;
	store_t *s = f->s;
	department_t a, b, got;
	struct step put = {.kind = S_SETTING, .key = "org.name", .value = "Yanyuan"};
	struct fk_error err;
	user_t u;
	char value[SETTING_VALUE_MAX];
	int from = -1, to = -1, latest = -1, current = -1;
	int64_t n = -1;

	a = add_dept(s, "Science", 0);
	b = add_dept(s, "Physics", a.id);
	add_person(s, "p1", b.id, "110108");
	add_person(s, "p2", a.id, "310115");
	u = make_user("root", ROLE_ADMIN);
	assert_int_equal(write1(s, S_USER_INSERT, &u, 0, NULL, &err), 0);
	assert_int_equal(write_steps(s, &put, 1, &err), 0);

	/* acknowledged means committed: another connection sees it now */
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM people"), 2);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM users"), 1);

	store_close(s);
	f->s = NULL;
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM departments"), 2);

	f->s = s = open_store(f->path, NULL);
	assert_int_equal(store_schema_version(s, &current, &latest), 0);
	assert_int_equal(current, latest);
	assert_int_equal(store_migrate(s, &from, &to, &err), 0);
	assert_int_equal(from, latest);
	assert_int_equal(to, latest);

	assert_true(person_exists(s, "p1"));
	assert_true(person_exists(s, "p2"));
	assert_int_equal(count_people(s), 2);
	assert_int_equal(store_department_get(s, b.id, &got), 0);
	assert_string_equal(got.path, b.path);
	assert_int_equal(store_user_find(s, "root", &u), 0);
	assert_int_equal(store_setting_get(s, "org.name", value, sizeof value), 0);
	assert_string_equal(value, "Yanyuan");
	assert_int_equal(store_region_count(s, &n), 0);
	assert_int_equal(n, (int64_t)ARRAY_LEN(fixture_regions));

	/* and it keeps taking writes */
	add_person(s, "p3", a.id, "110105");
	assert_int_equal(count_people(s), 3);
}

/* Two stores on one file (the CLI writing while the server runs): each
 * sees what the other committed. */
static void
test_two_stores_one_file(void **state)
{
	struct fixture *f = *state;
	store_t *other = open_store(f->path, NULL);
	department_t a;

	a = add_dept(f->s, "Science", 0);
	add_person(f->s, "from-first", a.id, "110108");
	assert_true(person_exists(other, "from-first"));

	add_person(other, "from-second", a.id, "310115");
	assert_true(person_exists(f->s, "from-second"));
	assert_int_equal(count_people(f->s), 2);
	assert_int_equal(count_people(other), 2);
	store_close(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_fresh_database, setup_empty, teardown),
		cmocka_unit_test(test_migrate_refuses_newer_schema),
		cmocka_unit_test(test_open_rejects_bad_locations),
		cmocka_unit_test(test_open_location_reads_see_writes),
		cmocka_unit_test_setup_teardown(test_region_put_get, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_region_exists_in_job, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_department_tree_paths, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_department_insert_refusals, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_department_rename_keeps_path, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_department_move_subtree, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_department_cycle_rejected, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_department_delete, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_person_insert_get, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_person_duplicate_id_conflict, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_person_insert_missing_reference_not_blamed_on_id,
						setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_person_update_delete, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_person_list_filters, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_person_list_keyset_paging, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_user_insert_get_update, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_session_lifecycle, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_audit_append_list_order_paging, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_settings_put_get, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_failed_job_keeps_nothing, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_failures_isolated, setup_migrated, teardown),
		cmocka_unit_test(test_group_commit_batch_max),
		cmocka_unit_test_setup_teardown(test_durable_across_close_reopen, setup_migrated, teardown),
		cmocka_unit_test_setup_teardown(test_two_stores_one_file, setup_migrated, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_exports.c -- unit tests for the daily table (app_export_daily):
 * by person and by department, CSV and XLSX, scope, refusals and the
 * audit of every exported person.
 *
 * One demo database is made for the whole group under $FANGKONG_TEST_TMP
 * (default /tmp): the demo institute (300 people, 8 departments, one
 * login per role) plus a handful of reports for 2020-02-10..12 sent by
 * the office login:
 *
 *   A = P0001 (病原学研究组, under 科研一部)  green on all three days
 *   B = a second person under 科研一部       green 02-10, red 02-11
 *                                            (fever 38.2), nothing 02-12
 *   C = a person outside 科研一部            02-10 in Hubei, 02-11 in
 *                                            another province, 02-12
 *                                            yellow (37.5)
 *   D = a third person under 科研一部        never reports
 *
 * The tests read the files back as a user would (CSV parsed with
 * libcsv, XLSX unzipped) and check what an office would notice: rows,
 * statuses, counts, who is in the table, and the audit log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "app/app_impl.h"
#include "core/date.h"

#define DAYS 3
#define PERSON_COLS 14
#define DEPT_COLS 11

/* ---- the shared demo database --------------------------------------------- */

struct world {
	char path[512];
	char tmpdir[512];       /* TMPDIR for the XLSX temporary files */
	app_t *app;
	actor_t office, head, staff, analyst, official, admin, cli;
	int32_t from, to;       /* 2020-02-10, 2020-02-12 */
	person_t a, b, c, d;    /* see the file comment */
	char head_path[256];    /* 科研一部's path */
};

static struct world W;

static void
mkdir_p(const char *dir)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(buf, 0777);
			*p = '/';
		}
	}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		fail_msg("cannot create %s: %s", buf, strerror(errno));
}

static void
remove_db(const char *path)
{
	char buf[600];
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(buf, sizeof buf, "%s%s", path, suffix[i]);
		(void)unlink(buf);
	}
}

static void
login(const char *user, const char *password, actor_t *out)
{
	char token[APP_TOKEN_LEN + 1], csrf[SESSION_CSRF_LEN + 1];
	struct fk_error err = {0};
	int retry = 0;
	int rc = app_login(W.app, user, password, "127.0.0.1", token, csrf, out, &retry, &err);
	if (rc)
		fail_msg("login %s: %d %s", user, rc, err.message);
}

static int32_t
day(const char *s)
{
	int32_t d = 0;
	if (date_parse(s, &d))
		fail_msg("bad date %s", s);
	return d;
}

/* Send one report as the office. */
static void
submit(const person_t *p, const char *date, int temp_dc, unsigned symptoms, const char *region)
{
	report_t r;
	struct report_result res;
	struct fk_error err = {0};
	int rc;

	memset(&r, 0, sizeof r);
	snprintf(r.person_id, sizeof r.person_id, "%s", p->id);
	r.date = day(date);
	r.temp_dc = temp_dc;
	r.symptoms = symptoms;
	snprintf(r.region_code, sizeof r.region_code, "%s", region);
	r.location = LOC_HOME;
	r.exposure = EXP_NONE;
	rc = app_report_submit(W.app, &W.office, &r, true, &res, &err);
	if (rc)
		fail_msg("submit %s %s: %d %s (%s)", p->id, date, rc, err.message, err.field);
}

static int
group_setup(void **state)
{
	const char *dir = getenv("FANGKONG_TEST_TMP");
	struct app_options opt = {.pwhash_ops = 1, .pwhash_mem = 8192};
	struct fk_error err = {0};
	department_t head_dept;
	person_t *people = NULL;
	size_t n = 0;
	int rc;

	(void)state;
	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	mkdir_p(dir);
	snprintf(W.path, sizeof W.path, "%s/fk-test-exports-%ld.db", dir, (long)getpid());
	remove_db(W.path);
	snprintf(W.tmpdir, sizeof W.tmpdir, "%s/fk-test-exports-%ld.tmp", dir, (long)getpid());
	mkdir_p(W.tmpdir);
	/* XLSX temporaries go here, so a test can see none is left behind */
	setenv("TMPDIR", W.tmpdir, 1);

	rc = app_open(W.path, &opt, &W.app, &err);
	if (rc)
		fail_msg("app_open: %d %s", rc, err.message);
	rc = app_demo_create(W.app, &err);
	if (rc)
		fail_msg("app_demo_create: %d %s", rc, err.message);
	app_actor_cli(&W.cli);
	rc = app_setting_put(W.app, &W.cli, "org_region", "110108", &err);
	if (rc)
		fail_msg("org_region: %d %s", rc, err.message);

	login("office", "office-demo-2020", &W.office);
	login("head", "head-demo-2020", &W.head);
	login("staff", "staff-demo-2020", &W.staff);
	login("analyst", "analyst-demo-2020", &W.analyst);
	login("official", "official-demo-2020", &W.official);
	login("admin", "admin-demo-2020", &W.admin);

	rc = store_department_find(app_store(W.app), "科研一部", &head_dept);
	assert_int_equal(rc, 0);
	snprintf(W.head_path, sizeof W.head_path, "%s", head_dept.path);
	assert_string_equal(W.head.dept_path, W.head_path);

	/* pick B, D under 科研一部 and C outside it */
	struct person_query q = {0};
	rc = store_person_list(app_store(W.app), &q, &people, &n);
	assert_int_equal(rc, 0);
	assert_int_equal(n, 300);
	for (size_t i = 0; i < n; i++) {
		char path[256];
		bool inside;
		assert_int_equal(store_person_dept_path(app_store(W.app), people[i].id, path,
							sizeof path), 0);
		inside = strncmp(path, W.head_path, strlen(W.head_path)) == 0;
		if (strcmp(people[i].id, "P0001") == 0)
			W.a = people[i];
		else if (inside && W.b.id[0] == '\0' &&
			 strncmp(people[i].region_code, "42", 2) != 0)
			W.b = people[i];
		else if (inside && W.d.id[0] == '\0')
			W.d = people[i];
		else if (!inside && W.c.id[0] == '\0')
			W.c = people[i];
	}
	free(people);
	assert_string_equal(W.a.id, "P0001");
	assert_true(W.b.id[0] && W.c.id[0] && W.d.id[0]);

	W.from = day("2020-02-10");
	W.to = day("2020-02-12");
	submit(&W.a, "2020-02-10", 365, 0, "110108");
	submit(&W.a, "2020-02-11", 364, 0, "110108");
	submit(&W.a, "2020-02-12", 366, 0, "110108");
	submit(&W.b, "2020-02-10", 366, 0, "110108");
	submit(&W.b, "2020-02-11", 382, SYM_BIT(SYM_FEVER) | SYM_BIT(SYM_COUGH), "110108");
	submit(&W.c, "2020-02-10", 365, 0, "420102");
	submit(&W.c, "2020-02-11", 365, 0, "130102");
	submit(&W.c, "2020-02-12", 375, 0, "110108"); /* first reading over 37.3: yellow */
	return 0;
}

static int
group_teardown(void **state)
{
	DIR *dh;
	struct dirent *e;
	(void)state;
	app_close(W.app);
	remove_db(W.path);
	if ((dh = opendir(W.tmpdir))) {
		while ((e = readdir(dh))) {
			char p[800];
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof p, "%s/%s", W.tmpdir, e->d_name);
			(void)unlink(p);
		}
		closedir(dh);
	}
	(void)rmdir(W.tmpdir);
	/* the workbooks the XLSX tests saved, also when one failed midway */
	for (int i = 0; i < 2; i++) {
		char p[700];
		const char *dir = getenv("FANGKONG_TEST_TMP");
		snprintf(p, sizeof p, "%s/fk-test-exports-%s-%ld.xlsx",
			 dir && dir[0] ? dir : "/tmp", i ? "dept" : "person", (long)getpid());
		(void)unlink(p);
	}
	return 0;
}

/* ---- reading the CSV back -------------------------------------------------- */

struct table {
	char ***rows;    /* rows[i][j], header first */
	size_t *ncols;
	size_t n, cap;
};

static int
table_row(void *ctx, long record, char **fields, size_t n)
{
	struct table *t = ctx;
	(void)record;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = realloc(t->rows, t->cap * sizeof *t->rows);
		t->ncols = realloc(t->ncols, t->cap * sizeof *t->ncols);
		assert_non_null(t->rows);
		assert_non_null(t->ncols);
	}
	t->rows[t->n] = calloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		t->rows[t->n][i] = strdup(fields[i]);
	t->ncols[t->n++] = n;
	return 0;
}

static void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		for (size_t j = 0; j < t->ncols[i]; j++)
			free(t->rows[i][j]);
		free(t->rows[i]);
	}
	free(t->rows);
	free(t->ncols);
	memset(t, 0, sizeof *t);
}

/* Check the CSV conventions (BOM, CRLF only) and parse it. */
static void
parse_csv(const char *csv, size_t len, struct table *t)
{
	struct fk_error err = {0};

	assert_true(len > 3);
	assert_memory_equal(csv, "\xef\xbb\xbf", 3);
	for (size_t i = 0; i < len; i++)
		if (csv[i] == '\n')
			assert_true(i > 0 && csv[i - 1] == '\r');
	assert_true(len >= 2 && csv[len - 2] == '\r' && csv[len - 1] == '\n');
	memset(t, 0, sizeof *t);
	assert_int_equal(app__csv_each(csv, len, table_row, t, &err), 0);
	assert_true(t->n >= 1);
}

/* The row of (date, person id) in a by-person table, or NULL. */
static char **
find_person_row(const struct table *t, const char *date, const char *id)
{
	for (size_t i = 1; i < t->n; i++)
		if (strcmp(t->rows[i][0], date) == 0 && strcmp(t->rows[i][1], id) == 0)
			return t->rows[i];
	return NULL;
}

static size_t
count_people(const char *dept_path)
{
	struct person_query q = {.dept_path = dept_path};
	person_t *p = NULL;
	size_t n = 0;
	assert_int_equal(store_person_list(app_store(W.app), &q, &p, &n), 0);
	free(p);
	return n;
}

/* Audit entries (newest 5000) matching action/object_type/object_id. */
static size_t
count_audit(const char *action, const char *object_type, const char *object_id)
{
	audit_entry_t *e = NULL;
	size_t n = 0, hits = 0;
	assert_int_equal(store_audit_list(app_store(W.app), 0, 5000, &e, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].action, action) == 0 &&
		    strcmp(e[i].object_type, object_type) == 0 &&
		    (object_id == NULL || strcmp(e[i].object_id, object_id) == 0))
			hits++;
	free(e);
	return hits;
}

static int
export(const actor_t *actor, int32_t from, int32_t to, const char *by, const char *format,
       char **out, size_t *len, struct fk_error *err)
{
	return app_export_daily(W.app, actor, from, to, by, format, out, len, err);
}

/* ---- by person, CSV ----------------------------------------------------------- */

static void
test_person_csv_office_sees_everyone_every_day(void **state)
{
	static const char *const header[PERSON_COLS] = {
		"日期 date", "工号 person_id", "姓名 name", "类别 kind", "部门 department",
		"状态 status", "体温 temperature_c", "症状 symptoms", "所在地区 region_code",
		"所在地 place", "所处场所 location", "接触史 exposure", "数据标记 flags",
		"处置措施 actions",
	};
	struct fk_error err = {0};
	struct table t;
	char *out = NULL;
	size_t len = 0, people = count_people(NULL);
	char **row;
	(void)state;

	assert_int_equal(export(&W.office, W.from, W.to, "person", "csv", &out, &len, &err), 0);
	assert_non_null(out);
	parse_csv(out, len, &t);

	assert_int_equal(t.ncols[0], PERSON_COLS);
	for (int i = 0; i < PERSON_COLS; i++)
		assert_string_equal(t.rows[0][i], header[i]);
	/* exactly one row per person per day, in date then id order */
	assert_int_equal(t.n - 1, people * DAYS);
	for (size_t i = 1; i < t.n; i++) {
		assert_int_equal(t.ncols[i], PERSON_COLS);
		if (i > 1) {
			int by_date = strcmp(t.rows[i - 1][0], t.rows[i][0]);
			int by_id = strcmp(t.rows[i - 1][1], t.rows[i][1]);
			assert_true(by_date < 0 || (by_date == 0 && by_id < 0));
		}
	}

	/* B's fever day: red, 38.2, the symptoms in Chinese, fever actions */
	row = find_person_row(&t, "2020-02-11", W.b.id);
	assert_non_null(row);
	assert_string_equal(row[2], W.b.name);
	assert_non_null(strstr(row[4], "科研一部"));
	assert_string_equal(row[5], "红 red");
	assert_string_equal(row[6], "38.2");
	assert_string_equal(row[7], "发热、咳嗽");
	assert_string_equal(row[8], "110108");
	assert_string_equal(row[9], "本市");
	assert_string_equal(row[10], "家中");
	assert_string_equal(row[11], "无");
	assert_non_null(strstr(row[13], "visit_fever_clinic"));
	assert_non_null(strstr(row[13], "stay_home"));
	/* ...and the day before, green */
	row = find_person_row(&t, "2020-02-10", W.b.id);
	assert_non_null(row);
	assert_string_equal(row[5], "绿 green");
	assert_string_equal(row[6], "36.6");
	assert_string_equal(row[7], "");
	/* the day after, nothing reported */
	row = find_person_row(&t, "2020-02-12", W.b.id);
	assert_non_null(row);
	assert_string_equal(row[5], "未报 missing");
	assert_string_equal(row[6], "");

	/* D never reported: missing every day, with name and department */
	for (int d = 0; d < DAYS; d++) {
		char date[DATE_STR_LEN];
		row = find_person_row(&t, date_format(W.from + d, date), W.d.id);
		assert_non_null(row);
		assert_string_equal(row[2], W.d.name);
		assert_string_equal(row[5], "未报 missing");
		assert_string_equal(row[13], "");
	}

	/* C in Hubei, then in another province */
	row = find_person_row(&t, "2020-02-10", W.c.id);
	assert_non_null(row);
	assert_string_equal(row[8], "420102");
	assert_string_equal(row[9], "湖北");
	assert_non_null(strstr(row[13], "stay_in_place"));
	row = find_person_row(&t, "2020-02-11", W.c.id);
	assert_non_null(row);
	assert_string_equal(row[8], "130102");
	assert_string_equal(row[9], "外地");
	row = find_person_row(&t, "2020-02-12", W.c.id);
	assert_non_null(row);
	assert_string_equal(row[5], "黄 yellow");
	assert_string_equal(row[6], "37.5");
	assert_non_null(strstr(row[13], "recheck_temperature"));

	/* A's department is spelled from the root */
	row = find_person_row(&t, "2020-02-12", "P0001");
	assert_non_null(row);
	assert_string_equal(row[4], "科研一部/病原学研究组");
	assert_string_equal(row[5], "绿 green");

	table_free(&t);
	free(out);

	/* every exported person is on record, once for this export */
	assert_int_equal(count_audit("export", "report", W.b.id), 1);
	assert_int_equal(count_audit("export", "report", W.c.id), 1);
	assert_int_equal(count_audit("export", "report", "P0001"), 1);
	assert_int_equal(count_audit("export", "report", NULL), people);
}

static void
test_person_csv_dept_head_sees_only_their_subtree(void **state)
{
	struct fk_error err = {0};
	struct table t;
	char *out = NULL;
	size_t len = 0, subtree = count_people(W.head_path);
	size_t b_before = count_audit("export", "report", W.b.id);
	size_t c_before = count_audit("export", "report", W.c.id);
	(void)state;

	assert_true(subtree > 3 && subtree < count_people(NULL));
	assert_int_equal(export(&W.head, W.from, W.to, "person", "csv", &out, &len, &err), 0);
	parse_csv(out, len, &t);
	assert_int_equal(t.n - 1, subtree * DAYS);
	for (size_t i = 1; i < t.n; i++) {
		assert_int_equal(strncmp(t.rows[i][4], "科研一部", strlen("科研一部")), 0);
		assert_string_not_equal(t.rows[i][1], W.c.id);
	}
	assert_non_null(find_person_row(&t, "2020-02-11", W.b.id));
	assert_string_equal(find_person_row(&t, "2020-02-11", W.b.id)[5], "红 red");
	assert_non_null(find_person_row(&t, "2020-02-10", W.d.id));
	assert_null(find_person_row(&t, "2020-02-10", W.c.id));
	table_free(&t);
	free(out);

	/* the head's read of B is recorded; C was not exported to them */
	assert_int_equal(count_audit("export", "report", W.b.id), b_before + 1);
	assert_int_equal(count_audit("export", "report", W.c.id), c_before);
}

static void
test_other_roles_are_refused(void **state)
{
	const actor_t *refused[] = {&W.staff, &W.analyst, &W.official, &W.admin};
	size_t audit_before = count_audit("export", "report", NULL);
	(void)state;

	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct fk_error err = {0};
		char *out = (char *)"sentinel";
		size_t len = 99;
		int rc = export(refused[i], W.from, W.to, "person", "csv", &out, &len, &err);
		assert_int_equal(rc, FK_EPERM);
		assert_null(out);
		assert_int_equal(len, 0);
		assert_int_equal(export(refused[i], W.from, W.to, "department", "xlsx", &out, &len,
					&err),
				 FK_EPERM);
		assert_null(out);
	}
	assert_int_equal(count_audit("export", "report", NULL), audit_before);
}

static void
test_the_command_line_exports_everything(void **state)
{
	struct fk_error err = {0};
	struct table t;
	char *out = NULL;
	size_t len = 0;
	(void)state;

	assert_int_equal(export(&W.cli, W.to, W.to, "person", "csv", &out, &len, &err), 0);
	parse_csv(out, len, &t);
	assert_int_equal(t.n - 1, count_people(NULL));
	assert_string_equal(find_person_row(&t, "2020-02-12", "P0001")[5], "绿 green");
	table_free(&t);
	free(out);
}

/* ---- by department, CSV ---------------------------------------------------------- */

/* The row of (date, department full name) in a by-department table. */
static char **
find_dept_row(const struct table *t, const char *date, const char *dept)
{
	for (size_t i = 1; i < t->n; i++)
		if (strcmp(t->rows[i][0], date) == 0 && strcmp(t->rows[i][1], dept) == 0)
			return t->rows[i];
	return NULL;
}

/* Full name of a person's department ("科研一部/病原学研究组"). */
static void
full_dept_name(const person_t *p, char *buf, size_t cap)
{
	department_t d, parent;
	assert_int_equal(store_department_get(app_store(W.app), p->department_id, &d), 0);
	if (d.parent_id) {
		assert_int_equal(store_department_get(app_store(W.app), d.parent_id, &parent), 0);
		snprintf(buf, cap, "%s/%s", parent.name, d.name);
	} else {
		snprintf(buf, cap, "%s", d.name);
	}
}

static long
num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	assert_true(end != s && *end == '\0');
	return v;
}

static size_t
people_in_department(int64_t id)
{
	person_t *p = NULL;
	size_t n = 0, k = 0;
	struct person_query q = {0};
	assert_int_equal(store_person_list(app_store(W.app), &q, &p, &n), 0);
	for (size_t i = 0; i < n; i++)
		k += p[i].department_id == id;
	free(p);
	return k;
}

static void
test_department_csv_counts(void **state)
{
	static const char *const header[DEPT_COLS] = {
		"日期 date", "部门 department", "应报人数 people", "已报人数 reported",
		"未报人数 missing", "报告率(%) reporting_rate", "绿 green", "黄 yellow", "红 red",
		"在湖北 in_hubei", "在外地 outside_city",
	};
	struct fk_error err = {0};
	struct table t;
	char *out = NULL, bname[1024], cname[1024];
	size_t len = 0, daily_before = count_audit("export", "daily", NULL);
	size_t report_before = count_audit("export", "report", NULL);
	department_t *depts = NULL;
	size_t ndepts = 0;
	char **row;
	(void)state;

	assert_int_equal(store_department_list(app_store(W.app), &depts, &ndepts), 0);
	free(depts);
	assert_int_equal(export(&W.office, W.from, W.to, "department", "csv", &out, &len, &err), 0);
	parse_csv(out, len, &t);
	assert_int_equal(t.ncols[0], DEPT_COLS);
	for (int i = 0; i < DEPT_COLS; i++)
		assert_string_equal(t.rows[0][i], header[i]);
	assert_int_equal(t.n - 1, ndepts * DAYS);

	/* B's department on 02-11: B red (and A too if they share it) */
	full_dept_name(&W.b, bname, sizeof bname);
	row = find_dept_row(&t, "2020-02-11", bname);
	assert_non_null(row);
	long people = (long)people_in_department(W.b.department_id);
	long reported = 1 + (W.a.department_id == W.b.department_id);
	long red = 1;
	long green = reported - red;
	assert_int_equal(num(row[2]), people);
	assert_int_equal(num(row[3]), reported);
	assert_int_equal(num(row[4]), people - reported);
	{
		char rate[32];
		snprintf(rate, sizeof rate, "%.1f", 100.0 * (double)reported / (double)people);
		assert_string_equal(row[5], rate);
	}
	assert_int_equal(num(row[6]), green);
	assert_int_equal(num(row[7]), 0);
	assert_int_equal(num(row[8]), red);
	assert_int_equal(num(row[9]), 0);
	assert_int_equal(num(row[10]), 0);

	/* C's department: in Hubei on 02-10, outside the city on 02-11 */
	full_dept_name(&W.c, cname, sizeof cname);
	row = find_dept_row(&t, "2020-02-10", cname);
	assert_non_null(row);
	assert_int_equal(num(row[9]), 1);
	assert_int_equal(num(row[10]), 0);
	row = find_dept_row(&t, "2020-02-11", cname);
	assert_non_null(row);
	assert_int_equal(num(row[9]), 0);
	assert_int_equal(num(row[10]), 1);

	/* only A and C (yellow) reported on 02-12 */
	char aname[1024];
	full_dept_name(&W.a, aname, sizeof aname);
	for (size_t i = 1; i < t.n; i++) {
		if (strcmp(t.rows[i][0], "2020-02-12") != 0)
			continue;
		long want = (strcmp(t.rows[i][1], aname) == 0) + (strcmp(t.rows[i][1], cname) == 0);
		assert_int_equal(num(t.rows[i][3]), want);
		assert_int_equal(num(t.rows[i][7]), strcmp(t.rows[i][1], cname) == 0);
		assert_int_equal(num(t.rows[i][8]), 0);
	}
	table_free(&t);
	free(out);

	/* counts only: one entry for the table, none per person */
	assert_int_equal(count_audit("export", "daily", NULL), daily_before + 1);
	assert_int_equal(count_audit("export", "report", NULL), report_before);
}

static void
test_department_csv_dept_head_subtree(void **state)
{
	struct fk_error err = {0};
	struct table t;
	char *out = NULL;
	size_t len = 0;
	(void)state;

	assert_int_equal(export(&W.head, W.from, W.from, "department", "csv", &out, &len, &err), 0);
	parse_csv(out, len, &t);
	/* 科研一部 and its two groups */
	assert_int_equal(t.n - 1, 3);
	assert_string_equal(t.rows[1][1], "科研一部");
	for (size_t i = 1; i < t.n; i++)
		assert_int_equal(strncmp(t.rows[i][1], "科研一部", strlen("科研一部")), 0);
	table_free(&t);
	free(out);
}

/* ---- XLSX ----------------------------------------------------------------------- */

/* Text of one member of a zip file (malloc'd), via unzip or python3. */
static char *
zip_member(const char *zip, const char *member)
{
	char cmd[1400];
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *p;

	if (system("command -v unzip >/dev/null 2>&1") == 0)
		snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s'", zip, member);
	else if (system("command -v python3 >/dev/null 2>&1") == 0)
		snprintf(cmd, sizeof cmd,
			 "python3 -c 'import sys,zipfile; sys.stdout.buffer.write("
			 "zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' '%s' '%s'",
			 zip, member);
	else
		return NULL;
	p = popen(cmd, "r");
	assert_non_null(p);
	for (;;) {
		if (len + 4097 > cap) {
			cap = cap ? cap * 2 : 65536;
			text = realloc(text, cap);
			assert_non_null(text);
		}
		size_t got = fread(text + len, 1, 4096, p);
		len += got;
		if (got == 0)
			break;
	}
	text[len] = '\0';
	assert_int_equal(pclose(p), 0);
	return text;
}

/* Write buf to a file in the scratch directory and return its path. */
static void
save(const char *buf, size_t len, const char *name, char *path, size_t cap)
{
	const char *dir = getenv("FANGKONG_TEST_TMP");
	FILE *f;
	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	snprintf(path, cap, "%s/%s-%ld.xlsx", dir, name, (long)getpid());
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t
files_in(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	assert_non_null(dh);
	while ((e = readdir(dh)))
		n += e->d_name[0] != '.';
	closedir(dh);
	return n;
}

static void
test_person_xlsx(void **state)
{
	struct fk_error err = {0};
	char *out = NULL, *sheet, *styles, path[700];
	char want[400];
	size_t len = 0;
	(void)state;

	assert_int_equal(export(&W.office, W.from, W.to, "person", "xlsx", &out, &len, &err), 0);
	assert_non_null(out);
	assert_true(len > 8000);
	assert_memory_equal(out, "PK\x03\x04", 4);
	/* the temporary file is gone */
	assert_int_equal(files_in(W.tmpdir), 0);

	save(out, len, "fk-test-exports-person", path, sizeof path);
	free(out);
	sheet = zip_member(path, "xl/worksheets/sheet1.xml");
	if (sheet == NULL) {
		unlink(path);
		skip();
	}
	/* title, header, a name, a red status, a missing day */
	assert_non_null(strstr(sheet, "健康日报 2020-02-10 至 2020-02-12 / Daily health report"));
	assert_non_null(strstr(sheet, "工号 person_id"));
	snprintf(want, sizeof want, ">%s<", W.b.name);
	assert_non_null(strstr(sheet, want));
	assert_non_null(strstr(sheet, ">红 red<"));
	assert_non_null(strstr(sheet, ">黄 yellow<"));
	assert_non_null(strstr(sheet, ">未报 missing<"));
	assert_non_null(strstr(sheet, ">科研一部/病原学研究组<"));
	/* frozen below the header, filter over the header and data */
	assert_non_null(strstr(sheet, "ySplit=\"2\""));
	assert_non_null(strstr(sheet, "state=\"frozen\""));
	snprintf(want, sizeof want, "<autoFilter ref=\"A2:N%zu\"", 2 + count_people(NULL) * DAYS);
	assert_non_null(strstr(sheet, want));
	assert_non_null(strstr(sheet, "<cols>"));
	/* the red fill is defined */
	styles = zip_member(path, "xl/styles.xml");
	assert_non_null(styles);
	assert_non_null(strstr(styles, "FFFF7C80"));
	assert_non_null(strstr(styles, "FFFFEB9C"));
	free(styles);
	free(sheet);
	unlink(path);
}

static void
test_department_xlsx(void **state)
{
	struct fk_error err = {0};
	char *out = NULL, *sheet, path[700];
	size_t len = 0;
	(void)state;

	assert_int_equal(export(&W.head, W.from, W.to, "department", "xlsx", &out, &len, &err), 0);
	assert_true(len > 4000);
	assert_memory_equal(out, "PK\x03\x04", 4);
	assert_int_equal(files_in(W.tmpdir), 0);
	save(out, len, "fk-test-exports-dept", path, sizeof path);
	free(out);
	sheet = zip_member(path, "xl/worksheets/sheet1.xml");
	if (sheet == NULL) {
		unlink(path);
		skip();
	}
	assert_non_null(strstr(sheet, "Daily health report by department"));
	assert_non_null(strstr(sheet, ">科研一部/流行病学研究组<"));
	assert_null(strstr(sheet, "研究生部"));
	assert_non_null(strstr(sheet, "<autoFilter ref=\"A2:K11\""));
	free(sheet);
	unlink(path);
}

static void
test_xlsx_failure_returns_nothing_and_records_nothing(void **state)
{
	struct fk_error err = {0};
	char *out = (char *)"sentinel";
	size_t len = 5;
	size_t before = count_audit("export", "report", NULL);
	(void)state;

	/* nowhere to write the workbook: an I/O error, no file, no audit */
	setenv("TMPDIR", "/nonexistent-fangkong-dir", 1);
	int rc = export(&W.office, W.from, W.to, "person", "xlsx", &out, &len, &err);
	setenv("TMPDIR", W.tmpdir, 1);
	assert_int_equal(rc, FK_EIO);
	assert_non_null(strstr(err.message, "temporary file"));
	assert_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(count_audit("export", "report", NULL), before);
}

/* ---- refusals ----------------------------------------------------------------------- */

static void
expect_invalid(int32_t from, int32_t to, const char *by, const char *format, const char *field)
{
	struct fk_error err = {0};
	char *out = (char *)"sentinel";
	size_t len = 7;
	assert_int_equal(export(&W.office, from, to, by, format, &out, &len, &err), FK_EINVAL);
	assert_string_equal(err.field, field);
	assert_true(err.message[0] != '\0');
	assert_null(out);
	assert_int_equal(len, 0);
}

static void
test_bad_arguments_name_the_field(void **state)
{
	size_t reports_before = count_audit("export", "report", NULL);
	size_t daily_before = count_audit("export", "daily", NULL);
	struct fk_error err = {0};
	char *out = NULL;
	size_t len = 0;
	(void)state;

	expect_invalid(W.to, W.from, "person", "csv", "from");
	expect_invalid(W.from, W.from + 366, "department", "csv", "to");
	expect_invalid(date_from_ymd(1899, 12, 31), W.to, "department", "csv", "from");
	expect_invalid(W.from, date_from_ymd(2200, 1, 1), "department", "csv", "to");
	expect_invalid(W.from, W.to, "week", "csv", "by");
	expect_invalid(W.from, W.to, "", "csv", "by");
	expect_invalid(W.from, W.to, NULL, "csv", "by");
	expect_invalid(W.from, W.to, "person", "pdf", "format");
	expect_invalid(W.from, W.to, "person", "CSV", "format");
	expect_invalid(W.from, W.to, "person", NULL, "format");
	/* nothing was exported, so nothing was recorded */
	assert_int_equal(count_audit("export", "report", NULL), reports_before);
	assert_int_equal(count_audit("export", "daily", NULL), daily_before);

	/* 366 days is the most, and is allowed */
	assert_int_equal(export(&W.office, W.from, W.from + 365, "department", "csv", &out, &len,
				&err),
			 0);
	assert_non_null(out);
	free(out);
}

/* ---- text that a spreadsheet would run ------------------------------------------------ */

static void
test_csv_keeps_formulas_as_text(void **state)
{
	struct fk_error err = {0};
	person_t p;
	struct table t;
	char *out = NULL;
	size_t len = 0;
	char **row;
	(void)state;

	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "Z9999");
	snprintf(p.name, sizeof p.name, "=HYPERLINK(\"http://x\",\"y\")");
	p.kind = PERSON_VISITOR;
	p.department_id = W.d.department_id;
	snprintf(p.region_code, sizeof p.region_code, "110108");
	assert_int_equal(app_person_create(W.app, &W.office, &p, &err), 0);

	assert_int_equal(export(&W.office, W.to, W.to, "person", "csv", &out, &len, &err), 0);
	parse_csv(out, len, &t);
	row = find_person_row(&t, "2020-02-12", "Z9999");
	assert_non_null(row);
	assert_string_equal(row[2], "'=HYPERLINK(\"http://x\",\"y\")");
	table_free(&t);
	free(out);

	/* XLSX cells are typed: the name is a string there, unchanged */
	assert_int_equal(export(&W.office, W.to, W.to, "person", "xlsx", &out, &len, &err), 0);
	assert_memory_equal(out, "PK", 2);
	free(out);
}

/* ---- people who move ------------------------------------------------------------ */

static void
test_moved_person_keeps_their_reports(void **state)
{
	struct fk_error err = {0};
	department_t head_dept;
	person_t moved = W.c;
	struct table t;
	char *out = NULL;
	size_t len = 0;
	char **row;
	(void)state;

	/* C joins 科研一部 after reporting from elsewhere */
	assert_int_equal(store_department_find(app_store(W.app), "科研一部", &head_dept), 0);
	moved.department_id = head_dept.id;
	assert_int_equal(app_person_update(W.app, &W.office, &moved, &err), 0);

	assert_int_equal(export(&W.head, W.from, W.to, "person", "csv", &out, &len, &err), 0);
	parse_csv(out, len, &t);
	assert_int_equal(t.n - 1, count_people(W.head_path) * DAYS);
	/* the head sees C's days as reported, as C's history shows them */
	row = find_person_row(&t, "2020-02-10", W.c.id);
	assert_non_null(row);
	assert_string_equal(row[4], "科研一部");
	assert_string_equal(row[9], "湖北");
	row = find_person_row(&t, "2020-02-12", W.c.id);
	assert_non_null(row);
	assert_string_equal(row[5], "黄 yellow");
	/* and the people who really did not report are still missing */
	assert_string_equal(find_person_row(&t, "2020-02-11", W.d.id)[5], "未报 missing");
	assert_string_equal(find_person_row(&t, "2020-02-12", W.b.id)[5], "未报 missing");
	table_free(&t);
	free(out);

	moved = W.c;
	assert_int_equal(app_person_update(W.app, &W.office, &moved, &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_person_csv_office_sees_everyone_every_day),
		cmocka_unit_test(test_person_csv_dept_head_sees_only_their_subtree),
		cmocka_unit_test(test_other_roles_are_refused),
		cmocka_unit_test(test_the_command_line_exports_everything),
		cmocka_unit_test(test_department_csv_counts),
		cmocka_unit_test(test_department_csv_dept_head_subtree),
		cmocka_unit_test(test_person_xlsx),
		cmocka_unit_test(test_department_xlsx),
		cmocka_unit_test(test_xlsx_failure_returns_nothing_and_records_nothing),
		cmocka_unit_test(test_bad_arguments_name_the_field),
		cmocka_unit_test(test_csv_keeps_formulas_as_text),
		cmocka_unit_test(test_moved_person_keeps_their_reports),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

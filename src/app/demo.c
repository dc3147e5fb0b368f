/*
 * demo.c -- app layer: a demo institute for `fangkong init --demo` and
 * `make run`: eight departments, 300 people (staff, students, postdocs,
 * visitors; most in Beijing, some in Hubei, some students at home in
 * other provinces) and one login per role; and, for `make run`, the
 * 2020 case series of Hubei and Beijing, graded.  Deterministic, so a
 * demo looks the same every time.
 */
#include "app_impl.h"
#include "areas.h"
#include "core/date.h"
#include "embedded.h"
#include "series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_PEOPLE 300
#define DEMO_SERIES_FILE "data/demo_series_hubei_beijing.csv"
/* 2020-01-10 .. 2020-12-31, the span of the demo series */
#define DEMO_SERIES_FROM 18271
#define DEMO_SERIES_TO 18627

const struct demo_login app_demo_logins[] = {
	{"admin", "admin-demo-2020", "admin", "manages logins, settings and the audit log"},
	{"office", "office-demo-2020", "office", "the institute's epidemic office"},
	{"head", "head-demo-2020", "dept_head", "head of 科研一部 and its groups"},
	{"staff", "staff-demo-2020", "staff", "a staff member (person P0001)"},
	{"official", "official-demo-2020", "official", "Beijing health official (region 11)"},
	{"analyst", "analyst-demo-2020", "analyst", "analyst: aggregates only"},
	{NULL, NULL, NULL, NULL},
};

static const struct {
	const char *name;
	int parent; /* index into this table, or -1 */
} demo_depts[] = {
	{"所办公室", -1},      /* 0 institute office */
	{"科研一部", -1},      /* 1 */
	{"病原学研究组", 1},   /* 2 */
	{"流行病学研究组", 1}, /* 3 */
	{"科研二部", -1},      /* 4 */
	{"数据分析组", 4},     /* 5 */
	{"研究生部", -1},      /* 6 */
	{"后勤保障部", -1},    /* 7 */
};
#define N_DEPTS (sizeof demo_depts / sizeof demo_depts[0])

static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
	"马", "朱", "胡", "郭", "何", "林", "高", "罗", "郑", "梁", "谢", "宋",
};
static const char *const given[] = {
	"伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟",
	"涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "晓东", "建华", "志强", "海燕",
	"文博", "子涵", "欣怡", "浩然", "思远", "雨桐",
};
static const struct {
	const char *code, *community;
} beijing[] = {
	{"110108", "中关村街道科学院南路社区"},
	{"110108", "海淀街道黄庄社区"},
	{"110105", "望京街道花家地社区"},
	{"110102", "金融街街道丰盛社区"},
	{"110114", "回龙观街道龙泽苑社区"},
};
static const struct {
	const char *code, *community;
} hubei[] = {
	{"420102", "江岸区塔子湖街道"},
	{"420106", "武昌区水果湖街道"},
	{"420111", "洪山区关山街道"},
	{"420502", "宜昌市西陵区"},
	{"421002", "荆州市沙市区"},
	{"421102", "黄冈市黄州区"},
};
static const char *const home_regions[] = {
	"130102", "410105", "510107", "320106", "370102", "430104", "440106", "330106",
	"360103", "500103",
};
#define COUNT(a) (sizeof(a) / sizeof(a)[0])

/* A small deterministic generator (not for secrets). */
static unsigned
next_rand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

static void
demo_person(int i, person_t *p, int *dept)
{
	unsigned s = 2020u + (unsigned)i * 7919u;
	unsigned r = next_rand(&s) % 100;

	memset(p, 0, sizeof *p);
	snprintf(p->id, sizeof p->id, "P%04d", i + 1);
	snprintf(p->name, sizeof p->name, "%s%s", surnames[next_rand(&s) % COUNT(surnames)],
		 given[next_rand(&s) % COUNT(given)]);
	snprintf(p->phone, sizeof p->phone, "13%d%08u", 5 + (int)(next_rand(&s) % 5),
		 (next_rand(&s) * 32768u + next_rand(&s)) % 100000000u);
	if (i == 0) { /* the demo staff login's person: a researcher in Beijing */
		p->kind = PERSON_STAFF;
		*dept = 2;
	} else if (r < 58) {
		p->kind = PERSON_STAFF;
		*dept = (int)(next_rand(&s) % N_DEPTS);
	} else if (r < 84) {
		p->kind = PERSON_STUDENT;
		static const int sd[] = {6, 6, 2, 3, 5};
		*dept = sd[next_rand(&s) % COUNT(sd)];
	} else if (r < 93) {
		p->kind = PERSON_POSTDOC;
		static const int pd[] = {2, 3, 5};
		*dept = pd[next_rand(&s) % COUNT(pd)];
	} else {
		p->kind = PERSON_VISITOR;
		*dept = 1 + (int)(next_rand(&s) % 5);
	}
	r = next_rand(&s) % 100;
	if (i != 0 && r < 7) { /* in Hubei (went home for the new year) */
		unsigned k = next_rand(&s) % COUNT(hubei);
		snprintf(p->region_code, sizeof p->region_code, "%s", hubei[k].code);
		snprintf(p->community, sizeof p->community, "%s", hubei[k].community);
	} else if (i != 0 && r < 17 && p->kind == PERSON_STUDENT) { /* at home elsewhere */
		snprintf(p->region_code, sizeof p->region_code, "%s",
			 home_regions[next_rand(&s) % COUNT(home_regions)]);
	} else {
		unsigned k = i == 0 ? 0 : next_rand(&s) % COUNT(beijing);
		snprintf(p->region_code, sizeof p->region_code, "%s", beijing[k].code);
		snprintf(p->community, sizeof p->community, "%s", beijing[k].community);
	}
}

struct demo_job {
	const actor_t *actor;
	user_t *users;
};

static int
demo_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct demo_job *j = arg;
	int64_t ids[N_DEPTS];
	int64_t now = app_now();
	int rc;

	for (size_t i = 0; i < N_DEPTS; i++) {
		department_t d = {0};
		snprintf(d.name, sizeof d.name, "%s", demo_depts[i].name);
		d.parent_id = demo_depts[i].parent >= 0 ? ids[demo_depts[i].parent] : 0;
		if ((rc = store_tx_department_insert(tx, &d, err)))
			return rc;
		ids[i] = d.id;
	}
	for (int i = 0; i < DEMO_PEOPLE; i++) {
		person_t p;
		int dept;
		demo_person(i, &p, &dept);
		p.department_id = ids[dept];
		if ((rc = person_validate(&p, err)) || (rc = store_tx_person_insert(tx, &p, now, err)))
			return rc;
	}
	for (int i = 0; app_demo_logins[i].username; i++) {
		user_t *u = &j->users[i];
		if (u->role == ROLE_DEPT_HEAD)
			u->department_id = ids[1];
		if ((rc = user_validate(u, err)) || (rc = store_tx_user_insert(tx, u, now, err)))
			return rc;
	}
	if ((rc = store_tx_setting_put(tx, "org_name", "示范研究所", now)) ||
	    (rc = store_tx_setting_put(tx, "org_name_en", "Demo Institute", now)) ||
	    (rc = store_tx_setting_put(tx, "org_region", "110108", now)))
		return fk_error_set(err, rc, "", "cannot store settings");
	rc = app_audit_tx(tx, j->actor, "create", "demo", "", "demo institute");
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

int
app_demo_create(app_t *a, struct fk_error *err)
{
	user_t users[8];
	actor_t cli;
	struct demo_job j = {&cli, users};
	person_t *some = NULL;
	size_t n = 0;
	struct person_query q = {.limit = 1};
	int rc;

	app_actor_cli(&cli);
	rc = store_person_list(a->store, &q, &some, &n);
	free(some);
	if (rc)
		return fk_error_set(err, rc, "db", "cannot read people");
	if (n)
		return fk_error_set(err, FK_ECONFLICT, "db",
				    "the database already holds people; the demo needs an empty one");
	memset(users, 0, sizeof users);
	for (int i = 0; app_demo_logins[i].username; i++) {
		user_t *u = &users[i];
		snprintf(u->username, sizeof u->username, "%s", app_demo_logins[i].username);
		if (role_parse(app_demo_logins[i].role, &u->role))
			return fk_error_set(err, FK_EINVAL, "role", "bad demo role");
		if (u->role == ROLE_STAFF)
			snprintf(u->person_id, sizeof u->person_id, "P0001");
		if (u->role == ROLE_OFFICIAL)
			snprintf(u->region_prefix, sizeof u->region_prefix, "11");
		if (app_password_hash(a, app_demo_logins[i].password, u->password_hash,
				      sizeof u->password_hash))
			return fk_error_set(err, FK_ENOMEM, "", "cannot hash a password");
	}
	return store_write(a->store, demo_job, &j, err);
}

int
app_demo_series(app_t *a, struct series_report *imp, struct grade_report *grade,
		struct fk_error *err)
{
	const struct embedded_file *f = embedded_find(DEMO_SERIES_FILE);
	actor_t cli;
	int rc;

	memset(imp, 0, sizeof *imp);
	memset(grade, 0, sizeof *grade);
	if (f == NULL)
		return fk_error_set(err, FK_ENOTFOUND, "", "%s is not built in", DEMO_SERIES_FILE);
	app_actor_cli(&cli);
	rc = app_series_import(a, &cli, SERIES_CANGHAILAN, NULL, (const char *)f->data, f->size,
			       imp, err);
	if (rc)
		return rc;
	/* the whole of 2020 under the default county rule */
	return app_risk_grade(a, &cli, DEMO_SERIES_FROM, DEMO_SERIES_TO, NULL, NULL, grade, err);
}


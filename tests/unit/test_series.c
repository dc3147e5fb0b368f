/*
 * test_series.c -- unit tests for the case-series import (app/series.c)
 * on small hand-made CSV files: one rule of series.h per test -- first
 * days, gaps, glitches smoothed, revisions standing (and regained),
 * units without a region (prison) converted and reported but not
 * stored, HK/Macau/Taiwan under the province code, municipal districts
 * and counties reported on their own kept apart from their prefecture,
 * cured/dead decreases listed; every kind of bad row reported with its
 * row and column while nothing is stored; the replace over the file's
 * dates; who may import; the JSON report.
 *
 * One migrated database (real region lists) under $FANGKONG_TEST_TMP
 * for the group; each test imports under its own source name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/series.h"
#include "core/date.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct {
	char path[512];
	app_t *app;
	actor_t cli, official, official_11, office;
} W;

#define CANGHAILAN_HEADER "date,province_code,city_code,city,kind,prefecture_code,confirmed," \
	"suspected,cured,dead\n"
#define DXY_HEADER "date,province_code,city_code,city,kind,prefecture_code,confirmed," \
	"suspected,cured,dead,update_time\n"

/* ---- scratch database ----------------------------------------------------- */

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
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char buf[600];
	for (size_t i = 0; i < ARRAY_LEN(suffix); i++) {
		snprintf(buf, sizeof buf, "%s%s", path, suffix[i]);
		(void)unlink(buf);
	}
}

static void
make_actor(actor_t *a, enum role role, const char *name, const char *prefix)
{
	memset(a, 0, sizeof *a);
	a->user.role = role;
	snprintf(a->user.username, sizeof a->user.username, "%s", name);
	snprintf(a->user.region_prefix, sizeof a->user.region_prefix, "%s", prefix);
	snprintf(a->address, sizeof a->address, "127.0.0.1");
}

static int
group_setup(void **state)
{
	const char *dir = getenv("FANGKONG_TEST_TMP");
	struct app_options opt = {.pwhash_ops = 1, .pwhash_mem = 8192};
	struct fk_error err = {0};
	int rc;

	(void)state;
	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	mkdir_p(dir);
	snprintf(W.path, sizeof W.path, "%s/fk-test-series-%ld.db", dir, (long)getpid());
	remove_db(W.path);
	rc = app_open(W.path, &opt, &W.app, &err);
	if (rc)
		fail_msg("app_open: %d %s", rc, err.message);
	app_actor_cli(&W.cli);
	make_actor(&W.official, ROLE_OFFICIAL, "nhc", "");
	make_actor(&W.official_11, ROLE_OFFICIAL, "beijing", "11");
	make_actor(&W.office, ROLE_OFFICE, "office", "");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	app_close(W.app);
	remove_db(W.path);
	return 0;
}

/* ---- helpers -------------------------------------------------------------- */

static int32_t
day(const char *s)
{
	int32_t d = 0;
	if (date_parse(s, &d))
		fail_msg("bad date %s", s);
	return d;
}

static int
import(const actor_t *actor, enum series_format f, const char *source, const char *csv,
       struct series_report *rep, struct fk_error *err)
{
	memset(err, 0, sizeof *err);
	return app_series_import(W.app, actor, f, source, csv, strlen(csv), rep, err);
}

/* Import that must succeed. */
static void
import_ok(enum series_format f, const char *source, const char *csv, struct series_report *rep)
{
	struct fk_error err;
	int rc = import(&W.official, f, source, csv, rep, &err);
	if (rc) {
		for (size_t i = 0; i < rep->n_problems; i++)
			fprintf(stderr, "row %ld %s: %s\n", rep->problems[i].row,
				rep->problems[i].column, rep->problems[i].message);
		fail_msg("import %s: %d %s", source, rc, err.message);
	}
	assert_true(rep->stored);
}

/* The stored new_confirmed of region on date under source, -1 if no row. */
static int
stored(const char *source, const char *region, const char *date)
{
	series_day_t *rows;
	size_t n;
	int v = -1;
	int32_t d = day(date);
	assert_int_equal(store_series_list(app_store(W.app), source, region, d, d, &rows, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].region_code, region) == 0)
			v = rows[i].new_confirmed;
	free(rows);
	return v;
}

static size_t
stored_count(const char *source, const char *prefix)
{
	series_day_t *rows;
	size_t n;
	assert_int_equal(store_series_list(app_store(W.app), source, prefix, 0, 0, &rows, &n), 0);
	free(rows);
	return n;
}

static const struct series_decrease *
find_decrease(const struct series_report *rep, const char *name)
{
	for (size_t i = 0; i < rep->n_decrease_list; i++)
		if (strcmp(rep->decrease_list[i].at.name, name) == 0)
			return &rep->decrease_list[i];
	return NULL;
}

static bool
has_problem(const struct series_report *rep, long row, const char *column)
{
	for (size_t i = 0; i < rep->n_problems; i++)
		if (rep->problems[i].row == row && strcmp(rep->problems[i].column, column) == 0)
			return true;
	return false;
}

/* ---- cumulative -> daily ------------------------------------------------------ */

static const char quirks_csv[] =
	CANGHAILAN_HEADER
	/* Wuhan: first day carries 41; 3 days missing; cured falls 31 -> 25 */
	"2020-01-19,420000,420100,武汉市,prefecture,420100,41,0,2,1\n"
	"2020-01-23,420000,420100,武汉市,prefecture,420100,495,0,31,23\n"
	"2020-01-24,420000,420100,武汉市,prefecture,420100,572,0,25,38\n"
	/* Guiyang: 6 -> 0 -> 0 -> 7, the old level regained after 2 days */
	"2020-02-01,520000,520100,贵阳市,prefecture,520100,6,0,0,0\n"
	"2020-02-02,520000,520100,贵阳市,prefecture,520100,0,0,0,0\n"
	"2020-02-03,520000,520100,贵阳市,prefecture,520100,0,0,0,0\n"
	"2020-02-04,520000,520100,贵阳市,prefecture,520100,7,0,0,0\n"
	/* Suzhou: the one-day glitch 52 -> 2 -> 60 */
	"2020-02-03,320000,320500,苏州市,prefecture,320500,52,0,0,0\n"
	"2020-02-04,320000,320500,苏州市,prefecture,320500,2,0,0,0\n"
	"2020-02-05,320000,320500,苏州市,prefecture,320500,60,0,1,0\n"
	/* HK as one whole-province row; a Beijing district; 邓州 on its own
	 * beside 南阳 (which may include it) */
	"2020-02-06,810000,810000,香港特别行政区,whole_province,,21,0,0,1\n"
	"2020-02-06,110000,110105,朝阳区,county,110000,30,0,0,0\n"
	"2020-02-06,410000,411381,邓州市,county,411300,20,0,0,0\n"
	"2020-02-06,410000,411300,南阳市,prefecture,411300,100,0,0,0\n"
	/* Jingmen revised down 901 -> 794 and stays below */
	"2020-02-19,420000,420800,荆门市,prefecture,420800,901,0,0,0\n"
	"2020-02-20,420000,420800,荆门市,prefecture,420800,794,0,0,0\n"
	"2020-02-21,420000,420800,荆门市,prefecture,420800,800,0,0,0\n"
	/* the Hubei prison system, no region code: 253 -> 0 */
	"2020-02-23,420000,,监狱系统,prison,,253,0,0,0\n"
	"2020-02-24,420000,,监狱系统,prison,,0,0,0,0\n";

static void
test_first_day_and_gap(void **state)
{
	struct series_report rep;
	(void)state;
	import_ok(SERIES_CANGHAILAN, "t-quirks1", quirks_csv, &rep);
	/* the first row carries the cases reported before it */
	assert_int_equal(stored("t-quirks1", "420100", "2020-01-19"), 41);
	/* the day after the gap takes the whole increase; the gap is not filled */
	assert_int_equal(stored("t-quirks1", "420100", "2020-01-20"), -1);
	assert_int_equal(stored("t-quirks1", "420100", "2020-01-22"), -1);
	assert_int_equal(stored("t-quirks1", "420100", "2020-01-23"), 495 - 41);
	assert_int_equal(stored("t-quirks1", "420100", "2020-01-24"), 77);
	assert_int_equal(rep.gaps, 1);
	assert_int_equal(rep.gap_days, 3);
	assert_int_equal(rep.n_gap_list, 1);
	assert_string_equal(rep.gap_list[0].at.region_code, "420100");
	assert_string_equal(rep.gap_list[0].at.province, "湖北省");
	assert_int_equal(rep.gap_list[0].last_present, day("2020-01-19"));
	assert_int_equal(rep.gap_list[0].next_present, day("2020-01-23"));
	assert_int_equal(rep.gap_list[0].missing_days, 3);
	assert_int_equal(rep.gap_list[0].assigned, 454);
	assert_int_equal(rep.gap_list[0].row, 3);
	/* every stored series starts above zero here */
	assert_int_equal(rep.first_day_units, 8);
	assert_int_equal(rep.first_day_cases, 41 + 6 + 52 + 21 + 30 + 20 + 100 + 901);
	series_report_free(&rep);
}

static void
test_glitch_smoothed(void **state)
{
	struct series_report rep;
	const struct series_decrease *d;
	(void)state;
	import_ok(SERIES_CANGHAILAN, "t-quirks2", quirks_csv, &rep);
	/* 52 -> 2 -> 60: 0 on the glitch day, then 60 - 52 */
	assert_int_equal(stored("t-quirks2", "320500", "2020-02-03"), 52);
	assert_int_equal(stored("t-quirks2", "320500", "2020-02-04"), 0);
	assert_int_equal(stored("t-quirks2", "320500", "2020-02-05"), 8);
	d = find_decrease(&rep, "苏州市");
	assert_non_null(d);
	assert_true(d->glitch);
	assert_string_equal(d->what, "confirmed");
	assert_int_equal(d->before, 52);
	assert_int_equal(d->after, 2);
	assert_int_equal(d->next, 60);
	assert_int_equal(d->date, day("2020-02-04"));
	assert_int_equal(d->row, 10);
	assert_int_equal(rep.glitches, 1);
	series_report_free(&rep);
}

static void
test_revisions_stand(void **state)
{
	struct series_report rep;
	const struct series_decrease *d;
	(void)state;
	import_ok(SERIES_CANGHAILAN, "t-quirks3", quirks_csv, &rep);
	/* 901 -> 794 -> 800: the decrease stands, later days count from 794 */
	assert_int_equal(stored("t-quirks3", "420800", "2020-02-19"), 901);
	assert_int_equal(stored("t-quirks3", "420800", "2020-02-20"), 0);
	assert_int_equal(stored("t-quirks3", "420800", "2020-02-21"), 6);
	d = find_decrease(&rep, "荆门市");
	assert_non_null(d);
	assert_false(d->glitch);
	assert_int_equal(d->before, 901);
	assert_int_equal(d->after, 794);
	assert_int_equal(d->next, 800);
	assert_int_equal(d->regained, 0);
	/* 6 -> 0 -> 0 -> 7: not undone the next day, so a revision; the
	 * report says the level came back (those cases count twice) */
	assert_int_equal(stored("t-quirks3", "520100", "2020-02-02"), 0);
	assert_int_equal(stored("t-quirks3", "520100", "2020-02-03"), 0);
	assert_int_equal(stored("t-quirks3", "520100", "2020-02-04"), 7);
	d = find_decrease(&rep, "贵阳市");
	assert_non_null(d);
	assert_false(d->glitch);
	assert_int_equal(d->next, 0);
	assert_int_equal(d->regained, day("2020-02-04"));
	/* four decreases: 苏州 (glitch), 贵阳, 荆门, the prison (revisions) */
	assert_int_equal(rep.decreases, 4);
	assert_int_equal(rep.revisions, 3);
	assert_int_equal(rep.revised_cases, 6 + 107 + 253);
	/* listed by date */
	assert_int_equal(rep.n_decrease_list, 4);
	assert_string_equal(rep.decrease_list[0].at.name, "贵阳市");
	assert_string_equal(rep.decrease_list[3].at.name, "监狱系统");
	series_report_free(&rep);
}

static void
test_units_without_region(void **state)
{
	struct series_report rep;
	const struct series_decrease *d;
	(void)state;
	import_ok(SERIES_CANGHAILAN, "t-quirks4", quirks_csv, &rep);
	/* the prison's drop is converted and reported... */
	d = find_decrease(&rep, "监狱系统");
	assert_non_null(d);
	assert_string_equal(d->at.region_code, "");
	assert_string_equal(d->at.province_code, "420000");
	assert_string_equal(d->at.province, "湖北省");
	assert_int_equal(d->at.kind, SK_PRISON);
	assert_int_equal(d->before, 253);
	assert_int_equal(d->after, 0);
	assert_false(d->glitch);
	/* ...listed as excluded, and nothing is stored for it: not under
	 * a county, not as a Hubei total either */
	assert_int_equal(rep.excluded_units, 1);
	assert_int_equal(rep.excluded_rows, 2);
	assert_int_equal(rep.n_excluded_list, 1);
	assert_string_equal(rep.excluded_list[0].at.name, "监狱系统");
	assert_int_equal(rep.excluded_list[0].last_cumulative, 0);
	assert_int_equal(rep.excluded_list[0].new_total, 253);
	assert_int_equal(stored_count("t-quirks4", "420000"), 0);
	assert_int_equal(stored_count("t-quirks4", "42"), 6); /* Wuhan 3, Jingmen 3 */
	assert_int_equal(rep.kind_rows[SK_PRISON], 2);
	assert_int_equal(rep.kind_units[SK_PRISON], 1);
	/* totals */
	assert_int_equal(rep.rows, 19);
	assert_int_equal(rep.stored_rows, 17);
	assert_int_equal(rep.stored_regions, 8);
	assert_int_equal(rep.stored_new, 572 + 13 + 60 + 21 + 30 + 20 + 100 + 907);
	assert_int_equal(stored_count("t-quirks4", NULL), 17);
	assert_int_equal(rep.from, day("2020-01-19"));
	assert_int_equal(rep.to, day("2020-02-24"));
	series_report_free(&rep);
}

static void
test_kinds_to_regions(void **state)
{
	struct series_report rep;
	(void)state;
	import_ok(SERIES_CANGHAILAN, "t-quirks5", quirks_csv, &rep);
	/* HK's whole-province row is stored under the province code */
	assert_int_equal(stored("t-quirks5", "810000", "2020-02-06"), 21);
	assert_int_equal(rep.whole_province_rows, 1);
	assert_int_equal(rep.n_whole_province_list, 1);
	assert_string_equal(rep.whole_province_list[0].at.region_code, "810000");
	/* a Beijing district is a county of its own */
	assert_int_equal(stored("t-quirks5", "110105", "2020-02-06"), 30);
	/* 邓州 keeps its own series; 南阳 is not given 邓州's cases */
	assert_int_equal(stored("t-quirks5", "411381", "2020-02-06"), 20);
	assert_int_equal(stored("t-quirks5", "411300", "2020-02-06"), 100);
	assert_int_equal(rep.own_counties, 1);
	assert_string_equal(rep.own_county_list[0].at.region_code, "411381");
	assert_int_equal(rep.kind_units[SK_COUNTY], 2);
	/* cured falling is listed, not used */
	assert_int_equal(rep.cured_decreases, 1);
	assert_int_equal(rep.dead_decreases, 0);
	assert_int_equal(rep.n_other_decrease_list, 1);
	assert_string_equal(rep.other_decrease_list[0].what, "cured");
	assert_int_equal(rep.other_decrease_list[0].before, 31);
	assert_int_equal(rep.other_decrease_list[0].after, 25);
	/* largest days: Jingmen's first day, then Wuhan after its gap */
	assert_true(rep.n_largest >= 2);
	assert_string_equal(rep.largest[0].at.region_code, "420800");
	assert_int_equal(rep.largest[0].new_confirmed, 901);
	assert_int_equal(rep.largest[1].new_confirmed, 454);
	series_report_free(&rep);
}

static void
test_dxy_needs_update_time(void **state)
{
	struct series_report rep;
	struct fk_error err;
	static const char ok[] =
		DXY_HEADER
		"2020-02-09,110000,110105,朝阳区,county,110000,25,0,1,0,2020-02-09 20:01:00\n"
		"2020-02-10,110000,110105,朝阳区,county,110000,31,0,1,0,2020-02-10 21:11:03\n";
	static const char no_update[] =
		CANGHAILAN_HEADER "2020-02-09,110000,110105,朝阳区,county,110000,25,0,1,0\n";
	(void)state;
	import_ok(SERIES_DXY, NULL, ok, &rep);
	assert_string_equal(rep.source, "dxy");
	assert_int_equal(stored("dxy", "110105", "2020-02-10"), 6);
	series_report_free(&rep);
	/* a canghailan file given as dxy: its header lacks update_time */
	assert_int_equal(import(&W.official, SERIES_DXY, "t-dxy", no_update, &rep, &err), FK_EINVAL);
	assert_true(has_problem(&rep, 1, "update_time"));
	assert_false(rep.stored);
	assert_int_equal(stored_count("t-dxy", NULL), 0);
	series_report_free(&rep);
	/* and a dxy file given as canghailan */
	assert_int_equal(import(&W.official, SERIES_CANGHAILAN, "t-dxy", ok, &rep, &err),
			 FK_EINVAL);
	assert_true(has_problem(&rep, 1, "update_time"));
	assert_int_equal(stored_count("t-dxy", NULL), 0);
	series_report_free(&rep);
}

/* ---- the plain format ------------------------------------------------------- */

static void
test_plain(void **state)
{
	struct series_report rep;
	struct fk_error err;
	series_day_t *rows;
	size_t n;
	static const char csv[] =
		"region_code,date,note,new_confirmed,new_asymptomatic,new_clusters\n"
		"420106,2020-02-10,ward A,12,3,1\n"
		"420106,2020-02-12,,0,0,0\n"
		"110105,2020-02-11,x,\"4\",0,0\n"
		"420000,2020-02-11,province row,2000,0,0\n";
	static const char minimal[] = "date,region_code,new_confirmed\n2020-03-01,110108,2\n";
	static const char no_header[] = "2020-03-01,110108,2\n";
	(void)state;
	import_ok(SERIES_PLAIN, "t-plain", csv, &rep);
	assert_int_equal(rep.rows, 4);
	assert_int_equal(rep.stored_rows, 4);
	assert_int_equal(rep.stored_regions, 3);
	assert_int_equal(rep.decreases + rep.gaps, 0); /* already daily: no such rules */
	assert_int_equal(store_series_list(app_store(W.app), "t-plain", "420106", 0, 0, &rows, &n),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].date, day("2020-02-10"));
	assert_int_equal(rows[0].new_confirmed, 12);
	assert_int_equal(rows[0].new_clusters, 1);
	assert_int_equal(rows[0].new_asymptomatic, 3);
	assert_int_equal(rows[1].new_confirmed, 0);
	free(rows);
	/* any level: a province row is a province's series */
	assert_int_equal(stored("t-plain", "420000", "2020-02-11"), 2000);
	series_report_free(&rep);

	import_ok(SERIES_PLAIN, "t-plain2", minimal, &rep);
	assert_int_equal(stored("t-plain2", "110108", "2020-03-01"), 2);
	series_report_free(&rep);

	/* the header is required: a first row of data names no column */
	assert_int_equal(import(&W.official, SERIES_PLAIN, "t-plain3", no_header, &rep, &err),
			 FK_EINVAL);
	assert_true(has_problem(&rep, 1, "date"));
	assert_true(has_problem(&rep, 1, "region_code"));
	assert_true(has_problem(&rep, 1, "new_confirmed"));
	series_report_free(&rep);
}

/* ---- bad input: all reported, nothing stored ---------------------------------- */

static void
test_bad_rows_refuse_everything(void **state)
{
	struct series_report rep;
	struct fk_error err;
	static const char before[] =
		"date,region_code,new_confirmed\n2020-02-05,420100,7\n2020-02-20,420100,9\n";
	static const char csv[] =
		CANGHAILAN_HEADER
		"2020-02-30,420000,420100,武汉市,prefecture,420100,1,0,0,0\n"   /* 2 date */
		"2020-02-01,420000,420100,武汉市,prefecture,420100,-5,0,0,0\n"  /* 3 negative */
		"2020-02-01,420000,420800,荆门市,prefecture,420800,5,0,,0\n"    /* 4 empty */
		"2020-02-01,420000,420199,某区,county,420100,5,0,0,0\n"         /* 5 unknown */
		"2020-02-01,220000,220a61,梅河口市,county,220500,5,0,0,0\n"     /* 6 malformed */
		"2020-02-01,320000,420100,武汉市,prefecture,420100,5,0,0,0\n"   /* 7 province */
		"2020-02-01,420000,420500,宜昌市,district,420500,5,0,0,0\n"     /* 8 kind */
		"2020-02-01,420000,420600,襄阳市,prefecture,420600,5\n"         /* 9 columns */
		"2020-02-05,420000,420100,武汉市,prefecture,420100,9,0,0,0\n"   /* 10 good */
		"2020-02-04,420000,420100,武汉市,prefecture,420100,9,0,0,0\n"   /* 11 order */
		"2020-02-05,420000,420100,武汉市,prefecture,420100,9,0,0,0\n"   /* 12 repeat */
		"2020-02-05,420000,420900,孝感市,prefecture,420900,1.5,0,0,0\n" /* 13 number */
		"2020-02-05,420000,,待明确地区,unassigned,,3,0,0,0\n";           /* 14 good */
	static const char plain[] =
		"date,region_code,new_confirmed,new_clusters\n"
		"2020-02-05,420100,7,0\n"
		"2020-02-06,110199,1,0\n"   /* 3 unknown */
		"2020-02-07,420100,,0\n"    /* 4 empty */
		"2020/02/08,420100,1,0\n"   /* 5 date */
		"2020-02-09,420100,1,-1\n"; /* 6 negative clusters */
	(void)state;

	import_ok(SERIES_PLAIN, "t-bad", before, &rep);
	series_report_free(&rep);

	assert_int_equal(import(&W.official, SERIES_CANGHAILAN, "t-bad", csv, &rep, &err),
			 FK_EINVAL);
	assert_false(rep.stored);
	assert_int_equal(rep.n_problems, 11);
	assert_true(has_problem(&rep, 2, "date"));
	assert_true(has_problem(&rep, 3, "confirmed"));
	assert_true(has_problem(&rep, 4, "cured"));
	assert_true(has_problem(&rep, 5, "city_code"));
	assert_true(has_problem(&rep, 6, "city_code"));
	assert_true(has_problem(&rep, 7, "city_code"));
	assert_true(has_problem(&rep, 8, "kind"));
	assert_true(has_problem(&rep, 9, "suspected"));
	assert_true(has_problem(&rep, 11, "date"));
	assert_true(has_problem(&rep, 12, "date"));
	assert_true(has_problem(&rep, 13, "confirmed"));
	assert_false(has_problem(&rep, 10, "date"));
	assert_false(has_problem(&rep, 14, "city_code"));
	assert_non_null(strstr(err.message, "nothing was imported"));
	series_report_free(&rep);

	assert_int_equal(import(&W.official, SERIES_PLAIN, "t-bad", plain, &rep, &err), FK_EINVAL);
	assert_int_equal(rep.n_problems, 4);
	assert_true(has_problem(&rep, 3, "region_code"));
	assert_true(has_problem(&rep, 4, "new_confirmed"));
	assert_true(has_problem(&rep, 5, "date"));
	assert_true(has_problem(&rep, 6, "new_clusters"));
	series_report_free(&rep);

	/* the earlier import is untouched */
	assert_int_equal(stored_count("t-bad", NULL), 2);
	assert_int_equal(stored("t-bad", "420100", "2020-02-05"), 7);

	/* empty, header only */
	assert_int_equal(import(&W.official, SERIES_PLAIN, "t-bad", "", &rep, &err), FK_EINVAL);
	series_report_free(&rep);
	assert_int_equal(import(&W.official, SERIES_PLAIN, "t-bad", "date,region_code,new_confirmed\n",
			        &rep, &err), FK_EINVAL);
	assert_string_equal(err.field, "csv");
	series_report_free(&rep);
	assert_int_equal(stored_count("t-bad", NULL), 2);
}

/* ---- the replace over the file's dates ------------------------------------------ */

static void
test_replace_covers_the_file_dates(void **state)
{
	struct series_report rep;
	static const char first[] = "date,region_code,new_confirmed\n"
				    "2020-02-01,420100,1\n2020-02-05,420100,5\n"
				    "2020-02-09,420100,9\n2020-02-05,110105,50\n";
	static const char second[] = "date,region_code,new_confirmed\n"
				     "2020-02-04,420800,40\n2020-02-06,420800,60\n";
	(void)state;
	import_ok(SERIES_PLAIN, "t-replace", first, &rep);
	series_report_free(&rep);
	import_ok(SERIES_PLAIN, "t-other", second, &rep);
	series_report_free(&rep);
	/* 02-04..02-06 of t-replace replaced by the second file's rows */
	import_ok(SERIES_PLAIN, "t-replace", second, &rep);
	assert_int_equal(rep.from, day("2020-02-04"));
	assert_int_equal(rep.to, day("2020-02-06"));
	series_report_free(&rep);
	assert_int_equal(stored("t-replace", "420100", "2020-02-01"), 1);
	assert_int_equal(stored("t-replace", "420100", "2020-02-05"), -1);
	assert_int_equal(stored("t-replace", "110105", "2020-02-05"), -1);
	assert_int_equal(stored("t-replace", "420100", "2020-02-09"), 9);
	assert_int_equal(stored("t-replace", "420800", "2020-02-06"), 60);
	assert_int_equal(stored_count("t-replace", NULL), 4);
	/* the other source is untouched */
	assert_int_equal(stored_count("t-other", NULL), 2);
}

/* ---- who and which source ------------------------------------------------------------ */

static void
test_who_may_import(void **state)
{
	struct series_report rep;
	struct fk_error err;
	audit_entry_t *audit;
	size_t n;
	bool seen = false;
	static const char csv[] = "date,region_code,new_confirmed\n2020-02-01,110105,1\n";
	(void)state;

	/* the office (and any role but official) may not */
	assert_int_equal(import(&W.office, SERIES_PLAIN, "t-who", csv, &rep, &err), FK_EPERM);
	series_report_free(&rep);
	assert_int_equal(stored_count("t-who", NULL), 0);
	/* the cli may; the import is audited */
	assert_int_equal(import(&W.cli, SERIES_PLAIN, "t-who", csv, &rep, &err), 0);
	series_report_free(&rep);
	assert_int_equal(stored_count("t-who", NULL), 1);
	/* an official of Beijing may: published counts are not scoped */
	assert_int_equal(import(&W.official_11, SERIES_PLAIN, "t-who2", csv, &rep, &err), 0);
	series_report_free(&rep);
	assert_int_equal(stored_count("t-who2", NULL), 1);
	assert_int_equal(store_audit_list(app_store(W.app), 0, 50, &audit, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(audit[i].action, "import") == 0 &&
		    strcmp(audit[i].object_type, "series") == 0 &&
		    strcmp(audit[i].object_id, "t-who") == 0) {
			seen = true;
			assert_non_null(strstr(audit[i].detail, "1 stored"));
		}
	free(audit);
	assert_true(seen);

	/* source names */
	assert_int_equal(import(&W.official, SERIES_PLAIN, "fangkong", csv, &rep, &err), FK_EINVAL);
	assert_string_equal(err.field, "source");
	series_report_free(&rep);
	assert_int_equal(import(&W.official, SERIES_PLAIN, "Bad Name", csv, &rep, &err), FK_EINVAL);
	assert_string_equal(err.field, "source");
	series_report_free(&rep);
	assert_int_equal(import(&W.official, SERIES_PLAIN, NULL, csv, &rep, &err), 0);
	assert_string_equal(rep.source, "plain");
	series_report_free(&rep);
	assert_int_equal(stored_count("plain", NULL), 1);
}

/* ---- JSON ----------------------------------------------------------------------------- */

static void
test_report_json(void **state)
{
	struct series_report rep;
	json_t *j, *items, *e;
	size_t i;
	bool glitch = false, prison = false;
	(void)state;
	import_ok(SERIES_CANGHAILAN, "t-json", quirks_csv, &rep);
	j = series_report_json(&rep);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "from")), "2020-01-19");
	assert_int_equal(json_integer_value(json_object_get(j, "stored_rows")), 17);
	assert_true(json_is_true(json_object_get(j, "stored")));
	items = json_object_get(json_object_get(j, "decreases"), "items");
	assert_int_equal(json_array_size(items), 4);
	json_array_foreach(items, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *res = json_string_value(json_object_get(e, "resolution"));
		if (strcmp(name, "苏州市") == 0) {
			glitch = strcmp(res, "glitch") == 0;
			assert_int_equal(json_integer_value(json_object_get(e, "next")), 60);
		}
		if (strcmp(name, "监狱系统") == 0) {
			prison = strcmp(res, "revision") == 0;
			assert_true(json_is_null(json_object_get(e, "region_code")));
			assert_string_equal(json_string_value(json_object_get(e, "kind")), "prison");
			assert_string_equal(json_string_value(json_object_get(e, "province")),
					    "湖北省");
		}
	}
	assert_true(glitch);
	assert_true(prison);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "gaps"), "days")), 3);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(j, "kinds"), "prison"), "rows")),
			 2);
	assert_int_equal(json_array_size(json_object_get(j, "problems")), 0);
	json_decref(j);
	series_report_free(&rep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_day_and_gap),
		cmocka_unit_test(test_glitch_smoothed),
		cmocka_unit_test(test_revisions_stand),
		cmocka_unit_test(test_units_without_region),
		cmocka_unit_test(test_kinds_to_regions),
		cmocka_unit_test(test_dxy_needs_update_time),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_bad_rows_refuse_everything),
		cmocka_unit_test(test_replace_covers_the_file_dates),
		cmocka_unit_test(test_who_may_import),
		cmocka_unit_test(test_report_json),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * grade.c -- bench: grading every county on every day of a year
 * (RULES.md §4, R4.1) with risk_grade_batch(), beside the same grading
 * as one SQL query in SQLite, in the same run.
 *
 * Layer: tooling (bench/).  Job: build a seeded synthetic series of
 * ~3,000 counties x 366 days with sparse outbreaks, grade it in C
 * (levels only, and with the full grades) and with a window-function
 * query over a table series(region, date, new_confirmed, new_clusters)
 * indexed on (region, date) in an in-memory SQLite database, check that
 * both give the same level for every (county, day), and print the
 * figures as key=value lines for bench/grade.sh, which writes
 * docs/bench.md.  Exits non-zero if the two disagree anywhere.
 *
 *   fk_bench_grade [--regions N] [--days N] [--rounds N] [--sql-rounds N]
 *               [--seed N] [--rule NAME]
 *
 * Only the cumulative rule (county-2020-02) has a SQL twin here.
 */
#include <getopt.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/risk.h"

#define ROUNDS_MAX 101

static uint64_t rng_state;

/* splitmix64: small, seeded, the same on every machine */
static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n) */
static uint32_t
rng_below(uint32_t n)
{
	return (uint32_t)(rng() % n);
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
	double s[ROUNDS_MAX];
	memcpy(s, v, (size_t)n * sizeof *v);
	qsort(s, (size_t)n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void
print_rounds(const char *key, const double *v, int n)
{
	printf("%s=", key);
	for (int i = 0; i < n; i++)
		printf("%s%.2f", i ? " " : "", v[i]);
	printf("\n");
}

/*
 * Sparse outbreaks, seeded: 45% of counties have none; the others have
 * 1-3 outbreaks of 3-45 days, each a daily case count drawn around a
 * size (most small, some in the hundreds), with a cluster reported on
 * about 1 in 12 outbreak days that have cases.  Between outbreaks,
 * about 1 day in 200 has a sporadic case.
 */
static void
synthesise(struct risk_series *s)
{
	for (size_t r = 0; r < s->n_regions; r++) {
		int32_t *conf = s->confirmed + r * (size_t)s->n_days;
		int32_t *clus = s->clusters + r * (size_t)s->n_days;
		int outbreaks = rng_below(100) < 45 ? 0 : 1 + (int)rng_below(3);

		for (int32_t t = 0; t < s->n_days; t++)
			if (rng_below(200) == 0)
				conf[t] = 1;
		for (int o = 0; o < outbreaks; o++) {
			int32_t start = (int32_t)rng_below((uint32_t)s->n_days);
			int32_t length = 3 + (int32_t)rng_below(43);
			uint32_t size = rng_below(10) < 7 ? 1 + rng_below(4) : 5 + rng_below(40);
			for (int32_t t = start; t < start + length && t < s->n_days; t++) {
				uint32_t c = rng_below(3) == 0 ? 0 : rng_below(2 * size + 1);
				conf[t] += (int32_t)c;
				if (c > 0 && rng_below(12) == 0)
					clus[t] += 1;
			}
		}
	}
}

static const char *const grade_sql =
    "SELECT region, date,\n"
    "       CASE WHEN last_new IS NULL OR last_new <= date - ?1 THEN 0\n"
    "            WHEN cumulative > ?2 AND last_cluster > date - ?3 THEN 2\n"
    "            ELSE 1 END AS level\n"
    "FROM (SELECT region, date,\n"
    "             sum(new_confirmed) OVER w AS cumulative,\n"
    "             max(CASE WHEN new_confirmed > 0 THEN date END) OVER w AS last_new,\n"
    "             max(CASE WHEN new_clusters > 0 THEN date END) OVER w AS last_cluster\n"
    "      FROM series\n"
    "      WHERE date BETWEEN ?4 AND ?5\n"
    "      WINDOW w AS (PARTITION BY region ORDER BY date\n"
    "                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))";

static int
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_grade: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return 1;
	}
	return 0;
}

/* Load the series, one row per county and day (zeros included, as the
 * C series holds them). */
static int
sql_load(sqlite3 *db, const struct risk_series *s)
{
	sqlite3_stmt *ins = NULL;
	int rc = 1;

	if (exec(db, "CREATE TABLE series(region INTEGER NOT NULL, date INTEGER NOT NULL, "
		     "new_confirmed INTEGER NOT NULL, new_clusters INTEGER NOT NULL)") ||
	    exec(db, "BEGIN"))
		return 1;
	if (sqlite3_prepare_v2(db, "INSERT INTO series VALUES (?, ?, ?, ?)", -1, &ins, NULL) !=
	    SQLITE_OK)
		goto out;
	/* inserted day-major, so the table's own order is not the index's */
	for (int32_t t = 0; t < s->n_days; t++)
		for (size_t r = 0; r < s->n_regions; r++) {
			size_t i = r * (size_t)s->n_days + (size_t)t;
			sqlite3_bind_int64(ins, 1, (sqlite3_int64)r);
			sqlite3_bind_int(ins, 2, s->first_date + t);
			sqlite3_bind_int(ins, 3, s->confirmed[i]);
			sqlite3_bind_int(ins, 4, s->clusters[i]);
			if (sqlite3_step(ins) != SQLITE_DONE)
				goto out;
			sqlite3_reset(ins);
		}
	if (exec(db, "COMMIT") ||
	    exec(db, "CREATE INDEX series_region_date ON series(region, date)") ||
	    exec(db, "ANALYZE"))
		goto out;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_grade: load: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(ins);
	return rc;
}

/* Run the query once, comparing every row with the C levels.  Returns
 * the rows seen; *mismatches counts disagreements. */
static long
sql_grade(sqlite3_stmt *q, const struct risk_series *s, int32_t from, int32_t to,
	  const uint8_t *levels, long *mismatches, long *first_bad)
{
	const size_t days = (size_t)(to - from + 1);
	long rows = 0;
	int rc;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		sqlite3_int64 region = sqlite3_column_int64(q, 0);
		int32_t date = sqlite3_column_int(q, 1);
		int level = sqlite3_column_int(q, 2);
		rows++;
		if (region < 0 || (size_t)region >= s->n_regions || date < from || date > to ||
		    levels[(size_t)region * days + (size_t)(date - from)] != level) {
			if (*mismatches == 0)
				*first_bad = rows;
			(*mismatches)++;
		}
	}
	if (rc != SQLITE_DONE)
		fprintf(stderr, "bench_grade: query: %s\n", sqlite3_errmsg(sqlite3_db_handle(q)));
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? rows : -1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"regions", required_argument, NULL, 'n'}, {"days", required_argument, NULL, 'd'},
	    {"rounds", required_argument, NULL, 'r'},  {"sql-rounds", required_argument, NULL, 'q'},
	    {"seed", required_argument, NULL, 's'},    {"rule", required_argument, NULL, 'u'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
	};
	long n_regions = 3000, n_days = 366, rounds = 21, sql_rounds = 5;
	unsigned long long seed = 2020;
	const char *rule_name = RISK_RULE_DEFAULT;
	struct risk_rule rule;
	struct risk_series *s = NULL;
	struct fk_error err = {0};
	uint8_t *levels = NULL;
	struct risk_grade *grades = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	double c_ms[ROUNDS_MAX], full_ms[ROUNDS_MAX], sql_ms[ROUNDS_MAX], t0, load_ms;
	long mismatches = 0, first_bad = 0, sql_rows = 0, one_checked = 0;
	long count[RISK_LEVEL_COUNT] = {0}, cells_with_cases = 0, clusters = 0;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': n_regions = strtol(optarg, NULL, 10); break;
		case 'd': n_days = strtol(optarg, NULL, 10); break;
		case 'r': rounds = strtol(optarg, NULL, 10); break;
		case 'q': sql_rounds = strtol(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'u': rule_name = optarg; break;
		case 'h':
			printf("usage: fk_bench_grade [--regions 3000] [--days 366] [--rounds 21] "
			       "[--sql-rounds 5] [--seed 2020] [--rule county-2020-02]\n");
			return 0;
		default: return 2;
		}
	}
	if (n_regions < 1 || n_regions > 100000 || n_days < 1 || n_days > 3660 || rounds < 1 ||
	    rounds > ROUNDS_MAX || sql_rounds < 1 || sql_rounds > ROUNDS_MAX) {
		fprintf(stderr, "bench_grade: regions 1..100000, days 1..3660, rounds 1..%d\n",
			ROUNDS_MAX);
		return 2;
	}
	if (risk_rule_get(rule_name, &rule, &err) || rule.method != RISK_METHOD_CUMULATIVE) {
		fprintf(stderr, "bench_grade: --rule must be a cumulative rule (county-2020-02)\n");
		return 2;
	}

	/* ---- the series -------------------------------------------------------- */
	rng_state = seed;
	if (risk_series_new((size_t)n_regions, date_from_ymd(2020, 1, 1), (int32_t)n_days,
			    RISK_COL_CLUSTERS, &s)) {
		fprintf(stderr, "bench_grade: cannot allocate the series\n");
		return 1;
	}
	synthesise(s);
	const int32_t from = s->first_date, to = s->first_date + (int32_t)n_days - 1;
	const size_t cells = (size_t)n_regions * (size_t)n_days;
	for (size_t i = 0; i < cells; i++) {
		cells_with_cases += s->confirmed[i] > 0;
		clusters += s->clusters[i];
	}
	levels = malloc(cells);
	grades = malloc(cells * sizeof *grades);
	if (levels == NULL || grades == NULL) {
		fprintf(stderr, "bench_grade: out of memory\n");
		goto out;
	}

	/* ---- SQLite: load (not timed against C) ----------------------------------- */
	if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
		fprintf(stderr, "bench_grade: sqlite3_open failed\n");
		goto out;
	}
	t0 = now_ms();
	if (sql_load(db, s))
		goto out;
	load_ms = now_ms() - t0;
	if (sqlite3_prepare_v2(db, grade_sql, -1, &q, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_grade: prepare: %s\n", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int(q, 1, rule.quiet_days);
	sqlite3_bind_int64(q, 2, rule.high_cumulative);
	sqlite3_bind_int(q, 3, rule.window_days);
	sqlite3_bind_int(q, 4, from);
	sqlite3_bind_int(q, 5, to);
	{
		/* the query plan, for the report */
		sqlite3_stmt *plan = NULL;
		char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", grade_sql);
		if (eqp && sqlite3_prepare_v2(db, eqp, -1, &plan, NULL) == SQLITE_OK) {
			sqlite3_bind_int(plan, 1, rule.quiet_days);
			sqlite3_bind_int64(plan, 2, rule.high_cumulative);
			sqlite3_bind_int(plan, 3, rule.window_days);
			sqlite3_bind_int(plan, 4, from);
			sqlite3_bind_int(plan, 5, to);
			while (sqlite3_step(plan) == SQLITE_ROW)
				printf("sql_plan=%s\n", (const char *)sqlite3_column_text(plan, 3));
		}
		sqlite3_finalize(plan);
		sqlite3_free(eqp);
	}

	/* ---- warm-up, then alternating rounds ----------------------------------------- */
	if (risk_grade_batch(s, &rule, from, to, levels, NULL, &err)) {
		fprintf(stderr, "bench_grade: %s\n", err.message);
		goto out;
	}
	for (long i = 0; i < (rounds > sql_rounds ? rounds : sql_rounds); i++) {
		if (i < rounds) {
			t0 = now_ms();
			if (risk_grade_batch(s, &rule, from, to, levels, NULL, &err))
				goto out;
			c_ms[i] = now_ms() - t0;
			t0 = now_ms();
			if (risk_grade_batch(s, &rule, from, to, NULL, grades, &err))
				goto out;
			full_ms[i] = now_ms() - t0;
		}
		if (i < sql_rounds) {
			long bad = 0, first = 0, n;
			t0 = now_ms();
			n = sql_grade(q, s, from, to, levels, &bad, &first);
			sql_ms[i] = now_ms() - t0;
			if (n < 0)
				goto out;
			sql_rows = n;
			mismatches += bad;
			if (bad && !first_bad)
				first_bad = first;
		}
	}

	/* ---- agreement ------------------------------------------------------------------ */
	if (sql_rows != (long)cells) {
		fprintf(stderr, "bench_grade: SQL gave %ld rows, expected %zu\n", sql_rows, cells);
		mismatches++;
	}
	for (size_t i = 0; i < cells; i++) {
		if (grades[i].level != levels[i]) {
			fprintf(stderr, "bench_grade: full grades differ from levels at cell %zu\n",
				i);
			goto out;
		}
		count[levels[i]]++;
	}
	/* the one-region grading on a sample of (county, day) */
	rng_state = seed ^ 0xABCDEF;
	for (int k = 0; k < 2000; k++) {
		size_t r = rng_below((uint32_t)n_regions);
		int32_t t = (int32_t)rng_below((uint32_t)n_days);
		struct risk_grade one;
		if (risk_grade_one(s, r, &rule, from + t, &one, &err) ||
		    one.level != levels[r * (size_t)n_days + (size_t)t]) {
			fprintf(stderr,
				"bench_grade: risk_grade_one differs at region %zu day %d\n", r, t);
			goto out;
		}
		one_checked++;
	}

	printf("regions=%ld\ndays=%ld\ncells=%zu\nseed=%llu\nrule=%s\n", n_regions, n_days, cells,
	       seed, rule.name);
	printf("cells_with_cases=%ld\nclusters=%ld\n", cells_with_cases, clusters);
	printf("low=%ld\nmedium=%ld\nhigh=%ld\n", count[RISK_LOW], count[RISK_MEDIUM],
	       count[RISK_HIGH]);
	printf("rounds=%ld\nsql_rounds=%ld\n", rounds, sql_rounds);
	printf("c_median_ms=%.3f\nc_full_median_ms=%.3f\nsql_median_ms=%.1f\n",
	       median(c_ms, (int)rounds), median(full_ms, (int)rounds),
	       median(sql_ms, (int)sql_rounds));
	print_rounds("c_rounds_ms", c_ms, (int)rounds);
	print_rounds("c_full_rounds_ms", full_ms, (int)rounds);
	print_rounds("sql_rounds_ms", sql_ms, (int)sql_rounds);
	printf("sql_load_ms=%.0f\nsql_rows=%ld\nmismatches=%ld\none_checked=%ld\n", load_ms,
	       sql_rows, mismatches, one_checked);
	printf("sqlite_version=%s\n", sqlite3_libversion());
	printf("series_bytes=%zu\nsql_memory_bytes=%lld\n", cells * sizeof(int32_t) * 2,
	       (long long)sqlite3_memory_used());
	if (mismatches) {
		fprintf(stderr,
			"bench_grade: C and SQL disagree on %ld (county, day) pairs "
			"(first at SQL row %ld)\n",
			mismatches, first_bad);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	sqlite3_close(db);
	free(grades);
	free(levels);
	risk_series_free(s);
	return rc;
}

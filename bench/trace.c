/*
 * trace.c -- benchmark (bench/): the 2-hop contact trace of core/
 * contactgraph beside the same question asked of SQLite, on one
 * synthetic population, in the same run.
 *
 * It generates a seeded population (households of 1-5, workplaces and
 * classes, random community contacts with a few busy "service" people,
 * dates over 60 days, ~10% protected), builds the graph, times the
 * 2-hop trace from random case sources, loads the same exposures into
 * an SQLite file under a temp dir (one transaction, indexed on a and on
 * b), and then, in alternating rounds over the first of the same
 * sources, times the graph, a recursive CTE giving the contact set, and
 * an equivalent query giving the whole answer of cg_trace.  In the first
 * round it checks every SQL answer against the graph's (the set: the
 * same contacts at the same hops; the whole answer: also the same via,
 * exposure and last date) and exits 1 on the first difference.  Then it
 * times cg_add() and cg_compact().
 *
 * Progress goes to stderr; the figures go to stdout as "key=value"
 * lines for bench/trace.sh, which writes them into docs/bench.md.
 *
 *   fk_bench_trace [--people N] [--exposures N] [--cases N]
 *                  [--sql-cases N] [--seed N] [--tmp DIR] [--keep-db]
 *   fk_bench_trace --print-sql     (the SQLite setup and queries, for the record)
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/contactgraph.h"
#include "core/date.h"

#define DAYS 60		/* the exposures span this many days */
#define HOUSEHOLD_MAX 5 /* people per household: 1..5 */
#define GROUP_MIN 5	/* people per workplace or class */
#define GROUP_MAX 60
#define WORK_CONTACTS 4	  /* exposures each person starts at work */
#define HUB_SHARE 100	  /* 1 person in 100 works with the public ... */
#define HUB_PCT 20	  /* ... and is one end of 20% of community contacts */
#define PROTECTED_PCT 10  /* share of exposures with protection on both sides */
#define WARMUP_QUERIES 20 /* untimed traces on other sources, each engine */
#define ADD_EXPOSURES 100000
#define ROUNDS 3 /* graph and SQLite alternate over the SQL sources */

/* ---- small helpers --------------------------------------------------- */

/* The SQLite file and its temp dir, removed at exit (also after a
 * failure) unless --keep-db. */
static char tmp_dir[PATH_MAX];
static char db_path[PATH_MAX + 16];
static bool keep_db;

static void
remove_db(void)
{
	if (keep_db || tmp_dir[0] == '\0')
		return;
	unlink(db_path);
	rmdir(tmp_dir);
}

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "fk_bench_trace: error: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		die("out of memory (%s)", "malloc");
	return p;
}

/* A seeded xorshift64* generator: the same seed, the same population. */
static uint64_t rng;

static uint64_t
rng_next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * UINT64_C(2685821657736338717);
}

/* Uniform in [0, n), n >= 1 (the modulo bias is below 2^-40 here). */
static uint64_t
rng_below(uint64_t n)
{
	return rng_next() % n;
}

/* The id of person i: sparse, as registry ids are. */
static int64_t
person_id(uint64_t i)
{
	return INT64_C(330100000000) + (int64_t)i * 1000 + (int64_t)((i * 7) % 1000);
}

static int
cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

/* Nearest-rank percentile q (0..100) of v[0..n-1], sorted in place; the
 * median of an even count is the mean of the middle two. */
static double
percentile(double *v, size_t n, double q)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	if (q == 50)
		return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	size_t rank = (size_t)((q / 100) * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	return v[(rank > n ? n : rank) - 1];
}

/* ---- the population -------------------------------------------------- */

struct population {
	struct cg_edge *edges;
	size_t n;
	size_t household, work, community, protected;
};

static void
push(struct population *p, size_t cap, uint64_t a, uint64_t b, int32_t first, int32_t last)
{
	if (p->n == cap || a == b)
		return;
	bool prot = rng_below(100) < PROTECTED_PCT;
	p->protected += prot;
	p->edges[p->n] = (struct cg_edge){
	    .subject_a = person_id(a),
	    .subject_b = person_id(b),
	    .exposure_id = (int64_t)p->n + 1, /* = the SQLite rowid */
	    .first_date = first,
	    .last_date = last,
	    .protected = prot,
	};
	p->n++;
}

static void
generate(struct population *p, uint64_t people, size_t exposures, int32_t day0)
{
	uint64_t *perm = xmalloc(people * sizeof *perm);

	p->edges = xmalloc(exposures * sizeof *p->edges);
	p->n = p->household = p->work = p->community = p->protected = 0;

	/* Households: consecutive people, everyone with everyone, all along
	 * (from one of the first days to the last). */
	for (uint64_t i = 0; i < people;) {
		uint64_t size = 1 + rng_below(HOUSEHOLD_MAX);
		if (size > people - i)
			size = people - i;
		int32_t first = day0 + (int32_t)rng_below(3);
		for (uint64_t x = i; x < i + size; x++)
			for (uint64_t y = x + 1; y < i + size; y++)
				push(p, exposures, x, y, first, day0 + DAYS - 1);
		i += size;
	}
	p->household = p->n;

	/* Workplaces and classes: people shuffled into groups of 5..60; each
	 * member has WORK_CONTACTS exposures of 1..10 days to colleagues. */
	for (uint64_t i = 0; i < people; i++)
		perm[i] = i;
	for (uint64_t i = people - 1; i > 0; i--) {
		uint64_t j = rng_below(i + 1), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (uint64_t g = 0; g < people;) {
		uint64_t size = GROUP_MIN + rng_below(GROUP_MAX - GROUP_MIN + 1);
		if (size > people - g)
			size = people - g;
		for (uint64_t m = 0; m < size && size > 1; m++) {
			for (int k = 0; k < WORK_CONTACTS; k++) {
				uint64_t other = rng_below(size - 1);
				if (other >= m)
					other++;
				int32_t first = (int32_t)rng_below(DAYS);
				int32_t last = first + (int32_t)rng_below(10);
				if (last > DAYS - 1)
					last = DAYS - 1;
				push(p, exposures, perm[g + m], perm[g + other], day0 + first,
				     day0 + last);
			}
		}
		g += size;
	}
	p->work = p->n - p->household;

	/* Community: the rest, one or two days each; 1 person in 100 (the
	 * first of the shuffled order: shop and bus staff) is one end of
	 * 20% of them. */
	uint64_t hubs = people / HUB_SHARE ? people / HUB_SHARE : 1;
	while (p->n < exposures) {
		uint64_t a = rng_below(people);
		uint64_t b = rng_below(100) < HUB_PCT ? perm[rng_below(hubs)] : rng_below(people);
		int32_t first = (int32_t)rng_below(DAYS);
		int32_t last = first + (rng_below(5) == 0 && first < DAYS - 1);
		push(p, exposures, a, b, day0 + first, day0 + last);
	}
	p->community = p->n - p->household - p->work;
	free(perm);
}

/* ---- SQLite ---------------------------------------------------------- */

/* The contact set of cg_trace(hops 2), as a recursive CTE: hop 1
 * through unprotected exposures overlapping the window, hop 2 through
 * any unprotected exposure of a hop-1 contact; a subject's hop is the
 * least it is reached at; never the case itself. */
static const char SET_SQL[] =
    "WITH RECURSIVE reach(id, hop) AS (\n"
    "  SELECT ?1, 0\n"
    "  UNION\n"
    "  SELECT CASE WHEN e.a = r.id THEN e.b ELSE e.a END, r.hop + 1\n"
    "    FROM reach AS r JOIN exposures AS e ON e.a = r.id OR e.b = r.id\n"
    "   WHERE r.hop < 2 AND e.protected = 0\n"
    "     AND (r.hop = 1 OR (e.first_date <= ?3 AND e.last_date >= ?2))\n"
    ")\n"
    "SELECT id, min(hop) FROM reach WHERE hop > 0 AND id <> ?1\n"
    " GROUP BY id ORDER BY id";

/* The whole answer of cg_trace(hops 2): each contact once, with the
 * exposure that ends its observation last (latest last_date, then the
 * smallest exposure id, then the smallest via).  The recursive form
 * would walk a hop-1 contact once per exposure that reached it, so the
 * hops are separate CTEs, and a window function picks the exposure. */
static const char FULL_SQL[] =
    "WITH hop1_edges(id, via, exposure_id, last_date) AS (\n"
    "  SELECT CASE WHEN a = ?1 THEN b ELSE a END, ?1, id, last_date FROM exposures\n"
    "   WHERE (a = ?1 OR b = ?1) AND protected = 0\n"
    "     AND first_date <= ?3 AND last_date >= ?2),\n"
    "hop1(id) AS (SELECT DISTINCT id FROM hop1_edges),\n"
    "hop2_edges(id, via, exposure_id, last_date) AS (\n"
    "  SELECT CASE WHEN e.a = h.id THEN e.b ELSE e.a END, h.id, e.id, e.last_date\n"
    "    FROM hop1 AS h JOIN exposures AS e ON e.a = h.id OR e.b = h.id\n"
    "   WHERE e.protected = 0),\n"
    "candidates(id, hop, via, exposure_id, last_date) AS (\n"
    "  SELECT id, 1, via, exposure_id, last_date FROM hop1_edges\n"
    "  UNION ALL\n"
    "  SELECT id, 2, via, exposure_id, last_date FROM hop2_edges\n"
    "   WHERE id <> ?1 AND id NOT IN (SELECT id FROM hop1)),\n"
    "ranked AS (\n"
    "  SELECT *, row_number() OVER (PARTITION BY id\n"
    "           ORDER BY last_date DESC, exposure_id, via) AS rank FROM candidates)\n"
    "SELECT id, hop, via, exposure_id, last_date FROM ranked WHERE rank = 1 ORDER BY id";

static void
sql_check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "fk_bench_trace: sqlite: %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

static void
sql_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "fk_bench_trace: sqlite: %s: %s\n", sql, msg ? msg : "?");
		exit(1);
	}
}

/* The SQLite side, as run (and as --print-sql shows it). */
static const char LOAD_PRAGMAS[] =
    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -524288;";
static const char TABLE_SQL[] =
    "CREATE TABLE exposures (id INTEGER PRIMARY KEY, a INTEGER NOT NULL,\n"
    "  b INTEGER NOT NULL, first_date INTEGER NOT NULL, last_date INTEGER NOT NULL,\n"
    "  protected INTEGER NOT NULL);";
static const char INSERT_SQL[] = "INSERT INTO exposures VALUES (?, ?, ?, ?, ?, ?);";
static const char INDEX_SQL[] = "CREATE INDEX exposures_a ON exposures (a);\n"
				"CREATE INDEX exposures_b ON exposures (b);";
static const char READ_PRAGMAS[] = "PRAGMA mmap_size = 17179869184;";

static void
sql_load(sqlite3 *db, const struct population *p)
{
	sqlite3_stmt *ins = NULL;

	sql_exec(db, LOAD_PRAGMAS);
	sql_exec(db, "BEGIN");
	sql_exec(db, TABLE_SQL);
	sql_check(db, sqlite3_prepare_v2(db, INSERT_SQL, -1, &ins, NULL), "prepare insert");
	for (size_t i = 0; i < p->n; i++) {
		const struct cg_edge *e = &p->edges[i];
		sqlite3_bind_int64(ins, 1, e->exposure_id);
		sqlite3_bind_int64(ins, 2, e->subject_a);
		sqlite3_bind_int64(ins, 3, e->subject_b);
		sqlite3_bind_int(ins, 4, e->first_date);
		sqlite3_bind_int(ins, 5, e->last_date);
		sqlite3_bind_int(ins, 6, e->protected);
		sql_check(db, sqlite3_step(ins), "insert");
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	sql_exec(db, INDEX_SQL);
	sql_exec(db, "COMMIT");
	sql_exec(db, "ANALYZE");
}

/* Print the query plan to stderr (and return its detail lines joined by
 * " | ", in a static buffer) so the record shows which indexes it used. */
static const char *
sql_plan(sqlite3 *db, const char *query, char *plan, size_t plan_size)
{
	sqlite3_stmt *st = NULL;
	size_t len = 0, size = strlen(query) + 32;
	char *sql = xmalloc(size);

	snprintf(sql, size, "EXPLAIN QUERY PLAN %s", query);
	sql_check(db, sqlite3_prepare_v2(db, sql, -1, &st, NULL), "prepare plan");
	plan[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		fprintf(stderr, "  plan: %s\n", detail ? detail : "");
		int w = snprintf(plan + len, plan_size - len, "%s%s", len ? " | " : "",
				 detail ? detail : "");
		if (w > 0 && (size_t)w < plan_size - len)
			len += (size_t)w;
	}
	sqlite3_finalize(st);
	free(sql);
	return plan;
}

/* One subject of an answer, for the comparison. */
struct hit {
	int64_t id;
	int64_t via_id;	     /* full query only */
	int64_t exposure_id; /* full query only */
	int32_t last_date;   /* full query only */
	int hop;
};

static size_t
sql_trace(sqlite3_stmt *st, int64_t src, int32_t from, int32_t to, struct hit **hits, size_t *cap)
{
	size_t n = 0;
	sqlite3_bind_int64(st, 1, src);
	sqlite3_bind_int(st, 2, from);
	sqlite3_bind_int(st, 3, to);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			*hits = realloc(*hits, *cap * sizeof **hits);
			if (*hits == NULL)
				die("out of memory (%s)", "sql hits");
		}
		struct hit *h = &(*hits)[n++];
		h->id = sqlite3_column_int64(st, 0);
		h->hop = sqlite3_column_int(st, 1);
		bool full = sqlite3_column_count(st) == 5;
		h->via_id = full ? sqlite3_column_int64(st, 2) : 0;
		h->exposure_id = full ? sqlite3_column_int64(st, 3) : 0;
		h->last_date = full ? sqlite3_column_int(st, 4) : 0;
	}
	if (rc != SQLITE_DONE)
		die("trace query failed: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
	return n;
}

/* A case: its id and its tracing window, 2 days before onset until
 * isolation 1..7 days after onset (RULES.md R2.1). */
struct case_query {
	int64_t id;
	int32_t from, to;
};

/* Exit 1, saying where, unless SQLite's answer equals the graph's: the
 * same subjects, in the same (id) order, at the same hops -- and, for
 * the full query, through the same via, exposure and last date. */
static void
check_same(const char *which, bool full, const struct case_query *q, const struct hit *hits,
	   size_t n, const cg_trace_result_t *res)
{
	size_t k = 0;
	for (; k < n && k < res->count; k++) {
		const struct hit *h = &hits[k];
		const struct cg_contact *c = &res->contacts[k];
		if (h->id != c->id || h->hop != c->hop)
			break;
		if (full && (h->via_id != c->via_id || h->exposure_id != c->exposure_id ||
			     h->last_date != c->last_date))
			break;
	}
	if (k == n && k == res->count)
		return;
	fprintf(stderr,
		"fk_bench_trace: MISMATCH (%s query) for case %" PRId64 " window [%d, %d]: "
		"SQLite %zu contacts, graph %zu; first difference at %zu:\n",
		which, q->id, (int)q->from, (int)q->to, n, res->count, k);
	if (k < n)
		fprintf(stderr,
			"  SQLite %" PRId64 " hop %d via %" PRId64 " exposure %" PRId64
			" last %d\n",
			hits[k].id, hits[k].hop, hits[k].via_id, hits[k].exposure_id,
			(int)hits[k].last_date);
	if (k < res->count)
		fprintf(stderr,
			"  graph  %" PRId64 " hop %d via %" PRId64 " exposure %" PRId64
			" last %d\n",
			res->contacts[k].id, (int)res->contacts[k].hop, res->contacts[k].via_id,
			res->contacts[k].exposure_id, (int)res->contacts[k].last_date);
	exit(1);
}

/* ---- main ------------------------------------------------------------ */

struct options {
	uint64_t people;
	size_t exposures;
	size_t cases;
	size_t sql_cases;
	uint64_t seed;
	const char *tmp;
	bool keep_db;
};

static uint64_t
parse_count(const char *flag, const char *s, uint64_t min, uint64_t max)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s ? s : "", &end, 10);
	if (s == NULL || errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "fk_bench_trace: %s wants an integer in %" PRIu64 "..%" PRIu64 "\n",
			flag, min, max);
		exit(2);
	}
	return v;
}

static struct options
parse_args(int argc, char **argv)
{
	struct options o = {1000000, 10000000, 1000, 200, 20200123, NULL, false};
	for (int i = 1; i < argc; i++) {
		const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(f, "--people") == 0)
			o.people = parse_count(f, v, 10, 100000000), i++;
		else if (strcmp(f, "--exposures") == 0)
			o.exposures = parse_count(f, v, 10, 1000000000), i++;
		else if (strcmp(f, "--cases") == 0)
			o.cases = parse_count(f, v, 1, 1000000), i++;
		else if (strcmp(f, "--sql-cases") == 0)
			o.sql_cases = parse_count(f, v, 1, 1000000), i++;
		else if (strcmp(f, "--seed") == 0)
			o.seed = parse_count(f, v, 1, UINT64_MAX), i++;
		else if (strcmp(f, "--tmp") == 0 && v)
			o.tmp = v, i++;
		else if (strcmp(f, "--keep-db") == 0)
			o.keep_db = true;
		else if (strcmp(f, "--print-sql") == 0) {
			printf("-- load: one transaction, then the indexes\n%s\nBEGIN;\n%s\n"
			       "%s  -- each exposure, id = exposure_id\n%s\nCOMMIT;\nANALYZE;\n"
			       "-- reads\n%s\n\n"
			       "-- the contact set (recursive CTE); ?1 case, ?2..?3 window\n%s;\n\n"
			       "-- the whole answer of cg_trace\n%s;\n",
			       LOAD_PRAGMAS, TABLE_SQL, INSERT_SQL, INDEX_SQL, READ_PRAGMAS,
			       SET_SQL, FULL_SQL);
			exit(0);
		} else {
			fprintf(stderr,
				"usage: fk_bench_trace [--people N] [--exposures N] [--cases N]\n"
				"                      [--sql-cases N] [--seed N] [--tmp DIR] "
				"[--keep-db]\n"
				"       fk_bench_trace --print-sql\n");
			exit(2);
		}
	}
	if (o.sql_cases > o.cases)
		o.sql_cases = o.cases;
	if (o.cases + WARMUP_QUERIES > o.people)
		die("%s", "--cases plus 20 warm-up sources must not exceed --people");
	return o;
}

int
main(int argc, char **argv)
{
	struct options o = parse_args(argc, argv);
	struct population pop;
	const int32_t day0 = date_from_ymd(2020, 1, 20);
	double t;
	int rc;

	rng = o.seed;
	fprintf(stderr, "trace: generating %" PRIu64 " people, %zu exposures (seed %" PRIu64 ")\n",
		o.people, o.exposures, o.seed);
	t = now_s();
	generate(&pop, o.people, o.exposures, day0);
	double gen_s = now_s() - t;

	fprintf(stderr, "trace: cg_build\n");
	cg_t *g = NULL;
	t = now_s();
	rc = cg_build(pop.edges, pop.n, &g);
	double build_s = now_s() - t;
	if (rc)
		die("cg_build: %s", fk_strerror(rc));
	size_t graph_bytes = cg_memory_bytes(g);

	/* Distinct case sources, then windows; WARMUP_QUERIES more sources
	 * warm each engine up untimed. */
	size_t nq = o.cases + WARMUP_QUERIES;
	struct case_query *q = xmalloc(nq * sizeof *q);
	unsigned char *taken = calloc(o.people, 1);
	if (taken == NULL)
		die("out of memory (%s)", "taken");
	for (size_t i = 0; i < nq; i++) {
		uint64_t k;
		do
			k = rng_below(o.people);
		while (taken[k]);
		taken[k] = 1;
		int32_t onset = day0 + 2 + (int32_t)rng_below(DAYS - 9);
		q[i] =
		    (struct case_query){person_id(k), onset - 2, onset + 1 + (int32_t)rng_below(7)};
	}
	free(taken);
	const struct case_query *warm = q + o.cases;

	/* ---- the graph ---- */
	fprintf(stderr, "trace: %zu graph traces\n", o.cases);
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	double *graph_us = xmalloc(o.cases * sizeof *graph_us);
	double hop1_sum = 0, hop2_sum = 0;
	size_t max_contacts = 0;
	for (size_t i = 0; i < WARMUP_QUERIES; i++)
		(void)!cg_trace(g, warm[i].id, warm[i].from, warm[i].to, 2, &res);
	for (size_t i = 0; i < o.cases; i++) {
		t = now_s();
		rc = cg_trace(g, q[i].id, q[i].from, q[i].to, 2, &res);
		graph_us[i] = (now_s() - t) * 1e6;
		if (rc != 0 && rc != FK_ENOTFOUND)
			die("cg_trace: %s", fk_strerror(rc));
		hop1_sum += (double)res.hop1_count;
		hop2_sum += (double)res.hop2_count;
		if (res.count > max_contacts)
			max_contacts = res.count;
	}

	/* ---- SQLite ---- */
	const char *tmp = o.tmp ? o.tmp : getenv("TMPDIR");
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/fangkong-trace.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("cannot make a temp dir under %s", tmp && *tmp ? tmp : "/tmp");
	snprintf(tmp_dir, sizeof tmp_dir, "%s", dir);
	snprintf(db_path, sizeof db_path, "%s/trace.db", dir);
	keep_db = o.keep_db;
	atexit(remove_db);
	sqlite3 *db = NULL;
	if (sqlite3_open(db_path, &db) != SQLITE_OK)
		die("cannot open %s", db_path);
	fprintf(stderr, "trace: loading %zu exposures into %s\n", pop.n, db_path);
	t = now_s();
	sql_load(db, &pop);
	double load_s = now_s() - t;
	struct stat sb;
	long long db_bytes = stat(db_path, &sb) == 0 ? (long long)sb.st_size : -1;
	/* Reads: the file is in the OS page cache after the load; map it. */
	sql_exec(db, READ_PRAGMAS);
	static char set_plan[1024], full_plan[2048];
	fprintf(stderr, "trace: plan of the set query (recursive CTE)\n");
	sql_plan(db, SET_SQL, set_plan, sizeof set_plan);
	fprintf(stderr, "trace: plan of the full query\n");
	sql_plan(db, FULL_SQL, full_plan, sizeof full_plan);

	sqlite3_stmt *set_st = NULL, *full_st = NULL;
	sql_check(db, sqlite3_prepare_v2(db, SET_SQL, -1, &set_st, NULL), "prepare set query");
	sql_check(db, sqlite3_prepare_v2(db, FULL_SQL, -1, &full_st, NULL), "prepare full query");
	struct hit *hits = NULL;
	size_t hits_cap = 0;

	/* Rounds: the graph over the SQL sources, then each SQL query over
	 * them, each in its own back-to-back loop after WARMUP_QUERIES
	 * untimed traces on other sources, so that each runs with its own
	 * working set warm (caches, page-table entries), as a server doing
	 * only that would -- not in the wake of the other engine's traffic.
	 * Alternating spreads the machine's other load over all three.  The
	 * first round checks every SQL answer against the graph's. */
	fprintf(stderr, "trace: %d rounds of %zu traces on each engine, answers compared\n", ROUNDS,
		o.sql_cases);
	size_t ns = o.sql_cases * ROUNDS;
	double *same_us = xmalloc(ns * sizeof *same_us);
	double *set_ms = xmalloc(ns * sizeof *set_ms);
	double *full_ms = xmalloc(ns * sizeof *full_ms);
	size_t compared_contacts = 0;
	for (int round = 0; round < ROUNDS; round++) {
		for (size_t i = 0; i < WARMUP_QUERIES; i++)
			(void)!cg_trace(g, warm[i].id, warm[i].from, warm[i].to, 2, &res);
		for (size_t i = 0; i < o.sql_cases; i++) {
			t = now_s();
			rc = cg_trace(g, q[i].id, q[i].from, q[i].to, 2, &res);
			same_us[round * o.sql_cases + i] = (now_s() - t) * 1e6;
			if (rc != 0 && rc != FK_ENOTFOUND)
				die("cg_trace: %s", fk_strerror(rc));
		}
		for (int which = 0; which < 2; which++) {
			sqlite3_stmt *st = which ? full_st : set_st;
			double *ms = which ? full_ms : set_ms;
			for (size_t i = 0; i < WARMUP_QUERIES; i++)
				(void)sql_trace(st, warm[i].id, warm[i].from, warm[i].to, &hits,
						&hits_cap);
			for (size_t i = 0; i < o.sql_cases; i++) {
				t = now_s();
				size_t n =
				    sql_trace(st, q[i].id, q[i].from, q[i].to, &hits, &hits_cap);
				ms[round * o.sql_cases + i] = (now_s() - t) * 1e3;
				if (round > 0)
					continue;
				rc = cg_trace(g, q[i].id, q[i].from, q[i].to, 2, &res);
				if (rc != 0 && rc != FK_ENOTFOUND)
					die("cg_trace: %s", fk_strerror(rc));
				check_same(which ? "full" : "set", which, &q[i], hits, n, &res);
				compared_contacts += which ? n : 0;
			}
		}
	}
	sqlite3_finalize(set_st);
	sqlite3_finalize(full_st);
	const char *sqlite_version = sqlite3_libversion();
	sqlite3_close(db);
	if (o.keep_db)
		fprintf(stderr, "trace: kept %s\n", db_path);
	remove_db();
	tmp_dir[0] = '\0';
	free(hits);
	free(pop.edges);

	/* ---- cg_add and cg_compact ---- */
	fprintf(stderr, "trace: %d cg_add, then cg_compact\n", ADD_EXPOSURES);
	t = now_s();
	for (size_t i = 0; i < ADD_EXPOSURES; i++) {
		uint64_t a = rng_below(o.people), b = rng_below(o.people - 1);
		b += b >= a;
		int32_t first = day0 + DAYS + (int32_t)rng_below(7);
		struct cg_edge e = {person_id(a), person_id(b), (int64_t)(pop.n + i + 1),
				    first,	  first,	false};
		rc = cg_add(g, &e);
		if (rc)
			die("cg_add: %s", fk_strerror(rc));
	}
	double add_s = now_s() - t;
	size_t pending = cg_pending_count(g);
	t = now_s();
	rc = cg_compact(g);
	double compact_s = now_s() - t;
	if (rc)
		die("cg_compact: %s", fk_strerror(rc));

	/* ---- figures ---- */
	double *set_ratio = xmalloc(ns * sizeof *set_ratio);
	double *full_ratio = xmalloc(ns * sizeof *full_ratio);
	for (size_t k = 0; k < ns; k++) {
		double us = same_us[k] > 0 ? same_us[k] : 1e-3;
		set_ratio[k] = set_ms[k] * 1e3 / us;
		full_ratio[k] = full_ms[k] * 1e3 / us;
	}
	double g_p50 = percentile(graph_us, o.cases, 50), g_p99 = percentile(graph_us, o.cases, 99),
	       g_max = percentile(graph_us, o.cases, 100);
	double same_p50 = percentile(same_us, ns, 50), same_p99 = percentile(same_us, ns, 99),
	       same_max = percentile(same_us, ns, 100);
	double set_p50 = percentile(set_ms, ns, 50), set_p99 = percentile(set_ms, ns, 99),
	       set_max = percentile(set_ms, ns, 100);
	double full_p50 = percentile(full_ms, ns, 50), full_p99 = percentile(full_ms, ns, 99),
	       full_max = percentile(full_ms, ns, 100);

	printf("people=%" PRIu64 "\n", o.people);
	printf("exposures=%zu\n", pop.n);
	printf("subjects=%zu\n", cg_subject_count(g));
	printf("household_exposures=%zu\n", pop.household);
	printf("work_exposures=%zu\n", pop.work);
	printf("community_exposures=%zu\n", pop.community);
	printf("protected_pct=%.1f\n", 100.0 * (double)pop.protected / (double)pop.n);
	printf("seed=%" PRIu64 "\n", o.seed);
	printf("generate_s=%.2f\n", gen_s);
	printf("build_s=%.2f\n", build_s);
	printf("graph_bytes=%zu\n", graph_bytes);
	printf("bytes_per_exposure=%.1f\n", (double)graph_bytes / (double)pop.n);
	printf("cases=%zu\n", o.cases);
	printf("mean_hop1=%.1f\n", hop1_sum / (double)o.cases);
	printf("mean_hop2=%.1f\n", hop2_sum / (double)o.cases);
	printf("max_contacts=%zu\n", max_contacts);
	printf("graph_p50_us=%.1f\n", g_p50);
	printf("graph_p99_us=%.1f\n", g_p99);
	printf("graph_max_us=%.1f\n", g_max);
	printf("sql_cases=%zu\n", o.sql_cases);
	printf("rounds=%d\n", ROUNDS);
	printf("sql_load_s=%.1f\n", load_s);
	printf("sql_db_bytes=%lld\n", db_bytes);
	printf("same_graph_p50_us=%.1f\n", same_p50);
	printf("same_graph_p99_us=%.1f\n", same_p99);
	printf("same_graph_max_us=%.1f\n", same_max);
	printf("set_sql_p50_ms=%.3f\n", set_p50);
	printf("set_sql_p99_ms=%.3f\n", set_p99);
	printf("set_sql_max_ms=%.3f\n", set_max);
	printf("full_sql_p50_ms=%.3f\n", full_p50);
	printf("full_sql_p99_ms=%.3f\n", full_p99);
	printf("full_sql_max_ms=%.3f\n", full_max);
	printf("set_speedup_p50=%.0f\n", set_p50 * 1e3 / (same_p50 > 0 ? same_p50 : 1e-3));
	printf("set_speedup_p99=%.0f\n", set_p99 * 1e3 / (same_p99 > 0 ? same_p99 : 1e-3));
	printf("set_speedup_per_case_median=%.0f\n", percentile(set_ratio, ns, 50));
	printf("full_speedup_p50=%.0f\n", full_p50 * 1e3 / (same_p50 > 0 ? same_p50 : 1e-3));
	printf("full_speedup_p99=%.0f\n", full_p99 * 1e3 / (same_p99 > 0 ? same_p99 : 1e-3));
	printf("full_speedup_per_case_median=%.0f\n", percentile(full_ratio, ns, 50));
	printf("compared_cases=%zu\n", o.sql_cases);
	printf("compared_contacts=%zu\n", compared_contacts);
	printf("add_exposures=%d\n", ADD_EXPOSURES);
	printf("add_us_each=%.3f\n", add_s * 1e6 / ADD_EXPOSURES);
	printf("add_pending=%zu\n", pending);
	printf("compact_s=%.2f\n", compact_s);
	printf("sqlite_version=%s\n", sqlite_version);
#if defined(__clang__)
	printf("compiler=%s\n", __VERSION__);
#elif defined(__GNUC__)
	printf("compiler=gcc %s\n", __VERSION__);
#endif
#ifdef NDEBUG
	printf("assertions=off\n");
#else
	printf("assertions=on\n");
#endif
	printf("set_sql_plan=%s\n", set_plan);
	printf("full_sql_plan=%s\n", full_plan);

	cg_trace_result_free(&res);
	cg_free(g);
	free(q);
	free(graph_us);
	free(same_us);
	free(set_ms);
	free(full_ms);
	free(set_ratio);
	free(full_ratio);
	return 0;
}

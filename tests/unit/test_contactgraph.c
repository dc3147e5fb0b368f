/*
 * test_contactgraph.c -- unit tests for core/contactgraph: who a trace
 * names as close contacts (hop 1, with the window) and contacts of
 * contacts (hop 2), and with which exposure; protected exposures; bad
 * edges; edges added after the build; determinism; memory per exposure;
 * and every allocation failure.  The oracle is a naive O(E log E)
 * reference written here from the contract in contactgraph.h: it scans
 * the edge list, keeps candidates in a plain array and sorts them, so it
 * shares no code or data structure with the graph.
 *
 * The module is compiled into this test (as h2o's unit tests do), under
 * test_cg_* names, so that malloc, calloc, realloc and free can be
 * replaced by versions that fail on demand and count live blocks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation failure injection ------------------------------------ */

/* Atomic: the many-readers test allocates from several threads. */
static _Atomic long alloc_budget = -1; /* successful allocations left; -1: unlimited */
static _Atomic long live_blocks;       /* blocks allocated by the module, not freed */

static bool
alloc_allowed(void)
{
	if (alloc_budget == 0)
		return false;
	if (alloc_budget > 0)
		alloc_budget--;
	return true;
}

static void *
t_malloc(size_t n)
{
	void *p = alloc_allowed() ? malloc(n) : NULL;
	live_blocks += p != NULL;
	return p;
}

static void *
t_calloc(size_t n, size_t size)
{
	void *p = alloc_allowed() ? calloc(n, size) : NULL;
	live_blocks += p != NULL;
	return p;
}

static void *
t_realloc(void *old, size_t n)
{
	void *p = alloc_allowed() ? realloc(old, n) : NULL;
	live_blocks += p != NULL && old == NULL;
	return p;
}

static void
t_free(void *p)
{
	live_blocks -= p != NULL;
	free(p);
}

/* This copy of the module gets its own names, so that the test links
 * even when something else in the libraries pulls in contactgraph.o. */
#define cg_edge_validate test_cg_edge_validate
#define cg_build test_cg_build
#define cg_add test_cg_add
#define cg_compact test_cg_compact
#define cg_trace test_cg_trace
#define cg_trace_result_free test_cg_trace_result_free
#define cg_free test_cg_free
#define cg_subject_count test_cg_subject_count
#define cg_edge_count test_cg_edge_count
#define cg_pending_count test_cg_pending_count
#define cg_memory_bytes test_cg_memory_bytes
#define malloc(n) t_malloc(n)
#define calloc(n, s) t_calloc(n, s)
#define realloc(p, n) t_realloc(p, n)
#define free(p) t_free(p)
#include "core/contactgraph.c"
#undef malloc
#undef calloc
#undef realloc
#undef free

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the naive reference --------------------------------------------- */

/* Candidates sort by id, then by the contract's preference. */
static int
ref_cmp(const void *pa, const void *pb)
{
	const struct cg_contact *a = pa, *b = pb;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->last_date != b->last_date)
		return a->last_date > b->last_date ? -1 : 1;
	if (a->exposure_id != b->exposure_id)
		return a->exposure_id < b->exposure_id ? -1 : 1;
	return (a->via_id > b->via_id) - (a->via_id < b->via_id);
}

static bool
sorted_has(const int64_t *ids, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid] == id)
			return true;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Keep the first (preferred) candidate of each id; returns the count. */
static size_t
ref_best(struct cg_contact *c, size_t n)
{
	size_t k = 0;
	if (n == 0)
		return 0;
	qsort(c, n, sizeof *c, ref_cmp);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || c[k - 1].id != c[i].id)
			c[k++] = c[i];
	return k;
}

/*
 * The trace as the header states it, over the plain edge list.  Returns
 * 0, FK_ENOTFOUND; *out (malloc'd, caller frees) holds *count contacts.
 */
static int
ref_trace(const struct cg_edge *e, size_t n, int64_t src, int32_t from, int32_t to, int hops,
	  struct cg_contact **out, size_t *count)
{
	bool known = false;
	size_t n1 = 0, n2 = 0;
	struct cg_contact *h1 = malloc((n + 1) * sizeof *h1);
	struct cg_contact *h2 = malloc((2 * n + 1) * sizeof *h2);
	int64_t *h1_ids = malloc((n + 1) * sizeof *h1_ids);
	assert_non_null(h1);
	assert_non_null(h2);
	assert_non_null(h1_ids);

	for (size_t i = 0; i < n; i++) {
		known |= e[i].subject_a == src || e[i].subject_b == src;
		if (e[i].protected || e[i].first_date > to || e[i].last_date < from)
			continue;
		int64_t other;
		if (e[i].subject_a == src)
			other = e[i].subject_b;
		else if (e[i].subject_b == src)
			other = e[i].subject_a;
		else
			continue;
		h1[n1++] = (struct cg_contact){other, src, e[i].exposure_id, e[i].last_date, 1};
	}
	n1 = ref_best(h1, n1);
	for (size_t i = 0; i < n1; i++)
		h1_ids[i] = h1[i].id;

	if (hops == 2) {
		for (size_t i = 0; i < n; i++) {
			if (e[i].protected)
				continue;
			for (int side = 0; side < 2; side++) {
				int64_t via = side ? e[i].subject_b : e[i].subject_a;
				int64_t other = side ? e[i].subject_a : e[i].subject_b;
				if (!sorted_has(h1_ids, n1, via) || other == src ||
				    sorted_has(h1_ids, n1, other))
					continue;
				h2[n2++] = (struct cg_contact){other, via, e[i].exposure_id,
							       e[i].last_date, 2};
			}
		}
		n2 = ref_best(h2, n2);
	}

	struct cg_contact *all = malloc((n1 + n2 + 1) * sizeof *all);
	assert_non_null(all);
	memcpy(all, h1, n1 * sizeof *all);
	memcpy(all + n1, h2, n2 * sizeof *all);
	if (n1 + n2 > 1)
		qsort(all, n1 + n2, sizeof *all, ref_cmp);
	free(h1);
	free(h2);
	free(h1_ids);
	*out = all;
	*count = n1 + n2;
	return known ? 0 : FK_ENOTFOUND;
}

/* Trace g and the reference over edges; fail with a message on any
 * difference.  Returns the number of contacts. */
static size_t
check_trace(const cg_t *g, const struct cg_edge *edges, size_t n, int64_t src, int32_t from,
	    int32_t to, int hops, cg_trace_result_t *res)
{
	struct cg_contact *want = NULL;
	size_t want_n = 0;
	int want_rc = ref_trace(edges, n, src, from, to, hops, &want, &want_n);
	int rc = cg_trace(g, src, from, to, hops, res);
	if (rc != want_rc)
		fail_msg("source %lld window [%d,%d] hops %d: rc %d, want %d", (long long)src,
			 (int)from, (int)to, hops, rc, want_rc);
	if (rc != 0) {
		assert_int_equal(res->count, 0);
		free(want);
		return 0;
	}
	if (res->count != want_n)
		fail_msg("source %lld window [%d,%d] hops %d: %zu contacts, want %zu",
			 (long long)src, (int)from, (int)to, hops, res->count, want_n);
	size_t h1 = 0;
	for (size_t i = 0; i < want_n; i++) {
		const struct cg_contact *a = &res->contacts[i], *b = &want[i];
		h1 += b->hop == 1;
		if (a->id != b->id || a->hop != b->hop || a->via_id != b->via_id ||
		    a->exposure_id != b->exposure_id || a->last_date != b->last_date)
			fail_msg("source %lld hops %d, contact %zu: got {id %lld hop %d via %lld "
				 "exposure %lld last %d}, want {id %lld hop %d via %lld exposure "
				 "%lld last %d}",
				 (long long)src, hops, i, (long long)a->id, (int)a->hop,
				 (long long)a->via_id, (long long)a->exposure_id, (int)a->last_date,
				 (long long)b->id, (int)b->hop, (long long)b->via_id,
				 (long long)b->exposure_id, (int)b->last_date);
	}
	assert_int_equal(res->hop1_count, h1);
	assert_int_equal(res->hop2_count, want_n - h1);
	free(want);
	return want_n;
}

/* ---- helpers --------------------------------------------------------- */

static cg_t *
build_ok(const struct cg_edge *e, size_t n)
{
	cg_t *g = NULL;
	assert_int_equal(cg_build(e, n, &g), 0);
	assert_non_null(g);
	return g;
}

/* Find id in a result; NULL if absent. */
static const struct cg_contact *
find_contact(const cg_trace_result_t *r, int64_t id)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->contacts[i].id == id)
			return &r->contacts[i];
	return NULL;
}

/* An exposure (E) or a protected one (P), in the order people say it. */
/* clang-format off */
#define E(a, b, first, last, exposure) {(a), (b), (exposure), (first), (last), false}
#define P(a, b, first, last, exposure) {(a), (b), (exposure), (first), (last), true}
/* clang-format on */

/* ---- window ---------------------------------------------------------- */

struct window_case {
	const char *what;
	int32_t first_date, last_date;
	bool traced;
};

/* The window is [10, 20]; each row is one exposure of the case (id 1). */
static const struct window_case window_cases[] = {
    {"ends the day before the window", 3, 9, false},
    {"ends exactly on window_from", 3, 10, true},
    {"one day, on window_from", 10, 10, true},
    {"inside the window", 12, 14, true},
    {"one day, on window_to", 20, 20, true},
    {"starts exactly on window_to", 20, 30, true},
    {"starts the day after the window", 21, 30, false},
    {"covers the window", 1, 40, true},
    {"long before", -400, -300, false},
};

static void
test_window_bounds_are_inclusive(void **state)
{
	struct cg_edge edges[ARRAY_LEN(window_cases)];
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(window_cases); i++)
		edges[i] = (struct cg_edge)E(1, 100 + (int64_t)i, window_cases[i].first_date,
					     window_cases[i].last_date, 1000 + (int64_t)i);
	cg_t *g = build_ok(edges, ARRAY_LEN(edges));
	assert_int_equal(cg_trace(g, 1, 10, 20, 1, &res), 0);
	for (size_t i = 0; i < ARRAY_LEN(window_cases); i++) {
		const struct cg_contact *c = find_contact(&res, 100 + (int64_t)i);
		if ((c != NULL) != window_cases[i].traced)
			fail_msg("exposure that %s: traced %d, want %d", window_cases[i].what,
				 c != NULL, window_cases[i].traced);
		if (c) {
			assert_int_equal(c->hop, 1);
			assert_int_equal(c->via_id, 1);
			assert_int_equal(c->exposure_id, 1000 + (int64_t)i);
			assert_int_equal(c->last_date, window_cases[i].last_date);
		}
	}
	/* The same exposures seen from the other end: the window is applied
	 * to the case's exposures whichever side of the edge the case is. */
	for (size_t i = 0; i < ARRAY_LEN(window_cases); i++) {
		assert_int_equal(cg_trace(g, 100 + (int64_t)i, 10, 20, 1, &res), 0);
		assert_int_equal(res.count, window_cases[i].traced ? 1 : 0);
	}
	/* A one-day window: the exposure ending that day counts, the one
	 * starting the day after does not. */
	assert_int_equal(cg_trace(g, 1, 9, 9, 1, &res), 0);
	assert_non_null(find_contact(&res, 100));
	assert_null(find_contact(&res, 102));
	cg_trace_result_free(&res);
	cg_free(g);
}

/* ---- protection, hops, duplicates ------------------------------------ */

static void
test_protected_exposures_are_never_traced(void **state)
{
	/* 1 is the case.  2: protected only.  3: protected and unprotected
	 * (the unprotected one counts).  4: unprotected, whose own contacts
	 * are 5 (protected) and 6 (unprotected). */
	const struct cg_edge edges[] = {
	    P(1, 2, 10, 12, 1), P(1, 3, 10, 15, 2), E(3, 1, 11, 11, 3),
	    E(1, 4, 10, 10, 4), P(4, 5, 1, 30, 5),  E(6, 4, 1, 2, 6),
	};
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	(void)state;

	cg_t *g = build_ok(edges, ARRAY_LEN(edges));
	assert_int_equal(cg_trace(g, 1, 0, 100, 2, &res), 0);
	assert_null(find_contact(&res, 2));
	assert_null(find_contact(&res, 5));
	const struct cg_contact *c3 = find_contact(&res, 3);
	assert_non_null(c3);
	assert_int_equal(c3->exposure_id, 3); /* not the protected 15th-day one */
	assert_int_equal(c3->last_date, 11);
	const struct cg_contact *c6 = find_contact(&res, 6);
	assert_non_null(c6);
	assert_int_equal(c6->hop, 2);
	assert_int_equal(c6->via_id, 4);
	assert_int_equal(res.count, 3);
	assert_int_equal(res.hop1_count, 2);
	assert_int_equal(res.hop2_count, 1);

	/* 2 and 5 are known subjects with no unprotected exposure: an empty
	 * answer, not "unknown". */
	assert_int_equal(cg_trace(g, 2, 0, 100, 2, &res), 0);
	assert_int_equal(res.count, 0);
	assert_int_equal(cg_trace(g, 5, 0, 100, 2, &res), 0);
	assert_int_equal(res.count, 0);
	cg_trace_result_free(&res);
	cg_free(g);
}

static void
test_hop2_excludes_the_case_and_hop1_contacts(void **state)
{
	/* Household 1-2-3 (a triangle), 2 works with 4, 4 with 5 (hop 3),
	 * 3 meets 1 again later (a back edge to the case). */
	const struct cg_edge edges[] = {
	    E(1, 2, 0, 30, 1), E(1, 3, 0, 30, 2), E(2, 3, 0, 30, 3),
	    E(2, 4, 5, 6, 4),  E(4, 5, 7, 7, 5),  E(3, 1, 40, 41, 6),
	};
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	(void)state;

	cg_t *g = build_ok(edges, ARRAY_LEN(edges));
	assert_int_equal(cg_trace(g, 1, 10, 20, 2, &res), 0);
	assert_int_equal(res.count, 3);
	assert_int_equal(res.contacts[0].id, 2);
	assert_int_equal(res.contacts[0].hop, 1);
	assert_int_equal(res.contacts[1].id, 3);
	assert_int_equal(res.contacts[1].hop, 1); /* also a neighbour of 2: stays hop 1 */
	assert_int_equal(res.contacts[1].exposure_id, 2);
	assert_int_equal(res.contacts[2].id, 4);
	assert_int_equal(res.contacts[2].hop, 2);
	assert_int_equal(res.contacts[2].via_id, 2);
	assert_null(find_contact(&res, 1)); /* never the case itself */
	assert_null(find_contact(&res, 5)); /* three hops away */

	/* hops 1 stops at hop 1. */
	assert_int_equal(cg_trace(g, 1, 10, 20, 1, &res), 0);
	assert_int_equal(res.count, 2);
	assert_int_equal(res.hop2_count, 0);
	cg_trace_result_free(&res);
	cg_free(g);
}

struct dup_case {
	const char *what;
	struct cg_edge edges[4];
	size_t n;
	int64_t want_exposure;
	int32_t want_last;
	int64_t want_via;
};

/* Case 1, window [0, 100]; the contact under test is 9. */
static const struct dup_case dup_cases[] = {
    {"the latest exposure wins",
     {E(1, 9, 1, 5, 30), E(9, 1, 2, 8, 20), E(1, 9, 1, 3, 10)},
     3,
     20,
     8,
     1},
    {"same last day: the smaller exposure id", {E(1, 9, 1, 8, 30), E(1, 9, 4, 8, 20)}, 2, 20, 8, 1},
    {"exact duplicates", {E(1, 9, 2, 8, 7), E(1, 9, 2, 8, 7), E(9, 1, 2, 8, 7)}, 3, 7, 8, 1},
    {"hop 2 through two contacts: the latest",
     {E(1, 2, 0, 0, 1), E(1, 3, 0, 0, 2), E(2, 9, 5, 6, 3), E(3, 9, 5, 7, 4)},
     4,
     4,
     7,
     3},
    {"hop 2 tie on day and exposure: the smaller via",
     {E(1, 3, 0, 0, 1), E(1, 2, 0, 0, 2), E(3, 9, 5, 7, 4), E(2, 9, 5, 7, 4)},
     4,
     4,
     7,
     2},
};

static void
test_duplicate_exposures_report_the_one_that_ends_observation_last(void **state)
{
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(dup_cases); i++) {
		const struct dup_case *t = &dup_cases[i];
		cg_t *g = build_ok(t->edges, t->n);
		assert_int_equal(cg_trace(g, 1, 0, 100, 2, &res), 0);
		const struct cg_contact *c = find_contact(&res, 9);
		if (c == NULL || c->exposure_id != t->want_exposure ||
		    c->last_date != t->want_last || c->via_id != t->want_via)
			fail_msg("%s: got exposure %lld last %d via %lld", t->what,
				 c ? (long long)c->exposure_id : -1LL, c ? (int)c->last_date : -1,
				 c ? (long long)c->via_id : -1LL);
		size_t nine = 0;
		for (size_t k = 0; k < res.count; k++)
			nine += res.contacts[k].id == 9;
		assert_int_equal(nine, 1); /* each contact once */
		check_trace(g, t->edges, t->n, 1, 0, 100, 2, &res);
		cg_free(g);
	}
	cg_trace_result_free(&res);
}

/* ---- bad input ------------------------------------------------------- */

static void
test_bad_edges_are_rejected_with_the_field(void **state)
{
	const struct cg_edge self_loop[] = {E(1, 2, 0, 1, 1), E(3, 3, 0, 1, 2)};
	const struct cg_edge reversed[] = {E(1, 2, 5, 4, 1)};
	struct fk_error err = {0};
	cg_t *g = (cg_t *)&err; /* must be overwritten with NULL */
	(void)state;

	assert_int_equal(cg_build(self_loop, 2, &g), FK_EINVAL);
	assert_null(g);
	g = (cg_t *)&err;
	assert_int_equal(cg_build(reversed, 1, &g), FK_EINVAL);
	assert_null(g);
	assert_int_equal(cg_build(NULL, 3, &g), FK_EINVAL);
	assert_int_equal(cg_build(self_loop, 1, NULL), FK_EINVAL);
	assert_int_equal(live_blocks, 0);

	assert_int_equal(cg_edge_validate(&self_loop[1], &err), FK_EINVAL);
	assert_string_equal(err.field, "subject_b");
	fk_error_clear(&err);
	assert_int_equal(cg_edge_validate(&reversed[0], &err), FK_EINVAL);
	assert_string_equal(err.field, "last_date");
	assert_int_equal(cg_edge_validate(&self_loop[0], NULL), 0);

	/* The same rules for cg_add; the graph does not change. */
	g = build_ok(self_loop, 1);
	assert_int_equal(cg_add(g, &self_loop[1]), FK_EINVAL);
	assert_int_equal(cg_add(g, &reversed[0]), FK_EINVAL);
	assert_int_equal(cg_add(g, NULL), FK_EINVAL);
	assert_int_equal(cg_add(NULL, &self_loop[0]), FK_EINVAL);
	assert_int_equal(cg_subject_count(g), 2);
	assert_int_equal(cg_edge_count(g), 1);
	cg_free(g);
	assert_int_equal(live_blocks, 0);
}

static void
test_bad_queries_and_unknown_sources(void **state)
{
	const struct cg_edge edges[] = {E(10, 20, 0, 5, 1)};
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	(void)state;

	cg_t *g = build_ok(edges, 1);
	assert_int_equal(cg_trace(g, 10, 0, 5, 2, &res), 0);
	assert_int_equal(res.count, 1);
	/* A failed trace leaves an empty answer, not the previous one. */
	assert_int_equal(cg_trace(g, 30, 0, 5, 2, &res), FK_ENOTFOUND);
	assert_int_equal(res.count, 0);
	assert_int_equal(cg_trace(g, 10, 0, 5, 0, &res), FK_EINVAL);
	assert_int_equal(cg_trace(g, 10, 0, 5, 3, &res), FK_EINVAL);
	assert_int_equal(cg_trace(g, 10, 6, 5, 1, &res), FK_EINVAL);
	assert_int_equal(cg_trace(NULL, 10, 0, 5, 1, &res), FK_EINVAL);
	assert_int_equal(cg_trace(g, 10, 0, 5, 1, NULL), FK_EINVAL);
	cg_free(g);

	/* An empty graph knows nobody. */
	g = build_ok(NULL, 0);
	assert_int_equal(cg_subject_count(g), 0);
	assert_int_equal(cg_trace(g, 10, 0, 5, 2, &res), FK_ENOTFOUND);
	cg_free(g);
	cg_trace_result_free(&res);
	cg_trace_result_free(NULL);
	cg_free(NULL);
	assert_int_equal(live_blocks, 0);
}

/* ---- adding edges ---------------------------------------------------- */

static void
test_added_exposures_are_traced(void **state)
{
	const struct cg_edge edges[] = {E(1, 2, 10, 10, 1), E(2, 3, 10, 10, 2)};
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	(void)state;

	cg_t *g = build_ok(edges, ARRAY_LEN(edges));
	assert_int_equal(cg_trace(g, 1, 10, 10, 2, &res), 0);
	assert_int_equal(res.count, 2);

	/* A new person met by the case, and a new contact of the contact. */
	const struct cg_edge more[] = {E(7, 1, 9, 10, 3), E(2, 8, 1, 1, 4), E(8, 9, 1, 1, 5)};
	for (size_t i = 0; i < ARRAY_LEN(more); i++)
		assert_int_equal(cg_add(g, &more[i]), 0);
	assert_int_equal(cg_pending_count(g), 3);
	assert_int_equal(cg_trace(g, 1, 10, 10, 2, &res), 0);
	assert_int_equal(res.count, 4);
	assert_int_equal(find_contact(&res, 7)->hop, 1);
	assert_int_equal(find_contact(&res, 8)->hop, 2);
	assert_int_equal(find_contact(&res, 8)->via_id, 2);
	assert_null(find_contact(&res, 9));
	/* The new subjects are known; 9 only through an added edge. */
	assert_int_equal(cg_trace(g, 9, 0, 0, 1, &res), 0);
	assert_int_equal(res.count, 0);
	assert_int_equal(cg_trace(g, 9, 1, 1, 2, &res), 0);
	assert_int_equal(res.count, 2);

	/* Compaction changes nothing a trace can see. */
	struct cg_edge all[ARRAY_LEN(edges) + ARRAY_LEN(more)];
	memcpy(all, edges, sizeof edges);
	memcpy(all + ARRAY_LEN(edges), more, sizeof more);
	assert_int_equal(cg_compact(g), 0);
	assert_int_equal(cg_pending_count(g), 0);
	assert_int_equal(cg_compact(g), 0);
	for (int64_t src = 1; src <= 9; src++)
		for (int hops = 1; hops <= 2; hops++)
			check_trace(g, all, ARRAY_LEN(all), src, 10, 10, hops, &res);
	cg_trace_result_free(&res);
	cg_free(g);
}

static void
test_pending_list_merges_itself_when_full(void **state)
{
	enum { N = 3 * CG_PENDING_MIN + 17 };
	struct cg_edge *all = calloc(N, sizeof *all);
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	(void)state;

	assert_non_null(all);
	/* A star around 0 and a chain, all added one by one to an empty
	 * graph: the pending list never holds more than its limit. */
	cg_t *g = build_ok(NULL, 0);
	for (size_t i = 0; i < N; i++) {
		all[i] = (struct cg_edge)E(i % 2 ? 0 : (int64_t)i, (int64_t)i + 1,
					   (int32_t)(i % 30), (int32_t)(i % 30 + 2), (int64_t)i);
		assert_int_equal(cg_add(g, &all[i]), 0);
		assert_true(cg_pending_count(g) <= pending_limit(g));
	}
	assert_true(g->csr_halves > 0); /* it merged on the way */
	assert_int_equal(cg_edge_count(g), N);
	for (int64_t src = 0; src < N; src += 97)
		check_trace(g, all, N, src, 5, 12, 2, &res);
	cg_trace_result_free(&res);
	cg_free(g);
	free(all);
}

/* ---- against the reference ------------------------------------------- */

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static uint64_t
rng_below(uint64_t n)
{
	return rng_next() % n;
}

/* The id of subject k: sparse, both signs, the extremes included. */
static int64_t
subject_id(uint64_t k, int style)
{
	switch (style) {
	case 0: return (int64_t)k;				    /* dense */
	case 1: return (int64_t)(k * UINT64_C(0x9e3779b97f4a7c15)); /* scattered, any sign */
	case 2:
		return k == 0	? INT64_MIN
		       : k == 1 ? INT64_MAX
				: (int64_t)(k << 40); /* low bits 0 */
	default: return -(int64_t)k * 1000003;
	}
}

static void
random_edges(struct cg_edge *e, size_t n, uint64_t subjects, int style, unsigned protected_pct)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t a = rng_below(subjects), b = rng_below(subjects - 1);
		if (b >= a)
			b++; /* never a self-loop */
		int32_t first = (int32_t)rng_below(60) - 10;
		e[i] = (struct cg_edge){
		    .subject_a = subject_id(a, style),
		    .subject_b = subject_id(b, style),
		    .exposure_id = (int64_t)rng_below(n), /* repeats on purpose */
		    .first_date = first,
		    .last_date = first + (int32_t)(rng_below(4) ? rng_below(3) : rng_below(40)),
		    .protected = rng_below(100) < protected_pct,
		};
	}
}

static void
test_random_graphs_match_the_reference(void **state)
{
	struct shape {
		uint64_t subjects;
		size_t edges;
		size_t added; /* of the edges, how many go through cg_add */
		int style;
		unsigned protected_pct;
	};
	static const struct shape shapes[] = {
	    {2, 5, 0, 0, 0},	      {5, 40, 10, 1, 10},	 {30, 60, 0, 2, 20},
	    {50, 400, 100, 1, 10},    {300, 600, 300, 3, 30},	 {1000, 5000, 0, 1, 10},
	    {1000, 5000, 2500, 0, 5}, {2000, 3000, 1500, 2, 50}, {40, 2000, 1999, 1, 10},
	};
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	size_t nonempty = 0, with_hop2 = 0;
	(void)state;

	rng_state = UINT64_C(0x243f6a8885a308d3);
	for (size_t s = 0; s < ARRAY_LEN(shapes); s++) {
		const struct shape *sh = &shapes[s];
		struct cg_edge *e = malloc(sh->edges * sizeof *e);
		assert_non_null(e);
		random_edges(e, sh->edges, sh->subjects, sh->style, sh->protected_pct);
		size_t built = sh->edges - sh->added;
		cg_t *g = build_ok(e, built);
		for (size_t i = built; i < sh->edges; i++)
			assert_int_equal(cg_add(g, &e[i]), 0);
		assert_int_equal(cg_edge_count(g), sh->edges);

		for (int round = 0; round < 2; round++) {
			for (int q = 0; q < 150; q++) {
				/* Mostly known sources, sometimes one past the end. */
				int64_t src = subject_id(rng_below(sh->subjects + 2), sh->style);
				int32_t from = (int32_t)rng_below(70) - 15;
				int32_t to = from + (int32_t)rng_below(16);
				int hops = 1 + (int)rng_below(2);
				size_t got =
				    check_trace(g, e, sh->edges, src, from, to, hops, &res);
				nonempty += got > 0;
				with_hop2 += res.hop2_count > 0;
			}
			assert_int_equal(cg_compact(g), 0); /* second round: all in CSR */
		}
		cg_free(g);
		free(e);
	}
	/* The queries exercised something. */
	assert_true(nonempty > 500);
	assert_true(with_hop2 > 200);
	cg_trace_result_free(&res);
	assert_int_equal(live_blocks, 0);
}

static void
test_answer_does_not_depend_on_edge_order(void **state)
{
	enum { N = 3000, SUBJECTS = 400 };
	struct cg_edge *e = malloc(N * sizeof *e);
	cg_trace_result_t r1 = CG_TRACE_RESULT_INIT, r2 = CG_TRACE_RESULT_INIT;
	(void)state;

	assert_non_null(e);
	rng_state = 42;
	random_edges(e, N, SUBJECTS, 1, 10);
	cg_t *g1 = build_ok(e, N);
	for (size_t i = N - 1; i > 0; i--) { /* shuffle, and swap ends */
		size_t j = rng_below(i + 1);
		struct cg_edge t = e[i];
		e[i] = e[j];
		e[j] = t;
		int64_t a = e[i].subject_a;
		e[i].subject_a = e[i].subject_b;
		e[i].subject_b = a;
	}
	cg_t *g2 = build_ok(e, N / 2);
	for (size_t i = N / 2; i < N; i++)
		assert_int_equal(cg_add(g2, &e[i]), 0);
	for (uint64_t k = 0; k < SUBJECTS; k++) {
		int64_t src = subject_id(k, 1);
		int rc1 = cg_trace(g1, src, 5, 15, 2, &r1);
		int rc2 = cg_trace(g2, src, 5, 15, 2, &r2);
		assert_int_equal(rc1, rc2);
		assert_int_equal(r1.count, r2.count);
		if (r1.count)
			assert_memory_equal(r1.contacts, r2.contacts,
					    r1.count * sizeof *r1.contacts);
	}
	cg_free(g1);
	cg_free(g2);
	cg_trace_result_free(&r1);
	cg_trace_result_free(&r2);
	free(e);
}

/* Answers of hundreds of contacts come out sorted by id and match the
 * reference whatever the ids look like: spread out, bunched next to one
 * far outlier (every id in one bucket of the sort), descending, or the
 * int64 extremes. */
static void
test_large_answers_are_sorted_whatever_the_ids(void **state)
{
	enum { FAN = 300 };
	static const char *const patterns[] = {"spread", "bunched", "descending", "extremes"};
	struct cg_edge *e = malloc((2 * FAN + 1) * sizeof *e);
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	(void)state;

	assert_non_null(e);
	rng_state = 2024;
	for (size_t p = 0; p < ARRAY_LEN(patterns); p++) {
		/* The case 0 meets FAN people (hop 1) who each meet one more
		 * (hop 2), and the first of them also meets the outlier. */
		size_t n = 0;
		for (int64_t k = 1; k <= 2 * FAN; k++) {
			int64_t id;
			switch (p) {
			case 0: id = (int64_t)(rng_next() >> 1); break;
			case 1: id = 1000000 + k; break;
			case 2: id = 5000000 - k * 7; break;
			default: id = k % 2 ? INT64_MIN + k : INT64_MAX - k; break;
			}
			int64_t other = k <= FAN ? 0 : e[k - FAN - 1].subject_b;
			e[n++] = (struct cg_edge)E(other, id, 1, 2, k);
		}
		e[n++] = (struct cg_edge)E(e[0].subject_b, p == 1 ? INT64_MAX : -7, 1, 1, 9999);
		cg_t *g = build_ok(e, n);
		size_t got = check_trace(g, e, n, 0, 0, 5, 2, &res);
		assert_int_equal(got, 2 * FAN + 1);
		for (size_t i = 1; i < res.count; i++)
			if (res.contacts[i - 1].id >= res.contacts[i].id)
				fail_msg("%s ids: contact %zu out of order", patterns[p], i);
		cg_free(g);
	}
	cg_trace_result_free(&res);
	free(e);
}

/* The limits answer FK_ETOOBIG and change nothing (the counters are set
 * by hand: nobody has the memory for 2^31 exposures in a unit test). */
static void
test_limits_are_reported(void **state)
{
	const struct cg_edge edges[] = {E(1, 2, 0, 1, 1), E(2, 3, 0, 1, 2)};
	const struct cg_edge known = E(1, 3, 0, 1, 3), stranger = E(1, 99, 0, 1, 4);
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	(void)state;

	cg_t *g = build_ok(edges, ARRAY_LEN(edges));
	size_t real_edges = g->n_edges, real_subjects = g->n_subjects;
	g->n_edges = CG_EDGES_MAX;
	assert_int_equal(cg_add(g, &known), FK_ETOOBIG);
	g->n_edges = real_edges;
	g->n_subjects = CG_SUBJECTS_MAX;
	assert_int_equal(cg_add(g, &stranger), FK_ETOOBIG);
	g->n_subjects = real_subjects;
	assert_int_equal(cg_edge_count(g), 2);
	assert_int_equal(cg_trace(g, 99, 0, 1, 2, &res), FK_ENOTFOUND);
	assert_int_equal(cg_add(g, &known), 0);
	assert_int_equal(cg_edge_count(g), 3);
	cg_free(g);
	assert_int_equal(cg_build(edges, CG_EDGES_MAX + 1, &g), FK_ETOOBIG);
	assert_null(g);

	assert_int_equal(cg_compact(NULL), FK_EINVAL);
	assert_int_equal(cg_memory_bytes(NULL), 0);
	assert_int_equal(cg_subject_count(NULL), 0);
	assert_int_equal(cg_edge_count(NULL), 0);
	assert_int_equal(cg_pending_count(NULL), 0);
	cg_trace_result_free(&res);
}

/* A result reused for 2^32 traces wraps its generation counter; the
 * visited set must then be cleared, not trusted. */
static void
test_reused_result_survives_generation_wrap(void **state)
{
	const struct cg_edge edges[] = {E(1, 2, 0, 9, 1), E(2, 3, 0, 9, 2), E(3, 4, 0, 9, 3)};
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	(void)state;

	cg_t *g = build_ok(edges, ARRAY_LEN(edges));
	check_trace(g, edges, ARRAY_LEN(edges), 3, 0, 9, 2, &res);
	res.scratch.seen_gen = UINT32_MAX; /* the next trace wraps to 0 */
	for (int64_t src = 1; src <= 4; src++)
		check_trace(g, edges, ARRAY_LEN(edges), src, 0, 9, 2, &res);
	assert_true(res.scratch.seen_gen >= 1);
	cg_free(g);
	cg_trace_result_free(&res);
}

/* ---- many readers ---------------------------------------------------- */

enum { READERS = 4, READ_SOURCES = 300 };

struct reader {
	const cg_t *g;
	const int64_t *sources;
	const cg_trace_result_t *want; /* READ_SOURCES answers traced alone */
	int failures;
};

static void *
reader_run(void *arg)
{
	struct reader *rd = arg;
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	for (int pass = 0; pass < 5; pass++) {
		for (size_t i = 0; i < READ_SOURCES; i++) {
			const cg_trace_result_t *w = &rd->want[i];
			if (cg_trace(rd->g, rd->sources[i], 5, 20, 2, &res) != 0 ||
			    res.count != w->count ||
			    memcmp(res.contacts, w->contacts, w->count * sizeof *w->contacts) != 0)
				rd->failures++;
		}
	}
	cg_trace_result_free(&res);
	return NULL;
}

/* A built graph is read by many threads at once, each with its own
 * result, and each gets the answers a lone reader gets. */
static void
test_many_threads_may_trace_one_graph(void **state)
{
	enum { N = 20000, SUBJECTS = 2000 };
	struct cg_edge *e = malloc(N * sizeof *e);
	static int64_t sources[READ_SOURCES];
	static cg_trace_result_t want[READ_SOURCES];
	struct reader readers[READERS];
	pthread_t threads[READERS];
	(void)state;

	assert_non_null(e);
	rng_state = 31337;
	random_edges(e, N, SUBJECTS, 1, 10);
	cg_t *g = build_ok(e, N - 500);
	for (size_t i = N - 500; i < N; i++) /* some pending, too */
		assert_int_equal(cg_add(g, &e[i]), 0);
	for (size_t i = 0; i < READ_SOURCES; i++) {
		sources[i] = e[i].subject_a;
		want[i] = (cg_trace_result_t)CG_TRACE_RESULT_INIT;
		assert_int_equal(cg_trace(g, sources[i], 5, 20, 2, &want[i]), 0);
	}
	for (int t = 0; t < READERS; t++) {
		readers[t] = (struct reader){g, sources, want, 0};
		assert_int_equal(pthread_create(&threads[t], NULL, reader_run, &readers[t]), 0);
	}
	for (int t = 0; t < READERS; t++) {
		assert_int_equal(pthread_join(threads[t], NULL), 0);
		assert_int_equal(readers[t].failures, 0);
	}
	for (size_t i = 0; i < READ_SOURCES; i++)
		cg_trace_result_free(&want[i]);
	cg_free(g);
	free(e);
}

/* ---- memory ---------------------------------------------------------- */

static void
test_memory_per_exposure_is_compact(void **state)
{
	enum { N = 200000, SUBJECTS = 20000 };
	struct cg_edge *e = malloc(N * sizeof *e);
	(void)state;

	assert_non_null(e);
	rng_state = 7;
	random_edges(e, N, SUBJECTS, 1, 10);
	size_t unprotected = 0;
	for (size_t i = 0; i < N; i++)
		unprotected += !e[i].protected;
	long before = live_blocks;
	cg_t *g = build_ok(e, N);
	size_t bytes = cg_memory_bytes(g);
	print_message("contact graph: %zu exposures (%zu unprotected) among %zu subjects in %zu "
		      "bytes: %.1f bytes per exposure, %.1f per unprotected one (%zu blocks)\n",
		      cg_edge_count(g), unprotected, cg_subject_count(g), bytes, (double)bytes / N,
		      (double)bytes / (double)unprotected, (size_t)(live_blocks - before));
	/* 2 half-edges of 24 bytes per unprotected exposure, nothing per
	 * protected one; at most 4 hash slots of 16 bytes per subject. */
	assert_true(bytes <= unprotected * 48 + (size_t)SUBJECTS * 4 * 16 + 4096);
	assert_true(bytes >= unprotected * 48);

	/* Adding edges grows it by amortised constant bytes per edge: the
	 * pending heads, then 2 pending half-edges of 32 bytes, doubling. */
	struct cg_edge more = E(subject_id(1, 1), subject_id(2, 1), 0, 0, 1);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(cg_add(g, &more), 0);
	assert_true(cg_memory_bytes(g) > bytes);
	assert_true(cg_memory_bytes(g) - bytes <
		    (size_t)SUBJECTS * 4 * 4 + 2 * 2 * 1000 * 32 + 4096);
	assert_int_equal(cg_compact(g), 0);
	assert_int_equal(cg_pending_count(g), 0);
	cg_free(g);
	free(e);
	assert_int_equal(live_blocks, before);
}

/* ---- allocation failures --------------------------------------------- */

/*
 * Fail the k-th allocation for every k until the operation succeeds:
 * each failure returns FK_ENOMEM, leaks nothing, and leaves the graph
 * tracing exactly as before.
 */
static void
test_every_allocation_failure_is_reported_and_harmless(void **state)
{
	enum { N = 600, ADDED = 150 };
	struct cg_edge *e = malloc(N * sizeof *e);
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;
	cg_t *g = NULL;
	int rc;
	(void)state;

	assert_non_null(e);
	rng_state = 99;
	random_edges(e, N, 80, 1, 10);

	/* cg_build */
	long failures = 0;
	for (long k = 0;; k++) {
		alloc_budget = k;
		rc = cg_build(e, N - ADDED, &g);
		alloc_budget = -1;
		if (rc == 0)
			break;
		assert_int_equal(rc, FK_ENOMEM);
		assert_null(g);
		assert_int_equal(live_blocks, 0);
		failures++;
	}
	assert_true(failures >= 5);

	/* cg_add: each edge first under a failing budget, then for real. */
	for (size_t i = N - ADDED; i < N; i++) {
		for (long k = 0;; k++) {
			alloc_budget = k;
			rc = cg_add(g, &e[i]);
			alloc_budget = -1;
			if (rc == 0)
				break;
			assert_int_equal(rc, FK_ENOMEM);
			assert_int_equal(cg_edge_count(g), i); /* nothing added */
			if (k % 2 == 0)
				check_trace(g, e, i, e[i].subject_a, 0, 30, 2, &res);
		}
		if (i % 50 == 0)
			check_trace(g, e, i + 1, e[i].subject_a, 0, 30, 2, &res);
	}

	/* cg_trace with a fresh result each time, so that it allocates. */
	for (int q = 0; q < 20; q++) {
		int64_t src = e[q].subject_a;
		for (long k = 0;; k++) {
			cg_trace_result_t fresh = CG_TRACE_RESULT_INIT;
			alloc_budget = k;
			rc = cg_trace(g, src, 0, 40, 2, &fresh);
			alloc_budget = -1;
			if (rc == 0) {
				cg_trace_result_free(&fresh);
				break;
			}
			assert_int_equal(rc, FK_ENOMEM);
			assert_int_equal(fresh.count, 0);
			/* The half-grown result is still usable. */
			check_trace(g, e, N, src, 0, 40, 2, &fresh);
			cg_trace_result_free(&fresh);
		}
	}

	/* cg_compact */
	size_t pending = cg_pending_count(g);
	assert_true(pending > ADDED / 2);
	for (long k = 0;; k++) {
		alloc_budget = k;
		rc = cg_compact(g);
		alloc_budget = -1;
		if (rc == 0)
			break;
		assert_int_equal(rc, FK_ENOMEM);
		assert_int_equal(cg_pending_count(g), pending);
		check_trace(g, e, N, e[0].subject_b, 0, 40, 2, &res);
	}
	assert_int_equal(cg_pending_count(g), 0);
	for (int q = 0; q < 50; q++)
		check_trace(g, e, N, e[q].subject_b, 0, 40, 2, &res);
	cg_free(g);
	cg_trace_result_free(&res);
	free(e);
	assert_int_equal(live_blocks, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_window_bounds_are_inclusive),
	    cmocka_unit_test(test_protected_exposures_are_never_traced),
	    cmocka_unit_test(test_hop2_excludes_the_case_and_hop1_contacts),
	    cmocka_unit_test(test_duplicate_exposures_report_the_one_that_ends_observation_last),
	    cmocka_unit_test(test_bad_edges_are_rejected_with_the_field),
	    cmocka_unit_test(test_bad_queries_and_unknown_sources),
	    cmocka_unit_test(test_added_exposures_are_traced),
	    cmocka_unit_test(test_pending_list_merges_itself_when_full),
	    cmocka_unit_test(test_random_graphs_match_the_reference),
	    cmocka_unit_test(test_answer_does_not_depend_on_edge_order),
	    cmocka_unit_test(test_large_answers_are_sorted_whatever_the_ids),
	    cmocka_unit_test(test_many_threads_may_trace_one_graph),
	    cmocka_unit_test(test_limits_are_reported),
	    cmocka_unit_test(test_reused_result_survives_generation_wrap),
	    cmocka_unit_test(test_memory_per_exposure_is_compact),
	    cmocka_unit_test(test_every_allocation_failure_is_reported_and_harmless),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

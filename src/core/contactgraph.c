/*
 * contactgraph.c -- core layer: the in-memory contact graph (CSR plus a
 * pending list) and the 1- and 2-hop trace of a case.  See
 * contactgraph.h for the contract; the invariants are here.
 *
 * Storage, for N subjects and E edges of which the first csr_edges are
 * in the CSR arrays and the rest pending:
 *
 *   ids[x]            id of dense index x, x < n_subjects
 *   slots[]           open addressing, linear probing: NONE or a dense
 *                     index; load <= 1/2 so a probe always ends
 *   edges[e]          dates and exposure id of edge e, e < n_edges
 *   offsets[x]        CSR: the half-edges of subject x < csr_subjects are
 *                     halves[offsets[x] .. offsets[x+1]-1]; subjects added
 *                     later have none there
 *   halves[]          2 * csr_edges half-edges {neighbour, edge | PROT}
 *   pend_head[x]      first pending half-edge of x, or NONE; allocated
 *                     only while edges are pending, then for every x <
 *                     pend_head_cap (>= n_subjects)
 *   pend[2k], [2k+1]  the half-edges of pending edge csr_edges + k, owned
 *                     by subject_a and subject_b, each linked to the next
 *                     pending half-edge of its owner
 *
 * A trace keeps its state in the caller's result, never in the graph, so
 * concurrent traces share nothing writable.
 */
#include "contactgraph.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define PROT 0x80000000u /* protected bit of half.edge */

/* One direction of an edge, as seen from its owner. */
struct half {
	uint32_t nbr;  /* dense index of the other subject */
	uint32_t edge; /* edge number, | PROT if protected */
};

/* What both directions of an edge share.  One record, not parallel
 * arrays: a trace reads the dates and the id of an edge together, so
 * they cost one cache miss instead of three. */
struct edge_rec {
	int32_t first_date;
	int32_t last_date;
	int64_t exposure_id;
};

/* A half-edge of a pending edge, linked per owner. */
struct pend_half {
	struct half h;
	uint32_t next; /* next pending half-edge of the same owner, or NONE */
};

struct cg {
	int64_t *ids;
	size_t n_subjects;
	size_t ids_cap;
	uint32_t *slots;
	size_t slots_cap; /* a power of two >= 2 * n_subjects, or 0 */

	struct edge_rec *edges;
	size_t n_edges; /* pending ones included */
	size_t edges_cap;

	uint32_t *offsets; /* csr_subjects + 1 entries, or NULL */
	struct half *halves;
	size_t csr_subjects;
	size_t csr_edges;

	uint32_t *pend_head; /* NULL while nothing is pending */
	size_t pend_head_cap;
	struct pend_half *pend;
	size_t pend_cap; /* in half-edges */
};

/* A slot of a trace's visited set: dense index -> index of its contact. */
struct cg__seen {
	uint32_t gen; /* the slot is in use iff gen == scratch.seen_gen */
	uint32_t node;
	uint32_t contact;
};

/* ---- subjects -------------------------------------------------------- */

/* Spread an id over 64 bits so that sequential ids and ids that differ
 * only in their high bits both land on distinct slots. */
static inline uint64_t
id_hash(int64_t id)
{
	uint64_t x = (uint64_t)id;
	x ^= x >> 31;
	x *= UINT64_C(0x9e3779b97f4a7c15);
	return x ^ (x >> 29);
}

/* Dense index of id, or NONE. */
static uint32_t
subject_find(const cg_t *g, int64_t id)
{
	if (g->slots_cap == 0)
		return NONE;
	size_t mask = g->slots_cap - 1;
	for (size_t i = id_hash(id) & mask;; i = (i + 1) & mask) {
		uint32_t x = g->slots[i];
		if (x == NONE || g->ids[x] == id)
			return x;
	}
}

/* Re-hash every subject into a table of at least want slots. */
static int
slots_grow(cg_t *g, size_t want)
{
	size_t cap = g->slots_cap ? g->slots_cap : 128;
	while (cap < want)
		cap *= 2;
	uint32_t *slots = malloc(cap * sizeof *slots);
	if (slots == NULL)
		return FK_ENOMEM;
	memset(slots, 0xff, cap * sizeof *slots);
	size_t mask = cap - 1;
	for (size_t x = 0; x < g->n_subjects; x++) {
		size_t i = id_hash(g->ids[x]) & mask;
		while (slots[i] != NONE)
			i = (i + 1) & mask;
		slots[i] = (uint32_t)x;
	}
	free(g->slots);
	g->slots = slots;
	g->slots_cap = cap;
	return 0;
}

/* Make room for `more` new subjects so that subject_intern() cannot fail.
 * On failure the content of g is unchanged (capacities may have grown). */
static int
subjects_reserve(cg_t *g, size_t more)
{
	size_t need = g->n_subjects + more;
	if (need > CG_SUBJECTS_MAX)
		return FK_ETOOBIG;
	if (need > g->ids_cap) {
		size_t cap = g->ids_cap ? g->ids_cap * 2 : 64;
		while (cap < need)
			cap *= 2;
		int64_t *ids = realloc(g->ids, cap * sizeof *ids);
		if (ids == NULL)
			return FK_ENOMEM;
		g->ids = ids;
		g->ids_cap = cap;
	}
	if (need * 2 > g->slots_cap)
		return slots_grow(g, need * 2);
	return 0;
}

/* Dense index of id, made if new.  Needs subjects_reserve(g, 1) first. */
static uint32_t
subject_intern(cg_t *g, int64_t id)
{
	size_t mask = g->slots_cap - 1;
	size_t i = id_hash(id) & mask;
	for (;; i = (i + 1) & mask) {
		uint32_t x = g->slots[i];
		if (x == NONE)
			break;
		if (g->ids[x] == id)
			return x;
	}
	assert(g->n_subjects < g->ids_cap && (g->n_subjects + 1) * 2 <= g->slots_cap);
	uint32_t x = (uint32_t)g->n_subjects++;
	g->ids[x] = id;
	g->slots[i] = x;
	return x;
}

/* ---- build ----------------------------------------------------------- */

int
cg_edge_validate(const struct cg_edge *e, struct fk_error *err)
{
	if (e == NULL)
		return fk_error_set(err, FK_EINVAL, "", "no exposure given");
	if (e->subject_a == e->subject_b)
		return fk_error_set(err, FK_EINVAL, "subject_b",
				    "subject_b is the same person as subject_a (%lld)",
				    (long long)e->subject_a);
	if (e->last_date < e->first_date)
		return fk_error_set(err, FK_EINVAL, "last_date",
				    "last_date (%ld) is before first_date (%ld)",
				    (long)e->last_date, (long)e->first_date);
	return 0;
}

static inline struct edge_rec
edge_rec_of(const struct cg_edge *e)
{
	return (struct edge_rec){e->first_date, e->last_date, e->exposure_id};
}

int
cg_build(const struct cg_edge *edges, size_t n, cg_t **out)
{
	cg_t *g = NULL;
	uint32_t *ends = NULL; /* dense subject_a, subject_b of each edge */
	int rc;

	if (out == NULL)
		return FK_EINVAL;
	*out = NULL;
	if (n > 0 && edges == NULL)
		return FK_EINVAL;
	if (n > CG_EDGES_MAX)
		return FK_ETOOBIG;
	for (size_t i = 0; i < n; i++) {
		rc = cg_edge_validate(&edges[i], NULL);
		if (rc)
			return rc;
	}

	rc = FK_ENOMEM;
	g = calloc(1, sizeof *g);
	if (g == NULL)
		goto out;
	if (n > 0) {
		ends = malloc(2 * n * sizeof *ends);
		g->edges = malloc(n * sizeof *g->edges);
		if (ends == NULL || g->edges == NULL)
			goto out;
		g->edges_cap = n;
	}

	for (size_t i = 0; i < n; i++) {
		rc = subjects_reserve(g, 2);
		if (rc)
			goto out;
		ends[2 * i] = subject_intern(g, edges[i].subject_a);
		ends[2 * i + 1] = subject_intern(g, edges[i].subject_b);
		g->edges[i] = edge_rec_of(&edges[i]);
	}
	g->n_edges = n;
	size_t nsub = g->n_subjects;

	/* Counting sort of the 2n half-edges by owner: offsets[x] counts,
	 * then starts, then (after the fill advanced it) ends; shifting by
	 * one turns ends back into starts. */
	rc = FK_ENOMEM;
	g->offsets = calloc(nsub + 1, sizeof *g->offsets);
	if (g->offsets == NULL)
		goto out;
	if (n > 0) {
		g->halves = malloc(2 * n * sizeof *g->halves);
		if (g->halves == NULL)
			goto out;
	}
	for (size_t i = 0; i < 2 * n; i++)
		g->offsets[ends[i]]++;
	uint32_t start = 0;
	for (size_t x = 0; x < nsub; x++) {
		uint32_t deg = g->offsets[x];
		g->offsets[x] = start;
		start += deg;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t a = ends[2 * i], b = ends[2 * i + 1];
		uint32_t edge = (uint32_t)i | (edges[i].protected ? PROT : 0);
		g->halves[g->offsets[a]++] = (struct half){b, edge};
		g->halves[g->offsets[b]++] = (struct half){a, edge};
	}
	memmove(g->offsets + 1, g->offsets, nsub * sizeof *g->offsets);
	g->offsets[0] = 0;
	assert(g->offsets[nsub] == 2 * n);
	g->csr_subjects = nsub;
	g->csr_edges = n;

	/* Give back the doubling slack of ids; keep it if realloc says no. */
	if (nsub > 0 && nsub < g->ids_cap) {
		int64_t *ids = realloc(g->ids, nsub * sizeof *ids);
		if (ids != NULL) {
			g->ids = ids;
			g->ids_cap = nsub;
		}
	}
	*out = g;
	g = NULL;
	rc = 0;
out:
	free(ends);
	cg_free(g);
	return rc;
}

void
cg_free(cg_t *g)
{
	if (g == NULL)
		return;
	free(g->ids);
	free(g->slots);
	free(g->edges);
	free(g->offsets);
	free(g->halves);
	free(g->pend_head);
	free(g->pend);
	free(g);
}

/* ---- adding edges ---------------------------------------------------- */

static size_t
pending_limit(const cg_t *g)
{
	size_t eighth = g->csr_edges / 8;
	return eighth > CG_PENDING_MIN ? eighth : CG_PENDING_MIN;
}

/* Room for one more edge record. */
static int
edges_reserve(cg_t *g)
{
	if (g->n_edges < g->edges_cap)
		return 0;
	size_t cap = g->edges_cap + g->edges_cap / 2 + 64;
	if (cap > CG_EDGES_MAX)
		cap = CG_EDGES_MAX;
	struct edge_rec *e = realloc(g->edges, cap * sizeof *e);
	if (e == NULL)
		return FK_ENOMEM;
	g->edges = e;
	g->edges_cap = cap;
	return 0;
}

/* Room for one more pending edge, and a pending head for every subject
 * ids has room for (so new subjects need no more). */
static int
pending_reserve(cg_t *g)
{
	if (g->pend_head_cap < g->ids_cap) {
		uint32_t *h = realloc(g->pend_head, g->ids_cap * sizeof *h);
		if (h == NULL)
			return FK_ENOMEM;
		memset(h + g->pend_head_cap, 0xff, (g->ids_cap - g->pend_head_cap) * sizeof *h);
		g->pend_head = h;
		g->pend_head_cap = g->ids_cap;
	}
	size_t used = 2 * (g->n_edges - g->csr_edges);
	if (used + 2 > g->pend_cap) {
		size_t cap = g->pend_cap ? g->pend_cap * 2 : 64;
		struct pend_half *p = realloc(g->pend, cap * sizeof *p);
		if (p == NULL)
			return FK_ENOMEM;
		g->pend = p;
		g->pend_cap = cap;
	}
	return 0;
}

int
cg_add(cg_t *g, const struct cg_edge *e)
{
	int rc;

	if (g == NULL)
		return FK_EINVAL;
	rc = cg_edge_validate(e, NULL);
	if (rc)
		return rc;
	if (g->n_edges >= CG_EDGES_MAX)
		return FK_ETOOBIG;
	if (g->n_edges - g->csr_edges >= pending_limit(g)) {
		rc = cg_compact(g);
		if (rc)
			return rc;
	}
	/* Reserve everything first, so that nothing below can fail. */
	size_t new_subjects = (subject_find(g, e->subject_a) == NONE) +
			      (subject_find(g, e->subject_b) == NONE);
	rc = subjects_reserve(g, new_subjects);
	if (rc == 0)
		rc = edges_reserve(g);
	if (rc == 0)
		rc = pending_reserve(g);
	if (rc)
		return rc;

	uint32_t a = subject_intern(g, e->subject_a);
	uint32_t b = subject_intern(g, e->subject_b);
	uint32_t edge = (uint32_t)g->n_edges;
	uint32_t flag = e->protected ? PROT : 0;
	uint32_t k = (uint32_t)(2 * (g->n_edges - g->csr_edges));
	g->edges[edge] = edge_rec_of(e);
	g->pend[k] = (struct pend_half){{b, edge | flag}, g->pend_head[a]};
	g->pend_head[a] = k;
	g->pend[k + 1] = (struct pend_half){{a, edge | flag}, g->pend_head[b]};
	g->pend_head[b] = k + 1;
	g->n_edges++;
	return 0;
}

int
cg_compact(cg_t *g)
{
	if (g == NULL)
		return FK_EINVAL;
	if (g->n_edges == g->csr_edges)
		return 0; /* subjects only ever come with an edge */

	size_t nsub = g->n_subjects, nhalf = 2 * g->n_edges;
	uint32_t *offsets = malloc((nsub + 1) * sizeof *offsets);
	struct half *halves = malloc(nhalf * sizeof *halves);
	if (offsets == NULL || halves == NULL) {
		free(offsets);
		free(halves);
		return FK_ENOMEM;
	}
	uint32_t pos = 0;
	for (size_t x = 0; x < nsub; x++) {
		offsets[x] = pos;
		if (x < g->csr_subjects) {
			uint32_t from = g->offsets[x], deg = g->offsets[x + 1] - from;
			memcpy(halves + pos, g->halves + from, deg * sizeof *halves);
			pos += deg;
		}
		for (uint32_t h = g->pend_head[x]; h != NONE; h = g->pend[h].next)
			halves[pos++] = g->pend[h].h;
	}
	offsets[nsub] = pos;
	assert(pos == nhalf);

	free(g->offsets);
	free(g->halves);
	free(g->pend_head);
	free(g->pend);
	g->offsets = offsets;
	g->halves = halves;
	g->csr_subjects = nsub;
	g->csr_edges = g->n_edges;
	g->pend_head = NULL;
	g->pend_head_cap = 0;
	g->pend = NULL;
	g->pend_cap = 0;
	return 0;
}

/* ---- getters --------------------------------------------------------- */

size_t
cg_subject_count(const cg_t *g)
{
	return g ? g->n_subjects : 0;
}

size_t
cg_edge_count(const cg_t *g)
{
	return g ? g->n_edges : 0;
}

size_t
cg_pending_count(const cg_t *g)
{
	return g ? g->n_edges - g->csr_edges : 0;
}

size_t
cg_memory_bytes(const cg_t *g)
{
	if (g == NULL)
		return 0;
	return sizeof *g + g->ids_cap * sizeof *g->ids + g->slots_cap * sizeof *g->slots +
	       g->edges_cap * sizeof *g->edges +
	       (g->offsets ? (g->csr_subjects + 1) * sizeof *g->offsets : 0) +
	       2 * g->csr_edges * sizeof *g->halves + g->pend_head_cap * sizeof *g->pend_head +
	       g->pend_cap * sizeof *g->pend;
}

/* ---- trace ----------------------------------------------------------- */

/* First slot to probe for a dense index (Fibonacci hashing). */
static inline size_t
seen_hash(uint32_t node)
{
	return (size_t)(((uint64_t)node * UINT64_C(0x9e3779b97f4a7c15)) >> 32);
}

/* Room for one more contact, and a visited set at most half full after
 * adding it.  Growing the set re-inserts the contacts found so far. */
static int
result_reserve(cg_trace_result_t *r)
{
	size_t need = r->count + 1;
	if (need > r->scratch.cap) {
		size_t cap = r->scratch.cap ? r->scratch.cap * 2 : 64;
		struct cg_contact *c = realloc(r->contacts, cap * sizeof *c);
		if (c == NULL)
			return FK_ENOMEM;
		r->contacts = c;
		uint32_t *node = realloc(r->scratch.node, cap * sizeof *node);
		if (node == NULL)
			return FK_ENOMEM; /* contacts merely has room to spare */
		r->scratch.node = node;
		r->scratch.cap = cap;
	}
	if (need * 2 > r->scratch.seen_cap) {
		size_t cap = r->scratch.seen_cap ? r->scratch.seen_cap * 2 : 256;
		while (cap < need * 2)
			cap *= 2;
		struct cg__seen *seen = calloc(cap, sizeof *seen);
		if (seen == NULL)
			return FK_ENOMEM;
		size_t mask = cap - 1;
		for (size_t i = 0; i < r->count; i++) {
			size_t j = seen_hash(r->scratch.node[i]) & mask;
			for (; seen[j].gen == 1; j = (j + 1) & mask)
				;
			seen[j] = (struct cg__seen){1, r->scratch.node[i], (uint32_t)i};
		}
		free(r->scratch.seen);
		r->scratch.seen = seen;
		r->scratch.seen_cap = cap;
		r->scratch.seen_gen = 1;
	}
	return 0;
}

/* Forget the visited set in O(1): bump the generation; clear the slots
 * only when it wraps. */
static void
seen_reset(cg_trace_result_t *r)
{
	if (++r->scratch.seen_gen == 0) {
		if (r->scratch.seen != NULL)
			memset(r->scratch.seen, 0, r->scratch.seen_cap * sizeof *r->scratch.seen);
		r->scratch.seen_gen = 1;
	}
}

/* The contact index of node, or NONE with *slot the free slot for it.
 * The set must have a free slot (result_reserve). */
static inline uint32_t
seen_find(const cg_trace_result_t *r, uint32_t node, size_t *slot)
{
	size_t mask = r->scratch.seen_cap - 1;
	size_t j = seen_hash(node) & mask;
	for (;; j = (j + 1) & mask) {
		const struct cg__seen *s = &r->scratch.seen[j];
		if (s->gen != r->scratch.seen_gen) {
			*slot = j;
			return NONE;
		}
		if (s->node == node)
			return s->contact;
	}
}

/* Does an exposure ending on last, with that id, reached through via,
 * set a later end of observation than what c holds?  (See the header:
 * latest last_date, then smallest exposure id, then smallest via.) */
static inline bool
better(int32_t last, int64_t exposure_id, int64_t via_id, const struct cg_contact *c)
{
	if (last != c->last_date)
		return last > c->last_date;
	if (exposure_id != c->exposure_id)
		return exposure_id < c->exposure_id;
	return via_id < c->via_id;
}

/* Subject nbr is reached at this hop from subject via by edge `edge`
 * (already filtered for protection and window): record it, or improve
 * the exposure of a contact met before at the same hop.  A subject met
 * at hop 1 stays at hop 1. */
static int
offer(const cg_t *g, cg_trace_result_t *r, uint32_t nbr, int32_t hop, uint32_t via, uint32_t edge)
{
	size_t slot = 0;
	uint32_t ci;

	int rc = result_reserve(r);
	if (rc)
		return rc;
	ci = seen_find(r, nbr, &slot);
	const struct edge_rec *er;
	if (ci != NONE) {
		struct cg_contact *c = &r->contacts[ci];
		if (c->hop != hop)
			return 0;
		er = &g->edges[edge];
		if (better(er->last_date, er->exposure_id, g->ids[via], c)) {
			c->via_id = g->ids[via];
			c->exposure_id = er->exposure_id;
			c->last_date = er->last_date;
		}
		return 0;
	}
	er = &g->edges[edge];
	ci = (uint32_t)r->count++;
	r->contacts[ci] = (struct cg_contact){
		.id = g->ids[nbr],
		.via_id = g->ids[via],
		.exposure_id = er->exposure_id,
		.last_date = er->last_date,
		.hop = hop,
	};
	r->scratch.node[ci] = nbr;
	r->scratch.seen[slot] = (struct cg__seen){r->scratch.seen_gen, nbr, ci};
	return 0;
}

struct trace_query {
	uint32_t source;
	int32_t window_from;
	int32_t window_to;
};

/* One half-edge of subject x, at this hop of the trace q. */
static inline int
consider(const cg_t *g, cg_trace_result_t *r, const struct trace_query *q, uint32_t x, int32_t hop,
	 struct half h)
{
	if (h.edge & PROT)
		return 0;
	if (hop == 1) {
		const struct edge_rec *er = &g->edges[h.edge];
		if (er->first_date > q->window_to || er->last_date < q->window_from)
			return 0;
	} else if (h.nbr == q->source) {
		return 0;
	}
	return offer(g, r, h.nbr, hop, x, h.edge);
}

/* Every half-edge of subject x: its CSR range, then its pending list. */
static int
scan(const cg_t *g, cg_trace_result_t *r, const struct trace_query *q, uint32_t x, int32_t hop)
{
	int rc;
	if (x < g->csr_subjects) {
		const struct half *h = g->halves + g->offsets[x];
		const struct half *end = g->halves + g->offsets[x + 1];
		for (; h < end; h++) {
			rc = consider(g, r, q, x, hop, *h);
			if (rc)
				return rc;
		}
	}
	if (g->pend_head != NULL && x < g->pend_head_cap) {
		for (uint32_t p = g->pend_head[x]; p != NONE; p = g->pend[p].next) {
			rc = consider(g, r, q, x, hop, g->pend[p].h);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int
contact_cmp(const void *pa, const void *pb)
{
	const struct cg_contact *a = pa, *b = pb;
	return (a->id > b->id) - (a->id < b->id);
}

int
cg_trace(const cg_t *g, int64_t source_id, int32_t window_from, int32_t window_to, int hops,
	 cg_trace_result_t *out)
{
	int rc;

	if (out == NULL)
		return FK_EINVAL;
	out->count = out->hop1_count = out->hop2_count = 0;
	if (g == NULL || (hops != 1 && hops != 2) || window_from > window_to)
		return FK_EINVAL;
	uint32_t source = subject_find(g, source_id);
	if (source == NONE)
		return FK_ENOTFOUND;

	struct trace_query q = {source, window_from, window_to};
	seen_reset(out);
	rc = scan(g, out, &q, source, 1);
	if (rc)
		goto fail;
	out->hop1_count = out->count;
	if (hops == 2) {
		/* out->count grows as hop 2 is found; the first hop1_count
		 * entries stay the hop-1 contacts. */
		for (size_t i = 0; i < out->hop1_count; i++) {
			rc = scan(g, out, &q, out->scratch.node[i], 2);
			if (rc)
				goto fail;
		}
	}
	out->hop2_count = out->count - out->hop1_count;
	if (out->count > 1)
		qsort(out->contacts, out->count, sizeof *out->contacts, contact_cmp);
	return 0;
fail:
	out->count = out->hop1_count = out->hop2_count = 0;
	return rc;
}

void
cg_trace_result_free(cg_trace_result_t *r)
{
	if (r == NULL)
		return;
	free(r->contacts);
	free(r->scratch.node);
	free(r->scratch.seen);
	*r = (cg_trace_result_t)CG_TRACE_RESULT_INIT;
}

/*
 * contactgraph.c -- core layer: the in-memory contact graph (CSR plus a
 * pending list) and the 1- and 2-hop trace of a case.  See
 * contactgraph.h for the contract; the invariants are here.
 *
 * Storage:
 *
 *   slots[]            open addressing, linear probing, load <= 1/2 (so
 *                      a probe always ends): a subject's id and its CSR
 *                      range [start, end), or end == NONE if empty
 *   nbr_id[], exposure_id[], first_date[], last_date[]
 *                      the CSR arrays: csr_halves half-edges (an exposure
 *                      seen from one of its subjects), grouped by owner;
 *                      a subject added after the last merge has an empty
 *                      range
 *   pend_head[i]       first pending half-edge of the subject in slot i,
 *                      or NONE; allocated (slots_cap entries, moved along
 *                      when the slots are re-hashed) only while edges are
 *                      pending
 *   pend[2k], [2k+1]   pending edge k seen from subject_a and from
 *                      subject_b, each linked to the next pending
 *                      half-edge of its owner
 *
 * Only unprotected exposures are stored: a trace never follows a
 * protected one, so it only makes its subjects known and is counted.
 *
 * Why the layout is what it is.  A trace is a few chains of dependent
 * memory reads (find the subject, then read its half-edges), and on a
 * graph of millions every link is a trip to DRAM -- several hundred ns
 * on a busy virtual machine.  So a slot holds the range itself (no id
 * table, no offsets array between the hash and the half-edges), and each
 * half-edge carries the neighbour's id, the exposure id and both dates
 * (no index into shared edge records and an id table, which would cost
 * two more random reads per contact found).  The half-edges of one
 * subject are then read as four short sequential runs.  It costs 24
 * bytes per half-edge (48 per stored exposure) and 16 per slot.
 *
 * A trace keeps its state in the caller's result, never in the graph, so
 * concurrent traces share nothing writable.
 */
#include "contactgraph.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* A subject: its id and where its half-edges are. */
struct slot {
	int64_t id;
	uint32_t start; /* CSR range [start, end) */
	uint32_t end;	/* NONE: this slot is empty */
};

/* A half-edge of a pending edge, linked per owner. */
struct pend_half {
	int64_t nbr_id;
	int64_t exposure_id;
	int32_t first_date;
	int32_t last_date;
	uint32_t next; /* next pending half-edge of the same owner, or NONE */
};

struct cg {
	struct slot *slots;
	size_t slots_cap; /* a power of two >= 2 * n_subjects, or 0 */
	size_t n_subjects;

	size_t n_edges;	    /* every exposure accepted, protected included */
	size_t n_protected; /* of them, protected (not stored) */

	int64_t *nbr_id; /* the CSR arrays, csr_halves entries each */
	int64_t *exposure_id;
	int32_t *first_date;
	int32_t *last_date;
	size_t csr_halves;

	uint32_t *pend_head; /* slots_cap entries, or NULL when nothing pends */
	struct pend_half *pend;
	size_t pend_halves;
	size_t pend_cap; /* in half-edges */
};

/* A slot of a trace's visited set: contact id -> index in contacts. */
struct cg__seen {
	int64_t id;
	uint32_t contact;
	uint32_t gen; /* the slot is in use iff gen == scratch.seen_gen */
};

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

/* ---- subjects -------------------------------------------------------- */

/* Slot index of id, or NONE. */
static uint32_t
slot_find(const cg_t *g, int64_t id)
{
	if (g->slots_cap == 0)
		return NONE;
	size_t mask = g->slots_cap - 1;
	for (size_t i = id_hash(id) & mask;; i = (i + 1) & mask) {
		const struct slot *s = &g->slots[i];
		if (s->end == NONE)
			return NONE;
		if (s->id == id)
			return (uint32_t)i;
	}
}

/* Re-hash every subject (and its pending head) into a table of at least
 * want slots.  All or nothing. */
static int
slots_grow(cg_t *g, size_t want)
{
	size_t cap = g->slots_cap ? g->slots_cap : 64;
	while (cap < want)
		cap *= 2;
	struct slot *slots = malloc(cap * sizeof *slots);
	uint32_t *pend_head = g->pend_head ? malloc(cap * sizeof *pend_head) : NULL;
	if (slots == NULL || (g->pend_head != NULL && pend_head == NULL)) {
		free(slots);
		free(pend_head);
		return FK_ENOMEM;
	}
	memset(slots, 0xff, cap * sizeof *slots);
	size_t mask = cap - 1;
	for (size_t i = 0; i < g->slots_cap; i++) {
		if (g->slots[i].end == NONE)
			continue;
		size_t j = id_hash(g->slots[i].id) & mask;
		while (slots[j].end != NONE)
			j = (j + 1) & mask;
		slots[j] = g->slots[i];
		if (pend_head)
			pend_head[j] = g->pend_head[i];
	}
	free(g->slots);
	free(g->pend_head);
	g->slots = slots;
	g->slots_cap = cap;
	g->pend_head = pend_head;
	return 0;
}

/* Make room for `more` new subjects so that slot_intern() cannot fail.
 * On failure the content of g is unchanged. */
static int
subjects_reserve(cg_t *g, size_t more)
{
	size_t need = g->n_subjects + more;
	if (need > CG_SUBJECTS_MAX)
		return FK_ETOOBIG;
	if (need * 2 > g->slots_cap)
		return slots_grow(g, need * 2);
	return 0;
}

/* Slot index of id, made (with an empty range) if new, which *is_new
 * tells; subjects_reserve() made the room. */
static uint32_t
slot_intern(cg_t *g, int64_t id, bool *is_new)
{
	size_t mask = g->slots_cap - 1;
	size_t i = id_hash(id) & mask;
	for (;; i = (i + 1) & mask) {
		struct slot *s = &g->slots[i];
		if (s->end == NONE)
			break;
		if (s->id == id) {
			*is_new = false;
			return (uint32_t)i;
		}
	}
	assert((g->n_subjects + 1) * 2 <= g->slots_cap);
	g->slots[i] = (struct slot){id, 0, 0};
	if (g->pend_head)
		g->pend_head[i] = NONE;
	g->n_subjects++;
	*is_new = true;
	return (uint32_t)i;
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

/* Allocate the four half-edge arrays for n positions (all or none). */
static int
halves_alloc(size_t n, int64_t **nbr_id, int64_t **exposure_id, int32_t **first_date,
	     int32_t **last_date)
{
	size_t k = n ? n : 1;
	*nbr_id = malloc(k * sizeof **nbr_id);
	*exposure_id = malloc(k * sizeof **exposure_id);
	*first_date = malloc(k * sizeof **first_date);
	*last_date = malloc(k * sizeof **last_date);
	if (*nbr_id && *exposure_id && *first_date && *last_date)
		return 0;
	free(*nbr_id);
	free(*exposure_id);
	free(*first_date);
	free(*last_date);
	*nbr_id = *exposure_id = NULL;
	*first_date = *last_date = NULL;
	return FK_ENOMEM;
}

/*
 * The build numbers subjects densely in order of first appearance (x,
 * kept in slot.start meanwhile), counting-sorts the stored half-edges by
 * x, and finally gives each slot its range.  Temporary memory: 8 bytes
 * per stored exposure (ends) and 4 per subject (offsets).
 */
int
cg_build(const struct cg_edge *edges, size_t n, cg_t **out)
{
	cg_t *g = NULL;
	uint32_t *ends = NULL;	  /* dense subject_a, subject_b of each stored edge */
	uint32_t *offsets = NULL; /* per dense subject */
	size_t stored = 0;
	bool is_new;
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
		stored += !edges[i].protected;
	}

	rc = FK_ENOMEM;
	g = calloc(1, sizeof *g);
	if (g == NULL)
		goto out;
	ends = malloc((2 * stored + 1) * sizeof *ends);
	if (ends == NULL)
		goto out;
	for (size_t i = 0, k = 0; i < n; i++) {
		uint32_t x[2];
		rc = subjects_reserve(g, 2);
		if (rc)
			goto out;
		for (int side = 0; side < 2; side++) {
			int64_t id = side ? edges[i].subject_b : edges[i].subject_a;
			struct slot *s = &g->slots[slot_intern(g, id, &is_new)];
			if (is_new)
				s->start = (uint32_t)(g->n_subjects - 1);
			x[side] = s->start;
		}
		if (!edges[i].protected) {
			ends[k++] = x[0];
			ends[k++] = x[1];
		}
	}
	g->n_edges = n;
	g->n_protected = n - stored;
	size_t nsub = g->n_subjects, nhalf = 2 * stored;

	/* Counting sort of the half-edges by owner: offsets[x] counts, then
	 * starts, then (after the fill advanced it) ends; shifting by one
	 * turns ends back into starts. */
	rc = FK_ENOMEM;
	offsets = calloc(nsub + 1, sizeof *offsets);
	if (offsets == NULL)
		goto out;
	rc = halves_alloc(nhalf, &g->nbr_id, &g->exposure_id, &g->first_date, &g->last_date);
	if (rc)
		goto out;
	for (size_t i = 0; i < nhalf; i++)
		offsets[ends[i]]++;
	uint32_t start = 0;
	for (size_t x = 0; x < nsub; x++) {
		uint32_t deg = offsets[x];
		offsets[x] = start;
		start += deg;
	}
	for (size_t i = 0, k = 0; i < n; i++) {
		const struct cg_edge *e = &edges[i];
		if (e->protected)
			continue;
		uint32_t pa = offsets[ends[k]]++, pb = offsets[ends[k + 1]]++;
		k += 2;
		g->nbr_id[pa] = e->subject_b;
		g->nbr_id[pb] = e->subject_a;
		g->exposure_id[pa] = g->exposure_id[pb] = e->exposure_id;
		g->first_date[pa] = g->first_date[pb] = e->first_date;
		g->last_date[pa] = g->last_date[pb] = e->last_date;
	}
	memmove(offsets + 1, offsets, nsub * sizeof *offsets);
	offsets[0] = 0;
	assert(offsets[nsub] == nhalf);
	for (size_t i = 0; i < g->slots_cap; i++) {
		struct slot *s = &g->slots[i];
		if (s->end == NONE)
			continue;
		uint32_t x = s->start;
		s->start = offsets[x];
		s->end = offsets[x + 1];
	}
	g->csr_halves = nhalf;
	*out = g;
	g = NULL;
	rc = 0;
out:
	free(ends);
	free(offsets);
	cg_free(g);
	return rc;
}

void
cg_free(cg_t *g)
{
	if (g == NULL)
		return;
	free(g->slots);
	free(g->nbr_id);
	free(g->exposure_id);
	free(g->first_date);
	free(g->last_date);
	free(g->pend_head);
	free(g->pend);
	free(g);
}

/* ---- adding edges ---------------------------------------------------- */

static size_t
pending_limit(const cg_t *g)
{
	size_t eighth = g->csr_halves / 16; /* 1/8 of the stored edges */
	return eighth > CG_PENDING_MIN ? eighth : CG_PENDING_MIN;
}

/* Room for one more pending edge, with pending heads for every slot. */
static int
pending_reserve(cg_t *g)
{
	if (g->pend_head == NULL) {
		g->pend_head = malloc(g->slots_cap * sizeof *g->pend_head);
		if (g->pend_head == NULL)
			return FK_ENOMEM;
		memset(g->pend_head, 0xff, g->slots_cap * sizeof *g->pend_head);
	}
	if (g->pend_halves + 2 > g->pend_cap) {
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
	bool is_new;
	int rc;

	if (g == NULL)
		return FK_EINVAL;
	rc = cg_edge_validate(e, NULL);
	if (rc)
		return rc;
	if (g->n_edges >= CG_EDGES_MAX)
		return FK_ETOOBIG;
	if (!e->protected && g->pend_halves / 2 >= pending_limit(g)) {
		rc = cg_compact(g);
		if (rc)
			return rc;
	}
	/* Reserve everything first, so that nothing below can fail. */
	size_t new_subjects =
	    (slot_find(g, e->subject_a) == NONE) + (slot_find(g, e->subject_b) == NONE);
	rc = subjects_reserve(g, new_subjects);
	if (rc == 0 && !e->protected)
		rc = pending_reserve(g);
	if (rc)
		return rc;

	uint32_t a = slot_intern(g, e->subject_a, &is_new);
	uint32_t b = slot_intern(g, e->subject_b, &is_new);
	g->n_edges++;
	if (e->protected) {
		g->n_protected++;
		return 0;
	}
	uint32_t k = (uint32_t)g->pend_halves;
	g->pend[k] = (struct pend_half){e->subject_b, e->exposure_id, e->first_date, e->last_date,
					g->pend_head[a]};
	g->pend_head[a] = k;
	g->pend[k + 1] = (struct pend_half){e->subject_a, e->exposure_id, e->first_date,
					    e->last_date, g->pend_head[b]};
	g->pend_head[b] = k + 1;
	g->pend_halves += 2;
	return 0;
}

int
cg_compact(cg_t *g)
{
	int64_t *nbr_id, *exposure_id;
	int32_t *first_date, *last_date;

	if (g == NULL)
		return FK_EINVAL;
	if (g->pend_halves == 0)
		return 0;

	size_t nhalf = g->csr_halves + g->pend_halves;
	if (halves_alloc(nhalf, &nbr_id, &exposure_id, &first_date, &last_date))
		return FK_ENOMEM;
	/* Nothing below can fail: rewrite each slot's range as we go. */
	uint32_t pos = 0;
	for (size_t i = 0; i < g->slots_cap; i++) {
		struct slot *s = &g->slots[i];
		if (s->end == NONE)
			continue;
		uint32_t from = s->start, deg = s->end - s->start;
		s->start = pos;
		memcpy(nbr_id + pos, g->nbr_id + from, deg * sizeof *nbr_id);
		memcpy(exposure_id + pos, g->exposure_id + from, deg * sizeof *exposure_id);
		memcpy(first_date + pos, g->first_date + from, deg * sizeof *first_date);
		memcpy(last_date + pos, g->last_date + from, deg * sizeof *last_date);
		pos += deg;
		for (uint32_t h = g->pend_head[i]; h != NONE; h = g->pend[h].next, pos++) {
			nbr_id[pos] = g->pend[h].nbr_id;
			exposure_id[pos] = g->pend[h].exposure_id;
			first_date[pos] = g->pend[h].first_date;
			last_date[pos] = g->pend[h].last_date;
		}
		s->end = pos;
	}
	assert(pos == nhalf);

	free(g->nbr_id);
	free(g->exposure_id);
	free(g->first_date);
	free(g->last_date);
	free(g->pend_head);
	free(g->pend);
	g->nbr_id = nbr_id;
	g->exposure_id = exposure_id;
	g->first_date = first_date;
	g->last_date = last_date;
	g->csr_halves = nhalf;
	g->pend_head = NULL;
	g->pend = NULL;
	g->pend_halves = 0;
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
	return g ? g->pend_halves / 2 : 0;
}

size_t
cg_memory_bytes(const cg_t *g)
{
	if (g == NULL)
		return 0;
	size_t half = sizeof *g->nbr_id + sizeof *g->exposure_id + sizeof *g->first_date +
		      sizeof *g->last_date;
	return sizeof *g + g->slots_cap * sizeof *g->slots +
	       (g->nbr_id ? (g->csr_halves ? g->csr_halves : 1) * half : 0) +
	       (g->pend_head ? g->slots_cap * sizeof *g->pend_head : 0) +
	       g->pend_cap * sizeof *g->pend;
}

/* ---- trace ----------------------------------------------------------- */

/* Room for `more` contacts, and a visited set at most half full after
 * adding them.  Growing the set re-inserts the contacts found so far. */
static int
result_reserve(cg_trace_result_t *r, size_t more)
{
	size_t need = r->count + more;
	if (need <= r->scratch.cap && need * 2 <= r->scratch.seen_cap)
		return 0;
	if (need > r->scratch.cap) {
		size_t cap = r->scratch.cap ? r->scratch.cap * 2 : 64;
		while (cap < need)
			cap *= 2;
		struct cg_contact *c = realloc(r->contacts, cap * sizeof *c);
		if (c == NULL)
			return FK_ENOMEM;
		r->contacts = c;
		struct cg_contact *t = realloc(r->scratch.sort_tmp, cap * sizeof *t);
		if (t == NULL)
			return FK_ENOMEM; /* contacts merely has room to spare */
		r->scratch.sort_tmp = t;
		uint32_t *node = realloc(r->scratch.node, cap * sizeof *node);
		if (node == NULL)
			return FK_ENOMEM;
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
			size_t j = id_hash(r->contacts[i].id) & mask;
			while (seen[j].gen == 1)
				j = (j + 1) & mask;
			seen[j] = (struct cg__seen){r->contacts[i].id, (uint32_t)i, 1};
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

/* Subject id is reached at this hop from via_id by an exposure (already
 * filtered for the window and the case): record it, or improve the
 * exposure of a contact met before at the same hop.  A subject met at
 * hop 1 stays at hop 1.  The caller made room (result_reserve). */
static inline void
offer(cg_trace_result_t *r, int64_t id, int32_t hop, int64_t via_id, int64_t exposure_id,
      int32_t last_date)
{
	assert(r->count < r->scratch.cap && (r->count + 1) * 2 <= r->scratch.seen_cap);
	struct cg__seen *seen = r->scratch.seen;
	size_t mask = r->scratch.seen_cap - 1;
	uint32_t gen = r->scratch.seen_gen;
	size_t j = id_hash(id) & mask;
	for (; seen[j].gen == gen; j = (j + 1) & mask) {
		if (seen[j].id != id)
			continue;
		struct cg_contact *c = &r->contacts[seen[j].contact];
		if (c->hop == hop && better(last_date, exposure_id, via_id, c)) {
			c->via_id = via_id;
			c->exposure_id = exposure_id;
			c->last_date = last_date;
		}
		return;
	}
	uint32_t ci = (uint32_t)r->count++;
	r->contacts[ci] = (struct cg_contact){id, via_id, exposure_id, last_date, hop};
	seen[j] = (struct cg__seen){id, ci, gen};
}

/* Hop 1: the exposures of the case (in slot x) that overlap the window. */
static int
scan_hop1(const cg_t *g, cg_trace_result_t *r, uint32_t x, int64_t case_id, int32_t from,
	  int32_t to)
{
	uint32_t start = g->slots[x].start, end = g->slots[x].end;
	int rc = result_reserve(r, end - start);
	if (rc)
		return rc;
	for (uint32_t p = start; p < end; p++) {
		if (g->first_date[p] > to || g->last_date[p] < from)
			continue;
		offer(r, g->nbr_id[p], 1, case_id, g->exposure_id[p], g->last_date[p]);
	}
	if (g->pend_head != NULL) {
		for (uint32_t h = g->pend_head[x]; h != NONE; h = g->pend[h].next) {
			const struct pend_half *p = &g->pend[h];
			if (p->first_date > to || p->last_date < from)
				continue;
			rc = result_reserve(r, 1);
			if (rc)
				return rc;
			offer(r, p->nbr_id, 1, case_id, p->exposure_id, p->last_date);
		}
	}
	return 0;
}

/* Hop 2: every exposure of the hop-1 contact via_id (in slot x), except
 * those with the case. */
static int
scan_hop2(const cg_t *g, cg_trace_result_t *r, uint32_t x, int64_t via_id, int64_t case_id)
{
	uint32_t start = g->slots[x].start, end = g->slots[x].end;
	int rc = result_reserve(r, end - start);
	if (rc)
		return rc;
	for (uint32_t p = start; p < end; p++) {
		if (g->nbr_id[p] == case_id)
			continue;
		offer(r, g->nbr_id[p], 2, via_id, g->exposure_id[p], g->last_date[p]);
	}
	if (g->pend_head != NULL) {
		for (uint32_t h = g->pend_head[x]; h != NONE; h = g->pend[h].next) {
			const struct pend_half *p = &g->pend[h];
			if (p->nbr_id == case_id)
				continue;
			rc = result_reserve(r, 1);
			if (rc)
				return rc;
			offer(r, p->nbr_id, 2, via_id, p->exposure_id, p->last_date);
		}
	}
	return 0;
}

/*
 * The slots of the hop-1 contacts, into scratch.node.  Finding a slot
 * and then reading its half-edges are two dependent reads, each likely a
 * cache miss on a large graph; doing it in stages -- prefetch every
 * contact's slot, then find each and prefetch its half-edges -- overlaps
 * the misses of all the contacts instead of paying them one by one.
 */
static void
resolve_hop1(const cg_t *g, cg_trace_result_t *r)
{
	size_t n = r->hop1_count, mask = g->slots_cap - 1;
	uint32_t *node = r->scratch.node;

	for (size_t i = 0; i < n; i++)
		PREFETCH(&g->slots[id_hash(r->contacts[i].id) & mask]);
	for (size_t i = 0; i < n; i++) {
		node[i] = slot_find(g, r->contacts[i].id);
		assert(node[i] != NONE); /* a neighbour is a subject */
		uint32_t p = g->slots[node[i]].start;
		if (p < g->slots[node[i]].end) {
			PREFETCH(&g->nbr_id[p]);
			PREFETCH(&g->exposure_id[p]);
			PREFETCH(&g->last_date[p]);
		}
	}
}

/* Sort a[lo..hi) by id by insertion: fast on short or nearly sorted
 * runs.  Gives up (returns false, a[] still a permutation) once it has
 * moved more than max_moves entries. */
static bool
insertion_sort(struct cg_contact *a, size_t lo, size_t hi, size_t max_moves)
{
	size_t moves = 0;
	for (size_t i = lo + 1; i < hi; i++) {
		struct cg_contact v = a[i];
		size_t j = i;
		for (; j > lo && a[j - 1].id > v.id; j--)
			a[j] = a[j - 1];
		a[j] = v;
		moves += i - j;
		if (moves > max_moves)
			return false;
	}
	return true;
}

/* Sort a[0..n) by id: insertion-sorted runs of 16, then bottom-up
 * merges through tmp.  O(n log n) whatever the ids. */
static void
merge_sort(struct cg_contact *a, struct cg_contact *tmp, size_t n)
{
	enum { RUN = 16 };
	for (size_t lo = 0; lo < n; lo += RUN)
		(void)insertion_sort(a, lo, lo + RUN < n ? lo + RUN : n, SIZE_MAX);
	struct cg_contact *src = a, *dst = tmp;
	for (size_t width = RUN; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = src[i].id < src[j].id ? src[i++] : src[j++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		struct cg_contact *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

/*
 * Sort the contacts of r by id.  A comparison sort of a hundred random
 * ids mispredicts about half of its branches and took as long as the
 * whole graph walk, so: one counting pass into about 2n buckets by the
 * top bits of id - min (into sort_tmp, which then swaps with contacts),
 * after which the array is nearly sorted and one insertion sort
 * finishes it in about linear time.  If the ids are bunched into few
 * buckets, the insertion sort gives up after SORT_MOVES_PER_ENTRY * n
 * moves and merge_sort() does it in O(n log n).
 */
enum { SORT_BUCKET_BITS_MAX = 10, SORT_MOVES_PER_ENTRY = 4 };

static void
sort_by_id(cg_trace_result_t *r)
{
	struct cg_contact *a = r->contacts, *tmp = r->scratch.sort_tmp;
	size_t n = r->count;
	uint32_t start[(1 << SORT_BUCKET_BITS_MAX) + 1];

	if (n <= 16) {
		(void)insertion_sort(a, 0, n, SIZE_MAX);
		return;
	}
	int64_t min = a[0].id, max = a[0].id;
	for (size_t i = 1; i < n; i++) {
		min = a[i].id < min ? a[i].id : min;
		max = a[i].id > max ? a[i].id : max;
	}
	/* max - min as unsigned is exact for any two int64 */
	uint64_t span = (uint64_t)max - (uint64_t)min;
	int span_bits = 0, bucket_bits = 1;
	while (span_bits < 64 && (span >> span_bits) != 0)
		span_bits++;
	while (bucket_bits < SORT_BUCKET_BITS_MAX && ((size_t)1 << bucket_bits) < 2 * n)
		bucket_bits++;
	int shift = span_bits > bucket_bits ? span_bits - bucket_bits : 0;
	size_t buckets = (size_t)1 << bucket_bits;

	memset(start, 0, (buckets + 1) * sizeof *start);
	for (size_t i = 0; i < n; i++)
		start[(((uint64_t)a[i].id - (uint64_t)min) >> shift) + 1]++;
	for (size_t b = 1; b <= buckets; b++)
		start[b] += start[b - 1];
	for (size_t i = 0; i < n; i++)
		tmp[start[((uint64_t)a[i].id - (uint64_t)min) >> shift]++] = a[i];
	if (!insertion_sort(tmp, 0, n, SORT_MOVES_PER_ENTRY * n))
		merge_sort(tmp, a, n);
	r->contacts = tmp;
	r->scratch.sort_tmp = a;
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
	uint32_t source = slot_find(g, source_id);
	if (source == NONE)
		return FK_ENOTFOUND;

	seen_reset(out);
	rc = scan_hop1(g, out, source, source_id, window_from, window_to);
	if (rc)
		goto fail;
	out->hop1_count = out->count;
	if (hops == 2 && out->hop1_count > 0) {
		resolve_hop1(g, out);
		/* out->count grows as hop 2 is found; the first hop1_count
		 * entries stay the hop-1 contacts, and node[] theirs. */
		for (size_t i = 0; i < out->hop1_count; i++) {
			rc =
			    scan_hop2(g, out, out->scratch.node[i], out->contacts[i].id, source_id);
			if (rc)
				goto fail;
		}
	}
	out->hop2_count = out->count - out->hop1_count;
	sort_by_id(out);
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
	free(r->scratch.sort_tmp);
	free(r->scratch.node);
	free(r->scratch.seen);
	*r = (cg_trace_result_t)CG_TRACE_RESULT_INIT;
}

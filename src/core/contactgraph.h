/*
 * contactgraph.h -- core layer: the contact graph of an outbreak, in
 * memory, and the trace of a case's close contacts (RULES.md R2).
 *
 * The graph is an undirected multigraph: a vertex is a subject (a
 * person, any int64 id, dense or sparse), an edge one recorded exposure
 * between two subjects with its first and last day, whether both sides
 * were protected, and the caller's exposure id.  Two people may share
 * many exposures (one per shift, meal, ride ...); each is its own edge.
 *
 * A trace from a case answers the two questions of R2.1 and R2.4:
 *
 *   hop 1  close contacts: every subject with an unprotected exposure to
 *          the case that overlaps the window [window_from, window_to]
 *          (2 days before onset until isolation, R2.1), i.e.
 *          first_date <= window_to and last_date >= window_from.
 *   hop 2  contacts of contacts: every subject with an unprotected
 *          exposure of any date to a hop-1 contact, except the case
 *          itself and the hop-1 contacts.
 *
 * Each contact is reported once, with the exposure that sets the end of
 * its medical observation (14 days from the last unprotected contact,
 * R2.2): of the exposures that qualify it, the one with the latest
 * last_date; ties go to the smaller exposure id, then to the smaller
 * via_id.  So the answer depends only on the set of exposures, never on
 * the order they were given in.
 *
 * Layout: CSR -- four parallel arrays with one entry per half-edge (an
 * exposure seen from one of its two subjects): the neighbour's id, the
 * exposure id, first_date and last_date, 24 bytes, so 48 per exposure;
 * each subject's half-edges are one range of them.  Protected exposures
 * are counted but not stored: no trace follows them, they only make
 * their subjects known.  An open-addressing hash table maps a subject's
 * id straight to its range (16-byte slots, 2 to 4 per subject), so a
 * trace finds a subject and reads its exposures in two steps.
 * Exposures added after the build wait in a pending list, linked per
 * subject, that traces read too; it is merged into the CSR arrays when
 * it reaches 1/8 of the graph (so an add costs O(1) amortised) or on
 * demand with cg_compact().
 *
 * Thread safety: a graph is a plain value without locks.  cg_trace() and
 * the cg_*_count / cg_memory_bytes getters only read it, so any number of
 * threads may call them at once on one graph, each with its own result.
 * cg_add(), cg_compact() and cg_free() write: the caller serialises them
 * against each other and against every reader (a pthread_rwlock_t held
 * for writing, say).
 *
 * Pure: no I/O.  Every allocation failure returns FK_ENOMEM and leaves
 * the graph as it was.
 */
#ifndef CONTACTGRAPH_H
#define CONTACTGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fk_err.h"

/* Most exposures a graph holds (2 half-edges each must index with a
 * uint32); cg_build and cg_add answer FK_ETOOBIG beyond it. */
#define CG_EDGES_MAX ((size_t)INT32_MAX)

/* Most distinct subjects a graph holds (slot numbers are uint32 and the
 * table is kept at most half full). */
#define CG_SUBJECTS_MAX ((size_t)1 << 30)

/* Edges added after the build are merged into the CSR arrays once this
 * many, or 1/8 of the graph's edges if that is more, are pending. */
#define CG_PENDING_MIN 1024

struct cg__seen; /* private to contactgraph.c */

/* A contact graph; opaque.  Built by cg_build(), freed by cg_free(). */
typedef struct cg cg_t;

/* One exposure: the caller's input, copied by cg_build() and cg_add(). */
struct cg_edge {
	int64_t subject_a;   /* one person */
	int64_t subject_b;   /* the other; must differ from subject_a */
	int64_t exposure_id; /* the caller's id for it (uniqueness not checked) */
	int32_t first_date;  /* day number (date.h) of the first contact */
	int32_t last_date;   /* day number of the last contact, >= first_date */
	bool protected;	     /* both sides effectively protected: never traced */
};

/* One traced contact. */
struct cg_contact {
	int64_t id;	     /* the contact */
	int64_t via_id;	     /* hop 1: the case; hop 2: the hop-1 contact */
	int64_t exposure_id; /* the exposure between via_id and id (see top) */
	int32_t last_date;   /* its last_date: observation runs 14 days on */
	int32_t hop;	     /* 1 or 2 */
};

/*
 * The answer of cg_trace(), owned by the caller: zero-initialise it
 * (CG_TRACE_RESULT_INIT), pass it to any number of traces -- each one
 * replaces the previous answer and reuses the memory -- and release it
 * with cg_trace_result_free().  One result per thread.
 */
typedef struct cg_trace_result {
	struct cg_contact *contacts;	     /* count contacts, by ascending id */
	size_t count;			     /* hop1_count + hop2_count */
	size_t hop1_count;		     /* contacts with hop 1 */
	size_t hop2_count;		     /* contacts with hop 2 */
	struct {			     /* private: scratch kept between traces */
		size_t cap;		     /* room in contacts and node */
		uint32_t *node;		     /* hash slot of each hop-1 contact */
		struct cg_contact *sort_tmp; /* sort buffer, cap entries */
		struct cg__seen *seen;	     /* contact id -> contact, open addressing */
		size_t seen_cap;	     /* slots in seen, a power of two or 0 */
		uint32_t seen_gen;	     /* a slot is in use iff its gen equals this */
	} scratch;
} cg_trace_result_t;

/* clang-format off */
#define CG_TRACE_RESULT_INIT {0}
/* clang-format on */

/*
 * Check one exposure as cg_build() and cg_add() will.  Returns 0 or
 * FK_EINVAL with err (may be NULL) naming the field: "subject_b" (the
 * same person as subject_a) or "last_date" (before first_date).
 */
int cg_edge_validate(const struct cg_edge *e, struct fk_error *err) FK_MUST_CHECK;

/*
 * Build a graph of the n exposures edges[0..n-1] (edges may be NULL if n
 * is 0).  The edges are copied; the caller keeps its array.  Every
 * subject named by an edge, protected or not, is known to the graph.
 * Runs in O(n) time; the graph takes 48 bytes per unprotected edge and
 * 32 to 64 per subject, and the build 8 more bytes per unprotected edge
 * and 4 per subject while it runs.
 *
 * On success returns 0 and sets *out to a graph the caller frees with
 * cg_free().  On failure sets *out to NULL and returns FK_EINVAL (an
 * edge fails cg_edge_validate(), e.g. a self-loop), FK_ETOOBIG (n >
 * CG_EDGES_MAX or more than CG_SUBJECTS_MAX subjects) or FK_ENOMEM.
 */
int cg_build(const struct cg_edge *edges, size_t n, cg_t **out) FK_MUST_CHECK;

/*
 * Add one exposure (copied) to g; its subjects become known if they were
 * not.  Amortised O(1): the edge waits in the pending list, merged into
 * the CSR arrays (O(E + N)) by this call when the list is full.  The
 * next cg_trace() sees it.  A write: see "Thread safety" above.
 *
 * Returns 0, FK_EINVAL (see cg_edge_validate), FK_ETOOBIG (g holds
 * CG_EDGES_MAX edges or CG_SUBJECTS_MAX subjects) or FK_ENOMEM; on
 * failure g is unchanged.
 */
int cg_add(cg_t *g, const struct cg_edge *e) FK_MUST_CHECK;

/*
 * Merge the pending exposures into the CSR arrays now (O(E + N)), e.g.
 * after a batch of cg_add() and before a busy spell of traces.  Traces
 * give the same answers before and after.  A write.  Returns 0 or
 * FK_ENOMEM (g unchanged).
 */
int cg_compact(cg_t *g) FK_MUST_CHECK;

/*
 * Trace the contacts of the case source_id (see the top of this file):
 * hop 1 with the window [window_from, window_to] (day numbers, both
 * included), and hop 2 as well if hops is 2.  A read: safe from many
 * threads at once, each with its own out.  Cost: the degree of the case,
 * plus with hops 2 the degrees of its hop-1 contacts, plus sorting the
 * answer; never proportional to the size of the graph.
 *
 * On success returns 0 and fills *out (contacts by ascending id).  On
 * failure out->count is 0 and the return is FK_EINVAL (hops not 1 or 2,
 * window_from > window_to, a NULL argument), FK_ENOTFOUND (no exposure
 * names source_id) or FK_ENOMEM.
 */
int cg_trace(const cg_t *g, int64_t source_id, int32_t window_from, int32_t window_to, int hops,
	     cg_trace_result_t *out) FK_MUST_CHECK;

/* Release the memory of r (which may be NULL) and zero it for reuse. */
void cg_trace_result_free(cg_trace_result_t *r);

/* Free g and everything it holds; g may be NULL. */
void cg_free(cg_t *g);

/* Distinct subjects g knows. */
size_t cg_subject_count(const cg_t *g);

/* Exposures in g, pending ones included. */
size_t cg_edge_count(const cg_t *g);

/* Unprotected exposures added with cg_add() and not merged yet. */
size_t cg_pending_count(const cg_t *g);

/* Bytes of heap g holds (its arrays at their allocated sizes), for
 * reporting memory per exposure. */
size_t cg_memory_bytes(const cg_t *g);

#endif

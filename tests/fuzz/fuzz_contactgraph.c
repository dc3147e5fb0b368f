/*
 * fuzz_contactgraph.c -- libFuzzer target for core/contactgraph: a graph
 * built from fuzzed exposures (some through cg_build, the rest through
 * cg_add, with cg_compact now and then) traces every fuzzed query
 * exactly as a naive reference over the plain edge list does -- same
 * return code, same contacts, hops, vias, exposures and dates, in the
 * same order.  A difference traps.
 *
 * Input (short inputs are padded with zeros):
 *   byte 0   subjects in the pool: 2 + b % 40
 *   byte 1   id style (dense, scattered, extremes, negative)
 *   byte 2   of the edges, how many go to cg_build (the rest to cg_add)
 *   byte 3   number of edges (at most what the input holds)
 *   5 bytes per edge: a, b (pool indexes; a == b is a self-loop),
 *            first_date (int8), span (bits 0-5; bit 6: reversed dates,
 *            invalid; bit 7: cg_compact after adding), flags (bit 0
 *            protected, bits 1-7 exposure id)
 *   4 bytes per query: source (pool index, or past the pool: unknown),
 *            window_from (int8), span (bit 7: reversed, invalid), hops
 *            (b % 4: 0 and 3 are invalid)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/contactgraph.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

#define MAX_EDGES 255

static int64_t
subject_id(unsigned k, unsigned style)
{
	switch (style % 4) {
	case 0: return (int64_t)k;
	case 1: return (int64_t)((uint64_t)k * UINT64_C(0x9e3779b97f4a7c15));
	case 2: return k == 0 ? INT64_MIN : k == 1 ? INT64_MAX : (int64_t)((uint64_t)k << 40);
	default: return -(int64_t)k * 1000003;
	}
}

/* ---- naive reference (see contactgraph.h for the contract) ----------- */

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

static bool
in_list(const struct cg_contact *c, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].id == id)
			return true;
	return false;
}

/* Fills out (room for 3 * n) and returns the count, or -1 if unknown. */
static long
ref_trace(const struct cg_edge *e, size_t n, int64_t src, int32_t from, int32_t to, int hops,
	  struct cg_contact *out)
{
	static struct cg_contact h1[MAX_EDGES], h2[2 * MAX_EDGES];
	bool known = false;
	size_t n1 = 0, n2 = 0;

	for (size_t i = 0; i < n; i++) {
		known |= e[i].subject_a == src || e[i].subject_b == src;
		if (e[i].protected || e[i].first_date > to || e[i].last_date < from)
			continue;
		if (e[i].subject_a == src)
			h1[n1++] = (struct cg_contact){e[i].subject_b, src, e[i].exposure_id,
						       e[i].last_date, 1};
		else if (e[i].subject_b == src)
			h1[n1++] = (struct cg_contact){e[i].subject_a, src, e[i].exposure_id,
						       e[i].last_date, 1};
	}
	if (!known)
		return -1;
	n1 = ref_best(h1, n1);
	if (hops == 2) {
		for (size_t i = 0; i < n; i++) {
			if (e[i].protected)
				continue;
			for (int side = 0; side < 2; side++) {
				int64_t via = side ? e[i].subject_b : e[i].subject_a;
				int64_t other = side ? e[i].subject_a : e[i].subject_b;
				if (in_list(h1, n1, via) && other != src && !in_list(h1, n1, other))
					h2[n2++] = (struct cg_contact){other, via, e[i].exposure_id,
								       e[i].last_date, 2};
			}
		}
		n2 = ref_best(h2, n2);
	}
	memcpy(out, h1, n1 * sizeof *out);
	memcpy(out + n1, h2, n2 * sizeof *out);
	if (n1 + n2 > 1)
		qsort(out, n1 + n2, sizeof *out, ref_cmp);
	return (long)(n1 + n2);
}

/* ---- the target ------------------------------------------------------ */

static uint8_t
byte_at(const uint8_t *data, size_t size, size_t i)
{
	return i < size ? data[i] : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cg_edge input[MAX_EDGES], accepted[MAX_EDGES];
	static struct cg_contact want[3 * MAX_EDGES];
	unsigned pool = 2 + byte_at(data, size, 0) % 40;
	unsigned style = byte_at(data, size, 1);
	size_t n = byte_at(data, size, 3);
	size_t pos = 4;
	bool compact_after[MAX_EDGES];
	cg_trace_result_t res = CG_TRACE_RESULT_INIT;

	if (size > pos && n > (size - pos) / 5)
		n = (size - pos) / 5;
	if (size <= pos)
		n = 0;
	size_t n_build = n ? byte_at(data, size, 2) % (n + 1) : 0;

	bool build_valid = true;
	for (size_t i = 0; i < n; i++, pos += 5) {
		unsigned a = data[pos] % pool, b = data[pos + 1] % pool;
		int32_t first = (int8_t)data[pos + 2];
		uint8_t span = data[pos + 3], flags = data[pos + 4];
		int32_t last = span & 0x40 ? first - 1 - (span & 0x3f) : first + (span & 0x3f);
		input[i] = (struct cg_edge){
		    .subject_a = subject_id(a, style),
		    .subject_b = subject_id(b, style),
		    .exposure_id = flags >> 1,
		    .first_date = first,
		    .last_date = last,
		    .protected = flags & 1,
		};
		compact_after[i] = span & 0x80;
		bool valid = a != b && last >= first;
		CHECK((cg_edge_validate(&input[i], NULL) == 0) == valid);
		if (i < n_build && !valid)
			build_valid = false;
	}

	cg_t *g = NULL;
	int rc = cg_build(input, n_build, &g);
	if (!build_valid) {
		CHECK(rc == FK_EINVAL && g == NULL);
		/* Build from the valid ones instead and go on. */
		size_t k = 0;
		for (size_t i = 0; i < n_build; i++)
			if (cg_edge_validate(&input[i], NULL) == 0)
				input[k++] = input[i];
		memmove(input + k, input + n_build, (n - n_build) * sizeof *input);
		memmove(compact_after + k, compact_after + n_build,
			(n - n_build) * sizeof *compact_after);
		n -= n_build - k;
		n_build = k;
		rc = cg_build(input, n_build, &g);
	}
	if (rc == FK_ENOMEM)
		return 0;
	CHECK(rc == 0 && g != NULL);
	memcpy(accepted, input, n_build * sizeof *input);
	size_t n_acc = n_build;

	for (size_t i = n_build; i < n; i++) {
		rc = cg_add(g, &input[i]);
		if (cg_edge_validate(&input[i], NULL) != 0) {
			CHECK(rc == FK_EINVAL);
			continue;
		}
		if (rc == FK_ENOMEM)
			goto out;
		CHECK(rc == 0);
		accepted[n_acc++] = input[i];
		if (compact_after[i])
			CHECK(cg_compact(g) == 0);
	}
	CHECK(cg_edge_count(g) == n_acc);

	for (; pos + 4 <= size; pos += 4) {
		unsigned k = data[pos] % (pool + 2);
		int64_t src = subject_id(k, style);
		int32_t from = (int8_t)data[pos + 1];
		uint8_t span = data[pos + 2];
		int32_t to = span & 0x80 ? from - 1 - (span & 0x1f) : from + (span & 0x7f);
		int hops = data[pos + 3] % 4;

		rc = cg_trace(g, src, from, to, hops, &res);
		if (rc == FK_ENOMEM)
			break;
		if (hops < 1 || hops > 2 || from > to) {
			CHECK(rc == FK_EINVAL && res.count == 0);
			continue;
		}
		long nwant = ref_trace(accepted, n_acc, src, from, to, hops, want);
		if (nwant < 0) {
			CHECK(rc == FK_ENOTFOUND && res.count == 0);
			continue;
		}
		CHECK(rc == 0);
		CHECK(res.count == (size_t)nwant);
		size_t hop1 = 0;
		for (size_t i = 0; i < res.count; i++) {
			const struct cg_contact *a = &res.contacts[i], *b = &want[i];
			CHECK(a->id == b->id && a->hop == b->hop && a->via_id == b->via_id &&
			      a->exposure_id == b->exposure_id && a->last_date == b->last_date);
			hop1 += b->hop == 1;
		}
		CHECK(res.hop1_count == hop1 && res.hop2_count == res.count - hop1);
	}
out:
	cg_trace_result_free(&res);
	cg_free(g);
	return 0;
}

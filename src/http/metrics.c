/*
 * metrics.c -- http layer: request counters and latency histogram, and
 * their Prometheus text exposition.  Counters are relaxed atomics: a
 * scrape sees each counter exactly, though not all of them at the same
 * instant.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_impl.h"

#define MAX_ROUTES 96
#define SLOT_UNMATCHED MAX_ROUTES
#define SLOT_PAGE (MAX_ROUTES + 1)
#define N_SLOTS (MAX_ROUTES + 2)

static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
			       409, 413, 415, 429, 500, 503, 0};
#define N_STATUS (sizeof statuses / sizeof statuses[0])

static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				0.1, 0.25, 0.5, 1, 2.5, 5};
#define N_BOUNDS (sizeof bounds / sizeof bounds[0])

static _Atomic uint64_t requests[N_SLOTS][N_STATUS];
static _Atomic uint64_t hist[N_BOUNDS + 1];
static _Atomic uint64_t hist_count;
static _Atomic uint64_t hist_sum_us;

void
metrics_init(void)
{
	/* static storage starts at zero; nothing to do */
}

static int
status_slot(int status)
{
	for (size_t i = 0; i + 1 < N_STATUS; i++)
		if (statuses[i] == status)
			return (int)i;
	return (int)N_STATUS - 1;
}

void
metrics_record(int route_idx, int status, uint64_t micros)
{
	int slot = route_idx >= 0 && route_idx < MAX_ROUTES ? route_idx
		   : route_idx == -2 ? SLOT_PAGE : SLOT_UNMATCHED;
	size_t b;

	atomic_fetch_add_explicit(&requests[slot][status_slot(status)], 1, memory_order_relaxed);
	for (b = 0; b < N_BOUNDS; b++)
		if ((double)micros / 1e6 <= bounds[b])
			break;
	atomic_fetch_add_explicit(&hist[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&hist_count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&hist_sum_us, micros, memory_order_relaxed);
}

struct out {
	char *p;
	size_t len, cap;
	bool oom;
};

static void
emit(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (o->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		size_t ncap = o->cap * 2 + (size_t)(n > 0 ? n : 0);
		char *np = realloc(o->p, ncap);
		if (np == NULL) {
			o->oom = true;
			return;
		}
		o->p = np;
		o->cap = ncap;
	}
}

char *
metrics_render(app_t *app, size_t *len)
{
	struct out o = {malloc(16384), 0, 16384, false};
	struct store_stats st;
	uint64_t cum = 0;

	if (o.p == NULL)
		return NULL;
	emit(&o, "# HELP fangkong_http_requests_total HTTP requests by route and status.\n"
		 "# TYPE fangkong_http_requests_total counter\n");
	for (int s = 0; s < N_SLOTS; s++) {
		const char *label = s == SLOT_PAGE ? "page"
				    : s == SLOT_UNMATCHED ? "unmatched"
				    : (size_t)s < http_routes_count ? http_routes[s].name : NULL;
		if (label == NULL)
			continue;
		for (size_t k = 0; k < N_STATUS; k++) {
			uint64_t v = atomic_load_explicit(&requests[s][k], memory_order_relaxed);
			if (v == 0)
				continue;
			if (statuses[k])
				emit(&o, "fangkong_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
				     label, statuses[k], (unsigned long long)v);
			else
				emit(&o, "fangkong_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
				     label, (unsigned long long)v);
		}
	}
	emit(&o, "# HELP fangkong_http_request_duration_seconds Time from request to reply.\n"
		 "# TYPE fangkong_http_request_duration_seconds histogram\n");
	for (size_t b = 0; b <= N_BOUNDS; b++) {
		cum += atomic_load_explicit(&hist[b], memory_order_relaxed);
		if (b < N_BOUNDS)
			emit(&o, "fangkong_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			     bounds[b], (unsigned long long)cum);
		else
			emit(&o, "fangkong_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
			     (unsigned long long)cum);
	}
	emit(&o, "fangkong_http_request_duration_seconds_sum %.6f\n",
	     (double)atomic_load(&hist_sum_us) / 1e6);
	emit(&o, "fangkong_http_request_duration_seconds_count %llu\n",
	     (unsigned long long)atomic_load(&hist_count));

	store_stats_get(app_store(app), &st);
	emit(&o, "# HELP fangkong_store_queue_depth Write jobs waiting for the writer.\n"
		 "# TYPE fangkong_store_queue_depth gauge\n"
		 "fangkong_store_queue_depth %llu\n",
	     (unsigned long long)st.queue_depth);
	emit(&o, "# HELP fangkong_store_commits_failed_total Batches whose commit failed.\n"
		 "# TYPE fangkong_store_commits_failed_total counter\n"
		 "fangkong_store_commits_failed_total %llu\n",
	     (unsigned long long)st.failed_commits);
	emit(&o, "# HELP fangkong_store_batch_size Write jobs per committed batch.\n"
		 "# TYPE fangkong_store_batch_size histogram\n");
	for (int b = 0; b < STORE_BATCH_BUCKETS; b++) {
		if (b < STORE_BATCH_BUCKETS - 1)
			emit(&o, "fangkong_store_batch_size_bucket{le=\"%d\"} %llu\n",
			     store_batch_bounds[b], (unsigned long long)st.batch_size_le[b]);
		else
			emit(&o, "fangkong_store_batch_size_bucket{le=\"+Inf\"} %llu\n",
			     (unsigned long long)st.batch_size_le[b]);
	}
	emit(&o, "fangkong_store_batch_size_sum %llu\nfangkong_store_batch_size_count %llu\n",
	     (unsigned long long)st.jobs, (unsigned long long)st.batches);
	{
		int queued = 0, running = 0;
		http_analysis_counts(&queued, &running);
		emit(&o, "# HELP fangkong_http_analyses_queued Long analyses waiting for an "
			 "analysis thread.\n"
			 "# TYPE fangkong_http_analyses_queued gauge\n"
			 "fangkong_http_analyses_queued %d\n"
			 "# HELP fangkong_http_analyses_running Long analyses running on the "
			 "analysis threads.\n"
			 "# TYPE fangkong_http_analyses_running gauge\n"
			 "fangkong_http_analyses_running %d\n",
		     queued, running);
	}
	if (o.oom) {
		free(o.p);
		return NULL;
	}
	*len = o.len;
	return o.p;
}

/*
 * analysis.h -- app layer: the analytics of analytics/ applied to the
 * series in the store (for the API and the views).
 */
#ifndef ANALYSIS_H
#define ANALYSIS_H

#include "analytics/rt.h"
#include "app.h"

/* A region's daily new confirmed cases (all sources summed; missing days
 * zero) from its first row (or `from` if earlier) to `to`.  *first gets
 * the date of day 0.  Caller frees *out.  FK_ENOTFOUND: no series. */
int app_region_incidence(app_t *a, const char *region_code, int32_t to, int64_t **out,
			 size_t *days, int32_t *first) FK_MUST_CHECK;

/* The organisation's own daily new confirmed cases: the cases
 * registered here, by report date, from the first to `to`.  Caller
 * frees *out.  FK_ENOTFOUND: no confirmed case yet. */
int app_org_incidence(app_t *a, int32_t to, int64_t **out, size_t *days,
		      int32_t *first) FK_MUST_CHECK;

/* Rt of a region (Cori et al. 2013, as EpiEstim) with a parametric serial
 * interval and sliding windows of `window` days; region_code NULL means
 * the organisation's own cases (app_org_incidence).  Any signed-in role
 * but staff (aggregates only). */
int app_region_rt(app_t *a, const actor_t *actor, const char *region_code, int32_t to,
		  double si_mean, double si_sd, unsigned window, struct rt_result *res,
		  int32_t *first, struct fk_error *err) FK_MUST_CHECK;

#endif

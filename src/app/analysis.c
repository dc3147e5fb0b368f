/*
 * analysis.c -- app layer: Rt of a region's series, or of the cases
 * registered here, for the API.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "app_impl.h"

int
app_region_incidence(app_t *a, const char *code, int32_t to, int64_t **out, size_t *days,
		     int32_t *first)
{
	series_day_t *rows = NULL;
	size_t n = 0, k;
	int32_t f = to;
	int rc = store_series_list(a->store, NULL, code, 0, to, &rows, &n);

	*out = NULL;
	*days = 0;
	if (rc)
		return rc;
	for (k = 0; k < n; k++)
		if (strcmp(rows[k].region_code, code) == 0 && rows[k].date < f)
			f = rows[k].date;
	/* only this exact region (the prefix also matched its districts) */
	bool any = false;
	for (k = 0; k < n && !any; k++)
		any = strcmp(rows[k].region_code, code) == 0;
	if (!any) {
		free(rows);
		return FK_ENOTFOUND;
	}
	*days = (size_t)(to - f + 1);
	*out = calloc(*days, sizeof **out);
	if (*out == NULL) {
		free(rows);
		return FK_ENOMEM;
	}
	for (k = 0; k < n; k++)
		if (strcmp(rows[k].region_code, code) == 0)
			(*out)[rows[k].date - f] += rows[k].new_confirmed;
	*first = f;
	free(rows);
	return 0;
}

int
app_org_incidence(app_t *a, int32_t to, int64_t **out, size_t *days, int32_t *first)
{
	series_day_t *rows = NULL;
	size_t n = 0;
	int32_t f = INT32_MAX, l = INT32_MIN;
	int rc = app__own_series(a, &rows, &n, &f, &l);

	*out = NULL;
	*days = 0;
	if (rc)
		return rc;
	f = INT32_MAX;
	for (size_t k = 0; k < n; k++)
		if (rows[k].new_confirmed > 0 && rows[k].date < f && rows[k].date <= to)
			f = rows[k].date;
	if (f == INT32_MAX) {
		free(rows);
		return FK_ENOTFOUND;
	}
	*days = (size_t)(to - f + 1);
	*out = calloc(*days, sizeof **out);
	if (*out == NULL) {
		free(rows);
		return FK_ENOMEM;
	}
	for (size_t k = 0; k < n; k++)
		if (rows[k].date >= f && rows[k].date <= to)
			(*out)[rows[k].date - f] += rows[k].new_confirmed;
	*first = f;
	free(rows);
	return 0;
}

int
app_region_rt(app_t *a, const actor_t *actor, const char *code, int32_t to, double si_mean,
	      double si_sd, unsigned window, struct rt_result *res, int32_t *first,
	      struct fk_error *err)
{
	struct rt_config cfg;
	rt_t *rt = NULL;
	int64_t *inc = NULL;
	size_t days = 0;
	int rc;

	if (!actor->cli && actor->user.role == ROLE_STAFF)
		return fk_error_set(err, FK_EPERM, "", "staff see their own records only");
	if (code != NULL && !region_code_well_formed(code))
		return fk_error_set(err, FK_EINVAL, "region", "region must be a 6-digit code");
	rt_config_init(&cfg);
	cfg.si_mean = si_mean;
	cfg.si_sd = si_sd;
	cfg.window = window;
	if ((rc = rt_new(&cfg, &rt, err)))
		return rc;
	rc = code ? app_region_incidence(a, code, to, &inc, &days, first)
		  : app_org_incidence(a, to, &inc, &days, first);
	if (rc == FK_ENOTFOUND && code == NULL)
		rc = fk_error_set(err, rc, "scope", "no confirmed case registered here yet");
	else if (rc == FK_ENOTFOUND)
		rc = fk_error_set(err, rc, "region", "no case series for region %s", code);
	else if (rc)
		rc = fk_error_set(err, rc, "", "cannot read the series");
	else if (days < (size_t)window + 1)
		rc = fk_error_set(err, FK_EINVAL, "to", "the series is shorter than one window");
	else
		rc = rt_estimate(rt, inc, NULL, days, res, err);
	free(inc);
	rt_free(rt);
	return rc;
}

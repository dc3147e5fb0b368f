/*
 * regions.c -- app layer: load the administrative division code lists
 * (GB/T 2260) built into the binary into the store.
 *
 * Two lists: the NBS codes as of 2023-06-30 (data/divisions.csv) and the
 * MCA 2019 codes the 2020 case data used (data/divisions_mca2019.csv).
 * A code in both keeps its NBS row; the MCA list adds codes that were
 * abolished or renumbered since 2019, so addresses recorded in 2020 stay
 * valid.
 */
#include "app_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"

struct region_list {
	region_t *items;
	size_t n, cap;
	const char *source;
	const char *file;
	struct fk_error *err;
};

static int
region_row(void *ctx, long record, char **f, size_t n)
{
	struct region_list *l = ctx;
	region_t *r;

	if (record == 1) {
		if (n < 4 || strcmp(f[0], "code") || strcmp(f[1], "name") || strcmp(f[2], "level") ||
		    strcmp(f[3], "parent_code"))
			return fk_error_set(l->err, FK_EINVAL, "header",
					    "%s: expected header code,name,level,parent_code", l->file);
		return 0;
	}
	if (n < 4 || !region_code_well_formed(f[0]) ||
	    (strcmp(f[2], "province") && strcmp(f[2], "city") && strcmp(f[2], "county")))
		return fk_error_set(l->err, FK_EINVAL, "code", "%s: row %ld is not a region", l->file,
				    record);
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 4096;
		void *p = realloc(l->items, ncap * sizeof *l->items);
		if (p == NULL)
			return FK_ENOMEM;
		l->items = p;
		l->cap = ncap;
	}
	r = &l->items[l->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->code, sizeof r->code, "%s", f[0]);
	snprintf(r->name, sizeof r->name, "%s", f[1]);
	snprintf(r->level, sizeof r->level, "%s", f[2]);
	snprintf(r->parent_code, sizeof r->parent_code, "%s", f[3]);
	snprintf(r->source, sizeof r->source, "%s", l->source);
	return 0;
}

static int
regions_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct region_list *l = arg;
	for (size_t i = 0; i < l->n; i++) {
		int rc = store_tx_region_put(tx, &l->items[i]);
		if (rc)
			return fk_error_set(err, rc, "", "cannot store region %s", l->items[i].code);
	}
	return 0;
}

int
app_regions_load(app_t *a, long *loaded, struct fk_error *err)
{
	static const struct {
		const char *path, *source;
	} lists[] = {
		{"data/divisions.csv", "nbs2023"},
		{"data/divisions_mca2019.csv", "mca2019"},
	};
	struct region_list l = {.err = err};
	int rc = 0;

	*loaded = 0;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		const struct embedded_file *f = embedded_find(lists[i].path);
		if (f == NULL) {
			rc = fk_error_set(err, FK_EIO, "", "%s is not built in", lists[i].path);
			goto out;
		}
		l.source = lists[i].source;
		l.file = lists[i].path;
		rc = app__csv_each((const char *)f->data, f->size, region_row, &l, err);
		if (rc)
			goto out;
	}
	rc = store_write(a->store, regions_job, &l, err);
	if (rc == 0)
		*loaded = (long)l.n;
out:
	free(l.items);
	return rc;
}

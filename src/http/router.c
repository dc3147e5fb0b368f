/*
 * router.c -- http layer: match a method and path against the route
 * table.  Patterns are literal segments and {name} placeholders; a
 * literal segment wins over a placeholder (so /people/export is not
 * person "export").  The table is small: a linear scan is the fastest.
 */
#include <string.h>

#include "http_impl.h"

/* Split path into segments in scratch; returns the count or -1. */
static int
split(const char *path, char *scratch, size_t cap, char **segs, int max)
{
	size_t len = strlen(path);
	int n = 0;

	if (len + 1 > cap || path[0] != '/')
		return -1;
	memcpy(scratch, path, len + 1);
	for (char *p = scratch + 1;;) {
		char *slash = strchr(p, '/');
		if (n == max)
			return -1;
		segs[n++] = p;
		if (slash == NULL)
			break;
		*slash = '\0';
		p = slash + 1;
	}
	return n;
}

/* Score of pattern against segs: -1 no match, else the count of literal
 * segments (more literals = more specific). */
static int
score(const char *pattern, char **segs, int nseg, const char **params)
{
	const char *p = pattern + 1;
	int i = 0, literals = 0, np = 0;

	for (;;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (i >= nseg)
			return -1;
		if (len >= 2 && p[0] == '{') {
			if (segs[i][0] == '\0' || np >= HTTP_MAX_PARAMS)
				return -1;
			if (params)
				params[np] = segs[i];
			np++;
		} else {
			if (strlen(segs[i]) != len || strncmp(p, segs[i], len) != 0)
				return -1;
			literals++;
		}
		i++;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return i == nseg ? literals : -1;
}

int
router_match(const char *method, const char *path, char *scratch, size_t cap,
	     const struct route **out, const char **params, char *allow, size_t allow_cap)
{
	char *segs[16];
	int nseg = split(path, scratch, cap, segs, 16);
	int best = -1;
	bool path_known = false;

	*out = NULL;
	if (allow_cap)
		allow[0] = '\0';
	if (nseg < 0)
		return FK_ENOTFOUND;
	for (size_t i = 0; i < http_routes_count; i++) {
		const struct route *rt = &http_routes[i];
		int s = score(rt->pattern, segs, nseg, NULL);
		if (s < 0)
			continue;
		/* a more specific path wins outright, whatever its method */
		if (strcmp(rt->method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
			if (s > best) {
				best = s;
				*out = rt;
			}
		}
	}
	/* collect the methods of the most specific matching pattern */
	int top = -1;
	for (size_t i = 0; i < http_routes_count; i++) {
		int s = score(http_routes[i].pattern, segs, nseg, NULL);
		if (s > top)
			top = s;
	}
	if (top >= 0) {
		path_known = true;
		for (size_t i = 0; i < http_routes_count; i++) {
			if (score(http_routes[i].pattern, segs, nseg, NULL) != top)
				continue;
			if (strstr(allow, http_routes[i].method) == NULL &&
			    strlen(allow) + strlen(http_routes[i].method) + 3 < allow_cap) {
				if (allow[0])
					strcat(allow, ", ");
				strcat(allow, http_routes[i].method);
			}
		}
	}
	if (*out && best < top)
		*out = NULL; /* e.g. POST /people/export: the literal route owns the path */
	if (*out == NULL)
		return path_known ? FK_EINVAL : FK_ENOTFOUND;
	score((*out)->pattern, segs, nseg, params);
	return 0;
}

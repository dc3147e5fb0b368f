/* test_router.c -- the route table: matching, specificity, 405s, and
 * that every route declares who may call it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "http/http_impl.h"

static const struct route *
match(const char *method, const char *path, int *rc, const char **params, char *allow)
{
	static char scratch[512];
	const struct route *rt = NULL;
	char local_allow[64];
	*rc = router_match(method, path, scratch, sizeof scratch, &rt, params,
			   allow ? allow : local_allow, 64);
	return rt;
}

static void
test_literal_beats_placeholder(void **state)
{
	const char *params[HTTP_MAX_PARAMS] = {0};
	int rc;
	const struct route *rt = match("GET", "/api/v1/people/export", &rc, params, NULL);
	(void)state;
	assert_int_equal(rc, 0);
	assert_string_equal(rt->name, "people.export");

	rt = match("GET", "/api/v1/people/P0001", &rc, params, NULL);
	assert_int_equal(rc, 0);
	assert_string_equal(rt->name, "people.get");
	assert_string_equal(params[0], "P0001");
}

static void
test_method_not_allowed_lists_methods(void **state)
{
	char allow[64];
	int rc;
	(void)state;
	assert_null(match("PATCH", "/api/v1/people/P1", &rc, NULL, allow));
	assert_int_equal(rc, FK_EINVAL);
	assert_non_null(strstr(allow, "GET"));
	assert_non_null(strstr(allow, "PUT"));
	assert_non_null(strstr(allow, "DELETE"));
	/* POST to the literal export path is not "POST a person called export" */
	assert_null(match("POST", "/api/v1/people/export", &rc, NULL, allow));
	assert_int_equal(rc, FK_EINVAL);
	assert_string_equal(allow, "GET");
}

static void
test_unknown_paths(void **state)
{
	static const char *const paths[] = {
		"/api/v1/nothing", "/api/v1/people/P1/extra", "/api/v1/people/", "/api/v2/people",
		"api/v1/people", "/api/v1//people",
	};
	int rc;
	(void)state;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		assert_null(match("GET", paths[i], &rc, NULL, NULL));
		assert_int_not_equal(rc, 0);
	}
	assert_null(match("GET", "/api/v1/people/", &rc, NULL, NULL));
	assert_int_equal(rc, FK_ENOTFOUND);
}

static void
test_head_is_get(void **state)
{
	int rc;
	(void)state;
	const struct route *rt = match("HEAD", "/healthz", &rc, NULL, NULL);
	assert_int_equal(rc, 0);
	assert_string_equal(rt->name, "healthz");
}

/* Default deny: every route is public on purpose or names its roles;
 * no two routes share a method and pattern; admin reads no people. */
static void
test_every_route_declares_access(void **state)
{
	(void)state;
	for (size_t i = 0; i < http_routes_count; i++) {
		const struct route *rt = &http_routes[i];
		assert_true((rt->flags & ROUTE_PUBLIC) || rt->roles != 0);
		if (rt->flags & ROUTE_PUBLIC)
			assert_true(strcmp(rt->name, "healthz") == 0 || strcmp(rt->name, "metrics") == 0 ||
				    strcmp(rt->name, "login") == 0 ||
				    strcmp(rt->name, "codes.verify") == 0);
		if (strncmp(rt->pattern, "/api/v1/people", 14) == 0) {
			assert_false(rt->roles & ROLE_BIT(ROLE_ADMIN));
			assert_false(rt->roles & ROLE_BIT(ROLE_ANALYST));
		}
		for (size_t j = i + 1; j < http_routes_count; j++)
			assert_false(strcmp(rt->method, http_routes[j].method) == 0 &&
				     strcmp(rt->pattern, http_routes[j].pattern) == 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_beats_placeholder),
		cmocka_unit_test(test_method_not_allowed_lists_methods),
		cmocka_unit_test(test_unknown_paths),
		cmocka_unit_test(test_head_is_get),
		cmocka_unit_test(test_every_route_declares_access),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

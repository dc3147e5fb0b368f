/* test_json.c -- strict decoding of request bodies: each bad body is
 * refused with the field named, a good one fills every field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "http/http_impl.h"

struct body {
	char name[8];
	int64_t age;
	bool ok;
	bool seen_age;
};

static int
decode(const char *json, struct body *b, struct fk_error *err)
{
	struct jfield f[] = {
		{"name", JF_STRING, true, b->name, sizeof b->name, NULL},
		{"age", JF_INT, false, &b->age, 0, &b->seen_age},
		{"ok", JF_BOOL, false, &b->ok, 0, NULL},
	};
	memset(b, 0, sizeof *b);
	fk_error_clear(err);
	return json_decode_body(json, strlen(json), f, 3, err);
}

static void
test_good_body(void **state)
{
	struct body b;
	struct fk_error err;
	(void)state;
	assert_int_equal(decode("{\"name\":\"王芳\",\"age\":41,\"ok\":true}", &b, &err), 0);
	assert_string_equal(b.name, "王芳");
	assert_int_equal(b.age, 41);
	assert_true(b.ok);
	assert_true(b.seen_age);
	assert_int_equal(decode("{\"name\":\"x\",\"age\":null}", &b, &err), 0);
	assert_false(b.seen_age);
}

static void
test_bad_bodies_name_the_field(void **state)
{
	static const struct {
		const char *json, *field, *says;
	} cases[] = {
		{"{\"name\":\"a\",\"name\":\"b\"}", "name", "more than once"},
		{"{\"name\":\"a\",\"colour\":1}", "colour", "unknown field"},
		{"{\"name\":3}", "name", "must be a string"},
		{"{\"name\":\"a\",\"age\":\"41\"}", "age", "integer"},
		{"{\"name\":\"a\",\"age\":4.5}", "age", "integer"},
		{"{\"name\":\"a\",\"ok\":1}", "ok", "true or false"},
		{"{\"age\":1}", "name", "required"},
		{"{\"name\":null}", "name", "required"},
		{"{\"name\":\"toolongname\"}", "name", "too long"},
		{"{\"name\":\"a\\u0000b\"}", "name", "control"},
		{"{\"name\":\"a\\u0007\"}", "name", "control"},
		{"{\"name\":\"a\"", "", "malformed"},
		{"[1,2]", "", "object"},
		{"{\"name\":\"a\"} trailing", "", "malformed"},
	};
	struct body b;
	struct fk_error err;
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = decode(cases[i].json, &b, &err);
		if (rc != FK_EINVAL || strcmp(err.field, cases[i].field) != 0 ||
		    strstr(err.message, cases[i].says) == NULL)
			fail_msg("%s: rc %d field '%s' message '%s'", cases[i].json, rc, err.field,
				 err.message);
	}
}

static void
test_empty_body(void **state)
{
	struct jfield f[] = {{"name", JF_STRING, true, NULL, 0, NULL}};
	struct fk_error err = {0};
	(void)state;
	assert_int_equal(json_decode_body(NULL, 0, f, 1, &err), FK_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_body),
		cmocka_unit_test(test_bad_bodies_name_the_field),
		cmocka_unit_test(test_empty_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

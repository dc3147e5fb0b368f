/*
 * fuzz_registry.c -- libFuzzer target for core/registry: the validators
 * take arbitrary field contents without crashing or reading past a
 * field, and their verdicts are consistent: an accepted person really
 * has the documented form, a refusal is FK_EINVAL naming a known field.
 *
 * Input: byte 0 the person kind, byte 1 the role, byte 2 the department
 * id (signed), then NUL-separated fields in this order:
 *   id, name, phone, community, region_code, username, person_id,
 *   region_prefix, password, department name.
 * Each field is cut to its buffer (as a JSON decoder would refuse
 * longer ones) and always NUL-terminated; missing fields are "".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/registry.h"
#include "core/text.h"

#define CHECK(cond)                    \
	do {                           \
		if (!(cond))           \
			__builtin_trap(); \
	} while (0)

enum { F_ID, F_NAME, F_PHONE, F_COMMUNITY, F_REGION, F_USERNAME, F_PERSON_ID,
       F_PREFIX, F_PASSWORD, F_DEPT, F_COUNT };

/* Copy the next NUL-separated field of data into dst (cap bytes). */
static void
next_field(const uint8_t **data, size_t *size, char *dst, size_t cap)
{
	size_t n = 0;
	while (n < *size && (*data)[n] != 0)
		n++;
	size_t copy = n < cap - 1 ? n : cap - 1;
	memcpy(dst, *data, copy);
	dst[copy] = '\0';
	if (n < *size)
		n++; /* the separator */
	*data += n;
	*size -= n;
}

static bool
one_of(const char *s, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(s, *names) == 0)
			return true;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const person_fields[] = {
		"id", "name", "kind", "phone", "community", "region_code", NULL};
	static const char *const user_fields[] = {
		"username", "role", "person_id", "department", "region", NULL};
	person_t p;
	user_t u;
	char password[PASSWORD_MAX + 8];
	char dept_name[DEPARTMENT_NAME_BUF];
	struct fk_error err;
	int rc;

	if (size < 3)
		return 0;
	memset(&p, 0, sizeof p);
	memset(&u, 0, sizeof u);
	p.kind = (enum person_kind)(data[0] % (PERSON_KIND_COUNT + 2));
	u.role = (enum role)(data[1] % (ROLE_COUNT + 2));
	u.department_id = (int8_t)data[2];
	p.department_id = u.department_id;
	data += 3;
	size -= 3;

	next_field(&data, &size, p.id, sizeof p.id);
	next_field(&data, &size, p.name, sizeof p.name);
	next_field(&data, &size, p.phone, sizeof p.phone);
	next_field(&data, &size, p.community, sizeof p.community);
	next_field(&data, &size, p.region_code, sizeof p.region_code);
	next_field(&data, &size, u.username, sizeof u.username);
	next_field(&data, &size, u.person_id, sizeof u.person_id);
	next_field(&data, &size, u.region_prefix, sizeof u.region_prefix);
	next_field(&data, &size, password, sizeof password);
	next_field(&data, &size, dept_name, sizeof dept_name);

	/* person */
	fk_error_clear(&err);
	rc = person_validate(&p, &err);
	if (rc == 0) {
		CHECK(err.code == 0);
		CHECK(text_is_ident(p.id, PERSON_ID_MAX));
		CHECK(p.name[0] != '\0' && text_utf8_valid(p.name, strlen(p.name)));
		CHECK(text_utf8_chars(p.name) <= PERSON_NAME_CHARS);
		CHECK((unsigned)p.kind < PERSON_KIND_COUNT);
		CHECK(p.phone[0] == '\0' || text_is_phone(p.phone));
		CHECK(text_utf8_valid(p.community, strlen(p.community)));
		CHECK(text_utf8_chars(p.community) <= PERSON_COMMUNITY_CHARS);
		CHECK(region_code_well_formed(p.region_code));
		CHECK(strlen(p.region_code) == REGION_CODE_LEN);
	} else {
		CHECK(rc == FK_EINVAL && err.code == FK_EINVAL);
		CHECK(one_of(err.field, person_fields));
		CHECK(err.message[0] != '\0');
		CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
	}
	CHECK(person_validate(&p, NULL) == rc); /* same verdict, no fk_error */

	/* user */
	fk_error_clear(&err);
	rc = user_validate(&u, &err);
	if (rc == 0) {
		CHECK(text_is_ident(u.username, USERNAME_MAX));
		CHECK((unsigned)u.role < ROLE_COUNT);
		CHECK(u.role != ROLE_STAFF || u.person_id[0] != '\0');
		CHECK(u.role != ROLE_DEPT_HEAD || u.department_id > 0);
		CHECK(u.role == ROLE_OFFICIAL ? region_prefix_well_formed(u.region_prefix)
					      : u.region_prefix[0] == '\0');
	} else {
		CHECK(rc == FK_EINVAL && one_of(err.field, user_fields));
	}

	/* password */
	fk_error_clear(&err);
	rc = password_validate(password, &err);
	size_t pwlen = strlen(password);
	CHECK((rc == 0) == (pwlen >= PASSWORD_MIN && pwlen <= PASSWORD_MAX &&
			    text_utf8_valid(password, pwlen)));
	CHECK(rc == 0 || strcmp(err.field, "password") == 0);

	/* department name */
	fk_error_clear(&err);
	rc = department_name_validate(dept_name, &err);
	if (rc == 0)
		CHECK(dept_name[0] && !strchr(dept_name, '/') &&
		      text_utf8_chars(dept_name) <= DEPARTMENT_NAME_CHARS);
	else
		CHECK(strcmp(err.field, "name") == 0);

	/* names of kinds and roles parse back */
	{
		enum person_kind k;
		enum role r;
		if ((unsigned)p.kind < PERSON_KIND_COUNT) {
			CHECK(person_kind_parse(person_kind_name(p.kind), &k) == 0 && k == p.kind);
		}
		if ((unsigned)u.role < ROLE_COUNT) {
			CHECK(role_parse(role_name(u.role), &r) == 0 && r == u.role);
		}
		CHECK(person_kind_parse(p.name, &k) != 0 || strcmp(person_kind_name(k), p.name) == 0);
		CHECK(role_parse(p.name, &r) != 0 || strcmp(role_name(r), p.name) == 0);
	}
	return 0;
}

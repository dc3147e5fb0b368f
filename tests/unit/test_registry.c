/*
 * test_registry.c -- unit tests for core/registry: the rules that make a
 * person, department, user and password valid, and the name tables.
 * Each bad input must be refused with FK_EINVAL and an fk_error naming
 * the field a person has to fix (the JSON field / CSV column).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/fk_err.h"
#include "core/registry.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* n copies of the UTF-8 character ch into buf (cap bytes), NUL-ended. */
static char *
repeat(char *buf, size_t cap, const char *ch, size_t n)
{
	size_t w = strlen(ch), at = 0;
	assert_true(n * w < cap);
	for (size_t i = 0; i < n; i++, at += w)
		memcpy(buf + at, ch, w);
	buf[at] = '\0';
	return buf;
}

static person_t
good_person(void)
{
	person_t p;
	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "2020001234");
	snprintf(p.name, sizeof p.name, "\xe5\xbc\xa0\xe4\xb8\x89"); /* zhang san */
	p.kind = PERSON_STUDENT;
	p.department_id = 3;
	snprintf(p.phone, sizeof p.phone, "+86 138 0013 8000");
	snprintf(p.community, sizeof p.community, "Yanyuan");
	snprintf(p.region_code, sizeof p.region_code, "110108");
	return p;
}

/* ---- person_validate ------------------------------------------------- */

enum person_field { F_ID, F_NAME, F_KIND, F_PHONE, F_COMMUNITY, F_REGION };

struct person_case {
	enum person_field which;
	const char *value;   /* for text fields; NULL: use `kind` */
	int kind;
	const char *field;   /* expected fk_error.field, NULL if valid */
	const char *why;
};

static const struct person_case person_cases[] = {
	{F_ID, "a", 0, NULL, "one-character id"},
	{F_ID, "S-2020.07_x", 0, NULL, "id with - . _"},
	{F_ID, "abcdefghijklmnopqrstuvwxyz012345", 0, NULL, "32-character id"},
	{F_ID, "", 0, "id", "empty id"},
	{F_ID, "2020 001", 0, "id", "space in id"},
	{F_ID, "a/b", 0, "id", "slash in id"},
	{F_ID, "x'; DROP TABLE people;--", 0, "id", "quote in id"},
	{F_ID, "\xe5\xbc\xa0", 0, "id", "CJK id"},

	{F_NAME, "Li", 0, NULL, "short ASCII name"},
	{F_NAME, "Mary-Jane O'Neil", 0, NULL, "punctuation in name"},
	{F_NAME, "a\tb", 0, NULL, "tab is allowed text"},
	{F_NAME, "", 0, "name", "empty name"},
	{F_NAME, "Zhang\nSan", 0, "name", "newline in name"},
	{F_NAME, "\x1b[31mred", 0, "name", "terminal escape in name"},
	{F_NAME, "\xc0\xaf", 0, "name", "overlong UTF-8 in name"},
	{F_NAME, "\xed\xa0\x80", 0, "name", "surrogate in name"},
	{F_NAME, "\xe5\xbc", 0, "name", "truncated UTF-8 in name"},
	{F_NAME, "\xff", 0, "name", "byte FF in name"},

	{F_KIND, NULL, PERSON_STAFF, NULL, "staff"},
	{F_KIND, NULL, PERSON_VISITOR, NULL, "visitor"},
	{F_KIND, NULL, PERSON_KIND_COUNT, "kind", "kind one past the end"},
	{F_KIND, NULL, 99, "kind", "kind 99"},
	{F_KIND, NULL, -1, "kind", "negative kind"},

	{F_PHONE, "", 0, NULL, "no phone"},
	{F_PHONE, "110", 0, NULL, "3-digit phone"},
	{F_PHONE, "(010) 6275-1234", 0, NULL, "phone with ( ) -"},
	{F_PHONE, "12", 0, "phone", "2-digit phone"},
	{F_PHONE, "call me", 0, "phone", "letters in phone"},
	{F_PHONE, "138.0013.8000", 0, "phone", "dots in phone"},
	{F_PHONE, "+-() ", 0, "phone", "no digits"},

	{F_COMMUNITY, "", 0, NULL, "no community"},
	{F_COMMUNITY, "\xe7\x87\x95\xe5\x9b\xad", 0, NULL, "CJK community"},
	{F_COMMUNITY, "Block 5\r\n", 0, "community", "CRLF in community"},
	{F_COMMUNITY, "\xe7\x87", 0, "community", "truncated UTF-8 in community"},

	{F_REGION, "110000", 0, NULL, "Beijing province code"},
	{F_REGION, "820000", 0, NULL, "Macau, last province"},
	{F_REGION, "650102", 0, NULL, "a county in Xinjiang"},
	{F_REGION, "", 0, "region_code", "no region"},
	{F_REGION, "11010", 0, "region_code", "five digits"},
	{F_REGION, "11010a", 0, "region_code", "letter in code"},
	{F_REGION, " 110108", 0, "region_code", "leading space"},
	{F_REGION, "100000", 0, "region_code", "province 10 does not exist"},
	{F_REGION, "000000", 0, "region_code", "province 00"},
	{F_REGION, "830000", 0, "region_code", "province 83 does not exist"},
	{F_REGION, "990000", 0, "region_code", "province 99"},
};

static void
set_person_field(person_t *p, const struct person_case *c)
{
	switch (c->which) {
	case F_ID: snprintf(p->id, sizeof p->id, "%s", c->value); break;
	case F_NAME: snprintf(p->name, sizeof p->name, "%s", c->value); break;
	case F_KIND: p->kind = (enum person_kind)c->kind; break;
	case F_PHONE: snprintf(p->phone, sizeof p->phone, "%s", c->value); break;
	case F_COMMUNITY:
		snprintf(p->community, sizeof p->community, "%s", c->value);
		break;
	case F_REGION:
		snprintf(p->region_code, sizeof p->region_code, "%s", c->value);
		break;
	}
}

static void
test_person_validate_good(void **state)
{
	struct fk_error err = {0};
	person_t p = good_person();
	(void)state;
	assert_int_equal(person_validate(&p, &err), 0);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.field, "");
}

static void
test_person_validate_names_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(person_cases); i++) {
		const struct person_case *c = &person_cases[i];
		struct fk_error err = {0};
		person_t p = good_person();
		int rc;

		set_person_field(&p, c);
		rc = person_validate(&p, &err);
		if (c->field == NULL) {
			if (rc != 0)
				fail_msg("case %zu (%s): refused (%d, field '%s': %s)", i,
					 c->why, rc, err.field, err.message);
			continue;
		}
		if (rc != FK_EINVAL || err.code != FK_EINVAL)
			fail_msg("case %zu (%s): rc %d err.code %d, want FK_EINVAL", i,
				 c->why, rc, err.code);
		if (strcmp(err.field, c->field) != 0)
			fail_msg("case %zu (%s): field '%s', want '%s'", i, c->why,
				 err.field, c->field);
		if (err.message[0] == '\0')
			fail_msg("case %zu (%s): no message for a person to read", i,
				 c->why);
	}
}

/* Limits count characters, so a Chinese name of 64 characters (192
 * bytes) fits and 65 does not; likewise 100 for the community. */
static void
test_person_validate_character_limits(void **state)
{
	struct fk_error err;
	person_t p;
	(void)state;

	p = good_person();
	repeat(p.name, sizeof p.name, "\xe5\xbc\xa0", PERSON_NAME_CHARS);
	fk_error_clear(&err);
	assert_int_equal(person_validate(&p, &err), 0);

	repeat(p.name, sizeof p.name, "\xe5\xbc\xa0", PERSON_NAME_CHARS + 1);
	fk_error_clear(&err);
	assert_int_equal(person_validate(&p, &err), FK_EINVAL);
	assert_string_equal(err.field, "name");

	repeat(p.name, sizeof p.name, "\xf0\xa0\x80\x80", PERSON_NAME_CHARS);
	fk_error_clear(&err);
	assert_int_equal(person_validate(&p, &err), 0); /* 4-byte chars, buffer full */

	repeat(p.name, sizeof p.name, "a", PERSON_NAME_CHARS + 1);
	fk_error_clear(&err);
	assert_int_equal(person_validate(&p, &err), FK_EINVAL);
	assert_string_equal(err.field, "name");

	p = good_person();
	repeat(p.community, sizeof p.community, "\xe7\x87\x95", PERSON_COMMUNITY_CHARS);
	fk_error_clear(&err);
	assert_int_equal(person_validate(&p, &err), 0);

	repeat(p.community, sizeof p.community, "\xe7\x87\x95", PERSON_COMMUNITY_CHARS + 1);
	fk_error_clear(&err);
	assert_int_equal(person_validate(&p, &err), FK_EINVAL);
	assert_string_equal(err.field, "community");

	p = good_person();
	repeat(p.phone, sizeof p.phone, "1", 20);
	fk_error_clear(&err);
	assert_int_equal(person_validate(&p, &err), 0);
}

/* With several bad fields, the first in document order is named, and
 * a caller that passes no fk_error still gets the code. */
static void
test_person_validate_first_error_wins(void **state)
{
	struct fk_error err = {0};
	person_t p = good_person();
	(void)state;

	p.name[0] = '\0';
	snprintf(p.region_code, sizeof p.region_code, "x");
	assert_int_equal(person_validate(&p, &err), FK_EINVAL);
	assert_string_equal(err.field, "name");
	assert_int_equal(person_validate(&p, NULL), FK_EINVAL);

	/* an fk_error already holding an error keeps it */
	snprintf(p.name, sizeof p.name, "ok");
	assert_int_equal(person_validate(&p, &err), FK_EINVAL);
	assert_string_equal(err.field, "name");
}

/* ---- departments ----------------------------------------------------- */

struct name_case {
	const char *name;
	bool ok;
};

static void
test_department_name_validate(void **state)
{
	static const struct name_case cases[] = {
		{"Physics", true},
		{"School of Physics", true},
		{"\xe7\x89\xa9\xe7\x90\x86\xe5\xad\xa6\xe9\x99\xa2", true}, /* CJK */
		{"R&D (2020)", true},
		{"", false},
		{"Physics/Optics", false},
		{"/", false},
		{"Physics\n", false},
		{"\xc0\xaf", false}, /* overlong '/' must not slip through */
	};
	char buf[DEPARTMENT_NAME_BUF];
	struct fk_error err;
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int rc;
		fk_error_clear(&err);
		rc = department_name_validate(cases[i].name, &err);
		if (cases[i].ok && rc != 0)
			fail_msg("\"%s\": refused: %s", cases[i].name, err.message);
		if (!cases[i].ok &&
		    (rc != FK_EINVAL || strcmp(err.field, "name") != 0))
			fail_msg("\"%s\": rc %d field '%s', want FK_EINVAL 'name'",
				 cases[i].name, rc, err.field);
	}
	fk_error_clear(&err);
	assert_int_equal(department_name_validate(
				 repeat(buf, sizeof buf, "\xe7\x89\xa9", DEPARTMENT_NAME_CHARS),
				 &err), 0);
	fk_error_clear(&err);
	assert_int_equal(department_name_validate(
				 repeat(buf, sizeof buf, "\xe7\x89\xa9", DEPARTMENT_NAME_CHARS + 1),
				 &err), FK_EINVAL);
	assert_string_equal(err.field, "name");
}

/* ---- regions --------------------------------------------------------- */

struct code_case {
	const char *code;
	bool ok;
};

static void
test_region_code_well_formed(void **state)
{
	static const struct code_case cases[] = {
		{"110000", true}, {"110108", true}, {"310115", true},
		{"440305", true}, {"650102", true}, {"710000", true},
		{"810000", true}, {"820000", true}, {"820001", true},
		{"", false}, {"1", false}, {"11010", false}, {"1101080", false},
		{"100000", false}, {"000000", false}, {"099999", false},
		{"830000", false}, {"900000", false}, {"999999", false},
		{"11010a", false}, {"a10108", false}, {"11 108", false},
		{"-11010", false}, {"+11010", false}, {"110108\n", false},
		{"\xef\xbc\x91\xef\xbc\x91\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90\xef\xbc\x98",
		 false}, /* fullwidth digits */
		{NULL, false},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		bool got = region_code_well_formed(cases[i].code);
		if (got != cases[i].ok)
			fail_msg("case %zu \"%s\": %d, want %d", i,
				 cases[i].code ? cases[i].code : "(null)", got, cases[i].ok);
	}
}

static void
test_region_prefix_well_formed(void **state)
{
	static const struct code_case cases[] = {
		{"1", true}, {"11", true}, {"1101", true}, {"110108", true},
		{"0", true}, {"", false}, {"1101081", false}, {"11a", false},
		{" 11", false}, {"11 ", false}, {"%", false}, {"11%", false},
		{NULL, false},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		bool got = region_prefix_well_formed(cases[i].code);
		if (got != cases[i].ok)
			fail_msg("case %zu \"%s\": %d, want %d", i,
				 cases[i].code ? cases[i].code : "(null)", got, cases[i].ok);
	}
}

/* ---- names of kinds and roles --------------------------------------- */

static void
test_person_kind_names_round_trip(void **state)
{
	static const char *const names[PERSON_KIND_COUNT] = {
		"staff", "student", "postdoc", "visitor"};
	(void)state;
	for (int k = 0; k < PERSON_KIND_COUNT; k++) {
		enum person_kind got = PERSON_KIND_COUNT;
		assert_string_equal(person_kind_name((enum person_kind)k), names[k]);
		assert_int_equal(person_kind_parse(names[k], &got), 0);
		assert_int_equal(got, k);
	}
	assert_string_equal(person_kind_name(PERSON_KIND_COUNT), "?");
	assert_string_equal(person_kind_name((enum person_kind)-1), "?");
}

static void
test_person_kind_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "Staff", "STUDENT", "student ", " student", "stud", "students",
		"admin", "dept_head", "?", "\xe5\xad\xa6\xe7\x94\x9f",
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		enum person_kind got = PERSON_VISITOR;
		if (person_kind_parse(bad[i], &got) != FK_EINVAL)
			fail_msg("\"%s\" accepted as a kind", bad[i]);
		assert_int_equal(got, PERSON_VISITOR); /* untouched */
	}
	{
		enum person_kind got = PERSON_VISITOR;
		assert_int_equal(person_kind_parse(NULL, &got), FK_EINVAL);
	}
}

static void
test_role_names_round_trip(void **state)
{
	static const char *const names[ROLE_COUNT] = {
		"staff", "dept_head", "office", "official", "analyst", "admin"};
	(void)state;
	for (int r = 0; r < ROLE_COUNT; r++) {
		enum role got = ROLE_COUNT;
		assert_string_equal(role_name((enum role)r), names[r]);
		assert_int_equal(role_parse(names[r], &got), 0);
		assert_int_equal(got, r);
	}
	assert_string_equal(role_name(ROLE_COUNT), "?");
	assert_int_equal(ROLE_ALL, 0x3f);
	assert_int_equal(ROLE_BIT(ROLE_ADMIN), 1u << 5);
}

static void
test_role_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "Admin", "ADMIN", "admin ", "dept-head", "depthead", "root",
		"student", "officials", "?",
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		enum role got = ROLE_ANALYST;
		if (role_parse(bad[i], &got) != FK_EINVAL)
			fail_msg("\"%s\" accepted as a role", bad[i]);
		assert_int_equal(got, ROLE_ANALYST);
	}
	{
		enum role got = ROLE_ANALYST;
		assert_int_equal(role_parse(NULL, &got), FK_EINVAL);
	}
}

/* ---- users ----------------------------------------------------------- */

struct user_case {
	const char *username;
	int role;
	const char *person_id;
	int64_t department_id;
	const char *region_prefix;
	const char *field; /* NULL if valid */
	const char *why;
};

static const struct user_case user_cases[] = {
	{"zhangsan", ROLE_STAFF, "2020001234", 0, "", NULL, "staff with a person"},
	{"zhangsan", ROLE_STAFF, "", 0, "", "person_id", "staff needs a person"},
	{"zhangsan", ROLE_STAFF, "bad id", 0, "", "person_id", "staff, bad person id"},
	{"zhangsan", ROLE_STAFF, "2020001234", 0, "11", "region",
	 "staff may not have a region"},
	{"head", ROLE_DEPT_HEAD, "", 4, "", NULL, "dept head of department 4"},
	{"head", ROLE_DEPT_HEAD, "2020001234", 4, "", NULL, "dept head with own person"},
	{"head", ROLE_DEPT_HEAD, "", 0, "", "department", "dept head needs a department"},
	{"head", ROLE_DEPT_HEAD, "", -3, "", "department", "negative department"},
	{"head", ROLE_DEPT_HEAD, "", 4, "1101", "region",
	 "dept head may not have a region"},
	{"office", ROLE_OFFICE, "", 0, "", NULL, "office needs no scope"},
	{"office", ROLE_OFFICE, "", 0, "11", "region", "office with a region"},
	{"cdc", ROLE_OFFICIAL, "", 0, "11", NULL, "official for Beijing"},
	{"cdc", ROLE_OFFICIAL, "", 0, "110108", NULL, "official for a county"},
	{"cdc", ROLE_OFFICIAL, "", 0, "", "region", "official needs a prefix"},
	{"cdc", ROLE_OFFICIAL, "", 0, "11a", "region", "letters in the prefix"},
	{"cdc", ROLE_OFFICIAL, "", 0, "%", "region", "LIKE wildcard as prefix"},
	{"analyst", ROLE_ANALYST, "", 0, "", NULL, "analyst"},
	{"analyst", ROLE_ANALYST, "", 0, "31", "region", "analyst with a region"},
	{"root", ROLE_ADMIN, "", 0, "", NULL, "admin"},
	{"root", ROLE_ADMIN, "", 0, "1", "region", "admin with a region"},
	{"root", ROLE_ADMIN, "x y", 0, "", "person_id", "admin with a bad person id"},
	{"a", ROLE_ADMIN, "", 0, "", NULL, "one-letter username"},
	{"first.last-2_x", ROLE_ADMIN, "", 0, "", NULL, "username with . - _"},
	{"abcdefghijklmnopqrstuvwxyz012345", ROLE_ADMIN, "", 0, "", NULL,
	 "32-character username"},
	{"", ROLE_ADMIN, "", 0, "", "username", "empty username"},
	{"zhang san", ROLE_ADMIN, "", 0, "", "username", "space in username"},
	{"root@host", ROLE_ADMIN, "", 0, "", "username", "@ in username"},
	{"\xe5\xbc\xa0\xe4\xb8\x89", ROLE_ADMIN, "", 0, "", "username",
	 "CJK username"},
	{"root", ROLE_COUNT, "", 0, "", "role", "role past the end"},
	{"root", -1, "", 0, "", "role", "negative role"},
	{"", ROLE_COUNT, "", 0, "", "username", "username checked before role"},
};

static void
test_user_validate_scope_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(user_cases); i++) {
		const struct user_case *c = &user_cases[i];
		struct fk_error err = {0};
		user_t u;
		int rc;

		memset(&u, 0, sizeof u);
		snprintf(u.username, sizeof u.username, "%s", c->username);
		u.role = (enum role)c->role;
		snprintf(u.person_id, sizeof u.person_id, "%s", c->person_id);
		u.department_id = c->department_id;
		snprintf(u.region_prefix, sizeof u.region_prefix, "%s", c->region_prefix);
		rc = user_validate(&u, &err);
		if (c->field == NULL) {
			if (rc != 0)
				fail_msg("case %zu (%s): refused, field '%s': %s", i, c->why,
					 err.field, err.message);
			continue;
		}
		if (rc != FK_EINVAL || strcmp(err.field, c->field) != 0)
			fail_msg("case %zu (%s): rc %d field '%s', want FK_EINVAL '%s'", i,
				 c->why, rc, err.field, c->field);
		if (err.message[0] == '\0')
			fail_msg("case %zu (%s): empty message", i, c->why);
	}
}

/* ---- passwords ------------------------------------------------------- */

static void
test_password_validate(void **state)
{
	struct pw_case {
		const char *pw;
		bool ok;
		const char *why;
	} cases[] = {
		{"12345678", true, "8 bytes, shortest"},
		{"correct horse battery staple", true, "spaces"},
		{"pass\tword", true, "tab"},
		{"\xe5\xaf\x86\xe7\xa0\x81\xe5\xaf\x86", true, "3 CJK = 9 bytes"},
		{"1234567", false, "7 bytes"},
		{"", false, "empty"},
		{"\xe5\xaf\x86\xe7\xa0", false, "5 bytes, also truncated"},
		{"password\n", false, "newline"},
		{"pass\x01word", false, "control character"},
		{"\xff\xff\xff\xff\xff\xff\xff\xff", false, "not UTF-8"},
		{"password\xc0\x80", false, "overlong NUL"},
	};
	char buf[PASSWORD_MAX + 2];
	struct fk_error err;
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int rc;
		fk_error_clear(&err);
		rc = password_validate(cases[i].pw, &err);
		if (cases[i].ok && rc != 0)
			fail_msg("case %zu (%s): refused: %s", i, cases[i].why, err.message);
		if (!cases[i].ok &&
		    (rc != FK_EINVAL || strcmp(err.field, "password") != 0))
			fail_msg("case %zu (%s): rc %d field '%s'", i, cases[i].why, rc,
				 err.field);
	}
	fk_error_clear(&err);
	assert_int_equal(password_validate(repeat(buf, sizeof buf, "x", PASSWORD_MAX), &err), 0);
	fk_error_clear(&err);
	assert_int_equal(password_validate(repeat(buf, sizeof buf, "x", PASSWORD_MAX + 1), &err),
			 FK_EINVAL);
	assert_string_equal(err.field, "password");
	fk_error_clear(&err);
	assert_int_equal(password_validate(NULL, &err), FK_EINVAL);
	assert_string_equal(err.field, "password");
}

/* ---- fk_err ---------------------------------------------------------- */

static void
test_error_names_distinct_and_stable(void **state)
{
	static const struct {
		int code;
		const char *name;
	} want[] = {
		{FK_OK, "ok"}, {FK_ENOMEM, "no_memory"}, {FK_EINVAL, "invalid"},
		{FK_EIO, "io"}, {FK_ENOTFOUND, "not_found"}, {FK_EPERM, "forbidden"},
		{FK_ECONFLICT, "conflict"}, {FK_EAUTH, "unauthenticated"},
		{FK_ETOOBIG, "too_large"}, {FK_ELIMIT, "rate_limited"},
		{FK_EBUSY, "unavailable"},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		assert_string_equal(fk_err_name(want[i].code), want[i].name);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(fk_strerror(want[i].code),
						fk_strerror(want[j].code));
	}
	assert_string_equal(fk_strerror(-999), "unknown error");
	assert_string_equal(fk_err_name(-999), "error");
}

static void
test_error_set_first_wins_and_truncates(void **state)
{
	struct fk_error err = {0};
	char longfield[200];
	(void)state;

	assert_int_equal(fk_error_set(&err, FK_EINVAL, "name", "name %s", "is empty"),
			 FK_EINVAL);
	assert_int_equal(fk_error_set(&err, FK_EIO, "db", "later"), FK_EIO);
	assert_int_equal(err.code, FK_EINVAL);
	assert_string_equal(err.field, "name");
	assert_string_equal(err.message, "name is empty");

	fk_error_clear(&err);
	assert_int_equal(err.code, 0);
	memset(longfield, 'f', sizeof longfield - 1);
	longfield[sizeof longfield - 1] = '\0';
	assert_int_equal(fk_error_set(&err, FK_ENOTFOUND, longfield, NULL), FK_ENOTFOUND);
	assert_int_equal(strlen(err.field), FK_ERROR_FIELD_MAX - 1);
	assert_string_equal(err.message, fk_strerror(FK_ENOTFOUND));
	assert_int_equal(fk_error_set(NULL, FK_EPERM, "x", "y"), FK_EPERM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_person_validate_good),
		cmocka_unit_test(test_person_validate_names_field),
		cmocka_unit_test(test_person_validate_character_limits),
		cmocka_unit_test(test_person_validate_first_error_wins),
		cmocka_unit_test(test_department_name_validate),
		cmocka_unit_test(test_region_code_well_formed),
		cmocka_unit_test(test_region_prefix_well_formed),
		cmocka_unit_test(test_person_kind_names_round_trip),
		cmocka_unit_test(test_person_kind_parse_rejects),
		cmocka_unit_test(test_role_names_round_trip),
		cmocka_unit_test(test_role_parse_rejects),
		cmocka_unit_test(test_user_validate_scope_rules),
		cmocka_unit_test(test_password_validate),
		cmocka_unit_test(test_error_names_distinct_and_stable),
		cmocka_unit_test(test_error_set_first_wins_and_truncates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_text.c -- unit tests for core/text: the checks on text people
 * type.  The rules are tables (RFC 3629 well-formedness, the phone and
 * identifier alphabets), so the tests are tables too: one row per case,
 * with the reason it must be accepted or refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/text.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct utf8_case {
	const char *bytes;
	size_t len;       /* bytes, may hold a NUL */
	bool valid;
	const char *why;
};

/* A byte string literal and its length without the trailing NUL. */
#define B(lit) lit, sizeof(lit) - 1

static const struct utf8_case utf8_cases[] = {
	{B(""), true, "empty text"},
	{B("Zhang San"), true, "plain ASCII"},
	{B("a\tb"), true, "tab is the one control allowed"},
	{B("~"), true, "0x7e, last printable ASCII"},
	{B(" "), true, "space"},
	{B("\xe5\xbc\xa0\xe4\xb8\x89"), true, "CJK: zhang san"},
	{B("\xe5\x8c\x97\xe4\xba\xac\xe5\xb8\x82\xe6\xb5\xb7\xe6\xb7\x80\xe5\x8c\xba"),
	 true, "CJK: Beijing Haidian"},
	{B("\xc2\x80"), true, "U+0080, smallest 2-byte"},
	{B("\xc2\xa9"), true, "U+00A9 copyright"},
	{B("\xdf\xbf"), true, "U+07FF, largest 2-byte"},
	{B("\xe0\xa0\x80"), true, "U+0800, smallest 3-byte"},
	{B("\xed\x9f\xbf"), true, "U+D7FF, just below the surrogates"},
	{B("\xee\x80\x80"), true, "U+E000, just above the surrogates"},
	{B("\xef\xbf\xbd"), true, "U+FFFD replacement character"},
	{B("\xef\xbf\xbf"), true, "U+FFFF, largest 3-byte"},
	{B("\xf0\x90\x80\x80"), true, "U+10000, smallest 4-byte"},
	{B("\xf0\x9f\x98\x80"), true, "emoji U+1F600"},
	{B("\xf0\xa0\x80\x80"), true, "CJK extension B U+20000"},
	{B("\xf4\x8f\xbf\xbf"), true, "U+10FFFF, the last code point"},

	{B("a\0b"), false, "embedded NUL"},
	{B("\0"), false, "lone NUL"},
	{B("a\nb"), false, "newline is a control character"},
	{B("a\rb"), false, "carriage return"},
	{B("\x01"), false, "SOH"},
	{B("\x1b[31m"), false, "ESC (terminal escape)"},
	{B("\x1f"), false, "unit separator, last C0"},
	{B("\x7f"), false, "DEL"},

	{B("\x80"), false, "lone continuation byte"},
	{B("\xbf"), false, "lone continuation byte 0xbf"},
	{B("a\x80" "b"), false, "continuation byte between ASCII"},
	{B("\xc0\x80"), false, "overlong NUL (C0 80)"},
	{B("\xc0\xaf"), false, "overlong '/' (2 bytes)"},
	{B("\xc1\xbf"), false, "overlong 0x7f (2 bytes)"},
	{B("\xe0\x80\xaf"), false, "overlong '/' (3 bytes)"},
	{B("\xe0\x9f\xbf"), false, "overlong U+07FF (3 bytes)"},
	{B("\xf0\x80\x80\xaf"), false, "overlong '/' (4 bytes)"},
	{B("\xf0\x8f\xbf\xbf"), false, "overlong U+FFFF (4 bytes)"},
	{B("\xed\xa0\x80"), false, "surrogate U+D800"},
	{B("\xed\xaf\xbf"), false, "surrogate U+DBFF"},
	{B("\xed\xb0\x80"), false, "surrogate U+DC00"},
	{B("\xed\xbf\xbf"), false, "surrogate U+DFFF"},
	{B("\xed\xa0\xbd\xed\xb8\x80"), false, "CESU-8 surrogate pair"},
	{B("\xf4\x90\x80\x80"), false, "U+110000, beyond Unicode"},
	{B("\xf5\x80\x80\x80"), false, "lead byte F5"},
	{B("\xf8\x88\x80\x80\x80"), false, "5-byte form"},
	{B("\xfc\x84\x80\x80\x80\x80"), false, "6-byte form"},
	{B("\xfe"), false, "byte FE"},
	{B("\xff"), false, "byte FF"},

	{B("\xc2"), false, "truncated 2-byte at end"},
	{B("\xe5\xbc"), false, "truncated 3-byte at end"},
	{B("\xe5"), false, "3-byte lead alone"},
	{B("\xf0\x9f\x98"), false, "truncated 4-byte at end"},
	{B("\xe5\xbc" "a"), false, "3-byte sequence cut by ASCII"},
	{B("\xf0\x9f\x98" "a"), false, "4-byte sequence cut by ASCII"},
	{B("\xc2\xc2\xa9"), false, "lead byte where continuation expected"},
	{B("\xe5\xbc\xa0\xe4\xb8"), false, "CJK then truncated CJK"},
};

static void
test_utf8_valid_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(utf8_cases); i++) {
		const struct utf8_case *c = &utf8_cases[i];
		bool got = text_utf8_valid(c->bytes, c->len);
		if (got != c->valid)
			fail_msg("case %zu (%s): text_utf8_valid = %d, want %d", i,
				 c->why, got, c->valid);
	}
}

/* The length bounds the check: bytes past len are not looked at, and a
 * valid prefix of an invalid buffer is valid. */
static void
test_utf8_valid_respects_length(void **state)
{
	(void)state;
	const char *s = "\xe5\xbc\xa0\xe4\xb8\x89\n";
	assert_true(text_utf8_valid(s, 6));   /* stops before the newline */
	assert_false(text_utf8_valid(s, 7));  /* includes it */
	assert_false(text_utf8_valid(s, 5));  /* cuts the second character */
	assert_true(text_utf8_valid(s, 3));
	assert_true(text_utf8_valid(s, 0));
}

struct chars_case {
	const char *s;
	size_t chars;
};

static void
test_utf8_chars(void **state)
{
	static const struct chars_case cases[] = {
		{"", 0},
		{"a", 1},
		{"Zhang San", 9},
		{"\xe5\xbc\xa0\xe4\xb8\x89", 2},                 /* 2 CJK */
		{"\xc2\xa9 2020", 6},                              /* 2-byte + 5 */
		{"\xf0\x9f\x98\x80", 1},                           /* emoji */
		{"a\xe5\xbc\xa0" "b\xf0\xa0\x80\x80" "c", 5},      /* mixed widths */
		{"\xf4\x8f\xbf\xbf\xc2\x80", 2},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t got = text_utf8_chars(cases[i].s);
		if (got != cases[i].chars)
			fail_msg("case %zu \"%s\": %zu chars, want %zu", i, cases[i].s,
				 got, cases[i].chars);
	}
}

/* 64 CJK characters are 192 bytes but 64 characters: limits count
 * characters, as a person would. */
static void
test_utf8_chars_counts_characters_not_bytes(void **state)
{
	char buf[64 * 3 + 1];
	(void)state;
	for (int i = 0; i < 64; i++)
		memcpy(buf + 3 * i, "\xe4\xb8\xad", 3);
	buf[sizeof buf - 1] = '\0';
	assert_int_equal(strlen(buf), 192);
	assert_int_equal(text_utf8_chars(buf), 64);
	assert_true(text_utf8_valid(buf, strlen(buf)));
}

struct ident_case {
	const char *s;
	size_t max;
	bool ok;
};

static void
test_is_ident(void **state)
{
	static const struct ident_case cases[] = {
		{"a", 32, true},
		{"2020001234", 32, true},
		{"S-2020.07_x", 32, true},
		{"ABCxyz019_.-", 32, true},
		{"abcdefghijklmnopqrstuvwxyz012345", 32, true},  /* 32 = max */
		{"abcdefghijklmnopqrstuvwxyz0123456", 32, false}, /* 33 */
		{"abc", 3, true},
		{"abcd", 3, false},
		{"", 32, false},
		{"a b", 32, false},
		{" a", 32, false},
		{"a/b", 32, false},
		{"a\\b", 32, false},
		{"a'b", 32, false},
		{"a;b", 32, false},
		{"a:b", 32, false},
		{"a@b", 32, false},
		{"a\tb", 32, false},
		{"\xe5\xbc\xa0", 32, false}, /* CJK is not an identifier */
		{"a%", 32, false},
		{"a+b", 32, false},
		{"`", 32, false},
		{"[", 32, false},
		{"{", 32, false},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		bool got = text_is_ident(cases[i].s, cases[i].max);
		if (got != cases[i].ok)
			fail_msg("case %zu \"%s\" (max %zu): %d, want %d", i, cases[i].s,
				 cases[i].max, got, cases[i].ok);
	}
}

struct phone_case {
	const char *s;
	bool ok;
};

static void
test_is_phone(void **state)
{
	static const struct phone_case cases[] = {
		{"13800138000", true},
		{"+86 138 0013 8000", true},
		{"(010) 6275-1234", true},
		{"110", true},                   /* 3 digits, shortest */
		{"12345678901234567890", true},  /* 20 characters, longest */
		{"+86 (10) 6275-1234", true},
		{"1-2-3", true},
		{"12", false},                   /* too short */
		{"", false},
		{"123456789012345678901", false}, /* 21 characters */
		{"+-()", false},                 /* no digits */
		{"1-2", false},                  /* 3 characters, 2 digits */
		{"(1) 2", false},                /* 2 digits */
		{"138a0013800", false},
		{"138.0013.8000", false},
		{"138/0013", false},
		{"138\t0013", false},
		{"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93", false}, /* fullwidth digits */
		{"ext 123", false},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		bool got = text_is_phone(cases[i].s);
		if (got != cases[i].ok)
			fail_msg("case %zu \"%s\": %d, want %d", i, cases[i].s, got,
				 cases[i].ok);
	}
}

struct digits_case {
	const char *s;
	size_t n;
	bool ok;
};

static void
test_is_digits(void **state)
{
	static const struct digits_case cases[] = {
		{"110000", 6, true},
		{"000000", 6, true},
		{"11000", 6, false},   /* short: stops at the NUL, no overread */
		{"1100000", 6, false}, /* long */
		{"11000a", 6, false},
		{"11 000", 6, false},
		{"", 0, true},
		{"", 6, false},
		{"1", 1, true},
		{"-12345", 6, false},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		bool got = text_is_digits(cases[i].s, cases[i].n);
		if (got != cases[i].ok)
			fail_msg("case %zu \"%s\" n=%zu: %d, want %d", i, cases[i].s,
				 cases[i].n, got, cases[i].ok);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid_table),
		cmocka_unit_test(test_utf8_valid_respects_length),
		cmocka_unit_test(test_utf8_chars),
		cmocka_unit_test(test_utf8_chars_counts_characters_not_bytes),
		cmocka_unit_test(test_is_ident),
		cmocka_unit_test(test_is_phone),
		cmocka_unit_test(test_is_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

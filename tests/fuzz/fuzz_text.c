/*
 * fuzz_text.c -- libFuzzer target for core/text: text_utf8_valid() must
 * agree with an independent reference (the byte-range table of Unicode
 * 15, Table 3-7, "Well-Formed UTF-8 Byte Sequences", plus the C0/DEL
 * rule of text.h), and the other checks must keep their invariants on
 * any NUL-terminated input.  A disagreement traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

#define CHECK(cond)                    \
	do {                           \
		if (!(cond))           \
			__builtin_trap(); \
	} while (0)

/* Table 3-7: lead byte range and the range of the second byte; later
 * bytes are always 80..BF. */
static const struct {
	uint8_t lead_lo, lead_hi, len, second_lo, second_hi;
} well_formed[] = {
	{0xc2, 0xdf, 2, 0x80, 0xbf},
	{0xe0, 0xe0, 3, 0xa0, 0xbf},
	{0xe1, 0xec, 3, 0x80, 0xbf},
	{0xed, 0xed, 3, 0x80, 0x9f},
	{0xee, 0xef, 3, 0x80, 0xbf},
	{0xf0, 0xf0, 4, 0x90, 0xbf},
	{0xf1, 0xf3, 4, 0x80, 0xbf},
	{0xf4, 0xf4, 4, 0x80, 0x8f},
};

/* Length of the well-formed sequence at s[0..len), 0 if none. */
static size_t
ref_sequence(const uint8_t *s, size_t len)
{
	if (s[0] < 0x80)
		return (s[0] >= 0x20 && s[0] != 0x7f) || s[0] == '\t' ? 1 : 0;
	for (size_t r = 0; r < sizeof well_formed / sizeof well_formed[0]; r++) {
		if (s[0] < well_formed[r].lead_lo || s[0] > well_formed[r].lead_hi)
			continue;
		size_t n = well_formed[r].len;
		if (len < n || s[1] < well_formed[r].second_lo ||
		    s[1] > well_formed[r].second_hi)
			return 0;
		for (size_t i = 2; i < n; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return 0;
		return n;
	}
	return 0;
}

/* Reference validity; *chars gets the number of code points. */
static bool
ref_valid(const uint8_t *s, size_t len, size_t *chars)
{
	size_t at = 0;
	*chars = 0;
	while (at < len) {
		size_t n = ref_sequence(s + at, len - at);
		if (n == 0)
			return false;
		at += n;
		++*chars;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chars = 0;
	bool want = ref_valid(data, size, &chars);
	bool got = text_utf8_valid((const char *)data, size);

	CHECK(got == want);

	/* Every prefix: valid exactly when the reference says so. */
	for (size_t cut = 0; cut < size && cut < 64; cut++) {
		size_t c;
		CHECK(text_utf8_valid((const char *)data, cut) ==
		      ref_valid(data, cut, &c));
	}

	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (got) {
		/* a valid buffer has no NUL, so strlen is its length */
		CHECK(strlen(s) == size);
		CHECK(text_utf8_chars(s) == chars);
		CHECK(text_utf8_chars(s) <= size);
		/* the halves of a valid text split at a character boundary
		 * are valid, and so is the text doubled */
		size_t half = size / 2;
		while (half > 0 && ((uint8_t)s[half] & 0xc0) == 0x80)
			half--;
		CHECK(text_utf8_valid(s, half));
		CHECK(text_utf8_valid(s + half, size - half));
	}

	/* Identifiers: only [A-Za-z0-9_.-], 1..max bytes. */
	size_t slen = strlen(s);
	for (size_t max = 1; max <= 40; max += 13) {
		bool ident = text_is_ident(s, max);
		bool ident_want = slen >= 1 && slen <= max;
		for (size_t i = 0; ident_want && i < slen; i++) {
			char c = s[i];
			ident_want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				     (c >= '0' && c <= '9') || c == '_' || c == '.' ||
				     c == '-';
		}
		CHECK(ident == ident_want);
		if (ident)
			CHECK(text_utf8_valid(s, slen));
	}

	/* Phones: 3..20 of [0-9 +-()], at least 3 digits. */
	if (text_is_phone(s)) {
		size_t digits = 0;
		CHECK(slen >= 3 && slen <= 20);
		for (size_t i = 0; i < slen; i++) {
			CHECK(strchr("0123456789 +-()", s[i]) != NULL);
			digits += s[i] >= '0' && s[i] <= '9';
		}
		CHECK(digits >= 3);
	}

	/* Digits: exactly n of them, for the n that is the length. */
	CHECK(!text_is_digits(s, slen + 1));
	if (slen > 0 && text_is_digits(s, slen))
		for (size_t i = 0; i < slen; i++)
			CHECK(s[i] >= '0' && s[i] <= '9');

	free(s);
	return 0;
}

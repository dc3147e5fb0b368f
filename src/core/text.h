/*
 * text.h -- core layer: checks on text people type (UTF-8, lengths,
 * identifiers, phone numbers).  Pure functions, no allocation.
 */
#ifndef TEXT_H
#define TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[0..len) is well-formed UTF-8 with no NUL and no C0 control
 * characters other than tab. */
bool text_utf8_valid(const char *s, size_t len);

/* Number of code points in the NUL-terminated, valid UTF-8 string s. */
size_t text_utf8_chars(const char *s);

/* True if s is 1..max_len characters of [A-Za-z0-9_.-]. */
bool text_is_ident(const char *s, size_t max_len);

/* True if s is a phone number: 3..20 characters of digits, spaces,
 * '+', '-', '(' and ')', with at least 3 digits. */
bool text_is_phone(const char *s);

/* True if s is exactly n ASCII digits. */
bool text_is_digits(const char *s, size_t n);

#endif

/*
 * test_date.c -- unit tests for core/date: day numbers, strict
 * "YYYY-MM-DD" parsing and formatting, and the calendar day in China
 * Standard Time (RULES.md C1).  The oracles are independent of date.c:
 * a day-by-day walk with its own month lengths, the C library's
 * timegm(), and constants computed outside this code base.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/date.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Known day numbers (days since 1970-01-01), computed elsewhere. */
struct anchor {
	const char *s;
	int32_t days;
};

static const struct anchor anchors[] = {
	{"1970-01-01", 0},
	{"1969-12-31", -1},
	{"1970-01-02", 1},
	{"1900-01-01", -25567},
	{"2000-03-01", 11017},
	{"2020-02-09", 18301},
	{"2020-02-10", 18302},
	{"2020-02-29", 18321},
	{"2199-12-31", 84005},
};

static void
test_anchors_parse_and_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(anchors); i++) {
		int32_t got = 12345678;
		char buf[DATE_STR_LEN];
		assert_int_equal(date_parse(anchors[i].s, &got), 0);
		if (got != anchors[i].days)
			fail_msg("%s parsed as %d, want %d", anchors[i].s, (int)got,
				 (int)anchors[i].days);
		assert_string_equal(date_format(anchors[i].days, buf), anchors[i].s);
		assert_ptr_equal(date_format(anchors[i].days, buf), buf);
	}
}

/*
 * Every day from 1900-01-01 to 2199-12-31: the day numbers go up by one,
 * agree with timegm(), and parse(format(d)) == d, format(parse(s)) == s.
 */
static void
test_every_day_round_trips(void **state)
{
	int32_t expect = -25567; /* 1900-01-01 */
	long checked = 0;
	(void)state;

	for (int y = 1900; y <= 2199; y++) {
		for (int m = 1; m <= 12; m++) {
			for (int d = 1; d <= month_days(y, m); d++) {
				char want[32], buf[DATE_STR_LEN];
				int32_t parsed = 0;
				int yy, mm, dd;

				snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
				if (date_from_ymd(y, m, d) != expect)
					fail_msg("date_from_ymd(%s) = %d, want %d", want,
						 (int)date_from_ymd(y, m, d), (int)expect);
				date_to_ymd(expect, &yy, &mm, &dd);
				if (yy != y || mm != m || dd != d)
					fail_msg("date_to_ymd(%d) = %d-%d-%d, want %s",
						 (int)expect, yy, mm, dd, want);
				if (date_parse(want, &parsed) != 0 || parsed != expect)
					fail_msg("date_parse(%s) failed or gave %d", want,
						 (int)parsed);
				date_format(expect, buf);
				if (strcmp(buf, want) != 0)
					fail_msg("date_format(%d) = %s, want %s",
						 (int)expect, buf, want);
				expect++;
				checked++;
			}
		}
	}
	assert_int_equal(expect, 84005 + 1); /* walked up to 2199-12-31 */
	assert_int_equal(checked, 300 * 365 + 73); /* 73 leap days in 1900..2199 */
}

/* Day numbers agree with the C library's UTC calendar, on the 1st of
 * every month and on leap days. */
static void
test_agrees_with_timegm(void **state)
{
	(void)state;
	for (int y = 1900; y <= 2199; y++) {
		for (int m = 1; m <= 12; m++) {
			int last = month_days(y, m);
			for (int d = 1; d <= last; d += last - 1) {
				struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1,
						.tm_mday = d, .tm_hour = 12};
				long long t = (long long)timegm(&tm);
				long long want = (t - 12 * 3600) / 86400;
				if (date_from_ymd(y, m, d) != want)
					fail_msg("%04d-%02d-%02d: %d, timegm says %lld", y, m,
						 d, (int)date_from_ymd(y, m, d), want);
			}
		}
	}
}

struct parse_case {
	const char *s;
	bool ok;
	const char *why;
};

static const struct parse_case leap_cases[] = {
	{"2020-02-29", true, "2020 is a leap year"},
	{"2000-02-29", true, "divisible by 400"},
	{"2024-02-29", true, "leap year"},
	{"2196-02-29", true, "last leap day in range"},
	{"2019-02-29", false, "2019 is not a leap year"},
	{"2100-02-29", false, "divisible by 100, not by 400"},
	{"1900-02-29", false, "divisible by 100, not by 400"},
	{"2200-02-29", false, "out of range anyway"},
	{"2020-02-30", false, "February never has 30 days"},
	{"2019-02-28", true, "last day of February"},
	{"2100-02-28", true, "last day of February 2100"},
	{"2100-03-01", true, "day after 2100-02-28"},
};

static const struct parse_case format_cases[] = {
	{"1900-01-01", true, "first day in range"},
	{"2199-12-31", true, "last day in range"},
	{"1899-12-31", false, "before 1900"},
	{"2200-01-01", false, "after 2199"},
	{"0000-01-01", false, "year 0"},
	{"9999-12-31", false, "year 9999"},
	{"2020-01-31", true, "31 days in January"},
	{"2020-04-30", true, "30 days in April"},
	{"2020-04-31", false, "April has 30 days"},
	{"2020-06-31", false, "June has 30 days"},
	{"2020-09-31", false, "September has 30 days"},
	{"2020-11-31", false, "November has 30 days"},
	{"2020-12-31", true, "31 days in December"},
	{"2020-00-10", false, "month 0"},
	{"2020-13-01", false, "month 13"},
	{"2020-99-01", false, "month 99"},
	{"2020-01-00", false, "day 0"},
	{"2020-01-32", false, "day 32"},
	{"2020-01-99", false, "day 99"},
	{"", false, "empty"},
	{"2020", false, "year only"},
	{"2020-02", false, "year and month"},
	{"2020-2-9", false, "no zero padding"},
	{"2020-02-9", false, "day not padded"},
	{"2020-2-09", false, "month not padded"},
	{"20-02-09", false, "two-digit year"},
	{"20200209", false, "no separators"},
	{"2020/02/09", false, "slashes"},
	{"2020.02.09", false, "dots"},
	{"2020_02_09", false, "underscores"},
	{"09-02-2020", false, "day first"},
	{" 2020-02-09", false, "leading space"},
	{"2020-02-09 ", false, "trailing space"},
	{"2020-02-09\n", false, "trailing newline"},
	{"2020-02-09T00:00:00Z", false, "a timestamp, not a date"},
	{"2020-02-090", false, "eleven characters"},
	{"+020-02-09", false, "sign in the year"},
	{"-020-02-09", false, "negative year"},
	{"2020-+2-09", false, "sign in the month"},
	{"2020-02--9", false, "sign in the day"},
	{"2020-0a-09", false, "letter in the month"},
	{"202O-02-09", false, "letter O for zero"},
	{"2020- 2-09", false, "space padding"},
	{"2020-02-0 ", false, "space in the day"},
	{"2020:02:09", false, "colons"},
	{"abcd-ef-gh", false, "letters"},
	{"\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x90-02-09", false,
	 "fullwidth digits"},
	{"2020\xe2\x88\x92" "02\xe2\x88\x92" "09", false, "U+2212 minus signs"},
	{"2020\xe5\xb9\xb4" "2\xe6\x9c\x88" "9\xe6\x97\xa5", false,
	 "Chinese date 2020nian2yue9ri"},
};

static void
run_parse_cases(const struct parse_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int32_t days = 0;
		int rc = date_parse(cases[i].s, &days);
		if (cases[i].ok) {
			char buf[DATE_STR_LEN];
			if (rc != 0)
				fail_msg("\"%s\" (%s): refused with %d", cases[i].s,
					 cases[i].why, rc);
			if (strcmp(date_format(days, buf), cases[i].s) != 0)
				fail_msg("\"%s\" (%s): formats back as %s", cases[i].s,
					 cases[i].why, buf);
		} else if (rc != FK_EINVAL) {
			fail_msg("\"%s\" (%s): returned %d, want FK_EINVAL", cases[i].s,
				 cases[i].why, rc);
		}
	}
}

static void
test_leap_days(void **state)
{
	(void)state;
	run_parse_cases(leap_cases, ARRAY_LEN(leap_cases));
}

static void
test_bad_formats_rejected(void **state)
{
	(void)state;
	run_parse_cases(format_cases, ARRAY_LEN(format_cases));
}

static void
test_parse_null_is_invalid(void **state)
{
	int32_t days = 0;
	(void)state;
	assert_int_equal(date_parse(NULL, &days), FK_EINVAL);
}

/* Day boundaries in China Standard Time: midnight CST is 16:00 UTC of
 * the day before.  Unix times are computed outside this code base. */
struct cst_case {
	long long unix_time;
	const char *day;
	const char *why;
};

static const struct cst_case cst_cases[] = {
	{1581263999LL, "2020-02-09", "2020-02-09T15:59:59Z = 23:59:59 CST"},
	{1581264000LL, "2020-02-10", "2020-02-09T16:00:00Z = 00:00:00 CST"},
	{1581264001LL, "2020-02-10", "one second after CST midnight"},
	{1581206400LL, "2020-02-09", "2020-02-09T00:00:00Z = 08:00 CST"},
	{1581206399LL, "2020-02-09", "2020-02-08T23:59:59Z = 07:59:59 CST"},
	{1581177600LL, "2020-02-09", "2020-02-08T16:00:00Z = CST midnight"},
	{1581177599LL, "2020-02-08", "2020-02-08T15:59:59Z"},
	{0LL, "1970-01-01", "the epoch is 08:00 CST"},
	{-28800LL, "1970-01-01", "1969-12-31T16:00:00Z = CST midnight"},
	{-28801LL, "1969-12-31", "one second before, negative time"},
	{-1LL, "1970-01-01", "1969-12-31T23:59:59Z is already Jan 1 in CST"},
	{57599LL, "1970-01-01", "1970-01-01T15:59:59Z"},
	{57600LL, "1970-01-02", "1970-01-01T16:00:00Z"},
	{-2208988800LL, "1900-01-01", "1900-01-01T00:00:00Z"},
	{-2209017600LL, "1900-01-01", "1899-12-31T16:00:00Z = CST midnight"},
	{1582905600LL, "2020-02-29", "2020-02-28T16:00:00Z = leap day begins"},
	{1582991999LL, "2020-02-29", "2020-02-29T15:59:59Z = leap day ends"},
	{1582992000LL, "2020-03-01", "2020-02-29T16:00:00Z"},
	{7258089599LL, "2199-12-31", "2199-12-31T15:59:59Z"},
	{7258089600LL, "2200-01-01", "2199-12-31T16:00:00Z"},
};

static void
test_date_of_unix_cst(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cst_cases); i++) {
		char buf[DATE_STR_LEN];
		int32_t day = date_of_unix_cst((time_t)cst_cases[i].unix_time);
		if (strcmp(date_format(day, buf), cst_cases[i].day) != 0)
			fail_msg("t=%lld (%s): %s, want %s", cst_cases[i].unix_time,
				 cst_cases[i].why, buf, cst_cases[i].day);
	}
}

/* Over a whole year, hour by hour: the CST day changes exactly at
 * 16:00 UTC and nowhere else. */
static void
test_cst_day_changes_only_at_1600_utc(void **state)
{
	const long long start = 1577836800LL; /* 2020-01-01T00:00:00Z */
	int32_t prev = date_of_unix_cst((time_t)start);
	(void)state;
	for (long long t = start + 1800; t < start + 366LL * 86400; t += 1800) {
		int32_t day = date_of_unix_cst((time_t)t);
		long long utc_second_of_day = t % 86400;
		if (utc_second_of_day == 16 * 3600) {
			if (day != prev + 1)
				fail_msg("t=%lld: day %d, want %d", t, (int)day, (int)prev + 1);
		} else if (day != prev) {
			fail_msg("t=%lld: day changed away from 16:00 UTC", t);
		}
		prev = day;
	}
}

/* Seconds since CST midnight: 16:00 UTC is 00:00 CST; before 1970 too. */
static void
test_seconds_into_cst_day(void **state)
{
	static const struct {
		long long unix_time;
		int32_t want;
	} rows[] = {
		{0, 8 * 3600},                    /* 1970-01-01 08:00 CST */
		{16 * 3600, 0},                   /* midnight CST */
		{16 * 3600 - 1, 86399},           /* the second before */
		{1580428800, 8 * 3600},           /* 2020-01-31 00:00 UTC */
		{1580428800 + 17 * 3600, 3600},   /* 01:00 CST, 1 February */
		{-8 * 3600, 0},                   /* 1969-12-31 16:00 UTC */
		{-8 * 3600 - 1, 86399},
	};
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		assert_int_equal(date_seconds_into_day_cst((time_t)rows[i].unix_time), rows[i].want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anchors_parse_and_format),
		cmocka_unit_test(test_every_day_round_trips),
		cmocka_unit_test(test_agrees_with_timegm),
		cmocka_unit_test(test_leap_days),
		cmocka_unit_test(test_bad_formats_rejected),
		cmocka_unit_test(test_parse_null_is_invalid),
		cmocka_unit_test(test_date_of_unix_cst),
		cmocka_unit_test(test_cst_day_changes_only_at_1600_utc),
		cmocka_unit_test(test_seconds_into_cst_day),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fuzz_date.c -- libFuzzer target for core/date: whatever date_parse()
 * accepts is a real calendar date in 1900..2199 and formats back to the
 * very same string; whatever it refuses is not one.  The input is also
 * read as a day number and a Unix time, to check format/parse and the
 * CST day over their whole domain.  A violation traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/date.h"

#define CHECK(cond)                    \
	do {                           \
		if (!(cond))           \
			__builtin_trap(); \
	} while (0)

#define FIRST_DAY (-25567) /* 1900-01-01 */
#define LAST_DAY 84005     /* 2199-12-31 */

/* Reference: strict YYYY-MM-DD, a real date, years 1900..2199. */
static bool
ref_date(const char *s, size_t len)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = 0, m = 0, d = 0;
	if (len != 10)
		return false;
	for (size_t i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return false;
		} else if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	for (int i = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= dim[m - 1] + (m == 2 && leap);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[64], buf[DATE_STR_LEN];
	int32_t days = 0;

	if (size >= sizeof s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	/* Round trip: accepted text formats back to itself. */
	int rc = date_parse(s, &days);
	CHECK(rc == 0 || rc == FK_EINVAL);
	CHECK((rc == 0) == ref_date(s, strlen(s)));
	if (rc == 0) {
		int y, m, d;
		CHECK(days >= FIRST_DAY && days <= LAST_DAY);
		CHECK(strcmp(date_format(days, buf), s) == 0);
		date_to_ymd(days, &y, &m, &d);
		CHECK(date_from_ymd(y, m, d) == days);
	}

	/* Any day in range formats to text that parses back to it. */
	if (size >= 4) {
		uint32_t raw;
		int32_t back = 0;
		memcpy(&raw, data, 4);
		int32_t day = FIRST_DAY + (int32_t)(raw % (uint32_t)(LAST_DAY - FIRST_DAY + 1));
		date_format(day, buf);
		CHECK(strlen(buf) == 10);
		CHECK(date_parse(buf, &back) == 0 && back == day);
	}

	/* The CST day of a Unix time in 1900..2199 starts at 16:00 UTC of
	 * the day before: t and the CST midnight before it share a day. */
	if (size >= 8) {
		uint64_t raw;
		memcpy(&raw, data, 8);
		const int64_t lo = (int64_t)FIRST_DAY * 86400, hi = (int64_t)LAST_DAY * 86400;
		int64_t t = lo + (int64_t)(raw % (uint64_t)(hi - lo));
		int32_t day = date_of_unix_cst((time_t)t);
		int64_t cst_midnight = (int64_t)day * 86400 - DATE_CST_OFFSET;
		CHECK(cst_midnight <= t && t < cst_midnight + 86400);
	}
	return 0;
}

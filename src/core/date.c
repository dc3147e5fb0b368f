/* date.c -- core layer: civil-date arithmetic (proleptic Gregorian). */
#include "date.h"

#include <stdio.h>
#include <string.h>

/* Days-from-civil after H. Hinnant's public-domain derivation. */
int32_t
date_from_ymd(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int)doe - 719468);
}

void
date_to_ymd(int32_t z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int yy = (int)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yy + (*m <= 2);
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

int
date_parse(const char *s, int32_t *out)
{
	int y = 0, m = 0, d = 0;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return FK_EINVAL;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return FK_EINVAL;
	}
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return FK_EINVAL;
	*out = date_from_ymd(y, m, d);
	return 0;
}

char *
date_format(int32_t days, char buf[DATE_STR_LEN])
{
	int y, m, d;
	date_to_ymd(days, &y, &m, &d);
	snprintf(buf, DATE_STR_LEN, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
	return buf;
}

int32_t
date_of_unix_cst(time_t t)
{
	long long s = (long long)t + DATE_CST_OFFSET;
	long long q = s / 86400;
	if (s % 86400 < 0)
		q--;
	return (int32_t)q;
}

int32_t
date_seconds_into_day_cst(time_t t)
{
	long long s = ((long long)t + DATE_CST_OFFSET) % 86400;
	return (int32_t)(s < 0 ? s + 86400 : s);
}

/*
 * date.h -- core layer: calendar dates as day numbers.
 *
 * Fangkong counts calendar days in China Standard Time (UTC+8, no DST),
 * RULES.md C1.  A date is an int32: days since 1970-01-01.  Pure.
 */
#ifndef DATE_H
#define DATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "fk_err.h"

/* Length of "YYYY-MM-DD" plus NUL. */
#define DATE_STR_LEN 11

/* Offset of China Standard Time from UTC, seconds. */
#define DATE_CST_OFFSET (8 * 3600)

/* Days from civil date; month 1..12, day 1..31 (not checked). */
int32_t date_from_ymd(int y, int m, int d);

/* Civil date of a day number. */
void date_to_ymd(int32_t days, int *y, int *m, int *d);

/* Parse strict "YYYY-MM-DD" (a real calendar date, years 1900..2199).
 * Returns 0 or FK_EINVAL. */
int date_parse(const char *s, int32_t *out) FK_MUST_CHECK;

/* Format as "YYYY-MM-DD" into buf (DATE_STR_LEN bytes). Returns buf. */
char *date_format(int32_t days, char buf[DATE_STR_LEN]);

/* The calendar day in China Standard Time of a Unix time. */
int32_t date_of_unix_cst(time_t t);

/* Seconds since China Standard Time midnight of a Unix time, 0..86399. */
int32_t date_seconds_into_day_cst(time_t t);

#endif

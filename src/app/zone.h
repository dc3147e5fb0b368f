/*
 * zone.h -- app layer: `fangkong zone`, grading the regions of a case
 * series CSV on one date with no database (DESIGN.md §6, RULES.md §4).
 *
 * Input: a header naming at least date, region_code and new_confirmed,
 * optionally new_clusters and new_asymptomatic, in any order (other
 * columns are ignored); one row per region and day, rows in any order.
 * Dates are YYYY-MM-DD, region codes 6-digit GB/T 2260 codes from the
 * built-in division lists (NBS 2023 and MCA 2019), counts whole numbers
 * 0..RISK_COUNT_MAX.  A (region, date) may appear once.
 *
 * Grading uses only the rows dated up to the grading date; a day with
 * no row counts as zero.  Every region in the input gets one output
 * row, sorted by code, even if all its rows are later than the date.
 * Under a rule with city_takes_highest (county-2020-02, R4.1) a city
 * in the input takes the highest level of itself and of its urban
 * districts (区 under it in the lists) in the input; the reason says so.
 *
 * Output: CSV `region_code,level,reason` (level low, medium or high).
 */
#ifndef ZONE_H
#define ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fk_err.h"
#include "core/risk.h"

/* Most days from the earliest row used to the grading date. */
#define ZONE_SPAN_MAX 1500
/* Most problems listed; later ones only set `truncated`. */
#define ZONE_PROBLEMS_MAX 100

/* One bad row of the input. */
struct zone_problem {
	long row;	   /* CSV record number, the header is row 1 */
	char column[32];   /* the column at fault, "" for the whole row */
	char message[256]; /* what is wrong, naming the value */
};

/* What zone_grade_csv() read.  Zero-initialise; free with
 * zone_report_free(). */
struct zone_report {
	long rows;		       /* data rows read */
	long rows_used;		       /* of those, dated up to the grading date */
	long regions;		       /* regions graded (output rows) */
	long raised;		       /* cities raised to a district's level */
	struct zone_problem *problems; /* sorted by row; owned by the report */
	size_t n_problems;
	bool truncated; /* more than ZONE_PROBLEMS_MAX problems */
};

/*
 * Grade the series in csv[0..len) on `date` under `rule` and write the
 * output CSV, with reasons in `lang`, to *out (NUL-terminated, *out_len
 * bytes without the NUL; caller frees with free()).
 *
 * Errors: FK_EINVAL if the CSV is malformed or the header lacks a
 * column (err names it), or if any row is bad: then rep lists every bad
 * row (row, column, message) and err says how many; nothing is graded
 * and *out is NULL.  FK_ENOMEM.  FK_EIO if the division lists are not
 * built in.  Thread-safe (the division index is built once per process);
 * no I/O.
 */
int zone_grade_csv(const char *csv, size_t len, int32_t date, const struct risk_rule *rule,
		   enum risk_lang lang, char **out, size_t *out_len, struct zone_report *rep,
		   struct fk_error *err) FK_MUST_CHECK;

/* Free the problems of rep; NULL is fine. */
void zone_report_free(struct zone_report *rep);

#endif

/*
 * series.h -- app layer: importing daily case series (the input of
 * regional risk grading, RULES.md §4) from CSV.
 *
 * Three formats:
 *
 *   canghailan  china_city_daily_2020.csv: date,province_code,city_code,
 *               city,kind,prefecture_code,confirmed,suspected,cured,dead
 *               -- CUMULATIVE counts per reporting unit and day
 *   dxy         dxy_city_daily_2020.csv: the same columns plus
 *               update_time -- cumulative
 *   plain       date,region_code,new_confirmed[,new_clusters,
 *               new_asymptomatic] -- already daily new counts
 *
 * The header row is required; columns are found by name, extra columns
 * are ignored.  An import is all or nothing: any bad row (unreadable
 * date, negative or non-numeric count, a missing value or column, an
 * unknown region code, a date not after the previous row of the same
 * region) refuses the whole import and every bad row is reported (row,
 * column, reason).  Otherwise the rows of the source dated from the
 * file's first to its last date are replaced by the file's (one write
 * job, audited as `import series`).
 *
 * Turning cumulative counts into daily new counts (cumulative formats):
 * each reporting unit's rows, in date order, keep a running level L
 * (the cumulative the series has accounted for so far).
 *
 *   first row           new = its cumulative (cases before the source's
 *                       first report of the unit land on that day; the
 *                       count and sum are reported as first_day)
 *   cumulative >= L     new = cumulative - L, and L = cumulative.  A day
 *                       after missing days takes the whole increase
 *                       since the last present day; every gap is
 *                       reported (missing days are not filled: grading
 *                       treats them as zero)
 *   cumulative <  L     a decrease; new = 0 that day, reported.  Then:
 *     glitch            the unit's row of the NEXT calendar day is back
 *                       at >= L (苏州 52 -> 2 -> 60): the drop is a
 *                       glitch and is smoothed -- L is kept, so the next
 *                       day's new is 60 - 52 = 8;
 *     revision          otherwise the decrease stands (Hubei 2020-02-19/20
 *                       revisions, 湖北监狱系统 253 -> 0): L = the lower
 *                       cumulative, later increases count from there.
 *                       The report says when (if ever) the old level was
 *                       regained, since the cases between are counted
 *                       again.
 *
 * Cured, dead and suspected are checked (non-negative integers) but not
 * stored; their decreases (Wuhan cured 47,283 -> 46,335 on 2020-04-17,
 * dead 1,036 -> 1,016 on 2020-02-14) are counted and listed as
 * other_decreases for the record.
 *
 * Which rows become which region's series (the `kind` column):
 *   prefecture       the city_code: a prefecture-level city, or one of
 *                    the county-level units the sources treat as one
 *                    (仙桃 429004, 济源 419001, 4690xx, 6590xx)
 *   county           the city_code: districts of the 4 municipalities
 *                    and counties reported on their own (定州, 邓州...).
 *                    A county's series is never added to its prefecture
 *                    (the 省直管县 double counting: the prefecture row may
 *                    or may not include it); the counties outside the
 *                    municipalities are listed as own_counties
 *   whole_province   HK, Macau, Taiwan: the province code
 *   imported, from_other_province, unassigned, prison, special_zone,
 *   xpcc, transferred_out, other
 *                    no region code: not attributable to a county or
 *                    city, so no series is stored for them.  They are
 *                    still converted (their decreases and gaps are
 *                    reported -- 湖北监狱系统 253 -> 0) and listed as
 *                    excluded with rows and last cumulative per unit.
 *                    No province total is built from city rows either:
 *                    the README's sums of city rows differ from the
 *                    province rows (one-day lag, counties counted twice),
 *                    so a province series, if wanted, comes from the
 *                    province files in the plain format.
 * A prefecture/county row's city_code must be a region of the regions
 * table within the row's province; the stale and postcode codes the
 * sources used (136100, 220a61, 1100y0...) were mapped in the files
 * already (city_name_map.csv), and any left would be refused.
 *
 * Who may import: the command line and officials.  Series are published
 * aggregate counts, not personal records, so an official's region
 * prefix does not narrow an import (a source is one dataset, replaced
 * as a whole over the file's dates); every import is audited.  The
 * source name is the format's unless given; "fangkong" (the cases
 * registered here) cannot be imported into.  A canghailan import
 * refuses a header with update_time (a DXY file under the wrong name).
 */
#ifndef SERIES_H
#define SERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"

enum series_format { SERIES_CANGHAILAN, SERIES_DXY, SERIES_PLAIN };

/* "canghailan", "dxy", "plain" <-> the enum; parse gives FK_EINVAL. */
int series_format_parse(const char *s, enum series_format *out) FK_MUST_CHECK;
const char *series_format_name(enum series_format f);

/* The kind column of the cumulative formats. */
enum series_kind {
	SK_PREFECTURE,
	SK_COUNTY,
	SK_WHOLE_PROVINCE,
	SK_IMPORTED,
	SK_FROM_OTHER_PROVINCE,
	SK_UNASSIGNED,
	SK_PRISON,
	SK_SPECIAL_ZONE,
	SK_XPCC,
	SK_TRANSFERRED_OUT,
	SK_OTHER,
	SK_COUNT
};
const char *series_kind_name(enum series_kind k);

#define SERIES_NAME_BUF 128    /* a unit's name (the city column), bytes */
#define SERIES_LIST_MAX 2000   /* most entries each list of the report keeps */
#define SERIES_TOP 10          /* largest daily counts listed */
#define SERIES_FILE_MAX (64L * 1024 * 1024) /* CSV bytes accepted */

/* Which reporting unit of the file. */
struct series_where {
	char region_code[REGION_CODE_LEN + 1];   /* its series' region, "" if none */
	char province_code[REGION_CODE_LEN + 1];
	char province[SERIES_NAME_BUF];          /* the province's name */
	char name[SERIES_NAME_BUF];              /* the city column (last seen) */
	enum series_kind kind;
};

/* A reporting unit of the file. */
struct series_unit {
	struct series_where at;
	long rows;
	int32_t first, last;                     /* dates of its first and last row */
	int32_t last_cumulative;                 /* confirmed on its last row */
	int64_t new_total;                       /* sum of its daily new */
};

/* A cumulative count that went down. */
struct series_decrease {
	struct series_where at;
	char what[12];           /* confirmed, cured, dead */
	int32_t prev_date;       /* the last day counted at `before` */
	int32_t date;            /* the day it went down */
	int32_t before, after;   /* confirmed: the level L kept before; after: that day's value */
	int32_t next;            /* the next calendar day's value, -1 if no row that day */
	bool glitch;             /* confirmed: undone the next day, smoothed */
	int32_t regained;        /* confirmed revision: first later day back at >= before, 0 never */
	long row;                /* the row of `date` */
};

/* Missing days inside a unit's series. */
struct series_gap {
	struct series_where at;
	int32_t last_present;    /* the day before the gap */
	int32_t next_present;    /* the day after it, which takes the increase */
	int32_t missing_days;
	int32_t assigned;        /* new confirmed put on next_present */
	long row;                /* the row of next_present */
};

/* One of the largest daily new counts stored. */
struct series_top {
	struct series_where at;
	int32_t date;
	int32_t new_confirmed;
};

/* What an import read, stored, and found.  Counts are exact; each list
 * keeps its first SERIES_LIST_MAX entries.  Caller frees the lists
 * with series_report_free(). */
struct series_report {
	enum series_format format;
	char source[16];
	long rows;                        /* data rows read */
	int32_t from, to;                 /* dates covered (replaced), 0 if none */
	bool stored;                      /* the import was written */
	long stored_rows;                 /* series rows written */
	long stored_regions;              /* regions with a series */
	int64_t stored_new;               /* sum of new_confirmed written */

	long kind_rows[SK_COUNT];         /* cumulative formats: rows per kind */
	long kind_units[SK_COUNT];        /* and reporting units per kind */

	/* decreases of cumulative confirmed, every unit (stored or not) */
	long decreases, glitches, revisions;
	int64_t revised_cases;            /* sum of (before - after) of the revisions */
	struct series_decrease *decrease_list;
	size_t n_decrease_list;
	/* decreases of cured and dead (not stored, for the record) */
	long cured_decreases, dead_decreases;
	struct series_decrease *other_decrease_list;
	size_t n_other_decrease_list;

	long gaps;
	int64_t gap_days;
	struct series_gap *gap_list;
	size_t n_gap_list;

	long first_day_units;             /* series whose first row is above zero */
	int64_t first_day_cases;          /* their first rows' sum */

	long excluded_rows;               /* rows of units without a code */
	long excluded_units;
	struct series_unit *excluded_list;
	size_t n_excluded_list;
	long own_counties;                /* county units outside the municipalities */
	struct series_unit *own_county_list;
	size_t n_own_county_list;
	long whole_province_rows;
	struct series_unit *whole_province_list;
	size_t n_whole_province_list;

	struct series_top largest[SERIES_TOP]; /* by new_confirmed, largest first */
	size_t n_largest;

	struct import_problem *problems;  /* bad rows (nothing stored) */
	size_t n_problems;
	bool truncated;                   /* more problems than were kept */
};

/*
 * Import csv[0..len) in `format` under source (NULL: the format's name).
 * Returns 0 with rep filled and the series stored; FK_EINVAL with
 * rep->problems listing every bad row (nothing stored) or err naming
 * what else is wrong (empty file, bad source name, missing header
 * column); FK_EPERM for a role other than official; another fk_err
 * from the store.  rep is filled in every case (free it).
 */
int app_series_import(app_t *a, const actor_t *actor, enum series_format format,
		      const char *source, const char *csv, size_t len, struct series_report *rep,
		      struct fk_error *err) FK_MUST_CHECK;

void series_report_free(struct series_report *rep);

/* The report as JSON (a new reference; NULL without memory).  Dates
 * are "YYYY-MM-DD" strings, absent dates null; the shape is described
 * above series_report_json() in series.c. */
json_t *series_report_json(const struct series_report *rep);

#endif

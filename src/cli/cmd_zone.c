/*
 * cmd_zone.c -- cli layer: `fangkong zone`, area risk levels of the
 * regions of a case series CSV on one date, with no database
 * (DESIGN.md §6, RULES.md §4).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/zone.h"
#include "cli.h"
#include "core/date.h"
#include "core/risk.h"

#define ZONE_FILE_MAX (64L * 1024 * 1024)

static const char usage_line[] =
    "usage: fangkong zone --series FILE.csv --date YYYY-MM-DD [--rule county-2020-02] "
    "[--lang en|zh]\n";

static void
help(void)
{
	printf("%s\n", usage_line);
	printf("Grade every region of a daily case series low, medium or high risk on one\n"
	       "date (RULES.md section 4) and write CSV region_code,level,reason to stdout,\n"
	       "one row per region of the input, sorted by code.\n\n"
	       "FILE.csv has a header with the columns date,region_code,new_confirmed and\n"
	       "optionally new_clusters and new_asymptomatic, in any order (other columns\n"
	       "are ignored): one row per region and day, rows in any order, a region and\n"
	       "day at most once.  Dates are YYYY-MM-DD, region codes 6-digit GB/T 2260\n"
	       "codes (NBS 2023 or MCA 2019), counts whole numbers 0..%d.  Only rows\n"
	       "dated up to --date count; a day without a row counts as zero.  Without\n"
	       "new_clusters no county is high under county-2020-02 (its HIGH needs a\n"
	       "cluster).  Under county-2020-02 a city in the input takes the highest\n"
	       "level of its districts (区) in the input.\n\n"
	       "Options:\n"
	       "  --series FILE  the series CSV (at most %ld MB)\n"
	       "  --date DATE    the day to grade\n"
	       "  --rule NAME    the rule set (default %s):\n",
	       RISK_COUNT_MAX, ZONE_FILE_MAX / (1024 * 1024), RISK_RULE_DEFAULT);
	for (size_t i = 0; i < risk_rule_builtin_count(); i++)
		printf("                 %-14s %s\n", risk_rule_builtin(i)->name,
		       risk_rule_builtin_summary(i));
	printf("  --lang LANG    the language of the reasons: en (default) or zh\n\n"
	       "Bad input (a missing column, an unreadable date, an unknown region code, a\n"
	       "negative or non-integer count, a repeated region and day) is listed on\n"
	       "stderr by row and column; nothing is written to stdout and the exit\n"
	       "status is 1.  Usage errors exit with 2.\n");
}

static int
read_series(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	for (;;) {
		if (n == cap) {
			/* grow up to one byte over the limit, to tell "too large" */
			size_t ncap = cap ? cap * 2 : 65536;
			char *p;
			if (ncap > (size_t)ZONE_FILE_MAX + 1)
				ncap = (size_t)ZONE_FILE_MAX + 1;
			if (ncap == cap) {
				fprintf(stderr, "fangkong zone: %s: larger than %ld bytes\n", path,
					ZONE_FILE_MAX);
				goto fail;
			}
			p = realloc(buf, ncap + 1);
			if (p == NULL) {
				fprintf(stderr, "fangkong zone: %s: out of memory\n", path);
				goto fail;
			}
			buf = p;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "fangkong zone: %s: cannot read\n", path);
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	fclose(f);
	return 1;
}

int
cmd_zone(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"series", required_argument, NULL, 's'}, {"date", required_argument, NULL, 'd'},
	    {"rule", required_argument, NULL, 'r'},   {"lang", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	const char *series = NULL, *date_s = NULL, *rule_name = RISK_RULE_DEFAULT;
	struct zone_report rep = {0};
	struct fk_error err = {0};
	struct risk_rule rule;
	enum risk_lang lang = RISK_LANG_EN;
	int32_t date;
	char *csv = NULL, *out = NULL;
	size_t len = 0, out_len = 0;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': series = optarg; break;
		case 'd': date_s = optarg; break;
		case 'r': rule_name = optarg; break;
		case 'l':
			if (risk_lang_parse(optarg, &lang)) {
				fprintf(stderr,
					"fangkong zone: --lang must be en or zh, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h': help(); return 0;
		default: fputs(usage_line, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fangkong zone: unexpected argument '%s'\n%s", argv[optind],
			usage_line);
		return 2;
	}
	if (series == NULL || date_s == NULL) {
		fprintf(stderr, "fangkong zone: --series and --date are required\n%s", usage_line);
		return 2;
	}
	if (date_parse(date_s, &date)) {
		fprintf(stderr, "fangkong zone: --date '%s' is not a date (YYYY-MM-DD)\n", date_s);
		return 2;
	}
	if (risk_rule_get(rule_name, &rule, &err)) {
		fprintf(stderr, "fangkong zone: --rule: %s\n", err.message);
		return 2;
	}
	if (read_series(series, &csv, &len))
		return 1;
	rc = zone_grade_csv(csv, len, date, &rule, lang, &out, &out_len, &rep, &err);
	free(csv);
	if (rc) {
		for (size_t i = 0; i < rep.n_problems; i++)
			fprintf(stderr, "%s: row %ld, column %s: %s\n", series, rep.problems[i].row,
				rep.problems[i].column[0] ? rep.problems[i].column : "-",
				rep.problems[i].message);
		if (rep.truncated)
			fprintf(stderr, "%s: more problems were not listed\n", series);
		fprintf(stderr, "fangkong zone: %s: %s\n", series,
			err.message[0] ? err.message : fk_strerror(rc));
		zone_report_free(&rep);
		return 1;
	}
	zone_report_free(&rep);
	rc = fwrite(out, 1, out_len, stdout) != out_len;
	rc |= fflush(stdout) != 0;
	free(out);
	if (rc) {
		fprintf(stderr, "fangkong zone: write failed\n");
		return 1;
	}
	return 0;
}

/*
 * cmd_series.c -- cli layer: `fangkong import series`, the import of a
 * daily case series from CSV (app/series.h has the formats and the
 * rules for each quirk of the sources).
 *
 *   fangkong import series --db F --format canghailan|dxy|plain FILE
 *                          [--source NAME] [--json]
 *
 * Prints the import report (counts, then every decrease, gap, excluded
 * unit...) as text, or as the JSON the HTTP route returns with --json.
 * Exit status 0 when stored, 1 when refused (every bad row printed to
 * stderr as "FILE: row N, column C: reason"), 2 for a usage error.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/series.h"
#include "cli.h"
#include "core/date.h"

int cmd_import_series(int argc, char **argv);

#define USAGE "usage: fangkong import series --db FILE --format canghailan|dxy|plain " \
	"[--source NAME] [--json] SERIES.csv\n"

/* Read the whole file (at most SERIES_FILE_MAX bytes) into *out. */
static int
slurp(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	for (;;) {
		size_t got;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1 << 20;
			char *p;
			if (cap >= (size_t)SERIES_FILE_MAX) {
				fprintf(stderr, "fangkong: %s: larger than %ld bytes\n", path,
					SERIES_FILE_MAX);
				goto fail;
			}
			if ((p = realloc(buf, ncap + 1)) == NULL) {
				fprintf(stderr, "fangkong: %s: out of memory\n", path);
				goto fail;
			}
			buf = p;
			cap = ncap;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "fangkong: %s: cannot read\n", path);
		goto fail;
	}
	fclose(f);
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return 1;
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	fclose(f);
	return 1;
}

/* "湖北省 武汉市 420100" or "湖北省 监狱系统 (prison, not stored)". */
static void
where(const struct series_where *w)
{
	if (w->region_code[0])
		printf("%s %s %s", w->province, w->name, w->region_code);
	else
		printf("%s %s (%s, not stored)", w->province, w->name, series_kind_name(w->kind));
}

static void
more(long count, size_t listed)
{
	if ((size_t)count > listed)
		printf("    ... %ld more not listed\n", count - (long)listed);
}

static void
print_units(const struct series_unit *u, size_t n)
{
	char d1[DATE_STR_LEN], d2[DATE_STR_LEN];
	for (size_t i = 0; i < n; i++) {
		printf("    ");
		where(&u[i].at);
		printf(": %ld rows %s..%s, last cumulative %d\n", u[i].rows,
		       date_format(u[i].first, d1), date_format(u[i].last, d2),
		       u[i].last_cumulative);
	}
}

static void
print_report(const char *path, const struct series_report *rep)
{
	char d1[DATE_STR_LEN], d2[DATE_STR_LEN];

	printf("%s: source %s (%s format), %s..%s\n", path, rep->source,
	       series_format_name(rep->format), date_format(rep->from, d1),
	       date_format(rep->to, d2));
	printf("  %ld rows read; %ld daily rows stored for %ld regions, %lld new confirmed\n",
	       rep->rows, rep->stored_rows, rep->stored_regions, (long long)rep->stored_new);
	if (rep->format == SERIES_PLAIN)
		return;

	printf("  rows by kind:");
	for (int k = 0; k < SK_COUNT; k++)
		if (rep->kind_rows[k])
			printf(" %s %ld (%ld units)", series_kind_name((enum series_kind)k),
			       rep->kind_rows[k], rep->kind_units[k]);
	printf("\n");
	printf("  first days: %ld series start above zero, %lld cases (the cases before a unit's "
	       "first row land on that row)\n",
	       rep->first_day_units, (long long)rep->first_day_cases);

	printf("  decreases of cumulative confirmed: %ld (%ld glitches smoothed, %ld revisions "
	       "standing, %lld cases revised away); new = 0 on those days\n",
	       rep->decreases, rep->glitches, rep->revisions, (long long)rep->revised_cases);
	for (size_t i = 0; i < rep->n_decrease_list; i++) {
		const struct series_decrease *d = &rep->decrease_list[i];
		printf("    %s ", date_format(d->date, d1));
		where(&d->at);
		printf(": %d -> %d", d->before, d->after);
		if (d->next >= 0)
			printf(" (next day %d)", d->next);
		if (d->glitch)
			printf(": glitch, smoothed");
		else if (d->regained)
			printf(": revision, level regained %s", date_format(d->regained, d2));
		else
			printf(": revision, stands");
		printf(" [row %ld]\n", d->row);
	}
	more(rep->decreases, rep->n_decrease_list);

	printf("  decreases of cured %ld and dead %ld (not stored, listed for the record)\n",
	       rep->cured_decreases, rep->dead_decreases);
	for (size_t i = 0; i < rep->n_other_decrease_list; i++) {
		const struct series_decrease *d = &rep->other_decrease_list[i];
		printf("    %s ", date_format(d->date, d1));
		where(&d->at);
		printf(": %s %d -> %d [row %ld]\n", d->what, d->before, d->after, d->row);
	}
	more(rep->cured_decreases + rep->dead_decreases, rep->n_other_decrease_list);

	printf("  gaps: %ld (%lld missing days, not filled; the next present day takes the "
	       "increase)\n",
	       rep->gaps, (long long)rep->gap_days);
	for (size_t i = 0; i < rep->n_gap_list; i++) {
		const struct series_gap *g = &rep->gap_list[i];
		printf("    ");
		where(&g->at);
		printf(": no rows for %d day(s) after %s; +%d on %s [row %ld]\n", g->missing_days,
		       date_format(g->last_present, d1), g->assigned,
		       date_format(g->next_present, d2), g->row);
	}
	more(rep->gaps, rep->n_gap_list);

	printf("  rows without a region (not stored, no province total built): %ld rows of %ld "
	       "units\n",
	       rep->excluded_rows, rep->excluded_units);
	print_units(rep->excluded_list, rep->n_excluded_list);
	more(rep->excluded_units, rep->n_excluded_list);
	printf("  counties reported on their own outside the municipalities (own series, never "
	       "added to their prefecture): %ld\n",
	       rep->own_counties);
	print_units(rep->own_county_list, rep->n_own_county_list);
	more(rep->own_counties, rep->n_own_county_list);
	printf("  whole-province rows (HK, Macau, Taiwan; stored under the province code): %ld\n",
	       rep->whole_province_rows);
	print_units(rep->whole_province_list, rep->n_whole_province_list);
	printf("  largest daily new counts:\n");
	for (size_t i = 0; i < rep->n_largest; i++) {
		printf("    %s ", date_format(rep->largest[i].date, d1));
		where(&rep->largest[i].at);
		printf(": +%d\n", rep->largest[i].new_confirmed);
	}
}

int
cmd_import_series(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},	  {"format", required_argument, NULL, 'f'},
		{"source", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
		{"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_config cfg;
	struct fk_error err = {0};
	struct series_report rep;
	enum series_format format = SERIES_PLAIN;
	const char *format_name = NULL, *source = NULL;
	bool as_json = false;
	char *csv = NULL;
	size_t len = 0;
	actor_t cli;
	app_t *app;
	int c, rc;

	if (cli_config_load(argc, argv, &cfg))
		return 1;
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': snprintf(cfg.db, sizeof cfg.db, "%s", optarg); break;
		case 'f': format_name = optarg; break;
		case 's': source = optarg; break;
		case 'j': as_json = true; break;
		case 'c': break;
		case 'h':
			printf(USAGE "\n"
			       "Formats: canghailan (china_city_daily_2020.csv) and dxy\n"
			       "(dxy_city_daily_2020.csv) hold cumulative counts per city or district,\n"
			       "turned into daily new counts; plain is date,region_code,new_confirmed\n"
			       "[,new_clusters,new_asymptomatic], already daily.  The rows of the\n"
			       "source (default: the format's name) over the file's dates are\n"
			       "replaced.  Every bad row is reported and nothing is stored; decreases,\n"
			       "gaps and rows without a region are handled by fixed rules and listed.\n");
			return 0;
		default: return 2;
		}
	}
	if (format_name == NULL || series_format_parse(format_name, &format)) {
		fprintf(stderr, "fangkong import series: --format must be canghailan, dxy or plain\n"
				USAGE);
		return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "fangkong import series: give exactly one CSV file\n" USAGE);
		return 2;
	}
	if (slurp(argv[optind], &csv, &len))
		return 1;
	if (app_open(cfg.db, NULL, &app, &err)) {
		fprintf(stderr, "fangkong: %s: %s\n", cfg.db, err.message);
		free(csv);
		return 1;
	}
	app_actor_cli(&cli);
	rc = app_series_import(app, &cli, format, source, csv, len, &rep, &err);
	for (size_t i = 0; i < rep.n_problems; i++)
		fprintf(stderr, "%s: row %ld, column %s: %s\n", argv[optind], rep.problems[i].row,
			rep.problems[i].column[0] ? rep.problems[i].column : "-",
			rep.problems[i].message);
	if (rep.truncated)
		fprintf(stderr, "%s: more problems were not listed\n", argv[optind]);
	if (rc) {
		fprintf(stderr, "fangkong import series: %s\n",
			err.message[0] ? err.message : fk_strerror(rc));
	} else if (as_json) {
		json_t *j = series_report_json(&rep);
		char *text = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
		if (text == NULL) {
			fprintf(stderr, "fangkong import series: out of memory\n");
			rc = FK_ENOMEM;
		} else {
			printf("%s\n", text);
		}
		free(text);
		json_decref(j);
	} else {
		print_report(argv[optind], &rep);
	}
	series_report_free(&rep);
	free(csv);
	app_close(app);
	return rc ? 1 : 0;
}

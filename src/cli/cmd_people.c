/*
 * cmd_people.c -- cli layer: `fangkong import people` and
 * `fangkong export people`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli.h"

#define IMPORT_FILE_MAX (64L * 1024 * 1024)

static int
read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "fangkong: %s: cannot read\n", path);
		fclose(f);
		return 1;
	}
	if (size > IMPORT_FILE_MAX) {
		fprintf(stderr, "fangkong: %s: larger than %ld bytes\n", path, IMPORT_FILE_MAX);
		fclose(f);
		return 1;
	}
	buf = malloc((size_t)size + 1);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "fangkong: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return 1;
	}
	buf[size] = '\0';
	fclose(f);
	*out = buf;
	*len = (size_t)size;
	return 0;
}

int
cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'}, {"partial", no_argument, NULL, 'p'},
		{"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_config cfg;
	struct fk_error err = {0};
	struct import_report rep;
	bool partial = false;
	char *csv = NULL;
	size_t len = 0;
	actor_t cli;
	app_t *app;
	int c, rc;

	if (argc >= 2 && strcmp(argv[1], "series") == 0)
		return cmd_import_series(argc, argv);
	if (argc < 2 || strcmp(argv[1], "people") != 0) {
		FILE *to = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
				   ? stdout : stderr;
		fprintf(to, "usage: fangkong import people --db FILE [--partial] PEOPLE.csv\n"
			    "       fangkong import series --db FILE --format canghailan|dxy|plain "
			    "[--source NAME] SERIES.csv\n");
		return to == stdout ? 0 : 2;
	}
	if (cli_config_load(argc, argv, &cfg))
		return 1;
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': snprintf(cfg.db, sizeof cfg.db, "%s", optarg); break;
		case 'p': partial = true; break;
		case 'c': break;
		case 'h':
			printf("usage: fangkong import people --db FILE [--partial] PEOPLE.csv\n\n"
			       "PEOPLE.csv has the header id,name,kind,department,phone,community,region_code\n"
			       "(kind: staff, student, postdoc, visitor; region_code: 6-digit GB/T 2260).\n"
			       "Departments are created by name.  Every bad row is reported (row, column,\n"
			       "reason) and nothing is stored, unless --partial stores the good rows.\n");
			return 0;
		default: return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "fangkong import people: give exactly one CSV file\n");
		return 2;
	}
	if (read_file(argv[optind], &csv, &len))
		return 1;
	if (app_open(cfg.db, NULL, &app, &err)) {
		fprintf(stderr, "fangkong: %s: %s\n", cfg.db, err.message);
		free(csv);
		return 1;
	}
	app_actor_cli(&cli);
	rc = app_people_import(app, &cli, csv, len, partial, &rep, &err);
	for (size_t i = 0; i < rep.n_problems; i++)
		fprintf(stderr, "%s: row %ld, column %s: %s\n", argv[optind], rep.problems[i].row,
			rep.problems[i].column[0] ? rep.problems[i].column : "-",
			rep.problems[i].message);
	if (rep.truncated)
		fprintf(stderr, "%s: more problems were not listed\n", argv[optind]);
	if (rc)
		fprintf(stderr, "fangkong import people: %s\n", err.message[0] ? err.message : fk_strerror(rc));
	else
		printf("%ld rows read, %ld people imported, %ld departments created%s\n", rep.rows,
		       rep.imported, rep.departments_created,
		       rep.n_problems ? " (bad rows skipped)" : "");
	import_report_free(&rep);
	free(csv);
	app_close(app);
	return rc ? 1 : 0;
}

int
cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'}, {"output", required_argument, NULL, 'o'},
		{"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_config cfg;
	struct fk_error err = {0};
	const char *output = NULL;
	char *csv = NULL;
	size_t len = 0;
	actor_t cli;
	app_t *app;
	FILE *out = stdout;
	int c, rc;

	if (argc < 2 || strcmp(argv[1], "people") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			printf("usage: fangkong export people --db FILE [--output FILE]\n");
			return 0;
		}
		fprintf(stderr, "usage: fangkong export people --db FILE [--output FILE]\n");
		return 2;
	}
	if (cli_config_load(argc, argv, &cfg))
		return 1;
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': snprintf(cfg.db, sizeof cfg.db, "%s", optarg); break;
		case 'o': output = optarg; break;
		case 'c': break;
		case 'h':
			printf("usage: fangkong export people --db FILE [--output FILE]\n\n"
			       "Write every person as CSV (the import header) to FILE or stdout.\n");
			return 0;
		default: return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fangkong export people: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (app_open(cfg.db, NULL, &app, &err)) {
		fprintf(stderr, "fangkong: %s: %s\n", cfg.db, err.message);
		return 1;
	}
	app_actor_cli(&cli);
	rc = app_people_export(app, &cli, &csv, &len, &err);
	app_close(app);
	if (rc) {
		fprintf(stderr, "fangkong export people: %s\n", err.message[0] ? err.message : fk_strerror(rc));
		return 1;
	}
	if (output && (out = fopen(output, "wb")) == NULL) {
		perror(output);
		free(csv);
		return 1;
	}
	rc = fwrite(csv, 1, len, out) != len;
	if (out != stdout)
		rc |= fclose(out) != 0;
	else
		rc |= fflush(out) != 0;
	free(csv);
	if (rc) {
		fprintf(stderr, "fangkong export people: write failed\n");
		return 1;
	}
	return 0;
}

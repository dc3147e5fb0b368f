/*
 * main.c -- cli layer: the fangkong command and its subcommands.
 */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{"init", cmd_init, "create or migrate a database (--demo adds a demo institute)"},
	{"serve", cmd_serve, "run the HTTP server"},
	{"user", cmd_user, "manage logins: add, list, passwd, disable"},
	{"import", cmd_import, "import people or case series from CSV"},
	{"export", cmd_export, "export people as CSV"},
	{"zone", cmd_zone, "grade area risk levels from a case-series CSV (no database)"},
	{"rt", cmd_rt, "estimate Rt from an incidence CSV (Cori et al. 2013, as EpiEstim)"},
	{"detect", cmd_detect, "early warning: EARS C1/C2/C3 and farringtonFlexible"},
	{"seir", cmd_seir, "solve the SEIR model, or fit it to a case series and forecast (no database)"},
};

static void
usage(FILE *out)
{
	fprintf(out, "Fangkong %s -- epidemic prevention and control for an organisation\n\n"
		     "usage: fangkong COMMAND [OPTIONS]   (fangkong COMMAND --help for each)\n\n",
		FANGKONG_VERSION);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "  %-8s %s\n  %-8s %s\n\n", "help", "this text", "version",
		"print the version");
	fprintf(out, "Configuration: flags, then $FANGKONG_DB and $FANGKONG_LISTEN, then a JSON\n"
		     "config file (--config FILE or $FANGKONG_CONFIG), then defaults\n"
		     "(fangkong.db, 127.0.0.1:8080).\n");
}

int
main(int argc, char **argv)
{
	/* GSL's default handler aborts: every caller checks GSL's return codes */
	gsl_set_error_handler_off();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("fangkong %s\n", FANGKONG_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "fangkong: unknown command '%s' (fangkong help lists them)\n", argv[1]);
	return 2;
}

/*
 * cli.h -- cli layer: shared configuration of the fangkong subcommands.
 *
 * Settings come from, in rising priority: built-in defaults, a JSON
 * config file (--config FILE or $FANGKONG_CONFIG), the environment
 * ($FANGKONG_DB, $FANGKONG_LISTEN), and the command's flags.
 */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>

struct cli_config {
	char db[1024];          /* database location */
	char listen[128];       /* HOST:PORT */
	char web_dir[1024];     /* "" = pages built into the binary */
	int threads;            /* HTTP worker threads */
	int session_ttl_hours;  /* login session lifetime */
	bool quiet;             /* no request log */
	int batch_max;          /* writes per commit, 0 = default */
};

/* Fill cfg from defaults, the config file named in argv or the
 * environment, and the environment.  Prints the problem and returns
 * non-zero if the config file is unreadable or has unknown keys. */
int cli_config_load(int argc, char **argv, struct cli_config *cfg);

/* Read a password from standard input (one line, newline stripped)
 * into buf.  Returns 0 or prints why and returns non-zero. */
int cli_read_password(char *buf, size_t cap);

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import_series(int argc, char **argv);
int cmd_zone(int argc, char **argv);
int cmd_rt(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_seir(int argc, char **argv);

#endif

/*
 * cmd_serve.c -- cli layer: `fangkong init` and `fangkong serve`.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/areas.h"
#include "app/series.h"
#include "cli.h"
#include "http/http.h"

static int
open_app(const struct cli_config *cfg, app_t **app)
{
	struct fk_error err = {0};
	struct app_options opt = {.session_ttl_s = cfg->session_ttl_hours * 3600,
				  .batch_max = cfg->batch_max};
	int rc = app_open(cfg->db, &opt, app, &err);
	if (rc)
		fprintf(stderr, "fangkong: %s: %s\n", cfg->db,
			err.message[0] ? err.message : fk_strerror(rc));
	return rc;
}

int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'}, {"demo", no_argument, NULL, 'D'},
		{"demo-series", no_argument, NULL, 'S'},
		{"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_config cfg;
	struct fk_error err = {0};
	struct series_report imp;
	struct grade_report grade;
	bool demo = false, demo_series = false;
	app_t *app;
	int c, cur = 0, latest = 0;
	int64_t regions = 0;

	if (cli_config_load(argc, argv, &cfg))
		return 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': snprintf(cfg.db, sizeof cfg.db, "%s", optarg); break;
		case 'D': demo = true; break;
		case 'S': demo_series = true; break;
		case 'c': break;
		case 'h':
			printf("usage: fangkong init --db FILE [--demo [--demo-series]]\n\n"
			       "Create the database FILE if absent and apply every migration;\n"
			       "load the administrative division code lists.  --demo adds a demo\n"
			       "institute (departments, 300 people) and one login per role;\n"
			       "--demo-series also imports the 2020 case series of Hubei and\n"
			       "Beijing (canghailan, built in) and grades 2020 (make run does).\n");
			return 0;
		default: return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fangkong init: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (demo_series && !demo) {
		fprintf(stderr, "fangkong init: --demo-series goes with --demo\n");
		return 2;
	}
	if (open_app(&cfg, &app))
		return 1;
	if (store_schema_version(app_store(app), &cur, &latest) ||
	    store_region_count(app_store(app), &regions)) {
		fprintf(stderr, "fangkong: %s: cannot read the database\n", cfg.db);
		app_close(app);
		return 1;
	}
	if (demo && app_demo_create(app, &err)) {
		fprintf(stderr, "fangkong init: %s\n", err.message);
		app_close(app);
		return 1;
	}
	if (demo_series) {
		int rc = app_demo_series(app, &imp, &grade, &err);
		series_report_free(&imp);
		if (rc) {
			fprintf(stderr, "fangkong init: demo series: %s\n", err.message);
			app_close(app);
			return 1;
		}
	}
	app_close(app);
	printf("%s: schema version %d, %lld region codes\n", cfg.db, cur, (long long)regions);
	if (demo) {
		printf("demo institute created; logins (username / password):\n");
		for (int i = 0; app_demo_logins[i].username; i++)
			printf("  %-9s / %-20s %s\n", app_demo_logins[i].username,
			       app_demo_logins[i].password, app_demo_logins[i].what);
	}
	if (demo_series)
		printf("demo case series (Hubei and Beijing, 2020): %lld regions graded over %lld "
		       "days, %lld changes of level\n",
		       (long long)grade.regions, (long long)grade.days, (long long)grade.changes);
	return 0;
}

int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'}, {"listen", required_argument, NULL, 'l'},
		{"web-dir", required_argument, NULL, 'w'}, {"threads", required_argument, NULL, 't'},
		{"session-ttl-hours", required_argument, NULL, 's'}, {"quiet", no_argument, NULL, 'q'},
		{"batch-max", required_argument, NULL, 'b'},
		{"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_config cfg;
	struct fk_error err = {0};
	struct http_options hopt = {0};
	http_server_t *srv = NULL;
	app_t *app = NULL;
	sigset_t set;
	int c, sig = 0;
	char *end;

	if (cli_config_load(argc, argv, &cfg))
		return 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': snprintf(cfg.db, sizeof cfg.db, "%s", optarg); break;
		case 'l': snprintf(cfg.listen, sizeof cfg.listen, "%s", optarg); break;
		case 'w': snprintf(cfg.web_dir, sizeof cfg.web_dir, "%s", optarg); break;
		case 't':
			cfg.threads = (int)strtol(optarg, &end, 10);
			if (*end || cfg.threads < 1 || cfg.threads > 256) {
				fprintf(stderr, "fangkong serve: --threads must be 1..256\n");
				return 2;
			}
			break;
		case 's':
			cfg.session_ttl_hours = (int)strtol(optarg, &end, 10);
			if (*end || cfg.session_ttl_hours < 1 || cfg.session_ttl_hours > 720) {
				fprintf(stderr, "fangkong serve: --session-ttl-hours must be 1..720\n");
				return 2;
			}
			break;
		case 'q': cfg.quiet = true; break;
		case 'b':
			cfg.batch_max = (int)strtol(optarg, &end, 10);
			if (*end || cfg.batch_max < 1 || cfg.batch_max > 4096) {
				fprintf(stderr, "fangkong serve: --batch-max must be 1..4096\n");
				return 2;
			}
			break;
		case 'c': break;
		case 'h':
			printf("usage: fangkong serve --db FILE [--listen 127.0.0.1:8080] [--web-dir DIR]\n"
			       "                      [--threads 8] [--session-ttl-hours 12] [--quiet]\n"
			       "                      [--batch-max 512]\n\n"
			       "Serve the API and the pages.  Port 0 picks a free port; the URL is\n"
			       "printed once the server listens.  One log line per request goes to\n"
			       "stderr (method, route, status, microseconds) unless --quiet.\n"
			       "SIGTERM or SIGINT: stop accepting, finish requests and queued writes,\n"
			       "exit 0.  --batch-max caps the writes committed together (group\n"
			       "commit); 1 commits every write alone (for measurements).\n");
			return 0;
		default: return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fangkong serve: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	/* every thread started from here on inherits the blocked signals;
	 * this thread waits for them */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (open_app(&cfg, &app))
		return 1;
	if (app_notify_start(app)) {
		fprintf(stderr, "fangkong serve: cannot start the webhook delivery thread\n");
		app_close(app);
		return 1;
	}
	hopt.listen = cfg.listen;
	hopt.threads = cfg.threads;
	/* a quarter of the HTTP workers' worth of long analyses at once */
	hopt.analysis_threads = cfg.threads >= 8 ? cfg.threads / 4 : 1;
	hopt.web_dir = cfg.web_dir[0] ? cfg.web_dir : NULL;
	hopt.log_requests = !cfg.quiet;
	if (http_start(app, &hopt, &srv, &err)) {
		fprintf(stderr, "fangkong serve: %s\n", err.message);
		app_close(app);
		return 1;
	}
	{
		char host[128];
		snprintf(host, sizeof host, "%s", cfg.listen);
		char *colon = strrchr(host, ':');
		if (colon)
			*colon = '\0';
		printf("listening on http://%s:%d\n", host, http_port(srv));
		fflush(stdout);
	}
	sigwait(&set, &sig);
	fprintf(stderr, "fangkong: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	http_stop(srv);
	app_close(app); /* drains the writer: every acknowledged write is durable */
	fprintf(stderr, "fangkong: stopped\n");
	return 0;
}

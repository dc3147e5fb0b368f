/* config.c -- cli layer: defaults, config file (JSON, jansson) and env. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int
copy_string(json_t *v, const char *key, char *dst, size_t cap, const char *file)
{
	if (!json_is_string(v) || json_string_length(v) >= cap) {
		fprintf(stderr, "fangkong: %s: %s must be a string of at most %zu bytes\n", file,
			key, cap - 1);
		return 1;
	}
	snprintf(dst, cap, "%s", json_string_value(v));
	return 0;
}

static int
load_file(const char *file, struct cli_config *cfg)
{
	json_error_t jerr;
	json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr), *v;
	const char *key;
	int rc = 0;

	if (root == NULL) {
		fprintf(stderr, "fangkong: config %s: line %d: %s\n", file, jerr.line, jerr.text);
		return 1;
	}
	if (!json_is_object(root)) {
		fprintf(stderr, "fangkong: config %s: must be a JSON object\n", file);
		json_decref(root);
		return 1;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "db") == 0)
			rc |= copy_string(v, key, cfg->db, sizeof cfg->db, file);
		else if (strcmp(key, "listen") == 0)
			rc |= copy_string(v, key, cfg->listen, sizeof cfg->listen, file);
		else if (strcmp(key, "web_dir") == 0)
			rc |= copy_string(v, key, cfg->web_dir, sizeof cfg->web_dir, file);
		else if (strcmp(key, "threads") == 0 && json_is_integer(v) &&
			 json_integer_value(v) > 0 && json_integer_value(v) <= 256)
			cfg->threads = (int)json_integer_value(v);
		else if (strcmp(key, "session_ttl_hours") == 0 && json_is_integer(v) &&
			 json_integer_value(v) > 0 && json_integer_value(v) <= 24 * 30)
			cfg->session_ttl_hours = (int)json_integer_value(v);
		else {
			fprintf(stderr,
				"fangkong: config %s: unknown or invalid key '%s' (known: db, listen, web_dir, threads 1..256, session_ttl_hours 1..720)\n",
				file, key);
			rc = 1;
		}
	}
	json_decref(root);
	return rc;
}

int
cli_config_load(int argc, char **argv, struct cli_config *cfg)
{
	const char *file = getenv("FANGKONG_CONFIG");
	const char *env;

	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->db, sizeof cfg->db, "fangkong.db");
	snprintf(cfg->listen, sizeof cfg->listen, "127.0.0.1:8080");
	cfg->threads = 8;
	cfg->session_ttl_hours = 12;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			file = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			file = argv[i] + 9;
	}
	if (file && *file && load_file(file, cfg))
		return 1;
	if ((env = getenv("FANGKONG_DB")) && *env)
		snprintf(cfg->db, sizeof cfg->db, "%s", env);
	if ((env = getenv("FANGKONG_LISTEN")) && *env)
		snprintf(cfg->listen, sizeof cfg->listen, "%s", env);
	return 0;
}

int
cli_read_password(char *buf, size_t cap)
{
	size_t n;
	if (fgets(buf, (int)cap, stdin) == NULL) {
		fprintf(stderr, "fangkong: no password on standard input\n");
		return 1;
	}
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(stdin)) {
		fprintf(stderr, "fangkong: password is too long\n");
		return 1;
	}
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

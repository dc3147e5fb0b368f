/*
 * cmd_user.c -- cli layer: `fangkong user add|list|passwd|disable`.
 * The operator at the machine acts as "cli" (audited as such).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli.h"

static void
user_usage(FILE *out)
{
	fprintf(out,
		"usage: fangkong user add --db FILE --username U --role ROLE [--person ID]\n"
		"                         [--department NAME] [--region CODE_PREFIX] --password-stdin\n"
		"       fangkong user list --db FILE\n"
		"       fangkong user passwd --db FILE --username U --password-stdin\n"
		"       fangkong user disable --db FILE --username U\n\n"
		"ROLE is staff, dept_head, office, official, analyst or admin.  A staff login\n"
		"reports for --person; a dept_head sees --department and its sub-departments;\n"
		"an official sees people whose region code starts with --region.\n"
		"The server sees a change at once, even while it runs.\n");
}

int
cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'}, {"username", required_argument, NULL, 'u'},
		{"role", required_argument, NULL, 'r'}, {"person", required_argument, NULL, 'p'},
		{"department", required_argument, NULL, 'D'}, {"region", required_argument, NULL, 'R'},
		{"password-stdin", no_argument, NULL, 'P'}, {"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	struct cli_config cfg;
	struct fk_error err = {0};
	const char *sub, *username = NULL, *role = NULL, *person = NULL, *department = NULL,
			 *region = NULL;
	bool pw_stdin = false;
	char password[PASSWORD_MAX + 2] = "";
	actor_t cli;
	app_t *app;
	int c, rc = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		user_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	if (cli_config_load(argc, argv, &cfg))
		return 1;
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': snprintf(cfg.db, sizeof cfg.db, "%s", optarg); break;
		case 'u': username = optarg; break;
		case 'r': role = optarg; break;
		case 'p': person = optarg; break;
		case 'D': department = optarg; break;
		case 'R': region = optarg; break;
		case 'P': pw_stdin = true; break;
		case 'c': break;
		case 'h': user_usage(stdout); return 0;
		default: return 2;
		}
	}
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "passwd") &&
	    strcmp(sub, "disable")) {
		fprintf(stderr, "fangkong user: unknown subcommand '%s'\n", sub);
		return 2;
	}
	if (strcmp(sub, "list") && username == NULL) {
		fprintf(stderr, "fangkong user %s: --username is required\n", sub);
		return 2;
	}
	if ((strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0)) {
		if (!pw_stdin) {
			fprintf(stderr, "fangkong user %s: --password-stdin is required (the password "
					"is read from standard input, never from the command line)\n",
				sub);
			return 2;
		}
		if (cli_read_password(password, sizeof password))
			return 1;
	}
	if (app_open(cfg.db, NULL, &app, &err)) {
		fprintf(stderr, "fangkong: %s: %s\n", cfg.db, err.message);
		return 1;
	}
	app_actor_cli(&cli);
	if (strcmp(sub, "add") == 0) {
		user_t u = {0};
		if (role == NULL) {
			fprintf(stderr, "fangkong user add: --role is required\n");
			rc = 2;
			goto out;
		}
		snprintf(u.username, sizeof u.username, "%s", username);
		if (strlen(username) > USERNAME_MAX || role_parse(role, &u.role)) {
			fk_error_set(&err, FK_EINVAL, strlen(username) > USERNAME_MAX ? "username" : "role",
				     strlen(username) > USERNAME_MAX
					     ? "username is longer than 32 characters"
					     : "role must be one of staff, dept_head, office, official, analyst, admin");
			rc = FK_EINVAL;
		} else {
			if (person)
				snprintf(u.person_id, sizeof u.person_id, "%s", person);
			if (region)
				snprintf(u.region_prefix, sizeof u.region_prefix, "%s", region);
			if ((person && strlen(person) > PERSON_ID_MAX) ||
			    (region && strlen(region) > REGION_CODE_LEN))
				rc = fk_error_set(&err, FK_EINVAL, person && strlen(person) > PERSON_ID_MAX ? "person" : "region",
						  "value is too long");
			else
				rc = app_user_add(app, &cli, &u, department, password, &err);
		}
		if (rc == 0)
			printf("user %s added (id %lld, role %s)\n", u.username, (long long)u.id,
			       role_name(u.role));
	} else if (strcmp(sub, "list") == 0) {
		user_t *items = NULL;
		size_t n = 0;
		rc = app_user_list(app, &cli, &items, &n);
		if (rc == 0) {
			printf("%-6s %-20s %-10s %-10s %-6s %-8s %s\n", "id", "username", "role", "person",
			       "dept", "region", "status");
			for (size_t i = 0; i < n; i++)
				printf("%-6lld %-20s %-10s %-10s %-6lld %-8s %s\n", (long long)items[i].id,
				       items[i].username, role_name(items[i].role),
				       items[i].person_id[0] ? items[i].person_id : "-",
				       (long long)items[i].department_id,
				       items[i].region_prefix[0] ? items[i].region_prefix : "-",
				       items[i].disabled ? "disabled" : "active");
			free(items);
		}
	} else if (strcmp(sub, "passwd") == 0) {
		rc = app_user_passwd(app, &cli, username, password, &err);
		if (rc == 0)
			printf("password of %s changed; their sessions were ended\n", username);
	} else {
		rc = app_user_disable(app, &cli, username, &err);
		if (rc == 0)
			printf("user %s disabled; their sessions were ended\n", username);
	}
	if (rc && rc != 2)
		fprintf(stderr, "fangkong user %s: %s%s%s\n", sub, err.field[0] ? err.field : "",
			err.field[0] ? ": " : "", err.message[0] ? err.message : fk_strerror(rc));
out:
	explicit_bzero(password, sizeof password);
	app_close(app);
	return rc ? 1 : 0;
}

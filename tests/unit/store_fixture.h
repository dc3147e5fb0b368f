/*
 * store_fixture.h -- what the store's unit tests share: a fresh migrated
 * database under $FANGKONG_TEST_TMP (default /tmp), removed afterwards,
 * and run(), which does one write through store_write() as the app
 * does.  Included by tests/unit/test_store_*.c after <cmocka.h>.
 */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

static inline void
fixture_mkdir_p(const char *dir)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(buf, 0777);
			*p = '/';
		}
	}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		fail_msg("cannot create %s: %s", buf, strerror(errno));
}

static inline void
fixture_remove_db(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char buf[600];
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(buf, sizeof buf, "%s%s", path, suffix[i]);
		(void)unlink(buf);
	}
}

/* A fresh, absent database path named after tag in the scratch
 * directory, into path (cap bytes). */
static inline void
fixture_temp_path(const char *tag, char *path, size_t cap)
{
	static atomic_int counter;
	const char *dir = getenv("FANGKONG_TEST_TMP");

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	fixture_mkdir_p(dir);
	snprintf(path, cap, "%s/fk-test-%s-%ld-%d.db", dir, tag, (long)getpid(),
		 atomic_fetch_add(&counter, 1));
	fixture_remove_db(path);
}

/* Open a fresh, migrated database named after tag into path (cap bytes). */
static inline store_t *
fixture_store_open(const char *tag, char *path, size_t cap)
{
	struct fk_error err = {0};
	store_t *s = NULL;
	int from, to;

	fixture_temp_path(tag, path, cap);
	if (store_open(path, NULL, &s, &err) != 0)
		fail_msg("store_open: %s", err.message);
	if (store_migrate(s, &from, &to, &err) != 0)
		fail_msg("store_migrate: %s", err.message);
	return s;
}

static inline void
fixture_store_close(store_t *s, const char *path)
{
	store_close(s);
	fixture_remove_db(path);
}

/* One write job doing fn(tx, arg). */
typedef int (*tx_fn)(store_tx_t *tx, void *arg);
struct fixture_call {
	tx_fn fn;
	void *arg;
};

static inline int
fixture_call_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct fixture_call *c = arg;
	(void)err;
	return c->fn(tx, c->arg);
}

static inline int
run(store_t *s, tx_fn fn, void *arg)
{
	struct fk_error err = {0};
	struct fixture_call c = {fn, arg};
	return store_write(s, fixture_call_job, &c, &err);
}

#endif

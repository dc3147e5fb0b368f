/*
 * store_impl.h -- store layer, internal: the backend ops table.
 *
 * A backend fills one struct store_ops (as SQLite's VFS or h2o's
 * handlers do).  store.c owns the writer thread and the job queue and
 * calls into the backend; the backend owns its connections.  Only files
 * in src/store/ include this header.
 */
#ifndef STORE_IMPL_H
#define STORE_IMPL_H

#include "store.h"

struct store_tx {
	const struct store_ops *ops;
	void *drv;  /* the backend's write context */
};

struct store_ops {
	const char *name;
	int (*open)(const char *location, const struct store_options *opt,
		    void **drv, struct fk_error *err);
	void (*close)(void *drv);
	int (*migrate)(void *drv, int *from, int *to, struct fk_error *err);
	int (*schema_version)(void *drv, int *current, int *latest);

	/* Batch control, called only on the writer thread. */
	int (*begin)(void *drv);
	int (*savepoint)(void *drv);
	int (*release)(void *drv);
	int (*rollback_to)(void *drv);
	int (*commit)(void *drv);
	void (*rollback)(void *drv);

	int (*region_get)(void *drv, const char *code, region_t *out);
	int (*region_count)(void *drv, int64_t *out);
	int (*tx_region_put)(void *drv, const region_t *r);
	int (*tx_region_exists)(void *drv, const char *code, bool *out);

	int (*department_get)(void *drv, bool tx, int64_t id, department_t *out);
	int (*department_find)(void *drv, bool tx, const char *name, department_t *out);
	int (*department_list)(void *drv, department_t **out, size_t *n);
	int (*tx_department_insert)(void *drv, department_t *d, struct fk_error *err);
	int (*tx_department_update)(void *drv, department_t *d, struct fk_error *err);
	int (*tx_department_delete)(void *drv, int64_t id, struct fk_error *err);

	int (*person_get)(void *drv, bool tx, const char *id, person_t *out);
	int (*person_list)(void *drv, const struct person_query *q, person_t **out, size_t *n);
	int (*person_dept_path)(void *drv, const char *id, char *path, size_t cap);
	int (*tx_person_insert)(void *drv, const person_t *p, int64_t now, struct fk_error *err);
	int (*tx_person_update)(void *drv, const person_t *p, int64_t now, struct fk_error *err);
	int (*tx_person_delete)(void *drv, const char *id, struct fk_error *err);

	int (*user_get)(void *drv, int64_t id, user_t *out);
	int (*user_find)(void *drv, bool tx, const char *username, user_t *out);
	int (*user_list)(void *drv, user_t **out, size_t *n);
	int (*user_count)(void *drv, int64_t *out);
	int (*tx_user_insert)(void *drv, user_t *u, int64_t now, struct fk_error *err);
	int (*tx_user_update)(void *drv, const user_t *u, struct fk_error *err);

	int (*session_get)(void *drv, const uint8_t *hash, int64_t now, session_t *out);
	int (*tx_session_insert)(void *drv, const session_t *se);
	int (*tx_session_delete)(void *drv, const uint8_t *hash);
	int (*tx_session_delete_user)(void *drv, int64_t user_id);
	int (*tx_session_purge)(void *drv, int64_t now);

	int (*tx_audit_append)(void *drv, const audit_entry_t *a);
	int (*audit_list)(void *drv, int64_t before, int limit, audit_entry_t **out, size_t *n);

	int (*setting_get)(void *drv, const char *key, char *value, size_t cap);
	int (*tx_setting_put)(void *drv, const char *key, const char *value, int64_t now);
};

extern const struct store_ops store_sqlite_ops;

#endif

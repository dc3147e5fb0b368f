/* store_sqlite.h -- store layer, internal: the SQLite backend's schema. */
#ifndef STORE_SQLITE_H
#define STORE_SQLITE_H

/* store_sqlite_migrations[i] takes the schema from version i to i+1. */
extern const char *const store_sqlite_migrations[];
extern const int store_sqlite_migration_count;

#endif

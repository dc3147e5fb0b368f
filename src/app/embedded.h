/*
 * embedded.h -- app layer: files built into the binary (web/ pages and
 * the region code lists of data/), written by tools/embed.c at build time.
 */
#ifndef EMBEDDED_H
#define EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *path;           /* "web/index.html", "data/divisions.csv" */
	const unsigned char *data;  /* NUL-terminated for convenience */
	size_t size;                /* bytes, without that NUL */
};

extern const struct embedded_file embedded_files[];
extern const size_t embedded_files_count;

/* The file at path, or NULL.  Static data; never freed. */
const struct embedded_file *embedded_find(const char *path);

#endif

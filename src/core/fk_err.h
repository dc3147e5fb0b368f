/*
 * fk_err.h -- core layer: the error codes every Fangkong module returns.
 *
 * Functions that can fail return int: 0 on success or a negative enum
 * fk_err.  Where a caller needs to tell a person what was wrong (a bad
 * field, a bad CSV row), the function also fills a struct fk_error that
 * names the field and says why in plain words.  No I/O here.
 */
#ifndef FK_ERR_H
#define FK_ERR_H

#include <stddef.h>

#define FK_MUST_CHECK __attribute__((warn_unused_result))

enum fk_err {
	FK_OK = 0,
	FK_ENOMEM = -1,    /* out of memory */
	FK_EINVAL = -2,    /* bad input; fk_error.field names it */
	FK_EIO = -3,       /* storage or system failure */
	FK_ENOTFOUND = -4, /* no such record */
	FK_EPERM = -5,     /* authenticated but not allowed */
	FK_ECONFLICT = -6, /* duplicate or still referenced */
	FK_EAUTH = -7,     /* missing, expired or forged credentials */
	FK_ETOOBIG = -8,   /* body or field over its limit */
	FK_ELIMIT = -9,    /* rate limited */
	FK_EBUSY = -10,    /* shutting down or overloaded */
};

/* Longest field name and message an fk_error holds (bytes, with NUL). */
#define FK_ERROR_FIELD_MAX 64
#define FK_ERROR_MESSAGE_MAX 384

/*
 * What went wrong, for a person to read.  `code` is the enum fk_err,
 * `field` the JSON field, CLI flag or CSV column at fault ("" if none),
 * `message` a sentence.  Plain value; zero-initialise before use.
 */
struct fk_error {
	int code;
	char field[FK_ERROR_FIELD_MAX];
	char message[FK_ERROR_MESSAGE_MAX];
};

/* Short stable text for a code ("invalid input"); never NULL. */
const char *fk_strerror(int code);

/* Stable machine name for a code ("invalid", "not_found"); never NULL. */
const char *fk_err_name(int code);

/*
 * Fill err (which may be NULL) and return code, so that callers can write
 * `return fk_error_set(err, FK_EINVAL, "name", "is empty");`.
 * Does nothing to err if err->code is already set (first error wins).
 */
int fk_error_set(struct fk_error *err, int code, const char *field,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Reset err to "no error". */
void fk_error_clear(struct fk_error *err);

#endif

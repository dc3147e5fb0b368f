/* fk_err.c -- core layer: error codes and their texts. */
#include "fk_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	int code;
	const char *name;
	const char *text;
} err_table[] = {
	{FK_OK, "ok", "success"},
	{FK_ENOMEM, "no_memory", "out of memory"},
	{FK_EINVAL, "invalid", "invalid input"},
	{FK_EIO, "io", "storage or system error"},
	{FK_ENOTFOUND, "not_found", "not found"},
	{FK_EPERM, "forbidden", "not allowed"},
	{FK_ECONFLICT, "conflict", "conflict with existing data"},
	{FK_EAUTH, "unauthenticated", "missing, expired or invalid credentials"},
	{FK_ETOOBIG, "too_large", "too large"},
	{FK_ELIMIT, "rate_limited", "too many attempts"},
	{FK_EBUSY, "unavailable", "temporarily unavailable"},
};

const char *
fk_strerror(int code)
{
	for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
		if (err_table[i].code == code)
			return err_table[i].text;
	return "unknown error";
}

const char *
fk_err_name(int code)
{
	for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
		if (err_table[i].code == code)
			return err_table[i].name;
	return "error";
}

int
fk_error_set(struct fk_error *err, int code, const char *field,
	     const char *fmt, ...)
{
	if (err == NULL || err->code != 0)
		return code;
	err->code = code;
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	} else {
		snprintf(err->message, sizeof err->message, "%s",
			 fk_strerror(code));
	}
	return code;
}

void
fk_error_clear(struct fk_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

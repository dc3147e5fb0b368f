/* exports.c -- app layer: the daily table as CSV and XLSX (being written). */
#include "app_impl.h"

int app_export_daily(app_t *a, const actor_t *actor, int32_t from, int32_t to, const char *by,
		     const char *format, char **out, size_t *len, struct fk_error *err)
{
	(void)a; (void)actor; (void)from; (void)to; (void)by; (void)format;
	*out = NULL; *len = 0;
	return fk_error_set(err, FK_EIO, "", "not built yet");
}

/* fuzz_csv.c -- CSV reading (libcsv): records come numbered in order
 * with at most 64 bounded fields each, or the input is refused with a
 * clear error; never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_impl.h"

struct seen {
	long last;
};

static int
row(void *ctx, long record, char **fields, size_t n)
{
	struct seen *s = ctx;
	if (record != s->last + 1 || n > 64)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strlen(fields[i]) > 4096)
			abort();
	s->last = record;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = {0};
	struct fk_error err = {0};
	int rc = app__csv_each((const char *)data, size, row, &s, &err);
	if (rc != 0 && (rc != FK_EINVAL || err.field[0] == '\0'))
		abort();
	return 0;
}

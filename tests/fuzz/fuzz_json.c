/* fuzz_json.c -- strict JSON body decoding: any input is either decoded
 * into bounded, valid text or refused with FK_EINVAL; never a crash,
 * never an overflow of a field buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "http/http_impl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[9], note[33];
	int64_t n = 0;
	bool flag = false, seen_note = false;
	double temp = 0;
	json_t *list = NULL;
	struct jfield f[] = {
		{"name", JF_STRING, true, name, sizeof name, NULL},
		{"note", JF_STRING, false, note, sizeof note, &seen_note},
		{"n", JF_INT, false, &n, 0, NULL},
		{"flag", JF_BOOL, false, &flag, 0, NULL},
		{"temp", JF_NUMBER, false, &temp, 0, NULL},
		{"list", JF_ARRAY, false, &list, 3, NULL},
	};
	struct fk_error err = {0};
	int rc;

	memset(name, 'x', sizeof name);
	memset(note, 'x', sizeof note);
	note[0] = '\0';
	rc = json_decode_body((const char *)data, size, f, sizeof f / sizeof f[0], &err);
	if (rc == 0) {
		if (memchr(name, '\0', sizeof name) == NULL || !text_utf8_valid(name, strlen(name)))
			abort();
		if (seen_note && (memchr(note, '\0', sizeof note) == NULL ||
				  !text_utf8_valid(note, strlen(note))))
			abort();
		if (list && json_array_size(list) > 3)
			abort();
	} else if (rc != FK_EINVAL || err.code != FK_EINVAL) {
		abort();
	}
	json_decref(list);
	return 0;
}

/*
 * json.c -- http layer: strict decoding of request bodies (jansson).
 *
 * Strict means: the body is exactly one JSON object; a key may appear
 * once; every key must be one the route knows; each value must have the
 * declared type; strings must be valid text without NUL and fit their
 * buffer.  The first problem found is reported with its field name.
 */
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "http_impl.h"

/* jansson says "duplicate object key near '"name"'": pull out the name. */
static void
duplicate_key_field(const char *text, char *field, size_t cap)
{
	const char *q = strstr(text, "'\"");
	size_t n = 0;
	field[0] = '\0';
	if (q == NULL)
		return;
	q += 2;
	while (q[n] && !(q[n] == '"' && q[n + 1] == '\'') && n + 1 < cap)
		n++;
	memcpy(field, q, n);
	field[n] = '\0';
}

static const char *
type_name(enum jf_type t)
{
	switch (t) {
	case JF_STRING: return "a string";
	case JF_NUMBER: return "a number";
	case JF_ARRAY: return "an array";
	case JF_INT: return "an integer";
	case JF_BOOL: return "true or false";
	}
	return "?";
}

static int
decode_field(json_t *v, const struct jfield *f, struct fk_error *err)
{
	switch (f->type) {
	case JF_STRING: {
		const char *s;
		size_t len;
		if (!json_is_string(v))
			break;
		s = json_string_value(v);
		len = json_string_length(v);
		if (strlen(s) != len || !text_utf8_valid(s, len))
			return fk_error_set(err, FK_EINVAL, f->name,
					    "%s must be text without control characters", f->name);
		if (len >= f->cap)
			return fk_error_set(err, FK_EINVAL, f->name, "%s is too long (at most %zu bytes)",
					    f->name, f->cap - 1);
		memcpy(f->dst, s, len + 1);
		return 0;
	}
	case JF_INT:
		if (!json_is_integer(v))
			break;
		*(int64_t *)f->dst = (int64_t)json_integer_value(v);
		return 0;
	case JF_BOOL:
		if (!json_is_boolean(v))
			break;
		*(bool *)f->dst = json_is_true(v);
		return 0;
	case JF_NUMBER:
		if (!json_is_number(v))
			break;
		*(double *)f->dst = json_number_value(v);
		return 0;
	case JF_ARRAY:
		if (!json_is_array(v))
			break;
		if (json_array_size(v) > f->cap)
			return fk_error_set(err, FK_EINVAL, f->name, "%s has more than %zu items",
					    f->name, f->cap);
		*(json_t **)f->dst = json_incref(v);
		return 0;
	}
	return fk_error_set(err, FK_EINVAL, f->name, "%s must be %s", f->name, type_name(f->type));
}

int
json_decode_body(const char *body, size_t len, const struct jfield *fields, size_t n,
		 struct fk_error *err)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	int rc = 0;

	if (body == NULL || len == 0)
		return fk_error_set(err, FK_EINVAL, "", "the request needs a JSON object body");
	/* NULs are let through jansson so the check below can name the field */
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (root == NULL) {
		if (strstr(jerr.text, "duplicate object key")) {
			char field[FK_ERROR_FIELD_MAX];
			duplicate_key_field(jerr.text, field, sizeof field);
			return fk_error_set(err, FK_EINVAL, field, "field %s appears more than once",
					    field);
		}
		return fk_error_set(err, FK_EINVAL, "", "malformed JSON at line %d column %d: %s",
				    jerr.line, jerr.column, jerr.text);
	}
	if (!json_is_object(root)) {
		rc = fk_error_set(err, FK_EINVAL, "", "the body must be a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v) {
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(fields[i].name, key) == 0)
				break;
		if (i == n) {
			rc = fk_error_set(err, FK_EINVAL, key, "unknown field %s", key);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		v = json_object_get(root, fields[i].name);
		if (fields[i].seen)
			*fields[i].seen = v != NULL && !json_is_null(v);
		if (v == NULL || json_is_null(v)) {
			if (fields[i].required) {
				rc = fk_error_set(err, FK_EINVAL, fields[i].name, "%s is required",
						  fields[i].name);
				goto out;
			}
			continue;
		}
		if ((rc = decode_field(v, &fields[i], err)))
			goto out;
	}
out:
	json_decref(root);
	return rc;
}

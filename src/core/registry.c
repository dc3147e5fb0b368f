/* registry.c -- core layer: validation of registry values. */
#include "registry.h"

#include <string.h>

#include "text.h"

static const char *const kind_names[PERSON_KIND_COUNT] = {
	"staff", "student", "postdoc", "visitor",
};

static const char *const role_names[ROLE_COUNT] = {
	"staff", "dept_head", "office", "official", "analyst", "admin",
};

const char *
person_kind_name(enum person_kind k)
{
	return (unsigned)k < PERSON_KIND_COUNT ? kind_names[k] : "?";
}

int
person_kind_parse(const char *s, enum person_kind *out)
{
	for (int i = 0; i < PERSON_KIND_COUNT; i++)
		if (s && strcmp(s, kind_names[i]) == 0) {
			*out = (enum person_kind)i;
			return 0;
		}
	return FK_EINVAL;
}

const char *
role_name(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? role_names[r] : "?";
}

int
role_parse(const char *s, enum role *out)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (s && strcmp(s, role_names[i]) == 0) {
			*out = (enum role)i;
			return 0;
		}
	return FK_EINVAL;
}

bool
region_code_well_formed(const char *code)
{
	if (code == NULL || !text_is_digits(code, REGION_CODE_LEN))
		return false;
	int prov = (code[0] - '0') * 10 + (code[1] - '0');
	return prov >= 11 && prov <= 82;
}

bool
region_prefix_well_formed(const char *p)
{
	size_t n = p ? strlen(p) : 0;
	return n >= 1 && n <= REGION_CODE_LEN && text_is_digits(p, n);
}

static int
check_text(const char *s, const char *field, size_t max_chars, bool required,
	   struct fk_error *err)
{
	size_t len = strlen(s);
	if (!text_utf8_valid(s, len))
		return fk_error_set(err, FK_EINVAL, field,
				    "%s is not valid text (UTF-8, no control characters)",
				    field);
	if (required && len == 0)
		return fk_error_set(err, FK_EINVAL, field, "%s is required", field);
	if (text_utf8_chars(s) > max_chars)
		return fk_error_set(err, FK_EINVAL, field,
				    "%s is longer than %zu characters", field,
				    max_chars);
	return 0;
}

int
person_validate(const person_t *p, struct fk_error *err)
{
	int rc;

	if (!text_is_ident(p->id, PERSON_ID_MAX))
		return fk_error_set(err, FK_EINVAL, "id",
				    "id must be 1 to %d characters of letters, digits, '_', '.' or '-'",
				    PERSON_ID_MAX);
	if ((rc = check_text(p->name, "name", PERSON_NAME_CHARS, true, err)))
		return rc;
	if ((unsigned)p->kind >= PERSON_KIND_COUNT)
		return fk_error_set(err, FK_EINVAL, "kind",
				    "kind must be one of staff, student, postdoc, visitor");
	if (p->phone[0] && !text_is_phone(p->phone))
		return fk_error_set(err, FK_EINVAL, "phone",
				    "phone must be 3 to 20 digits, spaces or + - ( )");
	if ((rc = check_text(p->community, "community", PERSON_COMMUNITY_CHARS,
			     false, err)))
		return rc;
	if (!region_code_well_formed(p->region_code))
		return fk_error_set(err, FK_EINVAL, "region_code",
				    "region_code must be a 6-digit administrative division code");
	return 0;
}

int
department_name_validate(const char *name, struct fk_error *err)
{
	int rc = check_text(name, "name", DEPARTMENT_NAME_CHARS, true, err);
	if (rc)
		return rc;
	if (strchr(name, '/'))
		return fk_error_set(err, FK_EINVAL, "name",
				    "name must not contain '/'");
	return 0;
}

int
user_validate(const user_t *u, struct fk_error *err)
{
	if (!text_is_ident(u->username, USERNAME_MAX))
		return fk_error_set(err, FK_EINVAL, "username",
				    "username must be 1 to %d characters of letters, digits, '_', '.' or '-'",
				    USERNAME_MAX);
	if ((unsigned)u->role >= ROLE_COUNT)
		return fk_error_set(err, FK_EINVAL, "role",
				    "role must be one of staff, dept_head, office, official, analyst, admin");
	if (u->role == ROLE_STAFF && u->person_id[0] == '\0')
		return fk_error_set(err, FK_EINVAL, "person_id",
				    "a staff user needs the person it reports for");
	if (u->person_id[0] && !text_is_ident(u->person_id, PERSON_ID_MAX))
		return fk_error_set(err, FK_EINVAL, "person_id", "person is not a valid person id");
	if (u->role == ROLE_DEPT_HEAD && u->department_id <= 0)
		return fk_error_set(err, FK_EINVAL, "department",
				    "a dept_head user needs the department they head");
	if (u->role == ROLE_OFFICIAL && !region_prefix_well_formed(u->region_prefix))
		return fk_error_set(err, FK_EINVAL, "region",
				    "an official needs a region code prefix of 1 to 6 digits");
	if (u->role != ROLE_OFFICIAL && u->region_prefix[0])
		return fk_error_set(err, FK_EINVAL, "region",
				    "only an official has a region");
	return 0;
}

int
password_validate(const char *pw, struct fk_error *err)
{
	size_t n = pw ? strlen(pw) : 0;
	if (n < PASSWORD_MIN || n > PASSWORD_MAX)
		return fk_error_set(err, FK_EINVAL, "password",
				    "password must be %d to %d bytes long",
				    PASSWORD_MIN, PASSWORD_MAX);
	if (!text_utf8_valid(pw, n))
		return fk_error_set(err, FK_EINVAL, "password",
				    "password is not valid UTF-8 text");
	return 0;
}

/*
 * registry.h -- core layer: the people, departments and users of an
 * organisation, as plain values, with the rules that make one valid.
 *
 * Field limits are in bytes of UTF-8 (with NUL) and in characters where
 * a person would count them.  Validation fills an fk_error naming the
 * JSON/CSV field at fault.  Pure: region codes are checked for form
 * here; whether a code exists is the store's business (regions table).
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "fk_err.h"

#define PERSON_ID_MAX 32        /* characters of [A-Za-z0-9_.-] */
#define PERSON_NAME_CHARS 64    /* characters */
#define PERSON_COMMUNITY_CHARS 100
#define DEPARTMENT_NAME_CHARS 64
#define USERNAME_MAX 32
#define PASSWORD_MIN 8
#define PASSWORD_MAX 128
#define REGION_CODE_LEN 6

/* Byte buffers: 4 bytes per character of UTF-8, plus NUL. */
#define PERSON_NAME_BUF (PERSON_NAME_CHARS * 4 + 1)
#define PERSON_COMMUNITY_BUF (PERSON_COMMUNITY_CHARS * 4 + 1)
#define DEPARTMENT_NAME_BUF (DEPARTMENT_NAME_CHARS * 4 + 1)
#define PHONE_BUF 21

enum person_kind {
	PERSON_STAFF = 0,
	PERSON_STUDENT,
	PERSON_POSTDOC,
	PERSON_VISITOR,
	PERSON_KIND_COUNT
};

/* A person of the organisation (registry row). */
typedef struct person {
	char id[PERSON_ID_MAX + 1];          /* the organisation's own id */
	char name[PERSON_NAME_BUF];          /* full name */
	enum person_kind kind;               /* staff, student, ... */
	int64_t department_id;               /* departments.id */
	char department[DEPARTMENT_NAME_BUF]; /* its name (reads only) */
	char phone[PHONE_BUF];               /* may be "" */
	char community[PERSON_COMMUNITY_BUF]; /* residential community, may be "" */
	char region_code[REGION_CODE_LEN + 1]; /* GB/T 2260, where they live */
	int64_t updated_at;                  /* Unix seconds (reads only) */
} person_t;

/* A department; the tree is kept as a materialised path "/1/4/9/". */
typedef struct department {
	int64_t id;
	char name[DEPARTMENT_NAME_BUF];
	int64_t parent_id;                   /* 0 for a root */
	char path[256];                      /* ids from the root, reads only */
	int64_t people;                      /* direct members, reads only */
} department_t;

enum role {
	ROLE_STAFF = 0,
	ROLE_DEPT_HEAD,
	ROLE_OFFICE,
	ROLE_OFFICIAL,
	ROLE_ANALYST,
	ROLE_ADMIN,
	ROLE_COUNT
};

/* Bit of a role in a route's allow-mask. */
#define ROLE_BIT(r) (1u << (r))
#define ROLE_ALL ((1u << ROLE_COUNT) - 1)

/* A login and what it may see. */
typedef struct user {
	int64_t id;
	char username[USERNAME_MAX + 1];
	enum role role;
	char person_id[PERSON_ID_MAX + 1];   /* staff: own person; "" if none */
	int64_t department_id;               /* dept_head: subtree root; 0 */
	char region_prefix[REGION_CODE_LEN + 1]; /* official: code prefix */
	bool disabled;
	char password_hash[160];             /* Argon2id string, store only */
	int64_t created_at;
} user_t;

const char *person_kind_name(enum person_kind k);
/* Returns 0 and sets *out, or FK_EINVAL. */
int person_kind_parse(const char *s, enum person_kind *out) FK_MUST_CHECK;

const char *role_name(enum role r);
int role_parse(const char *s, enum role *out) FK_MUST_CHECK;

/* True if code is six digits whose province part is a real province
 * number (11..82) -- the form of a GB/T 2260 code, not its existence. */
bool region_code_well_formed(const char *code);

/* True if p is 1..6 digits (an official's jurisdiction prefix). */
bool region_prefix_well_formed(const char *p);

/*
 * Check every field of p except department_id (resolved by the caller)
 * and region existence.  Returns 0 or FK_EINVAL with err naming the
 * field: "id", "name", "kind", "phone", "community", "region_code".
 */
int person_validate(const person_t *p, struct fk_error *err) FK_MUST_CHECK;

/* Check a department name (1..64 characters, no '/'). */
int department_name_validate(const char *name, struct fk_error *err) FK_MUST_CHECK;

/* Check username (ident, 1..32) and role-scope consistency of u:
 * staff needs person_id, dept_head a department, official a prefix. */
int user_validate(const user_t *u, struct fk_error *err) FK_MUST_CHECK;

/* Check a password's length (8..128 bytes, valid UTF-8). */
int password_validate(const char *pw, struct fk_error *err) FK_MUST_CHECK;

#endif

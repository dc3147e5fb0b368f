/* policy.c -- core layer: choosing the policy in force on a date. */
#include "policy.h"

#include <string.h>

const policy_t *
policy_in_force(const policy_t *set, size_t n, int32_t date)
{
	const policy_t *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (set[i].effective_from <= date &&
		    (best == NULL || set[i].effective_from > best->effective_from))
			best = &set[i];
	return best;
}

bool
policy_prefix_match(const char (*prefixes)[REGION_CODE_LEN + 1], int n, const char *code)
{
	for (int i = 0; i < n; i++) {
		size_t len = strlen(prefixes[i]);
		if (len && strncmp(code, prefixes[i], len) == 0)
			return true;
	}
	return false;
}

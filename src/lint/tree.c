/*
 * tree: small readers of libpg_query's tree shared by the rules.
 */
#include <stdio.h>
#include <string.h>

#include "lint/rule.h"

const char *lint_rv_name(const PgQuery__RangeVar *rv)
{
	static _Thread_local char name[512];

	if (!rv)
		return "?";
	if (rv->schemaname && *rv->schemaname)
		snprintf(name, sizeof(name), "%s.%s", rv->schemaname, rv->relname);
	else
		snprintf(name, sizeof(name), "%s", rv->relname);
	return name;
}

const char *lint_list_name(PgQuery__Node **items, size_t n)
{
	static _Thread_local char name[512];
	size_t len = 0;

	name[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (items[i]->node_case != PG_QUERY__NODE__NODE_STRING)
			continue;
		len += (size_t)snprintf(name + len, sizeof(name) - len, "%s%s", len ? "." : "", items[i]->string->sval);
		if (len >= sizeof(name))
			break;
	}
	return name;
}

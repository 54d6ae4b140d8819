/*
 * rules: the one table of lint rules.  A rule file exports its rules in a
 * NULL-terminated array, listed here.  Several entries may share an id when
 * one rule looks at several statement types (unbounded-dml on DELETE and
 * UPDATE); the entry that carries the summary describes the rule.
 */
#include <pthread.h>
#include <string.h>

#include "lint/rule.h"

extern const struct rule *const lint_rules_drop[];
extern const struct rule *const lint_rules_alter_table[];
extern const struct rule *const lint_rules_other[];
extern const struct rule *const lint_rules_hints[];
extern const struct rule *const lint_rules_multi_table[];

const struct rule *const *const lint_rule_lists[] = { lint_rules_drop, lint_rules_alter_table, lint_rules_other,
						      lint_rules_hints, lint_rules_multi_table, NULL };

#define MAX_RULES 64

static struct rule_info infos[MAX_RULES + 1];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
	size_t n = 0;

	for (int l = 0; lint_rule_lists[l]; l++)
		for (int i = 0; lint_rule_lists[l][i] && n < MAX_RULES; i++) {
			const struct rule *r = lint_rule_lists[l][i];
			if (r->summary)
				infos[n++] = (struct rule_info){ r->id, r->sev, r->summary };
		}
}

const struct rule_info *lint_rules(void)
{
	pthread_once(&once, build);
	return infos;
}

const struct rule_info *lint_rule_info(const char *id)
{
	for (const struct rule_info *r = lint_rules(); r->id; r++)
		if (!strcmp(r->id, id))
			return r;
	return NULL;
}

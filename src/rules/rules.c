/* rules.c: the table of rules and how they are asked (see rules.h). */
#include "rules.h"

/* one line per rule: its file src/rules/<id>.c defines rule_<id> */
#define RULES \
	X(releases_lock) \
	X(meta_command) \
	X(psql_escape) \
	X(two_phase) \
	X(copy_to_stdout) \
	X(top_level_rollback) \
	X(not_atomic_in_one_transaction) \
	X(unsafe_rerun) \
	/* a new rule: one more line above */

#define X(id) extern const struct rule rule_##id;
RULES
#undef X

#define X(id) &rule_##id,
const struct rule *const rules[] = {RULES NULL};
#undef X

/* Statement st broke rule r: 78 with the rule's words at the offset at fault. */
static int refuse(const struct rule *r, const struct rule_unit *u, const struct sql_stmt *st,
		  const struct rule_hit *hit, struct pgb_error *err)
{
	int line = st->line, column = st->column;
	if (hit->at != st->start)
		sql_offset_locus(u->text, u->len, hit->at, &line, &column);
	pgb_fail(err, PGB_EXIT_CONFIG, "%s in \"%s\" is not supported", hit->what ? hit->what : r->what, u->path);
	pgb_error_locus(err, u->path, line, column);
	pgb_error_hint(err, "%s", hit->hint ? hit->hint : r->hint);
	return -1;
}

static int check_statement(const struct rule *r, const struct rule_unit *u, const struct sql_stmt *st,
			   struct pgb_error *err)
{
	struct rule_hit hit = {st->start, NULL, NULL};
	return r->statement(u, st, &hit) ? refuse(r, u, st, &hit, err) : 0;
}

int rule_check(const struct rule *r, const struct rule_unit *u, struct pgb_error *err)
{
	if (r->file)
		return r->file(u, err);
	for (size_t i = 0; i < u->script->n; i++)
		if (check_statement(r, u, &u->script->stmts[i], err))
			return -1;
	return 0;
}

int rules_check(const struct rule_unit *u, struct pgb_error *err)
{
	for (size_t i = 0; i < u->script->n; i++)
		for (size_t k = 0; rules[k]; k++)
			if (rules[k]->statement && check_statement(rules[k], u, &u->script->stmts[i], err))
				return -1;
	for (size_t k = 0; rules[k]; k++)
		if (rules[k]->file && rules[k]->file(u, err))
			return -1;
	return 0;
}

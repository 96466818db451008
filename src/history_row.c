/* history_row.c: the history model (see history_row.h). */
#include "history_row.h"

#include <stdlib.h>
#include <string.h>

const char *history_kind_name(enum mig_kind kind)
{
	return kind == MIG_SEED ? "seed" : kind == MIG_REPEATABLE ? "repeatable migration" : "migration";
}

int history_kind_parse(const char *text, enum mig_kind *kind)
{
	if (text && strcmp(text, "migration") == 0)
		*kind = MIG_MIGRATION;
	else if (text && strcmp(text, "seed") == 0)
		*kind = MIG_SEED;
	else
		return -1;
	return 0;
}

void history_row_free(struct history_row *row)
{
	version_free(&row->version);
	free(row->name);
	free(row->checksum);
	free(row->applied_at);
	free(row->applied_by);
	free(row->down_sql);
	free(row->locks);
}

int history_row_baselined(const struct history_row *row)
{
	return row->applied_by && strncmp(row->applied_by, HISTORY_BASELINED_BY, strlen(HISTORY_BASELINED_BY)) == 0;
}

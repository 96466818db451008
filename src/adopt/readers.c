/*
 * readers.c: the table of other tools' history readers (history_reader.h),
 * and what they share.
 */
#include <stdlib.h>
#include <string.h>

#include "history_reader.h"

/* one line per tool: its file src/adopt/<tool>.c defines reader_<tool> */
#define READERS \
	X(flyway) \
	X(diesel) \
	X(drizzle) \
	X(prisma) \
	X(sqitch) \
	X(alembic) \
	/* a new reader: one more X(<tool>) line above */

#define X(id) extern const struct history_reader reader_##id;
READERS
#undef X

#define X(id) &reader_##id,
const struct history_reader *const history_readers[] = {READERS NULL};
#undef X

const struct history_reader *history_reader_find(const char *name)
{
	for (size_t i = 0; history_readers[i]; i++)
		if (strcmp(history_readers[i]->name, name) == 0)
			return history_readers[i];
	return NULL;
}

void foreign_rows_free(struct foreign_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].hash);
		free(rows[i].applied_at);
		free(rows[i].unclean);
	}
	free(rows);
}

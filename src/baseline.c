/* baseline.c: pgboot baseline's choice and plan (see baseline.h). */
#include "baseline.h"

#include <stdlib.h>
#include <string.h>

#include "xmem.h"

int baseline_target(const struct migset *migs, const char *version, const char *dir, const struct migfile **out,
		    struct pgb_error *err)
{
	struct pgb_version v;
	*out = NULL;
	if (version_parse_text(version, &v)) {
		pgb_fail(err, PGB_EXIT_CONFIG, "invalid value for \"--version\": \"%s\"", version);
		pgb_error_detail(err, "A version is digits, with \"_\" or \".\" allowed between digit groups "
				      "(\"0007\", \"20251013120000\").");
		return -1;
	}
	for (size_t i = 0; i < migs->n && !*out; i++)
		if (version_compare(&migs->files[i].version, &v) == 0)
			*out = &migs->files[i];
	version_free(&v);
	if (*out)
		return 0;
	pgb_fail(err, PGB_EXIT_CONFIG, "no migration file in \"%s\" has version \"%s\"", dir, version);
	pgb_error_hint(err, "Baseline names the newest migration the database already has: one of the files "
			    "(\"pgboot status\" lists them).");
	return -1;
}

void baseline_select(struct baseline *b, const struct plan *p)
{
	free(b->record);
	free(b->kept);
	b->record = xcalloc(p->n + 1, sizeof(*b->record));
	b->kept = xcalloc(p->n + 1, sizeof(*b->kept));
	b->n = b->nkept = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (it->kind != MIG_MIGRATION || !it->file || version_compare(&it->file->version, &b->target->version) > 0)
			continue;
		if (it->row)
			b->kept[b->nkept++] = it;
		else
			b->record[b->n++] = it->file;
	}
}

void baseline_free(struct baseline *b)
{
	free(b->record);
	free(b->kept);
	memset(b, 0, sizeof(*b));
}

/* "applied", "baselined", "partial (2 done)": how a kept row stands */
static const char *kept_state(const struct plan_item *it, char *buf, size_t size)
{
	if (it->row->progress >= 0)
		snprintf(buf, size, "partial (%d done)", it->row->progress);
	else
		snprintf(buf, size, "%s", history_row_baselined(it->row) ? "baselined" : plan_state_name(it->state));
	return buf;
}

void baseline_print(FILE *out, const struct baseline *b, const char *dbname, const struct history *h)
{
	if (b->n == 0)
		fprintf(out, "nothing to record: every migration up to %s is in history table \"%s\" of database \"%s\"\n",
			b->target->version.text, h->display, dbname);
	else
		fprintf(out, "would record %zu migration%s up to %s as applied, without running them, in history table "
			     "\"%s\"%s of database \"%s\":\n",
			b->n, b->n == 1 ? "" : "s", b->target->version.text, h->display, h->exists ? "" : " (to be created)",
			dbname);
	for (size_t i = 0; i < b->n; i++)
		fprintf(out, "  %-16s  %-28s  %s\n", b->record[i]->version.text, b->record[i]->name, b->record[i]->path);
	if (b->nkept)
		fprintf(out, "in the history already, left as %s:\n", b->nkept == 1 ? "it is" : "they are");
	for (size_t i = 0; i < b->nkept; i++) {
		char buf[48];
		fprintf(out, "  %-16s  %-28s  %s\n", b->kept[i]->file->version.text, b->kept[i]->file->name,
			kept_state(b->kept[i], buf, sizeof(buf)));
	}
}

void baseline_plan_build(struct baseline_plan *bp, const struct baseline *b, const struct migset *migs,
			 const struct history *h)
{
	memset(bp, 0, sizeof(*bp));
	bp->hist.rows = xcalloc(h->n + b->n + 1, sizeof(struct history_row));
	if (h->n)
		memcpy(bp->hist.rows, h->rows, h->n * sizeof(struct history_row));
	bp->hist.n = h->n;
	for (size_t i = 0; i < b->n; i++) {
		struct history_row *row = &bp->hist.rows[bp->hist.n++];
		const struct migfile *f = b->record[i];
		row->kind = MIG_MIGRATION;
		row->version = f->version;
		row->name = f->name;
		row->checksum = (char *)f->checksum;
		row->applied_at = (char *)"";
		row->applied_by = (char *)"";
		row->progress = -1;
	}
	bp->hist.exists = 1;
	plan_build(&bp->plan, migs, NULL, &bp->hist, PLAN_ALLOW_OUT_OF_ORDER);
}

void baseline_plan_free(struct baseline_plan *bp)
{
	plan_free(&bp->plan);
	free(bp->hist.rows); /* the rows' fields are borrowed */
	memset(bp, 0, sizeof(*bp));
}

/* plan.c: files against history (see plan.h). */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xmem.h"

static struct plan_item *add(struct plan *p, enum mig_kind kind, enum item_state st, const struct migfile *f,
			     const struct history_row *row)
{
	struct plan_item *it = &p->items[p->n++];
	it->kind = kind;
	it->state = st;
	it->file = f;
	it->row = row;
	return it;
}

/* the newest applied migration version that has a history row, or NULL */
static const struct pgb_version *newest_applied(const struct history *h)
{
	const struct pgb_version *best = NULL;
	for (size_t i = 0; i < h->n; i++)
		if (h->rows[i].kind == MIG_MIGRATION && (!best || version_compare(&h->rows[i].version, best) > 0))
			best = &h->rows[i].version;
	return best;
}

static int by_version(const void *a, const void *b)
{
	const struct plan_item *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind == MIG_MIGRATION ? -1 : 1;
	const struct pgb_version *vx = x->file ? &x->file->version : &x->row->version;
	const struct pgb_version *vy = y->file ? &y->file->version : &y->row->version;
	return version_compare(vx, vy);
}

static int row_order(const void *a, const void *b)
{
	const struct history_row *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return version_compare(&x->version, &y->version);
}

/* the row of (kind, v) in rows sorted by row_order, or NULL */
static const struct history_row *find_row(const struct history *h, enum mig_kind kind, const struct pgb_version *v)
{
	size_t lo = 0, hi = h->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct history_row *r = &h->rows[mid];
		int c = r->kind != kind ? (r->kind < kind ? -1 : 1) : version_compare(&r->version, v);
		if (c == 0)
			return r;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* the file of version v in a set sorted by version, or NULL */
static const struct migfile *find_file(const struct migset *set, const struct pgb_version *v)
{
	size_t lo = 0, hi = set ? set->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = version_compare(&set->files[mid].version, v);
		if (c == 0)
			return &set->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* the newest file of a set, or NULL */
static const struct pgb_version *newest_file(const struct migset *set)
{
	const struct pgb_version *best = NULL;
	for (size_t i = 0; set && i < set->n; i++)
		if (!best || version_compare(&set->files[i].version, best) > 0)
			best = &set->files[i].version;
	return best;
}

/* A migration row without a file: future when newer than the newest file, else missing. */
static void add_fileless(struct plan *p, const struct pgb_version *newest, const struct history_row *row)
{
	if (newest && version_compare(&row->version, newest) > 0) {
		add(p, MIG_MIGRATION, ITEM_FUTURE, NULL, row);
		return;
	}
	add(p, MIG_MIGRATION, ITEM_MISSING, NULL, row);
}

static void add_kind(struct plan *p, enum mig_kind kind, const struct migset *set, const struct history *h)
{
	const struct pgb_version *newest = kind == MIG_MIGRATION ? newest_applied(h) : NULL;
	const struct pgb_version *last_file = kind == MIG_MIGRATION ? newest_file(set) : NULL;
	for (size_t i = 0; set && i < set->n; i++) {
		const struct migfile *f = &set->files[i];
		const struct history_row *row = find_row(h, kind, &f->version);
		enum item_state st;
		if (row && row->progress >= 0)
			st = ITEM_PARTIAL;
		else if (row)
			st = strcmp(row->checksum, f->checksum) == 0 ? ITEM_APPLIED
			     : kind == MIG_SEED			 ? ITEM_PENDING
								 : ITEM_CHANGED;
		else if (newest && version_compare(&f->version, newest) < 0)
			st = ITEM_OUT_OF_ORDER;
		else
			st = ITEM_PENDING;
		add(p, kind, st, f, row);
	}
	for (size_t i = 0; i < h->n; i++) {
		const struct history_row *row = &h->rows[i];
		if (row->kind != kind)
			continue;
		if (find_file(set, &row->version))
			continue;
		if (kind == MIG_MIGRATION)
			add_fileless(p, last_file, row);
		else
			add(p, kind, ITEM_MISSING, NULL, row);
	}
}

void plan_build(struct plan *p, const struct migset *migs, const struct migset *seeds, struct history *h,
		unsigned flags)
{
	memset(p, 0, sizeof(*p));
	p->allow_out_of_order = (flags & PLAN_ALLOW_OUT_OF_ORDER) != 0;
	p->strict = (flags & PLAN_STRICT) != 0;
	/* each file is one item, each row without a file one more */
	p->items = xcalloc((migs ? migs->n : 0) + (seeds ? seeds->n : 0) + h->n + 1, sizeof(struct plan_item));
	/* sorted once, so each file finds its row in log time: plans of thousands stay cheap */
	if (h->n > 1)
		qsort(h->rows, h->n, sizeof(struct history_row), row_order);
	add_kind(p, MIG_MIGRATION, migs, h);
	if (seeds)
		add_kind(p, MIG_SEED, seeds, h);
	if (p->n > 1)
		qsort(p->items, p->n, sizeof(struct plan_item), by_version);
}

void plan_free(struct plan *p)
{
	free(p->items);
	memset(p, 0, sizeof(*p));
}

int plan_item_is_pending(const struct plan *p, const struct plan_item *it)
{
	return it->state == ITEM_PENDING || it->state == ITEM_PARTIAL ||
	       (it->state == ITEM_OUT_OF_ORDER && p->allow_out_of_order);
}

int plan_item_is_drift(const struct plan *p, const struct plan_item *it)
{
	/* a changed seed is pending and a missing seed file only reported: seeds are never drift */
	return it->kind == MIG_MIGRATION &&
	       (it->state == ITEM_CHANGED || it->state == ITEM_MISSING ||
		(it->state == ITEM_OUT_OF_ORDER && !p->allow_out_of_order) || (it->state == ITEM_FUTURE && p->strict));
}

size_t plan_pending(const struct plan *p, int kind)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		n += (kind < 0 || p->items[i].kind == (enum mig_kind)kind) && plan_item_is_pending(p, &p->items[i]);
	return n;
}

size_t plan_drift(const struct plan *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		n += plan_item_is_drift(p, &p->items[i]);
	return n;
}

size_t plan_future(const struct plan *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		n += p->items[i].state == ITEM_FUTURE;
	return n;
}

const char *plan_state_name(enum item_state s)
{
	switch (s) {
	case ITEM_APPLIED: return "applied";
	case ITEM_PENDING: return "pending";
	case ITEM_CHANGED: return "changed";
	case ITEM_MISSING: return "missing";
	case ITEM_OUT_OF_ORDER: return "out of order";
	case ITEM_PARTIAL: return "partial";
	case ITEM_FUTURE: return "future";
	}
	return "unknown";
}

/* The hint for the worst kind of drift found. */
static void drift_hint(size_t changed, size_t missing, size_t ooo, struct pgb_error *err)
{
	if (changed || missing)
		pgb_error_hint(err, "Never edit or delete an applied migration: restore the file as it was applied and add a new migration instead.");
	else if (ooo)
		pgb_error_hint(err, "Give the file a version newer than every applied one, or pass --allow-out-of-order.");
	else
		pgb_error_hint(err, "A newer release applied them: run that release, or leave out --strict (PGBOOT_STRICT) "
				    "to let an older release start beside it.");
}

int plan_item_is_rolling_back(const struct plan_item *it)
{
	return it->kind == MIG_MIGRATION && it->row && it->row->rolling_back;
}

/* 5 naming the migration whose down part stopped half-way: only a rollback may touch the history now */
static int check_rolling_back(const struct plan *p, struct pgb_error *err)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct history_row *row = p->items[i].row;
		if (!plan_item_is_rolling_back(&p->items[i]))
			continue;
		pgb_fail(err, PGB_EXIT_DRIFT, "migration %s_%s was rolled back half-way (%d statements of its down part "
					      "committed): run pgboot rollback again to finish",
			 row->version.text, row->name, row->down_done);
		pgb_error_hint(err, "Its down part runs statement by statement (no transaction); \"pgboot rollback "
				    "--confirm\" runs it again from the start and deletes its row.");
		return -1;
	}
	return 0;
}

int plan_check_drift(const struct plan *p, const struct history *h, struct pgb_error *err)
{
	return check_rolling_back(p, err) ? -1 : plan_check_files(p, h, err);
}

int plan_check_files(const struct plan *p, const struct history *h, struct pgb_error *err)
{
	if (!plan_drift(p))
		return 0;
	struct strbuf sb;
	strbuf_init(&sb);
	size_t changed = 0, missing = 0, ooo = 0, future = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (it->kind != MIG_MIGRATION)
			continue;
		if (it->state == ITEM_CHANGED) {
			changed++;
			strbuf_addf(&sb, "%s\"%s\" was changed after it was applied (applied checksum %.12s, file %.12s).",
				    sb.len ? "\n" : "", it->file->path, it->row->checksum, it->file->checksum);
		} else if (it->state == ITEM_MISSING) {
			missing++;
			strbuf_addf(&sb, "%sMigration %s (\"%s\") was applied but its file is missing.", sb.len ? "\n" : "",
				    it->row->version.text, it->row->name);
		} else if (it->state == ITEM_OUT_OF_ORDER && !p->allow_out_of_order) {
			ooo++;
			strbuf_addf(&sb, "%s\"%s\" is pending but older than the newest applied migration.",
				    sb.len ? "\n" : "", it->file->path);
		} else if (it->state == ITEM_FUTURE && p->strict) {
			future++;
			strbuf_addf(&sb, "%sMigration %s (\"%s\") was applied but is newer than every file here (--strict).",
				    sb.len ? "\n" : "", it->row->version.text, it->row->name);
		}
	}
	if (!changed && !missing && !ooo && !future) {
		strbuf_free(&sb);
		return 0;
	}
	char more[48] = "";
	if (future)
		snprintf(more, sizeof(more), ", %zu future", future);
	pgb_fail(err, PGB_EXIT_DRIFT, "migration files and history table \"%s\" disagree: %zu changed, %zu missing, %zu out of order%s",
		 h->display, changed, missing, ooo, more);
	pgb_error_detail(err, "%s", sb.buf);
	drift_hint(changed, missing, ooo, err);
	strbuf_free(&sb);
	return -1;
}

/* Up to this many future versions are named in the warning. */
#define FUTURE_NAMED 10

char *plan_future_list(const struct plan *p)
{
	struct strbuf sb;
	strbuf_init(&sb);
	size_t named = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (it->state != ITEM_FUTURE)
			continue;
		if (named++ < FUTURE_NAMED)
			strbuf_addf(&sb, "%s%s (\"%s\")", sb.len ? ", " : "", it->row->version.text, it->row->name);
	}
	if (named > FUTURE_NAMED)
		strbuf_addf(&sb, " and %zu more", named - FUTURE_NAMED);
	return strbuf_detach(&sb);
}

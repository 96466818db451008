/* Unit tests: files against history (plan.c). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plan.h"
#include "xmem.h"

static void add_file(struct migset *s, enum mig_kind kind, const char *ver, const char *sum)
{
	s->files = xrealloc(s->files, sizeof(struct migfile) * (s->n + 1));
	struct migfile *f = &s->files[s->n++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	version_parse_text(ver, &f->version);
	f->path = xasprintf("dir/%s_x.sql", ver);
	f->name = xstrdup("x");
	snprintf(f->checksum, sizeof(f->checksum), "%s", sum);
}

static void add_row(struct history *h, enum mig_kind kind, const char *ver, const char *sum)
{
	h->rows = xrealloc(h->rows, sizeof(struct history_row) * (h->n + 1));
	struct history_row *r = &h->rows[h->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	version_parse_text(ver, &r->version);
	r->name = xstrdup("x");
	r->checksum = xstrdup(sum);
	r->applied_at = xstrdup("");
	r->applied_by = xstrdup("");
	r->progress = -1;
}

/* the rows add_row made (history_free lives with the store, which needs a server) */
static void fixture_free(struct migset *m, struct migset *s, struct history *h)
{
	migset_free(m);
	migset_free(s);
	for (size_t i = 0; i < h->n; i++)
		history_row_free(&h->rows[i]);
	free(h->rows);
	free(h->display);
	memset(h, 0, sizeof(*h));
}

TEST(plan_pending_and_applied)
{
	struct migset m = {0}, s = {0};
	struct history h = {0};
	h.display = xstrdup("public.pgboot_migrations");
	add_file(&m, MIG_MIGRATION, "0001", "a");
	add_file(&m, MIG_MIGRATION, "0002", "b");
	add_row(&h, MIG_MIGRATION, "0001", "a");
	struct plan p;
	plan_build(&p, &m, NULL, &h, 0);
	CHECK_INT(p.n, 2);
	CHECK_INT(p.items[0].state, ITEM_APPLIED);
	CHECK_INT(p.items[1].state, ITEM_PENDING);
	CHECK_INT(plan_pending(&p, -1), 1);
	CHECK_INT(plan_drift(&p), 0);
	plan_free(&p);
	fixture_free(&m, &s, &h);
}

TEST(plan_drift_changed_missing_out_of_order)
{
	struct migset m = {0}, s = {0};
	struct history h = {0};
	h.display = xstrdup("public.pgboot_migrations");
	add_file(&m, MIG_MIGRATION, "1", "changed");
	add_file(&m, MIG_MIGRATION, "2", "new");
	add_file(&m, MIG_MIGRATION, "4", "d");
	add_row(&h, MIG_MIGRATION, "1", "orig");
	add_row(&h, MIG_MIGRATION, "3", "c");
	add_row(&h, MIG_MIGRATION, "4", "d");
	struct plan p;
	plan_build(&p, &m, NULL, &h, 0);
	CHECK_INT(plan_drift(&p), 3);
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(plan_check_drift(&p, &h, &err), -1);
	CHECK_INT(err.code, PGB_EXIT_DRIFT);
	CHECK_CONTAINS(err.detail, "dir/1_x.sql");
	CHECK_CONTAINS(err.detail, "dir/2_x.sql");
	CHECK_CONTAINS(err.detail, "Migration 3");
	pgb_error_free(&err);
	plan_free(&p);
	/* allowed out of order: 2 is pending, the rest still drift */
	plan_build(&p, &m, NULL, &h, 1);
	CHECK_INT(plan_drift(&p), 2);
	CHECK_INT(plan_pending(&p, -1), 1);
	plan_free(&p);
	fixture_free(&m, &s, &h);
}

TEST(plan_future_migrations)
{
	struct migset m = {0}, s = {0};
	struct history h = {0};
	h.display = xstrdup("public.pgboot_migrations");
	add_file(&m, MIG_MIGRATION, "1", "a");
	add_file(&m, MIG_MIGRATION, "3", "c");
	add_row(&h, MIG_MIGRATION, "1", "a");
	add_row(&h, MIG_MIGRATION, "3", "c");
	add_row(&h, MIG_MIGRATION, "4", "d");
	add_row(&h, MIG_MIGRATION, "10", "e");
	/* newer than every file: a newer release's, not drift */
	struct plan p;
	plan_build(&p, &m, NULL, &h, 0);
	CHECK_INT(plan_future(&p), 2);
	CHECK_INT(plan_drift(&p), 0);
	CHECK_INT(plan_pending(&p, -1), 0);
	CHECK_INT(p.items[2].state, ITEM_FUTURE);
	CHECK_INT(p.items[3].state, ITEM_FUTURE);
	CHECK_STR(plan_state_name(ITEM_FUTURE), "future");
	char *list = plan_future_list(&p);
	CHECK_STR(list, "4 (\"x\"), 10 (\"x\")");
	free(list);
	struct pgb_error err;
	pgb_error_init(&err);
	CHECK_INT(plan_check_drift(&p, &h, &err), 0);
	plan_free(&p);
	/* --strict: drift, named */
	plan_build(&p, &m, NULL, &h, PLAN_STRICT);
	CHECK_INT(plan_drift(&p), 2);
	CHECK_INT(plan_check_drift(&p, &h, &err), -1);
	CHECK_INT(err.code, PGB_EXIT_DRIFT);
	CHECK_CONTAINS(err.message, "2 future");
	CHECK_CONTAINS(err.detail, "Migration 4");
	CHECK_CONTAINS(err.detail, "Migration 10");
	CHECK_CONTAINS(err.hint, "--strict");
	pgb_error_free(&err);
	plan_free(&p);
	/* a missing file older than the newest one stays drift */
	add_row(&h, MIG_MIGRATION, "2", "b");
	plan_build(&p, &m, NULL, &h, 0);
	CHECK_INT(plan_drift(&p), 1);
	CHECK_INT(plan_future(&p), 2);
	CHECK_INT(plan_check_drift(&p, &h, &err), -1);
	CHECK_CONTAINS(err.message, "1 missing");
	CHECK_CONTAINS(err.detail, "Migration 2");
	pgb_error_free(&err);
	plan_free(&p);
	/* no migration file at all: nothing is newer than every file; missing */
	migset_free(&m);
	plan_build(&p, &m, NULL, &h, 0);
	CHECK_INT(plan_future(&p), 0);
	CHECK_INT(plan_drift(&p), 5);
	plan_free(&p);
	fixture_free(&m, &s, &h);
}

TEST(plan_seeds_are_repeatable)
{
	struct migset m = {0}, s = {0};
	struct history h = {0};
	h.display = xstrdup("t");
	add_file(&s, MIG_SEED, "1", "same");
	add_file(&s, MIG_SEED, "2", "edited");
	add_file(&s, MIG_SEED, "3", "new");
	add_row(&h, MIG_SEED, "1", "same");
	add_row(&h, MIG_SEED, "2", "old");
	add_row(&h, MIG_SEED, "9", "gone");
	struct plan p;
	plan_build(&p, &m, &s, &h, 0);
	CHECK_INT(plan_pending(&p, -1), 2);
	CHECK_INT(plan_pending(&p, MIG_MIGRATION), 0);
	CHECK_INT(plan_drift(&p), 0);
	plan_free(&p);
	/* without --with-test-data seeds are not looked at */
	plan_build(&p, &m, NULL, &h, 0);
	CHECK_INT(p.n, 0);
	plan_free(&p);
	fixture_free(&m, &s, &h);
}

TEST(plan_orders_migrations_before_seeds)
{
	struct migset m = {0}, s = {0};
	struct history h = {0};
	h.display = xstrdup("t");
	add_file(&m, MIG_MIGRATION, "10", "a");
	add_file(&m, MIG_MIGRATION, "9", "a");
	add_file(&s, MIG_SEED, "1", "a");
	struct plan p;
	plan_build(&p, &m, &s, &h, 0);
	CHECK_INT(p.n, 3);
	CHECK_STR(p.items[0].file->version.text, "9");
	CHECK_STR(p.items[1].file->version.text, "10");
	CHECK_INT(p.items[2].kind, MIG_SEED);
	plan_free(&p);
	fixture_free(&m, &s, &h);
}

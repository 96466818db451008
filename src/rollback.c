/*
 * rollback.c: undo applied migrations (see rollback.h): each chosen
 * migration's down part split, checked by the rules and given a mode
 * before anything runs, then handed to the executor (apply.h) with the
 * history effect of going down.
 */
#include "rollback.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "migfile.h"
#include "rules.h"
#include "signals.h"
#include "sqlsplit.h"
#include "strbuf.h"
#include "xmem.h"

struct rollback_job {
	const struct plan_item *it; /* an applied migration: it->row is set, it->file may be NULL */
	const char *text;           /* the down part it runs, text[0..len); NULL: none */
	size_t len;
	char *owned;    /* text, when rollback.c built it (the file's down part, lines kept; meta lines blanked) */
	char *path;     /* "0003_x.sql (down)": the history's name, or the file's path with --use-file-down */
	int from_file;  /* the file's down part, not the stored one */
	struct sql_script script;
	enum apply_mode mode;
	size_t first, last; /* WRAPPED: the statements that are the down part's BEGIN and COMMIT */
	int no_transaction; /* its leading block says "-- pgboot:no-transaction": statement by statement */
	int prior;          /* no-transaction: the statements an earlier run of it committed (0 without one) */
	int complete;       /* ... every one of them: only its row is left to delete */
	long long key;
	const struct history_row **seeds; /* seed rows deleted with it: applied after it, none claimed before */
	size_t nseeds;
};

/* ---- choosing ---------------------------------------------------------------- */

static int is_applied(const struct plan_item *it)
{
	return it->kind == MIG_MIGRATION && it->row != NULL;
}

/* 1 when the applied item it is chosen; above: the version --to keeps (NULL unless --to), n: how many are chosen so far */
static int chosen(const struct rollback_opts *o, const struct plan_item *it, const struct pgb_version *above,
		  size_t n)
{
	if (o->all)
		return 1;
	if (o->to_files) /* a newer release's (plan.h's future); an older one without its file is drift */
		return it->state == ITEM_FUTURE;
	if (above)
		return version_compare(&it->row->version, above) > 0;
	return n < (size_t)(o->steps > 0 ? o->steps : 1);
}

/* --to's version: 78 when it is malformed or not an applied migration's. */
static int find_to(const struct plan *p, const char *to, struct pgb_version *v, struct pgb_error *err)
{
	if (version_parse_text(to, v))
		return pgb_fail(err, PGB_EXIT_CONFIG, "invalid value for \"--to\": \"%s\"", to);
	for (size_t i = 0; i < p->n; i++)
		if (is_applied(&p->items[i]) && version_compare(&p->items[i].row->version, v) == 0)
			return 0;
	version_free(v);
	pgb_fail(err, PGB_EXIT_CONFIG, "migration version \"%s\" is not applied", to);
	pgb_error_hint(err, "\"--to VERSION\" keeps VERSION applied and rolls back every newer one; "
			    "\"pgboot status\" lists the applied versions.");
	return -1;
}

/*
 * The file's down part as a text of the file's own lines: the up part's bytes
 * blanked, its line ends kept; a down part read from a file of its own
 * (down_path) is that file's text, whose lines are its own.
 */
static char *file_down_text(const struct migfile *f, size_t *len)
{
	if (f->down_path) {
		*len = f->len - f->down_start;
		char *d = xmalloc(*len + 1);
		memcpy(d, f->content + f->down_start, *len + 1);
		return d;
	}
	*len = f->len;
	char *t = xmalloc(f->len + 1);
	memcpy(t, f->content, f->len + 1);
	for (size_t i = 0; i < f->down_start; i++)
		if (t[i] != '\n')
			t[i] = ' ';
	return t;
}

/* The stored down part, or with --use-file-down the file's; a file whose down part differs is warned of. */
static void choose_down(struct rollback_job *j, const struct rollback_opts *o)
{
	const struct history_row *row = j->it->row;
	const struct migfile *f = j->it->file;
	int file_down = f && migfile_has_down(f);
	if (o->use_file_down && f) {
		j->from_file = 1;
		j->path = f->down_path ? xstrdup(f->down_path) : xasprintf("%s (down)", f->path);
		if (file_down) {
			j->owned = file_down_text(f, &j->len);
			j->text = j->owned;
		}
		return;
	}
	j->path = xasprintf("%s_%s.sql (down)", row->version.text, row->name);
	j->text = row->down_sql;
	j->len = row->down_sql ? strlen(row->down_sql) : 0;
	size_t fl = 0;
	char *fd = file_down && j->text ? migfile_stored_down(f, &fl) : NULL; /* as it would be stored now */
	int differs = fd && (fl != j->len || memcmp(fd, j->text, fl) != 0);
	free(fd);
	/* stored as its own file holds it: its statements' lines are that file's */
	if (!differs && file_down && f->down_path && j->len == f->len - f->down_start) {
		free(j->path);
		j->path = xstrdup(f->down_path);
	}
	if (differs)
		log_event(LOG_WARNING, "down_changed", LOG_FIELDS(LF_STR("version", row->version.text), LF_STR("file", f->path)),
			  "the down part of \"%s\" differs from the one stored when it was applied; running the stored "
			  "one (--use-file-down runs the file's)", f->path);
}

/* A migration that stopped half-way is finished (or repaired) before it can be rolled back. */
static int refuse_partial(const struct plan_item *it, struct pgb_error *err)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "migration %s_%s stopped half-way (%d statements committed): it cannot be rolled back",
		 it->row->version.text, it->row->name, it->row->progress);
	pgb_error_hint(err, "Run \"pgboot migrate\" to finish it first, or roll back only newer migrations.");
	return -1;
}

int rollback_select(const struct plan *p, const struct rollback_opts *o, struct rollback_jobs *jobs,
		    struct pgb_error *err)
{
	struct pgb_version to = {0};
	if (o->to && find_to(p, o->to, &to, err))
		return -1;
	jobs->jobs = xcalloc(p->n + 1, sizeof(struct rollback_job));
	jobs->n = 0;
	int rc = 0;
	for (size_t i = p->n; rc == 0 && i-- > 0;) {
		const struct plan_item *it = &p->items[i];
		if (!is_applied(it) || !chosen(o, it, o->to ? &to : NULL, jobs->n))
			continue;
		if (it->row->progress >= 0) {
			rc = refuse_partial(it, err);
			break;
		}
		struct rollback_job *j = &jobs->jobs[jobs->n++];
		j->it = it;
		choose_down(j, o);
	}
	version_free(&to);
	if (rc)
		rollback_jobs_free(jobs);
	return rc;
}

void rollback_jobs_free(struct rollback_jobs *jobs)
{
	for (size_t i = 0; i < jobs->n; i++) {
		sql_script_free(&jobs->jobs[i].script);
		free(jobs->jobs[i].owned);
		free(jobs->jobs[i].path);
		free(jobs->jobs[i].seeds);
	}
	free(jobs->jobs);
	jobs->jobs = NULL;
	jobs->n = 0;
}

/* ---- seeds whose data a rollback may remove ------------------------------------- */

/* 1 when seed row s was applied at or after migration row m (its data may be in m's tables) */
static int applied_since(const struct history_row *s, const struct history_row *m)
{
	/* fixed-width UTC text (history_row.h); not read: unknown, so it may */
	if (!s->applied_at[0] || !m->applied_at[0])
		return 1;
	return strcmp(s->applied_at, m->applied_at) >= 0;
}

static void claim(struct rollback_job *j, const struct history_row *seed)
{
	j->seeds = xrealloc(j->seeds, (j->nseeds + 1) * sizeof(*j->seeds));
	j->seeds[j->nseeds++] = seed;
}

void rollback_claim_seeds(struct rollback_jobs *jobs, const struct history *h)
{
	for (size_t k = 0; k < h->n; k++) {
		const struct history_row *seed = &h->rows[k];
		if (seed->kind != MIG_SEED)
			continue;
		for (size_t i = 0; i < jobs->n; i++)
			if (applied_since(seed, jobs->jobs[i].it->row)) {
				claim(&jobs->jobs[i], seed);
				break;
			}
	}
}

/* "0001_users, 0002_teams": the caller frees */
static char *seed_list(const struct rollback_job *j)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < j->nseeds; i++)
		strbuf_addf(&sb, "%s%s_%s", i ? ", " : "", j->seeds[i]->version.text, j->seeds[i]->name);
	return strbuf_detach(&sb);
}

/* ---- before anything runs ------------------------------------------------------ */

void rollback_print(FILE *out, const struct rollback_jobs *jobs, const char *database, const char *history)
{
	if (jobs->n == 0) {
		fprintf(out, "nothing to roll back in database \"%s\" (history table \"%s\")\n", database, history);
		return;
	}
	fprintf(out, "would roll back %zu migration%s in database \"%s\" (history table \"%s\"), newest first:\n",
		jobs->n, jobs->n == 1 ? "" : "s", database, history);
	for (size_t i = 0; i < jobs->n; i++) {
		const struct rollback_job *j = &jobs->jobs[i];
		const char *down = !j->text ? "no down part" : j->from_file ? "down part from the file" : "down part stored";
		fprintf(out, "  %s_%s\t%s%s%s\n", j->it->row->version.text, j->it->row->name, down,
			j->it->file ? "" : " (no file here)", j->it->row->rolling_back ? " (stopped half-way before)" : "");
		if (j->nseeds) {
			char *list = seed_list(j);
			fprintf(out, "    and the history of seed%s applied after it: %s\n", j->nseeds == 1 ? "" : "s", list);
			free(list);
		}
	}
}

int rollback_check_downs(const struct rollback_jobs *jobs, struct pgb_error *err)
{
	struct strbuf sb;
	strbuf_init(&sb);
	size_t missing = 0;
	for (size_t i = 0; i < jobs->n; i++) {
		const struct rollback_job *j = &jobs->jobs[i];
		if (j->text)
			continue;
		strbuf_addf(&sb, "%s%s_%s", missing++ ? ", " : "", j->it->row->version.text, j->it->row->name);
	}
	if (missing) {
		pgb_fail(err, PGB_EXIT_CONFIG, "%zu migration%s to roll back %s no down part: %s; nothing was rolled back",
			 missing, missing == 1 ? "" : "s", missing == 1 ? "has" : "have", sb.buf);
		pgb_error_hint(err, "A migration can be rolled back when its file had a down part (\"-- pgboot:down\") "
				    "when it was applied, or with --use-file-down when its file has one now.");
	}
	strbuf_free(&sb);
	return missing ? -1 : 0;
}

/* Split j's down part as one message is read (scs: as connect left it). */
static int split_down(struct rollback_job *j, int scs, struct pgb_error *err)
{
	struct sqlsplit_opts opts = {.standard_conforming_strings = scs, .one_message = !j->no_transaction};
	if (sql_split(j->text, j->len, &opts, &j->script, err) == 0)
		return 0;
	pgb_error_locus(err, j->path, err->line, err->column);
	return -1;
}

/* A down part with transaction control in its middle: refused, nothing run. */
static int refuse_stepwise(const struct rollback_job *j, struct pgb_error *err)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "down part \"%s\" has transaction control in its middle: it cannot be rolled "
				       "back atomically", j->path);
	pgb_error_hint(err, "pgboot runs each down part as one transaction with the deletion of its history row; "
			    "remove the COMMIT and BEGIN in its middle.");
	return -1;
}

/* The meta-command lines the rules let through (pg_dump's \restrict) are never sent: blanked, and out of the script. */
static void skip_meta(struct rollback_job *j)
{
	size_t kept = 0;
	for (size_t i = 0; i < j->script.n; i++) {
		const struct sql_stmt *st = &j->script.stmts[i];
		if (st->kind == SQL_STMT_SQL) {
			j->script.stmts[kept++] = *st;
			continue;
		}
		if (!j->owned) {
			j->owned = xstrndup(j->text, j->len);
			j->text = j->owned;
		}
		memset(j->owned + st->start, ' ', st->end - st->start);
	}
	if (kept < j->script.n) {
		j->script.n = kept;
		j->mode = apply_mode_of(j->text, &j->script, j->no_transaction, &j->first, &j->last);
	}
}

/* The SQL statements of j's script (meta-command lines are never sent). */
static size_t sql_count(const struct rollback_job *j)
{
	size_t n = 0;
	for (size_t i = 0; i < j->script.n; i++)
		n += j->script.stmts[i].kind == SQL_STMT_SQL;
	return n;
}

/* The rules, asked about j's down part as it will be sent. */
static int check_rules(const struct apply_opts *o, const struct rollback_job *j, struct pgb_error *err)
{
	const struct history_row *row = j->it->row;
	struct rule_unit u = {j->path, "migration", j->text, j->len, &j->script, 0, j->key, 0};
	u.flags = (j->no_transaction ? RULE_NO_TRANSACTION : RULE_ATOMIC) |
		  (o->run_transaction ? RULE_ONE_TRANSACTION : 0) |
		  (j->it->file && j->it->file->idempotent ? RULE_IDEMPOTENT : 0);
	/* a down part that stopped half-way runs again from the start with what it committed */
	if (row->rolling_back && row->down_done > 0 && (size_t)row->down_done < sql_count(j))
		u.rerun_done = row->down_done;
	return rules_check(&u, err);
}

/* A down part that stopped half-way before: run again from the start, or only its row deleted. */
static void resume_down(struct rollback_job *j)
{
	const struct history_row *row = j->it->row;
	if (!row->rolling_back)
		return;
	j->prior = row->down_done;
	j->complete = j->no_transaction && (size_t)row->down_done >= j->script.n;
	log_event(LOG_WARNING, "resume", LOG_FIELDS(LF_STR("version", row->version.text), LF_INT("done", row->down_done)),
		  j->complete ? "down part \"%s\" ran every statement before (%d committed); deleting its row without "
				"running it again"
			      : "down part \"%s\" stopped half-way before (%d statements committed); running it again "
				"from the start",
		  j->path, row->down_done);
}

static int prepare_down(const struct apply_opts *o, long long key, int scs, struct rollback_job *j,
			struct pgb_error *err)
{
	j->key = key;
	/* the file's own down part: its layout's markers say it too (the stored text carries it, migfile.h) */
	j->no_transaction = migfile_down_no_transaction(j->text, j->len) ||
			    (j->from_file && j->it->file->down_no_transaction);
	if (split_down(j, scs, err))
		return -1;
	j->mode = apply_mode_of(j->text, &j->script, j->no_transaction, &j->first, &j->last);
	if (j->mode == MODE_STEPWISE)
		return refuse_stepwise(j, err);
	if (check_rules(o, j, err))
		return -1;
	skip_meta(j);
	resume_down(j);
	return 0;
}

int rollback_preflight(const struct apply_opts *o, long long key, int scs, struct rollback_jobs *jobs,
		       struct pgb_error *err)
{
	for (size_t i = 0; i < jobs->n; i++)
		if (prepare_down(o, key, scs, &jobs->jobs[i], err))
			return -1;
	return 0;
}

/* ---- going down: the history effect ------------------------------------------ */

/* what rolling a migration back does to the history (the executor's effect, apply.h) */
struct down {
	const struct history *h;
	struct db *db;
	const struct rollback_job *j;
};

/* the migration's row, and the rows of the seeds applied after it (their data may go with it) */
static char *down_delete(void *arg, struct pgb_error *err)
{
	struct down *d = arg;
	char *sql = history_delete_sql(d->h, d->db, d->j->it->row, err);
	for (size_t i = 0; sql && i < d->j->nseeds; i++) {
		char *seed = history_delete_sql(d->h, d->db, d->j->seeds[i], err);
		char *both = seed ? xasprintf("%s;\n%s", sql, seed) : NULL;
		free(sql);
		free(seed);
		sql = both;
	}
	return sql;
}

static char *down_start(void *arg, struct pgb_error *err)
{
	struct down *d = arg;
	return history_down_start_sql(d->h, d->db, d->j->it->row, err);
}

static char *down_progress(void *arg, int done, struct pgb_error *err)
{
	struct down *d = arg;
	return history_down_progress_sql(d->h, d->db, d->j->it->row, done, err);
}

/* the last statement of a no-transaction down part committed: its row goes, as an atomic one's does */
static char *down_finish(void *arg, long long ms, struct pgb_error *err)
{
	(void)ms;
	return down_delete(arg, err);
}

static void log_seeds_removed(const struct rollback_job *j)
{
	if (!j->nseeds)
		return;
	const struct history_row *row = j->it->row;
	char *list = seed_list(j);
	log_event(LOG_INFO, "seeds_removed",
		  LOG_FIELDS(LF_STR("version", row->version.text), LF_STR("seeds", list)),
		  "removed seed%s %s from the history: applied after migration %s_%s, their data may be gone with it; "
		  "the next run with --with-test-data applies them again",
		  j->nseeds == 1 ? "" : "s", list, row->version.text, row->name);
	free(list);
}

/* Roll one job back: its down part, with its history row deleted. */
static int apply_down(struct db *db, const struct apply_opts *o, const struct history *h,
		      const struct rollback_job *j, struct pgb_error *err)
{
	const struct history_row *row = j->it->row;
	struct down down = {h, db, j};
	struct apply_unit u = {j->path, row->version.text, row->name, j->text, j->len, &j->script, j->mode, j->first,
			       j->last, j->key, j->prior, j->complete, {down_delete, down_start, down_progress, down_finish, &down},
			       {"migration", "rolling back", "rolled back", "right after the down marker", "undid"}};
	return apply_unit(db, o, &u, err);
}

/* A down part stopped the run: it stays applied, and so do the older ones; the newer ones stay rolled back. */
static void log_stopped(const struct apply_opts *o, const struct rollback_jobs *jobs, size_t i)
{
	const struct history_row *row = jobs->jobs[i].it->row;
	if (!apply_mode_is_atomic(jobs->jobs[i].mode) && !o->run_transaction) {
		log_event(LOG_INFO, "stopped",
			  LOG_FIELDS(LF_STR("version", row->version.text), LF_STR("name", row->name),
				     LF_INT("rolled_back", (long long)i)),
			  "rolling back migration %s_%s stopped half-way: run pgboot rollback again to finish; %zu newer "
			  "migration%s stay%s rolled back", row->version.text, row->name, i, i == 1 ? "" : "s",
			  i == 1 ? "s" : "");
		return;
	}
	if (o->run_transaction) {
		log_event(LOG_INFO, "stopped", LOG_FIELDS(LF_STR("version", row->version.text), LF_STR("name", row->name)),
			  "rolling back migration %s_%s failed: the run's transaction is rolled back; nothing was rolled "
			  "back", row->version.text, row->name);
		return;
	}
	log_event(LOG_INFO, "stopped",
		  LOG_FIELDS(LF_STR("version", row->version.text), LF_STR("name", row->name),
			     LF_INT("rolled_back", (long long)i)),
		  "rolling back migration %s_%s failed: it stays applied%s; %zu newer migration%s stay%s rolled back",
		  row->version.text, row->name, i + 1 < jobs->n ? ", and so do the older ones" : "", i, i == 1 ? "" : "s",
		  i == 1 ? "s" : "");
}

int rollback_apply(struct db *db, const struct apply_opts *o, const struct history *h,
		   const struct rollback_jobs *jobs, struct pgb_error *err)
{
	for (size_t i = 0; i < jobs->n; i++) {
		const struct rollback_job *j = &jobs->jobs[i];
		if (signals_received())
			return pgb_fail_signal(err, signals_received(), "before \"%s\"", j->path);
		if (apply_down(db, o, h, j, err)) {
			log_stopped(o, jobs, i);
			return -1;
		}
		log_seeds_removed(j);
	}
	return 0;
}

int rollback_commit(struct db *db, const struct rollback_jobs *jobs, struct pgb_error *err)
{
	if (db_exec(db, "COMMIT", NULL, NULL, err)) {
		if (db_alive(db))
			err->code = PGB_EXIT_MIGRATION;
		return -1;
	}
	log_event(LOG_INFO, "committed", LOG_FIELDS(LF_INT("migrations", (long long)jobs->n)),
		  "committed the run's transaction: rolled back %zu migration%s", jobs->n, jobs->n == 1 ? "" : "s");
	return 0;
}

/*
 * migrate.c: apply migrations and seeds (see migrate.h): each pending file
 * split, checked by the rules and given a mode before anything runs, then
 * handed to the executor (apply.h) with the history effect of going up.
 */
#include "migrate.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "repeatable.h"
#include "rules.h"
#include "signals.h"
#include "sqlsplit.h"
#include "xmem.h"

struct migrate_job {
	const struct migfile *f;
	struct sql_script script; /* its statements as sent: after the rules, no meta-command line */
	char *blanked; /* the up part with pg_dump's \restrict and \unrestrict lines blanked, or NULL when the
			  file has none: what a message carries of the file (see skip_meta) */
	enum apply_mode mode;
	size_t first, last; /* WRAPPED: the statements that are the file's BEGIN and COMMIT */
	int resume;         /* the history has a row for it already (a partial run): replace it */
	int prior;          /* the progress that row records (0 without one) */
	long long key;      /* the migration lock's; checked after the file's work in --lock-mode session */
	int complete;       /* not atomic, and the row's progress covers every statement: only mark it finished */
};


/* ---- preflight ---------------------------------------------------------- */

/*
 * A half-applied file: one whose progress covers every statement (not atomic, only marking it
 * finished failed: a lost connection) is only marked finished; any other runs again from the
 * start, which the rules allow only when what it committed is safe to run twice.
 */
static void resume_partial(struct migrate_job *j, const struct plan_item *it)
{
	int atomic = apply_mode_is_atomic(j->mode);
	if (!atomic && it->row->progress >= 0 && (size_t)it->row->progress >= j->script.n) {
		/* progress is recorded with (or after) the statement's commit: all of them are committed */
		j->complete = 1;
		log_event(LOG_WARNING, "resume", LOG_FIELDS(LF_STR("version", j->f->version.text), LF_INT("done", it->row->progress)),
			  "%s \"%s\" ran every statement before (%d committed) but was not marked finished; marking it "
			  "finished without running it again", history_kind_name(j->f->kind), j->f->path, it->row->progress);
		return;
	}
	log_event(LOG_WARNING, "resume", LOG_FIELDS(LF_STR("version", j->f->version.text), LF_INT("done", it->row->progress)),
		  "%s \"%s\" stopped half-way before (%d statements committed); running it again from the start",
		  history_kind_name(j->f->kind), j->f->path, it->row->progress);
}

/* The mode (apply.h), from the SQL statements alone: a meta-command line is refused or skipped, never sent. */
static void choose_mode(struct migrate_job *j)
{
	j->mode = apply_mode_of(j->f->content, &j->script, j->f->no_transaction, &j->first, &j->last);
}

/* The statements of j's script that are sent: all but meta-command lines. */
static size_t sql_count(const struct migrate_job *j)
{
	size_t n = 0;
	for (size_t i = 0; i < j->script.n; i++)
		n += j->script.stmts[i].kind == SQL_STMT_SQL;
	return n;
}

/* The rules (rules.h), asked about j's file as it will be sent. */
static int check_rules(const struct migrate_job *j, const struct plan_item *it, int one_transaction,
		       struct pgb_error *err)
{
	const struct migfile *f = j->f;
	int atomic = apply_mode_is_atomic(j->mode);
	struct rule_unit u = {f->path, history_kind_name(f->kind), f->content, f->up_len, &j->script, 0, j->key, 0};
	u.flags = (f->no_transaction ? RULE_NO_TRANSACTION : 0) | (atomic ? RULE_ATOMIC : 0) |
		  (one_transaction ? RULE_ONE_TRANSACTION : 0) | (f->idempotent ? RULE_IDEMPOTENT : 0);
	/* a stepwise file runs again from the start with what it committed (an atomic one rolled back) */
	if (it->state == ITEM_PARTIAL && !atomic && it->row->progress >= 0 && (size_t)it->row->progress < sql_count(j))
		u.rerun_done = it->row->progress;
	return rules_check(&u, err);
}

/*
 * After the rules, the meta-command lines left are pg_dump's \restrict and
 * \unrestrict, which pgboot skips. They leave the script, so statement
 * numbers (progress, the server's statement index) count what is sent; and
 * a message that carries a stretch of the file carries them as spaces (the
 * line ends stay), so the server's character positions and the lines they
 * map to are the file's.
 */
static void skip_meta(struct migrate_job *j)
{
	struct sql_stmt *st = j->script.stmts;
	size_t kept = 0;
	for (size_t i = 0; i < j->script.n; i++) {
		if (st[i].kind == SQL_STMT_SQL) {
			st[kept++] = st[i];
			continue;
		}
		if (!j->blanked) {
			j->blanked = xmalloc(j->f->up_len + 1);
			memcpy(j->blanked, j->f->content, j->f->up_len);
			j->blanked[j->f->up_len] = '\0';
		}
		memset(j->blanked + st[i].start, ' ', st[i].end - st[i].start);
	}
	if (kept == j->script.n)
		return;
	j->script.n = kept;
	choose_mode(j); /* the same mode; WRAPPED's first and last now index the shorter script */
}

/* What a message carries of j's file: its text, or with the skipped lines blanked. */
static const char *sent_text(const struct migrate_job *j)
{
	return j->blanked ? j->blanked : j->f->content;
}

/* Split j's file as the server will read it: in one message, or statement by statement. */
static int split_job(struct migrate_job *j, int scs, int one_message, struct pgb_error *err)
{
	struct sqlsplit_opts opts = {.standard_conforming_strings = scs, .one_message = one_message};
	sql_script_free(&j->script);
	if (sql_split(j->f->content, j->f->up_len, &opts, &j->script, err) == 0)
		return 0;
	pgb_error_locus(err, j->f->path, err->line, err->column);
	return -1;
}

/*
 * The atomic modes send the file in one Query message, which the server lexes whole with
 * the standard_conforming_strings in force when it arrives (scs: connect's, as the reset
 * after every file leaves it); a SET inside changes nothing. A file sent statement by
 * statement (no-transaction, stepwise) is read with the value each SET left.
 */
static int split_and_choose(struct migrate_job *j, int scs, struct pgb_error *err)
{
	if (split_job(j, scs, !j->f->no_transaction, err))
		return -1;
	choose_mode(j);
	return j->mode == MODE_STEPWISE ? split_job(j, scs, 0, err) : 0;
}

static int prepare_job(const struct apply_opts *o, long long key, int scs, struct migrate_job *j,
		       const struct plan_item *it, struct pgb_error *err)
{
	j->f = it->file;
	j->key = key;
	j->resume = it->row != NULL;
	j->prior = it->row && it->row->progress > 0 ? it->row->progress : 0;
	if (split_and_choose(j, scs, err) || check_rules(j, it, o->run_transaction, err))
		return -1;
	skip_meta(j);
	if (it->state == ITEM_PARTIAL)
		resume_partial(j, it);
	if (j->mode == MODE_STEPWISE && !j->complete)
		log_event(LOG_INFO, "not_atomic", LOG_FIELDS(LF_STR("version", j->f->version.text)),
			  "%s \"%s\" has transaction control in its middle: it runs statement by statement and is not "
			  "atomic; its progress is recorded", history_kind_name(j->f->kind), j->f->path);
	return 0;
}

int migrate_preflight(const struct apply_opts *o, const struct plan *p, long long key, int scs,
		      struct migrate_jobs *jobs, struct pgb_error *err)
{
	jobs->jobs = xcalloc(p->n + 1, sizeof(struct migrate_job));
	jobs->n = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (!plan_item_is_pending(p, it))
			continue;
		if (prepare_job(o, key, scs, &jobs->jobs[jobs->n++], it, err)) {
			migrate_jobs_free(jobs);
			return -1;
		}
	}
	return 0;
}

int migrate_preflight_repeatables(const struct apply_opts *o, const struct repeatables *rs, long long key, int scs,
				  struct migrate_jobs *jobs, struct pgb_error *err)
{
	jobs->jobs = xrealloc(jobs->jobs, (jobs->n + rs->n + 1) * sizeof(struct migrate_job));
	memset(jobs->jobs + jobs->n, 0, (rs->n + 1) * sizeof(struct migrate_job));
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->items[i].state == REP_APPLIED)
			continue;
		struct plan_item it = {MIG_REPEATABLE, ITEM_PENDING, rs->items[i].file, NULL};
		if (prepare_job(o, key, scs, &jobs->jobs[jobs->n++], &it, err)) {
			migrate_jobs_free(jobs);
			return -1;
		}
	}
	return 0;
}

void migrate_jobs_free(struct migrate_jobs *jobs)
{
	for (size_t i = 0; i < jobs->n; i++) {
		sql_script_free(&jobs->jobs[i].script);
		free(jobs->jobs[i].blanked);
	}
	free(jobs->jobs);
	jobs->jobs = NULL;
	jobs->n = 0;
}

/* ---- what the run did ------------------------------------------------------ */

/* "2 migrations, 1 repeatable migration and 1 seed": the first n jobs; *seeds counts the seeds among them */
static char *count_files(const struct migrate_jobs *jobs, size_t n, size_t *seeds)
{
	size_t k[3] = {0, 0, 0}; /* by mig_kind */
	for (size_t i = 0; i < n; i++)
		k[jobs->jobs[i].f->kind]++;
	*seeds = k[MIG_SEED];
	static const char *const noun[3] = {"migration", "seed", "repeatable migration"};
	static const int order[3] = {MIG_MIGRATION, MIG_REPEATABLE, MIG_SEED};
	char *parts[3];
	int np = 0;
	for (int i = 0; i < 3; i++)
		if (k[order[i]] || (i == 0 && n == 0))
			parts[np++] = xasprintf("%zu %s%s", k[order[i]], noun[order[i]], k[order[i]] == 1 ? "" : "s");
	char *out = np == 1 ? xasprintf("%s", parts[0])
		    : np == 2 ? xasprintf("%s and %s", parts[0], parts[1])
			      : xasprintf("%s, %s and %s", parts[0], parts[1], parts[2]);
	for (int i = 0; i < np; i++)
		free(parts[i]);
	return out;
}

/* A file stopped the run: what stays applied depends on the lock mode. */
static void log_stopped(const struct apply_opts *o, const struct migrate_jobs *jobs, size_t i, int atomic)
{
	const struct migfile *f = jobs->jobs[i].f;
	if (!o->run_transaction) {
		log_event(LOG_INFO, "stopped", LOG_FIELDS(LF_STR("version", f->version.text), LF_STR("name", f->name)),
			  "%s %s_%s %s; no later file was applied", history_kind_name(f->kind), f->version.text, f->name,
			  atomic ? "was rolled back" : "stopped half-way");
		return;
	}
	size_t seeds;
	char *before = count_files(jobs, i, &seeds);
	log_event(LOG_INFO, "stopped",
		  LOG_FIELDS(LF_STR("version", f->version.text), LF_STR("name", f->name), LF_INT("rolled_back", (long long)i)),
		  "%s %s_%s failed: the run's transaction is rolled back%s%s%s; nothing was applied", history_kind_name(f->kind),
		  f->version.text, f->name, i ? " with the " : "", i ? before : "", i ? " run before it" : "");
	free(before);
}

/* ---- going up: the history effect ------------------------------------------ */

/* what applying a file does to the history (the executor's effect, apply.h) */
struct up {
	const struct history *h;
	struct db *db;
	const struct migfile *f;
	int resume; /* its row exists (a partial run): replace it */
};

static char *up_done(void *arg, struct pgb_error *err)
{
	struct up *u = arg;
	return history_record_sql(u->h, u->db, u->f, u->resume, err);
}

static char *up_start(void *arg, struct pgb_error *err)
{
	struct up *u = arg;
	return history_start_sql(u->h, u->db, u->f, err);
}

static char *up_progress(void *arg, int done, struct pgb_error *err)
{
	struct up *u = arg;
	return history_progress_sql(u->h, u->db, u->f, done, err);
}

static char *up_finish(void *arg, long long ms, struct pgb_error *err)
{
	struct up *u = arg;
	return history_finish_sql(u->h, u->db, u->f, ms, err);
}

/* a repeatable migration's effect: its row beside the history upserted when it is done (no progress kept:
 * one stopped half-way runs again, as Flyway runs it) */
static char *rep_done(void *arg, struct pgb_error *err)
{
	struct up *u = arg;
	return repeatable_record_sql(u->h, u->db, u->f, -1, err);
}

static char *rep_nothing(void *arg, struct pgb_error *err)
{
	(void)arg;
	(void)err;
	return xstrdup("SELECT NULL");
}

static char *rep_progress(void *arg, int done, struct pgb_error *err)
{
	(void)done;
	return rep_nothing(arg, err);
}

static char *rep_finish(void *arg, long long ms, struct pgb_error *err)
{
	struct up *u = arg;
	return repeatable_record_sql(u->h, u->db, u->f, ms, err);
}

/* The executor's unit of job j, its effect's argument in *up. */
static struct apply_unit unit_of(struct db *db, const struct history *h, const struct migrate_job *j, struct up *up)
{
	const struct migfile *f = j->f;
	*up = (struct up){h, db, f, j->resume};
	struct apply_effect up_effect = {up_done, up_start, up_progress, up_finish, up};
	struct apply_effect rep_effect = {rep_done, rep_nothing, rep_progress, rep_finish, up};
	struct apply_unit u = {f->path, f->version.text, f->name, sent_text(j), f->up_len, &j->script, j->mode, j->first,
			       j->last, j->key, j->prior, j->complete, f->kind == MIG_REPEATABLE ? rep_effect : up_effect,
			       {history_kind_name(f->kind), "applying", "applied", "at the top of the file", "ran"}};
	return u;
}

/* ---- the loop --------------------------------------------------------------- */

static void log_empty(const struct migrate_job *j)
{
	if (j->f->empty)
		log_event(LOG_WARNING, "empty", LOG_FIELDS(LF_STR("version", j->f->version.text), LF_STR("name", j->f->name)),
			  "%s \"%s\" is empty; recording it as applied", history_kind_name(j->f->kind), j->f->path);
}

/* The jobs from i that run as one transaction each, in a row (at least job i): how many. */
static size_t atomic_run(const struct migrate_jobs *jobs, size_t i)
{
	size_t n = 0;
	while (i + n < jobs->n && apply_mode_is_atomic(jobs->jobs[i + n].mode))
		n++;
	return n ? n : 1;
}

/*
 * Apply jobs [i, i + n): an atomic run together (apply_batch), any other
 * job alone. Returns 0, or -1 with err and *failed the job that stopped.
 */
static int apply_jobs(struct db *db, const struct apply_opts *o, const struct history *h,
		      const struct migrate_jobs *jobs, size_t i, size_t n, size_t *failed, struct pgb_error *err)
{
	struct up *ups = xcalloc(n, sizeof(struct up));
	struct apply_unit *units = xcalloc(n, sizeof(struct apply_unit));
	for (size_t k = 0; k < n; k++) {
		log_empty(&jobs->jobs[i + k]);
		units[k] = unit_of(db, h, &jobs->jobs[i + k], &ups[k]);
	}
	size_t applied = 0;
	int rc = apply_mode_is_atomic(units[0].mode) ? apply_batch(db, o, units, n, &applied, err)
						     : apply_unit(db, o, &units[0], err);
	*failed = i + applied;
	free(units);
	free(ups);
	return rc;
}

/* Apply every job in order: each atomic run together, any other job alone. */
static int apply_all(struct db *db, const struct apply_opts *o, const struct history *h,
		     const struct migrate_jobs *jobs, struct pgb_error *err)
{
	for (size_t i = 0; i < jobs->n;) {
		const struct migrate_job *j = &jobs->jobs[i];
		if (signals_received()) {
			pgb_fail_signal(err, signals_received(), "before \"%s\"", j->f->path);
			if (o->run_transaction && i)
				pgb_error_detail(err, "The run's transaction is rolled back: nothing was applied.");
			return -1;
		}
		size_t n = atomic_run(jobs, i), failed;
		if (apply_jobs(db, o, h, jobs, i, n, &failed, err) != 0) {
			if (failed > i && signals_received() && o->run_transaction)
				pgb_error_detail(err, "The run's transaction is rolled back: nothing was applied.");
			if (failed < jobs->n) /* else every file committed: what failed came after them */
				log_stopped(o, jobs, failed, apply_mode_is_atomic(jobs->jobs[failed].mode));
			return -1;
		}
		i += n;
	}
	return 0;
}

int migrate_apply(struct db *db, const struct apply_opts *opts, const struct history *h,
		  const struct migrate_jobs *jobs, struct pgb_error *err)
{
	/* the rows' lock record, which a batch prepares once (apply.h); without it each row plans its own */
	struct apply_opts with = *opts;
	char *lockrec = NULL;
	if (h->has_locks && jobs->n > 1) {
		struct pgb_error e;
		pgb_error_init(&e);
		lockrec = history_lockrec_sql(h, db, &e);
		pgb_error_free(&e);
	}
	with.lockrec = lockrec;
	int rc = apply_all(db, &with, h, jobs, err);
	free(lockrec);
	return rc;
}

int migrate_commit(struct db *db, const struct migrate_jobs *jobs, struct pgb_error *err)
{
	size_t seeds;
	char *what = count_files(jobs, jobs->n, &seeds);
	int rc = db_exec(db, "COMMIT", NULL, NULL, err);
	if (rc == 0 && jobs->n == 0) {
		log_debug("committed", "committed the run's transaction: another pgboot had applied everything");
	} else if (rc == 0) {
		log_event(LOG_INFO, "committed",
			  LOG_FIELDS(LF_INT("files", (long long)jobs->n), LF_INT("migrations", (long long)(jobs->n - seeds)),
				     LF_INT("seeds", (long long)seeds)),
			  "committed the run's transaction: applied %s", what);
	} else if (db_alive(db)) {
		/* the server answered: the transaction is rolled back (a deferred constraint, a trigger at commit) */
		char *m = xasprintf("could not commit the run's transaction: %s", err->message ? err->message : "");
		free(err->message);
		err->message = m;
		err->code = PGB_EXIT_MIGRATION;
		log_event(LOG_INFO, "stopped", LOG_FIELDS(LF_INT("rolled_back", (long long)jobs->n)),
			  "the run's transaction did not commit: it is rolled back with the %s it ran; nothing was applied",
			  what);
	}
	free(what);
	return rc;
}

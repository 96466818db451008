/*
 * lifecycle.c: the commands that connect (cmd_run, cmd_migrate, cmd_plan,
 * cmd_status, cmd_verify, cmd_wait, cmd_rollback, cmd_reset, cmd_baseline;
 * cmd.h) as sequences of shared phases. rollback and reset are one sequence: reset
 * chooses every applied migration and then resets the history (N_RESET);
 * both take the backup (--save-backup, backup.h) under the lock, before
 * the first down part.
 * A phase asks what the command needs (r->needs, commands.def), never which
 * command runs. Each command releases what it acquired in one place, in
 * reverse: cancel, roll back, unlock, disconnect; then exec or exit.
 *
 *   load files | wait -> read history -> [find the history table for sure ->
 *   lock -> re-read -> apply] -> verify -> unlock -> disconnect -> exec
 *
 * An up-to-date start skips the bracket: the history where search_path finds
 * it first (the connect query's answer) said there is nothing to do.
 *
 * The files are read on a second thread while the first connection attempt
 * runs (the server forks and authenticates a backend meanwhile); a bad file
 * still wins over whatever the connection did, and stops the wait at once.
 *
 * Every phase returns 0 or -1 with err set; release() undoes whatever was
 * acquired, in reverse order, on every path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adopt.h"
#include "backup.h"
#include "baseline.h"
#include "clock.h"
#include "cmd.h"
#include "db.h"
#include "duration.h"
#include "exec.h"
#include "history.h"
#include "layout.h"
#include "lintrun.h"
#include "lock.h"
#include "log.h"
#include "migrate.h"
#include "plan.h"
#include "progress.h"
#include "redact.h"
#include "repeatable.h"
#include "report.h"
#include "rollback.h"
#include "signals.h"
#include "source.h"
#include "sqlstate.h"
#include "task.h"
#include "verify.h"
#include "wait.h"
#include "xmem.h"

#define SKIP_MIGRATE_POLL_MS 250
/* new starts after a lost connection, per run: a backend terminated again and again is not a failover */
#define MAX_RESUMES 3
/* how long adding the history's locks column may wait for its lock (each waiting reader of the history waits as long) */
#define HISTORY_UPGRADE_WAIT_MS 2000

struct run {
	struct pgb_config *cfg;
	unsigned needs; /* the command's N_* bits */
	struct migset migs, seeds;
	struct source_choice layout; /* the layout the migrations were read as */
	struct checkset checks;
	struct db *db;
	struct session_info info;
	struct history hist;
	struct plan plan;
	struct repeatables reps; /* the layout's repeatable migrations and their table's rows (repeatable.h) */
	struct migrate_jobs jobs;
	int history_outdated; /* the history was never read, or changed since */
	struct db_result probe; /* verify's first query, asked with the last history read (command NULL: not asked) */
	long long key;
	int locked;
	int lock_pid; /* the server process that holds the session lock */
	int resumes; /* new starts after a lost connection */
	int warned_future; /* the future migrations were logged */
	struct adoption adopt; /* adopt, --adopt: the other tool's history and lock key */
	long long start;
};

/* What the executor needs of the configuration (apply.h). */
static struct apply_opts apply_opts_of(const struct pgb_config *cfg)
{
	struct apply_opts o = {cfg->lock_mode == LOCK_TRANSACTION, cfg->ddl_lock_timeout_ms, cfg->ddl_lock_retries,
			       cfg->statement_timeout_ms, !cfg->no_batch, NULL};
	return o;
}

/* The session's standard_conforming_strings as the server reported it: 1 unless "off". */
static int server_scs(struct db *db)
{
	return strcmp(db_parameter(db, "standard_conforming_strings"), "off") != 0;
}

static int want_seeds(const struct run *r)
{
	return r->cfg->with_test_data || (r->needs & N_SEEDS);
}

static int want_checks(const struct run *r)
{
	if ((r->needs & N_BASELINE) && !r->cfg->verify_first)
		return 0;
	return (r->needs & N_CHECKS) && !r->cfg->no_verify;
}

/* Read every file; no database. Runs on the loader thread: it must not log. */
static int load_files(void *arg, struct pgb_error *err)
{
	struct run *r = arg;
	const struct pgb_config *cfg = r->cfg;
	if (source_load_migrations(cfg->migrations_dir, cfg->layout, (r->needs & N_INVENTORY) != 0, &r->migs,
				   &r->layout, err))
		return -1;
	if (want_seeds(r) && source_load(cfg->seeds_dir, MIG_SEED, 1, &r->seeds, err))
		return -1;
	if (want_checks(r) && (source_load_checks(cfg->verify_dir, !cfg->verify_dir_explicit, &r->checks, err) ||
			       verify_check_files(&r->checks, err)))
		return -1;
	return 0;
}

/* Which layout the files were read as, and why: info when another tool's, debug for pgboot's own. */
static void log_layout(const struct run *r)
{
	const struct source_choice *c = &r->layout;
	if (!c->layout)
		return;
	log_event(c->layout == layout_files() ? LOG_DEBUG : LOG_INFO, "layout",
		  LOG_FIELDS(LF_STR("layout", c->layout->name), LF_STR("dir", r->cfg->migrations_dir),
			     LF_STR("reason", c->why)),
		  "reading \"%s\" as %s's layout (%s)", r->cfg->migrations_dir, c->layout->name, c->why);
}

static void warn_no_seeds(const struct run *r)
{
	const struct pgb_config *cfg = r->cfg;
	if (cfg->with_test_data && cfg->skip_migrate) {
		log_event(LOG_WARNING, "seeds_skipped", LOG_FIELDS(LF_STR("dir", cfg->seeds_dir)),
			  "--with-test-data with --skip-migrate applies no seeds: the pgboot that migrates applies them "
			  "(give it --with-test-data)");
		return;
	}
	if (cfg->with_test_data && r->seeds.n == 0 && !(r->needs & N_SEEDS))
		log_event(LOG_WARNING, "no_seeds", LOG_FIELDS(LF_STR("dir", cfg->seeds_dir)),
			  "--with-test-data: no seed files in \"%s\"", cfg->seeds_dir);
}

static int loader_failed(void *arg)
{
	return task_failed(arg);
}

static int loader_finish(void *arg, struct pgb_error *err)
{
	return task_finish(arg, err);
}

static int connect_db(struct run *r, const struct wait_side_work *side, struct pgb_error *err)
{
	const struct pgb_config *cfg = r->cfg;
	struct wait_opts w = {cfg->conninfo, cfg->conninfo_source, cfg->wait_timeout_ms, cfg->statement_timeout_ms,
			      cfg->lock_mode == LOCK_TRANSACTION,
			      /* the connect query finds an unqualified history table of a command that reads it */
			      (r->needs & N_FILES) && !cfg->history_schema ? cfg->history_table : NULL};
	if (wait_for_database(&w, side, &r->db, &r->info, err))
		return -1;
	struct history_name name = {cfg->history_schema, cfg->history_table, cfg->history_source};
	if (history_init(&r->hist, r->db, &name, (r->needs & (N_REPORT | N_ROLLBACK)) != 0, r->info.current_schema,
			 r->info.history_schema, err))
		return -1;
	r->hist.read_down = (r->needs & N_ROLLBACK) != 0;
	return 0;
}

/* Read the files while connecting; a bad file wins over any connection outcome (wait.h's side work). */
static int load_and_connect(struct run *r, struct pgb_error *err)
{
	struct task loader;
	task_start(&loader, load_files, r);
	struct wait_side_work side = {loader_failed, loader_finish, &loader};
	int rc = connect_db(r, &side, err);
	/* the wait finished the side work: the thread is joined and a failure of its is in err already */
	if (task_finish(&loader, err) || rc)
		return -1;
	/* a signal that arrived while the files were read, after the connection was made */
	if (signals_received())
		return pgb_fail_signal(err, signals_received(), NULL);
	log_layout(r);
	warn_no_seeds(r);
	return 0;
}

/* Versions a newer release applied: this one goes on beside it (--strict refuses them: drift). */
static void warn_future(struct run *r)
{
	if (!plan_future(&r->plan) || r->plan.strict || r->warned_future || (r->needs & (N_INVENTORY | N_ROLLBACK)))
		return;
	char *list = plan_future_list(&r->plan);
	log_event(LOG_WARNING, "future_migrations", LOG_FIELDS(LF_INT("count", (long long)plan_future(&r->plan)), LF_STR("versions", list)),
		  "history table \"%s\" holds %zu migration%s newer than every file here, applied by a newer release: %s; "
		  "going on (--strict refuses)", r->hist.display, plan_future(&r->plan), plan_future(&r->plan) == 1 ? "" : "s", list);
	free(list);
	r->warned_future = 1;
}

/* (Re)read the history and rebuild the plan. */
static int read_state(struct run *r, struct pgb_error *err)
{
	plan_free(&r->plan);
	db_result_free(&r->probe);
	const char *probe = want_checks(r) ? verify_probe_sql(&r->checks) : NULL;
	struct history_extra_query extra = {probe, &r->probe};
	if (history_read(&r->hist, r->db, probe ? &extra : NULL, err))
		return -1;
	plan_build(&r->plan, &r->migs, want_seeds(r) ? &r->seeds : NULL, &r->hist,
		   (r->cfg->allow_out_of_order ? PLAN_ALLOW_OUT_OF_ORDER : 0) | (r->cfg->strict ? PLAN_STRICT : 0));
	/* no query unless the layout has repeatables */
	if (repeatables_read(&r->reps, &r->migs, &r->hist, r->db, err))
		return -1;
	r->history_outdated = 0;
	warn_future(r);
	return 0;
}

/* The files to apply: pending migrations and seeds, and repeatable migrations new or changed. */
static size_t pending_files(const struct run *r)
{
	return plan_pending(&r->plan, -1) + repeatables_pending(&r->reps);
}

/* Look an unqualified history table up in every schema the role may use, and read it again when it is
 * elsewhere. Once found, it stays; a table not there yet is looked for again at the next call. */
static int resolve_history(struct run *r, struct pgb_error *err)
{
	if (r->cfg->history_schema || (r->hist.resolved && r->hist.exists))
		return 0;
	int rc = history_resolve(&r->hist, r->db, r->info.current_schema, err);
	return rc == 1 ? read_state(r, err) : rc;
}

/*
 * Read the history. A table the connect query could not place for sure (history.h: none, a view, or
 * more than one table of the name) is looked up first; else, unless fast (an up-to-date start: a
 * read found nothing to do), it is looked up after the read, before anything is applied, created,
 * awaited, reported or refused. A history still missing then is refused when pgboot's history is
 * in another schema (every command alike: reporting it all pending would mislead as much).
 */
static int read_found(struct run *r, int fast, struct pgb_error *err)
{
	int first = !r->cfg->history_schema && !r->info.history_schema && !r->hist.resolved;
	if (first && history_resolve(&r->hist, r->db, r->info.current_schema, err) < 0)
		return -1;
	if (read_state(r, err))
		return -1;
	int up_to_date = fast && r->hist.exists && pending_files(r) == 0 && plan_drift(&r->plan) == 0;
	if (!first && !up_to_date && resolve_history(r, err))
		return -1;
	return r->hist.exists ? 0 : history_check_elsewhere(&r->hist, r->db, err);
}

static int read_resolved(struct run *r, struct pgb_error *err)
{
	return read_found(r, 1, err);
}

static int take_lock(struct run *r, struct pgb_error *err)
{
	int xact = r->cfg->lock_mode == LOCK_TRANSACTION;
	r->key = lock_key(r->info.database, r->hist.display);
	long long t = clock_now_ms();
	char *begin = xact ? xasprintf("BEGIN; SET LOCAL statement_timeout = %lld", r->cfg->statement_timeout_ms) : NULL;
	int rc = lock_acquire(r->db, r->key, r->cfg->lock_timeout_ms, begin, &r->lock_pid, err);
	free(begin);
	if (rc)
		return -1;
	r->locked = !xact; /* a transaction lock ends with the transaction */
	log_event(LOG_DEBUG, "locked", LOG_FIELDS(LF_INT("ms", clock_now_ms() - t)), "took the migration lock in %lld ms",
		  clock_now_ms() - t);
	return 0;
}

/* --lock-mode transaction: everything applied so far commits now, or nothing did. */
static int commit_run(struct run *r, struct pgb_error *err)
{
	if (r->cfg->lock_mode != LOCK_TRANSACTION || !db_in_transaction(r->db))
		return 0;
	return migrate_commit(r->db, &r->jobs, err);
}

/* Give the lock back before the run ends: the session lock, or the run's transaction that holds it. */
static int unlock_early(struct run *r, struct pgb_error *err)
{
	adopt_unlock(r->db, &r->adopt);
	if (r->locked) {
		lock_release(r->db, r->key, r->lock_pid);
		r->locked = 0;
	}
	return commit_run(r, err);
}

static size_t migration_rows(const struct history *h)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n; i++)
		n += h->rows[i].kind == MIG_MIGRATION;
	return n;
}

/* pgboot's history holds migrations: pgboot manages the database, there is nothing to adopt */
static int already_managed(const struct run *r)
{
	size_t n = migration_rows(&r->hist);
	if (n)
		log_event(LOG_INFO, "adopt_nothing", LOG_FIELDS(LF_INT("migrations", (long long)n)),
			  "history table \"%s\" holds %zu migration%s already: pgboot manages this database, nothing to adopt",
			  r->hist.display, n, n == 1 ? "" : "s");
	return n > 0;
}

/* Under pgboot's lock: the other tool's lock key, and the adoption itself when pgboot's history holds no migration. */
static int adopt_locked(struct run *r, struct pgb_error *err)
{
	int xact = r->cfg->lock_mode == LOCK_TRANSACTION;
	if (adopt_lock(r->db, &r->adopt, r->cfg->lock_timeout_ms, xact, err))
		return -1;
	if (migration_rows(&r->hist))
		return 0;
	/* adopt_record reads and matches their rows again under its lock on their table */
	if (adopt_record(r->db, &r->hist, &r->migs, &r->adopt, xact, err))
		return -1;
	r->history_outdated = 1;
	return 0;
}

/* --adopt, under pgboot's lock: adopt the other tool's history (or only hold its key), then read the history again. */
static int adopt_while_migrating(struct run *r, struct pgb_error *err)
{
	if (!r->cfg->adopt)
		return 0;
	int found = adopt_find(r->db, r->cfg->adopt_from, &r->adopt, err);
	if (found <= 0) {
		if (found == 0)
			log_event(LOG_DEBUG, "adopt_none", NULL, "--adopt: no other tool's history table here");
		return found;
	}
	size_t before = migration_rows(&r->hist);
	if (adopt_locked(r, err))
		return -1;
	return before == 0 ? read_state(r, err) : 0;
}

static void lint_run_of(struct lint_run *lr, const struct pgb_config *cfg)
{
	lint_run_init(lr);
	lr->large_rows = cfg->lint_large_rows;
	lr->large_bytes = cfg->lint_large_bytes;
}

/*
 * The preflight's lint (--lint): the pending files, graded by this session, before anything is
 * applied. warn logs the findings; error refuses one graded error (6); off parses nothing.
 */
static int lint_pending(struct run *r, struct pgb_error *err)
{
	if (r->cfg->lint_mode == LINT_MODE_OFF)
		return 0;
	struct lint_run lr;
	lint_run_of(&lr, r->cfg);
	lint_plan(&lr, &r->plan);
	lint_repeatables(&lr, &r->reps);
	int rc = lint_size_and_grade(&lr, r->db, err);
	if (rc == 0)
		lint_log(&lr);
	size_t errors = lint_count_at(&lr, LINT_ERROR);
	if (rc == 0 && errors && r->cfg->lint_mode == LINT_MODE_ERROR) {
		pgb_fail(err, PGB_EXIT_LINT, "lint: %zu finding%s graded error in the pending migrations; nothing applied",
			 errors, errors == 1 ? "" : "s");
		pgb_error_hint(err, "Fix the statements as each finding's \"fix\" says, silence one with \"-- pgboot:lint-ignore "
				    "RULE -- reason\" on the line before it, or run with --lint warn.");
		rc = -1;
	}
	lint_run_free(&lr);
	return rc;
}

/* Apply what is pending, under the lock; the fast path skips the lock when nothing is. */
static int migrate_phase(struct run *r, struct pgb_error *err)
{
	struct apply_opts o = apply_opts_of(r->cfg);
	int xact = r->cfg->lock_mode == LOCK_TRANSACTION;
	if (read_resolved(r, err) || plan_check_drift(&r->plan, &r->hist, err))
		return -1;
	if (pending_files(r) == 0) {
		log_event(LOG_INFO, "up_to_date", LOG_FIELDS(LF_INT("migrations", (long long)r->migs.n)),
			  "database is up to date (%zu migrations)", r->migs.n);
		return 0;
	}
	log_event(LOG_INFO, "pending", LOG_FIELDS(LF_INT("pending", (long long)pending_files(r))),
		  "%zu file%s to apply, taking the migration lock", pending_files(r), pending_files(r) == 1 ? "" : "s");
	/* before the lock, in a transaction of its own (never the run's: its ACCESS EXCLUSIVE lock on the history
	 * would last the whole run); safe without the migration lock, the column is added once */
	if (history_upgrade(&r->hist, r->db, HISTORY_UPGRADE_WAIT_MS, err) || take_lock(r, err) || read_state(r, err) ||
	    adopt_while_migrating(r, err) || plan_check_drift(&r->plan, &r->hist, err))
		return -1;
	migrate_jobs_free(&r->jobs);
	if (pending_files(r) == 0) {
		if (r->adopt.nfiles)
			log_info("up_to_date", "database is up to date after the adoption");
		else
			log_info("up_to_date", "another pgboot applied everything while this one waited for the lock");
		/* nothing to do under the lock: verify without it, as the fast path does, and let the next
		 * waiter in now rather than after this one's checks */
		return unlock_early(r, err);
	}
	if (migrate_preflight(&o, &r->plan, r->key, server_scs(r->db), &r->jobs, err) ||
	    migrate_preflight_repeatables(&o, &r->reps, r->key, server_scs(r->db), &r->jobs, err) ||
	    lint_pending(r, err))
		return -1;
	if (!r->hist.exists && history_create(&r->hist, r->db, xact, err))
		return -1;
	if (repeatables_pending(&r->reps) && !r->reps.exists && repeatables_create(&r->hist, r->db, xact, err))
		return -1;
	r->history_outdated = 1; /* and the probe with it */
	db_result_free(&r->probe);
	if (migrate_apply(r->db, &o, &r->hist, &r->jobs, err)) {
		/* a file released it (nothing to unlock), or a pooler moved the session (released where it was taken) */
		if (err->code == PGB_EXIT_LOCK) {
			lock_lost_to_pooler(r->db, r->key, r->lock_pid, err);
			r->locked = 0;
		}
		return -1;
	}
	return commit_run(r, err);
}

/* --skip-migrate: wait until another pgboot has applied every migration this image holds. */
static int await_migrations(struct run *r, struct pgb_error *err)
{
	long long deadline = r->start + r->cfg->wait_timeout_ms, last_log = 0;
	for (;;) {
		if (read_resolved(r, err) || plan_check_drift(&r->plan, &r->hist, err))
			return -1;
		/* the repeatable migrations too: they are part of the schema the app expects */
		size_t pending = plan_pending(&r->plan, MIG_MIGRATION) + repeatables_pending(&r->reps);
		if (pending == 0)
			return 0;
		long long now = clock_now_ms();
		if (now >= deadline) {
			char buf[32];
			duration_format(r->cfg->wait_timeout_ms, buf, sizeof(buf));
			pgb_fail(err, PGB_EXIT_UNAVAILABLE, "%zu migration%s still pending after %s", pending,
				 pending == 1 ? "" : "s", buf);
			pgb_error_hint(err, "With --skip-migrate another pgboot (an initContainer, a pre-deploy job) must apply "
					    "the migrations; check that it ran.");
			return -1;
		}
		if (last_log == 0 || now - last_log >= 5000) {
			log_event(LOG_INFO, "awaiting_migrations", LOG_FIELDS(LF_INT("pending", (long long)pending)),
				  "waiting for another pgboot to apply %zu migration%s", pending, pending == 1 ? "" : "s");
			last_log = now;
		}
		if (clock_sleep_ms(SKIP_MIGRATE_POLL_MS))
			return pgb_fail_signal(err, signals_received(), "while waiting for migrations");
	}
}

static int verify_phase(struct run *r, struct pgb_error *err)
{
	if (!want_checks(r))
		return 0;
	/* the plan must reflect what was just applied; up to date, it already does */
	if (r->history_outdated && read_state(r, err))
		return -1;
	return verify_run(r->db, r->cfg->statement_timeout_ms, &r->plan, &r->checks,
			  r->probe.command ? &r->probe : NULL, err);
}

static void disconnect(struct run *r);

static void release(struct run *r)
{
	disconnect(r);
	migset_free(&r->migs);
	free(r->layout.why);
	migset_free(&r->seeds);
	checkset_free(&r->checks);
	adoption_free(&r->adopt);
}

static int show_status(struct run *r, struct pgb_error *err)
{
	if (load_and_connect(r, err) || read_found(r, 0, err))
		return -1;
	report_status(stdout, &r->plan, &r->reps, &r->hist, db_database(r->db), r->cfg->json);
	fflush(stdout);
	if (plan_drift(&r->plan))
		return pgb_fail(err, PGB_EXIT_DRIFT, "history and files disagree: %zu problem%s", plan_drift(&r->plan),
				plan_drift(&r->plan) == 1 ? "" : "s");
	return 0;
}

/* plan changes nothing, so it takes no lock: it shows the history as it is now */
static int show_plan(struct run *r, struct pgb_error *err)
{
	struct apply_opts o = apply_opts_of(r->cfg);
	if (load_and_connect(r, err) || read_found(r, 0, err) ||
	    plan_check_drift(&r->plan, &r->hist, err))
		return -1;
	r->key = lock_key(r->info.database, r->hist.display); /* the preflight refuses unlocks of it */
	if (migrate_preflight(&o, &r->plan, r->key, server_scs(r->db), &r->jobs, err) ||
	    migrate_preflight_repeatables(&o, &r->reps, r->key, server_scs(r->db), &r->jobs, err) ||
	    lint_pending(r, err))
		return -1;
	report_plan(stdout, &r->plan, &r->reps, &r->hist, db_database(r->db), r->cfg->json);
	fflush(stdout);
	return 0;
}

static int verify_only(struct run *r, struct pgb_error *err)
{
	if (load_and_connect(r, err) || read_found(r, 0, err))
		return -1;
	return verify_phase(r, err);
}

/* Close the connection and forget what was read from it; the files stay. */
static void disconnect(struct run *r)
{
	progress_close();
	if (r->db) {
		db_rollback_if_needed(r->db);
		adopt_unlock(r->db, &r->adopt);
		if (r->locked)
			lock_release(r->db, r->key, r->lock_pid);
		db_close(r->db);
	}
	r->db = NULL;
	r->locked = 0;
	r->history_outdated = 1;
	db_result_free(&r->probe);
	migrate_jobs_free(&r->jobs);
	plan_free(&r->plan);
	repeatables_free(&r->reps);
	history_free(&r->hist);
	session_info_free(&r->info);
}

/* A lost connection with time left before the wait deadline is worth a new start. */
static int can_resume(const struct run *r, struct pgb_error *err)
{
	if (err->code != PGB_EXIT_UNAVAILABLE || !r->db || db_alive(r->db) || signals_received() ||
	    clock_now_ms() >= r->start + r->cfg->wait_timeout_ms)
		return 0;
	if (r->resumes < MAX_RESUMES)
		return 1;
	if (!err->hint)
		pgb_error_hint(err, "The connection was lost %d times in this run: something ends pgboot's sessions "
				    "(pg_terminate_backend, a pooler or proxy timeout); pgboot stops rather than reconnect "
				    "again.", MAX_RESUMES + 1);
	return 0;
}

static int prepare_database(struct run *r, struct pgb_error *err)
{
	for (int first = 1;; first = 0) {
		int rc = first ? load_and_connect(r, err) : connect_db(r, NULL, err);
		if (rc == 0)
			rc = r->cfg->skip_migrate ? await_migrations(r, err) : migrate_phase(r, err);
		if (rc == 0)
			rc = verify_phase(r, err);
		if (rc == 0 || !can_resume(r, err))
			return rc;
		r->resumes++;
		log_event(LOG_WARNING, "reconnect", LOG_FIELDS(LF_STR("reason", err->message)),
			  "lost the connection (%s); connecting again to finish the job", err->message);
		pgb_error_free(err);
		disconnect(r);
	}
}

static void run_init(struct run *r, struct pgb_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->needs = config_command_needs(cfg->command);
	r->start = clock_now_ms();
	r->history_outdated = 1;
	r->adopt.map_text = cfg->adopt_map;
	r->adopt.map_file = cfg->adopt_map_file;
}

/*
 * Release everything, then let a signal decide the outcome: a success it
 * interrupted is its 128+N, and a cancelled query surfaces as the server's
 * error, whichever phase ran it.
 */
static int run_end(struct run *r, int rc, struct pgb_error *err)
{
	release(r);
	int sig = signals_received();
	if (rc == 0 && sig)
		return pgb_fail_signal(err, sig, NULL);
	if (rc != 0 && sig && err->code < PGB_EXIT_SIGNAL)
		err->code = PGB_EXIT_SIGNAL + sig;
	return rc;
}

/* A command that runs its phases, then releases (every command here but run). */
static int run_phases(struct pgb_config *cfg, int (*phases)(struct run *r, struct pgb_error *err),
		      struct pgb_error *err)
{
	struct run r;
	run_init(&r, cfg);
	return run_end(&r, phases(&r, err), err);
}

static int wait_only(struct run *r, struct pgb_error *err)
{
	return connect_db(r, NULL, err);
}

/* ---- rollback and reset ------------------------------------------------------- */

static struct rollback_opts rollback_opts_of(const struct run *r)
{
	const struct pgb_config *cfg = r->cfg;
	struct rollback_opts o = {cfg->rollback_steps, cfg->rollback_to, cfg->rollback_all || (r->needs & N_RESET),
				  cfg->rollback_to_files, cfg->use_file_down};
	return o;
}

static size_t seed_rows(const struct history *h)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n; i++)
		n += h->rows[i].kind == MIG_SEED;
	return n;
}

/* reset: what it does to the history after the rollback (0: nothing, the table is missing or has no seed row,
 * and no repeatable migration's table is there) */
static int resets_history(const struct run *r)
{
	return (r->needs & N_RESET) && r->hist.exists &&
	       (r->cfg->drop_history || seed_rows(&r->hist) > 0 || r->reps.exists);
}

/* 1 when the command has something to change */
static int has_work(const struct run *r, const struct rollback_jobs *jobs)
{
	return jobs->n > 0 || resets_history(r);
}

/* Choose what to roll back from the history as last read; every one must have a down part. */
static int choose_rollback(struct run *r, struct rollback_jobs *jobs, struct pgb_error *err)
{
	struct rollback_opts ro = rollback_opts_of(r);
	rollback_jobs_free(jobs);
	/* --to-files undoes a newer release: files missing or changed below it are drift, as for migrate */
	if (ro.to_files && plan_check_files(&r->plan, &r->hist, err))
		return -1;
	if (rollback_select(&r->plan, &ro, jobs, err) || rollback_check_downs(jobs, err))
		return -1;
	rollback_claim_seeds(jobs, &r->hist);
	return 0;
}

/* reset's plan after the rollback's: the seeds' rows, and the table. */
static void print_reset(const struct run *r)
{
	if (!(r->needs & N_RESET) || !r->hist.exists)
		return;
	size_t seeds = seed_rows(&r->hist);
	if (seeds)
		printf("would delete %zu seed row%s from history table \"%s\"\n", seeds, seeds == 1 ? "" : "s",
		       r->hist.display);
	if (r->reps.exists)
		printf("would %s the repeatable migrations' table beside it\n",
		       r->cfg->drop_history ? "drop" : "delete every row of");
	if (r->cfg->drop_history)
		printf("would drop history table \"%s\"\n", r->hist.display);
	else
		printf("history table \"%s\" would stay, empty\n", r->hist.display);
}

/* Without --confirm: the plan on standard output, then 10 (78 first when a down part is missing); plan --rollback: 0. */
static int show_rollback(struct run *r, struct rollback_jobs *jobs, struct pgb_error *err)
{
	struct rollback_opts ro = rollback_opts_of(r);
	const char *cmd = config_command_name(r->cfg->command);
	if ((ro.to_files && plan_check_files(&r->plan, &r->hist, err)) || rollback_select(&r->plan, &ro, jobs, err))
		return -1;
	rollback_claim_seeds(jobs, &r->hist);
	rollback_print(stdout, jobs, db_database(r->db), r->hist.display);
	print_reset(r);
	fflush(stdout);
	if (rollback_check_downs(jobs, err))
		return -1;
	if (!has_work(r, jobs) || r->cfg->rollback_plan)
		return 0;
	pgb_fail(err, PGB_EXIT_UNCONFIRMED, "%s not confirmed: nothing was %s", cmd,
		 r->needs & N_RESET ? "changed" : "rolled back");
	pgb_error_hint(err, "Add --confirm (or set PGBOOT_CONFIRM=1) to %s what the plan shows.",
		       r->needs & N_RESET ? "do" : "roll back");
	return -1;
}

/* After a rollback the files hold migrations not applied by design: the checks but the plan's (pending, drift). */
static int verify_after_rollback(struct run *r, struct pgb_error *err)
{
	if (!want_checks(r))
		return 0;
	r->hist.read_down = 0; /* the checks need the rows, not their down parts again */
	if (read_state(r, err))
		return -1;
	return verify_run_applied(r->db, r->cfg->statement_timeout_ms, &r->plan, &r->checks, err);
}

/* --save-backup: pg_dump with this connection's settings, before the first destructive statement. */
/*
 * The session waits, idle or idle in the run's transaction, while pg_dump runs: a server's
 * idle_in_transaction_session_timeout or idle_session_timeout (14+) must not end it meanwhile
 * (the rollback would then fail with 69 after a wasted backup). Set for the transaction, or
 * for the session until the first down part's reset.
 */
static int keep_session_while_dumping(struct run *r, struct pgb_error *err)
{
	const char *local = db_in_transaction(r->db) ? "true" : "false";
	char *sql = xasprintf("SELECT pg_catalog.set_config('idle_in_transaction_session_timeout', '0', %s)%s", local,
			      db_server_version(r->db) >= 140000 ? ", pg_catalog.set_config('idle_session_timeout', '0', false)"
								  : "");
	int rc = db_exec(r->db, sql, NULL, NULL, err);
	free(sql);
	return rc;
}

static int save_backup(struct run *r, struct pgb_error *err)
{
	if (!r->cfg->save_backup)
		return 0;
	if (keep_session_while_dumping(r, err))
		return -1;
	char *password;
	char *conninfo = db_child_conninfo(r->db, &password);
	struct backup_conn bc = {conninfo, password, db_server_version(r->db), r->cfg->conninfo};
	int rc = backup_save(&bc, r->cfg->save_backup, err);
	secret_free(password);
	free(conninfo);
	return rc;
}

/* reset, once every migration is rolled back: the seeds' rows deleted, or the table dropped. */
static int reset_history(struct run *r, struct pgb_error *err)
{
	if (!resets_history(r))
		return 0;
	char *history = history_reset_sql(&r->hist, r->cfg->drop_history);
	char *reps = repeatables_reset_sql(&r->hist, r->db, r->reps.exists, r->cfg->drop_history);
	char *sql = xasprintf("%s%s", history, reps);
	free(history);
	free(reps);
	struct db_result *res = NULL;
	int n = 0;
	int rc = db_exec(r->db, sql, &res, &n, err);
	free(sql);
	if (rc) {
		db_results_free(res, n);
		if (db_alive(r->db) && !signals_received())
			err->code = PGB_EXIT_MIGRATION;
		return -1;
	}
	/* "DELETE 3": the seed rows the down parts left (theirs went with them) */
	const char *tag = n > 0 && res[0].command ? res[0].command : "";
	size_t seeds = strncmp(tag, "DELETE ", 7) == 0 ? (size_t)strtoull(tag + 7, NULL, 10) : 0;
	db_results_free(res, n);
	log_event(LOG_INFO, "history_reset",
		  LOG_FIELDS(LF_INT("seeds", (long long)seeds), LF_INT("dropped", r->cfg->drop_history)),
		  "deleted %zu seed row%s from history table \"%s\"%s", seeds, seeds == 1 ? "" : "s", r->hist.display,
		  r->cfg->drop_history ? ", then dropped it" : "");
	return 0;
}

/* The destructive part, under the lock: the backup, the down parts, the history's reset. */
static int roll_back_locked(struct run *r, const struct rollback_jobs *jobs, struct pgb_error *err)
{
	struct apply_opts o = apply_opts_of(r->cfg);
	if (save_backup(r, err))
		return -1;
	r->history_outdated = 1;
	db_result_free(&r->probe);
	if (rollback_apply(r->db, &o, &r->hist, jobs, err)) {
		if (err->code == PGB_EXIT_LOCK) {
			lock_lost_to_pooler(r->db, r->key, r->lock_pid, err);
			r->locked = 0;
		}
		return -1;
	}
	if (reset_history(r, err))
		return -1;
	if (r->cfg->lock_mode == LOCK_TRANSACTION && db_in_transaction(r->db))
		return rollback_commit(r->db, jobs, err);
	return 0;
}

/* Under the lock: choose again (another pgboot may have changed the history), check, then roll back. */
static int rollback_locked(struct run *r, struct rollback_jobs *jobs, struct pgb_error *err)
{
	struct apply_opts o = apply_opts_of(r->cfg);
	if (take_lock(r, err) || read_state(r, err) || choose_rollback(r, jobs, err))
		return -1;
	if (!has_work(r, jobs)) {
		log_info("nothing_to_roll_back", "another pgboot rolled everything back while this one waited for the lock");
		return unlock_early(r, err);
	}
	if (rollback_preflight(&o, r->key, server_scs(r->db), jobs, err))
		return -1;
	return roll_back_locked(r, jobs, err);
}

static int rollback_phases(struct run *r, struct rollback_jobs *jobs, struct pgb_error *err)
{
	if (load_and_connect(r, err) || read_found(r, 0, err))
		return -1;
	if (!r->cfg->confirm)
		return show_rollback(r, jobs, err);
	if (choose_rollback(r, jobs, err))
		return -1;
	if (!has_work(r, jobs)) {
		log_info("nothing_to_roll_back", "no applied migration to roll back");
		return 0;
	}
	log_event(LOG_INFO, "rolling_back", LOG_FIELDS(LF_INT("migrations", (long long)jobs->n)),
		  "%zu migration%s to roll back, taking the migration lock", jobs->n, jobs->n == 1 ? "" : "s");
	if (rollback_locked(r, jobs, err))
		return -1;
	return verify_after_rollback(r, err);
}

static int roll_back(struct run *r, struct pgb_error *err)
{
	struct rollback_jobs jobs = {0};
	int rc = rollback_phases(r, &jobs, err);
	rollback_jobs_free(&jobs);
	return rc;
}

/* ---- baseline ------------------------------------------------------------------ */

/* --verify-first: the checks, judged as the history would be once b is recorded (the files after
 * the baseline are pending by design: the plan's own checks are the drift check already made) */
static int verify_first(struct run *r, const struct baseline *b, struct pgb_error *err)
{
	if (!want_checks(r))
		return 0;
	struct baseline_plan bp;
	baseline_plan_build(&bp, b, &r->migs, &r->hist);
	int rc = verify_run_applied(r->db, r->cfg->statement_timeout_ms, &bp.plan, &r->checks, err);
	baseline_plan_free(&bp);
	if (rc && err->code == PGB_EXIT_VERIFY && !err->hint)
		pgb_error_hint(err, "Nothing was recorded: --verify-first records the baseline only when the checks "
				    "pass. Bring the database to what the migrations up to %s make, or baseline an "
				    "older version.", b->target->version.text);
	return rc;
}

/* In one transaction (the run's, with --lock-mode transaction): the table when missing, then every row. */
static int record_baseline(struct run *r, const struct baseline *b, struct pgb_error *err)
{
	int xact = r->cfg->lock_mode == LOCK_TRANSACTION;
	char *sql = history_baseline_sql(&r->hist, r->db, b->record, b->n, err);
	if (!sql)
		return -1;
	r->history_outdated = 1;
	int rc = xact ? 0 : db_exec(r->db, "BEGIN", NULL, NULL, err);
	if (rc == 0 && !r->hist.exists)
		rc = history_create(&r->hist, r->db, 1, err);
	if (rc == 0 && (rc = db_exec(r->db, sql, NULL, NULL, err)) != 0) {
		if (sqlstate_classify(err->sqlstate) == SQLSTATE_PERMISSION)
			err->code = PGB_EXIT_AUTH;
		pgb_error_detail(err, "While recording the baseline in history table \"%s\"; nothing was recorded.",
				 r->hist.display);
	}
	if (rc == 0)
		rc = db_exec(r->db, "COMMIT", NULL, NULL, err);
	free(sql);
	if (rc)
		return -1;
	log_event(LOG_INFO, "baselined",
		  LOG_FIELDS(LF_INT("migrations", (long long)b->n), LF_STR("version", b->target->version.text)),
		  "recorded %zu migration%s up to %s as applied without running them (baselined)", b->n,
		  b->n == 1 ? "" : "s", b->target->version.text);
	return 0;
}

static void log_kept(const struct run *r, const struct baseline *b)
{
	if (b->nkept)
		log_event(LOG_INFO, "baseline_kept", LOG_FIELDS(LF_INT("migrations", (long long)b->nkept)),
			  "%zu migration%s up to %s %s in history table \"%s\" already, left as %s", b->nkept,
			  b->nkept == 1 ? "" : "s", b->target->version.text, b->nkept == 1 ? "is" : "are", r->hist.display,
			  b->nkept == 1 ? "it is" : "they are");
}

/* Without --confirm: what it would record, the checks when asked, then 10 (0: nothing to record). */
static int show_baseline(struct run *r, struct baseline *b, struct pgb_error *err)
{
	baseline_select(b, &r->plan);
	baseline_print(stdout, b, db_database(r->db), &r->hist);
	fflush(stdout);
	if (b->n == 0)
		return 0;
	if (verify_first(r, b, err))
		return -1;
	pgb_fail(err, PGB_EXIT_UNCONFIRMED, "baseline not confirmed: nothing was recorded");
	pgb_error_hint(err, "Add --confirm (or set PGBOOT_CONFIRM=1) to record what the plan shows.");
	return -1;
}

static int baseline_phases(struct run *r, struct baseline *b, struct pgb_error *err)
{
	if (load_and_connect(r, err) || read_found(r, 0, err) ||
	    baseline_target(&r->migs, r->cfg->baseline_version, r->cfg->migrations_dir, &b->target, err) ||
	    plan_check_drift(&r->plan, &r->hist, err))
		return -1;
	if (!r->cfg->confirm)
		return show_baseline(r, b, err);
	baseline_select(b, &r->plan);
	if (b->n == 0) {
		log_kept(r, b);
		log_info("nothing_to_record", "nothing to record: every migration up to %s is in the history",
			 b->target->version.text);
		return 0;
	}
	log_event(LOG_INFO, "baselining", LOG_FIELDS(LF_INT("migrations", (long long)b->n)),
		  "%zu migration%s to record as applied, taking the migration lock", b->n, b->n == 1 ? "" : "s");
	/* under the lock: another pgboot may have recorded or applied them meanwhile */
	if (take_lock(r, err) || read_state(r, err) || plan_check_drift(&r->plan, &r->hist, err))
		return -1;
	baseline_select(b, &r->plan);
	log_kept(r, b);
	if (b->n == 0) {
		log_info("nothing_to_record", "another pgboot recorded everything up to %s while this one waited for the lock",
			 b->target->version.text);
		return unlock_early(r, err);
	}
	return verify_first(r, b, err) || record_baseline(r, b, err) ? -1 : 0;
}

static int baseline(struct run *r, struct pgb_error *err)
{
	struct baseline b = {0};
	int rc = baseline_phases(r, &b, err);
	baseline_free(&b);
	return rc;
}

int cmd_baseline(struct pgb_config *cfg, struct pgb_error *err)
{
	return run_phases(cfg, baseline, err);
}

int cmd_rollback(struct pgb_config *cfg, struct pgb_error *err)
{
	return run_phases(cfg, roll_back, err);
}

int cmd_reset(struct pgb_config *cfg, struct pgb_error *err)
{
	return run_phases(cfg, roll_back, err);
}

/* ---- adopt ---------------------------------------------------------------- */

static int no_foreign_history(struct pgb_error *err)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "no other tool's history table found where search_path looks: nothing to adopt");
	pgb_error_hint(err, "Name the tool with --from TOOL (its table must be on search_path); a database built by "
			    "scripts has no history to adopt.");
	return -1;
}

static int adopt_confirmed(struct run *r, struct pgb_error *err);

/* Read, match and show without --confirm (10); with it, do it under the lock, reading everything there. */
static int adopt_phases(struct run *r, struct pgb_error *err)
{
	if (load_and_connect(r, err) || read_found(r, 0, err))
		return -1;
	if (already_managed(r))
		return 0;
	if (r->cfg->confirm)
		return adopt_confirmed(r, err);
	int found = adopt_find(r->db, r->cfg->adopt_from, &r->adopt, err);
	if (found <= 0)
		return found < 0 ? -1 : no_foreign_history(err);
	if (adopt_match(r->db, &r->migs, &r->adopt, err))
		return -1;
	adopt_print(stdout, &r->adopt, db_database(r->db), &r->hist);
	fflush(stdout);
	pgb_fail(err, PGB_EXIT_UNCONFIRMED, "adopt not confirmed: nothing was recorded");
	pgb_error_hint(err, "Add --confirm (or set PGBOOT_CONFIRM=1) to record what the plan shows.");
	return -1;
}

/* adopt --confirm: everything under the lock, read there */
static int adopt_confirmed(struct run *r, struct pgb_error *err)
{
	if (take_lock(r, err) || read_state(r, err))
		return -1;
	if (already_managed(r))
		return unlock_early(r, err);
	int found = adopt_find(r->db, r->cfg->adopt_from, &r->adopt, err);
	if (found <= 0)
		return found < 0 ? -1 : no_foreign_history(err);
	if (adopt_locked(r, err))
		return -1;
	if (r->cfg->lock_mode == LOCK_TRANSACTION && db_in_transaction(r->db) &&
	    db_exec(r->db, "COMMIT", NULL, NULL, err))
		return -1;
	return 0;
}

int cmd_adopt(struct pgb_config *cfg, struct pgb_error *err)
{
	return run_phases(cfg, adopt_phases, err);
}

int cmd_run(struct pgb_config *cfg, struct pgb_error *err)
{
	struct run r;
	run_init(&r, cfg);
	int rc = prepare_database(&r, err);
	/* in the two-credential mode PGPASSWORD, when it was what let pgboot in, is the owner's */
	int owner_password = cfg->own_conninfo && r.info.used_pgpassword;
	if (run_end(&r, rc, err))
		return -1;
	return exec_app(cfg->app_argv, owner_password, err);
}

int cmd_migrate(struct pgb_config *cfg, struct pgb_error *err)
{
	return run_phases(cfg, prepare_database, err);
}

int cmd_plan(struct pgb_config *cfg, struct pgb_error *err)
{
	return run_phases(cfg, show_plan, err);
}

int cmd_status(struct pgb_config *cfg, struct pgb_error *err)
{
	return run_phases(cfg, show_status, err);
}

int cmd_verify(struct pgb_config *cfg, struct pgb_error *err)
{
	return run_phases(cfg, verify_only, err);
}

int cmd_wait(struct pgb_config *cfg, struct pgb_error *err)
{
	return run_phases(cfg, wait_only, err);
}

/* ---- lint ---------------------------------------------------------------------------- */

/* how long "pgboot lint" waits for a server before it grades offline */
#define LINT_WAIT_MS 5000

static int lint_offline(struct run *r, struct lint_run *lr, struct pgb_error *err)
{
	lr->offline = 1;
	if (r->cfg->lint_nfiles == 0) {
		/* read again, whatever a connection that did not come up left read */
		migset_free(&r->migs);
		free(r->layout.why);
		memset(&r->layout, 0, sizeof(r->layout));
		if (load_files(r, err))
			return -1;
		lint_migset(lr, &r->migs);
	} else if (lint_paths(lr, r->cfg->lint_files, r->cfg->lint_nfiles, err)) {
		return -1;
	}
	lint_grade(lr);
	return 0;
}

/* Online: the files named, or the pending ones (the history read, nothing locked); 1 when no server answered. */
static int lint_online(struct run *r, struct lint_run *lr, struct pgb_error *err)
{
	if (r->cfg->wait_timeout_ms > LINT_WAIT_MS)
		r->cfg->wait_timeout_ms = LINT_WAIT_MS;
	int rc = r->cfg->lint_nfiles ? connect_db(r, NULL, err) : load_and_connect(r, err);
	if (rc && err->code == PGB_EXIT_UNAVAILABLE) {
		lr->offline_why = xasprintf("no server reachable within %ds: %s", LINT_WAIT_MS / 1000,
					    err->message ? err->message : "");
		pgb_error_free(err);
		pgb_error_init(err);
		return 1;
	}
	if (rc)
		return -1;
	if (r->cfg->lint_nfiles) {
		if (lint_paths(lr, r->cfg->lint_files, r->cfg->lint_nfiles, err))
			return -1;
	} else {
		if (read_found(r, 0, err))
			return -1;
		lint_plan(lr, &r->plan);
		lint_repeatables(lr, &r->reps);
	}
	return lint_size_and_grade(lr, r->db, err);
}

static int lint_phases(struct run *r, struct pgb_error *err)
{
	struct lint_run lr;
	lint_run_of(&lr, r->cfg);
	int rc = r->cfg->lint_offline ? 1 : lint_online(r, &lr, err);
	if (rc == 1) {
		disconnect(r);
		if (!r->cfg->lint_offline || r->cfg->lint_nfiles == 0)
			log_event(LOG_INFO, "lint_offline", LOG_FIELDS(LF_STR("reason", lr.offline_why)),
				  "lint graded offline, by the text alone%s%s%s", r->cfg->lint_nfiles ? "" : ", every migration file",
				  lr.offline_why ? ": " : "", lr.offline_why ? lr.offline_why : "");
		rc = lint_offline(r, &lr, err);
	}
	if (rc == 0) {
		if (r->cfg->json)
			lint_print_json(stdout, &lr);
		else
			lint_print_text(stdout, &lr);
		fflush(stdout);
		size_t n = lint_count_at(&lr, (enum lint_grade)r->cfg->lint_level);
		if (n)
			rc = pgb_fail(err, PGB_EXIT_LINT, "lint: %zu finding%s graded %s or above", n, n == 1 ? "" : "s",
				      lint_grade_name((enum lint_grade)r->cfg->lint_level));
	}
	lint_run_free(&lr);
	return rc;
}

int cmd_lint(struct pgb_config *cfg, struct pgb_error *err)
{
	return run_phases(cfg, lint_phases, err);
}

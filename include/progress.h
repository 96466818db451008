/*
 * progress.h: what a slow statement is doing. While a migration's message
 * has run PROGRESS_AFTER_MS, and every PROGRESS_EVERY_MS after, one line
 * (event "progress") says whom its session waits for (pg_blocking_pids:
 * each blocker's pid, application, state, transaction age and query, its
 * literals masked and cut) or how far an index build is
 * (pg_stat_progress_create_index). The facts come from a second session
 * ("pgboot progress"), opened lazily once per run with the same settings,
 * each query in a read-only transaction of its own with a short
 * statement_timeout and lock_timeout: it holds nothing that blocks. A
 * failure turns the reports off for the run and changes nothing else: once
 * at warning when the session cannot be opened, at debug when a question
 * fails or pg_stat_activity does not show the backend pid as this
 * session's (a pooler's made-up pid): no line rather than a wrong one.
 *
 * PGBOOT_PROGRESS_AFTER_MS and PGBOOT_PROGRESS_EVERY_MS (milliseconds)
 * change the two delays, for tests.
 */
#ifndef PGB_PROGRESS_H
#define PGB_PROGRESS_H

struct db;

#define PROGRESS_AFTER_MS 5000LL       /* the first report, once a message has run this long */
#define PROGRESS_EVERY_MS 10000LL      /* then one report this often */
#define PROGRESS_QUERY_CHARS 200       /* characters of another session's query shown */
#define PROGRESS_BLOCKERS 3            /* blockers named in one line */
#define PROGRESS_CONNECT_MS 5000LL     /* the second session's connection attempt */
#define PROGRESS_STATEMENT_MS 2000LL   /* its statement_timeout */
#define PROGRESS_LOCK_MS 500LL         /* its lock_timeout */

/*
 * Report on the statements db runs for file (its path, as the log names it;
 * version its version) until progress_unwatch. Kept by reference.
 */
void progress_watch(struct db *db, const char *file, const char *version);
void progress_unwatch(struct db *db);
/*
 * A batch (apply.c): the message's earlier files committed, file is the
 * first whose COMMIT has not come back, later the files after it in the
 * message. Its time counts from now; the report says it may be a later file
 * (the server sends results in buffers: a long file can hold back the
 * COMMITs before it).
 */
void progress_file(const char *file, const char *version, int later);
/* Close the second session, if any (the run's end, before the exec). */
void progress_close(void);

#endif

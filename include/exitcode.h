/*
 * exitcode.h: every exit status pgboot can return, the same table as
 * DESIGN.md. Modules never exit; they put one of these into a struct
 * pgb_error and the command layer returns it from main.
 */
#ifndef PGB_EXITCODE_H
#define PGB_EXITCODE_H

enum pgb_exit {
	PGB_EXIT_OK = 0,           /* success */
	PGB_EXIT_USAGE = 2,        /* usage error: unknown option, missing argument */
	PGB_EXIT_MIGRATION = 3,    /* a migration or seed failed (rolled back) */
	PGB_EXIT_VERIFY = 4,       /* verification failed */
	PGB_EXIT_DRIFT = 5,        /* history and files disagree (changed, missing, out of order) */
	PGB_EXIT_LINT = 6,         /* lint: a finding at --lint-level or above; --lint error: a pending file graded error */
	PGB_EXIT_UNCONFIRMED = 10, /* without --confirm (rollback, reset, adopt, baseline): the plan was shown, nothing changed */
	PGB_EXIT_UNAVAILABLE = 69, /* database not available within --wait-timeout (or --save-backup's pg_dump failed) */
	PGB_EXIT_INTERNAL = 70,    /* internal error (a bug, or the server said something unexpected) */
	PGB_EXIT_LOCK = 75,        /* migration lock not acquired within --lock-timeout, or released by a file */
	PGB_EXIT_AUTH = 77,        /* authentication or permission denied */
	PGB_EXIT_CONFIG = 78,      /* configuration error: bad URL, unreadable directory, bad file name */
	PGB_EXIT_NOEXEC = 126,     /* the app exists but cannot be executed */
	PGB_EXIT_NOTFOUND = 127,   /* the app was not found */
	PGB_EXIT_SIGNAL = 128      /* 128+N: stopped by signal N */
};

#endif

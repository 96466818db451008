/*
 * sqlstate.h: the one place that interprets SQLSTATE codes. Nobody else
 * compares SQLSTATE strings.
 */
#ifndef PGB_SQLSTATE_H
#define PGB_SQLSTATE_H

enum sqlstate_class {
	SQLSTATE_NONE,             /* no SQLSTATE (client-side failure) */
	SQLSTATE_TRANSIENT,        /* 57P03 starting up/shutting down, 53300 too many connections, 08xxx */
	SQLSTATE_AUTH,             /* 28P01, 28000: authentication failed */
	SQLSTATE_PERMISSION,       /* 42501 insufficient privilege */
	SQLSTATE_NO_DATABASE,      /* 3D000 */
	SQLSTATE_LOCK_NOT_AVAILABLE, /* 55P03: lock_timeout expired */
	SQLSTATE_CANCELED,         /* 57014: statement canceled (our PQcancel or statement_timeout) */
	SQLSTATE_TERMINATED,       /* 57P01, 57P02: the backend was terminated, the server is going down */
	SQLSTATE_UNDEFINED_TABLE,  /* 42P01 */
	SQLSTATE_UNDEFINED_SCHEMA, /* 3F000 invalid_schema_name: the schema does not exist */
	SQLSTATE_SYNTAX_OR_ACCESS, /* any other 42xxx: undefined column or parameter, wrong type ... */
	SQLSTATE_SERVER_TROUBLE,   /* 53xxx but 53300 (out of memory, disk full), 58xxx (I/O), XXxxx (internal) */
	SQLSTATE_OTHER             /* any other SQL error */
};

enum sqlstate_class sqlstate_classify(const char *sqlstate);

#endif

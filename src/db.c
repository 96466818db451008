/*
 * db.c: the libpq wrapper (see db.h). Connections are made with
 * PQconnectStartParams and driven by poll() so that a signal or the
 * deadline stops a connection attempt at once; queries are sent
 * asynchronously for the same reason.
 */
#include "db.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "hostsfile.h"
#include "log.h"
#include "redact.h"
#include "signals.h"
#include "sqlstate.h"
#include "strbuf.h"
#include "xmem.h"

struct db {
	PGconn *conn;
	PGcancel *cancel;
	int lost;     /* the server ended the session (57P01, 08xxx) though libpq may not know yet */
	int shielded; /* db_exec_shielded is running: a signal does not cancel it */
	char *lexing; /* standard_conforming_strings and client_encoding at connect */
	long long sent_at; /* when the message now running was sent (clock_now_ms) */
	void (*on_wait)(void *arg, long long sent_at); /* db_on_wait's hook, or NULL */
	void *on_wait_arg;
	const struct db_copy_block *copy; /* db_copy_data's */
	size_t ncopy;
};

/* The settings with which the server lexes a query message, as it reports them now. */
static char *lexing_settings(PGconn *conn)
{
	const char *scs = PQparameterStatus(conn, "standard_conforming_strings");
	const char *enc = PQparameterStatus(conn, "client_encoding");
	return xasprintf("%s/%s", scs ? scs : "", enc ? enc : "");
}

/*
 * The cancel handle of the connection now running a statement, set and
 * cleared around each one (never while shielded), so that a signal cancels
 * that statement and no other connection can take it over.
 */
static PGcancel *volatile g_running;

/* signals.h's hook: PQcancel is async-signal-safe */
static void cancel_running(void)
{
	PGcancel *c = g_running;
	char buf[256];
	if (c)
		PQcancel(c, buf, sizeof(buf));
}

/* Returns the handle it replaced: a statement sent from a db_on_wait hook nests in another. */
static PGcancel *statement_begins(struct db *db)
{
	PGcancel *prev = g_running;
	signals_set_hook(cancel_running);
	g_running = db->shielded ? NULL : db->cancel;
	db->sent_at = clock_now_ms();
	return prev;
}

static void statement_ends(PGcancel *prev)
{
	g_running = prev;
}

int db_check_conninfo(const char *conninfo, struct pgb_error *err)
{
	if (!conninfo)
		return 0;
	const char *scheme = strstr(conninfo, "://");
	if (scheme && !strchr(conninfo, '=') && strncmp(conninfo, "postgres://", 11) != 0 &&
	    strncmp(conninfo, "postgresql://", 13) != 0) {
		pgb_fail(err, PGB_EXIT_CONFIG, "invalid connection string: the URL scheme \"%.*s\" is not postgres",
			 (int)(scheme - conninfo), conninfo);
		pgb_error_hint(err, "Use a URL that starts with \"postgres://\" or \"postgresql://\".");
		return -1;
	}
	if (conninfo_url_host_has_at(conninfo)) {
		pgb_fail(err, PGB_EXIT_CONFIG, "invalid connection string: the host part of the URL contains \"@\"");
		pgb_error_hint(err, "A \"@\" in the user name or password must be percent-encoded as %%40.");
		return -1;
	}
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
	if (opts) {
		PQconninfoFree(opts);
		return 0;
	}
	char *m = msg ? redact_echo(conninfo, msg) : xstrdup("out of memory");
	size_t n = strlen(m);
	while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
		m[--n] = '\0';
	pgb_fail(err, PGB_EXIT_CONFIG, "invalid connection string: %s", m);
	pgb_error_hint(err, "Use a URL such as \"postgres://user:password@host:5432/dbname\" or keywords such as "
			    "\"host=db dbname=app\".");
	free(m);
	PQfreemem(msg);
	return -1;
}

int db_conninfo_has(const char *conninfo, const char *kw)
{
	if (!conninfo)
		return 0;
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	int found = 0;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, kw) == 0 && o->val && *o->val)
			found = 1;
	PQconninfoFree(opts);
	return found;
}

/* "service=S host=H port=P user=U dbname=D": the named fields that are set, none of them a secret */
static void add_fields(struct strbuf *sb, const char *const *keys, const char *const *vals, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (vals[i] && *vals[i])
			strbuf_addf(sb, "%s%s=%s", sb->len ? " " : "", keys[i], vals[i]);
}

char *db_describe_target(const char *conninfo)
{
	if (conninfo)
		return redact_conninfo(conninfo);
	/* libpq's defaults as it will apply them: PGSERVICE's service file entry, then the PG* variables */
	static const char *const keys[] = {"service", "host", "hostaddr", "port", "user", "dbname"};
	const char *vals[sizeof(keys) / sizeof(keys[0])] = {0};
	PQconninfoOption *opts = PQconndefaults();
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(o->keyword, keys[i]) == 0)
				vals[i] = o->val;
	struct strbuf sb;
	strbuf_init(&sb);
	add_fields(&sb, keys, vals, sizeof(keys) / sizeof(keys[0]));
	strbuf_adds(&sb, sb.len ? " (libpq defaults)" : "libpq defaults");
	PQconninfoFree(opts);
	return strbuf_detach(&sb);
}

char *db_describe_connection(struct db *db)
{
	static const char *const keys[] = {"host", "port", "user", "dbname"};
	const char *vals[] = {PQhost(db->conn), PQport(db->conn), PQuser(db->conn), PQdb(db->conn)};
	struct strbuf sb;
	strbuf_init(&sb);
	add_fields(&sb, keys, vals, sizeof(keys) / sizeof(keys[0]));
	return strbuf_detach(&sb);
}

const char *db_host(struct db *db)
{
	const char *h = PQhost(db->conn);
	return h ? h : "";
}

const char *db_port(struct db *db)
{
	const char *p = PQport(db->conn);
	return p ? p : "";
}

/* Settings another client must not be given: secrets, pgboot's own choices, a host list's. */
static int child_skips(const char *kw)
{
	static const char *const skip[] = {"password", "sslpassword", "client_encoding", "application_name",
					   "fallback_application_name", "replication", "load_balance_hosts"};
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcmp(kw, skip[i]) == 0)
			return 1;
	return 0;
}

/* A keyword=value pair, the value quoted as libpq's conninfo reads it. */
static void add_quoted(struct strbuf *sb, const char *kw, const char *val)
{
	strbuf_addf(sb, "%s%s='", sb->len ? " " : "", kw);
	for (const char *p = val; *p; p++)
		strbuf_addf(sb, "%s%c", *p == '\\' || *p == '\'' ? "\\" : "", *p);
	strbuf_adds(sb, "'");
}

/*
 * 1 when the child's libpq reaches val for kw by itself (a compiled-in
 * default, or a PG* variable it inherits): left out, so a pg_dump whose
 * libpq is older than pgboot's is not handed a keyword it does not know.
 */
static int child_inherits(const PQconninfoOption *defs, const char *kw, const char *val)
{
	static const char *const always[] = {"host", "hostaddr", "port", "user", "dbname"};
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		if (strcmp(kw, always[i]) == 0)
			return 0;
	for (const PQconninfoOption *d = defs; d && d->keyword; d++)
		if (strcmp(d->keyword, kw) == 0)
			return d->val && strcmp(d->val, val) == 0;
	return 0;
}

/* The value the child gets for o: the host and port that answered rather than the list. */
static const char *child_value(PGconn *conn, const PQconninfoOption *o)
{
	if (strcmp(o->keyword, "host") == 0)
		return PQhost(conn);
	if (strcmp(o->keyword, "port") == 0)
		return PQport(conn);
	if (strcmp(o->keyword, "hostaddr") == 0)
		return PQhostaddr(conn);
	return o->val;
}

char *db_child_conninfo(struct db *db, char **password)
{
	struct strbuf sb;
	strbuf_init(&sb);
	PQconninfoOption *opts = PQconninfo(db->conn), *defs = PQconndefaults();
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		const char *val = o->val && *o->val ? child_value(db->conn, o) : NULL;
		if (val && *val && !child_skips(o->keyword) && !child_inherits(defs, o->keyword, val))
			add_quoted(&sb, o->keyword, val);
	}
	PQconninfoFree(defs);
	PQconninfoFree(opts);
	const char *pw = PQpass(db->conn);
	*password = pw && *pw ? xstrdup(pw) : NULL;
	return strbuf_detach(&sb);
}

int db_server_version(struct db *db)
{
	return PQserverVersion(db->conn);
}

/* Append line and a newline to sb unless sb holds that line already. */
static void add_line_once(struct strbuf *sb, const struct strbuf *line)
{
	for (size_t at = 0; at + line->len <= sb->len; at++) {
		if ((at == 0 || sb->buf[at - 1] == '\n') && memcmp(sb->buf + at, line->buf, line->len) == 0 &&
		    sb->buf[at + line->len] == '\n')
			return;
	}
	strbuf_add(sb, line->buf, line->len);
	strbuf_addc(sb, '\n');
}

/*
 * Drop libpq's trailing newline, LOCATION lines and repeated lines (libpq
 * reports one refusal twice when it tried twice); remove the SQLSTATE we
 * asked for.
 */
static char *clean_connect_message(const char *raw, char sqlstate[6])
{
	struct strbuf sb, line;
	strbuf_init(&sb);
	strbuf_init(&line);
	sqlstate[0] = '\0';
	const char *p = raw ? raw : "";
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		strbuf_reset(&line);
		if (strncmp(p, "LOCATION:", 9) != 0) {
			const char *sev = NULL;
			for (const char *s = p; s < p + n; s++)
				if ((!strncmp(s, "FATAL:  ", 8) || !strncmp(s, "ERROR:  ", 8)) && s + 14 <= p + n &&
				    s[13] == ':' && s[14] == ' ') {
					sev = s;
					break;
				}
			/* libpq's hints ("\tIs the server running ...?") go; the reason stays */
			if (sev) {
				if (!sqlstate[0])
					memcpy(sqlstate, sev + 8, 5), sqlstate[5] = '\0';
				strbuf_add(&line, p, (size_t)(sev - p));
				strbuf_add(&line, sev + 15, (size_t)(p + n - (sev + 15)));
			} else if (n && p[0] != '\t') {
				strbuf_add(&line, p, n);
			}
		}
		if (line.len)
			add_line_once(&sb, &line);
		p += n + (nl ? 1 : 0);
	}
	strbuf_free(&line);
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == ' '))
		sb.buf[--sb.len] = '\0';
	return strbuf_detach(&sb);
}

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

/* 1 when every line of msg (one per host libpq tried) contains needle */
static int only_lines_with(const char *msg, const char *needle)
{
	int any = 0;
	for (const char *p = msg; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *hit = strstr(p, needle);
		if (!hit || hit >= p + n)
			return 0;
		any = 1;
		p += n + (nl ? 1 : 0);
	}
	return any;
}

/* A failure libpq reports without a SQLSTATE: sort it by what libpq says. */
static enum db_connect_outcome classify_client_failure(const char *msg, int *code, const char **hint, int *fast)
{
	/* a name DNS may answer once it is up (a new pod) is waited for; first, for the message quotes the
	 * name, which may hold any word tested below ("db.invalid") */
	if (only_lines_with(msg, "could not translate host name")) {
		if (access("/etc/resolv.conf", F_OK) != 0)
			*hint = "There is no /etc/resolv.conf: the resolver asks a DNS server at 127.0.0.1 only. Mount "
				"one, or name the server by its address.";
		return DB_TRANSIENT;
	}
	if (contains(msg, "no password supplied") || contains(msg, "password is required")) {
		*code = PGB_EXIT_AUTH;
		return DB_PERMANENT;
	}
	/* no user name given and none for this uid: no /etc/passwd (scratch), or one without the uid */
	if (contains(msg, "could not look up local user") || contains(msg, "local user with ID")) {
		*code = PGB_EXIT_CONFIG;
		*hint = "This user ID has no /etc/passwd entry (a scratch image, or an image run with another "
			"--user): set user= in the connection string.";
		return DB_PERMANENT;
	}
	/* the client's own key: unreadable, too open, encrypted without (or with a wrong) sslpassword, not
	 * matching sslcert. The same on every attempt */
	if (contains(msg, "private key") || contains(msg, "SSL key")) {
		*code = PGB_EXIT_CONFIG;
		*hint = "Check sslkey and sslpassword: the key file must be readable by its owner only (chmod 0600), "
			"match sslcert, and when it is encrypted sslpassword must be its passphrase.";
		return DB_PERMANENT;
	}
	if (contains(msg, "definition of service") || contains(msg, "service file")) {
		*code = PGB_EXIT_CONFIG; /* PGSERVICE or service= names no entry, or the file is broken */
		return DB_PERMANENT;
	}
	if (contains(msg, "SSL was required") || contains(msg, "does not support SSL") || contains(msg, "certificate") ||
	    contains(msg, "sslmode") || contains(msg, "invalid")) {
		*code = PGB_EXIT_CONFIG;
		return DB_PERMANENT;
	}
	*fast = contains(msg, "Connection refused") || contains(msg, "No such file or directory") ||
		contains(msg, "closed the connection") || contains(msg, "Connection reset");
	return DB_TRANSIENT;
}

/* the server's MAX_STARTUP_PACKET_LENGTH: a longer startup packet is refused, whatever the attempt */
#define STARTUP_PACKET_MAX 10000

/*
 * The length of the startup packet libpq sent (fe-protocol3.c's
 * build_startup_packet, as the server counts it); *biggest names its
 * largest parameter. The server refuses one over STARTUP_PACKET_MAX with
 * "invalid length of startup packet" in its own log only: libpq just sees
 * the connection closed.
 */
static size_t startup_packet_length(PGconn *conn, const char **biggest, size_t *biggest_len)
{
	static const char *const sent[] = {"user", "dbname", "replication", "options", "client_encoding"};
	static const char *const env[][2] = {{"PGDATESTYLE", "datestyle"}, {"PGTZ", "timezone"}, {"PGGEQO", "geqo"}};
	size_t len = 4 + 1; /* the protocol version, the final terminator */
	const char *appname = NULL, *fallback = NULL;
	*biggest = NULL;
	*biggest_len = 0;
	PQconninfoOption *opts = PQconninfo(conn);
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (!o->val || !*o->val)
			continue;
		if (strcmp(o->keyword, "application_name") == 0)
			appname = o->val;
		else if (strcmp(o->keyword, "fallback_application_name") == 0)
			fallback = o->val;
		for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++)
			if (strcmp(o->keyword, sent[i]) == 0) {
				/* the packet says "database" for dbname */
				len += strlen(i == 1 ? "database" : o->keyword) + strlen(o->val) + 2;
				if (strlen(o->val) > *biggest_len)
					*biggest = sent[i], *biggest_len = strlen(o->val);
			}
	}
	const char *app = appname ? appname : fallback;
	if (app) {
		len += strlen("application_name") + strlen(app) + 2;
		if (strlen(app) > *biggest_len)
			*biggest = "application_name", *biggest_len = strlen(app);
	}
	PQconninfoFree(opts);
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
		const char *v = getenv(env[i][0]);
		if (v && strcasecmp(v, "default") != 0)
			len += strlen(env[i][1]) + strlen(v) + 2;
	}
	return len;
}

/* 1 (err filled) when the server closed the connection because the startup packet is too long. */
static int startup_packet_refused(PGconn *conn, const char *msg, struct pgb_error *err)
{
	const char *biggest;
	size_t biggest_len;
	if (!contains(msg, "closed the connection"))
		return 0;
	size_t len = startup_packet_length(conn, &biggest, &biggest_len);
	if (len <= STARTUP_PACKET_MAX)
		return 0;
	pgb_fail(err, PGB_EXIT_CONFIG,
		 "the server refuses the connection's startup packet: it is %zu bytes, more than the %d the server "
		 "accepts",
		 len, STARTUP_PACKET_MAX);
	pgb_error_detail(err, "The server logs \"invalid length of startup packet\" and closes the connection; "
			      "%s holds %zu bytes.",
			 biggest ? biggest : "the parameters", biggest_len);
	pgb_error_hint(err, "Shorten %s in the connection string.", biggest ? biggest : "the parameters");
	return 1;
}

/* The connection's host setting (connection string, service file or PGHOST), or NULL; the caller frees */
static char *host_setting(PGconn *conn)
{
	char *host = NULL;
	PQconninfoOption *opts = PQconninfo(conn);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "host") == 0 && o->val)
			host = xstrdup(o->val);
	PQconninfoFree(opts);
	return host;
}

/*
 * 1 (err filled) when libpq could not translate the one host, localhost, and
 * /etc/hosts does not list it: nothing will ever answer (hostsfile.h). Any
 * other name may be DNS not up yet in a new pod, and is waited for; so is a
 * list of hosts, of which another may come up.
 */
static int unresolvable_localhost(PGconn *conn, const char *msg, struct pgb_error *err)
{
	if (!contains(msg, "could not translate host name"))
		return 0;
	char *host = host_setting(conn);
	int localhost = hostsfile_is_localhost(host);
	free(host);
	if (!localhost)
		return 0;
	errno = 0;
	int listed = hostsfile_lists("/etc/hosts", "localhost");
	if (listed == 1)
		return 0;
	if (listed == 0)
		pgb_fail(err, PGB_EXIT_CONFIG, "host name \"localhost\" cannot be resolved: /etc/hosts does not list it");
	else if (errno == ENOENT)
		pgb_fail(err, PGB_EXIT_CONFIG, "host name \"localhost\" cannot be resolved: there is no /etc/hosts");
	else
		pgb_fail(err, PGB_EXIT_CONFIG, "host name \"localhost\" cannot be resolved: could not read /etc/hosts: %m");
	pgb_error_detail(err, "libpq: %s. The resolver looks localhost up in /etc/hosts, then asks DNS, which does not "
			      "answer for it: waiting will not help.",
			 msg);
	pgb_error_hint(err, "Use host=127.0.0.1 (or ::1) in the connection string, or give the container an /etc/hosts "
			    "with the line \"127.0.0.1 localhost\" (Docker, Podman and Kubernetes write one; a bare chroot "
			    "or --no-hosts has none).");
	return 1;
}

/*
 * Classify a failed connection attempt and fill err. Only "not available
 * yet" is worth waiting for: the server starting up, shutting down or in
 * recovery, out of connection slots or of resources. Any other reply of the
 * server (an unknown parameter in options=, a database that refuses
 * connections) will be the same on the next attempt.
 */
static enum db_connect_outcome classify_connect_failure(PGconn *conn, const char *conninfo, int *fast,
							struct pgb_error *err)
{
	char sqlstate[6];
	char *raw = clean_connect_message(PQerrorMessage(conn), sqlstate);
	char *msg = redact_echo(conninfo, raw); /* libpq quotes pieces of the connection string */
	free(raw);
	enum db_connect_outcome out = DB_PERMANENT;
	int code = PGB_EXIT_CONFIG;
	const char *hint = NULL;
	*fast = 0;
	switch (sqlstate_classify(sqlstate)) {
	case SQLSTATE_AUTH:
	case SQLSTATE_PERMISSION:
		code = PGB_EXIT_AUTH;
		break;
	case SQLSTATE_NO_DATABASE:
		break;
	case SQLSTATE_NONE:
		if (startup_packet_refused(conn, msg, err) || unresolvable_localhost(conn, msg, err)) {
			free(msg);
			return DB_PERMANENT;
		}
		out = classify_client_failure(msg, &code, &hint, fast);
		break;
	case SQLSTATE_TRANSIENT:
	case SQLSTATE_TERMINATED:
		*fast = 1; /* the server answered: starting up, shutting down, too many connections */
		out = DB_TRANSIENT;
		break;
	case SQLSTATE_SERVER_TROUBLE:
		out = DB_TRANSIENT;
		break;
	default:
		hint = "The server refused the connection for a reason that waiting will not fix: check the connection "
		       "string's options and parameters, and the database's settings.";
		break;
	}
	if (out == DB_TRANSIENT)
		code = PGB_EXIT_UNAVAILABLE;
	pgb_fail(err, code, "%s", msg);
	if (hint)
		pgb_error_hint(err, "%s", hint);
	memcpy(err->sqlstate, sqlstate, sizeof(sqlstate));
	free(msg);
	return out;
}

/* bytes of one field of a server message kept: a RAISE can make one as long as it likes */
#define SERVER_TEXT_MAX 2048

/* s cut at SERVER_TEXT_MAX bytes, saying how much was cut; the caller frees */
static char *server_text(const char *s)
{
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_add_cut(&sb, s ? s : "", SERVER_TEXT_MAX);
	return strbuf_detach(&sb);
}

static void notice_receiver(void *arg, const PGresult *res)
{
	(void)arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	enum log_level level = LOG_DEBUG;
	if (sev && (!strcmp(sev, "NOTICE") || !strcmp(sev, "INFO")))
		level = LOG_INFO;
	else if (sev && !strcmp(sev, "WARNING"))
		level = LOG_WARNING;
	char *m = server_text(msg);
	log_event(level, "server_notice", LOG_FIELDS(LF_STR("severity", sev)), "server %s: %s",
		  sev ? (strcmp(sev, "WARNING") ? "notice" : "warning") : "message", m);
	free(m);
}

/* Drive PQconnectPoll until done, the deadline or give_up. */
static PostgresPollingStatusType poll_connect(PGconn *conn, long long deadline, int (*give_up)(void *), void *arg,
					      int *interrupted)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	*interrupted = 0;
	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		if (give_up(arg)) {
			*interrupted = 1;
			return PGRES_POLLING_FAILED;
		}
		long long left = deadline - clock_now_ms();
		if (left <= 0)
			return PGRES_POLLING_ACTIVE; /* our "timed out" */
		struct pollfd p = {PQsocket(conn), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, 0};
		int r = poll(&p, 1, left < 100 ? (int)left : 100);
		if (r < 0 && errno != EINTR)
			return PGRES_POLLING_FAILED;
		if (r > 0)
			st = PQconnectPoll(conn);
	}
	return st;
}

/* A struct db around a connection made. */
static struct db *wrap_connection(PGconn *conn)
{
	PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);
	PQsetNoticeReceiver(conn, notice_receiver, NULL);
	struct db *db = xcalloc(1, sizeof(*db));
	db->conn = conn;
	db->lexing = lexing_settings(conn);
	db->cancel = PQgetCancel(conn);
	return db;
}

static int give_up_on_signal(void *arg)
{
	(void)arg;
	return signals_received() != 0;
}

enum db_connect_outcome db_connect(const char *conninfo, long long timeout_ms, int (*give_up)(void *arg), void *arg,
				   struct db **out, int *fast, struct pgb_error *err)
{
	/* files are UTF-8 and error positions count UTF-8 characters: after dbname, so it wins over a
	 * client_encoding in the connection string (or PGCLIENTENCODING), and the server applies it after options=-c */
	const char *keys[] = {"dbname", "client_encoding", "fallback_application_name", NULL};
	const char *vals[] = {conninfo ? conninfo : "", "UTF8", "pgboot", NULL};
	*out = NULL;
	*fast = 0;
	/* an encrypted sslkey gets sslpassword or nothing: OpenSSL's own callback would ask on the terminal */
	PQsetSSLKeyPassHook_OpenSSL(PQdefaultSSLKeyPassHook_OpenSSL);
	PGconn *conn = PQconnectStartParams(keys, vals, 1);
	if (!conn)
		return pgb_fail(err, PGB_EXIT_INTERNAL, "out of memory"), DB_PERMANENT;
	/* verbose errors carry the SQLSTATE of a refused connection, which libpq does not expose otherwise */
	PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
	int interrupted = 0;
	PostgresPollingStatusType st = PQstatus(conn) == CONNECTION_BAD ? PGRES_POLLING_FAILED
									: poll_connect(conn, clock_now_ms() + timeout_ms, give_up,
										       arg, &interrupted);
	if (interrupted) {
		PQfinish(conn);
		return DB_INTERRUPTED;
	}
	if (st == PGRES_POLLING_ACTIVE) {
		PQfinish(conn);
		pgb_fail(err, PGB_EXIT_UNAVAILABLE, "timeout expired while connecting");
		return DB_TIMEOUT;
	}
	if (st != PGRES_POLLING_OK || PQstatus(conn) != CONNECTION_OK) {
		enum db_connect_outcome o = classify_connect_failure(conn, conninfo, fast, err);
		PQfinish(conn);
		return o;
	}
	*out = wrap_connection(conn);
	return DB_CONNECTED;
}

/* The option a connection beside db gets for o, or NULL to leave it out. */
static const char *beside_value(PGconn *conn, const PQconninfoOption *o)
{
	static const char *const skip[] = {"application_name", "fallback_application_name", "client_encoding",
					   "replication", "load_balance_hosts", "target_session_attrs", "dbname"};
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcmp(o->keyword, skip[i]) == 0)
			return NULL;
	return o->val && *o->val ? child_value(conn, o) : NULL;
}

int db_connect_beside(struct db *db, const char *application_name, long long timeout_ms, struct db **out,
		      struct pgb_error *err)
{
	*out = NULL;
	PQconninfoOption *opts = PQconninfo(db->conn);
	size_t n = 0;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		n++;
	const char **keys = xcalloc(n + 4, sizeof(char *)), **vals = xcalloc(n + 4, sizeof(char *));
	size_t k = 0;
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		const char *v = beside_value(db->conn, o);
		if (v && *v)
			keys[k] = o->keyword, vals[k++] = v;
	}
	/* the database the session is in (a service file's or a pooler alias's name as libpq sent it) */
	keys[k] = "dbname", vals[k++] = PQdb(db->conn);
	keys[k] = "client_encoding", vals[k++] = "UTF8";
	keys[k] = "application_name", vals[k++] = application_name;
	PGconn *conn = PQconnectStartParams(keys, vals, 0);
	free(keys);
	free(vals);
	PQconninfoFree(opts);
	if (!conn)
		return pgb_fail(err, PGB_EXIT_INTERNAL, "out of memory");
	PQsetErrorVerbosity(conn, PQERRORS_VERBOSE); /* clean_connect_message drops the severity and SQLSTATE */
	int interrupted = 0;
	PostgresPollingStatusType st =
		PQstatus(conn) == CONNECTION_BAD
			? PGRES_POLLING_FAILED
			: poll_connect(conn, clock_now_ms() + timeout_ms, give_up_on_signal, NULL, &interrupted);
	if (st == PGRES_POLLING_OK && PQstatus(conn) == CONNECTION_OK) {
		*out = wrap_connection(conn);
		return 0;
	}
	char sqlstate[6];
	char *m = clean_connect_message(PQerrorMessage(conn), sqlstate);
	pgb_fail(err, PGB_EXIT_UNAVAILABLE, "%s",
		 interrupted ? "interrupted by a signal"
		 : st == PGRES_POLLING_ACTIVE ? "timeout expired while connecting"
		 : *m ? m : "could not connect");
	free(m);
	PQfinish(conn);
	return -1;
}

void db_on_wait(struct db *db, void (*hook)(void *arg, long long sent_at), void *arg)
{
	db->on_wait = hook;
	db->on_wait_arg = arg;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->cancel) {
		if (PQtransactionStatus(db->conn) == PQTRANS_ACTIVE) {
			char buf[256];
			PQcancel(db->cancel, buf, sizeof(buf));
		}
		PQfreeCancel(db->cancel);
	}
	PQfinish(db->conn);
	free(db->lexing);
	free(db);
}

/* Start out from r's row description: the command tag comes with the end of the set. */
static void begin_result(const PGresult *r, struct db_result *out)
{
	memset(out, 0, sizeof(*out));
	out->ncols = PQnfields(r);
	out->colnames = xcalloc((size_t)out->ncols + 1, sizeof(char *));
	out->coltypes = xcalloc((size_t)out->ncols + 1, sizeof(unsigned));
	for (int c = 0; c < out->ncols; c++) {
		out->colnames[c] = xstrdup(PQfname(r, c));
		out->coltypes[c] = PQftype(r, c);
	}
}

/* Count r's rows into out, keeping the first ones up to keep (-1: all). */
static void add_rows(const PGresult *r, struct db_result *out, int keep)
{
	int n = PQntuples(r);
	int take = keep < 0 ? n : keep - out->nrows;
	take = take < 0 ? 0 : take > n ? n : take;
	out->total += n;
	if (take == 0)
		return;
	size_t have = (size_t)out->nrows * (size_t)out->ncols;
	out->cells = xrealloc(out->cells, (have + (size_t)take * (size_t)out->ncols + 1) * sizeof(char *));
	for (int i = 0; i < take; i++)
		for (int c = 0; c < out->ncols; c++)
			out->cells[have + (size_t)i * (size_t)out->ncols + (size_t)c] =
				PQgetisnull(r, i, c) ? NULL : xstrdup(PQgetvalue(r, i, c));
	out->nrows += take;
}

/* Fill err from a failed result; an error already set is kept whole, as pgb_fail keeps it. */
static void fill_server_error(const PGresult *r, PGconn *conn, struct pgb_error *err)
{
	if (!err || err->code)
		return;
	const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (!primary) {
		char sqlstate[6];
		char *m = clean_connect_message(PQerrorMessage(conn), sqlstate);
		pgb_fail(err, PGB_EXIT_INTERNAL, "%s", *m ? m : "lost the connection to the server");
		free(m);
		if (!state)
			state = "08006";
	} else {
		char *m = server_text(primary);
		pgb_fail(err, PGB_EXIT_INTERNAL, "%s", m);
		free(m);
	}
	if (state)
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
	const char *f;
	if ((f = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL))) {
		char *detail = server_text(f);
		pgb_error_detail(err, "%s", detail);
		free(detail);
	}
	if ((f = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT))) {
		char *hint = server_text(f);
		pgb_error_hint(err, "%s", hint);
		free(hint);
	}
	if ((f = PQresultErrorField(r, PG_DIAG_CONTEXT)))
		err->context = server_text(f);
	if ((f = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION)))
		err->position = atoi(f);
	if ((f = PQresultErrorField(r, PG_DIAG_INTERNAL_POSITION)))
		err->internal_position = atoi(f);
}

static void lost_connection(PGconn *conn, struct pgb_error *err)
{
	if (!err || err->code)
		return;
	char sqlstate[6];
	char *m = clean_connect_message(PQerrorMessage(conn), sqlstate);
	pgb_fail(err, PGB_EXIT_UNAVAILABLE, "lost the connection to the server%s%s", *m ? ": " : "", m);
	memcpy(err->sqlstate, "08006", 6);
	free(m);
}

/* Wait until a result is ready without blocking signals out; cancels on a signal unless shielded. */
static int wait_result(struct db *db, struct pgb_error *err)
{
	PGconn *conn = db->conn;
	int canceled = db->shielded;
	while (PQisBusy(conn)) {
		if (signals_received() && !canceled) {
			char buf[256];
			if (db->cancel)
				PQcancel(db->cancel, buf, sizeof(buf));
			canceled = 1;
		}
		struct pollfd p = {PQsocket(conn), POLLIN, 0};
		int r = poll(&p, 1, 200);
		if (r < 0 && errno != EINTR) {
			lost_connection(conn, err);
			return -1;
		}
		if (r > 0 && !PQconsumeInput(conn)) {
			lost_connection(conn, err);
			return -1;
		}
		if (db->on_wait && !db->shielded && !canceled && PQisBusy(conn))
			db->on_wait(db->on_wait_arg, db->sent_at);
	}
	return 0;
}

/* End a COPY the server started that pgboot has no data for (one the file's text does not show), or one to STDOUT. */
static void refuse_copy(PGconn *conn, const PGresult *r, struct pgb_error *err)
{
	int in = PQresultStatus(r) == PGRES_COPY_IN;
	if (in)
		PQputCopyEnd(conn, "pgboot has no data for this COPY FROM STDIN");
	else {
		char *buf;
		while (PQgetCopyData(conn, &buf, 0) > 0)
			PQfreemem(buf);
	}
	if (!err || err->code)
		return;
	if (in) {
		pgb_fail(err, PGB_EXIT_MIGRATION, "COPY FROM STDIN with no data in the file");
		pgb_error_hint(err, "Only a COPY written in the file itself gets the lines after it up to \\. as its "
				    "data; one run by a function or an EXECUTE has none: use INSERT, or COPY from a file "
				    "on the server.");
	} else {
		pgb_fail(err, PGB_EXIT_MIGRATION, "COPY TO STDOUT is not supported");
		pgb_error_hint(err, "A migration has no one to send the rows to: COPY to a file on the server, or "
				    "drop the statement.");
	}
}

void db_copy_data(struct db *db, const struct db_copy_block *blocks, size_t n)
{
	db->copy = blocks;
	db->ncopy = n;
}

static int copy_lost(struct db *db, struct pgb_error *err)
{
	if (err && !err->code)
		lost_connection(db->conn, err);
	db->lost = 1;
	return -1;
}

/* The server started the k-th COPY FROM STDIN of the message: its data, then the end (or refuse it). */
static int give_copy_data(struct db *db, const PGresult *r, size_t k, struct pgb_error *err)
{
	if (PQresultStatus(r) != PGRES_COPY_IN || k >= db->ncopy) {
		refuse_copy(db->conn, r, err);
		return -1;
	}
	const struct db_copy_block *b = &db->copy[k];
	for (size_t at = 0; at < b->len;) {
		if (signals_received()) /* the server ends the COPY with this error (57014): the run stops as for a cancel */
			return PQputCopyEnd(db->conn, "canceled: pgboot received a signal") == 1 ? 0 : copy_lost(db, err);
		size_t n = b->len - at > 65536 ? 65536 : b->len - at;
		if (PQputCopyData(db->conn, b->data + at, (int)n) != 1)
			return copy_lost(db, err);
		at += n;
	}
	if (PQputCopyEnd(db->conn, NULL) != 1)
		return copy_lost(db, err);
	return 0;
}

/*
 * 1 when an error result ended the session: the server's FATAL or PANIC, or an
 * error libpq made up itself (no server message: the connection broke). An
 * ERROR never does, whatever its SQLSTATE: dblink and postgres_fdw raise 08xxx
 * and pass a remote 57P01 on as ERRORs of a session that lives on.
 */
static int session_ended(const PGresult *r)
{
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (!PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY))
		return 1;
	return sev && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0);
}

/*
 * The result sets of the query in flight, built as they arrive: in single-row
 * mode a set comes row by row and only the rows kept are copied.
 */
struct collector {
	struct db_result **results; /* NULL: none wanted */
	int *nresults;
	int keep;                   /* rows kept per set, -1 all */
	struct db_result open;      /* the set now arriving (ncols -1: none) */
	int completed;              /* statements that completed */
	db_each_fn *each;           /* db_exec_each's: handed each completed set instead of keeping it */
	void *each_arg;
};

/* A row or a whole set: returns 1 when a statement completed. */
static int collect_ok(struct collector *k, const PGresult *r, ExecStatusType st)
{
	int want = k->results || k->each;
	if (st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK) {
		if (want && k->open.ncols < 0)
			begin_result(r, &k->open);
		if (want)
			add_rows(r, &k->open, k->keep);
		if (st == PGRES_SINGLE_TUPLE)
			return 0;
	}
	k->completed++;
	if (!want)
		return 1;
	if (k->open.ncols < 0)
		begin_result(r, &k->open);
	k->open.command = xstrdup(PQcmdStatus((PGresult *)r));
	if (k->each) {
		k->each(k->each_arg, k->completed - 1, &k->open);
		db_result_free(&k->open);
		memset(&k->open, 0, sizeof(k->open));
		k->open.ncols = -1;
		return 1;
	}
	*k->results = xrealloc(*k->results, sizeof(struct db_result) * (size_t)(*k->nresults + 1));
	(*k->results)[(*k->nresults)++] = k->open;
	memset(&k->open, 0, sizeof(k->open));
	k->open.ncols = -1;
	return 1;
}

/* Collect every result of the query in flight; returns 0 or -1 with err. */
static int collect(struct db *db, struct collector *k, struct pgb_error *err)
{
	int failed = 0;
	size_t copies = 0; /* COPY FROM STDIN the server started so far */
	/* the caller's error, when already set, stays as it is: this call's failure only returns -1 */
	int fresh = err && !err->code;
	memset(&k->open, 0, sizeof(k->open));
	k->open.ncols = -1;
	k->completed = 0;
	for (;;) {
		if (wait_result(db, err)) {
			db->lost = 1; /* err may hold the server's FATAL from before: keep it, fix its code */
			failed = 1;
			break;
		}
		PGresult *r = PQgetResult(db->conn);
		if (!r)
			break;
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE) {
			if (!failed && fresh) {
				fill_server_error(r, db->conn, err);
				err->statement_index = k->completed;
			}
			if (session_ended(r))
				db->lost = 1;
			failed = 1;
		} else if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT) {
			if (failed)
				refuse_copy(db->conn, r, NULL);
			else if (give_copy_data(db, r, copies++, err) != 0)
				failed = 1;
		} else if (!failed && (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_SINGLE_TUPLE)) {
			collect_ok(k, r, st);
		}
		PQclear(r);
	}
	if (k->open.ncols >= 0)
		db_result_free(&k->open); /* a set an error cut short */
	if (!failed && PQstatus(db->conn) == CONNECTION_BAD) {
		lost_connection(db->conn, err);
		failed = 1;
	}
	/* whatever the server said last, a dead connection means the database went away; a
	 * FATAL that ended the session can come before libpq has seen the socket close */
	if (failed && fresh && (db->lost || PQstatus(db->conn) == CONNECTION_BAD)) {
		db->lost = 1;
		err->code = PGB_EXIT_UNAVAILABLE;
	}
	return failed ? -1 : 0;
}

/* Send sql (the simple protocol: one or more statements) as the running statement (statement_begins): 0 with
   *prev for statement_ends once its results are read, or -1 (the connection lost, err set). */
static int send_sql(struct db *db, const char *sql, PGcancel **prev, struct pgb_error *err)
{
	*prev = statement_begins(db);
	if (!PQsendQuery(db->conn, sql)) {
		statement_ends(*prev);
		lost_connection(db->conn, err);
		return -1;
	}
	return 0;
}

/* Send sql; rows stream in one at a time unless every row is wanted (keep -1). */
static int exec_keeping(struct db *db, const char *sql, int keep, struct db_result **results, int *nresults,
			struct pgb_error *err)
{
	struct db_result *res = NULL;
	int n = 0;
	PGcancel *prev;
	if (send_sql(db, sql, &prev, err) != 0)
		return -1;
	if (keep >= 0 || !results)
		PQsetSingleRowMode(db->conn);
	struct collector k = {results ? &res : NULL, &n, keep, {0}, 0, NULL, NULL};
	int rc = collect(db, &k, err);
	statement_ends(prev);
	if (results) {
		*results = res;
		*nresults = n;
	}
	return rc;
}

int db_exec_each(struct db *db, const char *sql, db_each_fn *each, void *arg, struct pgb_error *err)
{
	int n = 0;
	PGcancel *prev;
	if (send_sql(db, sql, &prev, err) != 0)
		return -1;
	PQsetSingleRowMode(db->conn); /* a file's rows stream in and are dropped: the first one of each set is kept */
	struct collector k = {NULL, &n, 1, {0}, 0, each, arg};
	int rc = collect(db, &k, err);
	statement_ends(prev);
	return rc;
}

int db_exec(struct db *db, const char *sql, struct db_result **results, int *nresults, struct pgb_error *err)
{
	return exec_keeping(db, sql, -1, results, nresults, err);
}

int db_exec_rows(struct db *db, const char *sql, int keep, struct db_result **results, int *nresults,
		 struct pgb_error *err)
{
	return exec_keeping(db, sql, keep < 0 ? 0 : keep, results, nresults, err);
}

int db_exec_shielded(struct db *db, const char *sql, struct pgb_error *err)
{
	db->shielded = 1;
	int rc = db_exec(db, sql, NULL, NULL, err);
	db->shielded = 0;
	return rc;
}

int db_query(struct db *db, const char *sql, int nparams, const char *const *params, struct db_result *res,
	     struct pgb_error *err)
{
	struct db_result *all = NULL;
	int n = 0;
	PGcancel *prev = statement_begins(db);
	if (!PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0)) {
		statement_ends(prev);
		lost_connection(db->conn, err);
		return -1;
	}
	struct collector k = {&all, &n, -1, {0}, 0, NULL, NULL};
	int rc = collect(db, &k, err);
	statement_ends(prev);
	if (rc == 0 && res) {
		if (n > 0) {
			*res = all[0];
			memset(&all[0], 0, sizeof(all[0]));
		} else {
			memset(res, 0, sizeof(*res));
		}
	}
	db_results_free(all, n);
	return rc;
}

void db_result_free(struct db_result *res)
{
	if (!res)
		return;
	free(res->command);
	for (int c = 0; c < res->ncols && res->colnames; c++)
		free(res->colnames[c]);
	for (int i = 0; res->cells && i < res->nrows * res->ncols; i++)
		free(res->cells[i]);
	free(res->colnames);
	free(res->coltypes);
	free(res->cells);
	memset(res, 0, sizeof(*res));
}

void db_results_free(struct db_result *results, int n)
{
	for (int i = 0; i < n; i++)
		db_result_free(&results[i]);
	free(results);
}

const char *db_cell(const struct db_result *res, int row, int col)
{
	if (!res || row < 0 || row >= res->nrows || col < 0 || col >= res->ncols)
		return NULL;
	return res->cells[row * res->ncols + col];
}

int db_in_transaction(struct db *db)
{
	PGTransactionStatusType t = PQtransactionStatus(db->conn);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

int db_alive(struct db *db)
{
	return db && !db->lost && PQstatus(db->conn) == CONNECTION_OK;
}

void db_rollback_if_needed(struct db *db)
{
	if (!db_alive(db) || !db_in_transaction(db))
		return;
	struct pgb_error err;
	pgb_error_init(&err);
	if (db_exec(db, "ROLLBACK", NULL, NULL, &err))
		log_debug("rollback_failed", "could not roll back: %s", err.message);
	pgb_error_free(&err);
}

/* libpq could not escape: text invalid in the client encoding (UTF8), or out of memory */
static char *quote_failed(struct db *db, const char *what, struct pgb_error *err)
{
	char sqlstate[6];
	char *m = clean_connect_message(PQerrorMessage(db->conn), sqlstate);
	pgb_fail(err, PGB_EXIT_INTERNAL, "could not quote %s for SQL: %s", what, *m ? m : "out of memory");
	free(m);
	return NULL;
}

char *db_quote_ident(struct db *db, const char *s, struct pgb_error *err)
{
	char *q = PQescapeIdentifier(db->conn, s, strlen(s));
	if (!q)
		return quote_failed(db, "an identifier", err);
	char *r = xstrdup(q);
	PQfreemem(q);
	return r;
}

char *db_quote_literal(struct db *db, const char *s, size_t len, struct pgb_error *err)
{
	char *q = PQescapeLiteral(db->conn, s, len);
	if (!q)
		return quote_failed(db, "a literal", err);
	char *r = xstrdup(q);
	PQfreemem(q);
	return r;
}

const char *db_database(struct db *db)
{
	return PQdb(db->conn);
}

const char *db_parameter(struct db *db, const char *name)
{
	const char *v = PQparameterStatus(db->conn, name);
	return v ? v : "";
}

int db_lexes_as_connected(struct db *db)
{
	char *now = lexing_settings(db->conn);
	int same = strcmp(now, db->lexing) == 0;
	free(now);
	return same;
}

int db_backend_pid(struct db *db)
{
	return PQbackendPID(db->conn);
}

int db_used_password(struct db *db, const char *pw)
{
	const char *used = PQpass(db->conn);
	return pw && *pw && PQconnectionUsedPassword(db->conn) && used && strcmp(used, pw) == 0;
}

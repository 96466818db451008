/*
 * backup.c: the pg_dump before a rollback or a reset (see backup.h). The
 * children run with posix_spawn, their output read through a pipe while
 * the signal flag is watched: a signal ends the child (SIGTERM, then
 * SIGKILL) and the run stops with 128+N.
 */
#include "backup.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "pathfind.h"
#include "redact.h"
#include "signals.h"
#include "strbuf.h"
#include "xmem.h"

extern char **environ;

#define OUTPUT_MAX (64 * 1024) /* what is kept of a child's output */
#define POLL_MS 100
#define KILL_GRACE_MS 5000

/* a child and what it printed (standard output and error together) */
struct child {
	const char *name; /* "pg_dump", for messages */
	char *path;
	char **argv;
	char **envp;
	struct strbuf out;
	int status;
};

/* ---- finding the programs --------------------------------------------------- */

static char *major_text(int num)
{
	return num >= 100000 ? xasprintf("%d", num / 10000) : xasprintf("%d.%d", num / 10000, num / 100 % 100);
}

static int missing(const char *name, int server, struct pgb_error *err)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "could not find \"%s\" on PATH: --save-backup needs it; nothing was changed", name);
	char *v = major_text(server);
	pgb_error_hint(err, "Install the PostgreSQL %s client in the image (Debian: postgresql-client-%s, Alpine: "
			    "postgresql%s-client), or take the backup without it: run the postgres:%s image's pg_dump "
			    "in a one-off container, then pgboot without --save-backup.",
		       v, v, v, v);
	free(v);
	return -1;
}

/* ---- running a child ------------------------------------------------------------ */

/* The environment less pgboot's secrets, with PGPASSWORD = password when there is one. */
static char **child_environment(const char *password)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **envp = xcalloc(n + 2, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *e = environ[i];
		if (strncmp(e, "PGBOOT_", 7) == 0 || strncmp(e, "DATABASE_URL=", 13) == 0 ||
		    strncmp(e, "PGPASSWORD=", 11) == 0)
			continue;
		envp[k++] = xstrdup(e);
	}
	if (password)
		envp[k++] = xasprintf("PGPASSWORD=%s", password);
	return envp;
}

static void free_environment(char **envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		secret_free(envp[i]);
	free(envp);
}

static int spawn_child(struct child *c, int fd_out, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t def, none;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd_out, 1);
	posix_spawn_file_actions_adddup2(&fa, fd_out, 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&def);
	sigaddset(&def, SIGTERM), sigaddset(&def, SIGINT), sigaddset(&def, SIGQUIT), sigaddset(&def, SIGPIPE);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	int rc = posix_spawn(pid, c->path, &fa, &attr, c->argv, c->envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* A signal arrived: end the child, SIGKILL after a grace period, and reap it. */
static void end_child(pid_t pid)
{
	kill(pid, SIGTERM);
	long long deadline = clock_now_ms() + KILL_GRACE_MS;
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (clock_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
		usleep(10000);
	}
}

/* Read the child's output until it closes it; 1 when a signal came first. */
static int read_output(struct child *c, int fd)
{
	char buf[4096];
	struct pollfd p = {fd, POLLIN, 0};
	for (;;) {
		if (signals_received())
			return 1;
		int r = poll(&p, 1, POLL_MS);
		if (r <= 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return 0;
		if (n > 0 && c->out.len < OUTPUT_MAX)
			strbuf_add(&c->out, buf, (size_t)n);
	}
}

static int reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Run c to its end: 0 with c->status, or -1 with err (70 when it cannot start, 128+N on a signal). */
static int run_child(struct child *c, struct pgb_error *err)
{
	int fds[2];
	pid_t pid;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return pgb_fail(err, PGB_EXIT_INTERNAL, "could not create a pipe for \"%s\": %m", c->name);
	int rc = spawn_child(c, fds[1], &pid);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		errno = rc;
		return pgb_fail(err, PGB_EXIT_INTERNAL, "could not run \"%s\": %m", c->path);
	}
	int interrupted = read_output(c, fds[0]);
	close(fds[0]);
	if (interrupted) {
		end_child(pid);
		return pgb_fail_signal(err, signals_received(), "while \"%s\" ran; nothing was changed", c->name);
	}
	if (reap(pid, &c->status))
		return pgb_fail(err, PGB_EXIT_INTERNAL, "could not wait for \"%s\": %m", c->name);
	if (signals_received())
		return pgb_fail_signal(err, signals_received(), "while \"%s\" ran; nothing was changed", c->name);
	return 0;
}

/* "exited with status 1", "was terminated by signal 9" */
static char *describe_status(int status)
{
	if (WIFEXITED(status))
		return xasprintf("exited with status %d", WEXITSTATUS(status));
	return xasprintf("was terminated by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* 69: c failed; its output, passwords masked, in the detail. */
static int child_failed(const struct child *c, const char *what, const char *conninfo, struct pgb_error *err)
{
	char *st = describe_status(c->status);
	char *text = redact_echo(conninfo, c->out.len ? c->out.buf : "");
	char *masked = log_mask(text);
	pgb_fail(err, PGB_EXIT_UNAVAILABLE, "%s: \"%s\" %s; nothing was changed", what, c->name, st);
	if (*masked)
		pgb_error_detail(err, "%s", masked);
	free(masked);
	free(text);
	free(st);
	return -1;
}

/* ---- the version ---------------------------------------------------------------- */

int backup_parse_version(const char *text)
{
	for (const char *p = text; *p; p++) {
		if (!isdigit((unsigned char)*p) || (p > text && p[-1] != ' '))
			continue;
		char *end;
		long major = strtol(p, &end, 10);
		long minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
		if (major <= 0 || major > 1000)
			return -1;
		return major >= 10 ? (int)major * 10000 : (int)(major * 10000 + minor * 100);
	}
	return -1;
}

/* PostgreSQL's way of writing a server_version_num major: "15", "9.6". */
static int too_old(const char *path, const char *version, int server, struct pgb_error *err)
{
	char *s = major_text(server);
	pgb_fail(err, PGB_EXIT_CONFIG, "\"%s\" is older than the server: %s cannot dump PostgreSQL %s; nothing was changed",
		 path, version, s);
	pgb_error_hint(err, "Put a pg_dump of major version %s or newer first on PATH (Debian: postgresql-client-%s), "
			    "or run the postgres:%s image's pg_dump in a one-off container.", s, s, s);
	free(s);
	return -1;
}

/* 78 unless pg_dump's major version is at least the server's. */
static int check_version(char *pg_dump, char **envp, int server, struct pgb_error *err)
{
	char *argv[] = {pg_dump, "--version", NULL};
	struct child c = {"pg_dump", pg_dump, argv, envp, {0}, 0};
	strbuf_init(&c.out);
	int rc = run_child(&c, err);
	if (rc == 0 && (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0))
		rc = child_failed(&c, "could not read the version of pg_dump", NULL, err);
	char *line = rc == 0 ? xstrndup(c.out.buf, strcspn(c.out.buf, "\n")) : NULL;
	int have = line ? backup_parse_version(line) : 0;
	if (rc == 0 && have < 0)
		rc = pgb_fail(err, PGB_EXIT_CONFIG, "could not read the version of \"%s\" from \"%s\"", pg_dump, line);
	int major = server >= 100000 ? server / 10000 * 10000 : server / 100 * 100;
	if (rc == 0 && have < major)
		rc = too_old(pg_dump, line, server, err);
	free(line);
	strbuf_free(&c.out);
	return rc;
}

/* ---- dump and check --------------------------------------------------------------- */

/* 1 when pg_restore --list printed at least one entry (a line that is not a comment). */
static int toc_has_entries(const char *toc)
{
	for (const char *p = toc; *p;) {
		size_t n = strcspn(p, "\n");
		if (n > 0 && *p != ';')
			return 1;
		p += n + (p[n] == '\n');
	}
	return 0;
}

static int dump(char *pg_dump, char **envp, const char *tmp, const char *child_conninfo, const char *conninfo,
		struct pgb_error *err)
{
	char *file = xasprintf("--file=%s", tmp), *dbname = xasprintf("--dbname=%s", child_conninfo);
	char *argv[] = {pg_dump, "--format=custom", "--no-password", file, dbname, NULL};
	struct child c = {"pg_dump", pg_dump, argv, envp, {0}, 0};
	strbuf_init(&c.out);
	int rc = run_child(&c, err);
	if (rc == 0 && (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0))
		rc = child_failed(&c, "could not save the backup", conninfo, err);
	strbuf_free(&c.out);
	free(dbname);
	free(file);
	return rc;
}

static int check_archive(char *pg_restore, char **envp, const char *tmp, struct pgb_error *err)
{
	char *argv[] = {pg_restore, "--list", (char *)tmp, NULL};
	struct child c = {"pg_restore", pg_restore, argv, envp, {0}, 0};
	strbuf_init(&c.out);
	int rc = run_child(&c, err);
	if (rc == 0 && (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0))
		rc = child_failed(&c, "the backup is incomplete", NULL, err);
	else if (rc == 0 && !toc_has_entries(c.out.len ? c.out.buf : ""))
		rc = pgb_fail(err, PGB_EXIT_UNAVAILABLE, "the backup is incomplete: \"pg_restore --list\" shows no entry "
							 "in \"%s\"; nothing was changed", tmp);
	strbuf_free(&c.out);
	return rc;
}

/* An existing backup is never replaced: it may be the only copy of what an earlier rollback dropped. */
static int refuse_existing(const char *file, struct pgb_error *err)
{
	struct stat st;
	if (lstat(file, &st) != 0 && errno == ENOENT)
		return 0;
	pgb_fail(err, PGB_EXIT_CONFIG, "backup file \"%s\" exists; pgboot does not overwrite a backup; nothing was changed",
		 file);
	pgb_error_hint(err, "Give --save-backup a new file name (with the date, say), or move the old backup away.");
	return -1;
}

/* The file pg_dump writes: created afresh, readable by its owner only (a dump holds every row). */
static int create_private(const char *tmp, struct pgb_error *err)
{
	unlink(tmp); /* left by a killed run; a symbolic link there is removed, never followed */
	int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return pgb_fail(err, PGB_EXIT_CONFIG, "could not create \"%s\": %m; nothing was changed", tmp);
	close(fd);
	return 0;
}

/* Move the checked dump to file, never over a file that appeared meanwhile. */
static int publish(const char *tmp, const char *file, struct pgb_error *err)
{
	if (link(tmp, file) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno == EEXIST)
		return refuse_existing(file, err);
	/* a file system without hard links: rename, after one more look */
	if (refuse_existing(file, err))
		return -1;
	if (rename(tmp, file) == 0)
		return 0;
	return pgb_fail(err, PGB_EXIT_UNAVAILABLE, "could not rename \"%s\" to \"%s\": %m; nothing was changed", tmp, file);
}

/* Dump to tmp, check it, move it to file. */
static int dump_checked(char *pg_dump, char *pg_restore, const struct backup_conn *bc, const char *file,
			struct pgb_error *err)
{
	char **envp = child_environment(bc->password);
	char *tmp = xasprintf("%s.partial", file);
	int rc = check_version(pg_dump, envp, bc->server_version, err);
	if (rc == 0)
		rc = create_private(tmp, err);
	if (rc == 0)
		rc = dump(pg_dump, envp, tmp, bc->conninfo, bc->shown, err);
	if (rc == 0)
		rc = check_archive(pg_restore, envp, tmp, err);
	if (rc == 0)
		rc = publish(tmp, file, err);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	free_environment(envp);
	return rc;
}

int backup_save(const struct backup_conn *bc, const char *file, struct pgb_error *err)
{
	long long t = clock_now_ms();
	char *pg_dump = path_find_program("pg_dump"), *pg_restore = path_find_program("pg_restore");
	int rc;
	if (refuse_existing(file, err))
		rc = -1;
	else if (!pg_dump)
		rc = missing("pg_dump", bc->server_version, err);
	else if (!pg_restore)
		rc = missing("pg_restore", bc->server_version, err);
	else
		rc = dump_checked(pg_dump, pg_restore, bc, file, err);
	if (rc == 0)
		log_event(LOG_INFO, "backup_saved", LOG_FIELDS(LF_STR("file", file), LF_INT("ms", clock_now_ms() - t)),
			  "saved the backup \"%s\" with %s in %lld ms", file, pg_dump, clock_now_ms() - t);
	free(pg_dump);
	free(pg_restore);
	return rc;
}

/*
 * Unit tests: db.c against a fake server. A forked child listens on a Unix
 * socket in a temporary directory and speaks just enough of the protocol
 * (startup, AuthenticationOk, ReadyForQuery, then one canned answer to
 * every query), so the paths a real server rarely takes can be tested
 * without one: an error over an error that is already set, a connection
 * lost mid-query, text libpq cannot escape.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "db.h"
#include "xmem.h"

enum fake_answer {
	FAKE_ERROR, /* an ErrorResponse with every field, then ReadyForQuery */
	FAKE_CLOSE  /* close the connection without a word */
};

struct fake {
	char dir[64];
	char path[100];
	pid_t pid;
};

static int put(int fd, char type, const char *body, size_t n)
{
	unsigned char hdr[5];
	uint32_t len = (uint32_t)n + 4;
	hdr[0] = (unsigned char)type;
	hdr[1] = (unsigned char)(len >> 24), hdr[2] = (unsigned char)(len >> 16);
	hdr[3] = (unsigned char)(len >> 8), hdr[4] = (unsigned char)len;
	return write(fd, hdr, 5) == 5 && (n == 0 || write(fd, body, n) == (ssize_t)n) ? 0 : -1;
}

static int get_exact(int fd, unsigned char *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Read and drop n bytes of a message body. */
static int skip(int fd, uint32_t n)
{
	unsigned char buf[512];
	while (n) {
		uint32_t k = n < sizeof(buf) ? n : (uint32_t)sizeof(buf);
		if (get_exact(fd, buf, k))
			return -1;
		n -= k;
	}
	return 0;
}

static int handshake(int fd)
{
	static const char params[] = "client_encoding\0UTF8\0";
	static const char version[] = "server_version\0" "15.0\0";
	static const char ok[4] = {0, 0, 0, 0}, key[8] = {0, 0, 0, 42, 0, 0, 0, 7};
	unsigned char hdr[8];
	if (get_exact(fd, hdr, 8) || skip(fd, be32(hdr) - 8))
		return -1;
	return put(fd, 'R', ok, 4) || put(fd, 'S', params, sizeof(params) - 1) ||
			       put(fd, 'S', version, sizeof(version) - 1) || put(fd, 'K', key, 8) ||
			       put(fd, 'Z', "I", 1)
		       ? -1
		       : 0;
}

static void answer_error(int fd)
{
	static const char fields[] = "SERROR\0VERROR\0C42P01\0Mrelation \"nope\" does not exist\0"
				     "Dthe detail\0Hthe hint\0Wthe context\0P15\0";
	put(fd, 'E', fields, sizeof(fields)); /* the array's own NUL ends the field list */
	put(fd, 'Z', "I", 1);
}

static void serve(int lfd, enum fake_answer answer)
{
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0 || handshake(fd))
		_exit(1);
	for (;;) {
		unsigned char hdr[5];
		if (get_exact(fd, hdr, 5) || hdr[0] == 'X' || skip(fd, be32(hdr + 1) - 4))
			_exit(0);
		if (answer == FAKE_CLOSE)
			_exit(0);
		answer_error(fd);
	}
}

static int fake_start(struct fake *f, enum fake_answer answer)
{
	strcpy(f->dir, "/tmp/pgboot-fake-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/.s.PGSQL.5432", f->dir);
	struct sockaddr_un a;
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", f->path);
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1))
		return -1;
	f->pid = fork();
	if (f->pid == 0)
		serve(lfd, answer);
	close(lfd);
	return f->pid > 0 ? 0 : -1;
}

static void fake_stop(struct fake *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
	}
	unlink(f->path);
	rmdir(f->dir);
}

/* Connect to the fake server; NULL on failure (the check says so). */
static struct db *fake_connect(struct fake *f, enum fake_answer answer)
{
	struct db *db = NULL;
	struct pgb_error err;
	pgb_error_init(&err);
	int fast;
	CHECK(fake_start(f, answer) == 0);
	char *conninfo = xasprintf("host=%s port=5432 user=u dbname=d sslmode=disable gssencmode=disable", f->dir);
	CHECK(db_connect(conninfo, 5000, &db, &fast, &err) == DB_CONNECTED);
	free(conninfo);
	pgb_error_free(&err);
	return db;
}

TEST(db_server_error_fills_every_part)
{
	struct fake f;
	struct db *db = fake_connect(&f, FAKE_ERROR);
	struct pgb_error err;
	pgb_error_init(&err);
	if (db) {
		CHECK(db_exec(db, "SELECT nope", NULL, NULL, &err) == -1);
		CHECK_STR(err.message, "relation \"nope\" does not exist");
		CHECK_STR(err.sqlstate, "42P01");
		CHECK_STR(err.detail, "the detail");
		CHECK_STR(err.hint, "the hint");
		CHECK_STR(err.context, "the context");
		CHECK_INT(err.position, 15);
		CHECK_INT(err.statement_index, 0);
	}
	pgb_error_free(&err);
	db_close(db);
	fake_stop(&f);
}

TEST(db_server_error_keeps_the_first_error)
{
	struct fake f;
	struct db *db = fake_connect(&f, FAKE_ERROR);
	struct pgb_error err;
	pgb_error_init(&err);
	pgb_fail(&err, PGB_EXIT_MIGRATION, "the first error");
	memcpy(err.sqlstate, "23505", 6);
	err.statement_index = 3;
	if (db) {
		CHECK(db_exec(db, "SELECT nope", NULL, NULL, &err) == -1);
		CHECK_INT(err.code, PGB_EXIT_MIGRATION);
		CHECK_STR(err.message, "the first error");
		CHECK_STR(err.sqlstate, "23505");
		CHECK(err.detail == NULL && err.hint == NULL && err.context == NULL);
		CHECK_INT(err.position, 0);
		CHECK_INT(err.statement_index, 3);
	}
	pgb_error_free(&err);
	db_close(db);
	fake_stop(&f);
}

TEST(db_lost_connection_keeps_the_first_error)
{
	struct fake f;
	struct db *db = fake_connect(&f, FAKE_CLOSE);
	struct pgb_error err;
	pgb_error_init(&err);
	pgb_fail(&err, PGB_EXIT_MIGRATION, "the first error");
	memcpy(err.sqlstate, "23505", 6);
	if (db) {
		CHECK(db_exec(db, "SELECT 1", NULL, NULL, &err) == -1);
		CHECK_INT(err.code, PGB_EXIT_MIGRATION);
		CHECK_STR(err.message, "the first error");
		CHECK_STR(err.sqlstate, "23505");
	}
	pgb_error_free(&err);
	db_close(db);
	fake_stop(&f);
}

/* termlog.c: the termination log (see termlog.h). */
#include "termlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "xmem.h"

#define DEFAULT_PATH "/dev/termination-log"

static char *g_path;
static int g_create; /* the path was given: create the file when missing */

void termlog_init(void)
{
	const char *path = getenv("PGBOOT_TERMINATION_LOG");
	free(g_path);
	g_path = xstrdup(path ? path : DEFAULT_PATH);
	/* Kubernetes mounts the default path; on any other host pgboot must not create files in /dev */
	g_create = path != NULL;
}

static char *summary(const char *what, int ready, int code, const struct pgb_error *err)
{
	const char *msg = err && err->message ? err->message : "";
	if (code == 0 && ready)
		return xstrdup("pgboot: database ready");
	if (code == 0)
		return xasprintf("pgboot: %s done", what ? what : "");
	if (err && err->file)
		return xasprintf("pgboot: exit %d: %s: %s", code, err->file, msg);
	return xasprintf("pgboot: exit %d: %s", code, msg);
}

/* Open the file for writing without blocking; -1 when it is missing-and-uncreatable or not a file to write. */
static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | (g_create ? O_CREAT : 0) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);
	if (fd < 0) {
		/* a FIFO nobody reads: ENXIO; a missing directory or a read-only one is ordinary outside Kubernetes */
		if (errno == ENXIO || errno == EISDIR)
			log_event(LOG_WARNING, "termination_log", LOG_FIELDS(LF_STR("path", path)),
				  "could not write the termination log \"%s\": %s", path,
				  errno == ENXIO ? "it is a FIFO with no reader" : strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		log_event(LOG_WARNING, "termination_log", LOG_FIELDS(LF_STR("path", path)),
			  "not writing the termination log \"%s\": not a regular file or a character device", path);
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void termlog_write(const char *what, int ready, int code, const struct pgb_error *err)
{
	if (!g_path || !*g_path)
		return;
	int fd = open_log(g_path);
	if (fd < 0)
		return;
	char *line = summary(what, ready, code, err);
	char *masked = log_mask(line);
	for (char *p = masked; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	size_t len = strlen(masked);
	masked = xrealloc(masked, len + 2);
	memcpy(masked + len, "\n", 2);
	ssize_t n = write(fd, masked, len + 1);
	(void)n;
	free(masked);
	free(line);
	close(fd);
}

/* exec.c: become the app (see exec.h). */
#include "exec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "pathfind.h"
#include "progress.h"
#include "signals.h"
#include "xmem.h"

#define SHEBANG_MAX 256

/*
 * The interpreter a script's "#!" line names, as the kernel reads it (up to
 * a space, a tab or the newline; a '\r' of CRLF line endings stays part of
 * it), or NULL when file does not start with "#!".
 */
static char *shebang_interpreter(const char *file)
{
	FILE *f = fopen(file, "rb");
	if (!f)
		return NULL;
	char buf[SHEBANG_MAX + 1];
	size_t n = fread(buf, 1, SHEBANG_MAX, f);
	fclose(f);
	buf[n] = '\0';
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return NULL;
	const char *p = buf + 2;
	p += strspn(p, " \t");
	size_t len = strcspn(p, " \t\n");
	return len ? xstrndup(p, len) : NULL;
}

/* ENOENT for a file that exists: a "#!" line naming a missing interpreter. 0 when that is not it. */
static int explain_missing_interpreter(const char *name, struct pgb_error *err)
{
	char *file = path_find_program(name);
	char *interp = file ? shebang_interpreter(file) : NULL;
	if (!interp) {
		free(file);
		return 0;
	}
	size_t len = strlen(interp);
	int cr = interp[len - 1] == '\r';
	pgb_fail(err, PGB_EXIT_NOEXEC, "could not execute the app \"%s\": its interpreter \"%s\" does not exist", file,
		 interp);
	if (cr) {
		pgb_error_detail(err, "The \"#!\" line ends in a carriage return: the script has Windows (CRLF) line "
				      "endings.");
		pgb_error_hint(err, "Convert the script to Unix line endings (dos2unix, or git's core.autocrlf=input).");
	} else {
		pgb_error_hint(err, "Install the interpreter in the image, or fix the script's \"#!\" line.");
	}
	free(interp);
	free(file);
	return 1;
}

int exec_app(char **argv, int owner_password, struct pgb_error *err)
{
	log_event(LOG_INFO, "exec", LOG_FIELDS(LF_STR("app", argv[0])), "starting %s", argv[0]);
	config_scrub_environment(owner_password);
	progress_close(); /* disconnect closed it; no second session outlives pgboot into the app */
	log_forget_secrets();
	signals_restore();
	execvp(argv[0], argv);
	int e = errno;
	if (e == ENOENT && explain_missing_interpreter(argv[0], err))
		return -1;
	errno = e;
	if (e == ENOENT || e == ENOTDIR)
		return pgb_fail(err, PGB_EXIT_NOTFOUND, "could not find the app \"%s\": %m", argv[0]);
	return pgb_fail(err, PGB_EXIT_NOEXEC, "could not execute the app \"%s\": %m", argv[0]);
}

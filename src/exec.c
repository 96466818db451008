/* exec.c: become the app (see exec.h). */
#include "exec.h"

#include <errno.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "signals.h"

int exec_app(char **argv, int owner_password, struct pgb_error *err)
{
	log_event(LOG_INFO, "exec", LOG_FIELDS(LF_STR("app", argv[0])), "starting %s", argv[0]);
	config_scrub_environment(owner_password);
	log_forget_secrets();
	signals_restore();
	execvp(argv[0], argv);
	int e = errno;
	if (e == ENOENT || e == ENOTDIR)
		return pgb_fail(err, PGB_EXIT_NOTFOUND, "could not find the app \"%s\": %m", argv[0]);
	return pgb_fail(err, PGB_EXIT_NOEXEC, "could not execute the app \"%s\": %m", argv[0]);
}

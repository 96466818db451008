/*
 * termlog.h: the one-line summary pgboot leaves where Kubernetes shows it
 * ("kubectl describe pod"): PGBOOT_TERMINATION_LOG, default
 * /dev/termination-log. Written for every exit that is not an exec (an app
 * that starts owns the file), usage and configuration errors and an app
 * that cannot be exec'd (126/127) included. A path set in
 * PGBOOT_TERMINATION_LOG is created when missing and the directory allows
 * it; the default is written only when it exists (Kubernetes mounts it; on
 * any other host pgboot creates nothing in /dev). It is opened without blocking and
 * written only when it is a regular file or a character device (a FIFO
 * nobody reads would block the exit forever): anything else gets a warning
 * and is skipped. The line goes through log_mask.
 */
#ifndef PGB_TERMLOG_H
#define PGB_TERMLOG_H

#include "error.h"

/* Read the path from the environment; call before anything scrubs it (the exec does). */
void termlog_init(void);

/*
 * Write the summary of an exit with code (err: why, when code is not 0);
 * success is "database ready" when ready, else "<what> done" (what: the
 * command's name). Never fails: a file that cannot be written is skipped.
 */
void termlog_write(const char *what, int ready, int code, const struct pgb_error *err);

#endif

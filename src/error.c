/* error.c: error values (see error.h). */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xmem.h"

void pgb_error_init(struct pgb_error *err)
{
	memset(err, 0, sizeof(*err));
	err->statement_index = -1;
}

void pgb_error_free(struct pgb_error *err)
{
	free(err->message);
	free(err->detail);
	free(err->hint);
	free(err->context);
	free(err->file);
	free(err->excerpt);
	pgb_error_init(err);
}

/* vsnprintf with %m expanded from saved_errno (musl and glibc both know %m,
 * but expanding it here keeps the errno of the failure, not of later calls) */
static char *format_msg(const char *fmt, va_list ap, int saved_errno)
{
	struct strbuf f, out;
	strbuf_init(&f);
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == 'm') {
			for (const char *e = strerror(saved_errno); *e; e++) {
				if (*e == '%')
					strbuf_addc(&f, '%');
				strbuf_addc(&f, *e);
			}
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			strbuf_adds(&f, "%%");
			p++;
		} else {
			strbuf_addc(&f, *p);
		}
	}
	strbuf_init(&out);
	strbuf_vaddf(&out, f.buf, ap);
	strbuf_free(&f);
	return strbuf_detach(&out);
}

int pgb_fail(struct pgb_error *err, int code, const char *fmt, ...)
{
	int saved_errno = errno;
	if (!err || err->code)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	err->message = format_msg(fmt, ap, saved_errno);
	va_end(ap);
	err->code = code ? code : PGB_EXIT_INTERNAL;
	return -1;
}

int pgb_fail_signal(struct pgb_error *err, int sig, const char *while_fmt, ...)
{
	if (!err || err->code)
		return -1;
	struct strbuf msg;
	strbuf_init(&msg);
	strbuf_addf(&msg, "stopped by signal %d", sig);
	if (while_fmt) {
		va_list ap;
		va_start(ap, while_fmt);
		strbuf_addc(&msg, ' ');
		strbuf_vaddf(&msg, while_fmt, ap);
		va_end(ap);
	}
	err->message = strbuf_detach(&msg);
	err->code = PGB_EXIT_SIGNAL + sig;
	return -1;
}

void pgb_error_detail(struct pgb_error *err, const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;
	va_start(ap, fmt);
	free(err->detail);
	err->detail = format_msg(fmt, ap, saved_errno);
	va_end(ap);
}

void pgb_error_hint(struct pgb_error *err, const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;
	va_start(ap, fmt);
	free(err->hint);
	err->hint = format_msg(fmt, ap, saved_errno);
	va_end(ap);
}

void pgb_error_locus(struct pgb_error *err, const char *file, int line, int column)
{
	free(err->file);
	err->file = file ? xstrdup(file) : NULL;
	err->line = line;
	err->column = column;
}

void pgb_error_move(struct pgb_error *dst, struct pgb_error *src)
{
	pgb_error_free(dst);
	*dst = *src;
	pgb_error_init(src);
}

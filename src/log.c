/*
 * log.c: every message pgboot writes (see log.h). Lines are built in
 * memory, masked, and written to stderr with one write() so that lines of
 * concurrent pgboot processes sharing a pipe do not interleave. In text,
 * what comes from outside is masked, then escaped (add_outside); in JSON
 * every string value is masked (json_str_field), then escaped.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "redact.h"
#include "strbuf.h"
#include "xmem.h"

#define MAX_SECRETS 8 /* connection strings */

static enum log_format g_format = LOG_TEXT;
static enum log_level g_min = LOG_INFO;
static int g_color;
static char *g_secrets[MAX_SECRETS];
static int g_nsecrets;

void log_setup(enum log_format format, enum log_level min_level, int color)
{
	g_format = format;
	g_min = min_level;
	if (color < 0) {
		const char *nc = getenv("NO_COLOR");
		color = isatty(2) && !(nc && *nc);
	}
	g_color = color;
}

void log_add_conninfo(const char *conninfo)
{
	if (!conninfo || !*conninfo || g_nsecrets == MAX_SECRETS)
		return;
	for (int i = 0; i < g_nsecrets; i++)
		if (strcmp(g_secrets[i], conninfo) == 0)
			return;
	g_secrets[g_nsecrets++] = xstrdup(conninfo);
}

void log_forget_secrets(void)
{
	for (int i = 0; i < g_nsecrets; i++)
		secret_free(g_secrets[i]); /* the bytes hold a password */
	g_nsecrets = 0;
}

char *log_mask(const char *s)
{
	char *out = xstrdup(s ? s : "");
	for (int i = 0; i < g_nsecrets; i++) {
		char *next = redact_echoes_of(g_secrets[i], out);
		free(out);
		out = next;
	}
	return out;
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_DEBUG: return "debug";
	case LOG_INFO: return "info";
	case LOG_WARNING: return "warning";
	default: return "error";
	}
}

/*
 * Append text that came from outside (a server message, a file name, a
 * line of a file) to a text line: masked first (an echo is matched as
 * written), then with its control characters escaped, so that an ESC
 * sequence cannot recolour or erase the terminal and a newline cannot start
 * a line that looks like pgboot's own. Tabs stay (excerpts align on them).
 * C1 controls (U+0080..U+009F, as UTF-8) are escaped too.
 */
static void add_outside(struct strbuf *line, const char *s, size_t n)
{
	char *copy = xstrndup(s, n);
	char *masked = log_mask(copy);
	const unsigned char *u = (const unsigned char *)masked;
	for (size_t i = 0; u[i]; i++) {
		unsigned char c = u[i];
		if (c == '\n')
			strbuf_adds(line, "\\n");
		else if (c == '\r')
			strbuf_adds(line, "\\r");
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			strbuf_addf(line, "\\x%02x", c);
		else if (c == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
			strbuf_addf(line, "\\u%04x", u[++i]);
		else
			strbuf_addc(line, (char)c);
	}
	free(masked);
	free(copy);
}

/* The line is masked already: every piece of it that is not pgboot's own went through
 * add_outside or json_str_field, which mask before they escape (an escaped echo no longer matches). */
static void emit(struct strbuf *line)
{
	size_t off = 0;
	while (off < line->len) {
		ssize_t n = write(2, line->buf + off, line->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

static void json_start(struct strbuf *sb, enum log_level level, const char *event)
{
	struct timeval tv;
	struct tm tm;
	char ts[40];
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addf(sb, "{\"ts\":\"%s.%03ldZ\"", ts, (long)(tv.tv_usec / 1000));
	json_add_key(sb, "level");
	json_add_string(sb, level_name(level));
	json_add_key(sb, "event");
	json_add_string(sb, event);
}

static void json_str_field(struct strbuf *sb, const char *key, const char *val)
{
	if (!val)
		return;
	char *masked = log_mask(val);
	json_add_key(sb, key);
	json_add_string(sb, masked);
	free(masked);
}

/* a JSON value built by pgboot (its strings escaped by json.h), masked like any string */
static void json_raw_field(struct strbuf *sb, const char *key, const char *json)
{
	if (!json)
		return;
	char *masked = log_mask(json);
	json_add_key(sb, key);
	strbuf_adds(sb, masked);
	free(masked);
}

static void text_prefix(struct strbuf *sb, enum log_level level, const char *locus)
{
	strbuf_adds(sb, "pgboot: ");
	if (locus)
		strbuf_addf(sb, "%s: ", locus);
	if (level == LOG_INFO)
		return;
	const char *color = level == LOG_ERROR ? "\033[1;31m" : level == LOG_WARNING ? "\033[1;35m" : "\033[1m";
	if (g_color)
		strbuf_addf(sb, "%s%s:\033[0m ", color, level_name(level));
	else
		strbuf_addf(sb, "%s: ", level_name(level));
}

void log_event(enum log_level level, const char *event, const struct log_field *fields, const char *fmt, ...)
{
	if (level < g_min)
		return;
	struct strbuf msg, line;
	strbuf_init(&msg);
	strbuf_init(&line);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (g_format == LOG_JSON) {
		json_start(&line, level, event);
		json_str_field(&line, "msg", msg.buf);
		for (const struct log_field *f = fields; f && f->key; f++) {
			if (f->kind == LF_KIND_INT) {
				json_add_key(&line, f->key);
				strbuf_addf(&line, "%lld", f->num);
			} else if (f->kind == LF_KIND_JSON) {
				json_raw_field(&line, f->key, f->str);
			} else {
				json_str_field(&line, f->key, f->str);
			}
		}
		strbuf_adds(&line, "}\n");
	} else {
		text_prefix(&line, level, NULL);
		add_outside(&line, msg.buf, msg.len);
		strbuf_addc(&line, '\n');
	}
	emit(&line);
	strbuf_free(&msg);
	strbuf_free(&line);
}

static void text_part(struct strbuf *line, const char *label, const char *text)
{
	if (!text)
		return;
	/* one "pgboot: label: " prefix per line of a multi-line part */
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		strbuf_addf(line, "pgboot: %s: ", label);
		add_outside(line, p, n);
		strbuf_addc(line, '\n');
		p += n + (nl ? 1 : 0);
	}
}

void log_error(const struct pgb_error *err)
{
	struct strbuf line;
	strbuf_init(&line);
	const char *message = err->message ? err->message : "unknown error";
	if (g_format == LOG_JSON) {
		json_start(&line, LOG_ERROR, "error");
		json_str_field(&line, "msg", message);
		json_add_key(&line, "exit");
		strbuf_addf(&line, "%d", err->code);
		if (err->sqlstate[0])
			json_str_field(&line, "sqlstate", err->sqlstate);
		json_str_field(&line, "file", err->file);
		if (err->line) {
			json_add_key(&line, "line");
			strbuf_addf(&line, "%d", err->line);
		}
		if (err->column) {
			json_add_key(&line, "column");
			strbuf_addf(&line, "%d", err->column);
		}
		json_str_field(&line, "detail", err->detail);
		json_str_field(&line, "hint", err->hint);
		json_str_field(&line, "context", err->context);
		json_str_field(&line, "excerpt", err->excerpt);
		strbuf_adds(&line, "}\n");
	} else {
		struct strbuf locus;
		strbuf_init(&locus);
		if (err->file)
			add_outside(&locus, err->file, strlen(err->file));
		if (err->file && err->line)
			strbuf_addf(&locus, ":%d", err->line);
		if (err->file && err->line && err->column)
			strbuf_addf(&locus, ":%d", err->column);
		text_prefix(&line, LOG_ERROR, err->file ? locus.buf : NULL);
		strbuf_free(&locus);
		add_outside(&line, message, strlen(message));
		if (err->sqlstate[0])
			strbuf_addf(&line, " (SQLSTATE %s)", err->sqlstate);
		strbuf_addc(&line, '\n');
		if (err->excerpt) {
			/* pgboot's own layout: a line of the file, then the caret under it */
			const char *p = err->excerpt;
			while (*p) {
				const char *nl = strchr(p, '\n');
				size_t n = nl ? (size_t)(nl - p) : strlen(p);
				strbuf_adds(&line, "    ");
				add_outside(&line, p, n);
				strbuf_addc(&line, '\n');
				p += n + (nl ? 1 : 0);
			}
		}
		text_part(&line, "detail", err->detail);
		text_part(&line, "hint", err->hint);
		text_part(&line, "context", err->context);
	}
	emit(&line);
	strbuf_free(&line);
}

enum log_format log_get_format(void)
{
	return g_format;
}

/*
 * duration.c: the durations of the options (see duration.h).
 *
 * Accepted: a number with a unit ("500ms", "30s", "5m", "1h"), a sequence
 * of them ("1h30m", "1s500ms", which is what duration_format writes), or a
 * bare number of seconds ("30"). A number may have a decimal fraction
 * ("1.5s", "0.25m") as long as the result is a whole number of
 * milliseconds. No sign, no spaces, lowercase units only (PostgreSQL's
 * units are case-sensitive too).
 */
#include "duration.h"

#include <stdio.h>
#include <string.h>

#define DURATION_HINT "Use a number with a unit: 500ms, 30s, 5m, 1h."

/* the most fraction digits kept: enough for any whole millisecond of an hour */
#define MAX_FRACTION_DIGITS 9

enum seg_result { SEG_OK, SEG_JUNK, SEG_TOO_LARGE, SEG_NOT_WHOLE };

struct unit {
	const char *name;
	long long ms;
};

static const struct unit units[] = {
	{"ms", 1},
	{"s", 1000},
	{"m", 60 * 1000},
	{"h", 60 * 60 * 1000},
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

/* The unit spelled by exactly n bytes at s, or NULL. */
static const struct unit *find_unit(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && strncmp(units[i].name, s, n) == 0)
			return &units[i];
	return NULL;
}

/* Digits at *p into *v, saturating just above DURATION_MAX_MS. Returns how many. */
static int read_digits(const char **p, long long *v)
{
	int n = 0;
	*v = 0;
	for (; is_digit(**p); (*p)++, n++)
		if (*v <= DURATION_MAX_MS)
			*v = *v * 10 + (**p - '0');
	return n;
}

/*
 * The fraction digits at *p (after the '.') times unit_ms, in ms. Trailing
 * zeros are dropped first, so "1.500s" is as good as "1.5s".
 */
static enum seg_result read_fraction(const char **p, long long unit_ms, long long *ms)
{
	const char *start = *p;
	while (is_digit(**p))
		(*p)++;
	size_t n = (size_t)(*p - start);
	if (n == 0)
		return SEG_JUNK;
	while (n > 0 && start[n - 1] == '0')
		n--;
	if (n > MAX_FRACTION_DIGITS)
		return SEG_NOT_WHOLE;
	long long num = 0, den = 1;
	for (size_t i = 0; i < n; i++) {
		num = num * 10 + (start[i] - '0');
		den *= 10;
	}
	if ((num * unit_ms) % den != 0)
		return SEG_NOT_WHOLE;
	*ms = num * unit_ms / den;
	return SEG_OK;
}

/*
 * One "<number>[.<fraction>]<unit>" at *p; a missing unit means seconds
 * and is only allowed when the number ends the text and is the whole text.
 */
static enum seg_result parse_segment(const char **p, int first, long long *ms)
{
	long long whole, frac = 0;
	if (read_digits(p, &whole) == 0)
		return SEG_JUNK;
	const char *frac_at = NULL;
	if (**p == '.') {
		frac_at = ++(*p);
		while (is_digit(**p))
			(*p)++;
	}
	const char *u = *p;
	while (is_lower(**p))
		(*p)++;
	const struct unit *unit = find_unit(u, (size_t)(*p - u));
	if (!unit && !(u == *p && first && **p == '\0'))
		return SEG_JUNK;
	long long unit_ms = unit ? unit->ms : 1000;
	if (frac_at) {
		const char *q = frac_at;
		enum seg_result r = read_fraction(&q, unit_ms, &frac);
		if (r != SEG_OK)
			return r;
	}
	if (whole > (DURATION_MAX_MS - frac) / unit_ms)
		return SEG_TOO_LARGE;
	*ms = whole * unit_ms + frac;
	return SEG_OK;
}

static int duration_error(const char *text, const char *setting, enum seg_result r,
			  struct pgb_error *err)
{
	pgb_fail(err, PGB_EXIT_CONFIG, "invalid value for \"%s\": \"%s\"",
		 setting ? setting : "duration", text);
	if (r == SEG_TOO_LARGE)
		pgb_error_detail(err, "The largest duration accepted is %lldms (about 24 days).",
				 DURATION_MAX_MS);
	else if (r == SEG_NOT_WHOLE)
		pgb_error_detail(err, "A duration must be a whole number of milliseconds.");
	else if (text[0] == '-')
		pgb_error_detail(err, "A duration cannot be negative.");
	pgb_error_hint(err, DURATION_HINT);
	return -1;
}

int duration_parse(const char *text, const char *setting, long long *ms, struct pgb_error *err)
{
	if (!text)
		text = "";
	const char *p = text;
	long long total = 0;
	int first = 1;
	do {
		long long seg;
		enum seg_result r = parse_segment(&p, first, &seg);
		if (r != SEG_OK)
			return duration_error(text, setting, r, err);
		if (seg > DURATION_MAX_MS - total)
			return duration_error(text, setting, SEG_TOO_LARGE, err);
		total += seg;
		first = 0;
	} while (*p);
	*ms = total;
	return 0;
}

void duration_format(long long ms, char *buf, unsigned long bufsize)
{
	if (!buf || bufsize == 0)
		return;
	buf[0] = '\0';
	if (ms <= 0) {
		snprintf(buf, bufsize, "0");
		return;
	}
	size_t used = 0;
	for (size_t i = sizeof(units) / sizeof(units[0]); i-- > 0;) {
		long long n = ms / units[i].ms;
		if (n == 0)
			continue;
		ms -= n * units[i].ms;
		int w = snprintf(buf + used, bufsize - used, "%lld%s", n, units[i].name);
		if (w < 0 || (size_t)w >= bufsize - used) {
			buf[used] = '\0'; /* too small: whole parts only */
			return;
		}
		used += (size_t)w;
	}
}

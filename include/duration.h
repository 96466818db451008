/*
 * duration.h: parse the durations of the options: "500ms", "30s", "5m",
 * "1h", or bare seconds ("30"). Pure; no allocation.
 */
#ifndef PGB_DURATION_H
#define PGB_DURATION_H

#include "error.h"

/* the largest duration accepted: PostgreSQL's timeouts are int milliseconds */
#define DURATION_MAX_MS 2147483647LL

/*
 * Parse text into milliseconds. On failure fills err with PGB_EXIT_CONFIG
 * and a message naming setting (e.g. "--wait-timeout") and the bad text.
 */
int duration_parse(const char *text, const char *setting, long long *ms, struct pgb_error *err);
/* Format ms compactly ("250ms", "30s", "5m", "1h30m") into buf. */
void duration_format(long long ms, char *buf, unsigned long bufsize);

#endif

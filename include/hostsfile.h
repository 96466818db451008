/*
 * hostsfile.h: what the hosts file says about a name. A name libpq could not
 * translate may be one that DNS will answer once it is up (a new pod), or
 * localhost in a root with no /etc/hosts, which nothing will ever answer:
 * musl (the static build's libc) looks localhost up in /etc/hosts, then in
 * DNS, and DNS does not answer for it (RFC 6761).
 */
#ifndef PGB_HOSTSFILE_H
#define PGB_HOSTSFILE_H

/* 1 when host is "localhost" or "localhost.", in any case. */
int hostsfile_is_localhost(const char *host);

/*
 * Whether the hosts file at path lists name (case-insensitive): 1 listed,
 * 0 not listed, -1 the file cannot be read (errno set: ENOENT when there is
 * none).
 */
int hostsfile_lists(const char *path, const char *name);

#endif

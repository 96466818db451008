/* test_hostsfile.c: hostsfile_is_localhost and hostsfile_lists on files made here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "hostsfile.h"

static char *write_hosts(const char *text)
{
	char *path = strdup("/tmp/pgboot-unit-hosts.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return path;
	FILE *f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

TEST(hostsfile_is_localhost_names)
{
	CHECK(hostsfile_is_localhost("localhost"));
	CHECK(hostsfile_is_localhost("LocalHost"));
	CHECK(hostsfile_is_localhost("localhost."));
	CHECK(!hostsfile_is_localhost("localhost.localdomain"));
	CHECK(!hostsfile_is_localhost("db"));
	CHECK(!hostsfile_is_localhost("127.0.0.1"));
	CHECK(!hostsfile_is_localhost(""));
	CHECK(!hostsfile_is_localhost(NULL));
}

TEST(hostsfile_lists_names_and_aliases)
{
	char *p = write_hosts("# comment localhost\n"
			      "127.0.0.1\tmyhost  # localhost in a comment\n"
			      "::1 ip6-localhost ip6-loopback\n"
			      "10.0.0.5 db.example DB-Alias\n");
	CHECK(hostsfile_lists(p, "myhost") == 1);
	CHECK(hostsfile_lists(p, "db-alias") == 1);
	CHECK(hostsfile_lists(p, "ip6-loopback") == 1);
	CHECK(hostsfile_lists(p, "localhost") == 0);
	CHECK(hostsfile_lists(p, "127.0.0.1") == 0); /* an address is no name */
	unlink(p);
	free(p);
	p = write_hosts("127.0.0.1 localhost\n");
	CHECK(hostsfile_lists(p, "localhost") == 1);
	CHECK(hostsfile_lists(p, "LOCALHOST") == 1);
	unlink(p);
	free(p);
	p = write_hosts("");
	CHECK(hostsfile_lists(p, "localhost") == 0);
	unlink(p);
	free(p);
}

TEST(hostsfile_lists_missing_file)
{
	errno = 0;
	CHECK(hostsfile_lists("/nonexistent/pgboot/hosts", "localhost") == -1);
	CHECK(errno == ENOENT);
}

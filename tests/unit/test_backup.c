/* test_backup.c: pg_dump --version read as a server_version_num major (backup.h). */
#include "backup.h"
#include "check.h"

TEST(backup_parses_pg_dump_versions)
{
	CHECK_INT(backup_parse_version("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"), 150000);
	CHECK_INT(backup_parse_version("pg_dump (PostgreSQL) 13.0"), 130000);
	CHECK_INT(backup_parse_version("pg_dump (PostgreSQL) 17beta1"), 170000);
	CHECK_INT(backup_parse_version("pg_dump (PostgreSQL) 9.6.24"), 90600);
	CHECK_INT(backup_parse_version("pg_dump (PostgreSQL) 10.23"), 100000);
	CHECK_INT(backup_parse_version("pg_dump: no version here"), -1);
	CHECK_INT(backup_parse_version(""), -1);
}

/* test_kind.c: the kind of a file as text, both ways (history_row.h). */
#include "check.h"
#include "history_row.h"

TEST(kind_name_and_parse_round_trip)
{
	enum mig_kind k = MIG_SEED;
	CHECK_STR(history_kind_name(MIG_MIGRATION), "migration");
	CHECK_STR(history_kind_name(MIG_SEED), "seed");
	CHECK_INT(history_kind_parse("migration", &k), 0);
	CHECK_INT(k, MIG_MIGRATION);
	CHECK_INT(history_kind_parse(history_kind_name(MIG_SEED), &k), 0);
	CHECK_INT(k, MIG_SEED);
	CHECK_INT(history_kind_parse("Seed", &k), -1);
	CHECK_INT(history_kind_parse("", &k), -1);
	CHECK_INT(history_kind_parse(NULL, &k), -1);
	CHECK_INT(k, MIG_SEED);
}

/* report.c: status and plan output (see report.h). */
#include "report.h"

#include <string.h>

#include "json.h"
#include "lockrec.h"
#include "repeatable.h"
#include "strbuf.h"

static const char *item_version(const struct plan_item *it)
{
	return it->file ? it->file->version.text : it->row->version.text;
}

static const char *item_name(const struct plan_item *it)
{
	return it->file ? it->file->name : it->row->name;
}

/* an applied migration that pgboot baseline recorded without running it */
static int is_baselined(const struct plan_item *it)
{
	return it->state == ITEM_APPLIED && it->row && history_row_baselined(it->row);
}

/* the state as JSON says it: the plan's, "baselined" for a baselined one */
static const char *state_name(const struct plan_item *it)
{
	return is_baselined(it) ? "baselined" : plan_state_name(it->state);
}

/* a seed whose file changed since it was applied: pending, but worth saying */
static const char *item_state(const struct plan_item *it)
{
	static char buf[64];
	if (it->state == ITEM_PENDING && it->row)
		return "pending (changed)";
	if (it->state == ITEM_PARTIAL) {
		snprintf(buf, sizeof(buf), "partial (%d done)", it->row->progress);
		return buf;
	}
	if (plan_item_is_rolling_back(it)) {
		snprintf(buf, sizeof(buf), "rolling back (%d done)", it->row->down_done);
		return buf;
	}
	if (it->state == ITEM_FUTURE && it->row->progress >= 0) {
		snprintf(buf, sizeof(buf), "future (%d done)", it->row->progress);
		return buf;
	}
	return state_name(it);
}

/* an applied migration with a stored down part, finished: pgboot rollback can undo it */
static int can_roll_back(const struct plan_item *it)
{
	return it->kind == MIG_MIGRATION && it->row && it->row->has_down && it->row->progress < 0;
}

/* the DOWN column: yes or no for an applied migration, empty for anything else */
static const char *down_column(const struct plan_item *it)
{
	if (it->kind != MIG_MIGRATION || !it->row)
		return "";
	return can_roll_back(it) ? "yes" : "no";
}

static void json_item(struct strbuf *sb, const struct plan_item *it)
{
	strbuf_addc(sb, '{');
	json_add_key(sb, "kind");
	json_add_string(sb, history_kind_name(it->kind));
	json_add_key(sb, "version");
	json_add_string(sb, item_version(it));
	json_add_key(sb, "name");
	json_add_string(sb, item_name(it));
	json_add_key(sb, "state");
	json_add_string(sb, state_name(it));
	json_add_key(sb, "file");
	json_add_string(sb, it->file ? it->file->path : NULL);
	json_add_key(sb, "file_checksum");
	json_add_string(sb, it->file ? it->file->checksum : NULL);
	json_add_key(sb, "applied_checksum");
	json_add_string(sb, it->row ? it->row->checksum : NULL);
	json_add_key(sb, "applied_at");
	json_add_string(sb, it->row ? it->row->applied_at : NULL);
	json_add_key(sb, "duration_ms");
	if (it->row)
		strbuf_addf(sb, "%lld", it->row->duration_ms);
	else
		strbuf_adds(sb, "null");
	json_add_key(sb, "applied_by");
	json_add_string(sb, it->row ? it->row->applied_by : NULL);
	json_add_key(sb, "progress");
	if (it->row && it->row->progress >= 0)
		strbuf_addf(sb, "%d", it->row->progress);
	else
		strbuf_adds(sb, "null");
	json_add_key(sb, "rolling_back"); /* statements of its down part committed, when one stopped half-way */
	if (plan_item_is_rolling_back(it))
		strbuf_addf(sb, "%d", it->row->down_done);
	else
		strbuf_adds(sb, "null");
	json_add_key(sb, "can_roll_back");
	strbuf_adds(sb, !it->row || it->kind != MIG_MIGRATION ? "null" : can_roll_back(it) ? "true" : "false");
	json_add_key(sb, "locks"); /* [{table, mode}]; null when none was recorded */
	lockrec_json(sb, it->row ? it->row->locks : NULL);
	strbuf_addc(sb, '}');
}

/* ---- repeatable migrations (repeatable.h): after every other item ---------------- */

/* repeatable.c talks to the server: what this pure module needs of it is here */
static const char *rep_state_name(enum rep_state s)
{
	return s == REP_APPLIED ? "applied" : s == REP_CHANGED ? "changed" : "pending";
}

static const char *rep_state(const struct rep_item *it)
{
	return it->state == REP_CHANGED ? "changed (re-applies)" : rep_state_name(it->state);
}

static size_t rep_pending(const struct repeatables *rs)
{
	size_t n = 0;
	for (size_t i = 0; rs && i < rs->n; i++)
		n += rs->items[i].state != REP_APPLIED;
	return n;
}

/* "repeatables": [{name, file, state, file_checksum, applied_at, duration_ms}], only those to apply when only_pending */
static void json_repeatables(struct strbuf *sb, const struct repeatables *rs, int only_pending)
{
	if (!rs || rs->n == 0)
		return;
	json_add_key(sb, "repeatables");
	strbuf_addc(sb, '[');
	int first = 1;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rep_item *it = &rs->items[i];
		if (only_pending && it->state == REP_APPLIED)
			continue;
		strbuf_adds(sb, first ? "{" : ",{");
		first = 0;
		json_add_key(sb, "name");
		json_add_string(sb, it->file->name);
		json_add_key(sb, "file");
		json_add_string(sb, it->file->path);
		json_add_key(sb, "state");
		json_add_string(sb, rep_state_name(it->state));
		json_add_key(sb, "file_checksum");
		json_add_string(sb, it->file->checksum);
		json_add_key(sb, "applied_at");
		json_add_string(sb, it->applied_at);
		json_add_key(sb, "duration_ms");
		if (it->applied_at)
			strbuf_addf(sb, "%lld", it->duration_ms);
		else
			strbuf_adds(sb, "null");
		strbuf_addc(sb, '}');
	}
	strbuf_addc(sb, ']');
}

/* counts by state, the baselined ones apart from the applied (the return value) */
static size_t count_states(const struct plan *p, size_t counts[ITEM_NSTATES])
{
	size_t baselined = 0;
	memset(counts, 0, ITEM_NSTATES * sizeof(size_t));
	for (size_t i = 0; i < p->n; i++) {
		if (is_baselined(&p->items[i]))
			baselined++;
		else
			counts[p->items[i].state]++;
	}
	return baselined;
}

static void json_report(FILE *out, const struct plan *p, const struct repeatables *rs, const struct history *h,
			const char *dbname, int only_pending)
{
	struct strbuf sb;
	strbuf_init(&sb);
	size_t c[ITEM_NSTATES];
	size_t baselined = count_states(p, c);
	strbuf_addc(&sb, '{');
	json_add_key(&sb, "database");
	json_add_string(&sb, dbname);
	json_add_key(&sb, "history_table");
	json_add_string(&sb, h->display);
	json_add_key(&sb, "history_exists");
	strbuf_adds(&sb, h->exists ? "true" : "false");
	json_add_key(&sb, "summary");
	strbuf_addf(&sb,
		    "{\"applied\":%zu,\"baselined\":%zu,\"pending\":%zu,\"changed\":%zu,\"missing\":%zu,"
		    "\"out_of_order\":%zu,\"partial\":%zu,\"future\":%zu}",
		    c[ITEM_APPLIED], baselined, c[ITEM_PENDING], c[ITEM_CHANGED], c[ITEM_MISSING], c[ITEM_OUT_OF_ORDER],
		    c[ITEM_PARTIAL], c[ITEM_FUTURE]);
	json_add_key(&sb, "items");
	strbuf_addc(&sb, '[');
	int first = 1;
	for (size_t i = 0; i < p->n; i++) {
		if (only_pending && !plan_item_is_pending(p, &p->items[i]))
			continue;
		if (!first)
			strbuf_addc(&sb, ',');
		first = 0;
		json_item(&sb, &p->items[i]);
	}
	strbuf_addc(&sb, ']');
	json_repeatables(&sb, rs, only_pending);
	strbuf_adds(&sb, "}\n");
	fputs(sb.buf, out);
	strbuf_free(&sb);
}

void report_status(FILE *out, const struct plan *p, const struct repeatables *rs, const struct history *h,
		   const char *dbname, int json)
{
	if (json) {
		json_report(out, p, rs, h, dbname, 0);
		return;
	}
	size_t c[ITEM_NSTATES];
	size_t baselined = count_states(p, c);
	fprintf(out, "database \"%s\", history table \"%s\"%s\n\n", dbname, h->display,
		h->exists ? "" : " (not created yet)");
	fprintf(out, "%-9s  %-16s  %-28s  %-17s  %-20s  %8s  %-12s  %-4s  %s\n", "KIND", "VERSION", "NAME", "STATE",
		"APPLIED AT", "MS", "CHECKSUM", "DOWN", "LOCKS");
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		char ms[24] = "";
		if (it->row)
			snprintf(ms, sizeof(ms), "%lld", it->row->duration_ms);
		const char *sum = it->file ? it->file->checksum : it->row->checksum;
		const char *locks = it->row ? it->row->locks : NULL;
		fprintf(out, "%-9s  %-16s  %-28s  %-17s  %-20s  %8s  %-12.12s  %-4s  %s\n", history_kind_name(it->kind),
			item_version(it), item_name(it), item_state(it), it->row ? it->row->applied_at : "", ms, sum,
			down_column(it), locks ? (*locks ? locks : "none") : "");
	}
	for (size_t i = 0; rs && i < rs->n; i++) {
		const struct rep_item *it = &rs->items[i];
		char ms[24] = "";
		if (it->applied_at)
			snprintf(ms, sizeof(ms), "%lld", it->duration_ms);
		fprintf(out, "%-9s  %-16s  %-28s  %-17s  %-20s  %8s  %-12.12s  %-4s  %s\n", "repeatable", "", it->file->name,
			rep_state(it), it->applied_at ? it->applied_at : "", ms, it->file->checksum, "", "");
	}
	fprintf(out, "\n%zu applied, %zu pending, %zu changed, %zu missing, %zu out of order", c[ITEM_APPLIED],
		c[ITEM_PENDING], c[ITEM_CHANGED], c[ITEM_MISSING], c[ITEM_OUT_OF_ORDER]);
	if (baselined)
		fprintf(out, ", %zu baselined (recorded without running)", baselined);
	if (c[ITEM_PARTIAL])
		fprintf(out, ", %zu partial", c[ITEM_PARTIAL]);
	if (c[ITEM_FUTURE])
		fprintf(out, ", %zu future (applied by a newer release)", c[ITEM_FUTURE]);
	if (rs && rs->n)
		fprintf(out, "; %zu repeatable migration%s, %zu to apply", rs->n, rs->n == 1 ? "" : "s",
			rep_pending(rs));
	fputc('\n', out);
}

void report_plan(FILE *out, const struct plan *p, const struct repeatables *rs, const struct history *h,
		 const char *dbname, int json)
{
	if (json) {
		json_report(out, p, rs, h, dbname, 1);
		return;
	}
	size_t n = plan_pending(p, -1) + (rs ? rep_pending(rs) : 0);
	if (n == 0) {
		fprintf(out, "nothing to apply: database \"%s\" is up to date\n", dbname);
		return;
	}
	fprintf(out, "would apply %zu file%s to database \"%s\" (history table \"%s\"%s):\n", n, n == 1 ? "" : "s",
		dbname, h->display, h->exists ? "" : ", to be created");
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_item *it = &p->items[i];
		if (!plan_item_is_pending(p, it))
			continue;
		fprintf(out, "  %-9s  %-16s  %-28s  %s%s%s\n", history_kind_name(it->kind), item_version(it), item_name(it),
			it->file->path, it->file->empty ? " (empty)" : "", it->row ? " (changed)" : "");
	}
	for (size_t i = 0; rs && i < rs->n; i++) {
		const struct rep_item *it = &rs->items[i];
		if (it->state != REP_APPLIED)
			fprintf(out, "  %-9s  %-16s  %-28s  %s%s%s\n", "repeatable", "", it->file->name, it->file->path,
				it->file->empty ? " (empty)" : "", it->state == REP_CHANGED ? " (changed)" : "");
	}
}

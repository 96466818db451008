/*
 * check.h: tiny unit-test macros in the style of curl's unit tests.
 *
 *     TEST(version_orders_groups_numerically) {
 *         CHECK(version_compare(&a, &b) < 0);
 *         CHECK_STR(s, "expected");
 *     }
 *
 * Each TEST registers itself; tests/unit/main.c runs them all (or those
 * whose names contain argv[1]) and ends with "N passed, N failed".
 * A failed CHECK prints file:line and the expression, marks the test
 * failed and continues.
 */
#ifndef PGB_CHECK_H
#define PGB_CHECK_H

#include <stdio.h>
#include <string.h>

typedef void (*check_fn)(void);
void check_register(const char *name, check_fn fn);
void check_failed(const char *file, int line, const char *what);
extern int check_current_failed;

#define TEST(name)                                                                 \
	static void test_##name(void);                                             \
	__attribute__((constructor)) static void register_##name(void)             \
	{                                                                          \
		check_register(#name, test_##name);                                \
	}                                                                          \
	static void test_##name(void)

#define CHECK(expr)                                                                \
	do {                                                                       \
		if (!(expr))                                                       \
			check_failed(__FILE__, __LINE__, #expr);                   \
	} while (0)

#define CHECK_INT(a, b)                                                            \
	do {                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                \
		if (a_ != b_) {                                                    \
			char m_[512];                                              \
			snprintf(m_, sizeof(m_), "%s == %s (%lld != %lld)", #a, #b, a_, b_); \
			check_failed(__FILE__, __LINE__, m_);                      \
		}                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                            \
	do {                                                                       \
		const char *a_ = (a), *b_ = (b);                                   \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                           \
			char m_[1024];                                             \
			snprintf(m_, sizeof(m_), "%s == %s (\"%s\" != \"%s\")", #a, #b, \
				 a_ ? a_ : "(null)", b_ ? b_ : "(null)");          \
			check_failed(__FILE__, __LINE__, m_);                      \
		}                                                                  \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                \
	do {                                                                       \
		const char *h_ = (hay), *n_ = (needle);                            \
		if (!h_ || !strstr(h_, n_)) {                                      \
			char m_[1024];                                             \
			snprintf(m_, sizeof(m_), "\"%s\" contains \"%s\"", h_ ? h_ : "(null)", n_); \
			check_failed(__FILE__, __LINE__, m_);                      \
		}                                                                  \
	} while (0)

#endif

/* SPDX-License-Identifier: MIT */
/* The one main of every Check test program (tests/check_main.c): a
 * tests/check_<module>.c defines pg_test_suite() and no main, and is
 * linked with check_main.c (tests/local.mk). */
#ifndef PG_CHECK_MAIN_H
#define PG_CHECK_MAIN_H

#include <check.h>

/* The module's suite, built fresh; main runs it and Check frees it. */
Suite *pg_test_suite(void);

#endif

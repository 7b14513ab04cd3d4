/* SPDX-License-Identifier: MIT */
/* main for every Check test program: run the suite of the module linked
 * with it. srunner_run_all reads Check's own variables, so they work the
 * same in every program: CK_RUN_SUITE and CK_RUN_CASE run one suite or
 * one case, CK_FORK=no runs the tests in this process (for gdb and
 * valgrind), CK_VERBOSITY and CK_DEFAULT_TIMEOUT (tests/README). */
#include "config.h"

#include "tests/check_main.h"

#include <stdlib.h>

int main(void) {
        SRunner *sr = srunner_create(pg_test_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

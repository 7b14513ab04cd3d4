#!/bin/sh
# SPDX-License-Identifier: MIT
# LOG_COMPILER of `make check-valgrind`: run one test program under
# memcheck; any error or leak (definite, indirect, possible) fails it.
# CK_FORK=no: libcheck's fork mode would hide the children's leaks and
# report the parent's fork bookkeeping instead.
CK_FORK=no
export CK_FORK
supp=$(dirname "$0")/valgrind.supp
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
	--suppressions="$supp" --num-callers=30 "$@"

# Every test, in one place: included from Makefile.am (automake reads it
# as part of that file, so paths are from the top). tests/README says how
# to run them, one by one or all; the benchmarks (bench/) and the fuzzers
# (fuzz/) have their rules in Makefile.am, next to the code they measure.

# Check's default 4 s per test is short for a live /proc walk on a loaded
# machine or under valgrind; a hang still ends.
AM_TESTS_ENVIRONMENT = CK_DEFAULT_TIMEOUT=$${CK_DEFAULT_TIMEOUT:-60}; export CK_DEFAULT_TIMEOUT; \
	PG_SANITIZERS=@enable_sanitizers@; export PG_SANITIZERS; CC="$(CC)"; export CC;

# --- Check unit tests: tests/check_<module>.c, one suite each, no main of
# their own (tests/check_main.c runs the suite); the fake /proc trees
# they write come from tests/fakeproc.c.
TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -DSAMPLE_PROC=\"$(abs_top_srcdir)/sample-proc\"
TEST_LIBS = common/libpgcore.la $(CHECK_LIBS)
CHECK_MAIN = tests/check_main.c tests/check_main.h
FAKEPROC = tests/fakeproc.c tests/fakeproc.h

UNIT_TESTS = tests/check_parse tests/check_proc tests/check_match tests/check_track \
	tests/check_config tests/check_regress tests/check_steady tests/check_schedstat \
	tests/check_keptfds tests/check_outfile tests/check_ndproto tests/check_setup \
	tests/check_exits tests/check_exitcredit tests/check_idleclock
UNIT_TESTS += tests/check_yamlconf
# Helpers the integration tests run, built for make check, not tests.
TEST_HELPERS = tests/spawn_names tests/exitload
check_PROGRAMS = $(UNIT_TESTS) $(TEST_HELPERS)
# Processes with unique command names (prctl), for the churn tests.
tests_spawn_names_SOURCES = tests/spawn_names.c
# The "make" workload of doc/exits.md (child and orphan modes, each program's own
# CPU as the truth), a bounded fork bomb, and the PID namespace probe of
# the exit records: exit-attrib.test, exit-loss.test, bench/children.sh.
tests_exitload_SOURCES = tests/exitload.c
tests_exitload_CFLAGS = $(AM_CFLAGS) $(MNL_CFLAGS)
tests_exitload_LDADD = common/libpgcore.la $(MNL_LIBS)
# The pure parsers and the output formatting, on string literals.
tests_check_parse_SOURCES = tests/check_parse.c $(CHECK_MAIN)
tests_check_parse_CFLAGS = $(TEST_CFLAGS)
tests_check_parse_LDADD = $(TEST_LIBS)
# One process and the pid walk: sample-proc/basic, then the live /proc.
tests_check_proc_SOURCES = tests/check_proc.c $(CHECK_MAIN)
tests_check_proc_CFLAGS = $(TEST_CFLAGS)
tests_check_proc_LDADD = $(TEST_LIBS)
# Rules and templates.
tests_check_match_SOURCES = tests/check_match.c $(CHECK_MAIN)
tests_check_match_CFLAGS = $(TEST_CFLAGS)
tests_check_match_LDADD = $(TEST_LIBS)
# The tracker scan by scan over fake trees. The walk's order is the
# test's to choose (see check_track.c): syscall() is wrapped.
tests_check_track_SOURCES = tests/check_track.c $(CHECK_MAIN) $(FAKEPROC)
tests_check_track_CFLAGS = $(TEST_CFLAGS)
tests_check_track_LDADD = $(TEST_LIBS)
tests_check_track_LDFLAGS = -Wl,--wrap=syscall
# procgroups.conf and its errors.
tests_check_config_SOURCES = tests/check_config.c $(CHECK_MAIN)
tests_check_config_CFLAGS = $(TEST_CFLAGS)
tests_check_config_LDADD = $(TEST_LIBS)
# process-exporter's YAML config and its errors.
tests_check_yamlconf_SOURCES = tests/check_yamlconf.c $(CHECK_MAIN)
tests_check_yamlconf_CFLAGS = $(TEST_CFLAGS)
tests_check_yamlconf_LDADD = $(TEST_LIBS)
# Regressions found by the fuzzers, the soak and the hostile-name tests.
tests_check_regress_SOURCES = tests/check_regress.c $(CHECK_MAIN) $(FAKEPROC)
tests_check_regress_CFLAGS = $(TEST_CFLAGS)
tests_check_regress_LDADD = $(TEST_LIBS)
# A steady scan makes no heap allocation (allocator calls counted through
# the linker's --wrap).
tests_check_steady_SOURCES = tests/check_steady.c $(CHECK_MAIN)
tests_check_steady_CFLAGS = $(TEST_CFLAGS)
tests_check_steady_LDFLAGS = -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc \
	-Wl,--wrap=strdup
tests_check_steady_LDADD = $(TEST_LIBS)
# The schedstat claim the tracker's skipping rests on, on the live kernel.
tests_check_schedstat_SOURCES = tests/check_schedstat.c $(CHECK_MAIN)
tests_check_schedstat_CFLAGS = $(TEST_CFLAGS)
tests_check_schedstat_LDADD = $(TEST_LIBS)
# The kept_fds budget against RLIMIT_NOFILE.
tests_check_keptfds_SOURCES = tests/check_keptfds.c $(CHECK_MAIN)
tests_check_keptfds_CFLAGS = $(TEST_CFLAGS)
tests_check_keptfds_LDADD = $(TEST_LIBS)
# The --output writer: atomic, no planted names.
tests_check_outfile_SOURCES = tests/check_outfile.c $(CHECK_MAIN)
tests_check_outfile_CFLAGS = $(TEST_CFLAGS)
tests_check_outfile_LDADD = $(TEST_LIBS)
# The faces' shared set-up: who frees the rules and the source when a step
# fails (every allocation made to fail in turn, counted through --wrap).
tests_check_setup_SOURCES = tests/check_setup.c $(CHECK_MAIN)
tests_check_setup_CFLAGS = $(TEST_CFLAGS)
tests_check_setup_LDFLAGS = -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc \
	-Wl,--wrap=strdup -Wl,--wrap=strndup -Wl,--wrap=free
tests_check_setup_LDADD = $(TEST_LIBS)
# The exit listener: its parser on hand-built netlink messages, then a
# child of the test on the live kernel (root; else that case says why).
tests_check_exitcredit_SOURCES = tests/check_exitcredit.c $(CHECK_MAIN) $(FAKEPROC)
tests_check_exitcredit_CFLAGS = $(TEST_CFLAGS)
tests_check_exitcredit_LDADD = $(TEST_LIBS)
# The CPU clock as the idle test: each way a live process changes reaches
# its group although idle processes are not read (doc/memory.md).
tests_check_idleclock_SOURCES = tests/check_idleclock.c $(CHECK_MAIN)
tests_check_idleclock_CFLAGS = $(TEST_CFLAGS)
tests_check_idleclock_LDADD = $(TEST_LIBS) -lpthread
tests_check_exits_SOURCES = tests/check_exits.c $(CHECK_MAIN)
tests_check_exits_CFLAGS = $(TEST_CFLAGS) $(MNL_CFLAGS)
tests_check_exits_LDADD = $(TEST_LIBS) $(MNL_LIBS)
# Netdata identifiers, labels and values.
tests_check_ndproto_SOURCES = tests/check_ndproto.c $(CHECK_MAIN) plugin/ndproto.c plugin/ndproto.h
tests_check_ndproto_CFLAGS = $(TEST_CFLAGS)
tests_check_ndproto_LDADD = $(TEST_LIBS)
# The --listen server's pure parts: --listen values, paths, Accept-Encoding.
UNIT_TESTS += tests/check_http
tests_check_http_SOURCES = tests/check_http.c $(CHECK_MAIN) plugin/http.c plugin/http.h
tests_check_http_CFLAGS = $(TEST_CFLAGS) $(MHD_CFLAGS) $(ZLIB_CFLAGS)
tests_check_http_LDADD = $(TEST_LIBS) $(MHD_LIBS) $(ZLIB_LIBS)
if HAVE_COLLECTD
# plugin/collectd.c against a mock of collectd's plugin API.
UNIT_TESTS += tests/check_collectd
tests_check_collectd_SOURCES = tests/check_collectd.c $(CHECK_MAIN) $(FAKEPROC) tests/mock_collectd.c \
	tests/mock_collectd.h $(COLLECTD_PG_SOURCES)
tests_check_collectd_CPPFLAGS = $(COLLECTD_PG_CPPFLAGS)
tests_check_collectd_CFLAGS = $(TEST_CFLAGS)
tests_check_collectd_LDADD = $(TEST_LIBS)
endif

# --- Integration tests: our binaries on sample-proc/ trees, generated
# trees and the live system (shell, with Python checkers).
SHELL_TESTS = \
	tests/cli-list.test tests/cli-groups.test tests/cli-output.test tests/group-live.test \
	tests/hostile.test tests/unprivileged.test tests/dupnames.test \
	tests/procfs-subset.test tests/procfs-fake.test tests/hidepid.test \
	tests/kept-fds-limit.test tests/regex-limit.test tests/churn-forget.test \
	tests/netdata-proto.test tests/netdata-live.test tests/netdata-signal.test \
	tests/man.test tests/golden.test
# process-exporter's flags and YAML (the latter against the real exporter).
SHELL_TESTS += tests/cli-flags.test tests/yaml-compare.test
SHELL_TESTS += tests/exporter-compare.test
# procgroups --listen over HTTP (curl), and a real Prometheus scraping it.
SHELL_TESTS += tests/exporter.test tests/prometheus-live.test
# Exit records on the live kernel, as root: doc/exits.md's workload
# in both modes, records on and off; records lost to a fork bomb.
SHELL_TESTS += tests/exit-attrib.test tests/exit-loss.test
# A real collectd daemon with the plugin (skipped without collectd).
COLLECTD_LIVE_TESTS = tests/collectd-live.test tests/collectd-network.test \
	tests/collectd-badconf.test tests/collectd-forget.test tests/collectd-packaged.test

TESTS = $(UNIT_TESTS) $(SHELL_TESTS)
if HAVE_COLLECTD
TESTS += $(COLLECTD_LIVE_TESTS)
endif
# Shipped whatever configure found: a tarball builds on other machines.
EXTRA_DIST += tests/README tests/local.mk $(SHELL_TESTS) $(COLLECTD_LIVE_TESTS) \
	tests/collectd-lib.sh tests/collectd-mix.py tests/collectd-compare.py tests/netdata_check.py \
	tests/hostile_check.py tests/golden sample-proc/hostile.py sample-proc/dupnames.py

# --- The C tests under valgrind: `make check-valgrind`, no errors, no
# leaks (tests/valgrind.sh). The shell tests are left out: they run our
# binaries through python and shell pipelines, not under valgrind.
check-valgrind:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(UNIT_TESTS)" \
	  LOG_COMPILER="$(SHELL) $(abs_srcdir)/tests/valgrind.sh" \
	  TEST_SUITE_LOG=test-suite-valgrind.log
.PHONY: check-valgrind
EXTRA_DIST += tests/valgrind.sh tests/valgrind.supp

# --- Not in `make check`.
# Churn soak: `make soak [SOAK_SECONDS=60] [SOAK_RATE=500]`; it runs for a
# minute and forks hundreds a second.
EXTRA_PROGRAMS += tests/soak/soak
CLEANFILES += tests/soak/soak
tests_soak_soak_SOURCES = tests/soak/soak.c
tests_soak_soak_LDADD = common/libpgcore.la -lpthread
SOAK_SECONDS = 60
SOAK_RATE = 500
soak: tests/soak/soak
	$(SHELL) $(srcdir)/tests/soak/run.sh $(SOAK_SECONDS) $(SOAK_RATE)
.PHONY: soak
# The Debian packages built, installed, exercised and purged (needs root).
EXTRA_DIST += tests/soak/run.sh tests/package.sh

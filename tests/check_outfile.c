/* SPDX-License-Identifier: MIT */
/* pg_outfile: the report replaced whole, with O_TMPFILE and with random
 * names; what is planted at the target (a symlink, a FIFO) is replaced, not
 * followed or opened; a failed write leaves the target and no temporary
 * name; the directory checks. Each test runs in its own temp directory. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/check_main.h"
#include "common/outfile.h"

static char dir[PATH_MAX];

static void setup(void) {
        snprintf(dir, sizeof(dir), "%s/check_outfile.XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        umask(022);
}

static void teardown(void) {
        char cmd[PATH_MAX + 16];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                fprintf(stderr, "cannot remove %s\n", dir);
}

static const char *in_dir(const char *name) {
        static char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        return p;
}

static void put(const char *name, const char *text) {
        FILE *f = fopen(in_dir(name), "w");

        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
}

static char *get(const char *name) {
        static char buf[256];
        int fd = open(in_dir(name), O_RDONLY | O_NONBLOCK);
        ssize_t n;

        ck_assert_int_ge(fd, 0);
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        ck_assert_int_ge(n, 0);
        buf[n] = '\0';
        return buf;
}

/* The names in dir, sorted, joined by spaces. */
static char *listing(void) {
        static char out[1024];
        struct dirent **ents;
        int n = scandir(dir, &ents, NULL, alphasort);

        ck_assert_int_ge(n, 0);
        out[0] = '\0';
        for (int i = 0; i < n; i++) {
                if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
                        if (out[0])
                                strcat(out, " ");
                        strcat(out, ents[i]->d_name);
                }
                free(ents[i]);
        }
        free(ents);
        return out;
}

/* _i: 0 with O_TMPFILE where the file system has it, 1 with random names. */
static unsigned mode_flags(int i) {
        return i ? PG_OUTFILE_NAMED : 0;
}

START_TEST(replaces_whole) {
        struct pg_outfile *f;
        struct stat a, b;

        char buf[8] = "";
        int old;

        put("r.prom", "old\n");
        old = open(in_dir("r.prom"), O_RDONLY);
        ck_assert_int_ge(old, 0);
        ck_assert_int_eq(fstat(old, &a), 0);
        ck_assert_int_eq(pg_outfile_open(in_dir("r.prom"), mode_flags(_i), &f), 0);
        ck_assert_str_eq(pg_outfile_dir(f), dir);
        ck_assert_int_eq(pg_outfile_write(f, "one\n", 4), 0);
        ck_assert_str_eq(get("r.prom"), "one\n");
        ck_assert_int_eq(pg_outfile_write(f, "two\n", 4), 0);
        ck_assert_int_eq(pg_outfile_write(f, "", 0), 0);
        ck_assert_str_eq(get("r.prom"), "");
        ck_assert_int_eq(pg_outfile_write(f, "three\n", 6), 0);
        ck_assert_str_eq(get("r.prom"), "three\n");
        ck_assert_int_eq(stat(in_dir("r.prom"), &b), 0);
        /* A new file each time, renamed over the old one: never rewritten
         * in place, where a reader could see half. */
        ck_assert_uint_ne(a.st_ino, b.st_ino);
        ck_assert_int_eq(pread(old, buf, sizeof(buf) - 1, 0), 4);
        ck_assert_str_eq(buf, "old\n");
        close(old);
        ck_assert_uint_eq(b.st_mode & 07777, 0644);
        ck_assert_uint_eq(b.st_nlink, 1);
        ck_assert_str_eq(listing(), "r.prom");
        pg_outfile_free(f);
}
END_TEST

START_TEST(planted_symlink_is_replaced) {
        struct pg_outfile *f;
        struct stat st;

        put("victim", "secret\n");
        ck_assert_int_eq(chmod(in_dir("victim"), 0600), 0);
        char victim[PATH_MAX];

        snprintf(victim, sizeof(victim), "%s", in_dir("victim"));
        ck_assert_int_eq(symlink(victim, in_dir("s.prom")), 0);
        ck_assert_int_eq(pg_outfile_open(in_dir("s.prom"), mode_flags(_i), &f), 0);
        ck_assert_int_eq(pg_outfile_write(f, "report\n", 7), 0);
        ck_assert_int_eq(lstat(in_dir("s.prom"), &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_str_eq(get("s.prom"), "report\n");
        ck_assert_str_eq(get("victim"), "secret\n");
        ck_assert_int_eq(stat(in_dir("victim"), &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0600);
        ck_assert_str_eq(listing(), "s.prom victim");
        pg_outfile_free(f);
}
END_TEST

/* A FIFO at the target is never opened (that would block until a reader
 * came): it is replaced. Check's timeout ends a hang. */
START_TEST(planted_fifo_is_replaced) {
        struct pg_outfile *f;
        struct stat st;

        ck_assert_int_eq(mkfifo(in_dir("f.prom"), 0666), 0);
        ck_assert_int_eq(pg_outfile_open(in_dir("f.prom"), mode_flags(_i), &f), 0);
        ck_assert_int_eq(pg_outfile_write(f, "report\n", 7), 0);
        ck_assert_int_eq(lstat(in_dir("f.prom"), &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_str_eq(get("f.prom"), "report\n");
        pg_outfile_free(f);
}
END_TEST

/* The rename fails (a directory holds the name): the target stays, and
 * the temporary file is gone. */
START_TEST(failure_leaves_no_trace) {
        struct pg_outfile *f;

        ck_assert_int_eq(mkdir(in_dir("d.prom"), 0755), 0);
        put("d.prom/keep", "x");
        ck_assert_int_eq(pg_outfile_open(in_dir("d.prom"), mode_flags(_i), &f), 0);
        ck_assert_int_lt(pg_outfile_write(f, "report\n", 7), 0);
        ck_assert_str_eq(listing(), "d.prom");
        ck_assert_str_eq(get("d.prom/keep"), "x");
        pg_outfile_free(f);
}
END_TEST

/* The directory is opened once: moving it away and putting another in
 * its place does not redirect the writes. */
START_TEST(directory_opened_once) {
        struct pg_outfile *f;
        char sub[PATH_MAX], moved[PATH_MAX];

        snprintf(sub, sizeof(sub), "%s/sub", dir);
        snprintf(moved, sizeof(moved), "%s/moved", dir);
        ck_assert_int_eq(mkdir(sub, 0755), 0);
        ck_assert_int_eq(pg_outfile_open(in_dir("sub/o.prom"), mode_flags(_i), &f), 0);
        ck_assert_int_eq(rename(sub, moved), 0);
        ck_assert_int_eq(mkdir(sub, 0755), 0);
        ck_assert_int_eq(pg_outfile_write(f, "r\n", 2), 0);
        ck_assert_str_eq(get("moved/o.prom"), "r\n");
        ck_assert_int_eq(access(in_dir("sub/o.prom"), F_OK), -1);
        pg_outfile_free(f);
}
END_TEST

START_TEST(open_errors) {
        struct pg_outfile *f = NULL;
        char cwd[PATH_MAX];

        ck_assert_int_eq(pg_outfile_open(in_dir("missing/x"), 0, &f), -ENOENT);
        ck_assert_int_eq(pg_outfile_open(in_dir("sub/"), 0, &f), -EISDIR);
        ck_assert_int_eq(pg_outfile_open(in_dir("."), 0, &f), -EISDIR);
        ck_assert_int_eq(pg_outfile_open(in_dir(".."), 0, &f), -EISDIR);
        put("file", "x");
        ck_assert_int_eq(pg_outfile_open(in_dir("file/x"), 0, &f), -ENOTDIR);
        ck_assert_ptr_null(f);
        pg_outfile_free(NULL);
        /* No slash: the current directory. */
        ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
        ck_assert_int_eq(chdir(dir), 0);
        ck_assert_int_eq(pg_outfile_open("here.prom", 0, &f), 0);
        ck_assert_str_eq(pg_outfile_dir(f), ".");
        ck_assert_int_eq(pg_outfile_write(f, "h\n", 2), 0);
        pg_outfile_free(f);
        ck_assert_int_eq(chdir(cwd), 0);
        ck_assert_str_eq(get("here.prom"), "h\n");
        ck_assert_int_eq(pg_outfile_open("/x.prom", 0, &f), 0);
        ck_assert_str_eq(pg_outfile_dir(f), "/");
        pg_outfile_free(f);
}
END_TEST

START_TEST(shared_directory) {
        struct pg_outfile *f;
        mode_t mode;

        ck_assert_int_eq(pg_outfile_open(in_dir("x.prom"), 0, &f), 0);
        ck_assert_int_eq(chmod(dir, 0755), 0);
        ck_assert_int_eq(pg_outfile_dir_shared(f, &mode), 0);
        ck_assert_uint_eq(mode, 0755);
        ck_assert_int_eq(chmod(dir, 0777), 0);
        ck_assert_int_eq(pg_outfile_dir_shared(f, &mode), 1);
        ck_assert_int_eq(chmod(dir, 01777), 0);
        ck_assert_int_eq(pg_outfile_dir_shared(f, &mode), 1);
        ck_assert_uint_eq(mode, 01777);
        ck_assert_int_eq(chmod(dir, 0700), 0);
        ck_assert_int_eq(pg_outfile_dir_shared(f, NULL), 0);
        pg_outfile_free(f);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("outfile");
        TCase *w = tcase_create("write"), *o = tcase_create("open");

        tcase_add_checked_fixture(w, setup, teardown);
        tcase_add_checked_fixture(o, setup, teardown);
        tcase_add_loop_test(w, replaces_whole, 0, 2);
        tcase_add_loop_test(w, planted_symlink_is_replaced, 0, 2);
        tcase_add_loop_test(w, planted_fifo_is_replaced, 0, 2);
        tcase_add_loop_test(w, failure_leaves_no_trace, 0, 2);
        tcase_add_loop_test(w, directory_opened_once, 0, 2);
        tcase_add_test(o, open_errors);
        tcase_add_test(o, shared_directory);
        suite_add_tcase(s, w);
        suite_add_tcase(s, o);
        return s;
}

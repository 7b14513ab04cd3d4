/* SPDX-License-Identifier: MIT */
/* The pure parts of the --listen server (plugin/http.c): the --listen
 * value, the telemetry path and Accept-Encoding, on string literals. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>

#include "plugin/http.h"
#include "tests/check_main.h"

static int split(const char *spec, char *host, unsigned *port) {
        char err[256];

        return pg_http_split_listen(spec, host, 64, port, err, sizeof(err));
}

START_TEST(listen_forms) {
        char host[64];
        unsigned port = 1;

        ck_assert_int_eq(split("127.0.0.1:9256", host, &port), 0);
        ck_assert_str_eq(host, "127.0.0.1");
        ck_assert_uint_eq(port, 9256);
        ck_assert_int_eq(split(":9256", host, &port), 0);
        ck_assert_str_eq(host, "");
        ck_assert_int_eq(split("[::1]:0", host, &port), 0);
        ck_assert_str_eq(host, "::1");
        ck_assert_uint_eq(port, 0);
        ck_assert_int_eq(split("[fe80::1%eth0]:65535", host, &port), 0);
        ck_assert_str_eq(host, "fe80::1%eth0");
        ck_assert_uint_eq(port, 65535);
        ck_assert_int_eq(split("localhost:80", host, &port), 0);
        ck_assert_str_eq(host, "localhost");
}
END_TEST

START_TEST(listen_refused) {
        static const char *const bad[] = {
            "9256",
            "127.0.0.1",
            "127.0.0.1:",
            ":65536",
            ":-1",
            ":+1",
            ":99999999999999999999",
            ":12x",
            "::1:9256",
            "[::1:9256",
            "[::1]9256",
            "::1]:9256",
            "]:1",
        };
        char host[64], err[256];
        unsigned port;

        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                err[0] = '\0';
                ck_assert_msg(pg_http_split_listen(bad[i], host, sizeof(host), &port, err,
                                                   sizeof(err)) == -EINVAL,
                              "accepted %s", bad[i]);
                ck_assert_msg(strstr(err, bad[i]) || strstr(err, "--listen"), "%s: %s", bad[i],
                              err);
        }
        /* A host longer than the caller's buffer. */
        ck_assert_int_eq(pg_http_split_listen("abcdefgh:1", host, 4, &port, err, sizeof(err)),
                         -EINVAL);
}
END_TEST

START_TEST(paths) {
        char err[512];
        char big[PG_HTTP_PATH_MAX + 2];

        ck_assert_int_eq(pg_http_check_path("/metrics", err, sizeof(err)), 0);
        ck_assert_int_eq(pg_http_check_path("/", err, sizeof(err)), 0);
        ck_assert_int_eq(pg_http_check_path("/a-b/c_d.e~f!$+,;=:@", err, sizeof(err)), 0);
        ck_assert_int_eq(pg_http_check_path("metrics", err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "must start with '/'"));
        ck_assert_int_eq(pg_http_check_path("", err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(pg_http_check_path("/a b", err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "0x20"));
        /* Nothing that HTML (the landing page's link) would need escaped. */
        ck_assert_int_eq(pg_http_check_path("/\"><script>", err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(pg_http_check_path("/a?b", err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(pg_http_check_path("/a&b", err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(pg_http_check_path("/\xc3\xa9", err, sizeof(err)), -EINVAL);
        memset(big, 'a', sizeof(big) - 1);
        big[0] = '/';
        big[sizeof(big) - 1] = '\0';
        ck_assert_int_eq(pg_http_check_path(big, err, sizeof(err)), -EINVAL);
        big[sizeof(big) - 2] = '\0';
        ck_assert_int_eq(pg_http_check_path(big, err, sizeof(err)), 0);
}
END_TEST

START_TEST(gzip_accepted) {
        static const char *const yes[] = {
            "gzip",
            "GZIP",
            "deflate, gzip",
            "gzip;q=0.5",
            "gzip; q=1",
            "br;q=1, gzip ;q=0.001",
            "*",
            "*;q=0.1",
            "x-gzip",
            "identity, gzip, deflate, br",
            "gzip;q=1.0,*;q=0",
        };
        static const char *const no[] = {
            "",      "identity",    "deflate, br", "gzip;q=0", "gzip;q=0.0", "gzip; q=0.000",
            "*;q=0", "gzip;q=0, *", "gzipx",       "xgzip",    "gzi",        "*x",
        };

        for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
                ck_assert_msg(pg_http_accepts_gzip(yes[i]), "refused: %s", yes[i]);
        for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
                ck_assert_msg(!pg_http_accepts_gzip(no[i]), "accepted: %s", no[i]);
        ck_assert(!pg_http_accepts_gzip(NULL));
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("http");
        TCase *listen = tcase_create("listen"), *path = tcase_create("path"),
              *enc = tcase_create("encoding");

        tcase_add_test(listen, listen_forms);
        tcase_add_test(listen, listen_refused);
        tcase_add_test(path, paths);
        tcase_add_test(enc, gzip_accepted);
        suite_add_tcase(s, listen);
        suite_add_tcase(s, path);
        suite_add_tcase(s, enc);
        return s;
}

/* SPDX-License-Identifier: MIT */
/* The Netdata protocol sanitisers: no name may carry a byte that ends a
 * word, a quote or a line. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/check_main.h"
#include "plugin/ndproto.h"

START_TEST(id_keeps_safe_bytes) {
        char key[ND_KEY_MAX + 1];

        ck_assert_uint_eq(nd_sanitize_id("nginx-1.2_x", ND_KEY_MAX, key), 11);
        ck_assert_str_eq(key, "nginx-1.2_x");
}
END_TEST

START_TEST(id_replaces_the_rest) {
        char key[ND_KEY_MAX + 1];

        nd_sanitize_id("a b'c\"d=e\nf\\g\th\xc3\xa9", ND_KEY_MAX, key);
        ck_assert_str_eq(key, "a_b_c_d_e_f_g_h__");
}
END_TEST

START_TEST(id_bounded_and_never_empty) {
        char key[ND_KEY_MAX + 1], big[1000];

        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        ck_assert_uint_eq(nd_sanitize_id(big, 500, key), ND_KEY_MAX);
        ck_assert_uint_eq(nd_sanitize_id(big, 10, key), 10);
        nd_sanitize_id("", ND_KEY_MAX, key);
        ck_assert_str_eq(key, "unnamed");
}
END_TEST

START_TEST(label_keeps_spaces_and_utf8) {
        char v[ND_LABEL_MAX + 1];

        nd_sanitize_label("SET x = 1 caf\xc3\xa9", v);
        ck_assert_str_eq(v, "SET x = 1 caf\xc3\xa9");
}
END_TEST

START_TEST(label_drops_quotes_controls_bad_utf8) {
        char v[ND_LABEL_MAX + 1];

        nd_sanitize_label("a'b\"c\\d\ne\r\x7f\xff\xc3", v);
        ck_assert_str_eq(v, "a_b_c_d_e____");
}
END_TEST

START_TEST(label_cut_on_a_character_boundary) {
        char v[ND_LABEL_MAX + 1], big[400];
        size_t n;

        /* 'x' then two-byte characters: the cut must not split one */
        big[0] = 'x';
        for (size_t i = 1; i + 2 < sizeof(big); i += 2)
                memcpy(big + i, "\xc3\xa9", 2);
        big[sizeof(big) - 1] = '\0';
        n = nd_sanitize_label(big, v);
        ck_assert_uint_le(n, ND_LABEL_MAX);
        ck_assert_uint_eq(n, ND_LABEL_MAX - 1);
        ck_assert_uint_eq(pg_utf8_seq_len((const unsigned char *)v + n - 2, 2), 2);
        nd_sanitize_label("", v);
        ck_assert_str_eq(v, "unnamed");
}
END_TEST

START_TEST(values_are_int64_without_leading_zeros) {
        struct pg_out o;

        pg_out_init(&o, -1);
        nd_out_value(&o, 0);
        pg_out_char(&o, ' ');
        nd_out_value(&o, 10);
        pg_out_char(&o, ' ');
        nd_out_value(&o, UINT64_MAX);
        pg_out_char(&o, '\0');
        ck_assert_str_eq(o.data, "0 10 9223372036854775807");
        pg_out_free(&o);
}
END_TEST

Suite *pg_test_suite(void) {
        Suite *s = suite_create("ndproto");
        TCase *ids = tcase_create("ids"), *labels = tcase_create("labels"),
              *values = tcase_create("values");

        tcase_add_test(ids, id_keeps_safe_bytes);
        tcase_add_test(ids, id_replaces_the_rest);
        tcase_add_test(ids, id_bounded_and_never_empty);
        tcase_add_test(labels, label_keeps_spaces_and_utf8);
        tcase_add_test(labels, label_drops_quotes_controls_bad_utf8);
        tcase_add_test(labels, label_cut_on_a_character_boundary);
        tcase_add_test(values, values_are_int64_without_leading_zeros);
        suite_add_tcase(s, ids);
        suite_add_tcase(s, labels);
        suite_add_tcase(s, values);
        return s;
}

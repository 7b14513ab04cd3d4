/* SPDX-License-Identifier: MIT */
/* Output: a buffered writer on a file descriptor (no stdio), exact number
 * printing, and escaping for JSON and the Prometheus text format. */
#ifndef PG_FORMAT_H
#define PG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc.h"

struct pg_out {
        char *data;
        size_t len;
        size_t cap;
        int fd;  /* -1: collect in memory only */
        int err; /* first error (negative errno), sticky */
        /* For a non-blocking fd: called when a write would block; returns
         * 0 to write again or a negative errno that ends the flush (and
         * becomes the sticky error). NULL: EAGAIN is an error like any. */
        int (*wait)(void *ctx);
        void *wait_ctx;
};

void pg_out_init(struct pg_out *o, int fd);
void pg_out_free(struct pg_out *o);
/* Write what is buffered to o->fd. Returns 0 or the sticky error. */
int pg_out_flush(struct pg_out *o);

void pg_out_mem(struct pg_out *o, const void *p, size_t n);
void pg_out_str(struct pg_out *o, const char *s);
void pg_out_char(struct pg_out *o, char c);
void pg_out_u64(struct pg_out *o, uint64_t v);
void pg_out_i64(struct pg_out *o, int64_t v);
/* num/den as an exact decimal when den divides a power of ten (ticks at
 * 100 Hz), otherwise rounded to 9 fractional digits; no trailing zeros. */
void pg_out_ratio(struct pg_out *o, uint64_t num, uint64_t den);
/* A finite double in the shortest form that reads back the same. */
void pg_out_double(struct pg_out *o, double v);
/* A JSON string with quotes: control bytes, quote and backslash escaped,
 * invalid UTF-8 replaced by U+FFFD, so any byte string stays valid JSON. */
void pg_out_json_str(struct pg_out *o, const char *s, size_t n);
/* A Prometheus label value body (no quotes): \, " and newline escaped,
 * invalid UTF-8 replaced by U+FFFD. */
void pg_out_prom_label(struct pg_out *o, const char *s, size_t n);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
size_t pg_utf8_seq_len(const unsigned char *s, size_t n);

/* True when s is valid UTF-8 throughout. */
bool pg_utf8_valid(const char *s);
/* The printed form of a name in JSON and Prometheus: invalid UTF-8 bytes
 * become U+FFFD, one each, as pg_out_json_str and pg_out_prom_label print
 * them. Returns a string the caller frees, or NULL (out of memory). */
char *pg_name_utf8(const char *raw);

/* A name's printed form; returns a string the caller frees, or NULL. */
typedef char *(*pg_name_fn)(const char *raw);

/* Distinct printed names for n distinct raw names. Names whose printed
 * forms are equal are taken in raw byte order: the first keeps its form,
 * each next one gets "_2", "_3", ... (the smallest k not yet used and not
 * the printed form of another name), so the result depends only on the
 * set of raw names. max > 0 bounds every result to max bytes: the form is
 * cut (at a UTF-8 boundary) to leave room for the suffix; print must
 * already keep its own forms within max. On success *ret is an array of n
 * strings in the order of raw, freed with pg_names_free. Returns 0 or
 * -ENOMEM. */
int pg_names_distinct(const char *const *raw, size_t n, pg_name_fn print, size_t max, char ***ret);
void pg_names_free(char **names, size_t n);

/* One process of `--list --format json`, in the contract's key order. */
void pg_format_proc_json(struct pg_out *o, const struct pg_procfs *fs, const struct pg_idinfo *ii);
/* The "counts" object body of the contract. */
void pg_format_counts_json(struct pg_out *o, const struct pg_procfs *fs, const struct pg_counts *c);
void pg_format_states_json(struct pg_out *o, const struct pg_states *s);

#endif

/* SPDX-License-Identifier: MIT */
/* The Netdata external plugin protocol, as Netdata 1.37 parses it: lines
 * of at most 15,360 bytes and 20 words, words split on space, tab, CR, LF
 * and '=', a word starting with ' or " running to the same quote, a
 * backslash escaping the next byte. Everything that comes from a process
 * (group names) goes through the sanitisers below, so no name can add a
 * word, end a line or forge a keyword. */
#ifndef PG_NDPROTO_H
#define PG_NDPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/format.h"

/* Longest sanitised group key in chart ids: "procgroups." + key + "_" + the
 * longest metric suffix stays well below Netdata's 200-byte id limit. */
#define ND_KEY_MAX 100
/* Longest label value we send (bytes, without the quotes). */
#define ND_LABEL_MAX 128

/* Write an id fragment of name into ret (room for ND_KEY_MAX + 1 bytes):
 * bytes outside [A-Za-z0-9_.-] become '_', cut at max bytes (max <=
 * ND_KEY_MAX); an empty name gives "unnamed". Returns the length. */
size_t nd_sanitize_id(const char *name, size_t max, char *ret);

/* Write a label value of name into ret (room for ND_LABEL_MAX + 1): quotes,
 * backslash, control bytes and invalid UTF-8 become '_', cut at
 * ND_LABEL_MAX bytes on a character boundary; empty gives "unnamed".
 * Returns the length. */
size_t nd_sanitize_label(const char *name, char *ret);

/* A value as Netdata reads it: a signed 64-bit decimal, no leading zeros;
 * larger unsigned values are clamped to INT64_MAX (never wrap). */
void nd_out_value(struct pg_out *o, uint64_t v);

/* A quoted word: 'text'. Callers pass only sanitised or literal text
 * without single quotes. */
void nd_out_quoted(struct pg_out *o, const char *s);

#endif

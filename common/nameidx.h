/* SPDX-License-Identifier: MIT */
/* A hash index of names: string -> a caller's index (into an array it
 * owns), so that finding a group or a thread name costs O(1) however many
 * there are. The names are the caller's and must stay put while indexed.
 * Open addressing with linear probing; deletion shifts back the entries
 * after the hole (no tombstones), and the table shrinks when it empties,
 * so that a churn of names that come and go leaves no memory behind. */
#ifndef PG_NAMEIDX_H
#define PG_NAMEIDX_H

#include <stddef.h>
#include <stdint.h>

struct pg_nameidx_slot {
        const char *name; /* NULL: empty */
        uint32_t hash;
        uint32_t idx;
};

struct pg_nameidx {
        struct pg_nameidx_slot *tab;
        size_t cap; /* power of two, or 0 */
        size_t n;
};

/* Whether name is indexed: 1 with its index in *ret_idx, or 0. */
int pg_nameidx_find(const struct pg_nameidx *ix, const char *name, uint32_t *ret_idx);
/* Index name (not indexed yet) as idx. Returns 0 or -ENOMEM. */
int pg_nameidx_add(struct pg_nameidx *ix, const char *name, uint32_t idx);
/* Point the indexed name at idx instead (its entry moved). */
void pg_nameidx_move(struct pg_nameidx *ix, const char *name, uint32_t idx);
/* Take name out of the index (absent is fine); never fails: a table that
 * cannot shrink stays as it is. */
void pg_nameidx_del(struct pg_nameidx *ix, const char *name);
void pg_nameidx_free(struct pg_nameidx *ix);

#endif

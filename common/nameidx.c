/* SPDX-License-Identifier: MIT */
/* The hash index of names; see nameidx.h. */
#include "config.h"
#include "nameidx.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CAP 16

/* FNV-1a, 32 bits: names are short. It is not keyed: names chosen to
 * collide make long probe runs, which max_groups and max_thread_names
 * bound. */
static uint32_t hash_of(const char *s) {
        uint32_t h = 2166136261u;

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 16777619u;
        return h;
}

/* The slot of name, or of the empty slot where it would go. */
static size_t probe(const struct pg_nameidx *ix, const char *name, uint32_t h) {
        size_t mask = ix->cap - 1, i = h & mask;

        while (ix->tab[i].name && (ix->tab[i].hash != h || strcmp(ix->tab[i].name, name) != 0))
                i = (i + 1) & mask;
        return i;
}

int pg_nameidx_find(const struct pg_nameidx *ix, const char *name, uint32_t *ret_idx) {
        size_t i;

        if (ix->n == 0)
                return 0;
        i = probe(ix, name, hash_of(name));
        if (!ix->tab[i].name)
                return 0;
        *ret_idx = ix->tab[i].idx;
        return 1;
}

static int resize(struct pg_nameidx *ix, size_t cap) {
        struct pg_nameidx_slot *old = ix->tab;
        size_t oldcap = ix->cap;

        ix->tab = calloc(cap, sizeof(*ix->tab));
        if (!ix->tab) {
                ix->tab = old;
                return -ENOMEM;
        }
        ix->cap = cap;
        for (size_t k = 0; k < oldcap; k++)
                if (old[k].name)
                        ix->tab[probe(ix, old[k].name, old[k].hash)] = old[k];
        free(old);
        return 0;
}

int pg_nameidx_add(struct pg_nameidx *ix, const char *name, uint32_t idx) {
        uint32_t h = hash_of(name);

        /* At most half full: probe runs stay short. */
        if ((ix->n + 1) * 2 > ix->cap && resize(ix, ix->cap ? ix->cap * 2 : MIN_CAP) < 0)
                return -ENOMEM;
        ix->tab[probe(ix, name, h)] = (struct pg_nameidx_slot){name, h, idx};
        ix->n++;
        return 0;
}

void pg_nameidx_move(struct pg_nameidx *ix, const char *name, uint32_t idx) {
        size_t i;

        if (ix->n == 0)
                return;
        i = probe(ix, name, hash_of(name));
        if (ix->tab[i].name)
                ix->tab[i].idx = idx;
}

/* Whether home lies cyclically in (hole, i]: then the entry at i may not
 * move back to the hole. */
static bool between(size_t hole, size_t home, size_t i) {
        return hole <= i ? hole < home && home <= i : hole < home || home <= i;
}

void pg_nameidx_del(struct pg_nameidx *ix, const char *name) {
        size_t mask, hole, i;

        if (ix->n == 0)
                return;
        mask = ix->cap - 1;
        hole = probe(ix, name, hash_of(name));
        if (!ix->tab[hole].name)
                return;
        /* Shift back the entries of the run after the hole that may fill
         * it, so that every probe run stays unbroken. */
        for (i = (hole + 1) & mask; ix->tab[i].name; i = (i + 1) & mask) {
                if (between(hole, ix->tab[i].hash & mask, i))
                        continue;
                ix->tab[hole] = ix->tab[i];
                hole = i;
        }
        ix->tab[hole].name = NULL;
        ix->n--;
        if (ix->cap > MIN_CAP && ix->n * 8 < ix->cap)
                (void)resize(ix, ix->cap / 2);
}

void pg_nameidx_free(struct pg_nameidx *ix) {
        free(ix->tab);
        *ix = (struct pg_nameidx){0};
}

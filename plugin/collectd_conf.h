/* SPDX-License-Identifier: MIT */
/* The <Plugin procgroups> block of collectd.conf turned into rules and
 * tracker options. Only plugin/collectd.c uses it; split out so that the
 * option table can be read on its own. */
#ifndef PG_COLLECTD_CONF_H
#define PG_COLLECTD_CONF_H

#include <stdbool.h>

#include "common/match.h"
#include "common/track.h"

struct oconfig_item_s;

/* The per-group switches of collectd's processes plugin, with its meaning
 * and defaults (all off): what a group adds to the identifiers that it
 * always has. */
enum {
        PG_CD_FDS = 1u << 0,  /* CollectFileDescriptor: file_handles */
        PG_CD_CTX = 1u << 1,  /* CollectContextSwitch: contextswitch-* */
        PG_CD_MAPS = 1u << 2, /* CollectMemoryMaps: file_handles-mapped */
};

/* The switches of one Process or ProcessMatch line or block. */
struct pg_cd_collect {
        char *name; /* the group's name (a copy: the config tree is freed) */
        unsigned flags;
};

struct pg_cd_conf {
        char *procfs; /* NULL: /proc */
        struct pg_track_opts opts;
        struct pg_rules *rules; /* NULL until the first rule */
        bool failed;            /* a bad option was seen: refuse to start */
        /* As in processes: a switch outside a block sets the default of
         * the Process and ProcessMatch lines after it; its last value is
         * that of every other group (Match templates, the default rule). */
        unsigned collect;
        struct pg_cd_collect *named; /* one per Process/ProcessMatch */
        size_t nnamed;
};

void pg_cd_conf_init(struct pg_cd_conf *c);
void pg_cd_conf_free(struct pg_cd_conf *c);

/* Apply one <Plugin procgroups> block (there may be several; rules append).
 * Every bad option is logged through plugin_log with its name; returns 0,
 * or -1 when any option was bad (c->failed is then set). */
int pg_cd_conf_apply(struct pg_cd_conf *c, const struct oconfig_item_s *ci);

/* The PG_CD_* switches of the group named name: those of the first
 * Process or ProcessMatch of that name, else the block's (c->collect). */
unsigned pg_cd_conf_collect(const struct pg_cd_conf *c, const char *name);

/* Whether any group may want its mappings counted (tracker option maps). */
bool pg_cd_conf_any_maps(const struct pg_cd_conf *c);

#endif

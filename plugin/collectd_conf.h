/* The <Plugin procgroups> block of collectd.conf turned into rules and
 * tracker options. Only plugin/collectd.c uses it; split out so that the
 * option table can be read on its own. */
#ifndef PG_COLLECTD_CONF_H
#define PG_COLLECTD_CONF_H

#include <stdbool.h>

#include "common/match.h"
#include "common/track.h"

struct oconfig_item_s;

struct pg_cd_conf {
        char *procfs; /* NULL: /proc */
        struct pg_track_opts opts;
        struct pg_rules *rules; /* NULL until the first rule */
        bool failed;            /* a bad option was seen: refuse to start */
};

void pg_cd_conf_init(struct pg_cd_conf *c);
void pg_cd_conf_free(struct pg_cd_conf *c);

/* Apply one <Plugin procgroups> block (there may be several; rules append).
 * Every bad option is logged through plugin_log with its name; returns 0,
 * or -1 when any option was bad (c->failed is then set). */
int pg_cd_conf_apply(struct pg_cd_conf *c, const struct oconfig_item_s *ci);

#endif

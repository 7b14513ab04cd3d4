/* SPDX-License-Identifier: MIT */
/* A small mock of collectd's plugin API, enough for plugin/collectd.c:
 * registration captures the callbacks, plugin_dispatch_values copies each
 * value list, plugin_log keeps the messages, cf_util_get_* behave as the
 * daemon's do. Also helpers to build oconfig trees in a test. */
#ifndef PG_MOCK_COLLECTD_H
#define PG_MOCK_COLLECTD_H

#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"

#define MOCK_MAX_VALUES 4

struct mock_vl {
        value_list_t vl; /* vl.values points into values */
        value_t values[MOCK_MAX_VALUES];
};

/* Every value list dispatched since the last mock_clear_values(). */
extern struct mock_vl *mock_vls;
extern size_t mock_nvls;
/* Every message logged since mock_reset(), one per line, "LEVEL message". */
extern char *mock_log_text;

/* Forget everything, including the registered callbacks. */
void mock_reset(void);
void mock_clear_values(void);

/* Call what the plugin registered (fail the test when it did not). */
int mock_config(oconfig_item_t *ci);
int mock_init(void);
int mock_read(void); /* the callback named "procgroups" */
int mock_shutdown(void);
/* The name and interval the first read callback was registered with. */
const char *mock_read_name(void);
cdtime_t mock_read_interval(void);
/* Read callbacks by name: registered?, its interval, call it. */
bool mock_has_read(const char *name);
cdtime_t mock_read_interval_of(const char *name);
int mock_read_named(const char *name);

/* The last dispatched value list with these names (ti may be NULL for
 * none), or NULL. */
const struct mock_vl *mock_find(const char *plugin_instance, const char *type, const char *ti);
/* How many dispatched value lists have this plugin_instance. */
size_t mock_count_instance(const char *plugin_instance);

/* Config trees: a node with key; children are appended to parent (whose
 * earlier children stay where they are). Values are appended to ci. */
oconfig_item_t *mock_ci_new(const char *key);
oconfig_item_t *mock_ci_child(oconfig_item_t *parent, const char *key);
void mock_ci_str(oconfig_item_t *ci, const char *s);
void mock_ci_bool(oconfig_item_t *ci, int b);
void mock_ci_num(oconfig_item_t *ci, double d);
void mock_ci_free(oconfig_item_t *ci);

#endif

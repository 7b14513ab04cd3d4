/* SPDX-License-Identifier: MIT */
/* The mock of collectd's plugin API; see mock_collectd.h. It implements
 * only what plugin/collectd.c calls, each as the daemon documents it. */
#include "tests/mock_collectd.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_CHILDREN 64

char *hostname_g = "mockhost";
cdtime_t interval_g = TIME_T_TO_CDTIME_T_STATIC(10);

struct mock_vl *mock_vls;
size_t mock_nvls;
char *mock_log_text;

static size_t log_len;
static cdtime_t now;
static int (*config_cb)(oconfig_item_t *);
static plugin_init_cb init_cb;
static plugin_shutdown_cb shutdown_cb;
/* Every read callback registered, in order: the plugin's own first. */
#define MOCK_MAX_READS 4
static struct {
        char name[DATA_MAX_NAME_LEN];
        plugin_read_cb cb;
        cdtime_t interval;
} reads[MOCK_MAX_READS];
static size_t nreads;

void mock_clear_values(void) {
        free(mock_vls);
        mock_vls = NULL;
        mock_nvls = 0;
}

void mock_reset(void) {
        mock_clear_values();
        free(mock_log_text);
        mock_log_text = NULL;
        log_len = 0;
        config_cb = NULL;
        init_cb = NULL;
        shutdown_cb = NULL;
        memset(reads, 0, sizeof(reads));
        nreads = 0;
}

/* A clock that moves at every call, so that a test sees how often the
 * plugin asked for the time. */
cdtime_t cdtime(void) {
        now += TIME_T_TO_CDTIME_T_STATIC(1);
        return now;
}

cdtime_t plugin_get_interval(void) {
        return interval_g;
}

int plugin_register_complex_config(const char *type, int (*callback)(oconfig_item_t *)) {
        ck_assert_str_eq(type, "procgroups");
        config_cb = callback;
        return 0;
}

int plugin_register_init(const char *name, plugin_init_cb callback) {
        ck_assert_str_eq(name, "procgroups");
        init_cb = callback;
        return 0;
}

int plugin_register_complex_read(const char *group, const char *name, plugin_read_cb callback,
                                 cdtime_t interval, user_data_t const *user_data) {
        /* As the daemon: a second callback of one name is refused. */
        for (size_t i = 0; i < nreads; i++)
                if (strcmp(reads[i].name, name) == 0)
                        return -1;
        ck_assert_uint_lt(nreads, MOCK_MAX_READS);
        snprintf(reads[nreads].name, sizeof(reads[nreads].name), "%s", name);
        reads[nreads].cb = callback;
        reads[nreads].interval = interval;
        nreads++;
        return 0;
}

int plugin_register_shutdown(const char *name, plugin_shutdown_cb callback) {
        ck_assert_str_eq(name, "procgroups");
        shutdown_cb = callback;
        return 0;
}

int plugin_dispatch_values(value_list_t const *vl) {
        struct mock_vl *m;

        ck_assert_msg(vl->values_len >= 1 && vl->values_len <= MOCK_MAX_VALUES, "values_len %zu",
                      vl->values_len);
        /* What the daemon would reject or mangle. */
        ck_assert_msg(vl->plugin[0] != '\0', "empty plugin name");
        ck_assert_msg(vl->type[0] != '\0', "empty type");
        ck_assert_msg(strchr(vl->plugin_instance, '/') == NULL, "'/' in plugin_instance %s",
                      vl->plugin_instance);
        m = realloc(mock_vls, (mock_nvls + 1) * sizeof(*m));
        ck_assert_ptr_nonnull(m);
        mock_vls = m;
        m = &mock_vls[mock_nvls++];
        m->vl = *vl;
        memcpy(m->values, vl->values, vl->values_len * sizeof(value_t));
        m->vl.values = NULL; /* moves with realloc; use m->values */
        return 0;
}

void plugin_log(int level, const char *format, ...) {
        static const char *const names[] = {[LOG_ERR] = "ERROR",
                                            [LOG_WARNING] = "WARNING",
                                            [LOG_NOTICE] = "NOTICE",
                                            [LOG_INFO] = "INFO",
                                            [LOG_DEBUG] = "DEBUG"};
        char msg[1024];
        va_list ap;
        size_t n;
        char *t;

        va_start(ap, format);
        vsnprintf(msg, sizeof(msg), format, ap);
        va_end(ap);
        n = strlen(msg) + 16;
        t = realloc(mock_log_text, log_len + n + 1);
        ck_assert_ptr_nonnull(t);
        mock_log_text = t;
        log_len +=
            (size_t)snprintf(t + log_len, n + 1, "%s %s\n",
                             level >= LOG_ERR && level <= LOG_DEBUG ? names[level] : "?", msg);
}

int cf_util_get_string(const oconfig_item_t *ci, char **ret_string) {
        char *s;

        if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING) {
                plugin_log(LOG_ERR, "The `%s' option requires exactly one string argument.",
                           ci->key);
                return -1;
        }
        s = strdup(ci->values[0].value.string);
        if (!s)
                return -1;
        free(*ret_string);
        *ret_string = s;
        return 0;
}

int cf_util_get_boolean(const oconfig_item_t *ci, bool *ret_bool) {
        const char *s;

        if (ci->values_num != 1 || (ci->values[0].type != OCONFIG_TYPE_BOOLEAN &&
                                    ci->values[0].type != OCONFIG_TYPE_STRING)) {
                plugin_log(LOG_ERR, "The %s option requires exactly one boolean argument.",
                           ci->key);
                return -1;
        }
        if (ci->values[0].type == OCONFIG_TYPE_BOOLEAN) {
                *ret_bool = ci->values[0].value.boolean != 0;
                return 0;
        }
        s = ci->values[0].value.string;
        if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
                *ret_bool = true;
        else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off"))
                *ret_bool = false;
        else {
                plugin_log(LOG_ERR,
                           "Cannot parse string value `%s' of the `%s' option as a "
                           "boolean value.",
                           s, ci->key);
                return -1;
        }
        return 0;
}

int mock_config(oconfig_item_t *ci) {
        ck_assert_ptr_nonnull(config_cb);
        return config_cb(ci);
}

int mock_init(void) {
        ck_assert_ptr_nonnull(init_cb);
        return init_cb();
}

static size_t read_index(const char *name) {
        for (size_t i = 0; i < nreads; i++)
                if (strcmp(reads[i].name, name) == 0)
                        return i;
        return nreads;
}

int mock_read_named(const char *name) {
        user_data_t ud = {0};
        size_t i = read_index(name);

        ck_assert_msg(i < nreads, "no read callback named %s", name);
        return reads[i].cb(&ud);
}

int mock_read(void) {
        return mock_read_named("procgroups");
}

bool mock_has_read(const char *name) {
        return read_index(name) < nreads;
}

cdtime_t mock_read_interval_of(const char *name) {
        size_t i = read_index(name);

        ck_assert_msg(i < nreads, "no read callback named %s", name);
        return reads[i].interval;
}

int mock_shutdown(void) {
        ck_assert_ptr_nonnull(shutdown_cb);
        return shutdown_cb();
}

const char *mock_read_name(void) {
        return nreads ? reads[0].name : "";
}

cdtime_t mock_read_interval(void) {
        return nreads ? reads[0].interval : 0;
}

const struct mock_vl *mock_find(const char *pi, const char *type, const char *ti) {
        for (size_t i = mock_nvls; i-- > 0;) {
                const value_list_t *vl = &mock_vls[i].vl;
                if (!strcmp(vl->plugin_instance, pi) && !strcmp(vl->type, type) &&
                    !strcmp(vl->type_instance, ti ? ti : ""))
                        return &mock_vls[i];
        }
        return NULL;
}

size_t mock_count_instance(const char *pi) {
        size_t n = 0;
        for (size_t i = 0; i < mock_nvls; i++)
                n += !strcmp(mock_vls[i].vl.plugin_instance, pi);
        return n;
}

oconfig_item_t *mock_ci_new(const char *key) {
        oconfig_item_t *ci = calloc(1, sizeof(*ci));
        ck_assert_ptr_nonnull(ci);
        ci->key = strdup(key);
        return ci;
}

oconfig_item_t *mock_ci_child(oconfig_item_t *parent, const char *key) {
        oconfig_item_t *ch;

        if (!parent->children) {
                parent->children = calloc(MAX_CHILDREN, sizeof(*parent->children));
                ck_assert_ptr_nonnull(parent->children);
        }
        ck_assert_int_lt(parent->children_num, MAX_CHILDREN);
        ch = &parent->children[parent->children_num++];
        ch->key = strdup(key);
        ch->parent = parent;
        return ch;
}

static oconfig_value_t *add_value(oconfig_item_t *ci, int type) {
        oconfig_value_t *v = realloc(ci->values, (size_t)(ci->values_num + 1) * sizeof(*v));
        ck_assert_ptr_nonnull(v);
        ci->values = v;
        v = &ci->values[ci->values_num++];
        memset(v, 0, sizeof(*v));
        v->type = type;
        return v;
}

void mock_ci_str(oconfig_item_t *ci, const char *s) {
        add_value(ci, OCONFIG_TYPE_STRING)->value.string = strdup(s);
}

void mock_ci_bool(oconfig_item_t *ci, int b) {
        add_value(ci, OCONFIG_TYPE_BOOLEAN)->value.boolean = b;
}

void mock_ci_num(oconfig_item_t *ci, double d) {
        add_value(ci, OCONFIG_TYPE_NUMBER)->value.number = d;
}

static void free_item(oconfig_item_t *ci) {
        for (int i = 0; i < ci->values_num; i++)
                if (ci->values[i].type == OCONFIG_TYPE_STRING)
                        free(ci->values[i].value.string);
        free(ci->values);
        for (int i = 0; i < ci->children_num; i++)
                free_item(&ci->children[i]);
        free(ci->children);
        free(ci->key);
}

void mock_ci_free(oconfig_item_t *ci) {
        if (!ci)
                return;
        free_item(ci);
        free(ci);
}

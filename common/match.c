/* Rules and their matching; see match.h. */
#include "config.h"
#include "match.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

#define MAX_CAPS 32

struct regex {
        pcre2_code *code;
        pcre2_match_data *md;
};

struct rule {
        struct pg_template *tmpl;
        char *tmpl_text;
        char **comm;
        size_t ncomm;
        char **exe;
        size_t nexe;
        struct regex *re;
        size_t nre;
};

struct pg_rules {
        struct rule *rules;
        size_t n;
        /* The space-joined argv, reused across matches. */
        char *joined;
        size_t joined_cap;
};

int pg_rules_new(struct pg_rules **ret) {
        struct pg_rules *rs = calloc(1, sizeof(*rs));

        if (!rs)
                return -ENOMEM;
        *ret = rs;
        return 0;
}

int pg_rules_new_default(struct pg_rules **ret) {
        struct pg_rules *rs;
        char err[256];
        int r = pg_rules_new(&rs);

        if (r < 0)
                return r;
        r = pg_rules_add(rs, "{{.Comm}}", NULL, 0, NULL, 0, NULL, 0, err, sizeof(err));
        if (r < 0) {
                pg_rules_free(rs);
                return r;
        }
        *ret = rs;
        return 0;
}

static void free_strv(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

static void rule_free(struct rule *r) {
        pg_template_free(r->tmpl);
        free(r->tmpl_text);
        free_strv(r->comm, r->ncomm);
        free_strv(r->exe, r->nexe);
        for (size_t i = 0; i < r->nre; i++) {
                pcre2_match_data_free(r->re[i].md);
                pcre2_code_free(r->re[i].code);
        }
        free(r->re);
}

void pg_rules_free(struct pg_rules *rs) {
        if (!rs)
                return;
        for (size_t i = 0; i < rs->n; i++)
                rule_free(&rs->rules[i]);
        free(rs->rules);
        free(rs->joined);
        free(rs);
}

size_t pg_rules_count(const struct pg_rules *rs) {
        return rs->n;
}

static int dup_strv(const char *const *src, size_t n, char ***ret) {
        char **v;

        *ret = NULL;
        if (n == 0)
                return 0;
        v = calloc(n, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                v[i] = strdup(src[i]);
                if (!v[i]) {
                        free_strv(v, i);
                        return -ENOMEM;
                }
        }
        *ret = v;
        return 0;
}

/* Does any regex of the rule define the named capture? */
static bool has_capture(const struct rule *r, const char *name) {
        for (size_t i = 0; i < r->nre; i++)
                if (pcre2_substring_number_from_name(r->re[i].code, (PCRE2_SPTR)name) >= 0)
                        return true;
        return false;
}

struct cap_check {
        const struct rule *rule;
        const char *missing;
};

static int check_capture(void *ud, const char *name) {
        struct cap_check *c = ud;

        if (has_capture(c->rule, name))
                return 0;
        c->missing = name;
        return 1;
}

int pg_rules_add(struct pg_rules *rs, const char *tmpl, const char *const *comm, size_t ncomm,
                 const char *const *exe, size_t nexe, const char *const *cmdline, size_t ncmdline,
                 char *err, size_t errsz) {
        struct rule r = {0}, *nr;
        struct cap_check cc;
        char msg[256];
        int ret;

        ret = pg_template_new(tmpl, &r.tmpl, msg, sizeof(msg));
        if (ret < 0) {
                /* The template's own message does not say which rule. */
                if (ret == -EINVAL)
                        snprintf(err, errsz, "rule \"%s\": %s", tmpl, msg);
                goto fail;
        }
        ret = -ENOMEM;
        r.tmpl_text = strdup(tmpl);
        if (!r.tmpl_text || dup_strv(comm, ncomm, &r.comm) < 0)
                goto fail;
        r.ncomm = ncomm;
        if (dup_strv(exe, nexe, &r.exe) < 0)
                goto fail;
        r.nexe = nexe;
        if (ncmdline) {
                r.re = calloc(ncmdline, sizeof(*r.re));
                if (!r.re)
                        goto fail;
        }
        for (size_t i = 0; i < ncmdline; i++) {
                int code;
                PCRE2_SIZE off;
                r.re[i].code =
                    pcre2_compile((PCRE2_SPTR)cmdline[i], PCRE2_ZERO_TERMINATED,
                                  PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
                if (!r.re[i].code) {
                        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof(msg));
                        snprintf(err, errsz, "rule \"%s\": cmdline regex \"%s\": %s at offset %zu",
                                 tmpl, cmdline[i], msg, (size_t)off);
                        ret = -EINVAL;
                        goto fail;
                }
                r.nre = i + 1;
                r.re[i].md = pcre2_match_data_create_from_pattern(r.re[i].code, NULL);
                if (!r.re[i].md)
                        goto fail;
        }
        cc.rule = &r;
        cc.missing = NULL;
        if (pg_template_each_match(r.tmpl, check_capture, &cc)) {
                snprintf(err, errsz,
                         "rule \"%s\": template uses {{.Matches.%s}} but no cmdline regex of the "
                         "rule captures (?P<%s>...)",
                         tmpl, cc.missing, cc.missing);
                ret = -EINVAL;
                goto fail;
        }
        nr = realloc(rs->rules, (rs->n + 1) * sizeof(*nr));
        if (!nr)
                goto fail;
        rs->rules = nr;
        rs->rules[rs->n++] = r;
        return 0;
fail:
        if (ret == -ENOMEM)
                snprintf(err, errsz, "rule \"%s\": out of memory", tmpl);
        rule_free(&r);
        return ret;
}

static bool match_list(char *const *list, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i], s) == 0)
                        return true;
        return false;
}

static bool match_exe(const struct rule *r, const struct pg_match_input *in) {
        const char *argv0 = in->cmdline, *base;

        if (in->argc == 0)
                return false;
        base = strrchr(argv0, '/');
        base = base ? base + 1 : argv0;
        for (size_t i = 0; i < r->nexe; i++) {
                const char *e = r->exe[i];
                if (strcmp(e, strchr(e, '/') ? argv0 : base) == 0)
                        return true;
        }
        return false;
}

static const char *join_argv(struct pg_rules *rs, const struct pg_match_input *in, size_t *len) {
        size_t n = in->cmdline_len;

        /* argv joined by single spaces, as process-exporter's
         * strings.Join(cmdline, " "): the trailing NULs are terminators,
         * not separators, and must not leave a space that defeats "$". */
        while (n > 0 && in->cmdline[n - 1] == '\0')
                n--;

        if (n + 1 > rs->joined_cap) {
                char *p = realloc(rs->joined, n + 1);
                if (!p)
                        return NULL;
                rs->joined = p;
                rs->joined_cap = n + 1;
        }
        for (size_t i = 0; i < n; i++)
                rs->joined[i] = in->cmdline[i] ? in->cmdline[i] : ' ';
        rs->joined[n] = '\0';
        *len = n;
        return rs->joined;
}

int pg_rules_match(const struct pg_rules *crs, const struct pg_match_input *in, char *name,
                   size_t namesz) {
        struct pg_rules *rs = (struct pg_rules *)crs; /* the join buffer is scratch */
        const char *joined = NULL;
        size_t jlen = 0;

        for (size_t i = 0; i < rs->n; i++) {
                const struct rule *r = &rs->rules[i];
                const char *cap_names[MAX_CAPS], *cap_values[MAX_CAPS];
                size_t cap_lens[MAX_CAPS], ncaps = 0;
                struct pg_template_ctx ctx;
                bool ok = true;

                if (r->ncomm && !match_list(r->comm, r->ncomm, in->comm))
                        continue;
                if (r->nexe && !match_exe(r, in))
                        continue;
                if (r->nre && !joined) {
                        joined = join_argv(rs, in, &jlen);
                        if (!joined)
                                return 0;
                }
                for (size_t k = 0; k < r->nre && ok; k++) {
                        uint32_t count, esize;
                        PCRE2_SPTR table;
                        PCRE2_SIZE *ov;

                        if (pcre2_match(r->re[k].code, (PCRE2_SPTR)joined, jlen, 0, 0, r->re[k].md,
                                        NULL) < 0) {
                                ok = false;
                                break;
                        }
                        ov = pcre2_get_ovector_pointer(r->re[k].md);
                        pcre2_pattern_info(r->re[k].code, PCRE2_INFO_NAMECOUNT, &count);
                        pcre2_pattern_info(r->re[k].code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
                        pcre2_pattern_info(r->re[k].code, PCRE2_INFO_NAMETABLE, &table);
                        for (uint32_t e = 0; e < count && ncaps < MAX_CAPS; e++) {
                                const unsigned char *ent = table + e * esize;
                                unsigned g = (unsigned)(ent[0] << 8 | ent[1]);
                                cap_names[ncaps] = (const char *)ent + 2;
                                if (ov[2 * g] == PCRE2_UNSET) {
                                        cap_values[ncaps] = "";
                                        cap_lens[ncaps] = 0;
                                } else {
                                        cap_values[ncaps] = joined + ov[2 * g];
                                        cap_lens[ncaps] = ov[2 * g + 1] - ov[2 * g];
                                }
                                ncaps++;
                        }
                }
                if (!ok)
                        continue;
                ctx.in = in;
                ctx.cap_names = cap_names;
                ctx.cap_values = cap_values;
                ctx.cap_lens = cap_lens;
                ctx.ncaps = ncaps;
                pg_template_expand(r->tmpl, &ctx, name, namesz);
                return 1;
        }
        return 0;
}

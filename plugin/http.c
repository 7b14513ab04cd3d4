/* SPDX-License-Identifier: MIT */
/* The HTTP server of `procgroups --listen` (see http.h). libmicrohttpd
 * parses HTTP; this file binds the socket (to word its errors), routes the
 * three pages and compresses the metrics. */
#include "config.h"

#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct pg_http {
        struct MHD_Daemon *d;
        char path[PG_HTTP_PATH_MAX + 1];
        char bound[INET6_ADDRSTRLEN + 16];
        pg_http_page_fn page;
        void *ctx;
        /* The responses built for page generation gen, reused by every
         * request until the page changes; NULL until first asked for. */
        uint64_t gen;
        struct MHD_Response *plain, *gz;
        struct MHD_Response *landing;
};

int pg_http_check_path(const char *path, char *err, size_t n) {
        static const char ok[] = "-._~!$+,;=:@/";

        if (path[0] != '/') {
                snprintf(err, n, "--telemetry-path must start with '/': %s", path);
                return -EINVAL;
        }
        if (strlen(path) > PG_HTTP_PATH_MAX) {
                snprintf(err, n, "--telemetry-path is longer than %d bytes", PG_HTTP_PATH_MAX);
                return -EINVAL;
        }
        for (const char *c = path; *c; c++) {
                bool alnum = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                             (*c >= '0' && *c <= '9');
                if (!alnum && !strchr(ok, *c)) {
                        snprintf(err, n,
                                 "--telemetry-path: byte 0x%02x not allowed (letters, digits and "
                                 "-._~!$+,;=:@/ only): %s",
                                 (unsigned char)*c, path);
                        return -EINVAL;
                }
        }
        return 0;
}

/* --- the listening socket ----------------------------------------------- */

int pg_http_split_listen(const char *spec, char *host, size_t hn, unsigned *port, char *err,
                         size_t n) {
        const char *colon = strrchr(spec, ':'), *h = spec, *he;
        char *end;
        unsigned long p;

        if (!colon) {
                snprintf(err, n, "--listen wants HOST:PORT, [IPV6]:PORT or :PORT: %s", spec);
                return -EINVAL;
        }
        he = colon;
        if (spec[0] == '[') {
                h = spec + 1;
                he = colon - 1;
                if (he < h || *he != ']') {
                        snprintf(err, n, "--listen: no ']' before the port: %s", spec);
                        return -EINVAL;
                }
        } else if (memchr(spec, ':', (size_t)(colon - spec))) {
                snprintf(err, n, "--listen: an IPv6 address goes in brackets, [ADDR]:PORT: %s",
                         spec);
                return -EINVAL;
        }
        if ((size_t)(he - h) >= hn) {
                snprintf(err, n, "--listen: host too long: %s", spec);
                return -EINVAL;
        }
        memcpy(host, h, (size_t)(he - h));
        host[he - h] = '\0';
        if (strpbrk(host, "[]")) {
                snprintf(err, n, "--listen: a bracket out of place: %s", spec);
                return -EINVAL;
        }
        errno = 0;
        p = strtoul(colon + 1, &end, 10);
        if (!colon[1] || *end || errno || p > 65535 || colon[1] == '-' || colon[1] == '+') {
                snprintf(err, n, "--listen: the port must be a number from 0 to 65535: %s", spec);
                return -EINVAL;
        }
        *port = (unsigned)p;
        return 0;
}

/* Why bind() failed, in words that say what to do. */
static const char *bind_why(int e) {
        switch (e) {
        case EADDRINUSE: return "address already in use (another exporter on that port?)";
        case EADDRNOTAVAIL: return "no interface of this host has that address";
        case EACCES: return "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)";
        default: return strerror(e);
        }
}

/* A socket bound and listening on one address of ai. Returns the fd or a
 * negative errno. */
static int bind_one(const struct addrinfo *ai, bool any) {
        int one = 1, zero = 0, fd, e;

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0)
                return -errno;
        /* A restart must not wait out the old sockets in TIME_WAIT; a live
         * listener on the port still makes bind() fail. */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* ":PORT" is every address: IPv4 too through the IPv6 socket. */
        if (any && ai->ai_family == AF_INET6)
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
                e = errno;
                close(fd);
                return -e;
        }
        return fd;
}

/* Print the address fd is bound to into h->bound. */
static void name_bound(struct pg_http *h, int fd) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        char a[INET6_ADDRSTRLEN] = "?";
        unsigned port = 0;

        if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
                if (ss.ss_family == AF_INET6) {
                        const struct sockaddr_in6 *s6 = (const void *)&ss;
                        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
                        port = ntohs(s6->sin6_port);
                } else {
                        const struct sockaddr_in *s4 = (const void *)&ss;
                        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
                        port = ntohs(s4->sin_port);
                }
        }
        snprintf(h->bound, sizeof(h->bound), ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
                 port);
}

/* Every address: the IPv6 wildcard, which takes IPv4 too (dual stack),
 * or the IPv4 one on a host without IPv6. */
static int bind_any(unsigned port) {
        struct sockaddr_in6 s6 = {
            .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT};
        struct sockaddr_in s4 = {
            .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
        struct addrinfo ai = {.ai_family = AF_INET6,
                              .ai_socktype = SOCK_STREAM,
                              .ai_addr = (struct sockaddr *)&s6,
                              .ai_addrlen = sizeof(s6)};
        int fd = bind_one(&ai, true);

        if (fd != -EAFNOSUPPORT)
                return fd;
        ai.ai_family = AF_INET;
        ai.ai_addr = (struct sockaddr *)&s4;
        ai.ai_addrlen = sizeof(s4);
        return bind_one(&ai, true);
}

/* Resolve and bind spec: the first address of the host that binds.
 * Returns the listening fd or a negative errno with the message in err. */
static int open_listen(const char *spec, char *err, size_t n) {
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
        struct addrinfo *res = NULL;
        char host[256], port_s[8];
        unsigned port;
        int r, fd, first = 0;

        r = pg_http_split_listen(spec, host, sizeof(host), &port, err, n);
        if (r < 0)
                return r;
        if (!host[0]) {
                fd = bind_any(port);
        } else {
                snprintf(port_s, sizeof(port_s), "%u", port);
                r = getaddrinfo(host, port_s, &hints, &res);
                if (r != 0) {
                        snprintf(err, n, "--listen %s: cannot resolve '%s': %s", spec, host,
                                 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
                        return -EINVAL;
                }
                fd = -EADDRNOTAVAIL;
                for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
                        fd = bind_one(ai, false);
                        first = first ? first : fd;
                }
                freeaddrinfo(res);
                fd = fd >= 0 ? fd : first;
        }
        if (fd < 0)
                snprintf(err, n, "cannot listen on %s: %s", spec, bind_why(-fd));
        return fd;
}

/* --- responses ------------------------------------------------------------ */

/* The q of one element of an Accept-Encoding list, [p, end): 1 for a
 * weight above 0 or none given, 0 for q=0. */
static int elem_wanted(const char *p, const char *end) {
        while ((p = memchr(p, ';', (size_t)(end - p)))) {
                p++;
                p += strspn(p, " \t");
                if ((*p == 'q' || *p == 'Q') && p[1] == '=')
                        return strtod(p + 2, NULL) > 0;
        }
        return 1;
}

/* "gzip" (or "x-gzip") listed with a weight above 0, or not listed and
 * "*" so listed (RFC 9110, 12.5.3). */
bool pg_http_accepts_gzip(const char *v) {
        int gzip = -1, star = -1; /* -1: not listed; 0: q=0; 1: wanted */

        while (v && *v) {
                const char *tok, *sep;
                size_t len;

                v += strspn(v, " \t,");
                tok = v;
                sep = tok + strcspn(tok, ",");
                len = strcspn(tok, " \t;,");
                if ((len == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
                    (len == 6 && strncasecmp(tok, "x-gzip", 6) == 0))
                        gzip = elem_wanted(tok, sep);
                else if (len == 1 && *tok == '*')
                        star = elem_wanted(tok, sep);
                v = sep;
        }
        return gzip == 1 || (gzip < 0 && star == 1);
}

/* data gzip'ed into a new buffer. Returns it (*ret_len set), or NULL. */
static void *gzip_buf(const char *data, size_t len, size_t *ret_len) {
        z_stream z = {0};
        unsigned char *out = NULL;
        uLong cap;

        /* 15 + 16: a gzip header and trailer, not zlib's. The fastest level:
         * a scrape comes every few seconds and the text still shrinks
         * about tenfold (figures in the README). */
        if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return NULL;
        cap = deflateBound(&z, (uLong)len);
        out = malloc(cap);
        if (!out)
                goto out;
        z.next_in = (Bytef *)(uintptr_t)data;
        z.avail_in = (uInt)len;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
                free(out);
                out = NULL;
                goto out;
        }
        *ret_len = z.total_out;
out:
        deflateEnd(&z);
        return out;
}

static struct MHD_Response *text_response(const char *body, const char *type) {
        struct MHD_Response *r =
            MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
        if (r)
                MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
        return r;
}

/* Queue a one-off response (built, queued, released). */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, struct MHD_Response *r) {
        enum MHD_Result ret;

        if (!r)
                return MHD_NO; /* out of memory: MHD closes the connection */
        ret = MHD_queue_response(c, status, r);
        MHD_destroy_response(r);
        return ret;
}

/* The metrics response for page p, plain or gzip'ed, built once per
 * generation. Returns NULL when out of memory. */
static struct MHD_Response *metrics_response(struct pg_http *h, const struct pg_http_page *p,
                                             bool gz) {
        struct MHD_Response **slot;

        if (h->gen != p->gen || (!h->plain && !h->gz)) {
                /* Responses still being sent keep their own reference. */
                if (h->plain)
                        MHD_destroy_response(h->plain);
                if (h->gz)
                        MHD_destroy_response(h->gz);
                h->plain = h->gz = NULL;
                h->gen = p->gen;
        }
        slot = gz ? &h->gz : &h->plain;
        if (*slot)
                return *slot;
        if (gz) {
                size_t zlen = 0;
                void *z = gzip_buf(p->data, p->len, &zlen);
                if (!z)
                        return NULL;
                *slot = MHD_create_response_from_buffer_with_free_callback(zlen, z, free);
                if (!*slot) {
                        free(z);
                        return NULL;
                }
                MHD_add_response_header(*slot, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
        } else {
                *slot =
                    MHD_create_response_from_buffer(p->len, (void *)p->data, MHD_RESPMEM_MUST_COPY);
                if (!*slot)
                        return NULL;
        }
        MHD_add_response_header(*slot, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
        MHD_add_response_header(*slot, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
        return *slot;
}

static enum MHD_Result serve_metrics(struct pg_http *h, struct MHD_Connection *c) {
        struct pg_http_page p;
        struct MHD_Response *r;
        char msg[512] = "";
        const char *ae;

        if (h->page(h->ctx, &p, msg, sizeof(msg)) < 0) {
                strncat(msg, "\n", sizeof(msg) - strlen(msg) - 1);
                return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text_response(msg, "text/plain"));
        }
        ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
        r = metrics_response(h, &p, pg_http_accepts_gzip(ae));
        if (!r)
                return MHD_NO;
        return MHD_queue_response(c, MHD_HTTP_OK, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls) {
        struct pg_http *h = cls;

        (void)version;
        (void)upload;
        /* The first call comes with the headers: a response queued then
         * leaves a body unread, and MHD must close the connection. Answer
         * on a later call, with the request read (a body is dropped), and
         * the connection stays open for the next scrape. */
        if (!*req_cls) {
                *req_cls = h;
                return MHD_YES;
        }
        if (*upload_size) {
                *upload_size = 0;
                return MHD_YES;
        }
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
                struct MHD_Response *r = text_response("only GET and HEAD\n", "text/plain");
                if (r)
                        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
                return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
        }
        if (strcmp(url, h->path) == 0)
                return serve_metrics(h, c);
        if (strcmp(url, "/") == 0 && h->landing)
                return MHD_queue_response(c, MHD_HTTP_OK, h->landing);
        return reply(c, MHD_HTTP_NOT_FOUND, text_response("not found\n", "text/plain"));
}

/* libmicrohttpd's own messages (a client that sent garbage, a failed
 * accept), marked as its own. */
static void on_log(void *cls, const char *fmt, va_list ap) {
        (void)cls;
        fputs("procgroups: http: ", stderr);
        vfprintf(stderr, fmt, ap);
}

/* The page at "/" when the metrics are elsewhere: where they are. */
static struct MHD_Response *landing_page(const char *path) {
        char body[PG_HTTP_PATH_MAX * 2 + 512];

        /* The path holds no byte that HTML would need escaped
         * (pg_http_check_path). */
        snprintf(body, sizeof(body),
                 "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                 "<title>procgroups exporter</title></head>\n<body><h1>procgroups exporter</h1>\n"
                 "<p>Process-group metrics in the Prometheus text format: "
                 "<a href=\"%s\">%s</a></p>\n<p>procgroups %s</p></body></html>\n",
                 path, path, PG_VERSION);
        return text_response(body, "text/html; charset=utf-8");
}

int pg_http_start(const struct pg_http_opts *o, struct pg_http **ret, char *err, size_t n) {
        struct pg_http *h;
        int fd, r;

        r = pg_http_check_path(o->path ? o->path : "/metrics", err, n);
        if (r < 0)
                return r;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        snprintf(h->path, sizeof(h->path), "%s", o->path ? o->path : "/metrics");
        h->page = o->page;
        h->ctx = o->ctx;
        if (strcmp(h->path, "/") != 0 && !(h->landing = landing_page(h->path))) {
                free(h);
                return -ENOMEM;
        }
        fd = open_listen(o->listen, err, n);
        if (fd < 0) {
                pg_http_stop(h);
                return fd;
        }
        name_bound(h, fd);
        /* One internal thread polls every connection: the page callback
         * (and the tracker behind it) is never entered twice at once. */
        h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG,
                                0, NULL, NULL, on_request, h,
                                /* First, or MHD logs its own way until it is seen. */
                                MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL, MHD_OPTION_LISTEN_SOCKET,
                                fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)PG_HTTP_MAX_CONNECTIONS,
                                MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PG_HTTP_MAX_PER_IP,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)PG_HTTP_TIMEOUT,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)PG_HTTP_CONN_MEMORY,
                                MHD_OPTION_END);
        if (!h->d) {
                close(fd);
                snprintf(err, n, "cannot start the HTTP server on %s", h->bound);
                pg_http_stop(h);
                return -EIO;
        }
        *ret = h;
        return 0;
}

const char *pg_http_bound(const struct pg_http *h) {
        return h->bound;
}

void pg_http_stop(struct pg_http *h) {
        if (!h)
                return;
        if (h->d)
                MHD_stop_daemon(h->d);
        if (h->plain)
                MHD_destroy_response(h->plain);
        if (h->gz)
                MHD_destroy_response(h->gz);
        if (h->landing)
                MHD_destroy_response(h->landing);
        free(h);
}

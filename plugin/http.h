/* SPDX-License-Identifier: MIT */
/* The HTTP side of `procgroups --listen`: a libmicrohttpd server that
 * serves one text page (the metrics) at one path, gzip'ed when the client
 * accepts it, a landing page at "/", 404 elsewhere and 405 for methods
 * other than GET and HEAD.
 *
 * The server runs in one internal thread of libmicrohttpd that polls every
 * connection (no thread per connection), so the page callback is only ever
 * called from that thread, one request at a time. Responses are complete
 * buffers that the thread writes without blocking: a slow client holds a
 * connection slot, never the thread. */
#ifndef PG_HTTP_H
#define PG_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on what clients may hold: connections in all and from one
 * address, seconds a connection may stay idle, and the memory each one may
 * use for the request (the responses are shared and not counted). */
#define PG_HTTP_MAX_CONNECTIONS 64
#define PG_HTTP_MAX_PER_IP      8
#define PG_HTTP_TIMEOUT         30
#define PG_HTTP_CONN_MEMORY     (16 * 1024)

/* The longest telemetry path accepted. */
#define PG_HTTP_PATH_MAX 256

/* The page the callback gives: its bytes stay valid until the next call.
 * gen changes whenever the bytes do, so that the server can reuse the
 * responses (plain and gzip'ed) it built for the same gen. */
struct pg_http_page {
        const char *data;
        size_t len;
        uint64_t gen;
};

/* Fill *ret with the current page. Returns 0, or a negative errno; the
 * client then gets 500 with msg (a NUL-terminated line of at most n bytes
 * that the callback wrote) as the body. */
typedef int (*pg_http_page_fn)(void *ctx, struct pg_http_page *ret, char *msg, size_t n);

struct pg_http_opts {
        const char *listen; /* HOST:PORT, [V6]:PORT or :PORT (every address) */
        const char *path;   /* where the page is; NULL: "/metrics" */
        pg_http_page_fn page;
        void *ctx;
};

struct pg_http;

/* Pure helpers, exported for tests/check_http.c. */

/* Split a --listen value into its host (empty: every address; an IPv6
 * address without its brackets) and its port. Returns 0, or -EINVAL with
 * why in err. */
int pg_http_split_listen(const char *spec, char *host, size_t hn, unsigned *port, char *err,
                         size_t n);

/* Whether an Accept-Encoding value (NULL: no header) lets us send gzip. */
bool pg_http_accepts_gzip(const char *v);

/* Check a telemetry path: it starts with '/' and holds only letters,
 * digits and -._~!$+,;=:@/. Returns 0, or -EINVAL with why in err. */
int pg_http_check_path(const char *path, char *err, size_t n);

/* Bind the listening socket and start the server thread. Signals should
 * be blocked in the caller first: the thread inherits its mask. Returns
 * 0 and the server in *ret, or a negative errno with a message in err
 * that names the address and what is wrong with it (an address in use, a
 * host that does not resolve, a malformed spec). */
int pg_http_start(const struct pg_http_opts *o, struct pg_http **ret, char *err, size_t n);

/* The address as bound, printable ("127.0.0.1:9256", "[::]:40123"):
 * with port 0 asked for, the port the kernel chose. Borrowed from h. */
const char *pg_http_bound(const struct pg_http *h);

/* Stop the thread, close every connection and the socket; NULL-safe. */
void pg_http_stop(struct pg_http *h);

#endif

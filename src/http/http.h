/*
 * http.h -- http layer: the Fangkong HTTP server (libmicrohttpd, epoll,
 * a thread pool).  It serves the JSON API under /api/v1, /healthz,
 * /metrics and the pages of web/.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "app/app.h"

typedef struct http_server http_server_t;

struct http_options {
	const char *listen;    /* "127.0.0.1:8080"; port 0 picks a free one */
	int threads;           /* worker threads; 0 = 4 */
	const char *web_dir;   /* serve pages from here instead of the binary */
	int timeout_s;         /* idle connection timeout; 0 = 30 */
	int log_requests;      /* one line per request on stderr */
	int analysis_threads;  /* threads running long analyses (routes flagged
				  ROUTE_OFFLOAD) off the workers; 0 = 2 */
};

/* Start serving.  The server borrows app until http_stop().  Returns 0
 * or an fk_err with err saying why (bad address, port in use). */
int http_start(app_t *app, const struct http_options *opt, http_server_t **out,
	       struct fk_error *err) FK_MUST_CHECK;

/* The TCP port actually bound. */
int http_port(const http_server_t *s);

/* Stop accepting, finish requests in flight, free the server.  Writes
 * that were queued are finished by the app's store, not here. */
void http_stop(http_server_t *s);

#endif

/*
 * server.c -- http layer: libmicrohttpd glue.  Collects each request's
 * body (bounded), signs the caller in, checks the route's roles and the
 * CSRF token, calls the handler, adds the security headers, and logs
 * and counts the request when it completes.
 *
 * Threads: MHD runs an epoll thread pool; a handler runs on a pool
 * thread and may block on the store's writer (group commit), which is
 * why the pool is larger than the core count.  A worker serves the
 * connections it accepted one request at a time, so a handler that
 * computes for seconds (a route flagged ROUTE_OFFLOAD: the SEIR fit)
 * would hold them all: such a request's connection is suspended and its
 * handler runs on one of a few analysis threads, which resume the
 * connection with the reply.  The analysis queue is bounded; beyond it
 * the request is 503 at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/embedded.h"
#include "http_impl.h"

/* Most analysis threads, and most requests waiting for one. */
#define ANALYSIS_THREADS_MAX 64
#define ANALYSIS_QUEUE_MAX 64

/* The analysis threads and their queue (of suspended connections). */
struct analysis_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t threads[ANALYSIS_THREADS_MAX];
	int n_threads;
	struct http_req *head, *tail; /* by next_job */
	int queued;
	bool stop;
};

struct http_server {
	struct MHD_Daemon *daemon;
	app_t *app;
	char *web_dir;
	int port;
	int log_requests;
	struct analysis_pool pool;
};

/* For /metrics: one server per process.  analyses_unsent: answered by
 * an analysis thread, their connection resumed, the reply not yet sent
 * (a stopping server waits for them). */
static atomic_int analyses_queued, analyses_running, analyses_unsent;

void
http_analysis_counts(int *queued, int *running)
{
	*queued = atomic_load(&analyses_queued);
	*running = atomic_load(&analyses_running);
}

static const char csp[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
	"form-action 'self'";

static uint64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- replies ------------------------------------------------------------ */

void
http_reply_take(struct http_req *r, int status, const char *type, char *data, size_t len)
{
	free(r->reply);
	r->status = status;
	r->reply = data;
	r->reply_len = len;
	r->reply_type = type;
	r->replied = true;
}

void
http_reply_bytes(struct http_req *r, int status, const char *type, const void *data, size_t len)
{
	char *copy = malloc(len + 1);
	if (copy == NULL) {
		http_reply_take(r, 500, "text/plain", NULL, 0);
		return;
	}
	memcpy(copy, data, len);
	copy[len] = '\0';
	http_reply_take(r, status, type, copy, len);
}

void
http_reply_json(struct http_req *r, int status, json_t *body)
{
	/* 15 significant digits: every decimal a person typed comes back as
	 * typed, and computed figures (Rt, bounds) keep what the tests and
	 * analysts compare to 1e-9 */
	char *s = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(body);
	if (s == NULL) {
		http_reply_take(r, 500, "application/json", NULL, 0);
		return;
	}
	http_reply_take(r, status, "application/json; charset=utf-8", s, strlen(s));
}

void
http_reply_empty(struct http_req *r, int status)
{
	http_reply_take(r, status, NULL, NULL, 0);
}

void
http_reply_fail(struct http_req *r, int status, const char *code, const char *field,
		const char *message)
{
	json_t *e = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", code, "message",
			      message ? message : "", "field", field ? field : "");
	http_reply_json(r, status, e);
}

/* The one table from fk_err to HTTP status. */
static const struct {
	int code, status;
	const char *name;
} status_map[] = {
	{FK_EINVAL, 400, "invalid"},
	{FK_EAUTH, 401, "unauthenticated"},
	{FK_EPERM, 403, "forbidden"},
	{FK_ENOTFOUND, 404, "not_found"},
	{FK_ECONFLICT, 409, "conflict"},
	{FK_ETOOBIG, 413, "too_large"},
	{FK_ELIMIT, 429, "rate_limited"},
	{FK_EBUSY, 503, "unavailable"},
};

void
http_reply_error(struct http_req *r, int code, const struct fk_error *err)
{
	for (size_t i = 0; i < sizeof status_map / sizeof status_map[0]; i++) {
		if (status_map[i].code == code) {
			const char *msg = err && err->message[0] ? err->message : fk_strerror(code);
			http_reply_fail(r, status_map[i].status, status_map[i].name,
					err ? err->field : "", msg);
			return;
		}
	}
	/* storage and memory failures: say little, log the detail */
	fprintf(stderr, "error: %s %s: %s (%s)\n", r->method, r->url, fk_strerror(code),
		err && err->message[0] ? err->message : "-");
	http_reply_fail(r, 500, "internal", "", "internal error; the request was not completed");
}

const char *
http_query(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
http_header(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* ---- pages ---------------------------------------------------------------- */

static const char *
content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
		{".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
		{".ico", "image/x-icon"}, {".woff2", "font/woff2"}, {".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static void
serve_page(struct http_req *r)
{
	char rel[600];
	const char *path = r->url;

	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		snprintf(r->allow, sizeof r->allow, "GET, HEAD");
		http_reply_fail(r, 405, "method_not_allowed", "", "pages are read with GET");
		return;
	}
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	if (strstr(path, "..") || strlen(path) > 500) {
		http_reply_fail(r, 404, "not_found", "", "no such page");
		return;
	}
	snprintf(rel, sizeof rel, "web%s", path);
	if (r->srv->web_dir) {
		char full[1200];
		struct stat sb;
		int fd;
		snprintf(full, sizeof full, "%s%s", r->srv->web_dir, path);
		fd = open(full, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size < (1 << 24)) {
			char *buf = malloc((size_t)sb.st_size + 1);
			ssize_t got = buf ? read(fd, buf, (size_t)sb.st_size) : -1;
			close(fd);
			if (got == sb.st_size) {
				http_reply_take(r, 200, content_type(path), buf, (size_t)got);
				return;
			}
			free(buf);
		} else if (fd >= 0) {
			close(fd);
		}
	} else {
		const struct embedded_file *f = embedded_find(rel);
		if (f) {
			http_reply_bytes(r, 200, content_type(path), f->data, f->size);
			return;
		}
	}
	http_reply_fail(r, 404, "not_found", "", "no such page");
}

/* ---- dispatch -------------------------------------------------------------- */

static const char *
cookie_token(struct http_req *r)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "fk_session");
}

static void
client_address(struct http_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	r->address[0] = '\0';
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ci->client_addr;
		inet_ntop(AF_INET, &in->sin_addr, r->address, sizeof r->address);
	} else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ci->client_addr;
		inet_ntop(AF_INET6, &in6->sin6_addr, r->address, sizeof r->address);
	}
}

/* Sign the caller in from a bearer token or the session cookie. */
static int
sign_in(struct http_req *r)
{
	const char *auth = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *tok = NULL;
	int rc;

	if (auth && strncmp(auth, "Bearer ", 7) == 0) {
		tok = auth + 7;
	} else if (auth) {
		return FK_EAUTH;
	} else if ((tok = cookie_token(r)) != NULL) {
		r->via_cookie = true;
	}
	if (tok == NULL || strlen(tok) != APP_TOKEN_LEN)
		return FK_EAUTH;
	rc = app_authenticate(r->app, tok, r->address, &r->actor);
	if (rc)
		return rc;
	memcpy(r->token, tok, APP_TOKEN_LEN + 1);
	r->signed_in = true;
	return 0;
}

static bool
is_safe_method(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

static void
dispatch(struct http_req *r)
{
	const struct route *rt = r->route;
	int rc;

	if (rt == NULL) {
		serve_page(r);
		return;
	}
	if (r->body_too_big) {
		http_reply_fail(r, 413, "too_large", "", "the request body is over the limit");
		return;
	}
	if (!(rt->flags & ROUTE_PUBLIC)) {
		rc = sign_in(r);
		if (rc == FK_EAUTH) {
			http_reply_fail(r, 401, "unauthenticated", "",
					"sign in first: missing, expired or invalid credentials");
			return;
		}
		if (rc) {
			http_reply_error(r, rc, NULL);
			return;
		}
		if (r->via_cookie && !is_safe_method(r->method) &&
		    !app_csrf_ok(&r->actor, http_header(r, "X-CSRF-Token"))) {
			http_reply_fail(r, 403, "csrf", "X-CSRF-Token",
					"missing or wrong X-CSRF-Token header for a cookie session");
			return;
		}
		if (!(rt->roles & ROLE_BIT(r->actor.user.role))) {
			http_reply_fail(r, 403, "forbidden", "",
					"your role may not do this");
			return;
		}
	}
	if (!is_safe_method(r->method) && strcmp(r->method, "DELETE") != 0 && r->body_len > 0) {
		const char *ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
		const char *want = (rt->flags & ROUTE_RAW_BODY) ? "text/csv" : "application/json";
		size_t wl = strlen(want);
		/* the media type must be exactly it, with parameters allowed
		 * after ';' ("application/json; charset=utf-8") */
		if (ct == NULL || strncasecmp(ct, want, wl) != 0 ||
		    !(ct[wl] == '\0' || ct[wl] == ';' || ct[wl] == ' ')) {
			char msg[96];
			snprintf(msg, sizeof msg, "send the body as %s", want);
			http_reply_fail(r, 415, "unsupported_media_type", "Content-Type", msg);
			return;
		}
	}
	if (rt->flags & ROUTE_OFFLOAD) {
		r->offload = true; /* on_request hands it to an analysis thread */
		return;
	}
	rt->handler(r);
}

/* ---- the analysis threads ------------------------------------------------------ */

static void *
analysis_main(void *arg)
{
	struct analysis_pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct http_req *r;

		while (p->head == NULL && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->head == NULL)
			break; /* stopping, and every queued request is answered */
		r = p->head;
		p->head = r->next_job;
		if (p->head == NULL)
			p->tail = NULL;
		p->queued--;
		atomic_fetch_sub(&analyses_queued, 1);
		pthread_mutex_unlock(&p->mu);

		atomic_fetch_add(&analyses_running, 1);
		r->route->handler(r);
		if (!r->replied)
			http_reply_fail(r, 500, "internal", "", "the analysis gave no answer");
		atomic_fetch_sub(&analyses_running, 1);
		r->resumed = true;
		atomic_fetch_add(&analyses_unsent, 1);
		/* from here r belongs to MHD again (it may free it at once) */
		MHD_resume_connection(r->conn);

		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Suspend r's connection and queue r for an analysis thread; -1 (not
 * suspended) if the queue is full or the server is stopping.  The
 * connection is suspended under the queue's lock, before any thread can
 * take r and resume it. */
static int
analysis_submit(struct http_server *srv, struct http_req *r)
{
	struct analysis_pool *p = &srv->pool;

	pthread_mutex_lock(&p->mu);
	if (p->stop || p->n_threads == 0 || p->queued >= ANALYSIS_QUEUE_MAX) {
		pthread_mutex_unlock(&p->mu);
		return -1;
	}
	MHD_suspend_connection(r->conn);
	r->next_job = NULL;
	if (p->tail)
		p->tail->next_job = r;
	else
		p->head = r;
	p->tail = r;
	p->queued++;
	atomic_fetch_add(&analyses_queued, 1);
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static int
analysis_start(struct analysis_pool *p, int n)
{
	sigset_t all, old;

	if (pthread_mutex_init(&p->mu, NULL))
		return -1;
	if (pthread_cond_init(&p->cv, NULL)) {
		pthread_mutex_destroy(&p->mu);
		return -1;
	}
	/* the threads take no signals: SIGTERM and SIGINT stay with serve */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (p->n_threads = 0; p->n_threads < n; p->n_threads++)
		if (pthread_create(&p->threads[p->n_threads], NULL, analysis_main, p))
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p->n_threads > 0 ? 0 : -1;
}

/* Answer what is queued, then join the threads. */
static void
analysis_stop(struct analysis_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	p->n_threads = 0;
}

static void
add_headers(struct MHD_Response *resp, const struct http_req *r)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "Cache-Control", r->route ? "no-store" : "no-cache");
	if (r->reply_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->reply_type);
	if (r->set_cookie[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
	if (r->allow[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->content_disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", r->content_disposition);
	if (r->retry_after > 0) {
		char s[16];
		snprintf(s, sizeof s, "%d", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, s);
	}
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_req *r = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)version;
	if (r == NULL) {
		r = calloc(1, sizeof *r);
		if (r == NULL)
			return MHD_NO;
		r->conn = conn;
		r->srv = srv;
		r->app = srv->app;
		r->method = method;
		r->url = url;
		r->start_us = now_us();
		client_address(r);
		if (strncmp(url, "/api/", 5) == 0 || strcmp(url, "/healthz") == 0 ||
		    strcmp(url, "/metrics") == 0) {
			int rc = router_match(method, url, r->path_copy, sizeof r->path_copy, &r->route,
					      r->params, r->allow, sizeof r->allow);
			if (rc == 0) {
				r->allow[0] = '\0'; /* only a 405 names the methods */
			} else if (rc == FK_EINVAL) {
				r->route_label = "unmatched";
				http_reply_fail(r, 405, "method_not_allowed", "",
						"this path does not take that method");
			} else if (rc) {
				r->route_label = "unmatched";
				http_reply_fail(r, 404, "not_found", "", "no such API route");
			}
		}
		r->body_max = !r->route ? HTTP_BODY_MAX
			      : (r->route->flags & ROUTE_SERIES_BODY) ? HTTP_BODY_MAX_SERIES
			      : (r->route->flags & ROUTE_LARGE_BODY) ? HTTP_BODY_MAX_LARGE
								     : HTTP_BODY_MAX;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!r->body_too_big && r->body_len + *upload_size <= r->body_max) {
			char *nb = realloc(r->body, r->body_len + *upload_size + 1);
			if (nb == NULL)
				return MHD_NO;
			r->body = nb;
			memcpy(r->body + r->body_len, upload_data, *upload_size);
			r->body_len += *upload_size;
			r->body[r->body_len] = '\0';
		} else {
			r->body_too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (!r->replied)
		dispatch(r);
	if (r->offload) {
		r->offload = false;
		if (analysis_submit(srv, r) == 0)
			return MHD_YES; /* resumed with the reply by an analysis thread */
		r->retry_after = 5;
		http_reply_fail(r, 503, "unavailable", "",
				"too many analyses are waiting: try again in a few seconds");
	}
	resp = MHD_create_response_from_buffer(r->reply_len, r->reply ? r->reply : (void *)"",
					       r->reply ? MHD_RESPMEM_MUST_FREE
							: MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	r->reply = NULL; /* MHD owns it now */
	add_headers(resp, r);
	ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct http_req *r = *con_cls;
	uint64_t us;
	int idx;

	(void)conn;
	(void)toe;
	if (r == NULL)
		return;
	if (r->resumed)
		atomic_fetch_sub(&analyses_unsent, 1);
	us = now_us() - r->start_us;
	idx = r->route ? (int)(r->route - http_routes) : r->route_label ? -1 : -2;
	metrics_record(idx, r->status, us);
	if (srv->log_requests)
		fprintf(stderr, "%s %s %d %lluus\n", r->method,
			r->route ? r->route->name : r->route_label ? r->url : "page",
			r->status, (unsigned long long)us);
	if (r->body) {
		explicit_bzero(r->body, r->body_len);
		free(r->body);
	}
	free(r->reply);
	explicit_bzero(r->token, sizeof r->token);
	free(r);
	*con_cls = NULL;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode a URL path in place, except %00: a NUL would cut the
 * path short ("/people/P1%00x" must not read person P1), so it stays
 * as the three characters and the id it is part of matches nothing. */
static size_t
unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *w = s;
	(void)cls;
	(void)conn;
	for (const char *r = s; *r; r++) {
		int hi, lo;
		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 &&
		    (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* "host:port" into an IPv4 socket address. */
static int
parse_listen(const char *listen, struct sockaddr_in *sa, struct fk_error *err)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	char *end;
	long port;

	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	if (colon == NULL || (size_t)(colon - listen) >= sizeof host)
		return fk_error_set(err, FK_EINVAL, "listen",
				    "listen must be HOST:PORT, e.g. 127.0.0.1:8080");
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
		return fk_error_set(err, FK_EINVAL, "listen", "bad port in '%s'", listen);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return fk_error_set(err, FK_EINVAL, "listen",
				    "bad address '%s' (an IPv4 address such as 127.0.0.1)", host);
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

int
http_start(app_t *app, const struct http_options *opt, http_server_t **out, struct fk_error *err)
{
	struct http_server *s;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *di;
	int rc;

	*out = NULL;
	rc = parse_listen(opt->listen ? opt->listen : "127.0.0.1:8080", &sa, err);
	if (rc)
		return rc;
	if (http_routes_count > 96)
		return fk_error_set(err, FK_EINVAL, "", "too many routes for the metrics table");
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return fk_error_set(err, FK_ENOMEM, "", NULL);
	s->app = app;
	s->log_requests = opt->log_requests;
	if (opt->web_dir && (s->web_dir = strdup(opt->web_dir)) == NULL) {
		free(s);
		return fk_error_set(err, FK_ENOMEM, "", NULL);
	}
	metrics_init();
	{
		int n = opt->analysis_threads > 0 ? opt->analysis_threads : 2;
		if (analysis_start(&s->pool, n < ANALYSIS_THREADS_MAX ? n : ANALYSIS_THREADS_MAX)) {
			free(s->web_dir);
			free(s);
			return fk_error_set(err, FK_EIO, "", "cannot start the analysis threads");
		}
	}
	s->daemon = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0,
		NULL, NULL,
		on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(opt->threads > 0 ? opt->threads : 4),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(opt->timeout_s > 0 ? opt->timeout_s : 30),
		MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0u,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK,
		unescape, NULL,
		MHD_OPTION_END);
	if (s->daemon == NULL) {
		analysis_stop(&s->pool);
		free(s->web_dir);
		free(s);
		return fk_error_set(err, FK_EIO, "listen",
				    "cannot listen on %s (in use, or not an address of this machine)",
				    opt->listen);
	}
	di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : ntohs(sa.sin_port);
	*out = s;
	return 0;
}

int
http_port(const http_server_t *s)
{
	return s->port;
}

void
http_stop(http_server_t *s)
{
	if (s == NULL)
		return;
	/* stop accepting first, answer the analyses (their connections are
	 * suspended: MHD cannot stop with suspended connections), then let
	 * requests in flight finish */
	MHD_socket fd = MHD_quiesce_daemon(s->daemon);
	analysis_stop(&s->pool);
	/* the last answers go out on the workers: up to ten seconds for them */
	for (int i = 0; i < 1000 && atomic_load(&analyses_unsent) > 0; i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	MHD_stop_daemon(s->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	free(s->web_dir);
	free(s);
}

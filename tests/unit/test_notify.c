/*
 * test_notify.c -- unit tests for app/notify.c: webhooks, the delivery
 * log with its retries, and the daily reminder.
 *
 * Each test opens a real application on a fresh SQLite file under
 * $FANGKONG_TEST_TMP and points its webhooks at a real HTTP receiver
 * running in this process on 127.0.0.1 (plain sockets, one thread): it
 * accepts, reads one request, records path, Content-Type and body, and
 * answers with the status and body the test configured.  Passes of the
 * notification loop are driven by hand with app__notify_pass() and a
 * chosen `now`, so retries days apart take no time.
 *
 * cmocka's assertions are not thread-safe: the receiver thread only
 * records; the test thread asserts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "app/app.h"
#include "app/app_impl.h"
#include "core/date.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- scratch databases --------------------------------------------------- */

static void
mkdir_p(const char *dir)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(buf, 0777);
			*p = '/';
		}
	}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		fail_msg("cannot create %s: %s", buf, strerror(errno));
}

static void
remove_db(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char buf[600];
	for (size_t i = 0; i < ARRAY_LEN(suffix); i++) {
		snprintf(buf, sizeof buf, "%s%s", path, suffix[i]);
		(void)unlink(buf);
	}
}

/* ---- the HTTP receiver ------------------------------------------------------ */

#define RX_MAX 32
#define RX_BODY_MAX 20000

struct rx_request {
	char path[256];
	char content_type[128];
	char body[RX_BODY_MAX];
};

struct receiver {
	int fd;
	int port;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t mu; /* guards what follows */
	int status;	    /* status to answer with */
	char answer[256];   /* body to answer with */
	struct rx_request req[RX_MAX];
	int n; /* requests received */
};

/* The value of header name ("content-length") in head[0..end), or NULL. */
static const char *
header_value(const char *head, const char *end, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
			p += 3 + n;
			while (*p == ' ')
				p++;
			return p;
		}
	}
	return NULL;
}

/* Read one request from c into r (headers, then Content-Length bytes). */
static void
rx_read(int c, struct rx_request *r)
{
	static char buf[RX_BODY_MAX + 8192];
	size_t len = 0, need = 0;
	char *end = NULL;
	long clen = 0;

	memset(r, 0, sizeof *r);
	for (;;) {
		ssize_t got;
		if (end != NULL && len >= need)
			break;
		if (len >= sizeof buf - 1)
			break;
		got = recv(c, buf + len, sizeof buf - 1 - len, 0);
		if (got <= 0)
			break;
		len += (size_t)got;
		buf[len] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *h = header_value(buf, end, "content-length");
			if (h)
				clen = strtol(h, NULL, 10);
			need = (size_t)(end - buf) + 4 + (size_t)clen;
		}
	}
	if (end == NULL)
		return;
	sscanf(buf, "%*s %255s", r->path);
	{
		const char *h = header_value(buf, end, "content-type");
		if (h) {
			size_t n = strcspn(h, "\r");
			snprintf(r->content_type, sizeof r->content_type, "%.*s", (int)n, h);
		}
	}
	snprintf(r->body, sizeof r->body, "%.*s", (int)(len - (size_t)(end + 4 - buf)), end + 4);
}

static void *
rx_main(void *arg)
{
	struct receiver *rx = arg;
	static struct rx_request req;

	while (!atomic_load(&rx->stop)) {
		struct pollfd p = {rx->fd, POLLIN, 0};
		struct timeval tv = {2, 0};
		char head[512];
		int c, status;
		char answer[256];

		if (poll(&p, 1, 50) <= 0)
			continue;
		c = accept(rx->fd, NULL, NULL);
		if (c < 0)
			continue;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		rx_read(c, &req);
		pthread_mutex_lock(&rx->mu);
		if (rx->n < RX_MAX)
			rx->req[rx->n] = req;
		rx->n++;
		status = rx->status;
		snprintf(answer, sizeof answer, "%s", rx->answer);
		pthread_mutex_unlock(&rx->mu);
		snprintf(head, sizeof head,
			 "HTTP/1.1 %d Whatever\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			 status, strlen(answer));
		(void)!send(c, head, strlen(head), MSG_NOSIGNAL);
		(void)!send(c, answer, strlen(answer), MSG_NOSIGNAL);
		close(c);
	}
	return NULL;
}

/* A listening socket on 127.0.0.1, any port; *port gets it. */
static int
listen_any(int *port)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static struct receiver *
rx_start(int status, const char *answer)
{
	struct receiver *rx = calloc(1, sizeof *rx);
	assert_non_null(rx);
	rx->fd = listen_any(&rx->port);
	rx->status = status;
	snprintf(rx->answer, sizeof rx->answer, "%s", answer);
	pthread_mutex_init(&rx->mu, NULL);
	atomic_store(&rx->stop, false);
	assert_int_equal(pthread_create(&rx->thread, NULL, rx_main, rx), 0);
	return rx;
}

static void
rx_stop(struct receiver *rx)
{
	atomic_store(&rx->stop, true);
	pthread_join(rx->thread, NULL);
	close(rx->fd);
	pthread_mutex_destroy(&rx->mu);
	free(rx);
}

static int
rx_count(struct receiver *rx)
{
	int n;
	pthread_mutex_lock(&rx->mu);
	n = rx->n;
	pthread_mutex_unlock(&rx->mu);
	return n;
}

/* The request received on path (the last one), parsed; NULL if none. */
static json_t *
rx_json(struct receiver *rx, const char *path, char *ctype, size_t cap)
{
	json_t *j = NULL;
	pthread_mutex_lock(&rx->mu);
	for (int i = 0; i < rx->n && i < RX_MAX; i++)
		if (strcmp(rx->req[i].path, path) == 0) {
			json_decref(j);
			j = json_loads(rx->req[i].body, 0, NULL);
			if (ctype)
				snprintf(ctype, cap, "%s", rx->req[i].content_type);
		}
	pthread_mutex_unlock(&rx->mu);
	return j;
}

static int
rx_count_path(struct receiver *rx, const char *path)
{
	int k = 0;
	pthread_mutex_lock(&rx->mu);
	for (int i = 0; i < rx->n && i < RX_MAX; i++)
		k += strcmp(rx->req[i].path, path) == 0;
	pthread_mutex_unlock(&rx->mu);
	return k;
}

/* ---- fixture: an app with one department and two people ---------------------- */

struct fixture {
	char path[512];
	app_t *app;
	actor_t cli;
	int64_t dept_id;
};

static int
setup(void **state)
{
	static atomic_int counter;
	struct fixture *f = calloc(1, sizeof *f);
	struct app_options opt = {0};
	struct fk_error err = {0};
	const char *dir = getenv("FANGKONG_TEST_TMP");
	department_t d = {0};
	person_t p = {0};

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	mkdir_p(dir);
	snprintf(f->path, sizeof f->path, "%s/fk-test-notify-%ld-%d.db", dir, (long)getpid(),
		 atomic_fetch_add(&counter, 1));
	remove_db(f->path);
	if (app_open(f->path, &opt, &f->app, &err) != 0)
		fail_msg("app_open: %s", err.message);
	app_actor_cli(&f->cli);

	snprintf(d.name, sizeof d.name, "科研一部");
	assert_int_equal(app_department_create(f->app, &f->cli, &d, &err), 0);
	f->dept_id = d.id;
	snprintf(p.id, sizeof p.id, "P0001");
	snprintf(p.name, sizeof p.name, "张三");
	p.kind = PERSON_STAFF;
	p.department_id = d.id;
	snprintf(p.phone, sizeof p.phone, "13800138000");
	snprintf(p.region_code, sizeof p.region_code, "110108");
	if (app_person_create(f->app, &f->cli, &p, &err) != 0)
		fail_msg("person: %s %s", err.field, err.message);
	snprintf(p.id, sizeof p.id, "P0002");
	snprintf(p.name, sizeof p.name, "李四");
	assert_int_equal(app_person_create(f->app, &f->cli, &p, &err), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	app_notify_stop(f->app);
	app_close(f->app);
	remove_db(f->path);
	free(f);
	return 0;
}

static int64_t
add_hook(struct fixture *f, const char *name, const char *kind, const char *url, const char *events)
{
	webhook_t w = {0};
	struct fk_error err = {0};
	snprintf(w.name, sizeof w.name, "%s", name);
	snprintf(w.kind, sizeof w.kind, "%s", kind);
	snprintf(w.url, sizeof w.url, "%s", url);
	snprintf(w.events, sizeof w.events, "%s", events);
	w.enabled = true;
	if (app_webhook_create(f->app, &f->cli, &w, &err) != 0)
		fail_msg("webhook %s: %s %s", name, err.field, err.message);
	assert_true(w.id > 0);
	return w.id;
}

static int
alert_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	int rc = app__notify_alert(tx, arg);
	return rc ? fk_error_set(err, rc, "", "app__notify_alert failed") : 0;
}

/* Queue alert al through a write job, as a report submission does. */
static void
queue_alert(struct fixture *f, alert_t *al)
{
	struct fk_error err = {0};
	assert_int_equal(store_write(app_store(f->app), alert_job, al, &err), 0);
}

static alert_t
red_alert(void)
{
	alert_t al = {0};
	al.id = 77;
	al.report_id = 501;
	snprintf(al.person_id, sizeof al.person_id, "P0001");
	al.date = date_from_ymd(2020, 2, 10);
	al.status = STATUS_RED;
	snprintf(al.rule, sizeof al.rule, "red_symptom");
	snprintf(al.reason, sizeof al.reason, "发热 / Fever");
	al.created_at = 1581300000;
	al.clinic_visited = al.community_informed = -1;
	return al;
}

/* Every delivery, newest first (caller frees). */
static delivery_t *
deliveries(struct fixture *f, size_t *n)
{
	delivery_t *d = NULL;
	assert_int_equal(app_delivery_list(f->app, &f->cli, 0, 100, &d, n), 0);
	return d;
}

static const delivery_t *
delivery_to(const delivery_t *d, size_t n, int64_t webhook_id)
{
	for (size_t i = 0; i < n; i++)
		if (d[i].webhook_id == webhook_id)
			return &d[i];
	fail_msg("no delivery to webhook %lld", (long long)webhook_id);
	return NULL;
}

static const char *
jstr(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);
	if (path2)
		v = json_object_get(v, path2);
	return json_string_value(v);
}

/* A moment after every delivery queued now is due and before any
 * reminder could be: 09:00 CST tomorrow (the default cut-off is 10:00). */
static int64_t
before_cutoff_tomorrow(void)
{
	int32_t tomorrow = date_of_unix_cst((time_t)app_now()) + 1;
	return (int64_t)tomorrow * 86400 - DATE_CST_OFFSET + 9 * 3600;
}

/* ---- webhooks: who may, and what is accepted ------------------------------------ */

static void
expect_invalid(struct fixture *f, const char *name, const char *kind, const char *url,
	       const char *events, const char *field)
{
	webhook_t w = {0};
	struct fk_error err = {0};
	snprintf(w.name, sizeof w.name, "%s", name);
	snprintf(w.kind, sizeof w.kind, "%s", kind);
	snprintf(w.url, sizeof w.url, "%s", url);
	snprintf(w.events, sizeof w.events, "%s", events);
	assert_int_equal(app_webhook_create(f->app, &f->cli, &w, &err), FK_EINVAL);
	assert_string_equal(err.field, field);
	assert_true(err.message[0] != '\0');
}

static void
test_webhook_validation_names_the_field(void **state)
{
	struct fixture *f = *state;
	const char *ok = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc";
	webhook_t w = {0};
	struct fk_error err = {0};

	expect_invalid(f, "", "wecom", ok, "alert", "name");
	expect_invalid(f, "a\tb", "wecom", ok, "alert", "name");
	expect_invalid(f, "   ", "wecom", ok, "alert", "name");
	expect_invalid(f, "值班群", "slack", ok, "alert", "kind");
	expect_invalid(f, "值班群", "", ok, "alert", "kind");
	expect_invalid(f, "值班群", "wecom", "", "alert", "url");
	expect_invalid(f, "值班群", "wecom", "ftp://example.org/x", "alert", "url");
	expect_invalid(f, "值班群", "wecom", "file:///etc/passwd", "alert", "url");
	expect_invalid(f, "值班群", "wecom", "https://example.org/a b", "alert", "url");
	expect_invalid(f, "值班群", "wecom", "https://example.org/\x01", "alert", "url");
	expect_invalid(f, "值班群", "wecom", "https://例子.中国/", "alert", "url");
	expect_invalid(f, "值班群", "wecom", "http://", "alert", "url");
	expect_invalid(f, "值班群", "wecom", "http:///path", "alert", "url");
	expect_invalid(f, "值班群", "wecom", "https://?x=1", "alert", "url");
	expect_invalid(f, "值班群", "wecom", ok, "", "events");
	expect_invalid(f, "值班群", "wecom", ok, "sms", "events");
	expect_invalid(f, "值班群", "wecom", ok, "alert,alert", "events");
	expect_invalid(f, "值班群", "wecom", ok, "alert,", "events");

	/* a URL filling the whole buffer (no room for the end) is too long */
	snprintf(w.name, sizeof w.name, "long");
	snprintf(w.kind, sizeof w.kind, "generic");
	memset(w.url, 'a', sizeof w.url);
	memcpy(w.url, "http://", 7);
	snprintf(w.events, sizeof w.events, "alert");
	assert_int_equal(app_webhook_create(f->app, &f->cli, &w, &err), FK_EINVAL);
	assert_string_equal(err.field, "url");

	/* nothing was stored by the refusals */
	{
		webhook_t *list = NULL;
		size_t n = 99;
		assert_int_equal(app_webhook_list(f->app, &f->cli, &list, &n), 0);
		assert_int_equal(n, 0);
		free(list);
	}
}

static void
test_webhook_create_list_delete(void **state)
{
	struct fixture *f = *state;
	webhook_t w = {0}, *list = NULL;
	struct fk_error err = {0};
	audit_entry_t *audit = NULL;
	size_t n = 0;
	actor_t office = {0}, admin = {0};
	delivery_t *d = NULL;
	bool created = false, deleted = false;

	office.user.role = ROLE_OFFICE;
	snprintf(office.user.username, sizeof office.user.username, "office");
	admin.user.role = ROLE_ADMIN;
	admin.user.id = 1;
	snprintf(admin.user.username, sizeof admin.user.username, "admin");
	snprintf(admin.address, sizeof admin.address, "127.0.0.1");

	snprintf(w.name, sizeof w.name, "值班群");
	snprintf(w.kind, sizeof w.kind, "wecom");
	snprintf(w.url, sizeof w.url,
		 "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET");
	snprintf(w.events, sizeof w.events, " reminder , alert");
	w.enabled = true;

	/* only an admin (or the command line) manages webhooks */
	assert_int_equal(app_webhook_create(f->app, &office, &w, &err), FK_EPERM);
	assert_int_equal(app_webhook_list(f->app, &office, &list, &n), FK_EPERM);
	fk_error_clear(&err);
	assert_int_equal(app_webhook_delete(f->app, &office, 1, &err), FK_EPERM);

	fk_error_clear(&err);
	assert_int_equal(app_webhook_create(f->app, &admin, &w, &err), 0);
	assert_true(w.id > 0);
	assert_string_equal(w.events, "alert,reminder"); /* normalised */

	/* a second webhook with the same name is a conflict on "name" */
	{
		webhook_t dup = w;
		fk_error_clear(&err);
		assert_int_equal(app_webhook_create(f->app, &admin, &dup, &err), FK_ECONFLICT);
		assert_string_equal(err.field, "name");
	}

	assert_int_equal(app_webhook_list(f->app, &admin, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "值班群");
	assert_string_equal(list[0].kind, "wecom");
	assert_string_equal(list[0].events, "alert,reminder");
	assert_true(list[0].enabled);
	free(list);

	/* the delivery log: admin and office, nobody else */
	assert_int_equal(app_delivery_list(f->app, &office, 0, 10, &d, &n), 0);
	free(d);
	{
		actor_t staff = {0};
		staff.user.role = ROLE_STAFF;
		assert_int_equal(app_delivery_list(f->app, &staff, 0, 10, &d, &n), FK_EPERM);
		assert_null(d);
	}

	fk_error_clear(&err);
	assert_int_equal(app_webhook_delete(f->app, &admin, w.id + 100, &err), FK_ENOTFOUND);
	assert_string_equal(err.field, "id");
	fk_error_clear(&err);
	assert_int_equal(app_webhook_delete(f->app, &admin, w.id, &err), 0);
	assert_int_equal(app_webhook_list(f->app, &admin, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);

	/* both changes are in the audit log, without the URL's secret key */
	assert_int_equal(store_audit_list(app_store(f->app), 0, 100, &audit, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(audit[i].object_type, "webhook") != 0)
			continue;
		assert_null(strstr(audit[i].detail, "SECRET"));
		assert_string_equal(audit[i].username, "admin");
		created = created || strcmp(audit[i].action, "create") == 0;
		deleted = deleted || strcmp(audit[i].action, "delete") == 0;
	}
	free(audit);
	assert_true(created);
	assert_true(deleted);
}

/* ---- alerts reach every kind of webhook ------------------------------------------ */

static void
test_alert_delivered_to_generic_wecom_dingtalk(void **state)
{
	struct fixture *f = *state;
	struct receiver *rx = rx_start(200, "{\"errcode\":0,\"errmsg\":\"ok\"}");
	char url[128], ctype[128];
	int64_t generic, wecom, ding, reminder_only;
	alert_t al = red_alert();
	int64_t now = before_cutoff_tomorrow();
	delivery_t *d;
	size_t n;
	json_t *j;
	const char *content;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/generic", rx->port);
	generic = add_hook(f, "系统对接", "generic", url, "alert");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/wecom", rx->port);
	wecom = add_hook(f, "企业微信群", "wecom", url, "alert,reminder");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/ding", rx->port);
	ding = add_hook(f, "钉钉群", "dingtalk", url, "alert");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/reminders", rx->port);
	reminder_only = add_hook(f, "提醒群", "generic", url, "reminder");

	/* person_name and department are left for notify.c to look up */
	queue_alert(f, &al);
	d = deliveries(f, &n);
	assert_int_equal(n, 3); /* not to the reminder-only webhook */
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(d[i].state, "pending");
		assert_string_equal(d[i].event, "alert");
		assert_int_equal(d[i].attempts, 0);
		assert_true(d[i].webhook_id != reminder_only);
	}
	free(d);

	assert_int_equal(app__notify_pass(f->app, now + 1), 0);
	assert_int_equal(rx_count(rx), 3);

	j = rx_json(rx, "/generic", ctype, sizeof ctype);
	assert_non_null(j);
	assert_non_null(strstr(ctype, "application/json"));
	assert_string_equal(jstr(j, "event", NULL), "alert");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "alert"), "id")),
			 77);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "alert"), "report_id")), 501);
	assert_string_equal(jstr(j, "alert", "person_id"), "P0001");
	assert_string_equal(jstr(j, "alert", "person_name"), "张三");
	assert_string_equal(jstr(j, "alert", "department"), "科研一部");
	assert_string_equal(jstr(j, "alert", "date"), "2020-02-10");
	assert_string_equal(jstr(j, "alert", "status"), "red");
	assert_string_equal(jstr(j, "alert", "rule"), "red_symptom");
	assert_string_equal(jstr(j, "alert", "reason"), "发热 / Fever");
	json_decref(j);

	j = rx_json(rx, "/wecom", ctype, sizeof ctype);
	assert_non_null(j);
	assert_non_null(strstr(ctype, "application/json"));
	assert_string_equal(jstr(j, "msgtype", NULL), "markdown");
	content = jstr(j, "markdown", "content");
	assert_non_null(content);
	assert_true(
	    strncmp(content, "**健康异常提醒** 红码\n", strlen("**健康异常提醒** 红码\n")) == 0);
	assert_non_null(strstr(content, "> 姓名：张三\n"));
	assert_non_null(strstr(content, "> 部门：科研一部\n"));
	assert_non_null(strstr(content, "> 日期：2020-02-10\n"));
	assert_non_null(strstr(content, "> 原因：发热 / Fever"));
	/* a group chat gets no phone number and no id */
	assert_null(strstr(content, "13800138000"));
	assert_null(strstr(content, "P0001"));
	json_decref(j);

	j = rx_json(rx, "/ding", NULL, 0);
	assert_non_null(j);
	assert_string_equal(jstr(j, "msgtype", NULL), "markdown");
	assert_string_equal(jstr(j, "markdown", "title"), "健康异常提醒");
	content = jstr(j, "markdown", "text");
	assert_non_null(content);
	assert_non_null(strstr(content, "**健康异常提醒** 红码"));
	assert_non_null(strstr(content, "姓名：张三"));
	assert_null(strstr(content, "13800138000"));
	assert_null(strstr(content, "P0001"));
	json_decref(j);

	d = deliveries(f, &n);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(d[i].state, "delivered");
		assert_int_equal(d[i].attempts, 1);
		assert_int_equal(d[i].last_status, 200);
		assert_int_equal(d[i].delivered_at, now + 1);
		assert_string_equal(d[i].last_error, "");
	}
	(void)delivery_to(d, n, generic);
	(void)delivery_to(d, n, wecom);
	(void)delivery_to(d, n, ding);
	free(d);

	/* delivered rows are not sent again */
	assert_int_equal(app__notify_pass(f->app, now + 1800), 0);
	assert_int_equal(rx_count(rx), 3);
	rx_stop(rx);
}

/* A report that comes out red queues its alert through the same path. */
static void
test_red_report_queues_and_delivers(void **state)
{
	struct fixture *f = *state;
	struct receiver *rx = rx_start(200, "{}");
	char url[128];
	report_t r = {0};
	struct report_result *res = calloc(1, sizeof *res);
	struct fk_error err = {0};
	json_t *j;

	assert_non_null(res);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", rx->port);
	(void)add_hook(f, "对接", "generic", url, "alert");
	snprintf(r.person_id, sizeof r.person_id, "P0002");
	r.date = date_from_ymd(2020, 2, 10);
	r.temp_dc = 385;
	r.symptoms = SYM_BIT(SYM_FEVER);
	snprintf(r.region_code, sizeof r.region_code, "110108");
	r.location = LOC_HOME;
	if (app_report_submit(f->app, &f->cli, &r, true, res, &err) != 0)
		fail_msg("report: %s %s", err.field, err.message);
	assert_int_equal(res->rec.status, STATUS_RED);

	assert_int_equal(app__notify_pass(f->app, app_now()), 0);
	j = rx_json(rx, "/hook", NULL, 0);
	assert_non_null(j);
	assert_string_equal(jstr(j, "alert", "person_name"), "李四");
	assert_string_equal(jstr(j, "alert", "department"), "科研一部");
	assert_string_equal(jstr(j, "alert", "status"), "red");
	assert_string_equal(jstr(j, "alert", "date"), "2020-02-10");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "alert"), "report_id")),
	    res->rec.r.id);
	json_decref(j);
	free(res);
	rx_stop(rx);
}

/* Markup in a name cannot reshape a group message. */
static void
test_robot_markdown_is_defused(void **state)
{
	struct fixture *f = *state;
	struct receiver *rx = rx_start(200, "{\"errcode\":0}");
	char url[128];
	alert_t al = red_alert();
	json_t *j;
	const char *content;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/wecom", rx->port);
	(void)add_hook(f, "群", "wecom", url, "alert");
	snprintf(al.person_name, sizeof al.person_name,
		 "王五[点我](http://evil)\n> 姓名：<b>假</b>*");
	snprintf(al.department, sizeof al.department, "科研一部");
	al.department_id = f->dept_id;
	queue_alert(f, &al);
	assert_int_equal(app__notify_pass(f->app, app_now()), 0);
	j = rx_json(rx, "/wecom", NULL, 0);
	assert_non_null(j);
	content = jstr(j, "markdown", "content");
	assert_non_null(content);
	assert_non_null(strstr(content, "王五"));
	assert_null(strstr(content, "[点我]"));
	assert_null(strstr(content, "<b>"));
	assert_null(strstr(content, "\n> 姓名：<"));
	/* exactly one name line */
	assert_non_null(strstr(content, "> 姓名："));
	assert_null(strstr(strstr(content, "> 姓名：") + 1, "\n> 姓名："));
	json_decref(j);
	rx_stop(rx);
}

/* ---- failures and retries ---------------------------------------------------------- */

static void
test_failure_backs_off_then_fails(void **state)
{
	struct fixture *f = *state;
	struct receiver *rx = rx_start(500, "{\"oops\":true}");
	static const int64_t waits[] = {30, 120, 600, 1800, 7200};
	char url[128];
	alert_t al = red_alert();
	int64_t t = app_now() + 1;
	delivery_t *d;
	size_t n;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/down", rx->port);
	(void)add_hook(f, "坏的", "generic", url, "alert");
	queue_alert(f, &al);

	assert_int_equal(app__notify_pass(f->app, t), 0);
	assert_int_equal(rx_count(rx), 1);
	d = deliveries(f, &n);
	assert_int_equal(n, 1);
	assert_string_equal(d[0].state, "pending");
	assert_int_equal(d[0].attempts, 1);
	assert_int_equal(d[0].last_status, 500);
	assert_int_equal(d[0].next_at, t + 30);
	assert_non_null(strstr(d[0].last_error, "500"));
	free(d);

	/* not due yet: nothing is sent */
	assert_int_equal(app__notify_pass(f->app, t + 29), 0);
	assert_int_equal(rx_count(rx), 1);

	/* attempts 2..6 at the backoff times; the 6th gives up */
	for (int k = 0; k < 5; k++) {
		t += waits[k];
		assert_int_equal(app__notify_pass(f->app, t), 0);
		assert_int_equal(rx_count(rx), k + 2);
		d = deliveries(f, &n);
		assert_int_equal(d[0].attempts, k + 2);
		assert_int_equal(d[0].last_status, 500);
		if (k < 4) {
			assert_string_equal(d[0].state, "pending");
			assert_int_equal(d[0].next_at, t + waits[k + 1]);
		} else {
			assert_string_equal(d[0].state, "failed");
		}
		free(d);
	}
	/* a failed delivery is not tried again */
	assert_int_equal(app__notify_pass(f->app, t + 1000000), 0);
	assert_int_equal(rx_count(rx), 6);
	rx_stop(rx);
}

/* A robot answering 200 with errcode != 0 refused the message; a
 * generic webhook's body is not interpreted. */
static void
test_robot_errcode_is_a_failure(void **state)
{
	struct fixture *f = *state;
	struct receiver *rx =
	    rx_start(200, "{\"errcode\":93000,\"errmsg\":\"invalid webhook url\"}");
	char url[128];
	alert_t al = red_alert();
	int64_t wecom, generic, now = app_now();
	const delivery_t *x;
	delivery_t *d;
	size_t n;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/wecom", rx->port);
	wecom = add_hook(f, "企业微信", "wecom", url, "alert");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/generic", rx->port);
	generic = add_hook(f, "通用", "generic", url, "alert");
	queue_alert(f, &al);
	assert_int_equal(app__notify_pass(f->app, now), 0);
	assert_int_equal(rx_count(rx), 2);
	d = deliveries(f, &n);
	x = delivery_to(d, n, wecom);
	assert_string_equal(x->state, "pending");
	assert_int_equal(x->attempts, 1);
	assert_int_equal(x->last_status, 200);
	assert_int_equal(x->next_at, now + 30);
	assert_non_null(strstr(x->last_error, "93000"));
	assert_non_null(strstr(x->last_error, "invalid webhook url"));
	x = delivery_to(d, n, generic);
	assert_string_equal(x->state, "delivered");
	free(d);
	rx_stop(rx);
}

/* Nothing listens: the attempt fails at once and is retried later. */
static void
test_closed_port_fails_fast(void **state)
{
	struct fixture *f = *state;
	char url[128];
	alert_t al = red_alert();
	int port, fd = listen_any(&port);
	int64_t now = app_now();
	struct timespec t0, t1;
	delivery_t *d;
	size_t n;

	close(fd); /* the port is now closed */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	(void)add_hook(f, "关了", "generic", url, "alert");
	queue_alert(f, &al);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(app__notify_pass(f->app, now), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 3);
	d = deliveries(f, &n);
	assert_int_equal(n, 1);
	assert_string_equal(d[0].state, "pending");
	assert_int_equal(d[0].attempts, 1);
	assert_int_equal(d[0].last_status, 0);
	assert_int_equal(d[0].next_at, now + 30);
	assert_true(d[0].last_error[0] != '\0');
	free(d);
}

/* A server that accepts and never answers costs one 5 s timeout per
 * pass, not one per queued delivery. */
static void
test_silent_server_times_out_once_per_pass(void **state)
{
	struct fixture *f = *state;
	char url[128];
	alert_t al = red_alert();
	int port, fd = listen_any(&port); /* listens, never accepts */
	int64_t now = app_now();
	struct timespec t0, t1;
	double took;
	delivery_t *d;
	size_t n;
	int tried = 0, deferred = 0;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	(void)add_hook(f, "沉默", "generic", url, "alert");
	queue_alert(f, &al);
	al.id = 78;
	queue_alert(f, &al);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(app__notify_pass(f->app, now), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(took >= 4.5);
	assert_true(took < 8.0);
	d = deliveries(f, &n);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(d[i].state, "pending");
		assert_int_equal(d[i].next_at, now + 30);
		if (d[i].attempts == 1) {
			tried++;
			assert_int_equal(d[i].last_status, 0);
			assert_true(d[i].last_error[0] != '\0');
		} else {
			deferred++;
			assert_int_equal(d[i].attempts, 0);
		}
	}
	assert_int_equal(tried, 1);
	assert_int_equal(deferred, 1);
	free(d);
	close(fd);
}

/* ---- reminders ---------------------------------------------------------------------------- */

/* Unix time of hh:mm CST on 2020-02-10. */
static int64_t
feb10(int hh, int mm)
{
	return (int64_t)date_from_ymd(2020, 2, 10) * 86400 - DATE_CST_OFFSET + hh * 3600 + mm * 60;
}

static void
test_reminder_once_per_department_after_cutoff(void **state)
{
	struct fixture *f = *state;
	struct receiver *rx = rx_start(200, "{\"errcode\":0}");
	char url[128];
	struct fk_error err = {0};
	department_t d2 = {0}, d3 = {0}, d4 = {0};
	person_t p = {0};
	report_t r = {0};
	struct report_result *res = calloc(1, sizeof *res);
	delivery_t *d;
	size_t n;
	json_t *j;
	const char *content;
	int reminders = 0;

	assert_non_null(res);
	/* 科研一部: 2 people, none reported.  二部: 1 of 1 reported.
	 * 三部: nobody in it.  四部: 1 person, not reported. */
	snprintf(d2.name, sizeof d2.name, "科研二部");
	snprintf(d3.name, sizeof d3.name, "科研三部");
	snprintf(d4.name, sizeof d4.name, "科研四部");
	assert_int_equal(app_department_create(f->app, &f->cli, &d2, &err), 0);
	assert_int_equal(app_department_create(f->app, &f->cli, &d3, &err), 0);
	assert_int_equal(app_department_create(f->app, &f->cli, &d4, &err), 0);
	snprintf(p.id, sizeof p.id, "P0003");
	snprintf(p.name, sizeof p.name, "王五");
	p.department_id = d2.id;
	snprintf(p.region_code, sizeof p.region_code, "110108");
	assert_int_equal(app_person_create(f->app, &f->cli, &p, &err), 0);
	snprintf(p.id, sizeof p.id, "P0004");
	snprintf(p.name, sizeof p.name, "赵六");
	p.department_id = d4.id;
	assert_int_equal(app_person_create(f->app, &f->cli, &p, &err), 0);
	snprintf(r.person_id, sizeof r.person_id, "P0003");
	r.date = date_from_ymd(2020, 2, 10);
	r.temp_dc = 365;
	snprintf(r.region_code, sizeof r.region_code, "110108");
	if (app_report_submit(f->app, &f->cli, &r, true, res, &err) != 0)
		fail_msg("report: %s %s", err.field, err.message);
	free(res);

	snprintf(url, sizeof url, "http://127.0.0.1:%d/generic", rx->port);
	(void)add_hook(f, "通用", "generic", url, "reminder");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/wecom", rx->port);
	(void)add_hook(f, "企业微信", "wecom", url, "alert,reminder");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/alerts", rx->port);
	(void)add_hook(f, "只要告警", "generic", url, "alert");
	assert_int_equal(app_setting_put(f->app, &f->cli, "report_cutoff", "10:00", &err), 0);

	/* before the cut-off: nothing */
	assert_int_equal(app__notify_pass(f->app, feb10(9, 59)), 0);
	d = deliveries(f, &n);
	assert_int_equal(n, 0);
	free(d);
	assert_int_equal(rx_count(rx), 0);

	/* after it: 科研一部 and 科研四部, to both reminder webhooks */
	assert_int_equal(app__notify_pass(f->app, feb10(10, 1)), 0);
	d = deliveries(f, &n);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(d[i].event, "reminder");
		assert_string_equal(d[i].state, "delivered");
		reminders++;
	}
	free(d);
	assert_int_equal(reminders, 4);
	assert_int_equal(rx_count_path(rx, "/generic"), 2);
	assert_int_equal(rx_count_path(rx, "/wecom"), 2);
	assert_int_equal(rx_count_path(rx, "/alerts"), 0);

	/* the generic body of the last one sent (科研四部, in path order) */
	j = rx_json(rx, "/generic", NULL, 0);
	assert_non_null(j);
	assert_string_equal(jstr(j, "event", NULL), "reminder");
	assert_string_equal(jstr(j, "date", NULL), "2020-02-10");
	assert_string_equal(jstr(j, "department", NULL), "科研四部");
	assert_int_equal(json_integer_value(json_object_get(j, "missing")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "people")), 1);
	json_decref(j);
	{
		bool saw_first = false;
		pthread_mutex_lock(&rx->mu);
		for (int i = 0; i < rx->n; i++) {
			json_t *m = json_loads(rx->req[i].body, 0, NULL);
			if (strcmp(rx->req[i].path, "/wecom") == 0) {
				content = jstr(m, "markdown", "content");
				if (content && strstr(content, "**未填报提醒** 科研一部 今日还有 2 "
							       "人未填报健康日报（截止 10:00）"))
					saw_first = true;
			}
			json_decref(m);
		}
		pthread_mutex_unlock(&rx->mu);
		assert_true(saw_first);
	}

	/* a later pass the same day does not repeat it */
	assert_int_equal(app__notify_pass(f->app, feb10(10, 30)), 0);
	assert_int_equal(rx_count(rx), 4);

	/* nor does a restart: the claim is in the database */
	app_close(f->app);
	{
		struct app_options opt = {0};
		fk_error_clear(&err);
		assert_int_equal(app_open(f->path, &opt, &f->app, &err), 0);
	}
	assert_int_equal(app__notify_pass(f->app, feb10(11, 0)), 0);
	d = deliveries(f, &n);
	assert_int_equal(n, 4);
	free(d);
	assert_int_equal(rx_count(rx), 4);

	/* the next day's cut-off brings the next day's reminders */
	assert_int_equal(app__notify_pass(f->app, feb10(10, 1) + 86400), 0);
	d = deliveries(f, &n);
	assert_int_equal(n, 4 + 6); /* 3 departments with people × 2 webhooks */
	free(d);
	rx_stop(rx);
}

/* ---- the thread ------------------------------------------------------------------------------ */

static void
test_thread_delivers_and_stops_promptly(void **state)
{
	struct fixture *f = *state;
	struct receiver *rx = rx_start(200, "{}");
	char url[128];
	alert_t al = red_alert();
	struct timespec t0, t1;

	/* stop before start, and twice, is harmless */
	app_notify_stop(f->app);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/t", rx->port);
	(void)add_hook(f, "线程", "generic", url, "alert");
	assert_int_equal(app_notify_start(f->app), 0);
	assert_int_equal(app_notify_start(f->app), 0); /* already running */
	queue_alert(f, &al);
	for (int i = 0; i < 100 && rx_count(rx) == 0; i++)
		usleep(50 * 1000);
	assert_int_equal(rx_count(rx), 1);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	app_notify_stop(f->app);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	app_notify_stop(f->app);

	/* and it can start again after a stop */
	assert_int_equal(app_notify_start(f->app), 0);
	app_notify_stop(f->app);
	rx_stop(rx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_webhook_validation_names_the_field, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_webhook_create_list_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alert_delivered_to_generic_wecom_dingtalk, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_red_report_queues_and_delivers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_robot_markdown_is_defused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failure_backs_off_then_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_robot_errcode_is_a_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_closed_port_fails_fast, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_silent_server_times_out_once_per_pass, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reminder_once_per_department_after_cutoff, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_thread_delivers_and_stops_promptly, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

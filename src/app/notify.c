/*
 * notify.c -- app layer: webhooks, their delivery log, and the daily
 * reminder of people who have not reported.
 *
 * Reports never wait for the network.  A red or yellow report's write
 * job only inserts "pending" rows in the delivery log
 * (app__notify_alert); one background thread (app_notify_start) wakes
 * about once a second, POSTs the rows that are due with libcurl and
 * records each outcome in a write of its own.  A delivery moves like
 * this:
 *
 *              queued              2xx (and errcode 0 from a robot)
 *    (none) ---------> pending ------------------------------> delivered
 *                       |   ^
 *        anything else  |   |  attempts 1..5: next_at = now + 30 s,
 *                       +---+  2 min, 10 min, 30 min, 2 h
 *                       |
 *                       +-- 6th failed attempt -----------------> failed
 *
 * Within one pass, once a delivery to a webhook has failed, the other
 * deliveries due to that webhook are put back 30 s without counting an
 * attempt, so one dead endpoint costs at most one timeout per pass and
 * does not hold up the other webhooks.
 *
 * Reminders: once the day's cut-off (setting report_cutoff, "HH:MM" CST,
 * default 10:00) has passed, the same thread queues one "reminder"
 * delivery per webhook for every department with people who have not
 * reported today.  store_tx_reminder_claim() records the day's claim in
 * the database, so a restart or a second server never sends it twice.
 *
 * Group chats (WeCom, DingTalk robots) get only what a colleague needs
 * to act: name, department, date, colour and reason -- never a phone
 * number or an id.  Generic webhooks get the alert's JSON.
 */
#include "app_impl.h"
#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/date.h"
#include "core/text.h"

#ifndef FANGKONG_VERSION
#define FANGKONG_VERSION "0"
#endif

#define NOTIFY_BATCH 32		 /* deliveries read per query */
#define NOTIFY_BATCHES_MAX 8	 /* queries per pass */
#define NOTIFY_TIMEOUT_MS 5000L	 /* whole request, connect included */
#define NOTIFY_ATTEMPTS_MAX 6	 /* then the delivery is failed */
#define NOTIFY_RESPONSE_MAX 4096 /* bytes of a response body kept */
#define NOTIFY_MARKDOWN_MAX 4096 /* bytes of a robot message */
#define WEBHOOK_URL_MAX 512	 /* bytes (webhook_t.url) */
#define WEBHOOK_NAME_MAX 64	 /* bytes (webhook_t.name) */
#define CUTOFF_DEFAULT_S (10 * 3600)

/* Seconds to wait after failed attempt 1, 2, ... 5. */
static const int backoff_s[NOTIFY_ATTEMPTS_MAX - 1] = {30, 120, 600, 1800, 7200};

enum hook_kind { KIND_GENERIC, KIND_WECOM, KIND_DINGTALK };

#define EVENT_ALERT 1u
#define EVENT_REMINDER 2u
#define EVENT_SIGNAL 4u

/* ---- libcurl set-up ------------------------------------------------------ */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void
curl_init_once(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* curl_global_init() is not thread-safe everywhere: do it exactly once. */
static int
curl_ready(void)
{
	pthread_once(&curl_once, curl_init_once);
	return curl_init_result == CURLE_OK ? 0 : FK_EIO;
}

/* ---- small helpers --------------------------------------------------------- */

static int
kind_parse(const char *s, enum hook_kind *out)
{
	if (strcmp(s, "generic") == 0)
		*out = KIND_GENERIC;
	else if (strcmp(s, "wecom") == 0)
		*out = KIND_WECOM;
	else if (strcmp(s, "dingtalk") == 0)
		*out = KIND_DINGTALK;
	else
		return FK_EINVAL;
	return 0;
}

/* Parse a comma list of event names ("alert", "reminder", spaces around
 * names allowed) into EVENT_ bits.  FK_EINVAL for an empty list, an
 * empty, unknown or repeated name; *bad gets the offending name. */
static int
events_parse(const char *s, unsigned *bits, char *bad, size_t bad_cap)
{
	*bits = 0;
	bad[0] = '\0';
	for (const char *p = s;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		unsigned bit = 0;

		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 5 && memcmp(p, "alert", 5) == 0)
			bit = EVENT_ALERT;
		else if (len == 8 && memcmp(p, "reminder", 8) == 0)
			bit = EVENT_REMINDER;
		else if (len == 6 && memcmp(p, "signal", 6) == 0)
			bit = EVENT_SIGNAL;
		if (bit == 0 || (*bits & bit)) {
			snprintf(bad, bad_cap, "%.*s", (int)(len < 32 ? len : 32), p);
			return FK_EINVAL;
		}
		*bits |= bit;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

/* The events a stored webhook takes (0 if its list is unreadable). */
static unsigned
hook_events(const webhook_t *w)
{
	unsigned bits;
	char bad[40];
	return events_parse(w->events, &bits, bad, sizeof bad) ? 0 : bits;
}

/* Copy text into dst (cap bytes), replacing control characters with a
 * space and cutting at a character boundary, so what is kept is valid
 * UTF-8 if src was. */
static void
copy_text(char *dst, size_t cap, const char *src)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)src;

	while (*p) {
		size_t len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
		size_t i;
		for (i = 1; i < len && p[i]; i++)
			;
		if (i < len || o + len >= cap)
			break;
		if (len == 1 && (*p < 0x20 || *p == 0x7f))
			dst[o] = ' ';
		else
			memcpy(dst + o, p, len);
		o += len;
		p += len;
	}
	dst[o] = '\0';
}

/* Characters that make markup in a robot's markdown (emphasis, links,
 * HTML, code, headings) and the full-width look-alikes shown instead. */
static const struct {
	char c;
	const char *wide;
} md_wide[] = {
    {'*', "＊"}, {'[', "［"}, {']', "］"}, {'<', "＜"}, {'>', "＞"}, {'`', "｀"}, {'#', "＃"},
};

/*
 * Text for a robot's markdown: markup characters become their full-width
 * look-alikes and control characters (a newline would start a new quoted
 * line) become spaces, so a name or reason cannot change the message's
 * shape.  Cut at a character boundary to fit cap bytes.
 */
static void
md_text(char *dst, size_t cap, const char *src)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)src;

	while (*p) {
		const char *piece = (const char *)p;
		size_t len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
		size_t step = len, i;

		for (i = 1; i < len && p[i]; i++)
			;
		if (i < len)
			break;
		if (*p < 0x20 || *p == 0x7f)
			piece = " ";
		for (i = 0; i < sizeof md_wide / sizeof md_wide[0]; i++)
			if (*p == (unsigned char)md_wide[i].c) {
				piece = md_wide[i].wide;
				len = strlen(piece);
			}
		if (o + len >= cap)
			break;
		memcpy(dst + o, piece, len);
		o += len;
		p += step;
	}
	dst[o] = '\0';
}

static const char *
status_zh(enum status s)
{
	switch (s) {
	case STATUS_RED: return "红码";
	case STATUS_YELLOW: return "黄码";
	case STATUS_GREEN: return "绿码";
	}
	return "";
}

/* Serialise root (consumed) as compact JSON into out (cap bytes, NUL
 * terminated).  FK_ENOMEM if root is NULL (json_pack failed), FK_ETOOBIG
 * if it does not fit. */
static int
json_into(json_t *root, char *out, size_t cap)
{
	size_t len;

	if (root == NULL)
		return FK_ENOMEM;
	len = json_dumpb(root, out, cap - 1, JSON_COMPACT);
	json_decref(root);
	if (len == 0)
		return FK_ENOMEM;
	if (len >= cap)
		return FK_ETOOBIG;
	out[len] = '\0';
	return 0;
}

/* The robot message: markdown for WeCom ("content") or DingTalk
 * ("title" + "text"). */
static json_t *
robot_message(enum hook_kind kind, const char *title, const char *markdown)
{
	if (kind == KIND_WECOM)
		return json_pack("{s:s, s:{s:s}}", "msgtype", "markdown", "markdown", "content",
				 markdown);
	return json_pack("{s:s, s:{s:s, s:s}}", "msgtype", "markdown", "markdown", "title", title,
			 "text", markdown);
}

/* ---- payloads ---------------------------------------------------------------- */

/* Payload of alert al for a webhook of kind, into out (DELIVERY_PAYLOAD_MAX). */
static int
alert_payload(enum hook_kind kind, const alert_t *al, char *out)
{
	char date[DATE_STR_LEN];
	char name[PERSON_NAME_BUF * 3], dept[DEPARTMENT_NAME_BUF * 3],
	    reason[sizeof al->reason * 3];
	char md[NOTIFY_MARKDOWN_MAX];
	/* DingTalk joins lines only with a blank line between them */
	const char *nl = kind == KIND_DINGTALK ? "\n\n" : "\n";

	date_format(al->date, date);
	/* clang-format off */
	if (kind == KIND_GENERIC)
		return json_into(json_pack(
			"{s:s, s:{s:I, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I}}",
			"event", "alert",
			"alert",
			"id", (json_int_t)al->id,
			"report_id", (json_int_t)al->report_id,
			"person_id", al->person_id,
			"person_name", al->person_name,
			"department_id", (json_int_t)al->department_id,
			"department", al->department,
			"date", date,
			"status", status_name(al->status),
			"rule", al->rule,
			"reason", al->reason,
			"created_at", (json_int_t)al->created_at),
			out, DELIVERY_PAYLOAD_MAX);
	/* clang-format on */

	md_text(name, sizeof name, al->person_name);
	md_text(dept, sizeof dept, al->department);
	md_text(reason, sizeof reason, al->reason);
	snprintf(md, sizeof md,
		 "**健康异常提醒** %s%s"
		 "> 姓名：%s%s"
		 "> 部门：%s%s"
		 "> 日期：%s%s"
		 "> 原因：%s%s"
		 "请登录防控系统跟进处理（告警 #%lld）。%s"
		 "Health alert #%lld (%s): please follow up in Fangkong.",
		 status_zh(al->status), nl, name, nl, dept, nl, date, nl, reason, nl,
		 (long long)al->id, nl, (long long)al->id, status_name(al->status));
	return json_into(robot_message(kind, "健康异常提醒", md), out, DELIVERY_PAYLOAD_MAX);
}

/* Payload of a department's reminder for a webhook of kind. */
static int
reminder_payload(enum hook_kind kind, int32_t day, const struct dash_department *d, int64_t missing,
		 const char *cutoff, char *out)
{
	char date[DATE_STR_LEN];
	char dept[DEPARTMENT_NAME_BUF * 3];
	char md[NOTIFY_MARKDOWN_MAX];
	const char *nl = kind == KIND_DINGTALK ? "\n\n" : "\n";

	date_format(day, date);
	/* clang-format off */
	if (kind == KIND_GENERIC)
		return json_into(json_pack(
			"{s:s, s:s, s:I, s:s, s:I, s:I, s:s}",
			"event", "reminder",
			"date", date,
			"department_id", (json_int_t)d->department_id,
			"department", d->department,
			"missing", (json_int_t)missing,
			"people", (json_int_t)d->people,
			"cutoff", cutoff),
			out, DELIVERY_PAYLOAD_MAX);
	/* clang-format on */
	md_text(dept, sizeof dept, d->department);
	snprintf(md, sizeof md,
		 "**未填报提醒** %s 今日还有 %lld 人未填报健康日报（截止 %s）%s"
		 "> 日期：%s，应报 %lld 人%s"
		 "%lld of %lld people in %s have not sent today's health report (cut-off %s).",
		 dept, (long long)missing, cutoff, nl, date, (long long)d->people, nl,
		 (long long)missing, (long long)d->people, dept, cutoff);
	return json_into(robot_message(kind, "未填报提醒", md), out, DELIVERY_PAYLOAD_MAX);
}

/* ---- queueing (inside write jobs) ------------------------------------------- */

/* Insert one pending delivery of payload to w, due at now. */
static int
queue_delivery(store_tx_t *tx, const webhook_t *w, const char *event, const char *payload,
	       int64_t now)
{
	delivery_t *d = calloc(1, sizeof *d);
	int rc;

	if (d == NULL)
		return FK_ENOMEM;
	d->webhook_id = w->id;
	snprintf(d->event, sizeof d->event, "%s", event);
	snprintf(d->payload, sizeof d->payload, "%s", payload);
	snprintf(d->state, sizeof d->state, "pending");
	d->next_at = now;
	d->created_at = now;
	rc = store_tx_delivery_insert(tx, d);
	free(d);
	return rc;
}

int
app__notify_alert(store_tx_t *tx, const alert_t *al)
{
	webhook_t *hooks = NULL;
	size_t n = 0;
	alert_t *full = NULL;
	char *payload = NULL;
	int64_t now = app_now();
	int rc;

	rc = store_tx_webhook_list(tx, &hooks, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		enum hook_kind kind;

		if (!hooks[i].enabled || !(hook_events(&hooks[i]) & EVENT_ALERT) ||
		    kind_parse(hooks[i].kind, &kind))
			continue;
		if (full == NULL) {
			/* the person's name and department are filled on reads:
			 * look them up if the caller did not */
			full = malloc(sizeof *full);
			payload = malloc(DELIVERY_PAYLOAD_MAX);
			if (full == NULL || payload == NULL) {
				rc = FK_ENOMEM;
				goto out;
			}
			*full = *al;
			if (full->person_name[0] == '\0' || full->department_id == 0) {
				person_t p;
				rc = store_tx_person_get(tx, al->person_id, &p);
				if (rc == 0) {
					snprintf(full->person_name, sizeof full->person_name, "%s",
						 p.name);
					if (full->department_id == 0)
						full->department_id = p.department_id;
				} else if (rc != FK_ENOTFOUND) {
					goto out;
				}
			}
			if (full->department[0] == '\0' && full->department_id != 0) {
				department_t d;
				rc = store_tx_department_get(tx, full->department_id, &d);
				if (rc == 0)
					snprintf(full->department, sizeof full->department, "%s",
						 d.name);
				else if (rc != FK_ENOTFOUND)
					goto out;
			}
			rc = 0;
		}
		if (alert_payload(kind, full, payload)) {
			/* a message that cannot be built must not cost the report */
			fprintf(stderr, "notify: cannot build the alert message for webhook %lld\n",
				(long long)hooks[i].id);
			continue;
		}
		rc = queue_delivery(tx, &hooks[i], "alert", payload, now);
		if (rc)
			goto out;
	}
out:
	free(payload);
	free(full);
	free(hooks);
	return rc;
}

/* The message of a detection signal, for webhooks of kind. */
static int
signal_payload(enum hook_kind kind, const signal_t *s, char *out)
{
	char date[DATE_STR_LEN];
	char what[DEPARTMENT_NAME_BUF * 3 + 160];
	char md[NOTIFY_MARKDOWN_MAX];
	const char *nl = kind == KIND_DINGTALK ? "\n\n" : "\n";
	bool region = s->kind == SIGNAL_REGION;

	date_format(s->date, date);
	/* clang-format off */
	if (kind == KIND_GENERIC)
		return json_into(json_pack(
			"{s:s, s:{s:I, s:s, s:s?, s:s?, s:I, s:s?, s:s, s:s, s:f, s:f}}",
			"event", "signal",
			"signal",
			"id", (json_int_t)s->id,
			"kind", region ? "region" : "department",
			"region_code", region ? s->region_code : NULL,
			"region_name", region ? s->region_name : NULL,
			"department_id", (json_int_t)s->department_id,
			"department", region ? NULL : s->department,
			"date", date,
			"method", s->method,
			"observed", s->observed,
			"upperbound", s->upperbound),
			out, DELIVERY_PAYLOAD_MAX);
	/* clang-format on */
	if (region)
		snprintf(what, sizeof what, "%s %s", s->region_code, s->region_name);
	else
		md_text(what, sizeof what, s->department);
	snprintf(md, sizeof md,
		 "**异常信号** %s%s"
		 "> %s：%s%s"
		 "> 日期：%s，%s %.0f 例（上限 %.2f，EARS %s）%s"
		 "请登录防控系统核实（信号 #%lld）。%s"
		 "Aberration signal #%lld on %s: %.0f %s above the EARS %s bound %.2f.",
		 what, nl, region ? "地区" : "部门", what, nl, date,
		 region ? "新增确诊" : "发热或咳嗽填报", s->observed, s->upperbound, s->method, nl,
		 (long long)s->id, nl, (long long)s->id, date, s->observed,
		 region ? "new confirmed cases" : "fever or cough check-ins", s->method,
		 s->upperbound);
	return json_into(robot_message(kind, "异常信号", md), out, DELIVERY_PAYLOAD_MAX);
}

int
app__notify_signal(store_tx_t *tx, const signal_t *s)
{
	webhook_t *hooks = NULL;
	size_t n = 0;
	char *payload = NULL;
	int rc;

	rc = store_tx_webhook_list(tx, &hooks, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		enum hook_kind kind;

		if (!hooks[i].enabled || !(hook_events(&hooks[i]) & EVENT_SIGNAL) ||
		    kind_parse(hooks[i].kind, &kind))
			continue;
		if (payload == NULL && (payload = malloc(DELIVERY_PAYLOAD_MAX)) == NULL) {
			rc = FK_ENOMEM;
			break;
		}
		if (signal_payload(kind, s, payload)) {
			fprintf(stderr, "notify: cannot build the signal message for webhook %lld\n",
				(long long)hooks[i].id);
			continue;
		}
		rc = queue_delivery(tx, &hooks[i], "signal", payload, app_now());
	}
	free(payload);
	free(hooks);
	return rc;
}

/* ---- webhooks (admin) ---------------------------------------------------------- */

static bool
may_manage_webhooks(const actor_t *actor)
{
	return actor->cli || actor->user.role == ROLE_ADMIN;
}

static int
name_validate(const char *name, size_t cap, struct fk_error *err)
{
	size_t len = strnlen(name, cap);
	bool blank = true;

	if (len == cap)
		return fk_error_set(err, FK_EINVAL, "name", "name is longer than %d bytes",
				    WEBHOOK_NAME_MAX);
	if (len == 0)
		return fk_error_set(err, FK_EINVAL, "name", "name is required");
	if (!text_utf8_valid(name, len) || strchr(name, '\t'))
		return fk_error_set(err, FK_EINVAL, "name",
				    "name must be text without control characters");
	for (size_t i = 0; i < len; i++)
		if (name[i] != ' ')
			blank = false;
	if (blank)
		return fk_error_set(err, FK_EINVAL, "name", "name is blank");
	return 0;
}

/* http:// or https://, a host, at most 512 bytes of printable ASCII. */
static int
url_validate(const char *url, size_t cap, struct fk_error *err)
{
	size_t len = strnlen(url, cap);
	CURLU *h;
	char *host = NULL;
	int rc = 0;

	if (len == cap)
		return fk_error_set(err, FK_EINVAL, "url", "url is longer than %d bytes",
				    WEBHOOK_URL_MAX);
	if (len == 0)
		return fk_error_set(err, FK_EINVAL, "url", "url is required");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c <= 0x20 || c == 0x7f)
			return fk_error_set(err, FK_EINVAL, "url",
					    "url must not contain spaces or control characters");
		if (c >= 0x80)
			return fk_error_set(err, FK_EINVAL, "url",
					    "url must be ASCII (percent-encode other characters)");
	}
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return fk_error_set(err, FK_EINVAL, "url",
				    "url must start with http:// or https://");
	/* libcurl would read "http:///x" as the host "x" */
	if (strchr("/?#", strstr(url, "://")[3]))
		return fk_error_set(err, FK_EINVAL, "url", "url has no host");
	if (curl_ready())
		return fk_error_set(err, FK_EIO, "", "libcurl failed to initialise");
	h = curl_url();
	if (h == NULL)
		return fk_error_set(err, FK_ENOMEM, "", NULL);
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || host == NULL ||
	    host[0] == '\0')
		rc = fk_error_set(err, FK_EINVAL, "url",
				  "url is not a valid http(s) URL with a host");
	curl_free(host);
	curl_url_cleanup(h);
	return rc;
}

/* Check w and normalise its events to a comma list of "alert",
 * "reminder" and "signal", in that order. */
static int
webhook_validate(webhook_t *w, struct fk_error *err)
{
	enum hook_kind kind;
	unsigned bits;
	char bad[40];
	int rc;

	if ((rc = name_validate(w->name, sizeof w->name, err)))
		return rc;
	if (strnlen(w->kind, sizeof w->kind) == sizeof w->kind || kind_parse(w->kind, &kind))
		return fk_error_set(err, FK_EINVAL, "kind",
				    "kind must be generic, wecom or dingtalk");
	if ((rc = url_validate(w->url, sizeof w->url, err)))
		return rc;
	if (strnlen(w->events, sizeof w->events) == sizeof w->events)
		return fk_error_set(err, FK_EINVAL, "events", "events is too long");
	if (events_parse(w->events, &bits, bad, sizeof bad)) {
		if (bad[0] == '\0')
			return fk_error_set(err, FK_EINVAL, "events",
					    "events must name alert, reminder and/or signal");
		return fk_error_set(
		    err, FK_EINVAL, "events",
		    "events may hold alert, reminder and signal, each once: '%s' is "
		    "unknown or repeated",
		    bad);
	}
	snprintf(w->events, sizeof w->events, "%s%s%s%s%s", bits & EVENT_ALERT ? "alert" : "",
		 (bits & EVENT_ALERT) && (bits & ~EVENT_ALERT) ? "," : "",
		 bits & EVENT_REMINDER ? "reminder" : "",
		 (bits & EVENT_REMINDER) && (bits & EVENT_SIGNAL) ? "," : "",
		 bits & EVENT_SIGNAL ? "signal" : "");
	return 0;
}

int
app_webhook_list(app_t *a, const actor_t *actor, webhook_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!may_manage_webhooks(actor))
		return FK_EPERM;
	return store_webhook_list(a->store, out, n);
}

struct webhook_job {
	const actor_t *actor;
	webhook_t *w;	   /* create: the new webhook */
	int64_t delete_id; /* delete: its id */
};

static int
webhook_create_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct webhook_job *j = arg;
	char id[24], detail[200];
	int rc = store_tx_webhook_insert(tx, j->w, err);

	if (rc == FK_ECONFLICT)
		return fk_error_set(err, rc, "name", "a webhook named '%s' already exists",
				    j->w->name);
	if (rc)
		return fk_error_set(err, rc, "", "cannot store the webhook");
	snprintf(id, sizeof id, "%lld", (long long)j->w->id);
	/* not the URL: a robot's URL carries its secret key */
	snprintf(detail, sizeof detail, "%s (%s; %s)", j->w->name, j->w->kind, j->w->events);
	rc = app_audit_tx(tx, j->actor, "create", "webhook", id, detail);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

int
app_webhook_create(app_t *a, const actor_t *actor, webhook_t *w, struct fk_error *err)
{
	struct webhook_job j = {actor, w, 0};
	int rc;

	if (!may_manage_webhooks(actor))
		return fk_error_set(err, FK_EPERM, "", "only an admin manages webhooks");
	if ((rc = webhook_validate(w, err)))
		return rc;
	w->id = 0;
	w->created_at = app_now();
	return store_write(a->store, webhook_create_job, &j, err);
}

static int
webhook_delete_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct webhook_job *j = arg;
	webhook_t *hooks = NULL;
	size_t n = 0;
	char id[24], detail[200] = "";
	bool found = false;
	int rc = store_tx_webhook_list(tx, &hooks, &n);

	if (rc)
		return fk_error_set(err, rc, "", "cannot read webhooks");
	for (size_t i = 0; i < n; i++)
		if (hooks[i].id == j->delete_id) {
			found = true;
			snprintf(detail, sizeof detail, "%s (%s)", hooks[i].name, hooks[i].kind);
		}
	free(hooks);
	if (!found)
		return fk_error_set(err, FK_ENOTFOUND, "id", "no webhook %lld",
				    (long long)j->delete_id);
	rc = store_tx_webhook_delete(tx, j->delete_id);
	if (rc == FK_ENOTFOUND)
		return fk_error_set(err, rc, "id", "no webhook %lld", (long long)j->delete_id);
	if (rc)
		return fk_error_set(err, rc, "", "cannot delete the webhook");
	snprintf(id, sizeof id, "%lld", (long long)j->delete_id);
	rc = app_audit_tx(tx, j->actor, "delete", "webhook", id, detail);
	return rc ? fk_error_set(err, rc, "", "cannot write the audit log") : 0;
}

int
app_webhook_delete(app_t *a, const actor_t *actor, int64_t id, struct fk_error *err)
{
	struct webhook_job j = {actor, NULL, id};

	if (!may_manage_webhooks(actor))
		return fk_error_set(err, FK_EPERM, "", "only an admin manages webhooks");
	if (id <= 0)
		return fk_error_set(err, FK_ENOTFOUND, "id", "no webhook %lld", (long long)id);
	return store_write(a->store, webhook_delete_job, &j, err);
}

int
app_delivery_list(app_t *a, const actor_t *actor, int64_t before, int limit, delivery_t **out,
		  size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!actor->cli && actor->user.role != ROLE_ADMIN && actor->user.role != ROLE_OFFICE)
		return FK_EPERM;
	/* a delivery row carries its payload (16 KiB): keep pages modest */
	if (limit <= 0 || limit > 200)
		limit = 100;
	return store_delivery_list(a->store, before, limit, out, n);
}

/* ---- reminders --------------------------------------------------------------- */

struct reminder_job {
	const webhook_t *hooks; /* enabled, taking reminders */
	size_t n_hooks;
	const struct dash_department *depts;
	size_t n_depts;
	int32_t day;
	const char *cutoff; /* "HH:MM" for the message */
	int64_t now;
	char *payload; /* DELIVERY_PAYLOAD_MAX scratch */
	int queued;    /* deliveries inserted */
};

static int
reminder_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct reminder_job *j = arg;
	int rc;

	j->queued = 0;
	for (size_t i = 0; i < j->n_depts; i++) {
		const struct dash_department *d = &j->depts[i];
		int64_t missing = d->people - d->reported;

		if (missing <= 0)
			continue;
		rc = store_tx_reminder_claim(tx, j->day, d->department_id, missing, j->now);
		if (rc == FK_ECONFLICT)
			continue; /* already sent today */
		if (rc)
			return fk_error_set(err, rc, "", "cannot claim the reminder");
		for (size_t k = 0; k < j->n_hooks; k++) {
			enum hook_kind kind;
			if (kind_parse(j->hooks[k].kind, &kind) ||
			    reminder_payload(kind, j->day, d, missing, j->cutoff, j->payload))
				continue;
			rc = queue_delivery(tx, &j->hooks[k], "reminder", j->payload, j->now);
			if (rc)
				return fk_error_set(err, rc, "", "cannot queue the reminder");
			j->queued++;
		}
	}
	return 0;
}

/* Queue today's reminders if the cut-off has passed and they are not
 * queued yet.  Webhooks added later the same day still get the day's
 * reminder as long as no reminder webhook existed before. */
static int
reminders_due(app_t *a, int64_t now)
{
	struct reminder_job j = {0};
	webhook_t *hooks = NULL;
	struct dash_department *depts = NULL;
	size_t n_hooks = 0, n_depts = 0, keep = 0;
	char cutoff[SETTING_VALUE_MAX] = "";
	struct fk_error err = {0};
	int32_t day = date_of_unix_cst((time_t)now);
	int64_t into_day = date_seconds_into_day_cst((time_t)now);
	int cutoff_s, rc;

	if (a->notify_reminded == day)
		return 0;
	rc = store_setting_get(a->store, "report_cutoff", cutoff, sizeof cutoff);
	if (rc && rc != FK_ENOTFOUND)
		return rc;
	cutoff_s = app_hhmm_parse(cutoff);
	if (cutoff_s < 0) {
		cutoff_s = CUTOFF_DEFAULT_S;
		snprintf(cutoff, sizeof cutoff, "10:00");
	}
	if (into_day < cutoff_s)
		return 0;

	rc = store_webhook_list(a->store, &hooks, &n_hooks);
	if (rc)
		return rc;
	for (size_t i = 0; i < n_hooks; i++)
		if (hooks[i].enabled && (hook_events(&hooks[i]) & EVENT_REMINDER))
			hooks[keep++] = hooks[i];
	if (keep == 0)
		goto out; /* nobody to remind yet; look again next pass */
	rc = store_dash_departments(a->store, day, NULL, &depts, &n_depts);
	if (rc)
		goto out;
	j = (struct reminder_job){hooks, keep, depts, n_depts, day, cutoff, now, NULL, 0};
	j.payload = malloc(DELIVERY_PAYLOAD_MAX);
	if (j.payload == NULL) {
		rc = FK_ENOMEM;
		goto out;
	}
	rc = store_write(a->store, reminder_job, &j, &err);
	if (rc == 0)
		a->notify_reminded = day;
out:
	free(j.payload);
	free(depts);
	free(hooks);
	return rc;
}

/* ---- delivering ------------------------------------------------------------------ */

struct response {
	char body[NOTIFY_RESPONSE_MAX];
	size_t len;
};

/* Keep the first NOTIFY_RESPONSE_MAX - 1 bytes, swallow the rest. */
static size_t
response_collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct response *r = arg;
	size_t got = size * nmemb, room = sizeof r->body - 1 - r->len;
	size_t take = got < room ? got : room;

	memcpy(r->body + r->len, ptr, take);
	r->len += take;
	r->body[r->len] = '\0';
	return got;
}

/* A WeCom or DingTalk robot answers 200 with {"errcode":N,"errmsg":...};
 * N != 0 means the message was refused.  Returns true if refused, with
 * why in error. */
static bool
robot_refused(const struct response *r, char *error, size_t cap)
{
	json_t *root = json_loadb(r->body, r->len, 0, NULL);
	json_t *code = json_object_get(root, "errcode");
	bool refused = false;

	if (json_is_integer(code) && json_integer_value(code) != 0) {
		const char *msg = json_string_value(json_object_get(root, "errmsg"));
		char text[200];
		copy_text(text, sizeof text, msg ? msg : "");
		snprintf(error, cap, "errcode %lld: %s", (long long)json_integer_value(code), text);
		refused = true;
	}
	json_decref(root);
	return refused;
}

/* POST d's payload to w.  Returns true on success; *status gets the
 * HTTP status (0 if there was no answer) and error why it failed. */
static bool
post_delivery(const webhook_t *w, enum hook_kind kind, const delivery_t *d, int *status,
	      char *error, size_t cap)
{
	struct response *resp = calloc(1, sizeof *resp);
	char curl_error[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL, *more;
	CURL *c = NULL;
	CURLcode cc;
	long code = 0;
	bool ok = false;

	*status = 0;
	error[0] = '\0';
	if (resp == NULL || curl_ready() || (c = curl_easy_init()) == NULL) {
		snprintf(error, cap, "cannot start an HTTP client");
		goto out;
	}
	headers = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	/* no "Expect: 100-continue" round trip before the body */
	more = headers ? curl_slist_append(headers, "Expect:") : NULL;
	if (more == NULL) {
		snprintf(error, cap, "out of memory");
		goto out;
	}
	headers = more;
	cc = curl_easy_setopt(c, CURLOPT_URL, w->url);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* we are one thread of many */
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, NOTIFY_TIMEOUT_MS);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, NOTIFY_TIMEOUT_MS);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_POST, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, d->payload);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(d->payload));
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_USERAGENT, "Fangkong/" FANGKONG_VERSION);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, response_collect);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
	if (cc == CURLE_OK)
		cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		copy_text(error, cap, curl_error[0] ? curl_error : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	*status = (int)code;
	if (code < 200 || code > 299) {
		snprintf(error, cap, "HTTP %ld", code);
		goto out;
	}
	if (kind != KIND_GENERIC && robot_refused(resp, error, cap))
		goto out;
	ok = true;
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	free(resp);
	return ok;
}

static int
delivery_update_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	int rc = store_tx_delivery_update(tx, arg);
	return rc ? fk_error_set(err, rc, "", "cannot record the delivery") : 0;
}

/* True once app_notify_stop() has asked the thread to finish. */
static bool
stopping(app_t *a)
{
	bool stop;

	if (!a->notify_running)
		return false;
	pthread_mutex_lock(&a->notify_mu);
	stop = a->notify_stop;
	pthread_mutex_unlock(&a->notify_mu);
	return stop;
}

/* Record a failed attempt: retry later, or give up after the last. */
static void
delivery_failed(delivery_t *d, int64_t now, int status, const char *error)
{
	d->attempts++;
	d->last_status = status;
	copy_text(d->last_error, sizeof d->last_error, error);
	if (d->attempts >= NOTIFY_ATTEMPTS_MAX)
		snprintf(d->state, sizeof d->state, "failed");
	else
		d->next_at = now + backoff_s[d->attempts - 1];
}

static const webhook_t *
hook_find(const webhook_t *hooks, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (hooks[i].id == id)
			return &hooks[i];
	return NULL;
}

/* Try every due delivery once (see the file comment). */
static int
deliver_due(app_t *a, int64_t now)
{
	webhook_t *hooks = NULL;
	delivery_t *due = NULL;
	size_t n_hooks = 0, n = 0;
	int64_t failing[NOTIFY_BATCH * NOTIFY_BATCHES_MAX];
	size_t n_failing = 0;
	struct fk_error err = {0};
	int rc;

	rc = store_webhook_list(a->store, &hooks, &n_hooks);
	if (rc)
		return rc;
	for (int batch = 0; batch < NOTIFY_BATCHES_MAX && !stopping(a); batch++) {
		rc = store_delivery_due(a->store, now, NOTIFY_BATCH, &due, &n);
		if (rc)
			goto out;
		for (size_t i = 0; i < n && !stopping(a); i++) {
			delivery_t *d = &due[i];
			const webhook_t *w = hook_find(hooks, n_hooks, d->webhook_id);
			enum hook_kind kind = KIND_GENERIC;
			bool skip = false;
			char error[256];
			int status = 0;

			for (size_t k = 0; k < n_failing; k++)
				skip = skip || failing[k] == d->webhook_id;
			if (skip) {
				/* its webhook just failed: no attempt counted */
				d->next_at = now + backoff_s[0];
			} else if (w == NULL || !w->enabled || kind_parse(w->kind, &kind)) {
				d->attempts++;
				snprintf(d->state, sizeof d->state, "failed");
				snprintf(d->last_error, sizeof d->last_error, "%s",
					 w == NULL ? "the webhook was deleted"
						   : "the webhook is disabled");
			} else if (post_delivery(w, kind, d, &status, error, sizeof error)) {
				d->attempts++;
				d->last_status = status;
				d->last_error[0] = '\0';
				d->delivered_at = now;
				snprintf(d->state, sizeof d->state, "delivered");
			} else {
				delivery_failed(d, now, status, error);
				if (n_failing < sizeof failing / sizeof failing[0])
					failing[n_failing++] = d->webhook_id;
			}
			rc = store_write(a->store, delivery_update_job, d, &err);
			if (rc)
				goto out; /* the row is still due: do not retry it in a loop */
		}
		free(due);
		due = NULL;
		if (n < NOTIFY_BATCH)
			break;
	}
out:
	free(due);
	free(hooks);
	return rc;
}

int
app__notify_pass(app_t *a, int64_t now)
{
	int rc = reminders_due(a, now);
	int rc2 = app__detect_due(a, now);
	int rc3 = deliver_due(a, now);
	return rc ? rc : rc2 ? rc2 : rc3;
}

/* ---- the thread -------------------------------------------------------------------- */

static void *
notify_main(void *arg)
{
	app_t *a = arg;
	int last_rc = 0;

	pthread_mutex_lock(&a->notify_mu);
	while (!a->notify_stop) {
		struct timespec until;
		int rc;

		pthread_mutex_unlock(&a->notify_mu);
		rc = app__notify_pass(a, app_now());
		if (rc && rc != last_rc) /* once per kind of trouble, not every second */
			fprintf(stderr, "notify: %s\n", fk_strerror(rc));
		last_rc = rc;
		pthread_mutex_lock(&a->notify_mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 1;
		while (!a->notify_stop &&
		       pthread_cond_timedwait(&a->notify_cond, &a->notify_mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&a->notify_mu);
	return NULL;
}

int
app_notify_start(app_t *a)
{
	pthread_condattr_t attr;
	sigset_t all, old;
	int rc;

	if (a->notify_running)
		return 0;
	if (curl_ready())
		return FK_EIO;
	if (pthread_mutex_init(&a->notify_mu, NULL))
		return FK_EIO;
	if (pthread_condattr_init(&attr)) {
		pthread_mutex_destroy(&a->notify_mu);
		return FK_EIO;
	}
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&a->notify_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (rc) {
		pthread_mutex_destroy(&a->notify_mu);
		return FK_EIO;
	}
	a->notify_stop = false;
	a->notify_running = true;
	/* the thread inherits a full signal mask: SIGTERM/SIGINT stay with serve */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&a->notify_thread, NULL, notify_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		a->notify_running = false;
		pthread_cond_destroy(&a->notify_cond);
		pthread_mutex_destroy(&a->notify_mu);
		return FK_EIO;
	}
	return 0;
}

void
app_notify_stop(app_t *a)
{
	if (a == NULL || !a->notify_running)
		return;
	pthread_mutex_lock(&a->notify_mu);
	a->notify_stop = true;
	pthread_cond_broadcast(&a->notify_cond);
	pthread_mutex_unlock(&a->notify_mu);
	pthread_join(a->notify_thread, NULL);
	pthread_cond_destroy(&a->notify_cond);
	pthread_mutex_destroy(&a->notify_mu);
	a->notify_running = false;
}

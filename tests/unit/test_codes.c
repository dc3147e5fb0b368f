/*
 * test_codes.c -- unit tests for app/codes.c: signed health-code tokens,
 * their check at a gate, and the QR code drawn as SVG.
 *
 * Each test opens a real application on a fresh SQLite file under
 * $FANGKONG_TEST_TMP.  Times are chosen by the test (the `now` argument),
 * so expiry edges are exact.  The QR code is checked three ways: the SVG
 * path is read back into a module grid and compared with libqrencode's
 * matrix; python3 parses it as XML; and, when zbarimg and an SVG renderer
 * (rsvg-convert or ImageMagick) are installed, it is rendered and
 * scanned, and what the scanner reads must be the token.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define TOKEN_BYTES 90
#define OFF_PERSON 18
#define T0 INT64_C(1581379200) /* 2020-02-11 08:00 CST: Hangzhou's first health code */

/* ---- scratch databases ---------------------------------------------------- */

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

static const char *
tmp_dir(void)
{
	const char *dir = getenv("FANGKONG_TEST_TMP");
	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	mkdir_p(dir);
	return dir;
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

struct db {
	char path[512];
	app_t *app;
};

static void
db_open_at(struct db *d)
{
	struct fk_error err = {0};
	if (app_open(d->path, NULL, &d->app, &err) != 0)
		fail_msg("app_open %s: %s", d->path, err.message);
}

static void
db_new(struct db *d)
{
	static atomic_int counter;
	snprintf(d->path, sizeof d->path, "%s/fk-test-codes-%ld-%d.db", tmp_dir(), (long)getpid(),
		 atomic_fetch_add(&counter, 1));
	remove_db(d->path);
	db_open_at(d);
}

static void
db_drop(struct db *d)
{
	app_close(d->app);
	d->app = NULL;
	remove_db(d->path);
}

static health_code_t
code_of(enum status colour)
{
	health_code_t c;
	memset(&c, 0, sizeof c);
	c.colour = colour;
	return c;
}

static void
make_token(app_t *a, const char *person, enum status colour, int64_t now,
	   char tok[APP_CODE_TOKEN_LEN + 1])
{
	health_code_t c = code_of(colour);
	assert_int_equal(app_code_token(a, person, &c, now, tok, APP_CODE_TOKEN_LEN + 1), 0);
	assert_int_equal(strlen(tok), APP_CODE_TOKEN_LEN);
}

static void
decode(const char *tok, unsigned char bytes[TOKEN_BYTES])
{
	size_t got = 0;
	assert_int_equal(sodium_base642bin(bytes, TOKEN_BYTES, tok, strlen(tok), NULL, &got, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			 0);
	assert_int_equal(got, TOKEN_BYTES);
}

static void
encode(const unsigned char bytes[TOKEN_BYTES], char tok[APP_CODE_TOKEN_LEN + 1])
{
	sodium_bin2base64(tok, APP_CODE_TOKEN_LEN + 1, bytes, TOKEN_BYTES,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static struct code_check
check(app_t *a, const char *tok, int64_t now)
{
	struct code_check c;
	assert_int_equal(app_code_verify(a, tok, now, &c), 0);
	assert_non_null(c.reason);
	return c;
}

static void
assert_invalid(app_t *a, const char *tok, int64_t now, const char *why)
{
	struct code_check c = check(a, tok, now);
	assert_int_equal(c.colour, STATUS_RED);
	if (c.valid)
		fail_msg("%s: accepted %s", why, tok ? tok : "(null)");
	if (strcmp(c.reason, "bad_signature") != 0 && strcmp(c.reason, "malformed") != 0)
		fail_msg("%s: reason %s", why, c.reason);
}

/* ---- tokens ------------------------------------------------------------------ */

static void
test_token_verifies_with_the_colour_it_was_made_with(void **state)
{
	static const enum status colours[] = {STATUS_GREEN, STATUS_YELLOW, STATUS_RED};
	struct db d;
	db_new(&d);
	for (size_t i = 0; i < ARRAY_LEN(colours); i++) {
		char tok[APP_CODE_TOKEN_LEN + 1];
		struct code_check c;
		make_token(d.app, "P2020-0001", colours[i], T0, tok);
		c = check(d.app, tok, T0);
		assert_true(c.valid);
		assert_int_equal(c.colour, colours[i]);
		assert_int_equal(c.expires_at, T0 + APP_CODE_TTL_S);
		assert_string_equal(c.reason, "ok");
	}
	db_drop(&d);
}

static void
test_token_is_short_url_safe_text(void **state)
{
	char tok[APP_CODE_TOKEN_LEN + 1];
	struct db d;
	db_new(&d);
	make_token(d.app, "P2020-0001", STATUS_GREEN, T0, tok);
	assert_true(strlen(tok) < 140);
	for (const char *p = tok; *p; p++)
		assert_non_null(
		    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
	db_drop(&d);
}

static void
test_any_changed_character_is_rejected(void **state)
{
	char tok[APP_CODE_TOKEN_LEN + 1], bad[APP_CODE_TOKEN_LEN + 1];
	struct db d;
	db_new(&d);
	make_token(d.app, "P2020-0001", STATUS_RED, T0, tok);
	for (size_t i = 0; i < APP_CODE_TOKEN_LEN; i++) {
		/* two replacements: a neighbour in the alphabet (one low
		 * bit) and a far one */
		static const char alt[][2] = {{'A', 'B'}, {'-', '_'}};
		for (size_t k = 0; k < ARRAY_LEN(alt); k++) {
			memcpy(bad, tok, sizeof bad);
			bad[i] = tok[i] == alt[k][0] ? alt[k][1] : alt[k][0];
			assert_invalid(d.app, bad, T0, "changed character");
		}
	}
	db_drop(&d);
}

static void
test_any_flipped_byte_is_rejected(void **state)
{
	static const unsigned char flips[] = {0x01, 0x80, 0xff};
	char tok[APP_CODE_TOKEN_LEN + 1], bad[APP_CODE_TOKEN_LEN + 1];
	unsigned char bytes[TOKEN_BYTES], b2[TOKEN_BYTES];
	struct db d;
	db_new(&d);
	make_token(d.app, "P2020-0001", STATUS_YELLOW, T0, tok);
	decode(tok, bytes);
	for (size_t i = 0; i < TOKEN_BYTES; i++) {
		for (size_t k = 0; k < ARRAY_LEN(flips); k++) {
			memcpy(b2, bytes, sizeof b2);
			b2[i] ^= flips[k];
			encode(b2, bad);
			assert_invalid(d.app, bad, T0, "flipped byte");
		}
	}
	/* a yellow made green by hand, with the rest intact */
	memcpy(b2, bytes, sizeof b2);
	b2[1] = STATUS_GREEN;
	encode(b2, bad);
	assert_string_equal(check(d.app, bad, T0).reason, "bad_signature");
	db_drop(&d);
}

static void
test_malformed_tokens_are_rejected_as_malformed(void **state)
{
	char tok[APP_CODE_TOKEN_LEN + 1], bad[APP_CODE_TOKEN_LEN + 8];
	unsigned char bytes[TOKEN_BYTES];
	struct db d;
	db_new(&d);
	make_token(d.app, "P2020-0001", STATUS_GREEN, T0, tok);

	assert_string_equal(check(d.app, NULL, T0).reason, "malformed");
	assert_string_equal(check(d.app, "", T0).reason, "malformed");
	snprintf(bad, sizeof bad, "%.*s", APP_CODE_TOKEN_LEN - 1, tok);
	assert_string_equal(check(d.app, bad, T0).reason, "malformed");
	snprintf(bad, sizeof bad, "%sA", tok);
	assert_string_equal(check(d.app, bad, T0).reason, "malformed");
	snprintf(bad, sizeof bad, "%.*s=", APP_CODE_TOKEN_LEN - 1, tok);
	assert_string_equal(check(d.app, bad, T0).reason, "malformed");
	snprintf(bad, sizeof bad, "%s", tok);
	bad[40] = '+'; /* standard base64, not base64url */
	assert_string_equal(check(d.app, bad, T0).reason, "malformed");
	bad[40] = ' ';
	assert_string_equal(check(d.app, bad, T0).reason, "malformed");
	/* another version is refused before any signature is looked at */
	decode(tok, bytes);
	bytes[0] = 2;
	encode(bytes, bad);
	assert_string_equal(check(d.app, bad, T0).reason, "malformed");
	/* a long string is refused without reading past the limit */
	{
		char *big = malloc(1 << 16);
		assert_non_null(big);
		memset(big, 'A', (1 << 16) - 1);
		big[(1 << 16) - 1] = '\0';
		assert_string_equal(check(d.app, big, T0).reason, "malformed");
		free(big);
	}
	db_drop(&d);
}

static void
test_token_expires_after_five_minutes_exactly(void **state)
{
	char tok[APP_CODE_TOKEN_LEN + 1];
	struct code_check c;
	struct db d;
	db_new(&d);
	make_token(d.app, "P2020-0001", STATUS_GREEN, T0, tok);
	assert_int_equal(APP_CODE_TTL_S, 300);

	c = check(d.app, tok, T0 + APP_CODE_TTL_S - 1);
	assert_true(c.valid);
	c = check(d.app, tok, T0 + APP_CODE_TTL_S);
	assert_false(c.valid);
	assert_string_equal(c.reason, "expired");
	assert_int_equal(c.expires_at, T0 + APP_CODE_TTL_S);
	c = check(d.app, tok, T0 + 86400);
	assert_false(c.valid);
	assert_string_equal(c.reason, "expired");

	/* a verifier whose clock is a little behind still accepts it */
	c = check(d.app, tok, T0 - APP_CODE_SKEW_S);
	assert_true(c.valid);
	c = check(d.app, tok, T0 - APP_CODE_SKEW_S - 1);
	assert_false(c.valid);
	assert_string_equal(c.reason, "not_yet_valid");
	db_drop(&d);
}

static void
test_token_from_another_database_is_rejected(void **state)
{
	char tok_a[APP_CODE_TOKEN_LEN + 1], tok_b[APP_CODE_TOKEN_LEN + 1], v[SETTING_VALUE_MAX];
	struct db a, b;
	db_new(&a);
	db_new(&b);
	make_token(a.app, "P2020-0001", STATUS_GREEN, T0, tok_a);

	/* b has no key yet: nothing is b's, and checking makes no key */
	assert_string_equal(check(b.app, tok_a, T0).reason, "bad_signature");
	assert_int_equal(store_setting_get(app_store(b.app), "code_signing_key", v, sizeof v),
			 FK_ENOTFOUND);

	/* b's own key does not make a's token good, nor the other way */
	make_token(b.app, "P2020-0001", STATUS_GREEN, T0, tok_b);
	assert_string_equal(check(b.app, tok_a, T0).reason, "bad_signature");
	assert_string_equal(check(a.app, tok_b, T0).reason, "bad_signature");
	assert_true(check(a.app, tok_a, T0).valid);
	assert_true(check(b.app, tok_b, T0).valid);
	db_drop(&a);
	db_drop(&b);
}

/* True if needle[0..n) occurs in hay[0..len). */
static bool
contains(const unsigned char *hay, size_t len, const void *needle, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

static void
assert_hides_person(const char *tok, const char *id)
{
	unsigned char bytes[TOKEN_BYTES], h[32];
	char idhex[2 * PERSON_ID_MAX + 1], idb64[2 * PERSON_ID_MAX + 8];
	size_t n = strlen(id);

	decode(tok, bytes);
	assert_null(strstr(tok, id));
	assert_false(contains(bytes, sizeof bytes, id, n));
	/* nor a part of it long enough to recognise */
	for (size_t i = 0; i + 4 <= n; i++)
		assert_false(contains(bytes, sizeof bytes, id + i, 4));
	sodium_bin2hex(idhex, sizeof idhex, (const unsigned char *)id, n);
	assert_null(strstr(tok, idhex));
	sodium_bin2base64(idb64, sizeof idb64, (const unsigned char *)id, n,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	assert_null(strstr(tok, idb64));
	/* nor an unkeyed hash anyone could compute from a staff list */
	crypto_generichash(h, sizeof h, (const unsigned char *)id, n, NULL, 0);
	assert_false(contains(bytes, sizeof bytes, h, 4));
	crypto_hash_sha256(h, (const unsigned char *)id, n);
	assert_false(contains(bytes, sizeof bytes, h, 4));
}

static void
test_tokens_differ_and_do_not_name_the_person(void **state)
{
	char t1[APP_CODE_TOKEN_LEN + 1], t2[APP_CODE_TOKEN_LEN + 1], t3[APP_CODE_TOKEN_LEN + 1];
	unsigned char b1[TOKEN_BYTES], b2[TOKEN_BYTES], b3[TOKEN_BYTES];
	struct db d;
	db_new(&d);
	make_token(d.app, "P2020-0001", STATUS_GREEN, T0, t1);
	make_token(d.app, "P2020-0001", STATUS_GREEN, T0, t2);
	make_token(d.app, "P2020-0002", STATUS_GREEN, T0, t3);
	assert_string_not_equal(t1, t2); /* same person, same second: the nonce */
	assert_hides_person(t1, "P2020-0001");
	assert_hides_person(t2, "P2020-0001");
	assert_hides_person(t3, "P2020-0002");

	/* the reference is a pseudonym: stable for a person, different
	 * between people */
	decode(t1, b1);
	decode(t2, b2);
	decode(t3, b3);
	assert_memory_equal(b1 + OFF_PERSON, b2 + OFF_PERSON, 8);
	assert_memory_not_equal(b1 + OFF_PERSON, b3 + OFF_PERSON, 8);
	db_drop(&d);
}

static void
test_key_survives_restart(void **state)
{
	char tok[APP_CODE_TOKEN_LEN + 1], tok2[APP_CODE_TOKEN_LEN + 1];
	char before[SETTING_VALUE_MAX], after[SETTING_VALUE_MAX];
	struct db d;
	db_new(&d);
	make_token(d.app, "P2020-0001", STATUS_RED, T0, tok);
	assert_int_equal(
	    store_setting_get(app_store(d.app), "code_signing_key", before, sizeof before), 0);
	assert_int_equal(strlen(before), 128);
	app_close(d.app);

	db_open_at(&d);
	{
		struct code_check c = check(d.app, tok, T0 + 1);
		assert_true(c.valid);
		assert_int_equal(c.colour, STATUS_RED);
	}
	make_token(d.app, "P2020-0001", STATUS_RED, T0, tok2);
	assert_int_equal(
	    store_setting_get(app_store(d.app), "code_signing_key", after, sizeof after), 0);
	assert_string_equal(before, after);
	db_drop(&d);
}

static void
test_keys_are_not_reachable_through_settings(void **state)
{
	static const char *const internal[] = {"code_signing_key", "code_pseudonym_key"};
	char tok[APP_CODE_TOKEN_LEN + 1], v[SETTING_VALUE_MAX];
	struct fk_error err = {0};
	actor_t cli;
	struct db d;
	db_new(&d);
	make_token(d.app, "P2020-0001", STATUS_GREEN, T0, tok);
	app_actor_cli(&cli);
	for (size_t i = 0; i < ARRAY_LEN(internal); i++) {
		for (size_t k = 0; app_setting_keys[k]; k++)
			assert_string_not_equal(app_setting_keys[k], internal[i]);
		fk_error_clear(&err);
		assert_int_equal(app_setting_get(d.app, &cli, internal[i], v, sizeof v, &err),
				 FK_ENOTFOUND);
		fk_error_clear(&err);
		assert_int_not_equal(app_setting_put(d.app, &cli, internal[i], "00", &err), 0);
	}
	/* and the key was not replaced */
	assert_true(check(d.app, tok, T0).valid);
	db_drop(&d);
}

/* ---- first use from many threads ------------------------------------------- */

#define RACERS 8

struct racer {
	app_t *app;
	pthread_barrier_t *start;
	int rc;
	char tok[APP_CODE_TOKEN_LEN + 1];
};

static void *
racer_run(void *arg)
{
	struct racer *r = arg;
	health_code_t c = code_of(STATUS_YELLOW);
	pthread_barrier_wait(r->start);
	r->rc = app_code_token(r->app, "P2020-0001", &c, T0, r->tok, sizeof r->tok);
	return NULL;
}

static void
test_concurrent_first_uses_end_with_one_key(void **state)
{
	struct racer racers[RACERS];
	pthread_t th[RACERS];
	pthread_barrier_t start;
	struct db d, twin;
	db_new(&d);
	/* a second application on the same file, as the CLI beside the server */
	snprintf(twin.path, sizeof twin.path, "%s", d.path);
	db_open_at(&twin);

	assert_int_equal(pthread_barrier_init(&start, NULL, RACERS), 0);
	for (int i = 0; i < RACERS; i++) {
		racers[i] = (struct racer){.app = i % 2 ? twin.app : d.app, .start = &start};
		assert_int_equal(pthread_create(&th[i], NULL, racer_run, &racers[i]), 0);
	}
	for (int i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);

	/* every token made in the race verifies, on either application */
	for (int i = 0; i < RACERS; i++) {
		assert_int_equal(racers[i].rc, 0);
		assert_true(check(d.app, racers[i].tok, T0).valid);
		assert_true(check(twin.app, racers[i].tok, T0).valid);
	}
	app_close(twin.app);
	db_drop(&d);
}

/* ---- damaged keys and bad arguments ---------------------------------------- */

static int
damage_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	return store_tx_setting_put(tx, "code_signing_key", arg, 0);
}

static void
test_damaged_key_is_an_error_not_replaced(void **state)
{
	char tok[APP_CODE_TOKEN_LEN + 1], v[SETTING_VALUE_MAX], key[SETTING_VALUE_MAX];
	struct fk_error err = {0};
	health_code_t c = code_of(STATUS_GREEN);
	struct code_check cc;
	struct db d;
	db_new(&d);
	make_token(d.app, "P2020-0001", STATUS_GREEN, T0, tok);
	assert_int_equal(store_setting_get(app_store(d.app), "code_signing_key", key, sizeof key),
			 0);

	/* not hex */
	assert_int_equal(store_write(app_store(d.app), damage_job, "zz", &err), 0);
	assert_int_equal(app_code_token(d.app, "P2020-0001", &c, T0, v, sizeof v), FK_EIO);
	assert_int_equal(app_code_verify(d.app, tok, T0, &cc), FK_EIO);
	assert_false(cc.valid);
	assert_int_equal(store_setting_get(app_store(d.app), "code_signing_key", v, sizeof v), 0);
	assert_string_equal(v, "zz");

	/* hex of the right length whose public half does not match its seed */
	snprintf(v, sizeof v, "%s", key);
	v[127] = v[127] == '0' ? '1' : '0';
	assert_int_equal(store_write(app_store(d.app), damage_job, v, &err), 0);
	assert_int_equal(app_code_token(d.app, "P2020-0001", &c, T0, tok, sizeof tok), FK_EIO);
	db_drop(&d);
}

static void
test_bad_arguments_are_refused(void **state)
{
	char tok[APP_CODE_TOKEN_LEN + 1];
	health_code_t c = code_of(STATUS_GREEN), odd = code_of((enum status)7);
	char long_id[PERSON_ID_MAX + 2];
	struct db d;
	db_new(&d);
	memset(long_id, 'x', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	assert_int_equal(app_code_token(d.app, "P1", &c, T0, tok, APP_CODE_TOKEN_LEN), FK_EINVAL);
	assert_int_equal(app_code_token(d.app, "", &c, T0, tok, sizeof tok), FK_EINVAL);
	assert_int_equal(app_code_token(d.app, NULL, &c, T0, tok, sizeof tok), FK_EINVAL);
	assert_int_equal(app_code_token(d.app, long_id, &c, T0, tok, sizeof tok), FK_EINVAL);
	assert_int_equal(app_code_token(d.app, "P1", &odd, T0, tok, sizeof tok), FK_EINVAL);
	assert_int_equal(app_code_token(d.app, "P1", &c, INT64_MAX, tok, sizeof tok), FK_EINVAL);
	assert_int_equal(app_code_token(d.app, "P1", &c, UINT32_MAX, tok, sizeof tok), FK_EINVAL);
	assert_int_equal(app_code_token(d.app, "P1", &c, -1, tok, sizeof tok), FK_EINVAL);
	/* a maximal id is fine */
	long_id[PERSON_ID_MAX] = '\0';
	assert_int_equal(app_code_token(d.app, long_id, &c, T0, tok, sizeof tok), 0);
	assert_true(check(d.app, tok, T0).valid);
	db_drop(&d);
}

/* ---- QR code ----------------------------------------------------------------- */

/* Read the dark modules of svg's path back into grid[side*side]; returns
 * side (from the viewBox). */
static int
svg_grid(const char *svg, unsigned char **grid)
{
	int side = 0, side2 = 0, n = 0;
	const char *vb = strstr(svg, "viewBox=\"0 0 ");
	const char *p = strstr(svg, " d=\"");
	assert_non_null(vb);
	assert_non_null(p);
	assert_int_equal(sscanf(vb, "viewBox=\"0 0 %d %d\"", &side, &side2), 2);
	assert_int_equal(side, side2);
	assert_in_range(side, 21 + 8, 177 + 8);
	*grid = calloc((size_t)side * (size_t)side, 1);
	assert_non_null(*grid);
	p += 4;
	while (*p == 'M') {
		int x, y, w, w2;
		assert_int_equal(sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &w, &w2, &n), 4);
		assert_int_equal(w, w2);
		assert_true(x >= 0 && y >= 0 && w > 0 && x + w <= side && y < side);
		for (int i = 0; i < w; i++) {
			assert_int_equal((*grid)[y * side + x + i], 0); /* runs do not overlap */
			(*grid)[y * side + x + i] = 1;
		}
		p += n;
	}
	assert_int_equal(*p, '"');
	return side;
}

static void
test_qr_svg_draws_the_qr_matrix(void **state)
{
	char tok[APP_CODE_TOKEN_LEN + 1];
	unsigned char *grid = NULL;
	char *svg = NULL;
	size_t len = 0;
	QRcode *qr;
	int side;
	struct db d;
	db_new(&d);
	make_token(d.app, "P2020-0001", STATUS_GREEN, T0, tok);
	assert_int_equal(app_code_qr_svg(tok, &svg, &len), 0);
	assert_int_equal(strlen(svg), len);
	assert_non_null(strstr(svg, "shape-rendering=\"crispEdges\""));
	assert_non_null(strstr(svg, "fill=\"#000\""));
	assert_null(strstr(svg, "style"));
	assert_non_null(strstr(svg, "<path "));
	assert_null(strstr(strstr(svg, "<path ") + 1, "<path")); /* one path */

	qr = QRcode_encodeString(tok, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	assert_non_null(qr);
	assert_true(qr->version <= 7); /* a small code: 45 modules */
	side = svg_grid(svg, &grid);
	assert_int_equal(qr->width, 17 + 4 * qr->version);
	assert_int_equal(side, qr->width + 8);
	for (int y = 0; y < side; y++) {
		for (int x = 0; x < side; x++) {
			int qx = x - 4, qy = y - 4;
			bool want = qx >= 0 && qy >= 0 && qx < qr->width && qy < qr->width &&
				    (qr->data[qy * qr->width + qx] & 1);
			if (grid[y * side + x] != want)
				fail_msg("module %d,%d is %d, QR says %d", x, y, grid[y * side + x],
					 want);
		}
	}
	QRcode_free(qr);
	free(grid);
	free(svg);
	db_drop(&d);
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
test_qr_svg_is_well_formed_xml(void **state)
{
	char path[600], cmd[1400];
	char *svg = NULL;
	size_t len = 0;
	snprintf(path, sizeof path, "%s/fk-test-codes-%ld.svg", tmp_dir(), (long)getpid());
	assert_int_equal(app_code_qr_svg("https://example.org/verify?token=abc", &svg, &len), 0);
	write_file(path, svg, len);
	/* the SVG namespace, a square viewBox, one path, no style anywhere */
	snprintf(cmd, sizeof cmd,
		 "python3 -c \"import sys, xml.etree.ElementTree as E\n"
		 "r = E.parse(sys.argv[1]).getroot()\n"
		 "assert r.tag == '{http://www.w3.org/2000/svg}svg', r.tag\n"
		 "v = r.get('viewBox').split(); assert v[0] == v[1] == '0' and v[2] == v[3], v\n"
		 "assert len(r.findall('{http://www.w3.org/2000/svg}path')) == 1\n"
		 "assert all(e.get('style') is None for e in r.iter())\n"
		 "\" '%s'",
		 path);
	assert_int_equal(system(cmd), 0);
	(void)unlink(path);
	free(svg);
}

static bool
have(const char *program)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", program);
	return system(cmd) == 0;
}

static void
test_qr_svg_scans_back_to_the_token(void **state)
{
	char svg_path[600], png_path[600], out_path[600], cmd[2000], tok[APP_CODE_TOKEN_LEN + 1];
	char read_back[512] = "";
	char *svg = NULL;
	size_t len = 0, n;
	FILE *f;
	struct db d;

	if (!have("zbarimg") || !(have("rsvg-convert") || have("convert"))) {
		print_message("zbarimg or an SVG renderer is missing (Debian: zbar-tools, "
			      "librsvg2-bin); not scanning\n");
		skip();
	}
	db_new(&d);
	make_token(d.app, "P2020-0001", STATUS_YELLOW, T0, tok);
	assert_int_equal(app_code_qr_svg(tok, &svg, &len), 0);
	snprintf(svg_path, sizeof svg_path, "%s/fk-test-codes-%ld-scan.svg", tmp_dir(),
		 (long)getpid());
	snprintf(png_path, sizeof png_path, "%s/fk-test-codes-%ld-scan.png", tmp_dir(),
		 (long)getpid());
	snprintf(out_path, sizeof out_path, "%s/fk-test-codes-%ld-scan.txt", tmp_dir(),
		 (long)getpid());
	write_file(svg_path, svg, len);
	if (have("rsvg-convert"))
		snprintf(cmd, sizeof cmd, "rsvg-convert -w 424 -h 424 -o '%s' '%s'", png_path,
			 svg_path);
	else
		snprintf(cmd, sizeof cmd, "convert -density 300 '%s' '%s'", svg_path, png_path);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd,
		 "zbarimg --quiet --raw -Sdisable -Sqrcode.enable '%s' > '%s' 2>/dev/null",
		 png_path, out_path);
	assert_int_equal(system(cmd), 0);
	f = fopen(out_path, "rb");
	assert_non_null(f);
	n = fread(read_back, 1, sizeof read_back - 1, f);
	fclose(f);
	read_back[n] = '\0';
	while (n > 0 && (read_back[n - 1] == '\n' || read_back[n - 1] == '\r'))
		read_back[--n] = '\0';
	assert_string_equal(read_back, tok);
	/* and what was scanned is a good token */
	assert_true(check(d.app, read_back, T0).valid);

	(void)unlink(svg_path);
	(void)unlink(png_path);
	(void)unlink(out_path);
	free(svg);
	db_drop(&d);
}

static void
test_qr_svg_refuses_empty_and_oversized_text(void **state)
{
	char *svg = (char *)"unchanged", *big;
	size_t len = 99;
	assert_int_equal(app_code_qr_svg("", &svg, &len), FK_EINVAL);
	assert_null(svg);
	assert_int_equal(len, 0);
	assert_int_equal(app_code_qr_svg(NULL, &svg, &len), FK_EINVAL);
	big = malloc(APP_QR_TEXT_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', APP_QR_TEXT_MAX + 1);
	big[APP_QR_TEXT_MAX + 1] = '\0';
	assert_int_equal(app_code_qr_svg(big, &svg, &len), FK_ETOOBIG);
	assert_null(svg);
	/* the longest text allowed still fits a QR code at level M */
	big[APP_QR_TEXT_MAX] = '\0';
	assert_int_equal(app_code_qr_svg(big, &svg, &len), 0);
	assert_non_null(svg);
	free(svg);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_token_verifies_with_the_colour_it_was_made_with),
	    cmocka_unit_test(test_token_is_short_url_safe_text),
	    cmocka_unit_test(test_any_changed_character_is_rejected),
	    cmocka_unit_test(test_any_flipped_byte_is_rejected),
	    cmocka_unit_test(test_malformed_tokens_are_rejected_as_malformed),
	    cmocka_unit_test(test_token_expires_after_five_minutes_exactly),
	    cmocka_unit_test(test_token_from_another_database_is_rejected),
	    cmocka_unit_test(test_tokens_differ_and_do_not_name_the_person),
	    cmocka_unit_test(test_key_survives_restart),
	    cmocka_unit_test(test_keys_are_not_reachable_through_settings),
	    cmocka_unit_test(test_concurrent_first_uses_end_with_one_key),
	    cmocka_unit_test(test_damaged_key_is_an_error_not_replaced),
	    cmocka_unit_test(test_bad_arguments_are_refused),
	    cmocka_unit_test(test_qr_svg_draws_the_qr_matrix),
	    cmocka_unit_test(test_qr_svg_is_well_formed_xml),
	    cmocka_unit_test(test_qr_svg_scans_back_to_the_token),
	    cmocka_unit_test(test_qr_svg_refuses_empty_and_oversized_text),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

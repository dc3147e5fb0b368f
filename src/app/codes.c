/*
 * codes.c -- app layer: the health code as a signed token, its check at a
 * gate, and its drawing as a QR code.
 *
 * Keys.  Two secrets live in the settings table under internal names
 * (absent from app_setting_keys, so the settings API refuses them):
 *
 *   code_signing_key    Ed25519 secret key (libsodium's seed || public
 *                       key, 64 bytes) as 128 hex digits
 *   code_pseudonym_key  32-byte BLAKE2b key for the person reference,
 *                       64 hex digits
 *
 * They are made the first time a token is needed, in one write job.  Two
 * first uses must not end with two keys (a token signed with the loser
 * would never verify), so:
 *
 *   - in this process a mutex lets one thread at a time create, and it
 *     re-reads under the mutex, so a second thread finds the first one's
 *     committed key;
 *   - the job itself re-reads the setting before it puts it.  The writer
 *     holds SQLite's write lock (BEGIN IMMEDIATE) while the job runs and
 *     reads see every committed write, so a key another process made
 *     first is found and kept;
 *   - after the write the caller reads the key back from the store and
 *     signs with that, never with what it generated.
 *
 * A read of a setting happens per token and per check (no key cached in
 * memory): keys stay in memory only for the call and are wiped after.
 *
 * Verification order: form (length, alphabet, version) -> signature ->
 * fields.  Before the signature checks out nothing in the token is used
 * but its length and version byte, to reject it.
 */
#include "app_impl.h"

#include <errno.h>
#include <pthread.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_SIGN "code_signing_key"
#define KEY_PSEUDONYM "code_pseudonym_key"

/* Token layout, version 1 (app.h draws it). */
#define TOKEN_VERSION 1
#define OFF_VERSION 0
#define OFF_COLOUR 1
#define OFF_ISSUED 2
#define OFF_EXPIRES 6
#define OFF_NONCE 10
#define OFF_PERSON 18
#define PAYLOAD_LEN 26
#define NONCE_LEN 8
#define PERSON_REF_LEN 8
#define TOKEN_BYTES (PAYLOAD_LEN + crypto_sign_BYTES)

/* Domain separation: this key signs health codes and nothing else, and a
 * later layout gets a new context. */
static const char sign_context[] = "fangkong/health-code/v1";
#define SIGN_CONTEXT_LEN (sizeof sign_context) /* with its NUL */

_Static_assert(sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ==
		   APP_CODE_TOKEN_LEN + 1,
	       "APP_CODE_TOKEN_LEN does not match the token layout");
_Static_assert(2 * crypto_sign_SECRETKEYBYTES < SETTING_VALUE_MAX,
	       "signing key too big for a setting");

/* Serialises key creation in this process (all databases: it is rare). */
static pthread_mutex_t key_create_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- keys ----------------------------------------------------------------- */

/* Read setting name as exactly n bytes of hex into bin.  FK_ENOTFOUND if
 * unset, FK_EIO if unreadable or not n bytes of hex. */
static int
key_read(store_t *s, const char *name, unsigned char *bin, size_t n)
{
	char hex[SETTING_VALUE_MAX];
	size_t got = 0;
	int rc;

	rc = store_setting_get(s, name, hex, sizeof hex);
	if (rc == 0 && (strlen(hex) != 2 * n ||
			sodium_hex2bin(bin, n, hex, 2 * n, NULL, &got, NULL) != 0 || got != n))
		rc = FK_EIO;
	sodium_memzero(hex, sizeof hex);
	if (rc)
		sodium_memzero(bin, n);
	return rc;
}

/* The signing key, checked: its public half must be the one its seed
 * gives, or every signature made with it would fail to verify. */
static int
sign_key_read(store_t *s, unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
	unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk2[crypto_sign_SECRETKEYBYTES];
	int rc = key_read(s, KEY_SIGN, sk, crypto_sign_SECRETKEYBYTES);

	if (rc)
		return rc;
	if (crypto_sign_ed25519_sk_to_seed(seed, sk) != 0 ||
	    crypto_sign_seed_keypair(pk, sk2, seed) != 0 ||
	    sodium_memcmp(sk2, sk, crypto_sign_SECRETKEYBYTES) != 0)
		rc = FK_EIO;
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk2, sizeof sk2);
	if (rc)
		sodium_memzero(sk, crypto_sign_SECRETKEYBYTES);
	return rc;
}

struct keys {
	unsigned char sign[crypto_sign_SECRETKEYBYTES];
	unsigned char pseudonym[crypto_generichash_KEYBYTES];
};

static int
keys_read(store_t *s, struct keys *k)
{
	int rc = sign_key_read(s, k->sign);
	if (rc == 0)
		rc = key_read(s, KEY_PSEUDONYM, k->pseudonym, sizeof k->pseudonym);
	if (rc)
		sodium_memzero(k, sizeof *k);
	return rc;
}

struct key_job {
	store_t *store;
};

/* Put name = hex of n fresh random bytes unless it is set already.  For
 * the signing key the bytes are an Ed25519 key pair made from a random
 * seed. */
static int
key_put_if_absent(store_tx_t *tx, store_t *s, const char *name, bool is_sign)
{
	unsigned char bin[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	char hex[2 * sizeof bin + 1];
	size_t n = is_sign ? crypto_sign_SECRETKEYBYTES : crypto_generichash_KEYBYTES;
	int rc;

	/* Set already (another process won, or a damaged value we must not
	 * silently replace): keep it. */
	rc = store_setting_get(s, name, hex, sizeof hex);
	sodium_memzero(hex, sizeof hex);
	if (rc == 0)
		return 0;
	if (rc != FK_ENOTFOUND)
		return rc;
	if (is_sign)
		crypto_sign_keypair(pk, bin);
	else
		crypto_generichash_keygen(bin);
	sodium_bin2hex(hex, sizeof hex, bin, n);
	rc = store_tx_setting_put(tx, name, hex, app_now());
	sodium_memzero(bin, sizeof bin);
	sodium_memzero(hex, sizeof hex);
	return rc;
}

static int
key_job(store_tx_t *tx, void *arg, struct fk_error *err)
{
	struct key_job *j = arg;
	int rc = key_put_if_absent(tx, j->store, KEY_SIGN, true);
	if (rc == 0)
		rc = key_put_if_absent(tx, j->store, KEY_PSEUDONYM, false);
	return rc ? fk_error_set(err, rc, "", "cannot store the health-code keys") : 0;
}

/* Both keys, made first if absent. */
static int
keys_get_or_create(app_t *a, struct keys *k)
{
	struct key_job j = {a->store};
	struct fk_error err = {0};
	int rc = keys_read(a->store, k);

	if (rc != FK_ENOTFOUND)
		return rc;
	pthread_mutex_lock(&key_create_mu);
	rc = keys_read(a->store, k);
	if (rc == FK_ENOTFOUND) {
		rc = store_write(a->store, key_job, &j, &err);
		if (rc == 0)
			rc = keys_read(a->store, k);
		if (rc == FK_ENOTFOUND)
			rc = FK_EIO;
	}
	pthread_mutex_unlock(&key_create_mu);
	return rc;
}

/* ---- tokens ---------------------------------------------------------------- */

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int64_t
get_be32(const unsigned char *p)
{
	return (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/* The signed message: context || payload. */
static void
signed_message(const unsigned char *payload, unsigned char msg[SIGN_CONTEXT_LEN + PAYLOAD_LEN])
{
	memcpy(msg, sign_context, SIGN_CONTEXT_LEN);
	memcpy(msg + SIGN_CONTEXT_LEN, payload, PAYLOAD_LEN);
}

int
app_code_token(app_t *a, const char *person_id, const health_code_t *code, int64_t now, char *out,
	       size_t cap)
{
	unsigned char tok[TOKEN_BYTES], msg[SIGN_CONTEXT_LEN + PAYLOAD_LEN];
	unsigned char ref[crypto_generichash_BYTES];
	struct keys k;
	size_t id_len;
	int rc;

	if (cap > 0)
		out[0] = '\0';
	if (cap < APP_CODE_TOKEN_LEN + 1 || person_id == NULL || code == NULL)
		return FK_EINVAL;
	id_len = strnlen(person_id, PERSON_ID_MAX + 1);
	if (id_len == 0 || id_len > PERSON_ID_MAX)
		return FK_EINVAL;
	if (code->colour != STATUS_GREEN && code->colour != STATUS_YELLOW &&
	    code->colour != STATUS_RED)
		return FK_EINVAL;
	if (now < 0 || now > (int64_t)UINT32_MAX - APP_CODE_TTL_S)
		return FK_EINVAL;

	rc = keys_get_or_create(a, &k);
	if (rc)
		return rc;

	tok[OFF_VERSION] = TOKEN_VERSION;
	tok[OFF_COLOUR] = (unsigned char)code->colour;
	put_be32(tok + OFF_ISSUED, (uint32_t)now);
	put_be32(tok + OFF_EXPIRES, (uint32_t)(now + APP_CODE_TTL_S));
	randombytes_buf(tok + OFF_NONCE, NONCE_LEN);
	/* crypto_generichash_BYTES_MIN is 16, so hash to 32 and keep 8 */
	crypto_generichash(ref, sizeof ref, (const unsigned char *)person_id, id_len, k.pseudonym,
			   sizeof k.pseudonym);
	memcpy(tok + OFF_PERSON, ref, PERSON_REF_LEN);
	signed_message(tok, msg);
	crypto_sign_detached(tok + PAYLOAD_LEN, NULL, msg, sizeof msg, k.sign);
	sodium_bin2base64(out, cap, tok, sizeof tok, sodium_base64_VARIANT_URLSAFE_NO_PADDING);

	sodium_memzero(&k, sizeof k);
	sodium_memzero(ref, sizeof ref);
	return 0;
}

int
app_code_verify(app_t *a, const char *token, int64_t now, struct code_check *out)
{
	unsigned char tok[TOKEN_BYTES], msg[SIGN_CONTEXT_LEN + PAYLOAD_LEN];
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	const char *end = NULL;
	size_t got = 0, len;
	int64_t issued, expires;
	bool signed_ok;
	int rc;

	/* fail closed: a reader that forgets to look at valid sees red */
	memset(out, 0, sizeof *out);
	out->valid = false;
	out->colour = STATUS_RED;
	out->reason = "malformed";

	/* form: exactly the length, alphabet and version of a v1 token */
	if (token == NULL)
		return 0;
	len = strnlen(token, APP_CODE_TOKEN_LEN + 1);
	if (len != APP_CODE_TOKEN_LEN)
		return 0;
	/* libsodium rejects characters outside the alphabet; 90 bytes are
	 * exactly 120 characters, so no bits are left over and one token
	 * has exactly one spelling */
	if (sodium_base642bin(tok, sizeof tok, token, len, NULL, &got, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    got != sizeof tok || end != token + len)
		return 0;
	if (tok[OFF_VERSION] != TOKEN_VERSION)
		return 0;

	/* signature, against this database's key (none yet: nothing is ours) */
	rc = sign_key_read(a->store, sk);
	if (rc == FK_ENOTFOUND) {
		out->reason = "bad_signature";
		return 0;
	}
	if (rc)
		return rc;
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	sodium_memzero(sk, sizeof sk);
	signed_message(tok, msg);
	signed_ok = crypto_sign_verify_detached(tok + PAYLOAD_LEN, msg, sizeof msg, pk) == 0;
	if (!signed_ok) {
		out->reason = "bad_signature";
		return 0;
	}

	/* only now are the fields believed */
	issued = get_be32(tok + OFF_ISSUED);
	expires = get_be32(tok + OFF_EXPIRES);
	if (tok[OFF_COLOUR] > STATUS_RED || expires <= issued)
		return 0; /* "malformed": signed, but not by this code */
	out->expires_at = expires;
	if (now >= expires) {
		out->reason = "expired";
		return 0;
	}
	if (issued > now && issued - now > APP_CODE_SKEW_S) {
		out->reason = "not_yet_valid";
		return 0;
	}
	out->valid = true;
	out->colour = (enum status)tok[OFF_COLOUR];
	out->reason = "ok";
	return 0;
}

/* ---- QR code as SVG -------------------------------------------------------- */

#define QR_QUIET 4     /* modules of white around the symbol (ISO/IEC 18004) */
#define QR_MODULE_PX 6 /* default drawing size of one module */
/* Longest text of one run "M%d %dh%dv1h-%dz": sides are at most 177 + 8
 * modules, so 3 digits a number. */
#define QR_RUN_MAX 24

struct svg_buf {
	char *p;
	size_t len, cap;
};

static int svg_add(struct svg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
svg_add(struct svg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		return FK_EIO; /* the size estimate is wrong: a bug */
	b->len += (size_t)n;
	return 0;
}

static bool
dark(const QRcode *qr, int x, int y)
{
	return qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1;
}

int
app_code_qr_svg(const char *text, char **svg, size_t *len)
{
	struct svg_buf b = {0};
	QRcode *qr;
	size_t runs = 0;
	int w, side, rc = 0;

	*svg = NULL;
	*len = 0;
	if (text == NULL || text[0] == '\0')
		return FK_EINVAL;
	if (strnlen(text, APP_QR_TEXT_MAX + 1) > APP_QR_TEXT_MAX)
		return FK_ETOOBIG;
	errno = 0;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL)
		return errno == ENOMEM ? FK_ENOMEM : errno == ERANGE ? FK_ETOOBIG : FK_EINVAL;
	w = qr->width;
	side = w + 2 * QR_QUIET;

	/* one path segment per horizontal run of dark modules */
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (dark(qr, x, y) && (x == 0 || !dark(qr, x - 1, y)))
				runs++;
	b.cap = 512 + runs * QR_RUN_MAX;
	b.p = malloc(b.cap);
	if (b.p == NULL) {
		rc = FK_ENOMEM;
		goto out;
	}
	rc = svg_add(
	    &b,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 %d %d\" "
	    "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\">\n"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
	    "<path fill=\"#000\" d=\"",
	    side, side, side * QR_MODULE_PX, side * QR_MODULE_PX, side, side);
	for (int y = 0; y < w && rc == 0; y++) {
		for (int x = 0; x < w && rc == 0;) {
			int run = 0;
			while (x + run < w && dark(qr, x + run, y))
				run++;
			if (run == 0) {
				x++;
				continue;
			}
			rc = svg_add(&b, "M%d %dh%dv1h-%dz", x + QR_QUIET, y + QR_QUIET, run, run);
			x += run;
		}
	}
	if (rc == 0)
		rc = svg_add(&b, "\"/>\n</svg>\n");
	if (rc)
		goto out;
	*svg = b.p;
	*len = b.len;
	b.p = NULL;
out:
	free(b.p);
	QRcode_free(qr);
	return rc;
}

/*
 * fuzz_rt.c -- libFuzzer target for analytics/rt and the CSV readers of
 * `fangkong rt` (src/cli/cmd_rt.c, included here to reach its statics).
 *
 * Input: byte 0 the mode, bytes 1..6 the serial interval and prior,
 * byte 7 the window width, then the rest.  Mode bit 7: the rest is
 * three CSV texts separated by 0xff bytes -- incidence, serial interval,
 * windows -- fed to the command's readers (each must accept or reject
 * with a message, never crash) and, when all accept, to the estimator.
 * Otherwise the rest is a series, one count a byte (bit 6: local and
 * imported, alternating bytes; bit 5: a non-parametric serial interval
 * from the first bytes; bit 4: custom windows from the last bytes).
 *
 * When an estimate succeeds: a row per window, NA exactly where t_end is
 * not above the mean SI, otherwise finite and positive numbers with the
 * quantiles in order, and a second run on the same estimator (quantiles
 * then come from the cache) gives the very same numbers.  Any GSL error
 * traps: rt.c must keep GSL inside its domain.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_rt.c"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

static void
gsl_trap(const char *reason, const char *file, int line, int gsl_errno)
{
	(void)reason;
	(void)file;
	(void)line;
	(void)gsl_errno;
	__builtin_trap();
}

static void
check_result(rt_t *rt, const int64_t *local, const int64_t *imported, size_t days,
	     const struct rt_result *res)
{
	struct rt_result again = {0};
	struct fk_error err = {0};

	for (size_t i = 0; i < res->n; i++) {
		const struct rt_row *r = &res->rows[i];
		CHECK(r->t_start >= 2 && r->t_start <= r->t_end && r->t_end <= days);
		CHECK(r->na == !((double)r->t_end > res->si_mean));
		if (r->na) {
			CHECK(isnan(r->mean) && isnan(r->sd));
			continue;
		}
		CHECK(isfinite(r->mean) && r->mean > 0 && isfinite(r->sd) && r->sd > 0);
		for (int j = 0; j < RT_QUANTILES; j++)
			CHECK(isfinite(r->q[j]) && r->q[j] >= 0);
		for (int j = 1; j < RT_QUANTILES; j++)
			CHECK(r->q[j - 1] <= r->q[j]);
	}
	CHECK(rt_estimate(rt, local, imported, days, &again, &err) == 0);
	CHECK(again.n == res->n && again.warnings == res->warnings);
	for (size_t i = 0; i < res->n; i++) {
		const struct rt_row *a = &res->rows[i], *b = &again.rows[i];
		CHECK(a->na == b->na);
		if (!a->na)
			CHECK(a->mean == b->mean && a->sd == b->sd &&
			      memcmp(a->q, b->q, sizeof a->q) == 0);
	}
	rt_result_free(&again);
}

static void
estimate(struct rt_config *cfg, const int64_t *local, const int64_t *imported, size_t days)
{
	struct rt_result res = {0};
	struct fk_error err = {0};
	rt_t *rt = NULL;

	if (rt_new(cfg, &rt, &err) != 0) {
		CHECK(err.code == FK_EINVAL && err.message[0] && err.field[0]);
		return;
	}
	if (rt_estimate(rt, local, imported, days, &res, &err) == 0) {
		check_result(rt, local, imported, days, &res);
	} else {
		CHECK(err.code == FK_EINVAL && err.message[0] && err.field[0]);
		CHECK(res.n == 0);
	}
	rt_result_free(&res);
	rt_free(rt);
}

static void
fuzz_csv(struct rt_config *cfg, const uint8_t *data, size_t size)
{
	const uint8_t *part[3] = {data, NULL, NULL};
	size_t len[3] = {size, 0, 0};
	struct incidence inc;
	struct fk_error err = {0};
	double *si = NULL;
	size_t n_si = 0, n_windows = 0;
	struct rt_window *windows = NULL;
	int n_parts = 1;

	for (size_t i = 0; i < size && n_parts < 3; i++) {
		if (data[i] == 0xff) {
			len[n_parts - 1] = (size_t)(data + i - part[n_parts - 1]);
			part[n_parts] = data + i + 1;
			len[n_parts] = size - i - 1;
			n_parts++;
		}
	}
	if (parse_incidence((const char *)part[0], len[0], &inc, &err) != 0) {
		CHECK(err.message[0]);
		return;
	}
	if (n_parts > 1) {
		memset(&err, 0, sizeof err);
		if (parse_si((const char *)part[1], len[1], &si, &n_si, &err) != 0) {
			CHECK(err.message[0]);
			goto out;
		}
		cfg->si_distr = si;
		cfg->si_len = n_si;
	}
	if (n_parts > 2) {
		memset(&err, 0, sizeof err);
		if (parse_windows((const char *)part[2], len[2], &windows, &n_windows, &err) != 0) {
			CHECK(err.message[0]);
			goto out;
		}
		cfg->windows = windows;
		cfg->n_windows = n_windows;
	}
	estimate(cfg, inc.local, inc.imported, inc.days);
out:
	incidence_free(&inc);
	free(si);
	free(windows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double means[8] = {1.0, 1.5, 2.6, 4.0, 7.5, 9.5, 30.0, 1.0000001};
	static const double sds[8] = {0.0, 0.01, 0.5, 1.5, 3.4, 10.0, 100.0, 1e-6};
	struct rt_config cfg;
	int64_t local[256], imported[256];
	double si[16];
	struct rt_window windows[8];
	size_t days = 0;
	uint8_t mode;

	gsl_set_error_handler(gsl_trap);
	if (size < 8)
		return 0;
	mode = data[0];
	rt_config_init(&cfg);
	cfg.si_mean = means[data[1] % 8] + (data[2] >> 3) * 0.25;
	cfg.si_sd = sds[data[3] % 8] * (1 + (data[2] & 7));
	cfg.prior_mean = data[4] % 16 == 0 ? 0.0 : (data[4] % 16) * 0.5;
	cfg.prior_sd = data[5] % 16 == 15 ? 1000.0 : (data[5] % 16) * 0.5;
	cfg.cv_posterior = (data[6] % 8) * 0.1;
	cfg.window = data[7] % 16;
	if (mode & 0x80) {
		fuzz_csv(&cfg, data + 8, size - 8);
		return 0;
	}
	data += 8;
	size -= 8;
	if (mode & 0x20 && size >= 4) {
		/* a non-parametric SI from the first bytes: p_k proportional */
		size_t n = 2 + data[0] % 14;
		double sum = 0;
		if (n > size - 1)
			n = size - 1;
		si[0] = 0;
		for (size_t k = 1; k < n; k++)
			sum += si[k] = data[k];
		for (size_t k = 1; k < n && sum > 0; k++)
			si[k] /= sum;
		if (data[0] & 0x80)
			si[0] = 0.01; /* invalid */
		cfg.si_distr = si;
		cfg.si_len = n;
		data += n;
		size -= n;
	}
	if (mode & 0x10 && size >= 16) {
		/* custom windows from the last 16 bytes */
		cfg.windows = windows;
		cfg.n_windows = 1 + data[size - 1] % 8;
		for (size_t i = 0; i < cfg.n_windows; i++) {
			windows[i].t_start = data[size - 16 + 2 * i] % 64;
			windows[i].t_end = windows[i].t_start + data[size - 15 + 2 * i] % 64;
		}
		size -= 16;
	}
	if (mode & 0x40) {
		for (size_t i = 0; i + 1 < size && days < 256; i += 2, days++) {
			local[days] =
			    data[i] == 255 ? -1 : (data[i] > 250 ? 100000 * data[i] : data[i]);
			imported[days] = data[i + 1] % 4;
		}
		estimate(&cfg, local, imported, days);
	} else {
		for (size_t i = 0; i < size && days < 256; i++, days++)
			local[days] =
			    data[i] == 255 ? -1 : (data[i] > 250 ? 100000 * data[i] : data[i]);
		estimate(&cfg, local, NULL, days);
	}
	return 0;
}

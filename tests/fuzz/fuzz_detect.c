/* fuzz_detect.c -- `fangkong detect` input and detectors: the series CSV
 * reader of cli/cmd_detect.c (included to reach its statics) and then
 * detect_ears() / detect_farrington() with options taken from the first
 * bytes.  Either the input is refused with FK_EINVAL naming a field, or
 * every point is in the range, in order, with the count of its row, an
 * alarm of 1, 0 or NA, and an EARS alarm only above its bound; never a
 * crash, a leak or undefined behaviour.
 *
 * Input: 4 option bytes, then the CSV text. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_detect.c"

static void
check_points(const struct series *s, const struct detect_point *p, size_t n, bool ears)
{
	if (n > s->n)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (p[i].t < 1 || p[i].t > s->n || (i > 0 && p[i].t != p[i - 1].t + 1))
			abort();
		if (p[i].observed != s->observed[p[i].t - 1])
			abort();
		if (p[i].alarm != 0 && p[i].alarm != 1 && p[i].alarm != DETECT_ALARM_NA)
			abort();
		if (ears && p[i].alarm == 1 && !(p[i].observed > p[i].upperbound))
			abort();
		if (!ears && p[i].alarm == 1 && (isnan(p[i].upperbound) || p[i].observed == 0))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct series s;
	struct fk_error err = {0};
	struct detect_point *pts;
	size_t n = 0;
	int rc;

	if (size < 4)
		return 0;
	memset(&s, 0, sizeof s);
	rc = parse_series((const char *)data + 4, size - 4, &s, &err);
	if (rc) {
		if (rc != FK_EINVAL || err.field[0] == '\0')
			abort();
		series_free(&s);
		return 0;
	}
	if (s.n > 2000) { /* keep each run short */
		series_free(&s);
		return 0;
	}
	pts = malloc(s.n * sizeof *pts);
	if (pts == NULL)
		abort();
	fk_error_clear(&err);
	if (data[0] & 1) {
		struct detect_ears_options o;
		detect_ears_options_init(&o);
		o.method = (enum detect_ears_method)(1 + data[1] % 3);
		o.baseline = 3 + data[1] / 3 % 8;
		o.min_sigma = (data[2] & 3) * 0.5;
		if (data[2] & 4)
			o.alpha = 0.001 + (data[2] >> 3) / 40.0;
		if (data[3] & 1) {
			o.range_from = 1 + data[3] / 2 % 16;
			o.range_to = o.range_from + data[2] % 32;
		}
		rc = detect_ears(s.observed, s.n, &o, pts, &n, &err);
		if (rc == 0)
			check_points(&s, pts, n, true);
	} else {
		struct detect_farrington_options o;
		detect_farrington_options_init(&o);
		/* small years so that short inputs reach the GLM */
		o.frequency = s.dates ? 12 : 1 + data[1] % 8;
		o.b = 1 + data[1] / 8 % 3;
		o.w = data[2] % 3;
		o.no_periods = 1 + data[2] / 3 % 4;
		o.reweight = !(data[3] & 1);
		o.trend = !(data[3] & 2);
		o.threshold = (enum detect_threshold)(1 + data[3] / 4 % 3);
		if (data[3] & 32)
			o.past_periods_not_included = data[2] / 12 % 4;
		rc = detect_farrington(s.observed, s.dates, s.n, &o, pts, &n, &err);
		if (rc == 0)
			check_points(&s, pts, n, false);
	}
	if (rc != 0 && (rc != FK_EINVAL || err.field[0] == '\0'))
		abort();
	free(pts);
	series_free(&s);
	return 0;
}

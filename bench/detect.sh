#!/usr/bin/env bash
# bench/detect.sh -- early-warning benchmark: EARS C1/C2/C3 over 1,000
# daily series and farringtonFlexible over weekly series with
# analytics/detect beside R's surveillance package on the same input, in
# the same run.
#
# Layer: tooling (bench/). Job: fk_bench_detect (bench/detect_bench.c)
# writes seeded synthetic series as CSV (gen), then C runs (run: every
# method over every series, DETECT_ROUNDS rounds) alternate with R runs
# (one round: earsC and farringtonFlexible with the package's defaults on
# the same CSV, in Rscript); the results of both are compared (compare:
# identical alarms, bounds and expected counts within 1e-6 relative, or
# the run fails); then the "Early warning" section of docs/bench.md is
# written between <!-- bench:detect:begin --> and
# <!-- bench:detect:end -->, leaving the rest of the file alone.
#
# Run from the repository root, after building the fk_bench_detect target:
#   cmake --build --preset release --target fk_bench_detect && bash bench/detect.sh
# Environment:
#   DETECT_BIN          the benchmark binary (default build/fk_bench_detect)
#   DETECT_EARS_SERIES  daily series for EARS (default 1000)
#   DETECT_DAYS         days per daily series (default 365)
#   DETECT_FARR_SERIES  weekly series for Farrington (default 20)
#   DETECT_WEEKS        weeks per weekly series (default 418, 8 years)
#   DETECT_ROUNDS       C rounds per C run (default 11, 1..101)
#   DETECT_R_ROUNDS     R runs, one round each, alternating with C runs (default 3)
#   DETECT_SEED         seed of the synthetic series (default 2020)
#   BENCH_OUT           report file (default docs/bench.md)
# Needs Rscript with surveillance (Debian: r-base-core r-cran-surveillance).
# No network.
set -euo pipefail

readonly BIN=${DETECT_BIN:-build/fk_bench_detect}
readonly EARS_SERIES=${DETECT_EARS_SERIES:-1000}
readonly DAYS=${DETECT_DAYS:-365}
readonly FARR_SERIES=${DETECT_FARR_SERIES:-20}
readonly WEEKS=${DETECT_WEEKS:-418}
readonly ROUNDS=${DETECT_ROUNDS:-11}
readonly R_ROUNDS=${DETECT_R_ROUNDS:-3}
readonly SEED=${DETECT_SEED:-2020}
readonly OUT=${BENCH_OUT:-docs/bench.md}
readonly BEGIN_MARK='<!-- bench:detect:begin -->'
readonly END_MARK='<!-- bench:detect:end -->'

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}

for v in EARS_SERIES DAYS FARR_SERIES WEEKS ROUNDS R_ROUNDS SEED; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "DETECT_$v must be a positive integer (got '${!v}')"
done
((ROUNDS <= 101 && R_ROUNDS <= 101)) || die "at most 101 rounds"
((DAYS >= 12)) || die "DETECT_DAYS must be at least 12 (C3 starts on day 12)"
((WEEKS >= 265)) || die "DETECT_WEEKS must be at least 265 (the first alarm week is 264)"
[[ -x $BIN ]] ||
	die "$BIN not found: build it first (cmake --build --preset release --target fk_bench_detect)"
command -v Rscript >/dev/null || die "Rscript not found (apt-get install r-base-core r-cran-surveillance)"
Rscript -e 'suppressPackageStartupMessages(library(surveillance))' >/dev/null 2>&1 ||
	die "R package surveillance not found (apt-get install r-cran-surveillance)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fangkong-detect.XXXXXX")
readonly TMP
cleanup() { rm -rf -- "$TMP"; }
trap cleanup EXIT

# One R round: earsC C1, C2, C3 over the daily series and
# farringtonFlexible over the weekly ones, each as a user would call it
# (an sts per series, the package's defaults); elapsed time of each loop.
# With a second argument, also writes the results for the comparison.
cat >"$TMP/surveillance.R" <<'EOF'
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; write_out <- length(args) > 1
suppressPackageStartupMessages(library(surveillance))
num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
ears <- split(read.csv(file.path(dir, "ears.csv"))$observed,
              read.csv(file.path(dir, "ears.csv"))$series)
farr <- read.csv(file.path(dir, "farr.csv"))
farr <- split(farr, farr$series)
for (m in c("C1", "C2", "C3")) {
  t0 <- proc.time()[["elapsed"]]
  res <- lapply(ears, function(y) earsC(sts(observed = y), control = list(method = m)))
  cat(sprintf("r_ears_%s_ms=%.1f\n", m, 1000 * (proc.time()[["elapsed"]] - t0)))
  if (write_out) {
    out <- do.call(rbind, lapply(seq_along(res), function(i) {
      r <- res[[i]]; n <- length(ears[[i]])
      data.frame(series = i, t = (n - nrow(r) + 1):n, upperbound = num(r@upperbound[, 1]),
                 alarm = ifelse(is.na(r@alarm[, 1]), "NA", as.integer(r@alarm[, 1])))
    }))
    write.csv(out, file.path(dir, sprintf("r_ears_%s.csv", m)), row.names = FALSE, quote = FALSE)
  }
}
t0 <- proc.time()[["elapsed"]]
res <- lapply(farr, function(d) {
  s <- sts(observed = d$observed, epoch = as.Date(d$date), frequency = 52)
  suppressWarnings(farringtonFlexible(s, control = list()))
})
cat(sprintf("r_farr_ms=%.1f\n", 1000 * (proc.time()[["elapsed"]] - t0)))
if (write_out) {
  out <- do.call(rbind, lapply(seq_along(res), function(i) {
    r <- res[[i]]; n <- nrow(farr[[i]])
    data.frame(series = i, t = (n - nrow(r) + 1):n, upperbound = num(r@upperbound[, 1]),
               alarm = ifelse(is.na(r@alarm[, 1]), "NA", as.integer(r@alarm[, 1])),
               expected = num(r@control$expected[, 1]))
  }))
  write.csv(out, file.path(dir, "r_farr.csv"), row.names = FALSE, quote = FALSE)
}
cat(sprintf("r_version=%s.%s\nsurveillance_version=%s\n", R.version$major, R.version$minor,
            as.character(packageVersion("surveillance"))))
EOF

log "writing $EARS_SERIES daily series x $DAYS days and $FARR_SERIES weekly series x $WEEKS weeks"
"$BIN" gen --dir "$TMP" --ears-series "$EARS_SERIES" --days "$DAYS" \
	--farr-series "$FARR_SERIES" --weeks "$WEEKS" --seed "$SEED" || die "fk_bench_detect gen failed"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A rounds=()
keys=(ears_C1 ears_C2 ears_C3 farr)
for ((i = 1; i <= R_ROUNDS; i++)); do
	log "C run $i of $R_ROUNDS ($ROUNDS rounds)"
	"$BIN" run --dir "$TMP" --rounds "$ROUNDS" >"$TMP/c$i.txt" || die "fk_bench_detect run failed"
	for k in "${keys[@]}"; do
		rounds[c_$k]+=" $(awk -F= -v k="c_${k}_rounds_ms" '$1 == k { print $2 }' "$TMP/c$i.txt")"
	done
	log "R run $i of $R_ROUNDS (a minute or two)"
	extra=()
	((i == 1)) && extra=(write)
	Rscript "$TMP/surveillance.R" "$TMP" "${extra[@]}" >"$TMP/r$i.txt" 2>"$TMP/r$i.err" || {
		cat "$TMP/r$i.err" >&2
		die "surveillance failed"
	}
	for k in "${keys[@]}"; do
		rounds[r_$k]+=" $(awk -F= -v k="r_${k}_ms" '$1 == k { print $2 }' "$TMP/r$i.txt")"
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
"$BIN" compare --dir "$TMP" >"$TMP/compare.txt" || die "fk_bench_detect compare failed"

# get FILE KEY: the value of KEY=... in FILE
get() { awk -v k="$2" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }' "$1"; }
median() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
count() { tr ' ' '\n' <<<"$1" | awk 'NF' | wc -l; }
fmt_rounds() { tr ' ' '\n' <<<"$1" | awk 'NF { printf "%s%s", (n++ ? " · " : ""), $1 } END { print "" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a / b }'; }
per_series() { awk -v ms="$1" -v n="$2" 'BEGIN { us = ms * 1000 / n; if (us < 1000) printf "%.1f µs", us; else if (us < 1e6) printf "%.2f ms", us / 1000; else printf "%.2f s", us / 1e6 }'; }

for k in "${keys[@]}"; do
	rows=$(get "$TMP/compare.txt" "compare_${k}_rows")
	[[ $(get "$TMP/compare.txt" "compare_${k}_rows_unmatched") == 0 && $rows -gt 0 ]] ||
		die "$k: C and surveillance assess different periods"
	[[ $(get "$TMP/compare.txt" "compare_${k}_alarms_differ") == 0 ]] ||
		die "$k: C and surveillance disagree on $(get "$TMP/compare.txt" "compare_${k}_alarms_differ") alarms"
	[[ $(get "$TMP/compare.txt" "compare_${k}_values_differ") == 0 ]] ||
		die "$k: $(get "$TMP/compare.txt" "compare_${k}_values_differ") bounds differ by more than 1e-6 relative"
done

declare -A med=() n_series=([ears_C1]=$EARS_SERIES [ears_C2]=$EARS_SERIES [ears_C3]=$EARS_SERIES [farr]=$FARR_SERIES)
for k in "${keys[@]}"; do
	med[c_$k]=$(median "${rounds[c_$k]}")
	med[r_$k]=$(median "${rounds[r_$k]}")
done
row() {
	local k=$1 label=$2 points=$3
	printf '| %s | %s | %s ms | %s | %s ms | %s | **%s×** |\n' "$label" "$points" \
		"${med[c_$k]}" "$(per_series "${med[c_$k]}" "${n_series[$k]}")" \
		"${med[r_$k]}" "$(per_series "${med[r_$k]}" "${n_series[$k]}")" \
		"$(ratio "${med[r_$k]}" "${med[c_$k]}")"
}

run_date=$(date -u '+%Y-%m-%d %H:%M UTC')
cpus=$(nproc)
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[[ -n $cpu_model ]] || cpu_model=unknown
kernel=$(uname -sr)
cc_version=$({ cc --version 2>/dev/null || true; } | head -n1)
gsl_version=$(pkg-config --modversion gsl 2>/dev/null || echo unknown)
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain -- src bench 2>/dev/null) ]]; then
	git_rev="$git_rev (with uncommitted changes in src/ or bench/)"
fi
bin_note=
[[ $BIN == build/fk_bench_detect ]] || bin_note="; binary $BIN"
c1=$(get "$TMP/c1.txt" c_ears_C1_points)
c2=$(get "$TMP/c1.txt" c_ears_C2_points)
c3=$(get "$TMP/c1.txt" c_ears_C3_points)
fp=$(get "$TMP/c1.txt" c_farr_points)
farr_ratio=$(ratio "${med[r_farr]}" "${med[c_farr]}")
ears_ratio=$(ratio "${med[r_ears_C1]}" "${med[c_ears_C1]}")

section="$TMP/section.md"
{
	printf '%s\n' "$BEGIN_MARK"
	cat <<EOF
## Early warning: EARS and Farrington beside surveillance

Written by \`bench/detect.sh\`; do not edit by hand, rerun it.
Aberration detection with the package's defaults on synthetic series (seed $SEED;
bench/detect_bench.c): $EARS_SERIES daily series of $DAYS days (a baseline of 1-30 cases
a day, a weekday effect, one 5-day outbreak each) for EARS C1, C2 and C3
(\`surveillance::earsC\`: baseline 7, alpha 0.001 for C1/C2 and 0.025 for C3), and
$FARR_SERIES weekly series of $WEEKS weeks from 2013-01-07, dated (seasonality, 2 % of
weeks with an outbreak) for \`surveillance::farringtonFlexible\` (b 5, w 3,
reweighting, trend test, delta threshold, reference weeks found by date), every
period from the first the method can assess to the last.

- **C**: \`detect_ears()\` / \`detect_farrington()\` per series, wall clock of the loop
  over all series, $ROUNDS rounds per run.
- **surveillance** (the reference): \`lapply\` over the series of
  \`earsC(sts(observed = y), control = list(method = M))\` and of
  \`farringtonFlexible(sts(observed = y, epoch = dates, frequency = 52))\` in
  \`Rscript\`, on the CSV the C program wrote (reading it is not timed), elapsed time of
  each \`lapply\`, one round per run.

Both gave the same periods and identical alarms, and every upper bound and
expected count within 1e-6 relative (the run fails otherwise):
$(get "$TMP/compare.txt" compare_ears_C1_rows) + $(get "$TMP/compare.txt" compare_ears_C2_rows) + $(get "$TMP/compare.txt" compare_ears_C3_rows) EARS periods and $(get "$TMP/compare.txt" compare_farr_rows) Farrington weeks.

| method | periods assessed | C, median | C per series | surveillance, median | surveillance per series | C faster by |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
$(row ears_C1 "EARS C1" "$c1")
$(row ears_C2 "EARS C2" "$c2")
$(row ears_C3 "EARS C3" "$c3")
$(row farr "farringtonFlexible" "$fp")

**farringtonFlexible in C is $farr_ratio× as fast as in R (about
$(per_series "${med[c_farr]}" "$FARR_SERIES") against $(per_series "${med[r_farr]}" "$FARR_SERIES") for 8 years of a weekly
series); EARS C1 $ears_ratio×.** Most of R's EARS time is the
\`sts\` object and the call overhead; most of its Farrington time is four \`glm()\`
fits per week.

Each round (ms); C runs of $ROUNDS rounds alternating with single R rounds:

- C, EARS C1: $(fmt_rounds "${rounds[c_ears_C1]}")
- C, EARS C2: $(fmt_rounds "${rounds[c_ears_C2]}")
- C, EARS C3: $(fmt_rounds "${rounds[c_ears_C3]}")
- C, Farrington: $(fmt_rounds "${rounds[c_farr]}")
- surveillance, EARS C1 / C2 / C3: $(fmt_rounds "${rounds[r_ears_C1]}") / $(fmt_rounds "${rounds[r_ears_C2]}") / $(fmt_rounds "${rounds[r_ears_C3]}")
- surveillance, Farrington: $(fmt_rounds "${rounds[r_farr]}")

The machine is shared, so the absolutes are noisy: they are medians over
rounds, and the ratio, measured in the same run, matters more.

- Date: $run_date
- Machine: $cpus cores (\`nproc\`), $cpu_model, $kernel
- Load average (1, 5, 15 min) before the run: $load_before; after: $load_after
- Versions: R $(get "$TMP/r1.txt" r_version), surveillance $(get "$TMP/r1.txt" surveillance_version); GSL $gsl_version; $cc_version; commit $git_rev$bin_note

Command:

\`\`\`sh
DETECT_EARS_SERIES=$EARS_SERIES DETECT_DAYS=$DAYS DETECT_FARR_SERIES=$FARR_SERIES DETECT_WEEKS=$WEEKS DETECT_ROUNDS=$ROUNDS DETECT_R_ROUNDS=$R_ROUNDS DETECT_SEED=$SEED bash bench/detect.sh
\`\`\`
EOF
	printf '%s\n' "$END_MARK"
} >"$section"

mkdir -p "$(dirname "$OUT")"
tmp_out="$TMP/bench.md.new"
if [[ -f $OUT ]] && grep -qxF "$BEGIN_MARK" "$OUT" && grep -qxF "$END_MARK" "$OUT"; then
	awk -v begin="$BEGIN_MARK" -v end="$END_MARK" -v sec="$section" '
		$0 == begin { while ((getline l < sec) > 0) print l; skip = 1; next }
		$0 == end { skip = 0; next }
		!skip { print }' "$OUT" >"$tmp_out"
elif [[ -f $OUT ]]; then
	{
		cat "$OUT"
		printf '\n'
		cat "$section"
	} >"$tmp_out"
else
	{
		printf '# Benchmarks\n\n'
		cat "$section"
	} >"$tmp_out"
fi
# Copy rather than move, so the file keeps its owner and permissions.
cat "$tmp_out" >"$OUT"
log "wrote the early-warning section of $OUT"

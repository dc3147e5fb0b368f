#!/usr/bin/env bash
# bench/rt.sh -- Rt benchmark: EpiEstim's weekly Rt for 1,000 regions x
# 365 days with analytics/rt beside R's EpiEstim::estimate_R on the same
# input, in the same run.
#
# Layer: tooling (bench/). Job: run fk_bench_rt (bench/rt_bench.c), which
# builds a seeded synthetic daily series per region, writes it as CSV and
# estimates Rt for every region (parametric serial interval, weekly
# sliding windows, EpiEstim's defaults); run EpiEstim on that CSV with
# Rscript; alternate the two (C, R, C, R, ...); check that both give the
# same windows, NA in the same places and numbers within 1e-6 relative;
# then write the "Rt" section of docs/bench.md (between
# <!-- bench:rt:begin --> and <!-- bench:rt:end -->, leaving the rest of
# the file alone).
#
# Run from the repository root, after building the fk_bench_rt target:
#   cmake --build --preset release --target fk_bench_rt && bash bench/rt.sh
# Environment:
#   RT_BIN        the benchmark binary (default build/fk_bench_rt)
#   RT_REGIONS    regions (default 1000)
#   RT_DAYS       days (default 365)
#   RT_ROUNDS     C rounds per C run (default 7, 1..101)
#   RT_R_ROUNDS   R runs, each one round, alternating with C runs (default 3)
#   RT_SEED       seed of the synthetic series (default 2020)
#   BENCH_OUT     report file (default docs/bench.md)
# Needs Rscript with EpiEstim (Debian: r-base-core r-cran-epiestim). No network.
set -euo pipefail

readonly BIN=${RT_BIN:-build/fk_bench_rt}
readonly REGIONS=${RT_REGIONS:-1000}
readonly DAYS=${RT_DAYS:-365}
readonly ROUNDS=${RT_ROUNDS:-7}
readonly R_ROUNDS=${RT_R_ROUNDS:-3}
readonly SEED=${RT_SEED:-2020}
readonly OUT=${BENCH_OUT:-docs/bench.md}
readonly SI_MEAN=7.5
readonly SI_SD=3.4
readonly BEGIN_MARK='<!-- bench:rt:begin -->'
readonly END_MARK='<!-- bench:rt:end -->'
readonly TARGET_RATIO=100

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}

for v in REGIONS DAYS ROUNDS R_ROUNDS SEED; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "RT_$v must be a positive integer (got '${!v}')"
done
((ROUNDS <= 101 && R_ROUNDS <= 101)) || die "at most 101 rounds"
((DAYS >= 8)) || die "RT_DAYS must be at least 8 (weekly windows start on day 2)"
[[ -x $BIN ]] ||
	die "$BIN not found: build it first (cmake --build --preset release --target fk_bench_rt)"
command -v Rscript >/dev/null || die "Rscript not found (apt-get install r-base-core r-cran-epiestim)"
Rscript -e 'suppressPackageStartupMessages(library(EpiEstim))' >/dev/null 2>&1 ||
	die "R package EpiEstim not found (apt-get install r-cran-epiestim)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fangkong-rt.XXXXXX")
readonly TMP
cleanup() { rm -rf -- "$TMP"; }
trap cleanup EXIT

# EpiEstim on the same CSV: times one round (lapply over the regions, as
# a user would write it), and compares with the C output when given one.
cat >"$TMP/epiestim.R" <<'EOF'
args <- commandArgs(trailingOnly = TRUE)
input <- args[1]; c_out <- args[2]
si_mean <- as.numeric(args[3]); si_sd <- as.numeric(args[4])
suppressPackageStartupMessages(library(EpiEstim))
d <- read.csv(input)
series <- split(d$I, d$region)
cfg <- make_config(list(mean_si = si_mean, std_si = si_sd))
t0 <- proc.time()[["elapsed"]]
res <- lapply(series, function(I) {
  suppressWarnings(suppressMessages(
    estimate_R(I, method = "parametric_si", config = cfg)))$R
})
elapsed <- proc.time()[["elapsed"]] - t0
cat(sprintf("r_ms=%.1f\n", 1000 * elapsed))
cat(sprintf("r_version=%s\nepiestim_version=%s\n",
            paste(R.version$major, R.version$minor, sep = "."),
            as.character(packageVersion("EpiEstim"))))
if (nzchar(c_out)) {
  r <- do.call(rbind, lapply(names(res), function(g) cbind(region = as.integer(g), res[[g]])))
  r <- r[order(r$region, r$t_start), ]
  cc <- read.csv(c_out, check.names = FALSE)
  cc <- cc[order(cc$region, cc$t_start), ]
  stopifnot(identical(names(cc), names(r)))
  same_windows <- nrow(r) == nrow(cc) && all(r$region == cc$region) &&
    all(r$t_start == cc$t_start) && all(r$t_end == cc$t_end)
  cols <- names(r)[-(1:3)]
  na_mismatch <- 0
  worst <- 0
  if (same_windows) for (col in cols) {
    a <- cc[[col]]; b <- r[[col]]
    na_mismatch <- na_mismatch + sum(is.na(a) != is.na(b))
    ok <- !is.na(a) & !is.na(b)
    worst <- max(worst, abs(a[ok] - b[ok]) / abs(b[ok]))
  }
  cat(sprintf("compared_windows=%d\nsame_windows=%d\nna_mismatch=%d\nmax_rel_diff=%.3g\nna_windows=%d\n",
              nrow(r), as.integer(same_windows), na_mismatch, worst, sum(is.na(r[["Mean(R)"]]))))
}
EOF

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "Rt of $REGIONS regions x $DAYS days: $R_ROUNDS x ($ROUNDS C rounds, 1 EpiEstim round)"
c_rounds="" c_fresh="" r_rounds=""
for ((i = 1; i <= R_ROUNDS; i++)); do
	extra=()
	((i == 1)) && extra=(--input "$TMP/input.csv" --output "$TMP/c_out.csv")
	"$BIN" --regions "$REGIONS" --days "$DAYS" --seed "$SEED" --rounds "$ROUNDS" \
		--si-mean "$SI_MEAN" --si-sd "$SI_SD" "${extra[@]}" >"$TMP/c$i.txt" ||
		die "fk_bench_rt failed"
	c_rounds+=" $(awk -F= '$1 == "c_rounds_ms" { print $2 }' "$TMP/c$i.txt")"
	c_fresh+=" $(awk -F= '$1 == "c_fresh_rounds_ms" { print $2 }' "$TMP/c$i.txt")"
	compare=""
	((i == 1)) && compare="$TMP/c_out.csv"
	log "EpiEstim round $i of $R_ROUNDS (a minute or two)"
	Rscript "$TMP/epiestim.R" "$TMP/input.csv" "$compare" "$SI_MEAN" "$SI_SD" \
		>"$TMP/r$i.txt" 2>"$TMP/r$i.err" || {
		cat "$TMP/r$i.err" >&2
		die "EpiEstim failed"
	}
	r_rounds+=" $(awk -F= '$1 == "r_ms" { print $2 }' "$TMP/r$i.txt")"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# get FILE KEY: the value of KEY=... in FILE
get() { awk -v k="$2" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }' "$1"; }
median() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
count() { tr ' ' '\n' <<<"$1" | awk 'NF' | wc -l; }
fmt_rounds() { tr ' ' '\n' <<<"$1" | awk 'NF { printf "%s%s", (n++ ? " · " : ""), $1 } END { print "" }'; }

[[ $(get "$TMP/r1.txt" same_windows) == 1 ]] || die "C and EpiEstim give different windows"
[[ $(get "$TMP/r1.txt" na_mismatch) == 0 ]] || die "C and EpiEstim disagree on NA"
max_diff=$(get "$TMP/r1.txt" max_rel_diff)
awk -v d="$max_diff" 'BEGIN { exit !(d <= 1e-6) }' ||
	die "C and EpiEstim differ by $max_diff relative (more than 1e-6)"

c_ms=$(median "$c_rounds")
fresh_ms=$(median "$c_fresh")
r_ms=$(median "$r_rounds")
ratio=$(awk -v a="$r_ms" -v b="$c_ms" 'BEGIN { printf "%.0f", a / b }')
fresh_ratio=$(awk -v a="$r_ms" -v b="$fresh_ms" 'BEGIN { printf "%.0f", a / b }')
per_region() { awk -v ms="$1" -v n="$REGIONS" 'BEGIN { us = ms * 1000 / n; if (us < 1000) printf "%.0f µs", us; else printf "%.1f ms", us / 1000 }'; }
if ((ratio >= TARGET_RATIO)); then
	verdict="meeting the target of ≥ ${TARGET_RATIO}×"
else
	verdict="**short of** the target of ≥ ${TARGET_RATIO}×"
fi

c1="$TMP/c1.txt"
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
[[ $BIN == build/fk_bench_rt ]] || bin_note="; binary $BIN"

section="$TMP/section.md"
{
	printf '%s\n' "$BEGIN_MARK"
	cat <<EOF
## Rt: $(printf "%'d" "$REGIONS") regions × $DAYS days beside EpiEstim

Written by \`bench/rt.sh\`; do not edit by hand, rerun it.
Rt by the method of Cori et al. (2013) for $(get "$c1" regions) regions, each a daily series of
$(get "$c1" days) days: EpiEstim's defaults (parametric serial interval, mean $SI_MEAN and sd $SI_SD
days, weekly sliding windows, prior mean 5 and sd 5), so $(get "$c1" windows) windows in all, each with
the posterior mean, sd and 7 quantiles. The series are synthetic (seed $(get "$c1" seed);
bench/rt_bench.c): per region a baseline of 0-5 cases a day and 0-3 epidemic waves peaking at
5 to 20,000 cases a day, Poisson noise; $(get "$c1" cases) cases in all. EpiEstim warns
(posterior CV) on $(get "$c1" warnings) regions.

- **C**: \`rt_estimate()\` per region, wall clock of the loop over all regions. With one
  estimator for all regions, as the library is meant to be used (it keeps the serial
  interval and memoises posterior quantiles by the window's case count, which repeats
  across regions); and with a fresh estimator per region (\`rt_new\` each time: nothing
  carried over).
- **EpiEstim** (the reference): \`lapply\` over the regions of
  \`estimate_R(I, method = "parametric_si", config = make_config(list(mean_si = $SI_MEAN, std_si = $SI_SD)))\`
  in \`Rscript\`, on the CSV that the C program wrote (reading it is not timed), elapsed
  time of the \`lapply\`.

Both gave the same $(get "$TMP/r1.txt" compared_windows) windows, NA in the same places
($(get "$TMP/r1.txt" na_windows) NA windows) and every number within $max_diff relative of
EpiEstim's (the run fails beyond 1e-6).

| Rt of every region | median | per region | rounds |
| --- | ---: | ---: | ---: |
| C, one estimator | $c_ms ms | $(per_region "$c_ms") | $(count "$c_rounds") |
| C, a fresh estimator per region | $fresh_ms ms | $(per_region "$fresh_ms") | $(count "$c_fresh") |
| EpiEstim $(get "$TMP/r1.txt" epiestim_version), \`estimate_R\` | $r_ms ms | $(per_region "$r_ms") | $(count "$r_rounds") |

**C with one estimator is ${ratio}× faster than EpiEstim, $verdict;
with a fresh estimator per region ${fresh_ratio}×.**

Each round (ms), C runs of $ROUNDS rounds alternating with single EpiEstim rounds (the first
C round of each run starts with empty caches):

- C, one estimator: $(fmt_rounds "$c_rounds")
- C, fresh estimators: $(fmt_rounds "$c_fresh")
- EpiEstim: $(fmt_rounds "$r_rounds")

The machine is shared, so the absolutes are noisy: they are medians over
rounds, and the ratio, measured in the same run, matters more.

- Date: $run_date
- Machine: $cpus cores (\`nproc\`), $cpu_model, $kernel
- Load average (1, 5, 15 min) before the run: $load_before; after: $load_after
- Versions: R $(get "$TMP/r1.txt" r_version), EpiEstim $(get "$TMP/r1.txt" epiestim_version); GSL $gsl_version; $cc_version; commit $git_rev$bin_note

Command:

\`\`\`sh
RT_REGIONS=$REGIONS RT_DAYS=$DAYS RT_ROUNDS=$ROUNDS RT_R_ROUNDS=$R_ROUNDS RT_SEED=$SEED bash bench/rt.sh
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

log "C $c_ms ms (one estimator), $fresh_ms ms (fresh); EpiEstim $r_ms ms; ratio $ratio ($fresh_ratio fresh); max relative difference $max_diff"
log "wrote $OUT"

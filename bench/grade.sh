#!/usr/bin/env bash
# bench/grade.sh -- risk grading benchmark: every county, every day of a
# year, with risk_grade_batch() beside one SQL query in SQLite.
#
# Layer: tooling (bench/). Job: run fk_bench_grade (bench/grade.c), which
# builds a seeded synthetic series of ~3,000 counties x 366 days, grades
# it in C and in SQLite in alternating rounds of the same run and checks
# that both give the same level for every (county, day); then write the
# "Grading" section of docs/bench.md (between <!-- bench:grade:begin -->
# and <!-- bench:grade:end -->, leaving the rest of the file alone).
#
# Run from the repository root, after building the fk_bench_grade target
# (make bench builds it):
#   bash bench/grade.sh
# Environment:
#   GRADE_BIN        the benchmark binary (default build/fk_bench_grade)
#   GRADE_REGIONS    counties (default 3000)
#   GRADE_DAYS       days (default 366, the year 2020)
#   GRADE_ROUNDS     rounds of the C grading (default 21, 1..101)
#   GRADE_SQL_ROUNDS rounds of the SQL grading (default 5, 1..101)
#   GRADE_SEED       seed of the synthetic series (default 2020)
#   BENCH_OUT        report file (default docs/bench.md)
# Needs nothing beyond the build (SQLite is linked in). No network.
set -euo pipefail

readonly BIN=${GRADE_BIN:-build/fk_bench_grade}
readonly REGIONS=${GRADE_REGIONS:-3000}
readonly DAYS=${GRADE_DAYS:-366}
readonly ROUNDS=${GRADE_ROUNDS:-21}
readonly SQL_ROUNDS=${GRADE_SQL_ROUNDS:-5}
readonly SEED=${GRADE_SEED:-2020}
readonly OUT=${BENCH_OUT:-docs/bench.md}
readonly BEGIN_MARK='<!-- bench:grade:begin -->'
readonly END_MARK='<!-- bench:grade:end -->'
readonly TARGET_MS=50

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}

for v in REGIONS DAYS ROUNDS SQL_ROUNDS SEED; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "GRADE_$v must be a positive integer (got '${!v}')"
done
((ROUNDS <= 101 && SQL_ROUNDS <= 101)) || die "at most 101 rounds"
[[ -x $BIN ]] ||
	die "$BIN not found: build it first (cmake --build --preset release --target fk_bench_grade)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fangkong-grade.XXXXXX")
readonly TMP
cleanup() { rm -rf -- "$TMP"; }
trap cleanup EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "grading $REGIONS counties x $DAYS days: $ROUNDS C rounds, $SQL_ROUNDS SQL rounds"
"$BIN" --regions "$REGIONS" --days "$DAYS" --rounds "$ROUNDS" --sql-rounds "$SQL_ROUNDS" \
	--seed "$SEED" >"$TMP/out.txt" 2>"$TMP/err.txt" || {
	cat "$TMP/err.txt" >&2
	die "fk_bench_grade failed (C and SQL must agree on every county-day)"
}
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# get KEY: the value of KEY=... in the output (the first one)
get() { awk -v k="$1" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }' "$TMP/out.txt"; }
plan=$(awk 'index($0, "sql_plan=") == 1 { print "    " substr($0, 10) }' "$TMP/out.txt")

c_ms=$(get c_median_ms)
full_ms=$(get c_full_median_ms)
sql_ms=$(get sql_median_ms)
cells=$(get cells)
mismatches=$(get mismatches)
[[ $mismatches == 0 ]] || die "C and SQL disagree on $mismatches county-days"

ratio=$(awk -v a="$sql_ms" -v b="$c_ms" 'BEGIN { printf "%.0f", a / b }')
per_cell() { awk -v ms="$1" -v n="$cells" 'BEGIN { ns = ms * 1e6 / n; if (ns < 1000) printf "%.1f ns", ns; else printf "%.2f µs", ns / 1000 }'; }
share() { awk -v a="$1" -v n="$cells" 'BEGIN { printf "%.1f %%", 100 * a / n }'; }
if awk -v a="$c_ms" -v t="$TARGET_MS" 'BEGIN { exit !(a <= t) }'; then
	verdict="within the target of ≤ $TARGET_MS ms"
else
	verdict="**over** the target of ≤ $TARGET_MS ms"
fi
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
fmt_rounds() { tr ' ' '\n' <<<"$1" | awk '{ printf "%s%s", (NR > 1 ? " · " : ""), $1 } END { print "" }'; }

run_date=$(date -u '+%Y-%m-%d %H:%M UTC')
cpus=$(nproc)
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[[ -n $cpu_model ]] || cpu_model=unknown
kernel=$(uname -sr)
cc_version=$({ cc --version 2>/dev/null || true; } | head -n1)
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain -- src bench 2>/dev/null) ]]; then
	git_rev="$git_rev (with uncommitted changes in src/ or bench/)"
fi

bin_note=
[[ $BIN == build/fk_bench_grade ]] || bin_note="; binary $BIN"

section="$TMP/section.md"
{
	printf '%s\n' "$BEGIN_MARK"
	cat <<EOF
## Grading: every county, every day of a year

Written by \`bench/grade.sh\`; do not edit by hand, rerun it.
Area risk levels under the 17 Feb 2020 county rule (\`county-2020-02\`, RULES.md
R4.1) for $(get regions) counties on each of $(get days) days (2020), $cells
(county, day) grades, from a synthetic daily series (seed $(get seed); bench/grade.c):
45 % of counties have no outbreak, the others 1-3 outbreaks of 3-45 days, plus
sporadic single cases; $(share "$(get cells_with_cases)") of county-days have new cases, and
$(get clusters) clusters were reported. The grades came out low $(get low), medium $(get medium),
high $(get high).

- **C**: one call of \`risk_grade_batch()\` over the whole year (one pass per county
  with a running cumulative, the last case day and the last cluster day), writing
  the levels (1 byte per county-day), and, separately timed, the full grades (the
  figures behind each level, from which the reasons are written; 32 bytes each).
- **SQLite** (the reference): an in-memory database holding the same series as
  a table \`series(region, date, new_confirmed, new_clusters)\`, one row per county
  and day ($(get sql_rows) rows, zeros included, as the C series holds them),
  with an index on \`(region, date)\` and \`ANALYZE\`; one window-function query
  grades every county-day, and every result row is fetched with \`sqlite3_step\`
  and compared with the C level. Loading the table ($(get sql_load_ms) ms) is not timed.

The C series takes $(mb "$(get series_bytes)") (two \`int32\` arrays, county-major); SQLite
held $(mb "$(get sql_memory_bytes)") at the end of the run (\`sqlite3_memory_used()\`).

Both gave the same level for every one of the $cells county-days (the run
fails otherwise), and \`risk_grade_one()\`, the literal one-county reading of
the rule, agreed on $(get one_checked) sampled county-days.

| grading | median | per county-day | rounds |
| --- | ---: | ---: | ---: |
| C, \`risk_grade_batch\`, levels | $c_ms ms | $(per_cell "$c_ms") | $(get rounds) |
| C, \`risk_grade_batch\`, full grades | $full_ms ms | $(per_cell "$full_ms") | $(get rounds) |
| SQLite, one window-function query | $sql_ms ms | $(per_cell "$sql_ms") | $(get sql_rounds) |

**The C grading of a year of ~3,000 counties takes $c_ms ms, $verdict;
the SQL query takes about $ratio × as long.**

Each round (ms), rounds alternating between C and SQL after one C warm-up:

- C, levels: $(fmt_rounds "$(get c_rounds_ms)")
- C, full grades: $(fmt_rounds "$(get c_full_rounds_ms)")
- SQLite: $(fmt_rounds "$(get sql_rounds_ms)")

The query (?1 = 14 quiet days, ?2 = 50, ?3 = 14-day window, ?4..?5 = the year;
day numbers are integers):

\`\`\`sql
$(sed -n '/^static const char \*const grade_sql =/,/;$/p' bench/grade.c | sed '1d; s/^[[:space:]]*"//; s/\\n"$//; s/";$//; s/"$//')
\`\`\`

Its plan (\`EXPLAIN QUERY PLAN\`), the index read in order, no sort:

\`\`\`
$plan
\`\`\`

The machine is shared, so the absolutes are noisy: they are medians over
rounds, and the ratio, measured in the same run, matters more.

- Date: $run_date
- Machine: $cpus cores (\`nproc\`), $cpu_model, $kernel
- Load average (1, 5, 15 min) before the run: $load_before; after: $load_after
- Versions: SQLite $(get sqlite_version) (linked library); $cc_version; commit $git_rev$bin_note

Command:

\`\`\`sh
GRADE_REGIONS=$REGIONS GRADE_DAYS=$DAYS GRADE_ROUNDS=$ROUNDS GRADE_SQL_ROUNDS=$SQL_ROUNDS GRADE_SEED=$SEED bash bench/grade.sh
build/fk_bench_grade --regions $REGIONS --days $DAYS --rounds $ROUNDS --sql-rounds $SQL_ROUNDS --seed $SEED
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

log "C $c_ms ms (levels), $full_ms ms (full grades); SQLite $sql_ms ms; ratio $ratio; agree on all $cells"
log "wrote $OUT"

#!/usr/bin/env bash
# bench/trace.sh -- contact-tracing benchmark: core/contactgraph's 2-hop
# trace beside the same question asked of SQLite, in the same run.
#
# Layer: tooling (bench/). Job: run fk_bench_trace (bench/trace.c) on a
# seeded synthetic population (1,000,000 people, 10,000,000 exposures by
# default), which builds the graph, times cg_trace from 1,000 case sources,
# loads the same exposures into an SQLite file under a temp dir and times a
# recursive CTE (the contact set) and an equivalent query (the whole answer)
# on 200 of the same sources, and fails if any answer differs from the
# graph's. Then write the "Contact tracing" section of docs/bench.md between
# the markers <!-- bench:trace:begin --> and <!-- bench:trace:end -->,
# leaving the rest of the file alone.
#
# Run from the repository root, after building the release tree:
#   cmake --preset release && cmake --build --preset release --target fk_bench_trace
#   bash bench/trace.sh
# Environment:
#   TRACE_PEOPLE       people (default 1000000)
#   TRACE_EXPOSURES    exposures (default 10000000)
#   TRACE_CASES        case sources traced on the graph (default 1000)
#   TRACE_SQL_CASES    of them, traced on SQLite too (default 200)
#   TRACE_SEED         population seed (default 20200123)
#   TRACE_TIMEOUT      seconds before the run is stopped (default 900)
#   FK_BENCH_TRACE_BIN the benchmark binary (default build/fk_bench_trace)
#   BENCH_OUT          report file (default docs/bench.md)
#   BENCH_KEEP_TMP     1 keeps the temp dir (log, figures; the SQLite file is
#                      always removed) after success
# Needs about 100 bytes of RAM and 70 bytes of temp disk per exposure
# (1.5 GB and 0.7 GB at the default size). Takes about a minute here.
set -euo pipefail

readonly PEOPLE=${TRACE_PEOPLE:-1000000}
readonly EXPOSURES=${TRACE_EXPOSURES:-10000000}
readonly CASES=${TRACE_CASES:-1000}
readonly SQL_CASES=${TRACE_SQL_CASES:-200}
readonly SEED=${TRACE_SEED:-20200123}
readonly RUN_TIMEOUT=${TRACE_TIMEOUT:-900}
readonly BIN=${FK_BENCH_TRACE_BIN:-build/fk_bench_trace}
readonly OUT=${BENCH_OUT:-docs/bench.md}
readonly BEGIN_MARK='<!-- bench:trace:begin -->'
readonly END_MARK='<!-- bench:trace:end -->'

log() { printf 'trace.sh: %s\n' "$*" >&2; }
die() {
	printf 'trace.sh: error: %s\n' "$*" >&2
	exit 1
}

# --- arguments -------------------------------------------------------------

# check_int NAME VALUE MIN MAX
check_int() {
	if ! [[ $2 =~ ^[1-9][0-9]{0,9}$ ]] || (($2 < $3 || $2 > $4)); then
		die "$1 must be an integer in $3..$4 (got '$2')"
	fi
}
check_int TRACE_PEOPLE "$PEOPLE" 100 100000000
check_int TRACE_EXPOSURES "$EXPOSURES" 100 1000000000
check_int TRACE_CASES "$CASES" 1 1000000
check_int TRACE_SQL_CASES "$SQL_CASES" 1 "$CASES"
check_int TRACE_SEED "$SEED" 1 9999999999
check_int TRACE_TIMEOUT "$RUN_TIMEOUT" 10 86400
((CASES + 20 <= PEOPLE)) || die "TRACE_CASES + 20 must not exceed TRACE_PEOPLE"

command -v timeout >/dev/null || die "timeout (coreutils) is needed"
[[ -x $BIN ]] ||
	die "$BIN not found: build it first (cmake --preset release && cmake --build --preset release --target fk_bench_trace)"

# --- temp dir and clean-up -------------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fangkong-trace-bench.XXXXXX")
readonly TMP
succeeded=0
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if ((succeeded)) && [[ ${BENCH_KEEP_TMP:-0} != 1 ]]; then
		rm -rf -- "$TMP"
	else
		log "log and figures kept in $TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Room: warn early rather than fail after the population is built.
need_ram_kb=$((EXPOSURES / 10 + 600 * 1024))
avail_ram_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)
((avail_ram_kb == 0 || avail_ram_kb >= need_ram_kb)) ||
	log "warning: $((avail_ram_kb / 1024)) MiB of RAM available, the run wants about $((need_ram_kb / 1024)) MiB"
need_disk_kb=$((EXPOSURES * 70 / 1024))
avail_disk_kb=$(df -Pk "$TMP" | awk 'NR == 2 { print $4 }')
((avail_disk_kb >= need_disk_kb)) ||
	die "$TMP has $((avail_disk_kb / 1024)) MiB free, the SQLite file needs about $((need_disk_kb / 1024)) MiB (set TMPDIR)"

# --- run -------------------------------------------------------------------

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
args=(--people "$PEOPLE" --exposures "$EXPOSURES" --cases "$CASES" --sql-cases "$SQL_CASES"
	--seed "$SEED" --tmp "$TMP")
log "$BIN ${args[*]}"
started=$(date +%s)
# Progress (stderr) is shown and kept; the figures (stdout) go to a file.
set +e
timeout "$RUN_TIMEOUT" "$BIN" "${args[@]}" 2>&1 >"$TMP/figures.txt" | tee "$TMP/trace.log" >&2
rc=${PIPESTATUS[0]}
set -e
elapsed=$(($(date +%s) - started))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
if ((rc == 124)); then
	die "the run took more than $RUN_TIMEOUT s and was stopped (TRACE_TIMEOUT)"
elif ((rc != 0)); then
	grep -q MISMATCH "$TMP/trace.log" &&
		die "SQLite and the graph disagree (see above): the figures are not recorded"
	die "$BIN failed with status $rc (see above)"
fi
"$BIN" --print-sql >"$TMP/sql.txt" || die "$BIN --print-sql failed"

# --- figures ---------------------------------------------------------------

declare -A fig
while IFS='=' read -r key value; do
	[[ -n $key ]] && fig[$key]=$value
done <"$TMP/figures.txt"
for key in people exposures subjects household_exposures work_exposures community_exposures \
	protected_pct build_s graph_bytes bytes_per_exposure cases mean_hop1 mean_hop2 max_contacts \
	graph_p50_us graph_p99_us graph_max_us sql_cases rounds sql_load_s sql_db_bytes \
	same_graph_p50_us same_graph_p99_us same_graph_max_us set_sql_p50_ms set_sql_p99_ms \
	set_sql_max_ms full_sql_p50_ms full_sql_p99_ms full_sql_max_ms set_speedup_p50 \
	set_speedup_p99 set_speedup_per_case_median full_speedup_p50 full_speedup_p99 \
	full_speedup_per_case_median compared_cases compared_contacts add_exposures add_us_each \
	add_pending compact_s sqlite_version assertions set_sql_plan full_sql_plan; do
	[[ -n ${fig[$key]:-} ]] || die "$BIN printed no '$key' (see $TMP/figures.txt)"
done
[[ ${fig[assertions]} == off ]] ||
	log "warning: $BIN was built with assertions on (not a release build); figures are pessimistic"

# fmt_int N: 1234567 -> 1,234,567
fmt_int() { printf '%s' "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
# verdict RATIO: how it stands against the 100x target
verdict() { if (($1 >= 100)); then printf 'met'; else printf 'not met'; fi; }

run_date=$(date -u '+%Y-%m-%d %H:%M UTC')
cpus=$(nproc)
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[[ -n $cpu_model ]] || cpu_model=unknown
kernel=$(uname -sr)
thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || true)
[[ -n $thp ]] || thp=unknown
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $git_rev != unknown ]] && ! git diff --quiet HEAD -- src bench 2>/dev/null; then
	git_rev+=" (with uncommitted changes in src/ or bench/)"
fi
compiler=${fig[compiler]:-unknown}
sql_rounds=$((fig[sql_cases] * fig[rounds]))

# --- report ----------------------------------------------------------------

section="$TMP/section.md"
{
	printf '%s\n' "$BEGIN_MARK"
	cat <<EOF
## Contact tracing: 2-hop trace

Written by \`bench/trace.sh\` (\`make bench\`); do not edit by hand, rerun it.
\`cg_trace\` (\`src/core/contactgraph.c\`) beside SQLite ${fig[sqlite_version]} asked the
same question in the same run, on a seeded synthetic population of
$(fmt_int "${fig[people]}") people and $(fmt_int "${fig[exposures]}") exposures over 60 days:
$(fmt_int "${fig[household_exposures]}") in households of 1–5 (everyone with everyone, all along),
$(fmt_int "${fig[work_exposures]}") at workplaces and classes of 5–60 (1–10 days each), and
$(fmt_int "${fig[community_exposures]}") random community contacts of 1–2 days, a fifth of them
with the 1% of people who serve the public; ${fig[protected_pct]}% protected.
A trace starts from a case with the window 2 days before onset until
isolation 1–7 days later (RULES.md R2.1): hop 1 is every unprotected
exposure of the case overlapping the window, hop 2 every unprotected
exposure of a hop-1 contact (any date) to someone who is neither the case
nor a hop-1 contact. On average a trace finds ${fig[mean_hop1]} hop-1 and
${fig[mean_hop2]} hop-2 contacts (at most ${fig[max_contacts]}).

The graph: built in ${fig[build_s]} s, $(mib "${fig[graph_bytes]}") for $(fmt_int "${fig[subjects]}") subjects,
**${fig[bytes_per_exposure]} bytes per exposure**. The same exposures in SQLite: a
$(mib "${fig[sql_db_bytes]}") file, loaded and indexed in ${fig[sql_load_s]} s.

| engine and question | sources × rounds | p50 | p99 | max |
| --- | ---: | ---: | ---: | ---: |
| graph, \`cg_trace\` | ${fig[cases]} × 1 | ${fig[graph_p50_us]} µs | ${fig[graph_p99_us]} µs | ${fig[graph_max_us]} µs |
| graph, \`cg_trace\`, the SQLite sources | ${fig[sql_cases]} × ${fig[rounds]} | ${fig[same_graph_p50_us]} µs | ${fig[same_graph_p99_us]} µs | ${fig[same_graph_max_us]} µs |
| SQLite, the contact set (recursive CTE) | ${fig[sql_cases]} × ${fig[rounds]} | ${fig[set_sql_p50_ms]} ms | ${fig[set_sql_p99_ms]} ms | ${fig[set_sql_max_ms]} ms |
| SQLite, the whole answer (CTEs, window function) | ${fig[sql_cases]} × ${fig[rounds]} | ${fig[full_sql_p50_ms]} ms | ${fig[full_sql_p99_ms]} ms | ${fig[full_sql_max_ms]} ms |

**Speed-up, SQLite p50 / graph p50 on the same sources: ${fig[full_speedup_p50]}× for the
whole answer, ${fig[set_speedup_p50]}× for the contact set alone** (median of the per-trace
ratios: ${fig[full_speedup_per_case_median]}× and ${fig[set_speedup_per_case_median]}×; at p99: ${fig[full_speedup_p99]}× and ${fig[set_speedup_p99]}×). Target ≥ 100×:
$(verdict "${fig[full_speedup_p50]}") for the whole answer, $(verdict "${fig[set_speedup_p50]}") for the contact set.

\`cg_trace\` gives the whole answer: each contact with the exposure that ends
its observation last and the person it came through. The recursive CTE
gives only who and at which hop, so it does less than the graph does; the
second query gives exactly what \`cg_trace\` gives and is the like-for-like
reference. Both were checked on every one of the ${fig[compared_cases]} sources in the first
round: the same contacts at the same hops, and for the whole answer the
same via, exposure id and last date too ($(fmt_int "${fig[compared_contacts]}") contacts compared); a
single difference fails the run and records nothing.

How it was measured: each engine runs its own back-to-back loop over the
sources after 20 untimed traces on other sources, so each has its own
working set warm, as a server doing only that would; the rounds alternate
graph, set query, whole-answer query, so the machine's other load falls on
all three. SQLite reads through a 16 GiB mmap with a 512 MiB page cache, the
file having just been written (so it is in the page cache), and the
statements are prepared once. Latencies are wall-clock per trace, answer
sorted by id included. A trace on the graph is about four dependent reads
from memory (the case's hash slot, its exposures, its contacts' slots,
theirs) plus sorting the answer; on a shared virtual machine a dependent
read from DRAM costs a few hundred ns, more under load, so the graph's
absolute figures move with the machine's load more than the ratio does.

Adding exposures after the build: ${fig[add_us_each]} µs each for $(fmt_int "${fig[add_exposures]}") \`cg_add\` calls
($(fmt_int "${fig[add_pending]}") left pending), then \`cg_compact\` merged them in ${fig[compact_s]} s.

- Date: $run_date
- Machine: $cpus cores (\`nproc\`), $cpu_model, $kernel; transparent huge pages: $thp
- Load average (1, 5, 15 min) before the run: $load_before; after: $load_after (the run keeps one core busy)
- Run time: ${elapsed} s, SQLite load included
- Versions: SQLite ${fig[sqlite_version]}; compiler $compiler; assertions ${fig[assertions]}; commit $git_rev
- Population seed ${SEED}; $sql_rounds SQLite traces per query

Commands (\`\$BENCH_TMP\` is a fresh temp dir):

\`\`\`sh
TRACE_PEOPLE=$PEOPLE TRACE_EXPOSURES=$EXPOSURES TRACE_CASES=$CASES TRACE_SQL_CASES=$SQL_CASES TRACE_SEED=$SEED bash bench/trace.sh
$BIN --people $PEOPLE --exposures $EXPOSURES --cases $CASES --sql-cases $SQL_CASES --seed $SEED --tmp \$BENCH_TMP
\`\`\`

<details><summary>SQLite schema, load and queries (from <code>fk_bench_trace --print-sql</code>)</summary>

\`\`\`sql
$(cat "$TMP/sql.txt")
\`\`\`

Query plans: the set query — ${fig[set_sql_plan]}; the whole-answer query — ${fig[full_sql_plan]}.

</details>
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
		cat <<'EOF'
# Benchmarks

Speed is measured in `bench/`, each figure side by side with a reference
measured in the same run (DESIGN.md §7). Each section below is written by
one script between its `<!-- bench:NAME:begin -->` and
`<!-- bench:NAME:end -->` markers; a script replaces only its own section,
so rerun the script rather than editing a section by hand.

EOF
		cat "$section"
	} >"$tmp_out"
fi
# Copy rather than move, so the file keeps its owner and permissions.
cat "$tmp_out" >"$OUT"

succeeded=1
log "graph p50 ${fig[same_graph_p50_us]} µs; SQLite p50 ${fig[full_sql_p50_ms]} ms (whole answer), ${fig[set_sql_p50_ms]} ms (set);" \
	"speed-up ${fig[full_speedup_p50]}× / ${fig[set_speedup_p50]}×; ${fig[bytes_per_exposure]} bytes per exposure"
log "wrote $OUT"

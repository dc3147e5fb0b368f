#!/usr/bin/env bash
# bench/writes.sh -- write path: POST /api/v1/reports, group commit beside
# one commit per request.
#
# Layer: tooling (bench/). Job: check DESIGN.md §3's group-commit claim on
# this machine. Two servers on identical fresh demo databases -- the default
# (group commit, --batch-max 512) and, as the reference measured in the same
# run, --batch-max 1 (every write committed and fsync'd alone) -- take daily
# reports from the office on behalf of P0001..P0300 (bench/report.lua) in
# alternating wrk rounds. The script takes the median requests/s and p99 of
# each, the mean batch size from /metrics, checks that every answer was 201
# and that every acknowledged report is in the database afterwards, and
# writes the "Writes" section of docs/bench.md (between
# <!-- bench:writes:begin --> and <!-- bench:writes:end -->, leaving the rest
# of the file alone).
#
# Run from the repository root, after building build/fangkong:
#   bash bench/writes.sh
# Environment:
#   BENCH_ROUNDS    rounds per server (default 3, 1..50)
#   BENCH_DURATION  wrk duration of one round (default 10s; N, Ns or Nm)
#   BENCH_DAYS      report dates cycle over this many days from 2020-02-01
#                   (default 60, so 2020-02-01..2020-03-31; the last must
#                   not be after today): after 300 x BENCH_DAYS requests a
#                   server gets resubmissions (new versions) only
#   FANGKONG_BIN    binary under test (default build/fangkong)
#   BENCH_OUT       report file (default docs/bench.md)
#   BENCH_KEEP_TMP  1 keeps the temp dir (databases, logs, wrk outputs)
#   TMPDIR          where the databases live: it must be a real disk, since
#                   fsync is what is measured (a tmpfs is refused)
# Needs: wrk, sqlite3 (apt-get install -y wrk sqlite3). Loopback only.
set -euo pipefail

readonly ROUNDS=${BENCH_ROUNDS:-3}
readonly DURATION=${BENCH_DURATION:-10s}
readonly DAYS=${BENCH_DAYS:-60}
readonly FANGKONG=${FANGKONG_BIN:-build/fangkong}
readonly OUT=${BENCH_OUT:-docs/bench.md}
readonly SCRIPT=bench/report.lua
readonly WRK_THREADS=2
readonly WRK_CONNECTIONS=32
readonly SERVER_THREADS=8
readonly MODES=(group one)
readonly BEGIN_MARK='<!-- bench:writes:begin -->'
readonly END_MARK='<!-- bench:writes:end -->'
declare -rA BATCH_ARGS=([group]="" [one]="--batch-max 1")
declare -rA LABEL=([group]="group commit (default, --batch-max 512)" [one]="one commit per request (--batch-max 1)")

log() { printf 'bench-writes: %s\n' "$*" >&2; }
die() {
	printf 'bench-writes: error: %s\n' "$*" >&2
	exit 1
}

# --- arguments -------------------------------------------------------------

if ! [[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || ((ROUNDS > 50)); then
	die "BENCH_ROUNDS must be an integer in 1..50 (got '$ROUNDS')"
fi
if [[ $DURATION =~ ^([1-9][0-9]{0,2})s?$ ]]; then
	duration_s=${BASH_REMATCH[1]}
elif [[ $DURATION =~ ^([1-9][0-9]?)m$ ]]; then
	duration_s=$((BASH_REMATCH[1] * 60))
else
	die "BENCH_DURATION must look like 10, 10s or 1m (got '$DURATION')"
fi
((duration_s >= 1 && duration_s <= 600)) || die "BENCH_DURATION must be 1s..10m"
readonly duration_s
[[ $DAYS =~ ^[1-9][0-9]{0,3}$ ]] || die "BENCH_DAYS must be an integer in 1..9999 (got '$DAYS')"
# dates are China Standard Time, like the server's "today"
last_day=$(TZ=Asia/Shanghai date -d "2020-02-01 + $((DAYS - 1)) days" +%F) ||
	die "date cannot count $DAYS days from 2020-02-01"
[[ ! $last_day > $(TZ=Asia/Shanghai date +%F) ]] ||
	die "BENCH_DAYS=$DAYS reaches $last_day, after today: the server refuses future reports"
readonly last_day
readonly first_day=2020-02-01

# --- tools -----------------------------------------------------------------

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if ((${#missing[@]})); then
	log "missing tools; install them with:"
	printf 'apt-get install -y %s\n' "${missing[*]}" >&2
	exit 1
fi
command -v timeout >/dev/null || die "timeout (coreutils) is needed"
command -v dd >/dev/null || die "dd (coreutils) is needed"
[[ -x $FANGKONG ]] ||
	die "$FANGKONG not found: build the release binary first (cmake --preset release && cmake --build --preset release)"
[[ -f $SCRIPT ]] || die "$SCRIPT not found: run from the repository root"

# --- temp dir and clean-up -------------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fangkong-writes.XXXXXX")
readonly TMP
declare -A PID=([group]="" [one]="") PORT=([group]="" [one]="") TOKEN=([group]="" [one]="")
succeeded=0

# stop_pid PID NAME: SIGTERM, wait up to 10 s, then SIGKILL. Never a broad
# kill. Returns the exit status of the process (137 after SIGKILL).
stop_pid() {
	local pid=$1 name=$2 i rc=0
	[[ -n $pid ]] || return 0
	kill -0 "$pid" 2>/dev/null || {
		wait "$pid" 2>/dev/null || rc=$?
		return "$rc"
	}
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	return "$rc"
}

cleanup() {
	local rc=$? m
	trap - EXIT INT TERM
	for m in "${MODES[@]}"; do
		stop_pid "${PID[$m]}" "fangkong ($m)" || true
	done
	if ((succeeded)) && [[ ${BENCH_KEEP_TMP:-0} != 1 ]]; then
		rm -rf -- "$TMP"
	else
		log "databases, logs and wrk outputs kept in $TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers ---------------------------------------------------------------

# http PORT METHOD PATH [JSON]: the raw HTTP/1.1 response (Connection: close), 5 s max.
http() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 5 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		if [[ $# -ge 4 ]]; then
			printf "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" \
				"$2" "$3" "$1" "${#4}" "$4" >&3
		else
			printf "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$2" "$3" "$1" >&3
		fi
		cat <&3' _ "$@"
}

# metric FILE NAME: a sample's value from a /metrics text (0 if absent).
# NAME may carry labels, written exactly as fangkong prints them.
metric() {
	awk -v name="$2" 'index($0, name " ") == 1 { print $NF; f = 1; exit } END { if (!f) print 0 }' "$1"
}
readonly M_SUM=fangkong_store_batch_size_sum
readonly M_COUNT=fangkong_store_batch_size_count
readonly M_DEPTH=fangkong_store_queue_depth
readonly M_201='fangkong_http_requests_total{route="reports.submit",status="201"}'

# scrape MODE FILE: /metrics of that server into FILE, once the server is
# quiet: wrk stops with requests in flight, which the server still answers
# (and commits) after wrk has gone. Waits until the writer's queue is empty
# and the count of 201s holds still for 0.3 s (10 s at most).
scrape() {
	local m=$1 file=$2 i prev=-1 cur
	for ((i = 0; i < 33; i++)); do
		http "${PORT[$m]}" GET /metrics | tr -d '\r' >"$file" || die "fangkong ($m): GET /metrics failed"
		cur=$(metric "$file" "$M_201")
		if [[ $cur == "$prev" && $(metric "$file" "$M_DEPTH") == 0 ]]; then
			return 0
		fi
		prev=$cur
		sleep 0.3
	done
	log "warning: fangkong ($m) still busy 10 s after wrk stopped"
}

# proc_ticks PID: user + system CPU time of a process, in clock ticks.
proc_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
# cpu_ticks: "busy idle iowait total" clock ticks of the whole machine so far.
cpu_ticks() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, $5, $6, t; exit }' /proc/stat
}
# child_ticks: user + system CPU time of this shell's finished children (wrk).
child_ticks() {
	awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$$/stat"
}
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
readonly CLK_TCK

# median: numbers on stdin, one a line -> their median.
median() {
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan"; exit }
			if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# wrk_field FILE rps|p99_ms|requests|non2xx|sockerr|ok|other|first_other: one figure of a wrk run.
wrk_field() {
	local file=$1 field=$2
	case $field in
	rps) awk '/^Requests\/sec:/ { print $2 }' "$file" ;;
	p99_ms)
		awk '/^ *99% / {
			v = $2; u = v; sub(/^[0-9.]+/, "", u); n = substr(v, 1, length(v) - length(u))
			if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
			printf "%.3f\n", n }' "$file"
		;;
	requests) awk '/ requests in / { print $1 }' "$file" ;;
	non2xx) awk '/^ *Non-2xx or 3xx responses:/ { print $NF; f = 1 } END { if (!f) print 0 }' "$file" ;;
	sockerr)
		awk '/^ *Socket errors:/ { gsub(/,/, ""); s = $4 + $6 + $8 + $10; f = 1 }
			END { print (f ? s : 0) }' "$file"
		;;
	ok) awk '/^fk-writes: status 201 / { print $NF; f = 1 } END { if (!f) print -1 }' "$file" ;;
	other) awk '/^fk-writes: status other / { print $NF; f = 1 } END { if (!f) print -1 }' "$file" ;;
	first_other) sed -n 's/^fk-writes: first other: //p' "$file" | head -n1 ;;
	esac
}

# Other work on the machine skews everything; the load is recorded with the
# figures, and so is how busy the cores were for 3 s before anything started.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
busy_before=$(
	a=$(awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat)
	sleep 3
	b=$(awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ")
		printf "%.0f\n", (y[2] > x[2] ? 100 * (y[1] - x[1]) / (y[2] - x[2]) : 0) }'
)
((busy_before <= 20)) ||
	log "warning: the cores were ${busy_before}% busy before the run started: other work will skew the figures"

# --- the disk --------------------------------------------------------------

# fsync is what group commit saves, so the databases must be on a disk that
# has one. 200 appends of 4 KiB with O_DSYNC give its cost here.
fs_type=$(df -PT "$TMP" | awk 'NR == 2 { print $2 }')
[[ -n $fs_type ]] || fs_type=unknown
[[ $fs_type != tmpfs && $fs_type != ramfs ]] ||
	die "$TMP is on $fs_type, where fsync costs nothing; set TMPDIR to a directory on a disk"
fs_dev=$(df -P "$TMP" | awk 'NR == 2 { print $1 }')
# fsync_probe: ms per 4 KiB O_DSYNC append (500 of them) in $TMP.
fsync_probe() {
	dd if=/dev/zero of="$TMP/fsync.probe" bs=4096 count=500 oflag=dsync 2>"$TMP/fsync.out" ||
		die "dd with oflag=dsync failed: $(cat "$TMP/fsync.out")"
	rm -f -- "$TMP/fsync.probe"
	awk '/ copied, / { for (i = 1; i <= NF; i++) if ($i == "copied,") { printf "%.3f\n", $(i + 1) * 1000 / 500; exit } }' \
		"$TMP/fsync.out"
}
fsync_ms=$(fsync_probe)
[[ -n $fsync_ms ]] || die "could not read dd's timing from $TMP/fsync.out"
log "disk: $fs_type on $fs_dev, one 4 KiB O_DSYNC write takes $fsync_ms ms"

# --- databases and servers -------------------------------------------------

# One fresh demo database, copied so that both servers start from the same
# pages (people P0001..P0300, no reports yet).
log "fangkong: init --demo"
"$FANGKONG" init --db "$TMP/w.db" --demo >"$TMP/init.out" 2>&1 || {
	cat "$TMP/init.out" >&2
	die "fangkong init failed"
}
people=$(sqlite3 -readonly "$TMP/w.db" "SELECT count(*) FROM people WHERE id BETWEEN 'P0001' AND 'P0300';")
[[ $people == 300 ]] || die "the demo database has $people of the people P0001..P0300, not 300"
for m in "${MODES[@]}"; do
	sqlite3 "$TMP/w.db" ".backup '$TMP/$m.db'" || die "sqlite3 .backup to $TMP/$m.db failed"
done
[[ $(sqlite3 -readonly "$TMP/group.db" "SELECT count(*) FROM reports;") == 0 ]] ||
	die "the fresh demo database already holds reports"

# start_server MODE: serve $TMP/MODE.db, wait for its port, log in as the office.
start_server() {
	local m=$1 i line resp
	# shellcheck disable=SC2086 # BATCH_ARGS holds zero or two words
	"$FANGKONG" serve --db "$TMP/$m.db" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" --quiet \
		${BATCH_ARGS[$m]} >"$TMP/serve-$m.out" 2>"$TMP/serve-$m.log" &
	PID[$m]=$!
	for ((i = 0; i < 300; i++)); do # 30 s at most
		line=$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$TMP/serve-$m.out" 2>/dev/null || true)
		if [[ -n $line ]]; then
			PORT[$m]=${line##*:}
			break
		fi
		kill -0 "${PID[$m]}" 2>/dev/null || {
			tail -n 20 "$TMP/serve-$m.log" >&2 || true
			die "fangkong serve ($m) exited before listening"
		}
		sleep 0.1
	done
	[[ -n ${PORT[$m]} ]] || die "fangkong serve ($m) did not print 'listening on' within 30 s"
	resp=$(http "${PORT[$m]}" POST /api/v1/login '{"username":"office","password":"office-demo-2020"}' |
		tr -d '\r') || die "fangkong ($m): POST /api/v1/login failed"
	[[ $(head -n1 <<<"$resp") == HTTP/1.?\ 200* ]] ||
		die "fangkong ($m): office login answered '$(head -n1 <<<"$resp")': $(sed '1,/^$/d' <<<"$resp")"
	TOKEN[$m]=$(sed '1,/^$/d' <<<"$resp" | grep -o '"token":"[^"]*"' | head -n1 | cut -d'"' -f4)
	[[ -n ${TOKEN[$m]} ]] || die "fangkong ($m): no token in the login answer"
	log "fangkong ($m): pid ${PID[$m]}, 127.0.0.1:${PORT[$m]}${BATCH_ARGS[$m]:+, ${BATCH_ARGS[$m]}}"
}

for m in "${MODES[@]}"; do start_server "$m"; done

# --- load ------------------------------------------------------------------

declare -A OFFSET=([group]=0 [one]=0) WRK_OK=([group]=0 [one]=0) RUNS=([group]=0 [one]=0) SOCKERR_ALL=([group]=0 [one]=0)
for m in "${MODES[@]}"; do
	: >"$TMP/acked-$m.txt"
	scrape "$m" "$TMP/metrics-$m-start.txt"
	cp -- "$TMP/metrics-$m-start.txt" "$TMP/metrics-$m-last.txt"
done

# run_wrk MODE DURATION NAME: one wrk run; its output is $TMP/wrk-MODE-NAME.txt,
# its mean batch size $TMP/batch-MODE-NAME.txt. Any answer but 201 is fatal.
run_wrk() {
	local m=$1 dur=$2 name=$3 out="$TMP/wrk-$1-$3.txt" ack="$TMP/ack-$1-$3.txt"
	local requests non2xx ok other s0 c0 s1 c1 pt0 pt1 m0 m1 w0 w1
	pt0=$(proc_ticks "${PID[$m]}")
	w0=$(child_ticks)
	m0=$(cpu_ticks)
	FK_TOKEN=${TOKEN[$m]} FK_TAG="$m-$name" FK_OFFSET=${OFFSET[$m]} FK_THREADS=$WRK_THREADS FK_DAYS=$DAYS FK_ACK_FILE=$ack \
		timeout $((duration_s + 60)) wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$dur" --latency \
		-s "$SCRIPT" "http://127.0.0.1:${PORT[$m]}/api/v1/reports" >"$out" 2>&1 || {
		cat "$out" >&2
		die "wrk against fangkong ($m) failed"
	}
	grep -q '^Requests/sec:' "$out" || die "wrk against fangkong ($m) printed no Requests/sec ($out)"
	# CPU over wrk's run (before the server's in-flight tail, which is small)
	m1=$(cpu_ticks)
	w1=$(child_ticks)
	pt1=$(proc_ticks "${PID[$m]}" 2>/dev/null || echo "$pt0")
	kill -0 "${PID[$m]}" 2>/dev/null || {
		tail -n 20 "$TMP/serve-$m.log" >&2 || true
		die "fangkong ($m) exited during the benchmark"
	}
	requests=$(wrk_field "$out" requests)
	non2xx=$(wrk_field "$out" non2xx)
	ok=$(wrk_field "$out" ok)
	other=$(wrk_field "$out" other)
	((ok >= 0 && other >= 0)) || die "$SCRIPT printed no status counts ($out)"
	if ((non2xx > 0 || other > 0)); then
		cat "$out" >&2
		die "fangkong ($m) $name: $non2xx non-2xx (wrk), $other answers not 201 (script) of $requests;" \
			"first: $(wrk_field "$out" first_other)"
	fi
	((ok == requests)) || die "fangkong ($m) $name: wrk counted $requests answers, the script $ok 201s"
	[[ $(wc -l <"$ack") == "$ok" ]] || die "fangkong ($m) $name: $ack does not list the $ok acknowledged ids"
	cat -- "$ack" >>"$TMP/acked-$m.txt"
	OFFSET[$m]=$((OFFSET[$m] + requests))
	WRK_OK[$m]=$((WRK_OK[$m] + ok))
	RUNS[$m]=$((RUNS[$m] + 1))
	SOCKERR_ALL[$m]=$((SOCKERR_ALL[$m] + $(wrk_field "$out" sockerr)))
	# mean batch size of this run: the change of the histogram's sum and count
	scrape "$m" "$TMP/metrics-$m-$name.txt"
	s0=$(metric "$TMP/metrics-$m-last.txt" "$M_SUM")
	c0=$(metric "$TMP/metrics-$m-last.txt" "$M_COUNT")
	s1=$(metric "$TMP/metrics-$m-$name.txt" "$M_SUM")
	c1=$(metric "$TMP/metrics-$m-$name.txt" "$M_COUNT")
	awk -v s="$((s1 - s0))" -v c="$((c1 - c0))" 'BEGIN { if (c > 0) printf "%.2f\n", s / c; else print "nan" }' \
		>"$TMP/batch-$m-$name.txt"
	printf '%s %s\n' "$((s1 - s0))" "$((c1 - c0))" >"$TMP/batchraw-$m-$name.txt"
	cp -- "$TMP/metrics-$m-$name.txt" "$TMP/metrics-$m-last.txt"
	# server CPU per answered write (ms); the machine's busy and iowait shares
	# (%); the share taken by other processes (busy minus server and wrk, %)
	awk -v p="$((pt1 - pt0))" -v w="$((w1 - w0))" -v hz="$CLK_TCK" -v n="$requests" -v a="$m0" -v b="$m1" 'BEGIN {
		split(a, x, " "); split(b, y, " "); t = y[4] - x[4]; busy = y[1] - x[1]
		o = busy - p - w; if (o < 0) o = 0
		printf "%.3f %.0f %.1f %.0f\n", (n > 0 ? p * 1000 / hz / n : 0), \
			(t > 0 ? 100 * busy / t : 0), (t > 0 ? 100 * (y[3] - x[3]) / t : 0), (t > 0 ? 100 * o / t : 0) }' \
		>"$TMP/cpu-$m-$name.txt"
}

log "warm-up: 1s each"
for m in "${MODES[@]}"; do run_wrk "$m" 1s warmup; done

# Alternate the order each round (group commit first in odd rounds, one
# commit first in even ones) so neither always runs right after the other.
for ((round = 1; round <= ROUNDS; round++)); do
	if ((round % 2)); then order=(group one); else order=(one group); fi
	for m in "${order[@]}"; do
		run_wrk "$m" "$DURATION" "$round"
		f="$TMP/wrk-$m-$round.txt"
		log "round $round/$ROUNDS $m: $(wrk_field "$f" rps) req/s, p99 $(wrk_field "$f" p99_ms) ms," \
			"mean batch $(cat "$TMP/batch-$m-$round.txt"), all $(wrk_field "$f" requests) answers 201," \
			"socket errors $(wrk_field "$f" sockerr);" \
			"server CPU/write (ms), machine busy %, iowait %, other processes %: $(cat "$TMP/cpu-$m-$round.txt")"
	done
done

# --- durability ------------------------------------------------------------

# The servers' own count of 201s, then a clean stop (SIGTERM: finish the
# queued writes, exit 0), then the databases are read with sqlite3.
declare -A SERVER_201 ROWS CURRENT MISSING UNACKED ACKED_N VERSIONS_MAX ALERTS
for m in "${MODES[@]}"; do
	scrape "$m" "$TMP/metrics-$m-end.txt"
	SERVER_201[$m]=$(metric "$TMP/metrics-$m-end.txt" "$M_201")
	rc=0
	stop_pid "${PID[$m]}" "fangkong ($m)" || rc=$?
	PID[$m]=
	((rc == 0)) || die "fangkong ($m) exited with status $rc on SIGTERM (see $TMP/serve-$m.log)"
	# with --quiet, anything but the stop messages is worth a look
	if grep -qvE '^fangkong: (SIGTERM received, stopping|stopped)$' "$TMP/serve-$m.log"; then
		log "warning: fangkong ($m) wrote to stderr (with --quiet); the last lines:"
		grep -vE '^fangkong: (SIGTERM received, stopping|stopped)$' "$TMP/serve-$m.log" | tail -n 5 >&2
	fi
done

fsync_ms_after=$(fsync_probe)
[[ -n $fsync_ms_after ]] || die "could not read dd's timing from $TMP/fsync.out"
log "disk after the load: one 4 KiB O_DSYNC write takes $fsync_ms_after ms"

for m in "${MODES[@]}"; do
	ACKED_N[$m]=$(wc -l <"$TMP/acked-$m.txt")
	read -r rows current missing_n vmax alerts < <(
		sqlite3 -batch -separator ' ' "$TMP/$m.db" <<EOF
CREATE TEMP TABLE acked(rid TEXT);
.import '$TMP/acked-$m.txt' acked
SELECT (SELECT count(*) FROM reports),
       (SELECT count(*) FROM reports WHERE current = 1),
       (SELECT count(*) FROM acked
         WHERE rid NOT IN (SELECT request_id FROM reports WHERE request_id IS NOT NULL)),
       (SELECT coalesce(max(version), 0) FROM reports),
       (SELECT count(*) FROM alerts);
EOF
	) || die "sqlite3 could not read $TMP/$m.db"
	[[ ${rows:-} =~ ^[0-9]+$ && ${missing_n:-} =~ ^[0-9]+$ ]] || die "sqlite3 gave no row count for $TMP/$m.db"
	ROWS[$m]=$rows CURRENT[$m]=$current MISSING[$m]=$missing_n VERSIONS_MAX[$m]=$vmax ALERTS[$m]=$alerts
	UNACKED[$m]=$((ROWS[$m] - ACKED_N[$m]))
	log "durability ($m): ${ROWS[$m]} report rows stored; wrk counted ${WRK_OK[$m]} 2xx (all 201);" \
		"the server counted ${SERVER_201[$m]} 201s; acknowledged but missing: ${MISSING[$m]};" \
		"stored but answered after wrk stopped: ${UNACKED[$m]}"
	((ACKED_N[$m] == WRK_OK[$m])) || die "$m: ${ACKED_N[$m]} acknowledged ids kept, wrk counted ${WRK_OK[$m]}"
	((MISSING[$m] == 0)) ||
		die "$m: ${MISSING[$m]} reports acknowledged with 201 are not in the database (durability broken)"
	((SERVER_201[$m] == ROWS[$m])) ||
		die "$m: the server answered ${SERVER_201[$m]} reports with 201 but the database holds ${ROWS[$m]}"
	# A report wrk did not see answered was in flight when wrk stopped (at most
	# one per connection per run, plus any connection lost to a socket error).
	((UNACKED[$m] >= 0 && UNACKED[$m] <= RUNS[$m] * WRK_CONNECTIONS + SOCKERR_ALL[$m])) ||
		die "$m: ${UNACKED[$m]} stored reports were never acknowledged to wrk; at most" \
			"$((RUNS[$m] * WRK_CONNECTIONS + SOCKERR_ALL[$m])) could have been in flight"
done

# --- figures ---------------------------------------------------------------

declare -A med_rps med_p99 mean_batch med_cpu med_busy med_iowait med_other tot_sockerr tot_requests per_round
for m in "${MODES[@]}"; do
	med_rps[$m]=$(for ((r = 1; r <= ROUNDS; r++)); do wrk_field "$TMP/wrk-$m-$r.txt" rps; done | median)
	med_p99[$m]=$(for ((r = 1; r <= ROUNDS; r++)); do wrk_field "$TMP/wrk-$m-$r.txt" p99_ms; done | median)
	mean_batch[$m]=$(for ((r = 1; r <= ROUNDS; r++)); do cat "$TMP/batchraw-$m-$r.txt"; done |
		awk '{ s += $1; c += $2 } END { if (c > 0) printf "%.2f\n", s / c; else print "nan" }')
	med_cpu[$m]=$(for ((r = 1; r <= ROUNDS; r++)); do cut -d' ' -f1 "$TMP/cpu-$m-$r.txt"; done | median | xargs printf '%.3f')
	med_busy[$m]=$(for ((r = 1; r <= ROUNDS; r++)); do cut -d' ' -f2 "$TMP/cpu-$m-$r.txt"; done | median | xargs printf '%.0f')
	med_iowait[$m]=$(for ((r = 1; r <= ROUNDS; r++)); do cut -d' ' -f3 "$TMP/cpu-$m-$r.txt"; done | median | xargs printf '%.1f')
	med_other[$m]=$(for ((r = 1; r <= ROUNDS; r++)); do cut -d' ' -f4 "$TMP/cpu-$m-$r.txt"; done | median | xargs printf '%.0f')
	tot_sockerr[$m]=$(for ((r = 1; r <= ROUNDS; r++)); do wrk_field "$TMP/wrk-$m-$r.txt" sockerr; done |
		awk '{ s += $1 } END { print s + 0 }')
	tot_requests[$m]=$(for ((r = 1; r <= ROUNDS; r++)); do wrk_field "$TMP/wrk-$m-$r.txt" requests; done |
		awk '{ s += $1 } END { print s + 0 }')
	per_round[$m]=$(for ((r = 1; r <= ROUNDS; r++)); do
		read -r c_ms c_busy c_io c_other <"$TMP/cpu-$m-$r.txt"
		printf '%.0f / %.2f ms / %s / %s ms / %s %% / %s %% / %s %%' "$(wrk_field "$TMP/wrk-$m-$r.txt" rps)" \
			"$(wrk_field "$TMP/wrk-$m-$r.txt" p99_ms)" "$(cat "$TMP/batch-$m-$r.txt")" "$c_ms" "$c_busy" "$c_io" "$c_other"
		if ((r < ROUNDS)); then printf ' · '; fi
	done)
done
awk -v b="${mean_batch[one]}" 'BEGIN { exit !(b == 1) }' || log "warning: --batch-max 1 gave a mean batch of ${mean_batch[one]}, not 1"
# ratio A B: A/B with two decimals, or three significant digits below 0.1.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b <= 0) { print "n/a"; exit }
		r = a / b
		if (r < 0.1) printf "%.3g\n", r; else printf "%.2f\n", r }'
}
ratio_rps=$(ratio "${med_rps[group]}" "${med_rps[one]}")
ratio_p99=$(ratio "${med_p99[group]}" "${med_p99[one]}")
commit_bound_ms=$(awk -v r="${med_rps[one]}" 'BEGIN { if (r > 0) printf "%.2f\n", 1000 / r; else print 0 }')
# Does the cost of a write grow with the database? Compare the server CPU per
# write of the first and the last round of each server.
drift_note=
for m in "${MODES[@]}"; do
	read -r c_first _ _ o_first <"$TMP/cpu-$m-1.txt"
	read -r c_last _ _ o_last <"$TMP/cpu-$m-$ROUNDS.txt"
	if ((ROUNDS > 1)) && awk -v a="$c_first" -v b="$c_last" 'BEGIN { exit !(a > 0 && b > 1.3 * a) }'; then
		drift_note+="
The server CPU per write of ${LABEL[$m]} grew from $c_first ms in the first
round (other processes $o_first %) to $c_last ms in the last (other processes $o_last %),
while its database grew to ${ROWS[$m]} reports. With the other processes
quiet in both, that is a write path whose cost grows with the table; with
them busy, contention for the cores adds to it.
"
	fi
done

fmt_rps() { printf '%.0f' "$1"; }
fmt_ms() { printf '%.2f ms' "$1"; }
# What the reference's rate says about the cost of a commit here.
if awk -v b="$commit_bound_ms" 'BEGIN { exit !(b < 2.5) }'; then
	fsync_note="That is far below DESIGN.md's 5 ms, so group commit has less to save here:
the writer seldom finds many jobs waiting (mean batch ${mean_batch[group]}), and what
limits both servers is the rest of the work per write."
else
	fsync_note="That is of the order of DESIGN.md's 5 ms: one commit per request is bound
by the disk, and group commit shares each fsync among ${mean_batch[group]} writes on average."
fi

# --- report ----------------------------------------------------------------

run_date=$(date -u '+%Y-%m-%d %H:%M UTC')
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cpus=$(nproc)
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[[ -n $cpu_model ]] || cpu_model=unknown
kernel=$(uname -sr)
wrk_version=$({ wrk -v 2>&1 || true; } | head -n1 | sed 's/ *Copyright.*//; s/^wrk //')
sqlite_lib=$(dpkg-query -W -f='${Version}' libsqlite3-0 2>/dev/null || true)
[[ -n $sqlite_lib ]] || sqlite_lib=unknown
sqlite_cli=$(sqlite3 --version | cut -d' ' -f1)
fk_version=$("$FANGKONG" version 2>/dev/null | head -n1 || true)
fk_version=${fk_version#fangkong }
[[ -n $fk_version ]] || fk_version="(no version command)"
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $git_rev != unknown ]] && ! git diff --quiet HEAD -- src 2>/dev/null; then git_rev+=" (with uncommitted changes in src/)"; fi

section="$TMP/section.md"
{
	printf '%s\n' "$BEGIN_MARK"
	cat <<EOF
## Writes: POST /api/v1/reports, group commit

Written by \`bench/writes.sh\`; do not edit by hand, rerun it.
The office submits daily reports on behalf of people P0001..P0300 for the
$DAYS days $first_day..$last_day (\`bench/report.lua\`): request *k* is person
*k* mod 300 on day ⌊*k*/300⌋ mod $DAYS, each with a unique \`request_id\`, so
every request stores a new report or, from a server's request $((300 * DAYS)) on,
a new version of one (earlier versions are kept); about 1 in 50 has a first reading ≥ 37.3 °C (yellow, with an
alert). Two servers on copies of one fresh demo database, $SERVER_THREADS threads each,
\`--quiet\`: the default (group commit: the writer commits the jobs queued so
far, up to 512, with one fsync) and, as the reference in the same run,
\`--batch-max 1\` (one commit and one fsync per request). wrk keeps
$WRK_CONNECTIONS connections alive from $WRK_THREADS threads; rounds alternate between the two
after a 1 s warm-up of each. The mean batch size is the change of
\`fangkong_store_batch_size_sum\` / \`_count\` on \`/metrics\` over the round.

| server | median req/s | median p99 | mean batch | server CPU per write | machine busy / iowait / other processes | rounds | non-201 / socket errors (all rounds) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| ${LABEL[group]} | $(fmt_rps "${med_rps[group]}") | $(fmt_ms "${med_p99[group]}") | ${mean_batch[group]} | ${med_cpu[group]} ms | ${med_busy[group]} % / ${med_iowait[group]} % / ${med_other[group]} % | $ROUNDS × $DURATION | 0 / ${tot_sockerr[group]} |
| ${LABEL[one]} | $(fmt_rps "${med_rps[one]}") | $(fmt_ms "${med_p99[one]}") | ${mean_batch[one]} | ${med_cpu[one]} ms | ${med_busy[one]} % / ${med_iowait[one]} % / ${med_other[one]} % | $ROUNDS × $DURATION | 0 / ${tot_sockerr[one]} |

**group commit / one commit per request: $ratio_rps × the writes per second; p99 latency $ratio_p99 ×.**

"Server CPU per write" is the server process's user + system time over the
round (\`/proc/PID/stat\`) divided by the answers; "machine busy / iowait" are
shares of both cores' time over the round (\`/proc/stat\`; busy excludes idle
and iowait), wrk included; "other processes" is busy minus the server's and
wrk's own CPU time: work on the machine that is not this benchmark. Medians
over rounds, except the mean batch, which is over all timed rounds together.

Each round, req/s / p99 / mean batch / server CPU per write / busy / iowait / other processes:

- group commit: ${per_round[group]}
- one commit per request: ${per_round[one]}
$drift_note
Every answer was 201 (the script fails on any other). Durability, checked
with \`sqlite3\` after both servers stopped (SIGTERM), warm-up included:

| server | 201s wrk counted | report rows stored | acknowledged but missing | stored, answered after wrk stopped | server's 201 count |
| --- | ---: | ---: | ---: | ---: | ---: |
| group commit | ${WRK_OK[group]} | ${ROWS[group]} | ${MISSING[group]} | ${UNACKED[group]} | ${SERVER_201[group]} |
| one commit per request | ${WRK_OK[one]} | ${ROWS[one]} | ${MISSING[one]} | ${UNACKED[one]} | ${SERVER_201[one]} |

Every request_id wrk saw answered 201 is in the database. The few rows more
than wrk counted are requests in flight when wrk's time ran out: wrk stops
without reading their answers, the server still commits and answers them
(its own count of 201s equals the rows). At most one per connection per run
can be in flight, and the script checks that bound. At the end the databases
held ${CURRENT[group]} and ${CURRENT[one]} current reports (person-days), versions up to ${VERSIONS_MAX[group]} and ${VERSIONS_MAX[one]},
and ${ALERTS[group]} and ${ALERTS[one]} alerts.

**fsync on this machine.** DESIGN.md §3 reckons with an fsync of ~5 ms, which
would cap one commit per request at ~200 writes/s. Here the databases sit on
$fs_type ($fs_dev), where one 4 KiB \`O_DSYNC\` append (\`dd\`, 500 of them) took
$fsync_ms ms before the load and $fsync_ms_after ms after it (a virtual disk: the cost moves
with other work on the host). The one-commit reference commits every write
alone, one after the other in the single writer thread, so its median of
$(fmt_rps "${med_rps[one]}") req/s means that a commit, fsync included, took at most $commit_bound_ms ms
during its rounds. $fsync_note

The machine has $cpus cores, shared by both servers' threads and wrk, so the
absolutes are noisy: they are medians over rounds, and the ratio, measured in
the same run, matters more.

- Date: $run_date
- Machine: $cpus cores (\`nproc\`), $cpu_model, $kernel; databases on $fs_type
- Load average (1, 5, 15 min) before the run: $load_before; after: $load_after (the run itself keeps both cores busy). Cores busy during the 3 s before the run: $busy_before %
- Versions: wrk $wrk_version; SQLite (libsqlite3-0) $sqlite_lib, sqlite3 CLI $sqlite_cli; fangkong $fk_version, commit $git_rev
- Reports answered in the timed rounds: group commit ${tot_requests[group]}, one commit per request ${tot_requests[one]}

Commands (\`\$BENCH_TMP\` is a fresh temp dir, ports are free loopback ports):

\`\`\`sh
BENCH_ROUNDS=$ROUNDS BENCH_DURATION=$DURATION BENCH_DAYS=$DAYS bash bench/writes.sh
dd if=/dev/zero of=\$BENCH_TMP/fsync.probe bs=4096 count=500 oflag=dsync    # before and after the load
$FANGKONG init --db \$BENCH_TMP/w.db --demo
sqlite3 \$BENCH_TMP/w.db ".backup \$BENCH_TMP/group.db"; sqlite3 \$BENCH_TMP/w.db ".backup \$BENCH_TMP/one.db"
$FANGKONG serve --db \$BENCH_TMP/group.db --listen 127.0.0.1:0 --threads $SERVER_THREADS --quiet
$FANGKONG serve --db \$BENCH_TMP/one.db --listen 127.0.0.1:0 --threads $SERVER_THREADS --quiet --batch-max 1
POST /api/v1/login {"username":"office","password":"office-demo-2020"}    # each server -> token
FK_TOKEN=\$TOKEN FK_TAG=\$MODE-\$ROUND FK_OFFSET=\$N FK_THREADS=$WRK_THREADS FK_DAYS=$DAYS FK_ACK_FILE=\$BENCH_TMP/ack-\$MODE-\$ROUND.txt \\
  wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$DURATION --latency -s bench/report.lua http://127.0.0.1:\$PORT/api/v1/reports    # -d1s for the warm-up
GET /metrics    # after each run, once the server is quiet
sqlite3 \$BENCH_TMP/\$MODE.db "SELECT count(*) FROM reports"    # after SIGTERM; plus each acknowledged request_id
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
log "group commit $(fmt_rps "${med_rps[group]}") req/s, p99 $(fmt_ms "${med_p99[group]}"), mean batch ${mean_batch[group]};" \
	"one commit $(fmt_rps "${med_rps[one]}") req/s, p99 $(fmt_ms "${med_p99[one]}"); ratio $ratio_rps"
log "durability: rows ${ROWS[group]} / ${ROWS[one]}, wrk 2xx ${WRK_OK[group]} / ${WRK_OK[one]}, none missing"
log "wrote $OUT"

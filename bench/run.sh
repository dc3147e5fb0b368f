#!/usr/bin/env bash
# bench/run.sh -- HTTP benchmark: fangkong's GET /healthz beside nginx.
#
# Layer: tooling (bench/). Job: start the release binary and an nginx
# ceiling reference on loopback, load both with wrk in alternating rounds in
# the same run, take the median requests/s and p99 latency of each, and write
# the "HTTP: /healthz" section of docs/bench.md (between the markers
# <!-- bench:http:begin --> and <!-- bench:http:end -->, leaving the rest of
# the file alone).
#
# Run from the repository root, after building build/fangkong:
#   bash bench/run.sh
# Environment:
#   BENCH_ROUNDS    rounds per server (default 5, 1..50)
#   BENCH_DURATION  wrk duration of one round (default 5s; N, Ns or Nm)
#   FANGKONG_BIN    binary under test (default build/fangkong)
#   BENCH_OUT       report file (default docs/bench.md)
#   BENCH_KEEP_TMP  1 keeps the temp dir (logs, wrk outputs) after success
# Needs: wrk, nginx (apt-get install -y wrk nginx-light). Loopback only.
set -euo pipefail

readonly ROUNDS=${BENCH_ROUNDS:-5}
readonly DURATION=${BENCH_DURATION:-5s}
readonly FANGKONG=${FANGKONG_BIN:-build/fangkong}
readonly OUT=${BENCH_OUT:-docs/bench.md}
readonly WRK_THREADS=2
readonly WRK_CONNECTIONS=64
readonly SERVER_THREADS=2
readonly PATH_UNDER_TEST=/healthz
readonly BEGIN_MARK='<!-- bench:http:begin -->'
readonly END_MARK='<!-- bench:http:end -->'

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
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
	die "BENCH_DURATION must look like 5, 5s or 1m (got '$DURATION')"
fi
((duration_s >= 1 && duration_s <= 600)) || die "BENCH_DURATION must be 1s..10m"
readonly duration_s

# --- tools -----------------------------------------------------------------

NGINX=$(command -v nginx || true)
[[ -z $NGINX && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx
readonly NGINX
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[[ -n $NGINX ]] || missing+=(nginx-light)
if ((${#missing[@]})); then
	log "missing tools; install them with:"
	printf 'apt-get install -y %s\n' "${missing[*]}" >&2
	exit 1
fi
command -v timeout >/dev/null || die "timeout (coreutils) is needed"
[[ -x $FANGKONG ]] ||
	die "$FANGKONG not found: build the release binary first (cmake --preset release && cmake --build --preset release)"

# --- temp dir and clean-up -------------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fangkong-bench.XXXXXX")
readonly TMP
FK_PID=
NGINX_PID=
succeeded=0

# stop_pid PID NAME: SIGTERM, wait up to 5 s, then SIGKILL. Never a broad kill.
stop_pid() {
	local pid=$1 name=$2 i
	[[ -n $pid ]] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$name (pid $pid) ignored SIGTERM for 5 s; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_pid "$FK_PID" fangkong
	stop_pid "$NGINX_PID" nginx
	if ((succeeded)) && [[ ${BENCH_KEEP_TMP:-0} != 1 ]]; then
		rm -rf -- "$TMP"
	else
		log "logs and wrk outputs kept in $TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers ---------------------------------------------------------------

# port_open PORT: true if something accepts on 127.0.0.1:PORT.
port_open() {
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# http_get PORT PATH: the raw HTTP/1.1 response (Connection: close), 5 s max.
http_get() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 5 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$2" "$1" >&3
		cat <&3' _ "$1" "$2"
}

# median: numbers on stdin, one a line -> their median.
median() {
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan"; exit }
			if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# wrk_field FILE rps|p99_ms|requests|non2xx|sockerr: one figure of a wrk run.
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
	esac
}

# Other work on the machine skews everything; the load is recorded with the figures.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- fangkong --------------------------------------------------------------

log "fangkong: init"
"$FANGKONG" init --db "$TMP/bench.db" >"$TMP/init.out" 2>&1 || {
	cat "$TMP/init.out" >&2
	die "fangkong init failed"
}

log "fangkong: serve"
"$FANGKONG" serve --db "$TMP/bench.db" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" \
	>"$TMP/fangkong.out" 2>>"$TMP/fangkong.log" &
FK_PID=$!
FK_PORT=
for ((i = 0; i < 300; i++)); do # 30 s at most
	line=$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$TMP/fangkong.out" || true)
	if [[ -n $line ]]; then
		FK_PORT=${line##*:}
		break
	fi
	kill -0 "$FK_PID" 2>/dev/null || {
		tail -n 20 "$TMP/fangkong.log" >&2 || true
		die "fangkong serve exited before listening"
	}
	sleep 0.1
done
[[ -n $FK_PORT ]] || die "fangkong serve did not print 'listening on' within 30 s"
readonly FK_PORT
log "fangkong: listening on 127.0.0.1:$FK_PORT"

fk_probe=$(http_get "$FK_PORT" "$PATH_UNDER_TEST" | tr -d '\r') || die "fangkong: GET $PATH_UNDER_TEST failed"
printf '%s\n' "$fk_probe" >"$TMP/fangkong.probe"
fk_status=$(head -n1 <<<"$fk_probe")
[[ $fk_status == HTTP/1.?\ 200* ]] || die "fangkong: GET $PATH_UNDER_TEST answered '$fk_status'"
fk_body=$(sed '1,/^$/d' <<<"$fk_probe")
[[ $(tr -d ' \n' <<<"$fk_body") == '{"status":"ok"}' ]] ||
	log "warning: fangkong /healthz body is '$fk_body', not {\"status\":\"ok\"}"
fk_ctype=$(sed -n '1,/^$/{s/^[Cc]ontent-[Tt]ype: *//p}' <<<"$fk_probe" | head -n1)
[[ -n $fk_ctype ]] || fk_ctype=application/json

# --- nginx -----------------------------------------------------------------

# The reference answers like fangkong does: same body, same Content-Type, and
# the same extra response headers (copied from fangkong's own answer), so the
# two send about the same bytes and the ratio compares the servers, not the
# payloads. A value nginx cannot quote safely ($ or ") is left out.
mirrored_headers=()
nginx_add_headers=
while IFS= read -r hdr; do
	name=${hdr%%:*}
	value=${hdr#*:}
	value=${value# }
	case ${name,,} in
	date | content-length | content-type | connection | keep-alive | server | transfer-encoding) continue ;;
	esac
	# shellcheck disable=SC1003 # a literal backslash
	if [[ $value == *'$'* || $value == *'"'* || $value == *'\'* || ! $name =~ ^[A-Za-z0-9-]+$ ]]; then
		log "warning: header '$name' not mirrored in nginx (value has \$, \" or \\)"
		continue
	fi
	mirrored_headers+=("$name")
	nginx_add_headers+="            add_header $name \"$value\" always;"$'\n'
done < <(sed -n '2,/^$/p' <<<"$fk_probe" | sed '/^$/d')

mkdir -p "$TMP/nginx/logs"
optional_temp_paths=
nginx_build=$("$NGINX" -V 2>&1 || true)
for mod in uwsgi scgi; do
	[[ $nginx_build == *"--without-http_${mod}_module"* ]] ||
		optional_temp_paths+="    ${mod}_temp_path $TMP/nginx/${mod}_temp;"$'\n'
done

# write_nginx_conf PORT: the reference config, self-contained in $TMP.
write_nginx_conf() {
	cat >"$TMP/nginx.conf" <<EOF
# nginx ceiling reference for bench/run.sh (generated; do not edit)
daemon off;
master_process on;
worker_processes $SERVER_THREADS;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx-error.log warn;

events {
    worker_connections 1024;
}

http {
    # fangkong logs every request to a file as well
    access_log $TMP/nginx-access.log;
    server_tokens off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_body_temp_path $TMP/nginx/client_body_temp;
    proxy_temp_path $TMP/nginx/proxy_temp;
    fastcgi_temp_path $TMP/nginx/fastcgi_temp;
${optional_temp_paths}
    server {
        listen 127.0.0.1:$1;

        location = $PATH_UNDER_TEST {
            default_type "$fk_ctype";
${nginx_add_headers}            return 200 '{"status":"ok"}';
        }

        location / {
            return 404;
        }
    }
}
EOF
}

write_nginx_conf 8080
"$NGINX" -t -p "$TMP/nginx" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log" >"$TMP/nginx-t.out" 2>&1 || {
	cat "$TMP/nginx-t.out" >&2
	die "generated nginx config is invalid ($TMP/nginx.conf)"
}

NGINX_PORT=
for ((attempt = 0; attempt < 10; attempt++)); do
	port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	((port != FK_PORT)) || continue
	port_open "$port" && continue
	write_nginx_conf "$port"
	: >"$TMP/nginx-error.log"
	"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log" \
		>"$TMP/nginx.out" 2>&1 &
	NGINX_PID=$!
	for ((i = 0; i < 100; i++)); do # 10 s at most
		kill -0 "$NGINX_PID" 2>/dev/null || break
		port_open "$port" && break
		sleep 0.1
	done
	if kill -0 "$NGINX_PID" 2>/dev/null && port_open "$port"; then
		NGINX_PORT=$port
		break
	fi
	stop_pid "$NGINX_PID" nginx
	NGINX_PID=
	grep -q 'Address already in use' "$TMP/nginx-error.log" "$TMP/nginx.out" 2>/dev/null || {
		cat "$TMP/nginx-error.log" "$TMP/nginx.out" >&2 || true
		die "nginx did not start"
	}
done
[[ -n $NGINX_PORT ]] || die "no free loopback port for nginx after 10 tries"
readonly NGINX_PORT
log "nginx: listening on 127.0.0.1:$NGINX_PORT (pid $NGINX_PID)"

ng_probe=$(http_get "$NGINX_PORT" "$PATH_UNDER_TEST" | tr -d '\r') || die "nginx: GET $PATH_UNDER_TEST failed"
printf '%s\n' "$ng_probe" >"$TMP/nginx.probe"
[[ $(head -n1 <<<"$ng_probe") == HTTP/1.?\ 200* ]] || die "nginx: GET $PATH_UNDER_TEST did not answer 200"
fk_bytes=$(http_get "$FK_PORT" "$PATH_UNDER_TEST" | wc -c)
ng_bytes=$(http_get "$NGINX_PORT" "$PATH_UNDER_TEST" | wc -c)

# --- load ------------------------------------------------------------------

# The request logs grow by ~100 bytes a request; they are emptied after
# each wrk run (both are opened for appending, so truncation is safe).
# fangkong's start-up lines and the last lines of each run are kept aside.
head -n 50 "$TMP/fangkong.log" >"$TMP/fangkong-start.log"
# truncate_logs LABEL
truncate_logs() {
	{
		printf '== %s: %s lines ==\n' "$1" "$(wc -l <"$TMP/fangkong.log")"
		tail -n 20 "$TMP/fangkong.log"
	} >>"$TMP/fangkong-tails.log"
	: >"$TMP/fangkong.log"
	: >"$TMP/nginx-access.log"
}

# run_wrk NAME PORT DURATION OUTFILE
run_wrk() {
	timeout $((duration_s + 60)) wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$3" --latency \
		"http://127.0.0.1:$2$PATH_UNDER_TEST" >"$4" 2>&1 || {
		cat "$4" >&2
		die "wrk against $1 failed"
	}
	grep -q '^Requests/sec:' "$4" || die "wrk against $1 printed no Requests/sec ($4)"
	truncate_logs "$1 ${4##*/}"
	kill -0 "$FK_PID" 2>/dev/null ||
		die "fangkong exited during the benchmark (see $TMP/fangkong-tails.log and $4)"
	kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited during the benchmark"
}

log "warm-up: 1s each"
run_wrk fangkong "$FK_PORT" 1s "$TMP/wrk-fangkong-warmup.txt"
run_wrk nginx "$NGINX_PORT" 1s "$TMP/wrk-nginx-warmup.txt"

# Alternate the order each round (fangkong first in odd rounds, nginx first
# in even ones) so neither always runs on a machine just loaded by the other.
for ((round = 1; round <= ROUNDS; round++)); do
	if ((round % 2)); then order=(fangkong nginx); else order=(nginx fangkong); fi
	for server in "${order[@]}"; do
		if [[ $server == fangkong ]]; then port=$FK_PORT; else port=$NGINX_PORT; fi
		out="$TMP/wrk-$server-$round.txt"
		run_wrk "$server" "$port" "$DURATION" "$out"
		log "round $round/$ROUNDS $server: $(wrk_field "$out" rps) req/s, p99 $(wrk_field "$out" p99_ms) ms," \
			"non-2xx $(wrk_field "$out" non2xx), socket errors $(wrk_field "$out" sockerr)"
	done
done

after=$(http_get "$FK_PORT" "$PATH_UNDER_TEST" | head -n1 | tr -d '\r') || after="no answer"
[[ $after == HTTP/1.?\ 200* ]] || log "warning: fangkong answered '$after' after the load"
http_get "$FK_PORT" /metrics >"$TMP/fangkong.metrics" 2>/dev/null || true

# --- figures ---------------------------------------------------------------

declare -A med_rps med_p99 tot_non2xx tot_sockerr tot_requests per_round
for server in fangkong nginx; do
	med_rps[$server]=$(for ((r = 1; r <= ROUNDS; r++)); do wrk_field "$TMP/wrk-$server-$r.txt" rps; done | median)
	med_p99[$server]=$(for ((r = 1; r <= ROUNDS; r++)); do wrk_field "$TMP/wrk-$server-$r.txt" p99_ms; done | median)
	tot_non2xx[$server]=$(for ((r = 1; r <= ROUNDS; r++)); do wrk_field "$TMP/wrk-$server-$r.txt" non2xx; done |
		awk '{ s += $1 } END { print s + 0 }')
	tot_sockerr[$server]=$(for ((r = 1; r <= ROUNDS; r++)); do wrk_field "$TMP/wrk-$server-$r.txt" sockerr; done |
		awk '{ s += $1 } END { print s + 0 }')
	tot_requests[$server]=$(for ((r = 1; r <= ROUNDS; r++)); do wrk_field "$TMP/wrk-$server-$r.txt" requests; done |
		awk '{ s += $1 } END { print s + 0 }')
	per_round[$server]=$(for ((r = 1; r <= ROUNDS; r++)); do
		printf '%.0f / %.2f ms' "$(wrk_field "$TMP/wrk-$server-$r.txt" rps)" "$(wrk_field "$TMP/wrk-$server-$r.txt" p99_ms)"
		if ((r < ROUNDS)); then printf ' · '; fi
	done)
done
# ratio A B: A/B with two decimals, or three significant digits below 0.1.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b <= 0) { print "n/a"; exit }
		r = a / b
		if (r < 0.1) printf "%.3g\n", r; else printf "%.2f\n", r }'
}
ratio_rps=$(ratio "${med_rps[fangkong]}" "${med_rps[nginx]}")
ratio_p99=$(ratio "${med_p99[fangkong]}" "${med_p99[nginx]}")
fmt_rps() { printf '%.0f' "$1"; }
fmt_ms() { printf '%.2f ms' "$1"; }

# --- report ----------------------------------------------------------------

run_date=$(date -u '+%Y-%m-%d %H:%M UTC')
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cpus=$(nproc)
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[[ -n $cpu_model ]] || cpu_model=unknown
kernel=$(uname -sr)
wrk_version=$({ wrk -v 2>&1 || true; } | head -n1 | sed 's/ *Copyright.*//; s/^wrk //')
nginx_version=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
fk_version=$("$FANGKONG" version 2>/dev/null | head -n1 || true)
[[ -n $fk_version ]] || fk_version=$("$FANGKONG" --version 2>/dev/null | head -n1 || true)
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $git_rev != unknown ]] && ! git diff --quiet HEAD -- src 2>/dev/null; then git_rev+=" (with uncommitted changes in src/)"; fi
fk_version=${fk_version#fangkong }
[[ -n $fk_version ]] || fk_version="(no version command)"
if ((${#mirrored_headers[@]})); then
	# shellcheck disable=SC2016 # Markdown backticks
	mirrored_list=$(printf '`%s`, ' "${mirrored_headers[@]}")
	mirrored_list=${mirrored_list%, }
else
	mirrored_list="none"
fi
nginx_conf_shown=$(sed "s|$TMP|\$BENCH_TMP|g" "$TMP/nginx.conf" | sed "s/127\.0\.0\.1:$NGINX_PORT/127.0.0.1:\$NGINX_PORT/")

section="$TMP/section.md"
{
	printf '%s\n' "$BEGIN_MARK"
	cat <<EOF
## HTTP: /healthz

Written by \`bench/run.sh\` (\`make bench\`); do not edit by hand, rerun it.
\`GET /healthz\` on fangkong's release build and, as the ceiling reference in
the same run, on nginx answering the same path with the same body
(\`{"status":"ok"}\`), Content-Type (\`$fk_ctype\`) and extra headers copied
from fangkong's answer ($mirrored_list), so both send about
the same bytes (fangkong $fk_bytes, nginx $ng_bytes per response, probed with \`Connection: close\`).
Both servers run 2 threads/workers and log every request to a file; wrk keeps
$WRK_CONNECTIONS connections alive from $WRK_THREADS threads. Rounds alternate between the two servers
after a 1 s warm-up of each.

| server | median req/s | median p99 | rounds | non-2xx / socket errors (all rounds) |
| --- | ---: | ---: | ---: | ---: |
| fangkong | $(fmt_rps "${med_rps[fangkong]}") | $(fmt_ms "${med_p99[fangkong]}") | $ROUNDS × $DURATION | ${tot_non2xx[fangkong]} / ${tot_sockerr[fangkong]} |
| nginx | $(fmt_rps "${med_rps[nginx]}") | $(fmt_ms "${med_p99[nginx]}") | $ROUNDS × $DURATION | ${tot_non2xx[nginx]} / ${tot_sockerr[nginx]} |

**fangkong / nginx: $ratio_rps of the requests per second; p99 latency $ratio_p99 ×.**

Each round, req/s / p99:

- fangkong: ${per_round[fangkong]}
- nginx: ${per_round[nginx]}

The machine has $cpus cores, shared by the server under test and the load
generator (wrk), so absolute figures are noisy: they are medians over
rounds, and the ratio to nginx, measured in the same run, matters more than
the absolutes.

- Date: $run_date
- Machine: $cpus cores (\`nproc\`), $cpu_model, $kernel
- Load average (1, 5, 15 min) before the run: $load_before; after: $load_after (the run itself keeps both cores busy, so "after" includes it)
- Versions: wrk $wrk_version; nginx $nginx_version; fangkong $fk_version, commit $git_rev
- Total requests served: fangkong ${tot_requests[fangkong]}, nginx ${tot_requests[nginx]}

Commands (\`\$BENCH_TMP\` is a fresh temp dir, ports are free loopback ports):

\`\`\`sh
BENCH_ROUNDS=$ROUNDS BENCH_DURATION=$DURATION bash bench/run.sh
$FANGKONG init --db \$BENCH_TMP/bench.db
$FANGKONG serve --db \$BENCH_TMP/bench.db --listen 127.0.0.1:0 --threads $SERVER_THREADS 2>\$BENCH_TMP/fangkong.log
nginx -p \$BENCH_TMP/nginx -c \$BENCH_TMP/nginx.conf -e \$BENCH_TMP/nginx-error.log
wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d1s --latency http://127.0.0.1:\$PORT/healthz    # warm-up, each server
wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d$DURATION --latency http://127.0.0.1:\$PORT/healthz    # each round, each server
\`\`\`

<details><summary>nginx.conf (generated)</summary>

\`\`\`nginx
$nginx_conf_shown
\`\`\`

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
log "fangkong $(fmt_rps "${med_rps[fangkong]}") req/s, p99 $(fmt_ms "${med_p99[fangkong]}");" \
	"nginx $(fmt_rps "${med_rps[nginx]}") req/s, p99 $(fmt_ms "${med_p99[nginx]}"); ratio $ratio_rps"
log "wrote $OUT"

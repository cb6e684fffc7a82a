#!/usr/bin/env bash
# Router throughput, latency, HTTP/2 and memory: the backend hit directly vs nginx vs HAProxy vs Baton.
#
#   bench/proxy.sh                         # ROUNDS=3 DURATION=8 by default (about 15 minutes)
#   ROUNDS=2 DURATION=5 bench/proxy.sh     # quicker (about 7 minutes)
#   CONTENDERS="nginx baton" BATON_B_ENV="DOTNET_gcServer=1" bench/proxy.sh   # A/B a runtime setting
#   BATON_B_DLL=/tmp/other/baton.dll bench/proxy.sh                           # A/B two builds
#   BATON_B_REQUEST_LOG=file bench/proxy.sh                                   # A/B the request log (off vs on)
#   BATON_DLL=/tmp/a/baton.dll BATON_B_DLL=/tmp/b/baton.dll bench/proxy.sh     # two fixed builds, no ./baton build
#   CASES="get-100b get-10k" LATENCY=0 H2=0 bench/proxy.sh                    # a subset
#
# Throughput cases (wrk -t2, keep-alive; h2load for HTTP/2), each run once per contender per round;
# rounds are interleaved (even rounds in reverse contender order) and the median of the rounds is
# reported, as a ratio to nginx's median and to the direct one's, from the same run; with a baton-b,
# also baton/baton-b paired by round:
#   get-100b get-1k get-10k get-100k   GET of that size, 64 connections
#   post-1k                            POST of a 1 KB body (100 B answer), 64 connections
#   c16-1k c256-1k                     GET 1 KB with 16 and 256 connections
#   h2-1k                              HTTP/2 (cleartext, prior knowledge): h2load -c16 -m100, GET 1 KB
# Memory: each proxy's resident set (VmRSS summed over its processes; nginx: master + workers),
# sampled every 0.5 s during c256-1k (the peak is reported), and its VmHWM at the end.
# Latency: h2load --h1 at a fixed 5,000 requests/s (50 clients x 100 rps), p50/p99/p99.9/max
# from h2load's per-request log.
#
# The backend is a separate nginx instance serving static files: it is the cheapest HTTP server
# available here, so what changes between contenders is the proxy in front of it.
# Everything listens on 127.0.0.1 on free ports; every process started here is ended by PID.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-8}"       # seconds per throughput run
WARMUP="${WARMUP:-3}"           # seconds per case and contender before the first round, unmeasured
CASES="${CASES:-get-100b get-1k get-10k get-100k post-1k c16-1k c256-1k h2-1k}"
LATENCY="${LATENCY:-1}"         # 0 skips the fixed-rate latency run
H2=1; [[ " $CASES " == *" h2-1k "* ]] || H2=0
RATE="${RATE:-5000}"            # requests/s for the latency run
LAT_DURATION="${LAT_DURATION:-10}"
LAT_CLIENTS=50
BATON_ENV="${BATON_ENV:-}"      # extra environment for the Baton process, e.g. "DOTNET_gcServer=1"
BATON_B_ENV="${BATON_B_ENV:-}"  # if set, a second Baton ("baton-b") runs with this environment, for A/B tests
BATON_B_DLL="${BATON_B_DLL:-}"  # if set, baton-b runs this baton.dll (e.g. a build of another commit)
BATON_DLL="${BATON_DLL:-}"      # if set, baton (and the deploy commands) run this baton.dll instead of ./baton, which builds the tree
BATON_B_REQUEST_LOG="${BATON_B_REQUEST_LOG:-}"  # file or stdout: baton-b writes the request log there (the file in the work folder;
                                                # stdout into its own output file), baton keeps it off; implies baton-b
[ -n "$BATON_B_DLL$BATON_B_REQUEST_LOG" ] && [ -z "$BATON_B_ENV" ] && BATON_B_ENV="BATON_B=1"
case "$BATON_B_REQUEST_LOG" in
  ""|file|stdout) ;;
  *) echo "BATON_B_REQUEST_LOG must be file or stdout, not '$BATON_B_REQUEST_LOG'." >&2; exit 2 ;;
esac

require_dotnet
require_command wrk wrk
require_command h2load nghttp2-client
require_command nginx nginx-light
require_command haproxy haproxy
require_command curl curl
require_command python3 python3

work="$(mktemp -d /tmp/baton-bench-proxy.XXXXXX)"
pids=()
cleanup() {
  stop_pids "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$BATON_DLL" ]; then baton_cli=(dotnet "$BATON_DLL"); else baton_cli=("$root/baton"); fi
echo "Building baton..."
"${baton_cli[@]}" --version >/dev/null

backend_port=$(free_port); backend_h2_port=$(free_port); nginx_port=$(free_port); nginx_h2_port=$(free_port)
haproxy_port=$(free_port); haproxy_h2_port=$(free_port)
baton_port=$(free_port); baton_h2_port=$(free_port); admin_port=$(free_port)
baton_b_port=$(free_port); baton_b_h2_port=$(free_port); admin_b_port=$(free_port)
staging_port=$(free_port); staging_b_port=$(free_port)

# --- The backend: nginx with one worker serving static files -----------------------------------
chmod 755 "$work"   # nginx workers may run as another user
mkdir -p "$work/backend/www" "$work/backend/logs" "$work/proxy/logs"
head -c 100 /dev/zero | tr '\0' 'a' >"$work/backend/www/100b"
head -c 1024 /dev/zero | tr '\0' 'k' >"$work/backend/www/1k"
head -c 10240 /dev/zero | tr '\0' 'b' >"$work/backend/www/10k"
head -c 102400 /dev/zero | tr '\0' 'c' >"$work/backend/www/100k"
head -c 1024 /dev/zero | tr '\0' 'p' >"$work/body-1k"
# The POST answer: 100 B, like get-100b; nginx reads and discards the body before it answers.
post_answer=$(head -c 99 /dev/zero | tr '\0' 'o')
cat >"$work/backend/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/backend/nginx.pid;
error_log $work/backend/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$backend_port;
    listen 127.0.0.1:$backend_h2_port http2;
    root $work/backend/www;
    location = /health { return 200 "ok\n"; }
    location = /post { return 200 "$post_answer\n"; }
  }
}
EOF
nginx -p "$work/backend" -c "$work/backend/nginx.conf" -e "$work/backend/logs/error.log" &
pids+=($!)

# --- nginx as a proxy: upstream keepalive, one worker per core ----------------------------------
# The second listener speaks cleartext HTTP/2 with prior knowledge (nginx-light has http_v2).
cat >"$work/proxy/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $work/proxy/nginx.pid;
error_log $work/proxy/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend {
    server 127.0.0.1:$backend_port;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    listen 127.0.0.1:$nginx_h2_port http2;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
EOF
nginx -p "$work/proxy" -c "$work/proxy/nginx.conf" -e "$work/proxy/logs/error.log" &
nginx_pid=$!
pids+=($nginx_pid)

# --- HAProxy: one thread per core, connection reuse --------------------------------------------
cat >"$work/haproxy.cfg" <<EOF
global
  nbthread $(nproc)
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always
  option forwardfor
frontend fe
  bind 127.0.0.1:$haproxy_port
  bind 127.0.0.1:$haproxy_h2_port proto h2
  default_backend be
backend be
  server s1 127.0.0.1:$backend_port
EOF
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
pids+=($haproxy_pid)

# --- Baton -------------------------------------------------------------------------------------
# shellcheck disable=SC2086
env $BATON_ENV "${baton_cli[@]}" server --listen "127.0.0.1:$baton_port" --listen-h2c "127.0.0.1:$baton_h2_port" \
  --listen-staging "127.0.0.1:$staging_port" --admin "127.0.0.1:$admin_port" --data "$work/baton" --log-level warning >"$work/baton.log" 2>&1 &
baton_pid=$!
pids+=($baton_pid)

baton_b_pid=""
if [ -n "$BATON_B_ENV" ]; then
  if [ -n "$BATON_B_DLL" ]; then baton_b=(dotnet "$BATON_B_DLL"); else baton_b=("${baton_cli[@]}"); fi
  # A build from before the staging listener has no such flag; a later one must not take 8081 too.
  staging_b=()
  if "${baton_b[@]}" server --help 2>/dev/null | grep -- --listen-staging >/dev/null; then staging_b=(--listen-staging "127.0.0.1:$staging_b_port"); fi
  request_log_b=()
  case "$BATON_B_REQUEST_LOG" in
    file) request_log_b=(--request-log "$work/requests.log") ;;
    stdout) request_log_b=(--request-log stdout) ;;
  esac
  # shellcheck disable=SC2086
  env $BATON_B_ENV "${baton_b[@]}" server --listen "127.0.0.1:$baton_b_port" --listen-h2c "127.0.0.1:$baton_b_h2_port" "${staging_b[@]}" \
    --admin "127.0.0.1:$admin_b_port" --data "$work/baton-b" --log-level warning "${request_log_b[@]}" >"$work/baton-b.log" 2>&1 &
  baton_b_pid=$!
  pids+=($baton_b_pid)
fi

wait_http "http://127.0.0.1:$backend_port/health" 20 || { echo "backend nginx did not start" >&2; cat "$work/backend/logs/error.log" >&2; exit 1; }
wait_http "http://127.0.0.1:$nginx_port/100b" 20 || { echo "proxy nginx did not start" >&2; exit 1; }
wait_http "http://127.0.0.1:$haproxy_port/100b" 20 || { echo "haproxy did not start" >&2; cat "$work/haproxy.log" >&2; exit 1; }
wait_http "http://127.0.0.1:$admin_port/" 60 || { echo "baton did not start" >&2; cat "$work/baton.log" >&2; exit 1; }
BATON_URL="127.0.0.1:$admin_port" BATON_DATA="$work/baton" "${baton_cli[@]}" deploy bench \
  --target "127.0.0.1:$backend_port" --health-interval 100ms --health-passes 1 >/dev/null
if [ -n "$BATON_B_ENV" ]; then
  wait_http "http://127.0.0.1:$admin_b_port/" 60 || { echo "baton-b did not start" >&2; cat "$work/baton-b.log" >&2; exit 1; }
  BATON_URL="127.0.0.1:$admin_b_port" BATON_DATA="$work/baton-b" "${baton_cli[@]}" deploy bench \
    --target "127.0.0.1:$backend_port" --health-interval 100ms --health-passes 1 >/dev/null
fi

declare -A url=(
  [direct]="http://127.0.0.1:$backend_port"
  [nginx]="http://127.0.0.1:$nginx_port"
  [haproxy]="http://127.0.0.1:$haproxy_port"
  [baton]="http://127.0.0.1:$baton_port"
  [baton-b]="http://127.0.0.1:$baton_b_port"
)
declare -A h2url=(
  [direct]="http://127.0.0.1:$backend_h2_port"
  [nginx]="http://127.0.0.1:$nginx_h2_port"
  [haproxy]="http://127.0.0.1:$haproxy_h2_port"
  [baton]="http://127.0.0.1:$baton_h2_port"
  [baton-b]="http://127.0.0.1:$baton_b_h2_port"
)
declare -A mainpid=([nginx]=$nginx_pid [haproxy]=$haproxy_pid [baton]=$baton_pid [baton-b]=$baton_b_pid)
read -r -a contenders <<<"${CONTENDERS:-direct nginx haproxy baton}"   # CONTENDERS: a subset, in this order
[ -n "$BATON_B_ENV" ] && contenders+=(baton-b)
read -r -a cases <<<"$CASES"

for c in "${contenders[@]}"; do
  for s in 100b 1k 10k 100k; do
    got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "${url[$c]}/$s")
    want="200 $(stat -c %s "$work/backend/www/$s")"
    [ "$got" = "$want" ] || { echo "error: $c /$s answered '$got', expected '$want'" >&2; exit 1; }
  done
  got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' --data-binary "@$work/body-1k" "${url[$c]}/post")
  [ "$got" = "200 100" ] || { echo "error: $c POST /post answered '$got', expected '200 100'" >&2; exit 1; }
  if [ "$H2" = 1 ]; then
    got=$(curl -s -o /dev/null --http2-prior-knowledge -w '%{http_version} %{http_code} %{size_download}' "${h2url[$c]}/1k")
    [ "$got" = "2 200 1024" ] || { echo "error: $c HTTP/2 /1k answered '$got', expected '2 200 1024'" >&2; exit 1; }
  fi
done

cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/octet-stream"
local f = io.open("$work/body-1k", "rb")
wrk.body = f:read("*a")
f:close()
EOF

# proc_pids NAME: the PIDs of a contender's processes (nginx: the master and its workers; baton: the supervisor, router and controller).
proc_pids() {
  local p=${mainpid[$1]:-}
  [ -n "$p" ] || return 0
  echo "$p"
  # nginx's workers; Baton's router and controller processes under its supervisor.
  pgrep -P "$p" || true
}
# proc_kb NAME FIELD: FIELD (VmRSS or VmHWM) summed over the contender's processes, in KB.
proc_kb() {
  local sum=0 p kb
  for p in $(proc_pids "$1"); do
    kb=$(awk -v f="$2:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || true)
    sum=$(( sum + ${kb:-0} ))
  done
  echo "$sum"
}

[ -n "$BATON_ENV" ] && echo "baton runs with: $BATON_ENV"
[ -n "$BATON_B_ENV" ] && echo "baton-b runs with: $BATON_B_ENV ${BATON_B_DLL}${BATON_B_REQUEST_LOG:+ --request-log $BATON_B_REQUEST_LOG}"
echo "Machine: $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MB, $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# run_case CONTENDER CASE: prints "requests/s errors" for one run.
run_case() {
  local c=$1 case=$2 out rps errs non2xx
  if [ "$case" = h2-1k ]; then
    out=$(h2load -t2 -c16 -m100 -D "$DURATION" "${h2url[$c]}/1k" 2>&1 || true)
    rps=$(awk '/^finished in/ {gsub(",",""); print $4}' <<<"$out")
    errs=$(awk '/^requests:/ {print $10 + $12}' <<<"$out")
    non2xx=$(awk '/^status codes:/ {gsub(",",""); print $5 + $7 + $9}' <<<"$out")
    echo "${rps:-0} $(( ${errs:-0} + ${non2xx:-0} ))"
    return
  fi
  local conns=64 path args=()
  case $case in
    get-*) path="/${case#get-}" ;;
    post-1k) path=/post; args=(-s "$work/post.lua") ;;
    c*-1k) conns=${case%-1k}; conns=${conns#c}; path=/1k ;;
    *) echo "unknown case $case" >&2; exit 2 ;;
  esac
  out=$(wrk -t2 -c"$conns" -d"${DURATION}s" --timeout 5s "${args[@]}" "${url[$c]}$path")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  errs=$(awk '/Socket errors:/ {gsub(",",""); print $4+$6+$8+$10}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  echo "$rps $(( ${errs:-0} + ${non2xx:-0} ))"
}

# Every case's code path is compiled and tiered up before anything is measured: a contender with more managed code
# (YARP) would otherwise pay its JIT inside the first rounds of the cases it had not met yet.
echo "Warming up (every case, ${WARMUP}s each, per contender)..."
for c in "${contenders[@]}"; do
  for s in "${cases[@]}"; do DURATION=$WARMUP run_case "$c" "$s" >/dev/null; done
done

results="$work/results.tsv"; mem="$work/memory.tsv"
: >"$results"; : >"$mem"
for r in $(seq "$ROUNDS"); do
  # Even rounds run the contenders in reverse order, so that none always runs first (or right after another) in a case.
  order=("${contenders[@]}")
  if (( r % 2 == 0 )); then order=(); for (( i = ${#contenders[@]} - 1; i >= 0; i-- )); do order+=("${contenders[i]}"); done; fi
  for s in "${cases[@]}"; do
    for c in "${order[@]}"; do
      sampler=""
      if [ "$s" = c256-1k ] && [ -n "${mainpid[$c]:-}" ]; then
        # Peak resident set during the run, sampled every 0.5 s (bounded: the run's length + 2 s).
        ( peak=0; for _ in $(seq $(( DURATION * 2 + 4 ))); do
            kb=$(proc_kb "$c" VmRSS); [ "$kb" -gt "$peak" ] && peak=$kb
            # Written whole (the sampler is killed at any moment): never an empty file read below.
            echo "$peak" >"$work/peak-$c.tmp" && mv "$work/peak-$c.tmp" "$work/peak-$c"; sleep 0.5
          done ) &
        sampler=$!
      fi
      read -r rps errs < <(run_case "$c" "$s")
      if [ -n "$sampler" ]; then
        kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
        peak_kb="$(cat "$work/peak-$c" 2>/dev/null)"; hwm_kb="$(proc_kb "$c" VmHWM)"
        printf '%s\t%s\t%s\t%s\n' "$r" "$c" "${peak_kb:-0}" "${hwm_kb:-0}" >>"$mem"
      fi
      printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$s" "$c" "$rps" "$errs" >>"$results"
      printf 'round %d  %-9s %-8s %10.0f req/s  errors %s  (load %s)\n' "$r" "$s" "$c" "$rps" "$errs" "$(cut -d' ' -f1 /proc/loadavg)"
    done
  done
done

lat="$work/latency.tsv"
: >"$lat"
if [ "$LATENCY" = 1 ]; then
  echo
  echo "Latency at ${RATE} requests/s (h2load --h1, ${LAT_CLIENTS} clients, ${LAT_DURATION} s, 100 B):"
  per_client=$(( RATE / LAT_CLIENTS ))
  for c in "${contenders[@]}"; do
    log="$work/h2load-$c.log"
    h2load --h1 -t2 -c"$LAT_CLIENTS" --rps="$per_client" -D "$LAT_DURATION" --warm-up-time=2 \
      --log-file="$log" "${url[$c]}/100b" >"$work/h2load-$c.out" 2>&1 || true
    python3 - "$c" "$log" >>"$lat" <<'EOF'
import sys
name, path = sys.argv[1], sys.argv[2]
lat, bad = [], 0
for line in open(path):
    parts = line.split()
    if len(parts) < 3: continue
    if not parts[1].startswith("2"): bad += 1
    lat.append(int(parts[2]))
lat.sort()
def pct(p): return lat[min(len(lat) - 1, int(p * len(lat)))] / 1000 if lat else float("nan")
print(f"{name}\t{len(lat)}\t{bad}\t{pct(0.50):.2f}\t{pct(0.99):.2f}\t{pct(0.999):.2f}\t{(lat[-1] / 1000 if lat else 0):.2f}")
EOF
    echo "  $c done (load $(cut -d' ' -f1 /proc/loadavg))"
  done
fi

python3 - "$results" "$lat" "$mem" "$ROUNDS" "$DURATION" "${contenders[@]}" <<'EOF'
import sys, statistics
results, lat, mem, rounds, duration = sys.argv[1:6]
contenders = sys.argv[6:]
rows = [l.rstrip("\n").split("\t") for l in open(results)]
med, errs, cases = {}, {}, []
for r, s, c, rps, e in rows:
    if s not in cases: cases.append(s)
    med.setdefault((s, c), []).append(float(rps))
    errs[(s, c)] = errs.get((s, c), 0) + int(e)
def median(s, c): return statistics.median(med[(s, c)]) if (s, c) in med else float("nan")
print()
print(f"Throughput: {rounds} interleaved rounds of {duration} s, median of rounds (wrk -t2; h2-1k: h2load -t2 -c16 -m100)")
print(f"{'case':<10}{'contender':<10}{'req/s (median)':>16}{'min':>10}{'max':>10}{'vs nginx':>10}{'vs direct':>10}{'errors':>8}")
for s in cases:
    n, d = median(s, "nginx"), median(s, "direct")
    for c in contenders:
        v = med[(s, c)]
        m = statistics.median(v)
        print(f"{s:<10}{c:<10}{m:>16.0f}{min(v):>10.0f}{max(v):>10.0f}{m / n:>10.2f}{m / d:>10.2f}{errs[(s, c)]:>8}")
if "baton-b" in contenders and "baton" in contenders:
    # The same round's two runs of a case are close in time: their ratio is steadier than the ratio of medians
    # when the machine's speed drifts from round to round.
    byround = {(r, s, c): float(rps) for r, s, c, rps, e in rows}
    print()
    print("baton / baton-b, paired by round: the median of each round's ratio, and the rounds baton was behind")
    print(f"{'case':<10}{'median':>8}{'behind':>9}  ratios")
    every = []
    for s in cases:
        ratios = [byround[(r, s, "baton")] / byround[(r, s, "baton-b")] for r in map(str, range(1, int(rounds) + 1))
                  if byround.get((r, s, "baton-b"), 0) > 0 and (r, s, "baton") in byround]
        if not ratios: continue
        if s != "h2-1k": every += ratios
        print(f"{s:<10}{statistics.median(ratios):>8.3f}{sum(x < 1 for x in ratios):>5} of {len(ratios):<2} " + " ".join(f"{x:.2f}" for x in ratios))
    if every:
        print(f"{'HTTP/1.1':<10}{statistics.median(every):>8.3f}{sum(x < 1 for x in every):>5} of {len(every):<2} (every HTTP/1.1 case; geometric mean {statistics.geometric_mean(every):.3f})")
mrows = [l.split() for l in open(mem)]
if mrows:
    print()
    # Round 1's c256-1k runs before any h2-1k (1,600 streams, so up to 1,600 connections to the
    # backend): later rounds also carry what that left behind.
    print("Memory during c256-1k (MB): peak VmRSS sampled every 0.5 s in round 1 and over all rounds; VmHWM at the end")
    print(f"{'contender':<10}{'round 1':>10}{'all':>10}{'VmHWM':>10}")
    for c in contenders:
        got = [(int(r), int(p), int(h)) for r, cc, p, h in mrows if cc == c]
        if got: print(f"{c:<10}{got[0][1] / 1024:>10.1f}{max(p for _, p, _ in got) / 1024:>10.1f}{max(h for _, _, h in got) / 1024:>10.1f}")
lrows = [l.split() for l in open(lat)]
if lrows:
    print()
    print("Latency at a fixed rate (h2load --h1, per-request log), 100 B response")
    print(f"{'contender':<10}{'requests':>10}{'non-2xx':>9}{'p50 ms':>9}{'p99 ms':>9}{'p99.9 ms':>10}{'max ms':>9}")
    for c, n, bad, p50, p99, p999, mx in lrows:
        print(f"{c:<10}{n:>10}{bad:>9}{p50:>9}{p99:>9}{p999:>10}{mx:>9}")
EOF

if [ "$BATON_B_REQUEST_LOG" = file ]; then
  # What the log cost in lines and disk, and whether its queue ever dropped one (it never waits for the disk).
  token=$(cat "$work/baton-b/admin-token")
  dropped=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$admin_b_port/metrics" | awk '$1 == "baton_request_log_dropped_total" {print $2}')
  echo
  echo "baton-b request log: $(cat "$work"/requests.log* | wc -l) lines in $(find "$work" -maxdepth 1 -name 'requests.log*' | wc -l) file(s), $(du -ch "$work"/requests.log* | tail -1 | cut -f1), ${dropped:-?} dropped"
fi

#!/usr/bin/env bash
# Router throughput and latency: the backend hit directly vs nginx vs HAProxy vs Baton.
#
#   bench/proxy.sh                     # ROUNDS=5 DURATION=10 by default (about 8 minutes)
#   ROUNDS=3 DURATION=5 bench/proxy.sh # quicker
#
# Throughput: wrk, 2 threads, 64 connections, for a 100 B and a 10 KB response. Rounds are
# interleaved (each round runs every contender once, in order) and the median of the rounds is
# reported, with each contender's median as a ratio to nginx's and to the direct one.
# Latency: h2load --h1 at a fixed 5,000 requests/s (50 clients x 100 rps), p50/p99/max taken from
# h2load's per-request log.
#
# The backend is a separate nginx instance serving two static files: it is the cheapest HTTP
# server available here, so what changes between contenders is the proxy in front of it.
# Everything listens on 127.0.0.1 on free ports; every process started here is ended by PID.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"

ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-10}"      # seconds per wrk run
CONNECTIONS="${CONNECTIONS:-64}"
RATE="${RATE:-5000}"            # requests/s for the latency run
LAT_DURATION="${LAT_DURATION:-10}"
LAT_CLIENTS=50
BATON_ENV="${BATON_ENV:-}"      # extra environment for the Baton process, e.g. "DOTNET_gcServer=1"
BATON_B_ENV="${BATON_B_ENV:-}"  # if set, a second Baton ("baton-b") runs with this environment, for A/B tests
BATON_B_DLL="${BATON_B_DLL:-}"  # if set, baton-b runs this baton.dll (e.g. a build of another commit)
[ -n "$BATON_B_DLL" ] && [ -z "$BATON_B_ENV" ] && BATON_B_ENV="BATON_B=1"

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

echo "Building baton..."
"$root/baton" --version >/dev/null

backend_port=$(free_port); nginx_port=$(free_port); haproxy_port=$(free_port)
baton_port=$(free_port); admin_port=$(free_port); baton_b_port=$(free_port); admin_b_port=$(free_port)

# --- The backend: nginx with one worker serving static files -----------------------------------
chmod 755 "$work"   # nginx workers may run as another user
mkdir -p "$work/backend/www" "$work/backend/logs" "$work/proxy/logs"
head -c 100 /dev/zero | tr '\0' 'a' >"$work/backend/www/100b"
head -c 10240 /dev/zero | tr '\0' 'b' >"$work/backend/www/10k"
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
    root $work/backend/www;
    location = /health { return 200 "ok\n"; }
  }
}
EOF
nginx -p "$work/backend" -c "$work/backend/nginx.conf" -e "$work/backend/logs/error.log" &
pids+=($!)

# --- nginx as a proxy: upstream keepalive, one worker per core ----------------------------------
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
pids+=($!)

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
  default_backend be
backend be
  server s1 127.0.0.1:$backend_port
EOF
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pids+=($!)

# --- Baton -------------------------------------------------------------------------------------
# shellcheck disable=SC2086
env $BATON_ENV "$root/baton" server --listen "127.0.0.1:$baton_port" --admin "127.0.0.1:$admin_port" \
  --data "$work/baton" --log-level warning >"$work/baton.log" 2>&1 &
pids+=($!)

if [ -n "$BATON_B_ENV" ]; then
  # shellcheck disable=SC2086
  if [ -n "$BATON_B_DLL" ]; then baton_b=(dotnet "$BATON_B_DLL"); else baton_b=("$root/baton"); fi
  # shellcheck disable=SC2086
  env $BATON_B_ENV "${baton_b[@]}" server --listen "127.0.0.1:$baton_b_port" --admin "127.0.0.1:$admin_b_port" \
    --data "$work/baton-b" --log-level warning >"$work/baton-b.log" 2>&1 &
  pids+=($!)
fi

wait_http "http://127.0.0.1:$backend_port/health" 20 || { echo "backend nginx did not start" >&2; cat "$work/backend/logs/error.log" >&2; exit 1; }
wait_http "http://127.0.0.1:$nginx_port/100b" 20 || { echo "proxy nginx did not start" >&2; exit 1; }
wait_http "http://127.0.0.1:$haproxy_port/100b" 20 || { echo "haproxy did not start" >&2; cat "$work/haproxy.log" >&2; exit 1; }
wait_http "http://127.0.0.1:$admin_port/" 60 || { echo "baton did not start" >&2; cat "$work/baton.log" >&2; exit 1; }
BATON_URL="127.0.0.1:$admin_port" BATON_DATA="$work/baton" "$root/baton" deploy bench \
  --target "127.0.0.1:$backend_port" --health-interval 100ms --health-passes 1 >/dev/null
if [ -n "$BATON_B_ENV" ]; then
  wait_http "http://127.0.0.1:$admin_b_port/" 60 || { echo "baton-b did not start" >&2; cat "$work/baton-b.log" >&2; exit 1; }
  BATON_URL="127.0.0.1:$admin_b_port" BATON_DATA="$work/baton-b" "$root/baton" deploy bench \
    --target "127.0.0.1:$backend_port" --health-interval 100ms --health-passes 1 >/dev/null
fi

declare -A url=(
  [direct]="http://127.0.0.1:$backend_port"
  [nginx]="http://127.0.0.1:$nginx_port"
  [haproxy]="http://127.0.0.1:$haproxy_port"
  [baton]="http://127.0.0.1:$baton_port"
  [baton-b]="http://127.0.0.1:$baton_b_port"
)
read -r -a contenders <<<"${CONTENDERS:-direct nginx haproxy baton}"   # CONTENDERS: a subset, in this order
[ -n "$BATON_B_ENV" ] && contenders+=(baton-b)
sizes=(100b 10k)

for c in "${contenders[@]}"; do
  for s in "${sizes[@]}"; do
    got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "${url[$c]}/$s")
    want="200 $([ "$s" = 100b ] && echo 100 || echo 10240)"
    [ "$got" = "$want" ] || { echo "error: $c /$s answered '$got', expected '$want'" >&2; exit 1; }
  done
done

[ -n "$BATON_ENV" ] && echo "baton runs with: $BATON_ENV"
[ -n "$BATON_B_ENV" ] && echo "baton-b runs with: $BATON_B_ENV ${BATON_B_DLL}"
echo "Machine: $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MB, $(uname -r)"
echo "Warming up (5 s per contender)..."
for c in "${contenders[@]}"; do wrk -t2 -c"$CONNECTIONS" -d5s "${url[$c]}/100b" >/dev/null; done

# wrk_rps URL: prints "requests/s errors" for one run.
wrk_rps() {
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s "$1")
  local rps errs non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  errs=$(awk '/Socket errors:/ {gsub(",",""); print $4+$6+$8+$10}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  echo "$rps $(( ${errs:-0} + ${non2xx:-0} ))"
}

results="$work/results.tsv"
: >"$results"
for r in $(seq "$ROUNDS"); do
  for s in "${sizes[@]}"; do
    for c in "${contenders[@]}"; do
      read -r rps errs < <(wrk_rps "${url[$c]}/$s")
      printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$s" "$c" "$rps" "$errs" >>"$results"
      printf 'round %d  %-4s  %-8s %10.0f req/s  errors %s\n' "$r" "$s" "$c" "$rps" "$errs"
    done
  done
done

echo
echo "Latency at ${RATE} requests/s (h2load --h1, ${LAT_CLIENTS} clients, ${LAT_DURATION} s, 100 B):"
per_client=$(( RATE / LAT_CLIENTS ))
lat="$work/latency.tsv"
: >"$lat"
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
print(f"{name}\t{len(lat)}\t{bad}\t{pct(0.50):.2f}\t{pct(0.99):.2f}\t{(lat[-1] / 1000 if lat else 0):.2f}")
EOF
done

python3 - "$results" "$lat" "$ROUNDS" "$DURATION" "$CONNECTIONS" "${contenders[@]}" <<'EOF'
import sys, statistics
results, lat, rounds, duration, conns = sys.argv[1:6]
contenders = sys.argv[6:]
rows = [l.rstrip("\n").split("\t") for l in open(results)]
med, errs = {}, {}
for r, s, c, rps, e in rows:
    med.setdefault((s, c), []).append(float(rps))
    errs[(s, c)] = errs.get((s, c), 0) + int(e)
print()
print(f"Throughput: wrk -t2 -c{conns}, {rounds} interleaved rounds of {duration} s, median of rounds")
print(f"{'size':<6}{'contender':<10}{'req/s (median)':>16}{'min':>10}{'max':>10}{'vs nginx':>10}{'vs direct':>10}{'errors':>8}")
for s in ("100b", "10k"):
    n = statistics.median(med[(s, "nginx")]) if (s, "nginx") in med else float("nan")
    d = statistics.median(med[(s, "direct")]) if (s, "direct") in med else float("nan")
    for c in contenders:
        v = med[(s, c)]
        m = statistics.median(v)
        print(f"{s:<6}{c:<10}{m:>16.0f}{min(v):>10.0f}{max(v):>10.0f}{m / n:>10.2f}{m / d:>10.2f}{errs[(s, c)]:>8}")
print()
print("Latency at a fixed rate (h2load --h1, per-request log), 100 B response")
print(f"{'contender':<10}{'requests':>10}{'non-2xx':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
for line in open(lat):
    c, n, bad, p50, p99, mx = line.split()
    print(f"{c:<10}{n:>10}{bad:>9}{p50:>9}{p99:>9}{mx:>9}")
EOF

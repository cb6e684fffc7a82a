#!/usr/bin/env bash
# Zero-drop switching: 100 alternating switches v1 <-> v2 under steady load from clients that
# never retry, through Baton (`baton deploy`) and then through nginx (rewrite the upstream and
# `nginx -s reload`), counting every failed request.
#
#   bench/zero-drop.sh                  # both phases, 100 switches each (about 10 minutes)
#   SWITCHES=20 bench/zero-drop.sh      # quicker
#   PHASES=baton bench/zero-drop.sh     # Baton only (PHASES=nginx: nginx only)
#
# Load during each phase, all on 127.0.0.1:
#   - wrk, 1 thread, 16 keep-alive connections, GET /             (as fast as it can)
#   - h2load --h1, 4 clients x 100 requests/s, POST /echo, 1 KB body (run in 10 s chunks)
#   - wrk, 1 thread, 8 connections, GET /slow?ms=1500             (requests that span a switch)
#   - one WebSocket to /ws that lives WS_LIFE seconds, one message every 100 ms, each echo checked
# A failure is a non-2xx answer, a socket error (connect, read, write, timeout), an h2load
# failed/errored request, or the WebSocket cut before its planned end.
#
# Baton's drain timeout (30 s) is longer than the WebSocket's life (20 s), so the first switch
# waits for it to end. nginx is switched at the pace Baton's switches took (median deploy time)
# unless NGINX_INTERVAL is set. Each phase is bounded by MAX_SECONDS.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"
# shellcheck source=load.sh
. "$root/bench/load.sh"

SWITCHES="${SWITCHES:-100}"
PHASES="${PHASES:-baton nginx}"
MAX_SECONDS="${MAX_SECONDS:-600}"    # upper bound of one phase's switching loop
WS_LIFE="${WS_LIFE:-20}"
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-30s}"
NGINX_INTERVAL="${NGINX_INTERVAL:-}"

require_dotnet
require_command wrk wrk
require_command h2load nghttp2-client
require_command nginx nginx-light
require_command curl curl
require_command python3 python3

work="$(mktemp -d /tmp/baton-bench-zero-drop.XXXXXX)"
chmod 755 "$work"   # nginx workers may run as another user
pids=()
KEEP="${KEEP:-}"                     # KEEP=1 keeps the work directory (logs, h2load/wrk output)
cleanup() {
  stop_pids "${pids[@]}"
  if [ -n "$KEEP" ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_load_tools

port_v1=$(free_port); port_v2=$(free_port)
PORT=$port_v1 VERSION=v1 dotnet "$sample" >"$work/v1.log" 2>&1 & pids+=($!)
PORT=$port_v2 VERSION=v2 dotnet "$sample" >"$work/v2.log" 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$port_v1/health" 30 || { echo "sample v1 did not start" >&2; exit 1; }
wait_http "http://127.0.0.1:$port_v2/health" 30 || { echo "sample v2 did not start" >&2; exit 1; }

echo "Machine: $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MB, $(uname -r)"
summary="$work/summary.tsv"
: >"$summary"

# run_phase NAME BASE_URL SWITCH_FUNCTION: load, SWITCHES switches, then counts.
run_phase() {
  local name="$1" base="$2" switch="$3"
  local dir="$work/$name"
  mkdir -p "$dir"
  echo
  echo "== $name: $SWITCHES switches under load =="
  start_load "$base" "$dir" "$MAX_SECONDS"

  local started=$SECONDS i done_switches=0 failed_switches=0
  : >"$dir/switch-times"
  for i in $(seq "$SWITCHES"); do
    [ $((SECONDS - started)) -ge "$MAX_SECONDS" ] && { echo "stopping: $MAX_SECONDS s bound reached" >&2; break; }
    local port=$port_v2; [ $((i % 2)) -eq 0 ] && port=$port_v1
    local t0; t0=$(date +%s.%N)
    if "$switch" "$port" "$i" >>"$dir/switch.log" 2>&1; then done_switches=$((done_switches + 1)); else failed_switches=$((failed_switches + 1)); fi
    echo "$(date +%s.%N) $t0" | awk '{printf "%.3f\n", $1 - $2}' >>"$dir/switch-times"
    [ $((i % 10)) -eq 0 ] && echo "  $i switches ($((SECONDS - started)) s)"
  done
  local switch_seconds=$((SECONDS - started))

  sleep 2   # let the last switch's requests finish before the load stops
  stop_load "$dir"

  local med counts
  med=$(python3 -c 'import sys, statistics; t = [float(x) for x in open(sys.argv[1]) if x.strip()]; print(f"{statistics.median(t) if t else 0:.2f} (max {max(t) if t else 0:.1f})")' "$dir/switch-times")
  counts=$(python3 "$root/bench/tools/load_counts.py" "$dir")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$done_switches" "$failed_switches" "$switch_seconds" "$med" "$counts" >>"$summary"
  tail -n1 "$summary" | awk -F'\t' '{printf "  switches %s ok, %s failed, %s s (median %s s each); requests %s, failed %s\n  %s\n", $2, $3, $4, $5, $6, $7, $19}'
}

# --- Baton ---------------------------------------------------------------------------------------
baton_switch() {
  BATON_URL="127.0.0.1:$admin_port" BATON_DATA="$work/baton" "$root/baton" deploy app \
    --target "127.0.0.1:$1" --health-interval 100ms --health-passes 1 --drain-timeout "$DRAIN_TIMEOUT"
}
if [[ " $PHASES " == *" baton "* ]]; then
  baton_port=$(free_port); admin_port=$(free_port)
  "$root/baton" server --listen "127.0.0.1:$baton_port" --admin "127.0.0.1:$admin_port" --listen-staging "127.0.0.1:$(free_port)" \
    --data "$work/baton" --log-level warning >"$work/baton.log" 2>&1 & pids+=($!)
  wait_http "http://127.0.0.1:$admin_port/" 60 || { echo "baton did not start" >&2; cat "$work/baton.log" >&2; exit 1; }
  baton_switch "$port_v1" >/dev/null
  [ "$(curl -s "http://127.0.0.1:$baton_port/version")" = v1 ] || { echo "baton does not route to v1" >&2; exit 1; }
  run_phase baton "http://127.0.0.1:$baton_port" baton_switch
  if grep -Eiq 'warn|fail|error|crit' "$work/baton.log"; then
    echo "  baton log (warnings and errors):"; grep -Ei 'warn|fail|error|crit' "$work/baton.log" | tail -n 20 | sed 's/^/    /'
  fi
fi

# --- nginx: rewrite the upstream, nginx -s reload ------------------------------------------------
nginx_conf() {
  cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream app {
    server 127.0.0.1:$1;
    keepalive 64;
  }
  map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Host \$host;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_read_timeout 120s;
    }
  }
}
EOF
}
nginx_switch() {
  nginx_conf "$1"
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" -s reload
  sleep "$nginx_interval"
}
if [[ " $PHASES " == *" nginx "* ]]; then
  nginx_port=$(free_port)
  mkdir -p "$work/nginx/logs"
  nginx_conf "$port_v1"
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" & pids+=($!)
  wait_http "http://127.0.0.1:$nginx_port/version" 20 || { echo "nginx did not start" >&2; cat "$work/nginx/logs/error.log" >&2; exit 1; }
  nginx_interval="$NGINX_INTERVAL"
  if [ -z "$nginx_interval" ]; then
    nginx_interval=$(awk -F'\t' '$1 == "baton" {print $5}' "$summary" | cut -d' ' -f1)
    nginx_interval="${nginx_interval:-2}"
  fi
  echo
  echo "nginx is reloaded every $nginx_interval s (NGINX_INTERVAL)"
  run_phase nginx "http://127.0.0.1:$nginx_port" nginx_switch
fi

echo
echo "Results ($(date -u +%Y-%m-%d)):"
python3 - "$summary" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
print(f"{'router':<8}{'switches':>9}{'sw fail':>8}{'seconds':>8}{'requests':>10}{'FAILED':>8}  detail")
for r in rows:
    (name, done, failsw, secs, med, total, fails, gt, gn, gs, st, sn, ss, ht, hf, hn, hc, wc, ws) = r
    print(f"{name:<8}{done:>9}{failsw:>8}{secs:>8}{total:>10}{fails:>8}  "
          f"GET {gt} (non-2xx {gn}, sock c/r/w/t {gs}); slow {st} (non-2xx {sn}, sock {ss}); "
          f"POST {ht} (failed {hf}, non-2xx {hn}, no-connect {hc}); websocket cut {wc}")
EOF

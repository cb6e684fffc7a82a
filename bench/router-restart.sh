#!/usr/bin/env bash
# Router restarts under load: RESTARTS (20) restarts of Baton's router process while clients that
# never retry keep sending, alternating `kill -HUP` of baton server and `baton router restart`.
# Each restart waits until a new process answers (GET /api/router shows another PID) and then
# lets the load run RESTART_GAP seconds on it.
#
#   bench/router-restart.sh                 # 20 restarts (about 2 minutes)
#   RESTARTS=5 bench/router-restart.sh      # quicker
#   MODE=kill RESTARTS=5 bench/router-restart.sh   # kill -9 the router process instead: a crash,
#                                                  # which the supervisor answers with a new one
#
# Load, all on 127.0.0.1, as in bench/zero-drop.sh (bench/load.sh): wrk GET / on 16 kept-alive
# connections, h2load POST /echo (1 KB) on 4 clients at 100 requests/s each, wrk GET /slow?ms=1500
# on 8 connections, and one WebSocket that lives WS_LIFE seconds (one message every 100 ms, each
# echo checked); and a connect probe that opens a new TCP connection every 10 ms and counts the
# refused ones. A failure is a non-2xx answer, a socket error, an h2load failed request, or the
# WebSocket cut before its planned end. The last line reads `failed requests: N of M`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"
# shellcheck source=load.sh
. "$root/bench/load.sh"

RESTARTS="${RESTARTS:-20}"
RESTART_GAP="${RESTART_GAP:-2}"
MODE="${MODE:-restart}"              # restart (SIGHUP and baton router restart, alternating) or kill (kill -9 of the router process)
WS_LIFE="${WS_LIFE:-20}"
MAX_SECONDS="${MAX_SECONDS:-600}"

require_dotnet
require_command wrk wrk
require_command h2load nghttp2-client
require_command curl curl
require_command python3 python3

work="$(mktemp -d /tmp/baton-bench-router-restart.XXXXXX)"
pids=()
KEEP="${KEEP:-}"
cleanup() {
  stop_pids "${pids[@]}"
  if [ -n "$KEEP" ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_load_tools

app_port=$(free_port)
PORT=$app_port VERSION=v1 dotnet "$sample" >"$work/app.log" 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$app_port/health" 30 || { echo "the sample app did not start" >&2; exit 1; }

baton_port=$(free_port); admin_port=$(free_port)
"$root/baton" server --listen "127.0.0.1:$baton_port" --admin "127.0.0.1:$admin_port" --listen-staging "127.0.0.1:$(free_port)" \
  --data "$work/baton" --log-level warning >"$work/baton.log" 2>&1 & supervisor=$!
pids+=("$supervisor")
wait_http "http://127.0.0.1:$admin_port/" 60 || { echo "baton did not start" >&2; cat "$work/baton.log" >&2; exit 1; }
export BATON_URL="127.0.0.1:$admin_port" BATON_DATA="$work/baton"
"$root/baton" deploy app --target "127.0.0.1:$app_port" --health-interval 100ms --health-passes 1 >/dev/null
[ "$(curl -s "http://127.0.0.1:$baton_port/version")" = v1 ] || { echo "baton does not route to the app" >&2; exit 1; }
router_pid() { curl -s -m 2 -H "Authorization: Bearer $(cat "$work/baton/admin-token")" "http://$BATON_URL/api/router" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null || echo 0; }

echo "Machine: $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MB, $(uname -r); $(dotnet "$root/.build/cli/baton.dll" --version)"
dir="$work/load"
start_load "http://127.0.0.1:$baton_port" "$dir" "$MAX_SECONDS"
# The connect probe: a new TCP connection every 10 ms; refused (or timed out) ones are counted.
python3 - "$baton_port" "$dir/stop" "$dir/connect.out" "$((MAX_SECONDS + 60))" <<'EOF' & probe=$!
import socket, sys, time, os
port, stop, out, limit = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
ok = refused = 0
deadline = time.time() + limit
while not os.path.exists(stop) and time.time() < deadline:
    s = socket.socket(); s.settimeout(1)
    try:
        s.connect(("127.0.0.1", port)); ok += 1
    except OSError:
        refused += 1
    finally:
        s.close()
    time.sleep(0.01)
open(out, "w").write(f"{ok} {refused}\n")
EOF
pids+=("$probe")

started=$SECONDS
pid=$(router_pid); done_restarts=0; : >"$dir/restart-times"
for i in $(seq "$RESTARTS"); do
  [ $((SECONDS - started)) -ge "$MAX_SECONDS" ] && { echo "stopping: $MAX_SECONDS s bound reached" >&2; break; }
  t0=$(date +%s.%N)
  if [ "$MODE" = kill ]; then kill -KILL "$pid"
  elif [ $((i % 2)) -eq 1 ]; then kill -HUP "$supervisor"
  else "$root/baton" router restart >>"$dir/restart.log" 2>&1 || true; fi
  for _ in $(seq 600); do next=$(router_pid); [ "$next" != 0 ] && [ "$next" != "$pid" ] && break; sleep 0.1; done
  if [ "$next" != "$pid" ] && [ "$next" != 0 ]; then done_restarts=$((done_restarts + 1)); pid=$next; fi
  echo "$(date +%s.%N) $t0" | awk '{printf "%.3f\n", $1 - $2}' >>"$dir/restart-times"
  [ $((i % 5)) -eq 0 ] && echo "  $i restarts ($((SECONDS - started)) s)"
  sleep "$RESTART_GAP"
done
restart_seconds=$((SECONDS - started))
sleep 2
stop_load "$dir"
wait "$probe" 2>/dev/null || true

read -r total failed g_total g_non g_sock s_total s_non s_sock h_total h_failed h_non h_connect ws_cut ws <<<"$(python3 "$root/bench/tools/load_counts.py" "$dir" | tr '\t' ' ')"
read -r connect_ok connect_refused <"$dir/connect.out"
median=$(python3 -c 'import sys, statistics; t = [float(x) for x in open(sys.argv[1]) if x.strip()]; print(f"{statistics.median(t):.2f} (max {max(t):.2f})")' "$dir/restart-times")
echo
echo "$MODE: $done_restarts of $RESTARTS in $restart_seconds s; from the restart to a new PID answering: median $median s"
echo "wrk GET /:        $g_total requests, non-2xx $g_non, socket errors (connect,read,write,timeout) $g_sock"
echo "wrk GET /slow:    $s_total requests, non-2xx $s_non, socket errors $s_sock"
echo "h2load POST /echo: $h_total done, $h_failed failed, $h_non non-2xx, $h_connect could not connect"
echo "WebSocket:        $ws"
echo "refused connections: $connect_refused of $((connect_ok + connect_refused))"
if grep -Eiq 'warn|fail|error|crit|exception' "$work/baton.log"; then
  echo "baton log (warnings and errors):"; grep -Ei 'warn|fail|error|crit|exception' "$work/baton.log" | tail -n 20 | sed 's/^/  /'
fi
echo "failed requests: $failed of $total"

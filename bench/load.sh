# shellcheck shell=bash
# The non-retrying load of bench/zero-drop.sh and bench/router-restart.sh, sourced by both.
# start_load BASE_URL DIR SECONDS: starts, against BASE_URL, until stop_load (or SECONDS + 60 s):
#   - wrk, 1 thread, 16 keep-alive connections, GET /             (as fast as it can)
#   - h2load --h1, 4 clients x 100 requests/s, POST /echo, 1 KB body (in 10 s chunks)
#   - wrk, 1 thread, 8 connections, GET /slow?ms=1500             (requests in flight across a change)
#   - one WebSocket to /ws that lives WS_LIFE seconds, one message every 100 ms, each echo checked
# Needs $work/body.bin, $wsprobe (build_load_tools) and the pids array of the caller.
# stop_load DIR ends it; bench/tools/load_counts.py DIR counts it.

# build_load_tools: builds baton, the sample app and the WebSocket probe; sets $sample and
# $wsprobe, and makes $work/body.bin (1 KB).
build_load_tools() {
  echo "Building baton, the sample app and the WebSocket probe..."
  "$root/baton" --version >/dev/null
  dotnet build "$root/samples/SampleApp" -c Release --nologo -v q >"$work/build-sample.log" 2>&1 \
    || { cat "$work/build-sample.log" >&2; exit 1; }
  dotnet build "$root/bench/tools/WsProbe" -c Release -o "$root/.build/wsprobe" --nologo -v q >"$work/build-wsprobe.log" 2>&1 \
    || { cat "$work/build-wsprobe.log" >&2; exit 1; }
  sample="$root/samples/SampleApp/bin/Release/net10.0/SampleApp.dll"
  wsprobe="$root/.build/wsprobe/wsprobe.dll"
  head -c 1024 /dev/urandom >"$work/body.bin"
}
start_load() {
  local base="$1" dir="$2" seconds="$3"
  mkdir -p "$dir"
  wrk -t1 -c16 -d"$((seconds + 60))s" --timeout 10s "$base/" >"$dir/wrk-get.out" 2>&1 & load_wrk_get=$!
  wrk -t1 -c8 -d"$((seconds + 60))s" --timeout 10s "$base/slow?ms=1500" >"$dir/wrk-slow.out" 2>&1 & load_wrk_slow=$!
  pids+=("$load_wrk_get" "$load_wrk_slow")
  (
    deadline=$((SECONDS + seconds + 60))
    while [ ! -f "$dir/stop" ] && [ "$SECONDS" -lt "$deadline" ]; do
      h2load --h1 -t1 -c4 --rps=100 -D 10 -d "$work/body.bin" -H 'Content-Type: application/octet-stream' \
        "$base/echo" >>"$dir/h2load.out" 2>&1 || true
    done
  ) & load_h2=$!
  pids+=("$load_h2")
  sleep 1
  dotnet "$wsprobe" "${base/http:/ws:}/ws" "$WS_LIFE" 100 >"$dir/ws.out" 2>&1 & load_ws=$!
  pids+=("$load_ws")
  sleep 1
}

stop_load() {
  local dir="$1"
  kill -INT "$load_wrk_get" "$load_wrk_slow" 2>/dev/null || true
  touch "$dir/stop"
  wait "$load_wrk_get" "$load_wrk_slow" 2>/dev/null || true
  wait "$load_h2" 2>/dev/null || true
  wait "$load_ws" 2>/dev/null || true
}

#!/usr/bin/env bash
# Start-up time of the packaged binary (scripts/package.sh): from exec of `baton server` in a
# fresh data directory to its health endpoint (GET /healthz on the admin listener) answering 200,
# ROUNDS times (default 5), each with a new data directory; prints each time and the median. The
# first round also unpacks SQLite's native library (DOTNET_BUNDLE_EXTRACT_BASE_DIR, here a
# temporary folder); `./baton` (dotnet baton.dll, the launcher's build) is measured the same way
# beside it for comparison. Usage: bench/startup.sh [--no-package] (reuse dist/baton as it is).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib.sh"
rounds="${ROUNDS:-5}"
[ "${1:-}" = "--no-package" ] || "$root/scripts/package.sh" --no-image --no-arm64 >/dev/null
BATON_FROM_SOURCE=1 "$root/baton" --help >/dev/null   # builds .build/cli when it is stale
tmp="$(mktemp -d)"
pids=()
cleanup() { [ "${#pids[@]}" -eq 0 ] || stop_pids "${pids[@]}"; rm -rf "$tmp"; }
trap cleanup EXIT

# measure NAME COMMAND...: one round; prints the milliseconds from exec to /healthz answering.
measure() {
  local name="$1"; shift
  local admin port staging data start pid
  admin="$(free_port)"; port="$(free_port)"; staging="$(free_port)"
  data="$tmp/data-$name-$RANDOM"
  start="$(date +%s%N)"
  DOTNET_BUNDLE_EXTRACT_BASE_DIR="$tmp/extract" "$@" server --data "$data" --listen "127.0.0.1:$port" \
    --listen-staging "127.0.0.1:$staging" --admin "127.0.0.1:$admin" --log-level warning >"$tmp/$name.log" 2>&1 &
  pid=$!
  pids=("$pid")
  until curl -s -o /dev/null --max-time 1 -w '%{http_code}' "http://127.0.0.1:$admin/healthz" | grep -q 200; do
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.log" >&2; echo "error: $name exited" >&2; exit 1; }
    sleep 0.01
  done
  echo $(( ($(date +%s%N) - start) / 1000000 ))
  stop_pids "$pid"
  pids=()
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }

packaged=()
framework=()
for i in $(seq "$rounds"); do
  packaged+=("$(measure packaged "$root/dist/baton")")
  framework+=("$(measure framework dotnet "$root/.build/cli/baton.dll")")
done
echo "exec to /healthz answering (ms), $rounds rounds, interleaved; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  dist/baton (single file)   ${packaged[*]}   median $(printf '%s\n' "${packaged[@]}" | median)"
echo "  dotnet .build/cli/baton.dll ${framework[*]}   median $(printf '%s\n' "${framework[@]}" | median)"

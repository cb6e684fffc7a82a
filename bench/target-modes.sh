#!/usr/bin/env bash
# What each target mode costs: the router's throughput to the sample app deployed in the default
# mode (publish: the container on the engine's bridge, its port published on 127.0.0.1, so each
# request crosses the engine's port forwarding) and in host mode (the container on the host's
# network, no forwarding), in the same run, rounds interleaved.
#
#   bench/target-modes.sh                 # 5 rounds of 10 s per mode
#   ROUNDS=3 DURATION=5 bench/target-modes.sh
#
# Load: wrk, 1 thread, CONNECTIONS (16) keep-alive connections, GET / through Baton's public
# listener (Host: pub.localhost or host.localhost). Prints requests/s and latency per round,
# the medians, and the ratio publish / host.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"

ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-16}"
REPO="127.0.0.1:5000/baton-sample"
SERVICES=(benchpub benchhost)

require_dotnet
require_docker
require_command wrk wrk
require_command curl curl

work="$(mktemp -d /tmp/baton-bench-modes.XXXXXX)"
pids=()
remove_containers() {
  local s ids
  for s in "${SERVICES[@]}"; do
    ids=$(docker ps -aq --filter "label=baton.service=$s")
    [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
  done
}
cleanup() {
  stop_pids "${pids[@]}"
  remove_containers
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building baton and the sample image..."
"$root/baton" --version >/dev/null
flock "$root/.build/cli.lock" cp -r "$root/.build/cli" "$work/cli"
baton() { dotnet "$work/cli/baton.dll" "$@"; }
"$root/scripts/build-sample-image.sh" "$REPO" v1 >"$work/build-images.log" 2>&1 \
  || { cat "$work/build-images.log" >&2; exit 1; }
remove_containers

echo "Baton $(baton --version)"
echo "Machine: $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MB, $(uname -r), $(docker version --format 'Docker {{.Server.Version}}' 2>/dev/null)"

port=$(free_port); admin_port=$(free_port)
# dotnet itself, not the baton function: $! must be the server's PID for the cleanup to stop it.
dotnet "$work/cli/baton.dll" server --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin_port" --listen-staging none \
  --data "$work/data" --log-level warning >"$work/baton.log" 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$admin_port/" 60 || { echo "baton did not start" >&2; cat "$work/baton.log" >&2; exit 1; }
export BATON_URL="127.0.0.1:$admin_port" BATON_DATA="$work/data"

cat >"$work/pub.yml" <<EOF
service: benchpub
image: $REPO
hosts: [pub.localhost]
health: { interval: 200ms }
watch: 0s
EOF
# Host mode: the app listens on the host itself, so on loopback only.
cat >"$work/host.yml" <<EOF
service: benchhost
image: $REPO
hosts: [host.localhost]
target: { mode: host }
env: { BIND: 127.0.0.1 }
health: { interval: 200ms }
watch: 0s
EOF
for f in pub host; do
  baton apply -f "$work/$f.yml" >/dev/null
done
baton deploy benchpub --image "$REPO:v1" >"$work/deploy-pub.log" 2>&1 || { cat "$work/deploy-pub.log" >&2; exit 1; }
baton deploy benchhost --image "$REPO:v1" >"$work/deploy-host.log" 2>&1 || { cat "$work/deploy-host.log" >&2; exit 1; }
for h in pub.localhost host.localhost; do
  [ "$(curl -s -H "Host: $h" "http://127.0.0.1:$port/version")" = v1 ] || { echo "$h does not answer v1" >&2; exit 1; }
done

# run HOST ROUND: one wrk run; appends "MODE RPS P50_MS P99_MS" to results.
run() {
  local mode="$1" round="$2" out="$work/wrk-$1-$2.out"
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Host: $mode.localhost" "http://127.0.0.1:$port/" >"$out" 2>&1
  python3 - "$out" "$mode" >>"$work/results" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(sys.argv[2], f"{rps:.0f}", f"{ms('50%'):.2f}", f"{ms('99%'):.2f}", errors.group(1) if errors else 0)
PY
  tail -n 1 "$work/results" | awk -v r="$round" '{printf "round %s  %-5s %8s req/s  p50 %6s ms  p99 %6s ms  non-2xx %s\n", r, $1, $2, $3, $4, $5}'
}

: >"$work/results"
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then run pub "$round"; run host "$round"; else run host "$round"; run pub "$round"; fi
done

python3 - "$work/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def med(mode, i): return statistics.median(float(r[i]) for r in rows if r[0] == mode)
pub, host = med("pub", 1), med("host", 1)
print()
print(f"median  publish (default) {pub:8.0f} req/s  p50 {med('pub', 2):.2f} ms  p99 {med('pub', 3):.2f} ms")
print(f"median  host              {host:8.0f} req/s  p50 {med('host', 2):.2f} ms  p99 {med('host', 3):.2f} ms")
print(f"publish / host throughput: {pub / host:.2f}")
PY

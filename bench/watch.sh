#!/usr/bin/env bash
# A release that passes its health checks and dies after the switch, under a load that never
# retries: how many requests fail, and how long from the crash to the switch back to the warm old
# colour. ROUNDS (3) rounds; each: deploy v1 (healthy), then v2 with CRASH (default
# CRASH_AFTER_REQUESTS=1000: it dies at its 1000th request other than /health, so seconds after
# the switch however slow the machine is; CRASH=CRASH_AFTER=5s counts from its start instead, and
# on a loaded machine may fire before the switch, which the health step then catches).
#
#   bench/watch.sh                  # 3 rounds (about 3 minutes)
#   ROUNDS=5 CRASH=CRASH_AFTER_REQUESTS=3000 bench/watch.sh
#
# Load, all on 127.0.0.1 through Baton (Host: watch.localhost):
#   - wrk, 1 thread, 16 keep-alive connections, GET /      (as fast as it can; counts non-2xx and socket errors)
#   - a probe: GET /version on a new connection every 20 ms, timestamped
# Figures per round: failed wrk requests over the whole round; from the crash (the engine's "die"
# event of the v2 container) to the first probe sent after it that v1 answered (±20 ms); the
# probes that failed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"

ROUNDS="${ROUNDS:-3}"
CRASH="${CRASH:-CRASH_AFTER_REQUESTS=1000}"
REPO="127.0.0.1:5000/baton-sample-watch"   # built here from this tree, so the crash switch is in it
SERVICE=benchwatch
HOST=watch.localhost

require_dotnet
require_docker
require_command wrk wrk
require_command python3 python3

work="$(mktemp -d /tmp/baton-bench-watch.XXXXXX)"
pids=()
cleanup() {
  stop_pids "${pids[@]}"
  remove_service_containers "$SERVICE"
  [ -n "${KEEP:-}" ] && echo "work directory kept: $work" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building baton and the sample images..."
"$root/baton" --version >/dev/null
flock "$root/.build/cli.lock" cp -r "$root/.build/cli" "$work/cli"
baton() { dotnet "$work/cli/baton.dll" "$@"; }
"$root/scripts/build-sample-image.sh" "$REPO" v1 v2 >"$work/build-images.log" 2>&1 || { cat "$work/build-images.log" >&2; exit 1; }
remove_service_containers "$SERVICE"

cat >"$work/probe.py" <<'EOF'
import http.client, os, sys, time
host, port, hdr, stop, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
deadline = time.time() + limit
while not os.path.exists(stop) and time.time() < deadline:
    t = time.time(); ok = 0; body = "-"
    try:
        c = http.client.HTTPConnection(host, port, timeout=1)
        c.request("GET", "/version", headers={"Host": hdr})
        r = c.getresponse(); body = (r.read().decode()[:20].split() or ["-"])[0]; ok = 1 if 200 <= r.status < 300 else 0; c.close()
    except Exception:
        pass
    print(f"{t:.3f} {ok} {body}", flush=True)
    time.sleep(max(0, 0.02 - (time.time() - t)))
EOF

port=$(free_port); admin=$(free_port)
dotnet "$work/cli/baton.dll" server --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin" --data "$work/data" --log-level warning >"$work/baton.log" 2>&1 & server=$!
pids+=("$server")
wait_http "http://127.0.0.1:$admin/" 60 || { echo "baton did not start" >&2; cat "$work/baton.log" >&2; exit 1; }
export BATON_URL="127.0.0.1:$admin" BATON_DATA="$work/data"
yaml() {
  cat >"$work/baton.yml" <<EOF
service: $SERVICE
image: $REPO
hosts: [$HOST]
health: { interval: 200ms, passes: 1 }
drain_timeout: 5s
stop_timeout: 5s
watch: 30s
$1
EOF
  baton apply -f "$work/baton.yml" >/dev/null
}

echo "Baton $(baton --version); $(nproc) cores; $(docker version --format 'Docker {{.Server.Version}}' 2>/dev/null); crash: $CRASH"
printf '%-6s %10s %10s %12s %12s %s\n' round requests failed crash-to-ok failed-probes "deploy exit"
for round in $(seq "$ROUNDS"); do
  dir="$work/round-$round"; mkdir -p "$dir"
  yaml ""
  timeout 120 dotnet "$work/cli/baton.dll" deploy "$SERVICE" --image "$REPO:v1" >"$dir/v1.log" 2>&1 || { cat "$dir/v1.log" >&2; exit 1; }
  yaml "env: { ${CRASH%%=*}: \"${CRASH#*=}\" }"
  since=$(date +%s.%N)
  wrk -t1 -c16 -d120s --timeout 5s -H "Host: $HOST" "http://127.0.0.1:$port/" >"$dir/wrk.out" 2>&1 & wrk=$!
  python3 "$work/probe.py" 127.0.0.1 "$port" "$HOST" "$dir/stop" 120 >"$dir/probe.out" & probe=$!
  pids+=("$wrk" "$probe")
  sleep 1
  rc=0; timeout 120 dotnet "$work/cli/baton.dll" deploy "$SERVICE" --image "$REPO:v2" >"$dir/v2.log" 2>&1 || rc=$?
  sleep 1
  touch "$dir/stop"; kill -INT "$wrk" 2>/dev/null || true; wait "$wrk" "$probe" 2>/dev/null || true
  until=$(date +%s.%N)
  die=$(docker events --since "$since" --until "$until" --filter "label=baton.service=$SERVICE" --filter event=die --format '{{.TimeNano}}' | head -n 1)
  python3 - "$dir" "$die" "$round" "$rc" <<'EOF'
import re, sys
d, die, rnd, rc = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
w = open(f"{d}/wrk.out").read()
req = int(re.search(r"(\d+) requests in", w).group(1))
bad = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", w))
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", w)
if m: bad += sum(int(x) for x in m.groups())
probes = [(float(t), int(ok), v) for t, ok, v in (l.strip().split(None, 2) for l in open(f"{d}/probe.out") if l.strip())]
crash = int(die) / 1e9 if die else None
# Recovery: from the crash to the first probe (sent after it) answered by the old release.
back = next((t for t, ok, v in probes if crash and t > crash and ok and v == "v1"), None)
recovery = f"{(back - crash) * 1000:.0f} ms" if back else "n/a"
print(f"{rnd:<6} {req:>10} {bad:>10} {recovery:>12} {sum(1 for _, ok, _ in probes if not ok):>12} {rc}")
EOF
  grep -h "Rolled back after the switch\|Switched back\|did not start" "$dir/v2.log" | sed 's/^/    /' | cut -c1-220 || true
  yaml ""
done

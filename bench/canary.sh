#!/usr/bin/env bash
# A canary that errs: how fast Baton rolls it back, and what share of user requests failed.
#
#   bench/canary.sh                      # 3 rounds (about 2 minutes)
#   ROUNDS=5 FAIL_RATE=0.5 bench/canary.sh
#
# The sample app v1 is live; the service file then gives the next release FAIL_RATE (0.2: a fifth
# of its requests answer 500). Each round deploys v2 with --strategy canary (steps 5,25,50,100,
# step time 60 s, min_requests MIN_REQUESTS) under a steady non-retrying load: h2load --h1,
# CLIENTS connections, RPS requests/s each, GET /, a per-request log with start times.
# Printed per round:
#   - first error → rollback: from the first 500 a user got to the moment the router took the
#     candidate out (the deployment's "Rolling back" progress event, streamed by the admin API);
#   - the last error a user got, after the first;
#   - failed requests, of all requests in the round and of those during the canary.
# Every round is bounded (ROUND_SECONDS); the load generator stops by itself.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"

ROUNDS="${ROUNDS:-3}"
FAIL_RATE="${FAIL_RATE:-0.2}"
MIN_REQUESTS="${MIN_REQUESTS:-50}"
CLIENTS="${CLIENTS:-8}"
RPS="${RPS:-50}"                     # per client: 400 requests/s in all by default
ROUND_SECONDS="${ROUND_SECONDS:-30}"
REPO="127.0.0.1:5000/baton-sample"
SERVICE=benchcanary
HOST=canary.localhost

require_dotnet
require_docker
require_command h2load nghttp2-client
require_command curl curl
require_command python3 python3

work="$(mktemp -d /tmp/baton-bench-canary.XXXXXX)"
pids=()
KEEP="${KEEP:-}"
cleanup() {
  stop_pids "${pids[@]}"
  remove_service_containers "$SERVICE"
  if [ -n "$KEEP" ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building baton and the sample images..."
"$root/baton" --version >/dev/null
flock "$root/.build/cli.lock" cp -r "$root/.build/cli" "$work/cli"
baton() { dotnet "$work/cli/baton.dll" "$@"; }
"$root/scripts/build-sample-image.sh" "$REPO" v1 v2 >"$work/build-images.log" 2>&1 \
  || { cat "$work/build-images.log" >&2; exit 1; }
remove_service_containers "$SERVICE"
echo "Baton $(baton --version)$(git -C "$root" diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ has uncommitted changes)')"
echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

port=$(free_port); admin_port=$(free_port)
# dotnet itself, not the baton function: $! must be the server's PID for the cleanup to end it.
dotnet "$work/cli/baton.dll" server --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin_port" --listen-staging "127.0.0.1:$(free_port)" --data "$work/data" --log-level warning >"$work/baton.log" 2>&1 & server=$!
pids+=("$server")
wait_http "http://127.0.0.1:$admin_port/healthz" 60 || { echo "baton did not start" >&2; cat "$work/baton.log" >&2; exit 1; }
export BATON_URL="127.0.0.1:$admin_port" BATON_DATA="$work/data"
token="$(cat "$work/data/admin-token")"

service_file() {  # service_file [ENV_LINES]
  cat >"$work/baton.yml" <<EOF
service: $SERVICE
image: $REPO
hosts: [$HOST]
health: { interval: 200ms, passes: 1 }
drain_timeout: 5s
stop_timeout: 5s
canary:
  steps: [5, 25, 50, 100]
  step_time: 60s
  min_requests: $MIN_REQUESTS
$1
EOF
  baton apply -f "$work/baton.yml" >/dev/null
}
service_file ""
timeout 120 dotnet "$work/cli/baton.dll" deploy "$SERVICE" --image "$REPO:v1" >"$work/deploy-v1.log" 2>&1 \
  || { cat "$work/deploy-v1.log" >&2; exit 1; }
service_file "env: { FAIL_RATE: \"$FAIL_RATE\" }"
echo
echo "== Canary of a release failing $FAIL_RATE of its requests: $ROUNDS rounds, load $CLIENTS x $RPS req/s =="
printf '%-6s %-22s %-20s %-26s %-26s %s\n' round "first error→rollback" "first→last error" "failed / all requests" "failed / during canary" "deploy outcome"

for round in $(seq "$ROUNDS"); do
  dir="$work/round-$round"; mkdir -p "$dir"
  h2load --h1 -t1 -c "$CLIENTS" --rps "$RPS" -D "$ROUND_SECONDS" -H ":authority: $HOST" \
    --log-file "$dir/requests.tsv" "http://127.0.0.1:$port/" >"$dir/h2load.out" 2>&1 & load=$!
  pids+=("$load")
  sleep 3
  # The deploy through the admin API: its progress events carry the server's timestamps.
  curl -sN --max-time $((ROUND_SECONDS + 30)) -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"image\":\"$REPO:v2\",\"strategy\":\"canary\"}" \
    "http://127.0.0.1:$admin_port/api/services/$SERVICE/deploy" >"$dir/events.txt" || true
  wait "$load" || true
  python3 - "$dir" "$round" <<'EOF'
import json, sys, datetime
d, rnd = sys.argv[1], sys.argv[2]
events = []
for line in open(f"{d}/events.txt"):
    if line.startswith("data: "):
        events.append(json.loads(line[6:]))
def at(e):
    return datetime.datetime.fromisoformat(e["at"].replace("Z", "+00:00")).timestamp()
canary = next((at(e) for e in events if e["message"].startswith("Canary step 1/")), None)
rollback = next((at(e) for e in events if e["message"].startswith("Rolling back")), None)
end = at(events[-1]) if events else None
outcome = events[-1]["kind"] if events else "none"
reqs = []
for line in open(f"{d}/requests.tsv"):
    parts = line.split("\t")
    if len(parts) < 3: continue
    reqs.append((int(parts[0]) / 1e6, int(parts[1])))
failed = [t for t, s in reqs if s >= 500 or s < 0]
during = [(t, s) for t, s in reqs if canary and t >= canary and t <= (end or t)]
dfailed = [t for t, s in during if s >= 500 or s < 0]
first = min(failed) if failed else None
last = max(failed) if failed else None
def ms(x): return "-" if x is None else f"{x*1000:.0f} ms"
fr = f"{len(failed)} / {len(reqs)} ({100*len(failed)/max(1,len(reqs)):.2f} %)"
dr = f"{len(dfailed)} / {len(during)} ({100*len(dfailed)/max(1,len(during)):.2f} %)"
print(f"{rnd:<6} {ms(rollback - first if rollback and first else None):<22} {ms(last - first if first else None):<20} {fr:<26} {dr:<26} {outcome}: {events[-1]['message'][:90] if events else ''}")
json.dump({"toRollbackMs": (rollback - first) * 1000 if rollback and first else None, "failed": len(failed), "all": len(reqs),
           "duringFailed": len(dfailed), "during": len(during)}, open(f"{d}/result.json", "w"))
EOF
done
python3 - "$work" "$ROUNDS" <<'EOF'
import json, sys, statistics
w, n = sys.argv[1], int(sys.argv[2])
rs = [json.load(open(f"{w}/round-{i}/result.json")) for i in range(1, n + 1)]
t = [r["toRollbackMs"] for r in rs if r["toRollbackMs"] is not None]
f = sum(r["failed"] for r in rs); a = sum(r["all"] for r in rs)
df = sum(r["duringFailed"] for r in rs); da = sum(r["during"] for r in rs)
print()
print(f"median first error → rollback: {statistics.median(t):.0f} ms (min {min(t):.0f}, max {max(t):.0f})" if t else "no rollback measured")
print(f"failed requests: {f} of {a} ({100*f/max(1,a):.2f} %); during the canary: {df} of {da} ({100*df/max(1,da):.2f} %)")
EOF
if grep -Eiq 'fail|error|crit' "$work/baton.log"; then
  echo "baton log (warnings and errors, last 5):"; grep -Ei 'fail|error|crit' "$work/baton.log" | tail -n 5 | sed 's/^/  /'
fi

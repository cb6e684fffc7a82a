#!/usr/bin/env bash
# Docker deploys under load: DEPLOYS (20) consecutive `baton deploy`s of the sample app, v1 <-> v2
# alternating, under steady load from clients that never retry; then, in the same run, the same
# two images replaced the plain way (`docker stop` + `docker run` of the other on the same port)
# under the same load.
#
#   bench/deploy.sh                      # both phases (about 5 minutes)
#   DEPLOYS=5 bench/deploy.sh            # quicker
#   PHASES=baton bench/deploy.sh         # Baton only (PHASES=plain: the plain way only)
#
# Load during each phase, all on 127.0.0.1 (through Baton with Host: bench.localhost):
#   - wrk, 1 thread, 8 keep-alive connections, GET /             (as fast as it can)
#   - h2load --h1, 4 clients x 50 requests/s, POST /echo, 1 KB body (run in 5 s chunks)
#   - wrk, 1 thread, 8 connections, GET /slow?ms=1500             (requests that span a deploy)
#   - WebSockets to /ws one after the other, each living WS_LIFE s (shorter than the drain
#     timeout), one message every 100 ms, each echo checked
#   - a probe: GET /version on a new connection every 50 ms, for the downtime
# A failure is a non-2xx answer, a socket error (connect, read, write, timeout), an h2load
# failed request, or a WebSocket cut before its planned end. Downtime is the time from a failing
# probe to the next answering one, summed (and the longest such outage).
# Each deploy's time is split from `baton history --json`: pull/start = resolve + start,
# healthy, switch, drain, stop = stop-old; "other" is the rest (prune).
# Every phase is bounded by MAX_SECONDS; each deploy or replacement by 120 s.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"

DEPLOYS="${DEPLOYS:-20}"
PHASES="${PHASES:-baton plain}"
MAX_SECONDS="${MAX_SECONDS:-600}"    # upper bound of one phase's deploy loop
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-10s}"
WS_LIFE="${WS_LIFE:-6}"              # seconds; shorter than DRAIN_TIMEOUT
PAUSE="${PAUSE:-2}"                  # seconds of load between two deploys (both phases)
REPO="127.0.0.1:5000/baton-sample"
SERVICE=benchweb
HOST=bench.localhost

require_dotnet
require_docker
require_command wrk wrk
require_command h2load nghttp2-client
require_command curl curl
require_command python3 python3

work="$(mktemp -d /tmp/baton-bench-deploy.XXXXXX)"
pids=()
KEEP="${KEEP:-}"                     # KEEP=1 keeps the work directory (logs, load tool output)
remove_containers() {
  # Only this benchmark's containers: Baton's for the service benchweb, and bench-plain-*.
  local ids
  ids=$(docker ps -aq --filter "label=baton.service=$SERVICE"; docker ps -aq --filter "label=baton-bench=deploy")
  [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
}
cleanup() {
  stop_pids "${pids[@]}"
  remove_containers
  if [ -n "$KEEP" ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building baton, the sample images and the WebSocket probe..."
"$root/baton" --version >/dev/null
# A private copy of the build: ./baton rebuilds itself when src/ changes, and a rebuild in the
# middle of the run (others commit concurrently) would stall a deploy and mix versions.
flock "$root/.build/cli.lock" cp -r "$root/.build/cli" "$work/cli"
baton() { dotnet "$work/cli/baton.dll" "$@"; }
"$root/scripts/build-sample-image.sh" "$REPO" v1 v2 >"$work/build-images.log" 2>&1 \
  || { cat "$work/build-images.log" >&2; exit 1; }
dotnet build "$root/bench/tools/WsProbe" -c Release -o "$root/.build/wsprobe-deploy" --nologo -v q >"$work/build-wsprobe.log" 2>&1 \
  || { cat "$work/build-wsprobe.log" >&2; exit 1; }
wsprobe="$root/.build/wsprobe-deploy/wsprobe.dll"
remove_containers   # leftovers of an interrupted earlier run would collide with the new names
head -c 1024 /dev/urandom >"$work/body.bin"

# The downtime probe: one GET on a new connection every 50 ms; prints "START_TIME OK" per probe.
cat >"$work/probe.py" <<'EOF'
import http.client, os, sys, time
host, port, hdr, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
out = sys.stdout
deadline = time.time() + float(sys.argv[5])
while not os.path.exists(stop) and time.time() < deadline:
    t = time.time()
    ok = 0
    try:
        c = http.client.HTTPConnection(host, port, timeout=1)
        c.request("GET", "/version", headers={"Host": hdr})
        r = c.getresponse(); r.read()
        ok = 1 if 200 <= r.status < 300 else 0
        c.close()
    except Exception:
        pass
    out.write(f"{t:.3f} {ok}\n"); out.flush()
    time.sleep(max(0, 0.05 - (time.time() - t)))
EOF

echo "Baton $(baton --version)$(git -C "$root" diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ has uncommitted changes)')"
echo "Machine: $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MB, $(uname -r), $(docker version --format 'Docker {{.Server.Version}}' 2>/dev/null)"

# start_load DIR PORT: starts every load generator against 127.0.0.1:PORT.
start_load() {
  local dir="$1" port="$2" base="http://127.0.0.1:$2" dur=$((MAX_SECONDS + 120))
  wrk -t1 -c8 -d"${dur}s" --timeout 10s -H "Host: $HOST" "$base/" >"$dir/wrk-get.out" 2>&1 & wrk_get=$!
  wrk -t1 -c8 -d"${dur}s" --timeout 10s -H "Host: $HOST" "$base/slow?ms=1500" >"$dir/wrk-slow.out" 2>&1 & wrk_slow=$!
  pids+=("$wrk_get" "$wrk_slow")
  (
    deadline=$((SECONDS + dur))
    while [ ! -f "$dir/stop" ] && [ "$SECONDS" -lt "$deadline" ]; do
      h2load --h1 -t1 -c4 --rps=50 -D 5 -d "$work/body.bin" -H 'Content-Type: application/octet-stream' \
        -H ":authority: $HOST" "$base/echo" >>"$dir/h2load.out" 2>&1 || true
    done
  ) & h2=$!
  (
    deadline=$((SECONDS + dur))
    while [ ! -f "$dir/stop" ] && [ "$SECONDS" -lt "$deadline" ]; do
      timeout $((WS_LIFE + 30)) dotnet "$wsprobe" "ws://127.0.0.1:$port/ws" "$WS_LIFE" 100 "$HOST" >>"$dir/ws.out" 2>&1 \
        || [ -f "$dir/stop" ] || sleep 0.2
    done
  ) & ws=$!
  python3 "$work/probe.py" 127.0.0.1 "$port" "$HOST" "$dir/stop" "$dur" >"$dir/probe.out" & probe=$!
  pids+=("$h2" "$ws" "$probe")
  sleep 2
}

stop_load() {
  local dir="$1"
  sleep 2   # let the last deploy's requests finish before the load stops
  touch "$dir/stop"
  kill -INT "$wrk_get" "$wrk_slow" 2>/dev/null || true
  wait "$wrk_get" "$wrk_slow" "$h2" "$ws" "$probe" 2>/dev/null || true
}

# --- Baton --------------------------------------------------------------------------------------
if [[ " $PHASES " == *" baton "* ]]; then
  dir="$work/baton"; mkdir -p "$dir"
  baton_port=$(free_port); admin_port=$(free_port)
  dotnet "$work/cli/baton.dll" server --listen "127.0.0.1:$baton_port" --admin "127.0.0.1:$admin_port" --listen-staging "127.0.0.1:$(free_port)" \
    --data "$work/baton-data" --log-level warning >"$work/baton.log" 2>&1 & server=$!
  pids+=("$server")
  wait_http "http://127.0.0.1:$admin_port/" 60 || { echo "baton did not start" >&2; cat "$work/baton.log" >&2; exit 1; }
  export BATON_URL="127.0.0.1:$admin_port" BATON_DATA="$work/baton-data"
  cat >"$work/baton.yml" <<EOF
service: $SERVICE
image: $REPO
hosts: [$HOST]
health: { interval: 200ms }
drain_timeout: $DRAIN_TIMEOUT
stop_timeout: 10s
EOF
  baton apply -f "$work/baton.yml" >/dev/null
  timeout 120 dotnet "$work/cli/baton.dll" deploy "$SERVICE" --image "$REPO:v1" >"$dir/deploy-0.log" 2>&1 \
    || { cat "$dir/deploy-0.log" >&2; exit 1; }
  [ "$(curl -s -H "Host: $HOST" "http://127.0.0.1:$baton_port/version")" = v1 ] || { echo "baton does not route to v1" >&2; exit 1; }

  echo
  echo "== Baton: $DEPLOYS deploys under load (drain timeout $DRAIN_TIMEOUT, WebSockets of $WS_LIFE s) =="
  start_load "$dir" "$baton_port"
  started=$SECONDS
  : >"$dir/deploys.tsv"
  for i in $(seq "$DEPLOYS"); do
    [ $((SECONDS - started)) -ge "$MAX_SECONDS" ] && { echo "stopping: $MAX_SECONDS s bound reached" >&2; break; }
    tag=v2; [ $((i % 2)) -eq 0 ] && tag=v1
    t0=$(date +%s.%N); rc=0
    timeout 120 dotnet "$work/cli/baton.dll" deploy "$SERVICE" --image "$REPO:$tag" >"$dir/deploy-$i.log" 2>&1 || rc=$?
    printf '%s\t%s\t%s\t%s\n' "$i" "$tag" "$rc" "$(echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}')" >>"$dir/deploys.tsv"
    [ "$rc" -eq 0 ] || { echo "  deploy $i ($tag) failed (exit $rc):" >&2; tail -n 5 "$dir/deploy-$i.log" >&2; }
    [ $((i % 5)) -eq 0 ] && echo "  $i deploys ($((SECONDS - started)) s)"
    sleep "$PAUSE"
  done
  stop_load "$dir"
  baton history "$SERVICE" --json --limit 200 >"$dir/history.json"
  if grep -Eiq 'warn|fail|error|crit' "$work/baton.log"; then
    echo "  baton log (warnings and errors):"; grep -Ei 'warn|fail|error|crit' "$work/baton.log" | tail -n 20 | sed 's/^/    /'
  fi
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  remove_containers
fi

# --- the plain way: docker stop + docker run on the same port ------------------------------------
if [[ " $PHASES " == *" plain "* ]]; then
  dir="$work/plain"; mkdir -p "$dir"
  plain_port=$(free_port)
  plain_run() {  # plain_run N TAG
    timeout 60 docker run -d --name "bench-plain-$1" --label baton-bench=deploy --network host \
      -e PORT="$plain_port" -e BIND=127.0.0.1 "$REPO:$2" >/dev/null
  }
  wait_ready() {  # until /health answers 200, at most 60 s
    local i=0
    while [ "$i" -lt 1200 ]; do
      [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$plain_port/health")" = 200 ] && return 0
      sleep 0.05; i=$((i + 1))
    done
    return 1
  }
  plain_run 0 v1
  wait_ready || { echo "the plain container did not start" >&2; docker logs bench-plain-0 >&2; exit 1; }

  echo
  echo "== plain: $DEPLOYS replacements (docker stop + docker run) under load =="
  start_load "$dir" "$plain_port"
  started=$SECONDS
  : >"$dir/deploys.tsv"
  for i in $(seq "$DEPLOYS"); do
    [ $((SECONDS - started)) -ge "$MAX_SECONDS" ] && { echo "stopping: $MAX_SECONDS s bound reached" >&2; break; }
    tag=v2; [ $((i % 2)) -eq 0 ] && tag=v1
    t0=$(date +%s.%N); rc=0
    timeout 60 docker stop "bench-plain-$((i - 1))" >/dev/null || rc=$?
    t1=$(date +%s.%N)
    plain_run "$i" "$tag" || rc=$?
    t2=$(date +%s.%N)
    wait_ready || rc=$?
    t3=$(date +%s.%N)
    docker rm "bench-plain-$((i - 1))" >/dev/null 2>&1 || true
    printf '%s\t%s\t%s\t%s\n' "$i" "$tag" "$rc" "$(echo "$t0 $t1 $t2 $t3" | awk '{printf "%.2f\t%.2f\t%.2f\t%.2f", $2 - $1, $3 - $2, $4 - $3, $4 - $1}')" >>"$dir/deploys.tsv"
    [ "$rc" -eq 0 ] || echo "  replacement $i ($tag) failed (exit $rc)" >&2
    [ $((i % 5)) -eq 0 ] && echo "  $i replacements ($((SECONDS - started)) s)"
    sleep "$PAUSE"
  done
  stop_load "$dir"
  remove_containers
fi

echo
echo "Results ($(date -u +%Y-%m-%d)):"
python3 - "$work" "$DEPLOYS" <<'EOF'
import json, os, re, sys, statistics
from datetime import datetime
work, deploys = sys.argv[1], int(sys.argv[2])

def wrk(path):
    t = open(path).read() if os.path.exists(path) else ""
    m = re.search(r"(\d+) requests in", t); total = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    sock = [int(x) for x in m.groups()] if m else [0, 0, 0, 0]
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t); non = int(m.group(1)) if m else 0
    return total, non, sock

def load(d):
    r = {}
    r["get"] = wrk(f"{d}/wrk-get.out"); r["slow"] = wrk(f"{d}/wrk-slow.out")
    t = open(f"{d}/h2load.out").read() if os.path.exists(f"{d}/h2load.out") else ""
    done = failed = 0
    for m in re.finditer(r"requests: \d+ total, \d+ started, (\d+) done, \d+ succeeded, (\d+) failed", t):
        done += int(m.group(1)); failed += int(m.group(2))
    r["post"] = (done, failed)
    lines = [l for l in open(f"{d}/ws.out")] if os.path.exists(f"{d}/ws.out") else []
    ws_ok = sum("cut: no" in l for l in lines); ws_cut = sum("cut: yes" in l for l in lines)
    r["ws"] = (ws_ok + ws_cut, ws_cut, [l.strip() for l in lines if "cut: yes" in l])
    probes = [l.split() for l in open(f"{d}/probe.out")] if os.path.exists(f"{d}/probe.out") else []
    probes = [(float(a), b == "1") for a, b in probes]
    outages, start = [], None
    for t0, ok in probes:
        if not ok and start is None: start = t0
        if ok and start is not None: outages.append(t0 - start); start = None
    if start is not None and probes: outages.append(probes[-1][0] - start)
    r["probe"] = (len(probes), sum(not ok for _, ok in probes), outages)
    g, s, p, w = r["get"], r["slow"], r["post"], r["ws"]
    r["failed"] = g[1] + sum(g[2]) + s[1] + sum(s[2]) + p[1] + w[1]
    r["total"] = g[0] + s[0] + p[0] + w[0]
    return r

def med(xs): return statistics.median(xs) if xs else 0.0
def f(x): return f"{x:6.2f}"

results = {}
b = f"{work}/baton"
if os.path.exists(f"{b}/history.json"):
    results["baton"] = load(b)
    h = json.load(open(f"{b}/history.json"))["deployments"]
    h = sorted((d for d in h if d["kind"] == "deploy"), key=lambda d: d["id"])[1:]  # the first one only starts v1
    print(f"Baton: {len(h)} deploys (seconds, from `baton history --json`)")
    print(f"{'#':>3} {'image':>5} {'outcome':>10} {'pull/start':>10} {'healthy':>8} {'switch':>7} {'drain':>7} {'stop':>7} {'other':>7} {'total':>7}")
    cols = {k: [] for k in ["ps", "healthy", "switch", "drain", "stop", "other", "total"]}
    for n, d in enumerate(h, 1):
        s = {}
        for st in d["steps"]: s[st["name"]] = s.get(st["name"], 0) + st["seconds"]
        ps = s.get("resolve", 0) + s.get("start", 0)
        other = sum(v for k, v in s.items() if k not in ("resolve", "start", "healthy", "switch", "drain", "stop-old"))
        total = (datetime.fromisoformat(d["finishedAt"]) - datetime.fromisoformat(d["startedAt"])).total_seconds() if d.get("finishedAt") else sum(s.values())
        row = dict(ps=ps, healthy=s.get("healthy", 0), switch=s.get("switch", 0), drain=s.get("drain", 0), stop=s.get("stop-old", 0), other=other, total=total)
        for k, v in row.items(): cols[k].append(v)
        print(f"{n:>3} {d['image'].rsplit(':', 1)[-1]:>5} {d['outcome']:>10} {f(ps):>10} {f(row['healthy']):>8} {f(row['switch']):>7} {f(row['drain']):>7} {f(row['stop']):>7} {f(other):>7} {f(total):>7}")
    print(f"{'median':>20} {f(med(cols['ps'])):>10} {f(med(cols['healthy'])):>8} {f(med(cols['switch'])):>7} {f(med(cols['drain'])):>7} {f(med(cols['stop'])):>7} {f(med(cols['other'])):>7} {f(med(cols['total'])):>7}")
    print(f"{'max':>20} {f(max(cols['ps'], default=0)):>10} {f(max(cols['healthy'], default=0)):>8} {f(max(cols['switch'], default=0)):>7} {f(max(cols['drain'], default=0)):>7} {f(max(cols['stop'], default=0)):>7} {f(max(cols['other'], default=0)):>7} {f(max(cols['total'], default=0)):>7}")
    rows = [l.split("\t") for l in open(f"{b}/deploys.tsv")]
    print(f"deploys that exited non-zero: {sum(r[2] != '0' for r in rows)} of {len(rows)}")
    print()

p = f"{work}/plain"
if os.path.exists(f"{p}/deploys.tsv"):
    results["plain"] = load(p)
    rows = [l.rstrip("\n").split("\t") for l in open(f"{p}/deploys.tsv")]
    print(f"plain: {len(rows)} replacements (seconds: docker stop, docker run, until /health answers, total)")
    print(f"{'#':>3} {'image':>5} {'rc':>3} {'stop':>7} {'run':>7} {'ready':>7} {'total':>7}")
    for r in rows:
        print(f"{r[0]:>3} {r[1]:>5} {r[2]:>3} {float(r[3]):7.2f} {float(r[4]):7.2f} {float(r[5]):7.2f} {float(r[6]):7.2f}")
    print(f"{'median':>13} {med([float(r[3]) for r in rows]):7.2f} {med([float(r[4]) for r in rows]):7.2f} {med([float(r[5]) for r in rows]):7.2f} {med([float(r[6]) for r in rows]):7.2f}")
    print()

print(f"{'':<7}{'requests':>10}{'FAILED':>8}{'downtime s':>11}{'outages':>8}{'longest s':>10}  detail")
for name, r in results.items():
    g, s, po, w, pr = r["get"], r["slow"], r["post"], r["ws"], r["probe"]
    outages = pr[2]
    print(f"{name:<7}{r['total']:>10}{r['failed']:>8}{sum(outages):>11.2f}{len(outages):>8}{max(outages, default=0):>10.2f}  "
          f"GET {g[0]} (non-2xx {g[1]}, socket errors c/r/w/t {','.join(map(str, g[2]))}); "
          f"slow {s[0]} (non-2xx {s[1]}, socket {','.join(map(str, s[2]))}); "
          f"POST {po[0]} (failed {po[1]}); WebSockets {w[0]} (cut {w[1]}); probes {pr[0]} (failed {pr[1]})")
for name, r in results.items():
    for l in r["ws"][2][:3]: print(f"  {name} {l}")
EOF

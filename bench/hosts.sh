#!/usr/bin/env bash
# Several hosts under load: DEPLOYS (10) `baton deploy`s of the sample image, v1 -> v2 -> v3 -> v1 …,
# across two app servers (the seed's layout: blue on app1, green on app2) and two router hosts
# (r1, r2) beside the controller's own router, under non-retrying load on every router. Prints each
# deploy's time (the wall clock of `baton deploy`) and the skew between the routers' switches (the
# deploy's "Switched on 3 routers at once (…); skew at most N ms"), their medians and maxima, and
# the failed requests per router; the last line reads `failed requests: N of M`.
#
#   bench/hosts.sh                     # 10 deploys (about 7 minutes)
#   DEPLOYS=4 bench/hosts.sh           # quicker
#   KEEP=1 bench/hosts.sh              # keep the work directory: logs, wrk output, each deploy's output
#                                      # (deploy-N.log, each line stamped with the seconds since it began)
#
# The hosts (scripts/hosts-lib.sh; must run as root), all on one lab bridge bt-br-N (10.200.N.1):
#   - app1 10.200.N.2, app2 10.200.N.3: network namespaces, each with its own Docker engine (no
#     bridge: the service runs in `target: {mode: host}`, the app binding the port Baton gives on
#     its server's address) and its own sshd; the controller's key runs only `baton host --config`;
#   - r1 10.200.N.4, r2 10.200.N.5: network namespaces with an sshd and `baton router run` started
#     inside the namespace (nsenter --net), public listener on ADDRESS:80, staging on ADDRESS:8081;
#     the controller's key runs only `baton router link --data DIR`;
#   - the controller, `baton server`, in the root namespace on free 127.0.0.1 ports (its own router
#     is the third router every switch lands on: "local").
# Load, from the root namespace: on each of the three routers' public listeners, with the service's
# Host header, `wrk -t1 -cCONNECTIONS` GET /version (kept-alive, as fast as it goes) and `wrk -t1
# -c2` GET /slow?ms=1000 (requests in flight across each switch). Nothing retries. A failure is a
# non-2xx answer or a socket error (connect, read, write, timeout); M counts every request wrk
# completed plus those socket errors. The load is bounded (MAX_SECONDS + 120 s) and each deploy
# by 180 s. Every process is ended by its PID and the lab removed (lab_down) on exit, Ctrl-C or error.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/hosts-lib.sh
. "$root/scripts/hosts-lib.sh"

DEPLOYS="${DEPLOYS:-10}"
MAX_SECONDS="${MAX_SECONDS:-900}"    # upper bound of the deploy loop
CONNECTIONS="${CONNECTIONS:-4}"      # wrk GET /version connections per router
WATCH="${WATCH:-5s}"                 # the service's watch after each switch (baton.yml `watch:`)
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-5s}"
PAUSE="${PAUSE:-1}"                  # seconds of load between two deploys
REPO="127.0.0.1:5000/baton-sample"
TAGS=(v1 v2 v3)
SERVICE=hostsweb
HOST=hosts.localhost

[ "$(id -u)" = 0 ] || { echo "error: bench/hosts.sh makes network namespaces and engines: run it as root" >&2; exit 1; }
require_dotnet
require_docker
require_sshd
require_command wrk wrk
require_command curl curl
require_command python3 python3

work="$(mktemp -d /tmp/baton-bench-hosts.XXXXXX)"
pids=()
lab=""
KEEP="${KEEP:-}"
cleanup() {
  local status=$?
  [ "${#pids[@]}" -eq 0 ] || stop_pids "${pids[@]}"
  [ -z "$lab" ] || lab_down "$lab"
  if [ -n "$KEEP" ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
  return "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building baton and the sample images..."
"$root/baton" --version >/dev/null
# A private copy of the build: ./baton rebuilds itself when src/ changes, and a rebuild in the
# middle of the run would stall a deploy and mix versions (the forced commands run this copy too).
flock "$root/.build/cli.lock" cp -r "$root/.build/cli" "$work/cli"
dll="$work/cli/baton.dll"
dotnet_bin="$(readlink -f "$(command -v dotnet)")"   # sshd's PATH is short: forced commands name it in full
baton() { dotnet "$dll" "$@"; }
missing=()
for tag in "${TAGS[@]}"; do docker image inspect "$REPO:$tag" >/dev/null 2>&1 || missing+=("$tag"); done
if [ "${#missing[@]}" -gt 0 ]; then
  "$root/scripts/build-sample-image.sh" "$REPO" "${missing[@]}" >"$work/build-images.log" 2>&1 \
    || { cat "$work/build-images.log" >&2; exit 1; }
fi

echo "Baton $(baton --version)$(git -C "$root" diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ has uncommitted changes)')"
echo "Machine: $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MB, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the lab: app1, app2 (engine + sshd), r1, r2 (sshd) -----------------------------------------
lab_reap >/dev/null 2>&1 || true     # only labs whose owner process is gone
lab="$(lab_up)"
echo "Lab $lab: app1 10.200.$lab.2, app2 10.200.$lab.3, r1 10.200.$lab.4, r2 10.200.$lab.5 (bridge bt-br-$lab)..."
host_up "$lab" app1 2 docker sshd >"$work/app1.info"
host_up "$lab" app2 3 docker sshd >"$work/app2.info"
host_up "$lab" r1 4 sshd >"$work/r1.info"
host_up "$lab" r2 5 sshd >"$work/r2.info"
info() { sed -n "s/^$2=//p" "$work/$1.info"; }
host_load_image "$lab" app1 "${TAGS[@]/#/$REPO:}" &
load1=$!
host_load_image "$lab" app2 "${TAGS[@]/#/$REPO:}"
wait "$load1"

# --- the router hosts: baton router run inside each namespace -----------------------------------
for r in r1 r2; do
  addr="$(info "$r" address)"
  mkdir -p "$work/$r"
  nsenter --net="$(info "$r" netns_path)" -- dotnet "$dll" router run --listen "$addr:80" \
    --listen-staging "$addr:8081" --staging-allow "10.200.$lab.0/24" --data "$work/$r" \
    --shutdown-timeout 5s --log-level warning >"$work/$r.log" 2>&1 </dev/null &
  pids+=($!)
done
for r in r1 r2; do
  for _ in $(seq 300); do grep -q 'Baton router is running' "$work/$r.log" && break; sleep 0.1; done
  grep -q 'Baton router is running' "$work/$r.log" || { echo "error: baton router run on $r did not start" >&2; cat "$work/$r.log" >&2; exit 1; }
done

# --- the controller ---------------------------------------------------------------------------
public_port=$(free_port); admin_port=$(free_port); staging_port=$(free_port)
dotnet "$dll" server --listen "127.0.0.1:$public_port" --admin "127.0.0.1:$admin_port" \
  --listen-staging "127.0.0.1:$staging_port" --data "$work/controller" --log-level warning >"$work/controller.log" 2>&1 </dev/null &
pids+=($!)
wait_http "http://127.0.0.1:$admin_port/" 60 || { echo "error: baton server did not start" >&2; cat "$work/controller.log" >&2; exit 1; }
export BATON_URL="127.0.0.1:$admin_port" BATON_DATA="$work/controller"
unset BATON_TOKEN

# authorize NAME OUTPUT_FILE: installs the authorized_keys line `baton host|router add` printed.
authorize() {
  local line
  line="$(grep -E '^command="[^"]*",restrict ' "$2" | head -n1)"
  [ -n "$line" ] || { echo "error: no authorized_keys line in the output of adding $1:" >&2; cat "$2" >&2; exit 1; }
  echo "$line" >>"$(info "$1" ssh_authorized_keys)"
}
for h in app1 app2; do
  cat >"$work/$h.yml" <<EOF
name: $h
docker: $(info "$h" docker_socket)
address: $(info "$h" address)
services: [$SERVICE]
images: [$REPO]
networks: [host]
EOF
  baton host add "$h" --ssh "root@$(info "$h" address)" --command "$dotnet_bin $dll host --config $work/$h.yml" >"$work/$h.add" 2>&1 \
    || { cat "$work/$h.add" >&2; exit 1; }
  authorize "$h" "$work/$h.add"
  baton host check "$h" >"$work/$h.check" 2>&1 || { echo "error: baton host check $h failed" >&2; cat "$work/$h.check" >&2; exit 1; }
done
for r in r1 r2; do
  baton router add "$r" --ssh "root@$(info "$r" address)" --command "$dotnet_bin $dll router link --data $work/$r" >"$work/$r.add" 2>&1 \
    || { cat "$work/$r.add" >&2; exit 1; }
  authorize "$r" "$work/$r.add"
  baton router check "$r" >"$work/$r.check" 2>&1 || { echo "error: baton router check $r failed" >&2; cat "$work/$r.check" >&2; exit 1; }
done

cat >"$work/baton.yml" <<EOF
service: $SERVICE
image: $REPO
hosts: [$HOST]
servers:
  blue: [app1]
  green: [app2]
target:
  mode: host
health:
  interval: 200ms
  timeout: 2s
drain_timeout: $DRAIN_TIMEOUT
stop_timeout: 5s
watch: $WATCH
EOF
baton apply -f "$work/baton.yml" >"$work/apply.log" 2>&1 || { cat "$work/apply.log" >&2; exit 1; }

# The routers' public listeners: name and URL.
routers=(local r1 r2)
declare -A url=([local]="http://127.0.0.1:$public_port" [r1]="http://$(info r1 address):80" [r2]="http://$(info r2 address):80")
versions() { local r; for r in "${routers[@]}"; do printf '%s ' "$(curl -s -m 5 -H "Host: $HOST" "${url[$r]}/version" || echo '?')"; done; }

timeout 180 dotnet "$dll" deploy "$SERVICE" --image "$REPO:v1" >"$work/deploy-0.log" 2>&1 \
  || { echo "error: the first deploy (v1) failed:" >&2; cat "$work/deploy-0.log" >&2; exit 1; }
[ "$(versions)" = "v1 v1 v1 " ] || { echo "error: the routers do not all serve v1: $(versions)" >&2; exit 1; }
echo "v1 live on app1, served by local, r1 and r2"

# stamp: each line of the deploy's output prefixed with the seconds since the deploy started (in
# deploy-N.log: where its wall clock goes, beside the steps' own times).
stamp() { python3 -u -c 'import sys, time
t = time.monotonic()
for line in sys.stdin: sys.stdout.write(f"{time.monotonic() - t:7.2f} {line}")'; }

# --- DEPLOYS deploys under load on every router --------------------------------------------------
dur=$((MAX_SECONDS + 120))
declare -A wrk_get wrk_slow
for r in "${routers[@]}"; do
  mkdir -p "$work/load/$r"
  wrk -t1 -c"$CONNECTIONS" -d"${dur}s" --timeout 10s -H "Host: $HOST" "${url[$r]}/version" >"$work/load/$r/wrk-get.out" 2>&1 &
  wrk_get[$r]=$!; pids+=($!)
  wrk -t1 -c2 -d"${dur}s" --timeout 10s -H "Host: $HOST" "${url[$r]}/slow?ms=1000" >"$work/load/$r/wrk-slow.out" 2>&1 &
  wrk_slow[$r]=$!; pids+=($!)
done
sleep 2

echo
echo "== $DEPLOYS deploys under load on 3 routers (watch $WATCH, drain timeout $DRAIN_TIMEOUT) =="
printf '%3s %5s %4s %8s %9s  %-40s %s\n' '#' image exit seconds 'skew ms' 'each router acknowledged (after the first)' 'routers serve'
: >"$work/deploys.tsv"
started=$SECONDS
for i in $(seq "$DEPLOYS"); do
  [ $((SECONDS - started)) -ge "$MAX_SECONDS" ] && { echo "stopping: $MAX_SECONDS s bound reached" >&2; break; }
  tag="${TAGS[$((i % 3))]}"
  t0=$(date +%s.%N); rc=0
  timeout 180 dotnet "$dll" deploy "$SERVICE" --image "$REPO:$tag" 2>&1 | stamp >"$work/deploy-$i.log" || rc=$?
  seconds="$(echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}')"
  skew="$(grep -oE 'skew at most [0-9]+ ms' "$work/deploy-$i.log" | tail -n1 | grep -oE '[0-9]+' || true)"
  each="$(grep -oE 'Switched on [0-9]+ routers at once \([^)]*\)' "$work/deploy-$i.log" | tail -n1 | sed -E 's/.*\((.*)\)/\1/' || true)"
  served="$(versions)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$tag" "$rc" "$seconds" "${skew:--}" "$served" >>"$work/deploys.tsv"
  printf '%3s %5s %4s %8s %9s  %-40s %s\n' "$i" "$tag" "$rc" "$seconds" "${skew:--}" "${each:--}" "$served"
  [ "$rc" -eq 0 ] || { echo "  deploy $i ($tag) failed (exit $rc):" >&2; tail -n 5 "$work/deploy-$i.log" | sed 's/^/    /' >&2; }
  sleep "$PAUSE"
done
sleep 2   # the last deploy's requests finish before the load stops
for r in "${routers[@]}"; do kill -INT "${wrk_get[$r]}" "${wrk_slow[$r]}" 2>/dev/null || true; done
for r in "${routers[@]}"; do wait "${wrk_get[$r]}" "${wrk_slow[$r]}" 2>/dev/null || true; done

if grep -Eiq 'warn|fail|error|crit|exception' "$work/controller.log" "$work/r1.log" "$work/r2.log"; then
  echo
  echo "logs (warnings and errors):"
  grep -EiH 'warn|fail|error|crit|exception' "$work/controller.log" "$work/r1.log" "$work/r2.log" | sed "s|$work/||" | tail -n 20 | sed 's/^/  /'
fi

echo
echo "Results ($(date -u +%Y-%m-%d)):"
python3 - "$work" "${routers[@]}" <<'EOF'
import re, statistics, sys
work, routers = sys.argv[1], sys.argv[2:]
rows = [l.rstrip("\n").split("\t") for l in open(f"{work}/deploys.tsv") if l.strip()]
times = [float(r[3]) for r in rows]
skews = [int(r[4]) for r in rows if r[4] != "-"]
bad = [r for r in rows if r[2] != "0"]
def stat(xs, fmt):
    return f"median {fmt.format(statistics.median(xs))}, max {fmt.format(max(xs))}" if xs else "none"
print(f"deploys: {len(rows) - len(bad)} of {len(rows)} exited 0; "
      f"routers all serving the deployed image after each: {sum(r[5].split() == [r[1]] * len(routers) for r in rows)} of {len(rows)}")
print(f"deploy time (s): {stat(times, '{:.2f}')}")
print(f"switch skew (ms, first commit sent to last acknowledged): {stat(skews, '{:.0f}')} ({len(skews)} switches)")

def wrk(path):
    t = open(path).read()
    m = re.search(r"(\d+) requests in", t); done = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    sock = [int(x) for x in m.groups()] if m else [0, 0, 0, 0]
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t); non = int(m.group(1)) if m else 0
    if not m and done == 0: raise SystemExit(f"no wrk summary in {path}:\n{t}")
    return done, non, sock

total = failed = 0
for r in routers:
    g, s = wrk(f"{work}/load/{r}/wrk-get.out"), wrk(f"{work}/load/{r}/wrk-slow.out")
    n = g[0] + sum(g[2]) + s[0] + sum(s[2])
    f = g[1] + sum(g[2]) + s[1] + sum(s[2])
    total += n; failed += f
    print(f"router {r:<5}: {f} failed of {n}  (GET /version {g[0]}, non-2xx {g[1]}, socket errors c/r/w/t {','.join(map(str, g[2]))}; "
          f"GET /slow {s[0]}, non-2xx {s[1]}, socket errors {','.join(map(str, s[2]))})")
print(f"failed requests: {failed} of {total}")
EOF

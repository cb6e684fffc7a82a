#!/usr/bin/env bash
# The main job, end to end: build Baton, make sure a Docker engine runs, build the sample
# app's images v1 and v2 offline and push them to a local registry, start baton server, deploy v1,
# then deploy v2 under live load
# and print how many requests failed. Leaves everything running; `./demo.sh stop` stops what
# the demo started (the server and the demo's containers).
# `./demo.sh compose` does the same for samples/compose/docker-compose.yml: its dependency runs
# under docker-compose, its web service is applied from the compose file and deployed by Baton.
#
# Environment: BATON_LISTEN (default 127.0.0.1:8080), BATON_ADMIN (default 127.0.0.1:9000),
# BATON_STAGING (the staging listener, default 127.0.0.1:8081), DEMO_SECONDS (load duration, default 15).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
source "$root/scripts/lib.sh"

state="$root/.build/demo"
mkdir -p "$state"

stop_demo() {
  for f in "$state"/*.pid; do
    [ -f "$f" ] || continue
    pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
    rm -f "$f"
  done
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    docker ps -aq --filter label=baton.service=web --filter label=demo=baton | xargs -r docker rm -f >/dev/null
    if [ -f "$state/compose/docker-compose.yml" ] && command -v docker-compose >/dev/null 2>&1; then
      docker-compose --project-directory "$state/compose" -f "$state/compose/docker-compose.yml" down --remove-orphans >/dev/null 2>&1 || true
    fi
  fi
}

mode="${1:-}"
if [ "$mode" = "stop" ]; then
  stop_demo
  echo "Demo stopped."
  exit 0
fi

# A packaged baton of this commit (scripts/package.sh) needs no SDK; the sample app's images need
# one only while they are not built yet (scripts/build-sample-image.sh).
packaged="$(packaged_baton "$root")"
[ -n "$packaged" ] || require_dotnet
require_command wrk wrk
require_command curl curl
require_docker
require_registry
[ "$mode" != compose ] || require_command docker-compose docker-compose

# A previous demo's processes are ours: stop them so the ports are free again.
stop_demo

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
listen="${BATON_LISTEN:-127.0.0.1:8080}"
admin="${BATON_ADMIN:-127.0.0.1:9000}"
staging="${BATON_STAGING:-127.0.0.1:8081}"
if ! port_free "${listen##*:}"; then listen="127.0.0.1:$(free_port)"; echo "Port ${BATON_LISTEN:-8080} is busy; the router listens on $listen instead."; fi
if ! port_free "${admin##*:}"; then admin="127.0.0.1:$(free_port)"; echo "Port ${BATON_ADMIN:-9000} is busy; the admin API listens on $admin instead."; fi
if ! port_free "${staging##*:}"; then staging="127.0.0.1:$(free_port)"; echo "Port ${BATON_STAGING:-8081} is busy; the staging listener listens on $staging instead."; fi

if [ -n "$packaged" ]; then
  echo "==> Using the packaged $("$packaged" --version) (dist/baton)"
else
  echo "==> Building Baton (Release)"
  ./baton --help >/dev/null
fi

echo "==> Building the sample app's images v1 and v2 (offline)"
scripts/build-sample-image.sh 127.0.0.1:5000/baton-sample v1 v2
# In the local registry too, so `baton tags web` and the web page's tag picker list them.
push_images 127.0.0.1:5000/baton-sample:v1 127.0.0.1:5000/baton-sample:v2

echo "==> Starting baton server (public $listen, staging $staging, admin $admin)"
data="$state/data"
nohup ./baton server --listen "$listen" --listen-staging "$staging" --admin "$admin" --data "$data" --log-level warning >"$state/server.log" 2>&1 &
echo $! >"$state/server.pid"
export BATON_URL="$admin" BATON_DATA="$data"
if ! wait_http "http://$admin/healthz" 60; then
  echo "error: baton server did not start; see $state/server.log" >&2
  tail -n 20 "$state/server.log" >&2
  exit 1
fi

port="${listen##*:}"
if [ "$mode" = compose ]; then
  host=compose.localhost
  # The demo's containers carry one more label, so `./demo.sh stop` removes only them.
  mkdir -p "$state/compose"
  awk '{print} /^  web:$/ {print "    labels: { demo: baton }"}' samples/compose/docker-compose.yml >"$state/compose/docker-compose.yml"
  echo "==> Starting the compose project's dependency (docker-compose up -d quotes)"
  docker-compose --project-directory "$state/compose" -f "$state/compose/docker-compose.yml" up -d quotes
  ./baton apply -f "$state/compose/docker-compose.yml"
else
  host=app.localhost
  cp samples/baton.yml "$state/baton.yml"
  printf 'labels:\n  demo: baton\n' >>"$state/baton.yml"
  ./baton apply -f "$state/baton.yml"
fi
app="http://$host:$port"

echo "==> Deploying v1"
./baton deploy web --image 127.0.0.1:5000/baton-sample:v1
echo "    $app/version answers: $(curl -s -H "Host: $host" "http://$listen/version")"

seconds="${DEMO_SECONDS:-15}"
echo "==> Deploying v2 while wrk sends traffic for ${seconds}s (4 connections, no retries)"
wrk -t2 -c4 -d"${seconds}s" --latency -H "Host: $host" "http://$listen/" >"$state/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 2
./baton deploy web --image 127.0.0.1:5000/baton-sample:v2
wait "$wrk_pid" || true

total="$(awk '/requests in/ {print $1}' "$state/wrk.txt")"
non2xx="$(awk -F': ' '/Non-2xx or 3xx responses/ {print $2}' "$state/wrk.txt")"
socket="$(awk '/Socket errors/ {gsub(",", ""); print $4+$6+$8+$10}' "$state/wrk.txt")"
failed=$(( ${non2xx:-0} + ${socket:-0} ))
echo
echo "Requests during the deploy: ${total:-0}"
echo "Failed requests: $failed"
echo
echo "Baton is still running. Open $app/ (the sample app, now $(curl -s -H "Host: $host" "http://$listen/version"))."
echo "  http://blue.$host:${staging##*:}/ and http://green.$host:${staging##*:}/ reach each colour (on the staging listener)"
[ "$mode" != compose ] || echo "  $app/dependency answers: $(curl -s -H "Host: $host" "http://$listen/dependency") (web reaching quotes by name)"
echo "The web page: http://$admin/  (user admin, password in $data/admin-password)"
echo "  export BATON_URL=$admin BATON_DATA=$data"
echo "  ./baton status            pools, targets and request counts"
echo "  ./baton history web       deployments, steps and timings"
echo "  ./baton tags web          the image's tags in the local registry (127.0.0.1:5000)"
echo "  ./baton rollback web      back to v1, instantly (its container is kept)"
echo "  curl http://$admin/metrics -H \"Authorization: Bearer \$(cat $data/admin-token)\""
echo "  ./demo.sh stop            stop the demo"
[ "$failed" -eq 0 ]

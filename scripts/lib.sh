# Shared by demo.sh, test.sh and bench/: make sure what Baton needs is installed and running.
# Each function installs only when the thing is missing and reuses it when it is there.

apt_updated=""
apt_install() {
  # Installs Debian packages by name; apt-get update runs once per script.
  if [ -z "$apt_updated" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# packaged_baton ROOT: prints ROOT/dist/baton when scripts/package.sh built it from the current
# commit (dist/baton.commit is HEAD) and no source file changed since; prints nothing otherwise
# (no package, another commit, edited sources, no git, or BATON_FROM_SOURCE=1). ./baton and
# ./demo.sh then need no SDK.
packaged_baton() {
  local root="$1" packaged="$1/dist/baton" head
  [ -z "${BATON_FROM_SOURCE:-}" ] || return 0
  [ -x "$packaged" ] && [ -f "$root/dist/baton.commit" ] || return 0
  head="$(git -C "$root" rev-parse HEAD 2>/dev/null)" || return 0
  [ "$head" = "$(cat "$root/dist/baton.commit")" ] || return 0
  [ -z "$(find "$root/src" "$root/Directory.Build.props" "$root/Directory.Packages.props" -newer "$packaged" -type f \
          \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.html' -o -name '*.js' -o -name '*.css' \) -print -quit 2>/dev/null)" ] || return 0
  echo "$packaged"
}

require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET 10 SDK (dotnet) is not on PATH; install it first." >&2
    exit 1
  fi
}

# require_command COMMAND PACKAGE: installs PACKAGE when COMMAND is missing.
require_command() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "Installing $2..."
  apt_install "$2" || { echo "error: could not install $2" >&2; return 1; }
}

# require_sshd: Debian's openssh-server (sshd; ssh and ssh-keygen come with it) for the test hosts
# of scripts/hosts-lib.sh, without its system sshd: apt starts the package's service unless
# /usr/sbin/policy-rc.d forbids it, so one that does is in place for the install when there is none.
require_sshd() {
  [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 && return 0
  local policy=/usr/sbin/policy-rc.d made="" status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# Put here by require_sshd (scripts/lib.sh) for one install: start no service.\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made=1
  fi
  echo "Installing openssh-server..."
  apt_install openssh-server openssh-client || status=1
  [ -z "$made" ] || rm -f "$policy"
  [ "$status" -eq 0 ] || { echo "error: could not install openssh-server" >&2; return 1; }
}

# require_systemd_analyze: systemd-analyze, from Debian's systemd package, for the test of the
# unit files in packaging/ (tests/Baton.Packaging.Tests). Where systemd is not PID 1 the package
# installs without starting anything; a policy-rc.d that forbids starting services is in place
# for the install all the same, as for require_sshd.
require_systemd_analyze() {
  command -v systemd-analyze >/dev/null 2>&1 && return 0
  local policy=/usr/sbin/policy-rc.d made="" status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# Put here by require_systemd_analyze (scripts/lib.sh) for one install: start no service.\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made=1
  fi
  echo "Installing systemd (for systemd-analyze)..."
  apt_install systemd || status=1
  [ -z "$made" ] || rm -f "$policy"
  [ "$status" -eq 0 ] || { echo "error: could not install systemd (systemd-analyze)" >&2; return 1; }
}

# free_port: prints a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $(( 20000 + RANDOM % 20000 ))
}

# stop_pids PID...: ends processes this script started: SIGTERM to all, up to 5 s each to exit, then SIGKILL.
stop_pids() {
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

# wait_http URL [SECONDS]: waits until URL answers (any status).
wait_http() {
  local url="$1" limit="${2:-30}" i=0
  while [ "$i" -lt $((limit * 10)) ]; do
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

# --- Docker engine (used by tests/Baton.Docker.Tests) ---------------------------------------
# There is no systemd on our machines, so dockerd is started by hand. An engine that already
# answers is always reused: starting a second daemon would fight the first over the socket.

# require_docker: makes sure a Docker engine answers `docker info`; installs docker.io and starts dockerd if not.
require_docker() {
  # The Docker tests build their image from a static busybox; test.sh calls only require_docker.
  require_busybox || return 1
  docker info >/dev/null 2>&1 && return 0
  require_command dockerd docker.io || return 1
  # docker.io ships its own CLI; /usr/local/bin/docker may already be there and is fine too.
  if docker info >/dev/null 2>&1; then return 0; fi
  if [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    # A dockerd is still starting (another script started it): wait for it rather than start a second one.
    echo "Waiting for the running dockerd to answer..."
  else
    # A pid file left by a daemon that is gone makes the next dockerd refuse to start.
    rm -f /var/run/docker.pid
    echo "Starting dockerd (log: /tmp/dockerd.log)..."
    # Its default bridge (where Baton's default target mode puts containers) and the networks it
    # makes without a subnet take addresses inside 10.200.0.0/16, the range this project's tests keep to.
    dockerd --bip 10.200.254.1/24 --default-address-pool base=10.200.192.0/19,size=24 >/tmp/dockerd.log 2>&1 &
  fi
  local i=0
  while [ "$i" -lt 60 ]; do
    docker info >/dev/null 2>&1 && return 0
    sleep 1; i=$((i + 1))
  done
  echo "error: dockerd did not answer within 60 s; see /tmp/dockerd.log" >&2
  return 1
}

# require_busybox: the static busybox (/bin/busybox) that the Docker tests import as their test image,
# since no image can be pulled from the internet here.
require_busybox() {
  dpkg -s busybox-static >/dev/null 2>&1 && return 0
  echo "Installing busybox-static..."
  apt_install busybox-static || { echo "error: could not install busybox-static" >&2; return 1; }
}

# --- Image registry (the sample images are pushed to it; the web page's tag picker lists them) --

# require_registry: makes sure a registry answers http://127.0.0.1:5000/v2/; installs Debian's
# docker-registry when missing and starts one (storage under ~/.cache or /tmp, PID in a file,
# log in /tmp/baton-registry.log). A registry that already answers there is reused.
require_registry() {
  local url="http://127.0.0.1:5000/v2/"
  curl -s -o /dev/null --max-time 2 "$url" && return 0
  require_command curl curl || return 1
  if ! command -v docker-registry >/dev/null 2>&1; then
    echo "Installing docker-registry..."
    apt_install docker-registry || { echo "error: could not install docker-registry" >&2; return 1; }
  fi
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/baton-registry"
  mkdir -p "$dir/storage" 2>/dev/null || { dir="/tmp/baton-registry-$(id -u)"; mkdir -p "$dir/storage"; }
  cat >"$dir/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
CONFIG
  echo "Starting docker-registry on 127.0.0.1:5000 (log: /tmp/baton-registry.log)..."
  setsid docker-registry serve "$dir/config.yml" >/tmp/baton-registry.log 2>&1 </dev/null &
  echo $! >"$dir/registry.pid"
  if ! wait_http "$url" 30; then
    echo "error: docker-registry did not answer on 127.0.0.1:5000 within 30 s; see /tmp/baton-registry.log" >&2
    return 1
  fi
}

# push_images IMAGE...: pushes local images to their registry (quietly; the first failure stops).
push_images() {
  local image
  for image in "$@"; do
    docker push -q "$image" >/dev/null || { echo "error: docker push $image failed" >&2; return 1; }
  done
}

# --- Browser (used by tests/Baton.BrowserTests) --------------------------------------------------
# Debian's Chromium, driven by Playwright; Playwright's own browser download is never used.

# require_chromium: makes sure /usr/bin/chromium exists; installs Debian's chromium if not.
require_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  echo "Installing chromium..."
  apt_install chromium || { echo "error: could not install chromium" >&2; return 1; }
}

# require_pebble: Debian's pebble, the ACME test server the automatic-HTTPS tests issue certificates
# from (tests/Baton.Acme.Tests, the functional TLS test). The tests start their own pebble on 127.0.0.1.
require_pebble() {
  [ -x /usr/bin/pebble ] && return 0
  echo "Installing pebble..."
  apt_install pebble || { echo "error: could not install pebble" >&2; return 1; }
}

# remove_service_containers SERVICE: removes every container Baton made for SERVICE (by its label).
remove_service_containers() {
  local ids
  ids=$(docker ps -aq --filter "label=baton.service=$1")
  [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
}

# Test hosts on one machine: a "lab" is a bridge in the root network namespace (bt-br-N, with the
# router's address 10.200.N.1/24) and hosts on it, each a network namespace (bt-N-NAME) joined to
# the bridge by a veth pair (root end bt-N-INDEX, namespace end eth0 = 10.200.N.INDEX/24, default
# route via 10.200.N.1), optionally with a Docker engine and an sshd of its own running inside it.
#
# Sourced by scripts, benches and tests (tests/Baton.Hosts.Tests/Infrastructure drives it); safe
# under `set -euo pipefail`. Everything a lab makes carries its number N in its name and lives
# under $BT_LABS_DIR/N (engines' data, sockets, PID files, sshd config and keys), whose `owner`
# file names the process that owns the lab (BT_LAB_OWNER, else the sourcing shell's $$) and its
# start time. lab_reap removes labs whose owner is gone; a lab whose owner lives is never touched,
# nor anything whose name does not match this file's patterns.
#
#   N=$(lab_up)                      # a free lab number in 10..63 (lock-protected), bridge up
#   host_up "$N" app1 2 docker sshd  # prints address=, netns=, docker_socket=, ssh_* lines
#   host_load_image "$N" app1 IMAGE  # docker save (main engine) | docker load (app1's engine)
#   host_exec "$N" app1 CMD...       # runs CMD in app1's network namespace
#   lab_down "$N"                    # stops and removes all of it; lab_leftovers "$N" checks
#
# Addresses: labs take 10.200.N.0/24 with N in 0..63 (picked from 10..63); networks a lab engine creates take
# 10.200.(64+N).0/24 (inside its own namespace only). The main engine keeps 10.200.192.0/19 and
# 10.200.254.0/24 (scripts/lib.sh).

# shellcheck source=scripts/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

BT_LABS_DIR="${BT_LABS_DIR:-/tmp/bt-labs}"
BT_LAB_FIRST=10
BT_LAB_LAST=63

# --- internals -------------------------------------------------------------------------------

_bt_err() { echo "error: $*" >&2; return 1; }

# _bt_owner_id PID: "PID STARTTIME" (start time in clock ticks since boot), so that a reused PID
# is not taken for the owner it replaced; empty when the process is gone.
_bt_owner_id() {
  local pid="$1" stat
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $stat
  printf '%s %s\n' "$pid" "${20}"
}

# _bt_owner_alive DIR: the owner recorded in DIR/owner still runs (same PID and start time).
_bt_owner_alive() {
  local recorded pid
  recorded="$(cat "$1/owner" 2>/dev/null)" || return 1
  pid="${recorded%% *}"
  [ -n "$pid" ] && [ "$(_bt_owner_id "$pid")" = "$recorded" ] && _bt_alive "$pid"
}

# Lab numbers: lab_up picks from 10..63; 0..9 are only ever taken by name (`lab_up 0` gives the
# addresses of issue 14's walk-through: router 10.200.0.1, app1 10.200.0.2, app2 10.200.0.3).
_bt_check_n() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] && [ "$1" -le "$BT_LAB_LAST" ] && [ "$1" = "$((10#$1))" ] \
    || _bt_err "lab number '${1:-}' is not in 0..$BT_LAB_LAST"
}

_bt_check_name() {
  [[ "${1:-}" =~ ^[a-z][a-z0-9]{0,15}$ ]] || _bt_err "host name '${1:-}' must be 1-16 lower-case letters and digits, starting with a letter"
}

_bt_check_index() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] && [ "$1" -ge 2 ] && [ "$1" -le 254 ] || _bt_err "host index '${1:-}' is not in 2..254"
}

# _bt_locked CMD...: runs CMD with the labs' lock held (one allocation or claim at a time).
_bt_locked() {
  mkdir -p "$BT_LABS_DIR"
  (
    flock -w 60 9 || { echo "error: could not lock $BT_LABS_DIR/.lock" >&2; exit 1; }
    "$@"
  ) 9>"$BT_LABS_DIR/.lock"
}

_bt_require() {
  require_command ip iproute2 || return 1
  require_command nsenter util-linux || return 1
  require_command flock util-linux || return 1
  require_command iptables iptables || return 1
}

# _bt_alive PID: PID runs. A zombie does not count: daemons here (sshd, a dockerd whose starting
# shell is gone) are children of PID 1, which may take seconds to reap them.
_bt_alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat:0:1}" != Z ]
}

# _bt_wait_gone PID SECONDS: waits for PID to exit; SIGKILL after SECONDS.
_bt_wait_gone() {
  local pid="$1" limit="$2" i=0
  while _bt_alive "$pid" && [ "$i" -lt $((limit * 20)) ]; do sleep 0.05; i=$((i + 1)); done
  if _bt_alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  i=0
  while _bt_alive "$pid" && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
  return 0
}

# _bt_stop_pidfile FILE SECONDS: SIGTERM to the process FILE names (if it runs), then waits.
_bt_stop_pidfile() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 0
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill "$pid" 2>/dev/null || return 0
  _bt_wait_gone "$pid" "$2"
}

_bt_host_dir() { echo "$BT_LABS_DIR/$1/hosts/$2"; }
_bt_netns() { echo "bt-$1-$2"; }
_bt_veth() { echo "bt-$1-$2"; }
_bt_bridge() { echo "bt-br-$1"; }

# _bt_host_field N NAME FIELD: one value recorded by host_up.
_bt_host_field() {
  local dir
  dir="$(_bt_host_dir "$1" "$2")"
  [ -f "$dir/info" ] || _bt_err "lab $1 has no host '$2'" || return 1
  sed -n "s/^$3=//p" "$dir/info"
}

# --- labs ------------------------------------------------------------------------------------

_bt_claim_free() {
  local owner="$1" n
  for n in $(seq "$BT_LAB_FIRST" "$BT_LAB_LAST"); do
    [ -e "$BT_LABS_DIR/$n" ] && continue
    ip link show "$(_bt_bridge "$n")" >/dev/null 2>&1 && continue
    ip -o addr show to "10.200.$n.0/24" 2>/dev/null | grep -q . && continue
    mkdir -p "$BT_LABS_DIR/$n/hosts"
    echo "$owner" >"$BT_LABS_DIR/$n/owner"
    echo "$n"
    return 0
  done
  echo "error: every lab number in $BT_LAB_FIRST..$BT_LAB_LAST is taken" >&2
  return 1
}

_bt_claim() {
  local n="$1" owner="$2" dir="$BT_LABS_DIR/$1"
  if [ -e "$dir" ]; then
    [ "$(cat "$dir/owner" 2>/dev/null)" = "$owner" ] && return 0
    echo "error: lab $n is taken (owner: $(cat "$dir/owner" 2>/dev/null || echo unknown))" >&2
    return 1
  fi
  ip link show "$(_bt_bridge "$n")" >/dev/null 2>&1 && { echo "error: lab $n's bridge exists without its folder" >&2; return 1; }
  mkdir -p "$dir/hosts"
  echo "$owner" >"$dir/owner"
}

# lab_owner: the owner recorded for labs made by this shell: BT_LAB_OWNER's process, else $$.
lab_owner() { _bt_owner_id "${BT_LAB_OWNER:-$$}"; }

# lab_up [N]: claims lab N (or a free one in 10..63) for lab_owner and brings up its bridge
# bt-br-N with 10.200.N.1/24; prints N.
lab_up() {
  _bt_require || return 1
  local owner n bridge
  owner="$(lab_owner)"
  [ -n "$owner" ] || _bt_err "the lab owner process ${BT_LAB_OWNER:-$$} does not run" || return 1
  if [ $# -ge 1 ]; then
    _bt_check_n "$1" || return 1
    n="$1"
    _bt_locked _bt_claim "$n" "$owner" || return 1
  else
    n="$(_bt_locked _bt_claim_free "$owner")" || return 1
  fi
  bridge="$(_bt_bridge "$n")"
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge || return 1
    ip addr add "10.200.$n.1/24" dev "$bridge" || return 1
    ip link set "$bridge" up || return 1
  fi
  # With br_netfilter loaded (the main engine loads it), frames between two ports of a bridge go
  # through iptables' FORWARD chain, whose policy the main engine sets to DROP: let this lab's
  # hosts reach each other. The rule names only this lab's bridge and goes with it.
  if ! iptables -C FORWARD -i "$bridge" -o "$bridge" -m comment --comment "$bridge" -j ACCEPT 2>/dev/null; then
    iptables -I FORWARD -i "$bridge" -o "$bridge" -m comment --comment "$bridge" -j ACCEPT || return 1
  fi
  echo "$n"
}

# lab_down N: removes everything lab N made, whoever made it: per host its sshd and Docker engine
# (by PID, waiting for them to exit), whatever else still runs in its namespace, mounts under its
# folder (the engine's netns/default among them), the namespace and veth; then the bridge, the
# FORWARD rule and the folder. Safe to run twice.
# lab_down N check: the same, and before it gives the number up (the folder is its claim) it prints
# what of the lab is still there, one line each, and fails if anything is: once the folder is gone,
# another process may claim N and make a bridge of the same name, which a check after would blame
# on this lab.
lab_down() {
  _bt_check_n "${1:-}" || return 1
  local n="$1" dir="$BT_LABS_DIR/$1" name ns bridge check="${2:-}" left=""
  bridge="$(_bt_bridge "$n")"
  # The hosts go down side by side: an engine takes a second or two to stop its containers.
  # (wait names its jobs: a script that sources this may have background jobs of its own.)
  if [ -d "$dir/hosts" ]; then
    local jobs=()
    for name in $(ls "$dir/hosts"); do _bt_host_down "$n" "$name" & jobs+=($!); done
    [ "${#jobs[@]}" -eq 0 ] || wait "${jobs[@]}" || true
  fi
  # Namespaces and veths of this lab with no folder (a host_up killed half-way).
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^bt-$n-[a-z][a-z0-9]*$" || true); do
    _bt_netns_down "$ns"
  done
  for ns in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^bt-$n-[0-9]+$" || true); do
    ip link del "$ns" 2>/dev/null || true
  done
  _bt_umount_under "$dir"
  while iptables -D FORWARD -i "$bridge" -o "$bridge" -m comment --comment "$bridge" -j ACCEPT 2>/dev/null; do :; done
  ip link del "$bridge" 2>/dev/null || true
  if [ "$check" = check ]; then
    left="$(_bt_leftovers "$n" | grep -v '^folder ' || true)"
    if [ -n "$left" ]; then echo "$left"; return 1; fi
    rm -rf --one-file-system "$dir" || { echo "folder $dir"; return 1; }
    return 0
  fi
  rm -rf --one-file-system "$dir"
}

# _bt_umount_under DIR: unmounts every mount point under DIR, deepest first.
_bt_umount_under() {
  local dir="$1" mp
  [ -n "$dir" ] || return 0
  for mp in $(awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true
  done
}

# _bt_netns_down NS: ends every process still in namespace NS, then deletes it.
_bt_netns_down() {
  local ns="$1" pid pids
  pids="$(ip netns pids "$ns" 2>/dev/null || true)"
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  for pid in $pids; do _bt_wait_gone "$pid" 5; done
  ip netns del "$ns" 2>/dev/null || true
}

_bt_host_down() {
  local n="$1" name="$2" dir index
  dir="$(_bt_host_dir "$n" "$name")"
  index="$(cat "$dir/index" 2>/dev/null || true)"
  _bt_stop_pidfile "$dir/sshd.pid" 5 &
  local sshd_stop=$!
  _bt_docker_stop "$n" "$name"
  wait "$sshd_stop" || true
  _bt_netns_down "$(_bt_netns "$n" "$name")"
  [ -z "$index" ] || ip link del "$(_bt_veth "$n" "$index")" 2>/dev/null || true
  _bt_umount_under "$dir"
}

# lab_reap: removes the labs (and stray objects named like a lab's) whose owner no longer runs,
# e.g. left by a test run that was killed. A lab whose owner runs is left alone.
lab_reap() {
  mkdir -p "$BT_LABS_DIR"
  local dir n reaped
  reaped="$(_bt_locked _bt_claim_stale "$(lab_owner)")" || return 1
  for n in $reaped; do
    echo "Removing lab $n, left by a process that is gone..." >&2
    lab_down "$n"
  done
  # Bridges, namespaces and veths named like a lab's whose lab folder does not exist: a lab's
  # folder is made (under the lock) before any of them and removed after all of them.
  for n in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | sed -n 's/^bt-br-\([0-9]\+\)$/\1/p'); do
    [ -e "$BT_LABS_DIR/$n" ] || { echo "Removing stray bridge bt-br-$n..." >&2; lab_down "$n"; }
  done
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | sed -n 's/^bt-\([0-9]\+\)-[a-z][a-z0-9]*$/\1/p' | sort -u); do
    [ -e "$BT_LABS_DIR/$n" ] || { echo "Removing stray namespaces of lab $n..." >&2; lab_down "$n"; }
  done
}

_bt_claim_stale() {
  local me="$1" dir
  for dir in "$BT_LABS_DIR"/*/; do
    dir="${dir%/}"
    [[ "$(basename "$dir")" =~ ^[0-9]+$ ]] || continue
    _bt_owner_alive "$dir" && continue
    # Take it over, so that a second reaper leaves it to this one.
    echo "$me" >"$dir/owner"
    basename "$dir"
  done
}

# lab_leftovers N: prints what of lab N still exists (namespaces, links, processes, mounts,
# FORWARD rule, folder), one line each; returns 1 when anything does.
lab_leftovers() {
  _bt_check_n "${1:-}" || return 1
  local out
  out="$(_bt_leftovers "$1")"
  [ -z "$out" ] && return 0
  echo "$out"
  return 1
}

_bt_leftovers() {
  local n="$1" dir="$BT_LABS_DIR/$1" out=""
  out+="$(ip netns list 2>/dev/null | awk '{print "netns " $1}' | grep -E "^netns bt-$n-" || true)"$'\n'
  out+="$(ip -o link show 2>/dev/null | awk -F': ' '{print "link " $2}' | sed 's/@.*//' | grep -E "^link bt-($n-|br-$n$)" || true)"$'\n'
  out+="$(awk -v d="$dir/" 'index($5, d) == 1 {print "mount " $5}' /proc/self/mountinfo)"$'\n'
  out+="$(ps -eo pid=,args= | grep -F "$dir/" | grep -v grep | awk '{print "process " $0}' || true)"$'\n'
  out+="$(iptables -S FORWARD 2>/dev/null | grep -E -- "-i bt-br-$n " | sed 's/^/rule /' || true)"$'\n'
  [ -e "$dir" ] && out+="folder $dir"$'\n'
  grep -v '^$' <<<"$out" || true
}

# --- hosts -----------------------------------------------------------------------------------

# host_up N NAME INDEX [docker] [sshd]: a namespace bt-N-NAME at 10.200.N.INDEX on lab N's bridge;
# with `docker` an engine of its own inside, with `sshd` an sshd of its own on 10.200.N.INDEX:22.
# Prints what it made as KEY=VALUE lines (host_info prints them again).
host_up() {
  _bt_check_n "${1:-}" && _bt_check_name "${2:-}" && _bt_check_index "${3:-}" || return 1
  local n="$1" name="$2" index="$3" docker="" sshd="" word
  shift 3
  for word in "$@"; do
    case "$word" in
      docker) docker=1 ;;
      sshd) sshd=1 ;;
      *) _bt_err "host_up: unknown option '$word' (docker, sshd)"; return 1 ;;
    esac
  done
  [ -d "$BT_LABS_DIR/$n/hosts" ] || _bt_err "lab $n is not up (lab_up $n)" || return 1
  local dir ns veth address
  dir="$(_bt_host_dir "$n" "$name")"
  ns="$(_bt_netns "$n" "$name")"
  veth="$(_bt_veth "$n" "$index")"
  address="10.200.$n.$index"
  [ ! -e "$dir" ] || _bt_err "lab $n already has a host '$name'" || return 1
  ! ip link show "$veth" >/dev/null 2>&1 || _bt_err "index $index is taken in lab $n ($veth exists)" || return 1
  mkdir -p "$dir"
  echo "$index" >"$dir/index"

  ip netns add "$ns" || return 1
  ip link add "$veth" type veth peer name "${veth}p" || return 1
  ip link set "${veth}p" netns "$ns" || return 1
  ip link set "$veth" master "$(_bt_bridge "$n")" up || return 1
  ip -n "$ns" link set "${veth}p" name eth0 || return 1
  ip -n "$ns" addr add "$address/24" dev eth0 || return 1
  ip -n "$ns" link set lo up || return 1
  ip -n "$ns" link set eth0 up || return 1
  ip -n "$ns" route add default via "10.200.$n.1" || return 1
  {
    echo "name=$name"
    echo "address=$address"
    echo "netns=$ns"
    echo "netns_path=/var/run/netns/$ns"
    echo "veth=$veth"
    echo "dir=$dir"
  } >"$dir/info"

  if [ -n "$docker" ]; then _bt_docker_up "$n" "$name" || return 1; fi
  if [ -n "$sshd" ]; then _bt_sshd_up "$n" "$name" || return 1; fi
  cat "$dir/info"
}

# host_info N NAME: the KEY=VALUE lines host_up printed.
host_info() {
  local dir
  dir="$(_bt_host_dir "$1" "$2")"
  [ -f "$dir/info" ] || _bt_err "lab $1 has no host '$2'" || return 1
  cat "$dir/info"
}

# host_exec N NAME CMD...: runs CMD in the host's network namespace (nsenter --net only, so the
# mounts, files and processes are the root namespace's).
host_exec() {
  local ns
  ns="$(_bt_host_field "$1" "$2" netns)" || return 1
  shift 2
  nsenter --net="/var/run/netns/$ns" -- "$@"
}

# host_down N NAME: removes one host (engine, sshd, namespace, veth, folder).
host_down() {
  _bt_check_n "${1:-}" && _bt_check_name "${2:-}" || return 1
  _bt_host_down "$1" "$2"
  rm -rf --one-file-system "$(_bt_host_dir "$1" "$2")"
}

# host_link N NAME up|down: plugs or unplugs the host's cable (the bridge side of its veth).
host_link() {
  local veth
  veth="$(_bt_host_field "$1" "$2" veth)" || return 1
  case "${3:-}" in
    up|down) ip link set "$veth" "$3" ;;
    *) _bt_err "host_link: up or down, not '${3:-}'" ;;
  esac
}

# --- a Docker engine per host ----------------------------------------------------------------
# dockerd runs in the host's namespace through nsenter --net (ip netns exec's private mounts hide
# the cgroups). With no system containerd socket (/run/containerd/containerd.sock), dockerd starts
# a containerd of its own under its --exec-root, as a child in the same namespace; so each lab
# engine has its own containerd, and its containers (host networking) are in the host's namespace.
# A system containerd would be shared by every engine and start containers from the root
# namespace, so then each engine gets a containerd started here, in its namespace (BT_LAB_CONTAINERD=own
# does that always). The containerd namespace is the host's netns name either way.

_bt_docker_up() {
  local n="$1" name="$2" dir ns sock args i pid
  require_command dockerd docker.io || return 1
  dir="$(_bt_host_dir "$n" "$name")"
  ns="$(_bt_netns "$n" "$name")"
  sock="$dir/docker.sock"
  mkdir -p "$dir/docker" "$dir/run"
  echo '{}' >"$dir/daemon.json"
  args=(--config-file "$dir/daemon.json" --data-root "$dir/docker" --exec-root "$dir/run"
    --pidfile "$dir/docker.pid" -H "unix://$sock"
    --bridge none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false
    --default-address-pool "base=10.200.$((64 + n)).0/24,size=26"
    --containerd-namespace "$ns" --containerd-plugins-namespace "$ns-plugins")
  if [ -S /run/containerd/containerd.sock ] || [ "${BT_LAB_CONTAINERD:-}" = own ]; then
    _bt_containerd_up "$n" "$name" || return 1
    args+=(--containerd "$dir/containerd/containerd.sock")
  fi
  nsenter --net="/var/run/netns/$ns" -- dockerd "${args[@]}" >"$dir/dockerd.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/dockerd.pid"
  i=0
  until docker -H "unix://$sock" version >/dev/null 2>&1; do
    if ! _bt_alive "$pid" || [ "$i" -ge 600 ]; then
      tail -n 20 "$dir/dockerd.log" >&2
      _bt_err "the engine of $name (lab $n) did not answer on $sock; see $dir/dockerd.log"
      return 1
    fi
    sleep 0.1; i=$((i + 1))
  done
  {
    echo "docker_socket=$sock"
    echo "docker_host=unix://$sock"
    echo "docker_pid=$pid"
  } >>"$dir/info"
}

# _bt_containerd_up N NAME: a containerd for the host's engine, in its namespace.
_bt_containerd_up() {
  local n="$1" name="$2" dir ns i
  require_command containerd containerd || return 1
  dir="$(_bt_host_dir "$n" "$name")"
  ns="$(_bt_netns "$n" "$name")"
  mkdir -p "$dir/containerd/root" "$dir/containerd/state"
  cat >"$dir/containerd/config.toml" <<EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd/containerd.sock"
[ttrpc]
  address = "$dir/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
EOF
  nsenter --net="/var/run/netns/$ns" -- containerd --config "$dir/containerd/config.toml" \
    >"$dir/containerd.log" 2>&1 </dev/null &
  echo $! >"$dir/containerd.pid"
  i=0
  until [ -S "$dir/containerd/containerd.sock" ]; do
    [ "$i" -lt 300 ] || { _bt_err "containerd of $name (lab $n) did not start; see $dir/containerd.log"; return 1; }
    sleep 0.1; i=$((i + 1))
  done
}

# _bt_docker_stop N NAME: stops the host's engine (its containers stop with it) and waits.
_bt_docker_stop() {
  local dir
  dir="$(_bt_host_dir "$1" "$2")"
  _bt_stop_pidfile "$dir/dockerd.pid" 20
  _bt_stop_pidfile "$dir/containerd.pid" 10
  _bt_stop_pidfile "$dir/run/containerd/containerd.pid" 10
  rm -f "$dir/docker.pid"
  _bt_umount_under "$dir/run"
}

# host_docker_stop N NAME / host_docker_start N NAME: stops or starts again the host's engine
# (same data, same socket), for fault tests.
host_docker_stop() { _bt_host_field "$1" "$2" docker_socket >/dev/null || return 1; _bt_docker_stop "$1" "$2"; }
host_docker_start() {
  local dir
  dir="$(_bt_host_dir "$1" "$2")"
  _bt_host_field "$1" "$2" docker_socket | grep -q . || _bt_err "host $2 of lab $1 has no engine" || return 1
  sed -i '/^docker_/d' "$dir/info"
  _bt_docker_up "$1" "$2"
}

# host_docker N NAME ARGS...: the docker CLI against the host's engine.
host_docker() {
  local sock
  sock="$(_bt_host_field "$1" "$2" docker_socket)" || return 1
  [ -n "$sock" ] || _bt_err "host $2 of lab $1 has no engine" || return 1
  shift 2
  docker -H "unix://$sock" "$@"
}

# host_load_image N NAME IMAGE...: copies images from the main engine into the host's engine.
host_load_image() {
  local n="$1" name="$2"
  shift 2
  host_docker "$n" "$name" version >/dev/null || return 1
  docker save "$@" | host_docker "$n" "$name" load -q >/dev/null
}

# --- an sshd per host ------------------------------------------------------------------------

_bt_sshd_up() {
  local n="$1" name="$2" dir ns address i
  require_sshd || return 1
  dir="$(_bt_host_dir "$n" "$name")"
  ns="$(_bt_netns "$n" "$name")"
  address="$(_bt_host_field "$n" "$name" address)"
  mkdir -p "$dir/ssh" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -C "$name.lab$n" -f "$dir/ssh/host_ed25519_key" || return 1
  : >"$dir/ssh/authorized_keys"
  chmod 600 "$dir/ssh/authorized_keys"
  cat >"$dir/ssh/sshd_config" <<EOF
ListenAddress $address:22
HostKey $dir/ssh/host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin forced-commands-only
StrictModes no
PermitUserEnvironment no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
EOF
  # -e: the log goes to the file, not to syslog (there is none).
  nsenter --net="/var/run/netns/$ns" -- /usr/sbin/sshd -f "$dir/ssh/sshd_config" -E "$dir/sshd.log" || {
    cat "$dir/sshd.log" >&2 2>/dev/null; _bt_err "sshd of $name (lab $n) did not start"; return 1; }
  i=0
  until [ -s "$dir/sshd.pid" ] && timeout 1 bash -c "exec 3<>/dev/tcp/$address/22" 2>/dev/null; do
    [ "$i" -lt 100 ] || { _bt_err "sshd of $name (lab $n) does not answer on $address:22; see $dir/sshd.log"; return 1; }
    sleep 0.1; i=$((i + 1))
  done
  {
    echo "ssh_port=22"
    echo "ssh_pid=$(cat "$dir/sshd.pid")"
    echo "ssh_host_key=$(cut -d' ' -f1,2 "$dir/ssh/host_ed25519_key.pub")"
    echo "ssh_fingerprint=$(ssh-keygen -l -E sha256 -f "$dir/ssh/host_ed25519_key.pub" | awk '{print $2}')"
    echo "ssh_authorized_keys=$dir/ssh/authorized_keys"
    echo "ssh_log=$dir/sshd.log"
  } >>"$dir/info"
}

# host_sshd_stop N NAME / host_sshd_start N NAME: stops or starts again the host's sshd.
host_sshd_stop() { _bt_stop_pidfile "$(_bt_host_dir "$1" "$2")/sshd.pid" 5; }
host_sshd_start() {
  local dir ns
  dir="$(_bt_host_dir "$1" "$2")"
  ns="$(_bt_host_field "$1" "$2" netns)" || return 1
  [ -f "$dir/ssh/sshd_config" ] || _bt_err "host $2 of lab $1 has no sshd" || return 1
  nsenter --net="/var/run/netns/$ns" -- /usr/sbin/sshd -f "$dir/ssh/sshd_config" -E "$dir/sshd.log"
  sed -i "s/^ssh_pid=.*/ssh_pid=$(cat "$dir/sshd.pid")/" "$dir/info"
}

# Run as a program, it runs one function: `scripts/hosts-lib.sh lab_reap`, `scripts/hosts-lib.sh
# lab_down 12`. (A lab made that way is owned by that short-lived process unless BT_LAB_OWNER says.)
if ! (return 0 2>/dev/null); then
  set -euo pipefail
  "$@"
fi

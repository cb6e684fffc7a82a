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

# free_port: prints a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $(( 20000 + RANDOM % 20000 ))
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

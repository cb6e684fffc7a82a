#!/usr/bin/env bash
# Builds images of the sample app offline (no registry needed): a self-contained .NET publish
# on top of a scratch image holding the host's C runtime libraries and a static busybox.
# Usage: scripts/build-sample-image.sh [REPOSITORY] [TAG...]   (default: 127.0.0.1:5000/baton-sample v1 v2)
# The default repository names a registry on loopback, so a pull of an unknown tag never leaves the machine.
# Each image's VERSION environment variable is its tag, so /version tells releases apart.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib.sh"
require_docker
repo="${1:-127.0.0.1:5000/baton-sample}"
shift || true
tags=("$@")
[ "${#tags[@]}" -gt 0 ] || tags=(v1 v2)

ctx="$root/.build/sample-image"
stamp="$ctx/.published"
if [ ! -f "$stamp" ] || [ "${BASH_SOURCE[0]}" -nt "$stamp" ] \
  || [ -n "$(find "$root/samples/SampleApp" -newer "$stamp" -type f \( -name '*.cs' -o -name '*.csproj' \) -print -quit)" ]; then
  require_dotnet
  echo "Publishing the sample app (self-contained, linux-x64)..."
  rm -rf "$ctx"
  mkdir -p "$ctx/rootfs/lib/x86_64-linux-gnu" "$ctx/rootfs/lib64" "$ctx/rootfs/bin" "$ctx/rootfs/tmp"
  dotnet publish "$root/samples/SampleApp/SampleApp.csproj" -c Release -r linux-x64 --self-contained \
    -p:InvariantGlobalization=true -o "$ctx/app" --nologo -v quiet -clp:ErrorsOnly >/dev/null
  # libssl/libcrypto: .NET's crypto (SHA-1 of the WebSocket handshake) aborts the process without them.
  for lib in libc.so.6 libdl.so.2 libgcc_s.so.1 libm.so.6 libpthread.so.0 librt.so.1 libstdc++.so.6 libssl.so.3 libcrypto.so.3; do
    cp -L "/lib/x86_64-linux-gnu/$lib" "$ctx/rootfs/lib/x86_64-linux-gnu/$lib" 2>/dev/null \
      || cp -L "/usr/lib/x86_64-linux-gnu/$lib" "$ctx/rootfs/lib/x86_64-linux-gnu/$lib"
  done
  cp -L /lib64/ld-linux-x86-64.so.2 "$ctx/rootfs/lib64/"
  cp /bin/busybox "$ctx/rootfs/bin/busybox"
  for applet in sh cat ls sleep echo wget; do ln -sf busybox "$ctx/rootfs/bin/$applet"; done
  chmod 1777 "$ctx/rootfs/tmp"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
COPY app/ /app/
ARG VERSION=v1
ENV VERSION=$VERSION DOTNET_gcServer=0 DOTNET_GCHeapHardLimit=0x10000000 PORT=8080 BIND=0.0.0.0
EXPOSE 8080
ENTRYPOINT ["/app/SampleApp"]
DOCKERFILE
  touch "$stamp"
fi

for tag in "${tags[@]}"; do
  DOCKER_BUILDKIT=0 docker build -q --build-arg "VERSION=$tag" -t "$repo:$tag" "$ctx" >/dev/null 2>"$ctx/build-$tag.log" \
    || { cat "$ctx/build-$tag.log" >&2; echo "error: building $repo:$tag failed" >&2; exit 1; }
  echo "Built $repo:$tag"
done

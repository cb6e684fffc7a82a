#!/usr/bin/env bash
# Builds Baton's packages into dist/ (docs/packaging.md):
#   dist/baton                              one self-contained file for linux-x64: no .NET needed where it runs
#   dist/baton-VERSION-linux-x64.tar.gz     that file, README.md, docs/ and the systemd units of packaging/
#   dist/baton-VERSION-linux-arm64.tar.gz   the same for 64-bit ARM (--no-arm64: not built)
#   baton:VERSION (a Docker image)          built offline, as the sample app's: `baton server`, data on /var/lib/baton
# and prints their sizes. Usage: scripts/package.sh [--out DIR] [--no-image] [--no-arm64]
# The libraries are built (or found up to date) as for ./test.sh; only the CLI is built again, per
# RID (its obj/Release/net10.0/RID), and bundled.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib.sh"

out="$root/dist"
image=1
rids=(linux-x64 linux-arm64)
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || { echo "error: --out needs a folder" >&2; exit 2; }; out="$2"; shift 2 ;;
    --no-image) image=""; shift ;;
    --no-arm64) rids=(linux-x64); shift ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument '$1'; usage: scripts/package.sh [--out DIR] [--no-image] [--no-arm64]" >&2; exit 2 ;;
  esac
done
require_dotnet
[ -z "$image" ] || require_docker
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$root/.build/package"
mkdir -p "$work"

# The commit the binary is built from: the SDK embeds it (SourceRevisionId) from git; stamped beside
# the binary too, so ./baton and ./demo.sh can tell whether dist/baton is the current commit's.
commit="$(git -C "$root" rev-parse HEAD 2>/dev/null || true)"
if [ -n "$commit" ] && [ -n "$(git -C "$root" status --porcelain -- src Directory.Build.props Directory.Packages.props 2>/dev/null)" ]; then
  echo "warning: src/ has uncommitted changes; the package holds them but names commit ${commit:0:12}." >&2
fi

# publish RID: one self-contained file in $work/publish-RID/baton.
publish() {
  local rid="$1" start=$SECONDS extra
  echo "==> Publishing baton ($rid, self-contained, one file)"
  rm -rf "$work/publish-$rid"
  # BatonSingleFile: PublishSingleFile, SelfContained and IncludeNativeLibrariesForSelfExtract (SQLite's
  # native library rides inside the file and is unpacked once, at first start, under
  # DOTNET_BUNDLE_EXTRACT_BASE_DIR, default ~/.net), set in Baton.Cli.csproj alone.
  # Not trimmed: ASP.NET Core, YARP and the JSON contracts rely on reflection that trimming breaks.
  if ! dotnet publish "$root/src/Baton.Cli/Baton.Cli.csproj" -c Release -r "$rid" -p:BatonSingleFile=true \
       -o "$work/publish-$rid" --nologo -v quiet -clp:ErrorsOnly >"$work/publish-$rid.log" 2>&1; then
    tail -n 30 "$work/publish-$rid.log" >&2
    echo "error: publishing baton for $rid failed; the full log is in $work/publish-$rid.log" >&2
    exit 1
  fi
  echo "    published in $((SECONDS - start)) s"
  # The libraries' symbol files, which a single-file publish leaves beside it: of no use where it runs.
  rm -f "$work/publish-$rid"/*.pdb
  # Nothing else is needed beside it: the runtime's own native parts are linked into the file.
  extra="$(find "$work/publish-$rid" -type f ! -name baton -printf '%f ')"
  [ -z "$extra" ] || { echo "error: the $rid publish left files beside baton ($extra); it would not run alone" >&2; exit 1; }
}

# tarball RID: dist/baton-VERSION-RID.tar.gz from $work/publish-RID/baton.
tarball() {
  local rid="$1" name="baton-$version-$1" stage="$work/tarball/baton-$version-$1"
  rm -rf "$stage"
  mkdir -p "$stage/systemd"
  install -m 755 "$work/publish-$rid/baton" "$stage/baton"
  cp "$root/README.md" "$stage/"
  cp -r "$root/docs" "$stage/docs"
  cp "$root"/packaging/*.service "$root"/packaging/*.socket "$root"/packaging/*.conf "$stage/systemd/"
  [ ! -f "$root/LICENSE" ] || cp "$root/LICENSE" "$stage/"
  tar -C "$work/tarball" --owner=0 --group=0 -czf "$out/$name.tar.gz" "$name"
  tarballs+=("$out/$name.tar.gz")
}

for rid in "${rids[@]}"; do publish "$rid"; done
version_line="$("$work/publish-linux-x64/baton" --version)"
version="$(awk '{print $2}' <<<"$version_line")"
echo "    $version_line"
install -m 755 "$work/publish-linux-x64/baton" "$out/baton"
printf '%s\n' "$commit" >"$out/baton.commit"

echo "==> Tarballs"
rm -rf "$work/tarball"
tarballs=()
for rid in "${rids[@]}"; do tarball "$rid"; done

if [ -n "$image" ]; then
  echo "==> Image baton:$version (offline)"
  ctx="$work/image"
  rm -rf "$ctx"
  mkdir -p "$ctx/rootfs/lib/x86_64-linux-gnu" "$ctx/rootfs/lib64" "$ctx/rootfs/bin" "$ctx/rootfs/tmp" \
           "$ctx/rootfs/usr/local/bin" "$ctx/rootfs/etc" "$ctx/data"
  # The C runtime the .NET host needs; libssl/libcrypto for TLS, SHA-1 and the SSH client.
  for lib in libc.so.6 libdl.so.2 libgcc_s.so.1 libm.so.6 libpthread.so.0 librt.so.1 libstdc++.so.6 libssl.so.3 libcrypto.so.3 libz.so.1; do
    cp -L "/lib/x86_64-linux-gnu/$lib" "$ctx/rootfs/lib/x86_64-linux-gnu/$lib" 2>/dev/null \
      || cp -L "/usr/lib/x86_64-linux-gnu/$lib" "$ctx/rootfs/lib/x86_64-linux-gnu/$lib"
  done
  cp -L /lib64/ld-linux-x86-64.so.2 "$ctx/rootfs/lib64/"
  require_busybox
  # A shell and wget for `docker exec` and health checks.
  cp /bin/busybox "$ctx/rootfs/bin/busybox"
  for applet in sh cat ls wget; do ln -sf busybox "$ctx/rootfs/bin/$applet"; done
  install -m 755 "$out/baton" "$ctx/rootfs/usr/local/bin/baton"
  # A user of its own: never root in the container (the engine's socket, when mounted, needs its group: --group-add).
  printf 'root:x:0:0:root:/root:/bin/sh\nbaton:x:10001:10001:Baton:/var/lib/baton:/bin/sh\n' >"$ctx/rootfs/etc/passwd"
  printf 'root:x:0:\nbaton:x:10001:\n' >"$ctx/rootfs/etc/group"
  chmod 1777 "$ctx/rootfs/tmp"
  # The data directory belongs to the image's user; a new volume takes its owner, and Baton makes it mode 700 at start.
  chmod 700 "$ctx/data"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
# The data directory belongs to the baton user (COPY keeps no owner).
COPY --chown=10001:10001 data/ /var/lib/baton/
ARG VERSION
ARG COMMIT
LABEL org.opencontainers.image.title=baton org.opencontainers.image.version=$VERSION org.opencontainers.image.revision=$COMMIT
ENV BATON_DATA=/var/lib/baton DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/.net DOTNET_gcServer=0
USER 10001:10001
WORKDIR /var/lib/baton
VOLUME /var/lib/baton
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/baton"]
CMD ["server", "--data", "/var/lib/baton", "--listen", ":8080", "--listen-staging", "127.0.0.1:8081", "--admin", "127.0.0.1:9000"]
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q --build-arg "VERSION=$version" --build-arg "COMMIT=$commit" -t "baton:$version" "$ctx" >"$work/image.log" 2>&1 \
    || { cat "$work/image.log" >&2; echo "error: building the image baton:$version failed" >&2; exit 1; }
fi

echo
echo "Packages of $version_line:"
printf '  %-52s %s\n' "$out/baton" "$(du -h "$out/baton" | cut -f1)"
for t in "${tarballs[@]}"; do printf '  %-52s %s\n' "$t" "$(du -h "$t" | cut -f1)"; done
if [ -n "$image" ]; then
  bytes="$(docker image inspect -f '{{.Size}}' "baton:$version")"
  printf '  %-52s %s MB\n' "image baton:$version" "$((bytes / 1000000))"
fi

#!/usr/bin/env bash
# Runs every test of Baton and ends with one summary line: "N passed, N failed, N skipped".
# Installs and starts what the tests need when it is missing, and reuses it when it is there.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
source "$root/scripts/lib.sh"

require_dotnet
require_docker || { echo "0 passed, 1 failed"; exit 1; }
require_registry || { echo "0 passed, 1 failed"; exit 1; }
# The registry tests make htpasswd files (bcrypt) for their basic-auth registries.
require_command htpasswd apache2-utils
require_command wrk wrk
require_command curl curl
require_command docker-compose docker-compose
# The several-hosts tests run an sshd per test host (scripts/hosts-lib.sh); never a system sshd.
require_sshd || { echo "0 passed, 1 failed"; exit 1; }
require_chromium || { echo "0 passed, 1 failed"; exit 1; }
require_pebble || { echo "0 passed, 1 failed"; exit 1; }
# The packaging tests: the unit files through systemd-analyze verify, systemd's socket passing through python3.
require_systemd_analyze || { echo "0 passed, 1 failed"; exit 1; }
require_command python3 python3
results="$root/test-results"
rm -rf "$results"
mkdir -p "$results"

echo "==> Building (Release)"
if ! dotnet build Baton.slnx -c Release --nologo -v quiet -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  echo "error: the build failed" >&2
  exit 1
fi

echo "==> Building the sample app's images (offline)"
if ! "$root/scripts/build-sample-image.sh" 127.0.0.1:5000/baton-sample v1 v2 v3 >/dev/null; then
  echo "0 passed, 1 failed"
  echo "error: building the sample images failed" >&2
  exit 1
fi
if ! push_images 127.0.0.1:5000/baton-sample:v1 127.0.0.1:5000/baton-sample:v2 127.0.0.1:5000/baton-sample:v3; then
  echo "0 passed, 1 failed"
  echo "error: pushing the sample images to 127.0.0.1:5000 failed" >&2
  exit 1
fi

status=0
for project in tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  echo "==> $name"
  started=$SECONDS
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1200000 \
    >"$results/$name.log" 2>&1 || status=1
  grep -E "^\s+Skipped |Total tests|Passed!|Failed!|error (CS|MSB)|Test Run Aborted" "$results/$name.log" | head -n 60
  # Each failed test with its message (without the stack), so that a CI log alone says what went wrong.
  awk '/^  Failed / { show = 1; n = 0; print; next }
       /^  Stack Trace:/ { show = 0 }
       show && n < 30 { print "    " $0; n++ }' "$results/$name.log" | head -n 120
  echo "    ($name took $((SECONDS - started)) s)"
done

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  t="$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")"
  e="$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
# A test project that crashed leaves no trx: count it as a failure.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo
echo "Test logs: $results"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

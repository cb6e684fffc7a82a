#!/usr/bin/env bash
# Fuzzes what strangers can send to Baton, each target for a fixed time. Not part of ./test.sh.
#
#   bench/fuzz.sh                       # every target, 120 s each
#   SECONDS_EACH=30 bench/fuzz.sh       # quicker
#   TARGETS="service-file duration" bench/fuzz.sh
#
# Byte targets (bench/fuzz/Baton.Fuzz/FuzzTargets.cs) run under AFL++ through SharpFuzz: the
# Baton assemblies and YamlDotNet are instrumented for coverage, afl-fuzz runs `baton-fuzz afl
# TARGET` for SECONDS_EACH seconds from bench/fuzz/corpus/TARGET. A crash is any exception but
# the ones that are answers (a parse error value, a JsonException the API maps to 400).
#   service-file     a baton.yml (bounds, then the parser)
#   api-json         an admin call's JSON body (first byte picks the call), deserialized and checked
#   image-reference  an image reference or registry host
#   host-pattern     a host pattern; its written form must parse to the same
#   duration         a duration; its written form must parse again
# The admin API's query and route values are bound by ASP.NET Core, so they get FsCheck
# properties against a real server instead (`baton-fuzz query`): no 500, an error sentence.
#
# Afterwards the inputs AFL++ kept are added to bench/fuzz/corpus/TARGET (the next run starts
# from them) and every crash is copied to bench/fuzz/crashes/TARGET, which
# tests/Baton.Server.Tests/Fuzz/FuzzRegressionTests.cs replays in ./test.sh: a crash found is a
# failing test until it is fixed. The last lines are a table: executions, crashes, corpus size.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"

SECONDS_EACH="${SECONDS_EACH:-120}"
TARGETS="${TARGETS:-service-file api-json image-reference host-pattern duration query}"

require_dotnet
require_command afl-fuzz afl++
tools="$root/.build/tools"
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

work="$(mktemp -d /tmp/baton-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
out="$root/.build/fuzz"
echo "==> Building and instrumenting the fuzzer"
rm -rf "$out" "$out-replay"
dotnet build "$root/bench/fuzz/Baton.Fuzz/Baton.Fuzz.csproj" -c Release -o "$out" --nologo -v q >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
# Crashes are replayed by a copy without instrumentation (instrumented code needs afl-fuzz's shared memory).
cp -r "$out" "$out-replay"
for dll in Baton.Contracts Baton.Router Baton.Deploy Baton.Registry YamlDotNet; do
  "$tools/sharpfuzz" "$out/$dll.dll" >"$work/instrument-$dll.log" 2>&1 || { cat "$work/instrument-$dll.log"; exit 1; }
done

results=()
for target in $TARGETS; do
  if [ "$target" = query ]; then
    echo "==> query (FsCheck, ${SECONDS_EACH} s)"
    line="$(dotnet "$out-replay/baton-fuzz.dll" query "$SECONDS_EACH" | tail -n 1 || true)"
    echo "$line"
    execs="$(sed -n 's/^query: \([0-9]*\) requests.*/\1/p' <<<"$line")"
    crashes="$(sed -n 's/.* \([0-9]*\) failures.*/\1/p' <<<"$line")"
    results+=("query|${execs:-?}|${crashes:-?}|-")
    continue
  fi
  corpus="$root/bench/fuzz/corpus/$target"
  findings="$work/afl-$target"
  echo "==> $target (AFL++, ${SECONDS_EACH} s, from $(find "$corpus" -type f | wc -l) inputs)"
  # -V: stop after the time; -t: a run may take 10 s on a loaded machine (first JIT); -m none: .NET reserves much virtual memory.
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    timeout $((SECONDS_EACH + 120)) afl-fuzz -V "$SECONDS_EACH" -t 10000 -m none -i "$corpus" -o "$findings" \
    -- dotnet "$out/baton-fuzz.dll" afl "$target" >"$work/afl-$target.log" 2>&1 || true
  stats="$findings/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    tail -n 30 "$work/afl-$target.log"
    results+=("$target|afl-fuzz did not start|-|-")
    continue
  fi
  execs="$(sed -n 's/^execs_done *: *//p' "$stats")"
  # Keep what AFL++ found interesting, named by content so a rerun adds only new inputs.
  for f in "$findings"/default/queue/id:*; do
    [ -f "$f" ] || continue
    case "$f" in *orig:*) continue ;; esac # a copy of an input the corpus already has
    cp "$f" "$corpus/$(sha1sum "$f" | cut -c1-16)"
  done
  crashes=0
  mkdir -p "$root/bench/fuzz/crashes/$target"
  for f in "$findings"/default/crashes/id:*; do
    [ -f "$f" ] || continue
    crashes=$((crashes + 1))
    cp "$f" "$root/bench/fuzz/crashes/$target/$(sha1sum "$f" | cut -c1-16)"
  done
  if [ "$crashes" -gt 0 ]; then
    dotnet "$out-replay/baton-fuzz.dll" replay "$target" "$root/bench/fuzz/crashes/$target" | tail -n 12 || true
  fi
  results+=("$target|$execs|$crashes|$(find "$corpus" -type f | wc -l)")
  echo "$target: $execs executions, $crashes crashes"
done

echo
echo "| target | executions | crashes | corpus kept |"
echo "|---|---:|---:|---:|"
for r in "${results[@]}"; do
  IFS='|' read -r t e c k <<<"$r"
  echo "| $t | $e | $c | $k |"
done

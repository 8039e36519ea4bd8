#!/usr/bin/env bash
# Issue 12: SignalR delivery by subscription group vs. the same run's baselines (one send per user; broadcast to all),
# at 1,000 connections x 50 and x 10 streams. Starts a private in-memory Azurite on free ports, builds Release, runs
# bench/StreamsBench (DevHost in-process: the app and the local SignalR Service; real .NET SignalR clients).
# Extra arguments go to the bench, e.g.  bench/streams.sh --connections 2000 --streams 100 --events 5
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
require_tools
ensure_node_modules
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
say "Building (Release)"
dotnet build bench/StreamsBench/StreamsBench.csproj -c Release --nologo -v quiet -clp:ErrorsOnly || die "build failed"
base=$(( 30000 + RANDOM % 20000 ))
node node_modules/azurite/dist/src/azurite.js --silent --blobHost 127.0.0.1 --blobPort $base --queueHost 127.0.0.1 --queuePort $((base+1)) \
  --tableHost 127.0.0.1 --tablePort $((base+2)) --skipApiVersionCheck --disableTelemetry --inMemoryPersistence >/dev/null 2>&1 &
AZURITE_PID=$!
trap 'kill "$AZURITE_PID" 2>/dev/null || true' EXIT
sleep 2
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
storage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$base/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$((base+1))/devstoreaccount1;TableEndpoint=http://127.0.0.1:$((base+2))/devstoreaccount1;"
mkdir -p bench/results
out="bench/results/streams-$(date -u +%Y%m%d-%H%M%S).md"
{
  if [ $# -gt 0 ]; then
    dotnet artifacts/bin/StreamsBench/release/FunctionsDashboard.StreamsBench.dll --storage "$storage" --root "$ROOT" --port $((base+10)) "$@"
  else
    for streams in 50 10; do
      dotnet artifacts/bin/StreamsBench/release/FunctionsDashboard.StreamsBench.dll --storage "$storage" --root "$ROOT" --port $((base+10)) \
        --connections 1000 --streams "$streams" --events $(( 500 / streams ))
      echo
    done
  fi
} 2>/dev/null | grep '^[#|]\|^$' | tee "$out"
say "Report: $out"

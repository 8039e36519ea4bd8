#!/usr/bin/env bash
# Issue 6, item 5: memory per idle SSE connection. Starts a private in-memory Azurite on free ports, builds Release,
# and runs bench/SseBench: for each of 3 interleaved repetitions, a fresh server process per mode (bare-sse = B2,
# bare-ws = B3, app = DevHost's GET /api/events) with 1k/5k/10k idle loopback clients; the per-connection cost is the
# slope of a line fitted through the server's memory at those counts. Prints the markdown report and writes it to
# bench/results/sse-<timestamp>.md. Exits 2 when a baseline moved more than 10 % between repetitions.
#
# Extra arguments go to the bench, e.g.  bench/sse.sh --counts 500,1000,2000 --reps 1   (see bench/SseBench/BenchSettings.cs)
# SSEBENCH_GC=server runs the servers on server GC (default: workstation, as the Functions worker).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

require_tools
ensure_node_modules

# Each side (load generator, server) holds one descriptor per client plus a few hundred of its own.
MAX_CLIENTS=10000
want=$(( MAX_CLIENTS + 1024 ))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
  die "the open-file limit is $hard; the bench needs $want (raise the hard limit: ulimit -Hn, /etc/security/limits.conf)"
fi
ulimit -n "$hard" 2>/dev/null || ulimit -n "$want"
# The clients share one source address: 10,000 connections fit easily in the ephemeral range (no need to spread
# them over 127.0.0.x); say so if this machine's range is unusually small.
read -r port_lo port_hi < /proc/sys/net/ipv4/ip_local_port_range
[ $(( port_hi - port_lo )) -gt $(( MAX_CLIENTS + 2000 )) ] || die "ephemeral port range $port_lo-$port_hi is too small for $MAX_CLIENTS clients from one address"

say "Building (Release)"
dotnet build bench/SseBench/SseBench.csproj -c Release --nologo -v quiet -clp:ErrorsOnly || die "build failed"

mkdir -p .run bench/results
AZURITE_PID=""
cleanup() {
  trap - EXIT INT TERM
  stop_pid "$AZURITE_PID" Azurite
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BLOB_PORT=$(free_port); QUEUE_PORT=$(free_port); TABLE_PORT=$(free_port)
say "Starting Azurite for the bench (blob $BLOB_PORT, queue $QUEUE_PORT, table $TABLE_PORT, in memory)"
start_azurite "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT" .run/azurite-ssebench.log --inMemoryPersistence
SSEBENCH_STORAGE="$(azurite_connection_string "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT")"
export SSEBENCH_STORAGE

report="bench/results/sse-$(date -u +%Y%m%d-%H%M%S).md"
say "Running the bench (ulimit -n $(ulimit -n)); report: $report"
set +e
dotnet artifacts/bin/SseBench/release/FunctionsDashboard.SseBench.dll \
  --root "$ROOT" --out "$report" --gc "${SSEBENCH_GC:-workstation}" "$@"
status=$?
set -e
exit "$status"

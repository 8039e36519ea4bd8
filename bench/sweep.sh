#!/usr/bin/env bash
# The issue-4 sweep benchmark. Builds bench/SweepBench in Release, starts a private in-memory Azurite on free loopback
# ports, runs the benchmark (extra arguments go to it, e.g. --connections 20000 --reps 1), prints the report and writes
# it to bench/results/sweep-<timestamp>.md (git-ignored), then stops Azurite. Exit code: the benchmark's (0 = targets met,
# 1 = a target missed, 2 = a run removed the wrong connections or failed).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

require_tools
ensure_node_modules

say "Building the benchmark (Release)"
dotnet build bench/SweepBench/SweepBench.csproj -c Release --nologo -v quiet -clp:ErrorsOnly || die "build failed"

mkdir -p .run bench/results
AZURITE_PID=""
cleanup() { stop_pid "$AZURITE_PID" Azurite; }
trap cleanup EXIT
trap 'exit 130' INT TERM

BLOB_PORT=$(free_port); QUEUE_PORT=$(free_port); TABLE_PORT=$(free_port)
say "Starting Azurite for the benchmark (table port $TABLE_PORT, in memory)"
start_azurite "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT" .run/azurite-bench.log --inMemoryPersistence

SWEEPBENCH_STORAGE="$(azurite_connection_string "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT")"
SWEEPBENCH_AZURITE_VERSION="$(node -p 'require("./node_modules/azurite/package.json").version')"
export SWEEPBENCH_STORAGE SWEEPBENCH_AZURITE_VERSION
report="bench/results/sweep-$(date -u +%Y%m%dT%H%M%SZ).md"

say "Running (progress on stderr; the report follows)"
set +e
dotnet run --project bench/SweepBench/SweepBench.csproj -c Release --no-build -- --out "$report" "$@"
status=$?
set -e
exit "$status"

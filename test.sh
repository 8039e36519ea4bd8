#!/usr/bin/env bash
# Builds everything, starts a private Azurite on free ports (so it can run beside ./run.sh), runs every test suite,
# stops Azurite, and ends with one line "N passed, N failed". Exits non-zero on any failure or when no test ran.
# Installs what it can (npm packages; Chromium when root with apt-get) and stops at once, naming the command, otherwise.
# `./test.sh --check` only checks (and installs) the prerequisites.
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"
cd "$ROOT"

require_tools
ensure_chromium
say "Chromium: $CHROMIUM_PATH"
ensure_node_modules
if [ "${1:-}" = "--check" ]; then say "Prerequisites are in place"; exit 0; fi

say "Building"
dotnet build FunctionsDashboard.sln -c Debug --nologo -v quiet -clp:ErrorsOnly || die "build failed"

mkdir -p .run test-output
AZURITE_PID=""
cleanup() { stop_pid "$AZURITE_PID" Azurite; }
trap cleanup EXIT
trap 'exit 130' INT TERM

BLOB_PORT=$(free_port); QUEUE_PORT=$(free_port); TABLE_PORT=$(free_port)
say "Starting Azurite for the tests (blob $BLOB_PORT, queue $QUEUE_PORT, table $TABLE_PORT, in memory)"
start_azurite "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT" .run/azurite-test.log --inMemoryPersistence
FUNCTIONSDASHBOARD_TEST_STORAGE="$(azurite_connection_string "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT")"
export FUNCTIONSDASHBOARD_TEST_STORAGE
export FUNCTIONSDASHBOARD_TEST_OUTPUT="$ROOT/test-output"

say "Running tests"
set +e
dotnet test FunctionsDashboard.sln --no-build -c Debug --nologo 2>&1 | tee .run/test.log
status=${PIPESTATUS[0]}
set -e

# Sum the per-assembly summaries: "Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total:    12, ..."
read -r passed failed total < <(grep -E '^(Passed|Failed)! +- Failed:' .run/test.log \
  | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+), Total: *([0-9]+).*/\2 \1 \4/' \
  | awk '{p+=$1; f+=$2; t+=$3} END {print p+0, f+0, t+0}')

echo "${passed} passed, ${failed} failed"
if [ "$total" -eq 0 ]; then echo "error: no test ran" >&2; exit 1; fi
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi

#!/usr/bin/env bash
# Runs FunctionsDashboard locally: Azurite (storage) and DevHost (the function app plus local stand-ins for
# SignalR Service and Event Grid) on http://127.0.0.1:${PORT:-7071}. Ctrl-C stops both, DevHost first, then Azurite.
# Knobs: PORT, AZURITE_BLOB_PORT/AZURITE_QUEUE_PORT/AZURITE_TABLE_PORT, AZURITE_LOCATION (data folder, default .azurite),
# RUN_SKIP_BUILD=1 (use the DevHost already built), DevHost__SettingsFile (another settings file than local.settings.json).
set -euo pipefail
source "$(dirname "$0")/scripts/lib.sh"
cd "$ROOT"

PORT="${PORT:-7071}"
BLOB_PORT="${AZURITE_BLOB_PORT:-10000}"
QUEUE_PORT="${AZURITE_QUEUE_PORT:-10001}"
TABLE_PORT="${AZURITE_TABLE_PORT:-10002}"

require_tools
port_in_use "$PORT" && die "port $PORT is already in use. Stop what listens there, or run with PORT=<another port> ./run.sh"
ensure_node_modules

if [ -z "${DevHost__SettingsFile:-}" ] && [ ! -f local.settings.json ]; then
  cp local.settings.sample.json local.settings.json
  say "Created local.settings.json from local.settings.sample.json (edit it to change settings; it is git-ignored)"
fi

DEVHOST_DLL=artifacts/bin/DevHost/debug/FunctionsDashboard.DevHost.dll
if [ "${RUN_SKIP_BUILD:-}" = 1 ] && [ -f "$DEVHOST_DLL" ]; then
  say "Using the DevHost already built (RUN_SKIP_BUILD=1)"
else
  say "Building DevHost"
  dotnet build DevHost/DevHost.csproj -c Debug --nologo -v quiet -clp:ErrorsOnly || die "build failed"
fi

AZURITE_LOCATION="${AZURITE_LOCATION:-.azurite}"
mkdir -p .run "$AZURITE_LOCATION"
AZURITE_PID=""
DEVHOST_PID=""
# Ctrl-C sends SIGINT to DevHost and this script (Azurite is in its own process group). DevHost stops within its
# shutdown timeout (3 s); only then is Azurite stopped, so DevHost never talks to a dead Azurite on the way out.
cleanup() {
  trap - EXIT INT TERM
  trap '' INT  # a second Ctrl-C must not cut the stop short and leave Azurite running
  trap '' PIPE  # a terminal pipe (| tee) that Ctrl-C closed must not kill the script before Azurite is stopped
  say "Stopping DevHost, then Azurite"
  stop_pid "$DEVHOST_PID" DevHost 8
  stop_pid "$AZURITE_PID" Azurite 5
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Starting Azurite (blob $BLOB_PORT, queue $QUEUE_PORT, table $TABLE_PORT; data in $AZURITE_LOCATION/)"
start_azurite "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT" .run/azurite.log --location "$AZURITE_LOCATION"
say "Azurite pid $AZURITE_PID"
if [ "$BLOB_PORT$QUEUE_PORT$TABLE_PORT" != "100001000110002" ]; then
  AzureWebJobsStorage="$(azurite_connection_string "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT")"
  export AzureWebJobsStorage
fi

say "Starting DevHost on http://127.0.0.1:$PORT"
# `trap - INT` undoes bash's rule that background jobs ignore SIGINT (.NET keeps an ignored SIGINT ignored), so
# Ctrl-C reaches DevHost directly and it starts stopping at once; cleanup then waits for it before stopping Azurite.
( trap - INT; exec dotnet "$DEVHOST_DLL" --DevHost:Root="$ROOT" --urls "http://127.0.0.1:$PORT" ) &
DEVHOST_PID=$!
say "DevHost pid $DEVHOST_PID"
if wait_for_port "$PORT" 60 "$DEVHOST_PID"; then
  say "FunctionsDashboard is up: http://127.0.0.1:$PORT  (dashboard: http://127.0.0.1:$PORT/api/dashboard/, health: http://127.0.0.1:$PORT/api/health). Ctrl-C stops it."
else
  die "DevHost did not start (see its output above)"
fi
wait "$DEVHOST_PID"

#!/usr/bin/env bash
# Runs FunctionsDashboard locally: Azurite (storage) and DevHost (the function app plus local stand-ins for
# SignalR Service and Event Grid) on http://127.0.0.1:${PORT:-7071}. Ctrl-C stops both.
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

if [ ! -f local.settings.json ]; then
  cp local.settings.sample.json local.settings.json
  say "Created local.settings.json from local.settings.sample.json (edit it to change settings; it is git-ignored)"
fi

say "Building DevHost"
dotnet build DevHost/DevHost.csproj -c Debug --nologo -v quiet -clp:ErrorsOnly || die "build failed"

mkdir -p .run .azurite
AZURITE_PID=""
DEVHOST_PID=""
cleanup() {
  trap - EXIT INT TERM
  say "Stopping"
  stop_pid "$DEVHOST_PID" DevHost
  stop_pid "$AZURITE_PID" Azurite
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Starting Azurite (blob $BLOB_PORT, queue $QUEUE_PORT, table $TABLE_PORT; data in .azurite/)"
start_azurite "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT" .run/azurite.log --location .azurite
if [ "$BLOB_PORT$QUEUE_PORT$TABLE_PORT" != "100001000110002" ]; then
  AzureWebJobsStorage="$(azurite_connection_string "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT")"
  export AzureWebJobsStorage
fi

say "Starting DevHost on http://127.0.0.1:$PORT"
dotnet artifacts/bin/DevHost/debug/FunctionsDashboard.DevHost.dll --DevHost:Root="$ROOT" --urls "http://127.0.0.1:$PORT" &
DEVHOST_PID=$!
if wait_for_port "$PORT" 60 "$DEVHOST_PID"; then
  say "FunctionsDashboard is up: http://127.0.0.1:$PORT  (dashboard: http://127.0.0.1:$PORT/api/dashboard/, health: http://127.0.0.1:$PORT/api/health). Ctrl-C stops it."
else
  die "DevHost did not start (see its output above)"
fi
wait "$DEVHOST_PID"

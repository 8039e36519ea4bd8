#!/usr/bin/env bash
# Runs the function app under the real Functions host (Core Tools' `func start`) with Microsoft's Azure SignalR
# emulator (`asrs-emulator`) and Azurite, where those tools are installed. Where they are not, it says which are
# missing and how to install them, and exits 0 without starting anything (it never fails a machine that lacks them;
# `--strict` exits 1 instead). Ctrl-C stops func, then the emulator, then Azurite.
#   FUNC_PORT (7071), EMULATOR_PORT (8888), AZURITE_BLOB_PORT/AZURITE_QUEUE_PORT/AZURITE_TABLE_PORT (10000-10002),
#   AZURITE_LOCATION (.azurite)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

FUNC_PORT="${FUNC_PORT:-7071}"
EMULATOR_PORT="${EMULATOR_PORT:-8888}"
BLOB_PORT="${AZURITE_BLOB_PORT:-10000}"
QUEUE_PORT="${AZURITE_QUEUE_PORT:-10001}"
TABLE_PORT="${AZURITE_TABLE_PORT:-10002}"
AZURITE_LOCATION="${AZURITE_LOCATION:-.azurite}"
SETTINGS="$ROOT/scripts/emulator/settings.json"
EMULATOR_KEY="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH"  # the emulator's fixed, public access key

missing=()
command -v dotnet >/dev/null 2>&1 || missing+=(".NET SDK 10 (https://dot.net)")
command -v func >/dev/null 2>&1 || missing+=("Azure Functions Core Tools v4: npm install -g azure-functions-core-tools@4 (or see https://learn.microsoft.com/azure/azure-functions/functions-run-local)")
command -v asrs-emulator >/dev/null 2>&1 || missing+=("Azure SignalR emulator: dotnet tool install -g Microsoft.Azure.SignalR.Emulator (then put ~/.dotnet/tools on PATH)")
command -v node >/dev/null 2>&1 || missing+=("Node.js 20+ (for Azurite)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'func-start.sh: not starting; missing:\n' >&2
  printf '  - %s\n' "${missing[@]}" >&2
  printf 'DevHost needs none of these: ./run.sh\n' >&2
  [ "${1:-}" = "--strict" ] && exit 1
  exit 0
fi

ensure_node_modules
mkdir -p .run
for p in "$FUNC_PORT" "$EMULATOR_PORT"; do
  port_in_use "$p" && die "port $p is already in use (FUNC_PORT / EMULATOR_PORT move them)"
done
if [ ! -f local.settings.json ]; then
  cp local.settings.sample.json local.settings.json
  say "Created local.settings.json from local.settings.sample.json"
fi
if [ "$FUNC_PORT" != 7071 ]; then
  sed "s#localhost:7071#localhost:$FUNC_PORT#" "$SETTINGS" > .run/emulator-settings.json
  SETTINGS="$ROOT/.run/emulator-settings.json"
fi

mkdir -p "$AZURITE_LOCATION"
AZURITE_PID=""
EMULATOR_PID=""
FUNC_PID=""
cleanup() {
  trap - EXIT INT TERM
  trap '' INT PIPE
  say "Stopping func, then the SignalR emulator, then Azurite"
  stop_pid "$FUNC_PID" func 8
  stop_pid "$EMULATOR_PID" "SignalR emulator" 5
  stop_pid "$AZURITE_PID" Azurite 5
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Starting Azurite (blob $BLOB_PORT, queue $QUEUE_PORT, table $TABLE_PORT)"
start_azurite "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT" .run/azurite.log --location "$AZURITE_LOCATION"
AzureWebJobsStorage="$(azurite_connection_string "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT")"
export AzureWebJobsStorage

say "Starting the SignalR emulator on http://localhost:$EMULATOR_PORT (upstream settings: ${SETTINGS#"$ROOT"/})"
in_own_process_group asrs-emulator start -p "$EMULATOR_PORT" -c "$SETTINGS" >.run/signalr-emulator.log 2>&1 &
EMULATOR_PID=$!
wait_for_port "$EMULATOR_PORT" 30 "$EMULATOR_PID" || { cat .run/signalr-emulator.log >&2; die "the SignalR emulator did not start (log above)"; }

# Environment variables win over local.settings.json under Core Tools: the app talks to the emulator.
export AzureSignalRConnectionString="Endpoint=http://localhost;Port=$EMULATOR_PORT;AccessKey=$EMULATOR_KEY;Version=1.0;"
say "Starting func on http://localhost:$FUNC_PORT (Ctrl-C stops everything)"
( trap - INT; cd Functions && exec func start --port "$FUNC_PORT" ) &
FUNC_PID=$!
wait "$FUNC_PID"

# Shared helpers for run.sh, test.sh and .ci/run. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AZURITE_ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="  # Azurite's published well-known dev key

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

require_tools() {
  command -v dotnet >/dev/null 2>&1 || die ".NET SDK 10 is required (dotnet not found on PATH)."
  command -v node >/dev/null 2>&1 || die "Node.js 20+ is required (node not found on PATH)."
  command -v npm >/dev/null 2>&1 || die "npm is required (npm not found on PATH)."
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js 20+ is required (found $(node --version))."
}

# Installs the npm packages (Azurite, the SignalR client, the browser driver) when missing or out of date.
ensure_node_modules() {
  if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    say "Installing npm packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
}

# port_in_use PORT: true when something accepts connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port: prints a port nobody listens on (random, in 20000-31999).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 12000 ))  # below the kernel's ephemeral range (32768+), so no client socket can hold it
    if ! port_in_use "$p"; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

# wait_for_port PORT SECONDS PID: waits until PORT accepts connections, or the process PID dies.
wait_for_port() {
  local port=$1 seconds=$2 pid=${3:-}
  local deadline=$(( SECONDS + seconds ))
  until port_in_use "$port"; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

azurite_connection_string() {
  local blob=$1 queue=$2 table=$3
  echo "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:${queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:${table}/devstoreaccount1;"
}

# start_azurite BLOB QUEUE TABLE LOG [--inMemoryPersistence | --location DIR]: starts Azurite on loopback, sets AZURITE_PID.
start_azurite() {
  local blob=$1 queue=$2 table=$3 log=$4; shift 4
  for p in "$blob" "$queue" "$table"; do
    port_in_use "$p" && die "port $p is already in use (another Azurite?). Stop it, or choose ports with AZURITE_BLOB_PORT/AZURITE_QUEUE_PORT/AZURITE_TABLE_PORT."
  done
  node "$ROOT/node_modules/azurite/dist/src/azurite.js" --silent \
    --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" --tableHost 127.0.0.1 --tablePort "$table" \
    --skipApiVersionCheck --disableTelemetry "$@" >"$log" 2>&1 &
  AZURITE_PID=$!
  for p in "$blob" "$queue" "$table"; do
    wait_for_port "$p" 30 "$AZURITE_PID" || { cat "$log" >&2; die "Azurite did not start (log above)"; }
  done
}

# stop_pid PID NAME: SIGTERM, wait up to 10 s, then SIGKILL. Leaves nothing running.
stop_pid() {
  local pid=$1 name=$2
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }; sleep 0.2; done
  say "$name did not stop on SIGTERM; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

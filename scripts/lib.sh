# Shared helpers for run.sh, test.sh and .ci/run. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AZURITE_ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="  # Azurite's published well-known dev key

# Both survive a closed stderr (e.g. `./run.sh | tee log` after Ctrl-C killed tee).
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2 2>/dev/null || true; }
die() { printf 'error: %s\n' "$*" >&2 2>/dev/null || true; exit 1; }

require_tools() {
  command -v dotnet >/dev/null 2>&1 || die ".NET SDK 10 is required (dotnet not found on PATH)."
  command -v node >/dev/null 2>&1 || die "Node.js 20+ is required (node not found on PATH)."
  command -v npm >/dev/null 2>&1 || die "npm is required (npm not found on PATH)."
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js 20+ is required (found $(node --version))."
}

# Chromium for the browser tests (Tests/Dashboard drives it through playwright-core, which never downloads a browser).
# Looks at CHROMIUM_PATH, then CHROMIUM_CANDIDATES (paths or names on PATH; default below) and exports CHROMIUM_PATH.
# When none is there it installs Debian's/Ubuntu's `chromium` package if it can (root with apt-get); otherwise it stops
# at once with the exact command to run. `./test.sh --check` runs only these checks.
CHROMIUM_CANDIDATES="${CHROMIUM_CANDIDATES:-/usr/bin/chromium chromium chromium-browser google-chrome-stable google-chrome}"
find_chromium() {
  local c p
  for c in $CHROMIUM_CANDIDATES; do
    if [ "${c#/}" != "$c" ]; then p="$c"; else p="$(command -v "$c" 2>/dev/null || true)"; fi
    if [ -n "$p" ] && [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}

chromium_install_command() {
  if command -v apt-get >/dev/null 2>&1; then echo "sudo apt-get update && sudo apt-get install -y chromium"
  elif command -v dnf >/dev/null 2>&1; then echo "sudo dnf install -y chromium"
  elif command -v brew >/dev/null 2>&1; then echo "brew install --cask chromium && export CHROMIUM_PATH=\"/Applications/Chromium.app/Contents/MacOS/Chromium\""
  else echo "install Chromium with your package manager, then export CHROMIUM_PATH=/path/to/chromium"
  fi
}

ensure_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    [ -x "$CHROMIUM_PATH" ] || die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file. Point it at Chromium, or unset it to use /usr/bin/chromium."
    export CHROMIUM_PATH
    return 0
  fi
  local found
  if found="$(find_chromium)"; then export CHROMIUM_PATH="$found"; return 0; fi
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Chromium not found (the browser tests need it); installing Debian's chromium package with apt-get"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
      || die "installing chromium with apt-get failed (output above). Install it by hand: apt-get update && apt-get install -y chromium"
    found="$(find_chromium)" || die "apt-get installed chromium but it is not at any of: $CHROMIUM_CANDIDATES. Set CHROMIUM_PATH."
    export CHROMIUM_PATH="$found"
    return 0
  fi
  die "Chromium is required for the browser tests and was not found (looked for: $CHROMIUM_CANDIDATES).
  Install it:  $(chromium_install_command)
  or point CHROMIUM_PATH at an installed Chromium or Chrome, then run ./test.sh again."
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
  # Azurite runs in its own process group, so the terminal's Ctrl-C (SIGINT to the foreground group) does not reach it:
  # the script stops it itself, after DevHost, so DevHost never runs against a dead Azurite.
  in_own_process_group node "$ROOT/node_modules/azurite/dist/src/azurite.js" --silent \
    --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" --tableHost 127.0.0.1 --tablePort "$table" \
    --skipApiVersionCheck --disableTelemetry "$@" >"$log" 2>&1 &
  AZURITE_PID=$!
  for p in "$blob" "$queue" "$table"; do
    wait_for_port "$p" 30 "$AZURITE_PID" || { cat "$log" >&2; die "Azurite did not start (log above)"; }
  done
}

# in_own_process_group CMD...: execs CMD as the leader of a new process group (setsid, or perl's setpgrp on macOS).
in_own_process_group() {
  if command -v setsid >/dev/null 2>&1; then exec setsid "$@"
  elif command -v perl >/dev/null 2>&1; then exec perl -e 'setpgrp(0, 0); exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!"' "$@"
  else exec "$@"
  fi
}

# stop_pid PID NAME [SECONDS]: SIGTERM, wait up to SECONDS (default 10), then SIGKILL. Leaves nothing running.
stop_pid() {
  local pid=$1 name=$2 seconds=${3:-10}
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for (( i = 0; i < seconds * 20; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name did not stop on SIGTERM within ${seconds} s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  say "$name stopped"
}

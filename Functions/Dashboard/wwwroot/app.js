// FunctionsDashboard page: SignalR first, Server-Sent Events as the fallback, no gap and no duplicate across switches.
// Plain ES module; @microsoft/signalr (window.signalR) is served by the app from npm.

const params = new URLSearchParams(location.search);
const apiBase = new URL("../", location.href).href.replace(/\/$/, ""); // the page lives at {base}/api/dashboard/
const settings = {
  connectTimeoutMs: Number(params.get("connectTimeoutMs") ?? 10000), // Dashboard:ConnectionTimeout
  heartbeatMs: Number(params.get("heartbeatMs") ?? 25000),           // Dashboard:HeartbeatInterval
  retryCapMs: Number(params.get("retryCapMs") ?? 30000),
  historyLimit: 50,
  feedRows: 200,
};

// Everything the page knows, also readable by tests as window.dashboard.
const state = {
  transport: "connecting",
  stream: null,          // the stream SSE and history serve (learned from the history API)
  lastSeq: 0,            // highest seq shown of that stream
  seen: new Set(),       // event ids shown (duplicates are dropped)
  received: [],          // ids in the order shown
  duplicates: 0,
  presence: null,
  switches: [],          // transport changes, for the record
};
window.dashboard = state;

let hub = null;
let sse = null;
let heartbeatTimer = null;
let retryTimer = null;
let retryAttempt = 0;

const $ = (id) => document.getElementById(id);

function setTransport(transport) {
  if (state.transport === transport) return;
  state.transport = transport;
  state.switches.push({ transport, at: new Date().toISOString() });
  const badge = $("transport");
  badge.textContent = transport === "signalr" ? "SignalR" : transport === "sse" ? "SSE" : transport;
  badge.className = `badge ${transport}`;
  badge.dataset.transport = transport;
}

function status(text) { $("status").textContent = text; }

// Full jitter: a random wait in [0, min(cap, base * 2^attempt)], so a thousand dashboards do not come back in step.
function fullJitter(attempt, baseMs = 1000) {
  return Math.random() * Math.min(settings.retryCapMs, baseMs * 2 ** attempt);
}

function show(e) {
  if (!e || e.id === undefined || state.seen.has(e.id)) {
    state.duplicates++;
    $("duplicates").textContent = state.duplicates;
    return;
  }
  state.seen.add(e.id);
  state.received.push(e.id);
  if (state.stream === null || e.stream === state.stream) {
    state.stream ??= e.stream;
    state.lastSeq = Math.max(state.lastSeq, e.seq);
  }
  const row = document.createElement("tr");
  row.dataset.id = e.id;
  row.dataset.seq = e.seq;
  for (const [text, cls] of [[e.seq, ""], [e.type, ""], [e.subject ?? "", ""], [e.time ?? "", ""], [JSON.stringify(e.data), "data"]]) {
    const cell = document.createElement("td");
    cell.textContent = String(text);
    if (cls) cell.className = cls;
    row.append(cell);
  }
  const feed = $("feed");
  feed.prepend(row);
  while (feed.rows.length > settings.feedRows) feed.deleteRow(feed.rows.length - 1);
  $("received").textContent = state.received.length;
  $("lastseq").textContent = state.lastSeq;
}

async function getJson(path) {
  const response = await fetch(apiBase + path, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

// Gap fill after a (re)connect: everything after the last seq shown, from the event log.
async function fillGap() {
  try {
    for (let page = 0; page < 100; page++) {
      const query = new URLSearchParams({ after: String(state.lastSeq), limit: "500" });
      if (state.stream) query.set("stream", state.stream);
      const history = await getJson(`/events/history?${query}`);
      state.stream ??= history.stream;
      history.events.forEach(show);
      if (history.events.length < 500) return;
    }
  } catch (error) {
    status(`gap fill failed: ${error.message}`);
  }
}

// First load: the most recent events of the stream.
async function loadRecent() {
  try {
    const head = await getJson("/events/history?after=0&limit=1");
    state.stream = head.stream;
    state.lastSeq = Math.max(0, head.lastSeq - settings.historyLimit);
    await fillGap();
  } catch (error) {
    status(`history unavailable: ${error.message}`);
  }
}

function startHeartbeat() {
  stopHeartbeat();
  heartbeatTimer = setInterval(() => hub?.invoke("heartbeat").catch(() => {}), settings.heartbeatMs);
}

function stopHeartbeat() {
  if (heartbeatTimer) clearInterval(heartbeatTimer);
  heartbeatTimer = null;
}

function openSse() {
  if (sse) return;
  const url = new URL(apiBase + "/events");
  url.searchParams.set("typed", "false");
  if (state.stream) url.searchParams.set("stream", state.stream);
  if (state.lastSeq > 0) url.searchParams.set("lastEventId", String(state.lastSeq));
  sse = new EventSource(url);
  sse.onopen = () => { if (!hub) setTransport("sse"); };
  sse.onmessage = (message) => show(JSON.parse(message.data));
  sse.onerror = () => { if (!hub) status("SSE interrupted; the browser resumes it with Last-Event-ID"); };
}

function closeSse() {
  sse?.close();
  sse = null;
}

function scheduleSignalR() {
  if (retryTimer) return;
  const delay = fullJitter(retryAttempt++, 2000);
  status(`SignalR unavailable; trying again in ${(delay / 1000).toFixed(1)} s (events keep coming over SSE)`);
  retryTimer = setTimeout(() => { retryTimer = null; connectSignalR(); }, delay);
}

function fallBack(reason) {
  hub = null;
  stopHeartbeat();
  openSse();
  if (sse.readyState === EventSource.OPEN) setTransport("sse"); // it may already be open as the reconnect bridge
  status(`SignalR: ${reason}`);
  scheduleSignalR();
}

async function connectSignalR() {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(apiBase) // POST {base}/api/negotiate → the SignalR Service URL and token
    .withAutomaticReconnect({
      nextRetryDelayInMilliseconds: (context) => (context.previousRetryCount >= 4 ? null : fullJitter(context.previousRetryCount)),
    })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection.on("event", show);
  connection.on("presence", (p) => { state.presence = p.count; $("presence").textContent = p.count; });
  connection.onreconnecting(() => { setTransport("reconnecting"); openSse(); }); // SSE bridges the gap meanwhile
  connection.onreconnected(async () => { setTransport("signalr"); closeSse(); await fillGap(); });
  connection.onclose(() => { if (hub === connection) fallBack("connection closed"); });

  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("no connection within the timeout")), settings.connectTimeoutMs); });
  try {
    await Promise.race([connection.start(), timeout]);
    clearTimeout(timer);
    hub = connection;
    retryAttempt = 0;
    setTransport("signalr");
    closeSse();
    startHeartbeat();
    status("connected over SignalR");
    await fillGap();
  } catch (error) {
    clearTimeout(timer);
    connection.stop().catch(() => {});
    fallBack(error.message ?? String(error));
  }
}

async function poll() {
  try {
    const relay = await getJson("/relay/stats");
    $("relay").textContent = Object.entries(relay).filter(([, v]) => typeof v === "number").map(([k, v]) => `${k} ${v}`).join(", ");
  } catch { /* shown as unavailable below */ }
  try {
    const connections = await getJson("/connections");
    if (state.presence === null) $("presence").textContent = connections.count;
    const s = connections.lastSweep;
    $("sweep").textContent = s ? `${new Date(s.startedAt).toLocaleTimeString()}: removed ${s.removed} of ${s.scanned} scanned` : "not yet";
  } catch { /* keep the last value */ }
}

await loadRecent();
connectSignalR();
poll();
setInterval(poll, 5000);

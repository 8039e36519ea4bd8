// FunctionsDashboard page: several streams at once, SignalR first, Server-Sent Events as the fallback, no gap and no
// duplicate across switches. Plain ES module; @microsoft/signalr (window.signalR) is served by the app from npm.
//
// Per stream the page keeps the last seq shown and shows events in seq order: an event that arrives ahead of a gap waits
// until the gap is filled from the history API; duplicates are dropped by id. After every switch (SignalR ⇄ SSE) and
// every reconnect it gap-fills each stream. A reset (history flag or SSE `reset` event) reloads the view.
// Live charts (charts.js): events per second and publish → page latency of live events, connections over time; the
// transport under the connection; for admins, a banner with the self-check's findings (diagnostics.js).

import { Series, sparkline } from "./charts.js";
import { adminKey, renderBanner, runSelfCheck, setAdminKey } from "./diagnostics.js";

const params = new URLSearchParams(location.search);
const apiBase = new URL("../", location.href).href.replace(/\/$/, ""); // the page lives at {base}/api/dashboard/
const settings = {
  connectTimeoutMs: Number(params.get("connectTimeoutMs") ?? 10000), // Dashboard:ConnectionTimeout
  heartbeatMs: Number(params.get("heartbeatMs") ?? 25000),           // Dashboard:HeartbeatInterval
  retryCapMs: Number(params.get("retryCapMs") ?? 30000),
  historyLimit: 50,
  feedRows: 200,
  resyncMs: Number(params.get("resyncMs") ?? 5000), // a second gap fill after each connect covers group-join races
  selfCheckMs: Number(params.get("selfCheckMs") ?? 30000),
  transport: params.get("transport"), // force one SignalR transport: webSockets | serverSentEvents | longPolling
};

// Everything the page knows, also readable by tests as window.dashboard.
const state = {
  transport: "connecting",
  selection: params.getAll("stream"), // names or patterns (orders.*); empty: every readable stream
  streams: {},           // stream -> { lastSeq, generation } of what is shown
  lastSeq: 0,            // highest seq shown of any stream (for a quick look)
  seen: new Set(),       // event ids shown (duplicates are dropped)
  received: [],          // ids in the order shown
  duplicates: 0,
  resets: 0,
  fills: 0,
  presence: null,
  switches: [],          // transport changes, for the record
  wire: null,            // the transport under it: WebSockets, Server-Sent Events, long polling (SignalR) or EventSource (SSE fallback)
  connections: null,     // live connections (presence, or /api/connections)
  selfCheck: null,       // the last self-check answer (admins only)
  metrics: { rate: new Series(), latency: new Series(), connections: new Series() },
};
window.dashboard = state;

const waiting = new Map(); // stream -> Map(seq -> event) held back until the gap before them is filled
const filling = new Map(); // stream -> Promise of the running gap fill
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
  if (transport === "sse") setWire("EventSource");
  else if (transport !== "signalr") setWire(null);
}

function status(text) { $("status").textContent = text; }

// The transport under a SignalR connection (the client's transport class), or EventSource for the SSE fallback.
const WIRES = { WebSocketTransport: "WebSockets", ServerSentEventsTransport: "Server-Sent Events", LongPollingTransport: "long polling" };
function setWire(wire) {
  state.wire = wire;
  const el = $("wire");
  el.textContent = wire ? `via ${wire}` : "";
  el.dataset.wire = wire ?? "none";
}
function signalRWire(connection) {
  return WIRES[connection.connection?.transport?.constructor?.name] ?? "SignalR";
}

// Live events only (not gap fills): counted into this second, with the publish → page latency from the event's time
// (the producer's clock: skew between producer and browser shows as latency).
let secondCount = 0;
let secondLatencies = [];
function live(e) {
  if (!e || e.id === undefined || state.seen.has(e.id)) return;
  secondCount++;
  const published = Date.parse(e.time ?? "");
  if (!Number.isNaN(published)) secondLatencies.push(Math.max(0, Date.now() - published));
}

const charts = {
  rate: sparkline($("chart-rate"), { label: "events / s", format: (v) => v.toFixed(0) }),
  latency: sparkline($("chart-latency"), { label: "publish → page", unit: " ms", format: (v) => v.toFixed(0), minMax: 10 }),
  connections: sparkline($("chart-connections"), { label: "connections", format: (v) => v.toFixed(0) }),
};
function tick() {
  const m = state.metrics;
  m.rate.push(secondCount);
  const sorted = secondLatencies.sort((a, b) => a - b);
  m.latency.push(sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null); // the second's median
  m.connections.push(state.connections);
  secondCount = 0;
  secondLatencies = [];
  charts.rate(m.rate);
  charts.latency(m.latency);
  charts.connections(m.connections);
}

// Full jitter: a random wait in [0, min(cap, base * 2^attempt)], so a thousand dashboards do not come back in step.
function fullJitter(attempt, baseMs = 1000) {
  return Math.random() * Math.min(settings.retryCapMs, baseMs * 2 ** attempt);
}

function selectionQuery() {
  const query = new URLSearchParams();
  state.selection.forEach((s) => query.append("stream", s));
  return query;
}

function follows(stream) {
  if (state.selection.length === 0) return true;
  return state.selection.some((p) => (p.endsWith("*") ? stream.startsWith(p.slice(0, -1)) : stream === p));
}

function streamState(stream) {
  return (state.streams[stream] ??= { lastSeq: 0, generation: null });
}

// An event from any path (SignalR, SSE, history): shown in seq order per stream, once.
function receive(e, generation) {
  if (!e || e.id === undefined || !follows(e.stream)) return;
  const s = streamState(e.stream);
  if (generation && s.generation && generation !== s.generation) { reloadStream(e.stream); return; }
  if (generation) s.generation = generation;
  if (state.seen.has(e.id) || e.seq <= s.lastSeq) { countDuplicate(); return; }
  if (e.seq > s.lastSeq + 1) {
    // Ahead of a gap: hold it back and fill the gap from the log.
    (waiting.get(e.stream) ?? waiting.set(e.stream, new Map()).get(e.stream)).set(e.seq, e);
    fillStream(e.stream);
    return;
  }
  show(e);
  const held = waiting.get(e.stream);
  while (held?.has(s.lastSeq + 1)) {
    const next = held.get(s.lastSeq + 1);
    held.delete(next.seq);
    if (!state.seen.has(next.id)) show(next);
  }
}

function countDuplicate() {
  state.duplicates++;
  $("duplicates").textContent = state.duplicates;
}

function show(e) {
  const s = streamState(e.stream);
  s.lastSeq = e.seq;
  state.lastSeq = Math.max(state.lastSeq, e.seq);
  state.seen.add(e.id);
  state.received.push(e.id);
  const row = document.createElement("tr");
  row.dataset.id = e.id;
  row.dataset.seq = e.seq;
  row.dataset.stream = e.stream;
  for (const [text, cls] of [[e.stream, "stream"], [e.seq, ""], [e.type, ""], [e.subject ?? "", ""], [e.time ?? "", ""], [JSON.stringify(e.data), "data"]]) {
    const cell = document.createElement("td");
    cell.textContent = String(text);
    if (cls) cell.className = cls;
    row.append(cell);
  }
  const feed = $("feed");
  feed.prepend(row);
  while (feed.rows.length > settings.feedRows) feed.deleteRow(feed.rows.length - 1);
  $("received").textContent = state.received.length;
  $("lastseq").textContent = Object.entries(state.streams).map(([k, v]) => `${k}:${v.lastSeq}`).join(" ");
}

async function getJson(path) {
  const response = await fetch(apiBase + path, { headers: { accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

// Gap fill of one stream: everything after the last seq shown, from the event log (one fill at a time per stream).
function fillStream(stream) {
  if (filling.has(stream)) return filling.get(stream);
  const run = (async () => {
    try {
      for (let page = 0; page < 100; page++) {
        const s = streamState(stream);
        const query = new URLSearchParams({ stream, after: String(s.lastSeq), limit: "500" });
        if (s.generation) query.set("generation", s.generation);
        const history = await getJson(`/events/history?${query}`);
        state.fills++;
        if (history.reset) { await reloadStream(stream, history); return; }
        s.generation = history.generation;
        history.events.forEach((e) => receive(e));
        if (history.events.length < 500) return;
      }
    } catch (error) {
      status(`gap fill of ${stream} failed: ${error.message}`);
    } finally {
      filling.delete(stream);
    }
  })();
  filling.set(stream, run);
  return run;
}

// Every followed stream, including ones that appeared since: fill those that moved past what is shown.
async function fillAll() {
  try {
    const list = await getJson("/events/streams");
    renderPicker(list.streams.map((h) => h.stream));
    const moved = list.streams.filter((h) => follows(h.stream)).filter((h) => {
      const s = state.streams[h.stream];
      if (!s) { state.streams[h.stream] = { lastSeq: Math.max(0, h.lastSeq - settings.historyLimit), generation: h.generation }; return true; }
      return h.lastSeq > s.lastSeq || (s.generation && h.generation !== s.generation);
    });
    await Promise.all(moved.map((h) => fillStream(h.stream)));
  } catch (error) {
    status(`history unavailable: ${error.message}`);
  }
}

// A reset: the log no longer holds what the view was built from. Drop the stream from the view and load it again.
async function reloadStream(stream, history) {
  state.resets++;
  $("resets").textContent = state.resets;
  waiting.delete(stream);
  for (const row of [...$("feed").rows]) if (row.dataset.stream === stream) row.remove();
  const head = history ?? await getJson(`/events/history?${new URLSearchParams({ stream, after: "0", limit: "1" })}`);
  state.streams[stream] = { lastSeq: Math.max(head.firstRetainedSeq - 1, head.lastSeq - settings.historyLimit, 0), generation: head.generation };
  status(`stream ${stream} was reset; reloaded`);
  filling.delete(stream);
  await fillStream(stream);
}

function renderPicker(streams) {
  const picker = $("picker");
  const known = new Set([...picker.options].map((o) => o.value));
  for (const s of streams) {
    if (known.has(s)) continue;
    const option = document.createElement("option");
    option.value = s;
    option.textContent = s;
    option.selected = state.selection.includes(s);
    picker.append(option);
  }
}

// The stream picker: following other streams is a switch, like a reconnect (new subscription, gap fill per stream).
function applySelection() {
  const picked = [...$("picker").selectedOptions].map((o) => o.value);
  const typed = $("pattern").value.trim();
  state.selection = [...picked, ...(typed ? typed.split(",").map((p) => p.trim()).filter(Boolean) : [])];
  const url = new URL(location.href);
  url.searchParams.delete("stream");
  state.selection.forEach((s) => url.searchParams.append("stream", s));
  history.replaceState(null, "", url);
  for (const row of [...$("feed").rows]) if (!follows(row.dataset.stream)) row.remove();
  closeSse();
  const old = hub;
  hub = null;
  old?.stop().catch(() => {});
  stopHeartbeat();
  connectSignalR();
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
  selectionQuery().forEach((v, k) => url.searchParams.append(k, v));
  url.searchParams.set("typed", "false");
  sse = new EventSource(url, { withCredentials: true }); // the stream-token cookie from negotiate, or App Service auth
  sse.onopen = () => { if (!hub) setTransport("sse"); fillAll(); }; // from now on, plus what came before it
  sse.onmessage = (message) => { const e = JSON.parse(message.data); live(e); receive(e); };
  sse.addEventListener("reset", (message) => { const r = JSON.parse(message.data); reloadStream(r.stream); });
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

// After connecting: join the subscription group (awaited), then fill every stream; once more a little later.
async function synced(connection) {
  await connection.invoke("subscribe").catch(() => {});
  await fillAll();
  setTimeout(() => { if (hub === connection) fillAll(); }, settings.resyncMs);
}

async function connectSignalR() {
  const query = selectionQuery().toString();
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(apiBase + (query ? `?${query}` : ""), transportOption()) // POST {base}/api/negotiate?stream=... → the SignalR Service URL and token
    .withAutomaticReconnect({
      nextRetryDelayInMilliseconds: (context) => (context.previousRetryCount >= 4 ? null : fullJitter(context.previousRetryCount)),
    })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection.on("event", (e) => { live(e); receive(e); });
  connection.on("events", (batch) => batch.forEach((e) => { live(e); receive(e); })); // a batch: events of one stream, in seq order
  connection.on("presence", (p) => { state.presence = p.count; state.connections = p.count; $("presence").textContent = p.count; });
  connection.onreconnecting(() => { if (hub === connection) { setTransport("reconnecting"); openSse(); } }); // SSE bridges the gap
  connection.onreconnected(async () => { if (hub === connection) { setTransport("signalr"); setWire(signalRWire(connection)); closeSse(); await synced(connection); } });
  connection.onclose(() => { if (hub === connection) fallBack("connection closed"); });

  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("no connection within the timeout")), settings.connectTimeoutMs); });
  try {
    await Promise.race([connection.start(), timeout]);
    clearTimeout(timer);
    hub = connection;
    retryAttempt = 0;
    setTransport("signalr");
    setWire(signalRWire(connection));
    closeSse();
    startHeartbeat();
    status("connected over SignalR");
    await synced(connection);
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
    state.connections = state.presence ?? connections.count;
    const s = connections.lastSweep;
    $("sweep").textContent = s ? `${new Date(s.startedAt).toLocaleTimeString()}: removed ${s.removed} of ${s.scanned} scanned` : "not yet";
  } catch { /* keep the last value */ }
}

function transportOption() {
  const forced = { webSockets: "WebSockets", serverSentEvents: "ServerSentEvents", longPolling: "LongPolling" }[settings.transport];
  return forced ? { transport: signalR.HttpTransportType[forced] } : {};
}

// The self-check for admins: on load, every selfCheckMs, and when a key is entered.
async function selfCheck() {
  $("admin").querySelector("summary").textContent = adminKey() ? "Admin ✓" : "Admin";
  const result = await runSelfCheck(apiBase);
  if (result.skipped) { state.selfCheck = null; renderBanner($("diag-banner"), {}); return; }
  state.selfCheck = result;
  renderBanner($("diag-banner"), result);
}

$("admin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setAdminKey($("admin-key").value.trim());
  $("admin-key").value = "";
  $("admin").open = false;
  selfCheck();
});
$("admin-forget").addEventListener("click", () => { setAdminKey(null); selfCheck(); });

$("pattern").value = state.selection.filter((s) => s.endsWith("*")).join(", ");
$("apply").addEventListener("click", applySelection);
tick();
setInterval(tick, 1000);
selfCheck();
setInterval(selfCheck, settings.selfCheckMs);
await fillAll();
connectSignalR();
poll();
setInterval(poll, 5000);

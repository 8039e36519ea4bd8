// Drives the dashboard page in headless Chromium (Debian's chromium, through playwright-core: no browser download)
// and reports what it sees as JSON lines on stdout, for an xunit test to assert on.
//
// Environment:
//   BASE_URL      DevHost's base URL (http://127.0.0.1:port)
//   SCENARIO      sse-fallback | signalr-live | reconnect | three-producers | charts
//   SHOT_DIR      where screenshots go
//   CHROMIUM_PATH the browser (default /usr/bin/chromium)
import { chromium } from "playwright-core";

const emit = (line) => process.stdout.write(JSON.stringify(line) + "\n");
const base = process.env.BASE_URL;
const shots = process.env.SHOT_DIR;
const scenario = process.env.SCENARIO;
const secret = "local-dev-secret";

async function publish(ids) {
  const batch = ids.map((id) => ({
    specversion: "1.0", id, source: "default", type: "ops.metric", subject: "browser-test",
    time: new Date().toISOString(), datacontenttype: "application/json", data: { value: id },
  }));
  // As Event Grid does: a 503 (storage slower than the ack budget, e.g. on a loaded machine) is delivered again.
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${base}/api/eventgrid?code=${secret}`, {
      method: "POST", headers: { "content-type": "application/cloudevents-batch+json" }, body: JSON.stringify(batch),
    });
    if (response.ok) return;
    if (response.status !== 503 || attempt >= 5) throw new Error(`webhook answered ${response.status}`);
    await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get("retry-after") ?? 1) / 5));
  }
}

// The three producers of issue 12: two CloudEvents sources and an EventGridSchema batch whose topic is a resource id.
async function publishThree(round) {
  await publishFrom("/producer-a", [`a-${round}`]);
  await publishFrom("/producer-b", [`b-${round}`]);
  const batch = [{
    id: `o-${round}`, topic: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.EventGrid/topics/orders-prod",
    subject: "orders/1", eventType: "Orders.Created", eventTime: new Date().toISOString(), dataVersion: "1.0", metadataVersion: "1", data: { round },
  }];
  const response = await fetch(`${base}/api/eventgrid?code=${secret}`, {
    method: "POST", headers: { "content-type": "application/json", "aeg-event-type": "Notification" }, body: JSON.stringify(batch),
  });
  if (!response.ok) throw new Error(`webhook answered ${response.status}`);
  return [`a-${round}`, `b-${round}`, `o-${round}`];
}

async function publishFrom(source, ids) {
  const batch = ids.map((id) => ({
    specversion: "1.0", id, source, type: "ops.metric", subject: "browser-test",
    time: new Date().toISOString(), datacontenttype: "application/json", data: { value: id },
  }));
  const response = await fetch(`${base}/api/eventgrid?code=${secret}`, {
    method: "POST", headers: { "content-type": "application/cloudevents-batch+json" }, body: JSON.stringify(batch),
  });
  if (!response.ok) throw new Error(`webhook answered ${response.status}`);
}

async function faults(settings) {
  const response = await fetch(`${base}/localsignalr/_faults`, {
    method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(settings),
  });
  if (!response.ok) throw new Error(`fault knob answered ${response.status}: ${await response.text()}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const watchdog = setTimeout(() => { emit({ error: "scenario timed out" }); process.exit(2); }, 150_000);
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  page.on("pageerror", (error) => emit({ pageError: String(error) }));
  await page.goto(`${base}/api/dashboard/?connectTimeoutMs=3000&heartbeatMs=1000&retryCapMs=2000`);
  const transport = (value) => page.waitForSelector(`#transport[data-transport="${value}"]`, { timeout: 60_000 });
  const shown = (ids) => page.waitForFunction((wanted) => wanted.every((id) => window.dashboard.seen.has(id)), ids, { timeout: 60_000 });
  const report = async (step) => {
    const state = await page.evaluate(() => ({ transport: window.dashboard.transport, received: window.dashboard.received, duplicates: window.dashboard.duplicates, lastSeq: window.dashboard.lastSeq, streams: window.dashboard.streams, rows: document.querySelectorAll("#feed tr").length }));
    await page.screenshot({ path: `${shots}/dashboard-${scenario}-${step}.png`, fullPage: true });
    emit({ step, ...state });
  };

  await transport("signalr");
  await report("connected");

  if (scenario === "sse-fallback") {
    await faults({ offline: true });          // the SignalR Service goes away
    await transport("sse");
    await publish(["sse-1", "sse-2", "sse-3"]);
    await shown(["sse-1", "sse-2", "sse-3"]);
    await report("sse");
    await faults({ offline: false });         // it comes back: the page returns to SignalR
    await transport("signalr");
    await publish(["back-1"]);                // published after the return: gap fill or delivery shows it
    await page.reload();                      // a fresh page load fills from history, too
    await transport("signalr");
    await shown(["sse-1", "sse-2", "sse-3", "back-1"]);
    await report("back");
  } else if (scenario === "signalr-live") {
    await publish(["live-1", "live-2", "live-3"]);
    await shown(["live-1", "live-2", "live-3"]);
    await report("live");
  } else if (scenario === "three-producers") {
    const first = await publishThree(1);
    await shown(first);
    await report("live");
    await faults({ offline: true });          // forced reconnect: the Service drops the page
    const during = await publishThree(2);
    await faults({ offline: false });
    await transport("signalr");
    const after = await publishThree(3);
    await shown([...first, ...during, ...after]);
    await report("reconnected");
    // A switch: follow only the resource-id stream through the picker, then back to all.
    await page.fill("#pattern", "microsoft.eventgrid-*");
    await page.click("#apply");
    await transport("signalr");
    const narrowed = await publishThree(4);
    await shown([narrowed[2]]);
    await report("narrowed");
  } else if (scenario === "reconnect") {
    await publish(["before-1", "before-2"]);
    await shown(["before-1", "before-2"]);
    await faults({ offline: true });          // connection dropped, the page reconnects
    await publish(["during-1", "during-2"]);
    await faults({ offline: false });
    await publish(["after-1"]);
    await shown(["before-1", "before-2", "during-1", "during-2", "after-1"]);
    await transport("signalr");
    await report("reconnected");
  } else if (scenario === "charts") {
    await publish(["chart-0"]);               // Event Grid has delivered: the self-check's event-grid check is ok
    await shown(["chart-0"]);
    // An admin enters the key: the self-check's findings appear as a banner.
    await page.click("#admin summary");
    await page.fill("#admin-key", "local-dev-admin-key");
    await page.click("#admin-form button[type=submit]");
    await page.waitForSelector("#diag-banner:not([hidden])", { timeout: 30_000 });
    // Five rounds of live events, each in its own second of the charts.
    for (let round = 1; round <= 5; round++) {
      const ids = [`chart-${round}-a`, `chart-${round}-b`, `chart-${round}-c`];
      const ticks = await page.evaluate(() => window.dashboard.metrics.rate.values.length);
      await publish(ids);
      await shown(ids);
      await page.waitForFunction((n) => window.dashboard.metrics.rate.values.length > n, ticks, { timeout: 10_000 });
    }
    const seen = await page.evaluate(() => ({
      wire: window.dashboard.wire,
      rate: window.dashboard.metrics.rate.values,
      latency: window.dashboard.metrics.latency.values,
      connections: window.dashboard.metrics.connections.values,
      points: [...document.querySelectorAll(".chart svg")].map((s) => Number(s.dataset.points)),
      lines: [...document.querySelectorAll(".chart-line")].map((p) => (p.getAttribute("d") ?? "").length),
      bannerStatus: document.querySelector("#diag-banner").dataset.status,
      bannerChecks: [...document.querySelectorAll("#diag-banner .check")].map((c) => c.dataset.check),
      keyInSession: sessionStorage.getItem("functionsdashboard.adminKey") === "local-dev-admin-key",
      keyInLocal: localStorage.length,
    }));
    await page.screenshot({ path: `${shots}/dashboard-charts.png`, fullPage: true });
    emit({ step: "charts", ...seen });
    // The same page forced onto long polling says so.
    await page.goto(`${base}/api/dashboard/?connectTimeoutMs=3000&heartbeatMs=1000&retryCapMs=2000&transport=longPolling`);
    await transport("signalr");
    await page.waitForSelector('#wire[data-wire="long polling"]', { timeout: 30_000 });
    await publish(["lp-1"]);
    await shown(["lp-1"]);
    await page.screenshot({ path: `${shots}/dashboard-charts-longpolling.png`, fullPage: true });
    emit({ step: "longpolling", wire: await page.evaluate(() => window.dashboard.wire), received: await page.evaluate(() => window.dashboard.received) });
  }
  emit({ done: true });
} catch (error) {
  emit({ error: String(error?.message ?? error) });
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await browser.close();
}

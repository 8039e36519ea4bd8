// The real @microsoft/signalr JavaScript client, connecting the way a dashboard does, reporting what happens as JSON
// lines on stdout (one object per line) for an xunit test to assert on. Exit code 0 when everything expected happened.
//
// Environment:
//   SIGNALR_URL         the URL given to withUrl: the app's "<base>/api" (negotiate answers {url, accessToken} and the
//                       client follows it), or a Service client URL together with SIGNALR_TOKEN
//   SIGNALR_TOKEN       optional access token (accessTokenFactory)
//   SIGNALR_TRANSPORT   optional: WebSockets | ServerSentEvents | LongPolling
//   SIGNALR_EXPECT      how many "event" messages to wait for before stopping (default 1)
//   SIGNALR_TIMEOUT_MS  gives up (exit 2) after this long (default 15000)
import signalR from "@microsoft/signalr";

const emit = (line) => process.stdout.write(JSON.stringify(line) + "\n");
const url = process.env.SIGNALR_URL;
const token = process.env.SIGNALR_TOKEN;
const transport = process.env.SIGNALR_TRANSPORT;
const expected = Number(process.env.SIGNALR_EXPECT ?? "1");

const timeout = setTimeout(() => {
  emit({ error: "timeout" });
  process.exit(2);
}, Number(process.env.SIGNALR_TIMEOUT_MS ?? "15000"));

const options = {};
if (transport) {
  options.transport = signalR.HttpTransportType[transport];
}
if (token) {
  options.accessTokenFactory = () => token;
}

const connection = new signalR.HubConnectionBuilder()
  .withUrl(url, options)
  .configureLogging(signalR.LogLevel.Warning)
  .build();

let received = 0;
const allReceived = new Promise((resolve) => {
  connection.on("event", (payload) => {
    emit({ event: payload });
    if (++received >= expected) {
      resolve();
    }
  });
});
connection.onclose((error) => emit({ closed: true, error: error ? String(error.message ?? error) : null }));

try {
  await connection.start();
  emit({ connected: connection.connectionId });
  const result = await connection.invoke("heartbeat", { lastSeq: 0 });
  emit({ heartbeat: result ?? null });
  await allReceived;
  await connection.stop();
  clearTimeout(timeout);
  emit({ stopped: true });
} catch (error) {
  emit({ error: String(error?.message ?? error) });
  process.exit(1);
}

using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.DeliveryBench;

/// <summary>
/// Issue 11 items 3–5 (delivery): publish → client latency over SignalR and SSE against a bare Kestrel SSE push, and
/// backlog drain time under SignalR faults against the same drain without faults, all in one process launch against one
/// Azurite. Load generator, DevHost, the baseline app and Azurite share the machine.
/// </summary>
internal static class DeliveryBenchmark
{
    public static async Task<int> RunAsync(BenchSettings settings)
    {
        var root = BenchServer.FindRoot();
        var report = new StringBuilder();
        void Say(string line)
        {
            Console.WriteLine(line);
            report.AppendLine(line);
        }

        await using var azurite = settings.Storage is null ? await LocalAzurite.StartAsync(root) : null;
        var storage = settings.Storage ?? azurite!.ConnectionString;
        Say($"# Delivery benchmark {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Say("");
        Say($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; load generator, DevHost, the bare Kestrel baseline and Azurite (in memory, {azurite?.Layout ?? "given by --storage"}) on the same cores.");
        Say("");

        if (settings.Modes.Contains("latency"))
        {
            await LatencyAsync(settings, root, storage, azurite, Say);
        }

        if (settings.Modes.Contains("drain"))
        {
            await DrainAsync(settings, root, storage, Say);
        }

        var results = Directory.CreateDirectory(Path.Combine(root, "bench", "results")).FullName;
        var file = Path.Combine(results, $"delivery-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.md");
        await File.WriteAllTextAsync(file, report.ToString());
        Console.WriteLine($"Written to {file}");
        return 0;
    }

    private static async Task LatencyAsync(BenchSettings settings, string root, string storage, LocalAzurite? azurite, Action<string> say)
    {
        say($"## Publish → client latency ({settings.Clients} clients × {settings.Rate} events/s, 1 event per publish request, ~0.6 KiB data; warm-up {settings.Warmup.TotalSeconds:0} s, measured {settings.Duration.TotalSeconds:0} s per row)");
        say("");
        say("- `bare-sse`: bare Kestrel, `POST /publish` pushes the body to every `GET /sse` client (the baseline).");
        say("- `signalr (n/message)`: `POST /api/eventgrid` on DevHost (durable commit, then delivery) → local SignalR Service → .NET `HubConnection`s; `Relay:Delivery:MaxEventsPerMessage` = n.");
        say("- `sse`: the same publish → DevHost `GET /api/events?stream=` clients.");
        say("- Before the measured rows, unmeasured 3 s rounds of every row run until a round spends under 2 % of its time in the JIT (a freshly started DevHost under load compiles its hot methods again for its first ~25 s); each row notes the JIT time and the GC pauses within it.");
        say("");
        say(LatencyResult.Header);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2048, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(60) };
        await using var bare = await BenchServer.StartBareSseAsync();
        var devHosts = new Dictionary<int, BenchServer>();
        var stages = new CommitStages();
        var firstMeasured = (int)(settings.Rate * settings.Warmup.TotalSeconds);
        var warmUp = "";
        try
        {
            foreach (var batch in settings.Batches)
            {
                Console.Error.WriteLine($"starting DevHost ({batch}/message)");
                devHosts[batch] = await BenchServer.StartDevHostAsync(root, storage, new Dictionary<string, string?>
                {
                    ["Relay:Delivery:MaxEventsPerMessage"] = batch.ToString(CultureInfo.InvariantCulture),
                }, stages);
            }

            // Unmeasured rounds of every row first, until the process compiles almost nothing (bench/Common/JitWarmUp.cs): a
            // freshly started DevHost under load compiles its hot methods again at tier 1 for its first ~25 s, and a fixed
            // 3 s round left the measured rows in the middle of it (2–4 s of JIT per 5 s on two cores).
            var warm = settings with { Duration = TimeSpan.FromSeconds(3), Warmup = TimeSpan.FromSeconds(1) };
            var signalRRows = settings.Rows.Contains("signalr");
            var sseRow = settings.Rows.Contains("sse");
            warmUp = await JitWarmUp.UntilQuietAsync(async round =>
            {
                await BareRowAsync(warm, http, bare);
                foreach (var (batch, server) in signalRRows ? devHosts : [])
                {
                    await SignalRRowAsync(warm, http, server, $"signalr ({batch}/message) warm-up", $"lat-warm{round}-b{batch}");
                }

                if (sseRow)
                {
                    await SseRowAsync(warm, http, devHosts.Values.First(), $"lat-sse-warm{round}");
                }
            });
            Console.Error.WriteLine(warmUp);

            // Where each row's CPU went: this process (clients, publisher, DevHost and the local SignalR Service) and Azurite
            // (with BENCH_AZURITE=split, per service).
            CpuMeter Cpu() => CpuMeter.Start([.. (azurite?.Services ?? []).Select(a => (a.Name, (IEnumerable<int>)[a.Id]))]);
            for (var repeat = 0; repeat < settings.Repeat; repeat++)
            {
                var runtime = RuntimeMeter.Start();
                var cpu = Cpu();
                var baseline = await BareRowAsync(settings, http, bare);
                say(baseline.Row($"{cpu.Cores}; {runtime.Note}"));
                foreach (var (batch, server) in signalRRows ? devHosts : [])
                {
                    var topic = $"lat-r{repeat}-b{batch}";
                    runtime = RuntimeMeter.Start();
                    cpu = Cpu();
                    var signalR = await SignalRRowAsync(settings, http, server, $"signalr ({batch}/message)", topic);
                    say(signalR.Row(string.Create(CultureInfo.InvariantCulture, $"p99 = {signalR.P99 / baseline.P99:0.0}× bare-sse; {stages.Summary(StreamOf(topic), firstMeasured)}; {cpu.Cores}; {runtime.Note}")));
                }

                if (sseRow)
                {
                    var topic = $"lat-sse-r{repeat}";
                    runtime = RuntimeMeter.Start();
                    cpu = Cpu();
                    var sse = await SseRowAsync(settings, http, devHosts.Values.First(), topic);
                    say(sse.Row(string.Create(CultureInfo.InvariantCulture, $"p99 = {sse.P99 / baseline.P99:0.0}× bare-sse; {stages.Summary(StreamOf(topic), firstMeasured)}; {cpu.Cores}; {runtime.Note}")));
                }
            }

            foreach (var (batch, server) in devHosts)
            {
                var stats = await http.GetFromJsonAsync<RelayStatsSnapshot>(new Uri(server.Address, "/api/relay/stats"));
                say("");
                say($"DevHost ({batch}/message) counters: accepted {stats!.Accepted}, commits {stats.Commits}, delivered {stats.Delivered}, hub messages {stats.Sends}, retried {stats.Retried}, dead-lettered {stats.DeadLettered}, 503s {stats.Unavailable}.");
            }

            say("");
            say($"Before the rows, {warmUp}.");
        }
        finally
        {
            foreach (var server in devHosts.Values)
            {
                await server.DisposeAsync();
            }
        }

        say("");
    }

    private static async Task<LatencyResult> BareRowAsync(BenchSettings settings, HttpClient http, BenchServer bare)
    {
        Console.Error.WriteLine("bare-sse row");
        var run = new LatencyRun(settings.Clients, settings.Rate, settings.Warmup, settings.Duration);
        await using var clients = await run.ConnectSseAsync(http, new Uri(bare.Address, "/sse"), e => e);
        var publish = new Uri(bare.Address, "/publish");
        return await run.RunAsync("bare-sse", async n =>
        {
            using var response = await http.PostAsync(publish, new StringContent(LatencyRun.Data(n), Encoding.UTF8, "application/json"));
            return response.IsSuccessStatusCode;
        });
    }

    private static async Task<LatencyResult> SignalRRowAsync(BenchSettings settings, HttpClient http, BenchServer server, string mode, string topic)
    {
        var run = new LatencyRun(settings.Clients, settings.Rate, settings.Warmup, settings.Duration);
        await using var clients = await run.ConnectSignalRAsync(new Uri(server.Address, "api"));
        return await run.RunAsync(mode, n => PublishToAppAsync(http, server, topic, n));
    }

    private static async Task<LatencyResult> SseRowAsync(BenchSettings settings, HttpClient http, BenchServer server, string topic)
    {
        var run = new LatencyRun(settings.Clients, settings.Rate, settings.Warmup, settings.Duration);
        var stream = StreamOf(topic);
        await PublishToAppAsync(http, server, topic, -1); // the stream must exist before SSE clients can name it
        await using var clients = await run.ConnectSseAsync(http, new Uri(server.Address, $"/api/events?stream={Uri.EscapeDataString(stream)}"), e => e.GetProperty("data"));
        return await run.RunAsync("sse", n => PublishToAppAsync(http, server, topic, n));
    }

    /// <summary>The stream the relay files a bench topic's events under (their topic is <c>/bench/{topic}</c>).</summary>
    private static string StreamOf(string topic) => StreamName.From("/bench/" + topic);

    private static async Task<bool> PublishToAppAsync(HttpClient http, BenchServer server, string topic, int n)
    {
        var body = "[{\"id\":\"" + topic + "-" + n.ToString(CultureInfo.InvariantCulture) + "\",\"topic\":\"/bench/" + topic +
            "\",\"subject\":\"latency\",\"eventType\":\"Bench.Latency\",\"eventTime\":\"2026-12-01T12:00:00Z\",\"dataVersion\":\"1\",\"data\":" + LatencyRun.Data(n) + "}]";
        using var response = await http.PostAsync(new Uri(server.Address, $"/api/eventgrid?code={BenchServer.Secret}"), new StringContent(body, Encoding.UTF8, "application/json"));
        return response.IsSuccessStatusCode;
    }

    private static async Task DrainAsync(BenchSettings settings, string root, string storage, Action<string> say)
    {
        say($"## Backlog drain ({settings.DrainEvents} events of one stream, 3 .NET SignalR clients, production retry settings: 10 tries, 2 s base, 30 s cap; capped at {settings.DrainCap.TotalSeconds:0} s)");
        say("");
        say("SignalR faults: a third each 429 with Retry-After 1 s, 5xx (500/502/503/504), 500 after delivering. The baseline row of each setting is the same drain without faults.");
        say("");
        say(DrainResult.Header);
        foreach (var batch in settings.Batches)
        {
            await using var server = await BenchServer.StartDevHostAsync(root, storage, new Dictionary<string, string?>
            {
                ["Relay:Delivery:MaxEventsPerMessage"] = batch.ToString(CultureInfo.InvariantCulture),
            });
            var clean = await DrainRun.RunAsync($"b{batch}-nofaults", server, settings.DrainEvents, 0, batch, settings.DrainCap);
            say(clean.Row());
            var faulty = await DrainRun.RunAsync($"b{batch}-faults", server, settings.DrainEvents, settings.FaultRate, batch, settings.DrainCap);
            say(faulty.Row());
        }

        say("");
    }
}

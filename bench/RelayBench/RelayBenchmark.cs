using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Bench;

/// <summary>
/// Measures, in one process launch and against one Azurite:
/// <list type="number">
/// <item><b>kestrel-post</b>: a bare minimal-API POST on Kestrel that reads the same 1 KiB body and answers 200 (the HTTP floor);</item>
/// <item><b>table-insert</b>: a raw <c>AddEntity</c> of a 1 KiB entity per operation (the storage floor);</item>
/// <item><b>txn+enqueue</b>: what the relay must do per request if nothing were batched: one entity-group transaction
/// (head + event + id rows, ETag-conditioned) and one queue message;</item>
/// <item><b>relay</b>: <c>POST /api/eventgrid</c> on DevHost with one Event Grid event per request (Event Grid's default batch of 1),
/// acknowledged after the durable write and hand-off.</item>
/// </list>
/// Every workload is a closed loop with the same concurrency. Load generator, Kestrel and Azurite share the machine.
/// </summary>
internal static class RelayBenchmark
{
    private const string Secret = "bench-secret";

    public static async Task<int> RunAsync(BenchSettings settings)
    {
        var root = FindRoot();
        var report = new StringBuilder();
        void Say(string line)
        {
            Console.WriteLine(line);
            report.AppendLine(line);
        }

        await using var azurite = settings.Storage is null ? await LocalAzurite.StartAsync(root) : null;
        var storage = settings.Storage ?? azurite!.ConnectionString;
        await using var baseline = await StartBaselineAsync();
        await using var devHost = await StartDevHostAsync(root, storage);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(60) };

        var prefix = "b" + Guid.NewGuid().ToString("N")[..8];
        var tables = new TableServiceClient(storage);
        var insertTable = tables.GetTableClient(prefix + "insert");
        var txnTable = tables.GetTableClient(prefix + "txn");
        await insertTable.CreateIfNotExistsAsync();
        await txnTable.CreateIfNotExistsAsync();
        var queue = new QueueClient(storage, prefix + "queue", new QueueClientOptions { MessageEncoding = DashboardStorage.MessageEncoding });
        await queue.CreateIfNotExistsAsync();

        Say($"# Relay benchmark {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Say("");
        Say($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; " +
            $"load generator, Kestrel (DevHost and baseline) and Azurite (in memory) on the same cores. " +
            $"Closed loop, warm-up {settings.Warmup.TotalSeconds:0} s, measured {settings.Duration.TotalSeconds:0} s per row, 1 event (~1 KiB) per request.");
        Say("");
        Say(LoadResult.Header);

        var relayStats = devHost.Services.GetRequiredService<RelayStats>();
        for (var repeat = 0; repeat < settings.Repeat; repeat++)
        {
            foreach (var c in settings.Concurrency)
            {
                var kestrel = await ClosedLoop.RunAsync("kestrel-post", c, settings.Warmup, settings.Duration, async (_, n) =>
                {
                    using var response = await http.PostAsync(new Uri(baseline.Address, "/echo"), Json(EventBody("k", n)));
                    return response.IsSuccessStatusCode;
                });
                Say(kestrel.Row("baseline: HTTP only"));

                var insert = await ClosedLoop.RunAsync("table-insert", c, settings.Warmup, settings.Duration, async (w, n) =>
                {
                    await insertTable.AddEntityAsync(new TableEntity($"p{w}", $"{n:D19}") { ["Data"] = new string('x', 1000) });
                    return true;
                });
                Say(insert.Row("baseline: storage only"));

                var txn = await ClosedLoop.RunAsync("txn+enqueue", c, settings.Warmup, settings.Duration, (w, n) => TransactionAndEnqueueAsync(txnTable, queue, w, n));
                Say(txn.Row("reference: relay's storage work, unbatched"));

                var before = relayStats.Snapshot();
                var relayUrl = new Uri(devHost.Address, $"/api/eventgrid?code={Secret}");
                var relay = await ClosedLoop.RunAsync("relay", c, settings.Warmup, settings.Duration, async (_, n) =>
                {
                    using var response = await http.PostAsync(relayUrl, Json(EventBody($"r{repeat}-{c}", n)));
                    return response.IsSuccessStatusCode;
                });
                var after = relayStats.Snapshot();
                var perCommit = (after.Accepted - before.Accepted) / (double)Math.Max(1, after.Commits - before.Commits);
                Say(relay.Row(string.Create(CultureInfo.InvariantCulture,
                    $"{relay.PerSecond / kestrel.PerSecond:P0} of kestrel-post ops/s; {relay.PerSecond / insert.PerSecond:P0} of table-insert; {perCommit:0.0} events/commit (incl. warm-up)")));
            }
        }

        if (!ClosedLoop.Errors.IsEmpty)
        {
            Say("");
            Say("Failed operations by kind: " + string.Join(", ", ClosedLoop.Errors.Select(e => $"{e.Key} × {e.Value}")) + ".");
        }

        var stats = await http.GetFromJsonAsync<RelayStatsSnapshot>(new Uri(devHost.Address, "/api/relay/stats"));
        Say("");
        Say($"Relay counters after the run: accepted {stats!.Accepted}, duplicates {stats.Duplicates}, commits {stats.Commits}, hand-offs {stats.HandOffs}, 503s {stats.Unavailable}.");

        var results = Directory.CreateDirectory(Path.Combine(root, "bench", "results")).FullName;
        var file = Path.Combine(results, $"relay-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.md");
        await File.WriteAllTextAsync(file, report.ToString());
        Console.WriteLine($"Written to {file}");
        return 0;
    }

    private static async Task<bool> TransactionAndEnqueueAsync(TableClient table, QueueClient queue, int worker, long n)
    {
        // One stream per worker so the transactions do not conflict: the cheapest the relay's durable work can be.
        var stream = $"s{worker}";
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpsertReplace, new TableEntity(stream, "head") { ["LastSeq"] = n, ["Pending"] = "" }),
            new(TableTransactionActionType.Add, new TableEntity(stream, $"{n:D19}") { ["Data0"] = new byte[1000] }),
            new(TableTransactionActionType.Add, new TableEntity(stream, $"id:{n}") { ["Seq"] = n }),
        };
        await table.SubmitTransactionAsync(actions);
        await queue.SendMessageAsync(RelayDeliveryMessage.For(stream, n, n).ToJson());
        return true;
    }

    private static readonly string Padding = new('x', 800);

    private static string EventBody(string prefix, long n) =>
        "[{\"id\":\"" + prefix + "-" + n.ToString(CultureInfo.InvariantCulture) + "\",\"topic\":\"/bench/orders\",\"subject\":\"orders/" + n.ToString(CultureInfo.InvariantCulture) +
        "\",\"eventType\":\"Order.Created\",\"eventTime\":\"2026-11-25T12:00:00Z\",\"dataVersion\":\"1\",\"data\":{\"n\":" + n.ToString(CultureInfo.InvariantCulture) +
        ",\"pad\":\"" + Padding + "\"}}]";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<Server> StartBaselineAsync()
    {
        var port = LocalAzurite.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/echo", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            return Results.Ok();
        });
        await app.StartAsync();
        return new Server(app, new Uri($"http://127.0.0.1:{port}"));
    }

    private static async Task<Server> StartDevHostAsync(string root, string storage)
    {
        var port = LocalAzurite.FreePort();
        var app = DevHostApplication.Create(
            ["--urls", $"http://127.0.0.1:{port}", "--DevHost:Root", root],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = storage,
                ["Storage:Prefix"] = "b" + Guid.NewGuid().ToString("N")[..8],
                ["Relay:WebhookSecret"] = Secret,
                ["Logging:LogLevel:Default"] = "Warning",
            }));
        await app.StartAsync();
        await app.Services.GetRequiredService<FunctionsDashboard.Health.Readiness>().WhenReady.WaitAsync(TimeSpan.FromSeconds(60));
        return new Server(app, new Uri($"http://127.0.0.1:{port}"));
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FunctionsDashboard.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Run the benchmark from inside the repository.");
    }

    private sealed class Server(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public IServiceProvider Services => app.Services;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

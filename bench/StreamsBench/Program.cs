// Issue 12: how SignalR delivery scales with streams and connections. One process: DevHost (the app + the local
// SignalR Service) on loopback, N real .NET SignalR clients, each following one of S streams through negotiate
// (?stream=), so each is in its subscription group. Then E events per stream are sent three ways, in the same run:
//   groups    - what delivery does with SubscriptionGroups: TargetsForAsync(stream) → one group send per matching group
//   user      - baseline: one send per user entitled to the stream
//   broadcast - baseline: one send to everyone (the default audience before subscriptions)
// Reported: REST calls, wall time until every expected receipt arrived, receipts (useful / wasted / duplicate).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.Health;
using FunctionsDashboard.Relay;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

var arg = (string name, string fallback) => args.SkipWhile(a => a != "--" + name).Skip(1).FirstOrDefault() ?? fallback;
var connections = int.Parse(arg("connections", "1000"), CultureInfo.InvariantCulture);
var streams = int.Parse(arg("streams", "50"), CultureInfo.InvariantCulture);
var perStream = int.Parse(arg("events", "4"), CultureInfo.InvariantCulture);
var storage = arg("storage", Environment.GetEnvironmentVariable("FUNCTIONSDASHBOARD_TEST_STORAGE") ?? "UseDevelopmentStorage=true");
var root = arg("root", Directory.GetCurrentDirectory());
var port = int.Parse(arg("port", "23400"), CultureInfo.InvariantCulture);

var app = DevHostApplication.Create(
    ["--urls", $"http://127.0.0.1:{port}", "--DevHost:Root", root, "--DevHost:SettingsFile", "local.settings.sample.json"],
    b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["AzureWebJobsStorage"] = storage,
        ["AzureSignalRConnectionString"] = $"Endpoint=http://127.0.0.1:{port}{DevHostApplication.LocalSignalRPath};AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;",
        ["Storage:Prefix"] = "sb" + Guid.NewGuid().ToString("N")[..10],
        ["Logging:LogLevel:Default"] = "Warning",
    }));
await app.StartAsync();
await app.Services.GetRequiredService<Readiness>().WhenReady.WaitAsync(TimeSpan.FromMinutes(2));
var rest = app.Services.GetRequiredService<SignalRRestClient>();
var audience = app.Services.GetRequiredService<IEventAudience>();
var baseUri = new Uri($"http://127.0.0.1:{port}/api");
var streamNames = Enumerable.Range(0, streams).Select(i => $"bench.s{i:D3}").ToArray();

// The streams must exist (negotiate accepts patterns too, but exact names are what dashboards pick).
using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
{
    var batch = streamNames.Select(s => new { specversion = "1.0", id = "seed-" + s, source = s, type = "bench", data = new { } });
    using var content = new StringContent(JsonSerializer.Serialize(batch), System.Text.Encoding.UTF8, "application/cloudevents-batch+json");
    (await http.PostAsync("/api/eventgrid?code=local-dev-secret", content)).EnsureSuccessStatusCode();
}

var receipts = new ConcurrentDictionary<(int Client, string Id), int>();
var clients = new HubConnection[connections];
var follows = new string[connections];
var connectWatch = Stopwatch.StartNew();
using (var gate = new SemaphoreSlim(64))
{
    await Task.WhenAll(Enumerable.Range(0, connections).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            follows[i] = streamNames[i % streams];
            var c = new HubConnectionBuilder().WithUrl(new Uri(baseUri + "?stream=" + follows[i])).Build();
            c.On<JsonElement>("event", e => receipts.AddOrUpdate((i, e.GetProperty("id").GetString()!), 1, (_, n) => n + 1));
            await c.StartAsync();
            await c.InvokeAsync<JsonElement>("subscribe");
            clients[i] = c;
        }
        finally
        {
            gate.Release();
        }
    }));
}

Console.WriteLine($"# StreamsBench: {connections} connections x {streams} streams, {perStream} events per stream ({streams * perStream} events); connected in {connectWatch.Elapsed.TotalSeconds:F1} s");
Console.WriteLine();
Console.WriteLine("| mode | REST sends | sends/event | wall time | events/s | receipts expected | useful | wasted (other streams) | duplicates |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");

var usersPerStream = Enumerable.Range(0, connections).GroupBy(i => follows[i]).ToDictionary(g => g.Key, g => g.Count());
foreach (var mode in new[] { "groups", "user", "broadcast" })
{
    receipts.Clear();
    var ids = new List<(string Stream, string Id)>();
    foreach (var s in streamNames)
    {
        for (var k = 0; k < perStream; k++)
        {
            ids.Add((s, $"{mode}-{s}-{k}"));
        }
    }

    var expected = ids.Sum(x => usersPerStream[x.Stream]);
    long sends = 0;
    var watch = Stopwatch.StartNew();
    using var gate = new SemaphoreSlim(32);
    await Task.WhenAll(ids.Select(async x =>
    {
        await gate.WaitAsync();
        try
        {
            var payload = new object?[] { new { id = x.Id, stream = x.Stream, seq = 1 } };
            switch (mode)
            {
                case "groups":
                    foreach (var g in (await audience.TargetsForAsync(x.Stream, CancellationToken.None)).Groups)
                    {
                        await rest.SendToGroupAsync(g, "event", payload, CancellationToken.None);
                        Interlocked.Increment(ref sends);
                    }

                    break;
                case "user":
                    foreach (var u in Enumerable.Range(0, connections).Where(i => follows[i] == x.Stream))
                    {
                        await rest.SendToConnectionAsync(clients[u].ConnectionId!, "event", payload, CancellationToken.None);
                        Interlocked.Increment(ref sends);
                    }

                    break;
                default:
                    await rest.SendToAllAsync("event", payload, CancellationToken.None);
                    Interlocked.Increment(ref sends);
                    break;
            }
        }
        finally
        {
            gate.Release();
        }
    }));

    var deadline = Stopwatch.StartNew();
    bool Done() => ids.All(x => Enumerable.Range(0, connections).Where(i => follows[i] == x.Stream).All(i => receipts.ContainsKey((i, x.Id))));
    while (!Done() && deadline.Elapsed < TimeSpan.FromSeconds(120))
    {
        await Task.Delay(20);
    }

    var elapsed = watch.Elapsed;
    await Task.Delay(500); // late strays count too
    var streamOf = ids.ToDictionary(x => x.Id, x => x.Stream);
    var useful = receipts.Count(r => follows[r.Key.Client] == streamOf[r.Key.Id]);
    var wasted = receipts.Count - useful;
    var duplicates = receipts.Values.Sum(n => n - 1);
    Console.WriteLine($"| {mode} | {sends} | {(double)sends / ids.Count:F1} | {elapsed.TotalSeconds:F2} s | {ids.Count / elapsed.TotalSeconds:F0} | {expected} | {useful} | {wasted} | {duplicates} |");
}

await Task.WhenAll(clients.Where(c => c is not null).Select(c => c.DisposeAsync().AsTask()));
await app.StopAsync();
return 0;

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FunctionsDashboard.DevHost.LocalSignalR;
using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.DeliveryBench;

/// <summary>What one drain row measured.</summary>
internal sealed record DrainResult(string Name, int Events, double FaultRate, int EventsPerMessage, double PublishedSeconds, double? DrainedSeconds, long Settled, long DeadLettered, long Sends, long RestCalls, long Holds, long Duplicates)
{
    public static string Header =>
        "| row | events | SignalR faults | events per hub message (max) | published after s | drained (every client has every event) after s | settled (delivered + dead-lettered) | dead-lettered | hub messages / REST calls | Retry-After holds | duplicate receipts |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {Name} | {Events} | {FaultRate:P0} | {EventsPerMessage} | {PublishedSeconds:0.0} | {(DrainedSeconds is { } d ? d.ToString("0.0", CultureInfo.InvariantCulture) : "not drained")} | {Settled} | {DeadLettered} | {Sends} / {RestCalls} | {Holds} | {Duplicates} |");
}

/// <summary>
/// A backlog drain: <c>events</c> events of one stream are accepted as fast as the webhook takes them (100 per request,
/// 4 requests in flight), while the local SignalR Service fails <c>faultRate</c> of the sends (a third each: 429 with
/// Retry-After 1 s, 5xx, 500 after delivering) and delivery runs with the production retry settings; three .NET
/// clients count what they get. The time is from the first publish until every client has every event (repeats
/// dropped by id), capped.
/// </summary>
internal static class DrainRun
{
    public static async Task<DrainResult> RunAsync(string name, BenchServer server, int events, double faultRate, int eventsPerMessage, TimeSpan cap)
    {
        const int clients = 3;
        var seen = Enumerable.Range(0, clients).Select(_ => new bool[events]).ToArray();
        var counts = new long[clients];
        long duplicates = 0;
        var connections = new List<HubConnection>();
        for (var c = 0; c < clients; c++)
        {
            var client = c;
            void Receive(JsonElement e)
            {
                var n = e.GetProperty("data").GetProperty("n").GetInt32();
                if (seen[client][n])
                {
                    Interlocked.Increment(ref duplicates);
                    return;
                }

                seen[client][n] = true;
                Interlocked.Increment(ref counts[client]);
            }

            var connection = new HubConnectionBuilder().WithUrl(new Uri(server.Address, "api")).Build();
            connection.On<JsonElement>("event", Receive);
            connection.On<JsonElement[]>("events", batch =>
            {
                foreach (var e in batch)
                {
                    Receive(e);
                }
            });
            await connection.StartAsync();
            connections.Add(connection);
        }

        var faults = server.Services.GetRequiredService<LocalSignalRFaults>();
        faults.Set(new LocalSignalRFaultSettings
        {
            TooManyRequestsRate = faultRate / 3,
            RetryAfterSeconds = 1,
            ErrorRate = faultRate / 3,
            FailAfterDeliveryRate = faultRate / 3,
            Seed = 7,
        });
        var restBefore = faults.Counters.RestCalls.Values.Sum();
        var stats = server.Services.GetRequiredService<RelayStats>();
        var gate = server.Services.GetRequiredService<RelayDeliveryGate>();
        var before = stats.Snapshot();
        var holdsBefore = gate.Holds;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var url = new Uri(server.Address, $"/api/eventgrid?code={BenchServer.Secret}");
        var topic = "/bench/drain-" + name;
        var clock = Stopwatch.StartNew();
        using var inFlight = new SemaphoreSlim(4);
        await Task.WhenAll(Enumerable.Range(0, (events + 99) / 100).Select(async chunk =>
        {
            await inFlight.WaitAsync();
            try
            {
                var body = new StringBuilder("[");
                for (var n = chunk * 100; n < Math.Min(events, (chunk + 1) * 100); n++)
                {
                    body.Append(n == chunk * 100 ? "" : ",").Append("{\"id\":\"").Append(name).Append('-').Append(n.ToString(CultureInfo.InvariantCulture))
                        .Append("\",\"topic\":\"").Append(topic).Append("\",\"subject\":\"drain\",\"eventType\":\"Bench.Drain\",\"eventTime\":\"2026-12-01T12:00:00Z\",\"dataVersion\":\"1\",\"data\":")
                        .Append(LatencyRun.Data(n)).Append('}');
                }

                // Event Grid would redeliver a 503: so does this publisher, until the batch is accepted.
                while (true)
                {
                    using var response = await http.PostAsync(url, new StringContent(body.Append(']').ToString(), Encoding.UTF8, "application/json"));
                    body.Length--;
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }

                    await Task.Delay(500);
                }
            }
            finally
            {
                inFlight.Release();
            }
        }));
        var published = clock.Elapsed.TotalSeconds;

        double? drained = null;
        while (clock.Elapsed < cap)
        {
            if (Enumerable.Range(0, clients).All(i => Volatile.Read(ref counts[i]) >= events))
            {
                drained = clock.Elapsed.TotalSeconds;
                break;
            }

            await Task.Delay(50);
        }

        var after = stats.Snapshot();
        var rest = faults.Counters.RestCalls.Values.Sum() - restBefore;
        faults.Set(new LocalSignalRFaultSettings());
        await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        return new DrainResult(name, events, faultRate, eventsPerMessage, published, drained,
            after.Delivered + after.DeadLettered - before.Delivered - before.DeadLettered, after.DeadLettered - before.DeadLettered,
            after.Sends - before.Sends, rest, gate.Holds - holdsBefore, Interlocked.Read(ref duplicates));
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using FunctionsDashboard.Connections;
using FunctionsDashboard.DevHost.LocalSignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Tests.EndToEnd;

/// <summary>
/// The sweep heals lost disconnects, end to end on DevHost with shortened settings (heartbeat 1 s, stale 3 s, the two
/// sweep timers together every second): a client whose process is killed and a client whose <c>disconnected</c> upstream
/// call the local Service drops both vanish within stale timeout + one period; a live client is never removed and
/// receives the <c>presence</c> update.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StaleSweepTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task LostDisconnects_AreSweptWithinStalePlusPeriod_LiveClientsStay()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Dashboard:HeartbeatInterval"] = "00:00:01",
            ["Dashboard:StaleTimeout"] = "00:00:03",
            ["SweepScheduleA"] = "*/2 * * * * *",
            ["SweepScheduleB"] = "1-59/2 * * * * *",
        });
        var registry = server.Services.GetRequiredService<ConnectionRegistry>();
        var apiUrl = new Uri(server.BaseAddress, "api");

        // The Service never retries upstream calls: here it loses every disconnected call.
        server.Services.GetRequiredService<LocalSignalRFaults>().Set(new LocalSignalRFaultSettings { DropUpstreamRate = 1, DropUpstreamEvents = ["disconnected"] });

        // A live dashboard that heartbeats every second and listens for presence.
        var presence = new ConcurrentQueue<int>();
        await using var live = new HubConnectionBuilder().WithUrl(apiUrl).Build();
        live.On<PresenceMessage>("presence", p => presence.Enqueue(p.Count));
        await live.StartAsync();
        using var heartbeats = new CancellationTokenSource();
        var heartbeating = Heartbeat(live, heartbeats.Token);

        // A JavaScript dashboard whose process will be killed (no clean close).
        var killed = NodeScript.Start("local-signalr-client.mjs", new Dictionary<string, string> { ["SIGNALR_URL"] = apiUrl.AbsoluteUri, ["SIGNALR_EXPECT"] = "1000000", ["SIGNALR_TIMEOUT_MS"] = "120000" });
        var killedId = (await killed.NextAsync("connected")).GetString()!;

        // A .NET dashboard that leaves cleanly, but whose disconnected call is dropped.
        var leaving = new HubConnectionBuilder().WithUrl(apiUrl).Build();
        await leaving.StartAsync();
        var leavingId = leaving.ConnectionId!;

        await Eventually.WaitAsync(() => DashboardClientTests.LiveCount(server), c => c == 3, TimeSpan.FromSeconds(15), "three registered connections");

        var gone = Stopwatch.StartNew();
        await killed.DisposeAsync(); // kills the node process
        await leaving.DisposeAsync();

        await Eventually.WaitAsync(() => registry.GetAsync(killedId, default), r => r is null, TimeSpan.FromSeconds(30), "the killed client to be swept");
        await Eventually.WaitAsync(() => registry.GetAsync(leavingId, default), r => r is null, TimeSpan.FromSeconds(30), "the client with the lost disconnect to be swept");
        var elapsed = gone.Elapsed;

        // Stale timeout + one sweep period, plus a bounded allowance for a loaded 2-core CI machine.
        Assert.True(elapsed <= Stale + Period + TimeSpan.FromSeconds(6), $"swept after {elapsed}, bound {Stale + Period}");
        Assert.NotNull(await registry.GetAsync(live.ConnectionId!, default));
        Assert.Equal(HubConnectionState.Connected, live.State);
        await Eventually.WaitAsync(() => Task.FromResult(presence.ToArray()), p => p.Length > 0 && p[^1] == 1, TimeSpan.FromSeconds(15), "a presence update with the one live connection");
        Assert.True(server.Services.GetRequiredService<LocalSignalRFaults>().Counters.Dropped("disconnected") >= 1);

        await heartbeats.CancelAsync();
        await heartbeating;
    }

    private static async Task Heartbeat(HubConnection connection, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await connection.InvokeAsync("heartbeat", cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Test over.
        }
    }

    private sealed record PresenceMessage(int Count);
}

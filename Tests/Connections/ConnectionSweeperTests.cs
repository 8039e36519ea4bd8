using System.Collections.Concurrent;
using FunctionsDashboard.Connections;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsDashboard.Tests.Connections;

/// <summary>The sweeper on real Azurite, time moved by FakeTimeProvider; the Service's REST side is recorded.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConnectionSweeperTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(90);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingService _service = new();
    private readonly string _prefix = DevHostServer.UniquePrefix();
    private readonly List<IHost> _hosts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _hosts.ForEach(h => h.Dispose());
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Sweep_RemovesAndClosesOnlyStale_PushesPresence_RecordsResult()
    {
        var (registry, sweeper) = await CreateAsync();
        await registry.RegisterAsync("dashboard", "dead", null, default);
        await registry.RegisterAsync("dashboard", "live", "alice", default);
        await registry.RegisterAsync("dashboard", "left", null, default);
        await registry.RemoveAsync("dashboard", "left", default); // its tombstone is under the next epoch at the latest
        for (var i = 0; i < 6; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(25));
            await registry.HeartbeatAsync("dashboard", "live", "alice", default);
        }

        var result = await sweeper.SweepAsync(default);

        Assert.NotNull(result);
        Assert.Equal((2, 1, 1, 0, 1), (result.Scanned, result.Removed, result.Closed, result.Failed, result.Tombstones));
        Assert.Equal(["dead:stale"], _service.Closed);
        Assert.Null(await registry.GetAsync("dead", default));
        Assert.NotNull(await registry.GetAsync("live", default));
        Assert.Equal(1, await PushedPresenceAsync());
        Assert.Equal(result, await sweeper.LastSweepAsync(default));
    }

    [Fact]
    public async Task Sweep_NothingStale_ReadsNothingAndPushesNothing()
    {
        var (registry, sweeper) = await CreateAsync();
        await registry.RegisterAsync("dashboard", "fresh", null, default);
        _time.Advance(Stale - TimeSpan.FromSeconds(1));

        var result = await sweeper.SweepAsync(default);

        Assert.Equal(0, result!.Scanned);
        Assert.Empty(_service.Closed);
        Assert.False(_hosts[^1].Services.GetRequiredService<PresenceNotifier>().IsPending);
    }

    [Fact]
    public async Task Sweep_WhileAnotherRunsOnThisInstance_IsSkipped()
    {
        var (registry, sweeper) = await CreateAsync();
        await registry.RegisterAsync("dashboard", "dead", null, default);
        _time.Advance(Stale);
        _service.HoldCloses();

        var first = sweeper.SweepAsync(default);
        await _service.CloseStarted;
        var second = await sweeper.SweepAsync(default);
        _service.ReleaseCloses();

        Assert.Null(second);
        Assert.Equal(1, (await first)!.Removed);
    }

    [Fact]
    public async Task Sweep_TwoInstancesAtOnce_RemoveEachConnectionOnce()
    {
        var (registry, sweeperA) = await CreateAsync();
        var (_, sweeperB) = await CreateAsync();
        for (var i = 0; i < 40; i++)
        {
            await registry.RegisterAsync("dashboard", $"dead-{i}", null, default);
        }

        _time.Advance(Stale);

        var results = await Task.WhenAll(sweeperA.SweepAsync(default), sweeperB.SweepAsync(default));

        Assert.Equal(40, results.Sum(r => r!.Removed));
        Assert.Equal(40, _service.Closed.Distinct().Count());
        Assert.Equal(40, _service.Closed.Count);
    }

    [Fact]
    public async Task Sweep_ManyStaleInOnePartition_RemovesThemTogether_KeepsTheHeartbeatingOne()
    {
        var (registry, sweeper) = await CreateAsync(shards: 1);
        for (var i = 0; i < 30; i++)
        {
            await registry.RegisterAsync("dashboard", $"dead-{i}", null, default);
        }

        await registry.RegisterAsync("dashboard", "live", "alice", default);
        for (var i = 0; i < 4; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(25));
            await registry.HeartbeatAsync("dashboard", "live", "alice", default);
        }

        var result = await sweeper.SweepAsync(default);

        Assert.Equal((30, 30, 30, 0, 0), (result!.Scanned, result.Removed, result.Closed, result.Failed, result.Tombstones));
        Assert.Equal(30, _service.Closed.Distinct().Count());
        Assert.NotNull(await registry.GetAsync("live", default));
        Assert.Equal(1, await PushedPresenceAsync());
    }

    [Fact]
    public async Task Sweep_TwoInstancesAtOnce_OnePartition_RemoveEachConnectionOnce()
    {
        var (registry, sweeperA) = await CreateAsync(shards: 1);
        var (_, sweeperB) = await CreateAsync(shards: 1);
        for (var i = 0; i < 120; i++)
        {
            await registry.RegisterAsync("dashboard", $"dead-{i}", null, default);
        }

        _time.Advance(Stale);

        var results = await Task.WhenAll(sweeperA.SweepAsync(default), sweeperB.SweepAsync(default));

        Assert.Equal(120, results.Sum(r => r!.Removed));
        Assert.Equal(0, results.Sum(r => r!.Failed));
        Assert.Equal(120, _service.Closed.Distinct().Count());
        Assert.Equal(120, _service.Closed.Count);
    }

    /// <summary>The sweep asked the notifier for a push: it goes out on the notifier's next tick, with the count.</summary>
    private async Task<int> PushedPresenceAsync()
    {
        var notifier = _hosts[^1].Services.GetRequiredService<PresenceNotifier>();
        Assert.True(notifier.IsPending);
        await notifier.StartAsync(default);
        var counts = await Eventually.WaitAsync(
            () =>
            {
                _time.Advance(PresenceNotifier.Period); // the notifier starts its timer on a thread of its own
                return Task.FromResult(_service.PresenceCounts);
            },
            c => c.Count > 0,
            TimeSpan.FromSeconds(10),
            "the presence push");
        await notifier.StopAsync(default);
        return Assert.Single(counts);
    }

    private async Task<(ConnectionRegistry Registry, ConnectionSweeper Sweeper)> CreateAsync(int shards = 16)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureSignalRConnectionString"] = "Endpoint=http://127.0.0.1:9/localsignalr;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;",
            ["Registry:Shards"] = shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var host = await RegistryHost.BuildAsync(azurite, _prefix, _time, settings, builder =>
        {
            builder.AddSignalRService();
            builder.Services.AddSingleton<IConnectionCloser>(_service);
            builder.Services.AddSingleton<IHubBroadcaster>(_service);
        });
        _hosts.Add(host);
        return (host.Services.GetRequiredService<ConnectionRegistry>(), host.Services.GetRequiredService<ConnectionSweeper>());
    }

    /// <summary>Stands in for the Service's REST API at the boundary: records closes and broadcasts.</summary>
    private sealed class RecordingService : IConnectionCloser, IHubBroadcaster
    {
        private readonly TaskCompletionSource _closeStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _hold;

        public ConcurrentQueue<string> ClosedQueue { get; } = new();

        public List<string> Closed => [.. ClosedQueue];

        public ConcurrentQueue<int> PresenceQueue { get; } = new();

        public List<int> PresenceCounts => [.. PresenceQueue];

        public Task CloseStarted => _closeStarted.Task;

        public void HoldCloses() => _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseCloses() => _hold?.TrySetResult();

        public async Task<bool> CloseConnectionAsync(string connectionId, string? reason, CancellationToken cancellationToken)
        {
            _closeStarted.TrySetResult();
            if (_hold is { } hold)
            {
                await hold.Task;
            }

            ClosedQueue.Enqueue($"{connectionId}:{reason}");
            return true;
        }

        public Task BroadcastAsync(string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken)
        {
            Assert.Equal(PresenceNotifier.Target, target);
            var count = (int)arguments[0]!.GetType().GetProperty("count")!.GetValue(arguments[0])!;
            PresenceQueue.Enqueue(count);
            return Task.CompletedTask;
        }
    }
}

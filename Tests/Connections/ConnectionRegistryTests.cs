using Azure.Data.Tables;
using FunctionsDashboard.Connections;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsDashboard.Tests.Connections;

/// <summary>The registry against real Azurite, with time moved by a FakeTimeProvider.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConnectionRegistryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(90);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IHost> _extraHosts = [];
    private IHost _host = null!;
    private string _prefixOfSingleShard = "";
    private ConnectionRegistry _sut = null!;
    private StaleConnectionScanner _scanner = null!;

    public async Task InitializeAsync()
    {
        _host = await RegistryHost.BuildAsync(azurite, DevHostServer.UniquePrefix(), _time);
        _sut = _host.Services.GetRequiredService<ConnectionRegistry>();
        _scanner = _host.Services.GetRequiredService<StaleConnectionScanner>();
    }

    public Task DisposeAsync()
    {
        _extraHosts.ForEach(h => h.Dispose());
        _host.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Register_ThenGet_HasHubUserAndServerTimes()
    {
        await _sut.RegisterAsync("dashboard", "conn-1", "alice", default);

        var record = await _sut.GetAsync("conn-1", default);

        Assert.Equal(new ConnectionRecord("conn-1", "dashboard", "alice", _time.GetUtcNow(), _time.GetUtcNow()), record);
    }

    [Fact]
    public async Task CountAsync_FeedsTheLiveConnectionsGauge_PerHub()
    {
        // Hub names of this test only: the meter is process-wide and other tests' registries report too.
        var hubA = "metrics-a-" + Guid.NewGuid().ToString("N");
        var hubB = "metrics-b-" + Guid.NewGuid().ToString("N");
        await _sut.RegisterAsync(hubA, "conn-1", "alice", default);
        await _sut.RegisterAsync(hubA, "conn-2", "bob", default);
        await _sut.RegisterAsync(hubB, "conn-3", null, default);

        await _sut.CountAsync(default);

        var seen = new Dictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FunctionsDashboard.Observability.DashboardMetrics.MeterName && instrument.Name == "dashboard.connections.live")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == FunctionsDashboard.Observability.DashboardMetrics.HubTag && tag.Value is string hub && (hub == hubA || hub == hubB))
                {
                    seen[hub] = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(2, seen[hubA]);
        Assert.Equal(1, seen[hubB]);
        Assert.Equal("{connection}", FunctionsDashboard.Observability.DashboardMetrics.LiveConnections.Unit);
    }

    [Fact]
    public async Task Register_Repeated_IsIdempotent()
    {
        await _sut.RegisterAsync("dashboard", "conn-1", "alice", default);
        var connectedAt = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(5));

        await _sut.RegisterAsync("dashboard", "conn-1", "alice", default);

        var record = await _sut.GetAsync("conn-1", default);
        Assert.Equal(connectedAt, record!.ConnectedAt);
        Assert.Equal(_time.GetUtcNow(), record.LastSeen);
        Assert.Equal(1, (await Count()).Count);
    }

    [Fact]
    public async Task Heartbeat_MovesLastSeen()
    {
        await _sut.RegisterAsync("dashboard", "conn-1", null, default);
        for (var i = 0; i < 4; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(25));
            await _sut.HeartbeatAsync("dashboard", "conn-1", null, default);
            Assert.Equal(_time.GetUtcNow(), (await _sut.GetAsync("conn-1", default))!.LastSeen);
        }
    }

    [Fact]
    public async Task Heartbeat_UnknownConnection_RegistersIt()
    {
        await _sut.HeartbeatAsync("dashboard", "lost-connected", "bob", default);

        var record = await _sut.GetAsync("lost-connected", default);
        Assert.Equal("bob", record!.UserId);
    }

    [Fact]
    public async Task Remove_Twice_SecondIsNoOp()
    {
        await _sut.RegisterAsync("dashboard", "conn-1", "alice", default);

        Assert.True(await _sut.RemoveAsync("dashboard", "conn-1", default));
        Assert.False(await _sut.RemoveAsync("dashboard", "conn-1", default));
        Assert.Null(await _sut.GetAsync("conn-1", default));
        Assert.Equal(0, (await Count()).Count);
    }

    [Fact]
    public async Task DisconnectedBeforeConnected_StaysGone()
    {
        await _sut.RemoveAsync("dashboard", "conn-1", default);
        await _sut.RegisterAsync("dashboard", "conn-1", "alice", default);
        await _sut.HeartbeatAsync("dashboard", "conn-1", "alice", default);

        Assert.Null(await _sut.GetAsync("conn-1", default));
        Assert.Equal(0, (await Count()).Count);
    }

    [Fact]
    public async Task Count_CountsPerUserAndHub()
    {
        await _sut.RegisterAsync("dashboard", "a1", "alice", default);
        await _sut.RegisterAsync("dashboard", "a2", "alice", default);
        await _sut.RegisterAsync("dashboard", "b1", "bob", default);
        await _sut.RegisterAsync("dashboard", "n1", null, default);
        await _sut.RemoveAsync("dashboard", "b1", default);

        var presence = await Count();

        Assert.Equal(3, presence.Count);
        Assert.Equal(2, presence.Users["alice"]);
        Assert.False(presence.Users.ContainsKey("bob"));
        Assert.Equal(3, presence.Hubs["dashboard"]);
    }

    [Fact]
    public async Task Rows_AreSpreadOverPartitions()
    {
        for (var i = 0; i < 64; i++)
        {
            await _sut.RegisterAsync("dashboard", $"conn-{i}", null, default);
        }

        var table = _host.Services.GetRequiredService<DashboardStorage>().Table(ConnectionRegistryOptions.TableName);
        var partitions = new HashSet<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            partitions.Add(row.PartitionKey);
        }

        Assert.True(partitions.Count >= 12, $"64 connections landed in only {partitions.Count} of 16 partitions");
    }

    [Fact]
    public async Task FindStale_ExactlyAtThreshold_IsStale_OneTickLater_IsNot()
    {
        await _sut.RegisterAsync("dashboard", "old", null, default);
        _time.Advance(TimeSpan.FromTicks(1));
        await _sut.RegisterAsync("dashboard", "younger", null, default);
        _time.Advance(Stale - TimeSpan.FromTicks(1));
        var cutoff = _time.GetUtcNow() - Stale;

        var candidates = await Candidates(cutoff);

        Assert.Equal(["old"], candidates.Select(c => c.ConnectionId));
        Assert.Equal(StaleDisposition.RemovedStale, await _scanner.TryRemoveStaleAsync(candidates[0], cutoff, default));
        Assert.Null(await _sut.GetAsync("old", default));
        Assert.NotNull(await _sut.GetAsync("younger", default));
    }

    [Fact]
    public async Task FindStale_HeartbeatingConnection_IsNeverACandidate()
    {
        await _sut.RegisterAsync("dashboard", "live", null, default);
        await _sut.RegisterAsync("dashboard", "dead", null, default);
        for (var i = 0; i < 12; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(25));
            await _sut.HeartbeatAsync("dashboard", "live", null, default);
            var candidates = await Candidates(_time.GetUtcNow() - Stale);
            Assert.DoesNotContain(candidates, c => c.ConnectionId == "live");
        }

        Assert.Contains(await Candidates(_time.GetUtcNow() - Stale), c => c.ConnectionId == "dead");
    }

    [Fact]
    public async Task FindStale_ReadsOnlyTheKeyRangeOfOldEpochs()
    {
        var (registry, table, scanner) = await CreateSingleShardAsync();
        await registry.RegisterAsync("dashboard", "dead", null, default);
        _time.Advance(Stale);
        await registry.RegisterAsync("dashboard", "live", null, default);
        var cutoff = _time.GetUtcNow() - Stale;

        var keys = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            keys.Add(row.RowKey);
        }

        // The live connection's key sorts after every key of an epoch that began by the cutoff: outside the range read.
        var upper = "e|" + (cutoff.UtcTicks + 1).ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(["dead"], keys.Where(k => string.CompareOrdinal(k, upper) < 0).Select(k => k.Split('|')[2]));
        Assert.Equal(["dead"], (await Candidates(scanner, cutoff)).Select(c => c.ConnectionId));
    }

    [Fact]
    public async Task TryRemoveStale_HeartbeatLandsDuringTheSweep_ConnectionStays()
    {
        await _sut.RegisterAsync("dashboard", "conn-1", null, default);
        _time.Advance(Stale + TimeSpan.FromSeconds(1));
        var cutoff = _time.GetUtcNow() - Stale;
        var candidate = Assert.Single(await Candidates(cutoff));

        await _sut.HeartbeatAsync("dashboard", "conn-1", null, default); // lands after the sweep read its candidates
        var outcome = await _scanner.TryRemoveStaleAsync(candidate, cutoff, default);

        Assert.Equal(StaleDisposition.StillLive, outcome);
        Assert.NotNull(await _sut.GetAsync("conn-1", default));
        Assert.Empty(await Candidates(cutoff));
    }

    [Fact]
    public async Task TryRemoveStale_DisconnectedDuringTheSweep_NotCountedAsStale()
    {
        await _sut.RegisterAsync("dashboard", "conn-1", null, default);
        _time.Advance(Stale + TimeSpan.FromSeconds(1));
        var cutoff = _time.GetUtcNow() - Stale;
        var candidate = Assert.Single(await Candidates(cutoff));

        Assert.True(await _sut.RemoveAsync("dashboard", "conn-1", default));

        Assert.Equal(StaleDisposition.RemovedElsewhere, await _scanner.TryRemoveStaleAsync(candidate, cutoff, default));
        Assert.Null(await _sut.GetAsync("conn-1", default));
    }

    [Fact]
    public async Task TryRemoveStale_OverlappingSweeps_RemoveOnce()
    {
        for (var i = 0; i < 10; i++)
        {
            await _sut.RegisterAsync("dashboard", $"conn-{i}", null, default);
        }

        _time.Advance(Stale);
        var cutoff = _time.GetUtcNow() - Stale;
        var candidates = await Candidates(cutoff);

        var first = candidates.Select(c => _scanner.TryRemoveStaleAsync(c, cutoff, default));
        var second = candidates.Select(c => _scanner.TryRemoveStaleAsync(c, cutoff, default));
        var outcomes = await Task.WhenAll(first.Concat(second));

        Assert.Equal(10, outcomes.Count(o => o == StaleDisposition.RemovedStale));
        Assert.Equal(10, outcomes.Count(o => o == StaleDisposition.RemovedElsewhere));
        Assert.Equal(0, (await Count()).Count);
    }

    [Fact]
    public async Task Tombstone_AgesOut_AsTombstoneNotAsStaleConnection()
    {
        await _sut.RegisterAsync("dashboard", "conn-1", null, default);
        await _sut.RemoveAsync("dashboard", "conn-1", default); // the tombstone leaves the live row's key: up to one epoch on
        _time.Advance(Stale + _sut.Epoch);
        var cutoff = _time.GetUtcNow() - Stale;

        var candidate = Assert.Single(await Candidates(cutoff));

        Assert.Equal(StaleDisposition.RemovedTombstone, await _scanner.TryRemoveStaleAsync(candidate, cutoff, default));
    }

    [Fact]
    public async Task Seed_WritesExactlyWhatRegisterWrites()
    {
        var (registry, table, scanner) = await CreateSingleShardAsync();
        await registry.RegisterAsync("dashboard", "registered", "alice", default);

        await ConnectionSeeder.SeedAsync(_extraHosts[^1].Services, [new SeedConnection("dashboard", "seeded", "alice", _time.GetUtcNow())], parallelism: 1, default);

        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        Assert.Equal(2, rows.Count);
        static Dictionary<string, object> Shape(TableEntity row) =>
            row.Where(p => p.Key is not ("odata.etag" or "Timestamp" or "RowKey" or "ConnectionId")).ToDictionary(p => p.Key, p => p.Value);
        var now = _time.GetUtcNow().UtcTicks;
        var epoch = (now - (now % registry.Epoch.Ticks)).ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
        var seeded = rows.Single(r => r.RowKey == $"e|{epoch}|seeded");
        Assert.Equal(Shape(rows.Single(r => r.RowKey == $"e|{epoch}|registered")), Shape(seeded));
        Assert.Equal("seeded", seeded.GetString("ConnectionId"));
    }

    [Fact]
    public async Task RemoveStale_RemovesStaleTogether_KeepsTheOneSeenMeanwhile()
    {
        var (registry, table, scanner) = await CreateSingleShardAsync();
        await RegisterAsync(registry, "conn-", 10);
        await registry.RemoveAsync("dashboard", "conn-9", default); // a tombstone ages out with them (one epoch later)
        _time.Advance(Stale + registry.Epoch);
        var cutoff = _time.GetUtcNow() - Stale;
        var candidates = await Candidates(scanner, cutoff);
        Assert.Equal(10, candidates.Count);
        await registry.HeartbeatAsync("dashboard", "conn-3", null, default); // after the sweep read its candidates

        var outcome = await scanner.RemoveStaleAsync(candidates, cutoff, default);

        Assert.Equal("conn-3", Assert.Single(outcome, r => r.Disposition == StaleDisposition.StillLive).Candidate.ConnectionId);
        Assert.Equal(8, outcome.Count(r => r.Disposition == StaleDisposition.RemovedStale));
        Assert.Equal("conn-9", Assert.Single(outcome, r => r.Disposition == StaleDisposition.RemovedTombstone).Candidate.ConnectionId);
        Assert.NotNull(await registry.GetAsync("conn-3", default));
        Assert.Null(await registry.GetAsync("conn-0", default));
        Assert.Equal(["conn-3"], await ConnectionIdsIn(table)); // one row left, its own
    }

    [Fact]
    public async Task RemoveStale_HeartbeatFromAnotherInstance_ConnectionStays()
    {
        var (registry, table, scanner) = await CreateSingleShardAsync();
        var (other, _, otherScanner) = await CreateSingleShardAsync(_prefixOfSingleShard);
        await RegisterAsync(registry, "conn-", 10);
        _time.Advance(Stale);
        var cutoff = _time.GetUtcNow() - Stale;
        var candidates = await Candidates(scanner, cutoff);

        await other.HeartbeatAsync("dashboard", "conn-7", null, default); // never saw it: finds the old row and moves it
        var outcome = await scanner.RemoveStaleAsync(candidates, cutoff, default);

        Assert.Equal(9, outcome.Count(r => r.Disposition == StaleDisposition.RemovedStale));
        Assert.Equal("conn-7", Assert.Single(outcome, r => r.Disposition == StaleDisposition.StillLive).Candidate.ConnectionId);
        Assert.NotNull(await registry.GetAsync("conn-7", default));
        Assert.Equal(["conn-7"], await ConnectionIdsIn(table));
    }

    [Fact]
    public async Task RemoveStale_AnswerLost_SettledByReading_AllGoneCommitted_AnyLeftNotCommitted()
    {
        var (registry, table, scanner) = await CreateSingleShardAsync();
        await RegisterAsync(registry, "conn-", 10);
        _time.Advance(Stale);
        var cutoff = _time.GetUtcNow() - Stale;
        var candidates = await Candidates(scanner, cutoff);
        var committed = candidates.Take(5).ToList();
        var notCommitted = candidates.Skip(5).ToList();
        Assert.Equal(StaleBatchOutcome.Removed, await scanner.SubmitBatchAsync(committed, default)); // an attempt whose answer was lost
        await registry.HeartbeatAsync("dashboard", notCommitted[0].ConnectionId, null, default); // moves one row away

        var settledCommitted = await scanner.SettleAsync(committed, cutoff, default);
        var settledNotCommitted = await scanner.SettleAsync(notCommitted, cutoff, default);

        Assert.Equal(committed, settledCommitted.Select(r => r.Candidate));
        Assert.All(settledCommitted, r => Assert.Equal(StaleDisposition.RemovedStale, r.Disposition));
        Assert.Empty(settledNotCommitted); // four of its rows are still there: it did not commit, and the moved one is not counted
        Assert.Equal(5, (await ConnectionIdsIn(table)).Count); // settling reads, it never deletes
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Heartbeat_ArrivingAfterDisconnected_OnTheInstanceThatRegistered_DoesNotResurrect(int epochsLater)
    {
        var (registry, _, _) = await CreateSingleShardAsync();
        var (other, _, otherScanner) = await CreateSingleShardAsync(_prefixOfSingleShard);
        await registry.RegisterAsync("dashboard", "conn-1", null, default); // this instance remembers the live row
        Assert.True(await other.RemoveAsync("dashboard", "conn-1", default)); // disconnected, handled elsewhere

        _time.Advance(epochsLater * registry.Epoch);
        await registry.HeartbeatAsync("dashboard", "conn-1", null, default); // in flight before the disconnect

        Assert.Null(await registry.GetAsync("conn-1", default));
        Assert.Null(await other.GetAsync("conn-1", default));
        Assert.Equal(0, (await CountOf(registry)).Count);
    }

    [Fact]
    public async Task RemoveStale_ExactlyAtThreshold_IsStale_OneTickLater_IsNot()
    {
        var (registry, table, scanner) = await CreateSingleShardAsync();
        await RegisterAsync(registry, "old-", 8);
        await registry.RegisterAsync("dashboard", "younger", null, default);
        _time.Advance(TimeSpan.FromTicks(1));
        await registry.HeartbeatAsync("dashboard", "younger", null, default); // seen one tick after the cutoff, same epoch
        _time.Advance(Stale - TimeSpan.FromTicks(1));
        var cutoff = _time.GetUtcNow() - Stale;
        var candidates = await Candidates(scanner, cutoff);
        Assert.Equal(8, candidates.Count);

        var outcome = await scanner.RemoveStaleAsync(candidates, cutoff, default);

        Assert.All(outcome, r => Assert.Equal(StaleDisposition.RemovedStale, r.Disposition));
        Assert.Equal(["younger"], await ConnectionIdsIn(table));
    }

    [Fact]
    public async Task RemoveStale_OverlappingSweeps_RemoveEachOnce()
    {
        var (registry, table, scanner) = await CreateSingleShardAsync();
        var (other, _, otherScanner) = await CreateSingleShardAsync(_prefixOfSingleShard);
        await RegisterAsync(registry, "conn-", 120);
        _time.Advance(Stale);
        var cutoff = _time.GetUtcNow() - Stale;
        var candidates = await Candidates(scanner, cutoff);

        var outcomes = await Task.WhenAll(scanner.RemoveStaleAsync(candidates, cutoff, default), otherScanner.RemoveStaleAsync(candidates, cutoff, default));

        Assert.Equal(120, outcomes.Sum(o => o.Count(r => r.Disposition == StaleDisposition.RemovedStale)));
        Assert.Equal(120, outcomes.Sum(o => o.Count(r => r.Disposition == StaleDisposition.RemovedElsewhere)));
        Assert.Empty(await ConnectionIdsIn(table));
    }

    [Fact]
    public async Task Heartbeat_TwoInstances_OneRowPerConnection()
    {
        var (registry, table, scanner) = await CreateSingleShardAsync();
        var (other, _, otherScanner) = await CreateSingleShardAsync(_prefixOfSingleShard);
        await registry.RegisterAsync("dashboard", "conn-1", null, default);
        for (var i = 0; i < 8; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(25));
            await (i % 3 == 0 ? other : registry).HeartbeatAsync("dashboard", "conn-1", null, default); // caches go out of date

            Assert.Equal(["conn-1"], await ConnectionIdsIn(table));
            Assert.Equal(_time.GetUtcNow(), (await other.GetAsync("conn-1", default))!.LastSeen);
        }
    }

    [Fact]
    public async Task Heartbeat_KnownConnection_IsOneRequest_MovesAtMostOncePerEpoch()
    {
        var (registry, table, scanner) = await CreateSingleShardAsync();
        await registry.RegisterAsync("dashboard", "conn-1", null, default);
        var keys = new HashSet<string>();
        for (var i = 0; i < 12; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(25));
            await registry.HeartbeatAsync("dashboard", "conn-1", null, default);
            await foreach (var row in table.QueryAsync<TableEntity>(select: ["RowKey"]))
            {
                keys.Add(row.RowKey);
            }
        }

        // 300 s of heartbeats: the row lives under one key per epoch it was seen in, never more.
        Assert.InRange(keys.Count, 2, (int)(TimeSpan.FromSeconds(300) / registry.Epoch) + 1);
        Assert.Equal(["conn-1"], await ConnectionIdsIn(table));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Register_OnAnInstanceBehindInTime_AcrossAnEpochEdge_FindsTheRowAhead(bool disconnectedFirst)
    {
        // Two instances, one clock a little ahead: at an epoch edge the one ahead writes under the next epoch, which the
        // one behind reads too, so it neither adds a second row nor misses the tombstone.
        var (registry, table, scanner) = await CreateSingleShardAsync();
        var edgeTicks = _time.GetUtcNow().UtcTicks - (_time.GetUtcNow().UtcTicks % registry.Epoch.Ticks) + (2 * registry.Epoch.Ticks);
        var edge = new DateTimeOffset(edgeTicks, TimeSpan.Zero);
        _time.SetUtcNow(edge - TimeSpan.FromSeconds(1));
        var ahead = new FakeTimeProvider(edge + TimeSpan.FromSeconds(1));
        var (other, _, _) = await CreateSingleShardAsync(_prefixOfSingleShard, ahead);
        if (disconnectedFirst)
        {
            await other.RemoveAsync("dashboard", "conn-1", default); // a tombstone under the epoch ahead
        }
        else
        {
            await other.RegisterAsync("dashboard", "conn-1", "alice", default);
        }

        await registry.RegisterAsync("dashboard", "conn-1", "alice", default);

        Assert.Equal(["conn-1"], await ConnectionIdsIn(table));
        Assert.Equal(disconnectedFirst, await registry.GetAsync("conn-1", default) is null);
        Assert.Equal(disconnectedFirst ? 0 : 1, (await CountOf(registry)).Count);
    }

    [Theory]
    [InlineData("live", "live", true)]
    [InlineData("live", "gone", false)]
    [InlineData("gone", "live", false)]
    public async Task TwoRowsForOneConnection_AreResolvedToOne_GoneIfEitherWas(string olderState, string newerState, bool live)
    {
        // What two inserts racing across an epoch edge leave behind: the next reader keeps the row under the later epoch.
        var (registry, table, scanner) = await CreateSingleShardAsync();
        var now = _time.GetUtcNow();
        var epoch = now.UtcTicks - (now.UtcTicks % registry.Epoch.Ticks);
        foreach (var (ticks, state) in new[] { (epoch - registry.Epoch.Ticks, olderState), (epoch, newerState) })
        {
            await table.AddEntityAsync(new TableEntity("s000", $"e|{ticks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture)}|conn-1")
            {
                ["ConnectionId"] = "conn-1",
                ["Hub"] = "dashboard",
                ["ConnectedAt"] = now,
                ["LastSeen"] = now,
                ["State"] = state,
            });
        }

        var record = await registry.GetAsync("conn-1", default);

        Assert.Equal(live, record is not null);
        Assert.Equal(["conn-1"], await ConnectionIdsIn(table));
        await registry.HeartbeatAsync("dashboard", "conn-1", null, default);
        _time.Advance(registry.Epoch);
        await registry.HeartbeatAsync("dashboard", "conn-1", null, default); // a remembered row that was made gone is not moved back
        Assert.Equal(live, await registry.GetAsync("conn-1", default) is not null);
        Assert.Equal(["conn-1"], await ConnectionIdsIn(table));
    }

    private async Task<PresenceSnapshot> Count()
    {
        _sut.InvalidatePresence();
        return await _sut.CountAsync(default);
    }

    private Task<List<StaleCandidate>> Candidates(DateTimeOffset cutoff) => Candidates(_scanner, cutoff);

    /// <summary>Every stale candidate the scanner reads; fails the test when a shard could not be read.</summary>
    private static async Task<List<StaleCandidate>> Candidates(StaleConnectionScanner scanner, DateTimeOffset cutoff)
    {
        var list = new List<StaleCandidate>();
        await foreach (var page in scanner.FindStaleAsync(cutoff, default))
        {
            Assert.Null(page.Error);
            list.AddRange(page.Candidates);
        }

        return list;
    }

    private static async Task<PresenceSnapshot> CountOf(ConnectionRegistry registry)
    {
        registry.InvalidatePresence();
        return await registry.CountAsync(default);
    }

    private static async Task<List<string>> ConnectionIdsIn(TableClient table)
    {
        var ids = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter: "PartitionKey ne 'meta'", select: ["ConnectionId"]))
        {
            ids.Add(row.GetString("ConnectionId"));
        }

        return ids;
    }

    private static async Task RegisterAsync(ConnectionRegistry registry, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await registry.RegisterAsync("dashboard", prefix + i, null, default);
        }
    }

    /// <summary>
    /// A registry with one shard, so every connection lands in one partition (the batch path needs several there);
    /// another instance on the same table when given its prefix, on its own clock when given one.
    /// </summary>
    private async Task<(ConnectionRegistry Registry, TableClient Table, StaleConnectionScanner Scanner)> CreateSingleShardAsync(string? prefix = null, TimeProvider? time = null)
    {
        _prefixOfSingleShard = prefix ?? DevHostServer.UniquePrefix();
        var host = await RegistryHost.BuildAsync(azurite, _prefixOfSingleShard, time ?? _time, new Dictionary<string, string?> { ["Registry:Shards"] = "1" });
        _extraHosts.Add(host);
        var table = host.Services.GetRequiredService<DashboardStorage>().Table(ConnectionRegistryOptions.TableName);
        return (host.Services.GetRequiredService<ConnectionRegistry>(), table, host.Services.GetRequiredService<StaleConnectionScanner>());
    }
}

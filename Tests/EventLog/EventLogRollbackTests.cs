using FunctionsDashboard.Relay;
using FunctionsDashboard.Tests.Relay;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Tests.EventLog;

/// <summary>
/// Issue #14 item 3: a log that lost its tail (storage rolled back: an emulator restarted on an older flush, a restored
/// backup) is detected, the stream starts a new generation so no position is given to a second event, readers of the
/// old generation get a reset, and the log says so at Critical. The rollback is simulated at the storage boundary.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EventLogRollbackTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task AppendAsync_StorageLostAcknowledgedCommits_NewGenerationNoReusedSeqAndLoudLog_Issue14()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var loggers = new CapturingLoggers();
        var log = harness.CreateLog(loggers: loggers);
        await log.AppendAsync([.. Enumerable.Range(1, 5).Select(i => EventLogHarness.Event($"e{i}"))], CancellationToken.None);
        var bucket = await BucketOfAsync(harness, "orders");
        var before = await TableSnapshot.TakeAsync(bucket);
        var oldGeneration = (await log.Reader.GetHeadAsync("orders", CancellationToken.None))!.Generation;
        var acknowledged = await log.AppendAsync([.. Enumerable.Range(6, 5).Select(i => EventLogHarness.Event($"e{i}"))], CancellationToken.None);
        Assert.Equal(10, acknowledged.Events[^1].Seq);

        await before.RestoreAsync(); // seqs 6..10 (and their id claims) are gone, the head says 5

        var next = await log.AppendAsync([EventLogHarness.Event("n1")], CancellationToken.None);
        var head = await log.Reader.GetHeadAsync("orders", CancellationToken.None);

        Assert.Equal(11, next.Events.Single().Seq); // never 6: a client that saw the lost 6 would skip it
        Assert.NotEqual(oldGeneration, head!.Generation);
        Assert.StartsWith("g2-", head.Generation, StringComparison.Ordinal);
        var critical = Assert.Single(loggers.Entries, e => e.EventName == "EventLogRollbackDetected");
        Assert.Equal(LogLevel.Critical, critical.Level);
        Assert.Contains("seq 10 was acknowledged by this instance", critical.Message, StringComparison.Ordinal);

        var oldReader = await log.Reader.ReadAfterAsync("orders", oldGeneration, 10, 100, CancellationToken.None);
        Assert.True(oldReader.Reset);
        Assert.Equal(["e1", "e2", "e3", "e4", "e5", "n1"], oldReader.Events.Select(e => e.Id));
        var newReader = await log.Reader.ReadAfterAsync("orders", head.Generation, 10, 100, CancellationToken.None);
        Assert.False(newReader.Reset);
        Assert.Equal(["n1"], newReader.Events.Select(e => e.Id));
    }

    [Fact]
    public async Task ReportAheadAsync_FreshInstanceAndAClientThatSawTheLostSeqs_NewGeneration_Issue14()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var first = harness.CreateLog();
        await first.AppendAsync([.. Enumerable.Range(1, 3).Select(i => EventLogHarness.Event($"e{i}"))], CancellationToken.None);
        var bucket = await BucketOfAsync(harness, "orders");
        var before = await TableSnapshot.TakeAsync(bucket);
        var generation = (await first.Reader.GetHeadAsync("orders", CancellationToken.None))!.Generation;
        await first.AppendAsync([.. Enumerable.Range(4, 4).Select(i => EventLogHarness.Event($"e{i}"))], CancellationToken.None);
        await first.DisposeAsync();
        await before.RestoreAsync();

        // A restarted instance has no memory of seq 7; a client resuming from seq 7 of that generation has.
        var loggers = new CapturingLoggers();
        var restarted = harness.CreateLog(loggers: loggers);
        var stale = await restarted.Reader.ReportAheadAsync("orders", "g9-other0", 7, CancellationToken.None);
        Assert.Equal(generation, stale!.Generation); // another generation's position proves nothing
        var head = await restarted.Reader.ReportAheadAsync("orders", generation, 7, CancellationToken.None);
        var next = await restarted.AppendAsync([EventLogHarness.Event("n1")], CancellationToken.None);

        Assert.NotEqual(generation, head!.Generation);
        Assert.Equal(7, head.LastSeq);
        Assert.Equal(8, next.Events.Single().Seq);
        Assert.Contains(loggers.Entries, e => e.Level == LogLevel.Critical && e.Message.Contains("seen by a reader", StringComparison.Ordinal));
        Assert.True((await restarted.Reader.ReadAfterAsync("orders", generation, 7, 10, CancellationToken.None)).Reset);
    }

    [Fact]
    public async Task AppendAsync_HeadRolledBackButSegmentsSurvived_FreshInstanceContinuesAfterThem_Issue14()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var first = harness.CreateLog();
        await first.AppendAsync([.. Enumerable.Range(1, 2).Select(i => EventLogHarness.Event($"e{i}"))], CancellationToken.None);
        var bucket = await BucketOfAsync(harness, "orders");
        var headOnly = await TableSnapshot.TakeAsync(bucket, e => e.RowKey == "head");
        await first.AppendAsync([.. Enumerable.Range(3, 3).Select(i => EventLogHarness.Event($"e{i}"))], CancellationToken.None);
        await first.DisposeAsync();
        await headOnly.RestoreAsync(e => e.RowKey == "head"); // only the head row went back to seq 2

        var loggers = new CapturingLoggers();
        var restarted = harness.CreateLog(loggers: loggers);
        var result = await restarted.AppendAsync([EventLogHarness.Event("e4"), EventLogHarness.Event("n1")], CancellationToken.None);

        Assert.Equal([new AppendedEvent("e4", "orders", 4, true), new AppendedEvent("n1", "orders", 6, false)], result.Events);
        Assert.Contains(loggers.Entries, e => e.Level == LogLevel.Critical && e.Message.Contains("stored in a segment beyond the head", StringComparison.Ordinal));
        Assert.Equal(["e1", "e2", "e3", "e4", "e5", "n1"], (await restarted.ReadAfterAsync("orders", 0, 100, CancellationToken.None)).Select(e => e.Id));
    }

    private static async Task<Azure.Data.Tables.TableClient> BucketOfAsync(EventLogHarness harness, string stream)
    {
        var directory = (await harness.Storage.Table(RelayStorageNames.StreamDirectoryTable).GetEntityAsync<Azure.Data.Tables.TableEntity>("streams", stream)).Value;
        return harness.BucketTable(directory.GetString("Bucket"));
    }
}

using Azure;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using FunctionsDashboard.Tests.Relay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsDashboard.Tests.EventLog;

/// <summary>
/// Issue #11 item 2, automated: day rollover and retention on real Azurite with a <see cref="FakeTimeProvider"/> that
/// walks the log across midnights. Events land in one bucket per UTC day; once a day is older than
/// <see cref="EventLogOptions.Retention"/> (default 7 days) the sweep drops its table whole (segments and markers together)
/// and its payload container one day later; <see cref="StreamHead.FirstRetainedSeq"/> moves to the first seq of the
/// oldest kept day; a position older than that gets <see cref="EventLogPage.Reset"/>; an idle stream keeps its counter;
/// an id of an expired day is no longer known (a new seq, not a duplicate). The id index's own 7-day windows and their
/// expiry: <see cref="IndexWindowTests"/>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RetentionTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task EventsAcrossNineDays_SweepDropsExpiredBucketsWhole_FirstRetainedSeqMoves_OldPositionsReset_Issue11()
    {
        await using var harness = await CreateHarnessAsync();
        var time = new FakeTimeProvider(Start);
        var log = harness.CreateLog(time: time);
        var storage = harness.Services.GetRequiredService<DashboardStorage>();
        IEventLogReader reader = log.Reader;

        // Day 0: two events of "orders", three of "idle" (never written again), one event with data large enough for a blob.
        await AppendAsync(log, "orders", "d0-a", "d0-b");
        await AppendAsync(log, "idle", "i1", "i2", "i3");
        var big = await log.AppendAsync([EventLogHarness.Event("d0-big", dataJson: $$"""{"blob":"{{new string('x', 300 * 1024)}}"}""")], CancellationToken.None);
        Assert.Equal(3, big.Events.Single().Seq);

        // Days 1..7: two events of "orders" a day (rollover at each first commit of a day).
        for (var day = 1; day <= 7; day++)
        {
            time.Advance(TimeSpan.FromDays(1));
            await AppendAsync(log, "orders", $"d{day}-a", $"d{day}-b");
        }

        Assert.Equal(Days(0, 7), await BucketTablesAsync(storage)); // one table per day
        Assert.True(await ContainerExistsAsync(storage, Start));

        // Day 7: day 0 is exactly 7 days old, still retained: nothing goes.
        Assert.Empty(await log.Retention.SweepAsync(CancellationToken.None));
        Assert.Equal(1, (await reader.GetHeadAsync("orders", CancellationToken.None))!.FirstRetainedSeq);

        // Day 8: day 0 expired. One table dropped with everything in it; the other days stay.
        time.Advance(TimeSpan.FromDays(1));
        var dropped = await log.Retention.SweepAsync(CancellationToken.None);
        Assert.Equal([DateOnly.FromDateTime(Start.UtcDateTime)], dropped);
        Assert.Equal(Days(1, 8), await BucketTablesAsync(storage)); // day 8: the idle stream's head moved there
        Assert.True(await ContainerExistsAsync(storage, Start), "payloads are kept one day longer (data spilled before midnight is committed after it)");
        Assert.Empty(await log.Retention.SweepAsync(CancellationToken.None)); // idempotent

        var orders = (await reader.GetHeadAsync("orders", CancellationToken.None))!;
        Assert.Equal((17L, 4L), (orders.LastSeq, orders.FirstRetainedSeq)); // seqs 1..3 were day 0's
        var fromStart = await reader.ReadAfterAsync("orders", orders.Generation, 0, 100, CancellationToken.None);
        Assert.True(fromStart.Reset, "a position older than retention must be reset");
        Assert.Equal(Enumerable.Range(4, 14).Select(s => (long)s), fromStart.Events.Select(e => e.Seq));
        Assert.Equal("d1-a", fromStart.Events[0].Id);
        var atEdge = await reader.ReadAfterAsync("orders", orders.Generation, 3, 100, CancellationToken.None);
        Assert.False(atEdge.Reset); // exactly the first retained event next: no reset
        Assert.Equal(4, atEdge.Events[0].Seq);

        // The idle stream: all its events expired, its counter did not; it continues at seq 4 in today's bucket.
        var idle = (await reader.GetHeadAsync("idle", CancellationToken.None))!;
        Assert.Equal((3L, 4L), (idle.LastSeq, idle.FirstRetainedSeq));
        var idleRead = await reader.ReadAfterAsync("idle", idle.Generation, 1, 10, CancellationToken.None);
        Assert.True(idleRead.Reset);
        Assert.Empty(idleRead.Events);
        var idleNext = await AppendAsync(log, "idle", "i4");
        Assert.Equal(4, idleNext.Events.Single().Seq);

        // Day 0's ids are unknown now (a new seq: its marker went with its bucket, and day 8 claims in its own window
        // only); a recent id is still a duplicate.
        var again = await AppendAsync(log, "orders", "d0-a", "d7-b");
        Assert.False(again.Events.Single(e => e.Id == "d0-a").Duplicate);
        Assert.Equal(18, again.Events.Single(e => e.Id == "d0-a").Seq);
        Assert.True(again.Events.Single(e => e.Id == "d7-b").Duplicate);
        Assert.Equal(17, again.Events.Single(e => e.Id == "d7-b").Seq);

        // Day 9: day 1 expires, and day 0's payload container goes one day after its table.
        time.Advance(TimeSpan.FromDays(1));
        Assert.Equal([DateOnly.FromDateTime(Start.UtcDateTime.AddDays(1))], await log.Retention.SweepAsync(CancellationToken.None));
        Assert.False(await ContainerExistsAsync(storage, Start));
        Assert.Equal(6, (await reader.GetHeadAsync("orders", CancellationToken.None))!.FirstRetainedSeq);
        var old = await reader.ReadAfterAsync("orders", orders.Generation, 3, 100, CancellationToken.None);
        Assert.True(old.Reset, "yesterday's edge is an expired position today");
        Assert.Equal(6, old.Events[0].Seq);
        Assert.Equal(Days(2, 8), await BucketTablesAsync(storage));
    }

    [Fact]
    public async Task AppendAcrossMidnight_RedeliveryWithin24h_FindsTheClaimInYesterdaysBucket_Issue11()
    {
        await using var harness = await CreateHarnessAsync();
        var time = new FakeTimeProvider(Start.Date.AddHours(23).AddMinutes(59)); // 23:59 UTC
        var log = harness.CreateLog(time: time);

        var first = await AppendAsync(log, "orders", "late-1", "late-2");
        time.Advance(TimeSpan.FromMinutes(2)); // 00:01 the next day: the first commit rolls the head over
        var redelivered = await AppendAsync(log, "orders", "late-2", "early-1");
        time.Advance(TimeSpan.FromHours(23)); // 23:01: still within Event Grid's 24 h of the first delivery
        var late = await AppendAsync(log, "orders", "late-1");

        Assert.Equal([1L, 2L], first.Events.Select(e => e.Seq));
        Assert.True(redelivered.Events.Single(e => e.Id == "late-2").Duplicate);
        Assert.Equal(2, redelivered.Events.Single(e => e.Id == "late-2").Seq);
        Assert.Equal(3, redelivered.Events.Single(e => e.Id == "early-1").Seq);
        Assert.True(late.Events.Single().Duplicate);
        Assert.Equal(1, late.Events.Single().Seq);
        var page = await log.Reader.ReadAfterAsync("orders", null, 0, 10, CancellationToken.None);
        Assert.Equal(["late-1", "late-2", "early-1"], page.Events.Select(e => e.Id)); // read across both buckets, in seq order
    }

    private Task<EventLogHarness> CreateHarnessAsync() =>
        EventLogHarness.CreateAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["EventLog:MinCommitInterval"] = "00:00:00", // no pacing timer: fake time does not move by itself
        });

    private static Task<AppendResult> AppendAsync(RelayEventLog log, string stream, params string[] ids) =>
        log.AppendAsync([.. ids.Select(id => EventLogHarness.Event(id, stream))], CancellationToken.None);

    private static List<string> Days(int first, int last) =>
        [.. Enumerable.Range(first, last - first + 1).Select(d => EventLogLayout.DayText(DateOnly.FromDateTime(Start.UtcDateTime.AddDays(d))))];

    private static async Task<List<string>> BucketTablesAsync(DashboardStorage storage)
    {
        var prefix = storage.Name(EventLogLayout.BucketTablePrefix);
        var names = new List<string>();
        var filter = Azure.Data.Tables.TableServiceClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {prefix + "~"}");
        await foreach (var table in storage.Tables.QueryAsync(filter))
        {
            names.Add(table.Name[prefix.Length..]);
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private static async Task<bool> ContainerExistsAsync(DashboardStorage storage, DateTimeOffset day)
    {
        try
        {
            return await storage.Container(EventLogLayout.PayloadContainer(DateOnly.FromDateTime(day.UtcDateTime))).ExistsAsync();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }
}

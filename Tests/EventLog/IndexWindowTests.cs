using Azure.Data.Tables;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using FunctionsDashboard.Tests.Relay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsDashboard.Tests.EventLog;

/// <summary>
/// The id index in 7-day window tables (issue #11 item 1, commit cost): a commit claims in its bucket's window only,
/// except on a window's first day, when a stream with a bucket for the day before claims in the previous window too, so
/// a redelivery within Event Grid's 24 h is recognised across the boundary; a stale claim is taken over in whichever
/// window it sits; two writers racing on a window's first day still store every id once. Real Azurite, fake time.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class IndexWindowTests(AzuriteFixture azurite)
{
    /// <summary>2026-11-22 is the last day of the window 2026-11-16..22 (windows count from DayNumber 0).</summary>
    private static readonly DateOnly LastDay = new(2026, 11, 22);

    private static readonly DateOnly FirstWindow = new(2026, 11, 16);

    private static readonly DateOnly SecondWindow = new(2026, 11, 23);

    [Fact]
    public void IndexWindow_SevenDaysFromDayNumberZero()
    {
        Assert.Equal(FirstWindow, EventLogLayout.IndexWindow(LastDay));
        Assert.Equal(FirstWindow, EventLogLayout.IndexWindow(FirstWindow));
        Assert.Equal(SecondWindow, EventLogLayout.IndexWindow(LastDay.AddDays(1)));
        Assert.Equal(LastDay, EventLogLayout.IndexWindowEnd(FirstWindow));
        Assert.Equal(0, EventLogLayout.IndexWindow(new DateOnly(2026, 12, 2)).DayNumber % 7);
    }

    [Fact]
    public async Task RedeliveryAcrossAWindowBoundaryWithin24h_IsADuplicate_AndOnlyTheFirstDayClaimsInThePreviousWindow_Issue11()
    {
        await using var harness = await CreateHarnessAsync();
        var time = new FakeTimeProvider(At(LastDay, 23, 59));
        var log = harness.CreateLog(time: time);

        var first = await AppendAsync(log, "late-1");
        Assert.Equal(1, first.Events.Single().Seq);
        Assert.True(await ClaimedAsync(harness, FirstWindow, "late-1"));

        // 00:01 on the first day of the next window: the commit claims in both windows and meets the first claim.
        time.Advance(TimeSpan.FromMinutes(2));
        var redelivered = await AppendAsync(log, "late-1", "early-1");
        Assert.True(redelivered.Events.Single(e => e.Id == "late-1").Duplicate);
        Assert.Equal(1, redelivered.Events.Single(e => e.Id == "late-1").Seq);
        Assert.Equal(2, redelivered.Events.Single(e => e.Id == "early-1").Seq);
        Assert.True(await ClaimedAsync(harness, SecondWindow, "early-1"));
        Assert.True(await ClaimedAsync(harness, FirstWindow, "early-1")); // the first day's copy in the previous window

        // 23:01, still within 24 h of the first delivery and still the window's first day: found again.
        time.Advance(TimeSpan.FromHours(23));
        var late = await AppendAsync(log, "late-1");
        Assert.True(late.Events.Single().Duplicate);
        Assert.Equal(1, late.Events.Single().Seq);

        // The second day of the window: one window only, the previous one is not written any more.
        time.Advance(TimeSpan.FromHours(2));
        var second = await AppendAsync(log, "mid-1");
        Assert.Equal(3, second.Events.Single().Seq);
        Assert.True(await ClaimedAsync(harness, SecondWindow, "mid-1"));
        Assert.False(await ClaimedAsync(harness, FirstWindow, "mid-1"));

        // Within one window an id stays known for longer than Event Grid needs: five days later, still a duplicate.
        time.Advance(TimeSpan.FromDays(5));
        var later = await AppendAsync(log, "mid-1", "early-1");
        Assert.All(later.Events, e => Assert.True(e.Duplicate));
        Assert.Equal([3L, 2L], later.Events.Select(e => e.Seq));

        var page = await log.Reader.ReadAfterAsync("orders", null, 0, 10, CancellationToken.None);
        Assert.Equal(["late-1", "early-1", "mid-1"], page.Events.Select(e => e.Id));
    }

    [Fact]
    public async Task StaleClaimOfACrashedCommit_InThePreviousWindowOnItsFirstDay_IsTakenOverAfterTheFence_ThenADuplicate_Issue11()
    {
        await using var harness = await CreateHarnessAsync();
        var time = new FakeTimeProvider(At(LastDay, 12, 0));
        var log = harness.CreateLog(time: time);
        await AppendAsync(log, "before"); // the stream has a bucket on the window's last day

        // A commit that crashed after claiming "lost" (its token never got a marker), 30 s before midnight.
        var idKey = EventLogLayout.IdKey("lost");
        await harness.Storage.Table(EventLogLayout.IndexTable(FirstWindow)).AddEntityAsync(
            EventLogLayout.Claim("orders", idKey, "crashed-token", LastDay, At(LastDay, 23, 59, 30)));

        // Its redelivery on the next window's first day: the Add in the new window succeeds, the previous window's row
        // belongs to a token without a marker, older than ClaimTimeout: taken over (head fenced first), then committed.
        time.SetUtcNow(At(LastDay.AddDays(1), 0, 0, 30).AddSeconds(log.Writer.ClaimTimeout.TotalSeconds));
        var taken = await AppendAsync(log, "lost");
        Assert.False(taken.Events.Single().Duplicate);
        Assert.Equal(2, taken.Events.Single().Seq);
        var claim = EventLogLayout.ReadClaim((await harness.Storage.Table(EventLogLayout.IndexTable(FirstWindow)).GetEntityAsync<TableEntity>(EventLogLayout.IndexPartition("orders", idKey), idKey)).Value);
        Assert.NotEqual("crashed-token", claim.Token);

        // Another instance (a later redelivery) finds it committed under the new token.
        var again = await AppendAsync(harness.CreateLog(time: time), "lost");
        Assert.True(again.Events.Single().Duplicate);
        Assert.Equal(2, again.Events.Single().Seq);
    }

    [Fact]
    public async Task TwoWritersOnAWindowsFirstDay_OverlappingIds_EveryIdOnceAndSeqsGapFree_Issue11()
    {
        await using var harness = await CreateHarnessAsync();

        // Real timers (racing writers wait 20 ms for each other's claims), the wall clock moved to the window's last day.
        var time = new ShiftedTimeProvider(At(LastDay, 23, 0));
        var a = harness.CreateLog(time: time);
        var b = harness.CreateLog(time: time);
        await AppendAsync(a, [.. Enumerable.Range(0, 20).Select(i => $"e{i}")]);
        time.Offset += TimeSpan.FromHours(2); // the next window's first day

        // Both instances get ids 10..49 (redeliveries of yesterday's 10..19 among them); a also 50..69, b 70..89.
        Task<AppendResult> Call(RelayEventLog log, IEnumerable<int> ids) => Task.Run(() => log.AppendAsync([.. ids.Select(i => EventLogHarness.Event($"e{i}"))], CancellationToken.None));
        var calls = Enumerable.Range(0, 4).SelectMany(k => new[]
        {
            Call(a, Enumerable.Range(10 + (k * 10), 10)),
            Call(b, Enumerable.Range(10 + (k * 10), 10)),
            Call(k % 2 == 0 ? a : b, Enumerable.Range(50 + (k * 10), 10)),
        }).ToList();
        await Task.WhenAll(calls);

        var stored = await a.ReadAfterAsync("orders", 0, 1000, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 90).Select(i => (long)i), stored.Select(e => e.Seq));
        Assert.Equal(90, stored.Select(e => e.Id).Distinct().Count());
        var bySeq = stored.ToDictionary(e => e.Id, e => e.Seq);
        Assert.All(calls.SelectMany(c => c.Result.Events), e => Assert.Equal(bySeq[e.Id], e.Seq)); // every answer names the stored seq
        Assert.All(Enumerable.Range(0, 20), i => Assert.True(bySeq[$"e{i}"] <= 20)); // yesterday's ids kept their seqs
    }

    [Fact]
    public async Task Retention_DropsAnIndexWindowWhole_OnceEveryDayOfItExpired_Issue11()
    {
        await using var harness = await CreateHarnessAsync();
        var time = new FakeTimeProvider(At(LastDay, 12, 0));
        var log = harness.CreateLog(time: time);
        var storage = harness.Services.GetRequiredService<DashboardStorage>();
        await AppendAsync(log, "w1-last");
        time.Advance(TimeSpan.FromDays(1));
        await AppendAsync(log, "w2-first");
        Assert.Equal([FirstWindow, SecondWindow], await IndexTablesAsync(storage));

        // Day LastDay + 7: LastDay's bucket is exactly 7 days old, still retained; so is the window.
        time.SetUtcNow(At(LastDay.AddDays(7), 12, 0));
        await AppendAsync(log, "w2-last");
        await log.Retention.SweepAsync(CancellationToken.None);
        Assert.Equal([FirstWindow, SecondWindow], await IndexTablesAsync(storage));

        // Day LastDay + 8: the window's last day expired with its bucket: the window's table goes, the next one stays.
        time.Advance(TimeSpan.FromDays(1));
        Assert.Contains(LastDay, await log.Retention.SweepAsync(CancellationToken.None));
        Assert.Equal([SecondWindow], await IndexTablesAsync(storage));

        // The id of the dropped window is unknown now (a new seq); yesterday's id is still a duplicate (today is again
        // a window's first day: its claim is found in the previous window).
        var again = await AppendAsync(log, "w1-last", "w2-last");
        Assert.False(again.Events.Single(e => e.Id == "w1-last").Duplicate);
        Assert.Equal(4, again.Events.Single(e => e.Id == "w1-last").Seq);
        Assert.True(again.Events.Single(e => e.Id == "w2-last").Duplicate);
        Assert.Equal(3, again.Events.Single(e => e.Id == "w2-last").Seq);
    }

    /// <summary>The system clock and timers, with the wall clock moved to a given moment.</summary>
    private sealed class ShiftedTimeProvider(DateTimeOffset start) : TimeProvider
    {
        public TimeSpan Offset { get; set; } = start - System.GetUtcNow();

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }

    private static DateTimeOffset At(DateOnly day, int hour, int minute, int second = 0) =>
        new(day.ToDateTime(new TimeOnly(hour, minute, second)), TimeSpan.Zero);

    private Task<EventLogHarness> CreateHarnessAsync() =>
        EventLogHarness.CreateAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["EventLog:MinCommitInterval"] = "00:00:00", // no pacing timer: fake time does not move by itself
        });

    private static Task<AppendResult> AppendAsync(RelayEventLog log, params string[] ids) =>
        log.AppendAsync([.. ids.Select(id => EventLogHarness.Event(id))], CancellationToken.None);

    private static async Task<bool> ClaimedAsync(EventLogHarness harness, DateOnly window, string id)
    {
        var idKey = EventLogLayout.IdKey(id);
        var row = await harness.Storage.Table(EventLogLayout.IndexTable(window)).GetEntityIfExistsAsync<TableEntity>(EventLogLayout.IndexPartition("orders", idKey), idKey);
        return row.HasValue;
    }

    private static async Task<List<DateOnly>> IndexTablesAsync(DashboardStorage storage)
    {
        var prefix = storage.Name(EventLogLayout.IndexTablePrefix);
        var windows = new List<DateOnly>();
        await foreach (var table in storage.Tables.QueryAsync(TableServiceClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {prefix + "~"}")))
        {
            windows.Add(EventLogLayout.ParseDay(table.Name[prefix.Length..]));
        }

        windows.Sort();
        return windows;
    }
}

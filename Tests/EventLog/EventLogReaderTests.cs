using FunctionsDashboard.EventLog;
using FunctionsDashboard.Tests.Relay;

namespace FunctionsDashboard.Tests.EventLog;

/// <summary>The v2 reader (<see cref="IEventLogReader"/>) on real Azurite: pages, heads, resets, the stream directory.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EventLogReaderTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ReadAfterAsync_PositionsOfTheCurrentGeneration_PageExactly()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var log = harness.CreateLog();
        await log.AppendAsync([.. Enumerable.Range(1, 5).Select(i => EventLogHarness.Event($"e{i}"))], CancellationToken.None);
        IEventLogReader reader = log.Reader;

        var head = await reader.GetHeadAsync("orders", CancellationToken.None);
        var page = await reader.ReadAfterAsync("orders", head!.Generation, 2, 2, CancellationToken.None);
        var all = await reader.ReadAfterAsync("orders", null, 0, 100, CancellationToken.None);
        var end = await reader.ReadAfterAsync("orders", head.Generation, 5, 100, CancellationToken.None);

        Assert.Equal(("orders", 5L, 1L), (head.Stream, head.LastSeq, head.FirstRetainedSeq));
        Assert.Matches("^g1-[a-z0-9_-]{6}$", head.Generation);
        Assert.Equal([3L, 4L], page.Events.Select(e => e.Seq));
        Assert.False(page.Reset);
        Assert.Equal(head, page.Head);
        Assert.Equal(["e1", "e2", "e3", "e4", "e5"], all.Events.Select(e => e.Id));
        Assert.Equal("e3", all.Events[2].Data.GetProperty("id").GetString());
        Assert.Empty(end.Events);
        Assert.False(end.Reset);
    }

    [Fact]
    public async Task ReadAfterAsync_OtherGenerationOrAheadOfTheLog_ResetsToTheOldestRetained()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var log = harness.CreateLog();
        await log.AppendAsync([.. Enumerable.Range(1, 4).Select(i => EventLogHarness.Event($"e{i}"))], CancellationToken.None);
        IEventLogReader reader = log.Reader;
        var generation = (await reader.GetHeadAsync("orders", CancellationToken.None))!.Generation;

        var otherGeneration = await reader.ReadAfterAsync("orders", "g7-zzzzzz", 2, 100, CancellationToken.None);
        var ahead = await reader.ReadAfterAsync("orders", generation, 9, 100, CancellationToken.None);

        Assert.True(otherGeneration.Reset);
        Assert.Equal([1L, 2L, 3L, 4L], otherGeneration.Events.Select(e => e.Seq));
        Assert.True(ahead.Reset);
        Assert.Equal([1L, 2L, 3L, 4L], ahead.Events.Select(e => e.Seq));
    }

    [Fact]
    public async Task ListStreamsAsync_OneQuery_HeadsFreshWithinASecond()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var log = harness.CreateLog();
        IEventLogReader reader = log.Reader;
        await log.AppendAsync([EventLogHarness.Event("a1"), EventLogHarness.Event("x1", stream: "other")], CancellationToken.None);
        await log.AppendAsync([EventLogHarness.Event("a2"), EventLogHarness.Event("a3")], CancellationToken.None);

        var heads = await Eventually.WaitAsync(
            () => reader.ListStreamsAsync(CancellationToken.None),
            hs => hs.Count == 2 && hs.Single(h => h.Stream == "orders").LastSeq == 3,
            TimeSpan.FromSeconds(3),
            "the directory shows both streams with their heads");

        Assert.Equal(1, heads.Single(h => h.Stream == "other").LastSeq);
        Assert.Equal(await reader.GetHeadAsync("orders", CancellationToken.None), heads.Single(h => h.Stream == "orders"));
        Assert.Null(await reader.GetHeadAsync("nothing-here", CancellationToken.None));
        Assert.Empty((await reader.ReadAfterAsync("nothing-here", null, 0, 10, CancellationToken.None)).Events);
    }

    [Fact]
    public async Task ReadAfterAsync_AcrossSegmentsOfManyCommits_InSeqOrder()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var log = harness.CreateLog();
        for (var c = 0; c < 12; c++)
        {
            await log.AppendAsync([.. Enumerable.Range(0, 3).Select(i => EventLogHarness.Event($"c{c}-{i}"))], CancellationToken.None);
        }

        var events = new List<StoredEvent>();
        while (true)
        {
            var page = await log.Reader.ReadAfterAsync("orders", null, events.Count == 0 ? 0 : events[^1].Seq, 5, CancellationToken.None);
            if (page.Events.Count == 0)
            {
                break;
            }

            events.AddRange(page.Events);
        }

        Assert.Equal(Enumerable.Range(1, 36).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal("c4-1", (await log.GetAsync("orders", 14, CancellationToken.None))!.Id);
    }
}

using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using FunctionsDashboard.Relay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>The event log on real Azurite: seq assignment, idempotency, hand-off and the crash between commit and hand-off.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EventLogTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task AppendAsync_SameIdTwice_OneLogEntryAndOneHandOff()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var log = harness.CreateLog();

        var first = await log.AppendAsync([EventLogHarness.Event("e1")], CancellationToken.None);
        var again = await log.AppendAsync([EventLogHarness.Event("e1")], CancellationToken.None);

        Assert.Equal(new AppendedEvent("e1", "orders", 1, Duplicate: false), first.Events.Single());
        Assert.Equal(new AppendedEvent("e1", "orders", 1, Duplicate: true), again.Events.Single());
        Assert.Single(await log.ReadAfterAsync("orders", 0, 100, CancellationToken.None));
        Assert.Equal([RelayDeliveryMessage.For("orders", 1, 1)], await RelayQueue.DrainWhenHandedOffAsync(harness.Storage, "orders"));
    }

    [Fact]
    public async Task AppendAsync_RedeliveryInALaterInstance_KeepsTheFirstSeqAndHandsOffNothing()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var first = harness.CreateLog();
        await first.AppendAsync([EventLogHarness.Event("e1"), EventLogHarness.Event("e2")], CancellationToken.None);
        await first.DisposeAsync(); // the first instance has finished (its outbox entry is cleared) before Event Grid redelivers
        await RelayQueue.DrainAsync(harness.Queue);

        var result = await harness.CreateLog().AppendAsync([EventLogHarness.Event("e2"), EventLogHarness.Event("e3")], CancellationToken.None);

        Assert.Equal([new AppendedEvent("e2", "orders", 2, true), new AppendedEvent("e3", "orders", 3, false)], result.Events);
        Assert.Equal([RelayDeliveryMessage.For("orders", 3, 3)], await RelayQueue.DrainWhenHandedOffAsync(harness.Storage, "orders"));
    }

    [Fact]
    public async Task AppendAsync_IdRepeatedInsideOneBatch_IsOneEvent()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var log = harness.CreateLog();

        var result = await log.AppendAsync([EventLogHarness.Event("a"), EventLogHarness.Event("b"), EventLogHarness.Event("a")], CancellationToken.None);

        Assert.Equal([1L, 2L, 1L], result.Events.Select(e => e.Seq));
        Assert.Equal([false, false, true], result.Events.Select(e => e.Duplicate));
        Assert.Equal(2, (await log.ReadAfterAsync("orders", 0, 100, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task AppendAsync_TwentyConcurrentCallsOfTenEvents_SeqsStrictlyMonotonicAndGapFree()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var stats = new RelayStats(TimeProvider.System);
        var log = harness.CreateLog(stats: stats);

        var calls = Enumerable.Range(0, 20)
            .Select(c => Task.Run(() => log.AppendAsync([.. Enumerable.Range(0, 10).Select(i => EventLogHarness.Event($"c{c}-e{i}"))], CancellationToken.None)));
        var results = await Task.WhenAll(calls);

        var all = results.SelectMany(r => r.Events).ToList();
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), all.Select(e => e.Seq).Order());
        Assert.All(results, r => Assert.Equal(r.Events.Select(e => e.Seq).Order(), r.Events.Select(e => e.Seq))); // a call's events keep their order
        var stored = await log.ReadAfterAsync("orders", 0, 1000, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), stored.Select(e => e.Seq));
        Assert.Equal(all.ToDictionary(e => e.Id, e => e.Seq), stored.ToDictionary(e => e.Id, e => e.Seq));
        var handOffs = RelayQueue.HandOffsPerSeq(await RelayQueue.DrainWhenHandedOffAsync(harness.Storage, "orders"), "orders");
        Assert.Equal(200, handOffs.Count);
        Assert.All(handOffs.Values, count => Assert.Equal(1, count));
        Assert.InRange(stats.Snapshot().Commits, 1, 20); // concurrent calls share transactions
    }

    [Fact]
    public async Task AppendAsync_TwoInstancesRacingWithOverlappingIds_EveryIdOnceAndSeqsGapFree()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var a = harness.CreateLog();
        var b = harness.CreateLog();

        // Both instances receive ids 0..79 (Event Grid redelivering to another instance); a also gets 80..119, b 120..159.
        Task<AppendResult> Call(RelayEventLog log, IEnumerable<int> ids) => Task.Run(() => log.AppendAsync([.. ids.Select(i => EventLogHarness.Event($"e{i}"))], CancellationToken.None));
        var calls = Enumerable.Range(0, 8).SelectMany(k => new[]
        {
            Call(a, Enumerable.Range(k * 10, 10)),
            Call(b, Enumerable.Range(k * 10, 10)),
            Call(k % 2 == 0 ? a : b, Enumerable.Range(80 + (k * 10), 10)),
        });
        await Task.WhenAll(calls);

        var stored = await a.ReadAfterAsync("orders", 0, 1000, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 160).Select(i => (long)i), stored.Select(e => e.Seq));
        Assert.Equal(160, stored.Select(e => e.Id).Distinct().Count());
        var handOffs = RelayQueue.HandOffsPerSeq(await RelayQueue.DrainWhenHandedOffAsync(harness.Storage, "orders"), "orders");
        Assert.Equal(Enumerable.Range(1, 160).Select(i => (long)i), handOffs.Keys.Order()); // nothing lost; a race may hand a range off twice
    }

    [Fact]
    public async Task AppendAsync_QueueDownAfterCommit_EventDurableThenRedeliveryAfterRestartHandsItOffOnce()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var queueDown = new FailingHandOff();

        // The process commits, then cannot enqueue (it might as well have crashed right after the commit): the call is
        // acknowledged all the same, as the event is durable and its range is in the outbox, written with it.
        var crashed = harness.CreateLog(queueDown);
        var appended = await crashed.AppendAsync([EventLogHarness.Event("e1")], CancellationToken.None);
        Assert.Equal(new AppendedEvent("e1", "orders", 1, false), appended.Events.Single());
        await crashed.DisposeAsync(); // waits for its hand-off, which fails
        Assert.True(queueDown.Calls > 0);
        Assert.NotNull(await harness.CreateLog().GetAsync("orders", 1, CancellationToken.None));
        Assert.StartsWith("1-1@", await RelayQueue.OutboxAsync(harness.Storage, "orders"), StringComparison.Ordinal);
        Assert.Empty(await RelayQueue.DrainAsync(harness.Queue));

        // After a restart Event Grid redelivers (an ack lost): same seq, no new entry, and the pending range is handed off
        // now, once.
        var restarted = harness.CreateLog();
        var redelivered = await restarted.AppendAsync([EventLogHarness.Event("e1")], CancellationToken.None);
        var onceMore = await restarted.AppendAsync([EventLogHarness.Event("e1")], CancellationToken.None);

        Assert.Equal(new AppendedEvent("e1", "orders", 1, true), redelivered.Events.Single());
        Assert.Equal(new AppendedEvent("e1", "orders", 1, true), onceMore.Events.Single());
        Assert.Single(await restarted.ReadAfterAsync("orders", 0, 100, CancellationToken.None));
        Assert.Equal([RelayDeliveryMessage.For("orders", 1, 1)], await RelayQueue.DrainWhenHandedOffAsync(harness.Storage, "orders"));
    }

    [Fact]
    public async Task AppendAsync_QueueStalled_CallsStillAcknowledged_OutboxHoldsOneMergedRange_AllHandedOffOnceItAnswers()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var stalled = new StalledHandOff(harness.Services.GetRequiredService<IRelayHandOff>());
        var log = harness.CreateLog(stalled);

        // The queue takes no message (a storage queue stalled for a while): every call is still acknowledged at its commit,
        // and the head's outbox holds one range for the run of commits, not one per commit (it never fills up).
        var results = new List<AppendResult>();
        for (var i = 1; i <= 20; i++)
        {
            results.Add(await log.AppendAsync([EventLogHarness.Event($"e{i}")], CancellationToken.None));
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), results.Select(r => r.Events.Single().Seq));
        Assert.Matches("^1-20@[0-9]+$", await RelayQueue.OutboxAsync(harness.Storage, "orders"));
        Assert.True(stalled.Waiting > 0);

        stalled.Release();
        var messages = await RelayQueue.DrainWhenHandedOffAsync(harness.Storage, "orders");

        var handOffs = RelayQueue.HandOffsPerSeq(messages, "orders");
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), handOffs.Keys.Order());
        Assert.All(handOffs.Values, n => Assert.Equal(1, n));
        Assert.InRange(messages.Count, 1, 3); // the first commit's range, then the ranges that queued behind it as one message
    }

    [Fact]
    public async Task AppendAsync_CommitsWithinTheHandOffInterval_GoToTheQueueAsOneMessage()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString, new() { ["EventLog:HandOffInterval"] = "00:00:05" });
        var log = harness.CreateLog();

        for (var i = 1; i <= 6; i++)
        {
            await log.AppendAsync([EventLogHarness.Event($"e{i}")], CancellationToken.None);
        }

        await log.DisposeAsync(); // shutting down sends what waits for the interval at once
        var messages = await RelayQueue.DrainAsync(harness.Queue);

        var handOffs = RelayQueue.HandOffsPerSeq(messages, "orders");
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), handOffs.Keys.Order());
        Assert.All(handOffs.Values, n => Assert.Equal(1, n));
        Assert.InRange(messages.Count, 1, 2); // six commits: the first at once, the rest after the interval, in one message
        Assert.Equal("", await RelayQueue.OutboxAsync(harness.Storage, "orders"));
    }

    [Fact]
    public async Task RecoverPendingAsync_RangeOlderThanGrace_HandedOffOnceBySweep()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString, new() { ["Relay:PendingGrace"] = "00:01:00" });
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var crashed = harness.CreateLog(new FailingHandOff(), time);
        await crashed.AppendAsync([EventLogHarness.Event("e1"), EventLogHarness.Event("e2")], CancellationToken.None); // acknowledged: durable, in the outbox
        await crashed.DisposeAsync(); // its hand-off failed: the range stays in the outbox

        var sweeper = harness.CreateLog(time: time);
        Assert.Equal(0, await sweeper.RecoverPendingAsync(CancellationToken.None)); // too young: its writer may still hand it off

        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(1, await sweeper.RecoverPendingAsync(CancellationToken.None));
        Assert.Equal(0, await sweeper.RecoverPendingAsync(CancellationToken.None));
        Assert.Equal([RelayDeliveryMessage.For("orders", 1, 2)], await RelayQueue.DrainAsync(harness.Queue));
    }

    [Fact]
    public async Task AppendAsync_HandedOffRanges_LeaveTheOutboxWithTheNextCommitOrAtShutdown()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var log = harness.CreateLog();
        async Task<string> OutboxAsync() => (await harness.HeadEntityAsync("orders")).GetString("Pending");

        await log.AppendAsync([EventLogHarness.Event("e1")], CancellationToken.None);
        await log.AppendAsync([EventLogHarness.Event("e2")], CancellationToken.None);
        var whileRunning = await OutboxAsync();
        await log.DisposeAsync();

        Assert.DoesNotContain("1-1@", whileRunning, StringComparison.Ordinal); // the second commit removed the first range
        Assert.Equal("", await OutboxAsync());
    }

    [Fact]
    public async Task AppendAsync_LargeEvents_ChunkedInlineOrSpilledToBlobAndReadBack()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var log = harness.CreateLog();
        var medium = JsonSerializer.Serialize(new { text = new string('m', 150_000) });   // > 64 KiB: several binary chunks
        var large = JsonSerializer.Serialize(new { text = new string('L', 700_000) });    // > 256 KiB: a blob

        await log.AppendAsync([EventLogHarness.Event("m", dataJson: medium), EventLogHarness.Event("l", dataJson: large)], CancellationToken.None);

        var stored = await log.ReadAfterAsync("orders", 0, 10, CancellationToken.None);
        Assert.Equal(medium, stored[0].Data.GetRawText());
        Assert.Equal(large, stored[1].Data.GetRawText());
        Assert.Equal(large, (await log.GetAsync("orders", 2, CancellationToken.None))!.Data.GetRawText());
        Assert.True(await harness.Storage.Container(RelayStorageNames.PayloadContainerPrefix + TimeProvider.System.GetUtcNow().UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)).GetBlobClient("orders/id:l").ExistsAsync());
    }

    [Fact]
    public async Task ReadApi_PagesGetsAndLists()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var log = harness.CreateLog();
        await log.AppendAsync([.. Enumerable.Range(1, 5).Select(i => EventLogHarness.Event($"e{i}")), EventLogHarness.Event("x1", stream: "other")], CancellationToken.None);

        var page = await log.ReadAfterAsync("orders", 2, 2, CancellationToken.None);
        var third = await log.GetAsync("orders", 3, CancellationToken.None);

        Assert.Equal([3L, 4L], page.Select(e => e.Seq));
        Assert.Equal(page[0] with { Data = default }, third! with { Data = default }); // JsonElement compares by reference
        Assert.Equal(("e3", "orders", "Order.Created", "/orders", "orders/e3"), (third!.Id, third.Stream, third.Type, third.Source, third.Subject));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.FromHours(1)), third.Time);
        Assert.Equal("e3", third.Data.GetProperty("id").GetString());
        Assert.Null(await log.GetAsync("orders", 6, CancellationToken.None));
        Assert.Empty(await log.ReadAfterAsync("orders", 5, 10, CancellationToken.None));
        Assert.Equal(5, await log.GetLastSeqAsync("orders", CancellationToken.None));
        Assert.Equal(1, await log.GetLastSeqAsync("other", CancellationToken.None));
        Assert.Equal(["orders", "other"], (await log.ListStreamsAsync(CancellationToken.None)).Order());
        await Assert.ThrowsAsync<ArgumentException>(() => log.ReadAfterAsync("Not/A/Stream", 0, 1, CancellationToken.None));
    }

    [Fact]
    public async Task HandOff_QueueMessage_IsBase64JsonAsTheQueueTriggerExpects()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        await harness.CreateLog().AppendAsync([EventLogHarness.Event("e1")], CancellationToken.None);

        // A client without message encoding sees the raw text on the queue.
        var raw = new QueueClient(azurite.ConnectionString, harness.Storage.Name(RelayStorageNames.DeliveryQueue));
        var message = (await raw.ReceiveMessageAsync()).Value;

        var json = Encoding.UTF8.GetString(Convert.FromBase64String(message.Body.ToString()));
        Assert.Equal(RelayDeliveryMessage.For("orders", 1, 1), RelayDeliveryMessage.Parse(json));
    }
}

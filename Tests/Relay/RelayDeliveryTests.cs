using System.Net;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>
/// <see cref="RelayDelivery"/>, its per-stream senders and <see cref="RelayDeadLetters"/> on Azurite with a scripted
/// SignalR Service and fake time: the fast path (commit listener) and the safety net (queue message) sharing one sender
/// per stream (seq order, no duplicate), batching, the durable watermark across restarts, dead-lettering with reasons
/// (retries exhausted, not retryable, poison, missing, unreadable message), the shared Retry-After gate, the message
/// budget, audience groups, and re-drive.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RelayDeliveryTests(AzuriteFixture azurite)
{
    private const string Stream = "orders";

    [Fact]
    public async Task DeliverAsync_HealthyService_PushesEveryEventOnceInSeqOrderAsSingleEventMessages()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAsync(Stream, 5);

        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(5, AlreadySettled: false, Continued: false), outcome);
        Assert.All(h.Broadcaster.Pushes, p => Assert.Equal(RelayDelivery.HubTarget, p.Target));
        Assert.Equal([1L, 2, 3, 4, 5], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        Assert.Equal(["evt-1", "evt-2", "evt-3", "evt-4", "evt-5"], h.Broadcaster.Pushes.Select(p => p.Event.Id));
        var first = h.Broadcaster.Pushes.First().Event;
        Assert.Equal((Stream, "ops.metric", "/orders", "tests", 1), (first.Stream, first.Type, first.Source, first.Subject, first.Data.GetProperty("n").GetInt32()));
        Assert.Equal((5L, 0L, 0L, 5L), (h.Stats.Snapshot().Delivered, h.Stats.Snapshot().DeadLettered, h.Stats.Snapshot().Retried, h.Stats.Snapshot().Sends));
    }

    [Fact]
    public async Task OnCommitted_FastPath_PushesWithoutAQueueMessage_ThenTheMessageFindsItSettled()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);

        var message = await h.AppendAndOfferAsync(Stream, 4);
        await h.WaitSettledAsync(Stream, 4);
        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal([1L, 2, 3, 4], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        Assert.Equal(new DeliveryOutcome(4, AlreadySettled: true, Continued: false), outcome);
        Assert.Equal(4, h.Stats.Snapshot().Delivered);
    }

    [Fact]
    public async Task FastPathAndSafetyNetAtOnce_ManyCommits_EachEventOnceInSeqOrder()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var messages = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            messages.Add(await h.AppendAndOfferAsync(Stream, 3, $"c{i}"));
        }

        // The queue messages arrive while the fast path is still sending: they wait on the same sender.
        var outcomes = await Task.WhenAll(messages.Select(m => h.Delivery.DeliverAsync(m, CancellationToken.None)));

        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        Assert.All(outcomes, o => Assert.False(o.Continued));
        Assert.Equal(30, h.Stats.Snapshot().Delivered);
    }

    [Fact]
    public async Task MaxEventsPerMessage_Batches_ConsecutiveEventsGoAsEventsArrays_ARunOfOneAsEvent()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString, new RelayDeliveryOptions { AttemptTimeout = RelayDeliveryHarness.AttemptTimeout, MaxEventsPerMessage = 3 });
        var message = await h.AppendAsync(Stream, 7);

        await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(
            [(RelayDelivery.BatchHubTarget, "1,2,3"), (RelayDelivery.BatchHubTarget, "4,5,6"), (RelayDelivery.HubTarget, "7")],
            h.Broadcaster.Messages.Select(m => (m.Target, string.Join(',', m.Seqs))));
        Assert.Equal((7L, 3L), (h.Stats.Snapshot().Delivered, h.Stats.Snapshot().Sends));
    }

    [Fact]
    public async Task Watermark_AfterIdle_IsDurable_ANewInstanceSkipsWhatWasSettled()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAndOfferAsync(Stream, 4);
        await h.WaitSettledAsync(Stream, 4);

        // The idle sender writes its watermark when its linger lets the lease go (not in front of the next event): move
        // time past the linger (each probe, as the linger's timer may be armed only after the settle was seen).
        await Eventually.WaitAsync(
            () =>
            {
                h.Time.Advance(RelayDeliveryLease.Linger);
                return h.States.GetAsync(Stream, CancellationToken.None);
            },
            w => w?.Through == 4,
            TimeSpan.FromSeconds(20),
            "watermark 4 stored");

        h.Restart();
        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(4, outcome.SettledThrough);
        Assert.Equal(4, h.Broadcaster.Pushes.Count);
    }

    [Fact]
    public async Task Stopped_MidRange_ANewInstanceResumesFromTheDurableWatermark_NothingLost()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAsync(Stream, 5);
        using var invocation = new CancellationTokenSource();
        h.Broadcaster.BeforePush = seq =>
        {
            if (seq == 3)
            {
                h.StopAsync().GetAwaiter().GetResult(); // the host stops while event 3 is being pushed...
                invocation.Cancel(); // ...and cancels the running invocation
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Delivery.DeliverAsync(message, invocation.Token));
        h.Broadcaster.BeforePush = null;
        h.Restart();
        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        // Nothing was recorded before the stop: the new instance sends from 1 again (duplicates, dropped by id), in order.
        Assert.Equal(5, outcome.SettledThrough);
        var seqs = h.Broadcaster.Pushes.Select(p => p.Event.Seq).ToList();
        Assert.Equal([1L, 2, 3, 4, 5], seqs.Skip(seqs.LastIndexOf(1)));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => (long)i), seqs.Distinct().Order());
    }

    [Fact]
    public async Task DeliverAsync_TransientFailuresThenSuccess_RetriesAndDelivers()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAsync(Stream, 3);
        h.Broadcaster.Fail = (seq, attempt) => seq == 2 && attempt <= 3 ? FakeBroadcaster.Status(HttpStatusCode.BadGateway) : null;

        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(3, outcome.SettledThrough);
        Assert.Equal([1L, 2, 3], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        Assert.Equal(4, h.Broadcaster.Tries(2));
        Assert.Equal((3L, 3L, 0L), (h.Stats.Snapshot().Delivered, h.Stats.Snapshot().Retried, h.Stats.Snapshot().DeadLettered));
    }

    [Fact]
    public async Task DeliverAsync_RetriesExhausted_DeadLettersWithReasonAttemptsAndTime_OthersDelivered()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAsync(Stream, 3);
        h.Broadcaster.Fail = (seq, _) => seq == 2 ? FakeBroadcaster.Status(HttpStatusCode.ServiceUnavailable) : null;

        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(3, outcome.SettledThrough);
        Assert.Equal([1L, 3], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        var entry = Assert.Single(await h.ListDeadLettersAsync());
        Assert.Equal((Stream, 2L, "evt-2", DeadLetterOrigins.RetriesExhausted, 10, 503), (entry.Stream, entry.Seq, entry.Id, entry.Origin, entry.Attempts, entry.StatusCode));
        Assert.Contains("Gave up after 10 tries", entry.Reason, StringComparison.Ordinal);
        Assert.True(entry.DeadLetteredAt > DateTimeOffset.MinValue);
        Assert.Equal((2L, 1L), (h.Stats.Snapshot().Delivered, h.Stats.Snapshot().DeadLettered));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge)]
    public async Task NotRetryable_InABatch_TheBatchIsSplit_OnlyTheBadEventDeadLettered(HttpStatusCode status)
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString, new RelayDeliveryOptions { AttemptTimeout = RelayDeliveryHarness.AttemptTimeout, MaxEventsPerMessage = 10 });
        var message = await h.AppendAsync(Stream, 4);
        h.Broadcaster.Fail = (seq, attempt) => seq == 1 && attempt == 1 ? FakeBroadcaster.Status(status) // the batch 1..4
            : seq == 3 ? FakeBroadcaster.Status(status) : null; // alone, event 3 is refused again

        await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal([1L, 2, 4], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        var entry = Assert.Single(await h.ListDeadLettersAsync());
        Assert.Equal((3L, DeadLetterOrigins.NotRetryable, 1, (int)status), (entry.Seq!.Value, entry.Origin, entry.Attempts, entry.StatusCode!.Value));
        Assert.Equal(0, h.Stats.Snapshot().Retried);
    }

    [Fact]
    public async Task RetryAfter_OnOneStream_PausesEveryStreamOnce_NotOneWaitPerEvent()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var a = await h.AppendAsync("stream-a", 1);
        var b = await h.AppendAsync("stream-b", 3);
        var start = h.Time.GetUtcNow();
        var sentAt = new List<(long Seq, TimeSpan At)>();
        h.Broadcaster.BeforePush = seq => sentAt.Add((seq, h.Time.GetUtcNow() - start));
        h.Broadcaster.Fail = (seq, attempt) => seq == 1 && attempt == 1 ? FakeBroadcaster.Status(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(20)) : null;

        await h.Delivery.DeliverAsync(a, CancellationToken.None); // a's 429 holds the gate for 20 s
        Assert.True(h.Gate.Remaining <= TimeSpan.Zero);
        var afterA = h.Time.GetUtcNow() - start;
        await h.Delivery.DeliverAsync(b, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(20), afterA);
        Assert.Equal(1, h.Gate.Holds);
        Assert.Equal(4, h.Stats.Snapshot().Delivered);
        Assert.All(sentAt.Skip(1), s => Assert.True(s.At >= TimeSpan.FromSeconds(20), $"seq {s.Seq} sent at {s.At}, inside the hold"));
    }

    [Fact]
    public async Task RelayDeliveryGate_HoldWhileClosed_WaitersWaitForTheLongestHold()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var gate = new RelayDeliveryGate(time);
        gate.Hold(TimeSpan.FromSeconds(5));
        gate.Hold(TimeSpan.FromSeconds(2)); // shorter: the 5 s stands

        var waiting = gate.WaitAsync(CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(waiting.IsCompleted);
        gate.Hold(TimeSpan.FromSeconds(3)); // extends to 7 s from the start
        time.Advance(TimeSpan.FromSeconds(1));
        await Task.Yield();
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.Zero, gate.Remaining);
        Assert.Equal(3, gate.Holds);
    }

    [Fact]
    public async Task Audience_Groups_EachBatchGoesToEveryGroup()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        h.Audience.Targets = new EventTargets(false, ["tenant-a", "tenant-b"]);
        var message = await h.AppendAsync(Stream, 2);

        await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal([("tenant-a", "1"), ("tenant-b", "1"), ("tenant-a", "2"), ("tenant-b", "2")], h.Broadcaster.Messages.Select(m => (m.Group!, string.Join(',', m.Seqs))));
        Assert.Equal(2, h.Stats.Snapshot().Delivered);
    }

    [Fact]
    public async Task DeliverAsync_UnreadableMessage_DeadLettersItWithoutThrowing()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);

        var outcome = await h.Delivery.DeliverAsync("""{"v":99}""", CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(0, AlreadySettled: false, Continued: false), outcome);
        var entry = Assert.Single(await h.ListDeadLettersAsync());
        Assert.Equal((null, null, DeadLetterOrigins.InvalidMessage, """{"v":99}"""), (entry.Stream, entry.Seq, entry.Origin, entry.Message));
    }

    [Fact]
    public async Task DeliverAsync_RangeBeyondTheLog_DeadLettersTheMissingSeqs()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        await h.AppendAsync(Stream, 2);

        await h.Delivery.DeliverAsync(RelayDeliveryMessage.For(Stream, 1, 4).ToJson(), CancellationToken.None);

        Assert.Equal([1L, 2], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        var entries = await h.ListDeadLettersAsync();
        Assert.Equal([3L, 4], entries.Select(e => e.Seq!.Value));
        Assert.All(entries, e => Assert.Equal(DeadLetterOrigins.Missing, e.Origin));
    }

    [Fact]
    public async Task DeliverAsync_MessageBudgetSpent_HandsOffTheUnsettledRestAsANewMessage()
    {
        var options = new RelayDeliveryOptions { AttemptTimeout = RelayDeliveryHarness.AttemptTimeout, MessageBudget = TimeSpan.FromSeconds(30), MaxEventsPerMessage = 1 };
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString, options);
        var message = await h.AppendAsync(Stream, 4);
        var release = new TaskCompletionSource();
        h.Broadcaster.BeforePush = seq =>
        {
            if (seq == 3)
            {
                h.Time.Advance(options.MessageBudget); // event 3 takes longer than the message may wait
                release.Task.Wait(TimeSpan.FromSeconds(20));
            }
        };

        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);
        release.SetResult();

        Assert.True(outcome.Continued);
        var next = Assert.Single(h.HandOff.Messages);
        Assert.Equal((Stream, 3L, 4L), (next.Stream, next.FirstSeq, next.LastSeq));
        await h.WaitSettledAsync(Stream, 4); // the sender itself goes on
        Assert.Equal(4, (await h.Delivery.DeliverAsync(next.ToJson(), CancellationToken.None)).SettledThrough);
        Assert.Equal([1L, 2, 3, 4], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
    }

    [Fact]
    public async Task DeadLetterPoisonedAsync_DeadLettersOnlyTheEventsAboveTheWatermark()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        await h.AppendAsync(Stream, 2);
        await h.Delivery.DeliverAsync(RelayDeliveryMessage.For(Stream, 1, 2).ToJson(), CancellationToken.None);
        await h.AppendAsync(Stream, 2, "late");

        var count = await h.Delivery.DeadLetterPoisonedAsync(RelayDeliveryMessage.For(Stream, 1, 4).ToJson(), CancellationToken.None);

        Assert.Equal(2, count);
        var entries = await h.ListDeadLettersAsync();
        Assert.Equal([3L, 4], entries.Select(e => e.Seq!.Value));
        Assert.All(entries, e => Assert.Equal(DeadLetterOrigins.Poison, e.Origin));
        Assert.Equal(["late-1", "late-2"], entries.Select(e => e.Id));
    }

    [Fact]
    public async Task RedriveAsync_DeadLetteredEvents_QueuedAsRedriveMessagesThenDeliveredAndRemoved()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString, new RelayDeliveryOptions { AttemptTimeout = RelayDeliveryHarness.AttemptTimeout, MaxAttempts = 2, MaxEventsPerMessage = 1 });
        var message = await h.AppendAsync(Stream, 4);
        h.Broadcaster.Fail = (seq, _) => seq is 2 or 3 ? FakeBroadcaster.Status(HttpStatusCode.ServiceUnavailable) : null;
        await h.Delivery.DeliverAsync(message, CancellationToken.None);
        Assert.Equal(2, (await h.ListDeadLettersAsync()).Count);
        h.Broadcaster.Fail = (_, _) => null;

        var result = await h.DeadLetters.RedriveAsync(Stream, CancellationToken.None);
        Assert.Equal(new RedriveResult(2, 1, 0), result);
        var redrive = Assert.Single(h.HandOff.Messages);
        Assert.Equal((2L, 3L, true), (redrive.FirstSeq, redrive.LastSeq, redrive.Redrive));
        await h.Delivery.DeliverAsync(redrive.ToJson(), CancellationToken.None);

        Assert.Equal([1L, 4, 2, 3], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        Assert.Empty(await h.ListDeadLettersAsync());
        var s = h.Stats.Snapshot();
        Assert.Equal((4L, 2L, 2L), (s.Delivered, s.DeadLettered, s.Redriven));
    }

    [Fact]
    public async Task Redrive_DeliveredBeforeTheEntryIsRemoved_AndFailingAgain_KeepsTheNewEntry()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString, new RelayDeliveryOptions { AttemptTimeout = RelayDeliveryHarness.AttemptTimeout, MaxAttempts = 1, MaxEventsPerMessage = 1 });
        var message = await h.AppendAsync(Stream, 1);
        h.Broadcaster.Fail = (_, _) => FakeBroadcaster.Status(HttpStatusCode.ServiceUnavailable);
        await h.Delivery.DeliverAsync(message, CancellationToken.None);

        // The re-drive's delivery runs (and fails again) between the hand-off and the entry's removal.
        var handOff = new DeliveringHandOff(h);
        var deadLetters = new RelayDeadLetters(h.DeadLetterStore, handOff, h.Stats, WriteRegistry(), Microsoft.Extensions.Logging.Abstractions.NullLogger<RelayDeadLetters>.Instance);
        await deadLetters.RedriveAsync(Stream, CancellationToken.None);

        var entry = Assert.Single(await h.ListDeadLettersAsync());
        Assert.Equal(1L, entry.Seq);
        Assert.Equal(2, h.Broadcaster.Tries(1));
    }

    [Fact]
    public void Ranges_ConsecutiveSeqsPerStream_SplitAtGapsAndAtTheRangeCap()
    {
        var events = new List<(string, long)> { ("a", 1), ("a", 2), ("a", 3), ("a", 5), ("b", 1), ("a", 2) };
        events.AddRange(Enumerable.Range(100, RelayDeadLetters.MaxRedriveRange + 1).Select(i => ("c", (long)i)));

        var ranges = RelayDeadLetters.Ranges(events);

        Assert.Equal(
            [("a", 1L, 3L), ("a", 5L, 5L), ("b", 1L, 1L), ("c", 100L, 100L + RelayDeadLetters.MaxRedriveRange - 1), ("c", 100L + RelayDeadLetters.MaxRedriveRange, 100L + RelayDeadLetters.MaxRedriveRange)],
            ranges);
    }

    private static Polly.Registry.ResiliencePipelineRegistry<string> WriteRegistry()
    {
        var registry = new Polly.Registry.ResiliencePipelineRegistry<string>();
        registry.TryAddBuilder(RelayPipelines.Write, (builder, _) => RelayPipelines.ConfigureWrite(builder, new RelayOptions()));
        return registry;
    }

    /// <summary>A hand-off that delivers the message at once (the queue function running before the re-drive goes on).</summary>
    private sealed class DeliveringHandOff(RelayDeliveryHarness h) : IRelayHandOff
    {
        public async Task HandOffAsync(RelayDeliveryMessage message, CancellationToken cancellationToken) =>
            await h.Delivery.DeliverAsync(message.ToJson(), cancellationToken);
    }
}

using System.Net;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Tests.Infrastructure;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>
/// <see cref="RelayDelivery"/> and <see cref="RelayDeadLetters"/> on Azurite with a scripted SignalR Service and fake time:
/// delivery in seq order, per-event progress across redeliveries and crashes, dead-lettering with reasons (retries
/// exhausted, not retryable, poison, unreadable message), the message budget, and re-drive.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RelayDeliveryTests(AzuriteFixture azurite)
{
    private const string Stream = "orders";

    [Fact]
    public async Task DeliverAsync_HealthyService_PushesEveryEventOnceInSeqOrderAsDashboardEvents()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAsync(Stream, 5);

        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(5, 0, 0, Continued: false), outcome);
        Assert.All(h.Broadcaster.Pushes, p => Assert.Equal("event", p.Target));
        Assert.Equal([1L, 2, 3, 4, 5], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        Assert.Equal(["evt-1", "evt-2", "evt-3", "evt-4", "evt-5"], h.Broadcaster.Pushes.Select(p => p.Event.Id));
        var first = h.Broadcaster.Pushes.First().Event;
        Assert.Equal((Stream, "ops.metric", "/orders", "tests", 1), (first.Stream, first.Type, first.Source, first.Subject, first.Data.GetProperty("n").GetInt32()));
        Assert.Equal((5L, 0L, 0L), (h.Stats.Snapshot().Delivered, h.Stats.Snapshot().DeadLettered, h.Stats.Snapshot().Retried));
    }

    [Fact]
    public async Task DeliverAsync_RedeliveredMessage_SkipsDeliveredEvents()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAsync(Stream, 4);
        await h.Delivery.DeliverAsync(message, CancellationToken.None);

        var again = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(0, 0, 4, Continued: false), again);
        Assert.Equal(4, h.Broadcaster.Pushes.Count);
        Assert.Equal(4, h.Stats.Snapshot().Delivered);
    }

    [Fact]
    public async Task DeliverAsync_StoppedMidRange_NextTryResumesAtTheFirstUndeliveredEvent()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAsync(Stream, 5);
        using var stopping = new CancellationTokenSource();
        h.Broadcaster.BeforePush = seq =>
        {
            if (seq == 3)
            {
                stopping.Cancel(); // the host stops while event 3 is being pushed
            }
        };
        h.Broadcaster.Fail = (seq, _) => seq == 3 && stopping.IsCancellationRequested && h.Broadcaster.Tries(3) == 1 ? new OperationCanceledException(stopping.Token) : null;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Delivery.DeliverAsync(message, stopping.Token));
        h.Broadcaster.BeforePush = null;
        var resumed = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(3, 0, 2, Continued: false), resumed);
        Assert.Equal([1L, 2, 3, 4, 5], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        Assert.Empty(await h.ListDeadLettersAsync()); // stopping is not a delivery failure
    }

    [Fact]
    public async Task DeliverAsync_TransientFailuresThenSuccess_RetriesAndDelivers()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAsync(Stream, 2);
        h.Broadcaster.Fail = (seq, attempt) => seq == 2 && attempt <= 3
            ? attempt switch
            {
                1 => FakeBroadcaster.Status(HttpStatusCode.ServiceUnavailable),
                2 => FakeBroadcaster.Status(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(5)),
                _ => FakeBroadcaster.Status(HttpStatusCode.InternalServerError), // ambiguous: maybe delivered; retried (no loss)
            }
            : null;

        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(2, 0, 0, Continued: false), outcome);
        Assert.Equal(4, h.Broadcaster.Tries(2));
        Assert.Equal(3, h.Stats.Snapshot().Retried);
    }

    [Fact]
    public async Task DeliverAsync_RetriesExhausted_DeadLettersWithReasonAttemptsAndTime_OthersDelivered()
    {
        // Ten tries wait up to 9 × 30 s: a budget longer than that keeps the whole range in this call.
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString, new RelayDeliveryOptions
        {
            AttemptTimeout = RelayDeliveryHarness.AttemptTimeout,
            MessageBudget = TimeSpan.FromMinutes(5),
        });
        var message = await h.AppendAsync(Stream, 3);
        h.Broadcaster.Fail = (seq, _) => seq == 2 ? FakeBroadcaster.Status(HttpStatusCode.BadGateway) : null;

        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(2, 1, 0, Continued: false), outcome);
        Assert.Equal(RelayDeliveryOptions.DefaultMaxAttempts, h.Broadcaster.Tries(2));
        var entry = Assert.Single(await h.ListDeadLettersAsync());
        Assert.Equal((Stream, 2L, "evt-2", "ops.metric", DeadLetterOrigins.RetriesExhausted, 10, 502), (entry.Stream, entry.Seq, entry.Id, entry.Type, entry.Origin, entry.Attempts, entry.StatusCode));
        Assert.Contains("Gave up after 10 tries", entry.Reason, StringComparison.Ordinal);
        Assert.Contains("502", entry.Reason, StringComparison.Ordinal);
        Assert.Equal(h.Time.GetUtcNow(), entry.DeadLetteredAt, TimeSpan.FromSeconds(1));
        Assert.Equal((2L, 1L, 9L), (h.Stats.Snapshot().Delivered, h.Stats.Snapshot().DeadLettered, h.Stats.Snapshot().Retried));

        // A redelivered message leaves the dead-lettered event alone (re-drive brings it back).
        var again = await h.Delivery.DeliverAsync(message, CancellationToken.None);
        Assert.Equal(new DeliveryOutcome(0, 0, 3, Continued: false), again);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge)]
    public async Task DeliverAsync_NotRetryable_DeadLettersAfterOneTry(HttpStatusCode status)
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAsync(Stream, 1);
        h.Broadcaster.Fail = (_, _) => FakeBroadcaster.Status(status);

        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(0, 1, 0, Continued: false), outcome);
        Assert.Equal(1, h.Broadcaster.Tries(1));
        var entry = Assert.Single(await h.ListDeadLettersAsync());
        Assert.Equal((DeadLetterOrigins.NotRetryable, 1, (int)status), (entry.Origin, entry.Attempts, entry.StatusCode));
        Assert.Contains("Not retried", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeliverAsync_UnreadableMessage_DeadLettersItWithoutThrowing()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);

        var outcome = await h.Delivery.DeliverAsync("""{"v":9,"stream":"orders"}""", CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(0, 0, 0, Continued: false), outcome);
        var entry = Assert.Single(await h.ListDeadLettersAsync());
        Assert.Null(entry.Stream);
        Assert.Null(entry.Seq);
        Assert.Equal(DeadLetterOrigins.InvalidMessage, entry.Origin);
        Assert.Equal("""{"v":9,"stream":"orders"}""", entry.Message);
        Assert.Equal(new RedriveResult(0, 0, 1), await h.DeadLetters.RedriveAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task DeliverAsync_RangeBeyondTheLog_DeadLettersTheMissingSeqs()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        await h.AppendAsync(Stream, 2);

        var outcome = await h.Delivery.DeliverAsync(RelayDeliveryMessage.For(Stream, 1, 4).ToJson(), CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(2, 2, 0, Continued: false), outcome);
        var entries = await h.ListDeadLettersAsync();
        Assert.Equal([3L, 4L], entries.Select(e => e.Seq!.Value));
        Assert.All(entries, e => Assert.Equal(DeadLetterOrigins.Missing, e.Origin));
    }

    [Fact]
    public async Task DeliverAsync_LongRetriesSpendTheBudget_RestHandedOffAfterTheEventInFlight()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString); // budget 2 min
        var message = await h.AppendAsync(Stream, 3);
        h.Broadcaster.Fail = (seq, _) => seq == 1 ? FakeBroadcaster.Status(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30)) : null;

        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        // Event 1 used all ten tries (9 × 30 s > 2 min) and was dead-lettered; 2..3 go on in a new message.
        Assert.Equal(new DeliveryOutcome(0, 1, 0, Continued: true), outcome);
        Assert.Equal(RelayDeliveryMessage.For(Stream, 2, 3), Assert.Single(h.HandOff.Messages));
    }

    [Fact]
    public async Task DeliverAsync_MessageBudgetSpent_HandsOffTheRestAsANewMessage()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString, new RelayDeliveryOptions
        {
            AttemptTimeout = RelayDeliveryHarness.AttemptTimeout,
            MessageBudget = TimeSpan.FromSeconds(30),
        });
        var message = await h.AppendAsync(Stream, 5);
        h.Broadcaster.BeforePush = seq =>
        {
            if (seq == 2)
            {
                h.Time.Advance(TimeSpan.FromSeconds(31)); // event 2 takes longer than the whole budget
            }
        };

        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(2, 0, 0, Continued: true), outcome);
        Assert.Equal(RelayDeliveryMessage.For(Stream, 3, 5), Assert.Single(h.HandOff.Messages));
        h.Broadcaster.BeforePush = null;
        Assert.Equal(new DeliveryOutcome(3, 0, 0, Continued: false), await h.Delivery.DeliverAsync(h.HandOff.Messages.Single().ToJson(), CancellationToken.None));
    }

    [Fact]
    public async Task DeadLetterPoisonedAsync_DeadLettersOnlyTheUnsettledEventsOfTheRange()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        await h.AppendAsync(Stream, 4);
        await h.Delivery.DeliverAsync(RelayDeliveryMessage.For(Stream, 1, 2).ToJson(), CancellationToken.None);

        var count = await h.Delivery.DeadLetterPoisonedAsync(RelayDeliveryMessage.For(Stream, 1, 4).ToJson(), CancellationToken.None);

        Assert.Equal(2, count);
        var entries = await h.ListDeadLettersAsync();
        Assert.Equal([3L, 4L], entries.Select(e => e.Seq!.Value));
        Assert.All(entries, e => Assert.Equal(DeadLetterOrigins.Poison, e.Origin));
        Assert.Contains(RelayStorageNames.DeliveryPoisonQueue, entries[0].Reason, StringComparison.Ordinal);
        Assert.Equal("evt-3", entries[0].Id);
        Assert.Equal(new DeliveryOutcome(0, 0, 4, Continued: false), await h.Delivery.DeliverAsync(RelayDeliveryMessage.For(Stream, 1, 4).ToJson(), CancellationToken.None));
    }

    [Fact]
    public async Task RedriveAsync_DeadLetteredEvents_QueuedInConsecutiveRangesThenDelivered()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAsync(Stream, 6);
        h.Broadcaster.Fail = (seq, _) => seq is 2 or 3 or 5 ? FakeBroadcaster.Status(HttpStatusCode.BadRequest) : null;
        await h.Delivery.DeliverAsync(message, CancellationToken.None);
        h.Broadcaster.Fail = (_, _) => null;

        var result = await h.DeadLetters.RedriveAsync(null, CancellationToken.None);

        Assert.Equal(new RedriveResult(3, 2, 0), result);
        Assert.Equal([RelayDeliveryMessage.For(Stream, 2, 3), RelayDeliveryMessage.For(Stream, 5, 5)], h.HandOff.Messages);
        Assert.Empty(await h.ListDeadLettersAsync());
        foreach (var redriven in h.HandOff.Messages)
        {
            await h.Delivery.DeliverAsync(redriven.ToJson(), CancellationToken.None);
        }

        Assert.Equal([2L, 3, 5], h.Broadcaster.Pushes.Select(p => p.Event.Seq).Where(s => s is 2 or 3 or 5));
        var stats = h.Stats.Snapshot();
        Assert.Equal((6L, 3L, 3L), (stats.Delivered, stats.DeadLettered, stats.Redriven));
        Assert.Equal(new DeliveryOutcome(0, 0, 6, Continued: false), await h.Delivery.DeliverAsync(message, CancellationToken.None));
    }

    [Fact]
    public async Task Redrive_StoppedBeforeRemovingItsEntry_DeliveryRemovesIt()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var message = await h.AppendAsync(Stream, 1);
        h.Broadcaster.Fail = (_, _) => FakeBroadcaster.Status(HttpStatusCode.Forbidden);
        await h.Delivery.DeliverAsync(message, CancellationToken.None);
        h.Broadcaster.Fail = (_, _) => null;

        // The re-drive marked the event and queued it, then stopped before removing the entry.
        await h.States.MarkRedrivenAsync(Stream, 1, CancellationToken.None);
        var outcome = await h.Delivery.DeliverAsync(message, CancellationToken.None);

        Assert.Equal(new DeliveryOutcome(1, 0, 0, Continued: false), outcome);
        Assert.Empty(await h.ListDeadLettersAsync());
    }

    [Fact]
    public void Ranges_ConsecutiveSeqsPerStream_SplitAtGapsAndAtTheRangeCap()
    {
        var events = new[] { ("a", 5L), ("a", 1L), ("a", 2L), ("b", 7L), ("a", 3L), ("a", 2L) }
            .Concat(Enumerable.Range(100, 60).Select(i => ("c", (long)i)));

        var ranges = RelayDeadLetters.Ranges(events);

        Assert.Equal([("a", 1L, 3L), ("a", 5L, 5L), ("b", 7L, 7L), ("c", 100L, 148L), ("c", 149L, 159L)], ranges);
    }
}

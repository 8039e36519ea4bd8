using FunctionsDashboard.EventLog;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Tests.Relay;

namespace FunctionsDashboard.Tests.EventLog;

/// <summary>
/// <c>Relay:AckTimeout</c> (default 4 s) bounds every append from its own start: a call whose events are not durable
/// by then fails (the webhook's 503, never an acknowledgement) and its events are dropped by the writer, while a call
/// that started later keeps the rest of its own budget. Real Azurite, fake time: the calls wait behind claims of a
/// commit still in flight (another instance's), which is what makes an event wait for storage rather than for the
/// machine.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AckTimeoutTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan AckTimeout = RelayOptions.DefaultAckTimeout;

    /// <summary>The writer looks at an event waiting behind another commit's claim again after this (fake) time.</summary>
    private static readonly TimeSpan InFlightRetryDelay = TimeSpan.FromMilliseconds(20);

    [Fact]
    public async Task AppendAsync_NotDurableWithinAckTimeout_FailsAtItsOwnDeadline_IsNeverCommitted_ALaterCallKeepsItsBudget_Issue11()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["EventLog:MinCommitInterval"] = "00:00:00", // no pacing timer: fake time does not move by itself
        });
        var time = new ObservableFakeTime();
        var log = harness.CreateLog(time: time);
        await log.AppendAsync([EventLogHarness.Event("first")], CancellationToken.None);

        // Another instance's commit is in flight: it has claimed "held-1" and "held-2" just now, no marker yet.
        var index = harness.Storage.Table(EventLogLayout.IndexTable(EventLogLayout.IndexWindow(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime))));
        var bucket = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        foreach (var id in new[] { "held-1", "held-2" })
        {
            await index.AddEntityAsync(EventLogLayout.Claim("orders", EventLogLayout.IdKey(id), "in-flight-token", bucket, time.GetUtcNow()));
        }

        var first = log.AppendAsync([EventLogHarness.Event("held-1")], CancellationToken.None);
        await WaitForRetryDelayAsync(time);
        time.Advance(AckTimeout / 2);
        await WaitForRetryDelayAsync(time);
        Assert.False(first.IsCompleted); // half its budget gone: still waiting for the claim

        var second = log.AppendAsync([EventLogHarness.Event("held-2")], CancellationToken.None);
        await WaitForRetryDelayAsync(time);
        time.Advance(AckTimeout / 2); // the first call's deadline; the second has half its budget left
        var failed = await Assert.ThrowsAsync<EventLogUnavailableException>(() => first);
        Assert.Contains("Relay:AckTimeout", failed.Message, StringComparison.Ordinal);

        // The other commit gave up (its claim is gone): the second call goes through within its own budget, at seq 2;
        // the first call's event was dropped, not committed behind its back.
        await index.DeleteEntityAsync(EventLogLayout.IndexPartition("orders", EventLogLayout.IdKey("held-2")), EventLogLayout.IdKey("held-2"));
        while (!second.IsCompleted)
        {
            await Task.WhenAny(second, WaitForRetryDelayAsync(time));
            time.Advance(InFlightRetryDelay);
        }

        Assert.Equal(new AppendedEvent("held-2", "orders", 2, false), (await second).Events.Single());
        Assert.Equal(["first", "held-2"], (await log.ReadAfterAsync("orders", 0, 10, CancellationToken.None)).Select(e => e.Id));
    }

    /// <summary>Waits until the writer waits for its in-flight retry delay (the timers it creates tell).</summary>
    private static async Task WaitForRetryDelayAsync(ObservableFakeTime time)
    {
        while (await time.NextTimerAsync() != InFlightRetryDelay)
        {
        }
    }
}

using System.Text.Json;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Access;
using FunctionsDashboard.Sse;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsDashboard.Tests.Sse;

/// <summary>
/// A client's buffer in the fan-out: the wait that SseSession's heartbeats and live events hang on (issue 6: it must
/// not allocate per wait nor keep anything per heartbeat on an idle connection). Time moves with FakeTimeProvider.
/// </summary>
public sealed class EventFanoutSubscriptionTests
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(25);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task WaitAsync_QuietForTheWholePeriod_ReturnsFalse()
    {
        using var subscription = CreateSut();

        var wait = subscription.WaitAsync(Heartbeat, CancellationToken.None);
        _time.Advance(Heartbeat - TimeSpan.FromMilliseconds(1));
        Assert.False(wait.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task WaitAsync_EventArrives_ReturnsTrue_AndTheEventsReadInOrder()
    {
        using var subscription = CreateSut();

        var wait = subscription.WaitAsync(Heartbeat, CancellationToken.None);
        Assert.True(subscription.TryWrite(Event(1)));
        Assert.True(subscription.TryWrite(Event(2)));

        Assert.True(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(subscription.TryRead(out var first));
        Assert.True(subscription.TryRead(out var second));
        Assert.False(subscription.TryRead(out _));
        Assert.Equal([1L, 2L], [first.Event!.Seq, second.Event!.Seq]);
    }

    [Fact]
    public async Task WaitAsync_AfterAnEarlyWake_TheNextWaitGetsAFullQuietPeriod()
    {
        using var subscription = CreateSut();
        var first = subscription.WaitAsync(Heartbeat, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(20));
        subscription.TryWrite(Event(1));
        Assert.True(await first.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        subscription.TryRead(out _);

        var second = subscription.WaitAsync(Heartbeat, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.False(second.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.False(await second.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task WaitAsync_ManyHeartbeats_ReusesOneTimer()
    {
        var time = new ObservableFakeTime();
        using var subscription = CreateSut(time);

        for (var i = 0; i < 5; i++)
        {
            var wait = subscription.WaitAsync(Heartbeat, CancellationToken.None);
            time.Advance(Heartbeat);
            Assert.False(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(Heartbeat, await time.NextTimerAsync());
        await Assert.ThrowsAsync<TimeoutException>(() => time.NextTimerAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task WaitAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var subscription = CreateSut();
        using var cancellation = new CancellationTokenSource();

        var wait = subscription.WaitAsync(Heartbeat, cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => subscription.WaitAsync(Heartbeat, cancellation.Token).AsTask());
    }

    [Fact]
    public async Task TryWrite_BufferFull_ReturnsFalse_AndLaggedCompletionWakesTheReader()
    {
        using var subscription = CreateSut(capacity: 2);
        Assert.True(subscription.TryWrite(Event(1)));
        Assert.True(subscription.TryWrite(Event(2)));

        Assert.False(subscription.TryWrite(Event(3)));
        subscription.Complete(lagged: true);

        Assert.True(subscription.Lagged);
        Assert.True(await subscription.WaitAsync(Heartbeat, CancellationToken.None));
        Assert.False(subscription.IsCompleted); // two events still to read
        Assert.True(subscription.TryRead(out _));
        Assert.True(subscription.TryRead(out _));
        Assert.True(subscription.IsCompleted);
    }

    [Fact]
    public async Task Complete_WhileWaiting_WakesTheWait()
    {
        using var subscription = CreateSut();

        var wait = subscription.WaitAsync(Heartbeat, CancellationToken.None);
        subscription.Complete(lagged: false);

        Assert.True(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(subscription.IsCompleted);
        Assert.False(subscription.Lagged);
    }

    private EventFanout.Subscription CreateSut(TimeProvider? time = null, int capacity = 16)
    {
        // The log is never read here: the subscription is built directly on a feed.
        var fanout = new EventFanout(null!, null!, Microsoft.Extensions.Options.Options.Create(new SseOptions { ClientBuffer = capacity }), time ?? _time, NullLogger<EventFanout>.Instance);
        return new EventFanout.Subscription(new EventFanout.Feed(fanout), StreamSet.All, CursorCheckpoint.Empty.Vector, CursorCheckpoint.Empty, capacity, time ?? _time);
    }

    private static FeedItem Event(long seq) => FeedItem.ForEvent("g1", StoredEventOf(seq));

    private static StoredEvent StoredEventOf(long seq) =>
        new($"e{seq}", seq, "s", "t", "src", null, null, JsonDocument.Parse("{}").RootElement, false, DateTimeOffset.UnixEpoch);
}

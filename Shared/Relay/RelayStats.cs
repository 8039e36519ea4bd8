namespace FunctionsDashboard.Relay;

/// <summary>
/// Counters of this instance's relay since it started (not shared between instances). Thread-safe.
/// <c>GET /api/relay/stats</c> exposes <see cref="Snapshot"/>.
/// </summary>
public sealed class RelayStats(TimeProvider timeProvider)
{
    private readonly DateTimeOffset _since = timeProvider.GetUtcNow();
    private long _accepted;
    private long _duplicates;
    private long _commits;
    private long _handOffs;
    private long _reHandOffs;
    private long _rejected;
    private long _unavailable;
    private long _delivered;
    private long _retried;
    private long _deadLettered;
    private long _deliveredAgain;
    private long _redriven;
    private long _sends;

    /// <summary>New events written to the log.</summary>
    public void Accepted(long count)
    {
        Interlocked.Add(ref _accepted, count);
        Observability.DashboardMetrics.EventsAccepted.Add(count);
    }

    /// <summary>Events whose id was already in the log (redeliveries).</summary>
    public void Duplicates(long count)
    {
        Interlocked.Add(ref _duplicates, count);
        Observability.DashboardMetrics.EventsDuplicate.Add(count);
    }

    /// <summary>One event-log transaction committed.</summary>
    public void Committed() => Interlocked.Increment(ref _commits);

    /// <summary>One range handed off to the delivery queue right after its commit.</summary>
    public void HandedOff() => Interlocked.Increment(ref _handOffs);

    /// <summary>One pending range handed off again (a redelivery found it pending, or the outbox sweep did).</summary>
    public void ReHandedOff() => Interlocked.Increment(ref _reHandOffs);

    /// <summary>One webhook call refused with a 4xx.</summary>
    public void Rejected() => Interlocked.Increment(ref _rejected);

    /// <summary>One webhook call answered 503 (storage trouble, not ready).</summary>
    public void Unavailable() => Interlocked.Increment(ref _unavailable);

    /// <summary>Events delivered to the SignalR Service (fast path or safety net; each event counts once per instance).</summary>
    public void Delivered(long count) => Interlocked.Add(ref _delivered, count);

    /// <summary>Delivery tries that failed and were retried (delivery function).</summary>
    public void Retried()
    {
        Interlocked.Increment(ref _retried);
        Observability.DashboardMetrics.DeliveryRetries.Add(1);
    }

    /// <summary>Events dead-lettered: retries ran out, the error was not retryable, or their message was poisoned.</summary>
    public void DeadLettered(long count)
    {
        Interlocked.Add(ref _deadLettered, count);
        Observability.DashboardMetrics.DeadLetters.Add(count);
    }

    /// <summary>Events pushed again although they had been delivered (kept for the accounting; the per-stream sender does not do that).</summary>
    public void DeliveredAgain(long count) => Interlocked.Add(ref _deliveredAgain, count);

    /// <summary>Dead-lettered events taken out of the dead-letter store and queued again (re-drive).</summary>
    public void Redriven(long count)
    {
        Interlocked.Add(ref _redriven, count);
        Observability.DashboardMetrics.Redrives.Add(count);
    }

    /// <summary>One hub message sent to one target for the first time (its retries count in <see cref="Retried"/>).</summary>
    public void Sent() => Interlocked.Increment(ref _sends);

    /// <summary>The counters now.</summary>
    public RelayStatsSnapshot Snapshot() => new(
        Environment.MachineName,
        _since,
        Interlocked.Read(ref _accepted),
        Interlocked.Read(ref _duplicates),
        Interlocked.Read(ref _commits),
        Interlocked.Read(ref _handOffs),
        Interlocked.Read(ref _reHandOffs),
        Interlocked.Read(ref _rejected),
        Interlocked.Read(ref _unavailable),
        Interlocked.Read(ref _delivered),
        Interlocked.Read(ref _retried),
        Interlocked.Read(ref _deadLettered),
        Interlocked.Read(ref _deliveredAgain),
        Interlocked.Read(ref _redriven),
        Interlocked.Read(ref _sends));
}

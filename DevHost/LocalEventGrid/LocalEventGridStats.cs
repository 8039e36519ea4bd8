namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>Counters of the local Event Grid, and a way to wait until every published event is settled.</summary>
internal sealed class LocalEventGridStats
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _idle = NewCompleted();
    private long _outstanding;

    public long Published { get; private set; }

    public long Delivered { get; private set; }

    public long DeadLettered { get; private set; }

    public long Attempts { get; private set; }

    public long FailedAttempts { get; private set; }

    public long AcksLost { get; private set; }

    public long Handshakes { get; private set; }

    /// <summary>Completes when no published event is waiting for delivery or dead-lettering.</summary>
    public Task WhenIdle
    {
        get
        {
            lock (_gate)
            {
                return _idle.Task;
            }
        }
    }

    public void OnPublished(int count)
    {
        lock (_gate)
        {
            Published += count;
            if (_outstanding == 0 && count > 0)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _outstanding += count;
        }
    }

    public void OnAttempt(int events, bool failed, bool ackLost)
    {
        lock (_gate)
        {
            Attempts++;
            FailedAttempts += failed ? 1 : 0;
            AcksLost += ackLost ? events : 0;
        }
    }

    public void OnHandshake()
    {
        lock (_gate)
        {
            Handshakes++;
        }
    }

    public void OnSettled(int delivered, int deadLettered)
    {
        lock (_gate)
        {
            Delivered += delivered;
            DeadLettered += deadLettered;
            _outstanding -= delivered + deadLettered;
            if (_outstanding == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    public object Snapshot()
    {
        lock (_gate)
        {
            return new { Published, Delivered, DeadLettered, Outstanding = _outstanding, Attempts, FailedAttempts, AcksLost, Handshakes };
        }
    }

    private static TaskCompletionSource NewCompleted()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.SetResult();
        return tcs;
    }
}

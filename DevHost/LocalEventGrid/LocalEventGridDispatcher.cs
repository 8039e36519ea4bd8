namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>
/// The local Event Grid's delivery engine: one webhook subscription, real HTTP to the endpoint, the validation handshake
/// before the first delivery of each schema, Event Grid's retry schedule (<see cref="RetrySchedule"/>, compressible with
/// <c>TimeScale</c>), its non-retried codes, max attempts and time to live, a 30 s answer timeout, and dead-letter.
/// Time comes from <see cref="TimeProvider"/>. Events published before the app is ready simply wait out the schedule.
/// </summary>
internal sealed partial class LocalEventGridDispatcher : BackgroundService
{
    public const string HttpClientName = "LocalEventGrid";
    public const string HandshakeOrigin = "eventgrid.azure.net";

    private readonly Lock _gate = new();
    private readonly PriorityQueue<LocalEvent, DateTimeOffset> _waiting = new();
    private readonly SemaphoreSlim _wakeUp = new(0);
    private readonly SemaphoreSlim _slots;
    private readonly LocalEventGridOptions _options;
    private readonly HttpClient _http;
    private readonly Func<Uri> _target;
    private readonly IDeadLetterSink _deadLetters;
    private readonly LocalEventGridFaults _faults;
    private readonly LocalEventGridStats _stats;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public LocalEventGridDispatcher(
        LocalEventGridOptions options,
        HttpClient http,
        Func<Uri> target,
        IDeadLetterSink deadLetters,
        LocalEventGridFaults faults,
        LocalEventGridStats stats,
        TimeProvider timeProvider,
        ILogger<LocalEventGridDispatcher> logger)
    {
        _options = options;
        _http = http;
        _target = target;
        _deadLetters = deadLetters;
        _faults = faults;
        _stats = stats;
        _timeProvider = timeProvider;
        _logger = logger;
        _slots = new SemaphoreSlim(options.MaxConcurrentDeliveries, options.MaxConcurrentDeliveries);
    }

    /// <summary>Queues freshly published events for delivery now.</summary>
    public void Publish(IReadOnlyList<LocalEvent> events)
    {
        lock (_gate)
        {
            foreach (var e in events)
            {
                _waiting.Enqueue(e, e.Due);
            }
        }

        _stats.OnPublished(events.Count);
        _wakeUp.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = _timeProvider.GetUtcNow();
                var due = new List<LocalEvent>();
                DateTimeOffset? next = null;
                lock (_gate)
                {
                    while (_waiting.TryPeek(out _, out var at) && at <= now)
                    {
                        due.Add(_waiting.Dequeue());
                    }

                    if (_waiting.TryPeek(out _, out var nextAt))
                    {
                        next = nextAt;
                    }
                }

                foreach (var batch in Batches(due))
                {
                    await _slots.WaitAsync(stoppingToken);
                    running.RemoveAll(t => t.IsCompleted);
                    running.Add(RunBatchAsync(batch, stoppingToken));
                }

                if (due.Count == 0)
                {
                    await WaitAsync(next is { } n ? n - now : null, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: undelivered events are lost with the process, as in any in-memory stand-in.
        }

        await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task WaitAsync(TimeSpan? delay, CancellationToken stoppingToken)
    {
        if (_wakeUp.Wait(0, CancellationToken.None))
        {
            return; // something was queued meanwhile: look again before arming a timer
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var wake = _wakeUp.WaitAsync(cts.Token);
        // Timers count whole milliseconds: round up, or the loop would wake a fraction early and spin.
        var waits = delay is { } d ? new[] { wake, Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(Math.Max(0, d.TotalMilliseconds))), _timeProvider, cts.Token) } : [wake];
        await Task.WhenAny(waits);
        await cts.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
    }

    private IEnumerable<List<LocalEvent>> Batches(List<LocalEvent> due)
    {
        // Events waiting only for their dead-letter write go one by one; deliveries are batched per schema.
        foreach (var e in due.Where(e => e.DeadLetterReason is not null))
        {
            yield return [e];
        }

        // preferredBatchSizeInKilobytes as Event Grid applies it (a single larger event goes alone); with at most 5,000
        // events of at most 1 MiB each plus their envelope, no delivery exceeds EventGridLimits.MaxDeliveryBytes.
        var preferred = _options.PreferredBatchSizeInKilobytes * 1024;
        foreach (var group in due.Where(e => e.DeadLetterReason is null).GroupBy(e => e.Schema))
        {
            var batch = new List<LocalEvent>();
            var size = 0;
            foreach (var e in group)
            {
                if (batch.Count > 0 && (batch.Count == _options.MaxEventsPerBatch || size + e.Size > preferred))
                {
                    yield return batch;
                    batch = [];
                    size = 0;
                }

                batch.Add(e);
                size += e.Size;
            }

            if (batch.Count > 0)
            {
                yield return batch;
            }
        }
    }

    private async Task RunBatchAsync(List<LocalEvent> batch, CancellationToken stoppingToken)
    {
        try
        {
            if (batch[0].DeadLetterReason is { } reason)
            {
                await DeadLetterAsync(batch, reason, stoppingToken);
            }
            else
            {
                await DeliverAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _slots.Release();
        }
    }

    private void Requeue(List<LocalEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var e in events)
            {
                _waiting.Enqueue(e, e.Due);
            }
        }

        _wakeUp.Release();
    }

    public override void Dispose()
    {
        _wakeUp.Dispose();
        _slots.Dispose();
        _handshakeGate.Dispose();
        base.Dispose();
    }
}

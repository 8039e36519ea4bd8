using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The single sender of one stream on this instance. The fast path (<see cref="Offer"/>, told by the commit listener
/// with the committed events) and the safety net (<see cref="SettleAsync"/>, the queue function) both feed it; one loop
/// sends in seq order, one hub message at a time (up to <see cref="RelayDeliveryOptions.MaxEventsPerMessage"/>
/// consecutive events each), and waits for each message to settle before the next, so a stream cannot reorder on this
/// instance and the two paths cannot send an event twice. <c>_settled</c> is the delivered watermark: every seq up to it
/// is delivered or dead-lettered. It is made durable (<see cref="DeliveryStateStore"/>) beside the sends at most every
/// <see cref="WatermarkInterval"/>, and when the idle loop lets the lease go after its linger. Events the fast path did
/// not bring (another instance committed them, this instance restarted) are read from the log through
/// <see cref="IEventLogReader"/>. The loop runs
/// only while there is work. The lease, the durable watermark and the linger are in <c>RelayDeliveryStream.Lease.cs</c>;
/// what the next hub message carries (memory, or the log) in <c>RelayDeliveryStream.Batches.cs</c>.
/// </summary>
internal sealed partial class RelayDeliveryStream
{
    /// <summary>Longest time a settled watermark stays only in memory while the stream is busy.</summary>
    internal static readonly TimeSpan WatermarkInterval = TimeSpan.FromSeconds(1);

    /// <summary>Most fast-path events held waiting for the loop (beyond that they are read from the log again).</summary>
    internal const int MaxBuffered = 20_000;

    /// <summary>Estimated bytes one hub message may carry (the Service limits a message to 1 MiB).</summary>
    internal const int MaxMessageBytes = 512 * 1024;

    /// <summary>Events read from the log at a time while catching up.</summary>
    internal const int ReadPage = 100;

    /// <summary>
    /// How long a sign of another instance on this stream (a commit this instance was not told about, a lease held by
    /// another) makes a lingering holder look at the head (<see cref="LingerAsync"/>).
    /// </summary>
    internal static readonly TimeSpan ContendedWindow = TimeSpan.FromSeconds(30);

    private readonly RelayDeliveryStreams _owner;
    private readonly RelayDeliveryLease _lease;
    private readonly Lock _lock = new();
    private readonly List<StoredEvent> _buffer = [];
    private readonly List<(long Through, TaskCompletionSource<long> Done)> _waiters = [];
    private readonly List<StoredEvent> _ahead = [];
    private long _settled = -1;
    private long _known;
    private long _saved = -1;
    private long _savedAt;
    private string? _generation;
    private bool _running;
    private TaskCompletionSource? _wake;
    private Task? _saving; // the busy loop's watermark write in flight (only the loop touches it)
    private long _contendedAt = long.MinValue;

    public RelayDeliveryStream(string stream, RelayDeliveryStreams owner)
    {
        Stream = stream;
        _owner = owner;
        _lease = new RelayDeliveryLease(stream, owner);
    }

    /// <summary>The stream.</summary>
    public string Stream { get; }

    /// <summary>The delivered watermark in memory (-1 until it was loaded).</summary>
    public long Settled
    {
        get
        {
            lock (_lock)
            {
                return _settled;
            }
        }
    }

    /// <summary>The fast path: events just committed (on this instance). Never blocks, never throws.</summary>
    public void Offer(CommittedEvents committed)
    {
        if (committed.Events.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_generation is not null && committed.Generation != _generation)
            {
                // The log started a new generation (it lost acknowledged events): positions of the old one mean nothing.
                ResetLocked(committed.Generation);
            }

            _generation ??= committed.Generation;
            var first = committed.Events[0].Seq;
            if (_known > 0 && first > _known + 1)
            {
                MarkContended(); // seqs between were committed by another instance
            }

            if (_buffer.Count > 0 && (first != _buffer[^1].Seq + 1 || _buffer.Count + committed.Events.Count > MaxBuffered))
            {
                _buffer.Clear(); // not contiguous (another instance committed in between) or too much: the log has them
            }

            if (_settled < 0 || committed.Events[^1].Seq > _settled)
            {
                _buffer.AddRange(committed.Events);
            }

            _known = Math.Max(_known, committed.Events[^1].Seq);
            StartLocked();
        }
    }

    /// <summary>
    /// The safety net: completes (with the watermark) once every seq up to <paramref name="through"/> is settled, at once
    /// when it already is. Faults with the loop's error when storage failed (the caller's message is then retried).
    /// </summary>
    public Task<long> SettleAsync(long through, CancellationToken cancellationToken)
    {
        TaskCompletionSource<long> done;
        lock (_lock)
        {
            if (_settled >= through)
            {
                return Task.FromResult(_settled);
            }

            if (_known > 0 && through > _known)
            {
                MarkContended(); // a hand-off of seqs this instance did not commit since it started
            }

            _known = Math.Max(_known, through);
            done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((through, done));
            StartLocked();
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    private void StartLocked()
    {
        if (!_running)
        {
            _running = true;
            _ = Task.Run(RunAsync);
        }
        else
        {
            _wake?.TrySetResult(); // the loop is lingering with the lease: new work
        }
    }

    private void ResetLocked(string generation)
    {
        _generation = generation;
        _settled = -1;
        _saved = -1;
        _known = 0;
        _buffer.Clear();
        _ahead.Clear();
    }

    private async Task RunAsync()
    {
        var stopping = _owner.Stopping;
        try
        {
            while (true)
            {
                if (_saving is { IsCompleted: true } saved)
                {
                    _saving = null;
                    await saved; // throws only when the host is stopping
                }

                if (Settled < 0)
                {
                    await AwaitSavingAsync(); // loading observes the row: no lease write may be in flight
                    await LoadAsync(stopping);
                }

                List<StoredEvent>? batch = null;
                long settled;
                string generation;
                bool saveBeside = false, needLease = false, waitForSave = false;
                Task? wake = null;
                lock (_lock)
                {
                    CompleteWaitersLocked();
                    var idle = _settled >= _known;
                    var saving = _saving is not null;
                    // The watermark is written beside the sends (never in front of one) at most every WatermarkInterval,
                    // and with the lease when the linger lets it go. Writing it each time the stream went idle put a
                    // storage round trip in front of the next event at any rate below one commit per round trip (at 200
                    // events/s, one watermark write per hub message).
                    var due = !saving && _lease.Held && _settled > _saved && _owner.Time.GetElapsedTime(_savedAt) >= WatermarkInterval;
                    if (idle)
                    {
                        if (!_lease.Holding)
                        {
                            if (saving)
                            {
                                waitForSave = true; // the write in flight settles what the lease left
                            }
                            else
                            {
                                _running = false;
                                return;
                            }
                        }
                        else
                        {
                            saveBeside = due;
                            _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                            wake = _wake.Task;
                        }
                    }
                    else
                    {
                        needLease = !_lease.Held || _lease.Renewable;
                        if (needLease && saving)
                        {
                            needLease = false;
                            waitForSave = true; // one lease write at a time
                        }
                        else
                        {
                            // Busy: the periodic watermark write (which renews the lease) goes beside the sends, not in
                            // front of them.
                            saveBeside = due && !needLease;
                            batch = needLease ? null : TakeBatchLocked();
                        }
                    }

                    settled = _settled;
                    generation = _generation ?? "";
                }

                if (saveBeside)
                {
                    _saving = SaveAsync(settled, generation, stopping);
                }

                if (waitForSave)
                {
                    await AwaitSavingAsync();
                }
                else if (wake is not null)
                {
                    await LingerAsync(wake, settled, generation, stopping);
                }
                else if (needLease)
                {
                    await TakeLeaseAsync(settled, generation, stopping);
                }
                else if (batch is null)
                {
                    await CatchUpAsync(settled, stopping);
                }
                else
                {
                    await _owner.Sender.SendAsync(batch, stopping);
                    lock (_lock)
                    {
                        if (_settled == batch[0].Seq - 1)
                        {
                            _settled = batch[^1].Seq;
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping: the waiting messages end with their own invocation's cancellation (or budget), and
            // what is unsettled is sent again by the safety net after the restart. The lease is given back with the
            // watermark (best effort), so another instance (or this one restarted) need not wait for it to expire.
            string generation;
            long settled;
            lock (_lock)
            {
                _running = false;
                _ahead.Clear();
                settled = _settled;
                generation = _generation ?? "";
            }

            _ = ReleaseQuietlyAsync(settled, generation);
        }
        catch (Exception e)
        {
            RelayDeliveryLog.StreamFailed(_owner.Logger, Stream, e);
            lock (_lock)
            {
                _running = false;
                _ahead.Clear();
                foreach (var (_, done) in _waiters)
                {
                    done.TrySetException(e);
                }

                _waiters.Clear();
            }
        }
    }

    private void CompleteWaitersLocked()
    {
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Through <= _settled)
            {
                _waiters[i].Done.TrySetResult(_settled);
                _waiters.RemoveAt(i);
            }
        }
    }
}

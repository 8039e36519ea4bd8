using FunctionsDashboard.EventLog;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The single sender of one stream on this instance. The fast path (<see cref="Offer"/>, told by the commit listener
/// with the committed events) and the safety net (<see cref="SettleAsync"/>, the queue function) both feed it; one loop
/// sends in seq order, one hub message at a time (up to <see cref="RelayDeliveryOptions.MaxEventsPerMessage"/>
/// consecutive events each), and waits for each message to settle before the next, so a stream cannot reorder on this
/// instance and the two paths cannot send an event twice. <c>_settled</c> is the delivered watermark: every seq up to it
/// is delivered or dead-lettered. It is made durable (<see cref="DeliveryStateStore"/>) at most every
/// <see cref="WatermarkInterval"/> and when the loop goes idle. Events the fast path did not bring (another instance
/// committed them, this instance restarted) are read from the log through <see cref="IEventLogReader"/>. The loop runs
/// only while there is work.
/// </summary>
internal sealed class RelayDeliveryStream
{
    /// <summary>Longest time a settled watermark stays only in memory while the stream is busy.</summary>
    internal static readonly TimeSpan WatermarkInterval = TimeSpan.FromSeconds(1);

    /// <summary>Most fast-path events held waiting for the loop (beyond that they are read from the log again).</summary>
    internal const int MaxBuffered = 20_000;

    /// <summary>Estimated bytes one hub message may carry (the Service limits a message to 1 MiB).</summary>
    internal const int MaxMessageBytes = 512 * 1024;

    /// <summary>Events read from the log at a time while catching up.</summary>
    internal const int ReadPage = 100;

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
                if (Settled < 0)
                {
                    await LoadAsync(stopping);
                }

                List<StoredEvent>? batch = null;
                long settled;
                string generation;
                bool save, needLease = false;
                Task? wake = null;
                lock (_lock)
                {
                    CompleteWaitersLocked();
                    var idle = _settled >= _known;
                    save = _lease.Held && _settled > _saved && (idle || _owner.Time.GetElapsedTime(_savedAt) >= WatermarkInterval);
                    if (idle && !save)
                    {
                        if (!_lease.Holding)
                        {
                            _running = false;
                            return;
                        }

                        _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        wake = _wake.Task;
                    }
                    else if (!idle && !save)
                    {
                        needLease = !_lease.Held || _lease.Renewable;
                        batch = needLease ? null : TakeBatchLocked();
                    }

                    settled = _settled;
                    generation = _generation ?? "";
                }

                if (wake is not null)
                {
                    await LingerAsync(wake, settled, generation, stopping);
                }
                else if (save)
                {
                    await SaveAsync(settled, generation, stopping);
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

    /// <summary>
    /// Idle with the lease: keep it for <see cref="RelayDeliveryLease.Linger"/> (new work wakes the loop at once), then
    /// give it back with the watermark. The loop's next turn ends it (or goes on, when work arrived meanwhile).
    /// </summary>
    private async Task LingerAsync(Task wake, long settled, string generation, CancellationToken cancellationToken)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(RelayDeliveryLease.Linger, _owner.Time, linger.Token);
        if (await Task.WhenAny(wake, delay) == wake)
        {
            await linger.CancelAsync();
            return;
        }

        await delay; // throws when the host is stopping
        lock (_lock)
        {
            if (_settled != settled || _settled < _known)
            {
                return; // work arrived: keep the lease
            }
        }

        await _lease.ReleaseAsync(settled, generation, cancellationToken);
        RelayDeliveryLog.LeaseReleased(_owner.Logger, Stream, settled);
    }

    /// <summary>
    /// Takes (or renews) the stream's lease before sending. When another instance holds it, this instance takes the
    /// watermark it wrote (the holder may have sent this instance's commits too) and looks again after
    /// <see cref="RelayDeliveryLease.Poll"/>.
    /// </summary>
    private async Task TakeLeaseAsync(long settled, string generation, CancellationToken cancellationToken)
    {
        var held = _lease.Holding;
        var state = await _lease.AcquireAsync(settled, generation, cancellationToken);
        lock (_lock)
        {
            if (state.Through > _settled && _settled == settled)
            {
                _settled = state.Through;
                _known = Math.Max(_known, _settled);
            }

            if (state.Held)
            {
                _saved = Math.Max(_saved, state.Through);
                _savedAt = _owner.Time.GetTimestamp();
            }
        }

        if (state.Held)
        {
            if (!held)
            {
                RelayDeliveryLog.LeaseTaken(_owner.Logger, Stream, state.Through);
            }

            return;
        }

        await Task.Delay(RelayDeliveryLease.Poll, _owner.Time, cancellationToken);
    }

    private async Task ReleaseQuietlyAsync(long settled, string generation)
    {
        try
        {
            if (settled >= 0)
            {
                await _lease.ReleaseAsync(settled, generation, CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            RelayDeliveryLog.WatermarkFailed(_owner.Logger, Stream, settled, e); // the lease then expires by itself
        }
    }

    /// <summary>The next batch from what is in memory, or null when the log must be read first.</summary>
    private List<StoredEvent>? TakeBatchLocked()
    {
        _ahead.RemoveAll(e => e.Seq <= _settled);
        _buffer.RemoveAll(e => e.Seq <= _settled);
        if (_ahead.Count == 0 && _buffer.Count > 0 && _buffer[0].Seq == _settled + 1)
        {
            _ahead.AddRange(_buffer);
            _buffer.Clear();
        }

        if (_ahead.Count == 0 || _ahead[0].Seq != _settled + 1)
        {
            _ahead.Clear();
            return null;
        }

        var max = _owner.Options.MaxEventsPerMessage;
        var batch = new List<StoredEvent>(Math.Min(max, _ahead.Count));
        long bytes = 0;
        foreach (var e in _ahead)
        {
            var size = EstimatedBytes(e);
            if (batch.Count == max || e.Seq > _known || (batch.Count > 0 && (bytes + size > MaxMessageBytes || e.Seq != batch[^1].Seq + 1)))
            {
                break;
            }

            batch.Add(e);
            bytes += size;
        }

        _ahead.RemoveRange(0, batch.Count);
        return batch;
    }

    /// <summary>
    /// Reads the next events from the log (only under the lease, so no other instance is sending them: whatever another
    /// instance settled before was taken with the lease). Seqs the log should have but lacks are dead-lettered (origin
    /// missing), never skipped.
    /// </summary>
    private async Task CatchUpAsync(long settled, CancellationToken cancellationToken)
    {
        long known;
        lock (_lock)
        {
            known = _known;
        }

        var page = await _owner.Reader.ReadAfterAsync(Stream, _generation, settled, (int)Math.Min(ReadPage, known - settled), cancellationToken);
        if (page.Reset)
        {
            // Expired (older than retention) or another generation: start at the oldest retained event.
            lock (_lock)
            {
                if (page.Head.Generation != _generation)
                {
                    ResetLocked(page.Head.Generation);
                    _known = page.Head.LastSeq;
                }

                _settled = Math.Max(_settled, page.Head.FirstRetainedSeq - 1);
                _known = Math.Max(_known, _settled);
            }

            RelayDeliveryLog.StreamReset(_owner.Logger, Stream, settled, page.Head.Generation, page.Head.FirstRetainedSeq);
            return;
        }

        var events = page.Events.Where(e => e.Seq > settled && e.Seq <= known).ToList();
        var missingThrough = events.Count > 0 ? events[0].Seq - 1 : known;
        for (var seq = settled + 1; seq <= missingThrough; seq++)
        {
            // Committed (or handed off) but not in the log: cannot happen while the log keeps its promise; recorded, never skipped silently.
            await _owner.Sender.DeadLetterAsync(Stream, seq, null, DeadLetterOrigins.Missing,
                $"The event log has no event {seq} in stream '{Stream}' although it was committed and handed off for delivery.", 0, null, cancellationToken);
        }

        lock (_lock)
        {
            if (_settled != settled)
            {
                return;
            }

            _settled = missingThrough;
            _ahead.Clear();
            foreach (var e in events)
            {
                if (e.Seq != (_ahead.Count == 0 ? _settled + 1 : _ahead[^1].Seq + 1))
                {
                    break; // a gap: the next read records it
                }

                _ahead.Add(e);
            }
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var head = await _owner.Reader.GetHeadAsync(Stream, cancellationToken);
        var durable = await _owner.States.ReadLeaseAsync(Stream, cancellationToken);
        lock (_lock)
        {
            _lease.Observe(durable);
            _generation ??= head?.Generation;
            var start = durable is { } d && head is not null && d.Generation == head.Generation
                ? d.Through
                : (head?.FirstRetainedSeq ?? 1) - 1; // nothing recorded: send every retained event (at least once)
            if (_settled < 0)
            {
                _settled = start;
                _saved = durable?.Through ?? -1;
                _savedAt = _owner.Time.GetTimestamp();
            }
        }
    }

    private async Task SaveAsync(long settled, string generation, CancellationToken cancellationToken)
    {
        try
        {
            if (!await _lease.SaveAsync(settled, generation, cancellationToken))
            {
                RelayDeliveryLog.LeaseLost(_owner.Logger, Stream, settled); // the next turn reads the row again
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not fatal: a stale watermark only makes the safety net send some events again.
            RelayDeliveryLog.WatermarkFailed(_owner.Logger, Stream, settled, e);
        }

        lock (_lock)
        {
            _saved = Math.Max(_saved, settled);
            _savedAt = _owner.Time.GetTimestamp();
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

    private static long EstimatedBytes(StoredEvent e) =>
        256 + e.Id.Length + e.Type.Length + e.Source.Length + (e.Subject?.Length ?? 0) + (e.Data.ValueKind == System.Text.Json.JsonValueKind.Undefined ? 0 : e.Data.GetRawText().Length);
}

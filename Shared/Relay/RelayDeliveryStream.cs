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
                bool save = false, saveBeside = false, needLease = false, waitForSave = false;
                Task? wake = null;
                lock (_lock)
                {
                    CompleteWaitersLocked();
                    var idle = _settled >= _known;
                    var saving = _saving is not null;
                    var due = !saving && _lease.Held && _settled > _saved && (idle || _owner.Time.GetElapsedTime(_savedAt) >= WatermarkInterval);
                    if (idle)
                    {
                        if (saving)
                        {
                            waitForSave = true; // idle decisions (save, linger, release) follow the write in flight
                        }
                        else if (due)
                        {
                            save = true;
                        }
                        else if (!_lease.Holding)
                        {
                            _running = false;
                            return;
                        }
                        else
                        {
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
    /// give it back with the watermark. The loop's next turn ends it (or goes on, when work arrived meanwhile). While the
    /// stream is contended (another instance committed to it lately), the holder looks at the stream's head every
    /// <see cref="RelayDeliveryLease.Poll"/> meanwhile: the other instance's commits show there, not through this
    /// instance's fast path, and the holder sends them (read from the log) instead of leaving them waiting for its own
    /// next commit or the end of the linger.
    /// </summary>
    private async Task LingerAsync(Task wake, long settled, string generation, CancellationToken cancellationToken)
    {
        var started = _owner.Time.GetTimestamp();
        while (true)
        {
            var remaining = RelayDeliveryLease.Linger - _owner.Time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            var contended = IsContended;
            using (var linger = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var delay = Task.Delay(contended && remaining > RelayDeliveryLease.Poll ? RelayDeliveryLease.Poll : remaining, _owner.Time, linger.Token);
                if (await Task.WhenAny(wake, delay) == wake)
                {
                    await linger.CancelAsync();
                    return;
                }

                await delay; // throws when the host is stopping
            }

            if (contended && await OthersCommittedAsync(generation, cancellationToken))
            {
                return; // the loop reads and sends them, still under the lease
            }
        }

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

    /// <summary>Whether another instance committed to (or waited for) this stream within <see cref="ContendedWindow"/>.</summary>
    private bool IsContended
    {
        get
        {
            var at = Interlocked.Read(ref _contendedAt);
            return at != long.MinValue && _owner.Time.GetElapsedTime(at) < ContendedWindow;
        }
    }

    private void MarkContended() => Interlocked.Exchange(ref _contendedAt, _owner.Time.GetTimestamp());

    /// <summary>
    /// Reads the stream's head; true (and the known seqs raised) when it holds events this instance was not told about.
    /// A failed read counts as nothing new (the linger goes on; the other instance's commits are sent later, as before).
    /// </summary>
    private async Task<bool> OthersCommittedAsync(string generation, CancellationToken cancellationToken)
    {
        StreamHead? head;
        try
        {
            head = await _owner.Reader.GetHeadAsync(Stream, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            RelayDeliveryLog.HeadPollFailed(_owner.Logger, Stream, e);
            return false;
        }

        lock (_lock)
        {
            if (head is null || head.Generation != generation || head.LastSeq <= _known)
            {
                return false;
            }

            _known = head.LastSeq;
            return true;
        }
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

        MarkContended();
        await Task.Delay(RelayDeliveryLease.Poll, _owner.Time, cancellationToken);
    }

    private async Task ReleaseQuietlyAsync(long settled, string generation)
    {
        try
        {
            await AwaitSavingAsync();
        }
        catch (OperationCanceledException)
        {
            // The write beside the sends was cancelled by the stop: the release below writes the watermark anyway.
        }

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

    /// <summary>Waits for the watermark write started beside the sends, if any (it logs its own failures).</summary>
    private async Task AwaitSavingAsync()
    {
        if (_saving is { } saving)
        {
            _saving = null;
            await saving;
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

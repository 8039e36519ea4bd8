using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The stream's lease and durable watermark (<see cref="RelayDeliveryLease"/>): taking and renewing it before sending,
/// the watermark written beside the sends (at most every second) and with the release, the linger with the lease (and
/// the head poll while another instance commits to the stream), the release when the host stops.
/// </summary>
internal sealed partial class RelayDeliveryStream
{
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

        await AwaitSavingAsync(); // one write of the lease row at a time; the release below writes the watermark
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
}

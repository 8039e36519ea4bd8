using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Relay;

/// <summary>
/// What the next hub message of the stream carries: consecutive events from memory (the fast path's commits), or, when
/// memory does not hold the next seq, a page read from the log (seqs the log lacks are dead-lettered, never skipped).
/// </summary>
internal sealed partial class RelayDeliveryStream
{
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

    private static long EstimatedBytes(StoredEvent e) =>
        256 + e.Id.Length + e.Type.Length + e.Source.Length + (e.Subject?.Length ?? 0) + (e.Data.ValueKind == System.Text.Json.JsonValueKind.Undefined ? 0 : e.Data.GetRawText().Length);
}

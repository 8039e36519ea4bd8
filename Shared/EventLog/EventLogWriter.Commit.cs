using Azure.Data.Tables;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.EventLog;

public sealed partial class EventLogWriter
{
    private sealed partial class StreamWriter
    {
        /// <summary>Commits <paramref name="batch"/>: claims its ids, then writes segment, marker and head in one transaction.</summary>
        private async Task CommitAsync(List<PendingEvent> batch, List<PendingEvent> primaries, List<(PendingEvent Follower, PendingEvent Primary)> followers)
        {
            using var span = Observability.DashboardTelemetry.StartCommit(stream, batch.Select(p => p.Event)); // docs/observability.md
            var token = EventLogLayout.NewToken();
            var started = log._timeProvider.GetTimestamp();
            var state = new ClaimState();
            var assigned = new Dictionary<PendingEvent, long>();
            List<PendingEvent> committing = [];
            PendingRange? committed = null;
            var committedAt = default(DateTimeOffset);
            var uncertain = false;
            HeadRow? movedFrom = null; // the head as a try found it moved by another writer (412): read again cheaply
            var attemptBucket = log._store.Today;
            try
            {
                await log._writePipeline.ExecuteAsync(
                    async ct =>
                    {
                        if (uncertain && await FindMarkerAsync(token, attemptBucket, ct) is { } marker)
                        {
                            // The previous try did commit (its answer was lost): adopt its outcome.
                            for (var i = 0; i < committing.Count; i++)
                            {
                                assigned[committing[i]] = marker.First + i;
                            }

                            committed = new PendingRange(marker.First, marker.Last, log._timeProvider.GetUtcNow());
                            committedAt = committed.Value.Since;
                            _head = await LoadHeadAsync(ct);
                            return;
                        }

                        if (movedFrom is { } lost)
                        {
                            // Another writer committed first. What queued meanwhile joins this commit and is claimed (same
                            // token) before the head is read again, so the head is as fresh as it can be when the commit goes
                            // out: under contention commits get larger rather than more frequent, and lose less often.
                            movedFrom = null;
                            Grow(batch, primaries, followers);
                            if (state.Windows is { } claimedIn && claimedIn.SequenceEqual(ClaimWindows(lost)))
                            {
                                await ClaimAsync([.. primaries.Where(p => !state.IsSettled(p))], token, state, lost, ct);
                            }

                            _head = await ReloadMovedHeadAsync(lost, ct);
                        }

                        _head ??= await LoadHeadAsync(ct);
                        await RollOverIfDueAsync(ct);
                        var windows = ClaimWindows(_head!);
                        if (state.Windows is null || !state.Windows.SequenceEqual(windows))
                        {
                            state.Claimed.Clear(); // claims must be in the index windows of the commit's bucket
                            state.Windows = windows;
                        }

                        var todo = primaries.Where(p => !state.IsSettled(p)).ToList();
                        await ClaimAsync(todo, token, state, _head!, ct);
                        var fresh = primaries.Where(p => state.Claimed.Contains(p)).ToList();
                        if (fresh.Count == 0)
                        {
                            return;
                        }

                        if (log._timeProvider.GetElapsedTime(started) >= log._options.AckTimeout)
                        {
                            // Never commit under a token older than the ack budget: its claims may be taken over by now.
                            throw new EventLogUnavailableException($"Stream '{stream}': the commit did not complete within Relay:AckTimeout.");
                        }

                        var handedOff = HandedOffSnapshot();
                        var pending = PendingRange.Without(_head!.Pending, handedOff);
                        if (pending.Count >= MaxPendingRanges)
                        {
                            throw new EventLogUnavailableException($"Stream '{stream}' has {pending.Count} committed ranges that were not handed off; the delivery queue is failing.");
                        }

                        var data = SegmentCodec.Encode([.. fresh.Select(p => (p.Event, p.Blob))]);
                        while (data.Length > EventLogLayout.MaxSegmentBytes && fresh.Count > 1)
                        {
                            // The estimate was too low: commit a prefix, the rest goes round again (under a new token).
                            state.Claimed.Remove(fresh[^1]);
                            state.Overflow.Add(fresh[^1]);
                            fresh.RemoveAt(fresh.Count - 1);
                            data = SegmentCodec.Encode([.. fresh.Select(p => (p.Event, p.Blob))]);
                        }

                        var now = log._timeProvider.GetUtcNow();
                        var range = new PendingRange(_head.LastSeq + 1, _head.LastSeq + fresh.Count, now);
                        var head = _head with { LastSeq = range.Last, Pending = PendingRange.With(pending, range) };
                        var actions = new List<TableTransactionAction>(3)
                        {
                            _head.ETag is { } etag
                                ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, EventLogLayout.Head(head, now), etag)
                                : new TableTransactionAction(TableTransactionActionType.Add, EventLogLayout.Head(head, now)),
                            new(TableTransactionActionType.Add, EventLogLayout.Segment(stream, range.First, range.Last, token, data, now)),
                            new(TableTransactionActionType.Add, EventLogLayout.Marker(stream, token, range.First, range.Last)),
                        };
                        committing = fresh;
                        attemptBucket = _head.Bucket;
                        try
                        {
                            _budget.Charge(1);
                            var response = await log._store.WriteTable(_head.Bucket).SubmitTransactionAsync(actions, ct);
                            _head = head with { ETag = response.Value[0].Headers.ETag };
                            ForgetHandedOff(handedOff); // this write removed them from the outbox
                            for (var i = 0; i < fresh.Count; i++)
                            {
                                assigned[fresh[i]] = range.First + i;
                            }

                            committed = range;
                            committedAt = now;
                        }
                        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && e.FailedTransactionActionIndex is null or 0)
                        {
                            // Another writer (another instance) moved the head: read it again.
                            movedFrom = _head;
                            _head = null;
                            throw new EventLogConflictException($"The head of stream '{stream}' changed (HTTP {e.Status}).");
                        }
                        catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex == 1)
                        {
                            // A segment at these seqs exists already: the head is behind its own log (storage lost the head's
                            // last writes). Reading the head again finds the segments beyond it and starts a new generation.
                            _head = null;
                            throw new EventLogConflictException($"Stream '{stream}' has a segment ending at {range.Last} beyond its head.");
                        }
                        catch (Exception e) when (e is not (EventLogConflictException or EventLogUnavailableException))
                        {
                            // The outcome is unknown (the transaction may have committed): the next try looks for our marker.
                            _head = null;
                            uncertain = true;
                            throw;
                        }
                    },
                    CancellationToken.None);
            }
            catch (Exception e)
            {
                _abandoned.Add(token);
                EventLogLog.CommitFailed(log._logger, stream, batch.Count, e);
                var error = e as EventLogUnavailableException ?? new EventLogUnavailableException($"Could not write {batch.Count} event(s) to stream '{stream}'.", e);
                batch.ForEach(p => p.Operation.Fail(error));
                return;
            }

            if (state.Overflow.Count > 0 || state.Claimed.Count > assigned.Count)
            {
                _abandoned.Add(token);
            }

            if (committed is { } c)
            {
                log._stats.Committed();
                log._stats.Accepted(c.Last - c.First + 1);
                EventLogLog.Committed(log._logger, stream, c.First, c.Last, _head?.Generation ?? "");
                if (_head is not null)
                {
                    _acknowledged = _head;
                    log._store.Directory.Publish(_head);
                    var events = new List<StoredEvent>(committing.Count);
                    for (var i = 0; i < committing.Count; i++)
                    {
                        events.Add(SegmentCodec.ToStoredEvent(committing[i].Event, stream, c.First + i, committedAt));
                    }

                    log.Notify(stream, _head.Generation, events);
                }
            }

            // Hand off the new range, and any earlier range a duplicate belongs to that is still in the outbox.
            var toHandOff = new List<(PendingRange Range, bool Again)>();
            if (committed is { } range)
            {
                toHandOff.Add((range, false));
            }

            foreach (var seq in state.Stored.Values)
            {
                if (_head is null || toHandOff.Any(r => r.Range.Contains(seq)) || IsHandedOffOrHandingOff(seq))
                {
                    continue;
                }

                var pendingRange = _head.Pending.FirstOrDefault(r => r.Contains(seq));
                if (pendingRange.Last != 0)
                {
                    toHandOff.Add((pendingRange, true));
                }
            }

            var waiting = new List<PendingEvent>();
            var resolved = new List<(PendingEvent Event, long Seq, bool Duplicate)>();
            foreach (var p in primaries)
            {
                var duplicate = state.Stored.TryGetValue(p.IdKey, out var seq);
                if (!duplicate && !assigned.TryGetValue(p, out seq))
                {
                    waiting.Add(p); // its id is claimed by a commit still in flight, or did not fit: round again
                    waiting.AddRange(followers.Where(f => ReferenceEquals(f.Primary, p)).Select(f => f.Follower));
                    continue;
                }

                resolved.Add((p, seq, duplicate));
                resolved.AddRange(followers.Where(f => ReferenceEquals(f.Primary, p)).Select(f => (f.Follower, seq, true)));
            }

            log._stats.Duplicates(resolved.Count(r => r.Duplicate));
            if (waiting.Count > 0)
            {
                Defer(waiting);
            }

            // The requests are answered now: their events are durable and their range is in the outbox, written in this
            // commit's transaction, so from here nothing can lose them (a failed or unsent hand-off is sent again with the
            // next one, or by the outbox sweep). The hand-off goes to the stream's one hand-off sender, beside the next
            // commits (see EnqueueHandOff).
            foreach (var (p, seq, duplicate) in resolved)
            {
                p.Operation.Complete(p.Index, new AppendedEvent(p.Event.Id, stream, seq, duplicate));
            }

            if (toHandOff.Count > 0)
            {
                EnqueueHandOff(toHandOff);
            }
        }
    }
}

using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Relay;

public sealed partial class RelayEventLog
{
    /// <summary>
    /// The one in-process writer of a stream. Requests queue their events; a loop (running only while there is work) takes
    /// as many as fit into one entity-group transaction, commits them with the head row (counter + outbox) conditioned on
    /// its ETag, hands the committed range off to the queue, and completes the waiting requests. Removing handed-off
    /// ranges from the outbox rides along with the next transaction, or is written on its own when the queue is empty.
    /// All state below <see cref="_gate"/> is touched only by the loop.
    /// </summary>
    private sealed class StreamWriter(RelayEventLog log, string stream)
    {
        /// <summary>Head + event row + id row per event: at most 100 operations in one transaction.</summary>
        internal const int MaxEventsPerCommit = 49;

        /// <summary>Estimated transaction body budget; the service allows 4 MiB.</summary>
        private const int MaxCommitCost = 2 * 1024 * 1024;

        /// <summary>Back-pressure: beyond this many waiting events, new requests get 503 at once.</summary>
        private const int MaxQueuedEvents = 10_000;

        /// <summary>Back-pressure: with this many ranges not handed off (the queue is failing), no new commits.</summary>
        private const int MaxPendingRanges = 256;

        /// <summary>
        /// How long handed-off ranges may wait for a following commit to remove them from the outbox before they get a
        /// write of their own. Saves that write under steady load; a crash meanwhile only means one more hand-off.
        /// </summary>
        private static readonly TimeSpan FlushDelay = TimeSpan.FromMilliseconds(250);

        private readonly Lock _gate = new();
        private readonly Queue<PendingEvent> _queue = new();
        private readonly Queue<RecoveryRequest> _recoveries = new();
        private readonly List<PendingRange> _handedOff = [];
        private readonly SemaphoreSlim _moreWork = new(0);
        private bool _running;
        private bool _flushFailed;
        private Task _loop = Task.CompletedTask;
        private HeadRow? _head;

        public bool TryEnqueue(IReadOnlyList<PendingEvent> events)
        {
            lock (_gate)
            {
                if (_queue.Count + events.Count > MaxQueuedEvents)
                {
                    return false;
                }

                foreach (var e in events)
                {
                    _queue.Enqueue(e);
                }

                StartIfIdle();
            }

            return true;
        }

        public Task<int> RecoverAsync(DateTimeOffset cutoff)
        {
            var request = new RecoveryRequest(cutoff);
            lock (_gate)
            {
                _recoveries.Enqueue(request);
                StartIfIdle();
            }

            return request.Completion.Task;
        }

        private void StartIfIdle()
        {
            if (!_running)
            {
                _running = true;
                _loop = Task.Run(RunAsync);
            }
            else
            {
                _moreWork.Release(); // the loop may be waiting to flush: let the next commit carry the flush instead
            }
        }

        private async Task RunAsync()
        {
            while (true)
            {
                List<PendingEvent> batch;
                RecoveryRequest? recovery = null;
                lock (_gate)
                {
                    batch = TakeBatch();
                    if (batch.Count == 0 && _recoveries.Count > 0)
                    {
                        recovery = _recoveries.Dequeue();
                    }

                    if (batch.Count == 0 && recovery is null && (_handedOff.Count == 0 || _flushFailed))
                    {
                        _running = false;
                        _flushFailed = false;
                        return;
                    }
                }

                try
                {
                    if (batch.Count > 0)
                    {
                        await CommitAsync(batch);
                    }
                    else if (recovery is not null)
                    {
                        await RecoverAsync(recovery);
                    }
                    else if (!await MoreWorkWithinAsync(FlushDelay))
                    {
                        await FlushAsync();
                    }
                }
                catch (Exception e)
                {
                    // CommitAsync and friends resolve their own failures; this keeps the loop alive whatever happens.
                    RelayLog.WriterFailed(log._logger, stream, e);
                    var error = new EventLogUnavailableException("The event log writer failed.", e);
                    batch.ForEach(p => p.Operation.Fail(error));
                    recovery?.Completion.TrySetException(error);
                    _head = null;
                }
            }
        }

        /// <summary>Makes a waiting loop flush now; completes when the loop has nothing left to do.</summary>
        public Task WakeForShutdown()
        {
            lock (_gate)
            {
                _moreWork.Release();
                return _loop;
            }
        }

        /// <summary>True when work arrived within <paramref name="delay"/> (false at once when shutting down).</summary>
        private async Task<bool> MoreWorkWithinAsync(TimeSpan delay)
        {
            if (log._disposing)
            {
                return false;
            }

            if (_moreWork.Wait(0, CancellationToken.None))
            {
                return !log._disposing;
            }

            using var cts = new CancellationTokenSource();
            var signal = _moreWork.WaitAsync(cts.Token);
            var winner = await Task.WhenAny(signal, Task.Delay(delay, log._timeProvider, cts.Token));
            await cts.CancelAsync();

            // A signal lost to the race is harmless: the loop looks at its queue on every turn.
            return winner == signal && !log._disposing;
        }

        private List<PendingEvent> TakeBatch()
        {
            var batch = new List<PendingEvent>();
            var cost = 0;
            while (_queue.TryPeek(out var next) && batch.Count < MaxEventsPerCommit && (batch.Count == 0 || cost + next.Cost <= MaxCommitCost))
            {
                batch.Add(_queue.Dequeue());
                cost += next.Cost;
            }

            return batch;
        }

        private async Task CommitAsync(List<PendingEvent> batch)
        {
            // A repeated id inside the batch (two requests racing, or one batch repeating an id) is one event: the first wins.
            var primaries = new List<PendingEvent>(batch.Count);
            var followers = new List<(PendingEvent Follower, PendingEvent Primary)>();
            var byKey = new Dictionary<string, PendingEvent>(StringComparer.Ordinal);
            foreach (var p in batch)
            {
                if (byKey.TryGetValue(p.IdKey, out var first))
                {
                    followers.Add((p, first));
                }
                else
                {
                    byKey[p.IdKey] = p;
                    primaries.Add(p);
                }
            }

            var stored = new Dictionary<string, long>(StringComparer.Ordinal); // id key → seq, for ids already in the log
            var assigned = new Dictionary<PendingEvent, long>();
            PendingRange? committed = null;
            try
            {
                await log._writePipeline.ExecuteAsync(
                    async ct =>
                    {
                        _head ??= await log.ReadHeadAsync(stream, ct);
                        var fresh = primaries.Where(p => !stored.ContainsKey(p.IdKey)).ToList();
                        if (fresh.Count == 0)
                        {
                            return;
                        }

                        var pending = PendingRange.Without(_head.Pending, _handedOff);
                        if (pending.Count >= MaxPendingRanges)
                        {
                            throw new EventLogUnavailableException($"Stream '{stream}' has {pending.Count} committed ranges that were not handed off; the delivery queue is failing.");
                        }

                        var now = log._timeProvider.GetUtcNow();
                        var range = new PendingRange(_head.LastSeq + 1, _head.LastSeq + fresh.Count, now);
                        pending.Add(range);
                        var actions = new List<TableTransactionAction>(1 + (2 * fresh.Count));
                        var head = EventLogRows.Head(stream, range.Last, pending, now);
                        actions.Add(_head.ETag is { } etag
                            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, head, etag)
                            : new TableTransactionAction(TableTransactionActionType.Add, head));
                        for (var i = 0; i < fresh.Count; i++)
                        {
                            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, EventLogRows.Event(stream, range.First + i, fresh[i].Event, fresh[i].BlobName, now)));
                        }

                        for (var i = 0; i < fresh.Count; i++)
                        {
                            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, EventLogRows.IdIndex(stream, fresh[i].IdKey, range.First + i)));
                        }

                        try
                        {
                            var response = await log._writeTable.SubmitTransactionAsync(actions, ct);
                            _head = new HeadRow(range.Last, pending, response.Value[0].Headers.ETag);
                            _handedOff.Clear(); // this write removed them from the outbox
                            for (var i = 0; i < fresh.Count; i++)
                            {
                                assigned[fresh[i]] = range.First + i;
                            }

                            committed = range;
                        }
                        catch (TableTransactionFailedException e) when (e.Status == 409 && (e.FailedTransactionActionIndex is null || e.FailedTransactionActionIndex > fresh.Count))
                        {
                            // An id row exists: a redelivery (or a retry of a write that did commit). Learn every such id at once.
                            var found = await log.ReadIdsAsync(stream, fresh, ct);
                            foreach (var (idKey, seq) in found)
                            {
                                stored[idKey] = seq;
                            }

                            if (found.Count == fresh.Count)
                            {
                                return; // all of them were written before (a retry of a commit that did succeed, or redeliveries)
                            }

                            if (found.Count == 0)
                            {
                                _head = null;
                            }

                            throw new EventLogConflictException($"{found.Count} event id(s) of stream '{stream}' were already in the log.");
                        }
                        catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
                        {
                            // Another writer (another instance) moved the head: read it again.
                            _head = null;
                            throw new EventLogConflictException($"The head of stream '{stream}' changed (HTTP {e.Status}).");
                        }
                        catch (Exception e) when (e is not (EventLogConflictException or EventLogUnavailableException))
                        {
                            // The outcome is unknown (the transaction may have committed): read the head again before retrying.
                            _head = null;
                            throw;
                        }
                    },
                    CancellationToken.None);
            }
            catch (Exception e)
            {
                RelayLog.CommitFailed(log._logger, stream, batch.Count, e);
                var error = e as EventLogUnavailableException ?? new EventLogUnavailableException($"Could not write {batch.Count} event(s) to stream '{stream}'.", e);
                batch.ForEach(p => p.Operation.Fail(error));
                return;
            }

            if (committed is { } c)
            {
                log._stats.Committed();
                log._stats.Accepted(c.Last - c.First + 1);
                RelayLog.Committed(log._logger, stream, c.First, c.Last);
            }

            log._stats.Duplicates(stored.Count + followers.Count);

            // Hand off the new range, and any earlier range a duplicate belongs to that is still in the outbox.
            var toHandOff = new List<(PendingRange Range, bool Again)>();
            if (committed is { } range)
            {
                toHandOff.Add((range, false));
            }

            foreach (var seq in stored.Values)
            {
                if (_handedOff.Any(r => r.Contains(seq)) || toHandOff.Any(r => r.Range.Contains(seq)))
                {
                    continue;
                }

                var pendingRange = _head!.Pending.FirstOrDefault(r => r.Contains(seq));
                if (pendingRange.Last != 0)
                {
                    toHandOff.Add((pendingRange, true));
                }
            }

            var failed = new List<(PendingRange Range, Exception Error)>();
            foreach (var (r, again) in toHandOff)
            {
                try
                {
                    await log.HandOffAsync(stream, r);
                    _handedOff.Add(r);
                    if (again)
                    {
                        log._stats.ReHandedOff();
                        RelayLog.ReHandedOff(log._logger, stream, r.First, r.Last, "redelivery");
                    }
                    else
                    {
                        log._stats.HandedOff();
                    }
                }
                catch (Exception e)
                {
                    RelayLog.HandOffFailed(log._logger, stream, r.First, r.Last, e);
                    failed.Add((r, e));
                }
            }

            foreach (var p in primaries)
            {
                var duplicate = stored.TryGetValue(p.IdKey, out var seq);
                if (!duplicate)
                {
                    seq = assigned[p];
                }

                Resolve(p, seq, duplicate, failed);
                foreach (var (follower, _) in followers.Where(f => ReferenceEquals(f.Primary, p)))
                {
                    Resolve(follower, seq, duplicate: true, failed);
                }
            }
        }

        private void Resolve(PendingEvent p, long seq, bool duplicate, List<(PendingRange Range, Exception Error)> failed)
        {
            var failure = failed.FirstOrDefault(f => f.Range.Contains(seq));
            if (failure.Error is not null)
            {
                p.Operation.Fail(new EventLogUnavailableException($"Event {seq} of stream '{stream}' is durable but could not be handed off to the delivery queue.", failure.Error));
            }
            else
            {
                p.Operation.Complete(p.Index, new AppendedEvent(p.Event.Id, stream, seq, duplicate));
            }
        }

        private async Task FlushAsync()
        {
            try
            {
                await log._writePipeline.ExecuteAsync(
                    async ct =>
                    {
                        _head ??= await log.ReadHeadAsync(stream, ct);
                        var remaining = PendingRange.Without(_head.Pending, _handedOff);
                        if (remaining.Count == _head.Pending.Count || _head.ETag is not { } etag)
                        {
                            _handedOff.Clear();
                            return;
                        }

                        try
                        {
                            var response = await log._writeTable.UpdateEntityAsync(
                                EventLogRows.Head(stream, _head.LastSeq, remaining, log._timeProvider.GetUtcNow()), etag, TableUpdateMode.Replace, ct);
                            _head = new HeadRow(_head.LastSeq, remaining, response.Headers.ETag);
                            _handedOff.Clear();
                        }
                        catch (RequestFailedException e) when (e.Status == 412)
                        {
                            _head = null;
                            throw new EventLogConflictException($"The head of stream '{stream}' changed (HTTP 412).");
                        }
                        catch (Exception e) when (e is not EventLogConflictException)
                        {
                            _head = null;
                            throw;
                        }
                    },
                    CancellationToken.None);
            }
            catch (Exception e)
            {
                // The ranges stay in the outbox; the next commit removes them, or the sweep hands them off again.
                RelayLog.FlushFailed(log._logger, stream, e);
                _flushFailed = true;
            }
        }

        private async Task RecoverAsync(RecoveryRequest request)
        {
            try
            {
                _head = await log._writePipeline.ExecuteAsync(async ct => await log.ReadHeadAsync(stream, ct), CancellationToken.None);
                var count = 0;
                foreach (var range in _head.Pending.Where(r => r.Since <= request.Cutoff && !_handedOff.Any(h => h.SameRange(r))).ToList())
                {
                    try
                    {
                        await log.HandOffAsync(stream, range);
                        _handedOff.Add(range);
                        count++;
                        log._stats.ReHandedOff();
                        RelayLog.ReHandedOff(log._logger, stream, range.First, range.Last, "outbox sweep");
                    }
                    catch (Exception e)
                    {
                        RelayLog.HandOffFailed(log._logger, stream, range.First, range.Last, e);
                    }
                }

                request.Completion.TrySetResult(count);
            }
            catch (Exception e)
            {
                request.Completion.TrySetException(e);
            }
        }

        private sealed class RecoveryRequest(DateTimeOffset cutoff)
        {
            public DateTimeOffset Cutoff { get; } = cutoff;

            public TaskCompletionSource<int> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}

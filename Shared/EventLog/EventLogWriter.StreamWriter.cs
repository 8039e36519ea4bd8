using FunctionsDashboard.Relay;

namespace FunctionsDashboard.EventLog;

public sealed partial class EventLogWriter
{
    /// <summary>
    /// The one in-process writer of a stream. Requests queue their events; a loop (running only while there is work)
    /// takes as many as fit into one segment, claims their ids, commits segment + marker + head in one transaction,
    /// tells the commit listeners, hands the range off to the queue and completes the waiting requests. Removing
    /// handed-off ranges from the outbox rides along with the next commit, or is written on its own when idle.
    /// Everything except the queues below <see cref="_gate"/> is touched only by the loop.
    /// </summary>
    private sealed partial class StreamWriter(EventLogWriter log, string stream)
    {
        /// <summary>Events per commit at most (the segment's 960 KiB limit usually comes first for large events).</summary>
        internal const int MaxEventsPerCommit = 500;

        /// <summary>Back-pressure: beyond this many waiting events, new requests get 503 at once.</summary>
        private const int MaxQueuedEvents = 10_000;

        /// <summary>Back-pressure: with this many ranges not handed off (the queue is failing), no new commits.</summary>
        private const int MaxPendingRanges = 256;

        /// <summary>
        /// How long handed-off ranges may wait for a following commit to remove them from the outbox before they get a
        /// write of their own. Saves that write under steady load; a crash meanwhile only means one more hand-off.
        /// </summary>
        private static readonly TimeSpan FlushDelay = TimeSpan.FromMilliseconds(250);

        /// <summary>An event whose id another commit has claimed (still in flight) is looked at again after this.</summary>
        private static readonly TimeSpan InFlightRetryDelay = TimeSpan.FromMilliseconds(20);

        private readonly Lock _gate = new();
        private readonly Queue<PendingEvent> _queue = new();
        private readonly List<PendingEvent> _deferred = [];
        private readonly Queue<RecoveryRequest> _recoveries = new();
        private readonly Queue<AheadReport> _reports = new();
        private readonly SemaphoreSlim _moreWork = new(0);
        private readonly TransactionBudget _budget = new(log._store.Options.TransactionsPerSecond, log._timeProvider);
        private readonly AbandonedTokens _abandoned = new();
        private bool _running;
        private long _lastCommit;
        private bool _flushFailed;
        private Task _loop = Task.CompletedTask;
        private HeadRow? _head;

        /// <summary>The furthest this instance has acknowledged (rollback detection), or null.</summary>
        private HeadRow? _acknowledged;

        /// <summary>The furthest head this writer committed (read by other threads: a reference, replaced whole).</summary>
        public HeadRow? Acknowledged => Volatile.Read(ref _acknowledged);

        public bool TryEnqueue(IReadOnlyList<PendingEvent> events)
        {
            lock (_gate)
            {
                if (_queue.Count + _deferred.Count + events.Count > MaxQueuedEvents)
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

        public Task<HeadRow?> ReportAheadAsync(string generation, long seq)
        {
            var report = new AheadReport(generation, seq);
            lock (_gate)
            {
                _reports.Enqueue(report);
                StartIfIdle();
            }

            return report.Completion.Task;
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
                if ((PaceDelay() ?? _budget.Wait()) is { } pace)
                {
                    // Under load, wait for the commit interval or the transaction budget: the queue fills meanwhile, so the
                    // next commit carries more.
                    await Task.Delay(pace, log._timeProvider);
                }

                List<PendingEvent> batch;
                RecoveryRequest? recovery = null;
                AheadReport? report = null;
                bool waitForDeferred;
                var handOffBusy = HandOffBusy;
                var hasHandedOff = HasHandedOff;
                lock (_gate)
                {
                    batch = TakeBatch();
                    if (batch.Count == 0 && !_recoveries.TryDequeue(out recovery))
                    {
                        _reports.TryDequeue(out report);
                    }

                    waitForDeferred = _deferred.Count > 0;
                    if (batch.Count == 0 && recovery is null && report is null && !waitForDeferred && !handOffBusy && (!hasHandedOff || _flushFailed))
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
                        // One commit at a time, in seq order: the next batch gathers while this one is written.
                        var (primaries, followers) = SplitRepeats(batch);
                        _lastCommit = log._timeProvider.GetTimestamp();
                        await CommitGuardedAsync(batch, primaries, followers);
                    }
                    else if (recovery is not null)
                    {
                        await RecoverAsync(recovery);
                    }
                    else if (report is not null)
                    {
                        await ReportAsync(report);
                    }
                    else if (waitForDeferred)
                    {
                        if (!await MoreWorkWithinAsync(InFlightRetryDelay) && HasHandedOff && !_flushFailed)
                        {
                            await FlushAsync();
                        }
                    }
                    else if (handOffBusy)
                    {
                        // The hand-off sender wakes the loop when it is done; then the outbox removal can be flushed.
                        var worker = _handOffWorker;
                        await (log._disposing ? worker : MoreWorkWithinAsync(FlushDelay, worker));
                    }
                    else if (!await MoreWorkWithinAsync(FlushDelay))
                    {
                        await FlushAsync();
                    }
                }
                catch (Exception e)
                {
                    // CommitAsync and friends resolve their own failures; this keeps the loop alive whatever happens.
                    EventLogLog.WriterFailed(log._logger, stream, e);
                    var error = new EventLogUnavailableException("The event log writer failed.", e);
                    batch.ForEach(p => p.Operation.Fail(error));
                    recovery?.Completion.TrySetException(error);
                    report?.Completion.TrySetException(error);
                    _head = null;
                }
            }
        }

        /// <summary>How long to wait before the next commit (<see cref="EventLogOptions.MinCommitInterval"/>), or null.</summary>
        private TimeSpan? PaceDelay()
        {
            var interval = log._store.Options.MinCommitInterval;
            if (interval <= TimeSpan.Zero || _lastCommit == 0)
            {
                return null;
            }

            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    return null;
                }
            }

            var remaining = interval - log._timeProvider.GetElapsedTime(_lastCommit);
            return remaining > TimeSpan.Zero ? remaining : null;
        }

        /// <summary>A commit; it resolves its own failures (the loop goes on whatever happens).</summary>
        private async Task CommitGuardedAsync(List<PendingEvent> batch, List<PendingEvent> primaries, List<(PendingEvent Follower, PendingEvent Primary)> followers)
        {
            try
            {
                await CommitAsync(batch, primaries, followers);
            }
            catch (Exception e)
            {
                EventLogLog.WriterFailed(log._logger, stream, e);
                var error = new EventLogUnavailableException("The event log writer failed.", e);
                batch.ForEach(p => p.Operation.Fail(error));
                _head = null;
            }
        }

        /// <summary>
        /// True when work arrived within <paramref name="delay"/>; false when the delay passed or <paramref name="alsoWake"/>
        /// completed first (false at once when shutting down).
        /// </summary>
        private async Task<bool> MoreWorkWithinAsync(TimeSpan delay, Task? alsoWake = null)
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
            var timer = Task.Delay(delay, log._timeProvider, cts.Token);
            var winner = await (alsoWake is null ? Task.WhenAny(signal, timer) : Task.WhenAny(signal, timer, alsoWake));
            await cts.CancelAsync();

            // A signal lost to the race is harmless: the loop looks at its queue on every turn.
            return winner == signal && !log._disposing;
        }
    }
}

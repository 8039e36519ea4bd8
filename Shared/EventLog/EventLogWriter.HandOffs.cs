
namespace FunctionsDashboard.EventLog;

public sealed partial class EventLogWriter
{
    private sealed partial class StreamWriter
    {
        private readonly Lock _handOffGate = new();
        private readonly List<(PendingRange Range, bool Again)> _handOffQueue = [];

        /// <summary>
        /// New ranges whose hand-off failed (the write pipeline's retries included): sent again in the stream's next round,
        /// or by the outbox sweep when no commit comes first (under <see cref="_handOffGate"/>).
        /// </summary>
        private readonly List<PendingRange> _retryHandOff = [];

        /// <summary>Ranges queued for a hand-off or being handed off (under <see cref="_handOffGate"/>).</summary>
        private readonly List<PendingRange> _handingOff = [];

        /// <summary>Handed off, still in the outbox until the next head write (under <see cref="_handOffGate"/>).</summary>
        private readonly List<PendingRange> _handedOff = [];

        private Task _handOffWorker = Task.CompletedTask;
        private bool _handOffRunning;
        private long _lastHandOff;

        private bool HandOffBusy
        {
            get
            {
                lock (_handOffGate)
                {
                    return _handOffRunning;
                }
            }
        }

        private bool HasHandedOff
        {
            get
            {
                lock (_handOffGate)
                {
                    return _handedOff.Count > 0;
                }
            }
        }

        /// <summary>
        /// Queues the hand-off of a commit's ranges (its requests are answered already: the ranges are in the outbox). The
        /// loop goes on with its next commit meanwhile: one sender per stream sends whatever has queued up, contiguous new
        /// ranges of several commits as one message, at most one round of messages per
        /// <see cref="EventLogOptions.HandOffInterval"/>.
        /// </summary>
        private void EnqueueHandOff(List<(PendingRange Range, bool Again)> ranges)
        {
            lock (_handOffGate)
            {
                _handOffQueue.AddRange(ranges);
                _handingOff.AddRange(ranges.Select(r => r.Range));
                if (!_handOffRunning)
                {
                    _handOffRunning = true;
                    _handOffWorker = Task.Run(HandOffLoopAsync);
                }
            }
        }

        /// <summary>True when <paramref name="seq"/> is handed off already or on its way.</summary>
        private bool IsHandedOffOrHandingOff(long seq)
        {
            lock (_handOffGate)
            {
                return _handedOff.Any(r => r.Contains(seq)) || _handingOff.Any(r => r.Contains(seq)) || _retryHandOff.Any(r => r.Contains(seq));
            }
        }

        /// <summary>
        /// The parts of <paramref name="range"/> (an outbox entry: maybe several commits merged) that are neither handed off
        /// already nor on their way; the failed ones count as not handed off (the sweep sends those).
        /// </summary>
        private List<PendingRange> NotHandedOff(PendingRange range)
        {
            lock (_handOffGate)
            {
                return PendingRange.Without([range], [.. _handedOff, .. _handingOff]);
            }
        }

        private List<PendingRange> HandedOffSnapshot()
        {
            lock (_handOffGate)
            {
                return [.. _handedOff];
            }
        }

        /// <summary>A head write removed <paramref name="written"/> from the outbox: forget them (only them).</summary>
        private void ForgetHandedOff(IReadOnlyCollection<PendingRange> written)
        {
            lock (_handOffGate)
            {
                _handedOff.RemoveAll(r => written.Any(w => w.SameRange(r)));
            }
        }

        /// <summary>The sweep handed <paramref name="range"/> off: so are the failed ranges it covers.</summary>
        private void AddHandedOff(PendingRange range)
        {
            lock (_handOffGate)
            {
                _handedOff.Add(range);
                _retryHandOff.RemoveAll(r => PendingRange.Without([r], [range]).Count == 0);
            }
        }

        private async Task HandOffLoopAsync()
        {
            while (true)
            {
                await HandOffPaceAsync();
                List<(PendingRange Range, bool Again)> items;
                lock (_handOffGate)
                {
                    if (_handOffQueue.Count == 0)
                    {
                        // Failed hand-offs left go with the next commit's round, or the outbox sweep sends them.
                        _handOffRunning = false;
                        _moreWork.Release(); // the loop may be waiting to flush the outbox
                        return;
                    }

                    items = [.. _handOffQueue, .. _retryHandOff.Select(r => (r, false))];
                    _handingOff.AddRange(_retryHandOff);
                    _handOffQueue.Clear();
                    _retryHandOff.Clear();
                }

                _lastHandOff = log._timeProvider.GetTimestamp();
                var sent = new List<PendingRange>();
                var failed = new List<PendingRange>();
                foreach (var (message, ranges, again) in Messages(items))
                {
                    try
                    {
                        _budget.Charge(3); // send, and the consumer's receive and delete
                        await log.HandOffAsync(stream, message);
                        sent.AddRange(ranges);
                        foreach (var r in ranges)
                        {
                            if (again)
                            {
                                log._stats.ReHandedOff();
                                EventLogLog.ReHandedOff(log._logger, stream, r.First, r.Last, "redelivery");
                            }
                            else
                            {
                                log._stats.HandedOff();
                            }
                        }
                    }
                    catch (Exception e)
                    {
                        // Still in the outbox: sent again in the next round (with whatever committed meanwhile), or by
                        // the outbox sweep when no commit comes first.
                        EventLogLog.HandOffFailed(log._logger, stream, message.First, message.Last, e);
                        if (!again)
                        {
                            failed.AddRange(ranges);
                        }
                    }
                }

                lock (_handOffGate)
                {
                    _handedOff.AddRange(sent);
                    foreach (var (range, _) in items)
                    {
                        var i = _handingOff.FindIndex(r => r.SameRange(range));
                        if (i >= 0)
                        {
                            _handingOff.RemoveAt(i);
                        }
                    }

                    _retryHandOff.AddRange(failed);
                }
            }
        }

        /// <summary>
        /// Waits until <see cref="EventLogOptions.HandOffInterval"/> has passed since the last round of messages (not when
        /// shutting down): what commits meanwhile joins the next round, as one message when it follows without a gap.
        /// </summary>
        private async Task HandOffPaceAsync()
        {
            var interval = log._store.Options.HandOffInterval;
            if (interval <= TimeSpan.Zero || _lastHandOff == 0 || log._disposing)
            {
                return;
            }

            var remaining = interval - log._timeProvider.GetElapsedTime(_lastHandOff);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            try
            {
                await Task.Delay(remaining, log._timeProvider, log.Stopping);
            }
            catch (OperationCanceledException)
            {
                // Shutting down: what is queued goes at once.
            }
        }

        /// <summary>
        /// The queue messages for <paramref name="items"/> (with the new ranges whose hand-off failed before): new ranges
        /// that follow each other without a gap become one message; a range handed off again for a redelivery is a message
        /// of its own (it is pending, maybe far back).
        /// </summary>
        private static IEnumerable<(PendingRange Message, List<PendingRange> Ranges, bool Again)> Messages(List<(PendingRange Range, bool Again)> items)
        {
            var fresh = items.Where(r => !r.Again).Select(r => r.Range).OrderBy(r => r.First).ToList();
            var run = new List<PendingRange>();
            foreach (var r in fresh)
            {
                if (run.Count > 0 && r.First != run[^1].Last + 1)
                {
                    yield return (new PendingRange(run[0].First, run[^1].Last, run[0].Since), run, false);
                    run = [];
                }

                run.Add(r);
            }

            if (run.Count > 0)
            {
                yield return (new PendingRange(run[0].First, run[^1].Last, run[0].Since), run, false);
            }

            foreach (var r in items.Where(r => r.Again).Select(r => r.Range).DistinctBy(r => (r.First, r.Last)))
            {
                yield return (r, [r], true);
            }
        }
    }
}

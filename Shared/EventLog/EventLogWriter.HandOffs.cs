
namespace FunctionsDashboard.EventLog;

public sealed partial class EventLogWriter
{
    private sealed partial class StreamWriter
    {
        private readonly Lock _handOffGate = new();
        private readonly List<HandOffItem> _handOffQueue = [];

        /// <summary>Ranges queued for a hand-off or being handed off (under <see cref="_handOffGate"/>).</summary>
        private readonly List<PendingRange> _handingOff = [];

        /// <summary>Handed off, still in the outbox until the next head write (under <see cref="_handOffGate"/>).</summary>
        private readonly List<PendingRange> _handedOff = [];

        private Task _handOffWorker = Task.CompletedTask;
        private bool _handOffRunning;

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
        /// Queues the hand-off of a commit's ranges; <see cref="HandOffItem.Resolve"/> runs once they are on the queue (or
        /// failed). The loop goes on with its next commit meanwhile: one sender per stream sends whatever has queued up,
        /// contiguous new ranges of several commits as one message.
        /// </summary>
        private void EnqueueHandOff(HandOffItem item)
        {
            lock (_handOffGate)
            {
                _handOffQueue.Add(item);
                _handingOff.AddRange(item.Ranges.Select(r => r.Range));
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
                return _handedOff.Any(r => r.Contains(seq)) || _handingOff.Any(r => r.Contains(seq));
            }
        }

        private bool IsHandedOffOrHandingOff(PendingRange range)
        {
            lock (_handOffGate)
            {
                return _handedOff.Any(r => r.SameRange(range)) || _handingOff.Any(r => r.SameRange(range));
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

        private void AddHandedOff(PendingRange range)
        {
            lock (_handOffGate)
            {
                _handedOff.Add(range);
            }
        }

        private async Task HandOffLoopAsync()
        {
            while (true)
            {
                List<HandOffItem> items;
                lock (_handOffGate)
                {
                    if (_handOffQueue.Count == 0)
                    {
                        _handOffRunning = false;
                        _moreWork.Release(); // the loop may be waiting to flush the outbox
                        return;
                    }

                    items = [.. _handOffQueue];
                    _handOffQueue.Clear();
                }

                var failed = new List<(PendingRange Range, Exception Error)>();
                var sent = new List<PendingRange>();
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
                        EventLogLog.HandOffFailed(log._logger, stream, message.First, message.Last, e);
                        failed.AddRange(ranges.Select(r => (r, e)));
                    }
                }

                lock (_handOffGate)
                {
                    _handedOff.AddRange(sent);
                    foreach (var item in items)
                    {
                        foreach (var (range, _) in item.Ranges)
                        {
                            var i = _handingOff.FindIndex(r => r.SameRange(range));
                            if (i >= 0)
                            {
                                _handingOff.RemoveAt(i);
                            }
                        }
                    }
                }

                foreach (var item in items)
                {
                    try
                    {
                        item.Resolve(failed);
                    }
                    catch (Exception e)
                    {
                        EventLogLog.WriterFailed(log._logger, stream, e);
                    }
                }
            }
        }

        /// <summary>
        /// The queue messages for <paramref name="items"/>: new ranges that follow each other without a gap become one
        /// message; a range handed off again for a redelivery is a message of its own (it is pending, maybe far back).
        /// </summary>
        private static IEnumerable<(PendingRange Message, List<PendingRange> Ranges, bool Again)> Messages(List<HandOffItem> items)
        {
            var fresh = items.SelectMany(i => i.Ranges).Where(r => !r.Again).Select(r => r.Range).OrderBy(r => r.First).ToList();
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

            foreach (var r in items.SelectMany(i => i.Ranges).Where(r => r.Again).Select(r => r.Range).DistinctBy(r => (r.First, r.Last)))
            {
                yield return (r, [r], true);
            }
        }

        /// <summary>A commit's ranges to hand off (new, or again for a redelivery) and what to do once they are.</summary>
        private sealed record HandOffItem(List<(PendingRange Range, bool Again)> Ranges, Action<List<(PendingRange Range, Exception Error)>> Resolve);
    }
}

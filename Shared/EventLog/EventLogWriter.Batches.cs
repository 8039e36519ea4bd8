namespace FunctionsDashboard.EventLog;

public sealed partial class EventLogWriter
{
    // How a stream writer forms its batches: what it takes from its queue and from the events waiting behind another
    // commit's claim, what joins a commit that lost the head, and how repeated ids inside a batch become one event.
    private sealed partial class StreamWriter
    {
        /// <summary>Events that waited behind another commit's claim (when due) first, then the queue; within the limits.</summary>
        private List<PendingEvent> TakeBatch()
        {
            var batch = new List<PendingEvent>();
            var cost = 0;
            var now = log._timeProvider.GetTimestamp();
            _deferred.RemoveAll(p => p.Operation.IsDone); // their request gave up (503): Event Grid redelivers them
            for (var i = 0; i < _deferred.Count && batch.Count < MaxEventsPerCommit; i++)
            {
                var next = _deferred[i];
                if (next.NotBefore <= now && (batch.Count == 0 || cost + next.Cost <= EventLogLayout.MaxSegmentBytes))
                {
                    batch.Add(next);
                    cost += next.Cost;
                    _deferred.RemoveAt(i--);
                }
            }

            while (_queue.TryPeek(out var next) && batch.Count < MaxEventsPerCommit && (batch.Count == 0 || cost + next.Cost <= EventLogLayout.MaxSegmentBytes))
            {
                _queue.Dequeue();
                if (!next.Operation.IsDone)
                {
                    batch.Add(next);
                    cost += next.Cost;
                }
            }

            return batch;
        }

        /// <summary>
        /// More events from the queue for a commit that already holds <paramref name="count"/> events of
        /// <paramref name="cost"/> bytes, within the same limits as <see cref="TakeBatch"/>.
        /// </summary>
        private List<PendingEvent> TakeMore(int count, int cost)
        {
            var more = new List<PendingEvent>();
            lock (_gate)
            {
                while (_queue.TryPeek(out var next) && count + more.Count < MaxEventsPerCommit && cost + next.Cost <= EventLogLayout.MaxSegmentBytes)
                {
                    _queue.Dequeue();
                    if (!next.Operation.IsDone)
                    {
                        more.Add(next);
                        cost += next.Cost;
                    }
                }
            }

            return more;
        }

        private void Defer(IEnumerable<PendingEvent> events)
        {
            var notBefore = log._timeProvider.GetTimestamp() + (long)(InFlightRetryDelay.TotalSeconds * log._timeProvider.TimestampFrequency);
            lock (_gate)
            {
                foreach (var e in events)
                {
                    e.NotBefore = notBefore;
                    _deferred.Add(e);
                }
            }
        }

        /// <summary>
        /// A repeated id inside the batch (two requests racing, or one batch repeating an id) is one event: the first wins.
        /// </summary>
        private static (List<PendingEvent> Primaries, List<(PendingEvent Follower, PendingEvent Primary)> Followers) SplitRepeats(List<PendingEvent> batch)
        {
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

            return (primaries, followers);
        }

        /// <summary>
        /// Adds what has queued to a commit that lost the head to another writer (<see cref="TakeMore"/>); a repeated id
        /// follows its primary.
        /// </summary>
        private void Grow(List<PendingEvent> batch, List<PendingEvent> primaries, List<(PendingEvent Follower, PendingEvent Primary)> followers)
        {
            var more = TakeMore(batch.Count, batch.Sum(p => p.Cost));
            if (more.Count == 0)
            {
                return;
            }

            var byKey = new Dictionary<string, PendingEvent>(primaries.Count + more.Count, StringComparer.Ordinal);
            foreach (var p in primaries)
            {
                byKey.TryAdd(p.IdKey, p);
            }

            foreach (var p in more)
            {
                batch.Add(p);
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
        }
    }
}

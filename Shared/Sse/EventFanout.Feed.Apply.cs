using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Sse;

public sealed partial class EventFanout
{
    /// <summary>The loop's side of the feed: commits and storage results applied to the positions, and events handed to the subscribers.</summary>
    internal sealed partial class Feed
    {
        private void ApplyCommitted(CommittedEvents committed)
        {
            var stream = committed.Stream;
            _committedHereAt[stream] = _owner._time.GetTimestamp();
            if (_reading.TryGetValue(stream, out var held))
            {
                // A read of this stream is on its way: these follow it.
                held.Add(committed);
                return;
            }

            if (_wanted.Contains(stream))
            {
                // The read about to start reads up to the head, which includes these (they are durable).
                return;
            }

            var position = _vector.TryGetValue(stream, out var p) ? p : StreamPosition.Start;
            if (position.Generation is not null && position.Generation != committed.Generation)
            {
                _wanted.Add(stream);
                return;
            }

            var events = committed.Events;
            var first = 0;
            while (first < events.Count && events[first].Seq <= position.Seq)
            {
                first++;
            }

            if (first == events.Count)
            {
                return;
            }

            var expected = position.Seq + 1;
            for (var i = first; i < events.Count; i++, expected++)
            {
                if (events[i].Seq != expected)
                {
                    // Something between (another instance's commit, or a commit the channel dropped): read it from the log.
                    _wanted.Add(stream);
                    return;
                }
            }

            Dispatch(stream, committed.Generation, events, first, events.Count - first);
        }

        private void ApplyStorage(LogWork done)
        {
            if (done.Heads is { } heads)
            {
                ApplyHeads(heads);
            }

            foreach (var read in done.Reads ?? [])
            {
                _reading.Remove(read.Stream, out var held);
                if (read.Failed)
                {
                    _readFailed = true;
                    _readFailedAt = _owner._time.GetTimestamp();
                    _wanted.Add(read.Stream);
                    continue;
                }

                var position = read.From;
                foreach (var page in read.Pages)
                {
                    var generation = page.Head.Generation;
                    if (page.Reset)
                    {
                        var resetTo = page.Events.Count > 0 ? page.Events[0].Seq - 1 : Math.Max(0, page.Head.FirstRetainedSeq - 1);
                        Log.StreamReset(_owner._logger, read.Stream, generation, resetTo);
                        DispatchReset(read.Stream, generation, resetTo);
                        position = new StreamPosition(generation, resetTo);
                    }

                    var first = 0;
                    while (first < page.Events.Count && page.Events[first].Seq <= position.Seq)
                    {
                        first++;
                    }

                    if (first < page.Events.Count)
                    {
                        Dispatch(read.Stream, generation, page.Events, first, page.Events.Count - first);
                        position = new StreamPosition(generation, page.Events[^1].Seq);
                    }
                }

                _readFailed = false;
                foreach (var committed in held ?? [])
                {
                    ApplyCommitted(committed);
                }
            }
        }

        private void ApplyHeads(IReadOnlyList<StreamHead> heads)
        {
            var now = _owner._time.GetTimestamp();
            foreach (var head in heads)
            {
                var stream = head.Stream;
                var position = _vector.TryGetValue(stream, out var p) ? p : StreamPosition.Start;
                var otherGeneration = position.Generation is not null && head.Generation != position.Generation;
                if (!otherGeneration && head.LastSeq <= position.Seq)
                {
                    _seenAhead.Remove(stream);
                    continue;
                }

                if (_reading.ContainsKey(stream) || _wanted.Contains(stream))
                {
                    continue;
                }

                var committedHere = _committedHereAt.TryGetValue(stream, out var at) && _owner._time.GetElapsedTime(at, now) < CommittedHereWindow;
                if (otherGeneration || !committedHere || (_seenAhead.TryGetValue(stream, out var seen) && position.Seq < seen))
                {
                    _seenAhead.Remove(stream);
                    _wanted.Add(stream);
                }
                else
                {
                    // Most likely on its way through the listener: give it until the next poll.
                    _seenAhead[stream] = head.LastSeq;
                }
            }

            if (_owner._time.GetElapsedTime(_prunedAt, now) >= PruneInterval)
            {
                _prunedAt = now;
                _ = PruneQuietlyAsync(_owner._stopping.Token);
            }
        }

        private void Dispatch(string stream, string generation, IReadOnlyList<StoredEvent> events, int first, int count)
        {
            var items = new FeedItem[count];
            for (var i = 0; i < count; i++)
            {
                items[i] = FeedItem.ForEvent(generation, events[first + i]);
            }

            lock (_gate)
            {
                Send(items, stream);
                Move(stream, new StreamPosition(generation, events[first + count - 1].Seq));
            }
        }

        private void DispatchReset(string stream, string generation, long resetTo)
        {
            lock (_gate)
            {
                Send([FeedItem.ForReset(stream, generation, resetTo)], stream);
                Move(stream, new StreamPosition(generation, resetTo));
            }
        }

        private void Move(string stream, StreamPosition position)
        {
            if (!_vector.ContainsKey(stream))
            {
                _newStream = true;
            }

            _vector = _vector.SetItem(stream, position);
            _changed.Add(stream);
        }

        // Under _gate. Backwards, so a lagging client can be removed in place.
        private void Send(FeedItem[] items, string? stream)
        {
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var subscriber = _subscribers[i];
                if (stream is not null && !subscriber.Scope.IsAll && !subscriber.Scope.Contains(stream))
                {
                    continue;
                }

                if (!subscriber.TryWrite(items))
                {
                    // This client is behind: close its buffer; it resumes from the log.
                    subscriber.Complete(lagged: true);
                    _subscribers.RemoveAt(i);
                }
            }
        }
    }
}

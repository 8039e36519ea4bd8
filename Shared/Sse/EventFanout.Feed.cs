using System.Collections.Immutable;
using System.Threading.Channels;
using FunctionsDashboard.Access;
using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Sse;

public sealed partial class EventFanout
{
    /// <summary>
    /// The reader behind the fan-out while it has clients. One loop owns the positions and hands events to the
    /// subscribers; it never waits for storage. Commits told by this instance's writer are handed on at once. Storage
    /// work (the poll of the heads, reads of a stream that is behind) runs one piece at a time beside the loop, and its
    /// result is applied by the loop when it is done; commits of a stream being read wait for that read, so a stream's
    /// events still go out in seq order, once. A stream this instance commits to that the poll finds ahead is read only
    /// when the events the previous poll saw have still not been told by then (the listener normally tells them
    /// within milliseconds, and reading them from storage would be slower); any other stream that is behind is read at
    /// once.
    /// </summary>
    internal sealed class Feed
    {
        private const int ReadPage = 1000;
        private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);
        private readonly EventFanout _owner;
        private readonly Lock _gate = new();
        private readonly List<Subscription> _subscribers = [];
        private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
        private readonly Channel<CommittedEvents> _commits = Channel.CreateBounded<CommittedEvents>(
            new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

        // The loop's own state (only the loop touches it).
        private readonly HashSet<string> _wanted = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<CommittedEvents>> _reading = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _committedHereAt = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _seenAhead = new(StringComparer.Ordinal);
        private long _readFailedAt;
        private bool _readFailed;

        private Task? _started;
        private bool _stopped;
        private ImmutableDictionary<string, StreamPosition> _vector = ImmutableDictionary<string, StreamPosition>.Empty.WithComparers(StringComparer.Ordinal);
        private CursorCheckpoint _latest = CursorCheckpoint.Empty;
        private Task<CursorCheckpoint>? _saving;
        private bool _newStream;
        private long _checkpointedAt;
        private long _prunedAt;

        public Feed(EventFanout owner) => _owner = owner;

        public bool IsRunning => _started is { IsCompletedSuccessfully: true } && !_stopped;

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _subscribers.Count;
                }
            }
        }

        // A stream committed here this recently counts as "told by the listener".
        private TimeSpan CommittedHereWindow => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(2).Ticks, _owner._options.PollInterval.Ticks * 10));

        public async Task<Subscription?> AddAsync(StreamSet scope, CancellationToken cancellationToken)
        {
            Task started;
            lock (_gate)
            {
                if (_stopped)
                {
                    return null;
                }

                started = _started ??= StartAsync();
            }

            try
            {
                await started.WaitAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested && started.IsFaulted)
            {
                lock (_gate)
                {
                    _stopped = true;
                }

                throw;
            }

            lock (_gate)
            {
                if (_stopped)
                {
                    return null;
                }

                var subscription = new Subscription(this, scope, _vector, _latest, _owner._options.ClientBuffer, _owner._time);
                _subscribers.Add(subscription);
                return subscription;
            }
        }

        public void Remove(Subscription subscription)
        {
            lock (_gate)
            {
                _subscribers.Remove(subscription);
            }

            subscription.Complete(lagged: false);
        }

        public void OnCommitted(CommittedEvents committed)
        {
            if (!_stopped && committed.Events.Count > 0)
            {
                _commits.Writer.TryWrite(committed);
            }
        }

        private async Task StartAsync()
        {
            var token = _owner._stopping.Token;
            var heads = await _owner._reader.ListStreamsAsync(token);
            _vector = heads.ToImmutableDictionary(h => h.Stream, h => new StreamPosition(h.Generation, h.LastSeq), StringComparer.Ordinal);
            _latest = await _owner._checkpoints.SaveAsync(_vector, token);
            _checkpointedAt = _prunedAt = _owner._time.GetTimestamp();
            _ = Task.Run(ReadLoopAsync, CancellationToken.None);
        }

        private async Task ReadLoopAsync()
        {
            var token = _owner._stopping.Token;
            Log.ReaderStarted(_owner._logger, _vector.Count);
            using var timer = new PeriodicTimer(_owner._options.PollInterval, _owner._time);
            var tick = timer.WaitForNextTickAsync(token).AsTask();
            Task<bool>? commit = null;
            Task<LogWork>? storage = null;
            try
            {
                while (true)
                {
                    commit ??= _commits.Reader.WaitToReadAsync(token).AsTask();
                    var woke = storage is null ? await Task.WhenAny(tick, commit) : await Task.WhenAny(tick, commit, storage);
                    if (woke == commit)
                    {
                        commit = null;
                    }

                    lock (_gate)
                    {
                        if (_subscribers.Count == 0)
                        {
                            _stopped = true;
                            break;
                        }
                    }

                    while (_commits.Reader.TryRead(out var committed))
                    {
                        ApplyCommitted(committed);
                    }

                    if (storage is { IsCompleted: true })
                    {
                        var done = await storage;
                        storage = null;
                        ApplyStorage(done);
                    }

                    if (woke == tick)
                    {
                        if (!await tick)
                        {
                            break;
                        }

                        tick = timer.WaitForNextTickAsync(token).AsTask();

                        // A poll still running (slow storage) is not doubled: this tick is skipped.
                        storage ??= PollAsync(token);
                    }

                    if (storage is null && _wanted.Count > 0
                        && (!_readFailed || _owner._time.GetElapsedTime(_readFailedAt) >= _owner._options.PollInterval))
                    {
                        storage = ReadWantedAsync(token);
                    }

                    MaybeCheckpoint(token);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Shutting down.
            }
            finally
            {
                lock (_owner._feedLock)
                {
                    if (_owner._feed == this)
                    {
                        _owner._feed = null;
                    }
                }

                lock (_gate)
                {
                    _stopped = true;
                    foreach (var s in _subscribers)
                    {
                        s.Complete(lagged: true);
                    }

                    _subscribers.Clear();
                }
            }

            Log.ReaderStopped(_owner._logger);
        }

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

        private async Task<LogWork> PollAsync(CancellationToken token)
        {
            try
            {
                return new LogWork(await _owner._reader.ListStreamsAsync(token), null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage hiccup: the next tick tries again, nothing is skipped.
                Log.ReadFailed(_owner._logger, "*", e);
                return new LogWork(null, null);
            }
        }

        private Task<LogWork> ReadWantedAsync(CancellationToken token)
        {
            var from = new List<(string Stream, StreamPosition Position)>(_wanted.Count);
            foreach (var stream in _wanted)
            {
                _reading[stream] = [];
                from.Add((stream, _vector.TryGetValue(stream, out var p) ? p : StreamPosition.Start));
            }

            _wanted.Clear();
            return ReadAsync(from, token);
        }

        // Beside the loop: reads only, no positions or subscribers touched.
        private async Task<LogWork> ReadAsync(List<(string Stream, StreamPosition Position)> from, CancellationToken token)
        {
            var reads = new List<StreamRead>(from.Count);
            foreach (var (stream, start) in from)
            {
                var pages = new List<EventLogPage>();
                try
                {
                    var position = start;
                    while (true)
                    {
                        var page = await _owner._reader.ReadAfterAsync(stream, position.Generation, position.Seq, ReadPage, token);
                        pages.Add(page);
                        if (page.Events.Count > 0)
                        {
                            position = new StreamPosition(page.Head.Generation, page.Events[^1].Seq);
                        }

                        if (page.Events.Count < ReadPage)
                        {
                            break;
                        }
                    }

                    reads.Add(new StreamRead(stream, start, pages, Failed: false));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.ReadFailed(_owner._logger, stream, e);
                    reads.Add(new StreamRead(stream, start, [], Failed: true));
                }
            }

            return new LogWork(null, reads);
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

        private void MaybeCheckpoint(CancellationToken token)
        {
            if (_changed.Count == 0 || _saving is { IsCompleted: false })
            {
                return;
            }

            var due = _newStream || _changed.Count >= SseCursor.MaxDeltas / 2
                || _owner._time.GetElapsedTime(_checkpointedAt) >= _owner._options.CheckpointInterval;
            if (!due)
            {
                return;
            }

            lock (_gate)
            {
                var snapshot = _vector;
                _changed.Clear();
                _newStream = false;
                _checkpointedAt = _owner._time.GetTimestamp();
                var saving = SaveAsync(snapshot, token);
                _saving = saving;
                Send([FeedItem.ForCheckpoint(saving)], stream: null);
            }
        }

        private async Task<CursorCheckpoint> SaveAsync(ImmutableDictionary<string, StreamPosition> snapshot, CancellationToken token)
        {
            try
            {
                var checkpoint = await _owner._checkpoints.SaveAsync(snapshot, token);
                lock (_gate)
                {
                    _latest = checkpoint;
                }

                return checkpoint;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Clients keep their longer cursors (or write their own checkpoint); the next one may succeed.
                Log.CheckpointFailed(_owner._logger, e);
                throw;
            }
        }

        private async Task PruneQuietlyAsync(CancellationToken token)
        {
            try
            {
                await _owner._checkpoints.PruneAsync(token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.CheckpointFailed(_owner._logger, e);
            }
        }

        /// <summary>What a piece of storage work brought back: the heads (a poll) or stream reads.</summary>
        private sealed record LogWork(IReadOnlyList<StreamHead>? Heads, IReadOnlyList<StreamRead>? Reads);

        /// <summary>The pages of one stream read from <paramref name="From"/> up to its head (or a failure).</summary>
        private sealed record StreamRead(string Stream, StreamPosition From, IReadOnlyList<EventLogPage> Pages, bool Failed);
    }
}

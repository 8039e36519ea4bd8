using System.Collections.Immutable;
using System.Threading.Channels;
using FunctionsDashboard.Access;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Relay;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Sse;

/// <summary>
/// One event-log reader per instance, for every stream, feeding every SSE client on the instance: the cost of watching
/// the log grows with neither clients nor streams. This instance's own commits arrive at once
/// (<see cref="IEventLogCommitListener"/>); other instances' through a poll of the stream heads
/// (<see cref="IEventLogReader.ListStreamsAsync"/>) every <see cref="SseOptions.PollInterval"/>, which also fills any gap.
/// Each client has a bounded buffer and a scope (its streams); a client that falls behind is dropped from the fan-out and
/// resumes from the log, so a slow client never blocks the others. Now and then, and when it first sees a stream, the
/// fan-out writes a checkpoint of its positions and puts a marker into every buffer at that point: cursors of clients
/// that pass it refer to it, so they stay small (see <see cref="CursorState"/>). The reader stops when no client is left.
/// </summary>
public sealed partial class EventFanout : IEventLogCommitListener, IAsyncDisposable
{
    private const int ReadPage = 1000;
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);
    private readonly Lock _feedLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly IEventLogReader _reader;
    private readonly CursorCheckpoints _checkpoints;
    private readonly SseOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<EventFanout> _logger;
    private Feed? _feed;

    /// <summary>Creates the fan-out.</summary>
    public EventFanout(IEventLogReader reader, CursorCheckpoints checkpoints, IOptions<SseOptions> options, TimeProvider timeProvider, ILogger<EventFanout> logger)
    {
        _reader = reader;
        _checkpoints = checkpoints;
        _options = options.Value;
        _time = timeProvider;
        _logger = logger;
    }

    /// <summary>True while the reader runs (there are clients), for diagnostics and tests.</summary>
    public bool IsReading => Volatile.Read(ref _feed) is { IsRunning: true };

    /// <summary>Clients currently subscribed.</summary>
    public int Subscribers => Volatile.Read(ref _feed)?.Count ?? 0;

    /// <summary>Subscribes to new events of the streams in <paramref name="scope"/>; events after <see cref="Subscription.StartVector"/> arrive in order.</summary>
    public async Task<Subscription> SubscribeAsync(StreamSet scope, CancellationToken cancellationToken)
    {
        while (true)
        {
            Feed feed;
            lock (_feedLock)
            {
                feed = _feed ??= new Feed(this);
            }

            var subscription = await feed.AddAsync(scope, cancellationToken);
            if (subscription is not null)
            {
                return subscription;
            }

            // The feed was just stopping (or failed to start): make a new one.
            lock (_feedLock)
            {
                if (_feed == feed)
                {
                    _feed = null;
                }
            }
        }
    }

    /// <inheritdoc />
    public void OnCommitted(CommittedEvents committed) => Volatile.Read(ref _feed)?.OnCommitted(committed);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Disposed twice by DI (registered as itself and, through a factory, as a commit listener).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        _stopping.Dispose();
    }

    private int _disposed;

    internal sealed class Feed
    {
        private readonly EventFanout _owner;
        private readonly Lock _gate = new();
        private readonly List<Subscription> _subscribers = [];
        private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
        private readonly Channel<CommittedEvents> _commits = Channel.CreateBounded<CommittedEvents>(
            new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

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
            try
            {
                while (true)
                {
                    commit ??= _commits.Reader.WaitToReadAsync(token).AsTask();
                    var woke = await Task.WhenAny(tick, commit);
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
                        await ApplyCommittedAsync(committed, token);
                    }

                    if (woke == tick)
                    {
                        if (!await tick)
                        {
                            break;
                        }

                        await PollAsync(token);
                        tick = timer.WaitForNextTickAsync(token).AsTask();
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

        private async Task ApplyCommittedAsync(CommittedEvents committed, CancellationToken token)
        {
            var position = _vector.TryGetValue(committed.Stream, out var p) ? p : StreamPosition.Start;
            if (position.Generation is not null && position.Generation != committed.Generation)
            {
                await CatchUpAsync(committed.Stream, position, token);
                return;
            }

            var fresh = committed.Events.Where(e => e.Seq > position.Seq).ToList();
            if (fresh.Count == 0)
            {
                return;
            }

            if (fresh[0].Seq != position.Seq + 1 || fresh.Zip(fresh.Skip(1)).Any(pair => pair.Second.Seq != pair.First.Seq + 1))
            {
                // Something between (another instance's commit, or a commit the channel dropped): read it from the log.
                await CatchUpAsync(committed.Stream, position, token);
                return;
            }

            Dispatch(committed.Stream, committed.Generation, fresh);
        }

        private async Task PollAsync(CancellationToken token)
        {
            IReadOnlyList<StreamHead> heads;
            try
            {
                heads = await _owner._reader.ListStreamsAsync(token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage hiccup: the next tick tries again, nothing is skipped.
                Log.ReadFailed(_owner._logger, "*", e);
                return;
            }

            foreach (var head in heads)
            {
                var position = _vector.TryGetValue(head.Stream, out var p) ? p : StreamPosition.Start;
                if (head.LastSeq > position.Seq || (position.Generation is not null && head.Generation != position.Generation))
                {
                    await CatchUpAsync(head.Stream, position, token);
                }
            }

            if (_owner._time.GetElapsedTime(_prunedAt) >= PruneInterval)
            {
                _prunedAt = _owner._time.GetTimestamp();
                _ = PruneQuietlyAsync(token);
            }
        }

        private async Task CatchUpAsync(string stream, StreamPosition position, CancellationToken token)
        {
            try
            {
                while (true)
                {
                    var page = await _owner._reader.ReadAfterAsync(stream, position.Generation, position.Seq, ReadPage, token);
                    if (page.Reset)
                    {
                        var resetTo = page.Events.Count > 0 ? page.Events[0].Seq - 1 : Math.Max(0, page.Head.FirstRetainedSeq - 1);
                        Log.StreamReset(_owner._logger, stream, page.Head.Generation, resetTo);
                        DispatchReset(stream, page.Head.Generation, resetTo);
                        position = new StreamPosition(page.Head.Generation, resetTo);
                    }

                    var fresh = page.Events.Where(e => e.Seq > position.Seq).ToList();
                    if (fresh.Count > 0)
                    {
                        Dispatch(stream, page.Head.Generation, fresh);
                        position = new StreamPosition(page.Head.Generation, fresh[^1].Seq);
                    }

                    if (page.Events.Count < ReadPage || fresh.Count == 0)
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.ReadFailed(_owner._logger, stream, e);
            }
        }

        private void Dispatch(string stream, string generation, IReadOnlyList<StoredEvent> events)
        {
            lock (_gate)
            {
                foreach (var e in events)
                {
                    Send(FeedItem.ForEvent(generation, e), stream);
                }

                Move(stream, new StreamPosition(generation, events[^1].Seq));
            }
        }

        private void DispatchReset(string stream, string generation, long resetTo)
        {
            lock (_gate)
            {
                Send(FeedItem.ForReset(stream, generation, resetTo), stream);
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
        private void Send(FeedItem item, string? stream)
        {
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var subscriber = _subscribers[i];
                if (stream is not null && !subscriber.Scope.IsAll && !subscriber.Scope.Contains(stream))
                {
                    continue;
                }

                if (!subscriber.TryWrite(item))
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
                Send(FeedItem.ForCheckpoint(saving), stream: null);
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
    }

    private static partial class Log
    {

        [LoggerMessage(EventId = 6001, EventName = "SseReaderStarted", Level = LogLevel.Debug, Message = "Event-log reader started at the heads of {Streams} streams")]
        public static partial void ReaderStarted(ILogger logger, int streams);

        [LoggerMessage(EventId = 6002, EventName = "SseReaderStopped", Level = LogLevel.Debug, Message = "Event-log reader stopped")]
        public static partial void ReaderStopped(ILogger logger);

        [LoggerMessage(EventId = 6003, EventName = "SseReadFailed", Level = LogLevel.Warning, Message = "Event-log reader could not read stream {Stream}; retrying")]
        public static partial void ReadFailed(ILogger logger, string stream, Exception exception);

        [LoggerMessage(EventId = 6004, EventName = "SseStreamReset", Level = LogLevel.Information, Message = "Stream {Stream} reset (generation {Generation}); readers resume after seq {Seq}")]
        public static partial void StreamReset(ILogger logger, string stream, string generation, long seq);

        [LoggerMessage(EventId = 6005, EventName = "SseCheckpointFailed", Level = LogLevel.Warning, Message = "Could not write or prune SSE cursor checkpoints")]
        public static partial void CheckpointFailed(ILogger logger, Exception exception);
    }
}

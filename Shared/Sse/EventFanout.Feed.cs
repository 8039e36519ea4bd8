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
    internal sealed partial class Feed
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
    }
}

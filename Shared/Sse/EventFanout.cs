using System.Collections.Concurrent;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Relay;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Sse;

/// <summary>
/// One event-log reader per stream per instance, feeding every SSE client of that stream on the instance: the cost of
/// watching the log does not grow with the number of clients. Each client has a bounded buffer; a client that falls
/// behind is dropped from the fan-out (its buffer completes with <see cref="Subscription.Lagged"/>) and resumes from the
/// log itself, so a slow client never blocks the others. A reader stops when its stream has no clients left. An idle
/// client costs one small <see cref="Subscription"/> (no buffer until its first event, no allocation per wait).
/// </summary>
public sealed partial class EventFanout : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Feed> _feeds = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly RelayEventLog _log;
    private readonly SseOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<EventFanout> _logger;

    /// <summary>Creates the fan-out.</summary>
    public EventFanout(RelayEventLog log, IOptions<SseOptions> options, TimeProvider timeProvider, ILogger<EventFanout> logger)
    {
        _log = log;
        _options = options.Value;
        _time = timeProvider;
        _logger = logger;
    }

    /// <summary>Streams currently read, for diagnostics and tests.</summary>
    public int ActiveReaders => _feeds.Count;

    /// <summary>Subscribes to new events of <paramref name="stream"/>; events after <see cref="Subscription.StartSeq"/> arrive in order.</summary>
    public async Task<Subscription> SubscribeAsync(string stream, CancellationToken cancellationToken)
    {
        while (true)
        {
            var feed = _feeds.GetOrAdd(stream, s => new Feed(this, s));
            var subscription = await feed.AddAsync(cancellationToken);
            if (subscription is not null)
            {
                return subscription;
            }

            // The feed was just stopping: make a new one.
            _feeds.TryRemove(new KeyValuePair<string, Feed>(stream, feed));
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _stopping.Dispose();
    }

    internal sealed class Feed
    {
        private readonly EventFanout _owner;
        private readonly string _stream;
        private readonly Lock _gate = new();
        private readonly List<Subscription> _subscribers = [];
        private Task<long>? _started;
        private bool _stopped;

        public Feed(EventFanout owner, string stream)
        {
            _owner = owner;
            _stream = stream;
        }

        public async Task<Subscription?> AddAsync(CancellationToken cancellationToken)
        {
            Task<long> started;
            lock (_gate)
            {
                if (_stopped)
                {
                    return null;
                }

                started = _started ??= StartAsync();
            }

            await started.WaitAsync(cancellationToken);
            lock (_gate)
            {
                if (_stopped)
                {
                    return null;
                }

                var subscription = new Subscription(this, _lastSeq, _owner._options.ClientBuffer, _owner._time);
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

        private long _lastSeq;

        private async Task<long> StartAsync()
        {
            _lastSeq = await _owner._log.GetLastSeqAsync(_stream, _owner._stopping.Token);
            _ = Task.Run(ReadLoopAsync);
            return _lastSeq;
        }

        private async Task ReadLoopAsync()
        {
            var token = _owner._stopping.Token;
            Log.ReaderStarted(_owner._logger, _stream, _lastSeq);
            using var timer = new PeriodicTimer(_owner._options.PollInterval, _owner._time);
            try
            {
                while (await timer.WaitForNextTickAsync(token))
                {
                    lock (_gate)
                    {
                        if (_subscribers.Count == 0)
                        {
                            _stopped = true;
                            _owner._feeds.TryRemove(new KeyValuePair<string, Feed>(_stream, this));
                            break;
                        }
                    }

                    await ReadNewAsync(token);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Shutting down.
            }

            Log.ReaderStopped(_owner._logger, _stream);
        }

        private async Task ReadNewAsync(CancellationToken token)
        {
            IReadOnlyList<StoredEvent> events;
            try
            {
                events = await _owner._log.ReadAfterAsync(_stream, _lastSeq, RelayEventLog.MaxReadLimit, token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage hiccup: the next tick tries again from the same seq, nothing is skipped.
                Log.ReadFailed(_owner._logger, _stream, e);
                return;
            }

            if (events.Count == 0)
            {
                return;
            }

            lock (_gate)
            {
                foreach (var e in events)
                {
                    // Backwards, so a lagging client can be removed in place (no copy of the list per event).
                    for (var i = _subscribers.Count - 1; i >= 0; i--)
                    {
                        var subscriber = _subscribers[i];
                        if (!subscriber.TryWrite(e))
                        {
                            // This client is behind: close its buffer; it resumes from the log.
                            subscriber.Complete(lagged: true);
                            _subscribers.RemoveAt(i);
                        }
                    }

                    _lastSeq = e.Seq;
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, EventName = "SseReaderStarted", Level = LogLevel.Debug, Message = "Event-log reader for stream {Stream} started at seq {Seq}")]
        public static partial void ReaderStarted(ILogger logger, string stream, long seq);

        [LoggerMessage(EventId = 6002, EventName = "SseReaderStopped", Level = LogLevel.Debug, Message = "Event-log reader for stream {Stream} stopped")]
        public static partial void ReaderStopped(ILogger logger, string stream);

        [LoggerMessage(EventId = 6003, EventName = "SseReadFailed", Level = LogLevel.Warning, Message = "Event-log reader for stream {Stream} could not read; retrying")]
        public static partial void ReadFailed(ILogger logger, string stream, Exception exception);
    }
}

using FunctionsDashboard.Access;
using FunctionsDashboard.EventLog;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Sse;

/// <summary>
/// One event-log reader per instance, for every stream, feeding every SSE client on the instance: the cost of watching
/// the log grows with neither clients nor streams. This instance's own commits arrive at once
/// (<see cref="IEventLogCommitListener"/>) and go straight to the clients; other instances' through a poll of the stream
/// heads (<see cref="IEventLogReader.ListStreamsAsync"/>) every <see cref="SseOptions.PollInterval"/>, which also fills
/// any gap. Polls and log reads run beside the commit path, never in front of it (see <see cref="Feed"/>).
/// Each client has a bounded buffer and a scope (its streams); a client that falls behind is dropped from the fan-out and
/// resumes from the log, so a slow client never blocks the others. Now and then, and when it first sees a stream, the
/// fan-out writes a checkpoint of its positions and puts a marker into every buffer at that point: cursors of clients
/// that pass it refer to it, so they stay small (see <see cref="CursorState"/>). The reader stops when no client is left.
/// </summary>
public sealed partial class EventFanout : IEventLogCommitListener, IAsyncDisposable
{
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

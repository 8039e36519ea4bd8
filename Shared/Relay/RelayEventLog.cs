using FunctionsDashboard.EventLog;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Registry;

namespace FunctionsDashboard.Relay;

/// <summary>
/// This app instance's event log (v2, <c>Shared/EventLog</c>): its writer, reader, outbox recovery and retention over one
/// store, built together so that the writer's state (one writer per stream, the heads it acknowledged) is shared by all
/// of them. Kept under its old name for the webhook and older callers; new code uses <see cref="IEventLogReader"/> and
/// <see cref="EventLogWriter"/>. See docs/event-log.md.
/// </summary>
public sealed class RelayEventLog : IAsyncDisposable, IDisposable
{
    /// <summary>Largest page <see cref="ReadAfterAsync"/> returns.</summary>
    public const int MaxReadLimit = EventLogReader.MaxReadLimit;

    private readonly EventLogStore _store;

    /// <summary>Creates the event log of this instance.</summary>
    public RelayEventLog(
        DashboardStorage storage,
        IRelayHandOff handOff,
        EventLogCommitListeners listeners,
        RelayStats stats,
        IOptions<RelayOptions> options,
        IOptions<EventLogOptions> eventLogOptions,
        ResiliencePipelineProvider<string> pipelines,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        _store = new EventLogStore(storage, eventLogOptions, timeProvider, loggerFactory.CreateLogger<EventLogStore>());
        Writer = new EventLogWriter(_store, handOff, listeners, stats, options, pipelines, timeProvider, loggerFactory.CreateLogger<EventLogWriter>());
        Reader = new EventLogReader(_store, Writer);
        Recovery = new EventLogRecovery(_store, Writer, options, timeProvider);
        Retention = new EventLogRetention(_store, loggerFactory.CreateLogger<EventLogRetention>());
    }

    /// <summary>The writer.</summary>
    public EventLogWriter Writer { get; }

    /// <summary>The reader (also registered as <see cref="IEventLogReader"/>).</summary>
    public EventLogReader Reader { get; }

    /// <summary>The outbox sweep.</summary>
    public EventLogRecovery Recovery { get; }

    /// <summary>The retention sweep.</summary>
    public EventLogRetention Retention { get; }

    /// <inheritdoc cref="EventLogWriter.AppendAsync"/>
    public Task<AppendResult> AppendAsync(IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken) =>
        Writer.AppendAsync(events, cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> events of <paramref name="stream"/> with a seq greater than <paramref name="afterSeq"/>,
    /// in seq order (no generation or retention check: see <see cref="IEventLogReader.ReadAfterAsync"/> for that).
    /// </summary>
    public Task<IReadOnlyList<StoredEvent>> ReadAfterAsync(string stream, long afterSeq, int limit, CancellationToken cancellationToken) =>
        Reader.ReadAfterAsync(stream, afterSeq, limit, cancellationToken);

    /// <summary>The event with <paramref name="seq"/> in <paramref name="stream"/>, or null.</summary>
    public Task<StoredEvent?> GetAsync(string stream, long seq, CancellationToken cancellationToken) =>
        Reader.GetAsync(stream, seq, cancellationToken);

    /// <summary>The highest seq of <paramref name="stream"/> (0 when it has no events).</summary>
    public async Task<long> GetLastSeqAsync(string stream, CancellationToken cancellationToken) =>
        (await Reader.GetHeadAsync(stream, cancellationToken))?.LastSeq ?? 0;

    /// <summary>The streams that have events.</summary>
    public async Task<IReadOnlyList<string>> ListStreamsAsync(CancellationToken cancellationToken) =>
        [.. (await Reader.ListStreamsAsync(cancellationToken)).Select(h => h.Stream)];

    /// <inheritdoc cref="EventLogRecovery.RecoverPendingAsync"/>
    public Task<int> RecoverPendingAsync(CancellationToken cancellationToken) => Recovery.RecoverPendingAsync(cancellationToken);

    /// <summary>Shutdown without waiting: writers flush the outbox removals they were deferring, then stop.</summary>
    public void Dispose() => Writer.Dispose();

    /// <summary>Shutdown: writers flush what they were deferring (bounded wait), then the directory its last refresh.</summary>
    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        await _store.DisposeAsync();
    }
}

namespace FunctionsDashboard.EventLog;

/// <summary>
/// Reads the event log: what SSE, the history API and delivery consume. Positions are per stream (seq, gap-free from 1)
/// within a <see cref="StreamHead.Generation"/>; a position the log can no longer serve exactly (older than retention,
/// from another generation, or ahead of the log) is answered with <see cref="EventLogPage.Reset"/> instead of events
/// that would silently skip or repeat.
/// </summary>
public interface IEventLogReader
{
    /// <summary>
    /// Up to <paramref name="limit"/> events of <paramref name="stream"/> after <paramref name="afterSeq"/>, in seq order.
    /// When <paramref name="generation"/> is given and differs from the stream's, or <paramref name="afterSeq"/> is below
    /// <see cref="StreamHead.FirstRetainedSeq"/> − 1 or above <see cref="StreamHead.LastSeq"/>, the page has
    /// <see cref="EventLogPage.Reset"/> set and starts at the oldest retained event instead.
    /// </summary>
    Task<EventLogPage> ReadAfterAsync(string stream, string? generation, long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>The head of <paramref name="stream"/>, or null when the stream has no events.</summary>
    Task<StreamHead?> GetHeadAsync(string stream, CancellationToken cancellationToken);

    /// <summary>Every stream with its head, in one cheap call (it is polled): fresh within about a second.</summary>
    Task<IReadOnlyList<StreamHead>> ListStreamsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Tells the log that a reader has seen <paramref name="seq"/> of <paramref name="generation"/> although the head is
    /// behind it (e.g. a client's <c>Last-Event-ID</c> after a storage rollback). When the stored head of that generation
    /// is still behind, the log has lost acknowledged events: it starts a new generation (logged at Critical) so that
    /// positions are never given to a second event. Returns the head afterwards (null: no such stream). Cheap to call
    /// for a stale position: it only acts when <paramref name="generation"/> is the current one.
    /// </summary>
    Task<StreamHead?> ReportAheadAsync(string stream, string generation, long seq, CancellationToken cancellationToken);
}

namespace FunctionsDashboard.EventLog;

/// <summary>A committed, gap-free range of one stream, with the events' data (no re-read needed).</summary>
/// <param name="Stream">The stream.</param>
/// <param name="Generation">The stream's generation.</param>
/// <param name="Events">The new events, in seq order (duplicates of earlier events are not in it).</param>
public sealed record CommittedEvents(string Stream, string Generation, IReadOnlyList<StoredEvent> Events);

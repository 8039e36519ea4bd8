namespace FunctionsDashboard.EventLog;

/// <summary>A page read from the log.</summary>
/// <param name="Events">The events, in seq order.</param>
/// <param name="Head">The stream's head when the page was read.</param>
/// <param name="Reset">
/// True when the requested position could not be served exactly (expired, other generation, or ahead of the log):
/// the page then starts at the oldest retained event, and the reader must tell its client (SSE <c>reset</c> event,
/// history flag).
/// </param>
public sealed record EventLogPage(IReadOnlyList<StoredEvent> Events, StreamHead Head, bool Reset);

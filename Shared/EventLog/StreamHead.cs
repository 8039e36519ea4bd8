namespace FunctionsDashboard.EventLog;

/// <summary>Where a stream stands.</summary>
/// <param name="Stream">The stream name.</param>
/// <param name="Generation">
/// The log's generation for this stream: changes when the log is found to have lost acknowledged events (a storage
/// rollback), so positions of the old generation are never reused silently. Short, URL-safe.
/// </param>
/// <param name="LastSeq">The highest committed seq (0 when none).</param>
/// <param name="FirstRetainedSeq">The lowest seq still stored (older ones expired); LastSeq + 1 when nothing is retained.</param>
public sealed record StreamHead(string Stream, string Generation, long LastSeq, long FirstRetainedSeq);

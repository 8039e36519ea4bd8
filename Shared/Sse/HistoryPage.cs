using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Sse;

/// <summary>A history page over several streams, resumable by its cursor.</summary>
/// <param name="Cursor">The cursor after these events: pass it as <c>cursor</c> for the next page (or as SSE <c>Last-Event-ID</c>).</param>
/// <param name="Events">The events, grouped by stream, each stream in seq order.</param>
/// <param name="Reset">True when some stream could not be resumed exactly (see <paramref name="Resets"/>): reload the view.</param>
/// <param name="Resets">The streams that were reset, and where they resume.</param>
/// <param name="More">True when more events are waiting: ask again with <paramref name="Cursor"/>.</param>
public sealed record HistoryPage(string Cursor, IReadOnlyList<DashboardEvent> Events, bool Reset, IReadOnlyList<SseSession.ResetNotice> Resets, bool More);

using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Sse;

/// <summary>A history page of one stream.</summary>
/// <param name="Stream">The stream.</param>
/// <param name="Generation">Its generation.</param>
/// <param name="LastSeq">Its highest seq now.</param>
/// <param name="FirstRetainedSeq">Its oldest retained seq.</param>
/// <param name="Reset">True when <c>after</c>/<c>generation</c> could not be served exactly: the events start at the oldest retained one; reload the view.</param>
/// <param name="Events">The events after the requested seq, in order.</param>
public sealed record StreamHistoryPage(string Stream, string Generation, long LastSeq, long FirstRetainedSeq, bool Reset, IReadOnlyList<DashboardEvent> Events);

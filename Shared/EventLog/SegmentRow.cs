namespace FunctionsDashboard.EventLog;

/// <summary>One commit's events, as stored.</summary>
internal sealed record SegmentRow(string Stream, long First, long Last, string Token, DateTimeOffset CommittedAt, byte[] Data);

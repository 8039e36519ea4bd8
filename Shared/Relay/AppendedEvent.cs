namespace FunctionsDashboard.Relay;

/// <summary>One appended event.</summary>
/// <param name="Id">The event id.</param>
/// <param name="Stream">Its stream.</param>
/// <param name="Seq">Its sequence number in the stream (the first one it got, for a duplicate).</param>
/// <param name="Duplicate">True when the id was already in the stream (a redelivery): nothing was written.</param>
public sealed record AppendedEvent(string Id, string Stream, long Seq, bool Duplicate);

namespace FunctionsDashboard.Relay;

/// <summary>The outcome of <see cref="RelayEventLog.AppendAsync"/>: every event is durably in the log and handed off.</summary>
/// <param name="Events">Each event with its stream and sequence number, in the order given.</param>
public sealed record AppendResult(IReadOnlyList<AppendedEvent> Events)
{
    /// <summary>Events newly written.</summary>
    public int Accepted => Events.Count(e => !e.Duplicate);

    /// <summary>Events that were already in the log (their first sequence number is reported).</summary>
    public int Duplicates => Events.Count(e => e.Duplicate);
}

/// <summary>One appended event.</summary>
/// <param name="Id">The event id.</param>
/// <param name="Stream">Its stream.</param>
/// <param name="Seq">Its sequence number in the stream (the first one it got, for a duplicate).</param>
/// <param name="Duplicate">True when the id was already in the stream (a redelivery): nothing was written.</param>
public sealed record AppendedEvent(string Id, string Stream, long Seq, bool Duplicate);

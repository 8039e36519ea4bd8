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

namespace FunctionsDashboard.Relay;

/// <summary>The 200 answer to an event delivery.</summary>
/// <param name="Accepted">Events newly written to the log.</param>
/// <param name="Duplicates">Events that were already there (redeliveries); acknowledged again, not written again.</param>
/// <param name="Events">Each event with its stream and sequence number, in request order.</param>
public sealed record EventGridAck(int Accepted, int Duplicates, IReadOnlyList<AppendedEvent> Events);

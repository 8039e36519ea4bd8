namespace FunctionsDashboard.Relay;

/// <summary>SignalR targets of an event.</summary>
/// <param name="All">Send to every connection of the hub.</param>
/// <param name="Groups">Send to each of these groups (each connection is in at most one of them, so no connection gets an event twice).</param>
public sealed record EventTargets(bool All, IReadOnlyList<string> Groups)
{
    /// <summary>Every connection.</summary>
    public static EventTargets Everyone { get; } = new(true, []);
}

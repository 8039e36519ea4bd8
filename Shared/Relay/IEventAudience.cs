namespace FunctionsDashboard.Relay;

/// <summary>
/// Who receives the events of a stream over SignalR: delivery asks it for every range it sends, so subscriptions and
/// access decide the targets while delivery decides order, batching and retries.
/// </summary>
public interface IEventAudience
{
    /// <summary>The SignalR targets for events of <paramref name="stream"/>.</summary>
    ValueTask<EventTargets> TargetsForAsync(string stream, CancellationToken cancellationToken);
}

/// <summary>SignalR targets of an event.</summary>
/// <param name="All">Send to every connection of the hub.</param>
/// <param name="Groups">Send to each of these groups (each connection is in at most one of them, so no connection gets an event twice).</param>
public sealed record EventTargets(bool All, IReadOnlyList<string> Groups)
{
    /// <summary>Every connection.</summary>
    public static EventTargets Everyone { get; } = new(true, []);
}

/// <summary>The default audience until subscriptions exist: everyone gets every stream.</summary>
public sealed class EveryoneAudience : IEventAudience
{
    /// <inheritdoc />
    public ValueTask<EventTargets> TargetsForAsync(string stream, CancellationToken cancellationToken) => ValueTask.FromResult(EventTargets.Everyone);
}

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

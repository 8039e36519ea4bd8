namespace FunctionsDashboard.Relay;

/// <summary>The default audience until subscriptions exist: everyone gets every stream.</summary>
public sealed class EveryoneAudience : IEventAudience
{
    /// <inheritdoc />
    public ValueTask<EventTargets> TargetsForAsync(string stream, CancellationToken cancellationToken) => ValueTask.FromResult(EventTargets.Everyone);
}

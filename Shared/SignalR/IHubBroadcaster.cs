namespace FunctionsDashboard.SignalR;

/// <summary>
/// Sends a hub message to every dashboard connection through the SignalR Service data-plane REST API
/// (<c>POST /api/hubs/{hub}/:send</c>). One attempt per call, no retries inside: callers compose their own Polly
/// pipeline (the relay's 10-try policy, for instance), so retries never multiply.
/// </summary>
public interface IHubBroadcaster
{
    /// <summary>
    /// Sends <c>{target, arguments}</c> to all connections of the hub. Throws <see cref="SignalRRestException"/> when
    /// the Service answers with an error status, and <see cref="TimeoutException"/> when no answer came in time.
    /// </summary>
    Task BroadcastAsync(string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken);

    /// <summary>
    /// Sends <c>{target, arguments}</c> to the connections in <paramref name="group"/>
    /// (<c>POST /api/hubs/{hub}/groups/{group}/:send</c>), one attempt, failing as <see cref="BroadcastAsync"/> does.
    /// Broadcasters that only ever send to everyone need not implement it.
    /// </summary>
    Task BroadcastToGroupAsync(string group, string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{GetType().Name} sends to all connections only.");
}

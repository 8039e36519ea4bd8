using FunctionsDashboard.Connections;

namespace FunctionsDashboard.Hub;

/// <summary><c>connections/disconnected</c>: removes the connection.</summary>
public sealed class DisconnectedHandler(ConnectionRegistry registry, PresenceNotifier presence) : IHubEventHandler
{
    /// <inheritdoc />
    public async Task<HubEventResult> HandleAsync(HubEventContext context, CancellationToken cancellationToken)
    {
        if (await registry.RemoveAsync(context.Hub, context.ConnectionId, cancellationToken))
        {
            presence.Notify();
        }

        return HubEventResult.Empty;
    }
}

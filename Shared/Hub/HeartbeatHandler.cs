using FunctionsDashboard.Connections;

namespace FunctionsDashboard.Hub;

/// <summary><c>messages/heartbeat</c>: refreshes the connection's last-seen time.</summary>
public sealed class HeartbeatHandler(ConnectionRegistry registry) : IHubEventHandler
{
    /// <inheritdoc />
    public async Task<HubEventResult> HandleAsync(HubEventContext context, CancellationToken cancellationToken)
    {
        await registry.HeartbeatAsync(context.Hub, context.ConnectionId, context.UserId, DashboardHubHandlers.GroupOf(context), cancellationToken);
        return HubEventResult.Empty;
    }
}

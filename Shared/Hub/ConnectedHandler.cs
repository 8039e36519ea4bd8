using FunctionsDashboard.Connections;
using FunctionsDashboard.Diagnostics;
using FunctionsDashboard.SignalR;

namespace FunctionsDashboard.Hub;

/// <summary><c>connections/connected</c>: registers the connection and joins it to its subscription group.</summary>
public sealed class ConnectedHandler(ConnectionRegistry registry, PresenceNotifier presence, SignalRRestClient rest, DiagnosticsActivity? diagnostics = null) : IHubEventHandler
{
    /// <inheritdoc />
    public async Task<HubEventResult> HandleAsync(HubEventContext context, CancellationToken cancellationToken)
    {
        diagnostics?.UpstreamConnected(); // self-check: upstream really arrives
        var group = DashboardHubHandlers.GroupOf(context);
        if (group is not null)
        {
            await rest.AddToGroupAsync(group, context.ConnectionId, cancellationToken);
        }

        await registry.RegisterAsync(context.Hub, context.ConnectionId, context.UserId, group, cancellationToken);
        presence.Notify();
        return HubEventResult.Empty;
    }
}

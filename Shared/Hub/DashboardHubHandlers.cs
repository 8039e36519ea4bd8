using FunctionsDashboard.Connections;

namespace FunctionsDashboard.Hub;

/// <summary>
/// The dashboard hub's handlers, declared statically in one table. This table is the whole upstream surface: the catalog
/// is built from it and frozen before the app reports ready.
/// </summary>
public static class DashboardHubHandlers
{
    /// <summary>The client → server heartbeat invocation.</summary>
    public const string Heartbeat = "heartbeat";

    /// <summary>The declaration table.</summary>
    public static IReadOnlyList<HubHandlerDeclaration> Declarations { get; } =
    [
        new(HubCategories.Connections, ConnectionEvents.Connected, typeof(ConnectedHandler)),
        new(HubCategories.Connections, ConnectionEvents.Disconnected, typeof(DisconnectedHandler)),
        new(HubCategories.Messages, Heartbeat, typeof(HeartbeatHandler)),
    ];
}

/// <summary><c>connections/connected</c>: registers the connection.</summary>
public sealed class ConnectedHandler(ConnectionRegistry registry, PresenceNotifier presence) : IHubEventHandler
{
    /// <inheritdoc />
    public async Task<HubEventResult> HandleAsync(HubEventContext context, CancellationToken cancellationToken)
    {
        await registry.RegisterAsync(context.Hub, context.ConnectionId, context.UserId, cancellationToken);
        presence.Notify();
        return HubEventResult.Empty;
    }
}

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

/// <summary><c>messages/heartbeat</c>: refreshes the connection's last-seen time.</summary>
public sealed class HeartbeatHandler(ConnectionRegistry registry) : IHubEventHandler
{
    /// <inheritdoc />
    public async Task<HubEventResult> HandleAsync(HubEventContext context, CancellationToken cancellationToken)
    {
        await registry.HeartbeatAsync(context.Hub, context.ConnectionId, context.UserId, cancellationToken);
        return HubEventResult.Empty;
    }
}

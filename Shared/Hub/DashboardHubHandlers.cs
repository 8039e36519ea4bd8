using FunctionsDashboard.Access;
using FunctionsDashboard.Connections;
using FunctionsDashboard.Diagnostics;
using FunctionsDashboard.SignalR;

namespace FunctionsDashboard.Hub;

/// <summary>
/// The dashboard hub's handlers, declared statically in one table. This table is the whole upstream surface: the catalog
/// is built from it and frozen before the app reports ready.
/// </summary>
public static class DashboardHubHandlers
{
    /// <summary>The client → server heartbeat invocation.</summary>
    public const string Heartbeat = "heartbeat";

    /// <summary>
    /// The client → server subscribe invocation: joins the connection's subscription group (again; <c>connected</c>
    /// already did) and completes once it is a member, so a client that awaits it and then gap-fills misses nothing.
    /// </summary>
    public const string Subscribe = "subscribe";

    /// <summary>The declaration table.</summary>
    public static IReadOnlyList<HubHandlerDeclaration> Declarations { get; } =
    [
        new(HubCategories.Connections, ConnectionEvents.Connected, typeof(ConnectedHandler)),
        new(HubCategories.Connections, ConnectionEvents.Disconnected, typeof(DisconnectedHandler)),
        new(HubCategories.Messages, Heartbeat, typeof(HeartbeatHandler)),
        new(HubCategories.Messages, Subscribe, typeof(SubscribeHandler)),
    ];

    /// <summary>The subscription group a connection's token names (set by negotiate), or null.</summary>
    public static string? GroupOf(HubEventContext context) =>
        context.Claims.FirstOrDefault(c => c.Key == SubscriptionGroups.GroupClaim).Value is { Length: > 0 } group
        && group.StartsWith(SubscriptionGroups.Prefix, StringComparison.Ordinal) && group.Length <= 64 ? group : null;
}

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

/// <summary><c>messages/subscribe</c>: joins the connection to its subscription group (idempotent) and answers the group.</summary>
public sealed class SubscribeHandler(SignalRRestClient rest) : IHubEventHandler
{
    /// <inheritdoc />
    public async Task<HubEventResult> HandleAsync(HubEventContext context, CancellationToken cancellationToken)
    {
        var group = DashboardHubHandlers.GroupOf(context);
        if (group is not null)
        {
            await rest.AddToGroupAsync(group, context.ConnectionId, cancellationToken);
        }

        return new HubEventResult(new { group });
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
        await registry.HeartbeatAsync(context.Hub, context.ConnectionId, context.UserId, DashboardHubHandlers.GroupOf(context), cancellationToken);
        return HubEventResult.Empty;
    }
}

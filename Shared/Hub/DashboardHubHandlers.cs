using FunctionsDashboard.Access;

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

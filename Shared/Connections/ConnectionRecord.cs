namespace FunctionsDashboard.Connections;

/// <summary>A dashboard connection as the registry knows it.</summary>
/// <param name="ConnectionId">The Service's connection id.</param>
/// <param name="Hub">The hub.</param>
/// <param name="UserId">The user, when known.</param>
/// <param name="ConnectedAt">Server time the connection was registered.</param>
/// <param name="LastSeen">Server time of its last sign of life (connect or heartbeat).</param>
public sealed record ConnectionRecord(string ConnectionId, string Hub, string? UserId, DateTimeOffset ConnectedAt, DateTimeOffset LastSeen);

/// <summary>Live connections: the total, per user and per hub.</summary>
/// <param name="Count">Live connections.</param>
/// <param name="Users">Live connections per user id (connections without a user are not listed).</param>
/// <param name="Hubs">Live connections per hub.</param>
/// <param name="CountedAt">Server time of the count.</param>
/// <param name="Groups">Live connections per group, when counted (null otherwise).</param>
public sealed record PresenceSnapshot(int Count, IReadOnlyDictionary<string, int> Users, IReadOnlyDictionary<string, int> Hubs, DateTimeOffset CountedAt, IReadOnlyDictionary<string, int>? Groups = null);

namespace FunctionsDashboard.Connections;

/// <summary>A dashboard connection as the registry knows it.</summary>
/// <param name="ConnectionId">The Service's connection id.</param>
/// <param name="Hub">The hub.</param>
/// <param name="UserId">The user, when known.</param>
/// <param name="ConnectedAt">Server time the connection was registered.</param>
/// <param name="LastSeen">Server time of its last sign of life (connect or heartbeat).</param>
public sealed record ConnectionRecord(string ConnectionId, string Hub, string? UserId, DateTimeOffset ConnectedAt, DateTimeOffset LastSeen);

namespace FunctionsDashboard.Connections;

/// <summary>Live connections: the total, per user and per hub.</summary>
/// <param name="Count">Live connections.</param>
/// <param name="Users">Live connections per user id (connections without a user are not listed).</param>
/// <param name="Hubs">Live connections per hub.</param>
/// <param name="CountedAt">Server time of the count.</param>
/// <param name="Groups">Live connections per group, when counted (null otherwise).</param>
public sealed record PresenceSnapshot(int Count, IReadOnlyDictionary<string, int> Users, IReadOnlyDictionary<string, int> Hubs, DateTimeOffset CountedAt, IReadOnlyDictionary<string, int>? Groups = null);

namespace FunctionsDashboard.Connections;

/// <summary>The answer of <c>GET /api/connections</c>: presence plus the last sweep.</summary>
/// <param name="Count">Live connections that follow at least one stream the caller may read (all of them for the admin key).</param>
/// <param name="Users">Live connections per user: only with the admin key (null otherwise).</param>
/// <param name="Hubs">Live connections per hub.</param>
/// <param name="CountedAt">Server time of the count.</param>
/// <param name="LastSweep">The last sweep of any instance, or null before the first.</param>
/// <param name="Streams">Live connections following each stream the caller may read.</param>
public sealed record ConnectionsReport(int Count, IReadOnlyDictionary<string, int>? Users, IReadOnlyDictionary<string, int> Hubs, DateTimeOffset CountedAt, SweepResult? LastSweep, IReadOnlyDictionary<string, int>? Streams = null);

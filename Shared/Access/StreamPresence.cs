using FunctionsDashboard.Connections;
using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Access;

/// <summary>
/// Presence as the access rule allows it: live connections per stream the caller may read (a connection follows a
/// stream when its subscription group contains it), and user ids only for the admin.
/// </summary>
public sealed class StreamPresence(ConnectionRegistry registry, SubscriptionGroups groups, IEventLogReader reader)
{
    /// <summary>The report for a caller that may read <paramref name="readable"/>.</summary>
    public async Task<ConnectionsReport> ReportAsync(StreamSet readable, bool admin, SweepResult? lastSweep, CancellationToken cancellationToken)
    {
        var presence = await registry.CountAsync(cancellationToken);
        var byGroup = presence.Groups ?? new Dictionary<string, int>();
        if (byGroup.Keys.Any(g => !groups.Known.ContainsKey(g)))
        {
            await groups.RefreshAsync(cancellationToken);
        }

        var streams = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var head in await reader.ListStreamsAsync(cancellationToken))
        {
            if (readable.Contains(head.Stream))
            {
                streams[head.Stream] = byGroup.Where(g => groups.Known.TryGetValue(g.Key, out var set) && set.Contains(head.Stream)).Sum(g => g.Value);
            }
        }

        // A caller who may read every stream sees every connection (also those without a group, from older tokens).
        var count = admin || readable.IsAll
            ? presence.Count
            : byGroup.Where(g => groups.Known.TryGetValue(g.Key, out var set) && !set.Intersect(readable).IsEmpty).Sum(g => g.Value);
        return new ConnectionsReport(count, admin ? presence.Users : null, presence.Hubs, presence.CountedAt, lastSweep, streams);
    }
}

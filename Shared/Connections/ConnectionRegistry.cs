using Azure.Data.Tables;
using FunctionsDashboard.Hardening;
using FunctionsDashboard.Observability;
using FunctionsDashboard.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Connections;

/// <summary>
/// The connection registry in Azure Table Storage. See docs/connections.md for the key design; in short:
/// <list type="bullet">
/// <item>Rows are spread over <see cref="ConnectionRegistryOptions.Shards"/> partitions (<c>s000</c>...) by a stable hash
/// of the connection id, so heartbeats spread over partitions (<see cref="ConnectionKeys"/>).</item>
/// <item>One row per connection (<see cref="ConnectionRow"/>), keyed <c>e|{epoch}|{id}</c>: the start of the last-seen
/// <em>epoch</em> (time cut into slices of <see cref="Epoch"/>, 40 s by default) comes first, so the rows are ordered by
/// when their connection was last seen, to the epoch. The stale sweep (<see cref="StaleConnectionScanner"/>) reads the
/// key range of epochs that began at or before the cutoff: only what can be stale, never every row, and nothing when
/// nothing is.</item>
/// <item>A heartbeat is one request: a merge of last-seen while the epoch lasts; in a new epoch one atomic batch that
/// deletes the row and adds it under the new epoch's key (same partition). The instance remembers where each connection
/// it saw lives; another instance finds it with point reads of the current and the previous epoch (a heartbeating
/// connection is always there), and only past those reads the older rows of the partition
/// (<see cref="ConnectionTable"/>).</item>
/// <item>Every removal is conditional on the row's ETag, so overlapping sweeps, heartbeats racing a sweep and repeated
/// or reordered upstream calls leave the registry right. A <c>disconnected</c> that arrives before its
/// <c>connected</c> leaves a tombstone, which the late <c>connected</c> respects and the sweep removes later.</item>
/// </list>
/// All storage calls go through the <see cref="PipelineName"/> Polly pipeline (3 attempts, jittered exponential backoff,
/// per-try timeout = <see cref="DashboardOptions.ConnectionTimeout"/>); the SDK's own retries are off for this table.
/// </summary>
public sealed partial class ConnectionRegistry(ConnectionTable table, IOptions<ConnectionRegistryOptions> options, TimeProvider timeProvider, ILogger<ConnectionRegistry> logger)
{
    /// <summary>The Polly pipeline name.</summary>
    public const string PipelineName = "connection-registry";

    private readonly TimeSpan _presenceCacheDuration = options.Value.PresenceCacheDuration;
    private PresenceCache? _presence;
    private PresenceSnapshot? _lastCounted; // kept when the cache is invalidated: the gauge reports the last count
    private IDisposable? _liveConnections;

    /// <summary>Length of a last-seen epoch (see <see cref="ConnectionKeys.Epoch"/>).</summary>
    public TimeSpan Epoch => table.Keys.Epoch;

    /// <summary>Registers a connection (idempotent; a tombstone from an earlier <c>disconnected</c> wins).</summary>
    public Task RegisterAsync(string hub, string connectionId, string? userId, CancellationToken cancellationToken) =>
        RegisterAsync(hub, connectionId, userId, group: null, cancellationToken);

    /// <summary>Registers a connection with its subscription group (counted per stream by presence).</summary>
    public Task RegisterAsync(string hub, string connectionId, string? userId, string? group, CancellationToken cancellationToken) =>
        table.RunAsync(async ct =>
        {
            var now = timeProvider.GetUtcNow();

            // A tombstone or an earlier registration of a new connection is recent: the two recent epochs suffice.
            var row = await table.ProbeAsync(connectionId, now, ct);
            if (row is null)
            {
                await table.InsertAsync(hub, connectionId, userId, now, ConnectionRow.Live, ct, group);
                Log.Registered(logger, LogValue.Bounded(hub), LogValue.Bounded(connectionId));
            }
            else if (row.IsLive)
            {
                await table.TouchAsync(row, now, ct);
            }
        }, cancellationToken);

    /// <summary>
    /// Records a sign of life. One storage request when this instance knows the connection; heals a registration whose
    /// <c>connected</c> was lost (the Service never retries upstream calls). Ignored for a connection already gone.
    /// </summary>
    public Task HeartbeatAsync(string hub, string connectionId, string? userId, CancellationToken cancellationToken) =>
        HeartbeatAsync(hub, connectionId, userId, group: null, cancellationToken);

    /// <summary>Records a sign of life; a healed registration gets <paramref name="group"/>.</summary>
    public Task HeartbeatAsync(string hub, string connectionId, string? userId, string? group, CancellationToken cancellationToken) =>
        table.RunAsync(async ct =>
        {
            var now = timeProvider.GetUtcNow();
            if (table.TryGetKnown(connectionId, out var known))
            {
                if (await table.TryTouchKnownAsync(connectionId, known, now, ct))
                {
                    return;
                }

                // Swept, removed or moved by another instance meanwhile: find it and heal (or respect the tombstone).
                table.Forget(connectionId);
            }

            var row = await table.LocateAsync(connectionId, now, ct);
            if (row is null)
            {
                await table.InsertAsync(hub, connectionId, userId, now, ConnectionRow.Live, ct, group);
                Log.Healed(logger, LogValue.Bounded(hub), LogValue.Bounded(connectionId));
            }
            else if (row.IsLive)
            {
                await table.TouchAsync(row, now, ct);
            }
        }, cancellationToken);

    /// <summary>Marks a connection gone (idempotent). Returns true when it was live.</summary>
    public Task<bool> RemoveAsync(string hub, string connectionId, CancellationToken cancellationToken)
    {
        // Set before this call's own move: if its answer is lost and the retry finds the row gone, it was live.
        var triedToRemove = false;
        return table.RunAsync(async ct =>
        {
            var now = timeProvider.GetUtcNow();
            var row = await table.LocateAsync(connectionId, now, ct);
            table.Forget(connectionId);
            if (row is null)
            {
                // disconnected before connected: leave a tombstone so the late connected does not resurrect it.
                await table.InsertAsync(hub, connectionId, null, now, ConnectionRow.Gone, ct);
                return false;
            }

            if (!row.IsLive)
            {
                return triedToRemove;
            }

            // The tombstone never stays under the live row's key (it goes under the current epoch, or the next one when
            // the row is already under the current one): a heartbeat that arrives late on an instance that still
            // remembers the live row finds that key gone and reads the tombstone, instead of moving a live row over it.
            row.State = ConnectionRow.Gone;
            triedToRemove = true;
            await table.MoveAsync(row, now, ct, awayFromRowKey: true);
            Log.Removed(logger, LogValue.Bounded(hub), LogValue.Bounded(connectionId));
            return true;
        }, cancellationToken);
    }

    /// <summary>Reads one connection; null when unknown or gone.</summary>
    public Task<ConnectionRecord?> GetAsync(string connectionId, CancellationToken cancellationToken) =>
        table.RunAsync(async ct => await table.LocateAsync(connectionId, timeProvider.GetUtcNow(), ct) is { IsLive: true } row ? row.ToRecord() : null, cancellationToken);

    /// <summary>Counts live connections (total, per user, per hub); reused for <see cref="ConnectionRegistryOptions.PresenceCacheDuration"/>.</summary>
    public async Task<PresenceSnapshot> CountAsync(CancellationToken cancellationToken)
    {
        if (_presence is { } cached && timeProvider.GetElapsedTime(cached.Timestamp) < _presenceCacheDuration)
        {
            return cached.Snapshot;
        }

        var counts = await Task.WhenAll(Enumerable.Range(0, table.Keys.Shards).Select(shard => table.RunAsync(ct => CountShardAsync(shard, ct), cancellationToken)));
        var users = new Dictionary<string, int>(StringComparer.Ordinal);
        var hubs = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (user, hub, group) in counts.SelectMany(c => c))
        {
            if (user is not null)
            {
                users[user] = users.GetValueOrDefault(user) + 1;
            }

            if (group is not null)
            {
                groups[group] = groups.GetValueOrDefault(group) + 1;
            }

            hubs[hub] = hubs.GetValueOrDefault(hub) + 1;
        }

        var snapshot = new PresenceSnapshot(hubs.Values.Sum(), users, hubs, timeProvider.GetUtcNow(), groups);
        _presence = new PresenceCache(snapshot, timeProvider.GetTimestamp());
        _lastCounted = snapshot;
        _liveConnections ??= DashboardMetrics.ObserveConnections(LiveConnectionsOf(new WeakReference<ConnectionRegistry>(this)));
        return snapshot;
    }

    /// <summary>Forgets the cached presence count (after a change the caller wants to show at once).</summary>
    public void InvalidatePresence() => _presence = null;

    private async Task<List<(string? User, string Hub, string? Group)>> CountShardAsync(int shard, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ConnectionKeys.PartitionName(shard)} and RowKey ge {ConnectionKeys.KeyPrefix} and RowKey lt {ConnectionKeys.KeyPrefixEnd} and State eq {ConnectionRow.Live}");
        var result = new List<(string?, string, string?)>();
        await foreach (var row in table.Client.QueryAsync<ConnectionRow>(filter, maxPerPage: 1000, select: [nameof(ConnectionRow.UserId), nameof(ConnectionRow.Hub), nameof(ConnectionRow.Group)], cancellationToken: cancellationToken))
        {
            result.Add((row.UserId, row.Hub, row.Group));
        }

        return result;
    }

    /// <summary>A presence count and when it was taken (a reference, so readers never see half of it).</summary>
    private sealed record PresenceCache(PresenceSnapshot Snapshot, long Timestamp);

    /// <summary>
    /// The <c>dashboard.connections.live</c> source of a registry: its last count per hub. Holds the registry weakly, so
    /// a registry that is gone (tests build many) reports nothing instead of being kept alive by the meter.
    /// </summary>
    private static Func<IEnumerable<System.Diagnostics.Metrics.Measurement<long>>> LiveConnectionsOf(WeakReference<ConnectionRegistry> registry) => () =>
        registry.TryGetTarget(out var r) && r._lastCounted is { } snapshot
            ? snapshot.Hubs.Select(h => new System.Diagnostics.Metrics.Measurement<long>(h.Value, new KeyValuePair<string, object?>(DashboardMetrics.HubTag, h.Key)))
            : [];

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, EventName = "ConnectionRegistered", Level = LogLevel.Debug, Message = "Connection {ConnectionId} registered on hub {Hub}")]
        public static partial void Registered(ILogger logger, string hub, string connectionId);

        [LoggerMessage(EventId = 4002, EventName = "ConnectionHealed", Level = LogLevel.Information, Message = "Connection {ConnectionId} on hub {Hub} registered by its heartbeat (its connected event was lost)")]
        public static partial void Healed(ILogger logger, string hub, string connectionId);

        [LoggerMessage(EventId = 4003, EventName = "ConnectionRemoved", Level = LogLevel.Debug, Message = "Connection {ConnectionId} removed from hub {Hub}")]
        public static partial void Removed(ILogger logger, string hub, string connectionId);
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Hardening;
using FunctionsDashboard.Options;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace FunctionsDashboard.Connections;

/// <summary>
/// The connection registry in Azure Table Storage. See docs/connections.md for the key design; in short:
/// <list type="bullet">
/// <item>Rows are spread over <see cref="ConnectionRegistryOptions.Shards"/> partitions (<c>s000</c>...) by a stable hash
/// of the connection id, so heartbeats spread over partitions.</item>
/// <item>One row per connection, keyed <c>e|{epoch}|{id}</c>: the start of the last-seen <em>epoch</em> (time cut into
/// slices of <see cref="Epoch"/>, 40 s by default) comes first, so the rows are ordered by when their connection was last
/// seen, to the epoch. The stale sweep reads the key range of epochs that began at or before the cutoff: only what can
/// be stale, never every row, and nothing when nothing is.</item>
/// <item>A heartbeat is one request: a merge of last-seen while the epoch lasts; in a new epoch one atomic batch that
/// deletes the row and adds it under the new epoch's key (same partition). The instance remembers where each connection
/// it saw lives; another instance finds it with point reads of the current and the previous epoch (a heartbeating
/// connection is always there), and only past those reads the older rows of the partition.</item>
/// <item>Every removal is conditional on the row's ETag, so overlapping sweeps, heartbeats racing a sweep and repeated
/// or reordered upstream calls leave the registry right. A <c>disconnected</c> that arrives before its
/// <c>connected</c> leaves a tombstone, which the late <c>connected</c> respects and the sweep removes later.</item>
/// </list>
/// All storage calls go through the <see cref="PipelineName"/> Polly pipeline (3 attempts, jittered exponential backoff,
/// per-try timeout = <see cref="DashboardOptions.ConnectionTimeout"/>); the SDK's own retries are off for this table.
/// </summary>
public sealed partial class ConnectionRegistry
{
    /// <summary>The Polly pipeline name.</summary>
    public const string PipelineName = "connection-registry";

    private const string Live = "live";
    private const string Gone = "gone";
    private const int MaxCachedConnections = 200_000;
    private const string KeyPrefix = "e|";
    private const string KeyPrefixEnd = "e}";

    /// <summary>Inserts this close to an epoch's edge check the neighbouring epoch for a racing insert.</summary>
    private static readonly TimeSpan MaxBoundaryGuard = TimeSpan.FromSeconds(5);

    private readonly TableClient _table;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly ILogger<ConnectionRegistry> _logger;
    private readonly int _shards;
    private readonly long _epochTicks;
    private readonly long _boundaryGuardTicks;
    private readonly TimeSpan _presenceCacheDuration;
    private readonly ConcurrentDictionary<string, KnownConnection> _known = new(StringComparer.Ordinal);
    private PresenceCache? _presence;

    /// <summary>Creates the registry.</summary>
    public ConnectionRegistry(
        DashboardStorage storage,
        IOptions<ConnectionRegistryOptions> options,
        IOptions<DashboardOptions> dashboardOptions,
        ResiliencePipelineProvider<string> pipelines,
        TimeProvider timeProvider,
        ILogger<ConnectionRegistry> logger)
    {
        _table = storage.SingleTryTable(ConnectionRegistryOptions.TableName);
        _pipeline = pipelines.GetPipeline(PipelineName);
        _time = timeProvider;
        _logger = logger;
        _shards = options.Value.Shards;
        _presenceCacheDuration = options.Value.PresenceCacheDuration;
        var d = dashboardOptions.Value;
        Epoch = EpochLength(d.StaleTimeout, d.HeartbeatInterval);
        _epochTicks = Epoch.Ticks;
        _boundaryGuardTicks = Math.Min(MaxBoundaryGuard.Ticks, _epochTicks / 4);
    }

    /// <summary>
    /// Length of a last-seen epoch: <c>StaleTimeout − 2 × HeartbeatInterval</c> (40 s by default), at least a quarter of
    /// the stale timeout. A connection that heartbeats is keyed under the epoch of its last heartbeat, at most one
    /// heartbeat interval ago, so its epoch began after <c>now − HeartbeatInterval − Epoch</c> = <c>cutoff +
    /// HeartbeatInterval</c>: never in the sweep's range, with a whole heartbeat interval to spare for late heartbeats.
    /// </summary>
    public TimeSpan Epoch { get; }

    /// <summary>The epoch length for the given settings (see <see cref="Epoch"/>).</summary>
    internal static TimeSpan EpochLength(TimeSpan staleTimeout, TimeSpan heartbeatInterval) =>
        staleTimeout - (2 * heartbeatInterval) is var e && e >= staleTimeout / 4 ? e : staleTimeout / 4;

    /// <summary>Registers a connection (idempotent; a tombstone from an earlier <c>disconnected</c> wins).</summary>
    public Task RegisterAsync(string hub, string connectionId, string? userId, CancellationToken cancellationToken) =>
        RegisterAsync(hub, connectionId, userId, group: null, cancellationToken);

    /// <summary>Registers a connection with its subscription group (counted per stream by presence).</summary>
    public Task RegisterAsync(string hub, string connectionId, string? userId, string? group, CancellationToken cancellationToken) =>
        RunAsync(async ct =>
        {
            var now = _time.GetUtcNow();

            // A tombstone or an earlier registration of a new connection is recent: the two recent epochs suffice.
            var row = await ProbeAsync(connectionId, now, ct);
            if (row is null)
            {
                await InsertAsync(hub, connectionId, userId, now, Live, ct, group);
                Log.Registered(_logger, LogValue.Bounded(hub), LogValue.Bounded(connectionId));
            }
            else if (row.GetString("State") == Live)
            {
                await TouchAsync(row, connectionId, now, ct);
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
        RunAsync(async ct =>
        {
            var now = _time.GetUtcNow();
            if (_known.TryGetValue(connectionId, out var known))
            {
                if (await TryTouchKnownAsync(connectionId, known, now, ct))
                {
                    return;
                }

                // Swept, removed or moved by another instance meanwhile: find it and heal (or respect the tombstone).
                Forget(connectionId);
            }

            var row = await LocateAsync(connectionId, now, ct);
            if (row is null)
            {
                await InsertAsync(hub, connectionId, userId, now, Live, ct, group);
                Log.Healed(_logger, LogValue.Bounded(hub), LogValue.Bounded(connectionId));
            }
            else if (row.GetString("State") == Live)
            {
                await TouchAsync(row, connectionId, now, ct);
            }
        }, cancellationToken);

    /// <summary>Marks a connection gone (idempotent). Returns true when it was live.</summary>
    public Task<bool> RemoveAsync(string hub, string connectionId, CancellationToken cancellationToken)
    {
        // Set before this call's own move: if its answer is lost and the retry finds the row gone, it was live.
        var triedToRemove = false;
        return RunAsync(async ct =>
        {
            var now = _time.GetUtcNow();
            var row = await LocateAsync(connectionId, now, ct);
            Forget(connectionId);
            if (row is null)
            {
                // disconnected before connected: leave a tombstone so the late connected does not resurrect it.
                await InsertAsync(hub, connectionId, null, now, Gone, ct);
                return false;
            }

            if (row.GetString("State") != Live)
            {
                return triedToRemove;
            }

            // The tombstone never stays under the live row's key (it goes under the current epoch, or the next one when
            // the row is already under the current one): a heartbeat that arrives late on an instance that still
            // remembers the live row finds that key gone and reads the tombstone, instead of moving a live row over it.
            row["State"] = Gone;
            triedToRemove = true;
            await MoveAsync(row, connectionId, now, ct, awayFromRowKey: true);
            Log.Removed(_logger, LogValue.Bounded(hub), LogValue.Bounded(connectionId));
            return true;
        }, cancellationToken);
    }

    /// <summary>Reads one connection; null when unknown or gone.</summary>
    public Task<ConnectionRecord?> GetAsync(string connectionId, CancellationToken cancellationToken) =>
        RunAsync(async ct => await LocateAsync(connectionId, _time.GetUtcNow(), ct) is { } row && row.GetString("State") == Live ? ToRecord(row) : null, cancellationToken);

    /// <summary>Counts live connections (total, per user, per hub); reused for <see cref="ConnectionRegistryOptions.PresenceCacheDuration"/>.</summary>
    public async Task<PresenceSnapshot> CountAsync(CancellationToken cancellationToken)
    {
        if (_presence is { } cached && _time.GetElapsedTime(cached.Timestamp) < _presenceCacheDuration)
        {
            return cached.Snapshot;
        }

        var counts = await Task.WhenAll(Enumerable.Range(0, _shards).Select(shard => RunAsync(ct => CountShardAsync(shard, ct), cancellationToken)));
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

        var snapshot = new PresenceSnapshot(hubs.Values.Sum(), users, hubs, _time.GetUtcNow(), groups);
        _presence = new PresenceCache(snapshot, _time.GetTimestamp());
        return snapshot;
    }

    /// <summary>Forgets the cached presence count (after a change the caller wants to show at once).</summary>
    public void InvalidatePresence() => _presence = null;

    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async ct => await action(ct), cancellationToken);

    private async Task RunAsync(Func<CancellationToken, Task> action, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async ct => await action(ct), cancellationToken);

    private async Task<List<(string? User, string Hub, string? Group)>> CountShardAsync(int shard, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionName(shard)} and RowKey ge {KeyPrefix} and RowKey lt {KeyPrefixEnd} and State eq {Live}");
        var result = new List<(string?, string, string?)>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["UserId", "Hub", "Group"], cancellationToken: cancellationToken))
        {
            result.Add((row.GetString("UserId"), row.GetString("Hub") ?? "", row.GetString("Group")));
        }

        return result;
    }

    /// <summary>
    /// Finds a connection's row wherever it is: where this instance last saw it, then the next, current and previous
    /// epoch (where every connection that heartbeats is, and every recent tombstone), then the older rows of its
    /// partition (a connection silent for a while: few rows, the same range the sweep reads).
    /// </summary>
    private async Task<TableEntity?> LocateAsync(string connectionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(connectionId, out var known) && await ReadAsync(Partition(connectionId), RowKey(known.EpochStart, connectionId), cancellationToken) is { } row)
        {
            return row;
        }

        return await ProbeAsync(connectionId, now, cancellationToken) ?? await SearchOlderAsync(connectionId, now, cancellationToken);
    }

    /// <summary>
    /// Point reads, at once, of the next, the current and the previous epoch's key: a connection that heartbeats is under
    /// the current or the previous one, a tombstone under the current or the next one.
    /// </summary>
    private async Task<TableEntity?> ProbeAsync(string connectionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var partition = Partition(connectionId);
        var current = EpochStart(now);
        var rows = await Task.WhenAll(
            ReadAsync(partition, RowKey(current + _epochTicks, connectionId), cancellationToken),
            ReadAsync(partition, RowKey(current, connectionId), cancellationToken),
            ReadAsync(partition, RowKey(current - _epochTicks, connectionId), cancellationToken));
        TableEntity? found = null;
        foreach (var row in rows.OfType<TableEntity>())
        {
            found = found is null ? row : await ResolveDuplicateAsync(found, row, cancellationToken);
        }

        return found;
    }

    /// <summary>The partition's rows of epochs before the previous one, filtered on the connection id.</summary>
    private async Task<TableEntity?> SearchOlderAsync(string connectionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var partition = Partition(connectionId);
        var upper = KeyPrefix + (EpochStart(now) - _epochTicks).ToString("D19", CultureInfo.InvariantCulture);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {KeyPrefix} and RowKey lt {upper} and ConnectionId eq {connectionId}");
        TableEntity? found = null;
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            found = found is null ? row : await ResolveDuplicateAsync(row, found, cancellationToken);
        }

        return found;
    }

    private async Task<TableEntity?> ReadAsync(string partition, string rowKey, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Adds a connection's row under the epoch of <paramref name="now"/>. Insert only: a row already there (a racing
    /// registration) fails with 409, which the pipeline retries at once, finding the row. Close to the epoch's edge, the
    /// neighbouring epoch is read for a row a racing insert on another instance put there (see
    /// <see cref="ResolveDuplicateAsync"/>).
    /// </summary>
    private async Task InsertAsync(string hub, string connectionId, string? userId, DateTimeOffset now, string state, CancellationToken cancellationToken, string? group = null)
    {
        var partition = Partition(connectionId);
        var epoch = EpochStart(now);
        var row = NewRow(partition, epoch, connectionId, hub, userId, now, now, state, group);
        await _table.AddEntityAsync(row, cancellationToken);
        if (state == Live)
        {
            Remember(connectionId, new KnownConnection(epoch, hub, userId, now, group));
        }

        var intoEpoch = now.UtcTicks - epoch;
        long? neighbour = intoEpoch < _boundaryGuardTicks ? epoch - _epochTicks
            : _epochTicks - intoEpoch <= _boundaryGuardTicks ? epoch + _epochTicks
            : null;
        if (neighbour is { } other && await ReadAsync(partition, RowKey(other, connectionId), cancellationToken) is { } racing)
        {
            row.ETag = ETag.All;
            await ResolveDuplicateAsync(row, racing, cancellationToken);
        }
    }

    /// <summary>
    /// Two rows of one connection (inserts that raced across an epoch edge, on instances a little apart in time): the
    /// row under the later epoch stays, gone if either was gone; the other is deleted. Both racers decide alike.
    /// </summary>
    private async Task<TableEntity> ResolveDuplicateAsync(TableEntity a, TableEntity b, CancellationToken cancellationToken)
    {
        var (newer, older) = string.CompareOrdinal(a.RowKey, b.RowKey) > 0 ? (a, b) : (b, a);
        var connectionId = newer.GetString("ConnectionId") ?? "";
        Log.DuplicateResolved(_logger, LogValue.Bounded(connectionId));
        if (older.GetString("State") == Gone && newer.GetString("State") == Live)
        {
            // Gone, and off the live row's key (as RemoveAsync does), so no instance that remembers it moves it back.
            newer["State"] = Gone;
            Forget(connectionId);
            if (newer.ETag == default)
            {
                newer.ETag = ETag.All;
            }

            newer = await MoveAsync(newer, connectionId, _time.GetUtcNow(), cancellationToken, awayFromRowKey: true);
        }
        else if (newer.GetString("State") == Live)
        {
            Remember(connectionId, Known(newer, EpochOf(newer.RowKey)));
        }

        await DeleteIgnoringMissingAsync(older.PartitionKey, older.RowKey, cancellationToken);
        return newer;
    }

    /// <summary>
    /// A heartbeat of a connection this instance registered or touched, in one request and without reading the row: a
    /// merge of last-seen while its epoch lasts, else one atomic batch that deletes the row where this instance left it
    /// and adds it under the new epoch. False when the row is not where this instance left it (swept, removed, or moved
    /// by another instance): the caller then finds it.
    /// </summary>
    private async Task<bool> TryTouchKnownAsync(string connectionId, KnownConnection known, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var partition = Partition(connectionId);
        var epoch = EpochStart(now);
        var key = RowKey(known.EpochStart, connectionId);
        try
        {
            if (epoch <= known.EpochStart)
            {
                await _table.UpdateEntityAsync(new TableEntity(partition, key) { ["LastSeen"] = now }, ETag.All, TableUpdateMode.Merge, cancellationToken);
                return true;
            }

            await _table.SubmitTransactionAsync(
                [
                    new(TableTransactionActionType.Delete, new TableEntity(partition, key), ETag.All),
                    new(TableTransactionActionType.Add, NewRow(partition, epoch, connectionId, known.Hub, known.UserId, known.ConnectedAt, now, Live, known.Group)),
                ],
                cancellationToken);
            Remember(connectionId, known with { EpochStart = epoch });
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409)
        {
            return false;
        }
    }

    /// <summary>Updates last-seen of a row just read (conditional on its ETag), moving it to the current epoch when due.</summary>
    private async Task TouchAsync(TableEntity row, string connectionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rowEpoch = EpochOf(row.RowKey);
        if (EpochStart(now) > rowEpoch)
        {
            await MoveAsync(row, connectionId, now, cancellationToken);
            return;
        }

        var seen = row.GetDateTimeOffset("LastSeen") is { } s && s > now ? s : now;
        await _table.UpdateEntityAsync(new TableEntity(row.PartitionKey, row.RowKey) { ["LastSeen"] = seen }, row.ETag, TableUpdateMode.Merge, cancellationToken);
        Remember(connectionId, Known(row, rowEpoch));
    }

    /// <summary>
    /// The row (with its state as the caller set it) last seen at <paramref name="now"/>, under the current epoch (never
    /// before the row's own; <paramref name="awayFromRowKey"/>: always after it): one atomic batch deleting it where it
    /// was (conditional on the ETag read) and adding it there, or a replace in place when it is already there. Returns the
    /// row as written.
    /// </summary>
    private async Task<TableEntity> MoveAsync(TableEntity row, string connectionId, DateTimeOffset now, CancellationToken cancellationToken, bool awayFromRowKey = false)
    {
        var epoch = Math.Max(EpochStart(now), EpochOf(row.RowKey) + (awayFromRowKey ? _epochTicks : 0));
        var seen = row.GetDateTimeOffset("LastSeen") is { } s && s > now ? s : now;
        var moved = NewRow(row.PartitionKey, epoch, connectionId, row.GetString("Hub") ?? "", row.GetString("UserId"), row.GetDateTimeOffset("ConnectedAt") ?? seen, seen, row.GetString("State") ?? Live, row.GetString("Group"));
        if (moved.RowKey == row.RowKey)
        {
            await _table.UpdateEntityAsync(moved, row.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        else
        {
            await _table.SubmitTransactionAsync(
                [
                    new(TableTransactionActionType.Delete, row, row.ETag),
                    new(TableTransactionActionType.Add, moved),
                ],
                cancellationToken);
        }

        if (moved.GetString("State") == Live)
        {
            Remember(connectionId, Known(moved, epoch));
        }

        return moved;
    }

    /// <summary>Deletes a row; one already gone is fine (the SDK answers 404 without throwing).</summary>
    private async Task DeleteIgnoringMissingAsync(string partition, string rowKey, CancellationToken cancellationToken) =>
        await _table.DeleteEntityAsync(partition, rowKey, ETag.All, cancellationToken);

    private void Remember(string connectionId, KnownConnection known)
    {
        if (_known.Count >= MaxCachedConnections)
        {
            _known.Clear();
        }

        _known[connectionId] = known;
    }

    private void Forget(string connectionId) => _known.TryRemove(connectionId, out _);

    private long EpochStart(DateTimeOffset time) => time.UtcTicks - (time.UtcTicks % _epochTicks);

    /// <summary>A connection's row as a registration at <paramref name="lastSeen"/> (or a move) writes it.</summary>
    private static TableEntity NewRow(string partition, long epochStart, string connectionId, string hub, string? userId, DateTimeOffset connectedAt, DateTimeOffset lastSeen, string state, string? group = null) =>
        new(partition, RowKey(epochStart, connectionId))
        {
            ["ConnectionId"] = connectionId,
            ["Hub"] = hub,
            ["UserId"] = userId,
            ["Group"] = group,
            ["ConnectedAt"] = connectedAt,
            ["LastSeen"] = lastSeen,
            ["State"] = state,
        };

    private static KnownConnection Known(TableEntity row, long epochStart) =>
        new(epochStart, row.GetString("Hub") ?? "", row.GetString("UserId"), row.GetDateTimeOffset("ConnectedAt") ?? default, row.GetString("Group"));

    private static ConnectionRecord ToRecord(TableEntity row) =>
        new(row.GetString("ConnectionId") ?? "", row.GetString("Hub") ?? "", row.GetString("UserId"),
            row.GetDateTimeOffset("ConnectedAt") ?? default, row.GetDateTimeOffset("LastSeen") ?? default);

    private static string RowKey(long epochStart, string connectionId) =>
        KeyPrefix + epochStart.ToString("D19", CultureInfo.InvariantCulture) + "|" + EncodeKey(connectionId);

    /// <summary>The epoch start of a row key <c>e|{ticks:D19}|{id}</c>.</summary>
    private static long EpochOf(string rowKey) => long.Parse(rowKey.AsSpan(KeyPrefix.Length, 19), CultureInfo.InvariantCulture);

    private string Partition(string connectionId) => PartitionName((int)(Fnv1a(connectionId) % (uint)_shards));

    private static string PartitionName(int shard) => "s" + shard.ToString("D3", CultureInfo.InvariantCulture);

    /// <summary>Stable across processes (string.GetHashCode is not).</summary>
    internal static uint Fnv1a(string value)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    /// <summary>Escapes the characters Table keys forbid (<c>/ \ # ?</c>, control characters) and the escape itself.</summary>
    internal static string EncodeKey(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '~' or '|' || char.IsControl(c))
            {
                sb.Append('~').Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>A presence count and when it was taken (a reference, so readers never see half of it).</summary>
    private sealed record PresenceCache(PresenceSnapshot Snapshot, long Timestamp);

    /// <summary>Where this instance last left a connection's row, and what it needs to move it without reading it.</summary>
    private readonly record struct KnownConnection(long EpochStart, string Hub, string? UserId, DateTimeOffset ConnectedAt, string? Group = null);

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, EventName = "ConnectionRegistered", Level = LogLevel.Debug, Message = "Connection {ConnectionId} registered on hub {Hub}")]
        public static partial void Registered(ILogger logger, string hub, string connectionId);

        [LoggerMessage(EventId = 4002, EventName = "ConnectionHealed", Level = LogLevel.Information, Message = "Connection {ConnectionId} on hub {Hub} registered by its heartbeat (its connected event was lost)")]
        public static partial void Healed(ILogger logger, string hub, string connectionId);

        [LoggerMessage(EventId = 4003, EventName = "ConnectionRemoved", Level = LogLevel.Debug, Message = "Connection {ConnectionId} removed from hub {Hub}")]
        public static partial void Removed(ILogger logger, string hub, string connectionId);

        [LoggerMessage(EventId = 4004, EventName = "StaleBatchFailed", Level = LogLevel.Warning, Message = "Removing {Count} stale connections in partition {Partition} failed or its answer was lost; they are settled by reading or checked one by one")]
        public static partial void StaleBatchFailed(ILogger logger, string partition, int count, Exception exception);

        [LoggerMessage(EventId = 4006, EventName = "StaleReadFailed", Level = LogLevel.Warning, Message = "Reading the stale connections of partition {Partition} failed; it waits for the next sweep")]
        public static partial void StaleReadFailed(ILogger logger, string partition, Exception exception);

        [LoggerMessage(EventId = 4005, EventName = "DuplicateResolved", Level = LogLevel.Information, Message = "Connection {ConnectionId} had two rows (registrations that raced across an epoch edge); the older one is deleted")]
        public static partial void DuplicateResolved(ILogger logger, string connectionId);
    }
}

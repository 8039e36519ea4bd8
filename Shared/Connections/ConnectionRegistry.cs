using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;
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
/// <item>In each partition, the connection row (<c>c|{id}</c>: hub, user, connected-at, last-seen, state) and one index row
/// (<c>x|{ticks}|{id}</c>) whose key orders connections by when they were last indexed. The stale sweep reads only the
/// index range older than the cutoff: only what can be stale, never every row.</item>
/// <item>A heartbeat is one request: a merge of last-seen; about every (stale − 2 × heartbeat) it is instead one atomic
/// batch that also moves the index row forward. Both live in one partition, so the batch is atomic.</item>
/// <item>Every change is conditional on the row's ETag, so overlapping sweeps, heartbeats racing a sweep and
/// repeated or reordered upstream calls leave the registry right. A <c>disconnected</c> that arrives before its
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

    /// <summary>Shards whose index range is read ahead of the sweep.</summary>
    private const int IndexReadAhead = 4;

    private readonly TableClient _table;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly ILogger<ConnectionRegistry> _logger;
    private readonly int _shards;
    private readonly TimeSpan _moveIndexAfter;
    private readonly TimeSpan _presenceCacheDuration;
    private readonly ConcurrentDictionary<string, long> _indexedAt = new(StringComparer.Ordinal);
    private (PresenceSnapshot Snapshot, long Timestamp)? _presence;

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
        _moveIndexAfter = d.StaleTimeout - (2 * d.HeartbeatInterval) is var m && m > TimeSpan.Zero ? m : TimeSpan.Zero;
    }

    /// <summary>Registers a connection (idempotent; a tombstone from an earlier <c>disconnected</c> wins).</summary>
    public Task RegisterAsync(string hub, string connectionId, string? userId, CancellationToken cancellationToken) =>
        RunAsync(async ct =>
        {
            var now = _time.GetUtcNow();
            var row = await ReadAsync(connectionId, ct);
            if (row is null)
            {
                await InsertAsync(hub, connectionId, userId, now, Live, ct);
                Log.Registered(_logger, hub, connectionId);
            }
            else if (row.GetString("State") == Live)
            {
                await TouchAsync(row, connectionId, now, ct);
            }
        }, cancellationToken);

    /// <summary>
    /// Records a sign of life. One storage request; heals a registration whose <c>connected</c> was lost (the Service
    /// never retries upstream calls). Ignored for a connection already gone.
    /// </summary>
    public Task HeartbeatAsync(string hub, string connectionId, string? userId, CancellationToken cancellationToken) =>
        RunAsync(async ct =>
        {
            var now = _time.GetUtcNow();
            if (_indexedAt.TryGetValue(connectionId, out var indexed))
            {
                try
                {
                    await TouchKnownAsync(hub, connectionId, indexed, now, ct);
                    return;
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    // Swept or removed meanwhile: read it and heal (or respect the tombstone) below.
                    _indexedAt.TryRemove(connectionId, out _);
                }
            }

            var row = await ReadAsync(connectionId, ct);
            if (row is null)
            {
                await InsertAsync(hub, connectionId, userId, now, Live, ct);
                Log.Healed(_logger, hub, connectionId);
            }
            else if (row.GetString("State") == Live)
            {
                await TouchAsync(row, connectionId, now, ct);
            }
        }, cancellationToken);

    /// <summary>Marks a connection gone (idempotent). Returns true when it was live.</summary>
    public Task<bool> RemoveAsync(string hub, string connectionId, CancellationToken cancellationToken) =>
        RunAsync(async ct =>
        {
            var now = _time.GetUtcNow();
            _indexedAt.TryRemove(connectionId, out _);
            var row = await ReadAsync(connectionId, ct);
            if (row is null)
            {
                // disconnected before connected: leave a tombstone so the late connected does not resurrect it.
                await InsertAsync(hub, connectionId, null, now, Gone, ct);
                return false;
            }

            if (row.GetString("State") != Live)
            {
                return false;
            }

            row["State"] = Gone;
            await MoveAsync(row, connectionId, now, ct);
            _indexedAt.TryRemove(connectionId, out _);
            Log.Removed(_logger, hub, connectionId);
            return true;
        }, cancellationToken);

    /// <summary>Reads one connection; null when unknown or gone.</summary>
    public Task<ConnectionRecord?> GetAsync(string connectionId, CancellationToken cancellationToken) =>
        RunAsync(async ct => await ReadAsync(connectionId, ct) is { } row && row.GetString("State") == Live ? ToRecord(row, connectionId) : null, cancellationToken);

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
        foreach (var (user, hub) in counts.SelectMany(c => c))
        {
            if (user is not null)
            {
                users[user] = users.GetValueOrDefault(user) + 1;
            }

            hubs[hub] = hubs.GetValueOrDefault(hub) + 1;
        }

        var snapshot = new PresenceSnapshot(hubs.Values.Sum(), users, hubs, _time.GetUtcNow());
        _presence = (snapshot, _time.GetTimestamp());
        return snapshot;
    }

    /// <summary>Forgets the cached presence count (after a change the caller wants to show at once).</summary>
    public void InvalidatePresence() => _presence = null;

    /// <summary>
    /// Index entries last indexed at or before <paramref name="cutoff"/>: the only rows that can be stale. Shard by
    /// shard, in key order; a few shards are read ahead while the caller works through the current one.
    /// </summary>
    public async IAsyncEnumerable<StaleCandidate> FindStaleCandidatesAsync(DateTimeOffset cutoff, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var upper = IndexPrefix + (cutoff.UtcTicks + 1).ToString("D19", CultureInfo.InvariantCulture);
        using var readAhead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new Queue<Task<List<StaleCandidate>>>();
        var next = 0;
        try
        {
            while (next < _shards || pending.Count > 0)
            {
                while (next < _shards && pending.Count < IndexReadAhead)
                {
                    var shard = next++;
                    pending.Enqueue(RunAsync(ct => ReadIndexRangeAsync(shard, upper, ct), readAhead.Token));
                }

                foreach (var candidate in await pending.Dequeue())
                {
                    yield return candidate;
                }
            }
        }
        finally
        {
            // The caller stopped early (or failed): abandon the reads ahead and observe their outcome.
            await readAhead.CancelAsync();
            try
            {
                await Task.WhenAll(pending);
            }
            catch (Exception) when (readAhead.IsCancellationRequested)
            {
                // Abandoned reads: nobody wants their result or their failure.
            }
        }
    }

    private async Task<List<StaleCandidate>> ReadIndexRangeAsync(int shard, string upper, CancellationToken cancellationToken)
    {
        var partition = PartitionName(shard);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {IndexPrefix} and RowKey lt {upper}");
        var candidates = new List<StaleCandidate>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey", "ConnectionId"], cancellationToken: cancellationToken))
        {
            candidates.Add(new StaleCandidate(partition, row.RowKey, row.GetString("ConnectionId") ?? ""));
        }

        return candidates;
    }

    /// <summary>
    /// Removes a candidate if its connection is still stale (last seen at or before <paramref name="cutoff"/>), conditional
    /// on the row's ETag: a heartbeat that lands meanwhile wins and the connection stays. A live connection whose index
    /// was behind is re-indexed.
    /// </summary>
    public Task<StaleOutcome> TryRemoveStaleAsync(StaleCandidate candidate, DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        RunAsync(async ct =>
        {
            var row = await ReadAsync(candidate.ConnectionId, ct);
            if (row is null)
            {
                await DeleteIgnoringMissingAsync(candidate.Partition, candidate.IndexKey, ct);
                return new StaleOutcome(StaleDisposition.Orphan, null);
            }

            // A candidate that is not the row's own index entry is a duplicate left by a race of two instances'
            // heartbeats (see TouchKnownAsync): it goes either way.
            var index = IndexKey(row);
            var lastSeen = row.GetDateTimeOffset("LastSeen") ?? DateTimeOffset.MinValue;
            if (lastSeen > cutoff)
            {
                await MoveAsync(row, candidate.ConnectionId, lastSeen, ct);
                if (candidate.IndexKey != index)
                {
                    await DeleteIgnoringMissingAsync(candidate.Partition, candidate.IndexKey, ct);
                }

                return new StaleOutcome(StaleDisposition.StillLive, null);
            }

            var record = ToRecord(row, candidate.ConnectionId);
            var wasLive = row.GetString("State") == Live;
            var batch = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.Delete, row, row.ETag),
                new(TableTransactionActionType.Delete, new TableEntity(row.PartitionKey, index), ETag.All),
            };
            if (candidate.IndexKey != index)
            {
                batch.Add(new(TableTransactionActionType.Delete, new TableEntity(row.PartitionKey, candidate.IndexKey), ETag.All));
            }
            try
            {
                await SubmitAsync(batch, ct);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedTransactionActionIndex == 0)
            {
                // An overlapping sweep removed it first: not counted twice.
                return new StaleOutcome(StaleDisposition.RemovedElsewhere, null);
            }

            _indexedAt.TryRemove(candidate.ConnectionId, out _);
            return new StaleOutcome(wasLive ? StaleDisposition.RemovedStale : StaleDisposition.RemovedTombstone, record);
        }, cancellationToken);

    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async ct => await action(ct), cancellationToken);

    private async Task RunAsync(Func<CancellationToken, Task> action, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async ct => await action(ct), cancellationToken);

    private async Task<List<(string? User, string Hub)>> CountShardAsync(int shard, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionName(shard)} and RowKey ge {ConnectionPrefix} and RowKey lt {ConnectionPrefixEnd} and State eq {Live}");
        var result = new List<(string?, string)>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["UserId", "Hub"], cancellationToken: cancellationToken))
        {
            result.Add((row.GetString("UserId"), row.GetString("Hub") ?? ""));
        }

        return result;
    }

    private async Task<TableEntity?> ReadAsync(string connectionId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(connectionId), ConnectionKey(connectionId), cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    private async Task InsertAsync(string hub, string connectionId, string? userId, DateTimeOffset now, string state, CancellationToken cancellationToken)
    {
        var partition = Partition(connectionId);
        await SubmitAsync(
            [
                new(TableTransactionActionType.Add, ConnectionRow(partition, hub, connectionId, userId, now, state)),
                new(TableTransactionActionType.UpsertReplace, IndexRow(partition, connectionId, hub, now.UtcTicks)),
            ],
            cancellationToken);
        if (state == Live)
        {
            Remember(connectionId, now.UtcTicks);
        }
    }

    /// <summary>
    /// A heartbeat of a connection this instance registered or touched, in one request and without reading the row:
    /// a merge of last-seen, or, when the index is due to move, one atomic batch that merges last-seen and index time
    /// into the row, deletes the index row this instance wrote and adds the new one. Unconditional (the merge only
    /// moves time forward), but a 404 when the row is gone fails the whole batch. If another instance moved the index
    /// meanwhile, the old index row is missing: the batch goes again without that delete, and the other instance's
    /// index row stays behind as a duplicate, which the sweep deletes when it reaches it.
    /// </summary>
    private async Task TouchKnownAsync(string hub, string connectionId, long indexedTicks, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var partition = Partition(connectionId);
        var key = ConnectionKey(connectionId);
        if (now - new DateTimeOffset(indexedTicks, TimeSpan.Zero) < _moveIndexAfter || now.UtcTicks == indexedTicks)
        {
            await _table.UpdateEntityAsync(new TableEntity(partition, key) { ["LastSeen"] = now }, ETag.All, TableUpdateMode.Merge, cancellationToken);
            return;
        }

        await SubmitAsync(
            [
                new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, key) { ["LastSeen"] = now, ["IndexedAt"] = now.UtcTicks }, ETag.All),
                new(TableTransactionActionType.Delete, new TableEntity(partition, IndexKey(indexedTicks, key)), ETag.All),
                new(TableTransactionActionType.UpsertReplace, IndexRow(partition, connectionId, hub, now.UtcTicks)),
            ],
            cancellationToken);
        Remember(connectionId, now.UtcTicks);
    }

    /// <summary>Updates last-seen; moves the index forward when it is due (one request either way).</summary>
    private async Task TouchAsync(TableEntity row, string connectionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var indexed = new DateTimeOffset(row.GetInt64("IndexedAt") ?? 0, TimeSpan.Zero);
        if (now - indexed < _moveIndexAfter)
        {
            var patch = new TableEntity(row.PartitionKey, row.RowKey) { ["LastSeen"] = now };
            await _table.UpdateEntityAsync(patch, row.ETag, TableUpdateMode.Merge, cancellationToken);
            Remember(connectionId, indexed.UtcTicks);
            return;
        }

        await MoveAsync(row, connectionId, now, cancellationToken);
    }

    /// <summary>One atomic batch: the row (last-seen, state, index time) and its index row moved to <paramref name="at"/>.</summary>
    private async Task MoveAsync(TableEntity row, string connectionId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var oldIndex = IndexKey(row);
        var newTicks = at.UtcTicks;
        row["LastSeen"] = row.GetDateTimeOffset("LastSeen") is { } seen && seen > at ? seen : at;
        row["IndexedAt"] = newTicks;
        var batch = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, row, row.ETag) };
        var newIndex = IndexRow(row.PartitionKey, connectionId, row.GetString("Hub") ?? "", newTicks);
        if (newIndex.RowKey != oldIndex)
        {
            batch.Add(new(TableTransactionActionType.Delete, new TableEntity(row.PartitionKey, oldIndex), ETag.All));
        }

        batch.Add(new(TableTransactionActionType.UpsertReplace, newIndex));
        await SubmitAsync(batch, cancellationToken);
        if (row.GetString("State") == Live)
        {
            Remember(connectionId, newTicks);
        }
    }

    private async Task SubmitAsync(List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        try
        {
            await _table.SubmitTransactionAsync(batch, cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedTransactionActionIndex is { } i && batch[i].ActionType == TableTransactionActionType.Delete && batch[i].Entity.RowKey.StartsWith(IndexPrefix, StringComparison.Ordinal))
        {
            // The old index row is already gone (a racing move): the rest of the batch still applies.
            batch.RemoveAt(i);
            await _table.SubmitTransactionAsync(batch, cancellationToken);
        }
    }

    private async Task DeleteIgnoringMissingAsync(string partition, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(partition, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already gone.
        }
    }

    private void Remember(string connectionId, long indexedTicks)
    {
        if (_indexedAt.Count >= MaxCachedConnections)
        {
            _indexedAt.Clear();
        }

        _indexedAt[connectionId] = indexedTicks;
    }

    /// <summary>The connection row as a registration at <paramref name="now"/> writes it.</summary>
    private static TableEntity ConnectionRow(string partition, string hub, string connectionId, string? userId, DateTimeOffset now, string state) =>
        new(partition, ConnectionKey(connectionId))
        {
            ["Hub"] = hub,
            ["UserId"] = userId,
            ["ConnectedAt"] = now,
            ["LastSeen"] = now,
            ["IndexedAt"] = now.UtcTicks,
            ["State"] = state,
        };

    private static ConnectionRecord ToRecord(TableEntity row, string connectionId) =>
        new(connectionId, row.GetString("Hub") ?? "", row.GetString("UserId"),
            row.GetDateTimeOffset("ConnectedAt") ?? default, row.GetDateTimeOffset("LastSeen") ?? default);

    private static TableEntity IndexRow(string partition, string connectionId, string hub, long ticks) =>
        new(partition, IndexPrefix + ticks.ToString("D19", CultureInfo.InvariantCulture) + "|" + EncodeKey(connectionId))
        {
            ["ConnectionId"] = connectionId,
            ["Hub"] = hub,
        };

    private static string IndexKey(TableEntity row) => IndexKey(row.GetInt64("IndexedAt") ?? 0, row.RowKey);

    private static string IndexKey(long indexedTicks, string connectionKey) =>
        IndexPrefix + indexedTicks.ToString("D19", CultureInfo.InvariantCulture) + "|" + connectionKey[ConnectionPrefix.Length..];

    private const string ConnectionPrefix = "c|";
    private const string ConnectionPrefixEnd = "c}";
    private const string IndexPrefix = "x|";

    private string Partition(string connectionId) => PartitionName((int)(Fnv1a(connectionId) % (uint)_shards));

    private static string PartitionName(int shard) => "s" + shard.ToString("D3", CultureInfo.InvariantCulture);

    private static string ConnectionKey(string connectionId) => ConnectionPrefix + EncodeKey(connectionId);

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
    }
}

/// <summary>An index entry old enough that its connection may be stale.</summary>
/// <param name="Partition">The shard partition.</param>
/// <param name="IndexKey">The index row key.</param>
/// <param name="ConnectionId">The connection.</param>
public sealed record StaleCandidate(string Partition, string IndexKey, string ConnectionId);

/// <summary>What <see cref="ConnectionRegistry.TryRemoveStaleAsync"/> did.</summary>
/// <param name="Disposition">The outcome.</param>
/// <param name="Removed">The removed connection, when one was removed.</param>
public sealed record StaleOutcome(StaleDisposition Disposition, ConnectionRecord? Removed);

/// <summary>Outcomes of a stale check.</summary>
public enum StaleDisposition
{
    /// <summary>A live connection was stale and is removed.</summary>
    RemovedStale,

    /// <summary>A tombstone (already disconnected) aged out and is removed.</summary>
    RemovedTombstone,

    /// <summary>The connection was seen after the cutoff: kept (and re-indexed).</summary>
    StillLive,

    /// <summary>An index row without its connection row: removed.</summary>
    Orphan,

    /// <summary>Another sweep removed it at the same time.</summary>
    RemovedElsewhere,
}
